# shellcheck shell=bash
# The mock LLM server's own test: every other provider test trusts what it says, so
# each endpoint, fault, rule, log line and the command line are checked here, exactly,
# and every 200 reply and error body against the vendors' schemas in tests/data/conformance.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAWL_TMP"
PY=/usr/bin/python3 # Debian's, with python3-jsonschema
: >validate.list

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# req NAME CURL-ARGS...: one request to the mock; leaves the status in $code, the body
# in NAME.body and $body, the headers in NAME.hdr, curl's exit status in $rc and the
# time taken in $ms. Counts the request in $sent (the mock's seq of the last one).
sent=0
req() {
    local name=$1 t0
    shift
    sent=$((sent + 1))
    rc=0
    t0=$(now_ms)
    code=$(curl -sS -o "$name.body" -D "$name.hdr" -w '%{http_code}' "$@" 2>"$name.err") || rc=$?
    ms=$(($(now_ms) - t0))
    body=$(cat "$name.body" 2>/dev/null || true)
}
header() { # header NAME FIELD: the field's value in NAME.hdr
    sed -n "s/^$2: *//Ip" "$1.hdr" | tr -d '\r' | head -n 1
}
valid() { # valid NAME SCHEMA: NAME.body must validate against SCHEMA (checked at the end)
    echo "$2 $PAWL_TMP/$1.body" >>validate.list
}
expect_reply() { # expect_reply CODE BODY what: the status and the exact body
    expect_eq "$code" "$1" "$3: status"
    expect_eq "$body" "$2" "$3: body"
}

# ---- the command line ----
mock_err() { # mock_err WANT-STDERR-FIRST-LINE what ARGS...: exit 2, nothing on stdout
    local want=$1 what=$2
    shift 2
    mkdir -p cli
    capture cli "$PAWL_MOCK" "$@"
    expect_status 2 "$what"
    expect_eq "$out" "" "$what: no port printed"
    expect_eq "$(printf '%s\n' "$err" | head -n 1)" "$want" "$what: message"
}
usage='usage: pawl-mockllm [--rules FILE] [--latency MS] [--threads N] [--log FILE] [--require-key KEY]'
mock_err "pawl-mockllm: unknown argument '--bogus'" "unknown option" --bogus
expect_eq "$(printf '%s\n' "$err" | sed -n 2p)" "$usage" "usage after the message"
mock_err "pawl-mockllm: unknown argument 'extra'" "positional argument" extra
mock_err "pawl-mockllm: option '--latency' needs a value" "missing value" --latency
mock_err "pawl-mockllm: invalid latency '5ms': expected milliseconds 0..3600000" "bad latency" \
    --latency 5ms
mock_err "pawl-mockllm: invalid latency '3600001': expected milliseconds 0..3600000" \
    "latency too large" --latency=3600001
mock_err "pawl-mockllm: option '--require-key' needs a non-empty key" "empty key" --require-key ''
for n in 0 65 -1 2x '' 1000000000000000000000; do
    mock_err "pawl-mockllm: invalid thread count '$n': expected 1..64" "--threads '$n'" --threads "$n"
done
mock_err "pawl-mockllm: invalid thread count '0': expected 1..64" "--threads=0" --threads=0
mock_err "pawl-mockllm: option '--threads' needs a value" "--threads without a value" --threads
mock_err "pawl-mockllm: cannot read rules file 'nope.json': No such file or directory" \
    "missing rules file" --rules nope.json
mock_err "pawl-mockllm: cannot open log file 'no/such/dir/log': No such file or directory" \
    "log in a missing directory" --log no/such/dir/log
printf '{"rules": [\n  {"match": "a",}\n]}\n' >bad.json
mock_err "pawl-mockllm: invalid JSON in rules file 'bad.json' at line 2 column 17: string or '}' expected near '}'" \
    "rules file that is not JSON" --rules bad.json
rules_err() { # rules_err JSON WANT-MESSAGE-AFTER-FILE what
    printf '%s\n' "$1" >r.json
    mock_err "pawl-mockllm: rules file 'r.json': $2" "$3" --rules r.json
}
rules_err '[]' "expected an object with a 'rules' array" "rules root not an object"
rules_err '{"rules": [], "rulez": []}' "unknown key 'rulez'" "unknown top-level key"
rules_err '{"rules": {}}' "'rules' must be an array" "rules not an array"
rules_err '{"rules": [{"match": "a"}, {"match": "b", "fualt": "429"}]}' \
    "rule 2: unknown key 'fualt'" "unknown rule key, named"
rules_err '{"rules": [{"reply": "x"}]}' "rule 1: missing 'match'" "rule without match"
rules_err '{"rules": [{"match": 1}]}' "rule 1: 'match' must be a string" "match not a string"
rules_err '{"rules": [{"match": "", "fault": 429}]}' \
    "rule 1: 'fault' must be a string such as \"429\" or \"slow\"" "numeric fault"
