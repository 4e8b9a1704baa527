/*
 * scorer_impl.h - what a scorer plug-in in src/scorers/ implements, and the
 * helpers they share (src/scorer.c).
 *
 * Each file in src/scorers/ exports exactly one `pawl_scorer_<name>_ops`,
 * declared below and listed in the table in src/scorer.c. The generic part
 * of pawl_scorer_new() has already validated `name`, `type`, `not`,
 * `weight` and `description` and rejected keys missing from `keys` when
 * `init` runs; `init` parses the plug-in's own keys and compiles its
 * templates.
 *
 * `score` always leaves a BOOLEAN (or other) score in `out` with a comment
 * stating the fact either way ("output contains 'Paris'" or "output does not
 * contain 'Paris'"): pawl_scorer_run() drops it when the final score passed
 * and keeps it, with " (negated)" appended, when `not` turned a pass into a
 * failure.
 */
#ifndef PAWL_SCORER_IMPL_H
#define PAWL_SCORER_IMPL_H

#include <jansson.h>
#include <stddef.h>

#include "pawl/buf.h"
#include "pawl/node.h"
#include "pawl/scorer.h"
#include "pawl/template.h"

/* Returned by `score` for a pass that `not` must not flip and whose comment stays. */
#define PAWL_SCORER_NEUTRAL 1
/* Returned by `score` (or given to pawl_scorer_finish) to keep the comment of a pass:
 * a judge's reasoning is worth reading either way. */
#define PAWL_SCORER_KEEP_COMMENT 2

struct pawl_scorer_ops {
    const char *type;
    const char *const *keys; /* own keys, NULL-terminated */
    int (*init)(void **state, const struct pawl_node *node, const char *source,
                struct pawl_error *err);
    int (*check)(const void *state, const json_t *vars, struct pawl_error *err); /* or NULL */
    /* 0, or PAWL_SCORER_NEUTRAL / PAWL_SCORER_KEEP_COMMENT. NULL for async scorers. */
    int (*score)(const void *state, const struct pawl_scorer_input *in, struct pawl_score *out);
    void (*free)(void *state);
    /* Async scorers: begin scoring on job->loop; complete with pawl_scorer_finish(). */
    void (*start)(const void *state, struct pawl_scorer_job *job);
    /* Optional: the whole config, once after init; run-time readiness before calls. */
    int (*bind)(void *state, const struct pawl_config *cfg, const struct pawl_scorer_config *sc,
                struct pawl_error *err);
    int (*ready)(void *state, struct pawl_error *err);
};

/* json_equal(), except that numbers compare by value whether integer or real (1 == 1.0). */
int pawl_scorer_json_equal(const json_t *a, const json_t *b);

/* A scorer's plug-in state, for the plug-ins' own unit tests. */
void *pawl_scorer_state(const struct pawl_scorer *s);

/* llm-judge's reading of a judge's reply into `out` (its unit tests drive it
 * directly); returns the flags for pawl_scorer_finish(). */
int pawl_judge_read_reply(const void *state, const char *reply, size_t len,
                          struct pawl_score *out);

/* Completes an async job: applies `not` and the comment rules as for `score`, then done(). */
void pawl_scorer_finish(struct pawl_scorer_job *job, int flags);

extern const struct pawl_scorer_ops pawl_scorer_equals_ops;
extern const struct pawl_scorer_ops pawl_scorer_contains_ops;
extern const struct pawl_scorer_ops pawl_scorer_icontains_ops;
extern const struct pawl_scorer_ops pawl_scorer_contains_any_ops;
extern const struct pawl_scorer_ops pawl_scorer_contains_all_ops;
extern const struct pawl_scorer_ops pawl_scorer_starts_with_ops;
extern const struct pawl_scorer_ops pawl_scorer_regex_ops;
extern const struct pawl_scorer_ops pawl_scorer_is_json_ops;
extern const struct pawl_scorer_ops pawl_scorer_json_path_ops;
extern const struct pawl_scorer_ops pawl_scorer_latency_ops;
extern const struct pawl_scorer_ops pawl_scorer_json_schema_ops;
extern const struct pawl_scorer_ops pawl_scorer_numeric_ops;
extern const struct pawl_scorer_ops pawl_scorer_levenshtein_ops;
extern const struct pawl_scorer_ops pawl_scorer_rouge_l_ops;
extern const struct pawl_scorer_ops pawl_scorer_bleu_ops;
extern const struct pawl_scorer_ops pawl_scorer_cost_ops;
extern const struct pawl_scorer_ops pawl_scorer_tokens_ops;
extern const struct pawl_scorer_ops pawl_scorer_tool_called_ops;
extern const struct pawl_scorer_ops pawl_scorer_exec_ops;
extern const struct pawl_scorer_ops pawl_scorer_llm_judge_ops;

/* ---- config helpers: errors are PAWL_ECONFIG located in `source` ---- */

/*
 * The scalar under `key`, or NULL when absent. Fails with
 * `missing required key 'value'` (at the mapping) when `required`, and with
 * `'value' must be a string` when the value is a list, mapping or null.
 */
int pawl_scorer_get_scalar(const struct pawl_node **out, const struct pawl_node *map,
                           const char *key, int required, const char *source,
                           struct pawl_error *err);

/* Compiles the template under `key`; *out stays NULL when it is absent and not required. */
int pawl_scorer_compile_key(struct pawl_template **out, const struct pawl_node *map,
                            const char *key, int required, const char *source,
                            struct pawl_error *err);

/* Compiles one scalar node as a template located at the node's text. */
int pawl_scorer_compile_node(struct pawl_template **out, const struct pawl_node *node,
                             const char *source, struct pawl_error *err);

