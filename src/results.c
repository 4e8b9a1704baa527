#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "pawl/alloc.h"
#include "pawl/fs.h"
#include "pawl/results.h"

void pawl_results_init(struct pawl_results *r)
{
    memset(r, 0, sizeof(*r));
}

static void trial_release(struct pawl_trial *t, size_t n_scorers)
{
    size_t i;

    free(t->output);
    free(t->error);
    json_decref(t->usage);
    if (t->scores) {
        for (i = 0; i < n_scorers; i++)
            pawl_score_release(&t->scores[i]);
        free(t->scores);
    }
}

void pawl_results_release(struct pawl_results *r)
{
    size_t i, j;

    if (!r)
        return;
    free(r->pawl_version);
    free(r->suite);
    free(r->run_id);
    free(r->started_at);
    pawl_git_info_release(&r->git);
    free(r->dataset_path);
    free(r->dataset_ref);
    for (i = 0; i < r->n_scorers; i++)
        free(r->scorer_names[i]);
    free(r->scorer_names);
    for (i = 0; i < r->n_cases; i++) {
        struct pawl_case_result *c = &r->cases[i];
        for (j = 0; j < c->n_trials; j++)
            trial_release(&c->trials[j], r->n_scorers);
        free(c->trials);
        free(c->id);
        json_decref(c->input);
        json_decref(c->expected_output);
        json_decref(c->metadata);
    }
    free(r->cases);
    pawl_results_clear_metrics(r);
    pawl_results_clear_rules(r);
    free(r->verdict);
    if (r->comparison) {
        pawl_comparison_release(r->comparison);
        free(r->comparison);
    }
    pawl_results_init(r);
}

void pawl_results_clear_metrics(struct pawl_results *r)
{
    size_t i;

    for (i = 0; i < r->n_metrics; i++)
        free(r->metrics[i].name);
    free(r->metrics);
    r->metrics = NULL;
    r->n_metrics = 0;
}

void pawl_results_clear_rules(struct pawl_results *r)
{
    size_t i;

    for (i = 0; i < r->n_rules; i++) {
        free(r->rules[i].rule);
        free(r->rules[i].metric);
        free(r->rules[i].kind);
        free(r->rules[i].message);
    }
    free(r->rules);
    r->rules = NULL;
    r->n_rules = 0;
}

const struct pawl_metric *pawl_results_metric(const struct pawl_results *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->n_metrics; i++)
        if (r->metrics[i].name && strcmp(r->metrics[i].name, name) == 0)
            return &r->metrics[i];
    return NULL;
}

size_t pawl_results_pass_k(const struct pawl_results *r)
{
    size_t i, k = 0;
    int repeats = 0;

    for (i = 0; i < r->n_cases; i++) {
        size_t n = r->cases[i].n_trials;
        if (n > 1)
            repeats = 1;
        if (n > 0 && (k == 0 || n < k))
            k = n;
    }
    return repeats ? k : 0;
}

size_t pawl_results_passing_trials(const struct pawl_results *r, const struct pawl_case_result *c)
{
    size_t ti, si, passing = 0;

    for (ti = 0; ti < c->n_trials; ti++) {
        const struct pawl_trial *t = &c->trials[ti];
        int pass = !t->error && t->scores;
        for (si = 0; pass && si < r->n_scorers; si++)
            pass = t->scores[si].passed;
        passing += (size_t)pass;
    }
    return passing;
}

/* ---- writing ---- */

static json_t *score_to_json(const struct pawl_score *s)
{
    json_t *o = json_object();

    json_object_set_new(o, "type", json_string(pawl_score_type_name(s->type)));
    if (s->type == PAWL_SCORE_BOOLEAN)
        json_object_set_new(o, "value", json_integer(s->value != 0));
    else
        json_object_set_new(o, "value", pawl_json_real(s->value));
    json_object_set_new(o, "passed", json_boolean(s->passed));
    json_object_set_new(o, "comment", pawl_json_str(s->comment));
    if (s->type == PAWL_SCORE_CATEGORICAL)
        json_object_set_new(o, "category", pawl_json_str(s->category));
    if (s->errored)
        json_object_set_new(o, "errored", json_true());
    if (s->has_cost)
        json_object_set_new(o, "cost", pawl_json_real(s->cost));
    if (s->has_tokens)
        json_object_set_new(o, "tokens", s->tokens == floor(s->tokens) && fabs(s->tokens) < 9e15
                                             ? json_integer((json_int_t)s->tokens)
                                             : pawl_json_real(s->tokens));
    return o;
}

