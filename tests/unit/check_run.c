/*
 * Unit tests for src/run.c and src/suite.c, end to end through the library: a config and a
 * dataset written to a scratch directory, loaded, checked and run with the echo and exec
 * providers (exec agents are small shell scripts).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/alloc.h"
#include "pawl/loop.h"
#include "pawl/run.h"
#include "pawl/suite.h"

static char *run_root; /* PAWL_TEST_TMP/run-XXXXXX, made in the parent, removed after all tests */
static char *tmp;      /* this test's own directory inside run_root */
static struct pawl_suite s;   /* this test's suite (load) and results (execute), */
static struct pawl_results r; /* released by teardown */

static void run_setup(void)
{
    run_root = pawl_test_scratch_root("run");
}

static void run_teardown(void)
{
    pawl_test_scratch_remove(&run_root);
}

static void setup(void)
{
    signal(SIGPIPE, SIG_IGN); /* as the CLI does */
    tmp = pawl_test_scratch_dir(run_root, "t");
    memset(&s, 0, sizeof(s));
    pawl_results_init(&r);
}

static void teardown(void)
{
    pawl_results_release(&r);
    pawl_suite_release(&s);
    pawl_test_scratch_remove(&tmp);
}

static void write_file(const char *rel, const char *text)
{
    pawl_test_write_at(tmp, rel, text);
}

static char *config_path(void)
{
    return pawl_xasprintf("%s/pawl.yaml", tmp);
}

/* Loads and checks the suite in tmp, replacing the one loaded before. */
static void load(void)
{
    char *path = config_path();
    struct pawl_error err;

    pawl_suite_release(&s);
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_suite_load(&s, path, &err), &err);
    PAWL_ASSERT_OK(pawl_suite_check(&s, &err), &err);
    free(path);
}

/* Runs the suite into fresh results; returns pawl_run_execute's code. */
static int execute(const struct pawl_run_options *opts, struct pawl_error *err)
{
    pawl_results_release(&r);
    pawl_results_init(&r);
    pawl_error_init(err);
    return pawl_run_execute(&r, &s, opts, err);
}

struct stopper {
    volatile sig_atomic_t *stop;
    size_t calls, last_done, last_total;
};

/* Records progress and, standing in for a signal handler, stops once two calls finished. */
static void stop_after_two(void *ctx, size_t done, size_t total)
{
    struct stopper *st = ctx;

    st->calls++;
    st->last_done = done;
    st->last_total = total;
    if (done >= 2 && st->stop)
        *st->stop = 1;
}

static const char echo_config[] = "version: 1\n"
                                  "name: echo-suite\n"
                                  "dataset: {path: cases.jsonl}\n"
                                  "task:\n"
                                  "  provider: echo\n"
                                  "  messages:\n"
                                  "    - {role: user, content: 'Q: {{input.q}}'}\n"
                                  "scorers:\n"
                                  "  - {name: has_answer, type: contains, value: "
                                  "'{{expected_output}}'}\n";

/* `n` cases c0..c(n-1); every third one expects an answer the echo does not contain. */
static void write_echo_cases(int n)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    int i;

    for (i = 0; i < n; i++)
        pawl_buf_printf(
            &b, "{\"id\": \"c%d\", \"input\": {\"q\": \"q%d\"}, \"expected_output\": \"%s\"}\n", i,
            i, i % 3 == 2 ? "nope" : "Q:");
    write_file("cases.jsonl", b.ptr);
    pawl_buf_release(&b);
}

