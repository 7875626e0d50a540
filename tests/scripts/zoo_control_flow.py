"""Zoo models of the control-flow family: IF (`tf.cond`) and WHILE (`tf.while_loop`).

TensorFlow 2.21's converter keeps both as TFLite IF/WHILE ops with their branches, condition
and body in subgraphs of their own (checked: `expect` names the op, and the model has more than
one subgraph). In the int8 models the converter quantizes the layers inside the branches but
keeps the loop-carried tensors float32 (QUANTIZE/DEQUANTIZE inside the body), as it does for
any float control flow. TFLM's interpreter runs every model here (it has IF and WHILE kernels),
so it is the oracle.
"""

import numpy as np  # noqa: F401

from make_zoo import Fail, dense, conv, inp, keras, layers, model, one, tf  # noqa: F401


def subgraphs_at_least(n):
    def check(desc):
        if desc["subgraphs"] < n:
            raise Fail("expected at least %d subgraphs, the converter wrote %d" % (n, desc["subgraphs"]))
    return check


class IfDense(layers.Layer):
    """if sum(x) > 0: relu(A x + a) else: (B x + b) / 2, two FULLY_CONNECTED branches."""

    def build(self, shape):
        self.a = dense(12)
        self.b = dense(12)
        self.a.build(shape)
        self.b.build(shape)

    def call(self, x):
        return tf.cond(tf.reduce_sum(x) > 0.0, lambda: tf.nn.relu(self.a(x)), lambda: self.b(x) * 0.5)


class IfConv(layers.Layer):
    """if mean(x) > 0: 3x3 conv (relu) else: 1x1 conv, two CONV_2D branches on 6x6x3."""

    def build(self, shape):
        self.a = conv(8, 3, activation="relu")
        self.b = conv(8, 1)
        self.a.build(shape)
        self.b.build(shape)

    def call(self, x):
        return tf.cond(tf.reduce_mean(x) > 0.0, lambda: self.a(x), lambda: self.b(x))


class CounterLoop(layers.Layer):
    """Five iterations of y = 0.75 y + 0.1 (a fixed trip count)."""

    def call(self, x):
        _, y = tf.while_loop(lambda i, y: i < 5, lambda i, y: (i + 1, y * 0.75 + 0.1), [tf.constant(0), x])
        return y


class DataLoop(layers.Layer):
    """floor(2 sum|x|) iterations of y = 0.75 y + 0.1: the trip count depends on the input
    (0 to 32 for 16 inputs in [-1, 1])."""

    def call(self, x):
        n = tf.cast(tf.reduce_sum(tf.abs(x)) * 2.0, tf.int32)
        _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * 0.75 + 0.1), [tf.constant(0), x])
        return y


class LoopWithIf(layers.Layer):
    """A WHILE whose body holds an IF (nested control flow): on even steps y = 0.5 y + 0.2,
    on odd steps y = -y, for 1 + floor(4 |x0|) steps (a carried sign s picks the branch; TFLM's
    FLOOR_MOD has no int32 kernel for i % 2)."""

    def call(self, x):
        n = 1 + tf.cast(tf.abs(x[0, 0]) * 4.0, tf.int32)

        def body(i, s, y):
            y = tf.cond(s > 0.0, lambda: y * 0.5 + 0.2, lambda: -y)
            return i + 1, -s, y

        _, _, y = tf.while_loop(lambda i, s, y: i < n, body, [tf.constant(0), tf.constant(1.0), x])
        return y


def single(layer, shape):
    def build():
        x = inp(shape)
        return one(x, layer()(x))
    return build


for quant in ("float32", "int8"):
    model("if_fc_%s" % quant, "IF (tf.cond on sum(x) > 0) choosing between two FULLY_CONNECTED branches, %s" % quant,
          expect=[("IF", {})], check=subgraphs_at_least(3), quant=quant)(single(IfDense, (16,)))
    model("if_conv_%s" % quant, "IF (tf.cond on mean(x) > 0) choosing between a 3x3 and a 1x1 CONV_2D on 6x6x3, %s" % quant,
          expect=[("IF", {})], check=subgraphs_at_least(3), quant=quant)(single(IfConv, (6, 6, 3)))
    model("while_counter_%s" % quant, "WHILE with a fixed trip count (5 iterations of y = 0.75y + 0.1), %s" % quant,
          expect=[("WHILE", {})], check=subgraphs_at_least(3), quant=quant)(single(CounterLoop, (16,)))
    model("while_data_%s" % quant,
          "WHILE whose trip count depends on the input (floor(2 sum|x|) iterations, 0 to 32), %s" % quant,
          expect=[("WHILE", {})], check=subgraphs_at_least(3), quant=quant)(single(DataLoop, (16,)))
model("while_if_float32", "WHILE whose body holds an IF (nested control flow), trip count from the input, float32",
      expect=[("WHILE", {})], check=subgraphs_at_least(5), quant="float32")(single(LoopWithIf, (8,)))
