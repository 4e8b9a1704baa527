/*
 * report_impl.h - internal: the formatting the reporters in src/report/ share
 * (src/report/common.c), so a number or a failure reads the same in every report.
 */
#ifndef PAWL_REPORT_IMPL_H
#define PAWL_REPORT_IMPL_H

#include <stddef.h>

#include "pawl/buf.h"
#include "pawl/results.h"

/* The largest length <= max of `s` (len bytes) that does not split a UTF-8 sequence. */
size_t pawl_report_utf8_cut(const char *s, size_t len, size_t max);

/* "%.6g", with a '.' whatever LC_NUMERIC says: reports must not change with the locale. */
void pawl_report_put_number(struct pawl_buf *b, double v);

/*
 * A metric's value: whole milliseconds for a metric named "*_ms", else three
 * decimals; "n/a" when not finite. `metric` may be NULL (three decimals).
 * put_signed always shows the sign, and a change that rounds to zero reads
 * "+0.000", never "-0.000".
 */
void pawl_report_put_fixed(struct pawl_buf *b, const char *metric, double v);
void pawl_report_put_signed(struct pawl_buf *b, const char *metric, double v);

/*
 * Appends why case `c` of `r` did not pass, from its first trial that has a
 * reason: the call's error, or its failing scorers as "name: comment; ..."
 * ("trial N: " first when the case has several trials). Appends nothing when
 * no trial has a reason.
 */
void pawl_report_case_reason(struct pawl_buf *out, const struct pawl_results *r,
                             const struct pawl_case_result *c);

/* ---- the HTML report (src/report/html*.c) ---- */

/* The byte length of the first `max_chars` characters of `s`; *cut_chars says how many
 * characters were left out (0 when all fit). An ill-formed sequence counts as one. */
size_t pawl_html_cut(const char *s, size_t len, size_t max_chars, size_t *cut_chars);

/* A count with thousands separators ("10,000"), whatever the locale. */
void pawl_html_count(struct pawl_buf *b, size_t n);

/* "<p class=cut>N more characters not shown</p>"; nothing when cut_chars is 0. */
void pawl_html_cut_note(struct pawl_buf *b, size_t cut_chars);

/* Inline text, escaped, cut at max_chars characters with an ellipsis. */
void pawl_html_text(struct pawl_buf *b, const char *s, size_t max_chars);

/* A <pre class="cls"> block of at most PAWL_HTML_FIELD_CHARS characters and its cut note. */
void pawl_html_pre(struct pawl_buf *b, const char *cls, const char *s, size_t len);

/*
 * The case list: filters by status, then one folded <details> per case.
 * Stops adding details once `out` reaches `budget` bytes, and rows once it
 * reaches `limit`, saying so.
 */
void pawl_html_cases(struct pawl_buf *out, const struct pawl_results *cand,
                     const struct pawl_results *base, size_t budget, size_t limit);

/* SVG pieces (src/report/html_svg.c). A scale maps [lo, hi] onto [x0, x1], clamped. */
struct pawl_svg_scale {
    double lo, hi, x0, x1;
};
double pawl_svg_nice_ceil(double v); /* the least 1, 2, 2.5 or 5 times 10^k >= v > 0 */
double pawl_svg_x(const struct pawl_svg_scale *s, double v);
void pawl_svg_coord(struct pawl_buf *b, double v); /* one decimal, '.' in any locale */
void pawl_svg_line(struct pawl_buf *b, const char *cls, double x1, double y1, double x2,
                   double y2);
void pawl_svg_rect(struct pawl_buf *b, const char *cls, double x, double y, double w, double h);
/* Opens <text> at (x, y); the caller writes the escaped text and </text>. */
void pawl_svg_text(struct pawl_buf *b, double x, double y, const char *anchor);
/* Opens a 640-wide <svg> labelled "label name" for screen readers. */
void pawl_svg_open(struct pawl_buf *b, double height, const char *label, const char *name);
/* A horizontal axis with five ticks and grid lines from `top`. */
void pawl_svg_axis(struct pawl_buf *b, const struct pawl_svg_scale *s, const char *metric,
                   double top, double axis, int is_signed);

/* The score distributions per scorer, then latency and cost. */
void pawl_html_distributions(struct pawl_buf *out, const struct pawl_results *r);

/* The trial whose output is most worth reading: the first with a failing score, else the
 * first with an output; c->n_trials when no trial has one. */
size_t pawl_report_pick_trial(const struct pawl_results *r, const struct pawl_case_result *c);

#endif
