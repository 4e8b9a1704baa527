/*
 * gate.h - from scores to a verdict.
 *
 * Computes the run's metrics (the mean of every scorer, pass_rate,
 * error_rate, latency percentiles, cost and token totals) and evaluates
 * the config's gate rules against them. Without rules, the gate is
 * `pass_rate >= 1`: every case must pass, which is what a test suite
 * means to most people.
 *
 * Means are over cases: each case's trials are averaged first, so a case
 * run five times weighs as much as a case run once. Intervals are Wilson
 * score intervals for pass/fail metrics and normal intervals otherwise, at
 * gate.confidence.
 */
#ifndef PAWL_GATE_H
#define PAWL_GATE_H

#include "pawl/config.h"
#include "pawl/error.h"
#include "pawl/results.h"

/*
 * Judge agreement (agreement.h): for every scorer with human labels in the
 * cases' metadata, the metrics agreement.<scorer>.n, .excluded (when any
 * labelled case was left out), and .accuracy and .kappa (boolean and
 * category labels) or .mae and .spearman (numeric labels), after all the
 * others. A judge_agreement rule (config.h) FAILs when fewer than `min_n`
 * labelled cases were paired (default PAWL_AGREEMENT_MIN_N), when its
 * statistic is undefined (kappa with one category on both sides, Spearman
 * with no spread) or beyond its bound; it is an ERROR when the statistic does
 * not fit the labels (kappa or accuracy on numeric labels, MAE or Spearman on
 * boolean or category ones). In results files its kind is "min" or "max"
 * (the MAE), on metric agreement.<scorer>.<stat>.
 */
#define PAWL_AGREEMENT_MIN_N 10

/* Replaces r->metrics, r->rules and r->verdict. */
void pawl_gate_evaluate(struct pawl_results *r, const struct pawl_config *cfg);

/* Nearest-rank percentile (0 < p <= 100) of `n` values; sorts `values`. */
double pawl_percentile(double *values, size_t n, double p);

/* Two-sided normal quantile for `confidence` (0.95 -> 1.96). */
double pawl_z_for_confidence(double confidence);

#endif
