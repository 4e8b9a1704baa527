# pawl dataset pull / push against the mock Langfuse server: paging, archived items,
# version pinning, the pull -> push -> pull round trip (with and without an id prefix),
# archiving and deleting, a second push that writes nothing, and every error path with
# its exit status and message. Every request body the mock logged must validate
# against the conformance schemas, without warnings.
. "$(dirname "$0")/lib.sh"
set -e
cd "$PAWL_TMP"

seed() { /usr/bin/python3 "$PAWL_SRC/tests/data/langfuse/seed.py" "$LF_URL" "$@"; }
state() { # state PYTHON-EXPR over `d`, the mock's /_mock/state
    curl -fsS "$LF_URL/_mock/state" >state.json
    json_get state.json "$1"
}
reset_mock() { curl -fsS -X POST "$LF_URL/_mock/reset" >/dev/null; }
set_faults() { curl -fsS -X POST --data-binary "$1" "$LF_URL/_mock/faults" >/dev/null; }
mark() { mark=$(wc -l <lf.log); } # the log lines after this belong to the next command

# logq EXPR: EXPR over `r`, the list of requests logged since the last mark
logq() {
    /usr/bin/python3 -c '
import json, sys
r = [json.loads(l) for l in open("lf.log").read().splitlines()[int(sys.argv[1]):]]
print(eval(sys.argv[2]))' "$mark" "$1"
}
items_posted() { logq 'sum(1 for x in r if x["method"] == "POST" and x["path"] == "/api/public/dataset-items")'; }

start_langfuse_mock --log "$PAWL_TMP/lf.log"
export LANGFUSE_PUBLIC_KEY=pk-lf-test LANGFUSE_SECRET_KEY=sk-lf-test LANGFUSE_BASE_URL=$LF_URL
unset LANGFUSE_HOST
seed base

# ---- pull: 250 active items of 255, three pages of 100, the default path ----
mark
run_pawl dataset pull prod/qa
expect_status 0 "pull"
expect_eq "$out" "pulled 250 items of 'prod/qa' into evals/prod/qa.jsonl: 250 added, 0 changed, 0 removed" "pull summary"
expect_eq "$(logq '[(x["query"].get("datasetName"), x["query"].get("page"), x["query"].get("limit")) for x in r if x["path"] == "/api/public/dataset-items"]')" \
    "[('prod/qa', '1', '100'), ('prod/qa', '2', '100'), ('prod/qa', '3', '100')]" "pages 1..3 of 100"
expect_eq "$(wc -l <evals/prod/qa.jsonl)" 250 "one line per active item"
expect_eq "$(grep -c '"id":"item-25[0-4]"' evals/prod/qa.jsonl || true)" 0 "archived items are left out"
# sorted by id in byte order, fixed key order, compact JSON, UTF-8 as is
expect_eq "$(/usr/bin/python3 -c '
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
assert lines[-1] == "", "final newline"
recs = [json.loads(l) for l in lines[:-1]]
ids = [r["id"] for r in recs]
assert ids == sorted(ids, key=lambda s: s.encode()), "sorted"
for l, r in zip(lines, recs):
    assert l == json.dumps(r, ensure_ascii=False, separators=(",", ":")), l
    assert list(r)[:2] == ["id", "input"] and set(r) <= {"id", "input", "expected_output", "metadata"}, l
print("ok")' evals/prod/qa.jsonl)" ok "canonical lines"
expect_eq "$(sed -n 1p evals/prod/qa.jsonl)" \
    '{"id":"item-000","input":{"context":{"a":[0,0,null,true],"z":0},"question":"Quelle est la capitale n°0 ? é€😀"},"metadata":{"n":0,"severity":"low","source_observation_id":"obs-0","source_trace_id":"trace-0","team":"support"}}' \
    "source ids go into the metadata, keys sorted"
expect_eq "$(grep '"id":"item-007"' evals/prod/qa.jsonl)" \
    '{"id":"item-007","input":{"context":{"a":[7,1.75,null,true],"z":7},"question":"Quelle est la capitale n°7 ? é€😀"},"expected_output":"answer 7","metadata":{"value":"note 7"}}' \
    "metadata that is not an object is kept under value"
