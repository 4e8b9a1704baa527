/*
 * json-schema: the output parses as JSON and validates against a schema,
 * given inline (`schema:`, a YAML mapping) or in a JSON file (`schema_file:`,
 * relative to the config's folder and inside the repository, like every
 * other path key).
 *
 * The subset is the draft 7 / 2020-12 core that answers "is this the shape
 * I asked the model for": type (a name or a list; "integer" accepts 1.0),
 * properties, required, items (the schema form), additionalProperties
 * (true, false or a schema), enum, const (numbers compare by value),
 * minimum, maximum, exclusiveMinimum, exclusiveMaximum (numbers, draft 6
 * on), minLength, maxLength (Unicode code points) and pattern (PCRE2,
 * unanchored, `$` only at the very end as in ECMA-262). Annotations are
 * accepted and ignored. Any other keyword is refused when the config
 * loads: ignoring `$ref` or `format` would pass outputs the user meant to
 * fail. The schema's own mistakes (a `minimum` that is not a number) are
 * config errors too, located at the value for an inline schema.
 *
 * A failure names the JSON pointer and the rule of the first violation and
 * counts the rest: `/items/2/price: -1 is less than the minimum 0 (and 1
 * more error)`.
 */
/* realpath() is XSI in glibc's headers. */
#define _XOPEN_SOURCE 700
#define PCRE2_CODE_UNIT_WIDTH 8
#include <limits.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"
#include "pawl/alloc.h"
#include "pawl/fs.h"
#include "scorer_impl.h"

/* As the regex scorer: a pathological pattern fails one case, not the run. */
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 100000
#define HEAP_LIMIT_KIB 65536

/* clang-format off */
/* The bits of a `type` keyword, in the order of type_names. */
enum { T_NULL = 1, T_BOOLEAN = 2, T_OBJECT = 4, T_ARRAY = 8, T_NUMBER = 16, T_STRING = 32,
       T_INTEGER = 64 };
static const char *const type_names[] = {
    "null", "boolean", "object", "array", "number", "string", "integer", NULL};
static const char *const type_articles[] = {"", "a ", "an ", "an ", "a ", "a ", "an "};

static const char *const supported[] = {
    "type", "properties", "required", "items", "additionalProperties", "enum", "const",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
    "pattern", NULL};
#define SUPPORTED_LIST                                                                       \
    "type, properties, required, items, additionalProperties, enum, const, minimum, "        \
    "maximum, exclusiveMinimum, exclusiveMaximum, minLength, maxLength, pattern"

/* Annotations: they describe and never reject, so accepting them changes no verdict. */
static const char *const annotations[] = {
    "$schema", "$id", "$comment", "title", "description", "default", "examples", "readOnly",
    "writeOnly", "deprecated", NULL};

/* Real keywords pawl does not check: refused without a did-you-mean. */
static const char *const unsupported[] = {
    "$ref", "$defs", "definitions", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    "format", "patternProperties", "dependencies", "dependentRequired", "dependentSchemas",
    "propertyNames", "contains", "minContains", "maxContains", "minItems", "maxItems",
    "uniqueItems", "minProperties", "maxProperties", "multipleOf", "additionalItems",
    "prefixItems", "unevaluatedItems", "unevaluatedProperties", "contentMediaType",
    "contentEncoding", "contentSchema", "$anchor", "$dynamicRef", "$dynamicAnchor",
    "$recursiveRef", "$recursiveAnchor", "$vocabulary", NULL};
/* clang-format on */

struct schema {
    int boolean; /* 1 or 0 for the schemas `true` and `false`; -1 for an object */
    unsigned types;
    const json_t *properties; /* the schema's object, to tell additional properties */
    const char **prop_names;
    struct schema **props;
    size_t n_props;
    const json_t *required;
    struct schema *items;
    struct schema *additional;
    const json_t *enum_values, *const_value;
    const json_t *minimum, *maximum, *exclusive_minimum, *exclusive_maximum;
    size_t min_length, max_length;
    int has_min_length, has_max_length;
    pcre2_code *pattern;
    const char *pattern_text;
    size_t pattern_len;
};

