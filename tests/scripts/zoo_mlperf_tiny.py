"""Zoo models of the mlperf_tiny family (imported by make_zoo.py): the MLPerf Tiny reference shapes.

MLPerf Tiny's four benchmarks are the models embedded users compare kernels on (ARM's CMSIS-NN
among them). Visual Wake Words is MobileNetV1-0.25 at 96x96x3, which the zoo already has
(`mobilenet_v1_025_96`); this family adds the other three, built layer for layer like the
reference Keras code (mlcommons/tiny, benchmark/training/*/keras_model.py):

- kws_ds_cnn: keyword spotting, DS-CNN on 49x10x1 MFCC features, 12 classes.
- ic_resnet8: image classification, ResNet-8 on 32x32x3 (CIFAR-10 shape), 10 classes.
- ad_autoencoder: anomaly detection, the fully connected autoencoder on 640 inputs.

The weights are random, not trained: make_zoo.calibrate_random_net runs one training-mode pass
(batch-norm momentum 0) over 256 uniform [-1, 1] inputs to set every BN layer's statistics and
rescales the last layer so that each of its outputs has mean 0 and std 2 over those inputs; the
representative set is uniform [-1, 1] too (make_zoo's default). Without that, the outputs
would be constant (FACTS.md). Conv biases are random (make_zoo.conv); the converter folds each
BN into the preceding conv or FC, so those biases end up non-zero anyway.

Quantization is full int8 with int8 I/O and per-channel CONV_2D / DEPTHWISE_CONV_2D weights,
as TF 2.x converts them. FULLY_CONNECTED weights are per-tensor (the converter's dense-only
switch `_experimental_disable_per_channel_quantization_for_dense_layers`), as in the MLPerf Tiny
reference .tflite files, which older converters wrote, and as the CMSIS-NN peer generator
(shared/peers/cmsis-nn/gen.py: one multiplier per FC layer) emits them. TF 2.21 would otherwise make
FC weights per-channel.

Left out of the reference code because they do not reach the .tflite: Dropout (identity at
inference), L2 kernel regularizers (training only). The reference's Flatten before the classifier
does not reach it either: the converter drops the RESHAPE of the [1,1,1,C] pool output, and the
FULLY_CONNECTED reads the pool output directly.
"""

from make_zoo import Fail, calibrate_random_net, conv, dense, dwconv, inp, keras, layers, model  # noqa: F401
from make_zoo import tflite_inspect


def check_structure(counts, per_channel_ops=("CONV_2D", "DEPTHWISE_CONV_2D"), per_tensor_ops=("FULLY_CONNECTED",)):
    """The converted graph has exactly these op counts (so every BN was folded and nothing else
    appeared), conv weights are per-channel and FC weights per-tensor."""

    def check(desc):
        have = {}
        for name in tflite_inspect.op_list(desc):
            have[name] = have.get(name, 0) + 1
        if have != counts:
            raise Fail("op counts %s, expected %s" % (have, counts))
        for o in desc["ops"]:
            if o["op"] in per_channel_ops or o["op"] in per_tensor_ops:
                n = len(desc["tensors"][o["inputs"][1]]["scale"] or [])
                if o["op"] in per_channel_ops and n <= 1:
                    raise Fail("%s weights are per-tensor, expected per-channel" % o["op"])
                if o["op"] in per_tensor_ops and n != 1:
                    raise Fail("%s weights have %d scales, expected per-tensor" % (o["op"], n))

    return check


def bn_relu(x):
    return layers.Activation("relu")(layers.BatchNormalization()(x))


# ---- keyword spotting: DS-CNN ----

KWS_RELU = {"fusedActivationFunction": "RELU"}


@model("kws_ds_cnn", "MLPerf Tiny keyword spotting DS-CNN, 49x10x1 int8 MFCC input: CONV_2D 64 10x4 stride 2 "
       "SAME (padding 4/5 rows, 1/1 columns) + BN + RELU, 4 x (DEPTHWISE_CONV_2D 3x3 SAME + BN + RELU, "
       "CONV_2D 1x1 64 + BN + RELU), AVERAGE_POOL_2D over the whole 25x5 map, FULLY_CONNECTED 12 "
       "(per-tensor), SOFTMAX; random weights with calibrated batch norm",
       expect=[("CONV_2D", dict(KWS_RELU, padding="SAME", strideH=2, strideW=2))]
       + [("DEPTHWISE_CONV_2D", dict(KWS_RELU, padding="SAME", strideH=1, strideW=1, depthMultiplier=1))] * 4
       + [("CONV_2D", dict(KWS_RELU, strideH=1, strideW=1))] * 4
       + [("AVERAGE_POOL_2D", {"padding": "VALID", "filterHeight": 25, "filterWidth": 5}),
          ("FULLY_CONNECTED", {"fusedActivationFunction": "NONE"}), ("SOFTMAX", {})],
       check=check_structure({"CONV_2D": 5, "DEPTHWISE_CONV_2D": 4, "AVERAGE_POOL_2D": 1,
                              "FULLY_CONNECTED": 1, "SOFTMAX": 1}),
       per_channel_fc=False)
