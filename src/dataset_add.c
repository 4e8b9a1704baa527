/*
 * dataset_add.c - the record `pawl dataset add` writes, and adding it to
 * the file safely (dataset_add.h). The per-format writers are in
 * dataset_append.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_util.h"
#include "pawl/alloc.h"
#include "pawl/dataset.h"
#include "pawl/dataset_add.h"
#include "pawl/fs.h"
#include "pawl/suite.h"

/* What pawl_dataset_parse() accepts; a bigger file fails there anyway. */
#define DATASET_MAX ((size_t)1 << 30)

char *pawl_dataset_add_id(const char *run_id, const char *case_id)
{
    struct pawl_buf material = PAWL_BUF_INIT;
    char hex[65];

    pawl_buf_puts(&material, run_id ? run_id : "");
    pawl_buf_add(&material, "", 1); /* no run id can run into the case id */
    pawl_buf_puts(&material, case_id);
    pawl_sha256_hex(hex, material.ptr, material.len);
    pawl_buf_release(&material);
    return pawl_xasprintf("%s-%.8s", case_id, hex);
}

/* A decimal count without sign or spaces; -1 when `s` is not one. */
static int parse_count(size_t *out, const char *s)
{
    size_t v = 0;

    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (SIZE_MAX - 9) / 10)
            return -1;
        v = v * 10 + (size_t)(*s - '0');
    }
    *out = v;
    return 0;
}

int pawl_dataset_turns(size_t *out, const char *spec, size_t n, struct pawl_error *err)
{
    size_t k;

    if ((spec[0] == 'N' || spec[0] == 'n') && spec[1] == '-' && parse_count(&k, spec + 2) == 0) {
        if (k >= n)
            return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                                  "--turns %s keeps no message of the %zu in 'input.messages'",
                                  spec, n);
        *out = n - k;
        return 0;
    }
    if (parse_count(&k, spec) < 0)
        return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                              "invalid --turns '%s' (expected N-1, N-k or a count K)", spec);
    if (k == 0)
        return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                              "--turns 0 keeps no message (expected N-1, N-k or a count K)");
    if (k > n)
        return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                              "--turns %zu asks for more messages than the %zu in "
                              "'input.messages'",
                              k, n);
    *out = k;
    return 0;
}

