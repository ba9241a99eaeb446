#!/usr/bin/env python3
"""Quality figures of the web detector (issue 2), reproducible in one command.

1. CSIC 2010 protocol: `goshawk train web` on normalTrafficTraining + the training halves of the
   shared test files (bench/csic_split.py), `goshawk evaluate` on the held-out halves; the same
   scored with ../shared/tools/metrics.py from `goshawk scan` output as a cross-check. Also the
   one-class mode (normal traffic only).
2. The built-in model on attacks it never saw (held-out payload lists, bench/web_data.py) and on
   ordinary parameter values, both as `GET /search?q=...`.
3. Evasion: the same unseen attacks re-encoded, detection relative to the plain form.

usage: bench/web_quality.py [--goshawk target/release/goshawk] [--model models/web-default.gsk]
Needs ../shared/data (run bench/csic_split.py and bench/web_data.py first, or
scripts/train-builtin-model, which runs both).
"""
import argparse
import collections
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "..", "shared", "data")
METRICS = os.path.join(ROOT, "..", "shared", "tools", "metrics.py")


def run(cmd, **kw):
    print("$ " + " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def scan(g, model, *paths):
    out = run([g, "scan", "--model", model, "--format", "lines", *paths])
    return [json.loads(line) for line in out.splitlines()]


def evaluate(g, model, normal, attack):
    out = run([g, "evaluate", "--model", model, "--json", "--normal", normal, "--attack", attack])
    m = json.loads(out)["models"][0]
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--goshawk", default=os.path.join(ROOT, "target", "release", "goshawk"))
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "web-default.gsk"))
    args = ap.parse_args()
    g = args.goshawk
    csic = os.path.join(HERE, "out", "csic")
    web = os.path.join(HERE, "out", "web")
    tmp = os.path.join(HERE, "out", "quality")
    os.makedirs(tmp, exist_ok=True)
    results = {}

    # 1. CSIC
    train = ["--normal", os.path.join(DATA, "csic2010", "normalTrafficTraining.txt.gz")]
    for mode, extra in (("supervised", ["--normal", f"{csic}/train_normal.txt", "--attack", f"{csic}/train_attack.txt"]),
                        ("one-class", ["--one-class"])):
        model = os.path.join(tmp, f"csic-{mode}.gsk")
        run([g, "train", "web", "--out", model, *train, *extra])
        m = evaluate(g, model, f"{csic}/test_normal.txt", f"{csic}/test_attack.txt")
        out = run([g, "scan", "--model", model, f"{csic}/test_normal.txt", f"{csic}/test_attack.txt"])
        pred = os.path.join(tmp, f"csic-{mode}.jsonl")
        open(pred, "w").write(out)
        cross = json.loads(run([sys.executable, METRICS, "--pred", pred, "--labels", f"{csic}/test_labels.txt", "--json"]))
        results[f"csic_{mode}"] = {"goshawk": m["at_threshold"] if "at_threshold" in m else m, "metrics_py": cross}

    # 2. unseen attacks and benign values with the built-in model
    attacks = scan(g, args.model, f"{web}/unseen_attacks.txt")
    types = open(f"{web}/unseen_attacks.types.txt").read().split()
    benign = scan(g, args.model, f"{web}/unseen_benign.txt")
    kinds = open(f"{web}/unseen_benign.kinds.txt").read().split()
    by_type = collections.defaultdict(lambda: [0, 0])
    for v, t in zip(attacks, types):
        by_type[t][0] += v.get("verdict") == "attack"
        by_type[t][1] += 1
    by_kind = collections.defaultdict(lambda: [0, 0])
    for v, k in zip(benign, kinds):
        by_kind[k][0] += v.get("verdict") == "attack"
        by_kind[k][1] += 1
    plain_rate = sum(v.get("verdict") == "attack" for v in attacks) / len(attacks)
    fp_rate = sum(v.get("verdict") == "attack" for v in benign) / len(benign)
    results["unseen"] = {
        "attacks": len(attacks), "detected": plain_rate,
        "by_type": {t: {"detected": a / n, "rows": n} for t, (a, n) in sorted(by_type.items())},
        "benign": len(benign), "false_positive_rate": fp_rate,
        "by_kind": {k: {"flagged": a / n, "rows": n} for k, (a, n) in sorted(by_kind.items())},
    }

    # 3. evasion
    ev = {}
    for form in ("double-pct", "mixed-case", "sql-comments", "html-entities", "pct-u"):
        vs = scan(g, args.model, f"{web}/evasion_{form}.txt")
        rate = sum(v.get("verdict") == "attack" for v in vs) / len(vs)
        ev[form] = {"detected": rate, "relative_to_plain": rate / plain_rate}
    results["evasion"] = ev
    json.dump(results, open(os.path.join(tmp, "web_quality.json"), "w"), indent=2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
