/*
 * The json-schema, numeric and levenshtein scorers: scoring tables (what the
 * plug-in says, and what pawl_scorer_run() makes of it), config errors,
 * template checks, schema files, huge outputs, and the official
 * JSON-Schema-Test-Suite (Debian's json-schema-test-suite, draft 7).
 */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "pawl/alloc.h"
#include "pawl/node.h"
#include "pawl/scorer.h"
#include "scorer_impl.h"

#define SUITE_DIR "/usr/share/json-schema-test-suite/tests/draft7"

#define make_scorer pawl_test_make_scorer

/* The case's variables; `expected` is expected_output as JSON text (NULL: "Paris"). */
static json_t *vars_for(const char *output, size_t len, const char *expected)
{
    json_t *vars = json_loads("{\"id\": \"q1\", \"input\": {\"n\": 42, \"x\": \"4.2e1\","
                              " \"word\": \"forty-two\", \"empty\": \"\", \"big\": \"1e999\","
                              " \"q\": \"Capital of France?\"},"
                              " \"metadata\": {\"lang\": \"fr\"}}",
                              0, NULL);
    json_t *exp = json_loads(expected ? expected : "\"Paris\"", JSON_DECODE_ANY, NULL);

    ck_assert_ptr_nonnull(vars);
    ck_assert_ptr_nonnull(exp);
    json_object_set_new(vars, "expected_output", exp);
    /* Datasets are sanitised on the way in; this one is not, to reach the scorer's guard. */
    json_object_set_new(json_object_get(vars, "input"), "bad", json_stringn_nocheck("\xff", 1));
    json_object_set_new(vars, "output", json_stringn_nocheck(output, len));
    return vars;
}

static const struct pawl_scorer_ops *ops_for(const struct pawl_node *root)
{
    const char *type = pawl_node_get(root, "type")->value;

    if (strcmp(type, "json-schema") == 0)
        return &pawl_scorer_json_schema_ops;
    if (strcmp(type, "numeric") == 0)
        return &pawl_scorer_numeric_ops;
    return &pawl_scorer_levenshtein_ops;
}

/*
 * Scores `len` bytes of `output` twice: through pawl_scorer_run() into `out`, and
 * through the plug-in's own `score` into `raw`, whose comment pawl_scorer_run()
 * drops on a pass. Either may be NULL.
 */
static void score_both(struct pawl_score *out, struct pawl_score *raw, const char *yaml,
                       const char *output, size_t len, json_t *vars, int check)
{
    struct pawl_error err;
    struct pawl_scorer *s = NULL;
    struct pawl_node *root = NULL;
    struct pawl_scorer_input in = {output, len, vars, 100, NULL, 0, 0};
    void *state = NULL;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(make_scorer(&s, &root, yaml, "pawl.yaml", &err), &err);
    if (check)
        PAWL_ASSERT_OK(pawl_scorer_check(s, vars, &err), &err);
    if (out)
        pawl_scorer_run(s, &in, out);
    if (raw) {
        const struct pawl_scorer_ops *ops = ops_for(root);
        memset(raw, 0, sizeof(*raw));
        raw->type = PAWL_SCORE_BOOLEAN;
        PAWL_ASSERT_OK(ops->init(&state, root, "pawl.yaml", &err), &err);
        ops->score(state, &in, raw);
        ops->free(state);
    }
    pawl_scorer_free(s);
    pawl_node_free(root);
}

/* ---- scoring ---- */

#define PASS 1, 0
#define FAIL 0, 0
#define ERRORED 0, 1
#define BOOL 0, 0.0
#define NUM(v) 1, (v)

