#!/usr/bin/env bash
# `make bench`, coverage on PostgreSQL: 1,000,000 roster members (95 % active) in 4 cadre
# groups (1,200,000 memberships), 800,000 with accounts, two required courses per group,
# ~1,900,000 enrolments (60 % completed at random dates) and 10,000,000 module progress rows,
# generated with generate_series; then the coverage summary is filled by `lms
# rebuild-coverage` (the same code every change uses to keep it up to date) and the database
# is vacuumed and analysed (autovacuum may be off).
# Times the full coverage report (GET /api/v1/coverage: every group now and 90 days before)
# and one group by province through the release server, beside the best hand-written SQL for
# the same figures over the raw tables (roster, memberships, required courses, enrolments)
# run by psql in the same script, and the same SQL over the summary; medians of 3 runs;
# targets: the full report under 1 s, one group by province under 100 ms.
#
# The progress rows are there to show that report time does not depend on them: reports
# read the summary, which completion keeps up to date as progress arrives.
#   BENCH_PROGRESS_ROWS (default 10000000; 0 to skip them)
#   BENCH_KEEP_DB=1 keeps the database (lms_bench_coverage) for a closer look afterwards
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/lms-target}
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "bench: PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
cargo build --release --locked -p lms-api
bin=$CARGO_TARGET_DIR/release/lms
db=lms_bench_coverage
progress_rows=${BENCH_PROGRESS_ROWS:-10000000}
work=$(mktemp -d /tmp/lms-bench-coverage.XXXXXX)
server=
psql_db() { PGOPTIONS="--client-min-messages=warning" psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres "$@"; }
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null
  wait 2>/dev/null || true
  [[ -n ${BENCH_KEEP_DB:-} ]] || psql_db -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql_db -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db
export LMS_JWT_SECRET=bench-secret-bench-secret-bench-secret LMS_DATA_DIR=$work/data RUST_LOG=warn
export LMS_LOGIN_MAX_PER_EMAIL=100000 LMS_LOGIN_MAX_PER_IP=100000
"$bin" migrate >/dev/null
echo "bench-password-not-secret" | "$bin" create-admin --email bench@lms.localhost >/dev/null
echo "bench: generating 1,000,000 roster members..."
psql_db -d "$db" <<'SQL'
SET synchronous_commit = off;
INSERT INTO users (email, password_hash, display_name, locale, email_verified_at, is_active, created_at, updated_at)
SELECT 'u' || g || '@bench.test', 'x', 'N ' || g, 'vi', now(), true, now(), now() FROM generate_series(1, 800000) g;
INSERT INTO courses (slug, owner_id, title, translations, topics, created_at, updated_at)
SELECT 'bench-course-' || g, 1, 'Course ' || g, '{}', '[]', now(), now() FROM generate_series(1, 8) g;
INSERT INTO cadre_group_courses (group_id, course_id, created_at)
SELECT g.id, c.id, now() FROM cadre_groups g
JOIN courses c ON c.slug IN ('bench-course-' || (2 * g.id - 1), 'bench-course-' || (2 * g.id));
CREATE TEMP TABLE org_ids AS SELECT row_number() OVER (ORDER BY id) - 1 AS i, id FROM organisations;
CREATE TEMP TABLE prov_ids AS SELECT row_number() OVER (ORDER BY id) - 1 AS i, id FROM provinces WHERE is_current;
INSERT INTO roster_members (organisation_id, employee_id, full_name, email, province_id, position, active, user_id, created_at, updated_at)
SELECT o.id, 'E' || g, 'Person ' || g, NULL, p.id, '', (g % 20 <> 0),
       CASE WHEN g <= 800000 THEN g + 1 ELSE NULL END, now(), now()
FROM generate_series(1, 1000000) g
JOIN org_ids o ON o.i = g % (SELECT count(*) FROM org_ids)
JOIN prov_ids p ON p.i = g % 34;
INSERT INTO roster_member_groups (member_id, group_id) SELECT m.id, 1 + (m.id % 4) FROM roster_members m;
INSERT INTO roster_member_groups (member_id, group_id) SELECT m.id, 1 + ((m.id + 1) % 4) FROM roster_members m WHERE m.id % 5 = 0;
INSERT INTO enrolments (user_id, course_id, source, due_at, enrolled_at, completed_at)
SELECT DISTINCT ON (m.user_id, gc.course_id) m.user_id, gc.course_id, 'assigned', NULL, now() - interval '300 days',
  CASE WHEN random() < 0.6 THEN now() - random() * interval '300 days' ELSE NULL END
