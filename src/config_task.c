/*
 * config_task.c - the sections a key table alone cannot describe: the task
 * (provider needs, messages and prompt files), scorers (names) and gate rules
 * (one bound each, metrics that exist).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/fs.h"
#include "pawl/utf8.h"

static const char *const builtin_metrics[] = {
    "pass_rate",       "error_rate", "latency_p50_ms", "latency_p95_ms",
    "latency_mean_ms", "cost_total", "tokens_total",   "pass_at_k",
    "pass_hat_k",      "weighted_score", "judge_cost_total", "judge_tokens_total", NULL};

static const char *const provider_names[] = {"exec",      "echo", "outputs", "openai",
                                             "anthropic", "http", NULL};

/* What each provider cannot do without; the provider modules check the rest. */
static const struct {
    const char *name;
    int needs_command;
    int needs_messages;
    int needs_model;
    int needs_url;
} provider_needs[] = {
    {"exec", 1, 0, 0, 0},   {"echo", 0, 1, 0, 0},      {"outputs", 0, 0, 0, 0},
    {"openai", 0, 1, 1, 0}, {"anthropic", 0, 1, 1, 0}, {"http", 0, 0, 0, 1},
};

static const char *const role_names[] = {"system", "user", "assistant", NULL};

static int parse_command(struct pawl_config_loader *ld, const struct pawl_node *val,
                         const char *path, void *base)
{
    struct pawl_task_config *t = base;
    size_t i;

    if (val->n == 0)
        return pawl_config_fail(ld, val, "'%s' must be a non-empty list of strings", path);
    for (i = 0; i < val->n; i++) {
        char item[PAWL_CONFIG_KEYPATH_MAX];
        pawl_config_keypath_index(item, path, i);
        if (!pawl_config_is_string(val->items[i]))
            return pawl_config_fail(ld, val->items[i], "'%s' must be a string", item);
    }
    t->command = pawl_xcalloc(val->n + 1, sizeof(*t->command));
    t->n_command = val->n;
    for (i = 0; i < val->n; i++)
        t->command[i] = pawl_xstrdup(val->items[i]->value);
    return 0;
}

static int parse_params(struct pawl_config_loader *ld, const struct pawl_node *val,
                        const char *path, void *base)
{
    struct pawl_task_config *t = base;

    (void)ld;
    (void)path;
    t->params = pawl_node_to_json(val);
    return 0;
}

static const char *const method_names[] = {"POST", "PUT", "PATCH", "GET", "DELETE", NULL};

/* A URL pawl may call: http or https, nothing else (no file://, no gopher://). */
static int parse_url(struct pawl_config_loader *ld, const struct pawl_node *val, const char *path,
                     void *base)
{
    (void)base;
    if (strncmp(val->value, "http://", 7) != 0 && strncmp(val->value, "https://", 8) != 0)
        return pawl_config_fail(ld, val, "'%s' must be an http:// or https:// URL", path);
    return 0;
}

/* RFC 7230 token characters: what a header name may hold. */
static int is_token(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("!#$%&'*+-.^_`|~", *s)))
            return 0;
    return 1;
}

static int parse_headers(struct pawl_config_loader *ld, const struct pawl_node *val,
                         const char *path, void *base)
{
    size_t i;

    (void)base;
    for (i = 0; i < val->n; i++) {
        const struct pawl_node *k = val->keys[i], *v = val->items[i];
        if (!is_token(k->value))
            return pawl_config_fail(ld, k, "'%s' has an invalid header name '%s'", path,
                                    k->value);
        if (!pawl_config_is_string(v))
            return pawl_config_fail(ld, v, "'%s.%s' must be a string", path, k->value);
        if (strpbrk(v->value, "\r\n"))
            return pawl_config_fail(ld, v, "'%s.%s' must not contain a line break", path,
                                    k->value);
    }
    return 0;
}

/* RFC 6901: "" (the whole document) or "/"-separated reference tokens. */
static int parse_pointer(struct pawl_config_loader *ld, const struct pawl_node *val,
                         const char *path, void *base)
{
    const char *p;

    (void)base;
    if (val->value[0] && val->value[0] != '/')
        return pawl_config_fail(ld, val,
                                "'%s' must be a JSON pointer: empty or starting with '/' (for "
                                "example /choices/0/text)",
                                path);
    for (p = strchr(val->value, '~'); p; p = strchr(p + 1, '~'))
        if (p[1] != '0' && p[1] != '1')
            return pawl_config_fail(ld, val,
                                    "'%s' has '~' not followed by 0 or 1 (write ~0 for '~' and ~1 "
                                    "for '/')",
                                    path);
    return 0;
}

