//! L2_POOL_2D, float32 (the only type TFLM supports), bit-exact with TFLM's
//! `reference_ops::L2Pool`: per window, `sum = Σ x·x` from `0.0` in row-major tap order over the
//! taps inside the input (padding is skipped, not zero-filled), `sqrt(sum / count)`, then the
//! fused activation's `min(max(·))`.
//!
//! `core` has no `f32::sqrt` in a `no_std` crate, so [`sqrt_f32`] computes the IEEE-754
//! square root (correctly rounded, as `std::sqrt` and the hardware instruction are) with
//! integer arithmetic.

use super::Elem;

#[derive(Clone, Copy, Debug)]
pub struct L2Pool2dParams {
    /// NHWC.
    pub input: [usize; 4],
    /// NHWC.
    pub output: [usize; 4],
    pub filter: [usize; 2],
    pub stride: [usize; 2],
    /// Rows above, columns left (TFLM padding offsets).
    pub pad: [usize; 2],
    pub act_min: f32,
    pub act_max: f32,
}

/// `⌊√n⌋` and whether the root is inexact, digit by digit (no division, no floats).
fn isqrt_u64(n: u64) -> (u64, bool) {
    let (mut rem, mut root) = (n, 0u64);
    let mut bit = 1u64 << 62;
    while bit > n {
        bit >>= 2;
    }
    while bit != 0 {
        if rem >= root + bit {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    (root, rem != 0)
}

/// IEEE-754 single-precision square root, round to nearest even: `√±0 = ±0`, `√+∞ = +∞`, a NaN
/// stays a (quieted) NaN, a negative number gives the x86 default NaN (`0xFFC00000`).
pub fn sqrt_f32(x: f32) -> f32 {
    let bits = x.to_bits();
    if x.is_nan() {
        return f32::from_bits(bits | 0x0040_0000);
    }
    if x == 0.0 || x == f32::INFINITY {
        return x;
    }
    if x < 0.0 {
        return f32::from_bits(0xFFC0_0000);
    }
    // x = m · 2^e with m an integer (24 bits for normal numbers).
    let field = ((bits >> 23) & 0xff) as i32;
    let frac = u64::from(bits & 0x007f_ffff);
    let (mut m, mut e) = if field == 0 { (frac, -149) } else { (frac | 0x0080_0000, field - 150) };
    // Normalize subnormals to 24 bits, then make the exponent even.
    while m < 0x0080_0000 {
        m <<= 1;
        e -= 1;
    }
    if e % 2 != 0 {
        m <<= 1;
        e -= 1;
    }
    // √(m · 2^26) has 25 or 26 bits; keep 24, round with the rest and the sticky remainder.
    let (root, inexact) = isqrt_u64(m << 26);
    let extra = (64 - root.leading_zeros()) as i32 - 24;
    let mut q = root >> extra;
    let dropped = root & ((1 << extra) - 1);
    let half = 1u64 << (extra - 1);
    if dropped > half || (dropped == half && (inexact || q & 1 == 1)) {
        q += 1;
    }
    // √x = root · 2^((e − 26) / 2) ≈ q · 2^(extra + (e − 26) / 2), q in [2^23, 2^24].
    let mut exp = extra + (e - 26) / 2;
    if q == 1 << 24 {
        q >>= 1;
        exp += 1;
    }
    let biased = (exp + 23 + 127) as u32;
    f32::from_bits((biased << 23) | (q as u32 & 0x007f_ffff))
}

pub fn l2_pool2d_f32(p: &L2Pool2dParams, input: &[u8], output: &mut [u8]) {
    let [n, in_h, in_w, c] = p.input;
    let [_, out_h, out_w, _] = p.output;
    let [f_h, f_w] = p.filter;
    let (s_h, s_w) = (p.stride[0], p.stride[1]);
    let mut o = 0;
    for b in 0..n {
        for oy in 0..out_h {
            // Taps inside the input: rows y0..y1 (TFLM's filter_y_start..filter_y_end, offset).
            let origin_y = oy * s_h;
            let y0 = origin_y.max(p.pad[0]);
            let y1 = (origin_y + f_h).min(in_h + p.pad[0]);
            for ox in 0..out_w {
                let origin_x = ox * s_w;
                let x0 = origin_x.max(p.pad[1]);
                let x1 = (origin_x + f_w).min(in_w + p.pad[1]);
                for ch in 0..c {
                    let mut sum = 0.0f32;
                    let mut count = 0i32;
                    for y in y0..y1 {
                        for x in x0..x1 {
                            let i = ((b * in_h + (y - p.pad[0])) * in_w + (x - p.pad[1])) * c + ch;
                            let v = f32::load(input, i).unwrap_or(0.0);
                            sum += v * v;
                            count += 1;
                        }
                    }
                    let r = sqrt_f32(sum / count as f32);
                    let lo = if r < p.act_min { p.act_min } else { r };
                    let v = if p.act_max < lo { p.act_max } else { lo };
                    v.store(output, o);
                    o += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    #[test]
    fn sqrt_is_correctly_rounded() {
        let mut rng = Rng::new(140);
        let special = [0.0f32, -0.0, 1.0, 2.0, 4.0, f32::MAX, f32::MIN_POSITIVE, 1e-45, 3e-39, f32::INFINITY, 0.5, 1.5e-40];
        let randoms = (0..200_000).map(|_| f32::from_bits((rng.next_u64() as u32) & 0x7fff_ffff));
        for x in special.into_iter().chain(randoms) {
            if x.is_nan() {
                assert!(sqrt_f32(x).is_nan());
                continue;
            }
            assert_eq!(sqrt_f32(x).to_bits(), x.sqrt().to_bits(), "sqrt({x:e}) bits {:#x}", x.to_bits());
        }
        assert_eq!(sqrt_f32(-1.0).to_bits(), 0xFFC0_0000);
        // Every float in a few dense ranges, around 1 and among the subnormals.
        for bits in (0x3f7f_0000u32..0x3f81_0000).chain(1..0x0002_0000) {
            let x = f32::from_bits(bits);
            assert_eq!(sqrt_f32(x).to_bits(), x.sqrt().to_bits(), "bits {bits:#x}");
        }
    }

    #[test]
    fn matches_tflm_definition() {
        let mut rng = Rng::new(141);
        for case in 0..300 {
            let (ih, iw, c) = (rng.usize(1, 6), rng.usize(1, 6), rng.usize(1, 3));
            let (fh, fw) = (rng.usize(1, 3), rng.usize(1, 3));
            let (sh, sw) = (rng.usize(1, 2), rng.usize(1, 2));
            let same = rng.bool();
            let dim = |i: usize, f: usize, s: usize| -> (usize, usize) {
                let out = if same { i.div_ceil(s) } else { (i + s).saturating_sub(f) / s };
                let total = ((out.max(1) - 1) * s + f).saturating_sub(i);
                (out, total / 2)
            };
            let ((oh, ph), (ow, pw)) = (dim(ih, fh, sh), dim(iw, fw, sw));
            if oh == 0 || ow == 0 {
                continue;
            }
            let xs: Vec<f32> = (0..ih * iw * c).map(|_| rng.range(-1000, 1000) as f32 / 37.0).collect();
            let (lo, hi) = if case % 2 == 0 { (f32::MIN, f32::MAX) } else { (0.0, 6.0) };
            let p = L2Pool2dParams {
                input: [1, ih, iw, c],
                output: [1, oh, ow, c],
                filter: [fh, fw],
                stride: [sh, sw],
                pad: [ph, pw],
                act_min: lo,
                act_max: hi,
            };
            let mut want = Vec::new();
            for oy in 0..oh {
                for ox in 0..ow {
                    for ch in 0..c {
                        let (oy0, ox0) = ((oy * sh) as i64 - ph as i64, (ox * sw) as i64 - pw as i64);
                        let (mut s, mut k) = (0.0f32, 0);
                        for fy in 0..fh as i64 {
                            for fx in 0..fw as i64 {
                                let (y, x) = (oy0 + fy, ox0 + fx);
                                if y >= 0 && x >= 0 && (y as usize) < ih && (x as usize) < iw {
                                    let v = xs[(y as usize * iw + x as usize) * c + ch];
                                    s += v * v;
                                    k += 1;
                                }
                            }
                        }
                        want.extend_from_slice(&(s / k as f32).sqrt().max(lo).min(hi).to_le_bytes());
                    }
                }
            }
            let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
            let mut got = vec![0u8; want.len()];
            l2_pool2d_f32(&p, &bytes, &mut got);
            assert_eq!(got, want, "case {case}");
        }
    }
}
