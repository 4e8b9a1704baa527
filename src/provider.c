#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
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

/* ---- conversational cases ------------------------------------------------ */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* True when `text` has a `{{ input.messages... }}` variable, split the way template.c splits. */
static int names_history(const char *text)
{
    static const char path[] = "input.messages";
    const size_t n = sizeof(path) - 1;
    const char *p = text;

    while ((p = strstr(p, "{{")) != NULL) {
        const char *a = p + 2, *b = strstr(a, "}}");

        if (!b)
            return 0;
        while (a < b && is_space(*a))
            a++;
        p = b + 2;
        while (b > a && is_space(b[-1]))
            b--;
        if ((size_t)(b - a) >= n && memcmp(a, path, n) == 0 &&
            ((size_t)(b - a) == n || a[n] == '.'))
            return 1;
    }
    return 0;
}

int pawl_provider_uses_history(const struct pawl_provider_env *env)
{
    const struct pawl_task_config *t = &env->cfg->task;
    size_t i;

    if (env->no_history)
        return 0;
    for (i = 0; i < t->n_messages; i++)
        if (t->messages[i].text && names_history(t->messages[i].text))
            return 0;
    return 1;
}

const json_t *pawl_provider_history(const json_t *vars)
{
    const json_t *input = json_object_get(vars, "input");

    return json_is_object(input) ? json_object_get(input, "messages") : NULL;
}

/* Why `history` is not one (a heap message), or NULL when it is. */
static char *history_problem(const json_t *history)
{
    static const char *const roles[] = {"system", "user", "assistant"};
    const json_t *m, *role, *content;
    size_t i, r;

    if (!json_is_array(history))
        return pawl_xasprintf("'input.messages' must be a list of {role, content} messages, "
                              "got %s",
                              pawl_json_kind(history));
    json_array_foreach(history, i, m)
    {
        if (!json_is_object(m))
            return pawl_xasprintf("'input.messages[%zu]' must be a {role, content} mapping, got %s",
                                  i, pawl_json_kind(m));
        if (!(role = json_object_get(m, "role")))
            return pawl_xasprintf("'input.messages[%zu]' has no 'role'", i);
        for (r = 0; json_is_string(role) && r < sizeof(roles) / sizeof(roles[0]); r++)
            if (strcmp(json_string_value(role), roles[r]) == 0)
                break;
        if (!json_is_string(role))
            return pawl_xasprintf("'input.messages[%zu].role' must be system, user or assistant, "
                                  "got %s",
                                  i, pawl_json_kind(role));
        if (r == sizeof(roles) / sizeof(roles[0]))
            return pawl_xasprintf("'input.messages[%zu].role' must be system, user or assistant, "
                                  "got '%s'",
                                  i, json_string_value(role));
        if (!(content = json_object_get(m, "content")))
            return pawl_xasprintf("'input.messages[%zu]' has no 'content'", i);
        if (!json_is_string(content))
            return pawl_xasprintf("'input.messages[%zu].content' must be a string, got %s", i,
                                  pawl_json_kind(content));
    }
    return NULL;
}

int pawl_provider_check_history(const struct pawl_case *c, const char *dataset,
                                struct pawl_error *err)
{
    const json_t *history = json_is_object(c->input) ? json_object_get(c->input, "messages") : NULL;
    char *why = history ? history_problem(history) : NULL;
    int rc = 0;

    if (why)
        rc = pawl_error_set(err, PAWL_EDATA, dataset, c->line, 0, "%s (case '%s')", why, c->id);
    free(why);
    return rc;
}

size_t pawl_provider_history_at(const struct pawl_provider_env *env)
{
    size_t i;

    for (i = 0; i < env->n_messages; i++)
        if (strcmp(env->cfg->task.messages[i].role, "system") != 0)
            break;
    return i;
}

json_t *pawl_provider_render_chat(const struct pawl_provider_env *env, const json_t *vars,
                                  const json_t *history, struct pawl_error *err)
{
    json_t *task, *out, *m;
    size_t at, i;
    char *why;

    if (!history)
        return pawl_provider_render_messages(env, vars, err);
    if ((why = history_problem(history)) != NULL) {
        pawl_error_set(err, PAWL_EDATA, NULL, 0, 0, "%s", why);
        free(why);
        return NULL;
    }
    if (!(task = pawl_provider_render_messages(env, vars, err)))
        return NULL;
    at = pawl_provider_history_at(env);
    out = json_array();
    for (i = 0; i < at; i++)
        json_array_append(out, json_array_get(task, i));
    json_array_foreach(history, i, m)
    {
        /* Role and content only: whatever else a trace export carries is not a turn. */
        json_array_append_new(out, json_pack("{s:O, s:O}", "role", json_object_get(m, "role"),
                                             "content", json_object_get(m, "content")));
    }
    for (i = at; i < json_array_size(task); i++)
        json_array_append(out, json_array_get(task, i));
    json_decref(task);
    return out;
}
