#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "scorer_impl.h"

/* Adding a scorer: one file in src/scorers/, one line here and one in `types`. */
static const struct pawl_scorer_ops *const scorer_table[] = {
    &pawl_scorer_equals_ops,       &pawl_scorer_contains_ops,     &pawl_scorer_icontains_ops,
    &pawl_scorer_contains_any_ops, &pawl_scorer_contains_all_ops, &pawl_scorer_starts_with_ops,
    &pawl_scorer_regex_ops,        &pawl_scorer_is_json_ops,      &pawl_scorer_json_path_ops,
    &pawl_scorer_latency_ops,      &pawl_scorer_json_schema_ops,  &pawl_scorer_numeric_ops,
    &pawl_scorer_levenshtein_ops,  &pawl_scorer_rouge_l_ops,      &pawl_scorer_bleu_ops,
    &pawl_scorer_cost_ops,         &pawl_scorer_tokens_ops,       &pawl_scorer_tool_called_ops,
    &pawl_scorer_exec_ops,         &pawl_scorer_llm_judge_ops,
};

static const char *const scorer_types[] = {
    "equals", "contains", "icontains", "contains-any", "contains-all", "starts-with",
    "regex",  "is-json",  "json-path", "latency",      "json-schema", "numeric",
    "levenshtein", "rouge-l", "bleu", "cost", "tokens", "tool-called", "exec", "llm-judge", NULL,
};

_Static_assert(sizeof(scorer_table) / sizeof(scorer_table[0]) + 1 ==
                   sizeof(scorer_types) / sizeof(scorer_types[0]),
               "scorer_types must list every scorer in scorer_table");

static const char *const common_keys[] = {"name", "type", "not", "weight", "description", NULL};

struct pawl_scorer {
    const struct pawl_scorer_config *cfg;
    char *name;
    char *type;
    const struct pawl_scorer_ops *ops;
    void *state;
    int negate;
    double weight;
};

/* ---- scores ---- */

void pawl_score_release(struct pawl_score *s)
{
    if (!s)
        return;
    free(s->category);
    free(s->comment);
    s->category = NULL;
    s->comment = NULL;
}

void pawl_score_copy(struct pawl_score *out, const struct pawl_score *src)
{
    *out = *src;
    out->category = src->category ? pawl_xstrdup(src->category) : NULL;
    out->comment = src->comment ? pawl_xstrdup(src->comment) : NULL;
}

static const char *const score_type_names[] = {"NUMERIC", "BOOLEAN", "CATEGORICAL"};

const char *pawl_score_type_name(enum pawl_score_type type)
{
    if ((unsigned)type < sizeof(score_type_names) / sizeof(score_type_names[0]))
        return score_type_names[type];
    return "UNKNOWN";
}

int pawl_score_type_parse(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(score_type_names) / sizeof(score_type_names[0]); i++)
        if (strcmp(name, score_type_names[i]) == 0)
            return (int)i;
    return -1;
}

static void set_comment(struct pawl_score *out, const char *fmt, va_list ap)
{
    struct pawl_buf b = PAWL_BUF_INIT;

    pawl_buf_vprintf(&b, fmt, ap);
    free(out->comment);
    out->comment = pawl_buf_detach(&b, NULL);
}

void pawl_score_set(struct pawl_score *out, int passed, const char *fmt, ...)
{
    va_list ap;

    out->type = PAWL_SCORE_BOOLEAN;
    out->passed = passed ? 1 : 0;
    out->value = passed ? 1 : 0;
    out->errored = 0;
    va_start(ap, fmt);
    set_comment(out, fmt, ap);
    va_end(ap);
}

void pawl_score_error(struct pawl_score *out, const char *fmt, ...)
{
    va_list ap;

    out->passed = 0;
    out->value = 0;
    out->errored = 1;
    va_start(ap, fmt);
    set_comment(out, fmt, ap);
    va_end(ap);
}

/* ---- the registry and the common keys ---- */

const char *const *pawl_scorer_types(void)
{
    return scorer_types;
}

static const struct pawl_scorer_ops *lookup(const char *type)
{
    size_t i;

    for (i = 0; i < sizeof(scorer_table) / sizeof(scorer_table[0]); i++)
        if (strcmp(scorer_table[i]->type, type) == 0)
            return scorer_table[i];
    return NULL;
}

static const char **merge_keys(const char *const *own)
{
    size_t n_common = sizeof(common_keys) / sizeof(common_keys[0]) - 1, n_own = 0, i;
    const char **keys;

    while (own && own[n_own])
        n_own++;
    keys = pawl_xcalloc(n_common + n_own + 1, sizeof(*keys));
    for (i = 0; i < n_common; i++)
        keys[i] = common_keys[i];
    for (i = 0; i < n_own; i++)
        keys[n_common + i] = own[i];
    return keys;
}

