/* Unit tests for src/buf.c: growth, the NUL invariant, the shared empty string, caps, detach. */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"

/* Byte `i` of the reference pattern: every position differs from its neighbours. */
static char pattern_byte(size_t i)
{
    return (char)('a' + (i * 7 + i / 26) % 26);
}

static char *pattern(size_t len)
{
    char *p = pawl_xmalloc(len + 1);
    size_t i;

    for (i = 0; i < len; i++)
        p[i] = pattern_byte(i);
    p[len] = '\0';
    return p;
}

/* The invariants every buffer keeps, whatever happened to it. */
static void assert_invariants(const struct pawl_buf *b)
{
    ck_assert_ptr_nonnull(b->ptr);
    ck_assert_int_eq(b->ptr[b->len], '\0');
    if (b->alloc == 0) {
        ck_assert_ptr_eq(b->ptr, pawl_buf_empty);
        ck_assert_uint_eq(b->len, 0);
    } else {
        ck_assert_uint_gt(b->alloc, b->len);
    }
    if (b->cap)
        ck_assert_uint_le(b->len, b->cap);
}

START_TEST(empty_buffer_is_shared_empty_string)
{
    struct pawl_buf a = PAWL_BUF_INIT, b;

    pawl_buf_init(&b, 100);
    ck_assert_ptr_eq(a.ptr, pawl_buf_empty);
    ck_assert_ptr_eq(b.ptr, pawl_buf_empty);
    ck_assert_str_eq(a.ptr, "");
    ck_assert_str_eq(b.ptr, "");
    ck_assert_uint_eq(a.len, 0);
    ck_assert_uint_eq(a.alloc, 0);
    ck_assert_uint_eq(a.cap, 0);
    ck_assert_uint_eq(b.cap, 100);
    ck_assert_uint_eq(b.alloc, 0);
    /* Resetting and releasing an untouched buffer must not write to or free the shared string. */
    pawl_buf_reset(&a);
    ck_assert_ptr_eq(a.ptr, pawl_buf_empty);
    pawl_buf_release(&a);
    pawl_buf_release(&b);
    ck_assert_ptr_eq(a.ptr, pawl_buf_empty);
    ck_assert_ptr_eq(b.ptr, pawl_buf_empty);
    ck_assert_uint_eq(b.cap, 100);
    ck_assert_int_eq(pawl_buf_empty[0], '\0');
}
END_TEST

/* Total sizes crossing the first allocation (64) and later doublings, in various chunk sizes. */
static const struct {
    size_t total, chunk;
} growth[] = {
    {1, 1},     {63, 1},        {64, 1},       {65, 1},          {127, 5},
    {128, 128}, {129, 64},      {1000, 3},     {4096, 4096},     {4097, 1000},
    {65535, 7}, {65536, 65536}, {65537, 4096}, {1 << 20, 65536}, {(1 << 20) + 1, 999},
};

START_TEST(add_grows_across_sizes)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    size_t total = growth[_i].total, chunk = growth[_i].chunk, off = 0;
    char *want = pattern(total);

    /* Plain checks in the loop: each Check assertion costs a pipe write in fork mode. */
    while (off < total) {
        size_t n = total - off < chunk ? total - off : chunk;
        if (pawl_buf_add(&b, want + off, n) != 0 || b.len != off + n || b.ptr[b.len] != '\0' ||
            b.alloc <= b.len)
            ck_abort_msg("append of %zu bytes at %zu broke the buffer", n, off);
        off += n;
    }
    assert_invariants(&b);
    ck_assert_mem_eq(b.ptr, want, total);
    ck_assert_uint_eq(strlen(b.ptr), total);
    free(want);
    pawl_buf_release(&b);
    assert_invariants(&b);
}
END_TEST

START_TEST(puts_and_putc_grow_across_sizes)
{
    struct pawl_buf b = PAWL_BUF_INIT, c = PAWL_BUF_INIT;
    size_t total = growth[_i].total, chunk = growth[_i].chunk, off = 0, i;
    char *want = pattern(total);

    while (off < total) {
        size_t n = total - off < chunk ? total - off : chunk;
        char save = want[off + n];
        want[off + n] = '\0';
        ck_assert_int_eq(pawl_buf_puts(&b, want + off), 0);
        want[off + n] = save;
        off += n;
    }
    for (i = 0; i < total; i++)
        if (pawl_buf_putc(&c, want[i]) != 0 || c.ptr[c.len] != '\0')
            ck_abort_msg("putc at %zu failed", i);
    assert_invariants(&b);
    assert_invariants(&c);
    ck_assert_uint_eq(b.len, total);
    ck_assert_uint_eq(c.len, total);
    ck_assert_str_eq(b.ptr, want);
    ck_assert_str_eq(c.ptr, want);
    free(want);
    pawl_buf_release(&b);
    pawl_buf_release(&c);
}
END_TEST