/* RFC 8259 number grammar, whole string: what a user typing `--label x=0.5` means. */
static int is_json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return 0;
    if (*s == '.') {
        if (!(*++s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

json_t *pawl_dataset_label_value(const char *text)
{
    json_t *v;

    if (strcmp(text, "true") == 0)
        return json_true();
    if (strcmp(text, "false") == 0)
        return json_false();
    /* An integer too large for json_int_t comes back as NULL; keep it as written. */
    if (is_json_number(text) && (v = json_loads(text, JSON_DECODE_ANY, NULL)) != NULL)
        return v;
    return pawl_json_str(text);
}

/* Whether trial `t` of run `r` failed: the call errored or a scorer did not pass. */
static int trial_failed(const struct pawl_results *r, const struct pawl_trial *t)
{
    size_t i;

    if (t->error || !t->scores)
        return 1;
    for (i = 0; i < r->n_scorers; i++)
        if (!t->scores[i].passed)
            return 1;
    return 0;
}

static int pick_trial(const struct pawl_trial **out, const struct pawl_results *r,
                      const struct pawl_case_result *c, size_t want, struct pawl_error *err)
{
    size_t i;

    *out = NULL;
    if (want) {
        if (want > c->n_trials)
            return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                                  "--trial %zu is out of range: case '%s' has %zu trial%s", want,
                                  c->id, c->n_trials, c->n_trials == 1 ? "" : "s");
        *out = &c->trials[want - 1];
        return 0;
    }
    for (i = 0; i < c->n_trials; i++)
        if (trial_failed(r, &c->trials[i])) {
            *out = &c->trials[i];
            return 0;
        }
    if (c->n_trials)
        *out = &c->trials[0];
    return 0;
}

/* A copy of `input` keeping the --turns the spec says; NULL with `err` set. */
static json_t *cut_turns(const struct pawl_case_result *c, const char *spec, struct pawl_error *err)
{
    const json_t *msgs = json_is_object(c->input) ? json_object_get(c->input, "messages") : NULL;
    json_t *input, *kept;
    size_t keep, i;

    if (!json_is_array(msgs)) {
        pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                       "--turns needs a conversational case: case '%s' has no 'input.messages' "
                       "list",
                       c->id);
        return NULL;
    }
    if (pawl_dataset_turns(&keep, spec, json_array_size(msgs), err) < 0)
        return NULL;
    kept = json_array();
    for (i = 0; i < keep; i++)
        json_array_append_new(kept, json_deep_copy(json_array_get(msgs, i)));
    input = json_deep_copy(c->input);
    json_object_set_new(input, "messages", kept);
    return input;
}

int pawl_dataset_add_record(json_t **out, const struct pawl_results *r,
                            const struct pawl_case_result *c, const struct pawl_add_options *opt,
                            struct pawl_error *err)
{
    const struct pawl_trial *trial;
    json_t *rec = NULL, *input = NULL, *meta = NULL, *labels, *v;
    const char *key;
    char *id = NULL;
    int rc;

    *out = NULL;
    if ((rc = pick_trial(&trial, r, c, opt->trial, err)) < 0)
        goto done;
    if (opt->turns && !(input = cut_turns(c, opt->turns, err))) {
        rc = err ? err->code : PAWL_EUSAGE;
        goto done;
    }
    if (!input)
        input = c->input ? json_deep_copy(c->input) : json_null();
    meta = json_is_object(c->metadata) ? json_deep_copy(c->metadata) : json_object();
    if (trial && trial->output)
        json_object_set_new(meta, "observed_output", pawl_json_str(trial->output));
    else if (trial && trial->error)
        json_object_set_new(meta, "observed_error", pawl_json_str(trial->error));
    if (opt->note)
        json_object_set_new(meta, "note", pawl_json_str(opt->note));
    if (opt->labels && json_object_size(opt->labels)) {
        labels = json_object_get(meta, "labels");
        if (!json_is_object(labels)) {
            labels = json_object();
            json_object_set_new(meta, "labels", labels);
        }
        json_object_update(labels, (json_t *)opt->labels);
        /* A CSV case carries its labels as flat "labels.SCORE" keys: the new value replaces
         * them rather than sitting beside a contradicting one. */
        json_object_foreach((json_t *)opt->labels, key, v)
        {
            char *flat = pawl_xasprintf("labels.%s", key);
            json_object_del(meta, flat);
            free(flat);
        }
    }
    json_object_set_new(meta, "source_case", pawl_json_str(c->id));
    if (r->run_id)
        json_object_set_new(meta, "source_run", pawl_json_str(r->run_id));

    id = opt->id ? pawl_xstrdup(opt->id) : pawl_dataset_add_id(r->run_id, c->id);
    rec = json_object();
    json_object_set_new(rec, opt->id_field ? opt->id_field : "id", pawl_json_str(id));
    json_object_set(rec, "input", input);
    if (c->expected_output)
        json_object_set_new(rec, "expected_output", json_deep_copy(c->expected_output));
    json_object_set(rec, "metadata", meta);
    *out = rec;
    rec = NULL;
done:
    free(id);
    json_decref(rec);
    json_decref(input);
    json_decref(meta);
    return rc;
}

void pawl_dataset_addition_release(struct pawl_dataset_addition *a)
{
    size_t i;

    if (!a)
        return;
    for (i = 0; i < a->n_dropped; i++)
        free(a->dropped[i]);
    free(a->dropped);
    memset(a, 0, sizeof(*a));
}

static int same_value(const json_t *a, const json_t *b)
{
    if (!a || !b)
        return !a && !b;
    return json_equal((json_t *)a, (json_t *)b);
}

/* Whether the dataset bytes hold no record at all (a new or emptied file). */
static int blank(const char *p, size_t len)
{
    size_t i = len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

    for (; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return 0;
    return 1;
}

static int is_csv(const char *display)
{
    size_t n = strlen(display);
    return n >= 4 && strcasecmp(display + n - 4, ".csv") == 0;
}

/* The id as the dataset reader prints it: strings as they are, integers in decimal. */
static char *record_id(const json_t *record, const char *id_field)
{
    const json_t *id = json_object_get(record, id_field);

    if (json_is_integer(id))
        return pawl_xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(id));
    return pawl_xstrdup(json_is_string(id) ? json_string_value(id) : "");
}

/*
 * Reads the new file back: it must load, hold the cases it held before
 * unchanged and in order, and the new case at `line`, with the values
 * written (CSV reads every value back as text, so there only the id counts).
 */
static int verify(const struct pawl_dataset *old, const char *data, size_t len, const char *display,
                  const json_t *record, const char *id, const char *id_field, int line,
                  struct pawl_error *err)
{
    struct pawl_dataset ds;
    struct pawl_error inner;
    const struct pawl_case *c;
    const json_t *expected = json_object_get(record, "expected_output");
    size_t i;
    int rc = 0;

    pawl_error_init(&inner);
    if (pawl_dataset_parse(&ds, data, len, display, id_field, &inner) < 0) {
        char where[PAWL_ERROR_SOURCE_MAX + PAWL_ERROR_MSG_MAX + 64];
        pawl_error_format(&inner, where, sizeof(where));
        return pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                              "not adding case '%s': %s would not load (%s)", id, display, where);
    }
    for (i = 0; i < old->n_cases && rc == 0; i++)
        if (i >= ds.n_cases || strcmp(old->cases[i].id, ds.cases[i].id) != 0 ||
            !json_equal(old->cases[i].record, ds.cases[i].record))
            rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                                "not adding case '%s': case '%s' already in %s would read back "
                                "differently",
                                id, old->cases[i].id, display);
    c = pawl_dataset_find(&ds, id);
    if (rc == 0 && (!c || c->line != line))
        rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                            "not adding case '%s': it would not read back from %s at line %d", id,
                            display, line);
    else if (rc == 0 && !is_csv(display) &&
             (!same_value(c->input, json_object_get(record, "input")) ||
              !same_value(c->expected_output, json_is_null(expected) ? NULL : expected) ||
              !same_value(c->metadata, json_object_get(record, "metadata"))))
        rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0,
                            "not adding case '%s': it would read back from %s with other values",
                            id, display);
    pawl_dataset_release(&ds);
    return rc;
}