rules_err '{"rules": [{"match": "", "fault": "600"}]}' "rule 1: unknown fault '600'" \
    "status out of range"
rules_err '{"rules": [{"match": "", "fault": "sloww"}]}' "rule 1: unknown fault 'sloww'" \
    "unknown fault kind"
rules_err '{"rules": [{"match": "", "fault": "429", "times": -1}]}' \
    "rule 1: 'times' must be a non-negative integer" "negative times"
rules_err '{"rules": [{"match": "", "fault": "slow", "delay_ms": 1.5}]}' \
    "rule 1: 'delay_ms' must be a non-negative integer" "fractional delay"
rules_err '{"rules": [{"match": "", "reply": "x", "times": 2}]}' "rule 1: 'times' needs a 'fault'" \
    "times without a fault"
rules_err '{"rules": ["x"]}' "rule 1: expected an object" "rule not an object"
capture cli "$PAWL_MOCK" --help
expect_status 0 "--help"
expect_eq "$out" "$usage" "--help prints the usage"

# ---- one server with rules, a log and a key ----
cat >rules.json <<'JSON'
{"rules": [
  {"match": "refund", "reply": "Refunds take 5 days."},
  {"match": "FAULT-429", "fault": "429", "retry_after": 1, "times": 2},
  {"match": "RULE-503", "fault": "503"},
  {"match": "RULE-SLOW", "fault": "slow", "delay_ms": 300, "reply": "slow but sure"},
  {"match": "RULE-HUGE", "fault": "huge", "bytes": 4096},
  {"match": "refund policy", "reply": "never: the first matching rule wins"}
]}
JSON
start_mock --rules rules.json --log mock.log --require-key sk-test
U=$MOCK_URL
OA=(-H 'Authorization: Bearer sk-test' -H 'Content-Type: application/json')
AN=(-H 'x-api-key: sk-test' -H 'anthropic-version: 2023-06-01' -H 'Content-Type: application/json')

req health "$U/health"
expect_reply 200 ok "health"
expect_eq "$(header health Content-Type)" "text/plain" "health content type"
req nf "$U/nope"
expect_reply 404 '{"error":"not found"}' "unknown path"
expect_eq "$(header nf Content-Type)" "application/json" "404 content type"
req nf_get "$U/v1/chat/completions" "${OA[@]}"
expect_reply 404 '{"error":"not found"}' "GET on a POST endpoint"
req nf_post "$U/v1/embeddings" "${OA[@]}" -d '{}'
expect_reply 404 '{"error":"not found"}' "POST elsewhere"

# OpenAI chat completions: the reply echoes the last user message; P counts every
# message's words, C the reply's.
chat='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"What is the capital of France?"}],"temperature":0}'
req oa_echo "$U/v1/chat/completions" "${OA[@]}" -d "$chat"
expect_reply 200 "{\"id\":\"chatcmpl-mock-$sent\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"What is the capital of France?\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":6,\"total_tokens\":15}}" \
    "openai echo"
expect_eq "$(header oa_echo Content-Type)" "application/json" "openai content type"
expect_eq "$(header oa_echo Retry-After)" "" "no Retry-After without a fault"
valid oa_echo openai-chat-response
oa_echo_seq=$sent
req oa_rule "$U/chat/completions" "${OA[@]}" \
    -d '{"model":"m","messages":[{"role":"user","content":"refund policy?"},{"role":"assistant","content":"Which order?"},{"role":"user","content":"my refund  for order 7"}]}'
expect_eq "$code" 200 "openai without /v1"
expect_eq "$(json_get oa_rule.body 'd["choices"][0]["message"]["content"]')" \
    "Refunds take 5 days." "last user message, first matching rule"
expect_eq "$(json_get oa_rule.body 'd["usage"]')" \
    "{'prompt_tokens': 9, 'completion_tokens': 4, 'total_tokens': 13}" "usage over all messages"
valid oa_rule openai-chat-response
req oa_prefix "$U/openai/deployments/x/chat/completions" "${OA[@]}" \
    -d '{"model":"m","messages":[{"role":"developer","content":"d"},{"role":"user","content":""}]}'
expect_eq "$(json_get oa_prefix.body 'd["choices"][0]["message"]["content"], d["usage"]["total_tokens"]')" \
    " 1" "any path prefix; empty prompt echoes empty"
valid oa_prefix openai-chat-response
req oa_nul "$U/v1/chat/completions" "${OA[@]}" \
    -d '{"model":"m\u0000n","messages":[{"role":"user","content":"a\u0000b refund"}]}'
expect_eq "$(json_get oa_nul.body 'repr(d["model"]), repr(d["choices"][0]["message"]["content"])')" \
    "'m\x00n' 'Refunds take 5 days.'" "NUL in request strings: kept, and rules match past it"
req oa_nul_echo "$U/v1/chat/completions" "${OA[@]}" \
    -d '{"model":"m","messages":[{"role":"user","content":"a\u0000b"}]}'
