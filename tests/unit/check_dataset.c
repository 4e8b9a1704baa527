#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "helpers.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/dataset.h"
#include "pawl/fs.h"
#include "pawl/git.h"

#define INVALID_DIR PAWL_TEST_DATA "/dataset/invalid"
#define VALID_DIR PAWL_TEST_DATA "/dataset/valid"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entry names of `dir` (without . and ..); the caller frees them. */
static size_t list_dir(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, alloc = 0;

    /* Also called while building the suite, where Check's asserts cannot run. */
    if (!d) {
        *out = NULL;
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        PAWL_ALLOC_GROW(names, n + 1, alloc);
        names[n++] = pawl_xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);
    *out = names;
    return n;
}

static void free_list(char **names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The file without its trailing line breaks. */
static char *read_text(const char *path)
{
    char *text = pawl_test_read_file(path);
    size_t len = strlen(text);

    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    return text;
}

static size_t count_invalid_cases(void)
{
    char **names;
    size_t n = list_dir(INVALID_DIR, &names);
    free_list(names, n);
    return n;
}

/* Each tests/data/dataset/invalid/<case>/ holds one dataset file and `expected`. */
START_TEST(test_invalid_case)
{
    char **cases = NULL, **files = NULL, *dir, *path = NULL, *want;
    size_t n_cases = list_dir(INVALID_DIR, &cases), n_files, i;
    struct pawl_dataset ds;
    struct pawl_error err;
    const char *file = NULL;

    ck_assert_uint_lt((size_t)_i, n_cases);
    dir = pawl_xasprintf("%s/%s", INVALID_DIR, cases[_i]);
    n_files = list_dir(dir, &files);
    ck_assert_uint_eq(n_files, 2);
    for (i = 0; i < n_files; i++)
        if (strcmp(files[i], "expected") != 0)
            file = files[i];
    ck_assert_msg(file != NULL, "%s has no dataset file", cases[_i]);
    path = pawl_xasprintf("%s/%s", dir, file);
    want = pawl_xasprintf("%s/expected", dir);
    {
        char *expected = read_text(want);
        free(want);
        want = expected;
    }
    pawl_error_init(&err);
    memset(&ds, 0xab, sizeof(ds)); /* load must zero it even on failure */
    PAWL_ASSERT_ERR(pawl_dataset_load(&ds, path, file, NULL, "id", &err), &err, PAWL_EDATA, want);
    ck_assert_ptr_null(ds.cases);
    ck_assert_ptr_null(ds.path);
    ck_assert_uint_eq(ds.n_cases, 0);
    pawl_dataset_release(&ds);
    free(want);
    free(path);
    free(dir);
    free_list(files, n_files);
    free_list(cases, n_cases);
}
END_TEST

START_TEST(test_invalid_case_count)
{
    ck_assert_uint_ge(count_invalid_cases(), 12);
}
END_TEST

/* The same three cases in every format, and where each record starts. */
static const struct {
    const char *file;
    int lines[3];
} valid_formats[] = {
    {"cases.jsonl", {1, 2, 5}},
    {"cases.json", {2, 10, 11}},
    {"cases.yaml", {2, 9, 15}},
    {"cases.csv", {2, 3, 6}},
};

static void load_valid(struct pawl_dataset *ds, const char *file)
{
    struct pawl_error err;
    char *path = pawl_xasprintf("%s/%s", VALID_DIR, file);

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_dataset_load(ds, path, file, NULL, NULL, &err), &err);
    free(path);
}

static void assert_json_eq(const json_t *got, const char *want_text)
{
    json_error_t jerr;
    json_t *want = json_loads(want_text, JSON_DECODE_ANY, &jerr);
    char *dump;

    ck_assert_msg(want != NULL, "bad test JSON: %s", jerr.text);
    dump = got ? json_dumps(got, JSON_ENCODE_ANY | JSON_SORT_KEYS) : NULL;
    ck_assert_msg(got && json_equal(got, want), "got %s, want %s", dump ? dump : "NULL", want_text);
    free(dump);
    json_decref(want);
}

