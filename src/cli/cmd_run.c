#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pawl/alloc.h"
#include "pawl/baseline.h"
#include "pawl/compare.h"
#include "pawl/fs.h"
#include "pawl/gate.h"
#include "pawl/langfuse_push.h"
#include "pawl/report.h"
#include "pawl/run.h"
#include "pawl/suite.h"

static const char run_help[] =
    "usage: pawl run [options]\n"
    "\n"
    "Runs the task in pawl.yaml over every case of its dataset, scores each output,\n"
    "checks the gate rules and writes the reports. Exit status: 0 pass, 1 gate\n"
    "failed, 2 config or data error, 3 runtime error (see 'pawl --help').\n"
    "\n"
    "options:\n"
    "  -c, --config FILE     config file (default: pawl.yaml)\n"
    "      --junit FILE      JUnit XML report (default: report.junit, else reports/pawl-junit.xml)\n"
    "      --json FILE       results file (default: report.json, else reports/pawl-results.json)\n"
    "      --markdown FILE   Markdown summary (default: report.markdown, else reports/pawl-summary.md)\n"
    "      --html FILE       HTML report, one self-contained page (default: report.html, else none)\n"
    "      --repeat N        trials per case (overrides run.repeat)\n"
    "      --concurrency N   calls in flight at once (overrides run.concurrency)\n"
    "      --filter GLOB     only cases whose id matches the shell pattern, e.g. 'refund-*'\n"
    "      --shard I/N       only shard I of N (a stable split of case ids, for CI matrices)\n"
    "      --baseline B      compare with results file B, or B = REF:PATH for the file as\n"
    "                        committed at git revision REF (overrides baseline: in pawl.yaml)\n"
    "      --allow-dataset-change\n"
    "                        compare with a baseline of another dataset or other scorers\n"
    "                        on the cases both share, instead of refusing (exit 2)\n"
    "      --no-cache        neither read nor write the response cache (run.cache)\n"
    "      --push-required   with report.langfuse, a failed push to Langfuse exits 3\n"
    "                        (as report.langfuse.required: true); otherwise it only warns\n"
    "  -v, --verbose         list every case, not only failures\n"
    "  -q, --quiet           print nothing unless the gate fails\n"
    "  -h, --help            show this help\n"
    "\n"
    "Report paths given on the command line are relative to the current directory;\n"
    "paths in pawl.yaml are relative to the config file.\n"
    "\n"
    "Answers of the openai, anthropic and http providers are cached (run.cache,\n"
    "default .pawl/cache) by request and trial, so re-running an unchanged suite\n"
    "makes no model calls; cached calls are marked in the results and left out of\n"
    "the latency metrics. The API key is never part of a cache entry or its name.\n"
    "\n"
    "examples:\n"
    "  pawl run\n"
    "  pawl run -c evals/pawl.yaml --junit out/junit.xml\n"
    "  pawl run --filter 'billing-*' --repeat 3\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    if (stop_requested) {
        /* A second Ctrl-C means now: no cleanup, the results stay as they were. */
        static const char msg[] = "pawl: interrupted again, exiting now\n";
        if (write(2, msg, sizeof(msg) - 1) < 0)
            _exit(PAWL_EXIT_INFRA);
        _exit(PAWL_EXIT_INFRA);
    }
    stop_requested = 1;
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

struct progress {
    int enabled;
    size_t last;
};