struct state {
    json_t *doc; /* the schema document: the compiled tree borrows from it */
    struct schema *root;
    pcre2_match_context *mctx;
};

static const char *const keys[] = {"schema", "schema_file", NULL};

static void schema_free(struct schema *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->n_props; i++)
        schema_free(s->props[i]);
    free(s->props);
    free(s->prop_names);
    schema_free(s->items);
    schema_free(s->additional);
    pcre2_code_free(s->pattern);
    free(s);
}

static void state_free(void *p)
{
    struct state *st = p;

    if (!st)
        return;
    schema_free(st->root);
    json_decref(st->doc);
    pcre2_match_context_free(st->mctx);
    free(st);
}

/* ---- JSON pointers ---- */

static void pointer_push(struct pawl_buf *b, const char *token)
{
    pawl_buf_putc(b, '/');
    for (; *token; token++) {
        if (*token == '~')
            pawl_buf_puts(b, "~0");
        else if (*token == '/')
            pawl_buf_puts(b, "~1");
        else
            pawl_buf_putc(b, *token);
    }
}

static void pointer_pop(struct pawl_buf *b, size_t len)
{
    if (b->alloc) {
        b->len = len;
        b->ptr[len] = '\0';
    }
}

/* ---- compiling the schema ---- */

struct compiler {
    const char *source;          /* the config, or the schema file */
    const struct pawl_node *top; /* an inline schema's node; NULL for a file (no positions) */
    struct pawl_buf path;        /* pointer to the schema being compiled */
    struct pawl_error *err;
    char where[PAWL_ERROR_MSG_MAX / 2];
};

static int fail_at(struct compiler *c, const struct pawl_node *at, const char *fmt, ...)
    PAWL_PRINTF(3, 4);

static int fail_at(struct compiler *c, const struct pawl_node *at, const char *fmt, ...)
{
    char msg[PAWL_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!c->top)
        return pawl_error_set(c->err, PAWL_ECONFIG, c->source, 0, 0, "%s", msg);
    if (!at)
        at = c->top;
    return pawl_error_set(c->err, PAWL_ECONFIG, c->source, at->line, at->col, "%s", msg);
}

/* " at '/properties/x'" for the schema being compiled, "" at the root. */
static const char *where(struct compiler *c)
{
    c->where[0] = '\0';
    if (c->path.len)
        snprintf(c->where, sizeof(c->where), " at '%s'", c->path.ptr);
    return c->where;
}

static const struct pawl_node *child(const struct pawl_node *node, const char *key)
{
    return node ? pawl_node_get(node, key) : NULL;
}

static int compile(struct compiler *c, const json_t *v, const struct pawl_node *node,
                   struct schema **out);

/* Compiles the subschema under `key` (and `name`, for properties) of the current one. */
static int compile_sub(struct compiler *c, const char *key, const char *name, const json_t *v,
                       const struct pawl_node *node, struct schema **out)
{
    size_t len = c->path.len;
    int rc;

    pointer_push(&c->path, key);
    if (name)
        pointer_push(&c->path, name);
    rc = compile(c, v, node, out);
    pointer_pop(&c->path, len);
    return rc;
}

