"""Zoo models of the reduce family: reductions over any axes (MEAN, SUM, REDUCE_MAX,
REDUCE_MIN), ARG_MAX/ARG_MIN, resizes, TRANSPOSE_CONV and BATCH_MATMUL.

Imported by make_zoo.py; every model name starts with its op's name in lowercase.
"""

from make_zoo import REP_SAMPLES, inp, keras, layers, model, np, one, ops, seed_of, tf  # noqa: F401


class TfFn(layers.Layer):
    """A layer that applies one `tf.*` function (the converter sees the raw TF op)."""

    def __init__(self, fn, **kw):
        super().__init__(**kw)
        self.fn = fn

    def call(self, x):
        return self.fn(x)


def shifted_rep(lo, hi):
    """A representative dataset uniform in [lo, hi] (an asymmetric range gives a non-zero input
    zero point, which the default [-1, 1] data does not)."""

    def rep(m):
        shapes = [(t.name, tuple(t.shape)) for t in m.inputs]

        def gen():
            rng = np.random.default_rng(seed_of("shifted_rep %g %g" % (lo, hi)))
            for _ in range(REP_SAMPLES):
                yield {name: rng.uniform(lo, hi, s).astype(np.float32) for name, s in shapes}

        return gen

    return rep


def reducer(x, fn, axes, keepdims):
    return TfFn(lambda t: fn(t, axis=axes, keepdims=keepdims))(x)


# ---- MEAN over non-adjacent axes, int8 / int16 / float32 ----


@model("mean_axes_1_3", "MEAN int8 over the non-adjacent axes [1,3], keep_dims false, [1,6,5,8] -> [1,5]",
       expect=[("MEAN", {"keepDims": False})])
def _():
    x = inp((6, 5, 8))
    return one(x, reducer(x, tf.reduce_mean, [1, 3], False))


@model("mean_int16", "MEAN int16x8 over axes [1,3] with keep_dims, [1,4,5,6] -> [1,1,5,1], and over [2] "
       "(a second output), [1,4,5,6] -> [1,4,6]",
       expect=[("MEAN", {"keepDims": True}), ("MEAN", {"keepDims": False})], quant="int16x8")
def _():
    x = inp((4, 5, 6))
    return keras.Model(x, [reducer(x, tf.reduce_mean, [1, 3], True), reducer(x, tf.reduce_mean, [2], False)])


@model("mean_float", "MEAN float32 over axes [-1, 1] (negative axis), [1,4,3,5] -> [1,3]",
       expect=[("MEAN", {"keepDims": False})], quant="float32")
def _():
    x = inp((4, 3, 5))
    return one(x, reducer(x, tf.reduce_mean, [-1, 1], False))


# ---- SUM ----


@model("sum_int8", "SUM int8 over axes [1,3], keep_dims false, [1,4,5,6] -> [1,5]",
       expect=[("SUM", {"keepDims": False})])
def _():
    x = inp((4, 5, 6))
    return one(x, reducer(x, tf.reduce_sum, [1, 3], False))


@model("sum_int16", "SUM int16x8 over axis [2] with keep_dims, [1,4,5,6] -> [1,4,1,6]",
       expect=[("SUM", {"keepDims": True})], quant="int16x8")
def _():
    x = inp((4, 5, 6))
    return one(x, reducer(x, tf.reduce_sum, [2], True))


@model("sum_float", "SUM float32 over axes [1,2], [1,4,3,5] -> [1,5]",
       expect=[("SUM", {"keepDims": False})], quant="float32")
def _():
    x = inp((4, 3, 5))
    return one(x, reducer(x, tf.reduce_sum, [1, 2], False))


# ---- REDUCE_MAX / REDUCE_MIN ----


@model("reduce_max_int8", "REDUCE_MAX int8 over axes [1,3], [1,6,5,8] -> [1,5]",
       expect=[("REDUCE_MAX", {"keepDims": False})])
def _():
    x = inp((6, 5, 8))
    return one(x, reducer(x, tf.reduce_max, [1, 3], False))


@model("reduce_max_float", "REDUCE_MAX float32 over axes [1,2], [1,4,3,5] -> [1,5]",
       expect=[("REDUCE_MAX", {"keepDims": False})], quant="float32")
def _():
    x = inp((4, 3, 5))
    return one(x, reducer(x, tf.reduce_max, [1, 2], False))


@model("reduce_min_int8", "REDUCE_MIN int8 over axis [3], [1,6,5,8] -> [1,6,5]",
       expect=[("REDUCE_MIN", {"keepDims": False})])
def _():
    x = inp((6, 5, 8))
    return one(x, reducer(x, tf.reduce_min, [3], False))


