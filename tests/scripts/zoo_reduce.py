"""Zoo models of the reduce family: reductions over any axes (MEAN, SUM, REDUCE_MAX,
REDUCE_MIN), ARG_MAX/ARG_MIN, resizes, TRANSPOSE_CONV and BATCH_MATMUL.

Imported by make_zoo.py; every model name starts with its op's name in lowercase.
"""

from make_zoo import inp, keras, layers, model, one, ops, tf  # noqa: F401


class TfFn(layers.Layer):
    """A layer that applies one `tf.*` function (the converter sees the raw TF op)."""

    def __init__(self, fn, **kw):
        super().__init__(**kw)
        self.fn = fn

    def call(self, x):
        return self.fn(x)


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
