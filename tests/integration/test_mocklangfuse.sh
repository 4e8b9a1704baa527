# shellcheck shell=bash
# The mock Langfuse server's own test: pawl's Langfuse tests trust what it says, so every
# route, both API modes, paging, version pinning, auth, each fault kind, the schema checks,
# the log and the state document are checked here, and every reply against the schemas.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAWL_TMP"
PY=/usr/bin/python3 # Debian's, with python3-jsonschema
MOCK="$PAWL_SRC/tests/support/mocklangfuse.py"
SCHEMAS="$PAWL_SRC/tests/data/conformance/langfuse"
KEY=pk-lf-test:sk-lf-test
auth=(-u "$KEY")
: >validate.list
n=0

# lf METHOD PATH [CURL-ARGS...]: one request (with ${auth[@]}); leaves the status in $code
# (000 when no reply came), the body in $body and r$n.body, the headers in r$n.hdr and
# curl's exit status in $rc.
lf() {
    local method=$1 path=$2
    shift 2
    n=$((n + 1))
    rc=0
    code=$(curl -sS -o "r$n.body" -D "r$n.hdr" -w '%{http_code}' -X "$method" "${auth[@]}" \
        "$@" "$LF_URL$path" 2>"r$n.err") || rc=$?
    body=$(cat "r$n.body" 2>/dev/null || true)
}
post() { # post PATH JSON [CURL-ARGS...]
    local path=$1 data=$2
    shift 2
    lf POST "$path" -H 'Content-Type: application/json' --data-binary "$data" "$@"
}
post_file() { lf POST "$1" -H 'Content-Type: application/json' --data-binary "@$2" "${@:3}"; }
noauth() { local auth=(); lf "$@"; }
withauth() { local auth=("$1" "$2"); shift 2; lf "$@"; } # withauth CURL-OPT VALUE METHOD PATH ...
header() { sed -n "s/^$1: *//Ip" "r$n.hdr" | tr -d '\r' | head -n 1; }
jb() { json_get "r$n.body" "($1)"; }                # jb EXPR: over the last reply, `d`
valid() { echo "$1 $PAWL_TMP/r$n.body" >>validate.list; } # valid SCHEMA: checked at the end
expect_reply() { # expect_reply CODE BODY what: the status and the exact body
    expect_eq "$code" "$1" "$3: status"
    expect_eq "$body" "$2" "$3: body"
}
state() { # state EXPR: evaluates EXPR over the /_mock/state document `d`
    curl -sS -o state.json "$LF_URL/_mock/state"
    json_get state.json "($1)"
}
logq() { # logq LOG EXPR: evaluates EXPR over the log's lines, the list `L`
    $PY -c 'import json,sys; L=[json.loads(x) for x in open(sys.argv[1])]; print(('"$2"'))' "$1"
}
not_found='{"message":"not found"}'
unauthorized='{"error":"UnauthorizedError","message":"Invalid credentials. Confirm that you'"'"'ve configured the correct host."}'

# ---- the command line ----
mkdir -p cli
capture cli "$PY" "$MOCK" --api v5
expect_status 2 "--api v5"
expect_contains "$err" "invalid choice: 'v5'" "--api v5: message"
expect_eq "$out" "" "--api v5: no port"
echo '[{"path":"/api/public/scores","stauts":503}]' >bad-faults.json
capture cli "$PY" "$MOCK" --faults bad-faults.json
expect_status 2 "unknown fault key"
expect_eq "$err" "mocklangfuse.py: faults file 'bad-faults.json': rule 1: unknown key 'stauts'" \
    "unknown fault key: message"
echo '[{"path":"/x","status":503,"close":true}]' >bad-faults.json
capture cli "$PY" "$MOCK" --faults bad-faults.json
expect_eq "$err" "mocklangfuse.py: faults file 'bad-faults.json': rule 1: needs exactly one of 'status', 'close', 'event_errors'" \
    "two fault kinds: message"
echo '[{"path":"/x","status":503,"times":-1}]' >bad-faults.json
capture cli "$PY" "$MOCK" --faults bad-faults.json
expect_eq "$err" "mocklangfuse.py: faults file 'bad-faults.json': rule 1: 'times' must be a non-negative integer" \
    "negative times: message"
echo '[' >bad-faults.json
capture cli "$PY" "$MOCK" --faults bad-faults.json
expect_status 2 "faults not JSON"
expect_contains "$err" "mocklangfuse.py: invalid JSON in faults file 'bad-faults.json'" "faults not JSON: message"
capture cli "$PY" "$MOCK" --log no/such/dir/log
expect_status 2 "unwritable log"
expect_eq "$err" "mocklangfuse.py: cannot open 'no/such/dir/log': No such file or directory" \
    "unwritable log: message"

