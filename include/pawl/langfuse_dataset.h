/*
 * langfuse_dataset.h - Langfuse datasets <-> pawl's versioned dataset files.
 *
 * pull writes a Langfuse dataset's ACTIVE items (optionally as they were at
 * a version timestamp) as pawl's canonical JSONL, so that pulling an
 * unchanged dataset again gives the same bytes and a changed one a diff of
 * only the changed lines:
 *   - one line per item, sorted by id (byte order), ending in a newline;
 *   - keys "id", "input", "expected_output", "metadata" in that order;
 *     "input" always (null when the item has none), "expected_output" only
 *     when not null, "metadata" only when it holds something;
 *   - compact JSON, UTF-8 unescaped, object keys sorted at every depth
 *     (servers do not keep key order: Postgres jsonb reorders), reals in
 *     the shortest form that reads back the same, integral ones as integers;
 *   - the item's sourceTraceId / sourceObservationId become
 *     metadata.source_trace_id / metadata.source_observation_id; metadata
 *     that is not an object is kept as {"value": <it>}.
 * push does the reverse: it creates the dataset when missing, upserts every
 * case whose content differs from the ACTIVE item with its id, and archives
 * (or deletes) the ACTIVE items the file no longer has.
 *
 * Langfuse item ids are unique in a whole project, so an id prefix may be
 * given: push prepends it, pull strips it where present.
 *
 * Failures: PAWL_EUSAGE for a bad name, version or a dataset that does not
 * exist (the user's mistake, exit 2), PAWL_EDATA for content pawl's format
 * cannot hold, PAWL_EIO for anything the server did or did not answer.
 */
#ifndef PAWL_LANGFUSE_DATASET_H
#define PAWL_LANGFUSE_DATASET_H

#include <jansson.h>
#include <stddef.h>

#include "pawl/buf.h"
#include "pawl/dataset.h"
#include "pawl/error.h"
#include "pawl/langfuse.h"

/* Items per page when listing (the API's maximum). */
#define PAWL_LANGFUSE_DATASET_PAGE 100
/* Langfuse's limit on an item id, in UTF-16 code units as its server counts. */
#define PAWL_LANGFUSE_DATASET_ID_MAX 255

/* ---- the canonical line (pure) ---- */

/*
 * Appends the canonical line of one case, without a newline. `input` NULL
 * reads as JSON null; `expected_output` NULL or null and `metadata` NULL or
 * empty are left out.
 */
void pawl_langfuse_dataset_line(struct pawl_buf *out, const char *id, const json_t *input,
                                const json_t *expected_output, const json_t *metadata);

/*
 * The canonical line of a Langfuse DatasetItem (as the API returns it), its
 * id stripped of `id_prefix` (may be NULL) when it starts with it; *out_id
 * gets that id (a new string). PAWL_EDATA when the item is not an object,
 * its id is not a non-empty string, or nothing is left once the prefix is
 * stripped.
 */
int pawl_langfuse_dataset_item_line(struct pawl_buf *out, char **out_id, const json_t *item,
                                    const char *id_prefix, struct pawl_error *err);

/* ---- sets of lines, by id ---- */

struct pawl_langfuse_dataset_entry {
    char *id;
    char *line; /* canonical, without the newline */
};

struct pawl_langfuse_dataset_lines {
    struct pawl_langfuse_dataset_entry *v;
    size_t n, alloc;
};

#define PAWL_LANGFUSE_DATASET_LINES_INIT {NULL, 0, 0}

/* Takes ownership of `id` and `line`. */
void pawl_langfuse_dataset_lines_add(struct pawl_langfuse_dataset_lines *s, char *id, char *line);
/* Sorts by id in byte order; returns the first id that occurs twice, or NULL. */
const char *pawl_langfuse_dataset_lines_sort(struct pawl_langfuse_dataset_lines *s);
/* The entry with `id` in a sorted set, or NULL. */
const struct pawl_langfuse_dataset_entry *
pawl_langfuse_dataset_lines_find(const struct pawl_langfuse_dataset_lines *s, const char *id);
/* Appends every line and a newline, in the set's order. */
void pawl_langfuse_dataset_lines_text(struct pawl_buf *out,
                                      const struct pawl_langfuse_dataset_lines *s);
