#!/usr/bin/env bash
# RAM on the Cortex-M4 (QEMU mps2-an386), kiln vs TFLM, for the models issue #14 names: the
# default build, a cap of about half TFLM's arena (max_arena_bytes: in-place layers, patched stages) and the
# smallest arena kiln reaches. Prints BENCHMARKS.md's "RAM" table (Markdown) on stdout.
#
#   tests/firmware/ram_table.sh            (≈ 15 min: 3 firmware builds and runs per model)
#
# Each row is one firmware image (tests/firmware/report.sh --only MODEL, with KILN_FW_PATCH set
# for the patched rows), run on the target and compared with TFLM's golden sample (a mismatch
# fails the script). RAM = ARENA_BYTES + the inference's peak stack (measured by painting); TFLM's
# figure is print_allocations()'s total (tflm_arena_bytes in the golden's meta.json). The cap is
# half TFLM's arena minus the plain build's stack, rounded down to 100 B; a cap kiln cannot
# reach (its smallest arena is larger) gets no row. Needs what report.sh needs, and
# target/shared-goldens (tests/scripts/shared_goldens.sh) for person_detect.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
# KILN_RAM_MODELS="ic_resnet8:zoo ..." reruns some rows only.
models=${KILN_RAM_MODELS:-"person_detect:shared mobilenet_v1_025_96:zoo mobilenet_v2_035_96:zoo kws_ds_cnn:zoo ic_resnet8:zoo"}
cargo build -q --release -p kiln-codegen --bin kiln
kiln=target/release/kiln
shared=${KILN_SHARED:-$repo/../shared}

# row MODEL SUITE PATCH: report.sh's row for one build ("" = plain).
row() {
  KILN_FW_PATCH=$3 bash tests/firmware/report.sh "--$2" --only "$1" | grep -E "^\| kiln \| $1 \|"
}

echo "| model | TFLM arena B | kiln | arena B | peak stack B | RAM B | RAM / TFLM | insns/inference | vs default | flash B |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"
for entry in $models; do
  model=${entry%%:*} suite=${entry##*:}
  case $suite in
    zoo) file=tests/fixtures/zoo/$model.tflite meta=tests/fixtures/golden/$model/meta.json ;;
    *) file=$shared/models/tflm/$model.tflite meta=target/shared-goldens/$model/meta.json ;;
  esac
  tflm=$(grep -o '"tflm_arena_bytes": *[0-9]*' "$meta" | grep -o '[0-9]*$')
  # The smallest arena kiln reaches, from the cap-0 error message.
  # (kiln exits 1 there: the cap is unreachable by design.)
  smallest=$({ "$kiln" inspect "$file" --max-arena-bytes 0 2>&1 || true; } | sed -n 's/.*reaches for this model: \([0-9]*\) bytes.*/\1/p')
  [ -n "$smallest" ] || { echo "ram_table.sh: no smallest arena for $model" >&2; exit 1; }
  plain_insns= plain_stack= first=1
  for variant in plain half smallest; do
    case $variant in
      plain) patch= label=default ;;
      half)
        cap=$(( (tflm / 2 - plain_stack) / 100 * 100 ))
        [ "$cap" -ge "$smallest" ] || continue
        patch=$cap label="capped ≈ 0.5× (cap $cap)" ;;
      smallest) patch=smallest label="capped, smallest" ;;
    esac
    r=$(row "$model" "$suite" "$patch")
    IFS='|' read -r _ _ _ _ flash _ stack arena _ insns _ differ _ <<<"$r"
    flash=${flash// /} stack=${stack// /} arena=${arena// /} insns=${insns// /} differ=${differ// /}
    [ "$differ" = 0 ] || { echo "ram_table.sh: $model $variant differs from TFLM" >&2; exit 1; }
    [ -n "$plain_insns" ] || plain_insns=$insns plain_stack=$stack
    ram=$((arena + stack))
    ratio=$(awk -v r="$ram" -v t="$tflm" 'BEGIN { printf "%.2f", r / t }')
    vs=$(awk -v i="$insns" -v p="$plain_insns" 'BEGIN { printf "%.2f", i / p }')
    name=$model tflm_col=$tflm
    [ -n "$first" ] || name= tflm_col=
    first=
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$tflm_col" "$label" "$arena" "$stack" "$ram" "$ratio" "$insns" "$vs" "$flash"
  done
done
