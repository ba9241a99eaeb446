# Sourced by the Kafka benchmarks (bench/kafka_*.sh): builds goshawk (release), starts a tansu
# broker on the first free port from ${1:-19192} and sets `bin`, `tansu`, `port` and `pid` (the
# broker's; the caller's EXIT trap stops it with `scripts/kafka-broker.sh stop "$pid"`).
# `new_topic PREFIX [PARTITIONS=4]` creates a topic and prints its name.
bin=target/release/goshawk
cargo build --release -q
tansu="$(scripts/kafka-broker.sh path)" || { echo "tansu missing: scripts/kafka-broker.sh install" >&2; exit 1; }
port="$(scripts/kafka-broker.sh free-port "${1:-19192}")"
pid="$(scripts/kafka-broker.sh start "$port")"
new_topic() {
  local name
  name="$1-$(date +%s%N)"
  "$tansu" topic create "$name" --partitions "${2:-4}" --broker "tcp://127.0.0.1:$port" >/dev/null
  echo "$name"
}
