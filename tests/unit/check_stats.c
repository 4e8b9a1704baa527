/*
 * Statistics against numbers worked out independently of this code: by
 * hand, from closed forms, or with Python's standard library (math.comb,
 * fractions.Fraction, statistics.NormalDist, and a 30-line Python
 * re-implementation of the documented bootstrap). The formula behind each
 * expected value is in the comment next to it.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/stats.h"

/* ---- normal quantile ---- */

static const struct {
    double confidence, want;
} z_cases[] = {
    /* NormalDist().inv_cdf(1 - (1 - c) / 2) */
    {0.95, 1.959963984540054},
    {0.99, 2.5758293035489},
    {0.90, 1.6448536269514715},
    {0.50, 0.6744897501960817},
    /* clamped: below 0.5 counts as 0.5, 1 and above as 0.999999, NaN as 0.95 */
    {0.30, 0.6744897501960817},
    {-1.0, 0.6744897501960817},
    {1.00, 4.891638475698571},
    {7.00, 4.891638475698571},
    {NAN, 1.959963984540054},
};

START_TEST(test_z)
{
    double got = pawl_stats_z(z_cases[_i].confidence);

    ck_assert_double_eq_tol(got, z_cases[_i].want, 2e-8);
}
END_TEST

/* ---- random numbers ---- */

START_TEST(test_rng_seed_is_splitmix64)
{
    struct pawl_rng rng;

    /* splitmix64 from state 0: the published first outputs e220a839..., 6e789e6a... */
    pawl_rng_seed(&rng, 0);
    ck_assert_uint_eq(rng.s[0], UINT64_C(0xe220a8397b1dcdaf));
    ck_assert_uint_eq(rng.s[1], UINT64_C(0x6e789e6aa1b965f4));
    ck_assert_uint_eq(rng.s[2], UINT64_C(0x06c45d188009454f));
    ck_assert_uint_eq(rng.s[3], UINT64_C(0xf88bb8a8724c81ec));
}
END_TEST

START_TEST(test_rng_next_is_xoshiro256starstar)
{
    struct pawl_rng rng;

    /* rotl(s1 * 5, 7) * 9, then the xoshiro256 state update, in Python. */
    pawl_rng_seed(&rng, 0);
    ck_assert_uint_eq(pawl_rng_next(&rng), UINT64_C(0x99ec5f36cb75f2b4));
    ck_assert_uint_eq(pawl_rng_next(&rng), UINT64_C(0xbf6e1f784956452a));
    ck_assert_uint_eq(pawl_rng_next(&rng), UINT64_C(0x1a5f849d4933e6e0));
}
END_TEST

START_TEST(test_rng_uniform)
{
    struct pawl_rng rng;
    double u;
    int i;

    /* (next >> 11) * 2^-53 for the default seed */
    pawl_rng_seed(&rng, PAWL_STATS_SEED);
    ck_assert(pawl_rng_uniform(&rng) == 0.5041358744619137);
    ck_assert(pawl_rng_uniform(&rng) == 0.8526231934633159);
    for (i = 0; i < 100000; i++) {
        u = pawl_rng_uniform(&rng);
        ck_assert(u >= 0 && u < 1);
    }
}
END_TEST

START_TEST(test_rng_below_sequence)
{
    /* Lemire: (next >> 32) * n >> 32, rejecting low words below 2^32 mod n. */
    static const size_t want10[] = {0, 3, 6, 9, 9, 7, 7, 8, 7, 5};
    /* n = 2^31 + 1 rejects about half the draws, so this pins the rejection step. */
    static const size_t want_odd[] = {1460382105, 1635039033, 1465556378, 690226226,
                                      1884990772, 1324485327, 1828346282, 1520051807};
    struct pawl_rng rng;
    size_t i;

    pawl_rng_seed(&rng, 42);
    for (i = 0; i < sizeof(want10) / sizeof(*want10); i++)
        ck_assert_uint_eq(pawl_rng_below(&rng, 10), want10[i]);
    pawl_rng_seed(&rng, 42);
    for (i = 0; i < sizeof(want_odd) / sizeof(*want_odd); i++)
        ck_assert_uint_eq(pawl_rng_below(&rng, (size_t)UINT32_C(0x80000001)), want_odd[i]);
}
END_TEST

