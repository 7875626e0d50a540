#!/usr/bin/env python3
"""Build the zoo's SVDF and LSTM models (and other ops it does not emit in int8: ADD_N, CUMSUM, EMBEDDING_LOOKUP, DYNAMIC_UPDATE_SLICE; the custom op TFLite_Detection_PostProcess), which the TensorFlow converter does not emit, as flatbuffers.

    make_state_models.py [--out DIR] [NAME...]

TensorFlow's converter has no lowering to the TFLite SVDF op (keras has no SVDF layer and
no composite-op fusion produces one), so these models are written with the TFLite schema's
object API (TensorFlow's own `schema_py_generated.py`, loaded by path without importing
TensorFlow):

  softmax_int16_out_wide
                     SOFTMAX int8 → int16 alone: 3 rows of 12 logits (scale 0.06, zero point 5).
  svdf_int16_state   one SVDF from seeded random weights: batch 2, rank 2, 4 units, memory 5,
                     int16 state, input zero point -3, fused RELU (which TFLM's integer
                     SVDF ignores).
  svdf_int8_state    the same with an int8 state and int8 time weights and a non-zero state
                     zero point (TFLM's second integer instantiation).
  svdf_float32       float32 SVDF (TFLM's float path, which applies the fused RELU): batch 2,
                     input 10, rank 1, 5 units, memory 4.
  unidirectional_sequence_lstm_f32
                     float32 LSTM (TFLM's float path; glibc's expf/tanhf reproduced): batch 2,
                     5 steps, 4 → 6 cells, cell clip 1.5.
  unidirectional_sequence_lstm_time_major
                     int8 LSTM, int16 cell state, seeded random weights: time-major
                     [6 steps, 2 batches, 5], 7 cells, cell scale 2^-11 (tanh input shift 1),
                     cell clip 3.0 (quantized 6144, active), hidden zero point -5.
  unidirectional_sequence_lstm_batches
                     batch-major [3 batches, 4 steps, 6], 5 cells, cell scale 2^-13 (TFLM's
                     negative tanh shift path), no clip.

  unidirectional_sequence_lstm_int16x8
                     TFLM's int16x8 LSTM: int16 input/hidden/output (symmetric), int8
                     weights, int64 biases, int16 cell state (scale 2^-11, clip 2.0);
                     batch-major [2, 5, 6], 8 cells.
  var_handle_read_assign
                     resource variables from the converter (TensorFlow, imported for this
                     one): a tf.Module whose tf.Variable is read, mixed with the input by a
                     dense layer and assigned back each call (see resource_variable_model).
                     make_zoo.py cannot build it: its converter settings have no switch for
                     experimental_enable_resource_variables.

  streaming_int8_state
                     the shape of a streaming wake-word model (see streaming_model): a
                     tf.Variable ring buffer of the last feature frames, converted with
                     variable quantization: an int8 VAR_HANDLE / READ_VARIABLE /
                     ASSIGN_VARIABLE state, SPLIT_V on int8, uint8 input and output
                     (QUANTIZE uint8 ↔ int8).
  streaming_int16_state
                     the same in 16x8 mode: an int16 ring buffer, int16 I/O.
  add_n_int8         ADD_N int8 (not a state model, but the converter never emits it either:
                     see add_n_int8): three inputs and a constant, one scale and zero point.
  cumsum_int8        CUMSUM int8 (likewise never emitted): exclusive + reverse, and plain.
  embedding_lookup   EMBEDDING_LOOKUP (the converter writes GATHER instead): int8 → int8,
                     int8 → float32 (hybrid) and float32 tables, ids from ARG_MAX.
  dynamic_update_slice_int8, dynamic_update_slice_int16
                     DYNAMIC_UPDATE_SLICE on int8 / int16 (the converter keeps it float32), at
                     run-time and constant start indices.
  detection_postprocess_float, detection_postprocess_int8, detection_postprocess_int8_fast
                     the custom op TFLite_Detection_PostProcess (SSD box decoding + NMS; custom
                     code and flexbuffer custom options, as the TF Object Detection API exports
                     it) on 50 overlapping anchors: float32 inputs with fast NMS; int8 inputs
                     through DEQUANTIZE with regular NMS (int8 scores tie: TFLM's sort order);
                     int8 with fast NMS and no background class. Goldens:
                     make_goldens.py tests/fixtures/zoo/detection_postprocess_*.tflite

Without NAMEs it also writes tests/fixtures/state_errors/*.tflite: zoo models with one defect
each, which kiln must reject with a specific message (tests/tests/state.rs; the sparse_* ones,
inconsistent sparsity descriptions, codegen/tests/wild_files.rs).

The converter cannot make the SVDF and LSTM models: Keras 3's LSTM converts to a WHILE loop, not to the
fused op (see zoo_state.py); TFLM's trained_lstm_int8.tflite covers the converter's own LSTM.

The state tensors are variables, so the 200 golden samples (make_goldens.py feeds them to
one interpreter in sequence) test the state carried across calls. After writing the models
run make_goldens.py on them (make_fixtures.sh only knows make_zoo.py's registry):

    .venv-zoo/bin/python tests/scripts/make_state_models.py
    .venv-oracle/bin/python tests/scripts/make_goldens.py --out tests/fixtures/golden \\
        tests/fixtures/zoo/svdf_*.tflite tests/fixtures/zoo/unidirectional_sequence_lstm_*.tflite \\
        tests/fixtures/zoo/var_handle_read_assign.tflite tests/fixtures/zoo/streaming_*.tflite
"""

import argparse
import glob
import importlib.util
import os
import zlib

import flatbuffers
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def load_schema():
    """TensorFlow's generated schema module, by path (importing tensorflow takes ~10 s)."""
    hits = glob.glob(os.path.join(REPO, ".venv-zoo", "lib", "python3*", "site-packages", "tensorflow", "lite",
                                  "python", "schema_py_generated.py"))
    if not hits:
        raise SystemExit("schema_py_generated.py not found: create the zoo venv (tests/scripts/venv.sh zoo .venv-zoo)")
    spec = importlib.util.spec_from_file_location("tflite_schema", hits[0])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


S = load_schema()