static const struct {
    const char *yaml;
    const char *expected; /* expected_output as JSON; NULL: "Paris" */
    const char *output;
    int passed, errored;
    int numeric;
    double value;        /* NUMERIC scores only */
    const char *comment; /* what the plug-in says, pass or fail */
} run_cases[] = {
    /* numeric: equality and tolerances */
    {"{type: numeric, value: '42'}", NULL, "The answer is 42.", PASS, BOOL, "42 equals 42"},
    {"{type: numeric}", "42", "42.0", PASS, BOOL, "42 equals 42"},
    {"{type: numeric}", "\"42\"", "It's 41", FAIL, BOOL, "41 does not equal 42"},
    {"{type: numeric, abs_tol: 0.5}", "42", "about 42.1 km", PASS, BOOL,
     "42.1 is within 0.5 of 42"},
    {"{type: numeric, abs_tol: 0.5}", "42", "42.7", FAIL, BOOL,
     "42.7 is not within 0.5 of 42 (off by 0.7)"},
    {"{type: numeric, abs_tol: 0.5}", "42", "41.5", PASS, BOOL, "41.5 is within 0.5 of 42"},
    {"{type: numeric, abs_tol: 0.1}", "42", "42.1", PASS, BOOL, "42.1 is within 0.1 of 42"},
    {"{type: numeric, abs_tol: 0.1}", "42", "42.11", FAIL, BOOL,
     "42.11 is not within 0.1 of 42 (off by 0.11)"},
    {"{type: numeric, rel_tol: 0.01}", "200", "201.9", PASS, BOOL, "201.9 is within 2 of 200"},
    {"{type: numeric, rel_tol: 0.01}", "-200", "-202.5", FAIL, BOOL,
     "-202.5 is not within 2 of -200 (off by 2.5)"},
    {"{type: numeric, abs_tol: 0.5, rel_tol: 0.01}", "1000", "1009", PASS, BOOL,
     "1009 is within 10 of 1000"},
    {"{type: numeric, abs_tol: 0.5, rel_tol: 0.01}", "10", "10.4", PASS, BOOL,
     "10.4 is within 0.5 of 10"},
    {"{type: numeric, value: '0.3'}", NULL, "0.30000000000000004", PASS, BOOL,
     "0.30000000000000004 equals 0.3"},
    {"{type: numeric, value: '0.3'}", NULL, "0.3000001", FAIL, BOOL,
     "0.3000001 does not equal 0.3"},
    /* numeric: the grammar */
    {"{type: numeric, value: '1234.5'}", NULL, "Total: $1,234.50", PASS, BOOL,
     "1234.5 equals 1234.5"},
    {"{type: numeric, value: '12345678.9'}", NULL, "12,345,678.9 people", PASS, BOOL,
     "12345678.9 equals 12345678.9"},
    {"{type: numeric, value: '1'}", NULL, "1,2345", PASS, BOOL, "1 equals 1"},
    {"{type: numeric, value: '1234'}", NULL, "1234,567", PASS, BOOL, "1234 equals 1234"},
    {"{type: numeric, value: '3.5'}", NULL, "3,5", FAIL, BOOL, "3 does not equal 3.5"},
    {"{type: numeric, value: '0'}", NULL, "0,500", PASS, BOOL, "0 equals 0"},
    {"{type: numeric, value: '1'}", NULL, "1, 2, 3", PASS, BOOL, "1 equals 1"},
    {"{type: numeric, value: '-17'}", NULL, "Result: -17", PASS, BOOL, "-17 equals -17"},
    {"{type: numeric, value: '-17'}", NULL,
     "\xe2\x88\x92"
     "17 \xc2\xb0"
     "C",
     PASS, BOOL, "-17 equals -17"},
    {"{type: numeric, value: '5'}", NULL, "x = +5", PASS, BOOL, "5 equals 5"},
    {"{type: numeric, value: '-1'}", NULL, "(-1)", PASS, BOOL, "-1 equals -1"},
    {"{type: numeric, value: '1'}", NULL, "x-1", PASS, BOOL, "1 equals 1"},
    {"{type: numeric, value: '88'}", NULL, "gpt-4o scored 88", FAIL, BOOL, "4 does not equal 88"},
    {"{type: numeric, value: '7'}", NULL, "v2 says 7", PASS, BOOL, "7 equals 7"},
    {"{type: numeric, value: '18'}", NULL, "H2O weighs 18", PASS, BOOL, "18 equals 18"},
    {"{type: numeric, value: '3'}", NULL, "version v1.5, then 3", PASS, BOOL, "3 equals 3"},
    {"{type: numeric, value: '0.5'}", NULL, ".5 of it", PASS, BOOL, "0.5 equals 0.5"},
    {"{type: numeric, value: '3'}", NULL, "3. Then 4", PASS, BOOL, "3 equals 3"},
    {"{type: numeric, value: '1.2'}", NULL, "1.2.3", PASS, BOOL, "1.2 equals 1.2"},
    {"{type: numeric, value: '1000'}", NULL, "1e3 items", PASS, BOOL, "1000 equals 1000"},
    {"{type: numeric, value: '0.05'}", NULL, "5E-2", PASS, BOOL, "0.05 equals 0.05"},
    {"{type: numeric, value: '2'}", NULL, "2e", PASS, BOOL, "2 equals 2"},
    {"{type: numeric, value: '2'}", NULL, "2e+x", PASS, BOOL, "2 equals 2"},
    {"{type: numeric, value: '42'}", NULL, "\xd0\x9e\xd1\x82\xd0\xb2\xd0\xb5\xd1\x82: 42", PASS,
     BOOL, "42 equals 42"},
    {"{type: numeric, value: '42'}", NULL, "\xff\xfe 42", PASS, BOOL, "42 equals 42"},
    {"{type: numeric, value: '1.2345678901234567e19'}", NULL, "12345678901234567890", PASS, BOOL,
     "1.2345678901234567e+19 equals 1.2345678901234567e+19"},
    {"{type: numeric, value: '99999999999999999'}", NULL, "99999999999999999", PASS, BOOL,
     "1e+17 equals 1e+17"},
    {"{type: numeric, value: '0.0001'}", NULL, "1e-4", PASS, BOOL, "0.0001 equals 0.0001"},
    {"{type: numeric, value: ' 1,000 '}", NULL, "1000", PASS, BOOL, "1000 equals 1000"},
    {"{type: numeric, value: \"\\u2212 3\"}", NULL, "-3", ERRORED, BOOL,
     "'value' rendered to '\xe2\x88\x92 3', which is not a number"},
    {"{type: numeric, value: '{{input.x}}'}", NULL, "42", PASS, BOOL, "42 equals 42"},
    {"{type: numeric, value: '{{input.n}}', not: true}", NULL, "42", FAIL, BOOL, "42 equals 42"},
    {"{type: numeric, value: '42'}", NULL, "no digits here", FAIL, BOOL,
     "output contains no number"},
    {"{type: numeric, value: '42'}", NULL, "", FAIL, BOOL, "output contains no number"},
    {"{type: numeric, value: '42'}", NULL, "about 1e999", FAIL, BOOL,
     "output number '1e999' is out of range"},
    {"{type: numeric, value: '42', not: true}", NULL, "none", PASS, BOOL,
     "output contains no number"},
    {"{type: numeric, value: '{{input.word}}'}", NULL, "42", ERRORED, BOOL,
     "'value' rendered to 'forty-two', which is not a number"},
    {"{type: numeric, value: '42 km'}", NULL, "42", ERRORED, BOOL,
     "'value' rendered to '42 km', which is not a number"},
    {"{type: numeric, value: '{{input.big}}'}", NULL, "42", ERRORED, BOOL,
     "'value' rendered to '1e999', which is not a number"},
    {"{type: numeric, value: '-'}", NULL, "42", ERRORED, BOOL,
     "'value' rendered to '-', which is not a number"},
    {"{type: numeric, value: '{{input.empty}}'}", NULL, "42", ERRORED, BOOL,
     "'value' rendered to an empty string"},
    {"{type: numeric}", "null", "42", ERRORED, BOOL, "'value' rendered to an empty string"},
    {"{type: numeric, value: '{{input.nope}}'}", NULL, "42", ERRORED, BOOL,
     "unknown template variable 'input.nope'"},
    {"{type: numeric}", NULL, "42", ERRORED, BOOL,
     "'value' rendered to 'Paris', which is not a number"},

    /* levenshtein */
    {"{type: levenshtein}", "\"kitten\"", "sitting", FAIL, NUM(4.0 / 7),
     "similarity 0.57 < 0.80 (3 edits over 7 characters)"},
    {"{type: levenshtein, threshold: 0.5}", "\"kitten\"", "sitting", PASS, NUM(4.0 / 7),
     "similarity 0.57 >= 0.50 (3 edits over 7 characters)"},
    {"{type: levenshtein}", NULL, "Paris", PASS, NUM(1),
     "similarity 1.00 >= 0.80 (0 edits over 5 characters)"},
    {"{type: levenshtein, value: ''}", NULL, "", PASS, NUM(1),
     "similarity 1.00 >= 0.80 (0 edits over 0 characters)"},
    {"{type: levenshtein, threshold: 1}", "\"\"", "", PASS, NUM(1),
     "similarity 1.00 >= 1.00 (0 edits over 0 characters)"},
    {"{type: levenshtein}", NULL, "", FAIL, NUM(0),
     "similarity 0.00 < 0.80 (5 edits over 5 characters)"},
    {"{type: levenshtein, value: '{{input.empty}}'}", NULL, "Rome", FAIL, NUM(0),
     "similarity 0.00 < 0.80 (4 edits over 4 characters)"},
    {"{type: levenshtein, threshold: 0}", NULL, "", PASS, NUM(0),
     "similarity 0.00 >= 0.00 (5 edits over 5 characters)"},
    {"{type: levenshtein}", NULL, "Parix", PASS, NUM(0.8),
     "similarity 0.80 >= 0.80 (1 edit over 5 characters)"},
    {"{type: levenshtein, value: abcdefg, threshold: 0.8572}", NULL, "abcdefx", FAIL, NUM(6.0 / 7),
     "similarity 0.857 < 0.8572 (1 edit over 7 characters)"},
    {"{type: levenshtein, value: abcdefg, threshold: 0.857}", NULL, "abcdefx", PASS, NUM(6.0 / 7),
     "similarity 0.86 >= 0.857 (1 edit over 7 characters)"},
    {"{type: levenshtein, value: 'ab', threshold: 0.5}", NULL, "ba", FAIL, NUM(0),
     "similarity 0.00 < 0.50 (2 edits over 2 characters)"},
    {"{type: levenshtein, value: 'flaw', threshold: 0.5}", NULL, "lawn", PASS, NUM(0.5),
     "similarity 0.50 >= 0.50 (2 edits over 4 characters)"},
    {"{type: levenshtein, value: 'Saturday', threshold: 0.6}", NULL, "Sunday", PASS, NUM(5.0 / 8),
     "similarity 0.62 >= 0.60 (3 edits over 8 characters)"},
    {"{type: levenshtein, value: 'ÉCOLE', ignore_case: true}", NULL, "école", PASS, NUM(1),
     "similarity 1.00 >= 0.80 (0 edits over 5 characters)"},
    {"{type: levenshtein, value: 'ÉCOLE'}", NULL, "école", FAIL, NUM(0),
     "similarity 0.00 < 0.80 (5 edits over 5 characters)"},
    {"{type: levenshtein, value: 'STRASSE', ignore_case: true}", NULL, "Straße", PASS, NUM(1),
     "similarity 1.00 >= 0.80 (0 edits over 7 characters)"},
    {"{type: levenshtein, value: \"e\\u0301cole\"}", NULL,
     "\xc3\xa9"
     "cole",
     PASS, NUM(1), "similarity 1.00 >= 0.80 (0 edits over 5 characters)"},
    {"{type: levenshtein, value: naive}", NULL, "na\xc3\xafve", PASS, NUM(0.8),
     "similarity 0.80 >= 0.80 (1 edit over 5 characters)"},
    {"{type: levenshtein, value: \"\\U0001F44D ok\"}", NULL, "\xf0\x9f\x91\x8e ok", FAIL, NUM(0.75),
     "similarity 0.75 < 0.80 (1 edit over 4 characters)"},
    {"{type: levenshtein, value: '日本語'}", NULL, "日本", FAIL, NUM(2.0 / 3),
     "similarity 0.67 < 0.80 (1 edit over 3 characters)"},
    {"{type: levenshtein}", NULL, "Par\xffis", ERRORED, NUM(0), "output is not valid UTF-8"},
    {"{type: levenshtein, ignore_case: true}", NULL, "\xc3", ERRORED, NUM(0),
     "output is not valid UTF-8"},
    {"{type: levenshtein, value: '{{input.bad}}'}", NULL, "x", ERRORED, NUM(0),
     "'value' is not valid UTF-8"},
    {"{type: levenshtein, value: '{{input.nope}}'}", NULL, "x", ERRORED, NUM(0),
     "unknown template variable 'input.nope'"},
    {"{type: levenshtein, not: true}", NULL, "Paris", FAIL, NUM(1),
     "similarity 1.00 >= 0.80 (0 edits over 5 characters)"},
    {"{type: levenshtein, not: true}", NULL, "Lyon", PASS, NUM(0),
     "similarity 0.00 < 0.80 (5 edits over 5 characters)"},
    {"{type: levenshtein, not: true}", NULL, "Paros", FAIL, NUM(0.8),
     "similarity 0.80 >= 0.80 (1 edit over 5 characters)"},

    /* json-schema */
    {"{type: json-schema, schema: {type: object, required: [answer],"
     " properties: {answer: {type: string}}}}",
     NULL, "{\"answer\": \"Paris\"}", PASS, BOOL, "output matches the schema"},
    {"{type: json-schema, schema: {type: object, required: [answer],"
     " properties: {answer: {type: string}}}}",
     NULL, " {}\n", FAIL, BOOL, "(root): missing required property 'answer'"},
    {"{type: json-schema, schema: {type: object, required: [answer],"
     " properties: {answer: {type: string}}}}",
     NULL, "{\"answer\": 42}", FAIL, BOOL, "/answer: 42 is a number, not a string"},
    {"{type: json-schema, schema: {type: object}}", NULL, "hello", FAIL, BOOL,
     "output is not JSON: invalid token near 'hello' at line 1"},
    {"{type: json-schema, schema: {type: object}}", NULL, "", FAIL, BOOL,
     "output is not JSON: unexpected token near end of file at line 1"},
    {"{type: json-schema, schema: {type: object}}", NULL, "```json\n{}\n```", FAIL, BOOL,
     "output is not JSON: invalid token near '`' at line 1"},
    {"{type: json-schema, schema: {type: object}}", NULL, "{\"a\": \"\xff\"}", FAIL, BOOL,
     "output is not JSON: unable to decode byte 0xff near '\"' at line 1"},
    {"{type: json-schema, schema: {type: integer}}", NULL, "123456789012345678901234567890", FAIL,
     BOOL, "output is not JSON: too big integer at line 1"},
    {"{type: json-schema, schema: {properties: {items: {type: array, items: {type: object,"
     " properties: {price: {type: number, minimum: 0}}}}}}}",
     NULL, "{\"items\": [{\"price\": 1}, {\"price\": 2.5}, {\"price\": -1}]}", FAIL, BOOL,
     "/items/2/price: -1 is less than the minimum 0"},
    {"{type: json-schema, schema: {type: array, items: {type: object, required: [id],"
     " properties: {id: {type: integer}}, additionalProperties: false}}}",
     NULL, "[{\"id\": 1}, {\"id\": \"2\"}, {}, {\"id\": 4, \"x\": 0}]", FAIL, BOOL,
     "/1/id: \"2\" is a string, not an integer (and 2 more errors)"},
    {"{type: json-schema, schema: {type: array, items: {minimum: 0}}}", NULL, "[1, -1, -2]", FAIL,
     BOOL, "/1: -1 is less than the minimum 0 (and 1 more error)"},
    {"{type: json-schema, schema: {type: integer}}", NULL, "1.0", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {type: integer}}", NULL, "1.5", FAIL, BOOL,
     "(root): 1.5 is a number, not an integer"},
    {"{type: json-schema, schema: {type: number}}", NULL, "5", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {type: [string, 'null']}}", NULL, "null", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {type: [string, 'null']}}", NULL, "3", FAIL, BOOL,
     "(root): 3 is a number, not a string or null"},
    {"{type: json-schema, schema: {type: [object, array, boolean]}}", NULL, "\"x\"", FAIL, BOOL,
     "(root): \"x\" is a string, not an object, an array or a boolean"},
    {"{type: json-schema, schema: {type: array}}", NULL, "{\"a\": 1}", FAIL, BOOL,
     "(root): {...} is an object, not an array"},
    {"{type: json-schema, schema: {type: object}}", NULL, "[]", FAIL, BOOL,
     "(root): [] is an array, not an object"},
    {"{type: json-schema, schema: {enum: [open, closed]}}", NULL, "\"done\"", FAIL, BOOL,
     "(root): \"done\" is not one of [\"open\",\"closed\"]"},
    {"{type: json-schema, schema: {enum: [1, 'a', {b: [true]}]}}", NULL, "{\"b\": [true]}", PASS,
     BOOL, "output matches the schema"},
    {"{type: json-schema, schema: {enum: [0]}}", NULL, "false", FAIL, BOOL,
     "(root): false is not one of [0]"},
    {"{type: json-schema, schema: {const: 1}}", NULL, "1.0", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {const: 1}}", NULL, "true", FAIL, BOOL,
     "(root): true is not the constant 1"},
    {"{type: json-schema, schema: {const: {a: 0.5}}}", NULL, "{\"a\": 0.25}", FAIL, BOOL,
     "(root): {...} is not the constant {\"a\":0.5}"},
    {"{type: json-schema, schema: {minimum: 1.5}}", NULL, "1.5", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {exclusiveMinimum: 0}}", NULL, "0", FAIL, BOOL,
     "(root): 0 is not greater than the exclusive minimum 0"},
    {"{type: json-schema, schema: {exclusiveMinimum: 0}}", NULL, "0.001", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {maximum: 10}}", NULL, "10.5", FAIL, BOOL,
     "(root): 10.5 is greater than the maximum 10"},
    {"{type: json-schema, schema: {exclusiveMaximum: 10}}", NULL, "10", FAIL, BOOL,
     "(root): 10 is not less than the exclusive maximum 10"},
    {"{type: json-schema, schema: {maximum: 9007199254740992}}", NULL, "9007199254740993", FAIL,
     BOOL, "(root): 9007199254740993 is greater than the maximum 9007199254740992"},
    {"{type: json-schema, schema: {minimum: 5}}", NULL, "\"3\"", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {minLength: 3}}", NULL, "\"ab\"", FAIL, BOOL,
     "(root): \"ab\" has 2 characters, fewer than the minimum 3"},
    {"{type: json-schema, schema: {minLength: 3}}", NULL, "\"日本語\"", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {maxLength: 2}}", NULL, "\"日本語\"", FAIL, BOOL,
     "(root): \"日本語\" has 3 characters, more than the maximum 2"},
    {"{type: json-schema, schema: {maxLength: 1}}", NULL, "\"\xf0\x9f\x92\xa9\"", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {minLength: 2}}", NULL, "\"\\ud83d\\udca9\"", FAIL, BOOL,
     "(root): \"\xf0\x9f\x92\xa9\" has 1 character, fewer than the minimum 2"},
    {"{type: json-schema, schema: {maxLength: 3}}", NULL, "\"a\\u0000b\"", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {maxLength: 1}}", NULL, "\"a\\n\"", FAIL, BOOL,
     "(root): \"a\\n\" has 2 characters, more than the maximum 1"},
    {"{type: json-schema, schema: {pattern: '^\\d{5}$'}}", NULL, "\"1234\"", FAIL, BOOL,
     "(root): \"1234\" does not match the pattern '^\\d{5}$'"},
    {"{type: json-schema, schema: {pattern: '^\\d{5}$'}}", NULL, "\"12345\"", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {pattern: '^\\d{5}$'}}", NULL, "\"12345\\n\"", FAIL, BOOL,
     "(root): \"12345\\n\" does not match the pattern '^\\d{5}$'"},
    {"{type: json-schema, schema: {pattern: b}}", NULL, "\"abc\"", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {pattern: '(?i)^école$'}}", NULL, "\"ÉCOLE\"", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {pattern: '^(a|a?)+$'}}", NULL,
     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"", ERRORED, BOOL,
     "(root): regex match limit exceeded"},
    {"{type: json-schema, schema: {properties: {a: {}}, additionalProperties: false}}", NULL,
     "{\"a\": 1, \"b~/\": 2}", FAIL, BOOL, "(root): property 'b~/' is not allowed"},
    {"{type: json-schema, schema: {additionalProperties: {type: string}}}", NULL,
     "{\"ok\": \"y\", \"x/y~\": 1}", FAIL, BOOL, "/x~1y~0: 1 is a number, not a string"},
    {"{type: json-schema, schema: {additionalProperties: false}}", NULL, "{\"a\\nb\": 1}", FAIL,
     BOOL, "(root): property 'a\\nb' is not allowed"},
    {"{type: json-schema, schema: {additionalProperties: {type: string}}}", NULL, "{\"a\\tb\": 1}",
     FAIL, BOOL, "/a\\tb: 1 is a number, not a string"},
    {"{type: json-schema, schema: {properties: {a/b: {type: string}}}}", NULL, "{\"a/b\": 1}", FAIL,
     BOOL, "/a~1b: 1 is a number, not a string"},
    {"{type: json-schema, schema: {properties: {a: false}}}", NULL, "{\"a\": null}", FAIL, BOOL,
     "/a: no value is allowed here"},
    {"{type: json-schema, schema: {properties: {a: false}}}", NULL, "{\"b\": null}", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {items: true}}", NULL, "[1, \"a\"]", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {required: [名前]}}", NULL, "{}", FAIL, BOOL,
     "(root): missing required property '名前'"},
    {"{type: json-schema, schema: {required: [a, b]}}", NULL, "[]", PASS, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {title: T, description: D, default: 1, examples: [1],"
     " $comment: c, $schema: 'http://json-schema.org/draft-07/schema#', type: string}}",
     NULL, "\"s\"", PASS, BOOL, "output matches the schema"},
    {"{type: json-schema, schema: {}}", NULL, "42", PASS, BOOL, "output matches the schema"},
    {"{type: json-schema, schema: {type: object}, not: true}", NULL, "{}", FAIL, BOOL,
     "output matches the schema"},
    {"{type: json-schema, schema: {type: object}, not: true}", NULL, "x", PASS, BOOL,
     "output is not JSON: invalid token near 'x' at line 1"},
};

