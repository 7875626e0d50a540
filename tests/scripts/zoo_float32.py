"""float32 zoo models: plain float32 conversions (no quantization) of the core ops, checked
bit for bit against TFLM's float reference kernels. Inputs are float32 uniform in [-1, 1]
(4 bytes per element), so the models are kept small (goldens about 100 KB or less)."""

from make_zoo import model, inp, one, conv, dwconv, dense, layers, ops, keras, np, digits_cnn


@model("conv_s1_same_f32", "float32 CONV_2D 3x3 stride 1 SAME on an odd 5x5x2 input -> 3 ch, fused RELU",
       expect=[("CONV_2D", {"padding": "SAME", "strideW": 1, "strideH": 1, "fusedActivationFunction": "RELU"})],
       quant="float32")
def _():
    x = inp((5, 5, 2))
    return one(x, conv(3, 3, activation="relu")(x))


@model("conv_s2_same_even_f32", "float32 CONV_2D 3x3 stride 2 SAME on an even 6x6x2 input (padding 0 before, "
       "1 after) -> 4 ch, fused RELU6",
       expect=[("CONV_2D", {"padding": "SAME", "strideW": 2, "strideH": 2, "fusedActivationFunction": "RELU6"})],
       quant="float32")
def _():
    x = inp((6, 6, 2))
    return one(x, conv(4, 3, strides=2, activation="relu6")(x))


@model("conv_dilated_valid_f32", "float32 CONV_2D 3x2 kernel, dilation 2, VALID, strides (1, 2) on 7x8x2 -> 3 ch, "
       "no activation",
       expect=[("CONV_2D", {"padding": "VALID", "dilationHFactor": 2, "fusedActivationFunction": "NONE"})],
       quant="float32")
def _():
    x = inp((7, 8, 2))
    return one(x, layers.Conv2D(3, (3, 2), strides=1, padding="valid", dilation_rate=2,
                                bias_initializer=keras.initializers.RandomUniform(-0.3, 0.3))(x))


@model("conv_relu_n1_to_1_f32", "float32 CONV_2D 3x3 SAME on 5x5x2 -> 3 ch followed by clip(-1, 1), fused as "
       "RELU_N1_TO_1",
       expect=[("CONV_2D", {"fusedActivationFunction": "RELU_N1_TO_1"})], optional=True, quant="float32")
def _():
    x = inp((5, 5, 2))
    return one(x, ops.clip(conv(3, 3)(x) * 3.0, -1.0, 1.0))


@model("dwconv_mult2_f32", "float32 DEPTHWISE_CONV_2D 3x3 SAME, depth_multiplier 2 (2 -> 4 ch) on 4x4, RELU",
       expect=[("DEPTHWISE_CONV_2D", {"depthMultiplier": 2, "padding": "SAME", "fusedActivationFunction": "RELU"})],
       quant="float32")
def _():
    x = inp((4, 4, 2))
    return one(x, dwconv(3, multiplier=2, activation="relu")(x))


@model("dwconv_s2_even_f32", "float32 DEPTHWISE_CONV_2D 3x3 stride 2 SAME on an even 6x6x3 input (asymmetric "
       "padding), RELU6",
       expect=[("DEPTHWISE_CONV_2D", {"strideW": 2, "strideH": 2, "padding": "SAME",
                                      "fusedActivationFunction": "RELU6"})],
       quant="float32")
def _():
    x = inp((6, 6, 3))
    return one(x, dwconv(3, strides=2, activation="relu6")(x))


@model("fc_relu_f32", "float32 FULLY_CONNECTED 24 -> 8 with fused RELU, then FULLY_CONNECTED 8 -> 6",
       expect=[("FULLY_CONNECTED", {"fusedActivationFunction": "RELU"}),
               ("FULLY_CONNECTED", {"fusedActivationFunction": "NONE"})],
       quant="float32")
def _():
    x = inp((24,))
    return one(x, dense(6)(dense(8, activation="relu")(x)))


