/*
 * json_scan.c - find a few values in a JSON text without building a tree.
 *
 * Reading a model's answer is the hot path of a run: jansson's tree for a
 * chat completion costs more than the rest of handling the response. The
 * scanner walks the text once, checking the grammar of RFC 8259 as jansson
 * does (strict numbers and literals, valid UTF-8, paired surrogates, no
 * \u0000, nothing after the document), and notes where the values named by
 * the wanted JSON pointers are. Callers fall back to jansson for anything
 * else, including the message when the text is not JSON, so the two can
 * only differ in speed; tests/unit/check_json_scan.c holds them equal.
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"

/* Deeper documents go to jansson, which has its own limit. */
#define SCAN_MAX_DEPTH 256

struct scan {
    const char *p, *end;
    const char *const *pointers;
    size_t n;
    struct pawl_json_span *out;
    struct pawl_buf path; /* the JSON pointer of the value being scanned */
    int depth;
};

static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* Length of the valid UTF-8 sequence at p (not ASCII), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    size_t n, i;
    unsigned c = p[0];
    unsigned long cp;

    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if ((size_t)(end - p) < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    /* overlong forms, surrogates and values past U+10FFFF */
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void put_utf8(struct pawl_buf *b, unsigned long cp)
{
    char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    pawl_buf_add(b, u, n);
}

/*
 * The string literal at *pp (on its opening quote): checks it and moves past
 * it; with `dec`, appends its decoded text. -1 when it is not a valid string.
 */
static int string_lit(const char **pp, const char *end, struct pawl_buf *dec)
{
    const char *p = *pp + 1, *run = p;
    unsigned u, lo;
    size_t n;

    for (;;) {
        if (p >= end)
            return -1;
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c < 0x20)
            return -1;
        if (c < 0x80 && c != '\\') {
            p++;
            continue;
        }
        if (c >= 0x80) {
            if (!(n = utf8_len((const unsigned char *)p, (const unsigned char *)end)))
                return -1;
            p += n;
            continue;
        }
        /* an escape */
        if (dec)
            pawl_buf_add(dec, run, (size_t)(p - run));
        if (end - p < 2)
            return -1;
        switch (p[1]) {
        case '"': case '\\': case '/':
            if (dec)
                pawl_buf_putc(dec, p[1]);
            p += 2;
            break;
        case 'b': case 'f': case 'n': case 'r': case 't':
            if (dec)
                pawl_buf_putc(dec, p[1] == 'b' ? '\b' : p[1] == 'f' ? '\f' : p[1] == 'n' ? '\n'
                                   : p[1] == 'r' ? '\r' : '\t');
            p += 2;
            break;
        case 'u':
            if (end - p < 6 || hex4(p + 2, &u) < 0 || u == 0)
                return -1;
            p += 6;
            if (u >= 0xdc00 && u <= 0xdfff)
                return -1;
            if (u >= 0xd800 && u <= 0xdbff) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) < 0 ||
                    lo < 0xdc00 || lo > 0xdfff)
                    return -1;
                p += 6;
                if (dec)
                    put_utf8(dec, 0x10000 + (((unsigned long)u - 0xd800) << 10) + (lo - 0xdc00));
            } else if (dec) {
                put_utf8(dec, u);
            }
            break;
        default:
            return -1;
        }
        run = p;
    }
    if (dec)
        pawl_buf_add(dec, run, (size_t)(p - run));
    *pp = p + 1;
    return 0;
}

/*
 * Numbers jansson would refuse although the grammar allows them: integers
 * past int64 and reals that overflow a double. Rare enough to hand to it.
 */
static int out_of_range(const char *start, const char *end, int real)
{
    char buf[64];
    size_t n = (size_t)(end - start);
    double d;

    if (!real)
        return n - (*start == '-') > 18;
    if (n >= sizeof(buf))
        return 1;
    memcpy(buf, start, n);
    buf[n] = '\0';
    d = strtod(buf, NULL);
    return d > DBL_MAX || d < -DBL_MAX;
}

