//! `SignalRfft` on int16 (TFLM `rfft.cc` → `rfft_int16.cc`, KISS FFT's `kiss_fftr`): a real FFT
//! of length N is a complex FFT of N/2 points over the (even, odd) sample pairs ([`KissFft`]),
//! then a split step with the "super twiddles". Every stage divides by its radix, so the output
//! is the spectrum scaled by 1/N. Twiddles are computed at compile time
//! (`floor(0.5 + 32767·cos φ)`, as KISS FFT's fixed-point `kf_cexp`).

use super::kiss_fft::{add, fixdiv, get, mul, set, sub, twiddle, work, KissFft, C};
use crate::ops::window_mut;

/// The compile-time plan of one FFT length.
#[derive(Clone, Copy, Debug)]
pub struct SignalRfftParams {
    /// Real samples per transform (even).
    pub fft_length: usize,
    /// Samples per input row (≤ `fft_length`; the rest is zero padding).
    pub input_length: usize,
    /// Complex values per output row (`fft_length / 2 + 1`).
    pub output_length: usize,
    /// The forward complex FFT of `fft_length / 2` points.
    pub fft: KissFft,
    /// `fft_length / 4` twiddles of the real-FFT split step.
    pub super_twiddles: &'static [[i16; 2]],
}

/// Each input row (`input_length` int16) → `fft_length / 2 + 1` complex int16 (interleaved).
/// The complex FFT runs in the output row itself (it has one slot to spare), then the split step
/// rewrites it in place pair by pair (bins k and N/2 − k read together, written together).
pub fn signal_rfft_s16(p: &SignalRfftParams, input: &[u8], output: &mut [u8]) {
    let n = p.fft_length / 2;
    if p.input_length == 0 || n == 0 {
        return;
    }
    for (r, row) in input.chunks_exact(p.input_length * 2).enumerate() {
        let out = window_mut(output, r * p.output_length * 4, (n + 1) * 4);
        work(&p.fft, out, 0, row, p.input_length, 0, 1, 0);
        let dc = fixdiv(get(out, 0), 2);
        set(out, 0, C { r: dc.r.wrapping_add(dc.i), i: 0 });
        set(out, n, C { r: dc.r.wrapping_sub(dc.i), i: 0 });
        for k in 1..=n / 2 {
            let fpk = fixdiv(get(out, k), 2);
            let c = get(out, n - k);
            let fpnk = fixdiv(C { r: c.r, i: c.i.wrapping_neg() }, 2);
            let (f1k, f2k) = (add(fpk, fpnk), sub(fpk, fpnk));
            let tw = mul(f2k, twiddle(p.super_twiddles, k - 1));
            let half = |a: i16, b: i16, sign: i32| ((i32::from(a) + sign * i32::from(b)) >> 1) as i16;
            set(out, k, C { r: half(f1k.r, tw.r, 1), i: half(f1k.i, tw.i, 1) });
            set(out, n - k, C { r: half(f1k.r, tw.r, -1), i: half(tw.i, f1k.i, -1) });
        }
    }
}
