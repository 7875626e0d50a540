"""Zoo models of the unary family: elementwise activations and math ops, one op per model.

Each model applies its op directly to the model input, so the 200 random goldens inputs
(uniform over the whole int8/int16 range) hit every input value the kernel can see. Models
whose op is interesting beyond [-1, 1] (LOGISTIC, TANH, RELU6, ...) are calibrated on a wider
representative range (rep=wide(R)), which gives a coarser input scale.
"""

import numpy as np

from make_zoo import REP_SAMPLES, inp, keras, layers, model, one, seed_of, tf  # noqa: F401

def f32(v):
    """An option value as the flatbuffer stores it (float32), for expect=."""
    return float(np.float32(v))


SHAPE = (1, 8, 16)  # 128 elements per sample: every int8 value appears in the goldens
SHAPE16 = (1, 4, 16)  # int16 models: 64 elements keep the goldens near 50 KB
SHAPE32 = (1, 4, 8)  # float32 models: 32 elements, goldens near 50 KB


def wide(r):
    """A representative dataset uniform in [-r, r] (seeded), for models whose op saturates."""
    def rep(m):
        shapes = [(t.name, tuple(t.shape)) for t in m.inputs]

        def gen():
            rng = np.random.default_rng(seed_of("wide%g" % r))
            for _ in range(REP_SAMPLES):
                yield {name: rng.uniform(-r, r, s).astype(np.float32) for name, s in shapes}

        return gen

    return rep


class Fn(layers.Layer):
    """A layer applying a TensorFlow function (so the converter sees that op alone)."""

    def __init__(self, fn, **kw):
        super().__init__(**kw)
        self.fn = fn

    def call(self, x):
        return self.fn(x)


def single(fn, shape=SHAPE):
    def build():
        x = inp(shape)
        return one(x, Fn(fn)(x))
    return build


# ---- int8 ----

model("abs_int8", "ABS on int8 (input and output scales differ: the rescaling path)",
      expect=[("ABS", {})])(single(tf.abs))
model("hard_swish_int8", "HARD_SWISH on int8, calibrated on [-6, 6] (x·relu6(x+3)/6 in int16 fixed point)",
      expect=[("HARD_SWISH", {})], rep=wide(6))(single(lambda x: x * tf.nn.relu6(x + 3.0) / 6.0))
model("leaky_relu_int8", "LEAKY_RELU alpha 0.2 on int8",
      expect=[("LEAKY_RELU", {"alpha": f32(0.2)})])(single(lambda x: tf.nn.leaky_relu(x, alpha=0.2)))
model("leaky_relu_neg_alpha", "LEAKY_RELU alpha -0.5 on int8 (TFLM negates the |alpha| product)",
      expect=[("LEAKY_RELU", {"alpha": f32(-0.5)})])(single(lambda x: tf.nn.leaky_relu(x, alpha=-0.5)))
model("logistic_int8", "LOGISTIC on int8 calibrated on [-1, 1] (fine input scale, no saturation)",
      expect=[("LOGISTIC", {})])(single(tf.sigmoid))
model("logistic_wide", "LOGISTIC on int8 calibrated on [-12, 12] (both saturation radii reached)",
      expect=[("LOGISTIC", {})], rep=wide(12))(single(tf.sigmoid))
model("tanh_int8", "TANH on int8 calibrated on [-6, 6] (saturation radius reached)",
      expect=[("TANH", {})], rep=wide(6))(single(tf.tanh))
model("relu_int8", "RELU on int8 (rescaled to the output's scale, clamped at its zero point)",
      expect=[("RELU", {})])(single(tf.nn.relu))
model("relu6_int8", "RELU6 on int8 calibrated on [-10, 10] (clamp at 0 and 6 on the input's scale)",
      expect=[("RELU6", {})], rep=wide(10))(single(tf.nn.relu6))

# ---- int16 (int16x8 converter path: symmetric int16 activations) ----

model("leaky_relu_int16", "LEAKY_RELU alpha 0.3 on int16 (int16x8)",
      expect=[("LEAKY_RELU", {"alpha": f32(0.3)})], quant="int16x8")(
    single(lambda x: tf.nn.leaky_relu(x, alpha=0.3), SHAPE16))
