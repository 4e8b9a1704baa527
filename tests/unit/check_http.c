/*
 * The HTTP layer's arithmetic (backoff, Retry-After) and its dead-server
 * rule against a real closed port on loopback. Transfers against a live
 * server are exercised through the binary and the mock LLM server in
 * tests/integration/test_http_*.sh.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "pawl/http.h"

/* ---- backoff ---- */

static const struct {
    unsigned attempt;
    long retry_after_ms;
    double rnd;
    long want;
} backoff_cases[] = {
    /* base 250 ms doubling per retry; the wait is its upper half plus rnd of the lower half */
    {1, -1, 0.0, 125},
    {1, -1, 0.999, 249},
    {2, -1, 0.0, 250},
    {2, -1, 0.5, 375},
    {3, -1, 0.0, 500},
    {4, -1, 0.0, 1000},
    /* 250 * 2^7 = 32000 passes the 30 s cap: 15000 + rnd * 15000 */
    {8, -1, 0.0, 15000},
    {8, -1, 0.5, 22500},
    {40, -1, 0.0, 15000},
    /* Retry-After is a floor, not a replacement... */
    {1, 2000, 0.0, 2000},
    {5, 100, 0.0, 2000},
    /* ...and is capped at 120 s, so a hostile server cannot park the run */
    {1, 3600000, 0.0, 120000},
    {1, 0, 0.0, 125},
};

START_TEST(test_backoff)
{
    long got = pawl_http_backoff_ms(backoff_cases[_i].attempt, backoff_cases[_i].retry_after_ms,
                                    backoff_cases[_i].rnd);
    ck_assert_int_eq(got, backoff_cases[_i].want);
}
END_TEST

/* ---- Retry-After ---- */

/* 1994-11-06T08:49:37Z, the RFC 9110 example date. */
#define RFC_EXAMPLE_EPOCH 784111777LL

static const struct {
    const char *value;
    long long now;
    long want;
} retry_after_cases[] = {
    {"2", 0, 2000},
    {" 120 ", 0, 120000},
    {"0", 0, 0},
    {"2\r\n", 0, 2000},
    {"99999999999999999999", 0, 86400000}, /* no overflow: a day at most */
    {"Sun, 06 Nov 1994 08:49:37 GMT", RFC_EXAMPLE_EPOCH - 30, 30000},
    {"Sun, 06 Nov 1994 08:49:37 GMT\r\n", RFC_EXAMPLE_EPOCH - 1, 1000},
    {"Sun, 06 Nov 1994 08:49:37 GMT", RFC_EXAMPLE_EPOCH + 5, 0}, /* in the past: now */
    {"Thu, 01 Jan 1970 00:00:10 GMT", 0, 10000},
    {"Tue, 29 Feb 2028 00:00:00 GMT", 1835395200LL - 60, 60000}, /* leap day */
    {"Sun, 06 Nov 1994 08:49:37 UTC", 0, -1}, /* only GMT is allowed */
    {"Sun, 06 Foo 1994 08:49:37 GMT", 0, -1},
    {"Sun, 06 Nov 1994 25:49:37 GMT", 0, -1},
    {"Sun, 06 Nov 1994 08:49:37 GMT trailing", 0, -1},
    {"-1", 0, -1},
    {"1.5", 0, -1},
    {"soon", 0, -1},
    {"", 0, -1},
};

START_TEST(test_retry_after)
{
    long got = pawl_http_parse_retry_after(retry_after_cases[_i].value, retry_after_cases[_i].now);
    ck_assert_msg(got == retry_after_cases[_i].want, "'%s': got %ld, want %ld",
                  retry_after_cases[_i].value, got, retry_after_cases[_i].want);
}
END_TEST

/* ---- a server that is not there ---- */

/* A loopback port nothing listens on: bound, then closed, so it refuses. */
static int closed_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    ck_assert_int_ge(fd, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

struct outcome {
    int done;
    long status;
    unsigned attempts;
    char error[256];
};

static void record(void *ctx, const struct pawl_http_response *res)
{
    struct outcome *o = ctx;

    o->done++;
    o->status = res->status;
    o->attempts = res->attempts;
    snprintf(o->error, sizeof(o->error), "%s", res->error ? res->error : "");
}

START_TEST(test_refused_fails_at_once)
{
    struct pawl_loop *loop = pawl_loop_new();
    struct pawl_http_request req;
    struct outcome o[3];
    char url[64], want[128];
    int port = closed_port(), i;
    long t0;

    memset(o, 0, sizeof(o));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/chat/completions", port);
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.url = url;
    req.body = "{}";
    req.body_len = 2;
    req.timeout_ms = 5000;
    req.retries = 5;
    req.max_body = 1024;
    for (i = 0; i < 3; i++)
        pawl_http_start(loop, &req, record, &o[i]);
    ck_assert_uint_eq(pawl_loop_pending(loop), 3);
    t0 = pawl_loop_now_ms();
    while (pawl_loop_pending(loop) > 0 && pawl_loop_now_ms() - t0 < 10000)
        ck_assert_int_eq(pawl_loop_step(loop, 100, NULL), 0);
    snprintf(want, sizeof(want), "cannot connect to http://127.0.0.1:%d: Connection refused", port);
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(o[i].done, 1);
        ck_assert_int_eq(o[i].status, 0);
        /* never answered: no retries, whatever run.retries says */
        ck_assert_uint_eq(o[i].attempts, 1);
        ck_assert_str_eq(o[i].error, want);
    }
    pawl_loop_free(loop);
}
END_TEST

START_TEST(test_cancel_completes_waiting_transfers)
{
    struct pawl_loop *loop = pawl_loop_new();
    struct pawl_http_request req;
    struct outcome o;
    char url[64];

    memset(&o, 0, sizeof(o));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", closed_port());
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = url;
    req.max_body = 1024;
    pawl_http_start(loop, &req, record, &o);
    pawl_loop_cancel_all(loop);
    ck_assert_int_eq(o.done, 1);
    ck_assert_str_eq(o.error, "cancelled: the run was interrupted");
    ck_assert_uint_eq(pawl_loop_pending(loop), 0);
    pawl_loop_free(loop);
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_backoff, 0, sizeof(backoff_cases) / sizeof(backoff_cases[0]));
    tcase_add_loop_test(tc, test_retry_after, 0,
                        sizeof(retry_after_cases) / sizeof(retry_after_cases[0]));
    tcase_add_test(tc, test_refused_fails_at_once);
    tcase_add_test(tc, test_cancel_completes_waiting_transfers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(http_suite());
}