START_TEST(printf_grows_across_sizes)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    size_t total = growth[_i].total;
    char *s = pattern(total), *want;

    ck_assert_int_eq(pawl_buf_printf(&b, "<%s|%d>", s, -42), 0);
    ck_assert_int_eq(pawl_buf_printf(&b, "%s", s), 0);
    want = pawl_xasprintf("<%s|-42>%s", s, s);
    assert_invariants(&b);
    ck_assert_uint_eq(b.len, strlen(want));
    ck_assert_str_eq(b.ptr, want);
    free(want);
    free(s);
    pawl_buf_release(&b);
}
END_TEST

static int call_vprintf(struct pawl_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = pawl_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

START_TEST(printf_formats_and_appends)
{
    struct pawl_buf b = PAWL_BUF_INIT;

    ck_assert_int_eq(pawl_buf_puts(&b, "x="), 0);
    ck_assert_int_eq(pawl_buf_printf(&b, "%d, %s, %.2f, %zu, %%", 7, "seven", 7.25, (size_t)7), 0);
    ck_assert_str_eq(b.ptr, "x=7, seven, 7.25, 7, %");
    ck_assert_int_eq(call_vprintf(&b, " [%05d]", 42), 0);
    ck_assert_str_eq(b.ptr, "x=7, seven, 7.25, 7, % [00042]");
    ck_assert_uint_eq(b.len, strlen("x=7, seven, 7.25, 7, % [00042]"));
    ck_assert_int_eq(pawl_buf_printf(&b, "%s", ""), 0);
    ck_assert_uint_eq(b.len, strlen("x=7, seven, 7.25, 7, % [00042]"));
    assert_invariants(&b);
    pawl_buf_release(&b);
}
END_TEST

START_TEST(embedded_nul_is_kept)
{
    struct pawl_buf b = PAWL_BUF_INIT;

    ck_assert_int_eq(pawl_buf_add(&b, "a\0b", 3), 0);
    ck_assert_int_eq(pawl_buf_putc(&b, '\0'), 0);
    ck_assert_int_eq(pawl_buf_add(&b, "c", 1), 0);
    ck_assert_uint_eq(b.len, 5);
    ck_assert_mem_eq(b.ptr, "a\0b\0c", 6);
    ck_assert_int_eq(b.ptr[5], '\0');
    pawl_buf_release(&b);
}
END_TEST

START_TEST(zero_length_add_keeps_content)
{
    struct pawl_buf b = PAWL_BUF_INIT;

    ck_assert_int_eq(pawl_buf_add(&b, "", 0), 0);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_str_eq(b.ptr, "");
    ck_assert_int_eq(pawl_buf_puts(&b, "abc"), 0);
    ck_assert_int_eq(pawl_buf_add(&b, "zzz", 0), 0);
    ck_assert_int_eq(pawl_buf_puts(&b, ""), 0);
    ck_assert_str_eq(b.ptr, "abc");
    ck_assert_uint_eq(b.len, 3);
    assert_invariants(&b);
    pawl_buf_release(&b);
}
END_TEST

START_TEST(size_overflow_fails)
{
    struct pawl_buf b = PAWL_BUF_INIT;

    ck_assert_int_eq(pawl_buf_puts(&b, "abc"), 0);
    /* The length is checked before any byte is read, so a short source is fine here. */
    ck_assert_int_eq(pawl_buf_add(&b, "x", SIZE_MAX), -1);
    ck_assert_int_eq(pawl_buf_add(&b, "x", SIZE_MAX - 3), -1);
    ck_assert_str_eq(b.ptr, "abc");
    ck_assert_uint_eq(b.len, 3);
    pawl_buf_release(&b);
}
END_TEST

/* Each append function, pushed one byte past a cap of 10 from a given fill. */
enum { OP_ADD, OP_PUTS, OP_PUTC, OP_PRINTF, N_OPS };

static int append_op(struct pawl_buf *b, int op, const char *s)
{
    switch (op) {
    case OP_ADD:
        return pawl_buf_add(b, s, strlen(s));
    case OP_PUTS:
        return pawl_buf_puts(b, s);
    case OP_PUTC:
        return pawl_buf_putc(b, s[0]);
    default:
        return pawl_buf_printf(b, "%s", s);
    }
}

static const size_t cap_fill[] = {0, 5, 9, 10};

START_TEST(append_past_cap_fails_and_changes_nothing)
{
    int op = _i % N_OPS;
    size_t fill = cap_fill[_i / N_OPS], room = 10 - fill;
    struct pawl_buf b;
    char *before, *ptr_before, *fits, *too_much;
    size_t alloc_before;

    pawl_buf_init(&b, 10);
    if (fill)
        ck_assert_int_eq(pawl_buf_add(&b, "0123456789", fill), 0);
    before = pawl_xstrdup(b.ptr);
    ptr_before = b.ptr;
    alloc_before = b.alloc;
    /* putc appends one byte, so it overflows only once the buffer is full. */
    too_much = pattern(op == OP_PUTC ? 1 : room + 1);
    if (op == OP_PUTC && room > 0) {
        ck_assert_int_eq(append_op(&b, op, too_much), 0);
        ck_assert_uint_eq(b.len, fill + 1);
    } else {
        ck_assert_int_eq(append_op(&b, op, too_much), -1);
        ck_assert_ptr_eq(b.ptr, ptr_before);
        ck_assert_uint_eq(b.alloc, alloc_before);
        ck_assert_uint_eq(b.len, fill);
        ck_assert_str_eq(b.ptr, before);
        if (fill == 0)
            ck_assert_ptr_eq(b.ptr, pawl_buf_empty);
        /* Exactly up to the cap is allowed. */
        if (room > 0 && op != OP_PUTC) {
            fits = pattern(room);
            ck_assert_int_eq(append_op(&b, op, fits), 0);
            ck_assert_uint_eq(b.len, 10);
            ck_assert_mem_eq(b.ptr + fill, fits, room);
            free(fits);
        }
    }
    assert_invariants(&b);
    ck_assert_uint_eq(b.cap, 10);
    free(too_much);
    free(before);
    pawl_buf_release(&b);
}
END_TEST

START_TEST(detach_hands_over_and_resets)
{
    struct pawl_buf b;
    size_t len = 99;
    char *s;

    pawl_buf_init(&b, 1000);
    ck_assert_int_eq(pawl_buf_add(&b, "hello\0world", 11), 0);
    s = pawl_buf_detach(&b, &len);
    ck_assert_uint_eq(len, 11);
    ck_assert_mem_eq(s, "hello\0world", 12);
    ck_assert_ptr_eq(b.ptr, pawl_buf_empty);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.alloc, 0);
    ck_assert_uint_eq(b.cap, 1000);
    /* The buffer is usable again and does not share memory with the detached string. */
    ck_assert_int_eq(pawl_buf_puts(&b, "again"), 0);
    ck_assert_str_eq(b.ptr, "again");
    ck_assert_mem_eq(s, "hello\0world", 12);
    free(s);
    s = pawl_buf_detach(&b, NULL);
    ck_assert_str_eq(s, "again");
    free(s);
    pawl_buf_release(&b);
}
END_TEST