expect_eq "$(grep '"id":"item-003"' evals/prod/qa.jsonl)" \
    '{"id":"item-003","input":{"context":{"a":[3,0.75,null,true],"z":3},"question":"Quelle est la capitale n°3 ? é€😀"}}' \
    "no expected output and no metadata: both left out"
cp evals/prod/qa.jsonl first.jsonl

# pulling again changes nothing, byte for byte
run_pawl dataset pull prod/qa
expect_status 0 "second pull"
expect_eq "$out" "pulled 250 items of 'prod/qa' into evals/prod/qa.jsonl: unchanged" "second pull summary"
expect_file evals/prod/qa.jsonl first.jsonl "second pull"

# ---- --version: the items as they were ----
version=$(seed now)
seed change
mark
run_pawl dataset pull prod/qa --version "$version" -o pinned.jsonl
expect_status 0 "pinned pull"
expect_eq "$out" "pulled 250 items of 'prod/qa' as of $version into pinned.jsonl: 250 added, 0 changed, 0 removed" "pinned summary"
expect_eq "$(logq 'sorted({x["query"].get("version") for x in r if x["path"] == "/api/public/dataset-items"})')" \
    "['$version']" "--version passed through on every page"
expect_file pinned.jsonl first.jsonl "the pinned pull is the state before the change"
run_pawl dataset pull prod/qa
expect_eq "$out" "pulled 250 items of 'prod/qa' into evals/prod/qa.jsonl: 1 added, 1 changed, 1 removed" "pull after a change"
expect_eq "$(diff first.jsonl evals/prod/qa.jsonl | grep -c '^[<>]')" 4 "git diff shows the changed items only"
expect_contains "$(grep '"id":"item-001"' evals/prod/qa.jsonl)" '"expected_output":"changed"' "changed item"
expect_eq "$(grep -c '"id":"item-002"' evals/prod/qa.jsonl || true)" 0 "item archived after the version"
cp evals/prod/qa.jsonl latest.jsonl

# ---- push to another dataset: ids are project-wide, so with a prefix ----
mark
run_pawl dataset push latest.jsonl --name prod/qa-copy --id-prefix copy/ --description "from git"
expect_status 0 "push with a prefix"
expect_eq "$out" "pushed 'prod/qa-copy' to $LF_URL: 250 created, 0 updated, 0 archived, 0 unchanged" "push summary"
expect_eq "$(state 'd["datasets"]["prod/qa-copy"]["description"]')" "from git" "description"
expect_eq "$(state 'sorted(d["datasets"]["prod/qa-copy"]["items"])[:2]')" "['copy/item-000', 'copy/item-001']" "prefixed ids"
expect_eq "$(state 'd["datasets"]["prod/qa-copy"]["items"]["copy/item-000"]["sourceObservationId"]')" "obs-0" "source ids become item fields"
expect_eq "$(state 'd["datasets"]["prod/qa-copy"]["items"]["copy/item-000"]["metadata"]')" \
    "{'n': 0, 'severity': 'low', 'team': 'support'}" "and leave the metadata"
run_pawl dataset pull prod/qa-copy --id-prefix copy/ -o roundtrip-prefix.jsonl
expect_status 0 "pull with a prefix"
expect_file roundtrip-prefix.jsonl latest.jsonl "pull -> push -> pull with --id-prefix"

# a second push of the same file writes no item
mark
run_pawl dataset push latest.jsonl --name prod/qa-copy --id-prefix copy/
expect_status 0 "second push"
expect_eq "$out" "pushed 'prod/qa-copy' to $LF_URL: 0 created, 0 updated, 0 archived, 250 unchanged" "second push summary"
expect_eq "$(items_posted)" 0 "second push sends no item writes"

# without the prefix the ids belong to prod/qa: every write refused, exit 3
run_pawl dataset push latest.jsonl --name other
expect_status 3 "ids of another dataset"
expect_eq "$out" "pushed 'other' to $LF_URL: 0 created, 0 updated, 0 archived, 0 unchanged, 250 failed" "summary of a refused push"
expect_contains "$err" "pawl: item 'item-000': Langfuse answered 400 to POST /api/public/dataset-items: The dataset item with id item-000 already exists in a dataset other than other (ids are project-wide)" "refusal names the item and the server's message"
expect_contains "$err" "pawl: ... and 240 more items not accepted" "the rest counted"

