/*
 * JUnit XML: the sanitising escaper byte for byte, then whole reports
 * checked by two independent consumers, libxml2 against tests/data/junit.xsd
 * and junitparser (tests/support/junit_consumer.py, which checks the count
 * sums XML Schema cannot), plus a golden file for a plain run.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/buf.h"
#include "pawl/fs.h"
#include "pawl/report.h"
#include "results_fixture.h"

#define TMP PAWL_TEST_TMP "/junit"
#define XSD PAWL_TEST_DATA "/junit.xsd"
#define CONSUMER PAWL_TEST_DATA "/../support/junit_consumer.py"
#define FFFD "\xEF\xBF\xBD"

/* ---- the escaper ---- */

struct esc_case {
    const char *in;
    size_t len;
    const char *text; /* pawl_xml_escape */
    const char *attr; /* pawl_xml_escape_attr */
};

#define S(lit) lit, sizeof(lit) - 1

static const struct esc_case esc_cases[] = {
    {S("plain text"), "plain text", "plain text"},
    {S(""), "", ""},
    {S("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f", "a&amp;b&lt;c&gt;d&quot;e&apos;f"},
    {S("&amp;"), "&amp;amp;", "&amp;amp;"},
    {S("]]>"), "]]&gt;", "]]&gt;"},
    {S("t\tl\nr\r."), "t\tl\nr&#13;.", "t&#9;l&#10;r&#13;."},
    {S("\x00"), FFFD, FFFD},
    {S("a\x00z"), "a" FFFD "z", "a" FFFD "z"},
    {S("\x01\x08\x0b\x0c\x1f"), FFFD FFFD FFFD FFFD FFFD, FFFD FFFD FFFD FFFD FFFD},
    {S("\x1b[31mred\x1b[0m"), FFFD "[31mred" FFFD "[0m", FFFD "[31mred" FFFD "[0m"},
    {S("del\x7f"), "del\x7f", "del\x7f"},
    {S("nel\xC2\x85"), "nel\xC2\x85", "nel\xC2\x85"},
    {S("\xC3"), FFFD, FFFD},
    {S("\xC3("), FFFD "(", FFFD "("},
    {S("\xC3\xA9"), "\xC3\xA9", "\xC3\xA9"},
    {S("\xFF"), FFFD, FFFD},
    {S("\xFE\xFF"), FFFD FFFD, FFFD FFFD},
    {S("\xC0\xAF"), FFFD FFFD, FFFD FFFD},               /* overlong '/' */
    {S("\xE0\x80\xAF"), FFFD FFFD FFFD, FFFD FFFD FFFD}, /* overlong, 3 bytes */
    {S("\xED\xA0\x80"), FFFD FFFD FFFD, FFFD FFFD FFFD}, /* surrogate U+D800 */
    {S("\xED\x9F\xBF"), "\xED\x9F\xBF", "\xED\x9F\xBF"}, /* U+D7FF, just below */
    {S("\xE2\x82"), FFFD, FFFD},                         /* truncated euro: one maximal subpart */
    {S("\xE2\x82x"), FFFD "x", FFFD "x"},
    {S("\xE2\x82\xAC"), "\xE2\x82\xAC", "\xE2\x82\xAC"},
    {S("\xEF\xBF\xBE"), FFFD, FFFD}, /* U+FFFE */
    {S("\xEF\xBF\xBF"), FFFD, FFFD}, /* U+FFFF */
    {S("\xEF\xBF\xBD"), FFFD, FFFD},
    {S("\xF0\x9F\x9A\x80"), "\xF0\x9F\x9A\x80", "\xF0\x9F\x9A\x80"},
    {S("\xF0\x9F\x9A"), FFFD, FFFD},
    {S("\xF4\x8F\xBF\xBF"), "\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"},   /* U+10FFFF */
    {S("\xF4\x90\x80\x80"), FFFD FFFD FFFD FFFD, FFFD FFFD FFFD FFFD}, /* U+110000 */
    {S("\xF8\x88\x80\x80\x80"), FFFD FFFD FFFD FFFD FFFD, FFFD FFFD FFFD FFFD FFFD},
    {S("\x80"), FFFD, FFFD},
};

START_TEST(test_escape)
{
    const struct esc_case *c = &esc_cases[_i];
    struct pawl_buf b = PAWL_BUF_INIT;

    pawl_buf_puts(&b, "kept:");
    pawl_xml_escape(&b, c->in, c->len);
    ck_assert_str_eq(b.ptr + 5, c->text);
    ck_assert_uint_eq(b.len, 5 + strlen(c->text));
    pawl_buf_reset(&b);
    pawl_xml_escape_attr(&b, c->in, c->len);
    ck_assert_str_eq(b.ptr, c->attr);
    pawl_buf_release(&b);
}
END_TEST

struct utf8_case {
    const char *in;
    size_t len;
    long cp;
    size_t used;
};

static const struct utf8_case utf8_cases[] = {
    {S("A"), 'A', 1},
    {S("\xC2\x80"), 0x80, 2},
    {S("\xDF\xBF"), 0x7FF, 2},
    {S("\xE0\xA0\x80"), 0x800, 3},
    {S("\xE0\x9F\xBF"), -1, 1},
    {S("\xED\x9F\xBF"), 0xD7FF, 3},
    {S("\xEE\x80\x80"), 0xE000, 3},
    {S("\xF0\x90\x80\x80"), 0x10000, 4},
    {S("\xF0\x8F\xBF\xBF"), -1, 1},
    {S("\xF4\x8F\xBF\xBF"), 0x10FFFF, 4},
    {S("\xF4\x8F\xBF"), -1, 3},
    {S("\xF5\x80\x80\x80"), -1, 1},
    {S("\xC1\xBF"), -1, 1},
};

START_TEST(test_utf8_next)
{
    const struct utf8_case *c = &utf8_cases[_i];
    size_t used = 0;

    ck_assert_int_eq(pawl_report_utf8_next(c->in, c->len, &used), c->cp);
    ck_assert_uint_eq(used, c->used);
}
END_TEST

/* ---- whole reports ---- */

/* Every byte is well-formed UTF-8 and an XML 1.0 character. */
static void assert_xml_chars(const char *s, size_t len)
{
    size_t i = 0, used;

    while (i < len) {
        long cp = pawl_report_utf8_next(s + i, len - i, &used);
        ck_assert_msg(cp >= 0, "invalid UTF-8 at byte %zu", i);
        ck_assert_msg(cp >= 0x20 || cp == '\t' || cp == '\n' || cp == '\r',
                      "control U+%04lX at byte %zu", cp, i);
        ck_assert_msg(cp != 0xFFFE && cp != 0xFFFF, "non-character at byte %zu", i);
        i += used;
    }
}

/*
 * Writes the report, validates it against the schema with xmllint, counts it
 * with the Python consumer and returns the report text.
 */
static char *render_and_check(const struct pawl_results *r, const char *name,
                              const char *want_counts)
{
    struct pawl_error err;
    char *path, *log, *cmd, *counts, *text;
    int status;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_fs_mkdirs(TMP, &err), &err);
    path = pawl_xasprintf("%s/%s.xml", TMP, name);
    log = pawl_xasprintf("%s/%s.log", TMP, name);
    PAWL_ASSERT_OK(pawl_report_junit_write(r, path, &err), &err);
    text = pawl_test_read_file(path);
    assert_xml_chars(text, strlen(text));

    cmd = pawl_xasprintf("xmllint --noout --schema '%s' '%s' >'%s' 2>&1", XSD, path, log);
    status = system(cmd);
    free(cmd);
    if (status != 0) {
        char *out = pawl_test_read_file(log);
        ck_abort_msg("xmllint rejected %s (%d):\n%s", path, status, out);
    }

    cmd = pawl_xasprintf("/usr/bin/python3 '%s' '%s' >'%s' 2>&1", CONSUMER, path, log);
    status = system(cmd);
    free(cmd);
    counts = pawl_test_read_file(log);
    ck_assert_msg(status == 0, "junit_consumer.py failed (%d) on %s:\n%s", status, path, counts);
    ck_assert_str_eq(counts, want_counts);

    free(counts);
    free(log);
    free(path);
    return text;
}

