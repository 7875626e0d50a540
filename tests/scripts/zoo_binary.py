"""Zoo models of the elementwise binary family (MUL, SUB, MAXIMUM/MINIMUM, SQUARED_DIFFERENCE,
comparisons; int16 ADD/SUB/MUL; float32 versions). Imported by make_zoo.py."""

from make_zoo import Fail, inp, keras, layers, np, one, ops, model, seed_of, tf


def _const(name, shape, lo=-1.0, hi=1.0):
    return np.random.default_rng(seed_of(name)).uniform(lo, hi, shape).astype(np.float32)


class SquaredDifference(layers.Layer):
    def call(self, a, b):
        return tf.math.squared_difference(a, b)


# --------------------------------------------------------------------------------------
# int8


@model("mul_broadcast", "MUL int8: a [1,4,4,4] x b [1,1,1,4] (broadcast over H, W) with fused RELU, then x a "
       "constant [1,4,1,1] (broadcast over W and C)",
       expect=[("MUL", {"fusedActivationFunction": "RELU"}), ("MUL", {"fusedActivationFunction": "NONE"})])
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((1, 1, 4), name="b")
    k = _const("mul_broadcast", (1, 4, 1, 1), 0.5, 2.0)
    return keras.Model([a, b], ops.multiply(ops.relu(ops.multiply(a, b)), k))


@model("sub_broadcast", "SUB int8: a [1,4,4,4] - b [1,4,1,4] (broadcast over W) with fused RELU6, and a "
       "constant [4] - a (the constant first, broadcast over N, H, W)",
       expect=[("SUB", {"fusedActivationFunction": "RELU6"}), ("SUB", {"fusedActivationFunction": "NONE"})])
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((4, 1, 4), name="b")
    k = _const("sub_broadcast", (4,))
    return keras.Model([a, b], [ops.relu6(ops.subtract(a, b)), ops.subtract(k, a)])


@model("maximum_minimum", "MAXIMUM int8 of two inputs [1,4,4,4] and [1,1,4,4] (broadcast over H), MINIMUM of "
       "that with a constant [1,1,1,4]",
       expect=[("MAXIMUM", {}), ("MINIMUM", {})])
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((1, 4, 4), name="b")
    k = _const("maximum_minimum", (1, 1, 1, 4), -0.5, 0.5)
    return keras.Model([a, b], ops.minimum(ops.maximum(a, b), k))


@model("squared_difference", "SQUARED_DIFFERENCE int8: (a - b)^2 with a [1,4,4,4], b [1,1,4,1] (broadcast "
       "over H and C)",
       expect=[("SQUARED_DIFFERENCE", {})])
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((1, 4, 1), name="b")
    return keras.Model([a, b], SquaredDifference()(a, b))


@model("equal_not_equal", "EQUAL int8 -> bool: a == max(a, b) (true where a >= b), a [1,4,4,4], b [1,1,1,4] "
       "broadcast; max(a, b) != b, which the converter leaves in float32 (DEQUANTIZE, then NOT_EQUAL float32)",
       expect=[("EQUAL", {}), ("NOT_EQUAL", {}), ("MAXIMUM", {})])
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((1, 1, 4), name="b")
    mx = ops.maximum(a, b)
    return keras.Model([a, b], [ops.equal(a, mx), ops.not_equal(mx, b)])


@model("less_greater", "LESS, LESS_EQUAL, GREATER, GREATER_EQUAL int8 -> bool: two inputs [1,4,4,4] and "
       "[1,4,1,4] (broadcast over W), and one against a constant [4]",
       expect=[("LESS", {}), ("LESS_EQUAL", {}), ("GREATER", {}), ("GREATER_EQUAL", {})])
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((4, 1, 4), name="b")
    k = _const("less_greater", (4,), -0.5, 0.5)
    return keras.Model([a, b], [ops.less(a, b), ops.less_equal(b, a), ops.greater(a, k),
                                ops.greater_equal(a, b)])


# --------------------------------------------------------------------------------------
# int16 (int16x8 quantization: symmetric int16 activations)


@model("add_int16", "ADD int16 (int16x8): a [1,4,4,4] + b [1,1,1,4] broadcast, then + a with fused RELU",
       expect=[("ADD", {}), ("ADD", {"fusedActivationFunction": "RELU"})], quant="int16x8")
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((1, 1, 4), name="b")
    return keras.Model([a, b], ops.relu(ops.add(ops.add(a, b), a)))


