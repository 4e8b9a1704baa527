/*
 * fuzz_html: a results file (read as fuzz_results reads it) rendered as the
 * HTML report, alone and with itself as the baseline.
 *
 * Invariants, for a file that reads: the render succeeds and its page
 * - is under PAWL_HTML_MAX bytes and valid UTF-8;
 * - holds no NUL or C0 control but TAB and LF, no DEL or C1 control and no
 *   noncharacter (HTML parse errors pawl_html_escape() promises to replace);
 * - has no markup the renderer does not write: every '<' opens or closes one
 *   of the renderer's tags (so never `<script`, a comment or a CDATA
 *   section), and every '&' starts one of the references pawl_html_escape()
 *   writes.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "pawl/buf.h"
#include "pawl/error.h"
#include "pawl/report.h"
#include "pawl/results.h"

/* Every element src/report/html*.c writes. */
static const char *const tags[] = {
    "body",   "circle",  "code",  "dd",    "del",     "details", "div",   "dl",    "dt",
    "figure", "g",       "h1",    "h2",    "h3",      "h4",      "h5",    "head",  "header",
    "html",   "input",   "ins",   "label", "line",    "main",    "meta",  "p",     "pre",
    "rect",   "section", "span",  "style", "summary", "svg",     "table", "tbody", "td",
    "text",   "th",      "thead", "title", "tr",
};

static const char *const refs[] = {"&amp;", "&lt;",    "&gt;",   "&quot;",
                                   "&#39;", "&#8232;", "&#8233;"};

/* The length of the UTF-8 sequence at s, or 0 when it is ill-formed. */
static size_t utf8_len(const unsigned char *s, size_t n, long *cp)
{
    size_t len, i;
    long min;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2, min = 0x80, *cp = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3, min = 0x800, *cp = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4, min = 0x10000, *cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return len;
}

static int known_tag(const char *s, size_t n)
{
    size_t i, k;

    if (n > 0 && s[0] == '/')
        s++, n--;
    for (k = 0; k < n && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9')); k++)
        ;
    if (k == n || (s[k] != ' ' && s[k] != '>' && s[k] != '\n' && s[k] != '/'))
        return 0;
    for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
        if (strlen(tags[i]) == k && memcmp(tags[i], s, k) == 0)
            return 1;
    return 0;
}

static int known_ref(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
        if (strlen(refs[i]) <= n && memcmp(refs[i], s, strlen(refs[i])) == 0)
            return 1;
    return 0;
}

static void check_page(const struct pawl_buf *b, const char *what)
{
    static const char doctype[] = "<!DOCTYPE html>\n";
    const char *p = b->ptr;
    size_t i = 0, used;
    long cp;

    FUZZ_ASSERT(b->len > 0 && b->len < PAWL_HTML_MAX, "%s: %zu bytes", what, b->len);
    FUZZ_ASSERT(strncmp(p, doctype, sizeof(doctype) - 1) == 0, "%s: no doctype", what);
    FUZZ_ASSERT(strlen(p) == b->len, "%s: a NUL byte at %zu", what, strlen(p));
    i = sizeof(doctype) - 1;
    while (i < b->len) {
        used = utf8_len((const unsigned char *)p + i, b->len - i, &cp);
        FUZZ_ASSERT(used > 0, "%s: invalid UTF-8 at byte %zu", what, i);
        FUZZ_ASSERT(cp >= 0x20 || cp == '\t' || cp == '\n', "%s: control 0x%02lx at byte %zu", what,
                    cp, i);
        FUZZ_ASSERT(cp < 0x7F || cp > 0x9F, "%s: DEL or C1 control U+%04lX at byte %zu", what, cp,
                    i);
        FUZZ_ASSERT(!((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE),
                    "%s: noncharacter U+%04lX at byte %zu", what, cp, i);
        if (cp == '<')
            FUZZ_ASSERT(known_tag(p + i + 1, b->len - i - 1), "%s: markup '%.20s' at byte %zu",
                        what, p + i, i);
        if (cp == '&')
            FUZZ_ASSERT(known_ref(p + i, b->len - i), "%s: reference '%.10s' at byte %zu", what,
                        p + i, i);
        i += used;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pawl_results r;
    struct pawl_error err;
    struct pawl_buf alone = PAWL_BUF_INIT, compared = PAWL_BUF_INIT;
    int rc;

    pawl_error_init(&err);
    rc = pawl_results_parse(&r, (const char *)data, size, "results.json", &err);
    if (rc < 0) {
        pawl_results_release(&r);
        return 0;
    }
    rc = pawl_report_html_render(&alone, &r, NULL);
    FUZZ_ASSERT(rc == 0, "the report failed: %d", rc);
    check_page(&alone, "alone");
    rc = pawl_report_html_render(&compared, &r, &r);
    FUZZ_ASSERT(rc == 0, "the report against itself failed: %d", rc);
    check_page(&compared, "against itself");

    pawl_buf_release(&alone);
    pawl_buf_release(&compared);
    pawl_results_release(&r);
    return 0;
}
