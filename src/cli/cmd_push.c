/* pawl push: a results file, sent to Langfuse as an experiment with its scores. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pawl/alloc.h"
#include "pawl/config.h"
#include "pawl/langfuse_push.h"
#include "pawl/results.h"

static const char push_help[] =
    "usage: pawl push RESULTS.json [--dataset NAME] [--langfuse-api auto|v3|v4]\n"
    "                 [--environment ENV] [--id-prefix PREFIX] [--score-batches]\n"
    "                 [-c pawl.yaml]\n"
    "\n"
    "Sends a run to Langfuse as an experiment: one trace per case and trial (the\n"
    "input, output, expected output, latency, usage and cost of the model call)\n"
    "and every score, plus the verdict, the gate rules and the metrics as\n"
    "run-level scores. A run with repeats becomes one experiment per trial.\n"
    "Ids derive from the run, case, trial and score name, so pushing the same\n"
    "results again updates what is there and adds nothing.\n"
    "\n"
    "options:\n"
    "      --dataset NAME        link the traces to the items of this Langfuse dataset\n"
    "                            (item id = PREFIX + case id; 'pawl dataset push')\n"
    "      --langfuse-api API    auto (default: ask the server's version), v4 (OTLP\n"
    "                            traces) or v3 (ingestion API, older self-hosted)\n"
    "      --environment ENV     Langfuse environment of the traces and scores\n"
    "      --id-prefix PREFIX    the prefix 'pawl dataset push --id-prefix' used\n"
    "      --score-batches       send the scores as score-create events in ingestion\n"
    "                            batches (thousands a request) instead of one\n"
    "                            POST /api/public/scores each, for Langfuse Cloud\n"
    "                            plans whose rate limit a large run would exceed\n"
    "                            (report.langfuse.score_batches: true)\n"
    "  -c, --config FILE         take defaults from its report.langfuse (default:\n"
    "                            pawl.yaml when present)\n"
    "  -h, --help                show this help\n"
    "\n"
    "example:\n"
    "  export LANGFUSE_PUBLIC_KEY=pk-lf-... LANGFUSE_SECRET_KEY=sk-lf-...\n"
    "  pawl run --json reports/results.json; pawl push reports/results.json --dataset support-bot\n"
    "\n"
    "The server is LANGFUSE_BASE_URL (default https://cloud.langfuse.com). Exit\n"
    "status 0 when Langfuse accepted everything, 2 for a usage or config error or\n"
    "a dataset that does not exist, 3 when anything was not accepted.\n";

struct push_args {
    const char *config;
    const char *dataset;
    const char *api;
    const char *environment;
    const char *id_prefix;
    int score_batches;
};

/* Flags win over the config's report.langfuse, which wins over the defaults. */
static int load_defaults(struct pawl_config *cfg, int *loaded, const char *config,
                         struct pawl_error *err)
{
    int rc;

    *loaded = 0;
    if (!config && access("pawl.yaml", F_OK) == 0)
        config = "pawl.yaml";
    if (!config)
        return 0;
    if ((rc = pawl_config_load(cfg, config, err)) < 0)
        return rc;
    *loaded = 1;
    return 0;
}

int cmd_push(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dataset", required_argument, NULL, 'd'},
        {"langfuse-api", required_argument, NULL, 'a'},
        {"environment", required_argument, NULL, 'e'},
        {"id-prefix", required_argument, NULL, 'p'},
        {"score-batches", no_argument, NULL, 'b'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct push_args a = {NULL, NULL, NULL, NULL, NULL, 0};
    struct pawl_langfuse_push_options opts;
    struct pawl_langfuse_push_summary sum;
    struct pawl_results res;
    struct pawl_config cfg;
    struct pawl_error err;
    int opt, status, loaded = 0, rc;
    size_t i;

    pawl_error_init(&err);
    pawl_results_init(&res);
    pawl_langfuse_push_summary_init(&sum);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            a.dataset = optarg;
            break;
        case 'a':
            a.api = optarg;
            break;
        case 'e':
            a.environment = optarg;
            break;
        case 'p':
            a.id_prefix = optarg;
            break;
        case 'c':
            a.config = optarg;
            break;
        case 'b':
            a.score_batches = 1;
            break;
        default:
            return cli_option_default("push", push_help, opt, argv);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("push", "expected one results file");
    if (a.api && pawl_langfuse_api_parse(a.api) < 0)
        return cli_usage_error("push", "invalid --langfuse-api '%s' (use auto, v3 or v4)", a.api);

    if (load_defaults(&cfg, &loaded, a.config, &err) < 0 ||
        pawl_results_read(&res, argv[optind], &err) < 0) {
        status = cli_report_error(&err);
        goto done;
    }
    pawl_langfuse_push_options_from_config(&opts, loaded ? &cfg : NULL);
    if (a.dataset)
        opts.dataset = a.dataset;
    if (a.environment)
        opts.environment = a.environment;
    if (a.api)
        opts.api = (enum pawl_langfuse_api)pawl_langfuse_api_parse(a.api);
    opts.id_prefix = a.id_prefix;
    if (a.score_batches)
        opts.score_batches = 1;

    rc = pawl_langfuse_push(&res, &opts, &sum, &err);
    /* What was taken is worth saying even when not all of it was. */
    if (rc == 0 || sum.traces + sum.observations + sum.run_items + sum.scores + sum.run_scores > 0)
        printf("%s\n", sum.text);
    if (rc < 0) {
        status = cli_report_error(&err);
        for (i = 1; i < sum.n_reasons; i++)
            fprintf(stderr, "pawl: also: %s\n", sum.reasons[i]);
        if (sum.failed > sum.n_reasons && sum.n_reasons > 1)
            fprintf(stderr, "pawl: and %zu more\n", sum.failed - sum.n_reasons);
        goto done;
    }
    status = PAWL_EXIT_PASS;
done:
    pawl_langfuse_push_summary_release(&sum);
    pawl_results_release(&res);
    if (loaded)
        pawl_config_release(&cfg);
    return status;
}
