#!/usr/bin/env python3
"""uint8 legacy models (TF1 `quantized_uint8`: asymmetric per-tensor uint8 activations and
weights) from the real TF1 converter path, written to tests/fixtures/uint8/.

    make_uint8_models.py [--out DIR] [NAME...]

How a model is made (the way TF1 quantization-aware graphs were exported):
  1. The float graph is built twice with `tf.compat.v1` ops. The first build runs 64 uniform
     [-1, 1] inputs through it and records the min/max of every tensor wrapped in `fq(...)`
     (activation ranges: a calibration pass, widened to include 0 as TF1's nudging requires).
  2. The second build wraps those tensors in `tf.quantization.fake_quant_with_min_max_args`
     with the recorded ranges, and every weight tensor in `fake_quant_with_min_max_vars` with the
     weight's own min/max, so weight zero points are asymmetric (not 128).
  3. `tf.compat.v1.lite.TFLiteConverter.from_session` with `inference_type = tf.uint8` and
     `quantized_input_stats` converts it; every op then computes on uint8.

The oracle is LiteRT's reference kernels (make_goldens.py LITERT_ONLY: TFLM has no uint8 conv,
depthwise, FC, pooling or softmax kernels). Seeds come from crc32(model name), so reruns give
identical files. After writing each model the script checks the intended ops and that at least
one weight zero point is not 128.

Also writes error_*.tflite: valid TFLite that kiln rejects with a named error (no goldens).
"""

import argparse
import os
import sys
import zlib

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tflite_inspect  # noqa: E402

tf1 = tf.compat.v1
tf1.disable_eager_execution()

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "tests", "fixtures", "uint8")


class Builder:
    """Float ops with fake-quant wrappers; `ranges` None = calibration build (record ranges)."""

    def __init__(self, name, ranges):
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.ranges = ranges
        self.recorded = {}
        self.n = 0

    def fq(self, t):
        """An activation's fake quantization (its calibrated range)."""
        key = "fq%d" % self.n
        self.n += 1
        if self.ranges is None:
            self.recorded[key] = t
            return t
        lo, hi = self.ranges[key]
        return tf.quantization.fake_quant_with_min_max_args(t, min=lo, max=hi)

    def weight(self, shape, scale, shift=0.0):
        """Random weights, shifted off centre so the uint8 zero point is asymmetric."""
        w = (self.rng.normal(size=shape) * scale + shift * scale).astype(np.float32)
        lo, hi = float(min(w.min(), 0.0)), float(max(w.max(), 0.0))
        return tf.quantization.fake_quant_with_min_max_vars(tf.constant(w), min=tf.constant(lo), max=tf.constant(hi))

    def classifier(self, x, units):
        """1x1 conv logits normalized over the calibration inputs (per-class mean 0, std 2), so
        that the argmax varies with the input (random weights alone give a constant class)."""
        cin = int(x.shape[-1])
        w = (self.rng.normal(size=(1, 1, cin, units)) / np.sqrt(cin)).astype(np.float32)
        key = "cls%d" % self.n
        self.n += 1
        if self.ranges is None:
            y = tf.nn.conv2d(x, tf.constant(w), strides=1, padding="SAME")
            self.recorded[key] = y
            return y
        mean, std = self.ranges[key]
        w = (w * (2.0 / std)).astype(np.float32)
        lo, hi = float(w.min()), float(w.max())
        wq = tf.quantization.fake_quant_with_min_max_vars(tf.constant(w), min=tf.constant(lo), max=tf.constant(hi))
        y = tf.nn.conv2d(x, wq, strides=1, padding="SAME")
        y = tf.nn.bias_add(y, tf.constant((-mean * 2.0 / std).astype(np.float32)))
        # Mean 0, std 2 by construction: a fixed range (the calibration build never saw these logits).
        return tf.quantization.fake_quant_with_min_max_args(y, min=-8.0, max=8.0)

    def bias(self, n, scale=0.2):
        return tf.constant(self.rng.uniform(-scale, scale, size=n).astype(np.float32))

    def conv(self, x, cout, k, stride=1, padding="SAME", act=None, shift=0.5, dilation=1):
        cin = int(x.shape[-1])
        w = self.weight((k[0], k[1], cin, cout), 1.0 / np.sqrt(k[0] * k[1] * cin), shift)
        y = tf.nn.conv2d(x, w, strides=[1, stride, stride, 1], padding=padding, dilations=[1, dilation, dilation, 1])
        y = tf.nn.bias_add(y, self.bias(cout))
        return self.fq(act(y) if act else y)

    def dwconv(self, x, mult, k, stride=1, padding="SAME", act=None, shift=-0.7):
        cin = int(x.shape[-1])
        w = self.weight((k[0], k[1], cin, mult), 1.0 / np.sqrt(k[0] * k[1]), shift)
        y = tf.nn.depthwise_conv2d(x, w, strides=[1, stride, stride, 1], padding=padding)
        y = tf.nn.bias_add(y, self.bias(cin * mult))
        return self.fq(act(y) if act else y)

    def fc(self, x, units, act=None, shift=0.3):
        depth = int(x.shape[-1])
        w = self.weight((depth, units), 1.0 / np.sqrt(depth), shift)
        y = tf.nn.bias_add(tf.matmul(x, w), self.bias(units))
        return self.fq(act(y) if act else y)


