/*
 * levenshtein: how close the output is to the rendered `value` (default
 * `{{expected_output}}`), as 1 - distance / max(len_a, len_b), where the
 * distance counts single-character insertions, deletions and substitutions
 * and lengths count Unicode code points. Both texts are put in NFC first
 * (and case-folded with `ignore_case`), so `é` typed as one code point or as
 * `e` plus a combining accent is the same character.
 *
 * The score is NUMERIC: the similarity, passing at `threshold` or above.
 * The dynamic programme costs len_a * len_b steps, so texts longer than
 * MAX_CHARS code points give an errored score instead of minutes of CPU.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "pawl/alloc.h"
#include "scorer_impl.h"

#define MAX_CHARS 20000

struct state {
    struct pawl_template *value;
    int ignore_case;
    double threshold;
};

static const char *const keys[] = {"value", "ignore_case", "threshold", NULL};

static const char default_value[] = "{{expected_output}}";

static void state_free(void *p)
{
    struct state *st = p;

    if (!st)
        return;
    pawl_template_free(st->value);
    free(st);
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));
    const struct pawl_node *n;
    int rc;

    *out = st;
    if ((rc = pawl_scorer_compile_key(&st->value, node, "value", 0, source, err)) < 0)
        return rc;
    /* The default is located at the scorer's mapping, where a missing variable is reported. */
    if (!st->value && (rc = pawl_template_compile(&st->value, default_value, source, node->line,
                                                  node->col, err)) < 0)
        return rc;
    if ((rc = pawl_scorer_get_bool(&st->ignore_case, node, "ignore_case", 0, source, err)) < 0)
        return rc;
    st->threshold = 0.8;
    n = pawl_node_get(node, "threshold");
    if (n && (pawl_node_as_double(n, &st->threshold) < 0 || st->threshold < 0 || st->threshold > 1))
        return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col,
                              "'threshold' must be a number from 0 to 1");
    return 0;
}

static int check(const void *p, const json_t *vars, struct pawl_error *err)
{
    const struct state *st = p;

    return pawl_scorer_check_templates(&st->value, 1, vars, err);
}

enum { DECODE_OK = 0, DECODE_INVALID = -1, DECODE_TOO_LONG = -2 };

/*
 * The code points of `s` in NFC (case-folded when `fold`) into a new array.
 * DECODE_TOO_LONG with the count in *n when there are more than MAX_CHARS,
 * checked on the raw text first so a huge output costs one pass, not a
 * normalisation.
 */
static int decode(int32_t **out, size_t *n, const char *s, size_t len, int fold)
{
    utf8proc_uint8_t *norm = NULL;
    char *folded = NULL;
    const utf8proc_uint8_t *p;
    utf8proc_ssize_t m, step;
    size_t count = 0, i;
    int rc = DECODE_OK;

    *out = NULL;
    *n = 0;
    for (i = 0; i < len; i++)
        count += ((unsigned char)s[i] & 0xC0) != 0x80;
    if (count > MAX_CHARS) {
        *n = count;
        return DECODE_TOO_LONG;
    }
    if (fold) {
        if (pawl_scorer_fold(&folded, &len, s, len) < 0)
            return DECODE_INVALID;
        s = folded;
    } else if (len > 0) {
        m = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &norm,
                         UTF8PROC_COMPOSE | UTF8PROC_STABLE);
        if (m < 0)
            return DECODE_INVALID;
        s = (const char *)norm;
        len = (size_t)m;
    }
    *out = pawl_xcalloc(len + 1, sizeof(**out));
    for (p = (const utf8proc_uint8_t *)s, i = 0; i < len; i += (size_t)step) {
        step = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &(*out)[*n]);
        if (step < 0) {
            rc = DECODE_INVALID;
            goto done;
        }
        (*n)++;
    }
    if (*n > MAX_CHARS)
        rc = DECODE_TOO_LONG;

done:
    free(norm);
    free(folded);
    if (rc == DECODE_INVALID) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* Edit distance with two rows of the shorter text's length, after the shared ends are cut. */
