/* The HTML report: exact escaping, the word diff, statuses and filters, limits. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "pawl/buf.h"
#include "pawl/report.h"
#include "results_fixture.h"

#define FFFD "\xEF\xBF\xBD"

static void assert_contains(const char *hay, const char *needle)
{
    ck_assert_msg(strstr(hay, needle) != NULL, "missing from the page: %s\n--- page:\n%.1000s",
                  needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
    const char *at = strstr(hay, needle);

    ck_assert_msg(at == NULL, "unexpected in the page: %s\n--- at:\n%.300s", needle, at);
}

static size_t occurrences(const char *hay, const char *needle)
{
    size_t n = 0, len = strlen(needle);

    for (hay = strstr(hay, needle); hay; hay = strstr(hay + len, needle))
        n++;
    return n;
}

static char *html(const struct pawl_results *r, const struct pawl_results *base)
{
    struct pawl_buf b = PAWL_BUF_INIT;

    ck_assert_int_eq(pawl_report_html_render(&b, r, base), 0);
    return pawl_buf_detach(&b, NULL);
}

/* ---- escaping ---- */

struct escape_case {
    const char *in;
    size_t len; /* 0: strlen(in) */
    const char *want;
};

static const struct escape_case escape_cases[] = {
    {"<script>alert(1)</script>", 0, "&lt;script&gt;alert(1)&lt;/script&gt;"},
    {"</details></textarea></pre><!--", 0, "&lt;/details&gt;&lt;/textarea&gt;&lt;/pre&gt;&lt;!--"},
    {"<b onclick=\"x\">'y'</b", 0, "&lt;b onclick=&quot;x&quot;&gt;&#39;y&#39;&lt;/b"},
    {"a & b &amp; ]]>", 0, "a &amp; b &amp;amp; ]]&gt;"},
    {"x\0y", 3, "x" FFFD "y"},
    {"\x1b[31mred\x1b[0m", 0, FFFD "[31mred" FFFD "[0m"},
    {"tab\tline\nend", 0, "tab\tline\nend"},
    {"a\r\nb\rc\r", 0, "a\nb\nc\n"},
    {"\x7f|\xc2\x85|\xc2\x9f", 0, FFFD "|" FFFD "|" FFFD},
    {"\xe2\x80\xa8|\xe2\x80\xa9", 0, "&#8232;|&#8233;"},
    {"\xef\xb7\x90|\xef\xbf\xbe|\xef\xbf\xbf|\xf0\x9f\xbf\xbf", 0, FFFD "|" FFFD "|" FFFD "|" FFFD},
    {"\xc3\x28", 0, FFFD "("},
    {"\xed\xa0\x80", 0, FFFD FFFD FFFD},
    {"cut \xe2\x82", 0, "cut " FFFD},
    {"\xc0\xaf", 0, FFFD FFFD},
    {"caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\x8f", 0, "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\x8f"},
};

START_TEST(test_escape)
{
    const struct escape_case *c = &escape_cases[_i];
    struct pawl_buf b = PAWL_BUF_INIT;

    pawl_html_escape(&b, c->in, c->len ? c->len : strlen(c->in));
    ck_assert_str_eq(b.ptr, c->want);
    pawl_buf_release(&b);
}
END_TEST

/* ---- the word diff ---- */

struct diff_case {
    const char *a, *b, *want;
};

static const struct diff_case diff_cases[] = {
    {"a b c", "a b c", "a b c"},
    {"", "new words", "<ins>new words</ins>"},
    {"old words", "", "<del>old words</del>"},
    {"the cat sat", "the dog sat", "the <del>cat</del><ins>dog</ins> sat"},
    {"one two three", "one three", "one <del>two </del>three"},
    {"a c", "a b c", "a <ins>b </ins>c"},
    {"x y", "x  y", "x<del> </del><ins>  </ins>y"},
    {"You can ask for a refund within 30 days of delivery.",
     "Refunds are possible within 14 days of delivery.",
     "<del>You can ask for a refund</del><ins>Refunds are possible</ins> within "
     "<del>30</del><ins>14</ins> days of delivery."},
    {"caf\xc3\xa9 au lait", "caf\xc3\xa9 noir", "caf\xc3\xa9 <del>au lait</del><ins>noir</ins>"},
    {"a <b> c", "a <i> c", "a <del>&lt;b&gt;</del><ins>&lt;i&gt;</ins> c"},
    {"keep\r\nthis", "keep\nthis", "keep<del>\n</del><ins>\n</ins>this"},
    {"A B C D", "A X C Y", "A <del>B</del><ins>X</ins> C <del>D</del><ins>Y</ins>"},
};

