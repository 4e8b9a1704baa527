/*
 * hook.h - the git pre-push hook: is a push eval-relevant, and the hook file.
 *
 * git runs `.git/hooks/pre-push REMOTE URL` with one line per ref to update
 * on stdin: `<local ref> <local sha> <remote ref> <remote sha>`. pawl reads
 * those lines, works out with libgit2 which paths the pushed commits change,
 * and runs the gate only when one of them is something the gate reads: the
 * config, the dataset, a prompt file, a file or directory named by the exec
 * command, the baseline file, or a path matching a `--paths` glob.
 *
 * What a line changes:
 *   - a deletion (local sha all zeros) changes nothing;
 *   - a tag (remote ref under refs/tags/) changes nothing: it names a commit
 *     whose content reached the remote, or will, through a branch push;
 *   - an update is the tree diff remote sha -> local sha;
 *   - a new branch (remote sha all zeros), or an update whose remote sha is
 *     not in the local object database, is diffed against a base: the
 *     merge-base with the local branch's upstream, else with
 *     refs/remotes/REMOTE/HEAD, else the nearest merge-base with any
 *     branch under refs/remotes/REMOTE/; with none, every file of the
 *     pushed tree counts as changed.
 * Only the end points are compared: a file changed and changed back within
 * the pushed commits is not a change.
 *
 * The hook file carries PAWL_HOOK_MARKER so pawl never overwrites or
 * removes a hook it did not write. It lives in `core.hooksPath` when that
 * is set (relative values are relative to the work tree root), else in the
 * repository's hooks directory.
 */
#ifndef PAWL_HOOK_H
#define PAWL_HOOK_H

#include <stddef.h>

#include "pawl/error.h"
#include "pawl/git.h"

#define PAWL_HOOK_MARKER "# installed by pawl hook install"

/* One line of pre-push input. */
struct pawl_hook_update {
    char *local_ref;  /* "refs/heads/main", or "(delete)" for a deletion */
    char *remote_ref; /* "refs/heads/main", "refs/tags/v1", ... */
    char local_oid[PAWL_GIT_OID_HEX];
    char remote_oid[PAWL_GIT_OID_HEX];
    int line; /* 1-based line of the input */
};

struct pawl_hook_input {
    struct pawl_hook_update *v;
    size_t n, alloc;
};

/*
 * Parses git's pre-push input. Empty input (an empty push) is no updates.
 * A malformed line is PAWL_EUSAGE with a message naming it, e.g.
 * `pre-push input line 1: expected 4 fields (local ref, local sha, remote
 * ref, remote sha), got 3` or `pre-push input line 2: 'xyz' is not an object
 * id`. `out` is released on failure.
 */
int pawl_hook_parse_input(struct pawl_hook_input *out, const char *text, size_t len,
                          struct pawl_error *err);
void pawl_hook_input_release(struct pawl_hook_input *in);

/* A sorted list of distinct repository-relative paths, owned by the list. */
struct pawl_hook_paths {
    char **v;
    size_t n, alloc;
};

void pawl_hook_paths_release(struct pawl_hook_paths *paths);

/*
 * What the gate reads, relative to the work tree root `workdir` (absolute,
 * ending in '/'). `dirs` are directories named by the exec command: any
 * path under one matches.
 */
struct pawl_hook_targets {
    struct pawl_hook_paths files;
    struct pawl_hook_paths dirs;
    char **globs; /* --paths patterns, matched with fnmatch(FNM_PATHNAME) */
    size_t n_globs;
    int config_missing; /* the config file does not exist in the work tree */
};

/*
 * Loads `config` (relative to the current directory) with pawl_config_load
 * to learn the files it references; paths outside `workdir` are left out.
 * A config file that does not exist is not an error: the targets are then
 * the config path and the globs, and config_missing is set. An invalid
 * config fails as pawl_config_load does.
 */
int pawl_hook_targets_load(struct pawl_hook_targets *out, const char *workdir, const char *config,
                           const char *const *globs, size_t n_globs, struct pawl_error *err);
void pawl_hook_targets_release(struct pawl_hook_targets *t);

/*
 * 1 when repository-relative `path` is a target: equal to a file, under a
 * directory, or matched by a glob (a glob also matches everything under a
 * directory it matches, so `--paths prompts` covers prompts/x.md).
 */
int pawl_hook_targets_match(const struct pawl_hook_targets *t, const char *path);

/*
 * The paths the updates change in the repository containing `repo_dir`,
 * following the rules at the top of this file. `remote` is the remote name
 * git passed (a URL when the push names no remote: then only the upstream
 * is tried). Unknown local objects and git failures are PAWL_EIO.
 */
int pawl_hook_changed_paths(struct pawl_hook_paths *out, const char *repo_dir, const char *remote,
                            const struct pawl_hook_input *in, struct pawl_error *err);

struct pawl_hook_decision {
    int run_gate;                    /* 1 when a relevant path changed */
    int config_missing;              /* nothing to gate: the config is not in this checkout */
    struct pawl_hook_paths relevant; /* the relevant changed paths */
};

/*
 * The whole decision for `pawl hook run`: changed paths first (a push of
 * deletions and tags stops there, without reading the config), then the
 * targets of `config`, which is relative to the current directory. Never
 * loads the dataset or starts the agent.
 */
int pawl_hook_decide(struct pawl_hook_decision *out, const char *repo_dir, const char *config,
                     const char *const *globs, size_t n_globs, const char *remote,
                     const struct pawl_hook_input *in, struct pawl_error *err);
void pawl_hook_decision_release(struct pawl_hook_decision *d);

struct pawl_hook_install_options {
    const char *config;       /* relative to the current directory; must exist in the work tree */
    const char *const *globs; /* extra --paths patterns, repository-relative */
    size_t n_globs;
    const char *pawl_path; /* absolute path of the pawl binary, or NULL: `pawl` on PATH */
    int force;             /* replace a pre-push hook pawl did not write */
};

/*
 * Writes the pre-push hook of the repository containing `repo_dir` (mode
 * 0755, atomically) and sets *out_display to its path for messages:
 * relative to the work tree root when inside it (".git/hooks/pre-push"),
 * else absolute. A hook without PAWL_HOOK_MARKER is PAWL_EUSAGE
 * (`'.git/hooks/pre-push' exists and was not installed by pawl (use --force
 * to replace it)`) unless `force`. Not in a repository, a bare repository or
 * a missing config are PAWL_EUSAGE; write failures PAWL_EIO.
 */
int pawl_hook_install(char **out_display, const char *repo_dir,
                      const struct pawl_hook_install_options *opts, struct pawl_error *err);

/*
 * Removes the pre-push hook if pawl wrote it: *out_removed is 1 when it did,
 * 0 when there was no hook. A foreign hook is PAWL_EUSAGE and stays.
 * *out_display names the hook path as pawl_hook_install() does.
 */
int pawl_hook_uninstall(char **out_display, int *out_removed, const char *repo_dir,
                        struct pawl_error *err);

/* The script pawl_hook_install() writes; a heap string. */
char *pawl_hook_script(const char *pawl_path, const char *config_rel, const char *const *globs,
                       size_t n_globs);

#endif
