//! KISS FFT v130's complex FFT in 16-bit fixed point (`FIXED_POINT 16`), the version and
//! arithmetic TFLM builds for its int16 real FFTs: decimation in time over radix-4 then radix-2
//! stages, each dividing by its radix (`C_FIXDIV`: times `32767 / radix` in Q15), products
//! rounded by `sround`, additions wrapping in int16 as the C's stores do.

use super::le::{get_i16, set_i16};

/// One transform's compile-time plan.
#[derive(Clone, Copy, Debug)]
pub struct KissFft {
    /// The factorization of the complex length, outermost stage first: (radix, m), radix 2 or 4.
    pub factors: &'static [(usize, usize)],
    /// One twiddle per complex point, (real, imaginary): `e^{∓2πik/n}` in Q15.
    pub twiddles: &'static [[i16; 2]],
    /// The inverse transform (its radix-4 butterfly rotates the other way).
    pub inverse: bool,
}

#[derive(Clone, Copy)]
pub(crate) struct C {
    pub(crate) r: i16,
    pub(crate) i: i16,
}

pub(crate) fn get(b: &[u8], k: usize) -> C {
    C { r: get_i16(b, 2 * k), i: get_i16(b, 2 * k + 1) }
}

pub(crate) fn set(b: &mut [u8], k: usize, c: C) {
    set_i16(b, 2 * k, c.r);
    set_i16(b, 2 * k + 1, c.i);
}

/// `sround`: Q15 rounding of a product, truncated to int16 as KISS FFT's cast does.
fn sround(x: i32) -> i16 {
    (x.wrapping_add(1 << 14) >> 15) as i16
}

/// `C_FIXDIV`: both parts times `32767 / div` in Q15.
pub(crate) fn fixdiv(c: C, div: i32) -> C {
    let k = 32767 / div;
    C { r: sround(i32::from(c.r) * k), i: sround(i32::from(c.i) * k) }
}

pub(crate) fn mul(a: C, b: [i16; 2]) -> C {
    let (ar, ai, br, bi) = (i32::from(a.r), i32::from(a.i), i32::from(b[0]), i32::from(b[1]));
    C { r: sround((ar * br).wrapping_sub(ai * bi)), i: sround((ar * bi).wrapping_add(ai * br)) }
}

pub(crate) fn add(a: C, b: C) -> C {
    C { r: a.r.wrapping_add(b.r), i: a.i.wrapping_add(b.i) }
}

pub(crate) fn sub(a: C, b: C) -> C {
    C { r: a.r.wrapping_sub(b.r), i: a.i.wrapping_sub(b.i) }
}

pub(crate) fn twiddle(t: &[[i16; 2]], k: usize) -> [i16; 2] {
    t.get(k).copied().unwrap_or([0, 0])
}

/// KISS FFT's `kf_work`: the decimation-in-time recursion, writing complex values `out[at..]`
/// from the row's complex values `f, f + stride, …` (int16 samples past `valid` read as zero).
#[allow(clippy::too_many_arguments)] // the C recursion's own arguments, plus the row bound
pub(crate) fn work(p: &KissFft, out: &mut [u8], at: usize, row: &[u8], valid: usize, f: usize, stride: usize, stage: usize) {
    let Some(&(radix, m)) = p.factors.get(stage) else {
        return;
    };
    if m == 1 {
        for k in 0..radix {
            let c = f + k * stride;
            let sample = |j: usize| {
                if j < valid {
                    get_i16(row, j)
                } else {
                    0
                }
            };
            set(out, at + k, C { r: sample(2 * c), i: sample(2 * c + 1) });
        }
    } else {
        for k in 0..radix {
            work(p, out, at + k * m, row, valid, f + k * stride, stride * radix, stage + 1);
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
            let (a, b) = (
                C { r: s5.r.wrapping_add(s4.i), i: s5.i.wrapping_sub(s4.r) },
                C { r: s5.r.wrapping_sub(s4.i), i: s5.i.wrapping_add(s4.r) },
            );
            let (m1, m3) = if p.inverse { (b, a) } else { (a, b) };
            set(out, at + k + m, m1);
            set(out, at + k + 3 * m, m3);
        }
    }
}
