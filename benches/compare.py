#!/usr/bin/env python3
"""kiln vs the interpreted runtimes, interleaved in one run.

For every model and every round, each runtime runs the same fixed input for about
--seconds of wall time: TFLM (the `tflite-micro` interpreter, reference kernels), LiteRT with
its reference kernels, LiteRT's optimized built-in kernels without delegates, LiteRT with
XNNPACK on one thread, and kiln (the `kiln-bench` runner, which times itself so process start-up
is excluded). The order of runtimes rotates from round to round. A runtime that refuses a model
(LiteRT rejects person_detect's rank-1 per-channel biases) is reported as such, not skipped. The machine is noisy, so the
figures are medians over rounds, and the ratios (peer time / kiln time: how many times faster
kiln is) are the medians of the per-round ratios.

Usage (from the repository root; benches/run.sh sets this up):
    .venv-bench/bin/python benches/compare.py [--rounds 7] [--seconds 0.3] [--out benches/results]
"""

import argparse
import json
import pathlib
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
# kiln is an ahead-of-time compiler: users build for the CPU they deploy on, as the peers pick
# their kernels for the running CPU at run time. The main figure is kiln built for this host
# (`-C target-cpu=native`); the baseline x86-64 build (SSE2 only) is measured beside it.
KILN_BENCH = ROOT / "benches" / "target-native" / "release" / "kiln-bench"
KILN_BENCH_BASE = ROOT / "benches" / "target" / "release" / "kiln-bench"
# The same with the opt-in `amx` feature (AMX tile products for 1x1 layers on CPUs that have
# AMX; on others it runs the build above's kernels).
KILN_BENCH_AMX = ROOT / "benches" / "target-amx" / "release" / "kiln-bench"

MODELS = {
    "digits_int8": "tests/fixtures/zoo/digits_int8.tflite",
    "mobilenet_v1_025_96": "tests/fixtures/zoo/mobilenet_v1_025_96.tflite",
    "mobilenet_v2_035_96": "tests/fixtures/zoo/mobilenet_v2_035_96.tflite",
    "person_detect": "../shared/models/tflm/person_detect.tflite",
    "micro_speech_quantized": "../shared/models/tflm/micro_speech_quantized.tflite",
    # Benchmark-only, not committed: `benches/make_bench_models.py` makes it (kiln-bench compiles it
    # in only when the file exists, see benches/build.rs).
    "mobilenet_v1_100_224": "benches/models/mobilenet_v1_100_224.tflite",
}
PEERS = ["tflm", "litert_ref", "litert_opt", "xnnpack_1t"]
LABELS = {
    "tflm": "TFLM (reference kernels)",
    "litert_ref": "LiteRT reference kernels",
    "litert_opt": "LiteRT optimized kernels (no delegate)",
    "xnnpack_1t": "LiteRT + XNNPACK, 1 thread",
    "kiln": "kiln (built for this CPU)",
    "kiln_base": "kiln (baseline x86-64 build)",
    "kiln_amx": "kiln + `amx` feature (built for this CPU)",
}


def input_for(model, shape, dtype):
    """The same fixed input kiln-bench uses: the first golden input, else seeded random bytes."""
    n = int(np.prod(shape)) * np.dtype(dtype).itemsize
    golden = ROOT / "tests" / "fixtures" / "golden" / model / "input0.bin"
    if golden.exists():
        raw = golden.read_bytes()[:n]
    else:
        # xorshift64, identical to kiln_benches::input_bytes
        s = (0x2545F4914F6CDD1D ^ n) & 0xFFFFFFFFFFFFFFFF
        out = bytearray()
        for _ in range(n):
            s ^= (s << 13) & 0xFFFFFFFFFFFFFFFF
            s ^= s >> 7
            s ^= (s << 17) & 0xFFFFFFFFFFFFFFFF
            out.append(s & 0xFF)
        raw = bytes(out)
    return np.frombuffer(raw, dtype=dtype).reshape(shape)


class Tflm:
    def __init__(self, path, model):
        from tflite_micro import runtime as tflm

        self.it = tflm.Interpreter.from_file(str(path), arena_size=16 * 1024 * 1024)
        d = self.it.get_input_details(0)
        self.x = input_for(model, d["shape"], d["dtype"])

    def __call__(self):
        self.it.set_input(self.x, 0)
        self.it.invoke()


class Litert:
    def __init__(self, path, model, kind):
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        resolver = {
            "litert_ref": OpResolverType.BUILTIN_REF,
            "litert_opt": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
            "xnnpack_1t": OpResolverType.AUTO,
        }[kind]
        self.it = Interpreter(model_path=str(path), num_threads=1, experimental_op_resolver_type=resolver)
        self.it.allocate_tensors()
        d = self.it.get_input_details()[0]
        self.index = d["index"]
        self.x = input_for(model, d["shape"], d["dtype"])

    def __call__(self):
        self.it.set_tensor(self.index, self.x)
        self.it.invoke()


def time_python(fn, seconds):
    fn()  # warm-up
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    iters = max(1, int(seconds / one))
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    return (time.perf_counter() - t0) / iters


