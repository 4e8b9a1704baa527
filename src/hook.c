/* realpath() is XSI, not plain POSIX.1-2008. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fnmatch.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/config.h"
#include "pawl/fs.h"
#include "pawl/hook.h"
#include "pawl/git.h"
#include "hook_impl.h"

/* ---- pre-push input ------------------------------------------------------ */

static int is_oid_hex(const char *s, size_t n)
{
    size_t i;

    if (n != PAWL_GIT_OID_HEX - 1)
        return 0;
    for (i = 0; i < n; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]) || s[i] == '\0')
            return 0;
    return 1;
}

static int is_zero_oid(const char *hex)
{
    return hex[strspn(hex, "0")] == '\0';
}

static int parse_line(struct pawl_hook_update *u, const char *p, const char *end, int line,
                      struct pawl_error *err)
{
    const char *start[4], *stop[4];
    size_t n = 0, i;

    if (memchr(p, '\0', (size_t)(end - p)))
        return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                              "pre-push input line %d: unexpected NUL byte", line);
    while (p < end) {
        const char *f;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p == end)
            break;
        f = p;
        while (p < end && *p != ' ' && *p != '\t')
            p++;
        if (n < 4) {
            start[n] = f;
            stop[n] = p;
        }
        n++;
    }
    if (n != 4)
        return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                              "pre-push input line %d: expected 4 fields (local ref, local sha, "
                              "remote ref, remote sha), got %zu",
                              line, n);
    for (i = 1; i < 4; i += 2) {
        size_t len = (size_t)(stop[i] - start[i]);
        if (!is_oid_hex(start[i], len))
            return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                                  "pre-push input line %d: '%.*s' is not an object id", line,
                                  len > 80 ? 80 : (int)len, start[i]);
    }
    u->local_ref = pawl_xstrndup(start[0], (size_t)(stop[0] - start[0]));
    u->remote_ref = pawl_xstrndup(start[2], (size_t)(stop[2] - start[2]));
    memcpy(u->local_oid, start[1], PAWL_GIT_OID_HEX - 1);
    u->local_oid[PAWL_GIT_OID_HEX - 1] = '\0';
    memcpy(u->remote_oid, start[3], PAWL_GIT_OID_HEX - 1);
    u->remote_oid[PAWL_GIT_OID_HEX - 1] = '\0';
    u->line = line;
    return 0;
}

int pawl_hook_parse_input(struct pawl_hook_input *out, const char *text, size_t len,
                          struct pawl_error *err)
{
    const char *p = text, *end = text + len;
    int line = 0, rc = 0;

    memset(out, 0, sizeof(*out));
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;
        struct pawl_hook_update u;

        line++;
        if (stop > p && stop[-1] == '\r')
            stop--;
        if (p + strspn(p, " \t") >= stop) { /* blank line: nothing to update */
            p = nl ? nl + 1 : end;
            continue;
        }
        memset(&u, 0, sizeof(u));
        if ((rc = parse_line(&u, p, stop, line, err)) < 0)
            break;
        PAWL_ALLOC_GROW(out->v, out->n + 1, out->alloc);
        out->v[out->n++] = u;
        p = nl ? nl + 1 : end;
    }
    if (rc < 0)
        pawl_hook_input_release(out);
    return rc;
}

void pawl_hook_input_release(struct pawl_hook_input *in)
{
    size_t i;

    if (!in)
        return;
    for (i = 0; i < in->n; i++) {
        free(in->v[i].local_ref);
        free(in->v[i].remote_ref);
    }
    free(in->v);
    memset(in, 0, sizeof(*in));
}

/* ---- path lists ---------------------------------------------------------- */

