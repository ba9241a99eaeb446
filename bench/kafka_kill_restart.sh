#!/usr/bin/env bash
# Kill -9 a consumer mid-run and restart it: is every event scored at least once, and does the
# alert store hold exactly the alerts of a run without the kill?
#   [IDLE=60] bash bench/kafka_kill_restart.sh [N=1000000] [KILL_AFTER=300000]
# Produces N simulated events to a fresh 16-partition topic on a local tansu broker, consumes
# them once undisturbed (group A) and once with a SIGKILL after KILL_AFTER verdicts and a restart
# (group B), then compares. Needs tansu (scripts/kafka-broker.sh install). IDLE is the
# consumers' --exit-when-idle; RESTART_AFTER (seconds, default 12) the wait before the restart.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"; kill_after="${2:-300000}"
# One message per record batch (tansu loses the rest of a batch on a resume; docs/kafka.md), and
# tansu's produce and fetch slow down with the number of batches in a partition: 1,000,000
# records on 4 partitions timed out in the producer (93,000 unacknowledged after 30 s request
# timeouts). So: 16 partitions, and patient producer timeouts.
partitions="${PARTITIONS:-16}"
source bench/kafka_setup.sh 19492
trap 'scripts/kafka-broker.sh stop "$pid"' EXIT
out="bench/out/kafka-kill"; rm -rf "$out"; mkdir -p "$out"
topic="$(new_topic kill "$partitions")"
"$bin" simulate --seed 9 --count "$n" --to "kafka://127.0.0.1:$port/$topic" --truth "$out/truth.jsonl" \
  --kafka-property message.timeout.ms=900000 --kafka-property request.timeout.ms=120000 \
  2>"$out/simulate.log" || { tail -5 "$out/simulate.log" >&2; exit 1; }
consume() { # group; exec: in `(consume B) &`, $! is then goshawk itself, which kill -9 must hit
  exec "$bin" consume --brokers "127.0.0.1:$port" --topic "$topic" --group "$1" --output "$out/$1.jsonl" \
    --data-dir "$out/data-$1" --exit-when-idle "${IDLE:-10}" 2>>"$out/$1.log"
}
(consume A)
(consume B) & c=$!
while [ "$(wc -l < "$out/B.jsonl" 2>/dev/null || echo 0)" -lt "$kill_after" ]; do sleep 0.05; done
kill -9 "$c"; wait "$c" 2>/dev/null || true
echo "killed B after $(wc -l < "$out/B.jsonl") verdicts"
# Restart after the group's session timeout (10 s), as a supervisor with a restart delay would:
# tansu 0.6 can leave a member that joins before the dead one has expired with no partitions
# for good (seen: none within 70 s).
sleep "${RESTART_AFTER:-12}"
(consume B)
python3 - "$out" "$n" <<'PY'
import json, sqlite3, sys
out, n = sys.argv[1], int(sys.argv[2])
truth = {json.loads(l)["id"] for l in open(f"{out}/truth.jsonl")}
for g in "AB":
    lines = [json.loads(l) for l in open(f"{out}/{g}.jsonl")]
    ids = {l["id"] for l in lines}
    alerts = sqlite3.connect(f"{out}/data-{g}/alerts.db").execute("select count(*) from alerts").fetchone()[0]
    print(f"run {g}: {len(lines)} verdicts, {len(ids)} distinct ids, {len(truth - ids)} of {n} events never scored, "
          f"{len(lines) - len(ids)} scored twice, {alerts} alerts in the store")
PY
