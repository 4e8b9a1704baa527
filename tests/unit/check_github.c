/* GitHub Actions: workflow command escaping, step outputs, annotations, the step summary. */
#define _XOPEN_SOURCE 700 /* realpath() */

#include <check.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "pawl/buf.h"
#include "pawl/fs.h"
#include "pawl/git.h"
#include "pawl/report.h"
#include "results_fixture.h"

#define FFFD "\xEF\xBF\xBD"
#define ELLIPSIS "\xE2\x80\xA6"

/* A fresh scratch directory outside any git repository, so paths resolve by $GITHUB_WORKSPACE. */
static char *scratch(void)
{
    char *dir = pawl_test_scratch_dir("/tmp", "pawl-check-github"), *real = realpath(dir, NULL);

    ck_assert_ptr_nonnull(real);
    free(dir);
    return real;
}

static void remove_scratch(char *dir)
{
    ck_assert_int_eq(pawl_test_remove_tree(dir), 0);
    free(dir);
}

static void github_env(const char *summary, const char *output, const char *workspace)
{
    setenv("GITHUB_ACTIONS", "true", 1);
    if (summary)
        setenv("GITHUB_STEP_SUMMARY", summary, 1);
    else
        unsetenv("GITHUB_STEP_SUMMARY");
    if (output)
        setenv("GITHUB_OUTPUT", output, 1);
    else
        unsetenv("GITHUB_OUTPUT");
    if (workspace)
        setenv("GITHUB_WORKSPACE", workspace, 1);
    else
        unsetenv("GITHUB_WORKSPACE");
}

/* ---- escaping ---- */

struct escape_case {
    const char *in;
    size_t len; /* 0: strlen */
    const char *data;
    const char *property;
};

static const struct escape_case escapes[] = {
    {"plain words", 0, "plain words", "plain words"},
    {"100% sure", 0, "100%25 sure", "100%25 sure"},
    {"%0A and %25", 0, "%250A and %2525", "%250A and %2525"},
    {"a\r\nb\nc\rd", 0, "a%0D%0Ab%0Ac%0Dd", "a%0D%0Ab%0Ac%0Dd"},
    {"::set-output name=x::y", 0, "::set-output name=x::y", "%3A%3Aset-output name=x%3A%3Ay"},
    {"a,b:c", 0, "a,b:c", "a%2Cb%3Ac"},
    {"##[set-output name=x;]y", 0, "##[set-output name=x;]y", "##[set-output name=x;]y"},
    {"\x1b[31mred\x1b[0m", 0, FFFD "[31mred" FFFD "[0m", FFFD "[31mred" FFFD "[0m"},
    {"tab\there", 0, "tab\there", "tab\there"},
    {"nul\0byte", 8, "nul" FFFD "byte", "nul" FFFD "byte"},
    {"del\x7f", 0, "del" FFFD, "del" FFFD},
    {"bad \xff\xfe utf8 \xe2\x82", 0, "bad " FFFD FFFD " utf8 " FFFD,
     "bad " FFFD FFFD " utf8 " FFFD},
    {"nel\xc2\x85line", 0, "nel" FFFD "line", "nel" FFFD "line"},
    {"ls\xe2\x80\xa8ps\xe2\x80\xa9", 0, "ls" FFFD "ps" FFFD, "ls" FFFD "ps" FFFD},
    {"rlo\xe2\x80\xae"
     "evil",
     0, "rlo" FFFD "evil", "rlo" FFFD "evil"},
    {"\xc3\xa9"
     "cole \xe2\x9c\x85",
     0,
     "\xc3\xa9"
     "cole \xe2\x9c\x85",
     "\xc3\xa9"
     "cole \xe2\x9c\x85"},
    {"", 0, "", ""},
};

