#!/bin/sh
# Installs the Debian packages pawl builds and tests with, if any are missing.
# Idempotent and quiet when everything is present. `--build-only`: just what
# building needs; `--bench`: the test packages plus what bench/run.sh measures
# with; `--valgrind`: the test packages plus valgrind (ci/valgrind.sh). Needs
# root (or sudo) only when something has to be installed.
set -eu

# What building pawl needs; `--build-only` stops there (the GitHub Action uses it).
packages="build-essential cmake pkg-config git
libyaml-dev libjansson-dev libcurl4-openssl-dev libgit2-dev
libpcre2-dev libssl-dev libutf8proc-dev libcsv-dev"
# What the test suite needs besides.
if [ "${1:-}" != --build-only ]; then
    packages="$packages check libsubunit-dev libmicrohttpd-dev
libxml2-utils python3 python3-junitparser xmlstarlet shellcheck python3-yaml
curl python3-jsonschema json-schema-test-suite clang libclang-rt-14-dev
chromium tidy python3-html5lib"
fi
# The benchmark's load generator and GNU time (wall, CPU and peak RSS of a process).
if [ "${1:-}" = --bench ]; then
    packages="$packages wrk time"
fi
# Memcheck, for ci/valgrind.sh.
if [ "${1:-}" = --valgrind ]; then
    packages="$packages valgrind"
fi

missing=""
for p in $packages; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "ci/setup.sh: installing$missing" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
# shellcheck disable=SC2086 # the list is meant to split into words
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
