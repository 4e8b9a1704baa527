/*
 * The Langfuse client's own parts: credentials from the environment, ids,
 * escaping, timestamps, and requests against a one-shot loopback server
 * (a forked child answering one canned reply), which checks the headers
 * sent and how replies become messages. The commands built on the client
 * are tested against the mock Langfuse server in tests/integration.
 */
#define _GNU_SOURCE /* asprintf */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "pawl/fs.h"
#include "pawl/langfuse.h"

static void set_keys(const char *pk, const char *sk, const char *base, const char *host)
{
    unsetenv("LANGFUSE_PUBLIC_KEY");
    unsetenv("LANGFUSE_SECRET_KEY");
    unsetenv("LANGFUSE_BASE_URL");
    unsetenv("LANGFUSE_HOST");
    if (pk)
        setenv("LANGFUSE_PUBLIC_KEY", pk, 1);
    if (sk)
        setenv("LANGFUSE_SECRET_KEY", sk, 1);
    if (base)
        setenv("LANGFUSE_BASE_URL", base, 1);
    if (host)
        setenv("LANGFUSE_HOST", host, 1);
}

/* ---- credentials and the base URL ---- */

static const struct {
    const char *pk, *sk, *base, *host;
    const char *want_url; /* NULL: an error */
    const char *want_err;
} open_cases[] = {
    {"pk-lf-1", "sk-lf-1", NULL, NULL, "https://cloud.langfuse.com", NULL},
    {"pk-lf-1", "sk-lf-1", "http://127.0.0.1:3000/", NULL, "http://127.0.0.1:3000", NULL},
    /* the deprecated variable still works, and loses to the new one */
    {"pk-lf-1", "sk-lf-1", NULL, "https://us.cloud.langfuse.com", "https://us.cloud.langfuse.com",
     NULL},
    {"pk-lf-1", "sk-lf-1", "https://a.example", "https://b.example", "https://a.example", NULL},
    /* userinfo never reaches a message */
    {"pk-lf-1", "sk-lf-1", "https://me:pw@lf.example/base//", NULL, "https://lf.example/base",
     NULL},
    {NULL, "sk-lf-1", NULL, NULL, NULL,
     "LANGFUSE_PUBLIC_KEY is not set (the Langfuse project's public key, pk-lf-...)"},
    {"", "sk-lf-1", NULL, NULL, NULL,
     "LANGFUSE_PUBLIC_KEY is not set (the Langfuse project's public key, pk-lf-...)"},
    {"pk-lf-1", NULL, NULL, NULL, NULL,
     "LANGFUSE_SECRET_KEY is not set (the Langfuse project's secret key, sk-lf-...)"},
    {"pk-lf-1", "sk-lf-1", "localhost:3000", NULL, NULL,
     "LANGFUSE_BASE_URL must be an http:// or https:// URL, not 'localhost:3000'"},
    {"pk-lf-1", "sk-lf-1", NULL, "ftp://u:secret@x", NULL,
     "LANGFUSE_HOST must be an http:// or https:// URL, not 'ftp://x'"},
    {"pk-lf-1", "sk-lf-1", "u:secret@x:3000/p", NULL, NULL,
     "LANGFUSE_BASE_URL must be an http:// or https:// URL, not 'x:3000/p'"},
    /* the host follows the last '@': a password may hold one */
    {"pk-lf-1", "sk-lf-1", "ftp://u:se@cret@x", NULL, NULL,
     "LANGFUSE_BASE_URL must be an http:// or https:// URL, not 'ftp://x'"},
    {"pk-lf-1", "sk-lf-1", "https://me:p@ss@lf.example:8443/base?token=t#frag", NULL,
     "https://lf.example:8443/base", NULL},
    {"pk-lf-1", "sk-lf-1", "https://tok@lf.example?token=t", NULL, "https://lf.example", NULL},
};

