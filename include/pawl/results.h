/*
 * results.h - one run, as data: the results file's model (DESIGN.md 2.5).
 *
 * The runner fills it, the gate adds metrics and rule outcomes, and the
 * reporters and the JSON writer read it. pawl_results_read() turns a
 * results file back into the same structs (baselines, `pawl report`).
 *
 * Ownership: a struct pawl_results owns every string and array below it;
 * pawl_results_release() frees them all.
 */
#ifndef PAWL_RESULTS_H
#define PAWL_RESULTS_H

#include <jansson.h>
#include <stddef.h>

#include "pawl/compare.h"
#include "pawl/error.h"
#include "pawl/git.h"
#include "pawl/scorer.h"

#define PAWL_RESULTS_SCHEMA 1

struct pawl_trial {
    char *output;        /* NULL when the call errored */
    long latency_ms;     /* -1 when unknown */
    json_t *usage;       /* object or NULL; owned reference */
    double cost;
    int has_cost;
    char *error;         /* NULL, or why the call failed (an infrastructure error) */
    int cached;
    struct pawl_score *scores; /* one per results scorer, same order; NULL when errored */
};

struct pawl_case_result {
    char *id;
    int line;              /* dataset line of the record */
    /* The case as the dataset had it, so a results file is self-contained: reports,
     * `pawl push` and `pawl dataset add` need no dataset. Owned references; input is
     * JSON null when the record had none, the others NULL when absent. */
    json_t *input;
    json_t *expected_output;
    json_t *metadata;
    struct pawl_trial *trials;
    size_t n_trials;
    int passed;            /* every scorer passed in every trial */
    int errored;           /* some trial errored */
};

struct pawl_metric {
    char *name;  /* scorer name, or pass_rate, error_rate, latency_p50_ms, ... */
    double mean; /* the value for non-score metrics */
    size_t n;
    int has_ci;
    double ci_lo, ci_hi;
};

enum pawl_rule_status { PAWL_RULE_PASS, PAWL_RULE_FAIL, PAWL_RULE_INCONCLUSIVE, PAWL_RULE_ERROR };

struct pawl_rule_result {
    char *rule;    /* human form: "correct >= 0.80" */
    char *metric;  /* NULL for no_new_failures */
    char *kind;    /* "min", "max", "max_drop", "no_new_failures" */
    double threshold;
    double actual;
    int has_actual;
    enum pawl_rule_status status;
    char *message; /* one sentence for reports: "correct is 0.72, below the minimum 0.80" */
};

struct pawl_results {
    char *pawl_version;
    char *suite;          /* config `name` */
    char *run_id;
    char *started_at;     /* RFC 3339 UTC */
    long duration_ms;
    struct pawl_git_info git;

    char *dataset_path;
    char dataset_blob[PAWL_GIT_OID_HEX];
    char *dataset_ref;    /* NULL for the working tree */
    size_t dataset_cases; /* cases in the dataset (selected cases are n_cases) */

    char task_fingerprint[65];
    char scorers_fingerprint[65];

    char **scorer_names;  /* n_scorers names, in config order */
    size_t n_scorers;

    struct pawl_case_result *cases;
    size_t n_cases;

    struct pawl_metric *metrics;
    size_t n_metrics;

    struct pawl_rule_result *rules;
    size_t n_rules;

    char *verdict;   /* "pass", "fail", "error" */
    int interrupted;

    struct pawl_comparison *comparison; /* against the baseline; NULL without one; owned */
};

void pawl_results_init(struct pawl_results *r);
void pawl_results_release(struct pawl_results *r);
/* Free the metrics, or the gate's rule results, and leave none: what pawl_gate_evaluate()
 * recomputes. */
void pawl_results_clear_metrics(struct pawl_results *r);
void pawl_results_clear_rules(struct pawl_results *r);

/* The results as a JSON document (new reference); keys in a fixed order. */
json_t *pawl_results_to_json(const struct pawl_results *r);
/* Serialises with 2-space indent and writes atomically (fs.h). */
int pawl_results_write(const struct pawl_results *r, const char *path, struct pawl_error *err);
/* Reads a results file; malformed files are PAWL_EDATA naming the path and JSON pointer. */
int pawl_results_read(struct pawl_results *out, const char *path, struct pawl_error *err);
/* The same from bytes in memory (a baseline read at a git revision); `source` names it. */
int pawl_results_parse(struct pawl_results *out, const char *data, size_t len,
                       const char *source, struct pawl_error *err);
int pawl_results_from_json(struct pawl_results *out, const json_t *doc, const char *source,
                           struct pawl_error *err);

/* Lookup helpers; NULL when absent. */
const struct pawl_metric *pawl_results_metric(const struct pawl_results *r, const char *name);

/*
 * The k of the run's pass_at_k and pass_hat_k metrics: the fewest trials
 * any case with trials got. 0 when no case ran more than one trial (the
 * run has no repeats, and so no pass@k).
 */
size_t pawl_results_pass_k(const struct pawl_results *r);

/* How many trials of case `c` (one of r's) passed: the call succeeded and every scorer passed. */
size_t pawl_results_passing_trials(const struct pawl_results *r, const struct pawl_case_result *c);

#endif
