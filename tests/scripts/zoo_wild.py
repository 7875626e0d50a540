"""Zoo models of the `wild` family: files shaped like those real exporters write, which TFLM loads
(imported by make_zoo.py).

- **Unaligned int64 vectors** (`unaligned_*`): the converter's file with every quantization
  zero-point vector moved to an offset = 4 mod 8 (`misalign_zero_points`). FlatBuffers' C++
  verifier, which TFLM and LiteRT use, demands only 4-byte alignment of a vector's length; some
  exporters rely on that. make_zoo.py checks that TFLM's outputs on the golden inputs are
  identical before and after the rewrite (so TFLM loads and runs the rewritten file).
"""

import numpy as np

from make_zoo import Fail, conv, dense, keras, layers, model  # noqa: F401

# --------------------------------------------------------------------------------------
# Unaligned int64 zero-point vectors


def _zero_point_fields(buf):
    """(position of the `zero_point` offset field, vector position) of every quantization table."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    m = schema.Model.GetRootAsModel(buf, 0)
    sg = m.Subgraphs(0)
    seen = {}
    for i in range(sg.TensorsLength()):
        q = sg.Tensors(i).Quantization()
        if q is None:
            continue
        o = q._tab.Offset(10)  # field `zero_point` (vtable slot 10)
        if o == 0:
            continue
        field = q._tab.Pos + o
        seen[field] = q._tab.Vector(o) - 4  # the vector's length prefix
    return sorted(seen.items())


def misalign_zero_points(data):
    """Appends a copy of every zero-point vector with its int64 elements at an offset = 4 mod 8
    (length prefix 8-aligned, so 4-aligned as FlatBuffers requires) and points the quantization
    table at the copy. Only the 4-byte offset fields change in place; the originals stay in the
    file, unreferenced. Returns the rewritten file; fails unless at least one non-zero zero point
    moved and every zero point reads back unchanged."""
    buf = bytearray(data)
    fields = _zero_point_fields(buf)
    if not fields:
        raise Fail("no quantization zero-point vectors to misalign")
    before = {}
    for field, vec in fields:
        n = int.from_bytes(buf[vec:vec + 4], "little")
        before[field] = np.frombuffer(bytes(buf[vec + 4:vec + 4 + 8 * n]), "<i8").tolist()
    for field, vec in fields:
        n = int.from_bytes(buf[vec:vec + 4], "little")
        buf.extend(b"\0" * (-len(buf) % 8))  # length prefix at 0 mod 8, elements at 4 mod 8
        new = len(buf)
        buf.extend(buf[vec:vec + 4 + 8 * n])
        buf[field:field + 4] = (new - field).to_bytes(4, "little")
    after = _zero_point_fields(buf)
    moved = 0
    for field, vec in after:
        n = int.from_bytes(buf[vec:vec + 4], "little")
        if (vec + 4) % 8 != 4:
            raise Fail("zero-point vector at %d is not at 4 mod 8" % (vec + 4))
        if np.frombuffer(bytes(buf[vec + 4:vec + 4 + 8 * n]), "<i8").tolist() != before[field]:
            raise Fail("zero points changed by the rewrite")
        moved += any(before[field])
    if moved == 0:
        raise Fail("no non-zero zero point was misaligned (the test would not notice a misread)")
    print("  %d zero-point vectors moved to offsets = 4 mod 8 (%d with non-zero values)" % (len(after), moved))
    return bytes(buf)


@model("unaligned_zero_points", "CONV_2D 3x3 RELU -> MAX_POOL_2D -> FULLY_CONNECTED -> SOFTMAX int8 with "
       "every int64 zero-point vector at a file offset = 4 mod 8 (rewritten after conversion; TFLM loads "
       "it and gives identical outputs)",
       expect=[("CONV_2D", {}), ("MAX_POOL_2D", {}), ("FULLY_CONNECTED", {}), ("SOFTMAX", {})],
       patch=misalign_zero_points)
def _():
    x = keras.Input((6, 6, 2), batch_size=1, name="input")
    y = conv(4, 3, activation="relu")(x)
    y = layers.MaxPooling2D(2)(y)
    y = dense(5)(layers.Flatten()(y))
    return keras.Model(x, layers.Softmax()(y))
