#!/usr/bin/env bash
# Rebuilds every committed test fixture:
#   tests/fixtures/zoo/*.tflite + manifest.json   (make_zoo.py, TensorFlow 2.21, zoo venv)
#   tests/fixtures/zoo/static/*.tflite             (make_zoo.py: static twins of dynamic-shape models,
#                                                   dense twins of sparse models)
#   tests/fixtures/digits/                         (make_zoo.py writes the inputs/labels,
#                                                   make_goldens.py the TFLM outputs/accuracy)
#   tests/fixtures/golden/<model>/                 (make_goldens.py, TFLM, oracle venv)
#   tests/fixtures/detection/                      (make_state_models.py + make_goldens.py, LiteRT-ref)
#   tests/fixtures/custom/                         (make_custom_op_model.py: model + formula outputs)
#   tests/fixtures/uint8/                          (make_uint8_models.py + make_goldens.py, LiteRT-ref)
# Usage: tests/scripts/make_fixtures.sh [MODEL_NAME...]   (default: the whole zoo)
# Venvs: .venv-zoo and .venv-oracle at the repo root (gitignored), created or refreshed by venv.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
zoo_py=$("$here/venv.sh" zoo "$repo/.venv-zoo")
oracle_py=$("$here/venv.sh" oracle "$repo/.venv-oracle")

fixtures="$repo/tests/fixtures"
"$zoo_py" "$here/make_zoo.py" --out "$fixtures/zoo" --digits "$fixtures/digits" "$@"
# SVDF/LSTM/resource-variable models: written with the schema's object API (no converter path).
if [ $# -eq 0 ]; then "$zoo_py" "$here/make_state_models.py" --out "$fixtures/zoo"; fi

if [ $# -gt 0 ]; then
  models=()
  for n in "$@"; do
    if [ -f "$fixtures/zoo/$n.tflite" ]; then models+=("$fixtures/zoo/$n.tflite"); fi
  done
else
  # Whole zoo: drop goldens of models that no longer exist.
  for d in "$fixtures/golden"/*/; do
    [ -d "$d" ] || continue
    if [ ! -f "$fixtures/zoo/$(basename "$d").tflite" ]; then rm -rf "$d"; fi
  done
  # And static twins (zoo/static/, dynamic-shape models) of models that no longer exist.
  for t in "$fixtures/zoo/static"/*.tflite; do
    [ -f "$t" ] || continue
    if [ ! -f "$fixtures/zoo/$(basename "$t")" ]; then rm -f "$t"; fi
  done
  models=("$fixtures/zoo/"*.tflite)
fi
if [ ${#models[@]} -gt 0 ]; then
  "$oracle_py" "$here/make_goldens.py" --out "$fixtures/golden" --digits "$fixtures/digits" "${models[@]}"
fi
if [ $# -eq 0 ]; then
  # TFLite_Detection_PostProcess models outside the zoo (make_state_models.py's OUTSIDE_ZOO):
  # TFLM has no answer for them, LiteRT-ref is the oracle (make_goldens.py LITERT_ONLY).
  "$oracle_py" "$here/make_goldens.py" --out "$fixtures/detection" "$fixtures/detection/"*.tflite
  # TF1 quantized_uint8 models (TF1 converter path; LiteRT-ref goldens, make_goldens.py u8_*).
  "$zoo_py" "$here/make_uint8_models.py" --out "$fixtures/uint8"
  "$oracle_py" "$here/make_goldens.py" --out "$fixtures/uint8" "$fixtures/uint8/"u8_*.tflite
  # The user custom-op model and the outputs of its formula (tests/tests/custom_ops.rs).
  "$zoo_py" "$here/make_custom_op_model.py"
fi
du -sh "$fixtures/zoo" "$fixtures/golden" "$fixtures/digits"
