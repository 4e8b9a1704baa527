/*
 * report.h - rendering a run for people and CI systems.
 *
 * Each reporter writes from a finished struct pawl_results. Files are
 * written atomically. Text coming from models or datasets is sanitised for
 * the target format: XML drops C0 controls (but TAB, LF, CR), U+FFFE/U+FFFF
 * and invalid UTF-8 (each replaced by U+FFFD) before escaping.
 *
 * The _render functions append to `out` and return 0, or -1 with `out`
 * unchanged when its cap is too small for the report.
 */
#ifndef PAWL_REPORT_H
#define PAWL_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "pawl/buf.h"
#include "pawl/error.h"
#include "pawl/results.h"

/* JUnit XML as DESIGN.md 2.6. */
int pawl_report_junit_render(struct pawl_buf *out, const struct pawl_results *r);
int pawl_report_junit_write(const struct pawl_results *r, const char *path,
                            struct pawl_error *err);

/* Markdown summary (< 1 MiB; long outputs are truncated with a note). */
int pawl_report_markdown_render(struct pawl_buf *out, const struct pawl_results *r);
int pawl_report_markdown_write(const struct pawl_results *r, const char *path,
                               struct pawl_error *err);

/*
 * The same summary for a run compared with a baseline (cand->comparison set):
 * the metric table gains baseline, delta, interval and verdict columns, and
 * broken cases are shown in full, fixed and flaky ones folded. `base`, the
 * baseline's results, may be NULL; when given, each broken case shows the
 * baseline's output next to the candidate's. Without cand->comparison, this
 * is pawl_report_markdown_render() and `base` is ignored; the plain functions
 * are these with `base` NULL.
 */
int pawl_report_markdown_render_compared(struct pawl_buf *out, const struct pawl_results *cand,
                                         const struct pawl_results *base);
int pawl_report_markdown_write_compared(const struct pawl_results *cand,
                                        const struct pawl_results *base, const char *path,
                                        struct pawl_error *err);

/*
 * One self-contained HTML5 page (no network, no script; inline CSS and SVG):
 * the verdict, a chart per gated metric, score distributions, latency and
 * cost, and the cases with their inputs, outputs, scores and, against a
 * baseline (cand->comparison set, `base` given), a word-level diff of the
 * baseline's output to the candidate's. `base` may be NULL. Texts are cut
 * at PAWL_HTML_FIELD_CHARS characters, at most PAWL_HTML_PASSING passing
 * cases and PAWL_HTML_TRIALS trials per case are listed, and case details
 * stop at a size budget, each with a note, so that even 10,000 cases stay
 * within PAWL_HTML_MAX bytes.
 */
#define PAWL_HTML_FIELD_CHARS 2000
#define PAWL_HTML_PASSING 500
#define PAWL_HTML_TRIALS 10
#define PAWL_HTML_MAX (8 * 1024 * 1024)
int pawl_report_html_render(struct pawl_buf *out, const struct pawl_results *cand,
                            const struct pawl_results *base);
int pawl_report_html_write(const struct pawl_results *cand, const struct pawl_results *base,
                           const char *path, struct pawl_error *err);

/*
 * HTML text and double-quoted attribute values from untrusted bytes: what
 * XML cannot carry (pawl_xml_escape) and what HTML calls a parse error - C1
 * controls, DEL, noncharacters - becomes U+FFFD; CR and CRLF become LF
 * (HTML has no way to keep a CR); &<>"' are escaped; U+2028 and U+2029 are
 * written as character references.
 */
void pawl_html_escape(struct pawl_buf *out, const char *s, size_t len);

/*
 * A word-level diff of `a` (the baseline's text) to `b` (the candidate's),
 * escaped as pawl_html_escape() does: words and white-space runs are the
 * units; removed ones are wrapped in <del>, added ones in <ins>, a removed
 * run coming before the added run that replaces it.
 */
void pawl_html_diff(struct pawl_buf *out, const char *a, size_t alen, const char *b, size_t blen);

/* The short terminal table; `color` adds ANSI colour. */
void pawl_report_terminal(FILE *fp, const struct pawl_results *r, int color);

/*
 * Pairs r's cases with r->comparison->cases, which lists the paired cases in
 * candidate order: a new array of r->n_cases indexes into comparison->cases,
 * SIZE_MAX for a case without a pair (added since the baseline). NULL when r
 * has no comparison or no cases. The caller frees it.
 */
size_t *pawl_report_pair_cases(const struct pawl_results *r);

/* Replaces what XML 1.0 cannot carry and escapes &<>"' ; appends to `out`. */
void pawl_xml_escape(struct pawl_buf *out, const char *s, size_t len);
/* The same for attribute values, which also write TAB, LF and CR as character
 * references so parsers do not normalise them to spaces. */
void pawl_xml_escape_attr(struct pawl_buf *out, const char *s, size_t len);

/*
 * Decodes the UTF-8 sequence at `s` (len > 0) strictly: overlong forms,
 * surrogates and code points past U+10FFFF are ill-formed. Returns the code
 * point and sets *used to its length, or returns -1 with *used set to the
 * maximal ill-formed subpart (at least 1), which a reporter replaces by one
 * U+FFFD.
 */
