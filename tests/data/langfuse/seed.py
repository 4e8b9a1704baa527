#!/usr/bin/python3
"""Seeds the mock Langfuse server for test_langfuse_dataset.sh, or changes it.

    seed.py URL base      dataset 'prod/qa': 255 items in a shuffled order, 5 of them
                          archived, so 250 are active: nested keys out of order, UTF-8,
                          source trace and observation ids, metadata that is no object,
                          items without an expected output or metadata
    seed.py URL change    item-001 gets a new expected output, item-002 is archived,
                          item-new is added
    seed.py URL now       prints the mock's clock as RFC 3339 (what --version takes)
"""
import base64
import datetime
import json
import random
import sys
import time
import urllib.request

URL, WHAT = sys.argv[1], sys.argv[2]
AUTH = "Basic " + base64.b64encode(b"pk-lf-test:sk-lf-test").decode()
NAME = "prod/qa"


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method,
                                 headers={"Authorization": AUTH,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def item(i):
    body = {"datasetName": NAME, "id": "item-%03d" % i,
            "input": {"question": "Quelle est la capitale n°%d ? \u00e9\u20ac\U0001F600" % i,
                      "context": {"z": i, "a": [i, i / 4, None, True]}}}
    if i % 3:
        body["expectedOutput"] = "answer %d" % i if i % 2 else {"value": i, "unit": "km"}
    if i % 5 == 0:
        body["metadata"] = {"team": "support", "severity": ["low", "high"][i % 2], "n": i}
    elif i % 7 == 0:
        body["metadata"] = "note %d" % i
    if i % 11 == 0:
        body["sourceTraceId"] = "trace-%d" % i
        if i % 22 == 0:
            body["sourceObservationId"] = "obs-%d" % i
    return body


if WHAT == "base":
    call("POST", "/api/public/v2/datasets", {"name": NAME, "description": "seeded"})
    order = list(range(255))
    random.Random(8).shuffle(order)
    for i in order:
        call("POST", "/api/public/dataset-items", item(i))
    for i in (250, 251, 252, 253, 254):
        call("POST", "/api/public/dataset-items", dict(item(i), status="ARCHIVED"))
elif WHAT == "change":
    call("POST", "/api/public/dataset-items", dict(item(1), expectedOutput="changed"))
    call("POST", "/api/public/dataset-items", dict(item(2), status="ARCHIVED"))
    call("POST", "/api/public/dataset-items",
         {"datasetName": NAME, "id": "item-new", "input": "added later"})
elif WHAT == "now":
    time.sleep(0.05)
    now = datetime.datetime.now(datetime.timezone.utc)
    print(now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000))
    time.sleep(0.05)
else:
    sys.exit("unknown command " + WHAT)
