/* Unit tests for src/node.c: located YAML trees, parse errors, JSON typing, key checks. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/alloc.h"
#include "pawl/node.h"

static struct pawl_node *parse_ok(const char *yaml)
{
    struct pawl_node *n = NULL;
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_node_parse(&n, yaml, strlen(yaml), "f.yaml", &err), &err);
    ck_assert_ptr_nonnull(n);
    return n;
}

/* Walks "key/0/key": a MAP step by key, a SEQ step by index; a final "@key" gives the key. */
static const struct pawl_node *walk(const struct pawl_node *n, const char *path)
{
    char *copy = pawl_xstrdup(path), *save = NULL, *part;

    for (part = strtok_r(copy, "/", &save); part && n; part = strtok_r(NULL, "/", &save)) {
        if (part[0] == '@')
            n = pawl_node_key(n, part + 1);
        else if (n->kind == PAWL_NODE_SEQ)
            n = (size_t)atoi(part) < n->n ? n->items[atoi(part)] : NULL;
        else
            n = pawl_node_get(n, part);
    }
    free(copy);
    return n;
}

static const char located_doc[] = "name: plain\n"              /* 1 */
                                  "quoted: 'single'\n"         /* 2 */
                                  "dq:   \"double\"\n"         /* 3 */
                                  "block: |\n"                 /* 4 */
                                  "  line one\n"               /* 5 */
                                  "  line two\n"               /* 6 */
                                  "folded: >-\n"               /* 7 */
                                  "  folded\n"                 /* 8 */
                                  "  text\n"                   /* 9 */
                                  "seq:\n"                     /* 10 */
                                  "  - one\n"                  /* 11 */
                                  "  - {k: v, n: [1, 2]}\n"    /* 12 */
                                  "flow: [a, \"b\", {c: d}]\n" /* 13 */
                                  "empty:\n"                   /* 14 */
                                  "nested:\n"                  /* 15 */
                                  "  deeper:\n"                /* 16 */
                                  "    - - x\n";               /* 17 */

#define S PAWL_NODE_SCALAR
#define Q PAWL_NODE_SEQ
#define M PAWL_NODE_MAP

static const struct {
    const char *path;
    enum pawl_node_kind kind;
    int line, col, plain, quoted, block;
    const char *value; /* NULL for SEQ/MAP */
} located[] = {
    {"@name", S, 1, 1, 1, 0, 0, "name"},
    {"name", S, 1, 7, 1, 0, 0, "plain"},
    {"quoted", S, 2, 9, 0, 1, 0, "single"},
    {"@dq", S, 3, 1, 1, 0, 0, "dq"},
    {"dq", S, 3, 7, 0, 1, 0, "double"},
    {"block", S, 4, 8, 0, 0, 1, "line one\nline two\n"},
    {"folded", S, 7, 9, 0, 0, 1, "folded text"},
    {"seq", Q, 11, 3, 0, 0, 0, NULL},
    {"seq/0", S, 11, 5, 1, 0, 0, "one"},
    {"seq/1", M, 12, 5, 0, 0, 0, NULL},
    {"seq/1/@k", S, 12, 6, 1, 0, 0, "k"},
    {"seq/1/k", S, 12, 9, 1, 0, 0, "v"},
    {"seq/1/@n", S, 12, 12, 1, 0, 0, "n"},
    {"seq/1/n", Q, 12, 15, 0, 0, 0, NULL},
    {"seq/1/n/0", S, 12, 16, 1, 0, 0, "1"},
    {"seq/1/n/1", S, 12, 19, 1, 0, 0, "2"},
    {"flow", Q, 13, 7, 0, 0, 0, NULL},
    {"flow/0", S, 13, 8, 1, 0, 0, "a"},
    {"flow/1", S, 13, 11, 0, 1, 0, "b"},
    {"flow/2", M, 13, 16, 0, 0, 0, NULL},
    {"flow/2/@c", S, 13, 17, 1, 0, 0, "c"},
    {"flow/2/c", S, 13, 20, 1, 0, 0, "d"},
    {"empty", S, 14, 7, 1, 0, 0, ""},
    {"nested", M, 16, 3, 0, 0, 0, NULL},
    {"nested/deeper", Q, 17, 5, 0, 0, 0, NULL},
    {"nested/deeper/0", Q, 17, 7, 0, 0, 0, NULL},
    {"nested/deeper/0/0", S, 17, 9, 1, 0, 0, "x"},
};

