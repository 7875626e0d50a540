#!/usr/bin/env python3
"""Build test models for TFLM's signal-library custom ops (the integer audio front end of
micro_speech-style preprocessors), written op by op as flatbuffers with flexbuffer options.

    make_signal_models.py [--out DIR]     (default tests/fixtures/signal)

The TensorFlow converter only emits these ops from TFLM's own TensorFlow op library, so the
models are written by hand like make_state_models.py's (whose Graph class and schema they use).
Options are flexbuffer maps keyed as TFLM's TensorFlow ops name their attributes (the
`flatbuffers` package sorts the keys, and TFLM reads them by position in that order).

  signal_window         SignalWindow: int16 [3, 64] rows times a random full-range int16 window,
                        >> 9 (products saturate).
  signal_rfft_512       SignalRfft int16: 480 samples zero-padded to a 512-point FFT (KISS FFT
                        radix 4⁴).
  signal_rfft_64_rows   SignalRfft int16: [3, 64] rows, 64 points (radix 4, 4, 2).
  signal_rfft_8         SignalRfft int16: 5 samples padded to 8 points (one radix-4 stage).
  signal_energy         SignalEnergy: 257 complex bins → uint32, all bins.
  signal_filter_bank    SignalFilterBank: 40 mel channels (tables from the mel formula below,
                        weights in Q12) over 257 uint32 bins → uint64.
  signal_filter_bank_square_root
                        SignalFilterBankSquareRoot: 40 uint64 → uint32, scale_bits 7.
  signal_spectral_subtraction, signal_spectral_subtraction_clamped
                        SignalFilterBankSpectralSubtraction: 40 channels, TFLM's default
                        smoothing (0.04 / 0.04 in Q14), 10 smoothing bits, floor 0.05; two
                        outputs; the noise estimate is state carried from sample to sample.
  signal_pcan           SignalPCAN: 40 channels, snr_shift 6, gain table from PCAN's formula.
  signal_filter_bank_log
                        SignalFilterBankLog: 40 uint32 → int16, correction bits 3, scale 1600.
  signal_fft_auto_scale SignalFftAutoScale after a Window that keeps sample 0 and shrinks the
                        rest to |x| <= 128: shifts from 0 to 8; two outputs (frame, int32 shift).
  signal_fft_auto_scale_full
                        the same on full-range int16 (shift 0; −32768 samples hit MaxAbs16's
                        int16 negation).
  signal_delay          SignalDelay: [2, 16] rows delayed by 5 (state: the last 5 per row).
  signal_delay_long     SignalDelay: [8] delayed by 20 (longer than a frame).
  signal_overlap_add    SignalOverlapAdd int16: [2, 3, 16] frames at hop 8 → [2, 24] (sums
                        saturate).
  signal_overlap_add_f32
                        SignalOverlapAdd float32: [3, 16] frames at hop 4 → [12].
  signal_framer         SignalFramer: [2, 32] samples into frames of 40 every 16, prefilled →
                        [2, 2, 40] and the valid flag.
  signal_framer_short   SignalFramer: [48] into frames of 24 every 8, prefilled.
  signal_stacker        SignalStacker: frames of 10 channels, 2 left of context, step 1
                        (valid from the first call: the first frame is repeated).
  signal_stacker_right  SignalStacker: 2 left, 1 right, step 2 (every other call invalid, the
                        output then left as the previous call wrote it, in TFLM and kiln).
  signal_irfft_512      SignalIrfft int16: 257 complex bins → 512 samples (KISS FFT's kiss_fftri).
  signal_irfft_64_rows  SignalIrfft int16: [3, 66] → [3, 64] (radix 4, 4, 2).
  signal_irfft_8        SignalIrfft int16: 5 bins → 8 samples.
  signal_rfft_s32_64, signal_rfft_f32_64
                        SignalRfft int32 (KISS FFT FIXED_POINT 32; the goldens' int32 inputs are in
                        ±1000) and float32: 50 samples padded to 64 points.
  signal_irfft_s32_64, signal_irfft_f32_64
                        SignalIrfft int32 and float32: 33 bins → 64 samples.
  circular_buffer       the old TFLM custom op CIRCULAR_BUFFER (streaming strided convolutions):
                        int8 [1, 1, 2, 3] into a history of 4 slots, cycles_max 1.
  signal_front_end      the chain Window (Hann, Q12) → Rfft 512 → Energy (bins 4..241) →
                        FilterBank (40 mel channels, 125–7500 Hz at 16 kHz) → SquareRoot →
                        SpectralSubtraction → PCAN → FilterBankLog: int16 [480] → int16 [40].

It also writes tests/fixtures/signal/errors/*.tflite: models with one defect each, which kiln
must reject with a message naming the op and what it expected (tests/tests/signal.rs).

Goldens (TFLM's Python interpreter, 200 random inputs per model, in sequence):
    .venv-zoo/bin/python tests/scripts/make_signal_models.py
    .venv-oracle/bin/python tests/scripts/make_goldens.py --out tests/fixtures/signal/golden \\
        tests/fixtures/signal/*.tflite
"""

