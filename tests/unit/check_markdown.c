/* The Markdown summary and the terminal table: golden output, escaping, size limits. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/buf.h"
#include "pawl/fs.h"
#include "pawl/report.h"
#include "results_fixture.h"

#define ZWJ "\xE2\x80\x8D"
#define FFFD "\xEF\xBF\xBD"

static char *slurp(const char *path)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_fs_read(&b, path, path, 0, &err), &err);
    return pawl_buf_detach(&b, NULL);
}

static void assert_contains(const char *hay, const char *needle)
{
    ck_assert_msg(strstr(hay, needle) != NULL, "missing from report: %s\n--- report:\n%.4000s",
                  needle, hay);
}

static char *markdown(const struct pawl_results *r)
{
    struct pawl_buf b = PAWL_BUF_INIT;

    ck_assert_int_eq(pawl_report_markdown_render(&b, r), 0);
    return pawl_buf_detach(&b, NULL);
}

static char *terminal(const struct pawl_results *r, int color)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);

    ck_assert_ptr_nonnull(fp);
    pawl_report_terminal(fp, r, color);
    ck_assert_int_eq(fclose(fp), 0);
    return text;
}

/* Compares with tests/data/report/<name>; PAWL_UPDATE_GOLDEN=1 rewrites it on purpose. */
static void assert_golden(const char *name, const char *got)
{
    struct pawl_error err;
    char *path = pawl_xasprintf("%s/report/%s", PAWL_TEST_DATA, name), *want;

    pawl_error_init(&err);
    if (getenv("PAWL_UPDATE_GOLDEN"))
        PAWL_ASSERT_OK(pawl_fs_write_atomic(path, got, strlen(got), &err), &err);
    want = slurp(path);
    ck_assert_str_eq(got, want);
    free(want);
    free(path);
}

/* ---- markdown ---- */

START_TEST(test_markdown_golden)
{
    struct pawl_results r;
    char *md;

    fx_basic(&r);
    md = markdown(&r);
    assert_golden("basic.md", md);
    free(md);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_markdown_write)
{
    struct pawl_results r;
    struct pawl_error err;
    char *path = pawl_xasprintf("%s/markdown/summary.md", PAWL_TEST_TMP), *md, *file;

    pawl_error_init(&err);
    fx_basic(&r);
    PAWL_ASSERT_OK(pawl_report_markdown_write(&r, path, &err), &err);
    md = markdown(&r);
    file = slurp(path);
    ck_assert_str_eq(file, md);
    free(md);
    free(file);
    free(path);
    pawl_results_release(&r);
}
END_TEST

struct verdict_case {
    const char *verdict;
    int interrupted;
    const char *want;
};

static const struct verdict_case verdicts[] = {
    {"pass", 0, "## ✅ PASS: smoke (1 case, 0 failed, 0 errored)\n\n"},
    {"fail", 0, "## ❌ FAIL: smoke (1 case, 0 failed, 0 errored)\n\n"},
    {"error", 1, "## ⚠️ ERROR: smoke (1 case, 0 failed, 0 errored, interrupted)\n\n"},
    {NULL, 0, "## ⚠️ ERROR: smoke (1 case, 0 failed, 0 errored)\n\n"},
};

START_TEST(test_markdown_verdict)
{
    const struct verdict_case *v = &verdicts[_i];
    struct pawl_results r;
    char *md;

    fx_init(&r, "smoke", NULL, 0);
    fx_case(&r, "q1", 1, 1);
    fx_output(&r, 0, 0, "ok", 1);
    fx_verdict(&r, v->verdict);
    r.interrupted = v->interrupted;
    md = markdown(&r);
    ck_assert_str_eq(md, v->want);
    free(md);
    pawl_results_release(&r);
}
END_TEST

