/* The results file: exact shape, exact round trip, exact errors for bad files. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/buf.h"
#include "pawl/results.h"
#include "results_fixture.h"

#define TMP PAWL_TEST_TMP "/results"

/* Everything the format can hold, including what is awkward to hold. */
static void fx_rich(struct pawl_results *r)
{
    static const char *const scorers[] = {"correct", "tone", "similarity", "a/b~c"};
    size_t c;

    fx_init(r, "rich \"suite\" ✓", scorers, 4);
    r->interrupted = 1;
    free(r->git.ref);
    r->git.ref = NULL; /* detached HEAD */
    r->git.dirty = 1;
    r->dataset_ref = fx_dup("origin/main");
    c = fx_case(r, "école-ÉCOLE-日本語-🚀", 7, 3);
    fx_output(r, c, 0, "ctrl:\x01\x02\x1b[31mred\x1b[0m\ttab\r\nnewline \"quoted\" \\ back\x7f", 5);
    fx_score(r, c, 0, 1, PAWL_SCORE_CATEGORICAL, 2, 1, "polite");
    r->cases[c].trials[0].scores[1].category = fx_dup("polite");
    fx_score(r, c, 0, 2, PAWL_SCORE_NUMERIC, 0.123456789012345, 0, "below pass 0.5");
    fx_score(r, c, 0, 3, PAWL_SCORE_NUMERIC, NAN, 0, "scorer crashed: regex timeout");
    r->cases[c].trials[0].scores[3].errored = 1;
    fx_error(r, c, 1, "exec agent exited with status 3: \"boom\"\nstack…");
    fx_output(r, c, 2, "", 0);
    fx_score(r, c, 2, 1, PAWL_SCORE_CATEGORICAL, 0, 0, NULL);
    fx_trial(r, c, 2)->cached = 1;
    fx_trial(r, c, 2)->usage =
        json_pack("{s:i,s:f,s:{s:s}}", "input_tokens", 3, "ratio", 0.1, "nested", "k", "v\u00e9");
    fx_trial(r, c, 2)->has_cost = 1;
    fx_trial(r, c, 2)->cost = 0;
    c = fx_case(r, "", 0, 0);
    fx_metric(r, "correct", 0.333333333333333, 3, 1, -0.5, 1e-9);
    fx_metric(r, "a/b~c", NAN, 0, 1, NAN, INFINITY);
    fx_metric(r, "latency_p50_ms", 12345678, 2, 0, 0, 0);
    fx_rule(r, "correct >= 0.8", "min", "correct", 0.8, 1, 0.333333333333333, PAWL_RULE_FAIL,
            "correct is 0.33, below the minimum 0.80");
    fx_rule(r, "no_new_failures", "no_new_failures", NULL, 0, 0, 0, PAWL_RULE_PASS, NULL);
    fx_verdict(r, "error");
}