static int parse_common(struct pawl_scorer *s, const struct pawl_node *map, const char *source,
                        struct pawl_error *err)
{
    const struct pawl_node *n;

    if ((n = pawl_node_get(map, "not")) && pawl_node_as_bool(n, &s->negate) < 0)
        return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col,
                              "'not' must be true or false");
    s->weight = 1;
    if ((n = pawl_node_get(map, "weight")) &&
        (pawl_node_as_double(n, &s->weight) < 0 || s->weight < 0))
        return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col,
                              "'weight' must be a non-negative number");
    if ((n = pawl_node_get(map, "description")) && n->kind != PAWL_NODE_SCALAR)
        return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col,
                              "'description' must be a string");
    return 0;
}

int pawl_scorer_new(struct pawl_scorer **out, const struct pawl_scorer_config *cfg,
                    const char *source, struct pawl_error *err)
{
    struct pawl_scorer *s = NULL;
    const char **keys = NULL;
    const struct pawl_scorer_ops *ops;
    const struct pawl_node *tnode = pawl_node_get(cfg->node, "type");
    int line = tnode ? tnode->line : cfg->line, col = tnode ? tnode->col : cfg->col;
    int rc = 0;

    *out = NULL;
    if (!cfg->type) {
        rc = pawl_error_set(err, PAWL_ECONFIG, source, cfg->line, cfg->col,
                            "missing required key 'type'");
        goto done;
    }
    ops = lookup(cfg->type);
    if (!ops) {
        const char *hint = pawl_suggest(cfg->type, scorer_types);
        if (hint)
            rc = pawl_error_set(err, PAWL_ECONFIG, source, line, col,
                                "unknown scorer type '%s' (did you mean '%s'?)", cfg->type, hint);
        else
            rc = pawl_error_set(err, PAWL_ECONFIG, source, line, col, "unknown scorer type '%s'",
                                cfg->type);
        goto done;
    }
    keys = merge_keys(ops->keys);
    if ((rc = pawl_node_check_keys(cfg->node, keys, source, err)) < 0)
        goto done;

    s = pawl_xcalloc(1, sizeof(*s));
    s->ops = ops;
    s->type = pawl_xstrdup(cfg->type);
    s->cfg = cfg;
    s->name = pawl_xstrdup(cfg->name ? cfg->name : cfg->type);
    if ((rc = parse_common(s, cfg->node, source, err)) < 0)
        goto done;
    rc = ops->init(&s->state, cfg->node, source, err);

done:
    free(keys);
    if (rc < 0)
        pawl_scorer_free(s);
    else
        *out = s;
    return rc;
}

void pawl_scorer_free(struct pawl_scorer *s)
{
    if (!s)
        return;
    if (s->state)
        s->ops->free(s->state);
    free(s->name);
    free(s->type);
    free(s);
}

int pawl_scorer_check(const struct pawl_scorer *s, const json_t *vars, struct pawl_error *err)
{
    return s->ops->check ? s->ops->check(s->state, vars, err) : 0;
}

/* What every score goes through once its scorer is done: errors never pass, `not`
 * flips what it may, and a plain pass keeps no comment unless asked to. */
static void finish_score(const struct pawl_scorer *s, int flags, struct pawl_score *out)
{
    if (out->errored) {
        out->passed = 0;
        return;
    }
    if (flags & PAWL_SCORER_NEUTRAL)
        return;
    if (s->negate) {
        out->passed = !out->passed;
        if (out->type == PAWL_SCORE_BOOLEAN)
            out->value = out->passed ? 1 : 0;
        if (!out->passed) {
            char *c = pawl_xasprintf("%s (negated)", out->comment ? out->comment : "passed");
            free(out->comment);
            out->comment = c;
        }
    }
    if (out->passed && !(flags & PAWL_SCORER_KEEP_COMMENT)) {
        free(out->comment);
        out->comment = NULL;
    }
}

void pawl_scorer_run(const struct pawl_scorer *s, const struct pawl_scorer_input *in,
                     struct pawl_score *out)
{
    struct pawl_scorer_input safe;

    /* An errored call has no output; score it as the empty string rather than crash. */
    if (!in->output) {
        safe = *in;
        safe.output = "";
        safe.output_len = 0;
        in = &safe;
    }
    memset(out, 0, sizeof(*out));
    out->type = PAWL_SCORE_BOOLEAN;
    finish_score(s, s->ops->score(s->state, in, out), out);
}

