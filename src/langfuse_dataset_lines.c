/*
 * langfuse_dataset_lines.c - the pure half of langfuse_dataset.h: the
 * canonical line, sets of lines by id, and the argument checks.
 *
 * Both directions meet in one canonical line per case: pull writes it, push
 * compares the file's case and the server's item through it, so an item is
 * only written when pawl would see a difference, and a second push of the
 * same file writes nothing.
 */
#include "pawl/langfuse_dataset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "pawl/alloc.h"

/* ---- the canonical line ---------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The shortest "%.*g" that reads back as the same double, as JavaScript and
 * Python print numbers; an integral value prints as an integer, because a
 * JavaScript server hands 1.0 back as 1 and the two must compare equal.
 */
static void put_real(struct pawl_buf *b, double d)
{
    char s[40];
    int prec;

    if (!isfinite(d)) { /* never parsed from JSON; jansson cannot hold it either */
        pawl_buf_puts(b, "null");
        return;
    }
    if (d == floor(d) && fabs(d) < 9007199254740992.0) {
        pawl_buf_printf(b, "%.0f", d == 0 ? 0.0 : d);
        return;
    }
    for (prec = 15; prec <= 17; prec++) {
        snprintf(s, sizeof(s), "%.*g", prec, d);
        if (strtod(s, NULL) == d)
            break;
    }
    pawl_buf_puts(b, s);
}

static void put_value(struct pawl_buf *b, const json_t *v)
{
    const char *key, **keys;
    json_t *item;
    size_t i, n;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        n = json_object_size(v);
        keys = pawl_xcalloc(n ? n : 1, sizeof(*keys));
        i = 0;
        json_object_foreach((json_t *)v, key, item)
            keys[i++] = key;
        qsort(keys, n, sizeof(*keys), cmp_str);
        pawl_buf_putc(b, '{');
        for (i = 0; i < n; i++) {
            if (i)
                pawl_buf_putc(b, ',');
            pawl_json_put_string(b, keys[i], strlen(keys[i]));
            pawl_buf_putc(b, ':');
            put_value(b, json_object_get(v, keys[i]));
        }
        pawl_buf_putc(b, '}');
        free(keys);
        break;
    case JSON_ARRAY:
        pawl_buf_putc(b, '[');
        json_array_foreach(v, i, item) {
            if (i)
                pawl_buf_putc(b, ',');
            put_value(b, item);
        }
        pawl_buf_putc(b, ']');
        break;
    case JSON_STRING:
        pawl_json_put_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        pawl_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        put_real(b, json_real_value(v));
        break;
    case JSON_TRUE:
        pawl_buf_puts(b, "true");
        break;
    case JSON_FALSE:
        pawl_buf_puts(b, "false");
        break;
    default:
        pawl_buf_puts(b, "null");
        break;
    }
}

void pawl_langfuse_dataset_line(struct pawl_buf *out, const char *id, const json_t *input,
                                const json_t *expected_output, const json_t *metadata)
{
    pawl_buf_puts(out, "{\"id\":");
    pawl_json_put_string(out, id, strlen(id));
    pawl_buf_puts(out, ",\"input\":");
    if (input)
        put_value(out, input);
    else
        pawl_buf_puts(out, "null");
    if (expected_output && !json_is_null(expected_output)) {
        pawl_buf_puts(out, ",\"expected_output\":");
        put_value(out, expected_output);
    }
    if (metadata && !(json_is_object(metadata) && json_object_size(metadata) == 0) &&
        !json_is_null(metadata)) {
        pawl_buf_puts(out, ",\"metadata\":");
        put_value(out, metadata);
    }
    pawl_buf_putc(out, '}');
}

/* The item's metadata as pawl holds it: an object (or NULL), with the source ids in it. */
static json_t *item_metadata(const json_t *item)
{
    const json_t *meta = json_object_get(item, "metadata");
    const json_t *trace = json_object_get(item, "sourceTraceId");
    const json_t *obs = json_object_get(item, "sourceObservationId");
    json_t *m;

    if (json_is_object(meta))
        m = json_deep_copy(meta);
    else if (meta && !json_is_null(meta))
        m = json_pack("{s:O}", "value", meta);
    else
        m = json_object();
    if (json_is_string(trace))
        json_object_set(m, "source_trace_id", (json_t *)trace);
    if (json_is_string(obs))
        json_object_set(m, "source_observation_id", (json_t *)obs);
    return m;
}

