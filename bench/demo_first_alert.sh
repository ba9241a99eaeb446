#!/usr/bin/env bash
# Time from starting `goshawk serve --demo` to the first alert in the store (what the
# dashboard's "latest alerts" shows), over RUNS cold starts with a fresh data directory.
# Usage: bench/demo_first_alert.sh [runs, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
addr=127.0.0.1:18095
out=bench/out/demo
mkdir -p "$out"
cargo build --release -q -p goshawk
for run in $(seq "$runs"); do
  rm -rf "$out/data"
  start=$(date +%s.%N)
  target/release/goshawk serve --demo --listen "$addr" --data-dir "$out/data" >"$out/server.log" 2>&1 &
  pid=$!
  first=""
  for _ in $(seq 600); do
    count=$( (curl -s "http://$addr/alerts?limit=1" 2>/dev/null || true) | python3 -c 'import json,sys
try: print(json.load(sys.stdin)["count"])
except Exception: print(0)')
    if [ "$count" -gt 0 ]; then first=$(date +%s.%N); break; fi
    sleep 0.05
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  if [ -z "$first" ]; then echo "run $run: no alert within 30 s"; else
    python3 -c "print('run $run: first alert after %.2f s' % ($first - $start))"; fi
done
