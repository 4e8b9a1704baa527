/*
 * template.h - Mustache-style `{{path.to.value}}` templates.
 *
 * A template is compiled once and rendered per case against a JSON object
 * of variables (id, input, expected_output, metadata and, for scorers,
 * output). Paths walk objects by key and arrays by decimal index
 * (`input.turns.0.text`); whitespace inside the braces is ignored.
 * Strings render as they are, numbers and booleans as JSON text, null as
 * the empty string, objects and arrays as compact JSON with keys in their
 * original order. A path that does not resolve is an error, never an
 * empty string. `{{{{` is not special; an unclosed `{{` is a compile error.
 *
 * Ownership: pawl_template_compile() returns a heap object for
 * pawl_template_free(); the template keeps no reference to the variables.
 */
#ifndef PAWL_TEMPLATE_H
#define PAWL_TEMPLATE_H

#include <jansson.h>

#include "pawl/buf.h"
#include "pawl/error.h"

struct pawl_template;

/*
 * `source`, `line`, `col` locate the first character of `text` so compile
 * errors point into the file the template came from (line/col advance over
 * the text; col is 0 to report lines only).
 */
int pawl_template_compile(struct pawl_template **out, const char *text, const char *source,
                          int line, int col, struct pawl_error *err);

/* Appends the rendering to `out`. Fails with PAWL_EDATA naming the variable:
 * `unknown template variable 'input.qestion'` located at its `{{`. */
int pawl_template_render(struct pawl_buf *out, const struct pawl_template *t, const json_t *vars,
                         struct pawl_error *err);

/* Checks every variable resolves against `vars`, without rendering; PAWL_ECONFIG. */
int pawl_template_check(const struct pawl_template *t, const json_t *vars,
                        struct pawl_error *err);

/* True when the template uses a variable whose path starts with `root` ("output"). */
int pawl_template_uses(const struct pawl_template *t, const char *root);

/*
 * When the template is exactly one variable and no text (`{{input.n}}`), the
 * value it names (borrowed from `vars`), else NULL. JSON request bodies use
 * it so that such a field keeps the variable's type instead of a string.
 */
const json_t *pawl_template_sole_value(const struct pawl_template *t, const json_t *vars);

void pawl_template_free(struct pawl_template *t);

/* Renders one JSON value the way templates do (strings raw, null empty). */
void pawl_template_render_value(struct pawl_buf *out, const json_t *value);

#endif