# ---- round trip without a prefix, in a fresh project ----
reset_mock
run_pawl dataset push latest.jsonl --name copy
expect_eq "$out" "pushed 'copy' to $LF_URL: 250 created, 0 updated, 0 archived, 0 unchanged" "push to a new project"
run_pawl dataset pull copy -o roundtrip.jsonl
expect_file roundtrip.jsonl latest.jsonl "pull -> push -> pull"

# removed cases are archived, not deleted; an edited case is updated
grep -v '"id":"item-01[01]"' latest.jsonl | sed 's/"answer 5"/"answer five"/' >edited.jsonl
mark
run_pawl dataset push edited.jsonl --name copy
expect_status 0 "push of an edited file"
expect_eq "$out" "pushed 'copy' to $LF_URL: 0 created, 1 updated, 2 archived, 247 unchanged" "archive summary"
expect_eq "$(state 'd["datasets"]["copy"]["items"]["item-010"]["status"], d["datasets"]["copy"]["items"]["item-011"]["metadata"], d["datasets"]["copy"]["items"]["item-011"]["sourceTraceId"]')" \
    "ARCHIVED {} trace-11" "archived with their content"
expect_eq "$(logq 'sum(1 for x in r if x["method"] == "DELETE")')" 0 "nothing deleted"
run_pawl dataset pull copy -o after.jsonl
expect_eq "$out" "pulled 248 items of 'copy' into after.jsonl: 248 added, 0 changed, 0 removed" "archived items leave the pull"
expect_file after.jsonl edited.jsonl "the pull is the pushed file"

# a case put back restores its archived item; --delete deletes what the file lacks
grep -v '"id":"item-012"' latest.jsonl | grep -v '"id":"item-011"' >restored.jsonl
mark
run_pawl dataset push restored.jsonl --name copy --delete
expect_status 0 "push --delete"
expect_eq "$out" "pushed 'copy' to $LF_URL: 1 created, 1 updated, 1 deleted, 246 unchanged" "--delete summary"
expect_eq "$(logq '[x["path"] for x in r if x["method"] == "DELETE"]')" "['/api/public/dataset-items/item-012']" "DELETE of the removed case"
expect_eq "$(state '"item-012" in d["datasets"]["copy"]["items"], d["datasets"]["copy"]["items"]["item-010"]["status"]')" \
    "False ACTIVE" "deleted, and restored"

# the id field from the config; YAML works as well as JSONL
cat >cases.yaml <<'YAML'
- {key: k1, input: {q: one}, expected_output: "1"}
- {key: k2, input: {q: two}, metadata: {source_trace_id: t-2}}
YAML
cat >pawl.yaml <<'YAML'
version: 1
dataset: {path: cases.yaml, id: key}
task: {provider: echo, messages: [{role: user, content: "{{input.q}}"}]}
scorers: [{name: ok, type: contains, value: "{{expected_output}}"}]
YAML
run_pawl dataset push cases.yaml --name yaml-set
expect_status 0 "push of YAML with the config's id field"
expect_eq "$out" "pushed 'yaml-set' to $LF_URL: 2 created, 0 updated, 0 archived, 0 unchanged" "YAML push"
run_pawl dataset pull yaml-set -o yaml-set.jsonl
expect_eq "$(cat yaml-set.jsonl)" '{"id":"k1","input":{"q":"one"},"expected_output":"1"}
{"id":"k2","input":{"q":"two"},"metadata":{"source_trace_id":"t-2"}}' "YAML round trip"
mv pawl.yaml other.yaml
run_pawl dataset push cases.yaml --name yaml-set
expect_status 2 "no config: the id field is id"
expect_eq "$err" "cases.yaml:1: missing case id field 'id'" "id field without a config"
run_pawl dataset push cases.yaml --name yaml-set -c other.yaml
expect_status 0 "-c names the config"