/* Text from models, datasets and configs cannot format, link, ping or break a table. */
START_TEST(test_markdown_escaping)
{
    static const char *const scorers[] = {"we|ird*name"};
    struct pawl_results r;
    char *md;

    fx_init(&r, "bot_<b>#1", scorers, 1);
    fx_case(&r, "id with | pipe and @octocat", 5, 1);
    fx_output(&r, 0, 0, "here ``` is a fence ```` and @team\n\x1b[31mred\xC3", 10);
    fx_score(&r, 0, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0,
             "cc @alice: *bold* [x](http://e) <img src=x> a|b\nline2 & &amp; `tick` ~~s~~ \\");
    fx_metric(&r, "we|ird*name", 0, 1, 0, 0, 0);
    fx_rule(&r, "we|ird*name >= 1", "min", "we|ird*name", 1, 1, 0, PAWL_RULE_FAIL,
            "ask @org/team | now\nplease");
    fx_verdict(&r, "fail");
    md = markdown(&r);
    assert_contains(md, "## ❌ FAIL: bot\\_\\<b>\\#1 (1 case, 1 failed, 0 errored)\n");
    assert_contains(md, "| we\\|ird\\*name | 0.000 | 1 |\n");
    assert_contains(md,
                    "| we\\|ird\\*name >= 1 | ❌ fail | ask @" ZWJ "org/team \\| now<br>please |\n");
    assert_contains(md, "#### id with \\| pipe and @" ZWJ "octocat (evals/qa.jsonl:5)\n");
    assert_contains(md, "- **we\\|ird\\*name**: cc @" ZWJ "alice: \\*bold\\* \\[x\\](http://e) "
                        "\\<img src=x> a\\|b<br>line2 \\& \\&amp; \\`tick\\` \\~\\~s\\~\\~ \\\\\n");
    /* The longest backtick run inside is 4, so the fence is 5; @ inside code stays as is. */
    assert_contains(md, "\n`````\nhere ``` is a fence ```` and @team\n" FFFD "[31mred" FFFD
                        "\n`````\n");
    ck_assert_ptr_null(strstr(md, "\x1b"));
    free(md);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_markdown_output_truncated)
{
    static const char *const scorers[] = {"correct"};
    struct pawl_results r;
    struct pawl_buf out = PAWL_BUF_INIT;
    char *md, *fence;
    size_t i;

    fx_init(&r, "s", scorers, 1);
    fx_case(&r, "long", 1, 2);
    fx_output(&r, 0, 0, "fine", 1);
    for (i = 0; i < 2047; i++)
        pawl_buf_putc(&out, 'x');
    pawl_buf_puts(&out, "\xE2\x82\xAC and more"); /* the euro sign straddles the 2 KB cut */
    fx_output(&r, 0, 1, out.ptr, 1);
    fx_score(&r, 0, 1, 0, PAWL_SCORE_BOOLEAN, 0, 0, NULL);
    fx_verdict(&r, "fail");
    md = markdown(&r);
    assert_contains(md, "- **correct** (trial 2): failed\n\nOutput of trial 2:\n\n```\nxxx");
    fence = strstr(md, "```\nxxx");
    ck_assert_ptr_nonnull(fence);
    ck_assert_int_eq(strncmp(fence + 4 + 2047, "\n```\n", 5), 0);
    assert_contains(md, "_Output truncated: 2047 of 2059 bytes shown._\n");
    free(md);
    pawl_buf_release(&out);
    pawl_results_release(&r);
}
END_TEST

/* 50 cases at most, then a count of the rest. */
START_TEST(test_markdown_case_limit)
{
    static const char *const scorers[] = {"correct"};
    struct pawl_results r;
    char id[16], *md;
    size_t i, n = 0;
    const char *p;

    fx_init(&r, "s", scorers, 1);
    for (i = 0; i < 60; i++) {
        snprintf(id, sizeof(id), "q%zu", i);
        fx_case(&r, id, (int)i + 1, 1);
        fx_output(&r, i, 0, "out", 1);
        if (i % 2 == 0)
            fx_score(&r, i, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "wrong");
    }
    fx_case(&r, "down", 61, 1);
    fx_error(&r, 60, 0, "connection refused");
    md = markdown(&r);
    for (p = strstr(md, "#### "); p; p = strstr(p + 1, "#### "))
        n++;
    ck_assert_uint_eq(n, 30 + 1);
    assert_contains(md, "### Failed cases (31)\n");
    assert_contains(md, "#### down (evals/qa.jsonl:61)\n\n- **error**: connection refused\n");
    ck_assert_ptr_null(strstr(md, "more failed case"));
    free(md);

    for (i = 1; i < 60; i += 2)
        fx_score(&r, i, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "wrong");
    md = markdown(&r);
    for (n = 0, p = strstr(md, "#### "); p; p = strstr(p + 1, "#### "))
        n++;
    ck_assert_uint_eq(n, 50);
    assert_contains(md, "### Failed cases (61)\n");
    assert_contains(md, "_… and 11 more failed cases; the JUnit report and the results file list "
                        "them all._\n");
    free(md);
    pawl_results_release(&r);
}
END_TEST

