#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/dataset.h"
#include "pawl/fs.h"
#include "pawl/git.h"

static const char v1[] =
    "{\"id\": \"q1\", \"input\": \"one\"}\n{\"id\": \"q2\", \"input\": \"two\"}\n";
static const char v2[] =
    "{\"id\": \"q1\", \"input\": \"one\"}\n{\"id\": \"q2\", \"input\": \"two\"}\n"
    "{\"id\": \"q3\", \"input\": \"three\"}\n";

/* Per-test scratch: each test forks and gets its own repository. */
static char *tmp;      /* unique directory under PAWL_TEST_TMP */
static char *repo;     /* tmp/repo: two commits, see setup() */
static char *cwd;      /* restored after tests that chdir (matters with CK_FORK=no) */
static char *run_root; /* PAWL_TEST_TMP/git-XXXXXX, one per run, holds every test's tmp */

static void git(const char *args)
{
    pawl_test_sh("git -C '%s' %s", repo, args);
}

/*
 * Runs once in the parent: a test whose assertion fails exits before its
 * own teardown, so what it leaves behind is removed here.
 */
static void run_setup(void)
{
    run_root = pawl_test_scratch_root("git");
}

static void run_teardown(void)
{
    pawl_test_scratch_remove(&run_root);
}

static void setup(void)
{
    pawl_test_git_env();
    cwd = getcwd(NULL, 0);
    tmp = pawl_test_scratch_dir(run_root, "t");
    repo = pawl_xasprintf("%s/repo", tmp);
    pawl_test_sh("git -c init.defaultBranch=main init -q '%s'", repo);
    pawl_test_write_at(repo, "evals/qa.jsonl", v1);
    pawl_test_write_at(repo, "evals/deep/old.jsonl", v1);
    git("add -A");
    git("commit -q -m v1");
    pawl_test_write_at(repo, "evals/qa.jsonl", v2);
    pawl_test_write_at(repo, "evals/new.jsonl", v2);
    git("add -A");
    git("commit -q -m v2");
}

static void teardown(void)
{
    pawl_test_scratch_leave(&cwd, &tmp);
    free(repo);
    repo = NULL;
}

static const struct {
    const char *data;
    size_t len;
    const char *want; /* NULL: ask `git hash-object` */
} blobs[] = {
    {"", 0, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"},
    {"hello\n", 6, "ce013625030ba8dba906f756967f9e9ca394464a"},
    {"nul \0 inside\xff", 13, NULL},
    {v2, sizeof(v2) - 1, NULL},
};

START_TEST(test_hash_blob)
{
    char got[PAWL_GIT_OID_HEX], *path, *want;
    struct pawl_error err;

    pawl_git_hash_blob(got, blobs[_i].data, blobs[_i].len);
    path = pawl_xasprintf("%s/blob", tmp);
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_fs_write_atomic(path, blobs[_i].data, blobs[_i].len, &err), &err);
    want = pawl_test_sh_line("git hash-object '%s'", path);
    ck_assert_str_eq(got, want);
    if (blobs[_i].want)
        ck_assert_str_eq(got, blobs[_i].want);
    free(want);
    free(path);
}
END_TEST

START_TEST(test_read_at_ref)
{
    struct pawl_buf buf = PAWL_BUF_INIT;
    struct pawl_error err;
    char blob[PAWL_GIT_OID_HEX], *path = pawl_xasprintf("%s/evals/qa.jsonl", repo), *want;

    pawl_error_init(&err);
    pawl_buf_puts(&buf, "kept:");
    PAWL_ASSERT_OK(pawl_git_read_at_ref(&buf, blob, path, "HEAD~1", "evals/qa.jsonl", &err), &err);
    ck_assert_str_eq(buf.ptr + 5, v1); /* appended */
    ck_assert_uint_eq(buf.len, 5 + strlen(v1));
    want = pawl_test_sh_line("git -C '%s' rev-parse HEAD~1:evals/qa.jsonl", repo);
    ck_assert_str_eq(blob, want);
    free(want);

    pawl_buf_reset(&buf);
    PAWL_ASSERT_OK(pawl_git_read_at_ref(&buf, blob, path, "main", "evals/qa.jsonl", &err), &err);
    ck_assert_str_eq(buf.ptr, v2);
    pawl_buf_release(&buf);
    free(path);
}
END_TEST

