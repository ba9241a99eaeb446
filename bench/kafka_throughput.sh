#!/usr/bin/env bash
# Kafka throughput of the whole pipeline: `goshawk simulate --to kafka://` produces N simulated
# bank events to a 4-partition topic on a local tansu broker, then `goshawk consume` scores them
# (built-in web model and rule packs, verdicts to a file, alerts to the store) with one member,
# and again with two members of one group (a fresh group each time, so both read everything).
# Prints produce and consume rates (the consumer's own "records/s while busy").
#   bash bench/kafka_throughput.sh [N=200000]
# Needs tansu (scripts/kafka-broker.sh install) and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200000}"
port="$(scripts/kafka-broker.sh free-port 19192)"
bin=target/release/goshawk
cargo build --release -q
tansu="$(scripts/kafka-broker.sh path)" || { echo "tansu missing: scripts/kafka-broker.sh install" >&2; exit 1; }
pid="$(scripts/kafka-broker.sh start "$port")"
trap 'scripts/kafka-broker.sh stop "$pid"' EXIT
out="bench/out/kafka"; rm -rf "$out"; mkdir -p "$out"
topic="bench-$(date +%s)"
"$tansu" topic create "$topic" --partitions 4 --broker "tcp://127.0.0.1:$port" >/dev/null

start=$(date +%s.%N)
# Batched produce (no consumer restart here, so tansu's mid-batch fetch bug cannot bite).
"$bin" simulate --seed 5 --count "$n" --to "kafka://127.0.0.1:$port/$topic" --truth "$out/truth.jsonl" \
  --kafka-property batch.num.messages=10000 2>/dev/null
end=$(date +%s.%N)
python3 -c "s=$end-$start; print(f'produce: $n events in {s:.1f} s = {$n/s:,.0f} events/s')"

consume() { # group output-file
  "$bin" consume --brokers "127.0.0.1:$port" --topic "$topic" --group "$1" --output "$2" \
    --data-dir "$out/data-$1" --exit-when-idle 5 2>&1 | grep "record(s) committed"
}
echo "one member:"; consume one "$out/one.jsonl"
echo "two members (same group):"
consume two "$out/two-a.jsonl" & a=$!
consume two "$out/two-b.jsonl" & b=$!
wait $a $b
echo "scored: one member $(wc -l < "$out/one.jsonl"), two members $(cat "$out"/two-*.jsonl | wc -l), distinct ids $(cat "$out"/two-*.jsonl | python3 -c 'import sys,json; print(len({json.loads(l)["id"] for l in sys.stdin}))') of $n"
