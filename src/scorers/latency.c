/*
 * latency: the call took at most `max` milliseconds. A cached response has
 * no latency of its own; it passes with a note rather than failing every
 * cached pre-push run, and `not` leaves it alone.
 */
#include <stdlib.h>

#include "pawl/alloc.h"
#include "scorer_impl.h"

static const char *const keys[] = {"max", NULL};

static void state_free(void *p)
{
    free(p);
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    return pawl_scorer_max_new(out, node, source, "milliseconds", err);
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const double *max = p;

    if (in->latency_ms < 0) {
        pawl_score_set(out, 1, "latency unknown (cached response)");
        return PAWL_SCORER_NEUTRAL;
    }
    if ((double)in->latency_ms <= *max)
        pawl_score_set(out, 1, "latency %ld ms is within %g ms", in->latency_ms, *max);
    else
        pawl_score_set(out, 0, "latency %ld ms exceeds %g ms", in->latency_ms, *max);
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