# a value Langfuse cannot remove is reported, not silently kept
sed 's/,"expected_output":"answer 7"//' restored.jsonl >cleared.jsonl
run_pawl dataset push cleared.jsonl --name copy
expect_status 3 "clearing an expected output"
expect_eq "$out" "pushed 'copy' to $LF_URL: 0 created, 0 updated, 0 archived, 247 unchanged, 1 failed" "summary"
expect_contains "$err" "pawl: item 'item-007': Langfuse kept a value the file no longer has" "named"

# ---- errors in the data: nothing is sent ----
mark
printf '%s\n' '{"id":"a","input":1}' '{"id":"b","input":2,"metadata":{"source_trace_id":7}}' >badmeta.jsonl
run_pawl dataset push badmeta.jsonl --name copy
expect_status 2 "source_trace_id that is not a string"
expect_eq "$err" "badmeta.jsonl:2: 'metadata.source_trace_id' must be a string, got a number" "message"
long=$(printf 'x%.0s' $(seq 250))
printf '{"id":"%s","input":1}\n' "$long" >long.jsonl
run_pawl dataset push long.jsonl --name copy --id-prefix prefix/
expect_status 2 "id too long with the prefix"
expect_eq "$err" "long.jsonl:1: case id '$long' is too long for Langfuse: 257 characters with the prefix, at most 255" "message"
expect_eq "$(logq 'len(r)')" 0 "no request for data errors"
printf '' >empty.jsonl
run_pawl dataset push empty.jsonl --name copy
expect_status 2 "an empty file archives nothing"
expect_eq "$err" "empty.jsonl: dataset has no cases" "message"

# an item pawl's format cannot hold: exit 2, no file written
set_faults '[{"method": "GET", "path": "/api/public/dataset-items", "status": 200, "times": 1,
  "body": {"data": [{"id": 42, "input": 1}], "meta": {"page": 1, "limit": 100, "totalItems": 1, "totalPages": 1}}}]'
run_pawl dataset pull copy -o bad.jsonl
expect_status 2 "item with a number as id"
expect_eq "$err" "pawl: Langfuse listed an item whose id is a number, not a non-empty string" "message"
expect_eq "$(test -e bad.jsonl && echo written || echo none)" none "nothing written"
set_faults '[]'

# ---- usage errors ----
run_pawl dataset pull unknown-set
expect_status 2 "unknown dataset"
expect_eq "$err" "pawl: dataset 'unknown-set' not found on Langfuse at $LF_URL" "unknown dataset message"
run_pawl dataset pull cop
expect_eq "$err" "pawl: dataset 'cop' not found on Langfuse at $LF_URL (did you mean 'copy'?)" "a near name"
run_pawl dataset pull copy --version 2026-08-01
expect_status 2 "date without a time"
expect_eq "$err" "pawl: --version must be an RFC 3339 timestamp such as 2026-08-01T00:00:00Z or 2026-08-01T09:30:00.000+02:00, not '2026-08-01'
Try 'pawl dataset pull --help'." "version message"
run_pawl dataset pull copy -o copy.json
expect_status 2 "pull to a file that is not JSONL"
expect_contains "$err" "pull writes JSONL: 'copy.json' must end in .jsonl" "message"
run_pawl dataset pull a/../../etc
expect_status 2 "a name that would leave evals/"
expect_contains "$err" "cannot name a file after dataset 'a/../../etc'" "message"
run_pawl dataset push latest.jsonl
expect_status 2 "push without --name"
expect_contains "$err" "--name is required" "message"
run_pawl dataset push missing.jsonl --name copy
expect_status 2 "push of a missing file"
expect_eq "$err" "pawl: cannot open dataset 'missing.jsonl': No such file or directory" "message"
run_pawl dataset push latest.jsonl --name /copy
expect_status 2 "bad dataset name"
expect_contains "$err" "dataset name '/copy' must not start or end with '/'" "message"
for cmd in pull push; do
    run_pawl dataset $cmd --help
    expect_status 0 "$cmd --help"
    expect_contains "$out" "example:" "$cmd --help teaches with an example"
done

