/* realpath() is XSI, not plain POSIX.1-2008. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pawl/alloc.h"
#include "pawl/buf.h"
#include "pawl/hook.h"

static const char hook_help[] =
    "usage: pawl hook install [-c pawl.yaml] [--paths GLOB]... [--force]\n"
    "       pawl hook uninstall\n"
    "       pawl hook run [-c pawl.yaml] [--paths GLOB]... REMOTE URL   (git runs this)\n"
    "\n"
    "'pawl hook install' writes a git pre-push hook that runs the gate ('pawl run')\n"
    "before a push, but only when the pushed commits change something the gate\n"
    "reads; every other push goes through in milliseconds. A failing gate (exit 1)\n"
    "or a gate that cannot run (exit 2 or 3) blocks the push.\n"
    "\n"
    "What the gate reads, and so what makes a push run it:\n"
    "  - the config file itself\n"
    "  - dataset.path, baseline.file and every prompt file (task.prompt,\n"
    "    task.messages[].file)\n"
    "  - files and directories named in an exec task's command, e.g. agent.sh\n"
    "    in [sh, agent.sh]\n"
    "  - paths matching a --paths GLOB: relative to the repository root, '*'\n"
    "    stops at '/', and a glob matching a directory covers what is under it\n"
    "What a push changes: the difference between the commit the remote has and\n"
    "the one pushed; a new branch is compared with where it left its upstream or\n"
    "the remote's branches. Deleting a branch and pushing tags never run the gate.\n"
    "\n"
    "Skip the hook for one push with 'git push --no-verify'.\n"
    "\n"
    "The hook goes to core.hooksPath when that is set, else .git/hooks/pre-push.\n"
    "It runs the pawl binary that installed it (else 'pawl' on PATH), so install\n"
    "again after moving pawl. A pre-push hook pawl did not write is never\n"
    "replaced without --force, nor removed by 'pawl hook uninstall'.\n"
    "\n"
    "'pawl hook run' is what the hook executes: it reads git's pre-push lines\n"
    "('<local ref> <local sha> <remote ref> <remote sha>') on stdin.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE  the config the gate runs (default: pawl.yaml)\n"
    "      --paths GLOB   also run the gate when a path matching GLOB changes\n"
    "                     (repeatable), e.g. 'agents/*.py' or src/prompts\n"
    "      --force        install over a pre-push hook that pawl did not write\n"
    "  -h, --help         show this help\n"
    "\n"
    "examples:\n"
    "  pawl hook install\n"
    "  pawl hook install -c evals/pawl.yaml --paths 'agents/*.py' --paths lib/prompts\n"
    "  git push --no-verify     # skip the gate once\n"
    "  pawl hook uninstall\n";

#define HOOK_MAX_INPUT (16 * 1024 * 1024)
#define HOOK_LIST_MAX 5

struct hook_args {
    const char *config;
    const char **globs;
    size_t n_globs, alloc;
    int force;
    int first; /* index of the first positional argument */
};

enum { ALLOW_CONFIG = 1, ALLOW_FORCE = 2 };

/* Returns -1 to go on, else the exit status to return (after --help or a usage error). */
static int parse_args(struct hook_args *a, int argc, char **argv, int allow)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"paths", required_argument, NULL, 'p'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt, idx = -1;

    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":c:h", longopts, &idx)) != -1) {
        if (((opt == 'c' || opt == 'p') && !(allow & ALLOW_CONFIG)) ||
            (opt == 'f' && !(allow & ALLOW_FORCE))) {
            /* argv[optind - 1] may be the option's value here, so name the option itself. */
            if (idx >= 0)
                return cli_usage_error("hook", "unknown option '--%s' for 'hook %s'",
                                       longopts[idx].name, argv[0]);
            return cli_usage_error("hook", "unknown option '-%c' for 'hook %s'", opt, argv[0]);
        }
        idx = -1;
        switch (opt) {
        case 'c':
            a->config = optarg;
            break;
        case 'p':
            PAWL_ALLOC_GROW(a->globs, a->n_globs + 1, a->alloc);
            a->globs[a->n_globs++] = optarg;
            break;
        case 'f':
            a->force = 1;
            break;
        case 'h':
            fputs(hook_help, stdout);
            return PAWL_EXIT_PASS;
        case ':':
            return cli_usage_error("hook", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("hook", "unknown option '%s' for 'hook %s'", argv[optind - 1],
                                   argv[0]);
        }
    }
    a->first = optind;
    return -1;
}

/* The binary running now, so the hook runs the same pawl whatever PATH says. */
static char *self_path(void)
{
    return realpath("/proc/self/exe", NULL);
}

static int hook_install(struct hook_args *a, int argc, char **argv)
{
    struct pawl_hook_install_options opts;
    struct pawl_error err;
    char *display = NULL;
    int status;

    if (a->first < argc)
        return cli_usage_error("hook", "unexpected argument '%s'", argv[a->first]);
    pawl_error_init(&err);
    memset(&opts, 0, sizeof(opts));
    opts.config = a->config;
    opts.globs = a->globs;
    opts.n_globs = a->n_globs;
    opts.force = a->force;
    opts.pawl_path = self_path();
    if (pawl_hook_install(&display, ".", &opts, &err) < 0) {
        status = cli_report_error(&err);
    } else {
        printf("installed the pre-push hook '%s': it runs the gate of '%s' before a push that "
               "changes what the gate reads\n"
               "skip it once with 'git push --no-verify'; remove it with 'pawl hook uninstall'\n",
               display, a->config);
        status = PAWL_EXIT_PASS;
    }
    free((char *)opts.pawl_path);
    free(display);
    return status;
}

