#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/buf.h"
#include "pawl/template.h"

/* Insertion order matters: objects must render in this order, not sorted. */
static const char *const vars_json =
    "{\"id\": \"q1\","
    " \"input\": {\"question\": \"What?\", \"n\": 3, \"neg\": -42, \"pi\": 0.1, \"big\": 1e300,"
    "  \"whole\": 100.0, \"ok\": true, \"no\": false, \"nil\": null,"
    "  \"obj\": {\"b\": 1, \"a\": [1, \"x\"], \"s\": \"q\\\"t\"},"
    "  \"arr\": [\"zero\", \"one\", {\"k\": \"v\"}],"
    "  \"text\": \"h\\u00e9llo \\u00fcn\\u00efcode \\u2713\", \"empty\": \"\","
    "  \"user question\": \"spaced\", \"nested\": {\"0\": \"zero-key\"},"
    "  \"multi\": \"line1\\nline2\", \"emptyobj\": {}, \"emptyarr\": []},"
    " \"expected_output\": \"Paris\","
    " \"metadata\": {\"tags\": [\"a\", \"b\"]}}";

static json_t *load_vars(void)
{
    json_error_t jerr;
    json_t *v = json_loads(vars_json, 0, &jerr);

    ck_assert_msg(v != NULL, "vars: %s", jerr.text);
    return v;
}

/* ---- rendering ---- */

static const struct {
    const char *tmpl;
    const char *want;
} render_cases[] = {
    {"{{input.question}}", "What?"},
    {"{{ input.question }}", "What?"},
    {"{{\tinput.question\n}}", "What?"},
    {"{{id}}", "q1"},
    {"{{input.n}}", "3"},
    {"{{input.neg}}", "-42"},
    {"{{input.pi}}", "0.1"},
    {"{{input.big}}", "1e300"},
    {"{{input.whole}}", "100.0"},
    {"{{input.ok}}", "true"},
    {"{{input.no}}", "false"},
    {"[{{input.nil}}]", "[]"},
    {"[{{input.empty}}]", "[]"},
    {"{{input.obj}}", "{\"b\":1,\"a\":[1,\"x\"],\"s\":\"q\\\"t\"}"},
    {"{{input.arr}}", "[\"zero\",\"one\",{\"k\":\"v\"}]"},
    {"{{input.emptyobj}}{{input.emptyarr}}", "{}[]"},
    {"{{input.obj.a.1}}", "x"},
    {"{{input.arr.0}}", "zero"},
    {"{{input.arr.2.k}}", "v"},
    {"{{input.nested.0}}", "zero-key"},
    {"{{metadata.tags.0}}-{{metadata.tags.1}}", "a-b"},
    {"{{id}}{{expected_output}}", "q1Paris"},
    {"{{input.user question}}", "spaced"},
    {"{{input.multi}}", "line1\nline2"},
    {"plain text, no variables", "plain text, no variables"},
    {"", ""},
    {"Ça {{input.text}} ✓", "Ça héllo ünïcode ✓ ✓"},
    {"a }} b { c } {d}", "a }} b { c } {d}"},
    {"Q: {{input.question}}\nA: {{expected_output}}\n", "Q: What?\nA: Paris\n"},
};

START_TEST(test_render)
{
    struct pawl_error err;
    struct pawl_template *t = NULL;
    struct pawl_buf out = PAWL_BUF_INIT;
    json_t *vars = load_vars();

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_template_compile(&t, render_cases[_i].tmpl, "p.md", 1, 1, &err), &err);
    pawl_buf_puts(&out, ">");
    PAWL_ASSERT_OK(pawl_template_render(&out, t, vars, &err), &err);
    ck_assert_str_eq(out.ptr + 1, render_cases[_i].want);
    ck_assert_uint_eq(out.len, strlen(render_cases[_i].want) + 1);
    PAWL_ASSERT_OK(pawl_template_check(t, vars, &err), &err);
    pawl_buf_release(&out);
    pawl_template_free(t);
    json_decref(vars);
}
END_TEST

/* ---- missing variables, located across lines ---- */

static const struct {
    const char *path; /* the variable in the second line */
    int col0;         /* col passed to compile */
    const char *want;
} missing_cases[] = {
    {"input.qestion", 12, "pawl.yaml:8:10: unknown template variable 'input.qestion'"},
    {"input.question.x", 12, "pawl.yaml:8:10: unknown template variable 'input.question.x'"},
    {"input.arr.3", 12, "pawl.yaml:8:10: unknown template variable 'input.arr.3'"},
    {"input.arr.01", 12, "pawl.yaml:8:10: unknown template variable 'input.arr.01'"},
    {"input.arr.x", 12, "pawl.yaml:8:10: unknown template variable 'input.arr.x'"},
    {"output", 12, "pawl.yaml:8:10: unknown template variable 'output'"},
    {"input.nil.x", 0, "pawl.yaml:8: unknown template variable 'input.nil.x'"},
};

