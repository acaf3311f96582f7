#!/usr/bin/env bash
# Sets up and runs Tipvault's whole test suite: formatting, the supply chain (cargo deny), lints,
# Rust tests, UI type checks and unit tests, and end-to-end tests of the real desktop app under
# Xvfb. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test
export PATH="$PWD/.venv/bin:$HOME/.cargo/bin:$PATH"
# The interoperability test must run here, not skip: setup.sh installed its SQLCipher client.
export TIPVAULT_REQUIRE_INTEROP=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-always}"
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# One feature set for every cargo step, so tests and the desktop binary share one build. The
# test hooks (environment variables that move the clock, name a test device, shorten the
# auto-lock) exist only in builds with `test-hooks`: these, never the README's run command.
features=(--workspace --features tipvault-desktop/custom-protocol,tipvault-desktop/test-hooks,tipvault-cli/test-hooks)

step "Rust formatting"
cargo fmt --all -- --check

# Generated from the Rust side and committed: ts-rs and the boundary's test rewrite the UI's
# types and typed backend while the Rust tests run, and the desktop's build script rewrites the
# capability file from the same list of commands. If a run changes them, the committed copies
# were stale.
generated=(ui/src/lib/backend/generated src-tauri/capabilities)
fingerprint() { find "${generated[@]}" -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum | sha256sum; }
before=$(fingerprint)

step "UI build (embedded into the desktop binary)"
npm run --prefix ui build --silent

step "Supply chain: advisories, licenses, bans and sources (cargo deny)"
# The advisory database's host is out of reach here: a dated snapshot is committed and cloned
# into target/ (rebuildable). The directory name is cargo-deny's hash of deny.toml's db-url.
advisory_db=target/advisory-dbs/advisory-db-3157b0e258782691
if [[ ! -d "$advisory_db" ]]; then
  mkdir -p target/advisory-dbs
  git -c init.defaultBranch=main clone -q third_party/advisory-db/advisory-db.bundle "$advisory_db"
fi
echo "RustSec advisory database: snapshot of $(grep -o '\*\*[0-9-]*\*\*' third_party/advisory-db/README.md | tr -d '*')"
cargo fetch --locked --quiet
cargo-deny --offline check
# npm's advisory endpoint answers 405 from these machines: no npm audit (docs/RELIABILITY.md).

step "Rust lints"
cargo clippy "${features[@]}" --all-targets --locked -- -D warnings
# And as the README's run command and releases build it, without the test hooks: the code with
# every hook compiled out must stand on its own (a check, no second build of the app).
cargo clippy --workspace --features tipvault-desktop/custom-protocol --locked -- -D warnings

step "Rust tests"
# The process tests run the real `tipvault`; build it here with the same features, once.
cargo build "${features[@]}" --locked --bin tipvault
export TIPVAULT_TESTS_PREBUILT=1
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run "${features[@]}" --locked --no-fail-fast
  cargo test "${features[@]}" --locked --doc
else
  cargo test "${features[@]}" --locked --no-fail-fast
fi

step "Rust tests again, with the clock three years ahead"
# Nothing may depend on the day the code or its data was written. libfaketime moves the wall
# clock of every test binary, and of each tipvault process a test starts, three years on;
# cargo and nextest themselves keep the real clock (the binaries run through a target runner).
# The library is preloaded directly rather than through the `faketime` wrapper, whose
# per-process semaphore collides when nextest starts hundreds of processes ("sem_open: File
# exists"), and it is the thread-safe build (the tests are multi-threaded). The monotonic clock
# is left alone: it measures durations, not dates.
libfaketime=$(dpkg -L libfaketime | grep '/libfaketimeMT\.so\.1$' | head -n1)
[[ -n "$libfaketime" ]] || { echo "libfaketimeMT.so.1 not found (package libfaketime)" >&2; exit 1; }
export TIPVAULT_LIBFAKETIME="$libfaketime"
host=$(rustc -vV | sed -n 's/^host: //p')
runner_var="CARGO_TARGET_$(tr '[:lower:]-' '[:upper:]_' <<<"$host")_RUNNER"
# A test checks its clock reads at least this (three years less a day from now): the run cannot
# pass on today's date by accident.
expect_after=$(( $(date +%s) + (3 * 365 - 1) * 86400 ))
# The write-fault sweeps (tests/faults.rs) ran in the pass above; here they sample every 15th
# point, which is enough to show the clock changes nothing.
moved=(env "$runner_var=env LD_PRELOAD=$libfaketime FAKETIME=+3y FAKETIME_DONT_FAKE_MONOTONIC=1 TIPVAULT_EXPECT_CLOCK_AFTER=$expect_after TIPVAULT_FAULT_STRIDE=15")
env LD_PRELOAD="$libfaketime" FAKETIME=+3y date
if cargo nextest --version >/dev/null 2>&1; then
  "${moved[@]}" cargo nextest run "${features[@]}" --locked --no-fail-fast