START_TEST(test_run)
{
    struct pawl_score score, raw;
    const char *output = run_cases[_i].output;
    json_t *vars = vars_for(output, strlen(output), run_cases[_i].expected);
    const char *yaml = run_cases[_i].yaml;

    score_both(&score, &raw, yaml, output, strlen(output), vars, !run_cases[_i].errored);
    ck_assert_msg(score.passed == run_cases[_i].passed && score.errored == run_cases[_i].errored,
                  "%s on '%s': passed %d errored %d (%s)", yaml, output, score.passed,
                  score.errored, raw.comment ? raw.comment : "no comment");
    ck_assert_pstr_eq(raw.comment, run_cases[_i].comment);
    if (run_cases[_i].numeric) {
        ck_assert_int_eq(score.type, PAWL_SCORE_NUMERIC);
        ck_assert_double_eq_tol(score.value, run_cases[_i].value, 1e-12);
    } else {
        ck_assert_int_eq(score.type, PAWL_SCORE_BOOLEAN);
        ck_assert_double_eq(score.value, run_cases[_i].passed ? 1.0 : 0.0);
    }
    /* What pawl_scorer_run() keeps: nothing on a pass, the fact on a failure, marked
     * when `not` made it one. */
    if (score.passed) {
        ck_assert_ptr_null(score.comment);
    } else if (!score.errored && strstr(yaml, "not: true")) {
        char want[1024];
        snprintf(want, sizeof(want), "%s (negated)", run_cases[_i].comment);
        ck_assert_pstr_eq(score.comment, want);
    } else {
        ck_assert_pstr_eq(score.comment, run_cases[_i].comment);
    }
    pawl_score_release(&score);
    pawl_score_release(&raw);
    json_decref(vars);
}
END_TEST

