/* realpath() is XSI, not plain POSIX.1-2008. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/fs.h"
#include "pawl/git.h"

void pawl_git_hash_blob(char out[PAWL_GIT_OID_HEX], const void *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0, i;
    char header[32];
    int n = snprintf(header, sizeof(header), "blob %zu", len);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    /* The header's NUL is part of what git hashes, hence n + 1. */
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) ||
        !EVP_DigestUpdate(ctx, header, (size_t)n + 1) || !EVP_DigestUpdate(ctx, data, len) ||
        !EVP_DigestFinal_ex(ctx, md, &md_len)) {
        fprintf(stderr, "pawl: SHA-1 is unavailable in libcrypto\n");
        abort();
    }
    EVP_MD_CTX_free(ctx);
    for (i = 0; i < md_len && i < (PAWL_GIT_OID_HEX - 1) / 2; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0xf];
    }
    out[2 * i] = '\0';
}

const char *pawl_git_error_message(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown libgit2 error";
}

/*
 * The absolute, symlink-free path of `fs_path`, with only its directory
 * required to exist: the file itself may be gone from the working tree and
 * still be wanted at an older revision. When even the directory is gone,
 * the path is resolved lexically and its nearest existing ancestor is
 * canonicalised instead. `*dir_len` is the length of the existing prefix,
 * where repository discovery starts.
 */
static char *resolve_path(const char *fs_path, size_t *dir_len)
{
    const char *last = strrchr(fs_path, '/'), *base = last ? last + 1 : fs_path;
    char *dir, *real = NULL, *abs = NULL, *out = NULL, *slash;

    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        dir = pawl_xstrdup(fs_path); /* names a directory: resolve all of it */
        base = "";
    } else if (!last) {
        dir = pawl_xstrdup(".");
    } else { /* "/x" keeps its root */
        dir = pawl_xstrndup(fs_path, last == fs_path ? 1 : (size_t)(last - fs_path));
    }
    real = realpath(dir, NULL);
    if (real) {
        *dir_len = strlen(real);
        out = *base ? pawl_xasprintf("%s%s%s", real, strcmp(real, "/") ? "/" : "", base)
                    : pawl_xstrdup(real);
        goto done;
    }
    if (!(abs = pawl_fs_absolute(fs_path)))
        goto done;
    pawl_fs_normalize(abs);
    /* Walk up until a directory exists; "/" always does. */
    slash = abs + strlen(abs);
    for (;;) {
        while (slash > abs && *slash != '/')
            slash--;
        if (slash == abs) {
            *dir_len = 1;
            out = pawl_xstrdup(abs);
            goto done;
        }
        *slash = '\0';
        real = realpath(abs, NULL);
        *slash = '/';
        if (real)
            break;
        slash--;
    }
    *dir_len = strlen(real);
    out = pawl_xasprintf("%s%s", strcmp(real, "/") ? real : "", slash);
done:
    free(real);
    free(abs);
    free(dir);
    return out;
}

/* A path's repository, its place in the work tree and the tree at a revision. */
struct located {
    git_repository *repo;
    git_object *obj, *commit;
    git_tree *tree;
    char *abs, *start;
    const char *rel; /* points into abs: the path relative to the work tree root */
};

static void located_release(struct located *L)
{
    git_tree_free(L->tree);
    git_object_free(L->commit);
    git_object_free(L->obj);
    git_repository_free(L->repo);
    free(L->start);
    free(L->abs);
    memset(L, 0, sizeof(*L));
}

static int locate(struct located *L, const char *fs_path, const char *ref, const char *display,
                  struct pawl_error *err)
{
    const char *workdir;
    size_t dir_len = 0, wlen;
    int grc;

    memset(L, 0, sizeof(*L));
    L->abs = resolve_path(fs_path, &dir_len);
    if (!L->abs)
        return pawl_error_set(err, PAWL_EIO, display, 0, 0, "cannot read '%s' at '%s': %s",
                              display, ref, strerror(errno));
    L->start = pawl_xstrndup(L->abs, dir_len);
    grc = git_repository_open_ext(&L->repo, L->start, 0, NULL);
    if (grc == GIT_ENOTFOUND)
        return pawl_error_set(err, PAWL_EDATA, display, 0, 0,
                              "cannot read '%s' at '%s': not inside a git repository", display,
                              ref);
    if (grc < 0)
        return pawl_error_set(err, PAWL_EDATA, display, 0, 0, "cannot read '%s' at '%s': %s",
                              display, ref, pawl_git_error_message());
    workdir = git_repository_workdir(L->repo);
    if (!workdir)
        return pawl_error_set(err, PAWL_EDATA, display, 0, 0,
                              "cannot read '%s' at '%s': the repository has no working tree",
                              display, ref);
    /* libgit2's workdir is canonical and ends in '/'. */
    wlen = strlen(workdir);
    if (strncmp(L->abs, workdir, wlen) == 0)
        L->rel = L->abs + wlen;
    else if (wlen > 1 && strncmp(L->abs, workdir, wlen - 1) == 0 && L->abs[wlen - 1] == '\0')
        L->rel = "";
    else
        return pawl_error_set(err, PAWL_EDATA, display, 0, 0,
                              "cannot read '%s' at '%s': outside the repository's working tree",
                              display, ref);

