# SIGTERM (and Ctrl-C) stop a run: in-flight agents are killed, the partial
# results are written and marked interrupted, and pawl exits 3.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAWL_TMP"
python3 - > cases.jsonl <<'PY'
import json
for i in range(6):
    print(json.dumps({"id": f"c{i}", "input": i, "expected_output": "ok"}))
PY
cat > slow.sh <<'SH'
#!/bin/sh
read -r line
case $line in *'"c0"'*) echo ok; exit 0 ;; esac
sleep 30.4217
echo ok
SH
cat > pawl.yaml <<'YAML'
version: 1
dataset: {path: cases.jsonl}
task: {provider: exec, command: [sh, slow.sh]}
scorers: [{name: ok, type: contains, value: "{{expected_output}}"}]
run: {concurrency: 2, timeout: 60s}
YAML

for sig in TERM INT; do
    "$PAWL" run --json r.json --junit j.xml >out.txt 2>err.txt &
    pid=$!
    # Wait until the slow agent is running, then stop pawl.
    for _ in $(seq 1 100); do
        pgrep -f "sh slow.sh" >/dev/null 2>&1 && break
        sleep 0.05
    done
    sleep 0.2
    kill -s "$sig" "$pid"
    set +e
    wait "$pid"
    status=$?
    set -e
    out=$(cat out.txt) err=$(cat err.txt)
    expect_status 3 "SIG$sig stops the run"
    expect_contains "$err" "pawl: interrupted after " "SIG$sig message"
    expect_eq "$(json_get r.json 'd["run"]["interrupted"], d["verdict"]')" "True error" "SIG$sig partial results marked"
    expect_eq "$(json_get r.json 'sorted({t["error"] for c in d["cases"] for t in c["trials"] if t["error"] and "killed" not in t["error"]})')" \
        "['not run: the run was interrupted']" "SIG$sig: unstarted calls say so"
    check_junit j.xml "SIG$sig junit"
    tests_run=$((tests_run + 1))
    pgrep -f "sleep 30.4217" >/dev/null 2>&1 && fail "SIG$sig leaves no agent behind"
    pkill -f "sleep 30.4217" 2>/dev/null || true
done
finish
