#!/usr/bin/env python3
"""Build the int8 test-model zoo with TensorFlow and write tests/fixtures/zoo/<name>.tflite.

    make_zoo.py [--out DIR] [--digits DIR] [--list] [NAME...]

Every model is built from fixed seeds (keras.utils.set_random_seed(crc32(name)) and
numpy generators seeded the same way), so a rebuild gives byte-identical files.
Full-integer quantization: a representative dataset of 100 random samples (uniform in
[-1, 1], seeded; the real training split for digits_int8), TFLITE_BUILTINS_INT8, and int8
input/output (except quant_io_float, which keeps float32 I/O).

After converting each model the script reads the flatbuffer back and checks that the
intended ops (with the intended options) are present, then runs it through the TFLM
interpreter on random int8 inputs and checks that every output varies with the input.
Models marked optional are skipped (with the reason printed) when the converter does not
produce the op they are meant to test.

digits_int8 also writes the held-out split to --digits (default tests/fixtures/digits):
test_input0.bin (int8, quantized with the model's input scale/zero point),
test_labels.bin (u8) and meta.json; make_goldens.py --digits adds TFLM's outputs.

Needs the zoo venv (tests/scripts/requirements-zoo.txt).
"""

import argparse
import contextlib
import hashlib
import importlib
import io
import json
import os
import sys
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers, ops  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_goldens  # noqa: E402
import tflite_inspect  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
REP_SAMPLES = 100

tf.config.experimental.enable_op_determinism()


def seed_of(name):
    return zlib.crc32(name.encode("utf-8"))


# --------------------------------------------------------------------------------------
# Model registry


class Spec:
    def __init__(self, name, build, doc, expect=(), check=None, per_channel=True, float_io=False,
                 optional=False, rep=None, patch=None, quant="int8", per_channel_fc=True, input_shape=None,
                 twin_shape=None, sparse=False):
        self.name = name
        # Converted with tf.lite.Optimize.EXPERIMENTAL_SPARSITY: weights with enough zeros are
        # stored in TFLite's sparse format (SparsityParameters).
        self.sparse = sparse
        self.build = build  # () -> keras.Model
        self.doc = doc  # what the model exercises (goes into the manifest)
        self.expect = list(expect)  # [(op name, {option: value}), ...] each must match some op
        self.check = check  # (desc) -> None, raises Fail
        self.per_channel = per_channel
        # False: per-channel convs but per-tensor FULLY_CONNECTED weights (as in older models, e.g.
        # the MLPerf Tiny reference files): the converter's dense-only per-channel switch.
        self.per_channel_fc = per_channel_fc
        self.float_io = float_io
        self.optional = optional
        self.rep = rep  # (model) -> representative dataset generator function, or None for random
        self.patch = patch  # (flatbuffer bytes) -> patched bytes, applied after conversion
        if quant not in QUANT_MODES:
            raise ValueError("%s: quant=%r, expected one of %s" % (name, quant, QUANT_MODES))
        self.quant = quant  # converter path, see convert()
        # For models with a dynamic input (shape_signature -1): the shape kiln compiles them for
        # (include_model!'s input_shape, recorded in the manifest) and TFLM runs them at, through
        # the static twin written to zoo/static/ (see write_static_twin).
        self.input_shape = input_shape
        # The shape of the static twin when it differs from input_shape or kiln needs no
        # input_shape (a dynamic batch stored as 1 whose stored intermediate shapes TFLM cannot
        # use, e.g. a RESHAPE to a shape computed at run time).
        self.twin_shape = twin_shape or input_shape


# The converter's paths (FACTS.md): full-integer int8, int16 activations with int8 weights,
# plain float32, float16 weights (+ DEQUANTIZE), dynamic-range (int8 weights, float activations).
QUANT_MODES = ("int8", "int16x8", "float32", "float16", "dynamic")


class Fail(Exception):
    pass


REGISTRY = {}


def model(name, doc, **kw):
    def deco(fn):
        REGISTRY[name] = Spec(name, fn, doc, **kw)
        return fn

    return deco


# Random biases: the converter drops all-zero biases (bias index -1), so every layer
# that should have a bias gets a random one.
def bias_init():
    return keras.initializers.RandomUniform(-0.3, 0.3)


def conv(filters, kernel, strides=1, padding="same", dilation=1, activation=None, use_bias=True, name=None):
    return layers.Conv2D(
        filters, kernel, strides=strides, padding=padding, dilation_rate=dilation, activation=activation,
        use_bias=use_bias, bias_initializer=bias_init() if use_bias else "zeros", name=name,
    )


def dwconv(kernel, strides=1, padding="same", multiplier=1, dilation=1, activation=None, name=None):
    return layers.DepthwiseConv2D(
        kernel, strides=strides, padding=padding, depth_multiplier=multiplier, dilation_rate=dilation,
        activation=activation, bias_initializer=bias_init(), name=name,
    )


def dense(units, activation=None, use_bias=True, name=None):
    return layers.Dense(units, activation=activation, use_bias=use_bias,
                        bias_initializer=bias_init() if use_bias else "zeros", name=name)


def inp(shape, name="input"):
    return keras.Input(shape, batch_size=1, name=name)


def one(x_in, y):
    return keras.Model(x_in, y)


# ---- checks on the converted flatbuffer ----


def ops_named(desc, name):
    return [o for o in desc["ops"] if o["op"] == name]


def check_bias_absent(op_name):
    def check(desc):
        for o in ops_named(desc, op_name):
            if len(o["inputs"]) >= 3 and o["inputs"][2] != -1:
                raise Fail("%s has a bias tensor (input 2 = %d), expected -1" % (op_name, o["inputs"][2]))
    return check


