# pawl report on results files that are valid but extreme: reports still
# render, with no overflow (UBSan aborts on one) and times that validate.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAWL_TMP"
cp -r "$PAWL_SRC/examples/quickstart" qs
(cd qs && "$PAWL" run -q --json ../r.json)
/usr/bin/python3 - <<'PY'
import json
d = json.load(open("r.json"))
for t in d["cases"][0]["trials"] + d["cases"][1]["trials"]:
    t["latency_ms"] = 2**63 - 1
json.dump(d, open("huge.json", "w"), indent=2)
PY
run_pawl report huge.json --junit huge.xml --markdown huge.md -q
expect_status 0 "a results file with huge latencies still renders"
check_junit huge.xml "junit of huge latencies"
expect_eq "$(xmlstarlet sel -t -v "//testcase[@name='refund-1']/@time" huge.xml)" "9223372036854775.807" "a saturated case time"
finish
