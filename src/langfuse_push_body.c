/* The request bodies of a Langfuse push (langfuse_push_impl.h): pure functions of the results. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "langfuse_push_impl.h"
#include "pawl/alloc.h"
#include "pawl/civil.h"
#include "pawl/langfuse.h"

/* ---- times ---- */

static int digits(const char *s, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int pawl_lfpush_parse_time(long long *out, const char *s)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    long long ms = 0, scale = 100;
    const char *p;

    if (!s || strlen(s) < 20 || digits(s, 4, &y) < 0 || s[4] != '-' || digits(s + 5, 2, &mo) < 0 ||
        s[7] != '-' || digits(s + 8, 2, &d) < 0 || (s[10] != 'T' && s[10] != 't') ||
        digits(s + 11, 2, &h) < 0 || s[13] != ':' || digits(s + 14, 2, &mi) < 0 || s[16] != ':' ||
        digits(s + 17, 2, &sec) < 0)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    p = s + 19;
    if (*p == '.') {
        if (p[1] < '0' || p[1] > '9')
            return -1;
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            ms += (*p - '0') * scale;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        if (digits(p + 1, 2, &oh) < 0 || p[3] != ':' || digits(p + 4, 2, &om) < 0 || oh > 23 ||
            om > 59)
            return -1;
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    *out = ((pawl_days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h) * 60 + mi) * 60 + sec;
    *out = (*out - sign * (oh * 3600LL + om * 60LL)) * 1000 + ms;
    return 0;
}

int pawl_lfpush_environment_ok(const char *env)
{
    size_t i, n = env ? strlen(env) : 0;

    if (n < 1 || n > 40 || strncmp(env, "langfuse", 8) == 0)
        return 0;
    for (i = 0; i < n; i++)
        if (!((env[i] >= 'a' && env[i] <= 'z') || (env[i] >= '0' && env[i] <= '9') ||
              env[i] == '-' || env[i] == '_'))
            return 0;
    return 1;
}

/* ---- the plan ---- */

static void hex_id(char *out, size_t len, const char *a, const char *b, const char *c,
                   const char *d)
{
    const char *parts[4] = {a, b, c, d};
    size_t n = d ? 4 : c ? 3 : b ? 2 : 1;

    pawl_langfuse_hex_id(out, len, parts, n);
}

void pawl_lfpush_hex(char *out, size_t len, const struct pawl_lfpush_plan *p, const char *case_id,
                     size_t trial, const char *tag)
{
    const char *parts[5];
    char num[32];
    size_t n = 0;

    snprintf(num, sizeof(num), "%zu", trial);
    parts[n++] = p->r->run_id;
    parts[n++] = case_id;
    parts[n++] = num;
    if (tag)
        parts[n++] = tag;
    /* The same run pushed with and without a dataset makes two experiments: their traces
     * must not share ids, or v4 would see one span twice. */
    if (p->dataset)
        parts[n++] = p->dataset;
    pawl_langfuse_hex_id(out, len, parts, n);
}

int pawl_lfpush_plan_init(struct pawl_lfpush_plan *out, const struct pawl_results *r,
                          const struct pawl_langfuse_push_options *o, struct pawl_error *err)
{
    struct pawl_lfpush_plan *p = out;
    const char *prefix = o && o->id_prefix ? o->id_prefix : "";
    char head[1200];
    size_t ci, ti, e, n = 0;

    memset(p, 0, sizeof(*p));
    p->r = r;
    p->environment = o ? o->environment : NULL;
    p->dataset = o ? o->dataset : NULL;
    p->suite = r->suite && r->suite[0] ? r->suite : "pawl";
    if (!r->run_id || !r->run_id[0])
        return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                              "the results have no run id, which Langfuse ids derive from");
    if (pawl_lfpush_parse_time(&p->started_ms, r->started_at) < 0)
        return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                              "the results' start time '%s' is not an RFC 3339 time",
                              r->started_at ? r->started_at : "");
    if (p->environment && !pawl_lfpush_environment_ok(p->environment))
        return pawl_error_set(err, PAWL_ECONFIG, NULL, 0, 0,
                              "invalid Langfuse environment '%s': use 1 to 40 lower case letters, "
                              "digits, '-' and '_', not starting with 'langfuse'",
                              p->environment);

    for (ci = 0; ci < r->n_cases; ci++) {
        n += r->cases[ci].n_trials;
        if (r->cases[ci].n_trials > p->n_trials)
            p->n_trials = r->cases[ci].n_trials;
    }
    p->own_id = pawl_xcalloc(17, 1);
    hex_id(p->own_id, 16, r->run_id, "experiment", NULL, NULL);

    /* The name holds only what the results hold, so pushing twice names the same experiment. */
    if (r->git.present && r->git.commit[0])
        snprintf(head, sizeof(head), "%s %s@%.7s %s", p->suite, r->git.ref ? r->git.ref : "HEAD",
                 r->git.commit, r->run_id);
    else
        snprintf(head, sizeof(head), "%s %s", p->suite, r->run_id);
    p->n_exps = p->n_trials > 1 ? p->n_trials : 1;
    p->exps = pawl_xcalloc(p->n_exps, sizeof(*p->exps));
    for (e = 0; e < p->n_exps; e++) {
        struct pawl_lfpush_experiment *x = &p->exps[e];
        if (p->n_exps > 1) {
            x->trial = e + 1;
            x->name = pawl_xasprintf("%s trial %zu/%zu", head, e + 1, p->n_exps);
            x->description =
                pawl_xasprintf("pawl run %s of '%s' on %s, trial %zu of %zu", r->run_id, p->suite,
                               r->dataset_path ? r->dataset_path : "its dataset", e + 1, p->n_exps);
        } else {
            x->name = pawl_xstrdup(head);
            x->description = pawl_xasprintf("pawl run %s of '%s' on %s", r->run_id, p->suite,
                                            r->dataset_path ? r->dataset_path : "its dataset");
        }
    }

    p->items = pawl_xcalloc(n ? n : 1, sizeof(*p->items));
    for (ci = 0; ci < r->n_cases; ci++) {
        const struct pawl_case_result *c = &r->cases[ci];
        for (ti = 0; ti < c->n_trials; ti++) {
            struct pawl_lfpush_item *it = &p->items[p->n_items++];
            it->c = c;
            it->t = &c->trials[ti];
            it->trial = ti + 1;
            it->experiment = p->n_exps > 1 ? ti : 0;
            pawl_lfpush_hex(it->trace_id, 32, p, c->id, ti + 1, NULL);
            pawl_lfpush_hex(it->root_id, 16, p, c->id, ti + 1, "root");
            pawl_lfpush_hex(it->gen_id, 16, p, c->id, ti + 1, "generation");
            it->item_id = pawl_xasprintf("%s%s", prefix, c->id);
            it->start_ms = p->started_ms;
            it->end_ms = p->started_ms + (it->t->latency_ms > 0 ? it->t->latency_ms : 0);
        }
    }
    return 0;
}

