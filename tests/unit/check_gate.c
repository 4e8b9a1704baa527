/* Unit tests for src/gate.c: metrics, intervals, percentiles, threshold rules and the verdict. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/gate.h"
#include "results_fixture.h"

#define TOL 1e-6

/* A config with nothing but the gate section set, as pawl_config_load would fill it. */
static struct pawl_config gate_config(struct pawl_rule_config *rules, size_t n, int fails)
{
    struct pawl_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.gate.confidence = 0.95;
    cfg.gate.inconclusive_fails = fails;
    cfg.gate.rules = rules;
    cfg.gate.n_rules = n;
    return cfg;
}

static const struct pawl_metric *metric(const struct pawl_results *r, const char *name)
{
    const struct pawl_metric *m = pawl_results_metric(r, name);

    ck_assert_msg(m != NULL, "no metric '%s'", name);
    return m;
}

/* An empty run with the one scorer `name`. */
static void one_scorer_run(struct pawl_results *r, const char *name)
{
    fx_init(r, "s", &name, 1);
}

/* Evaluates `r` with no rules configured. */
static void evaluate(struct pawl_results *r)
{
    struct pawl_config cfg = gate_config(NULL, 0, 0);

    pawl_gate_evaluate(r, &cfg);
}

/* `n` single-trial cases of a BOOLEAN scorer `correct`, with latencies 100, 200, ... ms;
 * the first `k` pass. */
static void boolean_cases(struct pawl_results *r, int k, int n)
{
    int i;

    one_scorer_run(r, "correct");
    for (i = 0; i < n; i++) {
        char id[16];
        size_t c;
        snprintf(id, sizeof(id), "c%d", i);
        c = fx_case(r, id, i + 1, 1);
        fx_output(r, c, 0, "out", (i + 1) * 100L);
        if (i >= k)
            fx_score(r, c, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "wrong");
    }
}

/* A case with one trial per value of a NUMERIC scorer 0 (passing when >= 0.5). */
static size_t numeric_case(struct pawl_results *r, const char *id, const double *values, size_t n)
{
    size_t c = fx_case(r, id, (int)r->n_cases + 1, n), t;

    for (t = 0; t < n; t++) {
        fx_output(r, c, t, "out", -1);
        fx_score(r, c, t, 0, PAWL_SCORE_NUMERIC, values[t], values[t] >= 0.5, NULL);
    }
    return c;
}

START_TEST(means_are_over_cases_not_trials)
{
    static const double a[] = {1, 1, 1, 0}, b[] = {0}, c[] = {0.5};
    struct pawl_results r;
    const struct pawl_metric *m;

    one_scorer_run(&r, "quality");
    numeric_case(&r, "a", a, 4); /* averages to 0.75 and weighs as one case */
    numeric_case(&r, "b", b, 1);
    numeric_case(&r, "c", c, 1);
    evaluate(&r);
    m = metric(&r, "quality");
    /* Over cases: (0.75 + 0 + 0.5) / 3 = 0.416667; over trials it would be 3.5 / 6 = 0.583333. */
    ck_assert_double_eq_tol(m->mean, 0.416666667, TOL);
    ck_assert_uint_eq(m->n, 3);
    /*
     * Not 0/1, so a normal interval: s = sqrt(((0.75-m)^2 + (0-m)^2 + (0.5-m)^2) / 2)
     * = sqrt(0.2916667 / 2) = 0.3818813; half = 1.959964 * 0.3818813 / sqrt(3) = 0.4321314,
     * so [0.4166667 - 0.4321314, 0.4166667 + 0.4321314] = [-0.0154648, 0.8487981], and a
     * 0..1 score cannot go below 0: [0, 0.8487981].
     */
    ck_assert_int_eq(m->has_ci, 1);
    ck_assert_double_eq_tol(m->ci_lo, 0, TOL);
    ck_assert_double_eq_tol(m->ci_hi, 0.8487981, TOL);
    pawl_results_release(&r);
}
END_TEST

