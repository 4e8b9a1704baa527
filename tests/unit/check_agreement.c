/*
 * Unit tests for src/agreement.c and the judge_agreement rule (config and
 * gate) and its report lines. The statistics are checked against
 * tests/data/agreement/worked.json, whose expected numbers come from
 * tests/data/agreement/reference.py (an independent implementation; the
 * integration test re-runs it over the file).
 */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "pawl/agreement.h"
#include "pawl/config.h"
#include "pawl/gate.h"
#include "pawl/report.h"
#include "results_fixture.h"

#define DATA PAWL_TEST_DATA "/agreement"
#define TOL 1e-9

/* Filled by main() before the runner forks. */
static json_t *worked;
static char **invalid_cases;
static size_t n_invalid_cases;

static double num_or_nan(const json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Asserts `got` matches the expected value and interval (JSON null: undefined / none). */
static void assert_value(const char *what, struct pawl_agreement_value got, const json_t *value,
                         const json_t *ci)
{
    double want = num_or_nan(value);

    if (isnan(want))
        ck_assert_msg(isnan(got.value), "%s: got %.17g, want undefined", what, got.value);
    else
        ck_assert_msg(fabs(got.value - want) <= TOL, "%s: got %.17g, want %.17g", what, got.value,
                      want);
    ck_assert_msg(got.has_ci == json_is_array(ci), "%s: has_ci %d", what, got.has_ci);
    if (got.has_ci) {
        double lo = num_or_nan(json_array_get(ci, 0)), hi = num_or_nan(json_array_get(ci, 1));
        ck_assert_msg(fabs(got.lo - lo) <= TOL && fabs(got.hi - hi) <= TOL,
                      "%s: interval [%.17g, %.17g], want [%.17g, %.17g]", what, got.lo, got.hi, lo,
                      hi);
    }
}

static const json_t *worked_entry(const char *section, int i)
{
    const json_t *e = json_array_get(json_object_get(worked, section), (size_t)i);

    ck_assert_msg(e != NULL, "no %s[%d] in worked.json", section, i);
    return e;
}

static size_t worked_count(const char *section)
{
    return json_array_size(json_object_get(worked, section));
}

/* ---- the statistics against worked examples ------------------------------ */

START_TEST(test_worked_counts)
{
    /* The loops below run over the file: make sure it was read and holds the examples. */
    ck_assert_uint_ge(worked_count("kappa"), 10);
    ck_assert_uint_ge(worked_count("accuracy"), 5);
    ck_assert_uint_ge(worked_count("numeric"), 8);
    ck_assert_uint_ge(worked_count("ranks"), 3);
}
END_TEST

START_TEST(test_kappa)
{
    const json_t *e = worked_entry("kappa", _i), *table = json_object_get(e, "table");
    size_t k = json_array_size(table), i, j, cells[64];

    ck_assert_uint_le(k * k, 64);
    for (i = 0; i < k; i++)
        for (j = 0; j < k; j++)
            cells[i * k + j] =
                (size_t)json_integer_value(json_array_get(json_array_get(table, i), j));
    assert_value(json_string_value(json_object_get(e, "name")),
                 pawl_agreement_kappa(cells, k, 0.95), json_object_get(e, "kappa"),
                 json_object_get(e, "ci"));
}
END_TEST

START_TEST(test_kappa_worked_2x2)
{
    /* The brief's example, by hand: p_o = 35/50 = 0.70, p_e = 0.5*0.6 + 0.5*0.4 = 0.50. */
    static const size_t t[] = {20, 5, 10, 15};
    struct pawl_agreement_value v = pawl_agreement_kappa(t, 2, 0.95);

    ck_assert_double_eq_tol(v.value, 0.4, 1e-12);
    ck_assert(v.lo < 0.4 && v.hi > 0.4);
}
END_TEST

START_TEST(test_accuracy)
{
    const json_t *e = worked_entry("accuracy", _i);

    assert_value(json_string_value(json_object_get(e, "name")),
                 pawl_agreement_accuracy((size_t)json_integer_value(json_object_get(e, "agree")),
                                         (size_t)json_integer_value(json_object_get(e, "n")), 0.95),
                 json_object_get(e, "value"), json_object_get(e, "ci"));
}
END_TEST

static double *doubles(const json_t *arr)
{
    size_t i, n = json_array_size(arr);
    double *v = pawl_xcalloc(n + 1, sizeof(*v));

    for (i = 0; i < n; i++)
        v[i] = json_number_value(json_array_get(arr, i));
    return v;
}

START_TEST(test_numeric)
{
    const json_t *e = worked_entry("numeric", _i);
    const char *name = json_string_value(json_object_get(e, "name"));
    double *judge = doubles(json_object_get(e, "judge")),
           *label = doubles(json_object_get(e, "label"));
    size_t n = json_array_size(json_object_get(e, "judge"));
    char what[160];

    snprintf(what, sizeof(what), "%s: mae", name);
    assert_value(what, pawl_agreement_mae(judge, label, n, 0.95), json_object_get(e, "mae"),
                 json_object_get(e, "mae_ci"));
    snprintf(what, sizeof(what), "%s: spearman", name);
    assert_value(what, pawl_agreement_spearman(judge, label, n, 0.95),
                 json_object_get(e, "spearman"), json_object_get(e, "spearman_ci"));
    free(judge);
    free(label);
}
END_TEST

START_TEST(test_ranks)
{
    const json_t *e = worked_entry("ranks", _i);
    double *x = doubles(json_object_get(e, "x")), *want = doubles(json_object_get(e, "ranks"));
    size_t n = json_array_size(json_object_get(e, "x")), i;
    double *got = pawl_xcalloc(n + 1, sizeof(*got));

    pawl_agreement_ranks(got, x, n);
    for (i = 0; i < n; i++)
        ck_assert_double_eq_tol(got[i], want[i], 1e-12);
    free(x);
    free(want);
    free(got);
}
END_TEST

START_TEST(test_confidence_widens)
{
    static const size_t t[] = {20, 5, 10, 15};
    struct pawl_agreement_value a = pawl_agreement_kappa(t, 2, 0.90);
    struct pawl_agreement_value b = pawl_agreement_kappa(t, 2, 0.99);

    ck_assert(b.hi - b.lo > a.hi - a.lo);
}
END_TEST

/* ---- pairing scores with labels ------------------------------------------ */

/* Gives trial t of case c a score of scorer 0: BOOLEAN `passed`, or CATEGORICAL `cat`, or
 * NUMERIC `value` when value >= 0; errored when passed < 0. */
static void score(struct pawl_results *r, size_t c, size_t t, int passed, const char *cat,
                  double value)
{
    struct pawl_score *s;

    fx_output(r, c, t, "out", 10);
    s = &fx_trial(r, c, t)->scores[0];
    if (passed < 0) {
        s->errored = 1;
        s->passed = 0;
        return;
    }
    s->passed = passed;
    s->value = passed;
    if (cat) {
        s->type = PAWL_SCORE_CATEGORICAL;
        s->category = pawl_xstrdup(cat);
    } else if (value >= 0) {
        s->type = PAWL_SCORE_NUMERIC;
        s->value = value;
    }
}

static void label(struct pawl_results *r, size_t c, const char *json)
{
    json_error_t e;

    r->cases[c].metadata = json_loads(json, JSON_DECODE_ANY, &e);
    ck_assert_msg(r->cases[c].metadata != NULL, "bad JSON %s: %s", json, e.text);
}

START_TEST(test_pair_boolean_majority)
{
    static const char *const scorers[] = {"j", "other"};
    struct pawl_results r;
    struct pawl_agreement *a;
    size_t c, n;

    fx_init(&r, "s", scorers, 2);
    /* c0: trials pass, fail, pass -> pass; label true: agree */
    c = fx_case(&r, "c0", 1, 3);
    score(&r, c, 0, 1, NULL, -1), score(&r, c, 1, 0, NULL, -1), score(&r, c, 2, 1, NULL, -1);
    label(&r, c, "{\"labels\": {\"j\": true}}");
    /* c1: fail, pass: a tie, the first trial wins -> fail; label true: disagree */
    c = fx_case(&r, "c1", 2, 2);
    score(&r, c, 0, 0, NULL, -1), score(&r, c, 1, 1, NULL, -1);
    label(&r, c, "{\"labels\": {\"j\": true}}");
    /* c2: errored, errored, fail -> fail (errored trials left out); label "FALSE": agree */
    c = fx_case(&r, "c2", 3, 3);
    score(&r, c, 0, -1, NULL, -1), score(&r, c, 1, -1, NULL, -1), score(&r, c, 2, 0, NULL, -1);
    label(&r, c, "{\"labels\": {\"j\": \"FALSE\"}}");
    /* c3: the call failed: left out and counted */
    c = fx_case(&r, "c3", 4, 1);
    fx_error(&r, c, 0, "HTTP 503");
    label(&r, c, "{\"labels\": {\"j\": false}}");
    /* c4: a CSV-style flat key */
    c = fx_case(&r, "c4", 5, 1);
    score(&r, c, 0, 0, NULL, -1);
    label(&r, c, "{\"labels.j\": \"false\"}");
    /* c5: a category label among boolean ones: left out; c6: null and "" are no label */
    c = fx_case(&r, "c5", 6, 1);
    score(&r, c, 0, 1, NULL, -1);
    label(&r, c, "{\"labels\": {\"j\": \"good\"}}");
    c = fx_case(&r, "c6", 7, 1);
    score(&r, c, 0, 1, NULL, -1);
    label(&r, c, "{\"labels\": {\"j\": null, \"other\": \"\"}}");

    n = pawl_agreement_compute(&a, &r, 0.95);
    ck_assert_uint_eq(n, 1); /* `other` has no label */
    ck_assert_str_eq(a[0].scorer, "j");
    ck_assert_int_eq(a[0].numeric, 0);
    ck_assert_uint_eq(a[0].n, 4);
    ck_assert_uint_eq(a[0].excluded, 2);
    /* pairs (judge, label): (T,T) (F,T) (F,F) (F,F): p_o = 3/4, p_e = 1/4*2/4 + 3/4*2/4 = 1/2 */
    ck_assert_double_eq_tol(a[0].accuracy.value, 0.75, 1e-12);
    ck_assert_double_eq_tol(a[0].kappa.value, 0.5, 1e-12);
    ck_assert(isnan(a[0].mae.value) && isnan(a[0].spearman.value));
    free(a);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_pair_categories)
{
    static const char *const scorers[] = {"verdict"};
    struct pawl_results r;
    struct pawl_agreement *a;
    size_t c;

    fx_init(&r, "s", scorers, 1);
    c = fx_case(&r, "c0", 1, 1);
    score(&r, c, 0, 1, "ok", -1);
    label(&r, c, "{\"labels\": {\"verdict\": \"OK\"}}"); /* case folded */
    c = fx_case(&r, "c1", 2, 3);
    score(&r, c, 0, 0, "hallucination", -1), score(&r, c, 1, 0, "refusal", -1);
    score(&r, c, 2, 0, "refusal", -1);
    label(&r, c, "{\"labels\": {\"verdict\": \"refusal\"}}");
    c = fx_case(&r, "c2", 3, 1);
    score(&r, c, 0, 1, "ok", -1);
    label(&r, c, "{\"labels\": {\"verdict\": \"hallucination\"}}");
    c = fx_case(&r, "c3", 4, 1);
    score(&r, c, 0, 0, NULL, -1); /* no category to compare */
    label(&r, c, "{\"labels\": {\"verdict\": \"ok\"}}");
    c = fx_case(&r, "c4", 5, 1);
    score(&r, c, 0, 0, "hallucination", -1);
    label(&r, c, "{\"labels\": {\"verdict\": \"hallucination\"}}");

    ck_assert_uint_eq(pawl_agreement_compute(&a, &r, 0.95), 1);
    ck_assert_uint_eq(a[0].n, 4);
    ck_assert_uint_eq(a[0].excluded, 1);
    /* pairs (ok, ok), (refusal, refusal), (ok, hallucination), (hallucination, hallucination):
     * judge margins ok 2, refusal 1, hallucination 1; label margins 1, 1, 2; p_o = 3/4,
     * p_e = (2 + 1 + 2)/16 = 5/16, kappa = (12/16 - 5/16)/(11/16) = 7/11 */
    ck_assert_double_eq_tol(a[0].accuracy.value, 0.75, 1e-12);
    ck_assert_double_eq_tol(a[0].kappa.value, 7.0 / 11.0, 1e-12);
    free(a);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_pair_numbers)
{
    static const char *const scorers[] = {"q"};
    struct pawl_results r;
    struct pawl_agreement *a;
    size_t c;

    fx_init(&r, "s", scorers, 1);
    c = fx_case(&r, "c0", 1, 2); /* mean of 0.2 and 0.6 = 0.4 against 0.5 */
    score(&r, c, 0, 0, NULL, 0.2), score(&r, c, 1, 1, NULL, 0.6);
    label(&r, c, "{\"labels\": {\"q\": 0.5}}");
    c = fx_case(&r, "c1", 2, 2); /* one errored trial: 0.9 against "1" (a CSV number) */
    score(&r, c, 0, -1, NULL, -1), score(&r, c, 1, 1, NULL, 0.9);
    label(&r, c, "{\"labels\": {\"q\": \"1\"}}");
    c = fx_case(&r, "c2", 3, 1);
    score(&r, c, 0, 0, NULL, 0.1);
    label(&r, c, "{\"labels\": {\"q\": 0}}");
    c = fx_case(&r, "c3", 4, 1); /* a boolean among numbers: left out */
    score(&r, c, 0, 0, NULL, 0.1);
    label(&r, c, "{\"labels\": {\"q\": true}}");

    ck_assert_uint_eq(pawl_agreement_compute(&a, &r, 0.95), 1);
    ck_assert_int_eq(a[0].numeric, 1);
    ck_assert_uint_eq(a[0].n, 3);
    ck_assert_uint_eq(a[0].excluded, 1);
    ck_assert_double_eq_tol(a[0].mae.value, (0.1 + 0.1 + 0.1) / 3, 1e-12);
    ck_assert_double_eq_tol(a[0].spearman.value, 1, 1e-12);
    ck_assert_int_eq(a[0].spearman.has_ci, 0); /* n < 4 */
    ck_assert(isnan(a[0].kappa.value) && isnan(a[0].accuracy.value));
    free(a);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_no_labels)
{
    static const char *const scorers[] = {"q"};
    struct pawl_results r;
    struct pawl_agreement *a = (struct pawl_agreement *)&r;
    size_t c;

    fx_init(&r, "s", scorers, 1);
    c = fx_case(&r, "c0", 1, 1);
    score(&r, c, 0, 1, NULL, -1);
    label(&r, c, "{\"labels\": \"not a mapping\", \"labels.x\": true}");
    ck_assert_uint_eq(pawl_agreement_compute(&a, &r, 0.95), 0);
    ck_assert_ptr_null(a);
    pawl_results_release(&r);
}
END_TEST

/* ---- config ---------------------------------------------------------------- */

START_TEST(test_invalid_config)
{
    const char *name = invalid_cases[_i];
    char *dir = pawl_xasprintf("%s/invalid/%s", DATA, name);
    char *want, *nl;
    struct pawl_config cfg;
    struct pawl_error err;

    ck_assert_msg(chdir(dir) == 0, "cannot enter %s", dir);
    want = pawl_test_read_file("expected");
    if ((nl = strchr(want, '\n')) != NULL)
        *nl = '\0';
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_config_load(&cfg, "pawl.yaml", &err), &err, PAWL_ECONFIG, want);
    free(want);
    free(dir);
}
END_TEST

