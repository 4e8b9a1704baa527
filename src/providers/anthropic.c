/*
 * anthropic: the Messages API, `POST {base_url}/messages`. System messages
 * are joined into the top-level `system` field, as the API wants them; the
 * rest go in order. The API requires max_tokens, so pawl sends 1024 when
 * `params` does not say. The output is the text blocks of `content`
 * joined; a reply with only tool_use blocks becomes those blocks as JSON.
 * A conversational case's history (provider.h) goes in as prior turns, its
 * system messages joined into `system` after the task's. Turns of the same
 * role in a row (the history's last user message, then the task's user
 * template) are merged into one, joined by a blank line: the API wants user
 * and assistant to alternate, and older versions and other hosts of it
 * reject a request where they do not.
 */
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "providers.h"
#include "remote.h"

#define DEFAULT_BASE_URL "https://api.anthropic.com/v1"
#define DEFAULT_KEY_ENV "ANTHROPIC_API_KEY"
#define API_VERSION "2023-06-01"
#define DEFAULT_MAX_TOKENS 1024

struct anthropic {
    struct pawl_remote remote; /* first: ready() and the parser see a pawl_remote */
    int history;               /* splice input.messages in */
    int task_turns;            /* the task has a message besides the system prompt */
};

static int no_turn(const struct pawl_remote *r, struct pawl_error *err)
{
    const struct pawl_task_config *t = &r->env->cfg->task;

    return pawl_error_set(err, PAWL_ECONFIG, r->env->cfg->path, t->line, t->col,
                          "provider 'anthropic' needs a 'user' message besides the system prompt");
}

static int anthropic_init(void **state, const struct pawl_provider_env *env, struct pawl_error *err)
{
    const struct pawl_task_config *t = &env->cfg->task;
    struct anthropic *a = pawl_xcalloc(1, sizeof(*a));
    struct pawl_remote *r = &a->remote;
    char *url = pawl_remote_join_url(t->base_url ? t->base_url : DEFAULT_BASE_URL, "messages");
    size_t i;
    int rc = pawl_remote_init(r, env, "anthropic", url, err);

    free(url);
    *state = a;
    if (rc < 0)
        return rc;
    if (!r->key_env && !t->base_url)
        r->key_env = DEFAULT_KEY_ENV;
    r->method = "POST";
    a->history = pawl_provider_uses_history(env);
    for (i = 0; i < t->n_messages; i++)
        a->task_turns |= strcmp(t->messages[i].role, "system") != 0;
    /* With a history, each case's turns may supply the user message (checked per case). */
    if (!a->task_turns && !a->history)
        return no_turn(r, err);
    if (!pawl_remote_has_header(r, "anthropic-version"))
        pawl_remote_add_header(r, "anthropic-version: %s", API_VERSION);
    return 0;
}

static int anthropic_check(const void *state, const struct pawl_case *c, struct pawl_error *err)
{
    const struct anthropic *a = state;
    const json_t *history, *m;
    size_t i;
    int rc = pawl_remote_check(&a->remote, c, err);

    if (rc < 0 || !a->history)
        return rc;
    if ((rc = pawl_provider_check_history(c, a->remote.env->cfg->dataset.path, err)) < 0 ||
        a->task_turns)
        return rc;
    history = json_is_object(c->input) ? json_object_get(c->input, "messages") : NULL;
    json_array_foreach(history, i, m)
    {
        if (strcmp(json_string_value(json_object_get(m, "role")), "system") != 0)
            return 0;
    }
    return no_turn(&a->remote, err);
}

static int anthropic_ready(void *state, struct pawl_error *err)
{
    return pawl_remote_ready(state, "x-api-key", "", err);
}

