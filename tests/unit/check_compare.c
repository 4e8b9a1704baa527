/*
 * The baseline comparison: integrity refusals, pairing, per-case changes,
 * the choice of method, the gate's baseline rules and the results section.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/compare.h"
#include "pawl/config.h"
#include "pawl/gate.h"
#include "pawl/results.h"
#include "pawl/stats.h"
#include "results_fixture.h"

#define TMP PAWL_TEST_TMP "/compare"

static const char *const one_scorer[] = {"correct"};

/* A baseline and a candidate run, both empty, with the one scorer `correct`. */
static void init_pair(struct pawl_results *base, struct pawl_results *cand)
{
    fx_init(base, "s", one_scorer, 1);
    fx_init(cand, "s", one_scorer, 1);
}

/* Adds a case whose trials follow `trials`: P passes, F fails, E is a failed call. */
static size_t add_case(struct pawl_results *r, const char *id, const char *trials)
{
    size_t c = fx_case(r, id, (int)r->n_cases + 1, strlen(trials)), t;

    for (t = 0; trials[t]; t++) {
        if (trials[t] == 'E') {
            fx_error(r, c, t, "HTTP 503");
            continue;
        }
        fx_output(r, c, t, "out", 10);
        if (trials[t] == 'F')
            fx_score(r, c, t, 0, PAWL_SCORE_BOOLEAN, 0, 0, "wrong");
    }
    return c;
}

static char *section_text(const struct pawl_comparison *c)
{
    json_t *j = pawl_comparison_to_json(c);
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(12));

    json_decref(j);
    return s;
}

/* ---- integrity ---- */

struct integrity_case {
    const char *base_blob, *base_scorers; /* NULL: same as the candidate's */
    int allow;
    const char *want; /* NULL: compares */
};

static const struct integrity_case integrity_cases[] = {
    {"1234567890abcdef1234567890abcdef12345678", NULL, 0,
     "baseline was run on a different dataset (blob 1234567 vs 89abcde); pass "
     "--allow-dataset-change to compare the cases both runs share"},
    {NULL, "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", 0,
     "baseline was scored with different scorers (fingerprint ccccccc vs bbbbbbb); pass "
     "--allow-dataset-change to compare anyway"},
    /* Both differ: the dataset is named first, it is the bigger change. */
    {"1234567890abcdef1234567890abcdef12345678",
     "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", 0,
     "baseline was run on a different dataset (blob 1234567 vs 89abcde); pass "
     "--allow-dataset-change to compare the cases both runs share"},
    {"1234567890abcdef1234567890abcdef12345678",
     "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", 1, NULL},
    {NULL, NULL, 0, NULL},
};

