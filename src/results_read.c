/*
 * Reading a results file back into structs. Baselines come from other
 * machines and other pawl versions, so every value is type-checked and a
 * bad one is named by its JSON pointer (RFC 6901). Keys this version does
 * not know are ignored, so later versions can add some without a schema bump.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "pawl/alloc.h"
#include "pawl/fs.h"
#include "pawl/results.h"

/* Results files hold every output of a run; this only stops a runaway read. */
#define RESULTS_MAX_BYTES ((size_t)1 << 30)

/* "" or exactly `digits` hexadecimal digits, into a buffer of digits + 1. */
static int get_hex(struct pawl_json_reader *rd, const json_t *obj, const char *key, size_t digits,
                   char *out)
{
    const json_t *v;
    const char *s;
    char what[64];
    size_t i, len;
    int rc;

    if ((rc = pawl_json_get_typed(rd, obj, key, JSON_STRING, 0, &v)) < 0)
        return rc;
    s = json_string_value(v);
    len = json_string_length(v);
    for (i = 0; i < len && strchr("0123456789abcdef", s[i]) && s[i]; i++)
        ;
    if (len != 0 && (len != digits || i != len)) {
        snprintf(what, sizeof(what), "must be %zu lowercase hexadecimal digits", digits);
        return pawl_json_bad(rd, key, what);
    }
    memcpy(out, s, len + 1);
    return 0;
}

/* ---- the document, outside in ---- */

static int read_score(struct pawl_json_reader *rd, const json_t *o, struct pawl_score *s)
{
    static const char *const types[] = {"NUMERIC", "BOOLEAN", "CATEGORICAL"};
    const json_t *v;
    int type, rc;

    if (!json_is_object(o))
        return pawl_json_bad(rd, NULL, "must be an object");
    if ((rc = pawl_json_get_one_of(rd, o, "type", types, 3, &type)) < 0)
        return rc;
    s->type = (enum pawl_score_type)pawl_score_type_parse(types[type]);
    if ((rc = pawl_json_get(rd, o, "value", &v)) < 0)
        return rc;
    if (s->type == PAWL_SCORE_BOOLEAN) {
        if (!json_is_integer(v) || (json_integer_value(v) != 0 && json_integer_value(v) != 1))
            return pawl_json_bad(rd, "value", "must be 0 or 1");
        s->value = (double)json_integer_value(v);
    } else if ((rc = pawl_json_get_real(rd, o, "value", &s->value, NULL)) < 0) {
        return rc;
    }
    if ((rc = pawl_json_get_bool(rd, o, "passed", &s->passed)) < 0 ||
        (rc = pawl_json_get_string(rd, o, "comment", 1, &s->comment)) < 0)
        return rc;
    if (s->type == PAWL_SCORE_CATEGORICAL &&
        (rc = pawl_json_get_string(rd, o, "category", 1, &s->category)) < 0)
        return rc;
    s->errored = 0;
    if (json_object_get(o, "errored") &&
        (rc = pawl_json_get_bool(rd, o, "errored", &s->errored)) < 0)
        return rc;
    /* What a judge's call cost; absent for other scorers and in older files. */
    s->has_cost = json_object_get(o, "cost") != NULL;
    if (s->has_cost && (rc = pawl_json_get_real(rd, o, "cost", &s->cost, NULL)) < 0)
        return rc;
    s->has_tokens = json_object_get(o, "tokens") != NULL;
    if (s->has_tokens && (rc = pawl_json_get_real(rd, o, "tokens", &s->tokens, NULL)) < 0)
        return rc;
    return 0;
}

static int read_scores(struct pawl_json_reader *rd, const json_t *o, const struct pawl_results *r,
                       struct pawl_trial *t)
{
    const char *key;
    const json_t *v;
    size_t i, old;
    int rc = 0;

