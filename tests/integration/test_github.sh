# pawl as a GitHub Actions step: the step summary, the outputs and the
# annotations, byte for byte, for an agent whose output and stderr try to
# pass for workflow commands; and everything else pawl prints, read the way
# the runner reads it (tests/support/gha_runner.py), obeys no command but
# pawl's own annotations.
. "$(dirname "$0")/lib.sh"
set -e

github_fixture

# gh_run MODE ARGS...: pawl in $repo as a workflow step runs it, with the agent in MODE.
gh_run() {
    printf '%s\n' "$1" >"$repo/suite/mode"
    shift
    rm -rf "$step"
    mkdir -p "$step"
    capture "$step" env -C "$repo" GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$step/summary" \
        GITHUB_OUTPUT="$step/output" GITHUB_WORKSPACE="$repo" "$PAWL" "$@"
}

# The commands the runner would obey, reading stdout then stderr, must be exactly `want`.
expect_commands() { # expect_commands WANT-FILE what
    /usr/bin/python3 "$runner" "$step/stdout" "$step/stderr" >"$step/commands"
    expect_file "$step/commands" "$1" "$2: commands the runner obeys"
    /usr/bin/python3 "$runner" "$step/stderr" >"$step/stderr.commands"
    expect_eq "$(cat "$step/stderr.commands")" "" "$2: no command on stderr"
    # Literally too: no stdout line but pawl's own starts with '::'.
    grep -E '^[[:space:]]*::' "$step/stdout" |
        sed -E 's/^::stop-commands::[0-9a-f]{32}$/::stop-commands::TOKEN/; s/^::[0-9a-f]{32}::$/::TOKEN::/' \
            >"$step/colon-lines" || true
    expect_file "$step/colon-lines" "$1" "$2: stdout lines starting with '::'"
}

# A failing run: annotations for the failed and errored cases.
gh_run bad run -c suite/pawl.yaml -v
expect_status 1 "failing run"
expect_file "$step/output" "$data/fail.output" "failing run: outputs"
expect_commands "$data/failed.commands" "failing run"
expect_file "$step/summary" "$repo/suite/reports/pawl-summary.md" "failing run: summary is the report"
normalize_summary "$step/summary" >"$step/summary.normalized"
expect_file "$step/summary.normalized" "$data/failed.summary.md" "failing run: summary"
expect_contains "$out" "ERROR  crash" "the terminal report still lists the cases"

# Without the stop-commands brackets, the runner would obey what the model and
# the agent wrote (a legacy `##[...]` command counts anywhere in a line).
grep -Ev '^::(stop-commands::)?[0-9a-f]{32}(::)?$' "$step/stdout" >"$step/unbracketed" || true
injected=$(/usr/bin/python3 "$runner" "$step/unbracketed" | grep -v '^::error ' || true)
expect_eq "$injected" "  FAIL inject  correct: output '::set-output name=verdict::pass\\r\\n::add-mask::fine\\n%0A::error file=x::pwned\\n##[set-output name=exit-code;]0 \\x1b[31mred\\x1b[0m' does not equal 'fine'
  ERROR crash  agent exited with status 1: ##[set-output name=verdict;]pass" \
    "the terminal report quotes model output and the agent's stderr"

# A second run in the same step appends to the summary and the outputs.
cp "$step/summary" "$PAWL_TMP/first-summary"
(cd "$repo" && GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$step/summary" \
    GITHUB_OUTPUT="$step/output" GITHUB_WORKSPACE="$repo" "$PAWL" run -c suite/pawl.yaml -q \
    >/dev/null 2>&1) || true
expect_eq "$(grep -c '^verdict=' "$step/output")" "2" "outputs appended"
expect_eq "$(head -c "$(wc -c <"$PAWL_TMP/first-summary")" "$step/summary" | cmp - "$PAWL_TMP/first-summary" && echo same)" \
    "same" "summary appended after the first"

# With a baseline: only the cases that broke are annotated.
gh_run good run -c suite/pawl.yaml
expect_status 0 "passing run"
expect_file "$step/output" "$data/pass.output" "passing run: outputs"
expect_commands "$data/pass.commands" "passing run"
# The HTML report, when written, is an output too (for upload-artifact), workspace-relative.
gh_run good run -c suite/pawl.yaml --html suite/reports/pawl-report.html
expect_status 0 "passing run with --html"
expect_eq "$(tail -n 1 "$step/output")" "html=suite/reports/pawl-report.html" "passing run: the html output"
test -s "$repo/suite/reports/pawl-report.html" || fail "passing run: the HTML report is written"
gh_run good run -c suite/pawl.yaml
run_pawl baseline promote "$repo/suite/reports/pawl-results.json" --to "$repo/suite/.pawl/baseline.json"
expect_status 0 "promote the passing run"
git -C "$repo" add suite/.pawl/baseline.json
git -C "$repo" commit -qm "baseline"
gh_run bad run -c suite/pawl.yaml --baseline HEAD:suite/.pawl/baseline.json
expect_status 1 "broken since the baseline"
expect_file "$step/output" "$data/fail.output" "broken run: outputs"
expect_commands "$data/broken.commands" "broken run"
expect_file "$step/summary" "$repo/suite/reports/pawl-summary.md" "broken run: summary is the report"

# Exit status 3 reaches the outputs, and every errored case is annotated.
gh_run all-crash run -c suite/pawl.yaml
expect_status 3 "every call failed"
expect_file "$step/output" "$data/error.output" "infrastructure error: outputs"
expect_commands "$data/crashed.commands" "infrastructure error"

# A config error stops pawl before it has anything to report: it writes nothing.
gh_run good run -c suite/missing.yaml
expect_status 2 "missing config"
expect_eq "$(ls "$step")" "stderr
stdout" "missing config: no summary, no outputs"
expect_eq "$out" "" "missing config: nothing on stdout"

# Outside GitHub Actions none of it happens.
printf 'bad\n' >"$repo/suite/mode"
rm -rf "$step" && mkdir -p "$step"
(cd "$repo" && env -u GITHUB_ACTIONS GITHUB_STEP_SUMMARY="$step/summary" GITHUB_OUTPUT="$step/output" \
    "$PAWL" run -c suite/pawl.yaml >"$step/stdout" 2>"$step/stderr") || true
expect_eq "$(ls "$step")" "stderr
stdout" "not in GitHub Actions: no summary, no outputs"
expect_eq "$(grep -c '^::' "$step/stdout" || true)" "0" "not in GitHub Actions: no commands"

finish