# ---- v4 (the default): health, auth, projects ----
start_langfuse_mock --log "$PAWL_TMP/v4.log"
noauth GET /api/public/health
expect_reply 200 '{"status":"OK","version":"4.16.0"}' "health without a key"
expect_eq "$(header Content-Type)" "application/json" "health: content type"
expect_eq "$(header Content-Length)" "${#body}" "health: content length"
noauth GET /api/public/projects
expect_reply 401 "$unauthorized" "projects without a key"
withauth -u pk-lf-test:sk-lf-wrong GET /api/public/projects
expect_reply 401 "$unauthorized" "wrong secret key"
withauth -H 'Authorization: Basic !!!' GET /api/public/projects
expect_reply 401 "$unauthorized" "authorization that is not base64"
withauth -H 'Authorization: Bearer sk-lf-test' GET /api/public/projects
expect_reply 401 "$unauthorized" "bearer instead of basic"
lf GET /api/public/projects
expect_reply 200 '{"data":[{"id":"proj-mock","name":"mock","metadata":{}}]}' "projects"
noauth POST /api/public/scores -H 'Content-Type: application/json' --data-binary '{}'
expect_reply 401 "$unauthorized" "auth is checked before the body"
lf GET /api/public/nothing-here
expect_reply 404 "$not_found" "unknown route"
lf DELETE /api/public/v2/datasets
expect_reply 405 '{"message":"Method not allowed"}' "known route, wrong method"

# ---- datasets ----
post /api/public/v2/datasets '{"name":"team/qa","description":"first","metadata":{"k":1}}'
expect_eq "$code" 200 "create dataset: status"
valid dataset
expect_eq "$(jb 'd["id"], d["name"], d["description"], d["metadata"], d["projectId"]')" \
    "('ds-1', 'team/qa', 'first', {'k': 1}, 'proj-mock')" "create dataset: fields"
created=$(jb 'd["createdAt"]')
expect_eq "$(jb 'd["createdAt"] == d["updatedAt"]')" True "create dataset: createdAt = updatedAt"
case $created in
20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9]Z) ;;
*) fail "createdAt '$created' is not RFC 3339 with milliseconds in UTC" ;;
esac
lf GET /api/public/v2/datasets/team%2Fqa
expect_eq "$code" 200 "get dataset with an encoded /: status"
valid dataset
expect_eq "$(jb 'd["id"], d["name"]')" "('ds-1', 'team/qa')" "get dataset with an encoded /"
lf GET /api/public/v2/datasets/team/qa
expect_reply 404 "$not_found" "a / left unencoded is another path"
lf GET /api/public/v2/datasets/nope
expect_reply 404 '{"message":"Dataset not found"}' "unknown dataset"
post /api/public/v2/datasets '{"name":"team/qa","description":"second"}'
expect_eq "$(jb 'd["id"], d["description"], d["metadata"], d["createdAt"] == "'"$created"'"')" \
    "('ds-1', 'second', {'k': 1}, True)" "create again: the same dataset, description upserted"
post /api/public/v2/datasets '{"name":"big"}'
post /api/public/v2/datasets '{"name":"pin"}'
lf GET '/api/public/v2/datasets?page=1&limit=2'
valid paginated-datasets
expect_eq "$(jb '[x["name"] for x in d["data"]], d["meta"]')" \
    "(['pin', 'big'], {'page': 1, 'limit': 2, 'totalItems': 3, 'totalPages': 2})" \
    "list datasets: newest first, paged"
lf GET '/api/public/v2/datasets?page=2&limit=2'
expect_eq "$(jb '[x["name"] for x in d["data"]]')" "['team/qa']" "list datasets: page 2"
post /api/public/v2/datasets '{"name":"/lead"}'
expect_reply 400 "{\"message\":\"Invalid request data\",\"error\":[\"\$.name: '/lead' does not match '^(?!/)(?!.*//)(?!.*/\$)'\"]}" \
    "dataset name with a leading /"

