#!/usr/bin/env bash
# Peak memory of `goshawk scan` over a ~1 GB access log: the scan streams (reads in blocks of
# 256 records), so the peak must not grow with the file. Builds the file from the bundled
# sample by repetition, scans it, prints the file size, request count and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1024}
out=bench/out/memory
mkdir -p "$out"
big="$out/big_access.log"
if [ ! -f "$big" ] || [ "$(du -m "$big" | cut -f1)" -lt "$size_mb" ]; then
  : > "$big"
  while [ "$(du -m "$big" | cut -f1)" -lt "$size_mb" ]; do
    for _ in $(seq 200); do cat samples/bank_traffic.log; done >> "$big"
  done
fi
bin=${GOSHAWK_BIN:-target/release/goshawk}
[ -n "${GOSHAWK_BIN:-}" ] || cargo build --release -q -p goshawk
/usr/bin/time -f "peak_rss_kb=%M elapsed_s=%e" "$bin" scan "$big" > /dev/null 2> "$out/stderr.txt"
echo "file_mb=$(du -m "$big" | cut -f1)"
tail -2 "$out/stderr.txt"