START_TEST(test_golden_basic)
{
    struct pawl_results r;
    struct pawl_error err;
    char *path = pawl_test_tmp_path(TMP, "basic.json"), *got;

    pawl_error_init(&err);
    fx_basic(&r);
    PAWL_ASSERT_OK(pawl_results_write(&r, path, &err), &err);
    got = pawl_test_read_file(path);
    pawl_test_assert_golden("basic.results.json", got);
    free(got);
    free(path);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_round_trip_rich)
{
    struct pawl_results r, back;
    const struct pawl_case_result *c;
    char *a;

    fx_rich(&r);
    r.cases[0].input = json_pack("{s:[{s:s,s:s}]}", "messages", "role", "user", "content", "hi");
    r.cases[0].expected_output = json_integer(42);
    r.cases[0].metadata = json_pack("{s:{s:b}}", "labels", "correct", 1);
    ck_assert_ptr_nonnull(r.cases[0].trials[0].scores);
    r.cases[0].trials[0].scores[0].cost = 0.00125;
    r.cases[0].trials[0].scores[0].has_cost = 1;
    r.cases[0].trials[0].scores[0].tokens = 321;
    r.cases[0].trials[0].scores[0].has_tokens = 1;
    a = fx_round_trip(&back, &r, TMP, "rich");
    ck_assert_ptr_nonnull(strstr(a, "\"cost\": 0.00125,\n"));
    ck_assert_ptr_nonnull(strstr(a, "\"tokens\": 321\n"));
    ck_assert(a[strlen(a) - 1] == '\n');

    /* And the structs read back hold the same values, not only the same bytes. */
    ck_assert_str_eq(back.suite, r.suite);
    ck_assert_int_eq(back.interrupted, 1);
    ck_assert_int_eq(back.git.present, 1);
    ck_assert_ptr_null(back.git.ref);
    ck_assert_int_eq(back.git.dirty, 1);
    ck_assert_str_eq(back.git.commit, r.git.commit);
    ck_assert_str_eq(back.dataset_ref, "origin/main");
    ck_assert_str_eq(back.dataset_blob, r.dataset_blob);
    ck_assert_str_eq(back.task_fingerprint, r.task_fingerprint);
    ck_assert_uint_eq(back.n_scorers, 4);
    ck_assert_str_eq(back.scorer_names[3], "a/b~c");
    ck_assert_uint_eq(back.n_cases, 2);
    c = &back.cases[0];
    ck_assert_str_eq(c->id, r.cases[0].id);
    ck_assert_int_eq(c->line, 7);
    ck_assert(json_equal(c->input, r.cases[0].input));
    ck_assert(json_equal(c->expected_output, r.cases[0].expected_output));
    ck_assert(json_equal(c->metadata, r.cases[0].metadata));
    ck_assert_ptr_null(back.cases[1].expected_output);
    ck_assert_int_eq(c->trials[0].scores[0].has_cost, 1);
    ck_assert(c->trials[0].scores[0].cost == 0.00125);
    ck_assert_int_eq(c->trials[0].scores[0].has_tokens, 1);
    ck_assert(c->trials[0].scores[0].tokens == 321);
    ck_assert_int_eq(c->trials[0].scores[1].has_cost, 0);
    ck_assert_ptr_null(back.cases[1].metadata);
    ck_assert_int_eq(c->passed, 0);
    ck_assert_int_eq(c->errored, 1);
    ck_assert_uint_eq(c->n_trials, 3);
    ck_assert_str_eq(c->trials[0].output, r.cases[0].trials[0].output);
    ck_assert_int_eq(c->trials[0].latency_ms, 5);
    ck_assert_ptr_null(c->trials[0].usage);
    ck_assert_int_eq(c->trials[0].has_cost, 0);
    ck_assert_int_eq(c->trials[0].scores[0].type, PAWL_SCORE_BOOLEAN);
    ck_assert_double_eq(c->trials[0].scores[0].value, 1);
    ck_assert_int_eq(c->trials[0].scores[1].type, PAWL_SCORE_CATEGORICAL);
    ck_assert_str_eq(c->trials[0].scores[1].category, "polite");
    ck_assert_double_eq_tol(c->trials[0].scores[2].value, 0.123456789012, 1e-12);
    ck_assert(isnan(c->trials[0].scores[3].value));
    ck_assert_int_eq(c->trials[0].scores[3].errored, 1);
    ck_assert_int_eq(c->trials[0].scores[2].errored, 0);
    ck_assert_ptr_null(c->trials[1].output);
    ck_assert_ptr_null(c->trials[1].scores);
    ck_assert_int_eq(c->trials[1].latency_ms, -1);
    ck_assert_str_eq(c->trials[1].error, r.cases[0].trials[1].error);
    ck_assert_str_eq(c->trials[2].output, "");
    ck_assert_int_eq(c->trials[2].cached, 1);
    ck_assert_int_eq(c->trials[2].has_cost, 1);
    ck_assert_ptr_null(c->trials[2].scores[1].category);
    ck_assert(json_equal(c->trials[2].usage, r.cases[0].trials[2].usage));
    ck_assert_str_eq(back.cases[1].id, "");
    ck_assert_uint_eq(back.cases[1].n_trials, 0);
    ck_assert_uint_eq(back.n_metrics, 3);
    ck_assert_int_eq(back.metrics[1].has_ci, 1);
    ck_assert(isnan(back.metrics[1].ci_hi));
    ck_assert_int_eq(back.metrics[2].has_ci, 0);
    ck_assert_uint_eq(back.n_rules, 2);
    ck_assert_int_eq(back.rules[0].status, PAWL_RULE_FAIL);
    ck_assert_str_eq(back.rules[0].kind, "min");
    ck_assert_int_eq(back.rules[1].has_actual, 0);
    ck_assert_ptr_null(back.rules[1].metric);
    ck_assert_ptr_null(back.rules[1].message);
    ck_assert_str_eq(back.verdict, "error");

    free(a);
    pawl_results_release(&r);
    pawl_results_release(&back);
    pawl_results_release(&back); /* released structs are empty and may be released again */
}
END_TEST