START_TEST(errored_scores_are_left_out)
{
    static const double a[] = {1, 0}, b[] = {0}, d[] = {0.5};
    struct pawl_results r;
    const struct pawl_metric *m;
    size_t c;

    one_scorer_run(&r, "judge");
    c = numeric_case(&r, "a", a, 2);
    fx_trial(&r, c, 1)->scores[0].errored = 1; /* the judge could not score trial 2 */
    c = numeric_case(&r, "b", b, 1);
    fx_trial(&r, c, 0)->scores[0].errored = 1; /* no usable score at all: not a data point */
    c = fx_case(&r, "c", 3, 1);
    fx_error(&r, c, 0, "HTTP 503"); /* no output, no scores */
    numeric_case(&r, "d", d, 1);
    evaluate(&r);
    m = metric(&r, "judge");
    ck_assert_double_eq_tol(m->mean, 0.75, TOL); /* (1 + 0.5) / 2 */
    ck_assert_uint_eq(m->n, 2);
    pawl_results_release(&r);
}
END_TEST

/* k passing cases of n; Wilson bounds at z = 1.959964 worked out in wilson_worked_example. */
static const struct {
    int k, n;
    double lo, hi;
} wilson[] = {
    {8, 10, 0.4901625, 0.9433178},
    {10, 10, 0.7224672, 1.0}, /* lo = 1 / (1 + z^2/n) = 1 / 1.3841459 */
    {0, 10, 0.0, 0.2775328},  /* hi = (z^2/n) / (1 + z^2/n) = 0.3841459 / 1.3841459 */
    {3, 4, 0.3006418, 0.9544127},
    {2, 3, 0.2076596, 0.9385081},
};

START_TEST(pass_rate_has_wilson_interval)
{
    struct pawl_results r;
    const struct pawl_metric *m;

    /*
     * Worked example, 8 of 10 at z = 1.959964 (z^2 = 3.841459):
     *   den    = 1 + z^2/n                          = 1.3841459
     *   centre = (p + z^2/(2n)) / den = (0.8 + 0.1920729) / 1.3841459 = 0.7167402
     *   half   = z * sqrt(p(1-p)/n + z^2/(4n^2)) / den
     *          = 1.959964 * sqrt(0.016 + 0.0096036) / 1.3841459    = 0.2265777
     *   [centre - half, centre + half]              = [0.4901625, 0.9433178]
     */
    boolean_cases(&r, wilson[_i].k, wilson[_i].n);
    evaluate(&r);
    m = metric(&r, "pass_rate");
    ck_assert_double_eq_tol(m->mean, (double)wilson[_i].k / wilson[_i].n, TOL);
    ck_assert_uint_eq(m->n, (size_t)wilson[_i].n);
    ck_assert_int_eq(m->has_ci, 1);
    ck_assert_double_eq_tol(m->ci_lo, wilson[_i].lo, TOL);
    ck_assert_double_eq_tol(m->ci_hi, wilson[_i].hi, TOL);
    /* A BOOLEAN scorer's values are 0/1 too, so it gets the same interval. */
    m = metric(&r, "correct");
    ck_assert_double_eq_tol(m->ci_lo, wilson[_i].lo, TOL);
    ck_assert_double_eq_tol(m->ci_hi, wilson[_i].hi, TOL);
    pawl_results_release(&r);
}
END_TEST

START_TEST(error_rate_counts_calls)
{
    struct pawl_results r;
    const struct pawl_metric *m;
    size_t c;

    one_scorer_run(&r, "ok");
    c = fx_case(&r, "a", 1, 3);
    fx_output(&r, c, 0, "x", 10);
    fx_error(&r, c, 1, "timeout");
    fx_output(&r, c, 2, "x", 10);
    c = fx_case(&r, "b", 2, 1);
    fx_output(&r, c, 0, "x", 10);
    c = fx_case(&r, "c", 3, 2);
    fx_error(&r, c, 0, "timeout");
    fx_error(&r, c, 1, "timeout");
    evaluate(&r);
    m = metric(&r, "error_rate");
    ck_assert_double_eq_tol(m->mean, 0.5, TOL); /* 3 of 6 calls */
    ck_assert_uint_eq(m->n, 6);
    m = metric(&r, "pass_rate");
    ck_assert_double_eq_tol(m->mean, 1.0 / 3.0, TOL); /* only b passed */
    m = metric(&r, "ok");
    ck_assert_double_eq_tol(m->mean, 1, TOL); /* a's good trials and b */
    ck_assert_uint_eq(m->n, 2);
    pawl_results_release(&r);
}
END_TEST

