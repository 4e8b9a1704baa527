#!/bin/sh
# Builds pawl with AddressSanitizer, UndefinedBehaviorSanitizer and -Werror,
# then runs every unit and integration test with ctest, then fuzzes every
# parser for PAWL_FUZZ_SECONDS (default 30) each on its corpus (ci/fuzz.sh).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${PAWL_BUILD_DIR:-"$root/build/test"}

"$root/ci/setup.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DPAWL_WERROR=ON -DPAWL_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build"
ctest --output-on-failure -j"$(nproc)"
PAWL_FUZZ_SEED=${PAWL_FUZZ_SEED:-1} \
    "$root/ci/fuzz.sh" "${PAWL_FUZZ_SECONDS:-30}" "${PAWL_FUZZ_BUILD_DIR:-"$root/build/fuzz"}"
