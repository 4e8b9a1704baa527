#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/node.h"
#include "pawl/scorer.h"
#include "scorer_impl.h"
#include <utf8proc.h>

static int make_scorer(struct pawl_scorer **out, struct pawl_node **root, const char *yaml,
                       struct pawl_error *err)
{
    return pawl_test_make_scorer(out, root, yaml, "pawl.yaml", err);
}

static const char *const case_vars =
    "{\"id\": \"q1\", \"input\": {\"question\": \"Capital of France?\", \"bad\": \"(\","
    " \"empty\": \"\","
    " \"n\": 2}, \"expected_output\": \"Paris\", \"metadata\": {\"lang\": \"fr\"}}";

static json_t *vars_for(const char *output, size_t len)
{
    json_t *vars = json_loads(case_vars, 0, NULL);

    ck_assert_ptr_nonnull(vars);
    json_object_set_new(vars, "output", json_stringn_nocheck(output, len));
    return vars;
}

/*
 * Scores `output` (NULL: a failed call, with no variables either) with the scorer `yaml`
 * describes, checking the scorer against the case's variables first when `check` is set.
 * The caller releases the score.
 */
static void run_scorer(struct pawl_score *out, const char *yaml, const char *output,
                       long latency_ms, int check)
{
    struct pawl_error err;
    struct pawl_scorer *s = NULL;
    struct pawl_node *root = NULL;
    struct pawl_scorer_input in = {NULL, 0, NULL, latency_ms, NULL, 0, 0};
    json_t *vars = output ? vars_for(output, strlen(output)) : NULL;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(make_scorer(&s, &root, yaml, &err), &err);
    if (check)
        PAWL_ASSERT_OK(pawl_scorer_check(s, vars, &err), &err);
    in.output = output;
    in.output_len = output ? strlen(output) : 0;
    in.vars = vars;
    pawl_scorer_run(s, &in, out);
    pawl_scorer_free(s);
    pawl_node_free(root);
    json_decref(vars);
}

/* ---- scoring ---- */

#define PASS 1, 0
#define FAIL 0, 0
#define ERRORED 0, 1

