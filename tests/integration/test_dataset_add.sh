# pawl dataset add, round trip per dataset format: a run finds a failing case,
# `dataset add` appends it, every byte the file held stays as it was, the next
# run finds the new case with its labels, and adding it again is refused.
# Then the refusals: another dataset, a dataset read at a git revision, a
# case that is not in the results file, usage errors.
. "$(dirname "$0")/lib.sh"
set -e

suite=$PAWL_TMP/suite
mkdir -p "$suite"
cd "$suite"

# The agent knows one answer.
cat >agent.sh <<'SH'
read -r line
case $line in
*capital*) echo "The capital of France is Paris." ;;
*) echo "No idea, sorry." ;;
esac
SH

write_config() { # write_config DATASET [EXTRA-DATASET-KEYS]
    cat >pawl.yaml <<YAML
version: 1
name: add-suite
dataset: {path: $1${2:-}}
task: {provider: exec, command: [sh, agent.sh]}
scorers: [{name: correct, type: contains, value: "{{expected_output}}"}]
gate: {rules: [{metric: correct, min: 1.0}]}
run: {cache: off}
YAML
}

# Odd formatting on purpose: CRLF and no final line break, a pretty-printed
# array with whitespace after it, comments and an indented YAML list, quoted
# CSV fields that span lines.
printf '{"id": "capital", "input": {"question": "What is the capital of France?"}, "expected_output": "Paris"}\r\n{"id": "sum", "input": {"question": "What is 2 + 2?"}, "expected_output": "4", "metadata": {"topic": "math"}}' >cases.jsonl
printf '[\n  {\n    "id": "capital",\n    "input": {"question": "What is the capital of France?"},\n    "expected_output": "Paris"\n  },\n  {\n    "id": "sum",\n    "input": {"question": "What is 2 + 2?"},\n    "expected_output": "4",\n    "metadata": {"topic": "math"}\n  }\n]  \n' >cases.json
printf '# arithmetic and geography\n  - id: capital   # the easy one\n    input: {question: "What is the capital of France?"}\n    expected_output: Paris\n\n  - id: sum\n    input:\n      question: >\n        What is 2 + 2?\n    expected_output: "4"\n    metadata: {topic: math}\n# end\n' >cases.yaml
printf 'id,question,expected_output,metadata.note\r\ncapital,"What is the capital\r\nof France?",Paris,\r\nsum,"What is 2 + 2, exactly?",4,"a ""tricky"" one"\r\n' >cases.csv

for ext in jsonl json yaml csv; do
    ds=cases.$ext
    write_config "$ds"
    rm -rf out
    run_pawl run --json out/run.json -q
    expect_status 1 "$ext: the run fails on case 'sum'"
    run_id=$(json_get out/run.json 'd["run"]["id"]')
    new=sum-$(/usr/bin/python3 -c 'import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode() + b"\0sum").hexdigest()[:8])' "$run_id")
    cp "$ds" before.$ext

    run_pawl dataset add --from out/run.json --case sum --label correct=false --label tone=0.25 \
        --note "answers with an apology"
    expect_status 0 "$ext: dataset add"
    add_err=$err
    # The line that holds the new id; a pretty-printed JSON element starts one line above.
    line=$(/usr/bin/python3 -c 'import sys; print([i for i, l in enumerate(open(sys.argv[1], newline=""), 1) if sys.argv[2] in l][0])' "$ds" "$new")
    [ "$ext" != json ] || line=$((line - 1))
    expect_eq "$out" "added case '$new' to $ds (line $line)" "$ext: what it did"
    # Only an insertion: the old bytes are a prefix (or, in a JSON array, a prefix and a suffix).
    tests_run=$((tests_run + 1))
    if [ "$ext" = json ]; then
        /usr/bin/python3 - before.json "$ds" <<'PY' || fail "json: the old bytes were changed"
