# pawl push against the mock Langfuse server: a 3-trial run with scores of all three
# types, usage and cost (the openai provider against the mock LLM server) pushed over
# both API paths, chosen explicitly and by `auto`; ids stable across pushes (nothing new
# the second time); every body within the conformance schemas; and the failures (bad
# keys, per-event errors in a 207, a 503 that persists, a server that is down) each
# with its exact message and exit status 3, a transient 429/503 retried to success.
. "$(dirname "$0")/lib.sh"
set -e

data=$PAWL_SRC/tests/data/langfuse_push
export LANGFUSE_PUBLIC_KEY=pk-lf-test LANGFUSE_SECRET_KEY=sk-lf-test
unset LANGFUSE_HOST

start_mock --rules "$data/rules.json"
suite=$PAWL_TMP/suite
mkdir -p "$suite"
cd "$suite"
cp "$data/cases.jsonl" cases.jsonl
cat >pawl.yaml <<YAML
version: 1
name: push-suite
dataset: {path: cases.jsonl}
task:
  provider: openai
  model: gpt-4o-mini
  base_url: $MOCK_URL/v1
  api_key_env: PAWL_TEST_KEY
  messages:
    - {role: user, content: "{{input.question}}"}
  price: {input_per_mtok: 0.15, output_per_mtok: 0.60}
scorers:
  - {name: correct, type: contains, value: "{{expected_output}}"}
  - {name: close, type: levenshtein, value: "{{expected_output}}"}
  - name: verdict
    type: llm-judge
    judge: {provider: openai, model: judge-1, base_url: "$MOCK_URL/v1", api_key_env: PAWL_TEST_KEY}
    rubric_text: "CLASSIFY {{output}}"
    kind: categorical
    categories: [ok, hallucination]
run: {repeat: 3, cache: off}
gate:
  rules:
    - {metric: correct, min: 0.5}
report: {json: results.json}
YAML
export PAWL_TEST_KEY=sk-test-1
run_pawl run
expect_status 0 "the run to push"

lfstate() { # lfstate PYTHON-EXPR over the mock's state `d`
    curl -s "$LF_URL/_mock/state" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}
logq() { # logq LOG PYTHON-EXPR over the log's records `rs`
    /usr/bin/python3 -c "import json,sys; rs=[json.loads(l) for l in open(sys.argv[1])]; print($2)" "$1"
}
clean_log() { # clean_log LOG what: no request body broke a schema or drew a warning
    expect_eq "$(logq "$1" '[sum(len(r["violations"]) for r in rs), sum(len(r["warnings"]) for r in rs)]')" \
        "[0, 0]" "$2: no schema violations or warnings in the mock's log"
}
make_dataset() { # make_dataset NAME PREFIX: the dataset with an item per case
    curl -sf -u pk-lf-test:sk-lf-test -H 'Content-Type: application/json' \
        -d "{\"name\": \"$1\"}" "$LF_URL/api/public/v2/datasets" >/dev/null
    for id in capital sum refund moon; do
        curl -sf -u pk-lf-test:sk-lf-test -H 'Content-Type: application/json' \
            -d "{\"datasetName\": \"$1\", \"id\": \"$2$id\", \"input\": {}}" \
            "$LF_URL/api/public/dataset-items" >/dev/null
    done
}

# What the summary must say, from the results alone.
rid=$(json_get results.json 'd["run"]["id"]')
base=$(json_get results.json '"push-suite " + ("%s@%s " % (d["run"]["git"]["ref"] or "HEAD", d["run"]["git"]["commit"][:7]) if d["run"]["git"] and d["run"]["git"]["commit"] else "") + d["run"]["id"]')
runscores=$(json_get results.json '3 * (1 + len(d["gate"]) + len(d["metrics"]))')
names="as 3 experiments, '$base trial 1/3' to '$base trial 3/3'"

# ---- v4 (auto), no dataset ----------------------------------------------------------
start_langfuse_mock --log "$PAWL_TMP/lf4.log"
export LANGFUSE_BASE_URL=$LF_URL
run_pawl push results.json
expect_status 0 "v4 push"
expect_eq "$out" "pushed run $rid to $LF_URL (Langfuse v4) $names: 12 traces, 24 observations, 36 scores and $runscores run scores (0 failed)" \
    "v4 push: the summary"
