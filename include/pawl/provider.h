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

#endif
