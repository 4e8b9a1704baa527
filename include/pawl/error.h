/*
 * error.h - located errors and the codes that become exit statuses.
 *
 * Every fallible function in libpawl returns int: 0 on success, a negative
 * PAWL_E* code on failure, and fills a caller-provided struct pawl_error.
 * The first error set wins: later calls to pawl_error_set() on an error
 * that already holds one are ignored, so the root cause survives the
 * unwinding. Only the CLI prints errors and picks the exit status
 * (pawl_error_exit_code()).
 */
#ifndef PAWL_ERROR_H
#define PAWL_ERROR_H

#include <stddef.h>

enum {
    PAWL_OK = 0,
    PAWL_EUSAGE = -1,  /* bad flag or argument                     -> exit 2 */
    PAWL_ECONFIG = -2, /* invalid pawl.yaml, template or reference  -> exit 2 */
    PAWL_EDATA = -3,   /* malformed dataset or results file         -> exit 2 */
    PAWL_EIO = -4,     /* file system, git or process failure       -> exit 3 */
    PAWL_EINFRA = -5,  /* provider failure beyond the error budget  -> exit 3 */
    PAWL_EINTR = -6,   /* interrupted by a signal                   -> exit 3 */
};

#define PAWL_ERROR_SOURCE_MAX 512
#define PAWL_ERROR_MSG_MAX 1024

struct pawl_error {
    int code;                           /* 0 while no error is set */
    int line;                           /* 1-based, 0 when unknown */
    int col;                            /* 1-based, 0 when unknown */
    char source[PAWL_ERROR_SOURCE_MAX]; /* file name as the user wrote it, may be "" */
    char msg[PAWL_ERROR_MSG_MAX];       /* lower case, no final period */
};

#if defined(__GNUC__)
#define PAWL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PAWL_PRINTF(f, a)
#endif

void pawl_error_init(struct pawl_error *err);

/*
 * Records an error unless one is already set, and returns `code` either way
 * so callers can write `return pawl_error_set(err, PAWL_EDATA, ...)`.
 * `err` may be NULL. `source` may be NULL.
 */
int pawl_error_set(struct pawl_error *err, int code, const char *source, int line, int col,
                   const char *fmt, ...) PAWL_PRINTF(6, 7);

/* Clears the error so it can be reused. */
void pawl_error_clear(struct pawl_error *err);

/*
 * Formats "source:line:col: msg", "source:line: msg", "source: msg" or "msg"
 * depending on which parts are known, into `out` (always NUL-terminated).
 */
void pawl_error_format(const struct pawl_error *err, char *out, size_t size);

/* 2 for usage/config/data errors, 3 for runtime ones, 0 when none is set. */
int pawl_error_exit_code(const struct pawl_error *err);

#endif
