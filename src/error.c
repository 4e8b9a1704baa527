#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pawl/error.h"

void pawl_error_init(struct pawl_error *err)
{
    memset(err, 0, sizeof(*err));
}

void pawl_error_clear(struct pawl_error *err)
{
    if (err)
        pawl_error_init(err);
}

int pawl_error_set(struct pawl_error *err, int code, const char *source, int line, int col,
                   const char *fmt, ...)
{
    va_list ap;

    if (!err || err->code != 0)
        return code;
    err->code = code;
    err->line = line;
    err->col = col;
    snprintf(err->source, sizeof(err->source), "%s", source ? source : "");
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

void pawl_error_format(const struct pawl_error *err, char *out, size_t size)
{
    if (!err->source[0])
        snprintf(out, size, "%s", err->msg);
    else if (err->line > 0 && err->col > 0)
        snprintf(out, size, "%s:%d:%d: %s", err->source, err->line, err->col, err->msg);
    else if (err->line > 0)
        snprintf(out, size, "%s:%d: %s", err->source, err->line, err->msg);
    else
        snprintf(out, size, "%s: %s", err->source, err->msg);
}

int pawl_error_exit_code(const struct pawl_error *err)
{
    switch (err->code) {
    case PAWL_OK:
        return 0;
    case PAWL_EUSAGE:
    case PAWL_ECONFIG:
    case PAWL_EDATA:
        return 2;
    default:
        return 3;
    }
}
