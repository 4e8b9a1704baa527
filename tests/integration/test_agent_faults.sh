# shellcheck shell=bash
# Exec agents that misbehave, one fault at a time (test_exec_agent.sh has the
# well-behaved agents, a plain non-zero exit, a plain timeout and hostile but
# valid output). Of 8 cases only c3 misbehaves. For each fault: the run ends,
# c3 is an <error> (never a <failure>) with an exact message, no process of the
# agent outlives the run, and run.max_error_rate decides: at 0.2 one errored call
# in 8 is tolerated and the gate (ok >= 0.8) passes, exit 0; at 0.1 it is an
# infrastructure error, exit 3.
. "$(dirname "$0")/lib.sh"
set -e
unset GITHUB_ACTIONS GITHUB_STEP_SUMMARY GITHUB_OUTPUT
cd "$PAWL_TMP"

/usr/bin/python3 -c '
import json
for i in range(8):
    print(json.dumps({"id": "c%d" % i, "input": i, "expected_output": "ok"}))' >cases.jsonl

# agent.sh MODE: "ok" for every case but c3, which misbehaves as MODE says; c3's
# processes write their pids to pids.MODE. agent.sh mix: a different fault per case.
cat >agent.sh <<'SH'
#!/bin/sh
read -r line
mode=$1
case $mode:$line in
mix:*'"c0"'*) mode=hang ;;
mix:*'"c1"'*) mode=ignore-term ;;
mix:*'"c2"'*) mode=grandchild ;;
mix:*'"c3"'*) mode=stdout-flood ;;
mix:*'"c4"'*) mode=stderr-flood ;;
mix:*'"c5"'*) mode=crash ;;
mix:*'"c6"'*) mode=bad-utf8-stderr ;;
*:*'"c3"'*) ;;
*) echo ok; exit 0 ;;
esac
echo $$ >>"pids.$1"
case $mode in
hang) exec sleep 30 ;;
ignore-term)
    trap '' TERM
    while :; do sleep 30 & echo $! >>"pids.$1"; wait $!; done ;;
grandchild) echo ok; sleep 30 & echo $! >>"pids.$1"; exit 0 ;;
escape) echo ok; setsid sleep 30 & echo $! >>escaped; exit 0 ;;
stdout-flood) exec yes ;;
stderr-flood)
    head -c 30000000 /dev/zero | tr '\0' e >&2
    printf '\nfatal: out of tokens\n' >&2
    exit 1 ;;
stderr-noise) head -c 30000000 /dev/zero | tr '\0' e >&2; echo ok ;;
long-line) head -c 1000 /dev/zero | tr '\0' e >&2; exit 1 ;;
exit) exit 7 ;;
crash) echo 'half an answer'; kill -SEGV $$ ;;
bad-utf8) printf 'ok \377\376 \303( \355\240\200\n' ;;
bad-utf8-stderr) printf 'bad \377 bytes \303\n' >&2; exit 2 ;;
esac
SH

config() { # config MODE MAX-ERROR-RATE
    cat >pawl.yaml <<YAML
version: 1
name: faults
dataset: {path: cases.jsonl}
task: {provider: exec, command: [sh, agent.sh, $1]}
scorers: [{name: ok, type: contains, value: "{{expected_output}}"}]
run: {concurrency: 8, timeout: 1s, max_error_rate: $2}
gate: {rules: [{metric: ok, min: 0.8}]}
report: {json: r.json, junit: j.xml, markdown: m.md}
YAML
}

alive() { # alive PID: running (a zombie waiting to be reaped is not)
    local state
    [ -r "/proc/$1/stat" ] || return 1
    read -r _ _ state _ <"/proc/$1/stat" 2>/dev/null || return 1
    [ "$state" != Z ]
}

# survivors PIDFILE: what is still running of the pids in PIDFILE after up to 2 s (a
# process killed a moment ago may not be dead yet; the agents here live for 30 s).
survivors() {
    local p left n=0
    [ -f "$1" ] || return 0
    while :; do
        left=""
        while read -r p; do
            alive "$p" && left="$left $p"
        done <"$1"
        [ -z "$left" ] || [ $n -ge 100 ] && break
        sleep 0.02
        n=$((n + 1))
    done
    echo "$left"
}

