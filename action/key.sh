#!/usr/bin/env bash
# Prints the cache key of the pawl build as the step output `key`.
#
# The action builds pawl from its own sources, which `hashFiles()` cannot
# see (it only reads the workspace), so they are hashed here: the sources
# the binary is built from, the build script, and the versions of the
# system libraries it links against, so that a runner image with new
# libraries never gets a binary linked against the old ones.
set -euo pipefail

root=$(cd "${GITHUB_ACTION_PATH:?}/.." && pwd)
libs="libyaml-dev libjansson-dev libcurl4-openssl-dev libgit2-dev libpcre2-dev libssl-dev
libutf8proc-dev libcsv-dev"

key=$(
    cd "$root"
    {
        find CMakeLists.txt src include action/build.sh -type f -print0 |
            LC_ALL=C sort -z | xargs -0 sha256sum
        # shellcheck disable=SC2086 # one word per package
        dpkg-query -W -f='${Package} ${Version}\n' $libs 2>/dev/null || true
        uname -m
        cat /etc/os-release 2>/dev/null || true
    } | sha256sum | cut -c1-64
)
echo "key=$key" >>"${GITHUB_OUTPUT:?}"
