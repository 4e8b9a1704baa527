#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char dataset_help[] =
    "usage: pawl dataset add --from RESULTS.json --case ID [--to FILE] [--label SCORE=VALUE]...\n"
    "                        [--note TEXT] [--trial N] [--turns SPEC] [--id NEW] [-c pawl.yaml]\n"
    "       pawl dataset pull NAME [-o FILE] [--version TIMESTAMP] [--id-prefix PREFIX]\n"
    "       pawl dataset push FILE --name NAME [--delete] [--description TEXT]\n"
    "                         [--id-prefix PREFIX] [-c pawl.yaml]\n"
    "\n"
    "Keeps the versioned dataset in step with what you learn:\n"
    "  add    appends a case from a results file (a failure you want to keep\n"
    "         fixed) to the dataset, with its output and your label and note\n"
    "  pull   writes a Langfuse dataset's items as a JSONL file to commit\n"
    "  push   creates or updates a Langfuse dataset from a dataset file\n"
    "\n"
    "Langfuse credentials come from LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY,\n"
    "the server from LANGFUSE_BASE_URL (default https://cloud.langfuse.com).\n"
    "\n"
    "more help:  pawl dataset <command> --help\n";

int cmd_dataset(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } subs[] = {{"add", cmd_dataset_add}, {"pull", cmd_dataset_pull}, {"push", cmd_dataset_push}};
    size_t i;

    if (argc < 2)
        return cli_usage_error("dataset", "expected a command: add, pull or push");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(dataset_help, stdout);
        return PAWL_EXIT_PASS;
    }
    for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(argc - 1, argv + 1);
    return cli_usage_error("dataset", "unknown dataset command '%s' (expected add, pull or push)",
                           argv[1]);
}
