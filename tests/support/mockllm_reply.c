/*
 * What the mock accepts and what it answers: request checks per endpoint, the
 * 200 bodies (shaped to validate against the vendors' response schemas in
 * tests/data/conformance/), error bodies, and the replies of the body faults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "mockllm.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

enum mock_endpoint mock_endpoint_of(const char *method, const char *url)
{
    if (strcmp(method, "GET") == 0 && strcmp(url, "/health") == 0)
        return MOCK_EP_HEALTH;
    if (strcmp(method, "POST") != 0)
        return MOCK_EP_NOT_FOUND;
    if (ends_with(url, "/chat/completions"))
        return MOCK_EP_OPENAI;
    if (ends_with(url, "/messages"))
        return MOCK_EP_ANTHROPIC;
    if (strcmp(url, "/agent") == 0)
        return MOCK_EP_AGENT;
    return MOCK_EP_NOT_FOUND;
}

unsigned long long mock_count_words(const char *s, size_t len)
{
    unsigned long long n = 0;
    int in_word = 0;
    const char *end = s + len;

    for (; s < end; s++) {
        int space = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f';
        if (!space && !in_word)
            n++;
        in_word = !space;
    }
    return n;
}

json_t *mock_json_string_lossy(const char *s, size_t len)
{
    json_t *v = json_stringn(s, len);
    char *copy;
    size_t i;

    if (v)
        return v;
    /* Not UTF-8: keep the ASCII and mark every other byte, so the text stays readable. */
    copy = mock_xmalloc(len + 1);
    for (i = 0; i < len; i++)
        copy[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
    copy[len] = '\0';
    v = json_stringn(copy, len);
    free(copy);
    return v ? v : json_string("");
}

/* ---- request checks ---- */

/* Fills msg from fmt, which names the field once with %s, and param with the field. */
static int bad(char *msg, size_t msgsize, char *param, size_t paramsize, const char *field,
               const char *fmt)
{
    snprintf(param, paramsize, "%s", field);
    snprintf(msg, msgsize, fmt, field);
    return -1;
}

static int check_model(json_t *body, char *msg, size_t ms, char *param, size_t ps)
{
    json_t *model = json_object_get(body, "model");

    if (!model)
        return bad(msg, ms, param, ps, "model", "missing required parameter '%s'");
    if (!json_is_string(model))
        return bad(msg, ms, param, ps, "model", "'%s' must be a string");
    return 0;
}

static json_t *check_messages(json_t *body, char *msg, size_t ms, char *param, size_t ps)
{
    json_t *messages = json_object_get(body, "messages");

    if (!messages) {
        bad(msg, ms, param, ps, "messages", "missing required parameter '%s'");
        return NULL;
    }
    if (!json_is_array(messages) || json_array_size(messages) == 0) {
        bad(msg, ms, param, ps, "messages", "'%s' must be a non-empty array");
        return NULL;
    }
    return messages;
}

static void set_text(struct mock_prompt *out, const char *s, size_t len)
{
    out->text = mock_xmalloc(len + 1);
    if (len)
        memcpy(out->text, s, len);
    out->text[len] = '\0';
    out->len = len;
}

static void set_model(struct mock_prompt *out, json_t *body)
{
    json_t *model = json_object_get(body, "model");

    out->model = json_string_value(model);
    out->model_len = json_string_length(model);
}

static unsigned long long words_of(json_t *s)
{
    return mock_count_words(json_string_value(s), json_string_length(s));
}

static int check_openai(struct mock_prompt *out, json_t *body, char *msg, size_t ms, char *param,
                        size_t ps)
{
    json_t *messages, *m, *last_user = NULL;
    char field[64];
    size_t i;

    if (check_model(body, msg, ms, param, ps) < 0)
        return -1;
    if (!(messages = check_messages(body, msg, ms, param, ps)))
        return -1;
    json_array_foreach(messages, i, m)
    {
        json_t *role = json_object_get(m, "role"), *content = json_object_get(m, "content");

        snprintf(field, sizeof(field), "messages[%zu]", i);
        if (!json_is_object(m))
            return bad(msg, ms, param, ps, field, "'%s' must be an object");
        snprintf(field, sizeof(field), "messages[%zu].role", i);
        if (!json_is_string(role))
            return bad(msg, ms, param, ps, field, "'%s' must be a string");
        snprintf(field, sizeof(field), "messages[%zu].content", i);
        if (!json_is_string(content))
            return bad(msg, ms, param, ps, field, "'%s' must be a string");
        out->words += words_of(content);
        if (strcmp(json_string_value(role), "user") == 0)
            last_user = content;
    }
    set_text(out, last_user ? json_string_value(last_user) : "",
             last_user ? json_string_length(last_user) : 0);
    set_model(out, body);
    return 0;
}