START_TEST(test_invalid_config_count)
{
    ck_assert_uint_ge(n_invalid_cases, 15);
}
END_TEST

static char *scratch_root;

static void write_config(const char *dir, const char *rules)
{
    char *text = pawl_xasprintf("version: 1\n"
                                "dataset: {path: cases.jsonl}\n"
                                "task: {provider: outputs}\n"
                                "scorers:\n"
                                "  - {name: j, type: equals, value: x}\n"
                                "  - {name: q, type: levenshtein, value: x}\n"
                                "gate:\n"
                                "  rules:\n%s",
                                rules);
    pawl_test_write_at(dir, "pawl.yaml", text);
    free(text);
}

START_TEST(test_valid_config)
{
    char *dir = pawl_test_scratch_dir(scratch_root, "valid");
    char *path = pawl_test_tmp_path(dir, "pawl.yaml");
    struct pawl_config cfg;
    struct pawl_error err;

    write_config(dir, "    - {judge_agreement: j, min_kappa: 0.6}\n"
                      "    - {judge_agreement: j, min_accuracy: 0.9, min_n: 30}\n"
                      "    - {judge_agreement: q, min_spearman: -0.5}\n"
                      "    - {judge_agreement: q, max_mae: 0.25}\n");
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_config_load(&cfg, path, &err), &err);
    ck_assert_uint_eq(cfg.gate.n_rules, 4);
    ck_assert_int_eq(cfg.gate.rules[0].kind, PAWL_RULE_JUDGE_AGREEMENT);
    ck_assert_str_eq(cfg.gate.rules[0].metric, "agreement.j.kappa");
    ck_assert_double_eq(cfg.gate.rules[0].value, 0.6);
    ck_assert_str_eq(cfg.gate.rules[1].metric, "agreement.j.accuracy");
    ck_assert_str_eq(cfg.gate.rules[2].metric, "agreement.q.spearman");
    ck_assert_double_eq(cfg.gate.rules[2].value, -0.5);
    ck_assert_str_eq(cfg.gate.rules[3].metric, "agreement.q.mae");
    ck_assert_int_eq(cfg.gate.rules[3].line, 12);
    pawl_config_release(&cfg);
    free(path);
    free(dir);
}
END_TEST

