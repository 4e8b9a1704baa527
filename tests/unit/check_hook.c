/* realpath() is XSI, not plain POSIX.1-2008. */
#define _XOPEN_SOURCE 700

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/hook.h"

#define ZEROS "0000000000000000000000000000000000000000"
#define SHA_A "1111111111111111111111111111111111111111"
#define SHA_B "abcdefABCDEF0123456789abcdef0123456789ab"

/* Per-test scratch: each test forks and gets its own remote and clone. */
static char *tmp;      /* unique directory under run_root */
static char *repo;     /* tmp/repo: a clone of tmp/remote.git, see setup() */
static char *cwd;      /* restored after tests that chdir (matters with CK_FORK=no) */
static char *run_root; /* PAWL_TEST_TMP/hook-XXXXXX, one per run */

static void enter(const char *dir)
{
    ck_assert_msg(chdir(dir) == 0, "cannot enter %s", dir);
}

/* Space-separated, for one-line comparisons. */
static char *joined(const struct pawl_hook_paths *p)
{
    struct pawl_buf b = PAWL_BUF_INIT;
    size_t i;

    for (i = 0; i < p->n; i++)
        pawl_buf_printf(&b, "%s%s", i ? " " : "", p->v[i]);
    return pawl_buf_detach(&b, NULL);
}

static void run_setup(void)
{
    run_root = pawl_test_scratch_root("hook");
}

static void run_teardown(void)
{
    pawl_test_scratch_remove(&run_root);
}

static const char config_text[] =
    "version: 1\n"
    "dataset: {path: evals/qa.jsonl}\n"
    "task:\n"
    "  provider: exec\n"
    "  command: [sh, agent.sh, --lib, tools, /bin/true, --quiet, missing.sh]\n"
    "  messages:\n"
    "    - {role: system, file: prompts/system.md}\n"
    "    - {role: user, content: '{{input}}'}\n"
    "scorers: [{name: ok, type: contains, value: a}]\n"
    "baseline: {file: .pawl/baseline.json}\n";

/*
 * A seed commit pushed to a bare remote and cloned, so the clone has
 * origin/HEAD and main tracks origin/main, as after a real `git clone`.
 */
static void setup(void)
{
    char *seed;

    pawl_test_git_env();
    cwd = getcwd(NULL, 0);
    tmp = pawl_test_scratch_dir(run_root, "t");
    seed = pawl_xasprintf("%s/seed", tmp);
    repo = pawl_xasprintf("%s/repo", tmp);
    pawl_test_sh("git -c init.defaultBranch=main init -q '%s'", seed);
    pawl_test_write_at(seed, "pawl.yaml", config_text);
    pawl_test_write_at(seed, "evals/qa.jsonl", "{\"id\": \"1\", \"input\": \"a\"}\n");
    pawl_test_write_at(seed, "prompts/system.md", "Be brief.\n");
    pawl_test_write_at(seed, "agent.sh", "cat\n");
    pawl_test_write_at(seed, "tools/lib.sh", "true\n");
    pawl_test_write_at(seed, ".pawl/baseline.json", "{}\n");
    pawl_test_write_at(seed, "README.md", "hello\n");
    pawl_test_write_at(seed, "src/app.c", "int x;\n");
    pawl_test_sh("git -C '%s' add -A && git -C '%s' commit -q -m seed", seed, seed);
    pawl_test_sh("git clone -q --bare '%s' '%s/remote.git'", seed, tmp);
    pawl_test_sh("git clone -q '%s/remote.git' '%s'", tmp, repo);
    pawl_test_scratch_remove(&seed);
    enter(repo);
}

static void teardown(void)
{
    pawl_test_scratch_leave(&cwd, &tmp);
    free(repo);
    repo = NULL;
}

/* ---- parsing the pre-push input ------------------------------------------ */

static const struct {
    const char *text;
    size_t n;
    const char *first; /* "local_ref local_oid remote_ref remote_oid line" of the first update */
} inputs[] = {
    {"", 0, NULL},
    {"\n\n", 0, NULL},
    {"refs/heads/main " SHA_A " refs/heads/main " ZEROS "\n", 1,
     "refs/heads/main " SHA_A " refs/heads/main " ZEROS " 1"},
    {"(delete) " ZEROS " refs/heads/old " SHA_B, 1,
     "(delete) " ZEROS " refs/heads/old " SHA_B " 1"},
    {"\r\nrefs/tags/v1\t" SHA_A "  refs/tags/v1 " ZEROS "\r\n"
     "refs/heads/a " SHA_B " refs/heads/b " SHA_A "\n",
     2, "refs/tags/v1 " SHA_A " refs/tags/v1 " ZEROS " 2"},
};

