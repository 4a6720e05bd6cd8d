#!/usr/bin/env bash
# `make test`: every test, on both databases, with real services.
#   1. lint (rustfmt, clippy -D warnings)
#   2. the workspace's tests on SQLite (unit, API, whole-system, media on real FFmpeg)
#   3. the whole-system tests again on PostgreSQL, with Redis behind the rate limiter
#   4. the browser tests (Playwright + Debian's Chromium) against a real server and SMTP sink,
#      then the trainer's upload-and-play test again with media in an S3 bucket (moto)
# Fails if any part fails or could not run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/lms-target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

scripts/ensure-deps.sh test
scripts/services.sh

log=$(mktemp /tmp/lms-test.XXXXXX.log)
trap 'rm -f "$log"' EXIT
exec > >(tee "$log") 2>&1

step() { echo; echo "==== $* ===="; }

step "lint"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests on SQLite"
LMS_TEST_DB=sqlite cargo test --workspace --locked

step "whole-system tests on PostgreSQL + Redis"
LMS_TEST_DB=postgres \
  LMS_TEST_POSTGRES_URL=${LMS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
  LMS_TEST_REDIS_URL=${LMS_TEST_REDIS_URL:-redis://127.0.0.1:6379} \
  cargo test --locked -p lms-tests

step "browser tests (headless Chromium)"
scripts/e2e.sh

step "browser upload and playback with media on S3 (moto)"
LMS_E2E_STORAGE=s3 LMS_E2E_TESTS=e2e/teach.test.mjs scripts/e2e.sh

# One closing line for the whole run: every runner's counts added up.
passed=$(awk '/^test result:/ {p += $4} /^# pass / {p += $3} END {print p + 0}' "$log")
failed=$(awk '/^test result:/ {f += $6} /^# fail / {f += $3} END {print f + 0}' "$log")
echo
echo "all tests passed on SQLite, PostgreSQL + Redis and in Chromium"
echo "$passed passed, $failed failed"
