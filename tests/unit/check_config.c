/* Unit tests for src/config*.c: pawl.yaml validation, defaults, ${VAR}, paths, durations. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "pawl/alloc.h"
#include "pawl/config.h"
#include "pawl/fs.h"

#define INVALID_DIR PAWL_TEST_DATA "/config/invalid"
#define VALID_DIR PAWL_TEST_DATA "/config/valid"
#define MIN_INVALID_CASES 18

/* Filled by main() before the runner forks, so each looped test sees it. */
static char **invalid_cases;
static size_t n_invalid_cases;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_invalid_cases(void)
{
    DIR *d = opendir(INVALID_DIR);
    struct dirent *e;
    size_t alloc = 0;

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        char *path;
        struct stat st;
        int is_dir;

        if (e->d_name[0] == '.')
            continue;
        path = pawl_xasprintf("%s/%s", INVALID_DIR, e->d_name);
        is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
        free(path);
        if (!is_dir)
            continue;
        PAWL_ALLOC_GROW(invalid_cases, n_invalid_cases + 1, alloc);
        invalid_cases[n_invalid_cases++] = pawl_xstrdup(e->d_name);
    }
    closedir(d);
    if (n_invalid_cases)
        qsort(invalid_cases, n_invalid_cases, sizeof(*invalid_cases), cmp_names);
}

static void free_invalid_cases(void)
{
    size_t i;

    for (i = 0; i < n_invalid_cases; i++)
        free(invalid_cases[i]);
    free(invalid_cases);
}

static void assert_zeroed(const struct pawl_config *cfg)
{
    static const struct pawl_config zero;
    ck_assert_msg(memcmp(cfg, &zero, sizeof(zero)) == 0, "config not zeroed after failure");
}

/* ---- invalid configs as data ---------------------------------------------- */

START_TEST(test_invalid_case_count)
{
    ck_assert_msg(n_invalid_cases >= MIN_INVALID_CASES, "found %zu cases under %s, want >= %d",
                  n_invalid_cases, INVALID_DIR, MIN_INVALID_CASES);
}
END_TEST

START_TEST(test_invalid_case)
{
    const char *name = invalid_cases[_i];
    char *dir = pawl_xasprintf("%s/%s", INVALID_DIR, name);
    char *want, *nl;
    struct pawl_config cfg;
    struct pawl_error err;

    /* Check forks each test, so changing directory here cannot leak into others. */
    ck_assert_msg(chdir(dir) == 0, "cannot enter %s", dir);
    want = pawl_test_read_file("expected");
    nl = strchr(want, '\n');
    ck_assert_msg(nl && nl[1] == '\0', "%s/expected must be one line ending in a newline", name);
    *nl = '\0';

    pawl_error_init(&err);
    memset(&cfg, 0xa5, sizeof(cfg)); /* load must not depend on a zeroed struct */
    PAWL_ASSERT_ERR(pawl_config_load(&cfg, "pawl.yaml", &err), &err, PAWL_ECONFIG, want);
    assert_zeroed(&cfg);
    pawl_config_release(&cfg); /* harmless after a failure */
    free(want);
    free(dir);
}
END_TEST

/* ---- valid configs ---------------------------------------------------------- */