expect_eq "$(logq "$PAWL_TMP/lf4.log" 'rs[0]["path"]')" "/api/public/health" "auto asks the server's version first"
expect_eq "$(lfstate '[len(d["spans"]), d["span_duplicates"], d["score_creates"], d["score_updates"]]')" \
    "[24, 0, $((36 + runscores)), 0]" "v4: 24 spans, every score created"
expect_eq "$(logq "$PAWL_TMP/lf4.log" 'sorted({r["headers"].get("x-langfuse-ingestion-version") for r in rs if r["path"].endswith("/otel/v1/traces")})')" \
    "['4']" "v4: the ingestion version header on every export"
# One root span and its generation, attribute by attribute.
attrs='{a["key"]: list(a["value"].values())[0] for a in s["attributes"]}'
root="[s for s in d[\"spans\"].values() if 'parentSpanId' not in s and $attrs['langfuse.trace.metadata.case_id'] == 'capital' and $attrs['langfuse.trace.metadata.trial'] == '2'][0]"
expect_eq "$(lfstate "(lambda s: [$attrs[k] for k in ('langfuse.trace.name', 'langfuse.observation.type', 'langfuse.observation.input', 'langfuse.observation.output', 'langfuse.experiment.item.expected_output', 'langfuse.experiment.item.metadata.tier', 'langfuse.experiment.item.metadata.n', 'langfuse.experiment.name', 'langfuse.experiment.item.id')] + [$attrs['langfuse.experiment.item.root_observation_id'] == s['spanId']])($root)")" \
    "['push-suite', 'span', '{\"question\":\"What is the capital of France?\"}', '\"The capital of France is Paris.\"', '\"Paris\"', 'gold', '1', '$base trial 2/3', 'capital', True]" \
    "v4: the root span is the experiment item"
expect_eq "$(lfstate "(lambda r: (lambda s: [$attrs[k] for k in ('langfuse.observation.type', 'langfuse.observation.usage_details')] + [float(json.loads($attrs['langfuse.observation.cost_details'])['total']) > 0, s['parentSpanId'] == r['spanId'], $attrs['langfuse.experiment.id'] == (lambda s: $attrs['langfuse.experiment.id'])(r)])([s for s in d['spans'].values() if s.get('parentSpanId') == r['spanId']][0]))($root)")" \
    "['generation', '{\"input\":6,\"output\":6,\"total\":12}', True, True, True]" \
    "v4: the generation carries usage and cost"
expect_eq "$(lfstate 'sorted({(s["dataType"], type(s["value"]).__name__) for s in d["scores"].values() if s.get("traceId")})')" \
    "[('BOOLEAN', 'int'), ('CATEGORICAL', 'str'), ('NUMERIC', 'float')]" "v4: scores of all three types"
expect_eq "$(lfstate '[s["value"] for s in d["scores"].values() if s.get("traceId") and s["name"] == "verdict" and s["metadata"]["case_id"] == "moon"]')" \
    "['hallucination', 'hallucination', 'hallucination']" "categorical scores carry the category"
expect_eq "$(lfstate 'all(s["traceId"] + "/" + s["observationId"] in d["spans"] for s in d["scores"].values() if s.get("traceId"))')" \
    "True" "every item score is on its trace's root span"
expect_eq "$(lfstate 'sorted({s["datasetRunId"] for s in d["scores"].values() if s.get("datasetRunId")}) == sorted({a["value"]["stringValue"] for s in d["spans"].values() for a in s["attributes"] if a["key"] == "langfuse.experiment.id"})')" \
    "True" "run scores are on the three experiments"
expect_eq "$(lfstate '[s["value"] for s in d["scores"].values() if s.get("datasetRunId") and s["name"] == "pawl_verdict"]')" \
    "['pass', 'pass', 'pass']" "the verdict is a run score"

run_pawl push results.json
expect_status 0 "v4 push again"
expect_eq "$out" "pushed run $rid to $LF_URL (Langfuse v4) $names: 0 traces (12 already there), 0 observations, 36 scores and $runscores run scores (0 failed)" \
    "v4 push again: nothing new to export"
expect_eq "$(lfstate '[len(d["spans"]), d["span_duplicates"], d["score_creates"], d["score_updates"]]')" \
    "[24, 0, $((36 + runscores)), $((36 + runscores))]" "v4 push again: no span twice, every score updated"

