/*
 * Merging shards: the refusals and their messages, the dataset order, the
 * header, and that gating the merge gives exactly what gating one run
 * over the same cases gives (metrics, comparison, error budget).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/config.h"
#include "pawl/dataset.h"
#include "pawl/gate.h"
#include "pawl/merge.h"
#include "pawl/results.h"
#include "pawl/run.h"
#include "results_fixture.h"

static const char *const two_scorers[] = {"correct", "helpful"};
static const char *const names3[] = {"a.json", "b.json", "c.json"};

/* Case `i` of a made-up run: what it scores depends only on i, as a rerun would. */
static void add_case(struct pawl_results *r, int i, size_t n_trials)
{
    char id[16], out[48];
    size_t c, t;

    snprintf(id, sizeof(id), "q%02d", i);
    c = fx_case(r, id, i + 1, n_trials);
    for (t = 0; t < n_trials; t++) {
        if (i == 7 && t == 0) {
            fx_error(r, c, t, "HTTP 503");
            continue;
        }
        snprintf(out, sizeof(out), "answer %d.%zu", i, t);
        fx_output(r, c, t, out, 100 + 10 * i);
        if (i % 4 == 0 || (i % 9 == 0 && t == 1))
            fx_score(r, c, t, 0, PAWL_SCORE_BOOLEAN, 0, 0, "wrong");
        fx_score(r, c, t, 1, PAWL_SCORE_NUMERIC, (double)(i % 5) / 4.0, i % 5 >= 2, NULL);
        fx_trial(r, c, t)->usage = json_pack("{s:i}", "total_tokens", 10 + i);
        fx_trial(r, c, t)->cost = 0.001 * i;
        fx_trial(r, c, t)->has_cost = 1;
        fx_trial(r, c, t)->cached = i % 6 == 0;
    }
}

/* Everything a shard would carry that the merge must drop. */
static void add_stale_gate(struct pawl_results *r)
{
    fx_metric(r, "correct", 0.1, 1, 1, 0, 1);
    fx_rule(r, "correct >= 0.9", "min", "correct", 0.9, 1, 0.1, PAWL_RULE_FAIL, "stale");
    fx_compare(r, "old.json", "deadbeef", NULL, 1);
    fx_cmp_case(r, "q01", 2, PAWL_CHANGE_BROKEN, 1, 0);
    fx_verdict(r, "fail");
}

/* A run of `n` cases and the same cases split into `k` shards the way --shard splits them. */
static void build_split(struct pawl_results *all, struct pawl_results *shards, size_t k, int n,
                        size_t n_trials)
{
    int i;
    size_t s;

    fx_support_bot(all);
    for (s = 0; s < k; s++) {
        fx_support_bot(&shards[s]);
        add_stale_gate(&shards[s]);
    }
    for (i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof(id), "q%02d", i);
        add_case(all, i, n_trials);
        for (s = 0; s < k; s++)
            if (pawl_run_in_shard(id, (unsigned)s + 1, (unsigned)k))
                add_case(&shards[s], i, n_trials);
    }
    /* fx_case counts the cases it adds; a shard knows the whole dataset. */
    for (s = 0; s < k; s++)
        shards[s].dataset_cases = all->dataset_cases;
}

static void config_init(struct pawl_config *cfg, double max_error_rate)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->gate.confidence = 0.95;
    cfg->run.max_error_rate = max_error_rate;
}

static char *dump(const struct pawl_results *r)
{
    json_t *j = pawl_results_to_json(r);
    char *s = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(17));

    json_decref(j);
    return s;
}

static void release_all(struct pawl_results *r, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        pawl_results_release(&r[i]);
}

/* ---- refusals ---- */

/* Three shards of one run: a = q01 q04, b = q02 q05, c = q03. */
static void three_shards(struct pawl_results *s)
{
    size_t i;

    for (i = 0; i < 3; i++)
        fx_support_bot(&s[i]);
    add_case(&s[0], 1, 1);
    add_case(&s[0], 4, 1);
    add_case(&s[1], 2, 1);
    add_case(&s[1], 5, 1);
    add_case(&s[2], 3, 1);
}

