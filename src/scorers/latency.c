/*
 * latency: the call took at most `max` milliseconds. A cached response has
 * no latency of its own; it passes with a note rather than failing every
 * cached pre-push run, and `not` leaves it alone.
 */
#include <stdlib.h>

#include "pawl/alloc.h"
#include "scorer_impl.h"

struct state {
    double max;
};

static const char *const keys[] = {"max", NULL};

static void state_free(void *p)
{
    free(p);
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));
    const struct pawl_node *n = pawl_node_get(node, "max");

    *out = st;
    if (!n)
        return pawl_error_set(err, PAWL_ECONFIG, source, node->line, node->col,
                              "missing required key 'max'");
    if (pawl_node_as_double(n, &st->max) < 0 || st->max <= 0)
        return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col,
                              "'max' must be a positive number of milliseconds");
    return 0;
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct state *st = p;

    if (in->latency_ms < 0) {
        pawl_score_set(out, 1, "latency unknown (cached response)");
        return PAWL_SCORER_NEUTRAL;
    }
    if ((double)in->latency_ms <= st->max)
        pawl_score_set(out, 1, "latency %ld ms is within %g ms", in->latency_ms, st->max);
    else
        pawl_score_set(out, 0, "latency %ld ms exceeds %g ms", in->latency_ms, st->max);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_latency_ops = {
    .type = "latency",
    .keys = keys,
    .init = init,
    .check = NULL,
    .score = score,
    .free = state_free,
};