static void paths_add(struct pawl_hook_paths *p, const char *path)
{
    PAWL_ALLOC_GROW(p->v, p->n + 1, p->alloc);
    p->v[p->n++] = pawl_xstrdup(path);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void paths_finish(struct pawl_hook_paths *p)
{
    size_t i, j = 0;

    if (p->n == 0)
        return;
    qsort(p->v, p->n, sizeof(*p->v), cmp_str);
    for (i = 1; i < p->n; i++) {
        if (strcmp(p->v[i], p->v[j]) == 0)
            free(p->v[i]);
        else
            p->v[++j] = p->v[i];
    }
    p->n = j + 1;
}

void pawl_hook_paths_release(struct pawl_hook_paths *paths)
{
    size_t i;

    if (!paths)
        return;
    for (i = 0; i < paths->n; i++)
        free(paths->v[i]);
    free(paths->v);
    memset(paths, 0, sizeof(*paths));
}

/* ---- repository-relative paths ------------------------------------------- */

/*
 * The absolute path of `path` with its directory canonicalised but not the
 * last component: git tracks a symlink by its own name, not its target's.
 */
static char *absolute_path(const char *path)
{
    char *abs, *slash, *real;
    const char *base;

    if (!(abs = pawl_fs_absolute(path)))
        return NULL;
    slash = strrchr(abs, '/');
    base = slash + 1;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        real = realpath(abs, NULL);
    } else {
        *slash = '\0';
        real = realpath(abs[0] ? abs : "/", NULL);
        *slash = '/';
        if (real) {
            char *joined = pawl_xasprintf("%s/%s", strcmp(real, "/") ? real : "", base);
            free(real);
            real = joined;
        }
    }
    if (real) {
        free(abs);
        return real;
    }
    pawl_fs_normalize(abs);
    return abs;
}

char *pawl_hook_repo_relative(const char *workdir, const char *path)
{
    char *abs = absolute_path(path), *rel = NULL;
    size_t wlen = strlen(workdir);

    if (!abs)
        return NULL;
    if (strncmp(abs, workdir, wlen) == 0)
        rel = pawl_xstrdup(abs + wlen);
    else if (wlen > 1 && strncmp(abs, workdir, wlen - 1) == 0 && abs[wlen - 1] == '\0')
        rel = pawl_xstrdup("");
    free(abs);
    return rel;
}

/* ---- targets ------------------------------------------------------------- */

static void add_target(struct pawl_hook_paths *list, const char *workdir, const char *path)
{
    char *rel = pawl_hook_repo_relative(workdir, path);

    if (rel)
        paths_add(list, rel);
    free(rel);
}

/* Exec argv entries that name a file or directory beside the config, e.g. agent.sh. */
static void add_command_targets(struct pawl_hook_targets *t, const char *workdir,
                                const struct pawl_config *cfg)
{
    size_t i;

    for (i = 0; i < cfg->task.n_command; i++) {
        const char *arg = cfg->task.command[i];
        struct stat st;
        char *path;

        if (!arg[0] || arg[0] == '-' || arg[0] == '/')
            continue;
        path = pawl_fs_join_dir(cfg->path, arg);
        if (stat(path, &st) == 0) {
            if (S_ISREG(st.st_mode))
                add_target(&t->files, workdir, path);
            else if (S_ISDIR(st.st_mode))
                add_target(&t->dirs, workdir, path);
        }
        free(path);
    }
}

int pawl_hook_targets_load(struct pawl_hook_targets *out, const char *workdir, const char *config,
                           const char *const *globs, size_t n_globs, struct pawl_error *err)
{
    struct pawl_config cfg;
    struct stat st;
    size_t i;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    memset(&cfg, 0, sizeof(cfg));
    out->globs = pawl_xcalloc(n_globs + 1, sizeof(*out->globs));
    for (i = 0; i < n_globs; i++)
        out->globs[i] = pawl_xstrdup(globs[i]);
    out->n_globs = n_globs;
    add_target(&out->files, workdir, config);
    if (stat(config, &st) < 0 && errno == ENOENT) {
        out->config_missing = 1;
        goto done;
    }
    if ((rc = pawl_config_load(&cfg, config, err)) < 0)
        goto done;
    add_target(&out->files, workdir, cfg.dataset.fs_path);
    for (i = 0; i < cfg.task.n_messages; i++)
        if (strcmp(cfg.task.messages[i].source, cfg.path) != 0) /* else inline content */
            add_target(&out->files, workdir, cfg.task.messages[i].source);
    add_command_targets(out, workdir, &cfg);
    if (cfg.baseline.file)
        add_target(&out->files, workdir, cfg.baseline.file);
done:
    paths_finish(&out->files);
    paths_finish(&out->dirs);
    pawl_config_release(&cfg);
    if (rc < 0)
        pawl_hook_targets_release(out);
    return rc;
}

