/*
 * remote.c - the shared half of the HTTP providers (see remote.h).
 *
 * Cache entries live at <cache>/<2 hex>/<64 hex>.json, named by the SHA-256
 * of the provider kind, URL, model, request body and trial index: what
 * decides the answer, never the headers (they carry the key). An entry
 * holds the parsed answer, not the raw response, so a hit costs one small
 * read. A corrupt or foreign entry is a miss and is overwritten.
 */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_util.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/fs.h"
#include "pawl/suite.h"
#include "pawl/utf8.h"
#include "remote.h"

/* Connecting never needs long; a separate short bound keeps dead hosts cheap. */
#define CONNECT_TIMEOUT_MS 10000
#define CACHE_ENTRY_MAX (PAWL_PROVIDER_MAX_OUTPUT + 1024 * 1024)
#define CACHE_FORMAT 1
/* How much of an error response goes into the call's error message. */
#define ERROR_EXCERPT 300

char *pawl_remote_join_url(const char *base, const char *path)
{
    /* The path goes before a query (Azure's ?api-version=...), not after it. */
    size_t n = strcspn(base, "?#"), end = n;

    while (end > 0 && base[end - 1] == '/')
        end--;
    while (*path == '/')
        path++;
    return pawl_xasprintf("%.*s/%s%s", (int)end, base, path, base + n);
}

/* `url` without the parts that may hold credentials: userinfo, and with `no_query` the query. */
static char *strip_url(const char *url, int no_query)
{
    CURLU *u = curl_url();
    char *out = NULL, *text = NULL;

    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        curl_url_set(u, CURLUPART_USER, NULL, 0);
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
        if (no_query)
            curl_url_set(u, CURLUPART_QUERY, NULL, 0);
        if (curl_url_get(u, CURLUPART_URL, &text, 0) == CURLUE_OK)
            out = pawl_xstrdup(text);
    }
    curl_free(text);
    curl_url_cleanup(u);
    /* An unparsable URL fails at the call; never echo it whole meanwhile. */
    return out ? out : pawl_xstrdup("(the configured URL)");
}