/* An errored call reaches the scorers with no output: each scores it as the empty string. */
START_TEST(test_null_output)
{
    static const struct {
        const char *yaml, *comment;
    } rows[] = {
        {"{type: numeric, value: '1'}", "output contains no number"},
        {"{type: levenshtein, value: ab}", "similarity 0.00 < 0.80 (2 edits over 2 characters)"},
        {"{type: json-schema, schema: {}}",
         "output is not JSON: unexpected token near end of file at line 1"},
    };
    struct pawl_error err;
    struct pawl_scorer *s = NULL;
    struct pawl_node *root = NULL;
    struct pawl_scorer_input in = {NULL, 0, NULL, -1, NULL, 0, 0};
    struct pawl_score score;
    json_t *vars = vars_for("", 0, NULL);

    pawl_error_init(&err);
    in.vars = vars;
    PAWL_ASSERT_OK(make_scorer(&s, &root, rows[_i].yaml, "pawl.yaml", &err), &err);
    pawl_scorer_run(s, &in, &score);
    ck_assert_int_eq(score.passed, 0);
    ck_assert_int_eq(score.errored, 0);
    ck_assert_pstr_eq(score.comment, rows[_i].comment);
    pawl_score_release(&score);
    pawl_scorer_free(s);
    pawl_node_free(root);
    json_decref(vars);
}
END_TEST

