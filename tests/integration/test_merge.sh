# pawl merge: four shards of a CI matrix give back the unsharded run, with and
# without a baseline, with repeats and past the error budget; shards that do
# not belong together are refused; the merged file renders with pawl report.
#
# The candidate is a deterministic exec agent (its answer depends only on the
# case), and at the end the openai provider against the mock LLM server, whose
# answers depend only on the request: every run sees the same outputs.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAWL_TMP"

/usr/bin/python3 - > cases.jsonl <<'PY'
import json
for i in range(40):
    print(json.dumps({"id": f"case-{i:02d}", "input": {"n": i}, "expected_output": f"answer {i}"}))
PY
# new: every fifth case is wrong. old: every seventh. errors: cases 3, 13, 23, 33 fail the call.
cat > agent.sh <<'SH'
#!/bin/sh
IFS= read -r line
n=$(printf '%s' "$line" | sed -n 's/.*"n": *\([0-9]*\).*/\1/p')
case ${1:-new} in
old) [ $((n % 7)) -eq 0 ] && echo "wrong $n" || echo "answer $n" ;;
errors) [ $((n % 10)) -eq 3 ] && exit 1; [ $((n % 5)) -eq 0 ] && echo "wrong $n" || echo "answer $n" ;;
*) [ $((n % 5)) -eq 0 ] && echo "wrong $n" || echo "answer $n" ;;
esac
SH
write_config() { # write_config FILE AGENT-MODE [extra top-level YAML]
    cat > "$1" <<YAML
version: 1
name: merge-demo
dataset: {path: cases.jsonl}
task: {provider: exec, command: [sh, agent.sh, $2]}
scorers:
  - {name: correct, type: contains, value: "{{expected_output}}"}
  - {name: short, type: regex, value: "^.{0,20}\$"}
run: {concurrency: 4, cache: off}
gate:
  rules:
    - {metric: correct, min: 0.5}
    - {metric: correct, max_drop: 0.02}
    - {no_new_failures: true}
${3:-}
YAML
}
write_config pawl.yaml new

# Canonical dumps without what depends on the clock: run id, start, duration,
# every latency and the latency metrics. Prints a diff and fails on a difference.
cat > same.py <<'PY'
import difflib, json, sys
def canon(path):
    d = json.load(open(path))
    for k in ("id", "started_at", "duration_ms"):
        del d["run"][k]
    for c in d["cases"]:
        for t in c["trials"]:
            del t["latency_ms"]
    for k in [k for k in d["metrics"] if k.startswith("latency_")]:
        del d["metrics"][k]
    return json.dumps(d, indent=1, ensure_ascii=False).splitlines(True)
a, b = canon(sys.argv[1]), canon(sys.argv[2])
if a != b:
    sys.stderr.writelines(list(difflib.unified_diff(a, b, sys.argv[1], sys.argv[2]))[:60])
    sys.exit(1)
PY
expect_same() { # expect_same A B what
    tests_run=$((tests_run + 1))
    /usr/bin/python3 same.py "$1" "$2" || fail "$3: '$1' and '$2' differ"
}

# shards PREFIX MAX-STATUS [run options]: runs --shard 1/4 .. 4/4 into PREFIX1.json ..
# PREFIX4.json; each must exit with at most MAX-STATUS.
shards() {
    prefix=$1
    max=$2
    shift 2
    for i in 1 2 3 4; do
        run_pawl run -q --shard "$i/4" --json "$prefix$i.json" "$@"
        if [ "$status" -gt "$max" ]; then
            fail "shard $i/4 of $prefix: exit status $status"
            printf '%s\n' "$err" >&2
        fi
    done
}

# ---- without a baseline ----
run_pawl run -q --json all.json
expect_status 0 "unsharded run: correct passes, the baseline rules are inconclusive without one"
all_status=$status
shards s 1
expect_eq "$(/usr/bin/python3 -c '
import json
ids = [c["id"] for i in range(1, 5) for c in json.load(open(f"s{i}.json"))["cases"]]
print(len(ids), len(set(ids)), min(len(json.load(open(f"s{i}.json"))["cases"]) for i in range(1, 5)) > 0)')" \
    "40 40 True" "the four shards split the 40 cases, none empty"

