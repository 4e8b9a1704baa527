#!/usr/bin/python3
"""Independent computation of pawl's judge-agreement statistics (stdlib only).

    reference.py check worked.json     recompute every expected number in the file
                                       from its inputs; exit 1 on a difference
    reference.py write worked.json     fill in the expected numbers (after editing inputs)
    reference.py results RESULTS.json  the agreement of every labelled scorer of a results
                                       file, paired from the cases, as JSON

The formulas are written from the textbooks, not from src/agreement.c:
Wilson (1927); Cohen's kappa with the large-sample variance of Fleiss, Cohen &
Everitt (1969) in their original form (denominator n (1 - p_e)^4); Spearman's
rho as Pearson's r of average ranks, with Fisher's z and SE 1.06 / sqrt(n - 3)
(Fieller, Hartley & Pearson 1957).
"""
import json
import math
import statistics
import sys

TOL = 1e-12


def z_of(confidence):
    return statistics.NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def wilson(k, n, confidence):
    if n == 0:
        return None, None
    z = z_of(confidence)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return p, [max(0.0, centre - half), min(1.0, centre + half)]


def kappa(table, confidence):
    k = len(table)
    n = sum(sum(row) for row in table)
    if n == 0:
        return None, None
    p = [[c / n for c in row] for row in table]
    rows = [sum(p[i]) for i in range(k)]
    cols = [sum(p[i][j] for i in range(k)) for j in range(k)]
    po = sum(p[i][i] for i in range(k))
    # p_e = 1 exactly when one category holds every pair on both sides
    if sum(sum(table[i]) * sum(table[r][i] for r in range(k)) for i in range(k)) == n * n:
        return None, None
    pe = sum(rows[i] * cols[i] for i in range(k))
    kap = (po - pe) / (1 - pe)
    diag = sum(p[i][i] * ((1 - pe) - (cols[i] + rows[i]) * (1 - po)) ** 2 for i in range(k))
    off = (1 - po) ** 2 * sum(p[i][j] * (cols[i] + rows[j]) ** 2
                              for i in range(k) for j in range(k) if i != j)
    last = (po * pe - 2 * pe + po) ** 2
    var = (diag + off - last) / (n * (1 - pe) ** 4)
    half = z_of(confidence) * math.sqrt(max(var, 0.0))
    return kap, [max(-1.0, kap - half), min(1.0, kap + half)]


def mae(judge, label, confidence):
    n = len(judge)
    if n == 0:
        return None, None
    d = [abs(a - b) for a, b in zip(judge, label)]
    m = sum(d) / n
    if n < 2:
        return m, None
    half = z_of(confidence) * statistics.stdev(d) / math.sqrt(n)
    return m, [max(0.0, m - half), m + half]


def ranks(x):
    order = sorted(range(len(x)), key=lambda i: x[i])
    out = [0.0] * len(x)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and x[order[j + 1]] == x[order[i]]:
            j += 1
        for t in range(i, j + 1):
            out[order[t]] = (i + 1 + j + 1) / 2
        i = j + 1
    return out


def spearman(judge, label, confidence):
    n = len(judge)
    if n < 2:
        return None, None
    rx, ry = ranks(judge), ranks(label)
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None, None
    r = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    if n < 4:
        return r, None
    if abs(r) == 1:
        return r, [r, r]
    half = z_of(confidence) * 1.06 / math.sqrt(n - 3)
    return r, [math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half)]


def expected(doc):
    """The file with every expected number recomputed from the inputs."""
    c = doc["confidence"]
    for e in doc["kappa"]:
        e["kappa"], e["ci"] = kappa(e["table"], c)
    for e in doc["accuracy"]:
        e["value"], e["ci"] = wilson(e["agree"], e["n"], c)
    for e in doc["numeric"]:
        e["mae"], e["mae_ci"] = mae(e["judge"], e["label"], c)
        e["spearman"], e["spearman_ci"] = spearman(e["judge"], e["label"], c)
    for e in doc["ranks"]:
        e["ranks"] = ranks(e["x"])
    return doc


def differ(a, b, where):
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differ(x, y, f"{where}[{i}]")]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return [] if abs(a - b) <= TOL else [f"{where}: file {a!r}, computed {b!r}"]
    return [] if a == b else [f"{where}: file {a!r}, computed {b!r}"]


# ---- pairing a results file's scores with its labels --------------------------------

def read_label(v):
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, (int, float)):
        return ("num", float(v))
    if isinstance(v, str):
        if v.lower() in ("true", "false"):
            return ("bool", v.lower() == "true")
        try:
            f = float(v)
            if math.isfinite(f):
                return ("num", f)
        except ValueError:
            pass
        return ("cat", v)
    return ("other", v)


def label_of(case, scorer):
    md = case.get("metadata") or {}
    labels = md.get("labels")
    if isinstance(labels, dict) and scorer in labels:
        return read_label(labels[scorer])
    return read_label(md.get("labels." + scorer))


def scorer_verdict(case, scorer, fam):
    scores = []
    for t in case["trials"]:
        s = (t.get("scores") or {}).get(scorer)
        if not s or s.get("errored"):
            continue
        if fam == "cat" and s.get("type") != "CATEGORICAL":
            continue
        scores.append(s)
    if not scores:
        return None
    if fam == "num":
        return sum(s["value"] for s in scores) / len(scores)
    vals = [s["passed"] if fam == "bool" else s["category"].lower() for s in scores]
    best = max(vals, key=lambda v: (vals.count(v), -vals.index(v)))
    return best


def results_agreement(doc, confidence):
    out = {}
    names = []
    for case in doc["cases"]:
        for t in case["trials"]:
            names += [k for k in (t.get("scores") or {}) if k not in names]
    for scorer in names:
        fam, pairs, excluded = None, [], 0
        for case in doc["cases"]:
            lab = label_of(case, scorer)
            if lab is None:
                continue
            if fam is None and lab[0] != "other":
                fam = lab[0]
            v = scorer_verdict(case, scorer, fam) if lab[0] == fam else None
            if v is None:
                excluded += 1
                continue
            pairs.append((v, lab[1].lower() if fam == "cat" else lab[1]))
        if fam is None and not excluded:
            continue
        res = {"n": len(pairs), "excluded": excluded}
        if fam == "num":
            res["mae"] = mae([a for a, _ in pairs], [b for _, b in pairs], confidence)
            res["spearman"] = spearman([a for a, _ in pairs], [b for _, b in pairs], confidence)
        elif pairs:
            cats = sorted({str(v) for p in pairs for v in p})
            table = [[0] * len(cats) for _ in cats]
            for a, b in pairs:
                table[cats.index(str(a))][cats.index(str(b))] += 1
            res["accuracy"] = wilson(sum(a == b for a, b in pairs), len(pairs), confidence)
            res["kappa"] = kappa(table, confidence)
        out[scorer] = res
    return out


def main(argv):
    if len(argv) == 3 and argv[1] in ("check", "write"):
        with open(argv[2]) as f:
            doc = json.load(f)
        if argv[1] == "write":
            with open(argv[2], "w") as f:
                json.dump(expected(doc), f, indent=1)
                f.write("\n")
            return 0
        want = json.loads(json.dumps(doc))
        problems = differ(want, expected(doc), "worked")
        for p in problems:
            print(p)
        print("ok" if not problems else f"{len(problems)} differences")
        return 1 if problems else 0
    if len(argv) in (3, 4) and argv[1] == "results":
        with open(argv[2]) as f:
            doc = json.load(f)
        confidence = float(argv[3]) if len(argv) == 4 else 0.95
        print(json.dumps(results_agreement(doc, confidence), sort_keys=True))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
