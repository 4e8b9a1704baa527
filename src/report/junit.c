/*
 * JUnit XML (DESIGN.md 2.6). There is no JUnit standard, only what consumers
 * enforce: GitLab drops a report whose counts disagree with its testcases or
 * that uses type-ish attribute words, Jenkins and libxml2 reject a file with
 * one bad character, and (suite, classname, name) must be unique or results
 * get merged. So counts come from the same loop that writes the testcases,
 * times are integer milliseconds printed as digits.ddd, every string goes
 * through the sanitising escaper, and names are made unique here.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/fs.h"
#include "pawl/report.h"
#include "report_impl.h"

#define OUTPUT_MAX (64 * 1024) /* bytes of output per case in <system-out> */
#define TEXT_MAX (8 * 1024)    /* bytes of a failure message or property value */

/* ---- unique names ---- */

struct nameset {
    char **slot;
    size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static char **nameset_find(char **slot, size_t cap, const char *name)
{
    size_t h = (size_t)hash_str(name) & (cap - 1);

    while (slot[h] && strcmp(slot[h], name) != 0)
        h = (h + 1) & (cap - 1);
    return &slot[h];
}

/* Adds a copy of `name`; 0 when it was already there. */
static int nameset_add(struct nameset *s, const char *name)
{
    char **at;
    size_t i;

    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **slot = pawl_xcalloc(cap, sizeof(*slot));
        for (i = 0; i < s->cap; i++)
            if (s->slot[i])
                *nameset_find(slot, cap, s->slot[i]) = s->slot[i];
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    at = nameset_find(s->slot, s->cap, name);
    if (*at)
        return 0;
    *at = pawl_xstrdup(name);
    s->n++;
    return 1;
}

static void nameset_release(struct nameset *s)
{
    size_t i;

    for (i = 0; i < s->cap; i++)
        free(s->slot[i]);
    free(s->slot);
    memset(s, 0, sizeof(*s));
}

/*
 * Appends ` name="..."` for `raw`, made unique in `set`. Uniqueness is
 * decided on the escaped text, because two different invalid byte strings
 * sanitise to the same U+FFFD and would collide in the consumer.
 */
static void put_unique_name(struct pawl_buf *b, struct nameset *set, const char *raw,
                            const char *if_empty)
{
    struct pawl_buf esc = PAWL_BUF_INIT, try = PAWL_BUF_INIT;
    unsigned k;

    pawl_xml_escape_attr(&esc, raw, strlen(raw));
    if (esc.len == 0)
        pawl_buf_puts(&esc, if_empty);
    pawl_buf_puts(&try, esc.ptr);
    for (k = 2; !nameset_add(set, try.ptr); k++) {
        pawl_buf_reset(&try);
        pawl_buf_printf(&try, "%s #%u", esc.ptr, k);
    }
    pawl_buf_printf(b, " name=\"%s\"", try.ptr);
    pawl_buf_release(&esc);
    pawl_buf_release(&try);
}

/* ---- small formatting ---- */

static void put_attr_n(struct pawl_buf *b, const char *name, const char *v, size_t len)
{
    pawl_buf_printf(b, " %s=\"", name);
    pawl_xml_escape_attr(b, v, len);
    pawl_buf_putc(b, '"');
}

static void put_attr(struct pawl_buf *b, const char *name, const char *v)
{
    put_attr_n(b, name, v, strlen(v));
}

static void put_time(struct pawl_buf *b, long ms)
{
    if (ms < 0)
        ms = 0;
    pawl_buf_printf(b, " time=\"%ld.%03ld\"", ms / 1000, ms % 1000);
}

static void clip_text(struct pawl_buf *t, size_t max)
{
    size_t cut = pawl_report_utf8_cut(t->ptr, t->len, max);

    if (cut < t->len) {
        t->len = cut;
        t->ptr[cut] = '\0';
        pawl_buf_puts(t, " [truncated]");
    }
}

/* The ISO 8601 form Jenkins' schema accepts: no fraction, no zone (ours are UTC). */
static void put_timestamp(struct pawl_buf *b, const char *started_at)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    size_t i;

