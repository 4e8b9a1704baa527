/*
 * The pure half of `pawl push` (src/langfuse_push_body.c): times, environments, ids
 * and names, the OTLP spans and ingestion events of a trial, score mapping, run
 * scores and batching, all from tests/data/langfuse_push/results.json (a 3-trial
 * run whose `moon` case has a failed call in trial 2 and an errored judge in trial 3).
 * The network half runs against the mock server in tests/integration.
 *
 * Golden bodies live in tests/data/langfuse_push/; PAWL_UPDATE_GOLDEN=1 rewrites them.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "langfuse_push_impl.h"
#include "pawl/alloc.h"
#include "pawl/results.h"

#define FIXTURE PAWL_TEST_DATA "/langfuse_push/results.json"

static struct pawl_results res;

static void load(void)
{
    struct pawl_error err;

    pawl_error_init(&err);
    pawl_results_init(&res);
    PAWL_ASSERT_OK(pawl_results_read(&res, FIXTURE, &err), &err);
}

static void unload(void)
{
    pawl_results_release(&res);
}

static void plan_of(struct pawl_lfpush_plan *p, const char *dataset, const char *env,
                    const char *prefix)
{
    struct pawl_langfuse_push_options o;
    struct pawl_error err;

    memset(&o, 0, sizeof(o));
    o.dataset = dataset;
    o.environment = env;
    o.id_prefix = prefix;
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_lfpush_plan_init(p, &res, &o, &err), &err);
}

/* Compares `got` (stolen) with the golden JSON file tests/data/langfuse_push/<name>. */
static void assert_golden_json(const char *name, json_t *got)
{
    char *path = pawl_xasprintf("%s/langfuse_push/%s", PAWL_TEST_DATA, name);
    char *got_text = json_dumps(got, JSON_INDENT(1)), *want_text;
    json_t *want;
    json_error_t jerr;

    if (getenv("PAWL_UPDATE_GOLDEN")) {
        char *with_nl = pawl_xasprintf("%s\n", got_text);
        pawl_test_write_file(path, with_nl);
        free(with_nl);
    }
    want = json_load_file(path, 0, &jerr);
    ck_assert_msg(want != NULL, "%s: %s", path, jerr.text);
    want_text = json_dumps(want, JSON_INDENT(1));
    ck_assert_str_eq(got_text, want_text);
    free(want_text);
    free(got_text);
    json_decref(want);
    json_decref(got);
    free(path);
}

/* ---- times ---- */

static const struct {
    const char *text;
    long long want; /* -1: malformed */
} time_cases[] = {
    {"1970-01-01T00:00:00Z", 0},
    {"2026-08-22T10:00:00Z", 1787392800000LL},
    {"2026-08-22T10:00:00.250Z", 1787392800250LL},
    {"2026-08-22T10:00:00.2Z", 1787392800200LL},
    {"2026-08-22T12:30:00+02:30", 1787392800000LL},
    {"2026-08-22T07:00:00-03:00", 1787392800000LL},
    {"2024-02-29T00:00:00Z", 1709164800000LL},
    {"2000-03-01t00:00:00z", 951868800000LL},
    {"2026-08-22 10:00:00Z", -1},
    {"2026-08-22T10:00:00", -1},
    {"2026-08-22T10:00:00.Z", -1},
    {"2026-13-01T00:00:00Z", -1},
    {"2026-08-22T24:00:00Z", -1},
    {"2026-08-22T10:00:00+0200", -1},
    {"2026-08-22T10:00:00Zjunk", -1},
    {"", -1},
    {NULL, -1},
};

START_TEST(test_parse_time)
{
    long long got = -7;
    int rc = pawl_lfpush_parse_time(&got, time_cases[_i].text);

    if (time_cases[_i].want < 0) {
        ck_assert_int_eq(rc, -1);
    } else {
        ck_assert_int_eq(rc, 0);
        ck_assert_msg(got == time_cases[_i].want, "%s: got %lld", time_cases[_i].text, got);
    }
}
END_TEST

static const struct {
    const char *env;
    int ok;
} env_cases[] = {
    {"ci", 1},
    {"pr-123_staging", 1},
    {"0123456789012345678901234567890123456789", 1},
    {"01234567890123456789012345678901234567890", 0},
    {"", 0},
    {"Prod", 0},
    {"ci env", 0},
    {"langfuse-ci", 0},
    {"my-langfuse", 1},
    {NULL, 0},
};

