/*
 * provider.h - what produces an output for a case: the candidate under test.
 *
 * Providers are a static table of ops (src/provider.c), one file each in
 * src/providers/. A provider starts a call on the shared event loop and
 * reports completion through `call->done`, which may run synchronously
 * inside start() (echo, outputs) or later from pawl_loop_step() (exec,
 * HTTP). A failed call is not an error of the run: it sets `call->error`
 * and the runner counts it against run.max_error_rate.
 */
#ifndef PAWL_PROVIDER_H
#define PAWL_PROVIDER_H

#include <jansson.h>
#include <stddef.h>

#include "pawl/config.h"
#include "pawl/dataset.h"
#include "pawl/error.h"
#include "pawl/loop.h"
#include "pawl/template.h"

/* Agents' stdout and HTTP response bodies beyond this are a per-call error. */
#define PAWL_PROVIDER_MAX_OUTPUT (16u * 1024u * 1024u)

struct pawl_call {
    const struct pawl_case *c;
    const json_t *vars; /* the case's template variables */
    unsigned trial;     /* 0-based trial index */
    const char *cache_dir; /* response cache directory, or NULL: no cache for this run */

    /* Filled by the provider before done(): */
    char *output;       /* heap, NUL-terminated; NULL when error is set */
    size_t output_len;
    long latency_ms;
    json_t *usage;      /* owned reference or NULL */
    double cost;
    int has_cost;
    char *error;        /* heap message when the call failed */
    int cached;         /* the answer came from the response cache */

    void (*done)(struct pawl_call *call);
    void *owner;        /* the runner's bookkeeping */
};

struct pawl_provider_env {
    const struct pawl_config *cfg;
    struct pawl_template *const *messages; /* compiled task messages, cfg order */
    size_t n_messages;
    /* Set for judges: they grade a conversation through their rubric and must not
     * continue it, so a case's input.messages is never spliced into their chat. */
    int no_history;
};

struct pawl_provider_ops {
    const char *name;
    int (*init)(void **state, const struct pawl_provider_env *env, struct pawl_error *err);
    /* Validate-time check of one case (e.g. the outputs field exists); may be NULL. */
    int (*check)(const void *state, const struct pawl_case *c, struct pawl_error *err);
    /* Run-time needs that `validate` must not require (an API key in the
     * environment); called once before the first call. May be NULL. */
    int (*ready)(void *state, struct pawl_error *err);
    void (*start)(void *state, struct pawl_loop *loop, struct pawl_call *call);
    void (*free)(void *state);
};

/* The ops for `name`, or NULL. */
const struct pawl_provider_ops *pawl_provider_find(const char *name);

/* Sets call->error from a format and completes the call. */
void pawl_call_fail(struct pawl_call *call, const char *fmt, ...) PAWL_PRINTF(2, 3);

/* Renders the task messages for a case: role + text pairs in a JSON array
 * [{"role": ..., "content": ...}]; new reference, or NULL with `err` set. */
json_t *pawl_provider_render_messages(const struct pawl_provider_env *env, const json_t *vars,
                                      struct pawl_error *err);

/*
 * Conversational cases. A case whose `input.messages` is a list of
 * {role: system|user|assistant, content: string} carries a chat history,
 * and the chat providers (openai, anthropic, echo) send it as prior turns:
 * the task's leading system messages (those before its first other
 * message), then the history, then the rest of the task's messages
 * (typically the user template). When the task has only system messages,
 * the history's last turn is what the model answers. The history is left
 * out when a task template names `input.messages` (or a path under it):
 * the template then places it, and it is not sent twice. A judge never
 * gets it as turns; its rubric sees the case through templates.
 */

/* True when calls through `env` splice the case's history in: the env is the
 * task's (a judge's carries its scorer's `judge:` mapping) and no task
 * template names input.messages. Fixed for an env: providers ask once. */
int pawl_provider_uses_history(const struct pawl_provider_env *env);

/* The case's history: input.messages of the template variables (borrowed),
 * or NULL when the case has none (input is no object, or has no messages). */
const json_t *pawl_provider_history(const json_t *vars);

/*
 * Validate-time check that case `c`'s input.messages, when present, is a
 * history; PAWL_EDATA at the dataset file and the record's line (`dataset`
 * names it), e.g. `'input.messages[2].role' must be system, user or
 * assistant, got 'tool'`.
 */
int pawl_provider_check_history(const struct pawl_case *c, const char *dataset,
                                struct pawl_error *err);

/* How many of the task messages go before the history: the leading system ones. */
size_t pawl_provider_history_at(const struct pawl_provider_env *env);

/* pawl_provider_render_messages() with `history` (NULL for none) spliced in at
 * pawl_provider_history_at(); the history's messages are copied as role +
 * content. New reference, or NULL with `err` set (also for a malformed history). */
json_t *pawl_provider_render_chat(const struct pawl_provider_env *env, const json_t *vars,
                                  const json_t *history, struct pawl_error *err);

#endif
