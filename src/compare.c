/*
 * A candidate run against its baseline (DESIGN.md 4): pair the cases by id,
 * average each side's trials per case, and judge the paired differences.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/compare.h"
#include "pawl/results.h"

#define NO_PAIR SIZE_MAX

static const char *const change_names[] = {"passing", "broken",  "fixed",
                                           "still_failing", "flaky", "errored"};

/* The order of the "cases" lists in the results file; passing cases are not listed. */
static const enum pawl_case_change listed[] = {PAWL_CHANGE_BROKEN, PAWL_CHANGE_FIXED,
                                               PAWL_CHANGE_FLAKY, PAWL_CHANGE_STILL_FAILING,
                                               PAWL_CHANGE_ERRORED};
#define N_LISTED (sizeof(listed) / sizeof(listed[0]))

const char *pawl_case_change_name(enum pawl_case_change change)
{
    unsigned i = (unsigned)change;

    return i < sizeof(change_names) / sizeof(change_names[0]) ? change_names[i] : "unknown";
}

void pawl_comparison_release(struct pawl_comparison *c)
{
    size_t i;

    if (!c)
        return;
    free(c->baseline);
    free(c->baseline_run_id);
    free(c->baseline_commit);
    for (i = 0; i < c->n_metrics; i++) {
        free(c->metrics[i].metric);
        free(c->metrics[i].method);
    }
    free(c->metrics);
    for (i = 0; i < c->n_cases; i++)
        free(c->cases[i].id);
    free(c->cases);
    memset(c, 0, sizeof(*c));
}

const struct pawl_metric_comparison *pawl_comparison_metric(const struct pawl_comparison *c,
                                                            const char *metric)
{
    size_t i;

    for (i = 0; c && i < c->n_metrics; i++)
        if (c->metrics[i].metric && strcmp(c->metrics[i].metric, metric) == 0)
            return &c->metrics[i];
    return NULL;
}

/* ---- pairing ---- */

struct id_ref {
    const char *id;
    size_t index;
};

static const char *case_id(const struct pawl_case_result *c)
{
    return c->id ? c->id : "";
}

