/*
 * The HTML report: one self-contained page a reviewer opens from a CI
 * artifact. It must work from file:// with no network and no script, so
 * the styles are inline and the charts are SVG drawn here; a Content
 * Security Policy forbids everything else, which also means a page that
 * somehow carried injected markup could still not run or load anything.
 * Every number a chart shows is also written as text.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/fs.h"
#include "pawl/report.h"
#include "report_impl.h"

/* Case details stop at BUDGET bytes and case rows at LIMIT, which leaves PAWL_HTML_MAX room
 * for the last case (at most PAWL_HTML_TRIALS trials of cut texts) and the end of the page. */
#define BUDGET (5 * 1024 * 1024)
#define LIMIT (7 * 1024 * 1024)
#define NAME_CHARS 200

static const char css[] =
    ":root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;"
    "--panel:#f6f8fa;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--accent:#0969da;"
    "--ins:#dafbe1;--del:#ffebe9}\n"
    "@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;"
    "--line:#3d444d;--panel:#151b23;--ok:#3fb950;--bad:#f85149;--warn:#d29922;"
    "--accent:#4493f8;--ins:#12361f;--del:#4a1c1c}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"
    "'Segoe UI',sans-serif}\n"
    "main{max-width:1100px;margin:0 auto;padding:1rem}\n"
    "h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.2rem;margin:2rem 0 .6rem;"
    "border-bottom:1px solid var(--line)}h3{font-size:1rem;margin:1.2rem 0 .4rem}"
    "h4,h5{font-size:.9rem;margin:.8rem 0 .3rem}\n"
    /* The banner keeps its colours in both schemes: white text needs the darker shades. */
    ".banner{border-radius:8px;padding:.8rem 1rem;color:#fff;background:#9a6700}\n"
    ".banner p{margin:.2rem 0}.v-pass{background:#1a7f37}.v-fail{background:#cf222e}\n"
    ".verdict{font-size:1.6rem;font-weight:700;letter-spacing:.05em}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:1rem 0}\n"
    "dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;margin:.4rem 0}th,td{border:1px solid var(--line);"
    "padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:var(--panel)}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    ".st-pass,.ok>td:nth-child(3){color:var(--ok)}.st-fail,.bad>td:nth-child(3){color:var(--bad)}"
    ".st-inconclusive,.st-error{color:var(--warn)}\n"
    "figure{margin:1rem 0;padding:.6rem;border:1px solid var(--line);border-radius:8px}\n"
    "svg{display:block;width:100%;max-width:640px;height:auto;font:12px system-ui,sans-serif}\n"
    "svg text{fill:var(--fg)}svg .axis{stroke:var(--muted)}svg .grid{stroke:var(--line)}\n"
    "svg .base{fill:var(--muted);stroke:var(--muted)}svg .cand{fill:var(--accent);"
    "stroke:var(--accent)}\n"
    "svg .ci{stroke-width:2}svg .thr{stroke:var(--bad);stroke-dasharray:4 3}\n"
    "svg .zero{stroke:var(--fg)}svg .bar{fill:var(--accent)}svg .okbar{fill:var(--ok)}"
    "svg .badbar{fill:var(--bad)}\n"
    ".nums,.meta,.note,.cut{color:var(--muted);font-size:.85rem}\n"
    ".cut{font-style:italic}\n"
    "pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;"
    "padding:.5rem;margin:.2rem 0;white-space:pre-wrap;overflow-wrap:anywhere;"
    "font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;max-height:30rem;overflow:auto}\n"
    /* A replacement glued to what it replaces would read as one word: 30 -> 14 as "3014". */
    "del{background:var(--del);color:inherit}ins{background:var(--ins);color:inherit;"
    "text-decoration:none}del+ins{margin-left:.4em}\n"
    ".f{position:absolute;opacity:0}\n"
    ".f+label{display:inline-block;margin:.15rem .3rem .15rem 0;padding:.15rem .6rem;"
    "border:1px solid var(--line);border-radius:1rem;cursor:pointer}\n"
    ".f:checked+label{background:var(--accent);border-color:var(--accent);color:#fff}\n"
    ".f:focus-visible+label{outline:2px solid var(--accent);outline-offset:2px}\n"
    "#f-broken:checked~.list>.case:not(.s-broken),#f-fixed:checked~.list>.case:not(.s-fixed),"
    "#f-flaky:checked~.list>.case:not(.s-flaky),#f-failing:checked~.list>.case:not(.s-failing),"
    "#f-errored:checked~.list>.case:not(.s-errored),"
    "#f-passing:checked~.list>.case:not(.s-passing){display:none}\n"
    ".list{margin-top:.6rem}\n"
    "details.case{border:1px solid var(--line);border-radius:6px;margin:.3rem 0}\n"
    "details.case>summary{padding:.35rem .6rem;cursor:pointer;overflow-wrap:anywhere}\n"
    ".body{padding:0 .8rem .6rem;border-top:1px solid var(--line)}\n"
    ".badge{display:inline-block;min-width:4.5rem;text-align:center;border-radius:1rem;"
    "font-size:.8rem;padding:0 .4rem;color:#fff;background:var(--muted)}\n"
    ".b-broken,.b-failing{background:var(--bad)}.b-errored,.b-flaky{background:var(--warn)}"
    ".b-fixed,.b-passing{background:var(--ok)}\n"
    ".id{font-family:ui-monospace,monospace;font-weight:600}.loc,.why{color:var(--muted)}\n"
    ".err{color:var(--bad)}.trial{border-left:3px solid var(--line);padding-left:.6rem;"
    "margin:.6rem 0}\n"
    "td.comment{white-space:pre-wrap;overflow-wrap:anywhere;min-width:12rem}\n"
    "@media (max-width:600px){main{padding:.5rem}dl.facts{grid-template-columns:1fr}"
    "dl.facts dd{margin-bottom:.4rem}}\n";

