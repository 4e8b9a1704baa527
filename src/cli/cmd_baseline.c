#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "pawl/baseline.h"

static const char baseline_help[] =
    "usage: pawl baseline promote RESULTS.json [--to PATH]\n"
    "\n"
    "Makes a results file the baseline that later runs are compared with: it is\n"
    "copied, atomically, to PATH (default: .pawl/baseline.json), where the\n"
    "config's baseline.file should point. Promotion is the only way a baseline\n"
    "changes, and it refuses interrupted runs and runs with errored calls.\n"
    "Commit the file so that CI compares pull requests with it.\n"
    "\n"
    "options:\n"
    "      --to PATH   where to write the baseline (default: .pawl/baseline.json)\n"
    "  -h, --help      show this help\n";

int cmd_baseline(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"to", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *to = ".pawl/baseline.json";
    struct pawl_error err;
    int opt;

    pawl_error_init(&err);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 't':
            to = optarg;
            break;
        default:
            return cli_option_default("baseline", baseline_help, opt, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("baseline", "expected 'promote RESULTS.json'");
    if (strcmp(argv[optind], "promote") != 0)
        return cli_usage_error("baseline", "unknown baseline command '%s' (expected 'promote')",
                               argv[optind]);
    if (argc - optind != 2)
        return cli_usage_error("baseline", "expected one results file after 'promote'");
    if (pawl_baseline_promote(argv[optind + 1], to, &err) < 0)
        return cli_report_error(&err);
    printf("promoted %s to %s; commit it so later runs compare against it\n", argv[optind + 1],
           to);
    return PAWL_EXIT_PASS;
}
