# shellcheck shell=bash
# HTTP faults at scale and across providers, beyond test_http_faults.sh (which
# takes each fault once, one case at a time, for the openai provider): storms of
# 429s with and without Retry-After and bursts of 500/503 over many cases at
# concurrency 8, counted request by request in the mock's log; a 50 MB answer
# against the 16 MiB cap with pawl's peak memory measured; truncated JSON, a
# connection dropped mid-body and a server that never answers, for the openai,
# anthropic and http providers. Every errored case must be an <error> in JUnit,
# never a <failure>, and run.max_error_rate must decide the exit status.
#
# Not covered: a wrong Content-Type. The mock always labels its JSON
# application/json and has no fault that changes that; pawl does not look at the
# response's Content-Type anyway, only at whether the body parses (an HTML error
# page is "not JSON", covered here by truncated JSON).
. "$(dirname "$0")/lib.sh"
set -e
unset GITHUB_ACTIONS GITHUB_STEP_SUMMARY GITHUB_OUTPUT

log=$PAWL_TMP/mock.log
# `times` counts per request body, so every case of a storm gets its own faults, once:
# a later run needs other markers (S429-again-1 still matches S429-).
cat >"$PAWL_TMP/rules.json" <<'JSON'
{"rules": [
  {"match": "S429-", "fault": "429", "times": 2},
  {"match": "R429-", "fault": "429", "retry_after": 1, "times": 2},
  {"match": "B503-", "fault": "503", "times": 2},
  {"match": "B500-", "fault": "500", "times": 1},
  {"match": "P500-", "fault": "500"},
  {"match": "HUGE-", "fault": "huge", "bytes": 52428800},
  {"match": "TRUNC-", "fault": "invalid-json"},
  {"match": "DROP-", "fault": "drop"},
  {"match": "HANG-", "fault": "hang"}
]}
JSON
start_mock --rules "$PAWL_TMP/rules.json" --log "$log"

mkdir -p "$PAWL_TMP/suite"
cd "$PAWL_TMP/suite"

# suite PROVIDER RUN-KEYS MARKER...: one case per marker (its id and question are the
# marker), passing when the answer contains it; the gate is ok >= 0.8 over the
# answered cases. PROVIDER is openai, anthropic or http.
suite() {
    local provider=$1 run=$2 m task
    shift 2
    : >cases.jsonl
    for m in "$@"; do
        printf '{"id": "%s", "input": "question %s", "expected_output": "%s"}\n' "$m" "$m" "$m" >>cases.jsonl
    done
    case $provider in
    openai | anthropic)
        task="{provider: $provider, model: m, base_url: \"$MOCK_URL/v1\", messages: [{role: user, content: \"{{input}}\"}]}" ;;
    http)
        task="{provider: http, url: \"$MOCK_URL/agent\", body: {question: \"{{input}}\"}, output: /data/answer}" ;;
    esac
    cat >pawl.yaml <<YAML
version: 1
name: matrix
dataset: {path: cases.jsonl}
task: $task
scorers: [{name: ok, type: contains, value: "{{expected_output}}"}]
run: {cache: off, concurrency: 8, $run}
gate: {rules: [{metric: ok, min: 0.8}]}
report: {json: results.json, junit: junit.xml}
YAML
    : >"$log"
}

# markers PREFIX N: PREFIX1 ... PREFIXN
markers() { local i; for i in $(seq 1 "$2"); do printf '%s%d ' "$1" "$i"; done; }

# requests: how many requests each case got, as {count: cases}, from the mock's log.
requests() {
    /usr/bin/python3 - "$log" <<'PY'
import collections, json, re, sys
per_case = collections.Counter()
for line in open(sys.argv[1]):
    m = re.search(r"question ([A-Za-z0-9-]+)", json.dumps(json.loads(line)["body"]))
    per_case[m.group(1) if m else None] += 1
print(dict(sorted(collections.Counter(per_case.values()).items())))
PY
}

errors_of() { json_get results.json '"|".join(str(c["trials"][0]["error"]) for c in d["cases"])'; }
url=$MOCK_URL/v1/chat/completions

# ---- a 429 storm without Retry-After ------------------------------------------------
# Every one of 24 cases is refused twice: retried with backoff, all pass.
# shellcheck disable=SC2046 # one word per marker
suite openai "retries: 3" $(markers S429- 24)
run_pawl run
expect_status 0 "429 storm: every case passes after its retries"
expect_eq "$(requests)" "{3: 24}" "429 storm: three requests for each of the 24 cases"
expect_eq "$(mocklog count "$log")" 72 "429 storm: 72 requests in all"
check_junit junit.xml "429 storm: JUnit"
expect_eq "$junit_counts" "tests=25 failures=0 errors=0 skipped=0" "429 storm: nothing errored"

