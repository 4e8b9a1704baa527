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

#endif