/* ---- the gate rule ---------------------------------------------------------- */

/*
 * A run of scorer j (boolean) and q (numeric) over `n` single-trial cases: case i
 * passes j when judge[i] is '1'; its label of j is label[i] ('1' true, '0' false, '-'
 * none); q scores i/n against the label i/n + (i % 2) / 10.
 */
static void agreement_run(struct pawl_results *r, const char *judge, const char *label_of)
{
    static const char *const scorers[] = {"j", "q"};
    size_t i, n = strlen(judge);

    fx_init(r, "s", scorers, 2);
    for (i = 0; i < n; i++) {
        char id[32], meta[128];
        size_t c;
        snprintf(id, sizeof(id), "c%zu", i);
        c = fx_case(r, id, (int)i + 1, 1);
        fx_output(r, c, 0, "out", 10);
        fx_trial(r, c, 0)->scores[0].passed = judge[i] == '1';
        fx_trial(r, c, 0)->scores[0].value = judge[i] == '1';
        fx_trial(r, c, 0)->scores[1].type = PAWL_SCORE_NUMERIC;
        fx_trial(r, c, 0)->scores[1].value = (double)i / (double)n;
        if (label_of[i] == '-')
            snprintf(meta, sizeof(meta), "{\"labels\": {\"q\": %.17g}}",
                     (double)i / (double)n + (double)(i % 2) / 10);
        else
            snprintf(meta, sizeof(meta), "{\"labels\": {\"j\": %s, \"q\": %.17g}}",
                     label_of[i] == '1' ? "true" : "false",
                     (double)i / (double)n + (double)(i % 2) / 10);
        label(r, c, meta);
    }
}

