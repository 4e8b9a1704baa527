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
#include <stdlib.h>
#include <string.h>

#include "pawl/fs.h"
#include "pawl/report.h"

#define MD_MAX (1024 * 1024 - 1)
#define MD_RESERVE 1024    /* room kept for the truncation note */
#define MD_CASES 50        /* failed cases shown */
#define MD_OUTPUT_MAX 2048 /* bytes of output per case */
#define MD_CELL_MAX 500    /* bytes of a comment or message */
#define REPLACEMENT "\xEF\xBF\xBD"
#define ZWJ "\xE2\x80\x8D"

static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    size_t cut = max;

    if (len <= max)
        return len;
    while (cut > 0 && max - cut < 3 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

/*
 * Inline text: table cells, headings, list items. Backslash escapes cover
 * the punctuation that starts emphasis, code, links, HTML, entities and
 * table cells (`>` only matters at the start of a line, which inline text
 * never is); newlines become <br> so a cell stays one row.
 */
static void md_inline(struct pawl_buf *b, const char *s, size_t max)
{
    size_t len = strlen(s), cut = utf8_cut(s, len, max), i = 0, used;

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

static void put_fixed(struct pawl_buf *b, const char *metric, double v)
{
    size_t n = strlen(metric), start = b->len, i;

    if (!isfinite(v)) {
        pawl_buf_puts(b, "n/a");
        return;
    }
    /* Latencies read best as whole milliseconds, scores with three decimals. */
    pawl_buf_printf(b, n > 3 && strcmp(metric + n - 3, "_ms") == 0 ? "%.0f" : "%.3f", v);
    for (i = start; i < b->len; i++)
        if (b->ptr[i] == ',')
            b->ptr[i] = '.';
}

static void put_number(struct pawl_buf *b, double v)
{
    size_t start = b->len, i;

    pawl_buf_printf(b, "%.6g", v);
    for (i = start; i < b->len; i++)
        if (b->ptr[i] == ',')
            b->ptr[i] = '.';
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
        pawl_buf_reset(&row);
        pawl_buf_puts(&row, "| ");
        md_inline(&row, name, MD_CELL_MAX);
        pawl_buf_puts(&row, " | ");
        put_fixed(&row, name, m->mean);
        if (m->has_ci) {
            pawl_buf_puts(&row, " [");
            put_fixed(&row, name, m->ci_lo);
            pawl_buf_puts(&row, ", ");
            put_fixed(&row, name, m->ci_hi);
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
                put_number(b, s->value);
            } else {
                pawl_buf_puts(b, "failed");
            }
            pawl_buf_putc(b, '\n');
        }
    }
}

/* The output most worth reading: the first failing trial's, else the first one. */
static size_t pick_trial(const struct pawl_results *r, const struct pawl_case_result *c)
{
    size_t i, j;

    for (i = 0; i < c->n_trials; i++) {
        const struct pawl_trial *t = &c->trials[i];
        for (j = 0; t->output && t->scores && j < r->n_scorers; j++)
            if (!t->scores[j].passed)
                return i;
    }
    for (i = 0; i < c->n_trials; i++)
        if (c->trials[i].output)
            return i;
    return c->n_trials;
}

static void put_output(struct pawl_buf *b, const struct pawl_case_result *c, size_t i)
{
    const char *o = c->trials[i].output;
    size_t len = strlen(o), cut = utf8_cut(o, len, MD_OUTPUT_MAX), run = 0, longest = 0, k;

    for (k = 0; k < cut; k++) {
        run = o[k] == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    if (c->n_trials > 1)
        pawl_buf_printf(b, "\nOutput of trial %zu:\n", i + 1);
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

static void put_case(struct pawl_buf *b, const struct pawl_results *r,
                     const struct pawl_case_result *c)
{
    size_t t;

    pawl_buf_puts(b, "#### ");
    md_inline(b, c->id ? c->id : "", MD_CELL_MAX);
    if (r->dataset_path && *r->dataset_path) {
        pawl_buf_puts(b, " (");
        md_inline(b, r->dataset_path, MD_CELL_MAX);
        if (c->line > 0)
            pawl_buf_printf(b, ":%d", c->line);
        pawl_buf_putc(b, ')');
    }
    pawl_buf_puts(b, "\n\n");
    put_reasons(b, r, c);
    t = pick_trial(r, c);
    if (t < c->n_trials)
        put_output(b, c, t);
    pawl_buf_putc(b, '\n');
}

static void put_cases(struct pawl_buf *b, const struct pawl_results *r)
{
    struct pawl_buf sec = PAWL_BUF_INIT;
    size_t i, bad = 0, shown = 0;

    for (i = 0; i < r->n_cases; i++)
        bad += !r->cases[i].passed || r->cases[i].errored;
    if (!bad)
        return;
    pawl_buf_printf(b, "### Failed cases (%zu)\n\n", bad);
    for (i = 0; i < r->n_cases && shown < MD_CASES; i++) {
        if (r->cases[i].passed && !r->cases[i].errored)
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
    pawl_buf_release(&sec);
}

int pawl_report_markdown_render(struct pawl_buf *out, const struct pawl_results *r)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    int rc;

    put_verdict(&b, r);
    if (!put_metrics(&b, r) || !put_gate(&b, r))
        pawl_buf_puts(&b, "\n_The summary was cut at its size limit; the results file has "
                          "everything._\n");
    else
        put_cases(&b, r);
    rc = pawl_buf_add(out, b.ptr, b.len);
    pawl_buf_release(&b);
    return rc;
}

int pawl_report_markdown_write(const struct pawl_results *r, const char *path,
                               struct pawl_error *err)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    int rc;

    pawl_report_markdown_render(&b, r);
    rc = pawl_fs_write_atomic(path, b.ptr, b.len, err);
    pawl_buf_release(&b);
    return rc;
}
