//! `SignalRfft` (TFLM `rfft.cc` → `rfft_{int16,int32,float}.cc`, KISS FFT's `kiss_fftr`): a
//! real FFT of length N is a complex FFT of N/2 points over the (even, odd) sample pairs
//! ([`KissFft`]), then a split step with the "super twiddles". In fixed point every stage
//! divides by its radix, so the output is the spectrum scaled by 1/N. Twiddles are computed at
//! compile time as KISS FFT's `kf_cexp` does (`floor(0.5 + SAMP_MAX·cos φ)`; `(float) cos φ`).

use super::kiss_fft::{add, fixdiv, get, mul, set, sub, twiddle, work, KissFft, Scalar, C};
use crate::ops::window_mut;

/// The compile-time plan of one FFT length on one scalar type.
#[derive(Clone, Copy, Debug)]
pub struct SignalRfftParams<T: 'static> {
    /// Real samples per transform (even).
    pub fft_length: usize,
    /// Samples per input row (≤ `fft_length`; the rest is zero padding).
    pub input_length: usize,
    /// Complex values per output row (`fft_length / 2 + 1`).
    pub output_length: usize,
    /// The forward complex FFT of `fft_length / 2` points.
    pub fft: KissFft<T>,
    /// `fft_length / 4` twiddles of the real-FFT split step.
    pub super_twiddles: &'static [[T; 2]],
}

/// The int16 plan (TFLM's micro_speech front end).
pub type SignalRfftParamsI16 = SignalRfftParams<i16>;
/// The int32 plan.
pub type SignalRfftParamsI32 = SignalRfftParams<i32>;
/// The float32 plan.
pub type SignalRfftParamsF32 = SignalRfftParams<f32>;

/// Each input row (`input_length` values) → `fft_length / 2 + 1` complex values (interleaved).
/// The complex FFT runs in the output row itself (it has one slot to spare), then the split step
/// rewrites it in place pair by pair (bins k and N/2 − k read together, written together).
fn rfft<T: Scalar>(p: &SignalRfftParams<T>, input: &[u8], output: &mut [u8]) {
    let n = p.fft_length / 2;
    if p.input_length == 0 || n == 0 {
        return;
    }
    let zero = T::default();
    for (r, row) in input.chunks_exact(p.input_length * T::BYTES).enumerate() {
        let out = window_mut(output, r * p.output_length * 2 * T::BYTES, (n + 1) * 2 * T::BYTES);
        work(&p.fft, out, 0, row, p.input_length, 0, 1, 0);
        let dc: C<T> = fixdiv(get(out, 0), 2);
        set(out, 0, C { r: dc.r.add(dc.i), i: zero });
        set(out, n, C { r: dc.r.sub(dc.i), i: zero });
        for k in 1..=n / 2 {
            let fpk = fixdiv(get(out, k), 2);
            let c: C<T> = get(out, n - k);
            let fpnk = fixdiv(C { r: c.r, i: c.i.neg() }, 2);
            let (f1k, f2k) = (add(fpk, fpnk), sub(fpk, fpnk));
            let tw = mul(f2k, twiddle(p.super_twiddles, k - 1));
            set(out, k, C { r: T::half_sum(f1k.r, tw.r), i: T::half_sum(f1k.i, tw.i) });
            set(out, n - k, C { r: T::half_diff(f1k.r, tw.r), i: T::half_diff(tw.i, f1k.i) });
        }
    }
}

/// int16 (KISS FFT `FIXED_POINT 16`).
pub fn signal_rfft_s16(p: &SignalRfftParamsI16, input: &[u8], output: &mut [u8]) {
    rfft(p, input, output)
}

/// int32 (KISS FFT `FIXED_POINT 32`).
pub fn signal_rfft_s32(p: &SignalRfftParamsI32, input: &[u8], output: &mut [u8]) {
    rfft(p, input, output)
}

/// float32.
pub fn signal_rfft_f32(p: &SignalRfftParamsF32, input: &[u8], output: &mut [u8]) {
    rfft(p, input, output)
}
