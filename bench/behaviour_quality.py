#!/usr/bin/env python3
"""Behavioural detection on the bank simulator: do the shipped login-abuse correlation rules
(rules/behaviour/) flag brute-force, credential-stuffing and password-spraying addresses within
60 s of their first request, and never a customer?

Simulates --count events with --seed, scans them with `goshawk scan --format jsonl --threads 1`
(shipped packs), and reports per scenario:
  - recall of attacking addresses flagged within 60 s of the address's first request (only
    addresses whose first request is at least 60 s before the data ends count), and ever;
  - for brute force, recall of the attacked (address, account) pairs by the brute-force rule;
  - time from an address's first request to its first flag (median, max);
  - customers flagged: customer requests with a behaviour finding, and the customer addresses
    and usernames on them; and which rule fired on which scenario.
Then the scan speed on one core with and without the behaviour rules (same input), and an
event-level cross-check with /work/shared/tools/metrics.py when it is there.

  python3 bench/behaviour_quality.py --seed 20261206 --count 200000
"""
import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES = {
    "2c040fb5-342c-4c96-878b-d4f0da7545a8": "brute-force rule (T1110.001)",
    "b5cb69cb-04ed-494a-9054-b9b6c8e45bcb": "spraying rule (T1110.003)",
    "8fce20f1-6fb7-430b-8c05-17fa112ffe32": "stuffing rule (T1110.004)",
}
BRUTE_FORCE_RULE = "2c040fb5-342c-4c96-878b-d4f0da7545a8"
SCENARIOS = ["brute-force", "credential-stuffing", "password-spraying"]
WINDOW = 60.0


