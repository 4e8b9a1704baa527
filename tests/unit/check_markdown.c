/* The Markdown summary and the terminal table: golden output, escaping, size limits. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/buf.h"
#include "pawl/report.h"
#include "results_fixture.h"

#define ZWJ "\xE2\x80\x8D"
#define FFFD "\xEF\xBF\xBD"

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

/* ---- markdown ---- */

START_TEST(test_markdown_golden)
{
    struct pawl_results r;
    char *md;

    fx_basic(&r);
    md = markdown(&r);
    pawl_test_assert_golden("basic.md", md);
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
    file = pawl_test_read_file(path);
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
    pawl_test_assert_golden("basic.terminal.txt", t);
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
    /* a judge whose every call errored has no mean: shown as no value, not as 0 */
    fx_metric(&r, "judged", 0, 0, 1, 0, 0);
    fx_metric(&r, "judge_cost_total", 0.0123456, 99, 0, 0, 0);
    fx_rule(&r, "correct >= 0.8", "min", "correct", 0.8, 1, 0.91, PAWL_RULE_PASS, "fine");
    t = terminal(&r, 0);
    ck_assert_str_eq(t, "  correct           0.910  (n=100)\n"
                        "  pass_rate         1.000  (n=100, ci 0.960..1.000)\n"
                        "  judged            n/a  (n=0)\n"
                        "  judge_cost_total  0.012346  (n=99)\n"
                        "  PASS  correct >= 0.8  (0.910)\n"
                        "pawl: PASS (100 cases, 0 failed, 0 errored)\n");
    free(t);
    t = markdown(&r);
    ck_assert_ptr_nonnull(strstr(t, "| judged | n/a | 0 |\n"));
    ck_assert_ptr_nonnull(strstr(t, "| judge\\_cost\\_total | 0.012346 | 99 |\n"));
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
    /* One trial of two passes in every case: all 25 are flaky, and the list is capped too. */
    assert_contains(t, "ccc...\n  ... and 5 more\n  flaky (trials disagree): q0, q1, q2, q3, q4, "
                       "q5, q6, q7, q8, q9, ... (25)\npawl: FAIL (25 cases, 25 failed, 0 errored)\n");
    ck_assert_ptr_null(strstr(t, "q20"));
    free(t);
    pawl_buf_release(&long_comment);
    pawl_results_release(&r);
}
END_TEST

/* ---- against a baseline ---- */

static char *markdown_compared(const struct pawl_results *r, const struct pawl_results *base)
{
    struct pawl_buf b = PAWL_BUF_INIT;

    ck_assert_int_eq(pawl_report_markdown_render_compared(&b, r, base), 0);
    return pawl_buf_detach(&b, NULL);
}

START_TEST(test_compared_golden)
{
    struct pawl_results r, base;
    char *md;

    fx_compared(&r);
    fx_compared_baseline(&base);
    md = markdown_compared(&r, &base);
    pawl_test_assert_golden("compared.md", md);
    free(md);
    pawl_results_release(&r);
    pawl_results_release(&base);
}
END_TEST

