#!/usr/bin/env bash
# Memory under sustained load: the real `goshawk serve` (with the demo traffic on top) loaded
# with POST /analyze batches (97 normal requests, 3 attacks: alerts are stored and streamed)
# for SECONDS, while a client holds the SSE feed open without reading it (the slow-client
# case). Samples the server's RSS and its behaviour-window gauge every 10 s; prints first / max /
# last, then per minute the lowest and highest RSS and the windows held.
# Usage: bench/serve_soak.sh [seconds, default 600] [connections, default 8] [demo|no-demo]
# (no-demo: only the posted batches, which open no behaviour windows, so what is left to grow
# is the store).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-600}"
connections="${2:-8}"
demo_flag=--demo
[ "${3:-demo}" = no-demo ] && demo_flag=
addr=127.0.0.1:18090
out=bench/out/soak
mkdir -p "$out"
rm -rf "$out/data"
cargo build --release -q -p goshawk
if ! command -v wrk >/dev/null; then apt-get install -y -qq wrk >/dev/null; fi
target/release/goshawk serve $demo_flag --listen "$addr" --data-dir "$out/data" >"$out/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" "${sse_pid:-}" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://$addr/health" >/dev/null && break; sleep 0.1; done
# A dashboard that never reads: the feed must skip it, not buffer for it.
(exec 3< <(curl -sN --limit-rate 1 "http://$addr/events"); sleep "$duration") &
sse_pid=$!
python3 - >"$out/batch.json" <<'PY'
import json
urls = ["/api/balance/check?account=%d" % i for i in range(97)] + [
    "/login?user=admin' or '1'='1", "/search?q=<script>alert(1)</script>", "/download?f=../../etc/passwd"]
print(json.dumps({"events": [{"kind": "http", "method": "GET", "url": u, "client_ip": "10.0.%d.%d" % (i // 250, i % 250)}
                             for i, u in enumerate(urls)]}))
PY
cat >"$out/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$out/batch.json", "rb"); wrk.body = f:read("*a"); f:close()
LUA
wrk -t1 -c "$connections" -d "${duration}s" -s "$out/post.lua" "http://$addr/analyze" >"$out/wrk.txt" &
wrk_pid=$!
: >"$out/rss.txt"
while kill -0 "$wrk_pid" 2>/dev/null; do
  windows=$(curl -s -m 5 "http://$addr/metrics" | awk '$1 == "goshawk_behaviour_windows" {print $2}' || true)
  echo "$(date +%s) $(ps -o rss= -p "$server_pid") ${windows:-?}" >>"$out/rss.txt"
  sleep 10
done
wait "$wrk_pid" || true
grep -E "Requests/sec|requests in" "$out/wrk.txt" || true
awk 'NR==1 {first=$2} {if ($2>max) max=$2; last=$2} END {printf "RSS kB: first %d, max %d, last %d (%d samples)\n", first, max, last, NR}' "$out/rss.txt"
# Per minute: the baseline (lowest sample) shows growth; the highest, the retention sweep's peaks.
awk 'NR==1 {t0=$1} {m=int(($1-t0)/60); if (!(m in lo) || $2<lo[m]) lo[m]=$2; if ($2>hi[m]) hi[m]=$2; w[m]=$3; if (m>last) last=m}
     END {print "minute  RSS low-high MB  behaviour windows"; for (i=0; i<=last; i++) if (i in lo) printf "%6d  %6.1f-%6.1f  %s\n", i, lo[i]/1024, hi[i]/1024, w[i]}' "$out/rss.txt"
echo "alerts stored: $(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from alerts").fetchone()[0])' "$out/data/alerts.db")"
