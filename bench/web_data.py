#!/usr/bin/env python3
"""Build the training data of the built-in web model and the held-out sets that measure it.

Held out, never trained on (selected by a seeded hash of the list FILE, so whole lists are unseen):
about 40 % of the public payload list files of each category in web_payloads/payloads_index.csv
(every category with a single file is held out entirely), 20 % of http_params' benign values, and
all the benign values of the evaluation set (Python standard-library docstring prose, names and
addresses from http_params' held-out rows, referer URLs from the Elastic Apache log, numbers).

Both attack and benign values are placed the same way: `GET /search?q=<value, form-encoded>`.

Outputs (OUT, default bench/out/web):
  train_payloads.csv   url,label,attack_type  (payload lists + http_params train rows, wrapped in
                       realistic paths and parameter names, and fsecurify scanner URLs as they are)
  unseen_attacks.txt   one URL per line; unseen_attacks.types.txt  its category per line
  unseen_benign.txt    one URL per line; unseen_benign.kinds.txt   prose/name/url/number
  evasion_<form>.txt   the unseen attacks re-encoded: double-pct, mixed-case, sql-comments,
                       html-entities, pct-u
usage: bench/web_data.py [--data ../shared/data] [--out bench/out/web]
"""
import argparse
import csv
import gzip
import hashlib
import html
import inspect
import os
import pkgutil
import random
import re
import sys
import urllib.parse
import importlib

csv.field_size_limit(1 << 24)

PATHS = ["/search", "/index.php", "/api/items", "/page", "/products/list", "/account/view",
         "/view.php", "/api/v1/users", "/blog/post", "/download", "/catalog", "/forum/thread"]
PARAMS = ["q", "id", "file", "filter", "name", "page", "query", "item", "search", "user",
          "path", "cat", "sort", "redirect", "lang"]
# Word lists that are no attack on their own: inputs to injection templates (bare command names
# like `tty` or `last`, LDAP attribute names like `mail`). Neither trained on nor scored.
NOT_ATTACK_FILES = ("LDAP_attributes.txt", "Commands-Linux.txt", "Commands-OSX.txt",
                    "Commands-Windows.txt", "Commands-WindowsPowershell.txt",
                    "useful-commands-unix.txt", "useful-commands-windows.txt")


def h(text):
    return int.from_bytes(hashlib.sha256(text.encode("utf-8", "replace")).digest()[:8], "big")


def held_out_file(source, files_in_category):
    if len(files_in_category) == 1:
        return True
    return h("file:" + source) % 10 < 4


def wrap(value, rng):
    return f"{rng.choice(PATHS)}?{rng.choice(PARAMS)}={urllib.parse.quote_plus(value, safe='')}"


def search_url(value):
    return "/search?q=" + urllib.parse.quote_plus(value, safe="")


# Redirect and SSRF lists aim their payloads at a placeholder site: google.com, example.com,
# evil.com, whitelisteddomain.tld. The attack is the form around the name (`//`, `/\`, `%2e%2e`,
# `@`, a trusted name as a subdomain), not the name: left as is, the model learned `google` as an
# attack word and flagged ordinary Google links. Training rows get a random site name instead.
PLACEHOLDER_SITE = re.compile(r"(?:www\.)?(?:google|example|evil|whitelisteddomain)\.(?:com|tld)", re.I)
SYLLABLES = ["ka", "lo", "mi", "ra", "ten", "vo", "zu", "pe", "shan", "dor", "bel", "qui", "nex",
             "ta", "ri", "mon", "sol", "fa", "gri", "lu"]
TLDS = ["com", "net", "org", "io", "de", "ru", "jp", "co.uk", "com.au", "fr", "info", "nl", "es",
        "com.br", "in", "it", "pl", "cn", "co", "me"]


def random_site(rng):
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randrange(2, 4)))
    return f"{rng.choice(['', 'www.'])}{name}.{rng.choice(TLDS)}"


def randomise_sites(payload, rng):
    return PLACEHOLDER_SITE.sub(lambda _: random_site(rng), payload)


def usable_payload(p):
    s = p.strip()
    return len(s) >= 3 and not s.startswith("#")