static void m_suite(struct pawl_results *s)
{
    free(s[1].suite);
    s[1].suite = fx_dup("other-bot");
}
static void m_blob(struct pawl_results *s)
{
    strcpy(s[2].dataset_blob, "0123456789012345678901234567890123456789");
}
static void m_task(struct pawl_results *s)
{
    s[1].task_fingerprint[0] = 'c';
}
static void m_scorers_fp(struct pawl_results *s)
{
    s[2].scorers_fingerprint[0] = 'd';
}
static void m_scorer_name(struct pawl_results *s)
{
    free(s[1].scorer_names[1]);
    s[1].scorer_names[1] = fx_dup("polite");
}
static void m_scorer_count(struct pawl_results *s)
{
    static const char *const one[] = {"correct"};
    pawl_results_release(&s[2]);
    fx_init(&s[2], "support-bot", one, 1);
    s[2].scorers_fingerprint[0] = 'e';
}
static void m_interrupted(struct pawl_results *s)
{
    s[1].interrupted = 1;
}
static void m_first_interrupted(struct pawl_results *s)
{
    s[0].interrupted = 1;
    s[1].interrupted = 1;
}
static void m_overlap(struct pawl_results *s)
{
    add_case(&s[2], 4, 1);
    add_case(&s[2], 1, 1);
}
static void m_twice(struct pawl_results *s)
{
    add_case(&s[1], 2, 1);
}
static void m_trials(struct pawl_results *s)
{
    pawl_results_release(&s[2]);
    fx_support_bot(&s[2]);
    add_case(&s[2], 3, 2);
}

static const struct {
    void (*mutate)(struct pawl_results *s);
    int code;
    const char *want;
} refusals[] = {
    {m_suite, PAWL_EDATA, "shard 'b.json' ran suite 'other-bot', not 'support-bot' like 'a.json'"},
    {m_blob, PAWL_EDATA,
     "shard 'c.json' ran on another dataset than 'a.json' (blob 0123456, not 89abcde)"},
    {m_task, PAWL_EDATA,
     "shard 'b.json' ran another task than 'a.json' (fingerprint caaaaaa, not aaaaaaa): every "
     "shard must run the same provider, model, prompts and parameters"},
    {m_scorers_fp, PAWL_EDATA,
     "shard 'c.json' was scored by other scorers than 'a.json' (fingerprint dbbbbbb, not "
     "bbbbbbb)"},
    {m_scorer_name, PAWL_EDATA,
     "shard 'b.json' was scored by 'correct, polite', not 'correct, helpful' like 'a.json'"},
    {m_scorer_count, PAWL_EDATA,
     "shard 'c.json' was scored by 'correct', not 'correct, helpful' like 'a.json'"},
    {m_interrupted, PAWL_EDATA, "shard 'b.json' was interrupted; run it again before merging"},
    {m_first_interrupted, PAWL_EDATA,
     "shard 'a.json' was interrupted; run it again before merging"},
    {m_overlap, PAWL_EDATA, "case 'q01' appears in both 'a.json' and 'c.json'"},
    {m_twice, PAWL_EDATA, "case 'q02' appears twice in 'b.json'"},
    {m_trials, PAWL_EDATA, "shard 'c.json' ran 2 trials per case, not 1 like 'a.json'"},
};

START_TEST(test_refusal)
{
    struct pawl_results s[3], out;
    struct pawl_merge_options opts = {names3, NULL};
    struct pawl_error err;

    three_shards(s);
    refusals[_i].mutate(s);
    pawl_results_init(&out);
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_results_merge(&out, s, 3, &opts, &err), &err, refusals[_i].code,
                    refusals[_i].want);
    ck_assert_uint_eq(out.n_cases, 0);
    ck_assert_ptr_null(out.run_id);
    ck_assert_ptr_null(out.cases);
    release_all(s, 3);
}
END_TEST