static const struct {
    const char *yaml;
    const char *output;
    long latency_ms;
    int passed, errored;
    const char *comment; /* NULL: a plain pass keeps no comment */
} run_cases[] = {
    /* equals */
    {"{type: equals, value: Paris}", "  Paris\n", 10, PASS, NULL},
    {"{type: equals, value: Paris}", "Pari", 10, FAIL, "output 'Pari' does not equal 'Paris'"},
    {"{type: equals, value: Paris, trim: false}", "Paris\n", 10, FAIL,
     "output 'Paris\\n' does not equal 'Paris'"},
    {"{type: equals, value: ' Paris ', trim: false}", " Paris ", 10, PASS, NULL},
    {"{type: equals, value: '{{expected_output}}'}", "Paris", 10, PASS, NULL},
    {"{type: equals, value: '{{expected_output}}'}", "paris", 10, FAIL,
     "output 'paris' does not equal 'Paris'"},
    {"{type: equals, value: Paris, not: true}", "Paris", 10, FAIL,
     "output equals 'Paris' (negated)"},
    {"{type: equals, value: Paris, not: true}", "Rome", 10, PASS, NULL},
    {"{type: equals, value: x, trim: false}", "a\tb\x01", 10, FAIL,
     "output 'a\\tb\\x01' does not equal 'x'"},
    /* contains */
    {"{type: contains, value: Paris}", "It is Paris.", 10, PASS, NULL},
    {"{type: contains, value: Paris}", "It is Rome.", 10, FAIL, "output does not contain 'Paris'"},
    {"{type: contains, value: paris}", "It is Paris.", 10, FAIL, "output does not contain 'paris'"},
    {"{type: contains, value: sorry, not: true}", "I'm sorry", 10, FAIL,
     "output contains 'sorry' (negated)"},
    {"{type: contains, value: sorry, not: yes}", "Sure!", 10, PASS, NULL},
    {"{type: contains, value: 'Q: {{input.question}}'}", "Q: Capital of France? A: Paris", 10, PASS,
     NULL},
    {"{type: contains, value: '{{input.missing}}'}", "x", 10, ERRORED,
     "unknown template variable 'input.missing'"},
    {"{type: contains, value: '{{input.missing}}', not: true}", "x", 10, ERRORED,
     "unknown template variable 'input.missing'"},
    {"{type: contains, value: '{{output}}'}", "echo", 10, PASS, NULL},
    /* icontains */
    {"{type: icontains, value: ÉCOLE}", "l'école est fermée", 10, PASS, NULL},
    {"{type: icontains, value: école}", "L'ÉCOLE EST FERMÉE", 10, PASS, NULL},
    {"{type: icontains, value: STRASSE}", "Hauptstraße 5", 10, PASS, NULL},
    {"{type: icontains, value: Straße}", "HAUPTSTRASSE 5", 10, PASS, NULL},
    {"{type: icontains, value: \"E\\u0301COLE\"}",
     "l'\xc3\xa9"
     "cole",
     10, PASS, NULL},
    {"{type: icontains, value: '{{expected_output}}'}", "PARIS!", 10, PASS, NULL},
    {"{type: icontains, value: Berlin}", "Paris", 10, FAIL,
     "output does not contain 'Berlin' (ignoring case)"},
    {"{type: icontains, value: paris, not: true}", "PARIS", 10, FAIL,
     "output contains 'paris' (ignoring case) (negated)"},
    {"{type: icontains, value: paris}", "PARIS \xff\xfe", 10, ERRORED, "output is not valid UTF-8"},
    {"{type: icontains, value: paris, not: true}", "\xc3", 10, ERRORED,
     "output is not valid UTF-8"},
    {"{type: contains, value: '{{input.empty}}'}", "x", 10, ERRORED,
     "'value' rendered to an empty string"},
    {"{type: icontains, value: ''}", "", 10, ERRORED, "'value' rendered to an empty string"},
    {"{type: icontains, value: paris}", "", 10, FAIL,
     "output does not contain 'paris' (ignoring case)"},
    /* contains-any */
    {"{type: contains-any, values: [Paris, Lyon]}", "Lyon", 10, PASS, NULL},
    {"{type: contains-any, values: [Paris, Lyon]}", "Rome", 10, FAIL,
     "output contains none of 'Paris', 'Lyon'"},
    {"{type: contains-any, values: [PARIS, LYON], ignore_case: true}", "lyon", 10, PASS, NULL},
    {"{type: contains-any, values: [PARIS, LYON], ignore_case: true}", "rome", 10, FAIL,
     "output contains none of 'PARIS', 'LYON' (ignoring case)"},
    {"{type: contains-any, values: [sorry, apolog], not: true}", "I apologize", 10, FAIL,
     "output contains 'apolog' (negated)"},
    {"{type: contains-any, values: ['{{expected_output}}', '{{metadata.lang}}']}", "fr", 10, PASS,
     NULL},
    {"{type: contains-any, values: [a, '{{nope}}']}", "a", 10, ERRORED,
     "unknown template variable 'nope'"},
    {"{type: contains-any, values: [a], ignore_case: true}", "\xff", 10, ERRORED,
     "output is not valid UTF-8"},
    {"{type: contains-any, values: [a, '{{input.empty}}', c]}", "a", 10, ERRORED,
     "'values' item 2 rendered to an empty string"},
    /* contains-all */
    {"{type: contains-all, values: [Paris, France]}", "Paris, France", 10, PASS, NULL},
    {"{type: contains-all, values: [Paris, France]}", "Paris", 10, FAIL,
     "output does not contain 'France'"},
    {"{type: contains-all, values: [a, b, c]}", "b", 10, FAIL, "output does not contain 'a', 'c'"},
    {"{type: contains-all, values: [PARIS, FRANCE], ignore_case: true}", "paris, france", 10, PASS,
     NULL},
    {"{type: contains-all, values: [PARIS, FRANCE], ignore_case: true}", "paris", 10, FAIL,
     "output does not contain 'FRANCE' (ignoring case)"},
    {"{type: contains-all, values: [Paris, France], not: true}", "Paris France", 10, FAIL,
     "output contains all of 'Paris', 'France' (negated)"},
    /* starts-with */
    {"{type: starts-with, value: 'Answer:'}", "Answer: 42", 10, PASS, NULL},
    {"{type: starts-with, value: 'Answer:'}", "The Answer: 42", 10, FAIL,
     "output does not start with 'Answer:'"},
    {"{type: starts-with, value: 'Answer:'}", "Ans", 10, FAIL,
     "output does not start with 'Answer:'"},
    {"{type: starts-with, value: '{{expected_output}}', not: true}", "Paris.", 10, FAIL,
     "output starts with 'Paris' (negated)"},
    {"{type: starts-with, value: ''}", "x", 10, ERRORED, "'value' rendered to an empty string"},
    /* regex */
    {"{type: regex, value: '\\d+'}", "abc 123", 10, PASS, NULL},
    {"{type: regex, value: '\\d+'}", "abc", 10, FAIL, "output does not match regex '\\d+'"},
    {"{type: regex, value: '\\d+', not: true}", "abc 123 x", 10, FAIL,
     "output matches regex '\\d+': '123' (negated)"},
    {"{type: regex, value: \"(?i)i'?m sorry\", not: true}", "Im SORRY about that", 10, FAIL,
     "output matches regex '(?i)i'?m sorry': 'Im SORRY' (negated)"},
    {"{type: regex, value: \"(?i)i'?m sorry\", not: true}", "All good", 10, PASS, NULL},
    {"{type: regex, value: '(?i)^école$'}", "ÉCOLE", 10, PASS, NULL},
    {"{type: regex, value: '^{{expected_output}}$'}", "Paris", 10, PASS, NULL},
    {"{type: regex, value: '^{{expected_output}}$'}", "Paris!", 10, FAIL,
     "output does not match regex '^Paris$'"},
    {"{type: regex, value: 'x{{input.bad}}'}", "x", 10, ERRORED,
     "invalid regex: missing closing parenthesis at offset 2"},
    {"{type: regex, value: '{{input.nope}}'}", "x", 10, ERRORED,
     "unknown template variable 'input.nope'"},
    {"{type: regex, value: '\\d'}", "\xff abc 7", 10, PASS, NULL},
    {"{type: regex, value: '^(a|a?)+$'}", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", 10,
     ERRORED, "regex match limit exceeded"},
    /* is-json */
    {"{type: is-json}", "{\"a\": 1}", 10, PASS, NULL},
    {"{type: is-json}", " [1, 2]\n", 10, PASS, NULL},
    {"{type: is-json}", "hello", 10, FAIL,
     "output is not valid JSON: '[' or '{' expected near 'hello' at line 1"},
    {"{type: is-json}", "", 10, FAIL,
     "output is not valid JSON: '[' or '{' expected near end of file at line 1"},
    {"{type: is-json}", "{\"a\": 1}\nx", 10, FAIL,
     "output is not valid JSON: end of file expected near 'x' at line 2"},
    {"{type: is-json}", "42", 10, FAIL,
     "output is a number, not a JSON object or array (set 'any: true' to accept it)"},
    {"{type: is-json}", "\"hi\"", 10, FAIL,
     "output is a string, not a JSON object or array (set 'any: true' to accept it)"},
    {"{type: is-json, any: true}", "42", 10, PASS, NULL},
    {"{type: is-json, any: true}", "null", 10, PASS, NULL},
    {"{type: is-json, any: true}", "hello", 10, FAIL,
     "output is not valid JSON: invalid token near 'hello' at line 1"},
    {"{type: is-json, not: true}", "[]", 10, FAIL, "output is valid JSON (negated)"},
    /* json-path */
    {"{type: json-path, path: /answer, equals: Paris}", "{\"answer\": \"Paris\"}", 10, PASS, NULL},
    {"{type: json-path, path: /answer, equals: Paris}", "{\"answer\": \"Rome\"}", 10, FAIL,
     "'/answer' is \"Rome\", expected \"Paris\""},
    {"{type: json-path, path: /answer, equals: '\"Paris\"'}", "{\"answer\": \"Paris\"}", 10, PASS,
     NULL},
    {"{type: json-path, path: /answer, equals: '{{expected_output}}'}", "{}", 10, FAIL,
     "no value at '/answer'"},
    {"{type: json-path, path: /answer, equals: Paris}", "oops", 10, FAIL,
     "output is not valid JSON: invalid token near 'oops' at line 1"},
    {"{type: json-path, path: /n, equals: '42'}", "{\"n\": 42}", 10, PASS, NULL},
    {"{type: json-path, path: /n, equals: '42'}", "{\"n\": 42.0}", 10, PASS, NULL},
    {"{type: json-path, path: /n, equals: '42'}", "{\"n\": \"42\"}", 10, PASS, NULL},
    {"{type: json-path, path: /n, equals: '42'}", "{\"n\": 43}", 10, FAIL,
     "'/n' is 43, expected 42"},
    {"{type: json-path, path: /n, equals: '0.1'}", "{\"n\": 0.1}", 10, PASS, NULL},
    {"{type: json-path, path: /ok, equals: 'true'}", "{\"ok\": false}", 10, FAIL,
     "'/ok' is false, expected true"},
    {"{type: json-path, path: /o, equals: '{\"b\": [1, 2], \"a\": true}'}",
     "{\"o\": {\"a\": true, \"b\": [1, 2.0]}}", 10, PASS, NULL},
    {"{type: json-path, path: /o, equals: '{\"b\": [1, 2], \"a\": true}'}",
     "{\"o\": {\"a\": false}}", 10, FAIL,
     "'/o' is {\"a\":false}, expected {\"b\":[1,2],\"a\":true}"},
    {"{type: json-path, path: /items/1/a~1b, equals: x}", "{\"items\": [{}, {\"a/b\": \"x\"}]}", 10,
     PASS, NULL},
    {"{type: json-path, path: /t~0k, equals: x}", "{\"t~k\": \"x\"}", 10, PASS, NULL},
    {"{type: json-path, path: /items/01, equals: x}", "{\"items\": [\"y\", \"x\"]}", 10, FAIL,
     "no value at '/items/01'"},
    {"{type: json-path, path: /items/-, equals: x}", "{\"items\": [\"x\"]}", 10, FAIL,
     "no value at '/items/-'"},
    {"{type: json-path, path: /a/b, equals: x}", "{\"a\": \"x\"}", 10, FAIL, "no value at '/a/b'"},
    {"{type: json-path, path: '', equals: '[1,2]'}", "[1, 2]", 10, PASS, NULL},
    {"{type: json-path, path: /answer, contains: '{{expected_output}}'}",
     "{\"answer\": \"Paris, France\"}", 10, PASS, NULL},
    {"{type: json-path, path: /answer, contains: '{{expected_output}}'}", "{\"answer\": \"Rome\"}",
     10, FAIL, "'/answer' is \"Rome\", which does not contain 'Paris'"},
    {"{type: json-path, path: /answer, contains: Paris, not: true}",
     "{\"answer\": \"Paris, France\"}", 10, FAIL,
     "'/answer' is \"Paris, France\", which contains 'Paris' (negated)"},
    {"{type: json-path, path: /o, contains: '\"k\":1'}", "{\"o\": {\"k\": 1}}", 10, PASS, NULL},
    /* latency */
    {"{type: latency, max: 500}", "x", 300, PASS, NULL},
    {"{type: latency, max: 500}", "x", 500, PASS, NULL},
    {"{type: latency, max: 500}", "x", 800, FAIL, "latency 800 ms exceeds 500 ms"},
    {"{type: latency, max: 1.5}", "x", 2, FAIL, "latency 2 ms exceeds 1.5 ms"},
    {"{type: latency, max: 500}", "x", -1, PASS, "latency unknown (cached response)"},
    {"{type: latency, max: 500, not: true}", "x", -1, PASS, "latency unknown (cached response)"},
    {"{type: latency, max: 500, not: true}", "x", 300, FAIL,
     "latency 300 ms is within 500 ms (negated)"},
};

