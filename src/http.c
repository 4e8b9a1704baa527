/*
 * http.c - HTTP transfers on the event loop: attempts, retries, the
 * dead-server rule and the body cap (contract in pawl/http.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "loop_impl.h"
#include "pawl/alloc.h"
#include "pawl/civil.h"
#include "pawl/http.h"

#define BACKOFF_BASE_MS 250
#define BACKOFF_CAP_MS 30000
#define RETRY_AFTER_CAP_MS 120000
/* Handles kept for reuse; more than the largest sensible concurrency is waste. */
#define IDLE_MAX 256

struct pawl_http_xfer {
    struct pawl_loop *loop;
    CURL *easy;
    struct curl_slist *headers;
    char *method, *url, *origin, *body;
    size_t body_len;
    long timeout_ms, connect_timeout_ms;
    unsigned retries, attempts;
    struct pawl_buf resp;
    long start_ms;
    long retry_at_ms;    /* > 0 while waiting to retry */
    long retry_after_ms; /* from the current attempt's Retry-After, or -1 */
    long status;
    int active, overflow, timed_out, cancelled, once;
    char *error;
    char errbuf[CURL_ERROR_SIZE];
    pawl_http_done_fn done;
    void *ctx;
};

long pawl_http_backoff_ms(unsigned attempt, long retry_after_ms, double rnd)
{
    long wait = BACKOFF_BASE_MS;
    unsigned i;

    for (i = 1; i < attempt && wait < BACKOFF_CAP_MS; i++)
        wait *= 2;
    if (wait > BACKOFF_CAP_MS)
        wait = BACKOFF_CAP_MS;
    /* Jitter spreads the retries of calls that failed together. */
    wait = wait / 2 + (long)((double)(wait / 2) * rnd);
    if (retry_after_ms > RETRY_AFTER_CAP_MS)
        retry_after_ms = RETRY_AFTER_CAP_MS;
    return retry_after_ms > wait ? retry_after_ms : wait;
}

long pawl_http_parse_retry_after(const char *value, long long now)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *p = value, *m;
    char wday[4], mon[4], zone[4];
    int day, year, hh, mm, ss, used = 0;
    long long secs = 0, when;

    while (*p == ' ' || *p == '\t')
        p++;
    if (isdigit((unsigned char)*p)) {
        for (; isdigit((unsigned char)*p); p++) {
            secs = secs * 10 + (*p - '0');
            if (secs > 86400)
                secs = 86400;
        }
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        return *p ? -1 : (long)(secs * 1000);
    }
    /* IMF-fixdate, the only date form RFC 9110 lets senders use:
     * "Sun, 06 Nov 1994 08:49:37 GMT". */
    if (sscanf(p, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", wday, &day, mon, &year,
               &hh, &mm, &ss, zone, &used) != 8 ||
        strcmp(zone, "GMT") != 0)
        return -1;
    for (p += used; *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'; p++)
        ;
    m = strlen(mon) == 3 ? strstr(months, mon) : NULL;
    if (*p || !m || (m - months) % 3 != 0 || day < 1 || day > 31 || hh > 23 || mm > 59 ||
        ss > 60)
        return -1;
    when = pawl_days_from_civil(year, (unsigned)((m - months) / 3 + 1), (unsigned)day) * 86400 +
           hh * 3600 + mm * 60 + ss;
    if (when <= now)
        return 0;
    return when - now > 86400 ? 86400000 : (long)((when - now) * 1000);
}

