/*
 * The pre-push hook file: the script, where it goes (core.hooksPath or the
 * repository's hooks directory) and the marker that makes it pawl's.
 */
#include <errno.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/fs.h"
#include "pawl/hook.h"
#include "pawl/git.h"
#include "hook_impl.h"

/* Larger than any script anyone writes by hand: not one to read for the marker. */
#define HOOK_MAX_BYTES (1024 * 1024)

static void sh_quote(struct pawl_buf *b, const char *s)
{
    pawl_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            pawl_buf_puts(b, "'\\''");
        else
            pawl_buf_putc(b, *s);
    }
    pawl_buf_putc(b, '\'');
}

char *pawl_hook_script(const char *pawl_path, const char *config_rel, const char *const *globs,
                       size_t n_globs)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    size_t i;

    pawl_buf_puts(&b, "#!/bin/sh\n" PAWL_HOOK_MARKER "\n"
                      "#\n"
                      "# Runs the pawl gate before a push when the pushed commits change what\n"
                      "# the gate reads: the config, the dataset, prompts, files named by the\n"
                      "# exec command, the baseline or a --paths match. Other pushes go through\n"
                      "# at once. See 'pawl hook --help'.\n"
                      "#   skip it for one push:  git push --no-verify\n"
                      "#   remove it:             pawl hook uninstall\n"
                      "pawl=");
    sh_quote(&b, pawl_path ? pawl_path : "");
    pawl_buf_puts(&b, "\n"
                      "if [ ! -x \"$pawl\" ]; then\n"
                      "    pawl=$(command -v pawl) || {\n"
                      "        echo \"pawl: cannot find the pawl binary; reinstall the hook with "
                      "'pawl hook install', or push with --no-verify\" >&2\n"
                      "        exit 1\n"
                      "    }\n"
                      "fi\n"
                      "if top=$(git rev-parse --show-toplevel 2>/dev/null); then\n"
                      "    cd \"$top\" || exit 1\n"
                      "fi\n"
                      "exec \"$pawl\" hook run -c ");
    sh_quote(&b, config_rel);
    for (i = 0; i < n_globs; i++) {
        pawl_buf_puts(&b, " --paths ");
        sh_quote(&b, globs[i]);
    }
    pawl_buf_puts(&b, " -- \"$@\"\n");
    return pawl_buf_detach(&b, NULL);
}

/* The repository, its work tree and the pre-push hook's path and display name. */
struct hook_site {
    git_repository *repo;
    const char *workdir;
    char *dir, *path, *display;
};

static void site_release(struct hook_site *s)
{
    git_repository_free(s->repo);
    free(s->dir);
    free(s->path);
    free(s->display);
    memset(s, 0, sizeof(*s));
}

static int hooks_dir(struct hook_site *s, struct pawl_error *err)
{
    git_config *cfg = NULL;
    git_buf b = {0};
    int grc, rc = 0;

    if (git_repository_config_snapshot(&cfg, s->repo) < 0) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot read the git config: %s",
                            pawl_git_error_message());
        goto done;
    }
    grc = git_config_get_path(&b, cfg, "core.hooksPath");
    if (grc == 0 && b.ptr && b.ptr[0]) {
        /* git runs hooks from the work tree root, so that is what a relative value means. */
        s->dir = b.ptr[0] == '/' ? pawl_xstrdup(b.ptr) : pawl_xasprintf("%s%s", s->workdir, b.ptr);
    } else if (grc < 0 && grc != GIT_ENOTFOUND) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot read 'core.hooksPath': %s",
                            pawl_git_error_message());
    } else {
        git_buf_dispose(&b);
        if (git_repository_item_path(&b, s->repo, GIT_REPOSITORY_ITEM_HOOKS) < 0)
            rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0,
                                "cannot find the repository's hooks directory: %s",
                                pawl_git_error_message());
        else
            s->dir = pawl_xstrdup(b.ptr);
    }
    if (s->dir) {
        size_t n = strlen(s->dir);
        while (n > 1 && s->dir[n - 1] == '/')
            s->dir[--n] = '\0';
    }
done:
    git_buf_dispose(&b);
    git_config_free(cfg);
    return rc;
}

static int open_site(struct hook_site *s, const char *repo_dir, const char *what,
                     struct pawl_error *err)
{
    size_t wlen;
    int rc;