START_TEST(test_missing)
{
    struct pawl_error err;
    struct pawl_template *t = NULL;
    struct pawl_buf out = PAWL_BUF_INIT;
    json_t *vars = load_vars();
    char text[256];

    /* "Réponse: " is 9 characters in 10 bytes: columns count characters, so `{{` is at 10. */
    pawl_error_init(&err);
    snprintf(text, sizeof(text), "Q: {{input.question}}\nRéponse: {{  %s }} end",
             missing_cases[_i].path);
    PAWL_ASSERT_OK(pawl_template_compile(&t, text, "pawl.yaml", 7, missing_cases[_i].col0, &err),
                   &err);
    pawl_buf_puts(&out, "keep");
    PAWL_ASSERT_ERR(pawl_template_render(&out, t, vars, &err), &err, PAWL_EDATA,
                    missing_cases[_i].want);
    ck_assert_str_eq(out.ptr, "keep"); /* a failed render leaves the buffer as it was */
    ck_assert_uint_eq(out.len, 4);
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_template_check(t, vars, &err), &err, PAWL_ECONFIG, missing_cases[_i].want);
    pawl_buf_release(&out);
    pawl_template_free(t);
    json_decref(vars);
}
END_TEST

START_TEST(test_missing_first_line)
{
    struct pawl_error err;
    struct pawl_template *t = NULL;
    struct pawl_buf out = PAWL_BUF_INIT;
    json_t *vars = json_pack("{s:s}", "id", "q1");

    pawl_error_init(&err);
    PAWL_ASSERT_OK(
        pawl_template_compile(&t, "Question: {{input.question}}", "pawl.yaml", 7, 12, &err), &err);
    PAWL_ASSERT_ERR(pawl_template_render(&out, t, vars, &err), &err, PAWL_EDATA,
                    "pawl.yaml:7:22: unknown template variable 'input.question'");
    pawl_buf_release(&out);
    pawl_template_free(t);
    json_decref(vars);
}
END_TEST

/* ---- compile errors ---- */

static const struct {
    const char *text;
    int line, col;
    const char *want;
} compile_cases[] = {
    {"hello {{ name", 1, 1, "p.md:1:7: unclosed '{{'"},
    {"hello {{ name }", 1, 1, "p.md:1:7: unclosed '{{'"},
    {"line1\nab {{}}", 7, 12, "p.md:8:4: empty template variable"},
    {"line1\nab {{  \t }}", 7, 12, "p.md:8:4: empty template variable"},
    {"x\n\n{{", 3, 0, "p.md:5: unclosed '{{'"},
    {"é {{", 2, 5, "p.md:2:7: unclosed '{{'"},
    {"{{ a..b }}", 1, 1, "p.md:1:1: invalid template variable 'a..b'"},
    {"ok {{a}} {{.a}}", 1, 1, "p.md:1:10: invalid template variable '.a'"},
    {"{{a.}}", 1, 1, "p.md:1:1: invalid template variable 'a.'"},
    {"{{a. b}}", 1, 1, "p.md:1:1: invalid template variable 'a. b'"},
    {"{{ {{a}} }}", 1, 1, "p.md:1:1: invalid template variable '{{a'"},
    {"{{a{b}}", 1, 1, "p.md:1:1: invalid template variable 'a{b'"},
};

START_TEST(test_compile_errors)
{
    struct pawl_error err;
    struct pawl_template *t = (struct pawl_template *)&err; /* must be reset to NULL */

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_template_compile(&t, compile_cases[_i].text, "p.md",
                                          compile_cases[_i].line, compile_cases[_i].col, &err),
                    &err, PAWL_ECONFIG, compile_cases[_i].want);
    ck_assert_ptr_null(t);
}
END_TEST

/* ---- uses() ---- */

static const struct {
    const char *text;
    const char *root;
    int want;
} uses_cases[] = {
    {"{{output}} and {{input.x}}", "output", 1},
    {"{{output}} and {{input.x}}", "input", 1},
    {"{{output}} and {{input.x}}", "expected_output", 0},
    {"{{ output.text }}", "output", 1},
    {"{{outputs}}", "output", 0},
    {"{{input.output}}", "output", 0},
    {"output without braces", "output", 0},
};

