"""Zoo models of the data-movement family: slicing, transposes, splits, packs,
gathers, space/depth/batch reshuffles and padding, on int8, int16x8 and float32.

Each model is one op (or two, where the op needs a second one to appear at all), built with a
layer that calls the TensorFlow op directly, so the converter emits exactly that op; `expect`
checks the options the model is meant to exercise.
"""

from make_zoo import inp, model, keras, layers, tf  # noqa: F401


class TfOp(layers.Layer):
    """Applies `fn` (a TensorFlow function of the layer's input or inputs)."""

    def __init__(self, fn, **kw):
        super().__init__(**kw)
        self.fn = fn

    def call(self, x):
        return self.fn(x)


def single(shape, fn, batch=1, dtype="float32"):
    x = keras.Input(shape, batch_size=batch, name="input", dtype=dtype)
    y = TfOp(fn)(x)
    return keras.Model(x, y)


# --------------------------------------------------------------------------------------
# STRIDED_SLICE


@model("strided_slice_masks", "STRIDED_SLICE int8 on [1,6,8,5]: stride 2 and 3, begin_mask and end_mask on "
       "axis 2, an end past the axis (clamped), a negative end",
       expect=[("STRIDED_SLICE", {"beginMask": 4, "endMask": 4, "shrinkAxisMask": 0})])
def _():
    return single((6, 8, 5), lambda x: tf.strided_slice(x, [0, 1, 3, 1], [1, 9, 0, -1], [1, 2, 3, 1],
                                                        begin_mask=4, end_mask=4))


@model("strided_slice_shrink", "STRIDED_SLICE int16 x[:, 2, 1:7, :] on [1,5,8,4]: shrink_axis_mask removes axis 1",
       expect=[("STRIDED_SLICE", {"shrinkAxisMask": 2})], quant="int16x8")
def _():
    return single((5, 8, 4), lambda x: x[:, 2, 1:7, :])


@model("strided_slice_negative", "STRIDED_SLICE float32 with negative strides: x[:, ::-1, -2::-2, 1:3] on [1,5,7,3] (begin/end masks on the reversed axis, a negative begin)",
       expect=[("STRIDED_SLICE", {})], quant="float32")
def _():
    return single((5, 7, 3), lambda x: tf.strided_slice(x, [0, -1, -2, 1], [1, -6, -8, 3], [1, -1, -2, 1],
                                                        begin_mask=2, end_mask=2))


# --------------------------------------------------------------------------------------
# SLICE


@model("slice_int8", "SLICE int8 tf.slice(x, [0,1,2,0], [1,3,-1,2]) on [1,5,6,4] (size -1 = to the end)",
       expect=[("SLICE", {})])
def _():
    return single((5, 6, 4), lambda x: tf.slice(x, [0, 1, 2, 0], [1, 3, -1, 2]))


@model("slice_float", "SLICE float32 tf.slice(x, [0,2,1], [1,4,5]) on [1,7,9]",
       expect=[("SLICE", {})], quant="float32")
def _():
    return single((7, 9), lambda x: tf.slice(x, [0, 2, 1], [1, 4, 5]))


# --------------------------------------------------------------------------------------
# TRANSPOSE


@model("transpose_hw", "TRANSPOSE int8 perm [0,2,1,3] on [1,4,6,5] (channel vectors move whole)",
       expect=[("TRANSPOSE", {})])
def _():
    return single((4, 6, 5), lambda x: tf.transpose(x, [0, 2, 1, 3]))


@model("transpose_nchw", "TRANSPOSE int16 perm [0,3,1,2] on [1,3,4,6] (NHWC -> NCHW, element-wise walk)",
       expect=[("TRANSPOSE", {})], quant="int16x8")
def _():
    return single((3, 4, 6), lambda x: tf.transpose(x, [0, 3, 1, 2]))


@model("transpose_5d", "TRANSPOSE float32 of rank 5 (the TFLM interpreter's limit), perm [0,4,2,1,3] on [1,2,3,2,3]",
       expect=[("TRANSPOSE", {})], quant="float32")
def _():
    return single((2, 3, 2, 3), lambda x: tf.transpose(x, [0, 4, 2, 1, 3]))