START_TEST(test_refusal_default_names)
{
    struct pawl_results s[3], out;
    struct pawl_error err;

    three_shards(s);
    m_overlap(s);
    pawl_results_init(&out);
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_results_merge(&out, s, 3, NULL, &err), &err, PAWL_EDATA,
                    "case 'q01' appears in both '1' and '3'");
    pawl_error_init(&err);
    m_suite(s);
    PAWL_ASSERT_ERR(pawl_results_merge(&out, s, 3, NULL, &err), &err, PAWL_EDATA,
                    "shard '2' ran suite 'other-bot', not 'support-bot' like '1'");
    release_all(s, 3);
}
END_TEST

START_TEST(test_no_shards)
{
    struct pawl_results out;
    struct pawl_error err;

    pawl_results_init(&out);
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_results_merge(&out, NULL, 0, NULL, &err), &err, PAWL_EUSAGE,
                    "no shards to merge");
}
END_TEST

/* What may differ between shards of one run: the version that wrote them, the
 * machine's git state, the dataset path and ref, and an empty shard. */
START_TEST(test_tolerated_differences)
{
    struct pawl_results s[3], out;
    struct pawl_merge_options opts = {names3, NULL};
    struct pawl_error err;

    three_shards(s);
    free(s[1].pawl_version);
    s[1].pawl_version = fx_dup("0.2.0");
    s[1].git.present = 0;
    free(s[1].dataset_path);
    s[1].dataset_path = fx_dup("elsewhere/qa.jsonl");
    s[1].dataset_ref = fx_dup("HEAD");
    pawl_results_release(&s[2]);
    fx_support_bot(&s[2]);
    pawl_results_init(&out);
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_results_merge(&out, s, 3, &opts, &err), &err);
    ck_assert_uint_eq(out.n_cases, 4);
    ck_assert_str_eq(out.pawl_version, "0.1.0");
    ck_assert_int_eq(out.git.present, 1);
    ck_assert_str_eq(out.dataset_path, "evals/qa.jsonl");
    ck_assert_ptr_null(out.dataset_ref);
    pawl_results_release(&out);
    release_all(s, 3);
}
END_TEST

/* ---- order and header ---- */

START_TEST(test_order)
{
    struct pawl_results s[3], out;
    struct pawl_error err;
    static const char *const want[] = {"a", "z", "b", "c", "d", "y", "e"};
    size_t i;

    for (i = 0; i < 3; i++)
        fx_init(&s[i], "support-bot", two_scorers, 1);
    /* Lines 1..5, where z shares line 1 with a and y line 4 with d. */
    fx_case(&s[0], "c", 3, 1);
    fx_case(&s[0], "y", 4, 1);
    fx_case(&s[1], "a", 1, 1);
    fx_case(&s[1], "d", 4, 1);
    fx_case(&s[1], "e", 5, 1);
    fx_case(&s[2], "z", 1, 1);
    fx_case(&s[2], "b", 2, 1);
    pawl_results_init(&out);
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_results_merge(&out, s, 3, NULL, &err), &err);
    ck_assert_uint_eq(out.n_cases, 7);
    for (i = 0; i < 7; i++)
        ck_assert_str_eq(out.cases[i].id, want[i]);
    pawl_results_release(&out);
    release_all(s, 3);
}
END_TEST

/*
 * A one-line JSON array puts every record on line 1: only the dataset knows
 * their order, and only the dataset the shards ran on is trusted with it.
 */
