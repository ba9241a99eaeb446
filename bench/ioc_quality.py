#!/usr/bin/env python3
"""Held-out quality of the IoC rule pack (rules/sessions) on the labelled intrusion sessions.

Why this exists: seed 003 claims its eight hand-coded indicators reach precision 100 %, recall
77.8 %. goshawk ships the same indicators as Sigma rules; this script measures what they are really
worth, computes the data-dependent thresholds they use, and sets each rule's `level` from its
measured precision, so that nothing in the pack is tuned on the rows it is judged on.

Data: shared/data/intrusion_sessions/cybersecurity_intrusion_data.shared.csv (7,580 rows, label
`attack_detected`, 3,390 attacks).

Split rule (deterministic): rows are grouped by label, each group is kept in file order and shuffled
with `random.Random(seed)` (seed 20261122 unless --seed; the label-0 group is shuffled first, then
the label-1 group, with the same generator); in each shuffled group the first round(0.6 n) rows are
`train`, the next round(0.2 n) rows are `calibration`, the rest are `test`. So the split is
stratified 60/20/20 and identical on every run.

- Percentile thresholds (rules/sessions/placeholders.yml) are computed on the TRAIN rows only (all
  labels: the seed's indicators are unsupervised outlier cuts), with numpy.percentile's default
  linear interpolation.
- Each rule's `level` is set from its precision on the TRAIN rows (see LEVELS below); the calibration
  rows are left untouched for whoever tunes rules + models together; the TEST rows are only scored.
- Rules are evaluated straight from their YAML by the small Sigma evaluator in this file (`Rule`):
  selection maps/lists, the modifiers contains/startswith/endswith/all/re(+i,m,s)/gt/gte/lt/lte/
  cased/exists, wildcards, null, keywords, and conditions with and/or/not/parentheses/`1 of x*`/
  `all of x*`/`them`. It is independent of the Rust engine (crates/goshawk-rules), so the two can be
  cross-checked. Every rule is also validated against the Sigma JSON schema when `jsonschema` is
  importable.

    python3 bench/ioc_quality.py            # measure, print the tables, write bench/out/ioc_rule_hits.csv
    python3 bench/ioc_quality.py --write    # also regenerate placeholders.yml and each rule's level/comment
    python3 bench/ioc_quality.py --engine-check BIN   # same verdicts from another engine (rsigma checker, see bench/README-rules.md)?
    python3 bench/ioc_quality.py --goshawk target/release/goshawk   # same hits from `goshawk rules test`?

Dependencies: Python 3.9+, PyYAML, numpy (jsonschema optional).
"""

import argparse
import csv
import json
import math
import random
import re
import sys
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
SESSIONS_CSV = DATA / "intrusion_sessions" / "cybersecurity_intrusion_data.shared.csv"
SESSION_RULES = REPO / "rules" / "sessions"
SIGMA_SCHEMA = DATA / "sigma" / "sigma-specification" / "json-schema" / "sigma-detection-rule-schema.json"
OUT = REPO / "bench" / "out"
DEFAULT_SEED = 20261122
SPLIT_FRACTIONS = (0.6, 0.2, 0.2)
LABEL = "attack_detected"

# (placeholder name, column, percentile): the data-dependent thresholds of the session rules.
PERCENTILE_PLACEHOLDERS = [
    ("network_packet_size_p95", "network_packet_size", 95),
    ("session_duration_p5", "session_duration", 5),
    ("session_duration_p95", "session_duration", 95),
]

# Rule level from precision measured on the train rows. The attack base rate there is 0.447, so a
# rule below 0.55 is barely better than guessing and is kept only as context: informational.
# `critical` is never granted from this (synthetic) dataset alone.
LEVELS = [(0.9, "high"), (0.65, "medium"), (0.55, "low"), (0.0, "informational")]


def level_for(precision):
    if precision is None or math.isnan(precision):
        return "informational"
    for floor, level in LEVELS:
        if precision >= floor:
            return level
    return "informational"


# ---------------------------------------------------------------------------------------------
# Minimal Sigma evaluator (enough for the goshawk packs; raises SigmaError on anything else).
# ---------------------------------------------------------------------------------------------


class SigmaError(Exception):
    pass


PLACEHOLDER = re.compile(r"^%([A-Za-z0-9_]+)%$")


def load_placeholders(directory):
    path = Path(directory) / "placeholders.yml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise SigmaError(f"{path}: not a flat name: value map")
    return data


