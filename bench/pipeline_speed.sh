#!/usr/bin/env bash
# Single-core speed of the whole pipeline on real access logs: `goshawk scan --threads 1`
# (read → parse → web model → web-server rules → decision → JSON out) pinned to one core, with
# the shipped rule packs and with rules off, over the shared access logs repeated to about
# 1,000,000 lines. Prints requests/s of each, best of RUNS.
# Usage: bench/pipeline_speed.sh [runs, default 3]   (needs ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
out=bench/out/pipeline
mkdir -p "$out"
logs=../shared/data/access_logs
input="$out/access_1m.log"
if [ ! -s "$input" ]; then
  : >"$input"
  while [ "$(wc -l <"$input")" -lt 1000000 ]; do
    cat "$logs"/elastic_apache/*.log "$logs"/ocatak_scanners/*.txt >>"$input"
  done
fi
lines=$(wc -l <"$input")
cargo build --release -q -p goshawk
for rules in builtin none; do
  best=0
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    taskset -c 0 target/release/goshawk scan --threads 1 --rules "$rules" "$input" >/dev/null 2>"$out/scan-$rules.err"
    end=$(date +%s.%N)
    rate=$(python3 -c "print(int($lines / ($end - $start)))")
    [ "$rate" -gt "$best" ] && best=$rate
  done
  echo "rules $rules: $lines lines, best $best requests/s on one core ($(tail -1 "$out/scan-$rules.err"))"
done