START_TEST(test_diff)
{
    const struct diff_case *c = &diff_cases[_i];
    struct pawl_buf b = PAWL_BUF_INIT;

    pawl_html_diff(&b, c->a, strlen(c->a), c->b, strlen(c->b));
    ck_assert_str_eq(b.ptr, c->want);
    pawl_buf_release(&b);
}
END_TEST

/* Past the size of table it is willing to fill, the diff says "all of it changed". */
START_TEST(test_diff_large)
{
    struct pawl_buf a = PAWL_BUF_INIT, b = PAWL_BUF_INIT, out = PAWL_BUF_INIT;
    int i;

    for (i = 0; i < 600; i++) {
        pawl_buf_printf(&a, "a%d ", i);
        pawl_buf_printf(&b, "b%d ", i);
    }
    pawl_buf_puts(&a, "end");
    pawl_buf_puts(&b, "end");
    pawl_html_diff(&out, a.ptr, a.len, b.ptr, b.len);
    ck_assert_uint_eq(occurrences(out.ptr, "<del>"), 1);
    ck_assert_uint_eq(occurrences(out.ptr, "<ins>"), 1);
    ck_assert_int_eq(strncmp(out.ptr, "<del>a0 a1 ", 11), 0);
    ck_assert_str_eq(out.ptr + out.len - 14, "b599</ins> end");
    pawl_buf_release(&out);
    pawl_buf_release(&a);
    pawl_buf_release(&b);
}
END_TEST

/* ---- statuses, filters and the comparison ---- */

START_TEST(test_compared_statuses)
{
    struct pawl_results r, base;
    char *page;

    fx_compared(&r);
    fx_compared_baseline(&base);
    page = html(&r, &base);
    assert_contains(page, "<label for=\"f-all\">all (8)</label>");
    assert_contains(page, "<label for=\"f-broken\">broken (2)</label>");
    assert_contains(page, "<label for=\"f-fixed\">fixed (1)</label>");
    assert_contains(page, "<label for=\"f-flaky\">flaky (1)</label>");
    assert_contains(page, "<label for=\"f-failing\">failing (1)</label>");
    assert_contains(page, "<label for=\"f-errored\">errored (1)</label>");
    assert_contains(page, "<label for=\"f-passing\">passing (2)</label>");
    ck_assert_uint_eq(occurrences(page, "<details class=\"case s-broken\""), 2);
    ck_assert_uint_eq(occurrences(page, "<details class=\"case s-passing\""), 2);
    ck_assert_uint_eq(occurrences(page, "<details class=\"case "), 8);
    /* Grouped by status, most urgent first; the anchor is the case's place in the run. */
    ck_assert_int_lt(strstr(page, "id=\"case-2\"") - page, strstr(page, "id=\"case-4\"") - page);
    ck_assert_int_lt(strstr(page, "id=\"case-7\"") - page, strstr(page, "id=\"case-1\"") - page);
    /* q8 is not in the baseline. */
    assert_contains(page, "<span class=\"id\">q8</span> <span class=\"loc\">line 8</span> "
                          "<span class=\"loc\">new since the baseline</span>");
    /* A broken case: the baseline's output, the candidate's, and the diff between them. */
    assert_contains(page, "<h4>Baseline output</h4>\n<pre class=\"out\">\nRefunds are possible "
                          "within 30 days of purchase.</pre>");
    assert_contains(page, "<pre class=\"diff\">\nRefunds are <del>possible within 30 days of "
                          "purchase.</del><ins>not possible.</ins></pre>");
    /* A replacement glued to what it replaces reads as one word ("3014" for 30 -> 14). */
    assert_contains(page, "del+ins{margin-left:.4em}");
    /* An interval "[0.886, 1.000]" stays on one line on a phone (its table scrolls). */
    assert_contains(page, "td.num{text-align:right;font-variant-numeric:tabular-nums;"
                          "white-space:nowrap}");
    /* Several trials on both sides: which one the baseline shows, and each candidate trial. */
    assert_contains(page, "<h4>Baseline output, trial 1 of 2</h4>");
    assert_contains(page, "<h4>Candidate output, trial 2 of 2</h4>");
    assert_contains(page, "<p class=\"meta\">The same as the baseline's output.</p>");
    assert_contains(page, "<p class=\"err\">The call failed: HTTP 503 from "
                          "&#39;https://api.openai.com/v1/chat/completions&#39;</p>");
    /* The gated metrics: numbers as text next to the charts. */
    assert_contains(page, "<tr><th>change</th><td class=\"num\">-0.040</td><td class=\"num\">"
                          "[-0.090, +0.010]</td><td class=\"num\">6 pairs</td></tr>");
    assert_contains(page, "95% interval of the paired change, McNemar exact, p = 0.34375, "
                          "smallest change detectable with 80% power 0.071.");
    assert_contains(page, "margin -0.050</text>");
    assert_contains(page, "max 4000</text>");
    assert_contains(page, "<dt>baseline</dt><dd>origin/main:.pawl/baseline.json, run "
                          "5f3a9c0e1b2d4a6f, commit <code>fedcba987654</code>; 7 paired cases; "
                          "1 added and 1 dropped since the baseline</dd>");
    free(page);
    pawl_results_release(&base);
    pawl_results_release(&r);
}
END_TEST

