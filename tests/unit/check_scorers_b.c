/*
 * The text-overlap scorers (rouge-l, bleu), the usage bounds (cost, tokens)
 * and tool-called.
 *
 * The expected rouge-l and bleu values were computed outside pawl, with a
 * Python re-implementation of the tokenisation (unicodedata categories,
 * NFC, casefold), a plain LCS, and NLTK 3.8's sentence_bleu given the
 * add-one smoothing for n > 1 as its smoothing function (cross-checked
 * against a hand-written BLEU+1). A few were worked by hand, as noted.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/node.h"
#include "pawl/scorer.h"
#include "scorer_impl.h"
#include "scorers/tokenize.h"

static int make_scorer(struct pawl_scorer **out, struct pawl_node **root, const char *yaml,
                       struct pawl_error *err)
{
    return pawl_test_make_scorer(out, root, yaml, "pawl.yaml", err);
}

static const char *const case_vars =
    "{\"id\": \"q1\", \"input\": {\"question\": \"Capital of France?\", \"order_id\": \"A1\","
    " \"n\": 2, \"filters\": {\"city\": \"Paris\", \"max\": 3}, \"empty\": \"\", \"punct\": \"?!\","
    " \"tool\": \"refund\"},"
    " \"expected_output\": \"Paris\", \"metadata\": {\"ref2\": \"the cat sat\"}}";

/*
 * Scores `output` (`len` bytes) with the scorer `yaml` describes, given the
 * call's usage (JSON text or NULL) and cost. The scorer's templates are
 * checked against the case first unless the row expects an errored score.
 */
static void run_scorer(struct pawl_score *out, const char *yaml, const char *output, size_t len,
                       const char *usage, int has_cost, double cost, int check)
{
    struct pawl_error err;
    struct pawl_scorer *s = NULL;
    struct pawl_node *root = NULL;
    struct pawl_scorer_input in;
    json_t *vars = json_loads(case_vars, 0, NULL), *u = NULL;

    ck_assert_ptr_nonnull(vars);
    json_object_set_new(vars, "output", json_stringn_nocheck(output, len));
    if (usage) {
        u = json_loads(usage, 0, NULL);
        ck_assert_ptr_nonnull(u);
    }
    pawl_error_init(&err);
    PAWL_ASSERT_OK(make_scorer(&s, &root, yaml, &err), &err);
    if (check)
        PAWL_ASSERT_OK(pawl_scorer_check(s, vars, &err), &err);
    memset(&in, 0, sizeof(in));
    in.output = output;
    in.output_len = len;
    in.vars = vars;
    in.latency_ms = 10;
    in.usage = u;
    in.cost = cost;
    in.has_cost = has_cost;
    pawl_scorer_run(s, &in, out);
    pawl_scorer_free(s);
    pawl_node_free(root);
    json_decref(vars);
    json_decref(u);
}

#define PASS 1, 0
#define FAIL 0, 0
#define ERRORED 0, 1

static void check_score(const struct pawl_score *score, const char *what, int passed, int errored,
                        const char *comment)
{
    ck_assert_msg(score->passed == passed && score->errored == errored,
                  "%s: passed %d errored %d (%s)", what, score->passed, score->errored,
                  score->comment ? score->comment : "no comment");
    if (comment)
        ck_assert_pstr_eq(score->comment, comment);
    else
        ck_assert_msg(score->comment == NULL, "%s: unexpected comment '%s'", what, score->comment);
}

/* ---- rouge-l and bleu ---- */