static double next_random(struct pawl_loop *loop)
{
    /* xorshift64*: statistical quality is irrelevant for jitter. */
    loop->rng ^= loop->rng >> 12;
    loop->rng ^= loop->rng << 25;
    loop->rng ^= loop->rng >> 27;
    return (double)((loop->rng * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    struct pawl_http_xfer *x = userdata;

    if (pawl_buf_add(&x->resp, data, size * n) < 0) {
        x->overflow = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
    struct pawl_http_xfer *x = userdata;
    size_t len = size * n;
    static const char name[] = "retry-after:";

    if (len > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
        char value[128];
        size_t vlen = len - (sizeof(name) - 1);
        if (vlen >= sizeof(value))
            vlen = sizeof(value) - 1;
        memcpy(value, data + sizeof(name) - 1, vlen);
        value[vlen] = '\0';
        x->retry_after_ms = pawl_http_parse_retry_after(value, (long long)time(NULL));
    }
    return len;
}

/* scheme://host:port, the unit the dead-server rule remembers. */
static char *origin_of(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *out;

    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        out = pawl_xasprintf("%s://%s:%s", scheme, host, port);
    else
        out = pawl_xstrdup(url);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

static int has_answered(const struct pawl_loop *loop, const char *origin)
{
    size_t i;
    for (i = 0; i < loop->n_answered; i++)
        if (strcmp(loop->answered[i], origin) == 0)
            return 1;
    return 0;
}

static void mark_answered(struct pawl_loop *loop, const char *origin)
{
    if (has_answered(loop, origin))
        return;
    PAWL_ALLOC_GROW(loop->answered, loop->n_answered + 1, loop->alloc_answered);
    loop->answered[loop->n_answered++] = pawl_xstrdup(origin);
}

/* Options that are the same for every transfer pawl makes, set once per handle. */
static void set_constant_options(CURL *e)
{
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "pawl/" PAWL_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

static CURL *take_handle(struct pawl_loop *loop)
{
    CURL *easy;

    if (loop->n_idle > 0)
        return loop->idle[--loop->n_idle];
    easy = curl_easy_init();
    if (!easy) {
        fprintf(stderr, "pawl: cannot initialise libcurl\n");
        abort();
    }
    set_constant_options(easy);
    return easy;
}

/* Keeps a finished handle for the next transfer. Its options stay set: every
 * option a transfer varies is set again by begin_attempt(), so none carries over. */
static void give_handle(struct pawl_loop *loop, CURL *easy)
{
    if (loop->n_idle >= IDLE_MAX) {
        curl_easy_cleanup(easy);
        return;
    }
    PAWL_ALLOC_GROW(loop->idle, loop->n_idle + 1, loop->alloc_idle);
    loop->idle[loop->n_idle++] = easy;
}

static void begin_attempt(struct pawl_http_xfer *x)
{
    CURL *e = x->easy;

    pawl_buf_reset(&x->resp);
    x->overflow = 0;
    x->timed_out = 0;
    x->status = 0;
    x->retry_after_ms = -1;
    x->retry_at_ms = 0;
    x->errbuf[0] = '\0';
    x->attempts++;

    curl_easy_setopt(e, CURLOPT_URL, x->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, x->timeout_ms > 0 ? x->timeout_ms : 0L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     x->connect_timeout_ms > 0 ? x->connect_timeout_ms : 0L);
    if (x->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
                     strcmp(x->method, x->body ? "POST" : "GET") != 0 ? x->method : NULL);
    x->active = 1;
    curl_multi_add_handle(x->loop->multi, e);
}

void pawl_http_start(struct pawl_loop *loop, const struct pawl_http_request *req,
                     pawl_http_done_fn done, void *ctx)
{
    struct pawl_http_xfer *x = pawl_xcalloc(1, sizeof(*x));
    size_t i;

    x->loop = loop;
    x->method = pawl_xstrdup(req->method ? req->method : "POST");
    x->url = pawl_xstrdup(req->url);
    /* Parsing the URL costs more than the rest of starting a transfer: remember the last. */
    if (!loop->last_url || strcmp(loop->last_url, req->url) != 0) {
        free(loop->last_url);
        free(loop->last_origin);
        loop->last_url = pawl_xstrdup(req->url);
        loop->last_origin = origin_of(req->url);
    }
    x->origin = pawl_xstrdup(loop->last_origin);
    if (req->body) {
        x->body = pawl_xmalloc(req->body_len + 1);
        if (req->body_len)
            memcpy(x->body, req->body, req->body_len);
        x->body[req->body_len] = '\0';
        x->body_len = req->body_len;
    }
    for (i = 0; req->headers && req->headers[i]; i++)
        x->headers = curl_slist_append(x->headers, req->headers[i]);
    /* libcurl would otherwise wait for `100 Continue` before sending large bodies. */
    x->headers = curl_slist_append(x->headers, "Expect:");
    x->timeout_ms = req->timeout_ms;
    x->connect_timeout_ms = req->connect_timeout_ms;
    x->retries = req->retries;
    x->once = req->once;
    pawl_buf_init(&x->resp, req->max_body);
    x->done = done;
    x->ctx = ctx;
    x->start_ms = pawl_loop_now_ms();
    x->easy = take_handle(loop);
    PAWL_ALLOC_GROW(loop->xfers, loop->n_xfers + 1, loop->alloc_xfers);
    loop->xfers[loop->n_xfers++] = x;
    begin_attempt(x);
}

static void xfer_free(struct pawl_http_xfer *x, int keep_handle)
{
    if (x->active)
        curl_multi_remove_handle(x->loop->multi, x->easy);
    if (keep_handle)
        give_handle(x->loop, x->easy);
    else
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    pawl_buf_release(&x->resp);
    free(x->method);
    free(x->url);
    free(x->origin);
    free(x->body);
    free(x->error);
    free(x);
}

static void complete(struct pawl_loop *loop, struct pawl_http_xfer *x)
{
    struct pawl_http_response res;
    size_t i;

    if (x->active) {
        curl_multi_remove_handle(loop->multi, x->easy);
        x->active = 0;
    }
    for (i = 0; i < loop->n_xfers; i++)
        if (loop->xfers[i] == x) {
            loop->xfers[i] = loop->xfers[--loop->n_xfers];
            break;
        }
    memset(&res, 0, sizeof(res));
    res.status = x->error ? 0 : x->status;
    res.body = &x->resp;
    res.attempts = x->attempts;
    res.elapsed_ms = pawl_loop_now_ms() - x->start_ms;
    res.overflow = x->overflow;
    res.timed_out = x->timed_out;
    res.cancelled = x->cancelled;
    res.error = x->error;
    x->done(x->ctx, &res);
    xfer_free(x, 1);
}

static void set_error(struct pawl_http_xfer *x, const char *fmt, const char *detail)
{
    free(x->error);
    x->error = pawl_xasprintf(fmt, detail);
}

/* Describes a failed attempt; returns whether another attempt could help. */
static int failed_attempt(struct pawl_http_xfer *x, CURLcode rc)
{
    long os_errno = 0;
    const char *detail = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);

    switch (rc) {
    case CURLE_WRITE_ERROR:
        if (x->overflow) {
            free(x->error);
            x->error = pawl_xasprintf("the response body exceeds %zu bytes", x->resp.cap);
            return 0;
        }
        break;
    case CURLE_COULDNT_CONNECT:
        curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
        free(x->error);
        x->error = pawl_xasprintf("cannot connect to %s: %s", x->origin,
                                  os_errno ? strerror((int)os_errno) : detail);
        /* A server that never answered is down, not busy: do not wait for it. */
        return has_answered(x->loop, x->origin);
    case CURLE_OPERATION_TIMEDOUT:
        x->timed_out = 1;
        free(x->error);
        x->error = pawl_xasprintf("no response within %ld ms", x->timeout_ms);
        return 1;
    case CURLE_GOT_NOTHING:
        mark_answered(x->loop, x->origin);
        set_error(x, "%s", "the server closed the connection without a response");
        return 1;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        mark_answered(x->loop, x->origin);
        set_error(x, "the connection broke during the exchange: %s", detail);
        return 1;
    default:
        break;
    }
    set_error(x, "%s", detail);
    return 0;
}

static int retriable_status(long status)
{
    return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

static void attempt_done(struct pawl_loop *loop, struct pawl_http_xfer *x, CURLcode rc)
{
    int again;

    curl_multi_remove_handle(loop->multi, x->easy);
    x->active = 0;
    free(x->error);
    x->error = NULL;
    if (rc == CURLE_OK) {
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
        mark_answered(loop, x->origin);
        again = x->once ? x->status == 429 || x->status == 503 : retriable_status(x->status);
    } else {
        /* Only a refused connection proves that a `once` request never arrived. */
        again = failed_attempt(x, rc) && (!x->once || rc == CURLE_COULDNT_CONNECT);
    }
    if (again && x->attempts <= x->retries && !x->cancelled) {
        long wait = pawl_http_backoff_ms(x->attempts, x->retry_after_ms, next_random(loop));
        x->retry_at_ms = pawl_loop_now_ms() + (wait > 0 ? wait : 1);
        return;
    }
    complete(loop, x);
}

long pawl_http_next_timer(const struct pawl_loop *loop, long now)
{
    long best = -1;
    size_t i;

    for (i = 0; i < loop->n_xfers; i++) {
        const struct pawl_http_xfer *x = loop->xfers[i];
        long left;
        if (x->active || x->retry_at_ms == 0)
            continue;
        left = x->retry_at_ms - now;
        if (left < 0)
            left = 0;
        if (best < 0 || left < best)
            best = left;
    }
    return best;
}

void pawl_http_process(struct pawl_loop *loop)
{
    CURLMsg *msg;
    int left;
    size_t i;
    long now;

    while ((msg = curl_multi_info_read(loop->multi, &left))) {
        struct pawl_http_xfer *x = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        /* `msg` is invalid once the handle is removed: read the result first. */
        attempt_done(loop, x, msg->data.result);
    }
    now = pawl_loop_now_ms();
    for (i = 0; i < loop->n_xfers; i++) {
        struct pawl_http_xfer *x = loop->xfers[i];
        if (!x->active && x->retry_at_ms > 0 && x->retry_at_ms <= now)
            begin_attempt(x);
    }
}

void pawl_http_cancel_all(struct pawl_loop *loop)
{
    while (loop->n_xfers > 0) {
        struct pawl_http_xfer *x = loop->xfers[loop->n_xfers - 1];
        x->cancelled = 1;
        free(x->error);
        x->error = pawl_xstrdup("cancelled: the run was interrupted");
        complete(loop, x);
    }
}

void pawl_http_free_all(struct pawl_loop *loop)
{
    size_t i;

    for (i = 0; i < loop->n_xfers; i++)
        xfer_free(loop->xfers[i], 0);
    for (i = 0; i < loop->n_idle; i++)
        curl_easy_cleanup(loop->idle[i]);
    for (i = 0; i < loop->n_answered; i++)
        free(loop->answered[i]);
    free(loop->xfers);
    free(loop->idle);
    free(loop->answered);
    free(loop->last_url);
    free(loop->last_origin);
    loop->n_xfers = loop->n_idle = loop->n_answered = 0;
}
