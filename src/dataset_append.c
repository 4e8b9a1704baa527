/*
 * dataset_append.c - one more record at the end of a dataset file, in the
 * file's own format and style, leaving every byte already there as it was
 * (dataset_add.h). The input has loaded as a dataset (or is blank), so the
 * scanners below only need to find their way, not to validate.
 */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/dataset.h"
#include "pawl/dataset_add.h"
#include "pawl/node.h"

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The file's line break, as its first line ends; LF for a file of one line or none. */
static const char *eol_of(const char *p, size_t len)
{
    const char *nl = memchr(p, '\n', len);
    return nl && nl > p && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* `text` with each LF written as `eol` followed by `indent`. */
static void put_lines(struct pawl_buf *out, const char *text, const char *eol, const char *indent,
                      size_t indent_len)
{
    const char *nl;

    while ((nl = strchr(text, '\n')) != NULL) {
        pawl_buf_add(out, text, (size_t)(nl - text));
        pawl_buf_puts(out, eol);
        pawl_buf_add(out, indent, indent_len);
        text = nl + 1;
    }
    pawl_buf_puts(out, text);
}

/* The same for text jansson indented one space a level, each level written as `tabs` tabs. */
static void put_tab_lines(struct pawl_buf *out, const char *text, const char *eol,
                          const char *indent, size_t indent_len, size_t tabs)
{
    size_t k;

    for (;;) {
        const char *nl = strchr(text, '\n');

        pawl_buf_add(out, text, nl ? (size_t)(nl - text) : strlen(text));
        if (!nl)
            return;
        pawl_buf_puts(out, eol);
        pawl_buf_add(out, indent, indent_len);
        /* Only indentation starts a line: a line break in a string is written \n. */
        for (text = nl + 1; *text == ' '; text++)
            for (k = 0; k < tabs; k++)
                pawl_buf_putc(out, '\t');
    }
}

static int lines_before(const struct pawl_buf *b, size_t pos)
{
    size_t i;
    int n = 1;

    for (i = 0; i < pos; i++)
        n += b->ptr[i] == '\n';
    return n;
}

/* The file as it is, with a line break added at the end when its last line has none. */
static void copy_closed(struct pawl_buf *out, const char *p, size_t len, const char *eol)
{
    pawl_buf_add(out, p, len);
    if (len > 0 && p[len - 1] != '\n')
        pawl_buf_puts(out, eol);
}

static int append_jsonl(struct pawl_buf *out, int *line, const char *p, size_t len,
                        const json_t *record)
{
    const char *eol = eol_of(p, len);
    char *text = json_dumps(record, JSON_COMPACT);

    copy_closed(out, p, len, eol);
    *line = lines_before(out, out->len);
    pawl_buf_puts(out, text);
    pawl_buf_puts(out, eol);
    free(text);
    return 0;
}

/* ---- JSON array ---------------------------------------------------------- */

struct json_shape {
    size_t open, close;          /* the root array's brackets */
    size_t last_start, last_end; /* the last element: its first byte and one past its last */
    size_t n;                    /* elements */
};

static int json_shape(struct json_shape *s, const char *p, size_t len)
{
    int depth = 0, in_str = 0, esc = 0, want = 0;
    size_t i;

    memset(s, 0, sizeof(*s));
    for (i = 0; i < len; i++) {
        char c = p[i];

        if (in_str) {
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (is_ws(c))
            continue;
        if (depth == 1 && want && c != ']') {
            s->last_start = i;
            s->n++;
            want = 0;
        }
        switch (c) {
        case '"':
            in_str = 1;
            break;
        case '[':
        case '{':
            if (depth == 0)
                s->open = i;
            want = ++depth == 1;
            break;
        case ']':
        case '}':
            if (--depth == 0) {
                s->close = i;
                s->last_end = i;
                while (s->last_end > s->open + 1 && is_ws(p[s->last_end - 1]))
                    s->last_end--;
                return 0;
            }
            break;
        case ',':
            want = depth == 1;
            break;
        default:
            break;
        }
    }
    return -1;
}

/* Whether JSON text puts a space after its colons: `{"a": 1}` rather than `{"a":1}`. */
static int spaced(const char *p, size_t len)
{
    size_t i;

    for (i = 0; i + 2 < len; i++)
        if (p[i] == '"' && p[i + 1] == ':' && p[i + 2] == ' ')
            return 1;
    return 0;
}

static int append_json(struct pawl_buf *out, int *line, const char *p, size_t len,
                       const json_t *record)
{
    const char *eol = eol_of(p, len);
    struct json_shape s;
    size_t ls, k, at, tabs = 0;
    int own_line, flags;
    char *text;

    if (len == 0 || json_shape(&s, p, len) < 0) { /* blank: a new file */
        copy_closed(out, p, len, eol);
        pawl_buf_printf(out, "[%s  ", eol);
        *line = lines_before(out, out->len);
        text = json_dumps(record, 0);
        pawl_buf_puts(out, text);
        pawl_buf_printf(out, "%s]%s", eol, eol);
        free(text);
        return 0;
    }
    if (s.n == 0) {
        at = s.open + 1;
        pawl_buf_add(out, p, at);
        pawl_buf_printf(out, "%s  ", eol);
        *line = lines_before(out, out->len);
        text = json_dumps(record, 0);
        pawl_buf_puts(out, text);
        if (!memchr(p + at, '\n', s.close - at))
            pawl_buf_puts(out, eol);
        pawl_buf_add(out, p + at, len - at);
        free(text);
        return 0;
    }
    /* Indent like the last element when it starts its own line; else continue its line. */
    for (ls = s.last_start; ls > 0 && p[ls - 1] != '\n'; ls--)
        ;
    for (k = ls, own_line = 1; k < s.last_start; k++)
        own_line &= p[k] == ' ' || p[k] == '\t';
    at = s.last_end;
    pawl_buf_add(out, p, at);
    pawl_buf_putc(out, ',');
    if (own_line && memchr(p + s.last_start, '\n', s.last_end - s.last_start)) {
        /* A pretty-printed element: the same step of indentation inside it. */
        const char *second =
            (const char *)memchr(p + s.last_start, '\n', s.last_end - s.last_start) + 1;
        size_t step = 0;
        char unit = second[0] == '\t' ? '\t' : ' '; /* jq --tab, editors set to tabs */
        while (second[step] == unit)
            step++;
        step = step > s.last_start - ls ? step - (s.last_start - ls) : unit == '\t' ? 1 : 2;
        if (unit == '\t')
            tabs = step < 32 ? step : 1;
        flags = JSON_INDENT(tabs ? 1 : step > 0 && step < 32 ? step : 2);
    } else {
        /* One line: spaced like the last element, or compact. */
        flags = spaced(p + s.last_start, s.last_end - s.last_start) ? 0 : JSON_COMPACT;
    }
    text = json_dumps(record, (size_t)flags);
    if (own_line) {
        pawl_buf_puts(out, eol);
        pawl_buf_add(out, p + ls, s.last_start - ls);
    } else {
        /* Separated from it the way it is from the one before. */
        for (k = s.last_start; k > s.open + 1 && is_ws(p[k - 1]); k--)
            ;
        if (p[k - 1] == ',')
            pawl_buf_add(out, p + k, s.last_start - k);
        else if (!(flags & JSON_COMPACT))
            pawl_buf_putc(out, ' ');
    }
    *line = lines_before(out, out->len);
    if (tabs)
        put_tab_lines(out, text, eol, p + ls, own_line ? s.last_start - ls : 0, tabs);
    else
        put_lines(out, text, eol, p + ls, own_line ? s.last_start - ls : 0);
    pawl_buf_add(out, p + at, len - at);
    free(text);
    return 0;
}

/* ---- YAML list ----------------------------------------------------------- */

/*
 * JSON text is a YAML flow mapping, with a few characters more to escape:
 * those YAML does not allow raw (DEL, C1 controls, U+FEFF, U+FFFE, U+FFFF)
 * and those it reads as line breaks (NEL, U+2028, U+2029). jansson leaves
 * them raw, and they can only be inside strings, where \u works in both.
 */
static void put_yaml_safe(struct pawl_buf *out, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i;

    for (i = 0; u[i]; i++) {
        if (u[i] == 0x7F) {
            pawl_buf_puts(out, "\\u007f");
        } else if (u[i] == 0xC2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F) {
            pawl_buf_printf(out, "\\u00%02x", u[i + 1]);
            i++;
        } else if (u[i] == 0xE2 && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)) {
            pawl_buf_printf(out, "\\u20%02x", u[i + 2] == 0xA8 ? 0x28 : 0x29);
            i += 2;
        } else if (u[i] == 0xEF && ((u[i + 1] == 0xBB && u[i + 2] == 0xBF) ||
                                    (u[i + 1] == 0xBF && (u[i + 2] == 0xBE || u[i + 2] == 0xBF)))) {
            pawl_buf_puts(out, u[i + 1] == 0xBB   ? "\\ufeff"
                               : u[i + 2] == 0xBE ? "\\ufffe"
                                                  : "\\uffff");
            i += 2;
        } else {
            pawl_buf_putc(out, (char)u[i]);
        }
    }
}

/* Byte offset of 1-based `line`, `col` (columns count characters, as libyaml's do). */
static size_t offset_of(const char *p, size_t len, int line, int col)
{
    size_t i = 0;
    int l = 1, c = 1;

    while (i < len && l < line)
        l += p[i++] == '\n';
    while (i < len && c < col && p[i] != '\n') {
        i++;
        if (i < len && ((unsigned char)p[i] & 0xC0) != 0x80)
            c++;
    }
    return i;
}

/*
 * Where an explicit document end (`...`) starts, when only blank and comment
 * lines follow it; else `len`. An item appended after it would start a
 * second document. At column 0 in a file that loaded as one document, `...`
 * can only be that marker.
 */
static size_t document_end(const char *p, size_t len)
{
    size_t end = len, start, k;

    while (end > 0) {
        for (start = end; start > 0 && p[start - 1] != '\n'; start--)
            ;
        for (k = start; k < end && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r'); k++)
            ;
        if (k == end || p[k] == '#') { /* blank or comment: keep looking up */
            end = start > 0 ? start - 1 : 0;
            continue;
        }
        if (end - start >= 3 && memcmp(p + start, "...", 3) == 0 &&
            (end - start == 3 || is_ws(p[start + 3])))
            return start;
        return len;
    }
    return len;
}

static int append_yaml(struct pawl_buf *out, int *line, const char *p, size_t len,
                       const json_t *record, const char *display, struct pawl_error *err)
{
    const char *eol = eol_of(p, len);
    struct pawl_node *root = NULL;
    /* libyaml's columns start after a byte order mark. */
    size_t bom = len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    size_t indent = 0, at, k, stop = document_end(p, len);
    char *text = NULL;
    int rc;

    if ((rc = pawl_node_parse(&root, p, len, display, err)) < 0)
        goto done;
    if (root->kind == PAWL_NODE_SEQ) {
        at = bom + offset_of(p + bom, len - bom, root->line, root->col);
        if (at < len && p[at] == '[') {
            rc = pawl_error_set(err, PAWL_EDATA, display, root->line, root->col,
                                "cannot append to a YAML list in flow style ([...]); write one "
                                "'- ' item per record");
            goto done;
        }
        /* Line the new item's dash up with the first one's. */
        for (k = at; k > bom && p[k - 1] == ' '; k--)
            ;
        indent = k == bom || p[k - 1] == '\n' ? at - k : 0;
    }
    copy_closed(out, p, stop, eol);
    *line = lines_before(out, out->len);
    for (k = 0; k < indent; k++)
        pawl_buf_putc(out, ' ');
    pawl_buf_puts(out, "- ");
    text = json_dumps(record, 0);
    put_yaml_safe(out, text);
    pawl_buf_puts(out, eol);
    if (stop < len)
        pawl_buf_add(out, p + stop, len - stop);
done:
    free(text);
    pawl_node_free(root);
    return rc;
}

/* ---- CSV ----------------------------------------------------------------- */

struct csv_header {
    json_t *names; /* the header's column names, JSON strings */
    int done;
};

static void header_field(void *s, size_t len, void *data)
{
    struct csv_header *h = data;

    if (!h->done)
        json_array_append_new(h->names, json_stringn_nocheck(s ? s : "", s ? len : 0));
}

static void header_row(int c, void *data)
{
    (void)c;
    ((struct csv_header *)data)->done = 1;
}

static int keep_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* The first row's fields, read the way dataset.c reads them. */
static json_t *csv_columns(const char *p, size_t len)
{
    struct csv_header h = {json_array(), 0};
    struct csv_parser parser;
    size_t pos = 0;

    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        abort();
    csv_set_space_func(&parser, keep_space);
    csv_set_realloc_func(&parser, pawl_xrealloc);
    csv_set_free_func(&parser, free);
    while (pos < len && !h.done) {
        const char *nl = memchr(p + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (p + pos)) + 1 : len - pos;
        csv_parse(&parser, p + pos, n, header_field, header_row, &h);
        pos += n;
    }
    if (!h.done)
        csv_fini(&parser, header_field, header_row, &h);
    csv_free(&parser);
    return h.names;
}

/* A field's text: strings as they are, null empty, anything else as compact JSON. */
static char *field_text(const json_t *v)
{
    if (!v || json_is_null(v))
        return pawl_xstrdup("");
    if (json_is_string(v))
        return pawl_xstrndup(json_string_value(v), json_string_length(v));
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void put_field(struct pawl_buf *out, const char *s)
{
    if (!s[strcspn(s, ",\"\r\n")]) {
        pawl_buf_puts(out, s);
        return;
    }
    pawl_buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"')
            pawl_buf_putc(out, '"');
        pawl_buf_putc(out, *s);
    }
    pawl_buf_putc(out, '"');
}

static void add_dropped(struct pawl_dataset_addition *info, char *name)
{
    info->dropped = pawl_xrealloc(info->dropped, (info->n_dropped + 1) * sizeof(char *));
    info->dropped[info->n_dropped++] = name;
}

static int append_csv(struct pawl_buf *out, struct pawl_dataset_addition *info, const char *p,
                      size_t len, const json_t *record, const char *display, const char *id_field,
                      struct pawl_error *err)
{
    const char *eol = eol_of(p, len), *key;
    const json_t *input = json_object_get(record, "input");
    const json_t *expected = json_object_get(record, "expected_output");
    const json_t *meta = json_object_get(record, "metadata"), *v;
    const json_t *labels = json_object_get(meta, "labels");
    json_t *names = csv_columns(p, len), *used_input = json_object(), *used_meta = json_object();
    json_t *used_labels = json_object();
    struct pawl_buf row = PAWL_BUF_INIT;
    int has_expected = 0, rc = 0;
    size_t i, n = json_array_size(names);

    if (n == 0) {
        rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                            "cannot add a case to %s: it has no header row", display);
        goto done;
    }
    if (!json_is_object(input) && !json_is_null(input)) {
        rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                            "cannot add the case to %s: its input is %s, and CSV columns hold "
                            "the keys of an input object",
                            display, json_is_array(input) ? "a list" : "a single value");
        goto done;
    }
    for (i = 0; i < n; i++) {
        const char *name = json_string_value(json_array_get(names, i));
        char *text;

        if (strcmp(name, id_field) == 0) {
            v = json_object_get(record, id_field);
        } else if (strcmp(name, "expected_output") == 0) {
            v = expected;
            has_expected = 1;
        } else if (strncmp(name, "metadata.labels.", 16) == 0 && json_is_object(labels) &&
                   json_object_get(labels, name + 16)) {
            /* The dataset reader keeps such a column as the flat key "labels.SCORE"
             * (a score name may have dots); --label sets metadata.labels.SCORE. */
            v = json_object_get(labels, name + 16);
            json_object_set_new(used_labels, name + 16, json_true());
            json_object_set_new(used_meta, name + 9, json_true());
        } else if (strncmp(name, "metadata.", 9) == 0) {
            v = json_object_get(meta, name + 9);
            json_object_set_new(used_meta, name + 9, json_true());
        } else {
            v = json_object_get(input, name);
            json_object_set_new(used_input, name, json_true());
        }
        text = field_text(v);
        if (i > 0)
            pawl_buf_putc(&row, ',');
        put_field(&row, text);
        free(text);
    }
    json_object_foreach((json_t *)input, key, v)
    {
        if (!json_object_get(used_input, key)) {
            rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                                "cannot add the case to %s: it has no column '%s' for the "
                                "case's input",
                                display, key);
            goto done;
        }
    }
    if (expected && !json_is_null(expected) && !has_expected) {
        rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                            "cannot add the case to %s: it has no column 'expected_output' for "
                            "the case's expected output",
                            display);
        goto done;
    }
    json_object_foreach((json_t *)meta, key, v)
    {
        const char *label;
        const json_t *lv;

        if (json_object_get(used_meta, key))
            continue;
        if (strcmp(key, "labels") == 0 && json_is_object(v)) {
            json_object_foreach((json_t *)v, label, lv)
            {
                (void)lv;
                if (!json_object_get(used_labels, label))
                    add_dropped(info, pawl_xasprintf("metadata.labels.%s", label));
            }
            continue;
        }
        add_dropped(info, pawl_xasprintf("metadata.%s", key));
    }
    copy_closed(out, p, len, eol);
    info->line = lines_before(out, out->len);
    pawl_buf_add(out, row.ptr, row.len);
    pawl_buf_puts(out, eol);
done:
    pawl_buf_release(&row);
    json_decref(names);
    json_decref(used_input);
    json_decref(used_meta);
    json_decref(used_labels);
    return rc;
}

int pawl_dataset_append(struct pawl_buf *out, struct pawl_dataset_addition *info, const char *data,
                        size_t len, const char *display, const json_t *record, const char *id_field,
                        struct pawl_error *err)
{
    memset(info, 0, sizeof(*info));
    switch (pawl_dataset_format_of(display)) {
    case PAWL_DATASET_JSONL:
        return append_jsonl(out, &info->line, data, len, record);
    case PAWL_DATASET_JSON:
        return append_json(out, &info->line, data, len, record);
    case PAWL_DATASET_YAML:
        return append_yaml(out, &info->line, data, len, record, display, err);
    case PAWL_DATASET_CSV:
        return append_csv(out, info, data, len, record, display, id_field ? id_field : "id", err);
    default:
        return pawl_error_set(err, PAWL_EDATA, display, 0, 0,
                              "unsupported dataset format (use .jsonl, .json, .yaml or .csv)");
    }
}
