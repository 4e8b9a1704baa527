/*
 * numeric: the first number in the output is within a tolerance of the
 * rendered `value` (default `{{expected_output}}`).
 *
 * A number is an optional sign (+, - or U+2212 MINUS SIGN), digits with an
 * optional fraction (`3`, `3.25`, `.5`), thousands separators in groups of
 * three (`1,234,567.5`) and an optional exponent (`1e-3`). The comma is never
 * a decimal point: `3,5` reads as 3. A number glued to the end of a word
 * (`v2`, `H2O`, `gpt4`) is skipped, since it names something rather than
 * answering, and a sign counts only when no word character precedes it, so
 * `gpt-4o` holds 4 and `x = -4` holds -4.
 *
 * Passes when |got - want| <= max(abs_tol, rel_tol * |want|), with a few
 * units in the last place to spare, so `42.1` is within 0.1 of 42 although
 * 42.1 - 42 is 0.10000000000000142 in binary floating point.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "scorer_impl.h"

struct state {
    struct pawl_template *value;
    double abs_tol, rel_tol;
};

static const char *const keys[] = {"value", "abs_tol", "rel_tol", NULL};

static const char default_value[] = "{{expected_output}}";

static void state_free(void *p)
{
    struct state *st = p;

    if (!st)
        return;
    pawl_template_free(st->value);
    free(st);
}

static int get_tol(double *out, const struct pawl_node *map, const char *key, const char *source,
                   struct pawl_error *err)
{
    const struct pawl_node *n = pawl_node_get(map, key);

    *out = 0;
    if (n && (pawl_node_as_double(n, out) < 0 || *out < 0))
        return pawl_error_set(err, PAWL_ECONFIG, source, n->line, n->col,
                              "'%s' must be a non-negative number", key);
    return 0;
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));
    int rc;

    *out = st;
    if ((rc = pawl_scorer_compile_key(&st->value, node, "value", 0, source, err)) < 0)
        return rc;
    /* The default is located at the scorer's mapping, where a missing variable is reported. */
    if (!st->value && (rc = pawl_template_compile(&st->value, default_value, source, node->line,
                                                  node->col, err)) < 0)
        return rc;
    if ((rc = get_tol(&st->abs_tol, node, "abs_tol", source, err)) < 0)
        return rc;
    return get_tol(&st->rel_tol, node, "rel_tol", source, err);
}

static int check(const void *p, const json_t *vars, struct pawl_error *err)
{
    const struct state *st = p;

    return pawl_scorer_check_templates(&st->value, 1, vars, err);
}

/* ---- the grammar ---- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_word(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/*
 * The end of the unsigned number starting at s[i] (a digit, or a '.' before
 * a digit), read greedily. Thousands groups need a first group of one to
 * three digits not starting with 0, and exactly three digits after each
 * comma, so `1,2345` and `0,5` stop before the comma.
 */
