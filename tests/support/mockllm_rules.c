/*
 * The mock's scenario: the rules file, the X-Mock-Fault header and the
 * per-request-body counters behind `times`.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mockllm.h"

void *mock_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("pawl-mockllm: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *mock_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("pawl-mockllm: out of memory\n", stderr);
        abort();
    }
    return q;
}

void *mock_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fputs("pawl-mockllm: out of memory\n", stderr);
        abort();
    }
    return p;
}

char *mock_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(mock_xmalloc(n), s, n);
}

/* ---- fault kinds ---- */

static const struct {
    const char *name;
    enum mock_fault_kind kind;
} fault_names[] = {
    {"slow", MOCK_FAULT_SLOW},   {"hang", MOCK_FAULT_HANG},
    {"drop", MOCK_FAULT_DROP},   {"invalid-json", MOCK_FAULT_INVALID_JSON},
    {"huge", MOCK_FAULT_HUGE},   {"shape", MOCK_FAULT_SHAPE},
    {"close", MOCK_FAULT_CLOSE},
};

void mock_fault_init(struct mock_fault *f)
{
    memset(f, 0, sizeof(*f));
    f->kind = MOCK_FAULT_NONE;
    f->times = -1;
    f->retry_after = -1;
    f->delay_ms = -1;
    f->bytes = -1;
}

/* A 3-digit status 400..599 or one of the named kinds; 0 or -1. */
static int fault_kind(struct mock_fault *f, const char *s, size_t len)
{
    size_t i;

    if (len == 3 && s[0] >= '4' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
        s[2] <= '9') {
        f->kind = MOCK_FAULT_STATUS;
        f->status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
        memcpy(f->name, s, 3);
        f->name[3] = '\0';
        return 0;
    }
    for (i = 0; i < sizeof(fault_names) / sizeof(fault_names[0]); i++) {
        if (strlen(fault_names[i].name) == len && memcmp(fault_names[i].name, s, len) == 0) {
            f->kind = fault_names[i].kind;
            memcpy(f->name, s, len);
            f->name[len] = '\0';
            return 0;
        }
    }
    return -1;
}

/* The numeric parameters, shared by the header and the rules file. */
static long long *fault_param(struct mock_fault *f, const char *key, size_t len)
{
    static const char *const keys[] = {"times", "retry_after", "delay_ms", "bytes"};
    long long *slots[] = {&f->times, &f->retry_after, &f->delay_ms, &f->bytes};
    size_t i;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strlen(keys[i]) == len && memcmp(keys[i], key, len) == 0)
            return slots[i];
    return NULL;
}

/* Decimal digits only, at most 15 of them (no sign, no overflow); -1 if not. */
static long long parse_count(const char *s, size_t len)
{
    long long v = 0;
    size_t i;

    if (len == 0 || len > 15)
        return -1;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

int mock_fault_parse_header(struct mock_fault *out, const char *value, char *msg, size_t msgsize)
{
    const char *p = value;
    int first = 1;

    mock_fault_init(out);
    for (;;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *tok = p;

        trim(&tok, &len);
        if (first) {
            if (fault_kind(out, tok, len) < 0) {
                snprintf(msg, msgsize, "invalid X-Mock-Fault header '%s': unknown fault '%.*s'",
                         value, (int)len, tok);
                return -1;
            }
            first = 0;
        } else {
            const char *eq = memchr(tok, '=', len);
            size_t klen = eq ? (size_t)(eq - tok) : len;
            long long *slot = fault_param(out, tok, klen);

            if (!slot) {
                snprintf(msg, msgsize, "invalid X-Mock-Fault header '%s': unknown parameter '%.*s'",
                         value, (int)klen, tok);
                return -1;
            }
            *slot = eq ? parse_count(eq + 1, len - klen - 1) : -1;
            if (*slot < 0) {
                snprintf(msg, msgsize,
                         "invalid X-Mock-Fault header '%s': '%.*s' must be a non-negative "
                         "integer",
                         value, (int)klen, tok);
                return -1;
            }
        }
        if (!end)
            return 0;
        p = end + 1;
    }
}

/* ---- rules file ---- */

static int rule_parse(struct mock_rule *r, json_t *obj, size_t index, const char *path, char *msg,
                      size_t msgsize)
{
    const char *key;
    json_t *v;

    mock_fault_init(&r->fault);
    if (!json_is_object(obj)) {
        snprintf(msg, msgsize, "rules file '%s': rule %zu: expected an object", path, index);
        return -1;
    }
    json_object_foreach(obj, key, v)
    {
        long long *slot = fault_param(&r->fault, key, strlen(key));

        if (strcmp(key, "match") == 0 || strcmp(key, "reply") == 0) {
            if (!json_is_string(v)) {
                snprintf(msg, msgsize, "rules file '%s': rule %zu: '%s' must be a string", path,
                         index, key);
                return -1;
            }
        } else if (strcmp(key, "fault") == 0) {
            if (!json_is_string(v)) {
                snprintf(msg, msgsize,
                         "rules file '%s': rule %zu: 'fault' must be a string such as \"429\" "
                         "or \"slow\"",
                         path, index);
                return -1;
            }
            if (fault_kind(&r->fault, json_string_value(v), json_string_length(v)) < 0) {
                snprintf(msg, msgsize, "rules file '%s': rule %zu: unknown fault '%s'", path, index,
                         json_string_value(v));
                return -1;
            }
        } else if (slot) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                json_integer_value(v) > 999999999999999LL) {
                snprintf(msg, msgsize,
                         "rules file '%s': rule %zu: '%s' must be a non-negative integer", path,
                         index, key);
                return -1;
            }
            *slot = (long long)json_integer_value(v);
        } else {
            snprintf(msg, msgsize, "rules file '%s': rule %zu: unknown key '%s'", path, index, key);
            return -1;
        }
    }
    v = json_object_get(obj, "match");
    if (!v) {
        snprintf(msg, msgsize, "rules file '%s': rule %zu: missing 'match'", path, index);
        return -1;
    }
    if (r->fault.kind == MOCK_FAULT_NONE) {
        static const char *const needs_fault[] = {"times", "retry_after", "delay_ms", "bytes"};
        size_t i;
        for (i = 0; i < sizeof(needs_fault) / sizeof(needs_fault[0]); i++) {
            if (json_object_get(obj, needs_fault[i])) {
                snprintf(msg, msgsize, "rules file '%s': rule %zu: '%s' needs a 'fault'", path,
                         index, needs_fault[i]);
                return -1;
            }
        }
    }
    r->match = mock_xstrdup(json_string_value(v));
    v = json_object_get(obj, "reply");
    r->reply = v ? mock_xstrdup(json_string_value(v)) : NULL;
    return 0;
}

