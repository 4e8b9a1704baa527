/*
 * regex: a PCRE2 pattern (users write `\d` and `(?i)`) matches somewhere in
 * the output. A pattern without `{{` is compiled once; one with templates is
 * rendered and compiled per case, and the rendered values are NOT escaped:
 * they are pattern text, so `{{expected_output}}` holding `1+1` matches "11".
 * Invalid UTF-8 in the output is matched as it is rather than rejected.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pawl/alloc.h"
#include "scorer_impl.h"

/* Bounds catastrophic backtracking: a pathological pattern fails one case, not the run. */
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 100000
#define HEAP_LIMIT_KIB 65536

struct state {
    pcre2_code *code;            /* compiled at init when the pattern has no templates */
    struct pawl_template *value; /* otherwise, rendered per case */
    char *pattern;
    pcre2_match_context *mctx;
};

static const char *const keys[] = {"value", NULL};

static void state_free(void *p)
{
    struct state *st = p;

    pcre2_code_free(st->code);
    pcre2_match_context_free(st->mctx);
    pawl_template_free(st->value);
    free(st->pattern);
    free(st);
}

/* Compiles `pattern`; on failure writes `invalid regex: <message> at offset N` into `msg`. */
static pcre2_code *compile(const char *pattern, size_t len, char *msg, size_t size)
{
    PCRE2_UCHAR text[256];
    PCRE2_SIZE offset;
    pcre2_code *code;
    int code_err;

    code = pcre2_compile((PCRE2_SPTR)pattern, len, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code_err,
                         &offset, NULL);
    if (!code) {
        if (pcre2_get_error_message(code_err, text, sizeof(text)) < 0)
            strcpy((char *)text, "unknown error");
        snprintf(msg, size, "invalid regex: %s at offset %zu", (const char *)text, (size_t)offset);
    }
    return code;
}

static int init(void **out, const struct pawl_node *node, const char *source,
                struct pawl_error *err)
{
    struct state *st = pawl_xcalloc(1, sizeof(*st));
    const struct pawl_node *v;
    char msg[512];
    int rc;

    *out = st;
    if ((rc = pawl_scorer_get_scalar(&v, node, "value", 1, source, err)) < 0)
        return rc;
    st->pattern = pawl_xstrdup(v->value);
    st->mctx = pcre2_match_context_create(NULL);
    if (!st->mctx)
        return pawl_error_set(err, PAWL_ECONFIG, source, v->line, v->col,
                              "cannot allocate a regex match context");
    pcre2_set_match_limit(st->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(st->mctx, DEPTH_LIMIT);
    pcre2_set_heap_limit(st->mctx, HEAP_LIMIT_KIB);
    if (strstr(v->value, "{{"))
        return pawl_scorer_compile_node(&st->value, v, source, err);
    st->code = compile(v->value, v->len, msg, sizeof(msg));
    if (!st->code)
        return pawl_error_set(err, PAWL_ECONFIG, source, v->line, v->col, "%s", msg);
    return 0;
}

static int check(const void *p, const json_t *vars, struct pawl_error *err)
{
    const struct state *st = p;

    return pawl_scorer_check_templates(&st->value, 1, vars, err);
}

static void match(const struct state *st, const pcre2_code *code, const char *pattern,
                  size_t pattern_len, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
    char qp[PAWL_QUOTE_SIZE], qm[PAWL_QUOTE_SIZE];
    PCRE2_SIZE *ov;
    int rc;

    if (!md) {
        pawl_score_error(out, "cannot allocate regex match data");
        return;
    }
    pawl_scorer_quote(qp, pattern, pattern_len);
    rc = pcre2_match(code, (PCRE2_SPTR)in->output, in->output_len, 0, 0, md, st->mctx);
    if (rc >= 0) {
        ov = pcre2_get_ovector_pointer(md);
        pawl_score_set(
            out, 1, "output matches regex %s: %s", qp,
            pawl_scorer_quote(qm, in->output + ov[0], ov[1] > ov[0] ? ov[1] - ov[0] : 0));
    } else if (rc == PCRE2_ERROR_NOMATCH) {
        pawl_score_set(out, 0, "output does not match regex %s", qp);
    } else if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
               rc == PCRE2_ERROR_HEAPLIMIT) {
        pawl_score_error(out, "regex match limit exceeded");
    } else {
        PCRE2_UCHAR text[256];
        if (pcre2_get_error_message(rc, text, sizeof(text)) < 0)
            strcpy((char *)text, "unknown error");
        pawl_score_error(out, "regex match failed: %s", (const char *)text);
    }
    pcre2_match_data_free(md);
}

static int score(const void *p, const struct pawl_scorer_input *in, struct pawl_score *out)
{
    const struct state *st = p;
    struct pawl_buf pattern = PAWL_BUF_INIT;
    pcre2_code *code = NULL;
    char msg[512];

    if (st->code) {
        match(st, st->code, st->pattern, strlen(st->pattern), in, out);
        return 0;
    }
    if (pawl_scorer_render(&pattern, st->value, in, out) < 0)
        goto done;
    code = compile(pattern.ptr, pattern.len, msg, sizeof(msg));
    if (!code) {
        pawl_score_error(out, "%s", msg);
        goto done;
    }
    match(st, code, pattern.ptr, pattern.len, in, out);

done:
    pcre2_code_free(code);
    pawl_buf_release(&pattern);
    return 0;
}

const struct pawl_scorer_ops pawl_scorer_regex_ops = {
    .type = "regex",
    .keys = keys,
    .init = init,
    .check = check,
    .score = score,
    .free = state_free,
};