# ---- v4 with a dataset ------------------------------------------------------------
make_dataset team/qa px-
run_pawl push results.json --dataset team/qa --id-prefix px- --langfuse-api v4 --environment ci
expect_status 0 "v4 push with a dataset"
expect_eq "$out" "pushed run $rid to $LF_URL (Langfuse v4) $names: 12 traces, 24 observations, 36 scores and $runscores run scores (0 failed)" \
    "v4 push with a dataset: the summary (no run items on v4)"
# Langfuse Cloud has no dataset-run-items any more: the id is derived as langfuse-js does.
expect_eq "$(logq "$PAWL_TMP/lf4.log" '[len([r for r in rs if r["path"] == "/api/public/dataset-run-items"]), len([r for r in rs if r["path"] == "/api/public/projects"]), len([r for r in rs if r["method"] == "GET" and r["path"].startswith("/api/public/v2/datasets/")])]')" \
    "[0, 1, 1]" "v4 with a dataset: no dataset-run-items request, one projects and one dataset request"
expids() { # the experiment ids on the spans that carry a dataset id, sorted
    lfstate 'sorted({a["value"]["stringValue"] for s in d["spans"].values() for a in s["attributes"] if a["key"] == "langfuse.experiment.id" and any(b["key"] == "langfuse.experiment.dataset.id" for b in s["attributes"])})'
}
ids=$(expids)
mockids=$(for k in 1 2 3; do
    curl -sf -u pk-lf-test:sk-lf-test -H 'Content-Type: application/json' \
        -d "$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"runName": sys.argv[1], "datasetItemId": "px-capital", "traceId": "0" * 31 + "1"}))' "$base trial $k/3")" \
        "$LF_URL/api/public/dataset-run-items" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["datasetRunId"])'
done | sort | /usr/bin/python3 -c 'import sys; print([l.strip() for l in sys.stdin])')
expect_eq "$ids" "$mockids" "v4: the experiment ids are the ones Langfuse derives (the mock's dataset-run-items)"
expect_eq "$(lfstate 'sorted({s["datasetRunId"] for s in d["scores"].values() if s.get("datasetRunId") and s.get("environment") == "ci"})')" \
    "$ids" "v4 with a dataset: run scores on those experiments"
expect_eq "$(lfstate 'sorted({(a["key"], a["value"]["stringValue"]) for s in d["spans"].values() for a in s["attributes"] if a["key"] in ("langfuse.experiment.dataset.id", "langfuse.environment")})')" \
    "[('langfuse.environment', 'ci'), ('langfuse.experiment.dataset.id', 'ds-1')]" "v4: dataset id and environment on the spans"
expect_eq "$(lfstate 'sorted({a["value"]["stringValue"] for s in d["spans"].values() for a in s["attributes"] if a["key"] == "langfuse.experiment.item.id" and any(b["key"] == "langfuse.experiment.dataset.id" for b in s["attributes"])})')" \
    "['px-capital', 'px-moon', 'px-refund', 'px-sum']" "v4: the spans name the prefixed dataset items"
run_pawl push results.json --dataset team/qa --id-prefix px- --langfuse-api v4 --environment ci
expect_status 0 "v4 push with a dataset again"
expect_contains "$out" ": 0 traces (12 already there), 0 observations, 36 scores" "v4 with a dataset again: no spans"
expect_eq "$(lfstate '[len(d["spans"]), d["span_duplicates"]]')" "[48, 0]" "v4 with a dataset again: no duplicate spans"
clean_log "$PAWL_TMP/lf4.log" "v4"

# ---- v3 (auto), with a dataset, defaults from the config ---------------------------------
stop_langfuse_mock
start_langfuse_mock --api v3 --log "$PAWL_TMP/lf3.log"
export LANGFUSE_BASE_URL=$LF_URL
make_dataset qa ""
sed 's/^report: .*/report: {json: results.json, langfuse: {dataset: qa, api: v3, environment: ci}}/' pawl.yaml >push.yaml
run_pawl push results.json -c push.yaml
expect_status 0 "v3 push"
expect_eq "$out" "pushed run $rid to $LF_URL (Langfuse v3) $names: 12 traces, 24 observations, 12 dataset run items, 36 scores and $runscores run scores (0 failed)" \
    "v3 push: the summary"