/* ---- config errors ---- */

#define SUPPORTED                                                                                  \
    "type, properties, required, items, additionalProperties, enum, const, minimum, maximum, "     \
    "exclusiveMinimum, exclusiveMaximum, minLength, maxLength, pattern"

static const struct {
    const char *yaml;
    const char *want;
} config_cases[] = {
    /* numeric */
    {"{type: numeric, abs_tol: -1}", "pawl.yaml:1:26: 'abs_tol' must be a non-negative number"},
    {"{type: numeric, abs_tol: '0.5'}", "pawl.yaml:1:26: 'abs_tol' must be a non-negative number"},
    {"{type: numeric, rel_tol: 1%}", "pawl.yaml:1:26: 'rel_tol' must be a non-negative number"},
    {"{type: numeric, rel_tol: [1]}", "pawl.yaml:1:26: 'rel_tol' must be a non-negative number"},
    {"{type: numeric, value: [1]}", "pawl.yaml:1:24: 'value' must be a string"},
    {"{type: numeric, value: }", "pawl.yaml:1:24: 'value' must be a string"},
    {"{type: numeric, value: '{{ a'}", "pawl.yaml:1:25: unclosed '{{'"},
    {"{type: numeric, abs_tl: 1}",
     "pawl.yaml:1:17: unknown key 'abs_tl' (did you mean 'abs_tol'?)"},
    /* levenshtein */
    {"{type: levenshtein, threshold: 1.5}",
     "pawl.yaml:1:32: 'threshold' must be a number from 0 to 1"},
    {"{type: levenshtein, threshold: -0.1}",
     "pawl.yaml:1:32: 'threshold' must be a number from 0 to 1"},
    {"{type: levenshtein, threshold: high}",
     "pawl.yaml:1:32: 'threshold' must be a number from 0 to 1"},
    {"{type: levenshtein, threshold: '0.8'}",
     "pawl.yaml:1:32: 'threshold' must be a number from 0 to 1"},
    {"{type: levenshtein, ignore_case: maybe}",
     "pawl.yaml:1:34: 'ignore_case' must be true or false"},
    {"{type: levenshtein, treshold: 0.5}",
     "pawl.yaml:1:21: unknown key 'treshold' (did you mean 'threshold'?)"},
    {"{type: levenshtein, value: {a: 1}}", "pawl.yaml:1:28: 'value' must be a string"},
    {"type: levenshtein\nvalue: x {{a..b}}\n", "pawl.yaml:2:10: invalid template variable 'a..b'"},
    /* json-schema: the scorer's own keys */
    {"{type: json-schema}", "pawl.yaml:1:1: missing required key 'schema' or 'schema_file'"},
    {"{type: json-schema, schema: {type: string}, schema_file: a.json}",
     "pawl.yaml:1:45: 'schema' and 'schema_file' cannot be used together"},
    {"{type: json-schema, schema: string}", "pawl.yaml:1:29: 'schema' must be a mapping"},
    {"{type: json-schema, schema: [type]}", "pawl.yaml:1:29: 'schema' must be a mapping"},
    {"{type: json-schema, schema_file: [a]}", "pawl.yaml:1:34: 'schema_file' must be a string"},
    {"{type: json-schema, schema_file: ''}", "pawl.yaml:1:34: 'schema_file' must be a file name"},
    {"{type: json-schema, schema_file: /etc/s.json}",
     "pawl.yaml:1:34: path '/etc/s.json' must be relative to the config file"},
    {"{type: json-schema, shema: {}}",
     "pawl.yaml:1:21: unknown key 'shema' (did you mean 'schema'?)"},
    /* json-schema: the schema itself */
    {"{type: json-schema, schema: {type: strin}}",
     "pawl.yaml:1:36: unknown type 'strin' (did you mean 'string'?)"},
    {"{type: json-schema, schema: {type: float}}",
     "pawl.yaml:1:36: unknown type 'float' (expected null, boolean, object, array, number, "
     "string or integer)"},
    {"{type: json-schema, schema: {type: null}}",
     "pawl.yaml:1:36: 'type' must be a type name or a non-empty list of them (write \"null\" in "
     "quotes)"},
    {"{type: json-schema, schema: {type: []}}",
     "pawl.yaml:1:36: 'type' must be a type name or a non-empty list of them"},
    {"{type: json-schema, schema: {type: [string, 1]}}",
     "pawl.yaml:1:45: 'type' must list type names"},
    {"{type: json-schema, schema: {type: [string, string]}}",
     "pawl.yaml:1:45: 'type' lists 'string' twice"},
    {"{type: json-schema, schema: {properties: {a: {type: [integer, intger]}}}}",
     "pawl.yaml:1:63: unknown type 'intger' at '/properties/a' (did you mean 'integer'?)"},
    {"{type: json-schema, schema: {format: date}}",
     "pawl.yaml:1:30: unsupported schema keyword 'format' (supported: " SUPPORTED ")"},
    {"{type: json-schema, schema: {properties: {d: {type: string, format: date}}}}",
     "pawl.yaml:1:61: unsupported schema keyword 'format' at '/properties/d' (supported: " SUPPORTED
     ")"},
    {"{type: json-schema, schema: {$ref: '#/definitions/a'}}",
     "pawl.yaml:1:30: unsupported schema keyword '$ref' (supported: " SUPPORTED ")"},
    {"{type: json-schema, schema: {items: {anyOf: [{}]}}}",
     "pawl.yaml:1:38: unsupported schema keyword 'anyOf' at '/items' (supported: " SUPPORTED ")"},
    {"{type: json-schema, schema: {minLenght: 1}}",
     "pawl.yaml:1:30: unknown schema keyword 'minLenght' (did you mean 'minLength'?)"},
    {"{type: json-schema, schema: {zzz: 1}}",
     "pawl.yaml:1:30: unknown schema keyword 'zzz' (supported: " SUPPORTED ")"},
    {"{type: json-schema, schema: {minimum: '0'}}", "pawl.yaml:1:39: 'minimum' must be a number"},
    {"{type: json-schema, schema: {properties: {p: {maximum: x}}}}",
     "pawl.yaml:1:56: 'maximum' at '/properties/p' must be a number"},
    {"{type: json-schema, schema: {exclusiveMinimum: true}}",
     "pawl.yaml:1:48: 'exclusiveMinimum' must be a number"},
    {"{type: json-schema, schema: {exclusiveMaximum: [1]}}",
     "pawl.yaml:1:48: 'exclusiveMaximum' must be a number"},
    {"{type: json-schema, schema: {minLength: -1}}",
     "pawl.yaml:1:41: 'minLength' must be a non-negative integer"},
    {"{type: json-schema, schema: {maxLength: 1.5}}",
     "pawl.yaml:1:41: 'maxLength' must be a non-negative integer"},
    {"{type: json-schema, schema: {maxLength: '2'}}",
     "pawl.yaml:1:41: 'maxLength' must be a non-negative integer"},
    {"{type: json-schema, schema: {pattern: '(a'}}",
     "pawl.yaml:1:39: invalid regex in 'pattern': missing closing parenthesis at offset 2"},
    {"{type: json-schema, schema: {items: {pattern: 'a{2,1}'}}}",
     "pawl.yaml:1:47: invalid regex in 'pattern' at '/items': numbers out of order in {} "
     "quantifier at offset 5"},
    {"{type: json-schema, schema: {pattern: [a]}}", "pawl.yaml:1:39: 'pattern' must be a string"},
    {"{type: json-schema, schema: {items: [{type: string}]}}",
     "pawl.yaml:1:37: 'items' must be a schema (the list form is not supported)"},
    {"{type: json-schema, schema: {items: 3}}",
     "pawl.yaml:1:37: schema at '/items' must be an object, true or false"},
    {"{type: json-schema, schema: {properties: [a]}}",
     "pawl.yaml:1:42: 'properties' must map property names to schemas"},
    {"{type: json-schema, schema: {properties: {a: 1}}}",
     "pawl.yaml:1:46: schema at '/properties/a' must be an object, true or false"},
    {"{type: json-schema, schema: {properties: {a~b/c: 'x'}}}",
     "pawl.yaml:1:50: schema at '/properties/a~0b~1c' must be an object, true or false"},
    {"{type: json-schema, schema: {required: a}}",
     "pawl.yaml:1:40: 'required' must be a list of property names"},
    {"{type: json-schema, schema: {required: [a, 1]}}",
     "pawl.yaml:1:44: 'required' must be a list of property names"},
    {"{type: json-schema, schema: {required: [a, a]}}",
     "pawl.yaml:1:44: 'required' lists 'a' twice"},
    {"{type: json-schema, schema: {enum: a}}", "pawl.yaml:1:36: 'enum' must be a list"},
    {"{type: json-schema, schema: {additionalProperties: maybe}}",
     "pawl.yaml:1:52: schema at '/additionalProperties' must be an object, true or false"},
    {"name: shape\ntype: json-schema\nschema:\n  type: object\n  properties:\n"
     "    price: {type: number, minimum: zero}\n",
     "pawl.yaml:6:36: 'minimum' at '/properties/price' must be a number"},
};