/* The file is streamed case by case; it must be exactly the whole document's dump. */
START_TEST(test_streamed_equals_document)
{
    struct pawl_results r;
    struct pawl_error err;
    char *path = pawl_test_tmp_path(TMP, "streamed.json"), *got, *want;
    json_t *doc;
    size_t n;
    int empty;

    for (empty = 0; empty <= 1; empty++) {
        pawl_error_init(&err);
        fx_rich(&r);
        n = r.n_cases;
        if (empty)
            r.n_cases = 0; /* no cases at all: "cases": [] */
        PAWL_ASSERT_OK(pawl_results_write(&r, path, &err), &err);
        got = pawl_test_read_file(path);
        doc = pawl_results_to_json(&r);
        want = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
        ck_assert_ptr_nonnull(want);
        ck_assert_uint_eq(strlen(got), strlen(want) + 1);
        ck_assert(strncmp(got, want, strlen(want)) == 0);
        ck_assert(strstr(got, empty ? "\"cases\": []," : "\"cases\": [\n    {\n      \"id\"") != NULL);
        free(want);
        free(got);
        json_decref(doc);
        r.n_cases = n;
        pawl_results_release(&r);
    }
    free(path);
}
END_TEST

/* Key order and the value encodings the brief fixes, on a one-case run. */
START_TEST(test_shape)
{
    static const char *const scorers[] = {"correct"};
    struct pawl_results r;
    json_t *doc;
    char *s;
    size_t c;

    fx_init(&r, "s", scorers, 1);
    r.git.present = 0;
    c = fx_case(&r, "q1", 3, 1);
    fx_output(&r, c, 0, "Paris", 812);
    fx_metric(&r, "correct", 1, 1, 0, 0, 0);
    r.cases[c].input = json_pack("{s:s}", "q", "capital of France?");
    r.cases[c].metadata = json_pack("{s:s}", "topic", "geo");
    doc = pawl_results_to_json(&r);
    s = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(12));
    ck_assert_str_eq(
        s, "{\"schema\":1,\"pawl_version\":\"0.1.0\",\"suite\":\"s\","
           "\"run\":{\"id\":\"20240501T120000Z-1a2b3c\",\"started_at\":\"2024-05-01T12:00:00Z\","
           "\"duration_ms\":4321,\"interrupted\":false,\"git\":null},"
           "\"dataset\":{\"path\":\"evals/qa.jsonl\",\"ref\":null,"
           "\"blob\":\"89abcdef0123456789abcdef0123456789abcdef\",\"cases\":1},"
           "\"fingerprints\":{\"task\":"
           "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
           "\"scorers\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"},"
           "\"scorers\":[\"correct\"],"
           "\"cases\":[{\"id\":\"q1\",\"line\":3,"
           "\"input\":{\"q\":\"capital of France?\"},\"metadata\":{\"topic\":\"geo\"},"
           "\"passed\":true,\"errored\":false,"
           "\"trials\":[{\"output\":\"Paris\",\"latency_ms\":812,\"usage\":null,\"cost\":null,"
           "\"cached\":false,\"error\":null,\"scores\":{\"correct\":{\"type\":\"BOOLEAN\","
           "\"value\":1,\"passed\":true,\"comment\":null}}}]}],"
           "\"metrics\":{\"correct\":{\"mean\":1.0,\"n\":1}},\"gate\":[],\"verdict\":\"pass\"}");
    free(s);
    json_decref(doc);
    pawl_results_release(&r);
}
END_TEST

