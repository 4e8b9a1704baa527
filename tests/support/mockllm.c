/*
 * pawl-mockllm [--rules FILE] [--latency MS] [--threads N] [--log FILE] [--require-key KEY]
 *
 * The mock LLM server pawl's integration tests and benchmark run against: it
 * binds 127.0.0.1 on a port the kernel picks, prints that port, and serves
 * OpenAI chat completions, Anthropic messages and a generic JSON agent until
 * SIGTERM or SIGINT. A small pool of epoll threads serves every connection; a
 * delayed request is suspended and left to the timer (mockllm_timer.c), so it
 * never holds a thread or another request. tests/support/README.md is the
 * contract.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mockllm.h"

#define USAGE                                                                                      \
    "usage: pawl-mockllm [--rules FILE] [--latency MS] [--threads N] [--log FILE] "                \
    "[--require-key KEY]\n"
#define MAX_THREADS 64

struct server {
    struct mock_rules rules;
    struct mock_counts *counts;
    long long latency_ms;
    long long threads;
    const char *require_key;
    FILE *log;
    pthread_mutex_t log_lock;
    struct mock_timer *timer;
    atomic_ullong seq;
};

/* One request: its body, gathered across handler calls, then, while it waits
 * suspended, the answer it will give once the timer resumes it. */
struct request {
    char *body;
    size_t len, cap;
    int too_large;
    int waiting;               /* suspended; the next handler call finishes it */
    struct MHD_Response *resp; /* what to send then; NULL: close without a reply */
    unsigned int status;
    atomic_int cut; /* set when shutdown resumed it early: close */
};

static json_t *header_json(const char *v)
{
    return v ? mock_json_string_lossy(v, strlen(v)) : json_null();
}

/* One line per request, flushed before the reply leaves, so a test that saw
 * the reply (or gave up on it) can count the lines. */
