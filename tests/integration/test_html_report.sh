# The HTML report: the quickstart's page, a page of 10,000 cases and a page of
# hostile outputs, each validated by two HTML parsers (tidy, and html5lib in
# strict mode) and opened in headless Chromium, which must log nothing to the
# console and show hostile markup as text.
. "$(dirname "$0")/lib.sh"
set -e

data="$PAWL_SRC/tests/data/html"
max=$((8 * 1024 * 1024)) # PAWL_HTML_MAX

for tool in tidy chromium; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (ci/setup.sh)" >&2; exit 1; }
done
/usr/bin/python3 -c 'import html5lib' || { echo "FAIL: python3-html5lib is not installed" >&2; exit 1; }

# check_html FILE [RESULTS] what: both parsers accept FILE; with RESULTS, every case's id
# and output come back out of the parser as the exact text (tests/data/html/html_check.py).
check_html() {
    local file=$1 results=$2 what=$3
    tests_run=$((tests_run + 1))
    # tidy exits 1 for warnings and 2 for errors; pawl's pages give it nothing to say.
    if ! tidy -errors -quiet "$file" >"$PAWL_TMP/tidy.log" 2>&1; then
        fail "$what: tidy rejects $file"
        head -20 "$PAWL_TMP/tidy.log" >&2
    fi
    tests_run=$((tests_run + 1))
    if ! checked=$(/usr/bin/python3 "$data/html_check.py" "$file" $results 2>"$PAWL_TMP/h5.log"); then
        fail "$what: html5lib (strict) rejects $file"
        head -20 "$PAWL_TMP/h5.log" >&2
    fi
}

# Chromium, headless and offline: every host name fails to resolve and background
# services are off, so nothing can leave the machine even if a page asked (pawl's pages
# also forbid it in their Content-Security-Policy). With --enable-logging=stderr each
# console message the page produces, console.log and console.error alike, as well as
# uncaught exceptions and Content-Security-Policy violations, is one stderr line with
# ":CONSOLE" in it; pawl's pages run no script, so any such line is a defect.
chrome() { # chrome LOG ARGS... : stdout to the caller, stderr to LOG
    local log=$1
    shift
    timeout 60 chromium --headless --no-sandbox --disable-gpu \
        --user-data-dir="$PAWL_TMP/chrome-profile" --no-first-run --no-default-browser-check \
        --disable-extensions --disable-background-networking --disable-component-update \
        --disable-sync --disable-default-apps --mute-audio \
        --host-resolver-rules="MAP * ~NOTFOUND" \
        --enable-logging=stderr --v=0 "$@" 2>"$log"
}

console_lines() { grep -E ':CONSOLE|Uncaught' "$1" || true; }