model("relu_int16", "RELU on int16 (int16x8)",
      expect=[("RELU", {})], quant="int16x8")(single(tf.nn.relu, SHAPE16))
model("logistic_int16", "LOGISTIC on int16 calibrated on [-10, 10] (sigmoid table interpolation, saturation)",
      expect=[("LOGISTIC", {})], quant="int16x8", rep=wide(10))(single(tf.sigmoid, SHAPE16))
model("logistic_int16_narrow", "LOGISTIC on int16 calibrated on [-1, 1] (fine scale: large input shift)",
      expect=[("LOGISTIC", {})], quant="int16x8")(single(tf.sigmoid, SHAPE16))
model("tanh_int16", "TANH on int16 calibrated on [-5, 5] (sigmoid table at doubled argument, saturation)",
      expect=[("TANH", {})], quant="int16x8", rep=wide(5))(single(tf.tanh, SHAPE16))

# ---- float32 (the ops whose TFLM result kiln reproduces bit for bit; inputs uniform in [-1, 1]) ----

for _name, _op, _fn, _doc in [
    ("abs_float32", "ABS", tf.abs, "ABS on float32 (sign bit cleared)"),
    ("neg_float32", "NEG", tf.negative, "NEG on float32 (sign bit flipped)"),
    ("relu_float32", "RELU", tf.nn.relu, "RELU on float32"),
    ("relu6_float32", "RELU6", tf.nn.relu6, "RELU6 on float32"),
    ("floor_float32", "FLOOR", tf.floor, "FLOOR on float32"),
    ("ceil_float32", "CEIL", tf.math.ceil, "CEIL on float32"),
    ("round_float32", "ROUND", tf.round, "ROUND on float32 (half to even)"),
    ("square_float32", "SQUARE", tf.square, "SQUARE on float32"),
    ("exp_float32", "EXP", tf.exp, "EXP on float32 (Arm optimized-routines expf, as the host libm)"),
    ("logistic_float32", "LOGISTIC", tf.sigmoid, "LOGISTIC on float32 (1/(1+expf(-x)))"),
    ("log_float32", "LOG", tf.math.log, "LOG on float32 (Arm optimized-routines logf; NaN below 0, -inf at 0)"),
    ("log_softmax_float32", "LOG_SOFTMAX", tf.nn.log_softmax, "LOG_SOFTMAX on float32, 4 rows of 8"),
    ("sin_float32", "SIN", tf.sin, "SIN on float32 (Arm optimized-routines sinf)"),
    ("cos_float32", "COS", tf.cos, "COS on float32 (Arm optimized-routines cosf)"),
    ("tanh_float32", "TANH", tf.tanh, "TANH on float32 (fdlibm tanhf over expm1f)"),
    ("elu_float32", "ELU", tf.nn.elu, "ELU on float32 (fdlibm expm1f below 0)"),
    ("sqrt_float32", "SQRT", tf.sqrt, "SQRT on float32 (negative inputs give NaN, compared bit for bit)"),
    ("rsqrt_float32", "RSQRT", tf.math.rsqrt, "RSQRT on float32 (negative inputs give NaN, compared bit for bit)"),
    ("hard_swish_float32", "HARD_SWISH", lambda x: x * tf.nn.relu6(x + 3.0) / 6.0, "HARD_SWISH on float32"),
]:
    model(_name, _doc, expect=[(_op, {})], quant="float32")(single(_fn, SHAPE32))

model("leaky_relu_float32", "LEAKY_RELU alpha 0.2 on float32",
      expect=[("LEAKY_RELU", {"alpha": f32(0.2)})], quant="float32")(
    single(lambda x: tf.nn.leaky_relu(x, alpha=0.2), SHAPE32))


@model("logical_not_bool", "LOGICAL_NOT on a bool tensor", expect=[("LOGICAL_NOT", {})], quant="float32")
def _():
    x = keras.Input(SHAPE, batch_size=1, name="input", dtype="bool")
    return one(x, Fn(tf.logical_not)(x))


def typed_single(dtype, fn, shape=SHAPE32):
    def build():
        x = keras.Input(shape, batch_size=1, name="input", dtype=dtype)
        return one(x, Fn(fn)(x))
    return build