START_TEST(detach_of_empty_buffer_is_heap_string)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    size_t len = 99;
    char *s = pawl_buf_detach(&b, &len);

    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_ne(s, pawl_buf_empty);
    ck_assert_str_eq(s, "");
    ck_assert_uint_eq(len, 0);
    free(s); /* must be a heap string: ASan reports freeing anything else */
    ck_assert_ptr_eq(b.ptr, pawl_buf_empty);
}
END_TEST

START_TEST(reset_keeps_capacity)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    char *ptr, *big = pattern(5000);
    size_t alloc;

    ck_assert_int_eq(pawl_buf_puts(&b, big), 0);
    ptr = b.ptr;
    alloc = b.alloc;
    ck_assert_uint_ge(alloc, 5001);
    pawl_buf_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_str_eq(b.ptr, "");
    ck_assert_ptr_eq(b.ptr, ptr);
    ck_assert_uint_eq(b.alloc, alloc);
    /* Refilling to the same size reuses the memory. */
    ck_assert_int_eq(pawl_buf_puts(&b, big), 0);
    ck_assert_ptr_eq(b.ptr, ptr);
    ck_assert_uint_eq(b.alloc, alloc);
    ck_assert_str_eq(b.ptr, big);
    free(big);
    pawl_buf_release(&b);
    assert_invariants(&b);
}
END_TEST

static Suite *buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("core");
    int n_growth = (int)(sizeof(growth) / sizeof(growth[0]));

    tcase_add_test(tc, empty_buffer_is_shared_empty_string);
    tcase_add_loop_test(tc, add_grows_across_sizes, 0, n_growth);
    tcase_add_loop_test(tc, puts_and_putc_grow_across_sizes, 0, n_growth);
    tcase_add_loop_test(tc, printf_grows_across_sizes, 0, n_growth);
    tcase_add_test(tc, printf_formats_and_appends);
    tcase_add_test(tc, embedded_nul_is_kept);
    tcase_add_test(tc, zero_length_add_keeps_content);
    tcase_add_test(tc, size_overflow_fails);
    tcase_add_loop_test(tc, append_past_cap_fails_and_changes_nothing, 0,
                        (int)(N_OPS * (sizeof(cap_fill) / sizeof(cap_fill[0]))));
    tcase_add_test(tc, detach_hands_over_and_resets);
    tcase_add_test(tc, detach_of_empty_buffer_is_heap_string);
    tcase_add_test(tc, reset_keeps_capacity);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(buf_suite());
}