/* Without the baseline's results only candidate outputs are shown; the rest is the same. */
START_TEST(test_compared_without_base)
{
    struct pawl_results r, base;
    struct pawl_error err;
    char *with, *without, *plain, *file, *path = pawl_xasprintf("%s/markdown/c.md", PAWL_TEST_TMP);

    pawl_error_init(&err);
    fx_compared(&r);
    fx_compared_baseline(&base);
    with = markdown_compared(&r, &base);
    without = markdown_compared(&r, NULL);
    plain = markdown(&r);
    ck_assert_str_eq(without, plain);
    ck_assert_ptr_null(strstr(without, "Baseline output"));
    assert_contains(without, "#### refund-1 (evals/qa.jsonl:2)\n\n"
                             "- **correct**: output does not contain 'within 30 days'\n"
                             "- **helpful**: failed with score 0.3\n\n"
                             "Candidate output:\n\n```\nRefunds are not possible.\n```\n\n");
    assert_contains(with, "Baseline output:\n\n```\nRefunds are possible within 30 days of "
                          "purchase.\n```\n\nCandidate output:\n\n```\nRefunds are not "
                          "possible.\n```\n\n");
    assert_contains(with, "Baseline output (trial 1 of 2):\n\n```\nYou can get a refund");
    assert_contains(with, "Candidate output (trial 1 of 2):\n\n```\nPlease contact support.\n");
    PAWL_ASSERT_OK(pawl_report_markdown_write_compared(&r, &base, path, &err), &err);
    file = pawl_test_read_file(path);
    ck_assert_str_eq(file, with);
    free(file);
    PAWL_ASSERT_OK(pawl_report_markdown_write(&r, path, &err), &err);
    file = pawl_test_read_file(path);
    ck_assert_str_eq(file, without);
    free(file);

    /* A baseline that lacks the case says so instead of showing nothing. */
    free(base.cases[1].id);
    base.cases[1].id = pawl_xstrdup("renamed");
    free(with);
    with = markdown_compared(&r, &base);
    assert_contains(with, "- **helpful**: failed with score 0.3\n\n_The baseline results hold no "
                          "output for this case._\n\nCandidate output:\n");
    free(with);
    free(without);
    free(plain);
    free(path);
    pawl_results_release(&r);
    pawl_results_release(&base);
}
END_TEST

/* A base given for a run without a comparison changes nothing. */
START_TEST(test_compared_no_comparison)
{
    struct pawl_results r, base;
    char *md, *want;

    fx_basic(&r);
    fx_compared_baseline(&base);
    md = markdown_compared(&r, &base);
    want = markdown(&r);
    ck_assert_str_eq(md, want);
    free(md);
    free(want);
    pawl_results_release(&r);
    pawl_results_release(&base);
}
END_TEST

struct baseline_case {
    const char *label, *run_id, *commit;
    int changed;
    size_t paired, added, dropped;
    const char *want;
};

static const struct baseline_case baselines[] = {
    {".pawl/baseline.json", "5f3a9c0e1b2d4a6f", "fedcba9876543210", 0, 7, 0, 0,
     "Compared with baseline `.pawl/baseline.json` (run 5f3a9c0, commit fedcba9) on 7 paired "
     "cases.\n\n"},
    {"main:b.json", "abc", NULL, 1, 1, 1, 2,
     "Compared with baseline `main:b.json` (run abc) on 1 paired case; 1 case added and 2 "
     "dropped since the baseline.\n\n"},
    {"a`b``c", NULL, "0123456789", 1, 5, 3, 0,
     "Compared with baseline ```a`b``c``` (commit 0123456) on 5 paired cases; 3 cases added and "
     "0 dropped since the baseline.\n\n"},
    {"`x`", NULL, NULL, 0, 2, 9, 9, "Compared with baseline `` `x` `` on 2 paired cases.\n\n"},
    {"a\nb\x1b|@c", "ab_*cdefgh", "", 0, 2, 0, 0,
     "Compared with baseline `a b" FFFD "|@c` (run ab\\_\\*cde) on 2 paired cases.\n\n"},
    {NULL, NULL, NULL, 0, 0, 0, 0, "Compared with the baseline on 0 paired cases.\n\n"},
    {"", "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", NULL, 0, 3, 0, 0,
     "Compared with the baseline (run \xC3\xA9\xC3\xA9\xC3\xA9) on 3 paired cases.\n\n"},
};

START_TEST(test_compared_baseline_line)
{
    const struct baseline_case *c = &baselines[_i];
    struct pawl_results r;
    char *md, *want;

    fx_init(&r, "smoke", NULL, 0);
    fx_compare(&r, c->label, c->run_id, c->commit, c->paired);
    r.comparison->dataset_changed = c->changed;
    r.comparison->n_added = c->added;
    r.comparison->n_dropped = c->dropped;
    md = markdown(&r);
    want = pawl_xasprintf("## ✅ PASS: smoke (0 cases, 0 failed, 0 errored)\n\n%s%s", c->want,
                          c->paired ? "No case that passed in the baseline fails now.\n\n" : "");
    ck_assert_str_eq(md, want);
    free(md);
    free(want);
    pawl_results_release(&r);
}
END_TEST