START_TEST(test_dataset_at_ref)
{
    struct pawl_dataset ds;
    struct pawl_error err;
    char *path = pawl_xasprintf("%s/evals/qa.jsonl", repo), *want;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_dataset_load(&ds, path, "evals/qa.jsonl", "HEAD~1", "id", &err), &err);
    ck_assert_uint_eq(ds.n_cases, 2);
    ck_assert_str_eq(ds.ref, "HEAD~1");
    ck_assert_str_eq(ds.path, "evals/qa.jsonl");
    want = pawl_test_sh_line("git -C '%s' rev-parse HEAD~1:evals/qa.jsonl", repo);
    ck_assert_str_eq(ds.blob, want);
    free(want);
    pawl_dataset_release(&ds);

    /* the working tree, changed after the last commit */
    pawl_test_write_at(repo, "evals/qa.jsonl", "{\"id\": \"only\"}\n");
    PAWL_ASSERT_OK(pawl_dataset_load(&ds, path, "evals/qa.jsonl", NULL, "id", &err), &err);
    ck_assert_uint_eq(ds.n_cases, 1);
    ck_assert_str_eq(ds.cases[0].id, "only");
    ck_assert_ptr_null(ds.ref);
    want = pawl_test_sh_line("git hash-object '%s'", path);
    ck_assert_str_eq(ds.blob, want);
    free(want);
    pawl_dataset_release(&ds);

    PAWL_ASSERT_OK(pawl_dataset_load(&ds, path, "evals/qa.jsonl", "HEAD", "id", &err), &err);
    ck_assert_uint_eq(ds.n_cases, 3);
    want = pawl_test_sh_line("git -C '%s' rev-parse HEAD:evals/qa.jsonl", repo);
    ck_assert_str_eq(ds.blob, want);
    free(want);
    pawl_dataset_release(&ds);
    free(path);
}
END_TEST

static const struct {
    const char *rel; /* under the repository */
    const char *ref;
    const char *display;
    const char *want;
} ref_errors[] = {
    {"evals/qa.jsonl", "nope", "evals/qa.jsonl", "evals/qa.jsonl: unknown git revision 'nope'"},
    {"evals/qa.jsonl", "HEAD~7", "evals/qa.jsonl", "evals/qa.jsonl: unknown git revision 'HEAD~7'"},
    {"evals/new.jsonl", "HEAD~1", "evals/new.jsonl",
     "evals/new.jsonl: 'evals/new.jsonl' does not exist at 'HEAD~1'"},
    {"evals/missing/x.jsonl", "HEAD", "x.jsonl", "x.jsonl: 'x.jsonl' does not exist at 'HEAD'"},
    {"evals", "HEAD", "evals", "evals: 'evals' is not a file at 'HEAD'"},
    {"", "HEAD", "root", "root: 'root' is not a file at 'HEAD'"},
    {"evals/..", "HEAD", "up", "up: 'up' is not a file at 'HEAD'"},
    {"evals/qa.jsonl/x", "HEAD", "x", "x: 'x' does not exist at 'HEAD'"},
    {"evals/qa.jsonl", "HEAD:evals", "qa", "qa: git revision 'HEAD:evals' is not a commit"},
};

START_TEST(test_read_at_ref_errors)
{
    struct pawl_buf buf = PAWL_BUF_INIT;
    struct pawl_error err;
    char blob[PAWL_GIT_OID_HEX], *path = pawl_xasprintf("%s/%s", repo, ref_errors[_i].rel);

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(
        pawl_git_read_at_ref(&buf, blob, path, ref_errors[_i].ref, ref_errors[_i].display, &err),
        &err, PAWL_EDATA, ref_errors[_i].want);
    ck_assert_uint_eq(buf.len, 0);
    pawl_buf_release(&buf);
    free(path);
}
END_TEST

START_TEST(test_not_a_repository)
{
    const char *base = getenv("TMPDIR");
    char *dir = pawl_xasprintf("%s/pawl-norepo-XXXXXX", base && *base ? base : "/tmp"), *path;
    struct pawl_dataset ds;
    struct pawl_git_info info;
    struct pawl_error err;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    /* the test needs a directory no repository contains (the build tree is in one) */
    pawl_test_sh("! git -C '%s' rev-parse --git-dir >/dev/null 2>&1", dir);
    path = pawl_xasprintf("%s/qa.jsonl", dir);
    pawl_test_write_at(dir, "qa.jsonl", v1);
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_dataset_load(&ds, path, "evals/qa.jsonl", "HEAD~1", "id", &err), &err,
                    PAWL_EDATA,
                    "evals/qa.jsonl: cannot read 'evals/qa.jsonl' at 'HEAD~1': "
                    "not inside a git repository");
    ck_assert_ptr_null(ds.cases);

    pawl_git_describe(&info, dir);
    ck_assert_int_eq(info.present, 0);
    ck_assert_ptr_null(info.ref);
    ck_assert_str_eq(info.commit, "");
    ck_assert_int_eq(info.dirty, 0);
    pawl_git_info_release(&info);
    pawl_test_sh("rm -rf '%s'", dir);
    free(path);
    free(dir);
}
END_TEST

/* Files and whole directories gone from the working tree are still readable at a ref. */
static const struct {
    const char *remove; /* under the repository */
    const char *chdir;  /* under the repository, NULL: stay */
    const char *path;   /* relative to the new cwd, or under the repository when chdir is NULL */
    const char *ref;
    const char *want;
} gone[] = {
    {"evals/qa.jsonl", NULL, "evals/qa.jsonl", "HEAD", v2},
    {"evals/qa.jsonl", NULL, "evals/qa.jsonl", "HEAD~1", v1},
    {"evals/deep", NULL, "evals/deep/old.jsonl", "HEAD", v1},
    {"evals", NULL, "evals/deep/old.jsonl", "HEAD", v1},
    {"evals", "", "evals/./deep/../qa.jsonl", "HEAD~1", v1},
    {"evals/deep", "evals", "deep/old.jsonl", "HEAD", v1},
    {"evals/qa.jsonl", "evals", "qa.jsonl", "HEAD~1", v1},
    {"evals/qa.jsonl", "evals/deep", "../qa.jsonl", "HEAD", v2},
};

