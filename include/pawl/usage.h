/*
 * usage.h - what a model call's token usage means: tokens and, with the
 * config's `price:`, dollars. APIs name the counts differently (OpenAI:
 * prompt_tokens/completion_tokens/total_tokens; Anthropic:
 * input_tokens/output_tokens); both vocabularies are read.
 */
#ifndef PAWL_USAGE_H
#define PAWL_USAGE_H

#include <jansson.h>

#include "pawl/config.h"

/* The call's total tokens: total_tokens, else the sum of the parts present; -1 when none is. */
double pawl_usage_tokens(const json_t *usage);

/* The call's cost under the task's `price:` into *cost; 0, or -1 when there is no price or
 * the usage has no input or output count. */
int pawl_usage_price(const struct pawl_task_config *t, const json_t *usage, double *cost);

#endif