def check_bias_present(desc):
    for o in desc["ops"]:
        if o["op"] in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            if len(o["inputs"]) < 3 or o["inputs"][2] < 0:
                raise Fail("%s lost its bias (randomize it)" % o["op"])


def check_weights(op_name, per_channel):
    def check(desc):
        for o in ops_named(desc, op_name):
            w = desc["tensors"][o["inputs"][1]]
            n = len(w["scale"] or [])
            if per_channel and n <= 1:
                raise Fail("%s weights are per-tensor, expected per-channel" % op_name)
            if not per_channel and n != 1:
                raise Fail("%s weights have %d scales, expected per-tensor" % (op_name, n))
    return check


def check_requantize(desc):
    for o in ops_named(desc, "QUANTIZE"):
        i = desc["tensors"][o["inputs"][0]]
        out = desc["tensors"][o["outputs"][0]]
        if i["dtype"] == "int8" and out["dtype"] == "int8":
            return
    raise Fail("no int8->int8 QUANTIZE op")


def check_float_io(desc):
    ops_ = tflite_inspect.op_list(desc)
    if ops_[0] != "QUANTIZE" or ops_[-1] != "DEQUANTIZE":
        raise Fail("expected QUANTIZE first and DEQUANTIZE last, got %s" % ops_)
    for t in desc["inputs"] + desc["outputs"]:
        if t["dtype"] != "float32":
            raise Fail("model I/O %r is %s, expected float32" % (t["name"], t["dtype"]))


def all_checks(*fns):
    def check(desc):
        for f in fns:
            if f is not None:
                f(desc)
    return check


# --------------------------------------------------------------------------------------
# CONV_2D


@model("conv_s1_same", "CONV_2D 3x3 stride 1 SAME on an odd 9x9x3 input -> 8 ch, fused RELU, per-channel",
       expect=[("CONV_2D", {"padding": "SAME", "strideW": 1, "strideH": 1, "fusedActivationFunction": "RELU"})],
       check=check_weights("CONV_2D", True))
def _():
    x = inp((9, 9, 3))
    return one(x, conv(8, 3, activation="relu")(x))


@model("conv_s2_same_even", "CONV_2D 3x3 stride 2 SAME on an even 10x10 input (asymmetric padding: 0 before, "
       "1 after), fused RELU6",
       expect=[("CONV_2D", {"padding": "SAME", "strideW": 2, "strideH": 2, "fusedActivationFunction": "RELU6"})])
def _():
    x = inp((10, 10, 3))
    return one(x, conv(8, 3, strides=2, activation="relu6")(x))


@model("conv_s2_same_odd", "CONV_2D 3x3 stride 2 SAME on an odd 11x11 input (symmetric padding 1/1), fused RELU",
       expect=[("CONV_2D", {"padding": "SAME", "strideW": 2, "strideH": 2, "fusedActivationFunction": "RELU"})])
def _():
    x = inp((11, 11, 3))
    return one(x, conv(8, 3, strides=2, activation="relu")(x))


@model("conv_valid", "CONV_2D 3x3 stride 2 VALID on 10x10x4 -> 6 ch, no activation",
       expect=[("CONV_2D", {"padding": "VALID", "strideW": 2, "strideH": 2, "fusedActivationFunction": "NONE"})])
def _():
    x = inp((10, 10, 4))
    return one(x, conv(6, 3, strides=2, padding="valid")(x))


@model("conv_rect", "CONV_2D with a non-square 3x5 kernel, strides (1, 2), SAME, on a non-square 7x12x2 input",
       expect=[("CONV_2D", {"padding": "SAME", "strideH": 1, "strideW": 2})])
def _():
    x = inp((7, 12, 2))
    return one(x, conv(6, (3, 5), strides=(1, 2))(x))


@model("conv_dilated", "CONV_2D 3x3 dilation 2 SAME on 12x12x3 -> 8 ch",
       expect=[("CONV_2D", {"padding": "SAME", "dilationWFactor": 2, "dilationHFactor": 2})])
def _():
    x = inp((12, 12, 3))
    return one(x, conv(8, 3, dilation=2)(x))


@model("conv_1x1", "CONV_2D 1x1 (pointwise) 6x6x16 -> 12 ch, no activation",
       expect=[("CONV_2D", {"padding": "SAME", "strideW": 1})])
def _():
    x = inp((6, 6, 16))
    return one(x, conv(12, 1)(x))


@model("conv_1x1_large", "Two CONV_2D 1x1 layers large enough for the AMX kernel (>= 2^20 multiply-adds per "
       "call, in row bands too) with small inputs and outputs: 8x16x32 -> 1024 ch (depth 32: one partial depth step) RELU6, then -> 80 ch "
       "(depth 1024, an odd 5 blocks)",
       expect=[("CONV_2D", {"padding": "SAME", "strideW": 1, "fusedActivationFunction": "RELU6"}),
               ("CONV_2D", {"padding": "SAME", "strideW": 1})])
def _():
    x = inp((8, 16, 32))
    return one(x, conv(80, 1)(conv(1024, 1, activation="relu6")(x)))


@model("conv_per_tensor", "CONV_2D 3x3 SAME RELU with per-tensor weight quantization "
       "(_experimental_disable_per_channel)",
       expect=[("CONV_2D", {"fusedActivationFunction": "RELU"})],
       check=check_weights("CONV_2D", False), per_channel=False)
def _():
    x = inp((8, 8, 3))
    return one(x, conv(8, 3, activation="relu")(x))


