/*
 * llm-judge: a model grades the output. The judge is any HTTP provider
 * (`judge:` takes the task keys: provider, model, base_url, api_key_env,
 * params, headers, ...); its prompt is a rubric template that sees input,
 * output, expected_output and metadata, after a system message that fixes
 * the reply: one JSON object {"reasoning": "...", "score": ...}. With the
 * openai provider the request also asks for JSON (response_format); every
 * reply is read tolerantly: the whole text, a ```json fence, or the first
 * {...} in prose.
 *
 * Kinds: `numeric` (a number in `range`, default [0, 1], normalised to
 * 0..1, passing at `pass`, default 0.5), `boolean`, `categorical`
 * (`categories`, passing the ones in `passing`, default those not listed
 * in `failure_modes`). The reasoning is the comment. A reply that cannot be
 * read, a score out of range or an unknown category is an errored score
 * quoting the reply; a failed judge call is an errored score with the call's
 * error. Never a silent 0.
 *
 * Judge calls run on the run's loop through the provider, so they share its
 * cache (by request and trial) and its retries.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/provider.h"
#include "pawl/usage.h"
#include "scorer_impl.h"

enum kind { NUMERIC, BOOLEAN, CATEGORICAL };

struct state {
    enum kind kind;
    double lo, hi, pass;
    char **categories, **passing, **failure_modes;
    size_t n_categories, n_passing, n_failure_modes;

    /* From bind(): the judge as a provider of its own. */
    struct pawl_config jcfg;            /* the run's config with the judge as its task */
    struct pawl_message_config msgs[2]; /* the reply instructions, then the rubric */
    struct pawl_template *templates[2];
    struct pawl_provider_env env;
    const struct pawl_provider_ops *provider;
    void *provider_state;
    json_t *params; /* the judge's params, with response_format */
    char *instructions;
};

static const char *const keys[] = {"judge",   "rubric",        "rubric_text", "builtin",
                                   "kind",    "range",         "pass",        "categories",
                                   "passing", "failure_modes", NULL};
static const char *const kinds[] = {"numeric", "boolean", "categorical", NULL};

static void free_list(char **l, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

static void state_free(void *p)
{
    struct state *st = p;

    if (!st)
        return;
    if (st->provider && st->provider->free)
        st->provider->free(st->provider_state);
    pawl_template_free(st->templates[0]);
    pawl_template_free(st->templates[1]);
    free_list(st->categories, st->n_categories);
    free_list(st->passing, st->n_passing);
    free_list(st->failure_modes, st->n_failure_modes);
    json_decref(st->params);
    free(st->instructions);
    free(st);
}

static int in_list(const char *s, char *const *l, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(s, l[i]) == 0)
            return 1;
    return 0;
}

/* A list of distinct strings under `key`; `within` (if given) must hold each. */
static int get_list(char ***out, size_t *n, const struct pawl_node *map, const char *key,
                    char *const *within, size_t n_within, const char *source,
                    struct pawl_error *err)
{
    const struct pawl_node *l = pawl_node_get(map, key);
    size_t i;