expect_eq "$(json_get oa_nul_echo.body 'repr(d["choices"][0]["message"]["content"])')" \
    "'a\x00b'" "NUL in the echo"

# The key, and the 400s, each with an OpenAI error body naming the problem.
oa_error() { # oa_error NAME STATUS MESSAGE PARAM-JSON CODE-JSON CURL-ARGS...
    local name=$1 st=$2 msg=$3 param=$4 ecode=$5 type=invalid_request_error
    shift 5
    req "$name" "$U/v1/chat/completions" "$@"
    expect_reply "$st" "{\"error\":{\"message\":\"$msg\",\"type\":\"$type\",\"param\":$param,\"code\":$ecode}}" "$name"
    valid "$name" openai-error
}
oa_error oa_nokey 401 "missing header 'Authorization'" null '"invalid_api_key"' -d "$chat"
oa_error oa_badkey 401 "incorrect API key in header 'Authorization'" null '"invalid_api_key"' \
    -H 'Authorization: Bearer sk-other' -d "$chat"
oa_error oa_nobearer 401 "incorrect API key in header 'Authorization'" null '"invalid_api_key"' \
    -H 'Authorization: sk-test' -d "$chat"
oa_error oa_array 400 "request body must be a JSON object" null null "${OA[@]}" -d '[]'
oa_error oa_nomodel 400 "missing required parameter 'model'" '"model"' null "${OA[@]}" \
    -d '{"messages":[{"role":"user","content":"x"}]}'
oa_error oa_intmodel 400 "'model' must be a string" '"model"' null "${OA[@]}" \
    -d '{"model":4,"messages":[{"role":"user","content":"x"}]}'
oa_error oa_nomsgs 400 "missing required parameter 'messages'" '"messages"' null "${OA[@]}" \
    -d '{"model":"m"}'
oa_error oa_emptymsgs 400 "'messages' must be a non-empty array" '"messages"' null "${OA[@]}" \
    -d '{"model":"m","messages":[]}'
oa_error oa_msgobj 400 "'messages[1]' must be an object" '"messages[1]"' null "${OA[@]}" \
    -d '{"model":"m","messages":[{"role":"user","content":"x"},"y"]}'
oa_error oa_norole 400 "'messages[0].role' must be a string" '"messages[0].role"' null \
    "${OA[@]}" -d '{"model":"m","messages":[{"content":"x"}]}'
oa_error oa_parts 400 "'messages[0].content' must be a string" '"messages[0].content"' null \
    "${OA[@]}" -d '{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"x"}]}]}'
req oa_notjson "$U/v1/chat/completions" "${OA[@]}" -d '{"model": '
expect_eq "$code" 400 "body that is not JSON: status"
expect_eq "$(json_get oa_notjson.body 'd["error"]["message"]')" \
    "request body is not valid JSON: unexpected token near end of file" "not JSON: message"
valid oa_notjson openai-error

# Anthropic messages: system text counts towards P; content may be text blocks, joined
# by newlines into the prompt text.
msgs='{"model":"claude-haiku-4-5","max_tokens":64,"system":"Be brief.","messages":[{"role":"user","content":"Hello there friend"},{"role":"assistant","content":"Hi"},{"role":"user","content":[{"type":"text","text":"refund status"},{"type":"text","text":"please","cache_control":{"type":"ephemeral"}}]}]}'
req an_rule "$U/v1/messages" "${AN[@]}" -d "$msgs"
expect_reply 200 "{\"id\":\"msg_mock_$sent\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"Refunds take 5 days.\",\"citations\":null}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"stop_details\":null,\"container\":null,\"usage\":{\"input_tokens\":9,\"output_tokens\":4,\"cache_creation\":null,\"cache_creation_input_tokens\":null,\"cache_read_input_tokens\":null,\"inference_geo\":null,\"output_tokens_details\":null,\"server_tool_use\":null,\"service_tier\":\"standard\"}}" \
    "anthropic reply from a rule"
valid an_rule anthropic-messages-response
req an_echo "$U/messages" "${AN[@]}" \
    -d '{"model":"m","max_tokens":1,"system":[{"type":"text","text":"a b"},{"type":"text","text":"c"}],"messages":[{"role":"user","content":[{"type":"text","text":"tell me"},{"type":"text","text":"a joke"}]}]}'
expect_eq "$(json_get an_echo.body 'repr(d["content"][0]["text"]), d["usage"]["input_tokens"], d["usage"]["output_tokens"]')" \
    "'tell me\\na joke' 7 4" "anthropic echo of text blocks; system blocks counted"
valid an_echo anthropic-messages-response

an_error() { # an_error NAME STATUS TYPE MESSAGE CURL-ARGS...
    local name=$1 st=$2 type=$3 msg=$4
    shift 4
    req "$name" "$U/v1/messages" "$@"
    expect_reply "$st" "{\"type\":\"error\",\"error\":{\"type\":\"$type\",\"message\":\"$msg\"},\"request_id\":\"req_mock_$sent\"}" "$name"
    valid "$name" anthropic-error
}
one='{"role":"user","content":"x"}'
an_error an_nokey 401 authentication_error "missing header 'x-api-key'" \
    -H 'anthropic-version: 2023-06-01' -d "$msgs"
