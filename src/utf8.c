#include <string.h>
#include <utf8proc.h>

#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/utf8.h"

int pawl_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0 || cp == 0)
            return 0;
        i += (size_t)n;
    }
    return 1;
}

char *pawl_utf8_sanitize(const char *s, size_t len, size_t *out_len)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    struct pawl_buf b = PAWL_BUF_INIT;
    size_t i = 0, run = 0;

    if (pawl_utf8_valid(s, len)) {
        if (out_len)
            *out_len = len;
        return pawl_xstrndup(s, len);
    }
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0 || cp == 0) {
            pawl_buf_add(&b, s + run, i - run);
            pawl_buf_add(&b, replacement, 3);
            i += 1;
            run = i;
            continue;
        }
        i += (size_t)n;
    }
    pawl_buf_add(&b, s + run, i - run);
    return pawl_buf_detach(&b, out_len);
}
