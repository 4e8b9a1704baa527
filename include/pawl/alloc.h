/*
 * alloc.h - allocation that never returns NULL.
 *
 * Running out of memory is not a condition pawl can report usefully, so
 * these wrappers print one line and abort(). Everything else in libpawl
 * may assume allocation succeeds.
 */
#ifndef PAWL_ALLOC_H
#define PAWL_ALLOC_H

#include <stddef.h>
#include "pawl/error.h"

void *pawl_xmalloc(size_t size);
void *pawl_xcalloc(size_t n, size_t size);
void *pawl_xrealloc(void *ptr, size_t size);
/* Grows an array of `n` elements of `size` bytes, checking for overflow. */
void *pawl_xreallocarray(void *ptr, size_t n, size_t size);
char *pawl_xstrdup(const char *s);
char *pawl_xstrndup(const char *s, size_t n);
char *pawl_xasprintf(const char *fmt, ...) PAWL_PRINTF(1, 2);

/* Grows `*arr` so it holds at least `need` elements; `*alloc` tracks capacity. */
#define PAWL_ALLOC_GROW(arr, need, alloc)                                                        \
    do {                                                                                       \
        if ((need) > (alloc)) {                                                                \
            size_t pawl_grow_ = (alloc) ? (alloc)*2 : 8;                                       \
            while (pawl_grow_ < (need))                                                        \
                pawl_grow_ *= 2;                                                               \
            (arr) = pawl_xreallocarray((arr), pawl_grow_, sizeof(*(arr)));                     \
            (alloc) = pawl_grow_;                                                              \
        }                                                                                      \
    } while (0)

#endif