/* Anthropic text: a string or an array of {"type": "text", "text": ...} blocks.
 * Adds its words to *words and, when text is not NULL, returns the blocks joined
 * by newlines in *text. */
static int anthropic_text(json_t *v, const char *field, unsigned long long *words,
                          struct mock_prompt *text, char *msg, size_t ms, char *param, size_t ps)
{
    char sub[96];
    json_t *block;
    size_t i, len = 0;

    if (json_is_string(v)) {
        *words += words_of(v);
        if (text)
            set_text(text, json_string_value(v), json_string_length(v));
        return 0;
    }
    if (!json_is_array(v))
        return bad(msg, ms, param, ps, field, "'%s' must be a string or an array of text blocks");
    json_array_foreach(v, i, block)
    {
        json_t *type = json_object_get(block, "type"), *t = json_object_get(block, "text");

        snprintf(sub, sizeof(sub), "%s[%zu]", field, i);
        if (!json_is_object(block) || !json_is_string(type) ||
            strcmp(json_string_value(type), "text") != 0 || !json_is_string(t))
            return bad(msg, ms, param, ps, sub,
                       "'%s' must be a text block {\"type\": \"text\", \"text\": ...}");
        *words += words_of(t);
        len += json_string_length(t) + 1;
    }
    if (text) {
        char *p = text->text = mock_xmalloc(len + 1);
        json_array_foreach(v, i, block)
        {
            json_t *t = json_object_get(block, "text");
            if (i)
                *p++ = '\n';
            memcpy(p, json_string_value(t), json_string_length(t));
            p += json_string_length(t);
        }
        *p = '\0';
        text->len = (size_t)(p - text->text);
    }
    return 0;
}

static int check_anthropic(struct mock_prompt *out, json_t *body, char *msg, size_t ms, char *param,
                           size_t ps)
{
    json_t *messages, *m, *max_tokens = json_object_get(body, "max_tokens");
    json_t *system = json_object_get(body, "system"), *last_user = NULL;
    char field[64];
    size_t i;

    if (check_model(body, msg, ms, param, ps) < 0)
        return -1;
    if (!max_tokens)
        return bad(msg, ms, param, ps, "max_tokens", "missing required parameter '%s'");
    if (!json_is_integer(max_tokens) || json_integer_value(max_tokens) < 1)
        return bad(msg, ms, param, ps, "max_tokens", "'%s' must be an integer >= 1");
    if (system && anthropic_text(system, "system", &out->words, NULL, msg, ms, param, ps) < 0)
        return -1;
    if (!(messages = check_messages(body, msg, ms, param, ps)))
        return -1;
    json_array_foreach(messages, i, m)
    {
        json_t *role = json_object_get(m, "role");
        const char *r = json_string_value(role);

        snprintf(field, sizeof(field), "messages[%zu]", i);
        if (!json_is_object(m))
            return bad(msg, ms, param, ps, field, "'%s' must be an object");
        snprintf(field, sizeof(field), "messages[%zu].role", i);
        if (r && strcmp(r, "system") == 0)
            return bad(msg, ms, param, ps, field,
                       "'%s' is 'system': the system prompt goes in the top-level 'system' "
                       "parameter");
        if (!r || (strcmp(r, "user") != 0 && strcmp(r, "assistant") != 0))
            return bad(msg, ms, param, ps, field, "'%s' must be 'user' or 'assistant'");
        snprintf(field, sizeof(field), "messages[%zu].content", i);
        if (!json_object_get(m, "content"))
            return bad(msg, ms, param, ps, field, "missing required parameter '%s'");
        if (anthropic_text(json_object_get(m, "content"), field, &out->words, NULL, msg, ms, param,
                           ps) < 0)
            return -1;
        if (strcmp(r, "user") == 0)
            last_user = json_object_get(m, "content");
    }
    if (last_user)
        anthropic_text(last_user, "", &(unsigned long long){0}, out, msg, ms, param, ps);
    else
        set_text(out, "", 0);
    set_model(out, body);
    return 0;
}