    /* One slot at least, so an empty object reads back as non-NULL scores. */
    t->scores = pawl_xcalloc(r->n_scorers ? r->n_scorers : 1, sizeof(*t->scores));
    json_object_foreach((json_t *)o, key, v)
    {
        for (i = 0; i < r->n_scorers && strcmp(r->scorer_names[i], key) != 0; i++)
            ;
        if (i == r->n_scorers)
            return pawl_json_bad(rd, key, "is not a scorer listed in '/scorers'");
    }
    for (i = 0; i < r->n_scorers; i++) {
        if ((rc = pawl_json_get(rd, o, r->scorer_names[i], &v)) < 0)
            return rc;
        old = pawl_json_push_key(rd, r->scorer_names[i]);
        rc = read_score(rd, v, &t->scores[i]);
        pawl_json_pop(rd, old);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int read_trial(struct pawl_json_reader *rd, const json_t *o, const struct pawl_results *r,
                      struct pawl_trial *t)
{
    const json_t *v;
    json_int_t n;
    size_t old;
    int rc;

    t->latency_ms = -1;
    if (!json_is_object(o))
        return pawl_json_bad(rd, NULL, "must be an object");
    if ((rc = pawl_json_get_string(rd, o, "output", 1, &t->output)) < 0 ||
        (rc = pawl_json_get_count(rd, o, "latency_ms", 1, LONG_MAX, &n)) < 0)
        return rc;
    t->latency_ms = (long)n;
    if ((rc = pawl_json_get_typed(rd, o, "usage", JSON_OBJECT, 1, &v)) < 0)
        return rc;
    t->usage = v ? json_deep_copy(v) : NULL;
    if ((rc = pawl_json_get_real(rd, o, "cost", &t->cost, &t->has_cost)) < 0)
        return rc;
    if (!t->has_cost)
        t->cost = 0;
    if ((rc = pawl_json_get_bool(rd, o, "cached", &t->cached)) < 0 ||
        (rc = pawl_json_get_string(rd, o, "error", 1, &t->error)) < 0 ||
        (rc = pawl_json_get_typed(rd, o, "scores", JSON_OBJECT, 1, &v)) < 0)
        return rc;
    if (v) {
        old = pawl_json_push_key(rd, "scores");
        rc = read_scores(rd, v, r, t);
        pawl_json_pop(rd, old);
    }
    return rc;
}

static int read_case(struct pawl_json_reader *rd, const json_t *o, const struct pawl_results *r,
                     struct pawl_case_result *c)
{
    const json_t *trials, *v;
    json_int_t line;
    size_t i, old;
    int rc;

    if (!json_is_object(o))
        return pawl_json_bad(rd, NULL, "must be an object");
    if ((rc = pawl_json_get_string(rd, o, "id", 0, &c->id)) < 0 ||
        (rc = pawl_json_get_count(rd, o, "line", 0, INT_MAX, &line)) < 0 ||
        (rc = pawl_json_get_bool(rd, o, "passed", &c->passed)) < 0 ||
        (rc = pawl_json_get_bool(rd, o, "errored", &c->errored)) < 0 ||
        (rc = pawl_json_get_typed(rd, o, "trials", JSON_ARRAY, 0, &trials)) < 0)
        return rc;
    c->line = (int)line;
    /* Files written before the case content was recorded have none. */
    if ((v = json_object_get(o, "input")) != NULL)
        c->input = json_incref((json_t *)v);
    if ((v = json_object_get(o, "expected_output")) != NULL && !json_is_null(v))
        c->expected_output = json_incref((json_t *)v);
    if ((v = json_object_get(o, "metadata")) != NULL && !json_is_null(v))
        c->metadata = json_incref((json_t *)v);
    c->trials = pawl_xcalloc(json_array_size(trials) + 1, sizeof(*c->trials));
    old = pawl_json_push_key(rd, "trials");
    for (i = 0; i < json_array_size(trials); i++) {
        size_t o2 = pawl_json_push_index(rd, i);
        c->n_trials++;
        rc = read_trial(rd, json_array_get(trials, i), r, &c->trials[i]);
        pawl_json_pop(rd, o2);
        if (rc < 0)
            break;
    }
    pawl_json_pop(rd, old);
    return rc;
}

struct id_at {
    const char *id;
    size_t index;
};

static int cmp_id_at(const void *a, const void *b)
{
    const struct id_at *x = a, *y = b;
    int c = strcmp(x->id, y->id);

    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Baselines pair cases by id, so a repeated one would pair wrongly. */
static int check_unique_ids(struct pawl_json_reader *rd, const struct pawl_results *r)
{
    struct id_at *ids = pawl_xcalloc(r->n_cases + 1, sizeof(*ids));
    size_t i, dup = 0, found = 0;
    int rc = 0;

    for (i = 0; i < r->n_cases; i++) {
        ids[i].id = r->cases[i].id;
        ids[i].index = i;
    }
    qsort(ids, r->n_cases, sizeof(*ids), cmp_id_at);
    for (i = 1; i < r->n_cases; i++) {
        if (strcmp(ids[i].id, ids[i - 1].id) == 0 && (!found || ids[i].index < dup)) {
            dup = ids[i].index;
            found = 1;
        }
    }
    if (found) {
        char what[PAWL_ERROR_MSG_MAX];
        size_t old = pawl_json_push_index(rd, dup);
        snprintf(what, sizeof(what), "repeats the case id '%s'", r->cases[dup].id);
        rc = pawl_json_bad(rd, "id", what);
        pawl_json_pop(rd, old);
    }
    free(ids);
    return rc;
}

static int read_run(struct pawl_json_reader *rd, const json_t *o, struct pawl_results *r)
{
    const json_t *git;
    json_int_t n;
    size_t old;
    int rc;

    if ((rc = pawl_json_get_string(rd, o, "id", 0, &r->run_id)) < 0 ||
        (rc = pawl_json_get_string(rd, o, "started_at", 0, &r->started_at)) < 0 ||
        (rc = pawl_json_get_count(rd, o, "duration_ms", 0, LONG_MAX, &n)) < 0)
        return rc;
    r->duration_ms = (long)n;
    if ((rc = pawl_json_get_bool(rd, o, "interrupted", &r->interrupted)) < 0 ||
        (rc = pawl_json_get_typed(rd, o, "git", JSON_OBJECT, 1, &git)) < 0 || !git)
        return rc;
    r->git.present = 1;
    old = pawl_json_push_key(rd, "git");
    if ((rc = get_hex(rd, git, "commit", 40, r->git.commit)) == 0 &&
        (rc = pawl_json_get_string(rd, git, "ref", 1, &r->git.ref)) == 0)
        rc = pawl_json_get_bool(rd, git, "dirty", &r->git.dirty);
    pawl_json_pop(rd, old);
    return rc;
}

static int read_dataset(struct pawl_json_reader *rd, const json_t *ds, const json_t *fp,
                        struct pawl_results *r)
{
    json_int_t n;
    size_t old;
    int rc;

    old = pawl_json_push_key(rd, "dataset");
    if ((rc = pawl_json_get_string(rd, ds, "path", 0, &r->dataset_path)) == 0 &&
        (rc = pawl_json_get_string(rd, ds, "ref", 1, &r->dataset_ref)) == 0 &&
        (rc = get_hex(rd, ds, "blob", 40, r->dataset_blob)) == 0 &&
        (rc = pawl_json_get_count(rd, ds, "cases", 0, LONG_MAX, &n)) == 0)
        r->dataset_cases = (size_t)n;
    pawl_json_pop(rd, old);
    if (rc < 0)
        return rc;
    old = pawl_json_push_key(rd, "fingerprints");
    if ((rc = get_hex(rd, fp, "task", 64, r->task_fingerprint)) == 0)
        rc = get_hex(rd, fp, "scorers", 64, r->scorers_fingerprint);
    pawl_json_pop(rd, old);
    return rc;
}

static int read_scorers(struct pawl_json_reader *rd, const json_t *arr, struct pawl_results *r)
{
    size_t i, j, old;
    int rc = 0;

    r->scorer_names = pawl_xcalloc(json_array_size(arr) + 1, sizeof(*r->scorer_names));
    old = pawl_json_push_key(rd, "scorers");
    for (i = 0; i < json_array_size(arr) && rc == 0; i++) {
        const json_t *v = json_array_get(arr, i);
        size_t o2 = pawl_json_push_index(rd, i);
        if (!json_is_string(v)) {
            rc = pawl_json_bad(rd, NULL, "must be a string");
        } else {
            r->scorer_names[r->n_scorers++] = pawl_xstrdup(json_string_value(v));
            for (j = 0; j < i && rc == 0; j++)
                if (strcmp(r->scorer_names[j], json_string_value(v)) == 0)
                    rc = pawl_json_bad(rd, NULL, "repeats a scorer name");
        }
        pawl_json_pop(rd, o2);
    }
    pawl_json_pop(rd, old);
    return rc;
}

static int read_metrics(struct pawl_json_reader *rd, const json_t *o, struct pawl_results *r)
{
    const char *key;
    const json_t *m;
    size_t old = pawl_json_push_key(rd, "metrics");
    int rc = 0;

    r->metrics = pawl_xcalloc(json_object_size(o) + 1, sizeof(*r->metrics));
    json_object_foreach((json_t *)o, key, m)
    {
        struct pawl_metric *dst = &r->metrics[r->n_metrics++];
        json_int_t n;
        size_t o2 = pawl_json_push_key(rd, key);

        dst->name = pawl_xstrdup(key);
        if (!json_is_object(m))
            rc = pawl_json_bad(rd, NULL, "must be an object");
        else if ((rc = pawl_json_get_real(rd, m, "mean", &dst->mean, NULL)) == 0 &&
                 (rc = pawl_json_get_count(rd, m, "n", 0, LONG_MAX, &n)) == 0)
            dst->n = (size_t)n;
        if (rc == 0 && json_object_get(m, "ci")) {
            rc = pawl_json_get_interval(rd, m, "ci", &dst->ci_lo, &dst->ci_hi);
            dst->has_ci = rc == 0;
        }
        pawl_json_pop(rd, o2);
        if (rc < 0)
            break;
    }
    pawl_json_pop(rd, old);
    return rc;
}

static int read_rule(struct pawl_json_reader *rd, const json_t *o, struct pawl_rule_result *g)
{
    static const char *const kinds[] = {"min", "max", "max_drop", "no_new_failures"};
    static const char *const statuses[] = {"pass", "fail", "inconclusive", "error"};
    int kind, status, rc;

    if (!json_is_object(o))
        return pawl_json_bad(rd, NULL, "must be an object");
    if ((rc = pawl_json_get_string(rd, o, "rule", 0, &g->rule)) < 0 ||
        (rc = pawl_json_get_one_of(rd, o, "kind", kinds, 4, &kind)) < 0 ||
        (rc = pawl_json_get_string(rd, o, "metric", 1, &g->metric)) < 0 ||
        (rc = pawl_json_get_real(rd, o, "threshold", &g->threshold, NULL)) < 0 ||
        (rc = pawl_json_get_real(rd, o, "actual", &g->actual, &g->has_actual)) < 0 ||
        (rc = pawl_json_get_one_of(rd, o, "status", statuses, 4, &status)) < 0 ||
        (rc = pawl_json_get_string(rd, o, "message", 1, &g->message)) < 0)
        return rc;
    if (!g->has_actual)
        g->actual = 0;
    g->kind = pawl_xstrdup(kinds[kind]);
    g->status = (enum pawl_rule_status)status;
    return 0;
}

/* ---- the comparison with a baseline ---- */

static int cmp_id_key(const void *key, const void *elem)
{
    return strcmp(key, ((const struct id_at *)elem)->id);
}

struct slot {
    size_t cand;  /* candidate case index, SIZE_MAX when the id is not among them */
    size_t order; /* position in the file, to keep the sort stable */
};

static int cmp_slot(const void *a, const void *b)
{
    const struct slot *x = a, *y = b;

    if (x->cand != y->cand)
        return x->cand < y->cand ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/*
 * The file lists compared cases grouped by change. Put them back in
 * candidate order with their dataset lines and candidate pass shares, as
 * pawl_compare() left them, so a read comparison looks like a computed one
 * (except that passing cases are not listed, so they stay absent).
 */
static void align_comparison(struct pawl_results *r)
{
    struct pawl_comparison *c = r->comparison;
    struct id_at *ids = pawl_xcalloc(r->n_cases + 1, sizeof(*ids));
    struct slot *slots = pawl_xcalloc(c->n_cases + 1, sizeof(*slots));
    struct pawl_case_comparison *cases = pawl_xcalloc(c->n_cases + 1, sizeof(*cases));
    size_t i;

    for (i = 0; i < r->n_cases; i++) {
        ids[i].id = r->cases[i].id;
        ids[i].index = i;
    }
    qsort(ids, r->n_cases, sizeof(*ids), cmp_id_at);
    for (i = 0; i < c->n_cases; i++) {
        const struct id_at *hit =
            bsearch(c->cases[i].id, ids, r->n_cases, sizeof(*ids), cmp_id_key);
        slots[i].cand = hit ? hit->index : SIZE_MAX;
        slots[i].order = i;
    }
    qsort(slots, c->n_cases, sizeof(*slots), cmp_slot);
    for (i = 0; i < c->n_cases; i++) {
        const struct pawl_case_result *cr;
        cases[i] = c->cases[slots[i].order];
        if (slots[i].cand == SIZE_MAX)
            continue;
        cr = &r->cases[slots[i].cand];
        cases[i].line = cr->line;
        cases[i].cand_pass =
            cr->n_trials ? (double)pawl_results_passing_trials(r, cr) / (double)cr->n_trials : 0;
    }
    free(c->cases);
    c->cases = cases;
    free(slots);
    free(ids);
}

/* Optional: only a run compared with a baseline has the section. */
static int read_comparison(struct pawl_json_reader *rd, const json_t *doc, struct pawl_results *r)
{
    const json_t *v = json_object_get(doc, "comparison");
    int rc;

    if (!v)
        return 0;
    r->comparison = pawl_xcalloc(1, sizeof(*r->comparison));
    if ((rc = pawl_comparison_from_json(r->comparison, v, rd->source, rd->err)) < 0)
        return rc;
    align_comparison(r);
    return 0;
}

static int read_doc(struct pawl_json_reader *rd, const json_t *doc, struct pawl_results *r)
{
    static const char *const verdicts[] = {"pass", "fail", "error"};
    const json_t *v, *ds, *fp, *arr;
    size_t i, old;
    int rc, verdict;

    if (!json_is_object(doc))
        return pawl_error_set(rd->err, PAWL_EDATA, rd->source, 0, 0,
                              "not a results file: the document must be an object");
    if (!(v = json_object_get(doc, "schema")))
        return pawl_error_set(rd->err, PAWL_EDATA, rd->source, 0, 0,
                              "missing results schema (this pawl reads schema %d)",
                              PAWL_RESULTS_SCHEMA);
    if (!json_is_integer(v))
        return pawl_json_bad(rd, "schema", "must be an integer");
    if (json_integer_value(v) != PAWL_RESULTS_SCHEMA)
        return pawl_error_set(rd->err, PAWL_EDATA, rd->source, 0, 0,
                              "unsupported results schema %" JSON_INTEGER_FORMAT
                              " (this pawl reads schema %d)",
                              json_integer_value(v), PAWL_RESULTS_SCHEMA);
    if ((rc = pawl_json_get_string(rd, doc, "pawl_version", 0, &r->pawl_version)) < 0 ||
        (rc = pawl_json_get_string(rd, doc, "suite", 0, &r->suite)) < 0 ||
        (rc = pawl_json_get_typed(rd, doc, "run", JSON_OBJECT, 0, &v)) < 0)
        return rc;
    old = pawl_json_push_key(rd, "run");
    rc = read_run(rd, v, r);
    pawl_json_pop(rd, old);
    if (rc < 0 || (rc = pawl_json_get_typed(rd, doc, "dataset", JSON_OBJECT, 0, &ds)) < 0 ||
        (rc = pawl_json_get_typed(rd, doc, "fingerprints", JSON_OBJECT, 0, &fp)) < 0 ||
        (rc = read_dataset(rd, ds, fp, r)) < 0 ||
        (rc = pawl_json_get_typed(rd, doc, "scorers", JSON_ARRAY, 0, &arr)) < 0 ||
        (rc = read_scorers(rd, arr, r)) < 0 ||
        (rc = pawl_json_get_typed(rd, doc, "cases", JSON_ARRAY, 0, &arr)) < 0)
        return rc;

    r->cases = pawl_xcalloc(json_array_size(arr) + 1, sizeof(*r->cases));
    old = pawl_json_push_key(rd, "cases");
    for (i = 0; i < json_array_size(arr) && rc == 0; i++) {
        size_t o2 = pawl_json_push_index(rd, i);
        r->n_cases++;
        rc = read_case(rd, json_array_get(arr, i), r, &r->cases[i]);
        pawl_json_pop(rd, o2);
    }
    if (rc == 0)
        rc = check_unique_ids(rd, r);
    pawl_json_pop(rd, old);
    if (rc < 0 || (rc = pawl_json_get_typed(rd, doc, "metrics", JSON_OBJECT, 0, &v)) < 0 ||
        (rc = read_metrics(rd, v, r)) < 0 ||
        (rc = pawl_json_get_typed(rd, doc, "gate", JSON_ARRAY, 0, &arr)) < 0)
        return rc;

    r->rules = pawl_xcalloc(json_array_size(arr) + 1, sizeof(*r->rules));
    old = pawl_json_push_key(rd, "gate");
    for (i = 0; i < json_array_size(arr) && rc == 0; i++) {
        size_t o2 = pawl_json_push_index(rd, i);
        r->n_rules++;
        rc = read_rule(rd, json_array_get(arr, i), &r->rules[i]);
        pawl_json_pop(rd, o2);
    }
    pawl_json_pop(rd, old);
    if (rc < 0 || (rc = read_comparison(rd, doc, r)) < 0 ||
        (rc = pawl_json_get_typed(rd, doc, "verdict", JSON_STRING, 1, &v)) < 0 || !v)
        return rc;
    if ((rc = pawl_json_get_one_of(rd, doc, "verdict", verdicts, 3, &verdict)) < 0)
        return rc;
    r->verdict = pawl_xstrdup(verdicts[verdict]);
    return 0;
}

int pawl_results_from_json(struct pawl_results *out, const json_t *doc, const char *source,
                           struct pawl_error *err)
{
    struct pawl_json_reader rd = {source, err, PAWL_BUF_INIT};
    int rc;

    pawl_results_init(out);
    rc = read_doc(&rd, doc, out);
    if (rc < 0)
        pawl_results_release(out);
    pawl_buf_release(&rd.ptr);
    return rc;
}

int pawl_results_parse(struct pawl_results *out, const char *data, size_t len, const char *source,
                       struct pawl_error *err)
{
    json_t *doc;
    json_error_t jerr;
    const char *nul, *p;
    int rc, line = 1;

    pawl_results_init(out);
    /* jansson reads a NUL byte as the end of the text: "end of file expected near end of
     * file" would send the reader looking in the wrong place. */
    if (len && (nul = memchr(data, '\0', len)) != NULL) {
        for (p = data; p < nul; p++)
            line += *p == '\n';
        return pawl_error_set(err, PAWL_EDATA, source, line, 0,
                              "unexpected NUL byte (is this a text file?)");
    }
    doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return pawl_error_set(err, PAWL_EDATA, source, jerr.line > 0 ? jerr.line : 0,
                              jerr.line > 0 && jerr.column > 0 ? jerr.column : 0,
                              "invalid JSON: %s", jerr.text);
    rc = pawl_results_from_json(out, doc, source, err);
    json_decref(doc);
    return rc;
}

int pawl_results_read(struct pawl_results *out, const char *path, struct pawl_error *err)
{
    struct pawl_buf text = PAWL_BUF_INIT;
    int rc;

    pawl_results_init(out);
    if ((rc = pawl_fs_read(&text, path, path, RESULTS_MAX_BYTES, err)) == 0)
        rc = pawl_results_parse(out, text.ptr, text.len, path, err);
    pawl_buf_release(&text);
    return rc;
}