expect_eq "$(lfstate '[len(d["traces"]), len(d["observations"]), sorted(len(r["datasetRunItems"]) for r in d["runs"]["qa"].values()), d["score_creates"]]')" \
    "[12, 24, [4, 4, 4], $((36 + runscores))]" "v3: traces, observations, one run per trial"
expect_eq "$(lfstate 'sorted({o["type"] + ":" + o["level"] for o in d["observations"].values()})')" \
    "['GENERATION:DEFAULT', 'SPAN:DEFAULT']" "v3: a span and a generation per trace"
expect_eq "$(lfstate 'sorted({s.get("environment") for s in d["scores"].values()})')" "['ci']" \
    "the environment comes from report.langfuse"
expect_eq "$(lfstate 'all(s["datasetRunId"] in [r["id"] for r in d["runs"]["qa"].values()] for s in d["scores"].values() if s.get("datasetRunId"))')" \
    "True" "v3: run scores on the dataset runs"
run_pawl push results.json -c push.yaml
expect_status 0 "v3 push again"
expect_eq "$out" "pushed run $rid to $LF_URL (Langfuse v3) $names: 12 traces, 24 observations, 0 dataset run items (12 already there), 36 scores and $runscores run scores (0 failed)" \
    "v3 push again: no run item twice"
expect_eq "$(lfstate '[d["run_item_requests"], sorted(len(r["datasetRunItems"]) for r in d["runs"]["qa"].values()), len(d["traces"]), d["score_creates"], d["score_updates"]]')" \
    "[12, [4, 4, 4], 12, $((36 + runscores)), $((36 + runscores))]" "v3 push again: scores updated, nothing created"
clean_log "$PAWL_TMP/lf3.log" "v3"

again="; push again once fixed (the ids are stable, so nothing is duplicated)"

# ---- --score-batches: the scores as score-create events in ingestion batches ----------------
allscores=$((36 + runscores))
no_score_posts() { # no_score_posts LOG: not one POST /api/public/scores
    expect_eq "$(logq "$1" 'len([r for r in rs if r["path"] == "/api/public/scores"])')" 0 \
        "--score-batches: no POST /api/public/scores"
}
stop_langfuse_mock
start_langfuse_mock --log "$PAWL_TMP/lf4b.log"
export LANGFUSE_BASE_URL=$LF_URL
make_dataset qa ""
run_pawl push results.json --score-batches --dataset qa --environment ci
expect_status 0 "v4 --score-batches"
expect_eq "$out" "pushed run $rid to $LF_URL (Langfuse v4) $names: 12 traces, 24 observations, 36 scores and $runscores run scores (0 failed)" \
    "v4 --score-batches: the summary"
no_score_posts "$PAWL_TMP/lf4b.log"
expect_eq "$(logq "$PAWL_TMP/lf4b.log" '[(len(r["body"]["batch"]), sorted({e["type"] for e in r["body"]["batch"]})) for r in rs if r["path"] == "/api/public/ingestion"]')" \
    "[($allscores, ['score-create'])]" "v4 --score-batches: one ingestion batch of score-create events"
expect_eq "$(lfstate '[d["score_creates"], d["score_updates"], len([s for s in d["scores"].values() if s.get("traceId") and s["traceId"] + "/" + s["observationId"] in d["spans"]]), sorted({s["datasetRunId"] for s in d["scores"].values() if s.get("datasetRunId")}) == sorted({a["value"]["stringValue"] for s in d["spans"].values() for a in s["attributes"] if a["key"] == "langfuse.experiment.id"}), sorted({(s["dataType"], s["environment"]) for s in d["scores"].values()})]')" \
    "[$allscores, 0, 36, True, [('BOOLEAN', 'ci'), ('CATEGORICAL', 'ci'), ('NUMERIC', 'ci')]]" \
    "v4 --score-batches: every score stored, on its root span or its experiment"
firstids=$(lfstate 'sorted(d["scores"])')
eventids=$(logq "$PAWL_TMP/lf4b.log" '[e["id"] for r in rs if r["path"] == "/api/public/ingestion" for e in r["body"]["batch"]]')
run_pawl push results.json --score-batches --dataset qa --environment ci
expect_status 0 "v4 --score-batches again"
expect_eq "$(lfstate '[d["score_creates"], d["score_updates"], len(d["scores"])]')" \
    "[$allscores, $allscores, $allscores]" "v4 --score-batches again: every score updated, none created"
