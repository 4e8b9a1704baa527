#!/usr/bin/python3
"""Reads the mock LLM server's --log file (one JSON object per request).

  mocklog.py count LOG [TEXT]      requests, or those whose body mentions TEXT
  mocklog.py schema LOG SCHEMA     validates every request body (draft 2020-12);
                                   prints "ok N" or the first violation
  mocklog.py get LOG INDEX EXPR    evaluates EXPR with `r` bound to request INDEX
"""
import json
import sys


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def mentions(req, text):
    body = req.get("body")
    return text in (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False))


def main(argv):
    cmd, log = argv[1], load(argv[2])
    if cmd == "count":
        print(sum(1 for r in log if len(argv) < 4 or mentions(r, argv[3])))
    elif cmd == "schema":
        from jsonschema import Draft202012Validator
        with open(argv[3], encoding="utf-8") as f:
            validator = Draft202012Validator(json.load(f))
        for i, r in enumerate(log):
            errors = sorted(validator.iter_errors(r["body"]), key=lambda e: list(e.path))
            if errors:
                e = errors[0]
                print("request %d: %s at /%s" % (i + 1, e.message, "/".join(map(str, e.path))))
                return 1
        print("ok %d" % len(log))
    elif cmd == "get":
        r = log[int(argv[3])]
        value = eval(argv[4], {"json": json, "r": r})  # test-authored expressions only
        print(value if isinstance(value, str) else json.dumps(value, sort_keys=True))
    else:
        print("unknown command " + cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