static void assert_contains(const char *hay, const char *needle)
{
    ck_assert_msg(strstr(hay, needle) != NULL, "missing from report: %s", needle);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;

    for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
        n++;
    return n;
}

static void build_all_pass(struct pawl_results *r)
{
    static const char *const scorers[] = {"correct"};
    size_t i, c;
    char id[16];

    fx_init(r, "smoke", scorers, 1);
    for (i = 0; i < 3; i++) {
        snprintf(id, sizeof(id), "q%zu", i + 1);
        c = fx_case(r, id, (int)i + 1, 1);
        fx_output(r, c, 0, "Paris", 1500 + (long)i);
    }
    fx_metric(r, "correct", 1, 3, 0, 0, 0);
    fx_rule(r, "correct >= 0.8", "min", "correct", 0.8, 1, 1, PAWL_RULE_PASS,
            "correct is 1.00, above the minimum 0.80");
}

START_TEST(test_all_pass)
{
    struct pawl_results r;
    char *x;

    build_all_pass(&r);
    x = render_and_check(&r, "all_pass", "tests=4 failures=0 errors=0 skipped=0\n");
    assert_contains(x, "<testsuites name=\"pawl\" tests=\"4\" failures=\"0\" errors=\"0\" "
                       "skipped=\"0\" time=\"4.321\">");
    assert_contains(x, "<testsuite name=\"smoke\" tests=\"3\" failures=\"0\" errors=\"0\" "
                       "skipped=\"0\" time=\"4.321\" timestamp=\"2024-05-01T12:00:00\">");
    assert_contains(x, "<testcase classname=\"pawl.smoke\" name=\"q3\" file=\"evals/qa.jsonl\" "
                       "line=\"3\" time=\"1.502\">");
    assert_contains(x, "<testsuite name=\"smoke.gate\" tests=\"1\" failures=\"0\" errors=\"0\" "
                       "skipped=\"0\" time=\"0.000\"");
    ck_assert_ptr_null(strstr(x, "<failure"));
    ck_assert_ptr_null(strstr(x, "<error"));
    free(x);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_failures_and_errors)
{
    struct pawl_results r;
    char *x;

    fx_basic(&r);
    x = render_and_check(&r, "basic", "tests=7 failures=2 errors=2 skipped=0\n");
    assert_contains(x, "<failure type=\"pawl.CaseFailed\" message=\"correct: output does not "
                       "contain &apos;Paris&apos;&#10;helpful: failed with score 0.25\">correct: "
                       "output does not contain &apos;Paris&apos;\nhelpful: failed with score "
                       "0.25</failure>");
    assert_contains(x, "<error type=\"pawl.ProviderError\" message=\"HTTP 503 from "
                       "&apos;https://api.openai.com/v1/chat/completions&apos;\">");
    assert_contains(x, "<failure type=\"pawl.Threshold\" message=\"correct is 0.50, below the "
                       "minimum 0.80\">");
    assert_contains(x, "<system-out>inconclusive: correct changed by -0.010");
    assert_contains(x, "<error type=\"pawl.GateError\" message=\"no baseline to compare with\">");
    assert_contains(x, "<property name=\"score.helpful\" value=\"0.9\"/>");
    assert_contains(x, "<property name=\"comment.helpful\" value=\"clear and direct\"/>");
    free(x);
    pawl_results_release(&r);
}
END_TEST

