#!/usr/bin/env python3
"""goshawk-anomaly vs scikit-learn, side by side in one run, on the same data, single-threaded.

Models: Isolation Forest, Local Outlier Factor (novelty) and One-Class SVM (RBF, nu 0.1 and 0.5).
Datasets: a synthetic 1,000,000 x 11 matrix with 1% planted anomalies (fixed seed) and, when the
shared data directory is present, the intrusion_sessions CSV (label attack_detected).

For each model it prints fit time, score time, scoring throughput and ROC-AUC of both
implementations and their ratios. goshawk runs through
crates/goshawk-anomaly/examples/bench_anomaly.rs (built here in release mode), fed the same .npy
files. See bench/README-anomaly.md for the protocol.

    python3 bench/anomaly_vs_sklearn.py [--rows 1000000] [--repeat 3] [--json results.json]
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Single-threaded for the ratio: must be set before NumPy / scikit-learn load their thread pools.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[variable] = "1"

try:
    import numpy as np
    import sklearn
except ImportError:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "numpy", "scikit-learn"], check=True)
    import numpy as np
    import sklearn

from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

REPO = Path(__file__).resolve().parent.parent
SEED = 20251122
# Below this many training rows LOF and One-Class SVM are timed best of --repeat (see
# compare_novelty_models).
SMALL_TRAIN_ROWS = 20_000


def synthetic(n_rows, n_features=11, anomaly_fraction=0.01, seed=SEED):
    """Inliers: a mixture of three correlated Gaussians, features on scales from 0.1 to 1000.
    Anomalies (1%): half uniform in a box 50% wider than the inliers' range, half inlier-like
    points pushed 2.5-5 standard units along three random features."""
    rng = np.random.default_rng(seed)
    n_anomalies = int(n_rows * anomaly_fraction)
    n_inliers = n_rows - n_anomalies
    centers = rng.normal(0, 3, size=(3, n_features))
    mixing = [rng.normal(0, 1, size=(n_features, n_features)) / np.sqrt(n_features) for _ in range(3)]
    cluster = rng.choice(3, size=n_inliers, p=[0.5, 0.3, 0.2])
    z = rng.standard_normal((n_inliers, n_features))
    inliers = np.empty((n_inliers, n_features))
    for c in range(3):
        members = cluster == c
        inliers[members] = centers[c] + z[members] @ mixing[c]
    low, high = inliers.min(0), inliers.max(0)
    span = high - low
    half = n_anomalies // 2
    box = rng.uniform(low - 0.25 * span, high + 0.25 * span, size=(half, n_features))
    local = centers[rng.choice(3, size=n_anomalies - half)] + rng.standard_normal(
        (n_anomalies - half, n_features)) @ mixing[0]
    for row in local:
        columns = rng.choice(n_features, size=3, replace=False)
        row[columns] += rng.choice([-1, 1], size=3) * rng.uniform(2.5, 5.0, size=3)
    x = np.vstack([inliers, box, local])
    y = np.r_[np.zeros(n_inliers), np.ones(n_anomalies)]
    scales = np.array([1, 10, 100, 0.1, 1, 1000, 5, 0.5, 50, 2, 20.0])[:n_features]
    order = rng.permutation(n_rows)
    return (x * scales)[order].astype(np.float32), y[order].astype(np.int8)


def find_data_dir():
    for candidate in (os.environ.get("GOSHAWK_SHARED_DATA"), REPO.parent / "shared" / "data", "/work/shared/data"):
        if candidate and Path(candidate, "intrusion_sessions").is_dir():
            return Path(candidate)
    return None


def intrusion_sessions(data_dir):
    """Numeric columns + one-hot protocol/encryption/browser; label attack_detected."""
    path = next(Path(data_dir, "intrusion_sessions").glob("*.csv"))
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    numeric = ["network_packet_size", "login_attempts", "session_duration", "ip_reputation_score",
               "failed_logins", "unusual_time_access"]
    categorical = ["protocol_type", "encryption_used", "browser_type"]
    levels = {c: sorted({row[c] for row in rows}) for c in categorical}
    features = [[float(row[c]) for c in numeric]
                + [float(row[c] == level) for c in categorical for level in levels[c]] for row in rows]
    labels = [int(row["attack_detected"]) for row in rows]
    return np.asarray(features, dtype=np.float32), np.asarray(labels, dtype=np.int8), str(path)


def best_time(function, repeat):
    """Best wall-clock and best process CPU time over `repeat` runs, and the last result."""
    best, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = function()
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - cpu_started)
    return best, best_cpu, result


def build_goshawk():
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "goshawk-anomaly", "--example", "bench_anomaly"],
                   cwd=REPO, check=True)
    return REPO / "target" / "release" / "examples" / "bench_anomaly"


def run_goshawk(binary, workdir, model, train, score, repeat, threads=1, extra=()):
    train_path, score_path, out_path = (Path(workdir, name) for name in ("train.npy", "score.npy", "out.npy"))
    np.save(train_path, train)
    np.save(score_path, score)
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    completed = subprocess.run([str(binary), model, str(train_path), str(score_path), str(out_path),
                                "--repeat", str(repeat), *extra], env=env, check=True, capture_output=True,
                               text=True)
    timing = json.loads(completed.stdout.strip().splitlines()[-1])
    return timing, np.load(out_path)


def spearman(a, b):
    rank = lambda v: np.argsort(np.argsort(v, kind="stable"), kind="stable").astype(np.float64)
    return float(np.corrcoef(rank(a), rank(b))[0, 1])


def record(results, dataset, model, n_train, n_score, sk_fit, sk_score, sk_auc, go, go_scores, y, sk_scores, sk_cpu):
    go_auc = roc_auc_score(y, go_scores)
    entry = {
        "dataset": dataset, "model": model, "n_train": n_train, "n_score": n_score,
        "sklearn_fit_s": sk_fit, "sklearn_score_s": sk_score, "sklearn_rows_per_s": n_score / sk_score,
        "sklearn_auc": sk_auc,
        "goshawk_fit_s": go["fit_seconds"], "goshawk_score_s": go["score_seconds"],
        "goshawk_rows_per_s": n_score / go["score_seconds"], "goshawk_auc": go_auc,
        "sklearn_fit_cpu_s": sk_cpu[0], "sklearn_score_cpu_s": sk_cpu[1],
        "goshawk_fit_cpu_s": go.get("fit_cpu_seconds"), "goshawk_score_cpu_s": go.get("score_cpu_seconds"),
        "fit_speedup": sk_fit / go["fit_seconds"], "score_speedup": sk_score / go["score_seconds"],
        "auc_difference": go_auc - sk_auc, "rank_correlation": spearman(go_scores, sk_scores),
    }
    for key in ("support_vectors", "gamma"):
        if key in go:
            entry["goshawk_" + key] = go[key]
    results.append(entry)
    print(f"  {model:<14} sklearn fit {sk_fit:8.3f}s score {sk_score:8.3f}s AUC {sk_auc:.4f} | "
          f"goshawk fit {go['fit_seconds']:8.4f}s score {go['score_seconds']:8.4f}s AUC {go_auc:.4f}", flush=True)


def compare_iforest(results, binary, workdir, dataset, x_train, x_score, y_score, args):
    """Isolation Forest with scikit-learn's defaults (100 trees, 256 samples), best of --repeat."""
    forest = IsolationForest(n_estimators=100, max_samples=256, random_state=0, n_jobs=1)
    sk_fit, sk_fit_cpu, _ = best_time(lambda: forest.fit(x_train), args.repeat)
    sk_score, sk_score_cpu, sk_scores = best_time(lambda: -forest.score_samples(x_score), args.repeat)
    go, go_scores = run_goshawk(binary, workdir, "iforest", x_train, x_score, args.repeat)
    record(results, dataset, "iforest", len(x_train), len(x_score), sk_fit, sk_score,
           roc_auc_score(y_score, sk_scores), go, go_scores, y_score, sk_scores, (sk_fit_cpu, sk_score_cpu))
    go2, _ = run_goshawk(binary, workdir, "iforest", x_train, x_score, args.repeat, threads=2)
    results[-1]["goshawk_2_threads_fit_s"] = go2["fit_seconds"]
    results[-1]["goshawk_2_threads_score_s"] = go2["score_seconds"]
    # One forest's AUC varies with its seed (by ~0.01 on a few thousand rows): compare means.
    sk_aucs, go_aucs = [], []
    n_seeds = args.auc_seeds if len(x_train) < 100_000 else args.auc_seeds_large
    for seed in range(n_seeds):
        model = IsolationForest(n_estimators=100, max_samples=256, random_state=seed, n_jobs=1).fit(x_train)
        sk_aucs.append(roc_auc_score(y_score, -model.score_samples(x_score)))
        _, scores = run_goshawk(binary, workdir, "iforest", x_train, x_score, 1, extra=("--seed", str(seed)))
        go_aucs.append(roc_auc_score(y_score, scores))
    results[-1].update(auc_seeds=n_seeds, sklearn_auc_mean=float(np.mean(sk_aucs)),
                       sklearn_auc_sd=float(np.std(sk_aucs)), goshawk_auc_mean=float(np.mean(go_aucs)),
                       goshawk_auc_sd=float(np.std(go_aucs)))
    print(f"  iforest AUC over {n_seeds} seeds: sklearn {np.mean(sk_aucs):.4f} ± {np.std(sk_aucs):.4f}, "
          f"goshawk {np.mean(go_aucs):.4f} ± {np.std(go_aucs):.4f}", flush=True)