# ---- credentials, hosts, outages ----
run_pawl dataset pull copy -o x.jsonl
expect_status 0 "pull with the keys"
LANGFUSE_SECRET_KEY= run_pawl dataset pull copy -o x.jsonl
expect_status 2 "missing secret key"
expect_eq "$err" "pawl: LANGFUSE_SECRET_KEY is not set (the Langfuse project's secret key, sk-lf-...)" "message"
LANGFUSE_SECRET_KEY=sk-lf-wrong run_pawl dataset pull copy -o x.jsonl
expect_status 3 "bad credentials"
expect_eq "$err" "pawl: Langfuse answered 401 to GET /api/public/v2/datasets/copy: Invalid credentials. Confirm that you've configured the correct host. (check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY)" "401 message"
LANGFUSE_SECRET_KEY=sk-lf-wrong run_pawl dataset push latest.jsonl --name copy
expect_status 3 "bad credentials on push"
expect_contains "$err" "Langfuse answered 401" "401 on push"
(unset LANGFUSE_BASE_URL; LANGFUSE_HOST=$LF_URL run_pawl dataset pull copy -o host.jsonl; echo "$status $out") >host.out
expect_eq "$(cat host.out)" "0 pulled 248 items of 'copy' into host.jsonl: 248 added, 0 changed, 0 removed" "LANGFUSE_HOST when LANGFUSE_BASE_URL is unset"

# a server that is down: exit 3 after one attempt (a server that never answered is not
# retried: the message would say "after N attempts"); how fast that is, bench/ measures
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LANGFUSE_BASE_URL=http://127.0.0.1:$port run_pawl dataset pull copy -o down.jsonl
expect_status 3 "server down"
expect_eq "$err" "pawl: Langfuse request GET /api/public/v2/datasets/copy failed: cannot connect to http://127.0.0.1:$port: Connection refused" \
    "server down: one attempt, the exact message"
test ! -e down.jsonl || fail "server down: no file written"

# a 503 that passes is retried; one that persists is exit 3 after the retries
set_faults '[{"method": "GET", "path": "/api/public/dataset-items", "status": 503, "retry_after": "0", "times": 2}]'
mark
run_pawl dataset pull copy -o retried.jsonl
expect_status 0 "transient 503"
expect_eq "$(logq 'sum(1 for x in r if x["path"] == "/api/public/dataset-items")')" 5 "two retries before pages 1..3"
expect_file retried.jsonl x.jsonl "retried pull"
set_faults '[{"method": "POST", "path": "/api/public/dataset-items", "status": 503, "retry_after": "0"}]'
sed 's/"answer 5"/"answer 5!"/' restored.jsonl >five.jsonl
mark
run_pawl dataset push five.jsonl --name copy
expect_status 3 "persistent 503"
expect_eq "$out" "pushed 'copy' to $LF_URL: 0 created, 0 updated, 0 archived, 247 unchanged, 1 failed" "summary after 503"
expect_eq "$err" "pawl: item 'item-005': Langfuse answered 503 to POST /api/public/dataset-items: mock fault: HTTP 503" "503 message"
expect_eq "$(items_posted)" 5 "the write was tried 5 times"
set_faults '[]'