void *pawl_scorer_state(const struct pawl_scorer *s)
{
    return s->state;
}

int pawl_scorer_is_async(const struct pawl_scorer *s)
{
    return s->ops->start != NULL;
}

void pawl_scorer_start(const struct pawl_scorer *s, struct pawl_scorer_job *job)
{
    memset(job->out, 0, sizeof(*job->out));
    job->out->type = PAWL_SCORE_BOOLEAN;
    job->scorer = s;
    s->ops->start(s->state, job);
}

void pawl_scorer_finish(struct pawl_scorer_job *job, int flags)
{
    finish_score(job->scorer, flags, job->out);
    job->done(job);
}

int pawl_scorer_bind(struct pawl_scorer *s, const struct pawl_config *cfg, struct pawl_error *err)
{
    return s->ops->bind ? s->ops->bind(s->state, cfg, s->cfg, err) : 0;
}

int pawl_scorer_ready(struct pawl_scorer *s, struct pawl_error *err)
{
    return s->ops->ready ? s->ops->ready(s->state, err) : 0;
}

const char *pawl_scorer_name(const struct pawl_scorer *s)
{
    return s->name;
}

const char *pawl_scorer_type(const struct pawl_scorer *s)
{
    return s->type;
}

double pawl_scorer_weight(const struct pawl_scorer *s)
{
    return s->weight;
}

/* ---- config helpers for the plug-ins ---- */

int pawl_scorer_get_scalar(const struct pawl_node **out, const struct pawl_node *map,
                           const char *key, int required, const char *source,
                           struct pawl_error *err)
{
    const struct pawl_node *n = pawl_node_get(map, key);

    *out = NULL;
    if (!n) {
        if (required)
            return pawl_error_set(err, PAWL_ECONFIG, source, map->line, map->col,
                                  "missing required key '%s'", key);
        return 0;
    }
    if (n->kind != PAWL_NODE_SCALAR || pawl_node_is_null(n))
        return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col, "'%s' must be a string",
                              key);
    *out = n;
    return 0;
}

int pawl_scorer_compile_node(struct pawl_template **out, const struct pawl_node *node,
                             const char *source, struct pawl_error *err)
{
    /* A quoted scalar's text starts one column after its quote; block scalars are not
     * told apart from quoted ones by the tree, so their columns are approximate. */
    return pawl_template_compile(out, node->value, source, node->line,
                                 node->plain ? node->col : node->col + 1, err);
}

int pawl_scorer_compile_key(struct pawl_template **out, const struct pawl_node *map,
                            const char *key, int required, const char *source,
                            struct pawl_error *err)
{
    const struct pawl_node *n;
    int rc;

    *out = NULL;
    if ((rc = pawl_scorer_get_scalar(&n, map, key, required, source, err)) < 0 || !n)
        return rc;
    return pawl_scorer_compile_node(out, n, source, err);
}

void pawl_scorer_free_templates(struct pawl_template **ts, size_t n)
{
    size_t i;

    for (i = 0; ts && i < n; i++)
        pawl_template_free(ts[i]);
    free(ts);
}

int pawl_scorer_compile_list(struct pawl_template ***out, size_t *n, const struct pawl_node *map,
                             const char *key, const char *source, struct pawl_error *err)
{
    const struct pawl_node *list = pawl_node_get(map, key);
    struct pawl_template **ts = NULL;
    size_t i;
    int rc = 0;

    *out = NULL;
    *n = 0;
    if (!list)
        return pawl_error_set(err, PAWL_ECONFIG, source, map->line, map->col,
                              "missing required key '%s'", key);
    if (list->kind != PAWL_NODE_SEQ || list->n == 0)
        return pawl_error_set(err, PAWL_ECONFIG, source, list->line, list->col,
                              "'%s' must be a non-empty list", key);
    ts = pawl_xcalloc(list->n, sizeof(*ts));
    for (i = 0; i < list->n; i++) {
        const struct pawl_node *item = list->items[i];
        if (item->kind != PAWL_NODE_SCALAR || pawl_node_is_null(item)) {
            rc = pawl_error_set(err, PAWL_ECONFIG, source, item->line, item->col,
                                "'%s' items must be strings", key);
            break;
        }
        if ((rc = pawl_scorer_compile_node(&ts[i], item, source, err)) < 0)
            break;
    }
    if (rc < 0) {
        pawl_scorer_free_templates(ts, list->n);
        return rc;
    }
    *out = ts;
    *n = list->n;
    return 0;
}