START_TEST(test_valid_formats_agree)
{
    struct pawl_dataset ref, ds;
    size_t i;

    load_valid(&ref, "cases.jsonl");
    load_valid(&ds, valid_formats[_i].file);
    ck_assert_str_eq(ds.path, valid_formats[_i].file);
    ck_assert_ptr_null(ds.ref);
    ck_assert_uint_eq(ds.n_cases, 3);
    for (i = 0; i < 3; i++) {
        const struct pawl_case *a = &ref.cases[i], *b = &ds.cases[i];
        ck_assert_str_eq(b->id, a->id);
        ck_assert_msg(json_equal(b->input, a->input), "%s: input of %s differs", ds.path, b->id);
        ck_assert_msg(json_equal(b->expected_output, a->expected_output),
                      "%s: expected_output of %s differs", ds.path, b->id);
        ck_assert_msg(json_equal(b->metadata, a->metadata), "%s: metadata of %s differs", ds.path,
                      b->id);
        ck_assert_int_eq(b->line, valid_formats[_i].lines[i]);
        ck_assert_ptr_nonnull(b->record);
    }
    pawl_dataset_release(&ds);
    pawl_dataset_release(&ref);
}
END_TEST

START_TEST(test_valid_contents)
{
    struct pawl_dataset ds;

    load_valid(&ds, "cases.csv");
    ck_assert_str_eq(ds.cases[0].id, "q1");
    ck_assert_str_eq(ds.cases[1].id, "q2");
    ck_assert_str_eq(ds.cases[2].id, "3");
    /* quoted CSV field with a newline, a comma and a doubled quote */
    assert_json_eq(ds.cases[1].input, "{\"question\": \"Line one,\\nsays \\\"hi\\\"\", "
                                      "\"context\": \"\"}");
    assert_json_eq(ds.cases[0].expected_output, "\"Paris\"");
    assert_json_eq(ds.cases[2].metadata, "{\"source\": \"\"}");
    /* the BOM is not part of the id column's name */
    assert_json_eq(ds.cases[0].record,
                   "{\"id\": \"q1\", \"input\": {\"question\": \"What is the capital of France?\", "
                   "\"context\": \"geography\"}, \"expected_output\": \"Paris\", "
                   "\"metadata\": {\"source\": \"web\"}}");
    pawl_dataset_release(&ds);

    load_valid(&ds, "cases.jsonl");
    /* expectedOutput (Langfuse) lands in expected_output; other keys stay in the record */
    assert_json_eq(ds.cases[1].expected_output, "\"a greeting\"");
    assert_json_eq(json_object_get(ds.cases[1].record, "status"), "\"ACTIVE\"");
    ck_assert_str_eq(ds.cases[2].id, "3");
    assert_json_eq(ds.cases[2].input, "{\"question\": \"\\u00c9cole?\", \"context\": \"fr\"}");
    pawl_dataset_release(&ds);
}
END_TEST

START_TEST(test_blob_is_git_blob_id)
{
    struct pawl_dataset ds;
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_error err;
    char want[PAWL_GIT_OID_HEX];
    char *path = pawl_xasprintf("%s/%s", VALID_DIR, valid_formats[_i].file);

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_fs_read(&b, path, path, 0, &err), &err);
    pawl_git_hash_blob(want, b.ptr, b.len);
    load_valid(&ds, valid_formats[_i].file);
    ck_assert_str_eq(ds.blob, want);
    ck_assert_uint_eq(strlen(ds.blob), 40);
    pawl_dataset_release(&ds);
    pawl_buf_release(&b);
    free(path);
}
END_TEST

