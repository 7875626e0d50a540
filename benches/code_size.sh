#!/usr/bin/env bash
# Generated code size on the host (x86-64): one small release binary per model (fat LTO,
# codegen-units=1, opt-level=3, like kiln-bench), each running its model once through
# `Model::run_bytes`, against the same harness built without any model. Prints a markdown table:
#   .text Δ    - .text of the model's binary minus the harness-only binary: the generated `invoke`,
#                its glue, and every kiln kernel this model pulls in (kernels are not shared here)
#   kiln:: fns - of that, the bytes in out-of-line `kiln::*` functions (the shared runtime
#                kernels; LTO inlines some kernels into the generated code, so this is a lower bound)
#   rest       - .text Δ minus kiln:: fns: the generated code and the kernels inlined into it
#   .rodata Δ  - .rodata minus the harness's: weights, biases, requantization tables, shapes
#   model statics - of that, the named statics of the model's module (weights and params)
# and one binary with all models, to show how much the kernels are shared.
# Usage: bash benches/code_size.sh   (needs ../shared beside the repository; MobileNetV1-1.0-224
# only when benches/models/ has it). Builds in benches/target/code-size (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
models=(
  "digits_int8 tests/fixtures/zoo/digits_int8.tflite"
  "hello_world_int8 ../shared/models/tflm/hello_world_int8.tflite"
  "micro_speech_quantized ../shared/models/tflm/micro_speech_quantized.tflite"
  "person_detect ../shared/models/tflm/person_detect.tflite"
  "mobilenet_v1_025_96 tests/fixtures/zoo/mobilenet_v1_025_96.tflite"
  "mobilenet_v2_035_96 tests/fixtures/zoo/mobilenet_v2_035_96.tflite"
  "mobilenet_v1_100_224 benches/models/mobilenet_v1_100_224.tflite"
)
work="$root/benches/target/code-size"
rm -rf "$work/crate" && mkdir -p "$work/crate/src/bin"
cat > "$work/crate/Cargo.toml" <<TOML
[package]
name = "codesize"
version = "0.0.0"
edition = "2021"
publish = false
[dependencies]
kiln = { path = "$root/runtime-core" }
[workspace]
[profile.release]
codegen-units = 1
lto = "fat"
TOML
# The harness, identical in every binary: inputs filled from argc (so nothing is constant-folded),
# one run, a checksum of the outputs printed.
harness() { # $1 = model type
  cat <<RS
    let n = std::env::args().count() as u8;
    let mut m = Box::<$1>::default();
    let inputs: Vec<Vec<u8>> = <$1 as kiln::Model>::INPUTS.iter().map(|i| vec![n; i.byte_len()]).collect();
    let mut outputs: Vec<Vec<u8>> = <$1 as kiln::Model>::OUTPUTS.iter().map(|o| vec![0u8; o.byte_len()]).collect();
    let ins: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    let mut outs: Vec<&mut [u8]> = outputs.iter_mut().map(Vec::as_mut_slice).collect();
    kiln::Model::run_bytes(&mut *m, &ins, &mut outs).unwrap();
    println!("{}", outputs.iter().flatten().map(|&b| b as u64).sum::<u64>());
RS
}
cat > "$work/crate/src/bin/harness_only.rs" <<'RS'
fn main() {
    let n = std::env::args().count() as u8;
    let inputs: Vec<Vec<u8>> = (0..n as usize).map(|i| vec![n; i + 1]).collect();
    let ins: Vec<&[u8]> = std::hint::black_box(inputs.iter().map(Vec::as_slice).collect());
    println!("{}", ins.iter().copied().flatten().map(|&b| b as u64).sum::<u64>());
}
RS
present=()
{
  echo "fn main() {"
} > "$work/all.main"
for entry in "${models[@]}"; do
  set -- $entry
  name=$1 path="$root/$2"
  if [ ! -f "$path" ]; then echo "skipping $name: $path is missing" >&2; continue; fi
  present+=("$name")
  { echo "mod model { kiln::include_model!(\"$path\", name = Net); }"
    echo "use model::Net;"
    echo "fn main() {"; harness Net; echo "}"; } > "$work/crate/src/bin/$name.rs"
  echo "mod $name { kiln::include_model!(\"$path\", name = Net); }" >> "$work/all.mods"
  { echo "{"; harness "$name::Net"; echo "}"; } >> "$work/all.main"
done
{ cat "$work/all.mods"; cat "$work/all.main"; echo "}"; } > "$work/crate/src/bin/all_models.rs"
rm -f "$work/all.mods" "$work/all.main"
(cd "$work/crate" && CARGO_TARGET_DIR="$work/target" cargo build --release --quiet)
bin="$work/target/release"
sec() { size -A "$1" | awk -v s="$2" '$1==s{print $2}'; }
# sum of symbol sizes: $1 binary, $2 nm type letters (regex), $3 demangled-name regex
symsum() { nm -S -C -t d --defined-only "$1" | awk -v t="$2" -v re="$3" '
  NF>=4 && $3 ~ t { name=$4; for (i=5;i<=NF;i++) name=name" "$i; if (name ~ re) s+=$2 } END{print s+0}'; }
bt=$(sec "$bin/harness_only" .text); br=$(sec "$bin/harness_only" .rodata)
echo "| model | .text Δ B | kiln:: fns B | rest (generated + inlined) B | .rodata Δ B | model statics B |"
echo "|---|---:|---:|---:|---:|---:|"
for name in "${present[@]}" all_models; do
  b="$bin/$name"
  t=$(( $(sec "$b" .text) - bt )); r=$(( $(sec "$b" .rodata) - br ))
  k=$(symsum "$b" '^[tT]$' '^kiln::')
  s=$(symsum "$b" '^[rRdD]$' "^$name::")
  label=$name; [ "$name" = all_models ] && label="**all ${#present[@]} in one binary**"
  echo "| $label | $t | $k | $((t - k)) | $r | $s |"
done
echo
echo "harness-only binary: .text $bt B, .rodata $br B (std, formatting, allocation: subtracted above)"