def drop_zero_bias(op_name):
    """TF 2.21's converter gives every CONV_2D a bias tensor, all zeros when the layer has none.
    This patches the flatbuffer in place (only the 4 bytes of the op's input index change, so
    buffer alignment and everything else stay as the converter wrote them) so that such an op's
    bias input is -1 (optional input absent), which TFLM supports; the all-zero bias tensor is
    left unreferenced. build_one checks the TFLM outputs are identical before and after."""

    def patch(data):
        from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

        buf = bytearray(data)
        m = schema.Model.GetRootAsModel(buf, 0)
        sg = m.Subgraphs(0)
        n = 0
        for k in range(sg.OperatorsLength()):
            op = sg.Operators(k)
            code = m.OperatorCodes(op.OpcodeIndex())
            name = tflite_inspect.BUILTIN_NAMES.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()))
            if name != op_name or op.InputsLength() < 3 or op.Inputs(2) < 0:
                continue
            bias = sg.Tensors(op.Inputs(2))
            bias_data = m.Buffers(bias.Buffer()).DataAsNumpy()
            if isinstance(bias_data, int) or np.any(bias_data.view("<i4") != 0):
                raise Fail("%s bias is not all zeros; refusing to drop it" % op_name)
            vec = op._tab.Vector(op._tab.Offset(6))  # field 'inputs' (vtable slot 6)
            buf[vec + 2 * 4:vec + 3 * 4] = np.array([-1], dtype="<i4").tobytes()
            n += 1
        if n == 0:
            raise Fail("no %s op with a bias to drop" % op_name)
        return bytes(buf)

    return patch


@model("conv_no_bias", "CONV_2D 3x3 SAME without bias: bias input index -1 (the converter emits an all-zero bias "
       "for use_bias=False; make_zoo.py patches its index to -1 and checks TFLM's outputs are unchanged)",
       expect=[("CONV_2D", {})], check=check_bias_absent("CONV_2D"), patch=drop_zero_bias("CONV_2D"))
def _():
    x = inp((8, 8, 3))
    return one(x, conv(8, 3, use_bias=False)(x))


@model("conv_relu_n1_to_1", "CONV_2D followed by clip(-1, 1), fused as RELU_N1_TO_1",
       expect=[("CONV_2D", {"fusedActivationFunction": "RELU_N1_TO_1"})], optional=True)
def _():
    x = inp((8, 8, 3))
    return one(x, ops.clip(conv(8, 3)(x), -1.0, 1.0))


# --------------------------------------------------------------------------------------
# DEPTHWISE_CONV_2D


@model("dwconv_s1", "DEPTHWISE_CONV_2D 3x3 stride 1 SAME, multiplier 1, 8x8x6, fused RELU",
       expect=[("DEPTHWISE_CONV_2D", {"padding": "SAME", "strideW": 1, "depthMultiplier": 1,
                                      "fusedActivationFunction": "RELU"})],
       check=check_weights("DEPTHWISE_CONV_2D", True))
def _():
    x = inp((8, 8, 6))
    return one(x, dwconv(3, activation="relu")(x))


@model("dwconv_mult2", "DEPTHWISE_CONV_2D 3x3 SAME with depth_multiplier 2 (4 -> 8 ch) on 7x7",
       expect=[("DEPTHWISE_CONV_2D", {"depthMultiplier": 2})])
def _():
    x = inp((7, 7, 4))
    return one(x, dwconv(3, multiplier=2)(x))


@model("dwconv_mult8_1ch", "DEPTHWISE_CONV_2D on 1 input channel with multiplier 8, 5x4 kernel, stride 2 SAME, "
       "RELU (like micro_speech)",
       expect=[("DEPTHWISE_CONV_2D", {"depthMultiplier": 8, "strideW": 2, "padding": "SAME",
                                      "fusedActivationFunction": "RELU"})])
def _():
    x = inp((12, 10, 1))
    return one(x, dwconv((5, 4), strides=2, multiplier=8, activation="relu")(x))


@model("dwconv_s2_even", "DEPTHWISE_CONV_2D 3x3 stride 2 SAME on an even 10x10x4 input (asymmetric padding), RELU6",
       expect=[("DEPTHWISE_CONV_2D", {"strideW": 2, "strideH": 2, "padding": "SAME",
                                      "fusedActivationFunction": "RELU6"})])
def _():
    x = inp((10, 10, 4))
    return one(x, dwconv(3, strides=2, activation="relu6")(x))


@model("dwconv_dilated", "DEPTHWISE_CONV_2D 3x3 dilation 2 SAME on 12x12x4",
       expect=[("DEPTHWISE_CONV_2D", {"dilationWFactor": 2, "dilationHFactor": 2})])
def _():
    x = inp((12, 12, 4))
    return one(x, dwconv(3, dilation=2)(x))


@model("dwconv_per_tensor", "DEPTHWISE_CONV_2D 3x3 SAME with per-tensor weight quantization",
       expect=[("DEPTHWISE_CONV_2D", {})], check=check_weights("DEPTHWISE_CONV_2D", False), per_channel=False)
def _():
    x = inp((8, 8, 6))
    return one(x, dwconv(3)(x))


# --------------------------------------------------------------------------------------
# FULLY_CONNECTED


@model("fc_per_channel", "FULLY_CONNECTED 32 -> 16 with per-channel weights (TF 2.21 default)",
       expect=[("FULLY_CONNECTED", {"fusedActivationFunction": "NONE"})],
       check=check_weights("FULLY_CONNECTED", True))
def _():
    x = inp((32,))
    return one(x, dense(16)(x))


@model("fc_per_tensor", "FULLY_CONNECTED 32 -> 16 with per-tensor weights (like older models)",
       expect=[("FULLY_CONNECTED", {})], check=check_weights("FULLY_CONNECTED", False), per_channel=False)
def _():
    x = inp((32,))
    return one(x, dense(16)(x))


@model("fc_no_bias", "FULLY_CONNECTED 32 -> 16 without bias (bias input index -1)",
       expect=[("FULLY_CONNECTED", {})], check=check_bias_absent("FULLY_CONNECTED"))
