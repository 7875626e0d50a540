#!/usr/bin/env bash
# Regenerates codegen/src/schema/tflite_generated.rs from codegen/schema/tflite.fbs.
#
# tflite.fbs is TensorFlow's TFLite schema (Apache-2.0), taken unmodified from the schema/ folder of
# the `tract-tflite` 0.23.9 crate source (`cargo fetch` of a crate depending on tract-tflite = "=0.23.9"),
# because no Python wheel ships it. flatc must match the `flatbuffers` crate version (25.12.19).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/../../.venv-flatc"
[ -x "$venv/bin/flatc" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q flatc==25.12.19rc0; }
"$venv/bin/flatc" --version
"$venv/bin/flatc" --rust --gen-all -o "$here/../src/schema" "$here/tflite.fbs"
# Vectors of 8-byte scalars (quantization zero points) are verified as the C++ verifier that
# TFLM and LiteRT use verifies them: no 8-byte alignment demanded (see VectorOf8ByteScalars in
# codegen/src/schema/mod.rs).
sed -i -E "s/visit_field::<::flatbuffers::ForwardsUOffset<::flatbuffers::Vector<'_, (i64|u64|f64)>>>/visit_field::<::flatbuffers::ForwardsUOffset<crate::schema::VectorOf8ByteScalars<\1>>>/" \
  "$here/../src/schema/tflite_generated.rs"
