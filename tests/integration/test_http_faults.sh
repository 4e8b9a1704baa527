# Faults of an HTTP provider against the mock LLM server, one at a time: what
# is retried and how often (counted in the requests the server saw), what
# fails at once, the message each failure leaves in the results, and that a
# provider outage ends the run with exit 3 rather than a verdict on the
# candidate.
. "$(dirname "$0")/lib.sh"
set -e

log=$PAWL_TMP/mock.log

# Each rule faults the cases whose question carries its marker; `times` counts per request body.
cat >"$PAWL_TMP/rules.json" <<'JSON'
{"rules": [
  {"match": "F-429x2", "fault": "429", "retry_after": 1, "times": 2},
  {"match": "F-503x2", "fault": "503", "times": 2},
  {"match": "F-500", "fault": "500"},
  {"match": "F-502x1", "fault": "502", "times": 1},
  {"match": "F-408x1", "fault": "408", "times": 1},
  {"match": "F-400", "fault": "400"},
  {"match": "F-dropx1", "fault": "drop", "times": 1},
  {"match": "F-drop", "fault": "drop"},
  {"match": "F-closex1", "fault": "close", "times": 1},
  {"match": "F-close", "fault": "close"},
  {"match": "F-slow", "fault": "slow", "delay_ms": 3000},
  {"match": "F-badjson", "fault": "invalid-json"},
  {"match": "F-huge", "fault": "huge", "bytes": 17000000},
  {"match": "F-shape", "fault": "shape"}
]}
JSON
start_mock --rules "$PAWL_TMP/rules.json" --log "$log"

mkdir -p "$PAWL_TMP/suite"
cd "$PAWL_TMP/suite"

# suite MARKER... : one case per marker (its question carries the marker), scored on
# containing it, and a pawl.yaml for the openai provider with 3 retries.
suite() {
    local m
    : >cases.jsonl
    for m in "$@"; do
        printf '{"id": "%s", "input": "question %s", "expected_output": "%s"}\n' "$m" "$m" "$m" >>cases.jsonl
    done
    cat >pawl.yaml <<YAML
version: 1
dataset: {path: cases.jsonl}
task:
  provider: openai
  model: m
  base_url: $MOCK_URL/v1
  messages: [{role: user, content: "{{input}}"}]
scorers: [{type: contains, value: "{{expected_output}}"}]
run: {cache: off, retries: 3, timeout: 10s}
report: {json: results.json}
YAML
    : >"$log"
}
error_of() { json_get results.json "[c for c in d['cases'] if c['id'] == '$1'][0]['trials'][0]['error']"; }
url=$MOCK_URL/v1/chat/completions

# ---- transient faults: retried until they pass ----------------------------------
suite F-429x2 F-503x2 F-502x1 F-408x1 F-dropx1 F-closex1 plain
run_pawl run
expect_status 0 "transient faults are retried away"
expect_eq "$(mocklog count "$log" F-429x2)" 3 "429 twice: three requests"
expect_eq "$(mocklog count "$log" F-503x2)" 3 "503 twice: three requests"
expect_eq "$(mocklog count "$log" F-502x1)" 2 "502 once: two requests"
expect_eq "$(mocklog count "$log" F-408x1)" 2 "408 once: two requests"
expect_eq "$(mocklog count "$log" F-dropx1)" 2 "a dropped connection is retried"
# libcurl itself re-sends, once, a request whose reused keep-alive connection closes
# before any answer (the server may have timed the connection out just then), so a
# `close` can cost the server one request more than pawl's attempts.
n=$(mocklog count "$log" F-closex1)
expect_eq "$([ "$n" -ge 2 ] && [ "$n" -le 3 ] && echo ok || echo "$n")" ok \
    "a connection closed without an answer is retried"
expect_eq "$(mocklog count "$log" plain)" 1 "a healthy case: one request"
# Retry-After: 1 twice means the 429 case took at least two seconds.
expect_eq "$(json_get results.json "[c for c in d['cases'] if c['id'] == 'F-429x2'][0]['trials'][0]['latency_ms'] >= 2000")" \
    True "Retry-After is honoured (the case's latency includes the waits)"

# ---- persistent faults: retried, then the call fails ----------------------------
suite F-500 F-drop F-close
sed -i 's/retries: 3/retries: 2/' pawl.yaml
run_pawl run
expect_status 3 "persistent faults: the provider failed"
expect_eq "$(mocklog count "$log" F-500)" 3 "500 with retries: 2 is three requests"
expect_eq "$(error_of F-500)" \
    "HTTP 500 from POST $url (after 3 attempts): mock fault: HTTP 500" "persistent 500 message"
