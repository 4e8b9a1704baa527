#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pawl/alloc.h"
#include "pawl/baseline.h"
#include "pawl/buf.h"
#include "pawl/config.h"
#include "pawl/dataset.h"
#include "pawl/merge.h"
#include "pawl/node.h"
#include "pawl/report.h"
#include "pawl/results.h"

static const char merge_help[] =
    "usage: pawl merge SHARD.json... -o RESULTS.json [options]\n"
    "\n"
    "Joins the results files of a run split across CI jobs with 'pawl run --shard I/N'\n"
    "into the results one job would have written: the cases in dataset order, and the\n"
    "metrics, the comparison with the baseline and the gate recomputed over all of\n"
    "them. Only the run id (the first shard's), the start time (the earliest) and\n"
    "the duration (the longest shard's) differ from an unsharded run's.\n"
    "\n"
    "Shards must come from the same config: same suite, dataset, task, scorers and\n"
    "trials per case, none interrupted, and no case in two shards; otherwise nothing\n"
    "is written and the exit status is 2. Exit status: 0 pass, 1 gate failed,\n"
    "2 shards that do not belong together or bad input, 3 too many calls errored\n"
    "(run.max_error_rate, counted over all shards) or a report cannot be written.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE     the merged results file (required)\n"
    "  -c, --config FILE     the config the shards ran with: its gate rules, confidence,\n"
    "                        run.max_error_rate and baseline (default: pawl.yaml when\n"
    "                        it exists, else the defaults: every case must pass)\n"
    "      --baseline B      compare with results file B, or B = REF:PATH for the file as\n"
    "                        committed at git revision REF (overrides baseline: in the config)\n"
    "      --allow-dataset-change\n"
    "                        compare with a baseline of another dataset or other scorers\n"
    "                        on the cases both share, instead of refusing (exit 2)\n"
    "      --junit FILE      also write JUnit XML\n"
    "      --markdown FILE   also write the Markdown summary\n"
    "  -q, --quiet           print nothing unless the gate fails\n"
    "  -h, --help            show this help\n"
    "\n"
    "The shards' own metrics, gate and comparison are not reused: run them without\n"
    "a baseline or with one, the merged comparison is made here, once, over all cases.\n"
    "With 'baseline.rerun' in the config, merge the shards' pawl-baseline-results.json\n"
    "files too and pass the result with --baseline.\n"
    "\n"
    "example, a CI matrix of four jobs and one job after them:\n"
    "  pawl run --shard 1/4 --json shard-1.json      # ... up to --shard 4/4\n"
    "  pawl merge shard-*.json -o results.json --junit junit.xml\n"
    "  pawl report results.json --markdown summary.md\n";

/* The config the shards ran with; without one, what an empty pawl.yaml gives. */
static int load_config(struct pawl_config *cfg, int *loaded, const char *path,
                       struct pawl_error *err)
{
    *loaded = 0;
    if (!path && access("pawl.yaml", F_OK) == 0)
        path = "pawl.yaml";
    if (path) {
        *loaded = 1;
        return pawl_config_load(cfg, path, err);
    }
    memset(cfg, 0, sizeof(*cfg));
    cfg->gate.confidence = 0.95;
    return 0;
}

/* A config for other scorers would gate on metrics the shards do not have. */
static int check_config_scorers(const struct pawl_config *cfg, const struct pawl_results *r,
                                struct pawl_error *err)
{
    struct pawl_buf a = PAWL_BUF_INIT, b = PAWL_BUF_INIT;
    size_t i;
    int same = cfg->n_scorers == r->n_scorers, rc = 0;

    for (i = 0; same && i < r->n_scorers; i++)
        same = strcmp(cfg->scorers[i].name, r->scorer_names[i]) == 0;
    if (same)
        return 0;
    for (i = 0; i < cfg->n_scorers; i++)
        pawl_buf_printf(&a, "%s%s", i ? ", " : "", cfg->scorers[i].name);
    for (i = 0; i < r->n_scorers; i++)
        pawl_buf_printf(&b, "%s%s", i ? ", " : "", r->scorer_names[i]);
    rc = pawl_error_set(err, PAWL_ECONFIG, NULL, 0, 0,
                        "config '%s' has scorers '%s', but the shards were scored by '%s'; pass "
                        "-c with the config they ran with",
                        cfg->path, a.ptr, b.ptr);
    pawl_buf_release(&a);
    pawl_buf_release(&b);
    return rc;
}

/* Where the baseline comes from: --baseline, else the config, as for 'pawl run'. */
static int load_baseline(struct pawl_baseline_spec *spec, struct pawl_results *base,
                         const struct pawl_config *cfg, int have_cfg, const char *arg,
                         struct pawl_error *err)
{
    const struct pawl_node *node = have_cfg ? pawl_node_get(cfg->root, "baseline") : NULL;

    if (!arg && have_cfg && cfg->baseline.rerun)
        return pawl_error_set(err, PAWL_ECONFIG, cfg->path, node ? node->line : 0,
                              node ? node->col : 0,
                              "'baseline.rerun' cannot be redone by 'pawl merge': merge the "
                              "shards' pawl-baseline-results.json files the same way and pass "
                              "the result with --baseline");
    return cli_load_baseline(spec, base, have_cfg ? cfg : NULL, arg, err);
}

/* Rules are config, not recorded fingerprints: say so when the merge gates differently. */
static void warn_other_rules(const struct pawl_results *shard, const struct pawl_results *merged,
                             const char *shard_name)
{
    size_t i;
    int same = shard->n_rules == merged->n_rules;

    for (i = 0; same && i < merged->n_rules; i++)
        same = strcmp(shard->rules[i].rule ? shard->rules[i].rule : "",
                      merged->rules[i].rule ? merged->rules[i].rule : "") == 0;
    if (!same)
        fprintf(stderr,
                "pawl: warning: '%s' was gated on other rules than this merge; pass -c with the "
                "config the shards ran with\n",
                shard_name);
}

int cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"config", required_argument, NULL, 'c'},
        {"baseline", required_argument, NULL, 'b'},
        {"allow-dataset-change", no_argument, NULL, 'a'},
        {"junit", required_argument, NULL, 'J'},
        {"markdown", required_argument, NULL, 'm'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL, *config = NULL, *baseline_arg = NULL, *junit = NULL;
    const char *markdown = NULL;
    struct pawl_results *shards = NULL, merged, base;
    struct pawl_config cfg;
    struct pawl_dataset ds;
    struct pawl_baseline_spec spec;
    struct pawl_merge_options mopts;
    struct pawl_error err, ds_err;
    size_t n = 0, i, j;
    int opt, quiet = 0, allow_change = 0, have_cfg = 0, have_ds = 0, status, rc;

    memset(&cfg, 0, sizeof(cfg));
    memset(&ds, 0, sizeof(ds));
    memset(&spec, 0, sizeof(spec));
    pawl_results_init(&merged);
    pawl_results_init(&base);
    pawl_error_init(&err);
    pawl_error_init(&ds_err);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:c:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            output = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'b':
            baseline_arg = optarg;
            break;
        case 'a':
            allow_change = 1;
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
            return cli_option_default("merge", merge_help, opt, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("merge", "expected the shards' results files");
    if (!output)
        return cli_usage_error("merge", "missing -o FILE, where to write the merged results");
    for (i = (size_t)optind; i < (size_t)argc; i++)
        for (j = (size_t)optind; j < i; j++)
            if (strcmp(argv[i], argv[j]) == 0)
                return cli_usage_error("merge", "shard '%s' is given twice", argv[i]);

    n = (size_t)(argc - optind);
    shards = pawl_xcalloc(n, sizeof(*shards));
    for (i = 0; i < n; i++) {
        if (pawl_results_read(&shards[i], argv[optind + (int)i], &err) < 0) {
            status = cli_report_error(&err);
            goto done;
        }
    }
    if (load_config(&cfg, &have_cfg, config, &err) < 0) {
        status = cli_report_error(&err);
        goto done;
    }
    /* Only to order records that share a line; a dataset that cannot be read costs nothing. */
    if (have_cfg && cfg.dataset.fs_path)
        have_ds = pawl_dataset_load(&ds, cfg.dataset.fs_path, cfg.dataset.path, cfg.dataset.ref,
                                    cfg.dataset.id_field, &ds_err) == 0;
    memset(&mopts, 0, sizeof(mopts));
    mopts.names = (const char *const *)(argv + optind);
    mopts.dataset = have_ds ? &ds : NULL;
    if (pawl_results_merge(&merged, shards, n, &mopts, &err) < 0 ||
        (have_cfg && check_config_scorers(&cfg, &merged, &err) < 0) ||
        load_baseline(&spec, &base, &cfg, have_cfg, baseline_arg, &err) < 0) {
        status = cli_report_error(&err);
        goto done;
    }
    rc = pawl_merge_gate(&merged, &cfg, spec.label ? &base : NULL, spec.label, allow_change, &err);
    if (rc < 0 && rc != PAWL_EINFRA) {
        status = cli_report_error(&err);
        goto done;
    }
    {
        /* The reports are written even past the error budget, as 'pawl run' writes them. */
        struct pawl_error werr;
        pawl_error_init(&werr);
        if (pawl_results_write(&merged, output, &werr) == 0 && junit)
            pawl_report_junit_write(&merged, junit, &werr);
        if (werr.code == 0 && markdown)
            pawl_report_markdown_write_compared(&merged, spec.label ? &base : NULL, markdown,
                                                &werr);
        if (werr.code) {
            status = cli_report_error(&werr);
            goto done;
        }
    }
    {
        /* The merge job is where a sharded gate's verdict is known: tell GitHub there. */
        struct pawl_github_run gh = {rc < 0                                ? PAWL_EXIT_INFRA
                                     : strcmp(merged.verdict, "pass") == 0 ? PAWL_EXIT_PASS
                                                                           : PAWL_EXIT_FAIL,
                                     have_cfg ? cfg.dataset.fs_path : NULL, junit, output,
                                     markdown, NULL};
        struct pawl_error gerr;
        pawl_error_init(&gerr);
        if (pawl_report_github(stdout, &merged, spec.label ? &base : NULL, &gh, &gerr) < 0) {
            status = cli_report_error(&gerr);
            goto done;
        }
    }
    if (!quiet)
        warn_other_rules(&shards[0], &merged, argv[optind]);
    if (!quiet && merged.n_cases < merged.dataset_cases)
        fprintf(stderr,
                "pawl: note: the shards hold %zu of the dataset's %zu cases (a shard left out, "
                "or --filter)\n",
                merged.n_cases, merged.dataset_cases);
    if (!quiet || rc < 0 || strcmp(merged.verdict, "pass") != 0)
        cli_print_summary(&merged);
    if (rc < 0) {
        status = cli_report_error(&err);
        goto done;
    }
    status = strcmp(merged.verdict, "pass") == 0 ? PAWL_EXIT_PASS : PAWL_EXIT_FAIL;
done:
    for (i = 0; i < n; i++)
        pawl_results_release(&shards[i]);
    free(shards);
    if (have_cfg)
        pawl_config_release(&cfg);
    pawl_dataset_release(&ds);
    pawl_baseline_spec_release(&spec);
    pawl_results_release(&merged);
    pawl_results_release(&base);
    return status;
}
