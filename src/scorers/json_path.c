/*
 * json-path: parses the output as JSON, finds the value at `path` (a JSON
 * pointer, RFC 6901) and compares it with the rendered `equals` or
 * `contains` text.
 *
 * `equals` passes when the text, read as JSON, is the same value (numbers
 * compare by value, so 1 equals 1.0), or when the value renders as the text
 * the way templates render it (so "Paris" matches the string Paris, and
 * "42" matches the string "42"). `contains` tests the value's rendering.
 */
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "scorer_impl.h"

struct state {
    char *path;
    char **tokens; /* unescaped reference tokens */
    size_t n_tokens;
    struct pawl_template *equals;
    struct pawl_template *contains;
};

static const char *const keys[] = {"path", "equals", "contains", NULL};

static void state_free(void *p)
{
    struct state *st = p;
    size_t i;

    for (i = 0; i < st->n_tokens; i++)
        free(st->tokens[i]);
    free(st->tokens);
    free(st->path);
    pawl_template_free(st->equals);
    pawl_template_free(st->contains);
    free(st);
}

/* Splits and unescapes (~1 is '/', ~0 is '~'); -1 when `path` is not a JSON pointer. */
static int parse_pointer(struct state *st, const char *path)
{
    size_t alloc = 0;

    if (*path && *path != '/')
        return -1;
    while (*path == '/') {
        const char *end = strchr(path + 1, '/');
        size_t n = end ? (size_t)(end - path - 1) : strlen(path + 1), i, j = 0;
        char *tok = pawl_xmalloc(n + 1);

        for (i = 0; i < n; i++) {
            char c = path[1 + i];
            if (c == '~') {
                char e = i + 1 < n ? path[2 + i] : '\0';
                if (e != '0' && e != '1') {
                    free(tok);
                    return -1;
                }
                c = e == '0' ? '~' : '/';
                i++;
            }
            tok[j++] = c;
        }
        tok[j] = '\0';
        PAWL_ALLOC_GROW(st->tokens, st->n_tokens + 1, alloc);
        st->tokens[st->n_tokens++] = tok;
        path += 1 + n;
    }
    return 0;
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));
    const struct pawl_node *path;
    int rc;

    *out = st;
    if ((rc = pawl_scorer_get_scalar(&path, node, "path", 1, source, err)) < 0)
        return rc;
    st->path = pawl_xstrdup(path->value);
    if (parse_pointer(st, path->value) < 0)
        return pawl_error_set(err, PAWL_ECONFIG, source, path->line, path->col,
                              "invalid JSON pointer '%s'", path->value);
    if ((rc = pawl_scorer_compile_key(&st->equals, node, "equals", 0, source, err)) < 0 ||
        (rc = pawl_scorer_compile_key(&st->contains, node, "contains", 0, source, err)) < 0)
        return rc;
    if (!st->equals && !st->contains)
        return pawl_error_set(err, PAWL_ECONFIG, source, node->line, node->col,
                              "missing required key 'equals' or 'contains'");
    if (st->equals && st->contains) {
        const struct pawl_node *k = pawl_node_key(node, "contains");
        return pawl_error_set(err, PAWL_ECONFIG, source, k->line, k->col,
                              "'equals' and 'contains' cannot be used together");
    }
    return 0;
}

static int check(const void *p, const json_t *vars, struct pawl_error *err)
{
    const struct state *st = p;
    struct pawl_template *const ts[] = {st->equals, st->contains};

    return pawl_scorer_check_templates(ts, 2, vars, err);
}

static const json_t *resolve(const struct state *st, const json_t *v)
{
    size_t i;

    for (i = 0; v && i < st->n_tokens; i++) {
        const char *tok = st->tokens[i];
        if (json_is_object(v)) {
            v = json_object_get(v, tok);
        } else if (json_is_array(v)) {
            char *end;
            unsigned long idx;
            if (tok[0] < '0' || tok[0] > '9' || (tok[0] == '0' && tok[1]))
                return NULL;
            idx = strtoul(tok, &end, 10);
            v = *end ? NULL : json_array_get(v, idx);
        } else {
            v = NULL;
        }
    }
    return v;
}


/* Compact JSON for a comment, clipped like quoted output. */
static char *show(char *out, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

    pawl_scorer_clip(out, s ? s : "?", s ? strlen(s) : 1);
    free(s);
    return out;
}

static void compare(const struct state *st, const json_t *found, const struct pawl_buf *text,
                    struct pawl_score *out)
{
    struct pawl_buf rendered = PAWL_BUF_INIT;
    char qp[PAWL_QUOTE_SIZE], qf[PAWL_QUOTE_SIZE], qt[PAWL_QUOTE_SIZE];
    json_t *want = NULL;
    int ok;

    pawl_scorer_quote(qp, st->path, strlen(st->path));
    show(qf, found);
    pawl_template_render_value(&rendered, found);
    if (st->contains) {
        ok = pawl_scorer_find(rendered.ptr, rendered.len, text->ptr, text->len) != NULL;
        pawl_score_set(out, ok,
                       ok ? "%s is %s, which contains %s" : "%s is %s, which does not contain %s",
                       qp, qf, pawl_scorer_quote(qt, text->ptr, text->len));
        goto done;
    }
    want = json_loadb(text->ptr, text->len, JSON_DECODE_ANY, NULL);
    ok = (want && pawl_scorer_json_equal(found, want)) ||
         (rendered.len == text->len && memcmp(rendered.ptr, text->ptr, text->len) == 0);
    if (ok) {
        pawl_score_set(out, 1, "%s is %s", qp, qf);
        goto done;
    }
    if (!want)
        want = json_stringn(text->ptr, text->len);
    pawl_score_set(out, 0, "%s is %s, expected %s", qp, qf,
                   want ? show(qt, want) : pawl_scorer_quote(qt, text->ptr, text->len));

done:
    json_decref(want);
    pawl_buf_release(&rendered);
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct state *st = p;
    struct pawl_buf text = PAWL_BUF_INIT;
    char qp[PAWL_QUOTE_SIZE];
    json_error_t jerr;
    json_t *doc = NULL;
    const json_t *found;

    if (pawl_scorer_render(&text, st->equals ? st->equals : st->contains, in, out) < 0)
        goto done;
    doc = json_loadb(in->output, in->output_len, JSON_DECODE_ANY, &jerr);
    if (!doc) {
        pawl_score_set(out, 0, "output is not valid JSON: %s at line %d", jerr.text, jerr.line);
        goto done;
    }
    found = resolve(st, doc);
    if (!found) {
        pawl_score_set(out, 0, "no value at %s", pawl_scorer_quote(qp, st->path, strlen(st->path)));
        goto done;
    }
    compare(st, found, &text, out);

done:
    json_decref(doc);
    pawl_buf_release(&text);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_json_path_ops = {
    .type = "json-path",
    .keys = keys,
    .init = init,
    .check = check,
    .score = score,
    .free = state_free,
};
