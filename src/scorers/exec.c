/*
 * exec: the escape hatch for custom scorers. A user's command (argv, no
 * shell) runs in the config's directory with the case and the output as one
 * line of JSON on stdin ({id, input, output, expected_output, metadata,
 * trial}) and answers on stdout with {"score": 0..1, "passed": bool,
 * "comment": "..."}: `score` makes a NUMERIC score (passing at `pass`,
 * default 0.5, unless `passed` says otherwise), `passed` alone a BOOLEAN
 * one. Anything else, a non-zero exit or a timeout is an errored score
 * that quotes what the command said: never a silent 0.
 */
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/config.h"
#include "pawl/loop.h"
#include "scorer_impl.h"

/* A scorer answers with a line of JSON; more than this is a broken scorer. */
#define EXEC_SCORER_MAX_OUT (1024u * 1024u)

struct state {
    char **argv;
    size_t argc;
    double pass;
    const char *cwd; /* from bind(): the config's directory */
    long timeout_ms;
};

static const char *const keys[] = {"command", "pass", NULL};

static void state_free(void *p)
{
    struct state *st = p;
    size_t i;

    if (!st)
        return;
    for (i = 0; i < st->argc; i++)
        free(st->argv[i]);
    free(st->argv);
    free(st);
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));
    const struct pawl_node *cmd = pawl_node_get(node, "command"),
                           *pass = pawl_node_get(node, "pass");
    size_t i;

    *out = st;
    st->pass = 0.5;
    if (!cmd)
        return pawl_error_set(err, PAWL_ECONFIG, source, node->line, node->col,
                              "missing required key 'command'");
    if (cmd->kind != PAWL_NODE_SEQ || cmd->n == 0)
        return pawl_error_set(err, PAWL_ECONFIG, source, cmd->line, cmd->col,
                              "'command' must be a non-empty list of strings (argv, no shell)");
    st->argv = pawl_xcalloc(cmd->n + 1, sizeof(*st->argv));
    for (i = 0; i < cmd->n; i++) {
        const struct pawl_node *a = cmd->items[i];
        if (a->kind != PAWL_NODE_SCALAR || !a->value)
            return pawl_error_set(err, PAWL_ECONFIG, source, a->line, a->col,
                                  "'command' items must be strings");
        st->argv[st->argc++] = pawl_xstrdup(a->value);
    }
    if (pass && (pawl_node_as_double(pass, &st->pass) < 0 || st->pass < 0 || st->pass > 1))
        return pawl_error_set(err, PAWL_ECONFIG, source, pass->line, pass->col,
                              "'pass' must be a number from 0 to 1");
    return 0;
}

static int bind(void *p, const struct pawl_config *cfg, const struct pawl_scorer_config *sc,
                struct pawl_error *err)
{
    struct state *st = p;

    (void)sc;
    (void)err;
    st->cwd = cfg->dir;
    st->timeout_ms = cfg->run.timeout_ms;
    return 0;
}

/* The text for a comment: at most 300 bytes of what the command printed, on one line. */
static char *excerpt(const char *s, size_t len)
{
    char q[PAWL_QUOTE_SIZE];

    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' '))
        len--;
    return pawl_xstrdup(pawl_scorer_quote(q, s, len));
}