@model("fc_rows_f32", "float32 FULLY_CONNECTED 16 -> 8 on a [1, 3, 16] input (3 rows), fused RELU6",
       expect=[("FULLY_CONNECTED", {"fusedActivationFunction": "RELU6"})], quant="float32")
def _():
    x = inp((3, 16))
    return one(x, dense(8, activation="relu6")(x))


@model("avgpool_same_f32", "float32 AVERAGE_POOL_2D SAME 3x3 stride 2 on an even 6x6x2 input (partial windows "
       "bottom/right), then 3x3 stride 1 SAME (partial windows on every edge)",
       expect=[("AVERAGE_POOL_2D", {"padding": "SAME", "strideW": 2, "filterWidth": 3}),
               ("AVERAGE_POOL_2D", {"padding": "SAME", "strideW": 1, "filterWidth": 3})],
       quant="float32")
def _():
    x = inp((6, 6, 2))
    y = layers.AveragePooling2D(3, strides=2, padding="same")(x)
    return one(x, layers.AveragePooling2D(3, strides=1, padding="same")(y))


@model("maxpool_f32", "float32 MAX_POOL_2D SAME 3x3 stride 2 on an odd 7x7x2 input, then 2x2 stride 1 VALID",
       expect=[("MAX_POOL_2D", {"padding": "SAME", "strideW": 2, "filterWidth": 3}),
               ("MAX_POOL_2D", {"padding": "VALID", "strideW": 1, "filterWidth": 2})],
       quant="float32")
def _():
    x = inp((7, 7, 2))
    y = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    return one(x, layers.MaxPooling2D(2, strides=1, padding="valid")(y))


@model("softmax_f32", "float32 FULLY_CONNECTED 8 -> 10 then SOFTMAX (beta 1; exp must round as the C library's "
       "expf)",
       expect=[("FULLY_CONNECTED", {}), ("SOFTMAX", {"beta": 1.0})],
       quant="float32")
def _():
    x = inp((8,))
    y = layers.Dense(10, kernel_initializer=keras.initializers.RandomNormal(0, 1.5),
                     bias_initializer=keras.initializers.RandomUniform(-0.3, 0.3))(x)
    return one(x, layers.Softmax()(y))


@model("digits_f32", "float32 small CNN trained on scikit-learn's digits (8x8x1): CONV_2D 3x3 RELU -> "
       "MAX_POOL_2D -> CONV_2D 3x3 RELU -> RESHAPE -> FULLY_CONNECTED 10 -> SOFTMAX",
       expect=[("CONV_2D", {}), ("MAX_POOL_2D", {}), ("RESHAPE", {}), ("FULLY_CONNECTED", {}), ("SOFTMAX", {})],
       quant="float32")
def _():
    return digits_cnn("digits_f32", epochs=10)[0]


# --------------------------------------------------------------------------------------
# float16 weights: the converter stores weights and biases as float16 constants, each widened by
# a DEQUANTIZE (float16 -> float32) op. TFLM cannot run these; the goldens come from LiteRT's
# reference kernels (make_goldens.py falls back to it and records the oracle in meta.json).


@model("conv_s1_same_f16", "float16 weights: DEQUANTIZE (f16 -> f32) of filter and bias -> CONV_2D 3x3 SAME "
       "on 5x5x2 -> 3 ch, fused RELU",
       expect=[("DEQUANTIZE", {}), ("DEQUANTIZE", {}), ("CONV_2D", {"padding": "SAME", "fusedActivationFunction": "RELU"})],
       quant="float16")
def _():
    x = inp((5, 5, 2))
    return one(x, conv(3, 3, activation="relu")(x))


@model("dwconv_mult2_f16", "float16 weights: DEQUANTIZE -> DEPTHWISE_CONV_2D 3x3 SAME, multiplier 2 on 4x4x2, RELU6",
       expect=[("DEQUANTIZE", {}), ("DEPTHWISE_CONV_2D", {"depthMultiplier": 2, "fusedActivationFunction": "RELU6"})],
       quant="float16")
