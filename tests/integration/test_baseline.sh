# Baselines in real git repositories made here: promote, compare with a file,
# at HEAD~1, at a branch, missing at a ref, another dataset, a rerun of the
# task as it was at a revision, and `pawl compare` exit codes.
. "$(dirname "$0")/lib.sh"
set -e
git_env
git init -q -b main "$PAWL_TMP/repo"
cd "$PAWL_TMP/repo"
quickstart_bot .
cat >> pawl.yaml <<'YAML'
baseline: {file: .pawl/baseline.json}
gate:
  rules:
    - {metric: correct, max_drop: 0.02}
    - {no_new_failures: true}
YAML

# No baseline yet: a clear error that says how to make one.
run_pawl run
expect_status 2 "missing baseline"
expect_eq "$err" "pawl: baseline '.pawl/baseline.json' does not exist; create one with 'pawl run' and 'pawl baseline promote reports/pawl-results.json', then commit it" "missing baseline message"

# A baseline section that names no results file and no rerun is a config error.
sed -i 's|^baseline: {file: .pawl/baseline.json}|baseline: {ref: main}|' pawl.yaml
run_pawl run -q
expect_status 2 "baseline.ref alone"
expect_eq "$err" "pawl.yaml:6:11: 'baseline.ref' needs 'baseline.file' (or 'rerun: true')" "baseline.ref alone message"
sed -i 's|^baseline: {ref: main}|baseline: {rerun: true}|' pawl.yaml
run_pawl run -q
expect_status 2 "baseline.rerun without a ref"
expect_eq "$err" "pawl.yaml:6:11: 'baseline.rerun' needs 'baseline.ref', the revision to rerun" "rerun without ref message"
sed -i 's|^baseline: {rerun: true}|baseline: {file: .pawl/baseline.json}|' pawl.yaml

run_pawl run --baseline /dev/null --json first.json -q
expect_status 2 "an empty file is not a baseline"
sed -i '/^baseline:/d' pawl.yaml
run_pawl run --json first.json -q
expect_status 0 "first run without a baseline"
run_pawl baseline promote first.json
expect_status 0 "promote"
expect_eq "$out" "promoted first.json to .pawl/baseline.json; commit it so later runs compare against it" "promote message"
cmp -s first.json .pawl/baseline.json || fail "promoted baseline is the results file"
printf 'baseline: {file: .pawl/baseline.json}\n' >> pawl.yaml
git add -A && git commit -qm "good bot and its baseline"

# The same bot against its own baseline passes.
run_pawl run --json same.json
expect_status 0 "same bot passes"
expect_eq "$(json_get same.json 'd["comparison"]["baseline"], d["comparison"]["paired"], [m["delta"] for m in d["comparison"]["metrics"]]')" \
    ".pawl/baseline.json 30 [0.0, 0.0]" "comparison recorded"

