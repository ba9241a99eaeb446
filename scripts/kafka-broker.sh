#!/usr/bin/env bash
# A Kafka-compatible broker for goshawk's Kafka tests: tansu (Apache-2.0, a Rust broker from
# crates.io) with in-memory storage, on 127.0.0.1.
#
#   scripts/kafka-broker.sh install      build tansu once into the tool cache (~15-20 min on 2 cores)
#   scripts/kafka-broker.sh path         print the tansu binary's path (exit 1 when not installed)
#   scripts/kafka-broker.sh start PORT   start a broker on 127.0.0.1:PORT, wait until it listens,
#                                        print its pid
#   scripts/kafka-broker.sh stop PID     stop it
#   scripts/kafka-broker.sh free-port [P] the first free port from P (default 19092) on
#
# The cache lives outside the clone so CI reuses it: $GOSHAWK_TOOLS_DIR, by default
# ~/.cache/goshawk-tools. Debian's librdkafka/kcat are too old for tansu and are not used; the
# rdkafka crate builds its own librdkafka.
set -euo pipefail
TANSU_VERSION="0.6.0"
tools="${GOSHAWK_TOOLS_DIR:-$HOME/.cache/goshawk-tools}"
root="$tools/tansu-$TANSU_VERSION"
bin="$root/bin/tansu"

case "${1:-}" in
  install)
    if [ -x "$bin" ]; then
      echo "kafka-broker: tansu $TANSU_VERSION already in $root"
      exit 0
    fi
    mkdir -p "$tools"
    echo "kafka-broker: building tansu $TANSU_VERSION into $root (once; ~15-20 min on 2 cores)"
    # A private target directory: the build never touches the project's. opt-level 1 and many
    # codegen units: a test broker needs a short build more than peak speed.
    CARGO_TARGET_DIR="$tools/tansu-build" \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_DEBUG=false \
      cargo install tansu --version "=$TANSU_VERSION" --locked --features dynostore --root "$root"
    rm -rf "$tools/tansu-build"
    ;;
  path)
    [ -x "$bin" ] && echo "$bin"
    ;;
  free-port)
    # The first port from ${2:-19092} on that nothing listens on.
    port="${2:-19092}"
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    echo "$port"
    ;;
  start)
    port="${2:?usage: kafka-broker.sh start PORT}"
    [ -x "$bin" ] || { echo "kafka-broker: tansu is not installed (scripts/kafka-broker.sh install)" >&2; exit 1; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "kafka-broker: 127.0.0.1:$port is already in use" >&2
      exit 1
    fi
    log="$tools/tansu-$port.log"
    "$bin" broker \
      --listener-url "tcp://127.0.0.1:$port" \
      --advertised-listener-url "tcp://127.0.0.1:$port" \
      --storage-engine "memory://tansu/" >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && kill -0 "$pid" 2>/dev/null; then
        echo "$pid"
        exit 0
      fi
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "kafka-broker: tansu exited at start; its log ($log):" >&2
        tail -20 "$log" >&2
        exit 1
      fi
      sleep 0.1
    done
    echo "kafka-broker: tansu did not listen on 127.0.0.1:$port within 10 s" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
    ;;
  stop)
    kill "${2:?usage: kafka-broker.sh stop PID}" 2>/dev/null || true
    ;;
  *)
    sed -n "2,14p" "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
