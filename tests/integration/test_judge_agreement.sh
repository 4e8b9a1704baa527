# Judge agreement with human labels: two judges answered by the mock LLM
# server, cases labelled in metadata.labels; the agreement metrics in the
# results file equal an independent Python computation over the same pairs
# (tests/data/agreement/reference.py, which also re-checks the unit tests'
# worked examples); a judge_agreement rule passes (exit 0) and fails (exit 1)
# with the same message in the terminal, JUnit and Markdown; a baseline
# without labels compares cleanly; config mistakes are located errors.
. "$(dirname "$0")/lib.sh"
set -e

ref="$PAWL_SRC/tests/data/agreement/reference.py"

# ---- the worked examples of the unit tests, recomputed independently ----------------
expect_eq "$(/usr/bin/python3 "$ref" check "$PAWL_SRC/tests/data/agreement/worked.json")" ok \
    "worked.json holds what reference.py computes"

cat >"$PAWL_TMP/rules.json" <<'JSON'
{"rules": [
  {"match": "MET VERDICT-YES", "reply": "{\"reasoning\": \"meets it\", \"score\": true}"},
  {"match": "MET VERDICT-NO", "reply": "{\"reasoning\": \"misses it\", \"score\": false}"},
  {"match": "FAULT-503", "fault": "503"},
  {"match": "Q1", "reply": "{\"reasoning\": \"poor\", \"score\": 1}"},
  {"match": "Q2", "reply": "{\"reasoning\": \"weak\", \"score\": 2}"},
  {"match": "Q3", "reply": "{\"reasoning\": \"fair\", \"score\": 3}"},
  {"match": "Q4", "reply": "{\"reasoning\": \"good\", \"score\": 4}"},
  {"match": "Q5", "reply": "{\"reasoning\": \"great\", \"score\": 5}"}
]}
JSON
start_mock --rules "$PAWL_TMP/rules.json"
mkdir -p "$PAWL_TMP/suite"
cd "$PAWL_TMP/suite"

# met: judge YES/label true 8, YES/false 2, NO/true 1, NO/false 9 -> p_o 0.85, p_e 0.50,
# kappa 0.70. quality: a 1..5 judge (normalised to 0..1) against labels on that scale.
# c21: the judge call fails (left out, counted); c22: no labels.
/usr/bin/python3 - <<'PY'
import json
spec = [("YES", True, 5, 1.0), ("YES", True, 4, 0.75), ("YES", True, 5, 0.75), ("YES", True, 4, 1.0),
        ("YES", True, 3, 0.5), ("YES", True, 4, 0.5), ("YES", True, 5, 1.0), ("YES", True, 3, 0.75),
        ("YES", False, 4, 0.25), ("YES", False, 2, 0.5), ("NO", True, 3, 0.75), ("NO", False, 1, 0.0),
        ("NO", False, 2, 0.25), ("NO", False, 1, 0.25), ("NO", False, 2, 0.0), ("NO", False, 1, 0.0),
        ("NO", False, 3, 0.25), ("NO", False, 2, 0.5), ("NO", False, 1, 0.25), ("NO", False, 2, 0.25)]
with open("cases.jsonl", "w") as f:
    for i, (v, l, q, ql) in enumerate(spec):
        f.write(json.dumps({"id": "c%02d" % (i + 1), "input": "question", "expected_output": "answer",
                            "output": "VERDICT-%s Q%d" % (v, q),
                            "metadata": {"labels": {"met": l, "quality": ql}}}) + "\n")
    f.write(json.dumps({"id": "c21", "input": "question", "output": "FAULT-503",
                        "metadata": {"labels": {"met": True, "quality": 0}}}) + "\n")
    f.write(json.dumps({"id": "c22", "input": "question", "output": "VERDICT-YES Q5"}) + "\n")
PY

