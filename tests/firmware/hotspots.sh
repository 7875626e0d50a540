#!/usr/bin/env bash
# Where a model's instructions go on the Cortex-M4 (QEMU mps2-an386): builds the firmware with
# that model alone and one golden sample (as report.sh does), runs it under the pcprof plugin
# (tests/firmware/hotspots/pcprof.c: a count per executed instruction), and prints the functions
# with the most executed instructions; with --function REGEX also the disassembly of the
# matching functions, each instruction with its count (find the hot loop, its spills, the
# per-row and per-call overhead). The counts cover the whole run (start-up, the harness's
# stack painting and check, every inference of the sample), so read shares and loop bodies,
# not a per-inference total (that is report.sh's).
#
#   tests/firmware/hotspots.sh MODEL [--top N] [--function REGEX]
#   e.g. tests/firmware/hotspots.sh person_detect --function 'dsp_3x3::groups_3x3'
#
# MODEL: a zoo stem or one of ../shared's TFLM models (as for report.sh). Needs qemu-system-arm,
# arm-none-eabi-binutils, gcc, python3, the thumbv7em-none-eabihf target and the goldens.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
[ $# -ge 1 ] || { echo "usage: $0 MODEL [--top N] [--function REGEX]" >&2; exit 2; }
model=$1; shift
for tool in qemu-system-arm arm-none-eabi-nm arm-none-eabi-objdump gcc python3 cargo; do
  command -v "$tool" >/dev/null || { echo "hotspots.sh: $tool not found (run .ci/firmware.sh once to install)" >&2; exit 1; }
done
shared_models="hello_world_int8 micro_speech_quantized person_detect simple_add_model test_conv_model"
if [[ " $shared_models " == *" $model "* ]]; then features=shared
elif [ -f "tests/fixtures/zoo/$model.tflite" ]; then features=
else echo "hotspots.sh: $model is not a zoo model nor one of: $shared_models" >&2; exit 1; fi
export KILN_SHARED=${KILN_SHARED:-$repo/../shared}
export KILN_SHARED_GOLDENS=${KILN_SHARED_GOLDENS:-$repo/target/shared-goldens}
work=$repo/target/hotspots
mkdir -p "$work"
gcc -O2 -shared -fPIC -fvisibility=hidden -o "$work/libpcprof.so" tests/firmware/hotspots/pcprof.c
fw=examples/firmware-cortex-m4
(cd "$fw" && KILN_FW_PROFILE= KILN_FW_MODELS=$model KILN_FW_SAMPLES=1 cargo build --release --locked -q ${features:+--features $features}) >&2
elf=$work/$model.elf
cp "$fw/target/thumbv7em-none-eabihf/release/kiln-firmware-cortex-m4" "$elf"
rm -f "$work/$model.txt"
if ! timeout 600 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -display none -monitor none -serial none \
    -semihosting-config enable=on,target=native -plugin "$work/libpcprof.so,out=$work/$model.txt" -d plugin \
    -kernel "$elf" >"$work/$model.out" 2>&1; then
  echo "hotspots.sh: $model failed on the target:" >&2; cat "$work/$model.out" >&2; exit 1
fi
python3 tests/firmware/hotspots/report.py "$elf" "$work/$model.txt" "$@"