    memset(s, 0, sizeof(*s));
    if ((rc = pawl_hook_open_repo(&s->repo, repo_dir, what, err)) < 0)
        return rc;
    s->workdir = git_repository_workdir(s->repo);
    if (!s->workdir)
        return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                              "cannot %s: the repository is bare (no work tree to gate)", what);
    if ((rc = hooks_dir(s, err)) < 0)
        return rc;
    s->path = pawl_xasprintf("%s/pre-push", s->dir);
    wlen = strlen(s->workdir);
    s->display = pawl_xstrdup(strncmp(s->path, s->workdir, wlen) == 0 ? s->path + wlen : s->path);
    return 0;
}

enum { HOOK_NONE = 1, HOOK_FOREIGN, HOOK_MINE };

/* HOOK_NONE, HOOK_FOREIGN or HOOK_MINE; a negative PAWL_E* when it cannot be read. */
static int read_hook(const struct hook_site *s, struct pawl_error *err)
{
    struct pawl_buf text = PAWL_BUF_INIT;
    struct stat st;
    int rc;

    if (lstat(s->path, &st) < 0) {
        if (errno == ENOENT)
            return HOOK_NONE;
        return pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot read '%s': %s", s->display,
                              strerror(errno));
    }
    /* A dangling symlink, a directory or a huge file is a hook pawl did not write. */
    if (stat(s->path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > HOOK_MAX_BYTES)
        return HOOK_FOREIGN;
    if ((rc = pawl_fs_read(&text, s->path, s->display, 0, err)) < 0) {
        pawl_buf_release(&text);
        return rc;
    }
    rc = strstr(text.ptr, "\n" PAWL_HOOK_MARKER "\n") ? HOOK_MINE : HOOK_FOREIGN;
    pawl_buf_release(&text);
    return rc;
}

int pawl_hook_install(char **out_display, const char *repo_dir,
                      const struct pawl_hook_install_options *opts, struct pawl_error *err)
{
    struct hook_site s;
    struct stat st;
    char *config_rel = NULL, *script = NULL, *tmp = NULL;
    int rc;

    *out_display = NULL;
    git_libgit2_init();
    if ((rc = open_site(&s, repo_dir, "install the pre-push hook", err)) < 0)
        goto done;
    if (stat(opts->config, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                            "config '%s' does not exist (create one with 'pawl init', or name "
                            "it with -c)",
                            opts->config);
        goto done;
    }
    config_rel = pawl_hook_repo_relative(s.workdir, opts->config);
    if (!config_rel) {
        rc = pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                            "config '%s' is outside the repository '%.*s'", opts->config,
                            (int)strlen(s.workdir) - 1, s.workdir);
        goto done;
    }
    if ((rc = read_hook(&s, err)) < 0)
        goto done;
    if (rc == HOOK_FOREIGN && !opts->force) {
        rc = pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                            "'%s' exists and was not installed by pawl (use --force to replace "
                            "it)",
                            s.display);
        goto done;
    }
    rc = 0;
    script = pawl_hook_script(opts->pawl_path, config_rel, opts->globs, opts->n_globs);
    /* Written whole and made executable under another name, then renamed: git never
     * sees a half-written or non-executable hook. */
    tmp = pawl_xasprintf("%s.pawl-new", s.path);
    if ((rc = pawl_fs_write_atomic(tmp, script, strlen(script), err)) < 0)
        goto done;
    if (chmod(tmp, 0755) < 0 || rename(tmp, s.path) < 0) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot install '%s': %s", s.display,
                            strerror(errno));
        unlink(tmp);
        goto done;
    }
    *out_display = pawl_xstrdup(s.display);
done:
    free(tmp);
    free(script);
    free(config_rel);
    site_release(&s);
    git_libgit2_shutdown();
    return rc;
}

int pawl_hook_uninstall(char **out_display, int *out_removed, const char *repo_dir,
                        struct pawl_error *err)
{
    struct hook_site s;
    int rc, mine;

    *out_display = NULL;
    *out_removed = 0;
    git_libgit2_init();
    if ((rc = open_site(&s, repo_dir, "uninstall the pre-push hook", err)) < 0)
        goto done;
    *out_display = pawl_xstrdup(s.display);
    mine = read_hook(&s, err);
    if (mine < 0) {
        rc = mine;
    } else if (mine == HOOK_FOREIGN) {
        rc = pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                            "'%s' was not installed by pawl; leaving it in place", s.display);
    } else if (mine == HOOK_MINE) {
        if (unlink(s.path) < 0)
            rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot remove '%s': %s", s.display,
                                strerror(errno));
        else
            *out_removed = 1;
    }
done:
    site_release(&s);
    git_libgit2_shutdown();
    return rc;
}
