#!/usr/bin/env bash
# pawl's benchmark (DESIGN.md section 6; bench/README.md explains every number).
# Builds a release pawl and the mock LLM server, generates datasets of 1,000
# and 10,000 cases in a scratch directory, and measures whole processes:
# `pawl --version`, `pawl validate`, and `pawl run` with the openai provider
# against the mock, next to what wrk gets from the same mock. It reports and
# never judges: missing a target does not change the exit status, which is
# non-zero only when something broke (a build, a pawl run, wrk).
#
# usage: bench/run.sh [--quick] [--keep] [--build DIR]
#   --quick      fewer repetitions, no 10,000-case runs, 2 s of wrk per point
#   --keep       keep the scratch directory (datasets, configs, reports, logs)
#   --build DIR  release build directory (default: build-bench-rel in the repository)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-bench-rel
quick=0
# One server thread on a 2-CPU machine leaves one CPU to the client under test (pawl or
# wrk), so the comparison measures the clients rather than the scheduler.
mock_threads=${PAWL_BENCH_MOCK_THREADS:-1}
keep=0
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 ;;
    --keep) keep=1 ;;
    --build) build=${2:?--build needs a directory}; shift ;;
    -h | --help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if [ "$quick" -eq 1 ]; then
    runs_tiny=10 runs_small=3 runs_big=0 runs_slow=1 wrk_secs=2
else
    runs_tiny=20 runs_small=5 runs_big=3 runs_slow=3 wrk_secs=5
fi

log() { printf 'bench: %s\n' "$*" >&2; }

# ---------------------------------------------------------------- tools and build
"$root/ci/setup.sh" --bench
log "building Release pawl and pawl-mockllm in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPAWL_TESTS=ON \
    -DPAWL_SANITIZE=OFF -DPAWL_WERROR=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target pawl pawl-mockllm >/dev/null
pawl=$build/pawl
mock=$build/tests/pawl-mockllm
threads=$(($(nproc) >= 2 ? 2 : 1))

