/* Unit tests for src/fs.c: whole-file reads, atomic writes, mkdir -p, path joining. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/fs.h"

static char *run_root; /* PAWL_TEST_TMP/fs-XXXXXX, made in the parent, removed after all tests */
static char *tmp;      /* this test's own directory inside run_root */

static void run_setup(void)
{
    run_root = pawl_test_scratch_root("fs");
}

static void run_teardown(void)
{
    pawl_test_scratch_remove(&run_root);
}

static void setup(void)
{
    tmp = pawl_test_scratch_dir(run_root, "t");
}

static void teardown(void)
{
    pawl_test_scratch_remove(&tmp);
}

static char *tmp_path(const char *rel)
{
    return pawl_xasprintf("%s/%s", tmp, rel);
}

static void write_raw(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

static char *read_raw(const char *path, size_t *len)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    FILE *f = fopen(path, "rb");
    char chunk[4096];
    size_t n;

    ck_assert_msg(f != NULL, "cannot open %s", path);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        pawl_buf_add(&b, chunk, n);
    fclose(f);
    return pawl_buf_detach(&b, len);
}

/* Sorted names in `dir`, joined with spaces. */
static char *list_dir(const char *dir)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    DIR *d = opendir(dir);
    struct dirent *e;
    char **found = NULL;
    size_t n = 0, alloc = 0, i, j;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        PAWL_ALLOC_GROW(found, n + 1, alloc);
        found[n++] = pawl_xstrdup(e->d_name);
    }
    closedir(d);
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && strcmp(found[j - 1], found[j]) > 0; j--) {
            char *t = found[j];
            found[j] = found[j - 1];
            found[j - 1] = t;
        }
    for (i = 0; i < n; i++) {
        pawl_buf_printf(&b, "%s%s", i ? " " : "", found[i]);
        free(found[i]);
    }
    free(found);
    return pawl_buf_detach(&b, NULL);
}

static char *pattern(size_t len)
{
    char *p = pawl_xmalloc(len + 1);
    size_t i;

    for (i = 0; i < len; i++)
        p[i] = (char)(i * 31 % 251); /* includes NUL bytes */
    p[len] = '\0';
    return p;
}

/* Around the 64 KiB read chunk. */
static const size_t read_sizes[] = {0, 1, 100, 65535, 65536, 65537, 200000};

START_TEST(read_appends_whole_file)
{
    size_t size = read_sizes[_i];
    char *data = pattern(size), *path = tmp_path("data.bin");
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_error err;

    write_raw(path, data, size);
    pawl_error_init(&err);
    ck_assert_int_eq(pawl_buf_puts(&b, "pre:"), 0);
    PAWL_ASSERT_OK(pawl_fs_read(&b, path, "data.bin", 0, &err), &err);
    ck_assert_uint_eq(b.len, size + 4);
    ck_assert_mem_eq(b.ptr, "pre:", 4);
    if (size)
        ck_assert_mem_eq(b.ptr + 4, data, size);
    ck_assert_int_eq(b.ptr[b.len], '\0');
    /* A limit equal to the size is allowed. */
    pawl_buf_reset(&b);
    PAWL_ASSERT_OK(pawl_fs_read(&b, path, "data.bin", size ? size : 1, &err), &err);
    ck_assert_uint_eq(b.len, size);
    pawl_buf_release(&b);
    free(path);
    free(data);
}
END_TEST

START_TEST(read_missing_file)
{
    char *path = tmp_path("nope.yaml");
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_error err;

    pawl_error_init(&err);
    ck_assert_int_eq(pawl_buf_puts(&b, "keep"), 0);
    PAWL_ASSERT_ERR(pawl_fs_read(&b, path, "x", 0, &err), &err, PAWL_EDATA,
                    "cannot open 'x': No such file or directory");
    ck_assert_str_eq(b.ptr, "keep");
    ck_assert_uint_eq(b.len, 4);
    pawl_buf_release(&b);
    free(path);
}
END_TEST

