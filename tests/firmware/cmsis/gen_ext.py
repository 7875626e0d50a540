"""CMSIS-NN peer generator with the layers kiln's comparison needs beyond the shared `gen.py`.

The peer's generator (`../shared/peers/cmsis-nn/gen.py`, not part of this repository) emits each
layer of a .tflite as the CMSIS-NN call TFLM's `cmsis_nn` kernels would make, and stops on ops
it does not handle. This module runs that generator *unchanged* (read from its own location at
run time, never copied) with one hook: before its per-op `if name == …` chain, ops this module
handles are emitted here instead:

* ADD (int8, same shapes): `arm_elementwise_add_s8`, parameters as TFLM's cmsis_nn ADD
  prepares them (left shift 20; input multipliers scale_i / (2·max(scale_1, scale_2)); output
  multiplier 2·max / (2^20 · scale_out); all via QuantizeMultiplier; fused activation range).
* MEAN (int8, any axes of a 4-D input): CMSIS-NN has no MEAN and TFLM runs its reference
  kernel on Cortex-M too, so the layer is that kernel's integer arithmetic as a plain C loop
  (`QuantizedMeanOrSum`: int32 sums, zero point · n subtracted, QuantizeMultiplier(in/out) with
  1/n folded in: shift' = min(floor(log2 n), 32, 31 + shift), multiplier' = (multiplier << shift') / n,
  then TFLM's MultiplyByQuantizedMultiplier via CMSIS-NN's `arm_nn_requantize`, + output zero point).
* FULLY_CONNECTED with per-channel weights (TensorFlow ≥ 2.18 writes them by default):
  `arm_fully_connected_per_channel_s8`, one multiplier per output channel from
  input_scale · filter_scale[c] / output_scale in double, as TFLM's per-channel FC prepares it.
  (The shared generator's FC path reads only the first filter scale.)

Usage (what `run.sh` calls as `$here/gen.py`): gen_ext.py MODEL.tflite IN.bin OUT.bin [LAYERS_TXT]
with KILN_CMSIS_GEN = the shared gen.py. `tests/firmware/vs_cmsis.sh` sets this up.
"""
import ast
import os
import sys


