#!/usr/bin/env python3
"""Held-out quality of goshawk's anomaly models (sessions, Zeek, IoT), next to scikit-learn.

Nothing here is tuned on the test data: every goshawk model is trained with the command line as a
user would run it, on the training part only, and its threshold is the one `train` calibrated on
its own labelled slice of that training part; the test part is only scored.

- sessions (shared/data/intrusion_sessions): rows split 50/50 (stratified, seeded; 3 seeds);
  `goshawk train sessions` with the default `auto` and with each algorithm; scikit-learn
  IsolationForest (the seed's model) and GradientBoostingClassifier on the same split and the same
  protocol (fit on 80% of the training half, best-F1 threshold on the other 20%).
- Zeek (shared/data/zeek_stratosphere, zeek_iot23): train on captures 008 + 010 (one Windows host
  attacked from the Internet); test on capture 001 (another network, botnet C&C) and on the two
  IoT-23 captures (honeypot + IoT malware, 6 malicious rows of 4,878), separately and together;
  `auto`, then every unsupervised model with `--fit-on normal` and Isolation Forest with
  `--fit-on all`; 5 seeds (seed changes the calibration split and the models' randomness).
- IoT telemetry (shared/data/iot_telemetry): 50/50 split like sessions (expected: chance level).

One result is cross-checked with shared/tools/metrics.py (scan output + a labels file).

    python3 bench/anomaly_quality.py [--goshawk target/release/goshawk] [--json out.json]
"""

import argparse
import csv
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier, IsolationForest
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DATA = SHARED / "data"
METRICS = SHARED / "tools" / "metrics.py"
ZEEK_TRAIN = [
    DATA / "zeek_stratosphere/008-zeek-mixed/data/conn.log.labeled",
    DATA / "zeek_stratosphere/010-zeek-mixed/data/conn.log.labeled",
]
ZEEK_TESTS = {
    "001": [DATA / "zeek_stratosphere/001-zeek-scenario-malicious/labeled-conn.log"],
    "iot23": [
        DATA / "zeek_iot23/CTU-Honeypot-Capture-4-1/bro/conn.log.labeled",
        DATA / "zeek_iot23/CTU-IoT-Malware-Capture-42-1/bro/conn.log.labeled",
    ],
}
ZEEK_TESTS["001+iot23"] = ZEEK_TESTS["001"] + ZEEK_TESTS["iot23"]
NEGATIVE = {"0", "0.0", "false", "normal", "norm", "benign", "background", "good"}


def run(cmd, **kw):
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{result.stderr}")
    return result


def is_attack(raw):
    return raw.strip().lower() not in NEGATIVE