    grc = git_revparse_single(&L->obj, L->repo, ref);
    if (grc == GIT_ENOTFOUND || grc == GIT_EINVALIDSPEC)
        return pawl_error_set(err, PAWL_EDATA, display, 0, 0, "unknown git revision '%s'", ref);
    if (grc == GIT_EAMBIGUOUS)
        return pawl_error_set(err, PAWL_EDATA, display, 0, 0, "ambiguous git revision '%s'", ref);
    if (grc < 0)
        return pawl_error_set(err, PAWL_EDATA, display, 0, 0,
                              "cannot resolve git revision '%s': %s", ref, pawl_git_error_message());
    if (git_object_peel(&L->commit, L->obj, GIT_OBJECT_COMMIT) < 0)
        return pawl_error_set(err, PAWL_EDATA, display, 0, 0, "git revision '%s' is not a commit",
                              ref);
    if (git_commit_tree(&L->tree, (git_commit *)L->commit) < 0)
        return pawl_error_set(err, PAWL_EIO, display, 0, 0, "cannot read '%s' at '%s': %s",
                              display, ref, pawl_git_error_message());
    return 0;
}

int pawl_git_read_at_ref(struct pawl_buf *out, char blob[PAWL_GIT_OID_HEX], const char *fs_path,
                         const char *ref, const char *display, struct pawl_error *err)
{
    struct located L;
    git_tree_entry *entry = NULL;
    git_blob *gblob = NULL;
    int rc, grc;

    git_libgit2_init();
    if ((rc = locate(&L, fs_path, ref, display, err)) < 0)
        goto done;
    if (!*L.rel) {
        rc = pawl_error_set(err, PAWL_EDATA, display, 0, 0, "'%s' is not a file at '%s'", display,
                            ref);
        goto done;
    }
    grc = git_tree_entry_bypath(&entry, L.tree, L.rel);
    if (grc == GIT_ENOTFOUND) {
        rc = pawl_error_set(err, PAWL_EDATA, display, 0, 0, "'%s' does not exist at '%s'", display,
                            ref);
        goto done;
    }
    if (grc < 0) {
        rc = pawl_error_set(err, PAWL_EIO, display, 0, 0, "cannot read '%s' at '%s': %s", display,
                            ref, pawl_git_error_message());
        goto done;
    }
    /* A committed symlink's blob holds the link target, not the file's bytes. */
    if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
        git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK) {
        rc = pawl_error_set(err, PAWL_EDATA, display, 0, 0, "'%s' is not a file at '%s'", display,
                            ref);
        goto done;
    }
    if (git_blob_lookup(&gblob, L.repo, git_tree_entry_id(entry)) < 0) {
        rc = pawl_error_set(err, PAWL_EIO, display, 0, 0, "cannot read '%s' at '%s': %s", display,
                            ref, pawl_git_error_message());
        goto done;
    }
    if (pawl_buf_add(out, git_blob_rawcontent(gblob), (size_t)git_blob_rawsize(gblob)) < 0) {
        rc = pawl_error_set(err, PAWL_EDATA, display, 0, 0, "'%s' at '%s' is too large", display,
                            ref);
        goto done;
    }
    git_oid_tostr(blob, PAWL_GIT_OID_HEX, git_tree_entry_id(entry));
done:
    git_blob_free(gblob);
    git_tree_entry_free(entry);
    located_release(&L);
    git_libgit2_shutdown();
    return rc;
}

int pawl_git_export_tree(char **out_rel, const char *fs_path, const char *ref, const char *target,
                         struct pawl_error *err)
{
    git_checkout_options opts;
    struct located L;
    int rc;

