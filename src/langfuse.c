/*
 * langfuse.c - the Langfuse public API client (langfuse.h).
 *
 * Requests queue in order and at most `concurrency` run at once on a private
 * loop; http.h does the retrying. Every message built here passes through
 * redact() so that neither key can leave in one.
 */
#include "pawl/langfuse.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/http.h"
#include "pawl/loop.h"

#define LF_MAX_BODY ((size_t)64 << 20)
#define LF_DETAIL_MAX 300
#define LF_MAX_SECRETS 4

struct lf_job {
    struct pawl_langfuse *lf;
    char *method;
    char *path;
    char *url;
    char *body;
    size_t body_len;
    char **headers; /* NULL-terminated, owned */
    pawl_langfuse_done_fn done;
    void *ctx;
    int once;       /* http.h's `once`: never resent after the server may have acted */
};

struct pawl_langfuse {
    char *base;      /* as configured, trailing slashes removed: requests go here */
    char *shown;     /* base without userinfo, query or fragment: messages show this */
    char *public_key;
    char *secret_key;
    char *auth;      /* "Authorization: Basic ..." */
    char *key_header;
    /* What redact() removes: the secret key, the Basic credentials, the URL's password. */
    char *secrets[LF_MAX_SECRETS];
    size_t n_secrets;
    struct pawl_loop *loop;
    long timeout_ms;
    unsigned retries;
    unsigned concurrency;
    unsigned in_flight;
    struct lf_job **queue; /* waiting, oldest first from `head` */
    size_t head, n_queue, cap_queue;
};

/* ---- credentials ---------------------------------------------------------- */

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);

    return v && v[0] ? v : NULL;
}

/*
 * [scheme://][userinfo@]host[:port][/path][?query][#fragment]: where the
 * authority starts and ends, and where its host starts (after the LAST '@',
 * so that a password holding an '@' is never taken for a host).
 */
static void split_authority(const char *url, const char **auth, const char **host,
                            const char **end)
{
    const char *p = strstr(url, "://"), *q;

    *auth = p ? p + 3 : url;
    *end = *auth + strcspn(*auth, "/?#");
    *host = *auth;
    for (q = *auth; q < *end; q++)
        if (*q == '@')
            *host = q + 1;
}

/* The URL without its userinfo, query and fragment: what messages may show. */
static char *shown_url(const char *url)
{
    const char *auth, *host, *end;

    split_authority(url, &auth, &host, &end);
    return pawl_xasprintf("%.*s%.*s%.*s", (int)(auth - url), url, (int)(end - host), host,
                          *end == '/' ? (int)strcspn(end, "?#") : 0, end);
}

/* "%41" -> "A"; anything else is copied as it is. */
static char *percent_decode(const char *s, size_t n)
{
    char *out = pawl_xmalloc(n + 1), *o = out;
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], '\0'};
            *o++ = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* Takes `secret`; a duplicate is dropped. */
static void add_secret(struct pawl_langfuse *lf, char *secret)
{
    size_t i;

    for (i = 0; i < lf->n_secrets; i++)
        if (strcmp(lf->secrets[i], secret) == 0)
            break;
    if (i < lf->n_secrets || lf->n_secrets == LF_MAX_SECRETS) {
        free(secret);
        return;
    }
    lf->secrets[lf->n_secrets++] = secret;
}

/*
 * The userinfo's password ("user:PASSWORD@"), or the whole userinfo when it
 * has no ':' (a token as the user name), as written and percent-decoded.
 */
static void add_url_secrets(struct pawl_langfuse *lf, const char *url)
{
    const char *auth, *host, *end, *colon;

    split_authority(url, &auth, &host, &end);
    if (host == auth)
        return;
    colon = memchr(auth, ':', (size_t)(host - 1 - auth));
    if (colon)
        auth = colon + 1;
    add_secret(lf, pawl_xstrndup(auth, (size_t)(host - 1 - auth)));
    add_secret(lf, percent_decode(auth, (size_t)(host - 1 - auth)));
}

static char *basic_auth(const char *user, const char *pass)
{
    char *plain = pawl_xasprintf("%s:%s", user, pass);
    size_t n = strlen(plain);
    unsigned char *enc = pawl_xmalloc(4 * ((n + 2) / 3) + 1);
    char *out;

    EVP_EncodeBlock(enc, (const unsigned char *)plain, (int)n);
    out = pawl_xasprintf("Authorization: Basic %s", (const char *)enc);
    memset(plain, 0, n);
    free(plain);
    free(enc);
    return out;
}

