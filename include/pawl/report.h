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

#endif