static void show_progress(void *ctx, size_t done, size_t total)
{
    struct progress *p = ctx;

    if (!p->enabled || (done == p->last && done != 0))
        return;
    p->last = done;
    fprintf(stderr, "\r\033[K[pawl] %zu/%zu calls", done, total);
    if (done == total)
        fprintf(stderr, "\r\033[K");
    fflush(stderr);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_shard(const char *s, unsigned *index, unsigned *count)
{
    long i, n;
    const char *slash = strchr(s, '/');
    char *head;
    int rc;

    if (!slash)
        return -1;
    head = pawl_xstrndup(s, (size_t)(slash - s));
    rc = parse_long(head, 1, 100000, &i) == 0 && parse_long(slash + 1, 1, 100000, &n) == 0 &&
                 i <= n
             ? 0
             : -1;
    free(head);
    if (rc == 0) {
        *index = (unsigned)i;
        *count = (unsigned)n;
    }
    return rc;
}

struct report_paths {
    char *junit, *json, *markdown, *html; /* html may be NULL: not written */
};

/* Writes one report; a failure is remembered but does not stop the others. */
static void write_reports(const struct pawl_results *res, const struct pawl_results *base,
                          const struct report_paths *p, struct pawl_error *err)
{
    if (p->json)
        pawl_results_write(res, p->json, err);
    if (p->junit)
        pawl_report_junit_write(res, p->junit, err);
    if (p->markdown)
        pawl_report_markdown_write_compared(res, base, p->markdown, err);
    if (p->html)
        pawl_report_html_write(res, base, p->html, err);
}

/*
 * report.langfuse: the finished run goes to Langfuse as `pawl push` would
 * send it. A failure is a warning unless the push is required; returns the
 * exit status it imposes (PAWL_EXIT_INFRA) or PAWL_EXIT_PASS.
 */
static int push_to_langfuse(const struct pawl_results *res, const struct pawl_config *cfg,
                            int required, int quiet)
{
    struct pawl_langfuse_push_options o;
    struct pawl_langfuse_push_summary sum;
    struct pawl_error err;
    int status = PAWL_EXIT_PASS;

    pawl_langfuse_push_options_from_config(&o, cfg);
    pawl_langfuse_push_summary_init(&sum);
    pawl_error_init(&err);
    if (pawl_langfuse_push(res, &o, &sum, &err) == 0) {
        if (!quiet)
            printf("%s\n", sum.text);
    } else {
        /* What did get through, when something did, so the user knows what to clean up. */
        if (sum.text && sum.text[0] && sum.traces + sum.observations + sum.run_items + sum.scores +
                                               sum.run_scores > 0)
            fprintf(stderr, "pawl: %s\n", sum.text);
        fprintf(stderr, "pawl: %s: %s\n", required ? "error" : "warning", err.msg);
        if (required)
            status = PAWL_EXIT_INFRA;
        else
            fprintf(stderr, "pawl: the gate's verdict stands (set report.langfuse.required "
                            "or --push-required to fail the run instead)\n");
    }
    pawl_langfuse_push_summary_release(&sum);
    return status;
}

/* In GitHub Actions: step summary, outputs and annotations (report.h); a no-op elsewhere. */
static void report_github(const struct pawl_results *res, const struct pawl_results *base,
                          int status, const char *dataset, const struct report_paths *p,
                          struct pawl_error *err)
{
    struct pawl_github_run gh = {status, dataset, p->junit, p->json, p->markdown, p->html};

    pawl_report_github(stdout, res, base, &gh, err);
}

/* -v: every case, so a passing run can be read too. Ids are escaped like the terminal report. */
static void list_cases(const struct pawl_results *res)
{
    size_t i;
    const char *p;

    for (i = 0; i < res->n_cases; i++) {
        const struct pawl_case_result *c = &res->cases[i];
        printf("  %s  ", c->errored ? "ERROR" : c->passed ? "PASS " : "FAIL ");
        for (p = c->id; *p; p++) {
            unsigned char ch = (unsigned char)*p;
            if (ch < 0x20 || ch == 0x7f)
                printf("\\x%02x", ch);
            else
                putchar(ch);
        }
        putchar('\n');
    }
}

/*
 * Decides where the baseline comes from (--baseline, else pawl.yaml) and
 * loads it before any call is made, so a missing or incomparable baseline
 * costs nothing. With baseline.rerun, loads the task as it was at
 * baseline.ref instead, to run beside the candidate over the same cases.
 */
static int prepare_baseline(struct pawl_baseline_spec *spec, struct pawl_results *base,
                            struct pawl_suite *base_task, char **base_dir,
                            const struct pawl_suite *suite, const char *config,
                            const char *arg, struct pawl_error *err)
{
    const struct pawl_config *cfg = &suite->cfg;
    const struct pawl_node *node = pawl_node_get(cfg->root, "baseline");
    int rc;

    if (arg || !cfg->baseline.rerun)
        return cli_load_baseline(spec, base, cfg, arg, err);
    if (!cfg->baseline.ref)
        return pawl_error_set(err, PAWL_ECONFIG, cfg->path, node->line, node->col,
                              "'baseline.rerun' needs 'baseline.ref', the revision to rerun");
    if ((rc = pawl_baseline_load_task(base_task, base_dir, config, cfg->baseline.ref, err)) < 0)
        return rc;
    /* Same cases on both sides: the baseline task answers the candidate's dataset. */
    pawl_dataset_release(&base_task->dataset);
    if ((rc = pawl_dataset_load(&base_task->dataset, cfg->dataset.fs_path, cfg->dataset.path,
                                cfg->dataset.ref, cfg->dataset.id_field, err)) < 0)
        return rc;
    return pawl_suite_check(base_task, err);
}

int cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},  {"junit", required_argument, NULL, 'J'},
        {"json", required_argument, NULL, 'j'},    {"markdown", required_argument, NULL, 'm'},
        {"repeat", required_argument, NULL, 'r'},  {"concurrency", required_argument, NULL, 'n'},
        {"filter", required_argument, NULL, 'f'},  {"shard", required_argument, NULL, 's'},
        {"verbose", no_argument, NULL, 'v'},       {"quiet", no_argument, NULL, 'q'},
        {"baseline", required_argument, NULL, 'b'},
        {"allow-dataset-change", no_argument, NULL, 'a'},
        {"no-cache", no_argument, NULL, 'N'},
        {"html", required_argument, NULL, 'H'},
        {"push-required", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *config = "pawl.yaml", *junit = NULL, *json = NULL, *markdown = NULL, *html = NULL;
    struct report_paths paths = {NULL, NULL, NULL, NULL};
    struct pawl_run_options opts;
    struct pawl_suite suite;
    struct pawl_results res;
    struct pawl_error err, report_err;
    struct progress prog = {0, 0};
    int opt, verbose = 0, quiet = 0, allow_change = 0, status, rc, gh_stopped, push_required = 0;
    char gh_token[PAWL_GITHUB_TOKEN_LEN];
    const char *baseline_arg = NULL;
    struct pawl_baseline_spec spec;
    struct pawl_results base;
    struct pawl_suite base_task;
    char *base_dir = NULL, *base_label = NULL;

    memset(&opts, 0, sizeof(opts));
    memset(&suite, 0, sizeof(suite));
    memset(&spec, 0, sizeof(spec));
    memset(&base_task, 0, sizeof(base_task));
    pawl_results_init(&res);
    pawl_results_init(&base);
    pawl_error_init(&err);
    pawl_error_init(&report_err);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":c:vqh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config = optarg;
            break;
        case 'J':
            junit = optarg;
            break;
        case 'j':
            json = optarg;
            break;
        case 'm':
            markdown = optarg;
            break;
        case 'r':
            if (parse_long(optarg, 1, 1000, &opts.repeat) < 0)
                return cli_usage_error("run", "--repeat must be a whole number from 1 to 1000, "
                                              "not '%s'", optarg);
            break;
        case 'n':
            if (parse_long(optarg, 1, 1024, &opts.concurrency) < 0)
                return cli_usage_error("run", "--concurrency must be a whole number from 1 to "
                                              "1024, not '%s'", optarg);
            break;
        case 'f':
            opts.filter = optarg;
            break;
        case 's':
            if (parse_shard(optarg, &opts.shard_index, &opts.shard_count) < 0)
                return cli_usage_error("run", "--shard takes I/N with 1 <= I <= N, not '%s'",
                                       optarg);
            break;
        case 'v':
            verbose = 1;
            break;
        case 'b':
            baseline_arg = optarg;
            break;
        case 'a':
            allow_change = 1;
            break;
        case 'N':
            opts.no_cache = 1;
            break;
        case 'H':
            html = optarg;
            break;
        case 'P':
            push_required = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        default:
            return cli_option_default("run", run_help, opt, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);

    if ((rc = pawl_suite_load(&suite, config, &err)) < 0 ||
        (rc = pawl_suite_check(&suite, &err)) < 0) {
        status = cli_report_error(&err);
        goto done;
    }
    if ((rc = prepare_baseline(&spec, &base, &base_task, &base_dir, &suite, config,
                               baseline_arg, &err)) < 0) {
        status = cli_report_error(&err);
        goto done;
    }
    if (spec.label && pawl_compare_check(&base, suite.dataset.blob, suite.scorers_fingerprint,
                                         allow_change, &err) < 0) {
        status = cli_report_error(&err);
        goto done;
    }
    base_label = spec.label ? pawl_xstrdup(spec.label)
                 : base_dir  ? pawl_xasprintf("%s (rerun)", suite.cfg.baseline.ref)
                             : NULL;

    paths.junit = junit ? pawl_xstrdup(junit)
                  : suite.cfg.report.junit ? pawl_xstrdup(suite.cfg.report.junit)
                                           : pawl_fs_join_dir(config, "reports/pawl-junit.xml");
    paths.json = json ? pawl_xstrdup(json)
                 : suite.cfg.report.json ? pawl_xstrdup(suite.cfg.report.json)
                                         : pawl_fs_join_dir(config, "reports/pawl-results.json");
    paths.markdown = markdown ? pawl_xstrdup(markdown)
                     : suite.cfg.report.markdown
                         ? pawl_xstrdup(suite.cfg.report.markdown)
                         : pawl_fs_join_dir(config, "reports/pawl-summary.md");
    paths.html = html ? pawl_xstrdup(html)
                 : suite.cfg.report.html ? pawl_xstrdup(suite.cfg.report.html)
                                         : NULL;

    install_signals();
    prog.enabled = !quiet && isatty(2);
    opts.stop = &stop_requested;
    opts.progress = show_progress;
    opts.progress_ctx = &prog;
    rc = base_dir ? pawl_run_execute_paired(&res, &base, &suite, &base_task, &opts, &err)
                  : pawl_run_execute(&res, &suite, &opts, &err);
    if (rc == PAWL_EUSAGE || rc == PAWL_EIO || rc == PAWL_ECONFIG) {
        status = cli_report_error(&err);
        goto done;
    }
    if (rc == 0 && base_label) {
        struct pawl_compare_options copts;
        memset(&copts, 0, sizeof(copts));
        copts.baseline_label = base_label;
        copts.allow_dataset_change = allow_change;
        copts.confidence = suite.cfg.gate.confidence;
        res.comparison = pawl_xcalloc(1, sizeof(*res.comparison));
        if ((rc = pawl_compare(res.comparison, &base, &res, &copts, &err)) < 0) {
            free(res.comparison);
            res.comparison = NULL;
            pawl_gate_evaluate(&res, &suite.cfg);
            write_reports(&res, base_label ? &base : NULL, &paths, &report_err);
            status = cli_report_error(&err);
            goto done;
        }
    }
    if (base_dir && paths.json) {
        /* The rerun baseline is kept beside the results, for `pawl compare` and promotion. */
        char *bpath = pawl_fs_join_dir(paths.json, "pawl-baseline-results.json");
        pawl_gate_evaluate(&base, &suite.cfg);
        pawl_results_write(&base, bpath, &report_err);
        free(bpath);
    }
    pawl_gate_evaluate(&res, &suite.cfg);
    if (rc < 0) {
        free(res.verdict);
        res.verdict = pawl_xstrdup("error");
    }
    write_reports(&res, base_label ? &base : NULL, &paths, &report_err);
    report_github(&res, base_label ? &base : NULL,
                  rc < 0              ? pawl_error_exit_code(&err)
                  : report_err.code   ? pawl_error_exit_code(&report_err)
                  : strcmp(res.verdict, "pass") == 0 ? PAWL_EXIT_PASS
                                                     : PAWL_EXIT_FAIL,
                  suite.cfg.dataset.fs_path, &paths, &report_err);

    /* Case ids and scorer comments quote data and model output: not commands for a CI runner. */
    gh_stopped = pawl_report_github_stop_commands(stdout, gh_token);
    if (verbose)
        list_cases(&res);
    if (!quiet || rc < 0 || strcmp(res.verdict, "pass") != 0)
        pawl_report_terminal(stdout, &res, isatty(1) && !getenv("NO_COLOR"));
    if (gh_stopped)
        pawl_report_github_resume_commands(stdout, gh_token);
    if (rc < 0) {
        status = cli_report_error(&err);
        goto done;
    }
    if (report_err.code) {
        status = cli_report_error(&report_err);
        goto done;
    }
    status = strcmp(res.verdict, "pass") == 0 ? PAWL_EXIT_PASS : PAWL_EXIT_FAIL;
    /* After the reports, so that a slow or failing Langfuse never costs them. */
    if (suite.cfg.report.langfuse.enabled &&
        push_to_langfuse(&res, &suite.cfg, push_required || suite.cfg.report.langfuse.required,
                         quiet) != PAWL_EXIT_PASS)
        status = PAWL_EXIT_INFRA;
done:
    if (base_dir) {
        pawl_suite_release(&base_task);
        pawl_baseline_remove_tree(base_dir);
        free(base_dir);
    }
    free(base_label);
    pawl_baseline_spec_release(&spec);
    pawl_results_release(&base);
    free(paths.junit);
    free(paths.json);
    free(paths.markdown);
    free(paths.html);
    pawl_results_release(&res);
    pawl_suite_release(&suite);
    return status;
}
