#!/usr/bin/env bash
# Consume throughput of two or more goshawk binaries on one topic, alternated, so that a change
# is measured against its parent on the same broker in the same minutes (this machine's noise
# is ±15 % between runs). Produces N simulated events (batched) to a 4-partition topic on a
# local tansu broker, then each round runs `consume` with every binary, a fresh group each.
# The first read of a topic is slower than later ones (tansu), so compare rounds, not binaries
# across rounds.
#   bash bench/kafka_consume_ab.sh BINARY... (env: N=200000 ROUNDS=3 CONSUME_ARGS=...)
# Needs tansu (scripts/kafka-broker.sh install).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }
n="${N:-200000}"
source bench/kafka_setup.sh 19292
trap 'scripts/kafka-broker.sh stop "$pid"' EXIT
out="bench/out/kafka_ab"; rm -rf "$out"; mkdir -p "$out"
topic="$(new_topic ab)"
"$1" simulate --seed 5 --count "$n" --to "kafka://127.0.0.1:$port/$topic" \
  --kafka-property batch.num.messages=10000 2>/dev/null
for round in $(seq "${ROUNDS:-3}"); do
  i=0
  for bin in "$@"; do
    i=$((i + 1))
    # shellcheck disable=SC2086 # CONSUME_ARGS is a list of flags
    # The rate depends on how fast tansu delivers; the consumer's CPU time (user + system, the
    # idle wait included) is steadier.
    rate=$( { TIMEFORMAT="cpu %U user %S system"; time "$bin" consume \
      --brokers "127.0.0.1:$port" --topic "$topic" --group "g$round-$i" \
      --output "$out/verdicts-$round-$i.jsonl" --data-dir "$out/data-$round-$i" \
      --exit-when-idle 3 ${CONSUME_ARGS:-}; } 2>&1 |
      grep -o "[0-9]* records/s over [0-9.]*s busy\|cpu .*" | paste -sd ' ')
    echo "round $round, $bin: $rate"
  done
done
