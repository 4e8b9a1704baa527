/*
 * loop_impl.h - the event loop's state, shared by loop.c (children) and
 * http.c (transfers). Nothing outside those two files includes it.
 */
#ifndef PAWL_LOOP_IMPL_H
#define PAWL_LOOP_IMPL_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "pawl/loop.h"

struct proc;
struct pawl_http_xfer;

struct pawl_loop {
    CURLM *multi;
    struct proc **procs;
    size_t n_procs, alloc_procs;
    struct curl_waitfd *fds;
    size_t alloc_fds;

    struct pawl_http_xfer **xfers; /* transfers running or waiting to retry */
    size_t n_xfers, alloc_xfers;
    CURL **idle;                   /* finished easy handles, reset for reuse */
    size_t n_idle, alloc_idle;
    char **answered;               /* origins that have answered on this loop */
    size_t n_answered, alloc_answered;
    uint64_t rng;                  /* jitter for retry waits */
    char *last_url, *last_origin;  /* origin_of() of the last URL started */
};

/* Milliseconds until the earliest retry is due (0 if overdue), or -1 when none waits. */
long pawl_http_next_timer(const struct pawl_loop *loop, long now);
/* Collects finished attempts, starts due retries and completes transfers. */
void pawl_http_process(struct pawl_loop *loop);
/* Completes every transfer as cancelled. */
void pawl_http_cancel_all(struct pawl_loop *loop);
/* Frees transfers (without callbacks) and the handle pool. */
void pawl_http_free_all(struct pawl_loop *loop);

#endif