int pawl_langfuse_open(struct pawl_langfuse **out, const struct pawl_langfuse_options *opts,
                       struct pawl_error *err)
{
    const char *pk = env_nonempty("LANGFUSE_PUBLIC_KEY"), *sk = env_nonempty("LANGFUSE_SECRET_KEY");
    const char *url = env_nonempty("LANGFUSE_BASE_URL"), *from = "LANGFUSE_BASE_URL";
    struct pawl_langfuse *lf;
    size_t n;

    *out = NULL;
    if (!pk)
        return pawl_error_set(err, PAWL_ECONFIG, NULL, 0, 0,
                              "LANGFUSE_PUBLIC_KEY is not set (the Langfuse project's public "
                              "key, pk-lf-...)");
    if (!sk)
        return pawl_error_set(err, PAWL_ECONFIG, NULL, 0, 0,
                              "LANGFUSE_SECRET_KEY is not set (the Langfuse project's secret "
                              "key, sk-lf-...)");
    if (!url) {
        url = env_nonempty("LANGFUSE_HOST");
        from = "LANGFUSE_HOST";
    }
    if (!url) {
        url = PAWL_LANGFUSE_DEFAULT_URL;
        from = NULL;
    }
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        char *shown = shown_url(url);
        int rc = pawl_error_set(err, PAWL_ECONFIG, NULL, 0, 0,
                                "%s must be an http:// or https:// URL, not '%s'", from, shown);
        free(shown);
        return rc;
    }
    lf = pawl_xcalloc(1, sizeof(*lf));
    lf->base = pawl_xstrdup(url);
    n = strlen(lf->base);
    while (n > 0 && lf->base[n - 1] == '/')
        lf->base[--n] = '\0';
    lf->shown = shown_url(lf->base);
    lf->public_key = pawl_xstrdup(pk);
    lf->secret_key = pawl_xstrdup(sk);
    lf->auth = basic_auth(pk, sk);
    add_secret(lf, pawl_xstrdup(sk));
    add_secret(lf, pawl_xstrdup(lf->auth + strlen("Authorization: Basic ")));
    add_url_secrets(lf, lf->base);
    lf->key_header = pawl_xasprintf("X-Langfuse-Public-Key: %s", pk);
    lf->loop = pawl_loop_new();
    lf->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
    lf->retries = opts && opts->retries >= 0 ? (unsigned)opts->retries : 4;
    lf->concurrency = opts && opts->concurrency > 0 ? opts->concurrency : 8;
    *out = lf;
    return 0;
}

static void job_free(struct lf_job *j)
{
    size_t i;

    if (!j)
        return;
    free(j->method);
    free(j->path);
    free(j->url);
    free(j->body);
    for (i = 0; j->headers && j->headers[i]; i++)
        free(j->headers[i]);
    free(j->headers);
    free(j);
}

void pawl_langfuse_close(struct pawl_langfuse *lf)
{
    size_t i;

    if (!lf)
        return;
    if (lf->loop) {
        pawl_loop_cancel_all(lf->loop);
        pawl_loop_free(lf->loop);
    }
    for (i = lf->head; i < lf->n_queue; i++)
        job_free(lf->queue[i]);
    free(lf->queue);
    free(lf->base);
    free(lf->shown);
    free(lf->public_key);
    if (lf->secret_key)
        memset(lf->secret_key, 0, strlen(lf->secret_key));
    free(lf->secret_key);
    if (lf->auth)
        memset(lf->auth, 0, strlen(lf->auth));
    free(lf->auth);
    free(lf->key_header);
    for (i = 0; i < lf->n_secrets; i++) {
        memset(lf->secrets[i], 0, strlen(lf->secrets[i]));
        free(lf->secrets[i]);
    }
    free(lf);
}

const char *pawl_langfuse_url(const struct pawl_langfuse *lf)
{
    return lf->shown;
}

static const char *find(const char *s, size_t n, const char *needle, size_t k)
{
    size_t i;

    for (i = 0; k <= n && i <= n - k; i++)
        if (s[i] == needle[0] && memcmp(s + i, needle, k) == 0)
            return s + i;
    return NULL;
}

/*
 * Replaces every secret in the n bytes at s by "***" and returns the new
 * length (shorter: secrets of 3 bytes or less are left, they would match
 * everywhere). Works on bytes, so a NUL in a JSON string hides nothing.
 */