static int cmp_id_ref(const void *a, const void *b)
{
    const struct id_ref *x = a, *y = b;
    int c = strcmp(x->id, y->id);

    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static struct id_ref *sorted_ids(const struct pawl_results *r)
{
    struct id_ref *ids = pawl_xcalloc(r->n_cases + 1, sizeof(*ids));
    size_t i;

    for (i = 0; i < r->n_cases; i++) {
        ids[i].id = case_id(&r->cases[i]);
        ids[i].index = i;
    }
    qsort(ids, r->n_cases, sizeof(*ids), cmp_id_ref);
    return ids;
}

/*
 * base_of[i] is the baseline index of candidate case i, or NO_PAIR. Sorting
 * both sides and merging keeps this O(n log n) for suites of any size.
 */
static void pair_cases(size_t *base_of, struct pawl_comparison *out,
                       const struct pawl_results *base, const struct pawl_results *cand)
{
    struct id_ref *b = sorted_ids(base), *c = sorted_ids(cand);
    size_t i = 0, j = 0;

    for (j = 0; j < cand->n_cases; j++)
        base_of[j] = NO_PAIR;
    j = 0;
    while (i < base->n_cases && j < cand->n_cases) {
        int cmp = strcmp(b[i].id, c[j].id);
        if (cmp < 0) {
            out->n_dropped++;
            i++;
        } else if (cmp > 0) {
            out->n_added++;
            j++;
        } else {
            base_of[c[j].index] = b[i].index;
            out->n_paired++;
            i++;
            j++;
        }
    }
    out->n_dropped += base->n_cases - i;
    out->n_added += cand->n_cases - j;
    free(b);
    free(c);
}

/* ---- per case ---- */

/* What one run's trials of a case amount to. */
struct side {
    size_t n_trials, n_valid, n_pass;
    int errored;
};

static void side_of(struct side *out, const struct pawl_results *r,
                    const struct pawl_case_result *c)
{
    size_t ti, si;

    memset(out, 0, sizeof(*out));
    out->n_trials = c->n_trials;
    /* A case without trials has no outcome to compare, like one whose call failed. */
    out->errored = c->errored || c->n_trials == 0;
    for (ti = 0; ti < c->n_trials; ti++) {
        const struct pawl_trial *t = &c->trials[ti];
        int pass = 1;
        if (t->error || !t->scores) {
            out->errored = 1;
            continue;
        }
        out->n_valid++;
        for (si = 0; si < r->n_scorers; si++)
            if (!t->scores[si].passed)
                pass = 0;
        out->n_pass += (size_t)pass;
    }
}

static enum pawl_case_change classify(const struct side *b, const struct side *c)
{
    int b_all, b_none, c_all, c_none;

    if (b->errored || c->errored)
        return PAWL_CHANGE_ERRORED;
    b_all = b->n_pass == b->n_trials;
    b_none = b->n_pass == 0;
    c_all = c->n_pass == c->n_trials;
    c_none = c->n_pass == 0;
    if (!(b_all || b_none) || !(c_all || c_none))
        return PAWL_CHANGE_FLAKY;
    if (b_all)
        return c_all ? PAWL_CHANGE_PASSING : PAWL_CHANGE_BROKEN;
    return c_all ? PAWL_CHANGE_FIXED : PAWL_CHANGE_STILL_FAILING;
}

/*
 * The case's mean score over the trials that have one; 0 when none does.
 * Clears *all_boolean when a score it averaged is not BOOLEAN.
 */
static int scorer_value(double *out, const struct pawl_case_result *c, size_t si,
                        int *all_boolean)
{
    double sum = 0;
    size_t ti, k = 0;

    for (ti = 0; ti < c->n_trials; ti++) {
        const struct pawl_trial *t = &c->trials[ti];
        const struct pawl_score *s;
        if (t->error || !t->scores)
            continue;
        s = &t->scores[si];
        if (s->errored || !isfinite(s->value))
            continue;
        if (s->type != PAWL_SCORE_BOOLEAN)
            *all_boolean = 0;
        sum += s->value;
        k++;
    }
    if (!k)
        return 0;
    *out = sum / (double)k;
    return 1;
}

/* ---- per metric ---- */

struct settings {
    double confidence;
    uint64_t seed;
    unsigned resamples;
};

/* Work arrays sized for every pair, reused across metrics. */
struct work {
    double *bv, *cv, *d;
};

static void judge_metric(struct pawl_metric_comparison *m, const char *name, struct work *w,
                         size_t n, int exact, const struct settings *st)
{
    double bsum = 0, csum = 0;
    size_t i;

    memset(m, 0, sizeof(*m));
    m->metric = pawl_xstrdup(name);
    m->n = n;
    if (n == 0) {
        /* Nothing to judge: NaN, so no rule can mistake it for "no change". */
        m->method = pawl_xstrdup("bootstrap");
        m->base_mean = m->cand_mean = m->delta = m->p_value = m->mde = NAN;
        m->ci.lo = m->ci.hi = NAN;
        return;
    }
    for (i = 0; i < n; i++) {
        w->d[i] = w->cv[i] - w->bv[i];
        bsum += w->bv[i];
        csum += w->cv[i];
        if (exact && w->bv[i] > w->cv[i])
            m->broken++;
        else if (exact && w->cv[i] > w->bv[i])
            m->fixed++;
    }
    m->base_mean = bsum / (double)n;
    m->cand_mean = csum / (double)n;
    m->delta = pawl_stats_mean(w->d, n);
    m->mde = pawl_stats_mde(pawl_stats_sd(w->d, n), n, st->confidence);
    if (exact) {
        m->method = pawl_xstrdup("mcnemar");
        m->ci = pawl_stats_mcnemar_interval(m->broken, m->fixed, n, st->confidence);
        m->p_value = pawl_stats_mcnemar_p(m->broken, m->fixed);
    } else {
        m->method = pawl_xstrdup("bootstrap");
        m->ci = pawl_stats_bootstrap_mean(w->d, n, st->confidence, st->resamples, st->seed);
        m->p_value = NAN;
    }
}

static void compare_scorer(struct pawl_metric_comparison *m, const struct pawl_results *base,
                           const struct pawl_results *cand, size_t bsi, size_t csi,
                           const size_t *base_of, int single_trials, struct work *w,
                           const struct settings *st)
{
    int all_boolean = 1;
    size_t ci, n = 0;

    for (ci = 0; ci < cand->n_cases; ci++) {
        if (base_of[ci] == NO_PAIR)
            continue;
        if (scorer_value(&w->bv[n], &base->cases[base_of[ci]], bsi, &all_boolean) &&
            scorer_value(&w->cv[n], &cand->cases[ci], csi, &all_boolean))
            n++;
    }
    judge_metric(m, cand->scorer_names[csi], w, n, single_trials && all_boolean && n > 0, st);
}

static void compare_pass_rate(struct pawl_metric_comparison *m, const struct side *bs,
                              const struct side *cs, size_t n_pairs, int single_trials,
                              struct work *w, const struct settings *st)
{
    size_t i, n = 0;

    for (i = 0; i < n_pairs; i++) {
        /* Failed calls say nothing about the answers: they are left out, not failed. */
        if (!bs[i].n_valid || !cs[i].n_valid)
            continue;
        w->bv[n] = (double)bs[i].n_pass / (double)bs[i].n_valid;
        w->cv[n] = (double)cs[i].n_pass / (double)cs[i].n_valid;
        n++;
    }
    judge_metric(m, "pass_rate", w, n, single_trials && n > 0, st);
}

static size_t find_scorer(const struct pawl_results *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->n_scorers; i++)
        if (r->scorer_names[i] && strcmp(r->scorer_names[i], name) == 0)
            return i;
    return NO_PAIR;
}