    *out_rel = NULL;
    git_libgit2_init();
    git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
    if ((rc = locate(&L, fs_path, ref, fs_path, err)) < 0)
        goto done;
    opts.checkout_strategy = GIT_CHECKOUT_FORCE;
    opts.target_directory = target;
    /* Checking out elsewhere must not touch the user's index. */
    opts.checkout_strategy |= GIT_CHECKOUT_DONT_UPDATE_INDEX;
    if (git_checkout_tree(L.repo, (git_object *)L.tree, &opts) < 0) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot check out '%s' into '%s': %s", ref,
                            target, pawl_git_error_message());
        goto done;
    }
    *out_rel = pawl_xstrdup(L.rel);
done:
    located_release(&L);
    git_libgit2_shutdown();
    return rc;
}

int pawl_git_repo_relative(char **out, const char *fs_path, struct pawl_error *err)
{
    git_repository *repo = NULL;
    const char *workdir;
    char *abs = NULL, *start = NULL;
    size_t dir_len = 0, wlen;
    int rc = 0, grc;

    *out = NULL;
    git_libgit2_init();
    abs = resolve_path(fs_path, &dir_len);
    if (!abs) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot resolve '%s': %s", fs_path,
                            strerror(errno));
        goto done;
    }
    start = pawl_xstrndup(abs, dir_len);
    grc = git_repository_open_ext(&repo, start, 0, NULL);
    if (grc < 0) {
        rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0, "'%s' is not inside a git repository%s%s",
                            fs_path, grc == GIT_ENOTFOUND ? "" : ": ",
                            grc == GIT_ENOTFOUND ? "" : pawl_git_error_message());
        goto done;
    }
    workdir = git_repository_workdir(repo);
    wlen = workdir ? strlen(workdir) : 0;
    /* libgit2's workdir is canonical and ends in '/', like the resolved path's prefix. */
    if (!workdir || strncmp(abs, workdir, wlen) != 0 || !abs[wlen]) {
        rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                            "'%s' is not inside the working tree of a git repository", fs_path);
        goto done;
    }
    *out = pawl_xstrdup(abs + wlen);
done:
    git_repository_free(repo);
    free(start);
    free(abs);
    git_libgit2_shutdown();
    return rc;
}

/* The branch HEAD points at, also on an unborn branch; NULL when detached. */
static char *head_branch(git_repository *repo, git_reference *head)
{
    git_reference *sym = NULL;
    const char *target;
    char *name = NULL;

    if (head)
        return git_reference_is_branch(head) ? pawl_xstrdup(git_reference_shorthand(head)) : NULL;
    if (git_reference_lookup(&sym, repo, "HEAD") < 0)
        return NULL;
    target = git_reference_symbolic_target(sym);
    if (target && strncmp(target, "refs/heads/", 11) == 0)
        name = pawl_xstrdup(target + 11);
    git_reference_free(sym);
    return name;
}

static int is_dirty(git_repository *repo)
{
    git_status_options opts;
    git_status_list *list = NULL;
    size_t i, n;
    int dirty = 0;

    if (git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION) < 0)
        return 0;
    opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    opts.flags = 0; /* untracked and ignored files do not make a checkout dirty */
    if (git_status_list_new(&list, repo, &opts) < 0)
        return 0;
    n = git_status_list_entrycount(list);
    for (i = 0; i < n && !dirty; i++) {
        const git_status_entry *e = git_status_byindex(list, i);
        unsigned int s = e->status & ~(unsigned int)(GIT_STATUS_WT_NEW | GIT_STATUS_IGNORED);
        if (s != GIT_STATUS_CURRENT)
            dirty = 1;
    }
    git_status_list_free(list);
    return dirty;
}

void pawl_git_describe(struct pawl_git_info *out, const char *dir)
{
    git_repository *repo = NULL;
    git_reference *head = NULL;

    memset(out, 0, sizeof(*out));
    git_libgit2_init();
    if (git_repository_open_ext(&repo, dir, 0, NULL) < 0)
        goto done;
    out->present = 1;
    if (git_repository_head(&head, repo) == 0) {
        const git_oid *oid = git_reference_target(head);
        if (oid)
            git_oid_tostr(out->commit, sizeof(out->commit), oid);
        out->ref = head_branch(repo, head);
    } else if (git_repository_head_unborn(repo) == 1) {
        out->ref = head_branch(repo, NULL);
    }
    if (!git_repository_is_bare(repo))
        out->dirty = is_dirty(repo);
done:
    git_reference_free(head);
    git_repository_free(repo);
    git_libgit2_shutdown();
}

void pawl_git_info_release(struct pawl_git_info *info)
{
    if (!info)
        return;
    free(info->ref);
    memset(info, 0, sizeof(*info));
}
