/*
 * langfuse_dataset.c - pull and push of Langfuse datasets (langfuse_dataset.h);
 * the canonical line they share is in langfuse_dataset_lines.c.
 */
#include "pawl/langfuse_dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json_util.h"
#include "pawl/alloc.h"
#include "pawl/fs.h"
#include "pawl/node.h"

#define ITEMS_PATH "/api/public/dataset-items"
#define DATASETS_PATH "/api/public/v2/datasets"

/* ---- talking to Langfuse ---------------------------------------------------- */

static int unexpected(const struct pawl_langfuse_call *call, const char *what,
                      struct pawl_error *err)
{
    return pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "unexpected reply from Langfuse to %s %s: %s",
                          call->method, call->path, what);
}

/* The dataset as the server describes it in *out (a new reference), or *out NULL on 404. */
static int get_dataset(json_t **out, struct pawl_langfuse *lf, const char *name,
                       struct pawl_error *err)
{
    struct pawl_langfuse_call call = {"GET", NULL, NULL, NULL, 0, NULL};
    struct pawl_langfuse_reply reply = {0, NULL, NULL, 0, 0};
    char *esc = pawl_langfuse_escape(name), *path = pawl_xasprintf(DATASETS_PATH "/%s", esc);
    int rc;

    *out = NULL;
    call.path = path;
    if ((rc = pawl_langfuse_request(lf, &call, &reply, err)) < 0)
        goto done;
    if (reply.status == 404)
        goto done;
    if ((rc = pawl_langfuse_check(&reply, &call, err)) < 0)
        goto done;
    if (!json_is_object(reply.body)) {
        rc = unexpected(&call, "not a JSON object", err);
        goto done;
    }
    *out = json_incref(reply.body);
done:
    pawl_langfuse_reply_release(&reply);
    free(path);
    free(esc);
    return rc;
}

/* The project's dataset name nearest to `name` (first page only: a hint, not a search). */
static char *suggest_dataset(struct pawl_langfuse *lf, const char *name)
{
    struct pawl_langfuse_call call = {"GET", DATASETS_PATH "?page=1&limit=100", NULL, NULL, 0,
                                      NULL};
    struct pawl_langfuse_reply reply = {0, NULL, NULL, 0, 0};
    struct pawl_error quiet;
    const char **names = NULL, *best;
    const json_t *data, *d;
    char *out = NULL;
    size_t i, k = 0;

    pawl_error_init(&quiet);
    if (pawl_langfuse_send(lf, &call, &reply, &quiet) < 0)
        goto done;
    data = json_object_get(reply.body, "data");
    if (!json_is_array(data))
        goto done;
    names = pawl_xcalloc(json_array_size(data) + 1, sizeof(*names));
    json_array_foreach(data, i, d)
        if (json_is_string(json_object_get(d, "name")))
            names[k++] = json_string_value(json_object_get(d, "name"));
    names[k] = NULL;
    best = pawl_suggest(name, names);
    if (best)
        out = pawl_xstrdup(best);
done:
    free(names);
    pawl_langfuse_reply_release(&reply);
    return out;
}

static int not_found(struct pawl_langfuse *lf, const char *name, struct pawl_error *err)
{
    char *hint = suggest_dataset(lf, name);
    int rc;

    if (hint)
        rc = pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                            "dataset '%s' not found on Langfuse at %s (did you mean '%s'?)", name,
                            pawl_langfuse_url(lf), hint);
    else
        rc = pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                            "dataset '%s' not found on Langfuse at %s", name,
                            pawl_langfuse_url(lf));
    free(hint);
    return rc;
}

