#!/usr/bin/env python3
"""Benign natural-language values for training the built-in web model.

Attack payload lists are full of English words (`select`, `and`, `or`, `return`, `system`), and
a model that has seen little benign English next to them learns English as an attack. This
script gathers ordinary prose and URLs from text any Debian machine carries — the licence texts
in /usr/share/common-licenses, Perl's documentation (*.pod) and Debian package changelogs — and
wraps each value in a realistic path and parameter, as a normal row. (The evaluation's prose comes
from Python docstrings and its URLs from the Elastic Apache log: no overlap with these sources.)
The files read are the ones present, in sorted order, so the output depends on the installed
packages; the row count is printed.

usage: bench/benign_text.py OUT.csv [--rows 40000] [--seed 5]
"""
import argparse
import csv
import glob
import gzip
import random
import re
import urllib.parse

PATHS = ["/search", "/comments/new", "/support/ticket", "/api/notes", "/blog/post", "/forum/reply",
         "/feedback", "/profile/update", "/messages/send", "/docs", "/products/review", "/wiki/edit"]
PARAMS = ["q", "message", "comment", "body", "text", "subject", "description", "note", "query",
          "title", "bio", "review", "url", "link", "ref", "source"]


def texts():
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        try:
            yield open(path, encoding="utf-8", errors="replace").read()
        except (IsADirectoryError, OSError):
            pass
    for path in sorted(glob.glob("/usr/share/perl/**/*.pod", recursive=True) +
                       glob.glob("/usr/lib/x86_64-linux-gnu/perl*/**/*.pod", recursive=True)):
        yield open(path, encoding="utf-8", errors="replace").read()
    for path in sorted(glob.glob("/usr/share/doc/*/changelog*.gz"))[:400]:
        try:
            yield gzip.open(path, "rt", encoding="utf-8", errors="replace").read(200_000)
        except (OSError, EOFError):
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=40000)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sentences, urls = set(), set()
    for text in texts():
        urls.update(u.rstrip(".,;)>'\"") for u in re.findall(r"https?://[^\s<>\"']+", text))
        flat = re.sub(r"\s+", " ", text)
        for s in re.split(r"(?<=[.!?])\s+", flat):
            s = s.strip(" *-=#")
            if 12 <= len(s) <= 200 and sum(c.isalpha() for c in s) > len(s) * 0.6:
                sentences.add(s)
    sentences, urls = sorted(sentences), sorted(urls)
    rng.shuffle(sentences)
    rng.shuffle(urls)
    # URLs are a common benign value (referrers, links, callbacks) that open-redirect and SSRF
    # lists make look hostile: each is used in three different places.
    # One of the three places is always a search box: people paste links into search fields,
    # and attack lists put URL-shaped payloads (SSRF, redirects, remote includes) in `q=` too.
    values = [(s, None) for s in sentences[: args.rows]]
    for u in urls[: args.rows // 8]:
        values += [(u, ("/search", "q")), (u, None), (u, None)]
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["url", "label", "attack_type"])
        for v, place in values:
            enc = rng.random()
            value = (urllib.parse.quote_plus(v, safe="") if enc < 0.6 else
                     urllib.parse.quote(v, safe="") if enc < 0.9 else v.replace("&", "%26").replace("#", "%23"))
            path, param = place or (rng.choice(PATHS), rng.choice(PARAMS))
            w.writerow([f"{path}?{param}={value}", "normal", ""])
    print(f"benign_text: {len(values)} rows ({min(len(sentences), args.rows)} sentences, "
          f"{min(len(urls), args.rows // 8)} URLs, three times each) -> {args.out}")


if __name__ == "__main__":
    main()