def substitute(node, placeholders, path):
    """Replace every scalar written exactly '%name%' by placeholders[name] (before compiling)."""
    if isinstance(node, dict):
        return {k: substitute(v, placeholders, path) for k, v in node.items()}
    if isinstance(node, list):
        return [substitute(v, placeholders, path) for v in node]
    if isinstance(node, str):
        m = PLACEHOLDER.match(node)
        if m:
            if m.group(1) not in placeholders:
                raise SigmaError(f"{path}: placeholder %{m.group(1)}% not in placeholders.yml")
            return placeholders[m.group(1)]
    return node


def wildcard_regex(value):
    """Sigma plain value -> regex body: * and ? are wildcards, backslash escapes them."""
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value) and value[i + 1] in "*?\\":
            out.append(re.escape(value[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return "".join(out)


def as_number(x):
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, (int, float)):
        return float(x)
    try:
        return float(str(x).strip())
    except ValueError:
        return None


class FieldTest:
    """One `field|modifiers: value(s)` entry of a selection map."""

    NUMERIC = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}
    KNOWN = {"contains", "startswith", "endswith", "all", "re", "i", "m", "s", "cased", "exists"} | set(NUMERIC)

    def __init__(self, key, values):
        parts = key.split("|")
        self.field, self.mods = parts[0], parts[1:]
        unknown = [m for m in self.mods if m not in self.KNOWN]
        if unknown:
            raise SigmaError(f"unsupported modifier(s) {unknown} on {self.field}")
        self.values = values if isinstance(values, list) else [values]
        self.all = "all" in self.mods
        self.numeric = next((m for m in self.mods if m in self.NUMERIC), None)
        self.exists = "exists" in self.mods
        if self.numeric:
            nums = [as_number(v) for v in self.values]
            if any(n is None for n in nums):
                raise SigmaError(f"{key}: non-numeric value {self.values}")
            self.nums = nums
            return
        if self.exists:
            return
        # Case-insensitive plain matching folds with str.lower() on both sides, as rsigma does (so
        # e.g. U+017F long s is NOT an "s" here, while a `|re|i` regex does fold it).
        self.fold = "cased" not in self.mods
        flags = 0
        if "re" in self.mods:
            flags = (re.IGNORECASE if "i" in self.mods else 0) | (re.MULTILINE if "m" in self.mods else 0) | (re.DOTALL if "s" in self.mods else 0)
            bodies = [str(v) for v in self.values]
            self.patterns = [re.compile(b, flags) for b in bodies]
            self.search = True
        else:
            self.none_ok = any(v is None for v in self.values)
            bodies = []
            for v in self.values:
                if v is None:
                    continue
                text = str(v) if not isinstance(v, bool) else str(v).lower()
                body = wildcard_regex(text.lower() if self.fold else text)
                if "contains" in self.mods:
                    body = ".*" + body + ".*"
                elif "startswith" in self.mods:
                    body = body + ".*"
                elif "endswith" in self.mods:
                    body = ".*" + body
                bodies.append(body)
            self.search = False
            if self.all:
                self.patterns = [re.compile(b, flags | re.DOTALL) for b in bodies]
            else:
                self.patterns = [re.compile("(?:" + "|".join(bodies) + ")", flags | re.DOTALL)] if bodies else []
            # exact numeric equality for numeric literals (e.g. `unusual_time_access: 1` vs "1.0")
            self.literal_nums = [float(v) for v in self.values if isinstance(v, (int, float)) and not isinstance(v, bool)]

    def __call__(self, event):
        raw = event.get(self.field)
        if self.exists:
            want = bool(self.values[0])
            return (raw is not None) == want
        if self.numeric:
            x = as_number(raw) if raw is not None and raw != "" else None
            if x is None:
                return False
            op = self.NUMERIC[self.numeric]
            results = (op(x, n) for n in self.nums)
            return all(results) if self.all else any(results)
        if raw is None or raw == "":
            return getattr(self, "none_ok", False) or False
        s = str(raw)
        if not self.search and self.fold:
            s = s.lower()
        if not self.search and self.literal_nums:
            x = as_number(s)
            if x is not None and any(x == n for n in self.literal_nums):
                return True
        if self.search:
            results = (p.search(s) is not None for p in self.patterns)
        else:
            results = (p.fullmatch(s) is not None for p in self.patterns)
        return all(results) if self.all else any(results)


def compile_search(name, node):
    """A detection identifier -> predicate(event)."""
    if isinstance(node, dict):
        tests = [FieldTest(k, v) for k, v in node.items()]
        return lambda e: all(t(e) for t in tests)
    if isinstance(node, list):
        if all(isinstance(x, dict) for x in node):
            subs = [compile_search(name, x) for x in node]
            return lambda e: any(s(e) for s in subs)
        if all(not isinstance(x, (dict, list)) for x in node):
            # keywords: full-text search in the original line
            pat = re.compile("|".join(wildcard_regex(str(x).lower()) for x in node), re.DOTALL)
            return lambda e: pat.search(str(e.get("_raw", "")).lower()) is not None
    raise SigmaError(f"detection '{name}': unsupported structure")


TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z0-9_\-\.\*]+)")