static size_t distance(const int32_t *a, size_t la, const int32_t *b, size_t lb)
{
    uint32_t *prev, *cur, *tmp;
    size_t i, j, d;

    while (la > 0 && lb > 0 && a[0] == b[0])
        a++, b++, la--, lb--;
    while (la > 0 && lb > 0 && a[la - 1] == b[lb - 1])
        la--, lb--;
    if (la < lb) {
        const int32_t *t = a;
        size_t tl = la;
        a = b, la = lb;
        b = t, lb = tl;
    }
    if (lb == 0)
        return la;
    prev = pawl_xmalloc((lb + 1) * sizeof(*prev));
    cur = pawl_xmalloc((lb + 1) * sizeof(*cur));
    for (j = 0; j <= lb; j++)
        prev[j] = (uint32_t)j;
    for (i = 1; i <= la; i++) {
        cur[0] = (uint32_t)i;
        for (j = 1; j <= lb; j++) {
            uint32_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        tmp = prev, prev = cur, cur = tmp;
    }
    d = prev[lb];
    free(prev);
    free(cur);
    return d;
}

/*
 * The similarity with two decimals, or as many more (up to 10) as it takes
 * for the printed number to sit on the same side of the threshold as the
 * real one, and to read 0 or 1 only when it is: 0.7999 must not print as
 * 0.80 in "0.80 < 0.80", nor 0.9993 as 1.00.
 */
static char *show_similarity(char *out, size_t size, double sim, double threshold, int passed)
{
    int prec;

    for (prec = 2; prec <= 10; prec++) {
        double shown;
        snprintf(out, size, "%.*f", prec, sim);
        shown = strtod(out, NULL);
        if ((passed ? shown >= threshold : shown < threshold) && (shown == 1) == (sim == 1) &&
            (shown == 0) == (sim == 0))
            break;
    }
    return out;
}

/* At least two decimals, more when the threshold has them: 0.80, 0.825. */
static char *show_threshold(char *out, size_t size, double threshold)
{
    int prec;

    for (prec = 2; prec <= 17; prec++) {
        snprintf(out, size, "%.*f", prec, threshold);
        if (strtod(out, NULL) == threshold)
            break;
    }
    return out;
}

static void too_long(struct pawl_score *out, const char *what, size_t n)
{
    pawl_score_error(out, "%s has %zu characters, more than the %d levenshtein compares", what, n,
                     MAX_CHARS);
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct state *st = p;
    struct pawl_buf value = PAWL_BUF_INIT;
    int32_t *a = NULL, *b = NULL;
    size_t la, lb, longest, d;
    char ssim[32], sthr[32];
    double sim;
    int rc;

    /* NUMERIC even when errored, so every trial of the metric has one type. */
    out->type = PAWL_SCORE_NUMERIC;
    if (pawl_scorer_render(&value, st->value, in, out) < 0)
        goto done;
    rc = decode(&a, &la, in->output, in->output_len, st->ignore_case);
    if (rc == DECODE_INVALID) {
        pawl_score_error(out, "output is not valid UTF-8");
        goto done;
    }
    if (rc == DECODE_TOO_LONG) {
        too_long(out, "output", la);
        goto done;
    }
    rc = decode(&b, &lb, value.ptr, value.len, st->ignore_case);
    if (rc == DECODE_INVALID) {
        pawl_score_error(out, "'value' is not valid UTF-8");
        goto done;
    }
    if (rc == DECODE_TOO_LONG) {
        too_long(out, "'value'", lb);
        goto done;
    }
    longest = la > lb ? la : lb;
    d = distance(a, la, b, lb);
    /* A correctly rounded quotient, so exactly 4 of 5 characters meets a threshold of 0.8. */
    sim = longest == 0 ? 1.0 : (double)(longest - d) / (double)longest;
    out->value = sim;
    out->passed = sim >= st->threshold;
    out->errored = 0;
    show_similarity(ssim, sizeof(ssim), sim, st->threshold, out->passed);
    show_threshold(sthr, sizeof(sthr), st->threshold);
    free(out->comment);
    out->comment = pawl_xasprintf("similarity %s %s %s (%zu edit%s over %zu character%s)", ssim,
                                  out->passed ? ">=" : "<", sthr, d, d == 1 ? "" : "s", longest,
                                  longest == 1 ? "" : "s");

done:
    free(a);
    free(b);
    pawl_buf_release(&value);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_levenshtein_ops = {
    .type = "levenshtein",
    .keys = keys,
    .init = init,
    .check = check,
    .score = score,
    .free = state_free,
};