an_error an_badkey 401 authentication_error "incorrect API key in header 'x-api-key'" \
    -H 'x-api-key: sk-nope' -H 'anthropic-version: 2023-06-01' -d "$msgs"
an_error an_bearer 401 authentication_error "missing header 'x-api-key'" \
    -H 'Authorization: Bearer sk-test' -H 'anthropic-version: 2023-06-01' -d "$msgs"
an_error an_noversion 400 invalid_request_error "missing required header 'anthropic-version'" \
    -H 'x-api-key: sk-test' -d "$msgs"
an_error an_nomax 400 invalid_request_error "missing required parameter 'max_tokens'" \
    "${AN[@]}" -d "{\"model\":\"m\",\"messages\":[$one]}"
an_error an_max0 400 invalid_request_error "'max_tokens' must be an integer >= 1" \
    "${AN[@]}" -d "{\"model\":\"m\",\"max_tokens\":0,\"messages\":[$one]}"
an_error an_maxstr 400 invalid_request_error "'max_tokens' must be an integer >= 1" \
    "${AN[@]}" -d "{\"model\":\"m\",\"max_tokens\":\"5\",\"messages\":[$one]}"
an_error an_nomodel 400 invalid_request_error "missing required parameter 'model'" \
    "${AN[@]}" -d "{\"max_tokens\":5,\"messages\":[$one]}"
an_error an_empty 400 invalid_request_error "'messages' must be a non-empty array" \
    "${AN[@]}" -d '{"model":"m","max_tokens":5,"messages":[]}'
an_error an_system_role 400 invalid_request_error \
    "'messages[0].role' is 'system': the system prompt goes in the top-level 'system' parameter" \
    "${AN[@]}" -d "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"s\"},$one]}"
an_error an_tool_role 400 invalid_request_error "'messages[1].role' must be 'user' or 'assistant'" \
    "${AN[@]}" -d "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[$one,{\"role\":\"tool\",\"content\":\"s\"}]}"
an_error an_image 400 invalid_request_error \
    "'messages[0].content[1]' must be a text block {\\\"type\\\": \\\"text\\\", \\\"text\\\": ...}" \
    "${AN[@]}" -d '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image","source":{}}]}]}'
an_error an_nocontent 400 invalid_request_error "missing required parameter 'messages[0].content'" \
    "${AN[@]}" -d '{"model":"m","max_tokens":5,"messages":[{"role":"user"}]}'
an_error an_system_num 400 invalid_request_error "'system' must be a string or an array of text blocks" \
    "${AN[@]}" -d "{\"model\":\"m\",\"max_tokens\":5,\"system\":3,\"messages\":[$one]}"

# The generic agent endpoint: the prompt is `question`, else the whole body as sent.
req ag_q "$U/agent" -d '{"question":"refund please","user":{"id":7}}'
expect_reply 200 '{"data":{"answer":"Refunds take 5 days."},"usage":{"input_tokens":2,"output_tokens":4},"received":{"question":"refund please","user":{"id":7}}}' \
    "agent with a question (no key needed)"
req ag_body "$U/agent" -d '{"q": "hi"}'
expect_reply 200 '{"data":{"answer":"{\"q\": \"hi\"}"},"usage":{"input_tokens":2,"output_tokens":2},"received":{"q":"hi"}}' \
    "agent without a question echoes the body"
req ag_array "$U/agent" -d '[1, 2]'
expect_reply 200 '{"data":{"answer":"[1, 2]"},"usage":{"input_tokens":2,"output_tokens":2},"received":[1,2]}' \
    "agent body that is not an object"
req ag_bad "$U/agent" -d 'hello'
expect_reply 400 '{"error":"request body is not valid JSON: invalid token near '"'"'hello'"'"'"}' \
    "agent body that is not JSON"

# ---- faults by header ----
fault_oa() { # fault_oa NAME FAULT [BODY]: an OpenAI request with X-Mock-Fault: FAULT
    req "$1" "$U/v1/chat/completions" "${OA[@]}" -H "X-Mock-Fault: $2" -d "${3:-$chat}"
}
fault_an() {
    req "$1" "$U/v1/messages" "${AN[@]}" -H "X-Mock-Fault: $2" -d "${3:-$msgs}"
}
fault_oa oa_429 '429;retry_after=7'
expect_reply 429 '{"error":{"message":"mock fault: HTTP 429","type":"requests","param":null,"code":"rate_limit_exceeded"}}' \
    "openai 429"
