/*
 * run.h - running the candidate over the cases and scoring every output.
 *
 * Calls go through the provider on one event loop with at most
 * `concurrency` in flight; each completed call is scored at once and its
 * output dropped from the call (only the results keep it). Results are in
 * dataset order whatever order calls finish in.
 *
 * A run fails (PAWL_EINFRA) only when the share of errored calls passes
 * run.max_error_rate; otherwise errored calls are recorded and the gate
 * decides. Setting *stop (from a signal handler) stops issuing calls,
 * kills those in flight and returns PAWL_EINTR with partial results
 * marked interrupted.
 */
#ifndef PAWL_RUN_H
#define PAWL_RUN_H

#include <signal.h>

#include "pawl/error.h"
#include "pawl/results.h"
#include "pawl/suite.h"

struct pawl_run_options {
    long concurrency;   /* 0 = config */
    long repeat;        /* 0 = config */
    const char *filter; /* fnmatch(3) pattern over case ids, or NULL */
    unsigned shard_index, shard_count; /* 1-based index of count; count 0 = no sharding */
    int no_cache;       /* bypass run.cache: neither read nor write it */
    volatile sig_atomic_t *stop;
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
};

/* Does `id` belong to shard `index` (1-based) of `count`? Stable across runs and machines. */
int pawl_run_in_shard(const char *id, unsigned index, unsigned count);

/* Fills caller-initialised `out` (pawl_results_init). Zero selected cases is PAWL_EUSAGE. */
int pawl_run_execute(struct pawl_results *out, struct pawl_suite *suite,
                     const struct pawl_run_options *opts, struct pawl_error *err);

/*
 * Runs `suite`'s task and `base_task`'s task (a suite loaded from the
 * baseline revision) over the same selected cases, interleaved call by
 * call, both scored by `suite`'s scorers, into `out` and `base_out`. The
 * baseline results carry `suite`'s dataset and scorers fingerprints, so the
 * two are comparable by construction.
 */
int pawl_run_execute_paired(struct pawl_results *out, struct pawl_results *base_out,
                            struct pawl_suite *suite, struct pawl_suite *base_task,
                            const struct pawl_run_options *opts, struct pawl_error *err);

#endif
