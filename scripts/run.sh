#!/usr/bin/env bash
# `make run`: the whole platform on one machine with no configuration.
# Installs what is missing, builds, migrates the embedded SQLite database under ./data,
# creates an administrator once (printing the password), imports the demo course, then runs
# the media worker and the web server side by side until Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/ensure-deps.sh run
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/lms-target}
echo "build: cargo build --release (the first build takes about 22 minutes on 2 cores, a rebuild after a change about 11)"
cargo build --release --locked -p lms-api -p lms-media-worker
bin=$CARGO_TARGET_DIR/release

export LMS_DATA_DIR=${LMS_DATA_DIR:-$PWD/data}
export LMS_HTTP_ADDR=${LMS_HTTP_ADDR:-127.0.0.1:8080}
mkdir -p "$LMS_DATA_DIR"

"$bin/lms" migrate

admin_email=${LMS_ADMIN_EMAIL:-admin@lms.localhost}
marker=$LMS_DATA_DIR/.admin-created
if [[ ! -f $marker ]]; then
  echo
  echo "================ administrator account (shown once) ================"
  "$bin/lms" create-admin --email "$admin_email" </dev/null
  echo "===================================================================="
  echo
  touch "$marker"
else
  echo "administrator: $admin_email (password shown on the first run; reset it with"
  echo "  $bin/lms create-admin --email $admin_email)"
fi

# The demo course (and any other course folder): idempotent, so unchanged files cost nothing.
# Its title-card videos are generated once; the worker transcodes them and the course is
# published as soon as they are ready (a few minutes on the first run).
"$bin/lms" import courses/*/ --publish

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$bin/lms-media-worker" run &
pids+=($!)
"$bin/lms" serve &
pids+=($!)

port=${LMS_HTTP_ADDR##*:}
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
echo
echo "The platform is running: http://localhost:$port   (API docs: http://localhost:$port/api/docs)"
echo "Mail is written to $LMS_DATA_DIR/mail/ unless SMTP_URL is set. Ctrl-C stops everything."
# Exit when either process ends (a crash stops the other one too).
wait -n "${pids[@]}"