@model("reduce_min_float", "REDUCE_MIN float32 over axes [2,3], [1,4,3,5] -> [1,4]",
       expect=[("REDUCE_MIN", {"keepDims": False})], quant="float32")
def _():
    x = inp((4, 3, 5))
    return one(x, reducer(x, tf.reduce_min, [2, 3], False))


# ---- TRANSPOSE_CONV ----


def tconv(filters, kernel, strides, padding, activation=None):
    return layers.Conv2DTranspose(filters, kernel, strides=strides, padding=padding, activation=activation,
                                  bias_initializer=keras.initializers.RandomUniform(-0.3, 0.3))


@model("transpose_conv_same_s2", "TRANSPOSE_CONV int8 3x3 stride 2 SAME, bias, per-channel, fused RELU, input "
       "zero point != 0 (representative data in [0, 2]), [1,4,4,3] -> [1,8,8,4]",
       expect=[("TRANSPOSE_CONV", {"padding": "SAME", "strideW": 2, "strideH": 2, "fusedActivationFunction": "RELU"})],
       rep=shifted_rep(0.0, 2.0))
def _():
    x = inp((4, 4, 3))
    return one(x, tconv(4, 3, 2, "same", activation="relu")(x))


@model("transpose_conv_valid", "TRANSPOSE_CONV int8 2x3 strides (1,2) VALID, bias, per-tensor, [1,3,4,5] -> "
       "[1,4,9,3]",
       expect=[("TRANSPOSE_CONV", {"padding": "VALID", "strideW": 2, "strideH": 1})], per_channel=False)
def _():
    x = inp((3, 4, 5))
    return one(x, tconv(3, (2, 3), (1, 2), "valid")(x))


@model("transpose_conv_int16", "TRANSPOSE_CONV int16x8 4x4 stride 2 SAME (even kernel: asymmetric padding), "
       "int64 bias, [1,3,3,4] -> [1,6,6,4]",
       expect=[("TRANSPOSE_CONV", {"padding": "SAME", "strideW": 2, "strideH": 2})], quant="int16x8")
def _():
    x = inp((3, 3, 4))
    return one(x, tconv(4, 4, 2, "same")(x))


@model("transpose_conv_float", "TRANSPOSE_CONV float32 3x3 stride 2 VALID, bias, [1,3,3,2] -> [1,7,7,2]",
       expect=[("TRANSPOSE_CONV", {"padding": "VALID", "strideW": 2, "strideH": 2})], quant="float32")
def _():
    x = inp((3, 3, 2))
    return one(x, tconv(2, 3, 2, "valid")(x))


# ---- ARG_MAX / ARG_MIN (TFLM: int8 or float32 input, int32 axis and output; outputType 2 = INT32) ----


@model("arg_max_int8", "ARG_MAX int8 along the last axis, int32 output, [1,5,4,16] -> [1,5,4] (ties: first index)",
       expect=[("ARG_MAX", {"outputType": 2})])
def _():
    x = inp((5, 4, 16))
    return one(x, TfFn(lambda t: tf.math.argmax(t, axis=-1, output_type=tf.int32))(x))


@model("arg_max_float", "ARG_MAX float32 along axis 1, int32 output, [1,6,5,3] -> [1,5,3]",
       expect=[("ARG_MAX", {"outputType": 2})], quant="float32")
def _():
    x = inp((6, 5, 3))
    return one(x, TfFn(lambda t: tf.math.argmax(t, axis=1, output_type=tf.int32))(x))


@model("arg_min_int8", "ARG_MIN int8 along axis 2, int32 output, [1,5,7,6] -> [1,5,6]",
       expect=[("ARG_MIN", {"outputType": 2})])
def _():
    x = inp((5, 7, 6))
    return one(x, TfFn(lambda t: tf.math.argmin(t, axis=2, output_type=tf.int32))(x))


@model("arg_min_float", "ARG_MIN float32 along the last axis, int32 output, [1,4,3,8] -> [1,4,3]",
       expect=[("ARG_MIN", {"outputType": 2})], quant="float32")
def _():
    x = inp((4, 3, 8))
    return one(x, TfFn(lambda t: tf.math.argmin(t, axis=-1, output_type=tf.int32))(x))


# ---- RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR (tf.raw_ops, so the options are explicit) ----


def resize(op, size, align_corners=False, half_pixel_centers=False):
    return TfFn(lambda t: op(images=t, size=size, align_corners=align_corners, half_pixel_centers=half_pixel_centers))


@model("resize_nearest_neighbor_int8", "RESIZE_NEAREST_NEIGHBOR int8, no options, [1,5,7,3] -> [1,9,12,3]",
       expect=[("RESIZE_NEAREST_NEIGHBOR", {"alignCorners": False, "halfPixelCenters": False})])
def _():
    x = inp((5, 7, 3))
    return one(x, resize(tf.raw_ops.ResizeNearestNeighbor, [9, 12])(x))


