#!/usr/bin/env bash
# Determinism check (for WCET users): on the Cortex-M4 (QEMU mps2-an386), the number of guest
# instructions of one inference must be the same for every golden input of a model.
#
# The firmware wraps every inference in rt::region_begin/rt::region_end; the qemu-insncount plugin
# (../shared/tools/qemu-insncount) prints `region #k insns=N` per inference, and the firmware
# prints each model's name and sample count in run order, so the k-th region is the k-th inference.
# Per model (person_detect's image cases count as the same model), every count must be equal.
#
# Ops with value-dependent control flow in kiln's kernels (DATA_DEPENDENT_OPS below, each with
# the reason) may make a model's count vary: such a model is reported (model, count range, which
# of its ops are on the list), not failed. Any other model whose count varies fails the check.
#
#   tests/firmware/determinism.sh              # builds the M4 zoo shards and the shared suite, checks all
#   tests/firmware/determinism.sh ELF...       # checks already-built M4 firmware ELFs (.ci/firmware.sh)
#
# KILN_DATA_DEPENDENT_OPS="OP1 OP2" replaces the list (an empty value shows the check failing).
# Needs qemu-system-arm, arm-none-eabi-nm, gcc, python3, ../shared (plugin source, goldens).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)

# Ops whose kernels have value-dependent control flow (runtime-core/src/ops), as OP (any type)
# or OP:dtype (dtype of the layer's first non-constant input; `hybrid` = dynamic-range layer).
# Every other op is expected to run in a constant number of instructions.
DEFAULT_DATA_DEPENDENT_OPS="
SOFTMAX LOG_SOFTMAX
EXP:float32 LOG:float32 SIN:float32 COS:float32 SQRT:float32 RSQRT:float32 TANH:float32
LOGISTIC:float32 ELU:float32 L2_POOL_2D:float32 L2_NORMALIZATION:float32 ROUND:float32
FLOOR_DIV:float32 FLOOR_MOD:float32 CAST:float32
UNIDIRECTIONAL_SEQUENCE_LSTM
LEAKY_RELU:int16 RELU:int16 PRELU:int8
DIV:int8
FULLY_CONNECTED:hybrid CONV_2D:hybrid DEPTHWISE_CONV_2D:hybrid
CUSTOM(TFLite_Detection_PostProcess)
IF WHILE
"
# Why (each read in the kernel):
#  SOFTMAX, LOG_SOFTMAX  int: only elements with diff >= diff_min are exponentiated (TFLM's
#                        algorithm, ops/softmax.rs, unary/log_softmax.rs); float: expf/logf.
#  float32 EXP LOG SIN COS TANH LOGISTIC ELU LOG_SOFTMAX SOFTMAX: float_math.rs evaluates glibc's
#                        algorithms in f64, which is soft-float on Cortex-M (__aeabi_d* routines
#                        take value-dependent paths), with range and special-case branches.
#  float32 SQRT RSQRT L2_POOL_2D L2_NORMALIZATION: sqrtf is a bit-by-bit loop on the representation.
#  float32 ROUND FLOOR_DIV FLOOR_MOD: round_half_even/floorf/fmodf branch on the exponent (fmodf loops).
#  float32 CAST to an integer: `f as i64` is the soft __aeabi_f2lz routine on 32-bit Arm.
#  UNIDIRECTIONAL_SEQUENCE_LSTM: gate activations (float: expf/tanhf; int: sigmoid16's
#                        logistic/tanh branch on the input's sign, as TFLM's).
#  LEAKY_RELU/RELU int16 (one kernel), PRELU int8: `if v >= 0 { identity } else { alpha }`
#                        requantization, as TFLM's.
#  DIV int8: branches on the divisor's sign and on zero.
#  CUSTOM(TFLite_Detection_PostProcess): sorts by score, keeps boxes over the threshold and
#                        suppresses by IoU (non-max suppression), as TFLM's: the work depends on
#                        the scores; its box decoding calls f64 exp (soft-float on Cortex-M).
#  IF, WHILE (control flow, inlined by kiln): the condition chooses which branch runs (the two
#                        may differ in work) and how many iterations a loop runs (`kiln inspect`
#                        lists them as data-dependent; `deterministic_timing` refuses them).
#  dynamic-range (hybrid) FULLY_CONNECTED/CONV_2D/DEPTHWISE_CONV_2D: each row's run-time input
#                        quantization (min/max, `lo == hi`, f64 round half away from zero).
DATA_DEPENDENT_OPS=${KILN_DATA_DEPENDENT_OPS-$DEFAULT_DATA_DEPENDENT_OPS}

for tool in qemu-system-arm arm-none-eabi-nm gcc python3 cargo; do
  command -v "$tool" >/dev/null || { echo "determinism.sh: $tool not found (run .ci/firmware.sh once to install)" >&2; exit 1; }
done
plugin_src=${KILN_INSNCOUNT_SRC:-$repo/../shared/tools/qemu-insncount/insncount.c}
[ -f "$plugin_src" ] || { echo "determinism.sh: $plugin_src not found" >&2; exit 1; }
work=$repo/target/determinism
mkdir -p "$work"
SHARED_MODELS=${KILN_SHARED:-$(cd "$repo/.." && pwd)/shared}/models/tflm
# The op list of a model whose count varies comes from the kiln CLI (per-layer types).
(cd "$repo" && cargo build -q --locked -p kiln-codegen --bin kiln)
kiln=$repo/target/debug/kiln
gcc -O2 -shared -fPIC -fvisibility=hidden -o "$work/libinsncount.so" "$plugin_src"

