# llm-judge and exec scorers. The judge is the mock LLM server with scripted
# replies: valid JSON, JSON in a code fence, prose without JSON, a score out
# of range, an unknown category, an HTTP error; each gives the documented
# score or scorer error, never a silent 0. Failure modes become gateable
# metrics; judge calls share the response cache; every built-in rubric
# renders; the exec scorer runs a user's command.
. "$(dirname "$0")/lib.sh"
set -e

log=$PAWL_TMP/mock.log
cat >"$PAWL_TMP/rules.json" <<'JSON'
{"rules": [
  {"match": "CLASSIFY CASE-good", "reply": "{\"reasoning\": \"grounded\", \"score\": \"ok\"}"},
  {"match": "CLASSIFY CASE-bad", "reply": "{\"reasoning\": \"invented\", \"score\": \"Hallucination\"}"},
  {"match": "CLASSIFY CASE-fence", "reply": "{\"reasoning\": \"?\", \"score\": \"weird\"}"},
  {"match": "MET CASE-good", "reply": "{\"reasoning\": \"yes\", \"score\": true}"},
  {"match": "MET", "reply": "{\"reasoning\": \"no\", \"score\": \"yes\"}"},
  {"match": "CASE-good", "reply": "{\"reasoning\": \"states the reference fact\", \"score\": 5}"},
  {"match": "CASE-bad", "reply": "{\"reasoning\": \"wrong city\", \"score\": 1}"},
  {"match": "CASE-fence", "reply": "Sure.\n```json\n{\"reasoning\": \"fenced\", \"score\": 4}\n```\nDone."},
  {"match": "CASE-prose", "reply": "I think it is fine overall."},
  {"match": "CASE-range", "reply": "{\"score\": 9}"},
  {"match": "CASE-down", "fault": "503"}
]}
JSON
start_mock --rules "$PAWL_TMP/rules.json" --log "$log"
mkdir -p "$PAWL_TMP/suite"
cd "$PAWL_TMP/suite"
for c in good bad fence prose range down; do
    printf '{"id": "%s", "input": "question %s", "expected_output": "answer", "output": "CASE-%s", "metadata": {"context": "ctx"}}\n' \
        "$c" "$c" "$c"
done >cases.jsonl
score_of() { # score_of CASE SCORER: that score as Python prints it, without what the judge call cost
    json_get results.json "{k: v for k, v in [c for c in d['cases'] if c['id'] == '$1'][0]['trials'][0]['scores']['$2'].items() if k not in ('cost', 'tokens')}"
}
judge="{provider: openai, model: judge-1, base_url: \"$MOCK_URL/v1\"}"
priced="{provider: openai, model: judge-1, base_url: \"$MOCK_URL/v1\", price: {input_per_mtok: 2, output_per_mtok: 8}}"

# ---- numeric, 1..5, passing at 4 ----------------------------------------------
cat >pawl.yaml <<YAML
version: 1
dataset: {path: cases.jsonl}
task: {provider: outputs}
scorers:
  - {name: correct, type: llm-judge, judge: $priced, builtin: correctness, range: [1, 5], pass: 0.75}
run: {retries: 1}
report: {json: results.json}
YAML
run_pawl run
expect_status 1 "numeric judge: some cases fail"
expect_eq "$(score_of good correct)" \
    "{'type': 'NUMERIC', 'value': 1.0, 'passed': True, 'comment': '5 of 1..5: states the reference fact'}" \
    "valid JSON: normalised score, the reasoning kept as the comment"
expect_eq "$(score_of bad correct)" \
    "{'type': 'NUMERIC', 'value': 0.0, 'passed': False, 'comment': '1 of 1..5: wrong city'}" "low score fails"
expect_eq "$(score_of fence correct)" \
    "{'type': 'NUMERIC', 'value': 0.75, 'passed': True, 'comment': '4 of 1..5: fenced'}" "JSON in a code fence"
expect_eq "$(score_of prose correct)" \
    "{'type': 'BOOLEAN', 'value': 0, 'passed': False, 'comment': \"judge reply holds no JSON object: 'I think it is fine overall.'\", 'errored': True}" \
    "prose without JSON is a scorer error quoting the reply"
expect_eq "$(score_of range correct)" \
    "{'type': 'BOOLEAN', 'value': 0, 'passed': False, 'comment': 'judge score 9 is outside the range 1..5: \\'{\"score\": 9}\\'', 'errored': True}" \
    "an out-of-range score is a scorer error"