    *out = NULL;
    *n = 0;
    if (!l)
        return 0;
    if (l->kind != PAWL_NODE_SEQ || l->n == 0)
        return pawl_error_set(err, PAWL_ECONFIG, source, l->line, l->col,
                              "'%s' must be a non-empty list of strings", key);
    *out = pawl_xcalloc(l->n + 1, sizeof(**out));
    for (i = 0; i < l->n; i++) {
        const struct pawl_node *v = l->items[i];
        if (v->kind != PAWL_NODE_SCALAR || !v->value || !*v->value)
            return pawl_error_set(err, PAWL_ECONFIG, source, v->line, v->col,
                                  "'%s' items must be non-empty strings", key);
        if (in_list(v->value, *out, *n))
            return pawl_error_set(err, PAWL_ECONFIG, source, v->line, v->col,
                                  "'%s' lists '%s' twice", key, v->value);
        if (within && !in_list(v->value, within, n_within))
            return pawl_error_set(err, PAWL_ECONFIG, source, v->line, v->col,
                                  "'%s' names '%s', which is not one of the 'categories'", key,
                                  v->value);
        (*out)[(*n)++] = pawl_xstrdup(v->value);
    }
    return 0;
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));
    const struct pawl_node *kind = pawl_node_get(node, "kind"),
                           *range = pawl_node_get(node, "range");
    const struct pawl_node *pass = pawl_node_get(node, "pass");
    size_t i;
    int rc;

    *out = st;
    if (!pawl_node_get(node, "judge"))
        return pawl_error_set(err, PAWL_ECONFIG, source, node->line, node->col,
                              "missing required key 'judge'");
    st->lo = 0;
    st->hi = 1;
    st->pass = 0.5;
    if (kind) {
        for (i = 0; kinds[i] && !(kind->value && strcmp(kind->value, kinds[i]) == 0); i++)
            ;
        if (!kinds[i])
            return pawl_error_set(err, PAWL_ECONFIG, source, kind->line, kind->col,
                                  "'kind' must be numeric, boolean or categorical");
        st->kind = (enum kind)i;
    }
    if (range && (st->kind != NUMERIC || range->kind != PAWL_NODE_SEQ || range->n != 2 ||
                  pawl_node_as_double(range->items[0], &st->lo) < 0 ||
                  pawl_node_as_double(range->items[1], &st->hi) < 0 || !(st->lo < st->hi)))
        return pawl_error_set(err, PAWL_ECONFIG, source, range->line, range->col,
                              st->kind != NUMERIC
                                  ? "'range' is for kind numeric"
                                  : "'range' must be two numbers [low, high] with low < high");
    if (pass && (st->kind != NUMERIC || pawl_node_as_double(pass, &st->pass) < 0 || st->pass < 0 ||
                 st->pass > 1))
        return pawl_error_set(
            err, PAWL_ECONFIG, source, pass->line, pass->col,
            st->kind != NUMERIC ? "'pass' is for kind numeric"
                                : "'pass' must be a number from 0 to 1 (on the normalised score)");
    if ((rc = get_list(&st->categories, &st->n_categories, node, "categories", NULL, 0, source,
                       err)) < 0 ||
        (rc = get_list(&st->passing, &st->n_passing, node, "passing", st->categories,
                       st->n_categories, source, err)) < 0 ||
        (rc = get_list(&st->failure_modes, &st->n_failure_modes, node, "failure_modes",
                       st->categories, st->n_categories, source, err)) < 0)
        return rc;
    if ((st->kind == CATEGORICAL) != (st->categories != NULL))
        return pawl_error_set(err, PAWL_ECONFIG, source, node->line, node->col,
                              st->kind == CATEGORICAL ? "kind categorical needs 'categories'"
                                                      : "'categories' is for kind categorical");
    if (!st->passing && st->kind == CATEGORICAL) {
        /* By default a category passes unless it names a failure mode. */
        st->passing = pawl_xcalloc(st->n_categories + 1, sizeof(*st->passing));
        for (i = 0; i < st->n_categories; i++)
            if (!in_list(st->categories[i], st->failure_modes, st->n_failure_modes))
                st->passing[st->n_passing++] = pawl_xstrdup(st->categories[i]);
    }
    return 0;
}

/* The system message: what the reply must look like for this scorer's kind. */
static char *instructions(const struct state *st)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    size_t i;

    pawl_buf_puts(&b, "You are a careful evaluator. Follow the user's rubric. Reply with one JSON "
                      "object and nothing else: {\"reasoning\": \"<one or two sentences>\", "
                      "\"score\": <score>}, where <score> is ");
    if (st->kind == NUMERIC)
        pawl_buf_printf(&b, "a number from %g (worst) to %g (best).", st->lo, st->hi);
    else if (st->kind == BOOLEAN)
        pawl_buf_puts(&b, "true when the rubric is met, false when it is not.");
    else {
        pawl_buf_puts(&b, "exactly one of these strings:");
        for (i = 0; i < st->n_categories; i++)
            pawl_buf_printf(&b, "%s \"%s\"", i ? "," : "", st->categories[i]);
        pawl_buf_putc(&b, '.');
    }
    return pawl_buf_detach(&b, NULL);
}

