/* Unit tests for src/loop.c: child processes on the event loop, their pipes, limits and ends. */
#include <check.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/loop.h"

/* Generous: the limits exist so a bug fails the test instead of hanging it. */
#define DRIVE_LIMIT_MS 20000
#define DRIVE_MAX_STEPS 20000

/* A copy of what the callback saw; the result's buffers are only borrowed. */
struct got {
    int calls;
    int spawned, exited, status, signal, timed_out, overflow;
    long elapsed_ms, done_at;
    char *out, *err, *error;
    size_t out_len, err_len;
};

static void on_done(void *ctx, const struct pawl_proc_result *res)
{
    struct got *g = ctx;

    g->calls++;
    g->spawned = res->spawned;
    g->exited = res->exited;
    g->status = res->status;
    g->signal = res->signal;
    g->timed_out = res->timed_out;
    g->overflow = res->overflow;
    g->elapsed_ms = res->elapsed_ms;
    g->done_at = pawl_loop_now_ms();
    free(g->out);
    free(g->err);
    free(g->error);
    g->out = pawl_xstrndup(res->out->ptr, res->out->len);
    g->out_len = res->out->len;
    g->err = pawl_xstrndup(res->err_tail->ptr, res->err_tail->len);
    g->err_len = res->err_tail->len;
    g->error = res->error ? pawl_xstrdup(res->error) : NULL;
}

static void got_release(struct got *g)
{
    free(g->out);
    free(g->err);
    free(g->error);
    memset(g, 0, sizeof(*g));
}

/* Steps until nothing is pending; fails (rather than hangs) past the limits. */
static void drive(struct pawl_loop *loop)
{
    struct pawl_error err;
    long deadline = pawl_loop_now_ms() + DRIVE_LIMIT_MS;
    int steps = 0;

    pawl_error_init(&err);
    while (pawl_loop_pending(loop) > 0 && steps++ < DRIVE_MAX_STEPS &&
           pawl_loop_now_ms() < deadline)
        PAWL_ASSERT_OK(pawl_loop_step(loop, 100, &err), &err);
    ck_assert_msg(pawl_loop_pending(loop) == 0, "%zu children still pending after %d steps",
                  pawl_loop_pending(loop), steps);
}

static void spawn_sh(struct pawl_loop *loop, const char *script, const char *cwd, const char *input,
                     size_t input_len, long timeout_ms, size_t max_out, struct got *g)
{
    char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)script, NULL};

    pawl_loop_spawn(loop, argv, cwd, input, input_len, timeout_ms, max_out, on_done, g);
}

/* Runs one shell script to completion. */
static void run_sh(const char *script, const char *input, size_t input_len, long timeout_ms,
                   size_t max_out, struct got *g)
{
    struct pawl_loop *loop = pawl_loop_new();

    spawn_sh(loop, script, NULL, input ? input : "", input_len, timeout_ms, max_out, g);
    ck_assert_uint_eq(pawl_loop_pending(loop), 1);
    drive(loop);
    pawl_loop_free(loop);
    ck_assert_int_eq(g->calls, 1);
}

/* "1\n2\n...n\n", what `seq 1 n` prints. */
static char *seq_text(int n, size_t *len)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    int i;

    for (i = 1; i <= n; i++)
        pawl_buf_printf(&b, "%d\n", i);
    return pawl_buf_detach(&b, len);
}

static char *pattern(size_t len)
{
    char *p = pawl_xmalloc(len + 1);
    size_t i;

    for (i = 0; i < len; i++)
        p[i] = (char)(i * 131 % 256); /* every byte value, NUL included */
    p[len] = '\0';
    return p;
}

