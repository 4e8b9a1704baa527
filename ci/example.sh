#!/bin/sh
# The main job: builds pawl and runs the quickstart gate, which needs no API
# key and no network. Exits with pawl's own status (0 when the gate passes).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${PAWL_BUILD_DIR:-"$root/build/release"}

"$root/ci/setup.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPAWL_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
cd "$root/examples/quickstart"
exec "$build/pawl" run "$@"
