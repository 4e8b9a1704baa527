/*
 * The HTML report's pictures: small SVG helpers, and the distributions of
 * scores, latency and cost. Coordinates are written with a '.' and one
 * decimal whatever the locale, so the page is the same bytes everywhere;
 * the colours come from the page's CSS classes, so dark mode applies.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/report.h"
#include "report_impl.h"

#define NAME_CHARS 200
#define BINS 10
#define CATEGORIES 12 /* categories drawn; the rest add up to "other" */
#define LABEL_CHARS 24

/* ---- numbers and scales ---- */

/* The smallest of 1, 2, 2.5, 5 times a power of ten that is >= v (v > 0). */
double pawl_svg_nice_ceil(double v)
{
    double p = pow(10, floor(log10(v))), steps[] = {1, 2, 2.5, 5, 10};
    size_t i;

    for (i = 0; i < 5; i++)
        if (steps[i] * p >= v * (1 - 1e-12))
            return steps[i] * p;
    return 10 * p;
}

double pawl_svg_x(const struct pawl_svg_scale *s, double v)
{
    double x = s->x0 + (v - s->lo) / (s->hi - s->lo) * (s->x1 - s->x0);

    return !isfinite(x) || x < s->x0 ? s->x0 : x > s->x1 ? s->x1 : x;
}

/* A coordinate with one decimal and a '.' whatever the locale. */
void pawl_svg_coord(struct pawl_buf *b, double v)
{
    long tenths = isfinite(v) && fabs(v) < 1e9 ? lround(v * 10) : 0;

    if (tenths < 0) {
        pawl_buf_putc(b, '-');
        tenths = -tenths;
    }
    pawl_buf_printf(b, "%ld.%ld", tenths / 10, tenths % 10);
}

void pawl_svg_line(struct pawl_buf *b, const char *cls, double x1, double y1, double x2, double y2)
{
    pawl_buf_printf(b, "<line class=\"%s\" x1=\"", cls);
    pawl_svg_coord(b, x1);
    pawl_buf_puts(b, "\" y1=\"");
    pawl_svg_coord(b, y1);
    pawl_buf_puts(b, "\" x2=\"");
    pawl_svg_coord(b, x2);
    pawl_buf_puts(b, "\" y2=\"");
    pawl_svg_coord(b, y2);
    pawl_buf_puts(b, "\"/>");
}

void pawl_svg_text(struct pawl_buf *b, double x, double y, const char *anchor)
{
    pawl_buf_puts(b, "<text x=\"");
    pawl_svg_coord(b, x);
    pawl_buf_puts(b, "\" y=\"");
    pawl_svg_coord(b, y);
    pawl_buf_printf(b, "\" text-anchor=\"%s\">", anchor);
}

void pawl_svg_rect(struct pawl_buf *b, const char *cls, double x, double y, double w, double h)
{
    pawl_buf_printf(b, "<rect class=\"%s\" x=\"", cls);
    pawl_svg_coord(b, x);
    pawl_buf_puts(b, "\" y=\"");
    pawl_svg_coord(b, y);
    pawl_buf_puts(b, "\" width=\"");
    pawl_svg_coord(b, w < 0 ? 0 : w);
    pawl_buf_puts(b, "\" height=\"");
    pawl_svg_coord(b, h < 0 ? 0 : h);
    pawl_buf_puts(b, "\"/>");
}

