#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "tokenize.h"

/* ---- the vocabulary: an open-addressing table of token texts ---- */

struct pawl_vocab {
    struct pawl_buf text; /* every distinct token, back to back */
    size_t *off;          /* by id: where its text starts in `text` */
    size_t *len;
    uint64_t *hash;
    size_t n, alloc;
    uint32_t *slots; /* id + 1, or 0 when free; a power of two long */
    size_t n_slots;
};

struct pawl_vocab *pawl_vocab_new(void)
{
    struct pawl_vocab *v = pawl_xcalloc(1, sizeof(*v));

    pawl_buf_init(&v->text, 0);
    v->n_slots = 64;
    v->slots = pawl_xcalloc(v->n_slots, sizeof(*v->slots));
    return v;
}

void pawl_vocab_free(struct pawl_vocab *v)
{
    if (!v)
        return;
    pawl_buf_release(&v->text);
    free(v->off);
    free(v->len);
    free(v->hash);
    free(v->slots);
    free(v);
}

/* FNV-1a: tokens are short, so a simple byte hash is as fast as anything. */
static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037u;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return h;
}

static void rehash(struct pawl_vocab *v)
{
    size_t n_slots = v->n_slots * 2, i;
    uint32_t *slots = pawl_xcalloc(n_slots, sizeof(*slots));

    for (i = 0; i < v->n; i++) {
        size_t j = (size_t)v->hash[i] & (n_slots - 1);
        while (slots[j])
            j = (j + 1) & (n_slots - 1);
        slots[j] = (uint32_t)(i + 1);
    }
    free(v->slots);
    v->slots = slots;
    v->n_slots = n_slots;
}

static uint32_t intern(struct pawl_vocab *v, const char *s, size_t len)
{
    uint64_t h = hash_bytes(s, len);
    size_t j = (size_t)h & (v->n_slots - 1), id;

    for (; v->slots[j]; j = (j + 1) & (v->n_slots - 1)) {
        id = v->slots[j] - 1;
        if (v->hash[id] == h && v->len[id] == len && memcmp(v->text.ptr + v->off[id], s, len) == 0)
            return (uint32_t)id;
    }
    id = v->n;
    if (v->n + 1 > v->alloc) {
        size_t alloc = v->alloc;
        PAWL_ALLOC_GROW(v->off, v->n + 1, alloc);
        alloc = v->alloc;
        PAWL_ALLOC_GROW(v->len, v->n + 1, alloc);
        alloc = v->alloc;
        PAWL_ALLOC_GROW(v->hash, v->n + 1, alloc);
        v->alloc = alloc;
    }
    v->off[id] = v->text.len;
    v->len[id] = len;
    v->hash[id] = h;
    pawl_buf_add(&v->text, s, len);
    v->slots[j] = (uint32_t)(id + 1);
    v->n++;
    /* Keep the table at most half full so probes stay short. */
    if (v->n * 2 > v->n_slots)
        rehash(v);
    return (uint32_t)id;
}

/* ---- splitting ---- */

enum cp_class { CP_SEP, CP_WORD, CP_MARK, CP_IDEO };

static int is_ideograph(utf8proc_int32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x323AF);
}

static enum cp_class classify(utf8proc_int32_t cp)
{
    if (is_ideograph(cp))
        return CP_IDEO;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return CP_WORD;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return CP_MARK;
    default:
        return CP_SEP;
    }
}

struct splitter {
    struct pawl_tokens *out;
    struct pawl_vocab *vocab;
    struct pawl_buf scratch; /* an ASCII token in lower case */
    size_t alloc, max;
};

/* Folds and interns s[0..len); -1 when that would make more than `max` tokens. */
static int emit(struct splitter *sp, const char *s, size_t len)
{
    char *folded = NULL;
    size_t flen, i;
    int ascii = 1;

    if (sp->out->n >= sp->max)
        return -1;
    for (i = 0; i < len && ascii; i++)
        ascii = !((unsigned char)s[i] & 0x80);
    PAWL_ALLOC_GROW(sp->out->ids, sp->out->n + 1, sp->alloc);
    if (ascii) {
        /* Most tokens: skip utf8proc and a malloc per token. */
        pawl_buf_reset(&sp->scratch);
        for (i = 0; i < len; i++)
            pawl_buf_putc(&sp->scratch,
                          s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i]);
        sp->out->ids[sp->out->n++] = intern(sp->vocab, sp->scratch.ptr, sp->scratch.len);
        return 0;
    }
    /* The token was read as valid UTF-8, so folding cannot fail. */
    if (pawl_scorer_fold(&folded, &flen, s, len) < 0)
        flen = 0;
    sp->out->ids[sp->out->n++] = intern(sp->vocab, folded ? folded : "", flen);
    free(folded);
    return 0;
}

void pawl_tokens_release(struct pawl_tokens *t)
{
    free(t->ids);
    t->ids = NULL;
    t->n = 0;
}

