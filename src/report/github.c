/*
 * GitHub Actions: the step summary, the step outputs and error annotations
 * on the dataset lines of the cases that broke.
 *
 * The runner treats any output line that looks like a workflow command as
 * one, so this file is the only place where pawl speaks that language, and
 * everything it says is escaped to exactly one physical line whose command
 * is pawl's own. Annotation messages come from scorer comments and call
 * errors, never from raw model output, but comments quote output and call
 * errors quote an agent's stderr, so they are escaped like any other data.
 */
/* realpath() is XSI, not plain POSIX.1-2008. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pawl/alloc.h"
#include "pawl/git.h"
#include "pawl/report.h"
#include "report_impl.h"

#define GH_TITLE_ID_MAX 200 /* bytes of a case id in an annotation title */
#define GH_MESSAGE_MAX 1000 /* bytes of an annotation message before escaping */
#define GH_DELIM_PREFIX "ghadelimiter_"
#define GH_DELIM_TRIES 8
#define REPLACEMENT "\xEF\xBF\xBD"
#define ELLIPSIS "\xE2\x80\xA6"

int pawl_report_github_enabled(void)
{
    const char *v = getenv("GITHUB_ACTIONS");
    return v && strcmp(v, "true") == 0;
}

/* What must not reach the log as itself: line breaks in disguise, terminal
 * controls, and the controls that reorder what a reader sees. */
