#!/usr/bin/env bash
# Host benchmarks: kiln vs TFLM and LiteRT (reference, optimized, XNNPACK 1 thread), interleaved.
# Usage: bash benches/run.sh [compare.py options]   (from anywhere; needs ../shared beside the repo)
# Writes benches/results/host.{md,json,png}. Criterion: (cd benches && cargo bench).
set -euo pipefail
cd "$(dirname "$0")/.."
# Three builds of the same runner: for this host's CPU (the main figure: the peers choose their
# kernels for the running CPU too), the same with the opt-in `amx` feature, and for baseline x86-64.
(cd benches && cargo build --release --locked --bin kiln-bench)
(cd benches && RUSTFLAGS="-C target-cpu=native" cargo build --release --locked --bin kiln-bench --target-dir target-native)
(cd benches && RUSTFLAGS="-C target-cpu=native" cargo build --release --locked --bin kiln-bench --features amx --target-dir target-amx)
dir=.venv-bench
stamp="$dir/.requirements.sha256"
want=$(cat benches/requirements.txt tests/scripts/requirements-oracle.txt | sha256sum | cut -d' ' -f1)
if [ ! -x "$dir/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$dir" && python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check -r benches/requirements.txt
  echo "$want" > "$stamp"
fi
"$dir/bin/python" benches/compare.py "$@"
