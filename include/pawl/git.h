/*
 * git.h - the few git facts pawl needs, through libgit2 (no `git` binary).
 *
 * A file "at a ref" is read from the object database without touching the
 * working tree, so `dataset.ref: origin/main` works in a dirty checkout.
 */
#ifndef PAWL_GIT_H
#define PAWL_GIT_H

#include <stddef.h>

#include "pawl/buf.h"
#include "pawl/error.h"

#define PAWL_GIT_OID_HEX 41 /* 40 hex digits + NUL */

/* libgit2's last error message, translated once here; never NULL. */
const char *pawl_git_error_message(void);

/* The blob id git would give these bytes (`git hash-object`). */
void pawl_git_hash_blob(char out[PAWL_GIT_OID_HEX], const void *data, size_t len);

/*
 * Reads `fs_path` (a working-tree path, relative to the current directory or
 * absolute) as committed at revision `ref` of the repository that contains
 * it, appending the bytes to `out` and writing the blob id to `blob`.
 * `display` names the file in errors. Unknown revisions and paths missing at
 * that revision are PAWL_EDATA with a message naming both; no repository is
 * PAWL_EDATA too.
 */
int pawl_git_read_at_ref(struct pawl_buf *out, char blob[PAWL_GIT_OID_HEX], const char *fs_path,
                         const char *ref, const char *display, struct pawl_error *err);

/*
 * Writes the whole tree of revision `ref`, of the repository containing
 * `fs_path`, into the directory `target` (without touching the user's work
 * tree or index), and sets *out_rel to `fs_path` relative to the
 * repository root (heap string). Used to run a baseline exactly as it was.
 */
int pawl_git_export_tree(char **out_rel, const char *fs_path, const char *ref, const char *target,
                         struct pawl_error *err);

/*
 * `fs_path` relative to the root of the working tree that contains it, as
 * a heap string in *out ("evals/qa.jsonl"); the file itself need not exist.
 * Used to name dataset files in CI annotations. A path outside any work
 * tree is PAWL_EDATA.
 */
int pawl_git_repo_relative(char **out, const char *fs_path, struct pawl_error *err);

struct pawl_git_info {
    int present;                  /* 0 when `dir` is not inside a repository */
    char commit[PAWL_GIT_OID_HEX]; /* HEAD commit, "" on an unborn branch */
    char *ref;                    /* branch name ("main"), or NULL when detached */
    int dirty;                    /* tracked files differ from HEAD */
};

/* Describes the repository containing `dir`; never fails (present = 0). */
void pawl_git_describe(struct pawl_git_info *out, const char *dir);
void pawl_git_info_release(struct pawl_git_info *info);

#endif