static int parse_type(struct compiler *c, struct schema *s, const json_t *v,
                      const struct pawl_node *node)
{
    const char *hint;
    size_t i, n = json_is_array(v) ? json_array_size(v) : 1;

    if (!json_is_string(v) && (!json_is_array(v) || n == 0))
        return fail_at(c, node, "'type'%s must be a type name or a non-empty list of them%s",
                       where(c), json_is_null(v) && c->top ? " (write \"null\" in quotes)" : "");
    for (i = 0; i < n; i++) {
        const json_t *t = json_is_array(v) ? json_array_get(v, i) : v;
        const struct pawl_node *at = json_is_array(v) && node ? node->items[i] : node;
        unsigned bit = 0, k;
        if (!json_is_string(t))
            return fail_at(c, at, "'type'%s must list type names", where(c));
        for (k = 0; type_names[k]; k++)
            if (strcmp(json_string_value(t), type_names[k]) == 0)
                bit = 1u << k;
        if (!bit) {
            hint = pawl_suggest(json_string_value(t), type_names);
            if (hint)
                return fail_at(c, at, "unknown type '%s'%s (did you mean '%s'?)",
                               json_string_value(t), where(c), hint);
            return fail_at(c, at,
                           "unknown type '%s'%s (expected null, boolean, object, array, number, "
                           "string or integer)",
                           json_string_value(t), where(c));
        }
        if (s->types & bit)
            return fail_at(c, at, "'type'%s lists '%s' twice", where(c), json_string_value(t));
        s->types |= bit;
    }
    return 0;
}

static int parse_properties(struct compiler *c, struct schema *s, const json_t *v,
                            const struct pawl_node *node)
{
    const char *name;
    json_t *sub;
    size_t i = 0;
    int rc;

    if (!json_is_object(v))
        return fail_at(c, node, "'properties'%s must map property names to schemas", where(c));
    s->properties = v;
    s->n_props = json_object_size(v);
    s->prop_names = pawl_xcalloc(s->n_props + 1, sizeof(*s->prop_names));
    s->props = pawl_xcalloc(s->n_props + 1, sizeof(*s->props));
    json_object_foreach((json_t *)v, name, sub)
    {
        s->prop_names[i] = name;
        if ((rc = compile_sub(c, "properties", name, sub, child(node, name), &s->props[i])) < 0)
            return rc;
        i++;
    }
    return 0;
}

static int parse_required(struct compiler *c, struct schema *s, const json_t *v,
                          const struct pawl_node *node)
{
    size_t i, j;

    if (!json_is_array(v))
        return fail_at(c, node, "'required'%s must be a list of property names", where(c));
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *a = json_array_get(v, i);
        const struct pawl_node *at = node ? node->items[i] : NULL;
        if (!json_is_string(a))
            return fail_at(c, at, "'required'%s must be a list of property names", where(c));
        for (j = 0; j < i; j++)
            if (json_equal(a, json_array_get(v, j)))
                return fail_at(c, at, "'required'%s lists '%s' twice", where(c),
                               json_string_value(a));
    }
    s->required = v;
    return 0;
}

/* A non-negative integer (1.0 counts) into *out, saturating at SIZE_MAX. */
static int as_count(size_t *out, const json_t *v)
{
    double d = json_number_value(v);

    if (!json_is_number(v) || d < 0 || floor(d) != d)
        return -1;
    *out = d >= (double)SIZE_MAX ? SIZE_MAX : (size_t)d;
    return 0;
}

static int parse_pattern(struct compiler *c, struct schema *s, const json_t *v,
                         const struct pawl_node *node)
{
    PCRE2_UCHAR text[256];
    PCRE2_SIZE offset;
    int code_err;

    if (!json_is_string(v))
        return fail_at(c, node, "'pattern'%s must be a string", where(c));
    s->pattern_text = json_string_value(v);
    s->pattern_len = json_string_length(v);
    s->pattern = pcre2_compile((PCRE2_SPTR)s->pattern_text, s->pattern_len,
                               PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY,
                               &code_err, &offset, NULL);
    if (s->pattern)
        return 0;
    if (pcre2_get_error_message(code_err, text, sizeof(text)) < 0)
        strcpy((char *)text, "unknown error");
    return fail_at(c, node, "invalid regex in 'pattern'%s: %s at offset %zu", where(c),
                   (const char *)text, (size_t)offset);
}