int mock_request_check(struct mock_prompt *out, enum mock_endpoint ep, json_t *body,
                       const char *raw, size_t rawlen, char *msg, size_t msgsize, char *param,
                       size_t paramsize)
{
    json_t *question;

    memset(out, 0, sizeof(*out));
    param[0] = '\0';
    if (!body) {
        json_error_t jerr;
        json_t *again = json_loadb(raw, rawlen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        json_decref(again);
        snprintf(msg, msgsize, "request body is not valid JSON: %s", jerr.text);
        return -1;
    }
    if (ep == MOCK_EP_AGENT) {
        question = json_object_get(body, "question");
        if (json_is_string(question))
            set_text(out, json_string_value(question), json_string_length(question));
        else
            set_text(out, raw, rawlen);
        out->words = mock_count_words(out->text, out->len);
        return 0;
    }
    if (!json_is_object(body)) {
        snprintf(msg, msgsize, "request body must be a JSON object");
        return -1;
    }
    if (ep == MOCK_EP_OPENAI)
        return check_openai(out, body, msg, msgsize, param, paramsize);
    return check_anthropic(out, body, msg, msgsize, param, paramsize);
}

void mock_prompt_release(struct mock_prompt *p)
{
    free(p->text);
    p->text = NULL;
}

/* ---- bodies ---- */

static char *dump(json_t *v, size_t *len)
{
    char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;

    json_decref(v);
    *len = s ? strlen(s) : 0;
    return s;
}

/* The 200 body with the given reply and completion-token count; NULL only if a
 * string is not UTF-8 (never for text that came from a parsed request). */
static char *reply_body(size_t *len, enum mock_endpoint ep, unsigned long long seq,
                        const struct mock_prompt *prompt, const char *reply, size_t reply_len,
                        unsigned long long completion, json_t *received)
{
    json_int_t p = (json_int_t)prompt->words, c = (json_int_t)completion;
    char id[64];

    switch (ep) {
    case MOCK_EP_OPENAI:
        snprintf(id, sizeof(id), "chatcmpl-mock-%llu", seq);
        return dump(json_pack("{s:s, s:s, s:i, s:s%, s:[{s:i, s:{s:s, s:s%, s:n}, s:n, s:s}],"
                              " s:{s:I, s:I, s:I}}",
                              "id", id, "object", "chat.completion", "created", 1700000000, "model",
                              prompt->model, prompt->model_len, "choices", "index", 0, "message",
                              "role", "assistant", "content", reply, reply_len, "refusal",
                              "logprobs", "finish_reason", "stop", "usage", "prompt_tokens", p,
                              "completion_tokens", c, "total_tokens", p + c),
                    len);
    case MOCK_EP_ANTHROPIC:
        snprintf(id, sizeof(id), "msg_mock_%llu", seq);
        return dump(
            json_pack("{s:s, s:s, s:s, s:s%, s:[{s:s, s:s%, s:n}], s:s, s:n, s:n, s:n,"
                      " s:{s:I, s:I, s:n, s:n, s:n, s:n, s:n, s:n, s:s}}",
                      "id", id, "type", "message", "role", "assistant", "model", prompt->model,
                      prompt->model_len, "content", "type", "text", "text", reply, reply_len,
                      "citations", "stop_reason", "end_turn", "stop_sequence", "stop_details",
                      "container", "usage", "input_tokens", p, "output_tokens", c, "cache_creation",
                      "cache_creation_input_tokens", "cache_read_input_tokens", "inference_geo",
                      "output_tokens_details", "server_tool_use", "service_tier", "standard"),
            len);
    default:
        return dump(json_pack("{s:{s:s%}, s:{s:I, s:I}, s:O}", "data", "answer", reply, reply_len,
                              "usage", "input_tokens", p, "output_tokens", c, "received", received),
                    len);
    }
}

char *mock_reply_body(size_t *len, enum mock_endpoint ep, unsigned long long seq,
                      const struct mock_prompt *prompt, const char *reply, size_t reply_len,
                      json_t *received)
{
    return reply_body(len, ep, seq, prompt, reply, reply_len, mock_count_words(reply, reply_len),
                      received);
}

static const char *openai_type(int status)
{
    if (status == 429)
        return "requests";
    if (status >= 500)
        return "server_error";
    return "invalid_request_error";
}

/* Only the error types the Anthropic error schema lists. */
static const char *anthropic_type(int status)
{
    switch (status) {
    case 401:
        return "authentication_error";
    case 402:
        return "billing_error";
    case 403:
        return "permission_error";
    case 404:
        return "not_found_error";
    case 408:
    case 504:
        return "timeout_error";
    case 429:
        return "rate_limit_error";
    case 503:
    case 529:
        return "overloaded_error";
    default:
        return status >= 500 ? "api_error" : "invalid_request_error";
    }
}

char *mock_error_body(size_t *len, enum mock_endpoint ep, unsigned long long seq, int status,
                      const char *msg, const char *param, const char *code)
{
    json_t *m = mock_json_string_lossy(msg, strlen(msg));
    char id[64];

    switch (ep) {
    case MOCK_EP_OPENAI:
        if (!code && status == 429)
            code = "rate_limit_exceeded";
        return dump(json_pack("{s:{s:o, s:s, s:s?, s:s?}}", "error", "message", m, "type",
                              openai_type(status), "param", param && *param ? param : NULL, "code",
                              code),
                    len);
    case MOCK_EP_ANTHROPIC:
        snprintf(id, sizeof(id), "req_mock_%llu", seq);
        return dump(json_pack("{s:s, s:{s:s, s:o}, s:s}", "type", "error", "error", "type",
                              anthropic_type(status), "message", m, "request_id", id),
                    len);
    default:
        return dump(json_pack("{s:o}", "error", m), len);
    }
}

const char *mock_invalid_json_body(enum mock_endpoint ep)
{
    switch (ep) {
    case MOCK_EP_OPENAI:
        return "{\"choices\": [";
    case MOCK_EP_ANTHROPIC:
        return "{\"content\": [";
    default:
        return "{\"data\": {";
    }
}

/* ---- drop: half the body, then the connection dies ---- */

struct drop {
    char *body;
    size_t half;
};

static ssize_t drop_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct drop *d = cls;
    size_t n;

    if (pos >= d->half)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    n = d->half - (size_t)pos < max ? d->half - (size_t)pos : max;
    memcpy(buf, d->body + pos, n);
    return (ssize_t)n;
}

