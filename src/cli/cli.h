/* The command-line shell over libpawl: one file per command, a table in main.c. */
#ifndef PAWL_CLI_H
#define PAWL_CLI_H

#include "pawl/error.h"

/* Exit statuses: the contract of DESIGN.md 2.2. */
enum {
    PAWL_EXIT_PASS = 0,
    PAWL_EXIT_FAIL = 1,
    PAWL_EXIT_USAGE = 2,
    PAWL_EXIT_INFRA = 3,
};

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_dataset(int argc, char **argv);
int cmd_push(int argc, char **argv);
/* `pawl dataset` subcommands; argv[0] is the subcommand's name. */
int cmd_dataset_pull(int argc, char **argv);
int cmd_dataset_push(int argc, char **argv);
int cmd_dataset_add(int argc, char **argv);

/* Prints the error the way editors and CI logs link it; returns its exit status. */
int cli_report_error(const struct pawl_error *err);

/* Prints "pawl: <msg>" plus a hint to use --help; returns PAWL_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) PAWL_PRINTF(2, 3);

/*
 * The end of a command's getopt_long() switch, for `opt` none of its own
 * cases took: 'h' prints `help` and returns PAWL_EXIT_PASS; ':' (a missing
 * value) and anything else (an unknown option) are usage errors naming
 * argv[optind - 1].
 */
int cli_option_default(const char *cmd, const char *help, int opt, char **argv);

struct pawl_baseline_spec;
struct pawl_config;
struct pawl_results;

/*
 * Loads the baseline `arg` (--baseline) names, else the config's
 * baseline.file (at baseline.ref), into `base`; `cfg` may be NULL. Leaves
 * spec->label NULL when there is none. baseline.rerun, which each command
 * treats its own way, is the caller's to check first.
 */
int cli_load_baseline(struct pawl_baseline_spec *spec, struct pawl_results *base,
                      const struct pawl_config *cfg, const char *arg, struct pawl_error *err);

/*
 * Prints the terminal summary. Case ids and scorer comments quote dataset text
 * and model output, so under GitHub Actions the summary is printed with the
 * runner's workflow commands stopped.
 */
void cli_print_summary(const struct pawl_results *r);

/* Flushes stdout and turns a write error into exit status 3. */
int cli_finish(int status);

#endif