long pawl_report_utf8_next(const char *s, size_t len, size_t *used);

/*
 * The escaping loop every format shares: `pick` gets each code point (-1 for
 * an invalid byte) and whether an LF follows it, and returns what to write
 * instead, or NULL to keep it. Runs of kept bytes are copied in one go.
 */
typedef const char *(*pawl_report_escape_fn)(long cp, int lf_follows, const void *ctx);
/* The markup languages' common five: the entity for & < > " or ' (written as `apos`), else NULL. */
const char *pawl_report_entity(long cp, const char *apos);
void pawl_report_escape(struct pawl_buf *out, const char *s, size_t len,
                        pawl_report_escape_fn pick, const void *ctx);

/*
 * GitHub Actions (DESIGN.md 2.6). Everything below is inert unless the
 * environment says GITHUB_ACTIONS=true.
 *
 * The runner reads every line a step prints on stdout or stderr and obeys
 * the ones that look like workflow commands: `::name props::data` once
 * leading white space is trimmed, and the legacy `##[name props]data`
 * anywhere in a line. Text from models, agents and datasets therefore only
 * reaches the log escaped inside one of pawl's own annotation lines, or
 * between stop_commands() and resume_commands().
 */
#define PAWL_GITHUB_ANNOTATIONS_MAX 10
#define PAWL_GITHUB_SUMMARY_MAX (1024 * 1024 - 1) /* GitHub refuses a step summary of 1 MiB */
#define PAWL_GITHUB_TOKEN_LEN 33                  /* 32 hex digits + NUL */

struct pawl_github_run {
    int exit_code;               /* the status pawl exits with; written as output exit-code */
    const char *dataset_fs_path; /* the dataset file on disk, for annotation paths; may be NULL */
    const char *junit;           /* report files as written (NULL when not written) */
    const char *results;
    const char *summary;
    const char *html;            /* NULL unless the HTML report was written */
};

/* 1 when GITHUB_ACTIONS is "true". */
int pawl_report_github_enabled(void);

/*
 * In GitHub Actions: appends the Markdown summary (compared with `base`
 * when r->comparison is set) to $GITHUB_STEP_SUMMARY, or a one-line note
 * when the file's 1 MiB would overflow; appends the outputs verdict,
 * exit-code, junit, results and summary to $GITHUB_OUTPUT (paths relative
 * to $GITHUB_WORKSPACE when inside it, else absolute); prints at most
 * PAWL_GITHUB_ANNOTATIONS_MAX `::error` lines on `fp` for the broken cases
 * (with a comparison) or the failed and errored cases (without one).
 * An unset variable skips its part. Failures to write are PAWL_EIO naming
 * the file; the parts after a failure are still attempted, and a failure
 * turns the exit-code output 0 or 1 into 3, the status pawl then exits with.
 */
int pawl_report_github(FILE *fp, const struct pawl_results *r, const struct pawl_results *base,
                       const struct pawl_github_run *run, struct pawl_error *err);

/* The annotation lines alone; `file` is the repository-relative dataset path or NULL. */
void pawl_report_github_annotations(struct pawl_buf *out, const struct pawl_results *r,
                                    const char *file);

/*
 * Workflow command escaping, as the runner unescapes: data turns '%', CR
 * and LF into %25, %0D, %0A; a property value also ':' and ',' into %3A,
 * %2C. Both replace what could break the line or mislead a reader -
 * invalid UTF-8, C0 controls but TAB, DEL, C1 controls, U+2028/U+2029 and
 * the bidirectional controls - with U+FFFD, so the result is one line.
 */
void pawl_report_github_escape_data(struct pawl_buf *out, const char *s, size_t len);
void pawl_report_github_escape_property(struct pawl_buf *out, const char *s, size_t len);

/*
 * One $GITHUB_OUTPUT entry: "name=value\n", or, when the value holds a CR
 * or LF, "name<<DELIM\nvalue\nDELIM\n". `delim` NULL draws
 * "ghadelimiter_" + 32 random hex digits; a delimiter that occurs in the
 * value is drawn again (a given one is refused). -1 when no delimiter can
 * be had, with `out` unchanged.
 */
int pawl_report_github_output(struct pawl_buf *out, const char *name, const char *value,
                              const char *delim);

/* 32 random hex digits from OpenSSL's RAND_bytes; -1 when it fails. */
int pawl_report_github_random_hex(char out[PAWL_GITHUB_TOKEN_LEN]);

/*
 * Brackets output the runner must not read as commands. In GitHub Actions
 * stop_commands() prints "::stop-commands::TOKEN" with a fresh random token,
 * flushes, and returns 1; elsewhere it prints nothing and returns 0.
 * resume_commands() prints "::TOKEN::" and flushes. A step that dies in
 * between only loses its own later commands: the runner keeps this state
 * per step.
 */
int pawl_report_github_stop_commands(FILE *fp, char token[PAWL_GITHUB_TOKEN_LEN]);
void pawl_report_github_resume_commands(FILE *fp, const char *token);

#endif