/* Renders `r` and compares it with tests/data/report/<name>. */
static void assert_golden(const struct pawl_results *r, const char *name)
{
    struct pawl_buf b = PAWL_BUF_INIT;

    ck_assert_int_eq(pawl_report_junit_render(&b, r), 0);
    pawl_test_assert_golden(name, b.ptr);
    pawl_buf_release(&b);
}

START_TEST(test_golden)
{
    struct pawl_results r;

    fx_basic(&r);
    assert_golden(&r, "basic.junit.xml");
    pawl_results_release(&r);
}
END_TEST

/* Every kind with every status, and rule texts that repeat. */
START_TEST(test_gate_rules)
{
    static const char *const kinds[] = {"min", "max", "max_drop", "no_new_failures"};
    static const char *const want_type[] = {"pawl.Threshold", "pawl.Threshold", "pawl.Regression",
                                            "pawl.Regression"};
    struct pawl_results r;
    char rule[64], *x, *needle, *at;
    size_t k, s;

    build_all_pass(&r);
    for (k = 0; k < 4; k++) {
        for (s = 0; s < 4; s++) {
            snprintf(rule, sizeof(rule), "%s rule %zu", kinds[k], s);
            fx_rule(&r, rule, kinds[k], k == 3 ? NULL : "correct", 0.5, s != 3, 0.25,
                    (enum pawl_rule_status)s, s == 0 ? NULL : "why");
        }
    }
    fx_rule(&r, "correct >= 0.8", "min", "correct", 0.8, 1, 1, PAWL_RULE_PASS, NULL);
    fx_rule(&r, "correct >= 0.8 #2", "min", "correct", 0.8, 1, 1, PAWL_RULE_PASS, NULL);
    fx_rule(&r, "correct >= 0.8", "min", "correct", 0.8, 1, 1, PAWL_RULE_FAIL, NULL);
    fx_rule(&r, "", "max", "correct", 0.8, 1, 1, PAWL_RULE_PASS, NULL);
    /* 3 cases + 1 + 16 + 4 rules; 4 + 1 failures, 4 errors */
    x = render_and_check(&r, "gate", "tests=24 failures=5 errors=4 skipped=0\n");
    for (k = 0; k < 4; k++) {
        needle = pawl_xasprintf("name=\"%s rule 1\" time=\"0.000\">", kinds[k]);
        at = strstr(x, needle);
        ck_assert_msg(at != NULL, "missing %s", needle);
        free(needle);
        needle = pawl_xasprintf("<failure type=\"%s\"", want_type[k]);
        ck_assert_ptr_nonnull(strstr(at, needle));
        ck_assert(strstr(at, needle) < strstr(at, "</testcase>"));
        free(needle);
        needle = pawl_xasprintf("<property name=\"kind\" value=\"%s\"/>", kinds[k]);
        ck_assert_uint_eq(count_of(x, needle), k == 0 ? 4 + 4 : k == 1 ? 4 + 1 : 4);
        free(needle);
    }
    ck_assert_uint_eq(count_of(x, "type=\"pawl.Threshold\""), 3);
    ck_assert_uint_eq(count_of(x, "type=\"pawl.Regression\""), 2);
    ck_assert_uint_eq(count_of(x, "type=\"pawl.GateError\""), 4);
    ck_assert_uint_eq(count_of(x, "<system-out>inconclusive: why</system-out>"), 4);
    assert_contains(x, "<failure type=\"pawl.Threshold\" message=\"why\">why</failure>");
    assert_contains(x, "<failure type=\"pawl.Regression\" message=\"why\">why</failure>");
    /* The third "correct >= 0.8" cannot take "#2": a real rule already has that name. */
    assert_contains(x, "name=\"correct &gt;= 0.8\" time");
    assert_contains(x, "name=\"correct &gt;= 0.8 #2\" time");
    assert_contains(x, "name=\"correct &gt;= 0.8 #3\" time");
    assert_contains(x, "message=\"correct &gt;= 0.8: not met\"");
    assert_contains(x, "name=\"(unnamed rule)\" time");
    ck_assert_uint_eq(count_of(x, "<property name=\"actual\""), 4 * 3 + 1 + 4);
    free(x);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_trials)
{
    static const char *const scorers[] = {"correct", "tone"};
    struct pawl_results r;
    char *x;
    size_t c;

    fx_init(&r, "multi", scorers, 2);
    c = fx_case(&r, "flaky", 4, 3);
    fx_output(&r, c, 0, "Paris", 100);
    fx_output(&r, c, 1, "Lyon", 200);
    fx_score(&r, c, 1, 0, PAWL_SCORE_BOOLEAN, 0, 0, "output does not contain 'Paris'");
    fx_output(&r, c, 2, "Paris!", 300);
    fx_score(&r, c, 2, 1, PAWL_SCORE_CATEGORICAL, 2, 0, NULL);
    r.cases[c].trials[2].scores[1].category = pawl_xstrdup("rude");
    c = fx_case(&r, "partly-down", 5, 2);
    fx_output(&r, c, 0, "Paris", 100);
    fx_error(&r, c, 1, "timed out after 60s");
    c = fx_case(&r, "scorer-broke", 6, 1);
    fx_output(&r, c, 0, "x", 100);
    fx_score(&r, c, 0, 1, PAWL_SCORE_NUMERIC, 0, 0, "judge returned no score");
    r.cases[c].trials[0].scores[1].errored = 1;
    x = render_and_check(&r, "trials", "tests=3 failures=2 errors=1 skipped=0\n");
    assert_contains(x, "name=\"flaky\" file=\"evals/qa.jsonl\" line=\"4\" time=\"0.600\">");
    assert_contains(x, "message=\"trial 2: correct: output does not contain &apos;Paris&apos;&#10;"
                       "trial 3: tone: failed with category &apos;rude&apos;\"");
    assert_contains(x, "<property name=\"score.correct\" value=\"1, 0, 1\"/>");
    assert_contains(x, "<property name=\"score.tone\" value=\"1, 1, rude\"/>");
    assert_contains(x, "<property name=\"comment.correct\" value=\"trial 2: output does not "
                       "contain &apos;Paris&apos;\"/>");
    assert_contains(x, "<system-out>--- trial 1 ---\nParis\n--- trial 2 ---\nLyon\n--- trial 3 "
                       "---\nParis!\n</system-out>");
    assert_contains(x, "<error type=\"pawl.ProviderError\" message=\"trial 2: timed out after "
                       "60s\">trial 2: timed out after 60s</error>");
    assert_contains(x, "<property name=\"score.correct\" value=\"1, error\"/>");
    assert_contains(x, "message=\"tone: scorer error: judge returned no score\"");
    assert_contains(x, "<property name=\"score.tone\" value=\"error\"/>");
    free(x);
    pawl_results_release(&r);
}
END_TEST