# ---- any JSON in an item, a name with '/' and spaces, an empty dataset ----
reset_mock
/usr/bin/python3 - "$LF_URL" <<'PY'
import base64, json, sys, urllib.request
url, auth = sys.argv[1], base64.b64encode(b"pk-lf-test:sk-lf-test").decode()
def post(path, body):
    req = urllib.request.Request(url + path, json.dumps(body).encode(), {
        "Authorization": "Basic " + auth, "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
post("/api/public/v2/datasets", {"name": "team a/odd kinds"})
post("/api/public/v2/datasets", {"name": "empty set"})
kinds = {"s": "plain string", "a": [1, "two", None, {"z": 1, "a": [True, False]}], "n": None,
         "u": {"q": "caf\u00e9 \u2014 \u65e5\u672c \U0001F600", "e": "tab\tquote\"slash\\"},
         "num": 1.5e-07, "big": 12345678901234567, "f": False}
for k, v in kinds.items():
    post("/api/public/dataset-items", {"datasetName": "team a/odd kinds", "id": "kind-" + k,
                                      "input": v, "expectedOutput": v, "metadata": v})
PY
run_pawl dataset pull "team a/odd kinds"
expect_status 0 "pull of any JSON from 'team a/odd kinds'"
expect_eq "$out" "pulled 7 items of 'team a/odd kinds' into evals/team a/odd kinds.jsonl: 7 added, 0 changed, 0 removed" \
    "a name with '/' and spaces: folders and the file"
expect_eq "$(cat "evals/team a/odd kinds.jsonl")" '{"id":"kind-a","input":[1,"two",null,{"a":[true,false],"z":1}],"expected_output":[1,"two",null,{"a":[true,false],"z":1}],"metadata":{"value":[1,"two",null,{"a":[true,false],"z":1}]}}
{"id":"kind-big","input":12345678901234567,"expected_output":12345678901234567,"metadata":{"value":12345678901234567}}
{"id":"kind-f","input":false,"expected_output":false,"metadata":{"value":false}}
{"id":"kind-n","input":null}
{"id":"kind-num","input":1.5e-07,"expected_output":1.5e-07,"metadata":{"value":1.5e-07}}
{"id":"kind-s","input":"plain string","expected_output":"plain string","metadata":{"value":"plain string"}}
{"id":"kind-u","input":{"e":"tab\tquote\"slash\\","q":"café — 日本 😀"},"expected_output":{"e":"tab\tquote\"slash\\","q":"café — 日本 😀"},"metadata":{"e":"tab\tquote\"slash\\","q":"café — 日本 😀"}}' \
    "every kind of JSON, keys sorted, UTF-8 as is"
cp "evals/team a/odd kinds.jsonl" kinds.jsonl
run_pawl dataset push kinds.jsonl --name "team a/odd kinds"
expect_status 0 "push back what was pulled"
expect_eq "$out" "pushed 'team a/odd kinds' to $LF_URL: 0 created, 0 updated, 0 archived, 7 unchanged" \
    "pull -> push of any JSON writes nothing"
run_pawl dataset push kinds.jsonl --name "kinds copy" --id-prefix c/
expect_status 0 "push of any JSON to a new dataset"
run_pawl dataset pull "kinds copy" --id-prefix c/ -o kinds-copy.jsonl
expect_status 0 "pull of the copy"
expect_file kinds-copy.jsonl kinds.jsonl "push -> pull of any JSON"
# An empty dataset gives an empty file, which is written even when there was none.
run_pawl dataset pull "empty set"
expect_status 0 "pull of an empty dataset"
expect_eq "$out" "pulled 0 items of 'empty set' into evals/empty set.jsonl: unchanged" "empty dataset: the summary"
expect_eq "$(test -f "evals/empty set.jsonl" && wc -c <"evals/empty set.jsonl")" 0 "empty dataset: an empty file"
# Each format pawl reads pushes the same items.
printf '{"id":"f1","input":{"q":"one"},"expected_output":"1","metadata":{"k":"v"}}\n{"id":"f2","input":{"q":"two"},"expected_output":"2"}\n' >fmt.jsonl
printf '[{"id":"f1","input":{"q":"one"},"expected_output":"1","metadata":{"k":"v"}},{"id":"f2","input":{"q":"two"},"expected_output":"2"}]\n' >fmt.json
printf -- '- {id: f1, input: {q: one}, expected_output: "1", metadata: {k: v}}\n- {id: f2, input: {q: two}, expected_output: "2"}\n' >fmt.yaml
for f in jsonl json yaml; do
    run_pawl dataset push fmt.$f --name "fmt-$f" --id-prefix "$f/"
    expect_status 0 "push of .$f"
    run_pawl dataset pull "fmt-$f" --id-prefix "$f/" -o "fmt-$f.jsonl"
    expect_status 0 "pull of the .$f push"
    expect_file "fmt-$f.jsonl" fmt.jsonl ".$f round trip"
done

# ---- conformance: every body valid against the schemas, no warnings ----
expect_eq "$(state 'd["violations"], d["warnings"]')" "0 0" "no schema violations or warnings since the last reset"
mark=0
expect_eq "$(logq 'sum(len(x["violations"]) + len(x["warnings"]) for x in r)')" 0 "no violations or warnings in the whole log"
stop_langfuse_mock
finish