def _():
    x = inp((32,))
    return one(x, dense(16, use_bias=False)(x))


@model("fc_relu", "FULLY_CONNECTED 32 -> 16 with fused RELU",
       expect=[("FULLY_CONNECTED", {"fusedActivationFunction": "RELU"})])
def _():
    x = inp((32,))
    return one(x, dense(16, activation="relu")(x))


# --------------------------------------------------------------------------------------
# Pools


@model("avgpool_same", "AVERAGE_POOL_2D SAME: 3x3 stride 2 on even 10x10x4 (padding 0/1, partial windows at the "
       "bottom/right), then 3x3 stride 1 on 5x5 (partial windows on every edge)",
       expect=[("AVERAGE_POOL_2D", {"padding": "SAME", "strideW": 2, "filterWidth": 3}),
               ("AVERAGE_POOL_2D", {"padding": "SAME", "strideW": 1, "filterWidth": 3})])
def _():
    x = inp((10, 10, 4))
    y = layers.AveragePooling2D(3, strides=2, padding="same")(x)
    return one(x, layers.AveragePooling2D(3, strides=1, padding="same")(y))


@model("avgpool_valid", "AVERAGE_POOL_2D VALID: 2x2 stride 2 on 12x12x4, then 3x3 stride 2",
       expect=[("AVERAGE_POOL_2D", {"padding": "VALID", "strideW": 2, "filterWidth": 2}),
               ("AVERAGE_POOL_2D", {"padding": "VALID", "strideW": 2, "filterWidth": 3})])
def _():
    x = inp((12, 12, 4))
    y = layers.AveragePooling2D(2, strides=2, padding="valid")(x)
    return one(x, layers.AveragePooling2D(3, strides=2, padding="valid")(y))


@model("maxpool_same", "MAX_POOL_2D SAME: 3x3 stride 2 on odd 9x9x4, then 2x2 stride 1 (padding 0/1)",
       expect=[("MAX_POOL_2D", {"padding": "SAME", "strideW": 2, "filterWidth": 3}),
               ("MAX_POOL_2D", {"padding": "SAME", "strideW": 1, "filterWidth": 2})])
def _():
    x = inp((9, 9, 4))
    y = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    return one(x, layers.MaxPooling2D(2, strides=1, padding="same")(y))


@model("maxpool_valid", "MAX_POOL_2D VALID: 3x3 stride 2 on 13x13x4, then 2x2 stride 2",
       expect=[("MAX_POOL_2D", {"padding": "VALID", "strideW": 2, "filterWidth": 3}),
               ("MAX_POOL_2D", {"padding": "VALID", "strideW": 2, "filterWidth": 2})])
def _():
    x = inp((13, 13, 4))
    y = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    return one(x, layers.MaxPooling2D(2, strides=2, padding="valid")(y))


# --------------------------------------------------------------------------------------
# ADD


@model("add_residual", "CONV_2D 3x3 RELU -> ADD with the conv's input (residual; the two operands have "
       "different scales)",
       expect=[("CONV_2D", {}), ("ADD", {})])
def _():
    x = inp((6, 6, 8))
    return one(x, layers.Add()([conv(8, 3, activation="relu")(x), x]))


def _check_add_broadcast(desc):
    shapes = set()
    for o in ops_named(desc, "ADD"):
        for i in o["inputs"]:
            shapes.add(tuple(desc["tensors"][i]["shape"]))
    # The converter reshapes the [1,1,1,8] input to [8] before the ADD (rank-1 broadcast).
    for alts in (((1, 1, 1, 8), (8,)), ((1, 4, 4, 1),)):
        if not any(s in shapes for s in alts):
            raise Fail("no ADD operand of shape %s (got %s)" % (alts, sorted(shapes)))


@model("add_broadcast", "ADD with broadcasting: input a [1,4,4,8] + input b [1,1,1,8] (the converter inserts "
       "a RESHAPE of b to [8], so the ADD broadcasts a rank-1 operand), then + a constant [1,4,4,1]", expect=[("ADD", {}), ("ADD", {})], check=_check_add_broadcast)
def _():
    a = inp((4, 4, 8), name="a")
    b = inp((1, 1, 8), name="b")
    k = np.random.default_rng(seed_of("add_broadcast")).uniform(-1, 1, (1, 4, 4, 1)).astype(np.float32)
    return keras.Model([a, b], ops.add(ops.add(a, b), k))


@model("add_relu", "ADD of two graph inputs with fused RELU",
       expect=[("ADD", {"fusedActivationFunction": "RELU"})])
def _():
    a = inp((5, 5, 8), name="a")
    b = inp((5, 5, 8), name="b")
    return keras.Model([a, b], layers.ReLU()(layers.Add()([a, b])))


# --------------------------------------------------------------------------------------
# MEAN, PAD, CONCATENATION, SOFTMAX, RESHAPE


@model("mean_global", "GlobalAveragePooling2D -> MEAN over axes [1,2], keep_dims false, [1,6,6,16] -> [1,16]",
       expect=[("MEAN", {"keepDims": False})])
def _():
    x = inp((6, 6, 16))
    return one(x, layers.GlobalAveragePooling2D()(x))


@model("mean_keepdims", "tf.reduce_mean over axes [1,2] with keepdims -> MEAN keep_dims true, [1,5,5,8] -> "
       "[1,1,1,8]", expect=[("MEAN", {"keepDims": True})])
def _():
    x = inp((5, 5, 8))
    return one(x, ops.mean(x, axis=[1, 2], keepdims=True))


