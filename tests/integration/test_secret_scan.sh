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


# ---- the Langfuse bridge ------------------------------------------------------------
# The same scan over every command that talks to Langfuse: dataset push and pull, pawl
# push (v4 and v3, with a dataset), pawl run with report.langfuse, then dataset add and
# the HTML report on what they produced. First in normal operation, then against every
# failure the mock can stage: replies that quote the secret key and the Authorization
# header (401, a 400's error list, 503 until the retries run out, per-event errors in a
# 207), a dropped connection, a server that is down, a base URL that is not http(s).
# The base URL carries a password in its userinfo the whole time. Secret: the secret
# key, base64 of `pk:sk` (the Authorization header's value), the URL's password and the
# model key; nowhere, files or output. The public key is not a secret (Langfuse puts it
# in browser code): it may be printed when a server's reply quotes it, but no file pawl
# writes holds it.
pk='pk-lf-scan-0c9e1f2a7b3d'
sk='sk-lf-scan-8d2b44e1f06a93c7'
lfpw='pw-scan-71e0c4d9aa'
b64=$(printf '%s:%s' "$pk" "$sk" | base64 -w0)
export LANGFUSE_PUBLIC_KEY=$pk LANGFUSE_SECRET_KEY=$sk
unset LANGFUSE_HOST
lflog=$PAWL_TMP/lf.log
start_langfuse_mock --public-key "$pk" --secret-key "$sk" --log "$lflog"
lf4=$LF_URL
lf4_pid=$LF_PID
start_langfuse_mock --api v3 --public-key "$pk" --secret-key "$sk" --log "$PAWL_TMP/lf3.log"
lf3=$LF_URL
lf3_pid=$LF_PID
use_lf() { export LANGFUSE_BASE_URL="http://lfuser:$lfpw@${1#http://}"; } # use_lf URL: with a password

mkdir -p "$PAWL_TMP/lf"
cd "$PAWL_TMP/lf"
cp ../suite/cases.jsonl cases.jsonl
lf_config() { # lf_config API: pawl.yaml pushing every run to dataset scan-set over API
    cat >pawl.yaml <<YAML
version: 1
name: scan
dataset: {path: cases.jsonl}
task:
  provider: openai
  model: m
  base_url: $MOCK_URL/v1
  api_key_env: PAWL_SCAN_KEY
  messages: [{role: user, content: "{{input}}"}]
scorers:
  - {name: same, type: contains, value: "{{expected_output}}"}
run: {retries: 0, max_error_rate: 1}
report:
  junit: out/junit.xml
  json: out/results.json
  markdown: out/summary.md
  html: out/report.html
  langfuse: {dataset: scan-set, api: $1, required: true}
YAML
}

lf_scan() { # lf_scan WHAT: no secret in any file or in $out/$err; the public key in no file
    local s
    tests_run=$((tests_run + 1))
    for s in "$sk" "$b64" "$lfpw" "$key"; do
        if grep -rqF -- "$s" . "$PAWL_TMP/gh" || printf '%s\n%s' "$out" "$err" | grep -qF -- "$s"; then
            fail "$1: '$s' leaked"
            grep -rlF -- "$s" . "$PAWL_TMP/gh" >&2 || true
            printf '%s\n%s\n' "$out" "$err" | grep -F -- "$s" >&2 || true
        fi
    done
    # gh/stdout and gh/stderr are what pawl printed, not files it wrote.
    if grep -rqF --exclude=stdout --exclude=stderr -- "$pk" . "$PAWL_TMP/gh"; then
        fail "$1: the public key is in a file"
        grep -rlF --exclude=stdout --exclude=stderr -- "$pk" . "$PAWL_TMP/gh" >&2
    fi
}
faults() { # faults JSON: the mock at $1's fault rules from now on (replacing the old ones)
    curl -sf -H 'Content-Type: application/json' -d "$2" "$1/_mock/faults" >/dev/null ||
        fail "cannot set the mock's faults: $2"
}

# Normal operation, v4.
use_lf "$lf4"
lf_config v4
gh_run dataset push cases.jsonl --name scan-set
expect_status 0 "lf v4: dataset push"
expect_contains "$out" "pushed 'scan-set' to $lf4:" "lf v4: the URL is shown without its userinfo"
lf_scan "lf v4 dataset push"
gh_run dataset pull scan-set -o pulled.jsonl
expect_status 0 "lf v4: dataset pull"
lf_scan "lf v4 dataset pull"
# An item someone stored with the key in it comes down redacted.
curl -sf -u "$pk:$sk" -H 'Content-Type: application/json' -d '{"name": "leaky"}' \
    "$lf4/api/public/v2/datasets" >/dev/null || fail "cannot create dataset 'leaky'"
curl -sf -u "$pk:$sk" -H 'Content-Type: application/json' \
    -d "{\"datasetName\": \"leaky\", \"id\": \"k1\", \"input\": {\"note\": \"key $sk\", \"auth\": \"Basic $b64\"}}" \
    "$lf4/api/public/dataset-items" >/dev/null || fail "cannot create item 'k1'"
gh_run dataset pull leaky -o leaky.jsonl
expect_status 0 "lf v4: dataset pull of an item holding the key"
expect_eq "$(cat leaky.jsonl)" '{"id":"k1","input":{"auth":"Basic ***","note":"key ***"}}' \
    "lf v4: the pulled item has the key redacted"