START_TEST(test_config_errors)
{
    struct pawl_error err;
    struct pawl_scorer *s = (struct pawl_scorer *)&err; /* must be reset to NULL */
    struct pawl_node *root = NULL;

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(make_scorer(&s, &root, config_cases[_i].yaml, "pawl.yaml", &err), &err,
                    PAWL_ECONFIG, config_cases[_i].want);
    ck_assert_ptr_null(s);
    pawl_node_free(root);
}
END_TEST

/* ---- check() against a case's variables ---- */

static const struct {
    const char *yaml;
    const char *want; /* NULL: resolves */
} check_cases[] = {
    {"{type: numeric}", "pawl.yaml:1:1: unknown template variable 'expected_output'"},
    {"name: n\ntype: numeric\nabs_tol: 1\n",
     "pawl.yaml:1:1: unknown template variable 'expected_output'"},
    {"{type: numeric, value: '{{input.q}}'}", NULL},
    {"{type: numeric, value: 'x {{input.m}}'}",
     "pawl.yaml:1:27: unknown template variable 'input.m'"},
    {"{type: levenshtein}", "pawl.yaml:1:1: unknown template variable 'expected_output'"},
    {"{type: levenshtein, value: '{{input.q}}'}", NULL},
    {"{type: levenshtein, value: '{{output}}'}", NULL},
    {"{type: levenshtein, value: '{{metadata.x}}'}",
     "pawl.yaml:1:29: unknown template variable 'metadata.x'"},
    {"{type: json-schema, schema: {type: string}}", NULL},
};

START_TEST(test_check)
{
    struct pawl_error err;
    struct pawl_scorer *s = NULL;
    struct pawl_node *root = NULL;
    json_t *vars = json_pack("{s:s, s:{s:s}, s:{}, s:s}", "id", "q1", "input", "q", "why?",
                             "metadata", "output", "out");

    pawl_error_init(&err);
    PAWL_ASSERT_OK(make_scorer(&s, &root, check_cases[_i].yaml, "pawl.yaml", &err), &err);
    if (check_cases[_i].want)
        PAWL_ASSERT_ERR(pawl_scorer_check(s, vars, &err), &err, PAWL_ECONFIG, check_cases[_i].want);
    else
        PAWL_ASSERT_OK(pawl_scorer_check(s, vars, &err), &err);
    pawl_scorer_free(s);
    pawl_node_free(root);
    json_decref(vars);
}
END_TEST

/* ---- schema files ---- */

static char *scratch_root, *scratch, *saved_cwd;

static void scratch_root_setup(void)
{
    scratch_root = pawl_test_scratch_root("scorers-a");
}

static void scratch_root_teardown(void)
{
    pawl_test_scratch_remove(&scratch_root);
}

/* A fresh folder that is its own repository root (it holds .git), made the current one. */
static void scratch_setup(void)
{
    scratch = pawl_test_scratch_dir(scratch_root, "t");
    saved_cwd = getcwd(NULL, 0);
    ck_assert_ptr_nonnull(saved_cwd);
    pawl_test_write_at(scratch, ".git/HEAD", "ref: refs/heads/main\n");
    pawl_test_write_at(scratch, "s.json",
                       "{\"type\": \"object\", \"required\": [\"a\"],\n"
                       " \"properties\": {\"a\": {\"type\": \"integer\"}}}\n");
    pawl_test_write_at(scratch, "sub/s.json", "{\"items\": {\"maxLength\": 2}}");
    pawl_test_write_at(scratch, "true.json", " true ");
    pawl_test_write_at(scratch, "false.json", "false");
    pawl_test_write_at(scratch, "bad.json", "{\"type\": }");
    pawl_test_write_at(scratch, "bad2.json", "{\"properties\": {\"p\": {\"minimum\": \"0\"}}}");
    pawl_test_write_at(scratch, "arr.json", "[1]");
    pawl_test_write_at(scratch, "fmt.json", "{\"format\": \"date\"}");
    pawl_test_write_at(scratch, "empty.json", "");
    pawl_test_write_at(scratch, "nul.json", "{\"const\": \"a\\u0000b\"}");
    ck_assert_int_eq(chdir(scratch), 0);
}

static void scratch_teardown(void)
{
    pawl_test_scratch_leave(&saved_cwd, &scratch);
}

static const struct {
    const char *file;
    const char *output;
    int passed;
    const char *comment; /* as pawl_scorer_run() leaves it */
} file_cases[] = {
    {"s.json", "{\"a\": 1}", 1, NULL},
    {"s.json", "{\"a\": 1.5}", 0, "/a: 1.5 is a number, not an integer"},
    {"s.json", "{}", 0, "(root): missing required property 'a'"},
    {"./sub/../s.json", "{}", 0, "(root): missing required property 'a'"},
    {"sub/s.json", "[\"ab\", \"abc\"]", 0, "/1: \"abc\" has 3 characters, more than the maximum 2"},
    {"true.json", "[\"anything\"]", 1, NULL},
    {"false.json", "{}", 0, "(root): no value is allowed here"},
    {"nul.json", "\"a\\u0000b\"", 1, NULL},
    {"nul.json", "\"a\"", 0, "(root): \"a\" is not the constant \"a\\u0000b\""},
};

