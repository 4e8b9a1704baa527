/*
 * How often the gate cries wolf, and how often it catches a real drop.
 *
 * Each scenario runs 200 seeded repetitions of a comparison of 200 cases
 * at confidence 0.95 and decides it the way the comparison module does:
 * one BOOLEAN trial per case -> exact McNemar interval on the discordant
 * pairs; K > 1 trials -> per-case trial means, paired bootstrap (2,000
 * resamples here instead of the product's 10,000, to keep the test fast;
 * the bounds move by a few thousandths at most). The verdict is the
 * `max_drop` rule with margin 0.02, and also 0.
 *
 * The measured rates are printed to stderr; docs/statistics.md quotes
 * them. The asserted bounds are the acceptance criteria, and for the
 * scenarios that have none, what the analytic power in the docs predicts.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"
#include "pawl/stats.h"

#define REPS 200
#define CASES 200
#define CONFIDENCE 0.95
#define SIM_RESAMPLES 2000u

/*
 * Heterogeneous cases: 70% near-certain (p = 0.95), 30% hard (p = 0.2).
 * A drop flips a share q of the easy cases to 0.2 in the candidate, with
 * q = 0.1 / (0.7 * 0.75) so that the expected pass rate falls by 10 points.
 */
#define EASY_SHARE 0.7
#define EASY_P 0.95
#define HARD_P 0.2
#define FLIP_SHARE (0.1 / (EASY_SHARE * (EASY_P - HARD_P)))

static const struct scenario {
    const char *name;
    unsigned trials;
    int heterogeneous;
    double base_p, cand_p; /* homogeneous scenarios */
    int flip;              /* heterogeneous scenarios: apply the drop */
    int max_regressions;   /* assert at most this many of REPS, -1 = no bound */
    int min_regressions;   /* assert at least this many, -1 = no bound */
} scenarios[] = {
    /* (a) and (b): no change; a false alarm rate of at most 5% */
    {"null, 1 trial, p=0.7", 1, 0, 0.7, 0.7, 0, REPS / 20, -1},
    {"null, 3 trials, p=0.7", 3, 0, 0.7, 0.7, 0, REPS / 20, -1},
    /* (c): a 10-point drop with 3 trials is caught at least 80% of the time */
    {"drop 0.7->0.6, 3 trials", 3, 0, 0.7, 0.6, 0, -1, REPS * 8 / 10},
    /* (d): exact power 0.782 (docs): between 65% and 90% */
    {"drop 10 pts, 1 trial, heterogeneous", 1, 1, 0, 0, 1, REPS * 9 / 10, REPS * 65 / 100},
    /* (e): exact power 0.513: one trial of 200 cases cannot reach 80% */
    {"drop 0.7->0.6, 1 trial", 1, 0, 0.7, 0.6, 0, REPS * 7 / 10, REPS * 35 / 100},
    /* no change on heterogeneous cases: at most 5% false alarms too */
    {"null, 1 trial, heterogeneous", 1, 1, 0, 0, 0, REPS / 20, -1},
    {"null, 3 trials, heterogeneous", 3, 1, 0, 0, 0, REPS / 20, -1},
};

struct tally {
    int verdicts[2][3]; /* [margin 0.02, margin 0][decision] */
};

static void decide(struct tally *t, double mean, struct pawl_interval ci)
{
    t->verdicts[0][pawl_stats_verdict(mean, ci, 0.02)]++;
    t->verdicts[1][pawl_stats_verdict(mean, ci, 0)]++;
}

/* One repetition: draw the cases and their trials, then compare. */
static void run_once(struct tally *t, const struct scenario *sc, uint64_t seed, double *d)
{
    struct pawl_rng rng;
    unsigned broken = 0, fixed = 0, k;
    size_t i;

    pawl_rng_seed(&rng, seed);
    for (i = 0; i < CASES; i++) {
        double pb = sc->base_p, pc = sc->cand_p;
        unsigned base_pass = 0, cand_pass = 0;

        if (sc->heterogeneous) {
            pb = pc = pawl_rng_uniform(&rng) < EASY_SHARE ? EASY_P : HARD_P;
            if (sc->flip && pb == EASY_P && pawl_rng_uniform(&rng) < FLIP_SHARE)
                pc = HARD_P;
        }
        for (k = 0; k < sc->trials; k++) {
            base_pass += pawl_rng_uniform(&rng) < pb;
            cand_pass += pawl_rng_uniform(&rng) < pc;
        }
        d[i] = ((double)cand_pass - (double)base_pass) / sc->trials;
        broken += base_pass == 1 && cand_pass == 0;
        fixed += base_pass == 0 && cand_pass == 1;
    }
    if (sc->trials == 1) {
        double mean = ((double)fixed - (double)broken) / CASES;
        decide(t, mean, pawl_stats_mcnemar_interval(broken, fixed, CASES, CONFIDENCE));
    } else {
        decide(t, pawl_stats_mean(d, CASES),
               pawl_stats_bootstrap_mean(d, CASES, CONFIDENCE, SIM_RESAMPLES, PAWL_STATS_SEED));
    }
}

START_TEST(test_scenario)
{
    const struct scenario *sc = &scenarios[_i];
    struct tally t = {{{0}}};
    double d[CASES];
    int rep, regressions;

    for (rep = 0; rep < REPS; rep++)
        run_once(&t, sc, UINT64_C(0x51a7000000) + (uint64_t)_i * 1000 + (uint64_t)rep, d);

    fprintf(stderr,
            "stats_sim: %-38s max_drop 0.02: regression %5.1f%% pass %5.1f%% inconclusive %5.1f%%"
            " | max_drop 0: regression %5.1f%% pass %5.1f%% inconclusive %5.1f%%\n",
            sc->name, 100.0 * t.verdicts[0][PAWL_STATS_REGRESSION] / REPS,
            100.0 * t.verdicts[0][PAWL_STATS_PASS] / REPS,
            100.0 * t.verdicts[0][PAWL_STATS_INCONCLUSIVE] / REPS,
            100.0 * t.verdicts[1][PAWL_STATS_REGRESSION] / REPS,
            100.0 * t.verdicts[1][PAWL_STATS_PASS] / REPS,
            100.0 * t.verdicts[1][PAWL_STATS_INCONCLUSIVE] / REPS);

    /* A margin can only turn regressions into inconclusive verdicts. */
    ck_assert_int_le(t.verdicts[0][PAWL_STATS_REGRESSION], t.verdicts[1][PAWL_STATS_REGRESSION]);
    regressions = t.verdicts[0][PAWL_STATS_REGRESSION];
    if (sc->max_regressions >= 0) {
        ck_assert_int_le(regressions, sc->max_regressions);
        /* the false-alarm bound must hold without a margin as well */
        if (sc->min_regressions < 0)
            ck_assert_int_le(t.verdicts[1][PAWL_STATS_REGRESSION], sc->max_regressions);
    }
    if (sc->min_regressions >= 0)
        ck_assert_int_ge(regressions, sc->min_regressions);
}
END_TEST

static Suite *stats_sim_suite(void)
{
    Suite *s = suite_create("stats_sim");
    TCase *tc = tcase_create("simulation");

    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_scenario, 0, (int)(sizeof(scenarios) / sizeof(scenarios[0])));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(stats_sim_suite());
}
