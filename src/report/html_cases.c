/*
 * The HTML report's case list. Each case is a folded <details> whose class
 * names its status; radio buttons before the list and a few CSS rules hide
 * the other statuses, so filtering works with scripts off (the page has
 * none). Cases come grouped by status, most urgent first, and a page of
 * 10,000 cases stays small: passing cases are capped, long texts cut, and
 * details stop at a byte budget.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/report.h"
#include "report_impl.h"

#define REASON_CHARS 200 /* the reason shown on a folded case's line */

enum status { ST_BROKEN, ST_FIXED, ST_FLAKY, ST_FAILING, ST_ERRORED, ST_PASSING, ST_COUNT };

/* The words the Markdown summary uses; also the CSS class and filter id suffixes. */
static const char *const status_names[ST_COUNT] = {"broken",  "fixed",   "flaky",
                                                   "failing", "errored", "passing"};

struct ctx {
    const struct pawl_results *r, *base;
    size_t *pair;                             /* r's case -> comparison case, or NULL */
    const struct pawl_case_result **base_ids; /* base's cases sorted by id, or NULL */
    struct pawl_buf tmp;
};

static enum status status_of(const struct ctx *x, size_t i)
{
    const struct pawl_case_result *c = &x->r->cases[i];

    if (x->pair && x->pair[i] != SIZE_MAX) {
        switch (x->r->comparison->cases[x->pair[i]].change) {
        case PAWL_CHANGE_BROKEN:
            return ST_BROKEN;
        case PAWL_CHANGE_FIXED:
            return ST_FIXED;
        case PAWL_CHANGE_FLAKY:
            return ST_FLAKY;
        case PAWL_CHANGE_STILL_FAILING:
            return ST_FAILING;
        case PAWL_CHANGE_ERRORED:
            return ST_ERRORED;
        case PAWL_CHANGE_PASSING:
            return ST_PASSING;
        }
    }
    /* Added since the baseline, or no baseline: the case's own outcome. */
    return c->errored ? ST_ERRORED : !c->passed ? ST_FAILING : ST_PASSING;
}

