/* The scores of a Langfuse push, alone or as score-create events; the stable experiment id of
 * Langfuse v4; the summary text (langfuse_push_impl.h). Pure functions of the results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "langfuse_push_impl.h"
#include "pawl/alloc.h"
#include "pawl/langfuse.h"
#include "pawl/suite.h"
#include "pawl/utf8.h"

/* ---- the scores ---- */

static void add(struct pawl_lfpush_scores *s, json_t *body, char *label, int run)
{
    struct pawl_lfpush_score *x;
    const char *parts[2] = {"score-create", NULL};

    PAWL_ALLOC_GROW(s->v, s->n + 1, s->alloc);
    x = &s->v[s->n++];
    x->body = body;
    x->label = label;
    x->run = run;
    /* From the score's own id: the same event id on every push, and a 207 error names it. */
    parts[1] = json_string_value(json_object_get(body, "id"));
    pawl_langfuse_hex_id(x->event_id, 32, parts, 2);
}

static int cmp_event(const void *a, const void *b)
{
    const struct pawl_lfpush_score *x = *(const struct pawl_lfpush_score *const *)a;
    const struct pawl_lfpush_score *y = *(const struct pawl_lfpush_score *const *)b;

    return strcmp(x->event_id, y->event_id);
}

void pawl_lfpush_scores_collect(struct pawl_lfpush_scores *out, const struct pawl_lfpush_plan *p)
{
    size_t i, si, e;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < p->n_items; i++) {
        const struct pawl_lfpush_item *it = &p->items[i];
        for (si = 0; si < p->r->n_scorers; si++) {
            json_t *body = pawl_lfpush_item_score(p, i, si);
            if (!body) {
                out->skipped += it->t->scores != NULL;
                continue;
            }
            add(out, body,
                pawl_xasprintf("score '%s' of case '%s' trial %zu", p->r->scorer_names[si],
                               it->c->id, it->trial),
                0);
        }
    }
    for (e = 0; e < p->n_exps; e++) {
        json_t *arr, *s;
        if (!p->exps[e].id[0])
            continue;
        arr = pawl_lfpush_run_scores(p, e);
        json_array_foreach(arr, i, s)
        {
            add(out, json_incref(s),
                pawl_xasprintf("run score '%s' of experiment '%s'",
                               json_string_value(json_object_get(s, "name")), p->exps[e].name),
                1);
        }
        json_decref(arr);
    }
    out->by_event = pawl_xcalloc(out->n + 1, sizeof(*out->by_event));
    for (i = 0; i < out->n; i++)
        out->by_event[i] = &out->v[i];
    if (out->n)
        qsort(out->by_event, out->n, sizeof(*out->by_event), cmp_event);
}

void pawl_lfpush_scores_release(struct pawl_lfpush_scores *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        json_decref(s->v[i].body);
        free(s->v[i].label);
    }
    free(s->v);
    free(s->by_event);
    memset(s, 0, sizeof(*s));
}

const struct pawl_lfpush_score *pawl_lfpush_scores_find(const struct pawl_lfpush_scores *s,
                                                        const char *event_id)
{
    struct pawl_lfpush_score key;
    const struct pawl_lfpush_score *kp = &key, *const * hit;

    if (!event_id || strlen(event_id) >= sizeof(key.event_id) || !s->n)
        return NULL;
    memset(&key, 0, sizeof(key));
    strcpy(key.event_id, event_id);
    hit = bsearch(&kp, s->by_event, s->n, sizeof(*s->by_event), cmp_event);
    return hit ? *hit : NULL;
}

json_t *pawl_lfpush_score_event(const struct pawl_lfpush_scores *s, size_t i, long long now_ms)
{
    char ts[32];

    /* The time of this push: Langfuse orders the events of one score by it, so a re-push wins. */
    pawl_langfuse_timestamp(ts, now_ms);
    return json_pack("{s:s,s:s,s:s,s:O}", "id", s->v[i].event_id, "timestamp", ts, "type",
                     "score-create", "body", s->v[i].body);
}

size_t pawl_lfpush_score_batches(size_t *ends, const struct pawl_lfpush_scores *s, long long now_ms,
                                 size_t limit)
{
    size_t *sizes = pawl_xcalloc(s->n + 1, sizeof(*sizes)), i, nb;

    for (i = 0; i < s->n; i++) {
        json_t *ev = pawl_lfpush_score_event(s, i, now_ms);
        char *text = json_dumps(ev, JSON_COMPACT);
        sizes[i] = text ? strlen(text) : 0;
        free(text);
        json_decref(ev);
    }
    /* {"batch":[ and ]}: the separators are counted per unit. */
    nb = pawl_lfpush_batch(ends, sizes, s->n, 12, limit);
    free(sizes);
    return nb;
}