/* Every ACTIVE item of the dataset (at `version` when non-NULL), page by page, into *out. */
static int list_items(json_t **out, size_t *pages, struct pawl_langfuse *lf, const char *name,
                      const char *version, struct pawl_error *err)
{
    struct pawl_langfuse_call call = {"GET", NULL, NULL, NULL, 0, NULL};
    struct pawl_langfuse_reply reply = {0, NULL, NULL, 0, 0};
    char *esc = pawl_langfuse_escape(name), *esc_version = NULL, *path = NULL;
    json_t *all = json_array();
    const json_t *data, *meta, *total;
    size_t page;
    int rc = 0;

    *out = NULL;
    if (version)
        esc_version = pawl_langfuse_escape(version);
    for (page = 1;; page++) {
        free(path);
        path = pawl_xasprintf(ITEMS_PATH "?datasetName=%s&page=%zu&limit=%d%s%s", esc, page,
                              PAWL_LANGFUSE_DATASET_PAGE, version ? "&version=" : "",
                              version ? esc_version : "");
        call.path = path;
        pawl_langfuse_reply_release(&reply);
        if ((rc = pawl_langfuse_send(lf, &call, &reply, err)) < 0)
            goto done;
        data = json_object_get(reply.body, "data");
        meta = json_object_get(reply.body, "meta");
        total = json_object_get(meta, "totalPages");
        if (!json_is_array(data) || !json_is_integer(total)) {
            rc = unexpected(&call, "'data' or 'meta.totalPages' is missing", err);
            goto done;
        }
        json_array_extend(all, (json_t *)data);
        /* an empty page ends it too: a server whose count is off must not keep us paging */
        if ((json_int_t)page >= json_integer_value(total) || json_array_size(data) == 0)
            break;
    }
    *pages = page;
    *out = all;
    all = NULL;
done:
    pawl_langfuse_reply_release(&reply);
    json_decref(all);
    free(path);
    free(esc);
    free(esc_version);
    return rc;
}

/* ---- pull -------------------------------------------------------------------- */

/* The file's previous content; a missing file reads as empty, with *existed 0. */
static int read_previous(struct pawl_buf *out, int *existed, const char *path,
                         struct pawl_error *err)
{
    struct stat st;

    *existed = !(stat(path, &st) < 0 && errno == ENOENT);
    if (!*existed)
        return 0;
    return pawl_fs_read(out, path, path, 0, err);
}

int pawl_langfuse_dataset_pull(struct pawl_langfuse_dataset_pull_result *out,
                               struct pawl_langfuse *lf,
                               const struct pawl_langfuse_dataset_pull_options *opts,
                               struct pawl_error *err)
{
    struct pawl_langfuse_dataset_lines before = PAWL_LANGFUSE_DATASET_LINES_INIT,
                                       after = PAWL_LANGFUSE_DATASET_LINES_INIT;
    struct pawl_buf old = PAWL_BUF_INIT, text = PAWL_BUF_INIT;
    json_t *dataset = NULL, *items = NULL, *raw_ids = json_object(), *item;
    const char *dup;
    size_t i;
    int rc, existed = 0;

    memset(out, 0, sizeof(*out));
    if ((rc = pawl_langfuse_dataset_check_name(opts->name, err)) < 0 ||
        (opts->version && (rc = pawl_langfuse_dataset_check_version(opts->version, err)) < 0))
        goto done;
    if ((rc = get_dataset(&dataset, lf, opts->name, err)) < 0)
        goto done;
    if (!dataset) {
        rc = not_found(lf, opts->name, err);
        goto done;
    }
    if ((rc = list_items(&items, &out->pages, lf, opts->name, opts->version, err)) < 0)
        goto done;
    json_array_foreach(items, i, item) {
        struct pawl_buf line = PAWL_BUF_INIT;
        const json_t *raw = json_object_get(item, "id");
        char *id;

        if ((rc = pawl_langfuse_dataset_item_line(&line, &id, item, opts->id_prefix, err)) < 0) {
            pawl_buf_release(&line);
            goto done;
        }
        if (json_object_get(raw_ids, json_string_value(raw))) {
            /* offset paging over a dataset that changes under it repeats items */
            rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0,
                                "Langfuse listed item '%s' of '%s' twice: was the dataset "
                                "changed during the pull? pull again",
                                json_string_value(raw), opts->name);
            free(id);
            pawl_buf_release(&line);
            goto done;
        }
        json_object_set_new(raw_ids, json_string_value(raw), json_true());
        pawl_langfuse_dataset_lines_add(&after, id, pawl_buf_detach(&line, NULL));
    }
    if ((dup = pawl_langfuse_dataset_lines_sort(&after)) != NULL && opts->id_prefix) {
        rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                            "items '%s%s' and '%s' of '%s' both have id '%s' once the prefix "
                            "'%s' is stripped",
                            opts->id_prefix, dup, dup, opts->name, dup, opts->id_prefix);
        goto done;
    }
    if (dup) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "Langfuse listed item '%s' twice", dup);
        goto done;
    }
    out->items = after.n;
    if ((rc = read_previous(&old, &existed, opts->path, err)) < 0)
        goto done;
    pawl_langfuse_dataset_lines_parse(&before, old.ptr, old.len);
    pawl_langfuse_dataset_diff(&out->diff, &before, &after);
    pawl_langfuse_dataset_lines_text(&text, &after);
    /* An empty dataset still gives its (empty) file. */
    if (!existed || text.len != old.len || memcmp(text.ptr, old.ptr, text.len) != 0) {
        if ((rc = pawl_fs_write_atomic(opts->path, text.ptr, text.len, err)) < 0)
            goto done;
        out->written = 1;
    }
