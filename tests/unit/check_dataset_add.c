/*
 * `pawl dataset add`: the record built from a results file, appending it to
 * each dataset format without changing a byte already there, and the
 * conversational history the chat providers splice into their requests.
 */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/dataset.h"
#include "pawl/dataset_add.h"
#include "pawl/fs.h"
#include "pawl/provider.h"
#include "pawl/results.h"

#define DATA PAWL_TEST_DATA "/dataset_add"

/* Characters each format must escape or quote: quotes, a comma, a line break, DEL,
 * NEL and U+2028 (line breaks to YAML), non-ASCII and an emoji. */
static const char record_text[] =
    "{\"id\": \"n1\", \"input\": {\"question\": \"say \\\"hi\\\", then\\nstop \\u007f \\u0085 "
    "\\u2028 caf\\u00e9 \\ud83d\\ude00\"}, \"expected_output\": \"ok\", \"metadata\": "
    "{\"topic\": \"x\"}}";

static json_t *record(void)
{
    json_t *r = json_loads(record_text, 0, NULL);
    ck_assert_ptr_nonnull(r);
    return r;
}

static char *fixture(const char *name, size_t *len)
{
    char *path = pawl_xasprintf("%s/%s", DATA, name);
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_fs_read(&b, path, path, 0, &err), &err);
    free(path);
    return pawl_buf_detach(&b, len);
}

/* ---- appending, per format --------------------------------------------- */

static const struct {
    const char *in;       /* fixture */
    const char *expected; /* golden file under expected/ */
    int line;             /* where the new record starts */
    const char *eol;      /* added first when the file lacks a final line break */
} appends[] = {
    {"crlf.jsonl", "crlf.jsonl", 4, "\r\n"},      /* CRLF, a blank line, no final newline */
    {"pretty.json", "pretty.json", 11, NULL},     /* indented elements, whitespace after ] */
    {"oneline.json", "oneline.json", 1, NULL},    /* one line, no final newline */
    {"lines.json", "lines.json", 4, NULL},        /* one element a line, CRLF */
    {"tabs.json", "tabs.json", 19, NULL},         /* jq --tab: indented with tabs */
    {"comments.yaml", "comments.yaml", 13, "\n"}, /* comments, indented list, block scalar */
    {"crlf.yaml", "crlf.yaml", 4, NULL},          /* CRLF, flow and block items */
    {"quoted.csv", "quoted.csv", 5, NULL},        /* BOM, CRLF, quoted fields over two lines */
};

START_TEST(test_append_formats)
{
    const char *name = appends[_i].in;
    char *data, *gold_path = pawl_xasprintf("%s/expected/%s", DATA, appends[_i].expected);
    struct pawl_buf out = PAWL_BUF_INIT;
    struct pawl_dataset_addition info;
    struct pawl_dataset ds;
    struct pawl_error err;
    json_t *rec = record();
    size_t len, pre, post;

    pawl_error_init(&err);
    data = fixture(name, &len);
    PAWL_ASSERT_OK(pawl_dataset_append(&out, &info, data, len, name, rec, "id", &err), &err);
    ck_assert_int_eq(info.line, appends[_i].line);
    /* Every byte that was there is still there: the new file is the old one with
     * text inserted at one place (the end, or before a JSON array's `]`). */
    ck_assert_uint_ge(out.len, len);
    for (pre = 0; pre < len && out.ptr[pre] == data[pre]; pre++)
        ;
    for (post = 0; post < len - pre && out.ptr[out.len - 1 - post] == data[len - 1 - post]; post++)
        ;
    ck_assert_uint_eq(pre + post, len);
    if (!strstr(name, ".json") || strstr(name, ".jsonl"))
        ck_assert_uint_eq(pre, len);
    if (appends[_i].eol)
        ck_assert_int_eq(strncmp(out.ptr + len, appends[_i].eol, strlen(appends[_i].eol)), 0);
    if (getenv("PAWL_UPDATE_GOLDEN"))
        PAWL_ASSERT_OK(pawl_fs_write_atomic(gold_path, out.ptr, out.len, &err), &err);
    {
        size_t gold_len;
        char *gold = fixture(gold_path + strlen(DATA) + 1, &gold_len);
        ck_assert_uint_eq(out.len, gold_len);
        ck_assert_int_eq(memcmp(out.ptr, gold, gold_len), 0);
        free(gold);
    }
    /* It loads, with the new case last and (but for CSV's text) the values written. */
    PAWL_ASSERT_OK(pawl_dataset_parse(&ds, out.ptr, out.len, name, "id", &err), &err);
    ck_assert_str_eq(ds.cases[ds.n_cases - 1].id, "n1");
    ck_assert_int_eq(ds.cases[ds.n_cases - 1].line, appends[_i].line);
    if (!strstr(name, ".csv"))
        ck_assert(json_equal(ds.cases[ds.n_cases - 1].record, rec));
    else
        ck_assert_uint_eq(info.n_dropped, 0);
    pawl_dataset_release(&ds);
    pawl_dataset_addition_release(&info);
    pawl_buf_release(&out);
    json_decref(rec);
    free(data);
    free(gold_path);
}
END_TEST