int pawl_tokens_split(struct pawl_tokens *out, struct pawl_vocab *vocab, const char *s, size_t len,
                      size_t max)
{
    struct splitter sp = {out, vocab, PAWL_BUF_INIT, 0, max};
    size_t pos = 0, start = 0;
    enum cp_class open = CP_SEP; /* the kind of token being read; CP_SEP when none is */
    int rc = 0;

    pawl_tokens_release(out);
    while (pos < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)s + pos, (utf8proc_ssize_t)(len - pos), &cp);
        enum cp_class raw, c;

        if (n <= 0) {
            rc = PAWL_TOKENS_INVALID;
            goto done;
        }
        c = raw = classify(cp);
        /* A mark belongs to what it follows: it continues an open token (an
         * accent on a letter) and is dropped after a separator (U+FE0F, which
         * asks for an emoji's colour form, follows a dropped symbol). */
        if (c == CP_MARK)
            c = open;
        if (open != CP_SEP && (c != open || raw == CP_IDEO)) {
            if (emit(&sp, s + start, pos - start) < 0) {
                rc = PAWL_TOKENS_TOO_MANY;
                goto done;
            }
            open = CP_SEP;
        }
        if (c != CP_SEP && open == CP_SEP) {
            start = pos;
            open = c;
        }
        pos += (size_t)n;
    }
    if (open != CP_SEP && emit(&sp, s + start, len - start) < 0)
        rc = PAWL_TOKENS_TOO_MANY;
done:
    pawl_buf_release(&sp.scratch);
    if (rc < 0)
        pawl_tokens_release(out);
    return rc;
}

/* ---- what rouge-l and bleu share ---- */

int pawl_tokens_output(struct pawl_tokens *out, struct pawl_vocab *vocab, size_t max,
                       const char *metric, const struct pawl_scorer_input *in,
                       struct pawl_score *score)
{
    int rc = pawl_tokens_split(out, vocab, in->output, in->output_len, max);

    if (rc == PAWL_TOKENS_INVALID)
        pawl_score_error(score, "output is not valid UTF-8");
    else if (rc == PAWL_TOKENS_TOO_MANY)
        pawl_score_error(score, "output has more than %zu tokens (the %s limit)", max, metric);
    return rc < 0 ? -1 : 0;
}

int pawl_tokens_reference(struct pawl_tokens *out, struct pawl_vocab *vocab,
                          const struct pawl_template *t, const char *key, int list, size_t i,
                          size_t max, const char *metric, const struct pawl_scorer_input *in,
                          struct pawl_score *score)
{
    struct pawl_buf text = PAWL_BUF_INIT;
    char what[64];
    int rc;

    if (list)
        snprintf(what, sizeof(what), "'%s' item %zu", key, i + 1);
    else
        snprintf(what, sizeof(what), "'%s'", key);
    if ((rc = pawl_scorer_render(&text, t, in, score)) < 0)
        goto done;
    rc = pawl_tokens_split(out, vocab, text.ptr, text.len, max);
    if (rc == PAWL_TOKENS_INVALID)
        pawl_score_error(score, "%s rendered to invalid UTF-8", what);
    else if (rc == PAWL_TOKENS_TOO_MANY)
        pawl_score_error(score, "%s has more than %zu tokens (the %s limit)", what, max, metric);
    else if (out->n == 0) {
        pawl_score_error(score, "%s rendered to no tokens", what);
        rc = -1;
    }
done:
    pawl_buf_release(&text);
    return rc < 0 ? -1 : 0;
}

/* Would the printed numbers `a` and `b` say what `passed` says? */
static int agrees(const char *a, const char *b, int passed)
{
    return (strtod(a, NULL) >= strtod(b, NULL)) == passed;
}

void pawl_tokens_score(struct pawl_score *out, const char *metric, double value, double threshold,
                       const char *detail)
{
    char v[64], t[64];
    int passed = value >= threshold, digits;

    for (digits = 2; digits <= 9; digits++) {
        snprintf(v, sizeof(v), "%.*f", digits, value);
        snprintf(t, sizeof(t), "%.*f", digits, threshold);
        if (agrees(v, t, passed))
            break;
    }
    if (digits > 9) {
        snprintf(v, sizeof(v), "%.17g", value);
        snprintf(t, sizeof(t), "%.17g", threshold);
    }
    pawl_score_set(out, passed, "%s %s %s %s (%s)", metric, v, passed ? ">=" : "<", t, detail);
    out->type = PAWL_SCORE_NUMERIC;
    out->value = value;
}

int pawl_tokens_get_threshold(double *out, const struct pawl_node *map, const char *key, double def,
                              const char *source, struct pawl_error *err)
{
    const struct pawl_node *n = pawl_node_get(map, key);

    *out = def;
    if (n && (pawl_node_as_double(n, out) < 0 || !(*out >= 0 && *out <= 1)))
        return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col,
                              "'%s' must be a number from 0 to 1", key);
    return 0;
}

int pawl_tokens_compile_value(struct pawl_template **out, const struct pawl_node *map,
                              const char *key, const char *source, struct pawl_error *err)
{
    if (pawl_node_get(map, key))
        return pawl_scorer_compile_key(out, map, key, 1, source, err);
    return pawl_template_compile(out, "{{expected_output}}", source, map->line, map->col, err);
}
