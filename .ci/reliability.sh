#!/usr/bin/env bash
# kiln's reliability checks (issue #5), beside `.ci/run`'s debug test run:
#   1. the compile-fail suite (trybuild; also part of `cargo test --workspace`, run here on its own
#      so a failure is attributed), the broken-fixture generator check and the hostile-input tests;
#   2. the host test suite in --release (overflow checks off: results must not depend on the profile);
#   3. runtime-core's tests under Miri (nightly; a subset by default, see below);
#   4. a 60 s libFuzzer smoke run over the whole compiler (cargo-fuzz, nightly).
# It installs what it needs and fails loudly when a tool cannot be had.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n=== %s\n' "$*"; }
start=$SECONDS
FUZZ_SECONDS="${KILN_FUZZ_SECONDS:-60}"

step "toolchains: nightly with miri + rust-src, cargo-fuzz"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
rustup component add miri rust-src --toolchain nightly
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
cargo +nightly fuzz --version
cargo +nightly miri --version

step "compile-fail suite: every malformed model and macro misuse has its exact, spanned message"
cargo test --locked -p kiln-macros --test compile_fail

step "broken fixtures equal their generator; library and CLI (exit 2) messages; hostile inputs"
cargo test --locked -p kiln-codegen --test broken_fixtures --test hostile --test errors

step "host test suite in --release (the debug run is in .ci/run)"
cargo test --workspace --locked --release

step "Miri: runtime-core (package kiln-tflite, library kiln) tests"
# runtime-core is #![deny(unsafe_code)] outside arch/, whose asm! wrappers Miri cannot run (it
# runs their plain-Rust twins, below), so Miri can find little the debug run (overflow checks
# on) cannot, short of a bug in core.
# Its tests are randomized property tests with thousands of cases each: all 25 under Miri take
# well over an hour here, so CI runs two that finish in about a minute together (the element
# store/load round trip and the fixed-point exp); KILN_MIRI_FULL=1 runs them all.
if [ -n "${KILN_MIRI_FULL:-}" ]; then
  cargo +nightly miri test --locked -p kiln-tflite
else
  miri_tests=(
    element::tests::store_load_round_trip
    element::tests::views_see_the_little_endian_bytes
    fixed_point::tests::exp_on_negative_values_approximates_exp
    arch::arm_dsp::tests::twins_match_the_definitions
    arch::helium::tests::twin_matches_the_definition
    arch::x86::tests::twins_match_the_definitions
    arch::sse2::tests::twins_match_the_definitions
    arch::aarch64::tests::twins_match_the_definitions
  )
  for t in "${miri_tests[@]}"; do
    out="$(cargo +nightly miri test --locked -q -p kiln-tflite -- --exact "$t" 2>&1)" || { echo "$out"; exit 1; }
    # A renamed test would match nothing and pass silently: demand exactly one.
    echo "$out" | grep -q '^test result: ok. 1 passed' || { echo "$out"; echo "Miri: $t did not run" >&2; exit 1; }
    echo "miri ok: $t"
  done
fi

step "fuzz smoke run: ${FUZZ_SECONDS}s of libFuzzer over bytes → reader → lowering → plan → emit"
(
  cd codegen/fuzz
  ./seed.sh
  rm -rf corpus/ci && mkdir -p corpus/ci logs
  cp corpus/compile/seed-* corpus/ci/
  # Sanitizer off: the compiler is safe Rust (ASan would only watch the flatbuffers crate's
  # verified accessors) and runs ~10x faster without it. -max_len keeps the two MobileNet
  # seeds from dominating the run (they are truncated to this size; every op also has a small seed).
  log="$PWD/logs/ci-smoke.log"
  set +e
  cargo +nightly fuzz run -s none compile corpus/ci -- \
    -max_len=16384 -rss_limit_mb=512 -timeout=1 -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
    >"$log" 2>&1
  status=$?
  set -e
  grep -E '^(#[0-9]+ +(INITED|DONE)|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb))' "$log" || true
  # `cargo fuzz run` exits non-zero on any crash, timeout over 1 s or memory-cap hit.
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" | cut -c1-300
    echo "fuzz smoke run failed (status $status); the input is in codegen/fuzz/artifacts/compile/" >&2
    exit 1
  fi
)

printf '\nreliability checks passed in %ss\n' "$((SECONDS - start))"
