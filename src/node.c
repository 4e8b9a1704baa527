#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "pawl/alloc.h"
#include "pawl/node.h"

struct parser {
    yaml_parser_t yp;
    const char *data; /* the input, to locate reader errors */
    size_t len;
    const char *source;
    struct pawl_error *err;
};

static struct pawl_node *node_new(enum pawl_node_kind kind, const yaml_mark_t *mark)
{
    struct pawl_node *n = pawl_xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->line = (int)mark->line + 1; /* libyaml marks are 0-based */
    n->col = (int)mark->column + 1;
    return n;
}

void pawl_node_free(struct pawl_node *node)
{
    size_t i;

    if (!node)
        return;
    for (i = 0; i < node->n; i++) {
        if (node->keys)
            pawl_node_free(node->keys[i]);
        pawl_node_free(node->items[i]);
    }
    free(node->keys);
    free(node->items);
    free(node->value);
    free(node);
}

/*
 * libyaml gives its reader's errors (invalid UTF-8, control characters such
 * as NUL) a byte offset and no mark, which would put them all at 1:1: count
 * lines and characters up to the offset the way its marks do.
 */
static void offset_mark(const char *data, size_t len, size_t off, yaml_mark_t *m)
{
    const unsigned char *u = (const unsigned char *)data;
    size_t i = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

    m->line = m->column = 0;
    for (off = off < len ? off : len; i < off; i++) {
        size_t brk = 0; /* bytes of a line break at i: LF, CR, CRLF (at its LF), NEL, LS, PS */

        if (u[i] == '\n' || (u[i] == '\r' && (i + 1 == len || u[i + 1] != '\n')))
            brk = 1;
        else if (u[i] == 0xC2 && i + 1 < len && u[i + 1] == 0x85)
            brk = 2;
        else if (u[i] == 0xE2 && i + 2 < len && u[i + 1] == 0x80 &&
                 (u[i + 2] == 0xA8 || u[i + 2] == 0xA9))
            brk = 3;
        if (brk) {
            m->line++;
            m->column = 0;
            i += brk - 1;
        } else if ((u[i] & 0xC0) != 0x80) {
            m->column++;
        }
    }
}

static int next_event(struct parser *p, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&p->yp, ev)) {
        yaml_mark_t at;
        const yaml_mark_t *m = p->yp.problem_mark.line || p->yp.problem_mark.column
                                   ? &p->yp.problem_mark
                                   : &p->yp.context_mark;
        if (p->yp.error == YAML_READER_ERROR) {
            offset_mark(p->data, p->len, p->yp.problem_offset, &at);
            m = &at;
        }
        return pawl_error_set(p->err, PAWL_ECONFIG, p->source, (int)m->line + 1,
                              (int)m->column + 1, "invalid YAML: %s%s%s",
                              p->yp.problem ? p->yp.problem : "syntax error",
                              p->yp.context ? " " : "", p->yp.context ? p->yp.context : "");
    }
    return 0;
}

static int parse_node(struct parser *p, yaml_event_t *ev, int depth, struct pawl_node **out);

static int parse_children(struct parser *p, struct pawl_node *n, int depth)
{
    size_t alloc = 0, keys_alloc = 0;
    yaml_event_type_t end =
        n->kind == PAWL_NODE_SEQ ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT;

    for (;;) {
        yaml_event_t ev;
        struct pawl_node *key = NULL, *val = NULL;
        int rc;

        if ((rc = next_event(p, &ev)) < 0)
            return rc;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            return 0;
        }
        rc = parse_node(p, &ev, depth + 1, n->kind == PAWL_NODE_MAP ? &key : &val);
        if (rc < 0)
            return rc;
        if (n->kind == PAWL_NODE_MAP) {
            size_t i;
            if (key->kind != PAWL_NODE_SCALAR) {
                rc = pawl_error_set(p->err, PAWL_ECONFIG, p->source, key->line, key->col,
                                    "mapping keys must be strings");
                pawl_node_free(key);
                return rc;
            }
            for (i = 0; i < n->n; i++) {
                /* By length too: "a\0x" and "a\0y" (YAML escapes) are different keys. */
                if (n->keys[i]->len == key->len &&
                    memcmp(n->keys[i]->value, key->value, key->len) == 0) {
                    rc = pawl_error_set(p->err, PAWL_ECONFIG, p->source, key->line, key->col,
                                        "duplicate key '%s'", key->value);
                    pawl_node_free(key);
                    return rc;
                }
            }
            if ((rc = next_event(p, &ev)) < 0 ||
                (rc = parse_node(p, &ev, depth + 1, &val)) < 0) {
                pawl_node_free(key);
                return rc;
            }
            PAWL_ALLOC_GROW(n->keys, n->n + 1, keys_alloc);
            n->keys[n->n] = key;
        }
        PAWL_ALLOC_GROW(n->items, n->n + 1, alloc);
        n->items[n->n++] = val;
    }
}