START_TEST(read_directory_is_io_error)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_fs_read(&b, tmp, "evals", 0, &err), &err, PAWL_EIO,
                    "cannot read 'evals': Is a directory");
    pawl_buf_release(&b);
}
END_TEST

static const struct {
    size_t size, max;
} too_large[] = {{100, 99}, {100, 1}, {65537, 65536}, {200000, 100000}};

START_TEST(read_larger_than_max)
{
    char *data = pattern(too_large[_i].size), *path = tmp_path("big.json");
    char *want = pawl_xasprintf("'big.json' is larger than %zu bytes", too_large[_i].max);
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_error err;

    write_raw(path, data, too_large[_i].size);
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_fs_read(&b, path, "big.json", too_large[_i].max, &err), &err, PAWL_EDATA,
                    want);
    ck_assert_uint_le(b.len, too_large[_i].max);
    pawl_buf_release(&b);
    free(want);
    free(path);
    free(data);
}
END_TEST

START_TEST(write_atomic_creates_parents)
{
    char *path = tmp_path("a/b/c/out.json"), *dir = tmp_path("a/b/c"), *got, *names;
    struct pawl_error err;
    struct stat st;
    size_t len;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_fs_write_atomic(path, "{\"x\": 1}\n", 9, &err), &err);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    got = read_raw(path, &len);
    ck_assert_uint_eq(len, 9);
    ck_assert_str_eq(got, "{\"x\": 1}\n");
    names = list_dir(dir);
    ck_assert_str_eq(names, "out.json");
    free(names);
    free(got);
    free(dir);
    free(path);
}
END_TEST

START_TEST(write_atomic_replaces_content)
{
    char *path = tmp_path("results.json"), *big = pattern(300000), *got, *names;
    struct pawl_error err;
    size_t len;

    pawl_error_init(&err);
    write_raw(path, "old content that is longer than the new one", 44);
    PAWL_ASSERT_OK(pawl_fs_write_atomic(path, big, 300000, &err), &err);
    got = read_raw(path, &len);
    ck_assert_uint_eq(len, 300000);
    ck_assert_mem_eq(got, big, 300000);
    free(got);
    PAWL_ASSERT_OK(pawl_fs_write_atomic(path, "new", 3, &err), &err);
    got = read_raw(path, &len);
    ck_assert_uint_eq(len, 3);
    ck_assert_str_eq(got, "new");
    free(got);
    PAWL_ASSERT_OK(pawl_fs_write_atomic(path, "", 0, &err), &err);
    got = read_raw(path, &len);
    ck_assert_uint_eq(len, 0);
    free(got);
    /* No temporary file is left next to the target. */
    names = list_dir(tmp);
    ck_assert_str_eq(names, "results.json");
    free(names);
    free(big);
    free(path);
}
END_TEST

START_TEST(write_atomic_relative_path)
{
    char *cwd = getcwd(NULL, 0), *got, *names;
    struct pawl_error err;
    size_t len;

    ck_assert_ptr_nonnull(cwd);
    ck_assert_int_eq(chdir(tmp), 0);
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_fs_write_atomic("plain.txt", "here", 4, &err), &err);
    got = read_raw("plain.txt", &len);
    ck_assert_str_eq(got, "here");
    names = list_dir(".");
    ck_assert_str_eq(names, "plain.txt");
    ck_assert_int_eq(chdir(cwd), 0);
    free(names);
    free(got);
    free(cwd);
}
END_TEST

/* Each failure: the file system tmp holds first, the target, and the exact message. */
static const struct {
    const char *target;
    const char *want_fmt; /* %s: tmp */
    const char *after;    /* the listing of tmp afterwards: nothing new, no temp files */
} write_failures[] = {
    {"file/out.json", "cannot write '%s/file/out.json': Not a directory", "dir file"},
    {"file/sub/out.json", "cannot create directory '%s/file/sub': Not a directory", "dir file"},
    {"dir", "cannot replace '%s/dir': Is a directory", "dir file"},
};

