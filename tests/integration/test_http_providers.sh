# The three HTTP providers against the mock LLM server: the requests they send
# (validated against the vendors' schemas in tests/data/conformance), the
# outputs, usage and cost they read back, their headers and keys, and the
# errors when the key is missing or wrong. The key must never leave pawl
# except in the request header.
. "$(dirname "$0")/lib.sh"
set -e

log=$PAWL_TMP/mock.log
conf=$PAWL_SRC/tests/data/conformance
key=sk-test-9f8e7d6c5b4a
export PAWL_TEST_KEY=$key

cat >"$PAWL_TMP/rules.json" <<'JSON'
{"rules": [
  {"match": "capital of France", "reply": "The capital of France is Paris."},
  {"match": "2 + 2", "reply": "4"},
  {"match": "refund", "reply": "Refunds take 5 business days."}
]}
JSON
start_mock --rules "$PAWL_TMP/rules.json" --log "$log" --require-key "$key"

suite=$PAWL_TMP/suite
mkdir -p "$suite/prompts"
cd "$suite"
cat >cases.jsonl <<'EOF2'
{"id": "capital", "input": {"question": "What is the capital of France?"}, "expected_output": "Paris", "metadata": {"n": 1, "tier": "gold"}}
{"id": "sum", "input": {"question": "What is 2 + 2?"}, "expected_output": "4", "metadata": {"n": 2, "tier": "free"}}
{"id": "refund", "input": {"question": "How long does a refund take?"}, "expected_output": "5 business days", "metadata": {"n": 3, "tier": "free"}}
{"id": "echo", "input": {"question": "Say \"ok\" then stop"}, "expected_output": "ok", "metadata": {"n": 4, "tier": "gold"}}
EOF2
printf 'You are a terse support assistant.\n' >prompts/system.md

write_config() { # write_config PROVIDER EXTRA-TASK-YAML
    cat >pawl.yaml <<YAML
version: 1
name: http-suite
dataset: {path: cases.jsonl}
task:
  provider: $1
$2
scorers:
  - {name: correct, type: contains, value: "{{expected_output}}"}
run: {cache: off, concurrency: 1}  # the mock's log in case order
report: {json: out/results.json, junit: out/junit.xml, markdown: out/summary.md}
YAML
}

no_key_anywhere() { # no_key_anywhere WHAT: the key is in no file pawl wrote, nor its output
    tests_run=$((tests_run + 1))
    if grep -rqF "$key" out .pawl 2>/dev/null || printf '%s\n%s' "$out" "$err" | grep -qF "$key"; then
        fail "$1: the API key leaked into pawl's files or output"
        grep -rlF "$key" out .pawl 2>/dev/null >&2 || true
    fi
}