START_TEST(test_full_example)
{
    const char *path = VALID_DIR "/full/pawl.yaml";
    struct pawl_config cfg;
    struct pawl_error err;
    const struct pawl_scorer_config *sc;
    const struct pawl_rule_config *r;
    char *system_md;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_config_load(&cfg, path, &err), &err);
    ck_assert_str_eq(cfg.path, path);
    ck_assert_str_eq(cfg.dir, VALID_DIR "/full");
    ck_assert_str_eq(cfg.name, "support-bot");

    ck_assert_str_eq(cfg.dataset.path, "evals/support.jsonl");
    ck_assert_str_eq(cfg.dataset.fs_path, VALID_DIR "/full/evals/support.jsonl");
    ck_assert_str_eq(cfg.dataset.ref, "HEAD");
    ck_assert_str_eq(cfg.dataset.id_field, "id");
    ck_assert_int_eq(cfg.dataset.line, 5);
    ck_assert_int_eq(cfg.dataset.col, 9);

    ck_assert_str_eq(cfg.task.provider, "openai");
    ck_assert_str_eq(cfg.task.model, "gpt-4o-mini");
    ck_assert_str_eq(cfg.task.base_url, "https://api.openai.com/v1");
    ck_assert_str_eq(cfg.task.api_key_env, "OPENAI_API_KEY");
    ck_assert_int_eq(cfg.task.line, 9);
    ck_assert_int_eq(cfg.task.col, 3);
    ck_assert_ptr_nonnull(cfg.task.node);
    ck_assert_ptr_eq(cfg.task.node, pawl_node_get(cfg.root, "task"));
    ck_assert_uint_eq(cfg.task.n_messages, 2);
    system_md = pawl_test_read_file(VALID_DIR "/full/prompts/system.md");
    ck_assert_str_eq(cfg.task.messages[0].role, "system");
    ck_assert_str_eq(cfg.task.messages[0].text, system_md);
    ck_assert_str_eq(cfg.task.messages[0].source, VALID_DIR "/full/prompts/system.md");
    ck_assert_int_eq(cfg.task.messages[0].line, 1);
    ck_assert_int_eq(cfg.task.messages[0].col, 1);
    free(system_md);
    ck_assert_str_eq(cfg.task.messages[1].role, "user");
    ck_assert_str_eq(cfg.task.messages[1].text, "{{input.question}}");
    ck_assert_str_eq(cfg.task.messages[1].source, path);
    ck_assert_int_eq(cfg.task.messages[1].line, 15);
    ck_assert_int_eq(cfg.task.messages[1].col, 30) /* just past the opening quote */;
    ck_assert_ptr_nonnull(cfg.task.params);
    ck_assert_int_eq(json_integer_value(json_object_get(cfg.task.params, "temperature")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(cfg.task.params, "max_tokens")), 400);
    ck_assert_uint_eq(json_object_size(cfg.task.params), 2);
    ck_assert_ptr_null(cfg.task.command);
    ck_assert_uint_eq(cfg.task.n_command, 0);
    ck_assert_str_eq(cfg.task.output_field, "output");

    ck_assert_uint_eq(cfg.n_scorers, 4);
    ck_assert_str_eq(cfg.scorers[0].name, "correct");
    ck_assert_str_eq(cfg.scorers[0].type, "icontains");
    ck_assert_str_eq(cfg.scorers[1].name, "is_json");
    ck_assert_str_eq(cfg.scorers[1].type, "is-json");
    ck_assert_str_eq(cfg.scorers[2].name, "no_apology");
    ck_assert_str_eq(cfg.scorers[2].type, "regex");
    sc = &cfg.scorers[3];
    ck_assert_str_eq(sc->name, "helpful");
    ck_assert_str_eq(sc->type, "llm-judge");
    ck_assert_int_eq(sc->line, 21);
    ck_assert_int_eq(sc->col, 5);
    /* The scorer module gets its whole mapping, unvalidated keys included. */
    ck_assert_str_eq(pawl_node_get(sc->node, "rubric")->value, "prompts/judge-helpful.md");
    ck_assert_str_eq(pawl_node_get(cfg.scorers[2].node, "not")->value, "true");

    ck_assert_int_eq(cfg.run.concurrency, 16);
    ck_assert_int_eq(cfg.run.repeat, 1);
    ck_assert_int_eq(cfg.run.timeout_ms, 60000);
    ck_assert_int_eq(cfg.run.retries, 3);
    ck_assert_double_eq(cfg.run.max_error_rate, 0);
    ck_assert_str_eq(cfg.run.cache, VALID_DIR "/full/.pawl/cache");

    ck_assert_str_eq(cfg.baseline.file, VALID_DIR "/full/.pawl/baseline.json");
    ck_assert_str_eq(cfg.baseline.ref, "origin/main");
    ck_assert_int_eq(cfg.baseline.rerun, 0);

    ck_assert_double_eq_tol(cfg.gate.confidence, 0.95, 1e-12);
    ck_assert_int_eq(cfg.gate.inconclusive_fails, 0);
    ck_assert_uint_eq(cfg.gate.n_rules, 4);
    r = cfg.gate.rules;
    ck_assert_str_eq(r[0].metric, "correct");
    ck_assert_int_eq(r[0].kind, PAWL_RULE_MIN);
    ck_assert_double_eq_tol(r[0].value, 0.80, 1e-12);
    ck_assert_int_eq(r[0].line, 41);
    ck_assert_int_eq(r[0].col, 7);
    ck_assert_str_eq(r[1].metric, "correct");
    ck_assert_int_eq(r[1].kind, PAWL_RULE_MAX_DROP);
    ck_assert_double_eq_tol(r[1].value, 0.02, 1e-12);
    ck_assert_str_eq(r[2].metric, "latency_p95_ms");
    ck_assert_int_eq(r[2].kind, PAWL_RULE_MAX);
    ck_assert_double_eq(r[2].value, 4000);
    ck_assert_ptr_null(r[3].metric);
    ck_assert_int_eq(r[3].kind, PAWL_RULE_NO_NEW_FAILURES);

    ck_assert_str_eq(cfg.report.junit, VALID_DIR "/full/reports/pawl-junit.xml");
    ck_assert_str_eq(cfg.report.json, VALID_DIR "/full/reports/pawl-results.json");
    ck_assert_str_eq(cfg.report.markdown, VALID_DIR "/full/reports/pawl-summary.md");
    pawl_config_release(&cfg);
    assert_zeroed(&cfg);
    pawl_config_release(&cfg); /* twice is harmless */
}
END_TEST

