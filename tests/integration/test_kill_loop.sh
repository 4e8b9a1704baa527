# shellcheck shell=bash
# The promise of DESIGN.md 2.5: a killed run never damages the previous
# results or the baseline. pawl is killed at random points of a run, again and
# again; after each kill every report is either the previous file byte for byte
# or a complete new one, and the baseline is untouched.
#
# Reports are written to a temp file beside the real one (NAME.tmp.XXXXXX) and
# renamed over it. SIGKILL leaves no chance to clean up, so a kill during a
# write leaves that temp file behind: an orphan, never the real file. Later
# runs do not remove orphans (another run may be writing one), so they pile up
# until someone deletes them; what matters is that the real file beside them
# is still the previous one.
#
# SIGTERM and SIGINT are caught: the run stops within a bounded time, kills its
# agents, writes the partial results marked interrupted and exits 3. A second
# signal exits at once.
#
# The random delays come from $RANDOM, seeded from PAWL_KILL_SEED (default: the
# shell's pid); the seed is printed so a failing sequence can be replayed.
. "$(dirname "$0")/lib.sh"
set -e

# A CI runner's GitHub variables would make every run write to its step summary.
unset GITHUB_ACTIONS GITHUB_STEP_SUMMARY GITHUB_OUTPUT

seed=${PAWL_KILL_SEED:-$$}
RANDOM=$seed
echo "kill loop: seed $seed (PAWL_KILL_SEED=$seed replays it)"

alive() { # alive PID: running (a zombie waiting to be reaped is not)
    local state
    [ -r "/proc/$1/stat" ] || return 1
    read -r _ _ state _ <"/proc/$1/stat" 2>/dev/null || return 1
    [ "$state" != Z ]
}

seconds() { # seconds MS: MS milliseconds as an argument for sleep
    printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}

listing() { # listing DIR: the names in DIR, dot files too, in C order, on one line
    find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}

now_ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }

# wait_exit PID LIMIT-S: waits for PID (a child of this shell) to end, leaving its exit
# status in $status for expect_status; past LIMIT-S seconds it is killed and the test
# fails. A hang check, not a measurement.
# shellcheck disable=SC2034 # status is read by lib.sh's expect_status
wait_exit() {
    local pid=$1 limit=$(($2 * 1000)) start
    start=$(now_ms)
    while alive "$pid" && [ $(($(now_ms) - start)) -lt "$limit" ]; do sleep 0.02; done
    if alive "$pid"; then
        fail "pawl did not exit within $2 s"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    status=0
    wait "$pid" || status=$?
}

# wait_handlers PID: waits until PID catches SIGINT and SIGTERM (bits 2 and 15 of
# SigCgt in /proc/PID/status): from then on a signal is pawl's to handle. Before
# that, the default action ends pawl before it has written anything.
wait_handlers() {
    local mask i=0
    while [ $i -lt 500 ]; do
        mask=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null || true)
        if [ -n "$mask" ] && [ $(((16#$mask >> 1) & (16#$mask >> 14) & 1)) -eq 1 ]; then
            return 0
        fi
        alive "$1" || return 1
        sleep 0.01
        i=$((i + 1))
    done
    return 1
}

# survivors PIDFILE: the processes agents recorded in PIDFILE that are still running
# after a grace of 2 s (a process killed a moment ago may not have died yet; the hung
# agents of these tests sleep 30 s, so one that was never killed is still there).
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

# no_agents_left PIDFILE what: every process an agent recorded in PIDFILE is gone.
no_agents_left() {
    local left
    tests_run=$((tests_run + 1))
    left=$(survivors "$1")
    if [ -n "$left" ]; then
        fail "$2: agent processes still running:$left"
        # shellcheck disable=SC2086 # one word per pid
        kill -KILL $left 2>/dev/null || true
    fi
}

# suite DIR N AGENT-BODY: a suite "kill" of N cases in DIR whose exec agent runs
# AGENT-BODY after reading its case; reports under DIR/reports.
suite() {
    mkdir -p "$1"
    /usr/bin/python3 -c '
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"id": "c%02d" % i, "input": i, "expected_output": "ok"}))' "$2" >"$1/cases.jsonl"
    printf '#!/bin/sh\nread -r line\n%s\n' "$3" >"$1/agent.sh"
    cat >"$1/pawl.yaml" <<'YAML'
version: 1
name: kill
dataset: {path: cases.jsonl}
task: {provider: exec, command: [sh, agent.sh]}
scorers: [{name: ok, type: contains, value: "{{expected_output}}"}]
run: {concurrency: 4}
report: {json: reports/r.json, junit: reports/j.xml, markdown: reports/m.md}
YAML
}

