#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pawl/alloc.h"
#include "pawl/config.h"
#include "pawl/dataset_add.h"
#include "pawl/node.h"
#include "pawl/results.h"

static const char add_help[] =
    "usage: pawl dataset add --from RESULTS.json --case ID [options]\n"
    "\n"
    "Turns a case of a run into a regression case: appends it to the dataset\n"
    "with a new id, its input and expected output, and in its metadata what the\n"
    "run observed and what you say about it. The rest of the dataset file is\n"
    "left byte for byte as it was; the file is re-read before it is replaced.\n"
    "\n"
    "  pawl run --json out/results.json          # case q7 fails\n"
    "  pawl dataset add --from out/results.json --case q7 \\\n"
    "      --label correct=false --note 'quotes the old refund policy'\n"
    "  added case 'q7-3fa2b1c0' to evals/support.jsonl (line 31)\n"
    "\n"
    "The new id is '<case id>-<8 hex>', the same for the same run and case, so\n"
    "adding a failure twice is refused. Metadata keys written: observed_output\n"
    "(or observed_error when the call failed), note, labels.<SCORE>,\n"
    "source_case and source_run; the case's own metadata is kept.\n"
    "\n"
    "options:\n"
    "      --from FILE         results file written by 'pawl run' (required)\n"
    "      --case ID           the case to add (required)\n"
    "      --to FILE           dataset file to append to (default: the config's\n"
    "                          dataset.path, which must be the one the run used)\n"
    "  -c, --config FILE       config file (default: pawl.yaml)\n"
    "      --label SCORE=VALUE a human label, metadata.labels.SCORE: true/false,\n"
    "                          a number, or text (repeatable)\n"
    "      --note TEXT         an annotation, metadata.note\n"
    "      --trial N           observe trial N (from 1) instead of the first one\n"
    "                          that failed or errored\n"
    "      --turns SPEC        for input.messages: N-1 keeps all but the last\n"
    "                          message, N-k all but the last k, K the first K\n"
    "      --id ID             the new case's id instead of the derived one\n"
    "  -h, --help              show this help\n"
    "\n"
    "Exit status 2 for a usage error, a case or file that cannot be found, a case\n"
    "already in the dataset, or a dataset the case cannot be written into; 3 when\n"
    "the file cannot be written (read-only, or an I/O error). Adds running at the\n"
    "same time wait for each other, so none is lost.\n";

#define CMD "dataset add"

struct add_args {
    const char *from, *case_id, *to, *config, *note, *turns, *id;
    size_t trial;
    json_t *labels;
    int config_given;
};

static int parse_label(json_t *labels, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char *name;
    int rc = 0;

    if (!eq || eq == arg)
        return cli_usage_error(CMD, "invalid --label '%s' (expected SCORE=VALUE)", arg);
    name = pawl_xstrndup(arg, (size_t)(eq - arg));
    if (json_object_get(labels, name))
        rc = cli_usage_error(CMD, "--label '%s' given twice", name);
    else
        json_object_set_new(labels, name, pawl_dataset_label_value(eq + 1));
    free(name);
    return rc;
}

static int parse_trial(size_t *out, const char *arg)
{
    char *end;
    unsigned long v;

    if (arg[0] < '1' || arg[0] > '9')
        return cli_usage_error(CMD, "invalid --trial '%s' (expected a trial number from 1)", arg);
    v = strtoul(arg, &end, 10);
    if (*end)
        return cli_usage_error(CMD, "invalid --trial '%s' (expected a trial number from 1)", arg);
    *out = (size_t)v;
    return 0;
}

/* -1 after printing a usage error, 1 after --help, else 0. */
static int parse_args(struct add_args *a, int argc, char **argv, int *status)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'},
        {"case", required_argument, NULL, 'C'},
        {"to", required_argument, NULL, 't'},
        {"config", required_argument, NULL, 'c'},
        {"label", required_argument, NULL, 'l'},
        {"note", required_argument, NULL, 'n'},
        {"turns", required_argument, NULL, 'T'},
        {"trial", required_argument, NULL, 'r'},
        {"id", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            a->from = optarg;
            break;
        case 'C':
            a->case_id = optarg;
            break;
        case 't':
            a->to = optarg;
            break;
        case 'c':
            a->config = optarg;
            a->config_given = 1;
            break;
        case 'l':
            if ((*status = parse_label(a->labels, optarg)) != 0)
                return -1;
            break;
        case 'n':
            a->note = optarg;
            break;
        case 'T':
            a->turns = optarg;
            break;
        case 'r':
            if ((*status = parse_trial(&a->trial, optarg)) != 0)
                return -1;
            break;
        case 'i':
            if (!*optarg) {
                *status = cli_usage_error(CMD, "--id must not be empty");
                return -1;
            }
            a->id = optarg;
            break;
        default:
            *status = cli_option_default(CMD, add_help, opt, argv);
            return opt == 'h' ? 1 : -1;
        }
    }
    if (optind < argc)
        *status = cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    else if (!a->from)
        *status =
            cli_usage_error(CMD, "missing --from RESULTS.json (the run to take the case from)");
    else if (!a->case_id)
        *status = cli_usage_error(CMD, "missing --case ID (the case to add)");
    else
        return 0;
    return -1;
}