START_TEST(test_environment)
{
    ck_assert_int_eq(pawl_lfpush_environment_ok(env_cases[_i].env), env_cases[_i].ok);
}
END_TEST

/* ---- the plan ---- */

START_TEST(test_plan_ids_and_names)
{
    struct pawl_lfpush_plan p;
    const char *parts[3] = {"0123456789abcdef", "capital", "1"};
    char want[33];

    plan_of(&p, NULL, NULL, NULL);
    ck_assert_uint_eq(p.n_items, 12);
    ck_assert_uint_eq(p.n_trials, 3);
    ck_assert_uint_eq(p.n_exps, 3);
    ck_assert_str_eq(p.exps[0].name, "push-suite main@3f2c9ab 0123456789abcdef trial 1/3");
    ck_assert_str_eq(p.exps[2].name, "push-suite main@3f2c9ab 0123456789abcdef trial 3/3");
    ck_assert_str_eq(p.exps[1].description,
                     "pawl run 0123456789abcdef of 'push-suite' on cases.jsonl, trial 2 of 3");
    /* The trace id is exactly hex(run id, case id, trial): SHA-256 of the parts (python:
     * sha256(b"0123456789abcdef\0capital\0" b"1\0").hexdigest()[:32]). */
    ck_assert_str_eq(p.items[0].trace_id, "2067234fbc29a3aa0bf77b1abe5a9e4d");
    pawl_langfuse_hex_id(want, 32, parts, 3);
    ck_assert_str_eq(p.items[0].trace_id, want);
    ck_assert_uint_eq(strlen(p.items[0].root_id), 16);
    ck_assert_str_ne(p.items[0].root_id, p.items[0].gen_id);
    ck_assert_str_ne(p.items[0].trace_id, p.items[1].trace_id);
    ck_assert_uint_eq(p.items[4].trial, 2);
    ck_assert_uint_eq(p.items[4].experiment, 1);
    ck_assert_str_eq(p.items[4].c->id, "sum");
    ck_assert_str_eq(p.items[4].item_id, "sum");
    /* Times: the run's start, and the trial's latency after it. */
    ck_assert(p.items[4].start_ms == 1787392800000LL);
    ck_assert(p.items[4].end_ms == 1787392800200LL);
    /* Without a dataset, the experiment ids are pawl's own, one per trial. */
    pawl_lfpush_plan_own_ids(&p);
    ck_assert_uint_eq(strlen(p.exps[0].id), 16);
    ck_assert_str_ne(p.exps[0].id, p.exps[1].id);
    pawl_lfpush_plan_release(&p);
}
END_TEST

START_TEST(test_plan_dataset_changes_ids)
{
    struct pawl_lfpush_plan a, b, c;

    /* The same run pushed with a dataset is another experiment, so other traces; the id
     * prefix changes the dataset item ids only. */
    plan_of(&a, NULL, NULL, NULL);
    plan_of(&b, "qa", NULL, "px-");
    plan_of(&c, "qa", "ci", NULL);
    ck_assert_str_ne(a.items[0].trace_id, b.items[0].trace_id);
    ck_assert_str_eq(b.items[0].trace_id, c.items[0].trace_id);
    ck_assert_str_eq(b.items[0].item_id, "px-capital");
    ck_assert_str_eq(c.items[0].item_id, "capital");
    pawl_lfpush_plan_release(&a);
    pawl_lfpush_plan_release(&b);
    pawl_lfpush_plan_release(&c);
}
END_TEST

START_TEST(test_plan_single_trial_and_no_git)
{
    struct pawl_lfpush_plan p;
    size_t ci;

    for (ci = 0; ci < res.n_cases; ci++)
        res.cases[ci].n_trials = 1; /* the fixture's trials 2 and 3 are still freed by release */
    res.git.present = 0;
    plan_of(&p, NULL, NULL, NULL);
    ck_assert_uint_eq(p.n_exps, 1);
    ck_assert_uint_eq(p.n_items, 4);
    ck_assert_str_eq(p.exps[0].name, "push-suite 0123456789abcdef");
    ck_assert_str_eq(p.exps[0].description,
                     "pawl run 0123456789abcdef of 'push-suite' on cases.jsonl");
    pawl_lfpush_plan_own_ids(&p);
    ck_assert_str_eq(p.exps[0].id, p.own_id);
    for (ci = 0; ci < res.n_cases; ci++)
        res.cases[ci].n_trials = 3;
    pawl_lfpush_plan_release(&p);
}
END_TEST