/* A caller that stored bytes JSON cannot carry still gets a complete, valid file. */
START_TEST(test_invalid_utf8_output)
{
    static const char *const scorers[] = {"correct"};
    struct pawl_results r;
    json_t *doc, *out;
    size_t c;

    fx_init(&r, "s", scorers, 1);
    c = fx_case(&r, "q\xff", 1, 1);
    fx_output(&r, c, 0, "cut \xC3", 1);
    doc = pawl_results_to_json(&r);
    out = json_object_get(json_array_get(json_object_get(doc, "cases"), 0), "trials");
    out = json_object_get(json_array_get(out, 0), "output");
    ck_assert_str_eq(json_string_value(out), "cut \xEF\xBF\xBD");
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(json_object_get(doc, "cases"), 0), "id")),
        "q\xEF\xBF\xBD");
    json_decref(doc);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_metric_lookup)
{
    struct pawl_results r;

    fx_basic(&r);
    ck_assert_ptr_eq(pawl_results_metric(&r, "helpful"), &r.metrics[1]);
    ck_assert_ptr_eq(pawl_results_metric(&r, "latency_p95_ms"), &r.metrics[3]);
    ck_assert_ptr_null(pawl_results_metric(&r, "latency"));
    pawl_results_release(&r);
    ck_assert_ptr_null(pawl_results_metric(&r, "correct"));
}
END_TEST

/* ---- malformed documents: a valid one with one value changed ---- */

static const struct fx_mutation mutations[] = {
    {"", "schema", "2", "baseline.json: unsupported results schema 2 (this pawl reads schema 1)"},
    {"", "schema", "0", "baseline.json: unsupported results schema 0 (this pawl reads schema 1)"},
    {"", "schema", NULL, "baseline.json: missing results schema (this pawl reads schema 1)"},
    {"", "schema", "\"1\"", "baseline.json: '/schema' must be an integer"},
    {"", "suite", "null", "baseline.json: '/suite' must be a string"},
    {"", "run", "[]", "baseline.json: '/run' must be an object"},
    {"/run", "id", NULL, "baseline.json: '/run/id' is missing"},
    {"/run", "duration_ms", "-5",
     "baseline.json: '/run/duration_ms' must be a non-negative integer"},
    {"/run", "interrupted", "0", "baseline.json: '/run/interrupted' must be a boolean"},
    {"/run", "git", "[]", "baseline.json: '/run/git' must be an object or null"},
    {"/run/git", "commit", "\"0123\"",
     "baseline.json: '/run/git/commit' must be 40 lowercase hexadecimal digits"},
    {"/run/git", "ref", "1", "baseline.json: '/run/git/ref' must be a string or null"},
    {"/dataset", "cases", "1.5", "baseline.json: '/dataset/cases' must be a non-negative integer"},
    {"/dataset", "blob", "\"89ABCDEF0123456789ABCDEF0123456789ABCDEF\"",
     "baseline.json: '/dataset/blob' must be 40 lowercase hexadecimal digits"},
    {"/fingerprints", "scorers", NULL, "baseline.json: '/fingerprints/scorers' is missing"},
    {"/scorers", "1", "\"correct\"", "baseline.json: '/scorers/1' repeats a scorer name"},
    {"/scorers", "0", "{}", "baseline.json: '/scorers/0' must be a string"},
    {"/cases", "0", "3", "baseline.json: '/cases/0' must be an object"},
    {"/cases/1", "id", "\"q1\"", "baseline.json: '/cases/1/id' repeats the case id 'q1'"},
    {"/cases/1", "line", "99999999999", "baseline.json: '/cases/1/line' is too large"},
    {"/cases/1", "trials", "{}", "baseline.json: '/cases/1/trials' must be an array"},
    {"/cases/0/trials/0", "latency_ms", "1.5",
     "baseline.json: '/cases/0/trials/0/latency_ms' must be a non-negative integer or null"},
    {"/cases/0/trials/0", "usage", "3",
     "baseline.json: '/cases/0/trials/0/usage' must be an object or null"},
    {"/cases/0/trials/0", "cost", "\"free\"",
     "baseline.json: '/cases/0/trials/0/cost' must be a number or null"},
    {"/cases/0/trials/0", "cached", NULL, "baseline.json: '/cases/0/trials/0/cached' is missing"},
    {"/cases/0/trials/0", "scores", "[]",
     "baseline.json: '/cases/0/trials/0/scores' must be an object or null"},
    {"/cases/1/trials/0/scores/correct", "passed", "\"yes\"",
     "baseline.json: '/cases/1/trials/0/scores/correct/passed' must be a boolean"},
    {"/cases/1/trials/0/scores/correct", "type", "\"TEXT\"",
     "baseline.json: '/cases/1/trials/0/scores/correct/type' must be one of 'NUMERIC', "
     "'BOOLEAN', 'CATEGORICAL'"},
    {"/cases/1/trials/0/scores/correct", "value", "0.5",
     "baseline.json: '/cases/1/trials/0/scores/correct/value' must be 0 or 1"},
    {"/cases/1/trials/0/scores/helpful", "value", "true",
     "baseline.json: '/cases/1/trials/0/scores/helpful/value' must be a number or null"},
    {"/cases/1/trials/0/scores/helpful", "comment", "false",
     "baseline.json: '/cases/1/trials/0/scores/helpful/comment' must be a string or null"},
    {"/cases/1/trials/0/scores/helpful", "errored", "1",
     "baseline.json: '/cases/1/trials/0/scores/helpful/errored' must be a boolean"},
    {"/cases/1/trials/0/scores", "helpful", NULL,
     "baseline.json: '/cases/1/trials/0/scores/helpful' is missing"},
    {"/cases/1/trials/0/scores", "polite", "{}",
     "baseline.json: '/cases/1/trials/0/scores/polite' is not a scorer listed in '/scorers'"},
    {"/cases/1/trials/0/scores", "helpful", "7",
     "baseline.json: '/cases/1/trials/0/scores/helpful' must be an object"},
    {"/metrics", "correct", "0.5", "baseline.json: '/metrics/correct' must be an object"},
    {"/metrics/correct", "ci", "[0.1]",
     "baseline.json: '/metrics/correct/ci' must be an array of two numbers"},
    {"/metrics/helpful", "n", NULL, "baseline.json: '/metrics/helpful/n' is missing"},
    {"/gate/0", "status", "\"maybe\"",
     "baseline.json: '/gate/0/status' must be one of 'pass', 'fail', 'inconclusive', 'error'"},
    {"/gate/3", "kind", "\"median\"",
     "baseline.json: '/gate/3/kind' must be one of 'min', 'max', 'max_drop', 'no_new_failures'"},
    {"/gate/1", "actual", "\"fast\"", "baseline.json: '/gate/1/actual' must be a number or null"},
    {"", "gate", "{}", "baseline.json: '/gate' must be an array"},
    {"", "verdict", "\"ok\"", "baseline.json: '/verdict' must be one of 'pass', 'fail', 'error'"},
};