static const struct {
    const char *rule;
    const char *judge, *labels;
    enum pawl_rule_status status;
    const char *text, *message;
} gate_cases[] = {
    /* 20, 5, 10, 15 as judge/label: kappa 0.40 with p_o 0.70 */
    {"{judge_agreement: j, min_kappa: 0.6}", "11111111111111111111111110000000000000000000000000",
     "11111111111111111111000001111111111000000000000000", PAWL_RULE_FAIL,
     "judge_agreement j: kappa >= 0.60",
     "judge 'j' agrees with human labels at kappa 0.40 [0.15, 0.65] (n=50), below the minimum "
     "0.60"},
    {"{judge_agreement: j, min_kappa: 0.35}", "11111111111111111111111110000000000000000000000000",
     "11111111111111111111000001111111111000000000000000", PAWL_RULE_PASS,
     "judge_agreement j: kappa >= 0.35",
     "judge 'j' agrees with human labels at kappa 0.40 [0.15, 0.65] (n=50), at or above the "
     "minimum 0.35"},
    {"{judge_agreement: j, min_accuracy: 0.625}",
     "11111111111111111111111110000000000000000000000000",
     "11111111111111111111000001111111111000000000000000", PAWL_RULE_PASS,
     "judge_agreement j: accuracy >= 0.625",
     "judge 'j' agrees with human labels at accuracy 0.70 [0.56, 0.81] (n=50), at or above the "
     "minimum 0.625"},
    {"{judge_agreement: j, min_kappa: 0.6}", "1111100000", "11111-----", PAWL_RULE_FAIL,
     "judge_agreement j: kappa >= 0.60",
     "judge 'j' has human labels on 5 cases, fewer than the 10 needed (min_n)"},
    {"{judge_agreement: j, min_kappa: 0.6, min_n: 3}", "1111100000", "11111-----", PAWL_RULE_FAIL,
     "judge_agreement j: kappa >= 0.60",
     "judge 'j' has no kappa: the judge and the labels put all 5 cases in one category, so "
     "agreement beyond chance cannot be measured (label cases of other categories)"},
    {"{judge_agreement: j, min_kappa: 0.5, min_n: 4}", "1100", "1100", PAWL_RULE_PASS,
     "judge_agreement j: kappa >= 0.50",
     "judge 'j' agrees with human labels at kappa 1.00 [1.00, 1.00] (n=4), at or above the "
     "minimum 0.50"},
    {"{judge_agreement: j, max_mae: 0.1, min_n: 1}", "1100", "1100", PAWL_RULE_ERROR,
     "judge_agreement j: mae <= 0.10",
     "judge 'j' has boolean or category labels: mae needs numeric labels (use min_kappa or "
     "min_accuracy)"},
    {"{judge_agreement: q, min_kappa: 0.1, min_n: 1}", "1100", "1100", PAWL_RULE_ERROR,
     "judge_agreement q: kappa >= 0.10",
     "judge 'q' has numeric labels: kappa needs boolean or category labels (use min_spearman or "
     "max_mae)"},
    {"{judge_agreement: q, max_mae: 0.04, min_n: 4}", "1100", "1100", PAWL_RULE_FAIL,
     "judge_agreement q: mae <= 0.04",
     "judge 'q' agrees with human labels at mae 0.05 [0.00, 0.11] (n=4), above the maximum "
     "0.04"},
    {"{judge_agreement: q, min_spearman: 0.9, min_n: 4}", "1100", "1100", PAWL_RULE_PASS,
     "judge_agreement q: spearman >= 0.90",
     "judge 'q' agrees with human labels at spearman 1.00 [1.00, 1.00] (n=4), at or above the "
     "minimum 0.90"},
    {"{judge_agreement: q, min_spearman: 0.995, min_n: 4}", "1111100000", "1111100000",
     PAWL_RULE_FAIL, "judge_agreement q: spearman >= 0.995",
     "judge 'q' agrees with human labels at spearman 0.99 [0.96, 1.00] (n=10), below the minimum "
     "0.995"},
};