START_TEST(test_escape)
{
    const struct escape_case *e = &escapes[_i];
    struct pawl_buf d = PAWL_BUF_INIT, p = PAWL_BUF_INIT;
    size_t len = e->len ? e->len : strlen(e->in);

    pawl_report_github_escape_data(&d, e->in, len);
    pawl_report_github_escape_property(&p, e->in, len);
    ck_assert_str_eq(d.ptr, e->data);
    ck_assert_str_eq(p.ptr, e->property);
    ck_assert_ptr_null(strpbrk(d.ptr, "\r\n"));
    pawl_buf_release(&d);
    pawl_buf_release(&p);
}
END_TEST

/* ---- outputs ---- */

struct output_case {
    const char *name, *value, *delim;
    int rc;
    const char *want;
};

static const struct output_case outputs[] = {
    {"verdict", "pass", NULL, 0, "verdict=pass\n"},
    {"exit-code", "1", NULL, 0, "exit-code=1\n"},
    {"junit", "", NULL, 0, "junit=\n"},
    {"results", "a=b<<EOF", NULL, 0, "results=a=b<<EOF\n"},
    {"summary", "two\nlines", "ghadelimiter_0123", 0,
     "summary<<ghadelimiter_0123\ntwo\nlines\nghadelimiter_0123\n"},
    {"summary", "cr\ronly", "D", 0, "summary<<D\ncr\ronly\nD\n"},
    {"summary", "x\nghadelimiter_0123\nverdict=pass", "ghadelimiter_0123", -1, ""},
    {"summary", "x\ny", "", -1, ""},
};

START_TEST(test_output)
{
    const struct output_case *o = &outputs[_i];
    struct pawl_buf b = PAWL_BUF_INIT;

    ck_assert_int_eq(pawl_report_github_output(&b, o->name, o->value, o->delim), o->rc);
    ck_assert_str_eq(b.ptr, o->want);
    pawl_buf_release(&b);
}
END_TEST

static void assert_random_delim(const char *text, const char *name, const char *value)
{
    size_t n = strlen(name), i;
    const char *d = text + n + 2, *nl;

    ck_assert_msg(strncmp(text, name, n) == 0 && strncmp(text + n, "<<ghadelimiter_", 15) == 0,
                  "not a heredoc: %s", text);
    for (i = 0; i < 32; i++)
        ck_assert_msg(strchr("0123456789abcdef", d[13 + i]) && d[13 + i], "not hex: %s", text);
    ck_assert_int_eq(d[45], '\n');
    nl = d + 46;
    ck_assert_int_eq(strncmp(nl, value, strlen(value)), 0);
    nl += strlen(value);
    ck_assert_int_eq(*nl, '\n');
    ck_assert_int_eq(strncmp(nl + 1, d, 45), 0);
    ck_assert_str_eq(nl + 46, "\n");
}

START_TEST(test_output_random_delimiter)
{
    struct pawl_buf a = PAWL_BUF_INIT, b = PAWL_BUF_INIT;

    ck_assert_int_eq(pawl_report_github_output(&a, "summary", "line one\nline two", NULL), 0);
    ck_assert_int_eq(pawl_report_github_output(&b, "summary", "line one\nline two", NULL), 0);
    assert_random_delim(a.ptr, "summary", "line one\nline two");
    assert_random_delim(b.ptr, "summary", "line one\nline two");
    ck_assert_str_ne(a.ptr, b.ptr);
    pawl_buf_release(&a);
    pawl_buf_release(&b);
}
END_TEST

START_TEST(test_random_hex)
{
    char a[PAWL_GITHUB_TOKEN_LEN], b[PAWL_GITHUB_TOKEN_LEN];

    ck_assert_int_eq(pawl_report_github_random_hex(a), 0);
    ck_assert_int_eq(pawl_report_github_random_hex(b), 0);
    ck_assert_uint_eq(strlen(a), 32);
    ck_assert_uint_eq(strspn(a, "0123456789abcdef"), 32);
    ck_assert_str_ne(a, b);
}
END_TEST

