/*
 * tool-called: the output, read as JSON, holds a call of the tool `tool`,
 * and with `arguments`, a call of it whose arguments match. (The key is not
 * `name`: that is every scorer's own name, the metric's.)
 *
 * Three shapes hold calls: {"tool_calls": [...]} (what the openai provider
 * outputs for a tool-call reply, and the usual shape from exec and http
 * agents), a list of content blocks in which {"type": "tool_use"} blocks
 * are calls (what the anthropic provider outputs), and the same list under
 * "content" (a whole Anthropic message). A call is {"function": {"name",
 * "arguments"}} (OpenAI), {"type": "tool_use", "name", "input"}
 * (Anthropic) or {"name", "arguments"}; arguments given as a string hold
 * JSON text, as OpenAI sends them.
 *
 * `arguments` is a mapping: each key must be in the call's arguments with
 * an equal value. Below the top level, mappings must have the same keys
 * and lists the same items. Numbers compare by value (1 equals 1.0), and a
 * string matches a value of another type whose JSON text it holds ("42"
 * matches 42), since templates render to strings. Strings in the mapping
 * are templates; one that is exactly one variable ("{{input.filters}}")
 * stands for that variable's value, whatever its type.
 */
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "scorer_impl.h"

enum expect_kind { EX_JSON, EX_TEXT, EX_MAP, EX_LIST };

struct expect {
    enum expect_kind kind;
    json_t *json;               /* EX_JSON: a number, boolean or null */
    struct pawl_template *text; /* EX_TEXT */
    char **keys;                /* EX_MAP: the keys, in the config's order */
    struct expect *items;       /* EX_MAP: the values; EX_LIST: the items */
    size_t n;
};

struct state {
    struct pawl_template *tool;
    struct expect *args; /* NULL without `arguments` */
};

static const char *const keys[] = {"tool", "arguments", NULL};

/* ---- the expected arguments ---- */

static void expect_release(struct expect *e)
{
    size_t i;

    json_decref(e->json);
    pawl_template_free(e->text);
    for (i = 0; i < e->n; i++) {
        if (e->keys)
            free(e->keys[i]);
        expect_release(&e->items[i]);
    }
    free(e->keys);
    free(e->items);
}

static int expect_compile(struct expect *e, const struct pawl_node *node, const char *source,
                          struct pawl_error *err)
{
    size_t i;
    int rc;

    if (node->kind == PAWL_NODE_SCALAR) {
        json_t *j = pawl_node_to_json(node);
        if (!json_is_string(j)) {
            e->kind = EX_JSON;
            e->json = j;
            return 0;
        }
        json_decref(j);
        e->kind = EX_TEXT;
        return pawl_scorer_compile_node(&e->text, node, source, err);
    }
    e->kind = node->kind == PAWL_NODE_MAP ? EX_MAP : EX_LIST;
    e->items = pawl_xcalloc(node->n ? node->n : 1, sizeof(*e->items));
    if (e->kind == EX_MAP)
        e->keys = pawl_xcalloc(node->n ? node->n : 1, sizeof(*e->keys));
    for (i = 0; i < node->n; i++) {
        e->n = i + 1;
        if (e->keys)
            e->keys[i] = pawl_xstrdup(node->keys[i]->value);
        if ((rc = expect_compile(&e->items[i], node->items[i], source, err)) < 0)
            return rc;
    }
    return 0;
}

static int expect_check(const struct expect *e, const json_t *vars, struct pawl_error *err)
{
    size_t i;
    int rc;

    if (e->text)
        return pawl_template_check(e->text, vars, err);
    for (i = 0; i < e->n; i++)
        if ((rc = expect_check(&e->items[i], vars, err)) < 0)
            return rc;
    return 0;
}

/* The expected value for this case (a new reference), or NULL after setting an errored score. */
static json_t *expect_render(const struct expect *e, const struct pawl_scorer_input *in,
                             struct pawl_score *out)
{
    struct pawl_buf text = PAWL_BUF_INIT;
    const json_t *sole;
    json_t *v = NULL, *item;
    size_t i;