START_TEST(test_parse_input)
{
    struct pawl_hook_input in;
    struct pawl_error err;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_hook_parse_input(&in, inputs[_i].text, strlen(inputs[_i].text), &err),
                   &err);
    ck_assert_uint_eq(in.n, inputs[_i].n);
    if (inputs[_i].first) {
        char *got = pawl_xasprintf("%s %s %s %s %d", in.v[0].local_ref, in.v[0].local_oid,
                                   in.v[0].remote_ref, in.v[0].remote_oid, in.v[0].line);
        ck_assert_str_eq(got, inputs[_i].first);
        free(got);
    }
    if (in.n == 2) {
        ck_assert_str_eq(in.v[1].local_ref, "refs/heads/a");
        ck_assert_str_eq(in.v[1].remote_ref, "refs/heads/b");
        ck_assert_int_eq(in.v[1].line, 3);
    }
    pawl_hook_input_release(&in);
}
END_TEST

static const struct {
    const char *text;
    size_t len; /* 0: strlen */
    const char *want;
} bad_inputs[] = {
    {"refs/heads/main " SHA_A " refs/heads/main\n", 0,
     "pre-push input line 1: expected 4 fields (local ref, local sha, remote ref, remote sha), "
     "got 3"},
    {"\nrefs/heads/main " SHA_A " refs/heads/main " ZEROS " extra\n", 0,
     "pre-push input line 2: expected 4 fields (local ref, local sha, remote ref, remote sha), "
     "got 5"},
    {"refs/heads/main " SHA_A " refs/heads/main " ZEROS "\nmain xyz main " ZEROS "\n", 0,
     "pre-push input line 2: 'xyz' is not an object id"},
    {"main " SHA_A " main " SHA_A "0\n", 0,
     "pre-push input line 1: '" SHA_A "0' is not an object id"},
    {"main " SHA_A " main g" SHA_A "\n", 0,
     "pre-push input line 1: 'g" SHA_A "' is not an object id"},
    {"main \0 x y\n", 11, "pre-push input line 1: unexpected NUL byte"},
};

START_TEST(test_parse_input_errors)
{
    struct pawl_hook_input in;
    struct pawl_error err;
    size_t len = bad_inputs[_i].len ? bad_inputs[_i].len : strlen(bad_inputs[_i].text);

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_hook_parse_input(&in, bad_inputs[_i].text, len, &err), &err, PAWL_EUSAGE,
                    bad_inputs[_i].want);
    ck_assert_uint_eq(in.n, 0);
    ck_assert_ptr_null(in.v);
}
END_TEST

/* ---- what the gate reads ------------------------------------------------- */

START_TEST(test_targets)
{
    static const char *const globs[] = {"docs/*.md", "lib", "*.py"};
    static const struct {
        const char *path;
        int want;
    } cases[] = {
        {"pawl.yaml", 1},
        {"evals/qa.jsonl", 1},
        {"evals/other.jsonl", 0},
        {"prompts/system.md", 1},
        {"prompts/other.md", 0},
        {"agent.sh", 1},
        {"tools/lib.sh", 1},
        {"tools/deep/x", 1},
        {"toolsx/a", 0},
        {"tools", 0},
        {".pawl/baseline.json", 1},
        {"README.md", 0},
        {"missing.sh", 0},
        {"docs/a.md", 1},
        {"docs/sub/a.md", 0},
        {"lib/deep/x.py", 1},
        {"libx/a", 0},
        {"x.py", 1},
        {"agents/x.py", 0},
    };
    struct pawl_hook_targets t;
    struct pawl_error err;
    char *workdir = pawl_xasprintf("%s/", repo), *files, *dirs;
    size_t i;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_hook_targets_load(&t, workdir, "pawl.yaml", globs, 3, &err), &err);
    files = joined(&t.files);
    dirs = joined(&t.dirs);
    ck_assert_str_eq(files,
                     ".pawl/baseline.json agent.sh evals/qa.jsonl pawl.yaml prompts/system.md");
    ck_assert_str_eq(dirs, "tools");
    ck_assert_int_eq(t.config_missing, 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(pawl_hook_targets_match(&t, cases[i].path) == cases[i].want,
                      "'%s' should %smatch", cases[i].path, cases[i].want ? "" : "not ");
    free(files);
    free(dirs);
    free(workdir);
    pawl_hook_targets_release(&t);
}
END_TEST

