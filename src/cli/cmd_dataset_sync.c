/* pawl dataset pull / push: Langfuse datasets <-> versioned dataset files. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pawl/alloc.h"
#include "pawl/config.h"
#include "pawl/dataset.h"
#include "pawl/langfuse.h"
#include "pawl/langfuse_dataset.h"

static const char pull_help[] =
    "usage: pawl dataset pull NAME [-o FILE] [--version TIMESTAMP] [--id-prefix PREFIX]\n"
    "\n"
    "Writes the active items of the Langfuse dataset NAME as a JSONL dataset to\n"
    "commit: one line per item, sorted by id, keys in a fixed order, so pulling an\n"
    "unchanged dataset gives the same bytes and a change shows in 'git diff' as\n"
    "the changed cases only. Each line is {\"id\", \"input\", \"expected_output\",\n"
    "\"metadata\"}; an item's source trace and observation ids become\n"
    "metadata.source_trace_id and metadata.source_observation_id.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE        file to write (default evals/NAME.jsonl; a '/' in\n"
    "                           NAME makes folders: evals/team/qa.jsonl)\n"
    "      --version TIMESTAMP  the items as they were at this RFC 3339 time,\n"
    "                           e.g. 2026-08-01T00:00:00Z\n"
    "      --id-prefix PREFIX   strip PREFIX from the ids that start with it\n"
    "                           (the one given to 'pawl dataset push')\n"
    "  -h, --help               show this help\n"
    "\n"
    "example:\n"
    "  export LANGFUSE_PUBLIC_KEY=pk-lf-... LANGFUSE_SECRET_KEY=sk-lf-...\n"
    "  pawl dataset pull support-bot -o evals/support.jsonl\n"
    "  git diff --stat evals/support.jsonl\n"
    "\n"
    "The server is LANGFUSE_BASE_URL (default https://cloud.langfuse.com). Exit\n"
    "status 2 for a usage error or a dataset that does not exist, 3 when Langfuse\n"
    "cannot be reached or refuses the request.\n";

static const char push_help[] =
    "usage: pawl dataset push FILE --name NAME [--delete] [--description TEXT]\n"
    "                         [--id-prefix PREFIX] [-c pawl.yaml]\n"
    "\n"
    "Makes the Langfuse dataset NAME hold exactly the cases of FILE (.jsonl, .json,\n"
    "YAML or CSV): creates the dataset when missing, creates or updates every case\n"
    "whose content differs (a second push of the same file writes nothing), and\n"
    "archives the items FILE no longer has, so past experiments keep them.\n"
    "metadata.source_trace_id and source_observation_id become the item's source\n"
    "trace and observation.\n"
    "\n"
    "Item ids are unique in the whole Langfuse project: to push one file to two\n"
    "datasets, give each its own --id-prefix (and the same one to 'pull').\n"
    "\n"
    "options:\n"
    "      --name NAME          the Langfuse dataset (required)\n"
    "      --delete             delete the items FILE lacks instead of archiving them\n"
    "      --description TEXT   set the dataset's description\n"
    "      --id-prefix PREFIX   prepend PREFIX to every case id\n"
    "  -c, --config FILE        take the case id field from this config's\n"
    "                           'dataset.id' (default: pawl.yaml when present)\n"
    "  -h, --help               show this help\n"
    "\n"
    "example:\n"
    "  export LANGFUSE_PUBLIC_KEY=pk-lf-... LANGFUSE_SECRET_KEY=sk-lf-...\n"
    "  pawl dataset push evals/support.jsonl --name support-bot\n"
    "  pawl dataset push evals/support.jsonl --name support-bot-staging --id-prefix staging/\n"
    "\n"
    "The server is LANGFUSE_BASE_URL (default https://cloud.langfuse.com). Exit\n"
    "status 2 for a usage or dataset error, 3 when Langfuse cannot be reached or\n"
    "does not accept an item (the summary still counts what was done).\n";

static int open_langfuse(struct pawl_langfuse **lf, struct pawl_error *err)
{
    return pawl_langfuse_open(lf, NULL, err);
}

static void print_diff(const struct pawl_langfuse_dataset_diff *d)
{
    if (d->added == 0 && d->changed == 0 && d->removed == 0)
        printf("unchanged\n");
    else
        printf("%zu added, %zu changed, %zu removed\n", d->added, d->changed, d->removed);
}

int cmd_dataset_pull(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"version", required_argument, NULL, 'V'},
        {"id-prefix", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct pawl_langfuse_dataset_pull_options opts = {NULL, NULL, NULL, NULL};
    struct pawl_langfuse_dataset_pull_result res;
    struct pawl_langfuse *lf = NULL;
    struct pawl_error err;
    char *default_path = NULL;
    size_t n;
    int opt, status;

    pawl_error_init(&err);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            opts.path = optarg;
            break;
        case 'V':
            opts.version = optarg;
            break;
        case 'p':
            opts.id_prefix = optarg[0] ? optarg : NULL;
            break;
        default:
            return cli_option_default("dataset pull", pull_help, opt, argv);
        }
    }
    if (argc - optind == 0)
        return cli_usage_error("dataset pull", "expected the name of a Langfuse dataset");
    if (argc - optind > 1)
        return cli_usage_error("dataset pull", "expected one dataset name, got '%s' too",
                               argv[optind + 1]);
    opts.name = argv[optind];
    if (pawl_langfuse_dataset_check_name(opts.name, &err) < 0 ||
        (opts.version && pawl_langfuse_dataset_check_version(opts.version, &err) < 0))
        return cli_usage_error("dataset pull", "%s", err.msg);
    if (!opts.path) {
        if (pawl_langfuse_dataset_default_path(&default_path, opts.name, &err) < 0)
            return cli_usage_error("dataset pull", "%s", err.msg);
        opts.path = default_path;
    }
    n = strlen(opts.path);
    if (n < 6 || strcmp(opts.path + n - 6, ".jsonl") != 0) {
        free(default_path);
        return cli_usage_error("dataset pull", "pull writes JSONL: '%s' must end in .jsonl",
                               opts.path);
    }
    if (open_langfuse(&lf, &err) < 0 || pawl_langfuse_dataset_pull(&res, lf, &opts, &err) < 0) {
        status = cli_report_error(&err);
        goto done;
    }
    printf("pulled %zu item%s of '%s'%s%s into %s: ", res.items, res.items == 1 ? "" : "s",
           opts.name, opts.version ? " as of " : "", opts.version ? opts.version : "", opts.path);
    print_diff(&res.diff);
    status = PAWL_EXIT_PASS;
done:
    pawl_langfuse_close(lf);
    free(default_path);
    return status;
}

static void print_push(const struct pawl_langfuse_dataset_push_result *r, const char *name,
                       const char *url, int delete_missing)
{
    printf("pushed '%s' to %s: %zu created, %zu updated, %zu %s, %zu unchanged", name, url,
           r->created, r->updated, delete_missing ? r->deleted : r->archived,
           delete_missing ? "deleted" : "archived", r->unchanged);
    if (r->failed)
        printf(", %zu failed", r->failed);
    printf("\n");
}

/* The id field: the config's dataset.id when one applies (-c, else ./pawl.yaml). */
static int id_field_of(char **out, const char *config, struct pawl_error *err)
{
    struct pawl_config cfg;
    int rc;

    *out = NULL;
    if (!config && access("pawl.yaml", F_OK) == 0)
        config = "pawl.yaml";
    if (!config)
        return 0;
    if ((rc = pawl_config_load(&cfg, config, err)) < 0)
        return rc;
    if (cfg.dataset.id_field)
        *out = pawl_xstrdup(cfg.dataset.id_field);
    pawl_config_release(&cfg);
    return 0;
}