/* Everything model output and datasets have been seen to contain. */
START_TEST(test_hostile)
{
    static const char *const scorers[] = {"correct", "<&'\">"};
    struct pawl_results r;
    struct pawl_buf id = PAWL_BUF_INIT, out = PAWL_BUF_INIT;
    char *x, *so, *end, *note;
    int i;
    size_t c;

    for (i = 1; i < 0x20; i++)
        pawl_buf_putc(&id, (char)i);
    pawl_buf_puts(&id, "\x1b[31mred\x1b[0m \xC3 \xFF \xC0\xAF \xED\xA0\x80 \xEF\xBF\xBE ]]> & < "
                       "\" ' \x7f end");
    pawl_buf_puts(&out, id.ptr);
    pawl_buf_putc(&out, '\n');
    for (i = 0; i < 100 * 1024; i++)
        pawl_buf_putc(&out, (char)('a' + i % 26));
    pawl_buf_puts(&out, "\n\xE2\x82\xAC tail");

    fx_init(&r, "hostile <suite> & \"co\"", scorers, 2);
    free(r.dataset_path);
    r.dataset_path = pawl_xstrdup("evals/q&a <1>.jsonl");
    c = fx_case(&r, id.ptr, 9, 1);
    fx_output(&r, c, 0, out.ptr, 1);
    fx_score(&r, c, 0, 1, PAWL_SCORE_BOOLEAN, 0, 0, id.ptr);
    /* Two different invalid ids that both sanitise to U+FFFD. */
    c = fx_case(&r, "\xFF", 10, 1);
    fx_output(&r, c, 0, "", 1);
    c = fx_case(&r, "\xFE", 11, 1);
    fx_error(&r, c, 0, "\x1b[2J cleared");
    fx_rule(&r, "<&'\"> >= 1", "min", "<&'\">", 1, 0, 0, PAWL_RULE_FAIL, id.ptr);

    x = render_and_check(&r, "hostile", "tests=4 failures=2 errors=1 skipped=0\n");
    assert_contains(x, "<testsuite name=\"hostile &lt;suite&gt; &amp; &quot;co&quot;\"");
    assert_contains(x, "classname=\"pawl.hostile &lt;suite&gt; &amp; &quot;co&quot;\"");
    assert_contains(x, "<testsuite name=\"hostile &lt;suite&gt; &amp; &quot;co&quot;.gate\"");
    assert_contains(x, "name=\"" FFFD FFFD FFFD FFFD FFFD FFFD FFFD FFFD "&#9;&#10;" FFFD FFFD
                       "&#13;" FFFD);
    assert_contains(x, FFFD "[31mred" FFFD "[0m " FFFD " " FFFD " " FFFD FFFD " " FFFD FFFD FFFD
                            " " FFFD " ]]&gt; &amp; &lt; &quot; &apos; \x7f end\"");
    assert_contains(x, "name=\"" FFFD "\" file=\"evals/q&amp;a &lt;1&gt;.jsonl\" line=\"10\"");
    assert_contains(x, "name=\"" FFFD " #2\" file=");
    assert_contains(x, "message=\"" FFFD "[2J cleared\"");
    assert_contains(x, "<property name=\"score.&lt;&amp;&apos;&quot;&gt;\" value=\"0\"/>");
    assert_contains(x, "<property name=\"metric\" value=\"&lt;&amp;&apos;&quot;&gt;\"/>");
    ck_assert_ptr_null(strstr(x, "]]>"));

    /* The 100 KB line is cut to 64 KiB with a note, and the text after it is gone. */
    so = strstr(x, "<system-out>");
    ck_assert_ptr_nonnull(so);
    end = strstr(so, "</system-out>");
    ck_assert_ptr_nonnull(end);
    note = pawl_xasprintf("\n[pawl: output truncated, 65536 of %zu bytes shown]</system-out>",
                          out.len);
    assert_contains(x, note);
    free(note);
    ck_assert_ptr_null(strstr(x, "tail"));
    ck_assert_uint_lt((size_t)(end - so), 65536 + 1024);
    ck_assert_uint_gt(out.len, 100 * 1024);

    free(x);
    pawl_buf_release(&id);
    pawl_buf_release(&out);
    pawl_results_release(&r);
}
END_TEST