/* A config in a subdirectory, loaded from the root or from beside it. */
static const struct {
    const char *cwd; /* relative to the repository */
    const char *config;
} nested[] = {
    {".", "nested/pawl.yaml"},
    {"nested", "pawl.yaml"},
    {"src", "../nested/./pawl.yaml"},
};

START_TEST(test_targets_nested)
{
    struct pawl_hook_targets t;
    struct pawl_error err;
    char *workdir = pawl_xasprintf("%s/", repo), *files, *dir;

    pawl_test_write_at(repo, "nested/pawl.yaml",
                       "version: 1\n"
                       "dataset: {path: ../evals/qa.jsonl}\n"
                       "task: {provider: exec, command: [sh, ../agent.sh], prompt: p.md}\n"
                       "scorers: [{type: contains, value: a}]\n");
    pawl_test_write_at(repo, "nested/p.md", "hi\n");
    dir = pawl_xasprintf("%s/%s", repo, nested[_i].cwd);
    enter(dir);
    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_hook_targets_load(&t, workdir, nested[_i].config, NULL, 0, &err), &err);
    files = joined(&t.files);
    ck_assert_str_eq(files, "agent.sh evals/qa.jsonl nested/p.md nested/pawl.yaml");
    ck_assert_uint_eq(t.dirs.n, 0);
    free(files);
    free(dir);
    free(workdir);
    pawl_hook_targets_release(&t);
}
END_TEST

START_TEST(test_targets_config_missing)
{
    static const char *const globs[] = {"prompts"};
    struct pawl_hook_targets t;
    struct pawl_error err;
    char *workdir = pawl_xasprintf("%s/", repo), *files;

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_hook_targets_load(&t, workdir, "evals/pawl.yaml", globs, 1, &err), &err);
    files = joined(&t.files);
    ck_assert_str_eq(files, "evals/pawl.yaml");
    ck_assert_int_eq(t.config_missing, 1);
    ck_assert_int_eq(pawl_hook_targets_match(&t, "prompts/system.md"), 1);
    free(files);
    free(workdir);
    pawl_hook_targets_release(&t);
}
END_TEST

START_TEST(test_targets_invalid_config)
{
    struct pawl_hook_targets t;
    struct pawl_error err;
    char *workdir = pawl_xasprintf("%s/", repo);

    pawl_test_write_at(repo, "pawl.yaml", "version: 1\ndatset: {path: x}\n");
    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_hook_targets_load(&t, workdir, "pawl.yaml", NULL, 0, &err), &err,
                    PAWL_ECONFIG, "pawl.yaml:2:1: unknown key 'datset' (did you mean 'dataset'?)");
    ck_assert_ptr_null(t.files.v);
    free(workdir);
}
END_TEST

/* ---- what a push changes, and whether it matters ------------------------- */

