#!/usr/bin/env bash
# kiln on simulated Cortex-M cores: the firmware suites (every zoo and shared model vs TFLM on the
# target) on a Cortex-M4 (QEMU mps2-an386), a Cortex-M7 (mps2-an500) and a Cortex-M33 with DSP
# (mps2-an505); the DSP-wrapper check (arch_check) on all three; the determinism check
# (instruction counts per inference, M4); a Cortex-M55 with Helium (mps3-an547: arch_check and
# both suites, about 3 minutes); the link-time panic-free proof for every model; the
# Cortex-M0 and Cortex-R5 builds; the user firmware template (examples/firmware-template: board
# build, QEMU run). Installs what it needs. Run from anywhere:
#   bash .ci/firmware.sh
# Needs ../shared beside the repository and its goldens in target/shared-goldens (.ci/run writes
# them before this step; without them this script makes them with the same command).
# The report (flash/RAM/stack/instructions, kiln vs MicroFlow) is separate and slower:
#   bash tests/firmware/report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
SHARED="${KILN_SHARED:-$(cd .. && pwd)/shared}"
FW=examples/firmware-cortex-m4
step() { printf '\n=== %s\n' "$*"; }
t0=$(date +%s)
# Per-step durations, printed at the end: `timed NAME` starts a step's clock.
timings=() t_name="" t_start=0
timed() {
  [ -n "$t_name" ] && timings+=("$(printf '%5d s  %s' $(( $(date +%s) - t_start )) "$t_name")")
  t_name=$1 t_start=$(date +%s)
}

step "firmware toolchain: qemu-system-arm, arm-none-eabi binutils, rust targets"
if ! command -v qemu-system-arm >/dev/null || ! command -v arm-none-eabi-size >/dev/null || ! command -v gcc >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends qemu-system-arm binutils-arm-none-eabi gcc libc6-dev >/dev/null
fi
rustup target add thumbv7em-none-eabihf thumbv6m-none-eabi thumbv8m.main-none-eabihf
# Cortex-R: armv7r-none-eabihf is not shipped for stable 1.95; nightly builds core from source.
rustup run nightly rustc --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal
rustup +nightly component add rust-src
qemu-system-arm --version | head -1

if [ ! -d "$SHARED/models/tflm" ]; then
  echo "error: $SHARED/models/tflm not found — the shared suite needs ../shared beside the repository" >&2
  exit 1
fi
if [ ! -f target/shared-goldens/person_detect/meta.json ]; then
  step "goldens for ../shared models (TFLM oracle; normally written by .ci/run)"
  PY="$(bash tests/scripts/venv.sh oracle .venv-oracle)"
  "$PY" tests/scripts/make_goldens.py --out target/shared-goldens --samples 200 --images "$SHARED/models/tflm" \
    "$SHARED"/models/tflm/{hello_world_int8,micro_speech_quantized,person_detect,simple_add_model,test_conv_model}.tflite
fi
export KILN_SHARED="$SHARED" KILN_SHARED_GOLDENS="$repo/target/shared-goldens"
cd "$FW"