else
  "${moved[@]}" cargo test "${features[@]}" --locked --no-fail-fast
fi

step "Fuzz targets: every seed and regression input, then 10 s of fuzzing each"
# A smoke so the targets never rot (docs/RELIABILITY.md records the long runs).
scripts/fuzz.sh smoke 10

step "Generated UI types, backend and capability match the Rust side"
if [[ "$(fingerprint)" != "$before" ]]; then
  echo "Files in ${generated[*]} were out of date and have been regenerated." >&2
  echo "Review them (git diff -- ${generated[*]}) and commit them." >&2
  exit 1
fi
echo "up to date"

step "UI type check"
npm run --prefix ui check --silent

step "UI unit tests"
npm test --prefix ui --silent

# Through the Tauri CLI (the Rust steps above built with plain cargo), so both ways of
# building the app with the root-level tauri.conf.json are checked on every run.
step "Desktop binary and its .deb (Tauri CLI)"
# The same debug build the specs drive, bundled as a .deb (the release workflow,
# .github/workflows/release.yml, and `npm run --prefix ui tauri -- build` bundle a release
# build the same way). The folder is emptied first so the step below installs this build's.
rm -rf target/debug/bundle/deb
npm run --prefix ui --silent tauri -- build --debug --bundles deb --features test-hooks

step "End-to-end tests (real app under Xvfb, WebDriver)"
# The automatic cash-out spec opens a vault this fixture makes in the trusted tier.
# The secret-leak scan reads each vault's keys afterwards with e2e_key_material.
cargo build "${features[@]}" --locked --example e2e_trusted_vault --example e2e_key_material
# One retry of a spec file: WebKitWebDriver once answered the very first keystroke of a spec
# with "Could not parse element file upload information" (2026-12-04, a fresh clone; the same
# specs passed in every run before and since) and every step after it failed; a real failure
# fails twice.
TIPVAULT_E2E_RETRIES=1 xvfb-run -a -s "-screen 0 1280x800x24" npm test --prefix tests/e2e --silent

step "The installed .deb: dpkg -i, then one spec against the installed app"
# The package is this run's test build (with the test hooks): it is installed for this step
# only and removed again however the step ends. It is never installed over a Tipvault the
# machine already has. CI (TIPVAULT_REQUIRE_DEB=1) fails instead of skipping.
deb=(target/debug/bundle/deb/*.deb)
package=$(dpkg-deb -f "${deb[0]}" Package)
as_root=()
if [[ $(id -u) -ne 0 ]]; then as_root=(sudo -n); fi
skip=""
if [[ ${#as_root[@]} -gt 0 ]] && ! sudo -n true 2>/dev/null; then
  skip="installing a package needs root (or sudo without a password) on this machine"
elif [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" == *" ok installed" ]]; then
  skip="a $package package is already installed here; it is left alone"
fi
if [[ -n "$skip" ]]; then
  if [[ "${TIPVAULT_REQUIRE_DEB:-}" == 1 ]]; then echo "Cannot test the .deb: $skip." >&2; exit 1; fi
  echo "Skipped: $skip." >&2
else
  trap '"${as_root[@]}" dpkg -r "$package" >/dev/null 2>&1 || true' EXIT
  "${as_root[@]}" dpkg -i "${deb[0]}"
  TIPVAULT_DESKTOP_BIN=/usr/bin/tipvault-desktop TIPVAULT_E2E_RETRIES=1 \
    xvfb-run -a -s "-screen 0 1280x800x24" \
    npm test --prefix tests/e2e --silent -- --spec specs/installed.deb.mjs
  "${as_root[@]}" dpkg -r "$package" >/dev/null
  trap - EXIT
fi

step "End-to-end preview and demo redemption, with the app's clock 400 days ahead"
# One retry of a spec file: the app under libfaketime has hung before its first page (twice in
# fresh clones, never locally); the retry runs in a clean state (wdio.conf.mjs ends the hung
# session's drivers and app first), and a real dependence on the date fails both attempts.
TIPVAULT_E2E_FAKETIME=+400d TIPVAULT_E2E_RETRIES=1 xvfb-run -a -s "-screen 0 1280x800x24" \
  npm test --prefix tests/e2e --silent -- --spec specs/preview.e2e.mjs --spec specs/demo.e2e.mjs

printf '\n\033[1;32mAll test suites passed.\033[0m\n'