expect_eq "$(header oa_429 Retry-After)" 7 "Retry-After from the header fault"
valid oa_429 openai-error
for st in 400 401 408 500 502 503 504; do
    type=invalid_request_error
    [ "$st" -lt 500 ] || type=server_error
    fault_oa "oa_$st" "$st"
    expect_reply "$st" "{\"error\":{\"message\":\"mock fault: HTTP $st\",\"type\":\"$type\",\"param\":null,\"code\":null}}" \
        "openai status fault $st"
    expect_eq "$(header "oa_$st" Retry-After)" "" "no Retry-After unless asked ($st)"
    valid "oa_$st" openai-error
done
for pair in 400:invalid_request_error 401:authentication_error 403:permission_error \
    404:not_found_error 408:timeout_error 413:invalid_request_error 429:rate_limit_error \
    500:api_error 502:api_error 503:overloaded_error 504:timeout_error 529:overloaded_error; do
    st=${pair%%:*}
    fault_an "an_$st" "$st;retry_after=0"
    expect_reply "$st" "{\"type\":\"error\",\"error\":{\"type\":\"${pair#*:}\",\"message\":\"mock fault: HTTP $st\"},\"request_id\":\"req_mock_$sent\"}" \
        "anthropic status fault $st"
    expect_eq "$(header "an_$st" Retry-After)" 0 "Retry-After: 0 ($st)"
    valid "an_$st" anthropic-error
done
req ag_500 "$U/agent" -H 'X-Mock-Fault: 500' -d '{"question":"q"}'
expect_reply 500 '{"error":"mock fault: HTTP 500"}' "agent status fault"

# `times` counts per distinct (header value, body): a client retrying the same body
# sees N faults then the reply; another body, or another header value, starts over.
for want in 500 500 200 200; do
    fault_oa oa_times '500;times=2'
    expect_eq "$code" "$want" "500;times=2, same body"
done
valid oa_times openai-chat-response
other='{"model":"m","messages":[{"role":"user","content":"another case"}]}'
fault_oa oa_times_b '500;times=2' "$other"
expect_eq "$code" 500 "500;times=2, another body counts afresh"
fault_oa oa_times_c '500;times=2;retry_after=0'
expect_eq "$code" 500 "500;times=2, another header value counts afresh"
fault_oa oa_times0 '500;times=0' "$other"
expect_eq "$code" 200 "times=0 never faults"

fault_oa oa_slow 'slow;delay_ms=400'
expect_eq "$code" 200 "slow: status"
[ "$ms" -ge 400 ] || fail "slow;delay_ms=400 answered in $ms ms"
valid oa_slow openai-chat-response
fault_an an_slow slow
expect_eq "$code" 200 "slow default: status"
[ "$ms" -ge 2000 ] || fail "slow (default 2000 ms) answered in $ms ms"
valid an_slow anthropic-messages-response
tests_run=$((tests_run + 2))

req oa_hang "$U/v1/chat/completions" "${OA[@]}" -H 'X-Mock-Fault: hang' -d "$chat" --max-time 1
expect_eq "$rc" 28 "hang: the client times out"
expect_eq "$code" 000 "hang: no status"

# drop: the full Content-Length, about half of the body, then the connection closes.
fault_oa oa_drop drop
expect_eq "$rc" 18 "drop: curl reports a partial transfer"
expect_eq "$code" 200 "drop: status 200"
len=$(header oa_drop Content-Length)
expect_eq "$(wc -c <oa_drop.body)" "$((len / 2))" "drop: half of Content-Length $len arrives"
expect_eq "$(head -c 14 oa_drop.body)" '{"id":"chatcmp' "drop: the start of the real reply"

fault_oa oa_invalid invalid-json
expect_reply 200 '{"choices": [' "openai invalid-json"
expect_eq "$(header oa_invalid Content-Type)" application/json "invalid-json claims JSON"
fault_an an_invalid invalid-json
expect_reply 200 '{"content": [' "anthropic invalid-json"
req ag_invalid "$U/agent" -H 'X-Mock-Fault: invalid-json' -d '{}'
expect_reply 200 '{"data": {' "agent invalid-json"

fault_oa oa_shape shape
expect_reply 200 '{"unexpected":true}' "shape"
fault_an an_shape shape
expect_reply 200 '{"unexpected":true}' "anthropic shape"

fault_oa oa_close close
expect_eq "$rc" 52 "close: empty reply"

# huge: exactly `bytes` bytes (default 20 MiB) of valid JSON of the endpoint's shape.
fault_oa oa_huge huge
expect_eq "$code" 200 "huge: status"
expect_eq "$(wc -c <oa_huge.body)" 20971520 "huge: 20 MiB by default"
expect_eq "$(header oa_huge Content-Length)" 20971520 "huge: Content-Length"
# The content string fills what the compact envelope leaves.
envelope='len(json.dumps(d, separators=(",", ":")))'
expect_eq "$(json_get oa_huge.body 'set(d["choices"][0]["message"]["content"]), d["usage"]["completion_tokens"]')" \
    "{'x'} 1" "huge: one giant content string"
