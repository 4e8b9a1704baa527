#!/bin/sh
# Memcheck lane: builds pawl without sanitizers (valgrind and ASan do not mix) in
# build/valgrind and runs a subset of the integration tests with $PAWL pointing
# at a wrapper that runs pawl under valgrind. Slow (minutes), so not part of
# .ci/run. Exit 0 when every test passes and valgrind reported nothing.
#
# Valgrind writes to one log per process (build/valgrind/logs/vg.PID.log), not
# to stderr, so the tests still see exactly what pawl prints; an error also
# makes pawl exit 99, which fails the test that ran it. Leaks count when they
# are definite; memory still reachable at exit is not an error.
#
#   ci/valgrind.sh              the default subset
#   ci/valgrind.sh judge merge  only these (tests/integration/test_NAME.sh)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${PAWL_VALGRIND_BUILD_DIR:-"$root/build/valgrind"}
tests=${*:-"quickstart exec_agent http_providers judge merge conversation judge_agreement
    dataset_add html_report langfuse_dataset langfuse_push"}

"$root/ci/setup.sh" --valgrind
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DPAWL_SANITIZE=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target pawl pawl-mockllm >/dev/null

logs=$build/logs
rm -rf "$logs" "$build/tmp"
mkdir -p "$logs"
wrapper=$build/pawl-valgrind
cat >"$wrapper" <<EOF
#!/bin/sh
exec valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \\
    --quiet --log-file='$logs/vg.%p.log' '$build/pawl' "\$@"
EOF
chmod +x "$wrapper"

failed=""
for t in $tests; do
    script=$root/tests/integration/test_$t.sh
    [ -f "$script" ] || { echo "ci/valgrind.sh: no test '$script'" >&2; exit 2; }
    printf 'valgrind: test_%s ... ' "$t"
    if PAWL=$wrapper PAWL_MOCK=$build/tests/pawl-mockllm PAWL_SRC=$root PAWL_TMP=$build/tmp/test_$t \
        bash "$script" >"$logs/test_$t.txt" 2>&1; then
        echo ok
    else
        echo FAILED
        failed="$failed test_$t"
        tail -n 30 "$logs/test_$t.txt" | sed 's/^/    /'
    fi
done

reports=0
for f in "$logs"/vg.*.log; do
    [ -s "$f" ] || continue
    reports=$((reports + 1))
    echo "---- $f"
    cat "$f"
done
# One log per pawl process, and one per child it forked (checked until it exec'd an agent).
runs=$(find "$logs" -name 'vg.*.log' | wc -l)
echo "valgrind: $runs logs, $reports with errors${failed:+; failed:$failed}"
[ -z "$failed" ] && [ "$reports" -eq 0 ]
