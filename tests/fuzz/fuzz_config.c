/*
 * fuzz_config: bytes as pawl.yaml, through everything `pawl validate` does
 * with it: the YAML tree, the config loader, the prompt templates, the
 * scorers, the provider's settings and the check of every template against
 * every case.
 *
 * The loader reads a path, so each input is written to pawl.yaml in one
 * scratch directory per process. That directory holds an empty `.git`, which
 * makes it the repository root: no path in a config can reach outside it. It
 * also holds the files a config may name (prompts, a schema, datasets), so
 * inputs get past the file checks into the sections behind them.
 *
 * Invariants: a YAML error from pawl_node_parse() is exactly the loader's
 * error for the same bytes; every failure sets an error with a message.
 */
/* realpath() is XSI in glibc's headers. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "pawl/error.h"
#include "pawl/fs.h"
#include "pawl/node.h"
#include "pawl/suite.h"

static const struct {
    const char *path, *text;
    size_t len; /* 0: strlen(text) */
} files[] = {
    {"prompts/system.md", "You are a support agent. Answer case {{id}} briefly.\n", 0},
    {"prompts/user.md", "{{input.question}}\n", 0},
    {"prompts/judge.md",
     "Question: {{input.question}}\nAnswer: {{output}}\n"
     "Reference: {{expected_output}}\n",
     0},
    {"schemas/answer.json",
     "{\"type\": \"object\", \"required\": [\"answer\"],"
     " \"properties\": {\"answer\": {\"type\": \"string\"}}}\n",
     0},
    {"evals/cases.jsonl",
     "{\"id\": \"q1\", \"input\": {\"question\": \"Capital of France?\"}, "
     "\"expected_output\": \"Paris\", \"metadata\": {\"lang\": \"fr\"}, "
     "\"output\": \"{\\\"answer\\\": \\\"Paris\\\"}\"}\n"
     "{\"id\": 2, \"input\": {\"question\": \"2+2?\", \"n\": 4}, \"expected_output\": \"4\", "
     "\"metadata\": {\"lang\": \"en\"}, \"output\": \"4\"}\n",
     0},
    {"evals/cases.csv",
     "id,question,expected_output,metadata.lang\n"
     "q1,Capital of France?,Paris,fr\n"
     "q2,\"2+2, in words?\",four,en\n",
     0},
    /* Prompt files that are not text, which the loader must refuse. */
    {"prompts/utf16.md", "\xff\xfe{\0{\0i\0d\0}\0}\0", 14},
    {"prompts/latin1.md", "caf\xe9 {{id}}\n", 0},
};
static const char *const dirs[] = {"prompts", "schemas", "evals", ".git"};

static char *scratch;     /* the per-process directory */
static char *config_path; /* scratch/pawl.yaml */

/* scratch/rel, a new string. */
static char *path_in(const char *rel)
{
    char *p = malloc(strlen(scratch) + strlen(rel) + 2);

    if (!p)
        abort();
    sprintf(p, "%s/%s", scratch, rel);
    return p;
}

/* Plain write, no fsync: this runs for every input. */
static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");

    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        fprintf(stderr, "fuzz_config: cannot write '%s': %s\n", path, strerror(errno));
        abort();
    }
}

static void remove_scratch(void)
{
    size_t i;
    char *p;

    if (!scratch)
        return;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        p = path_in(files[i].path);
        unlink(p);
        free(p);
    }
    unlink(config_path);
    for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        p = path_in(dirs[i]);
        rmdir(p);
        free(p);
    }
    rmdir(scratch);
    free(scratch);
    free(config_path);
    scratch = config_path = NULL;
}

static void make_scratch(void)
{
    const char *tmp = getenv("TMPDIR");
    struct pawl_error err;
    size_t i;
    char *p;

    pawl_error_init(&err);
    p = malloc(strlen(tmp && *tmp ? tmp : "/tmp") + 32);
    if (!p)
        abort();
    sprintf(p, "%s/pawl-fuzz-config-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(p)) {
        fprintf(stderr, "fuzz_config: cannot make a scratch directory: %s\n", strerror(errno));
        abort();
    }
    /* Absolute, so that no path here depends on the working directory, which is libFuzzer's. */
    scratch = realpath(p, NULL);
    free(p);
    if (!scratch)
        abort();
    config_path = path_in("pawl.yaml");
    atexit(remove_scratch);
    for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        p = path_in(dirs[i]);
        if (mkdir(p, 0700) < 0)
            abort();
        free(p);
    }
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        p = path_in(files[i].path);
        if (pawl_fs_write_atomic(p, files[i].text,
                                 files[i].len ? files[i].len : strlen(files[i].text), &err) < 0)
            abort();
        free(p);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pawl_error yaml_err, err;
    struct pawl_node *root = NULL;
    struct pawl_suite suite;
    char want[2048], got[2048];
    int yaml_rc, rc;

    if (!scratch)
        make_scratch();
    pawl_error_init(&yaml_err);
    pawl_error_init(&err);

    yaml_rc = pawl_node_parse(&root, (const char *)data, size, config_path, &yaml_err);
    FUZZ_ASSERT(yaml_rc == 0 ? root != NULL : root == NULL && yaml_err.code == yaml_rc,
                "rc %d, code %d", yaml_rc, yaml_err.code);
    if (root) {
        json_t *j = pawl_node_to_json(root);
        FUZZ_ASSERT(j != NULL, "no JSON for a parsed tree");
        json_decref(j);
        pawl_node_free(root);
    }

    write_file(config_path, data, size);
    rc = pawl_suite_load(&suite, config_path, &err);
    if (rc == 0)
        rc = pawl_suite_check(&suite, &err);
    pawl_suite_release(&suite);

    if (getenv("PAWL_FUZZ_VERBOSE")) {
        pawl_error_format(&err, got, sizeof(got));
        fprintf(stderr, "fuzz_config: %s\n", rc == 0 ? "valid" : got);
    }
    FUZZ_ASSERT(rc <= 0 && (rc == 0 || (err.code == rc && err.msg[0])), "rc %d, code %d, '%s'", rc,
                err.code, err.msg);
    if (yaml_rc < 0) {
        pawl_error_format(&yaml_err, want, sizeof(want));
        pawl_error_format(&err, got, sizeof(got));
        FUZZ_ASSERT(rc == yaml_rc && strcmp(want, got) == 0, "tree: '%s', loader: '%s'", want, got);
    }
    return 0;
}