static int hook_uninstall(struct hook_args *a, int argc, char **argv)
{
    struct pawl_error err;
    char *display = NULL;
    int removed = 0, status = PAWL_EXIT_PASS;

    if (a->first < argc)
        return cli_usage_error("hook", "unexpected argument '%s'", argv[a->first]);
    pawl_error_init(&err);
    if (pawl_hook_uninstall(&display, &removed, ".", &err) < 0)
        status = cli_report_error(&err);
    else if (removed)
        printf("removed the pre-push hook '%s'\n", display);
    else
        printf("no pre-push hook at '%s'; nothing to remove\n", display);
    free(display);
    return status;
}

static int read_stdin(struct pawl_buf *out, struct pawl_error *err)
{
    char chunk[8192];

    for (;;) {
        ssize_t n = read(0, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "cannot read the pre-push input: %s",
                                  strerror(errno));
        if (n == 0)
            return 0;
        if (out->len + (size_t)n > HOOK_MAX_INPUT || pawl_buf_add(out, chunk, (size_t)n) < 0)
            return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                                  "the pre-push input is larger than %d bytes", HOOK_MAX_INPUT);
    }
}

static void list_paths(const struct pawl_hook_paths *p)
{
    size_t i;

    for (i = 0; i < p->n && i < HOOK_LIST_MAX; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", p->v[i]);
    if (p->n > HOOK_LIST_MAX)
        fprintf(stderr, " and %zu more", p->n - HOOK_LIST_MAX);
}

static int blocked(int status)
{
    if (status == PAWL_EXIT_FAIL)
        fprintf(stderr, "pawl: the gate failed; push blocked (fix it, or push with --no-verify "
                        "to skip)\n");
    else if (status != PAWL_EXIT_PASS)
        fprintf(stderr, "pawl: the gate could not run; push blocked (fix it, or push with "
                        "--no-verify to skip)\n");
    return status;
}

static int hook_run(struct hook_args *a, int argc, char **argv)
{
    struct pawl_buf input = PAWL_BUF_INIT;
    struct pawl_hook_input in;
    struct pawl_hook_decision d;
    struct pawl_error err;
    char *run_argv[5];
    int status;

    memset(&in, 0, sizeof(in));
    memset(&d, 0, sizeof(d));
    pawl_error_init(&err);
    if (argc - a->first != 2) {
        status = cli_usage_error("hook", "'hook run' expects REMOTE and URL, the arguments git "
                                         "passes to a pre-push hook");
        goto done;
    }
    if (read_stdin(&input, &err) < 0 ||
        pawl_hook_parse_input(&in, input.ptr, input.len, &err) < 0 ||
        pawl_hook_decide(&d, ".", a->config, a->globs, a->n_globs, argv[a->first], &in, &err) < 0) {
        status = blocked(cli_report_error(&err));
        goto done;
    }
    if (d.config_missing) {
        fprintf(stderr, "pawl: '%s' does not exist in this checkout; nothing to gate\n", a->config);
        status = PAWL_EXIT_PASS;
        goto done;
    }
    if (!d.run_gate) {
        fprintf(stderr, "pawl: no eval-relevant changes in this push\n");
        status = PAWL_EXIT_PASS;
        goto done;
    }
    fprintf(stderr, "pawl: eval-relevant changes (");
    list_paths(&d.relevant);
    fprintf(stderr, "); running the gate\n");
    run_argv[0] = (char *)"run";
    run_argv[1] = (char *)"-c";
    run_argv[2] = (char *)a->config;
    run_argv[3] = (char *)"-q"; /* the summary only when the gate fails */
    run_argv[4] = NULL;
    /* cmd_run parses with getopt too; 0 makes glibc start over, permutation state included. */
    optind = 0;
    status = cmd_run(4, run_argv);
    if (status == PAWL_EXIT_PASS)
        fprintf(stderr, "pawl: the gate passed\n");
    status = blocked(status);
done:
    pawl_hook_decision_release(&d);
    pawl_hook_input_release(&in);
    pawl_buf_release(&input);
    return status;
}

int cmd_hook(int argc, char **argv)
{
    struct hook_args a;
    const char *sub;
    int status, allow;

    memset(&a, 0, sizeof(a));
    a.config = "pawl.yaml";
    if (argc < 2)
        return cli_usage_error("hook", "expected 'install', 'uninstall' or 'run'");
    sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        fputs(hook_help, stdout);
        return PAWL_EXIT_PASS;
    }
    if (strcmp(sub, "install") == 0)
        allow = ALLOW_CONFIG | ALLOW_FORCE;
    else if (strcmp(sub, "run") == 0)
        allow = ALLOW_CONFIG;
    else if (strcmp(sub, "uninstall") == 0)
        allow = 0;
    else
        return cli_usage_error("hook",
                               "unknown hook command '%s' (expected 'install', "
                               "'uninstall' or 'run')",
                               sub);
    status = parse_args(&a, argc - 1, argv + 1, allow);
    if (status < 0) {
        if (strcmp(sub, "install") == 0)
            status = hook_install(&a, argc - 1, argv + 1);
        else if (strcmp(sub, "run") == 0)
            status = hook_run(&a, argc - 1, argv + 1);
        else
            status = hook_uninstall(&a, argc - 1, argv + 1);
    }
    free(a.globs);
    return status;
}