static void drop_free(void *cls)
{
    struct drop *d = cls;
    free(d->body);
    free(d);
}

struct MHD_Response *mock_response_drop(char *body, size_t len)
{
    struct drop *d = mock_xmalloc(sizeof(*d));
    struct MHD_Response *r;

    d->body = body;
    d->half = len / 2 ? len / 2 : 1;
    r = MHD_create_response_from_callback(len, 16384, drop_read, d, drop_free);
    if (!r)
        drop_free(d);
    return r;
}

/* ---- huge: the endpoint's 200 body around a content string of filler ---- */

struct huge {
    char *body;         /* the reply with an empty content string */
    size_t head, total; /* head: bytes up to and including the opening quote */
    size_t fill;
};

static ssize_t huge_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct huge *h = cls;
    size_t done = 0, p = (size_t)pos;

    while (done < max && p < h->total) {
        size_t n;
        if (p < h->head) {
            n = h->head - p;
            n = n < max - done ? n : max - done;
            memcpy(buf + done, h->body + p, n);
        } else if (p < h->head + h->fill) {
            n = h->head + h->fill - p;
            n = n < max - done ? n : max - done;
            memset(buf + done, 'x', n);
        } else {
            n = h->total - p;
            n = n < max - done ? n : max - done;
            memcpy(buf + done, h->body + (p - h->fill), n);
        }
        done += n;
        p += n;
    }
    return done ? (ssize_t)done : MHD_CONTENT_READER_END_OF_STREAM;
}

static void huge_free(void *cls)
{
    struct huge *h = cls;
    free(h->body);
    free(h);
}

struct MHD_Response *mock_response_huge(enum mock_endpoint ep, unsigned long long seq,
                                        const struct mock_prompt *prompt, json_t *received,
                                        unsigned long long bytes)
{
    /* Unescaped quotes only delimit strings, so the first match is the reply
     * text: the only request-supplied text before it is the model, a string. */
    const char *marker = ep == MOCK_EP_OPENAI      ? "\"content\":\"\""
                         : ep == MOCK_EP_ANTHROPIC ? "\"text\":\"\""
                                                   : "\"answer\":\"\"";
    struct huge *h = NULL;
    struct MHD_Response *r = NULL;
    size_t len;
    char *body = reply_body(&len, ep, seq, prompt, "", 0, 0, received);
    char *at;

    /* The filler is one word; 0 and 1 have the same length, so len holds. */
    if (body && bytes > len) {
        free(body);
        body = reply_body(&len, ep, seq, prompt, "", 0, 1, received);
    }
    if (!body)
        return NULL;
    at = strstr(body, marker);
    if (!at) {
        free(body);
        return NULL;
    }
    h = mock_xmalloc(sizeof(*h));
    h->body = body;
    h->head = (size_t)(at - body) + strlen(marker) - 1;
    h->fill = bytes > len ? (size_t)(bytes - len) : 0;
    h->total = len + h->fill;
    r = MHD_create_response_from_callback(h->total, 65536, huge_read, h, huge_free);
    if (!r)
        huge_free(h);
    return r;
}
