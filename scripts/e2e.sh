#!/usr/bin/env bash
# Browser tests: starts a real SMTP sink and the real server (fresh SQLite database) on free
# ports, runs the Playwright tests in frontend/e2e against them in Debian's Chromium, stops
# everything. A skipped browser test counts as a failure.
#
#   LMS_E2E_STORAGE=s3   keep media in a bucket of a real S3-compatible server (moto, which
#                        `scripts/ensure-deps.sh test` installs) instead of a directory
#   LMS_E2E_TESTS=...    the test files to run (default: all of frontend/e2e)
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

if [[ ${LMS_E2E_STORAGE:-local} == s3 ]]; then
  moto=${LMS_TEST_MOTO_SERVER:-$HOME/.cache/lms-moto/bin/moto_server}
  [[ -x $moto ]] || { echo "e2e: $moto is missing: run scripts/ensure-deps.sh test" >&2; exit 1; }
  s3_port=$(free_port)
  "$moto" -H 127.0.0.1 -p "$s3_port" >"$work/s3.log" 2>&1 &
  pids+=($!)
  export LMS_S3_BUCKET=lms-e2e LMS_S3_ENDPOINT=http://127.0.0.1:$s3_port LMS_S3_REGION=us-east-1
  export LMS_S3_ACCESS_KEY_ID=testing LMS_S3_SECRET_ACCESS_KEY=testing
  for _ in $(seq 1 100); do
    curl -fsS -X PUT "$LMS_S3_ENDPOINT/$LMS_S3_BUCKET" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS "$LMS_S3_ENDPOINT/$LMS_S3_BUCKET" >/dev/null || { echo "e2e: the S3 server did not start" >&2; exit 1; }
  echo "e2e: media in S3 bucket $LMS_S3_BUCKET at $LMS_S3_ENDPOINT (moto)"
fi

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
# shellcheck disable=SC2086 # a list of files
LMS_BASE_URL=http://127.0.0.1:$http_port LMS_MAIL_DIR=$work/mail node --test ${LMS_E2E_TESTS:-e2e/} 2>&1 | tee "$work/e2e.log" || status=$?
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
