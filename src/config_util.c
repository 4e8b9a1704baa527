/*
 * config_util.c - the config loader's text and path rules: ${VAR} expansion,
 * repository containment of paths, durations.
 */
/* realpath() is XSI in glibc's headers. */
#define _XOPEN_SOURCE 700

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_impl.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/fs.h"

void pawl_config_keypath_index(char *out, const char *prefix, size_t i)
{
    snprintf(out, PAWL_CONFIG_KEYPATH_MAX, "%s[%zu]", prefix, i);
}

int pawl_config_is_string(const struct pawl_node *n)
{
    return n->kind == PAWL_NODE_SCALAR && !pawl_node_is_null(n);
}

int pawl_config_in_list(const char *word, const char *const *list)
{
    size_t i;

    for (i = 0; list[i]; i++)
        if (strcmp(word, list[i]) == 0)
            return 1;
    return 0;
}

/* ---- ${VAR} expansion -------------------------------------------------- */

static int valid_env_name(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (i = 1; i < len; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

/* Shell semantics: `${V:-d}` uses `d` when V is unset or empty; `$${` and a
 * lone `$` have no special meaning (there is no escape). */
static int expand_scalar(struct pawl_config_loader *ld, struct pawl_node *n)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    const char *s = n->value;
    char *name = NULL;
    size_t i = 0, len = n->len;
    int rc = 0;

    if (!memchr(s, '$', len))
        return 0;
    while (i < len) {
        const char *body, *close, *dflt = NULL;
        const char *value;
        size_t blen, nlen, dlen = 0;

        if (!(s[i] == '$' && i + 1 < len && s[i + 1] == '{')) {
            pawl_buf_putc(&b, s[i++]);
            continue;
        }
        body = s + i + 2;
        close = memchr(body, '}', len - i - 2);
        if (!close) {
            rc = pawl_config_fail(ld, n, "unterminated '${' in value");
            goto done;
        }
        blen = (size_t)(close - body);
        for (nlen = 0; nlen < blen; nlen++) {
            if (body[nlen] == ':' && nlen + 1 < blen && body[nlen + 1] == '-') {
                dflt = body + nlen + 2;
                dlen = blen - nlen - 2;
                break;
            }
        }
        if (!valid_env_name(body, nlen)) {
            rc = pawl_config_fail(ld, n, "invalid environment variable name '%.*s'", (int)nlen,
                                  body);
            goto done;
        }
        free(name);
        name = pawl_xstrndup(body, nlen);
        value = getenv(name);
        if (dflt && (!value || !value[0]))
            pawl_buf_add(&b, dflt, dlen);
        else if (value)
            pawl_buf_puts(&b, value);
        else {
            rc = pawl_config_fail(ld, n, "environment variable '%s' is not set", name);
            goto done;
        }
        i = (size_t)(close - s) + 1;
    }
    free(n->value);
    n->value = pawl_buf_detach(&b, &n->len);
done:
    free(name);
    pawl_buf_release(&b);
    return rc;
}

int pawl_config_expand_tree(struct pawl_config_loader *ld, struct pawl_node *n)
{
    size_t i;
    int rc;

    /*
     * YAML's "\0" escape puts a NUL byte in a scalar, and everything past it
     * would be lost without a word: keys compare as C strings ("task\0x" is
     * `task`), templates and patterns stop at it. Nothing in a config needs one.
     */
    if (n->kind == PAWL_NODE_SCALAR && memchr(n->value, '\0', n->len))
        return pawl_config_fail(ld, n, "a value must not contain a NUL character");
    if (n->kind == PAWL_NODE_SCALAR)
        return expand_scalar(ld, n);
    for (i = 0; i < n->n; i++) {
        if (n->keys && memchr(n->keys[i]->value, '\0', n->keys[i]->len))
            return pawl_config_fail(ld, n->keys[i], "a key must not contain a NUL character");
        if ((rc = pawl_config_expand_tree(ld, n->items[i])) < 0)
            return rc;
    }
    return 0;
}

/* ---- paths ------------------------------------------------------------- */

static int path_within(const char *path, const char *root)
{
    size_t rlen = strlen(root);

    if (strcmp(root, "/") == 0)
        return 1;
    return strncmp(path, root, rlen) == 0 && (path[rlen] == '\0' || path[rlen] == '/');
}

char *pawl_config_repo_root(const char *start)
{
    char *dir = pawl_xstrdup(start);

    for (;;) {
        char *probe = pawl_xasprintf("%s/.git", strcmp(dir, "/") == 0 ? "" : dir);
        struct stat st;
        int found = lstat(probe, &st) == 0;
        char *slash;

        free(probe);
        if (found)
            return dir;
        if (strcmp(dir, "/") == 0)
            break;
        slash = strrchr(dir, '/');
        if (slash == dir)
            dir[1] = '\0';
        else
            *slash = '\0';
    }
    free(dir);
    return pawl_xstrdup(start);
}

/*
 * `path` (absolute, normalised) with symbolic links resolved as far as it
 * exists: the realpath of its longest existing ancestor, plus the rest. A
 * file that does not exist yet (a report) cannot be a link, but a directory
 * above it can.
 */
static char *resolve_links(const char *path)
{
    char *probe = pawl_xstrdup(path), *real, *out, *slash;
    size_t keep;

    for (;;) {
        if ((real = realpath(probe, NULL)) != NULL)
            break;
        slash = strrchr(probe, '/');
        if (!slash || slash == probe) {
            free(probe);
            return pawl_xstrdup(path);
        }
        *slash = '\0';
    }
    keep = strlen(probe);
    out = pawl_xasprintf("%s%s", strcmp(real, "/") == 0 ? "" : real, path + keep);
    free(real);
    free(probe);
    return out;
}

/*
 * Lexical on realpath(config dir) + path first, then again with the links
 * that exist on the way resolved, so a link inside the repository that
 * points out of it is refused too.
 */
int pawl_config_check_path(struct pawl_config_loader *ld, const struct pawl_node *val,
                           const char *keypath)
{
    char *real;
    char *joined;
    int rc = 0;

    if (val->len == 0)
        return pawl_config_fail(ld, val, "'%s' must not be empty", keypath);
    if (val->value[0] == '/')
        return pawl_config_fail(ld, val, "path '%s' must be relative to the config file",
                                val->value);
    joined = pawl_xasprintf("%s/%s", ld->dir_real, val->value);
    pawl_fs_normalize(joined);
    if (!path_within(joined, ld->repo_root)) {
        rc = pawl_config_fail(ld, val, "path '%s' escapes the repository", val->value);
    } else {
        /* Inside by its letters; a symbolic link on the way may still lead out. */
        real = resolve_links(joined);
        if (!path_within(real, ld->repo_root))
            rc = pawl_config_fail(ld, val,
                                  "path '%s' escapes the repository through a symbolic link",
                                  val->value);
        free(real);
    }
    free(joined);
    return rc;
}

char *pawl_config_resolve(const struct pawl_config_loader *ld, const char *rel)
{
    return pawl_fs_join_dir(ld->cfg->path, rel);
}

/* ---- durations ----------------------------------------------------------- */

/*
 * The result is capped at INT_MAX milliseconds (about 24 days) so it can be
 * handed to poll() and curl without another check.
 */
long pawl_config_parse_duration(const char *s)
{
    static const struct {
        const char *suffix;
        double ms;
    } units[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    const char *p = s;
    double v = 0, scale = 1;
    size_t i, digits = 0;

    if (!s || !isdigit((unsigned char)*p))
        return -1;
    for (; isdigit((unsigned char)*p); p++, digits++) {
        if (digits >= 15)
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        for (; isdigit((unsigned char)*p); p++) {
            scale /= 10;
            v += (*p - '0') * scale;
        }
    }
    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(p, units[i].suffix) == 0) {
            double ms = floor(v * units[i].ms + 0.5);
            if (ms < 1 || ms > INT_MAX)
                return -1;
            return (long)ms;
        }
    }
    return -1;
}
