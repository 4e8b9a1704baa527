/*
 * The Markdown summary for PR comments and $GITHUB_STEP_SUMMARY.
 *
 * GitHub refuses step summaries past 1 MiB and renders whatever Markdown
 * and HTML the text carries, so everything from models, datasets or the
 * config is escaped, `@name` gets a zero-width joiner so a comment cannot
 * ping people, outputs go in fences longer than any backtick run inside
 * them, and the document stops adding sections before the size limit.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/agreement.h"
#include "pawl/alloc.h"
#include "pawl/fs.h"
#include "pawl/report.h"
#include "report_impl.h"

#define MD_MAX (1024 * 1024 - 1)
#define MD_RESERVE 1024    /* room kept for the truncation note */
#define MD_CASES 50        /* failed cases shown */
#define MD_BROKEN 25       /* broken cases shown in full */
#define MD_LIST 100        /* ids listed per folded section */
#define MD_OUTPUT_MAX 2048 /* bytes of output per case */
#define MD_CELL_MAX 500    /* bytes of a comment or message */
#define REPLACEMENT "\xEF\xBF\xBD"
#define ZWJ "\xE2\x80\x8D"
#define DASH "\xE2\x80\x94" /* an empty cell */

/*
 * Inline text: table cells, headings, list items. Backslash escapes cover
 * the punctuation that starts emphasis, code, links, HTML, entities and
 * table cells (`>` only matters at the start of a line, which inline text
 * never is); newlines become <br> so a cell stays one row.
 */
static void md_inline(struct pawl_buf *b, const char *s, size_t max)
{
    size_t len = strlen(s), cut = pawl_report_utf8_cut(s, len, max), i = 0, used;

    while (i < cut) {
        long cp = pawl_report_utf8_next(s + i, cut - i, &used);

        if (cp < 0 || (cp < 0x20 && cp != '\n' && cp != '\t' && cp != '\r') || cp == 0x7F)
            pawl_buf_puts(b, REPLACEMENT);
        else if (cp == '\n')
            pawl_buf_puts(b, "<br>");
        else if (cp == '\t')
            pawl_buf_putc(b, ' ');
        else if (cp == '\r')
            ;
        else if (cp == '@')
            pawl_buf_puts(b, "@" ZWJ);
        else if (cp < 0x80 && strchr("\\`*_[]<|~&#!", (int)cp))
            pawl_buf_printf(b, "\\%c", (int)cp);
        else
            pawl_buf_add(b, s + i, used);
        i += used;
    }
    if (cut < len)
        pawl_buf_puts(b, "…");
}

/* Fenced block contents: kept verbatim but for what would corrupt the page. */
static void md_block(struct pawl_buf *b, const char *s, size_t len)
{
    size_t i = 0, used;

    while (i < len) {
        long cp = pawl_report_utf8_next(s + i, len - i, &used);

        if (cp < 0 || (cp < 0x20 && cp != '\n' && cp != '\t' && cp != '\r') || cp == 0x7F)
            pawl_buf_puts(b, REPLACEMENT);
        else if (cp != '\r')
            pawl_buf_add(b, s + i, used);
        i += used;
    }
}

/* Appends `part` when it fits under the limit; 0 when it does not. */
static int fits(struct pawl_buf *b, const struct pawl_buf *part)
{
    if (b->len + part->len + MD_RESERVE > MD_MAX)
        return 0;
    pawl_buf_add(b, part->ptr, part->len);
    return 1;
}

static void put_verdict(struct pawl_buf *b, const struct pawl_results *r)
{
    size_t i, failed = 0, errored = 0;
    const char *v = r->verdict ? r->verdict : "error";

    for (i = 0; i < r->n_cases; i++) {
        errored += r->cases[i].errored != 0;
        failed += !r->cases[i].errored && !r->cases[i].passed;
    }
    if (strcmp(v, "pass") == 0)
        pawl_buf_puts(b, "## ✅ PASS");
    else if (strcmp(v, "fail") == 0)
        pawl_buf_puts(b, "## ❌ FAIL");
    else
        pawl_buf_puts(b, "## ⚠️ ERROR");
    pawl_buf_puts(b, ": ");
    md_inline(b, r->suite && *r->suite ? r->suite : "pawl", MD_CELL_MAX);
    pawl_buf_printf(b, " (%zu case%s, %zu failed, %zu errored%s)\n\n", r->n_cases,
                    r->n_cases == 1 ? "" : "s", failed, errored,
                    r->interrupted ? ", interrupted" : "");
}