int pawl_remote_init(struct pawl_remote *r, const struct pawl_provider_env *env, const char *kind,
                     const char *url, struct pawl_error *err)
{
    const struct pawl_task_config *t = &env->cfg->task;
    const struct pawl_node *headers = pawl_node_get(t->node, "headers");
    size_t i;
    int rc;

    memset(r, 0, sizeof(*r));
    r->env = env;
    r->kind = kind;
    r->url = pawl_xstrdup(url);
    r->shown_url = strip_url(url, 1);
    r->key_url = strip_url(url, 0);
    r->method = t->method ? t->method : "POST";
    r->model = t->model;
    r->key_env = t->api_key_env;
    r->key_at = pawl_node_get(t->node, "api_key_env");
    r->timeout_ms = env->cfg->run.timeout_ms;
    r->retries = (unsigned)env->cfg->run.retries;
    if (!headers)
        return 0;
    r->headers = pawl_xcalloc(headers->n + 1, sizeof(*r->headers));
    for (i = 0; i < headers->n; i++) {
        const struct pawl_node *v = headers->items[i];
        struct remote_header *h = &r->headers[r->n_headers];
        h->name = pawl_xstrdup(headers->keys[i]->value);
        r->n_headers++;
        rc = pawl_template_compile(&h->value, v->value, env->cfg->path, v->line,
                                   v->quoted ? v->col + 1 : v->col, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int pawl_remote_check(const struct pawl_remote *r, const struct pawl_case *c,
                      struct pawl_error *err)
{
    struct pawl_error inner;
    json_t *vars = pawl_case_vars(c);
    size_t i;
    int rc = 0;

    pawl_error_init(&inner);
    for (i = 0; i < r->n_headers && rc == 0; i++)
        if (pawl_template_check(r->headers[i].value, vars, &inner) < 0)
            rc = pawl_error_set(err, inner.code, inner.source, inner.line, inner.col,
                                "%s (case '%s' at %s:%d)", inner.msg, c->id,
                                r->env->cfg->dataset.path, c->line);
    json_decref(vars);
    return rc;
}

int pawl_remote_ready(struct pawl_remote *r, const char *auth_header, const char *auth_prefix,
                      struct pawl_error *err)
{
    const char *value;
    const struct pawl_config *cfg = r->env->cfg;

    if (!r->key_env || r->key)
        return 0;
    value = getenv(r->key_env);
    if (!value || !*value) {
        if (r->key_at)
            return pawl_error_set(err, PAWL_ECONFIG, cfg->path, r->key_at->line, r->key_at->col,
                                  "environment variable '%s' named by 'task.api_key_env' is %s",
                                  r->key_env, value ? "empty" : "not set");
        return pawl_error_set(err, PAWL_ECONFIG, cfg->path, cfg->task.line, cfg->task.col,
                              "provider '%s' needs an API key: set %s, or name another variable "
                              "with 'task.api_key_env'",
                              r->kind, r->key_env);
    }
    r->key = pawl_xstrdup(value);
    if (auth_header && !pawl_remote_has_header(r, auth_header))
        pawl_remote_add_header(r, "%s: %s%s", auth_header, auth_prefix, r->key);
    return 0;
}

void pawl_remote_add_header(struct pawl_remote *r, const char *fmt, ...)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    pawl_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    r->fixed = pawl_xrealloc(r->fixed, (r->n_fixed + 2) * sizeof(*r->fixed));
    r->fixed[r->n_fixed++] = pawl_buf_detach(&b, NULL);
    r->fixed[r->n_fixed] = NULL;
}

int pawl_remote_has_header(const struct pawl_remote *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return 1;
    return 0;
}

void pawl_remote_release(struct pawl_remote *r)
{
    size_t i;

    for (i = 0; i < r->n_headers; i++) {
        free(r->headers[i].name);
        pawl_template_free(r->headers[i].value);
    }
    free(r->headers);
    for (i = 0; i < r->n_fixed; i++)
        free(r->fixed[i]);
    free(r->fixed);
    if (r->key) {
        /* Do not leave the key in freed heap memory for a core dump to show. */
        memset(r->key, 0, strlen(r->key));
        free(r->key);
    }
    free(r->url);
    free(r->shown_url);
    free(r->key_url);
    memset(r, 0, sizeof(*r));
}

int pawl_remote_fast_answer(struct pawl_call *call, const char *body, size_t len,
                            const char *pointer)
{
    const char *want[2];
    struct pawl_json_span spans[2];

    want[0] = pointer;
    want[1] = "/usage";
    if (pawl_json_scan(body, len, want, 2, spans) < 0 ||
        !(call->output = pawl_json_span_string(&spans[0], &call->output_len)))
        return -1;
    if (spans[1].found && spans[1].ptr[0] == '{')
        call->usage = json_loadb(spans[1].ptr, spans[1].len, 0, NULL);
    return 0;
}

json_t *pawl_remote_parse_json(const char *body, size_t len, char **why)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_DECODE_ANY, &jerr);

    if (!doc)
        *why = pawl_xasprintf("is not JSON: %s (at byte %d)", jerr.text, jerr.position);
    return doc;
}

/* ---- the cache ----------------------------------------------------------- */

static char *cache_path(const struct pawl_remote *r, const struct pawl_call *call,
                        const char *body, size_t body_len)
{
    struct pawl_buf material = PAWL_BUF_INIT;
    char hex[65];
    char *path;

    /* NUL separators: no field can run into the next. */
    pawl_buf_puts(&material, "pawl-cache-v1");
    pawl_buf_add(&material, "", 1);
    pawl_buf_puts(&material, r->kind);
    pawl_buf_add(&material, "", 1);
    pawl_buf_puts(&material, r->method);
    pawl_buf_add(&material, "", 1);
    pawl_buf_puts(&material, r->key_url);
    pawl_buf_add(&material, "", 1);
    pawl_buf_puts(&material, r->model ? r->model : "");
    pawl_buf_add(&material, "", 1);
    if (body)
        pawl_buf_add(&material, body, body_len);
    pawl_buf_add(&material, "", 1);
    pawl_buf_printf(&material, "%u", call->trial);
    pawl_sha256_hex(hex, material.ptr, material.len);
    pawl_buf_release(&material);
    path = pawl_xasprintf("%s/%.2s/%s.json", call->cache_dir, hex, hex);
    return path;
}