/* How a script ended and what it printed. */
static const struct {
    const char *script, *out, *err;
    size_t out_len;
    int exited, status, signal;
} endings[] = {
    {"printf hello", "hello", "", 5, 1, 0, 0},
    {"printf 'a\\000b\\n'", "a\0b\n", "", 4, 1, 0, 0},
    {"exit 0", "", "", 0, 1, 0, 0},
    {"printf out; printf err >&2", "out", "err", 3, 1, 0, 0},
    {"echo one; echo two >&2; echo three", "one\nthree\n", "two\n", 10, 1, 0, 0},
    {"exit 3", "", "", 0, 1, 3, 0},
    {"echo before; exit 255", "before\n", "", 7, 1, 255, 0},
    {"printf x; kill -TERM $$", "x", "", 1, 0, 0, SIGTERM},
    {"kill -KILL $$", "", "", 0, 0, 0, SIGKILL},
    {"echo bye >&2; kill -SEGV $$", "", "bye\n", 0, 0, 0, SIGSEGV},
};

START_TEST(output_and_exit_captured)
{
    struct got g = {0};

    run_sh(endings[_i].script, NULL, 0, 10000, 1 << 20, &g);
    ck_assert_int_eq(g.spawned, 1);
    ck_assert_int_eq(g.exited, endings[_i].exited);
    ck_assert_int_eq(g.status, endings[_i].status);
    ck_assert_int_eq(g.signal, endings[_i].signal);
    ck_assert_int_eq(g.timed_out, 0);
    ck_assert_int_eq(g.overflow, 0);
    ck_assert_ptr_null(g.error);
    ck_assert_uint_eq(g.out_len, endings[_i].out_len);
    ck_assert_mem_eq(g.out, endings[_i].out, endings[_i].out_len);
    ck_assert_str_eq(g.err, endings[_i].err);
    got_release(&g);
}
END_TEST

/* Both directions at once past the pipe buffer (64 KiB): the loop must feed and drain together. */
static const size_t cat_sizes[] = {0, 1, 65535, 65536, 300000, 1 << 20};

START_TEST(stdin_delivered)
{
    struct got g = {0};
    size_t n = cat_sizes[_i];
    char *input = pattern(n);

    run_sh("cat", input, n, 10000, 4u << 20, &g);
    ck_assert_int_eq(g.exited, 1);
    ck_assert_int_eq(g.status, 0);
    ck_assert_uint_eq(g.out_len, n);
    if (n)
        ck_assert_mem_eq(g.out, input, n);
    free(input);
    got_release(&g);
}
END_TEST