import argparse
import os
import sys

import numpy as np
from flatbuffers import flexbuffers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_state_models import REPO, S, Graph, quant, write_model  # noqa: E402

I16, I32, U32, U64 = S.TensorType.INT16, S.TensorType.INT32, S.TensorType.UINT32, S.TensorType.UINT64

SAMPLE_RATE = 16000
CHANNELS = 40


def options(**kw):
    """A flexbuffer map of ints and bools (the attributes of TFLM's signal ops)."""
    fbb = flexbuffers.Builder()
    with fbb.Map():
        for k, v in kw.items():
            if isinstance(v, bool):
                fbb.Bool(k, v)
            else:
                fbb.Int(k, int(v))
    return fbb.Finish()


def rng_for(name):
    return np.random.default_rng(sum(name.encode()) * 7919)


def hann_q12(n):
    """The periodic Hann window in Q12 (TFLM's window op scales by 2^shift; shift 12)."""
    k = np.arange(n)
    return np.round((0.5 - 0.5 * np.cos(2 * np.pi * k / n)) * 4096).astype(np.int16)


def mel(f):
    return 1127.0 * np.log1p(f / 700.0)


def mel_tables(fft_length, channels, lo_hz, hi_hz):
    """Triangular mel filter-bank tables in SignalFilterBank's layout: channels + 1 band
    descriptions between mel-spaced edges; band i covers the bins from edge i up to edge i + 1,
    its `weights` (Q12) the falling side of channel i - 1, its `unweights` the rising side of
    channel i. Returns (weights, unweights, freq_starts, weight_starts, widths, first bin,
    end bin)."""
    bin_hz = SAMPLE_RATE / fft_length
    edges_mel = np.linspace(mel(lo_hz), mel(hi_hz), channels + 2)
    edges_bin = [int(np.ceil(700.0 * np.expm1(m / 1127.0) / bin_hz)) for m in edges_mel]
    weights, unweights, starts, wstarts, widths = [], [], [], [], []
    for i in range(channels + 1):
        a, b = edges_bin[i], max(edges_bin[i + 1], edges_bin[i] + 1)
        starts.append(a)
        wstarts.append(len(weights))
        widths.append(b - a)
        for k in range(a, b):
            rise = (mel(k * bin_hz) - edges_mel[i]) / (edges_mel[i + 1] - edges_mel[i])
            u = int(round(min(max(rise, 0.0), 1.0) * 4096))
            unweights.append(u)
            weights.append(4096 - u)
    arr = lambda v: np.array(v, dtype=np.int16)  # noqa: E731
    return arr(weights), arr(unweights), arr(starts), arr(wstarts), arr(widths), edges_bin[0], max(starts[-1] + widths[-1], edges_bin[-1])


def pcan_lut(strength=0.95, offset=80.0, gain_bits=21, input_bits=7):
    """PCAN's gain table: gain(x) = 2^gain_bits · (x / 2^input_bits + offset)^-strength,
    as three coefficients (value, first and second difference) per power-of-two interval."""

    def gain(x):
        g = (1 << gain_bits) * (x / (1 << input_bits) + offset) ** -strength
        return min(int(g + 0.5), 32767)

    lut = np.zeros(125, dtype=np.int16)
    lut[0], lut[1] = gain(0), gain(1)
    for interval in range(2, 33):
        x0 = 1 << (interval - 1)
        x1 = x0 + (x0 >> 1)
        x2 = x0 + (x0 - 1) if interval == 32 else 2 * x0
        y0, y1, y2 = gain(x0), gain(x1), gain(x2)
        a1 = 4 * (y1 - y0) - (y2 - y0)
        a2 = (y2 - y0) - a1
        at = 4 * interval - 6
        lut[at], lut[at + 1], lut[at + 2] = y0, np.int16(np.clip(a1, -32768, 32767)), np.int16(np.clip(a2, -32768, 32767))
    return lut