void pawl_lfpush_plan_own_ids(struct pawl_lfpush_plan *p)
{
    char num[32];
    size_t e;

    for (e = 0; e < p->n_exps; e++) {
        if (p->n_exps == 1) {
            snprintf(p->exps[e].id, sizeof(p->exps[e].id), "%s", p->own_id);
            continue;
        }
        snprintf(num, sizeof(num), "%zu", e + 1);
        hex_id(p->exps[e].id, 16, p->r->run_id, "experiment", num, NULL);
    }
}

void pawl_lfpush_plan_release(struct pawl_lfpush_plan *p)
{
    size_t i;

    for (i = 0; i < p->n_items; i++)
        free(p->items[i].item_id);
    for (i = 0; i < p->n_exps; i++) {
        free(p->exps[i].name);
        free(p->exps[i].description);
    }
    free(p->items);
    free(p->exps);
    free(p->own_id);
    free(p->dataset_id);
    memset(p, 0, sizeof(*p));
}

/* ---- shared pieces ---- */

/* Compact JSON text of any value (a string stays a JSON string literal). The text is what
 * Langfuse shows, so 15 digits: 0.1 reads 0.1, not 0.10000000000000001. */
static char *dump(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));

    if (!s)
        s = pawl_xstrdup("null");
    return s;
}

/* What the trial answered, as a JSON value: a string, or null for a failed call. */
static json_t *output_value(const struct pawl_trial *t)
{
    return t->output ? pawl_json_str(t->output) : json_null();
}

