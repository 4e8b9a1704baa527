/*
 * node.h - a YAML document as a tree that remembers where each node was.
 *
 * libyaml's events are folded into scalars, sequences and mappings, each
 * with the 1-based line and column of its first character, so every later
 * check (config keys, dataset records) can say `file:line:col: message`.
 *
 * Aliases and anchors are rejected: they are rare in configs and datasets,
 * and refusing them rules out exponential "billion laughs" documents.
 * Nesting is capped at PAWL_NODE_MAX_DEPTH.
 *
 * Ownership: the tree returned by pawl_node_parse() owns every node and
 * string below it; pawl_node_free() releases it all.
 */
#ifndef PAWL_NODE_H
#define PAWL_NODE_H

#include <jansson.h>
#include <stddef.h>

#include "pawl/error.h"

#define PAWL_NODE_MAX_DEPTH 64

enum pawl_node_kind { PAWL_NODE_SCALAR, PAWL_NODE_SEQ, PAWL_NODE_MAP };

struct pawl_node {
    enum pawl_node_kind kind;
    int line, col;
    char *value;  /* scalar text, NUL-terminated; NULL for SEQ/MAP */
    size_t len;   /* scalar length in bytes */
    int plain;    /* scalar was unquoted, so `true`, `3`, `~` get YAML types */
    int quoted;   /* scalar was 'single' or "double" quoted: its text starts at col + 1 */
    int block;    /* scalar was a | or > block: its text starts on the next line */
    size_t n;     /* number of items (SEQ) or pairs (MAP) */
    struct pawl_node **keys;  /* MAP: key scalars */
    struct pawl_node **items; /* SEQ items, or MAP values */
};

/*
 * Parses one YAML document. An empty document yields an empty MAP. More
 * than one document, aliases, non-scalar mapping keys and duplicate keys
 * are errors located at the offending node; `source` names the file.
 */
int pawl_node_parse(struct pawl_node **out, const char *data, size_t len, const char *source,
                    struct pawl_error *err);
void pawl_node_free(struct pawl_node *node);

/* Value for `key` in a MAP, or NULL (also when `map` is not a MAP). */
const struct pawl_node *pawl_node_get(const struct pawl_node *map, const char *key);

/* The key scalar for `key` in a MAP (for locating errors), or NULL. */
const struct pawl_node *pawl_node_key(const struct pawl_node *map, const char *key);

/* Human name of the kind: "a string", "a list", "a mapping". */
const char *pawl_node_kind_name(const struct pawl_node *node);

/*
 * Checks that every key of `map` is in the NULL-terminated `allowed` list;
 * otherwise fails with `unknown key 'x' (did you mean 'y'?)` located at the
 * key (the hint only when an allowed key is close enough).
 */
int pawl_node_check_keys(const struct pawl_node *map, const char *const *allowed,
                         const char *source, struct pawl_error *err);

/* The allowed word nearest to `word` by edit distance, or NULL when none is close. */
const char *pawl_suggest(const char *word, const char *const *allowed);

/*
 * Converts to JSON with YAML 1.1 core typing for plain scalars: null/~,
 * true/false/yes/no/on/off, integers and floats; everything else (and every
 * quoted scalar) is a string. Returns a new reference.
 */
json_t *pawl_node_to_json(const struct pawl_node *node);

/* Scalar typing helpers; return 0 on success, -1 when the scalar is not of that type. */
int pawl_node_as_bool(const struct pawl_node *node, int *out);
int pawl_node_as_double(const struct pawl_node *node, double *out);
int pawl_node_as_long(const struct pawl_node *node, long *out);
int pawl_node_is_null(const struct pawl_node *node);

#endif