/* ---- header, facts, gate ---- */

static void put_duration(struct pawl_buf *b, long ms)
{
    if (ms < 0)
        pawl_buf_puts(b, "unknown");
    else if (ms < 1000)
        pawl_buf_printf(b, "%ld ms", ms);
    else if (ms < 60000)
        pawl_buf_printf(b, "%ld.%ld s", ms / 1000, ms % 1000 / 100);
    else
        pawl_buf_printf(b, "%ld min %ld s", ms / 60000, ms % 60000 / 1000);
}

static const char *verdict_of(const struct pawl_results *r)
{
    const char *v = r->verdict ? r->verdict : "error";

    return strcmp(v, "pass") == 0 ? "pass" : strcmp(v, "fail") == 0 ? "fail" : "error";
}

static void put_banner(struct pawl_buf *b, const struct pawl_results *r)
{
    const char *v = verdict_of(r);
    size_t i, failed = 0, errored = 0;

    for (i = 0; i < r->n_cases; i++) {
        errored += r->cases[i].errored != 0;
        failed += !r->cases[i].errored && !r->cases[i].passed;
    }
    pawl_buf_printf(b, "<header class=\"banner v-%s\">\n<p class=\"verdict\">%s%s</p>\n<h1>", v,
                    v[0] == 'p'   ? "PASS"
                    : v[0] == 'f' ? "FAIL"
                                  : "ERROR",
                    r->interrupted ? " (interrupted)" : "");
    pawl_html_text(b, r->suite && *r->suite ? r->suite : "pawl", NAME_CHARS);
    pawl_buf_puts(b, "</h1>\n<p>");
    pawl_html_count(b, r->n_cases);
    pawl_buf_printf(b, " case%s: ", r->n_cases == 1 ? "" : "s");
    pawl_html_count(b, r->n_cases - failed - errored);
    pawl_buf_puts(b, " passed, ");
    pawl_html_count(b, failed);
    pawl_buf_puts(b, " failed, ");
    pawl_html_count(b, errored);
    pawl_buf_puts(b, " errored.");
    if (r->interrupted)
        pawl_buf_puts(b, " The run was interrupted: these results are partial.");
    pawl_buf_puts(b, "</p>\n</header>\n");
}