@model("resize_nearest_neighbor_int16", "RESIZE_NEAREST_NEIGHBOR int16x8, half_pixel_centers, [1,4,5,2] -> "
       "[1,7,3,2] (up in rows, down in columns)",
       expect=[("RESIZE_NEAREST_NEIGHBOR", {"alignCorners": False, "halfPixelCenters": True})], quant="int16x8")
def _():
    x = inp((4, 5, 2))
    return one(x, resize(tf.raw_ops.ResizeNearestNeighbor, [7, 3], half_pixel_centers=True)(x))


@model("resize_nearest_neighbor_float", "RESIZE_NEAREST_NEIGHBOR float32, align_corners, [1,3,4,2] -> [1,5,7,2]",
       expect=[("RESIZE_NEAREST_NEIGHBOR", {"alignCorners": True, "halfPixelCenters": False})], quant="float32")
def _():
    x = inp((3, 4, 2))
    return one(x, resize(tf.raw_ops.ResizeNearestNeighbor, [5, 7], align_corners=True)(x))


@model("resize_bilinear_int8", "RESIZE_BILINEAR int8, half_pixel_centers, [1,5,4,3] -> [1,8,7,3]",
       expect=[("RESIZE_BILINEAR", {"alignCorners": False, "halfPixelCenters": True})])
def _():
    x = inp((5, 4, 3))
    return one(x, resize(tf.raw_ops.ResizeBilinear, [8, 7], half_pixel_centers=True)(x))


@model("resize_bilinear_align", "RESIZE_BILINEAR int8, align_corners, [1,4,5,2] -> [1,7,9,2]",
       expect=[("RESIZE_BILINEAR", {"alignCorners": True, "halfPixelCenters": False})])
def _():
    x = inp((4, 5, 2))
    return one(x, resize(tf.raw_ops.ResizeBilinear, [7, 9], align_corners=True)(x))


@model("resize_bilinear_plain", "RESIZE_BILINEAR int8, no options, [1,5,6,2] -> [1,7,4,2] (up in rows, down in "
       "columns)", expect=[("RESIZE_BILINEAR", {"alignCorners": False, "halfPixelCenters": False})])
def _():
    x = inp((5, 6, 2))
    return one(x, resize(tf.raw_ops.ResizeBilinear, [7, 4])(x))


@model("resize_bilinear_float", "RESIZE_BILINEAR float32, half_pixel_centers, [1,3,4,2] -> [1,5,7,2]",
       expect=[("RESIZE_BILINEAR", {"alignCorners": False, "halfPixelCenters": True})], quant="float32")
def _():
    x = inp((3, 4, 2))
    return one(x, resize(tf.raw_ops.ResizeBilinear, [5, 7], half_pixel_centers=True)(x))


# ---- BATCH_MATMUL (two model inputs: with a constant operand the converter emits FULLY_CONNECTED) ----


class MatMul(layers.Layer):
    def __init__(self, adj_x=False, adj_y=False, **kw):
        super().__init__(**kw)
        self.adj_x, self.adj_y = adj_x, adj_y

    def call(self, x, y):
        return tf.raw_ops.BatchMatMulV2(x=x, y=y, adj_x=self.adj_x, adj_y=self.adj_y)


@model("batch_matmul_int8", "BATCH_MATMUL int8, [1,3,4,5] x [1,3,5,6] -> [1,3,4,6]",
       expect=[("BATCH_MATMUL", {"adjX": False, "adjY": False})])
def _():
    x, y = inp((3, 4, 5), "lhs"), inp((3, 5, 6), "rhs")
    return keras.Model([x, y], MatMul()(x, y))


@model("batch_matmul_adj", "BATCH_MATMUL int8, adj_y, batch broadcast: [1,2,4,5] x [1,1,6,5]^T -> [1,2,4,6]",
       expect=[("BATCH_MATMUL", {"adjX": False, "adjY": True})])
def _():
    x, y = inp((2, 4, 5), "lhs"), inp((1, 6, 5), "rhs")
    return keras.Model([x, y], MatMul(False, True)(x, y))


@model("batch_matmul_adj_x", "BATCH_MATMUL int8, adj_x and adj_y, [1,2,5,4]^T x [1,2,6,5]^T -> [1,2,4,6]",
       expect=[("BATCH_MATMUL", {"adjX": True, "adjY": True})])
def _():
    x, y = inp((2, 5, 4), "lhs"), inp((2, 6, 5), "rhs")
    return keras.Model([x, y], MatMul(True, True)(x, y))


@model("batch_matmul_int16", "BATCH_MATMUL int16x8, adj_y, [1,2,3,6] x [1,2,4,6]^T -> [1,2,3,4]",
       expect=[("BATCH_MATMUL", {"adjX": False, "adjY": True})], quant="int16x8")
