/* pawl push: sends a run to Langfuse (langfuse_push.h); the bodies come from langfuse_push_body.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "langfuse_push_impl.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/config.h"
#include "pawl/langfuse.h"

/* How far before the run's start to look for traces a previous push sent. */
#define EXISTING_MARGIN_MS (3600LL * 1000)
/* Guards paging against a server whose cursor never ends. */
#define MAX_PAGES 100000

enum job_kind { JOB_RUN_ITEM, JOB_OTLP, JOB_INGEST, JOB_SCORE, JOB_RUN_SCORE, JOB_SCORE_BATCH };

struct push;

struct job {
    struct push *ps;
    enum job_kind kind;
    size_t lo, hi;     /* items [lo, hi) for batches; the item of a run item or score */
    size_t exp;        /* the experiment of a run score */
    size_t n_spans;    /* OTLP: spans in the batch */
    size_t n_traces;   /* batches: traces in it (items between lo and hi may be skipped) */
    const size_t *idx; /* batches: the items of its units, idx[u_lo..u_hi) */
    size_t u_lo, u_hi;
    char *label;  /* names the subject in failure messages */
    json_t *body; /* built just before the job starts */
    char method[8];
    char *path;
};

struct push {
    struct pawl_langfuse *lf;
    struct pawl_lfpush_plan plan;
    struct pawl_langfuse_push_summary *sum;
    unsigned chunk; /* requests queued at a time */
    unsigned lf_concurrency;
    int stop;            /* an answer that makes further requests pointless */
    unsigned char *skip; /* per item: Langfuse has it already */
    struct pawl_lfpush_scores scores;
    long long now_ms; /* when the push began: the score-create events' timestamp */
};

int pawl_langfuse_api_parse(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "auto") == 0)
        return PAWL_LANGFUSE_API_AUTO;
    if (strcmp(name, "v3") == 0)
        return PAWL_LANGFUSE_API_V3;
    if (strcmp(name, "v4") == 0)
        return PAWL_LANGFUSE_API_V4;
    return -1;
}

void pawl_langfuse_push_options_from_config(struct pawl_langfuse_push_options *out,
                                            const struct pawl_config *cfg)
{
    int api = cfg ? pawl_langfuse_api_parse(cfg->report.langfuse.api) : -1;

    memset(out, 0, sizeof(*out));
    out->client.retries = -1;
    out->api = api < 0 ? PAWL_LANGFUSE_API_AUTO : (enum pawl_langfuse_api)api;
    if (cfg) {
        out->dataset = cfg->report.langfuse.dataset;
        out->environment = cfg->report.langfuse.environment;
        out->score_batches = cfg->report.langfuse.score_batches;
    }
}

static void failure(struct push *ps, int fatal, const char *fmt, ...) PAWL_PRINTF(3, 4);

static void failure(struct push *ps, int fatal, const char *fmt, ...)
{
    struct pawl_langfuse_push_summary *s = ps->sum;
    va_list ap;

    s->failed++;
    if (fatal)
        ps->stop = 1;
    if (s->n_reasons < PAWL_LANGFUSE_PUSH_MAX_REASONS) {
        struct pawl_buf b = PAWL_BUF_INIT;
        va_start(ap, fmt);
        pawl_buf_vprintf(&b, fmt, ap);
        va_end(ap);
        s->reasons[s->n_reasons++] = pawl_buf_detach(&b, NULL);
    }
}

/* No answer at all, bad credentials, throttling or a server error that outlived the retries:
 * every further request would meet the same fate. */
static int fatal_status(long status)
{
    return status == 0 || status == 401 || status == 403 || status == 429 || status >= 500;
}

/* Records a reply that is not 2xx; returns 1 when it was one. */
static int reply_failed(struct push *ps, const char *label, const struct pawl_langfuse_call *call,
                        const struct pawl_langfuse_reply *reply, const char *error)
{
    struct pawl_error e;

    if (reply && reply->status >= 200 && reply->status < 300)
        return 0;
    pawl_error_init(&e);
    if (!reply || reply->status == 0)
        pawl_error_set(&e, PAWL_EIO, NULL, 0, 0, "%s", error ? error : "no answer from Langfuse");
    else
        pawl_langfuse_check(reply, call, &e);
    if (label)
        failure(ps, fatal_status(reply ? reply->status : 0), "%s: %s", label, e.msg);
    else
        failure(ps, fatal_status(reply ? reply->status : 0), "%s", e.msg);
    return 1;
}