static json_t *trial_to_json(const struct pawl_results *r, const struct pawl_trial *t)
{
    json_t *o = json_object(), *scores;
    size_t i;

    json_object_set_new(o, "output", pawl_json_str(t->output));
    json_object_set_new(o, "latency_ms",
                        t->latency_ms >= 0 ? json_integer(t->latency_ms) : json_null());
    json_object_set_new(o, "usage", t->usage ? json_deep_copy(t->usage) : json_null());
    json_object_set_new(o, "cost", t->has_cost ? pawl_json_real(t->cost) : json_null());
    json_object_set_new(o, "cached", json_boolean(t->cached));
    json_object_set_new(o, "error", pawl_json_str(t->error));
    if (t->scores) {
        scores = json_object();
        for (i = 0; i < r->n_scorers; i++)
            json_object_set_new(scores, r->scorer_names[i], score_to_json(&t->scores[i]));
    } else {
        scores = json_null();
    }
    json_object_set_new(o, "scores", scores);
    return o;
}

static json_t *case_to_json(const struct pawl_results *r, const struct pawl_case_result *c)
{
    json_t *o = json_object(), *trials = json_array();
    size_t i;

    json_object_set_new(o, "id", pawl_json_str(c->id ? c->id : ""));
    json_object_set_new(o, "line", json_integer(c->line));
    json_object_set_new(o, "input", c->input ? json_incref(c->input) : json_null());
    if (c->expected_output)
        json_object_set(o, "expected_output", c->expected_output);
    if (c->metadata)
        json_object_set(o, "metadata", c->metadata);
    json_object_set_new(o, "passed", json_boolean(c->passed));
    json_object_set_new(o, "errored", json_boolean(c->errored));
    for (i = 0; i < c->n_trials; i++)
        json_array_append_new(trials, trial_to_json(r, &c->trials[i]));
    json_object_set_new(o, "trials", trials);
    return o;
}

static const char *const rule_status_names[] = {"pass", "fail", "inconclusive", "error"};

static json_t *rule_to_json(const struct pawl_rule_result *g)
{
    json_t *o = json_object();
    unsigned st = (unsigned)g->status;

    json_object_set_new(o, "rule", pawl_json_str(g->rule ? g->rule : ""));
    json_object_set_new(o, "kind", pawl_json_str(g->kind ? g->kind : ""));
    json_object_set_new(o, "metric", pawl_json_str(g->metric));
    json_object_set_new(o, "threshold", pawl_json_real(g->threshold));
    json_object_set_new(o, "actual", g->has_actual ? pawl_json_real(g->actual) : json_null());
    json_object_set_new(o, "status", json_string(st < 4 ? rule_status_names[st] : "error"));
    json_object_set_new(o, "message", pawl_json_str(g->message));
    return o;
}

/* The document; with `cases_placeholder`, "cases" holds a marker string instead of the cases. */
static json_t *results_doc(const struct pawl_results *r, int cases_placeholder)
{
    json_t *doc = json_object(), *run, *git, *ds, *fp, *arr, *metrics;
    size_t i, pass_k = pawl_results_pass_k(r);

    json_object_set_new(doc, "schema", json_integer(PAWL_RESULTS_SCHEMA));
    json_object_set_new(doc, "pawl_version",
                        pawl_json_str(r->pawl_version ? r->pawl_version : PAWL_VERSION));
    json_object_set_new(doc, "suite", pawl_json_str(r->suite ? r->suite : ""));

    run = json_object();
    json_object_set_new(run, "id", pawl_json_str(r->run_id ? r->run_id : ""));
    json_object_set_new(run, "started_at", pawl_json_str(r->started_at ? r->started_at : ""));
    json_object_set_new(run, "duration_ms", json_integer(r->duration_ms));
    json_object_set_new(run, "interrupted", json_boolean(r->interrupted));
    if (r->git.present) {
        git = json_object();
        json_object_set_new(git, "commit", pawl_json_str(r->git.commit));
        json_object_set_new(git, "ref", pawl_json_str(r->git.ref));
        json_object_set_new(git, "dirty", json_boolean(r->git.dirty));
    } else {
        git = json_null();
    }
    json_object_set_new(run, "git", git);
    json_object_set_new(doc, "run", run);

    ds = json_object();
    json_object_set_new(ds, "path", pawl_json_str(r->dataset_path ? r->dataset_path : ""));
    json_object_set_new(ds, "ref", pawl_json_str(r->dataset_ref));
    json_object_set_new(ds, "blob", pawl_json_str(r->dataset_blob));
    json_object_set_new(ds, "cases", json_integer((json_int_t)r->dataset_cases));
    json_object_set_new(doc, "dataset", ds);

    fp = json_object();
    json_object_set_new(fp, "task", pawl_json_str(r->task_fingerprint));
    json_object_set_new(fp, "scorers", pawl_json_str(r->scorers_fingerprint));
    json_object_set_new(doc, "fingerprints", fp);

    arr = json_array();
    for (i = 0; i < r->n_scorers; i++)
        json_array_append_new(arr, pawl_json_str(r->scorer_names[i]));
    json_object_set_new(doc, "scorers", arr);

    if (cases_placeholder) {
        /* A NUL is only ever written escaped, so the dump shows `"\u0000pawl-cases"`. */
        json_object_set_new(doc, "cases", json_stringn("\0pawl-cases", 11));
    } else {
        arr = json_array();
        for (i = 0; i < r->n_cases; i++)
            json_array_append_new(arr, case_to_json(r, &r->cases[i]));
        json_object_set_new(doc, "cases", arr);
    }

    metrics = json_object();
    for (i = 0; i < r->n_metrics; i++) {
        const struct pawl_metric *m = &r->metrics[i];
        json_t *o = json_object();
        json_object_set_new(o, "mean", pawl_json_real(m->mean));
        json_object_set_new(o, "n", json_integer((json_int_t)m->n));
        if (m->has_ci)
            json_object_set_new(o, "ci", pawl_json_interval(m->ci_lo, m->ci_hi));
        /* Derived from the cases, so it is rewritten, not read back. */
        if (pass_k && m->name &&
            (strcmp(m->name, "pass_at_k") == 0 || strcmp(m->name, "pass_hat_k") == 0))
            json_object_set_new(o, "k", json_integer((json_int_t)pass_k));
        json_object_set_new(metrics, m->name ? m->name : "", o);
    }
    json_object_set_new(doc, "metrics", metrics);

    arr = json_array();
    for (i = 0; i < r->n_rules; i++)
        json_array_append_new(arr, rule_to_json(&r->rules[i]));
    json_object_set_new(doc, "gate", arr);

    if (r->comparison)
        json_object_set_new(doc, "comparison", pawl_comparison_to_json(r->comparison));
    json_object_set_new(doc, "verdict", pawl_json_str(r->verdict));
    return doc;
}

