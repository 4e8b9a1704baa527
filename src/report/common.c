#include <math.h>
#include <string.h>

#include "report_impl.h"

size_t pawl_report_utf8_cut(const char *s, size_t len, size_t max)
{
    size_t cut = max;

    if (len <= max)
        return len;
    while (cut > 0 && max - cut < 3 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

/* printf's numbers follow LC_NUMERIC, which may make the point a comma. */
static void point_decimals(struct pawl_buf *b, size_t start)
{
    size_t i;

    for (i = start; i < b->len; i++)
        if (b->ptr[i] == ',')
            b->ptr[i] = '.';
}

void pawl_report_put_number(struct pawl_buf *b, double v)
{
    size_t start = b->len;

    pawl_buf_printf(b, "%.6g", v);
    point_decimals(b, start);
}

static int is_ms(const char *metric)
{
    size_t n = metric ? strlen(metric) : 0;

    return n > 3 && strcmp(metric + n - 3, "_ms") == 0;
}

void pawl_report_put_fixed(struct pawl_buf *b, const char *metric, double v)
{
    size_t start = b->len;

    if (!isfinite(v)) {
        pawl_buf_puts(b, "n/a");
        return;
    }
    /* Latencies and token counts read best whole, cost down to a millionth of a
     * dollar (one cheap call), scores with three decimals. */
    if (metric && (strcmp(metric, "cost_total") == 0 || strcmp(metric, "judge_cost_total") == 0))
        pawl_buf_printf(b, "%.6f", v);
    else if (is_ms(metric) || (metric && (strcmp(metric, "tokens_total") == 0 ||
                                          strcmp(metric, "judge_tokens_total") == 0)))
        pawl_buf_printf(b, "%.0f", v);
    else
        pawl_buf_printf(b, "%.3f", v);
    point_decimals(b, start);
}

void pawl_report_put_signed(struct pawl_buf *b, const char *metric, double v)
{
    size_t start = b->len, i;

    if (!isfinite(v)) {
        pawl_buf_puts(b, "n/a");
        return;
    }
    pawl_buf_printf(b, is_ms(metric) ? "%+.0f" : "%+.3f", v);
    point_decimals(b, start);
    for (i = start; i < b->len; i++)
        if (b->ptr[i] >= '1' && b->ptr[i] <= '9')
            return;
    b->ptr[start] = '+';
}

void pawl_report_case_reason(struct pawl_buf *out, const struct pawl_results *r,
                             const struct pawl_case_result *c)
{
    size_t i, j, start = out->len;

    for (i = 0; i < c->n_trials; i++) {
        const struct pawl_trial *t = &c->trials[i];
        int any = 0;

        if (c->errored && !t->error)
            continue;
        if (c->n_trials > 1)
            pawl_buf_printf(out, "trial %zu: ", i + 1);
        if (t->error) {
            pawl_buf_puts(out, t->error);
            return;
        }
        for (j = 0; t->scores && j < r->n_scorers; j++) {
            const struct pawl_score *s = &t->scores[j];
            if (s->passed)
                continue;
            pawl_buf_printf(out, "%s%s: %s", any ? "; " : "",
                            r->scorer_names && r->scorer_names[j] ? r->scorer_names[j] : "?",
                            s->errored ? "scorer error: " : "");
            if (s->comment) {
                pawl_buf_puts(out, s->comment);
            } else if (s->type == PAWL_SCORE_NUMERIC) {
                pawl_buf_puts(out, "failed with score ");
                pawl_report_put_fixed(out, NULL, s->value);
            } else {
                pawl_buf_puts(out, "failed");
            }
            any = 1;
        }
        if (any)
            return;
        if (out->len > start) { /* drop the "trial N: " of a trial that passed after all */
            out->len = start;
            out->ptr[start] = '\0';
        }
    }
}

size_t pawl_report_pick_trial(const struct pawl_results *r, const struct pawl_case_result *c)
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
