//! L2_POOL_2D, float32 (the only type TFLM supports), bit-exact with TFLM's
//! `reference_ops::L2Pool`: per window, `sum = Σ x·x` from `0.0` in row-major tap order over the
//! taps inside the input (padding is skipped, not zero-filled), `sqrt(sum / count)`, then the
//! fused activation's `min(max(·))`.
//!
//! The square root is [`crate::float_math::sqrtf`] (correctly rounded, as `std::sqrt` is).

use super::Elem;

#[derive(Clone, Copy, Debug)]
/// Static parameters of one float32 L2_POOL_2D.
pub struct L2Pool2dParams {
    /// NHWC.
    pub input: [usize; 4],
    /// NHWC.
    pub output: [usize; 4],
    /// Pooling window height and width.
    pub filter: [usize; 2],
    /// Stride along height and width.
    pub stride: [usize; 2],
    /// Rows above, columns left (TFLM padding offsets).
    pub pad: [usize; 2],
    /// Lower clamp of the fused activation, in output units.
    pub act_min: f32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: f32,
}

/// L2_POOL_2D float32: the square root of the mean of squares over each window, clamped.
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
                    let r = crate::float_math::sqrtf(sum / count as f32);
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
