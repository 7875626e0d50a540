#!/usr/bin/env bash
# Firmware report: per model, a Cortex-M4 firmware (QEMU mps2-an386) built with only that model
# and one golden sample (KILN_FW_MODELS=<model> KILN_FW_SAMPLES=1), then measured:
#   flash        text + data of the ELF (arm-none-eabi-size; text includes .rodata), minus the
#                golden bytes the harness carries (one sample; for person_detect also its two
#                test images)
#   static RAM   data + bss
#   peak stack   measured on the target by stack painting around the first inference
#   arena        the model's ARENA_BYTES (kiln; MicroFlow keeps activations on the stack)
#   insns        guest instructions of one inference (kiln's invoke, the zero-copy path: input
#                written into the arena before, output read in place after / MicroFlow's
#                predict_quantized, copies included), counted by
#                the qemu-insncount plugin between rt::region_begin and rt::region_end
#   insns/MAC    insns / the model's MACs (kiln's count; same models for MicroFlow)
# Every firmware also checks its sample against TFLM on the target; a failing model fails the report.
#
#   tests/firmware/report.sh [--zoo] [--shared] [--microflow] [--only m1,m2]   (default: all three suites)
#
# --only keeps the named models of the chosen suites (a model named in --only but in none of
# them fails the report).
#
# Per-layer mode: one firmware per model compiled with `profile = true` (KILN_FW_PROFILE=1), so
# the generated code calls kiln::profile::layer_begin(i) / layer_end(i) around every layer; the
# plugin's start=/end= are those two functions, and every start..end region is one layer:
#
#   tests/firmware/report.sh --per-layer MODEL...   (zoo stems or the ../shared models above)
#
# prints per model a Markdown table, one line per layer: op index, op, insns, MACs, insns/MAC
# (op and MACs from `kiln inspect --json`; the order of the layers from `kiln generate --profile`),
# then the layers' sum and the whole inference of the same profiled firmware (input copy, output
# read-back and ~10 marker insns per layer are the difference). Layers without code (RESHAPE and
# other aliases) have no line. With KILN_FW_PATCH (a patched build), a layer's row bands and
# carried rows are summed into its line. The same rows go to target/firmware-report/layers-MODEL.tsv
# (index, op, insns, MACs), which tests/firmware/vs_cmsis.sh reads.
#
# Needs qemu-system-arm, arm-none-eabi-binutils, gcc, the thumbv7em-none-eabihf target, ../shared
# and its goldens in target/shared-goldens (written by .ci/run). Prints a Markdown table.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

usage() {
  echo "usage: $0 [--zoo] [--shared] [--microflow] [--only m1,m2] | --per-layer MODEL..." >&2
  exit 2
}
want_zoo= want_shared= want_mf= only= per_layer=
per_layer_models=()
[ $# -eq 0 ] && set -- --zoo --shared --microflow
while [ $# -gt 0 ]; do
  case $1 in
    --zoo) want_zoo=1 ;; --shared) want_shared=1 ;; --microflow) want_mf=1 ;;
    --only) [ $# -ge 2 ] || usage; only=$2; shift ;;
    --per-layer) per_layer=1 ;;
    -*) usage ;;
    *) [ -n "$per_layer" ] || usage; per_layer_models+=("$1") ;;
  esac
  shift