START_TEST(test_malformed)
{
    struct pawl_results r, back;
    struct pawl_error err;
    json_t *doc;

    pawl_error_init(&err);
    fx_basic(&r);
    doc = pawl_results_to_json(&r);
    fx_mutate(doc, &mutations[_i]);
    PAWL_ASSERT_ERR(pawl_results_from_json(&back, doc, "baseline.json", &err), &err, PAWL_EDATA,
                    mutations[_i].want);
    /* A failed read leaves nothing behind to free. */
    ck_assert_ptr_null(back.cases);
    ck_assert_ptr_null(back.suite);
    json_decref(doc);
    pawl_results_release(&r);
}
END_TEST

/* The unmutated document reads, so every mutation above is what breaks it. */
START_TEST(test_unmutated_reads)
{
    struct pawl_results r, back;
    struct pawl_error err;
    json_t *doc;

    pawl_error_init(&err);
    fx_basic(&r);
    doc = pawl_results_to_json(&r);
    PAWL_ASSERT_OK(pawl_results_from_json(&back, doc, "baseline.json", &err), &err);
    ck_assert_uint_eq(back.n_cases, 3);
    ck_assert_uint_eq(back.n_rules, 4);
    json_decref(doc);
    pawl_results_release(&r);
    pawl_results_release(&back);
}
END_TEST

START_TEST(test_pointer_escaping)
{
    static const char *const scorers[] = {"x/y~z"};
    struct pawl_results r, back;
    struct pawl_error err;
    json_t *doc, *score;

    pawl_error_init(&err);
    fx_init(&r, "s", scorers, 1);
    fx_case(&r, "q1", 1, 1);
    fx_output(&r, 0, 0, "out", 1);
    doc = pawl_results_to_json(&r);
    score = json_object_get(fx_resolve(doc, "/cases/0/trials/0/scores"), "x/y~z");
    json_object_set_new(score, "passed", json_null());
    PAWL_ASSERT_ERR(pawl_results_from_json(&back, doc, "b.json", &err), &err, PAWL_EDATA,
                    "b.json: '/cases/0/trials/0/scores/x~1y~0z/passed' must be a boolean");
    json_decref(doc);
    pawl_results_release(&r);
}
END_TEST

/* ---- whole files ---- */

struct file_case {
    const char *name;
    const char *text;
    const char *want; /* after "<path>" */
};

