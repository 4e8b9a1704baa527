# Shared helpers for the integration tests: each test is a bash script that
# drives the real pawl binary ($PAWL) in a scratch directory ($PAWL_TMP).
set -u

: "${PAWL:?PAWL must point at the pawl binary}"
: "${PAWL_SRC:?PAWL_SRC must point at the source tree}"
: "${PAWL_TMP:?PAWL_TMP must name a scratch directory}"

rm -rf "$PAWL_TMP"
mkdir -p "$PAWL_TMP"
export NO_COLOR=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
tests_failed=0
tests_run=0

fail() {
    echo "FAIL: $*" >&2
    tests_failed=$((tests_failed + 1))
}

# capture DIR COMMAND [args...]: runs the command with its stdout and stderr kept in
# DIR/stdout and DIR/stderr, leaving them in $out and $err and its exit status in
# $status; a sanitizer report on stderr fails the test.
capture() {
    local dir=$1
    shift
    set +e
    "$@" >"$dir/stdout" 2>"$dir/stderr"
    status=$?
    set -e
    out=$(cat "$dir/stdout")
    err=$(cat "$dir/stderr")
    if grep -q 'Sanitizer\|runtime error:' "$dir/stderr"; then
        fail "sanitizer report from: $*"
        cat "$dir/stderr" >&2
    fi
}

# run_pawl [args...]: runs pawl, leaving $out, $err and $status.
run_pawl() {
    local dir
    dir=$(mktemp -d "$PAWL_TMP/run.XXXXXX")
    capture "$dir" "$PAWL" "$@"
    rm -rf "$dir"
}

expect_status() { # expect_status WANT what
    tests_run=$((tests_run + 1))
    if [ "$status" -ne "$1" ]; then
        fail "$2: exit status $status, want $1"
        printf 'stdout:\n%s\nstderr:\n%s\n' "$out" "$err" >&2
    fi
}

expect_eq() { # expect_eq GOT WANT what
    tests_run=$((tests_run + 1))
    if [ "$1" != "$2" ]; then
        fail "$3"
        printf '  got:  %s\n  want: %s\n' "$1" "$2" >&2
    fi
}

expect_contains() { # expect_contains HAYSTACK NEEDLE what
    tests_run=$((tests_run + 1))
    case $1 in
    *"$2"*) ;;
    *) fail "$3: missing '$2'"; printf '  in: %s\n' "$1" | head -c 2000 >&2 ;;
    esac
}

expect_file() { # expect_file GOT WANT what: the same bytes
    tests_run=$((tests_run + 1))
    if ! cmp -s "$1" "$2"; then
        fail "$3: $1 differs from $2"
        diff -u "$2" "$1" | head -40 >&2 || true
    fi
}

# Checks a JUnit file with the strict XSD and the second consumer; prints its counts.
check_junit() { # check_junit FILE what
    tests_run=$((tests_run + 1))
    if ! xmllint --noout --schema "$PAWL_SRC/tests/data/junit.xsd" "$1" 2>"$PAWL_TMP/xmllint.log"; then
        fail "$2: $1 does not validate against tests/data/junit.xsd"
        head -5 "$PAWL_TMP/xmllint.log" >&2
    fi
    junit_counts=$(/usr/bin/python3 "$PAWL_SRC/tests/support/junit_consumer.py" "$1") ||
        fail "$2: junit consumer rejected $1"
}

json_get() { # json_get FILE PYTHON-EXPR over `d`
    /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

# git_env: git ignores the machine's configuration and commits as a fixed identity, so
# the repositories a test makes look the same everywhere.
git_env() {
    export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
    export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=t@example.com
    export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=t@example.com
}

# quickstart_bot DIR: the quickstart's evals and agent in DIR, and a pawl.yaml running
# them as suite "bot" with one scorer; append a baseline or gate to it as needed.
quickstart_bot() {
    cp -r "$PAWL_SRC/examples/quickstart/evals" "$PAWL_SRC/examples/quickstart/agent.sh" "$1"
    cat >"$1/pawl.yaml" <<'YAML'
version: 1
name: bot
dataset: {path: evals/support.jsonl}
task: {provider: exec, command: [sh, agent.sh]}
scorers: [{name: correct, type: icontains, value: "{{expected_output}}"}]
YAML
}

# github_fixture: for the GitHub Actions tests, $data (their expected files), $runner
# (reads workflow commands the way the runner does), $step (a step's scratch directory)
# and a new repository $repo holding tests/data/github/suite, committed: an agent whose
# output and stderr try to pass for workflow commands.
# shellcheck disable=SC2034 # the variables are for the test that calls it
github_fixture() {
    data="$PAWL_SRC/tests/data/github"
    runner="$PAWL_SRC/tests/support/gha_runner.py"
    repo="$PAWL_TMP/repo"
    step="$PAWL_TMP/step"
    git_env
    git init -q "$repo"
    cp -R "$data/suite" "$repo/suite"
    git -C "$repo" add -A
    git -C "$repo" commit -qm "a hostile suite"
}

# The latencies of a real agent vary from run to run; nothing else in a summary does.
normalize_summary() { # normalize_summary FILE: FILE with the latency metrics as N
    sed -E 's/^(\| latency\\_(mean|p50|p95)\\_ms \| )[0-9]+ \|/\1N |/' "$1"
}

finish() {
    if [ "$tests_failed" -ne 0 ]; then
        echo "$tests_failed of $tests_run checks failed" >&2
        exit 1
    fi
    echo "$tests_run checks passed"
    exit 0
}