# ---- dataset items: 250 of them, over one keep-alive connection ----
cat >post_items.py <<'PY'
import base64, http.client, json, sys
port, dataset, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port)
auth = "Basic " + base64.b64encode(b"pk-lf-test:sk-lf-test").decode()
sock = None
for i in range(count):
    body = json.dumps({"datasetName": dataset, "id": "i%03d" % i, "input": {"n": i},
                       "expectedOutput": "out %d" % i, "metadata": {"case": i}})
    conn.request("POST", "/api/public/dataset-items", body,
                 {"Authorization": auth, "Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    assert r.status == 200, (r.status, data)
    assert r.getheader("Content-Length") == str(len(data)), "no or a wrong Content-Length"
    assert sock is None or conn.sock is sock, "the server closed a keep-alive connection"
    sock = conn.sock
print("ok")
PY
expect_eq "$($PY post_items.py "$LF_PORT" big 250)" ok "250 items over one connection"
ids_seen=""
for page in 1 2 3; do
    lf GET "/api/public/dataset-items?datasetName=big&page=$page&limit=100"
    valid paginated-dataset-items
    expect_eq "$(jb 'len(d["data"]), d["meta"]')" \
        "($((page < 3 ? 100 : 50)), {'page': $page, 'limit': 100, 'totalItems': 250, 'totalPages': 3})" \
        "page $page of 250 items"
    ids_seen="$ids_seen$(jb '" ".join(x["id"] for x in d["data"])') "
done
expect_eq "$ids_seen" "$($PY -c 'print(" ".join("i%03d" % i for i in range(250)) + " ")')" \
    "the three pages hold every item once, in creation order"
lf GET "/api/public/dataset-items?datasetName=big&page=4&limit=100"
expect_eq "$(jb 'd')" "{'data': [], 'meta': {'page': 4, 'limit': 100, 'totalItems': 250, 'totalPages': 3}}" \
    "a page past the end is empty"
lf GET "/api/public/dataset-items?datasetName=big"
expect_eq "$(jb 'len(d["data"]), d["meta"]["limit"], d["meta"]["totalPages"]')" "(50, 50, 5)" "default limit 50"
expect_eq "$(jb 'd["data"][7]')" \
    "{'id': 'i007', 'status': 'ACTIVE', 'input': {'n': 7}, 'expectedOutput': 'out 7', 'metadata': {'case': 7}, 'sourceTraceId': None, 'sourceObservationId': None, 'datasetId': 'ds-2', 'datasetName': 'big', 'createdAt': $(jb 'repr(d["data"][7]["createdAt"])'), 'updatedAt': $(jb 'repr(d["data"][7]["createdAt"])'), 'mediaReferences': []}" \
    "a DatasetItem's fields"
for bad in 'limit=0' 'limit=101' 'limit=ten' 'page=0'; do
    lf GET "/api/public/dataset-items?datasetName=big&$bad"
    key=${bad%%=*} val=${bad#*=}
    if [ "$key" = limit ]; then want="limit: must be an integer from 1 to 100, got '$val'"; else want="page: must be an integer >= 1, got '$val'"; fi
    expect_reply 400 "{\"message\":\"Invalid request data\",\"error\":[\"$want\"]}" "paging '$bad'"
done
lf GET "/api/public/dataset-items?datasetName=nope"
expect_reply 404 '{"message":"Dataset not found"}' "items of an unknown dataset"

# archived items, upserts, get, delete
post /api/public/dataset-items '{"datasetName":"big","id":"i010","status":"ARCHIVED"}'
expect_eq "$(jb 'd["status"], d["input"], d["expectedOutput"]')" "('ARCHIVED', {'n': 10}, 'out 10')" \
    "archive: the other fields kept"
post /api/public/dataset-items '{"datasetName":"big","id":"i011","status":"ARCHIVED","input":null}'
lf GET "/api/public/dataset-items?datasetName=big&limit=100&page=1"
expect_eq "$(jb 'd["meta"]["totalItems"], [x["id"] for x in d["data"]][9:11]')" "(248, ['i009', 'i012'])" \
    "archived items are not listed"
lf GET /api/public/dataset-items/i011
valid dataset-item
expect_eq "$(jb 'd["status"], d["input"]')" "('ARCHIVED', {'n': 11})" "an archived item is still readable"
post /api/public/dataset-items '{"datasetName":"big","id":"i012","input":{"n":"twelve"}}'
post /api/public/dataset-items '{"datasetName":"big","id":"i012","metadata":{"v":2}}'
valid dataset-item
expect_eq "$(jb 'd["input"], d["expectedOutput"], d["metadata"], d["status"]')" \
    "({'n': 'twelve'}, 'out 12', {'v': 2}, 'ACTIVE')" "upsert: absent fields keep their value"
expect_eq "$(state 'len(d["datasets"]["big"]["items"]), len(d["datasets"]["big"]["history"]["i012"])')" \
    "(250, 3)" "upsert keeps one item and every version"
post /api/public/dataset-items '{"datasetName":"big","id":"i010"}'
expect_eq "$(jb 'd["status"]')" ARCHIVED "an upsert without status keeps the item archived"
post /api/public/dataset-items '{"datasetName":"team/qa","id":"i000"}'
expect_reply 400 '{"message":"The dataset item with id i000 already exists in a dataset other than team/qa (ids are project-wide)"}' \
    "an id of another dataset"
post /api/public/dataset-items '{"datasetName":"nope","id":"x"}'
expect_reply 404 '{"message":"Dataset not found"}' "item for an unknown dataset"
post /api/public/dataset-items '{"datasetName":"team/qa","input":"no id"}'
expect_eq "$(jb 'len(d["id"]) == 36 and d["id"].count("-") == 4')" True "an item without id gets a uuid"
lf DELETE /api/public/dataset-items/i249
expect_reply 200 '{"message":"Dataset item successfully deleted"}' "delete item"
lf GET /api/public/dataset-items/i249
expect_reply 404 '{"message":"Dataset item not found"}' "a deleted item is gone"
lf DELETE /api/public/dataset-items/i249
expect_reply 404 '{"message":"Dataset item not found"}' "delete twice"

# version pinning
post /api/public/dataset-items '{"datasetName":"pin","id":"p1","input":"one","expectedOutput":"old"}'
post /api/public/dataset-items '{"datasetName":"pin","id":"p2","input":"two"}'
post /api/public/dataset-items '{"datasetName":"pin","id":"p3","input":"three"}'
pinned=$(jb 'd["updatedAt"]')
post /api/public/dataset-items '{"datasetName":"pin","id":"p1","expectedOutput":"new"}'
post /api/public/dataset-items '{"datasetName":"pin","id":"p2","status":"ARCHIVED"}'
post /api/public/dataset-items '{"datasetName":"pin","id":"p4","input":"four"}'
lf DELETE /api/public/dataset-items/p3
lf GET "/api/public/dataset-items?datasetName=pin&version=$pinned"
valid paginated-dataset-items
expect_eq "$(jb '[(x["id"], x["expectedOutput"]) for x in d["data"]], d["meta"]["totalItems"]')" \
    "([('p1', 'old'), ('p2', None), ('p3', None)], 3)" "version: the items as they were"
lf GET "/api/public/dataset-items?datasetName=pin"
expect_eq "$(jb '[(x["id"], x["expectedOutput"]) for x in d["data"]]')" "[('p1', 'new'), ('p4', None)]" \
    "no version: the items now"
lf GET "/api/public/dataset-items?datasetName=pin&version=2001-01-01T00:00:00%2B01:00"
expect_eq "$(jb 'd["meta"]["totalItems"]')" 0 "version before the first write"
lf GET "/api/public/dataset-items?version=$pinned"
expect_reply 400 '{"message":"Invalid request data","error":["version: requires datasetName"]}' \
    "version without datasetName"
lf GET "/api/public/dataset-items?datasetName=pin&version=yesterday"
expect_reply 400 "{\"message\":\"Invalid request data\",\"error\":[\"version: must be an RFC 3339 date-time, got 'yesterday'\"]}" \
    "version that is no date-time"

# ---- schema checks: violations answer 400, unknown fields are warnings ----
post /api/public/dataset-items '{"datasetName":5,"status":"GONE"}'
expect_reply 400 "{\"message\":\"Invalid request data\",\"error\":[\"\$.datasetName: 5 is not of type 'string'\",\"\$.status: 'GONE' is not valid under any of the given schemas ('GONE' is not of type 'null'; 'GONE' is not one of ['ACTIVE', 'ARCHIVED'])\"]}" \
    "violations: one string per violation"
post /api/public/dataset-items '{"input":1}'
expect_reply 400 "{\"message\":\"Invalid request data\",\"error\":[\"\$: 'datasetName' is a required property\"]}" \
    "a missing required field"
post /api/public/dataset-items '{"datasetName":'
expect_eq "$code" 400 "a body that is not JSON: status"
expect_contains "$body" '"error":["$: request body is not valid JSON: ' "a body that is not JSON"
post /api/public/dataset-items '{"datasetName":"pin","id":"p5","expected_output":"x"}'
expect_eq "$code" 200 "an unknown field is only a warning"

# ---- dataset run items (v4: the stable experiment id, nothing stored) ----
post /api/public/dataset-run-items '{"runName":"pr-1@abc 2026","datasetItemId":"p1","traceId":"4bf92f3577b34da6a3ce929d0e0e4736","observationId":"00f067aa0ba902b7"}'
expect_eq "$code" 200 "v4 run item: status"
valid dataset-run-item
# The ids below come from node: JSON.stringify(["langfuse-experiment-v1","proj-mock","ds-3",name]).
expect_eq "$(jb 'd["datasetRunId"], d["datasetRunName"], d["datasetItemId"], d["traceId"], d["observationId"]')" \
    "('0c0b53748209d73a', 'pr-1@abc 2026', 'p1', '4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7')" \
    "v4 run item: the stable experiment id"
post /api/public/dataset-run-items '{"runName":"ünï/\"q\"","datasetItemId":"p4","traceId":"4bf92f3577b34da6a3ce929d0e0e4736"}'
expect_eq "$(jb 'd["datasetRunId"]')" 798b843f16983d80 "v4 run item: non-ASCII run name hashed as UTF-8"
expect_eq "$(state 'd["runs"], d["run_item_requests"], [r["datasetRunId"] for r in d["run_item_log"]], d["run_item_log"][1]["body"]["runName"]')" \
    "({}, 2, ['0c0b53748209d73a', '798b843f16983d80'], 'ünï/\"q\"')" "v4 run items: recorded, not stored"
post /api/public/dataset-run-items '{"runName":"r","datasetItemId":"nope","traceId":"t"}'
expect_reply 404 '{"message":"Dataset item not found"}' "run item for an unknown item"
post /api/public/dataset-run-items '{"runName":"r","datasetItemId":"p1","traceId":"t","extra":1}'
expect_reply 400 "{\"message\":\"Invalid request data\",\"error\":[\"\$: Additional properties are not allowed ('extra' was unexpected)\"]}" \
    "run item: unknown keys are an error"
post /api/public/dataset-run-items '{"runName":"r","datasetItemId":"p1"}'
expect_eq "$code" 400 "run item without traceId or observationId"
lf GET /api/public/datasets/pin/runs/pr-1%40abc%202026
expect_reply 404 '{"message":"Dataset run not found"}' "v4: no run is stored"

# ---- ingestion (v4 takes scores and logs only) ----
post /api/public/ingestion '{"batch":[
 {"id":"e1","timestamp":"2026-08-22T10:00:00.000Z","type":"trace-create","body":{"id":"t1","name":"x"}},
 {"id":"e2","timestamp":"2026-08-22T10:00:00.000Z","type":"score-create","body":{"id":"sc1","traceId":"t1","name":"ok","value":1,"dataType":"BOOLEAN"}},
 {"id":"e3","timestamp":"2026-08-22T10:00:00Z","type":"sdk-log","body":{"log":"hi"}},
 {"id":"e4","timestamp":"2026-08-22T10:00:00+02:00","type":"generation-create","body":{"id":"g1","traceId":"t1"}}]}'
expect_reply 207 '{"successes":[{"id":"e2","status":201},{"id":"e3","status":201}],"errors":[{"id":"e1","status":400,"message":"This endpoint only accepts score and log events"},{"id":"e4","status":400,"message":"This endpoint only accepts score and log events"}]}' \
    "v4 ingestion: trace and generation refused per event"
valid ingestion-response
expect_eq "$(state 'd["traces"], d["observations"], d["scores"]["sc1"]["value"], d["ingestion_events"], d["ingestion_errors"]')" \
    "({}, {}, 1, 4, 2)" "v4 ingestion: only the score stored"
post /api/public/ingestion '{"batch":[{"id":"e1","timestamp":"10:00","type":"score-create","body":{"traceId":"t","name":"x","value":1}}]}'
expect_reply 400 "{\"message\":\"Invalid request data\",\"error\":[\"\$.batch[0].timestamp: '10:00' is not a 'date-time'\"]}" \
    "ingestion: timestamps are checked as date-time"
$PY -c 'import json; print(json.dumps({"batch":[{"id":"e","timestamp":"2026-08-22T10:00:00Z","type":"sdk-log","body":{"log":"x"*3500000}}]}))' >huge.json
post_file /api/public/ingestion huge.json
expect_eq "$code" 413 "ingestion over 3.5 MB"
expect_contains "$body" "exceeds 3500000 bytes" "ingestion over 3.5 MB: message"

# ---- scores ----
post /api/public/scores '{"id":"s1","traceId":"t1","name":"correct","value":1,"dataType":"BOOLEAN"}'
expect_reply 200 '{"id":"s1"}' "score with an id"
valid create-score-response
post /api/public/scores '{"id":"s1","traceId":"t1","name":"correct","value":0,"dataType":"BOOLEAN","comment":"again"}'
expect_reply 200 '{"id":"s1"}' "score posted again"
post /api/public/scores '{"datasetRunId":"0c0b53748209d73a","name":"mean","value":0.5}'
expect_eq "$(jb 'len(d["id"])')" 36 "score without an id gets a uuid"
expect_eq "$(state 'd["scores"]["s1"]["value"], d["scores"]["s1"]["comment"], d["score_creates"], d["score_updates"], len(d["scores"])')" \
    "(0, 'again', 3, 1, 3)" "scores: upsert on id, creates and updates counted"
post /api/public/scores '{"traceId":"t1","name":"correct","value":2,"dataType":"BOOLEAN"}'
expect_reply 400 "{\"message\":\"Invalid request data\",\"error\":[\"\$.value: 2 is not one of [0, 1]\"]}" \
    "a BOOLEAN score of 2"
post /api/public/scores '{"traceId":"t1","sessionId":"s","name":"x","value":1}'
expect_eq "$code" 400 "a score with two subjects"

# ---- OTLP traces ----
cat >spans.py <<'PY'
import json, sys
def attr(k, v):
    return {"key": k, "value": {"stringValue": v}}
def root(trace, span, exp, item, start, full=True):
    a = [attr("langfuse.experiment.id", exp), attr("langfuse.experiment.item.id", item),
         attr("langfuse.experiment.item.root_observation_id", span),
         attr("langfuse.observation.input", "{}"), attr("langfuse.observation.output", "\"ok\"")]
    return {"traceId": trace, "spanId": span, "name": "item", "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(start + 1000000), "attributes": a if full else a[:1]}
t0 = 1787392800000000000
spans = [root("%032x" % (i + 1), "%016x" % (i + 1), "exp1", "item-%d" % i, t0 + i * 10**9)
         for i in range(3)]
spans.append({"traceId": "%032x" % 1, "spanId": "%016x" % 99, "parentSpanId": "%016x" % 1,
              "name": "llm", "startTimeUnixNano": str(t0), "endTimeUnixNano": str(t0 + 5)})
spans.append(root("%032x" % 7, "%016x" % 7, "exp2", "x", t0 + 10**12))
bad = [dict(root("%032x" % 8, "%016X" % 8, "exp2", "y", t0, full=False))]
out = {"full": spans, "bare": bad}[sys.argv[1]]
print(json.dumps({"resourceSpans": [{"resource": {"attributes": [attr("service.name", "pawl")]},
                                     "scopeSpans": [{"scope": {"name": "pawl"}, "spans": out}]}]}))
PY
$PY spans.py full >spans-full.json
$PY spans.py bare >spans-bare.json
post_file /api/public/otel/v1/traces spans-full.json -H 'x-langfuse-ingestion-version: 4'
expect_reply 200 '{}' "OTLP export"
expect_eq "$(state 'len(d["spans"]), d["span_duplicates"], sorted(d["spans"])[0]')" \
    "(5, 0, '00000000000000000000000000000001/0000000000000001')" "OTLP: spans stored by trace/span id"
post_file /api/public/otel/v1/traces spans-full.json -H 'x-langfuse-ingestion-version: 4'
expect_eq "$(state 'len(d["spans"]), d["span_duplicates"]')" "(5, 5)" "OTLP: a span sent twice is a duplicate"
post_file /api/public/otel/v1/traces spans-bare.json
expect_reply 200 '{}' "OTLP export with warnings"
lf POST /api/public/otel/v1/traces -H 'Content-Type: application/x-protobuf' --data-binary 'xx'
expect_reply 415 "{\"message\":\"unsupported content type 'application/x-protobuf': the mock takes OTLP/JSON (application/json) only\"}" \
    "OTLP protobuf"
post /api/public/otel/v1/traces '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"00","spanId":"0000000000000001","name":"x","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}' \
    -H 'x-langfuse-ingestion-version: 4'
expect_eq "$code" 400 "OTLP: a trace id of the wrong length"
expect_contains "$body" '"$.resourceSpans[0].scopeSpans[0].spans[0].traceId: ' "OTLP violation: its path"

# ---- experiment items ----
lf GET "/api/public/experiment-items?experimentId=exp1&fromStartTime=2026-01-01T00:00:00Z&limit=2"
expect_eq "$code" 200 "experiment items: status"
expect_eq "$(jb 'd')" \
    "{'data': [{'id': '0000000000000001', 'traceId': '00000000000000000000000000000001', 'experimentId': 'exp1', 'experimentItemId': 'item-0', 'startTime': '2026-08-22T10:00:00.000Z'}, {'id': '0000000000000002', 'traceId': '00000000000000000000000000000002', 'experimentId': 'exp1', 'experimentItemId': 'item-1', 'startTime': '2026-08-22T10:00:01.000Z'}], 'meta': {'cursor': $(jb 'repr(d["meta"]["cursor"])')}}" \
    "experiment items: root spans of the experiment, oldest first"
cursor=$(jb 'd["meta"]["cursor"]')
lf GET "/api/public/experiment-items?experimentId=exp1&fromStartTime=2026-01-01T00:00:00Z&limit=2&cursor=$cursor"
expect_eq "$(jb '[x["experimentItemId"] for x in d["data"]], d["meta"]["cursor"]')" "(['item-2'], None)" \
    "experiment items: the next page, then no cursor"
lf GET "/api/public/experiment-items?experimentId=exp1&fromStartTime=2026-08-22T10:00:01Z"
expect_eq "$(jb '[x["id"] for x in d["data"]]')" "['0000000000000002', '0000000000000003']" \
    "experiment items: fromStartTime filters"
lf GET "/api/public/experiment-items?experimentId=exp1"
expect_reply 400 '{"message":"Invalid request data","error":["fromStartTime: required, an RFC 3339 date-time"]}' \
    "experiment items without fromStartTime"

# ---- the log and the state ----
log=v4.log
expect_eq "$(logq $log 'sorted(L[0])')" \
    "['auth', 'body', 'fault', 'headers', 'method', 'path', 'query', 'status', 'violations', 'warnings']" \
    "log: the keys of a line"
expect_eq "$(logq $log 'L[0]["method"], L[0]["path"], L[0]["status"], L[0]["auth"], L[1]["status"], L[1]["auth"]')" \
    "('GET', '/api/public/health', 200, False, 401, False)" "log: health, then the 401"
expect_eq "$(logq $log '[(x["path"], x["query"]) for x in L if x["path"].endswith("/dataset-items") and x["method"] == "GET"][0]')" \
    "('/api/public/dataset-items', {'datasetName': 'big', 'page': '1', 'limit': '100'})" "log: the query"
expect_eq "$(logq $log '[x["path"] for x in L if x["status"] == 200 and x["method"] == "GET" and "/v2/datasets/" in x["path"]]')" \
    "['/api/public/v2/datasets/team%2Fqa']" "log: the path as sent"
expect_eq "$(logq $log 'any("authorization" in x["headers"] for x in L)')" False "log: no authorization header"
if grep -q -e sk-lf-test -e "$(printf %s "$KEY" | base64)" $log; then fail "the log holds the key"; fi
expect_eq "$(logq $log '[x["warnings"] for x in L if (x["body"] or {}).get("id") == "p5"]')" \
    "[[\"\$: unknown field 'expected_output'\"]]" "log: an unknown field is a warning"
expect_eq "$(logq $log '[x["violations"] for x in L if x["status"] == 400][0]')" \
    "[\"\$.name: '/lead' does not match '^(?!/)(?!.*//)(?!.*/\$)'\"]" "log: the violations"
expect_eq "$(logq $log '[x["warnings"] for x in L if x["path"].endswith("/traces")]')" \
    "[[], [], [\"missing header 'x-langfuse-ingestion-version: 4'\", \"\$.resourceSpans[0].scopeSpans[0].spans[0]: root span lacks attribute 'langfuse.observation.input'\", \"\$.resourceSpans[0].scopeSpans[0].spans[0]: root span lacks attribute 'langfuse.observation.output'\", \"\$.resourceSpans[0].scopeSpans[0].spans[0]: root span's 'langfuse.experiment.item.root_observation_id' is null, not its spanId '0000000000000008'\"], [], []]" \
    "log: OTLP convention warnings"
expect_eq "$(logq $log '[(x["headers"].get("content-type"), x["headers"].get("x-langfuse-ingestion-version")) for x in L if x["path"].endswith("/traces")][:3]')" \
    "[('application/json', '4'), ('application/json', '4'), ('application/json', None)]" "log: the headers"
expect_eq "$(logq $log 'L[-1]["path"], L[-1]["status"], L[-1]["body"]')" \
    "('/api/public/experiment-items', 400, None)" "log: the last request"
expect_eq "$(state 'd["requests"], d["otel_requests"], d["warnings"], d["api"]')" \
    "($(logq $log 'len(L)'), 3, $(logq $log 'sum(len(x["warnings"]) for x in L)'), 'v4')" \
    "state: one request per log line, the warnings counted"
expect_eq "$(state 'd["violations"]')" "$(logq $log 'sum(1 for x in L if x["violations"])')" \
    "state: requests with violations"
expect_eq "$(state 'sorted(d)')" \
    "['api', 'datasets', 'faults', 'ingestion_errors', 'ingestion_events', 'observations', 'otel_requests', 'requests', 'run_item_log', 'run_item_requests', 'runs', 'score_creates', 'score_updates', 'scores', 'span_duplicates', 'spans', 'traces', 'violations', 'warnings']" \
    "state: its keys"
lines=$(logq $log 'len(L)')
curl -sS -o /dev/null -X POST "$LF_URL/_mock/reset"
expect_eq "$(state 'd["datasets"], d["scores"], d["spans"], d["requests"], d["score_creates"]')" "({}, {}, {}, 0, 0)" \
    "reset clears the state"
expect_eq "$(logq $log 'len(L)')" "$lines" "the mock routes are not logged"
post /api/public/v2/datasets '{"name":"again"}'
expect_eq "$(jb 'd["id"]')" ds-1 "after a reset, ids start again"
stop_langfuse_mock "$LF_PID"

# ---- v3, other keys, faults ----
cat >faults.json <<'JSON'
[
 {"method": "POST", "path": "/api/public/scores", "times": 2, "status": 503, "retry_after": "0",
  "body": {"message": "overloaded"}},
 {"path": "/api/public/ingestion", "times": 1,
  "event_errors": {"every": 2, "status": 500, "message": "mock event error"}},
 {"path": "/api/public/projects", "close": true, "times": 1},
 {"method": "GET", "path": "/api/public/v2/datasets/*", "status": 500, "times": 1}
]
JSON
start_langfuse_mock --api v3 --public-key pk-x --secret-key sk-y --faults faults.json --log "$PAWL_TMP/v3.log"
noauth GET /api/public/health
expect_reply 200 '{"status":"OK","version":"3.120.0"}' "v3 health"
lf GET /api/public/v2/datasets
expect_reply 401 "$unauthorized" "v3: the default key is not this server's"
auth=(-u pk-x:sk-y)
lf GET /api/public/projects
expect_eq "$code $rc" "000 52" "close fault: no reply at all"
lf GET /api/public/projects
expect_eq "$code" 200 "close fault: once"
for i in 1 2; do
    post /api/public/scores '{"id":"s1","traceId":"t1","name":"correct","value":1,"dataType":"BOOLEAN"}'
    expect_reply 503 '{"message":"overloaded"}' "status fault, request $i"
    expect_eq "$(header Retry-After)" 0 "status fault: Retry-After"
done
post /api/public/scores '{"id":"s1","traceId":"t1","name":"correct","value":1,"dataType":"BOOLEAN"}'
expect_reply 200 '{"id":"s1"}' "status fault spent after 2"
lf GET /api/public/v2/datasets/team%2Fqa
expect_reply 500 '{"message":"mock fault: HTTP 500"}' "status fault with a path prefix, default body"
lf GET /api/public/v2/datasets/team%2Fqa
expect_reply 404 '{"message":"Dataset not found"}' "prefix fault spent"
batch='{"batch":[
 {"id":"e1","timestamp":"2026-08-22T10:00:00.000Z","type":"trace-create","body":{"id":"t1","name":"first","metadata":{"a":1}}},
 {"id":"e2","timestamp":"2026-08-22T10:00:00.000Z","type":"span-create","body":{"id":"sp1","traceId":"t1"}},
 {"id":"e3","timestamp":"2026-08-22T10:00:00.000Z","type":"generation-create","body":{"id":"g1","traceId":"t1","model":"m"}},
 {"id":"e4","timestamp":"2026-08-22T10:00:00.000Z","type":"score-create","body":{"id":"sc1","traceId":"t1","name":"ok","value":1,"dataType":"BOOLEAN"}}]}'
