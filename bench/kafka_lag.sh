#!/usr/bin/env bash
# Consumer lag under a steady offered rate: `goshawk simulate --rate R` produces for S seconds
# to a 4-partition topic on a local tansu broker while one `goshawk consume` (built-in model and
# rule packs, verdicts to a file, alerts to the store) scores it. Every second it samples how
# many events the simulator has handed to Kafka (its --truth lines) and how many the consumer
# has scored (its --output lines); the difference is the lag. Lag is bounded when the gap stops
# growing while the producer runs and drains soon after it stops.
#   bash bench/kafka_lag.sh [RATE=50000] [SECONDS=60]
# Needs tansu (scripts/kafka-broker.sh install). Samples: bench/out/kafka_lag/samples.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-50000}"
seconds="${2:-60}"
source bench/kafka_setup.sh 19392
out="bench/out/kafka_lag"; rm -rf "$out"; mkdir -p "$out"
consumer=""; producer=""
trap 'kill $consumer $producer 2>/dev/null || true; scripts/kafka-broker.sh stop "$pid"' EXIT
topic="$(new_topic lag)"
touch "$out/truth.jsonl" "$out/verdicts.jsonl"

"$bin" consume --brokers "127.0.0.1:$port" --topic "$topic" --group lag --output "$out/verdicts.jsonl" \
  --data-dir "$out/data" --exit-when-idle 15 2>"$out/consume.log" & consumer=$!
sleep 3 # let it join the group
# Batched produce: no consumer restarts here, so tansu's mid-batch fetch bug cannot bite.
"$bin" simulate --seed 9 --rate "$rate" --duration "${seconds}s" --to "kafka://127.0.0.1:$port/$topic" \
  --truth "$out/truth.jsonl" --kafka-property batch.num.messages=10000 2>"$out/simulate.log" & producer=$!

echo "second,produced,scored,lag" > "$out/samples.csv"
start=$(date +%s.%N)
# CPU (clock ticks) of each process while the producer runs: on 2 shared cores the simulator
# and the broker are the consumer's rivals.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || true; }
consumer_from=$(ticks "$consumer"); broker_from=$(ticks "$pid")
# Lines of a growing file, counting only the bytes added since the last sample: a whole-file
# `wc -l` of the two outputs read hundreds of MB a second by the end of a run, and became a
# rival of the consumer that grew with time.
declare -A lines_in=() bytes_in=()
count_lines() {
  local file=$1 size from
  size=$(stat -c %s "$file"); from=${bytes_in[$file]:-0}
  lines_in[$file]=$(( ${lines_in[$file]:-0} + $(dd if="$file" iflag=skip_bytes,count_bytes skip="$from" count="$((size - from))" bs=1M status=none | wc -l) ))
  bytes_in[$file]=$size
}
while kill -0 "$consumer" 2>/dev/null; do
  sleep 1
  if [ -z "${stopped:-}" ]; then
    now_producer=$(ticks "$producer")
    [ -z "$now_producer" ] || { producer_cpu=$now_producer; consumer_cpu=$(ticks "$consumer"); broker_cpu=$(ticks "$pid"); }
  fi
  count_lines "$out/truth.jsonl"; count_lines "$out/verdicts.jsonl"
  produced=${lines_in[$out/truth.jsonl]}; scored=${lines_in[$out/verdicts.jsonl]}
  now=$(python3 -c "print(f'{$(date +%s.%N)-$start:.1f}')")
  echo "$now,$produced,$scored,$((produced - scored))" >> "$out/samples.csv"
  if ! kill -0 "$producer" 2>/dev/null && [ -z "${stopped:-}" ]; then stopped="$now"; fi
  if [ -n "${stopped:-}" ] && [ "$produced" -eq "$scored" ]; then break; fi
done
wait "$producer" || true
kill "$consumer" 2>/dev/null || true; wait "$consumer" 2>/dev/null || true
python3 -c "hz = $(getconf CLK_TCK); print(f'CPU while producing: simulate {${producer_cpu:-0} / hz:.1f} s, tansu {(${broker_cpu:-0} - $broker_from) / hz:.1f} s, consumer {(${consumer_cpu:-0} - $consumer_from) / hz:.1f} s')"
python3 - "$out/samples.csv" "$rate" "$seconds" "${stopped:-}" <<'EOF'
import csv, sys
rows = [dict((k, float(v)) for k, v in r.items()) for r in csv.DictReader(open(sys.argv[1]))]
rate, seconds, stopped = float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
stopped = float(stopped) if stopped else None
during = [r for r in rows if stopped is None or r["second"] <= stopped]
produced = rows[-1]["produced"]
print(f"offered {rate:,.0f} events/s for {seconds:.0f} s: {produced:,.0f} events produced "
      f"({produced / (stopped or rows[-1]['second']):,.0f}/s achieved)")
half = len(during) // 2
first, second = during[:half], during[half:]
peak = lambda rs: max((r["lag"] for r in rs), default=0)
print(f"lag while producing: max {peak(during):,.0f} events; first half max {peak(first):,.0f}, "
      f"second half max {peak(second):,.0f}")
last = rows[-1]
if last["lag"] == 0 and stopped is not None:
    print(f"drained {last['second'] - stopped:.1f} s after the producer stopped; "
          f"scored {last['scored']:,.0f}")
else:
    print(f"not drained: lag {last['lag']:,.0f} at {last['second']:.1f} s")
EOF
