//! `SignalRfft` on int16 (TFLM `rfft.cc` → `rfft_int16.cc`): KISS FFT v130 in 16-bit fixed
//! point (`FIXED_POINT 16`), the version and arithmetic TFLM builds. A real FFT of length N is a
//! complex FFT of N/2 points over the (even, odd) sample pairs, then a split step with the
//! "super twiddles". Every butterfly stage divides by its radix (`C_FIXDIV`, multiplying by
//! `32767 / radix` in Q15), so the output is the spectrum scaled by 1/N; additions wrap in int16
//! as in the C. Twiddles are computed at compile time (`floor(0.5 + 32767·cos φ)`).

use super::le::{get_i16, set_i16};
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
    /// KISS FFT's factorization of `fft_length / 2`, outermost stage first: (radix, m) with
    /// radix 2 or 4 (the lowering accepts powers of two).
    pub factors: &'static [(usize, usize)],
    /// `fft_length / 2` twiddles of the complex FFT, (real, imaginary).
    pub twiddles: &'static [[i16; 2]],
    /// `fft_length / 4` twiddles of the real-FFT split step.
    pub super_twiddles: &'static [[i16; 2]],
}

#[derive(Clone, Copy)]
struct C {
    r: i16,
    i: i16,
}

fn get(b: &[u8], k: usize) -> C {
    C { r: get_i16(b, 2 * k), i: get_i16(b, 2 * k + 1) }
}

fn set(b: &mut [u8], k: usize, c: C) {
    set_i16(b, 2 * k, c.r);
    set_i16(b, 2 * k + 1, c.i);
}

/// `sround`: Q15 rounding of a product, truncated to int16 as KISS FFT's cast does.
fn sround(x: i32) -> i16 {
    (x.wrapping_add(1 << 14) >> 15) as i16
}

/// `C_FIXDIV`: both parts times `32767 / div` in Q15.
fn fixdiv(c: C, div: i32) -> C {
    let k = 32767 / div;
    C { r: sround(i32::from(c.r) * k), i: sround(i32::from(c.i) * k) }
}

fn mul(a: C, b: [i16; 2]) -> C {
    let (ar, ai, br, bi) = (i32::from(a.r), i32::from(a.i), i32::from(b[0]), i32::from(b[1]));
    C { r: sround((ar * br).wrapping_sub(ai * bi)), i: sround((ar * bi).wrapping_add(ai * br)) }
}

fn add(a: C, b: C) -> C {
    C { r: a.r.wrapping_add(b.r), i: a.i.wrapping_add(b.i) }
}

fn sub(a: C, b: C) -> C {
    C { r: a.r.wrapping_sub(b.r), i: a.i.wrapping_sub(b.i) }
}

fn twiddle(t: &[[i16; 2]], k: usize) -> [i16; 2] {
    t.get(k).copied().unwrap_or([0, 0])
}

/// KISS FFT's `kf_work`: the decimation-in-time recursion, writing complex values `out[at..]`
/// from input pairs `f, f + stride, …` (zero past the row's samples).
fn work(p: &SignalRfftParams, out: &mut [u8], at: usize, row: &[u8], f: usize, stride: usize, stage: usize) {
    let Some(&(radix, m)) = p.factors.get(stage) else {
        return;
    };
    if m == 1 {
        for k in 0..radix {
            let c = f + k * stride;
            let sample = |j: usize| {
                if j < p.input_length {
                    get_i16(row, j)
                } else {
                    0
                }
            };
            set(out, at + k, C { r: sample(2 * c), i: sample(2 * c + 1) });
        }
    } else {
        for k in 0..radix {
            work(p, out, at + k * m, row, f + k * stride, stride * radix, stage + 1);
        }
    }
    let tw = p.twiddles;
    if radix == 2 {
        for k in 0..m {
            let a = fixdiv(get(out, at + k), 2);
            let t = mul(fixdiv(get(out, at + k + m), 2), twiddle(tw, k * stride));
            set(out, at + k + m, sub(a, t));
            set(out, at + k, add(a, t));
        }
    } else {
        for k in 0..m {
            let f0 = fixdiv(get(out, at + k), 4);
            let s0 = mul(fixdiv(get(out, at + k + m), 4), twiddle(tw, k * stride));
            let s1 = mul(fixdiv(get(out, at + k + 2 * m), 4), twiddle(tw, 2 * k * stride));
            let s2 = mul(fixdiv(get(out, at + k + 3 * m), 4), twiddle(tw, 3 * k * stride));
            let s5 = sub(f0, s1);
            let f0 = add(f0, s1);
            let (s3, s4) = (add(s0, s2), sub(s0, s2));
            set(out, at + k + 2 * m, sub(f0, s3));
            set(out, at + k, add(f0, s3));
            set(out, at + k + m, C { r: s5.r.wrapping_add(s4.i), i: s5.i.wrapping_sub(s4.r) });
            set(out, at + k + 3 * m, C { r: s5.r.wrapping_sub(s4.i), i: s5.i.wrapping_add(s4.r) });
        }
    }
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
        work(p, out, 0, row, 0, 1, 0);
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
