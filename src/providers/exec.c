/*
 * exec: the candidate is a program. It is started with argv (no shell, so
 * dataset text can never become a command) in the config's directory, gets
 * the case as one JSON object on stdin and answers on stdout, either plain
 * text or {"output": ..., "usage": {...}, "cost": 0.001}. Trailing newlines
 * of plain text are dropped, as shell command substitution does. A non-zero
 * exit, a signal, a timeout or an oversized answer fails that call only.
 */
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "providers.h"

struct exec {
    const struct pawl_provider_env *env;
    char **argv;
    const char *cwd;
    long timeout_ms;
};

static int exec_init(void **state, const struct pawl_provider_env *env, struct pawl_error *err)
{
    struct exec *x;

    if (!env->cfg->task.command || !env->cfg->task.command[0])
        return pawl_error_set(err, PAWL_ECONFIG, env->cfg->path, env->cfg->task.line,
                              env->cfg->task.col, "provider 'exec' needs 'command'");
    x = pawl_xcalloc(1, sizeof(*x));
    x->env = env;
    x->argv = env->cfg->task.command;
    x->cwd = env->cfg->dir;
    x->timeout_ms = env->cfg->run.timeout_ms;
    *state = x;
    return 0;
}

/* The last non-empty line of the agent's stderr, for the error message. */
static char *stderr_hint(const struct pawl_buf *tail)
{
    size_t end = tail->len, start;

    while (end > 0 && (tail->ptr[end - 1] == '\n' || tail->ptr[end - 1] == '\r'))
        end--;
    start = end;
    while (start > 0 && tail->ptr[start - 1] != '\n')
        start--;
    if (end - start > 300)
        start = end - 300;
    return end > start ? pawl_xstrndup(tail->ptr + start, end - start) : NULL;
}

static void take_output(struct pawl_call *call, struct pawl_buf *out)
{
    json_t *doc = NULL, *o;
    size_t len = out->len;
    size_t i = 0;

    while (len > 0 && (out->ptr[len - 1] == '\n' || out->ptr[len - 1] == '\r'))
        len--;
    while (i < len && (out->ptr[i] == ' ' || out->ptr[i] == '\t' || out->ptr[i] == '\n'))
        i++;
    if (i < len && out->ptr[i] == '{')
        doc = json_loadb(out->ptr, len, 0, NULL);
    o = doc ? json_object_get(doc, "output") : NULL;
    if (o) {
        const json_t *usage = json_object_get(doc, "usage");
        const json_t *cost = json_object_get(doc, "cost");
        if (json_is_string(o)) {
            call->output = pawl_xstrndup(json_string_value(o), json_string_length(o));
            call->output_len = json_string_length(o);
        } else {
            call->output = json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY);
            call->output_len = strlen(call->output);
        }
        if (json_is_object(usage))
            call->usage = json_incref((json_t *)usage);
        if (json_is_number(cost)) {
            call->cost = json_number_value(cost);
            call->has_cost = 1;
        }
    } else {
        call->output = pawl_xstrndup(out->ptr, len);
        call->output_len = len;
    }
    json_decref(doc);
}

struct exec_call {
    struct pawl_call *call;
    long timeout_ms;
};

static void exec_done(void *ctx, const struct pawl_proc_result *res)
{
    struct exec_call *ec = ctx;
    struct pawl_call *call = ec->call;
    char *hint = stderr_hint(res->err_tail);

    call->latency_ms = res->elapsed_ms;
    if (!res->spawned)
        pawl_call_fail(call, "%s", res->error);
    else if (res->overflow)
        pawl_call_fail(call, "agent output exceeds %u bytes", PAWL_PROVIDER_MAX_OUTPUT);
    else if (res->timed_out)
        pawl_call_fail(call, "agent timed out after %ld ms", ec->timeout_ms);
    else if (res->signal)
        pawl_call_fail(call, "agent was killed by signal %d%s%s", res->signal, hint ? ": " : "",
                       hint ? hint : "");
    else if (res->status != 0)
        pawl_call_fail(call, "agent exited with status %d%s%s", res->status, hint ? ": " : "",
                       hint ? hint : "");
    else {
        take_output(call, res->out);
        call->done(call);
    }
    free(hint);
    free(ec);
}

static void exec_start(void *state, struct pawl_loop *loop, struct pawl_call *call)
{
    const struct exec *x = state;
    struct exec_call *ec = pawl_xcalloc(1, sizeof(*ec));
    json_t *in = json_deep_copy(call->vars);
    struct pawl_error err;
    char *text;

    pawl_error_init(&err);
    json_object_set_new(in, "trial", json_integer(call->trial));
    if (x->env->n_messages) {
        json_t *msgs = pawl_provider_render_messages(x->env, call->vars, &err);
        if (!msgs) {
            json_decref(in);
            free(ec);
            pawl_call_fail(call, "%s", err.msg);
            return;
        }
        json_object_set_new(in, "messages", msgs);
    }
    text = json_dumps(in, JSON_COMPACT);
    json_decref(in);
    /* One line per case, so `read line` in a shell agent sees it whole. */
    text = pawl_xrealloc(text, strlen(text) + 2);
    strcat(text, "\n");
    ec->call = call;
    ec->timeout_ms = x->timeout_ms;
    pawl_loop_spawn(loop, x->argv, x->cwd, text, strlen(text), x->timeout_ms,
                    PAWL_PROVIDER_MAX_OUTPUT, exec_done, ec);
    free(text);
}

static void exec_free(void *state)
{
    free(state);
}

const struct pawl_provider_ops pawl_provider_exec_ops = {
    .name = "exec",
    .init = exec_init,
    .check = NULL,
    .start = exec_start,
    .free = exec_free,
};
