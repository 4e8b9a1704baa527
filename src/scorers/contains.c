/* contains: the rendered `value` occurs in the output, byte for byte. */
#include <stdlib.h>

#include "pawl/alloc.h"
#include "scorer_impl.h"

struct state {
    struct pawl_template *value;
};

static const char *const keys[] = {"value", NULL};

static void state_free(void *p)
{
    struct state *st = p;

    pawl_template_free(st->value);
    free(st);
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));

    *out = st;
    return pawl_scorer_compile_key(&st->value, node, "value", 1, source, err);
}

static int check(const void *p, const json_t *vars, struct pawl_error *err)
{
    const struct state *st = p;

    return pawl_scorer_check_templates(&st->value, 1, vars, err);
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct state *st = p;
    struct pawl_buf want = PAWL_BUF_INIT;
    char q[PAWL_QUOTE_SIZE];
    int found = 0;

    if (pawl_scorer_find_each(&found, &want, &st->value, 1, "value", 0, 0, in, out) == 0)
        pawl_score_set(out, found, found ? "output contains %s" : "output does not contain %s",
                       pawl_scorer_quote(q, want.ptr, want.len));
    pawl_buf_release(&want);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_contains_ops = {
    .type = "contains",
    .keys = keys,
    .init = init,
    .check = check,
    .score = score,
    .free = state_free,
};