static const struct {
    const char *name;
    const char *data;
    const char *want; /* the new file */
    int line;
} blanks[] = {
    {"new.jsonl", "", "{\"id\":\"b\",\"input\":1}\n", 1},
    {"new.json", "", "[\n  {\"id\": \"b\", \"input\": 1}\n]\n", 2},
    {"new.yaml", "# nothing yet\n", "# nothing yet\n- {\"id\": \"b\", \"input\": 1}\n", 2},
    {"empty.json", "[ ]", "[\n  {\"id\": \"b\", \"input\": 1}\n ]", 2},
    {"a.jsonl", "{\"id\":\"a\"}", "{\"id\":\"a\"}\n{\"id\":\"b\",\"input\":1}\n", 2},
    {"a.json", "[{\"id\": \"a\"}]\n", "[{\"id\": \"a\"}, {\"id\": \"b\", \"input\": 1}]\n", 1},
    {"a.yaml", "- id: a", "- id: a\n- {\"id\": \"b\", \"input\": 1}\n", 2},
    /* A byte order mark before an indented list: the dash lines up all the same. */
    {"bom.yaml", "\xEF\xBB\xBF  - id: a\n",
     "\xEF\xBB\xBF  - id: a\n  - {\"id\": \"b\", \"input\": 1}\n", 2},
    {"bom-flow.yaml", "\xEF\xBB\xBF[{id: a}]\n", NULL, 0},
    /* An explicit document end (and what may follow it): the item goes before it. */
    {"end.yaml", "---\n- id: a\n...\n", "---\n- id: a\n- {\"id\": \"b\", \"input\": 1}\n...\n", 3},
    {"end2.yaml", "- id: a\r\n... # done\r\n\r\n# bye",
     "- id: a\r\n- {\"id\": \"b\", \"input\": 1}\r\n"
     "... # done\r\n\r\n# bye",
     2},
    /* Two end markers (libyaml takes both): the item goes before the first. */
    {"ends.yaml", "- id: b b\n...\n...\t", "- id: b b\n- {\"id\": \"b\", \"input\": 1}\n...\n...\t",
     2},
    /* A block scalar ending the file: the added line break is harmless when chomped... */
    {"strip.yaml", "- id: a\n  input: |-\n    x",
     "- id: a\n  input: |-\n    x\n- {\"id\": \"b\", \"input\": 1}\n", 4},
    /* Lines as libyaml counts them: a lone CR, NEL and U+2028 break lines too. */
    {"cr.yaml", "- id: a\r- id: c\r", "- id: a\r- id: c\r- {\"id\": \"b\", \"input\": 1}\r", 3},
    {"cr-indent.yaml", "\r\r  - id: a\n", "\r\r  - id: a\n  - {\"id\": \"b\", \"input\": 1}\r", 4},
    {"nel.yaml", "- id: a\n  input: \"x\xC2\x85y\"\n",
     "- id: a\n  input: \"x\xC2\x85y\"\n- {\"id\": \"b\", \"input\": 1}\n", 4},
    {"ls.yaml", "- id: a\n  input: \"x\xE2\x80\xA8y\"\n",
     "- id: a\n  input: \"x\xE2\x80\xA8y\"\n- {\"id\": \"b\", \"input\": 1}\n", 4},
    {"cr-end.yaml", "- id: a\r...\r", "- id: a\r- {\"id\": \"b\", \"input\": 1}\r...\r", 2},
    {"nel-end.yaml", "- id: a\xC2\x85", "- id: a\xC2\x85- {\"id\": \"b\", \"input\": 1}\n", 2},
    /* A tag before the list: the dash lines up with the first item's, not the tag. */
    {"tag.yaml", "!!seq\n  - id: a\n", "!!seq\n  - id: a\n  - {\"id\": \"b\", \"input\": 1}\n", 3},
    {"tag-nested.yaml",
     "   !\n- id: D\n  u:", "   !\n- id: D\n  u:\n- {\"id\": \"b\", \"input\": 1}\n", 4},
    /* libyaml skips a BOM at a later line's start, counting it as a column. */
    {"inner-bom.yaml", "\n\n\xEF\xBB\xBF- id: 2",
     "\n\n\xEF\xBB\xBF- id: 2\n - {\"id\": \"b\", \"input\": 1}\n", 4},
    /* White space only is a new file; a tab there, which YAML refuses, is dropped. */
    {"blank.yaml", " \n", " \n- {\"id\": \"b\", \"input\": 1}\n", 2},
    {"tab.yaml", "\t", "- {\"id\": \"b\", \"input\": 1}\n", 1},
    {"bom-tab.yaml", "\xEF\xBB\xBF \t\n", "\xEF\xBB\xBF- {\"id\": \"b\", \"input\": 1}\n", 1},
    {"tagged-flow.yaml", "!!seq [{id: a}]\n", NULL, 0},
};

