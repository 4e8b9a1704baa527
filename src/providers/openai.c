/*
 * openai: Chat Completions, `POST {base_url}/chat/completions`, the API
 * that OpenAI and most self-hosted servers (vLLM, Ollama, llama.cpp,
 * LiteLLM) speak. The rendered messages go in as they are; `params` are
 * merged into the body (model and messages stay pawl's). The output is
 * choices[0].message.content, kept verbatim so a JSON answer requested
 * with response_format stays exact; a reply made only of tool calls
 * becomes {"tool_calls": [...]}.
 */
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "providers.h"
#include "remote.h"

#define DEFAULT_BASE_URL "https://api.openai.com/v1"
#define DEFAULT_KEY_ENV "OPENAI_API_KEY"

static int openai_init(void **state, const struct pawl_provider_env *env, struct pawl_error *err)
{
    const struct pawl_task_config *t = &env->cfg->task;
    struct pawl_remote *r = pawl_xcalloc(1, sizeof(*r));
    char *url = pawl_remote_join_url(t->base_url ? t->base_url : DEFAULT_BASE_URL,
                                     "chat/completions");
    int rc = pawl_remote_init(r, env, "openai", url, err);

    free(url);
    /* The vendor's endpoint always needs a key; a local server usually none. */
    if (!r->key_env && !t->base_url)
        r->key_env = DEFAULT_KEY_ENV;
    r->method = "POST";
    *state = r;
    return rc;
}

static int openai_check(const void *state, const struct pawl_case *c, struct pawl_error *err)
{
    json_t *vars = pawl_case_vars(c);
    int rc = pawl_remote_check(state, c, vars, err);

    json_decref(vars);
    return rc;
}

static int openai_ready(void *state, struct pawl_error *err)
{
    struct pawl_remote *r = state;
    int had_key = r->key != NULL, rc;

    if ((rc = pawl_remote_ready(r, err)) < 0)
        return rc;
    if (r->key && !had_key && !pawl_remote_has_header(r, "Authorization"))
        pawl_remote_add_header(r, "Authorization: Bearer %s", r->key);
    return 0;
}

static int openai_parse(const void *state, struct pawl_call *call, const char *body, size_t len,
                        char **why)
{
    json_t *doc = pawl_remote_parse_json(body, len, why);
    const json_t *msg, *content, *tools, *usage;

    (void)state;
    if (!doc)
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

static void openai_start(void *state, struct pawl_loop *loop, struct pawl_call *call)
{
    struct pawl_remote *r = state;
    const struct pawl_task_config *t = &r->env->cfg->task;
    struct pawl_error err;
    json_t *msgs, *body;
    char *text;

    pawl_error_init(&err);
    msgs = pawl_provider_render_messages(r->env, call->vars, &err);
    if (!msgs) {
        pawl_call_fail(call, "%s", err.msg);
        return;
    }
    body = json_pack("{s:s, s:o}", "model", t->model, "messages", msgs);
    if (t->params)
        json_object_update_missing(body, t->params);
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    pawl_remote_send(r, loop, call, text, strlen(text), openai_parse, NULL);
    free(text);
}

static void openai_free(void *state)
{
    if (state)
        pawl_remote_release(state);
    free(state);
}

const struct pawl_provider_ops pawl_provider_openai_ops = {
    .name = "openai",
    .init = openai_init,
    .check = openai_check,
    .ready = openai_ready,
    .start = openai_start,
    .free = openai_free,
};
