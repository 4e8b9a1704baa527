/*
 * tokens: the call used at most `max` tokens of one `kind`, read from its
 * usage in whichever vocabulary the API used: OpenAI's prompt_tokens,
 * completion_tokens and total_tokens, or Anthropic's input_tokens and
 * output_tokens. A count that is not there is errored rather than passed,
 * as for cost: an unknown count bounds nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "scorer_impl.h"

enum kind { KIND_TOTAL, KIND_INPUT, KIND_OUTPUT };

static const char *const kinds[] = {"total", "input", "output", NULL};

struct state {
    long max;
    enum kind kind;
};

static const char *const keys[] = {"max", "kind", NULL};

static void state_free(void *p)
{
    free(p);
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));
    const struct pawl_node *n = pawl_node_get(node, "max");
    const char *hint;
    size_t i;

    *out = st;
    if (!n)
        return pawl_error_set(err, PAWL_ECONFIG, source, node->line, node->col,
                              "missing required key 'max'");
    if (pawl_node_as_long(n, &st->max) < 0 || st->max <= 0)
        return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col,
                              "'max' must be a positive integer");
    st->kind = KIND_TOTAL;
    if (!(n = pawl_node_get(node, "kind")))
        return 0;
    for (i = 0; n->kind == PAWL_NODE_SCALAR && kinds[i]; i++)
        if (strcmp(n->value, kinds[i]) == 0) {
            st->kind = (enum kind)i;
            return 0;
        }
    hint = n->kind == PAWL_NODE_SCALAR ? pawl_suggest(n->value, kinds) : NULL;
    if (hint)
        return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col,
                              "'kind' must be total, input or output (did you mean '%s'?)", hint);
    return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col,
                          "'kind' must be total, input or output");
}

/* The count under `key`, or -1 when it is not a number of at least 0. */
static double count(const json_t *usage, const char *key)
{
    const json_t *v = json_object_get(usage, key);

    return json_is_number(v) && json_number_value(v) >= 0 ? json_number_value(v) : -1;
}

/* The first of two names the count may have, or -1. */
static double either(const json_t *usage, const char *a, const char *b)
{
    double n = count(usage, a);

    return n >= 0 ? n : count(usage, b);
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct state *st = p;
    double n = -1, in_n, out_n;
    char text[64];
    int ok;

    if (!json_is_object(in->usage)) {
        pawl_score_error(out, "token usage unknown (the provider reported no usage)");
        return 0;
    }
    in_n = either(in->usage, "prompt_tokens", "input_tokens");
    out_n = either(in->usage, "completion_tokens", "output_tokens");
    switch (st->kind) {
    case KIND_TOTAL:
        n = count(in->usage, "total_tokens");
        if (n < 0 && in_n >= 0 && out_n >= 0)
            n = in_n + out_n;
        if (n < 0) {
            pawl_score_error(out, "total tokens unknown (usage has no total_tokens, nor input "
                                  "and output counts)");
            return 0;
        }
        break;
    case KIND_INPUT:
        if ((n = in_n) < 0) {
            pawl_score_error(out,
                             "input tokens unknown (usage has no prompt_tokens or input_tokens)");
            return 0;
        }
        break;
    case KIND_OUTPUT:
        if ((n = out_n) < 0) {
            pawl_score_error(
                out, "output tokens unknown (usage has no completion_tokens or output_tokens)");
            return 0;
        }
        break;
    }
    if (n == floor(n) && n < 1e15)
        snprintf(text, sizeof(text), "%.0f", n);
    else
        snprintf(text, sizeof(text), "%g", n);
    ok = n <= (double)st->max;
    pawl_score_set(out, ok, ok ? "%s tokens %s are within %ld" : "%s tokens %s exceed %ld",
                   kinds[st->kind], text, st->max);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_tokens_ops = {
    .type = "tokens",
    .keys = keys,
    .init = init,
    .check = NULL,
    .score = score,
    .free = state_free,
};