START_TEST(test_append_small)
{
    struct pawl_buf out = PAWL_BUF_INIT;
    struct pawl_dataset_addition info;
    struct pawl_dataset ds;
    struct pawl_error err;
    json_t *rec = json_pack("{s:s, s:i}", "id", "b", "input", 1);

    pawl_error_init(&err);
    if (!blanks[_i].want) { /* refused, as without the byte order mark */
        ck_assert_int_eq(pawl_dataset_append(&out, &info, blanks[_i].data, strlen(blanks[_i].data),
                                             blanks[_i].name, rec, NULL, &err),
                         PAWL_EDATA);
        ck_assert_str_eq(err.msg, "cannot append to a YAML list in flow style ([...]); write one "
                                  "'- ' item per record");
        pawl_buf_release(&out);
        json_decref(rec);
        return;
    }
    PAWL_ASSERT_OK(pawl_dataset_append(&out, &info, blanks[_i].data, strlen(blanks[_i].data),
                                       blanks[_i].name, rec, NULL, &err),
                   &err);
    ck_assert_str_eq(out.ptr, blanks[_i].want);
    ck_assert_int_eq(info.line, blanks[_i].line);
    /* It loads, with the new case last, where the writer said. */
    PAWL_ASSERT_OK(pawl_dataset_parse(&ds, out.ptr, out.len, blanks[_i].name, "id", &err), &err);
    ck_assert_str_eq(ds.cases[ds.n_cases - 1].id, "b");
    ck_assert_int_eq(ds.cases[ds.n_cases - 1].line, blanks[_i].line);
    pawl_dataset_release(&ds);
    pawl_buf_release(&out);
    json_decref(rec);
}
END_TEST

static const struct {
    const char *name;
    const char *data;
    const char *record;
    const char *want;
} append_errors[] = {
    {"flow.yaml", "[{id: a}]\n", "{\"id\": \"b\"}",
     "flow.yaml:1:1: cannot append to a YAML list in flow style ([...]); write one '- ' item per "
     "record"},
    {"q.csv", "id,question\na,x\n",
     "{\"id\": \"b\", \"input\": {\"question\": \"y\"}, "
     "\"expected_output\": \"z\"}",
     "cannot add the case to q.csv: it has no column 'expected_output' for the case's expected "
     "output"},
    {"q.csv", "id,question\na,x\n",
     "{\"id\": \"b\", \"input\": {\"question\": \"y\", \"lang\": "
     "\"en\"}}",
     "cannot add the case to q.csv: it has no column 'lang' for the case's input"},
    {"q.csv", "id,question\na,x\n", "{\"id\": \"b\", \"input\": \"y\"}",
     "cannot add the case to q.csv: its input is a single value, and CSV columns hold the keys "
     "of an input object"},
    {"q.csv", "\n\n", "{\"id\": \"b\"}", "cannot add a case to q.csv: it has no header row"},
    {"q.csv", " ", "{\"id\": \"b\"}", "cannot add a case to q.csv: it has no header row"},
    {"q.csv", "\xEF\xBB\xBF\t\r\n", "{\"id\": \"b\"}",
     "cannot add a case to q.csv: it has no header row"},
    /* The line break added after a block scalar ending the file would join its value. */
    {"eof.yaml", "- id: a\n  input: |\n    x", "{\"id\": \"b\"}",
     "eof.yaml:3: cannot append after a block scalar ('|' or '>') that ends the file without a "
     "line break: the one added would become part of its value; end the file with a line break "
     "first"},
    {"keep.yaml", "- id: a\n  input: |+\n    x\n  ", "{\"id\": \"b\"}",
     "keep.yaml:4: cannot append after a block scalar ('|' or '>') that ends the file without "
     "a line break: the one added would become part of its value; end the file with a line "
     "break first"},
    {"tagged-flow.yaml", "!!seq [{id: a}]\n", "{\"id\": \"b\"}",
     "tagged-flow.yaml:1:7: cannot append to a YAML list in flow style ([...]); write one '- ' "
     "item per record"},
    {"q.txt", "x", "{\"id\": \"b\"}",
     "q.txt: unsupported dataset format (use .jsonl, .json, .yaml or .csv)"},
};