START_TEST(test_open)
{
    struct pawl_langfuse *lf = NULL;
    struct pawl_error err;

    pawl_error_init(&err);
    set_keys(open_cases[_i].pk, open_cases[_i].sk, open_cases[_i].base, open_cases[_i].host);
    if (open_cases[_i].want_url) {
        PAWL_ASSERT_OK(pawl_langfuse_open(&lf, NULL, &err), &err);
        ck_assert_str_eq(pawl_langfuse_url(lf), open_cases[_i].want_url);
        pawl_langfuse_close(lf);
    } else {
        PAWL_ASSERT_ERR(pawl_langfuse_open(&lf, NULL, &err), &err, PAWL_ECONFIG,
                        open_cases[_i].want_err);
        ck_assert_ptr_null(lf);
    }
}
END_TEST

/* ---- ids, escaping, time ---- */

START_TEST(test_hex_id)
{
    static const char *const parts[] = {"run-1", "q1", "0"};
    static const char *const one[] = {"a"};
    char id[65];

    /* sha256("run-1\0q1\00\0"), checked with Python's hashlib */
    pawl_langfuse_hex_id(id, 32, parts, 3);
    ck_assert_str_eq(id, "962eda612856a1bcc34fa943df717cf1");
    pawl_langfuse_hex_id(id, 16, NULL, 0);
    ck_assert_str_eq(id, "e3b0c44298fc1c14");
    pawl_langfuse_hex_id(id, 64, one, 1);
    ck_assert_uint_eq(strlen(id), 64);
    ck_assert_str_eq(id, "ffe9aaeaa2a2d5048174df0b80599ef0197ec024c4b051bc9860cff58ef7f9f3");
}
END_TEST

static const struct {
    const char *in, *want;
} escape_cases[] = {
    {"plain-Name_1.2~", "plain-Name_1.2~"},
    {"team/qa set", "team%2Fqa%20set"},
    {"a&b=c?d#e%", "a%26b%3Dc%3Fd%23e%25"},
    {"\xc3\xa9", "%C3%A9"},
    {"2026-08-01T00:00:00Z", "2026-08-01T00%3A00%3A00Z"},
    {"", ""},
};

START_TEST(test_escape)
{
    char *got = pawl_langfuse_escape(escape_cases[_i].in);

    ck_assert_str_eq(got, escape_cases[_i].want);
    free(got);
}
END_TEST

static const struct {
    long long ms;
    const char *want;
} time_cases[] = {
    {0, "1970-01-01T00:00:00.000Z"},
    {1787392800123LL, "2026-08-22T10:00:00.123Z"},
    {951782400999LL, "2000-02-29T00:00:00.999Z"},
    {-1, "1969-12-31T23:59:59.999Z"},
};

START_TEST(test_timestamp)
{
    char got[32];

    pawl_langfuse_timestamp(got, time_cases[_i].ms);
    ck_assert_str_eq(got, time_cases[_i].want);
}
END_TEST

/* ---- requests against a one-shot server ---- */

struct oneshot {
    pid_t pid;
    int port;
    char *request_path; /* where the child saves the request it read */
};

/* Forks a child that accepts one connection, saves the request, answers `reply`, exits. */
static void oneshot_start(struct oneshot *o, const char *reply, const char *save_as)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

    ck_assert_int_eq(pawl_fs_mkdirs(PAWL_TEST_TMP "/langfuse", NULL), 0);
    ck_assert_int_ge(fd, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    o->port = ntohs(a.sin_port);
    o->request_path = pawl_test_tmp_path(PAWL_TEST_TMP "/langfuse", save_as);
    o->pid = fork();
    ck_assert_int_ge(o->pid, 0);
    if (o->pid == 0) {
        char buf[65536];
        size_t got = 0;
        ssize_t n;
        int c = accept(fd, NULL, NULL);
        FILE *fp;
        /* Read until the headers end and the (small, declared) body has arrived. */
        while (c >= 0 && got < sizeof(buf) - 1 && (n = read(c, buf + got, sizeof(buf) - 1 - got)) > 0) {
            const char *end, *cl;
            got += (size_t)n;
            buf[got] = '\0';
            if ((end = strstr(buf, "\r\n\r\n")) == NULL)
                continue;
            cl = strstr(buf, "Content-Length: ");
            if (!cl || got >= (size_t)(end + 4 - buf) + (size_t)atol(cl + 16))
                break;
        }
        fp = fopen(o->request_path, "w");
        if (fp) {
            fwrite(buf, 1, got, fp);
            fclose(fp);
        }
        if (c >= 0 && write(c, reply, strlen(reply)) < 0)
            _exit(1);
        _exit(0);
    }
    close(fd);
}