static const struct {
    const char *name;
    const char *prepare; /* shell commands run in the clone */
    const char *input;   /* shell commands printing the pre-push input */
    const char *remote;
    const char *glob;    /* one --paths glob or NULL */
    const char *changed; /* pawl_hook_changed_paths, space-separated */
    const char *relevant;
    int run_gate;
} pushes[] = {
    {"irrelevant update", "echo more >> README.md && git commit -qam readme",
     "echo refs/heads/main $(git rev-parse HEAD) refs/heads/main $(git rev-parse origin/main)",
     "origin", NULL, "README.md", "", 0},
    {"irrelevant update, --paths covers it", "echo more >> README.md && git commit -qam readme",
     "echo refs/heads/main $(git rev-parse HEAD) refs/heads/main $(git rev-parse origin/main)",
     "origin", "*.md", "README.md", "README.md", 1},
    {"dataset update", "echo '{}' >> evals/qa.jsonl && echo x >> src/app.c && git commit -qam d",
     "echo refs/heads/main $(git rev-parse HEAD) refs/heads/main $(git rev-parse origin/main)",
     "origin", NULL, "evals/qa.jsonl src/app.c", "evals/qa.jsonl", 1},
    {"prompt, agent and a file in a command directory, over two commits",
     "echo x >> prompts/system.md && git commit -qam p && echo x >> agent.sh && "
     "echo x > tools/new.sh && git add -A && git commit -qm a",
     "echo refs/heads/main $(git rev-parse HEAD) refs/heads/main $(git rev-parse origin/main)",
     "origin", NULL, "agent.sh prompts/system.md tools/new.sh",
     "agent.sh prompts/system.md tools/new.sh", 1},
    {"a file changed and changed back",
     "echo x >> evals/qa.jsonl && git commit -qam a && git revert --no-edit HEAD >/dev/null",
     "echo refs/heads/main $(git rev-parse HEAD) refs/heads/main $(git rev-parse origin/main)",
     "origin", NULL, "", "", 0},
    {"renamed dataset", "git mv evals/qa.jsonl evals/renamed.jsonl && git commit -qm mv",
     "echo refs/heads/main $(git rev-parse HEAD) refs/heads/main $(git rev-parse origin/main)",
     "origin", NULL, "evals/qa.jsonl evals/renamed.jsonl", "evals/qa.jsonl", 1},
    {"deletion", "true", "echo '(delete)' " ZEROS " refs/heads/main $(git rev-parse origin/main)",
     "origin", NULL, "", "", 0},
    {"tag of a dataset change", "echo x >> evals/qa.jsonl && git commit -qam d && git tag v1",
     "echo refs/tags/v1 $(git rev-parse v1) refs/tags/v1 " ZEROS, "origin", NULL, "", "", 0},
    {"annotated tag", "echo x >> evals/qa.jsonl && git commit -qam d && git tag -am v1 v1",
     "echo refs/tags/v1 $(git rev-parse v1) refs/tags/v1 " ZEROS, "origin", NULL, "", "", 0},
    {"empty push", "true", "true", "origin", NULL, "", "", 0},
    {"new branch with an upstream",
     "git checkout -q -b feat origin/main && echo x >> prompts/system.md && git commit -qam p",
     "echo refs/heads/feat $(git rev-parse HEAD) refs/heads/feat " ZEROS, "origin", NULL,
     "prompts/system.md", "prompts/system.md", 1},
    {"HEAD:topic from a branch tracking another remote branch",
     "git checkout -q -b side && echo x >> agent.sh && git commit -qam a && "
     "git push -q origin side 2>/dev/null && git checkout -q -b feat origin/side && "
     "echo x >> README.md && git commit -qam r",
     "echo HEAD $(git rev-parse HEAD) refs/heads/topic " ZEROS, "origin", NULL, "README.md", "",
     0},
    {"new branch without an upstream: origin/HEAD",
     "git checkout -q -b feat && echo x >> README.md && git commit -qam r",
     "echo refs/heads/feat $(git rev-parse HEAD) refs/heads/feat " ZEROS, "origin", NULL,
     "README.md", "", 0},
    {"new branch carrying unpushed work of main",
     "echo x >> evals/qa.jsonl && git commit -qam d && git checkout -q -b feat && "
     "echo x >> README.md && git commit -qam r",
     "echo refs/heads/feat $(git rev-parse HEAD) refs/heads/feat " ZEROS, "origin", NULL,
     "README.md evals/qa.jsonl", "evals/qa.jsonl", 1},
    {"new branch, no origin/HEAD: nearest remote branch",
     "git remote set-head origin -d && git checkout -q -b side && echo x >> agent.sh && "
     "git commit -qam a && git push -q origin side 2>/dev/null && git checkout -q -b feat && "
     "echo x >> README.md && git commit -qam r",
     "echo refs/heads/feat $(git rev-parse HEAD) refs/heads/feat " ZEROS, "origin", NULL,
     "README.md", "", 0},
    {"new branch pushed to a URL: every file",
     "git checkout -q -b feat && echo x >> README.md && git commit -qam r",
     "echo refs/heads/feat $(git rev-parse HEAD) refs/heads/feat " ZEROS, "../remote.git", NULL,
     ".pawl/baseline.json README.md agent.sh evals/qa.jsonl pawl.yaml prompts/system.md "
     "src/app.c tools/lib.sh",
     ".pawl/baseline.json agent.sh evals/qa.jsonl pawl.yaml prompts/system.md tools/lib.sh", 1},
    {"existing commit as a new branch", "git branch -q same origin/main",
     "echo refs/heads/same $(git rev-parse same) refs/heads/same " ZEROS, "origin", NULL, "", "",
     0},
    {"remote sha unknown here: merge-base with the upstream",
     "echo x >> README.md && git commit -qam r",
     "echo refs/heads/main $(git rev-parse HEAD) refs/heads/main " SHA_B, "origin", NULL,
     "README.md", "", 0},
    {"two refs: the union",
     "echo x >> README.md && git commit -qam r && git checkout -q -b feat && "
     "echo '# c' >> pawl.yaml && git commit -qam c",
     "echo refs/heads/main $(git rev-parse main) refs/heads/main $(git rev-parse origin/main); "
     "echo refs/heads/feat $(git rev-parse feat) refs/heads/feat " ZEROS,
     "origin", NULL, "README.md pawl.yaml", "pawl.yaml", 1},
};