json_t *pawl_results_to_json(const struct pawl_results *r)
{
    return results_doc(r, 0);
}

#define RESULTS_DUMP_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(12))
/* The marker as dumped: no string value can hold it, since a quote inside one is escaped. */
#define CASES_MARK "\"cases\": \"\\u0000pawl-cases\""
#define FLUSH_AT (256 * 1024)

/* Appends `text` with every line break followed by `indent` spaces. */
static void put_indented(struct pawl_buf *b, const char *text, int indent)
{
    const char *nl;

    static const char spaces[] = "        ";

    while ((nl = strchr(text, '\n')) != NULL) {
        pawl_buf_add(b, text, (size_t)(nl - text + 1));
        pawl_buf_add(b, spaces, (size_t)indent < sizeof(spaces) - 1 ? (size_t)indent
                                                                      : sizeof(spaces) - 1);
        text = nl + 1;
    }
    pawl_buf_puts(b, text);
}

/*
 * Writes what json_dumps(pawl_results_to_json(r), RESULTS_DUMP_FLAGS) would,
 * byte for byte, without building the whole document: the cases are dumped
 * one at a time into the file, so memory stays that of one case.
 */
int pawl_results_write(const struct pawl_results *r, const char *path, struct pawl_error *err)
{
    json_t *doc = results_doc(r, 1), *c;
    char *text = NULL, *mark, *ctext;
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_fs_atomic out;
    size_t i;
    int rc;

    text = json_dumps(doc, RESULTS_DUMP_FLAGS);
    json_decref(doc);
    mark = text ? strstr(text, CASES_MARK) : NULL;
    if (!mark) {
        free(text);
        return pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot serialise results for '%s'",
                              path);
    }
    if ((rc = pawl_fs_atomic_open(&out, path, err)) < 0) {
        free(text);
        return rc;
    }
    pawl_buf_add(&b, text, (size_t)(mark - text));
    pawl_buf_puts(&b, r->n_cases ? "\"cases\": [" : "\"cases\": []");
    for (i = 0; i < r->n_cases; i++) {
        c = case_to_json(r, &r->cases[i]);
        ctext = json_dumps(c, RESULTS_DUMP_FLAGS);
        json_decref(c);
        pawl_buf_puts(&b, i ? ",\n    " : "\n    ");
        put_indented(&b, ctext ? ctext : "null", 4);
        free(ctext);
        if (b.len >= FLUSH_AT) {
            pawl_fs_atomic_write(&out, b.ptr, b.len);
            pawl_buf_reset(&b);
        }
    }
    if (r->n_cases)
        pawl_buf_puts(&b, "\n  ]");
    pawl_buf_puts(&b, mark + strlen(CASES_MARK));
    pawl_buf_putc(&b, '\n');
    pawl_fs_atomic_write(&out, b.ptr, b.len);
    rc = pawl_fs_atomic_commit(&out, 1, err);
    free(text);
    pawl_buf_release(&b);
    return rc;
}