struct row_case {
    const char *metric;
    double base, cand, lo, hi;
    int rule; /* -1: no max_drop rule, else its status; 4: inconclusive and fail */
    const char *want;
};

static const struct row_case rows[] = {
    {"correct", 0.8, 0.76, -0.09, 0.01, PAWL_RULE_PASS,
     "| correct | 0.800 | 0.760 | -0.040 | [-0.090, +0.010] | ✅ pass |\n"},
    {"correct", 0.8, 0.76, -0.09, 0.01, PAWL_RULE_FAIL,
     "| correct | 0.800 | 0.760 | -0.040 | [-0.090, +0.010] | ❌ regression |\n"},
    {"correct", 0.8, 0.76, -0.09, 0.01, PAWL_RULE_INCONCLUSIVE,
     "| correct | 0.800 | 0.760 | -0.040 | [-0.090, +0.010] | ⚠️ inconclusive |\n"},
    {"correct", 0.8, 0.76, -0.09, 0.01, PAWL_RULE_ERROR,
     "| correct | 0.800 | 0.760 | -0.040 | [-0.090, +0.010] | ⚠️ error |\n"},
    {"correct", 0.8, 0.76, -0.09, 0.01, 4,
     "| correct | 0.800 | 0.760 | -0.040 | [-0.090, +0.010] | ❌ regression |\n"},
    {"correct", 0.8, 0.76, -0.09, 0.01, -1,
     "| correct | 0.800 | 0.760 | -0.040 | [-0.090, +0.010] | — |\n"},
    {"tone", 0.5, 0.5001, -0.0004, 0.2, -1,
     "| tone | 0.500 | 0.500 | +0.000 | [+0.000, +0.200] | — |\n"},
    {"latency_p50_ms", 1200, 1350, 20.4, 280, -1,
     "| latency\\_p50\\_ms | 1200 | 1350 | +150 | [+20, +280] | — |\n"},
    {"we|ird", 0, 1, NAN, INFINITY, -1, "| we\\|ird | 0.000 | 1.000 | +1.000 | [n/a, n/a] | — |\n"},
};

/* One compared metric, with the gate's verdict on it in the last column. */
START_TEST(test_compared_rows)
{
    const struct row_case *c = &rows[_i];
    struct pawl_results r;
    char *md, *want;

    fx_init(&r, "s", NULL, 0);
    fx_metric(&r, "error_rate", 0.25, 4, 0, 0, 0);
    fx_metric(&r, c->metric, c->cand, 4, 1, 0, 1);
    fx_compare(&r, "b.json", NULL, NULL, 4);
    fx_cmp_metric(&r, c->metric, c->base, c->cand, c->lo, c->hi, "bootstrap", NAN, 0, 4);
    /* Rules on other metrics or of other kinds do not count. */
    fx_rule(&r, "x", "min", c->metric, 0.5, 1, 0.76, PAWL_RULE_FAIL, "m");
    fx_rule(&r, "y", "max_drop", "other", 0.5, 1, 0.76, PAWL_RULE_FAIL, "m");
    if (c->rule >= 0)
        fx_rule(&r, "z", "max_drop", c->metric, 0.02, 1, -0.04,
                c->rule == 4 ? PAWL_RULE_INCONCLUSIVE : (enum pawl_rule_status)c->rule, "m");
    if (c->rule == 4)
        fx_rule(&r, "w", "max_drop", c->metric, 0.01, 1, -0.04, PAWL_RULE_FAIL, "m");
    md = markdown(&r);
    want = pawl_xasprintf("| metric | baseline | candidate | Δ | interval | verdict |\n"
                          "|:--|--:|--:|--:|:--|:--|\n"
                          "| error\\_rate | — | 0.250 | — | — | — |\n%s\n",
                          c->want);
    assert_contains(md, want);
    free(md);
    free(want);
    pawl_results_release(&r);
}
END_TEST

struct method_case {
    const char *method;
    double p, mde;
    const char *want;
};

