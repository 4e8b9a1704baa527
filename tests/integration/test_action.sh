# The GitHub Action's run step (action/run.sh) as the runner runs it: inputs
# through the environment, a fake GITHUB_* environment, a prebuilt pawl.
# Checks the outputs, the step summary, the annotations and the comment
# body byte for byte (sharing the expected files of test_github.sh), the
# exit status passed through (0, 1, 2, 3), and that inputs cannot run code.
. "$(dirname "$0")/lib.sh"
set -e

github_fixture
marker='<!-- pawl-summary -->'
run_url="https://github.example/acme/bot/actions/runs/42"

# action_run DIR MODE [NAME=VALUE...]: run.sh in $repo/DIR (the working-directory
# input) with the agent in MODE and the given PAWL_INPUT_* variables.
action_run() {
    local dir=$1
    printf '%s\n' "$2" >"$repo/suite/mode"
    shift 2
    rm -rf "$step"
    mkdir -p "$step/temp"
    capture "$step" env -i -C "$repo/$dir" PATH="$PATH" HOME="$HOME" NO_COLOR=1 \
        ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
        GITHUB_ACTIONS=true GITHUB_WORKSPACE="$repo" GITHUB_ACTION_PATH="$PAWL_SRC/action" \
        GITHUB_OUTPUT="$step/output" GITHUB_STEP_SUMMARY="$step/summary" \
        GITHUB_PATH="$step/path" RUNNER_TEMP="$step/temp" \
        GITHUB_SERVER_URL=https://github.example GITHUB_REPOSITORY=acme/bot GITHUB_RUN_ID=42 \
        PAWL_BIN="$PAWL" "$@" bash "$PAWL_SRC/action/run.sh"
}

expect_commands() { # expect_commands WANT-FILE what
    /usr/bin/python3 "$runner" "$step/stdout" "$step/stderr" >"$step/commands"
    expect_file "$step/commands" "$1" "$2: commands the runner obeys"
}

# The outputs pawl writes (a file under tests/data/github), then the action's own.
expect_outputs() { # expect_outputs PAWL-OUTPUTS what
    { cat "$1"; printf 'comment-body=%s\n' "$step/temp/pawl-comment.md"; } >"$step/want-output"
    expect_file "$step/output" "$step/want-output" "$2: outputs"
}

# Gate failed (1): pawl's outputs, annotations and summary; the summary as the comment.
action_run suite bad PAWL_INPUT_CONFIG=pawl.yaml
expect_status 1 "failing run"
expect_outputs "$data/fail.output" "failing run"
expect_commands "$data/failed.commands" "failing run"
normalize_summary "$step/summary" >"$step/summary.normalized"
expect_file "$step/summary.normalized" "$data/failed.summary.md" "failing run: step summary"
{ printf '%s\n' "$marker"; cat "$repo/suite/reports/pawl-summary.md"; } >"$step/want-comment"
expect_file "$step/temp/pawl-comment.md" "$step/want-comment" "failing run: comment body"
expect_eq "$(cat "$step/path")" "$(dirname "$PAWL")" "pawl's folder goes on PATH"
expect_eq "$(ls "$step/temp")" "pawl-comment.md" "no temporary file left behind"

# Passed (0).
action_run suite good
expect_status 0 "passing run"
expect_outputs "$data/pass.output" "passing run"
expect_commands "$data/pass.commands" "passing run"

# The baseline-ref input compares with the baseline committed at that revision.
run_pawl baseline promote "$repo/suite/reports/pawl-results.json" --to "$repo/suite/.pawl/baseline.json"
expect_status 0 "promote the passing run"
git -C "$repo" add suite/.pawl/baseline.json
git -C "$repo" commit -qm "baseline"
action_run suite bad PAWL_INPUT_BASELINE_REF=HEAD PAWL_INPUT_BASELINE_FILE=.pawl/baseline.json
expect_status 1 "broken since the baseline"
expect_outputs "$data/fail.output" "broken run"
expect_commands "$data/broken.commands" "broken run"
expect_contains "$(cat "$step/temp/pawl-comment.md")" "### Broken cases (2)" "broken run: comment"