/* Returns 0 when the size limit stopped it. */
static int put_metrics(struct pawl_buf *b, const struct pawl_results *r)
{
    struct pawl_buf row = PAWL_BUF_INIT;
    size_t i;
    int ok = 1;

    if (!r->n_metrics)
        return 1;
    pawl_buf_puts(b, "| metric | value | n |\n|:--|--:|--:|\n");
    for (i = 0; i < r->n_metrics && ok; i++) {
        const struct pawl_metric *m = &r->metrics[i];
        const char *name = m->name ? m->name : "";
        if (pawl_agreement_is_metric(name))
            continue; /* the judge agreement table shows them */
        pawl_buf_reset(&row);
        pawl_buf_puts(&row, "| ");
        md_inline(&row, name, MD_CELL_MAX);
        pawl_buf_puts(&row, " | ");
        if (m->n == 0) /* a mean over nothing (every score errored) is no value, not a 0 */
            pawl_buf_puts(&row, "n/a");
        else
            pawl_report_put_fixed(&row, name, m->mean);
        if (m->n > 0 && m->has_ci) {
            pawl_buf_puts(&row, " [");
            pawl_report_put_fixed(&row, name, m->ci_lo);
            pawl_buf_puts(&row, ", ");
            pawl_report_put_fixed(&row, name, m->ci_hi);
            pawl_buf_putc(&row, ']');
        }
        pawl_buf_printf(&row, " | %zu |\n", m->n);
        ok = fits(b, &row);
    }
    if (ok)
        pawl_buf_putc(b, '\n');
    pawl_buf_release(&row);
    return ok;
}

/* " 0.741 [0.530, 0.952]", or a dash when the statistic does not apply. */
static void put_stat_cell(struct pawl_buf *row, const struct pawl_metric *m)
{
    pawl_buf_puts(row, " | ");
    if (!m) {
        pawl_buf_puts(row, DASH);
        return;
    }
    pawl_report_put_fixed(row, NULL, m->mean);
    if (m->has_ci && isfinite(m->mean)) {
        pawl_buf_puts(row, " [");
        pawl_report_put_fixed(row, NULL, m->ci_lo);
        pawl_buf_puts(row, ", ");
        pawl_report_put_fixed(row, NULL, m->ci_hi);
        pawl_buf_putc(row, ']');
    }
}

/* Each labelled scorer against the human labels; returns 0 when the size limit stopped it. */
static int put_agreement(struct pawl_buf *b, const struct pawl_results *r)
{
    struct pawl_agreement_view *v;
    struct pawl_buf sec = PAWL_BUF_INIT;
    size_t n = pawl_agreement_views(&v, r), i;
    int cat = 0, num = 0, ok;

    if (!n)
        return 1;
    for (i = 0; i < n; i++) {
        cat |= v[i].accuracy || v[i].kappa;
        num |= v[i].mae || v[i].spearman;
    }
    pawl_buf_printf(&sec, "### Judge agreement\n\n| judge | n |%s%s\n|:--|--:|%s%s\n",
                    cat ? " accuracy | kappa |" : "", num ? " MAE | Spearman |" : "",
                    cat ? "--:|--:|" : "", num ? "--:|--:|" : "");
    for (i = 0; i < n; i++) {
        pawl_buf_puts(&sec, "| ");
        md_inline(&sec, v[i].scorer, MD_CELL_MAX);
        pawl_buf_printf(&sec, " | %.0f", v[i].n->mean);
        if (v[i].excluded)
            pawl_buf_printf(&sec, " (%.0f left out)", v[i].excluded->mean);
        if (cat) {
            put_stat_cell(&sec, v[i].accuracy);
            put_stat_cell(&sec, v[i].kappa);
        }
        if (num) {
            put_stat_cell(&sec, v[i].mae);
            put_stat_cell(&sec, v[i].spearman);
        }
        pawl_buf_puts(&sec, " |\n");
    }
    pawl_buf_puts(&sec, "\n_Each scorer against the human labels in the cases' "
                        "`metadata.labels`; n counts the labelled cases paired with a score. "
                        "Intervals: Wilson (accuracy), Fleiss–Cohen–Everitt (kappa), normal (MAE), "
                        "Fisher z (Spearman)._\n\n");
    ok = fits(b, &sec);
    pawl_buf_release(&sec);
    pawl_agreement_views_free(v, n);
    return ok;
}