static const struct {
    const char *run_id, *started_at, *env;
    int code;
    const char *msg;
} plan_errors[] = {
    {"", NULL, NULL, PAWL_EDATA,
     "pawl: the results have no run id, which Langfuse ids derive from"},
    {NULL, "yesterday", NULL, PAWL_EDATA,
     "pawl: the results' start time 'yesterday' is not an RFC 3339 time"},
    {NULL, NULL, "Prod", PAWL_ECONFIG,
     "pawl: invalid Langfuse environment 'Prod': use 1 to 40 lower case letters, digits, '-' "
     "and '_', not starting with 'langfuse'"},
    {NULL, NULL, "langfuse", PAWL_ECONFIG,
     "pawl: invalid Langfuse environment 'langfuse': use 1 to 40 lower case letters, digits, "
     "'-' and '_', not starting with 'langfuse'"},
};

START_TEST(test_plan_errors)
{
    struct pawl_lfpush_plan p;
    struct pawl_langfuse_push_options o;
    struct pawl_error err;
    char msg[2048];
    int rc;

    memset(&o, 0, sizeof(o));
    o.environment = plan_errors[_i].env;
    if (plan_errors[_i].run_id) {
        free(res.run_id);
        res.run_id = pawl_xstrdup(plan_errors[_i].run_id);
    }
    if (plan_errors[_i].started_at) {
        free(res.started_at);
        res.started_at = pawl_xstrdup(plan_errors[_i].started_at);
    }
    pawl_error_init(&err);
    rc = pawl_lfpush_plan_init(&p, &res, &o, &err);
    snprintf(msg, sizeof(msg), "pawl: %s", err.msg);
    ck_assert_int_eq(rc, plan_errors[_i].code);
    ck_assert_str_eq(msg, plan_errors[_i].msg);
    pawl_lfpush_plan_release(&p);
}
END_TEST

/* ---- bodies ---- */

START_TEST(test_otlp_request)
{
    struct pawl_lfpush_plan p;
    json_t *spans;

    plan_of(&p, "qa", "ci", "px-");
    p.dataset_id = pawl_xstrdup("ds-1");
    snprintf(p.exps[0].id, sizeof(p.exps[0].id), "9c1f0a7e4b2d8e61");
    spans = pawl_lfpush_otlp_spans(&p, 0); /* capital, trial 1 */
    assert_golden_json("otlp-capital-1.json", pawl_lfpush_otlp_request(&p, spans));
    pawl_lfpush_plan_release(&p);
}
END_TEST

START_TEST(test_otlp_errored_call)
{
    struct pawl_lfpush_plan p;

    plan_of(&p, NULL, NULL, NULL);
    pawl_lfpush_plan_own_ids(&p);
    assert_golden_json("otlp-moon-2.json", pawl_lfpush_otlp_spans(&p, 10));
    pawl_lfpush_plan_release(&p);
}
END_TEST

START_TEST(test_ingestion_events)
{
    struct pawl_lfpush_plan p;
    json_t *all, *more;

    plan_of(&p, "qa", "ci", NULL);
    all = pawl_lfpush_ingestion_events(&p, 0);
    more = pawl_lfpush_ingestion_events(&p, 10);
    json_array_extend(all, more);
    json_decref(more);
    assert_golden_json("ingestion-capital-1-moon-2.json", all);
    pawl_lfpush_plan_release(&p);
}
END_TEST

START_TEST(test_run_item)
{
    struct pawl_lfpush_plan p;

    plan_of(&p, "qa", NULL, "px-");
    assert_golden_json("run-item-sum-2.json", pawl_lfpush_run_item(&p, 4));
    pawl_lfpush_plan_release(&p);
}
END_TEST

/* ---- scores ---- */