def read_model(path):
    with open(path, "rb") as f:
        buf = f.read()
    return S.ModelT.InitFromObj(S.Model.GetRootAsModel(buf, 0))


def write_model(model, path):
    if isinstance(model, bytes):
        data = model  # already a flatbuffer (from the converter)
    else:
        b = flatbuffers.Builder(1024)
        b.Finish(model.Pack(b), file_identifier=b"TFL3")
        data = bytes(b.Output())
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return data


def quant(scale, zp):
    q = S.QuantizationParametersT()
    q.scale = [float(scale)]
    q.zeroPoint = [int(zp)]
    return q


def single_svdf(name, state_type):
    """One SVDF with seeded random weights and realistic scales."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    batches, input_size, rank, units, memory = 2, 12, 2, 4, 5
    filters = units * rank
    int16 = state_type == S.TensorType.INT16
    word_max = 32767 if int16 else 127
    in_s, in_zp = 1 / 128, -3
    wf_s = 0.01
    state_s, state_zp = (16.0 / 32768, 0) if int16 else (16.0 / 128, 7)
    wt_s = 0.5 / word_max
    out_s, out_zp = 0.08, 5
    wf = rng.integers(-127, 128, size=(filters, input_size)).astype(np.int8)
    wt = rng.integers(-word_max, word_max + 1, size=(filters, memory)).astype(np.int16 if int16 else np.int8)
    bias_s = state_s * wt_s
    bias = np.round(rng.uniform(-2, 2, size=units) / bias_s).astype(np.int32)

    buffers = [S.BufferT()]
    tensors = []

    def tensor(tname, shape, ttype, q, data=None, variable=False):
        t = S.TensorT()
        t.name = tname.encode()
        t.shape = list(shape)
        t.type = ttype
        t.quantization = q
        t.isVariable = variable
        if data is not None:
            b = S.BufferT()
            b.data = np.frombuffer(data.tobytes(), dtype=np.uint8).copy()
            buffers.append(b)
            t.buffer = len(buffers) - 1
        else:
            t.buffer = 0
        tensors.append(t)
        return len(tensors) - 1

    word = S.TensorType.INT16 if int16 else S.TensorType.INT8
    x = tensor("input", [batches, input_size], S.TensorType.INT8, quant(in_s, in_zp))
    f = tensor("weights_feature", [filters, input_size], S.TensorType.INT8, quant(wf_s, 0), wf)
    w = tensor("weights_time", [filters, memory], word, quant(wt_s, 0), wt)
    bi = tensor("bias", [units], S.TensorType.INT32, quant(bias_s, 0), bias)
    st = tensor("state", [batches, memory * filters], word, quant(state_s, state_zp), variable=True)
    y = tensor("output", [batches, units], S.TensorType.INT8, quant(out_s, out_zp))

    opts = S.SVDFOptionsT()
    opts.rank = rank
    opts.fusedActivationFunction = S.ActivationFunctionType.RELU
    op = S.OperatorT()
    op.opcodeIndex = 0
    op.inputs = [x, f, w, bi, st]
    op.outputs = [y]
    op.builtinOptionsType = S.BuiltinOptions.SVDFOptions
    op.builtinOptions = opts
    code = S.OperatorCodeT()
    code.builtinCode = S.BuiltinOperator.SVDF
    code.deprecatedBuiltinCode = S.BuiltinOperator.SVDF
    code.version = 3
    sg = S.SubGraphT()
    sg.tensors = tensors
    sg.operators = [op]
    sg.inputs = [x]
    sg.outputs = [y]
    sg.name = b"main"
    m = S.ModelT()
    m.version = 3
    m.operatorCodes = [code]
    m.subgraphs = [sg]
    m.buffers = buffers
    m.description = b"kiln: generated by tests/scripts/make_state_models.py"
    return m


def softmax_int16_out(name, rows, depth, in_scale, beta):
    """SOFTMAX int8 → int16 (output zero point −32768, scale 2^-16) over `depth` classes."""
    buffers = [S.BufferT()]
    tensors = []
    for tname, ttype, q in [("logits", S.TensorType.INT8, quant(in_scale, 5)),
                            ("probabilities", S.TensorType.INT16, quant(1 / 65536, -32768))]:
        t = S.TensorT()
        t.name = tname.encode()
        t.shape = [rows, depth]
        t.type = ttype
        t.quantization = q
        t.buffer = 0
        tensors.append(t)
    opts = S.SoftmaxOptionsT()
    opts.beta = beta
    op = S.OperatorT()
    op.opcodeIndex = 0
    op.inputs = [0]
    op.outputs = [1]
    op.builtinOptionsType = S.BuiltinOptions.SoftmaxOptions
    op.builtinOptions = opts
    code = S.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = S.BuiltinOperator.SOFTMAX
    code.version = 1
    sg = S.SubGraphT()
    sg.tensors = tensors
    sg.operators = [op]
    sg.inputs = [0]
    sg.outputs = [1]
    sg.name = b"main"
    m = S.ModelT()
    m.version = 3
    m.operatorCodes = [code]
    m.subgraphs = [sg]
    m.buffers = buffers
    m.description = b"kiln: generated by tests/scripts/make_state_models.py"
    return m


class Graph:
    """One subgraph written op by op (the hand-written single-op models below): tensors with
    their constant data, operator codes by builtin, and the finished ModelT."""

    def __init__(self):
        self.buffers = [S.BufferT()]
        self.tensors = []
        self.ops = []
        self.codes = []

    def tensor(self, name, shape, ttype, q=None, data=None):
        t = S.TensorT()
        t.name = name.encode()
        t.shape = list(shape)
        t.type = ttype
        t.quantization = q
        t.buffer = 0
        if data is not None:
            b = S.BufferT()
            b.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), dtype=np.uint8).copy()
            self.buffers.append(b)
            t.buffer = len(self.buffers) - 1
        self.tensors.append(t)
        return len(self.tensors) - 1

    def custom_op(self, custom_code, inputs, outputs, custom_options):
        """A custom op: operator code CUSTOM with `custom_code` (a str), its options the raw
        bytes `custom_options` (a flexbuffer for every op TFLite ships)."""
        self.op(("custom", custom_code), inputs, outputs)
        self.ops[-1].customOptions = np.frombuffer(bytes(custom_options), dtype=np.uint8).copy()
        self.ops[-1].customOptionsFormat = S.CustomOptionsFormat.FLEXBUFFERS

    def op(self, builtin, inputs, outputs, options_type=None, options=None):
        if builtin not in self.codes:
            self.codes.append(builtin)
        op = S.OperatorT()
        op.opcodeIndex = self.codes.index(builtin)
        op.inputs = list(inputs)
        op.outputs = list(outputs)
        if options is not None:
            op.builtinOptionsType = options_type
            op.builtinOptions = options
        self.ops.append(op)

    def model(self, inputs, outputs):
        codes = []
        for c in self.codes:
            code = S.OperatorCodeT()
            if isinstance(c, tuple):
                code.customCode = c[1].encode()
                c = S.BuiltinOperator.CUSTOM
            code.builtinCode = c
            code.deprecatedBuiltinCode = min(c, S.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES)
            code.version = 1
            codes.append(code)
        sg = S.SubGraphT()
        sg.tensors = self.tensors
        sg.operators = self.ops
        sg.inputs = list(inputs)
        sg.outputs = list(outputs)
        sg.name = b"main"
        m = S.ModelT()
        m.version = 3
        m.operatorCodes = codes
        m.subgraphs = [sg]
        m.buffers = self.buffers
        m.description = b"kiln: generated by tests/scripts/make_state_models.py"
        return m


def add_n_int8(name):
    """ADD_N int8, which the converter never emits (it keeps tf.math.add_n in float32 between
    DEQUANTIZE and QUANTIZE: the zoo's add_n_int8_io): three int8 inputs [1,4,4,3] and one
    constant of the same shape, all with scale 0.05 and zero point -7 (TFLM requires one scale
    and zero point for every input), output scale 0.11, zero point 3."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    shape = [1, 4, 4, 3]
    g = Graph()
    a, b, c = [g.tensor(n, shape, S.TensorType.INT8, quant(0.05, -7)) for n in "abc"]
    k = g.tensor("k", shape, S.TensorType.INT8, quant(0.05, -7),
                 rng.integers(-128, 128, size=int(np.prod(shape))).astype(np.int8))
    total = g.tensor("sum", shape, S.TensorType.INT8, quant(0.11, 3))
    g.op(S.BuiltinOperator.ADD_N, [a, b, k, c], [total], S.BuiltinOptions.AddNOptions, S.AddNOptionsT())
    return g.model([a, b, c], [total])


def cumsum_int8(name):
    """CUMSUM int8, which the converter never emits (it keeps tf.math.cumsum in float32:
    zoo cumsum_int8_io): an int8 input [1,4,6] (scale 0.03, zero point 5) summed along axis 1,
    exclusive and reversed (output scale 0.2, zero point -3), and along axis -1 (output scale
    0.15, zero point 0)."""
    g = Graph()
    x = g.tensor("x", [1, 4, 6], S.TensorType.INT8, quant(0.03, 5))
    ax1 = g.tensor("axis1", [], S.TensorType.INT32, data=np.array(1, dtype=np.int32))
    axm1 = g.tensor("axis_last", [], S.TensorType.INT32, data=np.array(-1, dtype=np.int32))
    y1 = g.tensor("rev_excl", [1, 4, 6], S.TensorType.INT8, quant(0.2, -3))
    y2 = g.tensor("plain", [1, 4, 6], S.TensorType.INT8, quant(0.15, 0))
    for axis, out, exclusive, reverse in [(ax1, y1, True, True), (axm1, y2, False, False)]:
        opts = S.CumsumOptionsT()
        opts.exclusive = exclusive
        opts.reverse = reverse
        g.op(S.BuiltinOperator.CUMSUM, [x, axis], [out], S.BuiltinOptions.CumsumOptions, opts)
    return g.model([x], [y1, y2])


def embedding_lookup(name):
    """EMBEDDING_LOOKUP, which TensorFlow's converter no longer emits (tf.nn.embedding_lookup
    becomes GATHER), in its three TFLM flavours: ids from ARG_MAX over an int8 input [4,5]
    (so every id is a valid row: TFLM fails on others), looked up in an int8 table [6,2,3]
    (scale 0.05, zero point 0) as int8 rows and as float32 rows (TFLM's hybrid dequantization),
    and in a float32 table [6,3]."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    g = Graph()
    x = g.tensor("scores", [4, 5], S.TensorType.INT8, quant(0.1, 0))
    axis = g.tensor("axis", [1], S.TensorType.INT32, data=np.array([1], dtype=np.int32))
    ids = g.tensor("ids", [4], S.TensorType.INT32)
    t8 = g.tensor("table_int8", [6, 2, 3], S.TensorType.INT8, quant(0.05, 0),
                  rng.integers(-128, 128, size=(6, 2, 3)).astype(np.int8))
    tf32 = g.tensor("table_float", [6, 3], S.TensorType.FLOAT32, data=rng.uniform(-2, 2, (6, 3)).astype(np.float32))
    y8 = g.tensor("rows_int8", [4, 2, 3], S.TensorType.INT8, quant(0.05, 0))
    yh = g.tensor("rows_dequantized", [4, 2, 3], S.TensorType.FLOAT32)
    yf = g.tensor("rows_float", [4, 3], S.TensorType.FLOAT32)
    arg = S.ArgMaxOptionsT()
    arg.outputType = S.TensorType.INT32
    g.op(S.BuiltinOperator.ARG_MAX, [x, axis], [ids], S.BuiltinOptions.ArgMaxOptions, arg)
    for table, out in [(t8, y8), (t8, yh), (tf32, yf)]:
        g.op(S.BuiltinOperator.EMBEDDING_LOOKUP, [ids, table], [out])
    return g.model([x], [y8, yh, yf])


def dynamic_update_slice(name, ttype):
    """DYNAMIC_UPDATE_SLICE on int8 or int16 tensors, which the converter keeps in float32
    (zoo dynamic_update_slice_int8_io): an update [1,2,3] written into an operand [1,5,4] at
    start indices that are a model input (int32 [3]; make_goldens draws them in -1000..1000, so
    TFLM clamps them to an edge) and at a constant in-range start [0,1,1]."""
    g = Graph()
    q = quant(0.02, 0 if ttype == S.TensorType.INT16 else -4)
    x = g.tensor("operand", [1, 5, 4], ttype, q)
    u = g.tensor("update", [1, 2, 3], ttype, q)
    i = g.tensor("starts", [3], S.TensorType.INT32)
    k = g.tensor("fixed_starts", [3], S.TensorType.INT32, data=np.array([0, 1, 1], dtype=np.int32))
    y1 = g.tensor("at_input", [1, 5, 4], ttype, q)
    y2 = g.tensor("at_fixed", [1, 5, 4], ttype, q)
    for starts, out in [(i, y1), (k, y2)]:
        g.op(S.BuiltinOperator.DYNAMIC_UPDATE_SLICE, [x, u, starts], [out])
    return g.model([x, u, i], [y1, y2])


def float_svdf(name):
    """One float32 SVDF (TFLM's float path): batch 2, input 10, rank 1, 5 units, memory 4,
    fused RELU (applied on the float path), seeded random weights."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    batches, input_size, rank, units, memory = 2, 10, 1, 5, 4
    filters = units * rank
    buffers = [S.BufferT()]
    tensors = []

    def tensor(tname, shape, data=None, variable=False):
        t = S.TensorT()
        t.name = tname.encode()
        t.shape = list(shape)
        t.type = S.TensorType.FLOAT32
        t.isVariable = variable
        if data is not None:
            b = S.BufferT()
            b.data = np.frombuffer(data.astype(np.float32).tobytes(), dtype=np.uint8).copy()
            buffers.append(b)
            t.buffer = len(buffers) - 1
        else:
            t.buffer = 0
        tensors.append(t)
        return len(tensors) - 1

    x = tensor("input", [batches, input_size])
    f = tensor("weights_feature", [filters, input_size], rng.uniform(-0.5, 0.5, (filters, input_size)))
    w = tensor("weights_time", [filters, memory], rng.uniform(-0.8, 0.8, (filters, memory)))
    bi = tensor("bias", [units], rng.uniform(-0.3, 0.3, units))
    st = tensor("state", [batches, memory * filters], variable=True)
    y = tensor("output", [batches, units])
    opts = S.SVDFOptionsT()
    opts.rank = rank
    opts.fusedActivationFunction = S.ActivationFunctionType.RELU
    op = S.OperatorT()
    op.opcodeIndex = 0
    op.inputs = [x, f, w, bi, st]
    op.outputs = [y]
    op.builtinOptionsType = S.BuiltinOptions.SVDFOptions
    op.builtinOptions = opts
    code = S.OperatorCodeT()
    code.builtinCode = S.BuiltinOperator.SVDF
    code.deprecatedBuiltinCode = S.BuiltinOperator.SVDF
    code.version = 1
    sg = S.SubGraphT()
    sg.tensors = tensors
    sg.operators = [op]
    sg.inputs = [x]
    sg.outputs = [y]
    sg.name = b"main"
    m = S.ModelT()
    m.version = 3
    m.operatorCodes = [code]
    m.subgraphs = [sg]
    m.buffers = buffers
    m.description = b"kiln: generated by tests/scripts/make_state_models.py"
    return m


def single_lstm(name, batches, steps, n_in, cells, time_major, cell_scale, cell_clip, int16=False):
    """One int8 (or, with int16, int16x8) UNIDIRECTIONAL_SEQUENCE_LSTM with an int16 cell state
    from seeded random weights."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    act = S.TensorType.INT16 if int16 else S.TensorType.INT8
    in_s, in_zp = (1 / 16384, 0) if int16 else (1 / 64, 3)
    w_s = 0.01
    h_s, h_zp = (1 / 32768, 0) if int16 else (1 / 128, -5)
    buffers = [S.BufferT()]
    tensors = []

    def tensor(tname, shape, ttype, q, data=None, variable=False):
        t = S.TensorT()
        t.name = tname.encode()
        t.shape = list(shape)
        t.type = ttype
        t.quantization = q
        t.isVariable = variable
        if data is not None:
            b = S.BufferT()
            b.data = np.frombuffer(data.tobytes(), dtype=np.uint8).copy()
            buffers.append(b)
            t.buffer = len(buffers) - 1
        else:
            t.buffer = 0
        tensors.append(t)
        return len(tensors) - 1

    shape = [steps, batches, n_in] if time_major else [batches, steps, n_in]
    x = tensor("input", shape, act, quant(in_s, in_zp))
    gates = ["input", "forget", "cell", "output"]
    w_in = [tensor("%s_input_weights" % g, [cells, n_in], S.TensorType.INT8, quant(w_s, 0),
                   rng.integers(-127, 128, size=(cells, n_in)).astype(np.int8)) for g in gates]
    w_rec = [tensor("%s_recurrent_weights" % g, [cells, cells], S.TensorType.INT8, quant(w_s, 0),
                    rng.integers(-127, 128, size=(cells, cells)).astype(np.int8)) for g in gates]
    bias_s = in_s * w_s
    bias_type, bias_np = (S.TensorType.INT64, np.int64) if int16 else (S.TensorType.INT32, np.int32)
    biases = [tensor("%s_bias" % g, [cells], bias_type, quant(bias_s, 0),
                     np.round(rng.uniform(-0.5, 0.5, size=cells) / bias_s).astype(bias_np)) for g in gates]
    h = tensor("hidden_state", [batches, cells], act, quant(h_s, h_zp), variable=True)
    c = tensor("cell_state", [batches, cells], S.TensorType.INT16, quant(cell_scale, 0), variable=True)
    y = tensor("output", shape[:2] + [cells], act, quant(h_s, h_zp))

    opts = S.UnidirectionalSequenceLSTMOptionsT()
    opts.fusedActivationFunction = S.ActivationFunctionType.TANH
    opts.cellClip = float(cell_clip)
    opts.projClip = 0.0
    opts.timeMajor = time_major
    opts.asymmetricQuantizeInputs = False
    op = S.OperatorT()
    op.opcodeIndex = 0
    op.inputs = [x] + w_in + w_rec + [-1, -1, -1] + biases + [-1, -1, h, c, -1, -1, -1, -1]
    op.outputs = [y]
    op.builtinOptionsType = S.BuiltinOptions.UnidirectionalSequenceLSTMOptions
    op.builtinOptions = opts
    code = S.OperatorCodeT()
    code.builtinCode = S.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM
    code.deprecatedBuiltinCode = S.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM
    code.version = 1
    sg = S.SubGraphT()
    sg.tensors = tensors
    sg.operators = [op]
    sg.inputs = [x]
    sg.outputs = [y]
    sg.name = b"main"
    m = S.ModelT()
    m.version = 3
    m.operatorCodes = [code]
    m.subgraphs = [sg]
    m.buffers = buffers
    m.description = b"kiln: generated by tests/scripts/make_state_models.py"
    return m


def resource_variable_model(name):
    """A tf.Module whose tf.Variable (float32 [1, 6], initialised to a non-zero constant) is
    read, mixed with the input by a dense layer and assigned back every call; converted with
    resource variables enabled and full int8 quantization. The converter emits CALL_ONCE (an
    init subgraph: VAR_HANDLE + ASSIGN_VARIABLE of the constant), VAR_HANDLE, READ_VARIABLE,
    QUANTIZE, CONCATENATION, FULLY_CONNECTED, DEQUANTIZE, ASSIGN_VARIABLE."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    rng = np.random.default_rng(zlib.crc32(name.encode()))
    n = 6
    w = np.concatenate([0.6 * np.eye(n) + rng.uniform(-0.1, 0.1, (n, n)), rng.uniform(-0.5, 0.5, (n, n))])
    b = rng.uniform(-0.2, 0.2, n)

    class Leaky(tf.Module):
        def __init__(self):
            super().__init__()
            self.acc = tf.Variable(np.linspace(-0.5, 0.5, n, dtype=np.float32)[None, :], trainable=False)
            self.w = tf.constant(w.astype(np.float32))
            self.b = tf.constant(b.astype(np.float32))

        @tf.function(input_signature=[tf.TensorSpec([1, n], tf.float32, name="input")])
        def __call__(self, x):
            new = tf.matmul(tf.concat([self.acc, x], axis=1), self.w) + self.b
            self.acc.assign(new)
            return new

    m = Leaky()
    c = tf.lite.TFLiteConverter.from_concrete_functions([m.__call__.get_concrete_function()], m)
    c.experimental_enable_resource_variables = True
    c.optimizations = [tf.lite.Optimize.DEFAULT]

    def rep():
        r = np.random.default_rng(zlib.crc32(name.encode()) + 2)
        for _ in range(100):
            yield [r.uniform(-1, 1, (1, n)).astype(np.float32)]

    c.representative_dataset = rep
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    c.inference_input_type = tf.int8
    c.inference_output_type = tf.int8
    return c.convert()


def streaming_model(name, int16=False):
    """The shape of a streaming wake-word model (microWakeWord's, run on ESP32-class MCUs): each
    call takes one feature frame, appends it to a ring buffer of the last frames kept in a
    tf.Variable, keeps the newest frames for the next call (tf.split: SPLIT_V), and classifies
    the window with a dense layer. Converted with resource variables and variable quantization
    (`_experimental_variable_quantization`, as microWakeWord converts), so the ring buffer is an
    int8 (or, in 16x8 mode, int16) variable; uint8 input and output (int8 mode) add QUANTIZE
    uint8 ↔ int8 at both ends. TFLM runs all of it."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    rng = np.random.default_rng(zlib.crc32(name.encode()))
    frames, feats, classes = 3, 10, 4
    w = rng.uniform(-0.4, 0.4, (frames * feats, classes)).astype(np.float32)
    b = rng.uniform(-0.2, 0.2, classes).astype(np.float32)

    class Streaming(tf.Module):
        def __init__(self):
            super().__init__()
            init = np.linspace(-0.8, 0.8, (frames - 1) * feats, dtype=np.float32).reshape(1, frames - 1, feats)
            self.ring = tf.Variable(init, trainable=False)
            self.w = tf.constant(w)
            self.b = tf.constant(b)

        @tf.function(input_signature=[tf.TensorSpec([1, 1, feats], tf.float32, name="frame")])
        def __call__(self, x):
            window = tf.concat([self.ring, x], axis=1)
            _, keep = tf.split(window, [1, frames - 1], axis=1)
            self.ring.assign(keep)
            y = tf.matmul(tf.reshape(window, [1, frames * feats]), self.w) + self.b
            return tf.nn.relu(y)

    m = Streaming()
    c = tf.lite.TFLiteConverter.from_concrete_functions([m.__call__.get_concrete_function()], m)
    c.experimental_enable_resource_variables = True
    c._experimental_variable_quantization = True
    c.optimizations = [tf.lite.Optimize.DEFAULT]

    def rep():
        r = np.random.default_rng(zlib.crc32(name.encode()) + 2)
        for _ in range(100):
            yield [r.uniform(-1, 1, (1, 1, feats)).astype(np.float32)]

    c.representative_dataset = rep
    if int16:
        c.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        c.inference_input_type = tf.int16
        c.inference_output_type = tf.int16
    else:
        c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        c.inference_input_type = tf.uint8
        c.inference_output_type = tf.uint8
    return c.convert()


def ssd_anchors(grid, sizes):
    """SSD-style anchors, (y_center, x_center, h, w) rows as TFLite's TFLite_Detection_PostProcess
    reads them: a grid x grid lattice of centers on the unit square, one anchor per size at each."""
    rows = []
    for i in range(grid):
        for j in range(grid):
            for h, w in sizes:
                rows.append(((i + 0.5) / grid, (j + 0.5) / grid, h, w))
    return np.array(rows, dtype=np.float32)


def detection_options(**kw):
    """TFLite_Detection_PostProcess's custom options: a flexbuffer map, written as the TF Object
    Detection API's exporter writes it (ints, floats, a bool)."""
    from flatbuffers import flexbuffers

    fbb = flexbuffers.Builder()
    with fbb.Map():
        for k, v in kw.items():
            if isinstance(v, bool):
                fbb.Bool(k, v)
            elif isinstance(v, int):
                fbb.Int(k, v)
            else:
                fbb.Float(k, v)
    return fbb.Finish()


def detection_postprocess(name, quantized, regular, num_classes, background, max_detections,
                          max_classes_per_detection, detections_per_class, score_threshold, uint8=False):
    """TFLite_Detection_PostProcess (the custom op at the end of every SSD detector exported by
    the TF Object Detection API) after a head's outputs: box encodings [1, N, 4] and class
    predictions [1, N, classes (+1 background)], with 50 constant anchors (5x5 centers, two
    sizes each: anchors of one center overlap with IoU 0.73, so NMS suppresses). Float32 inputs,
    or (quantized) int8 inputs through DEQUANTIZE, as TFLM runs the op on float32 only; int8
    scores tie often, which tests the sort order. Outputs: boxes, classes, scores, count."""
    anchors = ssd_anchors(5, [(0.3, 0.3), (0.35, 0.35)])
    n = len(anchors)
    depth = num_classes + (1 if background else 0)
    g = Graph()
    if uint8:
        # uint8 straight into the op, anchors uint8 too: the TF1 quantized SSD exports, which
        # LiteRT runs (dequantizing inside the op) and TFLM does not.
        boxes = g.tensor("box_encodings_uint8", [1, n, 4], S.TensorType.UINT8, quant(0.02, 130))
        classes = g.tensor("class_predictions_uint8", [1, n, depth], S.TensorType.UINT8, quant(1 / 256, 0))
        inputs = [boxes, classes]
        q_anchors = np.clip(np.round(anchors / np.float32(0.004)) + 7, 0, 255).astype(np.uint8)
        a = g.tensor("anchors_uint8", [n, 4], S.TensorType.UINT8, quant(0.004, 7), data=q_anchors)
    elif quantized:
        bq = g.tensor("box_encodings_int8", [1, n, 4], S.TensorType.INT8, quant(0.02, 0))
        cq = g.tensor("class_predictions_int8", [1, n, depth], S.TensorType.INT8, quant(1 / 256, -128))
        boxes = g.tensor("box_encodings", [1, n, 4], S.TensorType.FLOAT32)
        classes = g.tensor("class_predictions", [1, n, depth], S.TensorType.FLOAT32)
        g.op(S.BuiltinOperator.DEQUANTIZE, [bq], [boxes])
        g.op(S.BuiltinOperator.DEQUANTIZE, [cq], [classes])
        inputs = [bq, cq]
    else:
        boxes = g.tensor("box_encodings", [1, n, 4], S.TensorType.FLOAT32)
        classes = g.tensor("class_predictions", [1, n, depth], S.TensorType.FLOAT32)
        inputs = [boxes, classes]
    if not uint8:
        a = g.tensor("anchors", [n, 4], S.TensorType.FLOAT32, data=anchors)
    slots = max_detections if regular else max_detections * max_classes_per_detection
    out_boxes = g.tensor("detection_boxes", [1, slots, 4], S.TensorType.FLOAT32)
    out_classes = g.tensor("detection_classes", [1, slots], S.TensorType.FLOAT32)
    out_scores = g.tensor("detection_scores", [1, slots], S.TensorType.FLOAT32)
    out_count = g.tensor("num_detections", [1], S.TensorType.FLOAT32)
    opts = detection_options(
        max_detections=max_detections, max_classes_per_detection=max_classes_per_detection,
        detections_per_class=detections_per_class, use_regular_nms=regular,
        nms_score_threshold=score_threshold, nms_iou_threshold=0.5, num_classes=num_classes,
        y_scale=10.0, x_scale=10.0, h_scale=5.0, w_scale=5.0)
    outs = [out_boxes, out_classes, out_scores, out_count]
    g.custom_op("TFLite_Detection_PostProcess", [boxes, classes, a], outs, opts)
    return g.model(inputs, outs)


MODELS = {
    "softmax_int16_out_wide": lambda: softmax_int16_out("softmax_int16_out_wide", rows=3, depth=12, in_scale=0.06,
                                                        beta=1.0),
    "svdf_int16_state": lambda: single_svdf("svdf_int16_state", S.TensorType.INT16),
    "svdf_int8_state": lambda: single_svdf("svdf_int8_state", S.TensorType.INT8),
    "svdf_float32": lambda: float_svdf("svdf_float32"),
    "unidirectional_sequence_lstm_time_major": lambda: single_lstm(
        "unidirectional_sequence_lstm_time_major", batches=2, steps=6, n_in=5, cells=7, time_major=True,
        cell_scale=2.0 ** -11, cell_clip=3.0),
    "unidirectional_sequence_lstm_batches": lambda: single_lstm(
        "unidirectional_sequence_lstm_batches", batches=3, steps=4, n_in=6, cells=5, time_major=False,
        cell_scale=2.0 ** -13, cell_clip=0.0),
    "unidirectional_sequence_lstm_int16x8": lambda: single_lstm(
        "unidirectional_sequence_lstm_int16x8", batches=2, steps=5, n_in=6, cells=8, time_major=False,
        cell_scale=2.0 ** -11, cell_clip=2.0, int16=True),
    "unidirectional_sequence_lstm_f32": lambda: float_lstm(
        "unidirectional_sequence_lstm_f32", batches=2, steps=5, n_in=4, cells=6, time_major=False, cell_clip=1.5),
    "var_handle_read_assign": lambda: resource_variable_model("var_handle_read_assign"),
    "streaming_int8_state": lambda: streaming_model("streaming_int8_state"),
    "streaming_int16_state": lambda: streaming_model("streaming_int16_state", int16=True),
    "add_n_int8": lambda: add_n_int8("add_n_int8"),
    "cumsum_int8": lambda: cumsum_int8("cumsum_int8"),
    "embedding_lookup": lambda: embedding_lookup("embedding_lookup"),
    "dynamic_update_slice_int8": lambda: dynamic_update_slice("dynamic_update_slice_int8", S.TensorType.INT8),
    "dynamic_update_slice_int16": lambda: dynamic_update_slice("dynamic_update_slice_int16", S.TensorType.INT16),
    # Fast (class-agnostic) NMS: every sample fills all slots (TFLM leaves unfilled fast-NMS slots
    # unwritten), score threshold below every score.
    "detection_postprocess_float": lambda: detection_postprocess(
        "detection_postprocess_float", quantized=False, regular=False, num_classes=3, background=True,
        max_detections=5, max_classes_per_detection=1, detections_per_class=100, score_threshold=-2.0),
    # Fast NMS reporting two classes per detection: TFLM writes past its outputs there, so this
    # one lives outside the zoo (tests/fixtures/detection/) with LiteRT-ref goldens (make_goldens.py
    # LITERT_ONLY), tested by tests/tests/detection.rs.
    "detection_postprocess_float_multiclass": lambda: detection_postprocess(
        "detection_postprocess_float_multiclass", quantized=False, regular=False, num_classes=3, background=True,
        max_detections=5, max_classes_per_detection=2, detections_per_class=100, score_threshold=-2.0),
    # uint8 inputs and anchors straight into the op (LiteRT's path; TFLM's kernel fails on them):
    # outside the zoo with LiteRT-ref goldens, regular NMS.
    "detection_postprocess_uint8": lambda: detection_postprocess(
        "detection_postprocess_uint8", quantized=True, regular=True, num_classes=3, background=True,
        max_detections=8, max_classes_per_detection=1, detections_per_class=3, score_threshold=0.93, uint8=True),
    # Regular (per-class) NMS on int8 scores (ties), a real score threshold: zero-filled tails.
    "detection_postprocess_int8": lambda: detection_postprocess(
        "detection_postprocess_int8", quantized=True, regular=True, num_classes=3, background=True,
        max_detections=8, max_classes_per_detection=1, detections_per_class=3, score_threshold=0.93),
    # Fast NMS on int8 scores, no background class, one class per detection.
    "detection_postprocess_int8_fast": lambda: detection_postprocess(
        "detection_postprocess_int8_fast", quantized=True, regular=False, num_classes=4, background=False,
        max_detections=10, max_classes_per_detection=1, detections_per_class=100, score_threshold=0.0),
}


# Models written outside the zoo (whose test wants TFLM goldens and TFLM's arena bound).
OUTSIDE_ZOO = {
    "detection_postprocess_float_multiclass": os.path.join(REPO, "tests", "fixtures", "detection"),
    "detection_postprocess_uint8": os.path.join(REPO, "tests", "fixtures", "detection"),
}


def float_lstm(name, batches, steps, n_in, cells, time_major, cell_clip):
    """One float32 UNIDIRECTIONAL_SEQUENCE_LSTM from seeded random weights."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    buffers = [S.BufferT()]
    tensors = []

    def tensor(tname, shape, data=None, variable=False):
        t = S.TensorT()
        t.name = tname.encode()
        t.shape = list(shape)
        t.type = S.TensorType.FLOAT32
        t.isVariable = variable
        if data is not None:
            b = S.BufferT()
            b.data = np.frombuffer(data.astype(np.float32).tobytes(), dtype=np.uint8).copy()
            buffers.append(b)
            t.buffer = len(buffers) - 1
        else:
            t.buffer = 0
        tensors.append(t)
        return len(tensors) - 1

    shape = [steps, batches, n_in] if time_major else [batches, steps, n_in]
    x = tensor("input", shape)
    gates = ["input", "forget", "cell", "output"]
    w_in = [tensor("%s_input_weights" % g, [cells, n_in], rng.uniform(-0.8, 0.8, (cells, n_in))) for g in gates]
    w_rec = [tensor("%s_recurrent_weights" % g, [cells, cells], rng.uniform(-0.8, 0.8, (cells, cells))) for g in gates]
    biases = [tensor("%s_bias" % g, [cells], rng.uniform(-0.5, 0.5, cells)) for g in gates]
    h = tensor("hidden_state", [batches, cells], variable=True)
    c = tensor("cell_state", [batches, cells], variable=True)
    y = tensor("output", shape[:2] + [cells])
    opts = S.UnidirectionalSequenceLSTMOptionsT()
    opts.fusedActivationFunction = S.ActivationFunctionType.TANH
    opts.cellClip = float(cell_clip)
    opts.projClip = 0.0
    opts.timeMajor = time_major
    opts.asymmetricQuantizeInputs = False
    op = S.OperatorT()
    op.opcodeIndex = 0
    op.inputs = [x] + w_in + w_rec + [-1, -1, -1] + biases + [-1, -1, h, c, -1, -1, -1, -1]
    op.outputs = [y]
    op.builtinOptionsType = S.BuiltinOptions.UnidirectionalSequenceLSTMOptions
    op.builtinOptions = opts
    code = S.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = S.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM
    code.version = 1
    sg = S.SubGraphT()
    sg.tensors = tensors
    sg.operators = [op]
    sg.inputs = [x]
    sg.outputs = [y]
    sg.name = b"main"
    m = S.ModelT()
    m.version = 3
    m.operatorCodes = [code]
    m.subgraphs = [sg]
    m.buffers = buffers
    m.description = b"kiln: generated by tests/scripts/make_state_models.py"
    return m


def broken_models(out_dir):
    """Models kiln must reject with a specific message (tests/tests/state.rs checks them):
    each is a zoo model with one defect. Returns {file name: model}."""
    zoo = os.path.join(REPO, "tests", "fixtures", "zoo")
    out = {}

    # The init subgraph computes (an ADD of the constant with itself) instead of assigning it.
    m = read_model(os.path.join(zoo, "var_handle_read_assign.tflite"))
    add = S.OperatorCodeT()
    add.builtinCode = add.deprecatedBuiltinCode = S.BuiltinOperator.ADD
    add.version = 1
    m.operatorCodes.append(add)
    init = m.subgraphs[1]
    op = S.OperatorT()
    op.opcodeIndex = len(m.operatorCodes) - 1
    op.inputs = [0, 0]
    op.outputs = [0]
    init.operators.insert(0, op)
    out["init_subgraph_computes"] = m

    # Two subgraphs, no CALL_ONCE: control flow kiln does not compile.
    m = read_model(os.path.join(zoo, "var_handle_read_assign.tflite"))
    m.subgraphs[0].operators = [o for o in m.subgraphs[0].operators
                                if m.operatorCodes[o.opcodeIndex].builtinCode != S.BuiltinOperator.CALL_ONCE]
    out["extra_subgraph_without_call_once"] = m

    # The init subgraph initialises another variable than the one the model reads.
    m = read_model(os.path.join(zoo, "var_handle_read_assign.tflite"))
    for o in m.subgraphs[1].operators:
        if m.operatorCodes[o.opcodeIndex].builtinCode == S.BuiltinOperator.VAR_HANDLE:
            o.builtinOptions.sharedName = b"OtherVariable"
    out["variable_never_initialised"] = m

    # SVDF whose state is not a variable tensor (TFLM's Prepare rejects it too).
    m = read_model(os.path.join(zoo, "svdf_int16_state.tflite"))
    m.subgraphs[0].tensors[4].isVariable = False
    out["svdf_state_not_variable"] = m

    # LSTM with peephole weights (TFLM's kernel runs only the standard LSTM).
    m = read_model(os.path.join(zoo, "unidirectional_sequence_lstm_batches.tflite"))
    inputs = [int(i) for i in m.subgraphs[0].operators[0].inputs]
    inputs[10] = 5
    m.subgraphs[0].operators[0].inputs = inputs
    out["lstm_with_peephole"] = m

    # Sparse weights (zoo sparse_fc_float) whose description is inconsistent: an index past its
    # level's extent, and a traversal order that is not a permutation.
    def sparse_tensor(m):
        return next(t for t in m.subgraphs[0].tensors if t.sparsity is not None)

    m = read_model(os.path.join(zoo, "sparse_fc_float.tflite"))
    level = next(d for d in sparse_tensor(m).sparsity.dimMetadata if d.format == S.DimensionType.SPARSE_CSR)
    idx = np.array(level.arrayIndices.values).copy()
    idx[0] = np.iinfo(idx.dtype).max  # past every extent here (24 or 32 columns)
    level.arrayIndices.values = idx
    out["sparse_index_out_of_range"] = m
    m = read_model(os.path.join(zoo, "sparse_fc_float.tflite"))
    sparse_tensor(m).sparsity.traversalOrder = np.array([0, 0], dtype=np.int32)
    out["sparse_order_not_permutation"] = m

    # TFLite_Detection_PostProcess (zoo detection_postprocess_int8, regular NMS) with one defect:
    # options TFLM fails on at every Invoke, options that contradict the tensors, a missing option,
    # an empty anchor, int8 scores fed straight in (TFLM's kernel is float32 only), and fast NMS
    # with more classes per detection than classes (where TFLM and LiteRT disagree).
    good = dict(max_detections=8, max_classes_per_detection=1, detections_per_class=3, use_regular_nms=True,
                nms_score_threshold=0.93, nms_iou_threshold=0.5, num_classes=3, y_scale=10.0, x_scale=10.0,
                h_scale=5.0, w_scale=5.0)

    def detection(**change):
        m = read_model(os.path.join(zoo, "detection_postprocess_int8.tflite"))
        op = next(o for o in m.subgraphs[0].operators
                  if m.operatorCodes[o.opcodeIndex].builtinCode == S.BuiltinOperator.CUSTOM)
        opts = {k: v for k, v in dict(good, **change).items() if v is not None}
        op.customOptions = np.frombuffer(bytes(detection_options(**opts)), dtype=np.uint8).copy()
        return m, op

    out["detection_iou_threshold_zero"] = detection(nms_iou_threshold=0.0)[0]
    out["detection_num_classes_mismatch"] = detection(num_classes=5)[0]
    out["detection_missing_max_detections"] = detection(max_detections=None)[0]
    out["detection_fast_more_classes_than_classes"] = detection(use_regular_nms=False, max_classes_per_detection=4)[0]
    m, op = detection()
    anchors = m.subgraphs[0].tensors[op.inputs[2]]
    a = np.frombuffer(bytes(m.buffers[anchors.buffer].data), dtype=np.float32).copy().reshape(-1, 4)
    a[3, 2] = 0.0
    m.buffers[anchors.buffer].data = np.frombuffer(a.tobytes(), dtype=np.uint8).copy()
    out["detection_empty_anchor"] = m
    m, op = detection()
    deq = [o for o in m.subgraphs[0].operators if o.outputs[0] == op.inputs[1]][0]
    op.inputs = [op.inputs[0], deq.inputs[0], op.inputs[2]]
    out["detection_int8_scores"] = m
    # uint8 box encodings with float32 anchors: LiteRT reads the anchors as uint8 then.
    m = read_model(os.path.join(REPO, "tests", "fixtures", "detection", "detection_postprocess_uint8.tflite"))
    op = m.subgraphs[0].operators[0]
    anchors = m.subgraphs[0].tensors[op.inputs[2]]
    a = np.frombuffer(bytes(m.buffers[anchors.buffer].data), dtype=np.uint8).astype(np.float32) * np.float32(0.004)
    m.buffers[anchors.buffer].data = np.frombuffer(a.astype(np.float32).tobytes(), dtype=np.uint8).copy()
    anchors.type = S.TensorType.FLOAT32
    anchors.quantization = None
    out["detection_uint8_float_anchors"] = m

    os.makedirs(out_dir, exist_ok=True)
    for name, model in out.items():
        write_model(model, os.path.join(out_dir, name + ".tflite"))
        print("broken: %s" % name)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "fixtures", "zoo"))
    ap.add_argument("--broken", default=os.path.join(REPO, "tests", "fixtures", "state_errors"),
                    help="where the models kiln must reject go (written with the full set)")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    if not args.names:
        broken_models(args.broken)
    zoo = os.path.join(REPO, "tests", "fixtures", "zoo")
    for name in args.names or list(MODELS):
        out = OUTSIDE_ZOO.get(name, args.out) if os.path.abspath(args.out) == zoo else args.out
        data = write_model(MODELS[name](), os.path.join(out, name + ".tflite"))
        print("%s: %d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()