def split_csv(path, label_column, seed, out_dir, name):
    """Stratified 50/50 split of a CSV; returns (train path, test path, test labels)."""
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    label = header.index(label_column)
    rng = random.Random(seed)
    train, test = [], []
    for cls in (True, False):
        members = [r for r in rows if is_attack(r[label]) == cls]
        rng.shuffle(members)
        half = len(members) // 2
        train += members[:half]
        test += members[half:]
    rng.shuffle(train)
    rng.shuffle(test)
    paths = []
    for part, part_rows in (("train", train), ("test", test)):
        p = Path(out_dir) / f"{name}_{part}_{seed}.csv"
        with open(p, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(part_rows)
        paths.append(p)
    return paths[0], paths[1], header, train, test


def goshawk_train(goshawk, kind, model, inputs, *extra):
    out = run([goshawk, "train", kind, "--out", model, "--input", *inputs, *extra])
    return out.stderr


def goshawk_eval(goshawk, model, inputs):
    out = run([goshawk, "evaluate", "--model", model, "--input", *inputs, "--json"])
    report = json.loads(out.stdout)
    m = report["models"][0]
    op = m["operating"]
    return {
        "precision": op["precision"],
        "recall": op["recall"],
        "f1": op["f1"],
        "roc_auc": m["roc_auc"],
        "pr_auc": m["pr_auc"],
        "rows": m["rows"],
        "positives": m["positives"],
    }


def chosen(goshawk, model):
    info = json.loads(run([goshawk, "model", model]).stdout)
    return info["metadata"]["training"]["chosen"]


def sklearn_protocol(model, X, y, seed, score):
    """Fit on 80% of (X, y), best-F1 threshold on the other 20% (stratified)."""
    rng = np.random.default_rng(seed)
    cal = np.zeros(len(y), bool)
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        cal[idx[: round(0.2 * len(idx))]] = True
    fitted = model(X[~cal], y[~cal])
    s = score(fitted, X[cal])
    best = max(np.unique(s), key=lambda t: (f1_score(y[cal], s >= t), t))
    return fitted, best


def metrics(y, s, threshold):
    flag = s >= threshold
    return {
        "precision": precision_score(y, flag, zero_division=0),
        "recall": recall_score(y, flag),
        "f1": f1_score(y, flag),
        "roc_auc": roc_auc_score(y, s),
    }


def session_features(rows, header):
    col = {n: i for i, n in enumerate(header)}
    feats = []
    for r in rows:
        f = [
            float(r[col["network_packet_size"]]),
            float(r[col["login_attempts"]]),
            math.log1p(float(r[col["session_duration"]])),
            float(r[col["ip_reputation_score"]]),
            float(r[col["failed_logins"]]),
            float(r[col["unusual_time_access"]]),
        ]
        f += [r[col["protocol_type"]] == v for v in ("TCP", "UDP", "ICMP")]
        f += [r[col["encryption_used"]] == v for v in ("AES", "DES", "None")]
        f += [r[col["browser_type"]] == v for v in ("Chrome", "Firefox", "Edge", "Safari", "Unknown")]
        feats.append(f)
    return np.array(feats, float)


def summarize(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} [{min(values):.3f}–{max(values):.3f}]"


def table(title, rows):
    print(f"\n## {title}\n")
    print("| model | precision | recall | F1 | ROC-AUC |")
    print("| --- | --- | --- | --- | --- |")
    for name, results in rows:
        cells = [summarize([r.get(k) for r in results]) for k in ("precision", "recall", "f1", "roc_auc")]
        print(f"| {name} | " + " | ".join(cells) + " |")


def tabular_benchmark(goshawk, kind, path, label_column, seeds, tmp, results):
    rows_out = []
    per_model = {}
    chosen_names = []
    for seed in seeds:
        train, test, header, train_rows, test_rows = split_csv(path, label_column, seed, tmp, kind)
        model = Path(tmp) / f"{kind}_auto_{seed}.gsk"
        goshawk_train(goshawk, kind, model, [train], "--seed", str(seed))
        chosen_names.append(chosen(goshawk, model))
        per_model.setdefault(f"goshawk auto", []).append(goshawk_eval(goshawk, model, [test]))
        for algorithm in ("iforest", "lof", "ocsvm", "supervised"):
            m = Path(tmp) / f"{kind}_{algorithm}_{seed}.gsk"
            goshawk_train(goshawk, kind, m, [train], "--algorithm", algorithm, "--seed", str(seed))
            per_model.setdefault(f"goshawk {algorithm}", []).append(goshawk_eval(goshawk, m, [test]))
        if kind == "sessions":
            col = header.index(label_column)
            Xtr, Xte = session_features(train_rows, header), session_features(test_rows, header)
            ytr = np.array([is_attack(r[col]) for r in train_rows], int)
            yte = np.array([is_attack(r[col]) for r in test_rows], int)
            iso, t = sklearn_protocol(
                lambda X, y: IsolationForest(random_state=seed).fit(X), Xtr, ytr, seed,
                lambda m, X: -m.score_samples(X))
            per_model.setdefault("sklearn IsolationForest", []).append(
                metrics(yte, -iso.score_samples(Xte), t))
            gb, t = sklearn_protocol(
                lambda X, y: GradientBoostingClassifier(random_state=seed).fit(X, y), Xtr, ytr, seed,
                lambda m, X: m.predict_proba(X)[:, 1])
            per_model.setdefault("sklearn GradientBoosting", []).append(
                metrics(yte, gb.predict_proba(Xte)[:, 1], t))
    for name, res in per_model.items():
        rows_out.append((name, res))
    table(f"{kind}: 50/50 split, seeds {seeds} (mean [min–max]); auto chose {chosen_names}", rows_out)
    results[kind] = {name: res for name, res in rows_out}
    results[kind + "_auto_chose"] = chosen_names


def zeek_benchmark(goshawk, seeds, tmp, results):
    configs = [("auto", []), ("iforest, fit on all", ["--algorithm", "iforest"])]
    configs += [(f"{a}, fit on normal", ["--algorithm", a, "--fit-on", "normal"]) for a in ("iforest", "lof", "ocsvm")]
    configs += [("auto, fit on normal", ["--fit-on", "normal"])]
    out = {}
    chosen_names = []
    for name, extra in configs:
        for seed in seeds:
            model = Path(tmp) / f"zeek_{seed}_{abs(hash(name))}.gsk"
            goshawk_train(goshawk, "zeek", model, ZEEK_TRAIN, *extra, "--seed", str(seed))
            if name == "auto":
                chosen_names.append(chosen(goshawk, model))
            for test, paths in ZEEK_TESTS.items():
                out.setdefault(test, {}).setdefault(f"goshawk {name}", []).append(
                    goshawk_eval(goshawk, model, paths))
    for test, rows in out.items():
        table(f"Zeek: train 008+010, test {test}, seeds {seeds}; auto chose {chosen_names}",
              list(rows.items()))
    results["zeek"] = out
    results["zeek_auto_chose"] = chosen_names


def cross_check(goshawk, tmp, results):
    """Score the sessions test half of seed 0 with its auto model and score it with metrics.py."""
    test = Path(tmp) / "sessions_test_0.csv"
    model = Path(tmp) / "sessions_auto_0.gsk"
    scan = Path(tmp) / "scan.jsonl"
    labels = Path(tmp) / "labels.txt"
    with open(scan, "w") as fh:
        subprocess.run([str(goshawk), "scan", "--model", str(model), str(test)], stdout=fh, check=True,
                       stderr=subprocess.DEVNULL)
    with open(test, newline="") as fh, open(labels, "w") as out:
        reader = csv.DictReader(fh)
        for row in reader:
            out.write(("1" if is_attack(row["attack_detected"]) else "0") + "\n")
    theirs = json.loads(run([sys.executable, METRICS, "--pred", scan, "--labels", labels, "--json"]).stdout)
    ours = goshawk_eval(goshawk, model, [test])
    print("\n## cross-check (sessions, seed 0, auto) with shared/tools/metrics.py\n")
    for key in ("precision", "recall", "f1", "roc_auc", "pr_auc"):
        print(f"- {key}: goshawk evaluate {ours[key]:.4f}, metrics.py {theirs[key]:.4f}")
    results["cross_check"] = {"goshawk": ours, "metrics.py": theirs}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--goshawk", default=str(REPO / "target/release/goshawk"))
    ap.add_argument("--json", help="write every figure to this file")
    ap.add_argument("--only", choices=["sessions", "zeek", "iot"], action="append")
    args = ap.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA} not found: this benchmark needs the shared datasets")
    goshawk = Path(args.goshawk)
    if not goshawk.exists():
        run(["cargo", "build", "--release", "-p", "goshawk"], cwd=REPO)
    results = {}
    only = set(args.only or ["sessions", "zeek", "iot"])
    with tempfile.TemporaryDirectory() as tmp:
        if "sessions" in only:
            tabular_benchmark(goshawk, "sessions",
                              DATA / "intrusion_sessions/cybersecurity_intrusion_data.shared.csv",
                              "attack_detected", [0, 1, 2], tmp, results)
            cross_check(goshawk, tmp, results)
        if "zeek" in only:
            zeek_benchmark(goshawk, [42, 1, 2, 3, 4], tmp, results)
        if "iot" in only:
            tabular_benchmark(goshawk, "iot",
                              DATA / "iot_telemetry/smart_system_anomaly_dataset.shared.csv",
                              "label", [0, 1, 2], tmp, results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    main()
