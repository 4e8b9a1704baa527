/*
 * pawl-mockllm: a deterministic OpenAI / Anthropic / generic-agent server with
 * fault injection, for pawl's integration tests and benchmark. A separate
 * program (it links neither libpawl nor anything from src/); this header is
 * private to its four files: mockllm.c (command line, daemon, request
 * dispatch, log), mockllm_rules.c (rules file, X-Mock-Fault header, `times`
 * counters), mockllm_reply.c (request validation and every reply body) and
 * mockllm_timer.c (delays without a blocked thread).
 * The contract is tests/support/README.md.
 */
#ifndef PAWL_MOCKLLM_H
#define PAWL_MOCKLLM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

/* Request bodies above this are answered 413 without being kept. */
#define MOCK_MAX_BODY ((size_t)8 * 1024 * 1024)
#define MOCK_SLOW_DEFAULT_MS 2000
#define MOCK_HANG_MS 60000
#define MOCK_HUGE_DEFAULT_BYTES 20971520LL

/* Out of memory is not a condition a test server recovers from: these abort. */
void *mock_xmalloc(size_t n);
void *mock_xrealloc(void *p, size_t n);
void *mock_xcalloc(size_t n, size_t size);
char *mock_xstrdup(const char *s);

/* ---- faults and rules (mockllm_rules.c) ---- */

enum mock_fault_kind {
    MOCK_FAULT_NONE,
    MOCK_FAULT_STATUS,
    MOCK_FAULT_SLOW,
    MOCK_FAULT_HANG,
    MOCK_FAULT_DROP,
    MOCK_FAULT_INVALID_JSON,
    MOCK_FAULT_HUGE,
    MOCK_FAULT_SHAPE,
    MOCK_FAULT_CLOSE
};

struct mock_fault {
    enum mock_fault_kind kind;
    int status;            /* MOCK_FAULT_STATUS: 400..599 */
    char name[16];         /* the kind as written ("429", "slow"): what the log shows */
    long long times;       /* -1: every matching request */
    long long retry_after; /* seconds for Retry-After; -1: no header */
    long long delay_ms;    /* -1: the kind's default */
    long long bytes;       /* -1: the kind's default */
};

/* No fault: kind NONE, every number -1. */
void mock_fault_init(struct mock_fault *f);

struct mock_rule {
    char *match;
    char *reply; /* NULL: echo the prompt text */
    struct mock_fault fault;
};

struct mock_rules {
    struct mock_rule *v;
    size_t n;
};

/* Loads a rules file. On failure returns -1 with the reason (including the
 * file name, without the program prefix) in msg. */
int mock_rules_load(struct mock_rules *out, const char *path, char *msg, size_t msgsize);
void mock_rules_release(struct mock_rules *rules);

/* Parses an X-Mock-Fault header value `KIND[;key=N]...`; -1 with msg on error. */
int mock_fault_parse_header(struct mock_fault *out, const char *value, char *msg, size_t msgsize);

/* Counts requests per (tag, body), thread-safe, for `times`. */
struct mock_counts;
struct mock_counts *mock_counts_new(void);
void mock_counts_free(struct mock_counts *c);
/* Records one more request for the key and returns how many came before it. */
unsigned long long mock_counts_hit(struct mock_counts *c, const char *tag, const char *body,
                                   size_t bodylen);

/* ---- endpoints and replies (mockllm_reply.c) ---- */

enum mock_endpoint {
    MOCK_EP_OPENAI,
    MOCK_EP_ANTHROPIC,
    MOCK_EP_AGENT,
    MOCK_EP_HEALTH,
    MOCK_EP_NOT_FOUND
};

enum mock_endpoint mock_endpoint_of(const char *method, const char *url);

/* What a valid request asks: its prompt text, the model and the words it carries.
 * Request strings may hold NUL (\u0000), hence the lengths. */
struct mock_prompt {
    char *text; /* owned, NUL-terminated too */
    size_t len;
    const char *model; /* borrowed from the body; NULL for the agent endpoint */
    size_t model_len;
    unsigned long long words;
};

/* Checks a parsed body against the endpoint's request contract. On failure
 * returns -1 with msg (and, for OpenAI, the offending parameter in param, ""
 * when none). `raw` is the body as received (the agent's prompt falls back to it). */
int mock_request_check(struct mock_prompt *out, enum mock_endpoint ep, json_t *body,
                       const char *raw, size_t rawlen, char *msg, size_t msgsize, char *param,
                       size_t paramsize);
void mock_prompt_release(struct mock_prompt *p);

unsigned long long mock_count_words(const char *s, size_t len);

/* A JSON string of len bytes; bytes that are not UTF-8 become '?' (ASCII kept). */
json_t *mock_json_string_lossy(const char *s, size_t len);

/* The 200 body for a valid request (malloc'd, NUL-terminated, length in *len). */
char *mock_reply_body(size_t *len, enum mock_endpoint ep, unsigned long long seq,
                      const struct mock_prompt *prompt, const char *reply, size_t reply_len,
                      json_t *received);

/* The endpoint's error body for `status` (message text in msg; param only for OpenAI,
 * "" for none; code: the OpenAI `code`, NULL for the status's default). */
char *mock_error_body(size_t *len, enum mock_endpoint ep, unsigned long long seq, int status,
                      const char *msg, const char *param, const char *code);

/* Faults that shape the reply itself. Each returns a new response, NULL if MHD
 * could not make one. */
struct MHD_Response *mock_response_drop(char *body, size_t len); /* takes body */
struct MHD_Response *mock_response_huge(enum mock_endpoint ep, unsigned long long seq,
                                        const struct mock_prompt *prompt, json_t *received,
                                        unsigned long long bytes);
const char *mock_invalid_json_body(enum mock_endpoint ep);

/* ---- delayed requests (mockllm_timer.c) ---- */

/* One thread that resumes suspended connections when they are due, so a delay
 * holds no server thread. NULL if the thread cannot start. */
struct mock_timer;
struct mock_timer *mock_timer_new(void);
/* From the access handler: suspends conn and resumes it after ms milliseconds,
 * or at once, with *cut set to 1, when the timer is freed. -1 (and conn left
 * alone) if the timer is already stopping. The caller keeps *cut alive until
 * the handler runs again. */
int mock_timer_suspend(struct mock_timer *t, struct MHD_Connection *conn, long long ms,
                       atomic_int *cut);
/* Stops filing, resumes every waiting connection (cut), joins the thread and
 * frees; before MHD_stop_daemon, which must not meet a suspended connection.
 * NULL is a no-op. */
void mock_timer_free(struct mock_timer *t);

#endif
