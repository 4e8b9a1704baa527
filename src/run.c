#include <fnmatch.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pawl/alloc.h"
#include "pawl/loop.h"
#include "pawl/run.h"
#include "pawl/usage.h"
#include "pawl/utf8.h"

/* One task being run: the candidate, and in a paired run the baseline too. */
struct side {
    struct pawl_suite *task; /* whose provider answers */
    struct pawl_results *res;
    size_t errored;
};

struct runner {
    struct pawl_suite *suite; /* dataset and scorers, shared by every side */
    struct pawl_loop *loop;
    const char *cache_dir;
    struct side *sides;
    size_t n_sides;
    struct pawl_call *calls; /* n_sides per (selected case, trial), interleaved */
    size_t *call_case;       /* results case index of each call */
    size_t n_calls, next, inflight, finished, errored;
};

int pawl_run_in_shard(const char *id, unsigned index, unsigned count)
{
    /* FNV-1a: fixed, simple and independent of the platform's hash functions. */
    uint64_t h = 1469598103934665603ULL;
    const unsigned char *p = (const unsigned char *)id;

    if (count == 0)
        return 1;
    while (*p) {
        h ^= *p++;
        h *= 1099511628211ULL;
    }
    return (unsigned)(h % count) == index - 1;
}

/* A call whose output async scorers (judges, commands) are still scoring. */
struct scoring {
    struct runner *r;
    json_t *vars;
    struct pawl_scorer_input in;
    struct pawl_scorer_job *jobs;
    size_t pending;
};

/* The call is done once it is scored: only then does it leave the in-flight count. */
static void call_finished(struct runner *r)
{
    r->inflight--;
    r->finished++;
}

static void job_done(struct pawl_scorer_job *job)
{
    struct scoring *sc = job->owner;

    if (--sc->pending > 0)
        return;
    call_finished(sc->r);
    json_decref(sc->vars);
    free(sc->jobs);
    free(sc);
}

/* Scores a trial: the plain scorers at once, the async ones on the loop. */
static void score_trial(struct runner *r, struct pawl_call *call, struct pawl_trial *t)
{
    struct scoring *sc = pawl_xcalloc(1, sizeof(*sc));
    size_t i, n_async = 0;

    t->scores = pawl_xcalloc(r->suite->n_scorers + 1, sizeof(*t->scores));
    sc->r = r;
    sc->vars = json_copy((json_t *)call->vars);
    json_object_set_new(sc->vars, "output", json_string(t->output));
    sc->in.output = t->output;
    sc->in.output_len = strlen(t->output);
    sc->in.vars = sc->vars;
    sc->in.latency_ms = t->latency_ms;
    sc->in.usage = t->usage;
    sc->in.cost = t->cost;
    sc->in.has_cost = t->has_cost;
    for (i = 0; i < r->suite->n_scorers; i++) {
        if (pawl_scorer_is_async(r->suite->scorers[i]))
            n_async++;
        else
            pawl_scorer_run(r->suite->scorers[i], &sc->in, &t->scores[i]);
    }
    if (n_async == 0) {
        json_decref(sc->vars);
        free(sc);
        call_finished(r);
        return;
    }
    sc->jobs = pawl_xcalloc(n_async, sizeof(*sc->jobs));
    /* One more than the jobs, so a job finishing inside start() cannot free sc early. */
    sc->pending = n_async + 1;
    for (i = 0, n_async = 0; i < r->suite->n_scorers; i++) {
        struct pawl_scorer_job *job;
        if (!pawl_scorer_is_async(r->suite->scorers[i]))
            continue;
        job = &sc->jobs[n_async++];
        job->in = &sc->in;
        job->out = &t->scores[i];
        job->loop = r->loop;
        job->cache_dir = r->cache_dir;
        job->trial = call->trial;
        job->done = job_done;
        job->owner = sc;
        pawl_scorer_start(r->suite->scorers[i], job);
    }
    job_done(&sc->jobs[0]); /* drops the extra count */
}