START_TEST(nodes_know_where_they_are)
{
    struct pawl_node *root = parse_ok(located_doc);
    const struct pawl_node *n = walk(root, located[_i].path);

    ck_assert_msg(n != NULL, "no node at %s", located[_i].path);
    ck_assert_int_eq(n->kind, located[_i].kind);
    ck_assert_msg(n->line == located[_i].line && n->col == located[_i].col,
                  "%s at %d:%d, want %d:%d", located[_i].path, n->line, n->col, located[_i].line,
                  located[_i].col);
    ck_assert_int_eq(n->plain, located[_i].plain);
    ck_assert_int_eq(n->quoted, located[_i].quoted);
    ck_assert_int_eq(n->block, located[_i].block);
    if (located[_i].value) {
        ck_assert_str_eq(n->value, located[_i].value);
        ck_assert_uint_eq(n->len, strlen(located[_i].value));
    } else {
        ck_assert_ptr_null(n->value);
    }
    pawl_node_free(root);
}
END_TEST

START_TEST(tree_shape_and_lookups)
{
    struct pawl_node *root = parse_ok(located_doc);

    ck_assert_int_eq(root->kind, PAWL_NODE_MAP);
    ck_assert_int_eq(root->line, 1);
    ck_assert_int_eq(root->col, 1);
    ck_assert_uint_eq(root->n, 9);
    ck_assert_str_eq(root->keys[8]->value, "nested");
    ck_assert_uint_eq(walk(root, "flow")->n, 3);
    ck_assert_ptr_null(walk(root, "missing"));
    ck_assert_ptr_null(pawl_node_key(root, "missing"));
    ck_assert_ptr_null(pawl_node_get(walk(root, "flow"), "a")); /* not a MAP */
    ck_assert_ptr_null(pawl_node_get(NULL, "a"));
    ck_assert_str_eq(pawl_node_kind_name(walk(root, "name")), "a string");
    ck_assert_str_eq(pawl_node_kind_name(walk(root, "flow")), "a list");
    ck_assert_str_eq(pawl_node_kind_name(root), "a mapping");
    pawl_node_free(root);
    pawl_node_free(NULL);
}
END_TEST

static const char *const empty_docs[] = {"", "\n\n", "# only a comment\n", "   \n# x\n"};

START_TEST(empty_document_is_empty_map)
{
    struct pawl_node *root = parse_ok(empty_docs[_i]);

    ck_assert_int_eq(root->kind, PAWL_NODE_MAP);
    ck_assert_uint_eq(root->n, 0);
    ck_assert_ptr_null(root->value);
    pawl_node_free(root);
}
END_TEST

/* Regression test for a fixed bug: an explicit empty document ("---" with nothing after it) parses as a null SCALAR, not the
 * empty MAP node.h promises: libyaml emits an empty plain scalar for it, so the
 * DOCUMENT_END check in pawl_node_parse() never fires. */
START_TEST(explicit_empty_document_is_empty_map)
{
    struct pawl_node *root = parse_ok("---\n");

    ck_assert_int_eq(root->kind, PAWL_NODE_MAP);
    ck_assert_uint_eq(root->n, 0);
    pawl_node_free(root);
}
END_TEST

static char *nested_flow_seq(int depth)
{
    char *s = pawl_xmalloc((size_t)depth * 2 + 1);

    memset(s, '[', (size_t)depth);
    memset(s + depth, ']', (size_t)depth);
    s[depth * 2] = '\0';
    return s;
}

