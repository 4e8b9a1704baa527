/*
 * fuzz_dataset_add: one more record appended to a dataset file, the way
 * `pawl dataset add` does it (pawl_dataset_append(), dataset_add.h).
 *
 * Input: the first byte picks the format ('l' .jsonl, 'j' .json, 'y' .yaml,
 * 'c' .csv; any other byte by its value modulo 4); the file is the bytes up
 * to the last NUL, and what follows that NUL is the record as JSON (an
 * object's id, input, expected_output and metadata make the record the way
 * pawl_dataset_add_record() shapes it; anything else is the input of a case
 * with a fixed id). Without a NUL the whole rest is the file and the record
 * is a fixed one.
 *
 * A file that loads (or is blank), with a record whose id it does not hold
 * yet, is what pawl_dataset_add_to_file() hands the writer. The writer then
 * either refuses in one of the ways the header documents (CSV columns or
 * no header, a flow-style YAML list, a block scalar ending a file that has
 * no final line break), or writes bytes that:
 * - keep the old bytes: JSONL, YAML and CSV (and any blank file) as a prefix,
 *   the optional line break the header promises aside (YAML: or before the
 *   first `...`; a blank YAML file holding a tab is replaced); a JSON array
 *   everything up to its last element (or its `[`) before the new one and
 *   everything from there on after it;
 * - load with pawl_dataset_parse();
 * - hold the old cases unchanged (id, record, line) and in order, and the
 *   new one last, at the line the writer reported, with the input, expected
 *   output and metadata written (CSV, which reads text back: the id, and the
 *   string values that had a column).
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "pawl/buf.h"
#include "pawl/dataset.h"
#include "pawl/dataset_add.h"
#include "pawl/error.h"

enum { F_JSONL, F_JSON, F_YAML, F_CSV };

static const char *const names[] = {"cases.jsonl", "cases.json", "cases.yaml", "cases.csv"};

static int pick_format(uint8_t b)
{
    switch (b) {
    case 'l':
        return F_JSONL;
    case 'j':
        return F_JSON;
    case 'y':
        return F_YAML;
    case 'c':
        return F_CSV;
    default:
        return b % 4;
    }
}

/* As pawl_dataset_add_to_file() decides it: nothing but white space after an optional BOM. */
static int blank(const char *p, size_t len)
{
    size_t i = len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

    for (; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return 0;
    return 1;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The record pawl_dataset_add_record() would make from the fuzzed value (a new reference). */
static json_t *make_record(const char *text, size_t len)
{
    json_t *v = text ? json_loadb(text, len, JSON_DECODE_ANY, NULL) : NULL;
    json_t *rec = json_object();
    const json_t *id, *meta;

    if (!v)
        v = json_pack("{s:{s:s}}", "input", "question", "what is new?");
    if (!json_is_object(v)) {
        json_object_set_new(rec, "id", json_string("fuzz-new"));
        json_object_set(rec, "input", v);
        json_decref(v);
        return rec;
    }
    id = json_object_get(v, "id");
    if (json_is_string(id) && json_string_length(id) > 0)
        json_object_set(rec, "id", (json_t *)id);
    else
        json_object_set_new(rec, "id", json_string("fuzz-new"));
    json_object_set_new(rec, "input",
                        json_object_get(v, "input") ? json_incref(json_object_get(v, "input"))
                                                    : json_null());
    if (json_object_get(v, "expected_output"))
        json_object_set(rec, "expected_output", json_object_get(v, "expected_output"));
    meta = json_object_get(v, "metadata");
    if (json_is_object(meta))
        json_object_set(rec, "metadata", (json_t *)meta);
    json_decref(v);
    return rec;
}

static int same(const json_t *a, const json_t *b)
{
    if (!a || !b)
        return !a && !b;
    return json_equal((json_t *)a, (json_t *)b);
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The refusals dataset_add.h documents, and only those. */
static void check_refusal(int fmt, int rc, const struct pawl_error *err, const char *file,
                          size_t len)
{
    FUZZ_ASSERT(rc == PAWL_EDATA && err->code == rc && err->msg[0], "rc %d, code %d, '%s'", rc,
                err->code, err->msg);
    if (fmt != F_YAML) {
        FUZZ_ASSERT(fmt == F_CSV && (starts_with(err->msg, "cannot add the case to cases.csv:") ||
                                     starts_with(err->msg, "cannot add a case to cases.csv:")),
                    "%s refused: %s", names[fmt], err->msg);
        return;
    }
    FUZZ_ASSERT(starts_with(err->msg, "cannot append to a YAML list in flow style") ||
                    starts_with(err->msg, "cannot append after a block scalar"),
                "YAML refused: %s", err->msg);
    /* A block scalar is refused only where a line break must be added after it. */
    if (starts_with(err->msg, "cannot append after a block scalar"))
        FUZZ_ASSERT(len > 0 && file[len - 1] != '\n' && file[len - 1] != '\r',
                    "refused a file that ends in a line break: %s", err->msg);
}

/* Whether the old bytes from `k` on are a YAML document end marker and what may follow it. */
static int yaml_doc_end_at(const char *old, size_t len, size_t k)
{
    /* At a line start, lines as libyaml breaks them (after a lone CR, NEL, U+2028, U+2029 too). */
    int line_start = k == 0 || old[k - 1] == '\n' || old[k - 1] == '\r' ||
                     (k >= 2 && memcmp(old + k - 2, "\xC2\x85", 2) == 0) ||
                     (k >= 3 && (memcmp(old + k - 3, "\xE2\x80\xA8", 3) == 0 ||
                                 memcmp(old + k - 3, "\xE2\x80\xA9", 3) == 0));

    return line_start && len - k >= 3 && memcmp(old + k, "...", 3) == 0;
}

/*
 * The old bytes are all there: the new file is them with one insertion (the
 * new record, and the line break a last line lacked). The insertion is at
 * the end for JSONL, CSV and blank files; for YAML at the end or before a
 * closing `...`; for a JSON array after its last element (or its `[`), so
 * only white space separates the insertion from the closing `]`.
 */
static void check_kept(int fmt, const char *old, size_t len, const struct pawl_buf *out)
{
    size_t bom = len >= 3 && memcmp(old, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0, close, k;

    if (fmt == F_YAML && blank(old, len) && memchr(old, '\t', len)) {
        /* YAML refuses the tab: a new file, with the BOM if there was one. */
        FUZZ_ASSERT(out->len > bom + 2 && memcmp(out->ptr, old, bom) == 0 &&
                        memcmp(out->ptr + bom, "- ", 2) == 0,
                    "a blank YAML file with a tab is not replaced");
        return;
    }

    FUZZ_ASSERT(out->len > len, "the new file is not longer: %zu bytes, %zu before", out->len, len);
    FUZZ_ASSERT(out->ptr[out->len - 1] == '\n' || (fmt == F_JSON && !blank(old, len)) ||
                    (fmt == F_YAML && out->ptr[out->len - 1] == '\r') ||
                    (fmt == F_YAML && len > 0 && old[len - 1] != '\n'),
                "the new file does not end in a line break");
    for (k = 0; k < len && out->ptr[k] == old[k]; k++)
        ;
    FUZZ_ASSERT(memcmp(out->ptr + out->len - (len - k), old + k, len - k) == 0,
                "the old bytes after the first %zu are not at the end of the new file", k);
    if (fmt == F_JSON && !blank(old, len)) {
        /* A JSON array that loaded ends with its ']' (white space aside). */
        for (close = len; close > 0 && is_ws(old[close - 1]); close--)
            ;
        FUZZ_ASSERT(close > 0 && old[close - 1] == ']', "a JSON dataset that ends in '%c'",
                    close ? old[close - 1] : '?');
        for (close--; k < close && is_ws(old[k]); k++)
            ;
        FUZZ_ASSERT(k == close, "inserted %zu bytes before the closing ']'", close - k);
    } else if (fmt == F_YAML) {
        FUZZ_ASSERT(k == len || yaml_doc_end_at(old, len, k), "inserted at byte %zu of %zu", k,
                    len);
    } else {
        FUZZ_ASSERT(k == len, "inserted at byte %zu of %zu", k, len);
    }
}

/* The new case reads back with what the record says (CSV: as text, where it had a column). */
static void check_new_case(int fmt, const struct pawl_case *c, const json_t *rec)
{
    const json_t *expected = json_object_get(rec, "expected_output");
    const json_t *input = json_object_get(rec, "input"), *meta = json_object_get(rec, "metadata");
    const json_t *v;
    const char *key;

    if (fmt != F_CSV) {
        FUZZ_ASSERT(same(c->input, input), "case '%s' reads back with another input", c->id);
        FUZZ_ASSERT(same(c->expected_output, json_is_null(expected) ? NULL : expected),
                    "case '%s' reads back with another expected output", c->id);
        FUZZ_ASSERT(same(c->metadata, meta), "case '%s' reads back with other metadata", c->id);
        return;
    }
    json_object_foreach((json_t *)input, key, v)
    {
        if (json_is_string(v))
            FUZZ_ASSERT(same(json_object_get(c->input, key), v),
                        "case '%s' reads input.%s back differently", c->id, key);
    }
    if (json_is_string(expected))
        FUZZ_ASSERT(same(c->expected_output, expected),
                    "case '%s' reads its expected output back differently", c->id);
    json_object_foreach((json_t *)meta, key, v)
    {
        const json_t *got = json_object_get(c->metadata, key);
        if (json_is_string(v) && got)
            FUZZ_ASSERT(same(got, v), "case '%s' reads metadata.%s back differently", c->id, key);
    }
}

static void check_dropped(const struct pawl_dataset_addition *info, const json_t *rec)
{
    const json_t *meta = json_object_get(rec, "metadata");
    size_t i;

    for (i = 0; i < info->n_dropped; i++) {
        const char *d = info->dropped[i];
        /* "metadata.KEY", or "metadata.labels.SCORE" for a label without its column */
        int held = starts_with(d, "metadata.") &&
                   (json_object_get(meta, d + 9) ||
                    (starts_with(d, "metadata.labels.") &&
                     json_object_get(json_object_get(meta, "labels"), d + 16)));
        FUZZ_ASSERT(held, "dropped '%s', which the record's metadata does not hold", d);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pawl_dataset old, now;
    struct pawl_dataset_addition info;
    struct pawl_buf out = PAWL_BUF_INIT;
    struct pawl_error err;
    const struct pawl_case *c;
    const char *file, *rec_text = NULL, *id;
    size_t len, rec_len = 0, i;
    json_t *rec = NULL;
    int fmt, rc;

    if (size == 0)
        return 0;
    fmt = pick_format(data[0]);
    file = (const char *)data + 1;
    len = size - 1;
    for (i = len; i > 0; i--)
        if (file[i - 1] == '\0') {
            rec_text = file + i;
            rec_len = len - i;
            len = i - 1;
            break;
        }

    memset(&old, 0, sizeof(old));
    memset(&now, 0, sizeof(now));
    memset(&info, 0, sizeof(info));
    pawl_error_init(&err);
    if (!blank(file, len) && pawl_dataset_parse(&old, file, len, names[fmt], "id", &err) < 0)
        goto done;
    rec = make_record(rec_text, rec_len);
    id = json_string_value(json_object_get(rec, "id"));
    if (strlen(id) != json_string_length(json_object_get(rec, "id")) || pawl_dataset_find(&old, id))
        goto done; /* refused before the writer runs */

    pawl_error_init(&err);
    rc = pawl_dataset_append(&out, &info, file, len, names[fmt], rec, "id", &err);
    if (rc < 0) {
        check_refusal(fmt, rc, &err, file, len);
        goto done;
    }
    FUZZ_ASSERT(rc == 0, "rc %d", rc);
    check_kept(fmt, file, len, &out);
    check_dropped(&info, rec);

    pawl_error_init(&err);
    rc = pawl_dataset_parse(&now, out.ptr, out.len, names[fmt], "id", &err);
    FUZZ_ASSERT(rc == 0, "the new file does not load: %s:%d: %s", err.source, err.line, err.msg);
    FUZZ_ASSERT(now.n_cases == old.n_cases + 1, "%zu cases before, %zu after", old.n_cases,
                now.n_cases);
    for (i = 0; i < old.n_cases; i++) {
        FUZZ_ASSERT(strcmp(old.cases[i].id, now.cases[i].id) == 0, "case %zu: '%s' became '%s'", i,
                    old.cases[i].id, now.cases[i].id);
        FUZZ_ASSERT(json_equal(old.cases[i].record, now.cases[i].record),
                    "case '%s' reads back differently", old.cases[i].id);
        FUZZ_ASSERT(old.cases[i].line == now.cases[i].line, "case '%s' moved from line %d to %d",
                    old.cases[i].id, old.cases[i].line, now.cases[i].line);
    }
    c = &now.cases[old.n_cases];
    FUZZ_ASSERT(strcmp(c->id, id) == 0, "the last case is '%s', not '%s'", c->id, id);
    FUZZ_ASSERT(c->line == info.line, "case '%s' is at line %d, the writer said %d", id, c->line,
                info.line);
    check_new_case(fmt, c, rec);
done:
    json_decref(rec);
    pawl_buf_release(&out);
    pawl_dataset_addition_release(&info);
    pawl_dataset_release(&old);
    pawl_dataset_release(&now);
    return 0;
}