static void put_fact(struct pawl_buf *b, const char *term, const char *value)
{
    pawl_buf_printf(b, "<dt>%s</dt><dd>", term);
    pawl_html_text(b, value ? value : "", NAME_CHARS);
    pawl_buf_puts(b, "</dd>\n");
}

static void put_short(struct pawl_buf *b, const char *s, size_t n)
{
    size_t len = strlen(s);

    pawl_html_escape(b, s, pawl_report_utf8_cut(s, len, n));
}

static void put_facts(struct pawl_buf *b, const struct pawl_results *r)
{
    const struct pawl_comparison *c = r->comparison;

    pawl_buf_puts(b, "<dl class=\"facts\">\n");
    put_fact(b, "run", r->run_id);
    if (r->git.present) {
        pawl_buf_puts(b, "<dt>git</dt><dd>");
        pawl_html_text(b, r->git.ref ? r->git.ref : "detached HEAD", NAME_CHARS);
        if (r->git.commit[0]) {
            pawl_buf_puts(b, " @ <code>");
            put_short(b, r->git.commit, 12);
            pawl_buf_puts(b, "</code>");
        }
        if (r->git.dirty)
            pawl_buf_puts(b, " with uncommitted changes");
        pawl_buf_puts(b, "</dd>\n");
    }
    pawl_buf_puts(b, "<dt>dataset</dt><dd>");
    pawl_html_text(b, r->dataset_path ? r->dataset_path : "", NAME_CHARS);
    if (r->dataset_ref) {
        pawl_buf_puts(b, " at ");
        pawl_html_text(b, r->dataset_ref, NAME_CHARS);
    }
    pawl_buf_puts(b, ", ");
    pawl_html_count(b, r->n_cases);
    pawl_buf_puts(b, " of ");
    pawl_html_count(b, r->dataset_cases);
    pawl_buf_puts(b, " cases");
    if (r->dataset_blob[0]) {
        pawl_buf_puts(b, ", blob <code>");
        put_short(b, r->dataset_blob, 12);
        pawl_buf_puts(b, "</code>");
    }
    pawl_buf_puts(b, "</dd>\n");
    put_fact(b, "started", r->started_at);
    pawl_buf_puts(b, "<dt>duration</dt><dd>");
    put_duration(b, r->duration_ms);
    pawl_buf_puts(b, "</dd>\n");
    if (c) {
        pawl_buf_puts(b, "<dt>baseline</dt><dd>");
        pawl_html_text(b, c->baseline && *c->baseline ? c->baseline : "the baseline", NAME_CHARS);
        if (c->baseline_run_id && *c->baseline_run_id) {
            pawl_buf_puts(b, ", run ");
            pawl_html_text(b, c->baseline_run_id, NAME_CHARS);
        }
        if (c->baseline_commit && *c->baseline_commit) {
            pawl_buf_puts(b, ", commit <code>");
            put_short(b, c->baseline_commit, 12);
            pawl_buf_puts(b, "</code>");
        }
        pawl_buf_puts(b, "; ");
        pawl_html_count(b, c->n_paired);
        pawl_buf_printf(b, " paired case%s", c->n_paired == 1 ? "" : "s");
        if (c->dataset_changed)
            pawl_buf_printf(b, "; %zu added and %zu dropped since the baseline", c->n_added,
                            c->n_dropped);
        pawl_buf_puts(b, "</dd>\n");
    }
    put_fact(b, "pawl", r->pawl_version);
    pawl_buf_puts(b, "</dl>\n");
}

static const char *const rule_status[] = {"pass", "fail", "inconclusive", "error"};

static const char *status_word(enum pawl_rule_status st)
{
    return (unsigned)st < 4 ? rule_status[st] : rule_status[3];
}