@model("pad", "PAD (explicit paddings [[0,0],[1,2],[2,1],[0,0]], zero = the zero point) -> AVERAGE_POOL_2D "
       "3x3 VALID, so every padded value reaches the output",
       expect=[("PAD", {}), ("AVERAGE_POOL_2D", {"padding": "VALID"})])
def _():
    x = inp((6, 6, 4))
    y = ops.pad(x, [[0, 0], [1, 2], [2, 1], [0, 0]])
    return one(x, layers.AveragePooling2D(3, strides=1, padding="valid")(y))


@model("padv2", "PADV2 (tf.pad with constant_values=0.5) -> AVERAGE_POOL_2D 3x3 VALID",
       expect=[("PADV2", {})], optional=True)
def _():
    x = inp((6, 6, 4))
    y = ops.pad(x, [[0, 0], [1, 1], [2, 0], [0, 0]], constant_values=0.5)
    return one(x, layers.AveragePooling2D(3, strides=1, padding="valid")(y))


def _check_concat_axes(desc):
    axes = {o["options"].get("axis") for o in ops_named(desc, "CONCATENATION")}
    axes = {a % 4 for a in axes}
    if axes != {1, 3}:
        raise Fail("expected CONCATENATION on axes 3 and 1, got %s" % axes)


@model("concat", "CONCATENATION of two conv branches on the channel axis ([1,6,6,3] ++ [1,6,6,5]), then of that "
       "with a third conv branch on the height axis -> [1,12,6,8]",
       expect=[("CONCATENATION", {}), ("CONCATENATION", {})], check=_check_concat_axes)
def _():
    x = inp((6, 6, 4))
    a = conv(3, 3, activation="relu")(x)
    b = conv(5, 3)(x)
    c = conv(8, 1)(x)
    y = layers.Concatenate(axis=-1)([a, b])
    return one(x, layers.Concatenate(axis=1)([y, c]))


@model("softmax", "FULLY_CONNECTED 16 -> 10 then SOFTMAX (beta 1; output scale 1/256, zp -128)",
       expect=[("FULLY_CONNECTED", {}), ("SOFTMAX", {})])
def _():
    x = inp((16,))
    # Bigger weights so the logits spread and the softmax output is not near-uniform.
    y = layers.Dense(10, kernel_initializer=keras.initializers.RandomNormal(0, 1.0),
                     bias_initializer=bias_init())(x)
    return one(x, layers.Softmax()(y))


@model("reshape", "CONV_2D 3x3 RELU -> Flatten (RESHAPE [1,6,6,4] -> [1,144]) -> FULLY_CONNECTED 10",
       expect=[("CONV_2D", {}), ("RESHAPE", {}), ("FULLY_CONNECTED", {})])
def _():
    x = inp((6, 6, 3))
    y = layers.Flatten()(conv(4, 3, activation="relu")(x))
    return one(x, dense(10)(y))


# --------------------------------------------------------------------------------------
# Quantization boundaries


@model("quant_io_float", "float32 input and output: QUANTIZE (float->int8) -> CONV_2D RELU -> MAX_POOL_2D -> "
       "RESHAPE -> FULLY_CONNECTED -> DEQUANTIZE (int8->float), like TFLM's test_conv_model",
       expect=[("QUANTIZE", {}), ("CONV_2D", {}), ("FULLY_CONNECTED", {}), ("DEQUANTIZE", {})],
       check=check_float_io, float_io=True)
def _():
    x = inp((8, 8, 2))
    y = conv(4, 3, activation="relu")(x)
    y = layers.MaxPooling2D(2)(y)
    return one(x, dense(5)(layers.Flatten()(y)))


@model("requantize", "an int8 -> int8 QUANTIZE (requantize): CONCATENATION needs one scale for all operands, "
       "and one operand is a SOFTMAX output whose scale is fixed at 1/256 (zp -128), so the converter "
       "inserts QUANTIZE int8 -> int8 to requantize the softmax output to the concat's scale",
       expect=[("SOFTMAX", {}), ("QUANTIZE", {}), ("CONCATENATION", {})], check=check_requantize, optional=True)
def _():
    x = inp((6, 6, 4))
    s = layers.Softmax(axis=-1)(conv(4, 1)(x))
    c = conv(4, 3, activation="relu")(x)
    return one(x, layers.Concatenate(axis=-1)([s, c]))


@model("multi_io", "two inputs of different shapes and two outputs. In the file's order: input 0 = in_b [1,16] "
       "vector, input 1 = in_a [1,8,8,3] image; output 0 = [1,4] from FC(MEAN(conv(in_a)) + FC(in_b)), "
       "output 1 = [1,2,2,8] max-pooled conv(in_a) features (the converter reorders both lists)",
       expect=[("CONV_2D", {}), ("MAX_POOL_2D", {}), ("MEAN", {}), ("ADD", {}), ("FULLY_CONNECTED", {})])
def _():
    a = inp((8, 8, 3), name="in_a")
    b = inp((16,), name="in_b")
    ca = conv(8, 3, strides=2, activation="relu")(a)
    out0 = layers.MaxPooling2D(2, name="out0")(ca)
    s = layers.Add()([layers.GlobalAveragePooling2D()(ca), dense(8)(b)])
    out1 = dense(4, name="out1")(s)
    return keras.Model([a, b], [out0, out1])


# --------------------------------------------------------------------------------------
# MobileNets (random weights, calibrated so the outputs depend on the input)


