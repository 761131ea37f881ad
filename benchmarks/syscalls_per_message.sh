#!/bin/sh
# SPDX-License-Identifier: BSL-1.0
# System calls per round trip of the two-thread ping-pong (mach-emu's in-process mode on
# Linux): runs each variant of asio_pingpong once under `strace -f -c`, divides the total
# number of calls by the round trips, and prints how many each variant makes per message
# (two messages per round trip) beyond raw mach_msg and beyond the event loop's floor
# (Asio threads waking each other through pipes, no Mach). Needs strace.
#   benchmarks/syscalls_per_message.sh build/release/benchmarks/asio_pingpong
set -eu
bench=${1:?usage: syscalls_per_message.sh path/to/asio_pingpong}
command -v strace >/dev/null || { echo "strace is not installed" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
raw=0
floor=0
for variant in raw floor callbacks awaitable deferred; do
  trips=$(MACHEMU_MODE=inprocess strace -f -c -o "$out" "$bench" "$variant" | sed -n 's/.*: \([0-9]*\) round trips/\1/p')
  # strace -c ends with a "total" row: its calls column is the 4th field.
  calls=$(awk '$NF == "total" { print $4 }' "$out")
  per=$(awk -v c="$calls" -v n="$trips" 'BEGIN { printf "%.2f", c / n }')
  case $variant in
    raw) raw=$per ;;
    floor) floor=$per ;;
  esac
  awk -v v="$variant" -v c="$calls" -v p="$per" -v r="$raw" -v f="$floor" 'BEGIN {
    printf "  %-10s %9d system calls  %6.2f per round trip", v, c, p
    if (v != "raw") printf "  %+5.2f per message vs raw", (p - r) / 2
    if (v != "raw" && v != "floor") printf "  %+5.2f vs floor", (p - f) / 2
    printf "\n" }'
done
