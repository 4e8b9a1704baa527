/*
 * is-json: the output is a JSON object or array. Scalars (`42`, `"hi"`,
 * `true`) are valid JSON but rarely what "answer in JSON" means, so they
 * pass only with `any: true`. Nothing is stripped: an answer wrapped in a
 * Markdown code fence is not JSON.
 */
#include <stdlib.h>

#include "json_util.h"
#include "pawl/alloc.h"
#include "scorer_impl.h"

struct state {
    int any;
};

static const char *const keys[] = {"any", NULL};

static void state_free(void *p)
{
    free(p);
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));

    *out = st;
    return pawl_scorer_get_bool(&st->any, node, "any", 0, source, err);
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct state *st = p;
    json_error_t jerr;
    json_t *v = json_loadb(in->output, in->output_len, JSON_DECODE_ANY, &jerr);

    if (v && (st->any || json_is_object(v) || json_is_array(v))) {
        pawl_score_set(out, 1, "output is valid JSON");
    } else if (v) {
        pawl_score_set(out, 0,
                       "output is %s, not a JSON object or array (set 'any: true' to accept it)",
                       pawl_json_kind(v));
    } else {
        /* Without JSON_DECODE_ANY jansson says what was expected: '[' or '{'. */
        if (!st->any)
            json_decref(json_loadb(in->output, in->output_len, 0, &jerr));
        pawl_score_set(out, 0, "output is not valid JSON: %s at line %d", jerr.text, jerr.line);
    }
    json_decref(v);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_is_json_ops = {
    .type = "is-json",
    .keys = keys,
    .init = init,
    .check = NULL,
    .score = score,
    .free = state_free,
};