/* Fills the call from a valid entry; 0 on a hit. */
static int cache_get(struct pawl_call *call, const char *path)
{
    struct pawl_buf data = PAWL_BUF_INIT;
    json_t *doc = NULL;
    const json_t *output, *usage, *latency;
    int rc = -1;

    if (pawl_fs_read(&data, path, path, CACHE_ENTRY_MAX, NULL) < 0)
        goto done;
    doc = json_loadb(data.ptr, data.len, 0, NULL);
    output = json_object_get(doc, "output");
    usage = json_object_get(doc, "usage");
    latency = json_object_get(doc, "latency_ms");
    if (json_integer_value(json_object_get(doc, "pawl_cache")) != CACHE_FORMAT ||
        !json_is_string(output) || (usage && !json_is_object(usage) && !json_is_null(usage)) ||
        !json_is_integer(latency) || json_integer_value(latency) < 0)
        goto done;
    call->output = pawl_xstrndup(json_string_value(output), json_string_length(output));
    call->output_len = json_string_length(output);
    if (json_is_object(usage))
        call->usage = json_incref((json_t *)usage);
    call->latency_ms = (long)json_integer_value(latency);
    call->cached = 1;
    rc = 0;
done:
    json_decref(doc);
    pawl_buf_release(&data);
    return rc;
}

/* Best effort: a cache that cannot be written costs speed, not correctness. */
static void cache_put(const struct pawl_call *call, const char *path, const char *kind)
{
    struct pawl_fs_atomic out;
    json_t *doc = json_pack("{s:i, s:s, s:s%, s:O?, s:I}", "pawl_cache", CACHE_FORMAT, "provider",
                            kind, "output", call->output, call->output_len, "usage", call->usage,
                            "latency_ms", (json_int_t)call->latency_ms);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

    /* Renamed into place, but not synced: a cache entry lost or torn by a crash is
     * only a miss (the reader checks every entry), and syncing each one would
     * cost a disk flush per call. */
    if (text && pawl_fs_atomic_open(&out, path, NULL) == 0) {
        pawl_fs_atomic_write(&out, text, strlen(text));
        pawl_fs_atomic_commit(&out, 0, NULL);
    }
    free(text);
    json_decref(doc);
}

/* ---- one call ------------------------------------------------------------ */

struct send_ctx {
    struct pawl_remote *r;
    struct pawl_call *call;
    pawl_remote_parse_fn parse;
    const void *state;
    char *cache_path;
};

/* Every message that leaves this file goes through here: the key never does. */
static void fail_redacted(const struct pawl_remote *r, struct pawl_call *call, char *msg)
{
    char *hit;
    size_t klen = r->key ? strlen(r->key) : 0;

    while (klen > 0 && (hit = strstr(msg, r->key)) != NULL) {
        memset(hit, '*', 3);
        memmove(hit + 3, hit + klen, strlen(hit + klen) + 1);
    }
    pawl_call_fail(call, "%s", msg);
    free(msg);
}

/* A readable excerpt of an error response: the API's own message when it has one. */
static char *error_detail(const struct pawl_buf *body)
{
    json_t *doc = json_loadb(body->ptr, body->len, 0, NULL);
    const json_t *e = json_object_get(doc, "error"), *m = NULL;
    const char *text = body->ptr;
    size_t len = body->len, i;
    char *out;

    if (json_is_object(e))
        m = json_object_get(e, "message");
    else if (json_is_string(e))
        m = e;
    if (!m)
        m = json_object_get(doc, "message");
    if (json_is_string(m)) {
        text = json_string_value(m);
        len = json_string_length(m);
    }
    if (len > ERROR_EXCERPT)
        len = ERROR_EXCERPT;
    out = pawl_utf8_sanitize(text, len, NULL);
    for (i = 0; out[i]; i++)
        if ((unsigned char)out[i] < 0x20)
            out[i] = ' ';
    json_decref(doc);
    return out;
}

static char *attempts_note(unsigned attempts)
{
    return attempts > 1 ? pawl_xasprintf(" (after %u attempts)", attempts) : pawl_xstrdup("");
}