/* In-memory parses: line endings, BOM, null keys, custom id fields, extension case. */
static const struct {
    const char *display;
    const char *data;
    const char *id_field;
    size_t n;
    const char *ids[3];
    int lines[3];
} parse_ok[] = {
    {"crlf.jsonl", "{\"id\": \"a\"}\r\n\r\n{\"id\": \"b\"}\r\n", NULL, 2, {"a", "b"}, {1, 3}},
    {"bom.jsonl", "\xEF\xBB\xBF{\"id\": 1}\n{\"id\": -2}", NULL, 2, {"1", "-2"}, {1, 2}},
    {"bom.json", "\xEF\xBB\xBF[{\"id\": \"x\"}]", NULL, 1, {"x"}, {1}},
    {"bom.yaml", "\xEF\xBB\xBF- id: x\n", NULL, 1, {"x"}, {1}},
    {"UPPER.JSONL", "{\"id\": \"a\"}", NULL, 1, {"a"}, {1}},
    {"d.YML", "- {id: a}\n- {id: 12}\n", NULL, 2, {"a", "12"}, {1, 2}},
    {"custom.jsonl", "{\"case_id\": \"c1\", \"id\": 5}\n", "case_id", 1, {"c1"}, {1}},
    {"custom.csv", "question,case_id\nhi,c1\n", "case_id", 1, {"c1"}, {2}},
    {"lf.csv", "id\nz\ny", NULL, 2, {"z", "y"}, {2, 3}},
    {"cr.csv", "id,q\ra,1\rb,2\r", NULL, 2, {"a", "b"}, {1, 1}},
    {"spaces.csv", "id,q\n a , b \n", NULL, 1, {" a "}, {2}},
    {"nested.json", "[[1], {\"id\": \"x\"}]", NULL, 0, {NULL}, {0}},
};

START_TEST(test_parse_ok)
{
    struct pawl_dataset ds;
    struct pawl_error err;
    size_t i;
    int rc;

    pawl_error_init(&err);
    rc = pawl_dataset_parse(&ds, parse_ok[_i].data, strlen(parse_ok[_i].data), parse_ok[_i].display,
                            parse_ok[_i].id_field, &err);
    if (parse_ok[_i].n == 0) {
        /* a record that is not an object, at the line the scanner found */
        PAWL_ASSERT_ERR(rc, &err, PAWL_EDATA,
                        "nested.json:1: record must be a JSON object, got an array");
        return;
    }
    PAWL_ASSERT_OK(rc, &err);
    ck_assert_uint_eq(ds.n_cases, parse_ok[_i].n);
    for (i = 0; i < ds.n_cases; i++) {
        ck_assert_str_eq(ds.cases[i].id, parse_ok[_i].ids[i]);
        ck_assert_int_eq(ds.cases[i].line, parse_ok[_i].lines[i]);
    }
    pawl_dataset_release(&ds);
}
END_TEST

START_TEST(test_absent_fields)
{
    static const char data[] = "{\"id\": \"a\", \"expected_output\": null, \"expectedOutput\": "
                               "\"x\", \"metadata\": null}\n"
                               "{\"id\": \"b\", \"input\": [1, 2]}\n"
                               "{\"id\": \"c\", \"input\": null, \"expected_output\": false}\n";
    struct pawl_dataset ds;
    struct pawl_error err;
    json_t *vars;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_dataset_parse(&ds, data, strlen(data), "n.jsonl", "id", &err), &err);
    /* null counts as absent, so a Langfuse export's null next to a value is fine */
    assert_json_eq(ds.cases[0].expected_output, "\"x\"");
    ck_assert_ptr_null(ds.cases[0].metadata);
    ck_assert(json_is_null(ds.cases[0].input));
    ck_assert_ptr_null(ds.cases[1].expected_output);
    assert_json_eq(ds.cases[2].expected_output, "false");

    vars = pawl_case_vars(&ds.cases[1]);
    assert_json_eq(vars, "{\"id\": \"b\", \"input\": [1, 2]}");
    json_decref(vars);
    pawl_dataset_release(&ds);

    load_valid(&ds, "cases.yaml");
    vars = pawl_case_vars(&ds.cases[2]);
    assert_json_eq(vars, "{\"id\": \"3\", \"input\": {\"question\": \"\\u00c9cole?\", "
                         "\"context\": \"fr\"}, \"expected_output\": \"school\", "
                         "\"metadata\": {\"source\": \"\"}}");
    /* the vars hold their own references: the dataset can go first */
    pawl_dataset_release(&ds);
    assert_json_eq(json_object_get(vars, "expected_output"), "\"school\"");
    json_decref(vars);
}
END_TEST

