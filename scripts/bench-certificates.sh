#!/usr/bin/env bash
# `make bench`, certificates on PostgreSQL:
#  1. PDFs rendered per second on one core (`lms certificate-preview --repeat`), the same
#     Typst template, fonts and QR code as issued certificates.
#  2. A bulk export of 10,000 certificates as one ZIP (PDFs + CSV manifest) through the
#     release server's background job: wall time, effective PDFs/s, the ratio to rendering
#     alone on all cores (the cost of the database, the ZIP and progress on top), and the
#     server's peak memory (VmHWM) before and after: the export streams to disk batch by
#     batch, so 10,000 certificates must never sit in memory at once.
#
#   BENCH_CERTIFICATES (default 10000)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/lms-target}
count=${BENCH_CERTIFICATES:-10000}
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "bench: PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
command -v unzip >/dev/null || { echo "bench: unzip is missing: sudo apt-get install unzip" >&2; exit 1; }
cargo build --release --locked -p lms-api
bin=$CARGO_TARGET_DIR/release/lms
db=lms_bench_certificates
work=$(mktemp -d /tmp/lms-bench-certificates.XXXXXX)
server=
psql_db() { PGOPTIONS="--client-min-messages=warning" psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres "$@"; }
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null
  wait 2>/dev/null || true
  psql_db -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

export LMS_DATA_DIR=$work/data RUST_LOG=warn
echo "bench: rendering certificates on one core..."
render_line=$("$bin" certificate-preview "$work/sample.pdf" --repeat 201 | tail -1)
echo "  $render_line"
pdfs_per_s=$(sed -E 's/.*= ([0-9.]+) PDFs\/s.*/\1/' <<<"$render_line")

psql_db -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db
export LMS_JWT_SECRET=bench-secret-bench-secret-bench-secret
export LMS_LOGIN_MAX_PER_EMAIL=100000 LMS_LOGIN_MAX_PER_IP=100000
"$bin" migrate >/dev/null
echo "bench-password-not-secret" | "$bin" create-admin --email bench@lms.localhost >/dev/null
echo "bench: generating $count certificates..."
psql_db -d "$db" <<SQL
SET synchronous_commit = off;
INSERT INTO courses (slug, owner_id, title, translations, topics, created_at, updated_at)
VALUES ('bench-course', 1, 'Quyền con người và truyền thông: những điều cơ bản', '{}', '[]', now(), now());
INSERT INTO users (email, password_hash, display_name, locale, email_verified_at, is_active, created_at, updated_at)
SELECT 'c' || g || '@bench.test', 'x', 'Nguyễn Thị Hồng Nhung ' || g, 'vi', now(), true, now(), now()
FROM generate_series(1, $count) g;
INSERT INTO certificates (serial, user_id, course_id, full_name, search_name, course_title, course_language,
                          completed_at, study_seconds, issued_at)
SELECT 'HRC-2026-' || lpad(u.id::text, 6, '0'), u.id, c.id, u.display_name, lower(u.display_name), c.title, 'vi',
       now() - (u.id % 365) * interval '1 day', 1200 + u.id % 3600, now()
FROM users u CROSS JOIN courses c WHERE u.email LIKE '%@bench.test';
VACUUM ANALYZE;
SQL

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
LMS_HTTP_ADDR=127.0.0.1:$port LMS_AUTO_MIGRATE=false LMS_MAIL_POLL_MS=100 "$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
token=$(curl -fsS -H 'content-type: application/json' \
  -d '{"email":"bench@lms.localhost","password":"bench-password-not-secret"}' "$base/api/v1/auth/login" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
api() { curl -fsS -H "Authorization: Bearer $token" "$@"; }
hwm_mb() { awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$server/status"; }

# Warm up: one certificate rendered by the server (fonts loaded, template compiled once).
first=$(api "$base/api/v1/certificates?person=HRC-2026-000002" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["pdf_url"])')
api -o /dev/null "$base$first"
before_mb=$(hwm_mb)

echo "bench: exporting $count certificates..."
start=$(date +%s%N)
id=$(api -H 'content-type: application/json' -d '{}' "$base/api/v1/certificates/exports" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
while :; do
  status=$(api "$base/api/v1/certificates/exports/$id")
  state=$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' <<<"$status")
  [[ $state == done || $state == failed ]] && break
  sleep 0.5
done
end=$(date +%s%N)
[[ $state == done ]] || { echo "bench: the export failed: $status" >&2; tail -20 "$work/server.log" >&2; exit 1; }
after_mb=$(hwm_mb)
api -o "$work/export.zip" "$base/api/v1/certificates/exports/$id/download"
files=$(unzip -Z1 "$work/export.zip" | grep -c '\.pdf$')
[[ $files -eq $count ]] || { echo "bench: the ZIP holds $files PDFs, not $count" >&2; exit 1; }
zip_mb=$(( $(stat -c %s "$work/export.zip") / 1024 / 1024 ))
export_s=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')

cores=$(nproc)
printf '\nCertificates (release build, %s cores)\n' "$cores"
printf '%-58s %12s\n' "PDFs rendered per second, one core" "$pdfs_per_s"
printf '%-58s %12s\n' "export of $count certificates as ZIP, wall seconds" "$export_s"
printf '%-58s %12.1f\n' "  effective PDFs per second" "$(awk -v n="$count" -v s="$export_s" 'BEGIN { print n / s }')"
printf '%-58s %12.2f\n' "  ratio to rendering alone on $cores cores" \
  "$(awk -v s="$export_s" -v n="$count" -v r="$pdfs_per_s" -v c="$cores" 'BEGIN { print s / (n / (r * c)) }')"
printf '%-58s %12s\n' "  ZIP size, MiB" "$zip_mb"
printf '%-58s %12s\n' "server peak memory before the export, MiB (VmHWM)" "$before_mb"
printf '%-58s %12s\n' "server peak memory after the export, MiB (VmHWM)" "$after_mb"
printf '%-58s %12s\n' "  all PDFs at once would need, MiB" "$((zip_mb))"