def calibrate_random_net(m, name, n=256):
    """Random-weight nets with untrained batch norm collapse to a constant output. One training-mode
    pass with momentum 0 sets every BN layer's moving statistics to the batch statistics of its
    input, and the classifier is rescaled so each logit has zero mean and std TEMP across inputs."""
    rng = np.random.default_rng(seed_of(name) + 1)
    shape = (n,) + tuple(m.inputs[0].shape[1:])
    x = rng.uniform(-1, 1, shape).astype(np.float32)
    bns = [l for l in m.layers if isinstance(l, layers.BatchNormalization)]
    for l in bns:
        l.momentum = 0.0
    m([x], training=True)
    for l in bns:
        l.momentum = 0.99
    # Classifier: the last layer with a kernel.
    clf = [l for l in m.layers if getattr(l, "kernel", None) is not None][-1]
    feats = keras.Model(m.inputs, clf.input)([x], training=False)
    feats = np.asarray(feats).reshape(n, -1)
    w, b = [np.asarray(v) for v in clf.get_weights()]
    w2 = w.reshape(-1, w.shape[-1])
    z = feats @ w2 + b
    mu, sd = z.mean(axis=0), z.std(axis=0) + 1e-6
    temp = 2.0
    clf.set_weights([(w2 * (temp / sd)).reshape(w.shape), ((b - mu) * (temp / sd)).astype(np.float32)])
    z2 = feats @ (w2 * (temp / sd)) + (b - mu) * (temp / sd)
    print("  calibrated %d BN layers; float argmax over %d calibration inputs: %d distinct classes"
          % (len(bns), n, len(set(z2.argmax(axis=1).tolist()))))
    return m


@model("mobilenet_v1_025_96", "MobileNetV1 alpha 0.25, 96x96x3, 10 classes, random weights with calibrated "
       "batch norm: CONV_2D, DEPTHWISE_CONV_2D (stride 1 and 2), MEAN, 1x1 CONV_2D classifier, RESHAPE, "
       "SOFTMAX",
       expect=[("CONV_2D", {}), ("DEPTHWISE_CONV_2D", {}), ("SOFTMAX", {})])
def _():
    x = inp((96, 96, 3))
    m = keras.applications.MobileNet(input_tensor=x, alpha=0.25, weights=None, classes=10)
    return calibrate_random_net(m, "mobilenet_v1_025_96")


@model("mobilenet_v2_035_96", "MobileNetV2 alpha 0.35, 96x96x3, 10 classes, random weights with calibrated "
       "batch norm: CONV_2D, DEPTHWISE_CONV_2D, residual ADD, MEAN, FULLY_CONNECTED, SOFTMAX (the "
       "converter folds the ZeroPadding2D layers into the convs, so no PAD op)",
       expect=[("CONV_2D", {}), ("DEPTHWISE_CONV_2D", {}), ("ADD", {}), ("SOFTMAX", {})])
def _():
    x = inp((96, 96, 3))
    m = keras.applications.MobileNetV2(input_tensor=x, alpha=0.35, weights=None, classes=10)
    return calibrate_random_net(m, "mobilenet_v2_035_96")


# --------------------------------------------------------------------------------------
# digits_int8: a small CNN trained on scikit-learn's digits


def digits_data():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = (d.data.astype(np.float32) / 16.0).reshape(-1, 8, 8, 1)
    y = d.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.25, random_state=0)


def digits_cnn(label, epochs):
    """The digits CNN (CONV_2D 3x3 RELU -> MAX_POOL_2D -> CONV_2D 3x3 RELU -> FULLY_CONNECTED 10 ->
    SOFTMAX) trained on the training split, in float: every digits_* zoo model converts this net.
    Returns the model, (x_train, x_test, y_test) and its float accuracy on the held-out split."""
    x_tr, x_te, y_tr, y_te = digits_data()
    x = inp((8, 8, 1))
    y = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    y = layers.MaxPooling2D(2)(y)
    y = layers.Conv2D(16, 3, padding="same", activation="relu")(y)
    y = layers.Flatten()(y)
    y = layers.Dense(10)(y)
    y = layers.Softmax()(y)
    m = keras.Model(x, y)
    m.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(x_tr, y_tr, batch_size=32, epochs=epochs, shuffle=True, verbose=0)
    acc = float(np.mean(np.argmax(m.predict(x_te, batch_size=64, verbose=0), axis=1) == y_te))
    print("  %s float accuracy on the held-out split: %.4f (%d samples)" % (label, acc, len(y_te)))
    return m, (x_tr, x_te, y_te), acc


DIGITS_INFO = {}


@model("digits_int8", "small CNN trained on scikit-learn's digits (8x8x1 in [0,1]): CONV_2D 3x3 RELU -> "
       "MAX_POOL_2D -> CONV_2D 3x3 RELU -> RESHAPE -> FULLY_CONNECTED 10 -> SOFTMAX",
       expect=[("CONV_2D", {}), ("MAX_POOL_2D", {}), ("RESHAPE", {}), ("FULLY_CONNECTED", {}), ("SOFTMAX", {})],
       rep=lambda m: digits_rep)
def _():
    m, (x_tr, x_te, y_te), acc = digits_cnn("digits", epochs=25)
    DIGITS_INFO.update(x_tr=x_tr, x_te=x_te, y_te=y_te, float_accuracy=acc)
    return m


def digits_rep():
    x_tr = DIGITS_INFO["x_tr"]
    for i in range(min(REP_SAMPLES * 2, len(x_tr))):
        yield [x_tr[i:i + 1]]


def round_half_away(v):
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def write_digits(desc, digits_dir):
    (i,) = desc["inputs"]
    scale, zp = i["scale"][0], i["zero_point"][0]
    x_te, y_te = DIGITS_INFO["x_te"], DIGITS_INFO["y_te"]
    q = np.clip(round_half_away(x_te / scale) + zp, -128, 127).astype(np.int8)
    os.makedirs(digits_dir, exist_ok=True)
    q.tofile(os.path.join(digits_dir, "test_input0.bin"))
    y_te.astype(np.uint8).tofile(os.path.join(digits_dir, "test_labels.bin"))
    meta = {
        "model": "digits_int8.tflite",
        "count": int(len(y_te)),
        "split": "sklearn.datasets.load_digits, x/16 as float32, reshaped to [1,8,8,1]; "
                 "train_test_split(test_size=0.25, random_state=0); this is the test part",
        "input_quantization": "q = clamp(round_half_away_from_zero(x / scale) + zero_point, -128, 127)",
        "input_scale": scale,
        "input_zero_point": zp,
        "input_shape": i["shape"],
        "float_accuracy": DIGITS_INFO["float_accuracy"],
    }
    meta_path = os.path.join(digits_dir, "meta.json")
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


