"""Read a .tflite flatbuffer and describe it (ops, options, tensors, quantization).

Uses the flatbuffer schema bindings that ship inside the `tflite-micro` wheel, so it
works in both the oracle venv and the zoo venv (no TensorFlow needed).

    python tflite_inspect.py MODEL.tflite...     # prints a summary of each model
"""

import sys

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema


def _enum_names(cls):
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


BUILTIN_NAMES = _enum_names(schema.BuiltinOperator)
TENSOR_TYPE_NAMES = _enum_names(schema.TensorType)
ACTIVATION_NAMES = _enum_names(schema.ActivationFunctionType)
PADDING_NAMES = _enum_names(schema.Padding)

NUMPY_DTYPES = {
    "INT8": np.int8,
    "UINT8": np.uint8,
    "INT16": np.int16,
    "INT32": np.int32,
    "INT64": np.int64,
    "FLOAT32": np.float32,
    "BOOL": np.bool_,
}
DTYPE_STRINGS = {
    "INT8": "int8",
    "UINT8": "uint8",
    "INT16": "int16",
    "INT32": "int32",
    "INT64": "int64",
    "FLOAT32": "float32",
    "BOOL": "bool",
}


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    return schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(bytearray(data), 0))


def _s(x):
    if isinstance(x, bytes):
        return x.decode("utf-8", "replace")
    return x


def op_name(model, op):
    code = model.operatorCodes[op.opcodeIndex]
    builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
    if builtin == schema.BuiltinOperator.CUSTOM:
        return "CUSTOM:" + str(_s(code.customCode))
    return BUILTIN_NAMES.get(builtin, str(builtin))


def options(op):
    """The builtin options of an op as a plain dict (enum values turned into names)."""
    opts = op.builtinOptions
    if opts is None:
        return {}
    out = {}
    for k, v in vars(opts).items():
        if k in ("fusedActivationFunction",):
            v = ACTIVATION_NAMES.get(v, v)
        elif k == "padding":
            v = PADDING_NAMES.get(v, v)
        elif isinstance(v, np.ndarray):
            v = v.tolist()
        out[k] = v
    return out


def tensor_info(model, sg, idx):
    t = sg.tensors[idx]
    q = t.quantization
    scale = zp = None
    qdim = None
    if q is not None and q.scale is not None and len(q.scale) > 0:
        scale = [float(s) for s in np.asarray(q.scale).ravel()]
        zp = [int(z) for z in np.asarray(q.zeroPoint).ravel()]
        qdim = int(q.quantizedDimension)
    type_name = TENSOR_TYPE_NAMES.get(t.type, str(t.type))
    shape = [] if t.shape is None else [int(d) for d in np.asarray(t.shape).ravel()]
    sig = None if t.shapeSignature is None else [int(d) for d in np.asarray(t.shapeSignature).ravel()]
    buf = model.buffers[t.buffer] if t.buffer is not None and t.buffer < len(model.buffers) else None
    is_const = buf is not None and buf.data is not None and len(buf.data) > 0
    return {
        "index": idx,
        "name": _s(t.name),
        "type": type_name,
        "dtype": DTYPE_STRINGS.get(type_name, type_name.lower()),
        "shape": shape,
        "shape_signature": sig,
        "scale": scale,
        "zero_point": zp,
        "quantized_dimension": qdim,
        "const": is_const,
        "sparse": t.sparsity is not None,
    }


def describe(path):
    """Returns {"ops": [...], "inputs": [...], "outputs": [...], "tensors": {...}} for subgraph 0."""
    model = load(path)
    sg = model.subgraphs[0]
    ops = []
    for op in sg.operators or []:
        ins = [int(i) for i in (op.inputs if op.inputs is not None else [])]
        outs = [int(i) for i in (op.outputs if op.outputs is not None else [])]
        ops.append(
            {
                "op": op_name(model, op),
                "inputs": ins,
                "outputs": outs,
                "options": options(op),
            }
        )
    tensors = {i: tensor_info(model, sg, i) for i in range(len(sg.tensors))}
    return {
        "subgraphs": len(model.subgraphs),
        "ops": ops,
        "inputs": [tensors[int(i)] for i in sg.inputs],
        "outputs": [tensors[int(i)] for i in sg.outputs],
        "tensors": tensors,
    }


def op_list(desc):
    return [o["op"] for o in desc["ops"]]


def summary(desc):
    """A human-readable multi-line summary."""
    t = desc["tensors"]
    lines = []

    def q(ti):
        if ti["scale"] is None:
            return ti["dtype"]
        if len(ti["scale"]) == 1:
            return "%s s=%.6g zp=%d" % (ti["dtype"], ti["scale"][0], ti["zero_point"][0])
        return "%s per-channel(%d, dim %d)" % (ti["dtype"], len(ti["scale"]), ti["quantized_dimension"])

    for i in desc["inputs"]:
        lines.append("  input  %-24s %-16s %s" % (i["name"][:24], i["shape"], q(i)))
    for n, o in enumerate(desc["ops"]):
        opts = o["options"]
        keep = {
            k: v
            for k, v in opts.items()
            if k
            in (
                "padding",
                "strideW",
                "strideH",
                "dilationWFactor",
                "dilationHFactor",
                "depthMultiplier",
                "fusedActivationFunction",
                "filterWidth",
                "filterHeight",
                "keepDims",
                "axis",
                "keepNumDims",
                "beta",
            )
        }
        ins = []
        for i in o["inputs"]:
            if i < 0:
                ins.append("-1")
            else:
                ti = t[i]
                ins.append("%s%s[%s]" % ("c" if ti["const"] else "t", i, q(ti)))
        lines.append("  %2d %-18s %s" % (n, o["op"], keep))
        lines.append("       in: %s" % ", ".join(ins))
        lines.append("       out: %s" % ", ".join("t%d%s[%s]" % (i, t[i]["shape"], q(t[i])) for i in o["outputs"]))
    for o in desc["outputs"]:
        lines.append("  output %-24s %-16s %s" % (o["name"][:24], o["shape"], q(o)))
    return "\n".join(lines)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        d = describe(p)
        print("%s: %s" % (p, " ".join(op_list(d))))
        print(summary(d))