/* Enters `dir` and loads `path` from there, as pawl run in that directory would. */
static void load_at(struct pawl_config *cfg, const char *dir, const char *path)
{
    struct pawl_error err;

    ck_assert_int_eq(chdir(dir), 0);
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_config_load(cfg, path, &err), &err);
}

/* Paths in the struct are relative to where the config path was given from. */
static const struct {
    const char *cwd, *path, *dir, *system_source, *dataset, *cache;
} relative_loads[] = {
    {VALID_DIR "/full", "pawl.yaml", ".", "prompts/system.md", "evals/support.jsonl",
     ".pawl/cache"},
    {VALID_DIR, "full/pawl.yaml", "full", "full/prompts/system.md", "full/evals/support.jsonl",
     "full/.pawl/cache"},
    {VALID_DIR "/full/prompts", "../pawl.yaml", "..", "../prompts/system.md",
     "../evals/support.jsonl", "../.pawl/cache"},
};

START_TEST(test_relative_load)
{
    struct pawl_config cfg;

    load_at(&cfg, relative_loads[_i].cwd, relative_loads[_i].path);
    ck_assert_str_eq(cfg.path, relative_loads[_i].path);
    ck_assert_str_eq(cfg.dir, relative_loads[_i].dir);
    ck_assert_str_eq(cfg.task.messages[0].source, relative_loads[_i].system_source);
    ck_assert_str_eq(cfg.task.messages[1].source, relative_loads[_i].path);
    ck_assert_str_eq(cfg.dataset.path, "evals/support.jsonl");
    ck_assert_str_eq(cfg.dataset.fs_path, relative_loads[_i].dataset);
    ck_assert_str_eq(cfg.run.cache, relative_loads[_i].cache);
    pawl_config_release(&cfg);
}
END_TEST