# --------------------------------------------------------------------------------------
# SPLIT, SPLIT_V, PACK, UNPACK


@model("split_channels", "SPLIT int8 of [1,4,4,6] into 3 along the channel axis (3 outputs)",
       expect=[("SPLIT", {"numSplits": 3})])
def _():
    return single((4, 4, 6), lambda x: tf.split(x, 3, axis=-1))


@model("split_v_rows", "SPLIT_V int16 of [1,6,4,3] into sizes [1,3,2] along axis 1 (3 outputs)",
       expect=[("SPLIT_V", {"numSplits": 3})], quant="int16x8")
def _():
    return single((6, 4, 3), lambda x: tf.split(x, [1, 3, 2], axis=1))


@model("split_v_float", "SPLIT_V float32 of [1,5,7] into sizes [2,-1] along the last axis (-1 = the rest)",
       expect=[("SPLIT_V", {"numSplits": 2})], quant="float32")
def _():
    return single((5, 7), lambda x: tf.split(x, [2, 5], axis=-1))


@model("pack_axis2", "PACK float32 of two [1,4,5] inputs along a new axis 2 -> [1,4,2,5]",
       expect=[("PACK", {"axis": 2, "valuesCount": 2})], quant="float32")
def _():
    a = keras.Input((4, 5), batch_size=1, name="a")
    b = keras.Input((4, 5), batch_size=1, name="b")
    y = TfOp(lambda xs: tf.stack(xs, axis=2))([a, b])
    return keras.Model([a, b], y)


@model("pack_int8", "PACK int8 of three slices of one [1,3,4,5] input along a new last axis",
       expect=[("PACK", {"axis": 3, "valuesCount": 3})])
def _():
    return single((3, 4, 5), lambda x: tf.stack([x[:, 0], x[:, 2], x[:, 1]], axis=3))


@model("unpack_axis1", "UNPACK int8 of [1,3,4,2] along axis 1 (3 outputs of [1,4,2])",
       expect=[("UNPACK", {"axis": 1, "num": 3})])
def _():
    return single((3, 4, 2), lambda x: tf.unstack(x, axis=1))


@model("unpack_float", "UNPACK float32 of [1,4,3] along the last axis (3 outputs of [1,4])",
       expect=[("UNPACK", {"num": 3})], quant="float32")
def _():
    return single((4, 3), lambda x: tf.unstack(x, axis=-1))


# --------------------------------------------------------------------------------------
# BROADCAST_TO, REVERSE_V2


@model("broadcast_to_float", "BROADCAST_TO float32 [1,1,4,1] -> [2,3,4,3]",
       expect=[("BROADCAST_TO", {})], quant="float32")
def _():
    return single((1, 4, 1), lambda x: tf.broadcast_to(x, [2, 3, 4, 3]))


@model("reverse_v2_int8", "REVERSE_V2 int8 on axes [1,2] of [1,4,5,3]",
       expect=[("REVERSE_V2", {})])
def _():
    return single((4, 5, 3), lambda x: tf.reverse(x, [1, 2]))


@model("reverse_v2_float", "REVERSE_V2 float32 on the last axis of [1,3,6]",
       expect=[("REVERSE_V2", {})], quant="float32")
def _():
    return single((3, 6), lambda x: tf.reverse(x, [-1]))


# --------------------------------------------------------------------------------------
# DEPTH_TO_SPACE, SPACE_TO_DEPTH, BATCH_TO_SPACE_ND


@model("depth_to_space_int8", "DEPTH_TO_SPACE int8 block 2 on [1,3,4,8] -> [1,6,8,2]",
       expect=[("DEPTH_TO_SPACE", {"blockSize": 2})])
def _():
    return single((3, 4, 8), lambda x: tf.nn.depth_to_space(x, 2))


@model("space_to_depth_int8", "SPACE_TO_DEPTH int8 block 2 on [1,4,6,3] -> [1,2,3,12]",
       expect=[("SPACE_TO_DEPTH", {"blockSize": 2})])
def _():
    return single((4, 6, 3), lambda x: tf.nn.space_to_depth(x, 2))