# run_bounded: pawl run, killed after 60 s: a run that does not end fails the test
# (status 137) instead of holding up ctest.
run_bounded() {
    local dir
    dir=$(mktemp -d "$PAWL_TMP/run.XXXXXX")
    capture "$dir" timeout -s KILL 60 "$PAWL" run
    rm -rf "$dir"
}

c3() { json_get r.json "[c for c in d['cases'] if c['id'] == 'c3'][0]$1"; }

budget_message="pawl: 1 of 8 calls to the 'exec' provider failed (error rate 0.125, run.max_error_rate 0.100): the provider failed, not the candidate"

# fault MODE MESSAGE: c3's call fails with MESSAGE (see the top of the file).
fault() {
    local mode=$1 want=$2 left
    rm -f "pids.$mode" r.json j.xml m.md
    config "$mode" 0.2
    run_bounded
    expect_status 0 "$mode: one error in 8 at max_error_rate 0.2, the gate passes"
    expect_eq "$(c3 '["errored"], d["verdict"]')" "True pass" "$mode: c3 errored, the verdict is the gate's"
    expect_eq "$(c3 '["trials"][0]["error"]')" "$want" "$mode: the error in the results"
    expect_eq "$(c3 '["trials"][0]["output"]')" "None" "$mode: no output kept"
    check_junit j.xml "$mode: JUnit"
    expect_eq "$junit_counts" "tests=9 failures=0 errors=1 skipped=0" "$mode: c3 is an <error>, not a <failure>"
    expect_eq "$(xmlstarlet sel -t -v "//testcase[@name='c3']/error/@type" -n \
        -v "count(//testcase[@name='c3']/failure)" j.xml)" "pawl.ProviderError
0" "$mode: <error> type"
    expect_eq "$(xmlstarlet sel -t -v "//testcase[@name='c3']/error/@message" j.xml)" "$want" \
        "$mode: the error in the JUnit report"
    tests_run=$((tests_run + 1))
    left=$(survivors "pids.$mode")
    if [ -n "$left" ]; then
        fail "$mode: agent processes outlived the run:$left"
        # shellcheck disable=SC2086 # one word per pid
        kill -KILL $left 2>/dev/null || true
    fi

    rm -f "pids.$mode"
    config "$mode" 0.1
    run_bounded
    expect_status 3 "$mode: one error in 8 at max_error_rate 0.1 is beyond the budget"
    expect_eq "$err" "$budget_message" "$mode: the budget message"
    expect_eq "$(c3 '["trials"][0]["error"]') $(json_get r.json 'd["verdict"]')" "$want error" \
        "$mode: over the budget, the results say why"
    check_junit j.xml "$mode over the budget: JUnit"
    expect_eq "$(xmlstarlet sel -t -v "//testcase[@name='c3']/error/@message" j.xml)" "$want" \
        "$mode over the budget: the error in the JUnit report"
    left=$(survivors "pids.$mode")
    # shellcheck disable=SC2086 # one word per pid
    [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
}

# Hangs: killed at run.timeout. SIGKILL to the agent's process group, so ignoring
# SIGTERM changes nothing, and children in the group die with it.
fault hang "agent timed out after 1000 ms"
fault ignore-term "agent timed out after 1000 ms"
# The answer is complete only when stdout closes: a background child that keeps it
# open holds the call until the timeout, and is killed with the group.
fault grandchild "agent timed out after 1000 ms"
# A child in a new session is out of reach of the group kill: pawl stops reading the
# pipe it holds, so the run still ends (the child lives on; killed here).
fault escape "agent timed out after 1000 ms"
# shellcheck disable=SC2046 # one word per pid
kill -KILL $(cat escaped) 2>/dev/null || true

