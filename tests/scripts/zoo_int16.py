"""int16x8 zoo models (quant="int16x8": int16 activations, int8 weights, int64 bias, int16 I/O).

The int16 variants of the conv / depthwise / FC / pool / softmax models of make_zoo.py, a float-I/O
model for QUANTIZE float32 -> int16 and DEQUANTIZE int16 -> float32, and the digits CNN. Names
end in `_i16`.
"""

from make_zoo import REGISTRY, check_float_io, check_weights, digits_rep, dense, dwconv, conv, inp, keras, layers, model, one

Q = "int16x8"


# ---- CONV_2D ----


@model("conv_s1_same_i16", "int16x8 CONV_2D 3x3 stride 1 SAME on 5x5x3 -> 4 ch, fused RELU, per-channel",
       expect=[("CONV_2D", {"padding": "SAME", "strideW": 1, "strideH": 1, "fusedActivationFunction": "RELU"})],
       check=check_weights("CONV_2D", True), quant=Q)
def _():
    x = inp((5, 5, 3))
    return one(x, conv(4, 3, activation="relu")(x))


@model("conv_s2_same_even_i16", "int16x8 CONV_2D 3x3 stride 2 SAME on an even 6x6x2 input (padding 0 before, "
       "1 after) -> 4 ch, fused RELU6",
       expect=[("CONV_2D", {"padding": "SAME", "strideW": 2, "strideH": 2, "fusedActivationFunction": "RELU6"})],
       quant=Q)
def _():
    x = inp((6, 6, 2))
    return one(x, conv(4, 3, strides=2, activation="relu6")(x))


@model("conv_valid_dilated_i16", "int16x8 CONV_2D: 3x5 kernel dilation 2 VALID on 8x11x2 -> 4 ch, no activation",
       expect=[("CONV_2D", {"padding": "VALID", "dilationWFactor": 2, "dilationHFactor": 2,
                            "fusedActivationFunction": "NONE"})], quant=Q)
def _():
    x = inp((8, 11, 2))
    return one(x, conv(4, (3, 5), padding="valid", dilation=2)(x))


@model("conv_per_tensor_i16", "int16x8 CONV_2D 3x3 SAME RELU with per-tensor weight quantization, 6x6x2 -> 4 ch",
       expect=[("CONV_2D", {"fusedActivationFunction": "RELU"})],
       check=check_weights("CONV_2D", False), per_channel=False, quant=Q)
def _():
    x = inp((6, 6, 2))
    return one(x, conv(4, 3, activation="relu")(x))


# ---- DEPTHWISE_CONV_2D ----


@model("dwconv_s2_even_i16", "int16x8 DEPTHWISE_CONV_2D 3x3 stride 2 SAME on an even 8x8x2 input, RELU6",
       expect=[("DEPTHWISE_CONV_2D", {"strideW": 2, "strideH": 2, "padding": "SAME",
                                      "fusedActivationFunction": "RELU6"})],
       check=check_weights("DEPTHWISE_CONV_2D", True), quant=Q)
def _():
    x = inp((8, 8, 2))
    return one(x, dwconv(3, strides=2, activation="relu6")(x))


@model("dwconv_mult2_dilated_i16", "int16x8 DEPTHWISE_CONV_2D 3x3 SAME, depth_multiplier 2 (2 -> 4 ch), dilation 2, "
       "on 6x6",
       expect=[("DEPTHWISE_CONV_2D", {"depthMultiplier": 2, "dilationWFactor": 2})], quant=Q)
def _():
    x = inp((6, 6, 2))
    return one(x, dwconv(3, multiplier=2, dilation=2)(x))


# (No per-tensor depthwise model: TF 2.21's int16x8 converter fails on per-tensor depthwise weights with
# "Quantized dimension for tensor property and quantization parameters do not match. Got 3 and 0";
# the kernel's per-tensor path is covered by its unit tests.)


# ---- FULLY_CONNECTED ----


@model("fc_per_channel_i16", "int16x8 FULLY_CONNECTED 32 -> 16 with per-channel weights",
       expect=[("FULLY_CONNECTED", {"fusedActivationFunction": "NONE"})],
       check=check_weights("FULLY_CONNECTED", True), quant=Q)
def _():
    x = inp((32,))
    return one(x, dense(16)(x))


@model("fc_per_tensor_relu_i16", "int16x8 FULLY_CONNECTED 48 -> 12 with per-tensor weights and fused RELU",
       expect=[("FULLY_CONNECTED", {"fusedActivationFunction": "RELU"})],
       check=check_weights("FULLY_CONNECTED", False), per_channel=False, quant=Q)
def _():
    x = inp((48,))
    return one(x, dense(12, activation="relu")(x))


# ---- pools ----


@model("avgpool_same_i16", "int16x8 AVERAGE_POOL_2D SAME: 3x3 stride 2 on even 8x8x2 (partial windows), then "
       "3x3 stride 1 (partial windows on every edge)",
       expect=[("AVERAGE_POOL_2D", {"padding": "SAME", "strideW": 2, "filterWidth": 3}),
               ("AVERAGE_POOL_2D", {"padding": "SAME", "strideW": 1, "filterWidth": 3})], quant=Q)
def _():
    x = inp((8, 8, 2))
    y = layers.AveragePooling2D(3, strides=2, padding="same")(x)
    return one(x, layers.AveragePooling2D(3, strides=1, padding="same")(y))


