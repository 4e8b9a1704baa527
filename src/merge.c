/*
 * Joining shards. Everything a single run computes from the cases as a
 * whole (metrics, comparison, gate, the error budget) is recomputed; only
 * what a run records per case is carried over, so the merged file is what
 * one run over the same outputs would have written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/compare.h"
#include "pawl/gate.h"
#include "pawl/merge.h"

struct ref {
    const char *id;
    size_t shard, index;
    size_t pos; /* position in the dataset, SIZE_MAX when unknown */
    int line;
};

/* Shard names for messages: the caller's, or '1', '2', ... */
struct names {
    const char *const *given;
    char buf[2][24];
};

static const char *name_of(struct names *nm, size_t i, int slot)
{
    if (nm->given)
        return nm->given[i];
    snprintf(nm->buf[slot], sizeof(nm->buf[slot]), "%zu", i + 1);
    return nm->buf[slot];
}

static int same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static void scorer_list(struct pawl_buf *b, const struct pawl_results *r)
{
    size_t i;

    for (i = 0; i < r->n_scorers; i++)
        pawl_buf_printf(b, "%s%s", i ? ", " : "", r->scorer_names[i]);
}

static int same_scorers(const struct pawl_results *a, const struct pawl_results *b)
{
    size_t i;

    if (a->n_scorers != b->n_scorers)
        return 0;
    for (i = 0; i < a->n_scorers; i++)
        if (!same_str(a->scorer_names[i], b->scorer_names[i]))
            return 0;
    return 1;
}

/* Shard `s` against the first shard `f`: did they run the same thing? */
static int check_header(const struct pawl_results *s, const struct pawl_results *f,
                        struct names *nm, size_t i, struct pawl_error *err)
{
    const char *sn = name_of(nm, i, 0), *fn = name_of(nm, 0, 1);
    struct pawl_buf a = PAWL_BUF_INIT, b = PAWL_BUF_INIT;
    int rc = 0;

    if (!same_str(s->suite, f->suite))
        return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                              "shard '%s' ran suite '%s', not '%s' like '%s'", sn,
                              s->suite ? s->suite : "", f->suite ? f->suite : "", fn);
    if (strcmp(s->dataset_blob, f->dataset_blob) != 0)
        return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                              "shard '%s' ran on another dataset than '%s' (blob %.7s, not %.7s)",
                              sn, fn, s->dataset_blob, f->dataset_blob);
    if (strcmp(s->task_fingerprint, f->task_fingerprint) != 0)
        return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                              "shard '%s' ran another task than '%s' (fingerprint %.7s, not "
                              "%.7s): every shard must run the same provider, model, prompts "
                              "and parameters",
                              sn, fn, s->task_fingerprint, f->task_fingerprint);
    if (!same_scorers(s, f)) {
        scorer_list(&a, s);
        scorer_list(&b, f);
        rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                            "shard '%s' was scored by '%s', not '%s' like '%s'", sn, a.ptr, b.ptr,
                            fn);
        pawl_buf_release(&a);
        pawl_buf_release(&b);
        return rc;
    }
    if (strcmp(s->scorers_fingerprint, f->scorers_fingerprint) != 0)
        return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                              "shard '%s' was scored by other scorers than '%s' (fingerprint "
                              "%.7s, not %.7s)",
                              sn, fn, s->scorers_fingerprint, f->scorers_fingerprint);
    return 0;
}

static int cmp_ref_id(const void *a, const void *b)
{
    const struct ref *x = a, *y = b;
    int c = strcmp(x->id, y->id);

    if (c)
        return c;
    if (x->shard != y->shard)
        return x->shard < y->shard ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Dataset order: the dataset's own when known, else line, then id. */
static int cmp_ref_order(const void *a, const void *b)
{
    const struct ref *x = a, *y = b;
    int c;

    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    c = strcmp(x->id, y->id);
    return c ? c : cmp_ref_id(a, b);
}

/* The refs are sorted by id; a repeated id is reported at its first pair. */
static int check_disjoint(const struct ref *refs, size_t n, struct names *nm,
                          struct pawl_error *err)
{
    size_t i;

    for (i = 1; i < n; i++) {
        if (strcmp(refs[i].id, refs[i - 1].id) != 0)
            continue;
        if (refs[i].shard == refs[i - 1].shard)
            return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0, "case '%s' appears twice in '%s'",
                                  refs[i].id, name_of(nm, refs[i].shard, 0));
        return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                              "case '%s' appears in both '%s' and '%s'", refs[i].id,
                              name_of(nm, refs[i - 1].shard, 0), name_of(nm, refs[i].shard, 1));
    }
    return 0;
}

struct ds_id {
    const char *id;
    size_t pos;
};

