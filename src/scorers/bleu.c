/*
 * bleu: sentence-level BLEU-4 (Papineni et al. 2002) of the output against
 * one or more references, over the tokens of tokenize.h. NUMERIC, passed
 * when the score >= threshold.
 *
 * p_n is the clipped n-gram precision: each output n-gram counts at most
 * as often as it occurs in the one reference where it occurs most. The
 * score is BP * exp(sum of ln p_n / 4) for n = 1..4, with the brevity
 * penalty BP = exp(1 - r/c) when the output's c tokens are not more than
 * r, the length of the reference closest to c (the shorter on a tie).
 *
 * One output rarely shares a 4-gram with a reference, and unsmoothed BLEU
 * is then 0 whatever else matches. So the precisions are smoothed the way
 * Lin & Och (2004) did ("BLEU+1"): p_n = (m_n + 1) / (l_n + 1) for n > 1,
 * p_1 left as it is. It has no free parameter (Chen & Cherry's method 1
 * needs an epsilon, and the score moves with it), it is what sentence
 * BLEU in MT tuning has used for years, and it equals sacrebleu's
 * smooth_method="add-k" with k = 1 on the same tokens. No unigram in
 * common still scores 0.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "tokenize.h"

#define BLEU_MAX 100000
#define BLEU_N 4

struct state {
    struct pawl_template **refs;
    size_t n_refs;
    int list; /* from `values`, so messages say `'values' item 2` */
    double threshold;
};

static const char *const keys[] = {"value", "values", "threshold", NULL};

static void state_free(void *p)
{
    struct state *st = p;

    if (!st)
        return;
    pawl_scorer_free_templates(st->refs, st->n_refs);
    free(st);
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));
    int rc;

    *out = st;
    if (pawl_node_get(node, "values")) {
        if (pawl_node_get(node, "value")) {
            const struct pawl_node *k = pawl_node_key(node, "values");
            return pawl_error_set(err, PAWL_ECONFIG, source, k->line, k->col,
                                  "'value' and 'values' cannot be used together");
        }
        if ((rc = pawl_scorer_compile_list(&st->refs, &st->n_refs, node, "values", source, err)) <
            0)
            return rc;
        st->list = 1;
    } else {
        st->refs = pawl_xcalloc(1, sizeof(*st->refs));
        st->n_refs = 1;
        if ((rc = pawl_tokens_compile_value(&st->refs[0], node, "value", source, err)) < 0)
            return rc;
    }
    return pawl_tokens_get_threshold(&st->threshold, node, "threshold", 0.3, source, err);
}

static int check(const void *p, const json_t *vars, struct pawl_error *err)
{
    const struct state *st = p;

    return pawl_scorer_check_templates(st->refs, st->n_refs, vars, err);
}

/* ---- the output's n-grams, with their counts ---- */

struct gram {
    const uint32_t *ids; /* into the output's tokens */
    uint64_t hash;
    unsigned order;
    size_t got;   /* occurrences in the output */
    size_t best;  /* most occurrences in one reference so far */
    size_t cur;   /* occurrences in the reference being counted */
    size_t stamp; /* 1 + the reference `cur` counts, 0 before any */
};

struct grams {
    struct gram *g;
    size_t n;
    uint32_t *slots; /* index + 1, or 0 when free; a power of two long */
    size_t n_slots;
};

static uint64_t gram_hash(const uint32_t *ids, unsigned order)
{
    uint64_t h = order;
    unsigned k;

    for (k = 0; k < order; k++) {
        h ^= ids[k];
        h *= 0x9E3779B97F4A7C15u;
        h ^= h >> 29;
    }
    return h;
}

/* The entry for ids[0..order), added when `add` and absent; NULL when absent otherwise. */
static struct gram *gram_find(struct grams *t, const uint32_t *ids, unsigned order, int add)
{
    uint64_t h = gram_hash(ids, order);
    size_t j = (size_t)h & (t->n_slots - 1);
    struct gram *g;

    for (; t->slots[j]; j = (j + 1) & (t->n_slots - 1)) {
        g = &t->g[t->slots[j] - 1];
        if (g->hash == h && g->order == order && memcmp(g->ids, ids, order * sizeof(*ids)) == 0)
            return g;
    }
    if (!add)
        return NULL;
    g = &t->g[t->n];
    memset(g, 0, sizeof(*g));
    g->ids = ids;
    g->hash = h;
    g->order = order;
    t->slots[j] = (uint32_t)++t->n;
    return g;
}