expect_eq "$(lfstate 'sorted(d["scores"])')" "$firstids" "v4 --score-batches again: the same score ids"
expect_eq "$(logq "$PAWL_TMP/lf4b.log" '[e["id"] for r in [r for r in rs if r["path"] == "/api/public/ingestion"][1:] for e in r["body"]["batch"]]')" \
    "$eventids" "v4 --score-batches again: the same event ids"
clean_log "$PAWL_TMP/lf4b.log" "v4 --score-batches"

# v3, from the config key report.langfuse.score_batches.
stop_langfuse_mock
start_langfuse_mock --api v3 --log "$PAWL_TMP/lf3b.log"
export LANGFUSE_BASE_URL=$LF_URL
make_dataset qa ""
sed 's/^report: .*/report: {json: results.json, langfuse: {dataset: qa, environment: ci, score_batches: true}}/' pawl.yaml >batches.yaml
run_pawl push results.json -c batches.yaml
expect_status 0 "v3 score_batches"
expect_eq "$out" "pushed run $rid to $LF_URL (Langfuse v3) $names: 12 traces, 24 observations, 12 dataset run items, 36 scores and $runscores run scores (0 failed)" \
    "v3 score_batches: the summary"
no_score_posts "$PAWL_TMP/lf3b.log"
expect_eq "$(logq "$PAWL_TMP/lf3b.log" '[r["path"] for r in rs if r["method"] == "POST"].count("/api/public/dataset-run-items")')" 12 \
    "v3 still creates its run items with dataset-run-items"
expect_eq "$(lfstate '[d["score_creates"], d["score_updates"], len([s for s in d["scores"].values() if s.get("traceId") in d["traces"] and s.get("observationId") in d["observations"]]), all(s["datasetRunId"] in [r["id"] for r in d["runs"]["qa"].values()] for s in d["scores"].values() if not s.get("traceId"))]')" \
    "[$allscores, 0, 36, True]" "v3 score_batches: every score stored, run scores on the dataset runs"
run_pawl push results.json -c batches.yaml
expect_status 0 "v3 score_batches again"
expect_eq "$(lfstate '[d["score_creates"], d["score_updates"], len(d["scores"])]')" \
    "[$allscores, $allscores, $allscores]" "v3 score_batches again: every score updated, none created"
clean_log "$PAWL_TMP/lf3b.log" "v3 score_batches"

# A 207 that refuses some score events: each quoted with its case, trial and score.
cat >"$PAWL_TMP/faults.json" <<'JSON'
[{"path": "/api/public/ingestion", "event_errors": {"every": 5, "status": 400, "message": "bad score"}}]
JSON
stop_langfuse_mock
start_langfuse_mock --faults "$PAWL_TMP/faults.json" --log "$PAWL_TMP/lf4e.log"
export LANGFUSE_BASE_URL=$LF_URL
run_pawl push results.json --score-batches
expect_status 3 "v4 --score-batches, events refused"
refused() { # refused K: the message for the K-th event (0-based) of the batch
    logq "$PAWL_TMP/lf4e.log" "(lambda e: 'event %s (score-create of score \\'%s\\' of case \\'%s\\' trial %d) refused in POST /api/public/ingestion: 400 bad score$again' % (e['id'], e['body']['name'], e['body']['metadata']['case_id'], e['body']['metadata']['trial']))([r for r in rs if r['path'] == '/api/public/ingestion'][0]['body']['batch'][$1])"
}
nref=$((allscores / 5))
expect_eq "$(printf '%s\n' "$err" | head -1)" "pawl: $(refused 4) (and $((nref - 1)) more)" \
    "v4 --score-batches, events refused: the first, with its case, trial and score"
expect_eq "$(printf '%s\n' "$err" | sed -n 2p)" "pawl: also: $(refused 9)" \
    "v4 --score-batches, events refused: the next"
expect_eq "$(lfstate 'd["score_creates"]')" "$((allscores - nref))" "v4 --score-batches, events refused: the rest stored"
expect_contains "$out" "partly pushed run $rid to $LF_URL (Langfuse v4) $names: 12 traces, 24 observations, " \
    "v4 --score-batches, events refused: the summary"