/* Without the baseline's results the statuses still come from the comparison. */
START_TEST(test_compared_without_base)
{
    struct pawl_results r;
    char *page;

    fx_compared(&r);
    page = html(&r, NULL);
    assert_contains(page, "<label for=\"f-broken\">broken (2)</label>");
    assert_contains(page, "<label for=\"f-passing\">passing (2)</label>");
    assert_lacks(page, "Baseline output");
    assert_lacks(page, "new since the baseline");
    assert_lacks(page, "<pre class=\"diff\">");
    free(page);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_plain_statuses)
{
    struct pawl_results r;
    char *page;

    fx_basic(&r);
    r.cases[1].input = json_pack("{s:s,s:[i,b]}", "question", "Capital of France?", "x", 1, 0);
    page = html(&r, NULL);
    assert_contains(page, "<label for=\"f-all\">all (3)</label>");
    assert_contains(page, "<label for=\"f-failing\">failing (1)</label>");
    assert_contains(page, "<label for=\"f-errored\">errored (1)</label>");
    assert_contains(page, "<label for=\"f-passing\">passing (1)</label>");
    assert_lacks(page, "f-broken\"");
    assert_contains(page, "<p class=\"verdict\">FAIL</p>");
    assert_contains(page, "<p>3 cases: 1 passed, 1 failed, 1 errored.</p>");
    assert_contains(page, "<span class=\"why\">correct: output does not contain &#39;Paris&#39;; "
                          "helpful: failed with score 0.250</span>");
    assert_contains(page, "<tr class=\"bad\"><td>helpful</td><td>0.25</td><td>fail</td>"
                          "<td class=\"comment\"></td></tr>");
    assert_contains(page, "<p class=\"meta\">latency 812 ms \xC2\xB7 cost $0.000400</p>");
    assert_contains(page, "<p class=\"meta\">latency 1045 ms \xC2\xB7 from the cache</p>");
    assert_contains(page, "<h4>Input</h4>\n<pre class=\"json\">\n{\n  &quot;question&quot;: "
                          "&quot;Capital of France?&quot;,\n  &quot;x&quot;: [\n    1,\n    "
                          "false\n  ]\n}</pre>");
    free(page);
    pawl_results_release(&r);
}
END_TEST