/* A process that is gone, or a zombie waiting for init: either way it no longer runs. */
static int process_gone(pid_t pid)
{
    char path[64], buf[512], *close_paren;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    if (!(f = fopen(path, "r")))
        return kill(pid, 0) < 0 && errno == ESRCH;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    close_paren = strrchr(buf, ')');
    return close_paren && close_paren[1] == ' ' && (close_paren[2] == 'Z' || close_paren[2] == 'X');
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The directory as getcwd(3) names it: symlinks resolved, like `pwd -P`. */
static char *physical(const char *dir)
{
    char *save = getcwd(NULL, 0), *real;

    ck_assert_ptr_nonnull(save);
    ck_assert_int_eq(chdir(dir), 0);
    real = getcwd(NULL, 0);
    ck_assert_int_eq(chdir(save), 0);
    free(save);
    ck_assert_ptr_nonnull(real);
    return real;
}

static pid_t wait_for_pid_file(const char *path)
{
    long deadline = pawl_loop_now_ms() + 5000;
    long pid = 0;

    while (pawl_loop_now_ms() < deadline) {
        FILE *f = fopen(path, "r");
        if (f) {
            int ok = fscanf(f, "%ld", &pid) == 1;
            fclose(f);
            if (ok && pid > 0)
                return (pid_t)pid;
        }
        sleep_ms(10);
    }
    return 0;
}

START_TEST(timeout_kills_process_group)
{
    struct pawl_loop *loop = pawl_loop_new();
    struct got g = {0};
    long t0 = pawl_loop_now_ms(), deadline;
    pid_t bg;

    spawn_sh(loop, "sleep 30 & echo $!; sleep 30", NULL, "", 0, 200, 1024, &g);
    drive(loop);
    pawl_loop_free(loop);
    ck_assert_int_eq(g.calls, 1);
    ck_assert_msg(g.done_at - t0 < 5000, "timed out child took %ld ms", g.done_at - t0);
    ck_assert_int_eq(g.timed_out, 1);
    ck_assert_int_eq(g.exited, 0);
    ck_assert_int_eq(g.signal, SIGKILL);
    ck_assert_int_ge(g.elapsed_ms, 150);
    /* The background sleep (its pid is what the script printed) was in the group: it died too. */
    bg = (pid_t)atol(g.out);
    ck_assert_int_gt(bg, 0);
    deadline = pawl_loop_now_ms() + 3000;
    while (!process_gone(bg) && pawl_loop_now_ms() < deadline)
        sleep_ms(10);
    if (!process_gone(bg)) {
        kill(bg, SIGKILL);
        ck_abort_msg("background process %ld survived the timeout", (long)bg);
    }
    got_release(&g);
}
END_TEST

static const struct {
    const char *script;
    size_t max_out;
    int overflow;
    size_t out_len; /* when not overflowing */
} caps[] = {
    {"printf 1234567890", 10, 0, 10},
    {"printf 12345678901", 10, 1, 0},
    {"seq 1 100000", 1000, 1, 0},
    {"seq 1 100000; sleep 30", 70000, 1, 0},
};

START_TEST(output_cap_overflows)
{
    struct got g = {0};
    size_t len;
    char *full = seq_text(100000, &len);

    run_sh(caps[_i].script, NULL, 0, 20000, caps[_i].max_out, &g);
    ck_assert_int_eq(g.overflow, caps[_i].overflow);
    ck_assert_int_eq(g.timed_out, 0);
    ck_assert_uint_le(g.out_len, caps[_i].max_out);
    if (caps[_i].overflow) {
        ck_assert_msg(g.elapsed_ms < 10000, "overflowing child ran %ld ms", g.elapsed_ms);
        if (caps[_i].script[0] == 's')
            ck_assert_mem_eq(g.out, full, g.out_len); /* what was kept is a prefix */
    } else {
        ck_assert_uint_eq(g.out_len, caps[_i].out_len);
        ck_assert_int_eq(g.exited, 1);
    }
    free(full);
    got_release(&g);
}
END_TEST

START_TEST(stderr_tail_kept)
{
    struct got g = {0};
    size_t len;
    char *full = seq_text(20000, &len); /* 108,894 bytes */

    run_sh("seq 1 20000 >&2; printf done", NULL, 0, 10000, 1024, &g);
    ck_assert_str_eq(g.out, "done");
    ck_assert_uint_ge(g.err_len, 1024);
    ck_assert_uint_lt(g.err_len, len);
    ck_assert_mem_eq(g.err, full + len - g.err_len, g.err_len);
    free(full);
    got_release(&g);
}
END_TEST

/* Programs that cannot start: no such file, and a script without the execute bit. */
START_TEST(unstartable_program_is_not_spawned)
{
    char *dir = pawl_test_scratch_dir(PAWL_TEST_TMP, "loop");
    char *script = pawl_xasprintf("%s/agent.sh", dir), *want;
    char *argv[] = {_i ? script : (char *)"no-such-program-xyz", (char *)"--flag", NULL};
    struct pawl_loop *loop = pawl_loop_new();
    struct got g = {0};
    FILE *f = fopen(script, "w");

    ck_assert_ptr_nonnull(f);
    fputs("#!/bin/sh\necho hi\n", f);
    fclose(f);
    chmod(script, 0644);
    pawl_loop_spawn(loop, argv, NULL, "input", 5, 1000, 1024, on_done, &g);
    ck_assert_int_eq(g.calls, 0); /* callbacks only run from pawl_loop_step */
    ck_assert_uint_eq(pawl_loop_pending(loop), 1);
    drive(loop);
    pawl_loop_free(loop);
    want = pawl_xasprintf("cannot run '%s': %s", argv[0],
                          _i ? "Permission denied" : "No such file or directory");
    ck_assert_int_eq(g.calls, 1);
    ck_assert_int_eq(g.spawned, 0);
    ck_assert_int_eq(g.exited, 0);
    ck_assert_int_eq(g.signal, 0);
    ck_assert_uint_eq(g.out_len, 0);
    ck_assert_pstr_eq(g.error, want);
    free(want);
    got_release(&g);
    free(script);
    pawl_test_scratch_remove(&dir);
}
END_TEST

START_TEST(cwd_respected)
{
    char *dir = pawl_test_scratch_dir(PAWL_TEST_TMP, "loop"), *real, *want;
    struct pawl_loop *loop = pawl_loop_new();
    struct got in_dir = {0}, in_cwd = {0};

    spawn_sh(loop, "pwd -P", dir, "", 0, 5000, 4096, &in_dir);
    spawn_sh(loop, "pwd -P", NULL, "", 0, 5000, 4096, &in_cwd);
    drive(loop);
    pawl_loop_free(loop);
    real = physical(dir);
    want = pawl_xasprintf("%s\n", real);
    ck_assert_str_eq(in_dir.out, want);
    free(want);
    free(real);
    real = physical(".");
    want = pawl_xasprintf("%s\n", real);
    ck_assert_str_eq(in_cwd.out, want);
    free(want);
    free(real);
    got_release(&in_dir);
    got_release(&in_cwd);
    pawl_test_scratch_remove(&dir);
}
END_TEST

/* Regression test for a fixed bug: a missing cwd is reported as if the program were missing: pawl_loop_spawn(argv {"pwd"},
 * cwd "/nonexistent/dir") gives "cannot run 'pwd': No such file or directory" (child_exec sends
 * chdir's errno down the same pipe as execvp's); the message should name the directory. */
START_TEST(missing_cwd_names_the_directory)
{
    char *argv[] = {(char *)"pwd", NULL};
    struct pawl_loop *loop = pawl_loop_new();
    struct got g = {0};

    pawl_loop_spawn(loop, argv, "/nonexistent/dir", "", 0, 1000, 1024, on_done, &g);
    drive(loop);
    pawl_loop_free(loop);
    ck_assert_int_eq(g.spawned, 0);
    ck_assert_ptr_nonnull(g.error);
    ck_assert_msg(strstr(g.error, "/nonexistent/dir") != NULL, "error '%s' does not name the cwd",
                  g.error);
    got_release(&g);
}
END_TEST

/* Regression test for a fixed bug: pawl_loop_spawn(..., input = NULL, input_len = 0, ...) passes NULL to memcpy
 * (src/loop.c, `memcpy(p->input, input, input_len)`), which UBSan aborts on. */
START_TEST(null_input_with_zero_length)
{
    struct pawl_loop *loop = pawl_loop_new();
    struct got g = {0};

    spawn_sh(loop, "cat; printf x", NULL, NULL, 0, 5000, 1024, &g);
    drive(loop);
    pawl_loop_free(loop);
    ck_assert_str_eq(g.out, "x");
    got_release(&g);
}
END_TEST

/* Agents that never read stdin, given far more than a pipe holds. */
static const char *const deaf_agents[] = {
    "printf done",
    "sleep 0.3; printf done",
    "exec 0<&-; sleep 0.2; printf done",
};

START_TEST(agent_ignoring_stdin_does_not_hang)
{
    size_t n = 1 << 20;
    char *input = pattern(n);
    struct got g = {0};

    signal(SIGPIPE, SIG_IGN); /* as the CLI does */
    run_sh(deaf_agents[_i], input, n, 10000, 1024, &g);
    ck_assert_int_eq(g.timed_out, 0);
    ck_assert_int_eq(g.exited, 1);
    ck_assert_int_eq(g.status, 0);
    ck_assert_str_eq(g.out, "done");
    free(input);
    got_release(&g);
}
END_TEST

START_TEST(many_concurrent_children)
{
    enum { N = 50 };
    struct pawl_loop *loop = pawl_loop_new();
    struct got g[N];
    char *scripts[N];
    int i;

    memset(g, 0, sizeof(g));
    for (i = 0; i < N; i++) {
        /* Later children finish first, so completion order differs from start order. */
        scripts[i] = pawl_xasprintf("read line; sleep 0.%02d; printf '%%s:%d' \"$line\"", N - i, i);
        spawn_sh(loop, scripts[i], NULL, "case\n", 5, 20000, 1024, &g[i]);
    }
    ck_assert_uint_eq(pawl_loop_pending(loop), N);
    drive(loop);
    pawl_loop_free(loop);
    for (i = 0; i < N; i++) {
        char want[32];
        snprintf(want, sizeof(want), "case:%d", i);
        ck_assert_int_eq(g[i].calls, 1);
        ck_assert_int_eq(g[i].status, 0);
        ck_assert_str_eq(g[i].out, want);
        got_release(&g[i]);
        free(scripts[i]);
    }
}
END_TEST

START_TEST(cancel_all_ends_everything)
{
    enum { N = 5 };
    struct pawl_loop *loop = pawl_loop_new();
    struct pawl_error err;
    struct got g[N];
    long t0;
    int i;

    memset(g, 0, sizeof(g));
    pawl_error_init(&err);
    for (i = 0; i < N; i++)
        spawn_sh(loop, i % 2 ? "sleep 30 & sleep 30" : "cat; sleep 30", NULL, "x", 1, 0, 1024,
                 &g[i]);
    PAWL_ASSERT_OK(pawl_loop_step(loop, 50, &err), &err);
    t0 = pawl_loop_now_ms();
    pawl_loop_cancel_all(loop);
    drive(loop);
    ck_assert_msg(pawl_loop_now_ms() - t0 < 5000, "cancel took %ld ms", pawl_loop_now_ms() - t0);
    pawl_loop_free(loop);
    for (i = 0; i < N; i++) {
        ck_assert_int_eq(g[i].calls, 1);
        ck_assert_int_eq(g[i].signal, SIGKILL);
        ck_assert_int_eq(g[i].timed_out, 0);
        ck_assert_int_eq(g[i].exited, 0);
        got_release(&g[i]);
    }
}
END_TEST

/* Regression test for a fixed bug: after pawl_loop_cancel_all(), a child whose descendant left the process group (setsid)
 * and still holds stdout stays pending until that descendant exits: pawl_loop_step closes a
 * killed child's pipes only when it timed out or overflowed, and reaps only once they close. */
START_TEST(cancel_all_with_escaped_grandchild)
{
    char *dir = pawl_test_scratch_dir(PAWL_TEST_TMP, "loop");
    char *pid_file = pawl_xasprintf("%s/esc.pid", dir);
    char *script = pawl_xasprintf("setsid sleep 30 & echo $! > '%s'; sleep 30", pid_file);
    struct pawl_loop *loop = pawl_loop_new();
    struct pawl_error err;
    struct got g = {0};
    pid_t esc;
    long t0;
    size_t pending;
    int steps = 0;

    pawl_error_init(&err);
    spawn_sh(loop, script, NULL, "", 0, 0, 1024, &g);
    esc = wait_for_pid_file(pid_file);
    /* Give the background job time to leave the group before the group is killed. */
    t0 = pawl_loop_now_ms();
    while (pawl_loop_now_ms() - t0 < 300)
        PAWL_ASSERT_OK(pawl_loop_step(loop, 50, &err), &err);
    pawl_loop_cancel_all(loop);
    t0 = pawl_loop_now_ms();
    while (pawl_loop_pending(loop) > 0 && pawl_loop_now_ms() - t0 < 3000 && steps++ < 1000)
        pawl_loop_step(loop, 100, &err);
    pending = pawl_loop_pending(loop);
    if (esc > 0)
        kill(esc, SIGKILL);
    pawl_loop_free(loop);
    free(script);
    free(pid_file);
    pawl_test_scratch_remove(&dir);
    ck_assert_msg(pending == 0, "cancelled child still pending after 3 s");
    ck_assert_int_eq(g.signal, SIGKILL);
    got_release(&g);
}
END_TEST

struct chain {
    struct pawl_loop *loop;
    int runs;
    char outs[64];
};

static void chain_done(void *ctx, const struct pawl_proc_result *res)
{
    struct chain *c = ctx;
    char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)"printf x", NULL};

    strncat(c->outs, res->out->ptr, sizeof(c->outs) - strlen(c->outs) - 1);
    if (++c->runs < 3)
        pawl_loop_spawn(c->loop, argv, NULL, "", 0, 5000, 16, chain_done, c);
}