@model("maxpool_i16", "int16x8 MAX_POOL_2D: 3x3 stride 2 VALID on 9x9x2, then 2x2 stride 1 SAME (padding 0/1)",
       expect=[("MAX_POOL_2D", {"padding": "VALID", "strideW": 2, "filterWidth": 3}),
               ("MAX_POOL_2D", {"padding": "SAME", "strideW": 1, "filterWidth": 2})], quant=Q)
def _():
    x = inp((9, 9, 2))
    y = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    return one(x, layers.MaxPooling2D(2, strides=1, padding="same")(y))


# ---- SOFTMAX ----


@model("softmax_i16", "int16x8 FULLY_CONNECTED 16 -> 10 then SOFTMAX (beta 1; int16 output scale 1/32768, zp 0: "
       "TFLM's table-based exp and 1/(1+x))",
       expect=[("FULLY_CONNECTED", {}), ("SOFTMAX", {})], quant=Q)
def _():
    x = inp((16,))
    y = layers.Dense(10, kernel_initializer=keras.initializers.RandomNormal(0, 1.0),
                     bias_initializer=keras.initializers.RandomUniform(-0.3, 0.3))(x)
    return one(x, layers.Softmax()(y))


# ---- QUANTIZE / DEQUANTIZE ----


@model("quantize_float_io_i16", "int16x8 with float32 input and output: QUANTIZE (float32 -> int16) -> CONV_2D "
       "RELU -> MAX_POOL_2D -> RESHAPE -> FULLY_CONNECTED -> DEQUANTIZE (int16 -> float32)",
       expect=[("QUANTIZE", {}), ("CONV_2D", {}), ("FULLY_CONNECTED", {}), ("DEQUANTIZE", {})],
       check=check_float_io, float_io=True, quant=Q)
def _():
    x = inp((6, 6, 2))
    y = conv(4, 3, activation="relu")(x)
    y = layers.MaxPooling2D(2)(y)
    return one(x, dense(5)(layers.Flatten()(y)))


# ---- a trained model ----


@model("digits_i16", "the digits CNN of digits_int8 (trained on scikit-learn's digits), int16x8: CONV_2D 3x3 RELU "
       "-> MAX_POOL_2D -> CONV_2D 3x3 RELU -> RESHAPE -> FULLY_CONNECTED 10 -> SOFTMAX",
       expect=[("CONV_2D", {}), ("MAX_POOL_2D", {}), ("RESHAPE", {}), ("FULLY_CONNECTED", {}), ("SOFTMAX", {})],
       rep=lambda m: digits_rep, quant=Q)
def _():
    return REGISTRY["digits_int8"].build()


def _check_requantize_s16(desc):
    for o in desc["ops"]:
        if o["op"] == "QUANTIZE":
            i, out = desc["tensors"][o["inputs"][0]], desc["tensors"][o["outputs"][0]]
            if i["dtype"] == "int16" and out["dtype"] == "int16":
                return
    from make_zoo import Fail
    raise Fail("no int16->int16 QUANTIZE op")


@model("quantize_requant_i16", "int16x8 QUANTIZE int16 -> int16 (requantize): CONCATENATION needs one scale, and one "
       "operand is a SOFTMAX output (scale fixed at 1/32768), so the converter inserts a QUANTIZE that rescales it "
       "(the other operand is the model input, [1,4,4,3] ++ [1,4,4,3] -> [1,4,4,6])",
       expect=[("SOFTMAX", {}), ("QUANTIZE", {}), ("CONCATENATION", {})], check=_check_requantize_s16,
       optional=True, quant=Q)
def _():
    x = inp((4, 4, 3))
    s = layers.Softmax(axis=-1)(conv(3, 1)(x))
    return one(x, layers.Concatenate(axis=-1)([x, s]))


# ---- a MobileNet-style chain ----


@model("conv_dw_chain_i16", "int16x8 MobileNet-style chain on 10x10x3: CONV_2D 3x3 stride 2 RELU6 -> DEPTHWISE 3x3 "
       "RELU6 -> CONV_2D 1x1 RELU6 -> DEPTHWISE 3x3 stride 2 RELU6 -> CONV_2D 1x1 -> AVERAGE_POOL_2D 3x3 "
       "-> FULLY_CONNECTED 10 (the converter folds the Flatten) -> SOFTMAX. (mobilenet_v2_035_96_i16 itself "
       "needs int16 ADD and MEAN, other families' kernels, and its goldens would be 11 MB.)",
       expect=[("CONV_2D", {"strideW": 2, "fusedActivationFunction": "RELU6"}),
               ("DEPTHWISE_CONV_2D", {"strideW": 1}), ("DEPTHWISE_CONV_2D", {"strideW": 2}),
               ("AVERAGE_POOL_2D", {}), ("FULLY_CONNECTED", {}), ("SOFTMAX", {})], quant=Q)
def _():
    x = inp((10, 10, 3))
    y = conv(8, 3, strides=2, activation="relu6")(x)
    y = dwconv(3, activation="relu6")(y)
    y = conv(12, 1, activation="relu6")(y)
    y = dwconv(3, strides=2, activation="relu6")(y)
    y = conv(16, 1)(y)
    y = layers.AveragePooling2D(3)(y)
    y = layers.Flatten()(y)
    y = layers.Dense(10, kernel_initializer=keras.initializers.RandomNormal(0, 3.0),
                     bias_initializer=keras.initializers.RandomUniform(-0.3, 0.3))(y)
    return one(x, layers.Softmax()(y))
