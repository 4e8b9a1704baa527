/*
 * fuzz_template: bytes as a template, rendered against the variables of a
 * typical case and against variables read from the input itself.
 *
 * The input is `TEMPLATE \0 VARS`: up to the first NUL byte, the template
 * text; after it, a JSON object used as a second set of variables (no NUL:
 * the template alone, against the fixed variables only).
 *
 * Invariants: rendering fails exactly when checking fails, and with the
 * same message apart from the code; a capped buffer either holds the same
 * text or fails as "larger than"; a failed render leaves the buffer as it
 * was; a template without variables renders as its own text.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "pawl/buf.h"
#include "pawl/error.h"
#include "pawl/template.h"

static const char fixed_vars[] =
    "{\"id\": \"q1\", \"input\": {\"question\": \"Capital of France?\", \"turns\": "
    "[{\"text\": \"hi\"}, {\"text\": null}], \"n\": 2, \"x\": 0.1, \"big\": 1e300, \"t\": true, "
    "\"a b\": \"spaced\", \"nested\": {\"deeper\": {\"k\": [1, [2, {\"z\": \"\\u0000nul\"}]]}}}, "
    "\"expected_output\": \"Paris\", \"metadata\": {\"lang\": \"fr\", \"tags\": []}, "
    "\"output\": \"Paris \\u00e9\"}";

#define CAP 64

static void render_both(const struct pawl_template *t, const json_t *vars, const char *text)
{
    struct pawl_buf out = PAWL_BUF_INIT, capped;
    struct pawl_error render_err, check_err, cap_err;
    int rc, check_rc, cap_rc;

    pawl_error_init(&render_err);
    pawl_error_init(&check_err);
    pawl_error_init(&cap_err);
    pawl_buf_puts(&out, "prefix:");
    rc = pawl_template_render(&out, t, vars, &render_err);
    check_rc = pawl_template_check(t, vars, &check_err);
    FUZZ_ASSERT((rc == 0) == (check_rc == 0), "render %d, check %d", rc, check_rc);
    if (rc < 0) {
        FUZZ_ASSERT(rc == PAWL_EDATA && check_rc == PAWL_ECONFIG, "codes %d and %d", rc, check_rc);
        FUZZ_ASSERT(strcmp(render_err.msg, check_err.msg) == 0 &&
                        render_err.line == check_err.line && render_err.col == check_err.col,
                    "render '%s', check '%s'", render_err.msg, check_err.msg);
        FUZZ_ASSERT(out.len == 7 && strcmp(out.ptr, "prefix:") == 0, "a failed render wrote");
    } else if (!strstr(text, "{{")) {
        FUZZ_ASSERT(strcmp(out.ptr + 7, text) == 0, "plain text rendered differently");
    }

    /* Cap the buffer just below what it needs, or at CAP; the prefix is 7 bytes. */
    pawl_buf_init(&capped, out.len > 7 && out.len - 1 < CAP ? out.len - 1 : CAP);
    pawl_buf_puts(&capped, "prefix:");
    cap_rc = pawl_template_render(&capped, t, vars, &cap_err);
    if (rc == 0 && out.len <= capped.cap) {
        FUZZ_ASSERT(cap_rc == 0 && capped.len == out.len &&
                        memcmp(capped.ptr, out.ptr, out.len) == 0,
                    "a capped buffer rendered differently");
    } else if (rc == 0) {
        FUZZ_ASSERT(cap_rc == PAWL_EDATA && strstr(cap_err.msg, "larger than") && capped.len == 7,
                    "over the cap: rc %d, '%s'", cap_rc, cap_err.msg);
    }
    pawl_buf_release(&capped);
    pawl_buf_release(&out);

    (void)pawl_template_sole_value(t, vars);
    (void)pawl_template_uses(t, "output");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t text_len = nul ? (size_t)(nul - data) : size;
    char *text = fuzz_strndup(data, text_len);
    struct pawl_template *t = NULL;
    struct pawl_error err;
    json_t *fixed, *own = NULL;
    int rc;

    pawl_error_init(&err);
    rc = pawl_template_compile(&t, text, "prompt.md", 1, 1, &err);
    if (rc < 0) {
        FUZZ_ASSERT(!t && rc == PAWL_ECONFIG && err.code == rc && err.msg[0] && err.line >= 1,
                    "rc %d, '%s' at line %d", rc, err.msg, err.line);
        free(text);
        return 0;
    }
    FUZZ_ASSERT(t != NULL, "compiled without a template");

    fixed = json_loads(fixed_vars, JSON_ALLOW_NUL, NULL);
    FUZZ_ASSERT(fixed != NULL, "the fixed variables do not parse");
    render_both(t, fixed, text);
    if (nul) {
        own = json_loadb((const char *)nul + 1, size - text_len - 1,
                         JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (own)
            render_both(t, own, text);
    }
    json_decref(own);
    json_decref(fixed);
    pawl_template_free(t);
    free(text);
    return 0;
}