START_TEST(test_schema_file)
{
    struct pawl_score score;
    char yaml[256];
    const char *out = file_cases[_i].output;
    json_t *vars = vars_for(out, strlen(out), NULL);

    snprintf(yaml, sizeof(yaml), "{type: json-schema, schema_file: '%s'}", file_cases[_i].file);
    score_both(&score, NULL, yaml, out, strlen(out), vars, 1);
    ck_assert_int_eq(score.passed, file_cases[_i].passed);
    ck_assert_int_eq(score.errored, 0);
    ck_assert_pstr_eq(score.comment, file_cases[_i].comment);
    pawl_score_release(&score);
    json_decref(vars);
}
END_TEST

static const struct {
    const char *file;
    const char *want;
} file_errors[] = {
    {"nope.json", "pawl.yaml:1:34: cannot read schema file 'nope.json': No such file or directory"},
    {"sub", "pawl.yaml:1:34: cannot read schema file 'sub': Is a directory"},
    {"../s.json", "pawl.yaml:1:34: path '../s.json' escapes the repository"},
    {"sub/../../s.json", "pawl.yaml:1:34: path 'sub/../../s.json' escapes the repository"},
    {"bad.json", "bad.json:1:10: invalid JSON: unexpected token near '}'"},
    {"empty.json", "empty.json:1: invalid JSON: unexpected token near end of file"},
    {"bad2.json", "bad2.json: 'minimum' at '/properties/p' must be a number"},
    {"arr.json", "arr.json: schema must be an object, true or false"},
    {"fmt.json", "fmt.json: unsupported schema keyword 'format' (supported: " SUPPORTED ")"},
};

START_TEST(test_schema_file_errors)
{
    struct pawl_error err;
    struct pawl_scorer *s = NULL;
    struct pawl_node *root = NULL;
    char yaml[256];

    snprintf(yaml, sizeof(yaml), "{type: json-schema, schema_file: %s}", file_errors[_i].file);
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(make_scorer(&s, &root, yaml, "pawl.yaml", &err), &err, PAWL_ECONFIG,
                    file_errors[_i].want);
    ck_assert_ptr_null(s);
    pawl_node_free(root);
}
END_TEST

/* A config in a subfolder finds its schema beside it, and errors name the file that way. */
START_TEST(test_schema_file_beside_config)
{
    struct pawl_error err;
    struct pawl_scorer *s = NULL;
    struct pawl_node *root = NULL;

    pawl_test_write_at(scratch, "evals/schemas/x.json", "{\"minimum\": []}");
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(make_scorer(&s, &root, "{type: json-schema, schema_file: schemas/x.json}",
                                "evals/pawl.yaml", &err),
                    &err, PAWL_ECONFIG, "evals/schemas/x.json: 'minimum' must be a number");
    pawl_node_free(root);
    root = NULL;
    pawl_error_init(&err);
    /* Leaving the config's folder is fine while the path stays in the repository. */
    PAWL_ASSERT_OK(make_scorer(&s, &root, "{type: json-schema, schema_file: ../s.json}",
                               "evals/pawl.yaml", &err),
                   &err);
    pawl_scorer_free(s);
    pawl_node_free(root);
}
END_TEST

/* ---- huge outputs ---- */

static char *repeat(const char *unit, size_t times, const char *tail)
{
    size_t ul = strlen(unit), tl = strlen(tail), i;
    char *s = pawl_xmalloc(ul * times + tl + 1);

    for (i = 0; i < times; i++)
        memcpy(s + i * ul, unit, ul);
    memcpy(s + ul * times, tail, tl + 1);
    return s;
}

static void score_huge(struct pawl_score *out, const char *yaml, const char *output, json_t *vars)
{
    json_t *own = vars ? NULL : vars_for("", 0, NULL);

    score_both(NULL, out, yaml, output, strlen(output), vars ? vars : own, 0);
    json_decref(own);
}

START_TEST(test_numeric_huge)
{
    struct pawl_score score;
    char *big = repeat("word ", 1 << 20, "= 42");
    char *digits = repeat("1", 1 << 20, "");
    char want[512];

    score_huge(&score, "{type: numeric, value: '42'}", big, NULL);
    ck_assert_int_eq(score.passed, 1);
    ck_assert_str_eq(score.comment, "42 equals 42");
    pawl_score_release(&score);

    score_huge(&score, "{type: numeric, value: '42'}", digits, NULL);
    ck_assert_int_eq(score.passed, 0);
    ck_assert_int_eq(score.errored, 0);
    snprintf(want, sizeof(want), "output number '%.200s...' is out of range", digits);
    ck_assert_str_eq(score.comment, want);
    pawl_score_release(&score);
    free(big);
    free(digits);
}
END_TEST

START_TEST(test_levenshtein_huge)
{
    struct pawl_score score;
    char *at_limit = repeat("a", 20000, ""), *over = repeat("a", 20001, "");
    char *wide = repeat("\xc3\xa9", 20001, ""), *huge = repeat("x", 4 << 20, "");
    char *ab = repeat("ab", 1500, ""), *ba = repeat("ba", 1500, "");
    json_t *vars = vars_for("", 0, NULL);

    /* 20,000 code points each side is the limit, whatever their size in bytes. */
    json_object_set_new(vars, "expected_output", json_string(at_limit));
    score_huge(&score, "{type: levenshtein}", at_limit, vars);
    ck_assert_int_eq(score.passed, 1);
    ck_assert_str_eq(score.comment, "similarity 1.00 >= 0.80 (0 edits over 20000 characters)");
    pawl_score_release(&score);

    score_huge(&score, "{type: levenshtein}", over, vars);
    ck_assert_int_eq(score.errored, 1);
    ck_assert_str_eq(score.comment,
                     "output has 20001 characters, more than the 20000 levenshtein compares");
    pawl_score_release(&score);

    score_huge(&score, "{type: levenshtein}", wide, vars);
    ck_assert_int_eq(score.errored, 1);
    ck_assert_str_eq(score.comment,
                     "output has 20001 characters, more than the 20000 levenshtein compares");
    pawl_score_release(&score);

    score_huge(&score, "{type: levenshtein}", huge, vars);
    ck_assert_int_eq(score.errored, 1);
    ck_assert_str_eq(score.comment,
                     "output has 4194304 characters, more than the 20000 levenshtein compares");
    pawl_score_release(&score);

    json_object_set_new(vars, "expected_output", json_string(over));
    score_huge(&score, "{type: levenshtein}", "a", vars);
    ck_assert_int_eq(score.errored, 1);
    ck_assert_str_eq(score.comment,
                     "'value' has 20001 characters, more than the 20000 levenshtein compares");
    pawl_score_release(&score);

    /* No shared prefix or suffix to cut: the whole table is computed. */
    json_object_set_new(vars, "expected_output", json_string(ab));
    score_huge(&score, "{type: levenshtein, threshold: 0.999}", ba, vars);
    ck_assert_int_eq(score.type, PAWL_SCORE_NUMERIC);
    ck_assert_double_eq_tol(score.value, 1 - 2.0 / 3000, 1e-12);
    ck_assert_str_eq(score.comment, "similarity 0.999 >= 0.999 (2 edits over 3000 characters)");
    pawl_score_release(&score);

    free(at_limit);
    free(over);
    free(wide);
    free(huge);
    free(ab);
    free(ba);
    json_decref(vars);
}
END_TEST

