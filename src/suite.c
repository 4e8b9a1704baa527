#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pawl/alloc.h"
#include "pawl/suite.h"

void pawl_sha256_hex(char out[65], const void *data, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;

    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    for (i = 0; i < n && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[64] = '\0';
}

static void fingerprint_json(char out[65], json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    pawl_sha256_hex(out, text, strlen(text));
    free(text);
    json_decref(doc);
}

/* Header names whose values are credentials by convention. */
static int secret_header(const char *name)
{
    static const char *const words[] = {"auth", "key", "token", "secret", "cookie", "password",
                                        NULL};
    size_t i, j, n = strlen(name);

    for (i = 0; words[i]; i++)
        for (j = 0; j + strlen(words[i]) <= n; j++)
            if (strncasecmp(name + j, words[i], strlen(words[i])) == 0)
                return 1;
    return 0;
}

/*
 * What the candidate is: everything that shapes the calls, never secrets
 * (the key's variable name is configuration, its value is not read here;
 * a credential written into `headers:` with ${VAR} is left out by name).
 */
static void task_fingerprint(struct pawl_suite *s)
{
    const struct pawl_task_config *t = &s->cfg.task;
    json_t *doc = pawl_node_to_json(t->node);
    json_t *msgs = json_array(), *headers = json_object_get(doc, "headers"), *v;
    const char *name;
    size_t i;

    json_object_foreach(headers, name, v)
        if (secret_header(name))
            json_object_set_new(headers, name, json_string("(secret)"));

    for (i = 0; i < t->n_messages; i++)
        json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", t->messages[i].role,
                                              "text", t->messages[i].text));
    json_object_set_new(doc, "rendered_messages", msgs);
    fingerprint_json(s->task_fingerprint, doc);
}

static void scorers_fingerprint(struct pawl_suite *s)
{
    json_t *doc = json_array();
    size_t i;

    for (i = 0; i < s->cfg.n_scorers; i++) {
        json_t *scorer = pawl_node_to_json(s->cfg.scorers[i].node);
        /* A description documents the scorer; rewording it must not orphan a baseline. */
        json_object_del(scorer, "description");
        json_array_append_new(doc, scorer);
    }
    fingerprint_json(s->scorers_fingerprint, doc);
}

int pawl_suite_load(struct pawl_suite *out, const char *config_path, struct pawl_error *err)
{
    const struct pawl_task_config *t;
    int rc;
    size_t i;

    memset(out, 0, sizeof(*out));
    if ((rc = pawl_config_load(&out->cfg, config_path, err)) < 0)
        return rc;
    t = &out->cfg.task;

    out->provider = pawl_provider_find(t->provider);
    if (!out->provider) {
        const struct pawl_node *v = pawl_node_get(t->node, "provider");
        return pawl_error_set(err, PAWL_ECONFIG, out->cfg.path, v ? v->line : t->line,
                              v ? v->col : t->col,
                              "provider '%s' is not available in this version of pawl",
                              t->provider);
    }

    out->messages = pawl_xcalloc(t->n_messages + 1, sizeof(*out->messages));
    for (i = 0; i < t->n_messages; i++) {
        const struct pawl_message_config *m = &t->messages[i];
        if ((rc = pawl_template_compile(&out->messages[i], m->text, m->source, m->line, m->col,
                                        err)) < 0)
            return rc;
        out->n_messages++;
    }

    out->scorers = pawl_xcalloc(out->cfg.n_scorers + 1, sizeof(*out->scorers));
    for (i = 0; i < out->cfg.n_scorers; i++) {
        if ((rc = pawl_scorer_new(&out->scorers[i], &out->cfg.scorers[i], out->cfg.path, err)) <
            0)
            return rc;
        out->n_scorers++;
        if ((rc = pawl_scorer_bind(out->scorers[i], &out->cfg, err)) < 0)
            return rc;
    }

    out->env.cfg = &out->cfg;
    out->env.messages = out->messages;
    out->env.n_messages = out->n_messages;
    if ((rc = out->provider->init(&out->provider_state, &out->env, err)) < 0) {
        /* init may have built part of its state before failing. */
        if (out->provider_state && out->provider->free)
            out->provider->free(out->provider_state);
        out->provider = NULL;
        return rc;
    }

    if ((rc = pawl_dataset_load(&out->dataset, out->cfg.dataset.fs_path, out->cfg.dataset.path,
                                out->cfg.dataset.ref, out->cfg.dataset.id_field, err)) < 0)
        return rc;

    task_fingerprint(out);
    scorers_fingerprint(out);
    return 0;
}

/* Re-reports a template error with the case that exposed it. */
static int case_error(struct pawl_error *err, const struct pawl_error *inner,
                      const struct pawl_suite *s, const struct pawl_case *c)
{
    return pawl_error_set(err, PAWL_ECONFIG, inner->source, inner->line, inner->col,
                          "%s (case '%s' at %s:%d)", inner->msg, c->id, s->dataset.path, c->line);
}

int pawl_suite_check(const struct pawl_suite *s, struct pawl_error *err)
{
    struct pawl_error inner;
    size_t ci, i;
    int rc = 0;

    for (ci = 0; ci < s->dataset.n_cases && rc == 0; ci++) {
        const struct pawl_case *c = &s->dataset.cases[ci];
        json_t *vars = pawl_case_vars(c);

        pawl_error_init(&inner);
        for (i = 0; i < s->n_messages && rc == 0; i++)
            if (pawl_template_check(s->messages[i], vars, &inner) < 0)
                rc = case_error(err, &inner, s, c);
        if (rc == 0 && s->provider->check && s->provider->check(s->provider_state, c, err) < 0)
            rc = err->code;
        /* Scorers also see the output; any string stands in for it here. */
        json_object_set_new(vars, "output", json_string(""));
        for (i = 0; i < s->n_scorers && rc == 0; i++)
            if (pawl_scorer_check(s->scorers[i], vars, &inner) < 0)
                rc = case_error(err, &inner, s, c);
        json_decref(vars);
    }
    return rc;
}

void pawl_suite_release(struct pawl_suite *s)
{
    size_t i;

    if (s->provider && s->provider->free)
        s->provider->free(s->provider_state);
    for (i = 0; i < s->n_scorers; i++)
        pawl_scorer_free(s->scorers[i]);
    free(s->scorers);
    for (i = 0; i < s->n_messages; i++)
        pawl_template_free(s->messages[i]);
    free(s->messages);
    pawl_dataset_release(&s->dataset);
    pawl_config_release(&s->cfg);
    memset(s, 0, sizeof(*s));
}
