#!/usr/bin/env bash
# kiln vs ARM's CMSIS-NN on the simulated Cortex-M4F (QEMU mps2-an386), model by model and layer by
# layer, on the same input: each model's first golden sample.
#
#   tests/firmware/vs_cmsis.sh                       # prints the Markdown section
#   tests/firmware/vs_cmsis.sh --update-benchmarks   # also rewrites it in BENCHMARKS.md, between
#                                                    # <!-- vs-cmsis:begin --> and <!-- vs-cmsis:end -->
#
# Models: person_detect and micro_speech_quantized (../shared/models/tflm), the zoo's
# mobilenet_v1_025_96 (MLPerf-Tiny VWW shape) and mobilenet_v2_035_96, and every zoo model whose
# name contains kws, ds_cnn, resnet or autoencoder (but not those compiled at a given input
# shape, named on stderr). KILN_VS_CMSIS_MODELS="a b" overrides the list.
#
# kiln side (tests/firmware/report.sh): one firmware per model with one golden sample;
#   whole model: `report.sh --only M` (insns between rt::region_begin/region_end, flash, arena,
#   peak stack, differ); per layer: `report.sh --per-layer M` (profile = true firmware).
# CMSIS-NN side: ../shared/peers/cmsis-nn/run.sh (unchanged) on the same input bytes, run from a
#   directory of links under target/vs-cmsis/peer where gen.py is tests/firmware/cmsis/gen_ext.py
#   (the peer's generator plus ADD, MEAN and per-channel FULLY_CONNECTED; see that file).
#   `PER_LAYER=1 run.sh` gives its per-layer counts.
# A model CMSIS-NN's runner cannot run is listed with the reason; nothing is skipped silently.
# Any failure of kiln (build, run, mismatch with TFLM) fails the script.
#
# Needs what report.sh needs (qemu-system-arm, arm-none-eabi binutils, the thumbv7em target,
# ../shared with its goldens in target/shared-goldens) plus arm-none-eabi-gcc with newlib and a
# python with tflite-micro: $PY, else the repo's oracle venv (tests/scripts/venv.sh oracle .venv-oracle).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

update=
case ${1:-} in
  "") ;;
  --update-benchmarks) update=1 ;;
  *) echo "usage: $0 [--update-benchmarks]" >&2; exit 2 ;;
esac

shared=${KILN_SHARED:-$repo/../shared}
peer=$shared/peers/cmsis-nn
insncount=${KILN_INSNCOUNT_SRC:-$shared/tools/qemu-insncount/insncount.c}
for f in "$peer/run.sh" "$peer/gen.py" "$peer/macs.py" "$peer/main.c" "$peer/runner.h" "$peer/link.ld" "$peer/cmsis-nn/Include" "$insncount"; do
  [ -e "$f" ] || { echo "vs_cmsis.sh: $f not found (the CMSIS-NN peer lives in ../shared/peers/cmsis-nn)" >&2; exit 1; }
done
for tool in arm-none-eabi-gcc arm-none-eabi-size qemu-system-arm python3; do
  command -v "$tool" >/dev/null || { echo "vs_cmsis.sh: $tool not found" >&2; exit 1; }
done
PY=${PY:-$(tests/scripts/venv.sh oracle .venv-oracle)}
"$PY" -c 'import numpy, tflite_micro' || { echo "vs_cmsis.sh: $PY lacks numpy/tflite-micro" >&2; exit 1; }
if ! "$PY" -c 'import ai_edge_litert.schema_py_generated' 2>/dev/null; then
  export PYTHONPATH=$repo/tests/firmware/cmsis/shim${PYTHONPATH:+:$PYTHONPATH}
  "$PY" -c 'import ai_edge_litert.schema_py_generated' || { echo "vs_cmsis.sh: no TFLite schema bindings for $PY" >&2; exit 1; }
fi

