#!/usr/bin/env bash
# Seeds the fuzz corpus with every zoo model (tests/fixtures/zoo/*.tflite) and the broken
# fixtures of the compile-fail suite (macros/tests/ui/fixtures/*.tflite). Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
mkdir -p "$here/corpus/compile"
n=0
for f in "$root"/tests/fixtures/zoo/*.tflite "$root"/macros/tests/ui/fixtures/*.tflite; do
  [ -f "$f" ] || continue
  cp "$f" "$here/corpus/compile/seed-$(basename "$f")"
  n=$((n + 1))
done
[ "$n" -ge 40 ] || { echo "seed.sh: only $n seed models found (expected the 40 zoo models at least)" >&2; exit 1; }
echo "seeded $n models into $here/corpus/compile"
