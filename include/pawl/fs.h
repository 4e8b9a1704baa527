/*
 * fs.h - whole-file reads and atomic writes.
 *
 * Results files and baselines are written to a temporary file in the same
 * directory, flushed with fsync and renamed over the target, so a reader
 * (or a killed run) sees either the old file or the new one, never half.
 */
#ifndef PAWL_FS_H
#define PAWL_FS_H

#include <stddef.h>

#include "pawl/buf.h"
#include "pawl/error.h"

/* Appends the file's bytes to `out`; `display` names it in errors. Fails with
 * PAWL_EDATA when the file is larger than `max` bytes (0 = no limit). */
int pawl_fs_read(struct pawl_buf *out, const char *path, const char *display, size_t max,
                 struct pawl_error *err);

/* Creates the parent directories of `path` and atomically replaces it. */
int pawl_fs_write_atomic(const char *path, const void *data, size_t len,
                         struct pawl_error *err);

/*
 * The same in steps, for files written as they are produced (a results file
 * of many cases): open a temporary file beside `path`, write to it (an error
 * is kept and reported by commit), then commit (rename over `path`; with
 * `durable`, fsync first) or abort (remove it). Commit always releases `a`.
 */
struct pawl_fs_atomic {
    int fd;
    char *tmp, *path;
    int errnum; /* first write error */
};
int pawl_fs_atomic_open(struct pawl_fs_atomic *a, const char *path, struct pawl_error *err);
void pawl_fs_atomic_write(struct pawl_fs_atomic *a, const void *data, size_t len);
int pawl_fs_atomic_commit(struct pawl_fs_atomic *a, int durable, struct pawl_error *err);
void pawl_fs_atomic_abort(struct pawl_fs_atomic *a);

/* mkdir -p of every directory in `dir`. */
int pawl_fs_mkdirs(const char *dir, struct pawl_error *err);

/* Joins `base`'s directory part with `rel` ("a/pawl.yaml" + "x" -> "a/x"); `rel`
 * absolute is returned as is. Returns a new string. */
char *pawl_fs_join_dir(const char *file_in_base_dir, const char *rel);

/* `path` as a new absolute path, against the current directory when relative (neither
 * normalised nor resolved); NULL when the current directory cannot be had. */
char *pawl_fs_absolute(const char *path);

/* Collapses ".", ".." and repeated slashes of the absolute `path` in place, lexically
 * (symlinks are not resolved): "/a/./b//../c" -> "/a/c"; ".." at the root stays there. */
void pawl_fs_normalize(char *path);

#endif
