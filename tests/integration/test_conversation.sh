# Conversational cases: a case's input.messages goes to the chat providers as
# prior turns, between the task's leading system messages and the rest. The
# example runs offline (echo); openai and anthropic are checked against the
# mock server's request log; a template that names input.messages places the
# history itself; a judge never gets it; a malformed history is a data error
# at the dataset's line; and `dataset add --turns` keeps the turns before a
# failure.
. "$(dirname "$0")/lib.sh"
set -e

# ---- the example, offline ------------------------------------------------------
cp -R "$PAWL_SRC/examples/conversation" "$PAWL_TMP/example"
cd "$PAWL_TMP/example"
run_pawl validate
expect_status 0 "example: validate"
expect_eq "$out" "pawl.yaml: ok (3 cases from evals/chats.yaml, 2 scorers, provider echo)" \
    "example: validate summary"
run_pawl run --json out/results.json
expect_status 0 "example: the gate passes"
expect_contains "$out" "pawl: PASS (3 cases, 0 failed, 0 errored)" "example: verdict"
expect_eq "$(json_get out/results.json 'd["cases"][0]["trials"][0]["output"]')" \
    "You are Acme's support assistant. Refunds: within 30 days.

I ordered a jacket on the 3rd.

Thanks! How can I help with the jacket order?

It arrived torn. Can I send it back?" "example: system, then the history, then the user turn"
expect_eq "$(json_get out/results.json 'd["cases"][2]["trials"][0]["output"]')" \
    "You are Acme's support assistant. Refunds: within 30 days.

Do you ship to Canada?" "example: a case without history is as before"

# ---- openai and anthropic against the mock ---------------------------------------
log=$PAWL_TMP/mock.log
cat >"$PAWL_TMP/rules.json" <<'JSON'
{"rules": [
  {"match": "Grade the reply", "reply": "{\"reasoning\": \"fine\", \"score\": 1}"},
  {"match": "send it back", "reply": "Yes, within 30 days."},
  {"match": "", "reply": "Hello."}
]}
JSON
start_mock --rules "$PAWL_TMP/rules.json" --log "$log"

suite=$PAWL_TMP/suite
mkdir -p "$suite"
cd "$suite"
cat >chats.jsonl <<'EOF2'
{"id": "torn", "input": {"messages": [{"role": "system", "content": "Customer tier: gold."}, {"role": "user", "content": "I ordered a jacket."}, {"role": "assistant", "content": "How can I help?"}], "question": "It arrived torn. Can I send it back?"}, "expected_output": "30 days"}
{"id": "plain", "input": {"question": "Hi there"}, "expected_output": "Hello"}
EOF2

write_config() { # write_config PROVIDER MESSAGES [EXTRA-YAML]
    cat >pawl.yaml <<YAML
version: 1
name: chat-suite
dataset: {path: chats.jsonl}
task:
  provider: $1
  model: m-test
  base_url: $MOCK_URL/v1
  messages: $2
scorers:
  - {name: correct, type: contains, value: "{{expected_output}}"}
${3:-}
run: {cache: off, concurrency: 1}  # the mock's log in case order
YAML
}

write_config openai '[{role: system, content: "Be brief."}, {role: user, content: "{{input.question}}"}]'
: >"$log"
run_pawl run --json out/results.json -q
expect_status 0 "openai: a conversational run"
expect_eq "$(mocklog get "$log" 0 'r["body"]["messages"]')" \
    '[{"content": "Be brief.", "role": "system"}, {"content": "Customer tier: gold.", "role": "system"}, {"content": "I ordered a jacket.", "role": "user"}, {"content": "How can I help?", "role": "assistant"}, {"content": "It arrived torn. Can I send it back?", "role": "user"}]' \
    "openai: system, the history in order, then the user template"
expect_eq "$(mocklog get "$log" 1 'r["body"]["messages"]')" \
    '[{"content": "Be brief.", "role": "system"}, {"content": "Hi there", "role": "user"}]' \
    "openai: a case without history"
expect_eq "$(mocklog schema "$log" "$PAWL_SRC/tests/data/conformance/openai-chat-request.schema.json")" "ok 2" \
    "openai: the requests follow the vendor schema"

