#!/usr/bin/env python3
"""Network sessions: do rules and models together beat either alone? (issue 4's target)

Why this exists: goshawk decides from every finding an event gets (the anomaly model's calibrated
score and the IoC rule hits), combined by the decision policy (docs/policy.md). This script
measures the model alone, the rules alone and the combined verdict on held-out rows nothing was
tuned on, and cross-checks the combined figure with the independent ../shared/tools/metrics.py.

Split: the IoC pack's own split (bench/ioc_quality.py `split_rows`: stratified, seeded 60/20/20
train / calibration / test), so the rules' percentile thresholds and levels (set on TRAIN), the
model (trained on TRAIN, its threshold calibrated on a slice of TRAIN) and any policy choice (made on
CALIBRATION) never see the TEST rows that are reported.

What is compared on TEST (and shown on CALIBRATION for reference):
- model alone   `goshawk scan --model M --rules none`: the model's verdict;
- rules alone   the policy applied to the rule findings only (noisy-OR of the rules' level
                weights >= the threat threshold), and "any rule hit" (the eight indicators OR-ed);
- combined      `goshawk scan --model M` (shipped packs + model, default policy): its verdict.

    python3 bench/sessions_decision.py [--seed 20261122] [--algorithm auto|iforest|...] [--json FILE]

Needs ../shared/data and a release build (built if missing).
"""

import argparse
import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "sessions_decision"
METRICS = ROOT.parent / "shared" / "tools" / "metrics.py"
LABEL = "attack_detected"


def load_ioc_module():
    spec = importlib.util.spec_from_file_location("ioc_quality", ROOT / "bench" / "ioc_quality.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, **kw)


def write_part(rows, split, part, fieldnames):
    path = OUT / f"{part}.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fieldnames)
        w.writeheader()
        w.writerows(r for r, s in zip(rows, split) if s == part)
    return path


def f1_stats(pred, truth):
    tp = sum(p and t for p, t in zip(pred, truth))
    fp = sum(p and not t for p, t in zip(pred, truth))
    fn = sum(t and not p for p, t in zip(pred, truth))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def scan(binary, model, data, rules, out, policy=None):
    cmd = [binary, "scan", "--model", str(model), "--rules", rules, str(data)]
    if policy:
        cmd += ["--policy", str(policy)]
    with open(out, "w") as f:
        run(cmd, stdout=f, stderr=subprocess.DEVNULL)
    return [json.loads(line) for line in open(out)]


def fit_rule_weights(lines, truth):
    """Per-rule weight = how often the rule's hit is an attack when the model alone says normal
    (Laplace-smoothed): what the rule adds beyond the model, measured on CALIBRATION rows."""
    counts = {}
    for line, t in zip(lines, truth):
        model = [f["score"] for f in line["findings"] if not f.get("rule_id")]
        if model and model[0] >= 0.5:
            continue
        for f in line["findings"]:
            if f.get("rule_id"):
                hits, attacks = counts.get(f["rule_id"], (0, 0))
                counts[f["rule_id"]] = (hits + 1, attacks + t)
    return {rule: (attacks + 1) / (hits + 2) for rule, (hits, attacks) in counts.items()}


def write_policy(weights, path):
    lines = ["# Rule weights fitted on the CALIBRATION rows by bench/sessions_decision.py", "[rule_weights]"]
    lines += [f'"{rule}" = {w:.4f}' for rule, w in sorted(weights.items())]
    path.write_text("\n".join(lines) + "\n")


def noisy_or(scores):
    p = 1.0
    for s in scores:
        p *= 1.0 - s
    return 1.0 - p


def figures(lines_model, lines_combined, truth):
    model_pred = [l.get("verdict") == "attack" for l in lines_model]
    combined_pred = [l.get("verdict") == "attack" for l in lines_combined]
    rule_scores = [[f["score"] for f in l.get("findings", []) if f.get("rule_id")] for l in lines_combined]
    rules_policy = [noisy_or(s) >= 0.5 for s in rule_scores]
    any_rule = [bool(s) for s in rule_scores]
    return {
        "model alone": f1_stats(model_pred, truth),
        "rules alone (policy)": f1_stats(rules_policy, truth),
        "any rule hit (8 OR-ed)": f1_stats(any_rule, truth),
        "rules + model (goshawk verdict)": f1_stats(combined_pred, truth),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--algorithm", default="auto")
    ap.add_argument("--json")
    args = ap.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    binary = ROOT / "target" / "release" / "goshawk"
    run(["cargo", "build", "--release", "-q", "-p", "goshawk"], cwd=ROOT)

    ioc = load_ioc_module()
    rows = ioc.read_sessions()
    split = ioc.split_rows(rows, args.seed)
    fieldnames = list(rows[0].keys())
    parts = {p: write_part(rows, split, p, fieldnames) for p in ("train", "calibration", "test")}

    model = OUT / f"sessions-{args.algorithm}.gsk"
    run([binary, "train", "sessions", "--out", str(model), "--input", str(parts["train"]),
         "--algorithm", args.algorithm, "--seed", "42"], stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)

    report = {"seed": args.seed, "algorithm": args.algorithm}
    policy = OUT / "policy-fitted.toml"
    for part in ("calibration", "test"):
        truth = [r[LABEL] == "1" for r, s in zip(rows, split) if s == part]
        lines_model = scan(binary, model, parts[part], "none", OUT / f"{part}_model.jsonl")
        lines_combined = scan(binary, model, parts[part], "builtin", OUT / f"{part}_combined.jsonl")
        assert len(lines_model) == len(truth) == len(lines_combined), "one line per row"
        if part == "calibration":
            write_policy(fit_rule_weights(lines_combined, truth), policy)
        fitted = scan(binary, model, parts[part], "builtin", OUT / f"{part}_fitted.jsonl", policy)
        report[part] = figures(lines_model, lines_combined, truth)
        report[part]["rules + model (weights fitted on calibration)"] = f1_stats(
            [l.get("verdict") == "attack" for l in fitted], truth)
        labels = OUT / f"{part}_labels.txt"
        labels.write_text("".join("1\n" if t else "0\n" for t in truth))
        if METRICS.exists():
            out = subprocess.run([sys.executable, str(METRICS), "--pred", str(OUT / f"{part}_combined.jsonl"),
                                  "--labels", str(labels), "--json"], capture_output=True, text=True)
            if out.returncode == 0:
                report[part]["metrics.py (combined)"] = json.loads(out.stdout)

    for part in ("calibration", "test"):
        print(f"\n{part.upper()} ({sum(1 for s in split if s == part)} rows, {args.algorithm} model)")
        print(f"  {'':48} {'precision':>9} {'recall':>7} {'F1':>7}")
        for name, m in report[part].items():
            if name.startswith("metrics.py"):
                continue
            print(f"  {name:48} {m['precision']:9.3f} {m['recall']:7.3f} {m['f1']:7.3f}")
        if "metrics.py (combined)" in report[part]:
            m = report[part]["metrics.py (combined)"]
            print(f"  metrics.py on the combined output: {json.dumps({k: m[k] for k in m if k in ('precision', 'recall', 'f1', 'roc_auc')})}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