static void count_change(struct pawl_comparison *c, enum pawl_case_change change)
{
    switch (change) {
    case PAWL_CHANGE_BROKEN:
        c->n_broken++;
        break;
    case PAWL_CHANGE_FIXED:
        c->n_fixed++;
        break;
    case PAWL_CHANGE_FLAKY:
        c->n_flaky++;
        break;
    case PAWL_CHANGE_STILL_FAILING:
        c->n_still_failing++;
        break;
    case PAWL_CHANGE_ERRORED:
        c->n_errored++;
        break;
    case PAWL_CHANGE_PASSING:
        break;
    }
}

static double share(size_t k, size_t n)
{
    return n ? (double)k / (double)n : 0;
}

int pawl_compare_check(const struct pawl_results *base, const char *blob,
                       const char *scorers_fingerprint, int allow_dataset_change,
                       struct pawl_error *err)
{
    if (allow_dataset_change)
        return 0;
    if (strcmp(base->dataset_blob, blob) != 0)
        return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                              "baseline was run on a different dataset (blob %.7s vs %.7s); pass "
                              "--allow-dataset-change to compare the cases both runs share",
                              base->dataset_blob, blob);
    if (strcmp(base->scorers_fingerprint, scorers_fingerprint) != 0)
        return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                              "baseline was scored with different scorers (fingerprint %.7s vs "
                              "%.7s); pass --allow-dataset-change to compare anyway",
                              base->scorers_fingerprint, scorers_fingerprint);
    return 0;
}

int pawl_compare(struct pawl_comparison *out, const struct pawl_results *base,
                 const struct pawl_results *cand, const struct pawl_compare_options *opts,
                 struct pawl_error *err)
{
    static const struct pawl_compare_options defaults = {NULL, 0, 0, 0, 0};
    size_t *base_of = NULL, ci, si, bsi, k = 0;
    struct side *bs = NULL, *cs = NULL;
    struct work w = {NULL, NULL, NULL};
    struct settings st;
    int rc = 0, single_trials = 1;
    int blob_differs = strcmp(base->dataset_blob, cand->dataset_blob) != 0;
    int scorers_differ = strcmp(base->scorers_fingerprint, cand->scorers_fingerprint) != 0;