int pawl_scorer_get_bool(int *out, const struct pawl_node *map, const char *key, int def,
                         const char *source, struct pawl_error *err)
{
    const struct pawl_node *n = pawl_node_get(map, key);

    *out = def;
    if (n && pawl_node_as_bool(n, out) < 0)
        return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col,
                              "'%s' must be true or false", key);
    return 0;
}

int pawl_scorer_check_templates(struct pawl_template *const *ts, size_t n, const json_t *vars,
                                struct pawl_error *err)
{
    size_t i;
    int rc;

    for (i = 0; i < n; i++)
        if (ts[i] && (rc = pawl_template_check(ts[i], vars, err)) < 0)
            return rc;
    return 0;
}

/* ---- shared states ---- */

/* *out is set before anything can fail: pawl_scorer_new() frees a half-built state. */
int pawl_scorer_max_new(void **out, const struct pawl_node *node, const char *source,
                        const char *unit, struct pawl_error *err)
{
    double *max = pawl_xcalloc(1, sizeof(*max));
    const struct pawl_node *n = pawl_node_get(node, "max");

    *out = max;
    if (!n)
        return pawl_error_set(err, PAWL_ECONFIG, source, node->line, node->col,
                              "missing required key 'max'");
    if (pawl_node_as_double(n, max) < 0 || *max <= 0)
        return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col,
                              "'max' must be a positive number of %s", unit);
    return 0;
}

int pawl_scorer_value_new(void **out, const struct pawl_node *node, const char *source,
                          struct pawl_error *err)
{
    struct pawl_scorer_value *st = pawl_xcalloc(1, sizeof(*st));

    *out = st;
    return pawl_scorer_compile_key(&st->value, node, "value", 1, source, err);
}

int pawl_scorer_value_check(const void *state, const json_t *vars, struct pawl_error *err)
{
    const struct pawl_scorer_value *st = state;

    return pawl_scorer_check_templates(&st->value, 1, vars, err);
}

void pawl_scorer_value_free(void *state)
{
    struct pawl_scorer_value *st = state;

    if (!st)
        return;
    pawl_template_free(st->value);
    free(st);
}

int pawl_scorer_values_new(void **out, const struct pawl_node *node, const char *source,
                           struct pawl_error *err)
{
    struct pawl_scorer_values *st = pawl_xcalloc(1, sizeof(*st));
    int rc;

    *out = st;
    if ((rc = pawl_scorer_compile_list(&st->values, &st->n, node, "values", source, err)) < 0)
        return rc;
    return pawl_scorer_get_bool(&st->ignore_case, node, "ignore_case", 0, source, err);
}

int pawl_scorer_values_check(const void *state, const json_t *vars, struct pawl_error *err)
{
    const struct pawl_scorer_values *st = state;

    return pawl_scorer_check_templates(st->values, st->n, vars, err);
}

void pawl_scorer_values_free(void *state)
{
    struct pawl_scorer_values *st = state;

    if (!st)
        return;
    pawl_scorer_free_templates(st->values, st->n);
    free(st);
}

int pawl_scorer_values_find(struct pawl_scorer_found *out, const struct pawl_scorer_values *st,
                            const struct pawl_scorer_input *in, struct pawl_score *score)
{
    out->texts = pawl_xcalloc(st->n, sizeof(*out->texts));
    out->found = pawl_xcalloc(st->n, sizeof(*out->found));
    out->n = st->n;
    return pawl_scorer_find_each(out->found, out->texts, st->values, st->n, "values", 1,
                                 st->ignore_case, in, score);
}

void pawl_scorer_found_release(struct pawl_scorer_found *f)
{
    size_t i;

    for (i = 0; i < f->n; i++)
        pawl_buf_release(&f->texts[i]);
    free(f->texts);
    free(f->found);
    f->texts = NULL;
    f->found = NULL;
    f->n = 0;
}

/* ---- scoring helpers ---- */

static char *clip(char *out, const char *s, size_t len, int quote)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = len, i;
    char *p = out;

    if (n > PAWL_QUOTE_MAX) {
        n = PAWL_QUOTE_MAX;
        /* Never cut inside a UTF-8 sequence: back up to the byte that starts it. */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    if (quote)
        *p++ = '\'';
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\r' || c == '\t') {
            *p++ = '\\';
            *p++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else if (c < 0x20 || c == 0x7f) {
            *p++ = '\\';
            *p++ = 'x';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        } else {
            *p++ = (char)c;
        }
    }
    if (n < len) {
        memcpy(p, "...", 3);
        p += 3;
    }
    if (quote)
        *p++ = '\'';
    *p = '\0';
    return out;
}