    if (!started_at || strlen(started_at) < sizeof(shape) - 1)
        return;
    for (i = 0; i < sizeof(shape) - 1; i++) {
        if (shape[i] == 'd' ? (started_at[i] < '0' || started_at[i] > '9')
                            : started_at[i] != shape[i])
            return;
    }
    put_attr_n(b, "timestamp", started_at, sizeof(shape) - 1);
}

static void put_suite_open(struct pawl_buf *b, const char *name, size_t tests, size_t failures,
                           size_t errors, long ms, const char *started_at)
{
    pawl_buf_puts(b, "  <testsuite");
    put_attr(b, "name", name);
    pawl_buf_printf(b, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\"", tests,
                    failures, errors);
    put_time(b, ms);
    put_timestamp(b, started_at);
    pawl_buf_puts(b, ">\n");
}

/* ---- cases ---- */

static void put_score_value(struct pawl_buf *b, const struct pawl_score *s)
{
    if (s->errored)
        pawl_buf_puts(b, "error");
    else if (s->type == PAWL_SCORE_CATEGORICAL)
        pawl_buf_puts(b, s->category ? s->category : "");
    else if (s->type == PAWL_SCORE_BOOLEAN)
        pawl_buf_puts(b, s->value != 0 ? "1" : "0");
    else
        pawl_report_put_number(b, s->value);
}

static void put_trial_prefix(struct pawl_buf *t, const struct pawl_case_result *c, size_t i)
{
    if (c->n_trials > 1)
        pawl_buf_printf(t, "trial %zu: ", i + 1);
}

/* Why a scorer did not pass, for one line of a failure message. */
static void put_score_reason(struct pawl_buf *t, const struct pawl_score *s)
{
    if (s->errored) {
        pawl_buf_printf(t, "scorer error: %s", s->comment ? s->comment : "no reason given");
    } else if (s->comment) {
        pawl_buf_puts(t, s->comment);
    } else if (s->type == PAWL_SCORE_NUMERIC) {
        pawl_buf_puts(t, "failed with score ");
        pawl_report_put_number(t, s->value);
    } else if (s->type == PAWL_SCORE_CATEGORICAL) {
        pawl_buf_printf(t, "failed with category '%s'", s->category ? s->category : "");
    } else {
        pawl_buf_puts(t, "failed");
    }
}

static void case_failure_text(struct pawl_buf *t, const struct pawl_results *r,
                              const struct pawl_case_result *c)
{
    size_t i, j;

    for (i = 0; i < c->n_trials; i++) {
        const struct pawl_trial *tr = &c->trials[i];
        if (tr->error || !tr->scores)
            continue;
        for (j = 0; j < r->n_scorers; j++) {
            if (tr->scores[j].passed)
                continue;
            if (t->len)
                pawl_buf_putc(t, '\n');
            put_trial_prefix(t, c, i);
            pawl_buf_printf(t, "%s: ", r->scorer_names[j]);
            put_score_reason(t, &tr->scores[j]);
        }
    }
    if (!t->len)
        pawl_buf_puts(t, "case failed");
    clip_text(t, TEXT_MAX);
}

static void case_error_text(struct pawl_buf *t, const struct pawl_case_result *c)
{
    size_t i;

    for (i = 0; i < c->n_trials; i++) {
        if (!c->trials[i].error)
            continue;
        if (t->len)
            pawl_buf_putc(t, '\n');
        put_trial_prefix(t, c, i);
        pawl_buf_puts(t, c->trials[i].error);
    }
    if (!t->len)
        pawl_buf_puts(t, "provider error");
    clip_text(t, TEXT_MAX);
}

static void put_result(struct pawl_buf *b, const char *elem, const char *type,
                       const struct pawl_buf *text)
{
    pawl_buf_printf(b, "      <%s", elem);
    put_attr(b, "type", type);
    put_attr_n(b, "message", text->ptr, text->len);
    pawl_buf_putc(b, '>');
    pawl_xml_escape(b, text->ptr, text->len);
    pawl_buf_printf(b, "</%s>\n", elem);
}