static const struct {
    size_t item, scorer;
    const char *want; /* compact JSON, or NULL: not sent */
} score_cases[] = {
    /* BOOLEAN: 1/0, never true/false */
    {0, 0,
     "{\"id\":\"%s\",\"name\":\"correct\",\"value\":1,\"dataType\":\"BOOLEAN\",\"metadata\":{"
     "\"scorer\":\"correct\",\"pawl_run_id\":\"0123456789abcdef\",\"case_id\":\"capital\","
     "\"trial\":1,\"passed\":true},\"environment\":\"ci\",\"traceId\":\"%s\",\"observationId\":"
     "\"%s\"}"},
    {9, 0,
     "{\"id\":\"%s\",\"name\":\"correct\",\"value\":0,\"dataType\":\"BOOLEAN\",\"comment\":"
     "\"output does not contain 'Neil Armstrong'\",\"metadata\":{\"scorer\":\"correct\","
     "\"pawl_run_id\":\"0123456789abcdef\",\"case_id\":\"moon\",\"trial\":1,\"passed\":false},"
     "\"environment\":\"ci\",\"traceId\":\"%s\",\"observationId\":\"%s\"}"},
    /* NUMERIC, with the scorer's comment */
    {1, 1,
     "{\"id\":\"%s\",\"name\":\"close\",\"value\":0.161290322581,\"dataType\":\"NUMERIC\","
     "\"comment\":\"similarity 0.16 < 0.80 (26 edits over 31 characters)\",\"metadata\":{"
     "\"scorer\":\"close\",\"pawl_run_id\":\"0123456789abcdef\",\"case_id\":\"capital\","
     "\"trial\":2,\"passed\":false},\"environment\":\"ci\",\"traceId\":\"%s\",\"observationId\":"
     "\"%s\"}"},
    /* CATEGORICAL: the category is the value */
    {2, 2,
     "{\"id\":\"%s\",\"name\":\"verdict\",\"value\":\"ok\",\"dataType\":\"CATEGORICAL\","
     "\"comment\":\"ok: grounded\",\"metadata\":{\"scorer\":\"verdict\",\"pawl_run_id\":"
     "\"0123456789abcdef\",\"case_id\":\"capital\",\"trial\":3,\"passed\":true},\"environment\":"
     "\"ci\",\"traceId\":\"%s\",\"observationId\":\"%s\"}"},
    /* a failed call has no scores; an errored scorer has no value */
    {10, 0, NULL},
    {10, 2, NULL},
    {11, 2, NULL},
};

START_TEST(test_item_score)
{
    struct pawl_lfpush_plan p;
    json_t *got;
    char id[33], *want, *text;

    plan_of(&p, NULL, "ci", NULL);
    got = pawl_lfpush_item_score(&p, score_cases[_i].item, score_cases[_i].scorer);
    if (!score_cases[_i].want) {
        ck_assert_ptr_null(got);
    } else {
        const struct pawl_lfpush_item *it = &p.items[score_cases[_i].item];
        /* Score ids: hex(run id, case id, trial, score name). */
        const char *parts[4] = {"0123456789abcdef", it->c->id, NULL,
                                res.scorer_names[score_cases[_i].scorer]};
        char num[8];
        snprintf(num, sizeof(num), "%zu", it->trial);
        parts[2] = num;
        pawl_langfuse_hex_id(id, 32, parts, 4);
        want = pawl_xasprintf(score_cases[_i].want, id, it->trace_id, it->root_id);
        /* 12 digits, as the results file holds them */
        text = json_dumps(got, JSON_COMPACT | JSON_REAL_PRECISION(12));
        ck_assert_str_eq(text, want);
        free(text);
        free(want);
    }
    json_decref(got);
    pawl_lfpush_plan_release(&p);
}
END_TEST

START_TEST(test_run_scores)
{
    struct pawl_lfpush_plan p;
    json_t *arr;

    plan_of(&p, NULL, NULL, NULL);
    pawl_lfpush_plan_own_ids(&p);
    arr = pawl_lfpush_run_scores(&p, 1);
    /* the verdict, one gate rule, every metric */
    ck_assert_uint_eq(json_array_size(arr), 1 + res.n_rules + res.n_metrics);
    json_decref(arr);
    snprintf(p.exps[1].id, sizeof(p.exps[1].id), "9c1f0a7e4b2d8e61");
    arr = pawl_lfpush_run_scores(&p, 1);
    while (json_array_size(arr) > 3)
        json_array_remove(arr, 3);
    assert_golden_json("run-scores-trial-2.json", arr);
    pawl_lfpush_plan_release(&p);
}
END_TEST