START_TEST(test_defaults)
{
    struct pawl_config cfg;

    load_at(&cfg, VALID_DIR "/minimal", "pawl.yaml");
    ck_assert_str_eq(cfg.name, "minimal"); /* the directory's name, through realpath */
    ck_assert_str_eq(cfg.dir, ".");
    ck_assert_str_eq(cfg.dataset.path, "cases.jsonl");
    ck_assert_str_eq(cfg.dataset.fs_path, "cases.jsonl");
    ck_assert_ptr_null(cfg.dataset.ref);
    ck_assert_str_eq(cfg.dataset.id_field, "id");

    ck_assert_str_eq(cfg.task.provider, "exec");
    ck_assert_ptr_null(cfg.task.model);
    ck_assert_ptr_null(cfg.task.base_url);
    ck_assert_ptr_null(cfg.task.api_key_env);
    ck_assert_ptr_null(cfg.task.params);
    ck_assert_uint_eq(cfg.task.n_messages, 0);
    ck_assert_uint_eq(cfg.task.n_command, 3);
    ck_assert_str_eq(cfg.task.command[0], "python3");
    ck_assert_str_eq(cfg.task.command[1], "agent.py");
    ck_assert_str_eq(cfg.task.command[2], "--fast");
    ck_assert_ptr_null(cfg.task.command[3]);
    ck_assert_str_eq(cfg.task.output_field, "output");

    ck_assert_uint_eq(cfg.n_scorers, 1);
    ck_assert_str_eq(cfg.scorers[0].name, "equals"); /* defaults to the type */
    ck_assert_str_eq(cfg.scorers[0].type, "equals");

    ck_assert_int_eq(cfg.run.concurrency, 8);
    ck_assert_int_eq(cfg.run.repeat, 1);
    ck_assert_int_eq(cfg.run.timeout_ms, 60000);
    ck_assert_int_eq(cfg.run.retries, 3);
    ck_assert_double_eq(cfg.run.max_error_rate, 0);
    ck_assert_str_eq(cfg.run.cache, ".pawl/cache");
    ck_assert_ptr_null(cfg.baseline.file);
    ck_assert_ptr_null(cfg.baseline.ref);
    ck_assert_int_eq(cfg.baseline.rerun, 0);
    ck_assert_double_eq_tol(cfg.gate.confidence, 0.95, 1e-12);
    ck_assert_int_eq(cfg.gate.inconclusive_fails, 0);
    ck_assert_uint_eq(cfg.gate.n_rules, 0);
    ck_assert_ptr_null(cfg.report.junit);
    ck_assert_ptr_null(cfg.report.json);
    ck_assert_ptr_null(cfg.report.markdown);
    pawl_config_release(&cfg);
}
END_TEST

START_TEST(test_cache_off_and_limits)
{
    struct pawl_config cfg;

    load_at(&cfg, VALID_DIR "/cache_off", "pawl.yaml");
    ck_assert_str_eq(cfg.name, "offline");
    ck_assert_str_eq(cfg.dataset.path, "./data/../cases.yaml");
    ck_assert_str_eq(cfg.dataset.id_field, "case_id");
    ck_assert_uint_eq(cfg.task.n_messages, 1);
    ck_assert_str_eq(cfg.task.messages[0].role, "user");
    ck_assert_str_eq(cfg.task.messages[0].text, "Question: {{input.question}}\n");
    ck_assert_str_eq(cfg.task.messages[0].source, "prompts/user.md");
    ck_assert_str_eq(cfg.scorers[0].name, "contains");
    ck_assert_str_eq(cfg.scorers[1].name, "strict");
    ck_assert_int_eq(cfg.run.concurrency, 1024);
    ck_assert_int_eq(cfg.run.repeat, 5);
    ck_assert_int_eq(cfg.run.timeout_ms, 250);
    ck_assert_int_eq(cfg.run.retries, 0);
    ck_assert_double_eq(cfg.run.max_error_rate, 1);
    ck_assert_ptr_null(cfg.run.cache);
    ck_assert_ptr_null(cfg.baseline.file);
    ck_assert_int_eq(cfg.baseline.rerun, 1);
    ck_assert_double_eq_tol(cfg.gate.confidence, 0.999, 1e-12);
    ck_assert_int_eq(cfg.gate.inconclusive_fails, 1);
    /* `no_new_failures: false` switches the rule off. */
    ck_assert_uint_eq(cfg.gate.n_rules, 2);
    ck_assert_str_eq(cfg.gate.rules[0].metric, "strict");
    ck_assert_int_eq(cfg.gate.rules[0].kind, PAWL_RULE_MAX_DROP);
    ck_assert_double_eq(cfg.gate.rules[0].value, 0);
    ck_assert_str_eq(cfg.gate.rules[1].metric, "pass_rate");
    ck_assert_int_eq(cfg.gate.rules[1].kind, PAWL_RULE_MIN);
    ck_assert_double_eq(cfg.gate.rules[1].value, -1);
    pawl_config_release(&cfg);
}
END_TEST

