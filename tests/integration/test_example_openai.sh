# shellcheck shell=bash
# examples/openai, run the way its README's offline section says: pawl's mock
# server answers the quickstart questions (mock-rules.json) over the openai
# provider. No internet, no real key. A second run is served from the cache.
. "$(dirname "$0")/lib.sh"
set -e

# The example reads ../quickstart/evals/support.jsonl, which stays inside the
# repository only when both folders sit in one: copy them into a fresh one.
repo=$PAWL_TMP/repo
mkdir -p "$repo/examples"
cp -R "$PAWL_SRC/examples/quickstart" "$PAWL_SRC/examples/openai" "$repo/examples/"
rm -rf "$repo/examples/quickstart/reports" "$repo/examples/openai/reports" "$repo/examples/openai/.pawl"
git_env
git init -q "$repo"
git -C "$repo" add -A
git -C "$repo" commit -qm "the examples"
cd "$repo/examples/openai"

# Whatever the calling shell has set must not leak into the run.
unset OPENAI_MODEL OPENAI_API_KEY
key=sk-mock-0123456789
log=$PAWL_TMP/mock.log

run_pawl validate
expect_status 0 "validate needs no key and no server"
expect_eq "$out" "pawl.yaml: ok (30 cases from ../quickstart/evals/support.jsonl, 2 scorers, provider openai)" \
    "validate summary"

start_mock --rules mock-rules.json --log "$log" --require-key "$key"
export OPENAI_BASE_URL=$MOCK_URL/v1

# No key: refused before any call, pointing at the line that names the variable.
run_pawl run
expect_status 2 "run without OPENAI_API_KEY"
expect_eq "$err" "pawl.yaml:16:16: environment variable 'OPENAI_API_KEY' named by 'task.api_key_env' is not set" \
    "missing key message"
test ! -e "$log" || expect_eq "$(wc -l <"$log")" 0 "no call without a key"

export OPENAI_API_KEY=$key
run_pawl run
expect_status 0 "the example passes against the mock"
expect_contains "$out" "pawl: PASS (30 cases, 0 failed, 0 errored)" "terminal verdict"
check_junit reports/pawl-junit.xml "example junit"
expect_eq "$junit_counts" "tests=35 failures=0 errors=0 skipped=0" "junit counts (30 cases + 5 rules)"
expect_eq "$(json_get reports/pawl-results.json 'd["verdict"], len(d["cases"]), d["metrics"]["correct"]["mean"], d["metrics"]["error_rate"]["mean"]')" \
    "pass 30 1.0 0.0" "results verdict, cases, correct, error rate"
test -s reports/pawl-summary.md || fail "markdown summary written"
expect_eq "$(wc -l <"$log")" 30 "one call per case"

# Every request is what the config says, for the question of its case.
expect_eq "$(/usr/bin/python3 - "$log" ../quickstart/evals/support.jsonl "$key" <<'PY'
import json, sys
log = [json.loads(line) for line in open(sys.argv[1])]
questions = sorted(json.loads(line)["input"]["question"] for line in open(sys.argv[2]))
system = open("prompts/system.md").read()
bad = [r["seq"] for r in log
       if r["path"] != "/v1/chat/completions" or r["status"] != 200
       or r["authorization"] != "Bearer " + sys.argv[3]
       or r["body"]["model"] != "gpt-4o-mini" or r["body"]["temperature"] != 0
       or r["body"]["max_tokens"] != 200
       or [m["role"] for m in r["body"]["messages"]] != ["system", "user"]
       or r["body"]["messages"][0]["content"] != system]
asked = sorted(r["body"]["messages"][1]["content"] for r in log)
print("bad requests", bad, "questions match", asked == questions)
PY
)" "bad requests [] questions match True" "request shape"

# Cost from the price table and the mock's word-count usage.
expect_eq "$(json_get reports/pawl-results.json 'abs(d["metrics"]["cost_total"]["mean"] - sum(
    (t["usage"]["prompt_tokens"] * 0.15 + t["usage"]["completion_tokens"] * 0.60) / 1e6
    for c in d["cases"] for t in c["trials"])) < 1e-12')" True "cost_total is the usage priced at gpt-4o-mini's rates"

# The second run asks the mock nothing: every answer comes from .pawl/cache.
run_pawl run
expect_status 0 "the cached run passes"
expect_eq "$(wc -l <"$log")" 30 "no call on the second run"
expect_eq "$(json_get reports/pawl-results.json 'sum(t.get("cached") is True for c in d["cases"] for t in c["trials"]), d["verdict"]')" \
    "30 pass" "every trial cached"
check_junit reports/pawl-junit.xml "cached junit"

# The key reached the server and nothing else.
expect_eq "$(grep -rl -- "$key" reports .pawl | wc -l)" 0 "the key is in no report and no cache entry"

# The judged config: the same answers (from the cache), each graded by a judge model on
# the same endpoint with the built-in correctness rubric.
run_pawl run -c pawl.judged.yaml
expect_status 0 "the judged run passes"
expect_eq "$(wc -l <"$log")" 60 "one judge call per case; the answers came from the cache"
expect_eq "$(json_get reports/judged-results.json '[d["metrics"]["judged_correct"]["mean"], d["cases"][0]["trials"][0]["scores"]["judged_correct"]["comment"]]')" \
    "[1.0, '5 of 1..5: The answer states the reference fact word for word.']" "the judge's scores"
expect_eq "$(/usr/bin/python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])][-1]; print(r["body"]["model"], r["body"]["response_format"]["type"])' "$log")" \
    "gpt-4o json_object" "the judge's requests"
run_pawl run -c pawl.judged.yaml
expect_eq "$(wc -l <"$log")" 60 "judge answers are cached too"
check_junit reports/judged-junit.xml "judged junit"

stop_mock "$MOCK_PID"
finish