# With retries: 1 the storm outlasts the retries: every call fails, exit 3.
# shellcheck disable=SC2046 # one word per marker
suite openai "retries: 1" $(markers S429-again- 24)
run_pawl run
expect_status 3 "429 storm beyond the retries"
expect_eq "$(requests)" "{2: 24}" "429 storm, retries: 1: two requests per case"
expect_eq "$(json_get results.json 'sorted(set(t["error"] for c in d["cases"] for t in c["trials"]))')" \
    "['HTTP 429 from POST $url (after 2 attempts): mock fault: HTTP 429']" "429 storm: the error of every case"
expect_eq "$err" "pawl: 24 of 24 calls to the 'openai' provider failed (error rate 1.000, run.max_error_rate 0.000): the provider failed, not the candidate" \
    "429 storm: the provider is blamed"
check_junit junit.xml "429 storm beyond the retries: JUnit"
expect_eq "$junit_counts" "tests=25 failures=0 errors=24 skipped=0" "429 storm: 24 <error>s, no <failure>"

# ---- a 429 storm with Retry-After: 1 -------------------------------------------------
# Each case waits at least the 2 s the server asked for, and still passes.
# shellcheck disable=SC2046 # one word per marker
suite openai "retries: 3" $(markers R429- 16)
run_pawl run
expect_status 0 "429 storm with Retry-After"
expect_eq "$(requests)" "{3: 16}" "429 storm with Retry-After: three requests per case"
expect_eq "$(json_get results.json 'min(c["trials"][0]["latency_ms"] for c in d["cases"]) >= 2000')" True \
    "429 storm with Retry-After: every case waited out both Retry-Afters"
check_junit junit.xml "429 storm with Retry-After: JUnit"

# ---- 500 and 503 bursts ------------------------------------------------------------
# 40 cases, 8 at a time: half get 503 twice, half 500 once; all recover.
# shellcheck disable=SC2046 # one word per marker
suite openai "retries: 3" $(markers B503- 20) $(markers B500- 20)
run_pawl run
expect_status 0 "500/503 bursts: every case recovers"
expect_eq "$(requests)" "{2: 20, 3: 20}" "500/503 bursts: two requests after a 500, three after two 503s"
check_junit junit.xml "500/503 bursts: JUnit"
expect_eq "$junit_counts" "tests=41 failures=0 errors=0 skipped=0" "500/503 bursts: nothing errored"

# 4 of 40 cases get a 500 every time, the others once: within max_error_rate 0.15 the
# gate decides, beyond 0.05 the run is an infrastructure error. Either way 4 <error>s.
# shellcheck disable=SC2046 # one word per marker
suite openai "retries: 1, max_error_rate: 0.15" $(markers P500- 4) $(markers B500-again- 36)
run_pawl run
expect_status 0 "persistent 500s within the budget: the gate passes"
expect_eq "$(requests)" "{2: 40}" "persistent 500s: two attempts each (retries: 1)"
expect_eq "$(json_get results.json 'sorted(set(str(t["error"]) for c in d["cases"] for t in c["trials"]))')" \
    "['HTTP 500 from POST $url (after 2 attempts): mock fault: HTTP 500', 'None']" \
    "persistent 500s: the error"
