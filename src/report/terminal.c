/*
 * The short summary on stdout. Model output and dataset ids reach a
 * terminal here, and a terminal obeys escape sequences, so every control
 * character, stray byte and bidirectional override is shown as an escape
 * instead of being written.
 */
#include <math.h>
#include <string.h>

#include "pawl/agreement.h"
#include "pawl/report.h"
#include "report_impl.h"

#define TERM_CASES 20
#define TERM_DETAIL_MAX 200 /* bytes of the reason shown per case */
#define TERM_BROKEN 10      /* broken case ids named */

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define RESET "\033[0m"

/* C1 controls and the bidi controls that can reorder what a reader sees. */
static int unsafe_cp(long cp)
{
    return (cp >= 0x80 && cp < 0xA0) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

static void put_text(struct pawl_buf *b, const char *s, size_t max)
{
    size_t len = strlen(s), i = 0, used, k;

    while (i < len && i < max) {
        long cp = pawl_report_utf8_next(s + i, len - i, &used);

        if (cp < 0 || cp < 0x20 || cp == 0x7F) {
            for (k = 0; k < used; k++)
                pawl_buf_printf(b, "\\x%02x", (unsigned char)s[i + k]);
        } else if (unsafe_cp(cp)) {
            pawl_buf_printf(b, "\\u{%04lx}", cp);
        } else {
            pawl_buf_add(b, s + i, used);
        }
        i += used;
    }
    if (i < len)
        pawl_buf_puts(b, "...");
}

static void put_word(struct pawl_buf *b, const char *word, const char *color, int use_color)
{
    if (use_color && color)
        pawl_buf_printf(b, "%s%s%s", color, word, RESET);
    else
        pawl_buf_puts(b, word);
}

static void put_cases(struct pawl_buf *b, const struct pawl_results *r, int color)
{
    struct pawl_buf d = PAWL_BUF_INIT;
    size_t i, shown = 0, bad = 0;

    for (i = 0; i < r->n_cases; i++) {
        const struct pawl_case_result *c = &r->cases[i];
        if (c->passed && !c->errored)
            continue;
        if (bad++ >= TERM_CASES)
            continue;
        pawl_buf_puts(b, "  ");
        put_word(b, c->errored ? "ERROR" : "FAIL", RED, color);
        pawl_buf_putc(b, ' ');
        put_text(b, c->id ? c->id : "", TERM_DETAIL_MAX);
        pawl_buf_reset(&d);
        pawl_report_case_reason(&d, r, c);
        if (d.len) {
            pawl_buf_puts(b, "  ");
            put_text(b, d.ptr, TERM_DETAIL_MAX);
        }
        pawl_buf_putc(b, '\n');
        shown++;
    }
    if (bad > shown)
        pawl_buf_printf(b, "  ... and %zu more\n", bad - shown);
    pawl_buf_release(&d);
}

/* The ids of a line like "broken since baseline: a, b (2)": the first TERM_BROKEN are named. */
struct id_line {
    struct pawl_buf ids;
    size_t n;
};

static void id_line_add(struct id_line *l, const char *id)
{
    if (l->n < TERM_BROKEN) {
        if (l->n)
            pawl_buf_puts(&l->ids, ", ");
        put_text(&l->ids, id ? id : "", TERM_DETAIL_MAX);
    }
    l->n++;
}

/* Prints the line when it names any case, and releases `l`. */
static void id_line_put(struct pawl_buf *b, struct id_line *l, const char *label,
                        const char *label_color, int color)
{
    if (l->n) {
        pawl_buf_puts(b, "  ");
        put_word(b, label, label_color, color);
        pawl_buf_printf(b, " %s%s (%zu)\n", l->ids.ptr, l->n > TERM_BROKEN ? ", ..." : "", l->n);
    }
    pawl_buf_release(&l->ids);
}

/* Ids of the cases that passed in the baseline and fail now, on one line. */
static void put_broken(struct pawl_buf *b, const struct pawl_results *r, int color)
{
    const struct pawl_comparison *c = r->comparison;
    struct id_line line = {PAWL_BUF_INIT, 0};
    size_t i;

    for (i = 0; c && i < c->n_cases; i++)
        if (c->cases[i].change == PAWL_CHANGE_BROKEN)
            id_line_add(&line, c->cases[i].id);
    id_line_put(b, &line, "broken since baseline:", RED, color);
}

/* With repeats: the cases whose trials disagree, which no single run would reveal. */
static void put_flaky(struct pawl_buf *b, const struct pawl_results *r, int color)
{
    struct id_line line = {PAWL_BUF_INIT, 0};
    size_t i, passed;

    for (i = 0; i < r->n_cases; i++) {
        const struct pawl_case_result *c = &r->cases[i];
        if (c->n_trials < 2 || c->errored)
            continue;
        passed = pawl_results_passing_trials(r, c);
        if (passed > 0 && passed < c->n_trials)
            id_line_add(&line, c->id);
    }
    id_line_put(b, &line, "flaky (trials disagree):", YELLOW, color);
}

static void put_name(struct pawl_buf *b, const char *name, size_t width)
{
    size_t start;

    pawl_buf_puts(b, "  ");
    start = b->len;
    put_text(b, name ? name : "", 200);
    while (b->len - start < width)
        pawl_buf_putc(b, ' ');
    pawl_buf_puts(b, "  ");
}

/* "  correct  0.800 → 0.760  (Δ -0.040, 95% -0.090..+0.010)" */
static void put_compared(struct pawl_buf *b, const struct pawl_metric_comparison *m,
                         double confidence, size_t width)
{
    const char *name = m->metric ? m->metric : "";
    size_t start;

    put_name(b, name, width);
    pawl_report_put_fixed(b, name, m->base_mean);
    pawl_buf_puts(b, " → ");
    pawl_report_put_fixed(b, name, m->cand_mean);
    pawl_buf_puts(b, "  (Δ ");
    pawl_report_put_signed(b, name, m->delta);
    pawl_buf_puts(b, ", ");
    start = b->len;
    pawl_buf_printf(b, "%.4g%% ", confidence * 100);
    for (; start < b->len; start++)
        if (b->ptr[start] == ',')
            b->ptr[start] = '.';
    pawl_report_put_signed(b, name, m->ci.lo);
    pawl_buf_puts(b, "..");
    pawl_report_put_signed(b, name, m->ci.hi);
    pawl_buf_puts(b, ")\n");
}

static void put_metrics(struct pawl_buf *b, const struct pawl_results *r)
{
    const struct pawl_comparison *c = r->comparison;
    size_t i, width = 0, n_cmp = c ? c->n_metrics : 0;

    for (i = 0; i < r->n_metrics; i++)
        if (r->metrics[i].name && strlen(r->metrics[i].name) > width &&
            !pawl_agreement_is_metric(r->metrics[i].name))
            width = strlen(r->metrics[i].name);
    for (i = 0; i < n_cmp; i++)
        if (c->metrics[i].metric && strlen(c->metrics[i].metric) > width)
            width = strlen(c->metrics[i].metric);
    for (i = 0; i < r->n_metrics; i++) {
        const struct pawl_metric *m = &r->metrics[i];
        const struct pawl_metric_comparison *mc =
            m->name ? pawl_comparison_metric(c, m->name) : NULL;
        if (mc) {
            put_compared(b, mc, c->confidence, width);
            continue;
        }
        if (pawl_agreement_is_metric(m->name))
            continue; /* one line per judge below */
        put_name(b, m->name, width);
        /* A mean over nothing (every score errored) is no value, not a 0. */
        if (m->n == 0)
            pawl_buf_puts(b, "n/a");
        else
            pawl_report_put_fixed(b, m->name, m->mean);
        pawl_buf_printf(b, "  (n=%zu", m->n);
        if (m->n > 0 && m->has_ci) {
            pawl_buf_puts(b, ", ci ");
            pawl_report_put_fixed(b, m->name, m->ci_lo);
            pawl_buf_puts(b, "..");
            pawl_report_put_fixed(b, m->name, m->ci_hi);
        }
        pawl_buf_puts(b, ")\n");
    }
    /* Compared metrics that the run's own list lacks still get their line. */
    for (i = 0; i < n_cmp; i++)
        if (!c->metrics[i].metric || !pawl_results_metric(r, c->metrics[i].metric))
            put_compared(b, &c->metrics[i], c->confidence, width);
}

static void put_stat(struct pawl_buf *b, const char *label, const struct pawl_metric *m)
{
    if (!m)
        return;
    pawl_buf_printf(b, ", %s ", label);
    pawl_report_put_fixed(b, NULL, m->mean);
    if (m->has_ci && isfinite(m->mean)) {
        pawl_buf_puts(b, " [");
        pawl_report_put_fixed(b, NULL, m->ci_lo);
        pawl_buf_puts(b, ", ");
        pawl_report_put_fixed(b, NULL, m->ci_hi);
        pawl_buf_putc(b, ']');
    }
}

/* "  judge correct vs human labels: n=40, accuracy 0.875 [0.739, 0.945], kappa ..." */
static void put_agreement(struct pawl_buf *b, const struct pawl_results *r)
{
    struct pawl_agreement_view *v;
    size_t n = pawl_agreement_views(&v, r), i;

    for (i = 0; i < n; i++) {
        pawl_buf_puts(b, "  judge ");
        put_text(b, v[i].scorer, 200);
        pawl_buf_printf(b, " vs human labels: n=%.0f", v[i].n->mean);
        if (v[i].excluded)
            pawl_buf_printf(b, " (%.0f left out)", v[i].excluded->mean);
        put_stat(b, "accuracy", v[i].accuracy);
        put_stat(b, "kappa", v[i].kappa);
        put_stat(b, "mae", v[i].mae);
        put_stat(b, "spearman", v[i].spearman);
        pawl_buf_putc(b, '\n');
    }
    pawl_agreement_views_free(v, n);
}

static void put_rules(struct pawl_buf *b, const struct pawl_results *r, int color)
{
    static const char *const words[] = {"PASS", "FAIL", "INCONCLUSIVE", "ERROR"};
    static const char *const colors[] = {GREEN, RED, YELLOW, RED};
    size_t i;

    for (i = 0; i < r->n_rules; i++) {
        const struct pawl_rule_result *g = &r->rules[i];
        unsigned st = (unsigned)g->status < 4 ? (unsigned)g->status : 3;
        pawl_buf_puts(b, "  ");
        put_word(b, words[st], colors[st], color);
        pawl_buf_puts(b, "  ");
        put_text(b, g->rule ? g->rule : "", 200);
        if (g->has_actual && g->metric) {
            pawl_buf_puts(b, "  (");
            pawl_report_put_fixed(b, g->metric, g->actual);
            pawl_buf_putc(b, ')');
        } else if (g->has_actual && isfinite(g->actual)) {
            /* no_new_failures counts cases: "(2)", not "(2.000)". */
            pawl_buf_printf(b, "  (%.0f)", g->actual);
        }
        if (st != PAWL_RULE_PASS && g->message && *g->message) {
            pawl_buf_puts(b, "  ");
            put_text(b, g->message, TERM_DETAIL_MAX);
        }
        pawl_buf_putc(b, '\n');
    }
}

void pawl_report_terminal(FILE *fp, const struct pawl_results *r, int color)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    const char *v = r->verdict ? r->verdict : "error";
    size_t i, failed = 0, errored = 0;

    for (i = 0; i < r->n_cases; i++) {
        errored += r->cases[i].errored != 0;
        failed += !r->cases[i].errored && !r->cases[i].passed;
    }
    put_cases(&b, r, color);
    put_broken(&b, r, color);
    put_flaky(&b, r, color);
    put_metrics(&b, r);
    put_agreement(&b, r);
    put_rules(&b, r, color);
    pawl_buf_puts(&b, "pawl: ");
    if (strcmp(v, "pass") == 0)
        put_word(&b, "PASS", GREEN, color);
    else if (strcmp(v, "fail") == 0)
        put_word(&b, "FAIL", RED, color);
    else
        put_word(&b, "ERROR", RED, color);
    pawl_buf_printf(&b, " (%zu case%s, %zu failed, %zu errored%s)\n", r->n_cases,
                    r->n_cases == 1 ? "" : "s", failed, errored,
                    r->interrupted ? ", interrupted" : "");
    fwrite(b.ptr, 1, b.len, fp);
    pawl_buf_release(&b);
}