START_TEST(test_env_expansion)
{
    struct pawl_config cfg;
    struct pawl_error err;
    const struct pawl_node *value;

    ck_assert_int_eq(chdir(VALID_DIR "/env"), 0);
    setenv("PAWL_TEST_SUITE", "nightly", 1);
    setenv("PAWL_TEST_EMPTY", "", 1);
    unsetenv("PAWL_TEST_DATA_DIR");
    unsetenv("PAWL_TEST_UNSET_BASE");
    unsetenv("PAWL_TEST_UNSET_GREETING");
    unsetenv("PAWL_TEST_UNSET_N");
    unsetenv("PAWL_TEST_UNSET_V");
    unsetenv("PAWL_TEST_UNSET_CONCURRENCY");
    unsetenv("PAWL_TEST_UNSET_TIMEOUT");
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_config_load(&cfg, "pawl.yaml", &err), &err);
    ck_assert_str_eq(cfg.name, "nightly");
    ck_assert_str_eq(cfg.dataset.path, "evals/cases.jsonl");
    ck_assert_str_eq(cfg.dataset.ref, "");           /* set but empty, no default */
    ck_assert_str_eq(cfg.task.model, "gpt-4o-mini"); /* `:-` also covers empty */
    ck_assert_str_eq(cfg.task.base_url, "http://127.0.0.1:8080/v1");
    ck_assert_str_eq(cfg.task.api_key_env, "$nightly costs $5 and nightly$");
    ck_assert_str_eq(cfg.task.messages[0].text, "Hello, {{input.name}}");
    ck_assert_str_eq(json_string_value(json_object_get(cfg.task.params, "user")), "nightly");
    /* Quoted in the file, so still a string after expansion. */
    ck_assert_str_eq(json_string_value(json_object_get(cfg.task.params, "n")), "2");
    ck_assert_str_eq(cfg.scorers[0].name, "nightly-check");
    /* Scorers read their own keys from `node`: those are expanded too. */
    value = pawl_node_get(cfg.scorers[0].node, "value");
    ck_assert_str_eq(value->value, "");
    ck_assert_uint_eq(value->len, 0);
    /* Plain scalars keep YAML typing after expansion. */
    ck_assert_int_eq(cfg.run.concurrency, 4);
    ck_assert_int_eq(cfg.run.timeout_ms, 120000);
    /* Keys are never expanded. */
    ck_assert_ptr_nonnull(pawl_node_get(cfg.root, "version"));
    pawl_config_release(&cfg);

    /* A set variable wins over the default. */
    setenv("PAWL_TEST_DATA_DIR", "nightly-evals", 1);
    setenv("PAWL_TEST_UNSET_CONCURRENCY", "32", 1);
    PAWL_ASSERT_OK(pawl_config_load(&cfg, "pawl.yaml", &err), &err);
    ck_assert_str_eq(cfg.dataset.path, "nightly-evals/cases.jsonl");
    ck_assert_int_eq(cfg.run.concurrency, 32);
    pawl_config_release(&cfg);

    /* The value is used as is, never expanded again. */
    setenv("PAWL_TEST_SUITE", "${HOME}", 1);
    PAWL_ASSERT_OK(pawl_config_load(&cfg, "pawl.yaml", &err), &err);
    ck_assert_str_eq(cfg.name, "${HOME}");
    pawl_config_release(&cfg);
}
END_TEST

/* ---- small generated configs for cases that need no fixture directory ---- */

static const char base_config[] = "version: 1\n"
                                  "dataset: {path: cases.jsonl}\n"
                                  "task: {provider: outputs}\n"
                                  "scorers: [{type: equals}]\n";