/* The worst case the limit allows, two unrelated 20,000-character texts, stays bounded. */
START_TEST(test_levenshtein_worst_case)
{
    struct pawl_score score;
    char *a = repeat("a", 20000, ""), *b = repeat("b", 20000, "");
    json_t *vars = vars_for("", 0, NULL);
    struct timespec t0, t1;
    double secs;

    json_object_set_new(vars, "expected_output", json_string(a));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    score_huge(&score, "{type: levenshtein}", b, vars);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_str_eq(score.comment, "similarity 0.00 < 0.80 (20000 edits over 20000 characters)");
    ck_assert_msg(secs < 30, "took %.1f s", secs);
    pawl_score_release(&score);
    free(a);
    free(b);
    json_decref(vars);
}
END_TEST

START_TEST(test_json_schema_huge)
{
    struct pawl_score score;
    char *items = repeat("{\"price\": -1},", 100000, "{\"price\": 0}]}");
    char *doc = pawl_xasprintf("{\"items\": [%s", items);
    char *str = repeat("a", 1 << 20, "\"");
    char *sdoc = pawl_xasprintf("\"%s", str);
    char want[512];

    score_huge(&score,
               "{type: json-schema, schema: {properties: {items: {items: {properties:"
               " {price: {minimum: 0}}}}}}}",
               doc, NULL);
    ck_assert_int_eq(score.passed, 0);
    ck_assert_str_eq(score.comment,
                     "/items/0/price: -1 is less than the minimum 0 (and 99999 more errors)");
    pawl_score_release(&score);

    score_huge(&score, "{type: json-schema, schema: {maxLength: 10}}", sdoc, NULL);
    snprintf(want, sizeof(want),
             "(root): \"%.199s... has 1048576 characters, more than the maximum 10", str);
    ck_assert_str_eq(score.comment, want);
    pawl_score_release(&score);

    free(items);
    free(doc);
    free(str);
    free(sdoc);
}
END_TEST

/* ---- the official JSON-Schema-Test-Suite ---- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every draft 7 test group whose schema uses only supported keywords: each
 * schema goes through a schema file and each instance through the output,
 * as in a real run. A group is skipped only when the scorer refuses its
 * schema for using a keyword it does not support, so a supported keyword
 * cannot hide behind a skip.
 */
START_TEST(test_official_suite)
{
    DIR *dir = opendir(SUITE_DIR);
    struct dirent *de;
    char **names = NULL, failures[4096] = "";
    size_t n_names = 0, alloc = 0, i, groups = 0, skipped = 0, run = 0, passed = 0;
    char *schema_path = pawl_test_tmp_path(scratch, "group.json");

    ck_assert_msg(dir != NULL,
                  "%s is missing: install Debian's json-schema-test-suite (ci/setup.sh)",
                  SUITE_DIR);
    while ((de = readdir(dir)))
        if (strlen(de->d_name) > 5 && strcmp(de->d_name + strlen(de->d_name) - 5, ".json") == 0) {
            PAWL_ALLOC_GROW(names, n_names + 1, alloc);
            names[n_names++] = pawl_xstrdup(de->d_name);
        }
    closedir(dir);
    qsort(names, n_names, sizeof(*names), by_name);

    for (i = 0; i < n_names; i++) {
        char *path = pawl_xasprintf("%s/%s", SUITE_DIR, names[i]);
        json_error_t jerr;
        json_t *file = json_load_file(path, JSON_ALLOW_NUL, &jerr), *group;
        size_t g;

        ck_assert_msg(file != NULL, "%s: %s", path, jerr.text);
        json_array_foreach(file, g, group)
        {
            const char *desc = json_string_value(json_object_get(group, "description"));
            json_t *tests = json_object_get(group, "tests"), *t;
            struct pawl_error err;
            struct pawl_scorer *s = NULL;
            struct pawl_node *root = NULL;
            char yaml[512];
            size_t k;

            groups++;
            ck_assert_int_eq(
                json_dump_file(json_object_get(group, "schema"), schema_path, JSON_ENCODE_ANY), 0);
            snprintf(yaml, sizeof(yaml), "{type: json-schema, schema_file: group.json}");
            pawl_error_init(&err);
            if (make_scorer(&s, &root, yaml, "pawl.yaml", &err) < 0) {
                ck_assert_msg(strstr(err.msg, "unsupported schema keyword") ||
                                  strstr(err.msg, "unknown schema keyword") ||
                                  strstr(err.msg, "(the list form is not supported)"),
                              "%s: '%s': %s", names[i], desc, err.msg);
                skipped++;
                pawl_node_free(root);
                continue;
            }
            json_array_foreach(tests, k, t)
            {
                char *text = json_dumps(json_object_get(t, "data"), JSON_ENCODE_ANY);
                int valid = json_is_true(json_object_get(t, "valid"));
                struct pawl_scorer_input in = {text, strlen(text), NULL, -1, NULL, 0, 0};
                struct pawl_score score;

                pawl_scorer_run(s, &in, &score);
                run++;
                if (score.passed == valid && !score.errored)
                    passed++;
                else if (strlen(failures) < sizeof(failures) - 512)
                    snprintf(failures + strlen(failures), sizeof(failures) - strlen(failures),
                             "\n  %s: '%s' / '%s': %s -> %s", names[i], desc,
                             json_string_value(json_object_get(t, "description")), text,
                             score.comment ? score.comment : "passed");
                pawl_score_release(&score);
                free(text);
            }
            pawl_scorer_free(s);
            pawl_node_free(root);
        }
        json_decref(file);
        free(path);
    }
    printf("json-schema-test-suite draft7: %zu of %zu tests pass in %zu of %zu groups "
           "(%zu groups skipped for unsupported keywords)\n",
           passed, run, groups - skipped, groups, skipped);
    ck_assert_msg(passed == run, "%zu of %zu suite tests fail:%s", run - passed, run, failures);
    /* The files for the supported keywords alone hold well over a hundred tests. */
    ck_assert_msg(run >= 150, "only %zu suite tests ran", run);
    for (i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    free(schema_path);
}
END_TEST

static Suite *scorers_a_suite(void)
{
    Suite *s = suite_create("scorers_a");
    TCase *tc = tcase_create("core"), *files = tcase_create("files"), *huge = tcase_create("huge");

    tcase_add_loop_test(tc, test_run, 0, sizeof(run_cases) / sizeof(run_cases[0]));
    tcase_add_loop_test(tc, test_null_output, 0, 3);
    tcase_add_loop_test(tc, test_config_errors, 0, sizeof(config_cases) / sizeof(config_cases[0]));
    tcase_add_loop_test(tc, test_check, 0, sizeof(check_cases) / sizeof(check_cases[0]));
    suite_add_tcase(s, tc);

    tcase_add_unchecked_fixture(files, scratch_root_setup, scratch_root_teardown);
    tcase_add_checked_fixture(files, scratch_setup, scratch_teardown);
    tcase_add_loop_test(files, test_schema_file, 0, sizeof(file_cases) / sizeof(file_cases[0]));
    tcase_add_loop_test(files, test_schema_file_errors, 0,
                        sizeof(file_errors) / sizeof(file_errors[0]));
    tcase_add_test(files, test_schema_file_beside_config);
    tcase_add_test(files, test_official_suite);
    suite_add_tcase(s, files);

    tcase_add_test(huge, test_numeric_huge);
    tcase_add_test(huge, test_levenshtein_huge);
    tcase_add_test(huge, test_levenshtein_worst_case);
    tcase_add_test(huge, test_json_schema_huge);
    suite_add_tcase(s, huge);
    return s;
}

int main(void)
{
    return pawl_test_run(scorers_a_suite());
}
