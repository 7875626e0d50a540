//! `SignalIrfft` on int16 (TFLM `irfft.cc` → `irfft_int16.cc`, KISS FFT's `kiss_fftri`): the
//! inverse of [`super::signal_rfft_s16`]'s split step (N/2 + 1 complex bins → N/2 complex
//! points, with the inverse super twiddles), then the inverse complex FFT of N/2 points, whose
//! output read as int16 pairs is the N real samples (scaled down by the stages' divisions).
//! The split step writes into a scratch buffer of the arena (the complex FFT cannot run in place).

use super::kiss_fft::{add, fixdiv, get, mul, set, sub, twiddle, work, KissFft, C};
use crate::ops::{window, window_mut};

/// The compile-time plan of one inverse FFT length.
#[derive(Clone, Copy, Debug)]
pub struct SignalIrfftParams {
    /// Real samples per output row (even).
    pub fft_length: usize,
    /// Complex values per input row (`fft_length / 2 + 1`).
    pub input_length: usize,
    /// The inverse complex FFT of `fft_length / 2` points.
    pub fft: KissFft,
    /// `fft_length / 4` inverse twiddles of the split step.
    pub super_twiddles: &'static [[i16; 2]],
}

/// Step 1: each input row's bins → `fft_length / 2` complex values in `scratch` (rows after
/// each other).
pub fn signal_irfft_s16_split(p: &SignalIrfftParams, input: &[u8], scratch: &mut [u8]) {
    let n = p.fft_length / 2;
    if p.input_length == 0 || n == 0 {
        return;
    }
    for (r, f) in input.chunks_exact(p.input_length * 4).enumerate() {
        let tmp = window_mut(scratch, r * n * 4, n * 4);
        let (f0, fn_) = (get(f, 0), get(f, n));
        set(tmp, 0, fixdiv(C { r: f0.r.wrapping_add(fn_.r), i: f0.r.wrapping_sub(fn_.r) }, 2));
        for k in 1..=n / 2 {
            let fk = fixdiv(get(f, k), 2);
            let c = get(f, n - k);
            let fnkc = fixdiv(C { r: c.r, i: c.i.wrapping_neg() }, 2);
            let (fek, diff) = (add(fk, fnkc), sub(fk, fnkc));
            let fok = mul(diff, twiddle(p.super_twiddles, k - 1));
            set(tmp, k, add(fek, fok));
            let low = sub(fek, fok);
            set(tmp, n - k, C { r: low.r, i: low.i.wrapping_neg() });
        }
    }
}

/// Step 2: the inverse complex FFT of each scratch row into `fft_length` int16 samples.
pub fn signal_irfft_s16_fft(p: &SignalIrfftParams, scratch: &[u8], output: &mut [u8]) {
    let n = p.fft_length / 2;
    for r in 0..output.len() / (p.fft_length * 2).max(1) {
        let row = window(scratch, r * n * 4, n * 4);
        let out = window_mut(output, r * p.fft_length * 2, p.fft_length * 2);
        work(&p.fft, out, 0, row, p.fft_length, 0, 1, 0);
    }
}
