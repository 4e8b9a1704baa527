/*
 * compare.h - a candidate run against its baseline (DESIGN.md 4).
 *
 * Cases are paired by id. Runs are only comparable on the same dataset
 * blob and the same scorers fingerprint; otherwise pawl_compare() refuses
 * (PAWL_EDATA) unless `allow_dataset_change`, in which case the shared
 * cases are compared and the added/dropped counts say what was left out.
 *
 * For every scorer metric, and for pass_rate, each case's trials are
 * averaged first and the paired differences d_i = cand_i - base_i give the
 * mean change and its interval at `confidence`: exact (McNemar /
 * Clopper-Pearson on discordant pairs) when the metric is BOOLEAN and both
 * runs have one trial per case, a seeded paired bootstrap otherwise.
 *
 * Ownership: struct pawl_comparison is caller-owned, released with
 * pawl_comparison_release(); it copies what it keeps from both runs.
 */
#ifndef PAWL_COMPARE_H
#define PAWL_COMPARE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pawl/error.h"
#include "pawl/stats.h"

struct pawl_results;

enum pawl_case_change {
    PAWL_CHANGE_PASSING,       /* passed every trial in both runs */
    PAWL_CHANGE_BROKEN,        /* passed every baseline trial, failed every candidate trial */
    PAWL_CHANGE_FIXED,         /* failed every baseline trial, passed every candidate trial */
    PAWL_CHANGE_STILL_FAILING, /* failed every trial in both runs */
    PAWL_CHANGE_FLAKY,         /* the trials of either run disagree */
    PAWL_CHANGE_ERRORED,       /* a candidate or baseline trial errored: no verdict on the case */
};

struct pawl_case_comparison {
    char *id;
    int line;                     /* candidate's dataset line */
    enum pawl_case_change change;
    double base_pass, cand_pass;  /* share of passing trials */
};

struct pawl_metric_comparison {
    char *metric;         /* scorer name or "pass_rate" */
    double base_mean, cand_mean;
    double delta;         /* mean of d_i over pairs (cand - base) */
    struct pawl_interval ci;
    char *method;         /* "mcnemar" or "bootstrap" */
    double p_value;       /* McNemar two-sided p, NAN for bootstrap */
    double mde;           /* minimum detectable effect at 80% power */
    size_t n;             /* pairs with a value on both sides */
    unsigned broken, fixed; /* discordant pairs (mcnemar only) */
};

struct pawl_comparison {
    char *baseline;        /* where the baseline came from: "FILE" or "REF:FILE" */
    char *baseline_run_id;
    char *baseline_commit; /* baseline run's git commit or NULL */
    int dataset_changed;   /* blob or scorers differ and the comparison was allowed */
    size_t n_paired, n_added, n_dropped;
    double confidence;
    uint64_t seed;

    struct pawl_metric_comparison *metrics;
    size_t n_metrics;
    struct pawl_case_comparison *cases; /* paired cases, candidate order */
    size_t n_cases;
    size_t n_broken, n_fixed, n_flaky, n_still_failing, n_errored;
};

struct pawl_compare_options {
    const char *baseline_label; /* copied into `baseline` */
    int allow_dataset_change;
    double confidence;          /* 0 = 0.95 */
    uint64_t seed;              /* 0 = PAWL_STATS_SEED */
    unsigned resamples;         /* 0 = PAWL_STATS_RESAMPLES */
};

/*
 * The integrity check alone, so a run can refuse an incomparable baseline
 * before it makes a single call: the candidate's dataset blob and scorers
 * fingerprint against the baseline's.
 */
int pawl_compare_check(const struct pawl_results *base, const char *blob,
                       const char *scorers_fingerprint, int allow_dataset_change,
                       struct pawl_error *err);

int pawl_compare(struct pawl_comparison *out, const struct pawl_results *base,
                 const struct pawl_results *cand, const struct pawl_compare_options *opts,
                 struct pawl_error *err);
void pawl_comparison_release(struct pawl_comparison *c);

const struct pawl_metric_comparison *pawl_comparison_metric(const struct pawl_comparison *c,
                                                            const char *metric);
const char *pawl_case_change_name(enum pawl_case_change change); /* "broken", ... */

/*
 * The "comparison" section of the results file, and back. Keys come in a
 * fixed order; the seed is a decimal string (64 bits do not survive JSON
 * readers that hold numbers as doubles); NaN is written as null. Cases are
 * written as id lists per change (broken, fixed, flaky, still_failing,
 * errored); passing cases are not listed, so from_json() gives back only
 * the listed cases, grouped by change, with line 0 and the pass shares the
 * change implies (NaN for flaky and errored). pawl_results_read() puts them
 * back in candidate order with the candidate's lines and pass shares.
 * Errors name JSON pointers under "/comparison", as the results reader does.
 */
json_t *pawl_comparison_to_json(const struct pawl_comparison *c);
int pawl_comparison_from_json(struct pawl_comparison *out, const json_t *doc, const char *source,
                              struct pawl_error *err);

#endif
