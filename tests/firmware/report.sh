#!/usr/bin/env bash
# Firmware report: per model, a Cortex-M4 firmware (QEMU mps2-an386) built with only that model
# and one golden sample (KILN_FW_MODELS=<model> KILN_FW_SAMPLES=1), then measured:
#   flash        text + data of the ELF (arm-none-eabi-size; text includes .rodata), minus the
#                one golden sample (input + output bytes) the harness carries
#   static RAM   data + bss
#   peak stack   measured on the target by stack painting around the first inference
#   arena        the model's ARENA_BYTES (kiln; MicroFlow keeps activations on the stack)
#   insns        guest instructions of one inference (run_bytes / predict_quantized), counted by
#                the qemu-insncount plugin between rt::region_begin and rt::region_end
#   insns/MAC    insns / the model's MACs (kiln's count; same models for MicroFlow)
# Every firmware also checks its sample against TFLM on the target; a failing model fails the report.
#
#   tests/firmware/report.sh [--zoo] [--shared] [--microflow]   (default: all three)
#
# Needs qemu-system-arm, arm-none-eabi-binutils, gcc, the thumbv7em-none-eabihf target, ../shared
# and its goldens in target/shared-goldens (written by .ci/run). Prints a Markdown table.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

want_zoo= want_shared= want_mf=
[ $# -eq 0 ] && set -- --zoo --shared --microflow
for a in "$@"; do
  case $a in
    --zoo) want_zoo=1 ;; --shared) want_shared=1 ;; --microflow) want_mf=1 ;;
    *) echo "usage: $0 [--zoo] [--shared] [--microflow]" >&2; exit 2 ;;
  esac
done

for tool in qemu-system-arm arm-none-eabi-size arm-none-eabi-nm gcc cargo; do
  command -v "$tool" >/dev/null || { echo "report.sh: $tool not found (run .ci/firmware.sh once to install)" >&2; exit 1; }
done
plugin_src=${KILN_INSNCOUNT_SRC:-$repo/../shared/tools/qemu-insncount/insncount.c}
[ -f "$plugin_src" ] || { echo "report.sh: $plugin_src not found" >&2; exit 1; }
work=$repo/target/firmware-report
mkdir -p "$work"
gcc -O2 -shared -fPIC -fvisibility=hidden -o "$work/libinsncount.so" "$plugin_src"

# measure CRATE_DIR BIN FEATURES MODEL LABEL IMPL
measure() {
  local dir=$1 bin=$2 features=$3 model=$4 label=$5 impl=$6
  local elf="$dir/target/thumbv7em-none-eabihf/release/$bin"
  (cd "$dir" && KILN_FW_MODELS=$model KILN_FW_SAMPLES=1 cargo build --release --locked -q ${features:+--features $features}) >&2
  local begin end
  begin=$(arm-none-eabi-nm -C "$elf" | awk '/::rt::region_begin$/ {print "0x"$1}')
  end=$(arm-none-eabi-nm -C "$elf" | awk '/::rt::region_end$/ {print "0x"$1}')
  [ -n "$begin" ] && [ -n "$end" ] || { echo "report.sh: region markers not found in $elf" >&2; exit 1; }
  local log="$work/$impl-$model.log" out="$work/$impl-$model.out"
  rm -f "$log"
  if ! timeout 600 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -display none -monitor none -serial none \
      -semihosting-config enable=on,target=native -plugin "$work/libinsncount.so,start=$begin,end=$end" \
      -d plugin -D "$log" -kernel "$elf" >"$out" 2>&1; then
    echo "report.sh: $impl $model failed on the target:" >&2; cat "$out" >&2; exit 1
  fi
  read -r text data bss _ < <(arm-none-eabi-size "$elf" | tail -1)
  # The golden sample in flash: the first case's per-sample bytes, from the golden files.
  local gdir golden=0
  case $label in
    zoo) gdir=tests/fixtures/golden/$model ;;
    *) gdir=target/shared-goldens/$model ;;
  esac
  local samples f
  samples=$(grep -o '"samples": *[0-9]*' "$gdir/meta.json" | grep -o '[0-9]*$')
  for f in "$gdir"/input*.bin "$gdir"/output*.bin; do
    golden=$((golden + $(stat -c %s "$f") / samples))
  done
  local line insns stack arena macs
  line=$(grep -E "^(ok  |ran ) $model:" "$out" | head -1)
  [ -n "$line" ] || { echo "report.sh: no result line for $model" >&2; cat "$out" >&2; exit 1; }
  insns=$(grep -o 'region #1 insns=[0-9]*' "$log" | grep -o '[0-9]*$')
  stack=$(sed -n 's/.*peak stack \([0-9]*\) B.*/\1/p' <<<"$line")
  arena=$(sed -n 's/.*arena \([0-9]*\) B.*/\1/p' <<<"$line")
  macs=$(sed -n 's/.*B, \([0-9]*\) MACs.*/\1/p' <<<"$line")
  [ -n "$insns" ] && [ -n "$stack" ] || { echo "report.sh: missing figures for $impl $model" >&2; exit 1; }
  if [ "$impl" = kiln ]; then echo "$macs" >"$work/macs-$model"; else macs=$(cat "$work/macs-$model" 2>/dev/null || echo 0); arena="— (stack)"; fi
  local differ
  differ=$(sed -n 's/.*elements, \([0-9]*\) differ.*/\1/p' <<<"$line")
  local per_mac="—"
  [ "${macs:-0}" -gt 0 ] && per_mac=$(awk -v i="$insns" -v m="$macs" 'BEGIN { printf "%.2f", i / m }')
  printf '| %s | %s | %s | %d | %d | %s | %s | %s | %s | %s | %s |\n' \
    "$impl" "$model" "$label" $((text + data - golden)) $((data + bss)) "$stack" "$arena" "$macs" "$insns" "$per_mac" "$differ"
}

zoo_models() { ls tests/fixtures/zoo/*.tflite | xargs -n1 basename | sed 's/\.tflite$//'; }
shared_models="hello_world_int8 micro_speech_quantized person_detect simple_add_model test_conv_model"

echo "| impl | model | suite | flash B | static RAM B | peak stack B | arena B | MACs | insns/inference | insns/MAC | differ (1 sample) |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
fw=examples/firmware-cortex-m4
if [ -n "$want_shared" ] || [ -n "$want_mf" ]; then
  for m in $shared_models; do
    measure "$fw" kiln-firmware-cortex-m4 shared "$m" shared kiln
    if [ -n "$want_mf" ] && { [ "$m" = hello_world_int8 ] || [ "$m" = micro_speech_quantized ]; }; then
      measure tests/firmware/microflow kiln-firmware-microflow "" "$m" shared microflow
    fi
  done
fi
if [ -n "$want_zoo" ]; then
  for m in $(zoo_models); do
    measure "$fw" kiln-firmware-cortex-m4 "" "$m" zoo kiln
  done
fi
