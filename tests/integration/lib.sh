# Shared helpers for the integration tests: each test is a bash script that
# drives the real pawl binary ($PAWL) in a scratch directory ($PAWL_TMP).
set -u

: "${PAWL:?PAWL must point at the pawl binary}"
: "${PAWL_SRC:?PAWL_SRC must point at the source tree}"
: "${PAWL_TMP:?PAWL_TMP must name a scratch directory}"

rm -rf "$PAWL_TMP"
mkdir -p "$PAWL_TMP"
export NO_COLOR=1
# The mock server is on loopback; a proxy configured on the machine must not see it.
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
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

# mocklog count|schema|get LOG ...: reads the mock server's --log (tests/support/mocklog.py).
mocklog() { /usr/bin/python3 "$PAWL_SRC/tests/support/mocklog.py" "$@"; }

# The mock LLM server (tests/support/README.md). Nothing cleans up after a test but the
# test itself, so start_mock installs an EXIT trap (and INT/TERM traps that exit through
# it) that stops every mock still running, however the script ends.
_mock_started="" # "PID:STDERR-FILE" for each running mock

_mock_alive() { # _mock_alive PID: running (an exited child stays a zombie until waited for)
    local state
    [ -r "/proc/$1/stat" ] || { kill -0 "$1" 2>/dev/null; return; }
    read -r _ _ state _ <"/proc/$1/stat" 2>/dev/null || return 1
    [ "$state" != Z ]
}

_mock_cleanup() {
    local entry pid i
    for entry in $_mock_started; do
        pid=${entry%%:*}
        kill -TERM "$pid" 2>/dev/null || true
        i=0
        while _mock_alive "$pid" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    _mock_started=""
}

# _start_server WHAT VAR COMMAND [ARGS...]: starts COMMAND in the background, reads the
# port it prints as its first line and exports ${VAR}_PORT, ${VAR}_PID and ${VAR}_URL
# (http://127.0.0.1:PORT). Ends the test as failed if no port arrives within 5 s.
_start_server() {
    local what=$1 var=$2 out i=0 st=0 pid port=""
    shift 2
    out=$(mktemp "$PAWL_TMP/server.XXXXXX")
    "$@" >"$out" 2>"$out.err" </dev/null &
    pid=$!
    _mock_started="$_mock_started $pid:$out.err"
    if [ -z "${_mock_trapped:-}" ]; then
        _mock_trapped=1
        trap _mock_cleanup EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
    fi
    until IFS= read -r port <"$out" 2>/dev/null; do
        if ! _mock_alive "$pid"; then
            wait "$pid" || st=$?
            fail "$what exited with status $st before printing its port: $(cat "$out.err")"
            finish
        fi
        if [ $i -ge 50 ]; then
            fail "$what printed no port within 5 s: $*"
            finish
        fi
        sleep 0.1
        i=$((i + 1))
    done
    case $port in
    '' | *[!0-9]*) fail "$what printed '$port', not a port"; finish ;;
    esac
    printf -v "${var}_PORT" %s "$port"
    printf -v "${var}_PID" %s "$pid"
    printf -v "${var}_URL" %s "http://127.0.0.1:$port"
    export "${var}_PORT" "${var}_PID" "${var}_URL"
}

# start_mock [ARGS...]: starts $PAWL_MOCK with ARGS and exports MOCK_PORT, MOCK_PID and
# MOCK_URL.
start_mock() {
    : "${PAWL_MOCK:?PAWL_MOCK must point at the pawl-mockllm binary}"
    _start_server "mock server" MOCK "$PAWL_MOCK" "$@"
}

# stop_mock [PID]: stops the mock (default $MOCK_PID) with SIGTERM; the test fails unless
# it exits 0 within 10 s with no sanitizer report.
stop_mock() {
    local pid=${1:-${MOCK_PID:-}} entry err="" rest="" i=0 st=0
    [ -n "$pid" ] || return 0
    for entry in $_mock_started; do
        if [ "${entry%%:*}" = "$pid" ]; then err=${entry#*:}; else rest="$rest $entry"; fi
    done
    _mock_started=$rest
    tests_run=$((tests_run + 1))
    kill -TERM "$pid" 2>/dev/null || true
    while _mock_alive "$pid" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    if _mock_alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
        fail "mock server did not stop within 10 s of SIGTERM"
    fi
    wait "$pid" 2>/dev/null || st=$?
    [ "$st" -eq 0 ] || fail "mock server exited with status $st"
    if [ -n "$err" ] && grep -q 'Sanitizer\|runtime error:' "$err"; then
        fail "sanitizer report from the mock server"
        cat "$err" >&2
    fi
}

# The mock Langfuse server (tests/support/README.md), started like the mock LLM server and
# stopped by the same EXIT trap. start_langfuse_mock [ARGS...] runs mocklangfuse.py with ARGS
# and exports LF_PORT, LF_PID and LF_URL (http://127.0.0.1:PORT); the test ends as failed if
# no port arrives within 5 s.
start_langfuse_mock() {
    _start_server "mock Langfuse server" LF /usr/bin/python3 "$PAWL_SRC/tests/support/mocklangfuse.py" "$@"
}

# stop_langfuse_mock [PID]: stops the mock Langfuse server (default $LF_PID) with SIGTERM;
# the test fails unless it exits 0 within 10 s, and if it printed a Python traceback.
stop_langfuse_mock() {
    local pid=${1:-${LF_PID:-}} entry err=""
    [ -n "$pid" ] || return 0
    for entry in $_mock_started; do
        [ "${entry%%:*}" = "$pid" ] && err=${entry#*:}
    done
    stop_mock "$pid"
    if [ -n "$err" ] && grep -q 'Traceback' "$err"; then
        fail "the mock Langfuse server raised an exception"
        cat "$err" >&2
    fi
}

finish() {
    if [ "$tests_failed" -ne 0 ]; then
        echo "$tests_failed of $tests_run checks failed" >&2
        exit 1
    fi
    echo "$tests_run checks passed"
    exit 0
}