#define NUM_ANY .lo = -HUGE_VAL, .hi = HUGE_VAL
#define TASK(member) PAWL_KEY_FIELD(struct pawl_task_config, member)
static const struct pawl_config_key price_keys[] = {
    {.name = "input_per_mtok", .kind = PAWL_KEY_NUMBER, .lo = 0, .hi = HUGE_VAL,
     TASK(price_input_per_mtok)},
    {.name = "output_per_mtok", .kind = PAWL_KEY_NUMBER, .lo = 0, .hi = HUGE_VAL,
     TASK(price_output_per_mtok)},
    {0}};

static const struct pawl_config_key task_keys[] = {
    {.name = "provider",
     .kind = PAWL_KEY_ENUM,
     .required = 1,
     .choices = provider_names,
     .noun = "provider",
     TASK(provider)},
    {.name = "model", .kind = PAWL_KEY_STRING, TASK(model)},
    {.name = "base_url", .kind = PAWL_KEY_STRING, .parse = parse_url, TASK(base_url)},
    {.name = "api_key_env", .kind = PAWL_KEY_STRING, TASK(api_key_env)},
    {.name = "messages",
     .kind = PAWL_KEY_LIST}, /* loaded by pawl_config_parse_task, after the checks */
    {.name = "prompt", .kind = PAWL_KEY_PATH},
    {.name = "params", .kind = PAWL_KEY_MAP, .parse = parse_params},
    {.name = "command", .kind = PAWL_KEY_LIST, .parse = parse_command},
    {.name = "output_field", .kind = PAWL_KEY_STRING, TASK(output_field)},
    {.name = "url", .kind = PAWL_KEY_STRING, .parse = parse_url, TASK(url)},
    {.name = "method",
     .kind = PAWL_KEY_ENUM,
     .choices = method_names,
     .noun = "method",
     TASK(method)},
    {.name = "headers", .kind = PAWL_KEY_MAP, .parse = parse_headers},
    {.name = "body", .kind = PAWL_KEY_ANY}, /* any YAML value; the http provider compiles it */
    {.name = "output", .kind = PAWL_KEY_STRING, .parse = parse_pointer, TASK(output_pointer)},
    {.name = "price", .kind = PAWL_KEY_MAP, .sub = price_keys},
    {.name = "timeout", .kind = PAWL_KEY_ANY},
    {0}};

static const struct pawl_config_key message_keys[] = {
    {.name = "role",
     .kind = PAWL_KEY_ENUM,
     .required = 1,
     .choices = role_names,
     .noun = "role",
     PAWL_KEY_FIELD(struct pawl_message_config, role)},
    {.name = "content", .kind = PAWL_KEY_STRING},
    {.name = "file", .kind = PAWL_KEY_PATH},
    {0}};

/* Only what the config itself needs: the scorer module checks the rest of `node`. */
static const struct pawl_config_key scorer_keys[] = {
    {.name = "type",
     .kind = PAWL_KEY_STRING,
     .required = 1,
     PAWL_KEY_FIELD(struct pawl_scorer_config, type)},
    {.name = "name", .kind = PAWL_KEY_STRING, PAWL_KEY_FIELD(struct pawl_scorer_config, name)},
    {0}};

/* Values are read back by pawl_config_parse_rules() once the kinds have checked them. */
static const struct pawl_config_key rule_keys[] = {
    {.name = "metric", .kind = PAWL_KEY_STRING},
    {.name = "min", .kind = PAWL_KEY_NUMBER, NUM_ANY},
    {.name = "max", .kind = PAWL_KEY_NUMBER, NUM_ANY},
    {.name = "max_drop", .kind = PAWL_KEY_NUMBER, .lo = 0, .hi = HUGE_VAL},
    {.name = "no_new_failures", .kind = PAWL_KEY_BOOL},
    {0}};

