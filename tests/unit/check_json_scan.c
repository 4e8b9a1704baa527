/*
 * The tree-less scanner against jansson, the reference: on documents a
 * model server sends, on hand-picked edge cases, and on every single-byte
 * mutation and truncation of them. For each text the scanner must accept
 * exactly what json_loadb() accepts, and every value it finds must equal
 * the value jansson has at the same pointer. The scanner may refuse what
 * jansson takes (callers then ask jansson: deep nesting, integers of 19
 * digits, a raw NUL byte), never the reverse.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "json_util.h"

static const char *const pointers[] = {
    "/choices/0/message/content", "/usage", "/choices/0/message/tool_calls", "/data/answer",
    "/content/0/text", "/a~1b/c~0d", "", "/0", "/x/1"};
#define N_POINTERS (sizeof(pointers) / sizeof(pointers[0]))

static const char *const corpus[] = {
    "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"m\","
    "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Paris \\u00e9\\n"
    "\\ud83d\\ude00 \\\"q\\\" \\/ \\\\\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":"
    "\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":6,\"total_tokens\":18}}",
    "{\n  \"choices\": [ { \"message\": { \"content\": null, \"tool_calls\": [{\"id\": \"t1\", "
    "\"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": \"{}\"}}] } } ],\n"
    "  \"usage\": {\"prompt_tokens\": 1.5e3, \"completion_tokens\": -0.25E-2}\n}\n",
    "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"h\\u00e9llo \xe2\x82\xac\"},"
    "{\"type\":\"tool_use\",\"input\":{}}],\"usage\":{\"input_tokens\":3,\"output_tokens\":0}}",
    "{\"data\":{\"answer\":[1,true,false,null,\"x\",{\"k\":[]}]},\"a/b\":{\"c~d\":\"esc\"},"
    "\"x\":[0,-0,1e5,\"\xf0\x9f\x98\x80\"]}",
    "[\"top\", {\"x\": 1}]",
    "\"just a string\"",
    "{\"usage\": {}, \"usage\": {\"total_tokens\": 2}}",
};

/* jansson's value at an RFC 6901 pointer, or NULL. */
static json_t *at_pointer(json_t *doc, const char *ptr)
{
    char tok[256];

    while (doc && *ptr == '/') {
        size_t n = 0;
        for (ptr++; *ptr && *ptr != '/' && n + 1 < sizeof(tok); ptr++) {
            if (ptr[0] == '~' && (ptr[1] == '0' || ptr[1] == '1'))
                tok[n++] = *++ptr == '0' ? '~' : '/';
            else
                tok[n++] = *ptr;
        }
        tok[n] = '\0';
        if (json_is_object(doc))
            doc = json_object_get(doc, tok);
        else if (json_is_array(doc) && tok[0] >= '0' && tok[0] <= '9' &&
                 (tok[0] != '0' || !tok[1]))
            doc = json_array_get(doc, strtoul(tok, NULL, 10));
        else
            doc = NULL;
    }
    return doc;
}

static unsigned long fallbacks;

/* Returns 0 when the scanner agrees with jansson on `text`; else describes the difference. */
static int agree(const char *text, size_t len, char *why, size_t why_len)
{
    struct pawl_json_span spans[N_POINTERS];
    json_t *doc = json_loadb(text, len, JSON_DECODE_ANY, NULL);
    int rc = pawl_json_scan(text, len, pointers, N_POINTERS, spans), bad = 0;
    size_t i;

    if (rc < 0 && doc) {
        fallbacks++;
        json_decref(doc);
        return 0;
    }
    if ((rc == 0) != (doc != NULL)) {
        snprintf(why, why_len, "scan %s, jansson %s", rc == 0 ? "accepts" : "refuses",
                 doc ? "accepts" : "refuses");
        json_decref(doc);
        return -1;
    }
    for (i = 0; doc && i < N_POINTERS && !bad; i++) {
        json_t *want = at_pointer(doc, pointers[i]);
        if (!want != !spans[i].found) {
            snprintf(why, why_len, "'%s' found by %s only", pointers[i], want ? "jansson" : "scan");
            bad = 1;
        } else if (want && json_is_string(want)) {
            size_t n = 0;
            char *got = pawl_json_span_string(&spans[i], &n);
            if (!got || n != json_string_length(want) || memcmp(got, json_string_value(want), n)) {
                snprintf(why, why_len, "'%s': the decoded string differs", pointers[i]);
                bad = 1;
            }
            free(got);
        } else if (want) {
            json_t *got = json_loadb(spans[i].ptr, spans[i].len, JSON_DECODE_ANY, NULL);
            if (!json_equal(got, want) || pawl_json_span_string(&spans[i], NULL)) {
                snprintf(why, why_len, "'%s': the span holds another value", pointers[i]);
                bad = 1;
            }
            json_decref(got);
        }
    }
    json_decref(doc);
    return bad ? -1 : 0;
}

START_TEST(test_corpus)
{
    char why[256];
    const char *t = corpus[_i];

    fallbacks = 0;
    ck_assert_msg(agree(t, strlen(t), why, sizeof(why)) == 0, "%s in: %s", why, t);
    ck_assert_msg(fallbacks == 0, "the scanner refused a document a server sends");
}
END_TEST

