#!/usr/bin/env bash
# Sets up and runs Tipvault's whole test suite: formatting, lints, Rust tests, UI type checks and
# unit tests, and end-to-end tests of the real desktop app under Xvfb. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-always}"
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# One feature set for every cargo step, so tests and the desktop binary share one build.
features=(--workspace --features tipvault-desktop/custom-protocol)

step "Rust formatting"
cargo fmt --all -- --check

step "UI build (embedded into the desktop binary)"
npm run --prefix ui build --silent

step "Rust lints"
cargo clippy "${features[@]}" --all-targets --locked -- -D warnings

step "Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run "${features[@]}" --locked --no-fail-fast
else
  cargo test "${features[@]}" --locked --no-fail-fast
fi

step "UI type check"
npm run --prefix ui check --silent

step "UI unit tests"
npm test --prefix ui --silent

step "Desktop binary"
cargo build "${features[@]}" --locked

step "End-to-end tests (real app under Xvfb, WebDriver)"
xvfb-run -a -s "-screen 0 1280x800x24" npm test --prefix tests/e2e --silent

printf '\n\033[1;32mAll test suites passed.\033[0m\n'