static const struct {
    const char *yaml;
    const char *output;
    double value;
    int passed, errored;
    const char *comment; /* NULL: a plain pass keeps no comment */
} text_cases[] = {
    /* rouge-l: LCS "the cat on the mat" is 5 of 6 on each side, F = 5/6 (by hand) */
    {"{type: rouge-l, value: the cat was on the mat}", "the cat sat on the mat", 0.833333333333,
     PASS, NULL},
    {"{type: rouge-l, value: the cat was on the mat, threshold: 0.9}", "the cat sat on the mat",
     0.833333333333, FAIL, "rouge-l 0.83 < 0.90 (LCS 5 of 6 output and 6 reference tokens)"},
    {"{type: rouge-l, value: the cat sat on the mat, threshold: 1}", "The cat sat on the mat.", 1,
     PASS, NULL},
    {"{type: rouge-l, value: the cat sat on the mat, threshold: 0.6}", "mat the on sat cat the",
     0.5, FAIL, "rouge-l 0.50 < 0.60 (LCS 3 of 6 output and 6 reference tokens)"},
    {"{type: rouge-l, value: police kill the gunman}", "police killed the gunman", 0.75, PASS,
     NULL},
    {"{type: rouge-l, value: police kill the gunman, threshold: 0.6}", "the gunman kill police",
     0.5, FAIL, "rouge-l 0.50 < 0.60 (LCS 2 of 4 output and 4 reference tokens)"},
    /* Unicode: case folded in NFC; the apostrophe splits "l'école" */
    {"{type: rouge-l, value: \"l'ecole EST FERMÉE\", threshold: 0.7}",
     "L'École est fermée aujourd'hui", 0.6, FAIL,
     "rouge-l 0.60 < 0.70 (LCS 3 of 6 output and 4 reference tokens)"},
    {"{type: rouge-l, value: ÉCOLE, threshold: 1}",
     "e\xcc\x81"
     "cole",
     1, PASS, NULL},
    /* each ideograph is a token; a kana run is one */
    {"{type: rouge-l, value: 我爱上海}", "我爱北京天安门", 0.363636363636, FAIL,
     "rouge-l 0.36 < 0.50 (LCS 2 of 7 output and 4 reference tokens)"},
    {"{type: rouge-l, value: 東京へ行く, not: true}", "東京に行きます", 0.6, FAIL,
     "rouge-l 0.60 >= 0.50 (LCS 3 of 5 output and 5 reference tokens) (negated)"},
    {"{type: rouge-l, value: Don t STOP me NOW 3 14, threshold: 1}", "don't stop-me now, 3.14!", 1,
     PASS, NULL},
    /* the threshold is inclusive */
    {"{type: rouge-l, value: a c}", "a b", 0.5, PASS, NULL},
    {"{type: rouge-l, value: a c, not: true}", "a b", 0.5, FAIL,
     "rouge-l 0.50 >= 0.50 (LCS 1 of 2 output and 2 reference tokens) (negated)"},
    {"{type: rouge-l, value: a c, not: true}", "x y", 0, PASS, NULL},
    /* 2/3 against 0.667: two or three decimals would print a relation that does not hold */
    {"{type: rouge-l, value: a b c d, threshold: 0.667}", "a b", 0.666666666667, FAIL,
     "rouge-l 0.6667 < 0.6670 (LCS 2 of 2 output and 4 reference tokens)"},
    /* beta weighs recall: P = 2/3, R = 1 */
    {"{type: rouge-l, value: a b, beta: 2, threshold: 0.95}", "a b c", 0.909090909091, FAIL,
     "rouge-l 0.91 < 0.95 (LCS 2 of 3 output and 2 reference tokens)"},
    {"{type: rouge-l, value: a b, beta: 0.5}", "a b c d e f g h", 0.294117647059, FAIL,
     "rouge-l 0.29 < 0.50 (LCS 2 of 8 output and 2 reference tokens)"},
    {"{type: rouge-l, value: a b}", "a b c", 0.8, PASS, NULL},
    /* the default value is {{expected_output}} */
    {"{type: rouge-l}", "Paris is the capital.", 0.4, FAIL,
     "rouge-l 0.40 < 0.50 (LCS 1 of 4 output and 1 reference tokens)"},
    {"{type: rouge-l, value: '{{input.question}}', threshold: 1}", "capital of FRANCE", 1, PASS,
     NULL},
    /* outputs without tokens score 0; bad text and references are errored */
    {"{type: rouge-l}", "", 0, FAIL, "rouge-l 0.00 < 0.50 (output has no tokens)"},
    {"{type: rouge-l}", " ?! -- ... \n", 0, FAIL, "rouge-l 0.00 < 0.50 (output has no tokens)"},
    {"{type: rouge-l}", "Paris \xff", 0, ERRORED, "output is not valid UTF-8"},
    {"{type: rouge-l, not: true}", "\xc3", 0, ERRORED, "output is not valid UTF-8"},
    {"{type: rouge-l, value: '{{input.nope}}'}", "Paris", 0, ERRORED,
     "unknown template variable 'input.nope'"},
    {"{type: rouge-l, value: '{{input.empty}}'}", "Paris", 0, ERRORED,
     "'value' rendered to no tokens"},
    {"{type: rouge-l, value: '{{input.punct}}', not: true}", "Paris", 0, ERRORED,
     "'value' rendered to no tokens"},
    {"{type: rouge-l, value: '{{output}}'}", "Paris \xff", 0, ERRORED,
     "'value' rendered to invalid UTF-8"},

    /* bleu: 5/6, 3/5, 1/4, 0/3 matched; (5/6 * 4/6 * 2/5 * 1/4)^(1/4) (by hand) */
    {"{type: bleu, value: the cat is on the mat}", "the cat sat on the mat", 0.485491771707, PASS,
     NULL},
    {"{type: bleu, value: the cat is on the mat, threshold: 0.5}", "the cat sat on the mat",
     0.485491771707, FAIL,
     "bleu 0.49 < 0.50 (n-gram matches 5/6, 3/5, 1/4, 0/3; brevity penalty 1.00)"},
    {"{type: bleu, value: the cat sat on the mat, threshold: 1}", "The cat sat on the mat!", 1,
     PASS, NULL},
    /* clipping: "the" counts at most twice */
    {"{type: bleu, value: the cat is on the mat}", "the the the the the the the", 0.192056126375,
     FAIL, "bleu 0.19 < 0.30 (n-gram matches 2/7, 0/6, 0/5, 0/4; brevity penalty 1.00)"},
    /* Papineni et al.'s examples, against their three references */
    {"{type: bleu, values: ['It is a guide to action that ensures that the military will forever "
     "heed Party commands', 'It is the guiding principle which guarantees the military forces "
     "always being under the command of the Party', 'It is the practical guide for the army "
     "always to heed the directions of the party']}",
     "It is a guide to action which ensures that the military always obeys the commands of the "
     "party",
     0.539755306744, PASS, NULL},
    {"{type: bleu, values: ['It is a guide to action that ensures that the military will forever "
     "heed Party commands', 'It is the guiding principle which guarantees the military forces "
     "always being under the command of the Party', 'It is the practical guide for the army "
     "always to heed the directions of the party']}",
     "It is to insure the troops forever hearing the activity guidebook that party direct",
     0.131112095752, FAIL,
     "bleu 0.13 < 0.30 (n-gram matches 8/14, 1/13, 0/12, 0/11; brevity penalty 0.87)"},
    /* brevity: e^(1 - 6/2) */
    {"{type: bleu, value: the cat sat on the mat}", "the cat", 0.135335283237, FAIL,
     "bleu 0.14 < 0.30 (n-gram matches 2/2, 1/1, 0/0, 0/0; brevity penalty 0.14)"},
    {"{type: bleu}", "Paris", 1, PASS, NULL},
    {"{type: bleu}", "Rome", 0, FAIL,
     "bleu 0.00 < 0.30 (n-gram matches 0/1, 0/0, 0/0, 0/0; brevity penalty 1.00)"},
    {"{type: bleu, not: true}", "Rome", 0, PASS, NULL},
    {"{type: bleu, not: true}", "Paris", 1, FAIL,
     "bleu 1.00 >= 0.30 (n-gram matches 1/1, 0/0, 0/0, 0/0; brevity penalty 1.00) (negated)"},
    /* the closest reference length (7) sets the brevity penalty */
    {"{type: bleu, values: [a cat was sitting on the mat, the cat sat]}", "the cat sat on the mat",
     0.480894464591, PASS, NULL},
    /* a tie between 4 and 8 takes the shorter: no penalty */
    {"{type: bleu, values: [the cat sat on a big red mat, the cat sat on], threshold: 0.64}",
     "the cat sat on the mat", 0.638943104246, FAIL,
     "bleu 0.639 < 0.640 (n-gram matches 5/6, 3/5, 2/4, 1/3; brevity penalty 1.00)"},
    {"{type: bleu, values: ['{{expected_output}}', '{{metadata.ref2}}']}", "the cat sat", 1, PASS,
     NULL},
    {"{type: bleu, value: 我爱北京}", "我爱北京天安门", 0.505520153901, PASS, NULL},
    {"{type: bleu, value: \"l'école est fermée aujourd'hui\"}", "L'ÉCOLE est fermée",
     0.606530659713, PASS, NULL},
    {"{type: bleu, value: The quick brown fox jumped over the lazy dog.}",
     "the quick brown fox jumps over the lazy dog", 0.655996557088, PASS, NULL},
    {"{type: bleu}", "", 0, FAIL, "bleu 0.00 < 0.30 (output has no tokens)"},
    {"{type: bleu}", "\xed\xa0\x80", 0, ERRORED, "output is not valid UTF-8"},
    {"{type: bleu, values: [Paris, '{{input.empty}}']}", "Paris", 0, ERRORED,
     "'values' item 2 rendered to no tokens"},
    {"{type: bleu, values: [Paris, '{{input.nope}}']}", "Paris", 0, ERRORED,
     "unknown template variable 'input.nope'"},
    {"{type: bleu, value: '{{input.punct}}'}", "Paris", 0, ERRORED,
     "'value' rendered to no tokens"},
};

