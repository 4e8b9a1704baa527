/*
 * fuzz.h - what the libFuzzer targets in tests/fuzz/ share.
 *
 * A target returns 0 for every input the library handles: with an error or
 * without. What it must never do is crash, leak, hang, or break one of the
 * invariants the target checks, which abort() through FUZZ_ASSERT so that
 * libFuzzer keeps the input as a crash.
 */
#ifndef PAWL_FUZZ_H
#define PAWL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond, ...)                                                                     \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond);           \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The input as a NUL-terminated heap copy, for APIs that take C strings. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
