/*
 * buf.h - a growable byte buffer with git strbuf's invariants.
 *
 * `ptr` is never NULL and always NUL-terminated, so it can be passed to C
 * string functions at any time (embedded NULs are allowed; `len` is the
 * truth). A buffer may carry a size cap: appends that would pass it fail
 * with -1 and leave the buffer unchanged, which is how untrusted bodies
 * (agent stdout, HTTP responses) stay bounded.
 *
 * Ownership: the buffer owns `ptr` until pawl_buf_detach() hands it over.
 */
#ifndef PAWL_BUF_H
#define PAWL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include "pawl/error.h"

struct pawl_buf {
    char *ptr;
    size_t len;
    size_t alloc; /* 0 while ptr points at the shared empty string */
    size_t cap;   /* 0 = unlimited, else the largest len allowed */
};

extern char pawl_buf_empty[];
#define PAWL_BUF_INIT {pawl_buf_empty, 0, 0, 0}

void pawl_buf_init(struct pawl_buf *b, size_t cap);
void pawl_buf_release(struct pawl_buf *b);
void pawl_buf_reset(struct pawl_buf *b); /* len = 0, keeps memory */
int pawl_buf_add(struct pawl_buf *b, const void *data, size_t len);
int pawl_buf_puts(struct pawl_buf *b, const char *s);
int pawl_buf_putc(struct pawl_buf *b, char c);
int pawl_buf_printf(struct pawl_buf *b, const char *fmt, ...) PAWL_PRINTF(2, 3);
int pawl_buf_vprintf(struct pawl_buf *b, const char *fmt, va_list ap);
/* Returns the heap string and resets the buffer; never NULL. */
char *pawl_buf_detach(struct pawl_buf *b, size_t *len);

#endif