run_pawl merge s1.json s2.json s3.json s4.json -o merged.json
expect_status "$all_status" "merge exits as the unsharded run did"
expect_same all.json merged.json "merged shards equal the unsharded run"
expect_eq "$(json_get merged.json 'd["verdict"], d["dataset"]["cases"], len(d["cases"]), "comparison" in d')" \
    "$(json_get all.json 'd["verdict"], d["dataset"]["cases"], len(d["cases"]), "comparison" in d')" "merged header and verdict"
expect_eq "$(json_get merged.json 'd["run"]["id"]')" "$(json_get s1.json 'd["run"]["id"]')" "run id is the first shard's"
expect_eq "$(json_get merged.json 'd["run"]["started_at"], d["run"]["duration_ms"]')" \
    "$(/usr/bin/python3 -c '
import json
runs = [json.load(open(f"s{i}.json"))["run"] for i in range(1, 5)]
print(min(r["started_at"] for r in runs), max(r["duration_ms"] for r in runs))')" "earliest start, longest duration"
expect_eq "$(json_get merged.json '[c["id"] for c in d["cases"]] == sorted(c["id"] for c in d["cases"])')" "True" "dataset order"

# Shard order on the command line does not matter (but for the run id).
run_pawl merge s3.json s1.json s4.json s2.json -o reordered.json -q
expect_status "$all_status" "merge in another order"
expect_same merged.json reordered.json "shard order does not change the merge"
expect_eq "$(json_get reordered.json 'd["run"]["id"]')" "$(json_get s3.json 'd["run"]["id"]')" "first shard given names the run"

# The merged file is a results file like any other.
run_pawl report merged.json --junit report.xml
expect_status "$all_status" "pawl report follows the merged verdict"
expect_contains "$out" "correct >= 0.5" "report shows the gate"
check_junit report.xml "junit from pawl report of a merge"
run_pawl merge s1.json s2.json s3.json s4.json -o m2.json --junit merged.xml --markdown merged.md -q
check_junit merged.xml "junit from pawl merge"
expect_eq "$junit_counts" "$(/usr/bin/python3 "$PAWL_SRC/tests/support/junit_consumer.py" report.xml)" "merge and report write the same JUnit counts"
test -s merged.md || fail "markdown written"
cmp -s merged.json m2.json || fail "merging twice writes the same bytes"

# ---- with a baseline: the merged comparison is the unsharded run's ----
write_config pawl.old.yaml old
run_pawl run -q -c pawl.old.yaml --json base.json
expect_status 0 "baseline run"
run_pawl run -q --baseline base.json --json allb.json
expect_status 1 "unsharded run regresses against the baseline"
expect_eq "$(json_get allb.json '" ".join(d["comparison"]["cases"]["broken"])')" \
    "case-05 case-10 case-15 case-20 case-25 case-30" "broken cases of the unsharded run"
# Shards run without the baseline, or with it: their comparisons are dropped either way.
shards sb 1 --baseline base.json
shards sn 1
run_pawl merge sb1.json sb2.json sb3.json sb4.json -o mergedb.json --baseline base.json
expect_status 1 "merge regresses against the baseline"
expect_contains "$out" "6 cases passed in the baseline and fail now" "regression printed"
expect_same allb.json mergedb.json "merged comparison equals the unsharded run's"
run_pawl merge sn1.json sn2.json sn3.json sn4.json -o mergedn.json --baseline base.json -q
expect_status 1 "shards run without a baseline, compared at the merge"
expect_same allb.json mergedn.json "comparison made at the merge"
write_config withbase.yaml new "baseline: {file: base.json}"
run_pawl merge sn1.json sn2.json sn3.json sn4.json -o mergedc.json -c withbase.yaml -q
expect_status 1 "baseline from the config"
expect_same allb.json mergedc.json "config baseline gives the same comparison"
run_pawl report mergedb.json --markdown mergedb.md -q
expect_status 1 "report of a compared merge"
expect_contains "$(cat mergedb.md)" "case-05" "markdown lists broken cases"

# ---- repeats: pass@k over all the cases ----
run_pawl run -q --repeat 2 --json all2.json
shards r 1 --repeat 2
run_pawl merge r1.json r2.json r3.json r4.json -o merged2.json -q
expect_same all2.json merged2.json "merged repeats equal the unsharded run"
expect_eq "$(json_get merged2.json 'd["metrics"]["pass_at_k"]["k"]')" "2" "pass@k kept"
run_pawl merge r1.json s2.json r3.json r4.json -o bad.json
expect_status 2 "different repeats refused"
expect_eq "$err" "pawl: shard 's2.json' ran 1 trials per case, not 2 like 'r1.json'" "repeats message"

