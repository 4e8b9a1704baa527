/*
 * The request bodies the HTTP providers send, byte for byte. The openai
 * provider writes its body directly instead of dumping a jansson tree; the
 * bytes must be what the tree's compact dump gives, or the response cache
 * would miss (its key hashes the body). The test pre-fills the cache under
 * the key computed from jansson's dump and runs the suite against a closed
 * port: a call that is answered came from the cache, so the bodies matched.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/alloc.h"
#include "pawl/run.h"
#include "pawl/suite.h"

#define URL "http://127.0.0.1:9/v1"

/* Inputs that exercise every escape: quotes, backslashes, control bytes, DEL, slash,
 * non-ASCII, an emoji, and a JSON-looking string. */
static const char *const inputs[] = {
    "plain",
    "quote \\\" backslash \\\\ slash /",
    "tab\\t nl\\n cr\\r bs\\b ff\\f one\\u0001 us\\u001f del\\u007f",
    "caf\\u00e9 \\u20ac \\ud83d\\ude00 \\u2028",
    "{\\\"looks\\\": [\\\"like json\\\"]}",
};

static char *tmp;

static void setup(void)
{
    tmp = pawl_test_scratch_root("providers");
}

static void teardown(void)
{
    pawl_test_scratch_remove(&tmp);
}

/* What jansson's compact dump of the documented body is, for case input `in`. */
static char *expected_body(const char *in)
{
    json_t *params = json_loads("{\"temperature\": 0.7, \"max_tokens\": 10, \"stop\": [\"\\n\"],"
                                " \"model\": \"ignored\", \"nested\": {\"a\": [1, 2.5, true, null]}}",
                                0, NULL);
    json_t *input = json_loads(in, JSON_DECODE_ANY, NULL), *body;
    char *user = pawl_xasprintf("Q: %s", json_string_value(input)), *text;

    body = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "model", "gpt-x", "messages", "role",
                     "system", "content", "Be \"exact\".", "role", "user", "content", user);
    json_object_update_missing(body, params);
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    json_decref(params);
    json_decref(input);
    free(user);
    return text;
}

static void put_cache_entry(const char *cache, const char *body, const char *output)
{
    char hex[65], *path, *entry;
    const char *parts[] = {"pawl-cache-v1", "openai", "POST", URL "/chat/completions", "gpt-x", body,
                           "0"};
    struct pawl_buf material = PAWL_BUF_INIT;
    size_t i;

    for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (i)
            pawl_buf_add(&material, "", 1);
        pawl_buf_puts(&material, parts[i]);
    }
    pawl_sha256_hex(hex, material.ptr, material.len);
    path = pawl_xasprintf("%s/%.2s/%s.json", cache, hex, hex);
    entry = pawl_xasprintf("{\"pawl_cache\": 1, \"provider\": \"openai\", \"output\": \"%s\", "
                           "\"usage\": {\"total_tokens\": 3}, \"latency_ms\": 42}",
                           output);
    pawl_test_write_file(path, entry);
    free(entry);
    free(path);
    pawl_buf_release(&material);
}

START_TEST(test_openai_body_is_the_tree_dump)
{
    struct pawl_suite s;
    struct pawl_results r;
    struct pawl_run_options opts;
    struct pawl_error err;
    struct pawl_buf data = PAWL_BUF_INIT;
    char *cache = pawl_xasprintf("%s/cache", tmp), *config, *body, *out;
    size_t i;

    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        pawl_buf_printf(&data, "{\"id\": \"c%zu\", \"input\": \"%s\"}\n", i, inputs[i]);
        char *literal = pawl_xasprintf("\"%s\"", inputs[i]);
        body = expected_body(literal);
        free(literal);
        out = pawl_xasprintf("answer %zu", i);
        put_cache_entry(cache, body, out);
        free(out);
        free(body);
    }
    pawl_test_write_at(tmp, "cases.jsonl", data.ptr);
    pawl_test_write_at(tmp, "pawl.yaml",
                       "version: 1\n"
                       "dataset: {path: cases.jsonl}\n"
                       "task:\n"
                       "  provider: openai\n"
                       "  model: gpt-x\n"
                       "  base_url: " URL "/\n"
                       "  messages:\n"
                       "    - {role: system, content: 'Be \"exact\".'}\n"
                       "    - {role: user, content: 'Q: {{input}}'}\n"
                       "  params: {temperature: 0.7, max_tokens: 10, stop: [\"\\n\"], model: "
                       "ignored, nested: {a: [1, 2.5, true, null]}}\n"
                       "scorers: [{type: is-json, not: true}]\n"
                       "run: {cache: cache, retries: 0}\n");
    config = pawl_xasprintf("%s/pawl.yaml", tmp);
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_suite_load(&s, config, &err), &err);
    PAWL_ASSERT_OK(pawl_suite_check(&s, &err), &err);
    memset(&opts, 0, sizeof(opts));
    pawl_results_init(&r);
    PAWL_ASSERT_OK(pawl_run_execute(&r, &s, &opts, &err), &err);
    ck_assert_uint_eq(r.n_cases, sizeof(inputs) / sizeof(inputs[0]));
    for (i = 0; i < r.n_cases; i++) {
        char want[32];
        snprintf(want, sizeof(want), "answer %zu", i);
        ck_assert_msg(r.cases[i].trials[0].error == NULL, "case %zu missed the cache: %s", i,
                      r.cases[i].trials[0].error);
        ck_assert_str_eq(r.cases[i].trials[0].output, want);
        ck_assert_int_eq(r.cases[i].trials[0].cached, 1);
        ck_assert_int_eq(r.cases[i].trials[0].latency_ms, 42);
    }
    pawl_results_release(&r);
    pawl_suite_release(&s);
    pawl_buf_release(&data);
    free(config);
    free(cache);
}
END_TEST

static Suite *providers_suite(void)
{
    Suite *s = suite_create("providers");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_openai_body_is_the_tree_dump);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(providers_suite());
}
