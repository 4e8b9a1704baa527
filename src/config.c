/*
 * config.c - pawl.yaml into struct pawl_config, driven by key tables.
 *
 * Every mapping in the file has a static table of pawl_config_key entries (name,
 * kind, required, optional parser and the field the value lands in), in the
 * manner of redis' static_configs[]. pawl_config_walk() checks a mapping against
 * its table: unknown keys first, then each entry in table order, so the
 * order of the tables is the order in which problems are reported.
 *
 * Failure contract: when pawl_config_load() fails it releases everything it
 * built and leaves *out zeroed, so callers never release after an error
 * (releasing a zeroed struct is harmless too).
 *
 * ${VAR} expansion runs once over every scalar value of the tree before
 * validation (keys are left alone). Doing it on the tree rather than per key
 * means the provider and scorer modules, which read their own keys from
 * `node`, see expanded values as well, and `concurrency: ${N:-4}` types as
 * an integer after expansion.
 */
/* realpath() is XSI in glibc's headers. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/config.h"
#include "pawl/fs.h"

#define SECTION_MAX_KEYS 32
#define CFG(member) PAWL_KEY_FIELD(struct pawl_config, member)

static const char *const inconclusive_names[] = {"pass", "fail", NULL};
static const char *const langfuse_api_names[] = {"auto", "v3", "v4", NULL};

/* ---- errors and small helpers ------------------------------------------ */