START_TEST(test_run)
{
    struct pawl_score score;

    run_scorer(&score, run_cases[_i].yaml, run_cases[_i].output, run_cases[_i].latency_ms,
               !run_cases[_i].errored);
    ck_assert_msg(score.passed == run_cases[_i].passed && score.errored == run_cases[_i].errored,
                  "%s on '%s': passed %d errored %d (%s)", run_cases[_i].yaml, run_cases[_i].output,
                  score.passed, score.errored, score.comment ? score.comment : "no comment");
    ck_assert_int_eq(score.type, PAWL_SCORE_BOOLEAN);
    ck_assert_double_eq(score.value, run_cases[_i].passed ? 1.0 : 0.0);
    if (run_cases[_i].comment)
        ck_assert_pstr_eq(score.comment, run_cases[_i].comment);
    else
        ck_assert_msg(score.comment == NULL, "unexpected comment '%s'", score.comment);
    pawl_score_release(&score);
}
END_TEST

/* A long output is quoted to 200 bytes without splitting a UTF-8 sequence. */
START_TEST(test_quote_truncation)
{
    struct pawl_score score;
    char output[1 + 150 * 2 + 1], want[512];
    size_t i;

    /* "a" then 150 two-byte 'é': byte 200 is a continuation byte, so the cut backs up to 199. */
    output[0] = 'a';
    for (i = 0; i < 150; i++)
        memcpy(output + 1 + 2 * i, "\xc3\xa9", 2);
    output[sizeof(output) - 1] = '\0';
    strcpy(want, "output 'a");
    for (i = 0; i < 99; i++)
        strcat(want, "\xc3\xa9");
    strcat(want, "...' does not equal 'x'");

    run_scorer(&score, "{type: equals, value: x}", output, 1, 0);
    ck_assert_pstr_eq(score.comment, want);
    pawl_score_release(&score);
}
END_TEST

