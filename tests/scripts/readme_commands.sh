#!/usr/bin/env bash
# Runs the commands README.md shows, as written, in a fresh clone of this repository, and prints
# one line per command: its exit status and the command. Fails if any exits non-zero.
#
#   bash tests/scripts/readme_commands.sh [CLONE_DIR]     (default: ../readme-check; ≈ 25 min)
#
# README's placeholders get real values: `model.tflite` is the bundled digits model (and a
# dynamic-length zoo model for --input-shape), `MODEL` is mobilenet_v1_025_96. Not run here:
# `bash .ci/run` (the whole suite: run it on its own), the 50-minute fuzz command, and the
# `KILN_BLESS=1` commands (they rewrite golden files on purpose). The firmware commands need what
# `.ci/firmware.sh` installs (QEMU, Arm binutils, the Rust targets).
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
clone=${1:-$repo/../readme-check}
rm -rf "$clone"
git clone -q "$repo" "$clone" || exit 1
# The ../shared models sit beside every clone, as in CI.
[ -e "$clone/../shared" ] || { echo "readme_commands.sh: $clone/../shared missing (need ../shared beside the clone)" >&2; exit 1; }
out=$(mktemp -d)
status=0
results=()

# run DIR COMMAND...: runs the command in DIR (relative to the clone) through bash.
run() {
  local dir=$1 cmd=$2 log
  log=$out/$(( ${#results[@]} + 1 )).log
  (cd "$clone/$dir" && bash -c "$cmd") >"$log" 2>&1
  local rc=$?
  results+=("$rc	${dir:+(cd $dir) }$cmd")
  [ $rc -eq 0 ] || { status=1; echo "FAILED ($rc): $cmd — last lines of $log:" >&2; tail -5 "$log" >&2; }
}

m=tests/fixtures/zoo/digits_int8.tflite
dyn=tests/fixtures/zoo/dynamic_length_kws.tflite
run "" "cargo run --release --example digits"
run "" "cargo run -p kiln-codegen --bin kiln -- generate $m"
run "" "cargo run -p kiln-codegen --bin kiln -- generate $m -o $out/model.rs --name Digits --profile -v"
run "" "cargo run -p kiln-codegen --bin kiln -- generate $dyn --input-shape 1,49,10"
run "" "cargo run -p kiln-codegen --bin kiln -- generate tests/fixtures/zoo/mobilenet_v1_025_96.tflite --max-arena-bytes 44000 -o $out/mnv1.rs"
run "" "cargo run -p kiln-codegen --bin kiln -- inspect $m"
run "" "cargo run -p kiln-codegen --bin kiln -- inspect $m --json"
run "" "cargo run -p kiln-codegen --bin kiln -- inspect $m --dot"
run "" "cargo run -p kiln-codegen --bin kiln -- inspect $dyn --input-shape 1,49,10 -v"
run "" "cargo run -p kiln-codegen --bin kiln -- inspect tests/fixtures/zoo/mobilenet_v1_025_96.tflite --max-arena-bytes 44000"
run "" "cargo run -p kiln-codegen --bin kiln -- inspect $m --html $out/report.html --svg $out/plan.svg"
run "" "cargo run -p kiln-codegen -- ops"
run "" "cargo run --release -p kiln-example-build-rs"
run "" "bash tests/scripts/render_report.sh"
run examples/firmware-cortex-m4 "cargo run --release"
run examples/firmware-cortex-m4 "KILN_FW_MODELS=mobilenet_v1_025_96 cargo run --release"
run examples/firmware-cortex-m4 "KILN_FW_SHARD=0/5 cargo run --release"
run examples/firmware-cortex-m4 "cargo run --release --config .cargo/m7.toml"
run examples/firmware-cortex-m4 "cargo run --release --target thumbv8m.main-none-eabihf --features dsp"
run examples/firmware-cortex-m4 "cargo run --release --bin arch_check"
run examples/firmware-cortex-m4 "cargo build --release --bin kiln-firmware-cortex-m4 --features panic-check"
run "" "bash tests/firmware/report.sh --per-layer mobilenet_v1_025_96"

printf '%s\n' "exit	command"
printf '%s\n' "${results[@]}"
exit $status