expect_eq "$(json_get oa_huge.body "$envelope")" 20971520 "huge: compact JSON end to end"
valid oa_huge openai-chat-response
fault_an an_huge 'huge;bytes=5000'
expect_eq "$(wc -c <an_huge.body)" 5000 "anthropic huge;bytes=5000"
valid an_huge anthropic-messages-response
req ag_huge "$U/agent" -H 'X-Mock-Fault: huge;bytes=1000' -d '{"question":"q","answer":""}'
expect_eq "$(wc -c <ag_huge.body)" 1000 "agent huge;bytes=1000"
expect_eq "$(json_get ag_huge.body "d['received'], $envelope")" \
    "{'question': 'q', 'answer': ''} 1000" "agent huge keeps the shape"
fault_oa oa_tiny 'huge;bytes=10'
expect_eq "$(json_get oa_tiny.body 'repr(d["choices"][0]["message"]["content"])')" "''" \
    "huge smaller than the envelope: empty content"
valid oa_tiny openai-chat-response

# A malformed X-Mock-Fault is the caller's mistake: 400, never a silent normal reply.
fault_oa oa_badfault 'bogus'
oa_badfault_want="{\"error\":{\"message\":\"invalid X-Mock-Fault header 'bogus': unknown fault 'bogus'\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"
expect_reply 400 "$oa_badfault_want" "unknown fault kind in the header"
valid oa_badfault openai-error
fault_oa oa_badparam '429;tims=1'
expect_eq "$(json_get oa_badparam.body 'd["error"]["message"]')" \
    "invalid X-Mock-Fault header '429;tims=1': unknown parameter 'tims'" "unknown header parameter"
fault_oa oa_badnum '429; times=x'
expect_eq "$(json_get oa_badnum.body 'd["error"]["message"]')" \
    "invalid X-Mock-Fault header '429; times=x': 'times' must be a non-negative integer" \
    "header parameter not a number"
fault_an an_badfault '999'
expect_eq "$code $(json_get an_badfault.body 'd["error"]["message"]')" \
    "400 invalid X-Mock-Fault header '999': unknown fault '999'" "status outside 400..599"
# The request is still checked first: a malformed body is a 400 whatever the fault.
fault_oa oa_fault_badbody 503 '{"model":"m","messages":[]}'
expect_eq "$code" 400 "a fault never hides a malformed request"

# ---- faults by rule ----
rule_body='{"model":"m","messages":[{"role":"user","content":"please FAULT-429 now"}]}'
for want in 429 429 200; do
    req oa_rule429 "$U/v1/chat/completions" "${OA[@]}" -d "$rule_body"
    expect_eq "$code" "$want" "rule 429 times=2, same body"
done
expect_eq "$(json_get oa_rule429.body 'd["choices"][0]["message"]["content"]')" \
    "please FAULT-429 now" "a fault-only rule echoes once its faults are spent"
req an_rule429 "$U/v1/messages" "${AN[@]}" \
    -d '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"FAULT-429"}]}'
expect_eq "$code $(header an_rule429 Retry-After)" "429 1" "another body gets its own 2 faults"
valid an_rule429 anthropic-error
req ag_rule503 "$U/agent" -d '{"question":"RULE-503"}'
req ag_rule503b "$U/agent" -d '{"question":"RULE-503"}'
expect_eq "$code $body" '503 {"error":"mock fault: HTTP 503"}' "a rule without times always faults"
fault_oa oa_hdr_wins shape "$rule_body"
expect_reply 200 '{"unexpected":true}' "the header fault wins over the rule"
req ag_rule_slow "$U/agent" -d '{"question":"RULE-SLOW"}'
expect_eq "$(json_get ag_rule_slow.body 'd["data"]["answer"]')" "slow but sure" "slow rule's reply"
[ "$ms" -ge 300 ] || fail "slow rule (300 ms) answered in $ms ms"
tests_run=$((tests_run + 1))
req oa_rule_huge "$U/v1/chat/completions" "${OA[@]}" \
    -d '{"model":"m","messages":[{"role":"user","content":"RULE-HUGE"}]}'
expect_eq "$(wc -c <oa_rule_huge.body)" 4096 "huge rule with bytes"
valid oa_rule_huge openai-chat-response

# ---- request size and connections ----
$PY -c 'import json
doc = {"model": "m", "messages": [{"role": "user", "content": ""}]}
doc["messages"][0]["content"] = "x" * (8388608 - len(json.dumps(doc)))
print(json.dumps(doc), end="")' >max.json
expect_eq "$(wc -c <max.json)" 8388608 "an 8 MiB body"
req oa_max "$U/v1/chat/completions" "${OA[@]}" --data-binary @max.json
expect_eq "$code" 200 "a body of exactly 8 MiB is accepted"
printf ' ' >>max.json
req oa_over "$U/v1/chat/completions" "${OA[@]}" --data-binary @max.json
expect_reply 413 '{"error":{"message":"request body exceeds 8388608 bytes","type":"invalid_request_error","param":null,"code":null}}' \
    "8 MiB + 1 byte: 413"