static void put_property(struct pawl_buf *b, const char *prefix, const char *name,
                         struct pawl_buf *value)
{
    struct pawl_buf n = PAWL_BUF_INIT;

    pawl_buf_printf(&n, "%s%s", prefix, name);
    clip_text(value, TEXT_MAX);
    pawl_buf_puts(b, "        <property");
    put_attr_n(b, "name", n.ptr, n.len);
    put_attr_n(b, "value", value->ptr, value->len);
    pawl_buf_puts(b, "/>\n");
    pawl_buf_release(&n);
}

/* The changes a case's properties record: the ones a reviewer acts on. */
static const char *change_name(int change)
{
    return change == PAWL_CHANGE_BROKEN || change == PAWL_CHANGE_FIXED ||
                   change == PAWL_CHANGE_FLAKY
               ? pawl_case_change_name((enum pawl_case_change)change)
               : NULL;
}

static void put_case_properties(struct pawl_buf *b, const struct pawl_results *r,
                                const struct pawl_case_result *c, int change)
{
    struct pawl_buf v = PAWL_BUF_INIT;
    size_t i, j, n_scorers = c->n_trials ? r->n_scorers : 0;
    const char *changed = change_name(change);

    if (!n_scorers && !changed)
        return;
    pawl_buf_puts(b, "      <properties>\n");
    if (changed) {
        pawl_buf_puts(&v, changed);
        put_property(b, "", "change", &v);
    }
    for (j = 0; j < n_scorers; j++) {
        pawl_buf_reset(&v);
        for (i = 0; i < c->n_trials; i++) {
            if (i)
                pawl_buf_puts(&v, ", ");
            if (c->trials[i].scores)
                put_score_value(&v, &c->trials[i].scores[j]);
            else
                pawl_buf_puts(&v, "error");
        }
        put_property(b, "score.", r->scorer_names[j], &v);
        pawl_buf_reset(&v);
        for (i = 0; i < c->n_trials; i++) {
            const struct pawl_score *s = c->trials[i].scores ? &c->trials[i].scores[j] : NULL;
            if (!s || !s->comment)
                continue;
            if (v.len)
                pawl_buf_putc(&v, '\n');
            put_trial_prefix(&v, c, i);
            pawl_buf_puts(&v, s->comment);
        }
        if (v.len)
            put_property(b, "comment.", r->scorer_names[j], &v);
    }
    pawl_buf_puts(b, "      </properties>\n");
    pawl_buf_release(&v);
}

static void put_case_output(struct pawl_buf *b, const struct pawl_case_result *c)
{
    struct pawl_buf raw = PAWL_BUF_INIT;
    size_t i, cut;

    for (i = 0; i < c->n_trials; i++) {
        const char *o = c->trials[i].output;
        if (!o)
            continue;
        if (c->n_trials > 1)
            pawl_buf_printf(&raw, "--- trial %zu ---\n", i + 1);
        pawl_buf_puts(&raw, o);
        if (c->n_trials > 1)
            pawl_buf_putc(&raw, '\n');
    }
    if (raw.len) {
        cut = pawl_report_utf8_cut(raw.ptr, raw.len, OUTPUT_MAX);
        pawl_buf_puts(b, "      <system-out>");
        pawl_xml_escape(b, raw.ptr, cut);
        if (cut < raw.len)
            pawl_buf_printf(b, "\n[pawl: output truncated, %zu of %zu bytes shown]", cut, raw.len);
        pawl_buf_puts(b, "</system-out>\n");
    }
    pawl_buf_release(&raw);
}

static long case_ms(const struct pawl_case_result *c)
{
    long ms = 0;
    size_t i;

    /* Saturate: a results file may carry absurd latencies, never an overflow. */
    for (i = 0; i < c->n_trials; i++)
        if (c->trials[i].latency_ms > 0)
            ms = c->trials[i].latency_ms > LONG_MAX - ms ? LONG_MAX : ms + c->trials[i].latency_ms;
    return ms;
}

