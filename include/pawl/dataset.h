/*
 * dataset.h - the annotated cases a run is scored on.
 *
 * One case per record, Langfuse dataset item shape:
 *   {"id": ..., "input": ..., "expected_output": ..., "metadata": {...}}
 * (`expectedOutput` is accepted too). Formats by extension: .jsonl, .json
 * (an array), .yaml/.yml (a list) and .csv (RFC 4180; columns map to
 * `input.<column>` except the id column, `expected_output` and
 * `metadata.<key>`). Errors name the file and the record's line:
 * `evals/qa.jsonl:41: invalid JSON: ...`, PAWL_EDATA.
 *
 * The dataset's identity is its git blob id, computed from the bytes read
 * (so uncommitted files have one too).
 *
 * Ownership: the dataset owns its cases and their JSON values.
 */
#ifndef PAWL_DATASET_H
#define PAWL_DATASET_H

#include <jansson.h>
#include <stddef.h>

#include "pawl/error.h"
#include "pawl/git.h"

struct pawl_case {
    char *id;                /* string ids as is; integer ids printed in decimal */
    json_t *input;           /* never NULL (JSON null when absent) */
    json_t *expected_output; /* NULL when the record has none */
    json_t *metadata;        /* NULL when the record has none */
    json_t *record;          /* the whole record (for `outputs` and exec agents) */
    int line;                /* 1-based line where the record starts */
};

struct pawl_dataset {
    char *path;  /* display path, as configured */
    char *ref;   /* revision it was read at, or NULL for the working tree */
    char blob[PAWL_GIT_OID_HEX];
    struct pawl_case *cases;
    size_t n_cases;
};

/*
 * Loads the dataset at `fs_path` (or at git revision `ref` when non-NULL),
 * naming it `display` in errors. `id_field` is the record key holding the
 * case id. Missing, empty or duplicate ids are errors.
 */
int pawl_dataset_load(struct pawl_dataset *out, const char *fs_path, const char *display,
                      const char *ref, const char *id_field, struct pawl_error *err);

/* Parses bytes already in memory; `display`'s extension picks the format. */
int pawl_dataset_parse(struct pawl_dataset *out, const char *data, size_t len,
                       const char *display, const char *id_field, struct pawl_error *err);

void pawl_dataset_release(struct pawl_dataset *ds);

/* The format a file name's extension says (case-insensitive). */
enum pawl_dataset_format {
    PAWL_DATASET_UNKNOWN,
    PAWL_DATASET_JSONL,
    PAWL_DATASET_JSON,
    PAWL_DATASET_YAML,
    PAWL_DATASET_CSV
};
enum pawl_dataset_format pawl_dataset_format_of(const char *path);

/* The case with id `id`, or NULL (a linear search: for one-off lookups). */
const struct pawl_case *pawl_dataset_find(const struct pawl_dataset *ds, const char *id);

/* The template context for a case: {id, input, expected_output?, metadata?}. New reference. */
json_t *pawl_case_vars(const struct pawl_case *c);

#endif
