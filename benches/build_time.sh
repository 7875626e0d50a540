#!/usr/bin/env bash
# What users feel at build time: a release build of a crate that include_model!s
# MobileNetV1-1.0-224 (~4.2 M parameters, 4.6 MB), measured three ways:
#   full   - everything from scratch (kiln, its proc-macro and the model)
#   model  - the user's crate only, after the .tflite file changed (dependencies already built)
#   noop   - a rebuild with nothing changed
# plus the text size of the resulting binary. Needs benches/models/mobilenet_v1_100_224.tflite
# (benches/make_bench_models.py). Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
model="$root/benches/models/mobilenet_v1_100_224.tflite"
[ -f "$model" ] || { echo "missing $model: run benches/make_bench_models.py (see BENCHMARKS.md)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/models"
cp "$model" "$work/models/net.tflite"
cat > "$work/Cargo.toml" <<TOML
[package]
name = "buildtime"
version = "0.0.0"
edition = "2021"
[dependencies]
kiln = { package = "kiln-tflite", path = "$root/runtime-core" }
[workspace]
TOML
cat > "$work/src/main.rs" <<'RS'
kiln::include_model!("models/net.tflite", name = Net);
fn main() {
    // The zero-copy path over a caller-owned arena (on the heap: it is over a megabyte).
    let mut arena = Box::new(kiln::Aligned([0u8; Net::ARENA_BYTES]));
    *Net::input_in(&mut *arena) = [1i8; 224 * 224 * 3];
    Net::invoke_in(&mut *arena);
    let out: &[i8; 1000] = Net::output_in(&*arena);
    println!("{}", out.iter().map(|&v| v as i64).sum::<i64>());
}
RS
export CARGO_TARGET_DIR="$work/target"
# secs CMD...: wall seconds of a build; a failing build fails the script (with its errors).
secs() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$work/build.log" 2>&1 || { echo "build_time.sh: $* failed:" >&2; tail -30 "$work/build.log" >&2; return 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
(cd "$work" && cargo generate-lockfile -q)
full=$(cd "$work" && secs cargo build --release)
# Change the model file's bytes without changing the model (append nothing useful is not allowed:
# rewrite the same bytes so the mtime moves and the include_bytes! tracking fires).
cp "$model" "$work/models/net.tflite"; touch "$work/models/net.tflite"
model_rebuild=$(cd "$work" && secs cargo build --release)
noop=$(cd "$work" && secs cargo build --release)
text=$(size -A "$CARGO_TARGET_DIR/release/buildtime" | awk '$1==".text"{print $2}')
rodata=$(size -A "$CARGO_TARGET_DIR/release/buildtime" | awk '$1==".rodata"{print $2}')
out=$("$CARGO_TARGET_DIR/release/buildtime")
echo "| build of a crate with MobileNetV1-1.0-224 | seconds |"
echo "|---|---:|"
echo "| full release build (kiln + macro + model) | $full |"
echo "| rebuild after the .tflite changed | $model_rebuild |"
echo "| no-change rebuild | $noop |"
echo
echo "binary: .text $text bytes, .rodata $rodata bytes (weights live in .rodata); output checksum $out"
