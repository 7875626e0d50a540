#!/usr/bin/env python3
"""Run models through the TFLM interpreter (the numerical oracle) and write golden I/O.

    make_goldens.py --out DIR [--samples N] [--images DIR] [--digits DIR] MODEL.tflite...

For every MODEL this writes DIR/<stem>/:
  input<k>.bin   N random samples for model input k, concatenated, raw little-endian
                 values of the input's dtype (int8: 1 byte each, float32: 4 bytes LE, ...).
  output<k>.bin  TFLM's outputs for those samples, same encoding.
  meta.json      model name, N, seed, input/output names, shapes, dtypes and quantization,
                 the op list, and TFLM's arena use (RecordingMicroAllocator's figures,
                 plus its raw text under "tflm_allocations").

Random inputs come from numpy's PCG64 seeded with zlib.crc32(<file name>), so reruns
are identical. int8/uint8/int16 inputs are uniform over the type's full range; a float32
input that feeds a QUANTIZE op is uniform over the real range that QUANTIZE's int8
output can represent, ((q_min - zp) * scale, (q_max - zp) * scale); other float32
inputs are uniform in [-1, 1].

--images DIR: for person_detect.tflite, also run DIR/person.bmp and DIR/no_person.bmp
  (96x96 8-bit grayscale BMPs) exactly as TFLM's person_detection_test.cc feeds them: the
  pixel bytes in top-down row order (what generate_cc_arrays.py's PIL `tobytes()` gives;
  the BMP stores rows bottom-up) are memcpy'd into the int8 input tensor, i.e. each uint8
  pixel is *reinterpreted* as int8 (p < 128 -> p, p >= 128 -> p - 256), not `p - 128`.
  (Measured: only this mapping gives person > no-person on person.bmp and the reverse on
  no_person.bmp; `p - 128` classifies person.bmp as "no person".) Writes
  DIR_OUT/person_detect/images/<stem>.input0.bin / .output0.bin.
--digits DIR: for digits_int8.tflite, run DIR/test_input0.bin (written by make_zoo.py,
  the held-out split of scikit-learn's digits quantized with the model's input
  scale/zero point), write DIR/test_output0.bin and add TFLM's accuracy to DIR/meta.json.

Only needs numpy and tflite-micro (tests/scripts/requirements-oracle.txt), except for models TFLM
cannot load (float16 weights: DEQUANTIZE float16 -> float32; dynamic-range hybrid kernels): those
run on LiteRT's reference kernels (OpResolverType.BUILTIN_REF) from ai-edge-litert or, failing
that, TensorFlow's tf.lite; if this python has neither (the oracle venv without ai-edge-litert),
the model is rerun under the zoo venv's python (.venv-zoo, TensorFlow). Measured: ai-edge-litert
2.3.0 and TensorFlow 2.21's tf.lite give byte-identical goldens for every such zoo model. meta.json's "oracle" says which interpreter produced
the outputs; for LiteRT there is no TFLM arena figure ("tflm_arena_*" are null) and
"activation_bytes_no_reuse" is the size of all non-constant tensors instead.
"""

import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
from tflite_micro import runtime as tflm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tflite_inspect  # noqa: E402

ARENA_SIZE = 16 << 20

# Little-endian numpy dtypes for the binary files.
FILE_DTYPES = {
    "int8": "<i1",
    "uint8": "<u1",
    "int16": "<i2",
    "int32": "<i4",
    "int64": "<i8",
    "uint32": "<u4",
    "uint64": "<u8",
    "float32": "<f4",
    "bool": "<u1",
}

QUANT_RANGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767)}


def seed_for(model_path):
    return zlib.crc32(os.path.basename(model_path).encode("utf-8"))


