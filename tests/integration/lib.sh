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

# run_pawl [args...]: runs pawl, leaving $out, $err and $status.
run_pawl() {
    out_file=$(mktemp "$PAWL_TMP/out.XXXXXX")
    err_file=$(mktemp "$PAWL_TMP/err.XXXXXX")
    set +e
    "$PAWL" "$@" >"$out_file" 2>"$err_file"
    status=$?
    set -e
    out=$(cat "$out_file")
    err=$(cat "$err_file")
    rm -f "$out_file" "$err_file"
    if printf '%s' "$err" | grep -q 'Sanitizer\|runtime error:'; then
        fail "sanitizer report from: pawl $*"
        printf '%s\n' "$err" >&2
    fi
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

finish() {
    if [ "$tests_failed" -ne 0 ]; then
        echo "$tests_failed of $tests_run checks failed" >&2
        exit 1
    fi
    echo "$tests_run checks passed"
    exit 0
}