expect_eq "$(score_of down correct)" \
    "{'type': 'BOOLEAN', 'value': 0, 'passed': False, 'comment': 'judge call failed: HTTP 503 from POST $MOCK_URL/v1/chat/completions (after 2 attempts): mock fault: HTTP 503', 'errored': True}" \
    "an HTTP error of the judge is a scorer error"
expect_eq "$(json_get results.json 'd["metrics"]["correct"]["n"]')" 3 "errored judge scores stay out of the mean"
# What judging cost: each answered call's tokens and priced cost on its score, their sums
# as judge_* metrics, apart from the candidate's cost_total (the outputs provider has none).
expect_eq "$(json_get results.json '[(c["id"], "tokens" in s, "cost" in s) for c in d["cases"] for s in [c["trials"][0]["scores"]["correct"]]]')" \
    "[('good', True, True), ('bad', True, True), ('fence', True, True), ('prose', True, True), ('range', True, True), ('down', False, False)]" \
    "every judge call that was answered records its tokens and cost; the failed one none"
expect_eq "$(json_get results.json 'abs(d["metrics"]["judge_cost_total"]["mean"] - sum(c["trials"][0]["scores"]["correct"].get("cost", 0) for c in d["cases"])) < 1e-12')" \
    True "judge_cost_total sums the judges' costs"
expect_eq "$(json_get results.json 'd["metrics"]["judge_tokens_total"]["mean"] == sum(c["trials"][0]["scores"]["correct"].get("tokens", 0) for c in d["cases"]) > 0')" \
    True "judge_tokens_total sums the judges' tokens"
expect_eq "$(json_get results.json '"cost_total" in d["metrics"]')" False "the candidate's cost_total is not the judges'"
expect_eq "$(mocklog get "$log" 0 '[m["role"] for m in r["body"]["messages"]] + [r["body"]["response_format"]]')" \
    '["system", "user", {"type": "json_object"}]' "the openai judge asks for JSON"
expect_contains "$(mocklog get "$log" 0 'r["body"]["messages"][1]["content"]')" \
    "Reference answer:
answer

Answer to judge:
CASE-" "the rubric is rendered with the case and the output"
expect_eq "$(mocklog schema "$log" "$PAWL_SRC/tests/data/conformance/openai-chat-request.schema.json")" \
    "ok $(mocklog count "$log")" "judge requests match the OpenAI schema"

# The judge's answers are cached like the task's: a second run asks only what failed.
before=$(mocklog count "$log")
run_pawl run
expect_eq "$(mocklog count "$log")" "$((before + 2))" "a re-run asks the judge again only for the 503 case (two attempts)"

# ---- categorical with failure modes, on the anthropic provider ---------------------
: >"$log"
cat >pawl.yaml <<YAML
version: 1
dataset: {path: cases.jsonl}
task: {provider: outputs}
scorers:
  - name: verdict
    type: llm-judge
    judge: {provider: anthropic, model: judge-2, base_url: "$MOCK_URL/v1"}
    rubric_text: "CLASSIFY {{output}}"
    kind: categorical
    categories: [ok, hallucination, refusal]
    failure_modes: [hallucination, refusal]
gate:
  rules:
    - {metric: failure_mode.hallucination, max: 0.25}
report: {json: results.json}
run: {cache: off, retries: 0}
YAML
run_pawl run
expect_status 1 "categorical judge: the failure-mode rule fails"
expect_eq "$(score_of good verdict)" \
    "{'type': 'CATEGORICAL', 'value': 1.0, 'passed': True, 'comment': 'ok: grounded', 'category': 'ok'}" \
    "a passing category"
expect_eq "$(score_of bad verdict)" \
    "{'type': 'CATEGORICAL', 'value': 0.0, 'passed': False, 'comment': 'hallucination: invented', 'category': 'hallucination'}" \
    "a failure mode, matched ignoring case"
expect_contains "$(score_of fence verdict)" \
    "'comment': 'judge category \\'weird\\' is not one of the \\'categories\\':" "an unknown category is a scorer error"
expect_eq "$(json_get results.json '[d["metrics"]["failure_mode.hallucination"]["mean"], d["metrics"]["failure_mode.refusal"]["mean"]]')" \
    "[0.5, 0.0]" "failure-mode rates over the judged cases"
expect_contains "$out" "FAIL  failure_mode.hallucination <= 0.25  (0.500)" "the gate on one failure mode"
expect_eq "$(mocklog get "$log" 0 '[r["body"]["system"][:41], [m["role"] for m in r["body"]["messages"]]]')" \
    '["You are a careful evaluator. Follow the u", ["user"]]' "anthropic judge: instructions as the system prompt"