START_TEST(test_push)
{
    struct pawl_hook_input in;
    struct pawl_hook_paths changed;
    struct pawl_hook_decision d;
    struct pawl_error err;
    const char *globs[1] = {pushes[_i].glob};
    char *text, *got;

    pawl_error_init(&err);
    pawl_test_sh("%s", pushes[_i].prepare);
    text = pawl_test_sh_output("%s", pushes[_i].input);
    PAWL_ASSERT_OK(pawl_hook_parse_input(&in, text, strlen(text), &err), &err);

    PAWL_ASSERT_OK(pawl_hook_changed_paths(&changed, ".", pushes[_i].remote, &in, &err), &err);
    got = joined(&changed);
    ck_assert_msg(strcmp(got, pushes[_i].changed) == 0, "%s: changed '%s', want '%s'",
                  pushes[_i].name, got, pushes[_i].changed);
    free(got);

    PAWL_ASSERT_OK(pawl_hook_decide(&d, repo, "pawl.yaml", globs, pushes[_i].glob ? 1 : 0,
                                    pushes[_i].remote, &in, &err),
                   &err);
    got = joined(&d.relevant);
    ck_assert_msg(strcmp(got, pushes[_i].relevant) == 0, "%s: relevant '%s', want '%s'",
                  pushes[_i].name, got, pushes[_i].relevant);
    ck_assert_int_eq(d.run_gate, pushes[_i].run_gate);
    ck_assert_int_eq(d.config_missing, 0);
    free(got);
    pawl_hook_decision_release(&d);
    pawl_hook_paths_release(&changed);
    pawl_hook_input_release(&in);
    free(text);
}
END_TEST

START_TEST(test_decide_config_missing)
{
    struct pawl_hook_input in;
    struct pawl_hook_decision d;
    struct pawl_error err;
    char *text;

    pawl_error_init(&err);
    pawl_test_sh("git rm -q pawl.yaml && echo x >> evals/qa.jsonl && git commit -qam gone");
    text = pawl_test_sh_output("echo refs/heads/main $(git rev-parse HEAD) refs/heads/main "
                               "$(git rev-parse origin/main)");
    PAWL_ASSERT_OK(pawl_hook_parse_input(&in, text, strlen(text), &err), &err);
    PAWL_ASSERT_OK(pawl_hook_decide(&d, ".", "pawl.yaml", NULL, 0, "origin", &in, &err), &err);
    ck_assert_int_eq(d.config_missing, 1);
    ck_assert_int_eq(d.run_gate, 0);
    pawl_hook_decision_release(&d);
    pawl_hook_input_release(&in);
    free(text);
}
END_TEST

