#!/usr/bin/python3
"""A mock Langfuse server for pawl's tests (loopback only, state in memory).

    mocklangfuse.py [--port N] [--api v3|v4] [--public-key PK] [--secret-key SK]
                    [--log FILE] [--faults FILE] [--version STRING] [--strict]

It prints the port it listens on and serves until SIGTERM or SIGINT (exit 0).
Request bodies are checked against the JSON Schemas in
tests/data/conformance/langfuse. tests/support/README.md documents every route,
the fault rules, the log and the /_mock/state document.
"""
import argparse
import base64
import binascii
import datetime
import gzip
import hashlib
import json
import os
import re
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

import jsonschema

PROG = "mocklangfuse.py"
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "data",
                          "conformance", "langfuse")
PROJECT_ID = "proj-mock"
# The SDKs keep ingestion batches below 3.5 MB; the smaller reading of "MB" is the stricter one.
INGESTION_LIMIT = 3_500_000
# Langfuse Cloud's limit on any request ("5MB per request", faq/all/api-limits).
PAYLOAD_LIMIT = 5_000_000
# Beyond this the body is not even read: the connection is answered 413 and closed.
BODY_LIMIT = 64 * 1024 * 1024
DEFAULT_VERSION = {"v3": "3.120.0", "v4": "4.16.0"}
UNAUTHORIZED = {"error": "UnauthorizedError",
                "message": "Invalid credentials. Confirm that you've configured the correct host."}
V4_EVENT_TYPES = ("score-create", "sdk-log")
OBSERVATION_TYPES = {"span-create": "SPAN", "span-update": "SPAN", "generation-create": "GENERATION",
                     "generation-update": "GENERATION", "event-create": "EVENT"}
FAULT_KEYS = {"method", "path", "after", "times", "status", "retry_after", "body", "close",
              "event_errors"}

_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                      r"(?:([Zz])|([+-])(\d{2}):(\d{2}))$")


def parse_rfc3339(text):
    """Microseconds since the epoch, or None when TEXT is not an RFC 3339 date-time."""
    m = _RFC3339.match(text) if isinstance(text, str) else None
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    frac = (m.group(7) or ".0")[1:7].ljust(6, "0")
    offset = 0
    if not m.group(8):
        oh, om = int(m.group(10)), int(m.group(11))
        if oh > 23 or om > 59:
            return None
        offset = (oh * 60 + om) * (1 if m.group(9) == "+" else -1)
    try:
        # RFC 3339 allows a leap second; it is read as the last second of the minute.
        t = datetime.datetime(year, month, day, hour, minute, min(second, 59), int(frac),
                              tzinfo=datetime.timezone(datetime.timedelta(minutes=offset)))
    except ValueError:
        return None
    if second > 60:
        return None
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    delta = t - epoch
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def format_ms(ms):
    day = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return day.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)


FORMATS = jsonschema.FormatChecker()


# jsonschema checks date-time only with an optional module Debian does not ship.
@FORMATS.checks("date-time")
def _is_date_time(value):
    return not isinstance(value, str) or parse_rfc3339(value) is not None


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def stable_experiment_id(dataset_id, run_name):
    """Langfuse's createStableExperimentId: JSON.stringify output hashed with SHA-256."""
    seed = compact(["langfuse-experiment-v1", PROJECT_ID, dataset_id, run_name])
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:16]


def any_value(v):
    """An OTLP AnyValue as plain JSON (enough to read the langfuse.* attributes)."""
    if not isinstance(v, dict):
        return None
    for key in ("stringValue", "boolValue", "doubleValue", "bytesValue"):
        if key in v:
            return v[key]
    if "intValue" in v:
        try:
            return int(v["intValue"])
        except (TypeError, ValueError):
            return v["intValue"]
    if "arrayValue" in v:
        return [any_value(x) for x in v["arrayValue"].get("values", [])]
    if "kvlistValue" in v:
        return {kv.get("key"): any_value(kv.get("value")) for kv in v["kvlistValue"].get("values", [])}
    return None


def span_attributes(span):
    return {kv.get("key"): any_value(kv.get("value")) for kv in span.get("attributes", [])
            if isinstance(kv, dict)}


class Reply:
    def __init__(self, status, body=None, headers=None, close=False):
        self.status, self.body, self.headers, self.close = status, body, headers or {}, close


