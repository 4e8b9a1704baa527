/*
 * Shared test helpers: assertions that print pawl's error on failure, and the
 * scaffolding every suite needs (scratch directories, files, shell commands,
 * golden files), implemented once in helpers.c.
 */
#ifndef PAWL_TEST_HELPERS_H
#define PAWL_TEST_HELPERS_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "pawl/error.h"

/* Asserts `expr` returned 0 and prints the formatted pawl_error otherwise. */
#define PAWL_ASSERT_OK(expr, errp)                                                             \
    do {                                                                                       \
        int rc_ = (expr);                                                                      \
        if (rc_ != 0) {                                                                        \
            char msg_[2048];                                                                   \
            pawl_error_format((errp), msg_, sizeof(msg_));                                     \
            ck_abort_msg("%s failed (%d): %s", #expr, rc_, msg_);                              \
        }                                                                                      \
    } while (0)

/* Asserts `expr` failed with `code` and the formatted error equals `want`. */
#define PAWL_ASSERT_ERR(expr, errp, code, want)                                                \
    do {                                                                                       \
        int rc_ = (expr);                                                                      \
        char msg_[2048];                                                                       \
        pawl_error_format((errp), msg_, sizeof(msg_));                                         \
        ck_assert_msg(rc_ == (code), "%s returned %d, want %d (%s)", #expr, rc_, (code), msg_); \
        ck_assert_str_eq(msg_, (want));                                                        \
    } while (0)

/* Runs a suite in the usual way and returns the process exit status. */
static inline int pawl_test_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

/*
 * Scratch directories. A suite that writes files makes one root per run in an
 * unchecked fixture (the parent process) and one directory per test inside it
 * in a checked fixture: a test whose assertion fails exits before its own
 * teardown, so removing the root afterwards cleans up after it too.
 */

/* PAWL_TEST_TMP/<name>-XXXXXX, made along with PAWL_TEST_TMP. Aborts on failure, since
 * Check's asserts only work inside a test. The caller frees the path. */
char *pawl_test_scratch_root(const char *name);

/* A fresh <parent>/<name>-XXXXXX (`parent` is made first), asserting it could be made. The
 * caller frees the path. */
char *pawl_test_scratch_dir(const char *parent, const char *name);

/* Removes `path` and everything below it without following symlinks, like rm -rf: a
 * missing path is not an error. Returns 0, or -1 when something could not be removed. */
int pawl_test_remove_tree(const char *path);

/* Removes the tree *dir names, frees *dir and sets it to NULL; NULL is a no-op. */
void pawl_test_scratch_remove(char **dir);

/* For the teardown of tests that change directory: returns to *cwd (saved with getcwd by the
 * setup), failing the test if it cannot, then removes the tree *dir names. Frees both and sets
 * them to NULL; a NULL one is left alone. */
void pawl_test_scratch_leave(char **cwd, char **dir);

/* Files: each asserts that the operation worked. */

/* The whole file, as a NUL-terminated string the caller frees. */
char *pawl_test_read_file(const char *path);

/* Replaces `path` with `text` (pawl_fs_write_atomic, which makes the directories). */
void pawl_test_write_file(const char *path, const char *text);

/* Replaces <dir>/<rel> with `text`. */
void pawl_test_write_at(const char *dir, const char *rel, const char *text);

/* <dir>/<name> with `dir` made first; the caller frees the path. */
char *pawl_test_tmp_path(const char *dir, const char *name);

/* Asserts `got` equals the golden file tests/data/report/<name>; with PAWL_UPDATE_GOLDEN set
 * in the environment it rewrites the file first, to accept a change on purpose. */
void pawl_test_assert_golden(const char *name, const char *got);

/* Shell commands, through /bin/sh; `fmt` is printf-like, quote what it inserts. */

/* Runs the command and asserts it exits with status 0. */
void pawl_test_sh(const char *fmt, ...) PAWL_PRINTF(1, 2);

/* Runs the command, asserts it exits with status 0 and returns its whole stdout. */
char *pawl_test_sh_output(const char *fmt, ...) PAWL_PRINTF(1, 2);

/* As pawl_test_sh_output, but only the first line, without its newline. */
char *pawl_test_sh_line(const char *fmt, ...) PAWL_PRINTF(1, 2);

/* Makes the git commands a test runs ignore the system and the user's configuration and
 * commit as a fixed identity, so a test repository looks the same on every machine. */
void pawl_test_git_env(void);

/*
 * Builds a scorer from one YAML mapping the way the config module hands it
 * over (name and type strings plus the node); *root owns the node tree.
 * Returns pawl_scorer_new()'s code; a YAML syntax error fails the test.
 */
struct pawl_scorer;
struct pawl_node;
int pawl_test_make_scorer(struct pawl_scorer **out, struct pawl_node **root, const char *yaml,
                          const char *source, struct pawl_error *err);

#endif
