/*
 * loop.h - the one event loop every call runs on.
 *
 * Exec agents are child processes whose pipes are polled together with the
 * HTTP transfers of a CURLM (curl_multi_poll with extra_fds), so a run has
 * no threads and one place that waits. The loop owns the children: it feeds
 * stdin, drains stdout (capped) and stderr (tail kept), enforces the
 * per-call timeout by killing the child's process group, reaps it and calls
 * the completion callback exactly once.
 *
 * Ownership: pawl_loop_new() returns a heap loop for pawl_loop_free(),
 * which kills and reaps any child still running.
 */
#ifndef PAWL_LOOP_H
#define PAWL_LOOP_H

#include <stddef.h>

#include "pawl/buf.h"
#include "pawl/error.h"

struct pawl_loop;

struct pawl_proc_result {
    int spawned;        /* 0 when the program could not be started (see `error`) */
    int exited;         /* exited normally with `status` */
    int status;
    int signal;         /* killed by this signal (0 otherwise) */
    int timed_out;
    int overflow;       /* stdout passed the cap; the child was killed */
    long elapsed_ms;
    struct pawl_buf *out;     /* stdout bytes (borrowed for the callback's duration) */
    struct pawl_buf *err_tail; /* the last bytes of stderr */
    const char *error;  /* why it could not start, or NULL */
};

typedef void (*pawl_proc_done_fn)(void *ctx, const struct pawl_proc_result *res);

struct pawl_loop *pawl_loop_new(void);
void pawl_loop_free(struct pawl_loop *loop);

/* The CURLM the loop polls; HTTP providers add easy handles to it. */
void *pawl_loop_curl_multi(struct pawl_loop *loop);

/*
 * Starts `argv` in `cwd` (NULL = current) in its own process group with
 * `input` on stdin. `timeout_ms` > 0 bounds wall time; stdout beyond
 * `max_out` bytes kills the child. `done` runs from pawl_loop_step().
 * Failing to start the program is not an error here: the callback gets
 * spawned = 0 and a message.
 */
void pawl_loop_spawn(struct pawl_loop *loop, char *const argv[], const char *cwd,
                     const char *input, size_t input_len, long timeout_ms, size_t max_out,
                     pawl_proc_done_fn done, void *ctx);

/* Calls still in flight: children, and HTTP transfers running or waiting to retry (http.h). */
size_t pawl_loop_pending(const struct pawl_loop *loop);

/* Waits up to `max_wait_ms` for progress and dispatches completions. */
int pawl_loop_step(struct pawl_loop *loop, int max_wait_ms, struct pawl_error *err);

/* Kills every child (SIGKILL to its process group); their callbacks run with signal set.
 * HTTP transfers are stopped and complete at once, marked cancelled. */
void pawl_loop_cancel_all(struct pawl_loop *loop);

/* Monotonic milliseconds. */
long pawl_loop_now_ms(void);

#endif