static int unsafe_cp(long cp)
{
    return cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F ||
           (cp >= 0x80 && cp < 0xA0) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

static void escape(struct pawl_buf *out, const char *s, size_t len, int property)
{
    size_t i = 0, used;

    while (i < len) {
        long cp = pawl_report_utf8_next(s + i, len - i, &used);

        if (unsafe_cp(cp))
            pawl_buf_puts(out, REPLACEMENT);
        else if (cp == '%')
            pawl_buf_puts(out, "%25");
        else if (cp == '\r')
            pawl_buf_puts(out, "%0D");
        else if (cp == '\n')
            pawl_buf_puts(out, "%0A");
        else if (property && cp == ':')
            pawl_buf_puts(out, "%3A");
        else if (property && cp == ',')
            pawl_buf_puts(out, "%2C");
        else
            pawl_buf_add(out, s + i, used);
        i += used;
    }
}

void pawl_report_github_escape_data(struct pawl_buf *out, const char *s, size_t len)
{
    escape(out, s, len, 0);
}

void pawl_report_github_escape_property(struct pawl_buf *out, const char *s, size_t len)
{
    escape(out, s, len, 1);
}

int pawl_report_github_random_hex(char out[PAWL_GITHUB_TOKEN_LEN])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char bytes[(PAWL_GITHUB_TOKEN_LEN - 1) / 2];
    size_t i;

    out[0] = '\0';
    if (RAND_bytes(bytes, (int)sizeof(bytes)) != 1)
        return -1;
    for (i = 0; i < sizeof(bytes); i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[2 * i] = '\0';
    return 0;
}

int pawl_report_github_output(struct pawl_buf *out, const char *name, const char *value,
                              const char *delim)
{
    char drawn[sizeof(GH_DELIM_PREFIX) + PAWL_GITHUB_TOKEN_LEN];
    char hex[PAWL_GITHUB_TOKEN_LEN];
    int tries;

    if (!strpbrk(value, "\r\n")) {
        pawl_buf_printf(out, "%s=%s\n", name, value);
        return 0;
    }
    if (delim) {
        if (!*delim || strstr(value, delim))
            return -1;
    } else {
        /* A value that holds the delimiter would end the heredoc early and
         * let the rest of it define outputs of its own. */
        for (tries = 0;; tries++) {
            if (tries == GH_DELIM_TRIES || pawl_report_github_random_hex(hex) < 0)
                return -1;
            snprintf(drawn, sizeof(drawn), "%s%s", GH_DELIM_PREFIX, hex);
            if (!strstr(value, drawn))
                break;
        }
        delim = drawn;
    }
    pawl_buf_printf(out, "%s<<%s\n%s\n%s\n", name, delim, value, delim);
    return 0;
}

/* ---- annotations ---- */

static void put_clipped(struct pawl_buf *out, const char *s, size_t max, int property)
{
    size_t len = strlen(s), cut = pawl_report_utf8_cut(s, len, max);

    escape(out, s, cut, property);
    if (cut < len)
        pawl_buf_puts(out, ELLIPSIS);
}

static void put_annotation(struct pawl_buf *out, const struct pawl_results *r,
                           const struct pawl_case_result *c, const char *file, int broken)
{
    struct pawl_buf msg = PAWL_BUF_INIT;

    if (broken)
        pawl_buf_puts(&msg, "passed in the baseline, fails now: ");
    pawl_report_case_reason(&msg, r, c);
    if (!msg.len)
        pawl_buf_puts(&msg, "failed");

    pawl_buf_puts(out, "::error ");
    if (file) {
        pawl_buf_puts(out, "file=");
        pawl_report_github_escape_property(out, file, strlen(file));
        if (c->line > 0)
            pawl_buf_printf(out, ",line=%d", c->line);
        pawl_buf_putc(out, ',');
    }
    pawl_buf_puts(out, "title=pawl%3A '");
    put_clipped(out, c->id ? c->id : "", GH_TITLE_ID_MAX, 1);
    pawl_buf_puts(out, broken       ? "' broke since the baseline"
                       : c->errored ? "' errored"
                                    : "' failed");
    pawl_buf_puts(out, "::");
    put_clipped(out, msg.ptr, GH_MESSAGE_MAX, 0);
    pawl_buf_putc(out, '\n');
    pawl_buf_release(&msg);
}

void pawl_report_github_annotations(struct pawl_buf *out, const struct pawl_results *r,
                                    const char *file)
{
    size_t *pair = pawl_report_pair_cases(r);
    size_t i, n = 0;

    for (i = 0; i < r->n_cases && n < PAWL_GITHUB_ANNOTATIONS_MAX; i++) {
        const struct pawl_case_result *c = &r->cases[i];
        int broken = 0;

        if (r->comparison) {
            if (!pair || pair[i] == SIZE_MAX ||
                r->comparison->cases[pair[i]].change != PAWL_CHANGE_BROKEN)
                continue;
            broken = 1;
        } else if (c->passed && !c->errored) {
            continue;
        }
        put_annotation(out, r, c, file, broken);
        n++;
    }
    free(pair);
}

/* ---- paths ---- */

/* `abs` relative to directory `root` when inside it, else NULL. */
static char *inside(const char *abs, const char *root)
{
    char *real_root = root && *root ? realpath(root, NULL) : NULL;
    char *rel = NULL;
    size_t n;

    if (!real_root)
        return NULL;
    n = strlen(real_root);
    if (strcmp(real_root, "/") == 0)
        rel = pawl_xstrdup(abs + 1);
    else if (strncmp(abs, real_root, n) == 0 && abs[n] == '/' && abs[n + 1])
        rel = pawl_xstrdup(abs + n + 1);
    free(real_root);
    return rel;
}

/* A report path as later steps can use it: workspace-relative, else absolute. */
static char *output_path(const char *path, const char *workspace)
{
    char *abs, *rel;

    if (!path)
        return pawl_xstrdup("");
    abs = realpath(path, NULL);
    if (!abs)
        return pawl_xstrdup(path);
    rel = inside(abs, workspace);
    if (rel) {
        free(abs);
        return rel;
    }
    return abs;
}

/* The dataset as GitHub names files in annotations: relative to the repository root. */
static char *annotation_file(const char *fs_path, const char *workspace)
{
    char *rel = NULL, *abs;

    if (!fs_path)
        return NULL;
    if (pawl_git_repo_relative(&rel, fs_path, NULL) == 0)
        return rel;
    abs = realpath(fs_path, NULL);
    if (!abs)
        return NULL;
    rel = inside(abs, workspace);
    free(abs);
    return rel;
}

/* ---- files ---- */

static int append_file(const char *path, const char *what, const char *data, size_t len,
                       struct pawl_error *err)
{
    FILE *fp = fopen(path, "ab");
    int ok;

    if (!fp)
        return pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot write the %s '%s': %s", what, path,
                              strerror(errno));
    ok = fwrite(data, 1, len, fp) == len;
    ok = fclose(fp) == 0 && ok;
    if (!ok)
        return pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot write the %s '%s': %s", what, path,
                              strerror(errno));
    return 0;
}