static const struct pawl_case_result *find_case(const struct pawl_results *r, const char *id,
                                                const char **near)
{
    const char **ids = pawl_xcalloc(r->n_cases + 1, sizeof(*ids));
    size_t i;

    *near = NULL;
    for (i = 0; i < r->n_cases; i++) {
        if (strcmp(r->cases[i].id, id) == 0) {
            free(ids);
            return &r->cases[i];
        }
        ids[i] = r->cases[i].id;
    }
    *near = pawl_suggest(id, ids);
    free(ids);
    return NULL;
}

/* Labels are keyed by score name; one the run has no scorer for is likely a typo. */
static void warn_labels(const struct pawl_results *r, const json_t *labels)
{
    const char **names = pawl_xcalloc(r->n_scorers + 1, sizeof(*names));
    const char *name, *near;
    json_t *v;
    size_t i;

    for (i = 0; i < r->n_scorers; i++)
        names[i] = r->scorer_names[i];
    json_object_foreach((json_t *)labels, name, v)
    {
        for (i = 0; i < r->n_scorers && strcmp(names[i], name) != 0; i++)
            ;
        if (i < r->n_scorers)
            continue;
        near = pawl_suggest(name, names);
        if (near)
            fprintf(stderr,
                    "pawl: warning: --label '%s' names no scorer of the run (did you mean "
                    "'%s'?)\n",
                    name, near);
        else
            fprintf(stderr, "pawl: warning: --label '%s' names no scorer of the run\n", name);
    }
    free(names);
}

int cmd_dataset_add(int argc, char **argv)
{
    struct add_args a;
    struct pawl_results res;
    struct pawl_config cfg;
    struct pawl_error err;
    struct pawl_add_options opt;
    struct pawl_dataset_addition added;
    const struct pawl_case_result *c;
    const char *display, *fs_path, *near;
    json_t *record = NULL;
    int status = PAWL_EXIT_PASS, have_cfg = 0;
    size_t i;

    memset(&a, 0, sizeof(a));
    memset(&cfg, 0, sizeof(cfg));
    memset(&added, 0, sizeof(added));
    a.config = "pawl.yaml";
    a.labels = json_object();
    pawl_error_init(&err);
    pawl_results_init(&res);
    if (parse_args(&a, argc, argv, &status) != 0)
        goto done;

    if (pawl_results_read(&res, a.from, &err) < 0)
        goto fail;
    if (!(c = find_case(&res, a.case_id, &near))) {
        if (near)
            pawl_error_set(&err, PAWL_EUSAGE, NULL, 0, 0,
                           "case '%s' is not in results file '%s' (did you mean '%s'?)", a.case_id,
                           a.from, near);
        else
            pawl_error_set(&err, PAWL_EUSAGE, NULL, 0, 0, "case '%s' is not in results file '%s'",
                           a.case_id, a.from);
        goto fail;
    }

    /* The config names the dataset and its id field; with --to it is optional. */
    if (!a.to || a.config_given || access(a.config, F_OK) == 0) {
        if (pawl_config_load(&cfg, a.config, &err) < 0)
            goto fail;
        have_cfg = 1;
    }
    if (a.to) {
        display = fs_path = a.to;
    } else {
        display = cfg.dataset.path;
        fs_path = cfg.dataset.fs_path;
        if (cfg.dataset.ref) {
            const struct pawl_node *ref = pawl_node_get(pawl_node_get(cfg.root, "dataset"), "ref");
            pawl_error_set(&err, PAWL_EUSAGE, cfg.path, ref ? ref->line : cfg.dataset.line,
                           ref ? ref->col : cfg.dataset.col,
                           "cannot add a case to dataset '%s' read at revision '%s' "
                           "('dataset.ref'); pass --to FILE to write a file",
                           display, cfg.dataset.ref);
            goto fail;
        }
        if (res.dataset_path && strcmp(res.dataset_path, display) != 0) {
            pawl_error_set(&err, PAWL_EUSAGE, NULL, 0, 0,
                           "results file '%s' is from dataset '%s', not '%s' of %s; pass --to "
                           "FILE to add the case there anyway",
                           a.from, res.dataset_path, display, cfg.path);
            goto fail;
        }
    }

    memset(&opt, 0, sizeof(opt));
    opt.id_field = have_cfg ? cfg.dataset.id_field : "id";
    opt.id = a.id;
    opt.note = a.note;
    opt.labels = a.labels;
    opt.turns = a.turns;
    opt.trial = a.trial;
    warn_labels(&res, a.labels);
    if (pawl_dataset_add_record(&record, &res, c, &opt, &err) < 0 ||
        pawl_dataset_add_to_file(&added, fs_path, display, record, opt.id_field, &err) < 0)
        goto fail;
    if (added.n_dropped) {
        fprintf(stderr, "pawl: warning: %s has no column%s ", display,
                added.n_dropped == 1 ? "" : "s");
        for (i = 0; i < added.n_dropped; i++)
            fprintf(stderr, "%s'%s'",
                    i == 0                     ? ""
                    : i + 1 == added.n_dropped ? " or "
                                               : ", ",
                    added.dropped[i]);
        fprintf(stderr, ": not written\n");
    }
    printf("added case '%s' to %s (line %d)\n",
           json_string_value(json_object_get(record, opt.id_field)), display, added.line);
    status = cli_finish(PAWL_EXIT_PASS);
    goto done;
fail:
    status = cli_report_error(&err);
done:
    json_decref(record);
    json_decref(a.labels);
    pawl_dataset_addition_release(&added);
    pawl_results_release(&res);
    if (have_cfg)
        pawl_config_release(&cfg);
    return status;
}
