#!/usr/bin/env python3
"""Builds the benchmark-only models, too large to commit, into benches/models/ (gitignored):
MobileNetV1-1.0-224 (int8, 1000 classes, ~4.2 M parameters), made exactly like the zoo's
MobileNets by tests/scripts/make_zoo.py (random weights, calibrated batch norm, full int8).

    PY=$(bash tests/scripts/venv.sh zoo .venv-zoo) && $PY benches/make_bench_models.py
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "scripts"))
import make_zoo as zoo  # noqa: E402  (registers the zoo; we add one model beside it)


@zoo.model("mobilenet_v1_100_224", "MobileNetV1 alpha 1.0, 224x224x3, 1000 classes, random weights with "
           "calibrated batch norm (benchmark only: ~4.2 M parameters)",
           expect=[("CONV_2D", {}), ("DEPTHWISE_CONV_2D", {}), ("SOFTMAX", {})])
def _():
    x = zoo.inp((224, 224, 3))
    m = zoo.keras.applications.MobileNet(input_tensor=x, alpha=1.0, weights=None, classes=1000)
    return zoo.calibrate_random_net(m, "mobilenet_v1_100_224", n=64)


def main():
    out = os.path.join(HERE, "models")
    os.makedirs(out, exist_ok=True)
    entry = zoo.build_one(zoo.REGISTRY["mobilenet_v1_100_224"], out, os.path.join(HERE, "models"))
    print(entry)


if __name__ == "__main__":
    main()