valid oa_over openai-error
req oa_over_chunked "$U/v1/chat/completions" "${OA[@]}" -H 'Transfer-Encoding: chunked' \
    --data-binary @max.json
expect_eq "$code" 413 "a chunked body past 8 MiB: 413"

# Keep-alive: the second request rides the first one's connection.
sent=$((sent + 2))
connects=$(curl -sS -o /dev/null -o /dev/null -w '%{num_connects} ' "$U/health" "$U/health")
expect_eq "$connects" "1 0 " "keep-alive reuses the connection"

# ---- the log: one line per request, seq from 1, exact fields ----
stop_mock "$MOCK_PID"
expect_eq "$(wc -l <mock.log)" "$sent" "one log line per request"
expect_eq "$(head -n 1 mock.log)" \
    '{"seq":1,"method":"GET","path":"/health","fault":null,"status":200,"authorization":null,"x_api_key":null,"anthropic_version":null,"body":""}' \
    "the first log line, exactly"
$PY - "$sent" "$oa_echo_seq" "$chat" <<'PY' >log.check || fail "log lines: $(cat log.check)"
import json, sys
sent, echo_seq, chat = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
lines = [json.loads(l) for l in open("mock.log")]
keys = ["seq", "method", "path", "fault", "status", "authorization", "x_api_key",
        "anthropic_version", "body"]
assert all(list(l) == keys for l in lines), "key order"
assert sorted(l["seq"] for l in lines) == list(range(1, sent + 1)), "seqs 1..%d" % sent
by = {l["seq"]: l for l in lines}
e = by[echo_seq]
assert (e["method"], e["path"], e["status"], e["fault"]) == ("POST", "/v1/chat/completions", 200, None), e
assert e["authorization"] == "Bearer sk-test" and e["body"] == chat, e
def find(**kw):
    return [l for l in lines if all(l[k] == v for k, v in kw.items())]
assert len(find(fault="429", status=429, path="/v1/chat/completions")) == 3, "429s"
hang = find(fault="hang")
assert len(hang) == 1 and hang[0]["status"] is None, hang
close = find(fault="close")
assert len(close) == 1 and close[0]["status"] is None, close
assert [l["status"] for l in find(fault="drop")] == [200], "drop"
assert len(find(status=413, body=None)) == 2, "413 bodies are not kept"
bad = find(body="hello")
assert len(bad) == 1 and bad[0]["status"] == 400 and bad[0]["path"] == "/agent", bad
an = find(status=401, path="/v1/messages", x_api_key="sk-nope")
assert len(an) == 1 and an[0]["anthropic_version"] == "2023-06-01", an
print("ok")
PY
tests_run=$((tests_run + 1))

# ---- latency: every reply but /health waits, without holding up the others ----
start_mock --latency 200 --log lat.log
req lat_health "$MOCK_URL/health"
[ "$ms" -lt 200 ] || fail "/health waited $ms ms: latency must not apply to it"
req lat_one "$MOCK_URL/agent" -d '{}'
[ "$ms" -ge 200 ] || fail "--latency 200 answered in $ms ms"
req lat_404 "$MOCK_URL/nope"
[ "$ms" -ge 200 ] || fail "--latency applies to a 404 too (took $ms ms)"
tests_run=$((tests_run + 3))
t0=$(now_ms)
pids=""
for i in $(seq 1 16); do
    curl -sS -o "par.$i" -w '%{http_code} %{time_total}\n' "$MOCK_URL/v1/chat/completions" \
        -d "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"case $i\"}]}" \
        >"par.$i.status" &
    pids="$pids $!"
done
for p in $pids; do wait "$p" || fail "a parallel request failed"; done
elapsed=$(($(now_ms) - t0))
tests_run=$((tests_run + 1))
[ "$elapsed" -lt 1500 ] || fail "16 parallel requests at 200 ms latency took $elapsed ms"
expect_eq "$(cat par.*.status | awk '$1 == 200 && $2 >= 0.2' | wc -l)" 16 \
    "16 parallel requests: each 200 after at least 200 ms"
expect_eq "$(json_get par.7 'd["choices"][0]["message"]["content"]')" "case 7" "parallel replies"
# Shutdown does not wait for a request that hangs, nor for an idle keep-alive connection.
curl -sS -o /dev/null --max-time 30 "$MOCK_URL/agent" -H 'X-Mock-Fault: hang' -d '{}' \
    2>/dev/null &
hung=$!
$PY -c '
import http.client, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
c.request("GET", "/health"); c.getresponse().read(); time.sleep(30)' "$MOCK_PORT" &
idle=$!
sleep 0.5
expect_eq "$(grep -c '"fault":"hang","status":null' lat.log)" 1 \
    "the log line is written before the reply (here: while it hangs)"
