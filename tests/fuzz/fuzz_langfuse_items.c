/*
 * fuzz_langfuse_items: a page of dataset items as a Langfuse server answers
 * GET /api/public/dataset-items ({"data": [items], "meta": {...}}), through
 * what `pawl dataset pull` does with it (langfuse_dataset.h), without the
 * network.
 *
 * Input: the first line is the id prefix (empty: none); the rest is the
 * reply's body. Without a line break, all of it is the body.
 *
 * Invariants, while the pull would go on (every item gives a line, no id
 * twice):
 * - an item is refused only for the reasons the header gives;
 * - each line is one line of compact JSON, an object whose keys are id,
 *   input, then expected_output and metadata when present, its id the item's
 *   minus the prefix;
 * - the sorted set is in strictly increasing byte order;
 * - the text loads with pawl's dataset loader as a .jsonl, case i on line
 *   i + 1 with the id of line i, and the canonical line of each loaded case
 *   (what `pawl dataset push` compares with) is the line pulled, so a push
 *   right after a pull changes nothing;
 * - reading the text back (pawl_langfuse_dataset_lines_parse) gives the same
 *   set, whose text is the same bytes, and the diff says all unchanged.
 * And for any bytes read as a previous pull's file: the set is sorted with
 * unique ids, and writing it out and reading it again is a fixed point.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "pawl/buf.h"
#include "pawl/dataset.h"
#include "pawl/error.h"
#include "pawl/langfuse_dataset.h"

static void check_sorted(const struct pawl_langfuse_dataset_lines *s)
{
    size_t i;

    for (i = 1; i < s->n; i++)
        FUZZ_ASSERT(strcmp(s->v[i - 1].id, s->v[i].id) < 0, "'%s' before '%s'", s->v[i - 1].id,
                    s->v[i].id);
}

static void check_same_set(const struct pawl_langfuse_dataset_lines *a,
                           const struct pawl_langfuse_dataset_lines *b)
{
    size_t i;

    FUZZ_ASSERT(a->n == b->n, "%zu lines read back as %zu", a->n, b->n);
    for (i = 0; i < a->n; i++) {
        FUZZ_ASSERT(strcmp(a->v[i].id, b->v[i].id) == 0, "id '%s' read back as '%s'", a->v[i].id,
                    b->v[i].id);
        FUZZ_ASSERT(strcmp(a->v[i].line, b->v[i].line) == 0, "line %s read back as %s",
                    a->v[i].line, b->v[i].line);
    }
}

/* Reading a set's text back gives the set, and its text again. */
static void check_round_trip(const struct pawl_langfuse_dataset_lines *s)
{
    struct pawl_langfuse_dataset_lines again = PAWL_LANGFUSE_DATASET_LINES_INIT;
    struct pawl_langfuse_dataset_diff diff;
    struct pawl_buf text = PAWL_BUF_INIT, text2 = PAWL_BUF_INIT;

    pawl_langfuse_dataset_lines_text(&text, s);
    pawl_langfuse_dataset_lines_parse(&again, text.ptr, text.len);
    check_same_set(s, &again);
    pawl_langfuse_dataset_lines_text(&text2, &again);
    FUZZ_ASSERT(text.len == text2.len && memcmp(text.ptr, text2.ptr, text.len) == 0,
                "the text changed when read back and written again");
    pawl_langfuse_dataset_diff(&diff, &again, s);
    FUZZ_ASSERT(diff.unchanged == s->n && !diff.added && !diff.changed && !diff.removed,
                "diff of a set with itself: +%zu ~%zu -%zu =%zu of %zu", diff.added, diff.changed,
                diff.removed, diff.unchanged, s->n);
    pawl_langfuse_dataset_lines_release(&again);
    pawl_buf_release(&text);
    pawl_buf_release(&text2);
}

/* What pawl_langfuse_dataset_item_line() may refuse an item for. */
static void check_refusal(const json_t *item, const char *prefix, const struct pawl_error *err)
{
    const json_t *id = json_object_get(item, "id");
    int why = !json_is_object(item) || !json_is_string(id) || json_string_length(id) == 0 ||
              (prefix[0] && strcmp(json_string_value(id), prefix) == 0);

    FUZZ_ASSERT(why, "an item refused for no documented reason: %s", err->msg);
    FUZZ_ASSERT(err->code == PAWL_EDATA && err->msg[0], "code %d, '%s'", err->code, err->msg);
}

static void check_line(const char *line, const char *id, const json_t *item, const char *prefix)
{
    static const char *const order[] = {"id", "input", "expected_output", "metadata"};
    const char *raw = json_string_value(json_object_get(item, "id"));
    size_t plen = strlen(prefix), k = 0, n;
    json_error_t jerr;
    json_t *doc;
    const char *key;
    json_t *v;

    FUZZ_ASSERT(!strchr(line, '\n') && !strchr(line, '\r'), "a line break in %s", line);
    FUZZ_ASSERT(strcmp(id, plen && strncmp(raw, prefix, plen) == 0 ? raw + plen : raw) == 0,
                "item '%s' (prefix '%s') got id '%s'", raw, prefix, id);
    doc = json_loads(line, 0, &jerr);
    FUZZ_ASSERT(json_is_object(doc), "line %s: %s", line, jerr.text);
    FUZZ_ASSERT(json_is_string(json_object_get(doc, "id")) &&
                    strcmp(json_string_value(json_object_get(doc, "id")), id) == 0,
                "line %s for id '%s'", line, id);
    n = json_object_size(doc);
    json_object_foreach(doc, key, v)
    {
        while (k < 4 && strcmp(order[k], key) != 0)
            k++;
        FUZZ_ASSERT(k < 4, "key '%s' out of place in %s", key, line);
    }
    FUZZ_ASSERT(n >= 2 && json_object_get(doc, "input"), "line %s lacks input", line);
    FUZZ_ASSERT(!json_is_null(json_object_get(doc, "expected_output")), "null expected in %s",
                line);
    FUZZ_ASSERT(!json_object_get(doc, "metadata") ||
                    (json_is_object(json_object_get(doc, "metadata")) &&
                     json_object_size(json_object_get(doc, "metadata")) > 0),
                "metadata in %s", line);
    json_decref(doc);
}