    memset(out, 0, sizeof(*out));
    if (!opts)
        opts = &defaults;
    if ((rc = pawl_compare_check(base, cand->dataset_blob, cand->scorers_fingerprint,
                                 opts->allow_dataset_change, err)) < 0)
        return rc;

    st.confidence = opts->confidence > 0 ? opts->confidence : 0.95;
    st.seed = opts->seed ? opts->seed : PAWL_STATS_SEED;
    st.resamples = opts->resamples ? opts->resamples : PAWL_STATS_RESAMPLES;

    base_of = pawl_xcalloc(cand->n_cases + 1, sizeof(*base_of));
    pair_cases(base_of, out, base, cand);
    /* Past 20,000 pairs the interval is already tight: bound the work near 2e8 draws
     * per metric (a fraction of a second) but never go below 2,000 resamples. */
    if (!opts->resamples && out->n_paired > 20000) {
        size_t b = (size_t)200000000 / out->n_paired;
        st.resamples = (unsigned)(b < 2000 ? 2000 : b);
    }
    if (out->n_paired == 0) {
        rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0, "baseline and candidate share no cases");
        goto done;
    }
    out->baseline = opts->baseline_label ? pawl_xstrdup(opts->baseline_label) : NULL;
    out->baseline_run_id = base->run_id ? pawl_xstrdup(base->run_id) : NULL;
    out->baseline_commit =
        base->git.present && base->git.commit[0] ? pawl_xstrdup(base->git.commit) : NULL;
    out->dataset_changed = blob_differs || scorers_differ;
    out->confidence = st.confidence;
    out->seed = st.seed;

    bs = pawl_xcalloc(out->n_paired, sizeof(*bs));
    cs = pawl_xcalloc(out->n_paired, sizeof(*cs));
    out->cases = pawl_xcalloc(out->n_paired, sizeof(*out->cases));
    for (ci = 0; ci < cand->n_cases; ci++) {
        const struct pawl_case_result *cc = &cand->cases[ci];
        struct pawl_case_comparison *pc;
        if (base_of[ci] == NO_PAIR)
            continue;
        side_of(&bs[k], base, &base->cases[base_of[ci]]);
        side_of(&cs[k], cand, cc);
        if (bs[k].n_trials != 1 || cs[k].n_trials != 1)
            single_trials = 0;
        pc = &out->cases[out->n_cases++];
        pc->id = pawl_xstrdup(case_id(cc));
        pc->line = cc->line;
        pc->change = classify(&bs[k], &cs[k]);
        pc->base_pass = share(bs[k].n_pass, bs[k].n_trials);
        pc->cand_pass = share(cs[k].n_pass, cs[k].n_trials);
        count_change(out, pc->change);
        k++;
    }

    w.bv = pawl_xcalloc(out->n_paired, sizeof(double));
    w.cv = pawl_xcalloc(out->n_paired, sizeof(double));
    w.d = pawl_xcalloc(out->n_paired, sizeof(double));
    out->metrics = pawl_xcalloc(cand->n_scorers + 1, sizeof(*out->metrics));
    for (si = 0; si < cand->n_scorers; si++) {
        /* A scorer only one run has cannot be compared; the other metrics still can. */
        if (!cand->scorer_names[si] || (bsi = find_scorer(base, cand->scorer_names[si])) == NO_PAIR)
            continue;
        compare_scorer(&out->metrics[out->n_metrics++], base, cand, bsi, si, base_of,
                       single_trials, &w, &st);
    }
    compare_pass_rate(&out->metrics[out->n_metrics++], bs, cs, out->n_paired, single_trials, &w,
                      &st);
