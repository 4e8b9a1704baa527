/*
 * outputs: no call at all. The output is a field of the dataset record
 * (task.output_field, default "output"), so traces exported from
 * production can be scored offline. A string is used as is; any other
 * JSON value as compact JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "providers.h"

struct outputs {
    const char *field;
    const char *dataset;
};

static int outputs_init(void **state, const struct pawl_provider_env *env,
                        struct pawl_error *err)
{
    struct outputs *o = pawl_xcalloc(1, sizeof(*o));
    (void)err;
    o->field = env->cfg->task.output_field ? env->cfg->task.output_field : "output";
    o->dataset = env->cfg->dataset.path;
    *state = o;
    return 0;
}

static int outputs_check(const void *state, const struct pawl_case *c, struct pawl_error *err)
{
    const struct outputs *o = state;
    const json_t *v = json_object_get(c->record, o->field);

    if (!v || json_is_null(v))
        return pawl_error_set(err, PAWL_EDATA, o->dataset, c->line, 0,
                              "case '%s' has no '%s' field to score (task.provider is 'outputs')",
                              c->id, o->field);
    return 0;
}

static void outputs_start(void *state, struct pawl_loop *loop, struct pawl_call *call)
{
    const struct outputs *o = state;
    const json_t *v = json_object_get(call->c->record, o->field);
    struct pawl_buf b = PAWL_BUF_INIT;

    (void)loop;
    if (!v || json_is_null(v)) {
        pawl_call_fail(call, "case has no '%s' field", o->field);
        return;
    }
    pawl_template_render_value(&b, v);
    call->output = pawl_buf_detach(&b, &call->output_len);
    call->latency_ms = -1;
    call->done(call);
}

static void outputs_free(void *state)
{
    free(state);
}

const struct pawl_provider_ops pawl_provider_outputs_ops = {
    .name = "outputs",
    .init = outputs_init,
    .check = outputs_check,
    .start = outputs_start,
    .free = outputs_free,
};