done:
    pawl_langfuse_dataset_lines_release(&before);
    pawl_langfuse_dataset_lines_release(&after);
    pawl_buf_release(&old);
    pawl_buf_release(&text);
    json_decref(dataset);
    json_decref(items);
    json_decref(raw_ids);
    return rc;
}

/* ---- push -------------------------------------------------------------------- */

enum write_kind { WRITE_CREATE, WRITE_UPDATE, WRITE_ARCHIVE, WRITE_DELETE };

struct write_ctx {
    struct pawl_langfuse_dataset_push_result *out;
    enum write_kind kind;
    const char *method;
    char *path;
    char *id;           /* the Langfuse id */
    char *want;         /* create and update: the line the stored item must have */
    const char *prefix; /* the id prefix, for reading that item back */
};

/* metadata keys that are item fields in Langfuse */
static const char *const source_keys[][2] = {
    {"source_trace_id", "sourceTraceId"},
    {"source_observation_id", "sourceObservationId"},
};
#define N_SOURCE_KEYS (sizeof(source_keys) / sizeof(source_keys[0]))

/* Langfuse's server measures ids as JavaScript does: UTF-16 code units. */
static size_t utf16_length(const char *s)
{
    size_t n = 0;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c & 0xC0) != 0x80)
            n += c >= 0xF0 ? 2 : 1;
    }
    return n;
}

static int check_case(const struct pawl_dataset *ds, const struct pawl_case *c, const char *lf_id,
                      const char *prefix, struct pawl_error *err)
{
    size_t n = utf16_length(lf_id), k;

    if (n > PAWL_LANGFUSE_DATASET_ID_MAX)
        return pawl_error_set(err, PAWL_EDATA, ds->path, c->line, 0,
                              "case id '%s' is too long for Langfuse: %zu characters%s, at most %d",
                              c->id, n, prefix ? " with the prefix" : "",
                              PAWL_LANGFUSE_DATASET_ID_MAX);
    for (k = 0; k < N_SOURCE_KEYS; k++) {
        const json_t *v = json_object_get(c->metadata, source_keys[k][0]);
        if (v && !json_is_string(v) && !json_is_null(v))
            return pawl_error_set(err, PAWL_EDATA, ds->path, c->line, 0,
                                  "'metadata.%s' must be a string, got %s", source_keys[k][0],
                                  pawl_json_kind(v));
    }
    return 0;
}

/*
 * Every field is sent: Langfuse's upsert keeps the old value of a field that
 * is omitted or null. So null cannot remove an input, expected output or
 * source id once set; on_write_done() reads the stored item back and says so.
 */
static json_t *case_body(const struct pawl_case *c, const char *lf_id, const char *name)
{
    json_t *body = json_object(), *meta = c->metadata ? json_copy(c->metadata) : NULL;
    size_t k;

    json_object_set_new(body, "id", json_string(lf_id));
    json_object_set_new(body, "datasetName", json_string(name));
    json_object_set(body, "input", c->input ? c->input : json_null());
    json_object_set(body, "expectedOutput",
                    c->expected_output ? c->expected_output : json_null());
    for (k = 0; k < N_SOURCE_KEYS; k++) {
        json_t *v = json_object_get(meta, source_keys[k][0]);
        json_object_set(body, source_keys[k][1], json_is_string(v) ? v : json_null());
        if (meta)
            json_object_del(meta, source_keys[k][0]);
    }
    /* {} rather than null: null would keep the old metadata, {} reads back as none */
    json_object_set_new(body, "metadata", meta ? meta : json_object());
    json_object_set_new(body, "status", json_string("ACTIVE"));
    return body;
}

/* The item as it is, archived. */
static json_t *archive_body(const json_t *item, const char *name)
{
    static const char *const fields[] = {"input", "expectedOutput", "metadata", "sourceTraceId",
                                         "sourceObservationId"};
    json_t *body = json_object();
    size_t k;

    json_object_set(body, "id", json_object_get(item, "id"));
    json_object_set_new(body, "datasetName", json_string(name));
    for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
        json_t *v = json_object_get(item, fields[k]);
        json_object_set(body, fields[k], v ? v : json_null());
    }
    json_object_set_new(body, "status", json_string("ARCHIVED"));
    return body;
}