int pawl_config_fail(struct pawl_config_loader *ld, const struct pawl_node *at, const char *fmt,
                     ...)
{
    char msg[PAWL_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return pawl_error_set(ld->err, PAWL_ECONFIG, ld->src, at->line, at->col, "%s", msg);
}

static void keypath_join(char *out, const char *prefix, const char *name)
{
    if (prefix[0])
        snprintf(out, PAWL_CONFIG_KEYPATH_MAX, "%s.%s", prefix, name);
    else
        snprintf(out, PAWL_CONFIG_KEYPATH_MAX, "%s", name);
}

static void set_str(char **field, const char *value)
{
    free(*field);
    *field = pawl_xstrdup(value);
}

/* "a, b or c" for messages. */
static void choices_text(char *out, size_t size, const char *const *choices)
{
    size_t i, n = 0, used = 0;

    out[0] = '\0';
    while (choices[n])
        n++;
    for (i = 0; i < n && used < size; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(out + used, size - used, "%s%s", sep, choices[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* ---- the generic walker ------------------------------------------------ */

static int check_number(struct pawl_config_loader *ld, const struct pawl_config_key *s,
                        const struct pawl_node *val, const char *path, double *out)
{
    if (pawl_node_as_double(val, out) == 0 && *out >= s->lo && *out <= s->hi)
        return 0;
    if (isinf(s->lo) && isinf(s->hi))
        return pawl_config_fail(ld, val, "'%s' must be a number", path);
    if (isinf(s->hi))
        return pawl_config_fail(ld, val, "'%s' must be a number >= %g", path, s->lo);
    return pawl_config_fail(ld, val, "'%s' must be a number between %g and %g", path, s->lo, s->hi);
}

static int check_enum(struct pawl_config_loader *ld, const struct pawl_config_key *s,
                      const struct pawl_node *val, const char *path)
{
    char list[256], hint[128] = "";
    const char *near;

    if (!pawl_config_is_string(val))
        return pawl_config_fail(ld, val, "'%s' must be a string", path);
    if (pawl_config_in_list(val->value, s->choices))
        return 0;
    near = pawl_suggest(val->value, s->choices);
    choices_text(list, sizeof(list), s->choices);
    if (near)
        snprintf(hint, sizeof(hint), " (did you mean '%s'?)", near);
    if (!s->noun)
        return pawl_config_fail(ld, val, "'%s' must be %s%s", path, list, hint);
    if (near)
        return pawl_config_fail(ld, val, "unknown %s '%s'%s", s->noun, val->value, hint);
    return pawl_config_fail(ld, val, "unknown %s '%s' (expected %s)", s->noun, val->value, list);
}

static int check_value(struct pawl_config_loader *ld, const struct pawl_config_key *s,
                       const struct pawl_node *val, const char *path, void *base)
{
    void *field = s->stored ? (char *)base + s->offset : NULL;
    long l;
    double d;
    int b, rc;

    switch (s->kind) {
    case PAWL_KEY_ANY:
        break;
    case PAWL_KEY_STRING:
        if (!pawl_config_is_string(val))
            return pawl_config_fail(ld, val, "'%s' must be a string", path);
        if (s->stored)
            set_str(field, val->value);
        break;
    case PAWL_KEY_PATH:
        if (!pawl_config_is_string(val))
            return pawl_config_fail(ld, val, "'%s' must be a string", path);
        if ((rc = pawl_config_check_path(ld, val, path)) < 0)
            return rc;
        if (s->stored) {
            free(*(char **)field);
            *(char **)field = pawl_config_resolve(ld, val->value);
        }
        break;
    case PAWL_KEY_INT:
        if (pawl_node_as_long(val, &l) < 0 || l < (long)s->lo)
            return pawl_config_fail(ld, val, "'%s' must be %s", path,
                                    s->lo >= 1 ? "a positive integer" : "a non-negative integer");
        if (l > (long)s->hi)
            return pawl_config_fail(ld, val, "'%s' must be at most %ld", path, (long)s->hi);
        if (s->stored)
            *(long *)field = l;
        break;
    case PAWL_KEY_NUMBER:
        if ((rc = check_number(ld, s, val, path, &d)) < 0)
            return rc;
        if (s->stored)
            *(double *)field = d;
        break;
    case PAWL_KEY_BOOL:
        if (pawl_node_as_bool(val, &b) < 0)
            return pawl_config_fail(ld, val, "'%s' must be true or false", path);
        if (s->stored)
            *(int *)field = b;
        break;
    case PAWL_KEY_DURATION:
        l = val->kind == PAWL_NODE_SCALAR ? pawl_config_parse_duration(val->value) : -1;
        if (l < 0)
            return pawl_config_fail(ld, val, "'%s' must be a duration such as 250ms, 60s, 2m or 1h",
                                    path);
        if (s->stored)
            *(long *)field = l;
        break;
    case PAWL_KEY_ENUM:
        if ((rc = check_enum(ld, s, val, path)) < 0)
            return rc;
        if (s->stored)
            set_str(field, val->value);
        break;
    case PAWL_KEY_MAP:
        if (val->kind != PAWL_NODE_MAP)
            return pawl_config_fail(ld, val, "'%s' must be a mapping", path);
        if (s->sub && (rc = pawl_config_walk(ld, val, path, s->sub, base, 0)) < 0)
            return rc;
        break;
    case PAWL_KEY_LIST:
        if (val->kind != PAWL_NODE_SEQ)
            return pawl_config_fail(ld, val, "'%s' must be a list", path);
        break;
    }
    return s->parse ? s->parse(ld, val, path, base) : 0;
}

int pawl_config_walk(struct pawl_config_loader *ld, const struct pawl_node *map, const char *prefix,
                     const struct pawl_config_key *specs, void *base, int other_keys_ok)
{
    const char *allowed[SECTION_MAX_KEYS + 1];
    const struct pawl_config_key *s;
    size_t n = 0;
    int rc;

    if (!other_keys_ok) {
        for (s = specs; s->name && n < SECTION_MAX_KEYS; s++)
            allowed[n++] = s->name;
        allowed[n] = NULL;
        if ((rc = pawl_node_check_keys(map, allowed, ld->src, ld->err)) < 0)
            return rc;
    }
    for (s = specs; s->name; s++) {
        const struct pawl_node *val = pawl_node_get(map, s->name);
        char path[PAWL_CONFIG_KEYPATH_MAX];

        keypath_join(path, prefix, s->name);
        if (!val) {
            if (s->required)
                return pawl_config_fail(ld, map, "missing required key '%s'", path);
            continue;
        }
        if ((rc = check_value(ld, s, val, path, base)) < 0)
            return rc;
    }
    return 0;
}

/* ---- parsers for keys the kinds cannot express --------------------------- */

static int parse_version(struct pawl_config_loader *ld, const struct pawl_node *val,
                         const char *path, void *base)
{
    long v;

    (void)base;
    if (pawl_node_as_long(val, &v) < 0)
        return pawl_config_fail(ld, val, "'%s' must be an integer", path);
    if (v != 1)
        return pawl_config_fail(ld, val, "unsupported version %ld (this pawl reads version 1)", v);
    return 0;
}

/* Langfuse rewrites environments it does not accept to "default"; refuse them here instead. */
static int parse_langfuse_environment(struct pawl_config_loader *ld, const struct pawl_node *val,
                                      const char *path, void *base)
{
    struct pawl_config *cfg = base;
    const char *v = val->value;
    size_t n = strlen(v);

    if (n == 0 || n > 40 || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n ||
        strncmp(v, "langfuse", 8) == 0)
        return pawl_config_fail(ld, val,
                                "'%s' must be 1-40 lowercase letters, digits, '_' or '-', "
                                "not starting with 'langfuse'",
                                path);
    set_str(&cfg->report.langfuse.environment, v);
    return 0;
}

static int parse_dataset_path(struct pawl_config_loader *ld, const struct pawl_node *val,
                              const char *path, void *base)
{
    struct pawl_config *cfg = base;

    (void)ld;
    (void)path;
    set_str(&cfg->dataset.path, val->value);
    cfg->dataset.line = val->line;
    cfg->dataset.col = val->col;
    return 0;
}

static int parse_cache(struct pawl_config_loader *ld, const struct pawl_node *val, const char *path,
                       void *base)
{
    struct pawl_config *cfg = base;
    int b;
    int rc;

    if (pawl_node_as_bool(val, &b) == 0) {
        if (b)
            return pawl_config_fail(ld, val, "'%s' must be a path or off", path);
        free(cfg->run.cache);
        cfg->run.cache = NULL;
        return 0;
    }
    if (!pawl_config_is_string(val))
        return pawl_config_fail(ld, val, "'%s' must be a path or off", path);
    if ((rc = pawl_config_check_path(ld, val, path)) < 0)
        return rc;
    free(cfg->run.cache);
    cfg->run.cache = pawl_config_resolve(ld, val->value);
    return 0;
}

static int parse_inconclusive(struct pawl_config_loader *ld, const struct pawl_node *val,
                              const char *path, void *base)
{
    struct pawl_config *cfg = base;

    (void)ld;
    (void)path;
    cfg->gate.inconclusive_fails = strcmp(val->value, "fail") == 0;
    return 0;
}

/* ---- key tables ---------------------------------------------------------- */

static const struct pawl_config_key dataset_keys[] = {
    {.name = "path",
     .kind = PAWL_KEY_PATH,
     .required = 1,
     .parse = parse_dataset_path,
     CFG(dataset.fs_path)},
    {.name = "ref", .kind = PAWL_KEY_STRING, CFG(dataset.ref)},
    {.name = "id", .kind = PAWL_KEY_STRING, CFG(dataset.id_field)},
    {0}};

static const struct pawl_config_key run_keys[] = {
    {.name = "concurrency", .kind = PAWL_KEY_INT, .lo = 1, .hi = 1024, CFG(run.concurrency)},
    {.name = "repeat", .kind = PAWL_KEY_INT, .lo = 1, .hi = 1000, CFG(run.repeat)},
    {.name = "timeout", .kind = PAWL_KEY_DURATION, CFG(run.timeout_ms)},
    {.name = "retries", .kind = PAWL_KEY_INT, .lo = 0, .hi = 100, CFG(run.retries)},
    {.name = "max_error_rate", .kind = PAWL_KEY_NUMBER, .lo = 0, .hi = 1, CFG(run.max_error_rate)},
    {.name = "cache", .kind = PAWL_KEY_ANY, .parse = parse_cache},
    {0}};

static const struct pawl_config_key baseline_keys[] = {
    {.name = "file", .kind = PAWL_KEY_PATH, CFG(baseline.file)},
    {.name = "ref", .kind = PAWL_KEY_STRING, CFG(baseline.ref)},
    {.name = "rerun", .kind = PAWL_KEY_BOOL, CFG(baseline.rerun)},
    {0}};

static const struct pawl_config_key gate_keys[] = {
    {.name = "confidence", .kind = PAWL_KEY_NUMBER, .lo = 0.5, .hi = 0.999, CFG(gate.confidence)},
    {.name = "on_inconclusive",
     .kind = PAWL_KEY_ENUM,
     .choices = inconclusive_names,
     .parse = parse_inconclusive},
    {.name = "rules", .kind = PAWL_KEY_LIST, .parse = pawl_config_parse_rules},
    {0}};

static const struct pawl_config_key langfuse_keys[] = {
    {.name = "dataset", .kind = PAWL_KEY_STRING, CFG(report.langfuse.dataset)},
    {.name = "api", .kind = PAWL_KEY_ENUM, .choices = langfuse_api_names, .noun = "Langfuse API",
     CFG(report.langfuse.api)},
    {.name = "environment", .kind = PAWL_KEY_STRING, .parse = parse_langfuse_environment},
    {.name = "required", .kind = PAWL_KEY_BOOL, CFG(report.langfuse.required)},
    {.name = "score_batches", .kind = PAWL_KEY_BOOL, CFG(report.langfuse.score_batches)},
    {0}};

/* `langfuse: true|false`, or a mapping (which turns the push on). */
static int parse_langfuse(struct pawl_config_loader *ld, const struct pawl_node *val,
                          const char *path, void *base)
{
    struct pawl_config *cfg = base;

    if (val->kind == PAWL_NODE_MAP) {
        cfg->report.langfuse.enabled = 1;
        return pawl_config_walk(ld, val, path, langfuse_keys, base, 0);
    }
    if (val->kind != PAWL_NODE_SCALAR || pawl_node_as_bool(val, &cfg->report.langfuse.enabled) < 0)
        return pawl_config_fail(ld, val, "'%s' must be true, false or a mapping", path);
    return 0;
}

static const struct pawl_config_key report_keys[] = {
    {.name = "junit", .kind = PAWL_KEY_PATH, CFG(report.junit)},
    {.name = "json", .kind = PAWL_KEY_PATH, CFG(report.json)},
    {.name = "markdown", .kind = PAWL_KEY_PATH, CFG(report.markdown)},
    {.name = "html", .kind = PAWL_KEY_PATH, CFG(report.html)},
    {.name = "langfuse", .kind = PAWL_KEY_ANY, .parse = parse_langfuse},
    {0}};

/* Scorers come before gate: rules name scorers. */
static const struct pawl_config_key root_keys[] = {
    {.name = "version", .kind = PAWL_KEY_ANY, .required = 1, .parse = parse_version},
    {.name = "name", .kind = PAWL_KEY_STRING, CFG(name)},
    {.name = "dataset", .kind = PAWL_KEY_MAP, .required = 1, .sub = dataset_keys},
    {.name = "task", .kind = PAWL_KEY_MAP, .required = 1, .parse = pawl_config_parse_task},
    {.name = "scorers", .kind = PAWL_KEY_LIST, .required = 1, .parse = pawl_config_parse_scorers},
    {.name = "run", .kind = PAWL_KEY_MAP, .sub = run_keys},
    {.name = "baseline", .kind = PAWL_KEY_MAP, .sub = baseline_keys},
    {.name = "gate", .kind = PAWL_KEY_MAP, .sub = gate_keys},
    {.name = "report", .kind = PAWL_KEY_MAP, .sub = report_keys},
    {0}};

/* ---- load and release ---------------------------------------------------- */

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return pawl_xstrdup(".");
    if (slash == path)
        return pawl_xstrdup("/");
    return pawl_xstrndup(path, (size_t)(slash - path));
}

static void set_defaults(struct pawl_config_loader *ld)
{
    struct pawl_config *cfg = ld->cfg;
    const char *base = strrchr(ld->dir_real, '/');

    base = base ? base + 1 : ld->dir_real;
    cfg->name = pawl_xstrdup(base[0] ? base : "pawl");
    cfg->dataset.id_field = pawl_xstrdup("id");
    cfg->task.output_field = pawl_xstrdup("output");
    cfg->task.method = pawl_xstrdup("POST");
    cfg->run.concurrency = 8;
    cfg->run.repeat = 1;
    cfg->run.timeout_ms = 60000;
    cfg->run.retries = 3;
    cfg->run.max_error_rate = 0;
    cfg->run.cache = pawl_config_resolve(ld, ".pawl/cache");
    cfg->gate.confidence = 0.95;
    cfg->report.langfuse.api = pawl_xstrdup("auto");
}

int pawl_config_load(struct pawl_config *out, const char *path, struct pawl_error *err)
{
    struct pawl_config_loader ld;
    struct pawl_buf data = PAWL_BUF_INIT;
    const struct pawl_node *version;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&ld, 0, sizeof(ld));
    ld.cfg = out;
    ld.err = err;
    out->path = pawl_xstrdup(path);
    out->dir = dir_of(path);
    ld.src = out->path;

    if ((rc = pawl_fs_read(&data, path, path, PAWL_CONFIG_MAX_BYTES, err)) < 0)
        goto done;
    ld.dir_real = realpath(out->dir, NULL);
    if (!ld.dir_real) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot resolve directory '%s': %s",
                            out->dir, strerror(errno));
        goto done;
    }
    ld.repo_root = pawl_config_repo_root(ld.dir_real);
    if ((rc = pawl_node_parse(&out->root, data.ptr, data.len, ld.src, err)) < 0)
        goto done;
    if (out->root->kind != PAWL_NODE_MAP) {
        rc = pawl_config_fail(&ld, out->root, "the config must be a mapping, not %s",
                              pawl_node_kind_name(out->root));
        goto done;
    }
    if ((rc = pawl_config_expand_tree(&ld, out->root)) < 0)
        goto done;
    /* The version decides which keys exist, so it is judged before them. */
    version = pawl_node_get(out->root, "version");
    if (!version) {
        rc = pawl_config_fail(&ld, out->root, "missing required key 'version'");
        goto done;
    }
    if ((rc = parse_version(&ld, version, "version", out)) < 0)
        goto done;
    set_defaults(&ld);
    rc = pawl_config_walk(&ld, out->root, "", root_keys, out, 0);
done:
    if (rc < 0)
        pawl_config_release(out);
    free(ld.dir_real);
    free(ld.repo_root);
    pawl_buf_release(&data);
    return rc;
}

void pawl_config_release_task(struct pawl_task_config *t)
{
    size_t i;

    free(t->provider);
    free(t->model);
    free(t->base_url);
    free(t->api_key_env);
    for (i = 0; i < t->n_messages; i++) {
        free(t->messages[i].role);
        free(t->messages[i].text);
        free(t->messages[i].source);
    }
    free(t->messages);
    json_decref(t->params);
    for (i = 0; i < t->n_command; i++)
        free(t->command[i]);
    free(t->command);
    free(t->output_field);
    free(t->url);
    free(t->method);
    free(t->output_pointer);
    memset(t, 0, sizeof(*t));
}

void pawl_config_release(struct pawl_config *cfg)
{
    size_t i;

    if (!cfg)
        return;
    free(cfg->path);
    free(cfg->dir);
    free(cfg->name);
    free(cfg->dataset.path);
    free(cfg->dataset.fs_path);
    free(cfg->dataset.ref);
    free(cfg->dataset.id_field);

    pawl_config_release_task(&cfg->task);
    for (i = 0; i < cfg->n_scorers; i++) {
        free(cfg->scorers[i].name);
        free(cfg->scorers[i].type);
        if (cfg->scorers[i].judge) {
            pawl_config_release_task(cfg->scorers[i].judge);
            free(cfg->scorers[i].judge);
        }
    }
    free(cfg->scorers);
    free(cfg->run.cache);
    free(cfg->baseline.file);
    free(cfg->baseline.ref);
    for (i = 0; i < cfg->gate.n_rules; i++)
        free(cfg->gate.rules[i].metric);
    free(cfg->gate.rules);
    free(cfg->report.junit);
    free(cfg->report.json);
    free(cfg->report.markdown);
    free(cfg->report.html);
    free(cfg->report.langfuse.dataset);
    free(cfg->report.langfuse.api);
    free(cfg->report.langfuse.environment);
    pawl_node_free(cfg->root);
    memset(cfg, 0, sizeof(*cfg));
}