static int by_id(const void *a, const void *b)
{
    const struct pawl_case_result *x = *(const struct pawl_case_result *const *)a;
    const struct pawl_case_result *y = *(const struct pawl_case_result *const *)b;

    return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

static const struct pawl_case_result *base_case(const struct ctx *x, const char *id)
{
    const struct pawl_case_result key = {.id = (char *)id}, *kp = &key;
    const struct pawl_case_result *const *hit;

    if (!x->base_ids || !id)
        return NULL;
    hit = bsearch(&kp, x->base_ids, x->base->n_cases, sizeof(*x->base_ids), by_id);
    return hit ? *hit : NULL;
}

/* A dataset value: strings as they are, anything else as indented JSON. */
static void put_json_field(struct pawl_buf *b, const char *title, const json_t *v)
{
    char *text;

    if (!v || json_is_null(v))
        return;
    pawl_buf_printf(b, "<h4>%s</h4>\n", title);
    if (json_is_string(v)) {
        pawl_html_pre(b, "text", json_string_value(v), json_string_length(v));
        return;
    }
    text = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
    if (text)
        pawl_html_pre(b, "json", text, strlen(text));
    free(text);
}

static void put_score_value(struct pawl_buf *b, const struct pawl_score *s)
{
    if (s->errored && s->type != PAWL_SCORE_CATEGORICAL && !s->category)
        pawl_buf_puts(b, "\xE2\x80\x94"); /* no value to speak of */
    else if (s->type == PAWL_SCORE_BOOLEAN)
        pawl_buf_puts(b, s->value != 0 ? "true" : "false");
    else if (s->type == PAWL_SCORE_CATEGORICAL)
        pawl_html_text(b, s->category ? s->category : "", REASON_CHARS);
    else
        pawl_report_put_number(b, s->value);
}

/* Judge reasoning can be long: cut like any field, with the count of what was left out. */
static void put_comment(struct pawl_buf *b, const char *s)
{
    size_t len = strlen(s), cut, end = pawl_html_cut(s, len, PAWL_HTML_FIELD_CHARS, &cut);

    pawl_html_escape(b, s, end);
    if (cut) {
        pawl_buf_puts(b, " <span class=\"cut\">");
        pawl_html_count(b, cut);
        pawl_buf_printf(b, " more character%s not shown</span>", cut == 1 ? "" : "s");
    }
}

static void put_scores(struct pawl_buf *b, const struct pawl_results *r, const struct pawl_trial *t)
{
    size_t j;

    if (!t->scores || !r->n_scorers)
        return;
    pawl_buf_puts(b, "<div class=\"scroll\"><table class=\"scores\"><thead><tr><th>scorer</th>"
                     "<th>value</th><th>result</th><th>comment</th></tr></thead><tbody>\n");
    for (j = 0; j < r->n_scorers; j++) {
        const struct pawl_score *s = &t->scores[j];
        pawl_buf_printf(b, "<tr class=\"%s\"><td>", s->passed ? "ok" : "bad");
        pawl_html_text(b, r->scorer_names[j] ? r->scorer_names[j] : "", REASON_CHARS);
        pawl_buf_puts(b, "</td><td>");
        put_score_value(b, s);
        pawl_buf_printf(b, "</td><td>%s</td><td class=\"comment\">",
                        s->errored  ? "scorer error"
                        : s->passed ? "pass"
                                    : "fail");
        if (s->comment)
            put_comment(b, s->comment);
        pawl_buf_puts(b, "</td></tr>\n");
    }
    pawl_buf_puts(b, "</tbody></table></div>\n");
}

static void put_trial_meta(struct pawl_buf *b, const struct pawl_trial *t)
{
    const char *sep = "";

    if (t->latency_ms < 0 && !t->has_cost && !t->cached)
        return;
    pawl_buf_puts(b, "<p class=\"meta\">");
    if (t->latency_ms >= 0) {
        pawl_buf_printf(b, "latency %ld ms", t->latency_ms);
        sep = " \xC2\xB7 ";
    }
    if (t->has_cost) {
        pawl_buf_printf(b, "%scost $", sep);
        pawl_report_put_fixed(b, "cost_total", t->cost);
        sep = " \xC2\xB7 ";
    }
    if (t->cached)
        pawl_buf_printf(b, "%sfrom the cache", sep);
    pawl_buf_puts(b, "</p>\n");
}

static void put_trial(struct ctx *x, struct pawl_buf *b, const struct pawl_case_result *c,
                      size_t ti, const char *base_out)
{
    const struct pawl_trial *t = &c->trials[ti];

    pawl_buf_puts(b, "<div class=\"trial\">\n<h4>Candidate output");
    if (c->n_trials > 1)
        pawl_buf_printf(b, ", trial %zu of %zu", ti + 1, c->n_trials);
    pawl_buf_puts(b, "</h4>\n");
    put_trial_meta(b, t);
    if (t->error) {
        pawl_buf_puts(b, "<p class=\"err\">The call failed: ");
        put_comment(b, t->error);
        pawl_buf_puts(b, "</p>\n");
    }
    if (t->output)
        pawl_html_pre(b, "out", t->output, strlen(t->output));
    if (t->output && base_out) {
        size_t alen = strlen(base_out), blen = strlen(t->output), cut_a, cut_b;

        if (alen == blen && memcmp(base_out, t->output, alen) == 0) {
            pawl_buf_puts(b, "<p class=\"meta\">The same as the baseline's output.</p>\n");
        } else {
            alen = pawl_html_cut(base_out, alen, PAWL_HTML_FIELD_CHARS, &cut_a);
            blen = pawl_html_cut(t->output, blen, PAWL_HTML_FIELD_CHARS, &cut_b);
            pawl_buf_puts(b, "<h5>Changes from the baseline's output</h5>\n<pre class=\"diff\">\n");
            pawl_html_diff(b, base_out, alen, t->output, blen);
            pawl_buf_puts(b, "</pre>\n");
            if (cut_a || cut_b)
                pawl_buf_printf(b,
                                "<p class=\"cut\">The diff covers the first %d characters "
                                "of each output.</p>\n",
                                PAWL_HTML_FIELD_CHARS);
        }
    }
    put_scores(b, x->r, t);
    pawl_buf_puts(b, "</div>\n");
}

static void put_summary(struct ctx *x, struct pawl_buf *b, size_t i, enum status st, int added)
{
    const struct pawl_case_result *c = &x->r->cases[i];

    pawl_buf_printf(b, "<summary><span class=\"badge b-%s\">%s</span> <span class=\"id\">",
                    status_names[st], status_names[st]);
    pawl_html_text(b, c->id ? c->id : "", REASON_CHARS);
    pawl_buf_puts(b, "</span>");
    if (c->line > 0)
        pawl_buf_printf(b, " <span class=\"loc\">line %d</span>", c->line);
    if (c->n_trials > 1)
        pawl_buf_printf(b, " <span class=\"loc\">passed %zu of %zu trials</span>",
                        pawl_results_passing_trials(x->r, c), c->n_trials);
    if (added)
        pawl_buf_puts(b, " <span class=\"loc\">new since the baseline</span>");
    pawl_buf_reset(&x->tmp);
    pawl_report_case_reason(&x->tmp, x->r, c);
    if (x->tmp.len) {
        pawl_buf_puts(b, " <span class=\"why\">");
        pawl_html_text(b, x->tmp.ptr, REASON_CHARS);
        pawl_buf_puts(b, "</span>");
    }
    pawl_buf_puts(b, "</summary>\n");
}

static void put_case(struct ctx *x, struct pawl_buf *b, size_t i, enum status st, int full)
{
    const struct pawl_case_result *c = &x->r->cases[i];
    const struct pawl_case_result *bc = x->r->comparison ? base_case(x, c->id) : NULL;
    const char *base_out = NULL;
    size_t t, bt;

    pawl_buf_printf(b, "<details class=\"case s-%s\" id=\"case-%zu\">", status_names[st], i + 1);
    put_summary(x, b, i, st, x->r->comparison && x->base_ids && !bc);
    pawl_buf_puts(b, "<div class=\"body\">\n");
    if (!full) {
        pawl_buf_puts(b, "<p class=\"cut\">Details left out to keep the page small; the "
                         "results file has them.</p>\n</div></details>\n");
        return;
    }
    put_json_field(b, "Input", c->input);
    put_json_field(b, "Expected output", c->expected_output);
    put_json_field(b, "Metadata", c->metadata);
    if (bc) {
        bt = pawl_report_pick_trial(x->base, bc);
        pawl_buf_puts(b, "<h4>Baseline output");
        if (bt < bc->n_trials && bc->n_trials > 1)
            pawl_buf_printf(b, ", trial %zu of %zu", bt + 1, bc->n_trials);
        pawl_buf_puts(b, "</h4>\n");
        if (bt < bc->n_trials) {
            base_out = bc->trials[bt].output;
            pawl_html_pre(b, "out", base_out, strlen(base_out));
        } else {
            pawl_buf_puts(b, "<p class=\"meta\">The baseline results hold no output for this "
                             "case.</p>\n");
        }
    }
    for (t = 0; t < c->n_trials && t < PAWL_HTML_TRIALS; t++)
        put_trial(x, b, c, t, base_out);
    if (c->n_trials > PAWL_HTML_TRIALS)
        pawl_buf_printf(b,
                        "<p class=\"cut\">%zu more trials not shown; the results file has "
                        "them.</p>\n",
                        c->n_trials - PAWL_HTML_TRIALS);
    if (!c->n_trials)
        pawl_buf_puts(b, "<p class=\"meta\">The case did not run.</p>\n");
    pawl_buf_puts(b, "</div></details>\n");
}

static void put_filters(struct pawl_buf *b, const size_t *count, size_t total)
{
    size_t s;

    pawl_buf_puts(b, "<input type=\"radio\" name=\"filter\" id=\"f-all\" class=\"f\" checked>"
                     "<label for=\"f-all\">all (");
    pawl_html_count(b, total);
    pawl_buf_puts(b, ")</label>\n");
    for (s = 0; s < ST_COUNT; s++) {
        if (!count[s])
            continue;
        pawl_buf_printf(b,
                        "<input type=\"radio\" name=\"filter\" id=\"f-%s\" class=\"f\">"
                        "<label for=\"f-%s\">%s (",
                        status_names[s], status_names[s], status_names[s]);
        pawl_html_count(b, count[s]);
        pawl_buf_puts(b, ")</label>\n");
    }
}

void pawl_html_cases(struct pawl_buf *out, const struct pawl_results *cand,
                     const struct pawl_results *base, size_t budget, size_t limit)
{
    struct ctx x = {cand, base, NULL, NULL, PAWL_BUF_INIT};
    enum status *st = NULL;
    size_t count[ST_COUNT] = {0}, i, s, passing = 0, folded = 0, unlisted = 0;

    pawl_buf_puts(out, "<section id=\"cases\">\n<h2>Cases</h2>\n");
    if (!cand->n_cases) {
        pawl_buf_puts(out, "<p>No case ran.</p>\n</section>\n");
        return;
    }
    x.pair = pawl_report_pair_cases(cand);
    if (base && cand->comparison && base->n_cases) {
        x.base_ids = pawl_xcalloc(base->n_cases, sizeof(*x.base_ids));
        for (i = 0; i < base->n_cases; i++)
            x.base_ids[i] = &base->cases[i];
        qsort(x.base_ids, base->n_cases, sizeof(*x.base_ids), by_id);
    }
    st = pawl_xcalloc(cand->n_cases, sizeof(*st));
    for (i = 0; i < cand->n_cases; i++)
        count[st[i] = status_of(&x, i)]++;

    put_filters(out, count, cand->n_cases);
    if (count[ST_PASSING] > PAWL_HTML_PASSING) {
        pawl_buf_printf(out, "<p class=\"note\">The first %d of ", PAWL_HTML_PASSING);
        pawl_html_count(out, count[ST_PASSING]);
        pawl_buf_puts(out, " passing cases are listed; the results file has them all.</p>\n");
    }
    pawl_buf_puts(out, "<div class=\"list\">\n");
    for (s = 0; s < ST_COUNT; s++) {
        for (i = 0; i < cand->n_cases; i++) {
            if (st[i] != s)
                continue;
            if (s == ST_PASSING && passing++ >= PAWL_HTML_PASSING)
                continue;
            if (out->len >= limit) {
                unlisted++;
                continue;
            }
            folded += out->len >= budget;
            put_case(&x, out, i, (enum status)s, out->len < budget);
        }
    }
    pawl_buf_puts(out, "</div>\n");
    if (folded) {
        pawl_buf_puts(out, "<p class=\"note\">");
        pawl_html_count(out, folded);
        pawl_buf_printf(out, " case%s listed without details to keep the page small.</p>\n",
                        folded == 1 ? " is" : "s are");
    }
    if (unlisted) {
        pawl_buf_puts(out, "<p class=\"note\">");
        pawl_html_count(out, unlisted);
        pawl_buf_printf(out,
                        " more case%s not listed to keep the page small; the results "
                        "file has %s.</p>\n",
                        unlisted == 1 ? " is" : "s are", unlisted == 1 ? "it" : "them");
    }
    pawl_buf_puts(out, "</section>\n");
    pawl_buf_release(&x.tmp);
    free(st);
    free(x.base_ids);
    free(x.pair);
}