post /api/public/ingestion "$batch"
expect_reply 207 '{"successes":[{"id":"e1","status":201},{"id":"e3","status":201}],"errors":[{"id":"e2","status":500,"message":"mock event error"},{"id":"e4","status":500,"message":"mock event error"}]}' \
    "event_errors fault: every 2nd event"
valid ingestion-response
expect_eq "$(state 'sorted(d["traces"]), sorted(d["observations"]), d["scores"]')" "(['t1'], ['g1'], {'s1': {'id': 's1', 'traceId': 't1', 'name': 'correct', 'value': 1, 'dataType': 'BOOLEAN'}})" \
    "event_errors fault: the failed events are not stored"
post /api/public/ingestion "$batch"
expect_eq "$(jb 'len(d["successes"]), d["errors"]')" "(4, [])" "event_errors fault spent after one batch"
post /api/public/ingestion '{"batch":[{"id":"e5","timestamp":"2026-08-22T10:00:01Z","type":"trace-create","body":{"id":"t1","output":"done","name":null}}]}'
expect_eq "$(state 'd["traces"], d["observations"]["g1"]["type"], d["observations"]["sp1"]["type"], d["score_creates"], d["score_updates"]')" \
    "({'t1': {'id': 't1', 'name': 'first', 'metadata': {'a': 1}, 'output': 'done'}}, 'GENERATION', 'SPAN', 2, 0)" \
    "v3 ingestion: traces and observations upserted on id"