FROM roster_members m JOIN roster_member_groups mg ON mg.member_id = m.id
JOIN cadre_group_courses gc ON gc.group_id = mg.group_id WHERE m.user_id IS NOT NULL;
SQL
if ((progress_rows > 0)); then
  echo "bench: generating $progress_rows module progress rows..."
  s=$(date +%s)
  # Consistent by construction: foreign-key triggers are skipped while generating.
  psql_db -d "$db" -v rows="$progress_rows" <<'SQL'
SET synchronous_commit = off;
SET session_replication_role = replica;
INSERT INTO module_progress (user_id, course_id, module_uid, duration_ms, min_watched_percent,
  quiz_required, quiz_passed, best_score_percent, intervals, watched_ms, position_ms, reports,
  last_report_at, budget_from, budget_used_ms, completed_at, created_at, updated_at)
SELECT 2 + (g % 800000), c.id, 'bench-module-' || (g / 800000), 240000, 90, false, false, NULL,
  '[[0,120000]]', 120000, 120000, 3, now(), now(), 120000, NULL, now(), now()
FROM generate_series(0, :rows - 1) g
JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS i, id FROM courses WHERE slug LIKE 'bench-course-%') c
  ON c.i = (g / 800000) % 8;
SQL
  echo "bench: $progress_rows progress rows in $(($(date +%s) - s)) s"
