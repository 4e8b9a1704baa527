/*
 * utf8.h - making untrusted text safe to carry.
 *
 * Agent and model output can hold truncated multi-byte sequences, stray
 * bytes and NULs. Results are JSON, which must be valid UTF-8, and pawl's
 * strings are NUL-terminated, so output is normalised once, when it
 * enters: every invalid sequence and every NUL becomes U+FFFD.
 */
#ifndef PAWL_UTF8_H
#define PAWL_UTF8_H

#include <stddef.h>

/* True when `s[0..len)` is valid UTF-8 without NUL bytes. */
int pawl_utf8_valid(const char *s, size_t len);

/* A new NUL-terminated copy with invalid sequences and NULs replaced by U+FFFD. */
char *pawl_utf8_sanitize(const char *s, size_t len, size_t *out_len);

#endif