/* ---- usage and batching ---- */

static const struct {
    const char *usage; /* NULL: no usage */
    const char *want;  /* NULL: nothing to send */
} usage_cases[] = {
    {"{\"prompt_tokens\":6,\"completion_tokens\":4,\"total_tokens\":10}",
     "{\"input\":6,\"output\":4,\"total\":10}"},
    {"{\"input_tokens\":7,\"output_tokens\":3}", "{\"input\":7,\"output\":3,\"total\":10}"},
    {"{\"input\":1,\"output\":2,\"total\":5,\"cache_read_input_tokens\":9}",
     "{\"input\":1,\"output\":2,\"total\":5,\"cache_read_input_tokens\":9}"},
    {"{\"prompt_tokens\":6,\"prompt_tokens_details\":{\"cached_tokens\":2},\"note\":\"x\","
     "\"ratio\":0.5,\"neg\":-1}",
     "{\"input\":6}"},
    {"{\"note\":\"x\"}", NULL},
    {"[1,2]", NULL},
    {NULL, NULL},
};

START_TEST(test_usage_details)
{
    json_t *in = usage_cases[_i].usage ? json_loads(usage_cases[_i].usage, 0, NULL) : NULL;
    json_t *got = pawl_lfpush_usage_details(in);
    char *text;

    if (!usage_cases[_i].want) {
        ck_assert_ptr_null(got);
    } else {
        text = json_dumps(got, JSON_COMPACT);
        ck_assert_str_eq(text, usage_cases[_i].want);
        free(text);
    }
    json_decref(got);
    json_decref(in);
}
END_TEST

static const struct {
    size_t sizes[6];
    size_t n, overhead, limit;
    size_t want_n;
    size_t want_ends[6];
} batch_cases[] = {
    /* everything fits: one batch */
    {{10, 10, 10}, 3, 5, 100, 1, {3}},
    /* 5 + 11 + 11 = 27 <= 27; the third unit starts a new batch */
    {{10, 10, 10}, 3, 5, 27, 2, {2, 3}},
    {{10, 10, 10}, 3, 5, 26, 3, {1, 2, 3}},
    /* a unit bigger than the limit goes alone */
    {{5, 500, 5, 5}, 4, 0, 20, 3, {1, 2, 4}},
    {{500}, 1, 0, 20, 1, {1}},
    {{0}, 0, 0, 20, 0, {0}},
};

START_TEST(test_batch)
{
    size_t ends[6] = {0}, nb, b;

    nb = pawl_lfpush_batch(ends, batch_cases[_i].sizes, batch_cases[_i].n, batch_cases[_i].overhead,
                           batch_cases[_i].limit);
    ck_assert_uint_eq(nb, batch_cases[_i].want_n);
    for (b = 0; b < nb; b++)
        ck_assert_uint_eq(ends[b], batch_cases[_i].want_ends[b]);
}
END_TEST

START_TEST(test_api_parse)
{
    ck_assert_int_eq(pawl_langfuse_api_parse("auto"), PAWL_LANGFUSE_API_AUTO);
    ck_assert_int_eq(pawl_langfuse_api_parse("v3"), PAWL_LANGFUSE_API_V3);
    ck_assert_int_eq(pawl_langfuse_api_parse("v4"), PAWL_LANGFUSE_API_V4);
    ck_assert_int_eq(pawl_langfuse_api_parse("V4"), -1);
    ck_assert_int_eq(pawl_langfuse_api_parse(""), -1);
    ck_assert_int_eq(pawl_langfuse_api_parse(NULL), -1);
}
END_TEST

/* ---- the stable experiment id (JSON.stringify, then SHA-256) ---- */

/* Expected texts and ids computed with node: JSON.stringify and crypto's sha256. */
static const struct {
    const char *in, *want;
} stringify_cases[] = {
    {"plain", "\"plain\""},
    {"say \"hi\" \\ back", "\"say \\\"hi\\\" \\\\ back\""},
    {"tab\there\nnl\rcr\bbs\fff", "\"tab\\there\\nnl\\rcr\\bbs\\fff\""},
    /* other controls as \u00xx in lower case; DEL and '/' stay as they are */
    {"ctl\x01\x1f\x1b\x7f/ end", "\"ctl\\u0001\\u001f\\u001b\x7f/ end\""},
    /* non-ASCII (U+2028 too) as is */
    {"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 \xe2\x80\xa8",
     "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 \xe2\x80\xa8\""},
    {"", "\"\""},
};