void pawl_hook_targets_release(struct pawl_hook_targets *t)
{
    size_t i;

    if (!t)
        return;
    pawl_hook_paths_release(&t->files);
    pawl_hook_paths_release(&t->dirs);
    for (i = 0; i < t->n_globs; i++)
        free(t->globs[i]);
    free(t->globs);
    memset(t, 0, sizeof(*t));
}

static int under_dir(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    return n == 0 || (strncmp(path, dir, n) == 0 && path[n] == '/');
}

/* fnmatch on the whole path and on each of its leading directories. */
static int glob_matches(const char *glob, const char *path)
{
    const char *slash;
    char *prefix;
    int hit = 0;

    if (fnmatch(glob, path, FNM_PATHNAME) == 0)
        return 1;
    for (slash = strchr(path, '/'); slash && !hit; slash = strchr(slash + 1, '/')) {
        prefix = pawl_xstrndup(path, (size_t)(slash - path));
        hit = fnmatch(glob, prefix, FNM_PATHNAME) == 0;
        free(prefix);
    }
    return hit;
}

int pawl_hook_targets_match(const struct pawl_hook_targets *t, const char *path)
{
    size_t i;

    if (t->files.n && bsearch(&path, t->files.v, t->files.n, sizeof(*t->files.v), cmp_str))
        return 1;
    for (i = 0; i < t->dirs.n; i++)
        if (under_dir(path, t->dirs.v[i]))
            return 1;
    for (i = 0; i < t->n_globs; i++)
        if (glob_matches(t->globs[i], path))
            return 1;
    return 0;
}

/* ---- changed paths ------------------------------------------------------- */

static int commit_of(git_oid *out, const git_reference *ref)
{
    git_object *obj = NULL;
    int rc = -1;

    if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0) {
        git_oid_cpy(out, git_object_id(obj));
        rc = 0;
    }
    git_object_free(obj);
    return rc;
}

/* Merge-base of `local` with the commit `name` points at; 0 when both exist. */
static int base_with_ref(git_oid *out, git_repository *repo, const char *name, const git_oid *local)
{
    git_reference *ref = NULL;
    git_oid tip;
    int rc = -1;

    if (git_reference_lookup(&ref, repo, name) == 0 && commit_of(&tip, ref) == 0)
        rc = git_merge_base(out, repo, local, &tip) == 0 ? 0 : -1;
    git_reference_free(ref);
    return rc;
}

/* The nearest merge-base of `local` with any remote-tracking branch of `remote`. */
static int base_with_remote(git_oid *out, git_repository *repo, const char *remote,
                            const git_oid *local)
{
    git_reference_iterator *it = NULL;
    git_reference *ref;
    char *glob = pawl_xasprintf("refs/remotes/%s/*", remote);
    int found = 0;

    if (git_reference_iterator_glob_new(&it, repo, glob) == 0) {
        while (git_reference_next(&ref, it) == 0) {
            git_oid tip, mb;
            if (commit_of(&tip, ref) == 0 && git_merge_base(&mb, repo, local, &tip) == 0 &&
                (!found ||
                 (!git_oid_equal(&mb, out) && git_graph_descendant_of(repo, &mb, out) == 1))) {
                git_oid_cpy(out, &mb);
                found = 1;
            }
            git_reference_free(ref);
        }
    }
    git_reference_iterator_free(it);
    free(glob);
    return found ? 0 : -1;
}

/*
 * The remote-tracking ref of a local branch's upstream, from branch.<b>.remote
 * and branch.<b>.merge mapped as the default fetch refspec maps them.
 * git_branch_upstream() would honour custom refspecs, but libgit2 1.5 leaks
 * in the remote lookup it makes.
 */