START_TEST(test_text)
{
    struct pawl_score score;
    const char *out = text_cases[_i].output;

    run_scorer(&score, text_cases[_i].yaml, out, strlen(out), NULL, 0, 0, !text_cases[_i].errored);
    check_score(&score, text_cases[_i].yaml, text_cases[_i].passed, text_cases[_i].errored,
                text_cases[_i].comment);
    ck_assert_int_eq(score.type, PAWL_SCORE_NUMERIC);
    ck_assert_double_eq_tol(score.value, text_cases[_i].value, 1e-9);
    pawl_score_release(&score);
}
END_TEST

/* Text made of `n` copies of `unit`; the caller frees it. */
static char *repeat(const char *unit, size_t n, size_t *len)
{
    size_t u = strlen(unit), i;
    char *s = malloc(u * n + 1);

    ck_assert_ptr_nonnull(s);
    for (i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    s[u * n] = '\0';
    *len = u * n;
    return s;
}

static const struct {
    const char *yaml;
    const char *unit; /* repeated `n` times to make the output */
    size_t n;
    double value;
    int passed, errored;
    const char *comment;
} huge_cases[] = {
    /* MiBs of words: refused at the token past the limit, before reading the rest */
    {"{type: rouge-l}", "word ", 1 << 20, 0, ERRORED,
     "output has more than 10000 tokens (the rouge-l limit)"},
    {"{type: bleu}", "word ", 1 << 20, 0, ERRORED,
     "output has more than 100000 tokens (the bleu limit)"},
    /* the limits themselves are fine */
    {"{type: rouge-l, value: x x}", "x ", 10000, 2.0 / 10002 * 2, FAIL,
     "rouge-l 0.00 < 0.50 (LCS 2 of 10000 output and 2 reference tokens)"},
    {"{type: bleu, value: x}", "x ", 100000, 0.0000100000750009, FAIL,
     "bleu 0.00 < 0.30 (n-gram matches 1/100000, 0/99999, 0/99998, 0/99997; brevity penalty "
     "1.00)"},
    /* 9998 tokens against 10000 with no common prefix or suffix: the whole table */
    {"{type: rouge-l, value: 'z {{output}} z', threshold: 0.99}", "ab ", 9998, 2 * 0.9998 / 1.9998,
     PASS, NULL},
    /* 4 MiB without a separator is one token */
    {"{type: rouge-l}", "é", 2 << 20, 0, FAIL,
     "rouge-l 0.00 < 0.50 (LCS 0 of 1 output and 1 reference tokens)"},
};

START_TEST(test_huge)
{
    struct pawl_score score;
    size_t len;
    char *out = repeat(huge_cases[_i].unit, huge_cases[_i].n, &len);

    run_scorer(&score, huge_cases[_i].yaml, out, len, NULL, 0, 0, 1);
    check_score(&score, huge_cases[_i].yaml, huge_cases[_i].passed, huge_cases[_i].errored,
                huge_cases[_i].comment);
    ck_assert_double_eq_tol(score.value, huge_cases[_i].value, 1e-9);
    pawl_score_release(&score);
    free(out);
}
END_TEST

/* A reference past the limit is refused the same way. */
START_TEST(test_huge_reference)
{
    struct pawl_score score;
    size_t len;
    char *out = repeat("w ", 10001, &len);

    run_scorer(&score, "{type: rouge-l, value: '{{output}}'}", out, len, NULL, 0, 0, 1);
    check_score(&score, "rouge-l", ERRORED,
                "'value' has more than 10000 tokens (the rouge-l limit)");
    pawl_score_release(&score);
    run_scorer(&score, "{type: bleu, values: [a, '{{output}}']}", out, len, NULL, 0, 0, 1);
    check_score(&score, "bleu", PASS, NULL);
    pawl_score_release(&score);
    free(out);
}
END_TEST

/* ---- the tokeniser itself ---- */

static const struct {
    const char *text;
    const char *want; /* the tokens joined by '|' */
} split_cases[] = {
    {"", ""},
    {"  \t\n", ""},
    {"Hello, World!", "hello|world"},
    {"don't stop-me_now", "don|t|stop|me|now"},
    {"3.14 1,000 x2", "3|14|1|000|x2"},
    {"ÉCOLE École e\xcc\x81"
     "cole",
     "école|école|école"},
    {"Straße STRASSE", "strasse|strasse"},
    {"ΣΊΣΥΦΟΣ", "σίσυφοσ"},
    {"我爱北京", "我|爱|北|京"},
    {"東京に行きます", "東|京|に|行|きます"},
    {"한국어 문장", "한국어|문장"},
    {"abc漢字def", "abc|漢|字|def"},
    {"\xcc\x81"
     "a",
     "a"},
    {"x \xef\xb8\x8f y", "x|y"},
    {"漢\xcc\x81x", "漢\xcc\x81|x"},
    {"I ❤️ Paris 🇫🇷", "i|paris"},
    {"①②", "①②"},
    {"\xf0\xa0\x80\x80\xf0\xa0\x80\x81", "\xf0\xa0\x80\x80|\xf0\xa0\x80\x81"},
    {"a\xc2\xa0"
     "b\xe2\x80\x8b"
     "c",
     "a|b|c"},
};

START_TEST(test_split)
{
    struct pawl_vocab *v = pawl_vocab_new();
    struct pawl_tokens t = PAWL_TOKENS_INIT, again = PAWL_TOKENS_INIT;
    struct pawl_buf text = PAWL_BUF_INIT;
    const char *s = split_cases[_i].text, *w = split_cases[_i].want;
    size_t i, start = 0, k = 0;

    ck_assert_int_eq(pawl_tokens_split(&t, v, s, strlen(s), 100), 0);
    /* Each expected token, split on its own, gets the id the text gave it. */
    for (i = 0; i <= strlen(w); i++) {
        if (w[i] != '|' && w[i] != '\0')
            continue;
        if (i > start) {
            ck_assert_int_eq(pawl_tokens_split(&again, v, w + start, i - start, 100), 0);
            ck_assert_uint_eq(again.n, 1);
            ck_assert_msg(k < t.n, "'%s': only %zu tokens", s, t.n);
            ck_assert_msg(t.ids[k] == again.ids[0], "'%s': token %zu differs", s, k);
            k++;
        }
        start = i + 1;
    }
    ck_assert_msg(k == t.n, "'%s': %zu tokens, want %zu", s, t.n, k);
    pawl_tokens_release(&t);
    pawl_tokens_release(&again);
    pawl_buf_release(&text);
    pawl_vocab_free(v);
}
END_TEST

START_TEST(test_split_errors)
{
    struct pawl_vocab *v = pawl_vocab_new();
    struct pawl_tokens t = PAWL_TOKENS_INIT;

    ck_assert_int_eq(pawl_tokens_split(&t, v, "a \xff b", 5, 100), PAWL_TOKENS_INVALID);
    ck_assert_ptr_null(t.ids);
    ck_assert_int_eq(pawl_tokens_split(&t, v, "a b c", 5, 3), 0);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_int_eq(pawl_tokens_split(&t, v, "a b c d", 7, 3), PAWL_TOKENS_TOO_MANY);
    ck_assert_uint_eq(t.n, 0);
    /* Many distinct tokens: the vocabulary grows and keeps every id apart. */
    {
        char word[16];
        uint32_t first[3000];
        size_t i;
        for (i = 0; i < 3000; i++) {
            int n = snprintf(word, sizeof(word), "w%zu", i);
            ck_assert_int_eq(pawl_tokens_split(&t, v, word, (size_t)n, 1), 0);
            first[i] = t.ids[0];
            ck_assert_uint_eq(first[i], i + 3); /* a, b, c came first */
        }
        for (i = 0; i < 3000; i++) {
            int n = snprintf(word, sizeof(word), "W%zu", i);
            ck_assert_int_eq(pawl_tokens_split(&t, v, word, (size_t)n, 1), 0);
            ck_assert_uint_eq(t.ids[0], first[i]);
        }
    }
    pawl_tokens_release(&t);
    pawl_vocab_free(v);
    pawl_vocab_free(NULL);
}
END_TEST

/* ---- cost and tokens ---- */

#define NO_COST 0, 0.0
#define COST(x) 1, (x)

static const struct {
    const char *yaml;
    const char *usage; /* JSON text, or NULL for none */
    int has_cost;
    double cost;
    int passed, errored;
    const char *comment;
} usage_cases[] = {
    {"{type: cost, max: 0.01}", NULL, COST(0.0042), PASS, NULL},
    {"{type: cost, max: 0.01}", NULL, COST(0.01), PASS, NULL},
    {"{type: cost, max: 0.003}", NULL, COST(0.0042), FAIL, "cost $0.0042 exceeds $0.003"},
    {"{type: cost, max: 2}", NULL, COST(2.5), FAIL, "cost $2.50 exceeds $2.00"},
    {"{type: cost, max: 0.0001}", NULL, COST(0.0001851), FAIL, "cost $0.0001851 exceeds $0.0001"},
    {"{type: cost, max: 0.003}", NULL, COST(0.00300000000001), FAIL,
     "cost $0.00300000000001 exceeds $0.003"},
    {"{type: cost, max: 0.01, not: true}", NULL, COST(0), FAIL,
     "cost $0.00 is within $0.01 (negated)"},
    {"{type: cost, max: 0.01}", "{\"total_tokens\": 5}", NO_COST, ERRORED,
     "cost unknown (the provider reported no usage or there is no price)"},
    {"{type: cost, max: 0.01, not: true}", NULL, NO_COST, ERRORED,
     "cost unknown (the provider reported no usage or there is no price)"},

    /* OpenAI's names */
    {"{type: tokens, max: 100}",
     "{\"prompt_tokens\": 60, \"completion_tokens\": 30, "
     "\"total_tokens\": 90}",
     NO_COST, PASS, NULL},
    {"{type: tokens, max: 80}",
     "{\"prompt_tokens\": 60, \"completion_tokens\": 30, "
     "\"total_tokens\": 90}",
     NO_COST, FAIL, "total tokens 90 exceed 80"},
    {"{type: tokens, max: 80, kind: input}",
     "{\"prompt_tokens\": 60, \"completion_tokens\": 30, \"total_tokens\": 90}", NO_COST, PASS,
     NULL},
    {"{type: tokens, max: 20, kind: output}",
     "{\"prompt_tokens\": 60, \"completion_tokens\": 30, \"total_tokens\": 90}", NO_COST, FAIL,
     "output tokens 30 exceed 20"},
    {"{type: tokens, max: 30, kind: output, not: true}",
     "{\"prompt_tokens\": 60, \"completion_tokens\": 30}", NO_COST, FAIL,
     "output tokens 30 are within 30 (negated)"},
    /* total_tokens wins over the parts; without it, the parts add up */
    {"{type: tokens, max: 100}",
     "{\"prompt_tokens\": 60, \"completion_tokens\": 30, "
     "\"total_tokens\": 120}",
     NO_COST, FAIL, "total tokens 120 exceed 100"},
    {"{type: tokens, max: 80}", "{\"prompt_tokens\": 60, \"completion_tokens\": 30}", NO_COST, FAIL,
     "total tokens 90 exceed 80"},
    /* Anthropic's names */
    {"{type: tokens, max: 80}", "{\"input_tokens\": 50, \"output_tokens\": 40}", NO_COST, FAIL,
     "total tokens 90 exceed 80"},
    {"{type: tokens, max: 50, kind: input}", "{\"input_tokens\": 50, \"output_tokens\": 40}",
     NO_COST, PASS, NULL},
    {"{type: tokens, max: 39, kind: output}", "{\"input_tokens\": 50, \"output_tokens\": 40}",
     NO_COST, FAIL, "output tokens 40 exceed 39"},
    {"{type: tokens, max: 10, kind: output}", "{\"output_tokens\": 12.5}", NO_COST, FAIL,
     "output tokens 12.5 exceed 10"},
    /* unknown counts are errored */
    {"{type: tokens, max: 10}", NULL, NO_COST, ERRORED,
     "token usage unknown (the provider reported no usage)"},
    {"{type: tokens, max: 10, not: true}", "[1]", NO_COST, ERRORED,
     "token usage unknown (the provider reported no usage)"},
    {"{type: tokens, max: 10}", "{\"input_tokens\": 5}", NO_COST, ERRORED,
     "total tokens unknown (usage has no total_tokens, nor input and output counts)"},
    {"{type: tokens, max: 10}", "{\"total_tokens\": \"5\"}", NO_COST, ERRORED,
     "total tokens unknown (usage has no total_tokens, nor input and output counts)"},
    {"{type: tokens, max: 10, kind: input}", "{\"total_tokens\": 5, \"output_tokens\": 1}", NO_COST,
     ERRORED, "input tokens unknown (usage has no prompt_tokens or input_tokens)"},
    {"{type: tokens, max: 10, kind: output}", "{}", NO_COST, ERRORED,
     "output tokens unknown (usage has no completion_tokens or output_tokens)"},
    {"{type: tokens, max: 7, kind: input}", "{\"prompt_tokens\": -1, \"input_tokens\": 7}", NO_COST,
     PASS, NULL},
    {"{type: tokens, max: 10, kind: output}", "{\"output_tokens\": -3}", NO_COST, ERRORED,
     "output tokens unknown (usage has no completion_tokens or output_tokens)"},
};

START_TEST(test_usage)
{
    struct pawl_score score;

    run_scorer(&score, usage_cases[_i].yaml, "any output", 10, usage_cases[_i].usage,
               usage_cases[_i].has_cost, usage_cases[_i].cost, 1);
    check_score(&score, usage_cases[_i].yaml, usage_cases[_i].passed, usage_cases[_i].errored,
                usage_cases[_i].comment);
    ck_assert_int_eq(score.type, PAWL_SCORE_BOOLEAN);
    ck_assert_double_eq(score.value, usage_cases[_i].passed ? 1.0 : 0.0);
    pawl_score_release(&score);
}
END_TEST

/* ---- tool-called ---- */

#define OPENAI_REFUND                                                                              \
    "{\"tool_calls\": [{\"id\": \"call_1\", \"type\": \"function\", \"function\": {\"name\": "     \
    "\"search\", \"arguments\": \"{\\\"q\\\": \\\"order A1\\\"}\"}}, {\"id\": \"call_2\", "        \
    "\"type\": \"function\", \"function\": {\"name\": \"refund\", \"arguments\": "                 \
    "\"{\\\"order_id\\\": \\\"A1\\\", \\\"amount\\\": 2, \\\"notify\\\": true}\"}}]}"
#define ANTHROPIC_REFUND                                                                           \
    "[{\"type\": \"text\", \"text\": \"Let me check.\"}, {\"type\": \"tool_use\", \"id\": "        \
    "\"toolu_1\", \"name\": \"lookup_order\", \"input\": {\"order_id\": \"A1\"}}, {\"type\": "     \
    "\"tool_use\", \"id\": \"toolu_2\", \"name\": \"refund\", \"input\": {\"order_id\": \"A1\", "  \
    "\"filters\": {\"city\": \"Paris\", \"max\": 3.0}, \"items\": [1, \"x\"]}}]"
#define PLAIN_REFUND                                                                               \
    "{\"tool_calls\": [{\"name\": \"search\", \"arguments\": {\"q\": \"A1\"}}, {\"name\": "        \
    "\"refund\", \"arguments\": {\"order_id\": \"B2\"}}, {\"name\": \"refund\", \"arguments\": "   \
    "{\"order_id\": \"A1\", \"amount\": \"2\"}}]}"

static const struct {
    const char *yaml;
    const char *output;
    int passed, errored;
    const char *comment;
} tool_cases[] = {
    /* OpenAI: arguments are a JSON string */
    {"{type: tool-called, tool: refund}", OPENAI_REFUND, PASS, NULL},
    {"{name: refunds, type: tool-called, tool: refund, not: true}", OPENAI_REFUND, FAIL,
     "called search, refund, including 'refund' (negated)"},
    {"{type: tool-called, tool: refund, not: true}", OPENAI_REFUND, FAIL,
     "called search, refund, including 'refund' (negated)"},
    {"{type: tool-called, tool: cancel}", OPENAI_REFUND, FAIL,
     "called search, refund; not 'cancel'"},
    {"{type: tool-called, tool: cancel, not: true}", OPENAI_REFUND, PASS, NULL},
    {"{type: tool-called, tool: refund, arguments: {order_id: A1}}", OPENAI_REFUND, PASS, NULL},
    {"{type: tool-called, tool: refund, arguments: {order_id: '{{input.order_id}}', amount: 2, "
     "notify: true}, not: true}",
     OPENAI_REFUND, FAIL,
     "called search, refund, including 'refund' with matching arguments "
     "(negated)"},
    {"{type: tool-called, tool: refund, arguments: {order_id: B2}}", OPENAI_REFUND, FAIL,
     "called search, refund; not 'refund' with matching arguments: 'order_id' is \"A1\", "
     "expected \"B2\""},
    {"{type: tool-called, tool: refund, arguments: {amount: 3}}", OPENAI_REFUND, FAIL,
     "called search, refund; not 'refund' with matching arguments: 'amount' is 2, expected 3"},
    {"{type: tool-called, tool: refund, arguments: {reason: late}}", OPENAI_REFUND, FAIL,
     "called search, refund; not 'refund' with matching arguments: 'reason' is missing"},
    {"{type: tool-called, tool: refund, arguments: {notify: 'true', amount: 2.0}}", OPENAI_REFUND,
     PASS, NULL},
    {"{type: tool-called, tool: refund, arguments: {notify: false}}", OPENAI_REFUND, FAIL,
     "called search, refund; not 'refund' with matching arguments: 'notify' is true, expected "
     "false"},
    {"{type: tool-called, tool: refund, arguments: {amount: '{{input.n}}'}}", OPENAI_REFUND, PASS,
     NULL},
    {"{type: tool-called, tool: '{{input.tool}}', arguments: {}}", OPENAI_REFUND, PASS, NULL},
    /* Anthropic: tool_use blocks among text blocks, arguments as `input` */
    {"{type: tool-called, tool: lookup_order, arguments: {order_id: A1}}", ANTHROPIC_REFUND, PASS,
     NULL},
    {"{type: tool-called, tool: search}", ANTHROPIC_REFUND, FAIL,
     "called lookup_order, refund; not 'search'"},
    {"{type: tool-called, tool: refund, arguments: {filters: '{{input.filters}}'}}",
     ANTHROPIC_REFUND, PASS, NULL},
    {"{type: tool-called, tool: refund, arguments: {filters: {max: 3, city: Paris}, items: [1, "
     "x]}}",
     ANTHROPIC_REFUND, PASS, NULL},
    {"{type: tool-called, tool: refund, arguments: {filters: {city: Paris}}}", ANTHROPIC_REFUND,
     FAIL,
     "called lookup_order, refund; not 'refund' with matching arguments: 'filters' is "
     "{\"city\":\"Paris\",\"max\":3.0}, expected {\"city\":\"Paris\"}"},
    {"{type: tool-called, tool: refund, arguments: {items: [1]}}", ANTHROPIC_REFUND, FAIL,
     "called lookup_order, refund; not 'refund' with matching arguments: 'items' is [1,\"x\"], "
     "expected [1]"},
    {"{type: tool-called, tool: refund}", "{\"content\": " ANTHROPIC_REFUND "}", PASS, NULL},
    /* plain calls: the second call of a name can match; the first explains a failure */
    {"{type: tool-called, tool: refund, arguments: {order_id: A1, amount: 2}}", PLAIN_REFUND, PASS,
     NULL},
    {"{type: tool-called, tool: refund, arguments: {order_id: C3}}", PLAIN_REFUND, FAIL,
     "called search, refund, refund; not 'refund' with matching arguments: 'order_id' is \"B2\", "
     "expected \"C3\""},
    /* malformed calls and outputs */
    {"{type: tool-called, tool: refund, arguments: {order_id: A1}}",
     "{\"tool_calls\": [{\"function\": {\"name\": \"refund\", \"arguments\": \"{oops\"}}]}", FAIL,
     "called refund; not 'refund' with matching arguments: arguments are not valid JSON"},
    {"{type: tool-called, tool: refund}",
     "{\"tool_calls\": [{\"function\": {\"name\": \"refund\", \"arguments\": \"{oops\"}}]}", PASS,
     NULL},
    {"{type: tool-called, tool: refund, arguments: {order_id: A1}}",
     "{\"tool_calls\": [{\"name\": \"refund\", \"arguments\": [\"A1\"]}]}", FAIL,
     "called refund; not 'refund' with matching arguments: arguments are not a JSON object"},
    {"{type: tool-called, tool: refund, arguments: {order_id: A1}}",
     "{\"tool_calls\": [{\"name\": \"refund\"}]}", FAIL,
     "called refund; not 'refund' with matching arguments: 'order_id' is missing"},
    {"{type: tool-called, tool: refund}",
     "{\"tool_calls\": [{\"name\": 7}, {\"function\": {}}, \"refund\", null, {\"type\": "
     "\"tool_use\"}]}",
     FAIL, "called no tools; not 'refund'"},
    {"{type: tool-called, tool: refund}", "{\"tool_calls\": []}", FAIL,
     "called no tools; not 'refund'"},
    {"{type: tool-called, tool: refund}", "{\"answer\": \"refund\"}", FAIL,
     "called no tools; not 'refund'"},
    {"{type: tool-called, tool: refund}", "\"refund\"", FAIL, "called no tools; not 'refund'"},
    {"{type: tool-called, tool: refund}", "I will call refund now.", FAIL,
     "output holds no tool calls (not JSON)"},
    {"{type: tool-called, tool: refund}", "", FAIL, "output holds no tool calls (not JSON)"},
    {"{type: tool-called, tool: refund}", "{\"tool_calls\": [\xff]}", FAIL,
     "output holds no tool calls (not JSON)"},
    {"{type: tool-called, tool: refund, not: true}", "Sure, refunded.", PASS, NULL},
    {"{type: tool-called, tool: Refund}", "[{\"name\": \"refund\"}, {\"name\": \"a\\nb\"}]", FAIL,
     "called refund, a\\nb; not 'Refund'"},
    {"{type: tool-called, tool: 搜索}", "[{\"name\": \"搜索\"}]", PASS, NULL},
    /* template problems are errored */
    {"{type: tool-called, tool: '{{input.nope}}'}", OPENAI_REFUND, ERRORED,
     "unknown template variable 'input.nope'"},
    {"{type: tool-called, tool: refund, arguments: {a: {b: ['{{nope}}']}}}", OPENAI_REFUND, ERRORED,
     "unknown template variable 'nope'"},
    {"{type: tool-called, tool: '{{input.empty}}', not: true}", OPENAI_REFUND, ERRORED,
     "'tool' rendered to an empty string"},
};

START_TEST(test_tool)
{
    struct pawl_score score;
    const char *out = tool_cases[_i].output;

    run_scorer(&score, tool_cases[_i].yaml, out, strlen(out), NULL, 0, 0, !tool_cases[_i].errored);
    check_score(&score, tool_cases[_i].yaml, tool_cases[_i].passed, tool_cases[_i].errored,
                tool_cases[_i].comment);
    ck_assert_int_eq(score.type, PAWL_SCORE_BOOLEAN);
    pawl_score_release(&score);
}
END_TEST

/* Many calls: the list in the comment is cut at 200 bytes like any quoted text. */
START_TEST(test_tool_many_calls)
{
    struct pawl_buf out = PAWL_BUF_INIT, want = PAWL_BUF_INIT;
    struct pawl_score score;
    size_t i;

    pawl_buf_puts(&out, "{\"tool_calls\": [");
    for (i = 0; i < 5000; i++)
        pawl_buf_printf(&out, "%s{\"name\": \"search\", \"arguments\": {\"page\": %zu}}",
                        i ? ", " : "", i);
    pawl_buf_puts(&out, "]}");
    run_scorer(&score, "{type: tool-called, tool: search, arguments: {page: 4999}}", out.ptr,
               out.len, NULL, 0, 0, 1);
    check_score(&score, "page 4999", PASS, NULL);
    pawl_score_release(&score);

    run_scorer(&score, "{type: tool-called, tool: refund}", out.ptr, out.len, NULL, 0, 0, 1);
    pawl_buf_puts(&want, "called ");
    for (i = 0; i < 25; i++)
        pawl_buf_puts(&want, "search, ");
    pawl_buf_puts(&want, "...; not 'refund'");
    check_score(&score, "refund", FAIL, want.ptr);
    pawl_score_release(&score);
    pawl_buf_release(&out);
    pawl_buf_release(&want);
}
END_TEST

/* ---- config errors ---- */

static const struct {
    const char *yaml;
    const char *want;
} config_cases[] = {
    {"{type: rouge-l, valeu: x}", "pawl.yaml:1:17: unknown key 'valeu' (did you mean 'value'?)"},
    {"{type: rouge-l, value: [a]}", "pawl.yaml:1:24: 'value' must be a string"},
    {"{type: rouge-l, value: 'a {{'}", "pawl.yaml:1:27: unclosed '{{'"},
    {"{type: rouge-l, threshold: 1.5}", "pawl.yaml:1:28: 'threshold' must be a number from 0 to 1"},
    {"{type: rouge-l, threshold: -0.1}",
     "pawl.yaml:1:28: 'threshold' must be a number from 0 to 1"},
    {"{type: rouge-l, threshold: high}",
     "pawl.yaml:1:28: 'threshold' must be a number from 0 to 1"},
    {"{type: rouge-l, threshold: '0.5'}",
     "pawl.yaml:1:28: 'threshold' must be a number from 0 to 1"},
    {"{type: rouge-l, beta: 0}", "pawl.yaml:1:23: 'beta' must be a positive number"},
    {"{type: rouge-l, beta: [1]}", "pawl.yaml:1:23: 'beta' must be a positive number"},
    {"{type: rouge-l, values: [a]}",
     "pawl.yaml:1:17: unknown key 'values' (did you mean 'value'?)"},
    {"{type: bleu, value: a, values: [b]}",
     "pawl.yaml:1:24: 'value' and 'values' cannot be used together"},
    {"{type: bleu, values: []}", "pawl.yaml:1:22: 'values' must be a non-empty list"},
    {"{type: bleu, values: a}", "pawl.yaml:1:22: 'values' must be a non-empty list"},
    {"{type: bleu, values: [a, {b: c}]}", "pawl.yaml:1:26: 'values' items must be strings"},
    {"{type: bleu, values: [a, 'b {{']}", "pawl.yaml:1:29: unclosed '{{'"},
    {"{type: bleu, value: }", "pawl.yaml:1:21: 'value' must be a string"},
    {"{type: bleu, threshold: 2}", "pawl.yaml:1:25: 'threshold' must be a number from 0 to 1"},
    {"{type: bleu, beta: 2}", "pawl.yaml:1:14: unknown key 'beta'"},
    {"{type: cost}", "pawl.yaml:1:1: missing required key 'max'"},
    {"{type: cost, max: 0}", "pawl.yaml:1:19: 'max' must be a positive number of dollars"},
    {"{type: cost, max: -1}", "pawl.yaml:1:19: 'max' must be a positive number of dollars"},
    {"{type: cost, max: $1}", "pawl.yaml:1:19: 'max' must be a positive number of dollars"},
    {"{type: cost, max: 1, kind: input}", "pawl.yaml:1:22: unknown key 'kind'"},
    {"{type: tokens}", "pawl.yaml:1:1: missing required key 'max'"},
    {"{type: tokens, max: 0}", "pawl.yaml:1:21: 'max' must be a positive integer"},
    {"{type: tokens, max: 1.5}", "pawl.yaml:1:21: 'max' must be a positive integer"},
    {"{type: tokens, max: 1k}", "pawl.yaml:1:21: 'max' must be a positive integer"},
    {"{type: tokens, max: 10, kind: inptu}",
     "pawl.yaml:1:31: 'kind' must be total, input or output (did you mean 'input'?)"},
    {"{type: tokens, max: 10, kind: everything}",
     "pawl.yaml:1:31: 'kind' must be total, input or output"},
    {"{type: tokens, max: 10, kind: [input]}",
     "pawl.yaml:1:31: 'kind' must be total, input or output"},
    {"{type: tokens, max: 10, knd: input}",
     "pawl.yaml:1:25: unknown key 'knd' (did you mean 'kind'?)"},
    {"{type: tool-called}", "pawl.yaml:1:1: missing required key 'tool'"},
    {"{name: refund, type: tool-called}", "pawl.yaml:1:1: missing required key 'tool'"},
    {"{type: tool-called, tool: [a]}", "pawl.yaml:1:27: 'tool' must be a string"},
    {"{type: tool-called, tool: a, arguments: [x]}",
     "pawl.yaml:1:41: 'arguments' must be a mapping"},
    {"{type: tool-called, tool: a, arguments: x}", "pawl.yaml:1:41: 'arguments' must be a mapping"},
    {"{type: tool-called, tool: a, arguments: {x: 'y {{'}}", "pawl.yaml:1:48: unclosed '{{'"},
    {"type: tool-called\ntool: a\narguments:\n  q:\n    - '{{ok}}'\n    - '{{bad..x}}'\n",
     "pawl.yaml:6:8: invalid template variable 'bad..x'"},
    {"{type: tool-called, tool: a, args: {}}", "pawl.yaml:1:30: unknown key 'args'"},
};

START_TEST(test_config_errors)
{
    struct pawl_error err;
    struct pawl_scorer *s = (struct pawl_scorer *)&err; /* must be reset to NULL */
    struct pawl_node *root = NULL;

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(make_scorer(&s, &root, config_cases[_i].yaml, &err), &err, PAWL_ECONFIG,
                    config_cases[_i].want);
    ck_assert_ptr_null(s);
    pawl_node_free(root);
}
END_TEST

/* ---- check() against a case's variables ---- */

static const struct {
    const char *yaml;
    const char *want; /* NULL: resolves */
} check_cases[] = {
    {"{type: rouge-l}", NULL},
    {"{type: rouge-l, value: '{{input.question}}'}", NULL},
    {"{type: rouge-l, value: '{{input.nope}}'}",
     "pawl.yaml:1:25: unknown template variable 'input.nope'"},
    {"{type: bleu}", NULL},
    {"{type: bleu, values: [a, '{{metadata.x}}']}",
     "pawl.yaml:1:27: unknown template variable 'metadata.x'"},
    {"{type: cost, max: 1}", NULL},
    {"{type: tokens, max: 1}", NULL},
    {"{type: tool-called, tool: '{{input.tool}}', arguments: {id: '{{input.order_id}}'}}", NULL},
    {"{type: tool-called, tool: '{{tool}}'}", "pawl.yaml:1:28: unknown template variable 'tool'"},
    {"type: tool-called\ntool: refund\narguments:\n  filter: {city: '{{metadata.city}}'}\n",
     "pawl.yaml:4:19: unknown template variable 'metadata.city'"},
};

START_TEST(test_check)
{
    struct pawl_error err;
    struct pawl_scorer *s = NULL;
    struct pawl_node *root = NULL;
    json_t *vars = json_loads(case_vars, 0, NULL);

    json_object_set_new(vars, "output", json_string("out"));
    pawl_error_init(&err);
    PAWL_ASSERT_OK(make_scorer(&s, &root, check_cases[_i].yaml, &err), &err);
    if (check_cases[_i].want)
        PAWL_ASSERT_ERR(pawl_scorer_check(s, vars, &err), &err, PAWL_ECONFIG, check_cases[_i].want);
    else
        PAWL_ASSERT_OK(pawl_scorer_check(s, vars, &err), &err);
    pawl_scorer_free(s);
    pawl_node_free(root);
    json_decref(vars);
}
END_TEST

/* The default reference of rouge-l and bleu is located at the scorer's mapping. */
START_TEST(test_check_default_value)
{
    struct pawl_error err;
    struct pawl_scorer *s = NULL;
    struct pawl_node *root = NULL;
    json_t *vars = json_pack("{s:s, s:{}}", "id", "q1", "input");

    pawl_error_init(&err);
    PAWL_ASSERT_OK(make_scorer(&s, &root, "name: sim\ntype: bleu\n", &err), &err);
    PAWL_ASSERT_ERR(pawl_scorer_check(s, vars, &err), &err, PAWL_ECONFIG,
                    "pawl.yaml:1:1: unknown template variable 'expected_output'");
    pawl_scorer_free(s);
    pawl_node_free(root);
    json_decref(vars);
}
END_TEST

static Suite *scorers_b_suite(void)
{
    Suite *s = suite_create("scorers_b");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_text, 0, sizeof(text_cases) / sizeof(text_cases[0]));
    tcase_add_loop_test(tc, test_huge, 0, sizeof(huge_cases) / sizeof(huge_cases[0]));
    tcase_add_test(tc, test_huge_reference);
    tcase_add_loop_test(tc, test_split, 0, sizeof(split_cases) / sizeof(split_cases[0]));
    tcase_add_test(tc, test_split_errors);
    tcase_add_loop_test(tc, test_usage, 0, sizeof(usage_cases) / sizeof(usage_cases[0]));
    tcase_add_loop_test(tc, test_tool, 0, sizeof(tool_cases) / sizeof(tool_cases[0]));
    tcase_add_test(tc, test_tool_many_calls);
    tcase_add_loop_test(tc, test_config_errors, 0, sizeof(config_cases) / sizeof(config_cases[0]));
    tcase_add_loop_test(tc, test_check, 0, sizeof(check_cases) / sizeof(check_cases[0]));
    tcase_add_test(tc, test_check_default_value);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(scorers_b_suite());
}