# ---- boolean --------------------------------------------------------------------
printf 'version: 1\ndataset: {path: cases.jsonl}\ntask: {provider: outputs}\nscorers:\n  - {name: met, type: llm-judge, judge: %s, rubric_text: "MET {{output}}", kind: boolean}\nreport: {json: results.json}\nrun: {cache: off}\n' \
    "$judge" >pawl.yaml
run_pawl run
expect_eq "$(score_of good met)" "{'type': 'BOOLEAN', 'value': 1, 'passed': True, 'comment': 'met: yes'}" "boolean true"
expect_contains "$(score_of bad met)" "judge score is not true or false" "a boolean judge answering a string"

# ---- config errors --------------------------------------------------------------
probe() { # probe SCORER-YAML: validates a one-scorer config, leaves $err
    printf 'version: 1\ndataset: {path: cases.jsonl}\ntask: {provider: outputs}\nscorers:\n  - %s\n' "$1" >pawl.yaml
    run_pawl validate
    expect_status 2 "config error: $1"
}
probe "{type: llm-judge, builtin: correctness}"
expect_eq "$err" "pawl.yaml:5:5: missing required key 'judge'" "no judge"
probe "{type: llm-judge, judge: {provider: exec, command: [x]}, builtin: correctness}"
expect_eq "$err" "pawl.yaml:5:47: a judge takes no 'command': the rubric is its prompt" "judge with a command"
probe "{type: llm-judge, judge: {provider: echo}, builtin: correctness}"
expect_eq "$err" "pawl.yaml:5:41: a judge's provider must be openai, anthropic or http, not 'echo'" "judge provider"
probe "{type: llm-judge, judge: $judge, builtin: correctness, rubric_text: x}"
expect_eq "$err" "pawl.yaml:5:5: an llm-judge needs exactly one of 'rubric' (a file), 'rubric_text' or 'builtin'" "two rubrics"
probe "{type: llm-judge, judge: $judge, builtin: corectness}"
expect_contains "$err" "unknown built-in rubric 'corectness' (did you mean 'correctness'?)" "builtin typo"
probe "{type: llm-judge, judge: $judge, rubric: missing.md}"
expect_contains "$err" "cannot read prompt file 'missing.md': No such file or directory" "missing rubric file"
probe "{type: llm-judge, judge: $judge, builtin: correctness, kind: categorical, categories: [a, b], failure_modes: [c]}"
expect_contains "$err" "'failure_modes' names 'c', which is not one of the 'categories'" "unknown failure mode"
probe "{type: llm-judge, judge: $judge, builtin: correctness, range: [5, 1]}"
expect_contains "$err" "'range' must be two numbers [low, high] with low < high" "bad range"
probe "{type: llm-judge, judge: $judge, rubric_text: '{{metadata.missing}}'}"
expect_contains "$err" "unknown template variable 'metadata.missing'" "rubric variables are checked per case"

# Every built-in rubric renders for a case that has what it reads.
for b in correctness faithfulness helpfulness conciseness refusal; do
    printf 'version: 1\ndataset: {path: cases.jsonl}\ntask: {provider: outputs}\nscorers:\n  - {type: llm-judge, judge: %s, builtin: %s}\n' \
        "$judge" "$b" >pawl.yaml
    run_pawl validate
    expect_status 0 "built-in rubric '$b' renders for every case"
    cmp -s "$PAWL_SRC/rubrics/$b.md" /dev/null && fail "rubrics/$b.md is empty"
done

# ---- exec scorer -----------------------------------------------------------------
cat >scorer.py <<'PY'
import json, sys
case = json.loads(sys.stdin.readline())
if case["id"] == "prose":
    print("not json")
elif case["id"] == "range":
    print("boom", file=sys.stderr); sys.exit(3)
else:
    s = 1.0 if case["id"] in ("good", "fence") else 0.2
    print(json.dumps({"score": s, "comment": "%s scored %.1f" % (case["output"], s)}))
PY
printf 'version: 1\ndataset: {path: cases.jsonl}\ntask: {provider: outputs}\nscorers:\n  - {name: custom, type: exec, command: [/usr/bin/python3, scorer.py], pass: 0.5}\nreport: {json: results.json}\n' >pawl.yaml
run_pawl run
expect_status 1 "exec scorer run"
expect_eq "$(score_of good custom)" \
    "{'type': 'NUMERIC', 'value': 1.0, 'passed': True, 'comment': 'CASE-good scored 1.0'}" "exec scorer: a passing score"
