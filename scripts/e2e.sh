#!/usr/bin/env bash
# Browser tests: starts a real SMTP sink and the real server (fresh SQLite database) on free
# ports, runs the Playwright tests in frontend/e2e against them in Debian's Chromium, stops
# everything. A skipped browser test counts as a failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/lms-target}

cargo build --locked -p lms-api -p lms-media-worker
work=$(mktemp -d /tmp/lms-e2e.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
smtp_port=$(free_port)
http_port=$(free_port)

/usr/bin/python3 tests/support/smtp_sink.py "$smtp_port" "$work/mail" >"$work/smtp.log" 2>&1 &
pids+=($!)

export LMS_DATA_DIR=$work/data
export LMS_HTTP_ADDR=127.0.0.1:$http_port
export LMS_PUBLIC_URL=http://127.0.0.1:$http_port
export SMTP_URL=smtp://127.0.0.1:$smtp_port
export LMS_MAIL_POLL_MS=100
export LMS_LOG_FORMAT=json
# With Redis (make test starts or checks it), the server and the worker run as in production:
# live progress reaches the page through Redis pub/sub.
if redis-cli -u "${LMS_TEST_REDIS_URL:-redis://127.0.0.1:6379}" ping >/dev/null 2>&1; then
  export REDIS_URL=${LMS_TEST_REDIS_URL:-redis://127.0.0.1:6379}
  echo "e2e: using Redis at $REDIS_URL"
fi
bin=$CARGO_TARGET_DIR/debug
# A published course for the catalogue test: imported now, published by the worker once its
# (12-second, generated) video is transcoded.
"$bin/lms" migrate >/dev/null
echo "e2e-admin-password" | "$bin/lms" create-admin --email e2e-admin@lms.localhost >/dev/null
"$bin/lms" import tests/fixtures/courses/quyen-con-nguoi-mau --publish
"$CARGO_TARGET_DIR/debug/lms" serve >"$work/server.log" 2>&1 &
pids+=($!)
# The fixture video lasts 12 s: let the worker accept short clips here.
LMS_VIDEO_MIN_DURATION_S=5 "$CARGO_TARGET_DIR/debug/lms-media-worker" run >"$work/worker.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$http_port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$http_port/readyz" >/dev/null || { cat "$work/server.log"; echo "e2e: server did not become ready" >&2; exit 1; }

cd frontend
# The vendored browser libraries must be exactly the locked npm versions.
for pair in tus-js-client/dist/tus.min.js:tus.min.js hls.js/dist/hls.min.js:hls.min.js \
  pdfjs-dist/build/pdf.min.mjs:pdf.min.mjs pdfjs-dist/build/pdf.worker.min.mjs:pdf.worker.min.mjs; do
  cmp -s "node_modules/${pair%%:*}" "static/vendor/${pair#*:}" ||
    { echo "e2e: static/vendor/${pair#*:} differs from node_modules/${pair%%:*} (the locked version): run npm run vendor" >&2; exit 1; }
done
status=0
LMS_BASE_URL=http://127.0.0.1:$http_port LMS_MAIL_DIR=$work/mail node --test e2e/ 2>&1 | tee "$work/e2e.log" || status=$?
if ((status != 0)); then
  echo "---- server log (last 50 lines) ----"; tail -n 50 "$work/server.log"
  echo "---- worker log (last 30 lines) ----"; tail -n 30 "$work/worker.log"
  exit "$status"
fi
if ! grep -qE '^# skipped 0$' "$work/e2e.log" || ! grep -qE '^# pass [1-9]' "$work/e2e.log"; then
  echo "e2e: browser tests were skipped or none ran" >&2
  exit 1
fi
echo "e2e: screenshots in frontend/e2e/screenshots/"