# A worse bot, committed: the regression is caught against the file and against HEAD~1.
sed -i 's/^mode=\${1:-good}/mode=--worse/' agent.sh
git commit -qam "worse bot"
run_pawl run --json worse.json --junit worse.xml
expect_status 1 "regression against the baseline file"
expect_contains "$out" "correct changed by -0.200 (95% interval -0.200 to -0.016, mcnemar p=0.031), beyond the allowed drop of 0.02" "regression message"
check_junit worse.xml "regression junit"
expect_eq "$(xmlstarlet sel -t -v "count(//testcase/failure[@type='pawl.Regression'])" worse.xml)" 2 "max_drop and no_new_failures are regressions"
expect_eq "$(json_get worse.json '" ".join(d["comparison"]["cases"]["broken"])')" \
    "refund-1 refund-2 refund-3 warranty-1 warranty-2 warranty-3" "broken cases"
run_pawl run -q --baseline HEAD~1:.pawl/baseline.json
expect_status 1 "regression against HEAD~1"
git branch released HEAD~1
run_pawl run -q --baseline released:.pawl/baseline.json
expect_status 1 "regression against a branch"
run_pawl run -q --baseline HEAD~1:.pawl/missing.json
expect_status 2 "missing at the ref"
expect_eq "$err" "pawl: baseline '.pawl/missing.json' does not exist at 'HEAD~1'; create one with 'pawl run' and 'pawl baseline promote reports/pawl-results.json', then commit it" "missing at ref message"
run_pawl run -q --baseline nosuchref:.pawl/baseline.json
expect_status 2 "unknown ref"

# Another dataset: refused, unless asked to compare the shared cases.
printf '{"id": "extra", "input": {"question": "Can I get a refund?"}, "expected_output": "30 days"}\n' >> evals/support.jsonl
rm -rf reports
run_pawl run -q
expect_status 2 "dataset changed"
test ! -e reports || fail "an incomparable baseline is refused before any call or report"
expect_contains "$err" "pawl: baseline was run on a different dataset (blob " "dataset changed message"
expect_contains "$err" "); pass --allow-dataset-change to compare the cases both runs share" "dataset changed hint"
run_pawl run -q --allow-dataset-change --json changed.json
expect_status 1 "shared cases still regress"
expect_eq "$(json_get changed.json 'd["comparison"]["paired"], d["comparison"]["added"], d["comparison"]["dropped"], d["comparison"]["dataset_changed"]')" \
    "30 1 0 True" "intersection counts"
git checkout -q evals

# pawl compare: 0 pass, 1 regression, 2 incomparable; the same inputs give the same bytes.
run_pawl compare .pawl/baseline.json worse.json -q --json c1.json
run_pawl compare .pawl/baseline.json worse.json -q --json c2.json
cmp -s c1.json c2.json || fail "pawl compare is byte-for-byte reproducible"
run_pawl compare .pawl/baseline.json same.json -q
expect_status 0 "compare: no change"
run_pawl compare .pawl/baseline.json worse.json -q --rule correct:max_drop=0.02
expect_status 1 "compare: regression"
run_pawl compare .pawl/baseline.json changed.json -q
expect_status 2 "compare: another dataset"
run_pawl compare .pawl/baseline.json worse.json --rule 'correct:bogus=1'
expect_status 2 "compare: bad rule"

# promote refuses a run with errored calls.
printf '#!/bin/sh\nexit 1\n' > broken.sh
sed -i 's/command: \[sh, agent.sh\]/command: [sh, broken.sh]/' pawl.yaml
run_pawl run -q --json errored.json --baseline .pawl/baseline.json
expect_status 3 "every call failing"
run_pawl baseline promote errored.json --to other.json
expect_status 2 "promote refuses errored runs"
expect_contains "$err" "pawl: 'errored.json' is from a run that ended in an error" "promote refusal message"
test ! -e other.json || fail "nothing written on refusal"
git checkout -q pawl.yaml

# rerun: the task as it was at HEAD~1 (the good bot) runs beside the
# candidate over the same cases, and the prompt/agent change is caught.
sed -i 's|^baseline: {file: .pawl/baseline.json}|baseline: {ref: "HEAD~1", rerun: true}|' pawl.yaml
export TMPDIR="$PAWL_TMP/tmp"
mkdir -p "$TMPDIR"
run_pawl run --json rerun.json
expect_status 1 "rerun catches the regression"
expect_eq "$(json_get rerun.json 'd["comparison"]["baseline"], d["comparison"]["paired"], len(d["comparison"]["cases"]["broken"])')" \
    "HEAD~1 (rerun) 30 6" "rerun comparison"
expect_eq "$(json_get pawl-baseline-results.json 'd["verdict"], d["metrics"]["correct"]["mean"]')" "pass 1.0" "rerun baseline results kept"
expect_eq "$(ls "$TMPDIR")" "" "rerun leaves no temporary checkout behind"

# rerun with a prompt changed between commits: the old prompt answers beside the new one.
git checkout -q -b prompts
cat > pawl.yaml <<'YAML'
version: 1
dataset: {path: evals/support.jsonl}
task: {provider: echo, prompt: prompt.md}
scorers: [{name: polite, type: icontains, value: "please"}]
baseline: {ref: "HEAD~1", rerun: true}
gate: {rules: [{metric: polite, max_drop: 0.05}]}
YAML
printf 'Please answer: {{input.question}}\n' > prompt.md
git add -A && git commit -qm "polite prompt"
printf 'Answer: {{input.question}}\n' > prompt.md
git commit -qam "terse prompt"
run_pawl run --json prompt.json -q
expect_status 1 "rerun catches a prompt change"
expect_eq "$(json_get prompt.json '[(m["metric"], m["baseline"], m["candidate"]) for m in d["comparison"]["metrics"] if m["metric"] == "polite"]')" \
    "[('polite', 1.0, 0.0)]" "old prompt scored beside the new one"
git checkout -q HEAD~1 -- prompt.md
run_pawl run -q
expect_status 0 "same prompt on both sides passes"
finish