static int bind(void *p, const struct pawl_config *cfg, const struct pawl_scorer_config *sc,
                struct pawl_error *err)
{
    struct state *st = p;
    const struct pawl_message_config *rubric = &sc->judge->messages[0];
    int rc;

    st->jcfg = *cfg;
    st->jcfg.task = *sc->judge;
    st->instructions = instructions(st);
    st->msgs[0].role = (char *)"system";
    st->msgs[0].text = st->instructions;
    st->msgs[1] = *rubric;
    st->jcfg.task.messages = st->msgs;
    st->jcfg.task.n_messages = 2;
    if ((rc = pawl_template_compile(&st->templates[0], st->instructions, "llm-judge", 1, 1, err)) <
            0 ||
        (rc = pawl_template_compile(&st->templates[1], rubric->text, rubric->source, rubric->line,
                                    rubric->col, err)) < 0)
        return rc;
    /* OpenAI can be held to JSON; the others are read tolerantly. */
    if (strcmp(sc->judge->provider, "openai") == 0) {
        st->params = sc->judge->params ? json_deep_copy(sc->judge->params) : json_object();
        if (!json_object_get(st->params, "response_format"))
            json_object_set_new(st->params, "response_format",
                                json_pack("{s:s}", "type", "json_object"));
        st->jcfg.task.params = st->params;
    }
    st->env.cfg = &st->jcfg;
    st->env.messages = st->templates;
    st->env.n_messages = 2;
    st->env.no_history = 1;
    st->provider = pawl_provider_find(sc->judge->provider);
    if ((rc = st->provider->init(&st->provider_state, &st->env, err)) < 0) {
        if (st->provider_state && st->provider->free)
            st->provider->free(st->provider_state);
        st->provider = NULL;
        return rc;
    }
    return 0;
}

static int check(const void *p, const json_t *vars, struct pawl_error *err)
{
    const struct state *st = p;
    return st->templates[1] ? pawl_template_check(st->templates[1], vars, err) : 0;
}

static int ready(void *p, struct pawl_error *err)
{
    struct state *st = p;
    return st->provider && st->provider->ready ? st->provider->ready(st->provider_state, err) : 0;
}

/* `len` bytes at `p` as a JSON object, or NULL. */
static json_t *object_at(const char *p, size_t len)
{
    json_t *doc = json_loadb(p, len, 0, NULL);

    if (json_is_object(doc))
        return doc;
    json_decref(doc);
    return NULL;
}

/* The reply's JSON object: the whole text, a fenced block, or the first {...} in it. */
static json_t *find_json(const char *text, size_t len)
{
    const char *fence = strstr(text, "```"), *open = strchr(text, '{'), *close, *body, *end;
    json_t *doc;

    if ((doc = object_at(text, len)) != NULL)
        return doc;
    if (fence && (body = strchr(fence + 3, '\n')) != NULL && (end = strstr(body, "```")) != NULL &&
        (doc = object_at(body, (size_t)(end - body))) != NULL)
        return doc;
    for (close = text + len; close > text && close[-1] != '}'; close--)
        ;
    if (open && close > open)
        return object_at(open, (size_t)(close - open));
    return NULL;
}

