/*
 * agreement.h - how well a scorer (an LLM judge, usually) agrees with human
 * labels (docs/statistics.md, "Judge agreement").
 *
 * A case carries a human label for scorer NAME as `metadata.labels.NAME`
 * (or, from a CSV column `metadata.labels.NAME`, the flat key
 * `metadata["labels.NAME"]`): a boolean, a number or a category string.
 * Strings "true"/"false" (any case) count as booleans and strings that are
 * a whole number as numbers, so CSV datasets work; null and "" mean no
 * label. The first labelled case (in results order) fixes the scorer's
 * label family; labels of another family are left out and counted:
 *
 *   boolean   - against the score's `passed` (after `not`);
 *   category  - against the score's category (a categorical judge), case
 *               folded like the judge's own reading (ASCII);
 *   numeric   - against the score's value as recorded (a judge's score is
 *               normalised to 0..1: label on that scale).
 *
 * One pair per case: over the case's trials whose score did not error, the
 * majority (booleans, categories; a tie goes to the value of the earliest
 * tied trial) or the mean (numbers). A labelled case with no such trial, or
 * whose scores cannot be compared with its label (a category label on a
 * score without categories), is left out and counted in `excluded`.
 *
 * Everything here is pure: no I/O, no global state. Undefined statistics
 * are NaN (written as null in the results file) and have no interval.
 */
#ifndef PAWL_AGREEMENT_H
#define PAWL_AGREEMENT_H

#include <stddef.h>

#include "pawl/results.h"

/* One statistic: `value` NaN when undefined; [lo, hi] only when has_ci. */
struct pawl_agreement_value {
    double value;
    int has_ci;
    double lo, hi;
};

/*
 * Accuracy: `agree` of `n` pairs equal, with the Wilson score interval at
 * `confidence`. n == 0: NaN, no interval.
 */
struct pawl_agreement_value pawl_agreement_accuracy(size_t agree, size_t n, double confidence);

/*
 * Cohen's kappa of a k x k table of counts (row-major; rows the scorer's
 * category, columns the label's, the same category order on both sides):
 * (p_o - p_e) / (1 - p_e), with the interval kappa +- z * SE from the
 * large-sample variance of Fleiss, Cohen and Everitt (1969), clipped to
 * [-1, 1]. Undefined (NaN, no interval) when the table is empty or p_e = 1
 * (both sides used one and the same category for every pair).
 */
struct pawl_agreement_value pawl_agreement_kappa(const size_t *table, size_t k, double confidence);

/*
 * Mean absolute error of judge[i] against label[i], with the normal
 * interval mean +- z * sd / sqrt(n) (sd with n - 1), its lower end at
 * least 0. n == 0: NaN; n == 1: no interval.
 */
struct pawl_agreement_value pawl_agreement_mae(const double *judge, const double *label, size_t n,
                                               double confidence);

/*
 * Spearman's rank correlation: Pearson's correlation of the average ranks
 * (ties share the mean of their positions). Interval through Fisher's z,
 * tanh(atanh(r) +- z * 1.06 / sqrt(n - 3)) (Fieller, Hartley and Pearson
 * 1957), for n >= 4 only; r = +-1 gives [r, r]. Undefined (NaN) when n < 2
 * or either side has all values equal.
 */
struct pawl_agreement_value pawl_agreement_spearman(const double *judge, const double *label,
                                                    size_t n, double confidence);

/* The average ranks (1-based) of x[0..n) into out[0..n). */
void pawl_agreement_ranks(double *out, const double *x, size_t n);

/* ---- a run's agreement, per scorer ------------------------------------- */

struct pawl_agreement {
    const char *scorer; /* borrowed from the results' scorer_names */
    int numeric;        /* numeric labels: mae and spearman; else accuracy and kappa */
    size_t n;           /* labelled cases paired */
    size_t excluded;    /* labelled cases left out (see above) */
    struct pawl_agreement_value accuracy, kappa, mae, spearman;
};

/*
 * One entry per scorer of `r` with at least one labelled case, in scorer
 * order. Returns how many; *out is a new array the caller frees (NULL when
 * there are none).
 */
size_t pawl_agreement_compute(struct pawl_agreement **out, const struct pawl_results *r,
                              double confidence);

/* ---- reading it back from a run's metrics ------------------------------- */

/*
 * The metrics pawl_gate_evaluate() writes: agreement.<scorer>.n,
 * .excluded (only when > 0), and .accuracy and .kappa, or .mae and
 * .spearman. Metric `mean` is the statistic (n: the count), `n` the pairs.
 */
#define PAWL_AGREEMENT_PREFIX "agreement."

/* Whether `name` is one of those metrics. */
int pawl_agreement_is_metric(const char *name);

/* What a run's metrics say about one scorer; the pointers are into the results, NULL when
 * absent. */
struct pawl_agreement_view {
    char *scorer; /* owned */
    const struct pawl_metric *n, *excluded, *accuracy, *kappa, *mae, *spearman;
};

/* One view per scorer with an agreement.<scorer>.n metric, in metric order. Returns how
 * many; free with pawl_agreement_views_free(). */
size_t pawl_agreement_views(struct pawl_agreement_view **out, const struct pawl_results *r);
void pawl_agreement_views_free(struct pawl_agreement_view *v, size_t n);

#endif