/*
 * A non-empty list of scalars under `key`, each compiled as a template:
 * `missing required key 'values'`, `'values' must be a non-empty list`,
 * `'values' items must be strings`. Free with pawl_scorer_free_templates().
 */
int pawl_scorer_compile_list(struct pawl_template ***out, size_t *n, const struct pawl_node *map,
                             const char *key, const char *source, struct pawl_error *err);
void pawl_scorer_free_templates(struct pawl_template **ts, size_t n);

/* `key: true|false`, `def` when absent; `'trim' must be true or false` otherwise. */
int pawl_scorer_get_bool(int *out, const struct pawl_node *map, const char *key, int def,
                         const char *source, struct pawl_error *err);

/* pawl_template_check() over `n` templates, skipping NULL ones. */
int pawl_scorer_check_templates(struct pawl_template *const *ts, size_t n, const json_t *vars,
                                struct pawl_error *err);

/* ---- shared states: functions with the signatures of the ops they fill ---- */

/*
 * The state of a scorer configured by one required `value` template
 * (contains, icontains, starts-with, equals). pawl_scorer_value_new() leaves
 * `trim` 0; equals reads its own `trim` key on top of it.
 */
struct pawl_scorer_value {
    struct pawl_template *value;
    int trim;
};

/*
 * Bound scorers (latency, cost): state is a heap `double` holding the entry's
 * required positive `max`; `unit` names it in the error ("milliseconds").
 * Free it with free().
 */
int pawl_scorer_max_new(void **out, const struct pawl_node *node, const char *source,
                        const char *unit, struct pawl_error *err);

int pawl_scorer_value_new(void **out, const struct pawl_node *node, const char *source,
                          struct pawl_error *err);
int pawl_scorer_value_check(const void *state, const json_t *vars, struct pawl_error *err);
void pawl_scorer_value_free(void *state);

/*
 * The state of a scorer configured by a `values` list and `ignore_case`
 * (default false): contains-any and contains-all.
 */
struct pawl_scorer_values {
    struct pawl_template **values;
    size_t n;
    int ignore_case;
};

int pawl_scorer_values_new(void **out, const struct pawl_node *node, const char *source,
                           struct pawl_error *err);
int pawl_scorer_values_check(const void *state, const json_t *vars, struct pawl_error *err);
void pawl_scorer_values_free(void *state);

/* Each of a values state's templates rendered for one case, and whether the output contains it. */
struct pawl_scorer_found {
    struct pawl_buf *texts;
    int *found;
    size_t n;
};

/*
 * pawl_scorer_find_each() over `st`, ignoring case when it says so. `out` is
 * filled either way; release it with pawl_scorer_found_release().
 */
int pawl_scorer_values_find(struct pawl_scorer_found *out, const struct pawl_scorer_values *st,
                            const struct pawl_scorer_input *in, struct pawl_score *score);
void pawl_scorer_found_release(struct pawl_scorer_found *f);

/* ---- scoring helpers ---- */

/* Room for one quoted value: 200 bytes of text, each byte possibly escaped as \xNN. */
#define PAWL_QUOTE_MAX 200
#define PAWL_QUOTE_SIZE (PAWL_QUOTE_MAX * 4 + 8)

/*
 * Writes `'text'` into `out` (PAWL_QUOTE_SIZE bytes) for a comment: newlines,
 * tabs and other control bytes escaped (\n, \t, \xNN), and anything past
 * PAWL_QUOTE_MAX bytes cut at a character boundary and replaced by "...",
 * so `'very long...'`. Returns `out`.
 */
char *pawl_scorer_quote(char *out, const char *s, size_t len);

/* Like pawl_scorer_quote() but without the quotes, for JSON text. */
char *pawl_scorer_clip(char *out, const char *s, size_t len);

/* Sets a BOOLEAN score (value 1/0) and its comment. */
void pawl_score_set(struct pawl_score *out, int passed, const char *fmt, ...) PAWL_PRINTF(3, 4);

/* Sets an errored score: passed 0, value 0, the reason in the comment. */
void pawl_score_error(struct pawl_score *out, const char *fmt, ...) PAWL_PRINTF(2, 3);

/*
 * Renders `t` for the case into `buf` (reset first). On failure sets an
 * errored score in `out` naming the reason and returns -1.
 */
int pawl_scorer_render(struct pawl_buf *buf, const struct pawl_template *t,
                       const struct pawl_scorer_input *in, struct pawl_score *out);

/* First occurrence of `needle` in `hay`, byte-wise; NULL when absent (empty needle: hay). */
const char *pawl_scorer_find(const char *hay, size_t hay_len, const char *needle,
                             size_t needle_len);

/*
 * Renders each of `n` templates into texts[i] (caller releases) and sets
 * found[i] when the output contains it, folding case first when `fold`.
 * Returns -1 after setting an errored score: missing variable, invalid
 * UTF-8, or a value that rendered empty (`'value' rendered to an empty
 * string`, or `'values' item 2 ...` when `list`), since an empty needle
 * would pass every output.
 */
int pawl_scorer_find_each(int *found, struct pawl_buf *texts, struct pawl_template *const *ts,
                          size_t n, const char *key, int list, int fold,
                          const struct pawl_scorer_input *in, struct pawl_score *out);

/* The errored score for an empty needle, worded as pawl_scorer_find_each() words it. */
void pawl_score_empty_value(struct pawl_score *out, const char *key, int list, size_t i);

/*
 * Unicode case folding in NFC (utf8proc CASEFOLD | COMPOSE | STABLE), so
 * `ÉCOLE` folds like `école` and `Straße` like `STRASSE`. *out is malloc'd.
 * Returns -1 when `s` is not valid UTF-8.
 */
int pawl_scorer_fold(char **out, size_t *out_len, const char *s, size_t len);

#endif