SPECTRAL = dict(
    alternate_one_minus_smoothing=16384 - 655,
    alternate_smoothing=655,
    clamping=False,
    min_signal_remaining=819,
    num_channels=CHANNELS,
    one_minus_smoothing=16384 - 655,
    smoothing=655,
    smoothing_bits=10,
    spectral_subtraction_bits=14,
)


class Chain:
    """Adds signal ops to a Graph, each returning its output tensor(s)."""

    def __init__(self, g):
        self.g = g

    def window(self, x, shape, weights, shift):
        w = self.g.tensor("window", [len(weights)], I16, data=weights)
        y = self.g.tensor("windowed", shape, I16)
        self.g.custom_op("SignalWindow", [x, w], [y], options(shift=shift))
        return y

    def rfft(self, x, rows, fft_length, ttype=I16):
        y = self.g.tensor("spectrum", rows + [fft_length + 2], ttype)
        self.g.custom_op("SignalRfft", [x], [y], options(T=ttype, fft_length=fft_length))
        return y

    def irfft(self, x, rows, fft_length, ttype=I16):
        y = self.g.tensor("samples", rows + [fft_length], ttype)
        self.g.custom_op("SignalIrfft", [x], [y], options(T=ttype, fft_length=fft_length))
        return y

    def energy(self, x, bins, start, end):
        y = self.g.tensor("energy", [bins], U32)
        self.g.custom_op("SignalEnergy", [x], [y], options(end_index=end, start_index=start))
        return y

    def filter_bank(self, x, tables):
        ins = [x] + [self.g.tensor(n, [len(t)], I16, data=t) for n, t in zip(
            ["weights", "unweights", "channel_frequency_starts", "channel_weight_starts", "channel_widths"], tables)]
        y = self.g.tensor("filter_bank", [CHANNELS], U64)
        self.g.custom_op("SignalFilterBank", ins, [y], options(num_channels=CHANNELS))
        return y

    def square_root(self, x, bits):
        b = self.g.tensor("scale_bits", [], I32, data=np.array(bits, dtype=np.int32))
        y = self.g.tensor("sqrt", [CHANNELS], U32)
        self.g.custom_op("SignalFilterBankSquareRoot", [x, b], [y], options())
        return y

    def spectral_subtraction(self, x, **change):
        y = self.g.tensor("subtracted", [CHANNELS], U32)
        n = self.g.tensor("noise_estimate", [CHANNELS], U32)
        self.g.custom_op("SignalFilterBankSpectralSubtraction", [x], [y, n], options(**dict(SPECTRAL, **change)))
        return y, n

    def pcan(self, x, noise, snr_shift=6):
        lut = self.g.tensor("gain_lut", [125], I16, data=pcan_lut())
        y = self.g.tensor("pcan", [CHANNELS], U32)
        self.g.custom_op("SignalPCAN", [x, noise, lut], [y], options(snr_shift=snr_shift))
        return y

    def fft_auto_scale(self, x, n):
        y = self.g.tensor("scaled", [n], I16)
        b = self.g.tensor("scale_bits", [], I32)
        self.g.custom_op("SignalFftAutoScale", [x], [y, b], options())
        return y, b

    def delay(self, x, shape, d):
        y = self.g.tensor("delayed", shape, I16)
        self.g.custom_op("SignalDelay", [x], [y], options(delay_length=d))
        return y

    def overlap_add(self, x, out_shape, ttype, step):
        y = self.g.tensor("overlap_added", out_shape, ttype)
        self.g.custom_op("SignalOverlapAdd", [x], [y], options(T=ttype, frame_step=step))
        return y

    def framer(self, x, out_shape, size, step, prefill=True):
        y = self.g.tensor("frames", out_shape, I16)
        v = self.g.tensor("frames_valid", [], S.TensorType.BOOL)
        self.g.custom_op("SignalFramer", [x], [y, v], options(frame_size=size, frame_step=step, prefill=prefill))
        return y, v

    def stacker(self, x, channels, left, right, step):
        y = self.g.tensor("stack", [channels * (left + right + 1)], I16)
        v = self.g.tensor("stack_valid", [], S.TensorType.BOOL)
        self.g.custom_op("SignalStacker", [x], [y, v], options(num_channels=channels, stacker_left_context=left,
                                                                stacker_right_context=right, stacker_step=step))
        return y, v

    def log(self, x):
        y = self.g.tensor("log", [CHANNELS], I16)
        self.g.custom_op("SignalFilterBankLog", [x], [y], options(input_correction_bits=3, output_scale=1600))
        return y


def single(name, shape, dtype, build):
    g = Graph()
    x = g.tensor("input", shape, dtype)
    outs = build(Chain(g), x)
    outs = list(outs) if isinstance(outs, tuple) else [outs]
    return g.model([x], outs)