json_t *pawl_lfpush_usage_details(const json_t *usage)
{
    static const char *const in_keys[] = {"input", "prompt_tokens", "input_tokens"};
    static const char *const out_keys[] = {"output", "completion_tokens", "output_tokens"};
    static const char *const total_keys[] = {"total", "total_tokens"};
    json_t *d, *v;
    const char *key;
    json_int_t in = -1, outn = -1, total = -1;
    size_t i;

    if (!json_is_object(usage))
        return NULL;
    d = json_object();
    for (i = 0; i < 3; i++)
        if (in < 0 && json_is_integer(v = json_object_get(usage, in_keys[i])))
            in = json_integer_value(v);
    for (i = 0; i < 3; i++)
        if (outn < 0 && json_is_integer(v = json_object_get(usage, out_keys[i])))
            outn = json_integer_value(v);
    for (i = 0; i < 2; i++)
        if (total < 0 && json_is_integer(v = json_object_get(usage, total_keys[i])))
            total = json_integer_value(v);
    if (total < 0 && in >= 0 && outn >= 0)
        total = in + outn;
    if (in >= 0)
        json_object_set_new(d, "input", json_integer(in));
    if (outn >= 0)
        json_object_set_new(d, "output", json_integer(outn));
    if (total >= 0)
        json_object_set_new(d, "total", json_integer(total));
    /* Other counts (cached tokens, reasoning tokens) keep their names; nested details and
     * non-integers are not usage details Langfuse understands. */
    json_object_foreach((json_t *)usage, key, v)
    {
        int known = 0;
        for (i = 0; i < 3; i++)
            known |= strcmp(key, in_keys[i]) == 0 || strcmp(key, out_keys[i]) == 0;
        for (i = 0; i < 2; i++)
            known |= strcmp(key, total_keys[i]) == 0;
        if (!known && json_is_integer(v) && json_integer_value(v) >= 0)
            json_object_set_new(d, key, json_integer(json_integer_value(v)));
    }
    if (json_object_size(d) == 0) {
        json_decref(d);
        return NULL;
    }
    return d;
}

/* ---- OTLP ---- */

static void attr_new(json_t *attrs, const char *key, json_t *value)
{
    json_t *kv = json_object();

    json_object_set_new(kv, "key", pawl_json_str(key));
    json_object_set_new(kv, "value", value);
    json_array_append_new(attrs, kv);
}

static void attr_str(json_t *attrs, const char *key, const char *val)
{
    json_t *v = json_object();

    json_object_set_new(v, "stringValue", pawl_json_str(val));
    attr_new(attrs, key, v);
}

/* Langfuse reads input, output and the *_details attributes as JSON text. */
static void attr_json(json_t *attrs, const char *key, const json_t *val)
{
    char *s = dump(val);

    attr_str(attrs, key, s);
    free(s);
}

/* `prefix.<key>` for every key of an object (strings as they are, the rest as JSON);
 * anything else that is not null goes in as `prefix.value`. */
static void attr_flat(json_t *attrs, const char *prefix, const json_t *obj)
{
    const char *key;
    json_t *v;
    char *k;

    if (!obj || json_is_null(obj))
        return;
    if (!json_is_object(obj)) {
        k = pawl_xasprintf("%s.value", prefix);
        attr_json(attrs, k, obj);
        free(k);
        return;
    }
    json_object_foreach((json_t *)obj, key, v)
    {
        k = pawl_xasprintf("%s.%s", prefix, key);
        if (json_is_string(v))
            attr_str(attrs, k, json_string_value(v));
        else
            attr_json(attrs, k, v);
        free(k);
    }
}

static json_t *run_tags(const struct pawl_results *r)
{
    json_t *tags = json_array();

    json_array_append_new(tags, json_string("pawl"));
    if (r->git.present && r->git.ref && r->git.ref[0])
        json_array_append_new(tags, pawl_json_str(r->git.ref));
    return tags;
}

