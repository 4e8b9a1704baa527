#include "pawl/usage.h"

#include <stddef.h>

static double count(const json_t *usage, const char *const names[2])
{
    size_t i;

    for (i = 0; i < 2; i++) {
        const json_t *v = json_object_get(usage, names[i]);
        if (json_is_number(v))
            return json_number_value(v);
    }
    return -1;
}

double pawl_usage_tokens(const json_t *usage)
{
    static const char *const parts[] = {"prompt_tokens", "completion_tokens", "input_tokens",
                                        "output_tokens"};
    const json_t *tok = json_object_get(usage, "total_tokens");
    double sum = 0;
    size_t p;
    int any = 0;

    if (json_is_number(tok))
        return json_number_value(tok);
    for (p = 0; p < sizeof(parts) / sizeof(parts[0]); p++) {
        tok = json_object_get(usage, parts[p]);
        if (json_is_number(tok)) {
            sum += json_number_value(tok);
            any = 1;
        }
    }
    return any ? sum : -1;
}

int pawl_usage_price(const struct pawl_task_config *t, const json_t *usage, double *cost)
{
    static const char *const in_names[2] = {"prompt_tokens", "input_tokens"};
    static const char *const out_names[2] = {"completion_tokens", "output_tokens"};
    double in, out;

    if (t->price_input_per_mtok <= 0 && t->price_output_per_mtok <= 0)
        return -1;
    in = count(usage, in_names);
    out = count(usage, out_names);
    if (in < 0 && out < 0)
        return -1;
    *cost = ((in > 0 ? in : 0) * t->price_input_per_mtok +
             (out > 0 ? out : 0) * t->price_output_per_mtok) /
            1e6;
    return 0;
}
