/*
 * config.h - pawl.yaml, validated into plain structs.
 *
 * The file is parsed into a located tree (node.h) and checked against key
 * tables: unknown keys (with a did-you-mean), wrong types and missing
 * required keys fail with `pawl.yaml:LINE:COL: message` and PAWL_ECONFIG.
 * `${VAR}` and `${VAR:-default}` in string values expand from the
 * environment; an unset variable without a default is an error.
 *
 * Paths in the file are relative to the config file's directory and may not
 * escape the repository that holds it (or the config's directory outside a
 * repository). Prompt files named by `messages[].file` and `prompt` are read
 * here; templates inside them are compiled later (suite.h).
 *
 * Provider- and scorer-specific keys are left to those modules: the config
 * keeps a pointer to their YAML mapping (`node`), valid while the config is.
 *
 * Ownership: pawl_config_load() fills a caller-owned struct; everything it
 * points to is released by pawl_config_release().
 */
#ifndef PAWL_CONFIG_H
#define PAWL_CONFIG_H

#include <jansson.h>
#include <stddef.h>

#include "pawl/error.h"
#include "pawl/node.h"

struct pawl_message_config {
    char *role;   /* system | user | assistant */
    char *text;   /* template text: the inline `content`, or the file's bytes */
    char *source; /* where `text` came from, for errors: the config path or the file's */
    int line, col; /* position of `text` in `source` (1,1 for a file) */
};

struct pawl_task_config {
    char *provider; /* exec | echo | outputs | openai | anthropic | http */
    char *model;    /* NULL when absent */
    char *base_url;
    char *api_key_env;
    struct pawl_message_config *messages; /* `prompt: FILE` becomes one user message */
    size_t n_messages;
    json_t *params;         /* `params` mapping as JSON, NULL when absent */
    char **command;         /* exec: argv, NULL-terminated; NULL when absent */
    size_t n_command;
    char *output_field;     /* outputs: dataset field holding the output, default "output" */
    char *url;              /* http: the endpoint */
    char *method;           /* http: POST (default), PUT, PATCH, GET or DELETE */
    char *output_pointer;   /* http: JSON pointer to the output in the response, NULL = the body */
    double price_input_per_mtok;  /* price: per million input tokens; 0 when absent */
    double price_output_per_mtok; /* per million output tokens */
    /* `headers` and `body` are read from `node` by the HTTP providers. */
    const struct pawl_node *node; /* the `task` mapping */
    int line, col;
};

struct pawl_scorer_config {
    char *name;
    char *type;
    /* llm-judge: the judge's provider settings, parsed like `task`, with the
     * rubric as its one user message; NULL for other scorers. */
    struct pawl_task_config *judge;
    const struct pawl_node *node; /* the scorer's mapping, all keys included */
    int line, col;
};

enum pawl_rule_kind {
    PAWL_RULE_MIN,            /* metric >= value */
    PAWL_RULE_MAX,            /* metric <= value */
    PAWL_RULE_MAX_DROP,       /* baseline comparison (baseline issue) */
    PAWL_RULE_NO_NEW_FAILURES, /* baseline comparison (baseline issue) */
    /* {judge_agreement: NAME, min_kappa: X}: `metric` is the bounded statistic's
     * metric, agreement.NAME.kappa (.accuracy, .spearman: a minimum; .mae: a
     * maximum), `value` the bound, `min_n` the fewest labelled cases (gate.h). */
    PAWL_RULE_JUDGE_AGREEMENT
};

struct pawl_rule_config {
    char *metric; /* NULL for no_new_failures */
    enum pawl_rule_kind kind;
    double value;
    int line, col;
    long min_n; /* judge_agreement only; 0 = PAWL_AGREEMENT_MIN_N */
};

struct pawl_config {
    char *path; /* the config file as given on the command line */
    char *dir;  /* its directory: "." or a path; relative paths resolve here */
    char *name; /* suite name; defaults to the config directory's base name */

    struct {
        char *path;    /* as written in the file (reports and errors show this) */
        char *fs_path; /* resolved against `dir` */
        char *ref;     /* git revision or NULL */
        char *id_field; /* default "id" */
        int line, col;
    } dataset;

    struct pawl_task_config task;

    struct pawl_scorer_config *scorers;
    size_t n_scorers;

    struct {
        long concurrency;      /* default 8 */
        long repeat;           /* default 1 */
        long timeout_ms;       /* default 60000; accepts 250ms, 60s, 2m, or a number of seconds */
        long retries;          /* default 3 */
        double max_error_rate; /* default 0 */
        char *cache;           /* resolved path, or NULL when `off`; default .pawl/cache */
    } run;

    struct {
        char *file; /* resolved path or NULL */
        char *ref;
        int rerun;
    } baseline;

    struct {
        double confidence;   /* default 0.95 */
        int inconclusive_fails; /* on_inconclusive: fail */
        struct pawl_rule_config *rules;
        size_t n_rules;
    } gate;

    struct {
        char *junit; /* resolved paths, NULL when not configured */
        char *json;
        char *markdown;
        char *html;
        /* report.langfuse: `true`, or a mapping of the settings below; pushes the
         * run to Langfuse after it (`pawl push`). */
        struct {
            int enabled;
            char *dataset;     /* Langfuse dataset whose items the cases are, or NULL */
            char *api;         /* "auto" (default), "v3" or "v4" */
            char *environment; /* Langfuse environment of traces and scores, or NULL */
            int required;      /* a push that fails turns the run's exit status into 3 */
            int score_batches; /* scores as score-create events in ingestion batches */
        } langfuse;
    } report;

    struct pawl_node *root; /* owns the YAML tree that `node` fields point into */
};

int pawl_config_load(struct pawl_config *out, const char *path, struct pawl_error *err);
void pawl_config_release(struct pawl_config *cfg);
/* Frees what a task config (the task, or a judge) holds. */
void pawl_config_release_task(struct pawl_task_config *t);

/* The text of a built-in judge rubric (`builtin: correctness`), or NULL; and their names. */
const char *pawl_rubric_builtin(const char *name);
const char *const *pawl_rubric_names(void);

/* Parses "250ms", "60s", "2m", "1h" or a bare number of seconds; -1 on error. */
long pawl_config_parse_duration(const char *s);

#endif