START_TEST(test_order_from_dataset)
{
    static const char data[] =
        "[{\"id\": \"m\"}, {\"id\": \"b\"}, {\"id\": \"x\"}, {\"id\": \"a\"}]";
    static const char *const by_dataset[] = {"m", "b", "x", "a"};
    static const char *const by_id[] = {"a", "b", "m", "x"};
    struct pawl_results s[2], out;
    struct pawl_dataset ds;
    struct pawl_merge_options opts = {NULL, NULL};
    struct pawl_error err;
    size_t i;
    int pass;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_dataset_parse(&ds, data, strlen(data), "qa.json", "id", &err), &err);
    ck_assert_int_eq(ds.cases[3].line, 1);
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < 2; i++) {
            fx_init(&s[i], "support-bot", two_scorers, 1);
            memcpy(s[i].dataset_blob, ds.blob, sizeof(ds.blob));
            if (pass == 1)
                s[i].dataset_blob[0] = s[i].dataset_blob[0] == '0' ? '1' : '0';
        }
        fx_case(&s[0], "x", 1, 1);
        fx_case(&s[0], "b", 1, 1);
        fx_case(&s[1], "a", 1, 1);
        fx_case(&s[1], "m", 1, 1);
        opts.dataset = &ds;
        pawl_results_init(&out);
        PAWL_ASSERT_OK(pawl_results_merge(&out, s, 2, &opts, &err), &err);
        for (i = 0; i < 4; i++)
            ck_assert_str_eq(out.cases[i].id, pass == 0 ? by_dataset[i] : by_id[i]);
        pawl_results_release(&out);
        release_all(s, 2);
    }
    pawl_dataset_release(&ds);
}
END_TEST

START_TEST(test_header)
{
    struct pawl_results s[3], out;
    struct pawl_merge_options opts = {names3, NULL};
    struct pawl_error err;

    three_shards(s);
    add_stale_gate(&s[0]);
    add_stale_gate(&s[2]);
    free(s[1].started_at);
    s[1].started_at = fx_dup("2024-05-01T11:59:58Z");
    free(s[2].started_at);
    s[2].started_at = fx_dup("2024-05-01T12:00:01Z");
    s[2].duration_ms = 9000;
    free(s[1].run_id);
    s[1].run_id = fx_dup("second");
    s[1].dataset_cases = s[0].dataset_cases = s[2].dataset_cases = 40;
    pawl_results_init(&out);
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_results_merge(&out, s, 3, &opts, &err), &err);
    ck_assert_str_eq(out.run_id, "20240501T120000Z-1a2b3c");
    ck_assert_str_eq(out.started_at, "2024-05-01T11:59:58Z");
    ck_assert_int_eq(out.duration_ms, 9000);
    ck_assert_str_eq(out.git.commit, "0123456789abcdef0123456789abcdef01234567");
    ck_assert_str_eq(out.git.ref, "main");
    ck_assert_uint_eq(out.dataset_cases, 40);
    ck_assert_str_eq(out.dataset_path, "evals/qa.jsonl");
    ck_assert_str_eq(out.scorer_names[1], "helpful");
    ck_assert_uint_eq(out.n_cases, 5);
    ck_assert_uint_eq(out.n_metrics, 0);
    ck_assert_uint_eq(out.n_rules, 0);
    ck_assert_ptr_null(out.verdict);
    ck_assert_ptr_null(out.comparison);
    ck_assert_int_eq(out.interrupted, 0);
    pawl_results_release(&out);
    release_all(s, 3);
}
END_TEST

/* ---- the merge gated equals the run gated ---- */

static const struct {
    size_t n_shards, n_trials;
    int with_base, with_rules;
} equal_cases[] = {
    {1, 1, 0, 0}, {3, 1, 0, 1}, {4, 1, 1, 1}, {4, 3, 0, 1}, {4, 3, 1, 1}, {7, 2, 1, 0},
};

