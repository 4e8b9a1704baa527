#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "json_util.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/dataset.h"
#include "pawl/node.h"

/* Larger files are almost certainly a mistake, and would not fit a run anyway. */
#define DATASET_MAX ((size_t)1 << 30)

/* Accumulates validated cases into a dataset, remembering where each id was first seen. */
struct builder {
    struct pawl_dataset *ds;
    size_t alloc;
    json_t *seen; /* case id -> line of its first record */
    const char *display;
    const char *id_field;
};

enum pawl_dataset_format pawl_dataset_format_of(const char *display)
{
    const char *slash = strrchr(display, '/'), *dot = strrchr(display, '.');

    if (!dot || (slash && dot < slash))
        return PAWL_DATASET_UNKNOWN;
    if (strcasecmp(dot, ".jsonl") == 0)
        return PAWL_DATASET_JSONL;
    if (strcasecmp(dot, ".json") == 0)
        return PAWL_DATASET_JSON;
    if (strcasecmp(dot, ".yaml") == 0 || strcasecmp(dot, ".yml") == 0)
        return PAWL_DATASET_YAML;
    if (strcasecmp(dot, ".csv") == 0)
        return PAWL_DATASET_CSV;
    return PAWL_DATASET_UNKNOWN;
}

static void builder_init(struct builder *b, struct pawl_dataset *ds, const char *display,
                         const char *id_field)
{
    memset(b, 0, sizeof(*b));
    b->ds = ds;
    b->display = display;
    b->id_field = id_field;
    b->seen = json_object();
}

static void builder_release(struct builder *b)
{
    json_decref(b->seen);
    b->seen = NULL;
}

/* A key holding null counts as absent: Langfuse exports write `"expectedOutput": null`. */
static json_t *get_present(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static int builder_add(struct builder *b, json_t *rec, int line, struct pawl_error *err)
{
    const char *src = b->display;
    json_t *id, *expected, *expected2, *metadata, *input, *first;
    struct pawl_case *c;
    char *id_str = NULL;
    int rc = 0;

    if (!json_is_object(rec)) {
        rc = pawl_error_set(err, PAWL_EDATA, src, line, 0, "record must be a JSON object, got %s",
                            pawl_json_kind(rec));
        goto done;
    }
    id = json_object_get(rec, b->id_field);
    if (!id) {
        rc = pawl_error_set(err, PAWL_EDATA, src, line, 0, "missing case id field '%s'",
                            b->id_field);
        goto done;
    }
    if (json_is_string(id)) {
        if (json_string_length(id) == 0) {
            rc = pawl_error_set(err, PAWL_EDATA, src, line, 0, "empty case id");
            goto done;
        }
        if (strlen(json_string_value(id)) != json_string_length(id)) {
            rc = pawl_error_set(err, PAWL_EDATA, src, line, 0,
                                "case id must not contain a NUL character");
            goto done;
        }
        id_str = pawl_xstrdup(json_string_value(id));
    } else if (json_is_integer(id)) {
        id_str = pawl_xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(id));
    } else {
        rc =
            pawl_error_set(err, PAWL_EDATA, src, line, 0, "case id must be a string or an integer");
        goto done;
    }
    first = json_object_get(b->seen, id_str);
    if (first) {
        rc = pawl_error_set(err, PAWL_EDATA, src, line, 0,
                            "duplicate case id '%s' (first at line %d)", id_str,
                            (int)json_integer_value(first));
        goto done;
    }
    expected = get_present(rec, "expected_output");
    expected2 = get_present(rec, "expectedOutput");
    if (expected && expected2) {
        rc = pawl_error_set(err, PAWL_EDATA, src, line, 0,
                            "record has both 'expected_output' and 'expectedOutput'");
        goto done;
    }
    if (!expected)
        expected = expected2;
    metadata = get_present(rec, "metadata");
    if (metadata && !json_is_object(metadata)) {
        rc = pawl_error_set(err, PAWL_EDATA, src, line, 0, "metadata must be an object, got %s",
                            pawl_json_kind(metadata));
        goto done;
    }
    input = json_object_get(rec, "input");

    json_object_set_new(b->seen, id_str, json_integer(line));
    PAWL_ALLOC_GROW(b->ds->cases, b->ds->n_cases + 1, b->alloc);
    c = &b->ds->cases[b->ds->n_cases++];
    c->id = id_str;
    id_str = NULL;
    c->input = input ? json_incref(input) : json_null();
    c->expected_output = json_incref(expected);
    c->metadata = json_incref(metadata);
    c->record = json_incref(rec);
    c->line = line;
done:
    free(id_str);
    json_decref(rec);
    return rc;
}