/*
 * Reads a JSONL text the way a previous pull (or a hand edit of one) left
 * it, for comparing: each line that is an object with a string or integer
 * "id" gives its canonical line (`expectedOutput` accepted); other lines are
 * skipped, since the pull replaces the file whatever it held. Sorted; a
 * repeated id keeps its first line.
 */
void pawl_langfuse_dataset_lines_parse(struct pawl_langfuse_dataset_lines *out, const char *text,
                                       size_t len);
void pawl_langfuse_dataset_lines_release(struct pawl_langfuse_dataset_lines *s);

struct pawl_langfuse_dataset_diff {
    size_t added, changed, removed, unchanged;
};

/* Counts by id between two sorted sets. */
void pawl_langfuse_dataset_diff(struct pawl_langfuse_dataset_diff *out,
                                const struct pawl_langfuse_dataset_lines *before,
                                const struct pawl_langfuse_dataset_lines *after);

/* ---- argument checks (pure) ---- */

/* 0 when `s` is an RFC 3339 date-time with a time zone ("2026-08-01T00:00:00Z"),
 * else PAWL_EUSAGE "--version must be an RFC 3339 timestamp ...". */
int pawl_langfuse_dataset_check_version(const char *s, struct pawl_error *err);

/* 0 when Langfuse accepts `name` as a dataset name (non-empty, no leading or
 * trailing '/', no "//"), else PAWL_EUSAGE. */
int pawl_langfuse_dataset_check_name(const char *name, struct pawl_error *err);

/* "evals/<name>.jsonl" (a '/' in the name makes folders) as a new string;
 * PAWL_EUSAGE when a segment is "." or ".." (the file would leave evals/). */
int pawl_langfuse_dataset_default_path(char **out, const char *name, struct pawl_error *err);

/* ---- the commands ---- */

struct pawl_langfuse_dataset_pull_options {
    const char *name;      /* the Langfuse dataset */
    const char *path;      /* the file to write */
    const char *version;   /* RFC 3339 timestamp, or NULL for the latest */
    const char *id_prefix; /* stripped from ids that start with it, or NULL */
};

struct pawl_langfuse_dataset_pull_result {
    size_t items;
    size_t pages;
    struct pawl_langfuse_dataset_diff diff; /* against the file's previous content */
    int written;                            /* 0 when the file already held these bytes */
};

/*
 * Reads the dataset and every page of its items, then replaces the file
 * atomically, only when its bytes change. Nothing is written on failure.
 * PAWL_EUSAGE "dataset 'x' not found on Langfuse at URL" (with a "did you
 * mean" among the project's datasets) when it does not exist.
 */
int pawl_langfuse_dataset_pull(struct pawl_langfuse_dataset_pull_result *out,
                               struct pawl_langfuse *lf,
                               const struct pawl_langfuse_dataset_pull_options *opts,
                               struct pawl_error *err);

struct pawl_langfuse_dataset_push_options {
    const char *name;        /* the Langfuse dataset */
    const char *description; /* set on the dataset when non-NULL */
    const char *id_prefix;   /* prepended to every case id, or NULL */
    int delete_missing;      /* delete the items the file lacks instead of archiving them */
};

#define PAWL_LANGFUSE_DATASET_MAX_FAILURES 10

struct pawl_langfuse_dataset_push_result {
    int dataset_created;
    size_t created, updated, archived, deleted, unchanged;
    size_t failed;
    /* the first PAWL_LANGFUSE_DATASET_MAX_FAILURES failures, one message each: "item 'x':
     * Langfuse answered 400 to POST /api/public/dataset-items: ..." */
    char *failures[PAWL_LANGFUSE_DATASET_MAX_FAILURES];
    size_t n_failures;
};

/*
 * Makes the dataset's ACTIVE items equal the cases of `ds`. Every case is
 * checked before anything is sent (PAWL_EDATA located at the case's line:
 * an id too long for Langfuse with the prefix, a source_trace_id or
 * source_observation_id that is not a string). The writes run concurrently;
 * when any is not accepted the others still run, the counts say what was
 * done, and PAWL_EIO carries the first failure.
 */
int pawl_langfuse_dataset_push(struct pawl_langfuse_dataset_push_result *out,
                               struct pawl_langfuse *lf, const struct pawl_dataset *ds,
                               const struct pawl_langfuse_dataset_push_options *opts,
                               struct pawl_error *err);
void pawl_langfuse_dataset_push_result_release(struct pawl_langfuse_dataset_push_result *r);

#endif