START_TEST(test_rng_below_edges_and_balance)
{
    struct pawl_rng rng;
    unsigned counts[3] = {0, 0, 0};
    double chi2 = 0;
    int i;

    pawl_rng_seed(&rng, 1);
    ck_assert_uint_eq(pawl_rng_below(&rng, 0), 0);
    ck_assert_uint_eq(pawl_rng_below(&rng, 1), 0);
    if (sizeof(size_t) > 4) {
        size_t big = (size_t)UINT64_C(0xc000000000000001);
        for (i = 0; i < 1000; i++)
            ck_assert_uint_lt(pawl_rng_below(&rng, big), big);
    }
    for (i = 0; i < 300000; i++)
        counts[pawl_rng_below(&rng, 3)]++;
    for (i = 0; i < 3; i++)
        chi2 += (counts[i] - 100000.0) * (counts[i] - 100000.0) / 100000.0;
    /* chi-square with 2 degrees of freedom: P(> 13.8) = 0.001 */
    ck_assert_msg(chi2 < 13.8, "counts %u %u %u", counts[0], counts[1], counts[2]);
}
END_TEST

/* ---- mean and sd ---- */

START_TEST(test_mean_sd)
{
    static const double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
    /* Large offset: a one-pass sum of squares would lose every digit here. */
    static const double y[] = {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
    double one = 3.5;

    ck_assert_double_eq(pawl_stats_mean(x, 8), 5);
    ck_assert_double_eq_tol(pawl_stats_sd(x, 8), sqrt(32.0 / 7), 1e-12); /* sum sq = 32, n-1 = 7 */
    ck_assert_double_eq(pawl_stats_mean(y, 4), 1e9 + 10);
    ck_assert_double_eq_tol(pawl_stats_sd(y, 4), sqrt(30.0), 1e-9); /* (36+9+9+36)/3 */
    ck_assert_double_eq(pawl_stats_mean(NULL, 0), 0);
    ck_assert_double_eq(pawl_stats_sd(NULL, 0), 0);
    ck_assert_double_eq(pawl_stats_mean(&one, 1), 3.5);
    ck_assert_double_eq(pawl_stats_sd(&one, 1), 0);
}
END_TEST

/* ---- McNemar ---- */

static const struct {
    unsigned broken, fixed;
    double want;
} mcnemar_cases[] = {
    /* 2 * sum_{x <= min} C(N, x) / 2^N, capped at 1 (exact fractions in Python) */
    {0, 0, 1},
    {1, 0, 1},      /* 2 * 1/2 */
    {5, 0, 0.0625}, /* 2 / 32 */
    {0, 5, 0.0625},
    {10, 2, 0.03857421875}, /* 2 * (1 + 12 + 66) / 4096 */
    {2, 10, 0.03857421875},
    {25, 15, 0.1538599441628321}, /* 2 * sum_{x<=15} C(40, x) / 2^40 */
    {7, 7, 1},
    {3, 4, 1}, /* 2 * (1+7+21+35)/128 = 1 */
    {100, 70, 0.02584438758134169},
};

START_TEST(test_mcnemar_p)
{
    double got = pawl_stats_mcnemar_p(mcnemar_cases[_i].broken, mcnemar_cases[_i].fixed);

    ck_assert_double_eq_tol(got, mcnemar_cases[_i].want, 1e-12);
}
END_TEST

START_TEST(test_mcnemar_p_large)
{
    /* N = 10^6: sum of exp(lgamma terms) over x in [491000, 499000] in Python;
       the normal approximation with continuity correction gives 0.04560835. */
    double got = pawl_stats_mcnemar_p(499000, 501000);

    ck_assert_double_eq_tol(got, 0.04560829983655024, 1e-8);
}
END_TEST

/* ---- Clopper-Pearson ---- */

static const struct {
    unsigned k, n;
    double confidence, lo, hi;
} cp_cases[] = {
    /* k = 0: hi = 1 - (alpha/2)^(1/n); k = n: lo = (alpha/2)^(1/n) */
    {0, 10, 0.95, 0, 0.30849710781876083},
    {10, 10, 0.95, 0.6915028921812392, 1},
    {1, 1, 0.95, 0.025, 1},
    /* otherwise: bisection on the exact binomial tails sum C(n,x) p^x (1-p)^(n-x) */
    {3, 10, 0.95, 0.0667395111777345, 0.6524528500599973},
    {2, 12, 0.95, 0.020862525460092388, 0.48413774868596715},
    {50, 100, 0.99, 0.36886143735892407, 0.6311385626410759},
    {7, 40, 0.90, 0.08513250458598165, 0.3037056670034147},
    /* degenerate: no trials says nothing */
    {0, 0, 0.95, 0, 1},
};

START_TEST(test_clopper_pearson)
{
    struct pawl_interval got =
        pawl_stats_clopper_pearson(cp_cases[_i].k, cp_cases[_i].n, cp_cases[_i].confidence);

    ck_assert_double_eq_tol(got.lo, cp_cases[_i].lo, 1e-10);
    ck_assert_double_eq_tol(got.hi, cp_cases[_i].hi, 1e-10);
}
END_TEST

START_TEST(test_clopper_pearson_large)
{
    struct pawl_interval got = pawl_stats_clopper_pearson(500000, 1000000, 0.95);
    /* Far inside the normal regime: 0.5 -+ 1.959964 * sqrt(0.25 / 10^6), to ~1e-6 */
    ck_assert_double_eq_tol(got.lo, 0.5 - 0.000979982, 2e-6);
    ck_assert_double_eq_tol(got.hi, 0.5 + 0.000979982, 2e-6);
    ck_assert(got.lo < got.hi);
}
END_TEST

static const struct {
    unsigned broken, fixed;
    size_t n;
    double confidence, lo, hi;
} mcnemar_interval_cases[] = {
    /* (2 * CP(fixed, broken + fixed) - 1) * (broken + fixed) / n, from the CP values above */
    {10, 2, 100, 0.95, -0.11499299388957784, -0.0038069403153678837},
    {2, 10, 100, 0.95, 0.0038069403153679106, 0.1149929938895778},
    {5, 0, 50, 0.95, -0.1, 0.004364750020996277}, /* hi = (2(1 - 0.025^(1/5)) - 1) / 10 */
    {30, 20, 200, 0.90, -0.1084347045420737, 0.013059874434827812},
    /* CP(0, 1) = [0, 0.975] */
    {1, 0, 1, 0.95, -1, 0.95},
    /* no discordant pairs, or no pairs at all */
    {0, 0, 100, 0.95, 0, 0},
    {3, 1, 0, 0.95, 0, 0},
    /* n below the discordant count is raised to it: 2 * CP(1, 4) - 1 */
    {3, 1, 2, 0.95, -0.9873810735805802, 0.6117591006335132},
};

START_TEST(test_mcnemar_interval)
{
    struct pawl_interval got = pawl_stats_mcnemar_interval(
        mcnemar_interval_cases[_i].broken, mcnemar_interval_cases[_i].fixed,
        mcnemar_interval_cases[_i].n, mcnemar_interval_cases[_i].confidence);

    ck_assert_double_eq_tol(got.lo, mcnemar_interval_cases[_i].lo, 1e-10);
    ck_assert_double_eq_tol(got.hi, mcnemar_interval_cases[_i].hi, 1e-10);
}
END_TEST

/*
 * The Clopper-Pearson interval inverts the two one-sided exact tests at
 * alpha/2, so it excludes "no change" exactly when the doubled-tail
 * McNemar p is below alpha: the interval and the p-value never disagree.
 */
START_TEST(test_mcnemar_interval_agrees_with_p)
{
    unsigned b, c;

    for (b = 0; b <= 40; b++) {
        for (c = 0; c <= 40; c++) {
            struct pawl_interval ci = pawl_stats_mcnemar_interval(b, c, 100, 0.95);
            double p = pawl_stats_mcnemar_p(b, c);
            int excludes = ci.hi < 0 || ci.lo > 0;

            ck_assert_msg(excludes == (p < 0.05), "b=%u c=%u p=%g ci=[%g, %g]", b, c, p, ci.lo,
                          ci.hi);
        }
    }
}
END_TEST

/* ---- pass@k, pass^k ---- */

static const struct {
    unsigned n, c, k;
    double at, hat;
} passk_cases[] = {
    /* n = 5, c = 2: pass@k = 1 - C(3,k)/C(5,k), pass^k = C(2,k)/C(5,k) */
    {5, 2, 1, 0.4, 0.4},
    {5, 2, 2, 0.7, 0.1}, /* 1 - 3/10, 1/10 */
    {5, 2, 3, 0.9, 0},   /* 1 - 1/10 */
    {5, 2, 4, 1, 0},
    {5, 2, 5, 1, 0},
    /* math.comb in Python */
    {1000, 500, 10, 0.9990668121978155, 0.0009331878021844999},
    {1000, 990, 100, 1, 0.34692771479200596},
    /* edges: k = 0, k > n, c > n, n = 0 */
    {5, 2, 0, 0, 1},
    {5, 2, 9, 1, 0},
    {5, 5, 9, 1, 1},
    {5, 0, 3, 0, 0},
    {5, 7, 2, 1, 1},
    {0, 0, 1, 0, 0},
};

START_TEST(test_pass_k)
{
    double at = pawl_stats_pass_at_k(passk_cases[_i].n, passk_cases[_i].c, passk_cases[_i].k);
    double hat = pawl_stats_pass_hat_k(passk_cases[_i].n, passk_cases[_i].c, passk_cases[_i].k);

    ck_assert_double_eq_tol(at, passk_cases[_i].at, 1e-12);
    ck_assert_double_eq_tol(hat, passk_cases[_i].hat, 1e-12);
}
END_TEST

/* ---- MDE and pairs to decide ---- */

static const struct {
    double sd;
    size_t n;
    double confidence, want;
} mde_cases[] = {
    /* (z_(1+c)/2 + z_0.8) * sd / sqrt(n) with NormalDist quantiles */
    {0.5, 100, 0.95, 0.1400792609056484},   /* (1.959964 + 0.841621) * 0.05 */
    {0.3, 400, 0.99, 0.051261758056827214}, /* (2.575829 + 0.841621) * 0.015 */
    {-0.5, 100, 0.95, 0.1400792609056484},
    {0, 100, 0.95, 0},
    {0.5, 0, 0.95, 0},
    {INFINITY, 10, 0.95, 0},
};

START_TEST(test_mde)
{
    double got = pawl_stats_mde(mde_cases[_i].sd, mde_cases[_i].n, mde_cases[_i].confidence);

    ck_assert_double_eq_tol(got, mde_cases[_i].want, 1e-8);
}
END_TEST

static const struct {
    double mean, lo, hi;
    size_t n;
    double max_drop;
    size_t want;
} decide_cases[] = {
    /* above the margin: ceil(n * ((mean - lo) / (mean + max_drop))^2) */
    {-0.01, -0.05, 0.03, 100, 0.02, 1600},   /* 100 * (0.04 / 0.01)^2, exactly at the bound */
    {0.0, -0.03, 0.03, 200, 0.02, 450},      /* 200 * 1.5^2 */
    {0.005, -0.045, 0.055, 250, 0.01, 2778}, /* 250 * (0.05 / 0.015)^2 = 2777.8 */
    /* below the margin: floor(n * ((hi - mean) / -mean)^2) + 1, strict because hi < 0 */
    {-0.05, -0.11, 0.01, 100, 0.02, 145},  /* 100 * 1.2^2 = 144 gives hi = 0: one more */
    {-0.04, -0.09, 0.007, 300, 0.01, 415}, /* 300 * (0.047 / 0.04)^2 = 414.19 */
    /* undecidable or degenerate */
    {-0.02, -0.05, 0.01, 100, 0.02, 0}, /* mean exactly at the margin */
    {0.01, -0.05, 0.07, 0, 0.02, 0},    /* no pairs */
    {NAN, -0.05, 0.07, 100, 0.02, 0},
    /* already decided */
    {0.01, -0.01, 0.03, 100, 0.02, 100},
    {-0.05, -0.08, -0.01, 100, 0.02, 100},
    /* absurd widths saturate */
    {1e-300, -1e300, 1, 100, 0, SIZE_MAX},
};

START_TEST(test_pairs_to_decide)
{
    struct pawl_interval ci = {decide_cases[_i].lo, decide_cases[_i].hi};
    size_t got = pawl_stats_pairs_to_decide(decide_cases[_i].mean, ci, decide_cases[_i].n,
                                            decide_cases[_i].max_drop);

    ck_assert_uint_eq(got, decide_cases[_i].want);
}
END_TEST

/* ---- verdict ---- */

static const struct {
    double mean, lo, hi, max_drop;
    enum pawl_stats_decision want;
} verdict_cases[] = {
    {0.01, -0.01, 0.03, 0.02, PAWL_STATS_PASS},
    {-0.01, -0.02, 0.00, 0.02, PAWL_STATS_PASS}, /* lo exactly at -max_drop */
    {-0.01, -0.05, 0.03, 0.02, PAWL_STATS_INCONCLUSIVE},
    {-0.05, -0.08, -0.01, 0.02, PAWL_STATS_REGRESSION},
    {-0.05, -0.08, 0.00, 0.02, PAWL_STATS_INCONCLUSIVE},     /* hi must be below 0 */
    {-0.015, -0.025, -0.005, 0.02, PAWL_STATS_INCONCLUSIVE}, /* significant, within the margin */
    {-0.02, -0.03, -0.01, 0.02, PAWL_STATS_INCONCLUSIVE},    /* mean must exceed the margin */
    {-0.015, -0.025, -0.005, 0, PAWL_STATS_REGRESSION},      /* no margin: any significant drop */
    {0, 0, 0, 0, PAWL_STATS_PASS},
    {NAN, NAN, NAN, 0.02, PAWL_STATS_INCONCLUSIVE},
};

START_TEST(test_verdict)
{
    struct pawl_interval ci = {verdict_cases[_i].lo, verdict_cases[_i].hi};

    ck_assert_int_eq(pawl_stats_verdict(verdict_cases[_i].mean, ci, verdict_cases[_i].max_drop),
                     verdict_cases[_i].want);
}
END_TEST

/* ---- bootstrap ---- */

/*
 * 40 made-up paired differences (multiples of 1/8 plus an irregular
 * ((37 i) mod 23 - 11) / 997) so that resample means rarely tie and the
 * quantile rank shows; mean -0.0033256018054162477.
 */
static const double sample40[40] = {
    0.23896690070210633,
    -0.49699097291875627,
    -0.006018054162487462,
    1.00802407221665,
    -1.0010030090270812,
    0.4899699097291876,
    0.004012036108324975,
    -0.0050150451354062184,
    -0.2409729187562688,
    0.75,
    -0.009027081243731194,
    -0.49498495486459376,
    0.24598796389167502,
    0.010030090270812437,
    1.0010030090270812,
    -0.00802407221664995,
    -0.7439819458375125,
    -0.003009027081243731,
    0.5110330992978936,
    0.0020060180541624875,
    -0.007021063189568706,
    0.2570210631895687,
    -0.2520060180541625,
    -0.011033099297893681,
    0.003009027081243731,
    -1.0060180541624875,
    0.5080240722166499,
    -0.0010030090270812437,
    -0.010030090270812437,
    0.12901203610832498,
    -0.1300150451354062,
    0.009027081243731194,
    0.0,
    0.3659729187562688,
    -0.49498495486459376,
    -0.004012036108324975,
    0.010030090270812437,
    0.2510030090270812,
    -0.00802407221664995,
    -0.9939819458375125,
};

static const struct {
    double confidence;
    unsigned resamples;
    uint64_t seed;
    double lo, hi;
} boot_ref_cases[] = {
    /* A separate Python implementation of the documented procedure (splitmix64 seed,
       xoshiro256**, Lemire draws, left-to-right sums, sorted means[k] and means[B-1-k]). */
    {0.95, 10000, PAWL_STATS_SEED, -0x1.2b42669afc8f2p-3,
     0x1.12a2964311831p-3},                                       /* -0.146123, 0.134099 */
    {0.99, 2000, 7, -0x1.6c14bf3e1649bp-3, 0x1.66dcb84224df4p-3}, /* -0.177774, 0.175226 */
    {0.90, 1000, 1, -0x1.e1785293cc07ap-4, 0x1.dd66738bf0980p-4}, /* -0.117546, 0.116553 */
};

START_TEST(test_bootstrap_reference)
{
    struct pawl_interval got =
        pawl_stats_bootstrap_mean(sample40, 40, boot_ref_cases[_i].confidence,
                                  boot_ref_cases[_i].resamples, boot_ref_cases[_i].seed);

    ck_assert_msg(got.lo == boot_ref_cases[_i].lo, "lo %a", got.lo);
    ck_assert_msg(got.hi == boot_ref_cases[_i].hi, "hi %a", got.hi);
    ck_assert(got.lo < -0.0033256018054162477 && -0.0033256018054162477 < got.hi);
}
END_TEST

static const struct {
    unsigned resamples;
    double confidence;
    size_t want;
} rank_cases[] = {
    /* floor(B (1 - c) / 2), at most (B - 1) / 2 */
    {10000, 0.95, 250}, {2000, 0.99, 10}, {1000, 0.90, 50}, {10000, 0.999999, 0}, {10000, 1.0, 0},
    {100, 0.30, 25},    {10, 0.5, 2},     {3, 0.5, 0},      {1, 0.95, 0},         {0, 0.95, 0},
};

START_TEST(test_bootstrap_rank)
{
    ck_assert_uint_eq(
        pawl_stats_bootstrap_rank(rank_cases[_i].resamples, rank_cases[_i].confidence),
        rank_cases[_i].want);
}
END_TEST

START_TEST(test_bootstrap_degenerate)
{
    double tenth[3] = {0.1, 0.1, 0.1}, minus[50], one = 0.75;
    struct pawl_interval got;
    int i;

    for (i = 0; i < 50; i++)
        minus[i] = -1;
    /* 0.1 + 0.1 + 0.1 = 0.30000000000000004; / 3 is not 0.1: the bounds must still be. */
    got = pawl_stats_bootstrap_mean(tenth, 3, 0.95, 1000, PAWL_STATS_SEED);
    ck_assert(got.lo == 0.1 && got.hi == 0.1);
    got = pawl_stats_bootstrap_mean(minus, 50, 0.99, 0, 3);
    ck_assert(got.lo == -1 && got.hi == -1);
    got = pawl_stats_bootstrap_mean(&one, 1, 0.95, 100, 3);
    ck_assert(got.lo == 0.75 && got.hi == 0.75);
    got = pawl_stats_bootstrap_mean(NULL, 0, 0.95, 100, 3);
    ck_assert(got.lo == 0 && got.hi == 0);
}
END_TEST

/*
 * With 0/1 differences the resample sum is Binomial(n, p-hat): for 10 ones
 * in 40, the 2.5% and 97.5% quantiles of Binomial(40, 0.25) are 5 and 16
 * (math.comb in Python), so the bounds sit at 5/40 and 16/40 give or take
 * one step of the resampling noise.
 */
START_TEST(test_bootstrap_binomial)
{
    double d[40];
    struct pawl_interval got;
    int i;

    for (i = 0; i < 40; i++)
        d[i] = i % 4 == 0;
    got = pawl_stats_bootstrap_mean(d, 40, 0.95, 10000, PAWL_STATS_SEED);
    ck_assert_double_le(fabs(got.lo * 40 - 5), 1);
    ck_assert_double_le(fabs(got.hi * 40 - 16), 1);
}
END_TEST

/* 400 evenly spaced values in [-1, 1] plus an irregular term, so bounds differ by seed. */
static void symmetric400(double *d)
{
    int i;

    for (i = 0; i < 400; i++)
        d[i] = (i - 199.5) / 199.5 + 1e-3 * sin(i * 1.7);
}

START_TEST(test_bootstrap_reproducible)
{
    double d[400];
    struct pawl_interval a, b, c;

    symmetric400(d);
    a = pawl_stats_bootstrap_mean(d, 400, 0.95, 2000, 11);
    b = pawl_stats_bootstrap_mean(d, 400, 0.95, 2000, 11);
    c = pawl_stats_bootstrap_mean(d, 400, 0.95, 2000, 12);
    ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
    ck_assert(a.lo != c.lo && a.hi != c.hi);
}
END_TEST

/* Normal theory: width 2 * z * sd / sqrt(n); the bootstrap must agree within 10%. */
START_TEST(test_bootstrap_width)
{
    double d[400], mean, sd, want, width;
    struct pawl_interval got;

    symmetric400(d);
    mean = pawl_stats_mean(d, 400);
    sd = pawl_stats_sd(d, 400);
    /* sd of 400 evenly spaced points on [-1, 1] is about 1/sqrt(3) */
    ck_assert_double_eq_tol(sd, 0.5788, 2e-3);
    want = 2 * 1.959964 * sd / 20;
    got = pawl_stats_bootstrap_mean(d, 400, 0.95, PAWL_STATS_RESAMPLES, PAWL_STATS_SEED);
    width = got.hi - got.lo;
    ck_assert_msg(fabs(width - want) <= 0.1 * want, "width %g, normal theory %g", width, want);
    ck_assert(got.lo < mean && mean < got.hi);
}
END_TEST

START_TEST(test_bootstrap_confidence_clamped)
{
    struct pawl_interval a, b;

    a = pawl_stats_bootstrap_mean(sample40, 40, 1.5, 2000, 5);
    b = pawl_stats_bootstrap_mean(sample40, 40, 0.999999, 2000, 5);
    ck_assert(a.lo == b.lo && a.hi == b.hi);
    a = pawl_stats_bootstrap_mean(sample40, 40, 0.2, 2000, 5);
    b = pawl_stats_bootstrap_mean(sample40, 40, 0.5, 2000, 5);
    ck_assert(a.lo == b.lo && a.hi == b.hi);
    ck_assert(a.lo < a.hi);
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("stats");

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
    tcase_add_loop_test(tc, test_z, 0, N(z_cases));
    tcase_add_test(tc, test_rng_seed_is_splitmix64);
    tcase_add_test(tc, test_rng_next_is_xoshiro256starstar);
    tcase_add_test(tc, test_rng_uniform);
    tcase_add_test(tc, test_rng_below_sequence);
    tcase_add_test(tc, test_rng_below_edges_and_balance);
    tcase_add_test(tc, test_mean_sd);
    tcase_add_loop_test(tc, test_mcnemar_p, 0, N(mcnemar_cases));
    tcase_add_test(tc, test_mcnemar_p_large);
    tcase_add_loop_test(tc, test_clopper_pearson, 0, N(cp_cases));
    tcase_add_test(tc, test_clopper_pearson_large);
    tcase_add_loop_test(tc, test_mcnemar_interval, 0, N(mcnemar_interval_cases));
    tcase_add_test(tc, test_mcnemar_interval_agrees_with_p);
    tcase_add_loop_test(tc, test_pass_k, 0, N(passk_cases));
    tcase_add_loop_test(tc, test_mde, 0, N(mde_cases));
    tcase_add_loop_test(tc, test_pairs_to_decide, 0, N(decide_cases));
    tcase_add_loop_test(tc, test_verdict, 0, N(verdict_cases));
    tcase_add_loop_test(tc, test_bootstrap_reference, 0, N(boot_ref_cases));
    tcase_add_loop_test(tc, test_bootstrap_rank, 0, N(rank_cases));
    tcase_add_test(tc, test_bootstrap_degenerate);
    tcase_add_test(tc, test_bootstrap_binomial);
    tcase_add_test(tc, test_bootstrap_reproducible);
    tcase_add_test(tc, test_bootstrap_width);
    tcase_add_test(tc, test_bootstrap_confidence_clamped);
#undef N
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(stats_suite());
}
