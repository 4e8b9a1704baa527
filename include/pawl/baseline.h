/*
 * baseline.h - where the run to compare against comes from.
 *
 * A baseline is a results file promoted earlier (`pawl baseline promote`),
 * read from the working tree or, with a git revision, as committed there
 * (no checkout). With `baseline.rerun`, the baseline is instead the task as
 * it was at the revision: the revision's tree is exported to a temporary
 * directory and its config's task is loaded from there, so prompts, agents
 * and parameters are exactly the old ones.
 */
#ifndef PAWL_BASELINE_H
#define PAWL_BASELINE_H

#include "pawl/error.h"
#include "pawl/results.h"
#include "pawl/suite.h"

struct pawl_baseline_spec {
    char *path;  /* file system path of the results file */
    char *ref;   /* git revision, or NULL for the working tree */
    char *label; /* how reports name it: "FILE" or "REF:FILE" */
};

/*
 * Parses a --baseline argument: an existing file is FILE; otherwise
 * REF:PATH splits at the first ':' (PATH relative to the current directory);
 * anything else is FILE (and fails to load with a clear message).
 */
void pawl_baseline_spec_from_arg(struct pawl_baseline_spec *out, const char *arg);
/* From the config's `baseline.file` / `baseline.ref`; `path` is already resolved. */
void pawl_baseline_spec_from_config(struct pawl_baseline_spec *out, const char *path,
                                    const char *ref);
void pawl_baseline_spec_release(struct pawl_baseline_spec *spec);

/* Loads the baseline results; a missing file says how to create one (PAWL_EDATA). */
int pawl_baseline_load(struct pawl_results *out, const struct pawl_baseline_spec *spec,
                       struct pawl_error *err);

/*
 * Exports revision `ref` of the repository holding `config_path` to a new
 * temporary directory and loads the config found at the same place there.
 * *tmpdir receives the directory (remove it with pawl_baseline_remove_tree),
 * also on failure when it was created.
 */
int pawl_baseline_load_task(struct pawl_suite *out, char **tmpdir, const char *config_path,
                            const char *ref, struct pawl_error *err);

/* rm -rf of a directory pawl created; never follows symbolic links. */
void pawl_baseline_remove_tree(const char *dir);

/*
 * Copies a results file to `to` atomically, refusing an interrupted run,
 * an errored run or one with errored calls (PAWL_EDATA).
 */
int pawl_baseline_promote(const char *results_path, const char *to, struct pawl_error *err);

#endif
