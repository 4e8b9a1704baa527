# docs/config.md must not fall behind the code. Every key in the config's key
# tables (src/config.c, src/config_task.c), every scorer type and scorer key
# (src/scorer.c, src/scorers/*.c), every provider name and every built-in metric
# must appear in backticks in the section of the page that documents it. A
# table or scorer file the map below does not know fails the test too, so a new
# section of pawl.yaml cannot go undocumented. The binary then confirms what
# the sources said, and the page's complete example must validate.
. "$(dirname "$0")/lib.sh"
set -e

doc=$PAWL_SRC/docs/config.md
py=/usr/bin/python3

# The source scan: one line per finding, "FAIL: why" or "ok: what", then
# "types: t1 t2 ..." and "metrics: m1 m2 ...", which the binary checks below.
capture "$PAWL_TMP" "$py" - "$PAWL_SRC" "$doc" <<'PY'
import glob, os, re, sys

src, doc_path = sys.argv[1], sys.argv[2]
doc = open(doc_path, encoding="utf-8").read().splitlines()

def read(rel):
    return open(os.path.join(src, rel), encoding="utf-8").read()

def strings(body):
    return re.findall(r'"((?:[^"\\]|\\.)*)"', body)

def string_array(text, name, where):
    """The strings of `static const char *const NAME[] = {...};`."""
    m = re.search(r"\b%s\[\]\s*=\s*\{(.*?)\};" % re.escape(name), text, re.S)
    if not m:
        print("FAIL: no string array '%s' in %s" % (name, where))
        return []
    return strings(m.group(1))

def key_tables(rel):
    """{table: [key names]} for every `struct pawl_config_key NAME[]` in a file."""
    text = read(rel)
    out = {}
    for m in re.finditer(r"struct pawl_config_key (\w+)\[\]\s*=\s*\{(.*?)\{0\}\};", text, re.S):
        out[m.group(1)] = re.findall(r'\.name\s*=\s*"([^"]+)"', m.group(2))
    return out

def section(token):
    """The lines under the one heading holding `token`, up to the next heading
    of the same or a higher level."""
    hits = [i for i, l in enumerate(doc) if l.startswith("#") and token in l]
    if len(hits) != 1:
        print("FAIL: %d headings of docs/config.md hold %s (want exactly 1)" % (len(hits), token))
        return None
    start = hits[0]
    level = len(doc[start]) - len(doc[start].lstrip("#"))
    end = start + 1
    while end < len(doc):
        l = doc[end]
        if l.startswith("#") and len(l) - len(l.lstrip("#")) <= level:
            break
        end += 1
    return "\n".join(doc[start:end])

failed = 0

def require(token, what, where, row):
    """`name` in backticks in section `where`; as a table row's first cell when `row`."""
    global failed
    body = section(where)
    if body is None:
        failed += 1
        return
    needle = "| `%s` |" % what if row else "`%s`" % what
    if needle not in body:
        failed += 1
        print("FAIL: %s: the section %s of docs/config.md lacks %s" % (token, where, needle))
    else:
        print("ok: %s %s" % (token, what))

# Each key table, and the heading of the section that must list its keys.
sections = {
    "root_keys": "Top-level keys",
    "dataset_keys": "`dataset`",
    "task_keys": "`task`",
    "price_keys": "`task`",
    "message_keys": "`task.messages`",
    "scorer_keys": "`scorers`",
    "run_keys": "`run`",
    "baseline_keys": "`baseline`",
    "gate_keys": "`gate`",
    "rule_keys": "`gate.rules`",
    "report_keys": "`report`",
    "langfuse_keys": "`report.langfuse`",
    "agreement_rule_keys": "`gate.rules`",
}
tables = {}
for rel in ("src/config.c", "src/config_task.c"):
    tables.update(key_tables(rel))
if len(tables) < len(sections):
    print("FAIL: found %d key tables in the config sources, want at least %d: %s"
          % (len(tables), len(sections), sorted(tables)))
for table, keys in sorted(tables.items()):
    if table not in sections:
        print("FAIL: key table '%s' has no section in test_docs.sh's map: document it, then add it" % table)
        continue
    if not keys:
        print("FAIL: key table '%s' has no keys (did its syntax change?)" % table)
    for k in keys:
        require("key", k, sections[table], row=True)

# Values with a fixed vocabulary.
task_text = read("src/config_task.c")
for name in string_array(task_text, "provider_names", "src/config_task.c"):
    require("provider", name, "`task`", row=False)
for name in string_array(task_text, "role_names", "src/config_task.c"):
    require("role", name, "`task.messages`", row=False)
metrics = string_array(task_text, "builtin_metrics", "src/config_task.c")
for name in metrics:
    require("metric", name, "`gate`", row=True)
for name in string_array(read("src/config.c"), "inconclusive_names", "src/config.c"):
    require("on_inconclusive", name, "`gate`", row=False)