static size_t scan_unsigned(const char *s, size_t len, size_t i)
{
    size_t start = i, r;

    while (i < len && is_digit(s[i]))
        i++;
    if (i > start && i - start <= 3 && s[start] != '0') {
        while (i + 3 < len && s[i] == ',' && is_digit(s[i + 1]) && is_digit(s[i + 2]) &&
               is_digit(s[i + 3]) && (i + 4 == len || !is_digit(s[i + 4])))
            i += 4;
    }
    if (i + 1 < len && s[i] == '.' && is_digit(s[i + 1])) {
        i++;
        while (i < len && is_digit(s[i]))
            i++;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        r = i + 1;
        if (r < len && (s[r] == '+' || s[r] == '-'))
            r++;
        if (r < len && is_digit(s[r])) {
            while (r < len && is_digit(s[r]))
                r++;
            i = r;
        }
    }
    return i;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static int starts_unsigned(const char *s, size_t len, size_t i)
{
    return is_digit(s[i]) || (s[i] == '.' && i + 1 < len && is_digit(s[i + 1]));
}

/* The length of the sign ending just before s[i]: 1 for +/-, 3 for U+2212, else 0. */
static size_t sign_before(const char *s, size_t i, int *negative)
{
    size_t n = 0;

    *negative = 0;
    if (i >= 1 && (s[i - 1] == '-' || s[i - 1] == '+'))
        n = 1;
    else if (i >= 3 && memcmp(s + i - 3, "\xe2\x88\x92", 3) == 0)
        n = 3;
    if (n == 0 || (i > n && is_word(s[i - n - 1])))
        return 0;
    *negative = s[i - 1] != '+';
    return n;
}

/* The value of s[i..end) without its thousands separators; an overflow gives inf. */
static double to_double(const char *s, size_t i, size_t end, int negative)
{
    char small[64], *buf = end - i + 2 <= sizeof(small) ? small : pawl_xmalloc(end - i + 2);
    size_t n = 0;
    double v;

    if (negative)
        buf[n++] = '-';
    for (; i < end; i++)
        if (s[i] != ',')
            buf[n++] = s[i];
    buf[n] = '\0';
    v = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    return v;
}

/*
 * The first number in s[0..len): 1 with its value and the text it spans
 * (sign included), or 0 when there is none.
 */
static int first_number(double *out, size_t *from, size_t *to, const char *s, size_t len)
{
    size_t i = 0, end, sign;
    int negative;

    while (i < len) {
        if (!starts_unsigned(s, len, i)) {
            i++;
            continue;
        }
        end = scan_unsigned(s, len, i);
        if (i > 0 && is_word(s[i - 1])) {
            i = end; /* glued to a word: skip it whole, fraction and all */
            continue;
        }
        sign = sign_before(s, i, &negative);
        *out = to_double(s, i, end, negative);
        *from = i - sign;
        *to = end;
        return 1;
    }
    return 0;
}

/* The whole of s[0..len), surrounding whitespace aside, as a number; -1 when it is not one. */
static int whole_number(double *out, const char *s, size_t len)
{
    size_t i = 0, end, sign = 0;
    int negative = 0;

    while (len > 0 && is_space(s[len - 1]))
        len--;
    while (i < len && is_space(s[i]))
        i++;
    if (i < len && (s[i] == '-' || s[i] == '+')) {
        negative = s[i] == '-';
        sign = 1;
    } else if (len - i >= 3 && memcmp(s + i, "\xe2\x88\x92", 3) == 0) {
        negative = 1;
        sign = 3;
    }
    i += sign;
    if (i >= len || !starts_unsigned(s, len, i))
        return -1;
    end = scan_unsigned(s, len, i);
    if (end != len)
        return -1;
    *out = to_double(s, i, end, negative);
    return isfinite(*out) ? 0 : -1;
}

/* ---- scoring ---- */

/*
 * The shortest %g text that reads back as `v`, so 0.1 shows as 0.1, with
 * enough precision below 1e17 that whole numbers keep their digits: 200,
 * not 2e+02.
 */
static char *show(char *out, size_t size, double v)
{
    double mag = fabs(v);
    int prec, min = 1;

    if (mag >= 1 && mag < 1e17)
        min = (int)floor(log10(mag)) + 1;
    for (prec = min; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            break;
    }
    return out;
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct state *st = p;
    struct pawl_buf value = PAWL_BUF_INIT;
    char q[PAWL_QUOTE_SIZE], sg[32], sw[32];
    double got, want, tol, diff, slack;
    size_t from, to;

    if (pawl_scorer_render(&value, st->value, in, out) < 0)
        goto done;
    if (value.len == 0) {
        pawl_score_empty_value(out, "value", 0, 0);
        goto done;
    }
    if (whole_number(&want, value.ptr, value.len) < 0) {
        pawl_score_error(out, "'value' rendered to %s, which is not a number",
                         pawl_scorer_quote(q, value.ptr, value.len));
        goto done;
    }
    if (!first_number(&got, &from, &to, in->output, in->output_len)) {
        pawl_score_set(out, 0, "output contains no number");
        goto done;
    }
    if (!isfinite(got)) {
        pawl_score_set(out, 0, "output number %s is out of range",
                       pawl_scorer_quote(q, in->output + from, to - from));
        goto done;
    }
    tol = fmax(st->abs_tol, st->rel_tol * fabs(want));
    diff = fabs(got - want);
    /* Decimal fractions are inexact in binary: spare a few units in the last place. */
    slack = 8 * DBL_EPSILON * fmax(fmax(fabs(got), fabs(want)), tol);
    show(sg, sizeof(sg), got);
    show(sw, sizeof(sw), want);
    if (tol == 0)
        pawl_score_set(out, diff <= slack, diff <= slack ? "%s equals %s" : "%s does not equal %s",
                       sg, sw);
    else if (diff <= tol + slack)
        pawl_score_set(out, 1, "%s is within %.15g of %s", sg, tol, sw);
    else
        pawl_score_set(out, 0, "%s is not within %.15g of %s (off by %.6g)", sg, tol, sw, diff);

done:
    pawl_buf_release(&value);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_numeric_ops = {
    .type = "numeric",
    .keys = keys,
    .init = init,
    .check = check,
    .score = score,
    .free = state_free,
};