static void grams_build(struct grams *t, const struct pawl_tokens *got)
{
    size_t cap = 0, i;
    unsigned n;

    for (n = 1; n <= BLEU_N; n++)
        cap += got->n >= n ? got->n - n + 1 : 0;
    t->g = pawl_xcalloc(cap ? cap : 1, sizeof(*t->g));
    /* At most half full, so probes stay short. */
    for (t->n_slots = 16; t->n_slots < 2 * cap; t->n_slots *= 2)
        ;
    t->slots = pawl_xcalloc(t->n_slots, sizeof(*t->slots));
    for (n = 1; n <= BLEU_N; n++)
        for (i = 0; i + n <= got->n; i++)
            gram_find(t, got->ids + i, n, 1)->got++;
}

static void grams_count_reference(struct grams *t, const struct pawl_tokens *ref, size_t stamp)
{
    size_t i;
    unsigned n;

    for (n = 1; n <= BLEU_N; n++)
        for (i = 0; i + n <= ref->n; i++) {
            struct gram *g = gram_find(t, ref->ids + i, n, 0);
            if (!g)
                continue;
            if (g->stamp != stamp) {
                g->stamp = stamp;
                g->cur = 0;
            }
            if (++g->cur > g->best)
                g->best = g->cur;
        }
}

static void grams_free(struct grams *t)
{
    free(t->g);
    free(t->slots);
}

/* ---- scoring ---- */

static size_t dist(size_t a, size_t b)
{
    return a > b ? a - b : b - a;
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct state *st = p;
    struct pawl_vocab *vocab = pawl_vocab_new();
    struct pawl_tokens *refs = pawl_xcalloc(st->n_refs, sizeof(*refs));
    struct pawl_tokens got = PAWL_TOKENS_INIT;
    struct grams t = {NULL, 0, NULL, 0};
    size_t match[BLEU_N + 1] = {0}, total[BLEU_N + 1] = {0}, r = 0, i;
    double log_p = 0, bp, bleu = 0;
    char detail[256];
    unsigned n;

    out->type = PAWL_SCORE_NUMERIC;
    for (i = 0; i < st->n_refs; i++)
        if (pawl_tokens_reference(&refs[i], vocab, st->refs[i], st->list ? "values" : "value",
                                  st->list, i, BLEU_MAX, "bleu", in, out) < 0)
            goto done;
    if (pawl_tokens_output(&got, vocab, BLEU_MAX, "bleu", in, out) < 0)
        goto done;
    if (got.n == 0) {
        pawl_tokens_score(out, "bleu", 0, st->threshold, "output has no tokens");
        goto done;
    }

    grams_build(&t, &got);
    for (i = 0; i < st->n_refs; i++) {
        size_t len = refs[i].n;
        grams_count_reference(&t, &refs[i], i + 1);
        /* The reference length closest to the output's; the shorter on a tie. */
        if (i == 0 || dist(len, got.n) < dist(r, got.n) ||
            (dist(len, got.n) == dist(r, got.n) && len < r))
            r = len;
    }
    for (i = 0; i < t.n; i++)
        match[t.g[i].order] += t.g[i].got < t.g[i].best ? t.g[i].got : t.g[i].best;
    for (n = 1; n <= BLEU_N; n++)
        total[n] = got.n >= n ? got.n - n + 1 : 0;

    bp = got.n > r ? 1 : exp(1 - (double)r / (double)got.n);
    if (match[1] > 0) {
        log_p = log((double)match[1] / (double)total[1]);
        for (n = 2; n <= BLEU_N; n++)
            log_p += log((double)(match[n] + 1) / (double)(total[n] + 1));
        bleu = bp * exp(log_p / BLEU_N);
    }
    snprintf(detail, sizeof(detail),
             "n-gram matches %zu/%zu, %zu/%zu, %zu/%zu, %zu/%zu; brevity penalty %.2f", match[1],
             total[1], match[2], total[2], match[3], total[3], match[4], total[4], bp);
    pawl_tokens_score(out, "bleu", bleu, st->threshold, detail);

done:
    grams_free(&t);
    for (i = 0; i < st->n_refs; i++)
        pawl_tokens_release(&refs[i]);
    free(refs);
    pawl_tokens_release(&got);
    pawl_vocab_free(vocab);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_bleu_ops = {
    .type = "bleu",
    .keys = keys,
    .init = init,
    .check = check,
    .score = score,
    .free = state_free,
};