static const struct {
    const char *yaml; /* NULL: 100 nested flow sequences */
    const char *want;
} parse_errors[] = {
    {"a: [1, 2\n",
     "f.yaml:2:1: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence"},
    {"a: b: c\n", "f.yaml:1:5: invalid YAML: mapping values are not allowed in this context"},
    {"\ta: 1\n", "f.yaml:1:1: invalid YAML: found character that cannot start any token while "
                 "scanning for the next token"},
    {"a: 'x\n",
     "f.yaml:2:1: invalid YAML: found unexpected end of stream while scanning a quoted scalar"},
    {"[1, 2]]", "f.yaml:1:7: invalid YAML: did not find expected <document start>"},
    {"a: 1\na: 2\n", "f.yaml:2:1: duplicate key 'a'"},
    {"x:\n  k: 1\n  j: 2\n  k: 3\n", "f.yaml:4:3: duplicate key 'k'"},
    {"{a: 1, b: 2, a: 3}", "f.yaml:1:14: duplicate key 'a'"},
    {"? [a]\n: 1\n", "f.yaml:1:3: mapping keys must be strings"},
    {"{? {k: v} : 1}", "f.yaml:1:4: mapping keys must be strings"},
    {"a: &x 1\nb: *x\n", "f.yaml:1:4: YAML anchors and aliases are not supported"},
    {"a: 1\nb: *x\n", "f.yaml:2:4: YAML anchors and aliases are not supported"},
    {"- &s [1]\n", "f.yaml:1:3: YAML anchors and aliases are not supported"},
    {"&m {a: 1}\n", "f.yaml:1:1: YAML anchors and aliases are not supported"},
    {"a: 1\n---\nb: 2\n", "f.yaml:2:1: more than one YAML document"},
    {"--- 1\n--- 2\n", "f.yaml:2:1: more than one YAML document"},
    {NULL, "f.yaml:1:65: nesting deeper than 64 levels"},
};

START_TEST(parse_errors_are_located)
{
    char *deep = parse_errors[_i].yaml ? NULL : nested_flow_seq(100);
    const char *yaml = deep ? deep : parse_errors[_i].yaml;
    struct pawl_node *n = (struct pawl_node *)1;
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_node_parse(&n, yaml, strlen(yaml), "f.yaml", &err), &err, PAWL_ECONFIG,
                    parse_errors[_i].want);
    ck_assert_ptr_null(n);
    free(deep);
}
END_TEST

/*
 * libyaml's reader (invalid UTF-8, control characters such as NUL) reports a
 * byte offset only; the errors still point at the offending character.
 */
#define BYTES(s) s, sizeof(s) - 1
static const struct {
    const char *yaml;
    size_t len;
    const char *want;
} reader_errors[] = {
    {BYTES("a: 1\nb: \xff\n"), "f.yaml:2:4: invalid YAML: invalid leading UTF-8 octet"},
    {BYTES("version: 1\n\0"), "f.yaml:2:1: invalid YAML: control characters are not allowed"},
    {BYTES("a: 1\nb: [x, y]\nc: d\xc3"),
     "f.yaml:3:5: invalid YAML: incomplete UTF-8 octet sequence"},
    {BYTES("a: \xc3(\n"), "f.yaml:1:5: invalid YAML: invalid trailing UTF-8 octet"},
    {BYTES("\xc3\xa9: \x01"), "f.yaml:1:4: invalid YAML: control characters are not allowed"},
    {BYTES("\xef\xbb\xbf" "a: \x01"),
     "f.yaml:1:4: invalid YAML: control characters are not allowed"},
    {BYTES("a: 1\r\nb: 2\r\n\x01"),
     "f.yaml:3:1: invalid YAML: control characters are not allowed"},
    {BYTES("a: 1\rb: \x01"), "f.yaml:2:4: invalid YAML: control characters are not allowed"},
    {BYTES("a: \"x\xe2\x80\xa8y\"\nb: \x01"),
     "f.yaml:3:4: invalid YAML: control characters are not allowed"},
};