done:
    if (rc < 0)
        pawl_comparison_release(out);
    free(base_of);
    free(bs);
    free(cs);
    free(w.bv);
    free(w.cv);
    free(w.d);
    return rc;
}

/* ---- the results file's "comparison" section ---- */

static json_t *metric_to_json(const struct pawl_metric_comparison *m)
{
    json_t *o = json_object();

    json_object_set_new(o, "metric", pawl_json_str(m->metric ? m->metric : ""));
    json_object_set_new(o, "method", pawl_json_str(m->method ? m->method : "bootstrap"));
    json_object_set_new(o, "n", json_integer((json_int_t)m->n));
    json_object_set_new(o, "baseline", pawl_json_real(m->base_mean));
    json_object_set_new(o, "candidate", pawl_json_real(m->cand_mean));
    json_object_set_new(o, "delta", pawl_json_real(m->delta));
    json_object_set_new(o, "ci", pawl_json_interval(m->ci.lo, m->ci.hi));
    json_object_set_new(o, "p_value", pawl_json_real(m->p_value));
    json_object_set_new(o, "mde", pawl_json_real(m->mde));
    json_object_set_new(o, "broken", json_integer(m->broken));
    json_object_set_new(o, "fixed", json_integer(m->fixed));
    return o;
}

json_t *pawl_comparison_to_json(const struct pawl_comparison *c)
{
    json_t *o = json_object(), *arr, *cases;
    char seed[32];
    size_t i, l;

    snprintf(seed, sizeof(seed), "%" PRIu64, c->seed);
    json_object_set_new(o, "baseline", pawl_json_str(c->baseline));
    json_object_set_new(o, "baseline_run_id", pawl_json_str(c->baseline_run_id));
    json_object_set_new(o, "baseline_commit", pawl_json_str(c->baseline_commit));
    json_object_set_new(o, "dataset_changed", json_boolean(c->dataset_changed));
    json_object_set_new(o, "paired", json_integer((json_int_t)c->n_paired));
    json_object_set_new(o, "added", json_integer((json_int_t)c->n_added));
    json_object_set_new(o, "dropped", json_integer((json_int_t)c->n_dropped));
    json_object_set_new(o, "confidence", pawl_json_real(c->confidence));
    /* A string: JSON readers commonly hold numbers as doubles, which lose 64-bit seeds. */
    json_object_set_new(o, "seed", json_string(seed));
    arr = json_array();
    for (i = 0; i < c->n_metrics; i++)
        json_array_append_new(arr, metric_to_json(&c->metrics[i]));
    json_object_set_new(o, "metrics", arr);
    cases = json_object();
    for (l = 0; l < N_LISTED; l++) {
        arr = json_array();
        for (i = 0; i < c->n_cases; i++)
            if (c->cases[i].change == listed[l])
                json_array_append_new(arr, pawl_json_str(c->cases[i].id ? c->cases[i].id : ""));
        json_object_set_new(cases, change_names[listed[l]], arr);
    }
    json_object_set_new(o, "cases", cases);
    return o;
}

/* Reading is as strict as results_read.c: the section is part of a results file. */

static int read_metric(struct pawl_json_reader *rd, const json_t *o,
                       struct pawl_metric_comparison *m)
{
    static const char *const methods[] = {"mcnemar", "bootstrap"};
    json_int_t n, broken, fixed;
    int method, rc;