def invalid(errors, status=400):
    return Reply(status, {"message": "Invalid request data", "error": errors})


class Request:
    def __init__(self, method, target, headers, raw):
        split = urlsplit(target)
        self.method = method
        self.path = split.path
        self.segments = [unquote(s) for s in split.path.split("/")[1:]]
        self.query = dict(parse_qsl(split.query, keep_blank_values=True))
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.raw = raw
        self.body = None
        self.body_error = None
        if raw:
            try:
                self.body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                self.body_error = str(e)
        self.auth = False
        self.fault = None
        self.event_errors = None
        self.violations = []
        self.warnings = []


def load_schemas():
    names = ["create-dataset-request", "create-dataset-item-request",
             "create-dataset-run-item-request", "ingestion-batch-request",
             "otlp-export-trace-service-request", "create-score-request"]
    out = {}
    for name in names:
        path = os.path.join(SCHEMA_DIR, name + ".schema.json")
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        out[name] = (schema, jsonschema.Draft202012Validator(schema, format_checker=FORMATS))
    return out


def load_faults(path):
    """The --faults rules, checked; raises ValueError with the message to print."""
    try:
        with open(path, encoding="utf-8") as f:
            rules = json.load(f)
    except OSError as e:
        raise ValueError("cannot read faults file '%s': %s" % (path, e.strerror))
    except ValueError as e:
        raise ValueError("invalid JSON in faults file '%s': %s" % (path, e))
    return check_faults(rules, "faults file '%s'" % path)


def check_faults(rules, where):
    if not isinstance(rules, list):
        raise ValueError("%s: expected a JSON list of rules" % where)
    for n, rule in enumerate(rules, 1):
        def bad(msg, n=n):
            raise ValueError("%s: rule %d: %s" % (where, n, msg))
        if not isinstance(rule, dict):
            bad("expected an object")
        for key in rule:
            if key not in FAULT_KEYS:
                bad("unknown key '%s'" % key)
        if not isinstance(rule.get("path"), str) or not rule["path"].startswith("/"):
            bad("'path' must be a string starting with '/'")
        if "method" in rule and not isinstance(rule["method"], str):
            bad("'method' must be a string")
        kinds = [k for k in ("status", "close", "event_errors") if k in rule]
        if len(kinds) != 1:
            bad("needs exactly one of 'status', 'close', 'event_errors'")
        for key in ("after", "times"):
            value = rule.get(key)
            if value is not None and (type(value) is not int or value < 0):
                bad("'%s' must be a non-negative integer" % key)
        if "status" in rule and (type(rule["status"]) is not int or not 100 <= rule["status"] <= 599):
            bad("'status' must be an integer from 100 to 599")
        if "close" in rule and rule["close"] is not True:
            bad("'close' must be true")
        if ("retry_after" in rule or "body" in rule) and "status" not in rule:
            bad("'retry_after' and 'body' go with 'status'")
        if "event_errors" in rule:
            ee = rule["event_errors"]
            if not isinstance(ee, dict) or set(ee) - {"every", "status", "message"}:
                bad("'event_errors' must be {\"every\", \"status\", \"message\"}")
            if type(ee.get("every")) is not int or ee["every"] < 1:
                bad("'event_errors.every' must be an integer >= 1")
            if type(ee.get("status", 400)) is not int or not isinstance(ee.get("message", ""), str):
                bad("'event_errors.status' must be an integer and 'message' a string")
    return [{"rule": r, "used": 0, "passed": 0} for r in rules]