int cmd_dataset_push(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"name", required_argument, NULL, 'n'},
        {"delete", no_argument, NULL, 'd'},
        {"description", required_argument, NULL, 'D'},
        {"id-prefix", required_argument, NULL, 'p'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct pawl_langfuse_dataset_push_options opts = {NULL, NULL, NULL, 0};
    struct pawl_langfuse_dataset_push_result res;
    struct pawl_langfuse *lf = NULL;
    struct pawl_dataset ds;
    struct pawl_error err;
    const char *config = NULL, *file;
    char *id_field = NULL;
    size_t i;
    int opt, rc, status;

    pawl_error_init(&err);
    memset(&ds, 0, sizeof(ds));
    memset(&res, 0, sizeof(res));
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'n':
            opts.name = optarg;
            break;
        case 'd':
            opts.delete_missing = 1;
            break;
        case 'D':
            opts.description = optarg;
            break;
        case 'p':
            opts.id_prefix = optarg[0] ? optarg : NULL;
            break;
        case 'c':
            config = optarg;
            break;
        default:
            return cli_option_default("dataset push", push_help, opt, argv);
        }
    }
    if (argc - optind == 0)
        return cli_usage_error("dataset push", "expected the dataset file to push");
    if (argc - optind > 1)
        return cli_usage_error("dataset push", "expected one dataset file, got '%s' too",
                               argv[optind + 1]);
    file = argv[optind];
    if (!opts.name)
        return cli_usage_error("dataset push", "--name is required: the Langfuse dataset to "
                                               "push '%s' to",
                               file);
    if (pawl_langfuse_dataset_check_name(opts.name, &err) < 0)
        return cli_usage_error("dataset push", "%s", err.msg);

    if (id_field_of(&id_field, config, &err) < 0 ||
        pawl_dataset_load(&ds, file, file, NULL, id_field ? id_field : "id", &err) < 0 ||
        open_langfuse(&lf, &err) < 0) {
        status = cli_report_error(&err);
        goto done;
    }
    rc = pawl_langfuse_dataset_push(&res, lf, &ds, &opts, &err);
    if (rc == 0 || res.failed)
        print_push(&res, opts.name, pawl_langfuse_url(lf), opts.delete_missing);
    if (rc == 0) {
        status = PAWL_EXIT_PASS;
    } else if (res.failed) {
        for (i = 0; i < res.n_failures; i++)
            fprintf(stderr, "pawl: %s\n", res.failures[i]);
        if (res.failed > res.n_failures)
            fprintf(stderr, "pawl: ... and %zu more items not accepted\n",
                    res.failed - res.n_failures);
        status = PAWL_EXIT_INFRA;
    } else {
        status = cli_report_error(&err);
    }
done:
    pawl_langfuse_dataset_push_result_release(&res);
    pawl_langfuse_close(lf);
    pawl_dataset_release(&ds);
    free(id_field);
    return status;
}