def models():
    r = rng_for("signal_window")
    window_weights = r.integers(-32768, 32767, size=64, endpoint=True).astype(np.int16)
    tables = mel_tables(512, CHANNELS, 125.0, 7500.0)
    yield "signal_window", single("signal_window", [3, 64], I16, lambda c, x: c.window(x, [3, 64], window_weights, 9))
    yield "signal_rfft_512", single("signal_rfft_512", [480], I16, lambda c, x: c.rfft(x, [], 512))
    yield "signal_rfft_64_rows", single("signal_rfft_64_rows", [3, 64], I16, lambda c, x: c.rfft(x, [3], 64))
    yield "signal_rfft_8", single("signal_rfft_8", [5], I16, lambda c, x: c.rfft(x, [], 8))
    yield "signal_energy", single("signal_energy", [514], I16, lambda c, x: c.energy(x, 257, 0, 257))
    yield "signal_filter_bank", single("signal_filter_bank", [257], U32, lambda c, x: c.filter_bank(x, tables[:5]))
    yield "signal_filter_bank_square_root", single("signal_filter_bank_square_root", [CHANNELS], U64, lambda c, x: c.square_root(x, 7))
    yield "signal_spectral_subtraction", single("signal_spectral_subtraction", [CHANNELS], U32, lambda c, x: c.spectral_subtraction(x))
    yield "signal_spectral_subtraction_clamped", single(
        "signal_spectral_subtraction_clamped", [CHANNELS], U32,
        lambda c, x: c.spectral_subtraction(x, clamping=True, smoothing=3000, one_minus_smoothing=13384, alternate_smoothing=900,
                                            alternate_one_minus_smoothing=15484, smoothing_bits=4))

    g = Graph()
    x = g.tensor("input", [CHANNELS], U32)
    noise = g.tensor("noise", [CHANNELS], U32)
    y = Chain(g).pcan(x, noise)
    yield "signal_pcan", g.model([x, noise], [y])
    yield "signal_filter_bank_log", single("signal_filter_bank_log", [CHANNELS], U32, lambda c, x: c.log(x))

    # Sample 0 passes unchanged, the rest shrink to |x| <= 128: the peak, and so the shift, is
    # |sample 0|'s (0 for half the inputs, 1 for a quarter, ...).
    peak = np.array([4096] + [16] * 63, dtype=np.int16)
    yield "signal_fft_auto_scale", single(
        "signal_fft_auto_scale", [64], I16, lambda c, x: c.fft_auto_scale(c.window(x, [64], peak, 12), 64))
    yield "signal_fft_auto_scale_full", single("signal_fft_auto_scale_full", [64], I16, lambda c, x: c.fft_auto_scale(x, 64))
    yield "signal_delay", single("signal_delay", [2, 16], I16, lambda c, x: c.delay(x, [2, 16], 5))
    yield "signal_delay_long", single("signal_delay_long", [8], I16, lambda c, x: c.delay(x, [8], 20))
    yield "signal_overlap_add", single("signal_overlap_add", [2, 3, 16], I16, lambda c, x: c.overlap_add(x, [2, 24], I16, 8))
    yield "signal_overlap_add_f32", single(
        "signal_overlap_add_f32", [3, 16], S.TensorType.FLOAT32, lambda c, x: c.overlap_add(x, [12], S.TensorType.FLOAT32, 4))
    yield "signal_framer", single("signal_framer", [2, 32], I16, lambda c, x: c.framer(x, [2, 2, 40], 40, 16))
    yield "signal_framer_short", single("signal_framer_short", [48], I16, lambda c, x: c.framer(x, [6, 24], 24, 8))
    yield "signal_stacker", single("signal_stacker", [10], I16, lambda c, x: c.stacker(x, 10, 2, 0, 1))
    yield "signal_stacker_right", single("signal_stacker_right", [10], I16, lambda c, x: c.stacker(x, 10, 2, 1, 2))

    yield "signal_irfft_512", single("signal_irfft_512", [514], I16, lambda c, x: c.irfft(x, [], 512))
    yield "signal_irfft_64_rows", single("signal_irfft_64_rows", [3, 66], I16, lambda c, x: c.irfft(x, [3], 64))
    yield "signal_irfft_8", single("signal_irfft_8", [10], I16, lambda c, x: c.irfft(x, [], 8))

    F32 = S.TensorType.FLOAT32
    yield "signal_rfft_s32_64", single("signal_rfft_s32_64", [50], I32, lambda c, x: c.rfft(x, [], 64, I32))
    yield "signal_rfft_f32_64", single("signal_rfft_f32_64", [50], F32, lambda c, x: c.rfft(x, [], 64, F32))
    yield "signal_irfft_s32_64", single("signal_irfft_s32_64", [66], I32, lambda c, x: c.irfft(x, [], 64, I32))
    yield "signal_irfft_f32_64", single("signal_irfft_f32_64", [66], F32, lambda c, x: c.irfft(x, [], 64, F32))

    g = Graph()
    q = quant(0.05, -3)
    x = g.tensor("input", [1, 1, 2, 3], S.TensorType.INT8, q)
    y = g.tensor("history", [1, 4, 2, 3], S.TensorType.INT8, quant(0.05, -3))
    g.custom_op("CIRCULAR_BUFFER", [x], [y], options(cycles_max=1))
    yield "circular_buffer", g.model([x], [y])

    def front_end(c, x):
        _, _, _, _, _, first, end = tables
        y = c.window(x, [480], hann_q12(480), 12)
        y = c.rfft(y, [], 512)
        y = c.energy(y, 257, first, end)
        y = c.filter_bank(y, tables[:5])
        y = c.square_root(y, 7)
        y, noise = c.spectral_subtraction(y)
        y = c.pcan(y, noise)
        return c.log(y)

    yield "signal_front_end", single("signal_front_end", [480], I16, front_end)