static int cmp_ds_id(const void *a, const void *b)
{
    return strcmp(((const struct ds_id *)a)->id, ((const struct ds_id *)b)->id);
}

/* Gives each ref its dataset position, so records sharing a line keep their order. */
static void place_in_dataset(struct ref *refs, size_t n, const struct pawl_dataset *ds)
{
    struct ds_id *ids = pawl_xcalloc(ds->n_cases + 1, sizeof(*ids)), key, *hit;
    size_t i;

    for (i = 0; i < ds->n_cases; i++) {
        ids[i].id = ds->cases[i].id;
        ids[i].pos = i;
    }
    qsort(ids, ds->n_cases, sizeof(*ids), cmp_ds_id);
    for (i = 0; i < n; i++) {
        key.id = refs[i].id;
        hit = bsearch(&key, ids, ds->n_cases, sizeof(*ids), cmp_ds_id);
        refs[i].pos = hit ? hit->pos : SIZE_MAX;
    }
    free(ids);
}

static void copy_trial(struct pawl_trial *out, const struct pawl_trial *t, size_t n_scorers)
{
    size_t i;

    out->output = t->output ? pawl_xstrdup(t->output) : NULL;
    out->latency_ms = t->latency_ms;
    out->usage = t->usage ? json_deep_copy(t->usage) : NULL;
    out->cost = t->cost;
    out->has_cost = t->has_cost;
    out->error = t->error ? pawl_xstrdup(t->error) : NULL;
    out->cached = t->cached;
    out->scores = NULL;
    if (t->scores) {
        out->scores = pawl_xcalloc(n_scorers + 1, sizeof(*out->scores));
        for (i = 0; i < n_scorers; i++)
            pawl_score_copy(&out->scores[i], &t->scores[i]);
    }
}

static void copy_case(struct pawl_case_result *out, const struct pawl_case_result *c,
                      size_t n_scorers)
{
    size_t i;

    out->id = pawl_xstrdup(c->id);
    out->line = c->line;
    out->input = c->input ? json_incref(c->input) : NULL;
    out->expected_output = c->expected_output ? json_incref(c->expected_output) : NULL;
    out->metadata = c->metadata ? json_incref(c->metadata) : NULL;
    out->passed = c->passed;
    out->errored = c->errored;
    out->trials = pawl_xcalloc(c->n_trials + 1, sizeof(*out->trials));
    for (i = 0; i < c->n_trials; i++)
        copy_trial(&out->trials[i], &c->trials[i], n_scorers);
    out->n_trials = c->n_trials;
}

static void copy_header(struct pawl_results *out, const struct pawl_results *shards, size_t n)
{
    const struct pawl_results *f = &shards[0];
    const char *started = f->started_at;
    long duration = f->duration_ms;
    size_t i;

    for (i = 1; i < n; i++) {
        /* RFC 3339 UTC stamps of one format order as strings. */
        if (shards[i].started_at && (!started || strcmp(shards[i].started_at, started) < 0))
            started = shards[i].started_at;
        if (shards[i].duration_ms > duration)
            duration = shards[i].duration_ms;
    }
    out->pawl_version = f->pawl_version ? pawl_xstrdup(f->pawl_version) : NULL;
    out->suite = f->suite ? pawl_xstrdup(f->suite) : NULL;
    out->run_id = f->run_id ? pawl_xstrdup(f->run_id) : NULL;
    out->started_at = started ? pawl_xstrdup(started) : NULL;
    out->duration_ms = duration;
    out->git.present = f->git.present;
    memcpy(out->git.commit, f->git.commit, sizeof(out->git.commit));
    out->git.ref = f->git.ref ? pawl_xstrdup(f->git.ref) : NULL;
    out->git.dirty = f->git.dirty;
    out->dataset_path = f->dataset_path ? pawl_xstrdup(f->dataset_path) : NULL;
    memcpy(out->dataset_blob, f->dataset_blob, sizeof(out->dataset_blob));
    out->dataset_ref = f->dataset_ref ? pawl_xstrdup(f->dataset_ref) : NULL;
    out->dataset_cases = f->dataset_cases;
    memcpy(out->task_fingerprint, f->task_fingerprint, sizeof(out->task_fingerprint));
    memcpy(out->scorers_fingerprint, f->scorers_fingerprint, sizeof(out->scorers_fingerprint));
    out->scorer_names = pawl_xcalloc(f->n_scorers + 1, sizeof(*out->scorer_names));
    for (i = 0; i < f->n_scorers; i++)
        out->scorer_names[i] = pawl_xstrdup(f->scorer_names[i] ? f->scorer_names[i] : "");
    out->n_scorers = f->n_scorers;
}

/* A run gives every case the same number of trials; shards of one run do too. */
static int check_trials(const struct pawl_results *shards, size_t n, struct names *nm,
                        struct pawl_error *err)
{
    size_t i, first = SIZE_MAX;