START_TEST(test_decide_errors)
{
    struct pawl_hook_input in;
    struct pawl_hook_decision d;
    struct pawl_error err;
    char *text = pawl_xasprintf("refs/heads/x %s refs/heads/x %s\n", SHA_A, ZEROS);

    pawl_error_init(&err);
    PAWL_ASSERT_OK(pawl_hook_parse_input(&in, text, strlen(text), &err), &err);
    PAWL_ASSERT_ERR(pawl_hook_decide(&d, ".", "pawl.yaml", NULL, 0, "origin", &in, &err), &err,
                    PAWL_EIO, "pre-push input line 1: unknown local object '" SHA_A "'");
    ck_assert_ptr_null(d.relevant.v);
    pawl_error_clear(&err);
    PAWL_ASSERT_ERR(pawl_hook_decide(&d, "/", "pawl.yaml", NULL, 0, "origin", &in, &err), &err,
                    PAWL_EUSAGE, "cannot inspect the push: '/' is not inside a git repository");
    pawl_error_clear(&err);
    /* An invalid config fails only once something changed. */
    pawl_test_write_at(repo, "pawl.yaml", "version: 1\ndatset: {path: x}\n");
    pawl_test_sh("git commit -qam broken");
    pawl_hook_input_release(&in);
    free(text);
    text = pawl_test_sh_output("echo refs/heads/main $(git rev-parse HEAD) refs/heads/main "
                               "$(git rev-parse origin/main)");
    PAWL_ASSERT_OK(pawl_hook_parse_input(&in, text, strlen(text), &err), &err);
    PAWL_ASSERT_ERR(pawl_hook_decide(&d, ".", "pawl.yaml", NULL, 0, "origin", &in, &err), &err,
                    PAWL_ECONFIG, "pawl.yaml:2:1: unknown key 'datset' (did you mean 'dataset'?)");
    pawl_hook_input_release(&in);
    free(text);
}
END_TEST

/* ---- the hook file ------------------------------------------------------- */

static void assert_mode_0755(const char *path)
{
    struct stat st;

    ck_assert_msg(stat(path, &st) == 0, "'%s' is missing", path);
    ck_assert_msg((st.st_mode & 07777) == 0755, "'%s' has mode %o", path,
                  (unsigned)(st.st_mode & 07777));
}

START_TEST(test_install_and_uninstall)
{
    static const char *const globs[] = {"lib/*.py"};
    struct pawl_hook_install_options opts = {"pawl.yaml", globs, 1, "/opt/pawl/bin/pawl", 0};
    struct pawl_error err;
    char *display = NULL, *hook = pawl_xasprintf("%s/.git/hooks/pre-push", repo), *got, *want;
    int removed = -1;

    pawl_error_init(&err);
    pawl_test_sh("rm -f .git/hooks/*"); /* the sample hooks of git's template */
    PAWL_ASSERT_OK(pawl_hook_install(&display, ".", &opts, &err), &err);
    ck_assert_str_eq(display, ".git/hooks/pre-push");
    free(display);
    got = pawl_test_read_file(hook);
    want = pawl_hook_script("/opt/pawl/bin/pawl", "pawl.yaml", globs, 1);
    ck_assert_str_eq(got, want);
    assert_mode_0755(hook);
    free(got);
    /* Its own hook is replaced without --force; no temporary file stays behind. */
    PAWL_ASSERT_OK(pawl_hook_install(&display, repo, &opts, &err), &err);
    free(display);
    got = pawl_test_sh_output("ls -A .git/hooks");
    ck_assert_str_eq(got, "pre-push\n");
    free(got);

    PAWL_ASSERT_OK(pawl_hook_uninstall(&display, &removed, ".", &err), &err);
    ck_assert_str_eq(display, ".git/hooks/pre-push");
    ck_assert_int_eq(removed, 1);
    ck_assert_int_ne(access(hook, F_OK), 0);
    free(display);
    PAWL_ASSERT_OK(pawl_hook_uninstall(&display, &removed, ".", &err), &err);
    ck_assert_int_eq(removed, 0);
    free(display);
    free(want);
    free(hook);
}
END_TEST