expect_eq "$(state '[(f["used"], f["rule"].get("times")) for f in d["faults"]]')" "[(2, 2), (1, 1), (1, 1), (1, 1)]" \
    "state: the faults used"

# v3 run items: runs are stored and read back
post /api/public/v2/datasets '{"name":"team/qa"}'
post /api/public/dataset-items '{"datasetName":"team/qa","id":"q1","input":"1"}'
post /api/public/dataset-items '{"datasetName":"team/qa","id":"q2","input":"2"}'
post /api/public/dataset-run-items '{"runName":"pr 1/2","runDescription":"d1","datasetItemId":"q1","traceId":"t1","observationId":"g1"}'
valid dataset-run-item
expect_eq "$(jb 'd["id"], d["datasetRunId"], d["datasetRunName"], d["traceId"]')" "('ri-1', 'run-1', 'pr 1/2', 't1')" \
    "v3 run item: a run made"
post /api/public/dataset-run-items '{"runName":"pr 1/2","runDescription":"d2","metadata":{"sha":"abc"},"datasetItemId":"q2","observationId":"g1"}'
expect_eq "$(jb 'd["datasetRunId"], d["traceId"]')" "('run-1', 't1')" "v3 run item: same run; traceId from the observation"
post /api/public/dataset-run-items '{"runName":"other","datasetItemId":"q2","traceId":"t2"}'
expect_eq "$(jb 'd["datasetRunId"]')" run-2 "v3 run item: another run"
lf GET /api/public/datasets/team%2Fqa/runs/pr%201%2F2
expect_eq "$code" 200 "v3 get run: status"
expect_eq "$(jb 'd["id"], d["name"], d["description"], d["metadata"], d["datasetId"], d["datasetName"], [(x["datasetItemId"], x["traceId"]) for x in d["datasetRunItems"]]')" \
    "('run-1', 'pr 1/2', 'd2', {'sha': 'abc'}, 'ds-1', 'team/qa', [('q1', 't1'), ('q2', 't1')])" "v3 get run"