static int check_keyword(struct compiler *c, const char *key, const struct pawl_node *node)
{
    const struct pawl_node *at = node ? pawl_node_key(node, key) : NULL;
    const char *hint;
    size_t i;

    for (i = 0; supported[i]; i++)
        if (strcmp(key, supported[i]) == 0)
            return 0;
    for (i = 0; annotations[i]; i++)
        if (strcmp(key, annotations[i]) == 0)
            return 0;
    for (i = 0; unsupported[i]; i++)
        if (strcmp(key, unsupported[i]) == 0)
            return fail_at(c, at,
                           "unsupported schema keyword '%s'%s (supported: " SUPPORTED_LIST ")", key,
                           where(c));
    hint = pawl_suggest(key, supported);
    if (hint)
        return fail_at(c, at, "unknown schema keyword '%s'%s (did you mean '%s'?)", key, where(c),
                       hint);
    return fail_at(c, at, "unknown schema keyword '%s'%s (supported: " SUPPORTED_LIST ")", key,
                   where(c));
}

static int compile(struct compiler *c, const json_t *v, const struct pawl_node *node,
                   struct schema **out)
{
    struct schema *s = pawl_xcalloc(1, sizeof(*s));
    const char *key;
    json_t *val;
    int rc;

    *out = s;
    if (json_is_boolean(v)) {
        s->boolean = json_is_true(v);
        return 0;
    }
    s->boolean = -1;
    if (!json_is_object(v))
        return fail_at(c, node, "schema%s must be an object, true or false", where(c));
    json_object_foreach((json_t *)v, key, val)
    {
        if ((rc = check_keyword(c, key, node)) < 0)
            return rc;
    }
    json_object_foreach((json_t *)v, key, val)
    {
        const struct pawl_node *at = child(node, key);
        const json_t **num = NULL;
        size_t *count = NULL;
        int *has = NULL;

        rc = 0;

        if (strcmp(key, "type") == 0)
            rc = parse_type(c, s, val, at);
        else if (strcmp(key, "properties") == 0)
            rc = parse_properties(c, s, val, at);
        else if (strcmp(key, "required") == 0)
            rc = parse_required(c, s, val, at);
        else if (strcmp(key, "pattern") == 0)
            rc = parse_pattern(c, s, val, at);
        else if (strcmp(key, "items") == 0 && json_is_array(val))
            rc = fail_at(c, at, "'items'%s must be a schema (the list form is not supported)",
                         where(c));
        else if (strcmp(key, "items") == 0)
            rc = compile_sub(c, "items", NULL, val, at, &s->items);
        else if (strcmp(key, "additionalProperties") == 0)
            rc = compile_sub(c, "additionalProperties", NULL, val, at, &s->additional);
        else if (strcmp(key, "enum") == 0 && !json_is_array(val))
            rc = fail_at(c, at, "'enum'%s must be a list", where(c));
        else if (strcmp(key, "enum") == 0)
            s->enum_values = val;
        else if (strcmp(key, "const") == 0)
            s->const_value = val;
        else if (strcmp(key, "minimum") == 0)
            num = &s->minimum;
        else if (strcmp(key, "maximum") == 0)
            num = &s->maximum;
        else if (strcmp(key, "exclusiveMinimum") == 0)
            num = &s->exclusive_minimum;
        else if (strcmp(key, "exclusiveMaximum") == 0)
            num = &s->exclusive_maximum;
        else if (strcmp(key, "minLength") == 0)
            count = &s->min_length, has = &s->has_min_length;
        else if (strcmp(key, "maxLength") == 0)
            count = &s->max_length, has = &s->has_max_length;
        if (num && !json_is_number(val))
            rc = fail_at(c, at, "'%s'%s must be a number", key, where(c));
        else if (num)
            *num = val;
        if (count && as_count(count, val) < 0)
            rc = fail_at(c, at, "'%s'%s must be a non-negative integer", key, where(c));
        else if (count)
            *has = 1;
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- the config ---- */

static int path_within(const char *path, const char *root)
{
    size_t rlen = strlen(root);

    if (strcmp(root, "/") == 0)
        return 1;
    return strncmp(path, root, rlen) == 0 && (path[rlen] == '\0' || path[rlen] == '/');
}

/*
 * The rules of the config's own path keys: relative to the config's folder,
 * never absolute, never leaving the repository (checked lexically).
 */
static int check_path(const struct pawl_node *val, const char *source, struct pawl_error *err)
{
    const char *slash = strrchr(source, '/');
    char *dir = NULL, *dir_real = NULL, *root = NULL, *joined = NULL;
    int rc = 0;

    if (val->len == 0 || strlen(val->value) != val->len)
        return pawl_error_set(err, PAWL_ECONFIG, source, val->line, val->col,
                              "'schema_file' must be a file name");
    if (val->value[0] == '/')
        return pawl_error_set(err, PAWL_ECONFIG, source, val->line, val->col,
                              "path '%s' must be relative to the config file", val->value);
    dir = slash ? pawl_xasprintf("%.*s", slash == source ? 1 : (int)(slash - source), source)
                : pawl_xstrdup(".");
    dir_real = realpath(dir, NULL);
    if (!dir_real) {
        rc = pawl_error_set(err, PAWL_ECONFIG, source, val->line, val->col,
                            "cannot resolve the config's folder '%s'", dir);
        goto done;
    }
    root = pawl_config_repo_root(dir_real);
    joined = pawl_xasprintf("%s/%s", dir_real, val->value);
    pawl_fs_normalize(joined);
    if (!path_within(joined, root))
        rc = pawl_error_set(err, PAWL_ECONFIG, source, val->line, val->col,
                            "path '%s' escapes the repository", val->value);

done:
    free(dir);
    free(dir_real);
    free(root);
    free(joined);
    return rc;
}

static int load_file(json_t **out, char **display, const struct pawl_node *val, const char *source,
                     struct pawl_error *err)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_error local;
    json_error_t jerr;
    int rc;

    *out = NULL;
    *display = NULL;
    if ((rc = check_path(val, source, err)) < 0)
        return rc;
    *display = pawl_fs_join_dir(source, val->value);
    pawl_error_init(&local);
    if (pawl_fs_read(&b, *display, *display, PAWL_CONFIG_MAX_BYTES, &local) < 0) {
        /* pawl_fs_read says "cannot open 'x': <reason>"; keep only the reason. */
        const char *reason = local.msg, *q = strstr(local.msg, "': ");
        if (q && strncmp(local.msg, "cannot ", 7) == 0)
            reason = q + 3;
        rc = pawl_error_set(err, PAWL_ECONFIG, source, val->line, val->col,
                            "cannot read schema file '%s': %s", val->value, reason);
        goto done;
    }
    *out = json_loadb(b.ptr, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!*out)
        rc = pawl_error_set(err, PAWL_ECONFIG, *display, jerr.line > 0 ? jerr.line : 0,
                            jerr.line > 0 && jerr.column > 0 ? jerr.column : 0, "invalid JSON: %s",
                            jerr.text);

done:
    pawl_buf_release(&b);
    return rc;
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));
    const struct pawl_node *inline_schema = pawl_node_get(node, "schema"), *file;
    struct compiler c = {source, NULL, PAWL_BUF_INIT, err, ""};
    char *display = NULL;
    int rc;

    *out = st;
    if ((rc = pawl_scorer_get_scalar(&file, node, "schema_file", 0, source, err)) < 0)
        return rc;
    if (!inline_schema && !file)
        return pawl_error_set(err, PAWL_ECONFIG, source, node->line, node->col,
                              "missing required key 'schema' or 'schema_file'");
    if (inline_schema && file) {
        const struct pawl_node *k = pawl_node_key(node, "schema_file");
        return pawl_error_set(err, PAWL_ECONFIG, source, k->line, k->col,
                              "'schema' and 'schema_file' cannot be used together");
    }
    if (inline_schema) {
        if (inline_schema->kind != PAWL_NODE_MAP)
            return pawl_error_set(err, PAWL_ECONFIG, source, inline_schema->line,
                                  inline_schema->col, "'schema' must be a mapping");
        st->doc = pawl_node_to_json(inline_schema);
        c.top = inline_schema;
    } else {
        if ((rc = load_file(&st->doc, &display, file, source, err)) < 0)
            goto done;
        c.source = display;
    }
    rc = compile(&c, st->doc, c.top, &st->root);
    if (rc == 0 && !(st->mctx = pcre2_match_context_create(NULL)))
        rc = pawl_error_set(err, PAWL_ECONFIG, source, node->line, node->col,
                            "cannot allocate a regex match context");
    if (rc == 0) {
        pcre2_set_match_limit(st->mctx, MATCH_LIMIT);
        pcre2_set_depth_limit(st->mctx, DEPTH_LIMIT);
        pcre2_set_heap_limit(st->mctx, HEAP_LIMIT_KIB);
    }