class Mock:
    """The server's state and logic; every request runs under one lock."""

    def __init__(self, args, schemas, faults, log):
        self.args = args
        self.api = args.api
        self.schemas = schemas
        self.initial_faults = faults
        self.log = log
        self.lock = threading.Lock()
        self.last_ms = 0
        self.reset()
        self.routes = [
            ("GET", ["api", "public", "health"], self.health, False, None),
            ("GET", ["api", "public", "projects"], self.projects, True, None),
            ("POST", ["api", "public", "v2", "datasets"], self.create_dataset, True,
             "create-dataset-request"),
            ("GET", ["api", "public", "v2", "datasets"], self.list_datasets, True, None),
            ("GET", ["api", "public", "v2", "datasets", "*"], self.get_dataset, True, None),
            ("POST", ["api", "public", "dataset-items"], self.upsert_item, True,
             "create-dataset-item-request"),
            ("GET", ["api", "public", "dataset-items"], self.list_items, True, None),
            ("GET", ["api", "public", "dataset-items", "*"], self.get_item, True, None),
            ("DELETE", ["api", "public", "dataset-items", "*"], self.delete_item, True, None),
            ("POST", ["api", "public", "dataset-run-items"], self.create_run_item, True,
             "create-dataset-run-item-request"),
            ("GET", ["api", "public", "datasets", "*", "runs", "*"], self.get_run, True, None),
            ("POST", ["api", "public", "ingestion"], self.ingestion, True, "ingestion-batch-request"),
            ("POST", ["api", "public", "scores"], self.create_score, True, "create-score-request"),
        ]
        if self.api == "v4":
            self.routes += [
                ("POST", ["api", "public", "otel", "v1", "traces"], self.otel_traces, True,
                 "otlp-export-trace-service-request"),
                ("GET", ["api", "public", "experiment-items"], self.experiment_items, True, None),
            ]

    def reset(self):
        self.faults = [{"rule": f["rule"], "used": 0, "passed": 0} for f in self.initial_faults]
        self.datasets = {}      # name -> Dataset
        self.items = {}         # name -> {item id: latest DatasetItem}
        self.history = {}       # name -> {item id: [every version, oldest first]}
        self.item_owner = {}    # item id -> dataset name (ids are project-wide)
        self.runs = {}          # dataset name -> {run name: DatasetRunWithItems}
        self.run_item_log = []
        self.traces, self.observations, self.spans, self.scores = {}, {}, {}, {}
        self.counters = dict.fromkeys(
            ["run_item_requests", "span_duplicates", "score_creates", "score_updates",
             "ingestion_events", "ingestion_errors", "otel_requests", "requests",
             "violations", "warnings", "ds", "run", "ri"], 0)
        self.max_body = {}      # path -> the largest request body it received, in bytes

    def now(self):
        # Strictly increasing, so that every item version has its own instant to pin.
        ms = max(time.time_ns() // 1_000_000, self.last_ms + 1)
        self.last_ms = ms
        return format_ms(ms)

    def next_id(self, kind):
        self.counters[kind] += 1
        return "%s-%d" % (kind, self.counters[kind])

    # ---- request flow -------------------------------------------------------------

    def handle(self, req):
        if req.segments and req.segments[0] == "_mock":
            return self.mock_route(req)
        self.counters["requests"] += 1
        self.max_body[req.path] = max(self.max_body.get(req.path, 0), len(req.raw))
        req.auth = self.authorized(req)
        reply = self.apply_fault(req)
        if reply is not None:
            return reply
        route, allowed = None, False
        for method, pattern, fn, needs_auth, schema in self.routes:
            if len(pattern) == len(req.segments) and all(
                    p == "*" or p == s for p, s in zip(pattern, req.segments)):
                allowed = True
                if method == req.method:
                    route = (fn, needs_auth, schema)
                    break
        if route is None:
            if allowed:
                return Reply(405, {"message": "Method not allowed"})
            return Reply(404, {"message": "not found"})
        fn, needs_auth, schema = route
        if needs_auth and not req.auth:
            return Reply(401, UNAUTHORIZED)
        if schema is not None:
            if fn == self.otel_traces:
                reply = self.otel_precheck(req)
                if reply is not None:
                    return reply
            limit = INGESTION_LIMIT if fn == self.ingestion else PAYLOAD_LIMIT
            if len(req.raw) > limit:
                return Reply(413, {"message": "request body of %d bytes exceeds %d bytes"
                                   % (len(req.raw), limit)})
            reply = self.validate(req, schema)
            if reply is not None:
                return reply
        return fn(req)

    def authorized(self, req):
        value = req.headers.get("authorization", "")
        if value[:6].lower() != "basic ":
            return False
        try:
            decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return decoded == "%s:%s" % (self.args.public_key, self.args.secret_key)

    def apply_fault(self, req):
        for n, f in enumerate(self.faults, 1):
            rule = f["rule"]
            if rule.get("method", req.method).upper() != req.method:
                continue
            path = rule["path"]
            if not (req.path == path or (path.endswith("*") and req.path.startswith(path[:-1]))):
                continue
            # `after`: a server that fails part way, once N matching requests went through.
            if f["passed"] < rule.get("after", 0):
                f["passed"] += 1
                continue
            if rule.get("times") is not None and f["used"] >= rule["times"]:
                continue
            f["used"] += 1
            req.fault = n
            if "event_errors" in rule:
                req.event_errors = rule["event_errors"]
                return None
            if rule.get("close"):
                return Reply(None, close=True)
            headers = {}
            if "retry_after" in rule:
                headers["Retry-After"] = str(rule["retry_after"])
            body = rule.get("body", {"message": "mock fault: HTTP %d" % rule["status"]})
            return Reply(rule["status"], body, headers)
        return None

    def validate(self, req, schema_name):
        if req.body_error is not None or not req.raw:
            why = req.body_error or "empty body"
            req.violations.append("$: request body is not valid JSON: %s" % why)
            self.counters["violations"] += 1
            return invalid(req.violations)
        schema, validator = self.schemas[schema_name]
        for e in sorted(validator.iter_errors(req.body), key=lambda e: (e.json_path, e.message)):
            msg = e.message
            if e.context:
                # "not valid under any of the given schemas" alone does not say what to fix.
                why = sorted({c.message for c in e.context})
                msg += " (%s)" % "; ".join(why)
            msg = msg if len(msg) <= 400 else msg[:397] + "..."
            req.violations.append("%s: %s" % (e.json_path, msg))
        unknown = self.unknown_fields(schema, req.body, "$")
        if schema_name == "ingestion-batch-request" and isinstance(req.body, dict):
            for i, ev in enumerate(req.body.get("batch") or []):
                unknown += self.unknown_event_fields(schema, ev, "$.batch[%d]" % i)
        if self.args.strict:
            req.violations += unknown
        else:
            req.warnings += unknown
        if req.violations:
            self.counters["violations"] += 1
            return invalid(req.violations)
        return None

    @staticmethod
    def unknown_fields(schema, body, where):
        props = schema.get("properties")
        if not isinstance(body, dict) or props is None or schema.get("additionalProperties") is False:
            return []
        return ["%s: unknown field '%s'" % (where, k) for k in body if k not in props]

    def unknown_event_fields(self, schema, ev, where):
        defs = schema.get("$defs", {})
        event_schema = defs.get("IngestionEvent.%s" % (ev.get("type") if isinstance(ev, dict) else ""))
        if event_schema is None:
            return []
        out = self.unknown_fields(event_schema, ev, where)
        ref = event_schema.get("properties", {}).get("body", {}).get("$ref", "")
        body_schema = defs.get(ref.rsplit("/", 1)[-1]) if ref.startswith("#/$defs/") else None
        if body_schema is not None:
            out += self.unknown_fields(body_schema, ev.get("body"), where + ".body")
        return out

    def page_args(self, req):
        """(page, limit) from the query, or a 400 Reply."""
        errors = []
        values = {}
        for key, default, low, high in (("page", 1, 1, None), ("limit", 50, 1, 100)):
            text = req.query.get(key, "")
            if text == "":
                values[key] = default
                continue
            try:
                values[key] = int(text)
            except ValueError:
                values[key] = None
            v = values[key]
            if v is None or v < low or (high is not None and v > high):
                errors.append("%s: must be an integer %s, got '%s'"
                              % (key, "from 1 to 100" if high else ">= 1", text))
        if errors:
            return invalid(errors)
        return values["page"], values["limit"]

    @staticmethod
    def paginate(rows, page, limit):
        total = len(rows)
        return {"data": rows[(page - 1) * limit:page * limit],
                "meta": {"page": page, "limit": limit, "totalItems": total,
                         "totalPages": -(-total // limit)}}

    # ---- routes ---------------------------------------------------------------------

    def health(self, req):
        return Reply(200, {"status": "OK", "version": self.args.version})

    def projects(self, req):
        return Reply(200, {"data": [{"id": PROJECT_ID, "name": "mock", "metadata": {}}]})

    def create_dataset(self, req):
        b = req.body
        now = self.now()
        ds = self.datasets.get(b["name"])
        for key in ("inputSchema", "expectedOutputSchema"):
            if b.get(key) is not None:
                try:
                    jsonschema.Draft202012Validator.check_schema(b[key])
                except jsonschema.SchemaError as e:
                    return invalid(["$.%s: not a valid JSON Schema: %s" % (key, e.message)])
        if ds is None:
            ds = {"id": self.next_id("ds"), "name": b["name"], "description": b.get("description"),
                  "metadata": b.get("metadata"), "inputSchema": b.get("inputSchema"),
                  "expectedOutputSchema": b.get("expectedOutputSchema"), "projectId": PROJECT_ID,
                  "createdAt": now, "updatedAt": now}
            self.datasets[ds["name"]] = ds
            self.items[ds["name"]] = {}
            self.history[ds["name"]] = {}
        else:
            for key in ("description", "metadata"):
                if b.get(key) is not None:
                    ds[key] = b[key]
            for key in ("inputSchema", "expectedOutputSchema"):
                if key in b:
                    ds[key] = b[key]
            ds["updatedAt"] = now
        return Reply(200, dict(ds))

    def get_dataset(self, req):
        ds = self.datasets.get(req.segments[4])
        if ds is None:
            return Reply(404, {"message": "Dataset not found"})
        return Reply(200, dict(ds))

    def list_datasets(self, req):
        paging = self.page_args(req)
        if isinstance(paging, Reply):
            return paging
        rows = sorted(self.datasets.values(), key=lambda d: d["id"])
        rows = sorted(rows, key=lambda d: d["createdAt"], reverse=True)
        return Reply(200, self.paginate([dict(d) for d in rows], *paging))

    def upsert_item(self, req):
        b = req.body
        name = b["datasetName"]
        ds = self.datasets.get(name)
        if ds is None:
            return Reply(404, {"message": "Dataset not found"})
        item_id = b.get("id") or str(uuid.uuid4())
        owner = self.item_owner.get(item_id)
        if owner is not None and owner != name:
            return Reply(400, {"message": "The dataset item with id %s already exists in a dataset "
                                          "other than %s (ids are project-wide)" % (item_id, name)})
        now = self.now()
        old = self.items[name].get(item_id)
        fields = ("input", "expectedOutput", "metadata", "sourceTraceId", "sourceObservationId",
                  "status")
        if old is None:
            item = {"id": item_id, "status": "ACTIVE"}
            item.update({k: None for k in fields[:-1]})
            item.update({"datasetId": ds["id"], "datasetName": name, "createdAt": now,
                         "updatedAt": now, "mediaReferences": []})
        else:
            item = dict(old)
            item["updatedAt"] = now
        # As in Langfuse, a field that is absent or null keeps its current value on an update.
        for key in fields:
            if b.get(key) is not None:
                item[key] = b[key]
        for field, key in (("input", "inputSchema"), ("expectedOutput", "expectedOutputSchema")):
            if ds.get(key) is not None and item[field] is not None:
                errors = [("$.%s%s: %s" % (field, e.json_path[1:], e.message))
                          for e in jsonschema.Draft202012Validator(ds[key]).iter_errors(item[field])]
                if errors:
                    return Reply(400, {"message": "Dataset item %s does not match the dataset's %s"
                                       % (field, key), "error": errors})
        self.items[name][item_id] = item
        self.history[name].setdefault(item_id, []).append(dict(item))
        self.item_owner[item_id] = name
        return Reply(200, dict(item))

    def list_items(self, req):
        paging = self.page_args(req)
        if isinstance(paging, Reply):
            return paging
        name = req.query.get("datasetName")
        version = req.query.get("version")
        if version is not None:
            if not name:
                return invalid(["version: requires datasetName"])
            if parse_rfc3339(version) is None:
                return invalid(["version: must be an RFC 3339 date-time, got '%s'" % version])
        if name and name not in self.datasets:
            return Reply(404, {"message": "Dataset not found"})
        names = [name] if name else list(self.datasets)
        rows = []
        for n in names:
            if version is None:
                candidates = self.items[n].values()
            else:
                at = parse_rfc3339(version)
                candidates = []
                for versions in self.history[n].values():
                    seen = [v for v in versions if parse_rfc3339(v["updatedAt"]) <= at]
                    if seen and not seen[-1].get("deleted"):
                        candidates.append(seen[-1])
            rows += [dict(i) for i in candidates if i["status"] == "ACTIVE"]
        rows.sort(key=lambda i: (i["createdAt"], i["id"]))
        return Reply(200, self.paginate(rows, *paging))

    def get_item(self, req):
        owner = self.item_owner.get(req.segments[3])
        if owner is None:
            return Reply(404, {"message": "Dataset item not found"})
        return Reply(200, dict(self.items[owner][req.segments[3]]))

    def delete_item(self, req):
        item_id = req.segments[3]
        owner = self.item_owner.pop(item_id, None)
        if owner is None:
            return Reply(404, {"message": "Dataset item not found"})
        del self.items[owner][item_id]
        self.history[owner][item_id].append({"id": item_id, "deleted": True,
                                             "updatedAt": self.now()})
        for run in self.runs.get(owner, {}).values():
            run["datasetRunItems"] = [ri for ri in run["datasetRunItems"]
                                      if ri["datasetItemId"] != item_id]
        return Reply(200, {"message": "Dataset item successfully deleted"})

    def create_run_item(self, req):
        b = req.body
        owner = self.item_owner.get(b["datasetItemId"])
        if owner is None:
            return Reply(404, {"message": "Dataset item not found"})
        ds = self.datasets[owner]
        now = self.now()
        trace_id = b.get("traceId")
        if not trace_id:
            trace_id = self.observations.get(b.get("observationId"), {}).get("traceId") or ""
        self.counters["run_item_requests"] += 1
        if self.api == "v4":
            # Langfuse v4 (events_only) writes nothing and answers with the stable id.
            run_id, run_name = stable_experiment_id(ds["id"], b["runName"]), b["runName"]
        else:
            runs = self.runs.setdefault(owner, {})
            run = runs.get(b["runName"])
            if run is None:
                run = {"id": self.next_id("run"), "name": b["runName"],
                       "description": b.get("runDescription"), "metadata": b.get("metadata"),
                       "datasetId": ds["id"], "datasetName": owner, "createdAt": now,
                       "updatedAt": now, "datasetRunItems": []}
                runs[b["runName"]] = run
            else:
                if b.get("runDescription") is not None:
                    run["description"] = b["runDescription"]
                if b.get("metadata") is not None:
                    run["metadata"] = b["metadata"]
                run["updatedAt"] = now
            run_id, run_name = run["id"], run["name"]
        item = {"id": self.next_id("ri"), "datasetRunId": run_id, "datasetRunName": run_name,
                "datasetItemId": b["datasetItemId"], "traceId": trace_id,
                "observationId": b.get("observationId"), "createdAt": b.get("createdAt") or now,
                "updatedAt": now}
        if self.api == "v3":
            run["datasetRunItems"].append(item)
        self.run_item_log.append({"body": b, "datasetRunId": run_id})
        return Reply(200, dict(item))

    def get_run(self, req):
        name, run_name = req.segments[3], req.segments[5]
        if name not in self.datasets:
            return Reply(404, {"message": "Dataset not found"})
        run = self.runs.get(name, {}).get(run_name)
        if run is None:
            return Reply(404, {"message": "Dataset run not found"})
        return Reply(200, json.loads(json.dumps(run)))

    def upsert_score(self, body):
        score = dict(body)
        score["id"] = body.get("id") or str(uuid.uuid4())
        created = score["id"] not in self.scores
        self.counters["score_creates" if created else "score_updates"] += 1
        self.scores[score["id"]] = score
        return score["id"]

    def create_score(self, req):
        return Reply(200, {"id": self.upsert_score(req.body)})

    def ingestion(self, req):
        successes, errors = [], []
        batch = req.body["batch"]
        self.counters["ingestion_events"] += len(batch)
        for i, ev in enumerate(batch):
            kind, body = ev["type"], ev.get("body") or {}
            ee = req.event_errors
            if ee is not None and (i + 1) % ee["every"] == 0:
                errors.append({"id": ev["id"], "status": ee.get("status", 400),
                               "message": ee.get("message", "mock fault: event error")})
                continue
            if self.api == "v4" and kind not in V4_EVENT_TYPES:
                errors.append({"id": ev["id"], "status": 400,
                               "message": "This endpoint only accepts score and log events"})
                continue
            if kind == "score-create":
                self.upsert_score(body)
            elif kind == "trace-create":
                self.merge(self.traces, body, {})
            elif kind in OBSERVATION_TYPES or kind.startswith("observation-"):
                extra = {"type": OBSERVATION_TYPES[kind]} if kind in OBSERVATION_TYPES else {}
                self.merge(self.observations, body, extra)
            successes.append({"id": ev["id"], "status": 201})
        self.counters["ingestion_errors"] += len(errors)
        return Reply(207, {"successes": successes, "errors": errors})

    @staticmethod
    def merge(store, body, extra):
        # Langfuse upserts on body.id: fields sent later win, fields left out stay.
        entity_id = body.get("id") or str(uuid.uuid4())
        entity = store.setdefault(entity_id, {"id": entity_id})
        entity.update({k: v for k, v in body.items() if v is not None})
        entity.update(extra)

    def otel_precheck(self, req):
        ctype = req.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return Reply(415, {"message": "unsupported content type '%s': the mock takes OTLP/JSON "
                                          "(application/json) only" % ctype})
        version = req.headers.get("x-langfuse-ingestion-version")
        if version is None:
            req.warnings.append("missing header 'x-langfuse-ingestion-version: 4'")
        elif version.strip() != "4":
            req.warnings.append("header 'x-langfuse-ingestion-version' is '%s', expected '4'"
                                % version)
        return None

    def otel_traces(self, req):
        self.counters["otel_requests"] += 1
        for r, rs in enumerate(req.body.get("resourceSpans", [])):
            for s, ss in enumerate(rs.get("scopeSpans", [])):
                for n, span in enumerate(ss.get("spans", [])):
                    key = "%s/%s" % (span["traceId"].lower(), span["spanId"].lower())
                    if key in self.spans:
                        self.counters["span_duplicates"] += 1
                    else:
                        self.spans[key] = span
                    if not span.get("parentSpanId"):
                        where = "$.resourceSpans[%d].scopeSpans[%d].spans[%d]" % (r, s, n)
                        req.warnings += self.root_span_warnings(span, where)
        return Reply(200, {})

    @staticmethod
    def root_span_warnings(span, where):
        attrs = span_attributes(span)
        out = []
        for key in ("langfuse.experiment.id", "langfuse.observation.input",
                    "langfuse.observation.output"):
            if key not in attrs:
                out.append("%s: root span lacks attribute '%s'" % (where, key))
        root = attrs.get("langfuse.experiment.item.root_observation_id")
        if root is None or str(root).lower() != span["spanId"].lower():
            out.append("%s: root span's 'langfuse.experiment.item.root_observation_id' is %s, "
                       "not its spanId '%s'" % (where, compact(root), span["spanId"]))
        return out

    def experiment_items(self, req):
        from_text = req.query.get("fromStartTime")
        if not from_text or parse_rfc3339(from_text) is None:
            return invalid(["fromStartTime: required, an RFC 3339 date-time"])
        limit_text = req.query.get("limit", "50")
        try:
            limit = int(limit_text)
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return invalid(["limit: must be an integer from 1 to 100, got '%s'" % limit_text])
        offset = 0
        if req.query.get("cursor"):
            try:
                offset = int(base64.urlsafe_b64decode(req.query["cursor"].encode()).decode()[7:])
            except (ValueError, binascii.Error, UnicodeDecodeError):
                return invalid(["cursor: not a cursor this server gave out"])
        since_ns = parse_rfc3339(from_text) * 1000
        want = req.query.get("experimentId")
        rows = []
        for span in self.spans.values():
            attrs = span_attributes(span)
            exp = attrs.get("langfuse.experiment.id")
            if span.get("parentSpanId") or exp is None or (want is not None and exp != want):
                continue
            start = int(span["startTimeUnixNano"])
            if start < since_ns:
                continue
            rows.append((start, span["spanId"], {
                "id": span["spanId"], "traceId": span["traceId"], "experimentId": exp,
                "experimentItemId": attrs.get("langfuse.experiment.item.id"),
                "startTime": format_ms(start // 1_000_000)}))
        rows.sort(key=lambda r: r[:2])
        page = [r[2] for r in rows[offset:offset + limit]]
        cursor = None
        if offset + limit < len(rows):
            cursor = base64.urlsafe_b64encode(("offset:%d" % (offset + limit)).encode()).decode()
        return Reply(200, {"data": page, "meta": {"cursor": cursor}})

    # ---- mock-only routes -------------------------------------------------------------

    def mock_route(self, req):
        target = (req.method, "/".join(req.segments[1:]))
        if target == ("GET", "state"):
            return Reply(200, self.state())
        if target == ("GET", "max_body"):
            # {path: the largest request body it received, in bytes}
            return Reply(200, dict(self.max_body))
        if target == ("POST", "reset"):
            self.reset()
            return Reply(200, {})
        if target == ("POST", "faults"):
            try:
                self.initial_faults = check_faults(req.body, "faults")
            except ValueError as e:
                return Reply(400, {"message": str(e)})
            self.faults = [dict(f) for f in self.initial_faults]
            return Reply(200, {})
        return Reply(404, {"message": "not found"})

    def state(self):
        datasets = {}
        for name, ds in self.datasets.items():
            datasets[name] = dict(ds, items=self.items[name], history=self.history[name])
        c = self.counters
        out = {"api": self.api, "datasets": datasets, "runs": self.runs,
               "run_item_log": self.run_item_log, "traces": self.traces,
               "observations": self.observations, "spans": self.spans, "scores": self.scores,
               "faults": [{"rule": f["rule"], "used": f["used"]} for f in self.faults]}
        for key in ("run_item_requests", "span_duplicates", "score_creates", "score_updates",
                    "ingestion_events", "ingestion_errors", "otel_requests", "requests",
                    "violations", "warnings"):
            out[key] = c[key]
        return json.loads(json.dumps(out))

    def write_log(self, req, reply):
        self.counters["warnings"] += len(req.warnings)
        if self.log is None:
            return
        headers = {k: v for k, v in req.headers.items() if k != "authorization"}
        entry = {"method": req.method, "path": req.path, "query": req.query,
                 "status": reply.status, "auth": req.auth, "headers": headers, "body": req.body,
                 "violations": req.violations, "warnings": req.warnings, "fault": req.fault}
        self.log.write(compact(entry) + "\n")
        self.log.flush()


class BodyTooLarge(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mocklangfuse"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > BODY_LIMIT:
                    raise BodyTooLarge()
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            raw = b"".join(chunks)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            if length > BODY_LIMIT:
                raise BodyTooLarge()
            raw = self.rfile.read(length) if length > 0 else b""
        if raw and self.headers.get("Content-Encoding", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        return raw

    def dispatch(self, method):
        mock = self.server.mock
        try:
            raw = self.read_body()
        except BodyTooLarge:
            self.close_connection = True
            self.send_json(Reply(413, {"message": "request body exceeds %d bytes" % BODY_LIMIT}))
            return
        except (ValueError, OSError, EOFError) as e:
            self.close_connection = True
            self.send_json(Reply(400, {"message": "cannot read the request body: %s" % e}))
            return
        req = Request(method, self.path, self.headers, raw)
        with mock.lock:
            try:
                reply = mock.handle(req)
            except Exception as e:  # a bug in the mock must show, not hang the client
                import traceback
                traceback.print_exc()
                reply = Reply(500, {"message": "mock internal error: %r" % e})
            if req.segments[:1] != ["_mock"]:
                mock.write_log(req, reply)
        if reply.close:
            self.close_connection = True
            return
        self.send_json(reply)

    def send_json(self, reply):
        data = compact(reply.body).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in reply.headers.items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def parse_args(argv):
    p = argparse.ArgumentParser(prog=PROG, description="A mock Langfuse server for pawl's tests.")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--api", choices=("v3", "v4"), default="v4")
    p.add_argument("--public-key", default="pk-lf-test")
    p.add_argument("--secret-key", default="sk-lf-test")
    p.add_argument("--log")
    p.add_argument("--faults")
    p.add_argument("--version")
    p.add_argument("--strict", action="store_true")
    args = p.parse_args(argv)
    if not 0 <= args.port <= 65535:
        p.error("invalid port '%d': expected 0..65535" % args.port)
    if args.version is None:
        args.version = DEFAULT_VERSION[args.api]
    return args


def main(argv):
    args = parse_args(argv)
    try:
        schemas = load_schemas()
        faults = load_faults(args.faults) if args.faults else []
        log = open(args.log, "a", encoding="utf-8") if args.log else None
    except ValueError as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        return 2
    except OSError as e:
        print("%s: cannot open '%s': %s" % (PROG, e.filename, e.strerror), file=sys.stderr)
        return 2
    try:
        server = Server(("127.0.0.1", args.port), Handler)
    except OSError as e:
        print("%s: cannot listen on 127.0.0.1:%d: %s" % (PROG, args.port, e.strerror),
              file=sys.stderr)
        return 1
    server.mock = Mock(args, schemas, faults, log)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    sys.stdout.write("%d\n" % server.server_address[1])
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    if log is not None:
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
