"""Checks a pawl HTML report with a strict HTML5 parser (html5lib, as browsers parse).

usage: html_check.py REPORT.html [RESULTS.json]

Fails (exit 1, reason on stderr) when the page has any parse error, when it holds
an element or attribute pawl never writes (script, img, link, iframe, event handler
attributes, URLs, ids other than pawl's own), or, given the results file the page
was rendered from, when a case's id or output does not come out of the parser as
exactly the text pawl was given (after the documented replacements). Prints
"cases=N outputs=M" on success.
"""
import json
import re
import sys

import html5lib

FIELD_CHARS = 2000
ID_CHARS = 200
ALLOWED_IDS = re.compile(r"^(case-[0-9]+|f-(all|broken|fixed|flaky|failing|errored|passing)|"
                         r"gate|metrics|scores|latency|cases)$")
FORBIDDEN_TAGS = {"script", "img", "link", "iframe", "object", "embed", "textarea", "form",
                  "base", "a", "video", "audio", "source", "foreignObject", "image", "use"}


def sanitize(s):
    """What pawl_html_escape() promises a parser gives back for the text `s`."""
    out = []
    for i, c in enumerate(s):
        cp = ord(c)
        if c == "\r":
            out.append("" if s[i + 1:i + 2] == "\n" else "\n")
        elif (cp < 0x20 and c not in "\t\n") or 0x7F <= cp <= 0x9F or \
                0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE:
            out.append("\ufffd")
        else:
            out.append(c)
    return "".join(out)


def cut(s, n, ellipsis):
    return s if len(s) <= n else s[:n] + ("\u2026" if ellipsis else "")


def local(tag):
    return tag.rsplit("}", 1)[-1]


def text(el):
    return "".join(el.itertext())


def main():
    errors = []
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    with open(sys.argv[1], "rb") as f:
        try:
            doc = parser.parse(f)
        except html5lib.html5parser.ParseError as e:
            print("parse error: %s at %s" % (e, parser.errors[-1][0] if parser.errors else "?"),
                  file=sys.stderr)
            return 1
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        tag = local(el.tag)
        if tag in FORBIDDEN_TAGS:
            errors.append("forbidden element <%s>" % tag)
        for name, value in el.attrib.items():
            name = local(name)
            if name.lower().startswith("on") or name in ("href", "src", "srcdoc", "action"):
                errors.append("forbidden attribute %s=%r on <%s>" % (name, value, tag))
            if name == "id" and not ALLOWED_IDS.match(value):
                errors.append("unexpected id %r on <%s>" % (value, tag))
    if sum(1 for el in doc.iter() if isinstance(el.tag, str) and local(el.tag) == "style") != 1:
        errors.append("the page must have exactly one <style>")

    n_cases = n_outputs = 0
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            results = json.load(f)
        for det in doc.iter("details"):
            m = re.match(r"case-([0-9]+)$", det.get("id", ""))
            if not m:
                continue
            case = results["cases"][int(m.group(1)) - 1]
            n_cases += 1
            ids = [s for s in det.iter("span") if s.get("class") == "id"]
            want = cut(sanitize(case["id"]), ID_CHARS, True)
            if len(ids) != 1 or text(ids[0]) != want:
                errors.append("case %s: id %r, want %r" % (m.group(1), [text(s) for s in ids], want))
            # The candidate's outputs are in the trials; a baseline's comes before them.
            outs = [p for d in det.iter("div") if d.get("class") == "trial"
                    for p in d.iter("pre") if p.get("class") == "out"]
            trials = [t for t in case["trials"] if t.get("output") is not None]
            if outs and trials:
                want = cut(sanitize(trials[0]["output"]), FIELD_CHARS, False)
                if text(outs[0]) != want:
                    errors.append("case %s: output %r, want %r" % (m.group(1), text(outs[0]), want))
                n_outputs += 1
    for e in errors[:20]:
        print(e, file=sys.stderr)
    if errors:
        return 1
    print("cases=%d outputs=%d" % (n_cases, n_outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