static size_t redact_mem(const struct pawl_langfuse *lf, char *s, size_t n)
{
    size_t i;

    for (i = 0; i < lf->n_secrets; i++) {
        size_t k = strlen(lf->secrets[i]);
        const char *found;
        while (k > 3 && (found = find(s, n, lf->secrets[i], k)) != NULL) {
            char *hit = s + (found - s); /* find() is const-correct; s is ours to change */
            memset(hit, '*', 3);
            memmove(hit + 3, hit + k, n - (size_t)(hit + k - s));
            n -= k - 3;
        }
    }
    return n;
}

static void redact(const struct pawl_langfuse *lf, char *s)
{
    s[redact_mem(lf, s, strlen(s))] = '\0';
}

static int has_secret(const struct pawl_langfuse *lf, const char *s, size_t n)
{
    size_t i, k;

    for (i = 0; i < lf->n_secrets; i++)
        if ((k = strlen(lf->secrets[i])) > 3 && find(s, n, lf->secrets[i], k))
            return 1;
    return 0;
}

/* A redacted copy of the n bytes at s, with its length in *len. */
static char *redacted_copy(const struct pawl_langfuse *lf, const char *s, size_t n, size_t *len)
{
    char *copy = pawl_xmalloc(n + 1);

    memcpy(copy, s, n);
    *len = redact_mem(lf, copy, n);
    copy[*len] = '\0';
    return copy;
}

/*
 * The raw reply is redacted before it is parsed, but JSON can spell the key
 * with escapes ("\u0073k-lf-..."), which only parsing turns back into the
 * key: so every string and object key of the parsed reply is redacted too.
 */
static void redact_json(const struct pawl_langfuse *lf, json_t *v)
{
    size_t i, n;

    if (json_is_string(v)) {
        if (has_secret(lf, json_string_value(v), json_string_length(v))) {
            char *clean = redacted_copy(lf, json_string_value(v), json_string_length(v), &n);
            /* A password that is not UTF-8 can leave invalid UTF-8 behind: drop it all. */
            if (json_string_setn(v, clean, n) < 0)
                json_string_set(v, "***");
            free(clean);
        }
    } else if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v); i++)
            redact_json(lf, json_array_get(v, i));
    } else if (json_is_object(v)) {
        const char *key;
        size_t key_len;
        json_t *value, *dirty = json_array();
        void *tmp;

        json_object_keylen_foreach_safe(v, tmp, key, key_len, value) {
            redact_json(lf, value);
            if (has_secret(lf, key, key_len))
                json_array_append_new(dirty, json_stringn(key, key_len));
        }
        /* Renamed after the walk: an object must not change while it is iterated. */
        for (i = 0; i < json_array_size(dirty); i++) {
            const json_t *k = json_array_get(dirty, i);
            char *clean = redacted_copy(lf, json_string_value(k), json_string_length(k), &n);
            value = json_incref(json_object_getn(v, json_string_value(k), json_string_length(k)));
            json_object_deln(v, json_string_value(k), json_string_length(k));
            json_object_setn_new(v, clean, n, value);
            free(clean);
        }
        json_decref(dirty);
    }
}

/* ---- requests ------------------------------------------------------------- */

void pawl_langfuse_reply_release(struct pawl_langfuse_reply *r)
{
    if (!r)
        return;
    json_decref(r->body);
    free(r->text);
    memset(r, 0, sizeof(*r));
}

static void pump(struct pawl_langfuse *lf);

static void on_http_done(void *ctx, const struct pawl_http_response *res)
{
    struct lf_job *j = ctx;
    struct pawl_langfuse *lf = j->lf;
    struct pawl_langfuse_reply reply;
    char *error = NULL;

    memset(&reply, 0, sizeof(reply));
    reply.status = res->status;
    reply.attempts = res->attempts;
    if (res->body && res->body->len) {
        reply.text = pawl_xstrndup(res->body->ptr, res->body->len);
    } else {
        reply.text = pawl_xstrdup("");
    }
    /* Parsed after redaction, so that nothing read from the reply can quote the key. */
    redact(lf, reply.text);
    reply.text_len = strlen(reply.text);
    if (reply.text_len) {
        reply.body = json_loadb(reply.text, reply.text_len, JSON_DECODE_ANY, NULL);
        redact_json(lf, reply.body);
    }
    if (res->cancelled) {
        error = pawl_xasprintf("%s %s to Langfuse at %s was cancelled", j->method, j->path,
                               lf->shown);
        reply.status = 0;
    } else if (res->overflow) {
        error = pawl_xasprintf("Langfuse at %s answered %s %s with more than %zu MiB", lf->shown,
                               j->method, j->path, LF_MAX_BODY >> 20);
        reply.status = 0;
    } else if (res->status == 0) {
        error = pawl_xasprintf("Langfuse request %s %s failed: %s", j->method, j->path,
                               res->error ? res->error : "no response");
        if (res->attempts > 1) {
            char *more = pawl_xasprintf("%s (after %u attempts)", error, res->attempts);
            free(error);
            error = more;
        }
    }
    if (error)
        redact(lf, error);
    lf->in_flight--;
    j->done(j->ctx, &reply, error);
    free(error);
    pawl_langfuse_reply_release(&reply);
    job_free(j);
    pump(lf);
}