    switch (e->kind) {
    case EX_JSON:
        return json_incref(e->json);
    case EX_TEXT:
        if (pawl_scorer_render(&text, e->text, in, out) == 0) {
            sole = pawl_template_sole_value(e->text, in->vars);
            v = sole ? json_deep_copy(sole) : json_stringn_nocheck(text.ptr, text.len);
        }
        pawl_buf_release(&text);
        return v;
    case EX_MAP:
    case EX_LIST:
        v = e->kind == EX_MAP ? json_object() : json_array();
        for (i = 0; i < e->n; i++) {
            if (!(item = expect_render(&e->items[i], in, out))) {
                json_decref(v);
                return NULL;
            }
            if (e->kind == EX_MAP)
                json_object_set_new_nocheck(v, e->keys[i], item);
            else
                json_array_append_new(v, item);
        }
        return v;
    }
    return NULL;
}

/* ---- comparing values ---- */

static int same(const json_t *want, const json_t *got);

/* `s` read as JSON is the same value as `other`. */
static int holds(const json_t *s, const json_t *other)
{
    json_t *parsed = json_loadb(json_string_value(s), json_string_length(s), JSON_DECODE_ANY, NULL);
    int ok = parsed && same(parsed, other);

    json_decref(parsed);
    return ok;
}

static int same(const json_t *want, const json_t *got)
{
    const char *key;
    json_t *w;
    size_t i;

    if (json_is_string(want) != json_is_string(got))
        return json_is_string(want) ? holds(want, got) : holds(got, want);
    if (json_is_number(want) && json_is_number(got))
        return json_number_value(want) == json_number_value(got);
    if (json_typeof(want) != json_typeof(got))
        return 0;
    if (json_is_array(want)) {
        if (json_array_size(want) != json_array_size(got))
            return 0;
        for (i = 0; i < json_array_size(want); i++)
            if (!same(json_array_get(want, i), json_array_get(got, i)))
                return 0;
        return 1;
    }
    if (json_is_object(want)) {
        if (json_object_size(want) != json_object_size(got))
            return 0;
        json_object_foreach((json_t *)want, key, w)
        {
            const json_t *g = json_object_get(got, key);
            if (!g || !same(w, g))
                return 0;
        }
        return 1;
    }
    return json_equal(want, got);
}

/* Compact JSON for a comment, clipped like quoted output. */
static void show(struct pawl_buf *b, const json_t *v)
{
    char clip[PAWL_QUOTE_SIZE];
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

    pawl_buf_puts(b, pawl_scorer_clip(clip, s ? s : "?", s ? strlen(s) : 1));
    free(s);
}

/*
 * Whether `args` (the call's, NULL when its JSON text did not parse) hold
 * every expected key with the same value. When not and `why` is given, says
 * why into it.
 */
static int args_match(const struct expect *e, const json_t *want, const json_t *args,
                      struct pawl_buf *why)
{
    char q[PAWL_QUOTE_SIZE];
    size_t i;

    if (!args) {
        if (why)
            pawl_buf_puts(why, "arguments are not valid JSON");
        return 0;
    }
    if (!json_is_object(args)) {
        if (why)
            pawl_buf_puts(why, "arguments are not a JSON object");
        return 0;
    }
    for (i = 0; i < e->n; i++) {
        const json_t *w = json_object_get(want, e->keys[i]), *g = json_object_get(args, e->keys[i]);
        if (g && same(w, g))
            continue;
        if (why) {
            pawl_buf_printf(why, "%s ", pawl_scorer_quote(q, e->keys[i], strlen(e->keys[i])));
            if (!g) {
                pawl_buf_puts(why, "is missing");
            } else {
                pawl_buf_puts(why, "is ");
                show(why, g);
                pawl_buf_puts(why, ", expected ");
                show(why, w);
            }
        }
        return 0;
    }
    return 1;
}

/* ---- finding the calls ---- */

struct call {
    const char *name; /* borrowed from the document */
    json_t *args;     /* owned; NULL when a string of arguments is not JSON */
};

/* One call from a list item, or 0 when the item is not a call. */
static int read_call(struct call *c, const json_t *item)
{
    const json_t *type = json_object_get(item, "type"), *fn = json_object_get(item, "function");
    const json_t *name, *args;

    if (json_is_string(type) && strcmp(json_string_value(type), "tool_use") == 0) {
        name = json_object_get(item, "name");
        args = json_object_get(item, "input");
    } else if (json_is_object(fn)) {
        name = json_object_get(fn, "name");
        args = json_object_get(fn, "arguments");
    } else {
        name = json_object_get(item, "name");
        args = json_object_get(item, "arguments");
    }
    if (!json_is_string(name))
        return 0;
    c->name = json_string_value(name);
    if (json_is_string(args))
        c->args =
            json_loadb(json_string_value(args), json_string_length(args), JSON_DECODE_ANY, NULL);
    else if (args)
        c->args = json_incref((json_t *)args);
    else
        c->args = json_object(); /* no arguments given: none to match */
    return 1;
}

