#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/agreement.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/gate.h"
#include "pawl/stats.h"
#include "pawl/usage.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double pawl_percentile(double *values, size_t n, double p)
{
    size_t rank;

    if (n == 0)
        return 0;
    qsort(values, n, sizeof(*values), cmp_double);
    rank = (size_t)ceil(p / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    return values[rank - 1];
}

double pawl_z_for_confidence(double confidence)
{
    return pawl_stats_z(confidence);
}

static struct pawl_metric *add_metric(struct pawl_results *r, size_t *alloc, const char *name)
{
    struct pawl_metric *m;

    PAWL_ALLOC_GROW(r->metrics, r->n_metrics + 1, *alloc);
    m = &r->metrics[r->n_metrics++];
    memset(m, 0, sizeof(*m));
    m->name = pawl_xstrdup(name);
    return m;
}

static void set_interval(struct pawl_metric *m, const double *v, size_t n, double z)
{
    double mean = 0, var = 0, half;
    size_t i;
    int binary = 1;

    if (n == 0)
        return;
    for (i = 0; i < n; i++) {
        mean += v[i];
        if (v[i] != 0 && v[i] != 1)
            binary = 0;
    }
    mean /= (double)n;
    m->mean = mean;
    m->n = n;
    m->has_ci = 1;
    if (binary) {
        /* Wilson: sensible at 0 and 1 and for small n, unlike the normal interval. */
        double nn = (double)n, den = 1 + z * z / nn;
        double centre = (mean + z * z / (2 * nn)) / den;
        half = z * sqrt(mean * (1 - mean) / nn + z * z / (4 * nn * nn)) / den;
        m->ci_lo = fmax(0, centre - half);
        m->ci_hi = fmin(1, centre + half);
        return;
    }
    for (i = 0; i < n; i++)
        var += (v[i] - mean) * (v[i] - mean);
    var = n > 1 ? var / (double)(n - 1) : 0;
    half = z * sqrt(var / (double)n);
    m->ci_lo = mean - half;
    m->ci_hi = mean + half;
    /* Every metric measured this way is a share or a 0..1 score: so is its interval. */
    m->ci_lo = fmax(0, m->ci_lo);
    m->ci_hi = fmin(1, m->ci_hi);
}

/*
 * pass@k and pass^k over the cases that ran, with k the fewest trials any
 * case got, so every case is judged on the same k. An errored trial counts
 * as a failed one, as it does for pass_rate.
 */
static void add_pass_k(struct pawl_results *r, size_t *alloc, double *vals, double z)
{
    size_t k = pawl_results_pass_k(r), ci, nv = 0;
    double *hat;
    struct pawl_metric *m;

    if (k == 0)
        return;
    hat = pawl_xcalloc(r->n_cases + 1, sizeof(double));
    for (ci = 0; ci < r->n_cases; ci++) {
        const struct pawl_case_result *cr = &r->cases[ci];
        unsigned passing;
        if (cr->n_trials == 0)
            continue;
        passing = (unsigned)pawl_results_passing_trials(r, cr);
        vals[nv] = pawl_stats_pass_at_k((unsigned)cr->n_trials, passing, (unsigned)k);
        hat[nv++] = pawl_stats_pass_hat_k((unsigned)cr->n_trials, passing, (unsigned)k);
    }
    m = add_metric(r, alloc, "pass_at_k");
    set_interval(m, vals, nv, z);
    m = add_metric(r, alloc, "pass_hat_k");
    set_interval(m, hat, nv, z);
    free(hat);
}

/*
 * failure_mode.<mode> for each failure mode an llm-judge scorer declares: per
 * case, the share of its scored trials the judge put in that category.
 */
static void add_failure_modes(struct pawl_results *r, size_t *alloc, const struct pawl_config *cfg,
                              double *vals, double z)
{
    size_t i, si, mi, ci, ti, nv;

    for (i = 0; cfg && i < cfg->n_scorers; i++) {
        const struct pawl_node *modes = pawl_node_get(cfg->scorers[i].node, "failure_modes");
        if (!cfg->scorers[i].judge || !modes || modes->kind != PAWL_NODE_SEQ)
            continue;
        for (si = 0; si < r->n_scorers && strcmp(r->scorer_names[si], cfg->scorers[i].name); si++)
            ;
        if (si == r->n_scorers)
            continue;
        for (mi = 0; mi < modes->n; mi++) {
            const char *mode = modes->items[mi]->value;
            char *name;
            nv = 0;
            for (ci = 0; ci < r->n_cases; ci++) {
                const struct pawl_case_result *cr = &r->cases[ci];
                size_t k = 0, hits = 0;
                for (ti = 0; ti < cr->n_trials; ti++) {
                    const struct pawl_score *sc;
                    if (!cr->trials[ti].scores || cr->trials[ti].scores[si].errored)
                        continue;
                    sc = &cr->trials[ti].scores[si];
                    k++;
                    hits += sc->category && mode && strcmp(sc->category, mode) == 0;
                }
                if (k)
                    vals[nv++] = (double)hits / (double)k;
            }
            name = pawl_xasprintf("failure_mode.%s", mode ? mode : "");
            set_interval(add_metric(r, alloc, name), vals, nv, z);
            free(name);
        }
    }
}

/* A scorer's `weight` from the config (1 when absent or when the config does not know it). */
static double weight_of(const struct pawl_config *cfg, const char *name)
{
    size_t i;
    double w = 1;

    for (i = 0; cfg && i < cfg->n_scorers; i++)
        if (strcmp(cfg->scorers[i].name, name) == 0) {
            const struct pawl_node *n = pawl_node_get(cfg->scorers[i].node, "weight");
            if (n && pawl_node_as_double(n, &w) < 0)
                w = 1;
        }
    return w;
}

/*
 * weighted_score, when a scorer has a weight other than 1: per case, the scorers' values (each averaged over the
 * case's trials) weighted by their `weight`; scorers that errored on every
 * trial of a case are left out of that case, and a case with none is left out.
 */
static void add_weighted(struct pawl_results *r, size_t *alloc, const struct pawl_config *cfg,
                         double *vals, double z)
{
    double *w = pawl_xcalloc(r->n_scorers + 1, sizeof(*w));
    size_t si, ci, ti, nv = 0;
    int weighted = 0;

    for (si = 0; si < r->n_scorers; si++) {
        w[si] = weight_of(cfg, r->scorer_names[si]);
        weighted |= w[si] != 1;
    }
    /* Without weights it would only restate the scorers' means: leave it out, unless a
     * rule asks for it. */
    for (ci = 0; cfg && !weighted && ci < cfg->gate.n_rules; ci++)
        weighted = cfg->gate.rules[ci].metric &&
                   strcmp(cfg->gate.rules[ci].metric, "weighted_score") == 0;
    if (!weighted) {
        free(w);
        return;
    }
    for (ci = 0; ci < r->n_cases; ci++) {
        const struct pawl_case_result *cr = &r->cases[ci];
        double num = 0, den = 0;
        for (si = 0; si < r->n_scorers; si++) {
            double sum = 0;
            size_t k = 0;
            for (ti = 0; ti < cr->n_trials; ti++)
                if (cr->trials[ti].scores && !cr->trials[ti].scores[si].errored) {
                    sum += cr->trials[ti].scores[si].value;
                    k++;
                }
            if (k && w[si] > 0) {
                num += w[si] * sum / (double)k;
                den += w[si];
            }
        }
        if (den > 0)
            vals[nv++] = num / den;
    }
    set_interval(add_metric(r, alloc, "weighted_score"), vals, nv, z);
    free(w);
}

/* ---- judge agreement --------------------------------------------------------- */

static void put_agreement_stat(struct pawl_results *r, size_t *alloc, const char *scorer,
                               const char *stat, const struct pawl_agreement_value *v, size_t n)
{
    char *name = pawl_xasprintf(PAWL_AGREEMENT_PREFIX "%s.%s", scorer, stat);
    struct pawl_metric *m = add_metric(r, alloc, name);

    m->mean = v->value;
    m->n = n;
    m->has_ci = v->has_ci;
    m->ci_lo = v->lo;
    m->ci_hi = v->hi;
    free(name);
}

static void add_agreement(struct pawl_results *r, size_t *alloc, double confidence)
{
    struct pawl_agreement *a = NULL;
    struct pawl_agreement_value count = {0, 0, 0, 0};
    size_t n = pawl_agreement_compute(&a, r, confidence), i;

    for (i = 0; i < n; i++) {
        count.value = (double)a[i].n;
        put_agreement_stat(r, alloc, a[i].scorer, "n", &count, a[i].n);
        if (a[i].excluded) {
            count.value = (double)a[i].excluded;
            put_agreement_stat(r, alloc, a[i].scorer, "excluded", &count, a[i].n + a[i].excluded);
        }
        if (a[i].n == 0)
            continue;
        if (a[i].numeric) {
            put_agreement_stat(r, alloc, a[i].scorer, "mae", &a[i].mae, a[i].n);
            put_agreement_stat(r, alloc, a[i].scorer, "spearman", &a[i].spearman, a[i].n);
        } else {
            put_agreement_stat(r, alloc, a[i].scorer, "accuracy", &a[i].accuracy, a[i].n);
            put_agreement_stat(r, alloc, a[i].scorer, "kappa", &a[i].kappa, a[i].n);
        }
    }
    free(a);
}

/* A sum over the calls, as a metric only when some call reported the quantity. */
static void add_total(struct pawl_results *r, size_t *alloc, int any, const char *name,
                      double total, size_t n)
{
    struct pawl_metric *m;

    if (!any)
        return;
    m = add_metric(r, alloc, name);
    m->mean = total;
    m->n = n;
}

static void compute_metrics(struct pawl_results *r, const struct pawl_config *cfg, double z)
{
    size_t alloc = 0, si, ci, ti, n_lat = 0, n_calls = 0, n_err = 0;
    double *vals = pawl_xcalloc(r->n_cases + 1, sizeof(double));
    double *lat = NULL, cost = 0, tokens = 0, judge_cost = 0, judge_tokens = 0;
    size_t lat_alloc = 0, nv;
    int any_cost = 0, any_tokens = 0, any_judge_cost = 0, any_judge_tokens = 0;
    struct pawl_metric *m;

    for (si = 0; si < r->n_scorers; si++) {
        nv = 0;
        for (ci = 0; ci < r->n_cases; ci++) {
            const struct pawl_case_result *cr = &r->cases[ci];
            double sum = 0;
            size_t k = 0;
            for (ti = 0; ti < cr->n_trials; ti++) {
                if (!cr->trials[ti].scores || cr->trials[ti].scores[si].errored)
                    continue;
                sum += cr->trials[ti].scores[si].value;
                k++;
            }
            if (k)
                vals[nv++] = sum / (double)k;
        }
        m = add_metric(r, &alloc, r->scorer_names[si]);
        set_interval(m, vals, nv, z);
    }
    add_failure_modes(r, &alloc, cfg, vals, z);
    add_weighted(r, &alloc, cfg, vals, z);

    for (ci = 0; ci < r->n_cases; ci++)
        vals[ci] = r->cases[ci].passed ? 1 : 0;
    m = add_metric(r, &alloc, "pass_rate");
    set_interval(m, vals, r->n_cases, z);
    add_pass_k(r, &alloc, vals, z);

    for (ci = 0; ci < r->n_cases; ci++) {
        for (ti = 0; ti < r->cases[ci].n_trials; ti++) {
            const struct pawl_trial *t = &r->cases[ci].trials[ti];
            double tok;
            size_t k;
            n_calls++;
            if (t->error) {
                n_err++;
                continue;
            }
            if (t->latency_ms >= 0 && !t->cached) {
                PAWL_ALLOC_GROW(lat, n_lat + 1, lat_alloc);
                lat[n_lat++] = (double)t->latency_ms;
            }
            if (t->has_cost) {
                cost += t->cost;
                any_cost = 1;
            }
            if (t->usage && (tok = pawl_usage_tokens(t->usage)) >= 0) {
                tokens += tok;
                any_tokens = 1;
            }
            for (k = 0; t->scores && k < r->n_scorers; k++) {
                const struct pawl_score *sc = &t->scores[k];
                if (sc->has_cost) {
                    judge_cost += sc->cost;
                    any_judge_cost = 1;
                }
                if (sc->has_tokens) {
                    judge_tokens += sc->tokens;
                    any_judge_tokens = 1;
                }
            }
        }
    }
    m = add_metric(r, &alloc, "error_rate");
    m->mean = n_calls ? (double)n_err / (double)n_calls : 0;
    m->n = n_calls;
    if (n_lat) {
        double mean = 0;
        for (ti = 0; ti < n_lat; ti++)
            mean += lat[ti];
        m = add_metric(r, &alloc, "latency_mean_ms");
        m->mean = mean / (double)n_lat;
        m->n = n_lat;
        m = add_metric(r, &alloc, "latency_p50_ms");
        m->mean = pawl_percentile(lat, n_lat, 50);
        m->n = n_lat;
        m = add_metric(r, &alloc, "latency_p95_ms");
        m->mean = pawl_percentile(lat, n_lat, 95);
        m->n = n_lat;
    }
    add_total(r, &alloc, any_cost, "cost_total", cost, n_calls - n_err);
    add_total(r, &alloc, any_tokens, "tokens_total", tokens, n_calls - n_err);
    /* Judges' calls are the evaluation's own spending, kept apart from the candidate's. */
    add_total(r, &alloc, any_judge_cost, "judge_cost_total", judge_cost, n_calls - n_err);
    add_total(r, &alloc, any_judge_tokens, "judge_tokens_total", judge_tokens, n_calls - n_err);
    free(lat);
    free(vals);
    add_agreement(r, &alloc, cfg->gate.confidence);
}

/* Shortest plain text that reads back as the same number: 0.8, 4000, never 4e+03. */
static void fmt_num(char *out, size_t size, double v)
{
    int prec;

    for (prec = 0; prec <= 15; prec++) {
        snprintf(out, size, "%.*f", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
    snprintf(out, size, "%.17g", v);
}

/* A measured value for a message: four decimals at most, trailing zeros dropped, no
 * exponent for large totals; only tiny values (costs) keep significant digits. */
static void fmt_actual(char *out, size_t size, double v)
{
    char *end;

    if (v != 0 && fabs(v) < 0.001) {
        snprintf(out, size, "%.3g", v);
        return;
    }
    snprintf(out, size, "%.4f", v);
    end = out + strlen(out);
    while (end > out && end[-1] == '0')
        *--end = '\0';
    if (end > out && end[-1] == '.')
        *--end = '\0';
    if (strcmp(out, "-0") == 0)
        snprintf(out, size, "0");
}

static void eval_threshold(struct pawl_rule_result *rr, const struct pawl_rule_config *rc,
                           const struct pawl_results *r)
{
    const struct pawl_metric *m = pawl_results_metric(r, rc->metric);
    char thr[32], act[32];
    int is_min = rc->kind == PAWL_RULE_MIN;

    fmt_num(thr, sizeof(thr), rc->value);
    rr->rule = pawl_xasprintf("%s %s %s", rc->metric, is_min ? ">=" : "<=", thr);
    rr->metric = pawl_xstrdup(rc->metric);
    rr->kind = pawl_xstrdup(is_min ? "min" : "max");
    rr->threshold = rc->value;
    if (!m || m->n == 0) {
        rr->status = PAWL_RULE_INCONCLUSIVE;
        rr->message = pawl_xasprintf("%s has no data in this run", rc->metric);
        return;
    }
    rr->actual = m->mean;
    rr->has_actual = 1;
    fmt_actual(act, sizeof(act), m->mean);
    if (is_min ? m->mean >= rc->value : m->mean <= rc->value) {
        rr->status = PAWL_RULE_PASS;
        rr->message = pawl_xasprintf("%s is %s (%s %s)", rc->metric, act,
                                     is_min ? "minimum" : "maximum", thr);
    } else {
        rr->status = PAWL_RULE_FAIL;
        rr->message = pawl_xasprintf("%s is %s, %s the %s %s", rc->metric, act,
                                     is_min ? "below" : "above", is_min ? "minimum" : "maximum",
                                     thr);
    }
}

/* 95%, 99.9%: the confidence as a percentage with as few decimals as it needs. */
static void fmt_percent(char *out, size_t size, double confidence)
{
    double pct = confidence * 100;
    int prec;

    for (prec = 0; prec < 6; prec++) {
        snprintf(out, size, "%.*f", prec, pct);
        if (fabs(strtod(out, NULL) - pct) < 1e-9)
            return;
    }
}

static void eval_max_drop(struct pawl_rule_result *rr, const struct pawl_rule_config *rc,
                          const struct pawl_comparison *c)
{
    const struct pawl_metric_comparison *m = pawl_comparison_metric(c, rc->metric);
    struct pawl_buf b = PAWL_BUF_INIT;
    char thr[32], pct[16];
    size_t pairs;

    if (!m) {
        rr->status = PAWL_RULE_ERROR;
        rr->message = pawl_xasprintf("metric '%s' is not in the baseline", rc->metric);
        return;
    }
    if (m->n == 0 || !isfinite(m->delta)) {
        rr->status = PAWL_RULE_INCONCLUSIVE;
        rr->message = pawl_xasprintf("%s has no case scored in both runs", rc->metric);
        return;
    }
    rr->actual = m->delta;
    rr->has_actual = 1;
    fmt_num(thr, sizeof(thr), rc->value);
    fmt_percent(pct, sizeof(pct), c->confidence);
    pawl_buf_printf(&b, "%s changed by %+.3f (%s%% interval %+.3f to %+.3f, ", rc->metric,
                    m->delta, pct, m->ci.lo, m->ci.hi);
    if (m->method && strcmp(m->method, "mcnemar") == 0) {
        if (m->p_value < 0.001)
            pawl_buf_puts(&b, "mcnemar p<0.001)");
        else
            pawl_buf_printf(&b, "mcnemar p=%.2g)", m->p_value);
    } else {
        pawl_buf_puts(&b, "bootstrap)");
    }
    switch (pawl_stats_verdict(m->delta, m->ci, rc->value)) {
    case PAWL_STATS_PASS:
        rr->status = PAWL_RULE_PASS;
        pawl_buf_printf(&b, ", within the allowed drop of %s", thr);
        break;
    case PAWL_STATS_REGRESSION:
        rr->status = PAWL_RULE_FAIL;
        pawl_buf_printf(&b, ", beyond the allowed drop of %s", thr);
        break;
    case PAWL_STATS_INCONCLUSIVE:
        rr->status = PAWL_RULE_INCONCLUSIVE;
        pairs = pawl_stats_pairs_to_decide(m->delta, m->ci, m->n, rc->value);
        if (pairs == 0 || pairs == SIZE_MAX)
            pawl_buf_puts(&b, "; more data cannot decide it");
        else
            pawl_buf_printf(&b, "; about %zu paired cases would decide it", pairs);
        pawl_buf_printf(&b, " (minimum detectable effect %.3f)", m->mde);
        break;
    }
    rr->message = pawl_buf_detach(&b, NULL);
}

/* Two decimals, as in "kappa 0.41"; never "-0.00". */
static void fmt_2(char *out, size_t size, double v)
{
    snprintf(out, size, "%.2f", v);
    if (strcmp(out, "-0.00") == 0)
        snprintf(out, size, "0.00");
}

/* A bound: two decimals at least, more when it has them (0.6 -> 0.60, 0.625 -> 0.625). */
static void fmt_bound(char *out, size_t size, double v)
{
    int prec;

    for (prec = 2; prec <= 15; prec++) {
        snprintf(out, size, "%.*f", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

static void eval_agreement(struct pawl_rule_result *rr, const struct pawl_rule_config *rc,
                           const struct pawl_results *r)
{
    const char *name = rc->metric ? rc->metric : "", *stat = strrchr(name, '.');
    size_t plen = strlen(PAWL_AGREEMENT_PREFIX), n = 0, excluded = 0;
    char *scorer, *mname, bound[32], val[16], lo[16], hi[16], ci[48] = "";
    const struct pawl_metric *m, *mn, *mx;
    int is_max, numeric_stat;
    long min_n = rc->min_n > 0 ? rc->min_n : PAWL_AGREEMENT_MIN_N;

    stat = stat && stat >= name + plen ? stat + 1 : "";
    scorer = strncmp(name, PAWL_AGREEMENT_PREFIX, plen) == 0 && *stat
                 ? pawl_xstrndup(name + plen, (size_t)(stat - 1 - name) - plen)
                 : pawl_xstrdup(name);
    is_max = strcmp(stat, "mae") == 0;
    numeric_stat = is_max || strcmp(stat, "spearman") == 0;
    fmt_bound(bound, sizeof(bound), rc->value);
    rr->rule =
        pawl_xasprintf("judge_agreement %s: %s %s %s", scorer, stat, is_max ? "<=" : ">=", bound);
    rr->metric = pawl_xstrdup(name);
    rr->kind = pawl_xstrdup(is_max ? "max" : "min");
    rr->threshold = rc->value;

    mname = pawl_xasprintf(PAWL_AGREEMENT_PREFIX "%s.n", scorer);
    mn = pawl_results_metric(r, mname);
    free(mname);
    mname = pawl_xasprintf(PAWL_AGREEMENT_PREFIX "%s.excluded", scorer);
    mx = pawl_results_metric(r, mname);
    free(mname);
    if (mn && mn->mean > 0)
        n = (size_t)mn->mean;
    if (mx && mx->mean > 0)
        excluded = (size_t)mx->mean;
    m = pawl_results_metric(r, name);

    if (n > 0 && !m) {
        rr->status = PAWL_RULE_ERROR;
        rr->message = numeric_stat
                          ? pawl_xasprintf("judge '%s' has boolean or category labels: %s needs "
                                           "numeric labels (use min_kappa or min_accuracy)",
                                           scorer, stat)
                          : pawl_xasprintf("judge '%s' has numeric labels: %s needs boolean or "
                                           "category labels (use min_spearman or max_mae)",
                                           scorer, stat);
    } else if (n < (size_t)min_n) {
        rr->status = PAWL_RULE_FAIL;
        rr->actual = (double)n;
        if (excluded)
            rr->message = pawl_xasprintf(
                "judge '%s' has human labels on %zu scored case%s (%zu more left out: every trial "
                "errored or the label does not fit the score), fewer than the %ld needed (min_n)",
                scorer, n, n == 1 ? "" : "s", excluded, min_n);
        else
            rr->message = pawl_xasprintf("judge '%s' has human labels on %zu case%s, fewer than "
                                         "the %ld needed (min_n)",
                                         scorer, n, n == 1 ? "" : "s", min_n);
    } else if (!isfinite(m->mean)) {
        rr->status = PAWL_RULE_FAIL;
        rr->message = numeric_stat
                          ? pawl_xasprintf("judge '%s' has no %s: its scores or the labels are "
                                           "all equal over the %zu cases",
                                           scorer, stat, n)
                          : pawl_xasprintf("judge '%s' has no %s: the judge and the labels put "
                                           "all %zu cases in one category, so agreement beyond "
                                           "chance cannot be measured (label cases of other "
                                           "categories)",
                                           scorer, stat, n);
    } else {
        int ok = is_max ? m->mean <= rc->value : m->mean >= rc->value;
        rr->actual = m->mean;
        rr->has_actual = 1;
        fmt_2(val, sizeof(val), m->mean);
        if (m->has_ci && isfinite(m->ci_lo) && isfinite(m->ci_hi)) {
            fmt_2(lo, sizeof(lo), m->ci_lo);
            fmt_2(hi, sizeof(hi), m->ci_hi);
            snprintf(ci, sizeof(ci), " [%s, %s]", lo, hi);
        }
        rr->status = ok ? PAWL_RULE_PASS : PAWL_RULE_FAIL;
        rr->message = pawl_xasprintf(
            "judge '%s' agrees with human labels at %s %s%s (n=%zu), %s the %s %s", scorer, stat,
            val, ci, n,
            ok ? (is_max ? "at or below" : "at or above") : (is_max ? "above" : "below"),
            is_max ? "maximum" : "minimum", bound);
    }
    free(scorer);
}

/* Names at most this many broken cases; the reports list them all. */
#define BROKEN_LISTED 10

static void eval_no_new_failures(struct pawl_rule_result *rr, const struct pawl_comparison *c)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    size_t i, shown = 0;

    rr->actual = (double)c->n_broken;
    rr->has_actual = 1;
    if (c->n_broken == 0) {
        rr->status = PAWL_RULE_PASS;
        rr->message = pawl_xstrdup("no case that passed in the baseline fails now");
        return;
    }
    rr->status = PAWL_RULE_FAIL;
    pawl_buf_printf(&b, "%zu %s in the baseline and %s now: ", c->n_broken,
                    c->n_broken == 1 ? "case passed" : "cases passed",
                    c->n_broken == 1 ? "fails" : "fail");
    for (i = 0; i < c->n_cases && shown < BROKEN_LISTED; i++) {
        if (c->cases[i].change != PAWL_CHANGE_BROKEN)
            continue;
        pawl_buf_printf(&b, "%s%s", shown ? ", " : "", c->cases[i].id ? c->cases[i].id : "");
        shown++;
    }
    if (c->n_broken > shown)
        pawl_buf_printf(&b, " and %zu more", c->n_broken - shown);
    rr->message = pawl_buf_detach(&b, NULL);
}

void pawl_gate_evaluate(struct pawl_results *r, const struct pawl_config *cfg)
{
    struct pawl_rule_config implicit = {(char *)"pass_rate", PAWL_RULE_MIN, 1.0, 0, 0, 0};
    const struct pawl_rule_config *rules = cfg->gate.rules;
    size_t n = cfg->gate.n_rules, i;
    int failed = 0, inconclusive = 0;

    pawl_results_clear_metrics(r);
    pawl_results_clear_rules(r);
    compute_metrics(r, cfg, pawl_z_for_confidence(cfg->gate.confidence));
    if (n == 0) {
        rules = &implicit;
        n = 1;
    }
    r->rules = pawl_xcalloc(n, sizeof(*r->rules));
    for (i = 0; i < n; i++) {
        struct pawl_rule_result *rr = &r->rules[r->n_rules++];
        const struct pawl_rule_config *rc = &rules[i];

        if (rc->kind == PAWL_RULE_MIN || rc->kind == PAWL_RULE_MAX) {
            eval_threshold(rr, rc, r);
        } else if (rc->kind == PAWL_RULE_JUDGE_AGREEMENT) {
            eval_agreement(rr, rc, r);
        } else {
            char thr[32];
            fmt_num(thr, sizeof(thr), rc->value);
            rr->kind = pawl_xstrdup(rc->kind == PAWL_RULE_MAX_DROP ? "max_drop"
                                                                  : "no_new_failures");
            rr->metric = rc->metric ? pawl_xstrdup(rc->metric) : NULL;
            rr->rule = rc->kind == PAWL_RULE_MAX_DROP
                           ? pawl_xasprintf("%s drops at most %s", rc->metric, thr)
                           : pawl_xstrdup("no new failures");
            rr->threshold = rc->value;
            if (!r->comparison) {
                rr->status = PAWL_RULE_INCONCLUSIVE;
                rr->message = pawl_xstrdup("needs a baseline, and none was given");
            } else if (rc->kind == PAWL_RULE_MAX_DROP) {
                eval_max_drop(rr, rc, r->comparison);
            } else {
                eval_no_new_failures(rr, r->comparison);
            }
        }
        /* A rule that cannot be evaluated must not let the change through. */
        if (rr->status == PAWL_RULE_FAIL || rr->status == PAWL_RULE_ERROR)
            failed = 1;
        else if (rr->status == PAWL_RULE_INCONCLUSIVE)
            inconclusive = 1;
    }
    free(r->verdict);
    if (failed || (inconclusive && cfg->gate.inconclusive_fails))
        r->verdict = pawl_xstrdup("fail");
    else
        r->verdict = pawl_xstrdup("pass");
}