def _():
    filters = 64
    x_in = inp((49, 10, 1))
    x = bn_relu(conv(filters, (10, 4), strides=(2, 2))(x_in))  # -> 25x5x64
    for _ in range(4):
        x = bn_relu(dwconv((3, 3))(x))
        x = bn_relu(conv(filters, (1, 1))(x))
    # The map is 25x5 after the stride-2 SAME conv; the pool covers all of it (1x1 output). The
    # reference code's pool_size=(int(49/2), int(10/2)) = (24, 5) VALID averages only the first 24 rows.
    x = layers.AveragePooling2D(pool_size=(25, 5))(x)
    x = layers.Flatten()(x)
    y = layers.Softmax()(dense(12)(x))
    return calibrate_random_net(keras.Model(x_in, y), "kws_ds_cnn")


# ---- image classification: ResNet-8 ----


@model("ic_resnet8", "MLPerf Tiny image classification ResNet-8, 32x32x3: CONV_2D 3x3 16 + BN + RELU, then three "
       "residual stacks of 16/32/64 filters (CONV_2D 3x3 + BN + RELU, CONV_2D 3x3 + BN, ADD with fused RELU; "
       "stacks 2 and 3 start with stride 2 on an even map (asymmetric padding) and project the shortcut with "
       "a 1x1 stride-2 CONV_2D), AVERAGE_POOL_2D 8x8, FULLY_CONNECTED 10 (per-tensor), SOFTMAX; "
       "random weights with calibrated batch norm",
       expect=[("CONV_2D", {"strideW": 2, "padding": "SAME"})] * 4 + [("ADD", {"fusedActivationFunction": "RELU"})] * 3
       + [("AVERAGE_POOL_2D", {"filterHeight": 8, "filterWidth": 8}), ("FULLY_CONNECTED", {}), ("SOFTMAX", {})],
       check=check_structure({"CONV_2D": 9, "ADD": 3, "AVERAGE_POOL_2D": 1, "FULLY_CONNECTED": 1,
                              "SOFTMAX": 1}),
       per_channel_fc=False)
def _():
    def c(filters, kernel, strides=1):
        return layers.Conv2D(filters, kernel, strides=strides, padding="same", kernel_initializer="he_normal",
                             bias_initializer=keras.initializers.RandomUniform(-0.3, 0.3))

    x_in = inp((32, 32, 3))
    x = bn_relu(c(16, 3)(x_in))
    for stack, filters in enumerate((16, 32, 64)):
        strides = 1 if stack == 0 else 2
        y = bn_relu(c(filters, 3, strides)(x))
        y = layers.BatchNormalization()(c(filters, 3)(y))
        if stack > 0:
            x = c(filters, 1, strides)(x)  # projection shortcut (no BN in the reference)
        x = layers.Activation("relu")(layers.Add()([x, y]))
    x = layers.AveragePooling2D(pool_size=8)(x)  # the 8x8 map -> 1x1
    x = layers.Flatten()(x)
    y = layers.Softmax()(layers.Dense(10, kernel_initializer="he_normal",
                                      bias_initializer=keras.initializers.RandomUniform(-0.3, 0.3))(x))
    return calibrate_random_net(keras.Model(x_in, y), "ic_resnet8")


# ---- anomaly detection: FC autoencoder ----


@model("ad_autoencoder", "MLPerf Tiny anomaly detection autoencoder, 640 int8 inputs: 4 x FULLY_CONNECTED 128 "
       "(+ BN + RELU), FULLY_CONNECTED 8 (+ BN + RELU), 4 x FULLY_CONNECTED 128 (+ BN + RELU), "
       "FULLY_CONNECTED 640; the converter folds every BN into its FC and fuses the RELU; per-tensor FC weights; "
       "random weights with calibrated batch norm",
       expect=[("FULLY_CONNECTED", {"fusedActivationFunction": "RELU"})] * 9
       + [("FULLY_CONNECTED", {"fusedActivationFunction": "NONE"})],
       check=check_structure({"FULLY_CONNECTED": 10}), per_channel_fc=False)
def _():
    x_in = inp((640,))
    h = x_in
    for units in (128, 128, 128, 128, 8, 128, 128, 128, 128):
        h = bn_relu(dense(units)(h))
    y = dense(640)(h)
    return calibrate_random_net(keras.Model(x_in, y), "ad_autoencoder")