static char *upstream_ref(git_repository *repo, const char *branch)
{
    git_config *cfg = NULL;
    const char *remote = NULL, *merge = NULL;
    char *rkey = pawl_xasprintf("branch.%s.remote", branch);
    char *mkey = pawl_xasprintf("branch.%s.merge", branch), *out = NULL;

    if (git_repository_config_snapshot(&cfg, repo) == 0 &&
        git_config_get_string(&remote, cfg, rkey) == 0 &&
        git_config_get_string(&merge, cfg, mkey) == 0 && strncmp(merge, "refs/heads/", 11) == 0)
        out = strcmp(remote, ".") == 0 ? pawl_xstrdup(merge)
                                       : pawl_xasprintf("refs/remotes/%s/%s", remote, merge + 11);
    git_config_free(cfg);
    free(mkey);
    free(rkey);
    return out;
}

/* Where a new branch left what the remote already has; -1 when nothing is known. */
static int find_base(git_oid *out, git_repository *repo, const char *remote, const char *local_ref,
                     const git_oid *local)
{
    git_reference *head = NULL;
    char *name = NULL;
    int rc = -1, valid = 0;

    /* `git push origin HEAD:topic` names the local side HEAD: its branch has the upstream. */
    if (strcmp(local_ref, "HEAD") == 0 && git_reference_lookup(&head, repo, "HEAD") == 0 &&
        git_reference_type(head) == GIT_REFERENCE_SYMBOLIC)
        local_ref = git_reference_symbolic_target(head);
    if (strncmp(local_ref, "refs/heads/", 11) == 0 &&
        (name = upstream_ref(repo, local_ref + 11)) != NULL)
        rc = base_with_ref(out, repo, name, local);
    free(name);
    git_reference_free(head);
    if (rc == 0)
        return 0;
    /* git passes a URL when the push names no remote: no tracking refs then. */
    if (git_remote_name_is_valid(&valid, remote) < 0 || !valid)
        return -1;
    name = pawl_xasprintf("refs/remotes/%s/HEAD", remote);
    rc = base_with_ref(out, repo, name, local);
    free(name);
    if (rc == 0)
        return 0;
    return base_with_remote(out, repo, remote, local);
}

static int add_delta(const git_diff_delta *delta, float progress, void *payload)
{
    struct pawl_hook_paths *out = payload;

    (void)progress;
    if (delta->old_file.path)
        paths_add(out, delta->old_file.path);
    if (delta->new_file.path &&
        (!delta->old_file.path || strcmp(delta->new_file.path, delta->old_file.path) != 0))
        paths_add(out, delta->new_file.path);
    return 0;
}

static int collect_update(struct pawl_hook_paths *out, git_repository *repo, const char *remote,
                          const struct pawl_hook_update *u, struct pawl_error *err)
{
    git_object *obj = NULL, *new_c = NULL, *old_c = NULL;
    git_tree *new_t = NULL, *old_t = NULL;
    git_diff *diff = NULL;
    git_diff_options opts;
    git_oid local, theirs, base;
    int rc = 0;

    if (is_zero_oid(u->local_oid) || strncmp(u->remote_ref, "refs/tags/", 10) == 0)
        return 0;
    if (git_oid_fromstr(&local, u->local_oid) < 0 ||
        git_object_lookup(&obj, repo, &local, GIT_OBJECT_ANY) < 0) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0,
                            "pre-push input line %d: unknown local object '%s'", u->line,
                            u->local_oid);
        goto done;
    }
    /* A pushed tree or blob (refs that are not branches) has no history to compare. */
    if (git_object_peel(&new_c, obj, GIT_OBJECT_COMMIT) < 0)
        goto done;
    git_object_free(obj);
    obj = NULL;
    if (!is_zero_oid(u->remote_oid) && git_oid_fromstr(&theirs, u->remote_oid) == 0 &&
        git_object_lookup(&obj, repo, &theirs, GIT_OBJECT_ANY) == 0)
        git_object_peel(&old_c, obj, GIT_OBJECT_COMMIT);
    if (!old_c && find_base(&base, repo, remote, u->local_ref, git_object_id(new_c)) == 0)
        git_object_lookup(&old_c, repo, &base, GIT_OBJECT_COMMIT);
    if (git_commit_tree(&new_t, (git_commit *)new_c) < 0 ||
        (old_c && git_commit_tree(&old_t, (git_commit *)old_c) < 0)) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot read the pushed commits: %s",
                            pawl_git_error_message());
        goto done;
    }
    git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
    opts.flags |= GIT_DIFF_SKIP_BINARY_CHECK;
    if (git_diff_tree_to_tree(&diff, repo, old_t, new_t, &opts) < 0 ||
        git_diff_foreach(diff, add_delta, NULL, NULL, NULL, out) < 0)
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot diff the pushed commits: %s",
                            pawl_git_error_message());
