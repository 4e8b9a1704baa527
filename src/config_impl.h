/*
 * config_impl.h - what the config loader's files share (src/config*.c).
 *
 * config.c holds the key-table walker, the top-level tables, loading and
 * releasing; config_task.c the task, scorer and gate-rule sections, which
 * need more than a table can say; config_util.c ${VAR} expansion, path
 * containment and durations.
 *
 * Every error raised here is PAWL_ECONFIG located in the config file.
 */
#ifndef PAWL_CONFIG_IMPL_H
#define PAWL_CONFIG_IMPL_H

#include <stddef.h>

#include "pawl/config.h"
#include "pawl/error.h"
#include "pawl/node.h"

/* Configs and prompt files are hand-written text; anything bigger is a mistake. */
#define PAWL_CONFIG_MAX_BYTES (8u << 20)
#define PAWL_CONFIG_KEYPATH_MAX 256

struct pawl_config_loader {
    struct pawl_config *cfg;
    struct pawl_error *err;
    const char *src; /* cfg->path: the `source` of every located error */
    char *dir_real;  /* realpath of cfg->dir */
    char *repo_root; /* nearest ancestor of dir_real holding .git, else dir_real */
};

enum pawl_config_kind {
    PAWL_KEY_ANY,      /* accepted, not interpreted (reserved for later issues) */
    PAWL_KEY_STRING,   /* any non-null scalar */
    PAWL_KEY_PATH,     /* a string naming a file below the repository root */
    PAWL_KEY_INT,      /* plain integer within [lo, hi] */
    PAWL_KEY_NUMBER,   /* plain number within [lo, hi] */
    PAWL_KEY_BOOL,     /* YAML 1.1 boolean */
    PAWL_KEY_DURATION, /* pawl_config_parse_duration() */
    PAWL_KEY_ENUM,     /* one of `choices` */
    PAWL_KEY_MAP,
    PAWL_KEY_LIST
};

/* Runs after the kind's own check passed; `base` is the section's struct. */
typedef int pawl_config_parser(struct pawl_config_loader *ld, const struct pawl_node *val,
                               const char *keypath, void *base);

struct pawl_config_key {
    const char *name;
    enum pawl_config_kind kind;
    int required;
    pawl_config_parser *parse;
    int stored;                        /* the checked value goes to base + offset */
    size_t offset;                     /* char * (STRING, PATH, ENUM), long, double or int */
    double lo, hi;                     /* INT and NUMBER bounds */
    const char *const *choices;        /* ENUM, NULL-terminated */
    const char *noun;                  /* ENUM: say "unknown <noun> 'x'" */
    const struct pawl_config_key *sub; /* MAP: its keys, stored relative to the same base */
};

#define PAWL_KEY_FIELD(type, member) .stored = 1, .offset = offsetof(type, member)

/* Checks `map` against the `{0}`-terminated `keys`: unknown keys first (unless
 * `other_keys_ok`), then each key in table order. */
int pawl_config_walk(struct pawl_config_loader *ld, const struct pawl_node *map, const char *prefix,
                     const struct pawl_config_key *keys, void *base, int other_keys_ok);

/* Sets a PAWL_ECONFIG error located at `at` and returns PAWL_ECONFIG. */
int pawl_config_fail(struct pawl_config_loader *ld, const struct pawl_node *at, const char *fmt,
                     ...) PAWL_PRINTF(3, 4);

/* "prefix[i]" into out[PAWL_CONFIG_KEYPATH_MAX]. */
void pawl_config_keypath_index(char *out, const char *prefix, size_t i);

/* A non-null scalar: what every string-valued key accepts. */
int pawl_config_is_string(const struct pawl_node *n);
int pawl_config_in_list(const char *word, const char *const *list);

/* Refuses empty, absolute and repository-escaping paths (lexically). */
int pawl_config_check_path(struct pawl_config_loader *ld, const struct pawl_node *val,
                           const char *keypath);
/* `rel` joined to the config's directory; a new string. */
char *pawl_config_resolve(const struct pawl_config_loader *ld, const char *rel);
/* A new string: the nearest ancestor of the absolute `dir` holding `.git`, else `dir`. */
char *pawl_config_repo_root(const char *dir);

/* Expands ${VAR} and ${VAR:-default} in every scalar value below `node`. */
int pawl_config_expand_tree(struct pawl_config_loader *ld, struct pawl_node *node);

/* Section parsers living in config_task.c. */
int pawl_config_parse_task(struct pawl_config_loader *ld, const struct pawl_node *val,
                           const char *keypath, void *base);
int pawl_config_parse_scorers(struct pawl_config_loader *ld, const struct pawl_node *val,
                              const char *keypath, void *base);
int pawl_config_parse_rules(struct pawl_config_loader *ld, const struct pawl_node *val,
                            const char *keypath, void *base);

#endif
