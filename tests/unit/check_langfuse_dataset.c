/*
 * The pure half of the Langfuse dataset bridge: an item's canonical line,
 * ordering and duplicates, the counts a pull prints, and the checks of
 * names, versions and default paths. The network half runs against the
 * mock server in tests/integration/test_langfuse_dataset.sh.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/dataset.h"
#include "pawl/langfuse_dataset.h"

/* ---- item -> line ---- */

static const struct {
    const char *item;   /* a DatasetItem as the API returns it */
    const char *prefix; /* --id-prefix, or NULL */
    const char *line;   /* the canonical line, or NULL when it fails */
    const char *error;  /* the message when it fails */
} item_cases[] = {
    /* nested keys sorted, source ids into metadata, UTF-8 kept, fixed top-level order */
    {"{\"metadata\":{\"z\":1,\"a\":{\"y\":true,\"b\":null}},\"expectedOutput\":\"Paris\","
     "\"input\":{\"q\":\"capitale de la France ?\",\"lang\":\"fr\"},\"id\":\"q1\","
     "\"sourceTraceId\":\"t-1\",\"sourceObservationId\":\"o-1\",\"status\":\"ACTIVE\"}",
     NULL,
     "{\"id\":\"q1\",\"input\":{\"lang\":\"fr\",\"q\":\"capitale de la France ?\"},"
     "\"expected_output\":\"Paris\",\"metadata\":{\"a\":{\"b\":null,\"y\":true},"
     "\"source_observation_id\":\"o-1\",\"source_trace_id\":\"t-1\",\"z\":1}}",
     NULL},
    {"{\"id\":\"\xc3\xa9t\xc3\xa9\",\"input\":\"\xe2\x82\xac 5 \xf0\x9f\x98\x80\"}", NULL,
     "{\"id\":\"\xc3\xa9t\xc3\xa9\",\"input\":\"\xe2\x82\xac 5 \xf0\x9f\x98\x80\"}", NULL},
    /* null expected output and metadata are left out; a missing input is null */
    {"{\"id\":\"a\",\"input\":1,\"expectedOutput\":null,\"metadata\":null,\"sourceTraceId\":null}",
     NULL, "{\"id\":\"a\",\"input\":1}", NULL},
    {"{\"id\":\"a\"}", NULL, "{\"id\":\"a\",\"input\":null}", NULL},
    {"{\"id\":\"a\",\"input\":null,\"metadata\":{}}", NULL, "{\"id\":\"a\",\"input\":null}", NULL},
    /* falsy expected outputs are kept */
    {"{\"id\":\"a\",\"input\":\"\",\"expectedOutput\":false}", NULL,
     "{\"id\":\"a\",\"input\":\"\",\"expected_output\":false}", NULL},
    {"{\"id\":\"a\",\"input\":[],\"expectedOutput\":0}", NULL,
     "{\"id\":\"a\",\"input\":[],\"expected_output\":0}", NULL},
    /* metadata that is not an object is kept under "value" */
    {"{\"id\":\"a\",\"input\":1,\"metadata\":\"from prod\"}", NULL,
     "{\"id\":\"a\",\"input\":1,\"metadata\":{\"value\":\"from prod\"}}", NULL},
    {"{\"id\":\"a\",\"input\":1,\"metadata\":[1,2],\"sourceTraceId\":\"t\"}", NULL,
     "{\"id\":\"a\",\"input\":1,\"metadata\":{\"source_trace_id\":\"t\",\"value\":[1,2]}}", NULL},
    /* the item's field wins over a metadata key of the same name */
    {"{\"id\":\"a\",\"input\":1,\"metadata\":{\"source_trace_id\":\"old\"},"
     "\"sourceTraceId\":\"new\"}",
     NULL, "{\"id\":\"a\",\"input\":1,\"metadata\":{\"source_trace_id\":\"new\"}}", NULL},
    /* numbers: shortest form, integral reals as integers */
    {"{\"id\":\"n\",\"input\":[0.1,1.0,-0.0,2.5e-7,1e300,123456789.123,-3,9007199254740993.0]}",
     NULL,
     "{\"id\":\"n\",\"input\":[0.1,1,0,2.5e-07,1e+300,123456789.123,-3,9007199254740992]}",
     NULL},
    /* escapes as jansson writes them: controls, quote, backslash; '/' and UTF-8 as is */
    {"{\"id\":\"e\",\"input\":\"a\\\"b\\\\c\\n\\t\\u0001/\\u00e9\"}", NULL,
     "{\"id\":\"e\",\"input\":\"a\\\"b\\\\c\\n\\t\\u0001/\xc3\xa9\"}", NULL},
    {"{\"id\":\"k\",\"input\":{\"b\":1,\"B\":2,\"a b\":3,\"\xc3\xa9\":4,\"_\":5}}", NULL,
     "{\"id\":\"k\",\"input\":{\"B\":2,\"_\":5,\"a b\":3,\"b\":1,\"\xc3\xa9\":4}}", NULL},
    /* the id prefix: stripped where present, ids without it kept whole */
    {"{\"id\":\"staging/q1\",\"input\":1}", "staging/", "{\"id\":\"q1\",\"input\":1}", NULL},
    {"{\"id\":\"q1\",\"input\":1}", "staging/", "{\"id\":\"q1\",\"input\":1}", NULL},
    {"{\"id\":\"stagingq1\",\"input\":1}", "staging/", "{\"id\":\"stagingq1\",\"input\":1}", NULL},
    /* what pawl's format cannot hold */
    {"{\"id\":42,\"input\":1}", NULL, NULL,
     "Langfuse listed an item whose id is a number, not a non-empty string"},
    {"{\"id\":\"\",\"input\":1}", NULL, NULL,
     "Langfuse listed an item whose id is empty, not a non-empty string"},
    {"{\"input\":1}", NULL, NULL,
     "Langfuse listed an item whose id is missing, not a non-empty string"},
    {"[1]", NULL, NULL, "Langfuse listed an item that is an array, not an object"},
    {"{\"id\":\"staging/\",\"input\":1}", "staging/", NULL,
     "item 'staging/' has no id left once the prefix 'staging/' is stripped"},
};