START_TEST(test_append_errors)
{
    struct pawl_buf out = PAWL_BUF_INIT;
    struct pawl_dataset_addition info;
    struct pawl_error err;
    json_t *rec = json_loads(append_errors[_i].record, 0, NULL);

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_dataset_append(&out, &info, append_errors[_i].data,
                                        strlen(append_errors[_i].data), append_errors[_i].name, rec,
                                        "id", &err),
                    &err, PAWL_EDATA, append_errors[_i].want);
    pawl_dataset_addition_release(&info);
    pawl_buf_release(&out);
    json_decref(rec);
}
END_TEST

START_TEST(test_csv_drops_metadata)
{
    const char *data = "id,question,metadata.topic\na,x,t\n";
    struct pawl_buf out = PAWL_BUF_INIT;
    struct pawl_dataset_addition info;
    struct pawl_error err;
    json_t *rec = json_loads("{\"id\": \"b\", \"input\": {\"question\": \"1,2\"}, \"metadata\": "
                             "{\"topic\": null, \"note\": \"n\", \"labels\": {\"c\": true}}}",
                             0, NULL);

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_dataset_append(&out, &info, data, strlen(data), "q.csv", rec, "id", &err),
                   &err);
    ck_assert_str_eq(out.ptr, "id,question,metadata.topic\na,x,t\nb,\"1,2\",\n");
    ck_assert_uint_eq(info.n_dropped, 2);
    ck_assert_str_eq(info.dropped[0], "metadata.note");
    ck_assert_str_eq(info.dropped[1], "metadata.labels.c");
    pawl_dataset_addition_release(&info);
    pawl_buf_release(&out);
    json_decref(rec);
}
END_TEST

/* A label has its column metadata.labels.SCORE, SCORE possibly dotted ("a.b"). */
START_TEST(test_csv_label_columns)
{
    const char *data = "id,question,metadata.labels.a.b,metadata.labels.c\na,x,true,\n";
    struct pawl_buf out = PAWL_BUF_INIT;
    struct pawl_dataset_addition info;
    struct pawl_error err;
    json_t *rec = json_loads("{\"id\": \"b\", \"input\": {\"question\": \"y\"}, \"metadata\": "
                             "{\"labels\": {\"a.b\": false, \"d\": 1}, \"note\": \"n\"}}",
                             0, NULL);

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_dataset_append(&out, &info, data, strlen(data), "q.csv", rec, "id", &err),
                   &err);
    ck_assert_str_eq(out.ptr, "id,question,metadata.labels.a.b,metadata.labels.c\na,x,true,\n"
                              "b,y,false,\n");
    ck_assert_uint_eq(info.n_dropped, 2);
    ck_assert_str_eq(info.dropped[0], "metadata.labels.d");
    ck_assert_str_eq(info.dropped[1], "metadata.note");
    pawl_dataset_addition_release(&info);
    pawl_buf_release(&out);
    json_decref(rec);
}
END_TEST

/* ---- the file: duplicates, verification, atomic replacement -------------- */

static char *tmp;

static void setup(void)
{
    tmp = pawl_test_scratch_root("dataset_add");
}

static void teardown(void)
{
    pawl_test_scratch_remove(&tmp);
}