static const struct method_case methods[] = {
    {"mcnemar", 0.34375, 0.071,
     "_95% intervals on paired cases. correct: McNemar exact, p = 0.344, MDE 0.071. MDE is the "
     "smallest change detectable with 80% power._\n\n"},
    {"mcnemar", 0.0004, NAN,
     "_95% intervals on paired cases. correct: McNemar exact, p \\< "
     "0.001._\n\n"},
    {"bootstrap", NAN, 0, "_95% intervals on paired cases. correct: bootstrap._\n\n"},
    {"my_method", NAN, 0.5,
     "_95% intervals on paired cases. correct: my\\_method, MDE 0.500. "
     "MDE is the smallest change detectable with 80% power._\n\n"},
    {NULL, 1, 0.5,
     "_95% intervals on paired cases. correct: p = 1.000, MDE 0.500. MDE is the "
     "smallest change detectable with 80% power._\n\n"},
};

START_TEST(test_compared_methods)
{
    const struct method_case *c = &methods[_i];
    struct pawl_results r;
    char *md;

    fx_init(&r, "s", NULL, 0);
    fx_compare(&r, "b.json", NULL, NULL, 4);
    fx_cmp_metric(&r, "correct", 0.5, 0.5, 0, 0, c->method, c->p, c->mde, 4);
    md = markdown(&r);
    assert_contains(md, "| correct | 0.500 | 0.500 | +0.000 | [+0.000, +0.000] | — |\n\n");
    assert_contains(md, c->want);
    free(md);
    pawl_results_release(&r);
}
END_TEST

struct flaky_case {
    double base_pass, cand_pass;
    const char *want;
};

static const struct flaky_case flakies[] = {
    {1, 2.0 / 3.0,
     "- q (evals/qa.jsonl:1): passed 100% of baseline trials and 67% of candidate "
     "trials\n"},
    {NAN, 0.5, "- q (evals/qa.jsonl:1): passed 50% of candidate trials\n"},
    {0.5, NAN, "- q (evals/qa.jsonl:1)\n"},
    {NAN, NAN, "- q (evals/qa.jsonl:1)\n"},
};

/* Pass shares read back from a results file may be unknown; they are left out, not "nan%". */
START_TEST(test_compared_flaky)
{
    const struct flaky_case *c = &flakies[_i];
    struct pawl_results r;
    char *md, *want;

    fx_init(&r, "s", NULL, 0);
    fx_case(&r, "q", 1, 1);
    fx_output(&r, 0, 0, "x", 1);
    fx_compare(&r, "b.json", NULL, NULL, 1);
    fx_cmp_case(&r, "q", 1, PAWL_CHANGE_FLAKY, c->base_pass, c->cand_pass);
    md = markdown(&r);
    want = pawl_xasprintf("<details><summary>Flaky cases (1)</summary>\n\n%s\n</details>\n\n",
                          c->want);
    assert_contains(md, want);
    ck_assert_ptr_null(strstr(md, "nan"));
    free(md);
    free(want);
    pawl_results_release(&r);
}
END_TEST

/* Builds `n` cases cheaply: pre-sized arrays, no per-case realloc. */
static void many_cases(struct pawl_results *r, size_t n, const char *pad)
{
    size_t i;

    r->cases = pawl_xcalloc(n, sizeof(*r->cases));
    for (i = 0; i < n; i++) {
        struct pawl_case_result *c = &r->cases[i];
        c->id = pawl_xasprintf("case-%06zu%s", i, pad);
        c->line = (int)i + 1;
        c->passed = 1;
        c->trials = pawl_xcalloc(1, sizeof(*c->trials));
        c->n_trials = 1;
        r->n_cases++;
        fx_output(r, i, 0, "out", 1);
    }
    r->dataset_cases = n;
}