def compile_condition(text, searches):
    tokens = TOKEN.findall(text)
    if "".join(tokens).replace(" ", "") != re.sub(r"\s+", "", text):
        raise SigmaError(f"condition '{text}': unsupported syntax (pipes/aggregations?)")
    pos = [0]

    def peek():
        return tokens[pos[0]].lower() if pos[0] < len(tokens) else None

    def take():
        pos[0] += 1
        return tokens[pos[0] - 1]

    def names(pattern):
        if pattern == "them":
            return list(searches)
        rx = re.compile(wildcard_regex(pattern))
        found = [n for n in searches if rx.fullmatch(n)]
        if not found:
            raise SigmaError(f"condition: '{pattern}' matches no detection identifier")
        return found

    def atom():
        t = peek()
        if t == "(":
            take()
            inner = or_expr()
            if peek() != ")":
                raise SigmaError(f"condition '{text}': missing )")
            take()
            return inner
        if t in ("1", "all") and pos[0] + 1 < len(tokens) and tokens[pos[0] + 1].lower() == "of":
            quant = take().lower()
            take()
            preds = [searches[n] for n in names(take())]
            if quant == "all":
                return lambda e: all(p(e) for p in preds)
            return lambda e: any(p(e) for p in preds)
        if t is None:
            raise SigmaError(f"condition '{text}': unexpected end")
        name = take()
        if name not in searches:
            raise SigmaError(f"condition: unknown identifier '{name}'")
        return searches[name]

    def not_expr():
        if peek() == "not":
            take()
            inner = not_expr()
            return lambda e: not inner(e)
        return atom()

    def and_expr():
        left = not_expr()
        while peek() == "and":
            take()
            right, prev = not_expr(), left
            left = (lambda a, b: lambda e: a(e) and b(e))(prev, right)
        return left

    def or_expr():
        left = and_expr()
        while peek() == "or":
            take()
            right, prev = and_expr(), left
            left = (lambda a, b: lambda e: a(e) or b(e))(prev, right)
        return left

    pred = or_expr()
    if pos[0] != len(tokens):
        raise SigmaError(f"condition '{text}': trailing tokens")
    return pred


class Rule:
    def __init__(self, path, placeholders):
        self.path = Path(path)
        doc = yaml.safe_load(self.path.read_text())
        self.doc = doc
        self.title, self.id, self.level = doc["title"], doc.get("id"), doc.get("level")
        self.tags = doc.get("tags", [])
        det = substitute(doc["detection"], placeholders, path)
        cond = det.pop("condition")
        if isinstance(cond, list):
            cond = " or ".join(f"({c})" for c in cond)
        try:
            searches = {k: compile_search(k, v) for k, v in det.items()}
            self.match = compile_condition(cond, searches)
        except (SigmaError, re.error) as err:
            raise SigmaError(f"{path}: {err}") from err

    @property
    def name(self):
        return self.path.stem


def load_rules(directory):
    placeholders = load_placeholders(directory)
    return [Rule(p, placeholders) for p in sorted(Path(directory).glob("*.yml")) if p.name != "placeholders.yml"]


