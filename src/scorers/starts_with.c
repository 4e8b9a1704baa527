/* starts-with: the output begins with the rendered `value`, byte for byte (no trimming). */
#include <string.h>

#include "scorer_impl.h"

static const char *const keys[] = {"value", NULL};

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct pawl_scorer_value *st = p;
    struct pawl_buf want = PAWL_BUF_INIT;
    char q[PAWL_QUOTE_SIZE];
    int found;

    if (pawl_scorer_render(&want, st->value, in, out) < 0)
        goto done;
    if (want.len == 0) {
        pawl_score_empty_value(out, "value", 0, 0);
        goto done;
    }
    found = in->output_len >= want.len && memcmp(in->output, want.ptr, want.len) == 0;
    pawl_score_set(out, found, found ? "output starts with %s" : "output does not start with %s",
                   pawl_scorer_quote(q, want.ptr, want.len));

done:
    pawl_buf_release(&want);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_starts_with_ops = {
    .type = "starts-with",
    .keys = keys,
    .init = pawl_scorer_value_new,
    .check = pawl_scorer_value_check,
    .score = score,
    .free = pawl_scorer_value_free,
};