/* 25 broken cases in full, 100 ids per folded list, 50 other failed cases, then counts. */
START_TEST(test_compared_limits)
{
    static const char *const scorers[] = {"correct"};
    static const enum pawl_case_change kinds[] = {PAWL_CHANGE_BROKEN, PAWL_CHANGE_FIXED,
                                                  PAWL_CHANGE_FLAKY, PAWL_CHANGE_STILL_FAILING};
    struct pawl_results r;
    struct pawl_comparison *cmp;
    size_t i, n = 4 * 120 + 1;
    char *md;

    fx_init(&r, "s", scorers, 1);
    many_cases(&r, n, "");
    cmp = fx_compare(&r, "b.json", NULL, NULL, n - 1);
    cmp->cases = pawl_xcalloc(n, sizeof(*cmp->cases));
    for (i = 0; i + 1 < n; i++) {
        enum pawl_case_change k = kinds[i % 4];
        cmp->cases[cmp->n_cases].id = pawl_xstrdup(r.cases[i].id);
        cmp->cases[cmp->n_cases].change = k;
        cmp->cases[cmp->n_cases].base_pass = k == PAWL_CHANGE_FLAKY ? 0.5 : 1;
        cmp->cases[cmp->n_cases++].cand_pass = k == PAWL_CHANGE_FLAKY ? 0.25 : 0;
        if (k != PAWL_CHANGE_FIXED)
            fx_score(&r, i, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "wrong");
    }
    /* The last case was added since the baseline and fails: it is listed with the others. */
    fx_score(&r, n - 1, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "new and wrong");
    fx_verdict(&r, "fail");
    md = markdown(&r);
    assert_contains(md, "### Broken cases (120)\n\n#### case-000000 (evals/qa.jsonl:1)\n\n"
                        "- **correct**: wrong\n\nCandidate output:\n\n```\nout\n```\n\n"
                        "#### case-000004 (evals/qa.jsonl:5)\n");
    assert_contains(md, "#### case-000096 (evals/qa.jsonl:97)\n");
    ck_assert_ptr_null(strstr(md, "#### case-000100 "));
    assert_contains(md, "_… and 95 more broken cases; the JUnit report and the results file list "
                        "them all._\n\n<details><summary>Fixed cases (120)</summary>\n\n"
                        "- case-000001 (evals/qa.jsonl:2)\n- case-000005 (evals/qa.jsonl:6)\n");
    assert_contains(md, "- case-000397 (evals/qa.jsonl:398)\n- … and 20 more\n\n</details>\n\n"
                        "<details><summary>Flaky cases (120)</summary>\n\n"
                        "- case-000002 (evals/qa.jsonl:3): passed 50% of baseline trials and 25% "
                        "of candidate trials\n");
    ck_assert_ptr_null(strstr(md, "- case-000401 "));
    assert_contains(md, "- … and 20 more\n\n</details>\n\n<details><summary>Other failed cases "
                        "(241)</summary>\n\n#### case-000002 (evals/qa.jsonl:3)\n");
    assert_contains(md, "_… and 191 more failed cases; the JUnit report and the results file list "
                        "them all._\n\n</details>\n");
    ck_assert_ptr_null(strstr(md, "#### case-000480 "));
    ck_assert_ptr_null(strstr(md, "No case that passed"));
    free(md);

    /* Nothing broken: the page says so, and every failure is among the others. */
    for (i = 0; i < cmp->n_cases; i++)
        cmp->cases[i].change = PAWL_CHANGE_STILL_FAILING;
    md = markdown(&r);
    assert_contains(md, "No case that passed in the baseline fails now.\n\n<details><summary>Other "
                        "failed cases (");
    ck_assert_ptr_null(strstr(md, "Broken cases"));
    ck_assert_ptr_null(strstr(md, "Fixed cases"));
    free(md);
    pawl_results_release(&r);
}
END_TEST