static int check_utf8(const char *data, size_t len, const char *display, struct pawl_error *err)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)data;
    size_t i = 0;
    int line = 1;

    /* Windows tools (PowerShell's `>` among them) write UTF-16 with a BOM. */
    if (len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
        return pawl_error_set(err, PAWL_EDATA, display, 1, 0,
                              "invalid UTF-8 (the file is UTF-16; save it as UTF-8)");
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n;

        if (p[i] == 0)
            return pawl_error_set(err, PAWL_EDATA, display, line, 0,
                                  "unexpected NUL byte (is this a text file?)");
        if (p[i] < 0x80) {
            line += p[i] == '\n';
            i++;
            continue;
        }
        n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i < 4 ? len - i : 4), &cp);
        if (n < 0)
            return pawl_error_set(err, PAWL_EDATA, display, line, 0, "invalid UTF-8");
        i += (size_t)n;
    }
    return 0;
}

static int is_blank(const char *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return 0;
    return 1;
}

static int parse_jsonl(struct builder *b, const char *data, size_t len, struct pawl_error *err)
{
    size_t pos = 0;
    int line = 0, rc = 0;

    while (pos < len && rc == 0) {
        const char *s = data + pos, *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        json_error_t jerr;
        json_t *rec;

        pos += n + (nl != NULL);
        line++;
        if (is_blank(s, n))
            continue;
        rec = json_loadb(s, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
        if (!rec)
            rc =
                pawl_error_set(err, PAWL_EDATA, b->display, line, 0, "invalid JSON: %s", jerr.text);
        else
            rc = builder_add(b, rec, line, err);
    }
    return rc;
}

/*
 * jansson does not say where array elements start, so walk the (already
 * validated) text once, tracking strings and nesting, and note the line of
 * every value that begins at depth 1.
 */
static int *element_lines(const char *p, size_t len, size_t *count)
{
    int *lines = NULL, line = 1, depth = 0, in_str = 0, esc = 0, want = 0;
    size_t i, n = 0, alloc = 0;

    for (i = 0; i < len; i++) {
        char c = p[i];
        int starts = 0;

        if (in_str) {
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        switch (c) {
        case '\n':
            line++;
            break;
        case ' ':
        case '\t':
        case '\r':
            break;
        case '"':
            starts = 1;
            in_str = 1;
            break;
        case '[':
        case '{':
            starts = 1;
            break;
        case ']':
        case '}':
            depth--;
            break;
        case ',':
            want = depth == 1;
            break;
        default:
            starts = 1;
            break;
        }
        if (starts && depth == 1 && want) {
            PAWL_ALLOC_GROW(lines, n + 1, alloc);
            lines[n++] = line;
            want = 0;
        }
        if (c == '[' || c == '{') {
            depth++;
            want = depth == 1;
        }
    }
    *count = n;
    return lines;
}

static int first_value_line(const char *p, size_t len)
{
    size_t i;
    int line = 1;

    for (i = 0; i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'); i++)
        line += p[i] == '\n';
    return line;
}

static int parse_json(struct builder *b, const char *data, size_t len, struct pawl_error *err)
{
    json_error_t jerr;
    json_t *root = NULL;
    int *lines = NULL, rc = 0;
    size_t i, n_lines = 0;

    root = json_loadb(data, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        rc = pawl_error_set(err, PAWL_EDATA, b->display, jerr.line > 0 ? jerr.line : 0,
                            jerr.line > 0 && jerr.column > 0 ? jerr.column : 0, "invalid JSON: %s",
                            jerr.text);
        goto done;
    }
    if (!json_is_array(root)) {
        rc = pawl_error_set(err, PAWL_EDATA, b->display, first_value_line(data, len), 0,
                            "expected a JSON array of records");
        goto done;
    }
    lines = element_lines(data, len, &n_lines);
    for (i = 0; i < json_array_size(root) && rc == 0; i++)
        rc = builder_add(b, json_incref(json_array_get(root, i)), i < n_lines ? lines[i] : 0, err);
done:
    free(lines);
    json_decref(root);
    return rc;
}

static int parse_yaml(struct builder *b, const char *data, size_t len, struct pawl_error *err)
{
    struct pawl_node *root = NULL;
    struct pawl_error yerr;
    size_t i;
    int rc = 0;

    /* The node parser reports config errors; the same faults here are data errors. */
    pawl_error_init(&yerr);
    if (pawl_node_parse(&root, data, len, b->display, &yerr) < 0) {
        rc = pawl_error_set(err, PAWL_EDATA, yerr.source, yerr.line, yerr.col, "%s", yerr.msg);
        goto done;
    }
    if (root->kind == PAWL_NODE_MAP && root->n == 0)
        goto done; /* empty or comment-only document: reported as having no cases */
    if (root->kind != PAWL_NODE_SEQ) {
        rc = pawl_error_set(err, PAWL_EDATA, b->display, root->line, root->col,
                            "expected a YAML list of records");
        goto done;
    }
    for (i = 0; i < root->n && rc == 0; i++) {
        const struct pawl_node *item = root->items[i];
        json_t *rec = pawl_node_to_json(item);

        if (item->kind != PAWL_NODE_MAP) {
            rc = pawl_error_set(err, PAWL_EDATA, b->display, item->line, 0,
                                "record must be a mapping, got %s",
                                json_is_array(rec) ? "a list" : pawl_json_kind(rec));
            json_decref(rec);
            break;
        }
        rc = builder_add(b, rec, item->line, err);
    }
done:
    pawl_node_free(root);
    return rc;
}

enum csv_col { COL_INPUT, COL_ID, COL_EXPECTED, COL_METADATA };

struct csv_ctx {
    struct builder *b;
    struct pawl_error *err;
    int rc;
    int line;     /* physical line being fed to the parser */
    int row_line; /* line where the current row started */
    int in_row;
    json_t *row; /* fields of the current row, as JSON strings */
    json_t *header;
    enum csv_col *cols;
};

static int csv_header(struct csv_ctx *x)
{
    size_t i, j, n = json_array_size(x->row);
    int have_id = 0;

    x->cols = pawl_xcalloc(n, sizeof(*x->cols));
    for (i = 0; i < n; i++) {
        const char *name = json_string_value(json_array_get(x->row, i));

        if (!*name)
            return pawl_error_set(x->err, PAWL_EDATA, x->b->display, x->row_line, 0,
                                  "empty column name in header (column %zu)", i + 1);
        for (j = 0; j < i; j++)
            if (strcmp(name, json_string_value(json_array_get(x->row, j))) == 0)
                return pawl_error_set(x->err, PAWL_EDATA, x->b->display, x->row_line, 0,
                                      "duplicate column '%s' in header", name);
        if (strcmp(name, x->b->id_field) == 0) {
            x->cols[i] = COL_ID;
            have_id = 1;
        } else if (strcmp(name, "expected_output") == 0) {
            x->cols[i] = COL_EXPECTED;
        } else if (strncmp(name, "metadata.", 9) == 0) {
            if (!name[9])
                return pawl_error_set(x->err, PAWL_EDATA, x->b->display, x->row_line, 0,
                                      "empty metadata key in column 'metadata.'");
            x->cols[i] = COL_METADATA;
        } else {
            x->cols[i] = COL_INPUT;
        }
    }
    if (!have_id)
        return pawl_error_set(x->err, PAWL_EDATA, x->b->display, x->row_line, 0,
                              "missing case id column '%s'", x->b->id_field);
    x->header = json_copy(x->row);
    return 0;
}

static int csv_record(struct csv_ctx *x)
{
    size_t i, n = json_array_size(x->row), want = json_array_size(x->header);
    json_t *rec, *input, *metadata = NULL;

    if (n != want)
        return pawl_error_set(x->err, PAWL_EDATA, x->b->display, x->row_line, 0,
                              "row has %zu field%s, header has %zu", n, n == 1 ? "" : "s", want);
    rec = json_object();
    input = json_object();
    for (i = 0; i < n; i++) {
        const char *name = json_string_value(json_array_get(x->header, i));
        json_t *v = json_array_get(x->row, i);

        switch (x->cols[i]) {
        case COL_ID:
            json_object_set(rec, name, v);
            break;
        case COL_EXPECTED:
            json_object_set(rec, "expected_output", v);
            break;
        case COL_METADATA:
            if (!metadata)
                metadata = json_object();
            json_object_set(metadata, name + 9, v);
            break;
        default:
            json_object_set(input, name, v);
            break;
        }
    }
    json_object_set_new(rec, "input", input);
    if (metadata)
        json_object_set_new(rec, "metadata", metadata);
    return builder_add(x->b, rec, x->row_line, x->err);
}

static void csv_on_field(void *s, size_t len, void *data)
{
    struct csv_ctx *x = data;

    if (x->rc < 0)
        return;
    if (!x->in_row) { /* a row after a lone CR, on the same physical line */
        x->in_row = 1;
        x->row_line = x->line;
    }
    json_array_append_new(x->row, json_stringn_nocheck(s ? s : "", s ? len : 0));
}

static void csv_on_row(int c, void *data)
{
    struct csv_ctx *x = data;

    (void)c;
    x->in_row = 0;
    if (x->rc < 0)
        return;
    x->rc = x->header ? csv_record(x) : csv_header(x);
    json_array_clear(x->row);
}

/* RFC 4180 keeps spaces around unquoted fields; libcsv trims them unless told otherwise. */
static int csv_no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/*
 * libcsv does not count lines, so the input is fed one physical line at a
 * time: a row starts on the first non-blank line fed while no row is open,
 * and quoted fields spanning lines keep the row open until its end.
 */
static int parse_csv(struct builder *b, const char *data, size_t len, struct pawl_error *err)
{
    struct csv_parser p;
    struct csv_ctx x;
    size_t pos = 0;

    memset(&x, 0, sizeof(x));
    x.b = b;
    x.err = err;
    x.row = json_array();
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        abort();
    csv_set_space_func(&p, csv_no_space);
    csv_set_realloc_func(&p, pawl_xrealloc);
    csv_set_free_func(&p, free);
    while (pos < len && x.rc == 0) {
        const char *s = data + pos, *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) + 1 : len - pos;

        pos += n;
        x.line++;
        if (!x.in_row) {
            if (is_blank(s, n))
                continue;
            x.in_row = 1;
            x.row_line = x.line;
        }
        if (csv_parse(&p, s, n, csv_on_field, csv_on_row, &x) != n && x.rc == 0)
            x.rc = pawl_error_set(err, PAWL_EDATA, b->display, x.line, 0, "invalid CSV: %s",
                                  csv_error(&p) == CSV_EPARSE ? "malformed quoting"
                                                              : csv_strerror(csv_error(&p)));
    }
    if (x.rc == 0 && csv_fini(&p, csv_on_field, csv_on_row, &x) != 0 && x.rc == 0)
        x.rc = pawl_error_set(err, PAWL_EDATA, b->display, x.row_line, 0,
                              "invalid CSV: unterminated quoted field");
    csv_free(&p);
    json_decref(x.row);
    json_decref(x.header);
    free(x.cols);
    return x.rc;
}

int pawl_dataset_parse(struct pawl_dataset *out, const char *data, size_t len, const char *display,
                       const char *id_field, struct pawl_error *err)
{
    struct builder b;
    enum pawl_dataset_format fmt = pawl_dataset_format_of(display);
    int rc = 0;

    memset(out, 0, sizeof(*out));
    builder_init(&b, out, display, id_field ? id_field : "id");
    out->path = pawl_xstrdup(display);
    if (len > DATASET_MAX) {
        rc = pawl_error_set(err, PAWL_EDATA, display, 0, 0, "dataset is larger than 1 GiB");
        goto done;
    }
    if (fmt == PAWL_DATASET_UNKNOWN) {
        rc = pawl_error_set(err, PAWL_EDATA, display, 0, 0,
                            "unsupported dataset format (use .jsonl, .json, .yaml or .csv)");
        goto done;
    }
    pawl_git_hash_blob(out->blob, data, len);
    if ((rc = check_utf8(data, len, display, err)) < 0)
        goto done;
    /* Excel and some Windows editors start UTF-8 files with a byte order mark. */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    if (!is_blank(data, len)) {
        switch (fmt) {
        case PAWL_DATASET_JSONL:
            rc = parse_jsonl(&b, data, len, err);
            break;
        case PAWL_DATASET_JSON:
            rc = parse_json(&b, data, len, err);
            break;
        case PAWL_DATASET_YAML:
            rc = parse_yaml(&b, data, len, err);
            break;
        default:
            rc = parse_csv(&b, data, len, err);
            break;
        }
        if (rc < 0)
            goto done;
    }
    if (out->n_cases == 0)
        rc = pawl_error_set(err, PAWL_EDATA, display, 0, 0, "dataset has no cases");
done:
    builder_release(&b);
    if (rc < 0)
        pawl_dataset_release(out);
    return rc;
}

static int read_file(struct pawl_buf *out, const char *path, const char *display,
                     struct pawl_error *err)
{
    char chunk[65536];
    struct stat st;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pawl_error_set(
            err, errno == ENOENT || errno == ENOTDIR || errno == EACCES ? PAWL_EDATA : PAWL_EIO,
            NULL, 0, 0, "cannot open dataset '%s': %s", display, strerror(errno));
    if (fstat(fd, &st) < 0) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot read dataset '%s': %s", display,
                            strerror(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0, "cannot open dataset '%s': %s", display,
                            strerror(EISDIR));
        goto done;
    }
    /* Refuse a file known to be too large before reading a gigabyte of it into memory. */
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > DATASET_MAX) {
        rc = pawl_error_set(err, PAWL_EDATA, display, 0, 0, "dataset is larger than 1 GiB");
        goto done;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot read dataset '%s': %s", display,
                                strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        if (out->len + (size_t)n > DATASET_MAX) {
            rc = pawl_error_set(err, PAWL_EDATA, display, 0, 0, "dataset is larger than 1 GiB");
            goto done;
        }
        pawl_buf_add(out, chunk, (size_t)n);
    }
done:
    close(fd);
    return rc;
}

