/* contains: the rendered `value` occurs in the output, byte for byte. */
#include "scorer_impl.h"

static const char *const keys[] = {"value", NULL};

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct pawl_scorer_value *st = p;
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
    .init = pawl_scorer_value_new,
    .check = pawl_scorer_value_check,
    .score = score,
    .free = pawl_scorer_value_free,
};