# --------------------------------------------------------------------------------------
# Op families: tests/scripts/zoo_<family>.py register their models with @model (imported
# here, in file-name order, so a family is one file and the registry order is stable).

sys.modules.setdefault("make_zoo", sys.modules[__name__])
for _family in sorted(f[:-3] for f in os.listdir(HERE) if f.startswith("zoo_") and f.endswith(".py")):
    importlib.import_module(_family)


# --------------------------------------------------------------------------------------
# Conversion and verification


def random_rep(m, seed):
    # Keyed by input name: the converter's input order need not be the Keras order.
    shapes = [(t.name, tuple(t.shape)) for t in m.inputs]

    def gen():
        rng = np.random.default_rng(seed)
        for _ in range(REP_SAMPLES):
            yield {name: rng.uniform(-1, 1, s).astype(np.float32) for name, s in shapes}

    return gen


def convert(spec, m, sparse=None):
    """The converter with the spec's settings; `sparse=False` converts without
    EXPERIMENTAL_SPARSITY (a sparse model's dense twin)."""
    c = tf.lite.TFLiteConverter.from_keras_model(m)
    if spec.quant != "float32":
        c.optimizations = [tf.lite.Optimize.DEFAULT]
    if spec.sparse if sparse is None else sparse:
        c.optimizations = list(c.optimizations) + [tf.lite.Optimize.EXPERIMENTAL_SPARSITY]
    if spec.quant in ("int8", "int16x8"):
        c.representative_dataset = spec.rep(m) if spec.rep else random_rep(m, seed_of(spec.name) + 2)
    if spec.quant == "int8":
        c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if not spec.float_io:
            c.inference_input_type = tf.int8
            c.inference_output_type = tf.int8
    elif spec.quant == "int16x8":
        c.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        if not spec.float_io:
            c.inference_input_type = tf.int16
            c.inference_output_type = tf.int16
    elif spec.quant == "float16":
        c.target_spec.supported_types = [tf.float16]
    if not spec.per_channel:
        c._experimental_disable_per_channel = True
    if not spec.per_channel_fc:
        c._experimental_disable_per_channel_quantization_for_dense_layers = True
    # Keras' export prints the serving signature on stdout; keep the log readable.
    with contextlib.redirect_stdout(io.StringIO()):
        return c.convert()


def options_match(have, want):
    return all(have.get(k) == v for k, v in want.items())


def verify_ops(spec, desc):
    used = set()
    for op_name, want in spec.expect:
        for n, o in enumerate(desc["ops"]):
            if n not in used and o["op"] == op_name and options_match(o["options"], want):
                used.add(n)
                break
        else:
            raise Fail("no %s op with %s; ops: %s" % (op_name, want, [(o["op"], o["options"]) for o in desc["ops"]]))
    if spec.check:
        spec.check(desc)
    if spec.name not in ("conv_no_bias", "fc_no_bias") and spec.name != "digits_int8":
        check_bias_present(desc)


def run_random(path, desc, n=200):
    """TFLM outputs for the random inputs make_goldens.py will use (same seed: the final file name)."""
    final_name = os.path.basename(path).lstrip(".").replace(".tmp", "")
    rng = np.random.default_rng(zlib.crc32(final_name.encode("utf-8")))
    inputs = make_goldens.random_inputs(desc, n, rng)
    return make_goldens.run_samples(make_goldens.make_interpreter(path), desc, inputs)


def verify_outputs_vary(path, desc, n=200):
    """Fails if an output is constant over the random inputs make_goldens.py will use."""
    outs = run_random(path, desc, n)
    stats = {}
    for k, y in enumerate(outs):
        flat = y.reshape(n, -1)
        distinct = len({r.tobytes() for r in flat})
        if distinct < 2:
            raise Fail("output %d is constant over %d random inputs" % (k, n))
        s = {"distinct_rows": distinct}
        if flat.shape[1] > 1:
            s["distinct_argmax"] = len(set(flat.argmax(axis=1).tolist()))
        stats["output%d" % k] = s
    return stats


def write_dense_twin(spec, m, sparse_path, desc, out_path):
    """A sparse model's dense twin (the same Keras model converted without
    EXPERIMENTAL_SPARSITY), which TFLM, the oracle, can run (it has no DENSIFY and no sparse
    tensors). Fails unless the model really holds sparse tensors and LiteRT's reference kernels
    give bit-identical outputs for both files on the golden inputs."""
    if not any(t.get("sparse") for t in desc["tensors"].values()):
        raise Fail("no tensor is stored sparse: the converter kept the weights dense")
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "wb") as f:
        f.write(convert(spec, m, sparse=False))
    twin_desc = tflite_inspect.describe(out_path)
    rng = lambda: np.random.default_rng(zlib.crc32((spec.name + ".tflite").encode("utf-8")))  # noqa: E731
    outs = [make_goldens.run_samples(make_goldens.LiteRtRef(p), d, make_goldens.random_inputs(d, 200, rng()))
            for p, d in [(sparse_path, desc), (out_path, twin_desc)]]
    if any(not np.array_equal(a, b) for a, b in zip(*outs)):
        raise Fail("the dense twin's LiteRT-ref outputs differ from the sparse model's")
    print("  dense twin (TFLM runs it): LiteRT-ref outputs identical to the sparse model's on 200 inputs -> %s"
          % out_path)


