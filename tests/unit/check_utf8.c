/* Unit tests for src/utf8.c: validation and replacement of invalid bytes and NULs. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/utf8.h"

#define R "\xEF\xBF\xBD" /* U+FFFD REPLACEMENT CHARACTER */

/* Lengths are explicit: several inputs hold NUL bytes. */
struct sample {
    const char *name;
    const char *in;
    size_t in_len;
    const char *out; /* what sanitize produces: each invalid byte becomes one U+FFFD */
    size_t out_len;
};

/* clang-format off */
#define SAME(name, s) {name, s, sizeof(s) - 1, s, sizeof(s) - 1}
#define FIX(name, s, o) {name, s, sizeof(s) - 1, o, sizeof(o) - 1}
/* clang-format on */

static const struct sample valid[] = {
    SAME("empty", ""),
    SAME("ascii", "hello, world\t\r\n"),
    SAME("two-byte", "caf\xC3\xA9"),
    SAME("smallest two-byte", "\xC2\x80"),
    SAME("three-byte", "\xE2\x82\xAC 5"),
    SAME("smallest three-byte", "\xE0\xA0\x80"),
    SAME("last before surrogates", "\xED\x9F\xBF"),
    SAME("first after surrogates", "\xEE\x80\x80"),
    SAME("noncharacter U+FFFE", "\xEF\xBF\xBE"),
    SAME("noncharacter U+FFFF", "\xEF\xBF\xBF"),
    SAME("four-byte emoji", "\xF0\x9F\x98\x80"),
    SAME("U+10FFFF", "\xF4\x8F\xBF\xBF"),
    SAME("control characters", "\x01\x1B[31mred\x1B[0m\x7F"),
    SAME("mixed", "caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x90\x8D ok"),
};

static const struct sample invalid[] = {
    FIX("NUL", "a\0b", "a" R "b"),
    FIX("only NUL", "\0", R),
    FIX("trailing NUL", "ab\0", "ab" R),
    FIX("overlong slash C0 AF", "\xC0\xAF", R R),
    FIX("overlong C1 BF", "\xC1\xBF", R R),
    FIX("overlong three-byte", "\xE0\x80\xAF", R R R),
    FIX("overlong four-byte", "\xF0\x80\x80\xAF", R R R R),
    FIX("surrogate D800", "\xED\xA0\x80", R R R),
    FIX("surrogate DFFF", "x\xED\xBF\xBFy", "x" R R R "y"),
    FIX("above U+10FFFF", "\xF4\x90\x80\x80", R R R R),
    FIX("F5 lead", "\xF5\x80\x80\x80", R R R R),
    FIX("five-byte form", "\xF8\x88\x80\x80\x80", R R R R R),
    FIX("lone continuation", "a\x80z", "a" R "z"),
    FIX("FF", "\xFF", R),
    FIX("FE FF BOM-like", "\xFE\xFF", R R),
    FIX("truncated two-byte at end", "ok\xC3", "ok" R),
    FIX("truncated three-byte at end", "\xE2\x82", R R),
    FIX("truncated four-byte at end", "\xF0\x9F\x98", R R R),
    FIX("truncated then ascii", "\xE2\x82\x41", R R "A"), /* \x41 is 'A' */
    FIX("truncated then valid", "\xF0\x9F\xC3\xA9", R R "\xC3\xA9"),
    FIX("valid around invalid", "\xC3\xA9\xFF\xC3\xA9", "\xC3\xA9" R "\xC3\xA9"),
};

START_TEST(valid_inputs)
{
    const struct sample *s = &valid[_i];
    size_t len = 12345;
    char *out;

    ck_assert_msg(pawl_utf8_valid(s->in, s->in_len), "%s should be valid", s->name);
    out = pawl_utf8_sanitize(s->in, s->in_len, &len);
    ck_assert_uint_eq(len, s->in_len);
    ck_assert_mem_eq(out, s->in, s->in_len);
    ck_assert_int_eq(out[len], '\0');
    ck_assert_ptr_ne(out, s->in); /* always a new copy */
    free(out);
}
END_TEST

START_TEST(invalid_inputs)
{
    const struct sample *s = &invalid[_i];
    size_t len = 12345;
    char *out;

    ck_assert_msg(!pawl_utf8_valid(s->in, s->in_len), "%s should be invalid", s->name);
    out = pawl_utf8_sanitize(s->in, s->in_len, &len);
    ck_assert_msg(len == s->out_len, "%s: sanitized to %zu bytes, want %zu", s->name, len,
                  s->out_len);
    ck_assert_mem_eq(out, s->out, s->out_len);
    ck_assert_int_eq(out[len], '\0');
    ck_assert_uint_eq(strlen(out), len); /* no NUL survives */
    ck_assert(pawl_utf8_valid(out, len));
    free(out);
}
END_TEST

START_TEST(length_bounds_the_input)
{
    /* Only the first `len` bytes count, so a prefix cut inside a character is invalid. */
    ck_assert(pawl_utf8_valid("\xC3\xA9", 2));
    ck_assert(!pawl_utf8_valid("\xC3\xA9", 1));
    ck_assert(pawl_utf8_valid("ab\xFF", 2));
    ck_assert(pawl_utf8_valid("\0", 0));
}
END_TEST

START_TEST(sanitize_without_length_out)
{
    char *a = pawl_utf8_sanitize("fine", 4, NULL);
    char *b = pawl_utf8_sanitize("x\xFF", 2, NULL);
    char *c = pawl_utf8_sanitize("", 0, NULL);

    ck_assert_str_eq(a, "fine");
    ck_assert_str_eq(b, "x" R);
    ck_assert_str_eq(c, "");
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(sanitize_large_mixed_input)
{
    enum { N = 100000 };
    char *in = malloc(N * 3), *out;
    size_t i, len;

    ck_assert_ptr_nonnull(in);
    /* "é" then a stray continuation byte, repeated: half the bytes become U+FFFD. */
    for (i = 0; i < N; i++)
        memcpy(in + i * 3, "\xC3\xA9\xA9", 3);
    out = pawl_utf8_sanitize(in, N * 3, &len);
    ck_assert_uint_eq(len, (size_t)N * 5);
    for (i = 0; i < N; i++)
        if (memcmp(out + i * 5, "\xC3\xA9" R, 5) != 0)
            ck_abort_msg("unit %zu of the output differs", i);
    free(out);
    free(in);
}
END_TEST

static Suite *utf8_suite(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, valid_inputs, 0, (int)(sizeof(valid) / sizeof(valid[0])));
    tcase_add_loop_test(tc, invalid_inputs, 0, (int)(sizeof(invalid) / sizeof(invalid[0])));
    tcase_add_test(tc, length_bounds_the_input);
    tcase_add_test(tc, sanitize_without_length_out);
    tcase_add_test(tc, sanitize_large_mixed_input);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(utf8_suite());
}
