#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pawl/alloc.h"
#include "pawl/fs.h"

int pawl_fs_read(struct pawl_buf *out, const char *path, const char *display, size_t max,
                 struct pawl_error *err)
{
    char chunk[65536];
    int fd, rc = 0;
    size_t start = out->len;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pawl_error_set(err, errno == ENOENT ? PAWL_EDATA : PAWL_EIO, NULL, 0, 0,
                              "cannot open '%s': %s", display, strerror(errno));
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot read '%s': %s", display,
                                strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if ((max && out->len - start + (size_t)n > max) || pawl_buf_add(out, chunk, (size_t)n) < 0) {
            rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0, "'%s' is larger than %zu bytes",
                                display, max);
            break;
        }
    }
    close(fd);
    return rc;
}

int pawl_fs_mkdirs(const char *dir, struct pawl_error *err)
{
    char *p = pawl_xstrdup(dir), *s;
    int rc = 0;

    for (s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) < 0 && errno != EEXIST) {
            rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot create directory '%s': %s",
                                p, strerror(errno));
            goto done;
        }
        *s = '/';
    }
    if (*p && mkdir(p, 0777) < 0 && errno != EEXIST)
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot create directory '%s': %s", p,
                            strerror(errno));
done:
    free(p);
    return rc;
}

int pawl_fs_atomic_open(struct pawl_fs_atomic *a, const char *path, struct pawl_error *err)
{
    char *dir = pawl_xstrdup(path), *slash;
    int rc = 0;

    memset(a, 0, sizeof(*a));
    a->fd = -1;
    slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if ((rc = pawl_fs_mkdirs(dir, err)) < 0)
            goto done;
    }
    a->tmp = pawl_xasprintf("%s.tmp.XXXXXX", path);
    a->fd = mkstemp(a->tmp);
    if (a->fd < 0) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot write '%s': %s", path,
                            strerror(errno));
        free(a->tmp);
        a->tmp = NULL;
        goto done;
    }
    a->path = pawl_xstrdup(path);
done:
    free(dir);
    return rc;
}

void pawl_fs_atomic_write(struct pawl_fs_atomic *a, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0 && !a->errnum) {
        ssize_t n = write(a->fd, p, len);
        if (n < 0) {
            if (errno != EINTR)
                a->errnum = errno;
            continue;
        }
        p += n;
        len -= (size_t)n;
    }
}

void pawl_fs_atomic_abort(struct pawl_fs_atomic *a)
{
    if (a->fd >= 0)
        close(a->fd);
    if (a->tmp)
        unlink(a->tmp);
    free(a->tmp);
    free(a->path);
    memset(a, 0, sizeof(*a));
    a->fd = -1;
}

int pawl_fs_atomic_commit(struct pawl_fs_atomic *a, int durable, struct pawl_error *err)
{
    int rc = 0;

    if (!a->errnum && (fchmod(a->fd, 0644) < 0 || (durable && fsync(a->fd) < 0)))
        a->errnum = errno;
    if (close(a->fd) < 0 && !a->errnum)
        a->errnum = errno;
    a->fd = -1;
    if (a->errnum) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot write '%s': %s", a->path,
                            strerror(a->errnum));
    } else if (rename(a->tmp, a->path) < 0) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot replace '%s': %s", a->path,
                            strerror(errno));
    } else {
        free(a->tmp);
        a->tmp = NULL;
    }
    pawl_fs_atomic_abort(a);
    return rc;
}

int pawl_fs_write_atomic(const char *path, const void *data, size_t len,
                         struct pawl_error *err)
{
    struct pawl_fs_atomic a;
    int rc;

    if ((rc = pawl_fs_atomic_open(&a, path, err)) < 0)
        return rc;
    pawl_fs_atomic_write(&a, data, len);
    return pawl_fs_atomic_commit(&a, 1, err);
}

char *pawl_fs_join_dir(const char *file_in_base_dir, const char *rel)
{
    const char *slash;

    if (rel[0] == '/')
        return pawl_xstrdup(rel);
    slash = strrchr(file_in_base_dir, '/');
    if (!slash)
        return pawl_xstrdup(rel);
    return pawl_xasprintf("%.*s/%s", (int)(slash - file_in_base_dir), file_in_base_dir, rel);
}

char *pawl_fs_absolute(const char *path)
{
    char *cwd, *abs;

    if (path[0] == '/')
        return pawl_xstrdup(path);
    if (!(cwd = getcwd(NULL, 0)))
        return NULL;
    abs = pawl_xasprintf("%s/%s", cwd, path);
    free(cwd);
    return abs;
}

void pawl_fs_normalize(char *path)
{
    char *src = path, *dst = path;

    while (*src) {
        char *seg;
        size_t n;

        while (*src == '/')
            src++;
        seg = src;
        while (*src && *src != '/')
            src++;
        n = (size_t)(src - seg);
        if (n == 0 || (n == 1 && seg[0] == '.'))
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (dst > path && *--dst != '/')
                ;
            continue;
        }
        *dst++ = '/';
        memmove(dst, seg, n);
        dst += n;
    }
    if (dst == path)
        *dst++ = '/';
    *dst = '\0';
}
