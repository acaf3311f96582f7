#!/usr/bin/env bash
# Sets up, builds and launches the Tipvault desktop app.
#   scripts/run.sh            debug build (shares the test suite's build)
#   scripts/run.sh --release  optimised build
#   scripts/run.sh --xvfb     run in a virtual display (no screen needed), e.g. on a server
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
xvfb=0
for arg in "$@"; do
  case "$arg" in
    --release) profile=release ;;
    --xvfb) xvfb=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

printf '\033[1m==> %s\033[0m\n' "Building the UI"
npm run --prefix ui build --silent

printf '\033[1m==> %s\033[0m\n' "Building the desktop app ($profile)"
cargo_args=(build --workspace --features tipvault-desktop/custom-protocol)
[[ $profile == release ]] && cargo_args+=(--release)
cargo "${cargo_args[@]}"
app="${CARGO_TARGET_DIR:-target}/$profile/tipvault-desktop"

if (( xvfb )); then
  command -v xvfb-run >/dev/null || scripts/setup.sh --test
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$app"
fi
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  cat >&2 <<MSG

There is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window cannot
open. The app is built at: $app
To run it in a virtual display instead:
  scripts/run.sh --xvfb
or directly:
  xvfb-run -a -s "-screen 0 1280x800x24" $app
MSG
  exit 1
fi
exec "$app"
