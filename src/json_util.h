/*
 * json_util.h - internal: what the modules that speak JSON share.
 *
 * The strict reader is for files that come from other machines and other pawl
 * versions (results files, baselines, their "comparison" section): every value
 * is type-checked, and a bad one is named by its JSON pointer (RFC 6901) in a
 * PAWL_EDATA error `'<pointer>' <what>` located in `source` (line 0). Keys a
 * reader does not ask for are ignored, so later versions can add some.
 *
 * jansson stays behind this header's users: nothing here is public API.
 */
#ifndef PAWL_JSON_UTIL_H
#define PAWL_JSON_UTIL_H

#include <jansson.h>
#include <stddef.h>

#include "pawl/buf.h"
#include "pawl/error.h"

/* What `v` is, for messages: "an object", "an array", "a string", "a number" (integer or
 * real), "a boolean" or "null". */
const char *pawl_json_kind(const json_t *v);

/* ---- writing ---- */

/*
 * A string that is never NULL: json_string() refuses invalid UTF-8 and
 * json_object_set_new() silently drops a NULL value, so a stray byte would
 * lose a key. Invalid UTF-8 is sanitised; `s` NULL gives JSON null.
 */
json_t *pawl_json_str(const char *s);

/*
 * Appends `s[0..len)` as a JSON string literal, escaped exactly as jansson's
 * json_dumps() escapes it (so text built this way equals a dumped tree).
 * Invalid UTF-8 and NUL bytes become U+FFFD first.
 */
void pawl_json_put_string(struct pawl_buf *b, const char *s, size_t len);

/* JSON has no NaN or infinity: null stands for them and reads back as NaN. */
json_t *pawl_json_real(double v);

/* [lo, hi], each a pawl_json_real(). */
json_t *pawl_json_interval(double lo, double hi);

/* ---- scanning without a tree (json_scan.c) ---- */

/* Where a value is in a JSON text: its bytes, as written. */
struct pawl_json_span {
    const char *ptr;
    size_t len;
    int found;
};

/*
 * Checks `text` is one JSON document, as strictly as jansson's json_loadb()
 * with JSON_DECODE_ANY, and sets out[i] to the value at pointers[i] (RFC 6901,
 * e.g. "/choices/0/message/content"; "" is the document). Returns 0, or -1
 * (every span cleared) when the text is not JSON or nests deeper than 256:
 * callers then ask jansson, which also says why.
 */
int pawl_json_scan(const char *text, size_t len, const char *const *pointers, size_t n,
                   struct pawl_json_span *out);

/* The decoded text of a span holding a string (heap, NUL-terminated; *out_len
 * without the NUL), or NULL when it holds something else. */
char *pawl_json_span_string(const struct pawl_json_span *span, size_t *out_len);

/* ---- strict reading ---- */

/* Initialise as {source, err, PAWL_BUF_INIT}; pawl_buf_release(&ptr) when done. */
struct pawl_json_reader {
    const char *source;
    struct pawl_error *err;
    struct pawl_buf ptr; /* JSON pointer of the value being read */
};

/* Appends "/key" (escaped) or "/i" to the pointer; returns what pawl_json_pop() restores. */
size_t pawl_json_push_key(struct pawl_json_reader *rd, const char *key);
size_t pawl_json_push_index(struct pawl_json_reader *rd, size_t i);
void pawl_json_pop(struct pawl_json_reader *rd, size_t old);

/* Fails with `'<pointer>/<key>' <what>`; `key` NULL names the current pointer itself. */
int pawl_json_bad(struct pawl_json_reader *rd, const char *key, const char *what);

/*
 * The getters read obj[key] and fail with `is missing` or with `must be ...`.
 * Borrowed references: never decref what they give.
 */
int pawl_json_get(struct pawl_json_reader *rd, const json_t *obj, const char *key,
                  const json_t **out);

/* An object, array or string; with `nullable`, null gives *out NULL. */
int pawl_json_get_typed(struct pawl_json_reader *rd, const json_t *obj, const char *key,
                        json_type type, int nullable, const json_t **out);

/* A new string in *out; null leaves *out untouched when `nullable`. */
int pawl_json_get_string(struct pawl_json_reader *rd, const json_t *obj, const char *key,
                         int nullable, char **out);

int pawl_json_get_bool(struct pawl_json_reader *rd, const json_t *obj, const char *key, int *out);

/* A count, line or duration from 0 to `max` (`is too large` past it); null reads as -1
 * when `nullable`. */
int pawl_json_get_count(struct pawl_json_reader *rd, const json_t *obj, const char *key,
                        int nullable, json_int_t max, json_int_t *out);

/* Any number, or null (NaN); `has`, when given, is 0 for null and 1 for a number. */
int pawl_json_get_real(struct pawl_json_reader *rd, const json_t *obj, const char *key, double *out,
                       int *has);

/* An interval: an array of two numbers or nulls (NaN). */
int pawl_json_get_interval(struct pawl_json_reader *rd, const json_t *obj, const char *key,
                           double *lo, double *hi);

/* A string equal to one of the `n` names: *out is its index. Fails with
 * `must be one of 'a', 'b'`. */
int pawl_json_get_one_of(struct pawl_json_reader *rd, const json_t *obj, const char *key,
                         const char *const *names, size_t n, int *out);

#endif
