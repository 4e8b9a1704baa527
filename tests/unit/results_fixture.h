/*
 * Builds struct pawl_results by hand for the results, JUnit, Markdown and
 * terminal tests, so reporters are tested without running anything.
 */
#ifndef PAWL_TEST_RESULTS_FIXTURE_H
#define PAWL_TEST_RESULTS_FIXTURE_H

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/alloc.h"
#include "pawl/compare.h"
#include "pawl/results.h"

/* Grows the array `v` of `n` elements by one zeroed element, counts it in `n` and returns it. */
#define FX_PUSH(v, n)                                                                              \
    ((v) = pawl_xreallocarray((v), (n) + 1, sizeof(*(v))), memset(&(v)[(n)], 0, sizeof(*(v))),     \
     &(v)[(n)++])

static inline char *fx_dup(const char *s)
{
    return s ? pawl_xstrdup(s) : NULL;
}

/* A run header with fixed ids and hashes, and the given scorers. */
static inline void fx_init(struct pawl_results *r, const char *suite, const char *const *scorers,
                           size_t n_scorers)
{
    size_t i;

    pawl_results_init(r);
    r->pawl_version = fx_dup("0.1.0");
    r->suite = fx_dup(suite);
    r->run_id = fx_dup("20240501T120000Z-1a2b3c");
    r->started_at = fx_dup("2024-05-01T12:00:00Z");
    r->duration_ms = 4321;
    r->git.present = 1;
    strcpy(r->git.commit, "0123456789abcdef0123456789abcdef01234567");
    r->git.ref = fx_dup("main");
    r->dataset_path = fx_dup("evals/qa.jsonl");
    strcpy(r->dataset_blob, "89abcdef0123456789abcdef0123456789abcdef");
    strcpy(r->task_fingerprint, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    strcpy(r->scorers_fingerprint,
           "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    r->scorer_names = pawl_xcalloc(n_scorers + 1, sizeof(char *));
    for (i = 0; i < n_scorers; i++)
        r->scorer_names[i] = fx_dup(scorers[i]);
    r->n_scorers = n_scorers;
    r->verdict = fx_dup("pass");
}

/* An empty run of suite "support-bot" scored by correct and helpful, as in the golden files. */
static inline void fx_support_bot(struct pawl_results *r)
{
    static const char *const scorers[] = {"correct", "helpful"};

    fx_init(r, "support-bot", scorers, 2);
}

/* Appends a case with `n_trials` empty trials; returns its index. */
static inline size_t fx_case(struct pawl_results *r, const char *id, int line, size_t n_trials)
{
    struct pawl_case_result *c = FX_PUSH(r->cases, r->n_cases);
    size_t i;

    c->id = fx_dup(id);
    c->line = line;
    c->passed = 1;
    c->trials = pawl_xcalloc(n_trials + 1, sizeof(*c->trials));
    c->n_trials = n_trials;
    for (i = 0; i < n_trials; i++)
        c->trials[i].latency_ms = -1;
    r->dataset_cases++;
    return r->n_cases - 1;
}

static inline struct pawl_trial *fx_trial(struct pawl_results *r, size_t c, size_t t)
{
    return &r->cases[c].trials[t];
}

/* Sets a trial's output and latency, and gives it passing BOOLEAN scores. */
static inline void fx_output(struct pawl_results *r, size_t c, size_t t, const char *output,
                             long latency_ms)
{
    struct pawl_trial *tr = fx_trial(r, c, t);
    size_t j;

    free(tr->output);
    tr->output = fx_dup(output);
    tr->latency_ms = latency_ms;
    if (!tr->scores) {
        tr->scores = pawl_xcalloc(r->n_scorers + 1, sizeof(*tr->scores));
        for (j = 0; j < r->n_scorers; j++) {
            tr->scores[j].type = PAWL_SCORE_BOOLEAN;
            tr->scores[j].value = 1;
            tr->scores[j].passed = 1;
        }
    }
}

/* Marks a trial as a failed call: no output, no scores; the case errors. */
static inline void fx_error(struct pawl_results *r, size_t c, size_t t, const char *error)
{
    struct pawl_trial *tr = fx_trial(r, c, t);
    size_t j;

    if (tr->scores) {
        for (j = 0; j < r->n_scorers; j++)
            pawl_score_release(&tr->scores[j]);
        free(tr->scores);
        tr->scores = NULL;
    }
    free(tr->output);
    tr->output = NULL;
    free(tr->error);
    tr->error = fx_dup(error);
    r->cases[c].errored = 1;
    r->cases[c].passed = 0;
}

/* Sets score `j` of a trial (which must have an output); a failing score fails the case. */
static inline void fx_score(struct pawl_results *r, size_t c, size_t t, size_t j,
                            enum pawl_score_type type, double value, int passed,
                            const char *comment)
{
    struct pawl_score *s = &fx_trial(r, c, t)->scores[j];

    pawl_score_release(s);
    s->type = type;
    s->value = value;
    s->passed = passed;
    s->comment = fx_dup(comment);
    if (!passed)
        r->cases[c].passed = 0;
}

static inline void fx_metric(struct pawl_results *r, const char *name, double mean, size_t n,
                             int has_ci, double lo, double hi)
{
    struct pawl_metric *m = FX_PUSH(r->metrics, r->n_metrics);

    m->name = fx_dup(name);
    m->mean = mean;
    m->n = n;
    m->has_ci = has_ci;
    m->ci_lo = lo;
    m->ci_hi = hi;
}

static inline void fx_rule(struct pawl_results *r, const char *rule, const char *kind,
                           const char *metric, double threshold, int has_actual, double actual,
                           enum pawl_rule_status status, const char *message)
{
    struct pawl_rule_result *g = FX_PUSH(r->rules, r->n_rules);

    g->rule = fx_dup(rule);
    g->kind = fx_dup(kind);
    g->metric = fx_dup(metric);
    g->threshold = threshold;
    g->has_actual = has_actual;
    g->actual = has_actual ? actual : 0;
    g->status = status;
    g->message = fx_dup(message);
}

static inline void fx_verdict(struct pawl_results *r, const char *verdict)
{
    free(r->verdict);
    r->verdict = fx_dup(verdict);
}

/*
 * The plain run the golden files show: three cases (pass, fail, provider
 * error), two scorers, metrics with and without intervals, and one gate rule
 * of each kind and status.
 */
static inline void fx_basic(struct pawl_results *r)
{
    size_t c;

    fx_support_bot(r);
    c = fx_case(r, "q1", 1, 1);
    fx_output(r, c, 0, "The capital of France is Paris.", 812);
    fx_score(r, c, 0, 1, PAWL_SCORE_NUMERIC, 0.9, 1, "clear and direct");
    fx_trial(r, c, 0)->usage = json_pack("{s:i,s:i}", "prompt_tokens", 25, "completion_tokens", 8);
    fx_trial(r, c, 0)->cost = 0.0004;
    fx_trial(r, c, 0)->has_cost = 1;
    c = fx_case(r, "q2", 2, 1);
    fx_output(r, c, 0, "I think it is Lyon.\nMaybe Marseille?", 1045);
    fx_score(r, c, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "output does not contain 'Paris'");
    fx_score(r, c, 0, 1, PAWL_SCORE_NUMERIC, 0.25, 0, NULL);
    fx_trial(r, c, 0)->cached = 1;
    c = fx_case(r, "q3", 3, 1);
    fx_error(r, c, 0, "HTTP 503 from 'https://api.openai.com/v1/chat/completions'");
    fx_metric(r, "correct", 0.5, 2, 1, 0.1, 0.9);
    fx_metric(r, "helpful", 0.575, 2, 0, 0, 0);
    fx_metric(r, "error_rate", 1.0 / 3.0, 3, 0, 0, 0);
    fx_metric(r, "latency_p95_ms", 1045, 2, 0, 0, 0);
    fx_rule(r, "correct >= 0.8", "min", "correct", 0.8, 1, 0.5, PAWL_RULE_FAIL,
            "correct is 0.50, below the minimum 0.80");
    fx_rule(r, "latency_p95_ms <= 4000", "max", "latency_p95_ms", 4000, 1, 1045, PAWL_RULE_PASS,
            "latency_p95_ms is 1045, within the maximum 4000");
    fx_rule(r, "correct max_drop 0.02", "max_drop", "correct", 0.02, 1, -0.01,
            PAWL_RULE_INCONCLUSIVE,
            "correct changed by -0.010 [-0.080, 0.060]; about 40 more "
            "cases would decide it");
    fx_rule(r, "no_new_failures", "no_new_failures", NULL, 0, 0, 0, PAWL_RULE_ERROR,
            "no baseline to compare with");
    fx_verdict(r, "fail");
}

/* ---- a comparison with a baseline, filled by hand ---- */

/*
 * Attaches an empty comparison (95%, the default seed) to `r` and returns it;
 * pawl_results_release() frees it with the rest of the run.
 */
static inline struct pawl_comparison *fx_compare(struct pawl_results *r, const char *baseline,
                                                 const char *run_id, const char *commit,
                                                 size_t n_paired)
{
    struct pawl_comparison *c = pawl_xcalloc(1, sizeof(*c));

    c->baseline = fx_dup(baseline);
    c->baseline_run_id = fx_dup(run_id);
    c->baseline_commit = fx_dup(commit);
    c->n_paired = n_paired;
    c->confidence = 0.95;
    c->seed = PAWL_STATS_SEED;
    r->comparison = c;
    return c;
}

/* Adds a compared metric; delta is cand - base. `p` is NAN for the bootstrap. */
static inline void fx_cmp_metric(struct pawl_results *r, const char *metric, double base,
                                 double cand, double lo, double hi, const char *method, double p,
                                 double mde, size_t n)
{
    struct pawl_metric_comparison *m = FX_PUSH(r->comparison->metrics, r->comparison->n_metrics);

    m->metric = fx_dup(metric);
    m->base_mean = base;
    m->cand_mean = cand;
    m->delta = cand - base;
    m->ci.lo = lo;
    m->ci.hi = hi;
    m->method = fx_dup(method);
    m->p_value = p;
    m->mde = mde;
    m->n = n;
}

/* Adds a paired case (call in candidate order) and counts its change. */
static inline void fx_cmp_case(struct pawl_results *r, const char *id, int line,
                               enum pawl_case_change change, double base_pass, double cand_pass)
{
    struct pawl_comparison *c = r->comparison;
    struct pawl_case_comparison *cc = FX_PUSH(c->cases, c->n_cases);

    cc->id = fx_dup(id);
    cc->line = line;
    cc->change = change;
    cc->base_pass = base_pass;
    cc->cand_pass = cand_pass;
    c->n_broken += change == PAWL_CHANGE_BROKEN;
    c->n_fixed += change == PAWL_CHANGE_FIXED;
    c->n_flaky += change == PAWL_CHANGE_FLAKY;
    c->n_still_failing += change == PAWL_CHANGE_STILL_FAILING;
    c->n_errored += change == PAWL_CHANGE_ERRORED;
}

/*
 * The baseline run the compared golden files are diffed against: every case
 * the candidate has but q8, plus q9, which the candidate dropped.
 */
static inline void fx_compared_baseline(struct pawl_results *r)
{
    size_t c;

    fx_support_bot(r);
    free(r->run_id);
    r->run_id = fx_dup("5f3a9c0e1b2d4a6f");
    strcpy(r->git.commit, "fedcba9876543210fedcba9876543210fedcba98");
    c = fx_case(r, "q1", 1, 1);
    fx_output(r, c, 0, "The capital of France is Paris.", 790);
    c = fx_case(r, "refund-1", 2, 1);
    fx_output(r, c, 0, "Refunds are possible within 30 days of purchase.", 900);
    c = fx_case(r, "refund-2", 3, 2);
    fx_output(r, c, 0, "You can get a refund within 30 days.", 950);
    fx_output(r, c, 1, "Refunds: within 30 days, with the receipt.", 980);
    c = fx_case(r, "q4", 4, 1);
    fx_output(r, c, 0, "Berlin.", 700);
    fx_score(r, c, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "output does not contain 'Bonn'");
    c = fx_case(r, "q5", 5, 3);
    fx_output(r, c, 0, "Madrid", 600);
    fx_output(r, c, 1, "Madrid", 610);
    fx_output(r, c, 2, "Madrid", 620);
    c = fx_case(r, "q6", 6, 1);
    fx_output(r, c, 0, "Paris", 640);
    fx_score(r, c, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "output does not contain 'Lyon'");
    c = fx_case(r, "q7", 7, 1);
    fx_output(r, c, 0, "Rome", 650);
    c = fx_case(r, "q9", 9, 1);
    fx_output(r, c, 0, "Oslo", 660);
}

/*
 * A candidate compared with fx_compared_baseline(): q1 passing, refund-1 and
 * refund-2 broken (refund-2 with two trials), q4 fixed, q5 flaky, q6 still
 * failing, q7 errored, q8 added since the baseline. One max_drop rule fails,
 * one is inconclusive, and no_new_failures fails.
 */
static inline void fx_compared(struct pawl_results *r)
{
    size_t c;

    fx_support_bot(r);
    c = fx_case(r, "q1", 1, 1);
    fx_output(r, c, 0, "The capital of France is Paris.", 812);
    c = fx_case(r, "refund-1", 2, 1);
    fx_output(r, c, 0, "Refunds are not possible.", 1045);
    fx_score(r, c, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "output does not contain 'within 30 days'");
    fx_score(r, c, 0, 1, PAWL_SCORE_NUMERIC, 0.3, 0, NULL);
    c = fx_case(r, "refund-2", 3, 2);
    fx_output(r, c, 0, "Please contact support.", 1100);
    fx_score(r, c, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "output does not contain 'within 30 days'");
    fx_output(r, c, 1, "Contact support.", 1200);
    fx_score(r, c, 1, 0, PAWL_SCORE_BOOLEAN, 0, 0, "output does not contain 'within 30 days'");
    c = fx_case(r, "q4", 4, 1);
    fx_output(r, c, 0, "Bonn, then Berlin.", 700);
    c = fx_case(r, "q5", 5, 3);
    fx_output(r, c, 0, "Madrid", 600);
    fx_output(r, c, 1, "Barcelona", 610);
    fx_score(r, c, 1, 0, PAWL_SCORE_BOOLEAN, 0, 0, "output does not contain 'Madrid'");
    fx_output(r, c, 2, "Madrid", 620);
    c = fx_case(r, "q6", 6, 1);
    fx_output(r, c, 0, "Paris", 640);
    fx_score(r, c, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "output does not contain 'Lyon'");
    c = fx_case(r, "q7", 7, 1);
    fx_error(r, c, 0, "HTTP 503 from 'https://api.openai.com/v1/chat/completions'");
    c = fx_case(r, "q8", 8, 1);
    fx_output(r, c, 0, "Vienna", 500);

    fx_metric(r, "correct", 0.619, 7, 1, 0.3, 0.86);
    fx_metric(r, "helpful", 0.7, 7, 0, 0, 0);
    fx_metric(r, "error_rate", 0.125, 8, 0, 0, 0);
    fx_metric(r, "latency_p95_ms", 1200, 7, 0, 0, 0);

    fx_compare(r, "origin/main:.pawl/baseline.json", "5f3a9c0e1b2d4a6f",
               "fedcba9876543210fedcba9876543210fedcba98", 7);
    r->comparison->dataset_changed = 1;
    r->comparison->n_added = 1;
    r->comparison->n_dropped = 1;
    fx_cmp_metric(r, "correct", 0.8, 0.76, -0.09, 0.01, "mcnemar", 0.34375, 0.071, 6);
    fx_cmp_metric(r, "helpful", 0.85, 0.7, -0.24, -0.06, "bootstrap", NAN, 0.05, 6);
    fx_cmp_metric(r, "pass_rate", 0.714, 0.429, -0.714, 0.143, "mcnemar", 0.375, 0.4, 6);
    fx_cmp_case(r, "q1", 1, PAWL_CHANGE_PASSING, 1, 1);
    fx_cmp_case(r, "refund-1", 2, PAWL_CHANGE_BROKEN, 1, 0);
    fx_cmp_case(r, "refund-2", 3, PAWL_CHANGE_BROKEN, 1, 0);
    fx_cmp_case(r, "q4", 4, PAWL_CHANGE_FIXED, 0, 1);
    fx_cmp_case(r, "q5", 5, PAWL_CHANGE_FLAKY, 1, 2.0 / 3.0);
    fx_cmp_case(r, "q6", 6, PAWL_CHANGE_STILL_FAILING, 0, 0);
    fx_cmp_case(r, "q7", 7, PAWL_CHANGE_ERRORED, 1, 0);

    fx_rule(r, "correct drops at most 0.02", "max_drop", "correct", 0.02, 1, -0.04,
            PAWL_RULE_INCONCLUSIVE,
            "correct changed by -0.040 (95% interval -0.090 to +0.010, mcnemar p=0.34); "
            "about 120 paired cases would decide it (minimum detectable effect "
            "0.071)");
    fx_rule(r, "helpful drops at most 0.05", "max_drop", "helpful", 0.05, 1, -0.15, PAWL_RULE_FAIL,
            "helpful changed by -0.150 (95% interval -0.240 to -0.060, bootstrap), beyond the "
            "allowed drop of 0.05");
    fx_rule(r, "no new failures", "no_new_failures", NULL, 0, 1, 2, PAWL_RULE_FAIL,
            "2 cases passed in the baseline and fail now: refund-1, refund-2");
    fx_rule(r, "latency_p95_ms <= 4000", "max", "latency_p95_ms", 4000, 1, 1200, PAWL_RULE_PASS,
            "latency_p95_ms is 1200 (maximum 4000)");
    fx_verdict(r, "fail");
}

/* ---- results documents: round trips and malformed variants ---- */

/*
 * Writes `r` to <dir>/<name>1.json, reads it back into `back` and writes that
 * to <dir>/<name>2.json; asserts the two files hold the same bytes and returns
 * the text of the first, which the caller frees.
 */
static inline char *fx_round_trip(struct pawl_results *back, const struct pawl_results *r,
                                  const char *dir, const char *name)
{
    struct pawl_error err;
    char *n1 = pawl_xasprintf("%s1.json", name), *n2 = pawl_xasprintf("%s2.json", name);
    char *p1 = pawl_test_tmp_path(dir, n1), *p2 = pawl_test_tmp_path(dir, n2), *a, *b;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_results_write(r, p1, &err), &err);
    PAWL_ASSERT_OK(pawl_results_read(back, p1, &err), &err);
    PAWL_ASSERT_OK(pawl_results_write(back, p2, &err), &err);
    a = pawl_test_read_file(p1);
    b = pawl_test_read_file(p2);
    ck_assert_str_eq(a, b);
    ck_assert_uint_eq(strlen(a), strlen(b));
    free(b);
    free(p2);
    free(p1);
    free(n2);
    free(n1);
    return a;
}

/* One value changed in a valid results document, and the error reading it must give. */
struct fx_mutation {
    const char *parent; /* JSON pointer of the object or array to change ("" = root) */
    const char *key;    /* member name, or array index */
    const char *value;  /* JSON text of the new value; NULL deletes */
    const char *want;   /* the formatted error */
};

/* The value at `pointer` (no ~ escapes), which must exist; a borrowed reference. */
static inline json_t *fx_resolve(json_t *doc, const char *pointer)
{
    char *copy = pawl_xstrdup(pointer), *seg, *save = NULL;
    json_t *at = doc;

    for (seg = strtok_r(copy, "/", &save); seg && at; seg = strtok_r(NULL, "/", &save))
        at = json_is_array(at) ? json_array_get(at, strtoul(seg, NULL, 10))
                               : json_object_get(at, seg);
    free(copy);
    ck_assert_ptr_nonnull(at);
    return at;
}

/* Applies `m` to `doc` in place. */
static inline void fx_mutate(json_t *doc, const struct fx_mutation *m)
{
    json_t *parent = fx_resolve(doc, m->parent), *value = NULL;

    if (m->value) {
        value = json_loads(m->value, JSON_DECODE_ANY, NULL);
        ck_assert_ptr_nonnull(value);
    }
    if (json_is_array(parent))
        ck_assert_int_eq(json_array_set_new(parent, strtoul(m->key, NULL, 10), value), 0);
    else if (value)
        json_object_set_new(parent, m->key, value);
    else
        ck_assert_int_eq(json_object_del(parent, m->key), 0);
}

#endif