START_TEST(test_add_to_file)
{
    char *path = pawl_test_tmp_path(tmp, "evals/qa.jsonl"), *text;
    struct pawl_dataset_addition info;
    struct pawl_error err;
    json_t *rec = json_pack("{s:s, s:s}", "id", "b", "input", "x");
    json_t *bad = json_pack("{s:s, s:s}", "key", "c", "input", "x");

    pawl_error_init(&err);
    pawl_test_write_file(path, "{\"id\": \"a\"}\n");
    PAWL_ASSERT_OK(pawl_dataset_add_to_file(&info, path, "evals/qa.jsonl", rec, NULL, &err), &err);
    ck_assert_int_eq(info.line, 2);
    pawl_dataset_addition_release(&info);
    PAWL_ASSERT_ERR(pawl_dataset_add_to_file(&info, path, "evals/qa.jsonl", rec, "id", &err), &err,
                    PAWL_EDATA, "case 'b' is already in evals/qa.jsonl");
    /* A record the file would not load back with is refused, and the file kept. */
    pawl_error_clear(&err);
    PAWL_ASSERT_ERR(pawl_dataset_add_to_file(&info, path, "evals/qa.jsonl", bad, "id", &err), &err,
                    PAWL_EDATA,
                    "not adding case '': evals/qa.jsonl would not load (evals/qa.jsonl:3: "
                    "missing case id field 'id')");
    text = pawl_test_read_file(path);
    ck_assert_str_eq(text, "{\"id\": \"a\"}\n{\"id\":\"b\",\"input\":\"x\"}\n");
    /* A file that does not load is not appended to. */
    pawl_test_write_file(path, "{\"id\": \"a\"\n");
    pawl_error_clear(&err);
    ck_assert_int_eq(pawl_dataset_add_to_file(&info, path, "evals/qa.jsonl", rec, "id", &err),
                     PAWL_EDATA);
    ck_assert_str_eq(err.source, "evals/qa.jsonl");
    free(text);
    free(path);
    json_decref(rec);
    json_decref(bad);
}
END_TEST

START_TEST(test_add_to_new_file)
{
    char *path = pawl_test_tmp_path(tmp, "new/cases.yaml"), *text;
    struct pawl_dataset_addition info;
    struct pawl_error err;
    json_t *rec = json_pack("{s:s, s:{s:s}}", "id", "b", "input", "q", "x");

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_dataset_add_to_file(&info, path, "cases.yaml", rec, NULL, &err), &err);
    text = pawl_test_read_file(path);
    ck_assert_str_eq(text, "- {\"id\": \"b\", \"input\": {\"q\": \"x\"}}\n");
    free(text);
    free(path);
    json_decref(rec);
}
END_TEST

/* ---- ids, labels, turns ---------------------------------------------------- */

START_TEST(test_new_id)
{
    /* sha256("run-0001\0q1") starts cf54f6f1 (python3 hashlib). */
    char *id = pawl_dataset_add_id("run-0001", "q1"),
         *again = pawl_dataset_add_id("run-0001", "q1");
    char *other = pawl_dataset_add_id("run-0002", "q1");

    ck_assert_str_eq(id, "q1-cf54f6f1");
    ck_assert_str_eq(again, id);
    ck_assert_str_ne(other, id);
    free(id);
    free(again);
    free(other);
}
END_TEST

static const struct {
    const char *text;
    const char *json; /* the typed value, compact */
} label_cases[] = {
    {"true", "true"}, {"false", "false"},   {"0", "0"},
    {"-1.5", "-1.5"}, {"1e3", "1000.0"},    {"True", "\"True\""},
    {"1.", "\"1.\""}, {" 1", "\" 1\""},     {"01", "\"01\""},
    {"", "\"\""},     {"good", "\"good\""}, {"99999999999999999999", "\"99999999999999999999\""},
};

START_TEST(test_label_types)
{
    json_t *v = pawl_dataset_label_value(label_cases[_i].text);
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

    ck_assert_str_eq(text, label_cases[_i].json);
    free(text);
    json_decref(v);
}
END_TEST

static const struct {
    const char *spec;
    size_t n;
    size_t keep; /* 0: an error */
    int code;
    const char *msg;
} turns[] = {
    {"N-1", 4, 3, 0, NULL},
    {"n-2", 4, 2, 0, NULL},
    {"N-0", 4, 4, 0, NULL},
    {"2", 4, 2, 0, NULL},
    {"4", 4, 4, 0, NULL},
    {"N-4", 4, 0, PAWL_EDATA, "--turns N-4 keeps no message of the 4 in 'input.messages'"},
    {"5", 4, 0, PAWL_EDATA, "--turns 5 asks for more messages than the 4 in 'input.messages'"},
    {"0", 4, 0, PAWL_EUSAGE, "--turns 0 keeps no message (expected N-1, N-k or a count K)"},
    {"N+1", 4, 0, PAWL_EUSAGE, "invalid --turns 'N+1' (expected N-1, N-k or a count K)"},
    {"N-", 4, 0, PAWL_EUSAGE, "invalid --turns 'N-' (expected N-1, N-k or a count K)"},
    {"-1", 4, 0, PAWL_EUSAGE, "invalid --turns '-1' (expected N-1, N-k or a count K)"},
    {"", 4, 0, PAWL_EUSAGE, "invalid --turns '' (expected N-1, N-k or a count K)"},
};