START_TEST(test_item_line)
{
    struct pawl_buf line = PAWL_BUF_INIT;
    struct pawl_error err;
    json_error_t jerr;
    json_t *item = json_loads(item_cases[_i].item, JSON_DECODE_ANY, &jerr);
    char *id = NULL;

    ck_assert_msg(item != NULL, "fixture %d: %s", _i, jerr.text);
    pawl_error_init(&err);
    if (item_cases[_i].line) {
        PAWL_ASSERT_OK(
            pawl_langfuse_dataset_item_line(&line, &id, item, item_cases[_i].prefix, &err), &err);
        ck_assert_str_eq(line.ptr, item_cases[_i].line);
        ck_assert_ptr_nonnull(id);
    } else {
        PAWL_ASSERT_ERR(
            pawl_langfuse_dataset_item_line(&line, &id, item, item_cases[_i].prefix, &err), &err,
            PAWL_EDATA, item_cases[_i].error);
        ck_assert_ptr_null(id);
    }
    free(id);
    pawl_buf_release(&line);
    json_decref(item);
}
END_TEST

/* The id an item gets: the stripped one. */
START_TEST(test_item_id)
{
    struct pawl_buf line = PAWL_BUF_INIT;
    json_t *item = json_pack("{s:s, s:i}", "id", "b/x/y", "input", 1);
    struct pawl_error err;
    char *id = NULL;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_langfuse_dataset_item_line(&line, &id, item, "b/", &err), &err);
    ck_assert_str_eq(id, "x/y");
    free(id);
    json_decref(item);
    pawl_buf_release(&line);
}
END_TEST

/*
 * pull's output read back by pawl's own loader gives each case the same line:
 * the canonical line is a fixed point, which is what makes pull -> push -> pull
 * byte-identical.
 */