fi
echo "bench: filling the coverage summary (lms rebuild-coverage)..."
s=$(date +%s%N)
"$bin" rebuild-coverage
rebuild_ms=$((($(date +%s%N) - s) / 1000000))
psql_db -d "$db" -c "VACUUM ANALYZE"

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
LMS_HTTP_ADDR=127.0.0.1:$port LMS_AUTO_MIGRATE=false "$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
token=$(curl -fsS -H 'content-type: application/json' \
  -d '{"email":"bench@lms.localhost","password":"bench-password-not-secret"}' "$base/api/v1/auth/login" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

median_ms() { # command... → the median wall time of 3 runs, in ms
  local t=()
  for _ in 1 2 3; do
    local s e
    s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
    t+=($(((e - s) / 1000000)))
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n 2p
}
api() { curl -fsS -H "Authorization: Bearer $token" "$base$1"; }
# SQL is timed inside one psql session (\timing: the server's work and the round trip, no
# process start or connection), the median of 3 runs.
sql_median_ms() {
  printf '\\timing on\n%s;\n%s;\n%s;\n' "$1" "$1" "$1" | psql_db -d "$db" -At -o /dev/null |
    awk '/^Time:/ { print $2 }' | sort -n | sed -n 2p | awk '{ printf "%d", $1 + 0.5 }'
}
# The best hand-written SQL over the raw tables: per membership, required courses against
# completed enrolments (one date).
hand_full="
    WITH req AS (SELECT group_id, count(*) AS n FROM cadre_group_courses GROUP BY group_id),
    done AS (SELECT mg.group_id, mg.member_id, count(e.id) AS d
      FROM roster_member_groups mg JOIN roster_members m ON m.id = mg.member_id AND m.active
      JOIN cadre_group_courses gc ON gc.group_id = mg.group_id
      LEFT JOIN enrolments e ON e.user_id = m.user_id AND e.course_id = gc.course_id AND e.completed_at <= now()
      GROUP BY mg.group_id, mg.member_id)
    SELECT d.group_id, count(*), sum(CASE WHEN d.d = r.n THEN 1 ELSE 0 END)
    FROM done d JOIN req r ON r.group_id = d.group_id GROUP BY d.group_id"
hand_province="
    WITH g AS (SELECT id FROM cadre_groups WHERE code = 'hr-officers'),
    req AS (SELECT count(*) AS n FROM cadre_group_courses WHERE group_id = (SELECT id FROM g)),
    done AS (SELECT m.province_id, mg.member_id, count(e.id) AS d
      FROM roster_member_groups mg JOIN roster_members m ON m.id = mg.member_id AND m.active
      JOIN cadre_group_courses gc ON gc.group_id = mg.group_id
      LEFT JOIN enrolments e ON e.user_id = m.user_id AND e.course_id = gc.course_id AND e.completed_at <= now()
      WHERE mg.group_id = (SELECT id FROM g)
      GROUP BY m.province_id, mg.member_id)
    SELECT p.code, p.name, count(*), sum(CASE WHEN d.d = r.n THEN 1 ELSE 0 END)
    FROM done d CROSS JOIN req r LEFT JOIN provinces p ON p.id = d.province_id
    GROUP BY p.code, p.name ORDER BY p.name"
# The same figures from the summary table (what the server runs, without HTTP and JSON).
summary_full="
    SELECT group_id, count(*), count(*) FILTER (WHERE completed_at <= now()),
      count(*) FILTER (WHERE completed_at <= now() - interval '90 days')
    FROM coverage_members WHERE active GROUP BY group_id"
summary_province="
    SELECT p.code, p.name, t.n, t.c FROM (
      SELECT province_id, count(*) AS n, count(*) FILTER (WHERE completed_at <= now()) AS c
      FROM coverage_members WHERE active AND group_id = (SELECT id FROM cadre_groups WHERE code = 'hr-officers')
      GROUP BY province_id) t LEFT JOIN provinces p ON p.id = t.province_id ORDER BY p.name"
api /api/v1/coverage >/dev/null # warm the caches once, like the SQL runs below
full_ms=$(median_ms api /api/v1/coverage)
province_ms=$(median_ms api /api/v1/coverage/hr-officers/province)
hand_ms=$(sql_median_ms "$hand_full")
hand_province_ms=$(sql_median_ms "$hand_province")
summary_ms=$(sql_median_ms "$summary_full")
summary_province_ms=$(sql_median_ms "$summary_province")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
summary_rows=$(psql_db -d "$db" -At -c "SELECT count(*) FROM coverage_members")
progress_count=$(psql_db -d "$db" -At -c "SELECT count(*) FROM module_progress")
printf '\nCoverage on PostgreSQL (1,000,000 roster members, %s summary rows, %s progress rows, %s cores)\n' \
  "$summary_rows" "$progress_count" "$(nproc)"
printf '%-62s %10s %10s\n' "" "median ms" "target ms"
printf '%-62s %10s %10s\n' "full report, every group, 2 dates (GET /api/v1/coverage)" "$full_ms" 1000
printf '%-62s %10s %10s\n' "one group by province (GET .../hr-officers/province)" "$province_ms" 100
printf '%-62s %10s\n' "hand-written SQL on raw tables, every group, one date (psql)" "$hand_ms"
printf '%-62s %10s\n' "hand-written SQL on raw tables, one group by province (psql)" "$hand_province_ms"
printf '%-62s %10s\n' "same figures from the summary (psql), every group" "$summary_ms"
printf '%-62s %10s\n' "same figures from the summary (psql), group by province" "$summary_province_ms"
printf '%-62s %10s\n' "ratio full report / hand-written SQL on raw tables" "$(ratio "$full_ms" "$hand_ms")"
printf '%-62s %10s\n' "ratio one province / hand-written SQL on raw tables" "$(ratio "$province_ms" "$hand_province_ms")"
printf '%-62s %10s\n' "ratio full report / the same SQL on the summary" "$(ratio "$full_ms" "$summary_ms")"
printf '%-62s %10s\n' "ratio one province / the same SQL on the summary" "$(ratio "$province_ms" "$summary_province_ms")"
printf '%-62s %10s\n' "filling the summary from scratch (lms rebuild-coverage)" "$rebuild_ms"
verdict() { if (($1 < $2)); then echo "met"; else echo "MISSED"; fi; }
printf 'targets: full report %s, one group by province %s\n' \
  "$(verdict "$full_ms" 1000)" "$(verdict "$province_ms" 100)"
