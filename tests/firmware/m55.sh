#!/usr/bin/env bash
# kiln on a Cortex-M55 (Armv8.1-M with Helium/MVE) under QEMU mps3-an547: the shared suite (the
# real TFLM models, person_detect included) and a few zoo models (default: the two MobileNets and
# the DS-CNN keyword spotter), every output element compared with TFLM on the target, and the
# guest instructions of each model's first inference (qemu-insncount plugin, region = one
# `invoke`, as in tests/firmware/report.sh), once per feature set:
#
#   tests/firmware/m55.sh                      # feature sets "dsp" (SMLAD kernels) and "dsp,mve" (Helium)
#   tests/firmware/m55.sh dsp                  # one feature set
#   KILN_M55_ZOO=mobilenet_v1_025_96 tests/firmware/m55.sh dsp dsp,mve
#
# The build is the stable `thumbv8m.main-none-eabihf` target with `-C target-cpu=cortex-m55`
# (`examples/firmware-cortex-m4/.cargo/m55.toml`; rustc has no built-in thumbv8.1m target). A
# failing model (any element different from TFLM) fails the script. Prints a Markdown table:
# model, MACs, then instructions of one inference and instructions per MAC per feature set.
#
# Needs qemu-system-arm, arm-none-eabi-nm, gcc, ../shared (plugin source, models) and the goldens
# in target/shared-goldens (KILN_SHARED, KILN_SHARED_GOLDENS as for the other firmware scripts).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
[ $# -eq 0 ] && set -- dsp dsp,mve
zoo=${KILN_M55_ZOO:-mobilenet_v1_025_96,mobilenet_v2_035_96,kws_ds_cnn}
export KILN_SHARED=${KILN_SHARED:-$repo/../shared}
export KILN_SHARED_GOLDENS=${KILN_SHARED_GOLDENS:-$repo/target/shared-goldens}
for tool in qemu-system-arm arm-none-eabi-nm gcc cargo; do
  command -v "$tool" >/dev/null || { echo "m55.sh: $tool not found (run .ci/firmware.sh once to install)" >&2; exit 1; }
done
work=$repo/target/m55
mkdir -p "$work"
gcc -O2 -shared -fPIC -fvisibility=hidden -o "$work/libinsncount.so" "$KILN_SHARED/tools/qemu-insncount/insncount.c"
fw=$repo/examples/firmware-cortex-m4
elf=$fw/target/m55/thumbv8m.main-none-eabihf/release/kiln-firmware-cortex-m4

symbol() {
  local addr
  addr=$(arm-none-eabi-nm -C "$1" | awk -v p="$2" '$0 ~ p {print "0x"$1}')
  [ -n "$addr" ] && [ "$(wc -l <<<"$addr")" -eq 1 ] || { echo "m55.sh: expected one symbol matching $2 in $1, found: ${addr:-none}" >&2; exit 1; }
  echo "$addr"
}

# run FEATURES SUITE: builds and runs one image under the plugin; appends "model macs insns" lines
# (first inference of each model) to $work/counts-FEATURES.
run() {
  local feats=$1 suite=$2 models=() tag=${1//,/+}
  if [ "$suite" = shared ]; then feats="$feats,shared"; else models=(KILN_FW_MODELS="$zoo"); fi
  (cd "$fw" && env "${models[@]}" cargo build --release --locked -q --config .cargo/m55.toml --features "$feats")
  local log=$work/$tag-$suite.log out=$work/$tag-$suite.out
  rm -f "$log"
  if ! timeout 600 qemu-system-arm -machine mps3-an547 -cpu cortex-m55 -display none -monitor none -serial none \
      -semihosting-config enable=on,target=native \
      -plugin "$work/libinsncount.so,start=$(symbol "$elf" '::rt::region_begin$'),end=$(symbol "$elf" '::rt::region_end$')" \
      -d plugin -D "$log" -kernel "$elf" >"$out" 2>&1; then
    echo "m55.sh: $feats ($suite) failed on the target:" >&2; cat "$out" >&2; exit 1
  fi
  sed 's/^/  /' "$out" >&2
  # The k-th region is the k-th inference in the printed order (one per sample).
  python3 - "$out" "$log" >>"$work/counts-$tag" <<'PY'
import re, sys
out, log = open(sys.argv[1]).read(), open(sys.argv[2]).read()
counts = [int(c) for c in re.findall(r"region #\d+ insns=(\d+)", log)]
k = 0
for m in re.finditer(r"^ok   (\S+): (\d+) samples, .* (\d+) MACs", out, re.M):
    name, samples, macs = m.group(1), int(m.group(2)), int(m.group(3))
    if "/" not in name:
        print(name, macs, counts[k])
    k += samples
assert k == len(counts), f"{k} inferences printed, {len(counts)} regions counted"
PY
}

for feats in "$@"; do
  rm -f "$work/counts-${feats//,/+}"
  echo "== Cortex-M55 (mps3-an547), features $feats" >&2
  run "$feats" shared
  run "$feats" zoo
done

python3 - "$work" "$@" <<'PY'
import sys
work, sets = sys.argv[1], sys.argv[2:]
rows = {}
order = []
for s in sets:
    for line in open(f"{work}/counts-{s.replace(',', '+')}"):
        name, macs, insns = line.split()
        if name not in rows:
            rows[name] = {"macs": int(macs)}
            order.append(name)
        rows[name][s] = int(insns)
head = "| model | MACs | " + " | ".join(f"insns ({s}) | insns/MAC ({s})" for s in sets) + " |"
print(head)
print("|---" * (2 + 2 * len(sets)) + "|")
for name in order:
    r = rows[name]
    cells = []
    for s in sets:
        i = r.get(s)
        cells += [f"{i:,}" if i is not None else "—", f"{i / r['macs']:.2f}" if i and r["macs"] else "—"]
    print(f"| {name} | {r['macs']:,} | " + " | ".join(cells) + " |")
PY