def broken_models():
    """One defect each: (name, model)."""
    tables = mel_tables(512, CHANNELS, 125.0, 7500.0)

    def raw(name, shape, dtype, code, out_shape, out_dtype, opts):
        g = Graph()
        x = g.tensor("input", shape, dtype)
        y = g.tensor("output", out_shape, out_dtype)
        g.custom_op(code, [x], [y], opts)
        return name, g.model([x], [y])

    yield "window_shift_40", single("w", [64], I16, lambda c, x: c.window(x, [64], hann_q12(64), 40))
    yield "rfft_length_12", raw("r", [12], I16, "SignalRfft", [14], I16, options(T=I16, fft_length=12))[1]
    yield "rfft_float32", raw("r", [16], I16, "SignalRfft", [18], I16, options(T=S.TensorType.FLOAT32, fft_length=16))[1]
    yield "energy_extra_option", raw("e", [514], I16, "SignalEnergy", [257], U32, options(aaa=1, end_index=257, start_index=0))[1]
    yield "energy_end_past_bins", raw("e", [514], I16, "SignalEnergy", [257], U32, options(end_index=300, start_index=0))[1]
    bad = [t.copy() for t in tables[:5]]
    bad[4][3] = 400  # channel 3's width runs past the 257 bins
    yield "filter_bank_width_past_input", single("f", [257], U32, lambda c, x: c.filter_bank(x, bad))
    yield "spectral_subtraction_smoothing_bits_32", single(
        "s", [CHANNELS], U32, lambda c, x: c.spectral_subtraction(x, smoothing_bits=32))

    g = Graph()
    x = g.tensor("input", [CHANNELS], U32)
    noise = g.tensor("noise", [CHANNELS], U32)
    lut = g.tensor("gain_lut", [100], I16, data=pcan_lut()[:100])
    y = g.tensor("pcan", [CHANNELS], U32)
    g.custom_op("SignalPCAN", [x, noise, lut], [y], options(snr_shift=6))
    yield "pcan_short_lut", g.model([x, noise], [y])
    yield "stacker_step_past_context", single("s", [10], I16, lambda c, x: c.stacker(x, 10, 1, 0, 3))
    for name, opts in [("circular_buffer_cycles_2", options(cycles_max=2)), ("circular_buffer_no_cycles", b"")]:
        g = Graph()
        x = g.tensor("input", [1, 1, 2, 3], S.TensorType.INT8, quant(0.05, -3))
        y = g.tensor("history", [1, 4, 2, 3], S.TensorType.INT8, quant(0.05, -3))
        g.custom_op("CIRCULAR_BUFFER", [x], [y], opts)
        yield name, g.model([x], [y])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "fixtures", "signal"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, m in models():
        m.description = b"kiln: generated by tests/scripts/make_signal_models.py"
        write_model(m, os.path.join(args.out, name + ".tflite"))
        print("wrote", name)
    errors = os.path.join(args.out, "errors")
    os.makedirs(errors, exist_ok=True)
    for name, m in broken_models():
        m.description = b"kiln: generated by tests/scripts/make_signal_models.py (a defective model)"
        write_model(m, os.path.join(errors, name + ".tflite"))


if __name__ == "__main__":
    main()
