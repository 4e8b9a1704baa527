/*
 * openai: Chat Completions, `POST {base_url}/chat/completions`, the API
 * that OpenAI and most self-hosted servers (vLLM, Ollama, llama.cpp,
 * LiteLLM) speak. The rendered messages go in as they are; `params` are
 * merged into the body (model and messages stay pawl's). The output is
 * choices[0].message.content, kept verbatim so a JSON answer requested
 * with response_format stays exact; a reply made only of tool calls
 * becomes {"tool_calls": [...]}. A conversational case's history goes in
 * as prior turns (provider.h).
 */
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "pawl/alloc.h"
#include "providers.h"
#include "remote.h"

#define DEFAULT_BASE_URL "https://api.openai.com/v1"
#define DEFAULT_KEY_ENV "OPENAI_API_KEY"

struct openai {
    struct pawl_remote remote; /* first: the parser and ready() see a pawl_remote */
    const char *model;
    char *params_text; /* ",<params as compact JSON, braces off>" or "" */
    int history;       /* splice input.messages in */
};

static int openai_init(void **state, const struct pawl_provider_env *env, struct pawl_error *err)
{
    const struct pawl_task_config *t = &env->cfg->task;
    struct openai *o = pawl_xcalloc(1, sizeof(*o));
    struct pawl_remote *r = &o->remote;
    char *url = pawl_remote_join_url(t->base_url ? t->base_url : DEFAULT_BASE_URL,
                                     "chat/completions");
    int rc = pawl_remote_init(r, env, "openai", url, err);
    json_t *params = t->params ? json_deep_copy(t->params) : json_object();
    char *text;

    free(url);
    *state = o;
    /* The vendor's endpoint always needs a key; a local server usually none. */
    if (!r->key_env && !t->base_url)
        r->key_env = DEFAULT_KEY_ENV;
    r->method = "POST";
    o->model = t->model;
    o->history = pawl_provider_uses_history(env);
    /* params tune the request; the model and the messages stay pawl's. */
    json_object_del(params, "model");
    json_object_del(params, "messages");
    text = json_dumps(params, JSON_COMPACT);
    json_decref(params);
    if (text && strlen(text) > 2) {
        text[strlen(text) - 1] = '\0';
        o->params_text = pawl_xasprintf(",%s", text + 1);
    } else {
        o->params_text = pawl_xstrdup("");
    }
    free(text);
    return rc;
}

static int openai_check(const void *state, const struct pawl_case *c, struct pawl_error *err)
{
    const struct openai *o = state;
    int rc = pawl_remote_check(&o->remote, c, err);

    if (rc == 0 && o->history)
        rc = pawl_provider_check_history(c, o->remote.env->cfg->dataset.path, err);
    return rc;
}

static int openai_ready(void *state, struct pawl_error *err)
{
    return pawl_remote_ready(state, "Authorization", "Bearer ", err);
}

static int openai_parse(const void *state, struct pawl_call *call, const char *body, size_t len,
                        char **why)
{
    json_t *doc;
    const json_t *msg, *content, *tools, *usage;

    (void)state;
    if (pawl_remote_fast_answer(call, body, len, "/choices/0/message/content") == 0)
        return 0;
    if (!(doc = pawl_remote_parse_json(body, len, why)))
        return -1;
    msg = json_object_get(json_array_get(json_object_get(doc, "choices"), 0), "message");
    content = json_object_get(msg, "content");
    tools = json_object_get(msg, "tool_calls");
    if (json_is_string(content)) {
        call->output = pawl_xstrndup(json_string_value(content), json_string_length(content));
        call->output_len = json_string_length(content);
    } else if (json_is_array(tools) && json_array_size(tools) > 0) {
        json_t *wrap = json_pack("{s:O}", "tool_calls", tools);
        call->output = json_dumps(wrap, JSON_COMPACT);
        call->output_len = strlen(call->output);
        json_decref(wrap);
    } else {
        *why = pawl_xstrdup("has no string at /choices/0/message/content");
        json_decref(doc);
        return -1;
    }
    usage = json_object_get(doc, "usage");
    if (json_is_object(usage))
        call->usage = json_incref((json_t *)usage);
    json_decref(doc);
    return 0;
}