/* An errored call reaches the scorer with no output; it scores as the empty string. */
START_TEST(test_null_output)
{
    struct pawl_score score;

    run_scorer(&score, "{type: contains, value: x}", NULL, -1, 0);
    ck_assert_int_eq(score.passed, 0);
    ck_assert_pstr_eq(score.comment, "output does not contain 'x'");
    pawl_score_release(&score);
}
END_TEST

/* ---- config errors ---- */

static const struct {
    const char *yaml;
    const char *want;
} config_cases[] = {
    {"{type: regx, value: a}", "pawl.yaml:1:8: unknown scorer type 'regx' (did you mean 'regex'?)"},
    {"{type: contain, value: a}",
     "pawl.yaml:1:8: unknown scorer type 'contain' (did you mean 'contains'?)"},
    {"{type: zzzzzz}", "pawl.yaml:1:8: unknown scorer type 'zzzzzz'"},
    {"{name: x}", "pawl.yaml:1:1: missing required key 'type'"},
    {"{type: contains, valeu: x}", "pawl.yaml:1:18: unknown key 'valeu' (did you mean 'value'?)"},
    {"{type: contains, value: x, wieght: 2}",
     "pawl.yaml:1:28: unknown key 'wieght' (did you mean 'weight'?)"},
    {"{type: is-json, value: x}", "pawl.yaml:1:17: unknown key 'value'"},
    {"{type: contains}", "pawl.yaml:1:1: missing required key 'value'"},
    {"name: c\ntype: equals\n", "pawl.yaml:1:1: missing required key 'value'"},
    {"{type: contains, value: [a]}", "pawl.yaml:1:25: 'value' must be a string"},
    {"{type: contains, value: }", "pawl.yaml:1:25: 'value' must be a string"},
    {"{type: contains, value: x, not: maybe}", "pawl.yaml:1:33: 'not' must be true or false"},
    {"{type: contains, value: x, not: 'true'}", "pawl.yaml:1:33: 'not' must be true or false"},
    {"{type: contains, value: x, weight: -1}",
     "pawl.yaml:1:36: 'weight' must be a non-negative number"},
    {"{type: contains, value: x, weight: heavy}",
     "pawl.yaml:1:36: 'weight' must be a non-negative number"},
    {"{type: contains, value: x, description: [a]}",
     "pawl.yaml:1:41: 'description' must be a string"},
    {"{type: equals, value: x, trim: 3}", "pawl.yaml:1:32: 'trim' must be true or false"},
    {"{type: is-json, any: 1}", "pawl.yaml:1:22: 'any' must be true or false"},
    {"{type: contains, value: 'a {{ b'}", "pawl.yaml:1:28: unclosed '{{'"},
    {"type: contains\nvalue: x {{a..b}}\n", "pawl.yaml:2:10: invalid template variable 'a..b'"},
    {"name: no_sorry\ntype: regex\nvalue: '(abc'\n",
     "pawl.yaml:3:8: invalid regex: missing closing parenthesis at offset 4"},
    {"{type: regex, value: 'a{2,1}'}",
     "pawl.yaml:1:22: invalid regex: numbers out of order in {} quantifier at offset 5"},
    {"{type: contains-any}", "pawl.yaml:1:1: missing required key 'values'"},
    {"{type: contains-any, values: []}", "pawl.yaml:1:30: 'values' must be a non-empty list"},
    {"{type: contains-all, values: a}", "pawl.yaml:1:30: 'values' must be a non-empty list"},
    {"{type: contains-all, values: [a, [b]]}", "pawl.yaml:1:34: 'values' items must be strings"},
    {"{type: contains-any, values: [a, 'x{{']}", "pawl.yaml:1:36: unclosed '{{'"},
    {"{type: contains-any, values: [a], ignore_case: maybe}",
     "pawl.yaml:1:48: 'ignore_case' must be true or false"},
    {"{type: json-path, path: a/b, equals: x}", "pawl.yaml:1:25: invalid JSON pointer 'a/b'"},
    {"{type: json-path, path: /a~2, equals: x}", "pawl.yaml:1:25: invalid JSON pointer '/a~2'"},
    {"{type: json-path, path: /a~, equals: x}", "pawl.yaml:1:25: invalid JSON pointer '/a~'"},
    {"{type: json-path, equals: x}", "pawl.yaml:1:1: missing required key 'path'"},
    {"{type: json-path, path: /a}", "pawl.yaml:1:1: missing required key 'equals' or 'contains'"},
    {"{type: json-path, path: /a, equals: x, contains: y}",
     "pawl.yaml:1:40: 'equals' and 'contains' cannot be used together"},
    {"{type: latency}", "pawl.yaml:1:1: missing required key 'max'"},
    {"{type: latency, max: 0}", "pawl.yaml:1:22: 'max' must be a positive number of milliseconds"},
    {"{type: latency, max: 1s}", "pawl.yaml:1:22: 'max' must be a positive number of milliseconds"},
};