static int put_gate(struct pawl_buf *b, const struct pawl_results *r)
{
    static const char *const status[] = {"✅ pass", "❌ fail", "⚠️ inconclusive", "⚠️ error"};
    struct pawl_buf row = PAWL_BUF_INIT;
    size_t i;
    int ok = 1;

    if (!r->n_rules)
        return 1;
    pawl_buf_puts(b, "| rule | status | message |\n|:--|:--|:--|\n");
    for (i = 0; i < r->n_rules && ok; i++) {
        const struct pawl_rule_result *g = &r->rules[i];
        unsigned st = (unsigned)g->status;
        pawl_buf_reset(&row);
        pawl_buf_puts(&row, "| ");
        md_inline(&row, g->rule ? g->rule : "", MD_CELL_MAX);
        pawl_buf_printf(&row, " | %s | ", st < 4 ? status[st] : status[3]);
        md_inline(&row, g->message ? g->message : "", MD_CELL_MAX);
        pawl_buf_puts(&row, " |\n");
        ok = fits(b, &row);
    }
    if (ok)
        pawl_buf_putc(b, '\n');
    pawl_buf_release(&row);
    return ok;
}

static void put_trial_label(struct pawl_buf *b, const struct pawl_case_result *c, size_t i)
{
    if (c->n_trials > 1)
        pawl_buf_printf(b, " (trial %zu)", i + 1);
}

static void put_reasons(struct pawl_buf *b, const struct pawl_results *r,
                        const struct pawl_case_result *c)
{
    size_t i, j;

    for (i = 0; i < c->n_trials; i++) {
        const struct pawl_trial *t = &c->trials[i];
        if (t->error) {
            pawl_buf_puts(b, "- **error**");
            put_trial_label(b, c, i);
            pawl_buf_puts(b, ": ");
            md_inline(b, t->error, MD_CELL_MAX);
            pawl_buf_putc(b, '\n');
            continue;
        }
        for (j = 0; t->scores && j < r->n_scorers; j++) {
            const struct pawl_score *s = &t->scores[j];
            if (s->passed)
                continue;
            pawl_buf_puts(b, "- **");
            md_inline(b, r->scorer_names[j], MD_CELL_MAX);
            pawl_buf_puts(b, "**");
            put_trial_label(b, c, i);
            pawl_buf_puts(b, ": ");
            if (s->errored)
                pawl_buf_puts(b, "scorer error: ");
            if (s->comment) {
                md_inline(b, s->comment, MD_CELL_MAX);
            } else if (s->type == PAWL_SCORE_NUMERIC) {
                pawl_buf_puts(b, "failed with score ");
                pawl_report_put_number(b, s->value);
            } else {
                pawl_buf_puts(b, "failed");
            }
            pawl_buf_putc(b, '\n');
        }
    }
}

