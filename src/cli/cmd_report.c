#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pawl/baseline.h"
#include "pawl/report.h"
#include "pawl/results.h"

static const char report_help[] =
    "usage: pawl report RESULTS.json [--junit FILE] [--markdown FILE] [--html FILE]\n"
    "                   [--baseline FILE|REF:PATH]\n"
    "\n"
    "Re-renders reports from a results file written by 'pawl run', without\n"
    "running anything, and prints the summary. The exit status follows the\n"
    "verdict recorded in the file: 0 pass, 1 fail, 3 error.\n"
    "\n"
    "options:\n"
    "      --junit FILE      write JUnit XML\n"
    "      --markdown FILE   write the Markdown summary\n"
    "      --html FILE       write the HTML report: one self-contained page (no\n"
    "                        network, no script) with the verdict, a chart per gated\n"
    "                        metric, score distributions, latency, cost and every\n"
    "                        case, filterable by status\n"
    "      --baseline FILE|REF:PATH\n"
    "                        the baseline results the run was compared with, so the\n"
    "                        HTML and Markdown reports show its outputs next to the\n"
    "                        candidate's (the comparison itself is in RESULTS.json)\n"
    "  -q, --quiet           do not print the summary\n"
    "  -h, --help            show this help\n"
    "\n"
    "examples:\n"
    "  pawl report reports/pawl-results.json --html reports/pawl-report.html\n"
    "  pawl report reports/pawl-results.json --html report.html --baseline .pawl/baseline.json\n";

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"junit", required_argument, NULL, 'J'},
        {"markdown", required_argument, NULL, 'm'},
        {"html", required_argument, NULL, 'H'},
        {"baseline", required_argument, NULL, 'b'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *junit = NULL, *markdown = NULL, *html = NULL, *baseline = NULL;
    struct pawl_baseline_spec spec = {NULL, NULL, NULL};
    struct pawl_results res, base;
    const struct pawl_results *basep = NULL;
    struct pawl_error err;
    int opt, quiet = 0, status;

    pawl_error_init(&err);
    pawl_results_init(&res);
    pawl_results_init(&base);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'J':
            junit = optarg;
            break;
        case 'm':
            markdown = optarg;
            break;
        case 'H':
            html = optarg;
            break;
        case 'b':
            baseline = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        default:
            return cli_option_default("report", report_help, opt, argv);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("report", "expected one results file");

    if (pawl_results_read(&res, argv[optind], &err) < 0 ||
        (baseline && cli_load_baseline(&spec, &base, NULL, baseline, &err) < 0)) {
        status = cli_report_error(&err);
        goto done;
    }
    if (baseline)
        basep = &base;
    if ((junit && pawl_report_junit_write(&res, junit, &err) < 0) ||
        (markdown && pawl_report_markdown_write_compared(&res, basep, markdown, &err) < 0) ||
        (html && pawl_report_html_write(&res, basep, html, &err) < 0)) {
        status = cli_report_error(&err);
        goto done;
    }
    if (!quiet)
        cli_print_summary(&res);
    status = res.verdict && res.verdict[0] == 'p'   ? PAWL_EXIT_PASS
             : res.verdict && res.verdict[0] == 'f' ? PAWL_EXIT_FAIL
                                                    : PAWL_EXIT_INFRA;
done:
    pawl_baseline_spec_release(&spec);
    pawl_results_release(&base);
    pawl_results_release(&res);
    return status;
}