START_TEST(echo_run_end_to_end)
{
    struct stopper st = {NULL, 0, 0, 0};
    struct pawl_run_options opts = {0};
    struct pawl_error err;
    size_t i;

    write_file("pawl.yaml", echo_config);
    write_echo_cases(6);
    load();
    opts.progress = stop_after_two; /* stop stays NULL: progress is only counted */
    opts.progress_ctx = &st;
    PAWL_ASSERT_OK(execute(&opts, &err), &err);
    ck_assert_uint_eq(st.last_done, 6);
    ck_assert_uint_eq(st.last_total, 6);
    ck_assert_str_eq(r.suite, "echo-suite");
    ck_assert_str_eq(r.dataset_path, "cases.jsonl");
    ck_assert_uint_eq(r.dataset_cases, 6);
    ck_assert_uint_eq(r.n_scorers, 1);
    ck_assert_str_eq(r.scorer_names[0], "has_answer");
    ck_assert_str_eq(r.task_fingerprint, s.task_fingerprint);
    ck_assert_str_eq(r.scorers_fingerprint, s.scorers_fingerprint);
    ck_assert_uint_eq(strlen(r.dataset_blob), 40);
    ck_assert_int_eq(r.interrupted, 0);
    ck_assert_uint_eq(r.n_cases, 6);
    for (i = 0; i < 6; i++) {
        const struct pawl_case_result *c = &r.cases[i];
        char id[8], out[16];
        snprintf(id, sizeof(id), "c%zu", i);
        snprintf(out, sizeof(out), "Q: q%zu", i);
        ck_assert_str_eq(c->id, id);
        ck_assert_int_eq(c->line, (int)i + 1);
        ck_assert_uint_eq(c->n_trials, 1);
        ck_assert_pstr_eq(c->trials[0].output, out);
        ck_assert_ptr_null(c->trials[0].error);
        ck_assert_int_eq(c->trials[0].scores[0].type, PAWL_SCORE_BOOLEAN);
        ck_assert_int_eq(c->passed, i % 3 != 2);
        ck_assert_int_eq(c->trials[0].scores[0].passed, i % 3 != 2);
        ck_assert_int_eq(c->errored, 0);
    }
}
END_TEST

/* The agent (tests/data/run/agent.sh) sleeps for input.delay, fails when input.fail is true and
 * otherwise answers "answer <id> t<trial>". */
static void write_exec_suite(const char *run_keys)
{
    char *cfg = pawl_xasprintf("version: 1\n"
                               "name: agents\n"
                               "dataset: {path: cases.jsonl}\n"
                               "task: {provider: exec, command: [sh, '%s/run/agent.sh']}\n"
                               "scorers: [{name: ok, type: contains, value: 'answer'}]\n"
                               "run: {concurrency: 8, timeout: 20s%s}\n",
                               PAWL_TEST_DATA, run_keys ? run_keys : "");
    write_file("pawl.yaml", cfg);
    free(cfg);
}

/* Cases c0..c(n-1); earlier ids sleep longer, so they finish last. */
static void write_delay_cases(int n, int failing)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    int i;

    for (i = 0; i < n; i++)
        pawl_buf_printf(&b, "{\"id\": \"c%d\", \"input\": {\"delay\": \"0.%d\"%s}}\n", i, n - i,
                        i == failing ? ", \"fail\": true" : "");
    write_file("cases.jsonl", b.ptr);
    pawl_buf_release(&b);
}

START_TEST(exec_results_in_dataset_order)
{
    struct pawl_run_options opts = {0};
    struct pawl_error err;
    size_t i;

    write_exec_suite(NULL);
    write_delay_cases(6, -1);
    load();
    PAWL_ASSERT_OK(execute(&opts, &err), &err);
    ck_assert_uint_eq(r.n_cases, 6);
    for (i = 0; i < 6; i++) {
        char id[8], out[32];
        snprintf(id, sizeof(id), "c%zu", i);
        snprintf(out, sizeof(out), "answer c%zu t0", i); /* the trailing newline is dropped */
        ck_assert_str_eq(r.cases[i].id, id);
        ck_assert_pstr_eq(r.cases[i].trials[0].output, out);
        ck_assert_int_eq(r.cases[i].passed, 1);
    }
    /* They did finish in reverse: the first case took the longest. */
    ck_assert_int_gt(r.cases[0].trials[0].latency_ms, r.cases[5].trials[0].latency_ms);
}
END_TEST