done:
    free(display);
    pawl_buf_release(&c.path);
    return rc;
}

/* ---- validating ---- */

struct validator {
    const struct state *st;
    pcre2_match_data *md;
    struct pawl_buf path;  /* pointer to the value being validated */
    struct pawl_buf first; /* "<pointer>: <rule>" of the first violation */
    size_t n_errors;
    char *errored; /* why a rule could not be checked, when one could not */
};

/* Counts a violation; true for the first, the only one whose text is built. */
static int note(struct validator *v)
{
    return v->n_errors++ == 0;
}

static void fail(struct validator *v, const char *fmt, ...) PAWL_PRINTF(2, 3);

/* The pointer for a comment: keys come from the output, so they are clipped and escaped. */
static char *where_now(char *out, const struct validator *v)
{
    return v->path.len ? pawl_scorer_clip(out, v->path.ptr, v->path.len) : strcpy(out, "(root)");
}

static void fail(struct validator *v, const char *fmt, ...)
{
    char w[PAWL_QUOTE_SIZE];
    va_list ap;

    pawl_buf_printf(&v->first, "%s: ", where_now(w, v));
    va_start(ap, fmt);
    pawl_buf_vprintf(&v->first, fmt, ap);
    va_end(ap);
}

static int is_integral(const json_t *j)
{
    double d = json_number_value(j);

    return json_is_integer(j) || (json_is_real(j) && isfinite(d) && floor(d) == d);
}