elfs=("$@")
if [ ${#elfs[@]} -eq 0 ]; then
  export KILN_SHARED=${KILN_SHARED:-$(cd "$repo/.." && pwd)/shared}
  export KILN_SHARED_GOLDENS=${KILN_SHARED_GOLDENS:-$repo/target/shared-goldens}
  fw=$repo/examples/firmware-cortex-m4
  zoo_models=$(ls "$repo"/tests/fixtures/zoo/*.tflite "$repo"/tests/fixtures/uint8/u8_*.tflite | wc -l)
  shards=$(( (zoo_models + 59) / 60 ))
  for run in $(seq 0 $((shards - 1))) shared; do
    if [ "$run" = shared ]; then
      (cd "$fw" && KILN_FW_SHARD= cargo build --release --locked -q --bin kiln-firmware-cortex-m4 --features shared)
    else
      (cd "$fw" && KILN_FW_SHARD=$run/$shards cargo build --release --locked -q --bin kiln-firmware-cortex-m4)
    fi
    cp "$fw/target/thumbv7em-none-eabihf/release/kiln-firmware-cortex-m4" "$work/m4-$run.elf"
    elfs+=("$work/m4-$run.elf")
  done
fi

status=0
for elf in "${elfs[@]}"; do
  name=$(basename "$elf" .elf)
  begin=$(arm-none-eabi-nm -C "$elf" | awk '/::rt::region_begin$/ {print "0x"$1}')
  end=$(arm-none-eabi-nm -C "$elf" | awk '/::rt::region_end$/ {print "0x"$1}')
  [ -n "$begin" ] && [ -n "$end" ] || { echo "determinism.sh: region markers not found in $elf" >&2; exit 1; }
  log=$work/$name.log out=$work/$name.out
  rm -f "$log"
  if ! timeout 900 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -display none -monitor none -serial none \
      -semihosting-config enable=on,target=native -plugin "$work/libinsncount.so,start=$begin,end=$end" \
      -d plugin -D "$log" -kernel "$elf" >"$out" 2>&1; then
    echo "determinism.sh: $elf failed on the target:" >&2; tail -20 "$out" >&2; exit 1
  fi
  echo "== $elf"
  python3 - "$out" "$log" "$repo" "$DATA_DEPENDENT_OPS" "$kiln" "$SHARED_MODELS" <<'EOF' || status=1
import json, re, subprocess, sys
out_path, log_path, repo, dd_ops, kiln, shared_models = sys.argv[1:7]
dd_ops = set(dd_ops.split())
out = open(out_path).read().splitlines()
counts = [int(m.group(1)) for m in re.finditer(r"region #\d+ insns=(\d+)", open(log_path).read())]
head = next((l for l in out if l.startswith("kiln firmware (")), None)
if head is None:
    sys.exit(f"no firmware banner in {out_path}")
suite = re.match(r"kiln firmware \((\w+) suite\)", head).group(1)
cases = [(m.group(1), int(m.group(2))) for l in out for m in [re.match(r"^(?:ok  |FAIL) (\S+): (\d+) samples,", l)] if m]
total = sum(n for _, n in cases)
if not cases or total != len(counts):
    sys.exit(f"{len(cases)} models with {total} inferences printed, but {len(counts)} counted regions: cannot map regions to models")
per_model, k = {}, 0
for label, n in cases:
    model = label.split("/")[0]  # person_detect/person.bmp is person_detect
    per_model.setdefault(model, []).extend(counts[k:k + n])
    k += n

def layers(model):
    """OP:dtype of every layer (`kiln inspect --json`); dtype `hybrid` for dynamic-range layers."""
    # The zoo suite also holds the uint8 legacy models (tests/fixtures/uint8, u8_*).
    zoo_dir = "uint8" if model.startswith("u8_") else "zoo"
    path = f"{repo}/tests/fixtures/{zoo_dir}/{model}.tflite" if suite == "zoo" else f"{shared_models}/{model}.tflite"
    info = json.loads(subprocess.run([kiln, "inspect", "--json", path], check=True, capture_output=True, text=True).stdout)
    keys = set()
    for layer in info["layers"]:
        dyn = [t["dtype"] for t in layer["inputs"] if not t["constant"]]
        dtype = "hybrid" if "dynamic range" in layer.get("options", "") else (dyn[0] if dyn else "const")
        keys.add(f"{layer['op']}:{dtype}")
    return keys

def listed(key):
    return key in dd_ops or key.split(":")[0] in dd_ops

constant = varying_ok = 0
failed = []
for model, cs in per_model.items():
    lo, hi = min(cs), max(cs)
    if lo == hi:
        constant += 1
        print(f"  constant   {model}: {len(cs)} inferences, {lo} insns each")
        continue
    keys = layers(model)
    culprits = sorted(k for k in keys if listed(k))
    line = f"{model}: {len(cs)} inferences, {lo}..{hi} insns ({len(set(cs))} distinct counts)"
    if culprits:
        varying_ok += 1
        print(f"  data-dep   {line}; value-dependent ops: {', '.join(culprits)}")
    else:
        failed.append(model)
        print(f"  FAIL       {line}; none of its ops ({', '.join(sorted(keys))}) is on the data-dependent list")
print(f"  {len(per_model)} models: {constant} constant, {varying_ok} vary through a data-dependent op, {len(failed)} vary unexpectedly")
sys.exit(1 if failed else 0)
EOF
done
if [ $status -ne 0 ]; then
  echo "determinism: FAIL (a model expected to run in a constant number of instructions does not)" >&2
  exit 1
fi
echo "determinism: every model runs in a constant number of instructions, or varies only through a listed data-dependent op"
