/*
 * dataset_append.c - one more record at the end of a dataset file, in the
 * file's own format and style, leaving every byte already there as it was
 * (dataset_add.h). The input has loaded as a dataset (or is blank), so the
 * scanners below only need to find their way, not to validate.
 */
#include <csv.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "pawl/alloc.h"
#include "pawl/dataset.h"
#include "pawl/dataset_add.h"
#include "pawl/node.h"

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Nothing but white space after an optional BOM, as pawl_dataset_add_to_file() decides it. */
static int blank(const char *p, size_t len)
{
    size_t i = len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

    for (; i < len; i++)
        if (!is_ws(p[i]))
            return 0;
    return 1;
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

/*
 * libyaml starts a new line at LF, CR LF, a lone CR, NEL (U+0085), U+2028
 * and U+2029; the number of bytes of the break at `p[i]`, or 0. The bytes
 * have loaded as YAML, so they are UTF-8 and C2 85 or E2 80 A8 cannot be
 * the tail of another character.
 */
static size_t yaml_break_at(const char *p, size_t len, size_t i)
{
    if (p[i] == '\n')
        return 1;
    if (p[i] == '\r')
        return i + 1 < len && p[i + 1] == '\n' ? 2 : 1;
    if (p[i] == '\xC2' && i + 1 < len && p[i + 1] == '\x85')
        return 2;
    if (p[i] == '\xE2' && i + 2 < len && p[i + 1] == '\x80' &&
        (p[i + 2] == '\xA8' || p[i + 2] == '\xA9'))
        return 3;
    return 0;
}

/* The 1-based line at byte `pos`, counted as libyaml counts them. */
static int yaml_line_at(const char *p, size_t pos)
{
    size_t i = 0, n;
    int line = 1;

    while (i < pos) {
        n = yaml_break_at(p, pos, i);
        line += n > 0;
        i += n ? n : 1;
    }
    return line;
}

/* Whether the last of `len` bytes end a line (a lone CR or a NEL too). */
static int yaml_closed(const char *p, size_t len)
{
    return len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' ||
                       (len >= 2 && yaml_break_at(p, len, len - 2) == 2) ||
                       (len >= 3 && yaml_break_at(p, len, len - 3) == 3));
}

/* The file's line break, as its first line ends: CR LF, a lone CR (libyaml
 * takes it), or LF, also for a file whose first break is NEL or U+2028. */
static const char *yaml_eol_of(const char *p, size_t len)
{
    size_t i, n;

    for (i = 0; i < len; i++)
        if ((n = yaml_break_at(p, len, i)) > 0)
            return p[i] != '\r' ? "\n" : n == 2 ? "\r\n" : "\r";
    return "\n";
}

/* Byte offset of libyaml's mark index, which counts characters after a leading BOM. */
static size_t yaml_offset_of(const char *p, size_t len, size_t bom, size_t index)
{
    size_t i = bom;

    for (; i < len && index > 0; index--)
        for (i++; i < len && ((unsigned char)p[i] & 0xC0) == 0x80; i++)
            ;
    return i;
}

struct yaml_layout {
    yaml_token_type_t root; /* the root node's first token, its tag and anchor aside */
    yaml_mark_t at;         /* where that token starts */
    size_t end;             /* where the first `...` after it starts, else the length */
};

/*
 * Finds the root list's first `-` (or `[`) and the document's end marker
 * with libyaml's own scanner, so that whatever it skips and counts (a tag
 * before the list, byte order marks at line starts, the line breaks above)
 * is skipped and counted the same way. More than one `...` may end the
 * document: the new item goes before the first.
 */