START_TEST(callback_may_spawn_more)
{
    struct chain c;
    char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)"printf a", NULL};

    memset(&c, 0, sizeof(c));
    c.loop = pawl_loop_new();
    pawl_loop_spawn(c.loop, argv, NULL, "", 0, 5000, 16, chain_done, &c);
    drive(c.loop);
    pawl_loop_free(c.loop);
    ck_assert_int_eq(c.runs, 3);
    ck_assert_str_eq(c.outs, "axx");
}
END_TEST

START_TEST(free_kills_running_children)
{
    struct pawl_loop *loop = pawl_loop_new();
    struct pawl_error err;
    struct got g = {0};
    long t0;

    pawl_error_init(&err);
    spawn_sh(loop, "sleep 30", NULL, "", 0, 0, 16, &g);
    PAWL_ASSERT_OK(pawl_loop_step(loop, 20, &err), &err);
    t0 = pawl_loop_now_ms();
    pawl_loop_free(loop);
    ck_assert_msg(pawl_loop_now_ms() - t0 < 5000, "free took %ld ms", pawl_loop_now_ms() - t0);
    ck_assert_int_eq(g.calls, 0);
    pawl_loop_free(NULL);
}
END_TEST

START_TEST(elapsed_time_measured)
{
    struct got g = {0};
    long t0 = pawl_loop_now_ms();

    run_sh("sleep 0.3", NULL, 0, 10000, 16, &g);
    ck_assert_int_ge(g.elapsed_ms, 250);
    ck_assert_int_le(g.elapsed_ms, pawl_loop_now_ms() - t0);
    ck_assert_int_lt(pawl_loop_now_ms() - t0, 10000);
    got_release(&g);
}
END_TEST