    if (!json_is_object(o))
        return pawl_json_bad(rd, NULL, "must be an object");
    if ((rc = pawl_json_get_string(rd, o, "metric", 0, &m->metric)) < 0 ||
        (rc = pawl_json_get_one_of(rd, o, "method", methods, 2, &method)) < 0)
        return rc;
    m->method = pawl_xstrdup(methods[method]);
    if ((rc = pawl_json_get_count(rd, o, "n", 0, LONG_MAX, &n)) < 0 ||
        (rc = pawl_json_get_real(rd, o, "baseline", &m->base_mean, NULL)) < 0 ||
        (rc = pawl_json_get_real(rd, o, "candidate", &m->cand_mean, NULL)) < 0 ||
        (rc = pawl_json_get_real(rd, o, "delta", &m->delta, NULL)) < 0 ||
        (rc = pawl_json_get_interval(rd, o, "ci", &m->ci.lo, &m->ci.hi)) < 0 ||
        (rc = pawl_json_get_real(rd, o, "p_value", &m->p_value, NULL)) < 0 ||
        (rc = pawl_json_get_real(rd, o, "mde", &m->mde, NULL)) < 0 ||
        (rc = pawl_json_get_count(rd, o, "broken", 0, UINT_MAX, &broken)) < 0 ||
        (rc = pawl_json_get_count(rd, o, "fixed", 0, UINT_MAX, &fixed)) < 0)
        return rc;
    m->n = (size_t)n;
    m->broken = (unsigned)broken;
    m->fixed = (unsigned)fixed;
    return 0;
}

static int read_seed(struct pawl_json_reader *rd, const json_t *o, uint64_t *out)
{
    const json_t *v;
    const char *s;
    unsigned long long u;
    int rc;

    if ((rc = pawl_json_get(rd, o, "seed", &v)) < 0)
        return rc;
    s = json_is_string(v) ? json_string_value(v) : NULL;
    if (!s || !*s || strspn(s, "0123456789") != strlen(s) ||
        strlen(s) != json_string_length(v))
        return pawl_json_bad(rd, "seed", "must be a string of decimal digits");
    errno = 0;
    u = strtoull(s, NULL, 10);
    if (errno == ERANGE)
        return pawl_json_bad(rd, "seed", "is too large");
    *out = (uint64_t)u;
    return 0;
}

static int cmp_case_id(const void *a, const void *b)
{
    const struct pawl_case_comparison *x = a, *y = b;

    return strcmp(x->id, y->id);
}

static int read_cases(struct pawl_json_reader *rd, const json_t *o, struct pawl_comparison *c)
{
    struct pawl_case_comparison *sorted = NULL;
    size_t l, i, total = 0;
    int rc = 0;

    if (!json_is_object(o))
        return pawl_json_bad(rd, NULL, "must be an object");
    for (l = 0; l < N_LISTED; l++) {
        const json_t *arr;
        if ((rc = pawl_json_get_typed(rd, o, change_names[listed[l]], JSON_ARRAY, 0, &arr)) < 0)
            return rc;
        total += json_array_size(arr);
    }
    if (total > c->n_paired)
        return pawl_json_bad(rd, NULL, "lists more cases than '/comparison/paired'");
    c->cases = pawl_xcalloc(total + 1, sizeof(*c->cases));
    for (l = 0; l < N_LISTED; l++) {
        const json_t *arr = json_object_get(o, change_names[listed[l]]);
        size_t old = pawl_json_push_key(rd, change_names[listed[l]]);
        for (i = 0; i < json_array_size(arr) && rc == 0; i++) {
            const json_t *v = json_array_get(arr, i);
            struct pawl_case_comparison *pc = &c->cases[c->n_cases];
            size_t o2 = pawl_json_push_index(rd, i);
            if (!json_is_string(v)) {
                rc = pawl_json_bad(rd, NULL, "must be a string");
            } else {
                c->n_cases++;
                pc->id = pawl_xstrndup(json_string_value(v), json_string_length(v));
                pc->change = listed[l];
                /* What the lists say about the trials; flaky and errored cases keep no share. */
                pc->base_pass = listed[l] == PAWL_CHANGE_BROKEN ? 1
                                : listed[l] == PAWL_CHANGE_FIXED ||
                                        listed[l] == PAWL_CHANGE_STILL_FAILING
                                    ? 0
                                    : NAN;
                pc->cand_pass = listed[l] == PAWL_CHANGE_FIXED ? 1
                                : listed[l] == PAWL_CHANGE_BROKEN ||
                                        listed[l] == PAWL_CHANGE_STILL_FAILING
                                    ? 0
                                    : NAN;
                count_change(c, listed[l]);
            }
            pawl_json_pop(rd, o2);
        }
        pawl_json_pop(rd, old);
        if (rc < 0)
            return rc;
    }
    sorted = pawl_xcalloc(c->n_cases + 1, sizeof(*sorted));
    memcpy(sorted, c->cases, c->n_cases * sizeof(*sorted));
    qsort(sorted, c->n_cases, sizeof(*sorted), cmp_case_id);
    for (i = 1; i < c->n_cases && rc == 0; i++) {
        if (strcmp(sorted[i].id, sorted[i - 1].id) == 0) {
            char what[PAWL_ERROR_MSG_MAX];
            snprintf(what, sizeof(what), "lists the case id '%s' more than once", sorted[i].id);
            rc = pawl_json_bad(rd, NULL, what);
        }
    }
    free(sorted);
    return rc;
}

