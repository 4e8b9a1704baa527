# The README's main job: the quickstart passes, and its deliberately worse
# variant fails and names the broken cases.
. "$(dirname "$0")/lib.sh"
set -e

cp -r "$PAWL_SRC/examples/quickstart" "$PAWL_TMP/qs"
rm -rf "$PAWL_TMP/qs/reports"
cd "$PAWL_TMP/qs"

run_pawl validate
expect_status 0 "validate quickstart"
expect_eq "$out" "pawl.yaml: ok (30 cases from evals/support.jsonl, 2 scorers, provider exec)" "validate summary"

run_pawl run
expect_status 0 "quickstart passes"
expect_contains "$out" "PASS" "terminal summary shows the verdict"
check_junit reports/pawl-junit.xml "quickstart junit"
expect_eq "$junit_counts" "tests=32 failures=0 errors=0 skipped=0" "quickstart junit counts (30 cases + 2 rules)"
expect_eq "$(json_get reports/pawl-results.json 'd["verdict"], len(d["cases"]), d["dataset"]["cases"], d["metrics"]["correct"]["mean"]')" \
    "pass 30 30 1.0" "results file verdict and counts"
expect_eq "$(json_get reports/pawl-results.json 'd["dataset"]["blob"]')" \
    "$(git hash-object evals/support.jsonl)" "dataset blob id is git's"
test -s reports/pawl-summary.md || fail "markdown summary written"

run_pawl run -c pawl.worse.yaml
expect_status 1 "worse variant fails the gate"
expect_contains "$out" "FAIL" "terminal summary shows the failure"
expect_contains "$out" "refund-1" "terminal names a broken case"
check_junit reports/worse-junit.xml "worse junit"
expect_eq "$junit_counts" "tests=32 failures=7 errors=0 skipped=0" "6 broken cases + the correct rule"
for id in refund-1 refund-2 refund-3 warranty-1 warranty-2 warranty-3; do
    expect_eq "$(xmlstarlet sel -t -v "count(//testcase[@name='$id']/failure[@type='pawl.CaseFailed'])" reports/worse-junit.xml)" \
        1 "junit marks $id as failed"
done
expect_eq "$(xmlstarlet sel -t -v "//testcase[@name='refund-1']/@line" reports/worse-junit.xml)" 1 "junit line of refund-1"
expect_eq "$(xmlstarlet sel -t -v "//testcase[@name='refund-1']/@file" reports/worse-junit.xml)" evals/support.jsonl "junit file of refund-1"
expect_eq "$(xmlstarlet sel -t -v "count(//testcase/failure[@type='pawl.Threshold'])" reports/worse-junit.xml)" 1 "one threshold failed"
expect_eq "$(json_get reports/worse-results.json 'd["verdict"], round(d["metrics"]["correct"]["mean"], 3)')" "fail 0.8" "worse results"

# pawl report re-renders the same verdict from the results file.
run_pawl report reports/worse-results.json --junit "$PAWL_TMP/again.xml"
expect_status 1 "report keeps the failing verdict"
check_junit "$PAWL_TMP/again.xml" "re-rendered junit"
expect_eq "$junit_counts" "tests=32 failures=7 errors=0 skipped=0" "re-rendered counts"
finish