/* A run big enough to pass 1 MiB many times over stays under it, and says it was cut. */
START_TEST(test_markdown_huge)
{
    static const size_t n_scorers = 50;
    struct pawl_results r;
    struct pawl_buf big = PAWL_BUF_INIT;
    char **names = pawl_xcalloc(n_scorers, sizeof(*names)), *md;
    size_t i, j;

    for (i = 0; i < n_scorers; i++)
        names[i] = pawl_xasprintf("scorer_%zu", i);
    for (i = 0; i < 100 * 1024; i++)
        pawl_buf_putc(&big, i % 80 == 79 ? '\n' : '@');
    fx_init(&r, "huge", (const char *const *)names, n_scorers);
    for (i = 0; i < 100; i++) {
        char id[16];
        snprintf(id, sizeof(id), "q%zu", i);
        fx_case(&r, id, (int)i + 1, 1);
        fx_output(&r, i, 0, big.ptr, 1);
        for (j = 0; j < n_scorers; j++)
            fx_score(&r, i, 0, j, PAWL_SCORE_NUMERIC, 0, 0, big.ptr);
    }
    for (i = 0; i < n_scorers; i++)
        fx_metric(&r, names[i], 0.5, 100, 1, 0.4, 0.6);
    fx_verdict(&r, "fail");
    md = markdown(&r);
    ck_assert_uint_lt(strlen(md), 1024 * 1024);
    ck_assert_uint_gt(strlen(md), 800 * 1024);
    assert_contains(md, "| scorer\\_49 | 0.500 [0.400, 0.600] | 100 |\n");
    assert_contains(md,
                    "more failed cases; the JUnit report and the results file list them all._\n");
    free(md);

    /* So many metrics that the table alone would pass the limit. */
    for (i = 0; i < 3000; i++) {
        char *name = pawl_xasprintf("m%zu_%.400s", i, big.ptr);
        fx_metric(&r, name, 1, 1, 0, 0, 0);
        free(name);
    }
    md = markdown(&r);
    ck_assert_uint_lt(strlen(md), 1024 * 1024);
    assert_contains(md, "\n_The summary was cut at its size limit; the results file has "
                        "everything._\n");
    ck_assert_ptr_null(strstr(md, "### Failed cases"));
    free(md);

    for (i = 0; i < n_scorers; i++)
        free(names[i]);
    free(names);
    pawl_buf_release(&big);
    pawl_results_release(&r);
}
END_TEST

/* ---- terminal ---- */

START_TEST(test_terminal_golden)
{
    struct pawl_results r;
    char *t;

    fx_basic(&r);
    t = terminal(&r, 0);
    assert_golden("basic.terminal.txt", t);
    free(t);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_terminal_color)
{
    struct pawl_results r;
    char *t;

    fx_basic(&r);
    t = terminal(&r, 1);
    assert_contains(t, "  \033[31mFAIL\033[0m q2  correct: output does not contain 'Paris'; "
                       "helpful: failed with score 0.250\n");
    assert_contains(t, "  \033[31mERROR\033[0m q3  HTTP 503");
    assert_contains(t, "  \033[32mPASS\033[0m  latency_p95_ms <= 4000  (1045)\n");
    assert_contains(t, "  \033[33mINCONCLUSIVE\033[0m  correct max_drop 0.02  (-0.010)  ");
    assert_contains(t, "\npawl: \033[31mFAIL\033[0m (3 cases, 1 failed, 1 errored)\n");
    ck_assert_ptr_null(strstr(t, "\033[0m\033"));
    free(t);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_terminal_pass)
{
    static const char *const scorers[] = {"correct"};
    struct pawl_results r;
    char *t;
    size_t i;

    fx_init(&r, "s", scorers, 1);
    for (i = 0; i < 100; i++) {
        fx_case(&r, "q", 1, 1);
        fx_output(&r, i, 0, "ok", 1);
    }
    fx_metric(&r, "correct", 0.91, 100, 0, 0, 0);
    fx_metric(&r, "pass_rate", 1, 100, 1, 0.96, 1);
    fx_rule(&r, "correct >= 0.8", "min", "correct", 0.8, 1, 0.91, PAWL_RULE_PASS, "fine");
    t = terminal(&r, 0);
    ck_assert_str_eq(t, "  correct    0.910  (n=100)\n"
                        "  pass_rate  1.000  (n=100, ci 0.960..1.000)\n"
                        "  PASS  correct >= 0.8  (0.910)\n"
                        "pawl: PASS (100 cases, 0 failed, 0 errored)\n");
    free(t);
    pawl_results_release(&r);
}
END_TEST