/* Every truncation, deletion and replacement by a byte that matters to the grammar. */
START_TEST(test_mutations)
{
    static const unsigned char swaps[] = {'"',  '\\', '{', '}', '[', ']', ',', ':', '0', '1',
                                          '-',  '+',  'e', '.', 'u', 'n', ' ', '\n', 0x00, 0x01,
                                          0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf5, 0xff};
    const char *t = corpus[_i];
    size_t len = strlen(t), i, k;
    char *m = malloc(len + 1), why[256];
    unsigned long checked = 0;

    fallbacks = 0;
    for (i = 0; i <= len; i++) {
        ck_assert_msg(agree(t, i, why, sizeof(why)) == 0, "truncated at %zu: %s", i, why);
        if (i == len)
            break;
        memcpy(m, t, i);
        memcpy(m + i, t + i + 1, len - i - 1);
        ck_assert_msg(agree(m, len - 1, why, sizeof(why)) == 0, "byte %zu deleted: %s", i, why);
        memcpy(m, t, len);
        for (k = 0; k < sizeof(swaps); k++) {
            m[i] = (char)swaps[k];
            ck_assert_msg(agree(m, len, why, sizeof(why)) == 0, "byte %zu = 0x%02x: %s", i,
                          swaps[k], why);
            checked++;
        }
    }
    ck_assert_uint_gt(checked, 0);
    /* Almost every mutation is decided by the scanner itself. */
    ck_assert_uint_lt(fallbacks, checked / 20);
    free(m);
}
END_TEST

/* Edge cases of the grammar, each decided the same way by both. */
static const char *const edges[] = {
    "", " ", "{}", "[]", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{1:2}", "01", "-", "-0", "1.",
    ".5", "1e", "1e+", "1E-7", "0.0e0", "2.", "1e400", "-1e400", "1e-400", "9223372036854775807",
    "92233720368547758070", "-9223372036854775808", "tru", "true ", "nul", "null x", "\"\\u0000\"",
    "\"\\u00\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800\\udc00\"",
    "\"\\x\"", "\"tab\there\"", "\"\xc3\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
    "\"\xef\xbb\xbf\"", "\xef\xbb\xbf{}", "[[[[[[[[[[]]]]]]]]]]", "{\"a\":[{\"b\":{}}]}",
    /* Found by fuzz_response: a later duplicate key without the pointed-at value. */
    "{\"a/b\": {\"c~d\": \"esc\"}, \"x\": 1, \"a/b\": {\"a~d\": \"esc\"}}",
    "{\"choices\": [{\"message\": {\"content\": \"x\"}}], \"choices\": []}",
    "{\"usage\": {\"total_tokens\": 2}, \"usage\": 1, \"data\": {\"answer\": 1}, \"data\": 2}",
};

START_TEST(test_edges)
{
    char why[256];
    const char *t = edges[_i];

    ck_assert_msg(agree(t, strlen(t), why, sizeof(why)) == 0, "%s in: '%s'", why, t);
}
END_TEST

START_TEST(test_deep_falls_back)
{
    /* 300 levels: valid JSON that the scanner leaves to jansson. */
    char text[700];
    struct pawl_json_span span;
    const char *ptr = "";
    size_t i;

    for (i = 0; i < 300; i++)
        text[i] = '[';
    for (i = 0; i < 300; i++)
        text[300 + i] = ']';
    ck_assert_int_eq(pawl_json_scan(text, 600, &ptr, 1, &span), -1);
    ck_assert_int_eq(span.found, 0);
}
END_TEST

START_TEST(test_span_string)
{
    const char *text = "{\"a\": \"x\\ty\", \"b\": 5}";
    const char *ptrs[] = {"/a", "/b", "/c"};
    struct pawl_json_span s[3];
    size_t n = 0;
    char *a;

    ck_assert_int_eq(pawl_json_scan(text, strlen(text), ptrs, 3, s), 0);
    a = pawl_json_span_string(&s[0], &n);
    ck_assert_str_eq(a, "x\ty");
    ck_assert_uint_eq(n, 3);
    free(a);
    ck_assert_ptr_null(pawl_json_span_string(&s[1], NULL)); /* a number is not a string */
    ck_assert_int_eq(s[1].found, 1);
    ck_assert_uint_eq(s[1].len, 1);
    ck_assert_int_eq(s[2].found, 0);
    ck_assert_ptr_null(pawl_json_span_string(&s[2], NULL));
}
END_TEST

static Suite *scan_suite(void)
{
    Suite *s = suite_create("json_scan");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_corpus, 0, sizeof(corpus) / sizeof(corpus[0]));
    tcase_add_loop_test(tc, test_mutations, 0, sizeof(corpus) / sizeof(corpus[0]));
    tcase_add_loop_test(tc, test_edges, 0, sizeof(edges) / sizeof(edges[0]));
    tcase_add_test(tc, test_deep_falls_back);
    tcase_add_test(tc, test_span_string);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(scan_suite());
}