def relu6(x):
    return tf.nn.relu6(x)


# name -> (input shape, body(builder, x) -> output, expected ops, what it exercises)
MODELS = {
    "u8_conv_same_relu": (
        [1, 9, 9, 3], lambda b, x: b.conv(x, 8, (3, 3), 1, "SAME", tf.nn.relu),
        ["CONV_2D"], "CONV_2D 3x3 stride 1 SAME on 9x9x3 -> 8, fused RELU"),
    "u8_conv_s2_valid_relu6": (
        [1, 10, 10, 4], lambda b, x: b.conv(x, 6, (3, 3), 2, "VALID", relu6),
        ["CONV_2D"], "CONV_2D 3x3 stride 2 VALID on 10x10x4 -> 6, fused RELU6"),
    "u8_conv_s2_same_even": (
        [1, 10, 10, 3], lambda b, x: b.conv(x, 5, (3, 5), 2, "SAME", None, shift=-1.0),
        ["CONV_2D"], "CONV_2D 3x5 stride 2 SAME on even 10x10 (padding 0 before, 1 after), no activation"),
    "u8_dwconv_relu6": (
        [1, 8, 8, 6], lambda b, x: b.dwconv(x, 1, (3, 3), 1, "SAME", relu6),
        ["DEPTHWISE_CONV_2D"], "DEPTHWISE_CONV_2D 3x3 stride 1 SAME multiplier 1 on 8x8x6, fused RELU6"),
    "u8_dwconv_mult2_s2": (
        [1, 9, 9, 4], lambda b, x: b.dwconv(x, 2, (3, 3), 2, "SAME", tf.nn.relu, shift=1.0),
        ["DEPTHWISE_CONV_2D"], "DEPTHWISE_CONV_2D 3x3 stride 2 SAME depth multiplier 2 (4 -> 8) on 9x9, fused RELU"),
    "u8_dwconv_valid_n1": (
        [1, 7, 9, 3], lambda b, x: b.dwconv(x, 1, (3, 2), 1, "VALID", lambda y: tf.clip_by_value(y, -1.0, 1.0), shift=0.3),
        ["DEPTHWISE_CONV_2D"], "DEPTHWISE_CONV_2D 3x2 stride 1 VALID on 7x9x3, clip(-1, 1) fused as RELU_N1_TO_1"),
    "u8_fc": (
        [1, 32], lambda b, x: b.fc(b.fc(x, 16, tf.nn.relu), 10, None, shift=-0.5),
        ["FULLY_CONNECTED", "FULLY_CONNECTED"], "FULLY_CONNECTED 32 -> 16 RELU -> FULLY_CONNECTED 10"),
    "u8_avgpool": (
        [1, 10, 10, 4],
        lambda b, x: b.fq(tf.nn.avg_pool2d(tf.nn.avg_pool2d(x, 3, 2, "SAME"), 2, 2, "VALID")),
        ["AVERAGE_POOL_2D", "AVERAGE_POOL_2D"], "AVERAGE_POOL_2D 3x3/2 SAME (partial windows) then 2x2/2 VALID"),
    "u8_maxpool": (
        [1, 9, 9, 4],
        lambda b, x: b.fq(tf.nn.max_pool2d(tf.nn.max_pool2d(x, 3, 2, "SAME"), 2, 1, "VALID")),
        ["MAX_POOL_2D", "MAX_POOL_2D"], "MAX_POOL_2D 3x3/2 SAME then 2x2/1 VALID"),
    "u8_softmax": (
        [1, 16], lambda b, x: b.fq(tf.nn.softmax(b.fc(x, 10, None, shift=0.2) * 1.0)),
        ["FULLY_CONNECTED", "SOFTMAX"], "FULLY_CONNECTED 16 -> 10 -> SOFTMAX (uint8, scale 1/256, zero point 0)"),
    "u8_concat": (
        [1, 6, 6, 3],
        lambda b, x: b.fq(tf.concat([b.conv(x, 3, (1, 1), 1, "SAME", tf.nn.relu),
                                     b.conv(x, 5, (3, 3), 1, "SAME", None, shift=2.0)], axis=3)),
        ["CONV_2D", "CONV_2D", "CONCATENATION"],
        "two conv branches with different output ranges concatenated on the channel axis"),
    "u8_conv_dilated": (
        [1, 12, 12, 3], lambda b, x: b.conv(x, 6, (3, 3), 1, "SAME", tf.nn.relu, shift=1.5, dilation=2),
        ["CONV_2D"], "CONV_2D 3x3 dilation 2 SAME on 12x12x3 -> 6, fused RELU"),
    # A max pool keeps its input's range, so all three operands share the output's quantization:
    # the copy path (no rescaling).
    "u8_concat_equal": (
        [1, 6, 6, 3],
        lambda b, x: tf.quantization.fake_quant_with_min_max_args(
            tf.concat([x, tf.nn.max_pool2d(x, 3, 1, "SAME"), tf.nn.max_pool2d(x, 2, 1, "SAME")], axis=3),
            min=-1.0, max=1.0),
        ["MAX_POOL_2D", "MAX_POOL_2D", "CONCATENATION"],
        "the input and two stride-1 max pools of it (one quantization) concatenated on channels: bytes copied"),
    "u8_add": (
        [1, 6, 6, 4],
        lambda b, x: b.fq(tf.nn.relu(b.conv(x, 4, (3, 3), 1, "SAME", None) +
                                     b.conv(x, 4, (1, 1), 1, "SAME", None, shift=-2.0))),
        ["CONV_2D", "CONV_2D", "ADD"], "two conv branches with different output ranges added, fused RELU"),
}