# ---- openai ---------------------------------------------------------------
write_config openai "  model: gpt-4o-mini
  base_url: $MOCK_URL/v1
  api_key_env: PAWL_TEST_KEY
  messages:
    - {role: system, file: prompts/system.md}
    - {role: user, content: \"{{input.question}}\"}
  params: {temperature: 0, max_tokens: 50, seed: 7}
  price: {input_per_mtok: 0.15, output_per_mtok: 0.60}"
run_pawl run
expect_status 0 "openai run"
expect_eq "$(mocklog count "$log")" 4 "openai: one request per case"
expect_eq "$(mocklog schema "$log" "$conf/openai-chat-request.schema.json")" "ok 4" \
    "openai requests match the OpenAI request schema"
expect_eq "$(mocklog get "$log" 0 'r["path"]')" "/v1/chat/completions" "openai path"
expect_eq "$(mocklog get "$log" 0 'r["authorization"]')" "Bearer $key" "openai: bearer key sent"
expect_eq "$(mocklog get "$log" 0 '[r["body"][k] for k in ("model", "temperature", "max_tokens", "seed")]')" \
    '["gpt-4o-mini", 0, 50, 7]' "openai: model and params in the body"
expect_eq "$(mocklog get "$log" 0 '[m["role"] for m in r["body"]["messages"]]')" '["system", "user"]' \
    "openai: messages in order"
expect_eq "$(json_get out/results.json 'd["cases"][0]["trials"][0]["output"]')" \
    "The capital of France is Paris." "openai: the output is choices[0].message.content"
expect_eq "$(json_get out/results.json 'd["cases"][3]["trials"][0]["output"]')" 'Say "ok" then stop' \
    "openai: the echoed output keeps its quotes"
# The mock counts words: 6 (system) + 6 (question) in, 6 out.
expect_eq "$(json_get out/results.json 'd["cases"][0]["trials"][0]["usage"]')" \
    "{'prompt_tokens': 12, 'completion_tokens': 6, 'total_tokens': 18}" "openai: usage kept"
expect_eq "$(json_get out/results.json '"%.10f" % d["cases"][0]["trials"][0]["cost"]')" \
    "$(/usr/bin/python3 -c 'print("%.10f" % ((12 * 0.15 + 6 * 0.60) / 1e6))')" "openai: cost from price"
expect_eq "$(json_get out/results.json '"%.10f" % d["metrics"]["cost_total"]["mean"]')" \
    "$(json_get out/results.json '"%.10f" % sum(c["trials"][0]["cost"] for c in d["cases"])')" \
    "cost_total is the sum of the calls' costs"
expect_eq "$(json_get out/results.json 'd["metrics"]["tokens_total"]["mean"]')" \
    "$(json_get out/results.json 'float(sum(c["trials"][0]["usage"]["total_tokens"] for c in d["cases"]))')" \
    "tokens_total is the sum of the calls' tokens"
expect_eq "$(json_get out/results.json '[t["cached"] for c in d["cases"] for t in c["trials"]]')" \
    "[False, False, False, False]" "openai: nothing cached with run.cache off"
check_junit out/junit.xml "openai junit"
no_key_anywhere "openai"

# A gate rule on cost: the run's cost is well under a cent.
printf 'gate:\n  rules:\n    - {metric: cost_total, max: 0.01}\n    - {metric: tokens_total, max: 10}\n' >>pawl.yaml
run_pawl run
expect_status 1 "a tokens_total rule fails the gate"
expect_contains "$out" "FAIL  tokens_total <= 10" "tokens_total rule in the summary"
expect_contains "$out" "PASS  cost_total <= 0.01" "cost_total rule in the summary"

# ---- openai: missing and wrong keys ------------------------------------------
write_config openai "  model: gpt-4o-mini
  base_url: $MOCK_URL/v1
  api_key_env: PAWL_TEST_KEY
  prompt: prompts/system.md"
: >"$log"
PAWL_TEST_KEY='' run_pawl run
expect_status 2 "an empty key is a config error"
expect_eq "$err" "pawl.yaml:8:16: environment variable 'PAWL_TEST_KEY' named by 'task.api_key_env' is empty" \
    "empty key message"
(unset PAWL_TEST_KEY; run_pawl run; echo "$status" >status; printf '%s' "$err" >err)
status=$(cat status) err=$(cat err) out=""
expect_status 2 "a missing key is a config error"
expect_eq "$err" "pawl.yaml:8:16: environment variable 'PAWL_TEST_KEY' named by 'task.api_key_env' is not set" \
    "missing key message"
expect_eq "$(mocklog count "$log")" 0 "no request without a key"
(unset PAWL_TEST_KEY; run_pawl validate; echo "$status" >status)
status=$(cat status)
expect_status 0 "validate needs no key"

PAWL_TEST_KEY=sk-wrong-0000 run_pawl run
expect_status 3 "a rejected key is an infrastructure error"
expect_contains "$err" "4 of 4 calls to the 'openai' provider failed" "401: the provider failed"
expect_eq "$(json_get out/results.json 'd["cases"][0]["trials"][0]["error"]')" \
    "HTTP 401 from POST $MOCK_URL/v1/chat/completions: incorrect API key in header 'Authorization'" \
    "401 error message: the API's own message, not retried"
expect_eq "$(mocklog count "$log")" 4 "a 401 is not retried"

# ---- anthropic ---------------------------------------------------------------
: >"$log"
write_config anthropic "  model: claude-test
  base_url: $MOCK_URL/v1
  api_key_env: PAWL_TEST_KEY
  messages:
    - {role: system, file: prompts/system.md}
    - {role: system, content: \"Customer tier: {{metadata.tier}}.\"}
    - {role: user, content: \"{{input.question}}\"}
  params: {temperature: 0}"
run_pawl run
expect_status 0 "anthropic run"
expect_eq "$(mocklog count "$log")" 4 "anthropic: one request per case"
expect_eq "$(mocklog schema "$log" "$conf/anthropic-messages-request.schema.json")" "ok 4" \
    "anthropic requests match the Anthropic request schema"
expect_eq "$(mocklog get "$log" 0 'r["path"]')" "/v1/messages" "anthropic path"
expect_eq "$(mocklog get "$log" 0 '[r["x_api_key"], r["anthropic_version"], r["authorization"]]')" \
    "[\"$key\", \"2023-06-01\", null]" "anthropic: x-api-key and anthropic-version, no bearer"
expect_eq "$(mocklog get "$log" 0 'r["body"]["system"]')" \
    "$(printf 'You are a terse support assistant.\n\n\nCustomer tier: gold.')" \
    "anthropic: system messages joined into the system field"
expect_eq "$(mocklog get "$log" 0 '[r["body"]["messages"], r["body"]["max_tokens"], r["body"]["temperature"]]')" \
    '[[{"content": "What is the capital of France?", "role": "user"}], 1024, 0]' \
    "anthropic: only the user turn in messages, max_tokens defaulted, params merged"
expect_eq "$(json_get out/results.json 'd["cases"][2]["trials"][0]["output"]')" \
    "Refunds take 5 business days." "anthropic: the output is the text blocks"
expect_eq "$(json_get out/results.json '[d["cases"][2]["trials"][0]["usage"][k] for k in ("input_tokens", "output_tokens")]')" \
    "[15, 5]" "anthropic: usage kept"
no_key_anywhere "anthropic"

write_config anthropic "  model: claude-test
  base_url: $MOCK_URL/v1
  messages: [{role: system, content: alone}]"
run_pawl validate
expect_status 2 "anthropic without a user message"
expect_eq "$err" "pawl.yaml:5:3: provider 'anthropic' needs a 'user' message besides the system prompt" \
    "anthropic needs a user turn"

# ---- http ------------------------------------------------------------------
: >"$log"
write_config http "  url: $MOCK_URL/agent
  headers: {X-Case: \"case-{{id}}\", Authorization: \"Bearer \${PAWL_TEST_KEY}\"}
  body:
    question: \"{{input.question}}\"
    meta: \"{{metadata}}\"
    n: \"{{metadata.n}}\"
    label: \"#{{metadata.n}}\"
    fixed: [1, true, null]
  output: /data/answer"
run_pawl run
expect_status 0 "http run"
expect_eq "$(mocklog count "$log")" 4 "http: one request per case"
expect_eq "$(mocklog get "$log" 0 'r["path"]')" "/agent" "http path"
expect_eq "$(mocklog get "$log" 1 'r["body"]')" \
    '{"fixed": [1, true, null], "label": "#2", "meta": {"n": 2, "tier": "free"}, "n": 2, "question": "What is 2 + 2?"}' \
    "http: a lone variable keeps its JSON type, other strings render as text"
expect_eq "$(json_get out/results.json 'd["cases"][1]["trials"][0]["output"]')" "4" \
    "http: the output is at the JSON pointer"
no_key_anywhere "http"
fp=$(json_get out/results.json 'd["fingerprints"]["task"]')
PAWL_TEST_KEY=sk-rotated-1111 run_pawl run
expect_eq "$(json_get out/results.json 'd["fingerprints"]["task"]')" "$fp" \
    "a credential header's value does not feed the task fingerprint"

# Without body the case goes as exec agents get it; without output the body is the output.
: >"$log"
write_config http "  url: $MOCK_URL/agent"
run_pawl run
expect_status 0 "http without body or output"
expect_eq "$(mocklog get "$log" 0 'sorted(r["body"])')" \
    '["expected_output", "id", "input", "metadata", "trial"]' "http: the default body is the case"
expect_contains "$(json_get out/results.json 'd["cases"][0]["trials"][0]["output"]')" '"data":' \
    "http: without output the whole response is the output"

write_config http "  url: $MOCK_URL/agent
  output: /data/missing"
run_pawl run
expect_status 3 "a missing output pointer fails the calls"
expect_eq "$(json_get out/results.json 'd["cases"][0]["trials"][0]["error"]')" \
    "response from $MOCK_URL/agent has nothing at '/data/missing' (task.output)" \
    "missing pointer message"

# Templates in headers and bodies are checked for every case by validate.
write_config http "  url: $MOCK_URL/agent
  headers: {X-Tier: \"{{metadata.plan}}\"}"
run_pawl validate
expect_status 2 "unknown header variable"
expect_eq "$err" "pawl.yaml:7:22: unknown template variable 'metadata.plan' (case 'capital' at cases.jsonl:1)" \
    "header template error is located"
write_config http "  url: $MOCK_URL/agent
  body: '{\"q\": \"{{input.nope}}\"}'"
run_pawl validate
expect_status 2 "a body template with an unknown variable"
expect_eq "$err" "pawl.yaml:7:9: unknown template variable 'input.nope' (case 'capital' at cases.jsonl:1)" \
    "body template variables are checked per case (and nothing leaks on the way)"
write_config http "  url: $MOCK_URL/agent
  body: '{\"q\": \"{{input.question}}\"}'"
run_pawl validate
expect_status 2 "a string body that is not JSON for some case"
expect_eq "$err" "pawl.yaml:7:9: 'task.body' did not render valid JSON for this case (a value with quotes or line breaks? write the body as YAML instead) (case 'echo' at cases.jsonl:4)" \
    "string body error names the case"

# Credentials in the URL itself (user:password@, ?key=) never reach a message or a file.
write_config openai "  model: m
  base_url: http://pawluser:url-password-2718@127.0.0.1:$MOCK_PORT/v1?key=query-secret-1618
  prompt: prompts/system.md"
sed -i 's/^run: {cache: off, concurrency: 1}.*/run: {concurrency: 1}/' pawl.yaml
rm -rf out .pawl
run_pawl run
expect_status 3 "the mock refuses a request without its key"
expect_eq "$(json_get out/results.json 'd["cases"][0]["trials"][0]["error"]')" \
    "HTTP 401 from POST http://127.0.0.1:$MOCK_PORT/v1/chat/completions: incorrect API key in header 'Authorization'" \
    "the URL in messages has no userinfo and no query"
tests_run=$((tests_run + 1))
if grep -rqE 'url-password-2718|query-secret-1618' out .pawl 2>/dev/null ||
    printf '%s\n%s' "$out" "$err" | grep -qE 'url-password-2718|query-secret-1618'; then
    fail "a credential from the URL leaked into pawl's files or output"
fi

stop_mock
finish