/* {judge_agreement: NAME, <one bound>, min_n: N}: the bounds are the statistics' ranges. */
static const struct pawl_config_key agreement_rule_keys[] = {
    {.name = "judge_agreement", .kind = PAWL_KEY_STRING},
    {.name = "min_kappa", .kind = PAWL_KEY_NUMBER, .lo = -1, .hi = 1},
    {.name = "min_accuracy", .kind = PAWL_KEY_NUMBER, .lo = 0, .hi = 1},
    {.name = "min_spearman", .kind = PAWL_KEY_NUMBER, .lo = -1, .hi = 1},
    {.name = "max_mae", .kind = PAWL_KEY_NUMBER, .lo = 0, .hi = HUGE_VAL},
    {.name = "min_n", .kind = PAWL_KEY_INT, .lo = 1, .hi = 1000000000},
    {0}};

/* ---- task ---------------------------------------------------------------- */

/* What is wrong with a prompt file's bytes as text, or NULL when nothing is. */
static const char *not_text(const char *p, size_t len)
{
    const unsigned char *u = (const unsigned char *)p;

    if (pawl_utf8_valid(p, len))
        return NULL;
    if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return "invalid UTF-8 (the file is UTF-16; save it as UTF-8)";
    if (memchr(p, '\0', len))
        return "unexpected NUL byte (is this a text file?)";
    return "invalid UTF-8";
}

static int read_prompt_file(struct pawl_config_loader *ld, const struct pawl_node *val,
                            struct pawl_message_config *msg)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_error local;
    char *path = pawl_config_resolve(ld, val->value);
    const char *why;
    int rc = 0;

    pawl_error_init(&local);
    if (pawl_fs_read(&b, path, val->value, PAWL_CONFIG_MAX_BYTES, &local) < 0) {
        /* pawl_fs_read says "cannot open 'x': <reason>"; keep only the reason. */
        const char *reason = local.msg, *q = strstr(local.msg, "': ");
        if (q && strncmp(local.msg, "cannot ", 7) == 0)
            reason = q + 3;
        rc = pawl_config_fail(ld, val, "cannot read prompt file '%s': %s", val->value, reason);
        goto done;
    }
    /*
     * Templates are C strings, so a NUL byte (UTF-16 files are full of them)
     * would silently cut the prompt short, and bytes that are not UTF-8 would
     * reach the model replaced. Refuse the file instead.
     */
    if ((why = not_text(b.ptr, b.len)) != NULL) {
        rc = pawl_config_fail(ld, val, "cannot use prompt file '%s': %s", val->value, why);
        goto done;
    }
    msg->text = pawl_buf_detach(&b, NULL);
    msg->source = path;
    path = NULL;
    msg->line = 1;
    msg->col = 1;
done:
    free(path);
    pawl_buf_release(&b);
    return rc;
}

static int load_messages(struct pawl_config_loader *ld, const struct pawl_node *seq)
{
    struct pawl_task_config *t = &ld->cfg->task;
    size_t i;
    int rc;

    if (seq->n == 0)
        return pawl_config_fail(ld, seq, "'task.messages' must be a non-empty list");
    t->messages = pawl_xcalloc(seq->n, sizeof(*t->messages));
    t->n_messages = seq->n;
    for (i = 0; i < seq->n; i++) {
        const struct pawl_node *item = seq->items[i], *content, *file;
        struct pawl_message_config *m = &t->messages[i];
        char path[PAWL_CONFIG_KEYPATH_MAX];

        pawl_config_keypath_index(path, "task.messages", i);
        if (item->kind != PAWL_NODE_MAP)
            return pawl_config_fail(ld, item, "'%s' must be a mapping", path);
        if ((rc = pawl_config_walk(ld, item, path, message_keys, m, 0)) < 0)
            return rc;
        content = pawl_node_get(item, "content");
        file = pawl_node_get(item, "file");
        if (!content == !file)
            return pawl_config_fail(ld, item, "message needs exactly one of 'content' or 'file'");
        if (file) {
            if ((rc = read_prompt_file(ld, file, m)) < 0)
                return rc;
        } else {
            m->text = pawl_xstrdup(content->value);
            m->source = pawl_xstrdup(ld->src);
            /* Point at the text itself, so template errors land on the `{{`. A block
             * scalar's indentation is not known here: report its lines only. */
            m->line = content->block ? content->line + 1 : content->line;
            m->col = content->block ? 0 : content->quoted ? content->col + 1 : content->col;
        }
    }
    return 0;
}