def _hook(ns):
    np, S = ns["np"], ns["S"]
    tensor, qm, act_range = ns["tensor"], ns["quantize_multiplier"], ns["act_range"]
    decl, setup, run, acts = ns["decl"], ns["setup"], ns["run"], ns["acts"]
    helpers = set()

    def per_channel(t):
        q = ns["g"].Tensors(t).Quantization()
        return q is not None and q.ScaleLength() > 1

    def wants(name, ins):
        if name in ("ADD", "MEAN"):
            return True
        return name == "FULLY_CONNECTED" and per_channel(int(ins[1]))

    def add(oi, op, ins, outs, x, y, X, Y):
        x2 = tensor(ins[1])
        if [int(d) for d in x["shape"]] != [int(d) for d in x2["shape"]] or [int(d) for d in x["shape"]] != [int(d) for d in y["shape"]]:
            raise SystemExit(f"op #{oi} ADD with broadcasting not handled")
        acts.add(int(ins[1]))
        o = S.AddOptions()
        o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
        s1, s2, so = float(x["scale"][0]), float(x2["scale"][0]), float(y["scale"][0])
        left_shift = 20
        twice_max = 2.0 * max(s1, s2)
        m1, sh1 = qm(s1 / twice_max)
        m2, sh2 = qm(s2 / twice_max)
        mo, sho = qm(twice_max / ((1 << left_shift) * so))
        lo, hi = act_range(o.FusedActivationFunction(), y["scale"][0], y["zp"][0])
        n = int(np.prod(y["shape"]))
        run.append(f"  CHECK(arm_elementwise_add_s8({X}, t{int(ins[1])}, {-int(x['zp'][0])}, {m1}, {sh1}, {-int(x2['zp'][0])}, {m2}, {sh2}, "
                   f"{left_shift}, {Y}, {int(y['zp'][0])}, {mo}, {sho}, {lo}, {hi}, {n}));\n")

    def mean(oi, op, ins, outs, x, y, X, Y):
        shape = [int(d) for d in x["shape"]]
        if len(shape) != 4:
            raise SystemExit(f"op #{oi} MEAN on a {len(shape)}-D input not handled")
        axes = sorted({int(a) % 4 for a in tensor(ins[1])["data"].view(np.int32)})
        n = int(np.prod([shape[a] for a in axes]))
        mult, shift = qm(float(x["scale"][0]) / float(y["scale"][0]))
        fold = max(min(n.bit_length() - 1, 32, 31 + shift), 0)
        mult, shift = (mult << fold) // n, shift - fold
        if "mean" not in helpers:
            helpers.add("mean")
            decl.append(
                '#include "arm_nnsupportfunctions.h"\n'
                "/* TFLM's reference integer MEAN (QuantizedMeanOrSum, 1/n folded into the multiplier) over a\n"
                "   4-D int8 tensor: r[k] = 1 for a reduced axis. Not a CMSIS-NN kernel: CMSIS-NN has no MEAN. */\n"
                "static void ref_mean_s8(const int8_t *in, int8_t *out, const int32_t d[4], const int32_t r[4], int32_t zp_n,\n"
                "                        int32_t mult, int32_t shift, int32_t out_zp) {\n"
                "  int32_t o[4], st[4] = {d[1] * d[2] * d[3], d[2] * d[3], d[3], 1};\n"
                "  for (o[0] = 0; o[0] < (r[0] ? 1 : d[0]); o[0]++)\n"
                "  for (o[1] = 0; o[1] < (r[1] ? 1 : d[1]); o[1]++)\n"
                "  for (o[2] = 0; o[2] < (r[2] ? 1 : d[2]); o[2]++)\n"
                "  for (o[3] = 0; o[3] < (r[3] ? 1 : d[3]); o[3]++) {\n"
                "    int32_t sum = 0, i[4];\n"
                "    for (i[0] = o[0]; i[0] < (r[0] ? d[0] : o[0] + 1); i[0]++)\n"
                "    for (i[1] = o[1]; i[1] < (r[1] ? d[1] : o[1] + 1); i[1]++)\n"
                "    for (i[2] = o[2]; i[2] < (r[2] ? d[2] : o[2] + 1); i[2]++)\n"
                "    for (i[3] = o[3]; i[3] < (r[3] ? d[3] : o[3] + 1); i[3]++)\n"
                "      sum += in[i[0] * st[0] + i[1] * st[1] + i[2] * st[2] + i[3]];\n"
                "    int32_t v = arm_nn_requantize(sum - zp_n, mult, shift) + out_zp;\n"
                "    *out++ = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);\n"
                "  }\n"
                "}\n")
        L = f"L{oi}"
        red = ",".join("1" if a in axes else "0" for a in range(4))
        decl.append(f"static const int32_t {L}_d[4] = {{{','.join(map(str, shape))}}}, {L}_r[4] = {{{red}}};\n")
        zp_n = int(x["zp"][0]) * n
        run.append(f"  ref_mean_s8({X}, {Y}, {L}_d, {L}_r, {zp_n}, {mult}, {shift}, {int(y['zp'][0])});\n")

    def fc_per_channel(oi, op, ins, outs, x, y, X, Y):
        w = tensor(ins[1])
        b = tensor(ins[2]) if int(ins[2]) >= 0 else None
        o = S.FullyConnectedOptions()
        o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
        oc, accum = (int(d) for d in w["shape"])
        batches = int(np.prod(x["shape"])) // accum
        ms, ss = zip(*(qm(float(x["scale"][0]) * float(w["scale"][c]) / float(y["scale"][0])) for c in range(oc)))
        lo, hi = act_range(o.FusedActivationFunction(), y["scale"][0], y["zp"][0])
        L, carr = f"L{oi}", ns["carr"]
        decl.append(carr(f"{L}_w", "int8_t", w["data"].view(np.int8)))
        bias = b["data"].view(np.int32) if b is not None else np.zeros(oc, np.int32)
        decl.append(carr(f"{L}_b", "int32_t", bias))
        decl.append(carr(f"{L}_m", "int32_t", ms).replace("static const", "static"))
        decl.append(carr(f"{L}_s", "int32_t", ss).replace("static const", "static"))
        decl.append(f"static const cmsis_nn_dims {L}_id = {{{batches},1,1,{accum}}}, {L}_fd = {{{accum},1,1,{oc}}}, {L}_bd = {{1,1,1,{oc}}}, {L}_od = {{{batches},1,1,{oc}}};\n"
                    f"static const cmsis_nn_fc_params {L}_p = {{{-int(x['zp'][0])}, {-int(w['zp'][0])}, {int(y['zp'][0])}, {{{lo},{hi}}}}};\n"
                    f"static cmsis_nn_per_channel_quant_params {L}_q = {{{L}_m, {L}_s}};\n"
                    f"static int32_t {L}_sums[{oc}];\n")
        setup.append(f"  if (arm_fully_connected_s8_get_buffer_size(&{L}_fd) > 0) arm_vector_sum_s8({L}_sums, {accum}, {oc}, {L}_w, {-int(x['zp'][0])}, 0, {L}_b);\n")
        run.append(f"  {{ cmsis_nn_context c = {{{L}_sums, arm_fully_connected_s8_get_buffer_size(&{L}_fd)}};\n"
                   f"    CHECK(arm_fully_connected_per_channel_s8(&c, &{L}_p, &{L}_q, &{L}_id, {X}, &{L}_fd, {L}_w, &{L}_bd, {L}_b, &{L}_od, {Y})); }}\n")

    def emit(oi, name, op, ins, outs, x, y, X, Y):
        {"ADD": add, "MEAN": mean, "FULLY_CONNECTED": fc_per_channel}[name](oi, op, ins, outs, x, y, X, Y)

    return wants, emit


