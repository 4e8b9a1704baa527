/*
 * fuzz_dataset: bytes as a dataset file, in each of the four formats.
 *
 * The first byte picks the format and is not part of the file: 'l' .jsonl,
 * 'j' .json, 'y' .yaml, 'c' .csv (readable seeds); any other byte picks by
 * its value modulo 4, so every mutation still reaches some parser.
 *
 * Invariants: a dataset that loads has cases, each with a non-empty id free
 * of NUL bytes, unique, an input, a record and a line inside the file, and
 * template variables that serialise; a failure sets an error with a message.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "pawl/dataset.h"
#include "pawl/error.h"

static const char *const names[] = {"cases.jsonl", "cases.json", "cases.yaml", "cases.csv"};

static size_t pick_format(uint8_t b)
{
    switch (b) {
    case 'l':
        return 0;
    case 'j':
        return 1;
    case 'y':
        return 2;
    case 'c':
        return 3;
    default:
        return b % 4;
    }
}

/*
 * Lines as the format's reader counts them: LF for JSON and CSV; for YAML,
 * libyaml's line breaks, which are also a lone CR, NEL, LS and PS.
 */
static size_t count_lines(const char *s, size_t len, int yaml)
{
    size_t i, n = 1;

    for (i = 0; i < len; i++) {
        if (s[i] == '\n')
            n++;
        else if (yaml && s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n'))
            n++;
        else if (yaml && i + 1 < len && s[i] == '\xc2' && s[i + 1] == '\x85')
            n++;
        else if (yaml && i + 2 < len && s[i] == '\xe2' && s[i + 1] == '\x80' &&
                 (s[i + 2] == '\xa8' || s[i + 2] == '\xa9'))
            n++;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pawl_dataset ds;
    struct pawl_error err;
    const char *text;
    const char *name;
    json_t *ids;
    size_t i, len, lines;
    int rc;

    if (size == 0)
        return 0;
    name = names[pick_format(data[0])];
    text = (const char *)data + 1;
    len = size - 1;
    lines = count_lines(text, len, pick_format(data[0]) == 2);

    pawl_error_init(&err);
    rc = pawl_dataset_parse(&ds, text, len, name, "id", &err);
    if (rc < 0) {
        FUZZ_ASSERT(err.code == rc && err.msg[0], "rc %d, code %d, '%s'", rc, err.code, err.msg);
        FUZZ_ASSERT(ds.n_cases == 0 && !ds.cases, "a failed parse kept %zu cases", ds.n_cases);
        return 0;
    }
    FUZZ_ASSERT(rc == 0 && ds.n_cases > 0, "rc %d with %zu cases", rc, ds.n_cases);
    FUZZ_ASSERT(strlen(ds.blob) == 40, "blob '%s'", ds.blob);

    ids = json_object();
    for (i = 0; i < ds.n_cases; i++) {
        const struct pawl_case *c = &ds.cases[i];
        json_t *vars;
        char *dump;

        FUZZ_ASSERT(c->id && c->id[0], "case %zu has an empty id", i);
        FUZZ_ASSERT(!json_object_get(ids, c->id), "case id '%s' twice", c->id);
        json_object_set_new(ids, c->id, json_true());
        FUZZ_ASSERT(c->input && c->record && json_is_object(c->record), "case '%s'", c->id);
        FUZZ_ASSERT(!c->metadata || json_is_object(c->metadata), "case '%s' metadata", c->id);
        FUZZ_ASSERT(c->line >= 1 && (size_t)c->line <= lines, "case '%s' at line %d of %zu", c->id,
                    c->line, lines);
        vars = pawl_case_vars(c);
        FUZZ_ASSERT(json_is_string(json_object_get(vars, "id")), "case '%s' has no id variable",
                    c->id);
        dump = json_dumps(vars, JSON_COMPACT | JSON_ENCODE_ANY);
        FUZZ_ASSERT(dump != NULL, "the variables of case '%s' do not serialise", c->id);
        free(dump);
        json_decref(vars);
    }
    json_decref(ids);
    pawl_dataset_release(&ds);
    return 0;
}
