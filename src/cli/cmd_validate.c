#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "pawl/suite.h"

static const char validate_help[] =
    "usage: pawl validate [-c pawl.yaml]\n"
    "\n"
    "Loads the config, the dataset and every template and scorer, and checks that\n"
    "each template resolves for each case, without calling any model or agent.\n"
    "Errors are printed as FILE:LINE:COL: message and exit with status 2.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   config file (default: pawl.yaml)\n"
    "  -h, --help          show this help\n";

int cmd_validate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = "pawl.yaml";
    struct pawl_suite suite;
    struct pawl_error err;
    int opt, status;

    pawl_error_init(&err);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config = optarg;
            break;
        default:
            return cli_option_default("validate", validate_help, opt, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("validate", "unexpected argument '%s'", argv[optind]);

    if (pawl_suite_load(&suite, config, &err) < 0 || pawl_suite_check(&suite, &err) < 0) {
        status = cli_report_error(&err);
    } else {
        printf("%s: ok (%zu case%s from %s, %zu scorer%s, provider %s)\n", config,
               suite.dataset.n_cases, suite.dataset.n_cases == 1 ? "" : "s", suite.dataset.path,
               suite.n_scorers,
               suite.n_scorers == 1 ? "" : "s", suite.cfg.task.provider);
        status = PAWL_EXIT_PASS;
    }
    pawl_suite_release(&suite);
    return status;
}