config() { # config RULES-YAML
    cat >pawl.yaml <<YAML
version: 1
name: agree
dataset: {path: cases.jsonl}
task: {provider: outputs}
scorers:
  - {name: met, type: llm-judge, judge: {provider: openai, model: j, base_url: "$MOCK_URL/v1"}, rubric_text: "MET {{output}}", kind: boolean}
  - {name: quality, type: llm-judge, judge: {provider: openai, model: j, base_url: "$MOCK_URL/v1"}, rubric_text: "RATE {{output}}", range: [1, 5]}
run: {retries: 0, cache: off}
gate:
  rules:
$1
report: {json: results.json, junit: junit.xml, markdown: summary.md}
YAML
}

# ---- a rule that passes ------------------------------------------------------------
config "    - {judge_agreement: met, min_kappa: 0.6}
    - {judge_agreement: quality, max_mae: 0.2}"
run_pawl run
expect_status 0 "kappa 0.70 meets min_kappa 0.6"
expect_contains "$out" "  judge met vs human labels: n=20 (1 left out), accuracy 0.850 [0.640, 0.948], kappa 0.700 [0.389, 1.000]" \
    "terminal: the met line"
expect_contains "$out" "  judge quality vs human labels: n=20 (1 left out), mae 0.163 [0.098, 0.227], spearman 0.782 [0.498, 0.915]" \
    "terminal: the quality line"
expect_contains "$out" "PASS  judge_agreement met: kappa >= 0.60  (0.700)" "terminal: the passing rule"

# The results file carries every agreement metric, equal to the independent computation.
cmp_py='
import json, sys
d = json.load(open("results.json")); ref = json.loads(sys.stdin.read())
bad = []
def close(a, b):
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1e-9)
for scorer, want in sorted(ref.items()):
    m = lambda s: d["metrics"].get("agreement.%s.%s" % (scorer, s))
    if m("n")["mean"] != want["n"] or (m("excluded") or {"mean": 0})["mean"] != want["excluded"]:
        bad.append("%s: n/excluded" % scorer)
    for stat in ("accuracy", "kappa", "mae", "spearman"):
        if stat not in want:
            if m(stat) is not None: bad.append("%s.%s should be absent" % (scorer, stat))
            continue
        value, ci = want[stat]
        got = m(stat)
        if got is None or not close(got["mean"], value) or got["n"] != want["n"] or \
           (ci is None) != ("ci" not in got) or (ci and not all(map(close, got["ci"], ci))):
            bad.append("%s.%s: got %r, want %r" % (scorer, stat, got, want[stat]))
print("; ".join(bad) or "equal (%d scorers)" % len(ref))
'
expect_eq "$(/usr/bin/python3 "$ref" results results.json | /usr/bin/python3 -c "$cmp_py")" "equal (2 scorers)" \
    "results file agreement metrics = reference.py over the same pairs"
expect_eq "$(json_get results.json '[d["metrics"]["agreement.met.kappa"]["mean"], d["metrics"]["agreement.met.n"]["mean"], d["metrics"]["agreement.met.excluded"]["mean"], d["metrics"]["agreement.met.excluded"]["n"]]')" \
    "[0.7, 20.0, 1.0, 21]" "kappa 0.70 over 20 pairs, one labelled case left out"
expect_eq "$(json_get results.json '[k for k in d["metrics"] if k.startswith("agreement.")]')" \
    "['agreement.met.n', 'agreement.met.excluded', 'agreement.met.accuracy', 'agreement.met.kappa', 'agreement.quality.n', 'agreement.quality.excluded', 'agreement.quality.mae', 'agreement.quality.spearman']" \
    "only the statistics that apply"
expect_eq "$(json_get results.json 'd["gate"][0]')" \
    "{'rule': 'judge_agreement met: kappa >= 0.60', 'kind': 'min', 'metric': 'agreement.met.kappa', 'threshold': 0.6, 'actual': 0.7, 'status': 'pass', 'message': \"judge 'met' agrees with human labels at kappa 0.70 [0.39, 1.00] (n=20), at or above the minimum 0.60\"}" \
    "the rule in the results file"
expect_contains "$(cat summary.md)" "### Judge agreement