def write_static_twin(path, shape, out_path):
    """The model at `path` with its first input fixed to `shape` and every tensor shape LiteRT's
    reference kernels infer from it (after one run) written into the file (shape_signature dropped): TFLM, the
    oracle, runs each tensor at its stored shape, and kiln's goldens need the fixed one. Returns
    `out_path`."""
    import flatbuffers

    it = tf.lite.Interpreter(model_path=path,
                             experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    it.resize_tensor_input(it.get_input_details()[0]["index"], list(shape))
    it.allocate_tensors()
    # Ops whose output shape depends on values (RESHAPE to a computed shape) size it when they run.
    for d in it.get_input_details():
        it.set_tensor(d["index"], np.zeros(d["shape"], d["dtype"]))
    it.invoke()
    inferred = {d["index"]: [int(x) for x in d["shape"]] for d in it.get_tensor_details()}
    m = tflite_inspect.load(path)
    changed = 0
    for i, t in enumerate(m.subgraphs[0].tensors):
        if t.shapeSignature is not None and any(int(d) < 0 for d in t.shapeSignature):
            t.shape = np.array(inferred[i], dtype=np.int32)
            t.shapeSignature = None
            changed += 1
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "wb") as f:
        f.write(b.Output())
    print("  static twin for input shape %s: %d tensor shapes from LiteRT -> %s" % (list(shape), changed, out_path))
    return out_path


def build_one(spec, out_dir, digits_dir):
    print("== %s" % spec.name, flush=True)
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed_of(spec.name))
    m = spec.build()
    data = convert(spec, m)
    tmp = os.path.join(out_dir, ".%s.tflite.tmp" % spec.name)
    with open(tmp, "wb") as f:
        f.write(data)
    try:
        desc = tflite_inspect.describe(tmp)
        if spec.patch:
            unpatched = run_random(tmp, desc)
            data = spec.patch(data)
            with open(tmp, "wb") as f:
                f.write(data)
            desc = tflite_inspect.describe(tmp)
            patched = run_random(tmp, desc)
            if any(not np.array_equal(a, b) for a, b in zip(unpatched, patched)):
                raise Fail("patched model gives different TFLM outputs than the converter's")
            print("  patched; TFLM outputs identical to the unpatched model on 200 random inputs")
        verify_ops(spec, desc)
        twin = os.path.join(out_dir, "static", spec.name + ".tflite")
        if spec.twin_shape:
            write_static_twin(tmp, spec.twin_shape, twin)
            stats = verify_outputs_vary(twin, tflite_inspect.describe(twin))
        elif spec.sparse:
            write_dense_twin(spec, m, tmp, desc, twin)
            stats = verify_outputs_vary(twin, tflite_inspect.describe(twin))
        else:
            if os.path.exists(twin):  # make_goldens.py would run a stale twin instead of the model
                os.remove(twin)
            stats = verify_outputs_vary(tmp, desc)
    except Fail:
        print(tflite_inspect.summary(tflite_inspect.describe(tmp)))
        os.remove(tmp)
        raise
    path = os.path.join(out_dir, spec.name + ".tflite")
    os.replace(tmp, path)
    print(tflite_inspect.summary(desc) if len(desc["ops"]) <= 12 else "  (%d ops)" % len(desc["ops"]))
    print("  ops: %s" % " ".join(tflite_inspect.op_list(desc)))
    print("  %d bytes; TFLM on 200 random inputs: %s" % (len(data), stats))
    if spec.name == "digits_int8":
        write_digits(desc, digits_dir)
    ops_count = {}
    for o in tflite_inspect.op_list(desc):
        ops_count[o] = ops_count.get(o, 0) + 1
    entry = {
        "exercises": spec.doc,
        "ops": ops_count,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "random_input_output_stats": stats,
    }
    if spec.input_shape:
        entry["input_shape"] = list(spec.input_shape)
    return entry


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "fixtures", "zoo"))
    ap.add_argument("--digits", default=os.path.join(REPO, "tests", "fixtures", "digits"))
    ap.add_argument("--list", action="store_true", help="list the models and exit")
    ap.add_argument("names", nargs="*", help="models to build (default: all)")
    args = ap.parse_args()
    if args.list:
        for name, s in REGISTRY.items():
            print("%-22s %s%s" % (name, s.doc, " (optional)" if s.optional else ""))
        return
    names = args.names or list(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        ap.error("unknown model(s): %s" % " ".join(unknown))
    os.makedirs(args.out, exist_ok=True)

    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    manifest.setdefault("models", {})
    manifest.setdefault("skipped", {})

    failed = []
    for name in names:
        spec = REGISTRY[name]
        try:
            manifest["models"][name] = build_one(spec, args.out, args.digits)
            manifest["skipped"].pop(name, None)
        except Exception as e:
            if not isinstance(e, Fail):
                import traceback
                traceback.print_exc()
            if spec.optional and isinstance(e, Fail):
                print("  SKIPPED (optional): %s" % e)
                manifest["models"].pop(name, None)
                manifest["skipped"][name] = str(e)[:500]
                stale = os.path.join(args.out, name + ".tflite")
                if os.path.exists(stale):
                    os.remove(stale)
            else:
                print("  FAILED: %s" % e)
                failed.append(name)
    manifest["models"] = {k: manifest["models"][k] for k in REGISTRY if k in manifest["models"]}
    manifest["generator"] = "tests/scripts/make_zoo.py (tensorflow %s, keras %s)" % (tf.__version__, keras.__version__)
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    if failed:
        print("make_zoo: failed: %s" % " ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
