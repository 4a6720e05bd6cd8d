# Sourced by the progress-heartbeat benchmarks (scripts/bench-progress.sh,
# scripts/bench-progress-instructions.sh): the PostgreSQL database of 100,000 learners, the
# server's settings, and the file of signed heartbeat bodies that oha sends.
#   BENCH_BIN (default: build and use target/release/lms; another build, say a copy of the
#     binary from before a change, to measure that one)
#   BENCH_PG_PORT (default 5432: the PostgreSQL on 127.0.0.1 to use, user postgres, trust)
if [[ -n ${BENCH_BIN:-} ]]; then
  bin=$BENCH_BIN
else
  cargo build --release --locked -p lms-api
  bin=$CARGO_TARGET_DIR/release/lms
fi
learners=100000
modules=50
pg_port=${BENCH_PG_PORT:-5432}
pg_isready -q -h 127.0.0.1 -p "$pg_port" || { echo "bench: PostgreSQL is not reachable on 127.0.0.1:$pg_port" >&2; exit 1; }
if ! command -v oha >/dev/null; then
  echo "bench: installing oha (cargo install oha --locked)"
  cargo install oha --locked --quiet
fi

work=$(mktemp -d /tmp/lms-bench-progress.XXXXXX)
server=
sampler=
db=lms_bench_progress
psql_options=(-q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres)
psql_db() { PGOPTIONS="--client-min-messages=warning" psql "${psql_options[@]}" "$@"; }
cleanup() {
  [[ -n $sampler ]] && kill "$sampler" 2>/dev/null
  [[ -n $server ]] && kill "$server" 2>/dev/null
  wait 2>/dev/null || true
  psql_db -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# PostgreSQL is on this host: no TLS on loopback, for the server as for pgbench (a server
# that offers TLS would otherwise have both encrypt every round trip).
url=postgres://postgres@127.0.0.1:$pg_port/$db?sslmode=disable
secret=bench-secret-bench-secret-bench-secret
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port

# A new database for binary $1: migrated, the learners and the course in it. Sets course_id.
bench_database() {
  psql_db -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
  DATABASE_URL=$url LMS_JWT_SECRET=$secret "$1" migrate >/dev/null
  psql_db -d "$db" <<SQL
INSERT INTO users (email, password_hash, display_name, locale, email_verified_at, is_active, created_at, updated_at)
SELECT 'bench-' || g || '@lms.localhost', 'x', 'Học viên ' || g, 'vi', now(), true, now(), now()
FROM generate_series(1, $learners) g;
INSERT INTO courses (slug, owner_id, title, translations, topics, created_at, updated_at)
VALUES ('bench', 1, 'Bench', '{}', '[]', now(), now());
SQL
  course_id=$(psql_db -d "$db" -At -c "SELECT id FROM courses WHERE slug = 'bench'")
}

# The heartbeat bodies (the same ones for the same course id: the generator is seeded).
bench_bodies() {
  /usr/bin/python3 bench/progress.py bodies "$secret" "$course_id" "$learners" "$modules" 400000 "$work/bodies.ndjson"
}

# Setting up wrote hundreds of MB (the users, the bodies file). Left in the page cache, the
# kernel writes them back in one burst about 30 s later, in the middle of a step, and every
# commit waits behind that burst. Flush them before measuring.
bench_flush() {
  psql_db -d "$db" -c "CHECKPOINT" >/dev/null
  sync
}

# Starts the server (a command: the binary, or a profiler running it) on the database.
bench_serve() {
  DATABASE_URL=$url LMS_JWT_SECRET=$secret LMS_HTTP_ADDR=127.0.0.1:$port LMS_DATA_DIR=$work/data \
    LMS_AUTO_MIGRATE=false RUST_LOG=warn "$@" serve >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 1200); do curl -fsS "$base/readyz" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "bench: the server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
}
