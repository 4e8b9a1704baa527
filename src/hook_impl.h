/* Shared by hook.c (is a push relevant) and hook_file.c (the hook file itself). */
#ifndef PAWL_HOOK_IMPL_H
#define PAWL_HOOK_IMPL_H

#include <git2.h>

#include "pawl/error.h"

/* `path` (relative to the current directory, or absolute) relative to `workdir`
 * (absolute, ending in '/'); NULL when outside it. A heap string. */
char *pawl_hook_repo_relative(const char *workdir, const char *path);

/* Opens the repository containing `dir`; "cannot <what>: ..." errors. */
int pawl_hook_open_repo(git_repository **out, const char *dir, const char *what,
                        struct pawl_error *err);

#endif
