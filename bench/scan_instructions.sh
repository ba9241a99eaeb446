#!/usr/bin/env bash
# Instructions per record of `goshawk scan --threads 1`, counted by callgrind: the scan of INPUT
# minus the scan of an empty file (start-up: loading the model and compiling the rules), divided
# by the records scanned. Deterministic where wall-clock rates on a shared machine vary ~2x, so
# it compares two builds on one small input; prints start-up and per-record instructions.
# Usage: bench/scan_instructions.sh INPUT [scan options, e.g. --model M --format csic]
#   GOSHAWK=path/to/binary to measure another build (default: target/release/goshawk).
set -euo pipefail
cd "$(dirname "$0")/.."
input="$1"
shift
goshawk="${GOSHAWK:-target/release/goshawk}"
[ -n "${GOSHAWK:-}" ] || cargo build --release -q -p goshawk
if ! command -v valgrind >/dev/null; then apt-get install -y -qq valgrind >/dev/null; fi
empty="$(mktemp)"
trap 'rm -f "$empty"' EXIT
instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$goshawk" scan --threads 1 "$@" \
    2>&1 >/dev/null | sed -n 's/.*I *refs: *//p' | tr -d ,
}
records=$("$goshawk" scan --threads 1 "$@" "$input" 2>&1 >/dev/null | sed -n 's/^scanned \([0-9]*\) .*/\1/p')
startup=$(instructions "$@" "$empty")
total=$(instructions "$@" "$input")
python3 -c "print(f'{$records} records: start-up {$startup/1e6:.1f}M instructions, {($total-$startup)/$records/1e3:.1f}k a record')"