/* What every span of a trace carries: v4 filters and aggregates on observations. */
static void trace_attrs(json_t *attrs, const struct pawl_lfpush_plan *p,
                        const struct pawl_lfpush_item *it)
{
    const struct pawl_results *r = p->r;
    const struct pawl_lfpush_experiment *x = &p->exps[it->experiment];
    json_t *tags = run_tags(r), *arr = json_object(), *vals = json_array();
    size_t i;
    char num[32];

    attr_str(attrs, "langfuse.trace.name", p->suite);
    for (i = 0; i < json_array_size(tags); i++) {
        json_t *v = json_object();
        json_object_set(v, "stringValue", json_array_get(tags, i));
        json_array_append_new(vals, v);
    }
    json_object_set_new(arr, "values", vals);
    json_decref(tags);
    {
        json_t *v = json_object();
        json_object_set_new(v, "arrayValue", arr);
        attr_new(attrs, "langfuse.trace.tags", v);
    }
    if (r->git.present && r->git.commit[0])
        attr_str(attrs, "langfuse.release", r->git.commit);
    if (p->environment)
        attr_str(attrs, "langfuse.environment", p->environment);
    attr_str(attrs, "langfuse.trace.metadata.case_id", it->c->id);
    snprintf(num, sizeof(num), "%zu", it->trial);
    attr_str(attrs, "langfuse.trace.metadata.trial", num);
    attr_str(attrs, "langfuse.trace.metadata.pawl_run_id", r->run_id);
    attr_str(attrs, "langfuse.experiment.id", x->id);
    attr_str(attrs, "langfuse.experiment.name", x->name);
    if (p->dataset_id)
        attr_str(attrs, "langfuse.experiment.dataset.id", p->dataset_id);
    attr_str(attrs, "langfuse.experiment.item.id", it->item_id);
    attr_str(attrs, "langfuse.experiment.item.root_observation_id", it->root_id);
}

/* The experiment's own metadata, as key/value strings. */
static json_t *experiment_metadata(const struct pawl_lfpush_plan *p, size_t e)
{
    const struct pawl_results *r = p->r;
    json_t *m = json_object();

    json_object_set_new(m, "pawl_run_id", pawl_json_str(r->run_id));
    if (r->pawl_version)
        json_object_set_new(m, "pawl_version", pawl_json_str(r->pawl_version));
    if (r->git.present) {
        json_object_set_new(m, "git_commit", pawl_json_str(r->git.commit));
        if (r->git.ref)
            json_object_set_new(m, "git_ref", pawl_json_str(r->git.ref));
        json_object_set_new(m, "git_dirty", json_string(r->git.dirty ? "true" : "false"));
    }
    if (r->dataset_path)
        json_object_set_new(m, "dataset_path", pawl_json_str(r->dataset_path));
    if (r->dataset_blob[0])
        json_object_set_new(m, "dataset_blob", pawl_json_str(r->dataset_blob));
    if (r->verdict)
        json_object_set_new(m, "verdict", pawl_json_str(r->verdict));
    if (p->n_exps > 1) {
        char *t = pawl_xasprintf("%zu/%zu", e + 1, p->n_exps);
        json_object_set_new(m, "trial", pawl_json_str(t));
        free(t);
    }
    return m;
}

static json_t *new_span(const char *trace_id, const char *span_id, const char *parent,
                        const char *name, int kind, long long start_ms, long long end_ms)
{
    json_t *s = json_object();
    char ns[48];

    json_object_set_new(s, "traceId", json_string(trace_id));
    json_object_set_new(s, "spanId", json_string(span_id));
    if (parent)
        json_object_set_new(s, "parentSpanId", json_string(parent));
    json_object_set_new(s, "name", pawl_json_str(name));
    json_object_set_new(s, "kind", json_integer(kind));
    /* Decimal strings: nanoseconds since the epoch exceed 2^53. */
    snprintf(ns, sizeof(ns), "%lld000000", start_ms);
    json_object_set_new(s, "startTimeUnixNano", json_string(ns));
    snprintf(ns, sizeof(ns), "%lld000000", end_ms);
    json_object_set_new(s, "endTimeUnixNano", json_string(ns));
    return s;
}

static void span_error(json_t *span, json_t *attrs, const struct pawl_trial *t)
{
    json_t *st;

    if (!t->error)
        return;
    attr_str(attrs, "langfuse.observation.level", "ERROR");
    attr_str(attrs, "langfuse.observation.status_message", t->error);
    st = json_object();
    json_object_set_new(st, "code", json_integer(2)); /* STATUS_CODE_ERROR */
    json_object_set_new(st, "message", pawl_json_str(t->error));
    json_object_set_new(span, "status", st);
}