START_TEST(repeat_gives_trials)
{
    struct pawl_run_options opts = {0};
    struct pawl_error err;
    size_t i, t;

    write_exec_suite(NULL);
    write_delay_cases(4, -1);
    load();
    opts.repeat = 3;
    PAWL_ASSERT_OK(execute(&opts, &err), &err);
    ck_assert_uint_eq(r.n_cases, 4);
    for (i = 0; i < 4; i++) {
        ck_assert_uint_eq(r.cases[i].n_trials, 3);
        for (t = 0; t < 3; t++) {
            char out[32];
            snprintf(out, sizeof(out), "answer c%zu t%zu", i, t);
            ck_assert_pstr_eq(r.cases[i].trials[t].output, out);
            ck_assert_int_eq(r.cases[i].trials[t].scores[0].passed, 1);
        }
    }
}
END_TEST

static const struct {
    const char *filter;
    const char *ids; /* selected ids, space separated; NULL: none */
} filters[] = {
    {"c1", "c1"}, {"c[13]", "c1 c3"}, {"c*", "c0 c1 c2 c3 c4"},
    {"*4", "c4"}, {"?2", "c2"},       {"nomatch*", NULL},
};

START_TEST(filter_selects_cases)
{
    struct pawl_run_options opts = {0};
    struct pawl_error err;
    struct pawl_buf ids = PAWL_BUF_INIT;
    size_t i;

    write_file("pawl.yaml", echo_config);
    write_echo_cases(5);
    load();
    opts.filter = filters[_i].filter;
    if (filters[_i].ids) {
        PAWL_ASSERT_OK(execute(&opts, &err), &err);
        for (i = 0; i < r.n_cases; i++)
            pawl_buf_printf(&ids, "%s%s", i ? " " : "", r.cases[i].id);
        ck_assert_str_eq(ids.ptr, filters[_i].ids);
        ck_assert_uint_eq(r.dataset_cases, 5);
    } else {
        PAWL_ASSERT_ERR(execute(&opts, &err), &err, PAWL_EUSAGE,
                        "no cases selected (the dataset has 5; check --filter and --shard)");
        ck_assert_uint_eq(r.n_cases, 0);
    }
    pawl_buf_release(&ids);
}
END_TEST

static const unsigned shard_counts[] = {1, 2, 3, 5, 8};

START_TEST(shards_partition_ids)
{
    unsigned count = shard_counts[_i], k, per[8] = {0};
    int i;

    for (i = 0; i < 1000; i++) {
        char id[32];
        unsigned hits = 0;
        snprintf(id, sizeof(id), "case-%d", i);
        for (k = 1; k <= count; k++)
            if (pawl_run_in_shard(id, k, count)) {
                hits++;
                per[k - 1]++;
            }
        ck_assert_msg(hits == 1, "'%s' is in %u of %u shards", id, hits, count);
    }
    /* Roughly even: for 3 shards, each holds between 20% and 47% of the ids. */
    if (count == 3)
        for (k = 0; k < 3; k++)
            ck_assert_msg(per[k] >= 200 && per[k] <= 470, "shard %u of 3 holds %u of 1000", k + 1,
                          per[k]);
    for (k = 0; k < count; k++)
        ck_assert_msg(per[k] > 0, "shard %u of %u is empty", k + 1, count);
}
END_TEST

START_TEST(shard_assignment_is_stable)
{
    /* FNV-1a (64-bit) of the id, modulo the count: what every machine must compute alike. */
    ck_assert(pawl_run_in_shard("q1", 2, 4));
    ck_assert(pawl_run_in_shard("q2", 1, 4));
    ck_assert(pawl_run_in_shard("c0", 1, 4));
    ck_assert(pawl_run_in_shard("case-42", 3, 3));
    ck_assert(pawl_run_in_shard("", 4, 4));
    ck_assert(!pawl_run_in_shard("q1", 1, 4));
    /* No sharding selects everything. */
    ck_assert(pawl_run_in_shard("anything", 0, 0));
}
END_TEST