@model("batch_to_space_nd_float", "BATCH_TO_SPACE_ND float32 block [2,2], crops 0, on a batch-4 [4,3,5,2] input",
       expect=[("BATCH_TO_SPACE_ND", {})], quant="float32")
def _():
    return single((3, 5, 2), lambda x: tf.batch_to_space(x, [2, 2], [[0, 0], [0, 0]]), batch=4)


@model("batch_to_space_nd_crop", "BATCH_TO_SPACE_ND int8 block [2,3], crops [[2,0],[0,3]] (whole blocks), "
       "on a batch-6 [6,3,4,2] input",
       expect=[("BATCH_TO_SPACE_ND", {})])
def _():
    return single((3, 4, 2), lambda x: tf.batch_to_space(x, [2, 3], [[2, 0], [0, 3]]), batch=6)


# --------------------------------------------------------------------------------------
# GATHER, GATHER_ND


@model("gather_axis1", "GATHER int8 of constant indices [3,0,2,2] along axis 1 of [1,5,6,3]",
       expect=[("GATHER", {"axis": 1})])
def _():
    return single((5, 6, 3), lambda x: tf.gather(x, [3, 0, 2, 2], axis=1))


@model("gather_batch_dims", "GATHER float32 with batch_dims 1: indices [1,2,3] along axis 2 of [1,4,5,2]",
       expect=[("GATHER", {"axis": 2, "batchDims": 1})], quant="float32")
def _():
    return single((4, 5, 2), lambda x: tf.gather(x, [[[4, 0, 1], [2, 2, 3]]], axis=2, batch_dims=1))


@model("gather_2d_indices", "GATHER int8 of constant rank-2 indices [[1,0],[2,1]] along the last axis of [1,3,4]",
       expect=[("GATHER", {})])
def _():
    return single((3, 4), lambda x: tf.gather(x, [[1, 0], [2, 1]], axis=-1))


@model("gather_nd_int8", "GATHER_ND int8: index rows of length 2 into [1,4,5,3] -> [3,5,3]",
       expect=[("GATHER_ND", {})])
def _():
    return single((4, 5, 3), lambda x: tf.gather_nd(x, [[0, 1], [0, 3], [0, 0]]))


@model("gather_nd_float", "GATHER_ND float32: full-rank index rows into [1,3,4] -> [2,2] of scalars",
       expect=[("GATHER_ND", {})], quant="float32")
def _():
    return single((3, 4), lambda x: tf.gather_nd(x, [[[0, 1, 3], [0, 2, 0]], [[0, 0, 0], [0, 1, 1]]]))


# --------------------------------------------------------------------------------------
# MIRROR_PAD, PAD, PADV2


@model("mirror_pad_reflect", "MIRROR_PAD int8 REFLECT paddings [[0,0],[1,2],[2,1],[0,0]] on [1,5,6,3]",
       expect=[("MIRROR_PAD", {"mode": 0})])
def _():
    return single((5, 6, 3), lambda x: tf.pad(x, [[0, 0], [1, 2], [2, 1], [0, 0]], mode="REFLECT"))


@model("mirror_pad_symmetric", "MIRROR_PAD int8 SYMMETRIC paddings [[0,0],[2,2],[0,3],[1,0]] on [1,4,5,3]",
       expect=[("MIRROR_PAD", {"mode": 1})])
def _():
    return single((4, 5, 3), lambda x: tf.pad(x, [[0, 0], [2, 2], [0, 3], [1, 0]], mode="SYMMETRIC"))


@model("mirror_pad_float", "MIRROR_PAD float32 REFLECT on the last axis of [1,3,5]",
       expect=[("MIRROR_PAD", {"mode": 0})], quant="float32")
def _():
    return single((3, 5), lambda x: tf.pad(x, [[0, 0], [0, 0], [3, 4]], mode="REFLECT"))


@model("pad_int16", "PAD int16 paddings [[0,0],[1,0],[2,3],[0,1]] on [1,3,4,2] (fill = the zero point)",
       expect=[("PAD", {})], quant="int16x8")
def _():
    return single((3, 4, 2), lambda x: tf.pad(x, [[0, 0], [1, 0], [2, 3], [0, 1]]))


