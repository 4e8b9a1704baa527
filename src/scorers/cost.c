/*
 * cost: the call cost at most `max` dollars. The cost is what an exec agent
 * reported, or the task's `price` applied to the call's token usage. With
 * neither there is nothing to bound, and passing would hide a budget
 * overrun, so the score is errored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    return pawl_scorer_max_new(out, node, source, "dollars", err);
}

/*
 * Dollars in fixed point, at least two decimals and up to ten, without
 * trailing zeros past the second: 0.0042, 1.50, 0.0001851.
 */
static void dollars(char *out, size_t size, double v)
{
    char *dot, *end;

    snprintf(out, size, "%.10f", v);
    dot = strchr(out, '.');
    if (!dot)
        return;
    end = out + strlen(out);
    while (end > dot + 3 && end[-1] == '0')
        *--end = '\0';
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const double *limit = p;
    char got[64], max[64];
    int ok, digits;

    if (!in->has_cost) {
        pawl_score_error(out, "cost unknown (the provider reported no usage or there is no price)");
        return 0;
    }
    ok = in->cost <= *limit;
    dollars(got, sizeof(got), in->cost);
    dollars(max, sizeof(max), *limit);
    /* Ten decimals can print two different costs alike: then as many significant
     * digits as it takes to tell them apart. */
    for (digits = 11; strcmp(got, max) == 0 && in->cost != *limit && digits <= 17; digits++) {
        snprintf(got, sizeof(got), "%.*g", digits, in->cost);
        snprintf(max, sizeof(max), "%.*g", digits, *limit);
    }
    pawl_score_set(out, ok, ok ? "cost $%s is within $%s" : "cost $%s exceeds $%s", got, max);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_cost_ops = {
    .type = "cost",
    .keys = keys,
    .init = init,
    .check = NULL,
    .score = score,
    .free = state_free,
};