/* ---- annotations ---- */

static char *annotations(const struct pawl_results *r, const char *file)
{
    struct pawl_buf b = PAWL_BUF_INIT;

    pawl_report_github_annotations(&b, r, file);
    return pawl_buf_detach(&b, NULL);
}

START_TEST(test_annotations_failed)
{
    struct pawl_results r;
    char *got;

    fx_basic(&r);
    got = annotations(&r, "evals/qa.jsonl");
    ck_assert_str_eq(got, "::error file=evals/qa.jsonl,line=2,title=pawl%3A 'q2' failed::correct: "
                          "output does not contain 'Paris'; helpful: failed with score 0.250\n"
                          "::error file=evals/qa.jsonl,line=3,title=pawl%3A 'q3' errored::HTTP "
                          "503 from 'https://api.openai.com/v1/chat/completions'\n");
    free(got);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_annotations_without_file)
{
    struct pawl_results r;
    char *got;

    fx_basic(&r);
    r.cases[1].line = 0;
    got = annotations(&r, "my evals/q,a:1.jsonl");
    ck_assert_str_eq(got, "::error file=my evals/q%2Ca%3A1.jsonl,title=pawl%3A 'q2' failed::"
                          "correct: output does not contain 'Paris'; helpful: failed with score "
                          "0.250\n"
                          "::error file=my evals/q%2Ca%3A1.jsonl,line=3,title=pawl%3A 'q3' "
                          "errored::HTTP 503 from 'https://api.openai.com/v1/chat/completions'\n");
    free(got);
    got = annotations(&r, NULL);
    ck_assert_str_eq(got, "::error title=pawl%3A 'q2' failed::correct: output does not contain "
                          "'Paris'; helpful: failed with score 0.250\n"
                          "::error title=pawl%3A 'q3' errored::HTTP 503 from "
                          "'https://api.openai.com/v1/chat/completions'\n");
    free(got);
    pawl_results_release(&r);
}
END_TEST

/* With a baseline, only the cases that broke are annotated: not the still failing or errored. */
START_TEST(test_annotations_broken)
{
    struct pawl_results r;
    char *got;

    fx_compared(&r);
    got = annotations(&r, "evals/qa.jsonl");
    ck_assert_str_eq(got,
                     "::error file=evals/qa.jsonl,line=2,title=pawl%3A 'refund-1' broke since the "
                     "baseline::passed in the baseline, fails now: correct: output does not "
                     "contain 'within 30 days'; helpful: failed with score 0.300\n"
                     "::error file=evals/qa.jsonl,line=3,title=pawl%3A 'refund-2' broke since the "
                     "baseline::passed in the baseline, fails now: trial 1: correct: output does "
                     "not contain 'within 30 days'\n");
    free(got);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_annotations_none)
{
    struct pawl_results r;
    char *got;

    fx_init(&r, "smoke", NULL, 0);
    fx_case(&r, "q1", 1, 1);
    fx_output(&r, 0, 0, "ok", 1);
    got = annotations(&r, "evals/qa.jsonl");
    ck_assert_str_eq(got, "");
    free(got);
    pawl_results_release(&r);
}
END_TEST

