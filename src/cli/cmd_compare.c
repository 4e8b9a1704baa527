#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pawl/alloc.h"
#include "pawl/compare.h"
#include "pawl/config.h"
#include "pawl/gate.h"
#include "pawl/report.h"
#include "pawl/results.h"

static const char compare_help[] =
    "usage: pawl compare BASELINE.json CANDIDATE.json [options]\n"
    "\n"
    "Compares two results files with the statistics 'pawl run' uses against a\n"
    "baseline, without calling any model: cases are paired by id, each metric's\n"
    "change gets an interval, and every rule is PASS, REGRESSION or INCONCLUSIVE.\n"
    "Exit status: 0 pass, 1 regression, 2 the files cannot be compared (another\n"
    "dataset or other scorers, unless --allow-dataset-change).\n"
    "\n"
    "options:\n"
    "      --rule RULE             a gate rule; repeatable. RULE is METRIC:max_drop=X,\n"
    "                              METRIC:min=X, METRIC:max=X or no_new_failures.\n"
    "                              Default: max_drop=0 on every scorer both runs share\n"
    "      --confidence C          interval confidence (default 0.95)\n"
    "      --on-inconclusive P     pass (default) or fail\n"
    "      --allow-dataset-change  compare the cases both runs share\n"
    "      --json FILE             write the candidate's results with the comparison\n"
    "      --junit FILE            write JUnit XML\n"
    "      --markdown FILE         write the Markdown summary\n"
    "  -q, --quiet                 print nothing unless the gate fails\n"
    "  -h, --help                  show this help\n"
    "\n"
    "examples:\n"
    "  pawl compare .pawl/baseline.json reports/pawl-results.json\n"
    "  pawl compare old.json new.json --rule correct:max_drop=0.02 --rule no_new_failures\n";

static int parse_double(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

/* METRIC:KIND=VALUE or no_new_failures. */
static int parse_rule(struct pawl_rule_config *out, const char *spec)
{
    const char *colon = strchr(spec, ':'), *eq;
    static const struct {
        const char *name;
        enum pawl_rule_kind kind;
    } kinds[] = {{"max_drop", PAWL_RULE_MAX_DROP}, {"min", PAWL_RULE_MIN}, {"max", PAWL_RULE_MAX}};
    size_t i;

    memset(out, 0, sizeof(*out));
    if (strcmp(spec, "no_new_failures") == 0) {
        out->kind = PAWL_RULE_NO_NEW_FAILURES;
        return 0;
    }
    if (!colon || colon == spec || !(eq = strchr(colon, '=')))
        return -1;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        size_t n = strlen(kinds[i].name);
        if ((size_t)(eq - colon - 1) == n && strncmp(colon + 1, kinds[i].name, n) == 0) {
            if (parse_double(eq + 1, &out->value) < 0 || out->value < 0)
                return -1;
            out->kind = kinds[i].kind;
            out->metric = pawl_xstrndup(spec, (size_t)(colon - spec));
            return 0;
        }
    }
    return -1;
}

static void default_rules(struct pawl_config *cfg, const struct pawl_comparison *cmp)
{
    size_t i;

    cfg->gate.rules = pawl_xcalloc(cmp->n_metrics + 1, sizeof(*cfg->gate.rules));
    for (i = 0; i < cmp->n_metrics; i++) {
        if (strcmp(cmp->metrics[i].metric, "pass_rate") == 0)
            continue;
        cfg->gate.rules[cfg->gate.n_rules].metric = pawl_xstrdup(cmp->metrics[i].metric);
        cfg->gate.rules[cfg->gate.n_rules].kind = PAWL_RULE_MAX_DROP;
        cfg->gate.n_rules++;
    }
}