# A plain `cargo run --release` runs one model (digits_int8), as a user's firmware would. The
# whole zoo does not fit one image's 4 MiB of flash: it runs as SHARDS images of every SHARDS-th
# model (KILN_FW_SHARD, examples/firmware-cortex-m4/build.rs).
ZOO_MODELS=$(ls "$repo"/tests/fixtures/zoo/*.tflite "$repo"/tests/fixtures/uint8/u8_*.tflite | wc -l)
SHARDS=$(( (ZOO_MODELS + 59) / 60 ))

# The M4 images are kept for the determinism check (one target dir holds one shard at a time).
elfs=$PWD/target/fw-elfs
rm -rf "$elfs" && mkdir -p "$elfs"
M4_ELF=target/thumbv7em-none-eabihf/release/kiln-firmware-cortex-m4

timed "M4 (mps2-an386): zoo + shared suites"
step "Cortex-M4: the README's command, cargo run --release (one model, digits_int8, vs TFLM on the target)"
cargo run --release --locked 2>&1 | tee target/fw-default.log
grep -q '^PASS: 1 models, 0 failed' target/fw-default.log \
  || { echo "error: the default firmware did not run exactly one model" >&2; exit 1; }

step "Cortex-M4 (mps2-an386): zoo on the target ($ZOO_MODELS models in $SHARDS images): cargo run --release (every output element vs TFLM; exit status from the firmware)"
for ((i = 0; i < SHARDS; i++)); do
  KILN_FW_SHARD=$i/$SHARDS cargo run --release --locked
  cp "$M4_ELF" "$elfs/m4-zoo-$i.elf"
done

step "Cortex-M4: real TFLM models on the target: cargo run --release --features shared"
cargo run --release --locked --features shared
cp "$M4_ELF" "$elfs/m4-shared.elf"

step "Cortex-M4: max_arena_bytes at the smallest arena kiln reaches (in-place depthwise and 1x1 layers, patched stages): every zoo model and person_detect whose plan changes"
KILN_FW_MODELS=all KILN_FW_PATCH=smallest cargo run --release --locked
KILN_FW_MODELS=person_detect KILN_FW_PATCH=smallest cargo run --release --locked --features shared

timed "determinism (M4, insn counts of every inference)"
step "determinism: instruction count of every inference, per model (tests/firmware/determinism.sh, the M4 images above)"
bash "$repo/tests/firmware/determinism.sh" "$elfs"/m4-*.elf

timed "arch_check on M4, M7, M33 (build + run)"
step "arch_check: every kiln::arch::arm_dsp wrapper vs its portable twin on the target (M4, M7, M33+DSP)"
cargo run --release --locked --bin arch_check
cargo run --release --locked --bin arch_check --config .cargo/m7.toml
cargo run --release --locked --bin arch_check --target thumbv8m.main-none-eabihf --features dsp

timed "M7 (mps2-an500): zoo + shared suites"
step "Cortex-M7 (mps2-an500, target-cpu=cortex-m7): zoo and shared suites: cargo run --release --config .cargo/m7.toml"
for ((i = 0; i < SHARDS; i++)); do
  KILN_FW_SHARD=$i/$SHARDS cargo run --release --locked --config .cargo/m7.toml
done
cargo run --release --locked --config .cargo/m7.toml --features shared

timed "M33+DSP (mps2-an505): zoo + shared suites"
step "Cortex-M33 with DSP (mps2-an505, Secure world): zoo and shared suites: cargo run --release --target thumbv8m.main-none-eabihf --features dsp"
for ((i = 0; i < SHARDS; i++)); do
  KILN_FW_SHARD=$i/$SHARDS cargo run --release --locked --target thumbv8m.main-none-eabihf --features dsp
done
cargo run --release --locked --target thumbv8m.main-none-eabihf --features dsp,shared

timed "M55 Helium (mps3-an547): arch_check + zoo + shared suites"
step "Cortex-M55 with Helium (mps3-an547, target-cpu=cortex-m55, features mve): arch_check (the MVE sequences vs their twins), then the zoo and shared suites vs TFLM (instruction counts, DSP vs Helium: tests/firmware/m55.sh)"
cargo run --release --locked --bin arch_check --config .cargo/m55.toml --features mve
for ((i = 0; i < SHARDS; i++)); do
  KILN_FW_SHARD=$i/$SHARDS cargo run --release --locked --config .cargo/m55.toml --features mve
done
cargo run --release --locked --config .cargo/m55.toml --features mve,shared

timed "Cortex-R5 build (nightly build-std)"
step "Cortex-R5 (armv7r-none-eabihf, build only): the whole zoo in one image, the shared suite, arch_check"
# A const assert in main.rs fails these builds if kiln::arch::ARM_DSP is off on this DSP target.
R="cargo +nightly build --release --locked -Zbuild-std=core --target armv7r-none-eabihf"
KILN_FW_SHARD= KILN_FW_MODELS=all $R
$R --features shared
arm-none-eabi-size target/armv7r-none-eabihf/release/kiln-firmware-cortex-m4
# The wrappers must be the instructions themselves here (A32 encoding).
dis=$(arm-none-eabi-objdump -d target/armv7r-none-eabihf/release/arch_check)
for insn in smlad smlabb smlatt sxtb16; do
  n=$(grep -cE "[[:space:]]$insn[[:space:]]" <<<"$dis" || true)
  [ "$n" -gt 0 ] || { echo "error: no $insn in the Cortex-R arch_check: the DSP wrappers are not the instructions" >&2; exit 1; }
  echo "Cortex-R arch_check: $n × $insn"
done

timed "panic-free proof + canary (M4)"

step "panic-free proof: any panic path left after LTO fails the link (every zoo and shared model)"
for run in $(seq 0 $((SHARDS - 1))) shared; do
  if [ "$run" = shared ]; then suite=shared; shard=""; else suite=""; shard="$run/$SHARDS"; fi
  export KILN_FW_SHARD=$shard
  feats=panic-check${suite:+,$suite}
  if ! cargo build --release --locked --bin kiln-firmware-cortex-m4 --features "$feats" 2>target/panic-check.log; then
    grep -E "undefined symbol|error" target/panic-check.log >&2 || cat target/panic-check.log >&2
    echo "panic paths are reachable (${suite:-zoo} suite); bisecting by model:" >&2
    if [ -n "$suite" ]; then models="hello_world_int8 micro_speech_quantized person_detect simple_add_model test_conv_model"
    else models=$(ls "$repo"/tests/fixtures/zoo/*.tflite "$repo"/tests/fixtures/uint8/u8_*.tflite | xargs -n1 basename | sed 's/\.tflite$//'); fi
    for m in $models; do
      KILN_FW_SHARD= KILN_FW_MODELS=$m KILN_FW_SAMPLES=1 cargo build --release --locked -q --bin kiln-firmware-cortex-m4 --features "$feats" 2>/dev/null \
        && echo "  panic-free: $m" >&2 || echo "  PANIC PATH: $m" >&2
    done
    exit 1
  fi
  # The panic-check build is also a real firmware: it must pass on the target (silently).
  timeout 600 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -display none -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel target/thumbv7em-none-eabihf/release/kiln-firmware-cortex-m4
  echo "panic-free and passing on the target: ${suite:-zoo shard $shard}"
done
unset KILN_FW_SHARD

step "the panic check can fail: a canary out-of-bounds index must break the link"
if KILN_FW_SHARD=0/$SHARDS cargo build --release --locked --bin kiln-firmware-cortex-m4 --features panic-check,panic-canary 2>target/panic-canary.log; then
  echo "error: the panic-canary build linked: the panic-free check proves nothing" >&2
  exit 1
fi
grep -q kiln_panic_path_is_reachable target/panic-canary.log || { cat target/panic-canary.log >&2; exit 1; }
echo "canary rejected as expected (undefined symbol kiln_panic_path_is_reachable)"

timed "Cortex-M0 build"
step "Cortex-M0 (thumbv6m-none-eabi, no DSP): build (every zoo shard, the last one also panic-checked)"
for ((i = 0; i < SHARDS; i++)); do
  KILN_FW_SHARD=$i/$SHARDS cargo build --release --locked --target thumbv6m-none-eabi
done
KILN_FW_SHARD=$((SHARDS - 1))/$SHARDS cargo build --release --locked --target thumbv6m-none-eabi --bin kiln-firmware-cortex-m4 --features panic-check
arm-none-eabi-size target/thumbv6m-none-eabi/release/kiln-firmware-cortex-m4

timed "firmware template (board build, QEMU run)"
step "firmware template (examples/firmware-template): nRF52840 DK build of both variants (blocking, embassy); the same code on QEMU mps2-an386 (feature qemu: defmt over semihosting, decoded by defmt-print)"
# defmt-print decodes the firmware's defmt frames; built once per machine (~3 min on 2 cores).
command -v defmt-print >/dev/null || cargo install --locked defmt-print --version 1.2.0
(
  cd "$repo/examples/firmware-template"
  cargo build --release --locked --bins
  arm-none-eabi-size target/thumbv7em-none-eabihf/release/kiln-firmware-template target/thumbv7em-none-eabihf/release/embassy
  for bin in kiln-firmware-template embassy; do
    # The runner (qemu-run.sh) exits with the firmware's semihosting status (pipefail here too).
    cargo run --release --locked --features qemu --config .cargo/qemu.toml --bin "$bin" | tee "target/qemu-$bin.log"
    grep -qx 'INFO  RESULT: 10 of 10 images classified correctly' "target/qemu-$bin.log" \
      || { echo "error: the template's $bin firmware did not classify its 10 images correctly" >&2; exit 1; }
  done
)

timed "per-layer profile"
step "per-layer profile on the target: report.sh --per-layer reshape (profile = true firmware, one counted region per layer; an alias has none)"
(cd "$repo" && bash tests/firmware/report.sh --per-layer reshape) | tee "$repo/target/per-layer-reshape.md"
grep -q '^No code (aliases of their input): #' "$repo/target/per-layer-reshape.md" \
  || { echo "error: the per-layer report lists no alias layer for reshape" >&2; exit 1; }
timed ""

echo
printf '%s\n' "${timings[@]}"
echo "firmware: all passed in $(( $(date +%s) - t0 )) s"