int mock_rules_load(struct mock_rules *out, const char *path, char *msg, size_t msgsize)
{
    FILE *fp = NULL;
    json_t *root = NULL, *rules;
    json_error_t jerr;
    const char *key;
    json_t *v;
    size_t i;
    int rc = -1;

    out->v = NULL;
    out->n = 0;
    fp = fopen(path, "r");
    if (!fp) {
        snprintf(msg, msgsize, "cannot read rules file '%s': %s", path, strerror(errno));
        goto done;
    }
    root = json_loadf(fp, 0, &jerr);
    if (!root) {
        snprintf(msg, msgsize, "invalid JSON in rules file '%s' at line %d column %d: %s", path,
                 jerr.line, jerr.column, jerr.text);
        goto done;
    }
    if (!json_is_object(root)) {
        snprintf(msg, msgsize, "rules file '%s': expected an object with a 'rules' array", path);
        goto done;
    }
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "rules") != 0) {
            snprintf(msg, msgsize, "rules file '%s': unknown key '%s'", path, key);
            goto done;
        }
    }
    rules = json_object_get(root, "rules");
    if (!json_is_array(rules)) {
        snprintf(msg, msgsize, "rules file '%s': 'rules' must be an array", path);
        goto done;
    }
    out->v = mock_xmalloc(sizeof(*out->v) * (json_array_size(rules) + 1));
    json_array_foreach(rules, i, v)
    {
        if (rule_parse(&out->v[i], v, i + 1, path, msg, msgsize) < 0)
            goto done;
        out->n = i + 1;
    }
    rc = 0;
done:
    if (rc < 0)
        mock_rules_release(out);
    json_decref(root);
    if (fp)
        fclose(fp);
    return rc;
}

void mock_rules_release(struct mock_rules *rules)
{
    size_t i;

    for (i = 0; i < rules->n; i++) {
        free(rules->v[i].match);
        free(rules->v[i].reply);
    }
    free(rules->v);
    rules->v = NULL;
    rules->n = 0;
}

/* ---- times counters ---- */

/* Keyed by tag + '\n' + body, kept in full so two bodies never share a count. */
struct count_entry {
    struct count_entry *next;
    uint64_t hash;
    size_t keylen;
    unsigned long long n;
    char key[];
};

struct mock_counts {
    pthread_mutex_t lock;
    struct count_entry **buckets;
    size_t nbuckets, size;
};

struct mock_counts *mock_counts_new(void)
{
    struct mock_counts *c = mock_xmalloc(sizeof(*c));

    pthread_mutex_init(&c->lock, NULL);
    c->nbuckets = 256;
    c->size = 0;
    c->buckets = mock_xcalloc(c->nbuckets, sizeof(*c->buckets));
    return c;
}

void mock_counts_free(struct mock_counts *c)
{
    size_t i;

    if (!c)
        return;
    for (i = 0; i < c->nbuckets; i++) {
        struct count_entry *e = c->buckets[i], *next;
        for (; e; e = next) {
            next = e->next;
            free(e);
        }
    }
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Doubles the table so chains stay short however many distinct bodies arrive. */
static void counts_grow(struct mock_counts *c)
{
    size_t n = c->nbuckets * 2, i;
    struct count_entry **b = mock_xcalloc(n, sizeof(*b));

    for (i = 0; i < c->nbuckets; i++) {
        struct count_entry *e = c->buckets[i], *next;
        for (; e; e = next) {
            next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
}

unsigned long long mock_counts_hit(struct mock_counts *c, const char *tag, const char *body,
                                   size_t bodylen)
{
    size_t taglen = strlen(tag), keylen = taglen + 1 + bodylen;
    uint64_t h = fnv1a(fnv1a(fnv1a(0xcbf29ce484222325ULL, tag, taglen), "\n", 1), body, bodylen);
    struct count_entry *e;
    unsigned long long before;

    pthread_mutex_lock(&c->lock);
    for (e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->next) {
        if (e->hash == h && e->keylen == keylen && memcmp(e->key, tag, taglen) == 0 &&
            e->key[taglen] == '\n' && memcmp(e->key + taglen + 1, body, bodylen) == 0)
            break;
    }
    if (!e) {
        if (c->size >= c->nbuckets)
            counts_grow(c);
        e = mock_xmalloc(sizeof(*e) + keylen);
        e->hash = h;
        e->keylen = keylen;
        e->n = 0;
        memcpy(e->key, tag, taglen);
        e->key[taglen] = '\n';
        if (bodylen)
            memcpy(e->key + taglen + 1, body, bodylen);
        e->next = c->buckets[h & (c->nbuckets - 1)];
        c->buckets[h & (c->nbuckets - 1)] = e;
        c->size++;
    }
    before = e->n++;
    pthread_mutex_unlock(&c->lock);
    return before;
}