START_TEST(test_line_fixed_point)
{
    static const char text[] =
        "{\"id\":\"1\",\"input\":null}\n"
        "{\"id\":\"a\",\"input\":{\"b\":[1,0.5,{\"c\":null,\"d\":\"\xc3\xa9\"}]},"
        "\"expected_output\":{\"x\":false},\"metadata\":{\"source_trace_id\":\"t\",\"tags\":[]}}\n"
        "{\"id\":\"b\",\"input\":\"line\\nbreak\",\"expected_output\":\"\"}\n";
    struct pawl_dataset ds;
    struct pawl_buf all = PAWL_BUF_INIT;
    struct pawl_error err;
    size_t i;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_dataset_parse(&ds, text, strlen(text), "x.jsonl", "id", &err), &err);
    for (i = 0; i < ds.n_cases; i++) {
        const struct pawl_case *c = &ds.cases[i];
        pawl_langfuse_dataset_line(&all, c->id, c->input, c->expected_output, c->metadata);
        pawl_buf_putc(&all, '\n');
    }
    ck_assert_str_eq(all.ptr, text);
    pawl_buf_release(&all);
    pawl_dataset_release(&ds);
}
END_TEST

/* ---- sets: order, duplicates, lookups ---- */

static void add(struct pawl_langfuse_dataset_lines *s, const char *id, const char *line)
{
    pawl_langfuse_dataset_lines_add(s, strdup(id), strdup(line));
}

START_TEST(test_sort_bytes)
{
    static const char *const ids[] = {"b", "a10", "B", "a2", "\xc3\xa9", "a", "_", "a b"};
    static const char want[] = "B\n_\na\na b\na10\na2\nb\n\xc3\xa9\n";
    struct pawl_langfuse_dataset_lines s = PAWL_LANGFUSE_DATASET_LINES_INIT;
    struct pawl_buf text = PAWL_BUF_INIT;
    size_t i;

    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        add(&s, ids[i], ids[i]);
    ck_assert_ptr_null(pawl_langfuse_dataset_lines_sort(&s));
    pawl_langfuse_dataset_lines_text(&text, &s);
    ck_assert_str_eq(text.ptr, want);
    ck_assert_str_eq(pawl_langfuse_dataset_lines_find(&s, "a2")->line, "a2");
    ck_assert_str_eq(pawl_langfuse_dataset_lines_find(&s, "\xc3\xa9")->line, "\xc3\xa9");
    ck_assert_ptr_null(pawl_langfuse_dataset_lines_find(&s, "a1"));
    ck_assert_ptr_null(pawl_langfuse_dataset_lines_find(&s, "zz"));
    pawl_buf_release(&text);
    pawl_langfuse_dataset_lines_release(&s);
}
END_TEST

START_TEST(test_sort_duplicate)
{
    struct pawl_langfuse_dataset_lines s = PAWL_LANGFUSE_DATASET_LINES_INIT;
    const char *dup;

    add(&s, "q2", "first q2");
    add(&s, "q1", "q1");
    add(&s, "q2", "second q2");
    dup = pawl_langfuse_dataset_lines_sort(&s);
    ck_assert_ptr_nonnull(dup);
    ck_assert_str_eq(dup, "q2");
    /* equal ids keep their order of arrival */
    ck_assert_str_eq(s.v[1].line, "first q2");
    ck_assert_str_eq(s.v[2].line, "second q2");
    pawl_langfuse_dataset_lines_release(&s);
}
END_TEST

/* ---- the counts a pull prints ---- */