work=$repo/target/vs-cmsis
rm -rf "$work/peer"
mkdir -p "$work/peer" "$work/cmsis"
# run.sh finds its files next to itself ($(dirname "$0"), links not resolved): everything the
# peer's, except gen.py.
for f in run.sh macs.py main.c runner.h link.ld cmsis-nn; do ln -s "$peer/$f" "$work/peer/$f"; done
ln -s "$repo/tests/firmware/cmsis/gen_ext.py" "$work/peer/gen.py"
export KILN_CMSIS_GEN=$peer/gen.py INSNCOUNT_SRC=$insncount CMSIS_PEER_WORK=$work/cmsis PY

shared_models="hello_world_int8 micro_speech_quantized person_detect simple_add_model test_conv_model"
if [ -n "${KILN_VS_CMSIS_MODELS:-}" ]; then
  models=$KILN_VS_CMSIS_MODELS
else
  models="person_detect micro_speech_quantized mobilenet_v1_025_96 mobilenet_v2_035_96"
  # Models compiled at a given input shape (`input_shape` in the zoo manifest: dynamic-shape
  # test models such as dynamic_length_kws) are left out, by name on stderr: the peer's runner
  # takes every shape from the file, where they are placeholders.
  dynamic=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["models"]; print(" ".join(k for k,v in m.items() if "input_shape" in v))' tests/fixtures/zoo/manifest.json)
  for f in tests/fixtures/zoo/*.tflite; do
    stem=$(basename "$f" .tflite)
    case " $dynamic " in *" $stem "*) echo "vs_cmsis.sh: $stem: not compared (compiled at a given input shape; the CMSIS-NN runner reads shapes from the file)" >&2; continue ;; esac
    case $stem in *kws* | *ds_cnn* | *resnet* | *autoencoder*) models+=" $stem" ;; esac
  done
fi

results=$work/results.tsv layers_md=$work/layers.md
: >"$results"
: >"$layers_md"
for m in $models; do
  if [[ " $shared_models " == *" $m "* ]]; then
    suite=--shared tflite=$shared/models/tflm/$m.tflite gdir=target/shared-goldens/$m
  else
    suite=--zoo tflite=tests/fixtures/zoo/$m.tflite gdir=tests/fixtures/golden/$m
  fi
  [ -f "$tflite" ] || { echo "vs_cmsis.sh: $tflite not found" >&2; exit 1; }
  [ -f "$gdir/input0.bin" ] || { echo "vs_cmsis.sh: $gdir/input0.bin not found" >&2; exit 1; }
  [ ! -e "$gdir/input1.bin" ] || { echo "vs_cmsis.sh: $m has several inputs; run.sh takes one" >&2; exit 1; }
  echo "vs_cmsis.sh: $m: kiln" >&2
  row=$(bash tests/firmware/report.sh "$suite" --only "$m" | grep "^| kiln | $m |")
  # | impl | model | suite | flash | static RAM | peak stack | arena | MACs | insns | insns/MAC | differ |
  IFS='|' read -r _ _ _ _ k_flash k_sram k_stack k_arena k_macs k_insns _ k_differ _ <<<"$row"
  bash tests/firmware/report.sh --per-layer "$m" >"$work/kiln-layers-$m.md"
  cp "target/firmware-report/layers-$m.tsv" "$work/kiln-layers-$m.tsv"

  echo "vs_cmsis.sh: $m: CMSIS-NN" >&2
  # The golden input file holds every sample; run.sh reads the first sample's bytes from it.
  c_line= c_reason= c_layers=$work/cmsis-layers-$m.txt
  : >"$c_layers"
  if out=$(bash "$work/peer/run.sh" "$tflite" "$gdir/input0.bin" 2>"$work/cmsis-$m.err"); then
    c_line=$(tail -1 <<<"$out")
    PER_LAYER=1 bash "$work/peer/run.sh" "$tflite" "$gdir/input0.bin" 2>>"$work/cmsis-$m.err" | grep '^layer ' >"$c_layers" \
      || { echo "vs_cmsis.sh: $m: CMSIS-NN ran whole but not per layer" >&2; cat "$work/cmsis-$m.err" >&2; exit 1; }
  else
    c_reason=$( { grep -v '^\s*$' "$work/cmsis-$m.err" | tail -1; tail -1 <<<"$out"; } | tr '\n' ' ' | sed 's/|/\\|/g; s/ *$//')
    echo "vs_cmsis.sh: $m: CMSIS-NN could not run it: $c_reason" >&2
  fi
  sample=$("$PY" - "$gdir" <<'PY'
import json, os, sys
d = sys.argv[1]; n = json.load(open(os.path.join(d, "meta.json")))["samples"]
print(sum(os.path.getsize(os.path.join(d, f)) // n for f in os.listdir(d) if f.endswith(".bin") and f[:5] in ("input", "outpu")))
PY
)
  # The runner's activations: one static int8 array per tensor (no reuse), from its model.c.
  acts=0
  if [ -n "$c_line" ]; then
    acts=$(grep -o '^static int8_t t[0-9]*\[[0-9]*\]' "$work/cmsis/$m/model.c" | grep -o '\[[0-9]*\]' | tr -d '[]' | awk '{s += $1} END {print s + 0}')
  fi
  # What TFLM's planner gives the same graph's activations: its arena head (non-persistent
  # buffers: activations and the reference kernels' scratch), from print_allocations().
  head=$("$PY" - "$tflite" 2>&1 <<'PY' | sed -n 's/.*Arena allocation head \([0-9]*\) bytes.*/\1/p'