static const struct {
    const char *extra;
    long timeout_ms;
    const char *cache; /* relative to the tmp config dir; NULL for off */
} run_variants[] = {
    {"run: {timeout: 250ms}\n", 250, ".pawl/cache"},
    {"run: {timeout: 2m, cache: false}\n", 120000, NULL},
    {"run: {timeout: 1.5, cache: 'off'}\n", 1500, "off"}, /* quoted: a directory named off */
    {"run: {timeout: 1h, cache: build/../cache}\n", 3600000, "build/../cache"},
    {"run: {timeout: \"45s\", cache: OFF}\n", 45000, NULL},
};

START_TEST(test_run_variants)
{
    char *dir = pawl_xasprintf("%s/config/run%d", PAWL_TEST_TMP, _i);
    char *path = pawl_xasprintf("%s/pawl.yaml", dir);
    char *text = pawl_xasprintf("%s%s", base_config, run_variants[_i].extra);
    char *cache = NULL;
    struct pawl_config cfg;
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_fs_mkdirs(dir, &err), &err);
    PAWL_ASSERT_OK(pawl_fs_write_atomic(path, text, strlen(text), &err), &err);
    PAWL_ASSERT_OK(pawl_config_load(&cfg, path, &err), &err);
    ck_assert_int_eq(cfg.run.timeout_ms, run_variants[_i].timeout_ms);
    if (run_variants[_i].cache) {
        cache = pawl_xasprintf("%s/%s", dir, run_variants[_i].cache);
        ck_assert_str_eq(cfg.run.cache, cache);
    } else {
        ck_assert_ptr_null(cfg.run.cache);
    }
    pawl_config_release(&cfg);
    free(cache);
    free(text);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_missing_file)
{
    struct pawl_config cfg;
    struct pawl_error err;

    ck_assert_int_eq(chdir(VALID_DIR), 0);
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_config_load(&cfg, "nope/pawl.yaml", &err), &err, PAWL_EDATA,
                    "cannot open 'nope/pawl.yaml': No such file or directory");
    ck_assert_int_eq(pawl_error_exit_code(&err), 2);
    assert_zeroed(&cfg);
}
END_TEST

START_TEST(test_release_zeroed)
{
    struct pawl_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    pawl_config_release(&cfg);
    pawl_config_release(NULL);
    assert_zeroed(&cfg);
}
END_TEST

/* ---- durations -------------------------------------------------------------- */

static const struct {
    const char *text;
    long ms;
} durations[] = {
    {"250ms", 250},
    {"60s", 60000},
    {"2m", 120000},
    {"1h", 3600000},
    {"60", 60000},
    {"1", 1000},
    {"0.5", 500},
    {"1.5s", 1500},
    {"1.25m", 75000},
    {"0.5ms", 1},
    {"007s", 7000},
    {"2147483647ms", 2147483647},
    {"596h", 2145600000},
    {"597h", -1}, /* past INT_MAX milliseconds */
    {"2147483648ms", -1},
    {"999999999999999999h", -1},
    {"0", -1},
    {"0s", -1},
    {"0.4ms", -1},
    {"-1s", -1},
    {"+5s", -1},
    {"", -1},
    {"s", -1},
    {"ms", -1},
    {".5s", -1},
    {"5.s", -1},
    {"5.", -1},
    {"1e3", -1},
    {"0x10", -1},
    {"5 s", -1},
    {" 5s", -1},
    {"5s ", -1},
    {"5S", -1},
    {"5sec", -1},
    {"1d", -1},
    {"1h30m", -1},
    {"inf", -1},
    {"nan", -1},
};

/* Paths that stay inside by their letters but leave through a symbolic link. */
static const struct {
    const char *link, *target, *yaml_path_line, *want;
} symlink_cases[] = {
    {"evals/link.jsonl", "../../outside/cases.jsonl", "dataset: {path: evals/link.jsonl}",
     "pawl.yaml:2:17: path 'evals/link.jsonl' escapes the repository through a symbolic link"},
    {"evals/dir", "../../outside", "dataset: {path: evals/dir/cases.jsonl}",
     "pawl.yaml:2:17: path 'evals/dir/cases.jsonl' escapes the repository through a symbolic link"},
    {"out", "../outside", "dataset: {path: evals/cases.jsonl}\nreport: {json: out/new/r.json}",
     "pawl.yaml:3:16: path 'out/new/r.json' escapes the repository through a symbolic link"},
    /* a link that stays inside is fine */
    {"evals/alias.jsonl", "cases.jsonl", "dataset: {path: evals/alias.jsonl}", NULL},
};