/* The first of `names` that `usage` has as a number, or -1. */
static void call_done(struct pawl_call *call)
{
    struct runner *r = call->owner;
    size_t idx = (size_t)(call - r->calls);
    struct side *side = &r->sides[idx % r->n_sides];
    struct pawl_case_result *cr = &side->res->cases[r->call_case[idx]];
    struct pawl_trial *t = &cr->trials[call->trial];

    t->latency_ms = call->latency_ms;
    t->usage = call->usage;
    call->usage = NULL;
    t->cost = call->cost;
    t->has_cost = call->has_cost;
    t->cached = call->cached;
    if (!t->has_cost && t->usage &&
        pawl_usage_price(&side->task->cfg.task, t->usage, &t->cost) == 0)
        t->has_cost = 1;
    if (call->error) {
        t->error = pawl_utf8_sanitize(call->error, strlen(call->error), NULL);
        side->errored++;
        r->errored++;
    } else {
        t->output = pawl_utf8_sanitize(call->output ? call->output : "", call->output_len, NULL);
    }
    free(call->output);
    call->output = NULL;
    free(call->error);
    call->error = NULL;
    if (t->error)
        call_finished(r);
    else
        score_trial(r, call, t);
}

static void case_outcomes(struct pawl_results *res, size_t n_scorers)
{
    size_t ci, ti, si;

    for (ci = 0; ci < res->n_cases; ci++) {
        struct pawl_case_result *cr = &res->cases[ci];
        int passed = cr->n_trials > 0, errored = 0;
        for (ti = 0; ti < cr->n_trials; ti++) {
            struct pawl_trial *t = &cr->trials[ti];
            if (t->error || !t->scores) {
                errored = 1;
                passed = 0;
                continue;
            }
            for (si = 0; si < n_scorers; si++)
                if (!t->scores[si].passed)
                    passed = 0;
        }
        cr->passed = passed;
        cr->errored = errored;
    }
}