def mobilenet(b, x):
    """MobileNetV1-style: conv s2, two depthwise-separable blocks, average pool, 1x1 classifier,
    squeeze, softmax."""
    y = b.conv(x, 8, (3, 3), 2, "SAME", relu6)
    y = b.dwconv(y, 1, (3, 3), 1, "SAME", relu6)
    y = b.conv(y, 16, (1, 1), 1, "SAME", relu6)
    y = b.dwconv(y, 1, (3, 3), 2, "SAME", relu6)
    y = b.conv(y, 24, (1, 1), 1, "SAME", relu6)
    y = b.fq(tf.nn.avg_pool2d(y, 8, 8, "VALID"))
    y = b.classifier(y, 10)
    y = tf.squeeze(y, [1, 2])
    return b.fq(tf.nn.softmax(y))


MODELS["u8_mobilenet"] = (
    [1, 32, 32, 3], mobilenet,
    ["CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "AVERAGE_POOL_2D", "CONV_2D",
     "RESHAPE", "SOFTMAX"],
    "MobileNetV1-style chain: CONV_2D 3x3/2 RELU6, 2 x (DEPTHWISE_CONV_2D 3x3 RELU6 + CONV_2D 1x1 RELU6), "
    "AVERAGE_POOL_2D 8x8, CONV_2D 1x1 classifier, squeeze, SOFTMAX")


MODELS["u8_float_io"] = (
    [1, 8, 8, 3],
    lambda b, x: b.fq(tf.nn.max_pool2d(b.conv(x, 6, (3, 3), 1, "SAME", tf.nn.relu), 2, 2, "VALID")),
    ["QUANTIZE", "CONV_2D", "MAX_POOL_2D", "DEQUANTIZE"],
    "float32 I/O: QUANTIZE float32 -> uint8, CONV_2D RELU, MAX_POOL_2D, DEQUANTIZE uint8 -> float32")
# Converted with float32 model inputs and outputs (inference_input_type / inference_output_type).
FLOAT_IO = {"u8_float_io"}


def build(name, ranges):
    shape, body, _, _ = MODELS[name]
    g = tf1.Graph()
    with g.as_default():
        b = Builder(name, ranges)
        # The calibration build takes a batch of inputs; the converted one batch 1.
        x = tf1.placeholder(tf.float32, [None] + shape[1:] if ranges is None else shape, name="input")
        xq = tf.quantization.fake_quant_with_min_max_args(x, min=-1.0, max=1.0)
        y = tf.identity(body(b, xq), name="output")
    return g, b, x, y