static const struct {
    const char *before; /* the file's previous content */
    const char *after;  /* what the pull writes */
    size_t added, changed, removed, unchanged;
} diff_cases[] = {
    {"", "{\"id\":\"a\",\"input\":1}\n{\"id\":\"b\",\"input\":2}\n", 2, 0, 0, 0},
    {"{\"id\":\"a\",\"input\":1}\n", "", 0, 0, 1, 0},
    {"{\"id\":\"a\",\"input\":1}\n{\"id\":\"b\",\"input\":2}\n",
     "{\"id\":\"a\",\"input\":1}\n{\"id\":\"b\",\"input\":2}\n", 0, 0, 0, 2},
    /* 3 added, 1 changed, 2 removed, 1 unchanged */
    {"{\"id\":\"a\",\"input\":1}\n{\"id\":\"b\",\"input\":2}\n{\"id\":\"c\",\"input\":3}\n"
     "{\"id\":\"d\",\"input\":4}\n",
     "{\"id\":\"a\",\"input\":1}\n{\"id\":\"b\",\"input\":20}\n{\"id\":\"e\",\"input\":5}\n"
     "{\"id\":\"f\",\"input\":6}\n{\"id\":\"g\",\"input\":7}\n",
     3, 1, 2, 1},
    /* the same content written by hand: other key order, spaces, expectedOutput, integer id,
     * an empty metadata, no final newline, a line that is not JSON (skipped) */
    {"{\"input\": 1, \"id\": \"a\", \"metadata\": {}}\n"
     "not json\n"
     "{\"expectedOutput\": \"x\", \"input\": {\"b\": 1, \"a\": 2}, \"id\": 7}",
     "{\"id\":\"7\",\"input\":{\"a\":2,\"b\":1},\"expected_output\":\"x\"}\n"
     "{\"id\":\"a\",\"input\":1}\n",
     0, 0, 0, 2},
    /* a repeated id in the old file counts once, by its first line */
    {"{\"id\":\"a\",\"input\":1}\n{\"id\":\"a\",\"input\":2}\n", "{\"id\":\"a\",\"input\":1}\n",
     0, 0, 0, 1},
    /* metadata and expected_output are part of the content */
    {"{\"id\":\"a\",\"input\":1,\"metadata\":{\"k\":1}}\n{\"id\":\"b\",\"input\":1}\n",
     "{\"id\":\"a\",\"input\":1,\"metadata\":{\"k\":2}}\n"
     "{\"id\":\"b\",\"input\":1,\"expected_output\":null}\n",
     0, 1, 0, 1},
};

START_TEST(test_diff)
{
    struct pawl_langfuse_dataset_lines before = PAWL_LANGFUSE_DATASET_LINES_INIT,
                                       after = PAWL_LANGFUSE_DATASET_LINES_INIT;
    struct pawl_langfuse_dataset_diff d;

    pawl_langfuse_dataset_lines_parse(&before, diff_cases[_i].before,
                                      strlen(diff_cases[_i].before));
    pawl_langfuse_dataset_lines_parse(&after, diff_cases[_i].after, strlen(diff_cases[_i].after));
    pawl_langfuse_dataset_diff(&d, &before, &after);
    ck_assert_uint_eq(d.added, diff_cases[_i].added);
    ck_assert_uint_eq(d.changed, diff_cases[_i].changed);
    ck_assert_uint_eq(d.removed, diff_cases[_i].removed);
    ck_assert_uint_eq(d.unchanged, diff_cases[_i].unchanged);
    pawl_langfuse_dataset_lines_release(&before);
    pawl_langfuse_dataset_lines_release(&after);
}
END_TEST

/* ---- arguments ---- */

static const struct {
    const char *version;
    int ok;
} version_cases[] = {
    {"2026-08-01T00:00:00Z", 1},
    {"2026-08-01T10:20:30.123Z", 1},
    {"2026-08-01T10:20:30.123456789+02:00", 1},
    {"2026-08-01T10:20:30-05:30", 1},
    {"2024-02-29T00:00:00Z", 1},
    {"2026-12-31T23:59:60Z", 1}, /* a leap second */
    {"2026-08-01", 0},
    {"2026-08-01T00:00:00", 0}, /* no time zone */
    {"2026-08-01 00:00:00Z", 0},
    {"2026-08-01t00:00:00z", 0},
    {"2026-13-01T00:00:00Z", 0},
    {"2026-02-29T00:00:00Z", 0},
    {"1900-02-29T00:00:00Z", 0},
    {"2026-04-31T00:00:00Z", 0},
    {"2026-08-01T24:00:00Z", 0},
    {"2026-08-01T00:00:00.Z", 0},
    {"2026-08-01T00:00:00+2:00", 0},
    {"2026-08-01T00:00:00Zjunk", 0},
    {"1722470400", 0},
    {"yesterday", 0},
    {"", 0},
};

