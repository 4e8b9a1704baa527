/*
 * Untrusted text in the HTML report: exact escaping, cutting long fields,
 * and the word-level diff of a baseline's output to a candidate's.
 *
 * HTML is stricter than XML about what may appear raw: besides XML's rules
 * (no C0 but TAB/LF/CR, no U+FFFE/U+FFFF, valid UTF-8), C1 controls, DEL and
 * every noncharacter are parse errors, and a CR can only ever come out of a
 * parser as LF. Everything is escaped the same way in text and in
 * double-quoted attributes, so no context can be broken out of.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "pawl/report.h"
#include "report_impl.h"

#define REPLACEMENT "\xEF\xBF\xBD"
/* Cells of the word diff's table past which it falls back to "all removed, all added":
 * about a millisecond, and enough for two 500-word answers that share little. */
#define DIFF_CELLS 250000

static int is_noncharacter(long cp)
{
    return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

static const char *html_pick(long cp, int lf_follows, const void *ctx)
{
    const char *rep;

    (void)ctx;
    if (cp == '\r')
        return lf_follows ? "" : "\n";
    if (cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp <= 0x9F) ||
        is_noncharacter(cp))
        return REPLACEMENT;
    if ((rep = pawl_report_entity(cp, "&#39;")) != NULL)
        return rep;
    switch (cp) {
    case 0x2028:
        return "&#8232;";
    case 0x2029:
        return "&#8233;";
    default:
        return NULL;
    }
}

void pawl_html_escape(struct pawl_buf *out, const char *s, size_t len)
{
    pawl_report_escape(out, s, len, html_pick, NULL);
}

size_t pawl_html_cut(const char *s, size_t len, size_t max_chars, size_t *cut_chars)
{
    size_t i = 0, n = 0, used, end = len;

    while (i < len) {
        if (n == max_chars)
            end = i;
        pawl_report_utf8_next(s + i, len - i, &used);
        i += used;
        n++;
    }
    *cut_chars = n > max_chars ? n - max_chars : 0;
    return n > max_chars ? end : len;
}

void pawl_html_count(struct pawl_buf *b, size_t n)
{
    /* Grouped by hand: the locale's %'zu could use any separator. */
    if (n >= 1000) {
        pawl_html_count(b, n / 1000);
        pawl_buf_printf(b, ",%03zu", n % 1000);
    } else {
        pawl_buf_printf(b, "%zu", n);
    }
}

void pawl_html_cut_note(struct pawl_buf *b, size_t cut_chars)
{
    if (!cut_chars)
        return;
    pawl_buf_puts(b, "<p class=\"cut\">");
    pawl_html_count(b, cut_chars);
    pawl_buf_printf(b, " more character%s not shown</p>\n", cut_chars == 1 ? "" : "s");
}

void pawl_html_text(struct pawl_buf *b, const char *s, size_t max_chars)
{
    size_t len = strlen(s), cut, end = pawl_html_cut(s, len, max_chars, &cut);

    pawl_html_escape(b, s, end);
    if (cut)
        pawl_buf_puts(b, "\xE2\x80\xA6");
}

void pawl_html_pre(struct pawl_buf *b, const char *cls, const char *s, size_t len)
{
    size_t cut, end = pawl_html_cut(s, len, PAWL_HTML_FIELD_CHARS, &cut);

    /* The parser drops one newline right after <pre>: this one, so the text's own survives. */
    pawl_buf_printf(b, "<pre class=\"%s\">\n", cls);
    pawl_html_escape(b, s, end);
    pawl_buf_puts(b, "</pre>\n");
    pawl_html_cut_note(b, cut);
}

/* ---- word diff ---- */

struct token {
    size_t off, len;
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Words and the white-space runs between them; only ASCII bytes split, so UTF-8 stays whole. */
static struct token *tokenize(const char *s, size_t len, size_t *n)
{
    struct token *t = NULL;
    size_t i = 0, count = 0, alloc = 0;