static const struct file_case file_cases[] = {
    {"syntax.json", "{\"schema\": 1,\n  oops}",
     ":2:6: invalid JSON: string or '}' expected near 'oops'"},
    {"empty.json", "", ":1: invalid JSON: '[' or '{' expected near end of file"},
    {"dupkey.json", "{\"schema\": 1, \"schema\": 1}",
     ":1:22: invalid JSON: duplicate object key near '\"schema\"'"},
    {"array.json", "[]", ": not a results file: the document must be an object"},
    {"future.json", "{\"schema\": 2, \"everything\": \"else\"}",
     ": unsupported results schema 2 (this pawl reads schema 1)"},
    {"nul.json", "{\"schema\": 1, \"suite\": \"a\\u0000b\"}",
     ":1:33: invalid JSON: \\u0000 is not allowed without JSON_ALLOW_NUL near "
     "'\"a\\u0000b\"'"},
};

START_TEST(test_read_file_errors)
{
    const struct file_case *fc = &file_cases[_i];
    struct pawl_results back;
    struct pawl_error err;
    char *path = pawl_test_tmp_path(TMP, fc->name), *want = NULL;

    pawl_error_init(&err);
    pawl_test_write_file(path, fc->text);
    want = pawl_xasprintf("%s%s", path, fc->want);
    PAWL_ASSERT_ERR(pawl_results_read(&back, path, &err), &err, PAWL_EDATA, want);
    free(want);
    free(path);
}
END_TEST

/* Bytes no results file holds: NUL bytes, and nesting past what a reader should recurse into. */
#define BYTES(s) s, sizeof(s) - 1
static const struct {
    const char *text;
    size_t len;
    const char *want;
} hostile_cases[] = {
    {BYTES("{\"schema\": 1}\n\0"), "b.json:2: unexpected NUL byte (is this a text file?)"},
    {BYTES("\0{\"schema\": 1}"), "b.json:1: unexpected NUL byte (is this a text file?)"},
    {BYTES("{\"schema\": 1,\n \"suite\": \"a\0b\"}"),
     "b.json:2: unexpected NUL byte (is this a text file?)"},
    {NULL, 0, "b.json:1:2049: invalid JSON: maximum parsing depth reached near '['"},
};

START_TEST(test_hostile_bytes)
{
    struct pawl_buf deep = PAWL_BUF_INIT;
    struct pawl_results back;
    struct pawl_error err;
    const char *text = hostile_cases[_i].text;
    size_t len = hostile_cases[_i].len, i;

    if (!text) {
        for (i = 0; i < 100000; i++)
            pawl_buf_putc(&deep, '[');
        text = deep.ptr;
        len = deep.len;
    }
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_results_parse(&back, text, len, "b.json", &err), &err, PAWL_EDATA,
                    hostile_cases[_i].want);
    ck_assert_ptr_null(back.cases);
    pawl_buf_release(&deep);
}
END_TEST

START_TEST(test_read_missing_file)
{
    struct pawl_results back;
    struct pawl_error err;
    char *path = pawl_test_tmp_path(TMP, "does-not-exist.json"), *want;

    pawl_error_init(&err);
    want = pawl_xasprintf("cannot open '%s': No such file or directory", path);
    PAWL_ASSERT_ERR(pawl_results_read(&back, path, &err), &err, PAWL_EDATA, want);
    pawl_results_release(&back);
    free(want);
    free(path);
}
END_TEST

static Suite *results_suite(void)
{
    Suite *s = suite_create("results");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_golden_basic);
    tcase_add_test(tc, test_round_trip_rich);
    tcase_add_test(tc, test_shape);
    tcase_add_test(tc, test_streamed_equals_document);
    tcase_add_test(tc, test_invalid_utf8_output);
    tcase_add_test(tc, test_metric_lookup);
    tcase_add_loop_test(tc, test_malformed, 0, sizeof(mutations) / sizeof(mutations[0]));
    tcase_add_test(tc, test_unmutated_reads);
    tcase_add_test(tc, test_pointer_escaping);
    tcase_add_loop_test(tc, test_read_file_errors, 0, sizeof(file_cases) / sizeof(file_cases[0]));
    tcase_add_test(tc, test_read_missing_file);
    tcase_add_loop_test(tc, test_hostile_bytes, 0, sizeof(hostile_cases) / sizeof(hostile_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(results_suite());
}