/* ---- one request at a time ---- */

static enum pawl_langfuse_api detect_api(struct push *ps)
{
    struct pawl_langfuse_call call = {"GET", "/api/public/health", NULL, NULL, 0, NULL};
    struct pawl_langfuse_reply reply = {0};
    struct pawl_error e;
    enum pawl_langfuse_api api = PAWL_LANGFUSE_API_V4;
    const json_t *v;

    pawl_error_init(&e);
    /* A server whose health check fails is treated as current: v4 is where Langfuse goes. */
    if (pawl_langfuse_request(ps->lf, &call, &reply, &e) == 0 && reply.status >= 200 &&
        reply.status < 300 && json_is_string(v = json_object_get(reply.body, "version"))) {
        const char *s = json_string_value(v);
        if (*s == 'v' || *s == 'V')
            s++;
        if (*s >= '0' && *s <= '9' && atoi(s) < 4)
            api = PAWL_LANGFUSE_API_V3;
    }
    pawl_langfuse_reply_release(&reply);
    return api;
}

static int resolve_dataset(struct push *ps, struct pawl_error *err)
{
    struct pawl_langfuse_reply reply = {0};
    char *esc = pawl_langfuse_escape(ps->plan.dataset);
    char *path = pawl_xasprintf("/api/public/v2/datasets/%s", esc);
    struct pawl_langfuse_call call = {"GET", path, NULL, NULL, 0, NULL};
    const json_t *id;
    int rc;

    free(esc);
    rc = pawl_langfuse_request(ps->lf, &call, &reply, err);
    if (rc < 0)
        goto done;
    if (reply.status == 404) {
        rc = pawl_error_set(err, PAWL_ECONFIG, NULL, 0, 0,
                            "Langfuse at %s has no dataset '%s' (create it with 'pawl dataset "
                            "push FILE --name %s')",
                            pawl_langfuse_url(ps->lf), ps->plan.dataset, ps->plan.dataset);
        goto done;
    }
    if ((rc = pawl_langfuse_check(&reply, &call, err)) < 0)
        goto done;
    id = json_object_get(reply.body, "id");
    if (!json_is_string(id) || !json_string_length(id)) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0,
                            "Langfuse answered GET %s without the dataset's id", path);
        goto done;
    }
    ps->plan.dataset_id = pawl_xstrdup(json_string_value(id));
done:
    pawl_langfuse_reply_release(&reply);
    free(path);
    return rc;
}

/* v4 with a dataset: every experiment's id as Langfuse derives it, from the project's id. */
static int stable_ids(struct push *ps, struct pawl_error *err)
{
    struct pawl_langfuse_call call = {"GET", "/api/public/projects", NULL, NULL, 0, NULL};
    struct pawl_langfuse_reply reply = {0};
    const json_t *id;
    size_t e;
    int rc;

    if ((rc = pawl_langfuse_send(ps->lf, &call, &reply, err)) < 0)
        goto done;
    /* A project's API keys see exactly their project. */
    id = json_object_get(json_array_get(json_object_get(reply.body, "data"), 0), "id");
    if (!json_is_string(id) || !json_string_length(id)) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0,
                            "Langfuse gave no experiment id for '%s': GET /api/public/projects "
                            "answered without the project id it derives from (use the API keys "
                            "of a Langfuse project)",
                            ps->plan.exps[0].name);
        goto done;
    }
    for (e = 0; e < ps->plan.n_exps; e++)
        pawl_lfpush_experiment_id(ps->plan.exps[e].id, json_string_value(id), ps->plan.dataset_id,
                                  ps->plan.exps[e].name);
done:
    pawl_langfuse_reply_release(&reply);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct strset {
    char **v;
    size_t n, alloc;
};

static void strset_add(struct strset *s, const char *str)
{
    PAWL_ALLOC_GROW(s->v, s->n + 1, s->alloc);
    s->v[s->n++] = pawl_xstrdup(str);
}

static int strset_has(const struct strset *s, const char *str)
{
    return s->n && bsearch(&str, s->v, s->n, sizeof(*s->v), cmp_str) != NULL;
}

