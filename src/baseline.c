#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pawl/alloc.h"
#include "pawl/baseline.h"
#include "pawl/buf.h"
#include "pawl/fs.h"
#include "pawl/git.h"

#define BASELINE_MAX_BYTES ((size_t)1 << 30)

static const char create_hint[] =
    "create one with 'pawl run' and 'pawl baseline promote reports/pawl-results.json', "
    "then commit it";

void pawl_baseline_spec_from_config(struct pawl_baseline_spec *out, const char *path,
                                    const char *ref)
{
    out->path = pawl_xstrdup(path);
    out->ref = ref ? pawl_xstrdup(ref) : NULL;
    out->label = ref ? pawl_xasprintf("%s:%s", ref, path) : pawl_xstrdup(path);
}

void pawl_baseline_spec_from_arg(struct pawl_baseline_spec *out, const char *arg)
{
    const char *colon = strchr(arg, ':');
    struct stat st;

    if (stat(arg, &st) == 0 || !colon || colon == arg || !colon[1]) {
        pawl_baseline_spec_from_config(out, arg, NULL);
        return;
    }
    out->ref = pawl_xstrndup(arg, (size_t)(colon - arg));
    out->path = pawl_xstrdup(colon + 1);
    out->label = pawl_xstrdup(arg);
}

void pawl_baseline_spec_release(struct pawl_baseline_spec *spec)
{
    free(spec->path);
    free(spec->ref);
    free(spec->label);
    memset(spec, 0, sizeof(*spec));
}

int pawl_baseline_load(struct pawl_results *out, const struct pawl_baseline_spec *spec,
                       struct pawl_error *err)
{
    struct pawl_buf text = PAWL_BUF_INIT;
    struct pawl_error inner;
    char blob[PAWL_GIT_OID_HEX];
    struct stat st;
    int rc;

    pawl_results_init(out);
    if (!spec->ref) {
        if (stat(spec->path, &st) < 0 && errno == ENOENT)
            return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                                  "baseline '%s' does not exist; %s", spec->path, create_hint);
        return pawl_results_read(out, spec->path, err);
    }
    pawl_error_init(&inner);
    rc = pawl_git_read_at_ref(&text, blob, spec->path, spec->ref, spec->label, &inner);
    if (rc < 0) {
        /* Only a missing file is fixed by creating one; other failures speak for themselves. */
        if (strstr(inner.msg, "does not exist at"))
            rc = pawl_error_set(err, rc, NULL, 0, 0, "baseline '%s' does not exist at '%s'; %s",
                                spec->path, spec->ref, create_hint);
        else
            rc = pawl_error_set(err, rc, inner.source, inner.line, inner.col, "%s", inner.msg);
    } else {
        rc = pawl_results_parse(out, text.ptr, text.len, spec->label, err);
    }
    pawl_buf_release(&text);
    return rc;
}

void pawl_baseline_remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d) {
        while ((e = readdir(d)) != NULL) {
            struct stat st;
            char *p;
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            p = pawl_xasprintf("%s/%s", dir, e->d_name);
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
                pawl_baseline_remove_tree(p);
            else
                unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

int pawl_baseline_load_task(struct pawl_suite *out, char **tmpdir, const char *config_path,
                            const char *ref, struct pawl_error *err)
{
    const char *base = getenv("TMPDIR");
    char *rel = NULL, *config = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    *tmpdir = pawl_xasprintf("%s/pawl-baseline-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(*tmpdir)) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0,
                            "cannot create a directory for the baseline: %s", strerror(errno));
        free(*tmpdir);
        *tmpdir = NULL;
        return rc;
    }
    if ((rc = pawl_git_export_tree(&rel, config_path, ref, *tmpdir, err)) < 0)
        goto done;
    config = pawl_xasprintf("%s/%s", *tmpdir, rel);
    if ((rc = pawl_suite_load(out, config, err)) < 0) {
        /* Errors inside the export name temporary paths; say which revision they came from. */
        if (err && err->code) {
            char *msg = pawl_xasprintf("%s (in the baseline at '%s')", err->msg, ref);
            size_t n = strlen(msg) < sizeof(err->msg) - 1 ? strlen(msg) : sizeof(err->msg) - 1;
            memcpy(err->msg, msg, n);
            err->msg[n] = '\0';
            free(msg);
            if (strncmp(err->source, *tmpdir, strlen(*tmpdir)) == 0) {
                memmove(err->source, err->source + strlen(*tmpdir) + 1,
                        strlen(err->source + strlen(*tmpdir) + 1) + 1);
            }
        }
    }
done:
    free(rel);
    free(config);
    return rc;
}

int pawl_baseline_promote(const char *results_path, const char *to, struct pawl_error *err)
{
    struct pawl_results r;
    size_t i, t;
    int rc;

    if ((rc = pawl_results_read(&r, results_path, err)) < 0)
        return rc;
    if (r.interrupted) {
        rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                            "'%s' is from an interrupted run; only a complete run can become "
                            "the baseline", results_path);
        goto done;
    }
    if (!r.verdict || strcmp(r.verdict, "error") == 0) {
        rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                            "'%s' is from a run that ended in an error; only a complete run can "
                            "become the baseline", results_path);
        goto done;
    }
    for (i = 0; i < r.n_cases; i++) {
        for (t = 0; t < r.cases[i].n_trials; t++) {
            if (r.cases[i].trials[t].error) {
                rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                                    "'%s' has errored calls (case '%s': %s); rerun before "
                                    "promoting it", results_path, r.cases[i].id,
                                    r.cases[i].trials[t].error);
                goto done;
            }
        }
    }
    rc = pawl_results_write(&r, to, err);
done:
    pawl_results_release(&r);
    return rc;
}