/* Checks what a provider cannot do without; `judge` tasks get their messages from the rubric. */
static int check_needs(struct pawl_config_loader *ld, const struct pawl_node *val,
                       const struct pawl_task_config *t, int has_messages, int judge)
{
    size_t i;

    for (i = 0; i < sizeof(provider_needs) / sizeof(provider_needs[0]); i++) {
        if (strcmp(provider_needs[i].name, t->provider) != 0)
            continue;
        if (provider_needs[i].needs_command && !t->command)
            return pawl_config_fail(ld, val, "provider '%s' needs 'command'", t->provider);
        if (!judge && provider_needs[i].needs_messages && !has_messages)
            return pawl_config_fail(ld, val, "provider '%s' needs 'messages' or 'prompt'",
                                    t->provider);
        if (provider_needs[i].needs_model && !t->model)
            return pawl_config_fail(ld, val, "provider '%s' needs 'model'", t->provider);
        if (provider_needs[i].needs_url && !t->url)
            return pawl_config_fail(ld, val, "provider '%s' needs 'url'", t->provider);
    }
    return 0;
}

int pawl_config_parse_task(struct pawl_config_loader *ld, const struct pawl_node *val,
                           const char *path, void *base)
{
    struct pawl_task_config *t = &ld->cfg->task;
    const struct pawl_node *messages, *prompt;
    int rc;

    (void)base;
    t->node = val;
    t->line = val->line;
    t->col = val->col;
    if ((rc = pawl_config_walk(ld, val, path, task_keys, t, 0)) < 0)
        return rc;
    messages = pawl_node_get(val, "messages");
    prompt = pawl_node_get(val, "prompt");
    if (messages && prompt)
        return pawl_config_fail(ld, pawl_node_key(val, "prompt"),
                                "'prompt' cannot be combined with 'messages'");
    if ((rc = check_needs(ld, val, t, messages || prompt, 0)) < 0)
        return rc;
    if (messages)
        return load_messages(ld, messages);
    if (prompt) {
        t->messages = pawl_xcalloc(1, sizeof(*t->messages));
        t->n_messages = 1;
        t->messages[0].role = pawl_xstrdup("user");
        return read_prompt_file(ld, prompt, &t->messages[0]);
    }
    return 0;
}

/* ---- judges ---------------------------------------------------------------- */

/* The rubric a judge scorer names, as its judge's one user message. */
static int load_rubric(struct pawl_config_loader *ld, const struct pawl_node *scorer,
                       const char *path, struct pawl_task_config *j)
{
    const struct pawl_node *file = pawl_node_get(scorer, "rubric");
    const struct pawl_node *text = pawl_node_get(scorer, "rubric_text");
    const struct pawl_node *builtin = pawl_node_get(scorer, "builtin");
    struct pawl_message_config *m;
    char keypath[PAWL_CONFIG_KEYPATH_MAX + 16];
    int rc;

    if ((file != NULL) + (text != NULL) + (builtin != NULL) != 1)
        return pawl_config_fail(ld, scorer,
                                "an llm-judge needs exactly one of 'rubric' (a file), "
                                "'rubric_text' or 'builtin'");
    j->messages = pawl_xcalloc(1, sizeof(*j->messages));
    j->n_messages = 1;
    m = &j->messages[0];
    m->role = pawl_xstrdup("user");
    if (file) {
        snprintf(keypath, sizeof(keypath), "%s.rubric", path);
        if (!pawl_config_is_string(file))
            return pawl_config_fail(ld, file, "'%s' must be a string", keypath);
        if ((rc = pawl_config_check_path(ld, file, keypath)) < 0)
            return rc;
        return read_prompt_file(ld, file, m);
    }
    if (text) {
        if (!pawl_config_is_string(text))
            return pawl_config_fail(ld, text, "'%s.rubric_text' must be a string", path);
        m->text = pawl_xstrdup(text->value);
        m->source = pawl_xstrdup(ld->src);
        m->line = text->block ? text->line + 1 : text->line;
        m->col = text->block ? 0 : text->quoted ? text->col + 1 : text->col;
        return 0;
    }
    if (!pawl_config_is_string(builtin) || !pawl_rubric_builtin(builtin->value)) {
        const char *near = pawl_config_is_string(builtin)
                               ? pawl_suggest(builtin->value, pawl_rubric_names())
                               : NULL;
        if (near)
            return pawl_config_fail(ld, builtin, "unknown built-in rubric '%s' (did you mean '%s'?)",
                                    builtin->value, near);
        return pawl_config_fail(ld, builtin, "unknown built-in rubric '%s'",
                                pawl_config_is_string(builtin) ? builtin->value : "");
    }
    m->text = pawl_xstrdup(pawl_rubric_builtin(builtin->value));
    m->source = pawl_xasprintf("builtin:%s", builtin->value);
    m->line = 1;
    m->col = 1;
    return 0;
}

