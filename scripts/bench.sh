#!/usr/bin/env bash
# `make bench`: HTTP paths of the API measured with wrk against the release build, each beside
# a reference measured in the same run on the same server: GET /healthz, a route that touches
# no database (the bare cost of the router and middleware). Prints requests/s, p50, p99 and
# the ratio to the reference, on SQLite and, when reachable, on PostgreSQL.
#
#   BENCH_SECONDS (default 10)  BENCH_CONNECTIONS (default 32)  BENCH_THREADS (default 2)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/lms-target}
seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-2}

scripts/ensure-deps.sh run
command -v wrk >/dev/null || { echo "bench: wrk is missing: sudo apt-get install wrk" >&2; exit 1; }
cargo build --release --locked -p lms-api
bin=$CARGO_TARGET_DIR/release/lms

work=$(mktemp -d /tmp/lms-bench.XXXXXX)
server=
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export BENCH_EMAIL=bench@lms.localhost
export BENCH_PASSWORD=bench-password-not-secret
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port

# wrk → "rps p50_ms p99_ms"
measure() {
  local out
  out=$(wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency "$@")
  local rps p50 p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "bench: non-2xx answers during the run:" >&2
    echo "$out" >&2
    exit 1
  fi
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
to_ms() { # wrk prints 1.23ms, 850.00us, 1.02s
  awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.2f", n }'
}

run_suite() {
  local label=$1 url=$2
  rm -rf "$work/data"; mkdir -p "$work/data"
  export LMS_DATA_DIR=$work/data DATABASE_URL=$url LMS_HTTP_ADDR=127.0.0.1:$port
  export LMS_JWT_SECRET=bench-secret-bench-secret-bench-secret
  export LMS_LOGIN_MAX_PER_EMAIL=100000000 LMS_LOGIN_MAX_PER_IP=100000000
  export RUST_LOG=warn
  "$bin" migrate >/dev/null
  echo "$BENCH_PASSWORD" | "$bin" create-admin --email "$BENCH_EMAIL" >/dev/null
  "$bin" serve >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  local token
  token=$(curl -fsS -H 'content-type: application/json' \
    -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}" "$base/api/v1/auth/login" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

  read -r ref_rps ref_p50 ref_p99 < <(measure "$base/healthz")
  read -r me_rps me_p50 me_p99 < <(measure -H "Authorization: Bearer $token" "$base/api/v1/me")
  read -r login_rps login_p50 login_p99 < <(measure -s bench/login.lua "$base/api/v1/auth/login")
  kill "$server"; wait "$server" 2>/dev/null || true; server=

  printf '\n%s (%s connections, %s s each, wrk and server share %s cores)\n' "$label" "$conns" "$seconds" "$(nproc)"
  printf '%-34s %12s %9s %9s %14s\n' path "requests/s" "p50 ms" "p99 ms" "ratio vs ref"
  printf '%-34s %12.0f %9s %9s %14s\n' "GET /healthz (reference)" "$ref_rps" "$ref_p50" "$ref_p99" "1.000"
  printf '%-34s %12.0f %9s %9s %14.3f\n' "GET /api/v1/me" "$me_rps" "$me_p50" "$me_p99" "$(awk -v a="$me_rps" -v b="$ref_rps" 'BEGIN{print a/b}')"
  printf '%-34s %12.0f %9s %9s %14.3f\n' "POST /api/v1/auth/login (Argon2id)" "$login_rps" "$login_p50" "$login_p99" "$(awk -v a="$login_rps" -v b="$ref_rps" 'BEGIN{print a/b}')"
}

run_suite "SQLite (embedded default)" "sqlite://$work/data/lms.db?mode=rwc"
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  PGOPTIONS="--client-min-messages=warning" psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS lms_bench" -c "CREATE DATABASE lms_bench" >/dev/null
  run_suite "PostgreSQL" "postgres://postgres@127.0.0.1:5432/lms_bench"
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS lms_bench" >/dev/null
else
  echo "bench: PostgreSQL not reachable on 127.0.0.1:5432; PostgreSQL run skipped"
fi

# Progress heartbeats on PostgreSQL: group commit beside pgbench doing the same write.
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  scripts/bench-progress.sh
  # The same heartbeats' cost in instructions (callgrind), which a busy machine does not blur.
  if command -v valgrind >/dev/null; then
    scripts/bench-progress-instructions.sh
  else
    echo "bench: valgrind is missing (sudo apt-get install valgrind); instruction counts skipped"
  fi
  # Coverage at 1,000,000 roster members, beside hand-written SQL.
  scripts/bench-coverage.sh
  # Certificates: PDFs per second, and 10,000 exported as one ZIP with peak memory.
  scripts/bench-certificates.sh
fi

# The media pipeline: a 60-second 1080p30 clip through the ladder, beside the ffmpeg CLI.
scripts/bench-media.sh
