#!/bin/sh
# System calls per round trip of the two-thread ping-pong (mach-emu's in-process mode on
# Linux): runs each variant of asio_pingpong once under `strace -f -c` and divides the
# total number of calls by the round trips. Needs strace.
#   benchmarks/syscalls_per_message.sh build/release/benchmarks/asio_pingpong
set -eu
bench=${1:?usage: syscalls_per_message.sh path/to/asio_pingpong}
command -v strace >/dev/null || { echo "strace is not installed" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for variant in raw callbacks awaitable deferred; do
  trips=$(MACHEMU_MODE=inprocess strace -f -c -o "$out" "$bench" "$variant" | sed -n 's/.*: \([0-9]*\) round trips/\1/p')
  # strace -c ends with a "total" row: its calls column is the 4th field.
  calls=$(awk '$NF == "total" { print $4 }' "$out")
  awk -v v="$variant" -v c="$calls" -v n="$trips" \
    'BEGIN { printf "  %-10s %9d system calls  %6.2f per round trip\n", v, c, c / n }'
done
