#!/usr/bin/env bash
# Kafka throughput of the whole pipeline: `goshawk simulate --to kafka://` produces N simulated
# bank events to a 4-partition topic on a local tansu broker, then `goshawk consume` scores them
# (built-in web model and rule packs, verdicts to a file, alerts to the store) with one member,
# and again with two members of one group (a fresh group each time, so both read everything).
# Prints produce and consume rates (the consumer's own "records/s while busy").
# Two topics: one produced in batches of 10,000 (the producer's own speed; read by one member,
# which never re-reads from a committed offset), one produced a message per batch (the default,
# read by both runs). A second member joining moves partitions, and the new owner fetches from
# a committed offset: tansu 0.6 skips the rest of a produced batch from there (docs/kafka.md),
# so the two-member run reads the one-message-per-batch topic.
#   bash bench/kafka_throughput.sh [N=200000]
# Needs tansu (scripts/kafka-broker.sh install) and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200000}"
source bench/kafka_setup.sh 19192
trap 'scripts/kafka-broker.sh stop "$pid"' EXIT
out="bench/out/kafka"; rm -rf "$out"; mkdir -p "$out"
batched="$(new_topic bench-batched)"
single="$(new_topic bench-single)"

produce() { # topic label [simulate options...]
  local topic="$1" label="$2"; shift 2
  local start end
  start=$(date +%s.%N)
  "$bin" simulate --seed 5 --count "$n" --to "kafka://127.0.0.1:$port/$topic" --truth "$out/truth.jsonl" \
    "$@" 2>/dev/null
  end=$(date +%s.%N)
  python3 -c "s=$end-$start; print(f'produce ($label): $n events in {s:.1f} s = {$n/s:,.0f} events/s')"
}
produce "$batched" "batches of 10,000" --kafka-property batch.num.messages=10000
produce "$single" "one message per batch"

consume() { # topic group output-file
  "$bin" consume --brokers "127.0.0.1:$port" --topic "$1" --group "$2" --output "$3" \
    --data-dir "$out/data-$2" --exit-when-idle 5 2>&1 | grep "record(s) committed"
}
distinct() { cat "$@" | python3 -c 'import sys,json; print(len({json.loads(l)["id"] for l in sys.stdin}))'; }
echo "one member, batched topic:"; consume "$batched" one-batched "$out/one-batched.jsonl"
echo "one member, one-message-per-batch topic:"; consume "$single" one-single "$out/one-single.jsonl"
echo "two members (same group), one-message-per-batch topic:"
consume "$single" two "$out/two-a.jsonl" & a=$!
consume "$single" two "$out/two-b.jsonl" & b=$!
wait $a $b
echo "scored (distinct ids of $n): one member $(distinct "$out/one-batched.jsonl") and $(distinct "$out/one-single.jsonl"), two members $(distinct "$out"/two-*.jsonl) in $(cat "$out"/two-*.jsonl | wc -l) lines"
echo "whole-system precision/recall of the one-member run (goshawk evaluate):"
"$bin" evaluate --truth "$out/truth.jsonl" --verdicts "$out/one-batched.jsonl" | sed -n '/^metric/,$p'