/* `judge:` of an llm-judge scorer: the task keys, minus what the rubric replaces. */
static int parse_judge(struct pawl_config_loader *ld, const struct pawl_node *scorer,
                       const char *path, struct pawl_scorer_config *sc)
{
    static const char *const judge_providers[] = {"openai", "anthropic", "http", NULL};
    static const char *const not_for_judges[] = {"messages", "prompt", "command", "output_field",
                                                 NULL};
    const struct pawl_node *val = pawl_node_get(scorer, "judge");
    struct pawl_task_config *j;
    char keypath[PAWL_CONFIG_KEYPATH_MAX + 16];
    size_t i;
    int rc;

    snprintf(keypath, sizeof(keypath), "%s.judge", path);
    if (!val)
        return 0; /* the scorer says so, after checking its keys */
    if (val->kind != PAWL_NODE_MAP)
        return pawl_config_fail(ld, val, "'%s' must be a mapping", keypath);
    j = sc->judge = pawl_xcalloc(1, sizeof(*j));
    j->method = pawl_xstrdup("POST");
    j->node = val;
    j->line = val->line;
    j->col = val->col;
    if ((rc = pawl_config_walk(ld, val, keypath, task_keys, j, 0)) < 0)
        return rc;
    for (i = 0; not_for_judges[i]; i++)
        if (pawl_node_get(val, not_for_judges[i]))
            return pawl_config_fail(ld, pawl_node_key(val, not_for_judges[i]),
                                    "a judge takes no '%s': the rubric is its prompt",
                                    not_for_judges[i]);
    if (!pawl_config_in_list(j->provider, judge_providers))
        return pawl_config_fail(ld, pawl_node_get(val, "provider"),
                                "a judge's provider must be openai, anthropic or http, not '%s'",
                                j->provider);
    if ((rc = check_needs(ld, val, j, 1, 1)) < 0)
        return rc;
    return load_rubric(ld, scorer, path, j);
}

/* ---- scorers and rules --------------------------------------------------- */

int pawl_config_parse_scorers(struct pawl_config_loader *ld, const struct pawl_node *val,
                              const char *path, void *base)
{
    struct pawl_config *cfg = base;
    size_t i, j;
    int rc;

    if (val->n == 0)
        return pawl_config_fail(ld, val, "at least one scorer is required");
    cfg->scorers = pawl_xcalloc(val->n, sizeof(*cfg->scorers));
    cfg->n_scorers = val->n;
    for (i = 0; i < val->n; i++) {
        const struct pawl_node *item = val->items[i], *name_at;
        struct pawl_scorer_config *sc = &cfg->scorers[i];
        char ipath[PAWL_CONFIG_KEYPATH_MAX];

        pawl_config_keypath_index(ipath, path, i);
        if (item->kind != PAWL_NODE_MAP)
            return pawl_config_fail(ld, item, "'%s' must be a mapping", ipath);
        if ((rc = pawl_config_walk(ld, item, ipath, scorer_keys, sc, 1)) < 0)
            return rc;
        sc->node = item;
        sc->line = item->line;
        sc->col = item->col;
        name_at = pawl_node_get(item, "name");
        if (!name_at) {
            name_at = pawl_node_get(item, "type");
            sc->name = pawl_xstrdup(sc->type);
        }
        if (pawl_config_in_list(sc->name, builtin_metrics))
            return pawl_config_fail(ld, name_at,
                                    "scorer name '%s' is reserved for a built-in metric", sc->name);
        for (j = 0; j < i; j++)
            if (strcmp(cfg->scorers[j].name, sc->name) == 0)
                return pawl_config_fail(ld, name_at, "duplicate scorer name '%s'", sc->name);
        if (strcmp(sc->type, "llm-judge") == 0 && (rc = parse_judge(ld, item, ipath, sc)) < 0)
            return rc;
    }
    return 0;
}