static void log_request(struct server *s, unsigned long long seq, const char *method,
                        const char *url, const char *fault, int status, struct MHD_Connection *c,
                        const struct request *req, json_t *body)
{
    json_t *entry, *b;
    char *line;

    if (req->too_large)
        b = json_null();
    else if (body)
        b = json_incref(body);
    else
        b = mock_json_string_lossy(req->body ? req->body : "", req->len);
    entry = json_pack(
        "{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "seq", (json_int_t)seq, "method",
        header_json(method), "path", header_json(url), "fault", header_json(fault), "status",
        status >= 0 ? json_integer(status) : json_null(), "authorization",
        header_json(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization")), "x_api_key",
        header_json(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-api-key")),
        "anthropic_version",
        header_json(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "anthropic-version")), "body",
        b);
    line = entry ? json_dumps(entry, JSON_COMPACT) : NULL;
    json_decref(entry);
    if (!line) {
        fprintf(stderr, "pawl-mockllm: cannot log request %llu\n", seq);
        return;
    }
    pthread_mutex_lock(&s->log_lock);
    fputs(line, s->log);
    fputc('\n', s->log);
    if (fflush(s->log) != 0)
        fprintf(stderr, "pawl-mockllm: cannot write the log: %s\n", strerror(errno));
    pthread_mutex_unlock(&s->log_lock);
    free(line);
}

/* "" when the request carries the key, else the reason (never the key itself). */
static const char *auth_problem(const struct server *s, enum mock_endpoint ep,
                                struct MHD_Connection *c)
{
    const char *v;

    if (!s->require_key || (ep != MOCK_EP_OPENAI && ep != MOCK_EP_ANTHROPIC))
        return "";
    if (ep == MOCK_EP_OPENAI) {
        v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        if (!v)
            return "missing header 'Authorization'";
        if (strncmp(v, "Bearer ", 7) != 0 || strcmp(v + 7, s->require_key) != 0)
            return "incorrect API key in header 'Authorization'";
        return "";
    }
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-api-key");
    if (!v)
        return "missing header 'x-api-key'";
    if (strcmp(v, s->require_key) != 0)
        return "incorrect API key in header 'x-api-key'";
    return "";
}

/* The fault this request gets: the header's, else its rule's, each while under `times`. */
static const struct mock_fault *pick_fault(struct server *s, const struct mock_fault *header,
                                           const char *header_value, const struct mock_rule *rule,
                                           const struct request *req)
{
    const char *body = req->body ? req->body : "";
    char tag[64];

    if (header_value) {
        char *htag = mock_xmalloc(strlen(header_value) + 2);
        unsigned long long before = 0;

        htag[0] = 'H';
        strcpy(htag + 1, header_value);
        if (header->times >= 0)
            before = mock_counts_hit(s->counts, htag, body, req->len);
        free(htag);
        if (header->times < 0 || before < (unsigned long long)header->times)
            return header;
    }
    if (!rule || rule->fault.kind == MOCK_FAULT_NONE)
        return NULL;
    if (rule->fault.times < 0)
        return &rule->fault;
    snprintf(tag, sizeof(tag), "R%zu", (size_t)(rule - s->rules.v));
    if (mock_counts_hit(s->counts, tag, body, req->len) < (unsigned long long)rule->fault.times)
        return &rule->fault;
    return NULL;
}

/* Whether needle occurs in the len bytes at hay (which may hold NUL). */
static int contains(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle), i;

    if (n == 0)
        return 1;
    for (i = 0; i + n <= len; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

static char *copy_str(const char *s, size_t *len)
{
    *len = strlen(s);
    return mock_xstrdup(s);
}

static enum MHD_Result respond(struct server *s, struct MHD_Connection *c, const char *url,
                               const char *method, struct request *req)
{
    unsigned long long seq = atomic_fetch_add(&s->seq, 1) + 1;
    enum mock_endpoint ep = mock_endpoint_of(method, url);
    const char *fault_hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Mock-Fault");
    const char *ctype = "application/json", *problem;
    const struct mock_fault *fault = NULL;
    const struct mock_rule *rule = NULL;
    struct mock_fault header_fault;
    struct mock_prompt prompt = {0};
    struct MHD_Response *resp = NULL;
    json_t *body = NULL;
    char msg[1024], param[96], *out = NULL;
    size_t outlen = 0, i;
    long long delay = ep == MOCK_EP_HEALTH ? 0 : s->latency_ms;
    int status = 200, hang = 0, close_conn = 0;
    enum MHD_Result ret = MHD_NO;

    mock_fault_init(&header_fault);
    if (!req->too_large &&
        (s->log || ep == MOCK_EP_OPENAI || ep == MOCK_EP_ANTHROPIC || ep == MOCK_EP_AGENT))
        body = json_loadb(req->body ? req->body : "", req->len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                          NULL);

    if (ep == MOCK_EP_HEALTH) {
        ctype = "text/plain";
        out = copy_str("ok", &outlen);
    } else if (req->too_large) {
        status = 413;
        snprintf(msg, sizeof(msg), "request body exceeds %zu bytes", MOCK_MAX_BODY);
        out = mock_error_body(&outlen, ep == MOCK_EP_NOT_FOUND ? MOCK_EP_AGENT : ep, seq, status,
                              msg, NULL, NULL);
    } else if (ep == MOCK_EP_NOT_FOUND) {
        status = 404;
        out = copy_str("{\"error\":\"not found\"}", &outlen);
    } else if (*(problem = auth_problem(s, ep, c))) {
        status = 401;
        out = mock_error_body(&outlen, ep, seq, status, problem, NULL, "invalid_api_key");
    } else if (ep == MOCK_EP_ANTHROPIC &&
               !MHD_lookup_connection_value(c, MHD_HEADER_KIND, "anthropic-version")) {
        status = 400;
        out = mock_error_body(&outlen, ep, seq, status,
                              "missing required header 'anthropic-version'", NULL, NULL);
    } else if (fault_hdr &&
               mock_fault_parse_header(&header_fault, fault_hdr, msg, sizeof(msg)) < 0) {
        status = 400;
        out = mock_error_body(&outlen, ep, seq, status, msg, NULL, NULL);
    } else if (mock_request_check(&prompt, ep, body, req->body ? req->body : "", req->len, msg,
                                  sizeof(msg), param, sizeof(param)) < 0) {
        status = 400;
        out = mock_error_body(&outlen, ep, seq, status, msg, param, NULL);
    } else {
        for (i = 0; i < s->rules.n && !rule; i++)
            if (contains(prompt.text, prompt.len, s->rules.v[i].match))
                rule = &s->rules.v[i];
        fault = pick_fault(s, &header_fault, fault_hdr, rule, req);
        switch (fault ? fault->kind : MOCK_FAULT_NONE) {
        case MOCK_FAULT_STATUS:
            status = fault->status;
            snprintf(msg, sizeof(msg), "mock fault: HTTP %d", status);
            out = mock_error_body(&outlen, ep, seq, status, msg, NULL, NULL);
            break;
        case MOCK_FAULT_HANG:
            hang = 1;
            status = -1;
            break;
        case MOCK_FAULT_CLOSE:
            close_conn = 1;
            status = -1;
            break;
        case MOCK_FAULT_INVALID_JSON:
            out = copy_str(mock_invalid_json_body(ep), &outlen);
            break;
        case MOCK_FAULT_SHAPE:
            out = copy_str("{\"unexpected\":true}", &outlen);
            break;
        case MOCK_FAULT_HUGE:
            resp =
                mock_response_huge(ep, seq, &prompt, body,
                                   fault->bytes >= 0 ? (unsigned long long)fault->bytes
                                                     : (unsigned long long)MOCK_HUGE_DEFAULT_BYTES);
            break;
        case MOCK_FAULT_SLOW:
            delay += fault->delay_ms >= 0 ? fault->delay_ms : MOCK_SLOW_DEFAULT_MS;
            /* fall through */
        default:
            if (rule && rule->reply)
                out = mock_reply_body(&outlen, ep, seq, &prompt, rule->reply, strlen(rule->reply),
                                      body);
            else
                out = mock_reply_body(&outlen, ep, seq, &prompt, prompt.text, prompt.len, body);
            if (out && fault && fault->kind == MOCK_FAULT_DROP) {
                resp = mock_response_drop(out, outlen);
                out = NULL;
            }
        }
    }
    if (!out && !resp && !hang && !close_conn) {
        /* Only a body jansson cannot encode gets here; say so rather than hang up. */
        status = 500;
        out = copy_str("{\"error\":\"the mock could not build its reply\"}", &outlen);
    }

    if (s->log)
        log_request(s, seq, method, url, fault ? fault->name : NULL, status, c, req, body);
    if (hang)
        delay += MOCK_HANG_MS;
    if (!hang && !close_conn) {
        if (!resp)
            resp = MHD_create_response_from_buffer(outlen, out, MHD_RESPMEM_MUST_COPY);
        if (!resp)
            goto done;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
        if (fault && fault->retry_after >= 0) {
            char ra[32];
            snprintf(ra, sizeof(ra), "%lld", fault->retry_after);
            MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
        }
    }
    if (delay > 0) {
        /* The answer waits in the request; MHD_NO if shutdown has begun. */
        req->waiting = 1;
        req->resp = resp;
        req->status = (unsigned int)status;
        resp = NULL;
        if (mock_timer_suspend(s->timer, c, delay, &req->cut) == 0)
            ret = MHD_YES;
        goto done;
    }
    if (resp)
        ret = MHD_queue_response(c, (unsigned int)status, resp);
done:
    if (resp)
        MHD_destroy_response(resp);
    free(out);
    mock_prompt_release(&prompt);
    json_decref(body);
    return ret;
}

/* The handler's call after the timer resumed a waiting request: its answer, or
 * a closed connection for hang, close and a wait cut short by shutdown. */
static enum MHD_Result finish(struct MHD_Connection *c, struct request *req)
{
    struct MHD_Response *resp = req->resp;
    enum MHD_Result ret = MHD_NO;

    req->waiting = 0;
    req->resp = NULL;
    if (resp && !atomic_load(&req->cut))
        ret = MHD_queue_response(c, req->status, resp);
    if (resp)
        MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    struct server *s = cls;
    struct request *req = *con_cls;
    (void)version;

    if (req && req->waiting)
        return finish(c, req);
    if (!req) {
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");

        req = *con_cls = mock_xcalloc(1, sizeof(*req));
        /* Answer an announced oversized body before reading it (a client that
         * sent Expect: 100-continue then sends nothing). */
        if (cl && strtoull(cl, NULL, 10) > MOCK_MAX_BODY) {
            req->too_large = 1;
            return respond(s, c, url, method, req);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;

        *upload_data_size = 0;
        if (req->too_large)
            return MHD_YES;
        if (n > MOCK_MAX_BODY - req->len) {
            req->too_large = 1;
            free(req->body);
            req->body = NULL;
            req->len = req->cap = 0;
            return MHD_YES;
        }
        if (req->len + n + 1 > req->cap) {
            size_t cap = req->cap ? req->cap : 4096;
            while (cap < req->len + n + 1)
                cap *= 2;
            req->body = mock_xrealloc(req->body, cap);
            req->cap = cap;
        }
        memcpy(req->body + req->len, upload_data, n);
        req->len += n;
        req->body[req->len] = '\0';
        return MHD_YES;
    }
    return respond(s, c, url, method, req);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct request *req = *con_cls;
    (void)cls;
    (void)c;
    (void)toe;

    if (req) {
        if (req->resp)
            MHD_destroy_response(req->resp);
        free(req->body);
        free(req);
        *con_cls = NULL;
    }
}

/* ---- command line ---- */

/* The value of option `name` at argv[*i] ("--name V" or "--name=V"), or NULL
 * if argv[*i] is another option; *missing is set when the value is absent. */
static const char *option(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

/* A decimal number in min..max, digits only. */
static int parse_num(const char *s, long long min, long long max, long long *out)
{
    long long v = 0;

    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > max)
            return -1;
    }
    if (v < min)
        return -1;
    *out = v;
    return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("pawl-mockllm: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\n" USAGE, stderr);
    return 2;
}

static int parse_args(struct server *s, int argc, char **argv, const char **rules, const char **log)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int missing = 0;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(USAGE, stdout);
            return 1;
        }
        if ((v = option(argc, argv, &i, "--rules", &missing))) {
            *rules = v;
        } else if ((v = option(argc, argv, &i, "--log", &missing))) {
            *log = v;
        } else if ((v = option(argc, argv, &i, "--require-key", &missing))) {
            if (!*v)
                return usage_error("option '--require-key' needs a non-empty key%s", "");
            s->require_key = v;
        } else if ((v = option(argc, argv, &i, "--latency", &missing))) {
            if (parse_num(v, 0, 3600000, &s->latency_ms) < 0)
                return usage_error("invalid latency '%s': expected milliseconds 0..3600000", v);
        } else if ((v = option(argc, argv, &i, "--threads", &missing))) {
            if (parse_num(v, 1, MAX_THREADS, &s->threads) < 0)
                return usage_error("invalid thread count '%s': expected 1..64", v);
        } else if (missing) {
            return usage_error("option '%s' needs a value", a);
        } else {
            return usage_error("unknown argument '%s'", a);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct server s;
    struct MHD_Daemon *d = NULL;
    const union MHD_DaemonInfo *info;
    struct sockaddr_in addr;
    const char *rules = NULL, *log = NULL;
    char msg[1024];
    sigset_t sigs;
    int sig, rc = 2;

    memset(&s, 0, sizeof(s));
    atomic_init(&s.seq, 0);
    s.threads = 2;
    pthread_mutex_init(&s.log_lock, NULL);
    /* Every jansson allocation is then checked (out of memory aborts). */
    json_set_alloc_funcs(mock_xmalloc, free);
    s.counts = mock_counts_new();

    switch (parse_args(&s, argc, argv, &rules, &log)) {
    case 0:
        break;
    case 1:
        rc = 0;
        goto done;
    default:
        goto done;
    }
    if (rules && mock_rules_load(&s.rules, rules, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "pawl-mockllm: %s\n", msg);
        goto done;
    }
    if (log && !(s.log = fopen(log, "a"))) {
        fprintf(stderr, "pawl-mockllm: cannot open log file '%s': %s\n", log, strerror(errno));
        goto done;
    }

    /* Threads MHD starts inherit this mask, so only sigwait below sees the signals. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!(s.timer = mock_timer_new())) {
        fputs("pawl-mockllm: cannot start the timer thread\n", stderr);
        rc = 1;
        goto done;
    }
    /* A few epoll threads, not one per connection: the benchmark runs wrk with
     * 64 connections on a 2-CPU machine, where 64 server threads would mostly
     * measure the scheduler. Delays suspend instead of blocking (hence
     * MHD_ALLOW_SUSPEND_RESUME). With --threads 1 the pool option is left out
     * (the option list ends there) and MHD runs its one internal thread. */
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME,
                         0, NULL, NULL, handle, &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                         MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                         MHD_OPTION_CONNECTION_TIMEOUT, 0U,
                         s.threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
                         (unsigned int)s.threads, MHD_OPTION_END);
    if (!d) {
        fputs("pawl-mockllm: cannot start the HTTP server on 127.0.0.1\n", stderr);
        rc = 1;
        goto done;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || !info->port) {
        fputs("pawl-mockllm: cannot tell which port the server is bound to\n", stderr);
        rc = 1;
        goto done;
    }
    printf("%u\n", (unsigned)info->port);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "pawl-mockllm: cannot write the port: %s\n", strerror(errno));
        rc = 1;
        goto done;
    }

    while (sigwait(&sigs, &sig) != 0)
        ;
    rc = 0;
done:
    /* Every waiting connection is resumed (and closed) before MHD stops. */
    mock_timer_free(s.timer);
    if (d)
        MHD_stop_daemon(d);
    if (s.log && fclose(s.log) != 0 && rc == 0) {
        fprintf(stderr, "pawl-mockllm: cannot write the log: %s\n", strerror(errno));
        rc = 1;
    }
    mock_rules_release(&s.rules);
    mock_counts_free(s.counts);
    pthread_mutex_destroy(&s.log_lock);
    return rc;
}
