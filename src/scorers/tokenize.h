/*
 * tokenize.h - the words that the text-overlap scorers (rouge-l, bleu)
 * compare, and the NUMERIC score they both give.
 *
 * Splitting, over the text's code points:
 * - Letters (Unicode categories L*) and numbers (N*) make up words: a
 *   token is a maximal run of them.
 * - Each CJK ideograph is a token of its own (U+3400-4DBF, U+4E00-9FFF,
 *   U+F900-FAFF, U+20000-323AF), as Chinese and Japanese put no spaces
 *   between words. Kana and Hangul are letters and make words.
 * - A combining mark (M*) stays with the token it follows; after anything
 *   else it is dropped with it.
 * - Everything else (spaces, punctuation, symbols, emoji, controls) ends a
 *   token and is dropped: "don't" is `don` `t`, "3.14" is `3` `14`.
 * Each token is then put in NFC and case folded (utf8proc, as icontains
 * does), so `École`, `ÉCOLE` and a decomposed `E` + U+0301 `cole` are one
 * token.
 *
 * Tokens are interned: each distinct token gets a small integer id from a
 * vocabulary shared by the texts being compared, so comparing two tokens
 * is comparing two integers. One vocabulary per scoring call; it is not
 * safe to share between threads.
 */
#ifndef PAWL_SCORERS_TOKENIZE_H
#define PAWL_SCORERS_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#include "scorer_impl.h"

struct pawl_vocab;

struct pawl_vocab *pawl_vocab_new(void);
void pawl_vocab_free(struct pawl_vocab *v); /* NULL is a no-op */

/* A text as token ids; caller-owned, released with pawl_tokens_release(). */
struct pawl_tokens {
    uint32_t *ids;
    size_t n;
};

#define PAWL_TOKENS_INIT {NULL, 0}

#define PAWL_TOKENS_INVALID (-1)  /* the text is not valid UTF-8 */
#define PAWL_TOKENS_TOO_MANY (-2) /* the text has more than `max` tokens */

/*
 * Splits `s` into `out` (released first) with ids from `vocab`. Returns 0,
 * PAWL_TOKENS_INVALID or PAWL_TOKENS_TOO_MANY; it stops reading at the
 * token past `max`, so a huge text costs little to refuse.
 */
int pawl_tokens_split(struct pawl_tokens *out, struct pawl_vocab *vocab, const char *s, size_t len,
                      size_t max);
void pawl_tokens_release(struct pawl_tokens *t);

/*
 * Splits the output for `metric` (its name in messages). On failure sets an
 * errored score, `output is not valid UTF-8` or `output has more than 10000
 * tokens (the rouge-l limit)`, and returns -1. An output without tokens is
 * not an error: it scores 0.
 */
int pawl_tokens_output(struct pawl_tokens *out, struct pawl_vocab *vocab, size_t max,
                       const char *metric, const struct pawl_scorer_input *in,
                       struct pawl_score *score);

/*
 * Renders the reference template `t` and splits it. On failure sets an
 * errored score naming it as `'value'` (or `'values' item 2` when `list`,
 * with `i` 0-based) and returns -1: a missing variable, `... rendered to
 * invalid UTF-8`, `... rendered to no tokens` (a reference without words
 * would make every output score 0 or 1 for no reason), or `... has more
 * than 10000 tokens (the rouge-l limit)`.
 */
int pawl_tokens_reference(struct pawl_tokens *out, struct pawl_vocab *vocab,
                          const struct pawl_template *t, const char *key, int list, size_t i,
                          size_t max, const char *metric, const struct pawl_scorer_input *in,
                          struct pawl_score *score);

/*
 * Sets a NUMERIC score: `value` (0..1), passed when value >= threshold, and
 * the comment `rouge-l 0.67 < 0.70 (detail)`. Two decimals, or more when
 * two would print a relation that does not hold (0.499 against 0.5).
 */
void pawl_tokens_score(struct pawl_score *out, const char *metric, double value, double threshold,
                       const char *detail);

/*
 * Reads an optional number from 0 to 1 under `key` into *out (`def` when
 * absent): `'threshold' must be a number from 0 to 1`.
 */
int pawl_tokens_get_threshold(double *out, const struct pawl_node *map, const char *key, double def,
                              const char *source, struct pawl_error *err);

/*
 * Compiles the template under `key`, or `{{expected_output}}` located at
 * the scorer's mapping when the key is absent.
 */
int pawl_tokens_compile_value(struct pawl_template **out, const struct pawl_node *map,
                              const char *key, const char *source, struct pawl_error *err);

#endif
