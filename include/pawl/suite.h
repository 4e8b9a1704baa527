/*
 * suite.h - a config with everything it references loaded and checked.
 *
 * Loading reads pawl.yaml, the dataset, the prompt templates, builds the
 * scorers and the provider, and computes the fingerprints that decide
 * whether two runs may be compared. pawl_suite_check() then proves every
 * template resolves for every case, so a typo in `{{input.qestion}}` is a
 * config error before any call is made, never an empty string at run time.
 *
 * Ownership: a caller-owned struct released with pawl_suite_release(),
 * also after a failed load.
 */
#ifndef PAWL_SUITE_H
#define PAWL_SUITE_H

#include "pawl/config.h"
#include "pawl/dataset.h"
#include "pawl/error.h"
#include "pawl/provider.h"
#include "pawl/scorer.h"
#include "pawl/template.h"

struct pawl_suite {
    struct pawl_config cfg;
    struct pawl_dataset dataset;
    struct pawl_template **messages;
    size_t n_messages;
    struct pawl_scorer **scorers;
    size_t n_scorers;
    const struct pawl_provider_ops *provider;
    void *provider_state;
    struct pawl_provider_env env;
    char task_fingerprint[65];
    char scorers_fingerprint[65];
};

int pawl_suite_load(struct pawl_suite *out, const char *config_path, struct pawl_error *err);
int pawl_suite_check(const struct pawl_suite *s, struct pawl_error *err);
void pawl_suite_release(struct pawl_suite *s);

/* Lower-case hex SHA-256 of `len` bytes into out[65]. */
void pawl_sha256_hex(char out[65], const void *data, size_t len);

#endif