/* By json_typeof(): object, array, string, integer, real, true, false, null. */
static const unsigned kind_bits[] = {T_OBJECT, T_ARRAY,   T_STRING,  T_NUMBER,
                                     T_NUMBER, T_BOOLEAN, T_BOOLEAN, T_NULL};
static const char *const kind_names[] = {"an object", "an array",  "a string",  "a number",
                                         "a number",  "a boolean", "a boolean", "null"};

/* "a string", "a string or null", "an object, an array or a boolean": null comes last. */
static char *types_text(char *out, size_t size, unsigned types)
{
    static const unsigned order[] = {2, 3, 5, 4, 6, 1, 0};
    unsigned i, k, n = 0, total = 0;
    size_t len = 0;

    for (k = 0; type_names[k]; k++)
        total += (types >> k) & 1;
    out[0] = '\0';
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        k = order[i];
        if (!((types >> k) & 1))
            continue;
        n++;
        len += (size_t)snprintf(out + len, size - len, "%s%s%s",
                                n == 1       ? ""
                                : n == total ? " or "
                                             : ", ",
                                type_articles[k], type_names[k]);
    }
    return out;
}

/*
 * A value for a comment, as compact JSON cut after 200 bytes. Unless `whole`
 * (the choices of an `enum`, a `const`), objects and arrays are only named:
 * {...} or [...], {} or [] when empty.
 */
static char *show(char *out, const json_t *j, int whole)
{
    char *s;

    if (!whole && (json_is_object(j) || json_is_array(j))) {
        int empty = json_is_object(j) ? !json_object_size(j) : !json_array_size(j);
        strcpy(out, json_is_object(j) ? (empty ? "{}" : "{...}") : (empty ? "[]" : "[...]"));
        return out;
    }
    s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
    pawl_scorer_clip(out, s ? s : "?", s ? strlen(s) : 1);
    free(s);
    return out;
}