# ---- past the error budget: counted over all the shards, exit 3 ----
write_config errors.yaml errors
run_pawl run -q -c errors.yaml --json alle.json
expect_status 3 "unsharded run past the error budget"
expect_contains "$err" "4 of 40 calls to the 'exec' provider failed (error rate 0.100, run.max_error_rate 0.000)" "run error"
shards e 3 -c errors.yaml
run_pawl merge e1.json e2.json e3.json e4.json -o mergede.json -c errors.yaml
expect_status 3 "merge past the error budget"
expect_eq "$(printf '%s\n' "$err" | tail -1)" "pawl: 4 of 40 calls to the 'exec' provider failed (error rate 0.100, run.max_error_rate 0.000): the provider failed, not the candidate" "merge error message"
expect_same alle.json mergede.json "merged errored run equals the unsharded one"
sed -i 's/run: {concurrency: 4, cache: off}/run: {concurrency: 4, cache: off, max_error_rate: 0.2}/' errors.yaml
run_pawl merge e1.json e2.json e3.json e4.json -o mergede2.json -c errors.yaml -q
expect_status 0 "within a larger budget the gate decides"
expect_eq "$(json_get mergede2.json 'd["verdict"], d["metrics"]["error_rate"]["mean"]')" "pass 0.1" "errored calls within budget"

# ---- refusals: nothing is written ----
cp s1.json s1copy.json
first=$(json_get s1.json 'sorted(c["id"] for c in d["cases"])[0]')
run_pawl merge s1.json s2.json s1copy.json -o bad.json
expect_status 2 "overlapping shards"
expect_eq "$err" "pawl: case '$first' appears in both 's1.json' and 's1copy.json'" "overlap message"
test ! -e bad.json || fail "nothing written for refused shards"

run_pawl merge s1.json s2.json s1.json -o bad.json
expect_status 2 "a shard given twice"
expect_contains "$err" "pawl: shard 's1.json' is given twice" "twice message"

/usr/bin/python3 - > other.jsonl <<'PY'
import json
for i in range(41):
    print(json.dumps({"id": f"case-{i:02d}", "input": {"n": i}, "expected_output": f"answer {i}"}))
PY
sed 's/cases.jsonl/other.jsonl/' pawl.yaml > other.yaml
run_pawl run -q -c other.yaml --shard 4/4 --json o4.json
run_pawl merge s1.json s2.json s3.json o4.json -o bad.json
expect_status 2 "a shard of another dataset"
expect_eq "$err" "pawl: shard 'o4.json' ran on another dataset than 's1.json' (blob $(json_get o4.json 'd["dataset"]["blob"][:7]'), not $(json_get s1.json 'd["dataset"]["blob"][:7]'))" "dataset message"

write_config task.yaml old
run_pawl run -q -c task.yaml --shard 2/4 --json t2.json
run_pawl merge s1.json t2.json -o bad.json
expect_status 2 "a shard of another task"
expect_contains "$err" "pawl: shard 't2.json' ran another task than 's1.json' (fingerprint " "task message"

/usr/bin/python3 -c '
import json
d = json.load(open("s3.json")); d["run"]["interrupted"] = True
json.dump(d, open("s3int.json", "w"))'
run_pawl merge s1.json s2.json s3int.json s4.json -o bad.json
expect_status 2 "an interrupted shard"
expect_eq "$err" "pawl: shard 's3int.json' was interrupted; run it again before merging" "interrupted message"

sed 's/name: short, type: regex/name: brief, type: regex/' pawl.yaml > scorers.yaml
run_pawl merge s1.json s2.json s3.json s4.json -o bad.json -c scorers.yaml
expect_status 2 "a config for other scorers"
expect_eq "$err" "pawl: config 'scorers.yaml' has scorers 'correct, brief', but the shards were scored by 'correct, short'; pass -c with the config they ran with" "config scorers message"

write_config rerun.yaml new "baseline: {ref: HEAD, rerun: true}"
run_pawl merge s1.json s2.json s3.json s4.json -o bad.json -c rerun.yaml
expect_status 2 "a rerun baseline cannot be merged"
expect_contains "$err" "'baseline.rerun' cannot be redone by 'pawl merge'" "rerun message"