json_t *pawl_lfpush_otlp_spans(const struct pawl_lfpush_plan *p, size_t i)
{
    const struct pawl_lfpush_item *it = &p->items[i];
    const struct pawl_trial *t = it->t;
    json_t *spans = json_array(), *root, *gen, *attrs, *out = output_value(t), *usage, *cost;
    const json_t *input = it->c->input ? it->c->input : json_null();

    root = new_span(it->trace_id, it->root_id, NULL, it->c->id, 1, it->start_ms, it->end_ms);
    attrs = json_array();
    attr_str(attrs, "langfuse.observation.type", "span");
    attr_json(attrs, "langfuse.observation.input", input);
    attr_json(attrs, "langfuse.observation.output", out);
    trace_attrs(attrs, p, it);
    attr_str(attrs, "langfuse.experiment.description", p->exps[it->experiment].description);
    {
        json_t *m = experiment_metadata(p, it->experiment);
        attr_flat(attrs, "langfuse.experiment.metadata", m);
        json_decref(m);
    }
    if (it->c->expected_output)
        attr_json(attrs, "langfuse.experiment.item.expected_output", it->c->expected_output);
    attr_flat(attrs, "langfuse.experiment.item.metadata", it->c->metadata);
    span_error(root, attrs, t);
    json_object_set_new(root, "attributes", attrs);
    json_array_append_new(spans, root);

    gen = new_span(it->trace_id, it->gen_id, it->root_id, "task", 3, it->start_ms, it->end_ms);
    attrs = json_array();
    attr_str(attrs, "langfuse.observation.type", "generation");
    attr_json(attrs, "langfuse.observation.input", input);
    attr_json(attrs, "langfuse.observation.output", out);
    if ((usage = pawl_lfpush_usage_details(t->usage))) {
        attr_json(attrs, "langfuse.observation.usage_details", usage);
        json_decref(usage);
    }
    if (t->has_cost && isfinite(t->cost)) {
        cost = json_pack("{s:f}", "total", t->cost);
        attr_json(attrs, "langfuse.observation.cost_details", cost);
        json_decref(cost);
    }
    if (t->cached)
        attr_str(attrs, "langfuse.observation.metadata.cached", "true");
    trace_attrs(attrs, p, it);
    span_error(gen, attrs, t);
    json_object_set_new(gen, "attributes", attrs);
    json_array_append_new(spans, gen);
    json_decref(out);
    return spans;
}

json_t *pawl_lfpush_otlp_request(const struct pawl_lfpush_plan *p, json_t *spans)
{
    const char *version = p->r->pawl_version ? p->r->pawl_version : "";
    json_t *res_attrs = json_array();

    attr_str(res_attrs, "service.name", "pawl");
    if (version[0])
        attr_str(res_attrs, "service.version", version);
    if (p->environment)
        attr_str(res_attrs, "langfuse.environment", p->environment);
    return json_pack("{s:[{s:{s:o},s:[{s:{s:s,s:o},s:o}]}]}", "resourceSpans", "resource",
                     "attributes", res_attrs, "scopeSpans", "scope", "name", "pawl", "version",
                     pawl_json_str(version), "spans", spans);
}

/* ---- v3 ingestion ---- */

static json_t *event(const struct pawl_lfpush_plan *p, const struct pawl_lfpush_item *it,
                     const char *type, json_t *body)
{
    char id[33], ts[32];

    /* Deterministic envelope ids: a 207 error names the event, and so the case and trial. */
    pawl_lfpush_hex(id, 32, p, it->c->id, it->trial, type);
    pawl_langfuse_timestamp(ts, it->end_ms);
    return json_pack("{s:s,s:s,s:s,s:o}", "id", id, "timestamp", ts, "type", type, "body", body);
}

static void observation_common(json_t *b, const struct pawl_lfpush_plan *p,
                               const struct pawl_lfpush_item *it, const char *id)
{
    char ts[32];
    const json_t *input = it->c->input ? it->c->input : json_null();

    json_object_set_new(b, "id", json_string(id));
    json_object_set_new(b, "traceId", json_string(it->trace_id));
    pawl_langfuse_timestamp(ts, it->start_ms);
    json_object_set_new(b, "startTime", json_string(ts));
    pawl_langfuse_timestamp(ts, it->end_ms);
    json_object_set_new(b, "endTime", json_string(ts));
    json_object_set_new(b, "input", json_deep_copy(input));
    json_object_set_new(b, "output", output_value(it->t));
    json_object_set_new(b, "level", json_string(it->t->error ? "ERROR" : "DEFAULT"));
    if (it->t->error)
        json_object_set_new(b, "statusMessage", pawl_json_str(it->t->error));
    if (p->environment)
        json_object_set_new(b, "environment", json_string(p->environment));
}