START_TEST(test_integrity)
{
    const struct integrity_case *ic = &integrity_cases[_i];
    struct pawl_results base, cand;
    struct pawl_comparison c;
    struct pawl_compare_options opts = {"b.json", ic->allow, 0, 0, 0};
    struct pawl_error err;

    pawl_error_init(&err);
    init_pair(&base, &cand);
    add_case(&base, "q1", "P");
    add_case(&cand, "q1", "P");
    if (ic->base_blob)
        strcpy(base.dataset_blob, ic->base_blob);
    if (ic->base_scorers)
        strcpy(base.scorers_fingerprint, ic->base_scorers);
    if (ic->want) {
        PAWL_ASSERT_ERR(pawl_compare(&c, &base, &cand, &opts, &err), &err, PAWL_EDATA, ic->want);
        ck_assert_ptr_null(c.metrics);
        ck_assert_ptr_null(c.cases);
    } else {
        PAWL_ASSERT_OK(pawl_compare(&c, &base, &cand, &opts, &err), &err);
        ck_assert_int_eq(c.dataset_changed, ic->base_blob || ic->base_scorers);
        ck_assert_uint_eq(c.n_paired, 1);
        ck_assert_str_eq(c.baseline, "b.json");
    }
    pawl_comparison_release(&c);
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

struct overlap_case {
    const char *base_ids, *cand_ids; /* space separated */
    int allow;
    size_t paired, added, dropped;
    const char *want_err;
};

static const struct overlap_case overlap_cases[] = {
    {"a b c", "b c d e", 1, 2, 2, 1, NULL},
    {"a b c", "c b a", 1, 3, 0, 0, NULL},
    /* Same blob, different selection (--filter, --shard): still paired by id. */
    {"a b c", "b", 0, 1, 0, 2, NULL},
    {"a", "b", 1, 0, 0, 0, "baseline and candidate share no cases"},
    {"a", "b", 0, 0, 0, 0, "baseline and candidate share no cases"},
    {"", "a", 1, 0, 0, 0, "baseline and candidate share no cases"},
};

static void add_ids(struct pawl_results *r, const char *ids)
{
    char *copy = pawl_xstrdup(ids), *save = NULL, *id;

    for (id = strtok_r(copy, " ", &save); id; id = strtok_r(NULL, " ", &save))
        add_case(r, id, "P");
    free(copy);
}

START_TEST(test_overlap)
{
    const struct overlap_case *oc = &overlap_cases[_i];
    struct pawl_results base, cand;
    struct pawl_comparison c;
    struct pawl_compare_options opts = {NULL, oc->allow, 0, 0, 0};
    struct pawl_error err;

    pawl_error_init(&err);
    init_pair(&base, &cand);
    add_ids(&base, oc->base_ids);
    add_ids(&cand, oc->cand_ids);
    if (oc->allow)
        strcpy(base.dataset_blob, "1234567890abcdef1234567890abcdef12345678");
    if (oc->want_err) {
        PAWL_ASSERT_ERR(pawl_compare(&c, &base, &cand, &opts, &err), &err, PAWL_EDATA,
                        oc->want_err);
    } else {
        PAWL_ASSERT_OK(pawl_compare(&c, &base, &cand, &opts, &err), &err);
        ck_assert_uint_eq(c.n_paired, oc->paired);
        ck_assert_uint_eq(c.n_added, oc->added);
        ck_assert_uint_eq(c.n_dropped, oc->dropped);
        ck_assert_uint_eq(c.n_cases, oc->paired);
        ck_assert_int_eq(c.dataset_changed, oc->allow);
        ck_assert_ptr_null(c.baseline);
    }
    pawl_comparison_release(&c);
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

/* Paired cases come in candidate order, with the candidate's lines. */
START_TEST(test_candidate_order)
{
    struct pawl_results base, cand;
    struct pawl_comparison c;
    struct pawl_error err;

    pawl_error_init(&err);
    init_pair(&base, &cand);
    add_ids(&base, "a b c d");
    add_ids(&cand, "new d b a");
    PAWL_ASSERT_OK(pawl_compare(&c, &base, &cand, NULL, &err), &err);
    ck_assert_uint_eq(c.n_cases, 3);
    ck_assert_str_eq(c.cases[0].id, "d");
    ck_assert_int_eq(c.cases[0].line, 2);
    ck_assert_str_eq(c.cases[1].id, "b");
    ck_assert_int_eq(c.cases[1].line, 3);
    ck_assert_str_eq(c.cases[2].id, "a");
    ck_assert_int_eq(c.cases[2].line, 4);
    ck_assert_double_eq(c.confidence, 0.95);
    ck_assert(c.seed == PAWL_STATS_SEED);
    ck_assert_str_eq(c.baseline_run_id, "20240501T120000Z-1a2b3c");
    ck_assert_str_eq(c.baseline_commit, "0123456789abcdef0123456789abcdef01234567");
    pawl_comparison_release(&c);
    base.git.present = 0;
    PAWL_ASSERT_OK(pawl_compare(&c, &base, &cand, NULL, &err), &err);
    ck_assert_ptr_null(c.baseline_commit);
    pawl_comparison_release(&c);
    pawl_comparison_release(&c); /* released twice is fine */
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

/* ---- per case ---- */

struct change_case {
    const char *base, *cand; /* trials: P pass, F fail, E failed call */
    enum pawl_case_change want;
    double base_pass, cand_pass;
};

static const struct change_case change_cases[] = {
    {"P", "P", PAWL_CHANGE_PASSING, 1, 1},
    {"P", "F", PAWL_CHANGE_BROKEN, 1, 0},
    {"F", "P", PAWL_CHANGE_FIXED, 0, 1},
    {"F", "F", PAWL_CHANGE_STILL_FAILING, 0, 0},
    {"PPP", "FF", PAWL_CHANGE_BROKEN, 1, 0},
    {"FF", "PPP", PAWL_CHANGE_FIXED, 0, 1},
    {"PPP", "PPP", PAWL_CHANGE_PASSING, 1, 1},
    {"PP", "PF", PAWL_CHANGE_FLAKY, 1, 0.5},
    {"PF", "PP", PAWL_CHANGE_FLAKY, 0.5, 1},
    {"FFP", "FFF", PAWL_CHANGE_FLAKY, 1.0 / 3, 0},
    {"E", "P", PAWL_CHANGE_ERRORED, 0, 1},
    {"P", "E", PAWL_CHANGE_ERRORED, 1, 0},
    {"PE", "PF", PAWL_CHANGE_ERRORED, 0.5, 0.5}, /* errored wins over flaky */
    {"P", "FE", PAWL_CHANGE_ERRORED, 1, 0},      /* ... and over broken */
    {"", "P", PAWL_CHANGE_ERRORED, 0, 1},        /* no trial, no verdict */
};

START_TEST(test_change)
{
    const struct change_case *cc = &change_cases[_i];
    struct pawl_results base, cand;
    struct pawl_comparison c;
    struct pawl_error err;
    size_t counts[6] = {0};

    pawl_error_init(&err);
    init_pair(&base, &cand);
    add_case(&base, "q1", cc->base);
    add_case(&cand, "q1", cc->cand);
    PAWL_ASSERT_OK(pawl_compare(&c, &base, &cand, NULL, &err), &err);
    ck_assert_uint_eq(c.n_cases, 1);
    ck_assert_msg(c.cases[0].change == cc->want, "%s -> %s: got %s, want %s", cc->base, cc->cand,
                  pawl_case_change_name(c.cases[0].change), pawl_case_change_name(cc->want));
    ck_assert_double_eq_tol(c.cases[0].base_pass, cc->base_pass, 1e-12);
    ck_assert_double_eq_tol(c.cases[0].cand_pass, cc->cand_pass, 1e-12);
    counts[cc->want] = 1;
    ck_assert_uint_eq(c.n_broken, counts[PAWL_CHANGE_BROKEN]);
    ck_assert_uint_eq(c.n_fixed, counts[PAWL_CHANGE_FIXED]);
    ck_assert_uint_eq(c.n_flaky, counts[PAWL_CHANGE_FLAKY]);
    ck_assert_uint_eq(c.n_still_failing, counts[PAWL_CHANGE_STILL_FAILING]);
    ck_assert_uint_eq(c.n_errored, counts[PAWL_CHANGE_ERRORED]);
    pawl_comparison_release(&c);
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

START_TEST(test_change_names)
{
    ck_assert_str_eq(pawl_case_change_name(PAWL_CHANGE_PASSING), "passing");
    ck_assert_str_eq(pawl_case_change_name(PAWL_CHANGE_BROKEN), "broken");
    ck_assert_str_eq(pawl_case_change_name(PAWL_CHANGE_FIXED), "fixed");
    ck_assert_str_eq(pawl_case_change_name(PAWL_CHANGE_STILL_FAILING), "still_failing");
    ck_assert_str_eq(pawl_case_change_name(PAWL_CHANGE_FLAKY), "flaky");
    ck_assert_str_eq(pawl_case_change_name(PAWL_CHANGE_ERRORED), "errored");
}
END_TEST

/* ---- per metric ---- */

/*
 * 20 single-trial cases: 10 pass in both runs, 5 fail in both, 4 broken,
 * 1 fixed. The exact McNemar numbers: p = 2 (1 + 5) / 32 = 0.375.
 */
static void twenty(struct pawl_results *base, struct pawl_results *cand)
{
    char id[32];
    int i;

    init_pair(base, cand);
    for (i = 0; i < 20; i++) {
        snprintf(id, sizeof(id), "c%02d", i);
        add_case(base, id, i < 10 ? "P" : i < 15 ? "F" : i < 19 ? "P" : "F");
        add_case(cand, id, i < 10 ? "P" : i < 15 ? "F" : i < 19 ? "F" : "P");
    }
}

START_TEST(test_mcnemar)
{
    struct pawl_results base, cand;
    struct pawl_comparison c;
    struct pawl_error err;
    const struct pawl_metric_comparison *m;
    struct pawl_interval want;
    size_t i;

    pawl_error_init(&err);
    twenty(&base, &cand);
    PAWL_ASSERT_OK(pawl_compare(&c, &base, &cand, NULL, &err), &err);
    ck_assert_uint_eq(c.n_metrics, 2);
    ck_assert_str_eq(c.metrics[0].metric, "correct");
    ck_assert_str_eq(c.metrics[1].metric, "pass_rate");
    for (i = 0; i < 2; i++) {
        m = &c.metrics[i];
        ck_assert_str_eq(m->method, "mcnemar");
        ck_assert_uint_eq(m->n, 20);
        ck_assert_uint_eq(m->broken, 4);
        ck_assert_uint_eq(m->fixed, 1);
        ck_assert_double_eq_tol(m->base_mean, 0.70, 1e-12);
        ck_assert_double_eq_tol(m->cand_mean, 0.55, 1e-12);
        ck_assert_double_eq_tol(m->delta, -0.15, 1e-12);
        ck_assert_double_eq_tol(m->p_value, 0.375, 1e-9);
        want = pawl_stats_mcnemar_interval(4, 1, 20, 0.95);
        ck_assert_double_eq(m->ci.lo, want.lo);
        ck_assert_double_eq(m->ci.hi, want.hi);
        ck_assert(m->ci.lo < -0.15 && m->ci.hi > -0.15);
        /* sd of four -1, one +1 and fifteen 0: sqrt(4.55 / 19). */
        ck_assert_double_eq_tol(m->mde, pawl_stats_mde(sqrt(4.55 / 19), 20, 0.95), 1e-12);
    }
    ck_assert_ptr_eq(pawl_comparison_metric(&c, "pass_rate"), &c.metrics[1]);
    ck_assert_ptr_null(pawl_comparison_metric(&c, "helpful"));
    ck_assert_uint_eq(c.n_broken, 4);
    ck_assert_uint_eq(c.n_fixed, 1);
    ck_assert_uint_eq(c.n_still_failing, 5);
    pawl_comparison_release(&c);
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

struct method_case {
    const char *what;
    int numeric_base, numeric_cand; /* make case 0's score NUMERIC on that side */
    const char *extra_trial;        /* add a second trial to case 0 of the candidate */
    const char *want_correct, *want_pass_rate;
};

static const struct method_case method_cases[] = {
    {"boolean, one trial", 0, 0, NULL, "mcnemar", "mcnemar"},
    {"numeric in the baseline", 1, 0, NULL, "bootstrap", "mcnemar"},
    {"numeric in the candidate", 0, 1, NULL, "bootstrap", "mcnemar"},
    {"a repeated case", 0, 0, "P", "bootstrap", "bootstrap"},
    /* A failed repeat leaves one scored trial, but the case still ran twice. */
    {"a repeated case that errored", 0, 0, "E", "bootstrap", "bootstrap"},
};

START_TEST(test_method)
{
    const struct method_case *mc = &method_cases[_i];
    struct pawl_results base, cand;
    struct pawl_comparison c;
    struct pawl_error err;
    struct pawl_trial *t;

    pawl_error_init(&err);
    twenty(&base, &cand);
    if (mc->numeric_base)
        base.cases[0].trials[0].scores[0].type = PAWL_SCORE_NUMERIC;
    if (mc->numeric_cand)
        cand.cases[0].trials[0].scores[0].type = PAWL_SCORE_NUMERIC;
    if (mc->extra_trial) {
        cand.cases[0].trials =
            pawl_xreallocarray(cand.cases[0].trials, 2, sizeof(*cand.cases[0].trials));
        t = &cand.cases[0].trials[1];
        memset(t, 0, sizeof(*t));
        cand.cases[0].n_trials = 2;
        if (mc->extra_trial[0] == 'E')
            fx_error(&cand, 0, 1, "timeout");
        else
            fx_output(&cand, 0, 1, "out", 1);
    }
    PAWL_ASSERT_OK(pawl_compare(&c, &base, &cand, NULL, &err), &err);
    ck_assert_msg(strcmp(c.metrics[0].method, mc->want_correct) == 0, "%s: correct used %s",
                  mc->what, c.metrics[0].method);
    ck_assert_msg(strcmp(c.metrics[1].method, mc->want_pass_rate) == 0, "%s: pass_rate used %s",
                  mc->what, c.metrics[1].method);
    if (strcmp(c.metrics[0].method, "bootstrap") == 0) {
        ck_assert(isnan(c.metrics[0].p_value));
        ck_assert_uint_eq(c.metrics[0].broken, 0);
        ck_assert_uint_eq(c.metrics[0].fixed, 0);
    }
    pawl_comparison_release(&c);
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

/*
 * Numeric scores averaged over trials, failed calls and errored scores left
 * out, and the bootstrap run with the caller's seed and resamples.
 */
START_TEST(test_bootstrap_deltas)
{
    static const char *const scorers[] = {"helpful", "correct"};
    static const char *const base_only[] = {"tone", "helpful", "correct"};
    struct pawl_results base, cand;
    struct pawl_comparison c;
    struct pawl_compare_options opts = {NULL, 0, 0.9, 42, 500};
    struct pawl_error err;
    const struct pawl_metric_comparison *m;
    struct pawl_interval want;
    const double d[] = {0.1 - 0.6, 0.9 - 0.7, 0.5 - 0.5};
    size_t i;

    pawl_error_init(&err);
    fx_init(&base, "s", base_only, 3);
    fx_init(&cand, "s", scorers, 2);
    for (i = 0; i < 5; i++) {
        char id[32];
        snprintf(id, sizeof(id), "q%zu", i);
        fx_case(&base, id, (int)i + 1, 2);
        fx_case(&cand, id, (int)i + 1, 1);
        fx_output(&base, i, 0, "b", 1);
        fx_output(&base, i, 1, "b", 1);
        fx_output(&cand, i, 0, "c", 1);
    }
    /* q0: baseline (0.4 + 0.8) / 2 = 0.6, candidate 0.1 */
    fx_score(&base, 0, 0, 1, PAWL_SCORE_NUMERIC, 0.4, 0, NULL);
    fx_score(&base, 0, 1, 1, PAWL_SCORE_NUMERIC, 0.8, 1, NULL);
    fx_score(&cand, 0, 0, 0, PAWL_SCORE_NUMERIC, 0.1, 0, NULL);
    /* q1: the second baseline trial failed its call: 0.7 alone; candidate 0.9 */
    fx_score(&base, 1, 0, 1, PAWL_SCORE_NUMERIC, 0.7, 1, NULL);
    fx_error(&base, 1, 1, "timeout");
    fx_score(&cand, 1, 0, 0, PAWL_SCORE_NUMERIC, 0.9, 1, NULL);
    /* q2: one baseline score errored: 0.5 alone; candidate 0.5 */
    fx_score(&base, 2, 0, 1, PAWL_SCORE_NUMERIC, 0.5, 1, NULL);
    fx_score(&base, 2, 1, 1, PAWL_SCORE_NUMERIC, NAN, 0, "judge timed out");
    base.cases[2].trials[1].scores[1].errored = 1;
    fx_score(&cand, 2, 0, 0, PAWL_SCORE_NUMERIC, 0.5, 1, NULL);
    /* q3: no candidate value at all: left out of n */
    fx_score(&base, 3, 0, 1, PAWL_SCORE_NUMERIC, 0.5, 1, NULL);
    fx_score(&base, 3, 1, 1, PAWL_SCORE_NUMERIC, 0.5, 1, NULL);
    fx_score(&cand, 3, 0, 0, PAWL_SCORE_NUMERIC, NAN, 0, "judge timed out");
    cand.cases[3].trials[0].scores[0].errored = 1;
    /* q4: every baseline call failed */
    fx_error(&base, 4, 0, "timeout");
    fx_error(&base, 4, 1, "timeout");
    fx_score(&cand, 4, 0, 0, PAWL_SCORE_NUMERIC, 1, 1, NULL);

    PAWL_ASSERT_OK(pawl_compare(&c, &base, &cand, &opts, &err), &err);
    ck_assert_double_eq(c.confidence, 0.9);
    ck_assert(c.seed == 42);
    /* The candidate's scorer order; `tone` exists only in the baseline. */
    ck_assert_uint_eq(c.n_metrics, 3);
    ck_assert_str_eq(c.metrics[0].metric, "helpful");
    ck_assert_str_eq(c.metrics[1].metric, "correct");
    ck_assert_str_eq(c.metrics[2].metric, "pass_rate");
    m = &c.metrics[0];
    ck_assert_str_eq(m->method, "bootstrap");
    ck_assert_uint_eq(m->n, 3);
    ck_assert_double_eq_tol(m->base_mean, (0.6 + 0.7 + 0.5) / 3, 1e-12);
    ck_assert_double_eq_tol(m->cand_mean, (0.1 + 0.9 + 0.5) / 3, 1e-12);
    ck_assert_double_eq_tol(m->delta, (d[0] + d[1] + d[2]) / 3, 1e-12);
    want = pawl_stats_bootstrap_mean(d, 3, 0.9, 500, 42);
    ck_assert_double_eq_tol(m->ci.lo, want.lo, 1e-12);
    ck_assert_double_eq_tol(m->ci.hi, want.hi, 1e-12);
    ck_assert(m->ci.lo < m->ci.hi);
    ck_assert(isnan(m->p_value));
    ck_assert_double_eq_tol(m->mde, pawl_stats_mde(pawl_stats_sd(d, 3), 3, 0.9), 1e-12);
    /* pass_rate leaves failed calls out: q4 has no baseline share. */
    ck_assert_uint_eq(c.metrics[2].n, 4);
    ck_assert_uint_eq(c.n_errored, 2); /* q1, q4 */
    pawl_comparison_release(&c);
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

/* A metric no pair has a value for is NaN throughout, never "no change". */
START_TEST(test_metric_without_pairs)
{
    struct pawl_results base, cand;
    struct pawl_comparison c;
    struct pawl_error err;

    pawl_error_init(&err);
    init_pair(&base, &cand);
    add_case(&base, "q1", "P");
    add_case(&cand, "q1", "E");
    PAWL_ASSERT_OK(pawl_compare(&c, &base, &cand, NULL, &err), &err);
    ck_assert_uint_eq(c.metrics[0].n, 0);
    ck_assert(isnan(c.metrics[0].delta));
    ck_assert(isnan(c.metrics[0].ci.lo) && isnan(c.metrics[0].ci.hi));
    ck_assert(isnan(c.metrics[0].mde));
    ck_assert_uint_eq(c.metrics[1].n, 0);
    pawl_comparison_release(&c);
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

/* The same inputs give the same section, bit for bit. */
START_TEST(test_reproducible)
{
    struct pawl_results base, cand;
    struct pawl_comparison c1, c2;
    struct pawl_error err;
    char *a, *b;
    size_t i;

    pawl_error_init(&err);
    twenty(&base, &cand);
    for (i = 0; i < 20; i++)
        cand.cases[i].trials[0].scores[0].type = PAWL_SCORE_NUMERIC;
    PAWL_ASSERT_OK(pawl_compare(&c1, &base, &cand, NULL, &err), &err);
    PAWL_ASSERT_OK(pawl_compare(&c2, &base, &cand, NULL, &err), &err);
    ck_assert_str_eq(c1.metrics[0].method, "bootstrap");
    a = section_text(&c1);
    b = section_text(&c2);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    pawl_comparison_release(&c1);
    pawl_comparison_release(&c2);
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

/* ---- the results file's section ---- */

START_TEST(test_section_shape)
{
    struct pawl_results base, cand;
    struct pawl_comparison c;
    struct pawl_compare_options opts = {"origin/main:.pawl/baseline.json", 1, 0, 0, 0};
    struct pawl_error err;
    char *s;

    pawl_error_init(&err);
    init_pair(&base, &cand);
    strcpy(base.dataset_blob, "1234567890abcdef1234567890abcdef12345678");
    add_ids(&base, "gone");
    add_case(&base, "b1", "P");
    add_case(&base, "ok", "P");
    add_case(&base, "fx", "F");
    add_case(&base, "fl", "PF");
    add_case(&base, "sf", "F");
    add_case(&base, "er", "E");
    add_case(&cand, "er", "P");
    add_case(&cand, "sf", "F");
    add_case(&cand, "fl", "PP");
    add_case(&cand, "fx", "P");
    add_case(&cand, "ok", "P");
    add_case(&cand, "b1", "F");
    add_ids(&cand, "new1 new2");
    PAWL_ASSERT_OK(pawl_compare(&c, &base, &cand, &opts, &err), &err);
    /*
     * "fl" has two trials, so the bootstrap. "er" failed its baseline call and
     * has no value: d = 0 (sf), 0.5 (fl), 1 (fx), 0 (ok), -1 (b1), mean 0.1,
     * sd sqrt(0.55), mde (1.959964 + 0.841621) sd / sqrt(5) = 0.92918.
     */
    s = section_text(&c);
    ck_assert_str_eq(
        s, "{\"baseline\":\"origin/main:.pawl/baseline.json\","
           "\"baseline_run_id\":\"20240501T120000Z-1a2b3c\","
           "\"baseline_commit\":\"0123456789abcdef0123456789abcdef01234567\","
           "\"dataset_changed\":true,\"paired\":6,\"added\":2,\"dropped\":1,"
           "\"confidence\":0.95,\"seed\":\"1885435756\","
           "\"metrics\":[{\"metric\":\"correct\",\"method\":\"bootstrap\",\"n\":5,"
           "\"baseline\":0.5,\"candidate\":0.6,\"delta\":0.1,\"ci\":[-0.5,0.7],\"p_value\":null,"
           "\"mde\":0.929180699193,\"broken\":0,\"fixed\":0},"
           "{\"metric\":\"pass_rate\",\"method\":\"bootstrap\",\"n\":5,"
           "\"baseline\":0.5,\"candidate\":0.6,\"delta\":0.1,\"ci\":[-0.5,0.7],\"p_value\":null,"
           "\"mde\":0.929180699193,\"broken\":0,\"fixed\":0}],"
           "\"cases\":{\"broken\":[\"b1\"],\"fixed\":[\"fx\"],\"flaky\":[\"fl\"],"
           "\"still_failing\":[\"sf\"],\"errored\":[\"er\"]}}");
    free(s);
    pawl_comparison_release(&c);
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

/* Written, read back and written again: the same bytes, and the same structs. */
START_TEST(test_round_trip)
{
    struct pawl_results base, cand, back;
    struct pawl_error err;
    const struct pawl_comparison *c;
    char *a;
    size_t i;

    pawl_error_init(&err);
    twenty(&base, &cand);
    add_case(&base, "flaky", "PPF");
    add_case(&cand, "flaky", "PPP");
    add_case(&base, "err", "P");
    add_case(&cand, "err", "E");
    cand.comparison = pawl_xcalloc(1, sizeof(*cand.comparison));
    PAWL_ASSERT_OK(pawl_compare(cand.comparison, &base, &cand, NULL, &err), &err);
    a = fx_round_trip(&back, &cand, TMP, "rt");
    /* After "gate", before "verdict". */
    ck_assert_ptr_nonnull(strstr(a, "\"gate\": [],\n  \"comparison\": {\n"));
    ck_assert_ptr_nonnull(strstr(a, "\n  },\n  \"verdict\": \"pass\"\n}\n"));

    c = back.comparison;
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(c->n_paired, 22);
    ck_assert_uint_eq(c->n_metrics, 2);
    ck_assert_str_eq(c->metrics[0].method, "bootstrap");
    ck_assert_uint_eq(c->metrics[0].n, 21);
    ck_assert(c->seed == PAWL_STATS_SEED);
    /* Passing cases are not in the file; the listed ones come back in candidate order. */
    ck_assert_uint_eq(c->n_cases, 4 + 1 + 5 + 1 + 1);
    ck_assert_uint_eq(c->n_broken, 4);
    ck_assert_uint_eq(c->n_fixed, 1);
    ck_assert_uint_eq(c->n_still_failing, 5);
    ck_assert_uint_eq(c->n_flaky, 1);
    ck_assert_uint_eq(c->n_errored, 1);
    for (i = 0; i < 5; i++) {
        ck_assert_str_eq(c->cases[i].id, cand.comparison->cases[10 + i].id);
        ck_assert_int_eq(c->cases[i].change, PAWL_CHANGE_STILL_FAILING);
        ck_assert_int_eq(c->cases[i].line, 11 + (int)i);
    }
    ck_assert_str_eq(c->cases[5].id, "c15");
    ck_assert_int_eq(c->cases[5].change, PAWL_CHANGE_BROKEN);
    ck_assert_double_eq(c->cases[5].base_pass, 1);
    ck_assert_double_eq(c->cases[5].cand_pass, 0);
    ck_assert_str_eq(c->cases[9].id, "c19");
    ck_assert_int_eq(c->cases[9].change, PAWL_CHANGE_FIXED);
    ck_assert_str_eq(c->cases[10].id, "flaky");
    ck_assert_int_eq(c->cases[10].line, 21);
    ck_assert(isnan(c->cases[10].base_pass));
    ck_assert_double_eq(c->cases[10].cand_pass, 1);
    ck_assert_str_eq(c->cases[11].id, "err");

    free(a);
    pawl_results_release(&back);
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

static const struct fx_mutation mutations[] = {
    {"", "comparison", "[]", "r.json: '/comparison' must be an object"},
    {"/comparison", "baseline", "3", "r.json: '/comparison/baseline' must be a string or null"},
    {"/comparison", "baseline_run_id", NULL, "r.json: '/comparison/baseline_run_id' is missing"},
    {"/comparison", "dataset_changed", "1",
     "r.json: '/comparison/dataset_changed' must be a boolean"},
    {"/comparison", "paired", "-1", "r.json: '/comparison/paired' must be a non-negative integer"},
    {"/comparison", "paired", "0",
     "r.json: '/comparison/cases' lists more cases than '/comparison/paired'"},
    {"/comparison", "confidence", "1.5",
     "r.json: '/comparison/confidence' must be a number between 0 and 1"},
    {"/comparison", "seed", "42", "r.json: '/comparison/seed' must be a string of decimal digits"},
    {"/comparison", "seed", "\"-1\"",
     "r.json: '/comparison/seed' must be a string of decimal digits"},
    {"/comparison", "seed", "\"\"", "r.json: '/comparison/seed' must be a string of decimal digits"},
    {"/comparison", "seed", "\"18446744073709551616\"", "r.json: '/comparison/seed' is too large"},
    {"/comparison", "metrics", "{}", "r.json: '/comparison/metrics' must be an array"},
    {"/comparison/metrics", "0", "7", "r.json: '/comparison/metrics/0' must be an object"},
    {"/comparison/metrics/1", "method", "\"exact\"",
     "r.json: '/comparison/metrics/1/method' must be one of 'mcnemar', 'bootstrap'"},
    {"/comparison/metrics/0", "metric", NULL, "r.json: '/comparison/metrics/0/metric' is missing"},
    {"/comparison/metrics/0", "n", "1.5",
     "r.json: '/comparison/metrics/0/n' must be a non-negative integer"},
    {"/comparison/metrics/0", "delta", "\"-0.1\"",
     "r.json: '/comparison/metrics/0/delta' must be a number or null"},
    {"/comparison/metrics/0", "ci", "[0.1]",
     "r.json: '/comparison/metrics/0/ci' must be an array of two numbers"},
    {"/comparison/metrics/0", "p_value", "true",
     "r.json: '/comparison/metrics/0/p_value' must be a number or null"},
    {"/comparison/metrics/0", "broken", "4294967296",
     "r.json: '/comparison/metrics/0/broken' is too large"},
    {"/comparison", "cases", "[]", "r.json: '/comparison/cases' must be an object"},
    {"/comparison/cases", "flaky", NULL, "r.json: '/comparison/cases/flaky' is missing"},
    {"/comparison/cases", "fixed", "\"q1\"", "r.json: '/comparison/cases/fixed' must be an array"},
    {"/comparison/cases", "errored", "[3]",
     "r.json: '/comparison/cases/errored/0' must be a string"},
    {"/comparison/cases", "fixed", "[\"q1\"]",
     "r.json: '/comparison/cases' lists the case id 'q1' more than once"},
};

/* One broken case (q1) of two, compared exactly. */
static void compared_pair(struct pawl_results *base, struct pawl_results *cand)
{
    struct pawl_error err;

    pawl_error_init(&err);
    init_pair(base, cand);
    add_case(base, "q1", "P");
    add_case(cand, "q1", "F");
    add_case(base, "q2", "P");
    add_case(cand, "q2", "P");
    cand->comparison = pawl_xcalloc(1, sizeof(*cand->comparison));
    PAWL_ASSERT_OK(pawl_compare(cand->comparison, base, cand, NULL, &err), &err);
}

START_TEST(test_malformed)
{
    struct pawl_results base, cand, back;
    struct pawl_error err;
    json_t *doc;

    pawl_error_init(&err);
    compared_pair(&base, &cand);
    doc = pawl_results_to_json(&cand);
    /* Unmutated, it reads: each mutation is what breaks it. */
    PAWL_ASSERT_OK(pawl_results_from_json(&back, doc, "r.json", &err), &err);
    ck_assert_uint_eq(back.comparison->n_broken, 1);
    pawl_results_release(&back);

    fx_mutate(doc, &mutations[_i]);
    PAWL_ASSERT_ERR(pawl_results_from_json(&back, doc, "r.json", &err), &err, PAWL_EDATA,
                    mutations[_i].want);
    ck_assert_ptr_null(back.comparison);
    json_decref(doc);
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

/* pawl_comparison_from_json on its own names the same pointers. */
START_TEST(test_from_json_alone)
{
    struct pawl_comparison c;
    struct pawl_error err;
    json_t *doc = json_pack("{s:i}", "baseline", 1);

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_comparison_from_json(&c, doc, "x.json", &err), &err, PAWL_EDATA,
                    "x.json: '/comparison/baseline' must be a string or null");
    ck_assert_ptr_null(c.baseline);
    json_decref(doc);
}
END_TEST

/* ---- the gate's baseline rules ---- */

static struct pawl_comparison *hand_comparison(double confidence)
{
    struct pawl_comparison *c = pawl_xcalloc(1, sizeof(*c));

    c->confidence = confidence;
    c->seed = PAWL_STATS_SEED;
    c->n_paired = 400;
    return c;
}

static void hand_metric(struct pawl_comparison *c, const char *name, const char *method, size_t n,
                        double delta, double lo, double hi, double p, double mde)
{
    struct pawl_metric_comparison *m = FX_PUSH(c->metrics, c->n_metrics);

    m->metric = pawl_xstrdup(name);
    m->method = pawl_xstrdup(method);
    m->n = n;
    m->delta = delta;
    m->ci.lo = lo;
    m->ci.hi = hi;
    m->p_value = p;
    m->mde = mde;
}

static void hand_case(struct pawl_comparison *c, const char *id, enum pawl_case_change change)
{
    struct pawl_case_comparison *cc = FX_PUSH(c->cases, c->n_cases);

    cc->id = pawl_xstrdup(id);
    cc->change = change;
    if (change == PAWL_CHANGE_BROKEN)
        c->n_broken++;
}

struct drop_case {
    const char *method;
    size_t n;
    double delta, lo, hi, p, mde;
    double confidence, max_drop;
    const char *metric; /* the rule's metric; the comparison has "correct" */
    enum pawl_rule_status status;
    const char *message;
};

static const struct drop_case drop_cases[] = {
    {"mcnemar", 400, -0.01, -0.015, 0.005, 0.5, 0.02, 0.95, 0.02, "correct", PAWL_RULE_PASS,
     "correct changed by -0.010 (95% interval -0.015 to +0.005, mcnemar p=0.5), within the "
     "allowed drop of 0.02"},
    {"bootstrap", 400, -0.08, -0.12, -0.04, NAN, 0.03, 0.95, 0.02, "correct", PAWL_RULE_FAIL,
     "correct changed by -0.080 (95% interval -0.120 to -0.040, bootstrap), beyond the allowed "
     "drop of 0.02"},
    /* Below zero but not beyond the margin: not a regression. */
    {"bootstrap", 400, -0.01, -0.015, -0.005, NAN, 0.01, 0.95, 0.02, "correct", PAWL_RULE_PASS,
     "correct changed by -0.010 (95% interval -0.015 to -0.005, bootstrap), within the allowed "
     "drop of 0.02"},
    {"mcnemar", 400, -0.04, -0.09, 0.01, 0.19, 0.061, 0.95, 0.02, "correct",
     PAWL_RULE_INCONCLUSIVE,
     "correct changed by -0.040 (95% interval -0.090 to +0.010, mcnemar p=0.19); about "
     "626 paired cases would decide it (minimum detectable effect 0.061)"},
    {"bootstrap", 100, 0.0, -0.05, 0.05, NAN, 0.07, 0.95, 0.02, "correct", PAWL_RULE_INCONCLUSIVE,
     "correct changed by +0.000 (95% interval -0.050 to +0.050, bootstrap); about "
     "625 paired cases would decide it (minimum detectable effect 0.070)"},
    /* Exactly at the margin, no amount of data decides it. */
    {"bootstrap", 100, -0.25, -0.5, 0.0, NAN, 0.3, 0.95, 0.25, "correct", PAWL_RULE_INCONCLUSIVE,
     "correct changed by -0.250 (95% interval -0.500 to +0.000, bootstrap); more "
     "data cannot decide it (minimum detectable effect 0.300)"},
    {"mcnemar", 400, 0.05, 0.02, 0.08, 0.0004, 0.02, 0.999, 0, "correct", PAWL_RULE_PASS,
     "correct changed by +0.050 (99.9% interval +0.020 to +0.080, mcnemar p<0.001), within the "
     "allowed drop of 0"},
    {"mcnemar", 400, 0.05, 0.02, 0.08, 0.012, 0.02, 0.9, 0.1, "correct", PAWL_RULE_PASS,
     "correct changed by +0.050 (90% interval +0.020 to +0.080, mcnemar p=0.012), within the "
     "allowed drop of 0.1"},
    {"bootstrap", 0, NAN, NAN, NAN, NAN, NAN, 0.95, 0.02, "correct", PAWL_RULE_INCONCLUSIVE,
     "correct has no case scored in both runs"},
    {"mcnemar", 400, 0, 0, 0, 1, 0, 0.95, 0.02, "helpful", PAWL_RULE_ERROR,
     "metric 'helpful' is not in the baseline"},
};

static void gate_config(struct pawl_config *cfg, struct pawl_rule_config *rules, size_t n,
                        double confidence, int inconclusive_fails)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->gate.confidence = confidence;
    cfg->gate.inconclusive_fails = inconclusive_fails;
    cfg->gate.rules = rules;
    cfg->gate.n_rules = n;
}

START_TEST(test_max_drop_rule)
{
    const struct drop_case *dc = &drop_cases[_i];
    struct pawl_rule_config rule = {(char *)dc->metric, PAWL_RULE_MAX_DROP, dc->max_drop, 1, 1, 0};
    struct pawl_results r;
    struct pawl_config cfg;
    const struct pawl_rule_result *rr;
    int fails;

    fx_init(&r, "s", one_scorer, 1);
    add_case(&r, "q1", "P");
    r.comparison = hand_comparison(dc->confidence);
    hand_metric(r.comparison, "correct", dc->method, dc->n, dc->delta, dc->lo, dc->hi, dc->p,
                dc->mde);
    for (fails = 0; fails < 2; fails++) {
        gate_config(&cfg, &rule, 1, 0.95, fails);
        pawl_gate_evaluate(&r, &cfg);
        ck_assert_uint_eq(r.n_rules, 1);
        rr = &r.rules[0];
        ck_assert_str_eq(rr->message, dc->message);
        ck_assert_int_eq(rr->status, dc->status);
        ck_assert_str_eq(rr->kind, "max_drop");
        ck_assert_str_eq(rr->metric, dc->metric);
        ck_assert_double_eq(rr->threshold, dc->max_drop);
        ck_assert_int_eq(rr->has_actual, dc->n > 0 && dc->status != PAWL_RULE_ERROR);
        if (rr->has_actual)
            ck_assert_double_eq(rr->actual, dc->delta);
        ck_assert_str_eq(r.verdict,
                         dc->status == PAWL_RULE_PASS ||
                                 (dc->status == PAWL_RULE_INCONCLUSIVE && !fails)
                             ? "pass"
                             : "fail");
    }
    {
        char want[64];
        snprintf(want, sizeof(want), "%s drops at most ", dc->metric);
        ck_assert(strncmp(rr->rule, want, strlen(want)) == 0);
    }
    pawl_results_release(&r);
}
END_TEST

struct nnf_case {
    size_t n_broken;
    const char *message;
};

static const struct nnf_case nnf_cases[] = {
    {0, "no case that passed in the baseline fails now"},
    {1, "1 case passed in the baseline and fails now: refund-1"},
    {2, "2 cases passed in the baseline and fail now: refund-1, warranty-2"},
    {10, "10 cases passed in the baseline and fail now: refund-1, warranty-2, b3, b4, b5, b6, "
         "b7, b8, b9, b10"},
    {12, "12 cases passed in the baseline and fail now: refund-1, warranty-2, b3, b4, b5, b6, "
         "b7, b8, b9, b10 and 2 more"},
};

START_TEST(test_no_new_failures_rule)
{
    const struct nnf_case *nc = &nnf_cases[_i];
    struct pawl_rule_config rule = {NULL, PAWL_RULE_NO_NEW_FAILURES, 1, 1, 1, 0};
    struct pawl_results r;
    struct pawl_config cfg;
    char id[32];
    size_t i;

    fx_init(&r, "s", one_scorer, 1);
    add_case(&r, "q1", "P");
    r.comparison = hand_comparison(0.95);
    hand_case(r.comparison, "ok", PAWL_CHANGE_PASSING);
    hand_case(r.comparison, "fl", PAWL_CHANGE_FLAKY);
    hand_case(r.comparison, "sf", PAWL_CHANGE_STILL_FAILING);
    for (i = 0; i < nc->n_broken; i++) {
        snprintf(id, sizeof(id), "b%zu", i + 1);
        hand_case(r.comparison,
                  i == 0   ? "refund-1"
                  : i == 1 ? "warranty-2"
                           : id,
                  PAWL_CHANGE_BROKEN);
        hand_case(r.comparison, "fx", PAWL_CHANGE_FIXED);
    }
    gate_config(&cfg, &rule, 1, 0.95, 0);
    pawl_gate_evaluate(&r, &cfg);
    ck_assert_str_eq(r.rules[0].rule, "no new failures");
    ck_assert_str_eq(r.rules[0].kind, "no_new_failures");
    ck_assert_ptr_null(r.rules[0].metric);
    ck_assert_str_eq(r.rules[0].message, nc->message);
    ck_assert_int_eq(r.rules[0].status, nc->n_broken ? PAWL_RULE_FAIL : PAWL_RULE_PASS);
    ck_assert_double_eq(r.rules[0].actual, (double)nc->n_broken);
    ck_assert_str_eq(r.verdict, nc->n_broken ? "fail" : "pass");
    pawl_results_release(&r);
}
END_TEST

/* Without a comparison the baseline rules keep saying what they need. */
START_TEST(test_rules_without_baseline)
{
    struct pawl_rule_config rules[] = {{(char *)"correct", PAWL_RULE_MAX_DROP, 0.02, 1, 1, 0},
                                       {NULL, PAWL_RULE_NO_NEW_FAILURES, 1, 2, 1, 0}};
    struct pawl_results r;
    struct pawl_config cfg;
    size_t i;

    fx_init(&r, "s", one_scorer, 1);
    add_case(&r, "q1", "P");
    gate_config(&cfg, rules, 2, 0.95, 0);
    pawl_gate_evaluate(&r, &cfg);
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(r.rules[i].status, PAWL_RULE_INCONCLUSIVE);
        ck_assert_str_eq(r.rules[i].message, "needs a baseline, and none was given");
        ck_assert_int_eq(r.rules[i].has_actual, 0);
    }
    ck_assert_str_eq(r.rules[0].rule, "correct drops at most 0.02");
    ck_assert_str_eq(r.verdict, "pass");
    gate_config(&cfg, rules, 2, 0.95, 1);
    pawl_gate_evaluate(&r, &cfg);
    ck_assert_str_eq(r.verdict, "fail");
    pawl_results_release(&r);
}
END_TEST

/* The whole path: compare two runs, then gate the candidate. */
START_TEST(test_gate_end_to_end)
{
    struct pawl_rule_config rules[] = {{(char *)"correct", PAWL_RULE_MAX_DROP, 0.02, 1, 1, 0},
                                       {NULL, PAWL_RULE_NO_NEW_FAILURES, 1, 2, 1, 0},
                                       {(char *)"pass_rate", PAWL_RULE_MIN, 0.5, 3, 1, 0}};
    struct pawl_results base, cand;
    struct pawl_config cfg;

    twenty(&base, &cand);
    cand.comparison = pawl_xcalloc(1, sizeof(*cand.comparison));
    {
        struct pawl_error err;
        pawl_error_init(&err);
        PAWL_ASSERT_OK(pawl_compare(cand.comparison, &base, &cand, NULL, &err), &err);
    }
    gate_config(&cfg, rules, 3, 0.95, 0);
    pawl_gate_evaluate(&cand, &cfg);
    ck_assert_uint_eq(cand.n_rules, 3);
    ck_assert_int_eq(cand.rules[0].status, PAWL_RULE_INCONCLUSIVE);
    ck_assert(strncmp(cand.rules[0].message, "correct changed by -0.150 (95% interval -",
                      strlen("correct changed by -0.150 (95% interval -")) == 0);
    ck_assert_ptr_nonnull(strstr(cand.rules[0].message, ", mcnemar p=0.3"));
    ck_assert_str_eq(cand.rules[1].message, "4 cases passed in the baseline and fail now: c15, "
                                            "c16, c17, c18");
    ck_assert_str_eq(cand.rules[2].message, "pass_rate is 0.55 (minimum 0.5)");
    ck_assert_str_eq(cand.verdict, "fail");
    /* The gate leaves the comparison alone. */
    ck_assert_uint_eq(cand.comparison->n_broken, 4);
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

/* ---- pass@k ---- */

START_TEST(test_pass_at_k)
{
    struct pawl_results r;
    struct pawl_config cfg;
    const struct pawl_metric *at, *hat;
    json_t *doc, *mj;
    size_t i;

    fx_init(&r, "s", one_scorer, 1);
    add_case(&r, "a", "PPF"); /* n 3, c 2, k 2: pass@2 = 1, pass^2 = 1/3 */
    add_case(&r, "b", "PP");  /* 1, 1 */
    add_case(&r, "c", "FE");  /* 0, 0: a failed call is a failed trial */
    add_case(&r, "d", "");    /* ran nothing: not counted, and does not make k 0 */
    ck_assert_uint_eq(pawl_results_pass_k(&r), 2);
    gate_config(&cfg, NULL, 0, 0.95, 0);
    pawl_gate_evaluate(&r, &cfg);
    ck_assert_str_eq(r.metrics[0].name, "correct");
    ck_assert_str_eq(r.metrics[1].name, "pass_rate");
    ck_assert_str_eq(r.metrics[2].name, "pass_at_k");
    ck_assert_str_eq(r.metrics[3].name, "pass_hat_k");
    ck_assert_str_eq(r.metrics[4].name, "error_rate");
    at = pawl_results_metric(&r, "pass_at_k");
    hat = pawl_results_metric(&r, "pass_hat_k");
    ck_assert_uint_eq(at->n, 3);
    ck_assert_double_eq_tol(at->mean, 2.0 / 3, 1e-12);
    ck_assert_double_eq_tol(hat->mean, (1.0 / 3 + 1) / 3, 1e-12);
    ck_assert_int_eq(at->has_ci, 1);
    ck_assert(at->ci_lo <= at->mean && at->mean <= at->ci_hi);

    doc = pawl_results_to_json(&r);
    mj = json_object_get(json_object_get(doc, "metrics"), "pass_hat_k");
    ck_assert_int_eq(json_integer_value(json_object_get(mj, "k")), 2);
    mj = json_object_get(json_object_get(doc, "metrics"), "pass_rate");
    ck_assert_ptr_null(json_object_get(mj, "k"));
    json_decref(doc);
    pawl_results_release(&r);

    /* Without repeats there is no pass@k. */
    fx_init(&r, "s", one_scorer, 1);
    add_case(&r, "a", "P");
    add_case(&r, "b", "F");
    ck_assert_uint_eq(pawl_results_pass_k(&r), 0);
    pawl_gate_evaluate(&r, &cfg);
    for (i = 0; i < r.n_metrics; i++)
        ck_assert_msg(strncmp(r.metrics[i].name, "pass_", 5) != 0 ||
                          strcmp(r.metrics[i].name, "pass_rate") == 0,
                      "unexpected metric %s", r.metrics[i].name);
    pawl_results_release(&r);
}
END_TEST

/* ---- scale ---- */

#define BIG 100000

/* Built directly: appending 100k cases one realloc at a time is quadratic under ASan. */
static void big_run(struct pawl_results *r, int reversed, int candidate)
{
    static const char *const scorers[] = {"correct", "helpful"};
    size_t i;

    fx_init(r, "big", scorers, 2);
    r->cases = pawl_xcalloc(BIG, sizeof(*r->cases));
    r->n_cases = BIG;
    for (i = 0; i < BIG; i++) {
        struct pawl_case_result *c = &r->cases[reversed ? BIG - 1 - i : i];
        struct pawl_score *s;
        int pass = !(candidate && i % 100 == 0);
        c->id = pawl_xasprintf("case-%06zu", i);
        c->line = (int)i + 1;
        c->n_trials = 1;
        c->trials = pawl_xcalloc(1, sizeof(*c->trials));
        c->trials[0].latency_ms = -1;
        s = c->trials[0].scores = pawl_xcalloc(2, sizeof(*s));
        s[0].type = PAWL_SCORE_BOOLEAN;
        s[0].value = pass;
        s[0].passed = pass;
        s[1].type = PAWL_SCORE_NUMERIC;
        s[1].value = (double)(i % 7) / 7 + (candidate ? 0.01 : 0);
        s[1].passed = 1;
        c->passed = pass;
    }
}

START_TEST(test_hundred_thousand)
{
    struct pawl_results base, cand;
    struct pawl_comparison c;
    struct pawl_compare_options opts = {NULL, 0, 0, 0, 50};
    struct pawl_error err;

    pawl_error_init(&err);
    big_run(&base, 0, 0);
    big_run(&cand, 1, 1);
    PAWL_ASSERT_OK(pawl_compare(&c, &base, &cand, &opts, &err), &err);
    ck_assert_uint_eq(c.n_paired, BIG);
    ck_assert_uint_eq(c.n_added, 0);
    ck_assert_uint_eq(c.n_cases, BIG);
    ck_assert_uint_eq(c.n_broken, BIG / 100);
    ck_assert_str_eq(c.cases[0].id, "case-099999");
    ck_assert_str_eq(c.metrics[0].method, "mcnemar");
    ck_assert_uint_eq(c.metrics[0].broken, BIG / 100);
    ck_assert_double_eq_tol(c.metrics[0].delta, -0.01, 1e-12);
    ck_assert_str_eq(c.metrics[1].method, "bootstrap");
    ck_assert_double_eq_tol(c.metrics[1].delta, 0.01, 1e-9);
    pawl_comparison_release(&c);
    pawl_results_release(&base);
    pawl_results_release(&cand);
}
END_TEST

static Suite *compare_suite(void)
{
    Suite *s = suite_create("compare");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_integrity, 0, sizeof(integrity_cases) / sizeof(*integrity_cases));
    tcase_add_loop_test(tc, test_overlap, 0, sizeof(overlap_cases) / sizeof(*overlap_cases));
    tcase_add_test(tc, test_candidate_order);
    tcase_add_loop_test(tc, test_change, 0, sizeof(change_cases) / sizeof(*change_cases));
    tcase_add_test(tc, test_change_names);
    tcase_add_test(tc, test_mcnemar);
    tcase_add_loop_test(tc, test_method, 0, sizeof(method_cases) / sizeof(*method_cases));
    tcase_add_test(tc, test_bootstrap_deltas);
    tcase_add_test(tc, test_metric_without_pairs);
    tcase_add_test(tc, test_reproducible);
    tcase_add_test(tc, test_section_shape);
    tcase_add_test(tc, test_round_trip);
    tcase_add_loop_test(tc, test_malformed, 0, sizeof(mutations) / sizeof(*mutations));
    tcase_add_test(tc, test_from_json_alone);
    tcase_add_loop_test(tc, test_max_drop_rule, 0, sizeof(drop_cases) / sizeof(*drop_cases));
    tcase_add_loop_test(tc, test_no_new_failures_rule, 0, sizeof(nnf_cases) / sizeof(*nnf_cases));
    tcase_add_test(tc, test_rules_without_baseline);
    tcase_add_test(tc, test_gate_end_to_end);
    tcase_add_test(tc, test_pass_at_k);
    tcase_add_test(tc, test_hundred_thousand);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(compare_suite());
}
