#!/bin/sh
# Builds the libFuzzer targets in tests/fuzz/ with clang and runs each one for
# SECONDS (default 30) on a copy of its committed corpus, so the runs never
# grow the corpus in the repository. Prints the executions per target; exits
# non-zero when any target crashed, leaked, timed out or ran out of memory,
# keeping the input that did it under BUILD_DIR/crashes/<target>/.
#
#   ci/fuzz.sh [SECONDS [BUILD_DIR]]        BUILD_DIR defaults to build/fuzz
#
# To reproduce a crash: BUILD_DIR/tests/fuzz/fuzz_<target> <crash file>.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
build=${2:-"$root/build/fuzz"}
case $seconds in
'' | *[!0-9]*)
    echo "usage: ci/fuzz.sh [SECONDS [BUILD_DIR]]" >&2
    exit 2
    ;;
esac
targets="config dataset template response results dataset_add langfuse_items html"
# Absolute: libFuzzer writes inputs and artifacts relative to where it runs.
mkdir -p "$build"
build=$(cd "$build" && pwd)

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPAWL_FUZZ=ON -DPAWL_TESTS=OFF -DPAWL_SANITIZE=OFF -DPAWL_WERROR=ON >/dev/null
cmake --build "$build" --target pawl_fuzz -j"$(nproc)" >/dev/null

work="$build/run"
rm -rf "$work" "$build/crashes"
mkdir -p "$work/tmp"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# The config target writes its files in a directory of its own under TMPDIR.
export TMPDIR="$work/tmp"

# PAWL_FUZZ_SEED fixes libFuzzer's random seed: CI uses one, so a green run stays green
# on the same tree, while longer runs by hand (no seed) explore further.
seed_opt=""
[ -z "${PAWL_FUZZ_SEED:-}" ] || seed_opt="-seed=$PAWL_FUZZ_SEED"

failed=""
for t in $targets; do
    mkdir -p "$work/corpus/$t" "$build/crashes/$t"
    cp -R "$root/tests/fuzz/corpus/$t/." "$work/corpus/$t/"
    status=0
    # shellcheck disable=SC2086 # $seed_opt is one option or none
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 $seed_opt \
        -print_final_stats=1 -artifact_prefix="$build/crashes/$t/" "$work/corpus/$t" \
        >"$work/$t.log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
    if [ -z "$execs" ]; then
        execs=$(sed -n 's/^#\([0-9]*\)[[:space:]]*DONE.*/\1/p' "$work/$t.log" | tail -n 1)
    fi
    if [ "$status" -eq 0 ]; then
        printf 'fuzz_%-14s %10s executions in %ss\n' "$t" "${execs:-?}" "$seconds"
    else
        printf 'fuzz_%-14s FAILED (exit %s) after %s executions; log %s\n' "$t" "$status" \
            "${execs:-?}" "$work/$t.log"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant broken|artifact_prefix|Test unit written)' \
            "$work/$t.log" || tail -n 20 "$work/$t.log"
        failed="$failed $t"
    fi
done
rm -rf "$work/tmp" "$work/corpus"
if [ -n "$failed" ]; then
    echo "ci/fuzz.sh: failing targets:$failed (inputs kept in $build/crashes/)" >&2
    exit 1
fi