def _():
    x, y = inp((2, 3, 6), "lhs"), inp((2, 4, 6), "rhs")
    return keras.Model([x, y], MatMul(False, True)(x, y))


@model("batch_matmul_float", "BATCH_MATMUL float32, adj_x, batch broadcast: [1,1,4,3]^T x [1,2,4,5] -> [1,2,3,5]",
       expect=[("BATCH_MATMUL", {"adjX": True, "adjY": False})], quant="float32")
def _():
    x, y = inp((1, 4, 3), "lhs"), inp((2, 4, 5), "rhs")
    return keras.Model([x, y], MatMul(True, False)(x, y))


# ---- L2_POOL_2D (TFLM: float32 only). The converter has no L2-pool source op, so the model is
# converted from sqrt(avg_pool(square(x))) (SQUARE -> AVERAGE_POOL_2D -> SQRT) and patched into one
# L2_POOL_2D op with the pool's options. TFLM computes both identically (x*x summed from 0 in tap
# order, divided by the tap count, sqrt), so make_zoo's check that patching leaves TFLM's outputs
# unchanged doubles as a cross-check of the L2_POOL_2D reference. ----


def fuse_l2_pool(data):
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

    m = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(bytearray(data), 0))
    sg = m.subgraphs[0]
    names = [max(m.operatorCodes[o.opcodeIndex].builtinCode, m.operatorCodes[o.opcodeIndex].deprecatedBuiltinCode)
             for o in sg.operators]
    B = fb.BuiltinOperator
    if names != [B.SQUARE, B.AVERAGE_POOL_2D, B.SQRT]:
        raise ValueError("expected SQUARE, AVERAGE_POOL_2D, SQRT; got %s" % names)
    square, pool, sqrt = sg.operators
    code = fb.OperatorCodeT()
    code.builtinCode = B.L2_POOL_2D
    code.deprecatedBuiltinCode = B.L2_POOL_2D
    code.version = 1
    m.operatorCodes.append(code)
    pool.opcodeIndex = len(m.operatorCodes) - 1
    pool.inputs, pool.outputs = list(square.inputs), list(sqrt.outputs)
    sg.operators = [pool]
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


@model("l2_pool_2d_float", "L2_POOL_2D float32 3x3 stride 2 SAME (edge windows hold fewer taps), [1,5,4,2] -> "
       "[1,3,2,2] (patched from SQUARE -> AVERAGE_POOL_2D -> SQRT, TFLM outputs unchanged)",
       expect=[("L2_POOL_2D", {"padding": "SAME", "strideW": 2, "strideH": 2})], quant="float32",
       patch=fuse_l2_pool)
def _():
    x = inp((5, 4, 2))
    return one(x, TfFn(lambda t: tf.sqrt(tf.nn.avg_pool2d(tf.square(t), 3, 2, "SAME")))(x))


# ---- REDUCE_ALL (bool) ----


@model("reduce_all_bool", "REDUCE_ALL bool over axis [2] with keep_dims, [1,4,3,2] -> [1,4,1,2] (bool model I/O)",
       expect=[("REDUCE_ALL", {"keepDims": True})], quant="float32")
def _():
    x = keras.Input((4, 3, 2), batch_size=1, name="input", dtype="bool")
    return one(x, reducer(x, tf.reduce_all, [2], True))


@model("transpose_conv_no_bias", "TRANSPOSE_CONV int8 2x2 stride 2 SAME without bias (use_bias=False), "
       "[1,3,3,4] -> [1,6,6,2]", expect=[("TRANSPOSE_CONV", {"padding": "SAME", "strideW": 2, "strideH": 2})])
def _():
    x = inp((3, 3, 4))
    return one(x, layers.Conv2DTranspose(2, 2, strides=2, padding="same", use_bias=False)(x))


@model("cumsum_float", "CUMSUM float32 along axis 1 of [1,5,3] (exclusive) and along the last axis, "
       "reversed, of the same tensor",
       expect=[("CUMSUM", {"exclusive": True, "reverse": False}), ("CUMSUM", {"exclusive": False, "reverse": True})],
       quant="float32")
def _():
    x = inp((5, 3))
    a = TfFn(lambda t: tf.math.cumsum(t, axis=1, exclusive=True))(x)
    b = TfFn(lambda t: tf.math.cumsum(t, axis=-1, reverse=True))(x)
    return keras.Model(x, [a, b])


@model("cumsum_int8_io", "tf.math.cumsum in an int8 model, as the converter writes it, [1,4,6] along axis 2",
       expect=[("CUMSUM", {})])
def _():
    x = inp((4, 6))
    return keras.Model(x, TfFn(lambda t: tf.math.cumsum(t, axis=2))(x))