expect_contains "$out" "($nref failed)" "v4 --score-batches, events refused: the count"
clean_log "$PAWL_TMP/lf4e.log" "v4 --score-batches, events refused"

# v4 with a dataset, keys that see no project: nothing to derive the experiment id from.
make_dataset qa ""
curl -sf -X POST -d '[{"path": "/api/public/projects", "status": 200, "body": {"data": []}}]' \
    "$LF_URL/_mock/faults" >/dev/null
run_pawl push results.json --dataset qa
expect_status 3 "v4, no project id"
expect_eq "$err" "pawl: Langfuse gave no experiment id for '$base trial 1/3': GET /api/public/projects answered without the project id it derives from (use the API keys of a Langfuse project)" \
    "v4, no project id: the message names the request and what to do"

# ---- failures ------------------------------------------------------------------------
# 207 with per-event errors (v3): every third event of the batch is refused.
cat >"$PAWL_TMP/faults.json" <<'JSON'
[{"path": "/api/public/ingestion", "event_errors": {"every": 3, "status": 400, "message": "bad event"}}]
JSON
stop_langfuse_mock
start_langfuse_mock --api v3 --faults "$PAWL_TMP/faults.json" --log "$PAWL_TMP/lf207.log"
export LANGFUSE_BASE_URL=$LF_URL
run_pawl push results.json
expect_status 3 "207 with event errors"
expect_eq "$(logq "$PAWL_TMP/lf207.log" "rs[0][\"path\"]")" "/api/public/health" "auto asks a v3 server too"
ev=$(logq "$PAWL_TMP/lf207.log" '[r for r in rs if r["path"] == "/api/public/ingestion"][0]["body"]["batch"][2]["id"]')
expect_eq "$(printf '%s\n' "$err" | head -1)" \
    "pawl: event $ev (generation-create of case 'capital' trial 1) refused in POST /api/public/ingestion: 400 bad event$again (and 11 more)" \
    "207: the first refused event, quoted with its id, the request and what to do"
expect_eq "$(printf '%s\n' "$err" | sed -n '2p;6p')" \
    "pawl: also: event $(logq "$PAWL_TMP/lf207.log" '[r for r in rs if r["path"] == "/api/public/ingestion"][0]["body"]["batch"][5]["id"]') (generation-create of case 'capital' trial 2) refused in POST /api/public/ingestion: 400 bad event$again
pawl: and 7 more" "207: a few more reasons, then the count"
expect_eq "$out" "partly pushed run $rid to $LF_URL (Langfuse v3) $names (traces only: a v3 server keeps experiments for datasets): 12 traces, 12 observations, 36 scores and 0 run scores (12 failed)" \
    "207: the summary says what was taken"
clean_log "$PAWL_TMP/lf207.log" "207"

# v3, no run item accepted (items the dataset lacks): the run scores have no run to go to.
stop_langfuse_mock
start_langfuse_mock --api v3 --log "$PAWL_TMP/lf3n.log"
export LANGFUSE_BASE_URL=$LF_URL
make_dataset qa ""
run_pawl push results.json --dataset qa --id-prefix zz- --langfuse-api v3
expect_status 3 "v3, no run item accepted"
# (the first run item goes alone; the rest finish in any order)
expect_eq "$(printf '%s\n' "$err" | sed -n '1p;$p')" "pawl: dataset run item of case 'capital' trial 1 (dataset item 'zz-capital'): Langfuse answered 404 to POST /api/public/dataset-run-items: Dataset item not found (and 14 more)
pawl: and 10 more" "v3, no run item accepted: 12 run items and 3 experiments without an id"
expect_contains "$out" ": 12 traces, 24 observations, 0 dataset run items, 36 scores and 0 run scores (15 failed)" \
    "v3, no run item accepted: no run scores"

# Bad credentials, a missing dataset, missing keys, a bad flag.
stop_langfuse_mock
start_langfuse_mock --log "$PAWL_TMP/lferr.log"
export LANGFUSE_BASE_URL=$LF_URL
LANGFUSE_SECRET_KEY=sk-lf-wrong run_pawl push results.json --dataset qa
expect_status 3 "bad credentials"
expect_eq "$err" "pawl: Langfuse answered 401 to GET /api/public/v2/datasets/qa: Invalid credentials. Confirm that you've configured the correct host. (check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY)" \
    "bad credentials: the message"