printf '{"schema": 1' > broken.json
run_pawl merge s1.json broken.json -o bad.json
expect_status 2 "a shard that is not JSON"
expect_contains "$err" "broken.json:" "broken shard named"
run_pawl merge s1.json s2.json
expect_status 2 "missing -o"
expect_contains "$err" "missing -o FILE" "missing -o message"
run_pawl merge -o bad.json
expect_status 2 "no shards"
run_pawl merge s1.json -o bad.json --bogus
expect_status 2 "unknown option"
run_pawl merge s1.json -o bad.json --baseline other.jsonl
expect_status 2 "a baseline that is not a results file"
test ! -e bad.json || fail "nothing written for bad input"

# ---- without a config: the default gate, and a warning that it differs ----
mkdir elsewhere
cp s1.json s2.json s3.json s4.json elsewhere/
capture elsewhere env -C elsewhere "$PAWL" merge s1.json s2.json s3.json s4.json -o m.json
expect_status 1 "default gate: every case must pass"
expect_eq "$(json_get elsewhere/m.json '[r["rule"] for r in d["gate"]]')" "['pass_rate >= 1']" "default rule"
expect_contains "$err" "pawl: warning: 's1.json' was gated on other rules than this merge; pass -c with the config the shards ran with" "rules warning"

# A missing shard: merged all the same, with a note.
run_pawl merge s1.json s2.json s3.json -o three.json
expect_contains "$err" "pawl: note: the shards hold $(json_get three.json 'len(d["cases"])') of the dataset's 40 cases" "missing shard note"

# In GitHub Actions the merge job reports the gate: outputs, summary, commands stopped around the report.
mkdir -p gh
capture gh env GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$PWD/gh/summary" GITHUB_OUTPUT="$PWD/gh/output" \
    "$PAWL" merge s1.json s2.json s3.json s4.json -o gh.json
tests_run=$((tests_run + 1))
grep -qx "verdict=$(json_get gh.json 'd["verdict"]')" gh/output || fail "merge writes the verdict output"
grep -qx "exit-code=$status" gh/output || fail "merge writes the exit-code output"
test -s gh/summary || fail "merge appends the step summary"
tests_run=$((tests_run + 1))
grep -q '^::stop-commands::[0-9a-f]\{32\}$' gh/stdout || fail "the report is printed with workflow commands stopped"

# ---- the same through an HTTP provider: four shards against the mock server ----
mkdir -p http
cat >http/rules.json <<'JSON'
{"rules": [{"match": "n=1", "reply": "I do not know"}, {"match": "n=2", "reply": "I do not know"}]}
JSON
start_mock --rules http/rules.json --log http/mock.log
cp cases.jsonl http/
cat >http/pawl.yaml <<YAML
version: 1
name: merge-http
dataset: {path: cases.jsonl}
task:
  provider: openai
  model: m
  base_url: $MOCK_URL/v1
  messages: [{role: user, content: "n={{input.n}} answer {{input.n}}"}]
  price: {input_per_mtok: 1, output_per_mtok: 4}
scorers: [{name: correct, type: contains, value: "{{expected_output}}"}]
run: {concurrency: 8}
gate: {rules: [{metric: correct, min: 0.5}, {metric: cost_total, max: 1}]}
YAML
run_pawl run -q -c http/pawl.yaml --no-cache --json http/all.json
http_status=$status
expect_status 1 "unsharded HTTP run: the cases the mock does not know fail pass_rate"
for i in 1 2 3 4; do
    run_pawl run -q -c http/pawl.yaml --no-cache --shard "$i/4" --json "http/s$i.json"
done
run_pawl merge -c http/pawl.yaml http/s1.json http/s2.json http/s3.json http/s4.json -o http/merged.json
expect_status "$http_status" "merge of the HTTP shards exits as the unsharded run did"
expect_same http/all.json http/merged.json "HTTP shards merged equal the unsharded run, usage and cost included"
expect_eq "$(json_get http/merged.json '[len(d["cases"]), d["metrics"]["cost_total"]["mean"] > 0, d["cases"][1]["trials"][0]["output"]]')" \
    "[40, True, 'I do not know']" "the merged run has every case, its cost and the mock's answers"
expect_eq "$(mocklog count http/mock.log)" 80 \
    "the mock answered every case twice: once unsharded, once in a shard"
stop_mock

run_pawl merge --help
expect_status 0 "help"
expect_contains "$out" "usage: pawl merge SHARD.json... -o RESULTS.json" "help text"
finish
