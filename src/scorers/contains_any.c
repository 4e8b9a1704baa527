/* contains-any: at least one of the rendered `values` occurs in the output. */
#include <stdlib.h>

#include "pawl/alloc.h"
#include "scorer_impl.h"

struct state {
    struct pawl_template **values;
    size_t n;
    int ignore_case;
};

static const char *const keys[] = {"values", "ignore_case", NULL};

static void state_free(void *p)
{
    struct state *st = p;

    pawl_scorer_free_templates(st->values, st->n);
    free(st);
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));
    int rc;

    *out = st;
    if ((rc = pawl_scorer_compile_list(&st->values, &st->n, node, "values", source, err)) < 0)
        return rc;
    return pawl_scorer_get_bool(&st->ignore_case, node, "ignore_case", 0, source, err);
}

static int check(const void *p, const json_t *vars, struct pawl_error *err)
{
    const struct state *st = p;

    return pawl_scorer_check_templates(st->values, st->n, vars, err);
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct state *st = p;
    struct pawl_buf *texts = pawl_xcalloc(st->n, sizeof(*texts));
    int *found = pawl_xcalloc(st->n, sizeof(*found));
    struct pawl_buf list = PAWL_BUF_INIT;
    const char *suffix = st->ignore_case ? " (ignoring case)" : "";
    char q[PAWL_QUOTE_SIZE];
    size_t i;

    if (pawl_scorer_find_each(found, texts, st->values, st->n, "values", 1, st->ignore_case, in,
                              out) < 0)
        goto done;
    for (i = 0; i < st->n; i++) {
        if (found[i]) {
            pawl_score_set(out, 1, "output contains %s%s",
                           pawl_scorer_quote(q, texts[i].ptr, texts[i].len), suffix);
            goto done;
        }
        pawl_buf_printf(&list, "%s%s", i ? ", " : "",
                        pawl_scorer_quote(q, texts[i].ptr, texts[i].len));
    }
    pawl_score_set(out, 0, "output contains none of %s%s", list.ptr, suffix);

done:
    for (i = 0; i < st->n; i++)
        pawl_buf_release(&texts[i]);
    free(texts);
    free(found);
    pawl_buf_release(&list);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_contains_any_ops = {
    .type = "contains-any",
    .keys = keys,
    .init = init,
    .check = check,
    .score = score,
    .free = state_free,
};
