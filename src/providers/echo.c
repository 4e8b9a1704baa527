/*
 * echo: the output is the rendered prompt. Useful to check templates, to
 * smoke-test a gate without a model, and for scorers on the prompt itself.
 * Several messages are joined with a blank line, in order; a conversational
 * case's history (provider.h) is joined in where a chat model would get it.
 */
#include <stdlib.h>

#include "pawl/alloc.h"
#include "providers.h"

struct echo {
    const struct pawl_provider_env *env;
    int history; /* splice input.messages in */
};

static int echo_init(void **state, const struct pawl_provider_env *env, struct pawl_error *err)
{
    struct echo *e = pawl_xcalloc(1, sizeof(*e));

    (void)err;
    e->env = env;
    e->history = pawl_provider_uses_history(env);
    *state = e;
    return 0;
}

static int echo_check(const void *state, const struct pawl_case *c, struct pawl_error *err)
{
    const struct echo *e = state;

    return e->history ? pawl_provider_check_history(c, e->env->cfg->dataset.path, err) : 0;
}

static void echo_start(void *state, struct pawl_loop *loop, struct pawl_call *call)
{
    const struct echo *e = state;
    struct pawl_buf out = PAWL_BUF_INIT;
    struct pawl_error err;
    json_t *msgs, *m;
    size_t i;

    (void)loop;
    pawl_error_init(&err);
    msgs = pawl_provider_render_chat(e->env, call->vars,
                                     e->history ? pawl_provider_history(call->vars) : NULL, &err);
    if (!msgs) {
        pawl_call_fail(call, "%s", err.msg);
        return;
    }
    json_array_foreach(msgs, i, m)
    {
        if (i > 0)
            pawl_buf_puts(&out, "\n\n");
        pawl_buf_puts(&out, json_string_value(json_object_get(m, "content")));
    }
    json_decref(msgs);
    call->output = pawl_buf_detach(&out, &call->output_len);
    call->latency_ms = 0;
    call->done(call);
}

static void echo_free(void *state)
{
    free(state);
}

const struct pawl_provider_ops pawl_provider_echo_ops = {
    .name = "echo",
    .init = echo_init,
    .check = echo_check,
    .start = echo_start,
    .free = echo_free,
};