json_t *pawl_lfpush_ingestion_events(const struct pawl_lfpush_plan *p, size_t i)
{
    const struct pawl_lfpush_item *it = &p->items[i];
    const struct pawl_results *r = p->r;
    json_t *events = json_array(), *b, *m, *usage;
    char ts[32];

    b = json_object();
    json_object_set_new(b, "id", json_string(it->trace_id));
    pawl_langfuse_timestamp(ts, it->start_ms);
    json_object_set_new(b, "timestamp", json_string(ts));
    json_object_set_new(b, "name", pawl_json_str(p->suite));
    json_object_set_new(b, "input", json_deep_copy(it->c->input ? it->c->input : json_null()));
    json_object_set_new(b, "output", output_value(it->t));
    if (r->git.present && r->git.commit[0])
        json_object_set_new(b, "release", json_string(r->git.commit));
    m = json_object();
    json_object_set_new(m, "case_id", pawl_json_str(it->c->id));
    json_object_set_new(m, "trial", json_integer((json_int_t)it->trial));
    json_object_set_new(m, "pawl_run_id", pawl_json_str(r->run_id));
    json_object_set_new(m, "experiment", pawl_json_str(p->exps[it->experiment].name));
    json_object_set_new(b, "metadata", m);
    json_object_set_new(b, "tags", run_tags(r));
    if (p->environment)
        json_object_set_new(b, "environment", json_string(p->environment));
    json_array_append_new(events, event(p, it, "trace-create", b));

    b = json_object();
    observation_common(b, p, it, it->root_id);
    json_object_set_new(b, "name", pawl_json_str(it->c->id));
    m = json_object();
    if (it->c->expected_output)
        json_object_set_new(m, "expected_output", json_deep_copy(it->c->expected_output));
    if (it->c->metadata)
        json_object_set_new(m, "item_metadata", json_deep_copy(it->c->metadata));
    json_object_set_new(m, "dataset_item_id", pawl_json_str(it->item_id));
    json_object_set_new(b, "metadata", m);
    json_array_append_new(events, event(p, it, "span-create", b));

    b = json_object();
    observation_common(b, p, it, it->gen_id);
    json_object_set_new(b, "name", json_string("task"));
    json_object_set_new(b, "parentObservationId", json_string(it->root_id));
    if ((usage = pawl_lfpush_usage_details(it->t->usage)))
        json_object_set_new(b, "usageDetails", usage);
    if (it->t->has_cost && isfinite(it->t->cost))
        json_object_set_new(b, "costDetails", json_pack("{s:f}", "total", it->t->cost));
    if (it->t->cached)
        json_object_set_new(b, "metadata", json_pack("{s:b}", "cached", 1));
    json_array_append_new(events, event(p, it, "generation-create", b));
    return events;
}

json_t *pawl_lfpush_run_item(const struct pawl_lfpush_plan *p, size_t i)
{
    const struct pawl_lfpush_item *it = &p->items[i];
    const struct pawl_lfpush_experiment *x = &p->exps[it->experiment];

    /* Strings from the results go through pawl_json_str: json_pack refuses invalid UTF-8. */
    return json_pack("{s:o,s:o,s:o,s:o,s:s,s:s}", "runName", pawl_json_str(x->name),
                     "runDescription", pawl_json_str(x->description), "metadata",
                     experiment_metadata(p, it->experiment), "datasetItemId",
                     pawl_json_str(it->item_id), "traceId", it->trace_id, "observationId",
                     it->root_id);
}

/* ---- scores ---- */

static json_t *score_body(const struct pawl_lfpush_plan *p, const char *id, const char *name,
                          const char *type, json_t *value, const char *comment, json_t *metadata)
{
    json_t *s = json_object();

    json_object_set_new(s, "id", json_string(id));
    json_object_set_new(s, "name", pawl_json_str(name));
    json_object_set_new(s, "value", value);
    json_object_set_new(s, "dataType", json_string(type));
    if (comment && comment[0])
        json_object_set_new(s, "comment", pawl_json_str(comment));
    json_object_set_new(s, "metadata", metadata);
    if (p->environment)
        json_object_set_new(s, "environment", json_string(p->environment));
    return s;
}

