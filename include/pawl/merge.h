/*
 * merge.h - joining the shards of a run split across a CI matrix.
 *
 * `pawl run --shard I/N` runs a stable hash partition of the case ids
 * (run.h, pawl_run_in_shard). Merging the N results files gives back the
 * run one job would have written over the same outputs: the cases in
 * dataset order, the metrics, the comparison with the baseline and the
 * gate recomputed over all of them. Only the run id (the first shard's),
 * the start time (the earliest) and the duration (the longest shard) tell
 * the merged file from an unsharded one, besides the latencies.
 *
 * Shards are only merged when they ran the same thing: the same suite,
 * dataset blob, task and scorers fingerprints, scorer names and trials per
 * case, none interrupted, and no case in two shards. Anything else is
 * PAWL_EDATA naming the shards involved, e.g.
 * `case 'q7' appears in both 'shard1.json' and 'shard3.json'`.
 *
 * Ownership: `out` is caller-initialised (pawl_results_init) and owns deep
 * copies of everything it takes from the shards, which are left untouched.
 */
#ifndef PAWL_MERGE_H
#define PAWL_MERGE_H

#include <stddef.h>

#include "pawl/config.h"
#include "pawl/dataset.h"
#include "pawl/error.h"
#include "pawl/results.h"

struct pawl_merge_options {
    /* names[i] names shards[i] in errors (the CLI passes the file paths);
     * NULL names them by position: '1', '2', ... */
    const char *const *names;
    /* Optional: the dataset the shards ran on. When its blob is theirs, the
     * merged cases take its order exactly; without it they are ordered by
     * dataset line, then id, which is the same order unless several records
     * share a line (a one-line JSON array). */
    const struct pawl_dataset *dataset;
};

/*
 * Merges `n` shards into `out`: the header of the first shard (but the
 * earliest start and the longest duration), every case deep-copied into
 * dataset order, no metrics, rules, comparison or verdict (the shards' are
 * dropped: pawl_merge_gate() recomputes them). `opts` may be NULL.
 * Zero shards is PAWL_EUSAGE; shards that do not belong together are
 * PAWL_EDATA, with `out` left empty.
 */
int pawl_results_merge(struct pawl_results *out, const struct pawl_results *shards, size_t n,
                       const struct pawl_merge_options *opts, struct pawl_error *err);

/*
 * Gates merged results as `pawl run` gates a run with `cfg` (gate rules and
 * confidence, run.max_error_rate, task.provider for the message):
 *  - when the share of errored calls over all cases passes
 *    run.max_error_rate, metrics and rules are computed, no comparison is
 *    made (a run makes none either), the verdict is "error" and the return
 *    is PAWL_EINFRA with run's message;
 *  - otherwise, with `base`, r gets a comparison labelled `base_label`
 *    (pawl_compare: another dataset or other scorers are PAWL_EDATA unless
 *    `allow_dataset_change`, and r is then left ungated), and then metrics,
 *    rules and a "pass" or "fail" verdict (pawl_gate_evaluate).
 * Any comparison r held before is dropped.
 */
int pawl_merge_gate(struct pawl_results *r, const struct pawl_config *cfg,
                    const struct pawl_results *base, const char *base_label,
                    int allow_dataset_change, struct pawl_error *err);

#endif
