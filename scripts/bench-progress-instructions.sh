#!/usr/bin/env bash
# Instructions per progress heartbeat, counted by valgrind's callgrind: the server's own
# cost of the heartbeats of scripts/bench-progress.sh (HTTP, token, merge, the writers'
# statements; not PostgreSQL's or the client's). Unlike CPU seconds under load, the count
# is the same on a busy or an idle machine, so a change of a few per cent shows.
#
# The server runs under callgrind on a fresh database; oha sends 2,000 heartbeats to warm
# it up (not counted), then BENCH_REQUESTS (default 20,000) over 256 connections, so that
# the writers batch as they do under load. Every answer must be 200.
#
#   BENCH_BIN (default: build and use target/release/lms)
#   BENCH_REF_BIN (optional: a reference build, say the binary from before a change,
#     measured the same way in the same run; the ratio is printed)
#   BENCH_PG_PORT (default 5432)
#   BENCH_PROFILE_DIR (optional: keep each build's callgrind profile there, to read with
#     `callgrind_annotate --inclusive=yes FILE`)
#
# The figures are instructions, not time: valgrind runs without the CPU's SHA extensions, so
# the progress token's HMAC weighs more here than on the real CPU.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/lms-target}
requests=${BENCH_REQUESTS:-20000}
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null ||
  { echo "bench: valgrind is missing: sudo apt-get install valgrind" >&2; exit 1; }
source scripts/lib/progress-bench.sh

# Instructions per heartbeat of binary $1, into $counted.
instructions() {
  bench_database "$1"
  [[ -s $work/bodies.ndjson ]] || bench_bodies
  bench_flush
  bench_serve valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.%p" "$1"
  send() {
    oha --no-tui --output-format json -n "$1" -c "$2" -m POST -T application/json \
      -Z "$work/bodies.ndjson" "$base/api/v1/progress" >"$work/oha.json"
    read -r _ _ _ ok errors < <(/usr/bin/python3 bench/progress.py oha "$work/oha.json")
    [[ $ok == "$1" && $errors == 0 ]] || { echo "bench: $ok of $1 heartbeats answered 200" >&2; exit 1; }
  }
  send 2000 64
  callgrind_control --zero "$server" >/dev/null 2>&1
  send "$requests" 256
  callgrind_control --dump "$server" >/dev/null 2>&1
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  # The dump after the load holds the counts since they were zeroed.
  local dump
  dump=$(ls "$work"/callgrind.*.1)
  counted=$(callgrind_annotate "$dump" | awk -v n="$requests" '/PROGRAM TOTALS/ { gsub(",", "", $1); printf "%d", $1 / n }')
  if [[ -n ${BENCH_PROFILE_DIR:-} ]]; then
    mkdir -p "$BENCH_PROFILE_DIR"
    cp "$dump" "$BENCH_PROFILE_DIR/callgrind.$(basename "$1").$(date +%s)"
  fi
  rm -f "$work"/callgrind.*
}

instructions "$bin"
this=$counted
printf '\nInstructions per heartbeat, the server (callgrind, %s heartbeats over 256 connections)\n' "$requests"
printf '%-40s %12s\n' "this build ($bin)" "$this"
if [[ -n ${BENCH_REF_BIN:-} ]]; then
  instructions "$BENCH_REF_BIN"
  ref=$counted
  printf '%-40s %12s\n' "reference ($BENCH_REF_BIN)" "$ref"
  printf '%-40s %12.3f\n' "ratio this / reference" "$(awk -v a="$this" -v b="$ref" 'BEGIN { print a / b }')"
fi