/* Model output cannot drive the terminal: controls, stray bytes and bidi overrides are shown
 * escaped. */
START_TEST(test_terminal_hostile)
{
    static const char *const scorers[] = {"correct"};
    struct pawl_results r;
    char *t;

    fx_init(&r, "s", scorers, 1);
    fx_case(&r, "q\x1b]0;pwned\x07", 1, 1);
    fx_output(&r, 0, 0, "x", 1);
    fx_score(&r, 0, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0,
             "got \x1b[2J\r\n\xC3 \xE2\x80\xAE"
             "cba \xC2\x9B"
             "31m é ✓ \x7f");
    fx_verdict(&r, "fail");
    t = terminal(&r, 0);
    ck_assert_str_eq(t, "  FAIL q\\x1b]0;pwned\\x07  correct: got \\x1b[2J\\x0d\\x0a\\xc3 "
                        "\\u{202e}cba \\u{009b}31m é ✓ \\x7f\n"
                        "pawl: FAIL (1 case, 1 failed, 0 errored)\n");
    free(t);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_terminal_limit)
{
    static const char *const scorers[] = {"correct"};
    struct pawl_results r;
    struct pawl_buf long_comment = PAWL_BUF_INIT;
    char id[16], *t;
    size_t i, lines = 0;
    const char *p;

    for (i = 0; i < 1000; i++)
        pawl_buf_putc(&long_comment, 'c');
    fx_init(&r, "s", scorers, 1);
    for (i = 0; i < 25; i++) {
        snprintf(id, sizeof(id), "q%zu", i);
        fx_case(&r, id, 1, 2);
        fx_output(&r, i, 0, "ok", 1);
        fx_output(&r, i, 1, "bad", 1);
        fx_score(&r, i, 1, 0, PAWL_SCORE_BOOLEAN, 0, 0, long_comment.ptr);
    }
    fx_verdict(&r, "fail");
    t = terminal(&r, 0);
    for (p = strstr(t, "  FAIL "); p; p = strstr(p + 1, "  FAIL "))
        lines++;
    ck_assert_uint_eq(lines, 20);
    assert_contains(t, "  FAIL q19  trial 2: correct: ccc");
    assert_contains(t, "ccc...\n  ... and 5 more\npawl: FAIL (25 cases, 25 failed, 0 errored)\n");
    ck_assert_ptr_null(strstr(t, "q20"));
    free(t);
    pawl_buf_release(&long_comment);
    pawl_results_release(&r);
}
END_TEST

static Suite *markdown_suite(void)
{
    Suite *s = suite_create("markdown");
    TCase *md = tcase_create("markdown");
    TCase *term = tcase_create("terminal");

    tcase_add_test(md, test_markdown_golden);
    tcase_add_test(md, test_markdown_write);
    tcase_add_loop_test(md, test_markdown_verdict, 0, sizeof(verdicts) / sizeof(verdicts[0]));
    tcase_add_test(md, test_markdown_escaping);
    tcase_add_test(md, test_markdown_output_truncated);
    tcase_add_test(md, test_markdown_case_limit);
    tcase_add_test(md, test_markdown_huge);
    suite_add_tcase(s, md);
    tcase_add_test(term, test_terminal_golden);
    tcase_add_test(term, test_terminal_color);
    tcase_add_test(term, test_terminal_pass);
    tcase_add_test(term, test_terminal_hostile);
    tcase_add_test(term, test_terminal_limit);
    suite_add_tcase(s, term);
    return s;
}

int main(void)
{
    return pawl_test_run(markdown_suite());
}
