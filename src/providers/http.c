/*
 * http: an agent behind an HTTP endpoint. `body` is YAML that becomes the
 * JSON request: every string in it is a template, and a string that is
 * exactly one variable (`"{{input}}"`) keeps that value's JSON type, so
 * objects and numbers arrive as themselves. A body given as one string is
 * rendered as text and must come out as JSON. Without `body`, the case
 * object goes as exec agents get it on stdin. `output` is a JSON pointer
 * into the response; without it the whole response body is the output.
 */
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "providers.h"
#include "remote.h"

/* The body as a tree of templates and literals, shaped like the YAML. */
struct body_node {
    json_t *literal;            /* numbers, booleans, null */
    struct pawl_template *text; /* strings */
    int is_map, is_seq;
    char **keys;
    struct body_node *kids;
    size_t n;
};

struct http_state {
    struct pawl_remote remote;
    struct body_node *body; /* NULL: send the case */
    int raw_body;           /* `body` was one string: render text, not a tree */
    const char *pointer;
};

static void body_free(struct body_node *b)
{
    size_t i;

    json_decref(b->literal);
    pawl_template_free(b->text);
    for (i = 0; i < b->n; i++) {
        if (b->keys)
            free(b->keys[i]);
        body_free(&b->kids[i]);
    }
    free(b->keys);
    free(b->kids);
}

static int body_compile(struct body_node *out, const struct pawl_node *n, const char *source,
                        struct pawl_error *err)
{
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    if (n->kind == PAWL_NODE_SCALAR) {
        json_t *v = pawl_node_to_json(n);
        if (!json_is_string(v)) {
            out->literal = v;
            return 0;
        }
        json_decref(v);
        return pawl_template_compile(&out->text, n->value, source, n->block ? n->line + 1 : n->line,
                                     n->block ? 0 : n->quoted ? n->col + 1 : n->col, err);
    }
    out->is_map = n->kind == PAWL_NODE_MAP;
    out->is_seq = n->kind == PAWL_NODE_SEQ;
    out->kids = pawl_xcalloc(n->n + 1, sizeof(*out->kids));
    if (out->is_map)
        out->keys = pawl_xcalloc(n->n + 1, sizeof(*out->keys));
    for (i = 0; i < n->n; i++) {
        if (out->is_map)
            out->keys[i] = pawl_xstrdup(n->keys[i]->value);
        out->n++;
        if ((rc = body_compile(&out->kids[i], n->items[i], source, err)) < 0)
            return rc;
    }
    return 0;
}

static json_t *body_render(const struct body_node *b, const json_t *vars, struct pawl_error *err)
{
    struct pawl_buf text = PAWL_BUF_INIT;
    json_t *out, *kid;
    const json_t *sole;
    size_t i;

    if (b->literal)
        return json_incref(b->literal);
    if (b->text) {
        sole = pawl_template_sole_value(b->text, vars);
        if (sole)
            return json_deep_copy(sole);
        if (pawl_template_render(&text, b->text, vars, err) < 0) {
            pawl_buf_release(&text);
            return NULL;
        }
        out = json_stringn(text.ptr, text.len);
        pawl_buf_release(&text);
        /* Not UTF-8 cannot happen: rendered values come from JSON and YAML text. */
        return out ? out : json_string("");
    }
    out = b->is_map ? json_object() : json_array();
    for (i = 0; i < b->n; i++) {
        if (!(kid = body_render(&b->kids[i], vars, err))) {
            json_decref(out);
            return NULL;
        }
        if (b->is_map)
            json_object_set_new(out, b->keys[i], kid);
        else
            json_array_append_new(out, kid);
    }
    return out;
}

/* The request body for one case, or NULL with *why set. */
static char *render_request(const struct http_state *h, const struct pawl_call *call, char **why)
{
    struct pawl_error err;
    struct pawl_buf text = PAWL_BUF_INIT;
    json_t *doc;
    char *out;

    pawl_error_init(&err);
    if (!h->body) {
        doc = json_deep_copy(call->vars);
        json_object_set_new(doc, "trial", json_integer(call->trial));
    } else if (h->raw_body) {
        if (pawl_template_render(&text, h->body->text, call->vars, &err) < 0) {
            *why = pawl_xstrdup(err.msg);
            pawl_buf_release(&text);
            return NULL;
        }
        doc = json_loadb(text.ptr, text.len, JSON_DECODE_ANY, NULL);
        if (!doc) {
            *why = pawl_xstrdup("'task.body' did not render valid JSON for this case (a value "
                                "with quotes or line breaks? write the body as YAML instead)");
            pawl_buf_release(&text);
            return NULL;
        }
        json_decref(doc);
        return pawl_buf_detach(&text, NULL);
    } else {
        doc = body_render(h->body, call->vars, &err);
        if (!doc) {
            *why = pawl_xstrdup(err.msg);
            return NULL;
        }
    }
    out = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(doc);
    return out;
}