done:
    git_diff_free(diff);
    git_tree_free(old_t);
    git_tree_free(new_t);
    git_object_free(old_c);
    git_object_free(new_c);
    git_object_free(obj);
    return rc;
}

int pawl_hook_open_repo(git_repository **out, const char *dir, const char *what,
                        struct pawl_error *err)
{
    int grc = git_repository_open_ext(out, dir, 0, NULL);

    if (grc == GIT_ENOTFOUND)
        return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                              "cannot %s: '%s' is not inside a git repository", what, dir);
    if (grc < 0)
        return pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot %s: %s", what,
                              pawl_git_error_message());
    return 0;
}

static int changed_in_repo(struct pawl_hook_paths *out, git_repository *repo, const char *remote,
                           const struct pawl_hook_input *in, struct pawl_error *err)
{
    size_t i;
    int rc = 0;

    for (i = 0; i < in->n && rc == 0; i++)
        rc = collect_update(out, repo, remote, &in->v[i], err);
    paths_finish(out);
    return rc;
}

static int needs_repo(const struct pawl_hook_input *in)
{
    size_t i;

    for (i = 0; i < in->n; i++)
        if (!is_zero_oid(in->v[i].local_oid) && strncmp(in->v[i].remote_ref, "refs/tags/", 10) != 0)
            return 1;
    return 0;
}

int pawl_hook_changed_paths(struct pawl_hook_paths *out, const char *repo_dir, const char *remote,
                            const struct pawl_hook_input *in, struct pawl_error *err)
{
    git_repository *repo = NULL;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!needs_repo(in))
        return 0;
    git_libgit2_init();
    if ((rc = pawl_hook_open_repo(&repo, repo_dir, "inspect the push", err)) == 0)
        rc = changed_in_repo(out, repo, remote, in, err);
    if (rc < 0)
        pawl_hook_paths_release(out);
    git_repository_free(repo);
    git_libgit2_shutdown();
    return rc;
}

int pawl_hook_decide(struct pawl_hook_decision *out, const char *repo_dir, const char *config,
                     const char *const *globs, size_t n_globs, const char *remote,
                     const struct pawl_hook_input *in, struct pawl_error *err)
{
    git_repository *repo = NULL;
    struct pawl_hook_paths changed;
    struct pawl_hook_targets targets;
    const char *workdir;
    size_t i;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    memset(&changed, 0, sizeof(changed));
    memset(&targets, 0, sizeof(targets));
    /* Deletions and tags only: answer before touching the repository or the config. */
    if (!needs_repo(in))
        return 0;
    git_libgit2_init();
    if ((rc = pawl_hook_open_repo(&repo, repo_dir, "inspect the push", err)) < 0 ||
        (rc = changed_in_repo(&changed, repo, remote, in, err)) < 0 || changed.n == 0)
        goto done;
    workdir = git_repository_workdir(repo);
    if (!workdir) { /* a bare repository has no checkout of the config */
        out->config_missing = 1;
        goto done;
    }
    if ((rc = pawl_hook_targets_load(&targets, workdir, config, globs, n_globs, err)) < 0)
        goto done;
    out->config_missing = targets.config_missing;
    for (i = 0; i < changed.n; i++)
        if (pawl_hook_targets_match(&targets, changed.v[i]))
            paths_add(&out->relevant, changed.v[i]);
    out->run_gate = out->relevant.n > 0 && !out->config_missing;
done:
    pawl_hook_targets_release(&targets);
    pawl_hook_paths_release(&changed);
    git_repository_free(repo);
    git_libgit2_shutdown();
    if (rc < 0)
        pawl_hook_decision_release(out);
    return rc;
}

void pawl_hook_decision_release(struct pawl_hook_decision *d)
{
    if (!d)
        return;
    pawl_hook_paths_release(&d->relevant);
    memset(d, 0, sizeof(*d));
}
