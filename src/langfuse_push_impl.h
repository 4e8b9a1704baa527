/*
 * langfuse_push_impl.h - the pure half of the Langfuse push: ids, names, times and
 * request bodies built from a results file (src/langfuse_push_body.c). The network
 * half (src/langfuse_push.c) sends them. Kept apart so the unit tests can check every
 * body without a server.
 */
#ifndef PAWL_LANGFUSE_PUSH_IMPL_H
#define PAWL_LANGFUSE_PUSH_IMPL_H

#include <jansson.h>
#include <stddef.h>

#include "pawl/buf.h"
#include "pawl/langfuse_push.h"

/* Ingestion batches are limited to 3.5 MB; OTLP exports use the same limit. */
#define PAWL_LFPUSH_BATCH_LIMIT 3500000u

/* One trace: a case's trial. */
struct pawl_lfpush_item {
    const struct pawl_case_result *c;
    const struct pawl_trial *t;
    size_t trial;      /* 1-based */
    size_t experiment; /* index into the plan's experiments */
    char trace_id[33];
    char root_id[17];
    char gen_id[17];
    char *item_id; /* dataset item id: prefix + case id */
    long long start_ms, end_ms;
};

struct pawl_lfpush_experiment {
    char *name;
    char *description;
    char id[65];  /* the experiment (dataset run) id; "" until known */
    size_t trial; /* 1-based; 0 when the run has no repeats */
};

struct pawl_lfpush_plan {
    const struct pawl_results *r;
    const char *environment; /* NULL = Langfuse's default */
    const char *dataset;     /* NULL without a dataset */
    char *dataset_id;        /* Dataset.id once resolved, else NULL */
    const char *suite;       /* the trace name */
    char *own_id; /* pawl's own 16-hex id of the run, for experiments without a dataset */
    struct pawl_lfpush_item *items;
    size_t n_items;
    struct pawl_lfpush_experiment *exps;
    size_t n_exps;
    size_t n_trials; /* the most trials any case has */
    long long started_ms;
};

/* RFC 3339 (any offset, optional fraction) -> milliseconds since the epoch; -1 when malformed. */
int pawl_lfpush_parse_time(long long *out, const char *s);

/* Langfuse's rule for environments: ^(?!langfuse)[a-z0-9_-]{1,40}$. */
int pawl_lfpush_environment_ok(const char *env);

/* Ids, names and times for every trace and experiment. Errors: PAWL_EDATA, PAWL_ECONFIG. */
int pawl_lfpush_plan_init(struct pawl_lfpush_plan *out, const struct pawl_results *r,
                          const struct pawl_langfuse_push_options *o, struct pawl_error *err);
void pawl_lfpush_plan_release(struct pawl_lfpush_plan *p);

/*
 * The hex id of `tag` ("root", "generation", an event type, a score name; NULL for the
 * trace) of a case's trial: SHA-256 of the run id, case id, trial, tag and, with a
 * dataset, its name (pawl_langfuse_hex_id).
 */
void pawl_lfpush_hex(char *out, size_t len, const struct pawl_lfpush_plan *p, const char *case_id,
                     size_t trial, const char *tag);

/* Sets every experiment's id to pawl's own (no dataset): hex of (run id, "experiment", trial). */
void pawl_lfpush_plan_own_ids(struct pawl_lfpush_plan *p);

/* A model call's usage as Langfuse usage details (input/output/total and other integer
 * counts); NULL when there is nothing to send. New reference. */
json_t *pawl_lfpush_usage_details(const json_t *usage);

/* The two OTLP spans (root, generation) of item i, as a JSON array. New reference. */
json_t *pawl_lfpush_otlp_spans(const struct pawl_lfpush_plan *p, size_t i);
/* An ExportTraceServiceRequest around `spans` (stolen). New reference. */
json_t *pawl_lfpush_otlp_request(const struct pawl_lfpush_plan *p, json_t *spans);

/* The three ingestion events (trace-create, span-create, generation-create) of item i. */
json_t *pawl_lfpush_ingestion_events(const struct pawl_lfpush_plan *p, size_t i);