char *pawl_scorer_quote(char *out, const char *s, size_t len)
{
    return clip(out, s, len, 1);
}

char *pawl_scorer_clip(char *out, const char *s, size_t len)
{
    return clip(out, s, len, 0);
}

int pawl_scorer_render(struct pawl_buf *buf, const struct pawl_template *t,
                       const struct pawl_scorer_input *in, struct pawl_score *out)
{
    struct pawl_error err;

    pawl_error_init(&err);
    pawl_buf_reset(buf);
    if (pawl_template_render(buf, t, in->vars, &err) < 0) {
        pawl_score_error(out, "%s", err.msg);
        return -1;
    }
    return 0;
}

const char *pawl_scorer_find(const char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
    const char *p = hay, *end = hay + hay_len;

    if (needle_len == 0)
        return hay ? hay : "";
    while ((size_t)(end - p) >= needle_len) {
        p = memchr(p, needle[0], (size_t)(end - p) - needle_len + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, needle_len) == 0)
            return p;
        p++;
    }
    return NULL;
}

void pawl_score_empty_value(struct pawl_score *out, const char *key, int list, size_t i)
{
    if (list)
        pawl_score_error(out, "'%s' item %zu rendered to an empty string", key, i + 1);
    else
        pawl_score_error(out, "'%s' rendered to an empty string", key);
}

int pawl_scorer_find_each(int *found, struct pawl_buf *texts, struct pawl_template *const *ts,
                          size_t n, const char *key, int list, int fold,
                          const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const char *hay = in->output;
    char *folded = NULL, *fw = NULL;
    size_t hay_len = in->output_len, fw_len, i;
    char q[PAWL_QUOTE_SIZE];
    int rc = 0;

    if (fold) {
        if (pawl_scorer_fold(&folded, &hay_len, in->output, in->output_len) < 0) {
            pawl_score_error(out, "output is not valid UTF-8");
            return -1;
        }
        hay = folded;
    }
    for (i = 0; i < n; i++) {
        struct pawl_buf *t = &texts[i];
        if ((rc = pawl_scorer_render(t, ts[i], in, out)) < 0)
            break;
        if (t->len == 0) {
            pawl_score_empty_value(out, key, list, i);
            rc = -1;
            break;
        }
        if (!fold) {
            found[i] = pawl_scorer_find(hay, hay_len, t->ptr, t->len) != NULL;
            continue;
        }
        if (pawl_scorer_fold(&fw, &fw_len, t->ptr, t->len) < 0) {
            pawl_score_error(out, "value %s is not valid UTF-8",
                             pawl_scorer_quote(q, t->ptr, t->len));
            rc = -1;
            break;
        }
        found[i] = pawl_scorer_find(hay, hay_len, fw, fw_len) != NULL;
        free(fw);
        fw = NULL;
    }
    free(folded);
    return rc;
}

int pawl_scorer_fold(char **out, size_t *out_len, const char *s, size_t len)
{
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t n;

    size_t i;

    *out = NULL;
    *out_len = 0;
    if (len > (size_t)-1 / 2)
        return -1;
    /* ASCII folds to its lower case and composes with nothing: skip utf8proc's
     * decompose-fold-recompose pipeline, the costliest step of scoring a case. */
    for (i = 0; i < len && !((unsigned char)s[i] & 0x80); i++)
        ;
    if (i == len) {
        *out = pawl_xmalloc(len + 1);
        for (i = 0; i < len; i++)
            (*out)[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
        (*out)[len] = '\0';
        *out_len = len;
        return 0;
    }
    n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &dst,
                     UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    if (n < 0)
        return -1;
    *out = dst ? (char *)dst : pawl_xstrdup("");
    *out_len = (size_t)n;
    return 0;
}

/* json_equal(), except that numbers compare by value whether integer or real (1 == 1.0),
 * and integers exactly. */
int pawl_scorer_json_equal(const json_t *a, const json_t *b)
{
    const char *key;
    json_t *va;
    size_t i;

    if (json_is_integer(a) && json_is_integer(b))
        return json_integer_value(a) == json_integer_value(b);
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (json_typeof(a) != json_typeof(b))
        return 0;
    if (json_is_string(a))
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b))
            return 0;
        for (i = 0; i < json_array_size(a); i++)
            if (!pawl_scorer_json_equal(json_array_get(a, i), json_array_get(b, i)))
                return 0;
        return 1;
    }
    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b))
            return 0;
        json_object_foreach((json_t *)a, key, va)
        {
            const json_t *vb = json_object_get(b, key);
            if (!vb || !pawl_scorer_json_equal(va, vb))
                return 0;
        }
    }
    return 1;
}