done
if [ -n "$per_layer" ] && [ ${#per_layer_models[@]} -eq 0 ]; then usage; fi
if [ -n "$only" ] && [ -z "$want_zoo$want_shared$want_mf" ]; then want_zoo=1 want_shared=1; fi

for tool in qemu-system-arm arm-none-eabi-size arm-none-eabi-nm gcc cargo; do
  command -v "$tool" >/dev/null || { echo "report.sh: $tool not found (run .ci/firmware.sh once to install)" >&2; exit 1; }
done
plugin_src=${KILN_INSNCOUNT_SRC:-$repo/../shared/tools/qemu-insncount/insncount.c}
[ -f "$plugin_src" ] || { echo "report.sh: $plugin_src not found" >&2; exit 1; }
work=$repo/target/firmware-report
mkdir -p "$work"
gcc -O2 -shared -fPIC -fvisibility=hidden -o "$work/libinsncount.so" "$plugin_src"

# symbol ELF PATTERN: the address of the one symbol whose demangled name matches PATTERN (awk regex).
symbol() {
  local addr
  addr=$(arm-none-eabi-nm -C "$1" | awk -v p="$2" '$0 ~ p {print "0x"$1}')
  [ -n "$addr" ] && [ "$(wc -l <<<"$addr")" -eq 1 ] || { echo "report.sh: expected one symbol matching $2 in $1, found: ${addr:-none}" >&2; exit 1; }
  echo "$addr"
}

# qemu_count ELF START END LOG OUT WHAT: runs the firmware under the plugin; a failing run fails the report.
qemu_count() {
  local elf=$1 begin=$2 end=$3 log=$4 out=$5 what=$6
  rm -f "$log"
  if ! timeout 600 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -display none -monitor none -serial none \
      -semihosting-config enable=on,target=native -plugin "$work/libinsncount.so,start=$begin,end=$end" \
      -d plugin -D "$log" -kernel "$elf" >"$out" 2>&1; then
    echo "report.sh: $what failed on the target:" >&2; cat "$out" >&2; exit 1
  fi
}

# measure CRATE_DIR BIN FEATURES MODEL LABEL IMPL
measure() {
  local dir=$1 bin=$2 features=$3 model=$4 label=$5 impl=$6
  local elf="$dir/target/thumbv7em-none-eabihf/release/$bin"
  (cd "$dir" && KILN_FW_PROFILE= KILN_FW_MODELS=$model KILN_FW_SAMPLES=1 cargo build --release --locked -q ${features:+--features $features}) >&2
  local begin end
  begin=$(symbol "$elf" '::rt::region_begin$')
  end=$(symbol "$elf" '::rt::region_end$')
  local log="$work/$impl-$model.log" out="$work/$impl-$model.out"
  qemu_count "$elf" "$begin" "$end" "$log" "$out" "$impl $model"
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
  # build.rs also embeds person_detect's two test images (one sample each) beside its golden
  # sample: 18,450 B that were counted as kiln's flash until 2026-12-02.
  if [ "$model" = person_detect ] && [ -d "$gdir/images" ]; then
    for f in "$gdir"/images/*.bin; do
      golden=$((golden + $(stat -c %s "$f")))
    done
  fi
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
shared_dir=${KILN_SHARED:-$repo/../shared}
fw=examples/firmware-cortex-m4
fw_elf=$fw/target/thumbv7em-none-eabihf/release/kiln-firmware-cortex-m4

# The host `kiln` CLI (for `inspect --json` and `generate --profile`).
kiln_cli() { cargo run -q -p kiln-codegen --bin kiln -- "$@"; }

# per_layer MODEL: the per-layer table of one model (see the header).
per_layer() {
  local model=$1 tflite features
  if [[ " $shared_models " == *" $model "* ]]; then
    tflite=$shared_dir/models/tflm/$model.tflite features=shared
  elif [ -f "tests/fixtures/zoo/$model.tflite" ]; then
    tflite=tests/fixtures/zoo/$model.tflite features=
  else
    echo "report.sh: --per-layer $model: not a zoo model nor one of: $shared_models" >&2; exit 1
  fi
  (cd "$fw" && KILN_FW_PROFILE=1 KILN_FW_MODELS=$model KILN_FW_SAMPLES=1 cargo build --release --locked -q ${features:+--features $features}) >&2
  local elf="$work/profiled-$model.elf"
  cp "$fw_elf" "$elf"
  # Layer order: the marker calls of the generated code (the same compiler, the same options: with
  # KILN_FW_PATCH, the cap the firmware's build.rs derives, so a patched stage's bands are there).
  local order="$work/order-$model.txt" info="$work/inspect-$model.json" cap=()
  case ${KILN_FW_PATCH:-} in
    "") ;;
    smallest) cap=(--max-arena-bytes "$({ kiln_cli inspect "$tflite" --max-arena-bytes 0 2>&1 || true; } | sed -n 's/.*reaches for this model: \([0-9]*\) bytes.*/\1/p')") ;;
    fewest) cap=(--max-arena-bytes "$(( $(kiln_cli inspect "$tflite" | sed -n 's/^ARENA_BYTES: *\([0-9]*\).*/\1/p') - 1 ))") ;;
    *) cap=(--max-arena-bytes "$KILN_FW_PATCH") ;;
  esac
  kiln_cli generate --profile "${cap[@]}" "$tflite" | sed -n 's/^ *::kiln::profile::layer_begin(\([0-9]*\));$/\1/p' >"$order"
  local n; n=$(wc -l <"$order")
  [ "$n" -gt 0 ] || { echo "report.sh: no profile markers in kiln generate --profile $tflite" >&2; exit 1; }
  kiln_cli inspect --json "${cap[@]}" "$tflite" >"$info"
  local log="$work/layers-$model.log" out="$work/layers-$model.out"
  local lb le rb re
  lb=$(symbol "$elf" ' kiln::profile::layer_begin$')
  le=$(symbol "$elf" ' kiln::profile::layer_end$')
  rb=$(symbol "$elf" '::rt::region_begin$')
  re=$(symbol "$elf" '::rt::region_end$')
  qemu_count "$elf" "$lb" "$le" "$log" "$out" "profiled kiln $model"
  grep -q "^ok   $model:" "$out" || { echo "report.sh: profiled $model does not match TFLM:" >&2; cat "$out" >&2; exit 1; }
  local counts="$work/layer-counts-$model.txt"
  grep -o 'region #[0-9]* insns=[0-9]*' "$log" | grep -o '[0-9]*$' >"$counts"
  # The first inference is the first N regions (later cases of the same model, e.g. person_detect's
  # two images, repeat the pattern).
  local pairs; pairs=$(wc -l <"$counts")
  [ "$pairs" -ge "$n" ] && [ $((pairs % n)) -eq 0 ] || { echo "report.sh: $model: $pairs layer regions, not a multiple of its $n layers" >&2; exit 1; }
  local whole_log="$work/whole-$model.log"
  qemu_count "$elf" "$rb" "$re" "$whole_log" "$out" "profiled kiln $model"
  local whole; whole=$(grep -o 'region #1 insns=[0-9]*' "$whole_log" | grep -o '[0-9]*$')
  python3 - "$model" "$info" "$order" "$counts" "$n" "$whole" "$work/layers-$model.tsv" <<'PY'
import json, sys
model, info, order, counts, n, whole, tsv = sys.argv[1:8]
n, whole = int(n), int(whole)
layers = {l["index"]: l for l in json.load(open(info))["layers"]}
order = [int(x) for x in open(order).read().split()]
counts = [int(x) for x in open(counts).read().split()][:n]
# An op with several steps (SPLIT, UNPACK: one per output) has one region per step: summed.
rows = {}
for i, c in zip(order, counts):
    rows[i] = rows.get(i, 0) + c
print()
print(f"#### kiln per layer: {model}")
print()
print("| op | layer | insns | MACs | insns/MAC |")
print("|---:|---|---:|---:|---:|")
with open(tsv, "w") as f:
    for i, c in rows.items():
        op, macs = layers[i]["op"], int(layers[i]["macs"])
        per = f"{c / macs:.2f}" if macs else "—"
        print(f"| {i} | {op} | {c} | {macs} | {per} |")
        f.write("\t".join(map(str, (i, op, c, macs))) + "\n")
total = sum(counts)
macs = sum(int(l["macs"]) for l in layers.values())
print(f"| | **sum of layers** | {total} | {macs} | {total / macs:.2f} |" if macs else f"| | **sum of layers** | {total} | 0 | — |")
print(f"| | whole inference (same firmware: + input copy, output read-back, markers) | {whole} | | |")
aliases = [f"#{i} {l['op']}" for i, l in sorted(layers.items()) if i not in rows]
if aliases:
    print()
    print(f"No code (aliases of their input): {', '.join(aliases)}.")
PY
}