static void on_response(void *vctx, const struct pawl_http_response *res)
{
    struct send_ctx *ctx = vctx;
    struct pawl_remote *r = ctx->r;
    struct pawl_call *call = ctx->call;
    char *note = attempts_note(res->attempts), *why = NULL, *detail;

    call->latency_ms = res->elapsed_ms;
    if (res->cancelled) {
        fail_redacted(r, call, pawl_xstrdup(res->error));
    } else if (res->overflow) {
        fail_redacted(r, call,
                      pawl_xasprintf("response from %s exceeds %zu bytes", r->shown_url,
                                     (size_t)PAWL_PROVIDER_MAX_OUTPUT));
    } else if (res->error) {
        fail_redacted(r, call, pawl_xasprintf("%s %s: %s%s", r->method, r->shown_url, res->error, note));
    } else if (res->status < 200 || res->status > 299) {
        detail = error_detail(res->body);
        fail_redacted(r, call,
                      pawl_xasprintf("HTTP %ld from %s %s%s%s%s", res->status, r->method, r->shown_url,
                                     note, *detail ? ": " : "", detail));
        free(detail);
    } else if (ctx->parse(ctx->state, call, res->body->ptr, res->body->len, &why) < 0) {
        fail_redacted(r, call, pawl_xasprintf("response from %s %s", r->shown_url, why));
    } else {
        if (ctx->cache_path)
            cache_put(call, ctx->cache_path, r->kind);
        call->done(call);
    }
    free(why);
    free(note);
    free(ctx->cache_path);
    free(ctx);
}

/* The headers of one call: the provider's, then the config's rendered for the case. */
static char **build_headers(const struct pawl_remote *r, const json_t *vars, char **why)
{
    size_t n = r->n_fixed + r->n_headers + 2, k = 0, i;
    char **out = pawl_xcalloc(n, sizeof(*out));
    struct pawl_buf value = PAWL_BUF_INIT;
    struct pawl_error err;

    pawl_error_init(&err);
    for (i = 0; i < r->n_fixed; i++)
        out[k++] = pawl_xstrdup(r->fixed[i]);
    if (!pawl_remote_has_header(r, "Content-Type"))
        out[k++] = pawl_xstrdup("Content-Type: application/json");
    for (i = 0; i < r->n_headers; i++) {
        pawl_buf_reset(&value);
        if (pawl_template_render(&value, r->headers[i].value, vars, &err) < 0) {
            *why = pawl_xasprintf("header '%s': %s", r->headers[i].name, err.msg);
            goto fail;
        }
        /* Dataset text must not be able to add headers or split the request. */
        if (memchr(value.ptr, '\r', value.len) || memchr(value.ptr, '\n', value.len) ||
            memchr(value.ptr, '\0', value.len)) {
            *why = pawl_xasprintf("header '%s' rendered a line break for this case",
                                  r->headers[i].name);
            goto fail;
        }
        out[k++] = pawl_xasprintf("%s: %s", r->headers[i].name, value.ptr);
    }
    pawl_buf_release(&value);
    return out;
fail:
    pawl_buf_release(&value);
    for (i = 0; i < k; i++)
        free(out[i]);
    free(out);
    return NULL;
}

void pawl_remote_send(struct pawl_remote *r, struct pawl_loop *loop, struct pawl_call *call,
                      const char *body, size_t body_len, pawl_remote_parse_fn parse,
                      const void *state)
{
    struct pawl_http_request req;
    struct send_ctx *ctx;
    char **headers, *why = NULL, *path = NULL;
    size_t i;

    if (call->cache_dir) {
        path = cache_path(r, call, body, body_len);
        if (cache_get(call, path) == 0) {
            free(path);
            call->done(call);
            return;
        }
    }
    headers = build_headers(r, call->vars, &why);
    if (!headers) {
        free(path);
        fail_redacted(r, call, why);
        return;
    }
    ctx = pawl_xcalloc(1, sizeof(*ctx));
    ctx->r = r;
    ctx->call = call;
    ctx->parse = parse;
    ctx->state = state;
    ctx->cache_path = path;
    memset(&req, 0, sizeof(req));
    req.method = r->method;
    req.url = r->url;
    req.headers = (const char *const *)headers;
    req.body = body;
    req.body_len = body_len;
    req.timeout_ms = r->timeout_ms;
    req.connect_timeout_ms =
        r->timeout_ms > 0 && r->timeout_ms < CONNECT_TIMEOUT_MS ? r->timeout_ms : CONNECT_TIMEOUT_MS;
    req.retries = r->retries;
    req.max_body = PAWL_PROVIDER_MAX_OUTPUT;
    pawl_http_start(loop, &req, on_response, ctx);
    for (i = 0; headers[i]; i++) {
        memset(headers[i], 0, strlen(headers[i])); /* may hold the key */
        free(headers[i]);
    }
    free(headers);
}
