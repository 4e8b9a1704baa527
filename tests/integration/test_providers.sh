# The offline providers: echo renders the prompt, outputs scores recorded
# answers; template variables are checked against every case before running.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAWL_TMP"
mkdir -p prompts
cat > cases.jsonl <<'JSONL'
{"id": "q1", "input": {"question": "Capital of France?", "ctx": {"a": [1, 2]}}, "expected_output": "Paris", "output": "It is Paris."}
{"id": "q2", "input": {"question": "Capital of Italy?", "ctx": {"a": []}}, "expected_output": "Rome", "output": "It is Milan."}
JSONL
printf 'You answer briefly.' > prompts/system.md
cat > pawl.yaml <<'YAML'
version: 1
name: providers
dataset: {path: cases.jsonl}
task:
  provider: echo
  messages:
    - {role: system, file: prompts/system.md}
    - {role: user, content: "{{input.question}} ctx={{input.ctx}}"}
scorers:
  - {name: asks, type: contains, value: "{{input.question}}"}
YAML
run_pawl run --json r.json
expect_status 0 "echo provider"
expect_eq "$(json_get r.json 'd["cases"][0]["trials"][0]["output"]')" \
    'You answer briefly.

Capital of France? ctx={"a":[1,2]}' "echo renders messages; objects as JSON"

# A variable that one case lacks is a config error naming the template and the case.
cat >> cases.jsonl <<'JSONL'
{"id": "q3", "input": {"quest": "typo"}, "expected_output": "x"}
JSONL
run_pawl validate
expect_status 2 "missing template variable"
expect_eq "$err" "pawl.yaml:8:30: unknown template variable 'input.question' (case 'q3' at cases.jsonl:3)" "missing variable message"
run_pawl run
expect_status 2 "run refuses too, before any call"

# outputs: score answers recorded in the dataset, no calls at all.
head -n 2 cases.jsonl > rec.jsonl
cat > pawl.yaml <<'YAML'
version: 1
dataset: {path: rec.jsonl}
task: {provider: outputs}
scorers: [{name: correct, type: icontains, value: "{{expected_output}}"}]
gate: {rules: [{metric: correct, min: 0.5}]}
YAML
run_pawl run --json r.json --junit j.xml
expect_status 0 "outputs provider at the threshold"
expect_eq "$(json_get r.json 'd["metrics"]["correct"]["mean"], d["cases"][1]["passed"]')" "0.5 False" "outputs scored"
check_junit j.xml "outputs junit"
sed -i 's/min: 0.5/min: 0.51/' pawl.yaml
run_pawl run
expect_status 1 "outputs provider below the threshold"
printf '{"id": "q9", "input": "no output here"}\n' >> rec.jsonl
run_pawl validate
expect_status 2 "outputs provider needs the field"
expect_eq "$err" "rec.jsonl:3: case 'q9' has no 'output' field to score (task.provider is 'outputs')" "missing output message"
finish