@model("sub_int16", "SUB int16 (int16x8): a [1,4,4,4] - b [1,4,1,4] broadcast, and a - a constant [4]",
       expect=[("SUB", {}), ("SUB", {})], quant="int16x8")
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((4, 1, 4), name="b")
    k = _const("sub_int16", (4,))
    return keras.Model([a, b], [ops.subtract(a, b), ops.subtract(a, k)])


@model("mul_int16", "MUL int16 (int16x8): a [1,4,4,4] x b [1,1,1,4] broadcast with fused RELU, and a x a",
       expect=[("MUL", {"fusedActivationFunction": "RELU"}), ("MUL", {"fusedActivationFunction": "NONE"})],
       quant="int16x8")
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((1, 1, 4), name="b")
    return keras.Model([a, b], [ops.relu(ops.multiply(a, b)), ops.multiply(a, a)])


@model("squared_difference_int16", "SQUARED_DIFFERENCE int16 (int16x8): (a - b)^2, a [1,4,4,4], b [1,1,1,4]",
       expect=[("SQUARED_DIFFERENCE", {})], quant="int16x8")
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((1, 1, 4), name="b")
    return keras.Model([a, b], SquaredDifference()(a, b))


# --------------------------------------------------------------------------------------
# float32


class FloatArith(layers.Layer):
    """relu6(a + b), relu(a - b) * k, max/min, squared difference: plain tf ops, so the converter
    keeps each as one float32 builtin with its activation fused."""

    def __init__(self, k, **kw):
        super().__init__(**kw)
        self.k = k

    def call(self, a, b):
        s = tf.nn.relu6(a + b)
        m = tf.nn.relu(a - b) * self.k
        return [tf.maximum(s, m), tf.minimum(s, a), tf.math.squared_difference(m, b)]


@model("add_f32", "float32 ADD (fused RELU6, broadcast [1,2,2,4] + [1,1,1,4]), SUB (fused RELU), MUL "
       "(broadcast with a constant [1,2,1,1]), MAXIMUM, MINIMUM and SQUARED_DIFFERENCE",
       expect=[("ADD", {"fusedActivationFunction": "RELU6"}), ("SUB", {"fusedActivationFunction": "RELU"}),
               ("MUL", {}), ("MAXIMUM", {}), ("MINIMUM", {}), ("SQUARED_DIFFERENCE", {})],
       quant="float32")
def _():
    a = inp((2, 2, 4), name="a")
    b = inp((1, 1, 4), name="b")
    return keras.Model([a, b], FloatArith(_const("add_f32", (1, 2, 1, 1), 0.5, 2.0))(a, b))


@model("less_f32", "float32 LESS, LESS_EQUAL, GREATER, GREATER_EQUAL, EQUAL, NOT_EQUAL -> bool, with "
       "broadcasting [1,2,4,4] vs [1,1,1,4] (EQUAL against max(a, b), so both outcomes occur)",
       expect=[("LESS", {}), ("LESS_EQUAL", {}), ("GREATER", {}), ("GREATER_EQUAL", {}), ("EQUAL", {}),
               ("NOT_EQUAL", {})],
       quant="float32")
def _():
    a = inp((2, 4, 4), name="a")
    b = inp((1, 1, 4), name="b")
    mx = ops.maximum(a, b)
    return keras.Model([a, b], [ops.less(a, b), ops.less_equal(b, a), ops.greater(a, b), ops.greater_equal(b, a),
                                ops.equal(mx, a), ops.not_equal(mx, b)])


# --------------------------------------------------------------------------------------
# DIV, PRELU, SELECT_V2, LOGICAL_AND / LOGICAL_OR


@model("div_broadcast", "DIV int8: a [1,4,4,4] / (b * b + 0.5), b [1,1,1,4] broadcast (the divisor stays away "
       "from its zero point, where TFLM's int8 DIV is undefined)",
       expect=[("DIV", {})])
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((1, 1, 4), name="b")
    return keras.Model([a, b], ops.divide(a, ops.add(ops.multiply(b, b), 0.5)))


@model("div_f32", "DIV float32: a [1,2,2,4] / b [1,1,1,4] broadcast with fused RELU6, and b / a",
       expect=[("DIV", {"fusedActivationFunction": "RELU6"}), ("DIV", {})], quant="float32")
def _():
    a = inp((2, 2, 4), name="a")
    b = inp((1, 1, 4), name="b")
    return keras.Model([a, b], [ops.relu6(ops.divide(a, b)), ops.divide(b, a)])


def _prelu(name):
    return layers.PReLU(alpha_initializer=keras.initializers.RandomUniform(-0.5, 0.5, seed=seed_of(name) % 1000),
                        shared_axes=[1, 2])