static void strset_release(struct strset *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/* v4: the traces experiment e already has (a previous push), paged by cursor. */
static int existing_traces(struct push *ps, size_t e, struct strset *out, struct pawl_error *err)
{
    struct pawl_langfuse_reply reply = {0};
    char ts[32], *exp = pawl_langfuse_escape(ps->plan.exps[e].id), *from, *cursor = NULL;
    char *path = NULL;
    int rc = 0, page;

    pawl_langfuse_timestamp(ts, ps->plan.started_ms - EXISTING_MARGIN_MS);
    from = pawl_langfuse_escape(ts);
    for (page = 0; page < MAX_PAGES; page++) {
        struct pawl_langfuse_call call = {"GET", NULL, NULL, NULL, 0, NULL};
        const json_t *data, *next, *row;
        size_t i;

        free(path);
        path = pawl_xasprintf("/api/public/experiment-items?experimentId=%s&fromStartTime=%s"
                              "&limit=100%s%s",
                              exp, from, cursor ? "&cursor=" : "", cursor ? cursor : "");
        call.path = path;
        pawl_langfuse_reply_release(&reply);
        if ((rc = pawl_langfuse_send(ps->lf, &call, &reply, err)) < 0)
            goto done;
        data = json_object_get(reply.body, "data");
        json_array_foreach(data, i, row)
        {
            const json_t *t = json_object_get(row, "traceId");
            if (json_is_string(t))
                strset_add(out, json_string_value(t));
        }
        next = json_object_get(json_object_get(reply.body, "meta"), "cursor");
        free(cursor);
        cursor = json_is_string(next) && json_string_length(next)
                     ? pawl_langfuse_escape(json_string_value(next))
                     : NULL;
        if (!cursor || json_array_size(data) == 0)
            break;
    }
    if (out->n)
        qsort(out->v, out->n, sizeof(*out->v), cmp_str);
done:
    pawl_langfuse_reply_release(&reply);
    free(path);
    free(cursor);
    free(from);
    free(exp);
    return rc;
}

/* v3: the run experiment e names (its id) and the dataset items it already has. */
static int existing_run(struct push *ps, size_t e, struct strset *out, struct pawl_error *err)
{
    struct pawl_langfuse_reply reply = {0};
    char *ds = pawl_langfuse_escape(ps->plan.dataset);
    char *run = pawl_langfuse_escape(ps->plan.exps[e].name);
    char *path = pawl_xasprintf("/api/public/datasets/%s/runs/%s", ds, run);
    struct pawl_langfuse_call call = {"GET", path, NULL, NULL, 0, NULL};
    const json_t *items, *row, *id;
    size_t i;
    int rc;

    if ((rc = pawl_langfuse_request(ps->lf, &call, &reply, err)) < 0 || reply.status == 404)
        goto done;
    if ((rc = pawl_langfuse_check(&reply, &call, err)) < 0)
        goto done;
    id = json_object_get(reply.body, "id");
    if (json_is_string(id))
        snprintf(ps->plan.exps[e].id, sizeof(ps->plan.exps[e].id), "%s", json_string_value(id));
    items = json_object_get(reply.body, "datasetRunItems");
    json_array_foreach(items, i, row)
    {
        const json_t *di = json_object_get(row, "datasetItemId");
        if (json_is_string(di))
            strset_add(out, json_string_value(di));
    }
    if (out->n)
        qsort(out->v, out->n, sizeof(*out->v), cmp_str);
done:
    pawl_langfuse_reply_release(&reply);
    free(path);
    free(run);
    free(ds);
    return rc;
}

/* ---- many requests at once ---- */

static char *item_label(const struct pawl_lfpush_item *it)
{
    return pawl_xasprintf("case '%s' trial %zu", it->c->id, it->trial);
}

/* The ingestion event of batch job j with envelope id `id`: its item and type, for messages. */
static const char *event_of(const struct job *j, const char *id, size_t *item)
{
    static const char *const types[] = {"trace-create", "span-create", "generation-create"};
    const struct pawl_lfpush_plan *p = &j->ps->plan;
    size_t i, k;
    char want[33];

    for (i = j->lo; i < j->hi; i++) {
        for (k = 0; k < 3; k++) {
            pawl_lfpush_hex(want, 32, p, p->items[i].c->id, p->items[i].trial, types[k]);
            if (strcmp(want, id) == 0) {
                *item = i;
                return types[k];
            }
        }
    }
    return NULL;
}

/* One event of a 207 answer that Langfuse refused; `what` names it ("generation-create of case
 * 'c' trial 1"), or NULL when pawl cannot tell which event the id is. */
static void event_refused(struct push *ps, const json_t *e, const char *what)
{
    const json_t *id = json_object_get(e, "id"), *msg = json_object_get(e, "message");
    long status = (long)json_integer_value(json_object_get(e, "status"));

    if (!json_is_string(msg))
        msg = json_object_get(e, "error");
    failure(ps, 0,
            "event %s%s%s%s refused in POST /api/public/ingestion: %ld %s; push again once "
            "fixed (the ids are stable, so nothing is duplicated)",
            json_is_string(id) ? json_string_value(id) : "?", what ? " (" : "", what ? what : "",
            what ? ")" : "", status, json_is_string(msg) ? json_string_value(msg) : "rejected");
}

static void ingest_done(struct job *j, const struct pawl_langfuse_reply *reply)
{
    struct push *ps = j->ps;
    size_t traces = j->n_traces, obs = 2 * j->n_traces, i;
    const json_t *errors = json_object_get(reply->body, "errors"), *e;

    /* 207: each event answers for itself; errors are the events not taken. */
    json_array_foreach(errors, i, e)
    {
        const json_t *id = json_object_get(e, "id");
        size_t item = 0;
        const char *type = json_is_string(id) ? event_of(j, json_string_value(id), &item) : NULL;
        char *label = NULL, *what = NULL;

        if (type) {
            label = item_label(&ps->plan.items[item]);
            what = pawl_xasprintf("%s of %s", type, label);
            if (strcmp(type, "trace-create") == 0 && traces)
                traces--;
            else if (obs)
                obs--;
        }
        event_refused(ps, e, what);
        free(what);
        free(label);
    }
    ps->sum->traces += traces;
    ps->sum->observations += obs;
}

/* A batch of score-create events: the scores [u_lo, u_hi) of ps->scores. */
static void score_batch_done(struct job *j, const struct pawl_langfuse_reply *reply)
{
    struct push *ps = j->ps;
    const struct pawl_lfpush_scores *sc = &ps->scores;
    const json_t *errors = json_object_get(reply->body, "errors"), *e;
    size_t items = 0, runs = 0, i;

    for (i = j->u_lo; i < j->u_hi; i++)
        *(sc->v[i].run ? &runs : &items) += 1;
    json_array_foreach(errors, i, e)
    {
        const json_t *id = json_object_get(e, "id");
        const struct pawl_lfpush_score *x =
            pawl_lfpush_scores_find(sc, json_is_string(id) ? json_string_value(id) : NULL);
        char *what = NULL;

        if (x && x >= sc->v + j->u_lo && x < sc->v + j->u_hi) {
            what = pawl_xasprintf("score-create of %s", x->label);
            if (x->run && runs)
                runs--;
            else if (!x->run && items)
                items--;
        }
        event_refused(ps, e, what);
        free(what);
    }
    ps->sum->scores += items;
    ps->sum->run_scores += runs;
}

static void run_item_done(struct job *j, const struct pawl_langfuse_reply *reply)
{
    struct push *ps = j->ps;
    struct pawl_lfpush_experiment *x = &ps->plan.exps[ps->plan.items[j->lo].experiment];
    const json_t *id = json_object_get(reply->body, "datasetRunId");

    ps->sum->run_items++;
    if (!x->id[0] && json_is_string(id))
        snprintf(x->id, sizeof(x->id), "%s", json_string_value(id));
}

static void job_done(void *ctx, const struct pawl_langfuse_reply *reply, const char *error)
{
    struct job *j = ctx;
    struct push *ps = j->ps;
    struct pawl_langfuse_call call = {j->method, j->path, NULL, NULL, 0, NULL};

    if (reply_failed(ps, j->label, &call, reply, error))
        return;
    switch (j->kind) {
    case JOB_RUN_ITEM:
        run_item_done(j, reply);
        break;
    case JOB_OTLP:
        ps->sum->traces += j->n_traces;
        ps->sum->observations += j->n_spans;
        break;
    case JOB_INGEST:
        ingest_done(j, reply);
        break;
    case JOB_SCORE:
        ps->sum->scores++;
        break;
    case JOB_RUN_SCORE:
        ps->sum->run_scores++;
        break;
    case JOB_SCORE_BATCH:
        score_batch_done(j, reply);
        break;
    }
}

static void job_release(struct job *j)
{
    free(j->label);
    free(j->path);
    json_decref(j->body);
    memset(j, 0, sizeof(*j));
}

static json_t *batch_body(const struct job *j);

/* Queues the jobs a chunk at a time, so that a fatal answer stops the rest. */
static int run_jobs(struct push *ps, struct job *jobs, size_t n, struct pawl_error *err)
{
    size_t i = 0, end;
    int rc = 0;

    while (i < n && !ps->stop) {
        end = i + ps->chunk < n ? i + ps->chunk : n;
        for (; i < end; i++) {
            struct job *j = &jobs[i];
            const char *v4[] = {"x-langfuse-ingestion-version: 4", NULL};
            struct pawl_langfuse_call call = {j->method, j->path, NULL, NULL, 0, NULL};
            if (!j->body && j->kind == JOB_SCORE_BATCH)
                j->body = pawl_lfpush_score_batch(&ps->scores, j->u_lo, j->u_hi, ps->now_ms);
            else if (!j->body && j->idx)
                j->body = batch_body(j);
            call.body = j->body;
            /* v4 keeps a span exported twice: an export whose fate is unknown (timed out,
             * connection broke) is not resent; the next push sends what is missing. Every
             * other write is an upsert by id and may be retried. */
            if (j->kind == JOB_OTLP) {
                call.extra_headers = v4;
                pawl_langfuse_start_once(ps->lf, &call, job_done, j);
            } else {
                pawl_langfuse_start(ps->lf, &call, job_done, j);
            }
            /* The client copied the body. */
            json_decref(j->body);
            j->body = NULL;
        }
        if ((rc = pawl_langfuse_wait(ps->lf, err)) < 0)
            break;
    }
    return rc;
}

static void job_init(struct job *j, struct push *ps, enum job_kind kind, const char *path)
{
    memset(j, 0, sizeof(*j));
    j->ps = ps;
    j->kind = kind;
    snprintf(j->method, sizeof(j->method), "POST");
    j->path = pawl_xstrdup(path);
}

/* Dataset run items for the items not skipped; the first alone, so that a v3 server creates
 * the run once instead of racing to create it from several requests. */
static int send_run_items(struct push *ps, struct pawl_error *err)
{
    const struct pawl_lfpush_plan *p = &ps->plan;
    struct job *jobs = pawl_xcalloc(p->n_items + 1, sizeof(*jobs));
    size_t i, n = 0;
    int rc;

    for (i = 0; i < p->n_items; i++) {
        struct job *j;
        char *il;
        if (ps->skip[i])
            continue;
        j = &jobs[n++];
        job_init(j, ps, JOB_RUN_ITEM, "/api/public/dataset-run-items");
        j->lo = i;
        il = item_label(&p->items[i]);
        j->label =
            pawl_xasprintf("dataset run item of %s (dataset item '%s')", il, p->items[i].item_id);
        free(il);
        j->body = pawl_lfpush_run_item(p, i);
    }
    rc = run_jobs(ps, jobs, n ? 1 : 0, err);
    if (rc == 0 && n > 1)
        rc = run_jobs(ps, jobs + 1, n - 1, err);
    for (i = 0; i < n; i++)
        job_release(&jobs[i]);
    free(jobs);
    return rc;
}

/* The body of a trace batch: the units of the items idx[u_lo..u_hi). */
static json_t *batch_body(const struct job *j)
{
    const struct pawl_lfpush_plan *p = &j->ps->plan;
    json_t *all = json_array();
    size_t u;

    for (u = j->u_lo; u < j->u_hi; u++) {
        size_t i = j->idx[u];
        json_t *unit =
            j->kind == JOB_OTLP ? pawl_lfpush_otlp_spans(p, i) : pawl_lfpush_ingestion_events(p, i);
        json_array_extend(all, unit);
        json_decref(unit);
    }
    if (j->kind == JOB_OTLP)
        return pawl_lfpush_otlp_request(p, all);
    return json_pack("{s:o}", "batch", all);
}

/*
 * The traces not skipped, in requests within the size limit: OTLP (v4) or ingestion (v3).
 * Each unit is built once to be measured and again when its batch is queued: holding every
 * body of a large run at once costs gigabytes.
 */
static int send_traces(struct push *ps, int v4, struct pawl_error *err)
{
    const struct pawl_lfpush_plan *p = &ps->plan;
    size_t *sizes = pawl_xcalloc(p->n_items + 1, sizeof(*sizes));
    size_t *idx = pawl_xcalloc(p->n_items + 1, sizeof(*idx));
    size_t *ends = pawl_xcalloc(p->n_items + 1, sizeof(*ends));
    struct job *jobs = NULL;
    size_t i, n = 0, nb, b, start = 0;
    unsigned chunk = ps->chunk;
    int rc;

    for (i = 0; i < p->n_items; i++) {
        json_t *unit;
        char *text;
        if (ps->skip[i])
            continue;
        unit = v4 ? pawl_lfpush_otlp_spans(p, i) : pawl_lfpush_ingestion_events(p, i);
        text = json_dumps(unit, JSON_COMPACT);
        sizes[n] = text ? strlen(text) : 0;
        free(text);
        json_decref(unit);
        idx[n++] = i;
    }
    /* 1 KiB covers the envelope around the units (resource, scope, batch). */
    nb = pawl_lfpush_batch(ends, sizes, n, 1024, PAWL_LFPUSH_BATCH_LIMIT);
    jobs = pawl_xcalloc(nb + 1, sizeof(*jobs));
    for (b = 0; b < nb; b++) {
        struct job *j = &jobs[b];
        job_init(j, ps, v4 ? JOB_OTLP : JOB_INGEST,
                 v4 ? "/api/public/otel/v1/traces" : "/api/public/ingestion");
        j->idx = idx;
        j->u_lo = start;
        j->u_hi = ends[b];
        j->lo = idx[start];
        j->hi = idx[ends[b] - 1] + 1;
        j->n_spans = 2 * (ends[b] - start);
        j->n_traces = ends[b] - start;
        j->label = pawl_xasprintf("%s of %zu traces", v4 ? "OTLP export" : "ingestion batch",
                                  ends[b] - start);
        start = ends[b];
    }
    /* A few megabytes each: no more queued than can be in flight. */
    ps->chunk = ps->lf_concurrency;
    rc = run_jobs(ps, jobs, nb, err);
    ps->chunk = chunk;
    for (b = 0; b < nb; b++)
        job_release(&jobs[b]);
    free(jobs);
    free(sizes);
    free(idx);
    free(ends);
    return rc;
}

/* Every score: one POST /api/public/scores each, or score-create events in ingestion batches. */
static int send_scores(struct push *ps, int batches, struct pawl_error *err)
{
    struct pawl_lfpush_scores *sc = &ps->scores;
    struct job *jobs;
    size_t *ends = NULL, i, n, start = 0;
    int rc;

    pawl_lfpush_scores_collect(sc, &ps->plan);
    ps->sum->scores_skipped += sc->skipped;
    if (batches) {
        ends = pawl_xcalloc(sc->n + 1, sizeof(*ends));
        n = pawl_lfpush_score_batches(ends, sc, ps->now_ms, PAWL_LFPUSH_BATCH_LIMIT);
    } else {
        n = sc->n;
    }
    jobs = pawl_xcalloc(n + 1, sizeof(*jobs));
    for (i = 0; i < n; i++) {
        struct job *j = &jobs[i];
        if (batches) {
            job_init(j, ps, JOB_SCORE_BATCH, "/api/public/ingestion");
            j->u_lo = start;
            j->u_hi = start = ends[i];
            j->label = pawl_xasprintf("ingestion batch of %zu scores", j->u_hi - j->u_lo);
        } else {
            job_init(j, ps, sc->v[i].run ? JOB_RUN_SCORE : JOB_SCORE, "/api/public/scores");
            j->label = pawl_xstrdup(sc->v[i].label);
            j->body = json_incref(sc->v[i].body);
        }
    }
    rc = run_jobs(ps, jobs, n, err);
    for (i = 0; i < n; i++)
        job_release(&jobs[i]);
    free(jobs);
    free(ends);
    return rc;
}

int pawl_langfuse_push(const struct pawl_results *r, const struct pawl_langfuse_push_options *o,
                       struct pawl_langfuse_push_summary *out, struct pawl_error *err)
{
    static const struct pawl_langfuse_push_options none = {0};
    struct push ps;
    struct strset have = {0};
    enum pawl_langfuse_api api;
    size_t e, i;
    int rc, v4 = 0;

    if (!o)
        o = &none;
    memset(&ps, 0, sizeof(ps));
    ps.sum = out;
    ps.lf_concurrency = o->client.concurrency ? o->client.concurrency : 8;
    ps.chunk = 4 * ps.lf_concurrency;
    {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        ps.now_ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    }
    if ((rc = pawl_lfpush_plan_init(&ps.plan, r, o, err)) < 0)
        goto done;
    out->n_experiments = ps.plan.n_exps;
    out->experiment_ids = pawl_xcalloc(ps.plan.n_exps, sizeof(char *));
    out->experiment_names = pawl_xcalloc(ps.plan.n_exps, sizeof(char *));
    for (e = 0; e < ps.plan.n_exps; e++)
        out->experiment_names[e] = pawl_xstrdup(ps.plan.exps[e].name);
    ps.skip = pawl_xcalloc(ps.plan.n_items + 1, 1);
    if ((rc = pawl_langfuse_open(&ps.lf, &o->client, err)) < 0)
        goto done;
    out->url = pawl_xstrdup(pawl_langfuse_url(ps.lf));

    api = o->api == PAWL_LANGFUSE_API_AUTO ? detect_api(&ps) : o->api;
    v4 = api == PAWL_LANGFUSE_API_V4;
    out->api = v4 ? "v4" : "v3";
    if (ps.plan.dataset && (rc = resolve_dataset(&ps, err)) < 0)
        goto done;

    if (v4) {
        /* The experiment id must be known before any span carries it. Langfuse derives it
         * from the project, the dataset and the name, so pawl does too (as langfuse-js):
         * POST /api/public/dataset-run-items is gone from Cloud and rate-limited anyway. */
        if (ps.plan.dataset) {
            if ((rc = stable_ids(&ps, err)) < 0)
                goto done;
        } else {
            pawl_lfpush_plan_own_ids(&ps.plan);
        }
        /* v4 duplicates a span sent twice: leave out the traces a previous push sent. */
        for (e = 0; e < ps.plan.n_exps && !ps.stop; e++) {
            if ((rc = existing_traces(&ps, e, &have, err)) < 0)
                goto done;
            for (i = 0; i < ps.plan.n_items; i++)
                if (ps.plan.items[i].experiment == e &&
                    strset_has(&have, ps.plan.items[i].trace_id)) {
                    ps.skip[i] = 1;
                    out->traces_existing++;
                }
            strset_release(&have);
        }
        if (!ps.stop && (rc = send_traces(&ps, 1, err)) < 0)
            goto done;
    } else {
        if ((rc = send_traces(&ps, 0, err)) < 0)
            goto done;
        if (ps.plan.dataset && !ps.stop) {
            for (e = 0; e < ps.plan.n_exps; e++) {
                if ((rc = existing_run(&ps, e, &have, err)) < 0)
                    goto done;
                for (i = 0; i < ps.plan.n_items; i++)
                    if (ps.plan.items[i].experiment == e &&
                        strset_has(&have, ps.plan.items[i].item_id)) {
                        ps.skip[i] = 1;
                        out->run_items_existing++;
                    }
                strset_release(&have);
            }
            if ((rc = send_run_items(&ps, err)) < 0)
                goto done;
            /* Without the run's id its run scores have nothing to attach to. */
            for (e = 0; e < ps.plan.n_exps && !ps.stop; e++)
                if (!ps.plan.exps[e].id[0])
                    failure(&ps, 0,
                            "Langfuse gave no experiment id for '%s': POST "
                            "/api/public/dataset-run-items accepted none of its items, so its "
                            "run scores were not sent (fix the failures above and push again)",
                            ps.plan.exps[e].name);
        }
    }
    if (!ps.stop && (rc = send_scores(&ps, o->score_batches, err)) < 0)
        goto done;

    if (out->failed) {
        char more[64] = "";
        if (out->failed > 1)
            snprintf(more, sizeof(more), " (and %zu more)", out->failed - 1);
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "%s%s%s", out->reasons[0], more,
                            ps.stop ? "; the push stopped there" : "");
    }
done:
    for (e = 0; e < ps.plan.n_exps && out->experiment_ids; e++)
        out->experiment_ids[e] = pawl_xstrdup(ps.plan.exps[e].id);
    if (ps.plan.exps)
        pawl_lfpush_summary_text(out, &ps.plan, v4, rc < 0);
    else if (!out->text)
        out->text = pawl_xstrdup("nothing pushed");
    strset_release(&have);
    free(ps.skip);
    pawl_lfpush_scores_release(&ps.scores);
    pawl_lfpush_plan_release(&ps.plan);
    pawl_langfuse_close(ps.lf);
    return rc;
}
