#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png from the end-to-end run of the real app under Xvfb, so the
# README never shows a stale picture. Needs the desktop binary built (scripts/test.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
export TIPVAULT_SCREENSHOTS="$PWD/docs/screenshots"
xvfb-run -a -s "-screen 0 1280x800x24" npm test --prefix tests/e2e --silent
echo "Screenshots written to docs/screenshots/"