static int yaml_scan_layout(struct yaml_layout *out, const char *p, size_t len, size_t bom)
{
    yaml_parser_t parser;
    yaml_token_t tok;
    int rc = -1, found = 0;

    memset(out, 0, sizeof(*out));
    out->root = YAML_STREAM_END_TOKEN;
    out->end = len;
    if (!yaml_parser_initialize(&parser))
        abort();
    yaml_parser_set_input_string(&parser, (const unsigned char *)p, len);
    for (;;) {
        yaml_token_type_t type;

        if (!yaml_parser_scan(&parser, &tok))
            break;
        type = tok.type;
        if (!found && type != YAML_STREAM_START_TOKEN && type != YAML_VERSION_DIRECTIVE_TOKEN &&
            type != YAML_TAG_DIRECTIVE_TOKEN && type != YAML_DOCUMENT_START_TOKEN &&
            type != YAML_TAG_TOKEN && type != YAML_ANCHOR_TOKEN) {
            out->root = type;
            out->at = tok.start_mark;
            found = 1;
        }
        if (found && type == YAML_DOCUMENT_END_TOKEN) {
            out->end = yaml_offset_of(p, len, bom, tok.start_mark.index);
            type = YAML_STREAM_END_TOKEN;
        }
        yaml_token_delete(&tok);
        if (type == YAML_STREAM_END_TOKEN) {
            rc = 0;
            break;
        }
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* Whether a YAML file of white space only holds a tab, which YAML refuses there. */
static int yaml_blank_tab(const char *p, size_t len, size_t bom)
{
    return blank(p, len) && memchr(p + bom, '\t', len - bom) != NULL;
}

/*
 * Whether the line break added after a last line that has none changes what
 * the file says: it does when that line ends a block scalar (`|`, `>`),
 * whose value then ends in one more line break.
 */
static int yaml_break_changes(const char *p, size_t len, const char *eol,
                              const struct pawl_node *root)
{
    struct pawl_buf closed = PAWL_BUF_INIT;
    struct pawl_node *again = NULL;
    json_t *before = NULL, *after = NULL;
    int changed = 1;

    pawl_buf_add(&closed, p, len);
    pawl_buf_puts(&closed, eol);
    if (pawl_node_parse(&again, closed.ptr, closed.len, "", NULL) == 0) {
        before = pawl_node_to_json(root);
        after = pawl_node_to_json(again);
        changed = !json_equal(before, after);
    }
    json_decref(before);
    json_decref(after);
    pawl_node_free(again);
    pawl_buf_release(&closed);
    return changed;
}

static int append_yaml(struct pawl_buf *out, int *line, const char *p, size_t len,
                       const json_t *record, const char *display, struct pawl_error *err)
{
    const char *eol = yaml_eol_of(p, len);
    struct pawl_node *root = NULL;
    struct yaml_layout lay;
    /* libyaml's columns start after a byte order mark. */
    size_t bom = len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    size_t indent = 0, k;
    char *text = NULL;
    int rc = 0;

    memset(&lay, 0, sizeof(lay));
    lay.end = len;
    if (yaml_blank_tab(p, len, bom)) {
        /* Nothing but white space: a new file, without the tab that would not load. */
        len = bom;
        lay.end = bom;
    } else {
        if ((rc = pawl_node_parse(&root, p, len, display, err)) < 0)
            goto done;
        if (yaml_scan_layout(&lay, p, len, bom) < 0) {
            rc = pawl_error_set(err, PAWL_EDATA, display, 0, 0, "cannot read the YAML file");
            goto done;
        }
    }
    if (lay.root == YAML_FLOW_SEQUENCE_START_TOKEN) {
        rc = pawl_error_set(err, PAWL_EDATA, display, (int)lay.at.line + 1, (int)lay.at.column + 1,
                            "cannot append to a YAML list in flow style ([...]); write one "
                            "'- ' item per record");
        goto done;
    }
    /* The new item's dash in the first one's column (spaces stand in for a BOM there). */
    if (lay.root == YAML_BLOCK_SEQUENCE_START_TOKEN)
        indent = lay.at.column;
    if (lay.end == len && len > bom && !yaml_closed(p, len) &&
        yaml_break_changes(p, len, eol, root)) {
        rc = pawl_error_set(err, PAWL_EDATA, display, yaml_line_at(p, len), 0,
                            "cannot append after a block scalar ('|' or '>') that ends the file "
                            "without a line break: the one added would become part of its "
                            "value; end the file with a line break first");
        goto done;
    }
    pawl_buf_add(out, p, lay.end);
    if (lay.end > bom && !yaml_closed(p, lay.end))
        pawl_buf_puts(out, eol);
    *line = yaml_line_at(out->ptr, out->len);
    for (k = 0; k < indent; k++)
        pawl_buf_putc(out, ' ');
    pawl_buf_puts(out, "- ");
    text = json_dumps(record, 0);
    put_yaml_safe(out, text);
    pawl_buf_puts(out, eol);
    if (lay.end < len)
        pawl_buf_add(out, p + lay.end, len - lay.end);
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
    /* A blank file has no header, however many blank names its white space spells. */
    json_t *names = blank(p, len) ? json_array() : csv_columns(p, len);
    json_t *used_input = json_object(), *used_meta = json_object();
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