START_TEST(latency_percentiles_skip_cached_and_errored)
{
    /* 100..2000 ms in a scrambled order. */
    static const int order[] = {7,  19, 0,  12, 3,  15, 9,  1, 18, 5,
                                11, 2,  16, 8,  13, 4,  17, 6, 14, 10};
    struct pawl_results r;
    size_t c, i;

    one_scorer_run(&r, "ok");
    for (i = 0; i < 20; i++) {
        char id[16];
        snprintf(id, sizeof(id), "c%zu", i);
        c = fx_case(&r, id, (int)i + 1, 1);
        fx_output(&r, c, 0, "x", (order[i] + 1) * 100L);
    }
    c = fx_case(&r, "cached", 21, 1);
    fx_output(&r, c, 0, "x", 1);
    fx_trial(&r, c, 0)->cached = 1;
    c = fx_case(&r, "errored", 22, 1);
    fx_error(&r, c, 0, "HTTP 500");
    fx_trial(&r, c, 0)->latency_ms = 99999;
    c = fx_case(&r, "unknown", 23, 1);
    fx_output(&r, c, 0, "x", -1);
    evaluate(&r);
    /* Nearest rank over 20 values: p50 is the 10th (1000), p95 the 19th (1900). */
    ck_assert_double_eq_tol(metric(&r, "latency_p50_ms")->mean, 1000, TOL);
    ck_assert_double_eq_tol(metric(&r, "latency_p95_ms")->mean, 1900, TOL);
    ck_assert_double_eq_tol(metric(&r, "latency_mean_ms")->mean, 1050, TOL);
    ck_assert_uint_eq(metric(&r, "latency_p95_ms")->n, 20);
    ck_assert_uint_eq(metric(&r, "latency_mean_ms")->n, 20);
    pawl_results_release(&r);
}
END_TEST

START_TEST(cost_and_tokens_totals)
{
    struct pawl_results r;
    const struct pawl_metric *m;
    size_t c;

    one_scorer_run(&r, "ok");
    c = fx_case(&r, "a", 1, 3);
    fx_output(&r, c, 0, "x", 10);
    /* total_tokens wins over the parts, which would double count. */
    fx_trial(&r, c, 0)->usage = json_pack("{s:i,s:i,s:i}", "prompt_tokens", 10, "completion_tokens",
                                          20, "total_tokens", 30);
    fx_trial(&r, c, 0)->cost = 0.001;
    fx_trial(&r, c, 0)->has_cost = 1;
    fx_output(&r, c, 1, "x", 10);
    fx_trial(&r, c, 1)->usage = json_pack("{s:i,s:i}", "input_tokens", 5, "output_tokens", 7);
    fx_trial(&r, c, 1)->cost = 0.0025;
    fx_trial(&r, c, 1)->has_cost = 1;
    fx_output(&r, c, 2, "x", 10);
    fx_trial(&r, c, 2)->usage = json_pack("{s:i,s:s}", "prompt_tokens", 1, "model", "m");
    c = fx_case(&r, "b", 2, 1);
    fx_error(&r, c, 0, "HTTP 500"); /* a failed call's usage and cost are not counted */
    fx_trial(&r, c, 0)->usage = json_pack("{s:i}", "total_tokens", 1000);
    fx_trial(&r, c, 0)->cost = 5;
    fx_trial(&r, c, 0)->has_cost = 1;
    evaluate(&r);
    m = metric(&r, "tokens_total");
    ck_assert_double_eq_tol(m->mean, 43, TOL); /* 30 + (5 + 7) + 1 */
    ck_assert_uint_eq(m->n, 3);
    m = metric(&r, "cost_total");
    ck_assert_double_eq_tol(m->mean, 0.0035, TOL);
    ck_assert_uint_eq(m->n, 3);
    pawl_results_release(&r);
}
END_TEST