expect_eq "$out" "" "bad credentials: no summary"
run_pawl push results.json --dataset qa
expect_status 2 "a dataset that does not exist"
expect_eq "$err" "pawl: Langfuse at $LF_URL has no dataset 'qa' (create it with 'pawl dataset push FILE --name qa')" \
    "a dataset that does not exist: the message"
LANGFUSE_PUBLIC_KEY= run_pawl push results.json
expect_status 2 "no public key"
expect_contains "$err" "LANGFUSE_PUBLIC_KEY is not set" "no public key: the client's message"
run_pawl push results.json --langfuse-api v5
expect_status 2 "a bad --langfuse-api"
expect_contains "$err" "pawl: invalid --langfuse-api 'v5' (use auto, v3 or v4)" "a bad --langfuse-api: the message"
run_pawl push results.json --environment Prod
expect_status 2 "a bad environment"
expect_eq "$err" "pawl: invalid Langfuse environment 'Prod': use 1 to 40 lower case letters, digits, '-' and '_', not starting with 'langfuse'" \
    "a bad environment: the message"

# A 503 that persists: retried, then the push stops with the reason.
curl -sf -X POST -d '[{"path": "/api/public/otel/v1/traces", "status": 503, "retry_after": "0"}]' \
    "$LF_URL/_mock/faults" >/dev/null
run_pawl push results.json --langfuse-api v4
expect_status 3 "a 503 that persists"
expect_eq "$err" "pawl: OTLP export of 12 traces: Langfuse answered 503 to POST /api/public/otel/v1/traces: mock fault: HTTP 503; the push stopped there" \
    "a 503 that persists: the message"
expect_eq "$(logq "$PAWL_TMP/lferr.log" 'len([r for r in rs if r["path"] == "/api/public/otel/v1/traces"])')" 5 \
    "a 503 that persists: retried 4 times"
expect_eq "$(lfstate '[len(d["spans"]), len(d["scores"])]')" "[0, 0]" "a 503 that persists: no scores after it"

# A transient 429 / 503 is retried and the push succeeds.
curl -sf -X POST -d '[{"path": "/api/public/otel/v1/traces", "status": 503, "retry_after": "0", "times": 1},
    {"method": "POST", "path": "/api/public/scores", "status": 429, "retry_after": "0", "times": 3}]' \
    "$LF_URL/_mock/faults" >/dev/null
run_pawl push results.json --langfuse-api v4
expect_status 0 "transient faults"
expect_contains "$out" ": 12 traces, 24 observations, 36 scores and $runscores run scores (0 failed)" \
    "transient faults: everything accepted"
clean_log "$PAWL_TMP/lferr.log" "failures"

# ---- a large run: bounded exports, a push interrupted part way, then pushed again --------
# 600 cases x 3 trials with 4 KB outputs (one scorer, to keep the score posts few): about
# 20 MB of OTLP, which must go as several exports of at most 3.5 MB each.
bigrun() { # bigrun SRC DST FIRST LAST: cases FIRST..LAST-1 of 600 generated from SRC's first
    /usr/bin/python3 - "$@" <<'PY'
import json, sys
src, dst, first, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
d = json.load(open(src))
proto = d["cases"][0]
d["scorers"] = ["correct"]
d["metrics"] = {"correct": d["metrics"]["correct"]}
cases = []
for i in range(first, last):
    c = json.loads(json.dumps(proto))
    c["id"], c["line"] = "case-%04d" % i, i + 1
    for k, t in enumerate(c["trials"]):
        t["output"] = ("answer %d/%d " % (i, k)).ljust(4096, "x")
        t["scores"] = {"correct": t["scores"]["correct"]}
    cases.append(c)
d["cases"] = cases
json.dump(d, open(dst, "w"))
PY
}
bigrun results.json big.json 0 600
bigrun results.json big-middle.json 250 350
bigscores=$(json_get big.json '3 * (1 + len(d["gate"]) + len(d["metrics"]))')
start_langfuse_mock
export LANGFUSE_BASE_URL=$LF_URL
# What a previous push left in the middle: the full push must skip it without miscounting.
run_pawl push big-middle.json --langfuse-api v4
expect_status 0 "large run: the middle hundred cases"
expect_contains "$out" ": 300 traces, 600 observations, 300 scores" "large run: the middle hundred cases sent"
# Langfuse fails after two exports (503 to every later one): the push stops there.
curl -sf -X POST -d '[{"path": "/api/public/otel/v1/traces", "after": 2, "status": 503, "retry_after": "0"}]' \
    "$LF_URL/_mock/faults" >/dev/null