START_TEST(reader_errors_are_located)
{
    struct pawl_node *n = (struct pawl_node *)1;
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_node_parse(&n, reader_errors[_i].yaml, reader_errors[_i].len, "f.yaml",
                                    &err),
                    &err, PAWL_ECONFIG, reader_errors[_i].want);
    ck_assert_ptr_null(n);
}
END_TEST

/* YAML's "\0" escape can put a NUL in a key: keys differing after it are different keys. */
START_TEST(keys_compare_by_length)
{
    static const char yaml[] = "{\"a\\0x\": 1, \"a\\0y\": 2, \"a\": 3}";
    struct pawl_node *n = NULL;
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_node_parse(&n, yaml, strlen(yaml), "f.yaml", &err), &err);
    ck_assert_uint_eq(n->n, 3);
    ck_assert_uint_eq(n->keys[0]->len, 3);
    ck_assert_int_eq(memcmp(n->keys[1]->value, "a\0y", 3), 0);
    pawl_node_free(n);
    PAWL_ASSERT_ERR(pawl_node_parse(&n, "{\"a\\0x\": 1, \"a\\0x\": 2}", 22, "f.yaml", &err),
                    &err, PAWL_ECONFIG, "f.yaml:1:13: duplicate key 'a'");
}
END_TEST

START_TEST(nesting_limit_is_inclusive)
{
    char *ok = nested_flow_seq(PAWL_NODE_MAX_DEPTH),
         *bad = nested_flow_seq(PAWL_NODE_MAX_DEPTH + 1);
    struct pawl_node *root = parse_ok(ok), *n = NULL;
    const struct pawl_node *p = root;
    struct pawl_error err;
    int depth = 1;

    while (p->n == 1) {
        p = p->items[0];
        depth++;
    }
    ck_assert_int_eq(depth, PAWL_NODE_MAX_DEPTH);
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_node_parse(&n, bad, strlen(bad), "f.yaml", &err), &err, PAWL_ECONFIG,
                    "f.yaml:1:65: nesting deeper than 64 levels");
    pawl_node_free(root);
    free(ok);
    free(bad);
}
END_TEST

/* Each value, written after `v: `, and its JSON (compact, as jansson encodes it). */
static const struct {
    const char *yaml, *json;
} typing[] = {
    {"~", "null"},
    {"null", "null"},
    {"Null", "null"},
    {"NULL", "null"},
    {"", "null"},
    {"true", "true"},
    {"True", "true"},
    {"TRUE", "true"},
    {"false", "false"},
    {"yes", "true"},
    {"Yes", "true"},
    {"YES", "true"},
    {"no", "false"},
    {"No", "false"},
    {"on", "true"},
    {"ON", "true"},
    {"off", "false"},
    {"Off", "false"},
    {"42", "42"},
    {"-7", "-7"},
    {"+5", "5"},
    {"0", "0"},
    {"1.5", "1.5"},
    {"-0.25", "-0.25"},
    {"1e3", "1000.0"},
    {".5", "0.5"},
    {"0x10", "\"0x10\""},
    {"inf", "\"inf\""},
    {".inf", "\".inf\""},
    {"-.inf", "\"-.inf\""},
    {"nan", "\"nan\""},
    {".NaN", "\".NaN\""},
    {"1e999", "\"1e999\""},
    {"'true'", "\"true\""},
    {"\"42\"", "\"42\""},
    {"'~'", "\"~\""},
    {"'yes'", "\"yes\""},
    {"!!str yes", "\"yes\""},
    {"tRUE", "\"tRUE\""},
    {"y", "\"y\""},
    {"1_000", "\"1_000\""},
    {"12abc", "\"12abc\""},
    {"hello world", "\"hello world\""},
    {"|\n  yes\n", "\"yes\\n\""},
    {"'a \"q\" \\ b'", "\"a \\\"q\\\" \\\\ b\""},
};

