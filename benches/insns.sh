#!/usr/bin/env bash
# Instructions per inference on the application-core ISAs, counted the way the Cortex-M report
# counts them: `kiln-insns MODEL` (benches/src/bin/kiln-insns.rs) runs one inference between two
# marker functions, under QEMU's user mode with the qemu-insncount plugin (../shared/tools).
# Instruction counts are repeatable (same binary and input, same count) and indifferent to the
# machine's load, so builds can be compared where timing cannot (AArch64 runs emulated here).
#
# Builds (one kiln-insns binary each, non-PIE so that nm's addresses are the run-time ones):
#   aarch64          aarch64-unknown-linux-gnu, the default target features (NEON)
#   aarch64+dotprod  the same with -C target-feature=+dotprod
#   x86-64           x86_64-unknown-linux-gnu baseline (SSE2)
#   x86-64-v3        -C target-cpu=x86-64-v3 (AVX2; QEMU 7.2's TCG runs AVX2, not AVX-512)
#
# Usage: bash benches/insns.sh [MODEL...]   (default: the int8 benchmark models)
# Prints a Markdown table; needs qemu-user, gcc-aarch64-linux-gnu (installed when missing, as
# .ci/aarch64.sh does) and ../shared beside the repository.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo/benches"
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(digits_int8 mobilenet_v1_025_96 mobilenet_v2_035_96 person_detect micro_speech_quantized)

if ! command -v qemu-aarch64 >/dev/null || ! command -v qemu-x86_64 >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross >/dev/null
fi
rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1
plugin_src=${KILN_INSNCOUNT_SRC:-$repo/../shared/tools/qemu-insncount/insncount.c}
[ -f "$plugin_src" ] || { echo "insns.sh: $plugin_src not found (../shared beside the repository)" >&2; exit 1; }
work=$repo/benches/target/insns
mkdir -p "$work"
gcc -O2 -shared -fPIC -fvisibility=hidden -o "$work/libinsncount.so" "$plugin_src"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc

# name  target  extra rustflags  qemu command  nm
builds=(
  "aarch64|aarch64-unknown-linux-gnu||qemu-aarch64 -L /usr/aarch64-linux-gnu|aarch64-linux-gnu-nm"
  "aarch64+dotprod|aarch64-unknown-linux-gnu|-C target-feature=+dotprod|qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu|aarch64-linux-gnu-nm"
  "x86-64|x86_64-unknown-linux-gnu||qemu-x86_64|nm"
  "x86-64-v3|x86_64-unknown-linux-gnu|-C target-cpu=x86-64-v3|qemu-x86_64 -cpu max|nm"
)
declare -A count first
names=()
# 1234567 -> 1,234,567 (printf's %'d needs a locale that CI machines may not have).
commas() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
for b in "${builds[@]}"; do
  IFS='|' read -r name target flags qemu nmtool <<<"$b"
  names+=("$name")
  dir="target-insns-$(echo "$name" | tr -c 'a-z0-9\n' '_')"
  echo "insns.sh: building $name" >&2
  RUSTFLAGS="-C relocation-model=static $flags" cargo build --release --locked -q --bin kiln-insns \
    --target "$target" --target-dir "$dir"
  bin=$dir/$target/release/kiln-insns
  begin=$($nmtool -C "$bin" | awk '/kiln_insns::region_begin$/ {print "0x"$1}')
  end=$($nmtool -C "$bin" | awk '/kiln_insns::region_end$/ {print "0x"$1}')
  [ -n "$begin" ] && [ -n "$end" ] || { echo "insns.sh: region markers not found in $bin" >&2; exit 1; }
  for m in "${models[@]}"; do
    log=$work/$name-$m.log
    rm -f "$log"
    out=$($qemu -plugin "$work/libinsncount.so,start=$begin,end=$end" -d plugin -D "$log" "$bin" "$m")
    n=$(sed -n 's/^insncount: region #1 insns=\([0-9]*\)$/\1/p' "$log")
    [ -n "$n" ] || { echo "insns.sh: no counted region for $m on $name (log: $log)" >&2; exit 1; }
    count[$name,$m]=$n
    # Every build must compute the same output (the kernels differ, the bits may not).
    if [ -z "${first[$m]:-}" ]; then first[$m]=$out; elif [ "${first[$m]}" != "$out" ]; then
      echo "insns.sh: $name computes a different output: '$out' vs '${first[$m]}'" >&2; exit 1
    fi
    echo "insns.sh: $name $out: $n instructions" >&2
  done
done

printf '| model |'; for n in "${names[@]}"; do printf ' %s |' "$n"; done; printf ' x86-64 / x86-64-v3 | aarch64 / x86-64-v3 |\n'
printf '|---|'; for _ in "${names[@]}"; do printf -- '---:|'; done; printf -- '---:|---:|\n'
for m in "${models[@]}"; do
  printf '| %s |' "$m"
  for n in "${names[@]}"; do printf ' %s |' "$(commas "${count[$n,$m]}")"; done
  awk -v a="${count[x86-64,$m]}" -v b="${count[aarch64,$m]}" -v v3="${count[x86-64-v3,$m]}" \
    'BEGIN { printf " %.2f | %.2f |\n", a / v3, b / v3 }'
done
