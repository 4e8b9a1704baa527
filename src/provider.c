#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/provider.h"
#include "providers/providers.h"

static const struct pawl_provider_ops *const providers[] = {
    &pawl_provider_exec_ops,
    &pawl_provider_echo_ops,
    &pawl_provider_outputs_ops,
    &pawl_provider_openai_ops,
    &pawl_provider_anthropic_ops,
    &pawl_provider_http_ops,
};

const struct pawl_provider_ops *pawl_provider_find(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
        if (strcmp(providers[i]->name, name) == 0)
            return providers[i];
    return NULL;
}

void pawl_call_fail(struct pawl_call *call, const char *fmt, ...)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    pawl_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(call->error);
    call->error = pawl_buf_detach(&b, NULL);
    free(call->output);
    call->output = NULL;
    call->output_len = 0;
    call->done(call);
}

json_t *pawl_provider_render_messages(const struct pawl_provider_env *env, const json_t *vars,
                                      struct pawl_error *err)
{
    json_t *arr = json_array();
    struct pawl_buf b = PAWL_BUF_INIT;
    size_t i;

    for (i = 0; i < env->n_messages; i++) {
        pawl_buf_reset(&b);
        if (pawl_template_render(&b, env->messages[i], vars, err) < 0) {
            json_decref(arr);
            pawl_buf_release(&b);
            return NULL;
        }
        json_array_append_new(arr, json_pack("{s:s, s:s%}", "role",
                                             env->cfg->task.messages[i].role, "content", b.ptr,
                                             b.len));
    }
    pawl_buf_release(&b);
    return arr;
}