void pawl_svg_open(struct pawl_buf *b, double height, const char *label, const char *name)
{
    pawl_buf_puts(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 640 ");
    pawl_svg_coord(b, height);
    pawl_buf_printf(b, "\" role=\"img\" aria-label=\"%s ", label);
    pawl_html_text(b, name, NAME_CHARS);
    pawl_buf_puts(b, "\">");
}

/* Five ticks under a plot from y = top to y = axis. */
void pawl_svg_axis(struct pawl_buf *b, const struct pawl_svg_scale *s, const char *metric,
                   double top, double axis, int is_signed)
{
    int k;

    pawl_svg_line(b, "axis", s->x0, axis, s->x1, axis);
    for (k = 0; k <= 4; k++) {
        double v = s->lo + (s->hi - s->lo) * k / 4, x = pawl_svg_x(s, v);
        pawl_svg_line(b, "grid", x, top, x, axis);
        pawl_svg_text(b, x, axis + 15, k == 0 ? "start" : k == 4 ? "end" : "middle");
        if (is_signed)
            pawl_report_put_signed(b, metric, fabs(v) < 1e-12 ? 0 : v);
        else
            pawl_report_put_fixed(b, metric, v);
        pawl_buf_puts(b, "</text>");
    }
}

/* ---- distributions ---- */

static void put_share(struct pawl_buf *b, size_t k, size_t n)
{
    pawl_buf_puts(b, " (");
    pawl_report_put_number(b, n ? round(1000.0 * (double)k / (double)n) / 10 : 0);
    pawl_buf_puts(b, "%)");
}

/* BINS bars over [lo, hi], and the same counts as text. */
static void put_histogram(struct pawl_buf *b, const char *label, const char *name,
                          const char *metric, const double *v, size_t n, double lo, double hi)
{
    struct pawl_svg_scale s = {lo, hi, 40, 620};
    size_t count[BINS] = {0}, most = 0, i;
    double top = 18, axis = 118, w = (s.x1 - s.x0) / BINS;

    for (i = 0; i < n; i++) {
        double at = (v[i] - lo) / (hi - lo) * BINS;
        size_t k = at <= 0 || !isfinite(at) ? 0 : at >= BINS ? BINS - 1 : (size_t)at;
        if (++count[k] > most)
            most = count[k];
    }
    pawl_svg_open(b, axis + 22, label, name);
    pawl_svg_axis(b, &s, metric, axis, axis, 0);
    for (i = 0; i < BINS; i++) {
        double h = most ? (axis - top) * (double)count[i] / (double)most : 0;
        if (!count[i])
            continue;
        pawl_svg_rect(b, "bar", s.x0 + w * (double)i + 1, axis - h, w - 2, h);
        pawl_svg_text(b, s.x0 + w * ((double)i + 0.5), axis - h - 4, "middle");
        pawl_buf_printf(b, "%zu</text>", count[i]);
    }
    pawl_buf_puts(b, "</svg>\n<p class=\"nums\">");
    for (i = 0; i < BINS; i++) {
        pawl_buf_puts(b, i ? "; " : "");
        pawl_report_put_fixed(b, metric, lo + (hi - lo) * (double)i / BINS);
        pawl_buf_puts(b, "\xE2\x80\x93");
        pawl_report_put_fixed(b, metric, lo + (hi - lo) * (double)(i + 1) / BINS);
        pawl_buf_printf(b, ": %zu", count[i]);
    }
    pawl_buf_puts(b, "</p>\n");
}

static void put_numeric(struct pawl_buf *b, const char *name, const double *v, size_t n)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t i;

    for (i = 0; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    if (lo >= 0 && hi <= 1) {
        lo = 0;
        hi = 1;
    } else if (!(hi > lo)) {
        hi = lo + 1;
    }
    put_histogram(b, "distribution of", name, NULL, v, n, lo, hi);
}

static void put_boolean(struct pawl_buf *b, const char *name, size_t yes, size_t n)
{
    double w = n ? 580.0 * (double)yes / (double)n : 0;

    pawl_svg_open(b, 36, "true and false counts of", name);
    pawl_svg_rect(b, "okbar", 40, 6, w, 24);
    pawl_svg_rect(b, "badbar", 40 + w, 6, 580 - w, 24);
    pawl_buf_puts(b, "</svg>\n<p class=\"nums\">true ");
    pawl_html_count(b, yes);
    put_share(b, yes, n);
    pawl_buf_puts(b, ", false ");
    pawl_html_count(b, n - yes);
    put_share(b, n - yes, n);
    pawl_buf_puts(b, "</p>\n");
}

struct category {
    const char *name;
    size_t count;
};

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int by_count(const void *a, const void *b)
{
    const struct category *x = a, *y = b;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void put_categorical(struct pawl_buf *b, const char *name, const char **v, size_t n)
{
    struct category *cat = pawl_xcalloc(n + 1, sizeof(*cat));
    size_t k = 0, i, shown, other = 0;
    double row = 22;

    qsort(v, n, sizeof(*v), by_name);
    for (i = 0; i < n; i++) {
        if (!k || strcmp(cat[k - 1].name, v[i]) != 0)
            cat[k++].name = v[i];
        cat[k - 1].count++;
    }
    qsort(cat, k, sizeof(*cat), by_count);
    shown = k < CATEGORIES ? k : CATEGORIES;
    for (i = shown; i < k; i++)
        other += cat[i].count;
    pawl_svg_open(b, row * (double)(shown + (other > 0)) + 8, "category counts of", name);
    for (i = 0; i < shown + (other > 0); i++) {
        size_t c = i < shown ? cat[i].count : other;
        double y = row * (double)i + 4, w = n ? 360.0 * (double)c / (double)cat[0].count : 0;
        pawl_svg_text(b, 0, y + 14, "start");
        if (i < shown)
            pawl_html_text(b, cat[i].name, LABEL_CHARS);
        else
            pawl_buf_puts(b, "other");
        pawl_buf_puts(b, "</text>");
        pawl_svg_rect(b, "bar", 200, y + 2, w, row - 6);
        pawl_svg_text(b, 206 + w, y + 14, "start");
        pawl_buf_printf(b, "%zu</text>", c);
    }
    pawl_buf_puts(b, "</svg>\n<p class=\"nums\">");
    for (i = 0; i < shown; i++) {
        pawl_buf_puts(b, i ? "; " : "");
        pawl_html_text(b, cat[i].name, NAME_CHARS);
        pawl_buf_puts(b, ": ");
        pawl_html_count(b, cat[i].count);
    }
    if (other) {
        pawl_buf_printf(b, "; %zu other categor%s: ", k - shown, k - shown == 1 ? "y" : "ies");
        pawl_html_count(b, other);
    }
    pawl_buf_puts(b, "</p>\n");
    free(cat);
}

static void put_scorer(struct pawl_buf *b, const struct pawl_results *r, size_t j, double *num,
                       const char **cats)
{
    const char *name = r->scorer_names[j] ? r->scorer_names[j] : "";
    size_t i, t, n = 0, yes = 0, passed = 0, errors = 0;
    int type = -1;

    for (i = 0; i < r->n_cases; i++) {
        for (t = 0; t < r->cases[i].n_trials; t++) {
            const struct pawl_trial *tr = &r->cases[i].trials[t];
            const struct pawl_score *s = tr->scores ? &tr->scores[j] : NULL;
            if (!s)
                continue;
            if (s->errored) {
                errors++;
                continue;
            }
            if (type < 0)
                type = (int)s->type;
            if ((int)s->type != type)
                continue;
            passed += s->passed != 0;
            num[n] = s->value;
            cats[n] = s->category ? s->category : "";
            yes += s->value != 0;
            n++;
        }
    }
    pawl_buf_puts(b, "<figure>\n<h3>");
    pawl_html_text(b, name, NAME_CHARS);
    pawl_buf_printf(b, " <span class=\"meta\">%s</span></h3>\n",
                    type < 0 ? "no score" : pawl_score_type_name((enum pawl_score_type)type));
    if (type == PAWL_SCORE_NUMERIC && n)
        put_numeric(b, name, num, n);
    else if (type == PAWL_SCORE_BOOLEAN && n)
        put_boolean(b, name, yes, n);
    else if (type == PAWL_SCORE_CATEGORICAL && n)
        put_categorical(b, name, cats, n);
    pawl_buf_puts(b, "<p class=\"nums\">Passed ");
    pawl_html_count(b, passed);
    pawl_buf_puts(b, " of ");
    pawl_html_count(b, n);
    pawl_buf_printf(b, " score%s", n == 1 ? "" : "s");
    if (n)
        put_share(b, passed, n);
    if (errors) {
        pawl_buf_puts(b, "; ");
        pawl_html_count(b, errors);
        pawl_buf_printf(b, " scorer error%s", errors == 1 ? "" : "s");
    }
    pawl_buf_puts(b, ".</p>\n</figure>\n");
}

static void put_metric_text(struct pawl_buf *b, const struct pawl_results *r, const char *name,
                            const char *label, const char *prefix, int *any)
{
    const struct pawl_metric *m = pawl_results_metric(r, name);

    if (!m)
        return;
    pawl_buf_printf(b, "%s%s %s", *any ? " \xC2\xB7 " : "", label, prefix);
    pawl_report_put_fixed(b, name, m->mean);
    pawl_buf_puts(b, strstr(name, "_ms") ? " ms" : "");
    *any = 1;
}

static void put_latency_cost(struct pawl_buf *b, const struct pawl_results *r, double *v)
{
    size_t i, t, n = 0, cached = 0, calls = 0;
    double hi = 0;
    int any = 0;

    for (i = 0; i < r->n_cases; i++)
        for (t = 0; t < r->cases[i].n_trials; t++) {
            const struct pawl_trial *tr = &r->cases[i].trials[t];
            calls++;
            cached += tr->cached != 0;
            if (tr->latency_ms >= 0) {
                v[n] = (double)tr->latency_ms;
                hi = v[n] > hi ? v[n] : hi;
                n++;
            }
        }
    pawl_buf_puts(b, "<section id=\"latency\">\n<h2>Latency and cost</h2>\n<figure>\n"
                     "<h3>Latency</h3>\n<p>");
    put_metric_text(b, r, "latency_p50_ms", "p50", "", &any);
    put_metric_text(b, r, "latency_p95_ms", "p95", "", &any);
    put_metric_text(b, r, "latency_mean_ms", "mean", "", &any);
    /* The latency metrics leave errored calls out; the histogram below counts every call. */
    if (!any)
        pawl_buf_puts(b, n ? "No latency metrics: only calls that errored were timed. The "
                             "histogram counts them."
                           : "No latency was recorded.");
    pawl_buf_puts(b, "</p>\n");
    if (n)
        put_histogram(b, "histogram of", "latency", "latency_ms", v, n, 0,
                      BINS * ceil(hi > 0 ? pawl_svg_nice_ceil(hi / BINS) : 1));
    pawl_buf_puts(b, "</figure>\n<figure>\n<h3>Cost</h3>\n<p>");
    any = 0;
    put_metric_text(b, r, "cost_total", "total", "$", &any);
    put_metric_text(b, r, "tokens_total", "tokens", "", &any);
    if (!any)
        pawl_buf_puts(b, "No cost or token usage was recorded.");
    pawl_buf_puts(b, "</p>\n<p class=\"nums\">");
    pawl_html_count(b, calls);
    pawl_buf_printf(b, " call%s, ", calls == 1 ? "" : "s");
    pawl_html_count(b, cached);
    pawl_buf_puts(b, " answered from the cache.</p>\n</figure>\n</section>\n");
}

void pawl_html_distributions(struct pawl_buf *out, const struct pawl_results *r)
{
    size_t i, trials = 0;
    double *num;
    const char **cats;

    for (i = 0; i < r->n_cases; i++)
        trials += r->cases[i].n_trials;
    num = pawl_xcalloc(trials + 1, sizeof(*num));
    cats = pawl_xcalloc(trials + 1, sizeof(*cats));
    if (r->n_scorers) {
        pawl_buf_puts(out, "<section id=\"scores\">\n<h2>Scores</h2>\n");
        for (i = 0; i < r->n_scorers; i++)
            put_scorer(out, r, i, num, cats);
        pawl_buf_puts(out, "</section>\n");
    }
    put_latency_cost(out, r, num);
    free(cats);
    free(num);
}