static void record_failure(struct pawl_langfuse_dataset_push_result *out, char *msg)
{
    out->failed++;
    if (out->n_failures < PAWL_LANGFUSE_DATASET_MAX_FAILURES)
        out->failures[out->n_failures++] = msg;
    else
        free(msg);
}

/* 1 when the item the server answered with is not what was sent (see case_body()). */
static int stored_differs(const struct write_ctx *w, const json_t *stored)
{
    struct pawl_buf line = PAWL_BUF_INIT;
    char *id = NULL;
    int differs;

    if (!w->want || !json_is_object(stored) || !json_object_get(stored, "id"))
        return 0;
    differs = pawl_langfuse_dataset_item_line(&line, &id, stored, w->prefix, NULL) < 0 ||
              strcmp(line.ptr, w->want) != 0;
    free(id);
    pawl_buf_release(&line);
    return differs;
}

static void on_write_done(void *ctx, const struct pawl_langfuse_reply *reply, const char *error)
{
    struct write_ctx *w = ctx;
    struct pawl_langfuse_call call = {w->method, w->path, NULL, NULL, 0, NULL};
    struct pawl_error e;
    int ok = !error && ((reply->status >= 200 && reply->status < 300) ||
                        (w->kind == WRITE_DELETE && reply->status == 404)); /* gone already */

    if (ok && stored_differs(w, reply->body)) {
        record_failure(w->out,
                       pawl_xasprintf("item '%s': Langfuse kept a value the file no longer has "
                                      "(its API cannot remove an input, expected output or "
                                      "source id from an item: delete the item in Langfuse, or "
                                      "push without the case using --delete, then push again)",
                                      w->id));
    } else if (ok) {
        switch (w->kind) {
        case WRITE_CREATE:
            w->out->created++;
            break;
        case WRITE_UPDATE:
            w->out->updated++;
            break;
        case WRITE_ARCHIVE:
            w->out->archived++;
            break;
        default:
            w->out->deleted++;
            break;
        }
    } else if (error) {
        record_failure(w->out, pawl_xasprintf("item '%s': %s", w->id, error));
    } else {
        pawl_error_init(&e);
        pawl_langfuse_check(reply, &call, &e);
        record_failure(w->out, pawl_xasprintf("item '%s': %s", w->id, e.msg));
    }
    free(w->path);
    free(w->id);
    free(w->want);
    free(w);
}

/* `want` (taken over) is the line the stored item must read back as, or NULL. */
static void start_write(struct pawl_langfuse *lf, struct pawl_langfuse_dataset_push_result *out,
                        enum write_kind kind, const char *lf_id, const json_t *body, char *want,
                        const char *prefix)
{
    struct write_ctx *w = pawl_xcalloc(1, sizeof(*w));
    struct pawl_langfuse_call call = {NULL, NULL, body, NULL, 0, NULL};
    char *esc;

    w->out = out;
    w->kind = kind;
    w->id = pawl_xstrdup(lf_id);
    w->want = want;
    w->prefix = prefix;
    if (kind == WRITE_DELETE) {
        esc = pawl_langfuse_escape(lf_id);
        w->method = "DELETE";
        w->path = pawl_xasprintf(ITEMS_PATH "/%s", esc);
        free(esc);
    } else {
        w->method = "POST";
        w->path = pawl_xstrdup(ITEMS_PATH);
    }
    call.method = w->method;
    call.path = w->path;
    pawl_langfuse_start(lf, &call, on_write_done, w);
}

/* Creates the dataset, or sets the description of the one there when it differs. */
static int ensure_dataset(struct pawl_langfuse_dataset_push_result *out, struct pawl_langfuse *lf,
                          const struct pawl_langfuse_dataset_push_options *opts,
                          struct pawl_error *err)
{
    struct pawl_langfuse_call call = {"POST", DATASETS_PATH, NULL, NULL, 0, NULL};
    struct pawl_langfuse_reply reply = {0, NULL, NULL, 0, 0};
    json_t *dataset = NULL, *body = NULL;
    const json_t *desc;
    int rc;

