/*
 * dataset_add.h - a case of a results file back into the dataset, as a new
 * record (`pawl dataset add`): the failure a run found becomes a regression
 * case, with what was observed and what a human said about it.
 *
 * The record is {<id field>, input, expected_output?, metadata}, metadata
 * being the case's own plus:
 *   observed_output  the output of the observed trial (observed_error instead
 *                    when that call failed)
 *   note             the annotation (--note)
 *   labels           {<score>: value}: human labels, merged into existing ones
 *                    (replacing a flat "labels.<score>" key, as CSV cases have)
 *   source_case      the case's id in the run
 *   source_run       the run's id
 *
 * It is appended to the dataset file in that file's format, and no byte of
 * what the file held changes (pawl_dataset_append()): JSONL gets one compact
 * line; a JSON array gets one more element before its `]`, indented like
 * the last one; a YAML list one more `- ` item, a flow mapping in JSON
 * syntax at the items' indentation; CSV one more row under the header's
 * columns. Line endings follow the file's first line; a missing final line
 * break is added first.
 *
 * Ownership: out-parameters are the caller's (json_decref, pawl_buf_release,
 * pawl_dataset_addition_release).
 */
#ifndef PAWL_DATASET_ADD_H
#define PAWL_DATASET_ADD_H

#include <jansson.h>
#include <stddef.h>

#include "pawl/buf.h"
#include "pawl/error.h"
#include "pawl/results.h"

struct pawl_add_options {
    const char *id_field; /* the dataset's id key; NULL means "id" */
    const char *id;       /* the new case's id; NULL derives pawl_dataset_add_id()'s */
    const char *note;     /* metadata.note, or NULL */
    const json_t *labels; /* {score: value} set into metadata.labels, or NULL */
    const char *turns;    /* --turns SPEC for input.messages, or NULL to keep them all */
    size_t trial;         /* 1-based trial to observe; 0: the first failing or errored
                           * trial, else the first */
};

/* The new id of case `case_id` of run `run_id`: "<case id>-<8 hex>", the hex
 * from SHA-256 of both, so adding the same failure twice gives the same id. */
char *pawl_dataset_add_id(const char *run_id, const char *case_id);

/*
 * How many of `n` messages a --turns SPEC keeps: "N-k" all but the last k,
 * "K" the first K. A malformed spec is PAWL_EUSAGE; one that keeps no
 * message, or more than there are, PAWL_EDATA.
 */
int pawl_dataset_turns(size_t *out, const char *spec, size_t n, struct pawl_error *err);

/* A --label value typed: true/false a boolean, a JSON number a number, anything
 * else the string as given. New reference. */
json_t *pawl_dataset_label_value(const char *text);

/* The record for case `c` of run `r` (see above). PAWL_EUSAGE for a --trial or
 * --turns the case cannot take. */
int pawl_dataset_add_record(json_t **out, const struct pawl_results *r,
                            const struct pawl_case_result *c, const struct pawl_add_options *opt,
                            struct pawl_error *err);

struct pawl_dataset_addition {
    int line;       /* 1-based line where the new record starts */
    char **dropped; /* CSV: values that had no column ("metadata.note"), in record order */
    size_t n_dropped;
};

void pawl_dataset_addition_release(struct pawl_dataset_addition *a);

/*
 * Appends `record` to `len` bytes of the dataset `display` (its extension
 * picks the format), writing the whole new file into `out`. The bytes must
 * be a dataset that loads, or blank (a new JSONL, JSON or YAML file).
 * CSV refuses (PAWL_EDATA) an input that is not an object, an input key or
 * expected output without a column; metadata keys without a column are
 * dropped and listed in info->dropped. A label metadata.labels.SCORE goes
 * in the column of that name (and is listed by that name when it has none).
 * A blank CSV file has no header row and is refused.
 * YAML refuses a list in flow style (`[...]`), and a file whose last line
 * has no line break and ends a block scalar (`|`, `>`): the line break added
 * would change its value. The new item goes before the first `...` ending
 * the document; lines (info->line) count as libyaml counts them, a lone CR,
 * NEL, U+2028 and U+2029 breaking lines too. A blank YAML file holding a
 * tab (which YAML refuses) is replaced by the new file.
 */
int pawl_dataset_append(struct pawl_buf *out, struct pawl_dataset_addition *info, const char *data,
                        size_t len, const char *display, const json_t *record, const char *id_field,
                        struct pawl_error *err);

/*
 * Adds `record` to the dataset file `fs_path` (named `display` in messages;
 * a missing file counts as blank): refuses an id already there (`case 'x'
 * is already in evals/qa.jsonl`, PAWL_EDATA), appends, re-parses the result
 * with pawl_dataset_parse() and checks the new case reads back at its line
 * and, except for CSV, with the same input, expected output and metadata;
 * only then replaces the file atomically, keeping its permission bits. On
 * any failure the file is left as it was.
 *
 * Concurrent adds (other processes too) are serialised by an exclusive
 * flock(2) on the file's directory, held from the read to the rename, so
 * none is lost. A file with no write permission bit is refused before
 * anything is done, even for root (`cannot write 'evals/qa.jsonl': the file
 * is read-only`, PAWL_EIO).
 */
int pawl_dataset_add_to_file(struct pawl_dataset_addition *out, const char *fs_path,
                             const char *display, const json_t *record, const char *id_field,
                             struct pawl_error *err);

#endif