/* No cases and no rules is still a well-formed report (the CLI refuses such runs). */
START_TEST(test_empty)
{
    struct pawl_results r;
    char *x;

    fx_init(&r, "", NULL, 0);
    r.duration_ms = -1;
    free(r.started_at);
    r.started_at = pawl_xstrdup("yesterday");
    x = render_and_check(&r, "empty", "tests=0 failures=0 errors=0 skipped=0\n");
    assert_contains(x, "<testsuite name=\"pawl\" tests=\"0\" failures=\"0\" errors=\"0\" "
                       "skipped=\"0\" time=\"0.000\">\n  </testsuite>\n</testsuites>\n");
    free(x);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_render_cap)
{
    struct pawl_results r;
    struct pawl_buf b;

    fx_basic(&r);
    pawl_buf_init(&b, 100);
    pawl_buf_puts(&b, "keep");
    ck_assert_int_eq(pawl_report_junit_render(&b, &r), -1);
    ck_assert_str_eq(b.ptr, "keep");
    pawl_buf_release(&b);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_write_error)
{
    struct pawl_results r;
    struct pawl_error err;

    pawl_error_init(&err);
    fx_basic(&r);
    ck_assert_int_eq(pawl_report_junit_write(&r, "/proc/pawl-no/junit.xml", &err), PAWL_EIO);
    ck_assert_int_eq(err.code, PAWL_EIO);
    pawl_results_release(&r);
}
END_TEST