static int read_comparison(struct pawl_json_reader *rd, const json_t *o, struct pawl_comparison *c)
{
    const json_t *v;
    json_int_t n;
    size_t i, old;
    int rc;

    if (!json_is_object(o))
        return pawl_json_bad(rd, NULL, "must be an object");
    if ((rc = pawl_json_get_string(rd, o, "baseline", 1, &c->baseline)) < 0 ||
        (rc = pawl_json_get_string(rd, o, "baseline_run_id", 1, &c->baseline_run_id)) < 0 ||
        (rc = pawl_json_get_string(rd, o, "baseline_commit", 1, &c->baseline_commit)) < 0 ||
        (rc = pawl_json_get_bool(rd, o, "dataset_changed", &c->dataset_changed)) < 0 ||
        (rc = pawl_json_get_count(rd, o, "paired", 0, LONG_MAX, &n)) < 0)
        return rc;
    c->n_paired = (size_t)n;
    if ((rc = pawl_json_get_count(rd, o, "added", 0, LONG_MAX, &n)) < 0)
        return rc;
    c->n_added = (size_t)n;
    if ((rc = pawl_json_get_count(rd, o, "dropped", 0, LONG_MAX, &n)) < 0)
        return rc;
    c->n_dropped = (size_t)n;
    if ((rc = pawl_json_get(rd, o, "confidence", &v)) < 0)
        return rc;
    if (!json_is_number(v) || !(json_number_value(v) > 0 && json_number_value(v) < 1))
        return pawl_json_bad(rd, "confidence", "must be a number between 0 and 1");
    c->confidence = json_number_value(v);
    if ((rc = read_seed(rd, o, &c->seed)) < 0 ||
        (rc = pawl_json_get_typed(rd, o, "metrics", JSON_ARRAY, 0, &v)) < 0)
        return rc;
    c->metrics = pawl_xcalloc(json_array_size(v) + 1, sizeof(*c->metrics));
    old = pawl_json_push_key(rd, "metrics");
    for (i = 0; i < json_array_size(v) && rc == 0; i++) {
        size_t o2 = pawl_json_push_index(rd, i);
        c->n_metrics++;
        rc = read_metric(rd, json_array_get(v, i), &c->metrics[i]);
        pawl_json_pop(rd, o2);
    }
    pawl_json_pop(rd, old);
    if (rc < 0 || (rc = pawl_json_get(rd, o, "cases", &v)) < 0)
        return rc;
    old = pawl_json_push_key(rd, "cases");
    rc = read_cases(rd, v, c);
    pawl_json_pop(rd, old);
    return rc;
}

int pawl_comparison_from_json(struct pawl_comparison *out, const json_t *doc, const char *source,
                              struct pawl_error *err)
{
    struct pawl_json_reader rd = {source, err, PAWL_BUF_INIT};
    int rc;

    memset(out, 0, sizeof(*out));
    pawl_buf_puts(&rd.ptr, "/comparison");
    rc = read_comparison(&rd, doc, out);
    if (rc < 0)
        pawl_comparison_release(out);
    pawl_buf_release(&rd.ptr);
    return rc;
}
