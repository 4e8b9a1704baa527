/*
 * fuzz_response: bytes as a model server's answer, through what reads one.
 *
 * - pawl_json_scan() with the pointers the providers ask for (and a few
 *   awkward ones), held against jansson the way tests/unit/check_json_scan.c
 *   holds it: the scanner may refuse what jansson accepts (the caller then
 *   falls back to jansson), never the reverse, and each value it finds is
 *   the value jansson has at that pointer;
 * - pawl_remote_fast_answer(), the providers' tree-less path, with the
 *   OpenAI and Anthropic pointers: what it takes as the output is jansson's
 *   string there;
 * - pawl_judge_read_reply() for a numeric, a boolean and a categorical
 *   judge: every reply gives a score with a bounded comment, errored or in
 *   range.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "json_util.h"
#include "pawl/node.h"
#include "pawl/provider.h"
#include "pawl/scorer.h"
#include "remote.h"
#include "scorer_impl.h"

static const char *const pointers[] = {"/choices/0/message/content",
                                       "/usage",
                                       "/choices/0/message/tool_calls",
                                       "/content/0/text",
                                       "/data/answer",
                                       "/a~1b/c~0d",
                                       "",
                                       "/0",
                                       "/x/1",
                                       "/01",
                                       "/-",
                                       "/choices/0/message/content/x"};
#define N_POINTERS (sizeof(pointers) / sizeof(pointers[0]))

/* jansson's value at an RFC 6901 pointer, or NULL. */
static json_t *at_pointer(json_t *doc, const char *ptr)
{
    char tok[256];

    while (doc && *ptr == '/') {
        size_t n = 0;
        for (ptr++; *ptr && *ptr != '/' && n + 1 < sizeof(tok); ptr++) {
            if (ptr[0] == '~' && (ptr[1] == '0' || ptr[1] == '1'))
                tok[n++] = *++ptr == '0' ? '~' : '/';
            else
                tok[n++] = *ptr;
        }
        tok[n] = '\0';
        if (json_is_object(doc))
            doc = json_object_get(doc, tok);
        else if (json_is_array(doc) && tok[0] >= '0' && tok[0] <= '9' &&
                 (tok[0] != '0' || !tok[1]) && strspn(tok, "0123456789") == n)
            doc = json_array_get(doc, strtoul(tok, NULL, 10));
        else
            doc = NULL;
    }
    return doc;
}

static void scan_against_jansson(const char *text, size_t len)
{
    struct pawl_json_span spans[N_POINTERS];
    json_t *doc = json_loadb(text, len, JSON_DECODE_ANY, NULL);
    int rc = pawl_json_scan(text, len, pointers, N_POINTERS, spans);
    size_t i, n;

    if (rc < 0) {
        for (i = 0; i < N_POINTERS; i++)
            FUZZ_ASSERT(!spans[i].found, "a refused text left '%s' found", pointers[i]);
        json_decref(doc);
        return;
    }
    FUZZ_ASSERT(rc == 0 && doc, "the scanner accepts what jansson refuses");
    for (i = 0; i < N_POINTERS; i++) {
        json_t *want = at_pointer(doc, pointers[i]);
        char *got;

        FUZZ_ASSERT(!want == !spans[i].found, "'%s' found by %s only", pointers[i],
                    want ? "jansson" : "the scanner");
        if (!want)
            continue;
        FUZZ_ASSERT(spans[i].ptr >= text && spans[i].len <= len &&
                        spans[i].ptr + spans[i].len <= text + len,
                    "'%s' spans outside the text", pointers[i]);
        got = pawl_json_span_string(&spans[i], &n);
        if (json_is_string(want)) {
            FUZZ_ASSERT(got && n == json_string_length(want) &&
                            memcmp(got, json_string_value(want), n) == 0 && got[n] == '\0',
                        "'%s': the decoded string differs", pointers[i]);
        } else {
            json_t *value = json_loadb(spans[i].ptr, spans[i].len, JSON_DECODE_ANY, NULL);
            FUZZ_ASSERT(!got, "'%s' decoded as a string", pointers[i]);
            FUZZ_ASSERT(json_equal(value, want), "'%s': the span holds another value", pointers[i]);
            json_decref(value);
        }
        free(got);
    }
    json_decref(doc);
}