static int read_answer(struct pawl_score *out, const struct state *st, const struct pawl_buf *b)
{
    json_t *doc = json_loadb(b->ptr, b->len, 0, NULL);
    const json_t *score = json_object_get(doc, "score"), *passed = json_object_get(doc, "passed"),
                 *comment = json_object_get(doc, "comment");
    char *said = excerpt(b->ptr, b->len);
    int rc = -1;

    if (!json_is_object(doc))
        pawl_score_error(out, "scorer printed no JSON object: %s", said);
    else if (score && (!json_is_number(score) || json_number_value(score) < 0 ||
                       json_number_value(score) > 1))
        pawl_score_error(out, "scorer's 'score' must be a number from 0 to 1: %s", said);
    else if (passed && !json_is_boolean(passed))
        pawl_score_error(out, "scorer's 'passed' must be true or false: %s", said);
    else if (!score && !passed)
        pawl_score_error(out, "scorer's JSON has neither 'score' nor 'passed': %s", said);
    else if (comment && !json_is_string(comment) && !json_is_null(comment))
        pawl_score_error(out, "scorer's 'comment' must be a string: %s", said);
    else {
        const char *text = json_string_value(comment);
        if (score) {
            out->type = PAWL_SCORE_NUMERIC;
            out->value = json_number_value(score);
            out->passed = passed ? json_is_true(passed) : out->value >= st->pass;
        } else {
            out->type = PAWL_SCORE_BOOLEAN;
            out->passed = json_is_true(passed);
            out->value = out->passed;
        }
        free(out->comment);
        out->comment = text && *text ? pawl_xstrdup(text)
                       : score       ? pawl_xasprintf("score %.3g %s %.3g", out->value,
                                                out->value >= st->pass ? ">=" : "<", st->pass)
                               : pawl_xstrdup(out->passed ? "scorer passed" : "scorer failed");
        rc = 0;
    }
    free(said);
    json_decref(doc);
    return rc;
}

struct run {
    struct pawl_scorer_job *job;
    const struct state *st;
};

static void finished(void *ctx, const struct pawl_proc_result *res)
{
    struct run *run = ctx;
    struct pawl_score *out = run->job->out;
    char *tail = res->err_tail && res->err_tail->len
                     ? excerpt(res->err_tail->ptr, res->err_tail->len)
                     : NULL;
    int flags = PAWL_SCORER_KEEP_COMMENT;

    if (!res->spawned)
        pawl_score_error(out, "scorer command failed: %s", res->error);
    else if (res->overflow)
        pawl_score_error(out, "scorer printed more than %u bytes", EXEC_SCORER_MAX_OUT);
    else if (res->timed_out)
        pawl_score_error(out, "scorer timed out after %ld ms", run->st->timeout_ms);
    else if (res->signal)
        pawl_score_error(out, "scorer was killed by signal %d%s%s", res->signal, tail ? ": " : "",
                         tail ? tail : "");
    else if (res->status != 0)
        pawl_score_error(out, "scorer exited with status %d%s%s", res->status, tail ? ": " : "",
                         tail ? tail : "");
    else
        read_answer(out, run->st, res->out);
    free(tail);
    pawl_scorer_finish(run->job, flags);
    free(run);
}

static void start(const void *p, struct pawl_scorer_job *job)
{
    const struct state *st = p;
    const json_t *v = job->in->vars;
    struct run *run = pawl_xcalloc(1, sizeof(*run));
    json_t *in =
        json_pack("{s:O?, s:O?, s:s%, s:O?, s:O?, s:i}", "id", json_object_get(v, "id"), "input",
                  json_object_get(v, "input"), "output", job->in->output, job->in->output_len,
                  "expected_output", json_object_get(v, "expected_output"), "metadata",
                  json_object_get(v, "metadata"), "trial", (int)job->trial);
    char *text;
    size_t len;

    if (!in) { /* cannot happen: the runner hands over valid UTF-8 */
        free(run);
        pawl_score_error(job->out, "cannot encode the case for the scorer");
        pawl_scorer_finish(job, 0);
        return;
    }
    text = json_dumps(in, JSON_COMPACT);
    len = strlen(text);
    run->job = job;
    run->st = st;
    text = pawl_xrealloc(text, len + 2);
    text[len++] = '\n';
    text[len] = '\0';
    pawl_loop_spawn(job->loop, st->argv, st->cwd, text, len, st->timeout_ms, EXEC_SCORER_MAX_OUT,
                    finished, run);
    free(text);
    json_decref(in);
}

const struct pawl_scorer_ops pawl_scorer_exec_ops = {
    .type = "exec",
    .keys = keys,
    .init = init,
    .check = NULL,
    .score = NULL,
    .free = state_free,
    .start = start,
    .bind = bind,
};