static void oneshot_wait(struct oneshot *o)
{
    int st = 0;

    ck_assert_int_eq(waitpid(o->pid, &st, 0), o->pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static char *with_port(const char *fmt, int port)
{
    char *s = NULL;

    ck_assert_int_ge(asprintf(&s, fmt, port), 0);
    return s;
}

/* A client for the server at `url_fmt` (holding %d for the port) with these keys. */
static struct pawl_langfuse *open_client(const char *url_fmt, int port, const char *pk,
                                         const char *sk, const struct pawl_langfuse_options *opts)
{
    struct pawl_langfuse *lf = NULL;
    struct pawl_error err;
    char *base = with_port(url_fmt, port);

    pawl_error_init(&err);
    set_keys(pk, sk, base, NULL);
    PAWL_ASSERT_OK(pawl_langfuse_open(&lf, opts, &err), &err);
    free(base);
    return lf;
}

START_TEST(test_error_reply_becomes_message)
{
    static const char reply[] =
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n"
        "Content-Length: 90\r\n\r\n"
        "{\"error\":\"UnauthorizedError\",\"message\":\"Invalid credentials for sk-lf-hush, check host\"}  ";
    static const struct pawl_langfuse_call call = {"GET", "/api/public/projects", NULL, NULL, 0,
                                                   NULL};
    struct pawl_langfuse *lf;
    struct pawl_langfuse_reply r;
    struct pawl_error err;
    struct oneshot o;
    char *req;

    pawl_error_init(&err);
    oneshot_start(&o, reply, "req401.txt");
    lf = open_client("http://127.0.0.1:%d", o.port, "pk-lf-open", "sk-lf-hush", NULL);
    PAWL_ASSERT_ERR(pawl_langfuse_send(lf, &call, &r, &err), &err, PAWL_EIO,
                    "Langfuse answered 401 to GET /api/public/projects: Invalid credentials for "
                    "***, check host (check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY)");
    ck_assert_int_eq(r.status, 401);
    ck_assert_ptr_null(strstr(r.text, "sk-lf-hush"));
    ck_assert_ptr_nonnull(json_object_get(r.body, "error"));
    oneshot_wait(&o);
    req = pawl_test_read_file(o.request_path);
    /* base64("pk-lf-open:sk-lf-hush") */
    ck_assert_ptr_nonnull(strstr(req, "GET /api/public/projects HTTP/1.1\r\n"));
    ck_assert_ptr_nonnull(strstr(req, "Authorization: Basic cGstbGYtb3Blbjpzay1sZi1odXNo\r\n"));
    ck_assert_ptr_nonnull(strstr(req, "X-Langfuse-Public-Key: pk-lf-open\r\n"));
    ck_assert_ptr_null(strstr(req, "Content-Type"));
    pawl_langfuse_reply_release(&r);
    pawl_langfuse_close(lf);
    free(req);
    free(o.request_path);
}
END_TEST

/*
 * A reply that spells the secret key with a JSON escape, in a value and in a
 * key, and quotes the Authorization header and the base URL's password
 * (percent-encoded in the URL): none of them reaches the message, the
 * parsed body or the text.
 */
START_TEST(test_reply_quoting_secrets)
{
    static const char body[] =
        "{\"message\":\"no \\u0073k-lf-hush, Basic cGstbGYtb3Blbjpzay1sZi1odXNo, pw@hush\","
        "\"\\u0073k-lf-hush\":[\"x\\u0073k-lf-hush\", \"pw@hush\"]}";
    static const struct pawl_langfuse_call call = {"GET", "/api/public/projects", NULL, NULL, 0,
                                                   NULL};
    struct pawl_langfuse *lf;
    struct pawl_langfuse_reply r;
    struct pawl_error err;
    struct oneshot o;
    char *reply, *req, *dump, *shown;

    pawl_error_init(&err);
    ck_assert_int_ge(asprintf(&reply,
                              "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                              "Connection: close\r\nContent-Length: %zu\r\n\r\n%s",
                              strlen(body), body),
                     0);
    oneshot_start(&o, reply, "reqquote.txt");
    lf = open_client("http://me:pw%%40hush@127.0.0.1:%d", o.port, "pk-lf-open", "sk-lf-hush", NULL);
    PAWL_ASSERT_ERR(pawl_langfuse_send(lf, &call, &r, &err), &err, PAWL_EIO,
                    "Langfuse answered 400 to GET /api/public/projects: no ***, Basic ***, ***");
    dump = json_dumps(r.body, JSON_COMPACT | JSON_SORT_KEYS);
    ck_assert_str_eq(dump, "{\"***\":[\"x***\",\"***\"],\"message\":\"no ***, Basic ***, ***\"}");
    ck_assert_ptr_null(strstr(r.text, "sk-lf-hush"));
    ck_assert_ptr_null(strstr(r.text, "cGstbGYtb3Blbjpzay1sZi1odXNo"));
    ck_assert_ptr_null(strstr(r.text, "pw@hush"));
    oneshot_wait(&o);
    /* The explicit header replaces the one libcurl would make of the URL's userinfo. */
    req = pawl_test_read_file(o.request_path);
    ck_assert_ptr_nonnull(strstr(req, "Authorization: Basic cGstbGYtb3Blbjpzay1sZi1odXNo\r\n"));
    ck_assert_ptr_null(strstr(strstr(req, "Authorization:") + 1, "Authorization:"));
    shown = with_port("http://127.0.0.1:%d", o.port);
    ck_assert_str_eq(pawl_langfuse_url(lf), shown);
    pawl_langfuse_reply_release(&r);
    pawl_langfuse_close(lf);
    free(dump);
    free(shown);
    free(req);
    free(reply);
    free(o.request_path);
}
END_TEST

START_TEST(test_json_body_and_success)
{
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                "Connection: close\r\nContent-Length: 11\r\n\r\n{\"id\":\"s1\"}";
    static const char *const extra[] = {"x-langfuse-ingestion-version: 4", NULL};
    json_t *body = json_pack("{s:s,s:i}", "name", "caf\xc3\xa9", "value", 1);
    struct pawl_langfuse_call call = {"POST", "/api/public/scores", body, NULL, 0, extra};
    struct pawl_langfuse *lf;
    struct pawl_langfuse_reply r;
    struct pawl_error err;
    struct oneshot o;
    char *req;

    pawl_error_init(&err);
    oneshot_start(&o, reply, "req200.txt");
    lf = open_client("http://127.0.0.1:%d/", o.port, "pk-lf-1", "sk-lf-1", NULL);
    PAWL_ASSERT_OK(pawl_langfuse_send(lf, &call, &r, &err), &err);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(json_string_value(json_object_get(r.body, "id")), "s1");
    oneshot_wait(&o);
    req = pawl_test_read_file(o.request_path);
    ck_assert_ptr_nonnull(strstr(req, "POST /api/public/scores HTTP/1.1\r\n"));
    ck_assert_ptr_nonnull(strstr(req, "Content-Type: application/json\r\n"));
    ck_assert_ptr_nonnull(strstr(req, "x-langfuse-ingestion-version: 4\r\n"));
    ck_assert_ptr_nonnull(strstr(req, "\r\n\r\n{\"name\":\"caf\xc3\xa9\",\"value\":1}"));
    pawl_langfuse_reply_release(&r);
    pawl_langfuse_close(lf);
    json_decref(body);
    free(req);
    free(o.request_path);
}
END_TEST

START_TEST(test_server_down)
{
    static const struct pawl_langfuse_call call = {"GET", "/api/public/health", NULL, NULL, 0,
                                                   NULL};
    struct pawl_langfuse *lf;
    struct pawl_langfuse_reply r;
    struct pawl_error err;
    struct oneshot o;
    char *want;

    /* A port that was just closed: the child exits without accepting. */
    pawl_error_init(&err);
    oneshot_start(&o, "", "unused.txt");
    kill(o.pid, SIGKILL);
    waitpid(o.pid, NULL, 0);
    want = with_port("Langfuse request GET /api/public/health failed: cannot connect to "
                     "http://127.0.0.1:%d: Connection refused",
                     o.port);
    lf = open_client("http://127.0.0.1:%d", o.port, "pk-lf-1", "sk-lf-1", NULL);
    PAWL_ASSERT_ERR(pawl_langfuse_request(lf, &call, &r, &err), &err, PAWL_EIO, want);
    ck_assert_int_eq(r.status, 0);
    pawl_langfuse_reply_release(&r);
    pawl_langfuse_close(lf);
    free(want);
    free(o.request_path);
}
END_TEST

/*
 * A write sent with pawl_langfuse_start_once is not repeated after an answer that
 * leaves it unknown whether the server acted (500), but is after one that says it
 * did not (503). The one-shot server answers once and then its port is closed, so a
 * retry shows as a refused connection on the second attempt.
 */
struct once_outcome {
    long status;
    unsigned attempts;
    char error[256];
};

static void record_once(void *ctx, const struct pawl_langfuse_reply *reply, const char *error)
{
    struct once_outcome *o = ctx;

    o->status = reply->status;
    o->attempts = reply->attempts;
    snprintf(o->error, sizeof(o->error), "%s", error ? error : "");
}

static const struct {
    const char *reply;
    int once;
    long want_status;
    unsigned want_attempts;
} once_cases[] = {
    {"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 1,
     500, 1},
    /* the same request without `once` is retried, and finds the port closed */
    {"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 0, 0,
     2},
    {"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\n"
     "Connection: close\r\n\r\n",
     1, 0, 2},
};

START_TEST(test_once_is_not_resent)
{
    static const char *const body = "{}";
    struct pawl_langfuse_call call = {"POST", "/api/public/otel/v1/traces", NULL, body, 2, NULL};
    struct pawl_langfuse_options opts = {5000, 1, 0};
    struct once_outcome o;
    struct pawl_langfuse *lf;
    struct pawl_error err;
    struct oneshot os;

    memset(&o, 0, sizeof(o));
    pawl_error_init(&err);
    oneshot_start(&os, once_cases[_i].reply, "once.txt");
    lf = open_client("http://127.0.0.1:%d", os.port, "pk-lf-1", "sk-lf-1", &opts);
    if (once_cases[_i].once)
        pawl_langfuse_start_once(lf, &call, record_once, &o);
    else
        pawl_langfuse_start(lf, &call, record_once, &o);
    PAWL_ASSERT_OK(pawl_langfuse_wait(lf, &err), &err);
    oneshot_wait(&os);
    ck_assert_int_eq(o.status, once_cases[_i].want_status);
    ck_assert_uint_eq(o.attempts, once_cases[_i].want_attempts);
    if (o.status == 0)
        ck_assert_ptr_nonnull(strstr(o.error, "Connection refused"));
    pawl_langfuse_close(lf);
    free(os.request_path);
}
END_TEST

static Suite *langfuse_suite(void)
{
    Suite *s = suite_create("langfuse");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_open, 0, sizeof(open_cases) / sizeof(open_cases[0]));
    tcase_add_test(tc, test_hex_id);
    tcase_add_loop_test(tc, test_escape, 0, sizeof(escape_cases) / sizeof(escape_cases[0]));
    tcase_add_loop_test(tc, test_timestamp, 0, sizeof(time_cases) / sizeof(time_cases[0]));
    tcase_add_test(tc, test_error_reply_becomes_message);
    tcase_add_test(tc, test_reply_quoting_secrets);
    tcase_add_test(tc, test_json_body_and_success);
    tcase_add_test(tc, test_server_down);
    tcase_add_loop_test(tc, test_once_is_not_resent, 0, sizeof(once_cases) / sizeof(once_cases[0]));
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(langfuse_suite());
}
