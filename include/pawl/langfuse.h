/*
 * langfuse.h - a client for the Langfuse public API (`/api/public/...`).
 *
 * Credentials come from the environment only: LANGFUSE_PUBLIC_KEY and
 * LANGFUSE_SECRET_KEY (HTTP Basic auth), the server from LANGFUSE_BASE_URL,
 * else the deprecated LANGFUSE_HOST, else Langfuse's EU cloud. The keys
 * never appear in a message: replies quoted in errors have the secret key
 * replaced, and URLs lose their userinfo.
 *
 * Requests run on a private event loop (loop.h, http.h), so they get the
 * same retries as model calls: 408, 429 and 5xx, timeouts and broken
 * connections are retried with backoff that honours Retry-After. Several
 * requests may be in flight at once (pawl_langfuse_start + _wait), at most
 * `concurrency` of them; the rest queue in order.
 *
 * Every failure is PAWL_EIO (an infrastructure error, exit 3) except
 * missing credentials, which are PAWL_ECONFIG (exit 2).
 */
#ifndef PAWL_LANGFUSE_H
#define PAWL_LANGFUSE_H

#include <jansson.h>
#include <stddef.h>

#include "pawl/error.h"

#define PAWL_LANGFUSE_DEFAULT_URL "https://cloud.langfuse.com"

struct pawl_langfuse;

struct pawl_langfuse_options {
    long timeout_ms;      /* per attempt; 0 = 30 s */
    int retries;          /* -1 = the default (4) */
    unsigned concurrency; /* 0 = 8 */
};

/*
 * Reads the credentials and the base URL from the environment. Missing or
 * empty keys: PAWL_ECONFIG "LANGFUSE_PUBLIC_KEY is not set (the Langfuse
 * project's public key, pk-lf-...)" (or the secret key's twin). A base URL
 * that is not http(s)://...: PAWL_ECONFIG naming the variable it came from.
 */
int pawl_langfuse_open(struct pawl_langfuse **out, const struct pawl_langfuse_options *opts,
                       struct pawl_error *err);
void pawl_langfuse_close(struct pawl_langfuse *lf);

/* The server, without a trailing slash or userinfo: safe to print. */
const char *pawl_langfuse_url(const struct pawl_langfuse *lf);

struct pawl_langfuse_reply {
    long status;   /* HTTP status; 0 when no response arrived */
    json_t *body;  /* the reply parsed as JSON (a new reference), or NULL; redacted like text,
                    * including keys spelled with JSON escapes */
    char *text;    /* the raw reply, NUL-terminated, secret key redacted; never NULL */
    size_t text_len;
    unsigned attempts;
};

void pawl_langfuse_reply_release(struct pawl_langfuse_reply *r);

/*
 * `path` starts with "/api/public/" and may carry an already escaped query
 * (pawl_langfuse_escape). `body` is sent as JSON when non-NULL (NULL sends
 * none); `raw_body`/`raw_len` instead send bytes as they are with
 * `content_type` (both may be NULL for JSON). `extra_headers` are
 * "Name: value" strings, NULL-terminated, or NULL.
 */
struct pawl_langfuse_call {
    const char *method;
    const char *path;
    const json_t *body;
    const char *raw_body;
    size_t raw_len;
    const char *const *extra_headers;
};

/*
 * Sends one request and waits for its final answer (after retries). Returns
 * 0 when an HTTP response arrived, whatever its status: the caller decides
 * what a 404 means. Returns PAWL_EIO when none did ("Langfuse request GET
 * /api/public/health failed: cannot connect to http://127.0.0.1:9: Connection refused").
 */
int pawl_langfuse_request(struct pawl_langfuse *lf, const struct pawl_langfuse_call *call,
                          struct pawl_langfuse_reply *out, struct pawl_error *err);

/*
 * Turns a reply that is not 2xx into PAWL_EIO: "Langfuse answered 401 to GET
 * /api/public/v2/datasets/x: <message>" where <message> is the reply's
 * `message` or `error` field, else its text (truncated); 401 and 403 add
 * "(check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY)". Returns 0 for 2xx.
 */
int pawl_langfuse_check(const struct pawl_langfuse_reply *r, const struct pawl_langfuse_call *call,
                        struct pawl_error *err);

/* request + check: 0 only for a 2xx answer (its reply in `out`, release it either way). */
int pawl_langfuse_send(struct pawl_langfuse *lf, const struct pawl_langfuse_call *call,
                       struct pawl_langfuse_reply *out, struct pawl_error *err);

/*
 * Queues a request; `done` runs from pawl_langfuse_wait() with the final
 * reply (borrowed for the callback; status 0 and `error` set when no
 * response arrived). Everything in `call` is copied.
 */
typedef void (*pawl_langfuse_done_fn)(void *ctx, const struct pawl_langfuse_reply *reply,
                                      const char *error);
void pawl_langfuse_start(struct pawl_langfuse *lf, const struct pawl_langfuse_call *call,
                         pawl_langfuse_done_fn done, void *ctx);
/*
 * The same for a write that a second copy would duplicate (an OTLP export:
 * Langfuse v4 keeps a span sent twice): retried only when it surely was not
 * processed (connection refused, 429, 503), never after a timeout or a
 * broken connection, which leave it unknown. A re-push fills such gaps.
 */
void pawl_langfuse_start_once(struct pawl_langfuse *lf, const struct pawl_langfuse_call *call,
                              pawl_langfuse_done_fn done, void *ctx);
/* Runs the loop until every queued request is done. PAWL_EIO only for a loop failure. */
int pawl_langfuse_wait(struct pawl_langfuse *lf, struct pawl_error *err);

/* Percent-encodes everything but unreserved characters (RFC 3986): path segments, query values. */
char *pawl_langfuse_escape(const char *s);

/*
 * A deterministic lowercase hex id of `hex_len` digits (<= 64, even): the
 * SHA-256 of the parts, each followed by a NUL byte. Trace ids are 32
 * digits, span ids 16; an all-zero id (invalid in OTLP) never comes out.
 */
void pawl_langfuse_hex_id(char *out, size_t hex_len, const char *const *parts, size_t n_parts);

/* RFC 3339 UTC with milliseconds ("2026-08-22T10:00:00.000Z") for `ms` since the epoch. */
void pawl_langfuse_timestamp(char out[32], long long ms);

#endif