/* The reason comes from the first trial that has one; trials that passed say nothing. */
START_TEST(test_annotations_trials)
{
    static const char *const scorers[] = {"correct", "score"};
    struct pawl_results r;
    char *got;

    fx_init(&r, "trials", scorers, 2);
    fx_case(&r, "flaky", 7, 3);
    fx_output(&r, 0, 0, "yes", 1);
    fx_output(&r, 0, 1, "no", 1);
    fx_score(&r, 0, 1, 0, PAWL_SCORE_BOOLEAN, 0, 0, NULL);
    fx_score(&r, 0, 1, 1, PAWL_SCORE_NUMERIC, 0.125, 0, NULL);
    fx_output(&r, 0, 2, "no", 1);
    fx_score(&r, 0, 2, 0, PAWL_SCORE_BOOLEAN, 0, 0, "third");
    got = annotations(&r, "d.jsonl");
    ck_assert_str_eq(got, "::error file=d.jsonl,line=7,title=pawl%3A 'flaky' failed::trial 2: "
                          "correct: failed; score: failed with score 0.125\n");
    free(got);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_annotations_limit)
{
    static const char *const scorers[] = {"correct"};
    struct pawl_results r;
    char id[16], *got, *p;
    size_t i, lines = 0;

    fx_init(&r, "many", scorers, 1);
    for (i = 0; i < 25; i++) {
        snprintf(id, sizeof(id), "c%zu", i);
        fx_case(&r, id, (int)i + 1, 1);
        fx_output(&r, i, 0, "no", 1);
        fx_score(&r, i, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, "nope");
    }
    got = annotations(&r, "d.jsonl");
    for (p = got; *p; p++)
        lines += *p == '\n';
    ck_assert_uint_eq(lines, PAWL_GITHUB_ANNOTATIONS_MAX);
    ck_assert_ptr_nonnull(strstr(got, "title=pawl%3A 'c9' failed::correct: nope\n"));
    ck_assert_ptr_null(strstr(got, "'c10'"));
    free(got);
    pawl_results_release(&r);
}
END_TEST

/*
 * What a model or an agent says reaches an annotation only through scorer
 * comments and call errors; whatever they quote stays inside one line that
 * is pawl's own ::error command.
 */
START_TEST(test_annotations_hostile)
{
    static const char *const scorers[] = {"correct"};
    struct pawl_results r;
    char *got;

    fx_init(&r, "hostile", scorers, 1);
    fx_case(&r, "::set-output name=verdict::pass\r\n::warning::x", 4, 1);
    fx_output(&r, 0, 0, "irrelevant: never echoed", 1);
    fx_score(&r, 0, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0,
             "output '::set-output name=x::y%0A::add-mask::z \x1b[2J' does not equal 'ok'\n"
             "::error::injected\r##[set-output name=v;]w");
    fx_case(&r, "agent", 5, 1);
    fx_error(&r, 1, 0, "agent exited with status 1: \n::stop-commands::abc\x1b]0;t\x07");
    got = annotations(&r, "evals/x.jsonl");
    ck_assert_str_eq(got,
                     "::error file=evals/x.jsonl,line=4,title=pawl%3A '%3A%3Aset-output "
                     "name=verdict%3A%3Apass%0D%0A%3A%3Awarning%3A%3Ax' failed::correct: output "
                     "'::set-output name=x::y%250A::add-mask::z " FFFD "[2J' does not equal "
                     "'ok'%0A::error::injected%0D##[set-output name=v;]w\n"
                     "::error file=evals/x.jsonl,line=5,title=pawl%3A 'agent' errored::agent "
                     "exited with status 1: %0A::stop-commands::abc" FFFD "]0;t" FFFD "\n");
    ck_assert_ptr_null(strstr(got, "never echoed"));
    free(got);
    pawl_results_release(&r);
}
END_TEST

START_TEST(test_annotations_clipped)
{
    static const char *const scorers[] = {"s"};
    struct pawl_results r;
    char *id = pawl_xmalloc(302), *comment = pawl_xmalloc(2002), *got, *want;

    memset(id, 'i', 300);
    memcpy(id + 199, "\xc3\xa9", 2); /* a 2-byte character across the 200-byte cut */
    id[300] = '\0';
    memset(comment, '%', 2000);
    comment[2000] = '\0';
    fx_init(&r, "long", scorers, 1);
    fx_case(&r, id, 1, 1);
    fx_output(&r, 0, 0, "x", 1);
    fx_score(&r, 0, 0, 0, PAWL_SCORE_BOOLEAN, 0, 0, comment);
    got = annotations(&r, NULL);
    /* 199 bytes of id, then "…"; "s: " and 997 '%' make the 1000 bytes of message. */
    {
        struct pawl_buf w = PAWL_BUF_INIT;
        size_t i;
        pawl_buf_puts(&w, "::error title=pawl%3A '");
        for (i = 0; i < 199; i++)
            pawl_buf_putc(&w, 'i');
        pawl_buf_puts(&w, ELLIPSIS "' failed::s: ");
        for (i = 0; i < 997; i++)
            pawl_buf_puts(&w, "%25");
        pawl_buf_puts(&w, ELLIPSIS "\n");
        want = pawl_buf_detach(&w, NULL);
    }
    ck_assert_str_eq(got, want);
    free(want);
    free(got);
    free(id);
    free(comment);
    pawl_results_release(&r);
}
END_TEST