/* Reads the judge's reply into the score; returns the flags for pawl_scorer_finish(). */
int pawl_judge_read_reply(const void *p, const char *reply, size_t len, struct pawl_score *out)
{
    const struct state *st = p;
    char q[PAWL_QUOTE_SIZE];
    json_t *doc = find_json(reply, len);
    const json_t *score = json_object_get(doc, "score"), *why = json_object_get(doc, "reasoning");
    const char *reasoning = json_is_string(why) ? json_string_value(why) : "no reasoning given";
    size_t i;

    pawl_scorer_quote(q, reply, len);
    if (!doc) {
        pawl_score_error(out, "judge reply holds no JSON object: %s", q);
    } else if (!score) {
        pawl_score_error(out, "judge reply has no 'score': %s", q);
    } else if (st->kind == NUMERIC) {
        double v = json_number_value(score);
        if (!json_is_number(score) || !isfinite(v))
            pawl_score_error(out, "judge score is not a number: %s", q);
        else if (v < st->lo || v > st->hi)
            pawl_score_error(out, "judge score %g is outside the range %g..%g: %s", v, st->lo,
                             st->hi, q);
        else {
            out->type = PAWL_SCORE_NUMERIC;
            out->value = (v - st->lo) / (st->hi - st->lo);
            out->passed = out->value >= st->pass;
            out->comment = pawl_xasprintf("%g of %g..%g: %s", v, st->lo, st->hi, reasoning);
        }
    } else if (st->kind == BOOLEAN) {
        if (!json_is_boolean(score))
            pawl_score_error(out, "judge score is not true or false: %s", q);
        else {
            out->type = PAWL_SCORE_BOOLEAN;
            out->passed = json_is_true(score);
            out->value = out->passed;
            out->comment = pawl_xasprintf("%s: %s", out->passed ? "met" : "not met", reasoning);
        }
    } else {
        const char *c = json_string_value(score);
        for (i = 0; c && i < st->n_categories && strcasecmp(c, st->categories[i]) != 0; i++)
            ;
        if (!c)
            pawl_score_error(out, "judge score is not a category name: %s", q);
        else if (i == st->n_categories)
            pawl_score_error(out, "judge category '%s' is not one of the 'categories': %s", c, q);
        else {
            out->type = PAWL_SCORE_CATEGORICAL;
            out->category = pawl_xstrdup(st->categories[i]);
            out->passed = in_list(st->categories[i], st->passing, st->n_passing);
            out->value = out->passed;
            out->comment = pawl_xasprintf("%s: %s", st->categories[i], reasoning);
        }
    }
    json_decref(doc);
    return PAWL_SCORER_KEEP_COMMENT;
}

struct judging {
    struct pawl_call call;
    struct pawl_scorer_job *job;
    const struct state *st;
};

static void judged(struct pawl_call *call)
{
    struct judging *j = (struct judging *)call;
    int flags = 0;

    if (call->error)
        pawl_score_error(j->job->out, "judge call failed: %s", call->error);
    else
        flags = pawl_judge_read_reply(j->st, call->output, call->output_len, j->job->out);
    /* A failed call may still have been billed: count what the API reported either way. */
    if (call->has_cost) {
        j->job->out->cost = call->cost;
        j->job->out->has_cost = 1;
    } else if (call->usage &&
               pawl_usage_price(&j->st->jcfg.task, call->usage, &j->job->out->cost) == 0) {
        j->job->out->has_cost = 1;
    }
    if (call->usage && (j->job->out->tokens = pawl_usage_tokens(call->usage)) >= 0)
        j->job->out->has_tokens = 1;
    else
        j->job->out->tokens = 0;
    free(call->output);
    free(call->error);
    json_decref(call->usage);
    pawl_scorer_finish(j->job, flags);
    free(j);
}

static void start(const void *p, struct pawl_scorer_job *job)
{
    const struct state *st = p;
    struct judging *j = pawl_xcalloc(1, sizeof(*j));

    j->job = job;
    j->st = st;
    j->call.vars = job->in->vars;
    j->call.trial = job->trial;
    j->call.cache_dir = job->cache_dir;
    j->call.done = judged;
    j->call.owner = j;
    st->provider->start(st->provider_state, job->loop, &j->call);
}

const struct pawl_scorer_ops pawl_scorer_llm_judge_ops = {
    .type = "llm-judge",
    .keys = keys,
    .init = init,
    .check = check,
    .score = NULL,
    .free = state_free,
    .start = start,
    .bind = bind,
    .ready = ready,
};
