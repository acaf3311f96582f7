#!/usr/bin/env bash
# The desktop bench (issue 17): Tipvault's release app against a hello-world Tauri 2 app built
# the same way (tests/desktop-bench: same Tauri, same release profile), on this machine, in this
# run. Prints a table of release binary size, time from launch to first paint and idle memory,
# with ratios; docs/BENCHMARKS.md records the results. A bench, not a test: nothing here fails
# on a number.
#
#   scripts/bench-desktop.sh            5 runs: a first and a later launch of each app
#   scripts/bench-desktop.sh --runs 9   any option of the measuring tool
#
# Needs what scripts/setup.sh installs (Rust, Node, the WebKitGTK libraries, Xvfb). The two
# release builds take a while (link-time optimisation): about 25 minutes on 2 cores from cold.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

echo "== the UI, then Tipvault's release binary (as tauri build makes it)" >&2
npm run --prefix ui --silent build >&2
cargo build --release --locked -p tipvault-desktop --features tipvault-desktop/custom-protocol >&2

echo "== the hello-world Tauri app and the measuring tool" >&2
export CARGO_TARGET_DIR="$PWD/target/desktop-bench"
cargo build --release --locked --manifest-path tests/desktop-bench/Cargo.toml >&2

echo "== measuring under Xvfb (1280x800)" >&2
xvfb-run -a -s "-screen 0 1280x800x24" "$CARGO_TARGET_DIR/release/desktop-bench" \
  --candidate "tipvault=target/release/tipvault-desktop" \
  --baseline "hello=$CARGO_TARGET_DIR/release/hello-tauri" "$@"
