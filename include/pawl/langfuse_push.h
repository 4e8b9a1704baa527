/*
 * langfuse_push.h - a finished run, sent to Langfuse as an experiment with its scores.
 *
 * `pawl push RESULTS.json` and `pawl run` (with report.langfuse) call one entry point:
 * pawl_langfuse_push(). It works from the results alone, never prints, and says what it
 * did in a summary, also when it fails part way.
 *
 * What goes where:
 * - one trace per case and trial: a root span (the experiment item: input, output,
 *   expected output, case metadata, level ERROR for a failed call) and a child
 *   generation (the model call: usage and cost when the results have them);
 * - one experiment per trial (Langfuse keeps one run item per dataset item per
 *   experiment), named "<suite> <ref>@<commit7> <run id>", with " trial k/n" when
 *   the run had repeats;
 * - every score of every trial on the root span, and run-level scores (the verdict,
 *   each gate rule, each metric) on each experiment.
 *
 * Every id derives from the run id, the case id, the trial and the score name, so a
 * second push of the same results updates what the first one sent and never adds to
 * it: v4 is asked which traces the experiment already holds and those are not sent
 * again, v3 is asked which run items the dataset run already has.
 *
 * v4 servers get OTLP/JSON on /api/public/otel/v1/traces with the experiment
 * attributes; v3 servers get trace-create, span-create and generation-create events
 * on /api/public/ingestion and, with a dataset, dataset run items. Scores go to
 * POST /api/public/scores on both, or with score_batches as score-create events in
 * POST /api/public/ingestion batches. With a dataset, v4 derives the experiment id as
 * Langfuse does (from the project id, the dataset id and the experiment name).
 */
#ifndef PAWL_LANGFUSE_PUSH_H
#define PAWL_LANGFUSE_PUSH_H

#include <stddef.h>

#include "pawl/error.h"
#include "pawl/langfuse.h"
#include "pawl/results.h"

enum pawl_langfuse_api {
    PAWL_LANGFUSE_API_AUTO, /* GET /api/public/health: major version >= 4 is v4, else v3;
                             * a health check that fails picks v4 */
    PAWL_LANGFUSE_API_V3,
    PAWL_LANGFUSE_API_V4,
};

/* "auto", "v3", "v4" -> the enum; -1 for anything else. */
int pawl_langfuse_api_parse(const char *name);

struct pawl_langfuse_push_options {
    const char *dataset; /* Langfuse dataset whose items the cases are, or NULL (no dataset) */
    enum pawl_langfuse_api api;
    const char *environment; /* Langfuse environment of traces and scores, or NULL (the default) */
    const char *id_prefix;   /* dataset item id = id_prefix + case id; NULL = none */
    int score_batches;       /* scores as score-create events in POST /api/public/ingestion batches
                              * instead of one POST /api/public/scores each (rate limits) */
    struct pawl_langfuse_options client; /* zeroes are the client's defaults */
};

struct pawl_config;

/*
 * Options from the config's report.langfuse (dataset, api, environment, score_batches);
 * everything else zero (the client's defaults, no id prefix). `cfg` NULL gives the defaults: auto,
 * no dataset, no environment.
 */
void pawl_langfuse_push_options_from_config(struct pawl_langfuse_push_options *out,
                                            const struct pawl_config *cfg);

/* How many failures the summary quotes; the count covers all of them. */
#define PAWL_LANGFUSE_PUSH_MAX_REASONS 5

struct pawl_langfuse_push_summary {
    char *url;             /* the server (no credentials), or NULL when none was reached */
    const char *api;       /* "v3" or "v4": the path taken; NULL before it was chosen */
    char **experiment_ids; /* one per experiment (trial), "" when unknown; owned */
    char **experiment_names;
    size_t n_experiments;
    size_t traces;             /* traces sent now */
    size_t traces_existing;    /* v4: traces the experiment already had, not sent again */
    size_t observations;       /* spans / observations sent now */
    size_t run_items;          /* dataset run items created or confirmed now */
    size_t run_items_existing; /* v3: run items the dataset run already had */
    size_t scores;             /* item scores sent */
    size_t run_scores;         /* run-level scores sent */
    size_t scores_skipped;     /* errored scores (no value to send) */
    size_t failed;             /* requests, events or scores not accepted */
    char *reasons[PAWL_LANGFUSE_PUSH_MAX_REASONS]; /* the first failures, one sentence each */
    size_t n_reasons;
    char *text; /* one printable paragraph, no final newline; never NULL after a call */
};

void pawl_langfuse_push_summary_init(struct pawl_langfuse_push_summary *s);
void pawl_langfuse_push_summary_release(struct pawl_langfuse_push_summary *s);

/*
 * Pushes `r`. Returns 0 when Langfuse accepted everything. Otherwise PAWL_EIO (nothing
 * stops a push half way silently: the message names how many items failed and quotes the
 * first reason; `out->reasons` holds a few more), PAWL_ECONFIG for missing credentials or
 * an invalid environment, PAWL_EDATA for results Langfuse cannot take (no run id or start
 * time). `out` is filled either way (init it first; release it after).
 */
int pawl_langfuse_push(const struct pawl_results *r, const struct pawl_langfuse_push_options *o,
                       struct pawl_langfuse_push_summary *out, struct pawl_error *err);

#endif