START_TEST(test_stringify)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    char *got;

    pawl_lfpush_stringify(&b, stringify_cases[_i].in);
    got = pawl_buf_detach(&b, NULL);
    ck_assert_str_eq(got, stringify_cases[_i].want);
    free(got);
}
END_TEST

static const struct {
    const char *project, *dataset, *name, *want;
} expid_cases[] = {
    {"proj-mock", "ds-1", "push-suite main@abc1234 r1", "42a52233b363951f"},
    {"p", "d", "say \"hi\" \\ back", "e875fc408416605e"},
    {"p", "d", "tab\there\nnl\rcr\bbs\fff", "586a13e755cf91c1"},
    {"p", "d", "ctl\x01\x1f\x7f end", "bbcd912ae0641122"},
    {"p", "d", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xe2\x80\xa8",
     "9004740c50ae8d9c"},
    {"p", "d", "", "a4c51bc2d10dc5c6"},
    /* an invalid byte is sent (and so hashed) as U+FFFD */
    {"p", "d", "bad \xff byte", "6980e709ec3c06b2"},
    {"p", "d", "bad \xef\xbf\xbd byte", "6980e709ec3c06b2"},
};

START_TEST(test_experiment_id)
{
    char got[17];

    pawl_lfpush_experiment_id(got, expid_cases[_i].project, expid_cases[_i].dataset,
                              expid_cases[_i].name);
    ck_assert_str_eq(got, expid_cases[_i].want);
}
END_TEST

/* ---- scores as score-create events ---- */

/* Batches within `limit` (a lone event may exceed it), covering every event once and in order. */
static void check_score_batches(const struct pawl_lfpush_scores *sc, size_t limit, size_t want_min,
                                size_t want_max)
{
    size_t *ends = pawl_xcalloc(sc->n + 1, sizeof(*ends));
    size_t nb = pawl_lfpush_score_batches(ends, sc, 1787392800000LL, limit), b, start = 0, k;

    ck_assert_uint_ge(nb, want_min);
    ck_assert_uint_le(nb, want_max);
    for (b = 0; b < nb; b++) {
        json_t *body = pawl_lfpush_score_batch(sc, start, ends[b], 1787392800000LL);
        json_t *batch = json_object_get(body, "batch");
        char *text = json_dumps(body, JSON_COMPACT);
        ck_assert_uint_gt(ends[b], start);
        ck_assert_uint_eq(json_array_size(batch), ends[b] - start);
        if (ends[b] - start > 1)
            ck_assert_uint_le(strlen(text), limit);
        for (k = start; k < ends[b]; k++)
            ck_assert_str_eq(
                json_string_value(json_object_get(json_array_get(batch, k - start), "id")),
                sc->v[k].event_id);
        free(text);
        json_decref(body);
        start = ends[b];
    }
    ck_assert_uint_eq(start, sc->n);
    free(ends);
}

