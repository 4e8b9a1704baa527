#!/usr/bin/env bash
# Builds pawl from the action's sources (release build, no tests) and
# installs the binary as $PAWL_HOME/bin/pawl, the folder the cache keeps.
set -euo pipefail

root=$(cd "${GITHUB_ACTION_PATH:?}/.." && pwd)
build="${RUNNER_TEMP:-/tmp}/pawl-build"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPAWL_TESTS=OFF
cmake --build "$build" --target pawl -j "$(nproc)"
install -D -m 755 "$build/pawl" "${PAWL_HOME:?}/bin/pawl"
"$PAWL_HOME/bin/pawl" --version