/* A fenced block, preceded by a blank line, longer than any backtick run it holds. */
static void put_fence(struct pawl_buf *b, const char *o)
{
    size_t len = strlen(o), cut = pawl_report_utf8_cut(o, len, MD_OUTPUT_MAX);
    size_t run = 0, longest = 0, k;

    for (k = 0; k < cut; k++) {
        run = o[k] == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    pawl_buf_putc(b, '\n');
    for (k = 0; k < (longest < 3 ? 3 : longest + 1); k++)
        pawl_buf_putc(b, '`');
    pawl_buf_putc(b, '\n');
    md_block(b, o, cut);
    if (cut == 0 || o[cut - 1] != '\n')
        pawl_buf_putc(b, '\n');
    for (k = 0; k < (longest < 3 ? 3 : longest + 1); k++)
        pawl_buf_putc(b, '`');
    pawl_buf_putc(b, '\n');
    if (cut < len)
        pawl_buf_printf(b, "\n_Output truncated: %zu of %zu bytes shown._\n", cut, len);
}

static void put_output(struct pawl_buf *b, const struct pawl_case_result *c, size_t i)
{
    if (c->n_trials > 1)
        pawl_buf_printf(b, "\nOutput of trial %zu:\n", i + 1);
    put_fence(b, c->trials[i].output);
}

/* The case id and, when known, where the dataset holds it. */
static void put_case_name(struct pawl_buf *b, const struct pawl_results *r, const char *id,
                          int line)
{
    md_inline(b, id ? id : "", MD_CELL_MAX);
    if (r->dataset_path && *r->dataset_path) {
        pawl_buf_puts(b, " (");
        md_inline(b, r->dataset_path, MD_CELL_MAX);
        if (line > 0)
            pawl_buf_printf(b, ":%d", line);
        pawl_buf_putc(b, ')');
    }
}

static void put_case(struct pawl_buf *b, const struct pawl_results *r,
                     const struct pawl_case_result *c)
{
    size_t t;

    pawl_buf_puts(b, "#### ");
    put_case_name(b, r, c->id, c->line);
    pawl_buf_puts(b, "\n\n");
    put_reasons(b, r, c);
    t = pawl_report_pick_trial(r, c);
    if (t < c->n_trials)
        put_output(b, c, t);
    pawl_buf_putc(b, '\n');
}

/* ---- against a baseline ---- */

/* The change of case i since the baseline, or -1 when it has no pair. */
static int change_of(const struct pawl_results *r, const size_t *pair, size_t i)
{
    return pair && pair[i] != SIZE_MAX ? (int)r->comparison->cases[pair[i]].change : -1;
}

/*
 * The failed and errored cases. Against a baseline, the broken ones have
 * their own section and the rest were failing before, so they are folded.
 */
static void put_cases(struct pawl_buf *b, const struct pawl_results *r, const size_t *pair)
{
    struct pawl_buf sec = PAWL_BUF_INIT;
    size_t i, bad = 0, shown = 0;
    int folded = r->comparison != NULL;

    for (i = 0; i < r->n_cases; i++)
        bad += (!r->cases[i].passed || r->cases[i].errored) &&
               change_of(r, pair, i) != PAWL_CHANGE_BROKEN;
    if (!bad)
        return;
    if (folded)
        pawl_buf_printf(b, "<details><summary>Other failed cases (%zu)</summary>\n\n", bad);
    else
        pawl_buf_printf(b, "### Failed cases (%zu)\n\n", bad);
    for (i = 0; i < r->n_cases && shown < MD_CASES; i++) {
        if ((r->cases[i].passed && !r->cases[i].errored) ||
            change_of(r, pair, i) == PAWL_CHANGE_BROKEN)
            continue;
        pawl_buf_reset(&sec);
        put_case(&sec, r, &r->cases[i]);
        if (!fits(b, &sec))
            break;
        shown++;
    }
    if (shown < bad)
        pawl_buf_printf(b,
                        "_… and %zu more failed case%s; the JUnit report and the results "
                        "file list them all._\n",
                        bad - shown, bad - shown == 1 ? "" : "s");
    if (folded)
        pawl_buf_puts(b, shown < bad ? "\n</details>\n" : "</details>\n");
    pawl_buf_release(&sec);
}

/* Confidence levels keep their digits (97.5%), trial shares are whole (67%). */
static void put_percent(struct pawl_buf *b, double share, int whole)
{
    size_t start = b->len, i;

    pawl_buf_printf(b, whole ? "%.0f%%" : "%.4g%%", share * 100);
    for (i = start; i < b->len; i++)
        if (b->ptr[i] == ',')
            b->ptr[i] = '.';
}

/*
 * Inline code for the baseline's label. A code span cannot be escaped, only
 * delimited by a backtick run longer than any inside it (padded with a space
 * when the text starts or ends with a backtick).
 */
static void md_code(struct pawl_buf *b, const char *s, size_t max)
{
    size_t len = strlen(s), cut = pawl_report_utf8_cut(s, len, max), run = 0, longest = 0, i, used;
    int pad = cut > 0 && (s[0] == '`' || s[cut - 1] == '`');

    for (i = 0; i < cut; i++) {
        run = s[i] == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    for (i = 0; i <= longest; i++)
        pawl_buf_putc(b, '`');
    if (pad)
        pawl_buf_putc(b, ' ');
    for (i = 0; i < cut; i += used) {
        long cp = pawl_report_utf8_next(s + i, cut - i, &used);

        if (cp == '\n' || cp == '\t' || cp == '\r')
            pawl_buf_putc(b, ' ');
        else if (cp < 0 || cp < 0x20 || cp == 0x7F)
            pawl_buf_puts(b, REPLACEMENT);
        else
            pawl_buf_add(b, s + i, used);
    }
    if (pad)
        pawl_buf_putc(b, ' ');
    for (i = 0; i <= longest; i++)
        pawl_buf_putc(b, '`');
    if (cut < len)
        pawl_buf_puts(b, "…");
}

/* The first `n` bytes of an id or hash, as inline text. */
static void md_short(struct pawl_buf *b, const char *s, size_t n)
{
    char *head = pawl_xstrndup(s, pawl_report_utf8_cut(s, strlen(s), n));

    md_inline(b, head, n);
    free(head);
}

static void put_baseline(struct pawl_buf *b, const struct pawl_comparison *c)
{
    int paren = 0;

    if (c->baseline && *c->baseline) {
        pawl_buf_puts(b, "Compared with baseline ");
        md_code(b, c->baseline, MD_CELL_MAX);
    } else {
        pawl_buf_puts(b, "Compared with the baseline");
    }
    if (c->baseline_run_id && *c->baseline_run_id) {
        pawl_buf_puts(b, " (run ");
        md_short(b, c->baseline_run_id, 7);
        paren = 1;
    }
    if (c->baseline_commit && *c->baseline_commit) {
        pawl_buf_puts(b, paren ? ", commit " : " (commit ");
        md_short(b, c->baseline_commit, 7);
        paren = 1;
    }
    if (paren)
        pawl_buf_putc(b, ')');
    pawl_buf_printf(b, " on %zu paired case%s", c->n_paired, c->n_paired == 1 ? "" : "s");
    if (c->dataset_changed)
        pawl_buf_printf(b, "; %zu case%s added and %zu dropped since the baseline", c->n_added,
                        c->n_added == 1 ? "" : "s", c->n_dropped);
    pawl_buf_puts(b, ".\n\n");
}

/* The worst outcome of the max_drop rules on `metric`, or -1 when it has none. */
static int drop_status(const struct pawl_results *r, const char *metric)
{
    static const int rank[] = {0, 3, 1, 2}; /* pass < inconclusive < error < fail */
    int worst = -1;
    size_t i;

    for (i = 0; i < r->n_rules; i++) {
        const struct pawl_rule_result *g = &r->rules[i];
        int st = (unsigned)g->status < 4 ? (int)g->status : PAWL_RULE_ERROR;

        if (!g->kind || strcmp(g->kind, "max_drop") != 0 || !g->metric ||
            strcmp(g->metric, metric) != 0)
            continue;
        if (worst < 0 || rank[st] > rank[worst])
            worst = st;
    }
    return worst;
}

static void put_compared_row(struct pawl_buf *row, const struct pawl_results *r,
                             const struct pawl_metric_comparison *m)
{
    static const char *const verdict[] = {"✅ pass", "❌ regression", "⚠️ inconclusive",
                                          "⚠️ error"};
    const char *name = m->metric ? m->metric : "";
    int st = drop_status(r, name);

    pawl_buf_puts(row, "| ");
    md_inline(row, name, MD_CELL_MAX);
    pawl_buf_puts(row, " | ");
    pawl_report_put_fixed(row, name, m->base_mean);
    pawl_buf_puts(row, " | ");
    pawl_report_put_fixed(row, name, m->cand_mean);
    pawl_buf_puts(row, " | ");
    pawl_report_put_signed(row, name, m->delta);
    pawl_buf_puts(row, " | [");
    pawl_report_put_signed(row, name, m->ci.lo);
    pawl_buf_puts(row, ", ");
    pawl_report_put_signed(row, name, m->ci.hi);
    pawl_buf_printf(row, "] | %s |\n", st < 0 ? DASH : verdict[st]);
}

/* Latency, error rate and the like are not compared: the candidate's value only. */
static void put_candidate_row(struct pawl_buf *row, const struct pawl_metric *m)
{
    const char *name = m->name ? m->name : "";

    pawl_buf_puts(row, "| ");
    md_inline(row, name, MD_CELL_MAX);
    pawl_buf_puts(row, " | " DASH " | ");
    pawl_report_put_fixed(row, name, m->mean);
    pawl_buf_puts(row, " | " DASH " | " DASH " | " DASH " |\n");
}

/* How each interval was computed and the smallest change the cases could show. */
static void put_methods(struct pawl_buf *b, const struct pawl_comparison *c)
{
    size_t i;
    int any_mde = 0;

    pawl_buf_puts(b, "_");
    put_percent(b, c->confidence, 0);
    pawl_buf_puts(b, " intervals on paired cases.");
    for (i = 0; i < c->n_metrics; i++) {
        const struct pawl_metric_comparison *m = &c->metrics[i];
        const char *name = m->metric ? m->metric : "";
        const char *sep = ":";

        pawl_buf_puts(b, i ? "; " : " ");
        md_inline(b, name, MD_CELL_MAX);
        if (m->method && strcmp(m->method, "mcnemar") == 0) {
            pawl_buf_puts(b, ": McNemar exact");
            sep = ",";
        } else if (m->method && *m->method) {
            pawl_buf_puts(b, ": ");
            md_inline(b, m->method, MD_CELL_MAX);
            sep = ",";
        }
        if (isfinite(m->p_value)) {
            pawl_buf_printf(b, "%s p ", sep);
            if (m->p_value < 0.001)
                pawl_buf_puts(b, "\\< 0.001");
            else {
                pawl_buf_puts(b, "= ");
                pawl_report_put_fixed(b, "p", m->p_value);
            }
            sep = ",";
        }
        if (isfinite(m->mde) && m->mde > 0) {
            pawl_buf_printf(b, "%s MDE ", sep);
            pawl_report_put_fixed(b, name, m->mde);
            any_mde = 1;
        }
    }
    pawl_buf_puts(b, any_mde ? ". MDE is the smallest change detectable with 80% power._\n\n"
                             : "._\n\n");
}

static int put_compared_metrics(struct pawl_buf *b, const struct pawl_results *r)
{
    const struct pawl_comparison *c = r->comparison;
    struct pawl_buf row = PAWL_BUF_INIT;
    size_t i;
    int ok = 1;

    if (!r->n_metrics && !c->n_metrics)
        return 1;
    pawl_buf_puts(b, "| metric | baseline | candidate | Δ | interval | verdict |\n"
                     "|:--|--:|--:|--:|:--|:--|\n");
    for (i = 0; i < r->n_metrics + c->n_metrics && ok; i++) {
        pawl_buf_reset(&row);
        if (i < r->n_metrics) {
            const struct pawl_metric *m = &r->metrics[i];
            const struct pawl_metric_comparison *mc =
                pawl_comparison_metric(c, m->name ? m->name : "");
            if (!mc && pawl_agreement_is_metric(m->name))
                continue;
            if (mc)
                put_compared_row(&row, r, mc);
            else
                put_candidate_row(&row, m);
        } else {
            /* Compared metrics the candidate's own table does not list. */
            const struct pawl_metric_comparison *mc = &c->metrics[i - r->n_metrics];
            if (mc->metric && pawl_results_metric(r, mc->metric))
                continue;
            put_compared_row(&row, r, mc);
        }
        ok = fits(b, &row);
    }
    if (ok) {
        pawl_buf_putc(b, '\n');
        if (c->n_metrics) {
            pawl_buf_reset(&row);
            put_methods(&row, c);
            ok = fits(b, &row);
        }
    }
    pawl_buf_release(&row);
    return ok;
}

static const struct pawl_case_result *find_case(const struct pawl_results *r, const char *id)
{
    size_t i;

    for (i = 0; id && i < r->n_cases; i++)
        if (r->cases[i].id && strcmp(r->cases[i].id, id) == 0)
            return &r->cases[i];
    return NULL;
}

static void put_labelled_output(struct pawl_buf *b, const char *label,
                                const struct pawl_case_result *c, size_t t)
{
    pawl_buf_printf(b, "\n%s output", label);
    if (c->n_trials > 1)
        pawl_buf_printf(b, " (trial %zu of %zu)", t + 1, c->n_trials);
    pawl_buf_puts(b, ":\n");
    put_fence(b, c->trials[t].output);
}

static void put_broken_case(struct pawl_buf *b, const struct pawl_results *r,
                            const struct pawl_case_result *c, const struct pawl_results *base)
{
    size_t t;

    pawl_buf_puts(b, "#### ");
    put_case_name(b, r, c->id, c->line);
    pawl_buf_puts(b, "\n\n");
    put_reasons(b, r, c);
    if (base) {
        const struct pawl_case_result *bc = find_case(base, c->id);
        t = bc ? pawl_report_pick_trial(base, bc) : 0;
        if (bc && t < bc->n_trials)
            put_labelled_output(b, "Baseline", bc, t);
        else
            pawl_buf_puts(b, "\n_The baseline results hold no output for this case._\n");
    }
    t = pawl_report_pick_trial(r, c);
    if (t < c->n_trials)
        put_labelled_output(b, "Candidate", c, t);
    pawl_buf_putc(b, '\n');
}

static void put_broken(struct pawl_buf *b, const struct pawl_results *r, const size_t *pair,
                       const struct pawl_results *base)
{
    struct pawl_buf sec = PAWL_BUF_INIT;
    size_t i, n = 0, shown = 0;

    for (i = 0; i < r->n_cases; i++)
        n += change_of(r, pair, i) == PAWL_CHANGE_BROKEN;
    if (!n) {
        if (r->comparison->n_paired)
            pawl_buf_puts(&sec, "No case that passed in the baseline fails now.\n\n");
        fits(b, &sec);
        pawl_buf_release(&sec);
        return;
    }
    pawl_buf_printf(&sec, "### Broken cases (%zu)\n\n", n);
    if (!fits(b, &sec)) {
        pawl_buf_release(&sec);
        return;
    }
    for (i = 0; i < r->n_cases && shown < MD_BROKEN; i++) {
        if (change_of(r, pair, i) != PAWL_CHANGE_BROKEN)
            continue;
        pawl_buf_reset(&sec);
        put_broken_case(&sec, r, &r->cases[i], base);
        if (!fits(b, &sec))
            break;
        shown++;
    }
    if (shown < n)
        pawl_buf_printf(b,
                        "_… and %zu more broken case%s; the JUnit report and the results file "
                        "list them all._\n\n",
                        n - shown, n - shown == 1 ? "" : "s");
    pawl_buf_release(&sec);
}

/*
 * A folded list of the cases with one kind of change. Items stop early
 * enough that the closing lines always fit; MD_RESERVE covers the header.
 */
static void put_folded(struct pawl_buf *b, const struct pawl_results *r, const size_t *pair,
                       enum pawl_case_change which, const char *title)
{
    struct pawl_buf sec = PAWL_BUF_INIT, item = PAWL_BUF_INIT;
    size_t i, n = 0, shown = 0;

    for (i = 0; i < r->n_cases; i++)
        n += change_of(r, pair, i) == (int)which;
    if (!n)
        return;
    pawl_buf_printf(&sec, "<details><summary>%s (%zu)</summary>\n\n", title, n);
    for (i = 0; i < r->n_cases && shown < MD_LIST; i++) {
        const struct pawl_case_comparison *cc;

        if (change_of(r, pair, i) != (int)which)
            continue;
        cc = &r->comparison->cases[pair[i]];
        pawl_buf_reset(&item);
        pawl_buf_puts(&item, "- ");
        put_case_name(&item, r, r->cases[i].id, r->cases[i].line);
        /* Shares read back from a results file can be unknown (NaN). */
        if (which == PAWL_CHANGE_FLAKY && isfinite(cc->base_pass) && isfinite(cc->cand_pass)) {
            pawl_buf_puts(&item, ": passed ");
            put_percent(&item, cc->base_pass, 1);
            pawl_buf_puts(&item, " of baseline trials and ");
            put_percent(&item, cc->cand_pass, 1);
            pawl_buf_puts(&item, " of candidate trials");
        } else if (which == PAWL_CHANGE_FLAKY && isfinite(cc->cand_pass)) {
            pawl_buf_puts(&item, ": passed ");
            put_percent(&item, cc->cand_pass, 1);
            pawl_buf_puts(&item, " of candidate trials");
        }
        pawl_buf_putc(&item, '\n');
        if (b->len + sec.len + item.len + 128 + MD_RESERVE > MD_MAX)
            break;
        pawl_buf_add(&sec, item.ptr, item.len);
        shown++;
    }
    if (shown < n)
        pawl_buf_printf(&sec, "- … and %zu more\n", n - shown);
    pawl_buf_puts(&sec, "\n</details>\n\n");
    fits(b, &sec);
    pawl_buf_release(&item);
    pawl_buf_release(&sec);
}

static void put_changes(struct pawl_buf *b, const struct pawl_results *r,
                        const struct pawl_results *base)
{
    size_t *pair = pawl_report_pair_cases(r);

    put_broken(b, r, pair, base);
    put_folded(b, r, pair, PAWL_CHANGE_FIXED, "Fixed cases");
    put_folded(b, r, pair, PAWL_CHANGE_FLAKY, "Flaky cases");
    put_cases(b, r, pair);
    free(pair);
}

int pawl_report_markdown_render_compared(struct pawl_buf *out, const struct pawl_results *cand,
                                         const struct pawl_results *base)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    int rc;

    put_verdict(&b, cand);
    if (cand->comparison)
        put_baseline(&b, cand->comparison);
    if (!(cand->comparison ? put_compared_metrics(&b, cand) : put_metrics(&b, cand)) ||
        !put_agreement(&b, cand) || !put_gate(&b, cand))
        pawl_buf_puts(&b, "\n_The summary was cut at its size limit; the results file has "
                          "everything._\n");
    else if (cand->comparison)
        put_changes(&b, cand, base);
    else
        put_cases(&b, cand, NULL);
    rc = pawl_buf_add(out, b.ptr, b.len);
    pawl_buf_release(&b);
    return rc;
}

int pawl_report_markdown_render(struct pawl_buf *out, const struct pawl_results *r)
{
    return pawl_report_markdown_render_compared(out, r, NULL);
}

int pawl_report_markdown_write_compared(const struct pawl_results *cand,
                                        const struct pawl_results *base, const char *path,
                                        struct pawl_error *err)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    int rc;

    pawl_report_markdown_render_compared(&b, cand, base);
    rc = pawl_fs_write_atomic(path, b.ptr, b.len, err);
    pawl_buf_release(&b);
    return rc;
}

int pawl_report_markdown_write(const struct pawl_results *r, const char *path,
                               struct pawl_error *err)
{
    return pawl_report_markdown_write_compared(r, NULL, path, err);
}