int pawl_dataset_load(struct pawl_dataset *out, const char *fs_path, const char *display,
                      const char *ref, const char *id_field, struct pawl_error *err)
{
    struct pawl_buf buf = PAWL_BUF_INIT;
    char blob[PAWL_GIT_OID_HEX] = "";
    int rc;

    memset(out, 0, sizeof(*out));
    if (ref)
        rc = pawl_git_read_at_ref(&buf, blob, fs_path, ref, display, err);
    else
        rc = read_file(&buf, fs_path, display, err);
    if (rc < 0)
        goto done;
    if ((rc = pawl_dataset_parse(out, buf.ptr, buf.len, display, id_field, err)) < 0)
        goto done;
    if (ref) {
        out->ref = pawl_xstrdup(ref);
        memcpy(out->blob, blob, sizeof(out->blob));
    }
done:
    pawl_buf_release(&buf);
    return rc;
}

void pawl_dataset_release(struct pawl_dataset *ds)
{
    size_t i;

    if (!ds)
        return;
    for (i = 0; i < ds->n_cases; i++) {
        struct pawl_case *c = &ds->cases[i];
        free(c->id);
        json_decref(c->input);
        json_decref(c->expected_output);
        json_decref(c->metadata);
        json_decref(c->record);
    }
    free(ds->cases);
    free(ds->path);
    free(ds->ref);
    memset(ds, 0, sizeof(*ds));
}

json_t *pawl_case_vars(const struct pawl_case *c)
{
    json_t *vars = json_object();

    json_object_set_new(vars, "id", json_string(c->id));
    json_object_set(vars, "input", c->input ? c->input : json_null());
    if (c->expected_output)
        json_object_set(vars, "expected_output", c->expected_output);
    if (c->metadata)
        json_object_set(vars, "metadata", c->metadata);
    return vars;
}

const struct pawl_case *pawl_dataset_find(const struct pawl_dataset *ds, const char *id)
{
    size_t i;

    for (i = 0; i < ds->n_cases; i++)
        if (strcmp(ds->cases[i].id, id) == 0)
            return &ds->cases[i];
    return NULL;
}