def capture_stderr(fn):
    """Runs fn() and returns what it (or the C++ code under it) wrote to file descriptor 2."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            fn()
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        return tmp.read().decode("utf-8", "replace")


def parse_allocations(text):
    out = {}
    for key in ("total", "head", "tail"):
        m = re.search(r"Arena allocation %s (\d+) bytes" % key, text)
        out[key] = int(m.group(1)) if m else None
    return out


def scalar_quant(t):
    if t["scale"] is None:
        return None, None
    if len(t["scale"]) != 1:
        raise ValueError("model I/O tensor %r is per-channel quantized" % t["name"])
    return t["scale"][0], t["zero_point"][0]


def io_entry(t):
    scale, zp = scalar_quant(t)
    return {
        "name": t["name"],
        "shape": t["shape"],
        "dtype": t["dtype"],
        "scale": scale,
        "zero_point": zp,
    }


def float_input_range(desc, tensor_index):
    """The real range to draw a float input from (see the module docstring)."""
    for op in desc["ops"]:
        if op["op"] == "QUANTIZE" and op["inputs"] and op["inputs"][0] == tensor_index:
            q = desc["tensors"][op["outputs"][0]]
            scale, zp = scalar_quant(q)
            if scale is not None and q["dtype"] in QUANT_RANGES:
                qmin, qmax = QUANT_RANGES[q["dtype"]]
                return (qmin - zp) * scale, (qmax - zp) * scale
    return -1.0, 1.0


def random_inputs(desc, n, rng):
    arrays = []
    for t in desc["inputs"]:
        shape = (n,) + tuple(t["shape"])
        dt = t["dtype"]
        if dt in QUANT_RANGES:
            lo, hi = QUANT_RANGES[dt]
            a = rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64).astype(dt)
        elif dt == "float32":
            lo, hi = float_input_range(desc, t["index"])
            a = rng.uniform(lo, hi, size=shape).astype(np.float32)
        elif dt == "int32":
            a = rng.integers(-1000, 1000, size=shape, endpoint=True, dtype=np.int64).astype(np.int32)
        elif dt in ("uint32", "uint64"):
            # TFLM's signal ops (energies, filter-bank channels): the type's full range.
            a = rng.integers(0, np.iinfo(dt).max, size=shape, endpoint=True, dtype=np.uint64).astype(dt)
        elif dt == "bool":
            a = rng.integers(0, 1, size=shape, endpoint=True).astype(np.bool_)
        else:
            raise ValueError("unsupported input dtype %s" % dt)
        arrays.append(a)
    return arrays


class NoLiteRt(RuntimeError):
    pass


# The zoo venv has TensorFlow (tf.lite = LiteRT); used when this python has neither TFLM-runnable
# models' oracle nor ai-edge-litert (e.g. make_fixtures.sh runs this script in the oracle venv).
ZOO_PYTHON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".venv-zoo", "bin", "python")


# Ops whose LiteRT BUILTIN and BUILTIN_REF resolvers register one and the same kernel function
# (register.cc and register_ref.cc both add Register_TILE()), differing only in the versions.
SAME_KERNEL_IN_BUILTIN = {"TILE"}


class LiteRtRef:
    """LiteRT (TFLite) with its reference kernels (OpResolverType.BUILTIN_REF), behind the TFLM
    interpreter's interface. The oracle for models TFLM cannot load: float16 weights (DEQUANTIZE
    float16 -> float32) and dynamic-range (hybrid) models. Uses the ai-edge-litert package if
    installed, else TensorFlow's tf.lite (the zoo venv), which is the same interpreter."""

    def __init__(self, path):
        try:
            from ai_edge_litert import interpreter as lite

            self.oracle = "litert-ref (ai-edge-litert %s, OpResolverType.BUILTIN_REF)" % _version("ai-edge-litert")
        except ImportError:
            try:
                os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
                from tensorflow import lite
                lite.OpResolverType = lite.experimental.OpResolverType
                self.oracle = "litert-ref (tensorflow %s tf.lite, OpResolverType.BUILTIN_REF)" % _version("tensorflow-cpu")
            except ImportError:
                raise NoLiteRt(
                    "TFLM cannot run %s and neither ai-edge-litert nor tensorflow is installed for the "
                    "LiteRT reference interpreter" % path
                )
        try:
            self.it = lite.Interpreter(model_path=path, experimental_op_resolver_type=lite.OpResolverType.BUILTIN_REF,
                                       num_threads=1)
        except ValueError as e:
            # BUILTIN_REF registers some kernels for fewer versions than BUILTIN does, though both
            # register the very same kernel (TILE: Register_TILE(), versions 1-2 in register_ref.cc,
            # 1-3 in register.cc, so int8/int16 TILE (version 3) is missing). Only then, and only
            # when every op of the model is such a shared kernel, use the BUILTIN resolver.
            ops = set(tflite_inspect.op_list(tflite_inspect.describe(path)))
            if "Didn't find op for builtin opcode" not in str(e) or not ops <= SAME_KERNEL_IN_BUILTIN:
                raise
            self.it = lite.Interpreter(model_path=path, experimental_op_resolver_type=lite.OpResolverType.BUILTIN,
                                       num_threads=1)
            self.oracle = self.oracle.replace(
                "OpResolverType.BUILTIN_REF",
                "OpResolverType.BUILTIN: %s is the same kernel as in BUILTIN_REF, which lacks this op version"
                % "/".join(sorted(ops)))
        self.it.allocate_tensors()
        self.ins = self.it.get_input_details()
        self.outs = self.it.get_output_details()

    def set_input(self, x, k):
        self.it.set_tensor(self.ins[k]["index"], np.asarray(x).reshape(self.ins[k]["shape"]))

    def invoke(self):
        self.it.invoke()

    def get_output(self, k):
        return self.it.get_tensor(self.outs[k]["index"])

    def print_allocations(self):
        pass