static void put_gate(struct pawl_buf *b, const struct pawl_results *r)
{
    size_t i;

    pawl_buf_puts(b, "<section id=\"gate\">\n<h2>Gate</h2>\n");
    if (!r->n_rules) {
        pawl_buf_puts(b, "<p>No gate rule was evaluated.</p>\n</section>\n");
        return;
    }
    pawl_buf_puts(b, "<div class=\"scroll\"><table><thead><tr><th>rule</th><th>status</th>"
                     "<th>message</th></tr></thead><tbody>\n");
    for (i = 0; i < r->n_rules; i++) {
        const struct pawl_rule_result *g = &r->rules[i];
        const char *st = status_word(g->status);
        pawl_buf_puts(b, "<tr><td>");
        pawl_html_text(b, g->rule ? g->rule : "", NAME_CHARS);
        pawl_buf_printf(b, "</td><td class=\"st-%s\">%s</td><td>", st, st);
        pawl_html_text(b, g->message ? g->message : "", PAWL_HTML_FIELD_CHARS);
        pawl_buf_puts(b, "</td></tr>\n");
    }
    pawl_buf_puts(b, "</tbody></table></div>\n</section>\n");
}

/* ---- a chart per gated metric ---- */

struct point {
    const char *label, *cls;
    double v;
    int has_ci;
    double lo, hi;
};

static int is_amount(const char *metric)
{
    size_t n = strlen(metric);

    return (n > 3 && strcmp(metric + n - 3, "_ms") == 0) || strcmp(metric, "cost_total") == 0 ||
           strcmp(metric, "tokens_total") == 0;
}

/* Baseline and candidate on the metric's own scale, with min/max thresholds. */
static void put_value_chart(struct pawl_buf *b, const struct pawl_results *r, const char *metric,
                            const struct point *pts, size_t n_pts)
{
    struct pawl_svg_scale s = {0, 1, 150, 620};
    double lo = 0, hi = 0, top = 22, axis;
    size_t i, k;

    for (i = 0; i < n_pts; i++) {
        double v[3] = {pts[i].v, pts[i].has_ci ? pts[i].lo : NAN, pts[i].has_ci ? pts[i].hi : NAN};
        for (k = 0; k < 3; k++)
            if (isfinite(v[k])) {
                lo = v[k] < lo ? v[k] : lo;
                hi = v[k] > hi ? v[k] : hi;
            }
    }
    for (i = 0; i < r->n_rules; i++) {
        const struct pawl_rule_result *g = &r->rules[i];
        if (g->metric && strcmp(g->metric, metric) == 0 && g->kind &&
            (strcmp(g->kind, "min") == 0 || strcmp(g->kind, "max") == 0) &&
            isfinite(g->threshold)) {
            lo = g->threshold < lo ? g->threshold : lo;
            hi = g->threshold > hi ? g->threshold : hi;
        }
    }
    if (is_amount(metric) || lo < 0 || hi > 1) {
        s.hi = hi > 0 ? pawl_svg_nice_ceil(hi * 1.05) : 1;
        s.lo = lo < 0 ? -pawl_svg_nice_ceil(-lo * 1.05) : 0;
    }
    axis = top + 28.0 * (double)n_pts;
    pawl_svg_open(b, axis + 22, "values of", metric);
    pawl_svg_axis(b, &s, metric, top - 6, axis, 0);
    for (i = 0; i < n_pts; i++) {
        double y = top + 28.0 * (double)i + 12;
        pawl_svg_text(b, 0, y + 4, "start");
        pawl_buf_printf(b, "%s</text>", pts[i].label);
        if (pts[i].has_ci && isfinite(pts[i].lo) && isfinite(pts[i].hi)) {
            pawl_buf_printf(b, "<g class=\"%s ci\">", pts[i].cls);
            pawl_svg_line(b, pts[i].cls, pawl_svg_x(&s, pts[i].lo), y, pawl_svg_x(&s, pts[i].hi),
                          y);
            pawl_svg_line(b, pts[i].cls, pawl_svg_x(&s, pts[i].lo), y - 5,
                          pawl_svg_x(&s, pts[i].lo), y + 5);
            pawl_svg_line(b, pts[i].cls, pawl_svg_x(&s, pts[i].hi), y - 5,
                          pawl_svg_x(&s, pts[i].hi), y + 5);
            pawl_buf_puts(b, "</g>");
        }
        if (isfinite(pts[i].v)) {
            pawl_buf_printf(b, "<circle class=\"%s\" cx=\"", pts[i].cls);
            pawl_svg_coord(b, pawl_svg_x(&s, pts[i].v));
            pawl_buf_puts(b, "\" cy=\"");
            pawl_svg_coord(b, y);
            pawl_buf_puts(b, "\" r=\"5\"/>");
        }
    }
    for (i = 0; i < r->n_rules; i++) {
        const struct pawl_rule_result *g = &r->rules[i];
        double x;
        if (!g->metric || strcmp(g->metric, metric) != 0 || !g->kind ||
            (strcmp(g->kind, "min") != 0 && strcmp(g->kind, "max") != 0) || !isfinite(g->threshold))
            continue;
        x = pawl_svg_x(&s, g->threshold);
        pawl_svg_line(b, "thr", x, top - 6, x, axis);
        pawl_svg_text(b, x, top - 9, x > 540 ? "end" : x < 230 ? "start" : "middle");
        pawl_buf_printf(b, "%s ", g->kind);
        pawl_report_put_fixed(b, metric, g->threshold);
        pawl_buf_puts(b, "</text>");
    }
    pawl_buf_puts(b, "</svg>\n");
}