# CAST: static_cast per element, no requantization.
model("cast_int8_float32", "CAST int8 -> float32", expect=[("CAST", {})], quant="float32")(
    typed_single("int8", lambda x: tf.cast(x, tf.float32)))
model("cast_int16_int8", "CAST int16 -> int8 (wraps modulo 2^8)", expect=[("CAST", {})], quant="float32")(
    typed_single("int16", lambda x: tf.cast(x, tf.int8)))
model("cast_int32_float32", "CAST int32 -> float32", expect=[("CAST", {})], quant="float32")(
    typed_single("int32", lambda x: tf.cast(x, tf.float32)))
model("cast_bool_int16", "CAST bool -> int16", expect=[("CAST", {})], quant="float32")(
    typed_single("bool", lambda x: tf.cast(x, tf.int16)))
model("cast_float32_int32", "CAST float32 -> int32 (truncates toward zero) of x * 100.5",
      expect=[("CAST", {})], quant="float32")(
    typed_single("float32", lambda x: tf.cast(x * 100.5, tf.int32)))

model("log_softmax_int8", "LOG_SOFTMAX on int8, 8 rows of 16 (output scale 16/256, zero point 127)",
      expect=[("LOG_SOFTMAX", {})], rep=wide(4))(single(tf.nn.log_softmax))
model("log_softmax_wide", "LOG_SOFTMAX on int8, 2 rows of 64, calibrated on [-20, 20] (many differences below "
      "the -16 cut-off)", expect=[("LOG_SOFTMAX", {})], rep=wide(20))(single(tf.nn.log_softmax, (1, 2, 64)))

model("l2_normalization_int8", "L2_NORMALIZATION on int8 over the last axis (8 rows of 16)",
      expect=[("L2_NORMALIZATION", {})])(single(lambda x: tf.math.l2_normalize(x, axis=-1)))
model("l2_normalization_offset", "L2_NORMALIZATION on int8 of relu-like inputs calibrated on [0, 3] (input zero "
      "point far from 0), 4 rows of 32", expect=[("L2_NORMALIZATION", {})], rep=wide(3))(
    single(lambda x: tf.math.l2_normalize(tf.abs(x), axis=-1), (1, 4, 32)))

model("abs_int16", "ABS on int16 (int16x8; symmetric scales come out equal: the no-rescale path)",
      expect=[("ABS", {})], quant="int16x8")(single(tf.abs, SHAPE16))
model("relu6_int16", "RELU6 on int16 calibrated on [-10, 10] (clamp at 0 and 6 on the input's scale)",
      expect=[("RELU6", {})], quant="int16x8", rep=wide(10))(single(tf.nn.relu6, SHAPE16))

# RSQRT: TFLM rejects inputs below the zero point at run time, so the model feeds it |x| + 0.05
# (ABS and ADD, both int8) and every random input is valid.
model("rsqrt_int8", "RSQRT on int8 of |x| + 0.05 (ABS -> ADD -> RSQRT), inputs never below the zero point",
      expect=[("RSQRT", {}), ("ABS", {}), ("ADD", {})])(single(lambda x: tf.math.rsqrt(tf.abs(x) + 0.05)))
model("l2_normalization_float32", "L2_NORMALIZATION on float32 over the last axis (4 rows of 8)",
      expect=[("L2_NORMALIZATION", {})], quant="float32")(
    single(lambda x: tf.math.l2_normalize(x, axis=-1), SHAPE32))

# ZEROS_LIKE's output is constant, so it is added back to the input (ADD float32): the model
# output still varies, and a ZEROS_LIKE writing anything but zeros changes it.
model("zeros_like_float32", "ZEROS_LIKE on float32, added to the input (ADD)",
      expect=[("ZEROS_LIKE", {}), ("ADD", {})], quant="float32")(
    single(lambda x: x + tf.raw_ops.ZerosLike(x=x), SHAPE32))
model("zeros_like_int32", "ZEROS_LIKE on int32, added to the input (ADD)",
      expect=[("ZEROS_LIKE", {}), ("ADD", {})], quant="float32")(
    typed_single("int32", lambda x: x + tf.raw_ops.ZerosLike(x=x)))
