/*
 * stats.h - the statistics behind the baseline comparison (DESIGN.md 4).
 *
 * Everything here is deterministic: the bootstrap draws from a seeded
 * xoshiro256** generator, so the same inputs and seed give the same
 * interval, bit for bit, on every machine.
 */
#ifndef PAWL_STATS_H
#define PAWL_STATS_H

#include <stddef.h>
#include <stdint.h>

/* The seed pawl uses unless told otherwise ("pawl" in ASCII). */
#define PAWL_STATS_SEED UINT64_C(0x7061776c)
/* Bootstrap resamples: enough for stable 95-99% percentile bounds. */
#define PAWL_STATS_RESAMPLES 10000u

/*
 * Every function taking a `confidence` clamps it into [MIN, MAX] (NaN
 * counts as 0.95): below one half an interval means nothing, and at 1
 * the quantiles are infinite.
 */
#define PAWL_STATS_CONFIDENCE_MIN 0.5
#define PAWL_STATS_CONFIDENCE_MAX 0.999999

struct pawl_rng {
    uint64_t s[4];
};

void pawl_rng_seed(struct pawl_rng *rng, uint64_t seed); /* splitmix64 expansion */
uint64_t pawl_rng_next(struct pawl_rng *rng);
double pawl_rng_uniform(struct pawl_rng *rng);           /* [0, 1), 53 random bits */
size_t pawl_rng_below(struct pawl_rng *rng, size_t n);   /* uniform in [0, n), unbiased; n > 0 */

struct pawl_interval {
    double lo, hi;
};

/* Arithmetic mean and sample standard deviation (n - 1); sd is 0 for n < 2. */
double pawl_stats_mean(const double *x, size_t n);
double pawl_stats_sd(const double *x, size_t n);

/*
 * Percentile bootstrap interval for the mean of the paired differences
 * d[0..n): `resamples` resamples of n drawn with replacement, bounds at the
 * (1-c)/2 and (1+c)/2 quantiles. n == 0 gives [0, 0].
 *
 * Exactly: the generator is seeded with pawl_rng_seed(seed); resample b
 * (b = 0, 1, ...) draws its n indices in order with pawl_rng_below(n) and
 * its mean is the left-to-right sum of the drawn values divided by n. The
 * B means are sorted ascending (0-based) and the bounds are means[k] and
 * means[B-1-k] with k = pawl_stats_bootstrap_rank(B, confidence), i.e.
 * floor(B (1-c)/2): for B = 10000 at 0.95, the 251st smallest and the
 * 251st largest. `resamples` 0 means PAWL_STATS_RESAMPLES. When all d are
 * equal the interval is [d, d] exactly, without resampling. One buffer of
 * B doubles is allocated (abort on OOM, like pawl_xmalloc).
 */
struct pawl_interval pawl_stats_bootstrap_mean(const double *d, size_t n, double confidence,
                                               unsigned resamples, uint64_t seed);

/* k = floor(B (1 - confidence) / 2), at most (B - 1) / 2; 0 when B is 0. */
size_t pawl_stats_bootstrap_rank(unsigned resamples, double confidence);

/*
 * Exact McNemar test on the discordant pairs of a paired binary outcome:
 * `broken` = passed in the baseline and failed now, `fixed` = the reverse.
 * Returns the two-sided p-value (1 when both are 0).
 */
double pawl_stats_mcnemar_p(unsigned broken, unsigned fixed);

/*
 * Exact interval for the paired difference in pass rates (candidate minus
 * baseline) over `n` pairs with the given discordant counts: the
 * Clopper-Pearson interval for fixed/(broken+fixed), mapped to
 * (2p - 1) * (broken + fixed) / n. It is conditional on the number of
 * discordant pairs: with none (or n == 0) it is [0, 0]. An n smaller than
 * broken + fixed is raised to it.
 */
struct pawl_interval pawl_stats_mcnemar_interval(unsigned broken, unsigned fixed, size_t n,
                                                 double confidence);

/*
 * Clopper-Pearson interval for k successes in n trials: the alpha/2
 * quantile of Beta(k, n-k+1) and the 1-alpha/2 quantile of Beta(k+1, n-k),
 * found by bisection on the regularized incomplete beta function. k == 0
 * gives lo = 0, k == n gives hi = 1, n == 0 gives [0, 1]; k > n counts as n.
 */
struct pawl_interval pawl_stats_clopper_pearson(unsigned k, unsigned n, double confidence);

/*
 * pass@k: chance that at least one of k trials drawn without replacement
 * from n (c of them passing) passes: 1 - C(n-c, k) / C(n, k).
 * pass^k: chance that all k pass: C(c, k) / C(n, k). Both need k <= n.
 * Outside the domain: k > n counts as k = n, c > n as c = n, n == 0 gives
 * 0 for both; k == 0 gives pass@0 = 0 and pass^0 = 1. Computed as
 * products of ratios, so n in the thousands neither overflows nor loses
 * precision.
 */
double pawl_stats_pass_at_k(unsigned n, unsigned c, unsigned k);
double pawl_stats_pass_hat_k(unsigned n, unsigned c, unsigned k);

/*
 * Minimum detectable effect of a paired comparison of n pairs whose
 * differences have standard deviation sd, at two-sided `confidence` and
 * 80% power: (z_(1+c)/2 + z_0.8) * sd / sqrt(n), z_0.8 = 0.841621.
 * n == 0 (or a non-finite sd) gives 0: there is nothing to measure, and
 * the caller already reports n = 0.
 */
double pawl_stats_mde(double sd, size_t n, double confidence);

/*
 * For an INCONCLUSIVE comparison (interval [lo, hi] around `mean` from n
 * pairs, margin `max_drop`): the number of pairs at which an interval of
 * the same shape, shrinking as 1/sqrt(n), would decide it (lower bound
 * >= -max_drop when mean > -max_drop, upper bound < 0 when mean < -max_drop).
 * Returns 0 when more data cannot decide it (mean exactly at the margin),
 * for n == 0 and for non-finite inputs; n when [lo, hi] is already decided;
 * SIZE_MAX when the count would not fit.
 */
size_t pawl_stats_pairs_to_decide(double mean, struct pawl_interval ci, size_t n,
                                  double max_drop);

/*
 * The verdict of a `max_drop` rule with margin `max_drop` (>= 0) on the
 * mean paired difference and its interval (DESIGN.md 4.4):
 * PASS when ci.lo >= -max_drop; REGRESSION when ci.hi < 0 and
 * mean < -max_drop; INCONCLUSIVE otherwise, including NaN inputs.
 */
enum pawl_stats_decision { PAWL_STATS_PASS, PAWL_STATS_REGRESSION, PAWL_STATS_INCONCLUSIVE };
enum pawl_stats_decision pawl_stats_verdict(double mean, struct pawl_interval ci, double max_drop);

/* Two-sided normal quantile: 0.95 -> 1.959964 (Acklam, |error| < 1.2e-9). */
double pawl_stats_z(double confidence);

#endif
