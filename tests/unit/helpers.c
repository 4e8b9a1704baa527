/* The scaffolding helpers.h declares, linked into every unit test. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "pawl/node.h"
#include "pawl/scorer.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/fs.h"

/* NULL when `parent` or the directory cannot be made, so each caller fails its own way. */
static char *make_temp_dir(const char *parent, const char *name)
{
    struct pawl_error err;
    char *tmpl, *dir;

    pawl_error_init(&err);
    if (pawl_fs_mkdirs(parent, &err) < 0)
        return NULL;
    tmpl = pawl_xasprintf("%s/%s-XXXXXX", parent, name);
    dir = mkdtemp(tmpl);
    if (!dir)
        free(tmpl);
    return dir;
}

char *pawl_test_scratch_root(const char *name)
{
    char *root = make_temp_dir(PAWL_TEST_TMP, name);

    if (!root) {
        fprintf(stderr, "cannot create a scratch directory under %s\n", PAWL_TEST_TMP);
        abort();
    }
    return root;
}

char *pawl_test_scratch_dir(const char *parent, const char *name)
{
    char *dir = make_temp_dir(parent, name);

    ck_assert_msg(dir != NULL, "cannot create a scratch directory under %s", parent);
    return dir;
}

int pawl_test_remove_tree(const char *path)
{
    struct stat st;
    struct dirent *e;
    DIR *d;
    int rc = 0;

    if (lstat(path, &st) < 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return unlink(path) < 0 ? -1 : 0;
    if ((d = opendir(path)) == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        char *child;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        child = pawl_xasprintf("%s/%s", path, e->d_name);
        if (pawl_test_remove_tree(child) < 0)
            rc = -1;
        free(child);
    }
    closedir(d);
    return rmdir(path) < 0 ? -1 : rc;
}

void pawl_test_scratch_remove(char **dir)
{
    if (!*dir)
        return;
    if (pawl_test_remove_tree(*dir) < 0)
        fprintf(stderr, "cannot remove %s\n", *dir);
    free(*dir);
    *dir = NULL;
}

void pawl_test_scratch_leave(char **cwd, char **dir)
{
    if (*cwd && chdir(*cwd) < 0)
        ck_abort_msg("cannot return to %s", *cwd);
    free(*cwd);
    *cwd = NULL;
    pawl_test_scratch_remove(dir);
}

char *pawl_test_read_file(const char *path)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_fs_read(&b, path, path, 0, &err), &err);
    return pawl_buf_detach(&b, NULL);
}

void pawl_test_write_file(const char *path, const char *text)
{
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_fs_write_atomic(path, text, strlen(text), &err), &err);
}

void pawl_test_write_at(const char *dir, const char *rel, const char *text)
{
    char *path = pawl_xasprintf("%s/%s", dir, rel);

    pawl_test_write_file(path, text);
    free(path);
}

char *pawl_test_tmp_path(const char *dir, const char *name)
{
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_fs_mkdirs(dir, &err), &err);
    return pawl_xasprintf("%s/%s", dir, name);
}

void pawl_test_assert_golden(const char *name, const char *got)
{
    char *path = pawl_xasprintf("%s/report/%s", PAWL_TEST_DATA, name), *want;

    if (getenv("PAWL_UPDATE_GOLDEN"))
        pawl_test_write_file(path, got);
    want = pawl_test_read_file(path);
    ck_assert_str_eq(got, want);
    free(want);
    free(path);
}

void pawl_test_sh(const char *fmt, ...)
{
    struct pawl_buf cmd = PAWL_BUF_INIT;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    pawl_buf_vprintf(&cmd, fmt, ap);
    va_end(ap);
    rc = system(cmd.ptr);
    ck_assert_msg(rc == 0, "'%s' exited with %d", cmd.ptr, rc);
    pawl_buf_release(&cmd);
}

static char *sh_vcapture(const char *fmt, va_list ap)
{
    struct pawl_buf cmd = PAWL_BUF_INIT, out = PAWL_BUF_INIT;
    char chunk[4096];
    size_t n;
    FILE *p;

    pawl_buf_vprintf(&cmd, fmt, ap);
    p = popen(cmd.ptr, "r");
    ck_assert_ptr_nonnull(p);
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        pawl_buf_add(&out, chunk, n);
    ck_assert_msg(pclose(p) == 0, "'%s' failed", cmd.ptr);
    pawl_buf_release(&cmd);
    return pawl_buf_detach(&out, NULL);
}

char *pawl_test_sh_output(const char *fmt, ...)
{
    va_list ap;
    char *out;

    va_start(ap, fmt);
    out = sh_vcapture(fmt, ap);
    va_end(ap);
    return out;
}

char *pawl_test_sh_line(const char *fmt, ...)
{
    va_list ap;
    char *out;

    va_start(ap, fmt);
    out = sh_vcapture(fmt, ap);
    va_end(ap);
    out[strcspn(out, "\n")] = '\0';
    return out;
}

void pawl_test_git_env(void)
{
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
    setenv("GIT_AUTHOR_NAME", "Pawl Test", 1);
    setenv("GIT_AUTHOR_EMAIL", "pawl@example.invalid", 1);
    setenv("GIT_COMMITTER_NAME", "Pawl Test", 1);
    setenv("GIT_COMMITTER_EMAIL", "pawl@example.invalid", 1);
}

int pawl_test_make_scorer(struct pawl_scorer **out, struct pawl_node **root, const char *yaml,
                          const char *source, struct pawl_error *err)
{
    struct pawl_scorer_config cfg;
    const struct pawl_node *n;

    *out = NULL;
    PAWL_ASSERT_OK(pawl_node_parse(root, yaml, strlen(yaml), source, err), err);
    memset(&cfg, 0, sizeof(cfg));
    cfg.node = *root;
    cfg.line = (*root)->line;
    cfg.col = (*root)->col;
    if ((n = pawl_node_get(*root, "type")) && n->kind == PAWL_NODE_SCALAR)
        cfg.type = n->value;
    if ((n = pawl_node_get(*root, "name")) && n->kind == PAWL_NODE_SCALAR)
        cfg.name = n->value;
    return pawl_scorer_new(out, &cfg, source, err);
}