expect_eq "$(score_of bad custom)" \
    "{'type': 'NUMERIC', 'value': 0.2, 'passed': False, 'comment': 'CASE-bad scored 0.2'}" "exec scorer: below pass"
expect_eq "$(score_of prose custom)" \
    "{'type': 'BOOLEAN', 'value': 0, 'passed': False, 'comment': \"scorer printed no JSON object: 'not json'\", 'errored': True}" \
    "exec scorer: garbage is a scorer error"
expect_eq "$(score_of range custom)" \
    "{'type': 'BOOLEAN', 'value': 0, 'passed': False, 'comment': \"scorer exited with status 3: 'boom'\", 'errored': True}" \
    "exec scorer: a failing command is a scorer error with its stderr"

# The exec scorer's answers, one row per case: what the command prints (- for nothing),
# and the score.
cat >rows.tsv <<'TSV'
empty	-	{'type': 'BOOLEAN', 'value': 0, 'passed': False, 'comment': "scorer printed no JSON object: ''", 'errored': True}
unicode	{"passed": true, "comment": "très bien ✓"}	{'type': 'BOOLEAN', 'value': 1, 'passed': True, 'comment': 'très bien ✓'}
bool	{"passed": false}	{'type': 'BOOLEAN', 'value': 0, 'passed': False, 'comment': 'scorer failed'}
numeric	{"score": 0.5}	{'type': 'NUMERIC', 'value': 0.5, 'passed': True, 'comment': 'score 0.5 >= 0.5'}
override	{"score": 0.9, "passed": false, "comment": "vetoed"}	{'type': 'NUMERIC', 'value': 0.9, 'passed': False, 'comment': 'vetoed'}
range	{"score": 1.5}	{'type': 'BOOLEAN', 'value': 0, 'passed': False, 'comment': 'scorer\'s \'score\' must be a number from 0 to 1: \'{"score": 1.5}\'', 'errored': True}
notbool	{"passed": "yes"}	{'type': 'BOOLEAN', 'value': 0, 'passed': False, 'comment': 'scorer\'s \'passed\' must be true or false: \'{"passed": "yes"}\'', 'errored': True}
neither	{"comment": "hm"}	{'type': 'BOOLEAN', 'value': 0, 'passed': False, 'comment': 'scorer\'s JSON has neither \'score\' nor \'passed\': \'{"comment": "hm"}\'', 'errored': True}
badcomment	{"passed": true, "comment": 3}	{'type': 'BOOLEAN', 'value': 0, 'passed': False, 'comment': 'scorer\'s \'comment\' must be a string: \'{"passed": true, "comment": 3}\'', 'errored': True}
invalid	{"score": 	{'type': 'BOOLEAN', 'value': 0, 'passed': False, 'comment': 'scorer printed no JSON object: \'{"score":\'', 'errored': True}
TSV
: >cases.jsonl
while IFS='	' read -r id answer _; do
    printf '{"id": "%s", "input": "q", "output": "o"}\n' "$id" >>cases.jsonl
    if [ "$answer" = - ]; then : >"answer-$id.txt"; else printf '%s\n' "$answer" >"answer-$id.txt"; fi
done <rows.tsv
printf '{"id": "huge", "input": "q", "output": "o"}\n' >>cases.jsonl
cat >scorer.sh <<'SH'
#!/bin/sh
id=$(sed -n 's/^{"id": *"\([^"]*\)".*/\1/p')
if [ "$id" = huge ]; then head -c 2000000 /dev/zero | tr '\0' x; exit 0; fi
cat "answer-$id.txt"
SH
printf 'version: 1\ndataset: {path: cases.jsonl}\ntask: {provider: outputs}\nscorers:\n  - {name: custom, type: exec, command: [sh, scorer.sh]}\nreport: {json: results.json}\n' >pawl.yaml
run_pawl run
expect_status 1 "exec scorer rows"
while IFS='	' read -r id _ want; do
    expect_eq "$(score_of "$id" custom)" "$want" "exec scorer row '$id'"
done <rows.tsv
expect_eq "$(score_of huge custom)" \
    "{'type': 'BOOLEAN', 'value': 0, 'passed': False, 'comment': 'scorer printed more than 1048576 bytes', 'errored': True}" \
    "exec scorer: a flood of output is a scorer error"

stop_mock
finish