START_TEST(test_symlink_escape)
{
    char *root = pawl_test_scratch_root("symlinks"), *repo, *cfgpath, *yaml, *link;
    struct pawl_config cfg;
    struct pawl_error err;
    char msg[512];
    int rc;

    repo = pawl_xasprintf("%s/repo", root);
    pawl_test_write_at(root, "outside/cases.jsonl", "{\"id\": \"a\", \"input\": \"x\"}\n");
    pawl_test_write_at(repo, ".git/HEAD", "ref: refs/heads/main\n");
    pawl_test_write_at(repo, "evals/cases.jsonl", "{\"id\": \"a\", \"input\": \"x\"}\n");
    link = pawl_xasprintf("%s/%s", repo, symlink_cases[_i].link);
    ck_assert_int_eq(symlink(symlink_cases[_i].target, link), 0);
    yaml = pawl_xasprintf("version: 1\n%s\ntask: {provider: outputs}\nscorers: [{type: is-json}]\n",
                          symlink_cases[_i].yaml_path_line);
    pawl_test_write_at(repo, "pawl.yaml", yaml);
    cfgpath = pawl_xasprintf("%s/pawl.yaml", repo);
    pawl_error_init(&err);
    rc = pawl_config_load(&cfg, cfgpath, &err);
    if (symlink_cases[_i].want) {
        ck_assert_int_eq(rc, PAWL_ECONFIG);
        /* the source is the config's path as given; compare what follows it */
        pawl_error_format(&err, msg, sizeof(msg));
        ck_assert_str_eq(strstr(msg, "pawl.yaml:"), symlink_cases[_i].want);
    } else {
        PAWL_ASSERT_OK(rc, &err);
        pawl_config_release(&cfg);
    }
    free(cfgpath);
    free(yaml);
    free(link);
    free(repo);
    pawl_test_scratch_remove(&root);
}
END_TEST

/* ---- bytes that are not text ---------------------------------------------------- */

#define HOSTILE_HEAD "version: 1\ndataset: {path: evals/cases.jsonl}\n"
#define HOSTILE_TAIL "\nscorers: [{type: is-json}]\n"
#define HOSTILE_PROMPT HOSTILE_HEAD "task: {provider: echo, prompt: prompts/p.md}" HOSTILE_TAIL
#define PROMPT_AT "pawl.yaml:3:32: cannot use prompt file 'prompts/p.md': "
#define BYTES(s) s, sizeof(s) - 1

/* A pawl.yaml and a prompt file holding what careless or hostile input holds. */
static const struct {
    const char *yaml;
    size_t yaml_len;
    const char *prompt; /* prompts/p.md, or NULL for none */
    size_t prompt_len;
    const char *want; /* NULL: loads */
} hostile_cases[] = {
    {BYTES(HOSTILE_PROMPT), BYTES("Hello\0world {{input}}"),
     PROMPT_AT "unexpected NUL byte (is this a text file?)"},
    {BYTES(HOSTILE_PROMPT), BYTES("\xff\xfeH\0i\0 \0{\0{\0"),
     PROMPT_AT "invalid UTF-8 (the file is UTF-16; save it as UTF-8)"},
    {BYTES(HOSTILE_PROMPT), BYTES("caf\xe9 {{input}}"), PROMPT_AT "invalid UTF-8"},
    {BYTES(HOSTILE_PROMPT), BYTES("\xef\xbb\xbf\x63\x61\x66\xc3\xa9 {{input}}\n"), NULL},
    {BYTES(HOSTILE_HEAD "task: {provider: echo, messages: [{role: user, content: \"a\\0b\"}]}"
           HOSTILE_TAIL),
     NULL, 0, "pawl.yaml:3:57: a value must not contain a NUL character"},
    {BYTES(HOSTILE_PROMPT "\"task\\0x\": 1\n"), BYTES("{{input}}"),
     "pawl.yaml:5:1: a key must not contain a NUL character"},
    {BYTES("version: 1\n\0"), NULL, 0,
     "pawl.yaml:2:1: invalid YAML: control characters are not allowed"},
};