START_TEST(test_config_errors)
{
    struct pawl_error err;
    struct pawl_scorer *s = (struct pawl_scorer *)&err; /* must be reset to NULL */
    struct pawl_node *root = NULL;

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(make_scorer(&s, &root, config_cases[_i].yaml, &err), &err, PAWL_ECONFIG,
                    config_cases[_i].want);
    ck_assert_ptr_null(s);
    pawl_node_free(root);
}
END_TEST

/* ---- common keys and accessors ---- */

static const struct {
    const char *yaml;
    const char *name, *type;
    double weight;
} common_cases[] = {
    {"{type: contains, value: x}", "contains", "contains", 1.0},
    {"{name: has_x, type: contains, value: x, weight: 2.5}", "has_x", "contains", 2.5},
    {"{name: free, type: is-json, weight: 0, description: 'not counted'}", "free", "is-json", 0.0},
    {"{type: latency, max: 100, weight: 3}", "latency", "latency", 3.0},
};

START_TEST(test_common)
{
    struct pawl_error err;
    struct pawl_scorer *s = NULL;
    struct pawl_node *root = NULL;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(make_scorer(&s, &root, common_cases[_i].yaml, &err), &err);
    ck_assert_str_eq(pawl_scorer_name(s), common_cases[_i].name);
    ck_assert_str_eq(pawl_scorer_type(s), common_cases[_i].type);
    ck_assert_double_eq(pawl_scorer_weight(s), common_cases[_i].weight);
    pawl_scorer_free(s);
    pawl_node_free(root);
}
END_TEST

