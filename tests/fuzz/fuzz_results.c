/*
 * fuzz_results: bytes as a results file (a baseline from another machine).
 *
 * Invariants, for a file that reads:
 * - written back the way `pawl run` writes it (pawl_results_write(): two
 *   spaces of indent, reals to 12 digits), it reads again;
 * - written back exactly (all 17 digits), it reads to the same document, so
 *   reading and writing lose nothing a second round would change;
 * - pawl_results_write() writes json_dumps() of pawl_results_to_json(), byte
 *   for byte, as it promises.
 * A file that does not read sets an error with a message.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "pawl/buf.h"
#include "pawl/error.h"
#include "pawl/fs.h"
#include "pawl/results.h"

/* What pawl_results_write() dumps with (src/results.c). */
#define WRITE_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(12))

static char *scratch;  /* per-process directory for the written file */
static char *out_path; /* scratch/results.json */

static void remove_scratch(void)
{
    if (!scratch)
        return;
    unlink(out_path);
    rmdir(scratch);
    free(scratch);
    free(out_path);
    scratch = out_path = NULL;
}

static void make_scratch(void)
{
    const char *tmp = getenv("TMPDIR");

    if (!tmp || !*tmp)
        tmp = "/tmp";
    scratch = malloc(strlen(tmp) + 32);
    out_path = malloc(strlen(tmp) + 64);
    if (!scratch || !out_path)
        abort();
    sprintf(scratch, "%s/pawl-fuzz-results-XXXXXX", tmp);
    if (!mkdtemp(scratch)) {
        fprintf(stderr, "fuzz_results: cannot make a scratch directory: %s\n", strerror(errno));
        abort();
    }
    sprintf(out_path, "%s/results.json", scratch);
    atexit(remove_scratch);
}

static void check_writer(const struct pawl_results *r, const char *want)
{
    struct pawl_buf got = PAWL_BUF_INIT;
    struct pawl_error err;

    pawl_error_init(&err);
    if (!scratch)
        make_scratch();
    FUZZ_ASSERT(pawl_results_write(r, out_path, &err) == 0, "cannot write: %s", err.msg);
    FUZZ_ASSERT(pawl_fs_read(&got, out_path, out_path, 0, &err) == 0, "cannot read: %s", err.msg);
    FUZZ_ASSERT(got.len == strlen(want) + 1 && memcmp(got.ptr, want, got.len - 1) == 0 &&
                    got.ptr[got.len - 1] == '\n',
                "the streamed file differs from json_dumps() of the document");
    pawl_buf_release(&got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pawl_results r1, r2, r3;
    struct pawl_error err;
    json_t *doc1 = NULL, *doc2 = NULL;
    char *written = NULL, *exact = NULL;
    int rc;

    pawl_error_init(&err);
    rc = pawl_results_parse(&r1, (const char *)data, size, "baseline.json", &err);
    if (rc < 0) {
        FUZZ_ASSERT(rc == PAWL_EDATA && err.code == rc && err.msg[0], "rc %d, code %d, '%s'", rc,
                    err.code, err.msg);
        pawl_results_release(&r1);
        return 0;
    }

    doc1 = pawl_results_to_json(&r1);
    written = json_dumps(doc1, WRITE_FLAGS);
    exact = json_dumps(doc1, JSON_COMPACT);
    FUZZ_ASSERT(written && exact, "the document does not serialise");

    rc = pawl_results_parse(&r2, written, strlen(written), "written.json", &err);
    FUZZ_ASSERT(rc == 0, "the file as written does not read back: %s", err.msg);
    pawl_results_release(&r2);

    rc = pawl_results_parse(&r3, exact, strlen(exact), "exact.json", &err);
    FUZZ_ASSERT(rc == 0, "the exact dump does not read back: %s", err.msg);
    doc2 = pawl_results_to_json(&r3);
    FUZZ_ASSERT(json_equal(doc1, doc2), "a second round changed the document");
    pawl_results_release(&r3);

    check_writer(&r1, written);

    json_decref(doc1);
    json_decref(doc2);
    free(written);
    free(exact);
    pawl_results_release(&r1);
    return 0;
}
