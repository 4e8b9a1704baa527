/*
 * Builds struct pawl_results by hand for the results, JUnit, Markdown and
 * terminal tests, so reporters are tested without running anything.
 */
#ifndef PAWL_TEST_RESULTS_FIXTURE_H
#define PAWL_TEST_RESULTS_FIXTURE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/results.h"

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

/* Appends a case with `n_trials` empty trials; returns its index. */
static inline size_t fx_case(struct pawl_results *r, const char *id, int line, size_t n_trials)
{
    struct pawl_case_result *c;
    size_t i;

    r->cases = pawl_xreallocarray(r->cases, r->n_cases + 1, sizeof(*r->cases));
    c = &r->cases[r->n_cases];
    memset(c, 0, sizeof(*c));
    c->id = fx_dup(id);
    c->line = line;
    c->passed = 1;
    c->trials = pawl_xcalloc(n_trials + 1, sizeof(*c->trials));
    c->n_trials = n_trials;
    for (i = 0; i < n_trials; i++)
        c->trials[i].latency_ms = -1;
    r->dataset_cases++;
    return r->n_cases++;
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
    struct pawl_metric *m;

    r->metrics = pawl_xreallocarray(r->metrics, r->n_metrics + 1, sizeof(*r->metrics));
    m = &r->metrics[r->n_metrics++];
    memset(m, 0, sizeof(*m));
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
    struct pawl_rule_result *g;

    r->rules = pawl_xreallocarray(r->rules, r->n_rules + 1, sizeof(*r->rules));
    g = &r->rules[r->n_rules++];
    memset(g, 0, sizeof(*g));
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
    static const char *const scorers[] = {"correct", "helpful"};
    size_t c;

    fx_init(r, "support-bot", scorers, 2);
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

#endif