START_TEST(shard_runs_cover_the_dataset)
{
    struct pawl_run_options opts = {0};
    struct pawl_error err;
    int seen[30] = {0}, i;
    unsigned k;

    write_file("pawl.yaml", echo_config);
    write_echo_cases(30);
    load();
    for (k = 1; k <= 3; k++) {
        size_t j;
        int last = -1;
        opts.shard_index = k;
        opts.shard_count = 3;
        PAWL_ASSERT_OK(execute(&opts, &err), &err);
        for (j = 0; j < r.n_cases; j++) {
            int n = atoi(r.cases[j].id + 1);
            ck_assert(pawl_run_in_shard(r.cases[j].id, k, 3));
            ck_assert_int_gt(n, last); /* dataset order within a shard */
            last = n;
            seen[n]++;
        }
    }
    for (i = 0; i < 30; i++)
        ck_assert_msg(seen[i] == 1, "c%d ran in %d shards", i, seen[i]);
}
END_TEST

START_TEST(error_budget)
{
    struct pawl_run_options opts = {0};
    struct pawl_error err;

    write_exec_suite(NULL);
    write_delay_cases(6, 4);
    load();
    PAWL_ASSERT_ERR(execute(&opts, &err), &err, PAWL_EINFRA,
                    "1 of 6 calls to the 'exec' provider failed (error rate 0.167, "
                    "run.max_error_rate 0.000): the provider failed, not the candidate");
    /* The results are still complete, for the reports. */
    ck_assert_uint_eq(r.n_cases, 6);
    ck_assert_pstr_eq(r.cases[4].trials[0].error, "agent exited with status 7: model overloaded");
    ck_assert_ptr_null(r.cases[4].trials[0].output);
    ck_assert_int_eq(r.cases[4].errored, 1);
    ck_assert_int_eq(r.cases[4].passed, 0);
    ck_assert_pstr_eq(r.cases[3].trials[0].output, "answer c3 t0");
    ck_assert_int_eq(r.cases[3].errored, 0);
    /* Within the budget the same failure is only recorded. */
    write_exec_suite(", max_error_rate: 0.2");
    load();
    PAWL_ASSERT_OK(execute(&opts, &err), &err);
    ck_assert_pstr_eq(r.cases[4].trials[0].error, "agent exited with status 7: model overloaded");
    ck_assert_int_eq(r.cases[4].errored, 1);
}
END_TEST

START_TEST(stop_before_the_run)
{
    volatile sig_atomic_t stop = 1;
    struct pawl_run_options opts = {0};
    struct pawl_error err;
    size_t i, t;

    write_exec_suite(", repeat: 2"); /* trials from the config this time */
    write_delay_cases(3, -1);
    load();
    opts.stop = &stop;
    PAWL_ASSERT_ERR(execute(&opts, &err), &err, PAWL_EINTR, "interrupted after 0 of 6 calls");
    ck_assert_int_eq(r.interrupted, 1);
    ck_assert_uint_eq(r.n_cases, 3);
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(r.cases[i].errored, 1);
        ck_assert_int_eq(r.cases[i].passed, 0);
        for (t = 0; t < 2; t++) {
            ck_assert_pstr_eq(r.cases[i].trials[t].error, "not run: the run was interrupted");
            ck_assert_ptr_null(r.cases[i].trials[t].output);
            ck_assert_int_eq(r.cases[i].trials[t].latency_ms, -1);
        }
    }
}
END_TEST

/*
 * Three at a time: c1 and c2 finish first, which starts c3 and c4; then the stop comes (the
 * progress callback runs after new calls start), so c0, c3 and c4 are killed in flight and c5
 * never starts. Returns pawl_run_execute's code.
 */
static int interrupted_run(struct pawl_error *err, struct stopper *st)
{
    struct pawl_run_options opts = {0};

    write_exec_suite(NULL);
    write_file("cases.jsonl", "{\"id\": \"c0\", \"input\": {\"delay\": \"3\"}}\n"
                              "{\"id\": \"c1\", \"input\": {\"delay\": \"0.1\"}}\n"
                              "{\"id\": \"c2\", \"input\": {\"delay\": \"0.1\"}}\n"
                              "{\"id\": \"c3\", \"input\": {\"delay\": \"3\"}}\n"
                              "{\"id\": \"c4\", \"input\": {\"delay\": \"3\"}}\n"
                              "{\"id\": \"c5\", \"input\": {\"delay\": \"3\"}}\n");
    load();
    opts.concurrency = 3;
    opts.stop = st->stop;
    opts.progress = stop_after_two;
    opts.progress_ctx = st;
    return execute(&opts, err);
}

