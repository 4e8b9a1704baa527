# The secret scan: a run that uses an API key in every way pawl allows (the
# openai and anthropic providers' auth headers, a key in an http provider's
# `headers:`, a judge, a failing call whose error quotes the server) with
# every output on (verbose terminal, JUnit, JSON, Markdown, GitHub step
# summary and outputs, the cache), then every byte pawl wrote or printed is
# searched for the key. The server must have received it.
. "$(dirname "$0")/lib.sh"
set -e

key=sk-scan-5f4dcc3b5aa765d61d8327deb882cf99
export PAWL_SCAN_KEY=$key
log=$PAWL_TMP/mock.log
cat >"$PAWL_TMP/rules.json" <<'JSON'
{"rules": [
  {"match": "Answer to judge", "reply": "{\"reasoning\": \"fine\", \"score\": 1}"},
  {"match": "FAIL-ME", "fault": "500"}
]}
JSON
start_mock --rules "$PAWL_TMP/rules.json" --log "$log" --require-key "$key"
mkdir -p "$PAWL_TMP/suite" "$PAWL_TMP/gh"
cd "$PAWL_TMP/suite"
printf '{"id": "a", "input": "hello", "expected_output": "hello"}\n{"id": "b", "input": "FAIL-ME", "expected_output": "x"}\n' >cases.jsonl

scan() { # scan WHAT: the key is in no file under the suite or the GitHub files, nor in $out/$err
    tests_run=$((tests_run + 1))
    if grep -rqF "$key" . "$PAWL_TMP/gh" || printf '%s\n%s' "$out" "$err" | grep -qF "$key"; then
        fail "$1: the key leaked"
        grep -rlF "$key" . "$PAWL_TMP/gh" >&2 || true
    fi
}
gh_run() { # gh_run ARGS...: pawl as a GitHub Actions step would run it
    : >"$PAWL_TMP/gh/summary"
    : >"$PAWL_TMP/gh/output"
    capture "$PAWL_TMP/gh" env GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$PAWL_TMP/gh/summary" \
        GITHUB_OUTPUT="$PAWL_TMP/gh/output" "$PAWL" "$@"
}

for provider in openai anthropic http; do
    case $provider in
    http) task="  url: $MOCK_URL/v1/chat/completions
  headers: {Authorization: \"Bearer \${PAWL_SCAN_KEY}\"}
  body: {model: m, messages: [{role: user, content: \"{{input}}\"}]}
  output: /choices/0/message/content" ;;
    *) task="  model: m
  base_url: $MOCK_URL/v1
  api_key_env: PAWL_SCAN_KEY
  messages: [{role: user, content: \"{{input}}\"}]" ;;
    esac
    cat >pawl.yaml <<YAML
version: 1
dataset: {path: cases.jsonl}
task:
  provider: $provider
$task
scorers:
  - {name: same, type: contains, value: "{{expected_output}}"}
  - name: judged
    type: llm-judge
    judge: {provider: openai, model: j, base_url: "$MOCK_URL/v1", api_key_env: PAWL_SCAN_KEY}
    builtin: correctness
run: {retries: 0, max_error_rate: 0.5}
report: {junit: out/junit.xml, json: out/results.json, markdown: out/summary.md}
YAML
    gh_run run -v
    expect_status 1 "$provider: one case fails on a server error"
    expect_contains "$(json_get out/results.json '[c["trials"][0]["error"] for c in d["cases"]]')" \
        "HTTP 500 from POST" "$provider: the failing call's error is recorded"
    test -s "$PAWL_TMP/gh/summary" || fail "$provider: no step summary written"
    scan "$provider run"
    gh_run run -v # from the cache
    scan "$provider cached run"
    gh_run report out/results.json --junit out/again.xml --markdown out/again.md
    scan "$provider report"
done
expect_eq "$(mocklog get "$log" 0 'r["authorization"] or r["x_api_key"]')" "Bearer $key" \
    "the server received the key"
expect_eq "$(/usr/bin/python3 -c '
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
print(sorted(set(r["status"] for r in log)))' "$log")" "[200, 500]" "no request was refused for a missing key"

stop_mock
finish