/* ---- the whole report ---- */

struct workspace {
    char *dir, *summary, *output, *junit, *json, *md, *dataset;
};

static void workspace_init(struct workspace *w)
{
    struct pawl_error err;

    pawl_error_init(&err);
    w->dir = scratch();
    w->summary = pawl_xasprintf("%s/step_summary", w->dir);
    w->output = pawl_xasprintf("%s/output", w->dir);
    w->junit = pawl_xasprintf("%s/reports/pawl-junit.xml", w->dir);
    w->json = pawl_xasprintf("%s/reports/pawl-results.json", w->dir);
    w->md = pawl_xasprintf("%s/reports/pawl-summary.md", w->dir);
    w->dataset = pawl_xasprintf("%s/evals/qa.jsonl", w->dir);
    pawl_test_write_file(w->junit, "<testsuites/>\n");
    pawl_test_write_file(w->json, "{}\n");
    pawl_test_write_file(w->md, "# md\n");
    pawl_test_write_file(w->dataset, "{}\n");
}

static void workspace_release(struct workspace *w)
{
    remove_scratch(w->dir);
    free(w->summary);
    free(w->output);
    free(w->junit);
    free(w->json);
    free(w->md);
    free(w->dataset);
}

static int report(const struct workspace *w, const struct pawl_results *r, int exit_code,
                  char **printed, struct pawl_error *err)
{
    struct pawl_github_run run = {exit_code, w->dataset, w->junit, w->json, w->md, NULL};
    size_t len = 0;
    FILE *fp = open_memstream(printed, &len);
    int rc;

    ck_assert_ptr_nonnull(fp);
    rc = pawl_report_github(fp, r, NULL, &run, err);
    ck_assert_int_eq(fclose(fp), 0);
    return rc;
}

START_TEST(test_report_files)
{
    struct workspace w;
    struct pawl_results r;
    struct pawl_error err;
    struct pawl_buf md = PAWL_BUF_INIT;
    char *printed = NULL, *got;

    pawl_error_init(&err);
    workspace_init(&w);
    github_env(w.summary, w.output, w.dir);
    fx_basic(&r);
    pawl_test_write_file(w.output, "earlier=1\n");
    PAWL_ASSERT_OK(report(&w, &r, 1, &printed, &err), &err);

    ck_assert_int_eq(pawl_report_markdown_render(&md, &r), 0);
    got = pawl_test_read_file(w.summary);
    ck_assert_str_eq(got, md.ptr);
    free(got);
    got = pawl_test_read_file(w.output);
    ck_assert_str_eq(got, "earlier=1\n"
                          "verdict=fail\n"
                          "exit-code=1\n"
                          "junit=reports/pawl-junit.xml\n"
                          "results=reports/pawl-results.json\n"
                          "summary=reports/pawl-summary.md\n"
                          "html=\n");
    free(got);
    /* No repository here: the dataset is named relative to $GITHUB_WORKSPACE. */
    ck_assert_str_eq(printed, "::error file=evals/qa.jsonl,line=2,title=pawl%3A 'q2' failed::"
                              "correct: output does not contain 'Paris'; helpful: failed with "
                              "score 0.250\n"
                              "::error file=evals/qa.jsonl,line=3,title=pawl%3A 'q3' errored::"
                              "HTTP 503 from 'https://api.openai.com/v1/chat/completions'\n");
    free(printed);

    /* A second run in the same step appends after a blank line. */
    PAWL_ASSERT_OK(report(&w, &r, 1, &printed, &err), &err);
    got = pawl_test_read_file(w.summary);
    ck_assert_uint_eq(strlen(got), 2 * md.len + 1);
    ck_assert_int_eq(got[md.len], '\n');
    ck_assert_str_eq(got + md.len + 1, md.ptr);
    free(got);
    free(printed);
    pawl_buf_release(&md);
    pawl_results_release(&r);
    workspace_release(&w);
}
END_TEST

