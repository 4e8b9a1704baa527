#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "pawl/alloc.h"
#include "pawl/fs.h"

static const char init_help[] =
    "usage: pawl init [DIR] [--force]\n"
    "\n"
    "Writes a starter pawl.yaml and evals/cases.jsonl into DIR (default: the\n"
    "current directory). The starter task uses the 'echo' provider, so\n"
    "'pawl run' passes at once with no model and no API key; replace the task\n"
    "with your agent or model and the cases with your own.\n"
    "\n"
    "options:\n"
    "      --force   overwrite existing files\n"
    "  -h, --help    show this help\n";

static const char starter_config[] =
    "# pawl.yaml: the regression gate for this project. 'pawl run --help' explains the run.\n"
    "version: 1\n"
    "name: starter\n"
    "\n"
    "dataset:\n"
    "  path: evals/cases.jsonl        # one case per line: id, input, expected_output, metadata\n"
    "\n"
    "task:\n"
    "  # 'echo' answers with the rendered prompt, so this gate runs without a model.\n"
    "  # For an agent of your own:   provider: exec\n"
    "  #                             command: [python3, agent.py]   # case JSON on stdin\n"
    "  provider: echo\n"
    "  messages:\n"
    "    - {role: user, content: \"{{input.question}}\"}\n"
    "\n"
    "scorers:\n"
    "  - {name: asks_question, type: regex, value: '\\?\\s*$'}\n"
    "  - {name: on_topic, type: icontains, value: \"{{metadata.topic}}\"}\n"
    "\n"
    "gate:\n"
    "  rules:\n"
    "    - {metric: asks_question, min: 1.0}\n"
    "    - {metric: on_topic, min: 0.9}\n";

static const char starter_cases[] =
    "{\"id\": \"capital-fr\", \"input\": {\"question\": \"What is the capital of France?\"}, "
    "\"expected_output\": \"Paris\", \"metadata\": {\"topic\": \"capital\"}}\n"
    "{\"id\": \"refund-window\", \"input\": {\"question\": \"How many days do I have to ask "
    "for a refund?\"}, \"expected_output\": \"30 days\", \"metadata\": {\"topic\": "
    "\"refund\"}}\n"
    "{\"id\": \"reset-password\", \"input\": {\"question\": \"How do I reset my "
    "password?\"}, \"expected_output\": \"Use the 'Forgot password' link\", \"metadata\": "
    "{\"topic\": \"password\"}}\n";

static int refuse_existing(const char *path, struct pawl_error *err)
{
    struct stat st;

    if (stat(path, &st) == 0)
        return pawl_error_set(err, PAWL_EUSAGE, NULL, 0, 0,
                              "'%s' already exists (use --force to overwrite)", path);
    return 0;
}

int cmd_init(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = ".";
    char *config = NULL, *cases = NULL;
    struct pawl_error err;
    int opt, force = 0, status = PAWL_EXIT_PASS;

    pawl_error_init(&err);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            force = 1;
            break;
        default:
            return cli_option_default("init", init_help, opt, argv);
        }
    }
    if (argc - optind > 1)
        return cli_usage_error("init", "unexpected argument '%s'", argv[optind + 1]);
    if (optind < argc)
        dir = argv[optind];

    config = pawl_xasprintf("%s/pawl.yaml", dir);
    cases = pawl_xasprintf("%s/evals/cases.jsonl", dir);
    /* Check both first so a refusal leaves nothing half-written. */
    if ((!force && (refuse_existing(config, &err) < 0 || refuse_existing(cases, &err) < 0)) ||
        pawl_fs_write_atomic(cases, starter_cases, strlen(starter_cases), &err) < 0 ||
        pawl_fs_write_atomic(config, starter_config, strlen(starter_config), &err) < 0) {
        status = cli_report_error(&err);
        goto done;
    }
    if (strcmp(dir, ".") == 0)
        printf("wrote %s and %s\nnext: pawl run\n", config, cases);
    else
        printf("wrote %s and %s\nnext: cd %s && pawl run\n", config, cases, dir);
done:
    free(config);
    free(cases);
    return status;
}
