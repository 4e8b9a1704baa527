/* Shared test helpers: assertions that print pawl's error on failure. */
#ifndef PAWL_TEST_HELPERS_H
#define PAWL_TEST_HELPERS_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "pawl/error.h"

/* Asserts `expr` returned 0 and prints the formatted pawl_error otherwise. */
#define PAWL_ASSERT_OK(expr, errp)                                                             \
    do {                                                                                       \
        int rc_ = (expr);                                                                      \
        if (rc_ != 0) {                                                                        \
            char msg_[2048];                                                                   \
            pawl_error_format((errp), msg_, sizeof(msg_));                                     \
            ck_abort_msg("%s failed (%d): %s", #expr, rc_, msg_);                              \
        }                                                                                      \
    } while (0)

/* Asserts `expr` failed with `code` and the formatted error equals `want`. */
#define PAWL_ASSERT_ERR(expr, errp, code, want)                                                \
    do {                                                                                       \
        int rc_ = (expr);                                                                      \
        char msg_[2048];                                                                       \
        pawl_error_format((errp), msg_, sizeof(msg_));                                         \
        ck_assert_msg(rc_ == (code), "%s returned %d, want %d (%s)", #expr, rc_, (code), msg_); \
        ck_assert_str_eq(msg_, (want));                                                        \
    } while (0)

/* Runs a suite in the usual way and returns the process exit status. */
static inline int pawl_test_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

#endif