lf GET /api/public/datasets/team%2Fqa/runs/nope
expect_reply 404 '{"message":"Dataset run not found"}' "v3: unknown run"
lf GET /api/public/datasets/nope/runs/x
expect_reply 404 '{"message":"Dataset not found"}' "v3: run of an unknown dataset"
lf DELETE /api/public/dataset-items/q1
lf GET /api/public/datasets/team%2Fqa/runs/pr%201%2F2
expect_eq "$(jb '[x["datasetItemId"] for x in d["datasetRunItems"]]')" "['q2']" "deleting an item deletes its run items"
expect_eq "$(state 'd["run_item_requests"], len(d["run_item_log"]), sorted(d["runs"]["team/qa"])')" \
    "(3, 3, ['other', 'pr 1/2'])" "v3 state: runs by dataset and name"
post_file /api/public/otel/v1/traces "$PAWL_TMP/spans-full.json"
expect_reply 404 "$not_found" "v3 has no OTLP endpoint"
lf GET "/api/public/experiment-items?fromStartTime=2026-01-01T00:00:00Z"
expect_reply 404 "$not_found" "v3 has no experiment items"
expect_eq "$(logq v3.log '[(x["status"], x["fault"]) for x in L[:4]]')" "[(200, None), (401, None), (None, 3), (200, None)]" \
    "log: a closed connection has status null and names its rule"