START_TEST(test_gate_rule)
{
    char *dir = pawl_test_scratch_dir(scratch_root, "gate");
    char *path = pawl_test_tmp_path(dir, "pawl.yaml");
    char *rules = pawl_xasprintf("    - %s\n", gate_cases[_i].rule);
    struct pawl_config cfg;
    struct pawl_results r;
    struct pawl_error err;
    const struct pawl_rule_result *rr;

    write_config(dir, rules);
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_config_load(&cfg, path, &err), &err);
    agreement_run(&r, gate_cases[_i].judge, gate_cases[_i].labels);
    pawl_gate_evaluate(&r, &cfg);
    ck_assert_uint_eq(r.n_rules, 1);
    rr = &r.rules[0];
    ck_assert_str_eq(rr->rule, gate_cases[_i].text);
    ck_assert_str_eq(rr->message, gate_cases[_i].message);
    ck_assert_str_eq(rr->kind, strstr(rr->rule, "mae") ? "max" : "min");
    ck_assert_int_eq(rr->status, gate_cases[_i].status);
    ck_assert_str_eq(r.verdict, rr->status == PAWL_RULE_PASS ? "pass" : "fail");
    pawl_results_release(&r);
    pawl_config_release(&cfg);
    free(rules);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_gate_metrics)
{
    struct pawl_config cfg;
    struct pawl_results r;
    const struct pawl_metric *m;
    struct pawl_agreement_view *v;

    memset(&cfg, 0, sizeof(cfg));
    cfg.gate.confidence = 0.95;
    agreement_run(&r, "11111111111111111111111110000000000000000000000000",
                  "11111111111111111111000001111111111000000000000000");
    pawl_gate_evaluate(&r, &cfg);
    m = pawl_results_metric(&r, "agreement.j.kappa");
    ck_assert_ptr_nonnull(m);
    ck_assert_double_eq_tol(m->mean, 0.4, 1e-12);
    ck_assert_uint_eq(m->n, 50);
    ck_assert_int_eq(m->has_ci, 1);
    m = pawl_results_metric(&r, "agreement.j.n");
    ck_assert_double_eq(m->mean, 50);
    ck_assert_ptr_nonnull(pawl_results_metric(&r, "agreement.j.accuracy"));
    ck_assert_ptr_null(pawl_results_metric(&r, "agreement.j.mae"));
    ck_assert_ptr_null(pawl_results_metric(&r, "agreement.j.excluded"));
    ck_assert_ptr_nonnull(pawl_results_metric(&r, "agreement.q.mae"));
    ck_assert_ptr_nonnull(pawl_results_metric(&r, "agreement.q.spearman"));
    ck_assert_ptr_null(pawl_results_metric(&r, "agreement.q.kappa"));
    /* The agreement metrics come after the others, in scorer order. */
    ck_assert_str_eq(r.metrics[r.n_metrics - 6].name, "agreement.j.n");
    ck_assert_str_eq(r.metrics[r.n_metrics - 1].name, "agreement.q.spearman");
    ck_assert_uint_eq(pawl_agreement_views(&v, &r), 2);
    ck_assert_str_eq(v[0].scorer, "j");
    ck_assert_ptr_eq(v[0].kappa, pawl_results_metric(&r, "agreement.j.kappa"));
    ck_assert_ptr_null(v[0].mae);
    ck_assert_str_eq(v[1].scorer, "q");
    ck_assert_ptr_null(v[1].accuracy);
    pawl_agreement_views_free(v, 2);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_metric_names)
{
    ck_assert(pawl_agreement_is_metric("agreement.j.kappa"));
    ck_assert(pawl_agreement_is_metric("agreement.my.judge.n"));
    ck_assert(!pawl_agreement_is_metric("agreement.kappa"));
    ck_assert(!pawl_agreement_is_metric("agreement..kappa"));
    ck_assert(!pawl_agreement_is_metric("agreement.j.mean"));
    ck_assert(!pawl_agreement_is_metric("correct"));
    ck_assert(!pawl_agreement_is_metric(NULL));
}
END_TEST