def compare_novelty_models(results, binary, workdir, dataset, x_train, x_score, y_score, args):
    """LOF (novelty) and One-Class SVM (nu 0.1, 0.5): fitted on x_train, scoring rows they did not see.
    scikit-learn gets StandardScaler output fitted on the same training rows; goshawk standardises
    internally with the same statistics. Best of --repeat runs on both sides when the training rows
    are few (under SMALL_TRAIN_ROWS: milliseconds a run, where one run is mostly noise), one run
    otherwise."""
    repeat = args.repeat if len(x_train) < SMALL_TRAIN_ROWS else 1
    lof_train = x_train[: args.lof_train_rows]
    lof_score, lof_y = x_score[: args.lof_score_rows], y_score[: args.lof_score_rows]
    scaler = StandardScaler().fit(lof_train)
    lof = LocalOutlierFactor(n_neighbors=20, novelty=True, n_jobs=1)
    sk_fit, sk_fit_cpu, _ = best_time(lambda: lof.fit(scaler.transform(lof_train)), repeat)
    sk_score, sk_score_cpu, sk_scores = best_time(lambda: -lof.score_samples(scaler.transform(lof_score)), repeat)
    go, go_scores = run_goshawk(binary, workdir, "lof", lof_train, lof_score, repeat)
    record(results, dataset, "lof", len(lof_train), len(lof_score), sk_fit, sk_score,
           roc_auc_score(lof_y, sk_scores), go, go_scores, lof_y, sk_scores, (sk_fit_cpu, sk_score_cpu))

    # One-Class SVM on the same capped training rows (goshawk's max_train_rows cap is not hit).
    svm_train = x_train[: args.svm_train_rows]
    svm_score, svm_y = x_score[: args.svm_score_rows], y_score[: args.svm_score_rows]
    scaler = StandardScaler().fit(svm_train)
    for nu in (0.1, 0.5):
        svm = OneClassSVM(kernel="rbf", nu=nu, gamma="scale")
        sk_fit, sk_fit_cpu, _ = best_time(lambda: svm.fit(scaler.transform(svm_train)), repeat)
        sk_score, sk_score_cpu, sk_scores = best_time(lambda: -svm.score_samples(scaler.transform(svm_score)), repeat)
        go, go_scores = run_goshawk(binary, workdir, "ocsvm", svm_train, svm_score, repeat,
                                    extra=("--nu", str(nu), "--max-train-rows", str(args.svm_train_rows)))
        record(results, dataset, f"ocsvm nu={nu}", len(svm_train), len(svm_score), sk_fit, sk_score,
               roc_auc_score(svm_y, sk_scores), go, go_scores, svm_y, sk_scores, (sk_fit_cpu, sk_score_cpu))
        results[-1]["sklearn_support_vectors"] = int(len(svm.support_))