/* Every listed type is registered: its own keys are checked, not "unknown scorer type". */
START_TEST(test_types_registered)
{
    const char *const *types = pawl_scorer_types();
    size_t i;

    for (i = 0; types[i]; i++) {
        struct pawl_error err;
        struct pawl_scorer *s = NULL;
        struct pawl_node *root = NULL;
        char yaml[128];

        snprintf(yaml, sizeof(yaml), "{type: %s, zzz_nothing: 1}", types[i]);
        pawl_error_init(&err);
        ck_assert_int_eq(make_scorer(&s, &root, yaml, &err), PAWL_ECONFIG);
        ck_assert_str_eq(err.msg, "unknown key 'zzz_nothing'");
        pawl_node_free(root);
    }
    ck_assert_uint_eq(i, 20);
}
END_TEST

/* ---- check() against a case's variables ---- */

static const struct {
    const char *yaml;
    const char *want; /* NULL: resolves */
} check_cases[] = {
    {"{type: contains, value: '{{input.question}}'}", NULL},
    {"{type: contains, value: '{{input.nope}}'}",
     "pawl.yaml:1:26: unknown template variable 'input.nope'"},
    {"type: regex\nvalue: '^{{ expected }}$'\n",
     "pawl.yaml:2:10: unknown template variable 'expected'"},
    {"{type: regex, value: '{{output}}'}", NULL},
    {"{type: contains-all, values: [a, '{{metadata.x}}']}",
     "pawl.yaml:1:35: unknown template variable 'metadata.x'"},
    {"{type: json-path, path: /a, contains: '{{id}}'}", NULL},
    {"{type: json-path, path: /a, equals: '{{ids}}'}",
     "pawl.yaml:1:38: unknown template variable 'ids'"},
    {"{type: is-json}", NULL},
    {"{type: latency, max: 1}", NULL},
};

START_TEST(test_check)
{
    struct pawl_error err;
    struct pawl_scorer *s = NULL;
    struct pawl_node *root = NULL;
    json_t *vars = vars_for("out", 3);

    pawl_error_init(&err);
    PAWL_ASSERT_OK(make_scorer(&s, &root, check_cases[_i].yaml, &err), &err);
    if (check_cases[_i].want)
        PAWL_ASSERT_ERR(pawl_scorer_check(s, vars, &err), &err, PAWL_ECONFIG, check_cases[_i].want);
    else
        PAWL_ASSERT_OK(pawl_scorer_check(s, vars, &err), &err);
    pawl_scorer_free(s);
    pawl_node_free(root);
    json_decref(vars);
}
END_TEST

/* ---- score helpers ---- */