START_TEST(stop_during_the_run)
{
    volatile sig_atomic_t stop = 0;
    struct stopper st = {&stop, 0, 0, 0};
    struct pawl_error err;
    long t0 = pawl_loop_now_ms();

    ck_assert_int_eq(interrupted_run(&err, &st), PAWL_EINTR);
    ck_assert_msg(pawl_loop_now_ms() - t0 < 2500, "stopping took %ld ms", pawl_loop_now_ms() - t0);
    ck_assert_int_eq(r.interrupted, 1);
    ck_assert_uint_eq(r.n_cases, 6);
    ck_assert_pstr_eq(r.cases[1].trials[0].output, "answer c1 t0");
    ck_assert_pstr_eq(r.cases[2].trials[0].output, "answer c2 t0");
    ck_assert_int_eq(r.cases[1].passed, 1);
    /* The calls in flight were killed; the one never started says so. */
    ck_assert_pstr_eq(r.cases[0].trials[0].error, "agent was killed by signal 9");
    ck_assert_pstr_eq(r.cases[3].trials[0].error, "agent was killed by signal 9");
    ck_assert_pstr_eq(r.cases[4].trials[0].error, "agent was killed by signal 9");
    ck_assert_pstr_eq(r.cases[5].trials[0].error, "not run: the run was interrupted");
    ck_assert_ptr_null(r.cases[5].trials[0].output);
    ck_assert_int_eq(r.cases[0].errored, 1);
    ck_assert_uint_eq(st.last_total, 6);
}
END_TEST

/* Regression test for a fixed bug: the interrupt message counts the calls killed by the stop as done. In the run above
 * (2 calls completed, 3 killed in flight, 1 never started) pawl_run_execute in src/run.c
 * reports "interrupted after 5 of 6 calls", because r.finished is read after the killed
 * calls' callbacks ran. Expected "interrupted after 2 of 6 calls". */
START_TEST(interrupt_message_counts_completed_calls)
{
    volatile sig_atomic_t stop = 0;
    struct stopper st = {&stop, 0, 0, 0};
    struct pawl_error err;

    PAWL_ASSERT_ERR(interrupted_run(&err, &st), &err, PAWL_EINTR, "interrupted after 2 of 6 calls");
}
END_TEST

static const struct {
    const char *content;  /* the task message */
    const char *scorer;   /* the scorer's value */
    const char *want_fmt; /* %s: the config path */
} check_errors[] = {
    {"'Q: {{input.qestion}}'", "x",
     "%s:5:40: unknown template variable 'input.qestion' (case 'a' at cases.jsonl:1)"},
    {"'{{input.extra}}'", "x",
     "%s:5:37: unknown template variable 'input.extra' (case 'b' at cases.jsonl:2)"},
    {"x", "'{{metadata.answer}}'",
     "%s:6:46: unknown template variable 'metadata.answer' (case 'b' at cases.jsonl:2)"},
};

START_TEST(suite_check_reports_missing_variable)
{
    char *cfg = pawl_xasprintf("version: 1\n"
                               "dataset: {path: cases.jsonl}\n"
                               "task:\n"
                               "  provider: echo\n"
                               "  messages: [{role: user, content: %s}]\n"
                               "scorers: [{name: ok, type: contains, value: %s}]\n",
                               check_errors[_i].content, check_errors[_i].scorer);
    char *path = config_path(), *want = pawl_xasprintf(check_errors[_i].want_fmt, path);
    struct pawl_error err;

    write_file("pawl.yaml", cfg);
    write_file("cases.jsonl", "{\"id\": \"a\", \"input\": {\"question\": 1, \"extra\": 2}, "
                              "\"metadata\": {\"answer\": 3}}\n"
                              "{\"id\": \"b\", \"input\": {\"question\": 1}}\n");
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_suite_load(&s, path, &err), &err);
    PAWL_ASSERT_ERR(pawl_suite_check(&s, &err), &err, PAWL_ECONFIG, want);
    free(want);
    free(path);
    free(cfg);
}
END_TEST