json_t *pawl_lfpush_score_batch(const struct pawl_lfpush_scores *s, size_t lo, size_t hi,
                                long long now_ms)
{
    json_t *batch = json_array();
    size_t i;

    for (i = lo; i < hi && i < s->n; i++)
        json_array_append_new(batch, pawl_lfpush_score_event(s, i, now_ms));
    return json_pack("{s:o}", "batch", batch);
}

/* ---- the stable experiment id ---- */

void pawl_lfpush_stringify(struct pawl_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    char esc[7];

    pawl_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"':
            pawl_buf_puts(b, "\\\"");
            break;
        case '\\':
            pawl_buf_puts(b, "\\\\");
            break;
        case '\b':
            pawl_buf_puts(b, "\\b");
            break;
        case '\f':
            pawl_buf_puts(b, "\\f");
            break;
        case '\n':
            pawl_buf_puts(b, "\\n");
            break;
        case '\r':
            pawl_buf_puts(b, "\\r");
            break;
        case '\t':
            pawl_buf_puts(b, "\\t");
            break;
        default:
            if (c < 0x20) {
                snprintf(esc, sizeof(esc), "\\u00%c%c", hex[c >> 4], hex[c & 15]);
                pawl_buf_puts(b, esc);
            } else {
                pawl_buf_putc(b, (char)c);
            }
        }
    }
    pawl_buf_putc(b, '"');
}

void pawl_lfpush_experiment_id(char out[17], const char *project_id, const char *dataset_id,
                               const char *run_name)
{
    const char *parts[4] = {"langfuse-experiment-v1", project_id, dataset_id, run_name};
    struct pawl_buf b = PAWL_BUF_INIT;
    char hex[65], *text;
    size_t i, len;

    pawl_buf_putc(&b, '[');
    for (i = 0; i < 4; i++) {
        const char *part = parts[i] ? parts[i] : "";
        char *clean = NULL;
        if (i)
            pawl_buf_putc(&b, ',');
        /* The server hashes what it received: the name pawl sent, invalid bytes replaced. */
        if (!pawl_utf8_valid(part, strlen(part)))
            part = clean = pawl_utf8_sanitize(part, strlen(part), NULL);
        pawl_lfpush_stringify(&b, part);
        free(clean);
    }
    pawl_buf_putc(&b, ']');
    text = pawl_buf_detach(&b, &len);
    pawl_sha256_hex(hex, text, len);
    memcpy(out, hex, 16);
    out[16] = '\0';
    free(text);
}

/* ---- the summary ---- */

void pawl_langfuse_push_summary_init(struct pawl_langfuse_push_summary *s)
{
    memset(s, 0, sizeof(*s));
}

void pawl_langfuse_push_summary_release(struct pawl_langfuse_push_summary *s)
{
    size_t i;

    for (i = 0; i < s->n_experiments; i++) {
        free(s->experiment_ids[i]);
        free(s->experiment_names[i]);
    }
    for (i = 0; i < s->n_reasons; i++)
        free(s->reasons[i]);
    free(s->experiment_ids);
    free(s->experiment_names);
    free(s->url);
    free(s->text);
    memset(s, 0, sizeof(*s));
}

void pawl_lfpush_summary_text(struct pawl_langfuse_push_summary *s,
                              const struct pawl_lfpush_plan *p, int v4, int failed)
{
    struct pawl_buf b = PAWL_BUF_INIT;

    pawl_buf_printf(&b, "%s run %s to %s", failed ? "partly pushed" : "pushed", p->r->run_id,
                    s->url ? s->url : "Langfuse");
    if (s->api)
        pawl_buf_printf(&b, " (Langfuse %s)", s->api);
    if (p->n_exps == 1)
        pawl_buf_printf(&b, " as experiment '%s'", p->exps[0].name);
    else
        pawl_buf_printf(&b, " as %zu experiments, '%s' to '%s'", p->n_exps, p->exps[0].name,
                        p->exps[p->n_exps - 1].name);
    if (!v4 && !p->dataset)
        pawl_buf_puts(&b, " (traces only: a v3 server keeps experiments for datasets)");
    pawl_buf_printf(&b, ": %zu traces", s->traces);
    if (s->traces_existing)
        pawl_buf_printf(&b, " (%zu already there)", s->traces_existing);
    pawl_buf_printf(&b, ", %zu observations", s->observations);
    /* v4 keeps no run items: the spans themselves are the experiment's items. */
    if (p->dataset && !v4) {
        pawl_buf_printf(&b, ", %zu dataset run items", s->run_items);
        if (s->run_items_existing)
            pawl_buf_printf(&b, " (%zu already there)", s->run_items_existing);
    }
    pawl_buf_printf(&b, ", %zu scores and %zu run scores (%zu failed)", s->scores, s->run_scores,
                    s->failed);
    if (s->scores_skipped)
        pawl_buf_printf(&b, "; %zu errored score%s not sent", s->scores_skipped,
                        s->scores_skipped == 1 ? "" : "s");
    free(s->text);
    s->text = pawl_buf_detach(&b, NULL);
}