# Runtime error (3).
action_run . all-crash PAWL_INPUT_CONFIG=suite/pawl.yaml
expect_status 3 "every call failed"
expect_outputs "$data/error.output" "infrastructure error"
expect_commands "$data/crashed.commands" "infrastructure error"

# Config error (2): pawl wrote nothing, so the action fills in the outputs, the summary and the comment.
action_run suite good PAWL_INPUT_CONFIG=missing.yaml
expect_status 2 "missing config"
printf 'verdict=error\nexit-code=2\njunit=\nresults=\nsummary=\nhtml=\n' >"$step/want-pawl"
expect_outputs "$step/want-pawl" "missing config"
printf '## ⚠️ pawl stopped with exit status 2 before writing a report\n\nThe step log shows the error.\n' \
    >"$step/want-summary"
expect_file "$step/summary" "$step/want-summary" "missing config: step summary"
printf '%s\n## ⚠️ pawl stopped with exit status 2 before writing a report\n\nThe job log shows the error: %s.\n' \
    "$marker" "$run_url" >"$step/want-comment"
expect_file "$step/temp/pawl-comment.md" "$step/want-comment" "missing config: comment body"
expect_contains "$err" "missing.yaml" "missing config: pawl's error is in the log"

# args: split on white space, never expanded or run.
touch "$repo/suite/only-a-file"
action_run suite good PAWL_INPUT_ARGS="--filter o*
  --repeat   2" PAWL_INPUT_COMMENT=false
expect_status 0 "args"
expect_eq "$(json_get "$repo/suite/reports/pawl-results.json" 'len(d["cases"]), d["cases"][0]["id"], len(d["cases"][0]["trials"])')" \
    "1 ok 2" "args: --filter o* (not a file name) --repeat 2"
expect_eq "$(grep -c '^comment-body=' "$step/output" || true)" "0" "comment: false writes no body"
expect_eq "$(ls "$step/temp")" "" "comment: false leaves no file"
# shellcheck disable=SC2016 # the point is that nothing expands them
action_run suite good PAWL_INPUT_ARGS='$(touch pwned) `touch pwned2` ;touch pwned3'
expect_status 2 "args with shell syntax are plain arguments"
expect_contains "$err" "unexpected argument '\$(touch'" "args: passed as words"
expect_eq "$(find "$repo" "$step" -name 'pwned*' | wc -l)" "0" "args: nothing ran"

# install-only: pawl on PATH, nothing run, no outputs.
action_run suite bad PAWL_INPUT_INSTALL_ONLY=true
expect_status 0 "install-only"
expect_eq "$out" "pawl $("$PAWL" --version | sed 's/^pawl //')" "install-only prints the version"
expect_eq "$(cat "$step/path")" "$(dirname "$PAWL")" "install-only: pawl's folder goes on PATH"
expect_eq "$(ls "$step")" "path
stderr
stdout
temp" "install-only: no outputs, no summary"

# A summary too long for a comment: the verdict line and a link to the job summary.
mkdir -p "$repo/long"
/usr/bin/python3 - "$repo/long/cases.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(60):
        f.write(json.dumps({"id": f"long-{i:02d}", "input": {"n": i}, "expected_output": "short"}) + "\n")
PY
cat >"$repo/long/agent.sh" <<'SH'
#!/bin/sh
read -r line
head -c 3000 /dev/zero | tr '\0' 'x'
SH
cat >"$repo/long/pawl.yaml" <<'YAML'
version: 1
name: long
dataset: {path: cases.jsonl}
task: {provider: exec, command: [sh, agent.sh]}
scorers: [{name: correct, type: equals, value: "{{expected_output}}"}]
YAML
action_run long good
expect_status 1 "long summary"
expect_eq "$(($(wc -c <"$repo/long/reports/pawl-summary.md") > 60000))" "1" "the summary is long"
printf '%s\n%s\n\nThe full summary is too long for a comment; it is in the job summary: %s.\n' \
    "$marker" "$(head -n 1 "$repo/long/reports/pawl-summary.md")" "$run_url" >"$step/want-comment"
expect_file "$step/temp/pawl-comment.md" "$step/want-comment" "long summary: comment body"

finish