    for (i = 0; i < n; i++) {
        if (shards[i].n_cases == 0)
            continue;
        if (first == SIZE_MAX) {
            first = i;
            continue;
        }
        if (shards[i].cases[0].n_trials != shards[first].cases[0].n_trials)
            return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                                  "shard '%s' ran %zu trials per case, not %zu like '%s'",
                                  name_of(nm, i, 0), shards[i].cases[0].n_trials,
                                  shards[first].cases[0].n_trials, name_of(nm, first, 1));
    }
    return 0;
}

int pawl_results_merge(struct pawl_results *out, const struct pawl_results *shards, size_t n,
                       const struct pawl_merge_options *opts, struct pawl_error *err)
{
    struct names nm;
    struct ref *refs = NULL;
    size_t i, j, total = 0, k = 0;
    int rc = 0;

    memset(&nm, 0, sizeof(nm));
    nm.given = opts ? opts->names : NULL;
    if (n == 0)
        return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0, "no shards to merge");
    for (i = 0; i < n; i++) {
        /* A partial shard would pass for a whole one: its missing trials are errors, not cases. */
        if (shards[i].interrupted)
            return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                                  "shard '%s' was interrupted; run it again before merging",
                                  name_of(&nm, i, 0));
        if (i > 0 && (rc = check_header(&shards[i], &shards[0], &nm, i, err)) < 0)
            return rc;
        total += shards[i].n_cases;
    }
    if ((rc = check_trials(shards, n, &nm, err)) < 0)
        return rc;

    refs = pawl_xcalloc(total + 1, sizeof(*refs));
    for (i = 0; i < n; i++) {
        for (j = 0; j < shards[i].n_cases; j++, k++) {
            refs[k].id = shards[i].cases[j].id ? shards[i].cases[j].id : "";
            refs[k].shard = i;
            refs[k].index = j;
            refs[k].line = shards[i].cases[j].line;
            refs[k].pos = SIZE_MAX;
        }
    }
    qsort(refs, total, sizeof(*refs), cmp_ref_id);
    if ((rc = check_disjoint(refs, total, &nm, err)) < 0)
        goto done;

    if (opts && opts->dataset && strcmp(opts->dataset->blob, shards[0].dataset_blob) == 0)
        place_in_dataset(refs, total, opts->dataset);
    qsort(refs, total, sizeof(*refs), cmp_ref_order);

    copy_header(out, shards, n);
    out->cases = pawl_xcalloc(total + 1, sizeof(*out->cases));
    for (k = 0; k < total; k++)
        copy_case(&out->cases[k], &shards[refs[k].shard].cases[refs[k].index], out->n_scorers);
    out->n_cases = total;
done:
    free(refs);
    return rc;
}

int pawl_merge_gate(struct pawl_results *r, const struct pawl_config *cfg,
                    const struct pawl_results *base, const char *base_label,
                    int allow_dataset_change, struct pawl_error *err)
{
    struct pawl_compare_options copts;
    size_t ci, ti, calls = 0, bad = 0;
    const char *provider = cfg->task.provider;
    int rc;

    if (r->comparison) {
        pawl_comparison_release(r->comparison);
        free(r->comparison);
        r->comparison = NULL;
    }
    for (ci = 0; ci < r->n_cases; ci++) {
        for (ti = 0; ti < r->cases[ci].n_trials; ti++) {
            calls++;
            bad += r->cases[ci].trials[ti].error != NULL;
        }
    }
    /* The run's own test, over all the calls: each shard alone may have been within budget. */
    if (bad > 0 && (double)bad / (double)calls > cfg->run.max_error_rate) {
        pawl_gate_evaluate(r, cfg);
        free(r->verdict);
        r->verdict = pawl_xstrdup("error");
        return pawl_error_set(err, PAWL_EINFRA, NULL, 0, 0,
                              "%zu of %zu calls%s%s%s failed (error rate %.3f, "
                              "run.max_error_rate %.3f): the provider failed, not the candidate",
                              bad, calls, provider ? " to the '" : "", provider ? provider : "",
                              provider ? "' provider" : "", (double)bad / (double)calls,
                              cfg->run.max_error_rate);
    }
    if (base) {
        memset(&copts, 0, sizeof(copts));
        copts.baseline_label = base_label;
        copts.allow_dataset_change = allow_dataset_change;
        copts.confidence = cfg->gate.confidence;
        r->comparison = pawl_xcalloc(1, sizeof(*r->comparison));
        if ((rc = pawl_compare(r->comparison, base, r, &copts, err)) < 0) {
            free(r->comparison);
            r->comparison = NULL;
            return rc;
        }
    }
    pawl_gate_evaluate(r, cfg);
    return 0;
}
