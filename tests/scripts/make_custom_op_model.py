#!/usr/bin/env python3
"""A model with two *user* custom ops, for kiln's custom-op extension point (tests/tests/custom_ops.rs):

    .venv-zoo/bin/python tests/scripts/make_custom_op_model.py

writes tests/fixtures/custom/user_ops.tflite and, beside it, user_ops/{input0,output0,output1,
output2}.bin: 200 random inputs and the outputs computed here by the ops' formulas.

No interpreter can run these ops (they are ours), so the oracle is the formula: the Rust
functions in tests/tests/custom_ops.rs implement the same formula, in the same float32 order, and
the test checks that kiln's plumbing (tensor order, shapes, quantization, options decoded at
compile time, outputs in place and through a scratch window) delivers exactly these numbers.

  x [1, 6] float32 (model input), w [6] float32 (constant)
  "ScaleShift" (options: alpha 0.75 (float), offset 3 (int), tag "kiln" (string)), two outputs:
      y = alpha * x * w + offset                       float32 [1, 6]
      q = clamp(floor(y / s + 0.5) + z, -128, 127)     int8 [1, 6], s = 0.05, z = -10 (the output's
                                                       own quantization, read from its TensorInfo)
  "Clip" (options: lo 1.0, hi 4.0, floats), one output:
      c = min(max(y, lo), hi)                          float32 [1, 6]
"""

import json
import os
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_state_models as m  # noqa: E402

S = m.S
OUT = os.path.join(m.REPO, "tests", "fixtures", "custom")
NAME = "user_ops"


def model(w):
    g = m.Graph()
    x = g.tensor("x", [1, 6], S.TensorType.FLOAT32)
    wt = g.tensor("w", [6], S.TensorType.FLOAT32, data=w)
    y = g.tensor("y", [1, 6], S.TensorType.FLOAT32)
    q = g.tensor("y_int8", [1, 6], S.TensorType.INT8, m.quant(0.05, -10))
    c = g.tensor("clipped", [1, 6], S.TensorType.FLOAT32)
    from flatbuffers import flexbuffers

    fbb = flexbuffers.Builder()
    with fbb.Map():
        fbb.Float("alpha", 0.75)
        fbb.Int("offset", 3)
        fbb.String("tag", "kiln")
    g.custom_op("ScaleShift", [x, wt], [y, q], fbb.Finish())
    g.custom_op("Clip", [y], [c], m.detection_options(lo=1.0, hi=4.0))
    return g.model([x], [y, q, c])


def formula(x, w):
    f = np.float32
    y = (f(0.75) * x * w + f(3.0)).astype(np.float32)
    q = np.clip(np.floor(y / f(0.05) + f(0.5)) + f(-10), -128, 127).astype(np.int8)
    c = np.minimum(np.maximum(y, f(1.0)), f(4.0)).astype(np.float32)
    return y, q, c


def main():
    rng = np.random.default_rng(zlib.crc32(NAME.encode()))
    w = rng.uniform(-2, 2, 6).astype(np.float32)
    os.makedirs(os.path.join(OUT, NAME), exist_ok=True)
    m.write_model(model(w), os.path.join(OUT, NAME + ".tflite"))
    x = rng.uniform(-2, 2, (200, 1, 6)).astype(np.float32)
    y, q, c = formula(x, w)
    x.astype("<f4").tofile(os.path.join(OUT, NAME, "input0.bin"))
    y.astype("<f4").tofile(os.path.join(OUT, NAME, "output0.bin"))
    q.astype("<i1").tofile(os.path.join(OUT, NAME, "output1.bin"))
    c.astype("<f4").tofile(os.path.join(OUT, NAME, "output2.bin"))
    with open(os.path.join(OUT, NAME, "meta.json"), "w") as f:
        json.dump({"model": NAME, "samples": 200,
                   "oracle": "the ops' formulas in tests/scripts/make_custom_op_model.py (no interpreter runs user ops)"},
                  f, indent=2)
        f.write("\n")
    print("%s: 200 samples; q range [%d, %d], clipped %d of %d" % (
        NAME, q.min(), q.max(), int(((y < 1.0) | (y > 4.0)).sum()), y.size))


if __name__ == "__main__":
    main()
