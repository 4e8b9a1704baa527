#!/usr/bin/python3
"""A second JUnit consumer for pawl's reports, independent of the C code.

Loads a JUnit XML file with junitparser (Debian's python3-junitparser),
counts testcases and their results, and prints
    tests=N failures=N errors=N skipped=N
from the testcases themselves. Exits 1 when any suite's count attributes
differ from its testcases, when the root's differ from the sums over its
suites, or when (suite, classname, name) repeats: the checks GitLab and
Jenkins apply before they trust a report.
"""
import sys

from junitparser import Error, Failure, JUnitXml, Skipped, TestSuite

KEYS = ("tests", "failures", "errors", "skipped")


def attr_counts(elem):
    """The count attributes as written, without junitparser filling gaps."""
    out = {}
    for key in KEYS:
        raw = elem._elem.get(key)
        if raw is None:
            raise ValueError(f"<{elem._elem.tag}> has no '{key}' attribute")
        out[key] = int(raw)
    return out


def suite_counts(suite, seen, problems):
    got = dict.fromkeys(KEYS, 0)
    for case in suite:
        got["tests"] += 1
        kinds = {type(r) for r in case.result}
        if Error in kinds:
            got["errors"] += 1
        elif Failure in kinds:
            got["failures"] += 1
        elif Skipped in kinds:
            got["skipped"] += 1
        key = (suite.name, case.classname, case.name)
        if key in seen:
            problems.append(f"duplicate testcase {key!r}")
        seen.add(key)
    want = attr_counts(suite)
    if want != got:
        problems.append(f"suite {suite.name!r}: attributes {want} but testcases {got}")
    return got


def main(argv):
    if len(argv) != 2:
        print("usage: junit_consumer.py FILE", file=sys.stderr)
        return 2
    xml = JUnitXml.fromfile(argv[1])
    suites = [xml] if isinstance(xml, TestSuite) else list(xml)
    problems, seen = [], set()
    total = dict.fromkeys(KEYS, 0)
    for suite in suites:
        got = suite_counts(suite, seen, problems)
        for key in KEYS:
            total[key] += got[key]
    if not isinstance(xml, TestSuite):
        root = attr_counts(xml)
        if root != total:
            problems.append(f"root: attributes {root} but suites sum to {total}")
    print(" ".join(f"{k}={total[k]}" for k in KEYS))
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
