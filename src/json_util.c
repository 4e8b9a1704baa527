#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "pawl/alloc.h"
#include "pawl/utf8.h"

static const char *type_name(json_type type)
{
    switch (type) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

const char *pawl_json_kind(const json_t *v)
{
    return type_name(json_typeof(v));
}

/* ---- writing ---- */

json_t *pawl_json_str(const char *s)
{
    json_t *j;
    char *clean;

    if (!s)
        return json_null();
    if ((j = json_string(s)) != NULL)
        return j;
    clean = pawl_utf8_sanitize(s, strlen(s), NULL);
    j = json_string(clean);
    free(clean);
    return j ? j : json_string("");
}

void pawl_json_put_string(struct pawl_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    char *clean = NULL;
    const char *p, *end, *run;

    if (!pawl_utf8_valid(s, len)) {
        clean = pawl_utf8_sanitize(s, len, &len);
        s = clean;
    }
    pawl_buf_putc(b, '"');
    for (p = run = s, end = s + len; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        const char *esc = NULL;
        char u[7];

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        pawl_buf_add(b, run, (size_t)(p - run));
        run = p + 1;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            memcpy(u, "\\u00", 4);
            u[4] = hex[c >> 4];
            u[5] = hex[c & 15];
            u[6] = '\0';
            esc = u;
        }
        pawl_buf_puts(b, esc);
    }
    pawl_buf_add(b, run, (size_t)(p - run));
    pawl_buf_putc(b, '"');
    free(clean);
}

json_t *pawl_json_real(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *pawl_json_interval(double lo, double hi)
{
    return json_pack("[oo]", pawl_json_real(lo), pawl_json_real(hi));
}

/* ---- strict reading ---- */

size_t pawl_json_push_key(struct pawl_json_reader *rd, const char *key)
{
    size_t old = rd->ptr.len;

    pawl_buf_putc(&rd->ptr, '/');
    for (; *key; key++) {
        if (*key == '~')
            pawl_buf_puts(&rd->ptr, "~0");
        else if (*key == '/')
            pawl_buf_puts(&rd->ptr, "~1");
        else
            pawl_buf_putc(&rd->ptr, *key);
    }
    return old;
}

size_t pawl_json_push_index(struct pawl_json_reader *rd, size_t i)
{
    size_t old = rd->ptr.len;

    pawl_buf_printf(&rd->ptr, "/%zu", i);
    return old;
}

void pawl_json_pop(struct pawl_json_reader *rd, size_t old)
{
    rd->ptr.len = old;
    if (rd->ptr.alloc)
        rd->ptr.ptr[old] = '\0';
}

int pawl_json_bad(struct pawl_json_reader *rd, const char *key, const char *what)
{
    size_t old = rd->ptr.len;

    if (key)
        pawl_json_push_key(rd, key);
    pawl_error_set(rd->err, PAWL_EDATA, rd->source, 0, 0, "'%s' %s", rd->ptr.ptr, what);
    pawl_json_pop(rd, old);
    return PAWL_EDATA;
}

int pawl_json_get(struct pawl_json_reader *rd, const json_t *obj, const char *key,
                  const json_t **out)
{
    *out = json_object_get(obj, key);
    return *out ? 0 : pawl_json_bad(rd, key, "is missing");
}

int pawl_json_get_typed(struct pawl_json_reader *rd, const json_t *obj, const char *key,
                        json_type type, int nullable, const json_t **out)
{
    char what[64];
    int rc;

    if ((rc = pawl_json_get(rd, obj, key, out)) < 0)
        return rc;
    if (json_typeof(*out) == type)
        return 0;
    if (nullable && json_is_null(*out)) {
        *out = NULL;
        return 0;
    }
    snprintf(what, sizeof(what), "must be %s%s", type_name(type),
             nullable ? " or null" : "");
    return pawl_json_bad(rd, key, what);
}

int pawl_json_get_string(struct pawl_json_reader *rd, const json_t *obj, const char *key,
                         int nullable, char **out)
{
    const json_t *v;
    int rc = pawl_json_get_typed(rd, obj, key, JSON_STRING, nullable, &v);

    if (rc == 0 && v)
        *out = pawl_xstrndup(json_string_value(v), json_string_length(v));
    return rc;
}

int pawl_json_get_bool(struct pawl_json_reader *rd, const json_t *obj, const char *key, int *out)
{
    const json_t *v;
    int rc;

    if ((rc = pawl_json_get(rd, obj, key, &v)) < 0)
        return rc;
    if (!json_is_boolean(v))
        return pawl_json_bad(rd, key, "must be a boolean");
    *out = json_is_true(v);
    return 0;
}

int pawl_json_get_count(struct pawl_json_reader *rd, const json_t *obj, const char *key,
                        int nullable, json_int_t max, json_int_t *out)
{
    const json_t *v;
    int rc;

    if ((rc = pawl_json_get(rd, obj, key, &v)) < 0)
        return rc;
    if (nullable && json_is_null(v)) {
        *out = -1;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return pawl_json_bad(rd, key,
                             nullable ? "must be a non-negative integer or null"
                                      : "must be a non-negative integer");
    if (json_integer_value(v) > max)
        return pawl_json_bad(rd, key, "is too large");
    *out = json_integer_value(v);
    return 0;
}

/* null is how the writer stores NaN. */
static double number_or_nan(const json_t *v)
{
    return json_is_null(v) ? NAN : json_number_value(v);
}

int pawl_json_get_real(struct pawl_json_reader *rd, const json_t *obj, const char *key, double *out,
                       int *has)
{
    const json_t *v;
    int rc;

    if ((rc = pawl_json_get(rd, obj, key, &v)) < 0)
        return rc;
    if (!json_is_number(v) && !json_is_null(v))
        return pawl_json_bad(rd, key, "must be a number or null");
    if (has)
        *has = !json_is_null(v);
    *out = number_or_nan(v);
    return 0;
}

int pawl_json_get_interval(struct pawl_json_reader *rd, const json_t *obj, const char *key,
                           double *lo, double *hi)
{
    const json_t *v, *a, *b;
    int rc;

    if ((rc = pawl_json_get(rd, obj, key, &v)) < 0)
        return rc;
    a = json_array_get(v, 0);
    b = json_array_get(v, 1);
    if (!json_is_array(v) || json_array_size(v) != 2 || !(json_is_number(a) || json_is_null(a)) ||
        !(json_is_number(b) || json_is_null(b)))
        return pawl_json_bad(rd, key, "must be an array of two numbers");
    *lo = number_or_nan(a);
    *hi = number_or_nan(b);
    return 0;
}

int pawl_json_get_one_of(struct pawl_json_reader *rd, const json_t *obj, const char *key,
                         const char *const *names, size_t n, int *out)
{
    const json_t *v;
    struct pawl_buf what = PAWL_BUF_INIT;
    size_t i;
    int rc;

    if ((rc = pawl_json_get_typed(rd, obj, key, JSON_STRING, 0, &v)) < 0)
        return rc;
    for (i = 0; i < n; i++) {
        if (strcmp(json_string_value(v), names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    pawl_buf_puts(&what, "must be one of ");
    for (i = 0; i < n; i++)
        pawl_buf_printf(&what, "%s'%s'", i ? ", " : "", names[i]);
    rc = pawl_json_bad(rd, key, what.ptr);
    pawl_buf_release(&what);
    return rc;
}