/* 100,000 cases, most of them changed, with long ids, comments and outputs: still < 1 MiB. */
START_TEST(test_compared_huge)
{
    static const char *const scorers[] = {"a", "b", "c", "d", "e"};
    static const size_t n = 100000;
    struct pawl_results r, base;
    struct pawl_comparison *cmp;
    struct pawl_buf big = PAWL_BUF_INIT, pad = PAWL_BUF_INIT;
    size_t i, j, t;
    char *md;

    for (i = 0; i < 8 * 1024; i++)
        pawl_buf_putc(&big, i % 80 == 79 ? '\n' : '|');
    for (i = 0; i < 120; i++)
        pawl_buf_putc(&pad, '*');
    fx_init(&r, "huge", scorers, 5);
    fx_init(&base, "huge", scorers, 5);
    many_cases(&r, n, pad.ptr);
    many_cases(&base, n, pad.ptr);
    cmp = fx_compare(&r, big.ptr, "0123456789abcdef", big.ptr, n);
    cmp->cases = pawl_xcalloc(n, sizeof(*cmp->cases));
    for (i = 0; i < 4000; i++)
        fx_cmp_metric(&r, r.cases[i].id, 0.5, 0.4, -0.2, 0, "bootstrap", NAN, 0.1, n);
    for (i = 0; i < n; i++) {
        enum pawl_case_change k = i % 3 == 0   ? PAWL_CHANGE_BROKEN
                                  : i % 3 == 1 ? PAWL_CHANGE_FIXED
                                               : PAWL_CHANGE_FLAKY;
        cmp->cases[i].id = pawl_xstrdup(r.cases[i].id);
        cmp->cases[i].change = k;
        cmp->n_cases++;
        if (k == PAWL_CHANGE_FIXED)
            continue;
        if (i < 200) {
            /* Four trials, each failing every scorer at length. */
            r.cases[i].trials = pawl_xreallocarray(r.cases[i].trials, 4, sizeof(struct pawl_trial));
            memset(&r.cases[i].trials[1], 0, 3 * sizeof(struct pawl_trial));
            r.cases[i].n_trials = 4;
            for (t = 0; t < 4; t++)
                fx_output(&r, i, t, big.ptr, 1);
            fx_output(&base, i, 0, big.ptr, 1);
        }
        for (t = 0; t < r.cases[i].n_trials; t++)
            for (j = 0; j < 5; j++)
                fx_score(&r, i, t, j, PAWL_SCORE_NUMERIC, 0, 0, i < 200 ? big.ptr : "wrong");
    }
    fx_verdict(&r, "fail");

    md = markdown_compared(&r, &base);
    ck_assert_uint_lt(strlen(md), 1024 * 1024);
    assert_contains(md, "_The summary was cut at its size limit; the results file has "
                        "everything._\n");
    free(md);

    /* With a short metric table, the case sections fill the page instead. */
    for (i = 3; i < cmp->n_metrics; i++)
        free(cmp->metrics[i].metric);
    for (i = 3; i < cmp->n_metrics; i++)
        free(cmp->metrics[i].method);
    cmp->n_metrics = 3;
    md = markdown_compared(&r, &base);
    ck_assert_uint_lt(strlen(md), 1024 * 1024);
    ck_assert_uint_gt(strlen(md), 900 * 1024);
    assert_contains(md, "### Broken cases (33334)\n");
    assert_contains(md, "more broken cases; the JUnit report and the results file list them "
                        "all._\n\n");
    ck_assert_ptr_null(strstr(md, "The summary was cut"));
    free(md);

    pawl_buf_release(&big);
    pawl_buf_release(&pad);
    pawl_results_release(&r);
    pawl_results_release(&base);
}
END_TEST

START_TEST(test_terminal_compared_golden)
{
    struct pawl_results r;
    char *t;

    fx_compared(&r);
    t = terminal(&r, 0);
    pawl_test_assert_golden("compared.terminal.txt", t);
    free(t);
    pawl_results_release(&r);
}
END_TEST