check_junit junit.xml "persistent 500s: JUnit"
expect_eq "$junit_counts" "tests=41 failures=0 errors=4 skipped=0" "persistent 500s: 4 <error>s, no <failure>"
expect_eq "$(xmlstarlet sel -t -v "count(//testcase/error[@type='pawl.ProviderError'])" junit.xml)" 4 \
    "persistent 500s: each <error> a pawl.ProviderError"
# shellcheck disable=SC2046 # one word per marker
suite openai "retries: 1, max_error_rate: 0.05" $(markers P500- 4) $(markers B500-third- 36)
run_pawl run
expect_status 3 "persistent 500s beyond the budget"
expect_eq "$err" "pawl: 4 of 40 calls to the 'openai' provider failed (error rate 0.100, run.max_error_rate 0.050): the provider failed, not the candidate" \
    "persistent 500s: the budget message"
check_junit junit.xml "persistent 500s beyond the budget: JUnit"
expect_eq "$junit_counts" "tests=41 failures=0 errors=4 skipped=0" \
    "persistent 500s beyond the budget: 4 <error>s (the gate rule holds over the answers)"

# ---- a 50 MB answer ----------------------------------------------------------------
# Cut off at 16 MiB and not retried; pawl's peak memory stays far below the body's
# size (200 MiB is generous: the sanitizers add their own).
suite openai "retries: 3, max_error_rate: 0.3" HUGE-1 plain-1 plain-2 plain-3
# Peak RSS as GNU time's %M reports it (the child's ru_maxrss, KiB), without needing
# the `time` package, which only the benchmark installs.
capture "$PAWL_TMP" /usr/bin/python3 -c '
import resource, subprocess, sys
status = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=f)
sys.exit(status)' "$PAWL_TMP/rss" "$PAWL" run
expect_status 0 "a 50 MB answer is one errored case"
expect_eq "$(mocklog count "$log" HUGE-1)" 1 "a 50 MB answer is not retried"
expect_eq "$(errors_of)" "response from $url exceeds 16777216 bytes|None|None|None" "50 MB: the error"
check_junit junit.xml "50 MB: JUnit"
expect_eq "$junit_counts" "tests=5 failures=0 errors=1 skipped=0" "50 MB: an <error>"
rss=$(tail -n 1 "$PAWL_TMP/rss")
echo "peak RSS of pawl reading a 50 MB answer: $rss KiB"
expect_eq "$([ "$rss" -lt 204800 ] && echo bounded || echo "$rss KiB")" bounded "50 MB: peak RSS under 200 MiB"
sed -i 's/max_error_rate: 0.3/max_error_rate: 0.2/' pawl.yaml
run_pawl run
expect_status 3 "a 50 MB answer beyond the budget"
expect_eq "$err" "pawl: 1 of 4 calls to the 'openai' provider failed (error rate 0.250, run.max_error_rate 0.200): the provider failed, not the candidate" \
    "50 MB beyond the budget: the message"

# ---- truncated JSON, a dropped connection, no answer: per provider -----------------
# retries: 1 and timeout: 1s. Truncated JSON is a bad answer, not retried; a drop and
# a timeout are retried once. With one answer in four, max_error_rate 0.8 lets the
# gate decide and 0.5 does not.
for provider in openai anthropic http; do
    case $provider in
    openai) purl=$MOCK_URL/v1/chat/completions ;;
    anthropic) purl=$MOCK_URL/v1/messages ;;
    http) purl=$MOCK_URL/agent ;;
    esac
    suite "$provider" "retries: 1, timeout: 1s, max_error_rate: 0.8" TRUNC-1 DROP-1 HANG-1 plain-1
    run_pawl run
    expect_status 0 "$provider: three faults in four calls within the budget"
    expect_eq "$(mocklog count "$log" TRUNC-1) $(mocklog count "$log" DROP-1) $(mocklog count "$log" HANG-1)" \
        "1 2 2" "$provider: truncated JSON once, drop and hang twice"
    errors=$(errors_of)
    # The mock's truncated bodies: {"choices": [ (openai), {"content": [ (anthropic),
    # {"data": { (http).
    case $provider in
    http) why="string or '}' expected near end of file (at byte 10)" ;;
    *) why="']' expected near end of file (at byte 13)" ;;
    esac
    expect_eq "${errors%%|*}" "response from $purl is not JSON: $why" "$provider: truncated JSON message"
    expect_contains "$errors" "|POST $purl: the connection broke during the exchange: " "$provider: drop message"
    expect_contains "$errors" "|POST $purl: no response within 1000 ms (after 2 attempts)|None" \
        "$provider: timeout message"
    check_junit junit.xml "$provider faults: JUnit"
    expect_eq "$junit_counts" "tests=5 failures=0 errors=3 skipped=0" "$provider: three <error>s, no <failure>"
    sed -i 's/max_error_rate: 0.8/max_error_rate: 0.5/' pawl.yaml
    run_pawl run
    expect_status 3 "$provider: three faults in four calls beyond the budget"
    expect_eq "$err" "pawl: 3 of 4 calls to the '$provider' provider failed (error rate 0.750, run.max_error_rate 0.500): the provider failed, not the candidate" \
        "$provider: the budget message"
    check_junit junit.xml "$provider faults beyond the budget: JUnit"
    expect_eq "$junit_counts" "tests=5 failures=0 errors=3 skipped=0" "$provider beyond the budget: three <error>s"
done

echo "SKIP: wrong Content-Type (the mock cannot send one; see the top of this file)"
stop_mock "$MOCK_PID"
finish