START_TEST(test_equals_unsharded)
{
    struct pawl_results all, shards[7], out, base;
    struct pawl_rule_config rules[] = {
        {(char *)"correct", PAWL_RULE_MIN, 0.6, 0, 0, 0},
        {(char *)"helpful", PAWL_RULE_MAX_DROP, 0.05, 0, 0, 0},
        {NULL, PAWL_RULE_NO_NEW_FAILURES, 0, 0, 0, 0},
        {(char *)"cost_total", PAWL_RULE_MAX, 1, 0, 0, 0},
    };
    struct pawl_config cfg;
    struct pawl_error err;
    size_t k = equal_cases[_i].n_shards, i;
    char *want, *got;
    int rc_all, rc_merged;

    build_split(&all, shards, k, 30, equal_cases[_i].n_trials);
    for (i = 0; i < k; i++)
        ck_assert_uint_gt(shards[i].n_cases, 0);
    pawl_results_init(&base);
    if (equal_cases[_i].with_base) {
        int j;
        fx_support_bot(&base);
        for (j = 0; j < 32; j++)
            add_case(&base, (j * 7) % 32, 1);
    }
    config_init(&cfg, 0.1);
    if (equal_cases[_i].with_rules) {
        cfg.gate.rules = rules;
        cfg.gate.n_rules = sizeof(rules) / sizeof(rules[0]);
    }
    pawl_error_init(&err);
    pawl_results_init(&out);
    PAWL_ASSERT_OK(pawl_results_merge(&out, shards, k, NULL, &err), &err);
    /* The merge owns copies: the shards can go before it is used. */
    release_all(shards, k);

    rc_all =
        pawl_merge_gate(&all, &cfg, equal_cases[_i].with_base ? &base : NULL, "base.json", 0, &err);
    rc_merged =
        pawl_merge_gate(&out, &cfg, equal_cases[_i].with_base ? &base : NULL, "base.json", 0, &err);
    ck_assert_int_eq(rc_all, 0);
    ck_assert_int_eq(rc_merged, 0);
    ck_assert_int_eq(out.comparison != NULL, equal_cases[_i].with_base);
    want = dump(&all);
    got = dump(&out);
    ck_assert_str_eq(got, want);
    ck_assert_ptr_nonnull(pawl_results_metric(&out, "pass_rate"));
    free(want);
    free(got);
    pawl_results_release(&out);
    pawl_results_release(&all);
    pawl_results_release(&base);
}
END_TEST

/* The shards' own metrics, gate and comparison are never the merged ones. */
START_TEST(test_recomputed)
{
    struct pawl_results all, shards[2], out;
    struct pawl_config cfg;
    struct pawl_error err;
    const struct pawl_metric *m;

    build_split(&all, shards, 2, 10, 1);
    config_init(&cfg, 0.5);
    pawl_error_init(&err);
    pawl_results_init(&out);
    PAWL_ASSERT_OK(pawl_results_merge(&out, shards, 2, NULL, &err), &err);
    PAWL_ASSERT_OK(pawl_merge_gate(&out, &cfg, NULL, NULL, 0, &err), &err);
    ck_assert_ptr_null(out.comparison);
    /* correct fails q00, q04 and q08, helpful q00, q01, q05 and q06, and q07 errored. */
    m = pawl_results_metric(&out, "pass_rate");
    ck_assert_ptr_nonnull(m);
    ck_assert_double_eq_tol(m->mean, 0.3, 1e-12);
    ck_assert_uint_eq(m->n, 10);
    m = pawl_results_metric(&out, "correct");
    ck_assert_double_eq_tol(m->mean, 6.0 / 9.0, 1e-12);
    ck_assert_uint_eq(m->n, 9);
    m = pawl_results_metric(&out, "error_rate");
    ck_assert_double_eq_tol(m->mean, 0.1, 1e-12);
    ck_assert_uint_eq(out.n_rules, 1);
    ck_assert_str_eq(out.rules[0].rule, "pass_rate >= 1");
    ck_assert_str_eq(out.verdict, "fail");
    pawl_results_release(&out);
    pawl_results_release(&all);
    release_all(shards, 2);
}
END_TEST

/* ---- the error budget, over all the shards' calls ---- */

static const struct {
    double max_error_rate;
    const char *provider;
    int code;
    const char *verdict, *want;
} budget_cases[] = {
    {0, "openai", PAWL_EINFRA, "error",
     "1 of 20 calls to the 'openai' provider failed (error rate 0.050, run.max_error_rate "
     "0.000): the provider failed, not the candidate"},
    {0.04, NULL, PAWL_EINFRA, "error",
     "1 of 20 calls failed (error rate 0.050, run.max_error_rate 0.040): the provider failed, "
     "not the candidate"},
    {0.05, "openai", 0, "fail", ""},
};