START_TEST(test_score_helpers)
{
    struct pawl_score a = {PAWL_SCORE_CATEGORICAL, 0, NULL, 1, 0, NULL, 0, 0, 0, 0}, b;

    ck_assert_str_eq(pawl_score_type_name(PAWL_SCORE_NUMERIC), "NUMERIC");
    ck_assert_str_eq(pawl_score_type_name(PAWL_SCORE_BOOLEAN), "BOOLEAN");
    ck_assert_str_eq(pawl_score_type_name(PAWL_SCORE_CATEGORICAL), "CATEGORICAL");
    ck_assert_int_eq(pawl_score_type_parse("NUMERIC"), PAWL_SCORE_NUMERIC);
    ck_assert_int_eq(pawl_score_type_parse("BOOLEAN"), PAWL_SCORE_BOOLEAN);
    ck_assert_int_eq(pawl_score_type_parse("CATEGORICAL"), PAWL_SCORE_CATEGORICAL);
    ck_assert_int_eq(pawl_score_type_parse("boolean"), -1);

    a.category = strdup("good");
    a.comment = strdup("why");
    pawl_score_copy(&b, &a);
    ck_assert_ptr_ne(b.category, a.category);
    ck_assert_str_eq(b.category, "good");
    ck_assert_str_eq(b.comment, "why");
    ck_assert_int_eq(b.type, PAWL_SCORE_CATEGORICAL);
    ck_assert_int_eq(b.passed, 1);
    pawl_score_release(&a);
    ck_assert_ptr_null(a.comment);
    pawl_score_release(&b);
    pawl_score_release(NULL);
}
END_TEST