import sys
from tflite_micro import runtime as tflm
tflm.Interpreter.from_file(sys.argv[1], arena_size=8 << 20).print_allocations()
PY
)
  [ -n "$head" ] || { echo "vs_cmsis.sh: $m: no arena head from TFLM's print_allocations()" >&2; exit 1; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$m" "$(echo $k_flash)" "$(echo $k_sram)" "$(echo $k_stack)" \
    "$(echo $k_arena)" "$(echo $k_macs)" "$(echo $k_insns)" "$(echo $k_differ)" "$c_line" "$c_reason" "$sample" "${acts:-0}" "$head" >>"$results"
done

section=$work/section.md
python3 - "$results" "$work" >"$section" <<'PY'
import re, sys
results, work = sys.argv[1:3]
rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]
fmt = lambda n: f"{int(n):,}"
print("| model | MACs | kiln insns | CMSIS-NN insns | kiln / CMSIS-NN | kiln insns/MAC | CMSIS-NN insns/MAC "
      "| kiln flash B | CMSIS-NN flash B (w/o sample) | kiln RAM B (arena + stack) | TFLM + CMSIS-NN RAM B (TFLM arena head + scratch) "
      "| CMSIS-NN runner's activations B (unplanned) | = TFLM (kiln / CMSIS-NN) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
notes = []
for m, flash, sram, stack, arena, macs, insns, differ, cline, reason, sample, acts, head in rows:
    macs, insns = int(macs), int(insns)
    kpm = f"{insns / macs:.2f}" if macs else "—"
    kram = f"{fmt(int(arena) + int(stack))} ({fmt(arena)} + {fmt(stack)})"
    keq = "yes" if differ == "0" else f"NO ({differ} differ)"
    if cline:
        c = dict(re.findall(r"(insns|MACs|flash|scratch|differ) (\d+)", cline))
        ci, cm = int(c["insns"]), int(c["MACs"])
        of = re.search(r"differ (\d+) of (\d+)", cline)
        ceq = "yes" if of and of.group(1) == "0" else f"NO ({of.group(1) if of else '?'} differ)"
        cram = f"{fmt(int(head) + int(c['scratch']))} ({fmt(head)} + {fmt(c['scratch'])})"
        if cm != macs:
            notes.append(f"{m}: MAC counts differ (kiln {macs}, the peer's macs.py {cm}); insns/MAC use each side's own count.")
        cpm = f"{ci / cm:.2f}" if cm else "—"
        cflash = f"{fmt(c['flash'])} ({fmt(int(c['flash']) - int(sample))})"
        print(f"| {m} | {fmt(macs)} | {fmt(insns)} | {fmt(ci)} | **{insns / ci:.2f}** | {kpm} | {cpm} | {fmt(flash)} | {cflash} | {kram} | {cram} | {fmt(acts)} | {keq} / {ceq} |")
    else:
        print(f"| {m} | {fmt(macs)} | {fmt(insns)} | — | — | {kpm} | — | {fmt(flash)} | — | {kram} | {fmt(head)} + — | — | {keq} / not run: {reason} |")
for n in notes:
    print(f"\n{n}")
print()
for m, *_rest in rows:
    cline, reason = _rest[7], _rest[8]
    kiln = [l.rstrip("\n").split("\t") for l in open(f"{work}/kiln-layers-{m}.tsv")]
    k = {int(i): (op, int(n), int(mac)) for i, op, n, mac in kiln}
    cm = {}
    for l in open(f"{work}/cmsis-layers-{m}.txt"):
        f = l.split()
        if len(f) >= 4 and f[0] == "layer":
            cm[int(f[1])] = (f[2], int(f[3]))
    idx = sorted(set(k) | set(cm))
    print(f"#### {m} per layer\n")
    if not cm:
        print(f"CMSIS-NN: not run ({reason}); kiln alone.\n")
    print("| # | op | MACs | kiln insns | kiln insns/MAC | CMSIS-NN insns | CMSIS-NN insns/MAC | kiln / CMSIS-NN |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    ks = cs = 0
    for i in idx:
        op = k[i][0] if i in k else cm[i][0]
        mac = k[i][2] if i in k else 0
        kn = k[i][1] if i in k else None
        cn = cm[i][1] if i in cm else None
        ks += kn or 0
        cs += cn or 0
        per = lambda n: f"{n / mac:.2f}" if (n is not None and mac) else "—"
        kcell = fmt(kn) if kn is not None else "0 (alias: no code)"
        ccell = fmt(cn) if cn is not None else ("—" if cm else "not run")
        ratio = f"{kn / cn:.2f}" if (kn is not None and cn) else "—"
        print(f"| {i} | {op} | {fmt(mac) if mac else '—'} | {kcell} | {per(kn)} | {ccell} | {per(cn)} | {ratio} |")
    print(f"| | **sum of layers** | | **{fmt(ks)}** | | **{fmt(cs) if cm else '—'}** | | **{ks / cs:.2f}** |" if cm else
          f"| | **sum of layers** | | **{fmt(ks)}** | | — | | — |")
    print()
PY

{
  echo "Measured $(date -u +%Y-%m-%d) on $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- codegen runtime-core macros examples/firmware-cortex-m4 || echo ' (uncommitted changes)'),"
  echo "$(rustc --version | cut -d' ' -f1-2), $(qemu-system-arm --version | head -1 | sed 's/ (.*//'), $(arm-none-eabi-gcc --version | head -1 | sed 's/.*) //' | sed 's/^/arm-none-eabi-gcc /'), by \`bash tests/firmware/vs_cmsis.sh --update-benchmarks\`."
  echo
  cat "$section"
} >"$work/section-dated.md"
cat "$work/section-dated.md"

if [ -n "$update" ]; then
  python3 - BENCHMARKS.md "$work/section-dated.md" <<'PY'
import sys
path, new = sys.argv[1:3]
text, body = open(path).read(), open(new).read()
b, e = "<!-- vs-cmsis:begin -->", "<!-- vs-cmsis:end -->"
if text.count(b) != 1 or text.count(e) != 1 or text.index(b) > text.index(e):
    sys.exit(f"vs_cmsis.sh: {path} needs exactly one {b} … {e} block")
head, rest = text.split(b)
_, tail = rest.split(e)
open(path, "w").write(f"{head}{b}\n{body}{e}{tail}")
PY
  echo "vs_cmsis.sh: BENCHMARKS.md updated" >&2
fi