    while (i < len) {
        size_t start = i;
        int space = is_space(s[i]);

        while (i < len && is_space(s[i]) == space)
            i++;
        PAWL_ALLOC_GROW(t, count + 1, alloc);
        t[count].off = start;
        t[count].len = i - start;
        count++;
    }
    *n = count;
    return t;
}

static int same(const char *a, const struct token *x, const char *b, const struct token *y)
{
    return x->len == y->len && memcmp(a + x->off, b + y->off, x->len) == 0;
}

static void put_span(struct pawl_buf *out, const char *tag, const char *s, const struct token *t,
                     size_t from, size_t to)
{
    if (from >= to)
        return;
    if (tag)
        pawl_buf_printf(out, "<%s>", tag);
    pawl_html_escape(out, s + t[from].off, t[to - 1].off + t[to - 1].len - t[from].off);
    if (tag)
        pawl_buf_printf(out, "</%s>", tag);
}

/*
 * A lone white-space run between two changes reads better inside them:
 * "<del>You can ask for</del><ins>Refunds</ins> <del>a</del><ins>are</ins>"
 * becomes "<del>You can ask for a</del><ins>Refunds are</ins>". The walk
 * takes every matching pair it meets, so the next step is a change exactly
 * when the next tokens differ.
 */
static int absorb(const char *a, const struct token *ta, const char *b, const struct token *tb,
                  size_t pre, size_t i, size_t j, size_t n, size_t m, size_t di, size_t dj)
{
    if ((di == i && dj == j) || !is_space(a[ta[pre + i].off]) || (i + 1 == n && j + 1 == m))
        return 0;
    return !(i + 1 < n && j + 1 < m && same(a, &ta[pre + i + 1], b, &tb[pre + j + 1]));
}

void pawl_html_diff(struct pawl_buf *out, const char *a, size_t alen, const char *b, size_t blen)
{
    size_t na, nb, pre = 0, suf = 0, n, m, i, j, di, dj;
    struct token *ta = tokenize(a, alen, &na), *tb = tokenize(b, blen, &nb);
    uint32_t *lcs = NULL;

    while (pre < na && pre < nb && same(a, &ta[pre], b, &tb[pre]))
        pre++;
    while (suf < na - pre && suf < nb - pre && same(a, &ta[na - 1 - suf], b, &tb[nb - 1 - suf]))
        suf++;
    put_span(out, NULL, b, tb, 0, pre);
    n = na - pre - suf;
    m = nb - pre - suf;
    if (n && m && (n + 1) <= DIFF_CELLS / (m + 1)) {
        /* lcs[i][j]: longest common subsequence of the middles' suffixes from i and j. */
        size_t w = m + 1;
        lcs = pawl_xcalloc((n + 1) * w, sizeof(*lcs));
        for (i = n; i-- > 0;) {
            for (j = m; j-- > 0;) {
                uint32_t down = lcs[(i + 1) * w + j], right = lcs[i * w + j + 1];
                if (same(a, &ta[pre + i], b, &tb[pre + j]))
                    lcs[i * w + j] = lcs[(i + 1) * w + j + 1] + 1;
                else
                    lcs[i * w + j] = down >= right ? down : right;
            }
        }
        i = j = di = dj = 0;
        while (i < n || j < m) {
            if (i < n && j < m && same(a, &ta[pre + i], b, &tb[pre + j]) &&
                absorb(a, ta, b, tb, pre, i, j, n, m, di, dj)) {
                i++;
                j++;
            } else if (i < n && j < m && same(a, &ta[pre + i], b, &tb[pre + j])) {
                put_span(out, "del", a, ta, pre + di, pre + i);
                put_span(out, "ins", b, tb, pre + dj, pre + j);
                put_span(out, NULL, b, tb, pre + j, pre + j + 1);
                di = ++i;
                dj = ++j;
            } else if (j == m || (i < n && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
                i++;
            } else {
                j++;
            }
        }
        put_span(out, "del", a, ta, pre + di, pre + n);
        put_span(out, "ins", b, tb, pre + dj, pre + m);
    } else {
        put_span(out, "del", a, ta, pre, pre + n);
        put_span(out, "ins", b, tb, pre, pre + m);
    }
    put_span(out, NULL, b, tb, nb - suf, nb);
    free(lcs);
    free(ta);
    free(tb);
}