START_TEST(test_foreign_hook)
{
    static const char foreign[] = "#!/bin/sh\n# installed by husky\nexit 0\n";
    struct pawl_hook_install_options opts = {"pawl.yaml", NULL, 0, NULL, 0};
    struct pawl_error err;
    char *display = NULL, *hook = pawl_xasprintf("%s/.git/hooks/pre-push", repo), *got;
    int removed = -1;

    pawl_error_init(&err);
    pawl_test_write_at(repo, ".git/hooks/pre-push", foreign);
    PAWL_ASSERT_ERR(pawl_hook_install(&display, ".", &opts, &err), &err, PAWL_EUSAGE,
                    "'.git/hooks/pre-push' exists and was not installed by pawl (use --force to "
                    "replace it)");
    ck_assert_ptr_null(display);
    pawl_error_clear(&err);
    PAWL_ASSERT_ERR(pawl_hook_uninstall(&display, &removed, ".", &err), &err, PAWL_EUSAGE,
                    "'.git/hooks/pre-push' was not installed by pawl; leaving it in place");
    ck_assert_int_eq(removed, 0);
    free(display);
    pawl_error_clear(&err);
    got = pawl_test_read_file(hook);
    ck_assert_str_eq(got, foreign);
    free(got);
    /* A dangling symlink is someone's hook too. */
    pawl_test_sh("rm .git/hooks/pre-push && ln -s /nonexistent/hook .git/hooks/pre-push");
    PAWL_ASSERT_ERR(pawl_hook_install(&display, ".", &opts, &err), &err, PAWL_EUSAGE,
                    "'.git/hooks/pre-push' exists and was not installed by pawl (use --force to "
                    "replace it)");
    pawl_error_clear(&err);
    opts.force = 1;
    PAWL_ASSERT_OK(pawl_hook_install(&display, ".", &opts, &err), &err);
    free(display);
    got = pawl_test_read_file(hook);
    ck_assert_ptr_nonnull(strstr(got, "\n" PAWL_HOOK_MARKER "\n"));
    free(got);
    assert_mode_0755(hook);
    free(hook);
}
END_TEST

static const struct {
    const char *hooks_path; /* %s: the scratch directory */
    const char *display;    /* %s: the scratch directory */
    const char *file;       /* %s: the scratch directory */
} hooks_paths[] = {
    {"githooks", "githooks/pre-push", "%s/repo/githooks/pre-push"},
    {"ci/hooks/", "ci/hooks/pre-push", "%s/repo/ci/hooks/pre-push"},
    {"%s/shared-hooks", "%s/shared-hooks/pre-push", "%s/shared-hooks/pre-push"},
};

START_TEST(test_hooks_path)
{
    struct pawl_hook_install_options opts = {"pawl.yaml", NULL, 0, NULL, 0};
    struct pawl_error err;
    char *display = NULL, *value = pawl_xasprintf(hooks_paths[_i].hooks_path, tmp);
    char *want_display = pawl_xasprintf(hooks_paths[_i].display, tmp);
    char *file = pawl_xasprintf(hooks_paths[_i].file, tmp), *real_tmp = realpath(tmp, NULL);
    int removed = 0;

    ck_assert_str_eq(real_tmp, tmp); /* displays are canonical paths */
    pawl_error_init(&err);
    pawl_test_sh("git config core.hooksPath '%s'", value);
    PAWL_ASSERT_OK(pawl_hook_install(&display, ".", &opts, &err), &err);
    ck_assert_str_eq(display, want_display);
    assert_mode_0755(file);
    ck_assert_int_ne(access(".git/hooks/pre-push", F_OK), 0);
    free(display);
    PAWL_ASSERT_OK(pawl_hook_uninstall(&display, &removed, ".", &err), &err);
    ck_assert_int_eq(removed, 1);
    ck_assert_int_ne(access(file, F_OK), 0);
    free(display);
    free(real_tmp);
    free(file);
    free(want_display);
    free(value);
}
END_TEST

START_TEST(test_install_errors)
{
    struct pawl_hook_install_options opts = {"nope.yaml", NULL, 0, NULL, 0};
    struct pawl_error err;
    char *display = NULL, *bare = pawl_xasprintf("%s/remote.git", tmp);
    char *outside = pawl_xasprintf("%s/outside.yaml", tmp), *want;
    int removed = 0;

    pawl_error_init(&err);
    PAWL_ASSERT_ERR(pawl_hook_install(&display, ".", &opts, &err), &err, PAWL_EUSAGE,
                    "config 'nope.yaml' does not exist (create one with 'pawl init', or name it "
                    "with -c)");
    pawl_error_clear(&err);
    pawl_test_write_at(tmp, "outside.yaml", config_text);
    opts.config = outside;
    want = pawl_xasprintf("config '%s' is outside the repository '%s'", outside, repo);
    PAWL_ASSERT_ERR(pawl_hook_install(&display, ".", &opts, &err), &err, PAWL_EUSAGE, want);
    pawl_error_clear(&err);
    opts.config = "pawl.yaml";
    PAWL_ASSERT_ERR(pawl_hook_install(&display, bare, &opts, &err), &err, PAWL_EUSAGE,
                    "cannot install the pre-push hook: the repository is bare (no work tree to "
                    "gate)");
    pawl_error_clear(&err);
    PAWL_ASSERT_ERR(pawl_hook_uninstall(&display, &removed, "/", &err), &err, PAWL_EUSAGE,
                    "cannot uninstall the pre-push hook: '/' is not inside a git repository");
    ck_assert_ptr_null(display);
    free(want);
    free(outside);
    free(bare);
}
END_TEST