static const struct {
    const char *display;
    const char *data;
    const char *want;
} parse_err[] = {
    {"qa.jsonl", "{\"id\": \"a\"}\n{\"id\": \"a\"",
     "qa.jsonl:2: invalid JSON: '}' expected near end of file"},
    {"qa.jsonl", "{\"id\": \"a\", \"id\": \"b\"}",
     "qa.jsonl:1: invalid JSON: duplicate object key near '\"id\"'"},
    {"qa.yaml", "- id: \"a\\0b\"\n", "qa.yaml:1: case id must not contain a NUL character"},
    {"qa.jsonl", "{\"id\": null}", "qa.jsonl:1: case id must be a string or an integer"},
    {"qa.yaml", "- id: a\n  metadata: text\n",
     "qa.yaml:1: metadata must be an object, got a string"},
    {"qa.yaml", "- id: a\n- 3\n", "qa.yaml:2: record must be a mapping, got a number"},
    {"qa.yaml", "- &x {id: a}\n", "qa.yaml:1:3: YAML anchors and aliases are not supported"},
    {"qa.csv", "id,metadata.\nq1,x\n", "qa.csv:1: empty metadata key in column 'metadata.'"},
    {"qa.csv", "id,q\nq1\n", "qa.csv:2: row has 1 field, header has 2"},
    {"qa.csv", "id,q\nq1,\"a\"\"b\"\"\nnext", "qa.csv:2: invalid CSV: unterminated quoted field"},
    {"noext", "{}", "noext: unsupported dataset format (use .jsonl, .json, .yaml or .csv)"},
    {"dir.v1/data", "{}",
     "dir.v1/data: unsupported dataset format (use .jsonl, .json, .yaml or .csv)"},
    {"qa.json", "\xEF\xBB\xBF   ", "qa.json: dataset has no cases"},
    {"qa.csv", "\xFF\xFEi\0d\0", "qa.csv:1: invalid UTF-8 (the file is UTF-16; save it as UTF-8)"},
    {"qa.jsonl", "{}\n\xED\xA0\x80\n", "qa.jsonl:2: invalid UTF-8"}, /* a surrogate */
    {"qa.jsonl", "{}\n\xC0\xAF\n", "qa.jsonl:2: invalid UTF-8"},     /* overlong '/' */
    {"qa.yaml", "- id: a\n  input: \x01\n",
     "qa.yaml:2:10: invalid YAML: control characters are not allowed"},
};

START_TEST(test_parse_errors)
{
    struct pawl_dataset ds;
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_dataset_parse(&ds, parse_err[_i].data, strlen(parse_err[_i].data),
                                       parse_err[_i].display, "id", &err),
                    &err, PAWL_EDATA, parse_err[_i].want);
    ck_assert_uint_eq(ds.n_cases, 0);
    ck_assert_ptr_null(ds.path);
    pawl_dataset_release(&ds);
}
END_TEST

/* Nesting deep enough to exhaust a recursive reader's stack is refused by each format. */
static const struct {
    const char *display, *open, *close;
    const char *want;
} deep_cases[] = {
    {"qa.jsonl", "[", "]", "qa.jsonl:1: invalid JSON: maximum parsing depth reached near '['"},
    {"qa.json", "[", "]", "qa.json:1:2049: invalid JSON: maximum parsing depth reached near '['"},
    {"qa.jsonl", "{\"a\":", "}",
     "qa.jsonl:1: invalid JSON: maximum parsing depth reached near '{'"},
    {"qa.yaml", "[", "]", "qa.yaml:1:65: nesting deeper than 64 levels"},
    {"qa.yaml", "- ", "", "qa.yaml:1:129: nesting deeper than 64 levels"},
};

START_TEST(test_deep_nesting)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_dataset ds;
    struct pawl_error err;
    int i;

    for (i = 0; i < 100000; i++)
        pawl_buf_puts(&b, deep_cases[_i].open);
    pawl_buf_puts(&b, "1");
    for (i = 0; i < 100000; i++)
        pawl_buf_puts(&b, deep_cases[_i].close);
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_dataset_parse(&ds, b.ptr, b.len, deep_cases[_i].display, "id", &err),
                    &err, PAWL_EDATA, deep_cases[_i].want);
    pawl_buf_release(&b);
}
END_TEST

