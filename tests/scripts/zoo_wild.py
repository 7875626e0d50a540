"""Zoo models of the `wild` family: files shaped like those real exporters write, which TFLM loads
(imported by make_zoo.py).

- **Unaligned int64 vectors** (`unaligned_*`): the converter's file with every quantization
  zero-point vector moved to an offset = 4 mod 8 (`misalign_zero_points`). FlatBuffers' C++
  verifier, which TFLM and LiteRT use, demands only 4-byte alignment of a vector's length; some
  exporters rely on that. make_zoo.py checks that TFLM's outputs on the golden inputs are
  identical before and after the rewrite (so TFLM loads and runs the rewritten file).
- **Names that are not UTF-8** (`latin1_tensor_names`): tensor names in Latin-1, which the C++
  verifier accepts (it does not check strings) and kiln reads with the bytes replaced by `?`.
- **Shape arithmetic** (`shape_*`): models with a dynamic batch (shape_signature -1, stored 1),
  so the converter keeps SHAPE and the int32 ops computing a RESHAPE's new shape from it; kiln
  folds them to constants at compile time.
- **Dynamic shapes** (`dynamic_*`): a -1 length or batch in the input's shape_signature; kiln
  compiles them for `input_shape` (the manifest records it, tests/build.rs passes it to
  include_model!), and TFLM runs the static twin make_zoo.py writes for that shape.
"""

import numpy as np

from make_zoo import Fail, bias_init, conv, dense, keras, layers, model, seed_of, tf  # noqa: F401

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


