/*
 * remote.h - what the HTTP providers (openai, anthropic, http) share: the
 * endpoint, the API key, templated extra headers, the response cache, and
 * turning a transfer's outcome into a call's output or a one-line error.
 *
 * A provider builds the request body for a call and hands it to
 * pawl_remote_send() with a parser for the 2xx body; everything else
 * (cache lookup and store, headers, retries via http.h, error messages
 * that never contain the key) happens here.
 */
#ifndef PAWL_PROVIDERS_REMOTE_H
#define PAWL_PROVIDERS_REMOTE_H

#include "pawl/http.h"
#include "pawl/provider.h"

struct remote_header {
    char *name;
    struct pawl_template *value;
};

struct pawl_remote {
    const struct pawl_provider_env *env;
    const char *kind;           /* provider name, part of the cache key */
    char *url;
    char *shown_url;            /* url without user:password@ and ?query, for messages */
    char *key_url;              /* url without user:password@, for the cache key */
    const char *method;
    const char *model;          /* part of the cache key; may be NULL */
    const char *key_env;        /* variable holding the API key, or NULL: no key */
    const struct pawl_node *key_at; /* where key_env was named, for the error */
    char *key;                  /* its value, read by pawl_remote_ready() */
    struct remote_header *headers; /* the config's `headers:`, templates */
    size_t n_headers;
    char **fixed;               /* "Name: value" the provider adds (auth, version) */
    size_t n_fixed;
    long timeout_ms;
    unsigned retries;
};

/*
 * Parses a 2xx body into call->output (and usage); returns 0, or -1 with
 * *why set to a heap message ("has no string at /choices/0/message/content").
 */
typedef int (*pawl_remote_parse_fn)(const void *state, struct pawl_call *call, const char *body,
                                    size_t len, char **why);

/* Compiles `headers:` from the task node; kind and url are the provider's. */
int pawl_remote_init(struct pawl_remote *r, const struct pawl_provider_env *env, const char *kind,
                     const char *url, struct pawl_error *err);
/* Validate-time: every header template resolves for case `c`. */
int pawl_remote_check(const struct pawl_remote *r, const struct pawl_case *c,
                      struct pawl_error *err);
/*
 * Reads the API key from the environment (a missing key is PAWL_ECONFIG) and,
 * with `auth_header`, sends it as "<auth_header>: <auth_prefix><key>" unless
 * `headers:` sets that header itself.
 */
int pawl_remote_ready(struct pawl_remote *r, const char *auth_header, const char *auth_prefix,
                      struct pawl_error *err);
/* Adds a header the provider needs, formatted ("x-api-key: %s"). */
void pawl_remote_add_header(struct pawl_remote *r, const char *fmt, ...) PAWL_PRINTF(2, 3);
/* True when `headers:` sets `name` (case-insensitive), so a default must yield. */
int pawl_remote_has_header(const struct pawl_remote *r, const char *name);
/*
 * Sends `body` (NULL for none) for `call`: from the cache when it holds
 * the answer, else over HTTP; completes the call either way. `state` is
 * passed to `parse`.
 */
void pawl_remote_send(struct pawl_remote *r, struct pawl_loop *loop, struct pawl_call *call,
                      const char *body, size_t body_len, pawl_remote_parse_fn parse,
                      const void *state);
void pawl_remote_release(struct pawl_remote *r);

/* "<base_url>/<path>" without doubled slashes, before any ?query of base_url; a new string. */
char *pawl_remote_join_url(const char *base, const char *path);

/*
 * The common answer read without a tree: the string at `pointer` becomes the
 * output and an object at /usage the usage. -1 when the answer is anything
 * else; the provider then reads it with jansson.
 */
int pawl_remote_fast_answer(struct pawl_call *call, const char *body, size_t len,
                            const char *pointer);

/* The response's JSON, or NULL with *why set ("is not JSON: ..."). */
json_t *pawl_remote_parse_json(const char *body, size_t len, char **why);

#endif