/* The paired change with its interval, zero, and each max_drop rule's margin. */
static void put_change_chart(struct pawl_buf *b, const struct pawl_results *r,
                             const struct pawl_metric_comparison *mc)
{
    const char *metric = mc->metric ? mc->metric : "";
    double e = 0, top = 22, y = top + 12, axis = top + 28;
    double v[3] = {mc->delta, mc->ci.lo, mc->ci.hi};
    struct pawl_svg_scale s = {0, 0, 150, 620};
    size_t i;

    for (i = 0; i < 3; i++)
        if (isfinite(v[i]) && fabs(v[i]) > e)
            e = fabs(v[i]);
    for (i = 0; i < r->n_rules; i++) {
        const struct pawl_rule_result *g = &r->rules[i];
        if (g->metric && strcmp(g->metric, metric) == 0 && g->kind &&
            strcmp(g->kind, "max_drop") == 0 && isfinite(g->threshold) && g->threshold > e)
            e = g->threshold;
    }
    e = e > 0 ? pawl_svg_nice_ceil(e * 1.1) : 0.01;
    s.lo = -e;
    s.hi = e;
    pawl_svg_open(b, axis + 22, "change in", metric);
    pawl_svg_axis(b, &s, metric, top - 6, axis, 1);
    pawl_svg_line(b, "zero", pawl_svg_x(&s, 0), top - 6, pawl_svg_x(&s, 0), axis);
    pawl_svg_text(b, 0, y + 4, "start");
    pawl_buf_puts(b, "change</text>");
    if (isfinite(mc->ci.lo) && isfinite(mc->ci.hi))
        pawl_svg_rect(b, "cand", pawl_svg_x(&s, mc->ci.lo), y - 4,
                      pawl_svg_x(&s, mc->ci.hi) - pawl_svg_x(&s, mc->ci.lo), 8);
    if (isfinite(mc->delta)) {
        pawl_buf_puts(b, "<circle class=\"cand\" cx=\"");
        pawl_svg_coord(b, pawl_svg_x(&s, mc->delta));
        pawl_buf_puts(b, "\" cy=\"");
        pawl_svg_coord(b, y);
        pawl_buf_puts(b, "\" r=\"6\"/>");
    }
    for (i = 0; i < r->n_rules; i++) {
        const struct pawl_rule_result *g = &r->rules[i];
        double x;
        if (!g->metric || strcmp(g->metric, metric) != 0 || !g->kind ||
            strcmp(g->kind, "max_drop") != 0 || !isfinite(g->threshold))
            continue;
        x = pawl_svg_x(&s, -g->threshold);
        pawl_svg_line(b, "thr", x, top - 6, x, axis);
        pawl_svg_text(b, x, top - 9, x < 230 ? "start" : "middle");
        pawl_buf_puts(b, "margin ");
        pawl_report_put_signed(b, metric, -g->threshold);
        pawl_buf_puts(b, "</text>");
    }
    pawl_buf_puts(b, "</svg>\n");
}