/*
 * Holds an exclusive flock on the directory of `fs_path` in *fd. Adds read,
 * append and rename: two at once would both read the old file and the later
 * rename would drop the other's case. The file itself cannot carry the lock,
 * since the rename swaps its inode under a waiting add (and a new file has
 * none yet); the directory stays put.
 */
static int lock_dir(int *fd, const char *fs_path, struct pawl_error *err)
{
    const char *slash = strrchr(fs_path, '/');
    char *dir = slash ? pawl_xstrndup(fs_path, slash == fs_path ? 1 : (size_t)(slash - fs_path))
                      : pawl_xstrdup(".");
    int rc = 0;

    *fd = -1;
    if ((rc = pawl_fs_mkdirs(dir, err)) < 0)
        goto done;
    if ((*fd = open(dir, O_RDONLY | O_CLOEXEC)) < 0) {
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot open directory '%s': %s", dir,
                            strerror(errno));
        goto done;
    }
    while (flock(*fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot lock directory '%s': %s", dir,
                                strerror(errno));
            goto done;
        }
done:
    free(dir);
    return rc;
}

/*
 * Replaces the file with `data`, keeping its permission bits (the rename
 * would otherwise hand the file the temporary's). A file without any write
 * bit is refused: the rename would replace it even so, and for root even
 * open() would.
 */
static int replace_file(const char *fs_path, const char *display, const struct stat *old,
                        const char *data, size_t len, struct pawl_error *err)
{
    struct pawl_fs_atomic a;
    int rc;

    if (old && !(old->st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)))
        return pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot write '%s': the file is read-only",
                              display);
    if (old && access(fs_path, W_OK) < 0)
        return pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot write '%s': %s", display,
                              strerror(errno));
    if ((rc = pawl_fs_atomic_open(&a, fs_path, err)) < 0)
        return rc;
    pawl_fs_atomic_write(&a, data, len);
    if (!old)
        return pawl_fs_atomic_commit(&a, 1, err);
    /* pawl_fs_atomic_commit() would make it 0644: a 0600 file must never be that, even briefly. */
    if (!a.errnum && (fchmod(a.fd, old->st_mode & 07777) < 0 || fsync(a.fd) < 0))
        a.errnum = errno;
    if (close(a.fd) < 0 && !a.errnum)
        a.errnum = errno;
    a.fd = -1;
    if (a.errnum)
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot write '%s': %s", display,
                            strerror(a.errnum));
    else if (rename(a.tmp, fs_path) < 0)
        rc = pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot replace '%s': %s", display,
                            strerror(errno));
    else {
        free(a.tmp); /* renamed: nothing left for abort to unlink */
        a.tmp = NULL;
    }
    pawl_fs_atomic_abort(&a);
    return rc;
}

int pawl_dataset_add_to_file(struct pawl_dataset_addition *out, const char *fs_path,
                             const char *display, const json_t *record, const char *id_field,
                             struct pawl_error *err)
{
    struct pawl_buf old = PAWL_BUF_INIT, next = PAWL_BUF_INIT;
    struct pawl_dataset ds;
    struct stat st;
    char *id = NULL;
    int rc = 0, lock = -1, exists;

    memset(out, 0, sizeof(*out));
    memset(&ds, 0, sizeof(ds));
    if (!id_field)
        id_field = "id";
    id = record_id(record, id_field);
    if ((rc = lock_dir(&lock, fs_path, err)) < 0)
        goto done;
    /* A new file is a new dataset; anything else at the path must read as one. */
    exists = stat(fs_path, &st) == 0;
    if (exists || errno != ENOENT)
        if ((rc = pawl_fs_read(&old, fs_path, display, DATASET_MAX, err)) < 0)
            goto done;
    if (!blank(old.ptr, old.len)) {
        if ((rc = pawl_dataset_parse(&ds, old.ptr, old.len, display, id_field, err)) < 0)
            goto done;
        if (pawl_dataset_find(&ds, id)) {
            rc = pawl_error_set(err, PAWL_EDATA, NULL, 0, 0, "case '%s' is already in %s", id,
                                display);
            goto done;
        }
    }
    if ((rc = pawl_dataset_append(&next, out, old.ptr, old.len, display, record, id_field, err)) <
            0 ||
        (rc = verify(&ds, next.ptr, next.len, display, record, id, id_field, out->line, err)) < 0 ||
        (rc = replace_file(fs_path, display, exists ? &st : NULL, next.ptr, next.len, err)) < 0)
        goto done;
done:
    if (lock >= 0)
        close(lock); /* releases the flock */
    if (rc < 0)
        pawl_dataset_addition_release(out);
    pawl_dataset_release(&ds);
    pawl_buf_release(&old);
    pawl_buf_release(&next);
    free(id);
    return rc;
}