stop_langfuse_mock "$LF_PID"

# ---- --strict, --version, faults set at run time ----
start_langfuse_mock --strict --version 9.9.9 --api v3
auth=(-u "$KEY")
noauth GET /api/public/health
expect_reply 200 '{"status":"OK","version":"9.9.9"}' "--version"
post /api/public/dataset-items '{"datasetName":"x","expected_output":"y"}'
expect_reply 400 "{\"message\":\"Invalid request data\",\"error\":[\"\$: unknown field 'expected_output'\"]}" \
    "--strict: an unknown field is a violation"
post /api/public/ingestion '{"batch":[{"id":"e","timestamp":"2026-08-22T10:00:00Z","type":"trace-create","body":{"id":"t","expected_output":1},"extra":true}]}'
expect_reply 400 "{\"message\":\"Invalid request data\",\"error\":[\"\$.batch[0]: unknown field 'extra'\",\"\$.batch[0].body: unknown field 'expected_output'\"]}" \
    "--strict: unknown fields in ingestion events and bodies"
curl -sS -o faults.out -w '%{http_code}' -X POST --data-binary '[{"path":"/api/public/projects","status":429}]' \
    "$LF_URL/_mock/faults" >faults.code
expect_eq "$(cat faults.code) $(cat faults.out)" "200 {}" "faults set at run time"
lf GET /api/public/projects
expect_reply 429 '{"message":"mock fault: HTTP 429"}' "a run-time fault applies"
curl -sS -o faults.out -w '%{http_code}' -X POST --data-binary '[{"path":"x"}]' "$LF_URL/_mock/faults" >faults.code
expect_eq "$(cat faults.code) $(cat faults.out)" "400 {\"message\":\"faults: rule 1: 'path' must be a string starting with '/'\"}" \
    "a bad run-time fault"
stop_langfuse_mock "$LF_PID"

# ---- every reply kept with `valid` against its schema ----
cat >validate.py <<'PY'
import json, sys
from jsonschema import Draft202012Validator
ok = True
for line in open(sys.argv[2]):
    schema, path = line.split()
    with open("%s/%s.schema.json" % (sys.argv[1], schema)) as f:
        v = Draft202012Validator(json.load(f))
    with open(path) as f:
        for e in v.iter_errors(json.load(f)):
            print("%s vs %s: %s at %s" % (path, schema, e.message, e.json_path), file=sys.stderr)
            ok = False
print(sum(1 for _ in open(sys.argv[2])) if ok else "invalid")
PY
expect_eq "$($PY validate.py "$SCHEMAS" validate.list)" "$(wc -l <validate.list)" "every kept reply validates"
finish