lf_scan "lf v4 dataset pull leaky"
gh_run run -v
expect_status 1 "lf v4: run with report.langfuse (one case errors)"
expect_contains "$out" "pushed run" "lf v4: the run was pushed"
test -s out/report.html || fail "lf v4: no HTML report"
lf_scan "lf v4 run -v"
gh_run push out/results.json --dataset scan-set
expect_status 0 "lf v4: push"
lf_scan "lf v4 push"
gh_run report out/results.json --html out/again.html --junit out/again.xml --markdown out/again.md
expect_status 1 "lf: report --html (the run's verdict)"
lf_scan "lf report --html"
gh_run dataset add --from out/results.json --case b --note "seen in CI" --label same=false
expect_status 0 "lf: dataset add"
lf_scan "lf dataset add"
expect_eq "$(/usr/bin/python3 -c '
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
print(sorted({r["auth"] for r in log if r["path"] != "/api/public/health"}), len(log) > 5)' "$lflog")" \
    "[True] True" "lf v4: every request carried the keys"

# Normal operation, v3.
use_lf "$lf3"
lf_config v3
gh_run dataset push cases.jsonl --name scan-set
expect_status 0 "lf v3: dataset push"
gh_run run -v --no-cache
expect_status 1 "lf v3: run with report.langfuse (two cases error)"
expect_contains "$out" "pushed run" "lf v3: the run was pushed"
lf_scan "lf v3 run"
gh_run push out/results.json --dataset scan-set --langfuse-api v3
expect_status 0 "lf v3: push"
lf_scan "lf v3 push"

# Failures. Each reply quotes the secret key, the Authorization header or both; the
# message shows the quote with both replaced.
quote="Authorization: Basic $b64 ($pk:$sk)"
lf_failed() { # lf_failed WHAT: exit status 3, the server's words quoted redacted, no leak
    expect_status 3 "$1"
    case $fault in
    close) expect_contains "$err" "closed the connection without a response" "$1: the message" ;;
    *) expect_contains "$err" "Authorization: Basic *** ($pk:***)" "$1: the reply is quoted, redacted" ;;
    esac
    lf_scan "$1"
}
for api in v4 v3; do
    if [ $api = v4 ]; then url=$lf4; else url=$lf3; fi
    use_lf "$url"
    lf_config $api
    for fault in 401 400 503 207 close; do
        case $fault in
        401) rules="[{\"path\": \"/api/public/*\", \"status\": 401, \"body\": {\"error\": \"UnauthorizedError\", \"message\": \"Invalid credentials: $quote\"}}]" ;;
        400) rules="[{\"method\": \"POST\", \"path\": \"/api/public/*\", \"status\": 400, \"body\": {\"message\": \"Invalid request data\", \"error\": [\"headers: $quote\", \"$sk\"]}}]" ;;
        503) rules="[{\"path\": \"/api/public/*\", \"status\": 503, \"retry_after\": \"0\", \"body\": {\"message\": \"overloaded, $quote\"}}]" ;;
        207) [ $api = v3 ] || continue
            rules="[{\"path\": \"/api/public/ingestion\", \"event_errors\": {\"every\": 1, \"status\": 400, \"message\": \"rejected $quote\"}}]" ;;
        close) rules="[{\"path\": \"/api/public/*\", \"close\": true}]" ;;
        esac
        faults "$url" "$rules"
        gh_run dataset push cases.jsonl --name scan-set-$fault
        [ $fault = 207 ] || lf_failed "lf $api $fault dataset push"
        gh_run dataset pull scan-set -o pulled-$fault.jsonl
        case $fault in
        400 | 207) expect_status 0 "lf $api $fault: dataset pull (GET is not faulted)" ;;
        *) lf_failed "lf $api $fault dataset pull" ;;
        esac
        lf_scan "lf $api $fault dataset pull"
        gh_run push out/results.json --dataset scan-set --langfuse-api $api
        lf_failed "lf $api $fault push"
        gh_run run -v --no-cache
        lf_failed "lf $api $fault run -v (a required push)"
        faults "$url" "[]"
    done
done

# A server that is down, and base URLs that are not http(s).
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export LANGFUSE_BASE_URL="http://lfuser:$lfpw@127.0.0.1:$port"
lf_config v4
gh_run dataset pull scan-set -o pulled-down.jsonl
expect_status 3 "lf down: dataset pull"
expect_contains "$err" "cannot connect to http://127.0.0.1:$port" "lf down: the server is named"
lf_scan "lf down dataset pull"
gh_run push out/results.json
expect_status 3 "lf down: push"
lf_scan "lf down push"
gh_run run -v --no-cache
expect_status 3 "lf down: run"
lf_scan "lf down run"
for bad in "ftp://lfuser:$lfpw@127.0.0.1:$port" "lfuser:$lfpw@127.0.0.1:$port" "ftp://lfuser:$lfpw@a@127.0.0.1/"; do
    export LANGFUSE_BASE_URL=$bad
    gh_run push out/results.json
    expect_status 2 "lf $bad: push"
    expect_contains "$err" "LANGFUSE_BASE_URL must be an http:// or https:// URL" "lf $bad: the message"
    lf_scan "lf $bad push"
done

stop_langfuse_mock "$lf4_pid"
stop_langfuse_mock "$lf3_pid"
stop_mock
finish