/* Paths outside the workspace are absolute; unset variables skip their part. */
START_TEST(test_report_outside_workspace)
{
    struct workspace w;
    struct pawl_results r;
    struct pawl_error err;
    char *printed = NULL, *got, *want, *other = scratch();

    pawl_error_init(&err);
    workspace_init(&w);
    github_env(NULL, w.output, other);
    fx_basic(&r);
    PAWL_ASSERT_OK(report(&w, &r, 0, &printed, &err), &err);
    got = pawl_test_read_file(w.output);
    want = pawl_xasprintf("verdict=fail\nexit-code=0\njunit=%s\nresults=%s\nsummary=%s\nhtml=\n", w.junit,
                          w.json, w.md);
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(access(w.summary, F_OK), -1);
    /* Neither a repository nor the workspace holds the dataset: annotations name no file. */
    ck_assert_str_eq(printed, "::error title=pawl%3A 'q2' failed::correct: output does not contain "
                              "'Paris'; helpful: failed with score 0.250\n"
                              "::error title=pawl%3A 'q3' errored::HTTP 503 from "
                              "'https://api.openai.com/v1/chat/completions'\n");
    free(want);
    free(got);
    free(printed);
    remove_scratch(other);
    pawl_results_release(&r);
    workspace_release(&w);
}
END_TEST

START_TEST(test_report_disabled)
{
    struct workspace w;
    struct pawl_results r;
    struct pawl_error err;
    char *printed = NULL, token[PAWL_GITHUB_TOKEN_LEN];
    const char *values[] = {NULL, "", "false", "TRUE", "1"};
    size_t i;

    pawl_error_init(&err);
    workspace_init(&w);
    fx_basic(&r);
    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        github_env(w.summary, w.output, w.dir);
        if (values[i])
            setenv("GITHUB_ACTIONS", values[i], 1);
        else
            unsetenv("GITHUB_ACTIONS");
        ck_assert_int_eq(pawl_report_github_enabled(), 0);
        PAWL_ASSERT_OK(report(&w, &r, 1, &printed, &err), &err);
        ck_assert_str_eq(printed, "");
        free(printed);
        ck_assert_int_eq(pawl_report_github_stop_commands(stdout, token), 0);
        ck_assert_str_eq(token, "");
    }
    ck_assert_int_eq(access(w.summary, F_OK), -1);
    ck_assert_int_eq(access(w.output, F_OK), -1);
    pawl_results_release(&r);
    workspace_release(&w);
}
END_TEST

