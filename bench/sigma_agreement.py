#!/usr/bin/env python3
"""Agreement of goshawk's Sigma engine with an independent implementation on real access logs.

pySigma (with pySigma-backend-sqlite) compiles every `category: webserver` rule to an SQLite
query; the access-log lines are loaded into an SQLite table with the same Sigma field mapping
goshawk uses (below); every query is run, and the (file, line, rule id) hits are compared with
`goshawk rules test DIR INPUT` on the same files. Prints the agreement per rule and writes the
full comparison (every disagreeing hit) to bench/out/sigma_agreement.json.

Field mapping (goshawk-rules `event_map.rs`, mirrored here by an independent parser of the
combined log format; values as logged, never decoded):
  cs-uri-query, c-uri, cs-uri   the request target as logged (path and query)
  cs-uri-stem, c-uri-path, c-uri-stem  the path (target up to the first '?')
  c-uri-query                   the query alone (after the first '?'); NULL without '?'
  c-uri-extension               text after the last '.' of the path's last segment; NULL if none
  sc-status                     the status, an INTEGER (NULL for '-')
  cs-bytes, sc-bytes            the logged byte count, an INTEGER (NULL for '-')
  cs-method, cs-version         from the request line ('METHOD target HTTP/x')
  cs-referer, cs-referrer       the Referer field; NULL when '-' or absent
  c-useragent, cs-user-agent, cs(User-Agent)  the User-Agent field; NULL when '-' or absent
  c-ip                          the client address; cs-username the user field (NULL for '-')
  cs-host, cs-cookie, cs-content-type  NULL (an access log does not log those headers)
  raw                           the whole original line: what keyword (fieldless) rules search
Routing as goshawk: a rule is evaluated on access-log lines iff `category: webserver` and no
`service` (rules for proxy, Zeek, Apache error logs... are never applied).

The backend runs with `fulltext_field="raw"` (keyword rules) and `collate_nocase=True` (Sigma
compares case-insensitively; LIKE already does, `=` needs the collation). SQLite has no REGEXP
of its own: Python's `re` is registered as it (the regex dialect pySigma emits, with flags as
`(?i)`-style prefixes).

Usage (from the repository root; needs `cargo build --release -p goshawk` first):
    python3 -m venv bench/out/venv
    bench/out/venv/bin/pip install pysigma==2.0.1 pysigma-backend-sqlite==2.1.1
    bench/out/venv/bin/python bench/sigma_agreement.py [--goshawk target/release/goshawk]
        [--rules DIR ...] [--logs FILE ...] [--out bench/out/sigma_agreement.json]
        [--golden HITS_FILE] [--probes bench/out/sigma_probes.log]
"""

import argparse
import collections
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

import yaml
from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection

SHARED = os.environ.get("GOSHAWK_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
DEFAULT_RULES = [
    os.path.join(SHARED, "data/sigma/rules"),
    os.path.join(SHARED, "data/sigma/rules-emerging-threats"),
    os.path.join(SHARED, "data/sigma/rules-threat-hunting"),
    "rules/web",
]
DEFAULT_LOGS = [
    os.path.join(SHARED, "data/access_logs/elastic_apache/apache_logs.shared.log"),
    os.path.join(SHARED, "data/access_logs/ocatak_scanners/acunetix.txt"),
    os.path.join(SHARED, "data/access_logs/ocatak_scanners/netsparker.txt"),
]

COLUMNS = [
    "cs-uri-query", "c-uri", "cs-uri", "cs-uri-stem", "c-uri-path", "c-uri-stem", "c-uri-query",
    "c-uri-extension", "sc-status", "cs-bytes", "sc-bytes", "cs-referer", "cs-referrer",
    "c-useragent", "cs-user-agent", "cs(User-Agent)", "cs-method", "cs-version", "c-ip",
    "cs-username", "cs-host", "cs-cookie", "cs-content-type",
]
INTEGER_COLUMNS = {"sc-status", "cs-bytes", "sc-bytes"}

METHOD = re.compile(r"^[A-Z]{1,20}$")


def closing_quote(s, start):
    """Index of the next unescaped '"' at or after start (backslash escapes the next char)."""
    i = start
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i
        i += 1
    return None


def parse_line(line):
    """One combined/common log line -> dict of Sigma fields, or None if it is not one.

    Written from the format, not from goshawk's parser: `IP ident user [time] "request"
    status bytes "referer" "agent"`, optionally wrapped in one more pair of quotes (ocatak).
    The request field ends at the first closing quote followed by ' <digit or ->'.
    """
    s = line.rstrip(" \t\r")
    if s.startswith('"'):
        s = s[1:-1] if s.endswith('"') else s[1:]
    m = re.match(r"(\S+) +(\S+) +([^\[]*)\[([^\]]*)\] *", s)
    if not m:
        return None
    ip, user = m.group(1), m.group(3).strip()
    rest = s[m.end():]
    if not rest.startswith('"'):
        return None
    end = first = closing_quote(rest, 1)
    if first is None:
        return None
    while not re.match(r'" [0-9-]', rest[end:end + 3]):
        nxt = closing_quote(rest, end + 1)
        if nxt is None:
            end = first
            break
        end = nxt
    request = rest[1:end]
    tail = rest[end + 1:].lstrip(" ")
    tm = re.match(r"(\S+)(?: +(\S+))?", tail)
    if not tm:
        return None
    status_text, bytes_text = tm.group(1), tm.group(2)

    def number(text):
        if text is None or text == "-":
            return None
        if not text.isdigit():
            raise ValueError(text)
        return int(text)

    try:
        status, size = number(status_text), number(bytes_text)
    except ValueError:
        return None
    tail = tail[tm.end():].lstrip(" ")
    quoted = []
    for _ in range(2):
        if not tail.startswith('"'):
            break
        q = closing_quote(tail, 1)
        q = len(tail) if q is None else q
        quoted.append(tail[1:q])
        tail = tail[q + 1:].lstrip(" ")
    referer = quoted[0] if len(quoted) > 0 and quoted[0] != "-" else None
    agent = quoted[1] if len(quoted) > 1 and quoted[1] != "-" else None

    req = request.strip(" \t")
    method, target, version = "", req, None
    if " " in req and METHOD.match(req.split(" ", 1)[0]):
        method, after = req.split(" ", 1)
        after = after.lstrip(" ")
        target = after
        if " " in after:
            head, ver = after.rsplit(" ", 1)
            if ver.startswith("HTTP/"):
                target, version = head.rstrip(" "), ver
    path, _, query = target.partition("?")
    query = query if "?" in target else None
    last = path.rsplit("/", 1)[-1]
    ext = last.rsplit(".", 1)[1] if "." in last else None
    ext = ext or None
    return {
        "cs-uri-query": target, "c-uri": target, "cs-uri": target,
        "cs-uri-stem": path, "c-uri-path": path, "c-uri-stem": path, "c-uri-query": query,
        "c-uri-extension": ext, "sc-status": status, "cs-bytes": size, "sc-bytes": size,
        "cs-referer": referer, "cs-referrer": referer,
        "c-useragent": agent, "cs-user-agent": agent, "cs(User-Agent)": agent,
        "cs-method": method or None, "cs-version": version, "c-ip": ip,
        "cs-username": user if user and user != "-" else None,
        "cs-host": None, "cs-cookie": None, "cs-content-type": None,
    }


def read_text(path):
    """Lines as goshawk reads them: UTF-8, else Latin-1, per line; blank lines skipped."""
    out = []
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            raw = raw.rstrip(b"\n").rstrip(b"\r")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            if text.strip():
                out.append((number, text))
    return out


def rule_files(dirs):
    for d in dirs:
        if os.path.isfile(d):
            yield d
            continue
        for root, _, files in os.walk(d):
            for name in sorted(files):
                if name.endswith((".yml", ".yaml")) and name != "placeholders.yml":
                    yield os.path.join(root, name)


def webserver_rules(dirs):
    """(path, rule id, title, yaml text) of every rule goshawk routes to access-log lines."""
    out = []
    for path in sorted(set(rule_files(dirs))):
        text = open(path, encoding="utf-8").read()
        try:
            docs = list(yaml.safe_load_all(text))
        except yaml.YAMLError:
            continue
        for doc in docs:
            if not isinstance(doc, dict) or "detection" not in doc:
                continue
            ls = doc.get("logsource") or {}
            if str(ls.get("category", "")).lower() == "webserver" and not ls.get("service"):
                out.append((path, str(doc.get("id") or ""), doc.get("title", ""), text))
    return out


FIELD_SLOTS = {
    "cs-uri-query": "uri", "c-uri": "uri", "cs-uri": "uri", "cs-uri-stem": "path",
    "c-uri-path": "path", "c-uri-stem": "path", "c-uri-query": "query", "c-uri-extension": "ext",
    "sc-status": "status", "cs-method": "method", "c-useragent": "agent", "cs-user-agent": "agent",
    "cs(User-Agent)": "agent", "cs-referer": "referer", "cs-referrer": "referer",
}


def probe_value(value, modifiers):
    """Text that a value with these modifiers should match; None when not generated."""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        return None
    if set(modifiers) - {"contains", "startswith", "endswith", "all", "cased"}:
        return None
    text = str(value)
    # Wildcards: one character each; escaped ones stay literal.
    text = re.sub(r"(?<!\\)\*", "x", text)
    text = re.sub(r"(?<!\\)\?", "y", text)
    text = text.replace("\\*", "*").replace("\\?", "?")
    if "contains" in modifiers:
        text = "a" + text + "z"
    elif "startswith" in modifiers:
        text = text + "z"
    elif "endswith" in modifiers:
        text = "a" + text
    return text


def probe_lines(rules):
    """Combined-log lines built from the rules' own values: for each selection of each rule,
    one line carrying a value of every field it names (and the same line upper-cased, for case
    folding), plus one line per keyword. They exercise rules the real logs never trigger."""
    def line(slots):
        uri = slots.get("uri") or (slots.get("path", "/p") + ("?" + slots["query"] if "query" in slots else ""))
        if "ext" in slots and "uri" not in slots:
            uri = "/f." + slots["ext"]
        return '10.0.0.%d - - [06/Dec/2026:07:00:00 +0000] "%s %s HTTP/1.1" %s 100 "%s" "%s"' % (
            len(uri) % 250, slots.get("method", "GET"), uri, slots.get("status", "200"),
            slots.get("referer", "-"), slots.get("agent", "Mozilla/5.0"),
        )

    def merge(all_slots):
        merged = {}
        for slots in all_slots:
            for key, value in slots.items():
                if key in ("uri", "path", "query", "agent", "referer") and key in merged:
                    merged[key] += value
                else:
                    merged.setdefault(key, value)
        return merged

    out = []
    for _path, _rule_id, _title, text in rules:
        for doc in yaml.safe_load_all(text):
            if not isinstance(doc, dict):
                continue
            # Also one line with every selection at once (not filters), for `a and b` rules.
            together = []
            for name, body in (doc.get("detection") or {}).items():
                if name == "condition":
                    continue
                maps = body if isinstance(body, list) else [body]
                for item in maps:
                    if isinstance(item, (str, int)) and not isinstance(item, bool):
                        out.append(line({"agent": "k " + str(item) + " k"}))
                        if item is maps[0] and not name.startswith("filter"):
                            together.append({"agent": " " + str(item) + " "})
                        continue
                    if not isinstance(item, dict):
                        continue
                    slots = {}
                    for key, values in item.items():
                        field, *mods = str(key).split("|")
                        slot = FIELD_SLOTS.get(field)
                        first = values[0] if isinstance(values, list) and values else values
                        generated = probe_value(first, mods)
                        if slot and generated is not None:
                            slots[slot] = generated
                    if slots:
                        out.append(line(slots))
                        out.append(line({k: v.upper() for k, v in slots.items()}))
                        if item is maps[0] and not name.startswith("filter"):
                            together.append(slots)
            if len(together) > 1:
                merged = merge(together)
                out.append(line(merged))
                out.append(line({k: v.upper() for k, v in merged.items()}))
    return out


def regexp(pattern, value, cache={}):
    if value is None:
        return False
    compiled = cache.get(pattern)
    if compiled is None:
        compiled = cache[pattern] = re.compile(pattern)
    return compiled.search(str(value)) is not None


def load_db(logs):
    db = sqlite3.connect(":memory:")
    db.create_function("REGEXP", 2, regexp, deterministic=True)
    cols = ", ".join(
        f"`{c}` {'INTEGER' if c in INTEGER_COLUMNS else 'TEXT'}" for c in COLUMNS
    )
    db.execute(f"CREATE TABLE logs (file TEXT, line INTEGER, raw TEXT, {cols})")
    placeholders = ", ".join("?" for _ in range(3 + len(COLUMNS)))
    unparsed = 0
    total = 0
    for path in logs:
        rows = []
        for number, text in read_text(path):
            fields = parse_line(text)
            if fields is None:
                unparsed += 1
                continue
            rows.append([os.path.basename(path), number, text] + [fields[c] for c in COLUMNS])
        total += len(rows)
        db.executemany(f"INSERT INTO logs VALUES ({placeholders})", rows)
    db.commit()
    return db, total, unparsed


def pysigma_hits(db, rules):
    backend = sqliteBackend(fulltext_field="raw", collate_nocase=True)
    hits, failures = set(), {}
    converted = 0
    seconds = 0.0
    for path, rule_id, _title, text in rules:
        try:
            queries = backend.convert(SigmaCollection.from_yaml(text))
        except Exception as e:  # pySigma raises many kinds; each is a reason to report
            failures[rule_id] = f"{type(e).__name__}: {e}"
            continue
        converted += 1
        for query in queries:
            sql = query.replace("SELECT * FROM logs", "SELECT file, line FROM logs", 1)
            started = time.perf_counter()
            try:
                found = db.execute(sql).fetchall()
            except sqlite3.Error as e:
                failures[rule_id] = f"sqlite: {e}: {sql[:200]}"
                continue
            finally:
                seconds += time.perf_counter() - started
            hits.update((f, n, rule_id) for f, n in found)
    return hits, failures, converted, seconds


def goshawk_hits(binary, rule_dirs, logs, rule_ids):
    hits = set()
    seconds = 0.0
    for path in logs:
        for d in rule_dirs:
            started = time.perf_counter()
            run = subprocess.run(
                [binary, "rules", "test", d, path],
                capture_output=True, text=True, check=True,
            )
            seconds += time.perf_counter() - started
            for row in run.stdout.splitlines():
                hit = json.loads(row)
                if hit["rule_id"] in rule_ids:
                    hits.add((os.path.basename(path), hit["line"], hit["rule_id"]))
    return hits, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--goshawk", default="target/release/goshawk")
    ap.add_argument("--rules", nargs="+", default=DEFAULT_RULES)
    ap.add_argument("--logs", nargs="+", default=DEFAULT_LOGS)
    ap.add_argument("--out", default="bench/out/sigma_agreement.json")
    ap.add_argument("--probes", metavar="FILE",
                    help="instead of --logs, write and compare lines built from the rules' own values")
    ap.add_argument("--golden", help="also write pySigma's hits as LINE<TAB>RULE_ID (one log file)")
    args = ap.parse_args()

    rules = webserver_rules(args.rules)
    if args.probes:
        os.makedirs(os.path.dirname(args.probes), exist_ok=True)
        with open(args.probes, "w") as f:
            f.write("\n".join(probe_lines(rules)) + "\n")
        args.logs = [args.probes]
    ids = [r[1] for r in rules]
    dupes = [i for i, n in collections.Counter(ids).items() if n > 1 or not i]
    if dupes:
        sys.exit(f"rule ids must be unique and present: {dupes}")
    titles = {r[1]: (r[2], r[0]) for r in rules}

    started = time.perf_counter()
    db, lines, unparsed = load_db(args.logs)
    load_s = time.perf_counter() - started
    py_hits, failures, converted, query_s = pysigma_hits(db, rules)
    if args.golden:
        if len(args.logs) != 1:
            sys.exit("--golden needs exactly one --logs file")
        with open(args.golden, "w") as f:
            f.write("# LINE<TAB>RULE_ID: hits of pySigma (SQLite backend) via bench/sigma_agreement.py\n")
            for _file, line, rule_id in sorted(py_hits, key=lambda h: (h[1], h[2])):
                f.write(f"{line}\t{rule_id}\n")
    gs_hits, goshawk_s = goshawk_hits(args.goshawk, args.rules, args.logs, set(ids))

    per_rule = {}
    for rule_id in ids:
        if rule_id in failures:
            continue
        g = {h for h in gs_hits if h[2] == rule_id}
        p = {h for h in py_hits if h[2] == rule_id}
        per_rule[rule_id] = {
            "title": titles[rule_id][0],
            "path": titles[rule_id][1],
            "same": len(g & p),
            "only_goshawk": sorted(g - p),
            "only_pysigma": sorted(p - g),
        }
    compared = [r for r in per_rule.values()]
    same = sum(r["same"] for r in compared)
    only_g = sum(len(r["only_goshawk"]) for r in compared)
    only_p = sum(len(r["only_pysigma"]) for r in compared)
    summary = {
        "rules_webserver": len(rules),
        "rules_converted_by_pysigma": converted,
        "rules_pysigma_failed": failures,
        "lines_loaded": lines,
        "lines_unparsed_by_script": unparsed,
        "hits_same": same,
        "hits_only_goshawk": only_g,
        "hits_only_pysigma": only_p,
        "rules_in_full_agreement": sum(1 for r in compared if not r["only_goshawk"] and not r["only_pysigma"]),
        "rules_compared": len(compared),
        "pysigma_sqlite_load_seconds": round(load_s, 3),
        "pysigma_sqlite_query_seconds": round(query_s, 3),
        "pysigma_sqlite_lines_per_s_queries": round(lines / query_s) if query_s else None,
        "pysigma_sqlite_lines_per_s_load_plus_queries": round(lines / (load_s + query_s)),
        "goshawk_rules_test_seconds_incl_process_start": round(goshawk_s, 3),
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"summary": summary, "per_rule": per_rule}, f, indent=1)
    print(json.dumps(summary, indent=1))
    print(f"{'same':>6} {'only_g':>6} {'only_p':>6}  rule")
    for rule_id, r in sorted(per_rule.items(), key=lambda kv: (-kv[1]["same"], kv[0])):
        if r["same"] or r["only_goshawk"] or r["only_pysigma"]:
            print(f"{r['same']:>6} {len(r['only_goshawk']):>6} {len(r['only_pysigma']):>6}  {rule_id}  {r['title']}")
    for rule_id, r in per_rule.items():
        for kind in ("only_goshawk", "only_pysigma"):
            for f_, n, _ in r[kind][:3]:
                print(f"  {kind}: {rule_id} {f_}:{n}")


if __name__ == "__main__":
    main()