/* The POST /api/public/dataset-run-items body of item i. */
json_t *pawl_lfpush_run_item(const struct pawl_lfpush_plan *p, size_t i);

/* The CreateScoreRequest of scorer `si` on item i; NULL when the score errored or has no
 * value to send (an errored call, a NaN, a category-less categorical). */
json_t *pawl_lfpush_item_score(const struct pawl_lfpush_plan *p, size_t i, size_t si);

/* The run-level scores of experiment e (needs its id): the verdict, each gate rule and
 * each finite metric. A JSON array of CreateScoreRequest bodies. */
json_t *pawl_lfpush_run_scores(const struct pawl_lfpush_plan *p, size_t e);

/*
 * Groups n consecutive units of sizes[] into batches whose size (each unit's size + 1
 * for a separator, plus `overhead`) stays within `limit`; a unit bigger than the limit
 * goes alone. ends[b] is the end (exclusive) of batch b; returns the number of batches.
 * `ends` has room for n entries.
 */
size_t pawl_lfpush_batch(size_t *ends, const size_t *sizes, size_t n, size_t overhead,
                         size_t limit);

/* ---- scores, stable experiment ids, the summary (src/langfuse_push_scores.c) ---- */

/* One score to send: a CreateScoreRequest body, alone (POST /api/public/scores) or as the
 * body of a score-create ingestion event. */
struct pawl_lfpush_score {
    json_t *body;      /* owned */
    char *label;       /* "score 'x' of case 'c' trial 1" or "run score 'x' of experiment 'e'" */
    int run;           /* a run-level score */
    char event_id[33]; /* the score-create envelope id: hex of the score id */
};

struct pawl_lfpush_scores {
    struct pawl_lfpush_score *v;
    size_t n, alloc;
    size_t skipped;                            /* errored scores: no value to send */
    const struct pawl_lfpush_score **by_event; /* sorted by event id */
};

/* Every item score of every trial, then the run scores of every experiment whose id is known. */
void pawl_lfpush_scores_collect(struct pawl_lfpush_scores *out, const struct pawl_lfpush_plan *p);
void pawl_lfpush_scores_release(struct pawl_lfpush_scores *s);
/* The score whose score-create event has envelope id `event_id`, or NULL. */
const struct pawl_lfpush_score *pawl_lfpush_scores_find(const struct pawl_lfpush_scores *s,
                                                        const char *event_id);

/* The score-create ingestion event of score i, stamped `now_ms`. New reference. */
json_t *pawl_lfpush_score_event(const struct pawl_lfpush_scores *s, size_t i, long long now_ms);
/* Groups the score events into ingestion batches of at most `limit` bytes (ends[] as for
 * pawl_lfpush_batch, room for s->n entries); returns the number of batches. */
size_t pawl_lfpush_score_batches(size_t *ends, const struct pawl_lfpush_scores *s, long long now_ms,
                                 size_t limit);
/* The ingestion request {"batch": [...]} of score events [lo, hi). New reference. */
json_t *pawl_lfpush_score_batch(const struct pawl_lfpush_scores *s, size_t lo, size_t hi,
                                long long now_ms);

/* Appends `s` (valid UTF-8) as JavaScript's JSON.stringify() writes a string: only '"', '\\'
 * and U+0000..U+001F escaped (\b \f \n \r \t, else \u00xx in lower case hex), the rest as is. */
void pawl_lfpush_stringify(struct pawl_buf *b, const char *s);

/*
 * The experiment id Langfuse v4 gives a dataset run (langfuse-js, and the server's
 * createStableExperimentId): the first 16 hex digits of the SHA-256 of
 * JSON.stringify(["langfuse-experiment-v1", projectId, datasetId, runName]). Invalid UTF-8
 * in the parts is replaced first, as it is in what pawl sends.
 */
void pawl_lfpush_experiment_id(char out[17], const char *project_id, const char *dataset_id,
                               const char *run_name);

/* The summary's printable paragraph, into s->text. */
void pawl_lfpush_summary_text(struct pawl_langfuse_push_summary *s,
                              const struct pawl_lfpush_plan *p, int v4, int failed);

#endif