write_config anthropic '[{role: system, content: "Be brief."}, {role: user, content: "{{input.question}}"}]'
: >"$log"
run_pawl run --json out/results.json -q
expect_status 0 "anthropic: a conversational run"
expect_eq "$(mocklog get "$log" 0 '[r["body"]["system"], r["body"]["messages"]]')" \
    '["Be brief.\n\nCustomer tier: gold.", [{"content": "I ordered a jacket.", "role": "user"}, {"content": "How can I help?", "role": "assistant"}, {"content": "It arrived torn. Can I send it back?", "role": "user"}]]' \
    "anthropic: system messages joined into system, the turns in order"
expect_eq "$(mocklog schema "$log" "$PAWL_SRC/tests/data/conformance/anthropic-messages-request.schema.json")" "ok 2" \
    "anthropic: the requests follow the vendor schema"

# The Messages API wants user and assistant turns to alternate. A history that
# ends with the customer's message, followed by the task's user turn, or a
# system message between two user turns, would put two user turns in a row:
# they are merged into one, joined by a blank line, like the system messages.
cat >alt.jsonl <<'EOF2'
{"id": "alt", "input": {"messages": [{"role": "system", "content": "Tier: gold."}, {"role": "user", "content": "Hi."}, {"role": "system", "content": "Locale: fr."}, {"role": "user", "content": "I ordered a jacket."}, {"role": "assistant", "content": "How can I help?"}, {"role": "user", "content": "It is torn."}], "question": "Can I send it back?"}, "expected_output": "30 days"}
{"id": "empty", "input": {"messages": [], "question": "Can I send it back?"}, "expected_output": "30 days"}
EOF2
sed -i 's/chats.jsonl/alt.jsonl/' pawl.yaml
: >"$log"
run_pawl run --json out/results.json -q
expect_status 0 "anthropic: two user turns in a row"
expect_eq "$(mocklog get "$log" 0 '[r["body"]["system"], r["body"]["messages"]]')" \
    '["Be brief.\n\nTier: gold.\n\nLocale: fr.", [{"content": "Hi.\n\nI ordered a jacket.", "role": "user"}, {"content": "How can I help?", "role": "assistant"}, {"content": "It is torn.\n\nCan I send it back?", "role": "user"}]]' \
    "anthropic: consecutive user turns merged, every system message in system"
expect_eq "$(mocklog get "$log" 1 '[r["body"]["system"], r["body"]["messages"]]')" \
    '["Be brief.", [{"content": "Can I send it back?", "role": "user"}]]' \
    "anthropic: an empty history is no history"
write_config openai '[{role: system, content: "Be brief."}, {role: user, content: "{{input.question}}"}]'
sed -i 's/chats.jsonl/alt.jsonl/' pawl.yaml
: >"$log"
run_pawl run --json out/results.json -q
expect_status 0 "openai: two user turns in a row"
expect_eq "$(mocklog get "$log" 0 '[m["role"] for m in r["body"]["messages"]]')" \
    '["system", "system", "user", "system", "user", "assistant", "user", "user"]' \
    "openai: the history as it is (Chat Completions takes any order)"
write_config anthropic '[{role: system, content: "Be brief."}, {role: user, content: "{{input.question}}"}]'

# A task of only a system prompt: the history's last user turn is the question. Anthropic
# needs a user turn, so a case without history is refused at validate time.
printf '%s\n' '{"id": "torn", "input": {"messages": [{"role": "user", "content": "Can I send it back?"}]}, "expected_output": "30 days"}' >only.jsonl
sed -i 's/chats.jsonl/only.jsonl/' pawl.yaml
sed -i 's/  messages: .*/  messages: [{role: system, content: "Be brief."}]/' pawl.yaml
: >"$log"
run_pawl run --json out/results.json -q
expect_status 0 "anthropic: only a system prompt, the question from the history"
expect_eq "$(mocklog get "$log" 0 '[r["body"]["system"], r["body"]["messages"]]')" \
    '["Be brief.", [{"content": "Can I send it back?", "role": "user"}]]' \
    "anthropic: the history's last turn is the question"
printf '%s\n' '{"id": "nothing", "input": {"messages": [{"role": "system", "content": "s"}]}}' >>only.jsonl
run_pawl validate
expect_status 2 "anthropic: a case with no user turn at all"
expect_eq "$err" "pawl.yaml:5:3: provider 'anthropic' needs a 'user' message besides the system prompt" \
    "anthropic: no user turn, the message"