work=$(mktemp -d "${TMPDIR:-/tmp}/pawl-bench.XXXXXX")
mock_pid=""
cleanup() {
    stop_mock
    if [ "$keep" -eq 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers
now_us() { local t=$EPOCHREALTIME; echo "${t//[.,]/}"; }

median() { # median NUMBER...: the middle value (the mean of the two middle ones)
    printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

start_mock() { # start_mock LATENCY_MS: a fresh mock; sets mock_pid and url
    local i=0 port=""
    # The file goes first: the new mock truncates it only once it has started.
    rm -f "$work/mock.port"
    "$mock" --latency "$1" --threads "$mock_threads" >"$work/mock.port" 2>"$work/mock.err" </dev/null &
    mock_pid=$!
    until IFS= read -r port 2>/dev/null <"$work/mock.port" && [ -n "$port" ]; do
        if ! kill -0 "$mock_pid" 2>/dev/null || [ $i -ge 50 ]; then
            log "the mock server did not start: $(cat "$work/mock.err")"
            exit 1
        fi
        sleep 0.1
        i=$((i + 1))
    done
    url=http://127.0.0.1:$port/v1
}

stop_mock() {
    [ -n "$mock_pid" ] || return 0
    kill -TERM "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
    mock_pid=""
}

# gen_dataset N FILE: N support cases, each question different and about 45
# words long; the mock echoes the question, which holds the expected answer.
gen_dataset() {
    awk -v n="$1" 'BEGIN {
        split("refund,password,shipping,warranty,invoice,address,payment,cancel", topic, ",")
        split("Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday", day, ",")
        split("arrived damaged,never arrived,was the wrong size,stopped working after a week", what, ",")
        for (i = 1; i <= n; i++) {
            t = topic[(i - 1) % 8 + 1]
            printf "{\"id\":\"case-%05d\",\"input\":{\"question\":\"Ticket %d about %s: I ordered item %d on %s and it %s. " \
                   "I have been a customer for %d years and would like to know what my options are, what you need " \
                   "from me and how long it will take.\"},\"expected_output\":\"ticket %d about %s\"," \
                   "\"metadata\":{\"topic\":\"%s\",\"n\":%d}}\n",
                   i, i, t, 1000 + i * 7 % 9000, day[i % 7 + 1], what[i % 4 + 1], i % 12 + 1, i, t, t, i
        }
    }' >"$2"
}

system_prompt="You are the support assistant of an online shop. Answer in two or three sentences, quote the policy you rely on, never invent an order number, and do not apologise."

write_config() {
    cat >"$work/pawl.yaml" <<EOF
# Written by bench/run.sh. PAWL_BENCH_DATASET and PAWL_BENCH_URL come from it.
version: 1
name: bench
dataset:
  path: \${PAWL_BENCH_DATASET}
task:
  provider: openai
  model: bench-model
  base_url: \${PAWL_BENCH_URL:-http://127.0.0.1:9/v1}
  messages:
    - {role: system, content: "$system_prompt"}
    - {role: user, content: "{{input.question}}"}
  params: {temperature: 0}
  price: {input_per_mtok: 0.15, output_per_mtok: 0.60}
scorers:
  - {name: correct, type: icontains, value: "{{expected_output}}"}
  - {name: no_apology, type: regex, value: "(?i)\\\\bsorry\\\\b", not: true}
run:
  timeout: 60s
gate:
  rules:
    - {metric: correct, min: 0.9}
report:
  junit: reports/junit.xml
  json: reports/results.json
  markdown: reports/summary.md
EOF
}

# The exact body pawl sends for the first case (compact JSON, same key order),
# for wrk to send over and over.
write_body() {
    local q
    q=$(sed -n '1s/.*"question":"\([^"]*\)".*/\1/p' "$work/cases-1000.jsonl")
    printf '{"model":"bench-model","messages":[{"role":"system","content":"%s"},{"role":"user","content":"%s"}],"temperature":0}' \
        "$system_prompt" "$q" >"$work/body.json"
}

failures=0

# measure_tiny NAME RUNS CMD...: median wall ms (timed directly: no wrapper
# process in the way) and median peak RSS (from GNU time) over RUNS runs.
measure_tiny() {
    local name=$1 runs=$2 i t0 t1 st=0
    shift 2
    local walls=() rss=()
    for ((i = 0; i < runs; i++)); do
        t0=$(now_us)
        "$@" >/dev/null 2>&1 || st=$?
        t1=$(now_us)
        walls+=("$((t1 - t0))")
        /usr/bin/time -f '%M' -o "$work/time.out" "$@" >/dev/null 2>&1 || st=$?
        rss+=("$(tail -n 1 "$work/time.out")")
    done
    if [ "$st" -ne 0 ]; then
        log "$name exited with status $st"
        failures=$((failures + 1))
    fi
    printf '%s %s %s\n' "$name" "$(median "${walls[@]}")" "$(median "${rss[@]}")" >>"$work/tiny.txt"
}

# measure_run CASES CONCURRENCY LATENCY RUNS: pawl run over a fresh mock, RUNS
# times; appends the medians of wall s, CPU s (user+sys) and peak RSS KiB.
measure_run() {
    local cases=$1 conc=$2 lat=$3 runs=$4 i t0 t1 st u s m
    local walls=() cpus=() rss=() phases=()
    start_mock "$lat"
    for ((i = 0; i < runs; i++)); do
        rm -rf "$work/reports"
        st=0
        t0=$(now_us)
        PAWL_BENCH_DATASET=cases-$cases.jsonl PAWL_BENCH_URL=$url \
            /usr/bin/time -f '%e %U %S %M' -o "$work/time.out" \
            "$pawl" run -c "$work/pawl.yaml" -q --no-cache --concurrency "$conc" \
            >"$work/run.out" 2>"$work/run.err" || st=$?
        t1=$(now_us)
        if [ "$st" -ne 0 ] || [ ! -s "$work/reports/results.json" ] ||
            [ ! -s "$work/reports/junit.xml" ] || [ ! -s "$work/reports/summary.md" ]; then
            log "pawl run ($cases cases, concurrency $conc, latency $lat ms) exited with status $st:"
            head -5 "$work/run.err" "$work/run.out" >&2
            failures=$((failures + 1))
        fi
        # GNU time puts "Command exited with non-zero status N" first, then the numbers.
        read -r _ u s m < <(tail -n 1 "$work/time.out")
        # The run phase: from the first call to the last answer scored, as the results
        # file records it (the whole process adds start-up, loading and the reports).
        phases+=("$(sed -n 's/^    "duration_ms": \([0-9]*\),$/\1/p' "$work/reports/results.json" | head -1)")
        walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e6}')")
        cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')")
        rss+=("$m")
        log "  run $((i + 1))/$runs: $cases cases, -c $conc, ${lat} ms: wall ${walls[-1]} s, CPU ${cpus[-1]} s, RSS $m KiB"
    done
    stop_mock
    printf '%s %s %s %s %s %s %s\n' "$cases" "$conc" "$lat" "$(median "${walls[@]}")" \
        "$(median "${cpus[@]}")" "$(median "${rss[@]}")" "$(median "${phases[@]}")" >>"$work/runs.txt"
}

# measure_wrk CONNECTIONS LATENCY: requests/s wrk gets from a fresh mock.
measure_wrk() {
    local conn=$1 lat=$2 rps bad
    start_mock "$lat"
    PAWL_BENCH_BODY=$work/body.json wrk -t "$threads" -c "$conn" -d "${wrk_secs}s" \
        -s "$root/bench/post.lua" "$url/chat/completions" >"$work/wrk.out" 2>&1 || {
        log "wrk failed: $(cat "$work/wrk.out")"
        failures=$((failures + 1))
    }
    stop_mock
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.out")
    bad=$(awk '/Non-2xx or 3xx responses:|Socket errors:/' "$work/wrk.out")
    if [ -z "$rps" ] || [ -n "$bad" ]; then
        log "wrk -c $conn at $lat ms: ${bad:-no Requests/sec line}"
        failures=$((failures + 1))
    fi
    log "  wrk -t $threads -c $conn, ${lat} ms: ${rps:-?} requests/s"
    printf '%s %s %s\n' "$conn" "$lat" "${rps:-nan}" >>"$work/wrk.txt"
}

# ---------------------------------------------------------------- measurements
# Other work on the machine skews every number; say so rather than hide it.
load_before=$(cut -d ' ' -f 1 /proc/loadavg)
if awk -v l="$load_before" -v n="$(nproc)" 'BEGIN {exit !(l > n / 2)}'; then
    log "warning: load average $load_before on $(nproc) CPUs; the numbers will be noisy"
fi
log "scratch directory $work"
gen_dataset 1000 "$work/cases-1000.jsonl"
[ "$runs_big" -eq 0 ] || gen_dataset 10000 "$work/cases-10000.jsonl"
write_config
write_body
: >"$work/tiny.txt"
: >"$work/runs.txt"
: >"$work/wrk.txt"

log "pawl --version and pawl validate ($runs_tiny runs each)"
# What starting any process costs here: the floor under the two numbers that follow.
measure_tiny spawn "$runs_tiny" /bin/true
measure_tiny version "$runs_tiny" "$pawl" --version
PAWL_BENCH_DATASET=cases-1000.jsonl measure_tiny validate "$runs_tiny" "$pawl" validate -c "$work/pawl.yaml"

log "wrk, $wrk_secs s per point"
for lat in 0 50; do
    for conn in 16 64; do measure_wrk "$conn" "$lat"; done
done

log "pawl run"
for conc in 16 64; do measure_run 1000 "$conc" 0 "$runs_small"; done
if [ "$runs_big" -gt 0 ]; then
    for conc in 16 64; do measure_run 10000 "$conc" 0 "$runs_big"; done
fi
measure_run 1000 16 50 "$runs_slow"

# Re-rendering one run's reports: the HTML page (a few MiB for 10,000 cases) next to
# JUnit from the same file, and to what merely reading that file costs Python's json.
report_cases=$([ "$runs_big" -gt 0 ] && echo 10000 || echo 1000)
log "pawl report over $report_cases cases ($runs_tiny runs each)"
start_mock 0
PAWL_BENCH_DATASET=cases-$report_cases.jsonl PAWL_BENCH_URL=$url \
    "$pawl" run -c "$work/pawl.yaml" -q --no-cache >/dev/null 2>&1 || true
stop_mock
cp "$work/reports/results.json" "$work/report-input.json"
measure_tiny report_read "$runs_tiny" /usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1]))' \
    "$work/report-input.json"
