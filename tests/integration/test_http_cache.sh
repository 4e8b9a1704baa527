# The response cache against the mock LLM server: a second run makes no
# requests, --no-cache and `cache: off` bypass it, each trial of `repeat` is
# its own sample, a changed request misses, a corrupt entry is replaced, cached
# calls are marked and kept out of the latency metrics, and the API key is in
# no cache entry, name or key.
. "$(dirname "$0")/lib.sh"
set -e

log=$PAWL_TMP/mock.log
key=sk-cache-test-31415926
export PAWL_TEST_KEY=$key
start_mock --log "$log" --require-key "$key"

mkdir -p "$PAWL_TMP/suite"
cd "$PAWL_TMP/suite"
for i in 1 2 3 4; do
    printf '{"id": "c%d", "input": "answer %d", "expected_output": "%d"}\n' "$i" "$i" "$i"
done >cases.jsonl
cat >pawl.yaml <<YAML
version: 1
dataset: {path: cases.jsonl}
task:
  provider: openai
  model: m
  base_url: $MOCK_URL/v1
  api_key_env: PAWL_TEST_KEY
  messages: [{role: user, content: "Say: {{input}}"}]
scorers: [{type: contains, value: "{{expected_output}}"}]
report: {json: results.json}
YAML
requests() { mocklog count "$log"; }
entries() { find .pawl/cache -name '*.json' | wc -l | tr -d ' '; }

run_pawl run
expect_status 0 "first run"
expect_eq "$(requests)" 4 "first run: four requests"
expect_eq "$(entries)" 4 "first run: four cache entries under .pawl/cache"
first=$(json_get results.json '[t["output"] for c in d["cases"] for t in c["trials"]]')
expect_eq "$(json_get results.json 'sorted(d["metrics"])')" \
    "['contains', 'error_rate', 'latency_mean_ms', 'latency_p50_ms', 'latency_p95_ms', 'pass_rate', 'tokens_total']" \
    "first run: latency metrics"

run_pawl run
expect_status 0 "second run"
expect_eq "$(requests)" 4 "second run: no request at all"
expect_eq "$(json_get results.json '[t["output"] for c in d["cases"] for t in c["trials"]]')" "$first" \
    "cached outputs equal the first run's"
expect_eq "$(json_get results.json '[t["cached"] for c in d["cases"] for t in c["trials"]]')" \
    "[True, True, True, True]" "cached calls are marked"
expect_eq "$(json_get results.json 'sorted(d["metrics"])')" \
    "['contains', 'error_rate', 'pass_rate', 'tokens_total']" \
    "cached calls stay out of the latency metrics"

# A rotated key is still the same request: the key is not part of the cache key.
PAWL_TEST_KEY=sk-other run_pawl run
expect_status 0 "another key value"
expect_eq "$(requests)" 4 "the key does not feed the cache key"

run_pawl run --no-cache
expect_status 0 "--no-cache"
expect_eq "$(requests)" 8 "--no-cache: every case asks again"
expect_eq "$(json_get results.json '[t["cached"] for c in d["cases"] for t in c["trials"]]')" \
    "[False, False, False, False]" "--no-cache: nothing marked cached"

# repeat: trial 0 is cached, trial 1 is a new sample.
run_pawl run --repeat 2
expect_status 0 "repeat 2"
expect_eq "$(requests)" 12 "repeat 2: only the second trials are asked"
expect_eq "$(json_get results.json '[[t["cached"] for t in c["trials"]] for c in d["cases"]][0]')" \
    "[True, False]" "repeat 2: first trial cached, second asked"
expect_eq "$(entries)" 8 "repeat 2: one entry per case and trial"

# A changed prompt is a changed request.
sed -i 's/Say: /Now say: /' pawl.yaml
run_pawl run
expect_eq "$(requests)" 16 "a changed prompt misses the cache"
sed -i 's/Now say: /Say: /' pawl.yaml

# A corrupt entry is ignored, the call made again and the entry rewritten.
# The entry of case c3, trial 0, found by recomputing its name from what the docs say
# the key is: SHA-256 over the provider, method, URL, model, body and trial.
victim=$(/usr/bin/python3 - "$MOCK_URL" <<'PY'
import hashlib, json, sys
body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "Say: answer 3"}]},
                  separators=(",", ":"))
material = "\0".join(["pawl-cache-v1", "openai", "POST", sys.argv[1] + "/v1/chat/completions",
                        "m", body, "0"])
h = hashlib.sha256(material.encode()).hexdigest()
print(".pawl/cache/%s/%s.json" % (h[:2], h))
PY
)
expect_eq "$([ -f "$victim" ] && echo present)" present "the cache entry's name is the documented key"
printf '{"pawl_cache": 1, "output": ' >"$victim"
run_pawl run
expect_status 0 "a corrupt entry is not an error"
expect_eq "$(requests)" 17 "a corrupt entry costs exactly one request"
expect_eq "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pawl_cache"])' "$victim")" 1 \
    "the corrupt entry is rewritten whole"
run_pawl run
expect_eq "$(requests)" 17 "and is served from the cache afterwards"

# Failed calls are not cached.
cat >"$PAWL_TMP/rules.json" <<'JSON'
{"rules": [{"match": "answer 2", "fault": "500"}]}
JSON

# `cache: off` writes nothing.
rm -rf .pawl
sed -i 's/^report:/run: {cache: off}\nreport:/' pawl.yaml
run_pawl run
expect_eq "$(requests)" 21 "cache: off asks every time"
expect_eq "$([ -e .pawl ] && echo exists || echo absent)" absent "cache: off creates no directory"

# Secret hygiene: nothing pawl wrote holds the key.
tests_run=$((tests_run + 1))
if grep -rqF "$key" . 2>/dev/null; then
    fail "the API key is in a file pawl wrote"
    grep -rlF "$key" . >&2
fi
expect_eq "$(mocklog get "$log" 0 'r["authorization"]')" "Bearer $key" "yet the key was sent"
stop_mock

# Failed calls leave no entry: a server that errors, then recovers.
start_mock --rules "$PAWL_TMP/rules.json" --log "$log.2"
sed -i "s#base_url: .*#base_url: $MOCK_URL/v1#; s/run: {cache: off}/run: {retries: 0, max_error_rate: 0.5}/" pawl.yaml
PAWL_TEST_KEY=x run_pawl run
expect_status 1 "one failed call at max_error_rate 0.5"
expect_eq "$(entries)" 3 "the failed call is not cached"
stop_mock
finish