def print_table(results):
    header = ("dataset", "model", "train", "scored", "sk fit s", "gs fit s", "fit x", "sk rows/s", "gs rows/s",
              "score x", "sk AUC", "gs AUC", "dAUC", "rank r")
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in results:
        sk_auc, gs_auc = r.get("sklearn_auc_mean", r["sklearn_auc"]), r.get("goshawk_auc_mean", r["goshawk_auc"])
        print(f"| {r['dataset']} | {r['model']} | {r['n_train']:,} | {r['n_score']:,} | {r['sklearn_fit_s']:.3f} | "
              f"{r['goshawk_fit_s']:.4f} | {r['fit_speedup']:.1f} | {r['sklearn_rows_per_s']:,.0f} | "
              f"{r['goshawk_rows_per_s']:,.0f} | {r['score_speedup']:.1f} | {sk_auc:.4f} | "
              f"{gs_auc:.4f} | {gs_auc - sk_auc:+.4f} | {r['rank_correlation']:.4f} |")
    print("\nfit x / score x: scikit-learn time / goshawk time (wall clock, best of the runs). Isolation Forest AUC:"
          " mean over --auc-seeds seeds on both sides; rank r: Spearman correlation of the two score vectors"
          " (seed 0 for Isolation Forest).")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="synthetic rows (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="Isolation Forest timings: best of N (both sides)")
    parser.add_argument("--lof-train-rows", type=int, default=100_000)
    parser.add_argument("--lof-score-rows", type=int, default=10_000)
    parser.add_argument("--svm-train-rows", type=int, default=10_000)
    parser.add_argument("--svm-score-rows", type=int, default=100_000)
    parser.add_argument("--auc-seeds", type=int, default=30,
                        help="Isolation Forest AUC: mean over N seeds (data under 100,000 rows)")
    parser.add_argument("--auc-seeds-large", type=int, default=5,
                        help="Isolation Forest AUC: mean over N seeds (100,000 rows or more)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()

    from threadpoolctl import threadpool_info
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, thread pools: "
          + ", ".join(f"{p['internal_api']}={p['num_threads']}" for p in threadpool_info()), flush=True)
    binary = build_goshawk()
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        x, y = synthetic(args.rows)
        print(f"synthetic {x.shape[0]:,} x {x.shape[1]} ({int(y.sum()):,} planted anomalies)", flush=True)
        # Isolation Forest: fitted and scored on the whole matrix (unsupervised use). LOF / OCSVM
        # (novelty): trained on the first rows, scoring rows after them.
        compare_iforest(results, binary, workdir, "synthetic", x, x, y, args)
        split = min(args.lof_train_rows, len(x) // 2)
        compare_novelty_models(results, binary, workdir, "synthetic", x[:split], x[split:], y[split:], args)

        data_dir = find_data_dir()
        if data_dir is None:
            print("intrusion_sessions: shared data directory not found, skipped", flush=True)
        else:
            features, labels, path = intrusion_sessions(data_dir)
            order = np.random.default_rng(SEED).permutation(len(labels))
            train_rows, score_rows = order[: len(order) // 2], order[len(order) // 2:]
            print(f"intrusion_sessions {features.shape[0]:,} x {features.shape[1]} from {path}: "
                  f"fit on {len(train_rows):,}, score the other {len(score_rows):,}", flush=True)
            for compare in (compare_iforest, compare_novelty_models):
                compare(results, binary, workdir, "intrusion_sessions", features[train_rows],
                        features[score_rows], labels[score_rows], args)
    print_table(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