static int compare(const json_t *a, const json_t *b)
{
    double x, y;

    if (json_is_integer(a) && json_is_integer(b))
        return (json_integer_value(a) > json_integer_value(b)) -
               (json_integer_value(a) < json_integer_value(b));
    x = json_number_value(a);
    y = json_number_value(b);
    return (x > y) - (x < y);
}

static size_t code_points(const json_t *j)
{
    const char *s = json_string_value(j);
    size_t n = 0, i, len = json_string_length(j);

    for (i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static void validate(struct validator *v, const struct schema *s, const json_t *j);

static void validate_at(struct validator *v, const char *token, const struct schema *s,
                        const json_t *j)
{
    size_t len = v->path.len;

    pointer_push(&v->path, token);
    validate(v, s, j);
    pointer_pop(&v->path, len);
}

static void validate_number(struct validator *v, const struct schema *s, const json_t *j)
{
    char a[PAWL_QUOTE_SIZE], b[PAWL_QUOTE_SIZE];

    if (s->minimum && compare(j, s->minimum) < 0 && note(v))
        fail(v, "%s is less than the minimum %s", show(a, j, 0), show(b, s->minimum, 0));
    if (s->exclusive_minimum && compare(j, s->exclusive_minimum) <= 0 && note(v))
        fail(v, "%s is not greater than the exclusive minimum %s", show(a, j, 0),
             show(b, s->exclusive_minimum, 0));
    if (s->maximum && compare(j, s->maximum) > 0 && note(v))
        fail(v, "%s is greater than the maximum %s", show(a, j, 0), show(b, s->maximum, 0));
    if (s->exclusive_maximum && compare(j, s->exclusive_maximum) >= 0 && note(v))
        fail(v, "%s is not less than the exclusive maximum %s", show(a, j, 0),
             show(b, s->exclusive_maximum, 0));
}

static void validate_string(struct validator *v, const struct schema *s, const json_t *j)
{
    char a[PAWL_QUOTE_SIZE], b[PAWL_QUOTE_SIZE];
    size_t n = (s->has_min_length || s->has_max_length) ? code_points(j) : 0;
    int rc;

    if (s->has_min_length && n < s->min_length && note(v))
        fail(v, "%s has %zu character%s, fewer than the minimum %zu", show(a, j, 0), n,
             n == 1 ? "" : "s", s->min_length);
    if (s->has_max_length && n > s->max_length && note(v))
        fail(v, "%s has %zu character%s, more than the maximum %zu", show(a, j, 0), n,
             n == 1 ? "" : "s", s->max_length);
    if (!s->pattern)
        return;
    rc = pcre2_match(s->pattern, (PCRE2_SPTR)json_string_value(j), json_string_length(j), 0, 0,
                     v->md, v->st->mctx);
    if (rc == PCRE2_ERROR_NOMATCH) {
        if (note(v))
            fail(v, "%s does not match the pattern %s", show(a, j, 0),
                 pawl_scorer_quote(b, s->pattern_text, s->pattern_len));
    } else if (rc < 0 && !v->errored) {
        PCRE2_UCHAR text[256];
        if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
            rc == PCRE2_ERROR_HEAPLIMIT)
            strcpy((char *)text, "regex match limit exceeded");
        else if (pcre2_get_error_message(rc, text, sizeof(text)) < 0)
            strcpy((char *)text, "regex match failed");
        v->errored = pawl_xasprintf("%s: %s", where_now(b, v), (const char *)text);
    }
}

static void validate_object(struct validator *v, const struct schema *s, const json_t *j)
{
    char a[PAWL_QUOTE_SIZE];
    const char *key;
    json_t *val;
    size_t i;

    for (i = 0; s->required && i < json_array_size(s->required); i++) {
        const json_t *name = json_array_get(s->required, i);
        if (!json_object_get(j, json_string_value(name)) && note(v))
            fail(v, "missing required property %s",
                 pawl_scorer_quote(a, json_string_value(name), json_string_length(name)));
    }
    for (i = 0; i < s->n_props; i++) {
        const json_t *sub = json_object_get(j, s->prop_names[i]);
        if (sub)
            validate_at(v, s->prop_names[i], s->props[i], sub);
    }
    if (!s->additional)
        return;
    json_object_foreach((json_t *)j, key, val)
    {
        if (s->properties && json_object_get(s->properties, key))
            continue;
        if (s->additional->boolean == 0) {
            if (note(v))
                fail(v, "property %s is not allowed", pawl_scorer_quote(a, key, strlen(key)));
        } else {
            validate_at(v, key, s->additional, val);
        }
    }
}

static void validate(struct validator *v, const struct schema *s, const json_t *j)
{
    char a[PAWL_QUOTE_SIZE], b[PAWL_QUOTE_SIZE], t[128];
    unsigned kind = kind_bits[json_typeof(j)];
    size_t i;

    if (s->boolean == 1)
        return;
    if (s->boolean == 0) {
        if (note(v))
            fail(v, "no value is allowed here");
        return;
    }
    if (s->types && !(s->types & kind) &&
        !(kind == T_NUMBER && (s->types & T_INTEGER) && is_integral(j)) && note(v))
        fail(v, "%s is %s, not %s", show(a, j, 0), kind_names[json_typeof(j)],
             types_text(t, sizeof(t), s->types));
    if (s->enum_values) {
        for (i = 0; i < json_array_size(s->enum_values); i++)
            if (pawl_scorer_json_equal(j, json_array_get(s->enum_values, i)))
                break;
        if (i == json_array_size(s->enum_values) && note(v))
            fail(v, "%s is not one of %s", show(a, j, 0), show(b, s->enum_values, 1));
    }
    if (s->const_value && !pawl_scorer_json_equal(j, s->const_value) && note(v))
        fail(v, "%s is not the constant %s", show(a, j, 0), show(b, s->const_value, 1));
    if (kind == T_NUMBER)
        validate_number(v, s, j);
    else if (kind == T_STRING)
        validate_string(v, s, j);
    else if (kind == T_OBJECT)
        validate_object(v, s, j);
    else if (kind == T_ARRAY && s->items)
        for (i = 0; i < json_array_size(j); i++) {
            char index[32];
            snprintf(index, sizeof(index), "%zu", i);
            validate_at(v, index, s->items, json_array_get(j, i));
        }
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct state *st = p;
    struct validator v = {st, NULL, PAWL_BUF_INIT, PAWL_BUF_INIT, 0, NULL};
    json_error_t jerr;
    json_t *doc = json_loadb(in->output, in->output_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);

    if (!doc) {
        pawl_score_set(out, 0, "output is not JSON: %s at line %d", jerr.text, jerr.line);
        goto done;
    }
    v.md = pcre2_match_data_create(1, NULL);
    if (!v.md) {
        pawl_score_error(out, "cannot allocate regex match data");
        goto done;
    }
    validate(&v, st->root, doc);
    if (v.errored)
        pawl_score_error(out, "%s", v.errored);
    else if (v.n_errors == 0)
        pawl_score_set(out, 1, "output matches the schema");
    else if (v.n_errors == 1)
        pawl_score_set(out, 0, "%s", v.first.ptr);
    else
        pawl_score_set(out, 0, "%s (and %zu more error%s)", v.first.ptr, v.n_errors - 1,
                       v.n_errors == 2 ? "" : "s");

done:
    json_decref(doc);
    pcre2_match_data_free(v.md);
    pawl_buf_release(&v.path);
    pawl_buf_release(&v.first);
    free(v.errored);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_json_schema_ops = {
    .type = "json-schema",
    .keys = keys,
    .init = init,
    .check = NULL,
    .score = score,
    .free = state_free,
};