int pawl_langfuse_dataset_item_line(struct pawl_buf *out, char **out_id, const json_t *item,
                                    const char *id_prefix, struct pawl_error *err)
{
    const json_t *id = json_object_get(item, "id");
    const char *s;
    size_t plen = id_prefix ? strlen(id_prefix) : 0;
    json_t *meta;

    *out_id = NULL;
    if (!json_is_object(item))
        return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                              "Langfuse listed an item that is %s, not an object",
                              pawl_json_kind(item));
    if (!json_is_string(id) || json_string_length(id) == 0)
        return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                              "Langfuse listed an item whose id is %s, not a non-empty string",
                              id ? (json_is_string(id) ? "empty" : pawl_json_kind(id)) : "missing");
    s = json_string_value(id);
    if (plen && strncmp(s, id_prefix, plen) == 0) {
        if (s[plen] == '\0')
            return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                                  "item '%s' has no id left once the prefix '%s' is stripped", s,
                                  id_prefix);
        s += plen;
    }
    meta = item_metadata(item);
    pawl_langfuse_dataset_line(out, s, json_object_get(item, "input"),
                               json_object_get(item, "expectedOutput"), meta);
    json_decref(meta);
    *out_id = pawl_xstrdup(s);
    return 0;
}

/* ---- sets of lines --------------------------------------------------------- */

void pawl_langfuse_dataset_lines_add(struct pawl_langfuse_dataset_lines *s, char *id, char *line)
{
    PAWL_ALLOC_GROW(s->v, s->n + 1, s->alloc);
    s->v[s->n].id = id;
    s->v[s->n].line = line;
    s->n++;
}

struct sort_slot {
    struct pawl_langfuse_dataset_entry e;
    size_t arrival;
};

static int cmp_slot(const void *a, const void *b)
{
    const struct sort_slot *x = a, *y = b;
    int c = strcmp(x->e.id, y->e.id);

    /* qsort is not stable: equal ids keep their order of arrival, so "the first" is defined */
    if (c)
        return c;
    return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

const char *pawl_langfuse_dataset_lines_sort(struct pawl_langfuse_dataset_lines *s)
{
    struct sort_slot *slots;
    size_t i;

    if (s->n < 2)
        return NULL;
    slots = pawl_xcalloc(s->n, sizeof(*slots));
    for (i = 0; i < s->n; i++) {
        slots[i].e = s->v[i];
        slots[i].arrival = i;
    }
    qsort(slots, s->n, sizeof(*slots), cmp_slot);
    for (i = 0; i < s->n; i++)
        s->v[i] = slots[i].e;
    free(slots);
    for (i = 1; i < s->n; i++)
        if (strcmp(s->v[i - 1].id, s->v[i].id) == 0)
            return s->v[i].id;
    return NULL;
}

const struct pawl_langfuse_dataset_entry *
pawl_langfuse_dataset_lines_find(const struct pawl_langfuse_dataset_lines *s, const char *id)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->v[mid].id, id);
        if (c == 0)
            return &s->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void pawl_langfuse_dataset_lines_text(struct pawl_buf *out,
                                      const struct pawl_langfuse_dataset_lines *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        pawl_buf_puts(out, s->v[i].line);
        pawl_buf_putc(out, '\n');
    }
}