static void put_interval(struct pawl_buf *b, const char *metric, int has, double lo, double hi,
                         int is_signed)
{
    if (!has) {
        pawl_buf_puts(b, "\xE2\x80\x94");
        return;
    }
    pawl_buf_putc(b, '[');
    (is_signed ? pawl_report_put_signed : pawl_report_put_fixed)(b, metric, lo);
    pawl_buf_puts(b, ", ");
    (is_signed ? pawl_report_put_signed : pawl_report_put_fixed)(b, metric, hi);
    pawl_buf_putc(b, ']');
}

static void put_metric_figure(struct pawl_buf *b, const struct pawl_results *r,
                              const struct pawl_results *base, const char *metric)
{
    const struct pawl_metric *m = pawl_results_metric(r, metric);
    const struct pawl_metric_comparison *mc =
        r->comparison ? pawl_comparison_metric(r->comparison, metric) : NULL;
    const struct pawl_metric *bm = base ? pawl_results_metric(base, metric) : NULL;
    struct point pts[2];
    size_t n = 0, i;

    if (mc || bm)
        pts[n++] = (struct point){"baseline",
                                  "base",
                                  mc ? mc->base_mean : bm->mean,
                                  bm && bm->has_ci,
                                  bm ? bm->ci_lo : 0,
                                  bm ? bm->ci_hi : 0};
    if (m || mc)
        pts[n++] = (struct point){"candidate",    "cand",           m ? m->mean : mc->cand_mean,
                                  m && m->has_ci, m ? m->ci_lo : 0, m ? m->ci_hi : 0};
    pawl_buf_puts(b, "<figure>\n<h3>");
    pawl_html_text(b, metric, NAME_CHARS);
    pawl_buf_puts(b, "</h3>\n");
    if (n)
        put_value_chart(b, r, metric, pts, n);
    if (mc)
        put_change_chart(b, r, mc);
    if (!n && !mc)
        pawl_buf_puts(b, "<p>The run has no value for this metric.</p>\n");
    else
        pawl_buf_puts(b, "<div class=\"scroll\"><table><thead><tr><th></th><th>value</th>"
                         "<th>interval</th><th>n</th></tr></thead><tbody>\n");
    for (i = 0; i < n; i++) {
        pawl_buf_printf(b, "<tr><th>%s</th><td class=\"num\">", pts[i].label);
        pawl_report_put_fixed(b, metric, pts[i].v);
        pawl_buf_puts(b, "</td><td class=\"num\">");
        put_interval(b, metric, pts[i].has_ci, pts[i].lo, pts[i].hi, 0);
        pawl_buf_puts(b, "</td><td class=\"num\">");
        if (pts[i].cls[0] == 'c' && m)
            pawl_html_count(b, m->n);
        else if (pts[i].cls[0] == 'b' && bm)
            pawl_html_count(b, bm->n);
        else
            pawl_buf_puts(b, "\xE2\x80\x94");
        pawl_buf_puts(b, "</td></tr>\n");
    }
    if (mc) {
        pawl_buf_puts(b, "<tr><th>change</th><td class=\"num\">");
        pawl_report_put_signed(b, metric, mc->delta);
        pawl_buf_puts(b, "</td><td class=\"num\">");
        put_interval(b, metric, 1, mc->ci.lo, mc->ci.hi, 1);
        pawl_buf_puts(b, "</td><td class=\"num\">");
        pawl_html_count(b, mc->n);
        pawl_buf_puts(b, " pairs</td></tr>\n");
    }
    if (n || mc)
        pawl_buf_puts(b, "</tbody></table></div>\n");
    if (mc) {
        pawl_buf_puts(b, "<p class=\"nums\">");
        if (r->comparison)
            pawl_report_put_number(b, r->comparison->confidence * 100);
        pawl_buf_puts(b, "% interval of the paired change, ");
        if (mc->method && strcmp(mc->method, "mcnemar") == 0)
            pawl_buf_puts(b, "McNemar exact");
        else
            pawl_html_text(b, mc->method ? mc->method : "", NAME_CHARS);
        if (isfinite(mc->p_value)) {
            pawl_buf_puts(b, ", p = ");
            pawl_report_put_number(b, mc->p_value);
        }
        if (isfinite(mc->mde) && mc->mde > 0) {
            pawl_buf_puts(b, ", smallest change detectable with 80% power ");
            pawl_report_put_fixed(b, metric, mc->mde);
        }
        pawl_buf_puts(b, ".</p>\n");
    }
    for (i = 0; i < r->n_rules; i++) {
        const struct pawl_rule_result *g = &r->rules[i];
        const char *st = status_word(g->status);
        if (!g->metric || strcmp(g->metric, metric) != 0)
            continue;
        pawl_buf_printf(b, "<p><span class=\"st-%s\">%s</span>: ", st, st);
        pawl_html_text(b, g->rule ? g->rule : "", NAME_CHARS);
        if (g->message && *g->message) {
            pawl_buf_puts(b, " \xE2\x80\x94 ");
            pawl_html_text(b, g->message, PAWL_HTML_FIELD_CHARS);
        }
        pawl_buf_puts(b, "</p>\n");
    }
    pawl_buf_puts(b, "</figure>\n");
}

