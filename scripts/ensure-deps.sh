#!/usr/bin/env bash
# Checks what `make run` / `make test` need on Debian 12 or Ubuntu 22.04+ and installs
# what is missing (as root, or through password-less sudo); otherwise prints the one
# command to run and exits 1. Prints only "deps: ok" when everything is there.
#
#   scripts/ensure-deps.sh run     # build and run: Rust toolchain, FFmpeg headers, fonts
#   scripts/ensure-deps.sh test    # also: chromium, node/npm, python3-aiosmtpd, psql,
#                                  # redis-cli, frontend/node_modules, and moto (an
#                                  # S3-compatible server, from PyPI) in ~/.cache/lms-moto
#
# It never installs servers: the tests expect PostgreSQL and Redis to be running
# already (or use their embedded defaults).
#
# ENSURE_DEPS_AS_USER=1 behaves as a non-root user without sudo (to see the message).
set -euo pipefail

usage() {
  echo "usage: $0 run|test" >&2
  exit 2
}
[[ $# -eq 1 ]] || usage
mode=$1
[[ $mode == run || $mode == test ]] || usage

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian packages. An entry "pkg:cmd1,cmd2" is also satisfied when one of the commands
# exists (whatever installed it: another package, nvm, a distribution's own build).
wanted=(
  build-essential # make, and cc (the linker rustc uses)
  pkg-config clang libclang-dev
  libavcodec-dev libavformat-dev libavutil-dev libavfilter-dev libavdevice-dev
  libswscale-dev libswresample-dev
  ffmpeg fonts-noto-core ca-certificates
)
if [[ $mode == test ]]; then
  # shellcheck source=/dev/null
  . /etc/os-release 2>/dev/null || true
  if [[ ${ID:-} == ubuntu ]]; then chromium_pkg=chromium-browser; else chromium_pkg=chromium; fi
  wanted+=(
    "$chromium_pkg:chromium,chromium-browser"
    python3 python3-aiosmtpd
    python3-venv # the S3-compatible test server (moto) lives in its own virtualenv
    "poppler-utils:pdftotext" # certificate tests read the PDF's text and render its page
    "zbar-tools:zbarimg"      # ... and decode its QR code
    "postgresql-client:psql"
    "redis-tools:redis-cli"
  )
  # node 20 may come from elsewhere (nodesource, nvm): apt's nodejs could conflict.
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    wanted+=(nodejs npm)
  fi
fi

# One dpkg-query for all of them (fast); unknown packages only print to stderr.
declare -A installed=()
pkg_names=()
for entry in "${wanted[@]}"; do pkg_names+=("${entry%%:*}"); done
while IFS=' ' read -r pkg status; do
  [[ $status == "install ok installed" ]] && installed[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${pkg_names[@]}" 2>/dev/null || true)

has_any_command() {
  local cmd
  IFS=, read -ra cmds <<<"$1"
  for cmd in "${cmds[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 && return 0
  done
  return 1
}

missing=()
for entry in "${wanted[@]}"; do
  pkg=${entry%%:*}
  [[ -n ${installed[$pkg]:-} ]] && continue
  if [[ $entry == *:* ]] && has_any_command "${entry#*:}"; then continue; fi
  missing+=("$pkg")
done

# Who installs.
as_root=()
can_install=0
if [[ -z ${ENSURE_DEPS_AS_USER:-} && $(id -u) -eq 0 ]]; then
  can_install=1
elif [[ -z ${ENSURE_DEPS_AS_USER:-} ]] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  can_install=1
  as_root=(sudo)
fi

did_something=0
if ((${#missing[@]})); then
  if ((can_install)); then
    echo "deps: installing ${missing[*]}"
    "${as_root[@]}" apt-get update -q
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends "${missing[@]}"
    did_something=1
  else
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: install them with:" >&2
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

# The Rust toolchain comes from rustup, not apt.
if ! command -v cargo >/dev/null 2>&1; then
  if [[ -x $HOME/.cargo/bin/cargo ]]; then
    echo "deps: cargo is in ~/.cargo/bin but not on PATH; run:" >&2
    echo "  . \"\$HOME/.cargo/env\"" >&2
  else
    echo "deps: cargo not found; install Rust with rustup:" >&2
    echo "  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y && . \"\$HOME/.cargo/env\"" >&2
  fi
  exit 1
fi

if [[ $mode == test ]]; then
  # The SMTP sink of the tests runs on Debian's python (python3-aiosmtpd).
  if ! /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    echo "deps: /usr/bin/python3 cannot import aiosmtpd; install python3-aiosmtpd" >&2
    exit 1
  fi

  # moto's S3 server for the object-storage tests, from PyPI into its own virtualenv (pinned;
  # reinstalled when the pin changes).
  moto_pin="moto[s3]==5.1.22 flask==3.1.3 flask-cors==6.0.5"
  moto_dir=$HOME/.cache/lms-moto
  if [[ ! -x $moto_dir/bin/moto_server || $(cat "$moto_dir/.pin" 2>/dev/null) != "$moto_pin" ]]; then
    echo "deps: installing moto (S3-compatible test server) into $moto_dir"
    rm -rf "$moto_dir"
    /usr/bin/python3 -m venv "$moto_dir"
    # shellcheck disable=SC2086 # the pin is a list of requirements
    "$moto_dir/bin/pip" install --quiet --disable-pip-version-check $moto_pin
    echo "$moto_pin" >"$moto_dir/.pin"
    did_something=1
  fi

  # Playwright and the frontend's packages (only once the frontend has a package.json), again
  # whenever package-lock.json changed since the last install (npm keeps a copy of what it
  # installed in node_modules/.package-lock.json).
  frontend=$root_dir/frontend
  if [[ -f $frontend/package.json ]] && { [[ ! -d $frontend/node_modules/playwright-core ]] ||
    [[ $frontend/package-lock.json -nt $frontend/node_modules/.package-lock.json ]]; }; then
    echo "deps: installing frontend packages (npm)"
    if [[ -f $frontend/package-lock.json ]]; then
      (cd "$frontend" && npm ci --no-audit --no-fund)
    else
      (cd "$frontend" && npm install --no-audit --no-fund)
    fi
    did_something=1
  fi
fi

if ((did_something)); then
  echo "deps: ok (installed what was missing)"
else
  echo "deps: ok"
fi