@model("pad_float", "PAD float32 paddings [[1,0],[0,2],[1,1]] on [1,3,4] (batch padded too)",
       expect=[("PAD", {})], quant="float32")
def _():
    return single((3, 4), lambda x: tf.pad(x, [[1, 0], [0, 2], [1, 1]]))


@model("padv2_float", "PADV2 float32 constant 0.75, paddings [[0,0],[2,1],[0,0],[1,2]] on [1,3,3,2]",
       expect=[("PADV2", {})], quant="float32")
def _():
    return single((3, 3, 2), lambda x: tf.pad(x, [[0, 0], [2, 1], [0, 0], [1, 2]], constant_values=0.75))


# --------------------------------------------------------------------------------------
# FILL


@model("fill_float", "FILL float32 [2,3,4] with a run-time value (x[0, 1], a STRIDED_SLICE that shrinks to a scalar)",
       expect=[("FILL", {}), ("STRIDED_SLICE", {"shrinkAxisMask": 3})], quant="float32")
def _():
    return single((5,), lambda x: tf.fill([2, 3, 4], x[0, 1]))


# --------------------------------------------------------------------------------------
# int16 variants (the ops TFLM runs on int16)


@model("slice_int16", "SLICE int16 tf.slice(x, [0,2,0,1], [1,2,3,-1]) on [1,4,3,3]",
       expect=[("SLICE", {})], quant="int16x8")
def _():
    return single((4, 3, 3), lambda x: tf.slice(x, [0, 2, 0, 1], [1, 2, 3, -1]))


@model("pack_int16", "PACK int16 of two slices of one [1,2,3,4] input along a new axis 1",
       expect=[("PACK", {"axis": 1, "valuesCount": 2})], quant="int16x8")
def _():
    return single((2, 3, 4), lambda x: tf.stack([x[:, 1], x[:, 0]], axis=1))


@model("unpack_int16", "UNPACK int16 of [1,2,3] along axis 2 (3 outputs of [1,2])",
       expect=[("UNPACK", {"axis": 2, "num": 3})], quant="int16x8")
def _():
    return single((2, 3), lambda x: tf.unstack(x, axis=2))


@model("reverse_v2_int16", "REVERSE_V2 int16 on axis 1 of [1,5,4]",
       expect=[("REVERSE_V2", {})], quant="int16x8")
def _():
    return single((5, 4), lambda x: tf.reverse(x, [1]))


@model("broadcast_to_int8", "BROADCAST_TO int8 [1,3,1] -> [2,3,4]",
       expect=[("BROADCAST_TO", {})])
def _():
    return single((3, 1), lambda x: tf.broadcast_to(x, [2, 3, 4]))


# --------------------------------------------------------------------------------------
# SPACE_TO_BATCH_ND


@model("space_to_batch_nd_int8", "SPACE_TO_BATCH_ND int8 block [2,2] on [1,4,6,3], no padding (TFLM pads with an "
       "uninitialized parameter, so padded pixels are not comparable; kiln pads with the zero point as TFLite does)",
       expect=[("SPACE_TO_BATCH_ND", {})])
def _():
    return single((4, 6, 3), lambda x: tf.space_to_batch(x, [2, 2], [[0, 0], [0, 0]]))


@model("space_to_batch_nd_float", "SPACE_TO_BATCH_ND float32 block [3,2], no padding, on [1,6,4,2]",
       expect=[("SPACE_TO_BATCH_ND", {})], quant="float32")
def _():
    return single((6, 4, 2), lambda x: tf.space_to_batch(x, [3, 2], [[0, 0], [0, 0]]))


# --------------------------------------------------------------------------------------
# More element types and ranks


@model("depth_to_space_float", "DEPTH_TO_SPACE float32 block 3 on [1,2,2,18] -> [1,6,6,2]",
       expect=[("DEPTH_TO_SPACE", {"blockSize": 3})], quant="float32")
def _():
    return single((2, 2, 18), lambda x: tf.nn.depth_to_space(x, 3))


@model("space_to_depth_float", "SPACE_TO_DEPTH float32 block 3 on [1,6,3,2] -> [1,2,1,18]",
       expect=[("SPACE_TO_DEPTH", {"blockSize": 3})], quant="float32")