static void pump(struct pawl_langfuse *lf)
{
    while (lf->in_flight < lf->concurrency && lf->head < lf->n_queue) {
        struct lf_job *j = lf->queue[lf->head];
        struct pawl_http_request req;

        lf->queue[lf->head++] = NULL;
        if (lf->head == lf->n_queue)
            lf->head = lf->n_queue = 0;
        memset(&req, 0, sizeof(req));
        req.method = j->method;
        req.url = j->url;
        req.headers = (const char *const *)j->headers;
        req.body = j->body;
        req.body_len = j->body_len;
        req.timeout_ms = lf->timeout_ms;
        req.connect_timeout_ms = lf->timeout_ms < 10000 ? lf->timeout_ms : 10000;
        req.retries = lf->retries;
        req.max_body = LF_MAX_BODY;
        req.once = j->once;
        lf->in_flight++;
        pawl_http_start(lf->loop, &req, on_http_done, j);
    }
}

static void start_job(struct pawl_langfuse *lf, const struct pawl_langfuse_call *call,
                      pawl_langfuse_done_fn done, void *ctx, int once)
{
    struct lf_job *j = pawl_xcalloc(1, sizeof(*j));
    const char *ctype = NULL;
    size_t n_extra = 0, k = 0, i;

    j->lf = lf;
    j->once = once;
    j->method = pawl_xstrdup(call->method);
    j->path = pawl_xstrdup(call->path);
    j->url = pawl_xasprintf("%s%s", lf->base, call->path);
    j->done = done;
    j->ctx = ctx;
    if (call->body) {
        j->body = json_dumps(call->body, JSON_COMPACT);
        if (!j->body) /* only when out of memory, or for invalid UTF-8 jansson never holds */
            abort();
        j->body_len = strlen(j->body);
        ctype = "Content-Type: application/json";
    } else if (call->raw_body) {
        j->body = pawl_xmalloc(call->raw_len + 1);
        memcpy(j->body, call->raw_body, call->raw_len);
        j->body[call->raw_len] = '\0';
        j->body_len = call->raw_len;
    }
    for (i = 0; call->extra_headers && call->extra_headers[i]; i++)
        n_extra++;
    j->headers = pawl_xcalloc(n_extra + 6, sizeof(char *));
    j->headers[k++] = pawl_xstrdup(lf->auth);
    j->headers[k++] = pawl_xstrdup(lf->key_header);
    j->headers[k++] = pawl_xstrdup("Accept: application/json");
    j->headers[k++] = pawl_xstrdup("X-Langfuse-Sdk-Name: pawl");
    if (ctype)
        j->headers[k++] = pawl_xstrdup(ctype);
    for (i = 0; i < n_extra; i++)
        j->headers[k++] = pawl_xstrdup(call->extra_headers[i]);
    j->headers[k] = NULL;
    PAWL_ALLOC_GROW(lf->queue, lf->n_queue + 1, lf->cap_queue);
    lf->queue[lf->n_queue++] = j;
    pump(lf);
}

void pawl_langfuse_start(struct pawl_langfuse *lf, const struct pawl_langfuse_call *call,
                         pawl_langfuse_done_fn done, void *ctx)
{
    start_job(lf, call, done, ctx, 0);
}

void pawl_langfuse_start_once(struct pawl_langfuse *lf, const struct pawl_langfuse_call *call,
                              pawl_langfuse_done_fn done, void *ctx)
{
    start_job(lf, call, done, ctx, 1);
}

int pawl_langfuse_wait(struct pawl_langfuse *lf, struct pawl_error *err)
{
    int rc;

    while (lf->in_flight > 0 || lf->head < lf->n_queue)
        if ((rc = pawl_loop_step(lf->loop, 1000, err)) < 0)
            return rc;
    return 0;
}

struct sync_ctx {
    struct pawl_langfuse_reply *out;
    char *error;
};

static void on_sync_done(void *ctx, const struct pawl_langfuse_reply *reply, const char *error)
{
    struct sync_ctx *s = ctx;

    s->out->status = reply->status;
    s->out->attempts = reply->attempts;
    s->out->body = reply->body ? json_incref(reply->body) : NULL;
    s->out->text = pawl_xstrdup(reply->text ? reply->text : "");
    s->out->text_len = strlen(s->out->text);
    s->error = error ? pawl_xstrdup(error) : NULL;
}