static Suite *loop_suite(void)
{
    Suite *s = suite_create("loop");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, output_and_exit_captured, 0,
                        (int)(sizeof(endings) / sizeof(endings[0])));
    tcase_add_loop_test(tc, stdin_delivered, 0, (int)(sizeof(cat_sizes) / sizeof(cat_sizes[0])));
    tcase_add_test(tc, timeout_kills_process_group);
    tcase_add_loop_test(tc, output_cap_overflows, 0, (int)(sizeof(caps) / sizeof(caps[0])));
    tcase_add_test(tc, stderr_tail_kept);
    tcase_add_loop_test(tc, unstartable_program_is_not_spawned, 0, 2);
    tcase_add_test(tc, cwd_respected);
    tcase_add_test(tc, missing_cwd_names_the_directory);
    tcase_add_test(tc, null_input_with_zero_length);
    tcase_add_loop_test(tc, agent_ignoring_stdin_does_not_hang, 0,
                        (int)(sizeof(deaf_agents) / sizeof(deaf_agents[0])));
    tcase_add_test(tc, many_concurrent_children);
    tcase_add_test(tc, cancel_all_ends_everything);
    tcase_add_test(tc, cancel_all_with_escaped_grandchild);
    tcase_add_test(tc, callback_may_spawn_more);
    tcase_add_test(tc, free_kills_running_children);
    tcase_add_test(tc, elapsed_time_measured);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(loop_suite());
}