def _():
    return single((6, 3, 2), lambda x: tf.nn.space_to_depth(x, 3))


@model("strided_slice_end_mask_shrink", "STRIDED_SLICE int8 on [1,4,6,3]: negative begin -1 with shrink on axis 1, "
       "end_mask on axes 2 and 3, stride 2 on axis 2",
       expect=[("STRIDED_SLICE", {"endMask": 12, "shrinkAxisMask": 2})])
def _():
    return single((4, 6, 3), lambda x: tf.strided_slice(x, [0, -1, 1, 0], [1, 0, 0, 0], [1, 1, 2, 1],
                                                        end_mask=12, shrink_axis_mask=2))


@model("batch_to_space_nd_rank3", "BATCH_TO_SPACE_ND float32 on rank 3: block [2], crops [[0,2]], batch-4 [4,3,2] input",
       expect=[("BATCH_TO_SPACE_ND", {})], quant="float32")
def _():
    return single((3, 2), lambda x: tf.batch_to_space(x, [2], [[0, 2]]), batch=4)


@model("space_to_batch_nd_rank3", "SPACE_TO_BATCH_ND int8 on rank 3: block [3], no padding, on [1,6,2]",
       expect=[("SPACE_TO_BATCH_ND", {})])
def _():
    return single((6, 2), lambda x: tf.space_to_batch(x, [3], [[0, 0]]))


# --------------------------------------------------------------------------------------
# int32 and bool data (model inputs of that type; TFLM's random int32 inputs are in ±1000)


@model("strided_slice_int32", "STRIDED_SLICE int32 x[:, 1:6:2, ::-1] on [1,7,4]",
       expect=[("STRIDED_SLICE", {})], quant="float32")
def _():
    return single((7, 4), lambda x: x[:, 1:6:2, ::-1], dtype="int32")


@model("slice_int32", "SLICE int32 tf.slice(x, [0,1,1], [1,2,3]) on [1,4,5]",
       expect=[("SLICE", {})], quant="float32")
def _():
    return single((4, 5), lambda x: tf.slice(x, [0, 1, 1], [1, 2, 3]), dtype="int32")


@model("pack_int32", "PACK int32 of two slices of one [1,2,3] input along a new axis 0",
       expect=[("PACK", {"axis": 0})], quant="float32")
def _():
    return single((2, 3), lambda x: tf.stack([x[:, 1], x[:, 0]], axis=0), dtype="int32")


@model("unpack_int32", "UNPACK int32 of [1,2,3] along axis 1 (2 outputs of [1,3])",
       expect=[("UNPACK", {"axis": 1, "num": 2})], quant="float32")
def _():
    return single((2, 3), lambda x: tf.unstack(x, axis=1), dtype="int32")


@model("split_v_int32", "SPLIT_V int32 of [1,6] into sizes [4,2] along the last axis",
       expect=[("SPLIT_V", {"numSplits": 2})], quant="float32")
def _():
    return single((6,), lambda x: tf.split(x, [4, 2], axis=-1), dtype="int32")


@model("split_int32", "SPLIT int32 of [1,4,2] into 2 along axis 1",
       expect=[("SPLIT", {"numSplits": 2})], quant="float32")
def _():
    return single((4, 2), lambda x: tf.split(x, 2, axis=1), dtype="int32")


@model("reverse_v2_int32", "REVERSE_V2 int32 on axis 2 of [1,2,5]",
       expect=[("REVERSE_V2", {})], quant="float32")
def _():
    return single((2, 5), lambda x: tf.reverse(x, [2]), dtype="int32")


@model("broadcast_to_int32", "BROADCAST_TO int32 [1,1,3] -> [2,4,3]",
       expect=[("BROADCAST_TO", {})], quant="float32")
def _():
    return single((1, 3), lambda x: tf.broadcast_to(x, [2, 4, 3]), dtype="int32")


@model("fill_int32", "FILL int32 [3,2] with a run-time value x[0, 2]",
       expect=[("FILL", {})], quant="float32")
def _():
    return single((4,), lambda x: tf.fill([3, 2], x[0, 2]), dtype="int32")