def schema_problems(directory):
    """Validate every rule file against the Sigma JSON schema; [] if jsonschema is absent."""
    try:
        import jsonschema
    except ImportError:
        return ["(jsonschema not installed: schema not checked)"]
    schema = json.loads(SIGMA_SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    problems = []
    for p in sorted(Path(directory).glob("*.yml")):
        if p.name == "placeholders.yml":
            continue
        doc = yaml.safe_load(p.read_text())
        # YAML turns `date: 2026-11-22` into a date object; Sigma (and SigmaHQ's CI) read it as text.
        for key in ("date", "modified"):
            if key in doc and not isinstance(doc[key], str):
                doc[key] = str(doc[key])
        for err in validator.iter_errors(doc):
            problems.append(f"{p.name}: {err.message}")
    return problems


# ---------------------------------------------------------------------------------------------
# Sessions: split, percentiles, metrics.
# ---------------------------------------------------------------------------------------------


def read_sessions():
    with open(SESSIONS_CSV, newline="") as f:
        return list(csv.DictReader(f))


def split_rows(rows, seed):
    """Stratified, seeded 60/20/20 split (see module doc); returns a list of split names per row."""
    rng = random.Random(seed)
    split = [None] * len(rows)
    for label in ("0", "1"):
        idx = [i for i, r in enumerate(rows) if r[LABEL] == label]
        rng.shuffle(idx)
        n = len(idx)
        n_train, n_cal = round(SPLIT_FRACTIONS[0] * n), round(SPLIT_FRACTIONS[1] * n)
        for k, i in enumerate(idx):
            split[i] = "train" if k < n_train else "calibration" if k < n_train + n_cal else "test"
    return split


def percentiles(rows, split):
    train = [r for r, s in zip(rows, split) if s == "train"]
    return {name: float(np.percentile([float(r[col]) for r in train], q)) for name, col, q in PERCENTILE_PLACEHOLDERS}, len(train)


def write_placeholders(values, n_train, seed):
    lines = [
        "# Data-dependent thresholds of the session IoC rules; each '%name%' scalar in this directory's",
        "# rules is replaced by the value below before the rule is parsed.",
        "# Generated by: python3 bench/ioc_quality.py --write   (do not edit by hand)",
        f"# Source: shared/data/intrusion_sessions/{SESSIONS_CSV.name}, TRAIN split only:",
        f"#   {n_train} rows = stratified seeded 60 % (seed {seed}, split rule in bench/ioc_quality.py),",
        "#   all labels; numpy.percentile with linear interpolation.",
    ]
    for name, col, q in PERCENTILE_PLACEHOLDERS:
        lines.append(f"{name}: {values[name]:.4f}  # p{q} of {col} over the {n_train} train rows")
    (SESSION_RULES / "placeholders.yml").write_text("\n".join(lines) + "\n")


def confusion(hits, labels):
    tp = sum(1 for h, y in zip(hits, labels) if h and y)
    fp = sum(1 for h, y in zip(hits, labels) if h and not y)
    fn = sum(1 for h, y in zip(hits, labels) if not h and y)
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if tp else 0.0
    return {"hits": tp + fp, "tp": tp, "fp": fp, "precision": p, "recall": r, "f1": f, "support": tp + fn}


def fmt(x):
    return "  n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def evaluate(seed, placeholders_override=None):
    rows = read_sessions()
    split = split_rows(rows, seed)
    values, n_train = percentiles(rows, split)
    placeholders = placeholders_override if placeholders_override is not None else values
    rules = [Rule(p, placeholders) for p in sorted(SESSION_RULES.glob("*.yml")) if p.name != "placeholders.yml"]
    hits = {r.name: [r.match(row) for row in rows] for r in rules}
    return rows, split, values, n_train, rules, hits


def metrics_on(part, rows, split, hits, names):
    idx = [i for i, s in enumerate(split) if s == part]
    labels = [rows[i][LABEL] == "1" for i in idx]
    out = {n: confusion([hits[n][i] for i in idx], labels) for n in names}
    return out, idx, labels


def update_rule_file(rule, train_m, test_m, level, seed):
    text = rule.path.read_text()
    comment = (
        f"# measured (bench/ioc_quality.py, seed {seed}): train precision {fmt(train_m['precision'])} "
        f"recall {fmt(train_m['recall'])} ({train_m['hits']} hits); held-out test precision "
        f"{fmt(test_m['precision'])} recall {fmt(test_m['recall'])} F1 {fmt(test_m['f1'])}; "
        f"level from train precision"
    )
    text = re.sub(r"^# measured.*$", lambda _: comment, text, count=1, flags=re.M)
    # The same figures inside the folded description, so analysts see them next to the finding.
    sentence = (
        f"    Measured by bench/ioc_quality.py (seed {seed}): precision {fmt(train_m['precision'])} on the train "
        f"split, {fmt(test_m['precision'])} on held-out test rows (recall {fmt(test_m['recall'])})."
    )
    if re.search(r"^    Measured by bench/ioc_quality\.py.*$", text, flags=re.M):
        text = re.sub(r"^    Measured by bench/ioc_quality\.py.*$", lambda _: sentence, text, count=1, flags=re.M)
    else:
        text = re.sub(r"^(description: >-\n    .*)$", lambda m: m.group(1) + "\n" + sentence, text, count=1, flags=re.M)
    text = re.sub(r"^level: .*$", lambda _: f"level: {level}", text, count=1, flags=re.M)
    rule.path.write_text(text)


NUMERIC_COLUMNS = {"network_packet_size", "login_attempts", "session_duration", "ip_reputation_score", "failed_logins", "unusual_time_access"}


def engine_agreement(binary, rows, rules, hits):
    """Same protocol as bench/web_rules_quality.py: `binary RULES_DIR` reads JSON Lines events on
    stdin and prints `index<TAB>id1,id2` per event. Returns (agreeing verdicts, verdicts, diffs)."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for row in rows:
            ev = {k: (float(v) if k in NUMERIC_COLUMNS else v) for k, v in row.items() if k != LABEL}
            f.write(json.dumps(ev) + "\n")
        path = f.name
    with open(path) as stdin:
        out = subprocess.run([binary, str(SESSION_RULES)], stdin=stdin, capture_output=True, text=True, check=True)
    got = {}
    for line in out.stdout.splitlines():
        i, _, ids = line.partition("\t")
        got[int(i)] = set(filter(None, ids.split(",")))
    agree, diffs = 0, []
    for i, row in enumerate(rows):
        exp = {str(r.id) for r in rules if hits[r.name][i]}
        agree += len(rules) - len(exp ^ got.get(i, set()))
        if exp != got.get(i, set()) and len(diffs) < 10:
            diffs.append(f"{row['session_id']}: python={sorted(exp)} engine={sorted(got.get(i, set()))}")
    return agree, len(rows) * len(rules), diffs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--write", action="store_true", help="regenerate placeholders.yml and rule levels/comments")
    ap.add_argument("--robustness-seeds", type=int, default=5, help="extra splits for the OR-ed figure's spread")
    ap.add_argument("--json", help="write all figures as JSON here")
    ap.add_argument("--engine-check", metavar="BIN", help="compare every (session, rule) verdict with an independent Sigma engine")
    ap.add_argument("--goshawk", metavar="BIN", help="compare per rule with `BIN rules test rules/sessions <csv>`")
    args = ap.parse_args()

    problems = schema_problems(SESSION_RULES)
    print("schema check:", "ok" if not problems else "\n  ".join(["FAILED"] + problems))

    rows, split, values, n_train, rules, hits = evaluate(args.seed)
    if args.write:
        write_placeholders(values, n_train, args.seed)
    stored = load_placeholders(SESSION_RULES)
    stale = {k: (stored.get(k), round(v, 4)) for k, v in values.items() if stored.get(k) is None or abs(float(stored[k]) - v) > 1e-3}
    if stale:
        print(f"WARNING placeholders.yml differs from this split's percentiles: {stale} (run with --write)")
    print("percentiles (train):", {k: round(v, 4) for k, v in values.items()}, f"from {n_train} train rows")

    names = [r.name for r in rules]
    hits["ALL_EIGHT_OR"] = [any(hits[n][i] for n in names) for i in range(len(rows))]
    levels = {}
    train_m, _, _ = metrics_on("train", rows, split, hits, names + ["ALL_EIGHT_OR"])
    for r in rules:
        levels[r.name] = level_for(train_m[r.name]["precision"])
    for floor_name, allowed in (("OR_LEVEL_GE_LOW", {"low", "medium", "high", "critical"}), ("OR_LEVEL_GE_MEDIUM", {"medium", "high", "critical"})):
        chosen = [n for n in names if levels[n] in allowed]
        hits[floor_name] = [any(hits[n][i] for n in chosen) for i in range(len(rows))]
    combos = ["ALL_EIGHT_OR", "OR_LEVEL_GE_LOW", "OR_LEVEL_GE_MEDIUM"]
    train_m, _, _ = metrics_on("train", rows, split, hits, names + combos)
    test_m, test_idx, test_labels = metrics_on("test", rows, split, hits, names + combos)
    cal_m, _, _ = metrics_on("calibration", rows, split, hits, names + combos)

    counts = {s: sum(1 for x in split if x == s) for s in ("train", "calibration", "test")}
    attacks = {s: sum(1 for x, r in zip(split, rows) if x == s and r[LABEL] == "1") for s in counts}
    print(f"split (seed {args.seed}): " + ", ".join(f"{s} {counts[s]} rows ({attacks[s]} attacks)" for s in counts))
    print()
    print("| rule | level (train precision) | train P | test hits | test TP | test P | test R | test F1 | test support |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in names + combos:
        t, m = train_m[n], test_m[n]
        lvl = levels.get(n, "")
        print(f"| {n} | {lvl} | {fmt(t['precision'])} | {m['hits']} | {m['tp']} | {fmt(m['precision'])} | {fmt(m['recall'])} | {fmt(m['f1'])} | {m['support']} |")
    print(f"\n(OR_LEVEL_GE_LOW / _MEDIUM = OR of the rules whose train-precision level is at least low / medium: "
          f"{[n for n in names if levels[n] in ('low', 'medium', 'high', 'critical')]} / {[n for n in names if levels[n] in ('medium', 'high', 'critical')]})")

    spread = []
    for k in range(args.robustness_seeds):
        s = args.seed + 1 + k
        rows_k, split_k, _, _, rules_k, hits_k = evaluate(s)
        nk = [r.name for r in rules_k]
        hits_k["ALL_EIGHT_OR"] = [any(hits_k[n][i] for n in nk) for i in range(len(rows_k))]
        m, _, _ = metrics_on("test", rows_k, split_k, hits_k, ["ALL_EIGHT_OR"])
        spread.append(m["ALL_EIGHT_OR"])
    if spread:
        def ms(key):
            xs = [m[key] for m in spread]
            return f"{np.mean(xs):.3f} ± {np.std(xs):.3f}"
        print(f"\nALL_EIGHT_OR on the test part of {len(spread)} other seeds (percentiles recomputed per split): "
              f"precision {ms('precision')}, recall {ms('recall')}, F1 {ms('f1')}")

    OUT.mkdir(parents=True, exist_ok=True)
    hits_path = OUT / "ioc_rule_hits.csv"
    with open(hits_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["session_id", "split", "label"] + names + ["n_hits", "rules_hit"])
        for i, row in enumerate(rows):
            hit_names = [n for n in names if hits[n][i]]
            w.writerow([row["session_id"], split[i], row[LABEL]] + [int(hits[n][i]) for n in names] + [len(hit_names), ";".join(hit_names)])
    print(f"\nwrote {hits_path} ({len(rows)} rows; columns: one 0/1 per rule, split in train/calibration/test)")

    if args.write:
        for r in rules:
            update_rule_file(r, train_m[r.name], test_m[r.name], levels[r.name], args.seed)
        print("updated levels and '# measured' comments in", SESSION_RULES)

    if args.engine_check:
        agree, total, diffs = engine_agreement(args.engine_check, rows, rules, hits)
        print(f"agreement with {args.engine_check}: {agree}/{total} (session, rule) verdicts identical")
        for d in diffs:
            print("  DIFF", d)

    if args.goshawk:
        import subprocess

        out = subprocess.run([args.goshawk, "rules", "test", str(SESSION_RULES), str(SESSIONS_CSV)], capture_output=True, text=True, check=True)
        theirs = {}
        for line in out.stdout.splitlines():
            o = json.loads(line)
            theirs.setdefault(o["rule_id"], set()).add(o["index"])
        print(f"\nagreement with `{args.goshawk} rules test` (sessions read by goshawk, rules by rsigma behind its mapping):")
        print("| rule | hits (this script) | hits (goshawk) | sessions that differ |")
        print("|---|---|---|---|")
        for r in rules:
            mine = {i for i, h in enumerate(hits[r.name]) if h}
            got = theirs.get(str(r.id), set())
            print(f"| {r.name} | {len(mine)} | {len(got)} | {len(mine ^ got)} |")

    if args.json:
        Path(args.json).write_text(json.dumps({
            "seed": args.seed, "split_counts": counts, "percentiles": values, "levels": levels,
            "train": train_m, "calibration": cal_m, "test": test_m, "or_test_other_seeds": spread,
        }, indent=2, default=lambda x: None))


if __name__ == "__main__":
    sys.exit(main())
