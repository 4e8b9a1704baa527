# The pre-push hook with a model provider: the gate it runs uses the response
# cache, so a push that adds one case costs one model call, not a full run.
# The model is the mock LLM server; the repositories are real.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAWL_TMP"
git_env
log=$PAWL_TMP/mock.log
requests() { mocklog count "$log"; }
start_mock --log "$log"

git init -q --bare -b main remote.git
git clone -q remote.git clone 2>/dev/null
cd clone
mkdir evals
for i in 1 2 3 4 5; do
    printf '{"id": "q%d", "input": "reply %d", "expected_output": "%d"}\n' "$i" "$i" "$i"
done >evals/cases.jsonl
cat >pawl.yaml <<YAML
version: 1
dataset: {path: evals/cases.jsonl}
task:
  provider: openai
  model: m
  base_url: $MOCK_URL/v1
  messages: [{role: user, content: "{{input}}"}]
scorers: [{type: contains, value: "{{expected_output}}"}]
YAML
printf 'reports/\n.pawl/\n' >.gitignore
printf '# bot\n' >README.md
git add -A && git commit -qm "a prompt and its evals"

run_pawl hook install
expect_status 0 "install"

push() { # push: git push through the hook; the hook's output (git's stderr) in $out
    set +e
    out=$(git push -q origin main 2>&1)
    status=$?
    set -e
}

push
expect_status 0 "first push runs the gate and passes"
expect_contains "$out" "running the gate" "first push ran the gate"
expect_eq "$(requests)" 5 "first push: one call per case"

printf '{"id": "q6", "input": "reply 6", "expected_output": "6"}\n' >>evals/cases.jsonl
git commit -qam "one more case"
push
expect_status 0 "a dataset change runs the gate"
expect_contains "$out" "eval-relevant changes (evals/cases.jsonl); running the gate" "dataset change named"
expect_eq "$(requests)" 6 "the gate asked only for the new case: the rest came from the cache"

printf 'more words\n' >>README.md
git commit -qam "docs"
push
expect_status 0 "an irrelevant push"
expect_eq "$(requests)" 6 "an irrelevant push makes no call"

stop_mock
finish