import sys
old, new = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
tail = old[old.rindex(b"\n  }") + 4:]            # "\n]  \n": what follows the last element
assert new.startswith(old[:len(old) - len(tail)]) and new.endswith(tail), "not an insertion"
PY
    else
        size=$(stat -c %s before.$ext)
        cmp -s -n "$size" before.$ext "$ds" || fail "$ext: the first $size bytes changed"
    fi

    run_pawl run --filter "$new" --json out/new.json -q
    expect_status 1 "$ext: the new case runs (and still fails)"
    expect_eq "$(json_get out/new.json 'len(d["cases"]), d["cases"][0]["id"], d["cases"][0]["trials"][0]["output"]')" \
        "1 $new No idea, sorry." "$ext: the next run finds the new case"
    if [ "$ext" = csv ]; then
        expect_eq "$(json_get out/new.json 'd["cases"][0]["metadata"], d["cases"][0]["input"]')" \
            "{'note': 'answers with an apology'} {'question': 'What is 2 + 2, exactly?'}" \
            "csv: the note has a column, the input its columns"
        expect_eq "$add_err" "pawl: warning: --label 'tone' names no scorer of the run
pawl: warning: cases.csv has no columns 'metadata.observed_output', 'metadata.labels.correct', 'metadata.labels.tone', 'metadata.source_case' or 'metadata.source_run': not written" \
            "csv: metadata without a column is named"
    else
        expect_eq "$(json_get out/new.json 'sorted(d["cases"][0]["metadata"]["labels"].items()), d["cases"][0]["metadata"]["note"]')" \
            "[('correct', False), ('tone', 0.25)] answers with an apology" "$ext: labels and note in the results"
        expect_eq "$(json_get out/new.json '[d["cases"][0]["metadata"][k] for k in ("topic", "observed_output", "source_case", "source_run")]')" \
            "['math', 'No idea, sorry.', 'sum', '$run_id']" "$ext: metadata kept, the observation and its source"
        expect_eq "$add_err" "pawl: warning: --label 'tone' names no scorer of the run" \
            "$ext: a label for no scorer is warned about"
    fi
    cp "$ds" after.$ext
    run_pawl dataset add --from out/run.json --case sum
    expect_status 2 "$ext: adding the same failure again"
    expect_eq "$err" "pawl: case '$new' is already in $ds" "$ext: already there"
    expect_file "$ds" after.$ext "$ext: a refused add leaves the file alone"
done

# ---- where it may write -------------------------------------------------------
write_config cases.jsonl
run_pawl run --json out/run.json -q
write_config cases.yaml
run_pawl dataset add --from out/run.json --case sum
expect_status 2 "another dataset than the run's"
expect_eq "$err" "pawl: results file 'out/run.json' is from dataset 'cases.jsonl', not 'cases.yaml' of pawl.yaml; pass --to FILE to add the case there anyway" \
    "another dataset: the message"
run_pawl dataset add --from out/run.json --case sum --to other.jsonl --id sum-by-hand
expect_status 0 "--to writes another file (a new one here)"
expect_eq "$out" "added case 'sum-by-hand' to other.jsonl (line 1)" "--to and --id"
expect_eq "$(json_get out/run.json 'd["dataset"]["path"]')" "cases.jsonl" "(the results file is untouched)"

write_config cases.jsonl ", ref: HEAD"
run_pawl dataset add --from out/run.json --case sum
expect_status 2 "a dataset read at a revision"
expect_eq "$err" "pawl.yaml:3:35: cannot add a case to dataset 'cases.jsonl' read at revision 'HEAD' ('dataset.ref'); pass --to FILE to write a file" \
    "dataset.ref: the message"

write_config cases.jsonl
run_pawl dataset add --from out/run.json --case sun
expect_status 2 "a case the run does not have"
expect_eq "$err" "pawl: case 'sun' is not in results file 'out/run.json' (did you mean 'sum'?)" "case not found"
run_pawl dataset add --from out/nothing.json --case sum
expect_status 2 "a results file that is not there"
expect_eq "$err" "pawl: cannot open 'out/nothing.json': No such file or directory" "results not found"
run_pawl dataset add --from out/run.json --case sum --label corect=false --to typo.jsonl
expect_status 0 "a label for no scorer is added"
expect_eq "$err" "pawl: warning: --label 'corect' names no scorer of the run (did you mean 'correct'?)" \
    "a label for no scorer: a suggestion"
run_pawl dataset add --from out/run.json --case sum --trial 2
expect_status 2 "a trial the case does not have"
expect_eq "$err" "pawl: --trial 2 is out of range: case 'sum' has 1 trial" "--trial out of range"