START_TEST(test_version)
{
    struct pawl_error err;
    char want[256];

    pawl_error_init(&err);
    if (version_cases[_i].ok) {
        PAWL_ASSERT_OK(pawl_langfuse_dataset_check_version(version_cases[_i].version, &err), &err);
        return;
    }
    snprintf(want, sizeof(want),
             "--version must be an RFC 3339 timestamp such as 2026-08-01T00:00:00Z or "
             "2026-08-01T09:30:00.000+02:00, not '%s'",
             version_cases[_i].version);
    PAWL_ASSERT_ERR(pawl_langfuse_dataset_check_version(version_cases[_i].version, &err), &err,
                    PAWL_EUSAGE, want);
}
END_TEST

static const struct {
    const char *name;
    const char *path;  /* the default file, or NULL */
    const char *error; /* from the name check, else from the path */
} name_cases[] = {
    {"qa", "evals/qa.jsonl", NULL},
    {"support bot", "evals/support bot.jsonl", NULL},
    {"team/qa", "evals/team/qa.jsonl", NULL},
    {"a/b/c.v2", "evals/a/b/c.v2.jsonl", NULL},
    {"..hidden", "evals/..hidden.jsonl", NULL},
    {"", NULL, "the dataset name is empty"},
    {"/qa", NULL, "dataset name '/qa' must not start or end with '/'"},
    {"qa/", NULL, "dataset name 'qa/' must not start or end with '/'"},
    {"a//b", NULL, "dataset name 'a//b' must not contain '//'"},
    {"..", NULL,
     "cannot name a file after dataset '..' (a folder would be '..'): give one with -o FILE"},
    {"a/../../etc", NULL,
     "cannot name a file after dataset 'a/../../etc' (a folder would be '..'): give one with -o "
     "FILE"},
    {"./qa", NULL,
     "cannot name a file after dataset './qa' (a folder would be '.'): give one with -o FILE"},
};

START_TEST(test_name_and_path)
{
    struct pawl_error err;
    char *path = NULL;
    int rc;

    pawl_error_init(&err);
    rc = pawl_langfuse_dataset_check_name(name_cases[_i].name, &err);
    if (rc == 0)
        rc = pawl_langfuse_dataset_default_path(&path, name_cases[_i].name, &err);
    if (name_cases[_i].path) {
        PAWL_ASSERT_OK(rc, &err);
        ck_assert_str_eq(path, name_cases[_i].path);
    } else {
        PAWL_ASSERT_ERR(rc, &err, PAWL_EUSAGE, name_cases[_i].error);
        ck_assert_ptr_null(path);
    }
    free(path);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *langfuse_dataset_suite(void)
{
    Suite *s = suite_create("langfuse_dataset");
    TCase *tc = tcase_create("line");

    tcase_add_loop_test(tc, test_item_line, 0, N(item_cases));
    tcase_add_test(tc, test_item_id);
    tcase_add_test(tc, test_line_fixed_point);
    suite_add_tcase(s, tc);
    tc = tcase_create("sets");
    tcase_add_test(tc, test_sort_bytes);
    tcase_add_test(tc, test_sort_duplicate);
    tcase_add_loop_test(tc, test_diff, 0, N(diff_cases));
    suite_add_tcase(s, tc);
    tc = tcase_create("arguments");
    tcase_add_loop_test(tc, test_version, 0, N(version_cases));
    tcase_add_loop_test(tc, test_name_and_path, 0, N(name_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(langfuse_dataset_suite());
}