/* A summary that cannot be written is an I/O error, and the exit-code output says 3. */
START_TEST(test_report_write_error)
{
    struct workspace w;
    struct pawl_results r;
    struct pawl_error err;
    char *printed = NULL, *got, *want;

    pawl_error_init(&err);
    workspace_init(&w);
    github_env(w.dir, w.output, w.dir);
    fx_basic(&r);
    want = pawl_xasprintf("cannot write the step summary '%s': Is a directory", w.dir);
    PAWL_ASSERT_ERR(report(&w, &r, 1, &printed, &err), &err, PAWL_EIO, want);
    ck_assert_int_eq(pawl_error_exit_code(&err), 3);
    got = pawl_test_read_file(w.output);
    ck_assert_str_eq(got, "verdict=fail\n"
                          "exit-code=3\n"
                          "junit=reports/pawl-junit.xml\n"
                          "results=reports/pawl-results.json\n"
                          "summary=reports/pawl-summary.md\n"
                          "html=\n");
    ck_assert_ptr_nonnull(strstr(printed, "::error file=evals/qa.jsonl,line=2,"));
    free(got);
    free(want);
    free(printed);

    /* An exit status already past the gate's (2, 3) is passed through. */
    pawl_error_init(&err);
    unlink(w.output);
    github_env(NULL, w.dir, w.dir);
    want = pawl_xasprintf("cannot write the step outputs '%s': Is a directory", w.dir);
    PAWL_ASSERT_ERR(report(&w, &r, 2, &printed, &err), &err, PAWL_EIO, want);
    free(want);
    free(printed);
    pawl_results_release(&r);
    workspace_release(&w);
}
END_TEST

/* The step summary file stays under GitHub's 1 MiB, whoever wrote to it first. */
START_TEST(test_report_summary_full)
{
    struct workspace w;
    struct pawl_results r;
    struct pawl_error err;
    struct stat st;
    char *printed = NULL, *got, *filler;
    static const char note[] = "\n**pawl: FAIL.** The summary does not fit in this step's summary; "
                               "read the Markdown report.\n";
    size_t fill = PAWL_GITHUB_SUMMARY_MAX - 200;

    pawl_error_init(&err);
    workspace_init(&w);
    github_env(w.summary, NULL, w.dir);
    fx_basic(&r);
    filler = pawl_xmalloc(PAWL_GITHUB_SUMMARY_MAX);
    memset(filler, 'x', fill);
    filler[fill] = '\0';
    pawl_test_write_file(w.summary, filler);
    PAWL_ASSERT_OK(report(&w, &r, 1, &printed, &err), &err);
    got = pawl_test_read_file(w.summary);
    ck_assert_uint_eq(strlen(got), fill + strlen(note));
    ck_assert_str_eq(got + fill, note);
    free(got);
    free(printed);

    /* No room even for the note: nothing is appended. */
    filler[PAWL_GITHUB_SUMMARY_MAX - 20] = '\0';
    memset(filler, 'y', PAWL_GITHUB_SUMMARY_MAX - 20);
    pawl_test_write_file(w.summary, filler);
    PAWL_ASSERT_OK(report(&w, &r, 1, &printed, &err), &err);
    ck_assert_int_eq(stat(w.summary, &st), 0);
    ck_assert_int_eq((long)st.st_size, (long)PAWL_GITHUB_SUMMARY_MAX - 20);
    free(printed);
    free(filler);
    pawl_results_release(&r);
    workspace_release(&w);
}
END_TEST

START_TEST(test_stop_commands)
{
    char token[PAWL_GITHUB_TOKEN_LEN], *text = NULL, *want;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);

    ck_assert_ptr_nonnull(fp);
    github_env(NULL, NULL, NULL);
    ck_assert_int_eq(pawl_report_github_stop_commands(fp, token), 1);
    fputs("  FAIL ::set-output name=x::y ##[set-output name=v;]w\n", fp);
    pawl_report_github_resume_commands(fp, token);
    pawl_report_github_resume_commands(fp, "");
    ck_assert_int_eq(fclose(fp), 0);
    ck_assert_uint_eq(strlen(token), 32);
    ck_assert_uint_eq(strspn(token, "0123456789abcdef"), 32);
    want = pawl_xasprintf("::stop-commands::%s\n  FAIL ::set-output name=x::y "
                          "##[set-output name=v;]w\n::%s::\n",
                          token, token);
    ck_assert_str_eq(text, want);
    free(want);
    free(text);
}
END_TEST