/* `change` is the case's enum pawl_case_change since the baseline, or -1. */
static void put_case(struct pawl_buf *b, struct nameset *names, const char *classname,
                     const struct pawl_results *r, const struct pawl_case_result *c, int change)
{
    struct pawl_buf text = PAWL_BUF_INIT, why = PAWL_BUF_INIT;

    pawl_buf_puts(b, "    <testcase");
    put_attr(b, "classname", classname);
    put_unique_name(b, names, c->id ? c->id : "", "(empty id)");
    if (r->dataset_path && *r->dataset_path)
        put_attr(b, "file", r->dataset_path);
    if (c->line > 0)
        pawl_buf_printf(b, " line=\"%d\"", c->line);
    put_time(b, case_ms(c));
    pawl_buf_puts(b, ">\n");
    put_case_properties(b, r, c, change);
    if (c->errored) {
        case_error_text(&text, c);
        put_result(b, "error", "pawl.ProviderError", &text);
    } else if (!c->passed) {
        /* Reporters show the message, so a broken case says so in its first words. */
        if (change == PAWL_CHANGE_BROKEN)
            pawl_buf_puts(&text, "broken since baseline: ");
        case_failure_text(&why, r, c);
        pawl_buf_add(&text, why.ptr, why.len);
        put_result(b, "failure", "pawl.CaseFailed", &text);
    }
    put_case_output(b, c);
    pawl_buf_puts(b, "    </testcase>\n");
    pawl_buf_release(&text);
    pawl_buf_release(&why);
}

/* ---- gate rules ---- */

static void put_rule(struct pawl_buf *b, struct nameset *names, const char *classname,
                     const struct pawl_rule_result *g)
{
    struct pawl_buf v = PAWL_BUF_INIT, text = PAWL_BUF_INIT;
    int regression =
        g->kind && (strcmp(g->kind, "max_drop") == 0 || strcmp(g->kind, "no_new_failures") == 0);

    pawl_buf_puts(b, "    <testcase");
    put_attr(b, "classname", classname);
    put_unique_name(b, names, g->rule ? g->rule : "", "(unnamed rule)");
    pawl_buf_puts(b, " time=\"0.000\">\n      <properties>\n");
    pawl_buf_puts(&v, g->kind ? g->kind : "");
    put_property(b, "", "kind", &v);
    if (g->metric) {
        pawl_buf_reset(&v);
        pawl_buf_puts(&v, g->metric);
        put_property(b, "", "metric", &v);
    }
    if (!g->kind || strcmp(g->kind, "no_new_failures") != 0) {
        pawl_buf_reset(&v);
        pawl_report_put_number(&v, g->threshold);
        put_property(b, "", "threshold", &v);
    }
    if (g->has_actual) {
        pawl_buf_reset(&v);
        pawl_report_put_number(&v, g->actual);
        put_property(b, "", "actual", &v);
    }
    pawl_buf_puts(b, "      </properties>\n");

    if (g->message && *g->message)
        pawl_buf_puts(&text, g->message);
    else
        pawl_buf_printf(&text, "%s: %s", g->rule ? g->rule : "rule",
                        g->status == PAWL_RULE_ERROR ? "could not be evaluated" : "not met");
    clip_text(&text, TEXT_MAX);
    if (g->status == PAWL_RULE_FAIL) {
        put_result(b, "failure", regression ? "pawl.Regression" : "pawl.Threshold", &text);
    } else if (g->status == PAWL_RULE_ERROR) {
        put_result(b, "error", "pawl.GateError", &text);
    } else if (g->status == PAWL_RULE_INCONCLUSIVE) {
        pawl_buf_puts(b, "      <system-out>inconclusive: ");
        pawl_xml_escape(b, text.ptr, text.len);
        pawl_buf_puts(b, "</system-out>\n");
    }
    pawl_buf_puts(b, "    </testcase>\n");
    pawl_buf_release(&v);
    pawl_buf_release(&text);
}

/* ---- the document ---- */