run_pawl push big.json --langfuse-api v4
expect_status 3 "large run: interrupted"
expect_contains "$err" "Langfuse answered 503 to POST /api/public/otel/v1/traces: mock fault: HTTP 503" \
    "large run: interrupted, the reason"
expect_contains "$err" "; the push stopped there" "large run: interrupted, stopped"
there=$(lfstate 'len(d["spans"]) // 2')
test "$there" -gt 300 || fail "large run: interrupted after some exports were taken (got $there traces)"
test "$there" -lt 1800 || fail "large run: interrupted before the end (got $there traces)"
curl -sf -X POST -d '[]' "$LF_URL/_mock/faults" >/dev/null
run_pawl push big.json --langfuse-api v4
expect_status 0 "large run: pushed again"
expect_contains "$out" ": $((1800 - there)) traces ($there already there), $((2 * (1800 - there))) observations, 1800 scores and $bigscores run scores (0 failed)" \
    "large run: pushed again, only what was missing"
expect_eq "$(lfstate '[len(d["spans"]), d["span_duplicates"], len([s for s in d["scores"].values() if s.get("traceId")])]')" \
    "[3600, 0, 1800]" "large run: exactly every span and score, none twice"
expect_eq "$(lfstate 'd["otel_requests"] >= 1 + 2 + 5')" "True" "large run: several exports"
expect_eq "$(curl -s "$LF_URL/_mock/max_body" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["/api/public/otel/v1/traces"] <= 3500000)')" \
    "True" "large run: no export over 3.5 MB"

# ---- pawl run with report.langfuse ---------------------------------------------------
start_langfuse_mock --log "$PAWL_TMP/lfrun.log"
export LANGFUSE_BASE_URL=$LF_URL
sed 's/^report: {json: results.json}$/report: {json: run-results.json, langfuse: {environment: ci}}/' \
    pawl.yaml >pushed.yaml
run_pawl run -c pushed.yaml
expect_status 0 "run with report.langfuse"
expect_contains "$out" "to $LF_URL (Langfuse v4) as 3 experiments" "run with report.langfuse: the push summary"
expect_eq "$(lfstate '[len(d["spans"]), len(d["scores"]) > 0, sorted({s["environment"] for s in d["scores"].values()})]')" \
    "[24, True, ['ci']]" "run with report.langfuse: every trace and score sent, in the environment"
clean_log "$PAWL_TMP/lfrun.log" "run with report.langfuse"

# A server that is down: connection refused, one attempt (no "after N attempts").
stop_langfuse_mock
run_pawl push results.json --dataset qa
expect_status 3 "server down"
expect_eq "$err" "pawl: Langfuse request GET /api/public/v2/datasets/qa failed: cannot connect to $LF_URL: Connection refused" \
    "server down: the message"
# In `pawl run`, a failed push warns and the gate's verdict stands, unless it is required.
run_pawl run -c pushed.yaml
expect_status 0 "run, Langfuse down: the verdict stands"
# (auto asks the health endpoint first; when it fails the push takes v4, see lfpush-docs)
expect_contains "$err" "pawl: warning: Langfuse request GET /api/public/experiment-items?" \
    "run, Langfuse down: the warning names the request"
expect_contains "$err" "failed: cannot connect to $LF_URL: Connection refused
pawl: the gate's verdict stands (set report.langfuse.required or --push-required to fail the run instead)" \
    "run, Langfuse down: the warning says why and that the verdict stands"
test -s run-results.json || fail "run, Langfuse down: the results file is written"
run_pawl run -c pushed.yaml --push-required
expect_status 3 "run --push-required, Langfuse down"
expect_contains "$err" "pawl: error: Langfuse request GET /api/public/experiment-items?" \
    "run --push-required, Langfuse down: the error"

finish