measure_tiny report_junit "$runs_tiny" "$pawl" report "$work/report-input.json" -q --junit "$work/report.xml"
measure_tiny report_html "$runs_tiny" "$pawl" report "$work/report-input.json" -q --html "$work/report.html"
html_bytes=$(stat -c %s "$work/report.html" 2>/dev/null || echo 0)

# ---------------------------------------------------------------- report
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
rev=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
echo "pawl benchmark, $(date -u +%Y-%m-%d), $(nproc) CPUs ($model), $("$pawl" --version) at $rev"
echo "release build: $build; wrk -t $threads, ${wrk_secs} s per point; mock --threads $mock_threads; medians of the runs"
echo "load average before and after: $load_before, $(cut -d ' ' -f 1 /proc/loadavg)"
echo
awk -v n="$report_cases" 'BEGIN {what["spawn"] = "/bin/true (spawn floor)"; what["version"] = "pawl --version"
            what["validate"] = "pawl validate (1,000)"; what["report_read"] = "python3 json.load (" n ")"
            what["report_junit"] = "pawl report --junit (" n ")"; what["report_html"] = "pawl report --html (" n ")"}
    {printf "%-30s %7.2f ms  peak RSS %5.1f MiB\n", what[$1], $2 / 1000, $3 / 1024; ms[$1] = $2}
    END {if (ms["report_junit"] > 0)
             printf "(the HTML report takes %.2fx the time of JUnit, %.2fx reading the file in Python)\n",
                    ms["report_html"] / ms["report_junit"], ms["report_html"] / ms["report_read"]}' "$work/tiny.txt"