struct verdict_case {
    const char *verdict;
    int interrupted;
    const char *banner;
};

static const struct verdict_case verdict_cases[] = {
    {"pass", 0, "<header class=\"banner v-pass\">\n<p class=\"verdict\">PASS</p>"},
    {"fail", 0, "<header class=\"banner v-fail\">\n<p class=\"verdict\">FAIL</p>"},
    {"error", 0, "<header class=\"banner v-error\">\n<p class=\"verdict\">ERROR</p>"},
    {"error", 1, "<header class=\"banner v-error\">\n<p class=\"verdict\">ERROR (interrupted)</p>"},
    {"bogus", 0, "<header class=\"banner v-error\">\n<p class=\"verdict\">ERROR</p>"},
};

/* A run with no cases (interrupted before any ran, or everything filtered out). */
START_TEST(test_verdicts_without_cases)
{
    const struct verdict_case *c = &verdict_cases[_i];
    struct pawl_results r;
    char *page;

    fx_support_bot(&r);
    fx_verdict(&r, c->verdict);
    r.interrupted = c->interrupted;
    page = html(&r, NULL);
    assert_contains(page, c->banner);
    assert_contains(page, "<p>No case ran.</p>");
    assert_contains(page, "<p>No gate rule was evaluated.</p>");
    assert_contains(page, "No latency was recorded.");
    if (c->interrupted)
        assert_contains(page, "The run was interrupted: these results are partial.");
    else
        assert_lacks(page, "interrupted");
    ck_assert_int_eq(strncmp(page, "<!DOCTYPE html>\n", 16), 0);
    ck_assert_str_eq(page + strlen(page) - 16, "</body>\n</html>\n");
    free(page);
    pawl_results_release(&r);
}
END_TEST

/* Every trial errored: no scores to draw, the error shown per trial. */
START_TEST(test_errored_trials)
{
    struct pawl_results r;
    size_t c;
    char *page;

    fx_support_bot(&r);
    c = fx_case(&r, "<img src=x onerror=alert(1)>", 4, 2);
    fx_error(&r, c, 0, "agent exited with status 1: </details><script>");
    fx_error(&r, c, 1, "timed out after 60 s");
    /* Errored calls are timed too, though the latency metrics leave them out. */
    fx_trial(&r, c, 0)->latency_ms = 12;
    fx_verdict(&r, "error");
    page = html(&r, NULL);
    assert_contains(page, "<h3>Latency</h3>\n<p>No latency metrics: only calls that errored were "
                          "timed. The histogram counts them.</p>");
    assert_lacks(page, "No latency was recorded.");
    assert_contains(page, "<label for=\"f-errored\">errored (1)</label>");
    assert_contains(page, "<span class=\"id\">&lt;img src=x onerror=alert(1)&gt;</span>");
    assert_contains(page, "The call failed: agent exited with status 1: "
                          "&lt;/details&gt;&lt;script&gt;</p>");
    assert_contains(page, "<h4>Candidate output, trial 2 of 2</h4>\n<p class=\"err\">The call "
                          "failed: timed out after 60 s</p>");
    assert_contains(page, "<h3>correct <span class=\"meta\">no score</span></h3>");
    assert_contains(page, "Passed 0 of 0 scores.");
    assert_lacks(page, "<script");
    assert_lacks(page, "<img");
    free(page);
    pawl_results_release(&r);
}
END_TEST

/* ---- limits ---- */