@model("strided_slice_bool", "STRIDED_SLICE bool x[:, ::2, 1:] on [1,5,3]",
       expect=[("STRIDED_SLICE", {})], quant="float32")
def _():
    return single((5, 3), lambda x: x[:, ::2, 1:], dtype="bool")


@model("batch_to_space_nd_partial_crop", "BATCH_TO_SPACE_ND int8 block [2,2], crops [[1,0],[0,1]] (through a block: "
       "the per-pixel kernel) on a batch-4 [4,3,3,2] input",
       expect=[("BATCH_TO_SPACE_ND", {})])
def _():
    return single((3, 3, 2), lambda x: tf.batch_to_space(x, [2, 2], [[1, 0], [0, 1]]), batch=4)


@model("pad_rank5_int8", "PAD int8 on a rank-5 [1,2,3,2,2] input, paddings [[0,0],[1,0],[0,1],[2,0],[0,1]] "
       "(fill = the zero point; the generic kernel)",
       expect=[("PAD", {})])
def _():
    return single((2, 3, 2, 2), lambda x: tf.pad(x, [[0, 0], [1, 0], [0, 1], [2, 0], [0, 1]]))


# --------------------------------------------------------------------------------------
# TILE (TFLM has no TILE kernel: the goldens come from LiteRT's; its TILE rejects int16)


@model("tile_int8", "TILE int8 [1,2,3,4] multiples [1,3,1,2] -> [1,6,3,8]",
       expect=[("TILE", {})])
def _():
    return single((2, 3, 4), lambda x: tf.tile(x, [1, 3, 1, 2]))


@model("tile_float", "TILE float32 [1,2,5] int64 multiples [3,2,1] -> [3,4,5]",
       expect=[("TILE", {})], quant="float32")
def _():
    return single((2, 5), lambda x: tf.tile(x, tf.constant([3, 2, 1], dtype=tf.int64)))


@model("tile_int32", "TILE int32 [1,4,3] multiples [1,1,3] -> [1,4,9]",
       expect=[("TILE", {})], quant="float32")
def _():
    return single((4, 3), lambda x: tf.tile(x, [1, 1, 3]), dtype="int32")


class DynamicUpdateSlice(layers.Layer):
    """XLA's DynamicUpdateSlice (what jax2tf writes for `lax.dynamic_update_slice`): the
    converter's DYNAMIC_UPDATE_SLICE, at run-time start indices `i` (an int32 input) and at
    constant ones (`starts`, in range and out of range: TFLM clamps them)."""

    def __init__(self, starts, **kw):
        super().__init__(**kw)
        self.starts = starts

    def call(self, x, u, i=None):
        from tensorflow.compiler.tf2xla.python import xla
        outs = [xla.dynamic_update_slice(x, u, tf.constant(s, tf.int32)) for s in self.starts]
        if i is not None:
            outs.append(xla.dynamic_update_slice(x, u, tf.reshape(i, [3])))
        return outs


@model("dynamic_update_slice_float", "DYNAMIC_UPDATE_SLICE float32: [1,2,2] into [1,6,4] at constant starts "
       "[0,3,1] and [0,9,-3] (clamped) and at an int32 input's (mostly clamped)",
       expect=[("DYNAMIC_UPDATE_SLICE", {})] * 3, quant="float32")
def _():
    x, u = inp((6, 4), name="x"), inp((2, 2), name="u")
    i = keras.Input((3,), batch_size=1, dtype="int32", name="i")
    return keras.Model([x, u, i], DynamicUpdateSlice([[0, 3, 1], [0, 9, -3]])(x, u, i))


@model("dynamic_update_slice_int8_io", "DYNAMIC_UPDATE_SLICE in an int8 model, as the converter writes it: "
       "float32 between DEQUANTIZE and QUANTIZE (make_state_models.py writes an int8 one by hand); [1,2,2] "
       "into [1,6,4] at starts [0,2,1] and [0,9,-3] (clamped)",
       expect=[("DYNAMIC_UPDATE_SLICE", {})] * 2)
def _():
    x, u = inp((6, 4), name="x"), inp((2, 2), name="u")
    return keras.Model([x, u], DynamicUpdateSlice([[0, 2, 1], [0, 9, -3]])(x, u))
