#!/usr/bin/env python3
"""Split the CSIC 2010 test files into a training part and a held-out evaluation part.

The issue's protocol: train on normalTrafficTraining plus part of the shared test files, evaluate
on requests never trained on. Requests are assigned by a seeded hash of their index, half to each
side. PUT requests are set aside on both sides: in CSIC every PUT is anomalous and otherwise a
copy of a normal POST; goshawk does not use the method or the Host header as features (they
identify the test harness, not the attack), so a PUT is indistinguishable by design.

Writes raw CSIC-format files (readable by `goshawk train web --format csic`) to OUT:
  train_normal.txt  train_attack.txt  test_normal.txt  test_attack.txt  (+ test_labels.txt)

usage: bench/csic_split.py [--data ../shared/data] [--out bench/out/csic] [--seed 7]
"""
import argparse
import gzip
import hashlib
import os
import re
import sys

START = re.compile(rb"^(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH|TRACE) \S+ HTTP/\d")


def requests(path):
    """Yields raw requests (bytes, CRLF kept) from a CSIC file."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        current = []
        for line in f:
            if START.match(line) and current:
                yield b"".join(current)
                current = []
            current.append(line)
        if current:
            yield b"".join(current)


def side(index, seed):
    digest = hashlib.sha256(f"{seed}:{index}".encode()).digest()
    return "train" if digest[0] % 2 == 0 else "test"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out", "csic"))
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    csic = os.path.join(args.data, "csic2010")
    if not os.path.isdir(csic):
        sys.exit(f"csic_split: {csic} not found (needs ../shared/data)")
    os.makedirs(args.out, exist_ok=True)
    files = {k: open(os.path.join(args.out, f"{k}.txt"), "wb") for k in
             ("train_normal", "train_attack", "test_normal", "test_attack")}
    labels = open(os.path.join(args.out, "test_labels.txt"), "w")
    counts = {k: 0 for k in files}
    puts = 0
    for name, cls in (("normalTrafficTest.shared.txt.gz", "normal"),
                      ("anomalousTrafficTest.shared.txt.gz", "attack")):
        for i, req in enumerate(requests(os.path.join(csic, name))):
            if req.startswith(b"PUT "):
                puts += 1
                continue
            key = f"{side(f'{cls}{i}', args.seed)}_{cls}"
            files[key].write(req)
            counts[key] += 1
    for f in files.values():
        f.close()
    # Labels in the order `goshawk scan test_normal.txt test_attack.txt` reads them.
    labels.write("0\n" * counts["test_normal"] + "1\n" * counts["test_attack"])
    labels.close()
    print(f"csic_split: {counts}, {puts} PUT requests set aside -> {args.out}")


if __name__ == "__main__":
    main()