static int check_metric(struct pawl_config_loader *ld, const struct pawl_node *val)
{
    const struct pawl_config *cfg = ld->cfg;
    size_t nb = sizeof(builtin_metrics) / sizeof(builtin_metrics[0]) - 1, i, j, n = 0, n_modes = 0;
    size_t k = 0;
    const char **known;
    char **modes;
    const char *near;
    int rc = 0;

    /* llm-judge scorers with failure_modes add failure_mode.<mode> metrics. */
    for (i = 0; i < cfg->n_scorers; i++) {
        const struct pawl_node *m = pawl_node_get(cfg->scorers[i].node, "failure_modes");
        if (cfg->scorers[i].judge && m && m->kind == PAWL_NODE_SEQ)
            n_modes += m->n;
    }
    known = pawl_xcalloc(nb + cfg->n_scorers + n_modes + 1, sizeof(*known));
    modes = pawl_xcalloc(n_modes + 1, sizeof(*modes));
    for (i = 0; i < cfg->n_scorers; i++) {
        const struct pawl_node *m = pawl_node_get(cfg->scorers[i].node, "failure_modes");
        known[n++] = cfg->scorers[i].name;
        for (j = 0; cfg->scorers[i].judge && m && m->kind == PAWL_NODE_SEQ && j < m->n; j++)
            if (m->items[j]->value) {
                modes[k] = pawl_xasprintf("failure_mode.%s", m->items[j]->value);
                known[n++] = modes[k++];
            }
    }
    for (i = 0; i < nb; i++)
        known[n++] = builtin_metrics[i];
    if (!pawl_config_in_list(val->value, known)) {
        near = pawl_suggest(val->value, known);
        if (near)
            rc = pawl_config_fail(ld, val, "unknown metric '%s' (did you mean '%s'?)", val->value,
                                  near);
        else
            rc = pawl_config_fail(ld, val, "unknown metric '%s'", val->value);
    }
    for (i = 0; i < k; i++)
        free(modes[i]);
    free(modes);
    free(known);
    return rc;
}

/* The statistic each bound of a judge_agreement rule limits. */
static const struct {
    const char *key, *stat;
} agreement_bounds[] = {{"min_kappa", "kappa"},
                        {"min_accuracy", "accuracy"},
                        {"min_spearman", "spearman"},
                        {"max_mae", "mae"}};
#define N_AGREEMENT_BOUNDS (sizeof(agreement_bounds) / sizeof(agreement_bounds[0]))

static int parse_agreement_rule(struct pawl_config_loader *ld, const struct pawl_node *item,
                                const char *path, struct pawl_rule_config *r)
{
    static const char *const metric_keys[] = {"metric", "min", "max", "max_drop",
                                              "no_new_failures", NULL};
    const struct pawl_config *cfg = ld->cfg;
    const struct pawl_node *name = pawl_node_get(item, "judge_agreement"), *bound = NULL, *mn;
    const char **scorers, *near, *stat = NULL;
    size_t i, n_bounds = 0;
    int rc;

    for (i = 0; metric_keys[i]; i++)
        if (pawl_node_get(item, metric_keys[i]))
            return pawl_config_fail(ld, pawl_node_key(item, metric_keys[i]),
                                    "rule 'judge_agreement' takes no '%s': bound it with one of "
                                    "'min_kappa', 'min_accuracy', 'min_spearman' or 'max_mae'",
                                    metric_keys[i]);
    if ((rc = pawl_config_walk(ld, item, path, agreement_rule_keys, NULL, 0)) < 0)
        return rc;
    for (i = 0; i < N_AGREEMENT_BOUNDS; i++) {
        const struct pawl_node *v = pawl_node_get(item, agreement_bounds[i].key);
        if (v) {
            n_bounds++;
            bound = v;
            stat = agreement_bounds[i].stat;
        }
    }
    if (n_bounds != 1)
        return pawl_config_fail(ld, item,
                                "rule 'judge_agreement' needs exactly one of 'min_kappa', "
                                "'min_accuracy', 'min_spearman' or 'max_mae'");
    scorers = pawl_xcalloc(cfg->n_scorers + 1, sizeof(*scorers));
    for (i = 0; i < cfg->n_scorers; i++)
        scorers[i] = cfg->scorers[i].name;
    if (!pawl_config_in_list(name->value, scorers)) {
        near = pawl_suggest(name->value, scorers);
        if (near)
            rc = pawl_config_fail(ld, name, "unknown scorer '%s' (did you mean '%s'?)", name->value,
                                  near);
        else
            rc = pawl_config_fail(ld, name, "unknown scorer '%s'", name->value);
    }
    free(scorers);
    if (rc < 0)
        return rc;
    pawl_node_as_double(bound, &r->value);
    r->kind = PAWL_RULE_JUDGE_AGREEMENT;
    if ((mn = pawl_node_get(item, "min_n")) != NULL)
        pawl_node_as_long(mn, &r->min_n);
    r->metric = pawl_xasprintf("agreement.%s.%s", name->value, stat);
    return 0;
}