START_TEST(no_usage_no_totals)
{
    struct pawl_results r;

    one_scorer_run(&r, "ok");
    fx_output(&r, fx_case(&r, "a", 1, 1), 0, "x", -1);
    evaluate(&r);
    ck_assert_ptr_null(pawl_results_metric(&r, "cost_total"));
    ck_assert_ptr_null(pawl_results_metric(&r, "tokens_total"));
    ck_assert_ptr_null(pawl_results_metric(&r, "latency_p95_ms"));
    ck_assert_ptr_nonnull(pawl_results_metric(&r, "error_rate"));
    pawl_results_release(&r);
}
END_TEST

static const struct {
    double confidence, z;
} z_values[] = {
    {0.95, 1.959964}, {0.99, 2.575829}, {0.90, 1.644854}, {0.999, 3.290527}, {0.80, 1.281552},
};

START_TEST(z_for_confidence)
{
    ck_assert_double_eq_tol(pawl_z_for_confidence(z_values[_i].confidence), z_values[_i].z, TOL);
}
END_TEST

static const struct {
    double values[12];
    size_t n;
    double p, want;
} percentiles[] = {
    {{5, 1, 3}, 3, 50, 3}, /* rank ceil(1.5) = 2 */
    {{5, 1, 3}, 3, 100, 5},
    {{5, 1, 3}, 3, 1, 1}, /* rank ceil(0.03) = 1 */
    {{42}, 1, 95, 42},
    {{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 10, 90, 9},
    {{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 10, 95, 10}, /* rank ceil(9.5) = 10 */
    {{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 10, 50, 5},
    {{4, 4, 1, 1}, 4, 50, 1},
    {{0}, 0, 50, 0},
};

START_TEST(percentile_nearest_rank)
{
    double v[12];
    size_t i;

    memcpy(v, percentiles[_i].values, sizeof(v));
    ck_assert_double_eq(pawl_percentile(v, percentiles[_i].n, percentiles[_i].p),
                        percentiles[_i].want);
    for (i = 1; i < percentiles[_i].n; i++)
        ck_assert(v[i - 1] <= v[i]); /* sorted in place, as documented */
}
END_TEST

START_TEST(percentile_of_hundred)
{
    double v[100];
    int i;

    for (i = 0; i < 100; i++)
        v[i] = 100 - i;
    ck_assert_double_eq(pawl_percentile(v, 100, 95), 95);
    ck_assert_double_eq(pawl_percentile(v, 100, 99), 99);
    ck_assert_double_eq(pawl_percentile(v, 100, 50), 50);
}
END_TEST

/* 10 cases, 8 passing `correct`, latencies 100..1000 ms: correct 0.8, p95 1000, mean 550. */
static void rules_fixture(struct pawl_results *r)
{
    boolean_cases(r, 8, 10);
}

#define PASS PAWL_RULE_PASS
#define FAIL PAWL_RULE_FAIL
#define INCONC PAWL_RULE_INCONCLUSIVE

static const struct {
    const char *metric;
    enum pawl_rule_kind kind;
    double value;
    enum pawl_rule_status status;
    const char *rule, *kind_name, *message;
    int has_actual;
    double actual;
} rules[] = {
    {"correct", PAWL_RULE_MIN, 0.8, PASS, "correct >= 0.8", "min", "correct is 0.8 (minimum 0.8)",
     1, 0.8},
    {"correct", PAWL_RULE_MIN, 0.85, FAIL, "correct >= 0.85", "min",
     "correct is 0.8, below the minimum 0.85", 1, 0.8},
    {"correct", PAWL_RULE_MAX, 0.5, FAIL, "correct <= 0.5", "max",
     "correct is 0.8, above the maximum 0.5", 1, 0.8},
    {"latency_p95_ms", PAWL_RULE_MAX, 1234.5, PASS, "latency_p95_ms <= 1234.5", "max",
     "latency_p95_ms is 1000 (maximum 1234.5)", 1, 1000},
    {"latency_p95_ms", PAWL_RULE_MAX, 999, FAIL, "latency_p95_ms <= 999", "max",
     "latency_p95_ms is 1000, above the maximum 999", 1, 1000},
    {"latency_mean_ms", PAWL_RULE_MAX, 551, PASS, "latency_mean_ms <= 551", "max",
     "latency_mean_ms is 550 (maximum 551)", 1, 550},
    {"pass_rate", PAWL_RULE_MIN, 1, FAIL, "pass_rate >= 1", "min",
     "pass_rate is 0.8, below the minimum 1", 1, 0.8},
    {"error_rate", PAWL_RULE_MAX, 0, PASS, "error_rate <= 0", "max", "error_rate is 0 (maximum 0)",
     1, 0},
    {"cost_total", PAWL_RULE_MAX, 1.5, INCONC, "cost_total <= 1.5", "max",
     "cost_total has no data in this run", 0, 0},
    {"nonexistent", PAWL_RULE_MIN, 0.25, INCONC, "nonexistent >= 0.25", "min",
     "nonexistent has no data in this run", 0, 0},
    {"correct", PAWL_RULE_MAX_DROP, 0.02, INCONC, "correct drops at most 0.02", "max_drop",
     "needs a baseline, and none was given", 0, 0},
    {NULL, PAWL_RULE_NO_NEW_FAILURES, 0, INCONC, "no new failures", "no_new_failures",
     "needs a baseline, and none was given", 0, 0},
};

START_TEST(rule_outcomes_and_messages)
{
    struct pawl_rule_config rc = {(char *)rules[_i].metric, rules[_i].kind, rules[_i].value, 3, 7, 0};
    struct pawl_config cfg = gate_config(&rc, 1, 0);
    const struct pawl_rule_result *rr;
    struct pawl_results r;
    const char *verdict = rules[_i].status == FAIL ? "fail" : "pass";

    rules_fixture(&r);
    pawl_gate_evaluate(&r, &cfg);
    ck_assert_uint_eq(r.n_rules, 1);
    rr = &r.rules[0];
    ck_assert_int_eq(rr->status, rules[_i].status);
    ck_assert_str_eq(rr->rule, rules[_i].rule);
    ck_assert_str_eq(rr->kind, rules[_i].kind_name);
    ck_assert_pstr_eq(rr->metric, rules[_i].metric);
    ck_assert_str_eq(rr->message, rules[_i].message);
    ck_assert_double_eq_tol(rr->threshold, rules[_i].value, TOL);
    ck_assert_int_eq(rr->has_actual, rules[_i].has_actual);
    if (rules[_i].has_actual)
        ck_assert_double_eq_tol(rr->actual, rules[_i].actual, TOL);
    ck_assert_str_eq(r.verdict, verdict);
    /* With on_inconclusive: fail, an inconclusive rule fails the gate. */
    cfg.gate.inconclusive_fails = 1;
    pawl_gate_evaluate(&r, &cfg);
    ck_assert_str_eq(r.verdict, rules[_i].status == PASS ? "pass" : "fail");
    pawl_results_release(&r);
}
END_TEST

START_TEST(scorer_with_no_data_is_inconclusive)
{
    struct pawl_rule_config rc = {(char *)"judge", PAWL_RULE_MIN, 0.5, 1, 1, 0};
    struct pawl_config cfg = gate_config(&rc, 1, 0);
    struct pawl_results r;
    size_t c;

    one_scorer_run(&r, "judge");
    c = fx_case(&r, "a", 1, 1);
    fx_output(&r, c, 0, "x", 5);
    fx_trial(&r, c, 0)->scores[0].errored = 1;
    pawl_gate_evaluate(&r, &cfg);
    ck_assert_uint_eq(metric(&r, "judge")->n, 0);
    ck_assert_int_eq(r.rules[0].status, PAWL_RULE_INCONCLUSIVE);
    ck_assert_str_eq(r.rules[0].message, "judge has no data in this run");
    ck_assert_str_eq(r.verdict, "pass");
    pawl_results_release(&r);
}
END_TEST

START_TEST(no_rules_means_every_case_passes)
{
    struct pawl_results r;
    size_t c;
    int i;

    one_scorer_run(&r, "ok");
    for (i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof(id), "c%d", i);
        fx_output(&r, fx_case(&r, id, i + 1, 1), 0, "x", 5);
    }
    evaluate(&r);
    ck_assert_uint_eq(r.n_rules, 1);
    ck_assert_str_eq(r.rules[0].rule, "pass_rate >= 1");
    ck_assert_str_eq(r.rules[0].kind, "min");
    ck_assert_str_eq(r.rules[0].metric, "pass_rate");
    ck_assert_int_eq(r.rules[0].status, PAWL_RULE_PASS);
    ck_assert_str_eq(r.rules[0].message, "pass_rate is 1 (minimum 1)");
    ck_assert_str_eq(r.verdict, "pass");
    c = 3;
    fx_score(&r, c, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "wrong");
    evaluate(&r);
    ck_assert_uint_eq(r.n_rules, 1);
    ck_assert_int_eq(r.rules[0].status, PAWL_RULE_FAIL);
    ck_assert_str_eq(r.rules[0].message, "pass_rate is 0.75, below the minimum 1");
    ck_assert_str_eq(r.verdict, "fail");
    pawl_results_release(&r);
}
END_TEST

/* Rule outcomes (p pass, f fail, i inconclusive); verdicts for on_inconclusive pass and fail. */
static const struct {
    const char *outcomes;
    const char *verdict_pass, *verdict_fail;
} verdicts[] = {
    {"p", "pass", "pass"}, {"pp", "pass", "pass"}, {"i", "pass", "fail"},   {"pi", "pass", "fail"},
    {"f", "fail", "fail"}, {"fi", "fail", "fail"}, {"pfp", "fail", "fail"}, {"ipi", "pass", "fail"},
};

START_TEST(verdict_combines_rules)
{
    struct pawl_rule_config rc[8];
    struct pawl_config cfg;
    struct pawl_results r;
    size_t i, n = strlen(verdicts[_i].outcomes);

    memset(rc, 0, sizeof(rc));
    for (i = 0; i < n; i++) {
        char o = verdicts[_i].outcomes[i];
        /* correct is 0.8: min 0.5 passes, min 0.9 fails, max_drop has no baseline. */
        rc[i].metric = (char *)"correct";
        rc[i].kind = o == 'i' ? PAWL_RULE_MAX_DROP : PAWL_RULE_MIN;
        rc[i].value = o == 'f' ? 0.9 : o == 'p' ? 0.5 : 0.01;
    }
    rules_fixture(&r);
    cfg = gate_config(rc, n, 0);
    pawl_gate_evaluate(&r, &cfg);
    ck_assert_uint_eq(r.n_rules, n);
    for (i = 0; i < n; i++) {
        char o = verdicts[_i].outcomes[i];
        ck_assert_int_eq(r.rules[i].status, o == 'p' ? PASS : o == 'f' ? FAIL : INCONC);
    }
    ck_assert_str_eq(r.verdict, verdicts[_i].verdict_pass);
    cfg.gate.inconclusive_fails = 1;
    pawl_gate_evaluate(&r, &cfg);
    ck_assert_uint_eq(r.n_rules, n); /* replaced, not appended */
    ck_assert_str_eq(r.verdict, verdicts[_i].verdict_fail);
    pawl_results_release(&r);
}
END_TEST

START_TEST(evaluate_replaces_metrics)
{
    struct pawl_results r;
    size_t n_metrics;

    rules_fixture(&r);
    fx_metric(&r, "stale", 1, 1, 0, 0, 0);
    fx_rule(&r, "stale", "min", "stale", 0, 0, 0, PAWL_RULE_ERROR, "stale");
    evaluate(&r);
    ck_assert_ptr_null(pawl_results_metric(&r, "stale"));
    n_metrics = r.n_metrics;
    evaluate(&r);
    ck_assert_uint_eq(r.n_metrics, n_metrics);
    ck_assert_uint_eq(r.n_rules, 1);
    pawl_results_release(&r);
}
END_TEST

/* Regression test for a fixed bug: round thresholds print in exponent form. fmt_num() in src/gate.c tries "%.1g" first and
 * stops at the first text that reads back equal, so 4000 becomes "4e+03" and 550 "5.5e+02":
 * `{metric: latency_p95_ms, max: 4000}` gives rule "latency_p95_ms <= 4e+03" and message
 * "latency_p95_ms is 1000 (maximum 4e+03)". Expected "4000", as DESIGN.md writes the rule. */
static const struct {
    double value;
    const char *rule, *message;
} round_thresholds[] = {
    {4000, "latency_p95_ms <= 4000", "latency_p95_ms is 1000 (maximum 4000)"},
    {1200, "latency_p95_ms <= 1200", "latency_p95_ms is 1000 (maximum 1200)"},
    {100000, "latency_p95_ms <= 100000", "latency_p95_ms is 1000 (maximum 100000)"},
};

START_TEST(round_thresholds_print_plainly)
{
    struct pawl_rule_config rc = {(char *)"latency_p95_ms", PAWL_RULE_MAX,
                                  round_thresholds[_i].value, 1, 1, 0};
    struct pawl_config cfg = gate_config(&rc, 1, 0);
    struct pawl_results r;

    rules_fixture(&r);
    pawl_gate_evaluate(&r, &cfg);
    ck_assert_str_eq(r.rules[0].rule, round_thresholds[_i].rule);
    ck_assert_str_eq(r.rules[0].message, round_thresholds[_i].message);
    pawl_results_release(&r);
}
END_TEST

/* Regression test for a fixed bug: the actual value in threshold messages is printed with "%.4g" (eval_threshold in
 * src/gate.c), so totals and latencies of 10,000 or more read in exponent form: tokens_total
 * 123456 against `max: 99999` gives "tokens_total is 1.235e+05, above the maximum 99999".
 * Expected the plain number. */
START_TEST(large_actual_values_print_plainly)
{
    struct pawl_rule_config rc = {(char *)"tokens_total", PAWL_RULE_MAX, 99999, 1, 1, 0};
    struct pawl_config cfg = gate_config(&rc, 1, 0);
    struct pawl_results r;
    size_t c;

    one_scorer_run(&r, "ok");
    c = fx_case(&r, "a", 1, 1);
    fx_output(&r, c, 0, "x", 12345);
    fx_trial(&r, c, 0)->usage = json_pack("{s:i}", "total_tokens", 123456);
    pawl_gate_evaluate(&r, &cfg);
    ck_assert_str_eq(r.rules[0].rule, "tokens_total <= 99999");
    ck_assert_str_eq(r.rules[0].message, "tokens_total is 123456, above the maximum 99999");
    pawl_results_release(&r);
}
END_TEST

static Suite *gate_suite(void)
{
    Suite *s = suite_create("gate");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, means_are_over_cases_not_trials);
    tcase_add_test(tc, errored_scores_are_left_out);
    tcase_add_loop_test(tc, pass_rate_has_wilson_interval, 0,
                        (int)(sizeof(wilson) / sizeof(wilson[0])));
    tcase_add_test(tc, error_rate_counts_calls);
    tcase_add_test(tc, latency_percentiles_skip_cached_and_errored);
    tcase_add_test(tc, cost_and_tokens_totals);
    tcase_add_test(tc, no_usage_no_totals);
    tcase_add_loop_test(tc, z_for_confidence, 0, (int)(sizeof(z_values) / sizeof(z_values[0])));
    tcase_add_loop_test(tc, percentile_nearest_rank, 0,
                        (int)(sizeof(percentiles) / sizeof(percentiles[0])));
    tcase_add_test(tc, percentile_of_hundred);
    tcase_add_loop_test(tc, rule_outcomes_and_messages, 0, (int)(sizeof(rules) / sizeof(rules[0])));
    tcase_add_test(tc, scorer_with_no_data_is_inconclusive);
    tcase_add_test(tc, no_rules_means_every_case_passes);
    tcase_add_loop_test(tc, verdict_combines_rules, 0,
                        (int)(sizeof(verdicts) / sizeof(verdicts[0])));
    tcase_add_test(tc, evaluate_replaces_metrics);
    tcase_add_loop_test(tc, round_thresholds_print_plainly, 0,
                        (int)(sizeof(round_thresholds) / sizeof(round_thresholds[0])));
    tcase_add_test(tc, large_actual_values_print_plainly);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(gate_suite());
}