# Scorers: the registry's types, the common keys, and each plug-in's own keys.
scorer_text = read("src/scorer.c")
types = string_array(scorer_text, "scorer_types", "src/scorer.c")
for k in string_array(scorer_text, "common_keys", "src/scorer.c"):
    require("scorer key", k, "`scorers`", row=True)
plugins = {}
for path in sorted(glob.glob(os.path.join(src, "src/scorers/*.c"))):
    text = open(path, encoding="utf-8").read()
    if not re.search(r"const struct pawl_scorer_ops pawl_scorer_\w+_ops\s*=", text):
        continue  # shared code of several plug-ins (tokenize.c), not a plug-in
    t = re.search(r'\.type\s*=\s*"([^"]+)"', text)
    if not t:
        print("FAIL: no .type in %s" % os.path.relpath(path, src))
        continue
    plugins[t.group(1)] = string_array(text, "keys", os.path.relpath(path, src))
if sorted(plugins) != sorted(types):
    print("FAIL: src/scorers/ defines %s but src/scorer.c lists %s" % (sorted(plugins), sorted(types)))
if len(types) < 10:
    print("FAIL: only %d scorer types found in src/scorer.c" % len(types))
for t in types:
    require("scorer type", t, "`%s`" % t, row=False)
    for k in plugins.get(t, []):
        require("%s key" % t, k, "`%s`" % t, row=True)

print("types: " + " ".join(types))
print("metrics: " + " ".join(metrics))
PY
tests_run=$((tests_run + 1))
if [ "$status" -ne 0 ] || grep -q '^FAIL' "$PAWL_TMP/stdout"; then
    fail "docs/config.md misses what the sources define"
    grep '^FAIL' "$PAWL_TMP/stdout" >&2 || printf '%s\n' "$err" >&2
fi
checked=$(grep -c '^ok:' "$PAWL_TMP/stdout" || true)
types=$(sed -n 's/^types: //p' "$PAWL_TMP/stdout")
metrics=$(sed -n 's/^metrics: //p' "$PAWL_TMP/stdout")
[ "$checked" -ge 60 ] || fail "only $checked names checked against docs/config.md; the source scan broke"

# The binary agrees with the scan: each scanned type is a scorer type (so its keys
# are checked: the probe key is refused as unknown), a made-up one is not, and each
# scanned metric can gate.
work=$PAWL_TMP/probe
mkdir -p "$work"
printf '{"id": "c1", "input": "q", "expected_output": "a", "output": "{}"}\n' >"$work/cases.jsonl"
probe() { # probe SCORERS [GATE]: writes pawl.yaml and validates it
    printf 'version: 1\ndataset: {path: cases.jsonl}\ntask: {provider: outputs}\nscorers: [%s]\n%s\n' \
        "$1" "${2:-}" >"$work/pawl.yaml"
    run_pawl validate -c "$work/pawl.yaml"
}
for t in $types; do
    probe "{type: $t, zz_probe: 1}"
    expect_status 2 "scorer type '$t' probe"
    expect_contains "$err" "unknown key 'zz_probe'" "pawl accepts the scanned scorer type '$t'"
done
probe "{type: zz-no-such-type}"
expect_contains "$err" "unknown scorer type 'zz-no-such-type'" "pawl refuses a made-up scorer type"
for m in $metrics; do
    probe "{type: is-json}" "gate: {rules: [{metric: $m, min: 0}]}"
    expect_status 0 "built-in metric '$m' can gate"
done

# The complete example of section 1 validates against the quickstart's agent and dataset.
ex=$PAWL_TMP/example
mkdir -p "$ex/prompts"
cp -r "$PAWL_SRC/examples/quickstart/evals" "$PAWL_SRC/examples/quickstart/agent.sh" "$ex"
printf 'You answer questions about {{metadata.topic}} for the shop.\n' >"$ex/prompts/system.md"
"$py" - "$doc" >"$ex/pawl.yaml" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
part = text.split("\n## 1.", 1)[1]
print(part.split("```yaml\n", 1)[1].split("```", 1)[0], end="")
PY
unset PAWL_CONCURRENCY
run_pawl validate -c "$ex/pawl.yaml"
expect_status 0 "the complete example validates"
expect_eq "$out" "$ex/pawl.yaml: ok (30 cases from evals/support.jsonl, 3 scorers, provider exec)" \
    "the complete example's summary"
# As the page says: no baseline file yet means exit 2 before any call.
run_pawl run -c "$ex/pawl.yaml"
expect_status 2 "the complete example without a baseline file"
expect_contains "$err" ".pawl/baseline.json' does not exist" "missing baseline message"

# The README points at the page.
tests_run=$((tests_run + 1))
grep -qF 'Every key, with defaults: [docs/config.md](docs/config.md)' "$PAWL_SRC/README.md" ||
    fail "README.md links docs/config.md in 'The config'"

finish
