/*
 * report.h - rendering a run for people and CI systems.
 *
 * Each reporter writes from a finished struct pawl_results. Files are
 * written atomically. Text coming from models or datasets is sanitised for
 * the target format: XML drops C0 controls (but TAB, LF, CR), U+FFFE/U+FFFF
 * and invalid UTF-8 (each replaced by U+FFFD) before escaping.
 */
#ifndef PAWL_REPORT_H
#define PAWL_REPORT_H

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

/* The short terminal table; `color` adds ANSI colour. */
void pawl_report_terminal(FILE *fp, const struct pawl_results *r, int color);

/* Replaces what XML 1.0 cannot carry and escapes &<>"' ; appends to `out`. */
void pawl_xml_escape(struct pawl_buf *out, const char *s, size_t len);

#endif