static int number(struct scan *s)
{
    const char *p = s->p;
    int real = 0;

    if (p < s->end && *p == '-')
        p++;
    if (p >= s->end)
        return -1;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
    else
        return -1;
    if (p < s->end && *p == '.') {
        real = 1;
        if (++p >= s->end || *p < '0' || *p > '9')
            return -1;
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < s->end && (*p == 'e' || *p == 'E')) {
        real = 1;
        p++;
        if (p < s->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= s->end || *p < '0' || *p > '9')
            return -1;
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (out_of_range(s->p, p, real))
        return -1;
    s->p = p;
    return 0;
}

static int literal(struct scan *s, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return -1;
    s->p += n;
    return 0;
}

/* Appends a reference token to the path, escaped as RFC 6901 says. */
static void push_token(struct pawl_buf *path, const char *tok, size_t len)
{
    size_t i;

    pawl_buf_putc(path, '/');
    for (i = 0; i < len; i++) {
        if (tok[i] == '~')
            pawl_buf_add(path, "~0", 2);
        else if (tok[i] == '/')
            pawl_buf_add(path, "~1", 2);
        else
            pawl_buf_putc(path, tok[i]);
    }
}

static void truncate_path(struct pawl_buf *path, size_t len)
{
    path->len = len;
    if (path->alloc)
        path->ptr[len] = '\0';
}

static int value(struct scan *s);

/*
 * jansson keeps the last of two duplicate keys, replacing the earlier value
 * whole: what was found inside the earlier one must not survive the later
 * one, which may lack it ({"a": {"b": 1}, "a": {}} has no /a/b).
 */
static void forget_below(struct scan *s)
{
    size_t i, n = s->path.len;

    for (i = 0; i < s->n; i++)
        if (s->out[i].found && strncmp(s->pointers[i], s->path.ptr, n) == 0 &&
            s->pointers[i][n] == '/')
            memset(&s->out[i], 0, sizeof(s->out[i]));
}

static int object(struct scan *s)
{
    struct pawl_buf key = PAWL_BUF_INIT;
    size_t base = s->path.len;
    int rc = -1;

    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return 0;
    }
    for (;;) {
        if (s->p >= s->end || *s->p != '"')
            goto done;
        pawl_buf_reset(&key);
        if (string_lit(&s->p, s->end, &key) < 0)
            goto done;
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':')
            goto done;
        s->p++;
        push_token(&s->path, key.ptr, key.len);
        forget_below(s);
        if (value(s) < 0)
            goto done;
        truncate_path(&s->path, base);
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            skip_ws(s);
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            rc = 0;
        }
        goto done;
    }
done:
    pawl_buf_release(&key);
    return rc;
}

static int array(struct scan *s)
{
    size_t base = s->path.len, i;

    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return 0;
    }
    for (i = 0;; i++) {
        pawl_buf_printf(&s->path, "/%zu", i);
        if (value(s) < 0)
            return -1;
        truncate_path(&s->path, base);
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            return 0;
        }
        return -1;
    }
}

static int value(struct scan *s)
{
    const char *start;
    size_t i;
    int rc;

    skip_ws(s);
    if (s->p >= s->end)
        return -1;
    start = s->p;
    if (++s->depth > SCAN_MAX_DEPTH)
        return -1;
    switch (*s->p) {
    case '{':
        rc = object(s);
        break;
    case '[':
        rc = array(s);
        break;
    case '"':
        rc = string_lit(&s->p, s->end, NULL);
        break;
    case 't':
        rc = literal(s, "true");
        break;
    case 'f':
        rc = literal(s, "false");
        break;
    case 'n':
        rc = literal(s, "null");
        break;
    default:
        rc = number(s);
        break;
    }
    s->depth--;
    if (rc < 0)
        return rc;
    /* A later duplicate key wins, as in jansson. */
    for (i = 0; i < s->n; i++)
        if (strcmp(s->path.ptr, s->pointers[i]) == 0) {
            s->out[i].ptr = start;
            s->out[i].len = (size_t)(s->p - start);
            s->out[i].found = 1;
        }
    return 0;
}

int pawl_json_scan(const char *text, size_t len, const char *const *pointers, size_t n,
                   struct pawl_json_span *out)
{
    struct scan s;
    int rc;

    memset(&s, 0, sizeof(s));
    memset(out, 0, n * sizeof(*out));
    s.p = text;
    s.end = text + len;
    s.pointers = pointers;
    s.n = n;
    s.out = out;
    pawl_buf_init(&s.path, 0);
    rc = value(&s);
    skip_ws(&s);
    if (rc == 0 && s.p != s.end)
        rc = -1;
    pawl_buf_release(&s.path);
    if (rc < 0)
        memset(out, 0, n * sizeof(*out));
    return rc;
}

char *pawl_json_span_string(const struct pawl_json_span *span, size_t *out_len)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    const char *p = span->ptr;

    if (!span->found || span->len < 2 || *p != '"' ||
        string_lit(&p, span->ptr + span->len, &b) < 0 || p != span->ptr + span->len) {
        pawl_buf_release(&b);
        return NULL;
    }
    return pawl_buf_detach(&b, out_len);
}