@model("prelu", "PRELU int8: [1,4,4,8] with a per-channel alpha [1,1,8] (shared over H, W), alphas of both signs",
       expect=[("PRELU", {})])
def _():
    x = inp((4, 4, 8))
    return one(x, _prelu("prelu")(x))


@model("prelu_f32", "PRELU float32: [1,2,2,4] with a per-channel alpha [1,1,4]", expect=[("PRELU", {})],
       quant="float32")
def _():
    x = inp((2, 2, 4))
    return one(x, _prelu("prelu_f32")(x))


class Where(layers.Layer):
    def call(self, c, x, y):
        return tf.where(c, x, y)


@model("select_v2", "SELECT_V2 int8: where(a > b, a, b) with a [1,4,4,4], b [1,4,1,4] broadcast (condition "
       "from GREATER int8)",
       expect=[("SELECT_V2", {}), ("GREATER", {})])
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((4, 1, 4), name="b")
    return keras.Model([a, b], Where()(ops.greater(a, b), a, b))


@model("select_v2_f32", "SELECT_V2 float32 with LOGICAL_AND / LOGICAL_OR conditions: where(a > 0 and b < 0.3, a, b), "
       "where(a > 0 or b < 0.3, b, a), a [1,2,2,4], b [1,1,1,4]",
       expect=[("SELECT_V2", {}), ("SELECT_V2", {}), ("LOGICAL_AND", {}), ("LOGICAL_OR", {})], quant="float32")
def _():
    a = inp((2, 2, 4), name="a")
    b = inp((1, 1, 4), name="b")
    ca, cb = ops.greater(a, 0.0), ops.less(b, 0.3)
    return keras.Model([a, b], [Where()(ops.logical_and(ca, cb), a, b), Where()(ops.logical_or(ca, cb), b, a)])


@model("logical_and_or", "LOGICAL_AND and LOGICAL_OR of bool model inputs [1,4,4,4] and [1,1,1,4] (broadcast)",
       expect=[("LOGICAL_AND", {}), ("LOGICAL_OR", {})], quant="float32")
def _():
    a = keras.Input((4, 4, 4), batch_size=1, name="a", dtype="bool")
    b = keras.Input((1, 1, 4), batch_size=1, name="b", dtype="bool")
    return keras.Model([a, b], [ops.logical_and(a, b), ops.logical_or(a, b)])


@model("floor_div_mod_f32", "FLOOR_DIV and FLOOR_MOD float32: a [1,2,2,4] // b and a mod b, b [1,1,1,4] "
       "broadcast (negative and positive operands, so the sign fix-ups are exercised)",
       expect=[("FLOOR_DIV", {}), ("FLOOR_MOD", {})], quant="float32")
def _():
    a = inp((2, 2, 4), name="a")
    b = inp((1, 1, 4), name="b")
    return keras.Model([a, b], [ops.floor_divide(ops.multiply(a, 10.0), b), ops.mod(ops.multiply(a, 10.0), b)])


# --------------------------------------------------------------------------------------
# int32 (no quantization)


@model("add_int32", "int32 MUL, SUB, MAXIMUM, MINIMUM and LESS of int32 model inputs a [1,1,2,4] and "
       "b [1,1,1,4] (broadcast), values in [-1000, 1000]; ADD a * b + a (same shapes: a broadcast int32 add "
       "becomes a TF BiasAdd the converter cannot lower)",
       expect=[("ADD", {}), ("SUB", {}), ("MUL", {}), ("MAXIMUM", {}), ("MINIMUM", {}), ("LESS", {})],
       quant="float32")
def _():
    a = keras.Input((1, 2, 4), batch_size=1, name="a", dtype="int32")
    b = keras.Input((1, 1, 4), batch_size=1, name="b", dtype="int32")
    m = ops.multiply(a, b)
    return keras.Model([a, b], [ops.add(m, a), ops.subtract(b, a), m, ops.maximum(a, b), ops.minimum(a, b),
                                ops.less(a, b)])


class HalfWhereNegative(layers.Layer):
    def call(self, a, b):
        return tf.where(b > 0.0, a, a * 0.5)


@model("select_v2_broadcast", "SELECT_V2 int8 with a broadcast condition: where(b > 0 [1,4,1,4], a [1,4,4,4], "
       "a * 0.5) (condition from GREATER against a scalar constant)",
       expect=[("SELECT_V2", {}), ("GREATER", {})])
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((4, 1, 4), name="b")
    return keras.Model([a, b], HalfWhereNegative()(a, b))