/* Ten broken ids at most, colour on the label only, and compared metrics beside plain ones. */
START_TEST(test_terminal_compared)
{
    static const char *const scorers[] = {"correct"};
    struct pawl_results r;
    char id[32], *t;
    size_t i;

    fx_init(&r, "s", scorers, 1);
    fx_compare(&r, "b.json", NULL, NULL, 12);
    for (i = 0; i < 12; i++) {
        snprintf(id, sizeof(id), i == 3 ? "b\x1b[%zu" : "b%zu", i);
        fx_case(&r, id, (int)i + 1, 1);
        fx_output(&r, i, 0, "x", 1);
        fx_score(&r, i, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "wrong");
        fx_cmp_case(&r, id, (int)i + 1, i == 1 ? PAWL_CHANGE_FLAKY : PAWL_CHANGE_BROKEN, 1, 0);
    }
    fx_metric(&r, "correct", 0.76, 12, 1, 0.5, 0.9);
    fx_metric(&r, "latency_p50_ms", 900, 12, 0, 0, 0);
    fx_cmp_metric(&r, "correct", 0.8, 0.76, -0.09, 0.01, "mcnemar", 0.5, 0.1, 12);
    fx_cmp_metric(&r, "pass_rate", 1, 0, -1, -0.0001, "mcnemar", 0.001, 0.1, 12);
    fx_cmp_metric(&r, "latency_p50_ms", 800, 900, 50, 150, "bootstrap", NAN, 10, 12);
    r.comparison->confidence = 0.9;
    fx_verdict(&r, "fail");
    t = terminal(&r, 0);
    assert_contains(t, "  FAIL b11  correct: wrong\n"
                       "  broken since baseline: b0, b2, b\\x1b[3, b4, b5, b6, b7, b8, b9, b10, "
                       "... (11)\n"
                       "  correct         0.800 → 0.760  (Δ -0.040, 90% -0.090..+0.010)\n"
                       "  latency_p50_ms  800 → 900  (Δ +100, 90% +50..+150)\n"
                       "  pass_rate       1.000 → 0.000  (Δ -1.000, 90% -1.000..+0.000)\n"
                       "pawl: FAIL");
    free(t);
    t = terminal(&r, 1);
    assert_contains(t, "  \033[31mbroken since baseline:\033[0m b0, b2, ");
    free(t);

    r.comparison->n_cases = 2;
    r.comparison->cases[0].change = PAWL_CHANGE_FIXED;
    t = terminal(&r, 0);
    ck_assert_ptr_null(strstr(t, "broken"));
    free(t);
    r.comparison->n_cases = 12;
    pawl_results_release(&r);
}
END_TEST

static Suite *markdown_suite(void)
{
    Suite *s = suite_create("markdown");
    TCase *md = tcase_create("markdown");
    TCase *term = tcase_create("terminal");
    TCase *cmp = tcase_create("compared");

    tcase_add_test(md, test_markdown_golden);
    tcase_add_test(md, test_markdown_write);
    tcase_add_loop_test(md, test_markdown_verdict, 0, sizeof(verdicts) / sizeof(verdicts[0]));
    tcase_add_test(md, test_markdown_escaping);
    tcase_add_test(md, test_markdown_output_truncated);
    tcase_add_test(md, test_markdown_case_limit);
    tcase_add_test(md, test_markdown_huge);
    suite_add_tcase(s, md);
    tcase_add_test(cmp, test_compared_golden);
    tcase_add_test(cmp, test_compared_without_base);
    tcase_add_test(cmp, test_compared_no_comparison);
    tcase_add_loop_test(cmp, test_compared_baseline_line, 0,
                        sizeof(baselines) / sizeof(baselines[0]));
    tcase_add_loop_test(cmp, test_compared_rows, 0, sizeof(rows) / sizeof(rows[0]));
    tcase_add_loop_test(cmp, test_compared_methods, 0, sizeof(methods) / sizeof(methods[0]));
    tcase_add_loop_test(cmp, test_compared_flaky, 0, sizeof(flakies) / sizeof(flakies[0]));
    tcase_add_test(cmp, test_compared_limits);
    tcase_add_test(cmp, test_compared_huge);
    tcase_set_timeout(cmp, 60);
    suite_add_tcase(s, cmp);
    tcase_add_test(term, test_terminal_golden);
    tcase_add_test(term, test_terminal_color);
    tcase_add_test(term, test_terminal_pass);
    tcase_add_test(term, test_terminal_hostile);
    tcase_add_test(term, test_terminal_limit);
    tcase_add_test(term, test_terminal_compared_golden);
    tcase_add_test(term, test_terminal_compared);
    suite_add_tcase(s, term);
    return s;
}

int main(void)
{
    return pawl_test_run(markdown_suite());
}