/* The list of items that may be calls, or NULL. */
static const json_t *call_list(const json_t *doc)
{
    const json_t *list;

    if (json_is_array(doc))
        return doc;
    if (json_is_array(list = json_object_get(doc, "tool_calls")))
        return list;
    if (json_is_array(list = json_object_get(doc, "content")))
        return list;
    return NULL;
}

/* ---- the scorer ---- */

static void state_free(void *p)
{
    struct state *st = p;

    if (!st)
        return;
    pawl_template_free(st->tool);
    if (st->args)
        expect_release(st->args);
    free(st->args);
    free(st);
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));
    const struct pawl_node *args;
    int rc;

    *out = st;
    if ((rc = pawl_scorer_compile_key(&st->tool, node, "tool", 1, source, err)) < 0)
        return rc;
    if (!(args = pawl_node_get(node, "arguments")))
        return 0;
    if (args->kind != PAWL_NODE_MAP)
        return pawl_error_set(err, PAWL_ECONFIG, source, args->line, args->col,
                              "'arguments' must be a mapping");
    st->args = pawl_xcalloc(1, sizeof(*st->args));
    return expect_compile(st->args, args, source, err);
}

static int check(const void *p, const json_t *vars, struct pawl_error *err)
{
    const struct state *st = p;
    int rc;

    if ((rc = pawl_template_check(st->tool, vars, err)) < 0)
        return rc;
    return st->args ? expect_check(st->args, vars, err) : 0;
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct state *st = p;
    struct pawl_buf tool = PAWL_BUF_INIT, called = PAWL_BUF_INIT, why = PAWL_BUF_INIT;
    char qt[PAWL_QUOTE_SIZE], qc[PAWL_QUOTE_SIZE];
    json_t *doc = NULL, *want = NULL;
    const json_t *list;
    struct call *calls = NULL;
    size_t n = 0, i, first = (size_t)-1;
    int found = 0;

    if (pawl_scorer_render(&tool, st->tool, in, out) < 0)
        goto done;
    if (tool.len == 0) {
        pawl_score_empty_value(out, "tool", 0, 0);
        goto done;
    }
    if (st->args && !(want = expect_render(st->args, in, out)))
        goto done;
    doc = json_loadb(in->output, in->output_len, JSON_DECODE_ANY, NULL);
    if (!doc) {
        pawl_score_set(out, 0, "output holds no tool calls (not JSON)");
        goto done;
    }
    list = call_list(doc);
    calls = pawl_xcalloc(list ? json_array_size(list) + 1 : 1, sizeof(*calls));
    for (i = 0; list && i < json_array_size(list); i++) {
        if (!read_call(&calls[n], json_array_get(list, i)))
            continue;
        if (n > 0)
            pawl_buf_puts(&called, ", ");
        pawl_buf_puts(&called, calls[n].name);
        if (strcmp(calls[n].name, tool.ptr) == 0 && strlen(calls[n].name) == tool.len) {
            if (first == (size_t)-1)
                first = n;
            if (!found && (!want || args_match(st->args, want, calls[n].args, NULL)))
                found = 1;
        }
        n++;
    }
    pawl_scorer_quote(qt, tool.ptr, tool.len);
    if (n == 0)
        pawl_buf_puts(&called, "no tools");
    pawl_scorer_clip(qc, called.ptr, called.len);
    if (found) {
        pawl_score_set(out, 1, "called %s, including %s%s", qc, qt,
                       want ? " with matching arguments" : "");
    } else if (first != (size_t)-1) {
        args_match(st->args, want, calls[first].args, &why);
        pawl_score_set(out, 0, "called %s; not %s with matching arguments: %s", qc, qt, why.ptr);
    } else {
        pawl_score_set(out, 0, "called %s; not %s", qc, qt);
    }

done:
    for (i = 0; i < n; i++)
        json_decref(calls[i].args);
    free(calls);
    json_decref(doc);
    json_decref(want);
    pawl_buf_release(&tool);
    pawl_buf_release(&called);
    pawl_buf_release(&why);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_tool_called_ops = {
    .type = "tool-called",
    .keys = keys,
    .init = init,
    .check = check,
    .score = score,
    .free = state_free,
};
