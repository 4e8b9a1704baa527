/* equals: the output equals the rendered `value`, by default ignoring surrounding whitespace. */
#include <string.h>

#include "scorer_impl.h"

static const char *const keys[] = {"value", "trim", NULL};

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct pawl_scorer_value *st;
    int rc;

    if ((rc = pawl_scorer_value_new(out, node, source, err)) < 0)
        return rc;
    st = *out;
    return pawl_scorer_get_bool(&st->trim, node, "trim", 1, source, err);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && is_space((*s)[0])) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && is_space((*s)[*len - 1]))
        (*len)--;
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct pawl_scorer_value *st = p;
    struct pawl_buf want = PAWL_BUF_INIT;
    char qo[PAWL_QUOTE_SIZE], qw[PAWL_QUOTE_SIZE];
    const char *o = in->output, *w;
    size_t olen = in->output_len, wlen;

    if (pawl_scorer_render(&want, st->value, in, out) < 0)
        goto done;
    w = want.ptr;
    wlen = want.len;
    if (st->trim) {
        trim(&o, &olen);
        trim(&w, &wlen);
    }
    pawl_scorer_quote(qw, w, wlen);
    if (olen == wlen && memcmp(o, w, olen) == 0)
        pawl_score_set(out, 1, "output equals %s", qw);
    else
        pawl_score_set(out, 0, "output %s does not equal %s", pawl_scorer_quote(qo, o, olen), qw);

done:
    pawl_buf_release(&want);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_equals_ops = {
    .type = "equals",
    .keys = keys,
    .init = init,
    .check = pawl_scorer_value_check,
    .score = score,
    .free = pawl_scorer_value_free,
};