# open_html FILE what: screenshot (a non-empty PNG), the DOM after load in $PAWL_TMP/dom.html,
# and no console output.
open_html() {
    local file=$1 what=$2 png="$PAWL_TMP/shot.png" logs
    rm -f "$png"
    tests_run=$((tests_run + 1))
    if ! chrome "$PAWL_TMP/shot.log" --screenshot="$png" --window-size=1280,2000 \
        "file://$file" >/dev/null; then
        fail "$what: chromium could not take a screenshot"
        tail -5 "$PAWL_TMP/shot.log" >&2
    fi
    tests_run=$((tests_run + 1))
    if [ ! -s "$png" ] || [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" != 89504e470d0a1a0a ]; then
        fail "$what: the screenshot is not a PNG"
    fi
    tests_run=$((tests_run + 1))
    if ! chrome "$PAWL_TMP/dom.log" --dump-dom "file://$file" >"$PAWL_TMP/dom.html" ||
        ! grep -q '</html>' "$PAWL_TMP/dom.html"; then
        fail "$what: chromium could not dump the DOM"
        tail -5 "$PAWL_TMP/dom.log" >&2
    fi
    logs=$(console_lines "$PAWL_TMP/shot.log"; console_lines "$PAWL_TMP/dom.log")
    expect_eq "$logs" "" "$what: the page logs nothing to the console"
}

# The console check must be able to fail: a page that logs, and pawl's own policy
# refusing an inline script, both show up as console lines.
cd "$PAWL_TMP"
printf '<!DOCTYPE html><title>canary</title><script>console.error("canary-logged")</script>\n' >canary.html
chrome canary.log --dump-dom "file://$PAWL_TMP/canary.html" >/dev/null
expect_contains "$(console_lines canary.log)" "canary-logged" "chromium reports console output"
printf '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src '"'none'"'; style-src '"'unsafe-inline'"'"><title>csp</title><script>document.title="ran"</script>\n' >csp.html
chrome csp.log --dump-dom "file://$PAWL_TMP/csp.html" >csp.dom
expect_contains "$(console_lines csp.log)" "Content Security Policy" "an injected script would be refused and logged"
expect_contains "$(cat csp.dom)" "<title>csp</title>" "the refused script did not run"

# ---- the quickstart ----
cp -r "$PAWL_SRC/examples/quickstart" qs
rm -rf qs/reports
cd qs
if "$PAWL" run --help | grep -q -- '--html'; then
    run_pawl run --html reports/run.html
    expect_status 0 "quickstart passes"
    run_pawl report reports/pawl-results.json --html again.html -q
    expect_status 0 "report keeps the verdict"
    expect_file again.html reports/run.html "pawl report re-renders the bytes pawl run wrote"
else
    echo "note: 'pawl run --html' is not wired yet; rendering with 'pawl report' only" >&2
    run_pawl run
    expect_status 0 "quickstart passes"
    run_pawl report reports/pawl-results.json --html again.html -q
    expect_status 0 "report keeps the verdict"
fi
run_pawl report reports/pawl-results.json --html again2.html -q
expect_file again2.html again.html "the page is the same bytes every time"
check_html "$PWD/again.html" reports/pawl-results.json "quickstart page"
expect_eq "$checked" "cases=30 outputs=30" "quickstart: every case listed with its output"
open_html "$PWD/again.html" "quickstart page"
expect_contains "$(cat "$PAWL_TMP/dom.html")" '<p class="verdict">PASS</p>' "the banner says PASS"

# The regressed bot against the good run as baseline: broken cases with diffs.
run_pawl baseline promote reports/pawl-results.json --to base.json
expect_status 0 "promote the baseline"
run_pawl run -c pawl.worse.yaml --baseline base.json
expect_status 1 "the worse bot fails"
run_pawl report reports/worse-results.json --baseline base.json --html worse.html -q
expect_status 1 "report keeps the failing verdict"
check_html "$PWD/worse.html" reports/worse-results.json "compared page"
expect_eq "$checked" "cases=30 outputs=30" "compared: every case listed"
page=$(cat worse.html)
expect_contains "$page" '<label for="f-broken">broken (6)</label>' "six broken cases to filter"
expect_contains "$page" '<del>You can ask for a refund</del><ins>Refunds are possible</ins> within <del>30</del><ins>14</ins> days of delivery.' "the word diff"
expect_contains "$page" '<h4>Baseline output</h4>' "the baseline's output is shown"
open_html "$PWD/worse.html" "compared page"
expect_contains "$(cat "$PAWL_TMP/dom.html")" '<p class="verdict">FAIL</p>' "the banner says FAIL"
run_pawl report reports/worse-results.json --baseline missing.json --html x.html -q
expect_status 2 "a missing baseline is a data error"
cd "$PAWL_TMP"

# ---- hostile outputs ----
cp -r "$data/hostile" hostile
cd hostile
run_pawl run --json r.json
expect_status 1 "the hostile suite fails its gate"
run_pawl report r.json --html h.html -q
expect_status 1 "report of the hostile suite"
check_html "$PWD/h.html" r.json "hostile page"
expect_eq "$checked" "cases=14 outputs=14" "hostile: ids and outputs come back as text"
open_html "$PWD/h.html" "hostile page"
dom=$(cat "$PAWL_TMP/dom.html")
expect_eq "$(grep -c '<script' "$PAWL_TMP/dom.html" || true)" 0 "no script element in the DOM"
expect_eq "$(grep -c '<[a-zA-Z][^<>]*id="pwned' "$PAWL_TMP/dom.html" || true)" 0 "no injected element in the DOM"
expect_eq "$(grep -o '<details class="case' "$PAWL_TMP/dom.html" | wc -l)" 14 "one details element per case, none injected"
expect_eq "$(grep -o '<textarea\|<img\|<link\|<iframe' "$PAWL_TMP/dom.html" | wc -l)" 0 "no injected textarea, img, link or iframe"
expect_contains "$dom" "&lt;script&gt;alert('xss')&lt;/script&gt;" "the script is text"
expect_contains "$dom" '&lt;/details&gt;&lt;/summary&gt;&lt;b id="pwned-details"&gt;escaped?&lt;/b&gt;&lt;details open&gt;' "</details> is text"
expect_contains "$dom" '&lt;/textarea&gt;&lt;textarea id="pwned-textarea"&gt;' "</textarea> is text"
expect_contains "$dom" '&lt;/pre&gt;&lt;p id="pwned-pre"&gt;out of the block&lt;/p&gt;&lt;pre&gt;' "</pre> is text"
expect_contains "$dom" '&lt;img src=x onerror=alert(3)&gt;</span>' "a hostile case id is text"
expect_contains "$dom" '<h1>hostile &lt;b&gt;suite&lt;/b&gt; "quoted"</h1>' "a hostile suite name is text"
cd "$PAWL_TMP"

# ---- 10,000 cases ----
mkdir big
cd big
/usr/bin/python3 - <<'PY'
with open("cases.jsonl", "w") as f:
    for i in range(10000):
        # Every tenth case fails; answers are long enough to be cut.
        q = ("question %d: " % i) + "<why> & 'how' " * (200 if i % 50 == 0 else 8)
        want = "never" if i % 10 == 0 else "question"
        f.write('{"id": "case-%05d", "input": {"q": "%s"}, "expected_output": "%s"}\n' % (i, q, want))
PY
printf '{{input.q}}' >prompt.txt
cat >pawl.yaml <<'YAML'
version: 1
name: big
dataset: {path: cases.jsonl}
task: {provider: echo, prompt: prompt.txt}
scorers: [{name: correct, type: icontains, value: "{{expected_output}}"}]
run: {cache: off}
YAML
run_pawl run --json r.json
expect_status 1 "a tenth of the big suite fails"
start=$(date +%s%N)
run_pawl report r.json --html big.html -q
took=$((($(date +%s%N) - start) / 1000000))
echo "10,000 cases: $(wc -c <big.html) bytes, rendered in $took ms" >&2
expect_status 1 "report of the big suite"
tests_run=$((tests_run + 1))
[ "$(wc -c <big.html)" -le "$max" ] || fail "10,000 cases: $(wc -c <big.html) bytes, over $max"
page=$(cat big.html)
expect_contains "$page" '<label for="f-failing">failing (1,000)</label>' "1,000 failing cases to filter"
expect_contains "$page" '<p class="note">The first 500 of 9,000 passing cases are listed; the results file has them all.</p>' "passing cases are capped"
expect_eq "$(grep -o '<details class="case' big.html | wc -l)" 1500 "every failing case and 500 passing ones"
expect_contains "$page" "more characters not shown" "long answers are cut with a note"
check_html "$PWD/big.html" r.json "10,000-case page"
expect_eq "$checked" "cases=1500 outputs=1500" "10,000-case page: listed cases come back as text"
open_html "$PWD/big.html" "10,000-case page"
finish