static int parse_rule(struct pawl_config_loader *ld, const struct pawl_node *item, const char *path,
                      struct pawl_rule_config *r, int *skip)
{
    static const struct {
        const char *key;
        enum pawl_rule_kind kind;
    } bounds[] = {{"min", PAWL_RULE_MIN}, {"max", PAWL_RULE_MAX}, {"max_drop", PAWL_RULE_MAX_DROP}};
    const struct pawl_node *nnf = pawl_node_get(item, "no_new_failures"), *metric, *bound = NULL;
    size_t i, n_bounds = 0;
    int rc, on;

    *skip = 0;
    if (item->kind != PAWL_NODE_MAP)
        return pawl_config_fail(ld, item, "'%s' must be a mapping", path);
    r->line = item->line;
    r->col = item->col;
    if (pawl_node_get(item, "judge_agreement"))
        return parse_agreement_rule(ld, item, path, r);
    for (i = 0; i < N_AGREEMENT_BOUNDS; i++)
        if (pawl_node_get(item, agreement_bounds[i].key))
            return pawl_config_fail(ld, pawl_node_key(item, agreement_bounds[i].key),
                                    "'%s' bounds a judge_agreement rule: add 'judge_agreement: "
                                    "NAME' (a scorer's name)",
                                    agreement_bounds[i].key);
    if ((rc = pawl_config_walk(ld, item, path, rule_keys, NULL, 0)) < 0)
        return rc;
    if (nnf) {
        if (item->n > 1)
            return pawl_config_fail(ld, item,
                                    "rule 'no_new_failures' cannot be combined with other keys");
        pawl_node_as_bool(nnf, &on);
        *skip = !on; /* `false` switches the rule off rather than failing */
        r->kind = PAWL_RULE_NO_NEW_FAILURES;
        return 0;
    }
    metric = pawl_node_get(item, "metric");
    if (!metric)
        return pawl_config_fail(ld, item, "missing required key '%s.metric'", path);
    for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        const struct pawl_node *v = pawl_node_get(item, bounds[i].key);
        if (v) {
            n_bounds++;
            bound = v;
            r->kind = bounds[i].kind;
        }
    }
    if (n_bounds != 1)
        return pawl_config_fail(ld, item, "rule needs exactly one of 'min', 'max' or 'max_drop'");
    if ((rc = check_metric(ld, metric)) < 0)
        return rc;
    /* The comparison pairs cases, so only per-case metrics have a paired change. */
    if (r->kind == PAWL_RULE_MAX_DROP && strcmp(metric->value, "pass_rate") != 0 &&
        pawl_config_in_list(metric->value, builtin_metrics))
        return pawl_config_fail(ld, metric,
                                "'max_drop' compares per-case scores with the baseline: use a "
                                "scorer or 'pass_rate', not '%s' (or a 'max' rule)",
                                metric->value);
    pawl_node_as_double(bound, &r->value);
    r->metric = pawl_xstrdup(metric->value);
    return 0;
}

int pawl_config_parse_rules(struct pawl_config_loader *ld, const struct pawl_node *val,
                            const char *path, void *base)
{
    struct pawl_config *cfg = base;
    size_t i;
    int rc;

    cfg->gate.rules = pawl_xcalloc(val->n ? val->n : 1, sizeof(*cfg->gate.rules));
    for (i = 0; i < val->n; i++) {
        char ipath[PAWL_CONFIG_KEYPATH_MAX];
        int skip;

        pawl_config_keypath_index(ipath, path, i);
        /* Count the slot first so a failure half-way still frees it. */
        rc = parse_rule(ld, val->items[i], ipath, &cfg->gate.rules[cfg->gate.n_rules++], &skip);
        if (rc < 0)
            return rc;
        if (skip)
            cfg->gate.n_rules--;
    }
    return 0;
}