n=$(mocklog count "$log" F-close)
expect_eq "$([ "$n" -ge 3 ] && [ "$n" -le 6 ] && echo ok || echo "$n")" ok \
    "close with retries: 2 is three attempts (each one or two requests, see above)"
expect_eq "$(error_of F-close)" \
    "POST $url: the server closed the connection without a response (after 3 attempts)" \
    "closed connection message"
expect_eq "$(mocklog count "$log" F-drop)" 3 "drop with retries: 2 is three requests"
expect_contains "$(error_of F-drop)" "POST $url: the connection broke during the exchange: " \
    "dropped connection message"
expect_contains "$(error_of F-drop)" "(after 3 attempts)" "dropped connection: attempts"
expect_eq "$err" \
    "pawl: 3 of 3 calls to the 'openai' provider failed (error rate 1.000, run.max_error_rate 0.000): the provider failed, not the candidate" \
    "the run blames the provider"
expect_eq "$(json_get results.json 'd["verdict"]')" "error" "verdict error"

# ---- answers that retrying cannot fix: one request each --------------------------
suite F-400 F-badjson F-huge F-shape
run_pawl run
expect_status 3 "bad answers fail their calls"
for m in F-400 F-badjson F-huge F-shape; do
    expect_eq "$(mocklog count "$log" $m)" 1 "$m is not retried"
done
expect_eq "$(error_of F-400)" "HTTP 400 from POST $url: mock fault: HTTP 400" "400 message"
expect_contains "$(error_of F-badjson)" "response from $url is not JSON: " "invalid JSON message"
expect_eq "$(error_of F-huge)" "response from $url exceeds 16777216 bytes" "oversized body message"
expect_eq "$(error_of F-shape)" \
    "response from $url has no string at /choices/0/message/content" "wrong shape message"

# ---- timeouts: each attempt is bounded by run.timeout --------------------------
suite F-slow
sed -i 's/retries: 3, timeout: 10s/retries: 1, timeout: 1s/' pawl.yaml
run_pawl run
expect_status 3 "a slow server times out"
expect_eq "$(mocklog count "$log" F-slow)" 2 "a timeout is retried (retries: 1)"
expect_eq "$(error_of F-slow)" "POST $url: no response within 1000 ms (after 2 attempts)" \
    "timeout message"

# ---- max_error_rate: tolerated failures leave the verdict to the gate ------------
suite F-400 a b c
sed -i 's/retries: 3, timeout: 10s/retries: 3, timeout: 10s, max_error_rate: 0.25/' pawl.yaml
run_pawl run
expect_status 1 "one failure in four at max_error_rate 0.25: the gate decides"
expect_eq "$(json_get results.json '[c["errored"] for c in d["cases"]]')" "[True, False, False, False]" \
    "the failed call's case is marked errored"

# ---- a dead endpoint: no retries, no waiting --------------------------------------
dead=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
: >cases.jsonl
for i in $(seq 1 20); do printf '{"id": "c%d", "input": "q%d", "expected_output": "x"}\n' "$i" "$i" >>cases.jsonl; done
sed -i "s#base_url: .*#base_url: http://127.0.0.1:$dead/v1#; s/retries: 3, timeout: 10s, max_error_rate: 0.25/retries: 5, timeout: 60s/" pawl.yaml
run_pawl run
expect_status 3 "a closed port is an infrastructure error"
expect_eq "$err" \
    "pawl: 20 of 20 calls to the 'openai' provider failed (error rate 1.000, run.max_error_rate 0.000): the provider failed, not the candidate" \
    "closed port: the provider is blamed"
expect_eq "$(json_get results.json 'sorted(set(t["error"] for c in d["cases"] for t in c["trials"]))')" \
    "['POST http://127.0.0.1:$dead/v1/chat/completions: cannot connect to http://127.0.0.1:$dead: Connection refused']" \
    "closed port: one attempt per call, whatever run.retries says"

# ---- interrupted while requests are in flight --------------------------------------
suite F-slow a b
sed -i 's/timeout: 10s/timeout: 30s/' pawl.yaml
"$PAWL" run >"$PAWL_TMP/int.out" 2>"$PAWL_TMP/int.err" &
pid=$!
i=0
while [ "$(mocklog count "$log")" -lt 3 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -TERM $pid
st=0
wait $pid || st=$?
status=$st out=$(cat "$PAWL_TMP/int.out") err=$(cat "$PAWL_TMP/int.err")
expect_status 3 "SIGTERM during HTTP calls"
expect_contains "$err" "interrupted after 2 of 3 calls" "interrupt message counts the finished calls"
expect_eq "$(json_get results.json '[d["run"]["interrupted"], [c["trials"][0]["error"] for c in d["cases"]]]')" \
    "[True, ['cancelled: the run was interrupted', None, None]]" \
    "the in-flight call is cancelled and the results say so"

stop_mock
finish