START_TEST(test_score_events)
{
    struct pawl_lfpush_plan p;
    struct pawl_lfpush_scores sc;
    json_t *ev, *single, *body;
    char want[33];
    const char *parts[2] = {"score-create", NULL};
    size_t i, si, e, k = 0, runs = 0, one;
    char *text;

    plan_of(&p, NULL, "ci", NULL);
    pawl_lfpush_plan_own_ids(&p);
    pawl_lfpush_scores_collect(&sc, &p);
    /* the item scores first, exactly the bodies POST /api/public/scores gets, in order */
    for (i = 0; i < p.n_items; i++) {
        for (si = 0; si < res.n_scorers; si++) {
            if (!(body = pawl_lfpush_item_score(&p, i, si)))
                continue;
            ck_assert_uint_lt(k, sc.n);
            ck_assert_int_eq(sc.v[k].run, 0);
            ck_assert(json_equal(sc.v[k].body, body));
            json_decref(body);
            k++;
        }
    }
    /* 4 cases x 3 trials x 3 scorers, less the failed call's 3 and the errored judge */
    ck_assert_uint_eq(k, 32);
    ck_assert_uint_eq(sc.skipped, 1);
    /* then every experiment's run scores */
    for (e = 0; e < p.n_exps; e++) {
        json_t *arr = pawl_lfpush_run_scores(&p, e);
        for (i = 0; i < json_array_size(arr); i++, k++, runs++) {
            ck_assert_int_eq(sc.v[k].run, 1);
            ck_assert(json_equal(sc.v[k].body, json_array_get(arr, i)));
        }
        json_decref(arr);
    }
    ck_assert_uint_gt(runs, 0);
    ck_assert_uint_eq(k, sc.n);
    ck_assert_str_eq(sc.v[0].label, "score 'correct' of case 'capital' trial 1");
    ck_assert_str_eq(sc.v[sc.n - 1].label,
                     "run score 'tokens_total' of experiment 'push-suite main@3f2c9ab "
                     "0123456789abcdef trial 3/3'");
    for (i = 0; i < sc.n; i++) {
        /* the envelope id derives from the score's own id, and finds the score again */
        parts[1] = json_string_value(json_object_get(sc.v[i].body, "id"));
        pawl_langfuse_hex_id(want, 32, parts, 2);
        ck_assert_str_eq(sc.v[i].event_id, want);
        ck_assert_ptr_eq(pawl_lfpush_scores_find(&sc, want), &sc.v[i]);
    }
    ck_assert_ptr_null(pawl_lfpush_scores_find(&sc, "0123"));
    ck_assert_ptr_null(pawl_lfpush_scores_find(&sc, NULL));

    ev = pawl_lfpush_score_event(&sc, 0, 1787392800000LL);
    ck_assert_str_eq(json_string_value(json_object_get(ev, "id")), sc.v[0].event_id);
    ck_assert_str_eq(json_string_value(json_object_get(ev, "type")), "score-create");
    ck_assert_str_eq(json_string_value(json_object_get(ev, "timestamp")),
                     "2026-08-22T10:00:00.000Z");
    ck_assert_ptr_eq(json_object_get(ev, "body"), sc.v[0].body);
    json_decref(ev);

    /* one event's size, to make limits that force a split */
    single = pawl_lfpush_score_batch(&sc, 0, 1, 0);
    text = json_dumps(single, JSON_COMPACT);
    one = strlen(text);
    free(text);
    json_decref(single);
    check_score_batches(&sc, PAWL_LFPUSH_BATCH_LIMIT, 1, 1);
    check_score_batches(&sc, 3 * one, 2, sc.n);
    check_score_batches(&sc, 1, sc.n, sc.n);
    pawl_lfpush_scores_release(&sc);
    pawl_lfpush_plan_release(&p);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *langfuse_push_suite(void)
{
    Suite *s = suite_create("langfuse_push");
    TCase *tc = tcase_create("pure");

    tcase_add_loop_test(tc, test_parse_time, 0, N(time_cases));
    tcase_add_loop_test(tc, test_environment, 0, N(env_cases));
    tcase_add_loop_test(tc, test_usage_details, 0, N(usage_cases));
    tcase_add_loop_test(tc, test_batch, 0, N(batch_cases));
    tcase_add_test(tc, test_api_parse);
    tcase_add_loop_test(tc, test_stringify, 0, N(stringify_cases));
    tcase_add_loop_test(tc, test_experiment_id, 0, N(expid_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("results");
    tcase_add_checked_fixture(tc, load, unload);
    tcase_add_test(tc, test_plan_ids_and_names);
    tcase_add_test(tc, test_plan_dataset_changes_ids);
    tcase_add_test(tc, test_plan_single_trial_and_no_git);
    tcase_add_loop_test(tc, test_plan_errors, 0, N(plan_errors));
    tcase_add_test(tc, test_otlp_request);
    tcase_add_test(tc, test_otlp_errored_call);
    tcase_add_test(tc, test_ingestion_events);
    tcase_add_test(tc, test_run_item);
    tcase_add_loop_test(tc, test_item_score, 0, N(score_cases));
    tcase_add_test(tc, test_run_scores);
    tcase_add_test(tc, test_score_events);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(langfuse_push_suite());
}