static void fast_answer(const char *text, size_t len, const char *pointer)
{
    struct pawl_call call;
    json_t *doc, *want;

    memset(&call, 0, sizeof(call));
    if (pawl_remote_fast_answer(&call, text, len, pointer) < 0) {
        FUZZ_ASSERT(!call.output && !call.usage, "a refused answer kept an output");
        return;
    }
    doc = json_loadb(text, len, JSON_DECODE_ANY, NULL);
    want = at_pointer(doc, pointer);
    FUZZ_ASSERT(json_is_string(want) && call.output &&
                    call.output_len == json_string_length(want) &&
                    memcmp(call.output, json_string_value(want), call.output_len) == 0,
                "the output at '%s' is not jansson's", pointer);
    want = at_pointer(doc, "/usage");
    FUZZ_ASSERT(json_is_object(want) ? json_equal(call.usage, want) : !call.usage,
                "the usage differs from jansson's");
    json_decref(doc);
    free(call.output);
    json_decref(call.usage);
}

/* A judge built the way the config module hands one over. */
struct judge {
    const char *yaml;
    struct pawl_node *root;
    struct pawl_scorer *scorer;
};

static struct judge judges[] = {
    {"{type: llm-judge, judge: {provider: openai, model: m}, rubric_text: x, range: [1, 5], "
     "pass: 0.75}",
     NULL, NULL},
    {"{type: llm-judge, judge: {provider: anthropic, model: m}, rubric_text: x, kind: boolean}",
     NULL, NULL},
    {"{type: llm-judge, judge: {provider: openai, model: m}, rubric_text: x, kind: categorical, "
     "categories: [ok, hallucination, Refusal], failure_modes: [hallucination]}",
     NULL, NULL},
};
#define N_JUDGES (sizeof(judges) / sizeof(judges[0]))

static void make_judges(void)
{
    struct pawl_scorer_config cfg;
    struct pawl_error err;
    size_t i;

    for (i = 0; i < N_JUDGES; i++) {
        struct judge *j = &judges[i];

        pawl_error_init(&err);
        memset(&cfg, 0, sizeof(cfg));
        if (pawl_node_parse(&j->root, j->yaml, strlen(j->yaml), "pawl.yaml", &err) < 0)
            abort();
        cfg.node = j->root;
        cfg.line = j->root->line;
        cfg.col = j->root->col;
        cfg.type = (char *)"llm-judge";
        cfg.name = (char *)"judge";
        if (pawl_scorer_new(&j->scorer, &cfg, "pawl.yaml", &err) < 0) {
            fprintf(stderr, "fuzz_response: judge %zu: %s\n", i, err.msg);
            abort();
        }
    }
}

static void judge_reply(const char *reply, size_t len)
{
    size_t i;

    for (i = 0; i < N_JUDGES; i++) {
        struct pawl_score out;

        memset(&out, 0, sizeof(out));
        out.type = PAWL_SCORE_BOOLEAN; /* as pawl_scorer_start() leaves it */
        pawl_judge_read_reply(pawl_scorer_state(judges[i].scorer), reply, len, &out);
        FUZZ_ASSERT(out.comment && strlen(out.comment) < 2 * PAWL_QUOTE_SIZE + len + 100,
                    "judge %zu: no comment, or an unbounded one", i);
        if (out.errored) {
            FUZZ_ASSERT(!out.passed && !out.category, "judge %zu: errored but passed", i);
        } else {
            FUZZ_ASSERT(isfinite(out.value) && out.value >= 0 && out.value <= 1,
                        "judge %zu: value %g", i, out.value);
            FUZZ_ASSERT((out.type == PAWL_SCORE_CATEGORICAL) == (out.category != NULL),
                        "judge %zu: category and type disagree", i);
        }
        pawl_score_release(&out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Bodies and outputs reach these readers NUL-terminated, from a pawl_buf. */
    char *text = fuzz_strndup(data, size);

    if (!judges[0].scorer)
        make_judges();
    scan_against_jansson(text, size);
    fast_answer(text, size, "/choices/0/message/content");
    fast_answer(text, size, "/content/0/text");
    judge_reply(text, size);
    free(text);
    return 0;
}