int cmd_compare(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"rule", required_argument, NULL, 'r'},
        {"confidence", required_argument, NULL, 'C'},
        {"on-inconclusive", required_argument, NULL, 'i'},
        {"allow-dataset-change", no_argument, NULL, 'a'},
        {"json", required_argument, NULL, 'j'},
        {"junit", required_argument, NULL, 'J'},
        {"markdown", required_argument, NULL, 'm'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *json = NULL, *junit = NULL, *markdown = NULL;
    struct pawl_compare_options copts;
    struct pawl_results base, cand;
    struct pawl_config cfg;
    struct pawl_error err;
    int opt, quiet = 0, status;
    size_t i;

    memset(&copts, 0, sizeof(copts));
    memset(&cfg, 0, sizeof(cfg));
    pawl_results_init(&base);
    pawl_results_init(&cand);
    pawl_error_init(&err);
    cfg.gate.confidence = 0.95;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            cfg.gate.rules = pawl_xreallocarray(cfg.gate.rules, cfg.gate.n_rules + 1,
                                                sizeof(*cfg.gate.rules));
            if (parse_rule(&cfg.gate.rules[cfg.gate.n_rules], optarg) < 0) {
                status = cli_usage_error("compare", "--rule takes METRIC:max_drop=X, "
                                                    "METRIC:min=X, METRIC:max=X or "
                                                    "no_new_failures, not '%s'", optarg);
                goto done;
            }
            cfg.gate.n_rules++;
            break;
        case 'C':
            if (parse_double(optarg, &cfg.gate.confidence) < 0 || cfg.gate.confidence < 0.5 ||
                cfg.gate.confidence > 0.999) {
                status = cli_usage_error("compare", "--confidence must be between 0.5 and "
                                                    "0.999, not '%s'", optarg);
                goto done;
            }
            break;
        case 'i':
            if (strcmp(optarg, "pass") != 0 && strcmp(optarg, "fail") != 0) {
                status = cli_usage_error("compare", "--on-inconclusive takes pass or fail, "
                                                    "not '%s'", optarg);
                goto done;
            }
            cfg.gate.inconclusive_fails = strcmp(optarg, "fail") == 0;
            break;
        case 'a':
            copts.allow_dataset_change = 1;
            break;
        case 'j':
            json = optarg;
            break;
        case 'J':
            junit = optarg;
            break;
        case 'm':
            markdown = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        default:
            status = cli_option_default("compare", compare_help, opt, argv);
            goto done;
        }
    }
    if (argc - optind != 2) {
        status = cli_usage_error("compare", "expected BASELINE.json and CANDIDATE.json");
        goto done;
    }
    copts.baseline_label = argv[optind];
    copts.confidence = cfg.gate.confidence;
    if (pawl_results_read(&base, argv[optind], &err) < 0 ||
        pawl_results_read(&cand, argv[optind + 1], &err) < 0) {
        status = cli_report_error(&err);
        goto done;
    }
    /* A candidate that was itself compared before is compared afresh. */
    if (cand.comparison)
        pawl_comparison_release(cand.comparison);
    else
        cand.comparison = pawl_xcalloc(1, sizeof(*cand.comparison));
    if (pawl_compare(cand.comparison, &base, &cand, &copts, &err) < 0) {
        status = cli_report_error(&err);
        goto done;
    }
    if (cfg.gate.n_rules == 0)
        default_rules(&cfg, cand.comparison);
    pawl_gate_evaluate(&cand, &cfg);
    if ((json && pawl_results_write(&cand, json, &err) < 0) ||
        (junit && pawl_report_junit_write(&cand, junit, &err) < 0) ||
        (markdown && pawl_report_markdown_write_compared(&cand, &base, markdown, &err) < 0)) {
        status = cli_report_error(&err);
        goto done;
    }
    status = strcmp(cand.verdict, "pass") == 0 ? PAWL_EXIT_PASS : PAWL_EXIT_FAIL;
    if (!quiet || status != PAWL_EXIT_PASS)
        cli_print_summary(&cand);
done:
    for (i = 0; i < cfg.gate.n_rules; i++)
        free(cfg.gate.rules[i].metric);
    free(cfg.gate.rules);
    pawl_results_release(&base);
    pawl_results_release(&cand);
    return status;
}