START_TEST(scalars_get_yaml_types)
{
    char *doc = pawl_xasprintf("v: %s\n", typing[_i].yaml);
    struct pawl_node *root = parse_ok(doc);
    json_t *j = pawl_node_to_json(pawl_node_get(root, "v"));
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

    ck_assert_msg(strcmp(text, typing[_i].json) == 0, "v: %s gave %s, want %s", typing[_i].yaml,
                  text, typing[_i].json);
    free(text);
    json_decref(j);
    pawl_node_free(root);
    free(doc);
}
END_TEST

START_TEST(collections_to_json)
{
    struct pawl_node *root =
        parse_ok("z: [1, x, {b: null, a: 'on'}]\nc: {}\nd: []\ne:\n  - off\n  - 2.5\n");
    json_t *j = pawl_node_to_json(root);
    json_t *want = json_loads("{\"z\": [1, \"x\", {\"b\": null, \"a\": \"on\"}], \"c\": {}, "
                              "\"d\": [], \"e\": [false, 2.5]}",
                              0, NULL);
    char *text = json_dumps(j, JSON_COMPACT);

    ck_assert_ptr_nonnull(want);
    ck_assert_msg(json_equal(j, want), "got %s", text);
    /* Keys keep their document order. */
    ck_assert_str_eq(
        text, "{\"z\":[1,\"x\",{\"b\":null,\"a\":\"on\"}],\"c\":{},\"d\":[],\"e\":[false,2.5]}");
    free(text);
    json_decref(j);
    json_decref(want);
    pawl_node_free(root);
}
END_TEST

START_TEST(typing_helpers)
{
    struct pawl_node *root = parse_ok("b: off\nq: 'off'\nl: -12\nd: 2.5\nx: 0x1F\nn: ~\ns: abc\n");
    int b = -1;
    long l = 0;
    double d = 0;

    ck_assert_int_eq(pawl_node_as_bool(pawl_node_get(root, "b"), &b), 0);
    ck_assert_int_eq(b, 0);
    ck_assert_int_eq(pawl_node_as_bool(pawl_node_get(root, "q"), &b), -1);
    ck_assert_int_eq(pawl_node_as_bool(pawl_node_get(root, "s"), &b), -1);
    ck_assert_int_eq(pawl_node_as_long(pawl_node_get(root, "l"), &l), 0);
    ck_assert_int_eq(l, -12);
    ck_assert_int_eq(pawl_node_as_long(pawl_node_get(root, "d"), &l), -1);
    ck_assert_int_eq(pawl_node_as_long(pawl_node_get(root, "x"), &l), -1);
    ck_assert_int_eq(pawl_node_as_double(pawl_node_get(root, "d"), &d), 0);
    ck_assert_double_eq(d, 2.5);
    ck_assert_int_eq(pawl_node_as_double(pawl_node_get(root, "l"), &d), 0);
    ck_assert_double_eq(d, -12);
    ck_assert_int_eq(pawl_node_as_double(pawl_node_get(root, "x"), &d), -1);
    ck_assert_int_eq(pawl_node_as_double(pawl_node_get(root, "n"), &d), -1);
    ck_assert_int_eq(pawl_node_is_null(pawl_node_get(root, "n")), 1);
    ck_assert_int_eq(pawl_node_is_null(pawl_node_get(root, "s")), 0);
    ck_assert_int_eq(pawl_node_is_null(root), 0);
    ck_assert_int_eq(pawl_node_as_long(root, &l), -1);
    pawl_node_free(root);
}
END_TEST

static const char *const allowed_keys[] = {"concurrency",    "repeat", "timeout", "retries",
                                           "max_error_rate", "cache",  NULL};

