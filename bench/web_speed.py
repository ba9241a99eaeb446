#!/usr/bin/env python3
"""End-to-end single-core throughput of goshawk's web scan against the seed's pipeline in
scikit-learn, side by side in one run, on the same file.

The seed's pipeline (SecurityMLPipeline): TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
+ hand features (length, Shannon entropy, whitespace ratio, SQL keyword / XSS / traversal /
special-character counts) + RandomForestClassifier(100), trained on CSIC 2010 normal training
traffic plus the training halves of the shared test files. Both sides then do the same job:
read a raw CSIC file, split it into requests, featurise, classify — one core
(n_jobs=1, OMP/OPENBLAS/RAYON threads = 1). goshawk runs twice: with `--rules none` (the same job
as the seed's pipeline: the ratio the target is about) and with the shipped rule packs (the whole
product: Sigma rules and the decision too).

Also times training on the CSIC training set (both sides) and reports the ratios.
usage: bench/web_speed.py [--repeat 8]   (needs ../shared/data; run bench/csic_split.py first)
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402
from scipy.sparse import hstack, csr_matrix  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "..", "shared", "data", "csic2010")
START = re.compile(rb"^(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH|TRACE) \S+ HTTP/\d")
SQL = re.compile(r"(select|union|insert|update|delete|drop|exec)", re.I)
XSS = re.compile(r"(javascript:|<script|on\w+=)", re.I)
TRAV = re.compile(r"(\.\./|\.\.\\|etc/passwd|win\.ini)", re.I)


def split_requests(raw: bytes):
    out, cur = [], []
    for line in raw.split(b"\n"):
        if START.match(line) and cur:
            out.append(cur)
            cur = []
        cur.append(line.rstrip(b"\r"))
    if cur:
        out.append(cur)
    texts = []
    for lines in out:
        first = lines[0].decode("latin-1").split(" ")
        url = first[1] if len(first) > 1 else ""
        body = ""
        if b"" in lines:
            rest = [l for l in lines[lines.index(b"") + 1:] if l]
            body = rest[0].decode("latin-1") if rest else ""
        texts.append(url + " " + body)
    return texts


def entropy(s):
    if not s:
        return 0.0
    counts = {}
    for c in s:
        counts[c] = counts.get(c, 0) + 1
    n = len(s)
    return -sum(v / n * math.log2(v / n) for v in counts.values())


def hand_features(texts):
    return csr_matrix(np.array([[len(t), entropy(t), t.count(" ") / max(len(t), 1),
                                 len(SQL.findall(t)), len(XSS.findall(t)), len(TRAV.findall(t)),
                                 sum(t.count(c) for c in "<>;'\"")] for t in texts], dtype=np.float64))


def seed_train(normal_paths, attack_paths):
    texts, labels = [], []
    for paths, y in ((normal_paths, 0), (attack_paths, 1)):
        for p in paths:
            raw = open(p, "rb").read() if not p.endswith(".gz") else __import__("gzip").open(p).read()
            t = split_requests(raw)
            texts += t
            labels += [y] * len(t)
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), max_features=5000)
    x = hstack([vec.fit_transform(texts), hand_features(texts)]).tocsr()
    clf = RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=42)
    clf.fit(x, labels)
    return vec, clf


def seed_scan(vec, clf, path):
    texts = split_requests(open(path, "rb").read())
    x = hstack([vec.transform(texts), hand_features(texts)]).tocsr()
    return clf.predict_proba(x)[:, 1], len(texts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--goshawk", default=os.path.join(ROOT, "target", "release", "goshawk"))
    ap.add_argument("--repeat", type=int, default=8, help="copies of the test files in the scan input")
    args = ap.parse_args()
    csic = os.path.join(HERE, "out", "csic")
    out = os.path.join(HERE, "out", "speed")
    os.makedirs(out, exist_ok=True)
    big = os.path.join(out, "scan_input.txt")
    with open(big, "wb") as f:
        for _ in range(args.repeat):
            for p in ("test_normal.txt", "test_attack.txt"):
                f.write(open(os.path.join(csic, p), "rb").read())
    normal = [os.path.join(DATA, "normalTrafficTraining.txt.gz"), os.path.join(csic, "train_normal.txt")]
    attack = [os.path.join(csic, "train_attack.txt")]

    t = time.perf_counter()
    vec, clf = seed_train(normal, attack)
    sk_train = time.perf_counter() - t
    t = time.perf_counter()
    _, n_sk = seed_scan(vec, clf, big)
    sk_scan = time.perf_counter() - t

    model = os.path.join(out, "csic.gsk")
    train_cmd = [args.goshawk, "train", "web", "--out", model]
    for p in normal:
        train_cmd += ["--normal", p]
    for p in attack:
        train_cmd += ["--attack", p]
    t = time.perf_counter()
    subprocess.run(["taskset", "-c", "0", *train_cmd], check=True, capture_output=True)
    g_train = time.perf_counter() - t
    def scan_rate(rules):
        """Best of 3 single-core scans of the big file; (requests, requests/s)."""
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            r = subprocess.run(["taskset", "-c", "0", args.goshawk, "scan", "--threads", "1", "--model", model,
                                "--rules", rules, "--format", "csic", big],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            best = min(best, time.perf_counter() - t)
        n = int(re.search(r"scanned (\d+)", r.stderr.decode()).group(1))
        return n, n / best

    # Like for like: the seed's pipeline has no rules, so neither does this run; the second run
    # is the whole product (the shipped rule packs and the decision as well).
    n_g, g_rate = scan_rate("none")
    _, g_rules_rate = scan_rate("builtin")
    sk_rate = n_sk / sk_scan
    res = {
        "requests": n_g, "sklearn_requests": n_sk,
        "sklearn_seed_pipeline_req_per_s": sk_rate,
        "goshawk_req_per_s": g_rate,
        "throughput_ratio": g_rate / sk_rate,
        "goshawk_with_rule_packs_req_per_s": g_rules_rate,
        "with_rule_packs_ratio": g_rules_rate / sk_rate,
        "sklearn_train_s": sk_train, "goshawk_train_s_one_core": g_train,
        "train_ratio": sk_train / g_train,
    }
    print(json.dumps(res, indent=2))
    json.dump(res, open(os.path.join(out, "web_speed.json"), "w"), indent=2)


if __name__ == "__main__":
    main()