/* ---- against a baseline ---- */

START_TEST(test_compared)
{
    static const char *const unchanged[] = {"q1", "q6", "q7", "q8"};
    struct pawl_results r;
    char *x, *at, *end, *prop;
    size_t i;

    fx_compared(&r);
    x = render_and_check(&r, "compared", "tests=12 failures=6 errors=1 skipped=0\n");
    /* Broken cases name themselves in the message reporters show, and in the text. */
    assert_contains(x, "<failure type=\"pawl.CaseFailed\" message=\"broken since baseline: "
                       "correct: output does not contain &apos;within 30 days&apos;&#10;helpful: "
                       "failed with score 0.3\">broken since baseline: correct: output does not "
                       "contain &apos;within 30 days&apos;\nhelpful: failed with score "
                       "0.3</failure>");
    assert_contains(x, "message=\"broken since baseline: trial 1: correct: output does not "
                       "contain &apos;within 30 days&apos;&#10;trial 2: correct:");
    ck_assert_uint_eq(count_of(x, "broken since baseline: "), 4);
    /* Still failing and flaky cases fail as before. */
    assert_contains(x, "<failure type=\"pawl.CaseFailed\" message=\"correct: output does not "
                       "contain &apos;Lyon&apos;\">");
    assert_contains(x, "<failure type=\"pawl.CaseFailed\" message=\"trial 2: correct: output "
                       "does not contain &apos;Madrid&apos;\">");
    /* The change is a property, first in the case's list. */
    assert_contains(x, "name=\"refund-1\" file=\"evals/qa.jsonl\" line=\"2\" time=\"1.045\">\n"
                       "      <properties>\n"
                       "        <property name=\"change\" value=\"broken\"/>\n"
                       "        <property name=\"score.correct\" value=\"0\"/>\n");
    assert_contains(x, "name=\"q4\" file=\"evals/qa.jsonl\" line=\"4\" time=\"0.700\">\n"
                       "      <properties>\n"
                       "        <property name=\"change\" value=\"fixed\"/>\n");
    assert_contains(x, "name=\"q5\" file=\"evals/qa.jsonl\" line=\"5\" time=\"1.830\">\n"
                       "      <properties>\n"
                       "        <property name=\"change\" value=\"flaky\"/>\n");
    ck_assert_uint_eq(count_of(x, "<property name=\"change\""), 4);
    /* Passing, still failing, errored and added cases carry no change. */
    for (i = 0; i < sizeof(unchanged) / sizeof(unchanged[0]); i++) {
        char *needle = pawl_xasprintf("name=\"%s\"", unchanged[i]);
        at = strstr(x, needle);
        ck_assert_ptr_nonnull(at);
        end = strstr(at, "</testcase>");
        prop = strstr(at, "name=\"change\"");
        ck_assert_msg(!prop || prop > end, "%s has a change property", unchanged[i]);
        free(needle);
    }
    /* Comparison rules: the gate's message, interval included, verbatim. */
    assert_contains(x, "<failure type=\"pawl.Regression\" message=\"helpful changed by -0.150 "
                       "(95% interval -0.240 to -0.060, bootstrap), beyond the allowed drop of "
                       "0.05\">helpful changed by -0.150 (95% interval -0.240 to -0.060, "
                       "bootstrap), beyond the allowed drop of 0.05</failure>");
    assert_contains(x, "<failure type=\"pawl.Regression\" message=\"2 cases passed in the "
                       "baseline and fail now: refund-1, refund-2\">");
    assert_contains(x, "<system-out>inconclusive: correct changed by -0.040 (95% interval "
                       "-0.090 to +0.010, mcnemar p=0.34); about 120 paired cases "
                       "would decide it (minimum detectable effect 0.071)</system-out>");
    free(x);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_compared_golden)
{
    struct pawl_results r;

    fx_compared(&r);
    assert_golden(&r, "compared.junit.xml");
    pawl_results_release(&r);
}
END_TEST

