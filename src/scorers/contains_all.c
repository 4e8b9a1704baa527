/* contains-all: every one of the rendered `values` occurs in the output. */
#include "scorer_impl.h"

static const char *const keys[] = {"values", "ignore_case", NULL};

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct pawl_scorer_values *st = p;
    struct pawl_scorer_found f;
    struct pawl_buf list = PAWL_BUF_INIT;
    const char *suffix = st->ignore_case ? " (ignoring case)" : "";
    char q[PAWL_QUOTE_SIZE];
    size_t i;

    if (pawl_scorer_values_find(&f, st, in, out) < 0)
        goto done;
    for (i = 0; i < st->n; i++) {
        if (!f.found[i])
            pawl_buf_printf(&list, "%s%s", list.len ? ", " : "",
                            pawl_scorer_quote(q, f.texts[i].ptr, f.texts[i].len));
    }
    if (list.len) {
        pawl_score_set(out, 0, "output does not contain %s%s", list.ptr, suffix);
        goto done;
    }
    for (i = 0; i < st->n; i++)
        pawl_buf_printf(&list, "%s%s", i ? ", " : "",
                        pawl_scorer_quote(q, f.texts[i].ptr, f.texts[i].len));
    pawl_score_set(out, 1, "output contains all of %s%s", list.ptr, suffix);

done:
    pawl_scorer_found_release(&f);
    pawl_buf_release(&list);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_contains_all_ops = {
    .type = "contains-all",
    .keys = keys,
    .init = pawl_scorer_values_new,
    .check = pawl_scorer_values_check,
    .score = score,
    .free = pawl_scorer_values_free,
};