/* Added cases have no entry in comparison->cases, so one walk in step pairs the rest. */
size_t *pawl_report_pair_cases(const struct pawl_results *r)
{
    const struct pawl_comparison *cmp = r->comparison;
    size_t *pair, i, j = 0;

    if (!cmp || !r->n_cases)
        return NULL;
    pair = pawl_xcalloc(r->n_cases, sizeof(*pair));
    for (i = 0; i < r->n_cases; i++) {
        const char *id = r->cases[i].id ? r->cases[i].id : "";
        if (j < cmp->n_cases && cmp->cases[j].id && strcmp(cmp->cases[j].id, id) == 0)
            pair[i] = j++;
        else
            pair[i] = SIZE_MAX;
    }
    return pair;
}

/* Past this much rendered XML, a streaming render hands it to the file. */
#define FLUSH_AT (256 * 1024)

/* Renders into `b`; with `sink`, writes `b` out and empties it as it grows, so
 * memory stays that of a few cases however many the run has. */
static void render(struct pawl_buf *b, const struct pawl_results *r, struct pawl_fs_atomic *sink)
{
    struct nameset names = {NULL, 0, 0};
    const char *suite = r->suite && *r->suite ? r->suite : "pawl";
    char *classname = NULL, *gate_name = NULL;
    size_t *pair = pawl_report_pair_cases(r);
    size_t i, c_fail = 0, c_err = 0, g_fail = 0, g_err = 0;
    long ms = r->duration_ms > 0 ? r->duration_ms : 0;

    for (i = 0; i < r->n_cases; i++) {
        c_err += r->cases[i].errored != 0;
        c_fail += !r->cases[i].errored && !r->cases[i].passed;
    }
    for (i = 0; i < r->n_rules; i++) {
        g_fail += r->rules[i].status == PAWL_RULE_FAIL;
        g_err += r->rules[i].status == PAWL_RULE_ERROR;
    }

    pawl_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    pawl_buf_printf(b,
                    "<testsuites name=\"pawl\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
                    "skipped=\"0\"",
                    r->n_cases + r->n_rules, c_fail + g_fail, c_err + g_err);
    put_time(b, ms);
    pawl_buf_puts(b, ">\n");

    classname = pawl_xasprintf("pawl.%s", suite);
    put_suite_open(b, suite, r->n_cases, c_fail, c_err, ms, r->started_at);
    for (i = 0; i < r->n_cases; i++) {
        put_case(b, &names, classname, r, &r->cases[i],
                 pair && pair[i] != SIZE_MAX ? (int)r->comparison->cases[pair[i]].change : -1);
        if (sink && b->len >= FLUSH_AT) {
            pawl_fs_atomic_write(sink, b->ptr, b->len);
            pawl_buf_reset(b);
        }
    }
    pawl_buf_puts(b, "  </testsuite>\n");
    nameset_release(&names);

    if (r->n_rules) {
        gate_name = pawl_xasprintf("%s.gate", suite);
        free(classname);
        classname = pawl_xasprintf("pawl.%s", gate_name);
        put_suite_open(b, gate_name, r->n_rules, g_fail, g_err, 0, r->started_at);
        for (i = 0; i < r->n_rules; i++)
            put_rule(b, &names, classname, &r->rules[i]);
        pawl_buf_puts(b, "  </testsuite>\n");
        nameset_release(&names);
    }
    pawl_buf_puts(b, "</testsuites>\n");

    free(pair);
    free(classname);
    free(gate_name);
}

int pawl_report_junit_render(struct pawl_buf *out, const struct pawl_results *r)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    int rc;

    render(&b, r, NULL);
    rc = pawl_buf_add(out, b.ptr, b.len);
    pawl_buf_release(&b);
    return rc;
}

int pawl_report_junit_write(const struct pawl_results *r, const char *path, struct pawl_error *err)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_fs_atomic out;
    int rc;

    if ((rc = pawl_fs_atomic_open(&out, path, err)) < 0)
        return rc;
    render(&b, r, &out);
    pawl_fs_atomic_write(&out, b.ptr, b.len);
    pawl_buf_release(&b);
    return pawl_fs_atomic_commit(&out, 1, err);
}