def _version(dist):
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:
        return "?"


ITEM_BYTES = {"float32": 4, "float16": 2, "int8": 1, "uint8": 1, "int16": 2, "int32": 4, "int64": 8, "uint32": 4, "uint64": 8, "bool": 1}


def activation_bytes(desc):
    """Bytes of every non-constant tensor in the file (incl. DEQUANTIZE outputs): the arena a
    planner without reuse would need. The arena yardstick for models TFLM cannot run."""
    total = 0
    for t in desc["tensors"].values() if isinstance(desc["tensors"], dict) else desc["tensors"]:
        if not t["const"]:
            total += int(np.prod(t["shape"], dtype=np.int64)) * ITEM_BYTES.get(t["dtype"], 4)
    return total


# Models whose TFLM outputs are undefined although TFLM runs them: LiteRT-ref is their oracle.
LITERT_ONLY = {
    "detection_postprocess_float_multiclass":
        "TFLM's fast NMS with max_classes_per_detection > 1 skips output slots and writes past its "
        "output tensors (detection_postprocess.cc: box_offset = k * output_box_index + col, with "
        "output_box_index advanced once per class)",
    "detection_postprocess_uint8":
        "TFLM's kernel decodes float32 inputs only (its Invoke fails on uint8 box encodings); LiteRT "
        "dequantizes uint8 inputs and anchors inside the op",
}


# TF1 quantized_uint8 models (make_uint8_models.py, tests/fixtures/uint8/u8_*): the issue names
# LiteRT's reference kernels as their oracle. TFLM is cross-checked on the same inputs where it runs
# them (meta.json "tflm_cross_check").
UINT8_PREFIX = "u8_"
UINT8_REASON = ("uint8 legacy model: LiteRT's reference kernels are the oracle for uint8 arithmetic "
                "(TFLM dropped most uint8 kernels)")