static int append_summary(const char *path, const struct pawl_results *r,
                          const struct pawl_results *base, struct pawl_error *err)
{
    struct pawl_buf b;
    struct stat st;
    size_t have = 0;
    const char *v = r->verdict ? r->verdict : "error";
    int rc = 0;

    if (stat(path, &st) == 0 && st.st_size > 0)
        have = (size_t)st.st_size;
    if (have >= PAWL_GITHUB_SUMMARY_MAX)
        return 0;
    /* The cap makes the whole file, not only our part, stay under GitHub's limit. */
    pawl_buf_init(&b, PAWL_GITHUB_SUMMARY_MAX - have);
    if (have)
        pawl_buf_putc(&b, '\n');
    if (pawl_report_markdown_render_compared(&b, r, base) < 0) {
        /* Earlier steps filled most of the file: say the verdict, point at the report. */
        pawl_buf_printf(&b,
                        "**pawl: %s.** The summary does not fit in this step's summary; "
                        "read the Markdown report.\n",
                        strcmp(v, "pass") == 0   ? "PASS"
                        : strcmp(v, "fail") == 0 ? "FAIL"
                                                 : "ERROR");
    }
    if (b.len > (have ? 1u : 0u))
        rc = append_file(path, "step summary", b.ptr, b.len, err);
    pawl_buf_release(&b);
    return rc;
}

static int write_outputs(const char *path, const struct pawl_results *r, int exit_code,
                         const struct pawl_github_run *run, struct pawl_error *err)
{
    const char *ws = getenv("GITHUB_WORKSPACE");
    const char *names[] = {"junit", "results", "summary", "html"};
    const char *paths[] = {run->junit, run->results, run->summary, run->html};
    struct pawl_buf b = PAWL_BUF_INIT;
    char code[16];
    size_t i;
    int rc = 0;

    snprintf(code, sizeof(code), "%d", exit_code);
    pawl_report_github_output(&b, "verdict", r->verdict ? r->verdict : "error", NULL);
    pawl_report_github_output(&b, "exit-code", code, NULL);
    for (i = 0; i < sizeof(names) / sizeof(names[0]) && rc == 0; i++) {
        char *p = output_path(paths[i], ws);
        if (pawl_report_github_output(&b, names[i], p, NULL) < 0)
            rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0,
                                "cannot write the step outputs '%s': no random delimiter", path);
        free(p);
    }
    /* All or nothing: half a set of outputs would read as a different run. */
    if (rc == 0)
        rc = append_file(path, "step outputs", b.ptr, b.len, err);
    pawl_buf_release(&b);
    return rc;
}

int pawl_report_github(FILE *fp, const struct pawl_results *r, const struct pawl_results *base,
                       const struct pawl_github_run *run, struct pawl_error *err)
{
    const char *summary = getenv("GITHUB_STEP_SUMMARY"), *output = getenv("GITHUB_OUTPUT");
    struct pawl_buf ann = PAWL_BUF_INIT;
    struct pawl_error local;
    char *file = NULL;
    int exit_code = run->exit_code;

    if (!pawl_report_github_enabled())
        return 0;
    pawl_error_init(&local);
    if (summary && *summary)
        append_summary(summary, r, base, &local);
    /* The caller exits with the first report error when the gate itself decided 0 or 1. */
    if (local.code && (exit_code == 0 || exit_code == 1))
        exit_code = pawl_error_exit_code(&local);
    if (output && *output)
        write_outputs(output, r, exit_code, run, &local);

    file = annotation_file(run->dataset_fs_path, getenv("GITHUB_WORKSPACE"));
    pawl_report_github_annotations(&ann, r, file);
    if (ann.len && (fwrite(ann.ptr, 1, ann.len, fp) != ann.len || fflush(fp) != 0))
        pawl_error_set(&local, PAWL_EIO, NULL, 0, 0, "cannot write annotations: %s",
                       strerror(errno));
    free(file);
    pawl_buf_release(&ann);
    if (!local.code)
        return 0;
    return pawl_error_set(err, local.code, local.source[0] ? local.source : NULL, local.line,
                          local.col, "%s", local.msg);
}

int pawl_report_github_stop_commands(FILE *fp, char token[PAWL_GITHUB_TOKEN_LEN])
{
    token[0] = '\0';
    if (!pawl_report_github_enabled() || pawl_report_github_random_hex(token) < 0)
        return 0;
    fprintf(fp, "::stop-commands::%s\n", token);
    fflush(fp);
    return 1;
}

void pawl_report_github_resume_commands(FILE *fp, const char *token)
{
    if (!token || !*token)
        return;
    fprintf(fp, "::%s::\n", token);
    fflush(fp);
}