if [ -n "$per_layer" ]; then
  for m in "${per_layer_models[@]}"; do per_layer "$m"; done
  exit 0
fi

# --only: the named models, each of which must be in a chosen suite.
keep() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }
if [ -n "$only" ]; then
  IFS=, read -ra wanted <<<"$only"
  for m in "${wanted[@]}"; do
    found=
    { [ -n "$want_shared$want_mf" ] && [[ " $shared_models " == *" $m "* ]]; } && found=1
    { [ -n "$want_zoo" ] && [ -f "tests/fixtures/zoo/$m.tflite" ]; } && found=1
    [ -n "$found" ] || { echo "report.sh: --only $m: not in the chosen suites" >&2; exit 1; }
  done
fi

echo "| impl | model | suite | flash B | static RAM B | peak stack B | arena B | MACs | insns/inference | insns/MAC | differ (1 sample) |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
if [ -n "$want_shared" ] || [ -n "$want_mf" ]; then
  for m in $shared_models; do
    keep "$m" || continue
    measure "$fw" kiln-firmware-cortex-m4 shared "$m" shared kiln
    if [ -n "$want_mf" ] && { [ "$m" = hello_world_int8 ] || [ "$m" = micro_speech_quantized ]; }; then
      measure tests/firmware/microflow kiln-firmware-microflow "" "$m" shared microflow
    fi
  done
fi
if [ -n "$want_zoo" ]; then
  for m in $(zoo_models); do
    keep "$m" || continue
    measure "$fw" kiln-firmware-cortex-m4 "" "$m" zoo kiln
  done
fi