def seconds(ts):
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def scan(goshawk, events, rules, out_path):
    """Runs scan on one core; returns wall seconds."""
    cmd = [goshawk, "scan", "--format", "jsonl", "--threads", "1"]
    for r in rules:
        cmd += ["--rules", r]
    cmd.append(events)
    started = time.perf_counter()
    with open(out_path, "w") as out:
        subprocess.run(cmd, stdout=out, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def schema_problems(schema_dir):
    """Each document of rules/behaviour/*.yml against the Sigma detection or correlation
    JSON schema; None when the schemas or jsonschema/PyYAML are not available."""
    try:
        import jsonschema
        import yaml
    except ImportError:
        return None
    schemas = {}
    for kind, name in (("detection", "sigma-detection-rule-schema.json"),
                       ("correlation", "sigma-correlation-rules-schema.json")):
        path = os.path.join(schema_dir, name)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            schemas[kind] = jsonschema.Draft202012Validator(
                json.load(f), format_checker=jsonschema.FormatChecker())
    problems, checked = [], 0
    directory = os.path.join(ROOT, "rules/behaviour")
    for name in sorted(os.listdir(directory)):
        if not name.endswith((".yml", ".yaml")):
            continue
        with open(os.path.join(directory, name)) as f:
            for doc in yaml.safe_load_all(f):
                # YAML reads `date: 2026-12-06` as a date; Sigma reads it as text.
                for key in ("date", "modified"):
                    if key in doc and not isinstance(doc[key], str):
                        doc[key] = str(doc[key])
                kind = "correlation" if "correlation" in doc else "detection"
                checked += 1
                problems += [f"{name}: {doc.get('title')}: {e.message}"
                             for e in schemas[kind].iter_errors(doc)]
    return checked, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--goshawk", default=os.path.join(ROOT, "target/release/goshawk"))
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--count", type=int, default=200_000)
    ap.add_argument("--speed-runs", type=int, default=3, help="scans per configuration (best kept)")
    ap.add_argument("--metrics", default=os.path.join(ROOT, "../shared/tools/metrics.py"))
    ap.add_argument("--schemas", default=os.path.join(
        ROOT, "../shared/data/sigma/sigma-specification/json-schema"))
    args = ap.parse_args()

    schema = schema_problems(args.schemas)
    if schema is None:
        print("schema check skipped (no Sigma JSON schemas or no jsonschema/PyYAML)")
    else:
        checked, problems = schema
        print(f"schema check: {checked} documents of rules/behaviour, "
              f"{len(problems)} problem(s) {problems if problems else ''}")

    tmp = tempfile.mkdtemp(prefix="behaviour_")
    events = os.path.join(tmp, "events.jsonl")
    truth_path = os.path.join(tmp, "truth.jsonl")
    subprocess.run([args.goshawk, "simulate", "--to", events, "--count", str(args.count),
                    "--truth", truth_path, "--seed", str(args.seed),
                    "--start", "2026-01-01T00:00:00Z"], check=True, stderr=subprocess.DEVNULL)

    # Events: address, user, time, scenario, label (same order as the scan output).
    rows = []
    with open(events) as ev, open(truth_path) as tr:
        for e_line, t_line in zip(ev, tr):
            e, t = json.loads(e_line), json.loads(t_line)
            assert e["id"] == t["id"]
            rows.append((e.get("client_ip"), e.get("user"), seconds(e["timestamp"]),
                         t["scenario"], t["label"]))
    end = max(r[2] for r in rows)

    with_rules = os.path.join(tmp, "scan_builtin.jsonl")
    speeds = {"shipped packs (with rules/behaviour)": [], "web + sessions packs only": []}
    for _ in range(args.speed_runs):
        speeds["shipped packs (with rules/behaviour)"].append(
            scan(args.goshawk, events, ["builtin"], with_rules))
        speeds["web + sessions packs only"].append(
            scan(args.goshawk, events, [os.path.join(ROOT, "rules/web"),
                                        os.path.join(ROOT, "rules/sessions")],
                 os.path.join(tmp, "scan_stateless.jsonl")))

    flagged = []  # per event: set of behaviour rule ids
    with open(with_rules) as f:
        for i, line in enumerate(f):
            obj = json.loads(line)
            assert obj["index"] == i
            flagged.append({x["rule_id"] for x in obj.get("findings", [])
                            if x.get("rule_id") in RULES})
    assert len(flagged) == len(rows)

    first_seen = {}          # (scenario, ip) -> first request time
    first_flag = {}          # (scenario, ip) -> first flagged request time
    brute_pairs = {}         # (ip, user) -> first attempt
    brute_flag = {}          # (ip, user) -> first brute-force-rule flag
    rule_by_scenario = collections.defaultdict(lambda: collections.defaultdict(set))
    customer_events, customer_ips, customer_users = 0, set(), set()
    for (ip, user, at, scenario, label), hits in zip(rows, flagged):
        key = (scenario, ip)
        first_seen.setdefault(key, at)
        if hits:
            first_flag.setdefault(key, at)
            for rule in hits:
                rule_by_scenario[rule][scenario].add(ip)
            if label == "normal":
                customer_events += 1
                customer_ips.add(ip)
                if user:
                    customer_users.add(user)
        if scenario == "brute-force" and user:
            brute_pairs.setdefault((ip, user), at)
            if BRUTE_FORCE_RULE in hits:
                brute_flag.setdefault((ip, user), at)
    customer_addresses = {ip for (s, ip) in first_seen if s == "customer"}
    customer_usernames = {u for (ip, u, _, s, _) in rows if s == "customer" and u}

    print(f"seed {args.seed}, {len(rows):,} events, simulated "
          f"{(end - rows[0][2]) / 3600:.2f} h, data in {tmp}")
    print()
    print("| scenario | addresses | eligible (start >= 60 s before end) | flagged <= 60 s | "
          "recall@60s | flagged ever | time to flag median / max (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for scenario in SCENARIOS:
        ips = [ip for (s, ip) in first_seen if s == scenario]
        eligible = [ip for ip in ips if first_seen[(scenario, ip)] + WINDOW <= end]
        delays = {ip: first_flag[(scenario, ip)] - first_seen[(scenario, ip)]
                  for ip in ips if (scenario, ip) in first_flag}
        within = [ip for ip in eligible if ip in delays and delays[ip] <= WINDOW]
        ever = [ip for ip in ips if ip in delays]
        d = sorted(delays.values())
        print(f"| {scenario} | {len(ips)} | {len(eligible)} | {len(within)} | "
              f"{len(within) / max(1, len(eligible)):.3f} | {len(ever)} | "
              f"{statistics.median(d) if d else float('nan'):.1f} / "
              f"{max(d) if d else float('nan'):.1f} |")
    eligible_pairs = [p for p, at in brute_pairs.items() if at + WINDOW <= end]
    pairs_within = [p for p in eligible_pairs
                    if p in brute_flag and brute_flag[p] - brute_pairs[p] <= WINDOW]
    print()
    print(f"brute force, (address, account) pairs flagged by the brute-force rule within 60 s: "
          f"{len(pairs_within)} / {len(eligible_pairs)} = "
          f"{len(pairs_within) / max(1, len(eligible_pairs)):.3f}")
    print()
    print(f"customers flagged by the behaviour rules: {customer_events} requests, "
          f"{len(customer_ips)} of {len(customer_addresses)} customer addresses, "
          f"{len(customer_users)} of {len(customer_usernames)} customer usernames")
    print()
    print("addresses each rule flagged, by scenario:")
    for rule, name in RULES.items():
        by = {s: len(v) for s, v in sorted(rule_by_scenario[rule].items())}
        print(f"  {name}: {by}")
    print()
    print(f"scan speed, one core (--threads 1), best of {args.speed_runs}:")
    for name, runs in speeds.items():
        best = min(runs)
        print(f"  {name}: {best:.2f} s = {len(rows) / best:,.0f} events/s")

    if os.path.exists(args.metrics):
        # Event level, on the three scenarios' requests and the customers' only: how many of
        # their requests carry a behaviour finding (the first few of a campaign cannot).
        pred = os.path.join(tmp, "behaviour_pred.jsonl")
        labels = os.path.join(tmp, "behaviour_labels.txt")
        with open(pred, "w") as p, open(labels, "w") as lab:
            for (ip, user, at, scenario, label), hits in zip(rows, flagged):
                if scenario in SCENARIOS or scenario == "customer":
                    p.write(json.dumps({"score": float(bool(hits)), "is_threat": bool(hits)}) + "\n")
                    lab.write(label + "\n")
        print()
        print("event-level cross-check (metrics.py, behaviour findings only, "
              "brute force + stuffing + spraying + customer requests):")
        sys.stdout.flush()
        subprocess.run([sys.executable, args.metrics, "--pred", pred, "--labels", labels],
                       check=False)


if __name__ == "__main__":
    main()