json_t *pawl_lfpush_item_score(const struct pawl_lfpush_plan *p, size_t i, size_t si)
{
    const struct pawl_lfpush_item *it = &p->items[i];
    const struct pawl_score *sc;
    const char *name = p->r->scorer_names[si];
    json_t *value, *meta, *s;
    char id[33];

    if (!it->t->scores)
        return NULL;
    sc = &it->t->scores[si];
    if (sc->errored)
        return NULL;
    switch (sc->type) {
    case PAWL_SCORE_BOOLEAN:
        value = json_integer(sc->value != 0);
        break;
    case PAWL_SCORE_CATEGORICAL:
        if (!sc->category || !sc->category[0])
            return NULL;
        value = pawl_json_str(sc->category);
        break;
    default:
        if (!isfinite(sc->value))
            return NULL;
        value = json_real(sc->value);
        break;
    }
    pawl_lfpush_hex(id, 32, p, it->c->id, it->trial, name);
    meta = json_object();
    json_object_set_new(meta, "scorer", pawl_json_str(name));
    json_object_set_new(meta, "pawl_run_id", pawl_json_str(p->r->run_id));
    json_object_set_new(meta, "case_id", pawl_json_str(it->c->id));
    json_object_set_new(meta, "trial", json_integer((json_int_t)it->trial));
    json_object_set_new(meta, "passed", json_boolean(sc->passed));
    s = score_body(p, id, name, pawl_score_type_name(sc->type), value, sc->comment, meta);
    json_object_set_new(s, "traceId", json_string(it->trace_id));
    json_object_set_new(s, "observationId", json_string(it->root_id));
    return s;
}

static const char *rule_status_name(enum pawl_rule_status st)
{
    switch (st) {
    case PAWL_RULE_PASS:
        return "pass";
    case PAWL_RULE_FAIL:
        return "fail";
    case PAWL_RULE_INCONCLUSIVE:
        return "inconclusive";
    default:
        return "error";
    }
}

static void run_score(json_t *arr, const struct pawl_lfpush_plan *p, size_t e, const char *name,
                      const char *type, json_t *value, const char *comment, const char *what)
{
    const struct pawl_lfpush_experiment *x = &p->exps[e];
    json_t *meta = json_object(), *s;
    char id[33];
    const char *parts[4] = {p->r->run_id, x->id, "run", name};

    pawl_langfuse_hex_id(id, 32, parts, 4);
    json_object_set_new(meta, "pawl_run_id", pawl_json_str(p->r->run_id));
    json_object_set_new(meta, "kind", json_string(what));
    s = score_body(p, id, name, type, value, comment, meta);
    json_object_set_new(s, "datasetRunId", json_string(x->id));
    json_array_append_new(arr, s);
}

json_t *pawl_lfpush_run_scores(const struct pawl_lfpush_plan *p, size_t e)
{
    const struct pawl_results *r = p->r;
    json_t *arr = json_array();
    char *name, *comment = NULL;
    size_t i;

    if (p->n_exps > 1)
        comment = pawl_xasprintf("over the whole run (%zu trials per case), not this trial alone",
                                 p->n_exps);
    if (r->verdict && r->verdict[0])
        run_score(arr, p, e, "pawl_verdict", "CATEGORICAL", pawl_json_str(r->verdict), comment,
                  "verdict");
    for (i = 0; i < r->n_rules; i++) {
        const struct pawl_rule_result *rr = &r->rules[i];
        name = pawl_xasprintf("gate: %s", rr->rule ? rr->rule : "rule");
        run_score(arr, p, e, name, "CATEGORICAL", json_string(rule_status_name(rr->status)),
                  rr->message, "gate rule");
        free(name);
    }
    for (i = 0; i < r->n_metrics; i++) {
        const struct pawl_metric *m = &r->metrics[i];
        if (!m->name || !m->name[0] || !isfinite(m->mean))
            continue;
        run_score(arr, p, e, m->name, "NUMERIC", json_real(m->mean), comment, "metric");
    }
    free(comment);
    return arr;
}

/* ---- batching ---- */

size_t pawl_lfpush_batch(size_t *ends, const size_t *sizes, size_t n, size_t overhead, size_t limit)
{
    size_t i, nb = 0, used = overhead, count = 0;

    for (i = 0; i < n; i++) {
        size_t add = sizes[i] + 1;
        if (count > 0 && used + add > limit) {
            ends[nb++] = i;
            used = overhead;
            count = 0;
        }
        used += add;
        count++;
    }
    if (count > 0)
        ends[nb++] = n;
    return nb;
}