int pawl_langfuse_request(struct pawl_langfuse *lf, const struct pawl_langfuse_call *call,
                          struct pawl_langfuse_reply *out, struct pawl_error *err)
{
    struct sync_ctx s = {out, NULL};
    int rc;

    memset(out, 0, sizeof(*out));
    pawl_langfuse_start(lf, call, on_sync_done, &s);
    if ((rc = pawl_langfuse_wait(lf, err)) < 0) {
        free(s.error);
        return rc;
    }
    if (s.error) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "%s", s.error);
        free(s.error);
        return rc;
    }
    return 0;
}

/* The server's own words: `message`, else `error` (a string, or the first of a list). */
static char *reply_detail(const struct pawl_langfuse_reply *r)
{
    const json_t *m = json_object_get(r->body, "message"), *e = json_object_get(r->body, "error");
    const char *text = r->text ? r->text : "";
    size_t len;

    if (json_is_array(e) && json_array_size(e) > 0 && json_is_string(json_array_get(e, 0))) {
        const char *first = json_string_value(json_array_get(e, 0));
        if (json_is_string(m))
            return pawl_xasprintf("%s: %s%s", json_string_value(m), first,
                                  json_array_size(e) > 1 ? " (and more)" : "");
        return pawl_xstrdup(first);
    }
    if (json_is_string(m) && json_string_length(m) > 0)
        return pawl_xstrdup(json_string_value(m));
    if (json_is_string(e) && json_string_length(e) > 0)
        return pawl_xstrdup(json_string_value(e));
    len = strlen(text);
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        len--;
    if (len == 0)
        return pawl_xstrdup("(empty reply)");
    if (len > LF_DETAIL_MAX)
        return pawl_xasprintf("%.*s...", LF_DETAIL_MAX, text);
    return pawl_xstrndup(text, len);
}

int pawl_langfuse_check(const struct pawl_langfuse_reply *r, const struct pawl_langfuse_call *call,
                        struct pawl_error *err)
{
    char *detail;
    int rc;

    if (r->status >= 200 && r->status < 300)
        return 0;
    detail = reply_detail(r);
    rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "Langfuse answered %ld to %s %s: %s%s",
                        r->status, call->method, call->path, detail,
                        r->status == 401 || r->status == 403
                            ? " (check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY)"
                            : "");
    free(detail);
    return rc;
}

int pawl_langfuse_send(struct pawl_langfuse *lf, const struct pawl_langfuse_call *call,
                       struct pawl_langfuse_reply *out, struct pawl_error *err)
{
    int rc;

    if ((rc = pawl_langfuse_request(lf, call, out, err)) < 0)
        return rc;
    return pawl_langfuse_check(out, call, err);
}

/* ---- ids, escaping, time -------------------------------------------------- */

char *pawl_langfuse_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    struct pawl_buf b = PAWL_BUF_INIT;
    const unsigned char *p;

    for (p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            pawl_buf_putc(&b, (char)*p);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            pawl_buf_add(&b, enc, 3);
        }
    }
    return pawl_buf_detach(&b, NULL);
}

void pawl_langfuse_hex_id(char *out, size_t hex_len, const char *const *parts, size_t n_parts)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t i;
    int zero = 1;

    if (hex_len > 64)
        hex_len = 64;
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
        abort(); /* out of memory: libcrypto always has SHA-256 */
    for (i = 0; i < n_parts; i++) {
        const char *p = parts[i] ? parts[i] : "";
        EVP_DigestUpdate(ctx, p, strlen(p) + 1);
    }
    EVP_DigestFinal_ex(ctx, md, &md_len);
    EVP_MD_CTX_free(ctx);
    for (i = 0; i < hex_len; i++) {
        unsigned v = i % 2 ? md[i / 2] & 15u : md[i / 2] >> 4;
        out[i] = hex[v];
        zero &= v == 0;
    }
    /* OTLP reserves the all-zero id as "invalid"; 2^-64 odds, but never emit it. */
    if (zero && hex_len > 0)
        out[hex_len - 1] = '1';
    out[hex_len] = '\0';
}

void pawl_langfuse_timestamp(char out[32], long long ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    long long rem = ms % 1000;

    if (rem < 0) {
        rem += 1000;
        secs -= 1;
    }
    char date[24];

    gmtime_r(&secs, &tm);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%.19s.%03dZ", date, (int)rem);
}