/* ---- reports ------------------------------------------------------------------ */

START_TEST(test_reports)
{
    struct pawl_config cfg;
    struct pawl_results r;
    struct pawl_buf md = PAWL_BUF_INIT;
    char *term = NULL;
    size_t term_len = 0;
    FILE *fp;

    memset(&cfg, 0, sizeof(cfg));
    cfg.gate.confidence = 0.95;
    agreement_run(&r, "1111100000", "1111000001");
    fx_error(&r, 9, 0, "HTTP 503");
    pawl_gate_evaluate(&r, &cfg);
    ck_assert_int_eq(pawl_report_markdown_render(&md, &r), 0);
    ck_assert_ptr_nonnull(strstr(
        md.ptr, "### Judge agreement\n\n"
                "| judge | n | accuracy | kappa | MAE | Spearman |\n"
                "|:--|--:|--:|--:|--:|--:|\n"
                "| j | 9 (1 left out) | 0.889 [0.565, 0.980] | 0.780 [0.385, 1.000] | — | — |\n"
                "| q | 9 (1 left out) | — | — | 0.044 [0.010, 0.079] | 0.987 [0.933, 0.998] |\n"));
    ck_assert_ptr_null(strstr(md.ptr, "| agreement"));
    fp = open_memstream(&term, &term_len);
    pawl_report_terminal(fp, &r, 0);
    fclose(fp);
    ck_assert_ptr_nonnull(strstr(term,
                                 "  judge j vs human labels: n=9 (1 left out), accuracy 0.889 "
                                 "[0.565, 0.980], kappa 0.780 [0.385, 1.000]\n"));
    ck_assert_ptr_nonnull(strstr(term, "  judge q vs human labels: n=9 (1 left out), mae 0.044 "
                                       "[0.010, 0.079], spearman 0.987 [0.933, 0.998]\n"));
    ck_assert_ptr_null(strstr(term, "agreement."));
    free(term);
    pawl_buf_release(&md);
    pawl_results_release(&r);
}
END_TEST