# Floods: stdout is capped at 16 MiB and the agent killed; of stderr only the tail is
# kept, and the message quotes its last line, at most 300 bytes of it.
fault stdout-flood "agent output exceeds 16777216 bytes"
fault stderr-flood "agent exited with status 1: fatal: out of tokens"
fault long-line "agent exited with status 1: $(printf 'e%.0s' $(seq 1 300))"

# Exits: a status without stderr, a signal (what was printed before is dropped).
fault exit "agent exited with status 7"
fault crash "agent was killed by signal 11"

# Invalid UTF-8 in stderr: each bad sequence is one U+FFFD, in the results and in JUnit.
fault bad-utf8-stderr "agent exited with status 2: bad $(printf '\357\277\275') bytes $(printf '\357\277\275')"

# ---- faults that are not errors ----------------------------------------------------
# 30 MB of stderr from an agent that answers: drained as it comes, ignored.
rm -f r.json j.xml
config stderr-noise 0
run_bounded
expect_status 0 "stderr-noise: an answer is an answer, whatever went to stderr"
expect_eq "$(c3 '["errored"], d["cases"][3]["trials"][0]["output"]')" "False ok" "stderr-noise: c3 answered"

# Invalid UTF-8 on stdout: each bad sequence (a stray byte, a truncated sequence, an
# encoded surrogate) becomes U+FFFD in the results and the JUnit report; the case
# passes, so even max_error_rate 0 is met.
config bad-utf8 0
run_bounded
expect_status 0 "bad-utf8: invalid UTF-8 is output, not an error"
check_junit j.xml "bad-utf8: JUnit"
expect_eq "$junit_counts" "tests=9 failures=0 errors=0 skipped=0" "bad-utf8: JUnit counts"
expect_eq "$(/usr/bin/python3 - <<'PY'
import json
import xml.etree.ElementTree as ET
want = "ok \ufffd\ufffd \ufffd( " + "\ufffd" * 3
out = [c for c in json.load(open("r.json"))["cases"] if c["id"] == "c3"][0]["trials"][0]["output"]
sysout = ET.parse("j.xml").find(".//testcase[@name='c3']/system-out").text
print(out == want, sysout == want, ascii(out))
PY
)" "True True 'ok \ufffd\ufffd \ufffd( \ufffd\ufffd\ufffd'" "bad-utf8: U+FFFD in the results and in JUnit"

# ---- every fault at once ---------------------------------------------------------
# One fault per case, all in flight together: 7 errors in 8, each with its own
# message; within max_error_rate 0.9 the gate decides (ok over the one answer).
rm -f pids.mix
config mix 0.9
run_bounded
expect_status 0 "all faults at once, within the budget"
expect_eq "$(json_get r.json '"|".join(str(c["trials"][0]["error"]) for c in d["cases"])')" \
    "agent timed out after 1000 ms|agent timed out after 1000 ms|agent timed out after 1000 ms|agent output exceeds 16777216 bytes|agent exited with status 1: fatal: out of tokens|agent was killed by signal 11|agent exited with status 2: bad $(printf '\357\277\275') bytes $(printf '\357\277\275')|None" \
    "all faults at once: each case's own error"
check_junit j.xml "all faults at once: JUnit"
expect_eq "$junit_counts" "tests=9 failures=0 errors=7 skipped=0" "all faults at once: seven <error>s"
tests_run=$((tests_run + 1))
left=$(survivors pids.mix)
if [ -n "$left" ]; then
    fail "all faults at once: agent processes outlived the run:$left"
    # shellcheck disable=SC2086 # one word per pid
    kill -KILL $left 2>/dev/null || true
fi
config mix 0.8
run_bounded
expect_status 3 "all faults at once, beyond the budget"
expect_eq "$err" "pawl: 7 of 8 calls to the 'exec' provider failed (error rate 0.875, run.max_error_rate 0.800): the provider failed, not the candidate" \
    "all faults at once: the budget message"
left=$(survivors pids.mix)
# shellcheck disable=SC2086 # one word per pid
[ -z "$left" ] || kill -KILL $left 2>/dev/null || true
finish