class _Hook(ast.NodeTransformer):
    """Puts `if ext_wants(name, ins): ext_emit(...) else: <gen.py's chain>` in the per-op loop."""

    def __init__(self):
        self.done = 0

    def visit_For(self, node):
        self.generic_visit(node)
        for k, stmt in enumerate(node.body):
            if (isinstance(stmt, ast.If) and isinstance(stmt.test, ast.Compare)
                    and isinstance(stmt.test.left, ast.Name) and stmt.test.left.id == "name"):
                hook = ast.parse("if ext_wants(name, ins):\n"
                                 "    ext_emit(oi, name, op, ins, outs, x, y, X, Y)\n").body[0]
                hook.orelse = [stmt]
                node.body[k] = hook
                self.done += 1
                break
        return node


def main():
    src_path = os.environ.get("KILN_CMSIS_GEN")
    if not src_path or not os.path.isfile(src_path):
        raise SystemExit(f"gen_ext.py: KILN_CMSIS_GEN={src_path!r} is not the peer's gen.py")
    tree = ast.parse(open(src_path).read(), src_path)
    hook = _Hook()
    tree = ast.fix_missing_locations(hook.visit(tree))
    if hook.done != 1:
        raise SystemExit(f"gen_ext.py: found {hook.done} per-op `if name ...` chains in {src_path}, expected 1 (gen.py changed?)")
    ns = {"__name__": "__main__", "__file__": src_path}

    # The hook needs gen.py's helpers and lists, which exist once its top-level code has run up to
    # the loop: bind lazily on first call.
    state = {}

    def ext_wants(name, ins):
        if not state:
            state["fns"] = _hook(ns)
        return state["fns"][0](name, ins)

    def ext_emit(*args):
        return state["fns"][1](*args)

    ns["ext_wants"], ns["ext_emit"] = ext_wants, ext_emit
    sys.argv = [src_path] + sys.argv[1:]
    exec(compile(tree, src_path, "exec"), ns)


if __name__ == "__main__":
    main()
