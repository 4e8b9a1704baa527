#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/buf.h"

char pawl_buf_empty[1];

void pawl_buf_init(struct pawl_buf *b, size_t cap)
{
    b->ptr = pawl_buf_empty;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void pawl_buf_release(struct pawl_buf *b)
{
    size_t cap = b->cap;
    if (b->alloc)
        free(b->ptr);
    pawl_buf_init(b, cap);
}

void pawl_buf_reset(struct pawl_buf *b)
{
    b->len = 0;
    if (b->alloc)
        b->ptr[0] = '\0';
}

static int grow(struct pawl_buf *b, size_t extra)
{
    size_t need;

    if (extra > (size_t)-1 - b->len - 1)
        return -1;
    need = b->len + extra;
    if (b->cap && need > b->cap)
        return -1;
    if (need + 1 > b->alloc) {
        size_t n = b->alloc ? b->alloc : 64;
        while (n < need + 1)
            n = n > (size_t)-1 / 2 ? need + 1 : n * 2;
        if (b->alloc) {
            b->ptr = pawl_xrealloc(b->ptr, n);
        } else {
            b->ptr = pawl_xmalloc(n);
            b->ptr[0] = '\0';
        }
        b->alloc = n;
    }
    return 0;
}

int pawl_buf_add(struct pawl_buf *b, const void *data, size_t len)
{
    if (grow(b, len) < 0)
        return -1;
    if (len)
        memcpy(b->ptr + b->len, data, len);
    b->len += len;
    if (b->alloc)
        b->ptr[b->len] = '\0';
    return 0;
}

int pawl_buf_puts(struct pawl_buf *b, const char *s)
{
    return pawl_buf_add(b, s, strlen(s));
}

int pawl_buf_putc(struct pawl_buf *b, char c)
{
    return pawl_buf_add(b, &c, 1);
}

int pawl_buf_vprintf(struct pawl_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0 || grow(b, (size_t)n) < 0)
        return -1;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int pawl_buf_printf(struct pawl_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = pawl_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *pawl_buf_detach(struct pawl_buf *b, size_t *len)
{
    char *p;

    if (len)
        *len = b->len;
    if (!b->alloc)
        return pawl_xstrdup("");
    p = b->ptr;
    pawl_buf_init(b, b->cap);
    return p;
}