START_TEST(test_field_truncation)
{
    struct pawl_results r;
    struct pawl_buf big = PAWL_BUF_INIT, comment = PAWL_BUF_INIT, want = PAWL_BUF_INIT;
    size_t c, i;
    char *page;

    fx_support_bot(&r);
    for (i = 0; i < 2001; i++)
        pawl_buf_puts(&big, "\xc3\xa9");
    for (i = 0; i < 2100; i++)
        pawl_buf_putc(&comment, 'j');
    c = fx_case(&r, "long", 1, 1);
    fx_output(&r, c, 0, big.ptr, 10);
    fx_score(&r, c, 0, 1, PAWL_SCORE_NUMERIC, 0.2, 0, comment.ptr);
    r.cases[c].expected_output = json_stringn(big.ptr, 2500);
    page = html(&r, NULL);
    /* 2,001 two-byte characters: the first 2,000 shown, one cut. */
    pawl_buf_puts(&want, "<pre class=\"out\">\n");
    pawl_buf_add(&want, big.ptr, 4000);
    pawl_buf_puts(&want, "</pre>\n<p class=\"cut\">1 more character not shown</p>");
    assert_contains(page, want.ptr);
    /* 2,500 bytes are 1,250 characters: nothing cut. */
    pawl_buf_reset(&want);
    pawl_buf_puts(&want, "<pre class=\"text\">\n");
    pawl_buf_add(&want, big.ptr, 2500);
    pawl_buf_puts(&want, "</pre>\n<div class=\"trial\">");
    assert_contains(page, want.ptr);
    pawl_buf_reset(&want);
    pawl_buf_add(&want, comment.ptr, 2000);
    pawl_buf_puts(&want, " <span class=\"cut\">100 more characters not shown</span></td>");
    assert_contains(page, want.ptr);
    free(page);
    pawl_buf_release(&want);
    pawl_buf_release(&comment);
    pawl_buf_release(&big);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_passing_cap)
{
    struct pawl_results r;
    char id[32];
    size_t i, c;
    char *page;

    fx_support_bot(&r);
    for (i = 0; i < PAWL_HTML_PASSING + 100; i++) {
        snprintf(id, sizeof(id), "p%zu", i);
        c = fx_case(&r, id, (int)i + 1, 1);
        fx_output(&r, c, 0, "fine", 5);
    }
    c = fx_case(&r, "last-fails", 9999, 1);
    fx_output(&r, c, 0, "bad", 5);
    fx_score(&r, c, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "nope");
    page = html(&r, NULL);
    assert_contains(page, "<label for=\"f-passing\">passing (600)</label>");
    assert_contains(page, "<p class=\"note\">The first 500 of 600 passing cases are listed; the "
                          "results file has them all.</p>");
    ck_assert_uint_eq(occurrences(page, "<details class=\"case s-passing\""), 500);
    ck_assert_uint_eq(occurrences(page, "<details class=\"case s-failing\""), 1);
    assert_contains(page, "<span class=\"id\">p499</span>");
    assert_lacks(page, "<span class=\"id\">p500</span>");
    assert_contains(page, "<p class=\"nums\">true 600 (99.8%), false 1 (0.2%)</p>");
    free(page);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_trial_cap)
{
    struct pawl_results r;
    size_t c, t;
    char *page;

    fx_support_bot(&r);
    c = fx_case(&r, "many", 1, PAWL_HTML_TRIALS + 3);
    for (t = 0; t < PAWL_HTML_TRIALS + 3; t++)
        fx_output(&r, c, t, "same", 5);
    page = html(&r, NULL);
    assert_contains(page, "<h4>Candidate output, trial 10 of 13</h4>");
    assert_lacks(page, "trial 11 of 13");
    assert_contains(page, "<p class=\"cut\">3 more trials not shown; the results file has "
                          "them.</p>");
    free(page);
    pawl_results_release(&r);
}
END_TEST

/* The worst case for size: 10,000 cases, all failing, every text long and all escapes,
 * compared with a baseline whose outputs all differ. */