def time_kiln(model, seconds, guess, binary=KILN_BENCH):
    iters = max(1, int(seconds / max(guess, 1e-7)))
    out = subprocess.run([str(binary), model, str(iters)], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=0.3, help="wall time per runtime per round")
    ap.add_argument("--models", nargs="*", default=[m for m in MODELS if not MODELS[m].startswith("benches/models/") or (ROOT / MODELS[m]).exists()],
                    help="default: all (the benchmark-only models only when benches/models/ has them)")
    ap.add_argument("--out", default=str(ROOT / "benches" / "results"))
    args = ap.parse_args()
    for b in [KILN_BENCH, KILN_BENCH_BASE, KILN_BENCH_AMX]:
        if not b.exists():
            sys.exit(f"{b} is missing: benches/run.sh builds it")

    results = {}
    for model in args.models:
        path = (ROOT / MODELS[model]).resolve()
        if not path.exists():
            sys.exit(f"{path} is missing")
        runners, refused = {"tflm": Tflm(path, model)}, {}
        for kind in ["litert_ref", "litert_opt", "xnnpack_1t"]:
            try:
                runners[kind] = Litert(path, model, kind)
            except ValueError as e:  # e.g. LiteRT rejects person_detect's rank-1 per-channel biases
                refused[kind] = str(e).split(".")[0]
        kilns = {"kiln": KILN_BENCH, "kiln_base": KILN_BENCH_BASE, "kiln_amx": KILN_BENCH_AMX}
        times = {k: [] for k in list(runners) + list(kilns)}
        guess = {k: time_kiln(model, 0.0, 1.0, b) for k, b in kilns.items()}  # one timed inference sizes the loop
        order = list(runners) + list(kilns)
        for r in range(args.rounds):
            rotated = order[r % len(order):] + order[: r % len(order)]
            for k in rotated:
                if k in kilns:
                    times[k].append(time_kiln(model, args.seconds, guess[k], kilns[k]))
                else:
                    times[k].append(time_python(runners[k], args.seconds))
        ratios = {k: statistics.median(p / q for p, q in zip(times[k], times["kiln"])) for k in list(runners) + ["kiln_base", "kiln_amx"]}
        # The AMX build against XNNPACK (which uses AMX on such CPUs), round by round.
        if "xnnpack_1t" in runners:
            ratios["xnnpack_1t_vs_amx"] = statistics.median(p / q for p, q in zip(times["xnnpack_1t"], times["kiln_amx"]))
        results[model] = {
            "median_seconds": {k: statistics.median(v) for k, v in times.items()},
            "speedup_vs": ratios,
            "refused": refused,
            "rounds": args.rounds,
        }
        med = results[model]["median_seconds"]
        print(f"{model}: kiln {med['kiln'] * 1e3:.3f} ms; " + ", ".join(f"{k} {med[k] * 1e3:.3f} ms (x{ratios[k]:.2f})" for k in list(runners) + ["kiln_base", "kiln_amx"]), flush=True)
        for k, why in refused.items():
            print(f"  {k}: cannot run the model ({why})", flush=True)

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {platform.processor() or 'unknown CPU'}, Python {platform.python_version()}",
        "rounds": args.rounds,
        "seconds_per_runtime_per_round": args.seconds,
    }
    (out / "host.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    lines = [
        f"| model | {LABELS['kiln']} | {LABELS['kiln_base']} | {LABELS['kiln_amx']} | " + " | ".join(LABELS[p] for p in PEERS) + " |",
        "|---|---:|---:|---:|" + "---:|" * len(PEERS),
    ]
    for model, r in results.items():
        med, sp = r["median_seconds"], r["speedup_vs"]
        cells = [f"{med[p] * 1e3:.3f} ms (kiln ×{sp[p]:.2f})" if p in sp else "rejects the model" for p in PEERS]
        base = f"{med['kiln_base'] * 1e3:.3f} ms (×{sp['kiln_base']:.2f})"
        amx = f"{med['kiln_amx'] * 1e3:.3f} ms (×{sp['kiln_amx']:.2f}" + (f"; XNNPACK ×{sp['xnnpack_1t_vs_amx']:.2f})" if "xnnpack_1t_vs_amx" in sp else ")")
        lines.append(f"| {model} | {med['kiln'] * 1e3:.3f} ms | {base} | {amx} | " + " | ".join(cells) + " |")
    table = "\n".join(lines) + "\n"
    (out / "host.md").write_text(table)
    print()
    print(table)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(results)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / len(PEERS)
    for i, p in enumerate(PEERS):
        ax.bar([m + i * width for m in range(len(models))], [results[m]["speedup_vs"].get(p, 0) for m in models], width, label=LABELS[p])
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_ylabel("peer time / kiln time (>1: kiln faster)")
    ax.set_xticks([m + 0.4 - width / 2 for m in range(len(models))], models, rotation=15)
    ax.set_title(f"kiln (built for this CPU) vs interpreted runtimes (median of {args.rounds} interleaved rounds)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "host.png", dpi=110)
    print(f"wrote {out / 'host.md'}, {out / 'host.json'}, {out / 'host.png'}")


if __name__ == "__main__":
    main()