/* The ASCII shortcut of case folding gives what utf8proc gives, for every ASCII byte. */
START_TEST(test_fold_ascii_matches_utf8proc)
{
    char text[128], *fast;
    utf8proc_uint8_t *slow = NULL;
    size_t n, i;
    utf8proc_ssize_t m;

    for (i = 0; i < 128; i++)
        text[i] = (char)i;
    ck_assert_int_eq(pawl_scorer_fold(&fast, &n, text, 128), 0);
    m = utf8proc_map((const utf8proc_uint8_t *)text, 128, &slow,
                     UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    ck_assert_int_eq(m, 128);
    ck_assert_uint_eq(n, 128);
    ck_assert(memcmp(fast, slow, 128) == 0);
    free(fast);
    free(slow);
}
END_TEST

/* ---- llm-judge: reading the judge's reply ---- */

#define JUDGE "{type: llm-judge, judge: {provider: openai, model: m}, rubric_text: x"
static const struct {
    const char *yaml, *reply;
    enum pawl_score_type type;
    double value;
    int passed, errored;
    const char *comment, *category;
} judge_cases[] = {
    {JUDGE ", range: [1, 5], pass: 0.75}", "{\"reasoning\": \"exact\", \"score\": 5}",
     PAWL_SCORE_NUMERIC, 1, 1, 0, "5 of 1..5: exact", NULL},
    {JUDGE ", range: [1, 5], pass: 0.75}", "{\"score\": 3.5, \"reasoning\": \"half\"}",
     PAWL_SCORE_NUMERIC, 0.625, 0, 0, "3.5 of 1..5: half", NULL},
    {JUDGE "}", "{\"score\": 0.5}", PAWL_SCORE_NUMERIC, 0.5, 1, 0,
     "0.5 of 0..1: no reasoning given", NULL},
    {JUDGE "}", "Verdict:\n```json\n{\"score\": 1, \"reasoning\": \"é ✓\"}\n```", PAWL_SCORE_NUMERIC,
     1, 1, 0, "1 of 0..1: é ✓", NULL},
    {JUDGE "}", "I'd say {\"score\": 0, \"reasoning\": \"no\"} overall.", PAWL_SCORE_NUMERIC, 0, 0,
     0, "0 of 0..1: no", NULL},
    {JUDGE "}", "", PAWL_SCORE_BOOLEAN, 0, 0, 1, "judge reply holds no JSON object: ''", NULL},
    {JUDGE "}", "{\"score\": ", PAWL_SCORE_BOOLEAN, 0, 0, 1,
     "judge reply holds no JSON object: '{\"score\": '", NULL},
    {JUDGE "}", "[1, 2]", PAWL_SCORE_BOOLEAN, 0, 0, 1, "judge reply holds no JSON object: '[1, 2]'",
     NULL},
    {JUDGE "}", "{\"reasoning\": \"x\"}", PAWL_SCORE_BOOLEAN, 0, 0, 1,
     "judge reply has no 'score': '{\"reasoning\": \"x\"}'", NULL},
    {JUDGE "}", "{\"score\": \"0.9\"}", PAWL_SCORE_BOOLEAN, 0, 0, 1,
     "judge score is not a number: '{\"score\": \"0.9\"}'", NULL},
    {JUDGE ", range: [1, 5]}", "{\"score\": 0}", PAWL_SCORE_BOOLEAN, 0, 0, 1,
     "judge score 0 is outside the range 1..5: '{\"score\": 0}'", NULL},
    {JUDGE ", kind: boolean}", "{\"score\": false, \"reasoning\": \"off topic\"}",
     PAWL_SCORE_BOOLEAN, 0, 0, 0, "not met: off topic", NULL},
    {JUDGE ", kind: boolean}", "{\"score\": 1}", PAWL_SCORE_BOOLEAN, 0, 0, 1,
     "judge score is not true or false: '{\"score\": 1}'", NULL},
    {JUDGE ", kind: categorical, categories: [ok, hallucination], failure_modes: [hallucination]}",
     "{\"score\": \"OK\", \"reasoning\": \"fine\"}", PAWL_SCORE_CATEGORICAL, 1, 1, 0, "ok: fine", "ok"},
    {JUDGE ", kind: categorical, categories: [ok, hallucination], failure_modes: [hallucination]}",
     "{\"score\": \"hallucination\"}", PAWL_SCORE_CATEGORICAL, 0, 0, 0,
     "hallucination: no reasoning given", "hallucination"},
    {JUDGE ", kind: categorical, categories: [a, b], passing: [b]}", "{\"score\": \"a\"}",
     PAWL_SCORE_CATEGORICAL, 0, 0, 0, "a: no reasoning given", "a"},
    {JUDGE ", kind: categorical, categories: [a, b]}", "{\"score\": \"c\"}", PAWL_SCORE_BOOLEAN, 0, 0,
     1, "judge category 'c' is not one of the 'categories': '{\"score\": \"c\"}'", NULL},
    {JUDGE ", kind: categorical, categories: [a, b]}", "{\"score\": 2}", PAWL_SCORE_BOOLEAN, 0, 0, 1,
     "judge score is not a category name: '{\"score\": 2}'", NULL},
};

START_TEST(test_judge_reply)
{
    struct pawl_scorer *s = NULL;
    struct pawl_node *root = NULL;
    struct pawl_error err;
    struct pawl_score out;

    pawl_error_init(&err);
    memset(&out, 0, sizeof(out));
    out.type = PAWL_SCORE_BOOLEAN; /* as pawl_scorer_start() leaves it */
    PAWL_ASSERT_OK(make_scorer(&s, &root, judge_cases[_i].yaml, &err), &err);
    pawl_judge_read_reply(pawl_scorer_state(s), judge_cases[_i].reply,
                          strlen(judge_cases[_i].reply), &out);
    ck_assert_int_eq(out.errored, judge_cases[_i].errored);
    ck_assert_int_eq(out.passed, judge_cases[_i].passed);
    ck_assert_int_eq(out.type, judge_cases[_i].type);
    ck_assert_double_eq_tol(out.value, judge_cases[_i].value, 1e-9);
    ck_assert_str_eq(out.comment, judge_cases[_i].comment);
    if (judge_cases[_i].category)
        ck_assert_str_eq(out.category, judge_cases[_i].category);
    else
        ck_assert_ptr_null(out.category);
    pawl_score_release(&out);
    pawl_scorer_free(s);
    pawl_node_free(root);
}
END_TEST

/* A judge's reply can be huge; reading it stays bounded and quotes only its start. */
START_TEST(test_judge_reply_huge)
{
    struct pawl_scorer *s = NULL;
    struct pawl_node *root = NULL;
    struct pawl_error err;
    struct pawl_score out;
    size_t n = 4 * 1024 * 1024;
    char *reply = malloc(n + 1);

    memset(reply, 'x', n);
    reply[n] = '\0';
    pawl_error_init(&err);
    memset(&out, 0, sizeof(out));
    PAWL_ASSERT_OK(make_scorer(&s, &root, JUDGE "}", &err), &err);
    pawl_judge_read_reply(pawl_scorer_state(s), reply, n, &out);
    ck_assert_int_eq(out.errored, 1);
    ck_assert_uint_lt(strlen(out.comment), 400);
    pawl_score_release(&out);
    pawl_scorer_free(s);
    pawl_node_free(root);
    free(reply);
}
END_TEST

static Suite *scorers_suite(void)
{
    Suite *s = suite_create("scorers");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_run, 0, sizeof(run_cases) / sizeof(run_cases[0]));
    tcase_add_test(tc, test_quote_truncation);
    tcase_add_test(tc, test_null_output);
    tcase_add_loop_test(tc, test_config_errors, 0, sizeof(config_cases) / sizeof(config_cases[0]));
    tcase_add_loop_test(tc, test_common, 0, sizeof(common_cases) / sizeof(common_cases[0]));
    tcase_add_test(tc, test_types_registered);
    tcase_add_loop_test(tc, test_check, 0, sizeof(check_cases) / sizeof(check_cases[0]));
    tcase_add_test(tc, test_score_helpers);
    tcase_add_test(tc, test_fold_ascii_matches_utf8proc);
    tcase_add_loop_test(tc, test_judge_reply, 0, sizeof(judge_cases) / sizeof(judge_cases[0]));
    tcase_add_test(tc, test_judge_reply_huge);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(scorers_suite());
}