| judge | n | accuracy | kappa | MAE | Spearman |
|:--|--:|--:|--:|--:|--:|
| met | 20 (1 left out) | 0.850 [0.640, 0.948] | 0.700 [0.389, 1.000] | — | — |
| quality | 20 (1 left out) | — | — | 0.163 [0.098, 0.227] | 0.782 [0.498, 0.915] |" "Markdown: the agreement table"
check_junit junit.xml "passing run"

# `pawl report` renders the same from the results file alone.
cp summary.md summary.run.md
run_pawl report results.json --markdown summary.md
expect_status 0 "pawl report"
expect_file summary.md summary.run.md "the summary re-rendered from the results file"

# A baseline without labels: the candidate's agreement metrics do not confuse the comparison.
/usr/bin/python3 -c '
import json
d = json.load(open("results.json"))
d["metrics"] = {k: v for k, v in d["metrics"].items() if not k.startswith("agreement.")}
for c in d["cases"]: c["metadata"] = None
json.dump(d, open("base.json", "w"))'
run_pawl compare base.json results.json --markdown compare.md
expect_status 0 "compare with a baseline that has no agreement metrics"
expect_contains "$(cat compare.md)" "| met | 20 (1 left out) | 0.850 [0.640, 0.948] | 0.700 [0.389, 1.000] | — | — |" \
    "compare: the candidate's agreement table"
run_pawl compare results.json base.json
expect_status 0 "compare with a candidate that has no agreement metrics"

# ---- a rule that fails -------------------------------------------------------------
msg="judge 'met' agrees with human labels at kappa 0.70 [0.39, 1.00] (n=20), below the minimum 0.80"
config "    - {judge_agreement: met, min_kappa: 0.8}"
run_pawl run
expect_status 1 "kappa 0.70 misses min_kappa 0.8"
expect_contains "$out" "FAIL  judge_agreement met: kappa >= 0.80  (0.700)  $msg" "terminal: the failing rule"
expect_contains "$(cat summary.md)" "| judge\\_agreement met: kappa >= 0.80 | ❌ fail | judge 'met' agrees with human labels at kappa 0.70 \\[0.39, 1.00\\] (n=20), below the minimum 0.80 |" \
    "Markdown: the failing rule"
check_junit junit.xml "failing run"
expect_eq "$(/usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
for tc in ET.parse("junit.xml").iter("testcase"):
    if tc.get("name") == "judge_agreement met: kappa >= 0.80":
        f = tc.find("failure")
        print(f.get("type"), "|", f.get("message"), "|", f.text)')" \
    "pawl.Threshold | $msg | $msg" "JUnit: the failing rule, attribute and text"

# Too few labelled cases is a failure that says how many there are.
config "    - {judge_agreement: quality, min_spearman: 0.5, min_n: 25}"
run_pawl run
expect_status 1 "fewer labelled cases than min_n"
expect_contains "$out" "judge 'quality' has human labels on 20 scored cases (1 more left out: every trial errored or the label does not fit the score), fewer than the 25 needed (min_n)" \
    "the min_n message"

# A statistic that does not fit the labels is a rule error.
config "    - {judge_agreement: quality, min_kappa: 0.5}"
run_pawl run
expect_status 1 "kappa on numeric labels"
expect_contains "$out" "ERROR  judge_agreement quality: kappa >= 0.50  judge 'quality' has numeric labels: kappa needs boolean or category labels (use min_spearman or max_mae)" \
    "kappa on numeric labels is a rule error"

# ---- config errors -----------------------------------------------------------------
config "    - {judge_agreement: mett, min_kappa: 0.6}"
run_pawl validate
expect_status 2 "unknown judge"
expect_eq "$err" "pawl.yaml:11:25: unknown scorer 'mett' (did you mean 'met'?)" "unknown judge, located"
config "    - {judge_agreement: met, min_kappa: 0.6, max_mae: 0.1}"
run_pawl validate
expect_status 2 "two bounds"
expect_eq "$err" "pawl.yaml:11:7: rule 'judge_agreement' needs exactly one of 'min_kappa', 'min_accuracy', 'min_spearman' or 'max_mae'" \
    "two bounds, located"

stop_mock
finish