def litert_only_reason(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    return LITERT_ONLY.get(stem) or (UINT8_REASON if stem.startswith(UINT8_PREFIX) else None)


def tflm_cross_check(path, desc, inputs, outputs):
    """How TFLM's outputs compare with the oracle's on the same inputs (or why TFLM cannot run it)."""
    try:
        it = tflm.Interpreter.from_file(path, arena_size=ARENA_SIZE)
        got = run_samples(it, desc, inputs)
    except Exception as e:
        return "TFLM cannot run it: %s: %s" % (type(e).__name__, str(e).strip().splitlines()[0][:200] if str(e).strip() else "")
    total = sum(o.size for o in outputs)
    diff = sum(int(np.sum(a.astype(np.int64) != b.astype(np.int64))) for a, b in zip(got, outputs))
    if diff == 0:
        return "TFLM identical on all %d output elements" % total
    worst = max(int(np.max(np.abs(a.astype(np.int64) - b.astype(np.int64)))) for a, b in zip(got, outputs))
    return "TFLM differs on %d of %d output elements (max |diff| %d)" % (diff, total, worst)


def make_interpreter(path):
    """TFLM's interpreter (oracle "tflm"); LiteRT-ref when TFLM cannot load or run the model,
    or when its outputs are undefined (LITERT_ONLY), or for the uint8 legacy models."""
    reason = litert_only_reason(path)
    if reason:
        it = LiteRtRef(path)
        it.tflm_error = "not used: " + reason
        return it
    try:
        it = tflm.Interpreter.from_file(path, arena_size=ARENA_SIZE)
        it.oracle = "tflm"
        return it
    except Exception as e:  # TFLM rejects the model (e.g. float16 DEQUANTIZE, hybrid kernels)
        tflm_error = "%s: %s" % (type(e).__name__, str(e).strip()[:300])
    it = LiteRtRef(path)
    it.tflm_error = tflm_error
    return it


def run_samples(interp, desc, inputs):
    """inputs: list (per model input) of arrays shaped (n, *shape). Returns per-output arrays."""
    n = inputs[0].shape[0] if inputs else 0
    outs = [[] for _ in desc["outputs"]]
    for s in range(n):
        for k, a in enumerate(inputs):
            interp.set_input(np.ascontiguousarray(a[s]), k)
        interp.invoke()
        for k, o in enumerate(desc["outputs"]):
            y = np.array(interp.get_output(k), copy=True)
            if list(y.shape) != list(o["shape"]):
                y = y.reshape(o["shape"])
            outs[k].append(y)
    return [np.stack(o) for o in outs]


def write_bin(path, array, dtype_name):
    np.ascontiguousarray(array).astype(FILE_DTYPES[dtype_name]).tofile(path)


def read_bmp_gray(path):
    """An 8-bit palettized (grayscale) or 24/32-bit BMP as a (height, width) uint8 array, top row first."""
    with open(path, "rb") as f:
        d = f.read()
    if d[:2] != b"BM":
        raise ValueError("%s: not a BMP file" % path)
    pix_off = struct.unpack_from("<I", d, 10)[0]
    hdr_size = struct.unpack_from("<I", d, 14)[0]
    width, height, _planes, bpp, comp = struct.unpack_from("<iiHHI", d, 18)
    if comp not in (0, 3):
        raise ValueError("%s: compressed BMP (%d) not supported" % (path, comp))
    top_down = height < 0
    h, w = abs(height), width
    row_bytes = ((bpp * w + 31) // 32) * 4
    rows = []
    for r in range(h):
        start = pix_off + r * row_bytes
        rows.append(np.frombuffer(d, dtype=np.uint8, count=(bpp // 8) * w, offset=start))
    raw = np.stack(rows)
    if bpp == 8:
        ncolors = struct.unpack_from("<I", d, 46)[0] or 256
        pal = np.frombuffer(d, dtype=np.uint8, count=4 * ncolors, offset=14 + hdr_size).reshape(-1, 4)
        bgr = pal[raw][..., :3].astype(np.float64)
        if not (np.all(bgr[..., 0] == bgr[..., 1]) and np.all(bgr[..., 1] == bgr[..., 2])):
            raise ValueError("%s: palette is not grayscale" % path)
        gray = bgr[..., 0].astype(np.uint8)
    elif bpp in (24, 32):
        px = raw.reshape(h, w, bpp // 8)[..., :3].astype(np.float64)
        gray = np.round(0.114 * px[..., 0] + 0.587 * px[..., 1] + 0.299 * px[..., 2]).astype(np.uint8)
    else:
        raise ValueError("%s: %d-bit BMP not supported" % (path, bpp))
    if not top_down:
        gray = gray[::-1]  # BMP rows are stored bottom-up unless the height is negative
    return np.ascontiguousarray(gray)


def person_images(model_path, desc, images_dir, out_dir):
    """Runs person.bmp / no_person.bmp through person_detect. Returns False if the scores look wrong."""
    (inp,) = desc["inputs"]
    (outp,) = desc["outputs"]
    img_dir = os.path.join(out_dir, "images")
    os.makedirs(img_dir, exist_ok=True)
    interp = make_interpreter(model_path)
    ok = True
    # TFLM's person_detection example: output index 0 = "no person", 1 = "person".
    for stem, want_person in (("person", True), ("no_person", False)):
        bmp = os.path.join(images_dir, stem + ".bmp")
        gray = read_bmp_gray(bmp)
        # Reinterpret the uint8 pixel bytes as int8, as the TFLM test's memcpy does.
        x = gray.view(np.int8).reshape(inp["shape"])
        (y,) = run_samples(interp, desc, [x[None]])
        write_bin(os.path.join(img_dir, stem + ".input0.bin"), x, inp["dtype"])
        write_bin(os.path.join(img_dir, stem + ".output0.bin"), y[0], outp["dtype"])
        no_person, person = int(y[0].ravel()[0]), int(y[0].ravel()[1])
        good = (person > no_person) if want_person else (no_person > person)
        ok = ok and good
        print(
            "  %s.bmp: person score %d, no-person score %d -> %s (%s)"
            % (stem, person, no_person, "person" if person > no_person else "no person", "ok" if good else "WRONG")
        )
    return ok


def digits_split(model_path, desc, digits_dir):
    """Runs the held-out digits split and writes test_output0.bin and the accuracy."""
    (inp,) = desc["inputs"]
    (outp,) = desc["outputs"]
    meta_path = os.path.join(digits_dir, "meta.json")
    with open(meta_path) as f:
        meta = json.load(f)
    n = meta["count"]
    x = np.fromfile(os.path.join(digits_dir, "test_input0.bin"), dtype=FILE_DTYPES[inp["dtype"]])
    x = x.reshape((n,) + tuple(inp["shape"]))
    labels = np.fromfile(os.path.join(digits_dir, "test_labels.bin"), dtype=np.uint8)
    assert labels.shape == (n,)
    (y,) = run_samples(make_interpreter(model_path), desc, [x])
    write_bin(os.path.join(digits_dir, "test_output0.bin"), y, outp["dtype"])
    pred = y.reshape(n, -1).argmax(axis=1)
    acc = float(np.mean(pred == labels))
    meta["tflm_int8_accuracy"] = acc
    meta["tflm_correct"] = int(np.sum(pred == labels))
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print("  digits held-out split: TFLM int8 accuracy %.4f (%d/%d)" % (acc, int(np.sum(pred == labels)), n))


def output_stats(outputs):
    """Short human-readable evidence that the outputs depend on the input."""
    parts = []
    for k, y in enumerate(outputs):
        flat = y.reshape(y.shape[0], -1)
        distinct_rows = len({r.tobytes() for r in flat})
        s = "out%d: %d distinct rows, range [%s, %s]" % (k, distinct_rows, flat.min(), flat.max())
        if 1 < flat.shape[1] <= 1000:
            s += ", %d distinct argmax" % len(set(flat.argmax(axis=1).tolist()))
        parts.append(s)
    return "; ".join(parts)


def golden(model_path, out_root, n, images_dir=None, digits_dir=None):
    stem = os.path.splitext(os.path.basename(model_path))[0]
    out_dir = os.path.join(out_root, stem)
    os.makedirs(out_dir, exist_ok=True)
    # A model with a dynamic input shape runs as its static twin (make_zoo.py: the input shape
    # kiln compiles it for, every tensor shape written into the file).
    twin = os.path.join(os.path.dirname(model_path), "static", stem + ".tflite")
    oracle_path = twin if os.path.exists(twin) else model_path
    desc = tflite_inspect.describe(oracle_path)
    seed = seed_for(model_path)
    rng = np.random.default_rng(seed)
    inputs = random_inputs(desc, n, rng)

    interp = make_interpreter(oracle_path)
    outputs = run_samples(interp, desc, inputs)
    alloc_text = capture_stderr(interp.print_allocations)
    alloc = parse_allocations(alloc_text)

    for k, (a, t) in enumerate(zip(inputs, desc["inputs"])):
        write_bin(os.path.join(out_dir, "input%d.bin" % k), a, t["dtype"])
    for k, (a, t) in enumerate(zip(outputs, desc["outputs"])):
        write_bin(os.path.join(out_dir, "output%d.bin" % k), a, t["dtype"])

    meta = {
        "model": os.path.basename(model_path),
        "oracle": interp.oracle,
        "samples": n,
        "seed": seed,
        "inputs": [io_entry(t) for t in desc["inputs"]],
        "outputs": [io_entry(t) for t in desc["outputs"]],
        "ops": tflite_inspect.op_list(desc),
        "tflm_arena_bytes": alloc["total"],
        "tflm_arena_head_bytes": alloc["head"],
        "tflm_arena_tail_bytes": alloc["tail"],
        "tflm_allocations": alloc_text,
    }
    if oracle_path != model_path:
        meta["oracle_model"] = os.path.relpath(oracle_path, os.path.dirname(model_path))
        meta["input_shape"] = desc["inputs"][0]["shape"]
    if interp.oracle != "tflm":
        # No TFLM arena to compare with; the zoo test then checks kiln's arena against the sum of
        # all non-constant tensors (no reuse).
        meta["tflm_error"] = interp.tflm_error
        meta["activation_bytes_no_reuse"] = activation_bytes(desc)
        del meta["tflm_allocations"]
    if os.path.splitext(os.path.basename(model_path))[0].startswith(UINT8_PREFIX):
        meta["tflm_cross_check"] = tflm_cross_check(oracle_path, desc, inputs, outputs)
        print("%s: %s" % (stem, meta["tflm_cross_check"]))
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print("%s: oracle %s" % (stem, interp.oracle))
    print(
        "%s: %d samples, arena %s B (head %s, tail %s); %s"
        % (stem, n, alloc["total"], alloc["head"], alloc["tail"], output_stats(outputs))
    )
    ok = True
    if images_dir and stem == "person_detect":
        ok = person_images(model_path, desc, images_dir, out_dir) and ok
    if digits_dir and stem == "digits_int8":
        digits_split(model_path, desc, digits_dir)
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory (one subdirectory per model)")
    ap.add_argument("--samples", type=int, default=200, help="random samples per model (default 200)")
    ap.add_argument("--images", help="directory with person.bmp and no_person.bmp (for person_detect)")
    ap.add_argument("--digits", help="tests/fixtures/digits directory (for digits_int8)")
    ap.add_argument("models", nargs="+", help=".tflite files")
    args = ap.parse_args()

    failed = []
    for m in args.models:
        try:
            if not golden(m, args.out, args.samples, args.images, args.digits):
                failed.append(m)
        except NoLiteRt as e:
            # Rerun this model under the zoo venv's python, whose TensorFlow includes LiteRT.
            if not os.path.exists(ZOO_PYTHON) or os.environ.get("KILN_GOLDENS_NO_ZOO_FALLBACK"):
                print("%s: FAILED: %s (install ai-edge-litert, or create the zoo venv)" % (m, e), file=sys.stderr)
                failed.append(m)
                continue
            print("%s: TFLM cannot run it; LiteRT-ref via %s" % (m, ZOO_PYTHON))
            env = dict(os.environ, KILN_GOLDENS_NO_ZOO_FALLBACK="1")
            cmd = [ZOO_PYTHON, os.path.abspath(__file__), "--out", args.out, "--samples", str(args.samples), m]
            if subprocess.run(cmd, env=env).returncode != 0:
                failed.append(m)
        except Exception as e:  # keep going, report at the end
            print("%s: FAILED: %s: %s" % (m, type(e).__name__, e), file=sys.stderr)
            failed.append(m)
    if failed:
        print("make_goldens: %d model(s) failed: %s" % (len(failed), " ".join(failed)), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
