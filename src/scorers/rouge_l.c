/*
 * rouge-l: how much of the reference's word order the output keeps, as the
 * F-measure of the longest common subsequence (LCS) of their tokens
 * (Lin 2004): P = LCS / output tokens, R = LCS / reference tokens,
 * F = (1 + beta^2) P R / (R + beta^2 P). NUMERIC, passed when F >= threshold.
 *
 * The LCS costs time in the product of the two lengths, so each side is
 * capped at ROUGE_L_MAX tokens (an errored score beyond), and a common
 * prefix and suffix, which always belong to some LCS, are matched first.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pawl/alloc.h"
#include "tokenize.h"

#define ROUGE_L_MAX 10000

struct state {
    struct pawl_template *value;
    double threshold;
    double beta;
};

static const char *const keys[] = {"value", "threshold", "beta", NULL};

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
    if ((rc = pawl_tokens_compile_value(&st->value, node, "value", source, err)) < 0 ||
        (rc = pawl_tokens_get_threshold(&st->threshold, node, "threshold", 0.5, source, err)) < 0)
        return rc;
    st->beta = 1;
    if ((n = pawl_node_get(node, "beta")) &&
        (pawl_node_as_double(n, &st->beta) < 0 || st->beta <= 0))
        return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col,
                              "'beta' must be a positive number");
    return 0;
}

static int check(const void *p, const json_t *vars, struct pawl_error *err)
{
    const struct state *st = p;

    return pawl_scorer_check_templates(&st->value, 1, vars, err);
}

/* Length of the LCS of a[0..na) and b[0..nb), in O(na * nb) time and O(nb) memory. */
static size_t lcs(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t pre = 0, i, j, len;
    uint32_t *row;

    while (pre < na && pre < nb && a[pre] == b[pre])
        pre++;
    a += pre;
    b += pre;
    na -= pre;
    nb -= pre;
    len = pre;
    while (na > 0 && nb > 0 && a[na - 1] == b[nb - 1]) {
        na--;
        nb--;
        len++;
    }
    if (na == 0 || nb == 0)
        return len;
    /* One row: row[j] is the LCS of a[0..i) and b[0..j); `diag` holds the
     * previous row's row[j - 1] before it is overwritten. */
    row = pawl_xcalloc(nb + 1, sizeof(*row));
    for (i = 0; i < na; i++) {
        uint32_t diag = 0;
        for (j = 1; j <= nb; j++) {
            uint32_t up = row[j];
            if (a[i] == b[j - 1])
                row[j] = diag + 1;
            else if (row[j - 1] > up)
                row[j] = row[j - 1];
            diag = up;
        }
    }
    len += row[nb];
    free(row);
    return len;
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct state *st = p;
    struct pawl_vocab *vocab = pawl_vocab_new();
    struct pawl_tokens ref = PAWL_TOKENS_INIT, got = PAWL_TOKENS_INIT;
    char detail[160];
    double prec, rec, f = 0, b2 = st->beta * st->beta;
    size_t common;

    out->type = PAWL_SCORE_NUMERIC;
    if (pawl_tokens_reference(&ref, vocab, st->value, "value", 0, 0, ROUGE_L_MAX, "rouge-l", in,
                              out) < 0 ||
        pawl_tokens_output(&got, vocab, ROUGE_L_MAX, "rouge-l", in, out) < 0)
        goto done;
    if (got.n == 0) {
        pawl_tokens_score(out, "rouge-l", 0, st->threshold, "output has no tokens");
        goto done;
    }
    common = lcs(got.ids, got.n, ref.ids, ref.n);
    if (common > 0) {
        prec = (double)common / (double)got.n;
        rec = (double)common / (double)ref.n;
        f = (1 + b2) * prec * rec / (rec + b2 * prec);
    }
    snprintf(detail, sizeof(detail), "LCS %zu of %zu output and %zu reference tokens", common,
             got.n, ref.n);
    pawl_tokens_score(out, "rouge-l", f, st->threshold, detail);

done:
    pawl_tokens_release(&ref);
    pawl_tokens_release(&got);
    pawl_vocab_free(vocab);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_rouge_l_ops = {
    .type = "rouge-l",
    .keys = keys,
    .init = init,
    .check = check,
    .score = score,
    .free = state_free,
};