static char *now_rfc3339(void)
{
    time_t now = time(NULL);
    struct tm tm;
    char buf[32];

    gmtime_r(&now, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return pawl_xstrdup(buf);
}

static char *new_run_id(void)
{
    unsigned char raw[8];
    char hex[17];
    size_t i;

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        memset(raw, 0, sizeof(raw));
    for (i = 0; i < sizeof(raw); i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    return pawl_xstrdup(hex);
}

/* `task` supplies the provider and its fingerprint, `s` the dataset and scorers. */
static void fill_header(struct pawl_results *res, const struct pawl_suite *s,
                        const struct pawl_suite *task)
{
    size_t i;

    res->pawl_version = pawl_xstrdup(PAWL_VERSION);
    res->suite = pawl_xstrdup(s->cfg.name);
    res->run_id = new_run_id();
    res->started_at = now_rfc3339();
    pawl_git_describe(&res->git, task->cfg.dir);
    res->dataset_path = pawl_xstrdup(s->dataset.path);
    memcpy(res->dataset_blob, s->dataset.blob, sizeof(res->dataset_blob));
    res->dataset_ref = s->dataset.ref ? pawl_xstrdup(s->dataset.ref) : NULL;
    res->dataset_cases = s->dataset.n_cases;
    memcpy(res->task_fingerprint, task->task_fingerprint, sizeof(res->task_fingerprint));
    memcpy(res->scorers_fingerprint, s->scorers_fingerprint, sizeof(res->scorers_fingerprint));
    res->n_scorers = s->n_scorers;
    res->scorer_names = pawl_xcalloc(s->n_scorers + 1, sizeof(char *));
    for (i = 0; i < s->n_scorers; i++)
        res->scorer_names[i] = pawl_xstrdup(pawl_scorer_name(s->scorers[i]));
}

/* Selects the cases once and gives every side the same case list. */
static size_t select_cases(struct runner *r, const struct pawl_run_options *opts, long repeat)
{
    const struct pawl_dataset *ds = &r->suite->dataset;
    size_t ci, k, selected = 0;

    for (k = 0; k < r->n_sides; k++)
        r->sides[k].res->cases = pawl_xcalloc(ds->n_cases + 1, sizeof(struct pawl_case_result));
    for (ci = 0; ci < ds->n_cases; ci++) {
        const struct pawl_case *c = &ds->cases[ci];
        if (opts->filter && fnmatch(opts->filter, c->id, 0) != 0)
            continue;
        if (!pawl_run_in_shard(c->id, opts->shard_index, opts->shard_count))
            continue;
        for (k = 0; k < r->n_sides; k++) {
            struct pawl_case_result *cr = &r->sides[k].res->cases[selected];
            cr->id = pawl_xstrdup(c->id);
            cr->line = c->line;
            cr->input = json_incref(c->input);
            cr->expected_output = c->expected_output ? json_incref(c->expected_output) : NULL;
            cr->metadata = c->metadata ? json_incref(c->metadata) : NULL;
            cr->n_trials = (size_t)repeat;
            cr->trials = pawl_xcalloc((size_t)repeat, sizeof(struct pawl_trial));
        }
        selected++;
    }
    for (k = 0; k < r->n_sides; k++)
        r->sides[k].res->n_cases = selected;
    return selected;
}

static int run_sides(struct runner *r, const struct pawl_run_options *opts,
                     struct pawl_error *err)
{
    struct pawl_suite *suite = r->suite;
    const struct pawl_config *cfg = &suite->cfg;
    long concurrency = opts->concurrency > 0 ? opts->concurrency : cfg->run.concurrency;
    long repeat = opts->repeat > 0 ? opts->repeat : cfg->run.repeat;
    struct pawl_results *first = r->sides[0].res;
    struct pawl_loop *loop = NULL;
    json_t **vars = NULL;
    long t0 = pawl_loop_now_ms();
    size_t ci, k, sd, selected;
    int rc = 0;

    for (sd = 0; sd < r->n_sides; sd++)
        fill_header(r->sides[sd].res, suite, r->sides[sd].task);
    selected = select_cases(r, opts, repeat);
    if (selected == 0) {
        rc = pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                            "no cases selected (the dataset has %zu; check --filter and --shard)",
                            suite->dataset.n_cases);
        goto done;
    }

    /* Calls go case by case, trial by trial, alternating sides, so drift in
     * a model's behaviour during the run hits baseline and candidate alike. */
    r->n_calls = selected * (size_t)repeat * r->n_sides;
    r->calls = pawl_xcalloc(r->n_calls, sizeof(*r->calls));
    r->call_case = pawl_xcalloc(r->n_calls, sizeof(*r->call_case));
    vars = pawl_xcalloc(selected, sizeof(*vars));
    for (ci = 0, selected = 0; ci < suite->dataset.n_cases; ci++) {
        const struct pawl_case *c = &suite->dataset.cases[ci];
        if (selected >= first->n_cases || strcmp(first->cases[selected].id, c->id) != 0)
            continue;
        vars[selected] = pawl_case_vars(c);
        for (k = 0; k < (size_t)repeat * r->n_sides; k++) {
            size_t idx = (selected * (size_t)repeat) * r->n_sides + k;
            struct pawl_call *call = &r->calls[idx];
            call->c = c;
            call->vars = vars[selected];
            call->trial = (unsigned)(k / r->n_sides);
            /* One cache for both sides: the same request gets the same answer. */
            call->cache_dir = opts->no_cache ? NULL : cfg->run.cache;
            call->done = call_done;
            call->owner = r;
            r->call_case[idx] = selected;
        }
        selected++;
    }

    for (sd = 0; sd < r->n_sides; sd++) {
        struct pawl_suite *task = r->sides[sd].task;
        if (task->provider->ready &&
            (rc = task->provider->ready(task->provider_state, err)) < 0)
            goto done;
    }
    for (k = 0; k < suite->n_scorers; k++)
        if ((rc = pawl_scorer_ready(suite->scorers[k], err)) < 0)
            goto done;
    loop = pawl_loop_new();
    r->loop = loop;
    r->cache_dir = opts->no_cache ? NULL : cfg->run.cache;
    while (r->finished < r->n_calls) {
        if (opts->stop && *opts->stop)
            break;
        while (r->next < r->n_calls && r->inflight < (size_t)concurrency &&
               !(opts->stop && *opts->stop)) {
            size_t idx = r->next++;
            struct pawl_suite *task = r->sides[idx % r->n_sides].task;
            r->inflight++;
            task->provider->start(task->provider_state, loop, &r->calls[idx]);
        }
        if (opts->progress)
            opts->progress(opts->progress_ctx, r->finished, r->n_calls);
        if (r->finished >= r->n_calls)
            break;
        if (pawl_loop_pending(loop) == 0 && r->inflight == 0)
            continue;
        if ((rc = pawl_loop_step(loop, 200, err)) < 0)
            goto done;
    }
    if (opts->stop && *opts->stop) {
        /* Bounded: killed children are reaped within a few loop steps. What was
         * complete before the stop is what the message counts. */
        long deadline = pawl_loop_now_ms() + 5000;
        size_t completed = r->finished;
        pawl_loop_cancel_all(loop);
        while (pawl_loop_pending(loop) > 0 && pawl_loop_now_ms() < deadline)
            pawl_loop_step(loop, 50, NULL);
        for (k = r->next; k < r->n_calls; k++) {
            struct pawl_case_result *cr = &r->sides[k % r->n_sides].res->cases[r->call_case[k]];
            cr->trials[r->calls[k].trial].error = pawl_xstrdup("not run: the run was interrupted");
            cr->trials[r->calls[k].trial].latency_ms = -1;
        }
        for (sd = 0; sd < r->n_sides; sd++)
            r->sides[sd].res->interrupted = 1;
        rc = pawl_error_set(err, PAWL_EINTR, NULL, 0, 0, "interrupted after %zu of %zu calls",
                            completed, r->n_calls);
    }
    if (opts->progress)
        opts->progress(opts->progress_ctx, r->finished, r->n_calls);

    for (sd = 0; sd < r->n_sides; sd++)
        case_outcomes(r->sides[sd].res, suite->n_scorers);
    for (sd = 0; sd < r->n_sides && rc == 0; sd++) {
        size_t calls = r->n_calls / r->n_sides, bad = r->sides[sd].errored;
        const char *provider = r->sides[sd].task->cfg.task.provider;
        if (bad > 0 && (double)bad / (double)calls > cfg->run.max_error_rate)
            rc = pawl_error_set(err, PAWL_EINFRA, NULL, 0, 0,
                                "%zu of %zu calls to the%s '%s' provider failed (error rate %.3f, "
                                "run.max_error_rate %.3f): the provider failed, not the candidate",
                                bad, calls, sd > 0 ? " baseline's" : "", provider,
                                (double)bad / (double)calls, cfg->run.max_error_rate);
    }
done:
    for (sd = 0; sd < r->n_sides; sd++)
        r->sides[sd].res->duration_ms = pawl_loop_now_ms() - t0;
    pawl_loop_free(loop);
    for (k = 0; k < r->n_calls; k++) {
        free(r->calls[k].output);
        free(r->calls[k].error);
        json_decref(r->calls[k].usage);
    }
    for (ci = 0; vars && ci < first->n_cases; ci++)
        json_decref(vars[ci]);
    free(vars);
    free(r->calls);
    free(r->call_case);
    return rc;
}

int pawl_run_execute(struct pawl_results *out, struct pawl_suite *suite,
                     const struct pawl_run_options *opts, struct pawl_error *err)
{
    struct side side = {suite, out, 0};
    struct runner r;

    memset(&r, 0, sizeof(r));
    r.suite = suite;
    r.sides = &side;
    r.n_sides = 1;
    return run_sides(&r, opts, err);
}

int pawl_run_execute_paired(struct pawl_results *out, struct pawl_results *base_out,
                            struct pawl_suite *suite, struct pawl_suite *base_task,
                            const struct pawl_run_options *opts, struct pawl_error *err)
{
    struct side sides[2] = {{suite, out, 0}, {base_task, base_out, 0}};
    struct runner r;

    memset(&r, 0, sizeof(r));
    r.suite = suite;
    r.sides = sides;
    r.n_sides = 2;
    return run_sides(&r, opts, err);
}
