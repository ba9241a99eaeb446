#!/usr/bin/env bash
# What `fetch.wait.max.ms` costs and gives against tansu (the default's evidence,
# goshawk-kafka DEFAULT_FETCH_WAIT_MAX_MS): for each wait, one consumer's rate over N
# pre-produced simulated events (a fresh group each, so every run reads the whole topic), and
# the broker's CPU while a consumer idles for 10 s on an empty topic.
#   bash bench/kafka_fetch_wait.sh [WAIT_MS...]   (default: 5 10 20 50 100 500; env N=200000)
# Needs tansu (scripts/kafka-broker.sh install).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${N:-200000}"
waits=("$@"); [ ${#waits[@]} -gt 0 ] || waits=(5 10 20 50 100 500)
source bench/kafka_setup.sh 19792
consumer=""
trap 'kill $consumer 2>/dev/null || true; scripts/kafka-broker.sh stop "$pid"' EXIT
out="bench/out/kafka_fetch_wait"; rm -rf "$out"; mkdir -p "$out"
full="$(new_topic wait-full)"
empty="$(new_topic wait-empty)"
"$bin" simulate --seed 5 --count "$n" --to "kafka://127.0.0.1:$port/$full" \
  --kafka-property batch.num.messages=10000 2>/dev/null
broker_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
for wait in "${waits[@]}"; do
  printf '[kafka]\n"fetch.wait.max.ms" = "%s"\n' "$wait" >"$out/wait-$wait.toml"
  run() { # topic group idle-seconds
    "$bin" consume --brokers "127.0.0.1:$port" --topic "$1" --group "$2" --config "$out/wait-$wait.toml" \
      --data-dir "$out/data-$2" --exit-when-idle "$3" 2>&1
  }
  rate=$(run "$full" "full-$wait" 3 | grep -o "[0-9]* records/s over [0-9.]*s busy")
  run "$empty" "idle-$wait" 14 >/dev/null & consumer=$!
  sleep 4; before=$(broker_ticks); sleep 10; after=$(broker_ticks)
  wait "$consumer" || true; consumer=""
  python3 -c "print(f'fetch.wait.max.ms $wait: $rate; idle consumer: tansu at {($after - $before) / $hz / 10 * 100:.1f} % of a core')"
done
