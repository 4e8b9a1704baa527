/*
 * http.h - HTTP requests on the shared event loop, with the retry policy.
 *
 * A request is an easy handle on the loop's CURLM; the loop drives it with
 * the exec children in one curl_multi_poll. Each attempt is bounded by
 * `timeout_ms`; connecting by the shorter `connect_timeout_ms`. Failed
 * attempts are retried up to `retries` times when retrying can help:
 * HTTP 408, 429 and 5xx, timeouts, and connections that broke or closed
 * without an answer. The wait before attempt n+1 is exponential with
 * jitter, and never shorter than a `Retry-After` the server sent.
 *
 * A server that refuses connections and has never answered on this loop is
 * treated as down: connection refused then fails at once, without retries,
 * so a dead endpoint costs milliseconds rather than minutes. Once a server
 * has answered, a refused connection is a blip and is retried.
 *
 * A request marked `once` is retried only when it was surely not processed.
 *
 * The response body is capped at `max_body` bytes: a larger one ends the
 * transfer with `overflow` set (never retried).
 */
#ifndef PAWL_HTTP_H
#define PAWL_HTTP_H

#include <stddef.h>

#include "pawl/buf.h"
#include "pawl/loop.h"

struct pawl_http_request {
    const char *method;          /* "POST", "GET", ... */
    const char *url;
    const char *const *headers;  /* "Name: value" strings, NULL-terminated; may be NULL */
    const char *body;            /* may be NULL (no body) */
    size_t body_len;
    long timeout_ms;             /* per attempt; 0 = none */
    long connect_timeout_ms;     /* 0 = libcurl's default */
    unsigned retries;
    size_t max_body;
    /*
     * The request must not be repeated once the server may have acted on it
     * (a write that a second copy would duplicate): it is retried only when it
     * surely was not processed - connection refused, 429 and 503 - never after
     * a timeout, a broken connection or another 5xx.
     */
    int once;
};

struct pawl_http_response {
    long status;              /* HTTP status of the last attempt; 0 when none arrived */
    struct pawl_buf *body;    /* borrowed for the callback's duration */
    unsigned attempts;
    long elapsed_ms;          /* from the first attempt's start to completion */
    int overflow;             /* the body passed max_body */
    int timed_out;            /* the last attempt timed out */
    int cancelled;            /* pawl_loop_cancel_all() stopped it */
    /* Why no usable response arrived: a transport failure ("connection refused by
     * 127.0.0.1 port 9"), or NULL when `status` is set. */
    const char *error;
};

typedef void (*pawl_http_done_fn)(void *ctx, const struct pawl_http_response *res);

/*
 * Starts `req` (everything in it is copied). `done` runs exactly once, from
 * pawl_loop_step() or pawl_loop_cancel_all(), with the final attempt's
 * response: a 4xx that is not retried, the last retry's failure, or the
 * first success.
 */
void pawl_http_start(struct pawl_loop *loop, const struct pawl_http_request *req,
                     pawl_http_done_fn done, void *ctx);

/*
 * The wait before retry number `attempt` (1 = the first retry): exponential
 * from 250 ms, capped at 30 s, with up to half of it as jitter from `rnd`
 * in [0, 1); at least `retry_after_ms` when the server asked for that
 * (capped at 120 s). Exposed for tests of the arithmetic.
 */
long pawl_http_backoff_ms(unsigned attempt, long retry_after_ms, double rnd);

/* Parses a Retry-After value (delta-seconds or an HTTP date) into milliseconds
 * from `now` (seconds since the epoch); -1 when it is neither. */
long pawl_http_parse_retry_after(const char *value, long long now);

#endif