# answer DIR BYTES: DIR/answer.txt, "ok" and BYTES more, for an agent to print.
answer() {
    { printf 'ok '; head -c "$2" /dev/zero | tr '\0' y; echo; } >"$1/answer.txt"
}

md_head='## ✅ PASS: kill (12 cases, 0 failed, 0 errored)'
md_tail='No case that passed in the baseline fails now.'
last_line() { grep . "$1" | tail -n 1; }

# ---- SIGKILL at random points ------------------------------------------------------
# 12 cases whose agents sleep 1-9 ms and answer 50 KB: a run takes about 200 ms under
# the sanitizers, a tenth of it writing 1 MB reports, so the 0-300 ms delays land
# before the config is read, among the calls, among the report writes and after pawl
# has exited.
s=$PAWL_TMP/s
# shellcheck disable=SC2016 # the agent's code, expanded by the agent's shell
suite "$s" 12 'sleep 0.00$(($$ % 9 + 1))
cat answer.txt'
answer "$s" 50000
cd "$s"
run_pawl run
expect_status 0 "first run"
run_pawl baseline promote reports/r.json
expect_status 0 "promote the baseline"
cat >>pawl.yaml <<'YAML'
baseline: {file: .pawl/baseline.json}
gate:
  rules:
    - {metric: ok, max_drop: 0.05}
    - {no_new_failures: true}
YAML
cp .pawl/baseline.json "$PAWL_TMP/baseline.orig"
run_pawl run
expect_status 0 "a run compared with the baseline"
expect_eq "$(head -n 1 reports/m.md)" "$md_head" "summary of a complete run: first line"
expect_eq "$(last_line reports/m.md)" "$md_tail" "summary of a complete run: last line"

# check_report NAME: reports/NAME is the previous one ($PAWL_TMP/prev/NAME) byte for
# byte, or a complete new one; sets $kept to 1 for the previous one.
check_report() {
    kept=0
    if cmp -s "reports/$1" "$PAWL_TMP/prev/$1"; then
        kept=1
        return 0
    fi
    case $1 in
    r.json)
        tests_run=$((tests_run + 1))
        if ! got=$(json_get reports/r.json '[d["run"]["interrupted"], d["verdict"], len(d["cases"]), d["comparison"] is not None]' 2>&1); then
            fail "kill $k: reports/r.json is neither the previous file nor valid JSON: $got"
            return 0
        fi
        expect_eq "$got" "[False, 'pass', 12, True]" "kill $k: a new results file is a whole run"
        run_pawl report reports/r.json --junit "$PAWL_TMP/rereport.xml"
        expect_status 0 "kill $k: pawl report accepts the new results file"
        ;;
    j.xml)
        check_junit reports/j.xml "kill $k: new JUnit file"
        expect_eq "$junit_counts" "tests=14 failures=0 errors=0 skipped=0" "kill $k: new JUnit counts"
        ;;
    m.md)
        expect_eq "$(head -n 1 reports/m.md)" "$md_head" "kill $k: new summary, first line"
        expect_eq "$(last_line reports/m.md)" "$md_tail" "kill $k: new summary, last line"
        ;;
    esac
}

kills=0 finished=0 kept_all=0 new_all=0 orphans=0
mkdir -p "$PAWL_TMP/prev"
for k in $(seq 1 25); do
    cp reports/r.json reports/j.xml reports/m.md "$PAWL_TMP/prev/"
    before=" $(listing reports) "
    delay=$((RANDOM % 301))
    "$PAWL" run >"$PAWL_TMP/kill.out" 2>"$PAWL_TMP/kill.err" &
    pid=$!
    sleep "$(seconds $delay)"
    kill -KILL "$pid" 2>/dev/null || true
    st=0
    wait "$pid" 2>/dev/null || st=$?
    case $st in
    137) kills=$((kills + 1)) ;;
    0) finished=$((finished + 1)) ;;
    *)
        fail "kill $k after $delay ms: exit status $st, want 137 (killed) or 0 (done first)"
        cat "$PAWL_TMP/kill.err" >&2
        ;;
    esac
    if grep -q 'Sanitizer\|runtime error:' "$PAWL_TMP/kill.err"; then
        fail "kill $k: sanitizer report"
        cat "$PAWL_TMP/kill.err" >&2
    fi

    kept_flags=""
    for f in r.json j.xml m.md; do
        check_report "$f"
        kept_flags=$kept_flags$kept
        # A temp file this kill left behind means its rename never happened.
        for t in reports/"$f".tmp.*; do
            [ -e "$t" ] || continue
            case $before in *" ${t#reports/} "*) continue ;; esac
            orphans=$((orphans + 1))
            tests_run=$((tests_run + 1))
            [ "$kept" -eq 1 ] || fail "kill $k: $t was left, yet reports/$f is not the previous file"
        done
    done
    case $kept_flags in 111) kept_all=$((kept_all + 1)) ;; 000) new_all=$((new_all + 1)) ;; esac
    tests_run=$((tests_run + 1))
    cmp -s .pawl/baseline.json "$PAWL_TMP/baseline.orig" || fail "kill $k: the baseline changed"
    expect_eq "$(listing .pawl)" "baseline.json" "kill $k: nothing but the baseline in .pawl"
    expect_eq "$(listing .)" ".pawl agent.sh answer.txt cases.jsonl pawl.yaml reports" \
        "kill $k: nothing new beside the suite"
    stray=$(listing reports | tr ' ' '\n' | grep -Ev '^(r\.json|j\.xml|m\.md)(\.tmp\.[A-Za-z0-9]{6})?$' || true)
    expect_eq "$stray" "" "kill $k: only the reports and their temp files in reports/"