@model("equal_bool", "EQUAL and NOT_EQUAL on bool model inputs [1,4,4,4] and [1,4,1,4] (broadcast)",
       expect=[("EQUAL", {}), ("NOT_EQUAL", {})], quant="float32")
def _():
    a = keras.Input((4, 4, 4), batch_size=1, name="a", dtype="bool")
    b = keras.Input((4, 1, 4), batch_size=1, name="b", dtype="bool")
    return keras.Model([a, b], [ops.equal(a, b), ops.not_equal(a, b)])


class ScaledClip(layers.Layer):
    """clip(a * b * 4, -1, 1) and clip(a - b, -1, 1) with plain tf ops (fused as RELU_N1_TO_1)."""

    def call(self, a, b):
        return [tf.clip_by_value(a * b * 4.0, -1.0, 1.0), tf.clip_by_value(a - b, -1.0, 1.0)]


@model("mul_relu_n1_to_1", "MUL and SUB int8 with fused RELU_N1_TO_1 (clip to [-1, 1]); a [1,4,4,4], b [1,1,1,4]",
       expect=[("MUL", {"fusedActivationFunction": "RELU_N1_TO_1"}),
               ("SUB", {"fusedActivationFunction": "RELU_N1_TO_1"})])
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((1, 1, 4), name="b")
    return keras.Model([a, b], ScaledClip()(a, b))


@model("mul_relu_n1_to_1_f32", "float32 MUL and SUB with fused RELU_N1_TO_1; a [1,2,2,4], b [1,1,1,4]",
       expect=[("MUL", {"fusedActivationFunction": "RELU_N1_TO_1"}),
               ("SUB", {"fusedActivationFunction": "RELU_N1_TO_1"})], quant="float32")
def _():
    a = inp((2, 2, 4), name="a")
    b = inp((1, 1, 4), name="b")
    return keras.Model([a, b], ScaledClip()(a, b))


@model("maximum_minimum_int16", "MAXIMUM and MINIMUM int16 (int16x8): max(a, b) and min(a, k), a [1,4,4,4], "
       "b [1,4,1,4] broadcast over W, k a constant [1,1,1,4] (the converter requantizes operands to a common "
       "scale with int16 QUANTIZE ops)",
       expect=[("MAXIMUM", {}), ("MINIMUM", {})], quant="int16x8")
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((4, 1, 4), name="b")
    k = _const("maximum_minimum_int16", (1, 1, 1, 4), -0.5, 0.5)
    return keras.Model([a, b], [ops.maximum(a, b), ops.minimum(a, k)])


@model("less_int32", "all six comparisons on int32 model inputs a [1,1,2,4] and b [1,1,1,4] (broadcast), "
       "values in [-1000, 1000]; a vs max(a, b) for EQUAL/NOT_EQUAL so both outcomes occur",
       expect=[("LESS", {}), ("LESS_EQUAL", {}), ("GREATER", {}), ("GREATER_EQUAL", {}), ("EQUAL", {}),
               ("NOT_EQUAL", {})],
       quant="float32")
def _():
    a = keras.Input((1, 2, 4), batch_size=1, name="a", dtype="int32")
    b = keras.Input((1, 1, 4), batch_size=1, name="b", dtype="int32")
    mx = ops.maximum(a, b)
    return keras.Model([a, b], [ops.less(a, b), ops.less_equal(b, a), ops.greater(a, b), ops.greater_equal(b, a),
                                ops.equal(mx, a), ops.not_equal(mx, a)])


class IntDivSquaredDifference(layers.Layer):
    """int32 a / min(b * b + 1, 7) (TF's truncating Div, divisors 1..7, never 0) and (a - b)^2."""

    def call(self, a, b):
        return [tf.raw_ops.Div(x=a, y=tf.minimum(b * b + 1, 7)), tf.math.squared_difference(a, b)]


@model("div_int32", "int32 DIV (truncating) a / min(b * b + 1, 7) and SQUARED_DIFFERENCE (a - b)^2, int32 model inputs "
       "a [1,1,2,4] and b [1,1,1,4] (broadcast), values in [-1000, 1000]",
       expect=[("DIV", {}), ("SQUARED_DIFFERENCE", {})], quant="float32")
def _():
    a = keras.Input((1, 2, 4), batch_size=1, name="a", dtype="int32")
    b = keras.Input((1, 1, 4), batch_size=1, name="b", dtype="int32")
    return keras.Model([a, b], IntDivSquaredDifference()(a, b))