START_TEST(test_hostile_text)
{
    char *root = pawl_test_scratch_root("hostile"), *path;
    struct pawl_config cfg;
    struct pawl_error err;

    pawl_error_init(&err);
    pawl_test_write_at(root, "evals/cases.jsonl", "{\"id\": \"a\", \"input\": \"x\"}\n");
    path = pawl_xasprintf("%s/prompts/p.md", root);
    if (hostile_cases[_i].prompt)
        PAWL_ASSERT_OK(pawl_fs_write_atomic(path, hostile_cases[_i].prompt,
                                            hostile_cases[_i].prompt_len, &err),
                       &err);
    free(path);
    path = pawl_xasprintf("%s/pawl.yaml", root);
    PAWL_ASSERT_OK(pawl_fs_write_atomic(path, hostile_cases[_i].yaml, hostile_cases[_i].yaml_len,
                                        &err),
                   &err);
    ck_assert_int_eq(chdir(root), 0);
    if (hostile_cases[_i].want) {
        PAWL_ASSERT_ERR(pawl_config_load(&cfg, "pawl.yaml", &err), &err, PAWL_ECONFIG,
                        hostile_cases[_i].want);
        assert_zeroed(&cfg);
    } else {
        PAWL_ASSERT_OK(pawl_config_load(&cfg, "pawl.yaml", &err), &err);
        pawl_config_release(&cfg);
    }
    free(path);
    pawl_test_scratch_remove(&root);
}
END_TEST

/* A config of a gigabyte (sparse, so the test costs nothing) is refused after 8 MiB. */
START_TEST(test_huge_config)
{
    char *root = pawl_test_scratch_root("huge"), *path, *want;
    struct pawl_config cfg;
    struct pawl_error err;

    pawl_error_init(&err);
    path = pawl_xasprintf("%s/pawl.yaml", root);
    pawl_test_write_file(path, "version: 1\n");
    ck_assert_int_eq(truncate(path, (off_t)1 << 30), 0);
    want = pawl_xasprintf("'%s' is larger than 8388608 bytes", path);
    PAWL_ASSERT_ERR(pawl_config_load(&cfg, path, &err), &err, PAWL_EDATA, want);
    assert_zeroed(&cfg);
    free(want);
    free(path);
    pawl_test_scratch_remove(&root);
}
END_TEST

START_TEST(test_parse_duration)
{
    ck_assert_msg(pawl_config_parse_duration(durations[_i].text) == durations[_i].ms,
                  "'%s' -> %ld, want %ld", durations[_i].text,
                  pawl_config_parse_duration(durations[_i].text), durations[_i].ms);
}
END_TEST

START_TEST(test_parse_duration_null)
{
    ck_assert_int_eq(pawl_config_parse_duration(NULL), -1);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc;

    tc = tcase_create("invalid");
    tcase_add_test(tc, test_invalid_case_count);
    tcase_add_loop_test(tc, test_invalid_case, 0, (int)n_invalid_cases);
    suite_add_tcase(s, tc);

    tc = tcase_create("valid");
    tcase_add_test(tc, test_full_example);
    tcase_add_loop_test(tc, test_relative_load, 0, N(relative_loads));
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_cache_off_and_limits);
    tcase_add_test(tc, test_env_expansion);
    tcase_add_loop_test(tc, test_run_variants, 0, N(run_variants));
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_release_zeroed);
    tcase_add_loop_test(tc, test_symlink_escape, 0, N(symlink_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_add_loop_test(tc, test_hostile_text, 0, N(hostile_cases));
    tcase_add_test(tc, test_huge_config);
    suite_add_tcase(s, tc);

    tc = tcase_create("duration");
    tcase_add_loop_test(tc, test_parse_duration, 0, N(durations));
    tcase_add_test(tc, test_parse_duration_null);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int rc;

    scan_invalid_cases();
    rc = pawl_test_run(config_suite());
    free_invalid_cases();
    return rc;
}
