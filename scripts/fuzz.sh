#!/usr/bin/env bash
# Runs the coverage-guided fuzz targets of tests/fuzz (cargo fuzz, libFuzzer with
# AddressSanitizer, nightly Rust). Each target starts from its committed seed corpus
# (tests/fuzz/seeds/TARGET) and keeps what it finds in tests/fuzz/corpus/TARGET (not committed:
# rebuildable). docs/RELIABILITY.md records the long runs.
#
#   scripts/fuzz.sh smoke [SECS]        every target: replay the seeds and the regression
#                                        inputs, then fuzz SECS seconds each (default 10); CI
#   scripts/fuzz.sh run TARGET SECS     one long run; prints executions, coverage and peak
#                                        memory, and keeps the log in tests/fuzz/logs/
#   scripts/fuzz.sh list                the targets
#
# A crash, a hang (-timeout) or memory beyond -rss_limit_mb fails the run; libFuzzer writes the
# input to tests/fuzz/artifacts/TARGET/, which becomes a regression input in
# tests/fuzz/regressions/TARGET/ once the cause is fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$HOME/.cargo/bin:$PATH"

fuzz_dir=tests/fuzz
cargo_fuzz=(cargo +nightly fuzz)
# Long runs: optimised (-O), with debug assertions and overflow checks, so an arithmetic
# overflow is a crash, as it is in a debug build of the product. The smoke builds unoptimised
# (--dev, the same checks): it builds in half the time and runs only seconds.
build_flags=(--fuzz-dir "$fuzz_dir" -O)
[[ "${1:-}" == "smoke" ]] && build_flags=(--fuzz-dir "$fuzz_dir" --dev)
# Per input: 10 s is a hang; 2 GB of resident memory is a leak or a blow-up.
limits=(-timeout=10 -rss_limit_mb=2048 -max_len=262144)

targets() { sed -n 's/^name = "\([a-z_]*\)"$/\1/p' "$fuzz_dir/Cargo.toml" | grep -v '^tipvault-fuzz$'; }

require() {
  if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "fuzzing needs a nightly Rust toolchain (rustup toolchain install nightly)" >&2
    exit 1
  fi
  if ! "${cargo_fuzz[@]}" --version >/dev/null 2>&1; then
    echo "cargo fuzz is not installed (scripts/setup.sh --test installs it)" >&2
    exit 1
  fi
}

corpora() {
  local target=$1
  mkdir -p "$fuzz_dir/corpus/$target"
  printf '%s\n' "$fuzz_dir/corpus/$target" "$fuzz_dir/seeds/$target"
  if [[ -d "$fuzz_dir/regressions/$target" ]]; then
    printf '%s\n' "$fuzz_dir/regressions/$target"
  fi
}

case "${1:-}" in
  list)
    targets
    ;;
  smoke)
    require
    secs=${2:-10}
    "${cargo_fuzz[@]}" build "${build_flags[@]}"
    for target in $(targets); do
      mapfile -t dirs < <(corpora "$target")
      # Only the committed inputs: what a long run left in the local corpus does not count,
      # so the smoke is the same on every machine. New inputs go to a scratch directory.
      scratch=$(mktemp -d)
      dirs[0]=$scratch
      log=$(mktemp)
      # libFuzzer first runs every input of every directory given (the seeds and the
      # regression inputs: a crash there fails at once), then mutates for SECS seconds.
      if ! "${cargo_fuzz[@]}" run "${build_flags[@]}" "$target" "${dirs[@]}" -- \
        "${limits[@]}" -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1; then
        tail -n 80 "$log" >&2
        echo "fuzz target $target failed: the input is in $fuzz_dir/artifacts/$target/" >&2
        exit 1
      fi
      printf '%-16s %s\n' "$target" "$(grep -aE '^#[0-9]+[[:space:]]+DONE' "$log" | head -n1)"
      rm -rf "$log" "$scratch"
    done
    ;;
  run)
    require
    target=${2:?target}
    secs=${3:?seconds}
    mkdir -p "$fuzz_dir/logs"
    log="$fuzz_dir/logs/$target-$(date -u +%Y%m%dT%H%M%SZ).log"
    mapfile -t dirs < <(corpora "$target")
    "${cargo_fuzz[@]}" build "${build_flags[@]}" "$target"
    status=0
    "${cargo_fuzz[@]}" run "${build_flags[@]}" "$target" "${dirs[@]}" -- \
      "${limits[@]}" -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -aE '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|==ERROR|SUMMARY|^Done' "$log" || true
    echo "corpus: $(find "${dirs[0]}" -type f | wc -l) inputs; log: $log; exit status $status"
    exit "$status"
    ;;
  *)
    sed -n '2,16p' "$0" >&2
    exit 2
    ;;
esac