START_TEST(write_atomic_fails_cleanly)
{
    char *file = tmp_path("file"), *dir = tmp_path("dir"),
         *target = tmp_path(write_failures[_i].target);
    char *want = pawl_xasprintf(write_failures[_i].want_fmt, tmp), *names, *got;
    struct pawl_error err;
    size_t len;

    write_raw(file, "precious", 8);
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_fs_write_atomic(target, "data", 4, &err), &err, PAWL_EIO, want);
    names = list_dir(tmp);
    ck_assert_str_eq(names, write_failures[_i].after);
    free(names);
    names = list_dir(dir);
    ck_assert_str_eq(names, "");
    got = read_raw(file, &len);
    ck_assert_str_eq(got, "precious");
    free(got);
    free(names);
    free(want);
    free(target);
    free(dir);
    free(file);
}
END_TEST

START_TEST(mkdirs_nested_and_existing)
{
    char *deep = tmp_path("x/y/z"), *slash = tmp_path("p/q/"), *blocked = tmp_path("f/g");
    char *file = tmp_path("f"), *want;
    struct pawl_error err;
    struct stat st;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_fs_mkdirs(deep, &err), &err);
    ck_assert_int_eq(stat(deep, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    PAWL_ASSERT_OK(pawl_fs_mkdirs(deep, &err), &err); /* already there */
    PAWL_ASSERT_OK(pawl_fs_mkdirs(slash, &err), &err);
    ck_assert_int_eq(stat(slash, &st), 0);
    write_raw(file, "", 0);
    want = pawl_xasprintf("cannot create directory '%s/f/g': Not a directory", tmp);
    PAWL_ASSERT_ERR(pawl_fs_mkdirs(blocked, &err), &err, PAWL_EIO, want);
    free(want);
    free(file);
    free(blocked);
    free(slash);
    free(deep);
}
END_TEST

static const struct {
    const char *base, *rel, *want;
} joins[] = {
    {"a/pawl.yaml", "x", "a/x"},
    {"pawl.yaml", "evals/q.jsonl", "evals/q.jsonl"},
    {"./pawl.yaml", "evals/q.jsonl", "./evals/q.jsonl"},
    {"a/b/pawl.yaml", "../x", "a/b/../x"},
    {"/etc/pawl/pawl.yaml", "prompts/s.md", "/etc/pawl/prompts/s.md"},
    {"/pawl.yaml", "x", "/x"},
    {"a/pawl.yaml", "/abs/x", "/abs/x"},
    {"pawl.yaml", "/abs/x", "/abs/x"},
    {"a/", "x", "a/x"},
};

START_TEST(join_dir_cases)
{
    char *got = pawl_fs_join_dir(joins[_i].base, joins[_i].rel);

    ck_assert_str_eq(got, joins[_i].want);
    free(got);
}
END_TEST

static Suite *fs_suite(void)
{
    Suite *s = suite_create("fs");
    TCase *tc = tcase_create("core");

    tcase_add_unchecked_fixture(tc, run_setup, run_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, read_appends_whole_file, 0,
                        (int)(sizeof(read_sizes) / sizeof(read_sizes[0])));
    tcase_add_test(tc, read_missing_file);
    tcase_add_test(tc, read_directory_is_io_error);
    tcase_add_loop_test(tc, read_larger_than_max, 0,
                        (int)(sizeof(too_large) / sizeof(too_large[0])));
    tcase_add_test(tc, write_atomic_creates_parents);
    tcase_add_test(tc, write_atomic_replaces_content);
    tcase_add_test(tc, write_atomic_relative_path);
    tcase_add_loop_test(tc, write_atomic_fails_cleanly, 0,
                        (int)(sizeof(write_failures) / sizeof(write_failures[0])));
    tcase_add_test(tc, mkdirs_nested_and_existing);
    tcase_add_loop_test(tc, join_dir_cases, 0, (int)(sizeof(joins) / sizeof(joins[0])));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(fs_suite());
}