/* The script, run by sh with a stand-in pawl whose path needs quoting. */
START_TEST(test_script_runs)
{
    static const char *const globs[] = {"it's/*", "a b"};
    struct pawl_hook_install_options opts = {"pawl.yaml", globs, 2, NULL, 0};
    struct pawl_error err;
    char *fake = pawl_xasprintf("%s/it's here/pawl", tmp), *display = NULL, *got, *want;

    pawl_test_write_at(tmp, "it's here/pawl",
                       "#!/bin/sh\necho \"cwd=$(pwd -P)\"; printf '[%s]' \"$@\"\n");
    pawl_test_sh("chmod 755 \"%s/it's here/pawl\"", tmp);
    pawl_test_write_at(repo, "nested/pawl.yaml", config_text);
    opts.pawl_path = fake;
    pawl_error_init(&err);
    enter("nested"); /* the config path in the hook is relative to the work tree root */
    PAWL_ASSERT_OK(pawl_hook_install(&display, ".", &opts, &err), &err);
    free(display);
    want = pawl_xasprintf("cwd=%s\n[hook][run][-c][nested/pawl.yaml][--paths][it's/*][--paths]"
                          "[a b][--][origin][file:///x y]",
                          repo);
    /* From a subdirectory: the hook goes to the work tree root first. */
    got =
        pawl_test_sh_output("cd ../src && ../.git/hooks/pre-push origin 'file:///x y' </dev/null");
    ck_assert_str_eq(got, want);
    free(got);

    /* Installed without a known binary: pawl is looked up on PATH. */
    opts.pawl_path = NULL;
    PAWL_ASSERT_OK(pawl_hook_install(&display, ".", &opts, &err), &err);
    free(display);
    got = pawl_test_sh_output(
        "PATH=\"%s/it's here:$PATH\" ../.git/hooks/pre-push origin 'file:///x y'", tmp);
    ck_assert_str_eq(got, want);
    free(got);
    got = pawl_test_sh_output(
        "PATH=/nonexistent ../.git/hooks/pre-push origin url 2>&1; echo \"status=$?\"");
    ck_assert_str_eq(got, "pawl: cannot find the pawl binary; reinstall the hook with 'pawl "
                          "hook install', or push with --no-verify\nstatus=1\n");
    free(got);
    free(want);
    free(fake);
}
END_TEST

static Suite *hook_suite(void)
{
    Suite *s = suite_create("hook");
    TCase *tc = tcase_create("core");

    tcase_add_unchecked_fixture(tc, run_setup, run_teardown);
    tcase_add_loop_test(tc, test_parse_input, 0, (int)(sizeof(inputs) / sizeof(inputs[0])));
    tcase_add_loop_test(tc, test_parse_input_errors, 0,
                        (int)(sizeof(bad_inputs) / sizeof(bad_inputs[0])));
    suite_add_tcase(s, tc);

    tc = tcase_create("repo");
    tcase_add_unchecked_fixture(tc, run_setup, run_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_targets);
    tcase_add_loop_test(tc, test_targets_nested, 0, (int)(sizeof(nested) / sizeof(nested[0])));
    tcase_add_test(tc, test_targets_config_missing);
    tcase_add_test(tc, test_targets_invalid_config);
    tcase_add_loop_test(tc, test_push, 0, (int)(sizeof(pushes) / sizeof(pushes[0])));
    tcase_add_test(tc, test_decide_config_missing);
    tcase_add_test(tc, test_decide_errors);
    tcase_add_test(tc, test_install_and_uninstall);
    tcase_add_test(tc, test_foreign_hook);
    tcase_add_loop_test(tc, test_hooks_path, 0,
                        (int)(sizeof(hooks_paths) / sizeof(hooks_paths[0])));
    tcase_add_test(tc, test_install_errors);
    tcase_add_test(tc, test_script_runs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return pawl_test_run(hook_suite());
}
