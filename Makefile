# The two commands of the README, and their helpers. Everything is a script under scripts/
# so that CI (.ci/run) runs exactly what a developer runs.

# Keep the build cache outside the checkout (and shared between clones on one machine).
export CARGO_TARGET_DIR ?= $(HOME)/.cache/lms-target

.PHONY: run test lint bench e2e build

## Run the platform: embedded SQLite + local storage under ./data, media worker alongside,
## web server on http://localhost:8080. Ctrl-C stops both.
run:
	@scripts/run.sh

## Run every test: lint, unit, API and whole-system tests on SQLite and on PostgreSQL + Redis,
## media tests on real FFmpeg, and the browser tests in headless Chromium.
test:
	@scripts/test.sh

lint:
	@scripts/ensure-deps.sh run
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

e2e:
	@scripts/e2e.sh

## Benchmarks (release build), printing ratios against a reference run in the same script.
bench:
	@scripts/bench.sh

build:
	cargo build --release --locked -p lms-api -p lms-media-worker