def _not_equal_by_patch(data):
    """The converter never emits an int8 NOT_EQUAL (it dequantizes and compares floats). This
    patches, in place, the model's one EQUAL into NOT_EQUAL (operator code 71 -> 72, options
    EqualOptions -> NotEqualOptions, both empty tables) and swaps the x and y inputs of the
    SELECT_V2 that consumes it, so where(a == m, a, b) becomes where(a != m, b, a): the same
    outputs, which make_zoo.py checks with TFLM before and after the patch."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    buf = bytearray(data)
    m = schema.Model.GetRootAsModel(buf, 0)
    sg = m.Subgraphs(0)

    def builtin(op):
        code = m.OperatorCodes(op.OpcodeIndex())
        return max(code.BuiltinCode(), code.DeprecatedBuiltinCode())

    ops_ = [sg.Operators(k) for k in range(sg.OperatorsLength())]
    equal = [op for op in ops_ if builtin(op) == schema.BuiltinOperator.EQUAL]
    if len(equal) != 1:
        raise Fail("expected one EQUAL op, found %d" % len(equal))
    eq = equal[0]
    if sum(op.OpcodeIndex() == eq.OpcodeIndex() for op in ops_) != 1:
        raise Fail("the EQUAL operator code is shared")
    code = m.OperatorCodes(eq.OpcodeIndex())
    for slot, fmt in ((4, "<i1"), (10, "<i4")):  # deprecated_builtin_code, builtin_code
        off = code._tab.Offset(slot)
        if not off:
            raise Fail("EQUAL operator code field %d is absent; cannot patch in place" % slot)
        pos = code._tab.Pos + off
        n = np.dtype(fmt).itemsize
        buf[pos:pos + n] = np.array([schema.BuiltinOperator.NOT_EQUAL], dtype=fmt).tobytes()
    off = eq._tab.Offset(10)  # builtin_options_type
    if off:
        buf[eq._tab.Pos + off] = schema.BuiltinOptions.NotEqualOptions
    cond = eq.Outputs(0)
    selects = [op for op in ops_ if builtin(op) == schema.BuiltinOperator.SELECT_V2 and op.Inputs(0) == cond]
    if len(selects) != 1:
        raise Fail("expected one SELECT_V2 on the EQUAL output, found %d" % len(selects))
    sel = selects[0]
    vec = sel._tab.Vector(sel._tab.Offset(6))  # inputs
    x, y = bytes(buf[vec + 4:vec + 8]), bytes(buf[vec + 8:vec + 12])
    buf[vec + 4:vec + 8], buf[vec + 8:vec + 12] = y, x
    return bytes(buf)


@model("not_equal_select", "NOT_EQUAL int8 -> bool feeding SELECT_V2 int8: where(a != max(a, b), b, a), a [1,4,4,4], "
       "b [1,1,1,4]; built as where(a == max(a, b), a, b) and patched (EQUAL -> NOT_EQUAL, select inputs "
       "swapped: same outputs, checked with TFLM), since the converter never emits an int8 NOT_EQUAL",
       expect=[("NOT_EQUAL", {}), ("SELECT_V2", {}), ("MAXIMUM", {})], patch=_not_equal_by_patch)
def _():
    a = inp((4, 4, 4), name="a")
    b = inp((1, 1, 4), name="b")
    return keras.Model([a, b], Where()(ops.equal(a, ops.maximum(a, b)), a, b))


class AddN(layers.Layer):
    def __init__(self, half_of_first=False):
        super().__init__()
        self.half_of_first = half_of_first

    def call(self, *xs):
        xs = list(xs) + ([xs[0] * 0.5] if self.half_of_first else [])
        return tf.math.add_n(xs)


@model("add_n_int8_io", "tf.math.add_n in an int8 model, as the converter writes it: ADD_N stays float32 "
       "between DEQUANTIZE and QUANTIZE (it has no int8 ADD_N; make_state_models.py writes add_n_int8 by hand), "
       "three inputs [1,4,4,3]",
       expect=[("ADD_N", {}), ("DEQUANTIZE", {}), ("QUANTIZE", {})])
def _():
    xs = [inp((4, 4, 3), name=n) for n in "abc"]
    return keras.Model(xs, AddN()(*xs))


@model("add_n_float", "ADD_N float32: a + b + c + a·0.5, four inputs [1,3,5]", expect=[("ADD_N", {})],
       quant="float32")
def _():
    a, b, c = [inp((3, 5), name=n) for n in "abc"]
    return keras.Model([a, b, c], AddN(half_of_first=True)(a, b, c))