START_TEST(test_turns)
{
    struct pawl_error err;
    size_t keep = 0;

    pawl_error_init(&err);
    if (turns[_i].code == 0) {
        PAWL_ASSERT_OK(pawl_dataset_turns(&keep, turns[_i].spec, turns[_i].n, &err), &err);
        ck_assert_uint_eq(keep, turns[_i].keep);
    } else {
        PAWL_ASSERT_ERR(pawl_dataset_turns(&keep, turns[_i].spec, turns[_i].n, &err), &err,
                        turns[_i].code, turns[_i].msg);
    }
}
END_TEST

/* ---- the record ------------------------------------------------------------ */

static const struct {
    const char *case_id;
    const char *id;
    const char *note;
    const char *turns;
    size_t trial;
    const char *want; /* compact JSON, or the error */
    int code;
} records[] = {
    /* trials: passed, errored, failed: the first that failed or errored is observed;
     * existing metadata and labels are kept, --label merged in. */
    {"q1", NULL, "old policy", NULL, 0,
     "{\"id\":\"q1-cf54f6f1\",\"input\":{\"question\":\"Refund?\"},\"expected_output\":\"30 days\","
     "\"metadata\":{\"topic\":\"refund\",\"labels\":{\"tone\":\"ok\",\"correct\":false},"
     "\"observed_error\":\"agent exited with status 1\",\"note\":\"old policy\","
     "\"source_case\":\"q1\",\"source_run\":\"run-0001\"}}",
     0},
    {"q1", "mine", NULL, NULL, 3,
     "{\"id\":\"mine\",\"input\":{\"question\":\"Refund?\"},\"expected_output\":\"30 days\","
     "\"metadata\":{\"topic\":\"refund\",\"labels\":{\"tone\":\"ok\",\"correct\":false},"
     "\"observed_output\":\"14 days.\",\"source_case\":\"q1\",\"source_run\":\"run-0001\"}}",
     0},
    /* A case that passed: its first trial. */
    {"chat", NULL, NULL, "N-1", 0,
     "{\"id\":\"chat-a124f5df\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
     "{\"role\":\"assistant\",\"content\":\"Hello!\"},{\"role\":\"user\",\"content\":"
     "\"Refund?\"}]},\"metadata\":{\"observed_output\":\"Within 30 days.\",\"labels\":"
     "{\"correct\":false},\"source_case\":\"chat\",\"source_run\":\"run-0001\"}}",
     0},
    {"q1", NULL, NULL, NULL, 4, "--trial 4 is out of range: case 'q1' has 3 trials", PAWL_EUSAGE},
    {"7", NULL, NULL, "N-1", 0,
     "--turns needs a conversational case: case '7' has no 'input.messages' list", PAWL_EUSAGE},
    {"chat", NULL, NULL, "9", 0, "--turns 9 asks for more messages than the 4 in 'input.messages'",
     PAWL_EDATA},
};

START_TEST(test_record)
{
    struct pawl_results r;
    struct pawl_add_options opt;
    struct pawl_error err;
    json_t *rec = NULL, *labels = json_pack("{s:b}", "correct", 0);
    size_t i;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_results_read(&r, DATA "/results.json", &err), &err);
    for (i = 0; i < r.n_cases && strcmp(r.cases[i].id, records[_i].case_id) != 0; i++)
        ;
    ck_assert_uint_lt(i, r.n_cases);
    memset(&opt, 0, sizeof(opt));
    opt.id = records[_i].id;
    opt.note = records[_i].note;
    opt.turns = records[_i].turns;
    opt.trial = records[_i].trial;
    opt.labels = labels;
    if (records[_i].code == 0) {
        char *text;
        PAWL_ASSERT_OK(pawl_dataset_add_record(&rec, &r, &r.cases[i], &opt, &err), &err);
        text = json_dumps(rec, JSON_COMPACT);
        ck_assert_str_eq(text, records[_i].want);
        free(text);
    } else {
        PAWL_ASSERT_ERR(pawl_dataset_add_record(&rec, &r, &r.cases[i], &opt, &err), &err,
                        records[_i].code, records[_i].want);
        ck_assert_ptr_null(rec);
    }
    json_decref(rec);
    json_decref(labels);
    pawl_results_release(&r);
}
END_TEST

