# The command line itself: help, version, usage errors, init, filters, shards.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAWL_TMP"

run_pawl --version
expect_status 0 "--version"
expect_eq "$out" "pawl 0.1.0" "--version output"

run_pawl --help
expect_status 0 "--help"
expect_contains "$out" "usage: pawl <command>" "--help usage line"
expect_contains "$out" "3  runtime or infrastructure error" "--help explains exit codes"
for cmd in run validate report init push dataset "dataset add" "dataset pull" "dataset push"; do
    # shellcheck disable=SC2086 # "dataset add" is meant to split into two words
    run_pawl $cmd --help
    expect_status 0 "$cmd --help"
    expect_contains "$out" "usage: pawl $cmd" "$cmd --help usage"
done
run_pawl dataset
expect_status 2 "dataset without a command"
expect_eq "$err" "pawl: expected a command: add, pull or push
Try 'pawl dataset --help'." "dataset without a command: message"
run_pawl dataset pul evals.jsonl
expect_status 2 "dataset with an unknown command"
expect_eq "$err" "pawl: unknown dataset command 'pul' (expected add, pull or push)
Try 'pawl dataset --help'." "dataset with an unknown command: message"

run_pawl
expect_status 2 "no command"
run_pawl frobnicate
expect_status 2 "unknown command"
expect_eq "$err" "pawl: unknown command 'frobnicate'
Try 'pawl --help'." "unknown command message"
run_pawl run --concurency 3
expect_status 2 "unknown flag"
expect_eq "$err" "pawl: unknown option '--concurency'
Try 'pawl run --help'." "unknown flag message"
run_pawl run --repeat 0
expect_status 2 "bad --repeat"
expect_eq "$err" "pawl: --repeat must be a whole number from 1 to 1000, not '0'
Try 'pawl run --help'." "bad --repeat message"
run_pawl run --shard 3/2
expect_status 2 "bad --shard"

run_pawl validate -c missing.yaml
expect_status 2 "missing config"
expect_eq "$err" "pawl: cannot open 'missing.yaml': No such file or directory" "missing config message"

# init scaffolds a suite that passes, and refuses to overwrite it.
run_pawl init proj
expect_status 0 "init"
expect_eq "$out" "wrote proj/pawl.yaml and proj/evals/cases.jsonl
next: cd proj && pawl run" "init output"
run_pawl init proj
expect_status 2 "init refuses to overwrite"
expect_eq "$err" "pawl: 'proj/pawl.yaml' already exists (use --force to overwrite)" "init refusal message"
run_pawl run -c proj/pawl.yaml
expect_status 0 "the scaffold passes"
test -f proj/reports/pawl-junit.xml || fail "default junit path is next to the config"
test -f proj/reports/pawl-results.json || fail "default results path is next to the config"
run_pawl run -c proj/pawl.yaml -q
expect_status 0 "quiet run"
expect_eq "$out" "" "quiet prints nothing on success"

# Zero selected cases is an error, never a pass.
run_pawl run -c proj/pawl.yaml --filter 'nothing-*'
expect_status 2 "filter selecting nothing"
expect_eq "$err" "pawl: no cases selected (the dataset has 3; check --filter and --shard)" "zero cases message"
run_pawl run -c proj/pawl.yaml --filter 'refund-*' --json one.json
expect_status 0 "filter selecting one case"
expect_eq "$(json_get one.json '[c["id"] for c in d["cases"]]')" "['refund-window']" "filter keeps matching ids"

# Shards split the ids into disjoint parts that cover the dataset.
python3 - > proj/evals/cases.jsonl <<'PY'
import json
for i in range(40):
    print(json.dumps({"id": f"case-{i}", "input": {"question": f"q{i}?"}, "metadata": {"topic": "q"}}))
PY
all=""
for i in 1 2 3; do
    run_pawl run -c proj/pawl.yaml --shard "$i/3" --json "shard$i.json"
    expect_status 0 "shard $i/3"
    all="$all $(json_get "shard$i.json" '" ".join(c["id"] for c in d["cases"])')"
done
expect_eq "$(printf '%s\n' $all | sort | tr '\n' ' ')" "$(for i in $(seq 0 39); do echo "case-$i"; done | sort | tr '\n' ' ')" "shards cover every case once"
finish