/* Consumes `ev` (always deleted) and the events of the node it starts. */
static int parse_node(struct parser *p, yaml_event_t *ev, int depth, struct pawl_node **out)
{
    struct pawl_node *n = NULL;
    int rc = 0;

    *out = NULL;
    if (depth > PAWL_NODE_MAX_DEPTH) {
        rc = pawl_error_set(p->err, PAWL_ECONFIG, p->source, (int)ev->start_mark.line + 1,
                            (int)ev->start_mark.column + 1,
                            "nesting deeper than %d levels", PAWL_NODE_MAX_DEPTH);
        yaml_event_delete(ev);
        return rc;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n = node_new(PAWL_NODE_SCALAR, &ev->start_mark);
        n->value = pawl_xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        n->len = ev->data.scalar.length;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag;
        n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                    ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
        n->block = ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
                   ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
        if (ev->data.scalar.anchor)
            rc = pawl_error_set(p->err, PAWL_ECONFIG, p->source, n->line, n->col,
                                "YAML anchors and aliases are not supported");
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        n = node_new(ev->type == YAML_SEQUENCE_START_EVENT ? PAWL_NODE_SEQ : PAWL_NODE_MAP,
                     &ev->start_mark);
        if ((ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.anchor
                                                   : ev->data.mapping_start.anchor))
            rc = pawl_error_set(p->err, PAWL_ECONFIG, p->source, n->line, n->col,
                                "YAML anchors and aliases are not supported");
        break;
    case YAML_ALIAS_EVENT:
        rc = pawl_error_set(p->err, PAWL_ECONFIG, p->source, (int)ev->start_mark.line + 1,
                            (int)ev->start_mark.column + 1,
                            "YAML anchors and aliases are not supported");
        break;
    default:
        rc = pawl_error_set(p->err, PAWL_ECONFIG, p->source, (int)ev->start_mark.line + 1,
                            (int)ev->start_mark.column + 1, "unexpected YAML event");
        break;
    }
    yaml_event_delete(ev);
    if (rc == 0 && n->kind != PAWL_NODE_SCALAR)
        rc = parse_children(p, n, depth);
    if (rc < 0) {
        pawl_node_free(n);
        return rc;
    }
    *out = n;
    return 0;
}

int pawl_node_parse(struct pawl_node **out, const char *data, size_t len, const char *source,
                    struct pawl_error *err)
{
    struct parser p;
    yaml_event_t ev;
    struct pawl_node *root = NULL;
    int rc, done = 0;

    *out = NULL;
    memset(&p, 0, sizeof(p));
    p.data = data;
    p.len = len;
    p.source = source;
    p.err = err;
    if (!yaml_parser_initialize(&p.yp))
        return pawl_error_set(err, PAWL_EIO, source, 0, 0, "cannot initialise YAML parser");
    yaml_parser_set_input_string(&p.yp, (const unsigned char *)data, len);

    while (!done) {
        if ((rc = next_event(&p, &ev)) < 0)
            goto fail;
        switch (ev.type) {
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            yaml_event_delete(&ev);
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (root) {
                rc = pawl_error_set(err, PAWL_ECONFIG, source, (int)ev.start_mark.line + 1,
                                    (int)ev.start_mark.column + 1,
                                    "more than one YAML document");
                yaml_event_delete(&ev);
                goto fail;
            }
            yaml_event_delete(&ev);
            if ((rc = next_event(&p, &ev)) < 0)
                goto fail;
            if (ev.type == YAML_DOCUMENT_END_EVENT) {
                yaml_mark_t m = ev.start_mark;
                yaml_event_delete(&ev);
                root = node_new(PAWL_NODE_MAP, &m);
                break;
            }
            if ((rc = parse_node(&p, &ev, 1, &root)) < 0)
                goto fail;
            /* "---" alone: libyaml reports an empty plain scalar; it is an empty document. */
            if (root->kind == PAWL_NODE_SCALAR && root->plain && root->len == 0) {
                free(root->value);
                root->value = NULL;
                root->kind = PAWL_NODE_MAP;
            }
            break;
        case YAML_STREAM_END_EVENT:
            yaml_event_delete(&ev);
            done = 1;
            break;
        default:
            yaml_event_delete(&ev);
            break;
        }
    }
    if (!root) {
        yaml_mark_t m = {0, 0, 0};
        root = node_new(PAWL_NODE_MAP, &m);
    }
    yaml_parser_delete(&p.yp);
    *out = root;
    return 0;
fail:
    pawl_node_free(root);
    yaml_parser_delete(&p.yp);
    return rc;
}

const struct pawl_node *pawl_node_key(const struct pawl_node *map, const char *key)
{
    size_t i;

    if (!map || map->kind != PAWL_NODE_MAP)
        return NULL;
    for (i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->value, key) == 0)
            return map->keys[i];
    return NULL;
}

