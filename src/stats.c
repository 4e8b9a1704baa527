#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/stats.h"

/* z_0.80: the one-sided normal quantile for 80% power. */
#define Z_POWER80 0.8416212335729143

/* Acklam's rational approximation of the normal quantile; |error| < 1.2e-9. */
static double norm_quantile(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    double q, r;

    if (p < 0.02425) {
        q = sqrt(-2 * log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - 0.02425)
        return -norm_quantile(1 - p);
    q = p - 0.5;
    r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/*
 * A gate below 50% confidence means nothing and 1 has an infinite
 * quantile, so the statistics work inside [0.5, 0.999999] (the config
 * already restricts gate.confidence to [0.5, 0.999]). NaN means "unset".
 */
static double clamp_confidence(double confidence)
{
    if (isnan(confidence))
        return 0.95;
    if (confidence < PAWL_STATS_CONFIDENCE_MIN)
        return PAWL_STATS_CONFIDENCE_MIN;
    if (confidence > PAWL_STATS_CONFIDENCE_MAX)
        return PAWL_STATS_CONFIDENCE_MAX;
    return confidence;
}

double pawl_stats_z(double confidence)
{
    return norm_quantile(1 - (1 - clamp_confidence(confidence)) / 2);
}

/* ---- random numbers: xoshiro256** (Blackman & Vigna), seeded by splitmix64 ---- */

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void pawl_rng_seed(struct pawl_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    int i;

    /* splitmix64 never yields four zero words in a row, so the state is valid. */
    for (i = 0; i < 4; i++) {
        uint64_t z = (x += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        rng->s[i] = z ^ (z >> 31);
    }
}

uint64_t pawl_rng_next(struct pawl_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double pawl_rng_uniform(struct pawl_rng *rng)
{
    return (double)(pawl_rng_next(rng) >> 11) * 0x1.0p-53;
}

/*
 * Below 2^32, Lemire's multiply-shift on the top 32 bits of a draw, with
 * his rejection step so that every value is equally likely; above, plain
 * modulo after rejecting the 2^64 mod n lowest draws.
 */
size_t pawl_rng_below(struct pawl_rng *rng, size_t n)
{
    uint64_t n64 = (uint64_t)n;

    if (n <= 1)
        return 0;
    if (n64 <= UINT32_MAX) {
        uint32_t bound = (uint32_t)n64;
        uint64_t m = (pawl_rng_next(rng) >> 32) * n64;
        uint32_t low = (uint32_t)m;

        if (low < bound) {
            uint32_t threshold = (uint32_t)(0u - bound) % bound;
            while (low < threshold) {
                m = (pawl_rng_next(rng) >> 32) * n64;
                low = (uint32_t)m;
            }
        }
        return (size_t)(m >> 32);
    } else {
        uint64_t threshold = (0 - n64) % n64;
        uint64_t r;

        do
            r = pawl_rng_next(rng);
        while (r < threshold);
        return (size_t)(r % n64);
    }
}

/* ---- descriptive ---- */

double pawl_stats_mean(const double *x, size_t n)
{
    double sum = 0;
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++)
        sum += x[i];
    return sum / (double)n;
}

/* Two passes: the textbook one-pass formula cancels badly for scores near 1. */
double pawl_stats_sd(const double *x, size_t n)
{
    double mean, ss = 0;
    size_t i;

    if (n < 2)
        return 0;
    mean = pawl_stats_mean(x, n);
    for (i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    return sqrt(ss / (double)(n - 1));
}

/* ---- bootstrap ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

size_t pawl_stats_bootstrap_rank(unsigned resamples, double confidence)
{
    double alpha = 1 - clamp_confidence(confidence);
    /* The tolerance keeps 0.025 * 10000 at 250 whatever the rounding of alpha. */
    size_t k = (size_t)floor(alpha / 2 * (double)resamples + 1e-9);

    if (resamples == 0)
        return 0;
    if (k > (resamples - 1) / 2)
        k = (resamples - 1) / 2;
    return k;
}

struct pawl_interval pawl_stats_bootstrap_mean(const double *d, size_t n, double confidence,
                                               unsigned resamples, uint64_t seed)
{
    struct pawl_interval out = {0, 0};
    struct pawl_rng rng;
    double *means = NULL, lo, hi;
    size_t i, k;
    unsigned b;

    if (n == 0)
        return out;
    lo = hi = d[0];
    for (i = 1; i < n; i++) {
        lo = d[i] < lo ? d[i] : lo;
        hi = d[i] > hi ? d[i] : hi;
    }
    /* Every resample is the same sample; summing it could round away from d. */
    if (lo == hi) {
        out.lo = out.hi = lo;
        return out;
    }
    if (resamples == 0)
        resamples = PAWL_STATS_RESAMPLES;

    means = pawl_xmalloc(resamples * sizeof(*means));
    pawl_rng_seed(&rng, seed);
    for (b = 0; b < resamples; b++) {
        double sum = 0;
        for (i = 0; i < n; i++)
            sum += d[pawl_rng_below(&rng, n)];
        means[b] = sum / (double)n;
    }
    qsort(means, resamples, sizeof(*means), cmp_double);
    k = pawl_stats_bootstrap_rank(resamples, confidence);
    out.lo = means[k];
    out.hi = means[resamples - 1 - k];
    free(means);
    return out;
}

/* ---- exact binomial machinery ---- */

/*
 * Two-sided exact McNemar: X ~ Binomial(b + c, 1/2) under "no change",
 * p = min(1, 2 P(X <= min(b, c))). The terms are summed relative to the
 * largest one, C(N, m), so that nothing overflows for N in the millions;
 * C(N, m) / 2^N itself comes from lgamma.
 */
double pawl_stats_mcnemar_p(unsigned broken, unsigned fixed)
{
    double big_n = (double)broken + (double)fixed;
    double m = broken < fixed ? broken : fixed;
    double log_top, term = 1, sum = 1, x, p;

    if (broken == fixed)
        return 1;
    log_top = lgamma(big_n + 1) - lgamma(m + 1) - lgamma(big_n - m + 1) - big_n * log(2.0);
    /* C(N, x-1) = C(N, x) * x / (N - x + 1): walk down from x = m. */
    for (x = m; x >= 1; x--) {
        term *= x / (big_n - x + 1);
        sum += term;
        if (term < sum * DBL_EPSILON)
            break;
    }
    p = 2 * exp(log_top + log(sum));
    return p < 1 ? p : 1;
}

/*
 * Regularized incomplete beta I_x(a, b) by the continued fraction of
 * DLMF 8.17.22, evaluated with the modified Lentz method:
 *   I_x(a,b) = x^a (1-x)^b / (a B(a,b)) * 1/(1+ d1/(1+ d2/(1+ ...)))
 *   d_2m   = m (b-m) x / ((a+2m-1)(a+2m)),
 *   d_2m+1 = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)).
 * It converges fast for x < (a+1)/(a+b+2); otherwise the symmetry
 * I_x(a,b) = 1 - I_{1-x}(b,a) is used. Iterations grow like sqrt(max(a,b)).
 */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1, dd, h, num;
    int m;

    dd = 1 - (a + b) * x / (a + 1);
    if (fabs(dd) < tiny)
        dd = tiny;
    dd = 1 / dd;
    h = dd;
    for (m = 1; m <= 1000000; m++) {
        double delta;

        num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
        dd = 1 + num * dd;
        dd = fabs(dd) < tiny ? tiny : dd;
        c = 1 + num / c;
        c = fabs(c) < tiny ? tiny : c;
        dd = 1 / dd;
        h *= dd * c;

        num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
        dd = 1 + num * dd;
        dd = fabs(dd) < tiny ? tiny : dd;
        c = 1 + num / c;
        c = fabs(c) < tiny ? tiny : c;
        dd = 1 / dd;
        delta = dd * c;
        h *= delta;
        if (fabs(delta - 1) < 1e-15)
            break;
    }
    return h;
}

static double inc_beta(double a, double b, double x)
{
    double front;

    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
    if (x < (a + 1) / (a + b + 2))
        return front * beta_cf(a, b, x) / a;
    return 1 - front * beta_cf(b, a, 1 - x) / b;
}

/*
 * The p at which I_p(a, b) = target, by bisection: I_p is increasing in
 * p, and 200 halvings pin p down to the last bit of a double (the loop
 * stops earlier when the midpoint no longer moves).
 */
static double inc_beta_inverse(double a, double b, double target)
{
    double lo = 0, hi = 1;
    int i;

    for (i = 0; i < 200; i++) {
        double mid = lo + (hi - lo) / 2;
        if (mid <= lo || mid >= hi)
            break;
        if (inc_beta(a, b, mid) < target)
            lo = mid;
        else
            hi = mid;
    }
    return lo + (hi - lo) / 2;
}

/*
 * P(X >= k | n, p) = I_p(k, n-k+1) and P(X <= k | n, p) = 1 - I_p(k+1, n-k):
 * the lower bound is where the first equals alpha/2, the upper where the
 * second does, i.e. the alpha/2 and 1-alpha/2 quantiles of
 * Beta(k, n-k+1) and Beta(k+1, n-k).
 */
struct pawl_interval pawl_stats_clopper_pearson(unsigned k, unsigned n, double confidence)
{
    struct pawl_interval out = {0, 1};
    double alpha = 1 - clamp_confidence(confidence);

    if (n == 0)
        return out;
    if (k > n)
        k = n;
    if (k > 0)
        out.lo = inc_beta_inverse(k, (double)n - k + 1, alpha / 2);
    if (k < n)
        out.hi = inc_beta_inverse((double)k + 1, (double)n - k, 1 - alpha / 2);
    return out;
}

struct pawl_interval pawl_stats_mcnemar_interval(unsigned broken, unsigned fixed, size_t n,
                                                 double confidence)
{
    struct pawl_interval out = {0, 0}, p;
    double discordant = (double)broken + (double)fixed;
    double scale;

    if (broken + (size_t)fixed == 0 || n == 0)
        return out;
    if ((double)n < discordant)
        n = broken + (size_t)fixed;
    scale = discordant / (double)n;
    p = pawl_stats_clopper_pearson(fixed, broken + fixed, confidence);
    out.lo = (2 * p.lo - 1) * scale;
    out.hi = (2 * p.hi - 1) * scale;
    return out;
}

/* ---- repeats ---- */

/* C(m, k) / C(n, k) as prod_{i<k} (m - i) / (n - i); 0 once m < k. */
static double comb_ratio(unsigned m, unsigned n, unsigned k)
{
    double r = 1;
    unsigned i;

    if (m < k)
        return 0;
    for (i = 0; i < k; i++)
        r *= (double)(m - i) / (double)(n - i);
    return r;
}

double pawl_stats_pass_at_k(unsigned n, unsigned c, unsigned k)
{
    if (n == 0)
        return 0;
    c = c > n ? n : c;
    k = k > n ? n : k;
    return 1 - comb_ratio(n - c, n, k);
}

double pawl_stats_pass_hat_k(unsigned n, unsigned c, unsigned k)
{
    if (n == 0)
        return 0;
    c = c > n ? n : c;
    k = k > n ? n : k;
    return comb_ratio(c, n, k);
}

/* ---- power ---- */

double pawl_stats_mde(double sd, size_t n, double confidence)
{
    if (n == 0 || !isfinite(sd))
        return 0;
    return (pawl_stats_z(confidence) + Z_POWER80) * fabs(sd) / sqrt((double)n);
}

/* A pair count as size_t, saturating instead of overflowing the cast. */
static size_t to_count(double x)
{
    if (!(x < 1e18))
        return SIZE_MAX;
    return (size_t)x;
}

/*
 * The half-widths scale as sqrt(n / n'): the lower bound reaches -max_drop
 * once n' >= n (w_lo / (mean + max_drop))^2 and the upper bound drops
 * below 0 once n' > n (w_hi / -mean)^2. The relative slack absorbs
 * rounding so that an exact boundary like 1600.0000000000002 stays 1600.
 */
size_t pawl_stats_pairs_to_decide(double mean, struct pawl_interval ci, size_t n, double max_drop)
{
    const double slack = 1e-9;
    double gap = mean + max_drop, width, x;

    if (n == 0 || !isfinite(mean) || !isfinite(ci.lo) || !isfinite(ci.hi) || !isfinite(max_drop) ||
        gap == 0)
        return 0;
    if (gap > 0) {
        width = mean - ci.lo;
        if (width <= gap)
            return n;
        x = (double)n * (width / gap) * (width / gap);
        return to_count(ceil(x * (1 - slack)));
    }
    if (mean >= 0)
        return 0;
    width = ci.hi - mean;
    if (width < -mean)
        return n;
    x = (double)n * (width / mean) * (width / mean);
    return to_count(floor(x * (1 + slack)) + 1);
}

enum pawl_stats_decision pawl_stats_verdict(double mean, struct pawl_interval ci, double max_drop)
{
    if (ci.lo >= -max_drop)
        return PAWL_STATS_PASS;
    if (ci.hi < 0 && mean < -max_drop)
        return PAWL_STATS_REGRESSION;
    return PAWL_STATS_INCONCLUSIVE;
}