def calibrate(name):
    g, b, x, _ = build(name, None)
    rng = np.random.default_rng(zlib.crc32(name.encode()) + 1)
    xs = rng.uniform(-1, 1, size=[64] + MODELS[name][0][1:]).astype(np.float32)
    with tf1.Session(graph=g) as sess:
        keys = sorted(b.recorded)
        vals = sess.run([b.recorded[k] for k in keys], {x: xs})
    out = {}
    for k, v in zip(keys, vals):
        if k.startswith("cls"):
            out[k] = (v.reshape(-1, v.shape[-1]).mean(axis=0), float(v.std()))
        else:
            # TF1's nudging needs 0 inside [min, max].
            out[k] = (float(min(v.min(), 0.0)), float(max(v.max(), 0.0)))
    return out


def convert(name):
    g, _, x, y = build(name, calibrate(name))
    with tf1.Session(graph=g) as sess:
        c = tf1.lite.TFLiteConverter.from_session(sess, [x], [y])
        c.inference_type = tf.uint8
        # real = (q - mean) / std: uint8 [0, 255] covers [-1, 1].
        c.quantized_input_stats = {"input": (127.5, 127.5)}
        if name in FLOAT_IO:
            c.inference_input_type = tf.float32
            c.inference_output_type = tf.float32
        return c.convert()


def check(name, path):
    desc = tflite_inspect.describe(path)
    ops = tflite_inspect.op_list(desc)
    want = MODELS[name][2]
    # The converter may add ops (a uint8 -> uint8 QUANTIZE where ranges meet): each wanted op
    # must appear, in order.
    it = iter(ops)
    if not all(any(o == w for o in it) for w in want):
        raise SystemExit("%s: ops %s, expected %s in this order" % (name, ops, want))
    tensors = desc["tensors"].values() if isinstance(desc["tensors"], dict) else desc["tensors"]
    dtypes = {t["dtype"] for t in tensors}
    if not dtypes <= {"uint8", "int32"} | ({"float32"} if name in FLOAT_IO else set()):
        raise SystemExit("%s: tensor types %s (expected uint8 with int32 biases and shapes)" % (name, dtypes))
    weights = [t for t in tensors if t["const"] and t["dtype"] == "uint8"]
    if weights and all(t["zero_point"][0] == 128 for t in weights):
        raise SystemExit("%s: every uint8 weight zero point is 128 (want asymmetric weights)" % name)
    return ops


def write_error_models(out):
    """Models kiln must reject by name (tests/tests/uint8.rs), edited from u8_conv_same_relu with
    the schema's object API: its filter quantized per output channel (8 scales and zero points;
    LiteRT's uint8 kernels are per-tensor only)."""
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    model = tflite_inspect.load(os.path.join(out, "u8_conv_same_relu.tflite"))
    sg = model.subgraphs[0]
    filt = sg.tensors[sg.operators[0].inputs[1]]
    q = filt.quantization
    oc = filt.shape[0]
    q.scale = [float(q.scale[0])] * oc
    q.zeroPoint = [int(q.zeroPoint[0])] * oc
    q.quantizedDimension = 0
    write(model, os.path.join(out, "error_u8_per_channel.tflite"))
    print("error_u8_per_channel: filter %r quantized per channel (%d scales)" % (filt.name, oc))

    # The bias scale 10x input scale x filter scale (LiteRT's prepare rejects it).
    model = tflite_inspect.load(os.path.join(out, "u8_conv_same_relu.tflite"))
    sg = model.subgraphs[0]
    bias = sg.tensors[sg.operators[0].inputs[2]]
    bias.quantization.scale = [float(bias.quantization.scale[0]) * 10]
    write(model, os.path.join(out, "error_u8_bias_scale.tflite"))
    print("error_u8_bias_scale: bias %r scale x10" % bias.name)


def write(model, path):
    import flatbuffers

    b = flatbuffers.Builder(1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    with open(path, "wb") as f:
        f.write(bytes(b.Output()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=OUT)
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for name in a.names or MODELS:
        tf1.set_random_seed(zlib.crc32(name.encode()))
        data = convert(name)
        path = os.path.join(a.out, name + ".tflite")
        with open(path, "wb") as f:
            f.write(data)
        ops = check(name, path)
        print("%s: %d bytes, %s" % (name, len(data), " ".join(ops)))
    if not a.names or "u8_conv_same_relu" in a.names:
        write_error_models(a.out)


if __name__ == "__main__":
    main()