struct prints {
    char task[65], scorers[65], blob[41];
};

static void fingerprint(const char *content, const char *scorer, const char *answer,
                        struct prints *out)
{
    char *cfg = pawl_xasprintf("version: 1\n"
                               "dataset: {path: cases.jsonl}\n"
                               "task: {provider: echo, messages: [{role: user, content: '%s'}]}\n"
                               "scorers: [{name: ok, type: contains, value: '%s'}]\n",
                               content, scorer);
    char *cases = pawl_xasprintf("{\"id\": \"a\", \"input\": {\"q\": 1}, \"expected_output\": "
                                 "\"%s\"}\n",
                                 answer);

    write_file("pawl.yaml", cfg);
    write_file("cases.jsonl", cases);
    load();
    memcpy(out->task, s.task_fingerprint, sizeof(out->task));
    memcpy(out->scorers, s.scorers_fingerprint, sizeof(out->scorers));
    memcpy(out->blob, s.dataset.blob, sizeof(out->blob));
    ck_assert_uint_eq(strlen(out->task), 64);
    ck_assert_uint_eq(strspn(out->task, "0123456789abcdef"), 64);
    ck_assert_uint_eq(strspn(out->scorers, "0123456789abcdef"), 64);
    free(cases);
    free(cfg);
}

START_TEST(fingerprints_track_what_they_cover)
{
    struct prints base, again, scorer_changed, dataset_changed, task_changed;

    fingerprint("Q: {{input.q}}", "{{expected_output}}", "yes", &base);
    fingerprint("Q: {{input.q}}", "{{expected_output}}", "yes", &again);
    ck_assert_str_eq(again.task, base.task);
    ck_assert_str_eq(again.scorers, base.scorers);
    ck_assert_str_eq(again.blob, base.blob);

    fingerprint("Q: {{input.q}}", "{{expected_output}}!", "yes", &scorer_changed);
    ck_assert_str_ne(scorer_changed.scorers, base.scorers);
    ck_assert_str_eq(scorer_changed.task, base.task);

    fingerprint("Q: {{input.q}}", "{{expected_output}}", "no", &dataset_changed);
    ck_assert_str_eq(dataset_changed.scorers, base.scorers);
    ck_assert_str_eq(dataset_changed.task, base.task);
    ck_assert_str_ne(dataset_changed.blob, base.blob);

    fingerprint("Question: {{input.q}}", "{{expected_output}}", "yes", &task_changed);
    ck_assert_str_ne(task_changed.task, base.task);
    ck_assert_str_eq(task_changed.scorers, base.scorers);
}
END_TEST

static Suite *run_suite(void)
{
    Suite *ts = suite_create("run");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_setup, run_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, echo_run_end_to_end);
    tcase_add_test(tc, exec_results_in_dataset_order);
    tcase_add_test(tc, repeat_gives_trials);
    tcase_add_loop_test(tc, filter_selects_cases, 0, (int)(sizeof(filters) / sizeof(filters[0])));
    tcase_add_loop_test(tc, shards_partition_ids, 0,
                        (int)(sizeof(shard_counts) / sizeof(shard_counts[0])));
    tcase_add_test(tc, shard_assignment_is_stable);
    tcase_add_test(tc, shard_runs_cover_the_dataset);
    tcase_add_test(tc, error_budget);
    tcase_add_test(tc, stop_before_the_run);
    tcase_add_test(tc, stop_during_the_run);
    tcase_add_test(tc, interrupt_message_counts_completed_calls);
    tcase_add_loop_test(tc, suite_check_reports_missing_variable, 0,
                        (int)(sizeof(check_errors) / sizeof(check_errors[0])));
    tcase_add_test(tc, fingerprints_track_what_they_cover);
    suite_add_tcase(ts, tc);
    return ts;
}

int main(void)
{
    return pawl_test_run(run_suite());
}
