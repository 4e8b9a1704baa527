/*
 * scorer.h - turning one output into one score.
 *
 * A scorer is built from its config entry (config.h) by looking its `type`
 * up in a static table of ops (src/scorer.c); adding a scorer is one file in
 * src/scorers/ and one table line. Every scorer accepts the common keys
 * `name`, `type`, `not` (invert pass/fail), `weight` (default 1, recorded
 * for weighted scoring) and `description`, plus its own keys; unknown keys
 * are config errors with a did-you-mean. (Numeric scorers, such as a
 * judge, add a `pass` threshold among their own keys.)
 *
 * Scoring never fails the run: a scorer that cannot score (bad regex
 * input, template variable missing for this case) yields a score with
 * `errored` set, `passed` false and the reason in `comment`.
 */
#ifndef PAWL_SCORER_H
#define PAWL_SCORER_H

#include <jansson.h>
#include <stddef.h>

#include "pawl/config.h"
#include "pawl/error.h"

enum pawl_score_type { PAWL_SCORE_NUMERIC, PAWL_SCORE_BOOLEAN, PAWL_SCORE_CATEGORICAL };

struct pawl_score {
    enum pawl_score_type type;
    double value;   /* BOOLEAN: 0 or 1; NUMERIC: usually 0..1 */
    char *category; /* CATEGORICAL only; owned */
    int passed;
    int errored;
    char *comment;  /* why it failed (or NULL when it passed plainly); owned */
    /* What scoring itself cost, for scorers that call a model (a judge): dollars under
     * the judge's `price:` or as the API reported them, and tokens. */
    double cost;
    int has_cost;
    double tokens;
    int has_tokens;
};

void pawl_score_release(struct pawl_score *s);
/* Deep copy into caller-owned `out`. */
void pawl_score_copy(struct pawl_score *out, const struct pawl_score *src);
/* "NUMERIC", "BOOLEAN", "CATEGORICAL" and back (-1 when unknown). */
const char *pawl_score_type_name(enum pawl_score_type type);
int pawl_score_type_parse(const char *name);

struct pawl_scorer_input {
    const char *output; /* the candidate's output text, NUL-terminated */
    size_t output_len;
    const json_t *vars; /* template variables: id, input, expected_output, metadata, output */
    long latency_ms;    /* -1 when unknown */
    const json_t *usage; /* the call's token usage as the API reported it, or NULL */
    double cost;        /* the call's cost in dollars, when has_cost */
    int has_cost;
};

struct pawl_scorer;

/* Validates the entry and compiles its templates; `source` is the config path. */
int pawl_scorer_new(struct pawl_scorer **out, const struct pawl_scorer_config *cfg,
                    const char *source, struct pawl_error *err);
void pawl_scorer_free(struct pawl_scorer *s);

/* Checks the scorer's templates resolve against a case's variables (with `output`). */
int pawl_scorer_check(const struct pawl_scorer *s, const json_t *vars, struct pawl_error *err);

/* Scores one output into caller-owned `out` (release with pawl_score_release).
 * Only for scorers that are not async (below). */
void pawl_scorer_run(const struct pawl_scorer *s, const struct pawl_scorer_input *in,
                     struct pawl_score *out);

/*
 * Async scorers call something to score (a judge model, a user's command):
 * the runner starts them on its event loop and they complete later.
 */
struct pawl_loop;

struct pawl_scorer_job {
    const struct pawl_scorer_input *in; /* valid until done() */
    struct pawl_score *out;             /* filled before done() */
    struct pawl_loop *loop;
    const char *cache_dir;              /* response cache for judge calls, or NULL */
    unsigned trial;
    void (*done)(struct pawl_scorer_job *job); /* runs exactly once, from the loop or start */
    void *owner;
    const struct pawl_scorer *scorer;   /* set by pawl_scorer_start() */
};

int pawl_scorer_is_async(const struct pawl_scorer *s);
void pawl_scorer_start(const struct pawl_scorer *s, struct pawl_scorer_job *job);

/* Gives a scorer the whole config (a judge builds its provider from it); the
 * suite calls it once after pawl_scorer_new(). `cfg` must outlive the scorer. */
int pawl_scorer_bind(struct pawl_scorer *s, const struct pawl_config *cfg,
                     struct pawl_error *err);

/* Run-time needs `validate` must not require (a judge's API key); before the first call. */
int pawl_scorer_ready(struct pawl_scorer *s, struct pawl_error *err);

const char *pawl_scorer_name(const struct pawl_scorer *s);
const char *pawl_scorer_type(const struct pawl_scorer *s);
double pawl_scorer_weight(const struct pawl_scorer *s);

/* NULL-terminated list of known scorer types, for help text and suggestions. */
const char *const *pawl_scorer_types(void);

#endif
