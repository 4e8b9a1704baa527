#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "pawl/baseline.h"
#include "pawl/config.h"
#include "pawl/node.h"
#include "pawl/report.h"

static const struct cli_command commands[] = {
    {"run", cmd_run, "run the candidate over the dataset, score it and gate the result"},
    {"validate", cmd_validate, "check config, dataset and templates without calling anything"},
    {"compare", cmd_compare, "compare two results files offline, with the same statistics"},
    {"baseline", cmd_baseline, "promote a results file to be the baseline ('baseline promote')"},
    {"merge", cmd_merge, "join the results of shards run as a CI matrix into one"},
    {"hook", cmd_hook, "install or remove the git pre-push hook that runs the gate"},
    {"report", cmd_report, "re-render JUnit, Markdown and the summary from a results file"},
    {"dataset", cmd_dataset, "add a failing case to the dataset; pull or push a Langfuse dataset"},
    {"push", cmd_push, "send a results file to Langfuse as an experiment, with its scores"},
    {"init", cmd_init, "scaffold pawl.yaml and a starter dataset that pass 'pawl run'"},
};

static void usage(FILE *fp)
{
    size_t i;

    fprintf(fp, "usage: pawl <command> [options]\n"
                "\n"
                "pawl is a regression gate for LLM applications: it runs a prompt, model or\n"
                "agent over a versioned dataset of annotated cases, scores every output and\n"
                "fails the build when a threshold is missed.\n"
                "\n"
                "commands:\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\n"
                "exit status:\n"
                "  0  the gate passed\n"
                "  1  the gate failed: a threshold was missed or a regression found\n"
                "  2  usage, config or data error (bad flag, invalid pawl.yaml, malformed dataset)\n"
                "  3  runtime or infrastructure error (agent or provider failing, I/O, interrupted)\n"
                "\n"
                "start with:  pawl init && pawl run\n"
                "more help:   pawl <command> --help\n");
}

int cli_report_error(const struct pawl_error *err)
{
    char msg[PAWL_ERROR_SOURCE_MAX + PAWL_ERROR_MSG_MAX + 64];

    pawl_error_format(err, msg, sizeof(msg));
    if (err->source[0])
        fprintf(stderr, "%s\n", msg);
    else
        fprintf(stderr, "pawl: %s\n", msg);
    return pawl_error_exit_code(err);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "pawl: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd && cmd[0])
        fprintf(stderr, "\nTry 'pawl %s --help'.\n", cmd);
    else
        fprintf(stderr, "\nTry 'pawl --help'.\n");
    return PAWL_EXIT_USAGE;
}

int cli_option_default(const char *cmd, const char *help, int opt, char **argv)
{
    if (opt == 'h') {
        fputs(help, stdout);
        return PAWL_EXIT_PASS;
    }
    if (opt == ':')
        return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
    return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

int cli_load_baseline(struct pawl_baseline_spec *spec, struct pawl_results *base,
                      const struct pawl_config *cfg, const char *arg, struct pawl_error *err)
{
    const struct pawl_node *node;

    if (arg) {
        pawl_baseline_spec_from_arg(spec, arg);
    } else if (cfg && cfg->baseline.file) {
        pawl_baseline_spec_from_config(spec, cfg->baseline.file, cfg->baseline.ref);
    } else if (cfg && cfg->baseline.ref) {
        node = pawl_node_get(cfg->root, "baseline");
        return pawl_error_set(err, PAWL_ECONFIG, cfg->path, node ? node->line : 0,
                              node ? node->col : 0,
                              "'baseline.ref' needs 'baseline.file' (or 'rerun: true')");
    } else {
        return 0;
    }
    return pawl_baseline_load(base, spec, err);
}

void cli_print_summary(const struct pawl_results *r)
{
    char token[PAWL_GITHUB_TOKEN_LEN];
    int stopped = pawl_report_github_stop_commands(stdout, token);

    pawl_report_terminal(stdout, r, isatty(1) && !getenv("NO_COLOR"));
    if (stopped)
        pawl_report_github_resume_commands(stdout, token);
}

int cli_finish(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "pawl: cannot write to standard output\n");
        return PAWL_EXIT_INFRA;
    }
    return status;
}

int main(int argc, char **argv)
{
    size_t i;

    if (argc < 2) {
        usage(stderr);
        return PAWL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("pawl %s\n", PAWL_VERSION);
        return cli_finish(PAWL_EXIT_PASS);
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        if (argc > 2 && strcmp(argv[1], "help") == 0) {
            for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
                if (strcmp(commands[i].name, argv[2]) == 0) {
                    char *sub[] = {argv[2], (char *)"--help", NULL};
                    return commands[i].run(2, sub);
                }
            }
        }
        usage(stdout);
        return cli_finish(PAWL_EXIT_PASS);
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, argv[1]) == 0)
            return cli_finish(commands[i].run(argc - 1, argv + 1));
    return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}
