#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/template.h"

struct segment {
    char *key;
    int is_index; /* decimal, so it may also index an array */
    size_t index;
};

struct part {
    char *text; /* literal text, or the variable's path as written (for messages) */
    size_t len;
    struct segment *segs; /* NULL for literal text */
    size_t n_segs;
    int line, col; /* of the variable's `{{` */
};

struct pawl_template {
    char *source;
    struct part *parts;
    size_t n_parts;
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Moves a line:col position over `len` bytes; columns count characters, as libyaml's do. */
static void advance(int *line, int *col, const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (s[i] == '\n') {
            (*line)++;
            if (*col > 0)
                *col = 1;
        } else if (*col > 0 && ((unsigned char)s[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static void free_part(struct part *p)
{
    size_t i;

    for (i = 0; i < p->n_segs; i++)
        free(p->segs[i].key);
    free(p->segs);
    free(p->text);
}

void pawl_template_free(struct pawl_template *t)
{
    size_t i;

    if (!t)
        return;
    for (i = 0; i < t->n_parts; i++)
        free_part(&t->parts[i]);
    free(t->parts);
    free(t->source);
    free(t);
}

static int parse_index(const char *s, size_t *out)
{
    size_t v = 0;

    if (!*s || (s[0] == '0' && s[1]))
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > ((size_t)-1 - 9) / 10)
            return -1;
        v = v * 10 + (size_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/*
 * Splits `path` (already trimmed) on dots. A segment may hold inner spaces,
 * since CSV column names become `input.<column>`, but not braces or
 * surrounding whitespace, which are almost always typos.
 */
static int split_path(struct part *p, const char *path, size_t len)
{
    size_t start = 0, i, alloc = 0;

    for (i = 0; i <= len; i++) {
        size_t n;
        struct segment *seg;

        if (i < len && path[i] != '.')
            continue;
        n = i - start;
        if (n == 0 || is_space(path[start]) || is_space(path[i - 1]))
            return -1;
        if (memchr(path + start, '{', n) || memchr(path + start, '}', n))
            return -1;
        PAWL_ALLOC_GROW(p->segs, p->n_segs + 1, alloc);
        seg = &p->segs[p->n_segs++];
        seg->key = pawl_xstrndup(path + start, n);
        seg->is_index = parse_index(seg->key, &seg->index) == 0;
        start = i + 1;
    }
    return 0;
}

int pawl_template_compile(struct pawl_template **out, const char *text, const char *source,
                          int line, int col, struct pawl_error *err)
{
    struct pawl_template *t = pawl_xcalloc(1, sizeof(*t));
    size_t alloc = 0, len = strlen(text), pos = 0;
    int rc = 0;

    *out = NULL;
    t->source = pawl_xstrdup(source ? source : "");
    while (pos < len) {
        const char *open = strstr(text + pos, "{{");
        const char *close, *a, *b;
        struct part *p;
        int vline, vcol;

        if (!open) {
            PAWL_ALLOC_GROW(t->parts, t->n_parts + 1, alloc);
            p = &t->parts[t->n_parts++];
            memset(p, 0, sizeof(*p));
            p->len = len - pos;
            p->text = pawl_xstrndup(text + pos, p->len);
            break;
        }
        if (open > text + pos) {
            PAWL_ALLOC_GROW(t->parts, t->n_parts + 1, alloc);
            p = &t->parts[t->n_parts++];
            memset(p, 0, sizeof(*p));
            p->len = (size_t)(open - (text + pos));
            p->text = pawl_xstrndup(text + pos, p->len);
            advance(&line, &col, text + pos, p->len);
        }
        vline = line;
        vcol = col;
        close = strstr(open + 2, "}}");
        if (!close) {
            rc = pawl_error_set(err, PAWL_ECONFIG, source, vline, vcol, "unclosed '{{'");
            goto done;
        }
        for (a = open + 2; a < close && is_space(*a); a++)
            ;
        for (b = close; b > a && is_space(b[-1]); b--)
            ;
        if (a == b) {
            rc = pawl_error_set(err, PAWL_ECONFIG, source, vline, vcol, "empty template variable");
            goto done;
        }
        PAWL_ALLOC_GROW(t->parts, t->n_parts + 1, alloc);
        p = &t->parts[t->n_parts++];
        memset(p, 0, sizeof(*p));
        p->len = (size_t)(b - a);
        p->text = pawl_xstrndup(a, p->len);
        p->line = vline;
        p->col = vcol;
        if (split_path(p, p->text, p->len) < 0) {
            rc = pawl_error_set(err, PAWL_ECONFIG, source, vline, vcol,
                                "invalid template variable '%s'", p->text);
            goto done;
        }
        advance(&line, &col, open, (size_t)(close + 2 - open));
        pos = (size_t)(close + 2 - text);
    }

done:
    if (rc < 0)
        pawl_template_free(t);
    else
        *out = t;
    return rc;
}

static const json_t *resolve(const json_t *vars, const struct part *p)
{
    const json_t *cur = vars;
    size_t i;

    for (i = 0; cur && i < p->n_segs; i++) {
        if (json_is_object(cur))
            cur = json_object_get(cur, p->segs[i].key);
        else if (json_is_array(cur) && p->segs[i].is_index)
            cur = json_array_get(cur, p->segs[i].index);
        else
            cur = NULL;
    }
    return cur;
}

struct dump_ctx {
    struct pawl_buf *out;
    int failed;
};

/*
 * jansson ignores a failed write of an object's key and carries on with the
 * rest, so a buffer cap would cut the key out and leave `{":1}`: remember the
 * first failure and refuse every write after it.
 */
static int dump_cb(const char *data, size_t size, void *p)
{
    struct dump_ctx *ctx = p;

    if (!ctx->failed && pawl_buf_add(ctx->out, data, size) < 0)
        ctx->failed = 1;
    return ctx->failed ? -1 : 0;
}

/* Compact JSON; jansson 2.14 keeps insertion order, so objects render as written. */
static int render_json(struct pawl_buf *out, const json_t *v)
{
    struct dump_ctx ctx = {out, 0};
    int rc = json_dump_callback(v, dump_cb, &ctx, JSON_COMPACT | JSON_ENCODE_ANY);

    return rc < 0 || ctx.failed ? -1 : 0;
}

/*
 * The shortest precision that reads back as the same double, so 0.1 prints
 * as 0.1 rather than jansson's default 17 digits (0.10000000000000001).
 */
static int render_real(struct pawl_buf *out, const json_t *v)
{
    double d = json_real_value(v);
    char *s = NULL;
    int prec, rc;

    for (prec = 15; prec <= 17; prec++) {
        free(s);
        s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(prec));
        if (!s || strtod(s, NULL) == d)
            break;
    }
    rc = s ? pawl_buf_puts(out, s) : -1;
    free(s);
    return rc;
}

static int render_value(struct pawl_buf *out, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return pawl_buf_add(out, json_string_value(v), json_string_length(v));
    case JSON_NULL:
        return 0;
    case JSON_TRUE:
        return pawl_buf_puts(out, "true");
    case JSON_FALSE:
        return pawl_buf_puts(out, "false");
    case JSON_INTEGER:
        return pawl_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    case JSON_REAL:
        return render_real(out, v);
    default:
        return render_json(out, v);
    }
}

void pawl_template_render_value(struct pawl_buf *out, const json_t *value)
{
    size_t len = out->len;

    if (render_value(out, value) < 0 && out->alloc) {
        out->len = len;
        out->ptr[len] = '\0';
    }
}

static int check(const struct pawl_template *t, const json_t *vars, int code,
                 struct pawl_error *err)
{
    size_t i;

    for (i = 0; i < t->n_parts; i++) {
        const struct part *p = &t->parts[i];
        if (p->segs && !resolve(vars, p))
            return pawl_error_set(err, code, t->source, p->line, p->col,
                                  "unknown template variable '%s'", p->text);
    }
    return 0;
}

int pawl_template_render(struct pawl_buf *out, const struct pawl_template *t, const json_t *vars,
                         struct pawl_error *err)
{
    size_t start = out->len, i;
    int rc = 0;

    for (i = 0; i < t->n_parts; i++) {
        const struct part *p = &t->parts[i];
        const json_t *v;

        if (!p->segs) {
            if (pawl_buf_add(out, p->text, p->len) < 0)
                goto too_big;
            continue;
        }
        v = resolve(vars, p);
        if (!v) {
            rc = pawl_error_set(err, PAWL_EDATA, t->source, p->line, p->col,
                                "unknown template variable '%s'", p->text);
            goto fail;
        }
        if (render_value(out, v) < 0)
            goto too_big;
    }
    return 0;

too_big:
    rc = pawl_error_set(err, PAWL_EDATA, t->source, 0, 0,
                        "rendered template is larger than %zu bytes", out->cap);
fail:
    out->len = start;
    if (out->alloc)
        out->ptr[start] = '\0';
    return rc;
}

int pawl_template_check(const struct pawl_template *t, const json_t *vars, struct pawl_error *err)
{
    return check(t, vars, PAWL_ECONFIG, err);
}

int pawl_template_uses(const struct pawl_template *t, const char *root)
{
    size_t i;

    for (i = 0; i < t->n_parts; i++)
        if (t->parts[i].segs && strcmp(t->parts[i].segs[0].key, root) == 0)
            return 1;
    return 0;
}

const json_t *pawl_template_sole_value(const struct pawl_template *t, const json_t *vars)
{
    if (t->n_parts != 1 || !t->parts[0].segs)
        return NULL;
    return resolve(vars, &t->parts[0]);
}