# ---- CSV label columns -------------------------------------------------------------
# A column metadata.labels.SCORE holds that label (the scorer's name may have dots); the
# run reads it as the flat key "labels.SCORE", which --label replaces.
cat >labels.csv <<'CSV'
id,question,expected_output,metadata.labels.a.b
sum,"What is 2 + 2?",4,true
CSV
cat >pawl.yaml <<'YAML'
version: 1
dataset: {path: labels.csv}
task: {provider: exec, command: [sh, agent.sh]}
scorers: [{name: a.b, type: contains, value: "{{expected_output}}"}]
run: {cache: off}
YAML
run_pawl run --json out/labels.json -q
run_pawl dataset add --from out/labels.json --case sum --id sum-2 --label a.b=false
expect_status 0 "csv: a label with its column"
expect_eq "$(tail -1 labels.csv)" "sum-2,What is 2 + 2?,4,false" "csv: the label in its column"
expect_eq "$err" "pawl: warning: labels.csv has no columns 'metadata.observed_output', 'metadata.source_case' or 'metadata.source_run': not written" \
    "csv: the label column is not reported missing"
run_pawl dataset add --from out/labels.json --case sum --id sum-3 --label a.b=false --to labels.jsonl
expect_eq "$(json_get labels.jsonl 'd["metadata"]["labels"], "labels.a.b" in d["metadata"]')" \
    "{'a.b': False} False" "csv to jsonl: the new label replaces the flat one"
write_config cases.jsonl

# ---- a read-only dataset, and several adds at once -------------------------------
cp cases.jsonl ro.jsonl
chmod 444 ro.jsonl
cp ro.jsonl ro.before
run_pawl dataset add --from out/run.json --case sum --to ro.jsonl
expect_status 3 "a read-only dataset is not replaced"
expect_eq "$err" "pawl: cannot write 'ro.jsonl': the file is read-only" "read-only: the message"
expect_file ro.jsonl ro.before "read-only: the file is untouched"
expect_eq "$(stat -c %a ro.jsonl)" 444 "read-only: its mode too"
chmod 640 ro.jsonl
run_pawl dataset add --from out/run.json --case sum --to ro.jsonl --id sum-rw
expect_status 0 "a writable dataset"
expect_eq "$(stat -c %a ro.jsonl)" 640 "the file keeps its mode"

# Each add reads, appends and replaces the file: without a lock, two at once
# would both read the old file and the later rename would drop the other case.
cp cases.jsonl busy.jsonl
pids=
for i in 1 2 3 4 5 6 7 8; do
    "$PAWL" dataset add --from out/run.json --case sum --to busy.jsonl --id "busy-$i" \
        >"$PAWL_TMP/busy-$i.out" 2>&1 &
    pids="$pids $!"
done
busy_failed=0
for pid in $pids; do wait "$pid" || busy_failed=$((busy_failed + 1)); done
expect_eq "$busy_failed" 0 "concurrent adds all succeed"
expect_eq "$(grep -c '"id":"busy-' busy.jsonl)" 8 "concurrent adds: none is lost"
expect_eq "$(ls busy.jsonl.* 2>/dev/null | wc -l)" 0 "concurrent adds: no temporary file is left"

# ---- usage ------------------------------------------------------------------------
run_pawl dataset add --from out/run.json
expect_status 2 "no --case"
expect_eq "$err" "pawl: missing --case ID (the case to add)
Try 'pawl dataset add --help'." "no --case: the message"
run_pawl dataset add --from out/run.json --case sum --label correct
expect_status 2 "a label without a value"
expect_contains "$err" "pawl: invalid --label 'correct' (expected SCORE=VALUE)" "bad label"
run_pawl dataset add --from out/run.json --case sum --label a=1 --label a=2
expect_status 2 "a label twice"
expect_contains "$err" "pawl: --label 'a' given twice" "label twice"
run_pawl dataset add --from out/run.json --case sum --trial 0
expect_status 2 "--trial 0"
expect_contains "$err" "pawl: invalid --trial '0' (expected a trial number from 1)" "bad trial"
run_pawl dataset add --from out/run.json --case sum --turns N-1
expect_status 2 "--turns on a case without messages"
expect_eq "$err" "pawl: --turns needs a conversational case: case 'sum' has no 'input.messages' list" \
    "--turns without messages"
run_pawl dataset add --help
expect_status 0 "--help"
expect_contains "$out" "usage: pawl dataset add --from RESULTS.json --case ID [options]" "help: usage line"
expect_contains "$out" "--turns SPEC" "help: --turns"
run_pawl dataset add --from out/run.json --case sum extra
expect_status 2 "an extra argument"
expect_contains "$err" "pawl: unexpected argument 'extra'" "extra argument"

finish