static int http_init(void **state, const struct pawl_provider_env *env, struct pawl_error *err)
{
    const struct pawl_task_config *t = &env->cfg->task;
    const struct pawl_node *body = pawl_node_get(t->node, "body");
    struct http_state *h = pawl_xcalloc(1, sizeof(*h));
    int rc;

    *state = h;
    if ((rc = pawl_remote_init(&h->remote, env, "http", t->url, err)) < 0)
        return rc;
    h->pointer = t->output_pointer;
    if (body) {
        if (strcmp(t->method, "GET") == 0 || strcmp(t->method, "DELETE") == 0)
            return pawl_error_set(err, PAWL_ECONFIG, env->cfg->path, body->line, body->col,
                                  "'task.body' cannot be sent with method %s", t->method);
        h->body = pawl_xcalloc(1, sizeof(*h->body));
        if ((rc = body_compile(h->body, body, env->cfg->path, err)) < 0)
            return rc;
        h->raw_body = h->body->text != NULL;
    }
    return 0;
}

static int http_check(const void *state, const struct pawl_case *c, struct pawl_error *err)
{
    const struct http_state *h = state;
    const struct pawl_config *cfg = h->remote.env->cfg;
    json_t *vars = pawl_case_vars(c);
    struct pawl_call call;
    char *why = NULL, *body;
    int rc;

    if ((rc = pawl_remote_check(&h->remote, c, err)) < 0)
        goto done;
    memset(&call, 0, sizeof(call));
    call.c = c;
    call.vars = vars;
    body = strcmp(h->remote.method, "GET") && strcmp(h->remote.method, "DELETE")
               ? render_request(h, &call, &why)
               : pawl_xstrdup("");
    if (!body) {
        const struct pawl_node *at = pawl_node_get(cfg->task.node, "body");
        rc = pawl_error_set(err, PAWL_ECONFIG, cfg->path, at ? at->line : 0, at ? at->col : 0,
                            "%s (case '%s' at %s:%d)", why, c->id, cfg->dataset.path, c->line);
    }
    free(body);
    free(why);
done:
    json_decref(vars);
    return rc;
}

static int http_ready(void *state, struct pawl_error *err)
{
    struct http_state *h = state;
    return pawl_remote_ready(&h->remote, NULL, NULL, err);
}

/* RFC 6901: the value at `ptr` in `doc`, or NULL. */
static const json_t *resolve_pointer(const json_t *doc, const char *ptr)
{
    const json_t *cur = doc;
    struct pawl_buf tok = PAWL_BUF_INIT;

    while (cur && *ptr == '/') {
        const char *p = ptr + 1;
        pawl_buf_reset(&tok);
        for (; *p && *p != '/'; p++) {
            if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
                pawl_buf_putc(&tok, p[1] == '0' ? '~' : '/');
                p++;
            } else {
                pawl_buf_putc(&tok, *p);
            }
        }
        ptr = p;
        if (json_is_object(cur)) {
            cur = json_object_get(cur, tok.ptr);
        } else if (json_is_array(cur)) {
            char *end;
            unsigned long i = strtoul(tok.ptr, &end, 10);
            /* Array indexes are plain decimals: no sign, no leading zero. */
            if (!tok.len || *end || tok.ptr[0] == '-' || tok.ptr[0] == '+' ||
                (tok.ptr[0] == '0' && tok.len > 1))
                cur = NULL;
            else
                cur = json_array_get(cur, i);
        } else {
            cur = NULL;
        }
    }
    pawl_buf_release(&tok);
    return cur;
}

static int http_parse(const void *state, struct pawl_call *call, const char *body, size_t len,
                      char **why)
{
    const struct http_state *h = state;
    json_t *doc;
    const json_t *v, *usage;

    if (!h->pointer) {
        call->output = pawl_xstrndup(body, len);
        call->output_len = len;
        return 0;
    }
    if (pawl_remote_fast_answer(call, body, len, h->pointer) == 0)
        return 0;
    if (!(doc = pawl_remote_parse_json(body, len, why)))
        return -1;
    v = resolve_pointer(doc, h->pointer);
    if (!v) {
        *why = pawl_xasprintf("has nothing at '%s' (task.output)", h->pointer);
        json_decref(doc);
        return -1;
    }
    if (json_is_string(v)) {
        call->output = pawl_xstrndup(json_string_value(v), json_string_length(v));
        call->output_len = json_string_length(v);
    } else {
        call->output = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        call->output_len = strlen(call->output);
    }
    /* An agent that reports token usage the common way gets cost and token metrics. */
    usage = json_object_get(doc, "usage");
    if (json_is_object(usage))
        call->usage = json_incref((json_t *)usage);
    json_decref(doc);
    return 0;
}

static void http_start(void *state, struct pawl_loop *loop, struct pawl_call *call)
{
    struct http_state *h = state;
    char *why = NULL, *body = NULL;
    int has_body = strcmp(h->remote.method, "GET") && strcmp(h->remote.method, "DELETE");

    if (has_body && !(body = render_request(h, call, &why))) {
        pawl_call_fail(call, "%s", why);
        free(why);
        return;
    }
    pawl_remote_send(&h->remote, loop, call, body, body ? strlen(body) : 0, http_parse, h);
    free(body);
}

static void http_free(void *state)
{
    struct http_state *h = state;

    if (!h)
        return;
    pawl_remote_release(&h->remote);
    if (h->body) {
        body_free(h->body);
        free(h->body);
    }
    free(h);
}

const struct pawl_provider_ops pawl_provider_http_ops = {
    .name = "http",
    .init = http_init,
    .check = http_check,
    .ready = http_ready,
    .start = http_start,
    .free = http_free,
};