START_TEST(test_error_budget)
{
    struct pawl_results all, shards[4], out, base;
    struct pawl_config cfg;
    struct pawl_error err;
    int j;

    build_split(&all, shards, 4, 20, 1);
    fx_support_bot(&base);
    for (j = 0; j < 20; j++)
        add_case(&base, j, 1);
    config_init(&cfg, budget_cases[_i].max_error_rate);
    cfg.task.provider = (char *)budget_cases[_i].provider;
    pawl_error_init(&err);
    pawl_results_init(&out);
    PAWL_ASSERT_OK(pawl_results_merge(&out, shards, 4, NULL, &err), &err);
    if (budget_cases[_i].code) {
        PAWL_ASSERT_ERR(pawl_merge_gate(&out, &cfg, &base, "base.json", 0, &err), &err,
                        budget_cases[_i].code, budget_cases[_i].want);
        /* As a run past its budget: gated, but not compared. */
        ck_assert_ptr_null(out.comparison);
        ck_assert_uint_gt(out.n_metrics, 0);
    } else {
        PAWL_ASSERT_OK(pawl_merge_gate(&out, &cfg, &base, "base.json", 0, &err), &err);
        ck_assert_ptr_nonnull(out.comparison);
    }
    ck_assert_str_eq(out.verdict, budget_cases[_i].verdict);
    pawl_results_release(&out);
    pawl_results_release(&all);
    pawl_results_release(&base);
    release_all(shards, 4);
}
END_TEST

START_TEST(test_baseline_refused)
{
    struct pawl_results all, shards[2], out, base;
    struct pawl_config cfg;
    struct pawl_error err;

    build_split(&all, shards, 2, 10, 1);
    fx_support_bot(&base);
    add_case(&base, 1, 1);
    strcpy(base.dataset_blob, "0000000000000000000000000000000000000000");
    config_init(&cfg, 0.5);
    pawl_error_init(&err);
    pawl_results_init(&out);
    PAWL_ASSERT_OK(pawl_results_merge(&out, shards, 2, NULL, &err), &err);
    PAWL_ASSERT_ERR(pawl_merge_gate(&out, &cfg, &base, "base.json", 0, &err), &err, PAWL_EDATA,
                    "baseline was run on a different dataset (blob 0000000 vs 89abcde); pass "
                    "--allow-dataset-change to compare the cases both runs share");
    ck_assert_ptr_null(out.comparison);
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_merge_gate(&out, &cfg, &base, "base.json", 1, &err), &err);
    ck_assert_ptr_nonnull(out.comparison);
    ck_assert_int_eq(out.comparison->dataset_changed, 1);
    ck_assert_uint_eq(out.comparison->n_paired, 1);
    ck_assert_str_eq(out.comparison->baseline, "base.json");
    pawl_results_release(&out);
    pawl_results_release(&all);
    pawl_results_release(&base);
    release_all(shards, 2);
}
END_TEST

static Suite *merge_suite(void)
{
    Suite *s = suite_create("merge");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_refusal, 0, sizeof(refusals) / sizeof(*refusals));
    tcase_add_test(tc, test_refusal_default_names);
    tcase_add_test(tc, test_no_shards);
    tcase_add_test(tc, test_tolerated_differences);
    tcase_add_test(tc, test_order);
    tcase_add_test(tc, test_order_from_dataset);
    tcase_add_test(tc, test_header);
    tcase_add_loop_test(tc, test_equals_unsharded, 0, sizeof(equal_cases) / sizeof(*equal_cases));
    tcase_add_test(tc, test_recomputed);
    tcase_add_loop_test(tc, test_error_budget, 0, sizeof(budget_cases) / sizeof(*budget_cases));
    tcase_add_test(tc, test_baseline_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(merge_suite());
}