/* ---- main ------------------------------------------------------------------------ */

static void scan_invalid(void)
{
    DIR *d = opendir(DATA "/invalid");
    struct dirent *e;
    size_t alloc = 0;

    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        PAWL_ALLOC_GROW(invalid_cases, n_invalid_cases + 1, alloc);
        invalid_cases[n_invalid_cases++] = pawl_xstrdup(e->d_name);
    }
    if (d)
        closedir(d);
}

int main(void)
{
    Suite *s = suite_create("agreement");
    TCase *tc;
    json_error_t jerr;
    size_t i;
    int rc;

    worked = json_load_file(DATA "/worked.json", 0, &jerr);
    scan_invalid();
    scratch_root = pawl_test_scratch_root("agreement");

    tc = tcase_create("statistics");
    tcase_add_test(tc, test_worked_counts);
    tcase_add_loop_test(tc, test_kappa, 0, (int)worked_count("kappa"));
    tcase_add_test(tc, test_kappa_worked_2x2);
    tcase_add_loop_test(tc, test_accuracy, 0, (int)worked_count("accuracy"));
    tcase_add_loop_test(tc, test_numeric, 0, (int)worked_count("numeric"));
    tcase_add_loop_test(tc, test_ranks, 0, (int)worked_count("ranks"));
    tcase_add_test(tc, test_confidence_widens);
    suite_add_tcase(s, tc);

    tc = tcase_create("pairing");
    tcase_add_test(tc, test_pair_boolean_majority);
    tcase_add_test(tc, test_pair_categories);
    tcase_add_test(tc, test_pair_numbers);
    tcase_add_test(tc, test_no_labels);
    suite_add_tcase(s, tc);

    tc = tcase_create("config");
    tcase_add_test(tc, test_invalid_config_count);
    tcase_add_loop_test(tc, test_invalid_config, 0, (int)n_invalid_cases);
    tcase_add_test(tc, test_valid_config);
    suite_add_tcase(s, tc);

    tc = tcase_create("gate");
    tcase_add_loop_test(tc, test_gate_rule, 0, (int)(sizeof(gate_cases) / sizeof(gate_cases[0])));
    tcase_add_test(tc, test_gate_metrics);
    tcase_add_test(tc, test_metric_names);
    tcase_add_test(tc, test_reports);
    suite_add_tcase(s, tc);

    rc = pawl_test_run(s);
    pawl_test_scratch_remove(&scratch_root);
    for (i = 0; i < n_invalid_cases; i++)
        free(invalid_cases[i]);
    free(invalid_cases);
    json_decref(worked);
    return rc;
}