def latin1_names(data):
    """Rewrites every tensor name in place as Latin-1 would spell it with accents: each `e`
    becomes 0xE9 (`é` in Latin-1, not UTF-8), same length, so nothing else moves. FlatBuffers'
    C++ verifier (TFLM, LiteRT) does not check strings for UTF-8; Rust's does. Fails unless a name
    changed."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    buf = bytearray(data)
    sg = schema.Model.GetRootAsModel(buf, 0).Subgraphs(0)
    changed = 0
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        o = t._tab.Offset(10)  # field `name` (vtable slot 10)
        if o == 0:
            continue
        start = t._tab.Indirect(t._tab.Pos + o)
        n = int.from_bytes(buf[start:start + 4], "little")
        for k in range(start + 4, start + 4 + n):
            if buf[k] == ord("e"):
                buf[k] = 0xE9
                changed += 1
    if changed == 0:
        raise Fail("no tensor name has an `e` to rewrite")
    print("  %d name bytes rewritten as Latin-1 0xE9" % changed)
    return bytes(buf)


@model("latin1_tensor_names", "CONV_2D 3x3 RELU -> MEAN -> FULLY_CONNECTED int8 whose tensor names are not UTF-8 "
       "(every `e` rewritten as Latin-1 0xE9 after conversion; TFLM loads it and gives identical outputs)",
       expect=[("CONV_2D", {}), ("MEAN", {}), ("FULLY_CONNECTED", {})], patch=latin1_names)
def _():
    x = keras.Input((5, 5, 3), batch_size=1, name="input")
    y = layers.GlobalAveragePooling2D()(conv(6, 3, activation="relu")(x))
    return keras.Model(x, dense(4)(y))


# --------------------------------------------------------------------------------------
# Shape arithmetic folded at compile time


def fixed_rep(shape):
    """Representative data of one fixed `shape` for a model whose Keras input has a None
    dimension (random_rep needs static shapes)."""

    def rep(m):
        def gen():
            rng = np.random.default_rng(seed_of(m.name) + 2)
            for _ in range(100):
                yield [rng.uniform(-1, 1, shape).astype(np.float32)]

        return gen

    return rep


def dynamic_batch_rep(shape):
    return fixed_rep((1,) + shape)


class TfOp(layers.Layer):
    def __init__(self, fn, **kw):
        super().__init__(**kw)
        self.fn = fn

    def call(self, x):
        return self.fn(x)


def check_no_static_batch(desc):
    sig = desc["inputs"][0].get("shape_signature")
    if not sig or sig[0] != -1:
        raise Fail("input shape_signature %s has a static batch (the converter would fold SHAPE)" % sig)


@model("shape_flatten_dynamic_batch", "dynamic batch: CONV_2D -> RESHAPE to [tf.shape(x)[0], -1] "
       "(SHAPE -> STRIDED_SLICE -> PACK with a constant 144) -> FULLY_CONNECTED; the shape ops fold",
       expect=[("SHAPE", {}), ("STRIDED_SLICE", {}), ("PACK", {}), ("RESHAPE", {}), ("FULLY_CONNECTED", {})],
       rep=dynamic_batch_rep((6, 6, 3)), check=check_no_static_batch)
def _():
    x = keras.Input((6, 6, 3), name="input")
    y = conv(4, 3, activation="relu")(x)
    # 144 = 6*6*4, not -1: Keras needs the static width for the dense kernel.
    y = TfOp(lambda t: tf.reshape(t, tf.stack([tf.shape(t)[0], 144])))(y)
    return keras.Model(x, dense(5)(y), name="shape_flatten_dynamic_batch")


@model("shape_mul_concat", "dynamic batch: [b,4,6,8] RESHAPEd to [b*4,6,8] with the new shape "
       "CONCATENATION(SLICE(SHAPE, [0], [1]) MUL 4, [6, 8]), MEAN over axis 1, RESHAPEd back to [b, 32] with "
       "PACK(STRIDED_SLICE(SHAPE)[0], 32); every shape op folds and both RESHAPEs and the MEAN get their shapes "
       "re-inferred (the file stores [1,6,8] and [1,8]). TFLM cannot run the file itself (its RESHAPE keeps the "
       "stored shape), so the oracle runs the static twin for the stored input shape",
       expect=[("SHAPE", {}), ("STRIDED_SLICE", {}), ("MUL", {}), ("CONCATENATION", {}), ("RESHAPE", {}),
               ("MEAN", {}), ("PACK", {}), ("RESHAPE", {})],
       rep=dynamic_batch_rep((4, 6, 8)), check=check_no_static_batch, twin_shape=[1, 4, 6, 8])
def _():
    x = keras.Input((4, 6, 8), name="input")

    def fn(t):
        s = tf.shape(t)
        rows = s[0:1] * s[1]  # the converter folds s[1] (static) but not the batch
        y = tf.reduce_mean(tf.reshape(t, tf.concat([rows, s[2:]], axis=0)), axis=1)
        return tf.reshape(y, tf.stack([s[0], 32]))

    return keras.Model(x, TfOp(fn)(conv(8, 1)(x)), name="shape_mul_concat")


@model("shape_gather", "dynamic batch: RESHAPE [b,4,6] -> [b,24] with the new shape "
       "CONCATENATION(GATHER(SHAPE, [0]), [24]) (GATHER on int32 folds), then LOGISTIC. TFLM has no int32 "
       "GATHER, so the oracle is LiteRT's reference kernels (equal to TFLM's on RESHAPE and LOGISTIC) on the "
       "static twin",
       expect=[("SHAPE", {}), ("GATHER", {}), ("CONCATENATION", {}), ("RESHAPE", {}), ("LOGISTIC", {})],
       rep=dynamic_batch_rep((4, 6)), check=check_no_static_batch, twin_shape=[1, 4, 6])
def _():
    x = keras.Input((4, 6), name="input")
    y = TfOp(lambda t: tf.reshape(t, tf.concat([tf.gather(tf.shape(t), [0]), [24]], axis=0)))(x)
    return keras.Model(x, layers.Activation("sigmoid")(y), name="shape_gather")


# --------------------------------------------------------------------------------------
# Dynamic shapes, fixed by the user (input_shape)


def check_signature(want):
    def check(desc):
        sig = desc["inputs"][0].get("shape_signature")
        if sig != want:
            raise Fail("input shape_signature %s, expected %s" % (sig, want))
    return check


@model("dynamic_length_conv1d", "dynamic length (shape_signature [1,-1,4], stored [1,1,4]) compiled for "
       "input_shape [1,40,4]: Conv1D 3 SAME RELU -> MaxPool1D 2 -> Conv1D 3 SAME -> GlobalAveragePooling1D "
       "-> Dense 5 (EXPAND_DIMS/RESHAPE around each 1-D op, every stored shape a placeholder)",
       expect=[("EXPAND_DIMS", {}), ("CONV_2D", {}), ("MAX_POOL_2D", {}), ("MEAN", {}), ("FULLY_CONNECTED", {})],
       rep=fixed_rep((1, 40, 4)), check=check_signature([1, -1, 4]), input_shape=[1, 40, 4])
def _():
    x = keras.Input((None, 4), batch_size=1, name="input")
    y = layers.Conv1D(8, 3, padding="same", activation="relu", bias_initializer=bias_init())(x)
    y = layers.MaxPooling1D(2)(y)
    y = layers.Conv1D(8, 3, padding="same", bias_initializer=bias_init())(y)
    y = layers.GlobalAveragePooling1D()(y)
    return keras.Model(x, dense(5)(y))


@model("dynamic_batch_mlp", "dynamic batch (shape_signature [-1,12]) compiled for input_shape [3,12]: "
       "FULLY_CONNECTED 12 -> 6 RELU -> FULLY_CONNECTED 6 -> 3 on three rows",
       expect=[("FULLY_CONNECTED", {"fusedActivationFunction": "RELU"}), ("FULLY_CONNECTED", {})],
       rep=fixed_rep((3, 12)), check=check_signature([-1, 12]), input_shape=[3, 12])
def _():
    x = keras.Input((12,), name="input")
    return keras.Model(x, dense(3)(dense(6, activation="relu")(x)))


@model("dynamic_length_kws", "dynamic number of frames (shape_signature [1,-1,10], MFCC-like) compiled for "
       "input_shape [1,49,10]: RESHAPE to [1,-1,10,1], CONV_2D 3x3 stride 2 SAME RELU, DEPTHWISE_CONV_2D 3x3 "
       "RELU, CONV_2D 1x1, AVERAGE_POOL_2D 2x2 SAME, MEAN over time and frequency, FULLY_CONNECTED 6",
       expect=[("RESHAPE", {}), ("CONV_2D", {"strideH": 2}), ("DEPTHWISE_CONV_2D", {}), ("AVERAGE_POOL_2D", {}),
               ("MEAN", {}), ("FULLY_CONNECTED", {})],
       rep=fixed_rep((1, 49, 10)), check=check_signature([1, -1, 10]), input_shape=[1, 49, 10])
def _():
    x = keras.Input((None, 10), batch_size=1, name="input")
    y = layers.Reshape((-1, 10, 1))(x)
    y = conv(8, 3, strides=2, activation="relu")(y)
    y = layers.DepthwiseConv2D(3, padding="same", activation="relu", bias_initializer=bias_init())(y)
    y = conv(12, 1)(y)
    y = layers.AveragePooling2D(2, padding="same")(y)
    y = layers.GlobalAveragePooling2D()(y)
    return keras.Model(x, dense(6)(y))


@model("shape_broadcast_args", "dynamic batch: [b,4,1] int8 broadcast to tf.broadcast_dynamic_shape(tf.shape(x), "
       "[1,4,5]) (SHAPE -> BROADCAST_ARGS -> BROADCAST_TO); the shape ops fold. TFLM cannot prepare the dynamic "
       "BROADCAST_TO, so the oracle runs the static twin",
       expect=[("SHAPE", {}), ("BROADCAST_ARGS", {}), ("BROADCAST_TO", {})],
       rep=dynamic_batch_rep((4, 1)), check=check_no_static_batch, twin_shape=[1, 4, 1])
def _():
    x = keras.Input((4, 1), name="input")

    def fn(t):
        return tf.broadcast_to(t, tf.broadcast_dynamic_shape(tf.shape(t), tf.constant([1, 4, 5])))

    return keras.Model(x, TfOp(fn)(x), name="shape_broadcast_args")


def pruned(name, fraction, block=None):
    """A kernel initializer that zeroes a seeded `fraction` of the weights, one by one or (with
    `block`, e.g. (1, 4)) in blocks of the last two axes: what magnitude pruning leaves behind."""

    def init(shape, dtype=None):
        rng = np.random.default_rng(seed_of(name))
        w = rng.uniform(-0.5, 0.5, shape).astype(np.float32)
        if block is None:
            w[rng.uniform(size=shape) < fraction] = 0.0
        else:
            bi, bj = block
            keep = rng.uniform(size=(shape[0] // bi, shape[1] // bj)) >= fraction
            w *= np.kron(keep, np.ones(block)).astype(np.float32)
        return tf.constant(w, dtype=dtype)

    return init


@model("sparse_fc_float", "float32 FULLY_CONNECTED layers whose weights are 80 % zeros, converted with "
       "EXPERIMENTAL_SPARSITY: the weights are stored sparse (CSR) and a DENSIFY op feeds them",
       expect=[("DENSIFY", {})], quant="float32", sparse=True)
def _():
    x = keras.Input((24,), batch_size=1, name="input")
    y = layers.Dense(32, activation="relu", kernel_initializer=pruned("sparse_fc_float", 0.8),
                     bias_initializer=bias_init())(x)
    return keras.Model(x, layers.Dense(8, kernel_initializer=pruned("sparse_fc_float 2", 0.8),
                                       bias_initializer=bias_init())(y))


@model("sparse_fc_int8", "int8 FULLY_CONNECTED with 1x4-block-sparse weights (75 % of the blocks zero), "
       "converted with EXPERIMENTAL_SPARSITY: the int8 weights are stored block-sparse and DENSIFYed",
       expect=[("DENSIFY", {})], quant="int8", sparse=True, per_channel_fc=False)
def _():
    x = keras.Input((32,), batch_size=1, name="input")
    y = layers.Dense(16, activation="relu", kernel_initializer=pruned("sparse_fc_int8", 0.75, (4, 1)),
                     bias_initializer=bias_init())(x)
    return keras.Model(x, layers.Dense(8, bias_initializer=bias_init())(y))


@model("sparse_fc_f16", "float16 weights (80 % zeros) stored sparse: DENSIFY of a float16 constant, then "
       "DEQUANTIZE to float32, then FULLY_CONNECTED",
       expect=[("DENSIFY", {}), ("DEQUANTIZE", {})], quant="float16", sparse=True)
def _():
    x = keras.Input((24,), batch_size=1, name="input")
    return keras.Model(x, layers.Dense(16, kernel_initializer=pruned("sparse_fc_f16", 0.8),
                                       bias_initializer=bias_init())(x))