def stdlib_prose(rng, n):
    """Sentences from the docstrings of Python's standard library: real, varied English prose."""
    sentences = set()
    for mod in ["argparse", "collections", "csv", "datetime", "email", "http.client", "json",
                "logging", "os", "pathlib", "random", "statistics", "string", "textwrap",
                "unittest", "urllib.request", "zipfile", "calendar", "decimal", "fractions",
                "heapq", "shutil", "tarfile", "threading", "subprocess", "socket", "sqlite3"]:
        try:
            m = importlib.import_module(mod)
        except Exception:
            continue
        for _, obj in inspect.getmembers(m):
            doc = inspect.getdoc(obj) or ""
            for s in re.split(r"(?<=[.!?])\s+", doc.replace("\n", " ")):
                s = s.strip()
                if 20 <= len(s) <= 160 and not re.search(r"[<>{}\[\]|`$\\]|>>>|\.\.\.", s):
                    sentences.add(s)
    out = sorted(sentences)
    rng.shuffle(out)
    return out[:n]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out", "web"))
    ap.add_argument("--per-file-cap", type=int, default=400,
                    help="held-out payloads taken per list file (so one huge list does not dominate)")
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        sys.exit(f"web_data: {args.data} not found (needs ../shared/data)")
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(20261122)

    # --- payload lists
    rows = list(csv.DictReader(open(os.path.join(args.data, "web_payloads", "payloads_index.csv"),
                                    encoding="utf-8", errors="replace", newline="")))
    files_by_cat = {}
    for r in rows:
        files_by_cat.setdefault(r["category"], set()).add(r["source"])
    train, unseen = [], {}
    for r in rows:
        cat, src, payload = r["category"], r["source"], r["payload"]
        if cat == "mixed_malicious_url":
            train.append((payload if payload.startswith("/") else "/" + payload, "attack", ""))
            continue
        if not usable_payload(payload) or src.endswith(NOT_ATTACK_FILES):
            continue
        if held_out_file(src, files_by_cat[cat]):
            unseen.setdefault(src, []).append((payload, cat))
        else:
            train.append((wrap(randomise_sites(payload, rng), rng), "attack", cat))
    attacks = []
    for src in sorted(unseen):
        items = unseen[src]
        rng.shuffle(items)
        attacks.extend(items[: args.per_file_cap])

    # --- http_params: 80 % of rows train (all classes), 20 % of benign values held out
    held_names = []
    for r in csv.DictReader(open(os.path.join(args.data, "http_params", "payload_full.shared.csv"),
                                 encoding="utf-8", errors="replace", newline="")):
        value, label = r["payload"], r["label"]
        if h("hp:" + value) % 5 == 0:
            if label == "norm":
                held_names.append(value)
            continue
        train.append((wrap(value, rng), "normal" if label == "norm" else "attack",
                      "" if label == "norm" else r["attack_type"]))

    with open(os.path.join(args.out, "train_payloads.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["url", "label", "attack_type"])
        w.writerows(train)

    # --- unseen benign values
    benign = [(v, "prose") for v in stdlib_prose(rng, 2000)]
    rng.shuffle(held_names)
    benign += [(v, "name") for v in held_names[:2000]]
    referers = set()
    for line in open(os.path.join(args.data, "access_logs", "elastic_apache", "apache_logs.shared.log"),
                     encoding="utf-8", errors="replace"):
        m = re.search(r'" \d{3} \S+ "(https?://[^"]+)"', line)
        if m:
            referers.add(m.group(1))
    refs = sorted(referers)
    rng.shuffle(refs)
    benign += [(v, "url") for v in refs[:1000]]
    nums = []
    for _ in range(1000):
        kind = rng.randrange(5)
        nums.append(str(rng.randrange(1, 10 ** rng.randrange(1, 12))) if kind == 0 else
                    f"{rng.uniform(-1000, 100000):.2f}" if kind == 1 else
                    f"20{rng.randrange(10, 27)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}" if kind == 2 else
                    f"+34 {rng.randrange(600, 700)} {rng.randrange(100, 999)} {rng.randrange(100, 999)}" if kind == 3 else
                    f"{rng.randrange(1, 99)}%")
    benign += [(v, "number") for v in nums]

    def write_lines(name, values):
        with open(os.path.join(args.out, name), "w", encoding="utf-8", newline="\n") as f:
            for v in values:
                f.write(v + "\n")

    write_lines("unseen_attacks.txt", [search_url(p) for p, _ in attacks])
    write_lines("unseen_attacks.types.txt", [c for _, c in attacks])
    write_lines("unseen_benign.txt", [search_url(v) for v, _ in benign])
    write_lines("unseen_benign.kinds.txt", [k for _, k in benign])

    # --- evasion: the same unseen attacks, re-encoded before form-encoding
    def mixed_case(p):
        return "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(p))

    def html_entities(p):
        return "".join(f"&#{ord(c)};" if c in "<>'\"()/" else c for c in p)

    def pct_u(p):
        return "".join(f"%u{ord(c):04x}" if not c.isalnum() and ord(c) < 0x10000 else c for c in p)

    def pct(p):
        return "".join(c if c.isalnum() else "%" + "%".join(f"{b:02X}" for b in c.encode()) for c in p)

    def double_pct(p):
        return pct(pct(p))

    forms = {
        "double-pct": lambda p: "/search?q=" + double_pct(p),
        "mixed-case": lambda p: search_url(mixed_case(p)),
        "sql-comments": lambda p: search_url(p.replace(" ", "/**/")),
        "html-entities": lambda p: search_url(html_entities(p)),
        "pct-u": lambda p: "/search?q=" + pct_u(p),
    }
    for name, f in forms.items():
        write_lines(f"evasion_{name}.txt", [f(p) for p, _ in attacks])
    print(f"web_data: {len(train)} training rows, {len(attacks)} unseen attacks from "
          f"{len(unseen)} held-out lists, {len(benign)} unseen benign values -> {args.out}")


if __name__ == "__main__":
    main()