START_TEST(test_uses)
{
    struct pawl_error err;
    struct pawl_template *t = NULL;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_template_compile(&t, uses_cases[_i].text, NULL, 0, 0, &err), &err);
    ck_assert_int_eq(pawl_template_uses(t, uses_cases[_i].root), uses_cases[_i].want);
    pawl_template_free(t);
}
END_TEST

/* ---- render_value and the buffer cap ---- */

START_TEST(test_render_value)
{
    static const struct {
        const char *json;
        const char *want;
    } cases[] = {
        {"\"raw \\\"text\\\"\"", "raw \"text\""},
        {"null", ""},
        {"true", "true"},
        {"-7", "-7"},
        {"2.5e-300", "2.5e-300"},
        {"0.30000000000000004", "0.30000000000000004"},
        {"{\"z\":[],\"a\":{}}", "{\"z\":[],\"a\":{}}"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pawl_buf out = PAWL_BUF_INIT;
        json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
        ck_assert_ptr_nonnull(v);
        pawl_template_render_value(&out, v);
        ck_assert_str_eq(out.ptr, cases[i].want);
        pawl_buf_release(&out);
        json_decref(v);
    }
}
END_TEST

START_TEST(test_render_cap)
{
    struct pawl_error err;
    struct pawl_template *t = NULL;
    struct pawl_buf out;
    json_t *vars = load_vars();

    pawl_error_init(&err);
    pawl_buf_init(&out, 8);
    PAWL_ASSERT_OK(
        pawl_template_compile(&t, "ab{{input.question}}{{input.question}}", "p.md", 1, 1, &err),
        &err);
    PAWL_ASSERT_ERR(pawl_template_render(&out, t, vars, &err), &err, PAWL_EDATA,
                    "p.md: rendered template is larger than 8 bytes");
    ck_assert_uint_eq(out.len, 0);
    pawl_buf_release(&out);
    pawl_template_free(t);
    json_decref(vars);
}
END_TEST

/*
 * Objects and arrays that do not fit the cap fail whole, wherever the cut
 * falls: in a key (jansson carries on past a failed key, found by
 * fuzz_template), in a string, or between values.
 */
static const struct {
    const char *vars;
} cap_cases[] = {
    {"{\"o\": {\"a0123456789012345678901234567890123456789012345678901234567890123\": 1}}"},
    {"{\"o\": {\"k\": {\"b0123456789012345678901234567890123456789012345678901234567890123\": "
     "[]}}}"},
    {"{\"o\": [\"s0123456789012345678901234567890123456789012345678901234567890123\"]}"},
    {"{\"o\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, "
     "23, 24, 25, 26, 27, 28, 29, 30]}"},
};

START_TEST(test_render_cap_json)
{
    struct pawl_error err;
    struct pawl_template *t = NULL;
    struct pawl_buf out;
    json_t *vars = json_loads(cap_cases[_i].vars, 0, NULL);

    ck_assert_ptr_nonnull(vars);
    pawl_error_init(&err);
    pawl_buf_init(&out, 64);
    PAWL_ASSERT_OK(pawl_template_compile(&t, "{{o}}", "p.md", 1, 1, &err), &err);
    PAWL_ASSERT_ERR(pawl_template_render(&out, t, vars, &err), &err, PAWL_EDATA,
                    "p.md: rendered template is larger than 64 bytes");
    ck_assert_uint_eq(out.len, 0);
    /* render_value leaves the buffer as it was */
    pawl_buf_puts(&out, "kept");
    pawl_template_render_value(&out, json_object_get(vars, "o"));
    ck_assert_str_eq(out.ptr, "kept");
    pawl_buf_release(&out);
    pawl_template_free(t);
    json_decref(vars);
}
END_TEST

static Suite *template_suite(void)
{
    Suite *s = suite_create("template");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_render, 0, sizeof(render_cases) / sizeof(render_cases[0]));
    tcase_add_loop_test(tc, test_missing, 0, sizeof(missing_cases) / sizeof(missing_cases[0]));
    tcase_add_test(tc, test_missing_first_line);
    tcase_add_loop_test(tc, test_compile_errors, 0,
                        sizeof(compile_cases) / sizeof(compile_cases[0]));
    tcase_add_loop_test(tc, test_uses, 0, sizeof(uses_cases) / sizeof(uses_cases[0]));
    tcase_add_test(tc, test_render_value);
    tcase_add_test(tc, test_render_cap);
    tcase_add_loop_test(tc, test_render_cap_json, 0, sizeof(cap_cases) / sizeof(cap_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(template_suite());
}