/* The pulled text loads as a dataset, and a push would see each case as the line pulled. */
static void check_loads(const struct pawl_langfuse_dataset_lines *s)
{
    struct pawl_buf text = PAWL_BUF_INIT, mine = PAWL_BUF_INIT;
    struct pawl_dataset ds;
    struct pawl_error err;
    size_t i;
    int rc;

    pawl_langfuse_dataset_lines_text(&text, s);
    pawl_error_init(&err);
    rc = pawl_dataset_parse(&ds, text.ptr, text.len, "evals/pulled.jsonl", "id", &err);
    FUZZ_ASSERT(rc == 0, "the pulled file does not load: %s:%d: %s", err.source, err.line, err.msg);
    FUZZ_ASSERT(ds.n_cases == s->n, "%zu lines load as %zu cases", s->n, ds.n_cases);
    for (i = 0; i < s->n; i++) {
        const struct pawl_case *c = &ds.cases[i];

        FUZZ_ASSERT(strcmp(c->id, s->v[i].id) == 0 && c->line == (int)i + 1,
                    "line %zu loads as case '%s' at line %d", i + 1, c->id, c->line);
        pawl_buf_reset(&mine);
        pawl_langfuse_dataset_line(&mine, c->id, c->input, c->expected_output, c->metadata);
        FUZZ_ASSERT(strcmp(mine.ptr, s->v[i].line) == 0, "pulled %s, push would compare %s",
                    s->v[i].line, mine.ptr);
    }
    pawl_dataset_release(&ds);
    pawl_buf_release(&text);
    pawl_buf_release(&mine);
}

static void pull(const json_t *page, const char *prefix)
{
    struct pawl_langfuse_dataset_lines after = PAWL_LANGFUSE_DATASET_LINES_INIT;
    const json_t *items = json_object_get(page, "data"), *item;
    json_t *raw_ids = json_object();
    const char *dup;
    size_t i;

    if (!json_is_array(items))
        goto done;
    json_array_foreach(items, i, item)
    {
        struct pawl_buf line = PAWL_BUF_INIT;
        struct pawl_error err;
        const char *raw;
        char *id = NULL;

        pawl_error_init(&err);
        if (pawl_langfuse_dataset_item_line(&line, &id, item, prefix[0] ? prefix : NULL, &err) <
            0) {
            check_refusal(item, prefix, &err);
            FUZZ_ASSERT(!id, "a refused item left an id");
            pawl_buf_release(&line);
            goto done;
        }
        raw = json_string_value(json_object_get(item, "id"));
        check_line(line.ptr, id, item, prefix);
        if (json_object_get(raw_ids, raw)) { /* the pull stops: listed twice */
            free(id);
            pawl_buf_release(&line);
            goto done;
        }
        json_object_set_new(raw_ids, raw, json_true());
        pawl_langfuse_dataset_lines_add(&after, id, pawl_buf_detach(&line, NULL));
    }
    dup = pawl_langfuse_dataset_lines_sort(&after);
    if (dup) {
        FUZZ_ASSERT(pawl_langfuse_dataset_lines_find(&after, dup), "'%s' is not there", dup);
        goto done; /* the pull stops: two items, one id once the prefix is stripped */
    }
    check_sorted(&after);
    for (i = 0; i < after.n; i++)
        FUZZ_ASSERT(pawl_langfuse_dataset_lines_find(&after, after.v[i].id) == &after.v[i],
                    "'%s' not found", after.v[i].id);
    if (after.n)
        check_loads(&after);
    check_round_trip(&after);
done:
    json_decref(raw_ids);
    pawl_langfuse_dataset_lines_release(&after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pawl_langfuse_dataset_lines prev = PAWL_LANGFUSE_DATASET_LINES_INIT;
    const char *text = (const char *)data, *nl = memchr(data, '\n', size);
    char *prefix;
    size_t len = size;
    json_t *page;

    if (nl) {
        prefix = fuzz_strndup(data, (size_t)(nl - text));
        text = nl + 1;
        len = size - (size_t)(text - (const char *)data);
    } else {
        prefix = fuzz_strndup(data, 0);
    }
    /* the client's flags (src/langfuse.c) */
    page = json_loadb(text, len, JSON_DECODE_ANY, NULL);
    if (page)
        pull(page, prefix);
    json_decref(page);

    pawl_langfuse_dataset_lines_parse(&prev, text, len);
    check_sorted(&prev);
    check_round_trip(&prev);
    pawl_langfuse_dataset_lines_release(&prev);
    free(prefix);
    return 0;
}