void pawl_langfuse_dataset_lines_parse(struct pawl_langfuse_dataset_lines *out, const char *text,
                                       size_t len)
{
    const char *p = text, *end = text + len;
    size_t i, k;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        json_t *rec = json_loadb(p, (size_t)(stop - p), 0, NULL);
        const json_t *id = json_object_get(rec, "id");
        const json_t *expected = json_object_get(rec, "expected_output");
        struct pawl_buf line = PAWL_BUF_INIT;
        char *id_str = NULL;

        if (!expected || json_is_null(expected))
            expected = json_object_get(rec, "expectedOutput");
        if (json_is_string(id) && strlen(json_string_value(id)) == json_string_length(id))
            id_str = pawl_xstrdup(json_string_value(id));
        else if (json_is_integer(id))
            id_str = pawl_xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(id));
        if (id_str) {
            pawl_langfuse_dataset_line(&line, id_str, json_object_get(rec, "input"), expected,
                                       json_object_get(rec, "metadata"));
            pawl_langfuse_dataset_lines_add(out, id_str, pawl_buf_detach(&line, NULL));
        }
        json_decref(rec);
        p = stop + (nl ? 1 : 0);
    }
    if (!pawl_langfuse_dataset_lines_sort(out))
        return;
    /* keep the first of each id */
    for (i = k = 0; i < out->n; i++) {
        if (k > 0 && strcmp(out->v[k - 1].id, out->v[i].id) == 0) {
            free(out->v[i].id);
            free(out->v[i].line);
            continue;
        }
        out->v[k++] = out->v[i];
    }
    out->n = k;
}

void pawl_langfuse_dataset_lines_release(struct pawl_langfuse_dataset_lines *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        free(s->v[i].id);
        free(s->v[i].line);
    }
    free(s->v);
    memset(s, 0, sizeof(*s));
}

void pawl_langfuse_dataset_diff(struct pawl_langfuse_dataset_diff *out,
                                const struct pawl_langfuse_dataset_lines *before,
                                const struct pawl_langfuse_dataset_lines *after)
{
    size_t i = 0, j = 0;

    memset(out, 0, sizeof(*out));
    while (i < before->n || j < after->n) {
        int c = i == before->n ? 1 : j == after->n ? -1 : strcmp(before->v[i].id, after->v[j].id);
        if (c < 0) {
            out->removed++;
            i++;
        } else if (c > 0) {
            out->added++;
            j++;
        } else {
            if (strcmp(before->v[i].line, after->v[j].line) == 0)
                out->unchanged++;
            else
                out->changed++;
            i++;
            j++;
        }
    }
}

/* ---- argument checks ------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
    int i, v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* RFC 3339 section 5.6 date-time, with an upper-case T and Z as Langfuse's validators want. */
static int is_rfc3339(const char *s)
{
    int y, mo, d, h, mi, sec, oh, om;
    const char *p;

    if (strlen(s) < 20 || digits(s, 4, &y) < 0 || s[4] != '-' || digits(s + 5, 2, &mo) < 0 ||
        s[7] != '-' || digits(s + 8, 2, &d) < 0 || s[10] != 'T' || digits(s + 11, 2, &h) < 0 ||
        s[13] != ':' || digits(s + 14, 2, &mi) < 0 || s[16] != ':' ||
        digits(s + 17, 2, &sec) < 0)
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
        return 0;
    p = s + 19;
    if (*p == '.') {
        if (p[1] < '0' || p[1] > '9')
            return 0;
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    }
    if (p[0] == 'Z')
        return p[1] == '\0';
    if ((p[0] != '+' && p[0] != '-') || digits(p + 1, 2, &oh) < 0 || p[3] != ':' ||
        digits(p + 4, 2, &om) < 0 || p[6] != '\0')
        return 0;
    return oh <= 23 && om <= 59;
}

int pawl_langfuse_dataset_check_version(const char *s, struct pawl_error *err)
{
    if (is_rfc3339(s))
        return 0;
    return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                          "--version must be an RFC 3339 timestamp such as "
                          "2026-08-01T00:00:00Z or 2026-08-01T09:30:00.000+02:00, not '%s'",
                          s);
}

int pawl_langfuse_dataset_check_name(const char *name, struct pawl_error *err)
{
    size_t n = strlen(name);

    if (n == 0)
        return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0, "the dataset name is empty");
    if (name[0] == '/' || name[n - 1] == '/')
        return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                              "dataset name '%s' must not start or end with '/'", name);
    if (strstr(name, "//"))
        return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                              "dataset name '%s' must not contain '//'", name);
    return 0;
}

int pawl_langfuse_dataset_default_path(char **out, const char *name, struct pawl_error *err)
{
    const char *p = name;

    *out = NULL;
    for (;;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                                  "cannot name a file after dataset '%s' (a folder would be "
                                  "'%.*s'): give one with -o FILE",
                                  name, (int)n, p);
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    *out = pawl_xasprintf("evals/%s.jsonl", name);
    return 0;
}