def _():
    x = inp((4, 4, 2))
    return one(x, dwconv(3, multiplier=2, activation="relu6")(x))


@model("digits_f16", "float16 weights of the digits CNN (trained on scikit-learn's digits): DEQUANTIZE x6 -> "
       "CONV_2D RELU -> MAX_POOL_2D -> CONV_2D RELU -> RESHAPE -> FULLY_CONNECTED -> SOFTMAX",
       expect=[("DEQUANTIZE", {}), ("CONV_2D", {}), ("MAX_POOL_2D", {}), ("FULLY_CONNECTED", {}), ("SOFTMAX", {})],
       quant="float16")
def _():
    return digits_cnn("digits_f16", epochs=10)[0]


# --------------------------------------------------------------------------------------
# dynamic range (hybrid): int8 weights, float activations. The converter quantizes only weight
# tensors of at least 1024 elements, so these layers are sized past that. TFLM cannot run them;
# the goldens come from LiteRT's reference kernels.


@model("fc_per_channel_dynamic", "dynamic range: FULLY_CONNECTED 64 -> 32 with int8 per-channel weights and "
       "float32 input/output (hybrid kernel: the input row is quantized at run time), fused RELU",
       expect=[("FULLY_CONNECTED", {"fusedActivationFunction": "RELU"})],
       quant="dynamic")
def _():
    x = inp((64,))
    return one(x, dense(32, activation="relu")(x))


@model("fc_per_tensor_dynamic", "dynamic range: FULLY_CONNECTED 48 -> 32 with int8 per-tensor weights on a "
       "[1, 3, 48] input (3 rows, each quantized with its own scale and zero point), no activation",
       expect=[("FULLY_CONNECTED", {"fusedActivationFunction": "NONE"})],
       quant="dynamic", per_channel=False)
def _():
    x = inp((3, 48))
    return one(x, dense(32)(x))


@model("mlp_dynamic", "dynamic range MLP: FULLY_CONNECTED 64 -> 32 RELU with int8 weights (hybrid), then "
       "FULLY_CONNECTED 32 -> 10 left float32 (under the converter's 1024-weight threshold), SOFTMAX",
       expect=[("FULLY_CONNECTED", {"fusedActivationFunction": "RELU"}), ("FULLY_CONNECTED", {}), ("SOFTMAX", {})],
       quant="dynamic")
def _():
    x = inp((64,))
    y = dense(32, activation="relu")(x)
    y = layers.Dense(10, kernel_initializer=keras.initializers.RandomNormal(0, 1.0),
                     bias_initializer=keras.initializers.RandomUniform(-0.3, 0.3))(y)
    return one(x, layers.Softmax()(y))


@model("conv_same_dynamic", "dynamic range: CONV_2D 5x5 stride 3 SAME (padding 1/1) on 6x6x3 -> 16 ch with int8 "
       "per-channel weights (1200 of them, past the converter's threshold), float32 input/output, fused RELU "
       "(hybrid kernel: the whole input image is quantized asymmetrically at run time)",
       expect=[("CONV_2D", {"padding": "SAME", "strideW": 3, "fusedActivationFunction": "RELU"})],
       quant="dynamic")
def _():
    x = inp((6, 6, 3))
    return one(x, conv(16, 5, strides=3, activation="relu")(x))


@model("dwconv_mult7_dynamic", "dynamic range: DEPTHWISE_CONV_2D 7x7 stride 2 SAME (padding 2/3), multiplier 7 "
       "(3 -> 21 ch, 1029 int8 per-channel weights) on 4x4x3 -> 2x2x21, float32 input/output, fused RELU6",
       expect=[("DEPTHWISE_CONV_2D", {"depthMultiplier": 7, "strideW": 2, "padding": "SAME",
                                      "fusedActivationFunction": "RELU6"})],
       quant="dynamic")
def _():
    x = inp((4, 4, 3))
    return one(x, dwconv(7, strides=2, multiplier=7, activation="relu6")(x))
