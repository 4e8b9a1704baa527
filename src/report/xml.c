/*
 * XML 1.0 text from untrusted bytes. Model output routinely carries ANSI
 * escapes and multi-byte characters cut in half; one such byte makes
 * libxml2 and Jenkins reject the whole report, so whatever XML cannot
 * carry becomes U+FFFD before the five special characters are escaped.
 */
#include "pawl/report.h"

#define REPLACEMENT "\xEF\xBF\xBD"

long pawl_report_utf8_next(const char *s, size_t len, size_t *used)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char lo = 0x80, hi = 0xBF;
    size_t need, i;
    long cp;

    if (p[0] < 0x80) {
        *used = 1;
        return p[0];
    }
    /* C0 and C1 would start overlong forms; F5..FF start code points past U+10FFFF. */
    if (p[0] < 0xC2 || p[0] > 0xF4) {
        *used = 1;
        return -1;
    }
    need = p[0] < 0xE0 ? 1 : p[0] < 0xF0 ? 2 : 3;
    cp = p[0] & (0x3F >> need);
    /* The second byte's range is what rules out overlongs, surrogates and > U+10FFFF
     * (Unicode Table 3-7). */
    if (p[0] == 0xE0)
        lo = 0xA0;
    else if (p[0] == 0xED)
        hi = 0x9F;
    else if (p[0] == 0xF0)
        lo = 0x90;
    else if (p[0] == 0xF4)
        hi = 0x8F;
    for (i = 1; i <= need; i++) {
        if (i >= len || p[i] < lo || p[i] > hi) {
            *used = i;
            return -1;
        }
        cp = (cp << 6) | (p[i] & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    *used = need + 1;
    return cp;
}

void pawl_report_escape(struct pawl_buf *out, const char *s, size_t len,
                        pawl_report_escape_fn pick, const void *ctx)
{
    size_t i = 0, run = 0, used;

    /* Runs of plain bytes are copied in one go; only the exceptions stop them. */
    while (i < len) {
        long cp = pawl_report_utf8_next(s + i, len - i, &used);
        const char *rep = pick(cp, i + 1 < len && s[i + 1] == '\n', ctx);

        if (rep) {
            pawl_buf_add(out, s + run, i - run);
            pawl_buf_puts(out, rep);
            run = i + used;
        }
        i += used;
    }
    pawl_buf_add(out, s + run, i - run);
}

const char *pawl_report_entity(long cp, const char *apos)
{
    switch (cp) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return apos;
    default:
        return NULL;
    }
}

static const char *xml_pick(long cp, int lf_follows, const void *ctx)
{
    int attr = ctx != NULL;
    const char *rep;

    (void)lf_follows;
    if (cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE ||
        cp == 0xFFFF)
        return REPLACEMENT;
    if ((rep = pawl_report_entity(cp, "&apos;")) != NULL)
        return rep;
    switch (cp) {
    case '\r': /* parsers turn a raw CR into LF */
        return "&#13;";
    case '\n':
        return attr ? "&#10;" : NULL;
    case '\t':
        return attr ? "&#9;" : NULL;
    default:
        return NULL;
    }
}

void pawl_xml_escape(struct pawl_buf *out, const char *s, size_t len)
{
    pawl_report_escape(out, s, len, xml_pick, NULL);
}

void pawl_xml_escape_attr(struct pawl_buf *out, const char *s, size_t len)
{
    static const int attr = 1;

    pawl_report_escape(out, s, len, xml_pick, &attr);
}