t0=$(now_ms)
stop_mock "$MOCK_PID"
elapsed=$(($(now_ms) - t0))
[ "$elapsed" -lt 3000 ] || fail "SIGTERM with a hanging request took $elapsed ms"
tests_run=$((tests_run + 1))
rc=0
wait "$hung" || rc=$?
expect_eq "$rc" 52 "the hanging request ends with an empty reply at shutdown"
kill "$idle" 2>/dev/null || true
wait "$idle" 2>/dev/null || true

# ---- threads: a few epoll threads serve everything; a delay never holds one ----
# parallel N URL: N requests at once, each a distinct OpenAI body; leaves the wall time
# in $elapsed and, in par.I.status, each one's status and time.
parallel() {
    local n=$1 url=$2 i p t0 pids=""
    rm -f par.*
    t0=$(now_ms)
    for i in $(seq 1 "$n"); do
        curl -sS -o "par.$i" -w '%{http_code} %{time_total}\n' "$url/v1/chat/completions" \
            -d "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"case $i\"}]}" \
            >"par.$i.status" &
        pids="$pids $!"
    done
    for p in $pids; do wait "$p" || fail "a parallel request failed"; done
    elapsed=$(($(now_ms) - t0))
}
# With the default two threads, 64 requests waiting 300 ms each at once: were a
# thread held per delay, they would take 32 x 300 ms.
start_mock --latency 300
parallel 64 "$MOCK_URL"
tests_run=$((tests_run + 1))
[ "$elapsed" -lt 1500 ] || fail "64 parallel requests at 300 ms latency took $elapsed ms"
expect_eq "$(cat par.*.status | awk '$1 == 200 && $2 >= 0.3' | wc -l)" 64 \
    "64 parallel requests: each 200 after at least 300 ms"
expect_eq "$(json_get par.64 'd["choices"][0]["message"]["content"]')" "case 64" \
    "64 parallel replies"
stop_mock "$MOCK_PID"
# One thread (no pool) serves as well, delays included, and shuts down with a hang.
start_mock --threads 1 --latency 300
req t1_health "$MOCK_URL/health"
expect_reply 200 ok "--threads 1: health"
parallel 16 "$MOCK_URL"
tests_run=$((tests_run + 1))
[ "$elapsed" -lt 1500 ] || fail "--threads 1: 16 parallel requests at 300 ms took $elapsed ms"
expect_eq "$(cat par.*.status | awk '$1 == 200 && $2 >= 0.3' | wc -l)" 16 \
    "--threads 1: 16 parallel requests, each 200 after at least 300 ms"
expect_eq "$(json_get par.9 'd["choices"][0]["message"]["content"]')" "case 9" \
    "--threads 1: parallel replies"
curl -sS -o /dev/null --max-time 30 "$MOCK_URL/agent" -H 'X-Mock-Fault: hang' -d '{}' \
    2>/dev/null &
hung=$!
req t1_during_hang "$MOCK_URL/agent" -d '{"question":"still here"}'
expect_eq "$code $(json_get t1_during_hang.body 'd["data"]["answer"]')" "200 still here" \
    "--threads 1: a hanging request does not hold the only thread"
stop_mock "$MOCK_PID"
rc=0
wait "$hung" || rc=$?
expect_eq "$rc" 52 "--threads 1: the hanging request is closed at shutdown"

# A rule matching "" catches every prompt; --log appends; SIGINT stops it too, with 0.
lines=$(wc -l <mock.log)
echo '{"rules": [{"match": "", "reply": "always this"}]}' >catchall.json
start_mock --rules catchall.json --log mock.log
req catchall "$MOCK_URL/agent" -d '{"question":"anything"}'
expect_eq "$(json_get catchall.body 'd["data"]["answer"]')" "always this" "match \"\" matches all"
expect_eq "$(wc -l <mock.log)" "$((lines + 1))" "--log appends to an existing file"
expect_eq "$(tail -n 1 mock.log | cut -c 1-9)" '{"seq":1,' "each server counts from 1"
kill -INT "$MOCK_PID"
st=0
wait "$MOCK_PID" || st=$?
expect_eq "$st" 0 "SIGINT: exit 0"
_mock_started=""

# ---- every 200 reply and error body against the vendors' schemas ----
$PY - "$PAWL_SRC/tests/data/conformance" <<'PY' >validate.out || true
import json, sys
from jsonschema import Draft202012Validator
schemas = {}
for line in open("validate.list"):
    name, path = line.split()
    if name not in schemas:
        schema = json.load(open(f"{sys.argv[1]}/{name}.schema.json"))
        schemas[name] = Draft202012Validator(schema)
    try:
        doc = json.load(open(path))
        errors = [e.message[:200] for e in schemas[name].iter_errors(doc)]
    except ValueError as e:
        errors = [f"not JSON: {e}"]
    print("ok" if not errors else f"FAIL {path} vs {name}: {errors[:3]}")
PY
expect_eq "$(grep -c '^ok$' validate.out)" "$(wc -l <validate.list)" "schema validation"
grep -v '^ok$' validate.out >&2 || true
finish
