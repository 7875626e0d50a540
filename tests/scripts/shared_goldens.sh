#!/usr/bin/env bash
# TFLM goldens for the models in ../shared (outside this repo, never committed):
#   target/shared-goldens/<stem>/        the TFLM example models (+ person/no_person images)
#   target/shared-goldens/int16/<stem>/  the 127 int16 single-op models in tflm-int16-ops/<op>/
# Usage: tests/scripts/shared_goldens.sh   (KILN_SHARED overrides ../shared). Uses the oracle venv.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
shared="${KILN_SHARED:-$(cd "$repo/.." && pwd)/shared}"
for d in "$shared/models/tflm" "$shared/models/tflm-int16-ops"; do
  if [ ! -d "$d" ]; then
    echo "error: $d not found — the shared-model suites need ../shared beside the repository" >&2
    exit 1
  fi
done
py="$(bash "$repo/tests/scripts/venv.sh" oracle "$repo/.venv-oracle")"
out="$repo/target/shared-goldens"

models=()
for m in hello_world_int8 hello_world_float micro_speech_quantized person_detect simple_add_model test_conv_model trained_lstm_int8 trained_lstm keyword_scrambled; do
  models+=("$shared/models/tflm/$m.tflite")
done
rm -rf "$out"
"$py" "$repo/tests/scripts/make_goldens.py" --out "$out" --samples 200 --images "$shared/models/tflm" "${models[@]}"

int16=("$shared"/models/tflm-int16-ops/*/*.tflite)
if [ "${#int16[@]}" -ne 127 ]; then
  echo "error: expected 127 int16 single-op models in $shared/models/tflm-int16-ops, found ${#int16[@]}" >&2
  exit 1
fi
"$py" "$repo/tests/scripts/make_goldens.py" --out "$out/int16" --samples 200 "${int16[@]}" | tail -n 3
