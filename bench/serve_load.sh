#!/usr/bin/env bash
# Load test of POST /analyze from a second process on loopback: one web event per request, and
# 100-event batches. Builds release, starts the server (the marker test double by default;
# GOSHAWK_SERVE_CMD="target/release/goshawk serve --listen 127.0.0.1:18080" for the real one),
# and loads it with oha (if installed, e.g. `cargo install oha --root ~/.cache/goshawk-tools`)
# or wrk (Debian package; installed with apt-get when missing). Prints req/s and p99.
# Usage: bench/serve_load.sh [seconds per run, default 15] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-15}"
connections="${2:-32}"
addr=127.0.0.1:18080
out=bench/out/serve
mkdir -p "$out"

if [ -z "${GOSHAWK_SERVE_CMD:-}" ]; then
  cargo build --release -q -p goshawk-server --example e2e_server
  rm -rf "$out/data"
  server_cmd=(target/release/examples/e2e_server "$addr" "$out/data")
else
  read -r -a server_cmd <<<"$GOSHAWK_SERVE_CMD"
fi
"${server_cmd[@]}" >"$out/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://$addr/health" >/dev/null && break; sleep 0.2; done

single='{"events":[{"kind":"http","method":"GET","url":"/api/balance/check?account=12345","client_ip":"10.0.0.7"}]}'
batch=$(python3 - <<'PY'
import json
urls = ["/api/balance/check?account=%d" % i for i in range(97)] + [
    "/login?user=admin' or '1'='1", "/search?q=<script>alert(1)</script>", "/download?f=../../etc/passwd"]
print(json.dumps({"events": [{"kind": "http", "method": "GET", "url": u, "client_ip": "10.0.0.%d" % (i % 250)}
                             for i, u in enumerate(urls)]}))
PY
)
printf '%s' "$single" >"$out/single.json"
printf '%s' "$batch" >"$out/batch.json"

oha_bin="$(command -v oha || ls ~/.cache/goshawk-tools/bin/oha 2>/dev/null || true)"
run() { # name body-file
  local name=$1 body=$2
  if [ -n "$oha_bin" ]; then
    "$oha_bin" -z "${duration}s" -c "$connections" --no-tui -m POST -H 'content-type: application/json' \
      -D "$body" "http://$addr/analyze" >"$out/$name.txt"
    local rps p99
    rps=$(awk '/Requests\/sec/ {print $2}' "$out/$name.txt")
    p99=$(awk '/99.00%/ {print $3 * 1000 " ms"; exit}' "$out/$name.txt")
    echo "$name: $rps req/s, p99 $p99"
  else
    if ! command -v wrk >/dev/null; then apt-get install -y -qq wrk >/dev/null; fi
    cat >"$out/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$body", "rb"); wrk.body = f:read("*a"); f:close()
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.3f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
    wrk -t2 -c "$connections" -d "${duration}s" --latency -s "$out/post.lua" "http://$addr/analyze" >"$out/$name.txt"
    read -r _ rps p99 errors < <(grep RESULT "$out/$name.txt")
    echo "$name: $rps req/s, p99 $p99 ms, errors $errors"
  fi
}
run single "$out/single.json"
run batch100 "$out/batch.json"
echo "server RSS after load: $(ps -o rss= -p "$server_pid") kB"
