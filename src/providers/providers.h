/* The provider ops table entries; each lives in its own file in this folder. */
#ifndef PAWL_PROVIDERS_H
#define PAWL_PROVIDERS_H

#include "pawl/provider.h"

extern const struct pawl_provider_ops pawl_provider_exec_ops;
extern const struct pawl_provider_ops pawl_provider_echo_ops;
extern const struct pawl_provider_ops pawl_provider_outputs_ops;
extern const struct pawl_provider_ops pawl_provider_openai_ops;
extern const struct pawl_provider_ops pawl_provider_anthropic_ops;
extern const struct pawl_provider_ops pawl_provider_http_ops;

#endif