struct regression_case {
    const char *message;
    const char *want; /* the failure element */
};

static const struct regression_case regressions[] = {
    {"correct changed by -0.040 (95% interval -0.090 to -0.010, mcnemar p=0.011), beyond the "
     "allowed drop of 0.02",
     "<failure type=\"pawl.Regression\" message=\"correct changed by -0.040 (95% interval -0.090 "
     "to -0.010, mcnemar p=0.011), beyond the allowed drop of 0.02\">correct changed by -0.040 "
     "(95% interval -0.090 to -0.010, mcnemar p=0.011), beyond the allowed drop of "
     "0.02</failure>"},
    {"Δ −0.040 ∈ [−0.09, −0.01] <95%> & 'p' < 0.001\nsee \"docs\"",
     "<failure type=\"pawl.Regression\" message=\"Δ −0.040 ∈ [−0.09, −0.01] &lt;95%&gt; &amp; "
     "&apos;p&apos; &lt; 0.001&#10;see &quot;docs&quot;\">Δ −0.040 ∈ [−0.09, −0.01] &lt;95%&gt; "
     "&amp; &apos;p&apos; &lt; 0.001\nsee &quot;docs&quot;</failure>"},
    {"", "<failure type=\"pawl.Regression\" message=\"correct drops at most 0.02: not "
         "met\">correct drops at most 0.02: not met</failure>"},
};

/* A max_drop rule fed by a comparison fails as a regression with the gate's words. */
START_TEST(test_compared_regression)
{
    const struct regression_case *c = &regressions[_i];
    struct pawl_results r;
    char name[32], *x;

    build_all_pass(&r);
    fx_compare(&r, "b.json", NULL, NULL, 3);
    fx_cmp_metric(&r, "correct", 0.8, 0.76, -0.09, -0.01, "mcnemar", 0.01, 0.05, 3);
    fx_rule(&r, "correct drops at most 0.02", "max_drop", "correct", 0.02, 1, -0.04, PAWL_RULE_FAIL,
            c->message);
    snprintf(name, sizeof(name), "regression-%d", _i);
    x = render_and_check(&r, name, "tests=5 failures=1 errors=0 skipped=0\n");
    assert_contains(x, c->want);
    assert_contains(x, "<property name=\"kind\" value=\"max_drop\"/>\n"
                       "        <property name=\"metric\" value=\"correct\"/>\n"
                       "        <property name=\"threshold\" value=\"0.02\"/>\n"
                       "        <property name=\"actual\" value=\"-0.04\"/>\n");
    free(x);
    pawl_results_release(&r);
}
END_TEST

struct pair_case {
    const char *cand, *cmp; /* comma-separated ids; cmp NULL: no comparison */
    const char *want;       /* one index per candidate case, '-' for none; NULL: no array */
};

static const struct pair_case pairs[] = {
    {"a,b,c,d", "a,c,d", "0-12"}, {"a,b", "", "--"},   {"a,b", "b,a", "-0"},
    {"a,b,c", "a,b,c", "012"},    {"a,b", NULL, NULL}, {"", "a", NULL},
};

static size_t split_ids(char ***out, const char *csv)
{
    char *copy = pawl_xstrdup(csv), *save = NULL, *tok;
    size_t n = 0;

    *out = NULL;
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        *out = pawl_xreallocarray(*out, n + 1, sizeof(**out));
        (*out)[n++] = pawl_xstrdup(tok);
    }
    free(copy);
    return n;
}

/* Cases are paired in one walk; an id out of candidate order finds no pair. */
START_TEST(test_pair_cases)
{
    const struct pair_case *c = &pairs[_i];
    struct pawl_results r;
    char **ids;
    size_t n, i, *pair;

    fx_init(&r, "s", NULL, 0);
    n = split_ids(&ids, c->cand);
    for (i = 0; i < n; i++) {
        fx_case(&r, ids[i], (int)i + 1, 0);
        free(ids[i]);
    }
    free(ids);
    if (c->cmp) {
        fx_compare(&r, "b", NULL, NULL, 0);
        n = split_ids(&ids, c->cmp);
        for (i = 0; i < n; i++) {
            fx_cmp_case(&r, ids[i], 0, PAWL_CHANGE_PASSING, 1, 1);
            free(ids[i]);
        }
        free(ids);
    }
    pair = pawl_report_pair_cases(&r);
    if (!c->want) {
        ck_assert_ptr_null(pair);
    } else {
        ck_assert_ptr_nonnull(pair);
        for (i = 0; i < r.n_cases; i++) {
            if (c->want[i] == '-')
                ck_assert_uint_eq(pair[i], SIZE_MAX);
            else
                ck_assert_uint_eq(pair[i], (size_t)(c->want[i] - '0'));
        }
    }
    free(pair);
    pawl_results_release(&r);
}
END_TEST