# A template that names input.messages places the history: it is not sent twice.
head -1 chats.jsonl >torn.jsonl
write_config openai '[{role: user, content: "History: {{input.messages}} Now: {{input.question}}"}]'
sed -i 's/chats.jsonl/torn.jsonl/' pawl.yaml
sed -i 's/  - {name: correct.*/  - {name: correct, type: contains, value: "."}/' pawl.yaml
: >"$log"
run_pawl run --json out/results.json -q
expect_status 0 "openai: history named by the template"
expect_eq "$(mocklog get "$log" 0 '[m["role"] for m in r["body"]["messages"]]')" '["user"]' \
    "openai: one message, the history rendered into it"

# A judge grades through its rubric: the history is not turns of its conversation.
write_config openai '[{role: user, content: "{{input.question}}"}]' '  - name: helpful
    type: llm-judge
    judge: {provider: openai, model: judge-test, base_url: "'"$MOCK_URL"'/v1"}
    rubric_text: "Grade the reply {{output}}"'
: >"$log"
run_pawl run --json out/results.json -q --filter torn
expect_status 0 "openai task with an openai judge"
expect_eq "$(mocklog count "$log")" 2 "one task call and one judge call"
expect_eq "$(mocklog get "$log" 1 '[r["body"]["model"], [m["role"] for m in r["body"]["messages"]]]')" \
    '["judge-test", ["system", "user"]]' "the judge gets its instructions and the rubric only"
expect_eq "$(mocklog get "$log" 0 '[m["role"] for m in r["body"]["messages"]]')" \
    '["system", "user", "assistant", "user"]' "the task gets the history"
stop_mock

# ---- a malformed history is a data error at its line -------------------------------
cd "$suite"
cat >pawl.yaml <<'YAML'
version: 1
dataset: {path: bad.jsonl}
task: {provider: echo, messages: [{role: user, content: "{{input.question}}"}]}
scorers: [{name: any, type: contains, value: ""}]
YAML
bad() { # bad MESSAGES WANT-ERROR
    printf '%s\n' '{"id": "ok", "input": {"question": "q"}}' >bad.jsonl
    printf '{"id": "bad", "input": {"question": "q", "messages": %s}}\n' "$1" >>bad.jsonl
    run_pawl validate
    expect_status 2 "validate: $1"
    expect_eq "$err" "$2" "validate: $1 (message)"
}
bad '"hello"' "bad.jsonl:2: 'input.messages' must be a list of {role, content} messages, got a string (case 'bad')"
bad '[{"role": "tool", "content": "x"}]' "bad.jsonl:2: 'input.messages[0].role' must be system, user or assistant, got 'tool' (case 'bad')"
bad '[{"role": "user", "content": "x"}, {"role": "user", "content": ["x"]}]' "bad.jsonl:2: 'input.messages[1].content' must be a string, got an array (case 'bad')"
bad '[{"role": "user"}]' "bad.jsonl:2: 'input.messages[0]' has no 'content' (case 'bad')"
run_pawl run
expect_status 2 "run refuses a malformed history before any call"

# ---- dataset add --turns: keep the turns before the failure --------------------------
cd "$PAWL_TMP/example"
cat >pawl.yaml <<'YAML'
version: 1
dataset: {path: evals/chats.yaml}
task: {provider: echo, messages: [{role: system, content: "Be kind."}]}
scorers: [{name: says_thanks, type: icontains, value: "thanks"}]
YAML
cat >evals/chats.yaml <<'YAML'
- id: rude
  input:
    messages:
      - {role: user, content: "Where is my parcel?"}
      - {role: assistant, content: "Not my problem."}
YAML
run_pawl run --json out/chat.json -q
expect_status 1 "a conversation that went wrong"
run_pawl dataset add --from out/chat.json --case rude --turns N-1 --id rude-retry --label says_thanks=false
expect_status 0 "dataset add --turns N-1"
expect_eq "$out" "added case 'rude-retry' to evals/chats.yaml (line 6)" "--turns: what it did"
run_pawl run --filter rude-retry --json out/retry.json -q
expect_eq "$(json_get out/retry.json 'd["cases"][0]["input"]["messages"], d["cases"][0]["trials"][0]["output"]')" \
    "[{'role': 'user', 'content': 'Where is my parcel?'}] Be kind.

Where is my parcel?" "--turns: the new case ends before the bad reply"
expect_eq "$(json_get out/retry.json 'd["cases"][0]["metadata"]["observed_output"]')" \
    "Be kind.

Where is my parcel?

Not my problem." "--turns: the observed output is the run's"

finish