const struct pawl_node *pawl_node_get(const struct pawl_node *map, const char *key)
{
    size_t i;

    if (!map || map->kind != PAWL_NODE_MAP)
        return NULL;
    for (i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->value, key) == 0)
            return map->items[i];
    return NULL;
}

const char *pawl_node_kind_name(const struct pawl_node *node)
{
    switch (node->kind) {
    case PAWL_NODE_SEQ:
        return "a list";
    case PAWL_NODE_MAP:
        return "a mapping";
    default:
        return "a string";
    }
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j;
    size_t *row, best;

    if (la > 64 || lb > 64)
        return (size_t)-1;
    row = pawl_xcalloc(lb + 1, sizeof(*row));
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t v = diag + cost;
            if (row[j] + 1 < v)
                v = row[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
        }
    }
    best = row[lb];
    free(row);
    return best;
}

const char *pawl_suggest(const char *word, const char *const *allowed)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1, i;

    for (i = 0; allowed[i]; i++) {
        size_t d = edit_distance(word, allowed[i]);
        if (d < best_d) {
            best_d = d;
            best = allowed[i];
        }
    }
    /* Close enough to be a typo: at most a third of the word, and at most 3 edits. */
    if (best && best_d <= 3 && best_d * 3 <= strlen(word) + 2)
        return best;
    return NULL;
}

int pawl_node_check_keys(const struct pawl_node *map, const char *const *allowed,
                         const char *source, struct pawl_error *err)
{
    size_t i, j;

    for (i = 0; map && map->kind == PAWL_NODE_MAP && i < map->n; i++) {
        const struct pawl_node *k = map->keys[i];
        const char *hint;
        int known = 0;

        for (j = 0; allowed[j]; j++)
            if (strcmp(allowed[j], k->value) == 0)
                known = 1;
        if (known)
            continue;
        hint = pawl_suggest(k->value, allowed);
        if (hint)
            return pawl_error_set(err, PAWL_ECONFIG, source, k->line, k->col,
                                  "unknown key '%s' (did you mean '%s'?)", k->value, hint);
        return pawl_error_set(err, PAWL_ECONFIG, source, k->line, k->col, "unknown key '%s'",
                              k->value);
    }
    return 0;
}

int pawl_node_is_null(const struct pawl_node *node)
{
    if (!node || node->kind != PAWL_NODE_SCALAR || !node->plain)
        return 0;
    return node->len == 0 || strcmp(node->value, "~") == 0 ||
           strcmp(node->value, "null") == 0 || strcmp(node->value, "Null") == 0 ||
           strcmp(node->value, "NULL") == 0;
}

int pawl_node_as_bool(const struct pawl_node *node, int *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", NULL};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", NULL};
    size_t i;

    if (!node || node->kind != PAWL_NODE_SCALAR || !node->plain)
        return -1;
    for (i = 0; yes[i]; i++)
        if (strcmp(node->value, yes[i]) == 0)
            return *out = 1, 0;
    for (i = 0; no[i]; i++)
        if (strcmp(node->value, no[i]) == 0)
            return *out = 0, 0;
    return -1;
}

int pawl_node_as_long(const struct pawl_node *node, long *out)
{
    char *end;
    long v;

    if (!node || node->kind != PAWL_NODE_SCALAR || !node->plain || node->len == 0)
        return -1;
    errno = 0;
    v = strtol(node->value, &end, 10);
    if (errno || *end || end == node->value)
        return -1;
    *out = v;
    return 0;
}

int pawl_node_as_double(const struct pawl_node *node, double *out)
{
    char *end;
    double v;
    const char *s;

    if (!node || node->kind != PAWL_NODE_SCALAR || !node->plain || node->len == 0)
        return -1;
    s = node->value;
    /* strtod accepts hex, inf and nan; YAML numbers here are decimal only. */
    if (strpbrk(s, "xXnN") || strchr(s, 'i') || strchr(s, 'I'))
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || end == s || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

json_t *pawl_node_to_json(const struct pawl_node *node)
{
    json_t *j;
    size_t i;
    long l;
    double d;
    int b;

    switch (node->kind) {
    case PAWL_NODE_SEQ:
        j = json_array();
        for (i = 0; i < node->n; i++)
            json_array_append_new(j, pawl_node_to_json(node->items[i]));
        return j;
    case PAWL_NODE_MAP:
        j = json_object();
        for (i = 0; i < node->n; i++)
            json_object_setn_new(j, node->keys[i]->value, node->keys[i]->len,
                                 pawl_node_to_json(node->items[i]));
        return j;
    default:
        if (pawl_node_is_null(node))
            return json_null();
        if (pawl_node_as_bool(node, &b) == 0)
            return json_boolean(b);
        if (pawl_node_as_long(node, &l) == 0)
            return json_integer(l);
        if (pawl_node_as_double(node, &d) == 0)
            return json_real(d);
        j = json_stringn_nocheck(node->value, node->len);
        return j;
    }
}
