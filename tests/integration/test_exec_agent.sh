# The exec provider: structured output, failing agents as per-case errors,
# the error budget, timeouts, hostile output and parallel agents.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAWL_TMP"

python3 - > cases.jsonl <<'PY'
import json
for i in range(8):
    print(json.dumps({"id": f"c{i}", "input": {"n": i}, "expected_output": "ok"}))
PY

write_config() { # write_config AGENT-ARGV [extra run keys] [timeout]
    cat > pawl.yaml <<YAML
version: 1
name: agents
dataset: {path: cases.jsonl}
task: {provider: exec, command: $1}
scorers: [{name: ok, type: contains, value: "{{expected_output}}"}]
run: {concurrency: 8, timeout: ${3:-5s}${2:-}}
YAML
}

# Structured JSON answers carry usage and cost into the results and metrics.
cat > structured.sh <<'SH'
#!/bin/sh
read -r line
echo '{"output": "ok fine", "usage": {"prompt_tokens": 10, "completion_tokens": 5}, "cost": 0.25}'
SH
write_config "[sh, structured.sh]"
run_pawl run --json r.json
expect_status 0 "structured agent"
expect_eq "$(json_get r.json 'd["cases"][0]["trials"][0]["output"], d["cases"][0]["trials"][0]["usage"]["prompt_tokens"], d["metrics"]["cost_total"]["mean"], d["metrics"]["tokens_total"]["mean"]')" \
    "ok fine 10 2.0 120.0" "usage, cost and totals"

# The agent sees the case on stdin, with the trial number.
cat > mirror.sh <<'SH'
#!/bin/sh
read -r line
printf 'ok %s\n' "$line"
SH
write_config "[sh, mirror.sh]"
run_pawl run --json r.json --filter c3 --repeat 2
expect_status 0 "mirror agent"
expect_eq "$(json_get r.json 'd["cases"][0]["trials"][1]["output"]')" \
    'ok {"id":"c3","input":{"n":3},"expected_output":"ok","trial":1}' "case JSON on stdin"

# Repeats: trials that disagree are flaky, and pass@k / pass^k summarise them.
cat > coin.sh <<'SH'
#!/bin/sh
read -r line
case $line in *'"c1"'*'"trial":1'*|*'"c2"'*'"trial":0'*) echo nope ;; *) echo ok ;; esac
SH
write_config "[sh, coin.sh]"
run_pawl run --json r.json --repeat 3
expect_status 1 "flaky cases fail the default gate"
expect_contains "$out" "flaky (trials disagree): c1, c2 (2)" "flaky cases listed"
expect_eq "$(json_get r.json 'd["metrics"]["pass_at_k"]["mean"], round(d["metrics"]["pass_hat_k"]["mean"], 4), d["metrics"]["pass_at_k"]["k"]')" \
    "1.0 0.75 3" "pass@3 and pass^3"

# One agent failing out of eight: within a 0.2 budget the case is an <error>, and the gate fails on it.
cat > flaky.sh <<'SH'
#!/bin/sh
read -r line
case $line in *'"c5"'*) echo "model overloaded" >&2; exit 7 ;; esac
echo ok
SH
write_config "[sh, flaky.sh]" ", max_error_rate: 0.2"
run_pawl run --junit j.xml --json r.json
expect_status 1 "one errored case fails the default gate"
check_junit j.xml "errored junit"
expect_eq "$junit_counts" "tests=9 failures=1 errors=1 skipped=0" "errored case is an <error>, the rule a <failure>"
expect_eq "$(xmlstarlet sel -t -v "//testcase[@name='c5']/error/@type" j.xml)" "pawl.ProviderError" "error type"
expect_eq "$(json_get r.json 'd["cases"][5]["trials"][0]["error"]')" "agent exited with status 7: model overloaded" "error message keeps the agent's stderr"

# Beyond the budget it is an infrastructure error: exit 3, and reports still written.
write_config "[sh, flaky.sh]"
rm -f j.xml
run_pawl run --junit j.xml
expect_status 3 "error budget exceeded"
expect_eq "$err" "pawl: 1 of 8 calls to the 'exec' provider failed (error rate 0.125, run.max_error_rate 0.000): the provider failed, not the candidate" "error budget message"
check_junit j.xml "junit of an infra failure"

# A program that does not exist fails every call, clearly.
write_config "[./no-such-agent]"
run_pawl run --json r.json
expect_status 3 "missing agent"
expect_eq "$(json_get r.json 'd["cases"][0]["trials"][0]["error"], d["verdict"]')" "cannot run './no-such-agent': No such file or directory error" "missing agent message"

# A hanging agent is killed at run.timeout, together with its children.
cat > hang.sh <<'SH'
#!/bin/sh
read -r line
case $line in *'"c2"'*) sleep 30 & sleep 30 ;; esac
echo ok
SH
write_config "[sh, hang.sh]" ", max_error_rate: 0.5" 500ms
run_pawl run --json r.json
expect_status 1 "hanging agent is a per-case error"
expect_eq "$(json_get r.json 'd["cases"][2]["trials"][0]["error"]')" "agent timed out after 500 ms" "timeout message"

# Hostile output: control characters, invalid UTF-8, XML specials, a 100 KB line.
cat > hostile.sh <<'SH'
#!/bin/sh
read -r line
printf 'ok \033[31mred\033[0m \001\002\013\014 \303 \377 \300\257 \355\240\200 \357\277\276 ]]> & < > " '"'"' '
head -c 100000 /dev/zero | tr '\0' 'x'
printf '\n'
SH
write_config "[sh, hostile.sh]"
run_pawl run --junit j.xml --json r.json --markdown m.md
expect_status 0 "hostile output still scores"
check_junit j.xml "hostile junit"
expect_eq "$junit_counts" "tests=9 failures=0 errors=0 skipped=0" "hostile junit counts"
json_get r.json 'len(d["cases"][0]["trials"][0]["output"]) > 100000' > /dev/null || fail "results file with hostile output is valid JSON"

# Agents run in parallel up to run.concurrency: 8 agents that each wait for
# all 8 to have started would deadlock (and time out) if run one at a time.
cat > barrier.sh <<'SH'
#!/bin/sh
read -r line
touch "started.$$"
i=0
while [ "$(ls started.* | wc -l)" -lt 8 ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(ls started.* | wc -l)" -ge 8 ] && echo ok || echo alone
SH
rm -f started.*
write_config "[sh, barrier.sh]"
run_pawl run
expect_status 0 "eight agents in parallel"
rm -f started.*
run_pawl run --concurrency 2
expect_status 1 "with concurrency 2 the barrier is never reached"
finish
