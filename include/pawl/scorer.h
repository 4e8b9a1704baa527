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
    long latency_ms;    /* -1 when unknown (cached) */
};

struct pawl_scorer;

/* Validates the entry and compiles its templates; `source` is the config path. */
int pawl_scorer_new(struct pawl_scorer **out, const struct pawl_scorer_config *cfg,
                    const char *source, struct pawl_error *err);
void pawl_scorer_free(struct pawl_scorer *s);

/* Checks the scorer's templates resolve against a case's variables (with `output`). */
int pawl_scorer_check(const struct pawl_scorer *s, const json_t *vars, struct pawl_error *err);

/* Scores one output into caller-owned `out` (release with pawl_score_release). */
void pawl_scorer_run(const struct pawl_scorer *s, const struct pawl_scorer_input *in,
                     struct pawl_score *out);

const char *pawl_scorer_name(const struct pawl_scorer *s);
const char *pawl_scorer_type(const struct pawl_scorer *s);
double pawl_scorer_weight(const struct pawl_scorer *s);

/* NULL-terminated list of known scorer types, for help text and suggestions. */
const char *const *pawl_scorer_types(void);

#endif