done
echo "kill loop: $kills killed, $finished finished first; all reports old $kept_all times," \
    "all new $new_all times, some of each $((25 - kept_all - new_all)) times; $orphans temp files left"
expect_eq "$((kills > 0))" 1 "some of the 25 runs were killed"

# A run after all that is whole, and leaves the orphans where they are.
left=$(listing reports)
run_pawl run
expect_status 0 "a run after the kills"
expect_eq "$(listing reports)" "$left" "a later run leaves the orphans alone"

# ---- an orphan, on purpose ----------------------------------------------------------
# Big outputs make the results file 8 MB, long enough to write that pawl can be killed
# as soon as its temp file appears. The temp file stays, and the previous file with it.
o=$PAWL_TMP/orphan
suite "$o" 40 'cat answer.txt'
answer "$o" 200000
cd "$o"
run_pawl run
expect_status 0 "big outputs: first run"
caught=""
for attempt in 1 2 3 4 5; do
    cp reports/r.json "$PAWL_TMP/orphan.prev"
    before=" $(listing reports) "
    "$PAWL" run >/dev/null 2>"$PAWL_TMP/orphan.err" &
    pid=$!
    while alive "$pid"; do
        for t in reports/*.tmp.*; do
            [ -e "$t" ] || continue
            case $before in *" ${t#reports/} "*) continue ;; esac
            kill -KILL "$pid"
            caught=$t
            break 2
        done
    done
    wait "$pid" 2>/dev/null || true
    case $caught in reports/r.json.tmp.*) break ;; esac
    caught=""
done
tests_run=$((tests_run + 1))
if [ -z "$caught" ]; then
    fail "no kill landed while the results file was being written ($attempt attempts)"
else
    tests_run=$((tests_run + 1))
    [ -f "$caught" ] || fail "SIGKILL during the write leaves the temp file $caught"
    expect_file reports/r.json "$PAWL_TMP/orphan.prev" "the results file beside the orphan is the previous one"
fi

# ---- SIGTERM and SIGINT at random points --------------------------------------------
# Cases c00-c19 take 100 ms, the others hang (30 s): 4 at a time, the hanging agents
# are reached after about 0.5 s. A signal 0-600 ms after pawl starts catching signals
# lands among answering or hanging agents, never after the run. Each agent records its
# pid and its sleep's, so the test sees any that outlive pawl.
i=$PAWL_TMP/int
# shellcheck disable=SC2016 # the agent's code, expanded by the agent's shell
suite "$i" 40 'echo $$ >>pids
case $line in *"\"c0"* | *"\"c1"*) t=0.1 ;; *) t=30 ;; esac
sleep $t &
echo $! >>pids
wait $!
echo ok'
cd "$i"
for k in $(seq 1 10); do
    if [ $((k % 2)) -eq 0 ]; then sig=INT; else sig=TERM; fi
    rm -f pids reports/r.json
    "$PAWL" run >"$PAWL_TMP/int.out" 2>"$PAWL_TMP/int.err" &
    pid=$!
    tests_run=$((tests_run + 1))
    wait_handlers "$pid" || fail "SIG$sig $k: pawl never caught SIGINT and SIGTERM"
    delay=$((RANDOM % 601))
    sleep "$(seconds $delay)"
    kill -s "$sig" "$pid"
    wait_exit "$pid" 10
    out=$(cat "$PAWL_TMP/int.out") err=$(cat "$PAWL_TMP/int.err")
    what="SIG$sig $delay ms into the run"
    expect_status 3 "$what"
    tests_run=$((tests_run + 1))
    if [[ $err =~ ^pawl:\ interrupted\ after\ ([0-9]+)\ of\ 40\ calls$ ]]; then
        done_before=${BASH_REMATCH[1]}
    else
        fail "$what: stderr is '$err'"
        done_before=0
    fi
    expect_eq "$(json_get reports/r.json '[d["run"]["interrupted"], d["verdict"], len(d["cases"])]')" \
        "[True, 'error', 40]" "$what: partial results, marked interrupted"
    # Calls that finished before the stop answered, in-flight agents were killed, the
    # rest never ran.
    expect_eq "$(json_get reports/r.json 'sorted(set(t["error"] or "answer " + t["output"] for c in d["cases"] for t in c["trials"]) - {"answer ok", "agent was killed by signal 9"})')" \
        "['not run: the run was interrupted']" "$what: what each call says"
    # An agent that exits between the stop and its kill still answers: at most one per slot.
    answered=$(json_get reports/r.json 'sum(1 for c in d["cases"] for t in c["trials"] if not t["error"])')
    expect_eq "$((answered >= done_before && answered <= done_before + 4))" 1 \
        "$what: $answered answers, $done_before calls finished before the stop"
    check_junit reports/j.xml "$what: JUnit"
    no_agents_left pids "$what"
done

# ---- a second signal exits at once ----------------------------------------------------
# The first signal's orderly stop ends up blocked: under GitHub Actions pawl appends to
# $GITHUB_STEP_SUMMARY, here a FIFO nobody reads (as a hung network disk would block
# it). Only a second signal gets pawl out; the reports were written before.
rm -f pids fifo reports/*
mkfifo fifo
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$i/fifo "$PAWL" run >"$PAWL_TMP/int.out" 2>"$PAWL_TMP/int.err" &
pid=$!
tests_run=$((tests_run + 1))
wait_handlers "$pid" || fail "pawl never caught SIGINT and SIGTERM"
sleep 0.3
kill -INT "$pid"
n=0
while [ ! -f reports/m.md ] && alive "$pid" && [ $n -lt 500 ]; do
    sleep 0.02
    n=$((n + 1))
done
sleep 0.5
tests_run=$((tests_run + 1))
alive "$pid" || fail "pawl did not block on the FIFO: $(cat "$PAWL_TMP/int.err")"
kill -INT "$pid"
wait_exit "$pid" 5
out=$(cat "$PAWL_TMP/int.out") err=$(cat "$PAWL_TMP/int.err")
expect_status 3 "a second SIGINT"
expect_eq "$err" "pawl: interrupted again, exiting now" "a second SIGINT says so"
expect_eq "$(json_get reports/r.json '[d["run"]["interrupted"], d["verdict"]]')" "[True, 'error']" \
    "the first SIGINT's results were written"
no_agents_left pids "after a second SIGINT"
rm -f fifo

# Two signals close together: however the race goes, pawl exits 3 at once, and each
# report is whole: the previous one or the interrupted run's.
again=0 outlived=0
for k in $(seq 1 8); do
    rm -f pids
    cp reports/r.json reports/j.xml "$PAWL_TMP/prev/"
    "$PAWL" run >"$PAWL_TMP/int.out" 2>"$PAWL_TMP/int.err" &
    pid=$!
    tests_run=$((tests_run + 1))
    wait_handlers "$pid" || fail "double $k: pawl never caught SIGINT and SIGTERM"
    sleep "$(seconds $((RANDOM % 601)))"
    kill -INT "$pid"
    sleep "$(seconds $((RANDOM % 20)))"
    kill -INT "$pid" 2>/dev/null || true
    wait_exit "$pid" 10
    out=$(cat "$PAWL_TMP/int.out") err=$(cat "$PAWL_TMP/int.err")
    expect_status 3 "double $k: two SIGINTs"
    case $err in
    *"pawl: interrupted again, exiting now") again=$((again + 1)) ;;
    "pawl: interrupted after "*" of 40 calls") ;;
    *) fail "double $k: stderr is '$err'" ;;
    esac
    if ! cmp -s reports/r.json "$PAWL_TMP/prev/r.json"; then
        expect_eq "$(json_get reports/r.json '[d["run"]["interrupted"], len(d["cases"])]')" "[True, 40]" \
            "double $k: a new results file is the whole interrupted run"
    fi
    if ! cmp -s reports/j.xml "$PAWL_TMP/prev/j.xml"; then
        check_junit reports/j.xml "double $k: new JUnit file"
    fi
    # pawl kills the agents' process groups within a millisecond of the first signal; a
    # second one that lands in between exits before that, and the agents live on.
    # Count them (the report says how often), then end them.
    left=$(survivors pids)
    if [ -n "$left" ]; then
        outlived=$((outlived + $(echo "$left" | wc -w)))
        # shellcheck disable=SC2086 # one word per pid
        kill -KILL $left 2>/dev/null || true
    fi
done
echo "double SIGINT: the second cut the orderly stop short $again times of 8; $outlived agent processes outlived pawl"
finish