START_TEST(test_size_bound)
{
    struct pawl_results r, base;
    struct pawl_buf out = PAWL_BUF_INIT, bout = PAWL_BUF_INIT;
    char id[32];
    size_t i, c;
    clock_t t0;
    double secs;
    char *page;

    while (out.len < 3000)
        pawl_buf_puts(&out, "<script>'\"&</details>");
    while (bout.len < 3000)
        pawl_buf_puts(&bout, "an older answer ");
    fx_support_bot(&r);
    fx_support_bot(&base);
    fx_compare(&r, "base.json", "b", NULL, 10000);
    for (i = 0; i < 10000; i++) {
        snprintf(id, sizeof(id), "case-%05zu", i);
        c = fx_case(&r, id, (int)i + 1, 1);
        fx_output(&r, c, 0, out.ptr, 100 + (long)i % 900);
        fx_score(&r, c, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, out.ptr);
        fx_score(&r, c, 0, 1, PAWL_SCORE_NUMERIC, (double)(i % 100) / 100, 0, out.ptr);
        r.cases[c].input = json_pack("{s:s}", "question", out.ptr);
        r.cases[c].expected_output = json_string(bout.ptr);
        fx_cmp_case(&r, id, (int)i + 1, PAWL_CHANGE_BROKEN, 1, 0);
        c = fx_case(&base, id, (int)i + 1, 1);
        fx_output(&base, c, 0, bout.ptr, 100);
    }
    t0 = clock();
    page = html(&r, &base);
    secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    fprintf(stderr, "10,000 cases: %zu bytes in %.3f s\n", strlen(page), secs);
    ck_assert_uint_le(strlen(page), PAWL_HTML_MAX);
    assert_contains(page, "<label for=\"f-broken\">broken (10,000)</label>");
    assert_contains(page, "cases are listed without details to keep the page small.</p>");
    assert_contains(page, "more cases are not listed to keep the page small; the results file "
                          "has them.</p>");
    assert_contains(page, "<p class=\"cut\">Details left out to keep the page small; the "
                          "results file has them.</p>");
    assert_lacks(page, "<script>");
    assert_lacks(page, "</details><");
    ck_assert_str_eq(page + strlen(page) - 16, "</body>\n</html>\n");
    free(page);
    pawl_buf_release(&bout);
    pawl_buf_release(&out);
    pawl_results_release(&base);
    pawl_results_release(&r);
}
END_TEST

/* ---- writing ---- */

START_TEST(test_write)
{
    struct pawl_results r;
    struct pawl_error err;
    struct pawl_buf cap;
    char *path = pawl_xasprintf("%s/html/report.html", PAWL_TEST_TMP), *page, *file;

    pawl_error_init(&err);
    fx_basic(&r);
    PAWL_ASSERT_OK(pawl_report_html_write(&r, NULL, path, &err), &err);
    page = html(&r, NULL);
    file = pawl_test_read_file(path);
    ck_assert_str_eq(file, page);
    /* A capped buffer too small for the page is left as it was. */
    pawl_buf_init(&cap, 100);
    pawl_buf_puts(&cap, "kept");
    ck_assert_int_eq(pawl_report_html_render(&cap, &r, NULL), -1);
    ck_assert_str_eq(cap.ptr, "kept");
    pawl_buf_release(&cap);
    PAWL_ASSERT_ERR(pawl_report_html_write(&r, NULL, "/dev/null/report.html", &err), &err, PAWL_EIO,
                    "cannot write '/dev/null/report.html': Not a directory");
    free(file);
    free(page);
    free(path);
    pawl_results_release(&r);
}
END_TEST

static Suite *html_suite(void)
{
    Suite *s = suite_create("report_html");
    TCase *tc = tcase_create("html");

    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_escape, 0, sizeof(escape_cases) / sizeof(escape_cases[0]));
    tcase_add_loop_test(tc, test_diff, 0, sizeof(diff_cases) / sizeof(diff_cases[0]));
    tcase_add_test(tc, test_diff_large);
    tcase_add_test(tc, test_compared_statuses);
    tcase_add_test(tc, test_compared_without_base);
    tcase_add_test(tc, test_plain_statuses);
    tcase_add_loop_test(tc, test_verdicts_without_cases, 0,
                        sizeof(verdict_cases) / sizeof(verdict_cases[0]));
    tcase_add_test(tc, test_errored_trials);
    tcase_add_test(tc, test_field_truncation);
    tcase_add_test(tc, test_passing_cap);
    tcase_add_test(tc, test_trial_cap);
    tcase_add_test(tc, test_size_bound);
    tcase_add_test(tc, test_write);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(html_suite());
}