/* ---- conversational input for the chat providers ---------------------------- */

static const struct {
    const char *input;
    const char *msg; /* NULL: a history, or none */
} histories[] = {
    {"{\"question\": \"x\"}", NULL},
    {"\"plain\"", NULL},
    {"{\"messages\": []}", NULL},
    {"{\"messages\": [{\"role\": \"system\", \"content\": \"s\", \"name\": \"n\"}]}", NULL},
    {"{\"messages\": {\"role\": \"user\"}}",
     "qa.jsonl:7: 'input.messages' must be a list of {role, content} messages, got an object "
     "(case 'c1')"},
    {"{\"messages\": [\"hi\"]}",
     "qa.jsonl:7: 'input.messages[0]' must be a {role, content} mapping, got a string (case "
     "'c1')"},
    {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"tool\", "
     "\"content\": \"b\"}]}",
     "qa.jsonl:7: 'input.messages[1].role' must be system, user or assistant, got 'tool' (case "
     "'c1')"},
    {"{\"messages\": [{\"role\": 1, \"content\": \"b\"}]}",
     "qa.jsonl:7: 'input.messages[0].role' must be system, user or assistant, got a number "
     "(case 'c1')"},
    {"{\"messages\": [{\"content\": \"b\"}]}",
     "qa.jsonl:7: 'input.messages[0]' has no 'role' (case 'c1')"},
    {"{\"messages\": [{\"role\": \"user\"}]}",
     "qa.jsonl:7: 'input.messages[0]' has no 'content' (case 'c1')"},
    {"{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\"}]}]}",
     "qa.jsonl:7: 'input.messages[0].content' must be a string, got an array (case 'c1')"},
};

START_TEST(test_check_history)
{
    struct pawl_case c;
    struct pawl_error err;

    memset(&c, 0, sizeof(c));
    c.id = (char *)"c1";
    c.line = 7;
    c.input = json_loads(histories[_i].input, JSON_DECODE_ANY, NULL);
    ck_assert_ptr_nonnull(c.input);
    pawl_error_init(&err);
    if (histories[_i].msg)
        PAWL_ASSERT_ERR(pawl_provider_check_history(&c, "qa.jsonl", &err), &err, PAWL_EDATA,
                        histories[_i].msg);
    else
        PAWL_ASSERT_OK(pawl_provider_check_history(&c, "qa.jsonl", &err), &err);
    json_decref(c.input);
}
END_TEST

/* A task of `n` messages "role:text" with a config that has no YAML tree: a task env. */
struct chat_env {
    struct pawl_config cfg;
    struct pawl_message_config msgs[4];
    struct pawl_template *templates[4];
    struct pawl_provider_env env;
};

static void chat_env_init(struct chat_env *e, const char *const *spec, size_t n)
{
    struct pawl_error err;
    size_t i;

    memset(e, 0, sizeof(*e));
    pawl_error_init(&err);
    for (i = 0; i < n; i++) {
        const char *colon = strchr(spec[i], ':');
        e->msgs[i].role = pawl_xstrndup(spec[i], (size_t)(colon - spec[i]));
        e->msgs[i].text = pawl_xstrdup(colon + 1);
        PAWL_ASSERT_OK(pawl_template_compile(&e->templates[i], colon + 1, "t", 1, 1, &err), &err);
    }
    e->cfg.task.messages = e->msgs;
    e->cfg.task.n_messages = n;
    e->env.cfg = &e->cfg;
    e->env.messages = e->templates;
    e->env.n_messages = n;
}

static void chat_env_release(struct chat_env *e)
{
    size_t i;

    for (i = 0; i < e->env.n_messages; i++) {
        free(e->msgs[i].role);
        free(e->msgs[i].text);
        pawl_template_free(e->templates[i]);
    }
}