START_TEST(test_read_gone_from_worktree)
{
    struct pawl_buf buf = PAWL_BUF_INIT;
    struct pawl_error err;
    char blob[PAWL_GIT_OID_HEX], *path;

    pawl_test_sh("rm -rf '%s/%s'", repo, gone[_i].remove);
    if (gone[_i].chdir) {
        char *dir = pawl_xasprintf("%s/%s", repo, gone[_i].chdir);
        ck_assert_int_eq(chdir(dir), 0);
        free(dir);
        path = pawl_xstrdup(gone[_i].path);
    } else {
        path = pawl_xasprintf("%s/%s", repo, gone[_i].path);
    }
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_git_read_at_ref(&buf, blob, path, gone[_i].ref, "d", &err), &err);
    ck_assert_str_eq(buf.ptr, gone[_i].want);
    pawl_buf_release(&buf);
    free(path);
}
END_TEST

START_TEST(test_read_through_symlink)
{
    struct pawl_buf buf = PAWL_BUF_INIT;
    struct pawl_error err;
    char blob[PAWL_GIT_OID_HEX], *link = pawl_xasprintf("%s/link", tmp), *path;

    ck_assert_int_eq(symlink(repo, link), 0);
    path = pawl_xasprintf("%s/evals/qa.jsonl", link);
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_git_read_at_ref(&buf, blob, path, "HEAD~1", "qa", &err), &err);
    ck_assert_str_eq(buf.ptr, v1);
    pawl_buf_release(&buf);
    free(path);
    free(link);
}
END_TEST

static void assert_describe(const char *dir, const char *branch, int dirty)
{
    struct pawl_git_info info;
    char *head = pawl_test_sh_line("git -C '%s' rev-parse HEAD", repo);

    pawl_git_describe(&info, dir);
    ck_assert_int_eq(info.present, 1);
    ck_assert_str_eq(info.commit, head);
    if (branch)
        ck_assert_str_eq(info.ref, branch);
    else
        ck_assert_ptr_null(info.ref);
    ck_assert_int_eq(info.dirty, dirty);
    pawl_git_info_release(&info);
    ck_assert_ptr_null(info.ref);
    free(head);
}

START_TEST(test_describe)
{
    char *sub = pawl_xasprintf("%s/evals/deep", repo);

    assert_describe(repo, "main", 0);
    assert_describe(sub, "main", 0);
    pawl_test_write_at(repo, "untracked.txt", "not part of the commit\n");
    assert_describe(repo, "main", 0);
    pawl_test_write_at(repo, "evals/qa.jsonl", "{\"id\": \"changed\"}\n");
    assert_describe(repo, "main", 1);
    pawl_test_write_at(repo, "evals/qa.jsonl", v2);
    assert_describe(repo, "main", 0);
    git("add untracked.txt");
    assert_describe(repo, "main", 1);
    git("commit -q -m three");
    assert_describe(repo, "main", 0);
    pawl_test_sh("rm '%s/evals/new.jsonl'", repo);
    assert_describe(repo, "main", 1);
    git("checkout -q -- evals/new.jsonl");
    git("checkout -q -b feature/x");
    assert_describe(sub, "feature/x", 0);
    git("checkout -q --detach");
    assert_describe(repo, NULL, 0);
    free(sub);
}
END_TEST

START_TEST(test_describe_unborn)
{
    struct pawl_git_info info;
    char *dir = pawl_xasprintf("%s/empty", tmp);

    pawl_test_sh("git -c init.defaultBranch=trunk init -q '%s'", dir);
    pawl_git_describe(&info, dir);
    ck_assert_int_eq(info.present, 1);
    ck_assert_str_eq(info.commit, "");
    ck_assert_str_eq(info.ref, "trunk");
    ck_assert_int_eq(info.dirty, 0);
    pawl_git_info_release(&info);
    pawl_git_info_release(NULL);
    free(dir);
}
END_TEST

static Suite *git_suite(void)
{
    Suite *s = suite_create("git");
    TCase *tc = tcase_create("git");

    tcase_add_unchecked_fixture(tc, run_setup, run_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_hash_blob, 0, (int)(sizeof(blobs) / sizeof(blobs[0])));
    tcase_add_test(tc, test_read_at_ref);
    tcase_add_test(tc, test_dataset_at_ref);
    tcase_add_loop_test(tc, test_read_at_ref_errors, 0,
                        (int)(sizeof(ref_errors) / sizeof(ref_errors[0])));
    tcase_add_test(tc, test_not_a_repository);
    tcase_add_loop_test(tc, test_read_gone_from_worktree, 0, (int)(sizeof(gone) / sizeof(gone[0])));
    tcase_add_test(tc, test_read_through_symlink);
    tcase_add_test(tc, test_describe);
    tcase_add_test(tc, test_describe_unborn);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(git_suite());
}