/* A file past the 1 GiB limit is refused by its size, before any of it is read (the file is
 * sparse, so the test costs nothing): memory stays far below the gigabyte. */
START_TEST(test_huge_file)
{
    char *dir = pawl_test_scratch_root("huge"), *path = pawl_xasprintf("%s/qa.jsonl", dir);
    struct pawl_dataset ds;
    struct pawl_error err;
    struct rusage ru;

    pawl_test_write_file(path, "{\"id\": \"a\"}\n");
    ck_assert_int_eq(truncate(path, ((off_t)1 << 30) + 1), 0);
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_dataset_load(&ds, path, "evals/qa.jsonl", NULL, "id", &err), &err,
                    PAWL_EDATA, "evals/qa.jsonl: dataset is larger than 1 GiB");
    ck_assert_ptr_null(ds.cases);
    ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
    ck_assert_int_lt(ru.ru_maxrss, 512 * 1024); /* KiB */
    free(path);
    pawl_test_scratch_remove(&dir);
}
END_TEST

START_TEST(test_load_missing_file)
{
    struct pawl_dataset ds;
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(
        pawl_dataset_load(&ds, VALID_DIR "/nope.jsonl", "evals/qa.jsonl", NULL, "id", &err), &err,
        PAWL_EDATA, "cannot open dataset 'evals/qa.jsonl': No such file or directory");
    pawl_error_clear(&err);
    PAWL_ASSERT_ERR(pawl_dataset_load(&ds, VALID_DIR, "valid.jsonl", NULL, "id", &err), &err,
                    PAWL_EDATA, "cannot open dataset 'valid.jsonl': Is a directory");
    pawl_dataset_release(&ds);
}
END_TEST

START_TEST(test_release_zeroed)
{
    struct pawl_dataset ds;

    memset(&ds, 0, sizeof(ds));
    pawl_dataset_release(&ds);
    pawl_dataset_release(&ds);
    pawl_dataset_release(NULL);
    load_valid(&ds, "cases.json");
    pawl_dataset_release(&ds);
    ck_assert_ptr_null(ds.cases);
    pawl_dataset_release(&ds);
}
END_TEST

/* A larger file keeps linear behaviour and exact lines. */
START_TEST(test_many_cases)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_dataset ds;
    struct pawl_error err;
    int i;

    for (i = 0; i < 20000; i++)
        pawl_buf_printf(&b, "{\"id\": \"case-%d\", \"input\": {\"n\": %d}}\n", i, i);
    pawl_buf_puts(&b, "{\"id\": \"case-123\"}\n");
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_dataset_parse(&ds, b.ptr, b.len, "big.jsonl", "id", &err), &err,
                    PAWL_EDATA,
                    "big.jsonl:20001: duplicate case id 'case-123' (first at line 124)");
    pawl_buf_release(&b);
}
END_TEST

static Suite *dataset_suite(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("invalid");
    int n_invalid = (int)count_invalid_cases();
    int n_formats = (int)(sizeof(valid_formats) / sizeof(valid_formats[0]));

    tcase_add_loop_test(tc, test_invalid_case, 0, n_invalid);
    tcase_add_test(tc, test_invalid_case_count);
    tcase_add_loop_test(tc, test_parse_errors, 0, (int)(sizeof(parse_err) / sizeof(parse_err[0])));
    tcase_add_test(tc, test_load_missing_file);
    tcase_add_loop_test(tc, test_deep_nesting, 0, (int)(sizeof(deep_cases) / sizeof(deep_cases[0])));
    tcase_add_test(tc, test_huge_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("valid");
    tcase_add_loop_test(tc, test_valid_formats_agree, 0, n_formats);
    tcase_add_loop_test(tc, test_blob_is_git_blob_id, 0, n_formats);
    tcase_add_test(tc, test_valid_contents);
    tcase_add_loop_test(tc, test_parse_ok, 0, (int)(sizeof(parse_ok) / sizeof(parse_ok[0])));
    tcase_add_test(tc, test_absent_fields);
    tcase_add_test(tc, test_release_zeroed);
    tcase_add_test(tc, test_many_cases);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(dataset_suite());
}