static int listed(const char *const *names, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

static void put_metrics(struct pawl_buf *b, const struct pawl_results *r,
                        const struct pawl_results *base)
{
    const struct pawl_comparison *c = r->comparison;
    size_t n = 0, i, cap = r->n_rules + (c ? c->n_metrics : 0);
    const char **names = pawl_xcalloc(cap + 1, sizeof(*names));

    for (i = 0; i < r->n_rules; i++)
        if (r->rules[i].metric && !listed(names, n, r->rules[i].metric))
            names[n++] = r->rules[i].metric;
    for (i = 0; c && i < c->n_metrics; i++)
        if (c->metrics[i].metric && !listed(names, n, c->metrics[i].metric))
            names[n++] = c->metrics[i].metric;
    if (n) {
        pawl_buf_puts(b, "<section id=\"metrics\">\n<h2>Gated metrics</h2>\n");
        for (i = 0; i < n; i++)
            put_metric_figure(b, r, base, names[i]);
        pawl_buf_puts(b, "</section>\n");
    }
    free(names);
}

/* ---- the page ---- */

int pawl_report_html_render(struct pawl_buf *out, const struct pawl_results *cand,
                            const struct pawl_results *base)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    const char *v = verdict_of(cand);
    int rc;

    pawl_buf_puts(
        &b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"color-scheme\" content=\"light dark\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
            "'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n<title>");
    pawl_buf_puts(&b, v[0] == 'p' ? "PASS" : v[0] == 'f' ? "FAIL" : "ERROR");
    pawl_buf_puts(&b, ": ");
    pawl_html_text(&b, cand->suite && *cand->suite ? cand->suite : "pawl", NAME_CHARS);
    pawl_buf_puts(&b, " \xE2\x80\x94 pawl report</title>\n<style>\n");
    pawl_buf_puts(&b, css);
    pawl_buf_puts(&b, "</style>\n</head>\n<body>\n<main>\n");
    put_banner(&b, cand);
    put_facts(&b, cand);
    put_gate(&b, cand);
    put_metrics(&b, cand, base);
    pawl_html_distributions(&b, cand);
    pawl_html_cases(&b, cand, base, BUDGET, LIMIT);
    pawl_buf_puts(&b, "</main>\n</body>\n</html>\n");
    rc = pawl_buf_add(out, b.ptr, b.len);
    pawl_buf_release(&b);
    return rc;
}

int pawl_report_html_write(const struct pawl_results *cand, const struct pawl_results *base,
                           const char *path, struct pawl_error *err)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    int rc;

    pawl_report_html_render(&b, cand, base);
    rc = pawl_fs_write_atomic(path, b.ptr, b.len, err);
    pawl_buf_release(&b);
    return rc;
}