static int anthropic_parse(const void *state, struct pawl_call *call, const char *body, size_t len,
                           char **why)
{
    json_t *doc = pawl_remote_parse_json(body, len, why), *tools = NULL;
    const json_t *content, *block, *usage;
    struct pawl_buf text = PAWL_BUF_INIT;
    size_t i, n_text = 0;

    (void)state;
    if (!doc)
        return -1;
    content = json_object_get(doc, "content");
    if (!json_is_array(content)) {
        *why = pawl_xstrdup("has no array at /content");
        json_decref(doc);
        return -1;
    }
    json_array_foreach(content, i, block)
    {
        const char *type = json_string_value(json_object_get(block, "type"));
        const json_t *t = json_object_get(block, "text");
        if (type && strcmp(type, "text") == 0 && json_is_string(t)) {
            pawl_buf_add(&text, json_string_value(t), json_string_length(t));
            n_text++;
        } else if (type && strcmp(type, "tool_use") == 0) {
            if (!tools)
                tools = json_array();
            json_array_append(tools, (json_t *)block);
        }
    }
    if (n_text == 0 && tools) {
        call->output = json_dumps(tools, JSON_COMPACT);
        call->output_len = strlen(call->output);
    } else if (n_text == 0) {
        *why = pawl_xstrdup("has no text block in /content");
        json_decref(tools);
        json_decref(doc);
        pawl_buf_release(&text);
        return -1;
    } else {
        call->output = pawl_buf_detach(&text, &call->output_len);
    }
    usage = json_object_get(doc, "usage");
    if (json_is_object(usage))
        call->usage = json_incref((json_t *)usage);
    json_decref(tools);
    json_decref(doc);
    pawl_buf_release(&text);
    return 0;
}

static void anthropic_start(void *state, struct pawl_loop *loop, struct pawl_call *call)
{
    struct anthropic *a = state;
    struct pawl_remote *r = &a->remote;
    const struct pawl_task_config *t = &r->env->cfg->task;
    struct pawl_buf system = PAWL_BUF_INIT;
    struct pawl_error err;
    json_t *msgs, *turns, *body, *m;
    size_t i;
    char *text;

    pawl_error_init(&err);
    msgs = pawl_provider_render_chat(r->env, call->vars,
                                     a->history ? pawl_provider_history(call->vars) : NULL, &err);
    if (!msgs) {
        pawl_call_fail(call, "%s", err.msg);
        return;
    }
    turns = json_array();
    json_array_foreach(msgs, i, m)
    {
        const json_t *content = json_object_get(m, "content");
        const char *role = json_string_value(json_object_get(m, "role"));
        json_t *last = json_array_get(turns, json_array_size(turns) - 1);

        if (strcmp(role, "system") == 0) {
            if (system.len)
                pawl_buf_puts(&system, "\n\n");
            pawl_buf_add(&system, json_string_value(content), json_string_length(content));
        } else if (last && strcmp(json_string_value(json_object_get(last, "role")), role) == 0) {
            /* The API wants user and assistant to alternate: a history ending with the
             * user's message, then the task's user turn, is one user turn. */
            const json_t *prev = json_object_get(last, "content");
            struct pawl_buf joined = PAWL_BUF_INIT;

            pawl_buf_add(&joined, json_string_value(prev), json_string_length(prev));
            pawl_buf_puts(&joined, "\n\n");
            pawl_buf_add(&joined, json_string_value(content), json_string_length(content));
            json_object_set_new(last, "content", json_stringn(joined.ptr, joined.len));
            pawl_buf_release(&joined);
        } else {
            json_array_append_new(turns, json_pack("{s:s, s:O}", "role", role, "content", content));
        }
    }
    /* params tune the request; what pawl renders (model, system, messages) wins. */
    body = t->params ? json_deep_copy(t->params) : json_object();
    json_object_set_new(body, "model", json_string(t->model));
    if (!json_object_get(body, "max_tokens"))
        json_object_set_new(body, "max_tokens", json_integer(DEFAULT_MAX_TOKENS));
    if (system.len)
        json_object_set_new(body, "system", json_stringn(system.ptr, system.len));
    json_object_set_new(body, "messages", turns);
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    json_decref(msgs);
    pawl_buf_release(&system);
    pawl_remote_send(r, loop, call, text, strlen(text), anthropic_parse, NULL);
    free(text);
}

static void anthropic_free(void *state)
{
    struct anthropic *a = state;

    if (a)
        pawl_remote_release(&a->remote);
    free(a);
}

const struct pawl_provider_ops pawl_provider_anthropic_ops = {
    .name = "anthropic",
    .init = anthropic_init,
    .check = anthropic_check,
    .ready = anthropic_ready,
    .start = anthropic_start,
    .free = anthropic_free,
};