/* ---- repository-relative paths ---- */

START_TEST(test_repo_relative)
{
    git_repository *repo = NULL;
    struct pawl_error err;
    char *dir = scratch(), *path, *rel = NULL, *sub;

    pawl_error_init(&err);
    git_libgit2_init();
    ck_assert_int_eq(git_repository_init(&repo, dir, 0), 0);
    git_repository_free(repo);
    git_libgit2_shutdown();
    sub = pawl_xasprintf("%s/evals/sub", dir);
    PAWL_ASSERT_OK(pawl_fs_mkdirs(sub, &err), &err);

    path = pawl_xasprintf("%s/evals/sub/../qa.jsonl", dir); /* need not exist */
    PAWL_ASSERT_OK(pawl_git_repo_relative(&rel, path, &err), &err);
    ck_assert_str_eq(rel, "evals/qa.jsonl");
    free(rel);
    free(path);

    ck_assert_int_eq(chdir(sub), 0);
    PAWL_ASSERT_OK(pawl_git_repo_relative(&rel, "../../pawl.yaml", &err), &err);
    ck_assert_str_eq(rel, "pawl.yaml");
    free(rel);
    PAWL_ASSERT_OK(pawl_git_repo_relative(&rel, "x,y:z.csv", &err), &err);
    ck_assert_str_eq(rel, "evals/sub/x,y:z.csv");
    free(rel);
    ck_assert_int_eq(chdir("/"), 0);

    remove_scratch(dir);
    free(sub);
}
END_TEST

START_TEST(test_repo_relative_outside)
{
    struct pawl_error err;
    char *dir = scratch(), *path, *rel = NULL, *want;

    pawl_error_init(&err);
    path = pawl_xasprintf("%s/qa.jsonl", dir);
    want = pawl_xasprintf("'%s' is not inside a git repository", path);
    PAWL_ASSERT_ERR(pawl_git_repo_relative(&rel, path, &err), &err, PAWL_EDATA, want);
    ck_assert_ptr_null(rel);
    free(want);
    free(path);
    remove_scratch(dir);
}
END_TEST

static Suite *github_suite(void)
{
    Suite *s = suite_create("github");
    TCase *esc = tcase_create("escape");
    TCase *out = tcase_create("outputs");
    TCase *ann = tcase_create("annotations");
    TCase *rep = tcase_create("report");
    TCase *git = tcase_create("git");

    tcase_add_loop_test(esc, test_escape, 0, sizeof(escapes) / sizeof(escapes[0]));
    suite_add_tcase(s, esc);
    tcase_add_loop_test(out, test_output, 0, sizeof(outputs) / sizeof(outputs[0]));
    tcase_add_test(out, test_output_random_delimiter);
    tcase_add_test(out, test_random_hex);
    suite_add_tcase(s, out);
    tcase_add_test(ann, test_annotations_failed);
    tcase_add_test(ann, test_annotations_without_file);
    tcase_add_test(ann, test_annotations_broken);
    tcase_add_test(ann, test_annotations_none);
    tcase_add_test(ann, test_annotations_trials);
    tcase_add_test(ann, test_annotations_limit);
    tcase_add_test(ann, test_annotations_hostile);
    tcase_add_test(ann, test_annotations_clipped);
    suite_add_tcase(s, ann);
    tcase_add_test(rep, test_report_files);
    tcase_add_test(rep, test_report_outside_workspace);
    tcase_add_test(rep, test_report_disabled);
    tcase_add_test(rep, test_report_write_error);
    tcase_add_test(rep, test_report_summary_full);
    tcase_add_test(rep, test_stop_commands);
    suite_add_tcase(s, rep);
    tcase_add_test(git, test_repo_relative);
    tcase_add_test(git, test_repo_relative_outside);
    suite_add_tcase(s, git);
    return s;
}

int main(void)
{
    return pawl_test_run(github_suite());
}