static const struct {
    const char *task[3];
    size_t n;
    int uses;         /* pawl_provider_uses_history() */
    const char *want; /* roles and contents in order, "role:content|..." */
} chats[] = {
    /* system first, the history, then the user template */
    {{"system:S", "user:{{input.q}}"}, 2, 1, "system:S|user:u1|assistant:a1|user:Q"},
    /* no non-system task message: the history's last turn is the question */
    {{"system:S"}, 1, 1, "system:S|user:u1|assistant:a1"},
    /* a user message first: the history goes before everything */
    {{"user:{{input.q}}", "system:S"}, 2, 1, "user:u1|assistant:a1|user:Q|system:S"},
    /* named by a template: placed there, not spliced in again */
    {{"system:S", "user:{{ input.messages }}"}, 2, 0, NULL},
    {{"user:{{input.messages.0.content}}"}, 1, 0, NULL},
    {{"user:{{input.messages_old}} {{input}}"}, 1, 1, NULL},
};

START_TEST(test_render_chat)
{
    struct chat_env e;
    struct pawl_error err;
    struct pawl_buf got = PAWL_BUF_INIT;
    json_t *vars = json_loads("{\"input\": {\"q\": \"Q\", \"messages\": [{\"role\": \"user\", "
                              "\"content\": \"u1\", \"id\": 9}, {\"role\": \"assistant\", "
                              "\"content\": \"a1\"}]}}",
                              0, NULL);
    json_t *msgs, *m;
    size_t i;

    pawl_error_init(&err);
    chat_env_init(&e, chats[_i].task, chats[_i].n);
    ck_assert_int_eq(pawl_provider_uses_history(&e.env), chats[_i].uses);
    if (chats[_i].want) {
        msgs = pawl_provider_render_chat(&e.env, vars, pawl_provider_history(vars), &err);
        ck_assert_ptr_nonnull(msgs);
        json_array_foreach(msgs, i, m)
        {
            pawl_buf_printf(&got, "%s%s:%s", i ? "|" : "",
                            json_string_value(json_object_get(m, "role")),
                            json_string_value(json_object_get(m, "content")));
            ck_assert_uint_eq(json_object_size(m), 2);
        }
        ck_assert_str_eq(got.ptr, chats[_i].want);
        json_decref(msgs);
    }
    pawl_buf_release(&got);
    chat_env_release(&e);
    json_decref(vars);
}
END_TEST

START_TEST(test_render_chat_malformed)
{
    static const char *const task[] = {"user:x"};
    struct chat_env e;
    struct pawl_error err;
    json_t *history = json_loads("[{\"role\": \"bot\", \"content\": \"x\"}]", 0, NULL);

    pawl_error_init(&err);
    chat_env_init(&e, task, 1);
    ck_assert_ptr_null(pawl_provider_render_chat(&e.env, NULL, history, &err));
    ck_assert_str_eq(err.msg,
                     "'input.messages[0].role' must be system, user or assistant, got 'bot'");
    chat_env_release(&e);
    json_decref(history);
}
END_TEST

static Suite *dataset_add_suite(void)
{
    Suite *s = suite_create("dataset_add");
    TCase *tc = tcase_create("append");
    TCase *files = tcase_create("files");
    TCase *rec = tcase_create("record");
    TCase *chat = tcase_create("conversation");

    tcase_add_loop_test(tc, test_append_formats, 0, sizeof(appends) / sizeof(appends[0]));
    tcase_add_loop_test(tc, test_append_small, 0, sizeof(blanks) / sizeof(blanks[0]));
    tcase_add_loop_test(tc, test_append_errors, 0,
                        sizeof(append_errors) / sizeof(append_errors[0]));
    tcase_add_test(tc, test_csv_drops_metadata);
    tcase_add_test(tc, test_csv_label_columns);
    suite_add_tcase(s, tc);

    tcase_add_unchecked_fixture(files, setup, teardown);
    tcase_add_test(files, test_add_to_file);
    tcase_add_test(files, test_add_to_new_file);
    suite_add_tcase(s, files);

    tcase_add_test(rec, test_new_id);
    tcase_add_loop_test(rec, test_label_types, 0, sizeof(label_cases) / sizeof(label_cases[0]));
    tcase_add_loop_test(rec, test_turns, 0, sizeof(turns) / sizeof(turns[0]));
    tcase_add_loop_test(rec, test_record, 0, sizeof(records) / sizeof(records[0]));
    suite_add_tcase(s, rec);

    tcase_add_loop_test(chat, test_check_history, 0, sizeof(histories) / sizeof(histories[0]));
    tcase_add_loop_test(chat, test_render_chat, 0, sizeof(chats) / sizeof(chats[0]));
    tcase_add_test(chat, test_render_chat_malformed);
    suite_add_tcase(s, chat);
    return s;
}

int main(void)
{
    return pawl_test_run(dataset_add_suite());
}