static const struct {
    const char *word, *want; /* want NULL: nothing close enough */
} suggestions[] = {
    {"concurency", "concurrency"},
    {"repaet", "repeat"},
    {"timout", "timeout"},
    {"timeouts", "timeout"},
    {"Cache", "cache"},
    {"cahce", "cache"},
    {"max_eror_rate", "max_error_rate"},
    {"retires", "retries"},
    {"repeat", "repeat"},
    {"model", NULL},
    {"banana", NULL},
    {"x", NULL},
    {"rep", NULL},
    {"conc", NULL},
    {"a_key_name_far_longer_than_anything_allowed_here_and_then_some_more_text", NULL},
};

START_TEST(suggest_finds_typos_only)
{
    const char *got = pawl_suggest(suggestions[_i].word, allowed_keys);

    if (suggestions[_i].want)
        ck_assert_msg(got && strcmp(got, suggestions[_i].want) == 0, "%s -> %s, want %s",
                      suggestions[_i].word, got ? got : "NULL", suggestions[_i].want);
    else
        ck_assert_msg(got == NULL, "%s -> %s, want nothing", suggestions[_i].word, got);
}
END_TEST

START_TEST(suggest_with_no_candidates)
{
    static const char *const none[] = {NULL};

    ck_assert_ptr_null(pawl_suggest("anything", none));
}
END_TEST

static const struct {
    const char *yaml, *want; /* want NULL: all keys are allowed */
} key_checks[] = {
    {"repeat: 1\ncache: off\n", NULL},
    {"repeat: 1\nconcurency: 2\n",
     "f.yaml:2:1: unknown key 'concurency' (did you mean 'concurrency'?)"},
    {"repeat: 1\nbanana: 2\n", "f.yaml:2:1: unknown key 'banana'"},
    {"{repeat: 1, timout: 5, zzz: 1}",
     "f.yaml:1:13: unknown key 'timout' (did you mean 'timeout'?)"},
    {"zzz: 1\ntimout: 5\n", "f.yaml:1:1: unknown key 'zzz'"},
    {"- not\n- a map\n", NULL},
    {"", NULL},
};

START_TEST(check_keys_messages)
{
    struct pawl_node *root = parse_ok(key_checks[_i].yaml);
    struct pawl_error err;

    pawl_error_init(&err);
    if (key_checks[_i].want)
        PAWL_ASSERT_ERR(pawl_node_check_keys(root, allowed_keys, "f.yaml", &err), &err,
                        PAWL_ECONFIG, key_checks[_i].want);
    else
        PAWL_ASSERT_OK(pawl_node_check_keys(root, allowed_keys, "f.yaml", &err), &err);
    pawl_node_free(root);
}
END_TEST

static Suite *node_suite(void)
{
    Suite *s = suite_create("node");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, nodes_know_where_they_are, 0,
                        (int)(sizeof(located) / sizeof(located[0])));
    tcase_add_test(tc, tree_shape_and_lookups);
    tcase_add_loop_test(tc, empty_document_is_empty_map, 0,
                        (int)(sizeof(empty_docs) / sizeof(empty_docs[0])));
    tcase_add_test(tc, explicit_empty_document_is_empty_map);
    tcase_add_loop_test(tc, parse_errors_are_located, 0,
                        (int)(sizeof(parse_errors) / sizeof(parse_errors[0])));
    tcase_add_loop_test(tc, reader_errors_are_located, 0,
                        (int)(sizeof(reader_errors) / sizeof(reader_errors[0])));
    tcase_add_test(tc, keys_compare_by_length);
    tcase_add_test(tc, nesting_limit_is_inclusive);
    tcase_add_loop_test(tc, scalars_get_yaml_types, 0, (int)(sizeof(typing) / sizeof(typing[0])));
    tcase_add_test(tc, collections_to_json);
    tcase_add_test(tc, typing_helpers);
    tcase_add_loop_test(tc, suggest_finds_typos_only, 0,
                        (int)(sizeof(suggestions) / sizeof(suggestions[0])));
    tcase_add_test(tc, suggest_with_no_candidates);
    tcase_add_loop_test(tc, check_keys_messages, 0,
                        (int)(sizeof(key_checks) / sizeof(key_checks[0])));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(node_suite());
}