/* ---- the two consumers do reject what they must ---- */

struct tamper {
    const char *from, *to;
    int xmllint_ok, consumer_ok;
};

static const struct tamper tampers[] = {
    {"type=\"pawl.Threshold\"", "type=\"date\"", 0, 1},
    {"type=\"pawl.CaseFailed\"", "type=\"yaml\"", 0, 1},
    {"time=\"0.812\"", "time=\"0.8\"", 0, 1},
    {"time=\"0.812\"", "time=\"0,812\"", 0, 1},
    {"name=\"q1\"", "name=\"\"", 0, 1},
    {" message=\"no baseline to compare with\"", "", 0, 1},
    {"tests=\"7\"", "tests=\"-7\"", 0, 0},
    {"tests=\"7\"", "tests=\"8\"", 1, 0},
    {"failures=\"1\" errors=\"1\"", "failures=\"2\" errors=\"1\"", 1, 0},
    {"name=\"q2\"", "name=\"q1\"", 1, 0},
    {"", "", 1, 1}, /* untouched */
};

static int run_quiet(const char *fmt, const char *a, const char *b)
{
    char *cmd = pawl_xasprintf(fmt, a, b);
    int status = system(cmd);

    free(cmd);
    return status;
}

START_TEST(test_consumers_reject)
{
    const struct tamper *t = &tampers[_i];
    struct pawl_results r;
    struct pawl_buf b = PAWL_BUF_INIT, x = PAWL_BUF_INIT;
    struct pawl_error err;
    char *path, *at;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_fs_mkdirs(TMP, &err), &err);
    fx_basic(&r);
    pawl_report_junit_render(&b, &r);
    at = *t->from ? strstr(b.ptr, t->from) : b.ptr;
    ck_assert_ptr_nonnull(at);
    pawl_buf_add(&x, b.ptr, (size_t)(at - b.ptr));
    pawl_buf_puts(&x, t->to);
    pawl_buf_puts(&x, at + strlen(t->from));
    path = pawl_xasprintf("%s/tampered-%d.xml", TMP, _i);
    PAWL_ASSERT_OK(pawl_fs_write_atomic(path, x.ptr, x.len, &err), &err);
    ck_assert_int_eq(run_quiet("xmllint --noout --schema '%s' '%s' >/dev/null 2>&1", XSD, path) ==
                         0,
                     t->xmllint_ok);
    ck_assert_int_eq(run_quiet("/usr/bin/python3 '%s' '%s' >/dev/null 2>&1", CONSUMER, path) == 0,
                     t->consumer_ok);
    free(path);
    pawl_buf_release(&b);
    pawl_buf_release(&x);
    pawl_results_release(&r);
}
END_TEST

static Suite *junit_suite(void)
{
    Suite *s = suite_create("junit");
    TCase *tc = tcase_create("escape");
    TCase *rep = tcase_create("report");

    tcase_add_loop_test(tc, test_escape, 0, sizeof(esc_cases) / sizeof(esc_cases[0]));
    tcase_add_loop_test(tc, test_utf8_next, 0, sizeof(utf8_cases) / sizeof(utf8_cases[0]));
    suite_add_tcase(s, tc);
    tcase_add_test(rep, test_all_pass);
    tcase_add_test(rep, test_failures_and_errors);
    tcase_add_test(rep, test_golden);
    tcase_add_test(rep, test_gate_rules);
    tcase_add_test(rep, test_trials);
    tcase_add_test(rep, test_hostile);
    tcase_add_test(rep, test_empty);
    tcase_add_test(rep, test_render_cap);
    tcase_add_test(rep, test_write_error);
    tcase_add_loop_test(rep, test_consumers_reject, 0, sizeof(tampers) / sizeof(tampers[0]));
    tcase_add_test(rep, test_compared);
    tcase_add_test(rep, test_compared_golden);
    tcase_add_loop_test(rep, test_compared_regression, 0,
                        sizeof(regressions) / sizeof(regressions[0]));
    tcase_add_loop_test(rep, test_pair_cases, 0, sizeof(pairs) / sizeof(pairs[0]));
    suite_add_tcase(s, rep);
    return s;
}

int main(void)
{
    return pawl_test_run(junit_suite());
}