echo "HTML report of $report_cases cases: $((html_bytes / 1024)) KiB (target: a few MiB at 10,000 cases)"
echo
awk 'FNR == NR {wrk[$1 " " $2] = $3; next}
    FNR == 1 {
        printf "%6s %5s %7s %7s %6s %8s %9s %9s %6s %8s %9s %6s %10s\n", "cases", "conc", "latency", "wall s",
               "CPU s", "RSS MiB", "cases/s", "wrk req/s", "ratio", "calls s", "calls/s", "ratio", "CPU us/case"
    }
    {
        w = wrk[$2 " " $3]; tput = $1 / $4; calls = $7 > 0 ? $1 / ($7 / 1000) : 0
        printf "%6d %5d %5d ms %7.3f %6.2f %8.1f %9.0f %9.0f %5.0f%% %8.3f %9.0f %5.0f%% %10.1f\n", $1, $2, $3,
               $4, $5, $6 / 1024, tput, w, (w > 0 ? 100 * tput / w : 0), $7 / 1000, calls,
               (w > 0 ? 100 * calls / w : 0), 1e6 * $5 / $1
        if ($3 > 0) ideal[NR] = sprintf("%d cases at concurrency %d, %d ms each: wall %.3f s, ideal %.3f s, ratio %.3f",
                                       $1, $2, $3, $4, $1 * $3 / 1000 / $2, $4 / ($1 * $3 / 1000 / $2))
    }
    END { for (i in ideal) print ideal[i] }' "$work/wrk.txt" "$work/runs.txt"
echo "(cases/s and the first ratio: the whole process, start to exit; calls s, calls/s and the"
echo " second ratio: the run phase alone, first call to last answer scored, as results.json records it)"
echo
echo "targets (DESIGN.md section 6; reported, never enforced):"
awk 'FNR == NR {wrk[$1 " " $2] = $3; next}
    $1 == 10000 && $2 == 64 && $3 == 0 {
        printf "  10,000 cases at concurrency 64, 0 ms: peak RSS %.1f MiB (target < 64): %s\n", $6 / 1024, ($6 < 65536 ? "met" : "MISSED")
    }
    $3 == 0 {
        r = ($1 / $4) / wrk[$2 " " $3]; rc = ($1 / ($7 / 1000)) / wrk[$2 " " $3]
        printf "  %d cases at concurrency %d: run phase %.0f%% of wrk, whole process %.0f%% (target >= 50%%): %s\n",
               $1, $2, 100 * rc, 100 * r, (rc >= 0.5 ? "met by the run phase" : "MISSED")
    }
    $3 > 0 {
        ideal = $1 * $3 / 1000 / $2
        printf "  %d cases at concurrency %d, %d ms: %.3f s vs %.3f s ideal (x%.2f)\n", $1, $2, $3, $4, ideal, $4 / ideal
    }' "$work/wrk.txt" "$work/runs.txt"

if [ "$failures" -ne 0 ]; then
    log "$failures measurement(s) broke; the numbers above are not to be trusted"
    exit 1
fi
