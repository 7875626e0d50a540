//! `SignalIrfft` (TFLM `irfft.cc` → `irfft_{int16,int32,float}.cc`, KISS FFT's `kiss_fftri`):
//! the inverse of [`super::signal_rfft_s16`]'s split step (N/2 + 1 complex bins → N/2 complex
//! points, with the inverse super twiddles), then the inverse complex FFT of N/2 points, whose
//! output read as scalar pairs is the N real samples (in fixed point scaled down by the stages'
//! divisions). The split step writes into a scratch buffer of the arena (the complex FFT cannot
//! run in place).

use super::kiss_fft::{add, fixdiv, get, mul, set, sub, twiddle, work, KissFft, Scalar, C};
use crate::ops::{window, window_mut};

/// The compile-time plan of one inverse FFT length on one scalar type.
#[derive(Clone, Copy, Debug)]
pub struct SignalIrfftParams<T: 'static> {
    /// Real samples per output row (even).
    pub fft_length: usize,
    /// Complex values per input row (`fft_length / 2 + 1`).
    pub input_length: usize,
    /// The inverse complex FFT of `fft_length / 2` points.
    pub fft: KissFft<T>,
    /// `fft_length / 4` inverse twiddles of the split step.
    pub super_twiddles: &'static [[T; 2]],
}

/// The int16 plan.
pub type SignalIrfftParamsI16 = SignalIrfftParams<i16>;
/// The int32 plan.
pub type SignalIrfftParamsI32 = SignalIrfftParams<i32>;
/// The float32 plan.
pub type SignalIrfftParamsF32 = SignalIrfftParams<f32>;

/// Step 1: each input row's bins → `fft_length / 2` complex values in `scratch` (rows after
/// each other).
fn split<T: Scalar>(p: &SignalIrfftParams<T>, input: &[u8], scratch: &mut [u8]) {
    let n = p.fft_length / 2;
    if p.input_length == 0 || n == 0 {
        return;
    }
    let c_bytes = 2 * T::BYTES;
    for (r, f) in input.chunks_exact(p.input_length * c_bytes).enumerate() {
        let tmp = window_mut(scratch, r * n * c_bytes, n * c_bytes);
        let (f0, fn_): (C<T>, C<T>) = (get(f, 0), get(f, n));
        set(tmp, 0, fixdiv(C { r: f0.r.add(fn_.r), i: f0.r.sub(fn_.r) }, 2));
        for k in 1..=n / 2 {
            let fk = fixdiv(get(f, k), 2);
            let c: C<T> = get(f, n - k);
            let fnkc = fixdiv(C { r: c.r, i: c.i.neg() }, 2);
            let (fek, diff) = (add(fk, fnkc), sub(fk, fnkc));
            let fok = mul(diff, twiddle(p.super_twiddles, k - 1));
            set(tmp, k, add(fek, fok));
            let low = sub(fek, fok);
            set(tmp, n - k, C { r: low.r, i: low.i.neg() });
        }
    }
}

/// Step 2: the inverse complex FFT of each scratch row into `fft_length` samples.
fn inverse<T: Scalar>(p: &SignalIrfftParams<T>, scratch: &[u8], output: &mut [u8]) {
    let n = p.fft_length / 2;
    let row_bytes = p.fft_length * T::BYTES;
    for r in 0..output.len().checked_div(row_bytes).unwrap_or(0) {
        let row = window(scratch, r * row_bytes, row_bytes);
        let out = window_mut(output, r * row_bytes, row_bytes);
        work(&p.fft, out, 0, row, 2 * n, 0, 1, 0);
    }
}

/// int16 split step.
pub fn signal_irfft_s16_split(p: &SignalIrfftParamsI16, input: &[u8], scratch: &mut [u8]) {
    split(p, input, scratch)
}
/// int16 inverse FFT.
pub fn signal_irfft_s16_fft(p: &SignalIrfftParamsI16, scratch: &[u8], output: &mut [u8]) {
    inverse(p, scratch, output)
}
/// int32 split step.
pub fn signal_irfft_s32_split(p: &SignalIrfftParamsI32, input: &[u8], scratch: &mut [u8]) {
    split(p, input, scratch)
}
/// int32 inverse FFT.
pub fn signal_irfft_s32_fft(p: &SignalIrfftParamsI32, scratch: &[u8], output: &mut [u8]) {
    inverse(p, scratch, output)
}
/// float32 split step.
pub fn signal_irfft_f32_split(p: &SignalIrfftParamsF32, input: &[u8], scratch: &mut [u8]) {
    split(p, input, scratch)
}
/// float32 inverse FFT, then TFLM's normalization (`irfft_float.cc`: each sample `/= fft_length`;
/// the fixed-point variants are scaled by their stages instead).
pub fn signal_irfft_f32_fft(p: &SignalIrfftParamsF32, scratch: &[u8], output: &mut [u8]) {
    inverse(p, scratch, output);
    let n = p.fft_length as f32;
    for v in output.chunks_exact_mut(4) {
        let x = f32::from_le_bytes([v[0], v[1], v[2], v[3]]) / n;
        v.copy_from_slice(&x.to_le_bytes());
    }
}