/*
 * The request body, written directly rather than dumped from a tree: the
 * same bytes as json_dumps(JSON_COMPACT) of {model, messages, params...}
 * (tests/unit/check_providers.c holds them equal), for a fraction of the work.
 */
static void put_message(struct pawl_buf *b, int first, const char *role, size_t role_len,
                        const char *content, size_t content_len)
{
    pawl_buf_puts(b, first ? "{\"role\":" : ",{\"role\":");
    pawl_json_put_string(b, role, role_len);
    pawl_buf_puts(b, ",\"content\":");
    pawl_json_put_string(b, content, content_len);
    pawl_buf_putc(b, '}');
}

/*
 * The request body, written directly rather than dumped from a tree: the
 * same bytes as json_dumps(JSON_COMPACT) of {model, messages, params...}
 * (tests/unit/check_providers.c holds them equal), for a fraction of the work.
 */
static char *openai_body(const struct openai *o, const json_t *vars, size_t *len,
                         struct pawl_error *err)
{
    const struct pawl_provider_env *env = o->remote.env;
    const json_t *history = o->history ? pawl_provider_history(vars) : NULL;
    json_t *chat = NULL;
    struct pawl_buf b = PAWL_BUF_INIT, text = PAWL_BUF_INIT;
    size_t i;

    pawl_buf_puts(&b, "{\"model\":");
    pawl_json_put_string(&b, o->model, strlen(o->model));
    pawl_buf_puts(&b, ",\"messages\":[");
    if (history) {
        /* Conversational cases are the rare kind: they take the tree's way. */
        const json_t *m;
        if (!(chat = pawl_provider_render_chat(env, vars, history, err)))
            goto fail;
        json_array_foreach(chat, i, m)
        {
            const json_t *role = json_object_get(m, "role");
            const json_t *content = json_object_get(m, "content");
            put_message(&b, i == 0, json_string_value(role), json_string_length(role),
                        json_string_value(content), json_string_length(content));
        }
        json_decref(chat);
    } else {
        for (i = 0; i < env->n_messages; i++) {
            const char *role = env->cfg->task.messages[i].role;
            pawl_buf_reset(&text);
            if (pawl_template_render(&text, env->messages[i], vars, err) < 0)
                goto fail;
            put_message(&b, i == 0, role, strlen(role), text.ptr, text.len);
        }
    }
    pawl_buf_putc(&b, ']');
    pawl_buf_puts(&b, o->params_text);
    pawl_buf_putc(&b, '}');
    pawl_buf_release(&text);
    return pawl_buf_detach(&b, len);
fail:
    pawl_buf_release(&text);
    pawl_buf_release(&b);
    return NULL;
}

static void openai_start(void *state, struct pawl_loop *loop, struct pawl_call *call)
{
    struct openai *o = state;
    struct pawl_error err;
    size_t len;
    char *body;

    pawl_error_init(&err);
    if (!(body = openai_body(o, call->vars, &len, &err))) {
        pawl_call_fail(call, "%s", err.msg);
        return;
    }
    pawl_remote_send(&o->remote, loop, call, body, len, openai_parse, NULL);
    free(body);
}

static void openai_free(void *state)
{
    struct openai *o = state;

    if (!o)
        return;
    pawl_remote_release(&o->remote);
    free(o->params_text);
    free(o);
}

const struct pawl_provider_ops pawl_provider_openai_ops = {
    .name = "openai",
    .init = openai_init,
    .check = openai_check,
    .ready = openai_ready,
    .start = openai_start,
    .free = openai_free,
};