    if ((rc = get_dataset(&dataset, lf, opts->name, err)) < 0)
        goto done;
    desc = json_object_get(dataset, "description");
    if (dataset && (!opts->description || (json_is_string(desc) && strcmp(json_string_value(desc),
                                                                          opts->description) == 0)))
        goto done;
    body = json_pack("{s:s}", "name", opts->name);
    if (opts->description)
        json_object_set_new(body, "description", json_string(opts->description));
    call.body = body;
    if ((rc = pawl_langfuse_send(lf, &call, &reply, err)) < 0)
        goto done;
    out->dataset_created = dataset == NULL;
done:
    pawl_langfuse_reply_release(&reply);
    json_decref(dataset);
    json_decref(body);
    return rc;
}

int pawl_langfuse_dataset_push(struct pawl_langfuse_dataset_push_result *out,
                               struct pawl_langfuse *lf, const struct pawl_dataset *ds,
                               const struct pawl_langfuse_dataset_push_options *opts,
                               struct pawl_error *err)
{
    const char *prefix = opts->id_prefix && opts->id_prefix[0] ? opts->id_prefix : NULL;
    json_t *items = NULL, *existing = json_object(), *in_file = json_object(), *item;
    struct pawl_buf mine = PAWL_BUF_INIT, theirs = PAWL_BUF_INIT;
    char **ids = NULL;
    const char *key;
    size_t i, pages = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = pawl_langfuse_dataset_check_name(opts->name, err)) < 0)
        goto done;
    ids = pawl_xcalloc(ds->n_cases ? ds->n_cases : 1, sizeof(*ids));
    for (i = 0; i < ds->n_cases; i++) {
        ids[i] = pawl_xasprintf("%s%s", prefix ? prefix : "", ds->cases[i].id);
        if ((rc = check_case(ds, &ds->cases[i], ids[i], prefix, err)) < 0)
            goto done;
    }
    if ((rc = ensure_dataset(out, lf, opts, err)) < 0)
        goto done;
    if (!out->dataset_created) {
        if ((rc = list_items(&items, &pages, lf, opts->name, NULL, err)) < 0)
            goto done;
        json_array_foreach(items, i, item)
            if (json_is_string(json_object_get(item, "id")))
                json_object_set(existing, json_string_value(json_object_get(item, "id")), item);
    }
    for (i = 0; i < ds->n_cases; i++) {
        const struct pawl_case *c = &ds->cases[i];
        json_t *body;
        char *theirs_id = NULL;

        json_object_set_new(in_file, ids[i], json_true());
        item = json_object_get(existing, ids[i]);
        pawl_buf_reset(&mine);
        pawl_langfuse_dataset_line(&mine, c->id, c->input, c->expected_output, c->metadata);
        if (item) {
            pawl_buf_reset(&theirs);
            /* an item pawl cannot read is rewritten rather than compared */
            if (pawl_langfuse_dataset_item_line(&theirs, &theirs_id, item, prefix, NULL) == 0 &&
                strcmp(mine.ptr, theirs.ptr) == 0) {
                out->unchanged++;
                free(theirs_id);
                continue;
            }
            free(theirs_id);
        }
        body = case_body(c, ids[i], opts->name);
        start_write(lf, out, item ? WRITE_UPDATE : WRITE_CREATE, ids[i], body,
                    pawl_xstrdup(mine.ptr), prefix);
        json_decref(body);
    }
    json_object_foreach(existing, key, item) {
        json_t *body;

        if (json_object_get(in_file, key))
            continue;
        if (opts->delete_missing) {
            start_write(lf, out, WRITE_DELETE, key, NULL, NULL, NULL);
            continue;
        }
        body = archive_body(item, opts->name);
        start_write(lf, out, WRITE_ARCHIVE, key, body, NULL, NULL);
        json_decref(body);
    }
    if ((rc = pawl_langfuse_wait(lf, err)) < 0)
        goto done;
    if (out->failed)
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "%s%s", out->failures[0],
                            out->failed > 1 ? " (and more failures)" : "");
done:
    for (i = 0; ids && i < ds->n_cases; i++)
        free(ids[i]);
    free(ids);
    pawl_buf_release(&mine);
    pawl_buf_release(&theirs);
    json_decref(items);
    json_decref(existing);
    json_decref(in_file);
    return rc;
}

void pawl_langfuse_dataset_push_result_release(struct pawl_langfuse_dataset_push_result *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < r->n_failures; i++)
        free(r->failures[i]);
    memset(r, 0, sizeof(*r));
}
