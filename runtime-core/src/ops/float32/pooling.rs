//! AVERAGE_POOL_2D and MAX_POOL_2D, float32 (TFLite `reference_ops::AveragePool` / `MaxPool`).

use super::{clamp, load, store};
use crate::ops::conv::tap_range;
use crate::ops::window;

/// Static parameters of one float pooling op.
#[derive(Clone, Copy, Debug)]
pub struct Pool2dF32Params {
    /// NHWC.
    pub input: [usize; 4],
    /// NHWC.
    pub output: [usize; 4],
    /// Pooling window height and width.
    pub kernel: [usize; 2],
    /// Stride along height and width.
    pub stride: [usize; 2],
    /// Rows above, columns left (TFLite padding offsets).
    pub pad: [usize; 2],
    /// Fused-activation clamp (`f32::MIN..=f32::MAX` for none).
    pub act_min: f32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: f32,
}

/// Shared driver: for every output element, folds `step` over the window's real (non-padded)
/// taps in row-major order from `init`, then maps the result with `finish(acc, taps)`.
#[inline(always)]
fn pool(
    p: &Pool2dF32Params,
    input: &[u8],
    output: &mut [u8],
    init: f32,
    step: impl Fn(f32, f32) -> f32,
    finish: impl Fn(f32, usize) -> f32,
) {
    let [batches, in_h, in_w, depth] = p.input;
    let [_, out_h, out_w, _] = p.output;
    let [k_h, k_w] = p.kernel;
    let [stride_h, stride_w] = p.stride;
    let [pad_h, pad_w] = p.pad;
    let in_img = in_h * in_w * depth * 4;
    let mut out_elems = output.chunks_exact_mut(4);
    for b in 0..batches {
        let image = window(input, b * in_img, in_img);
        for oy in 0..out_h {
            let (ky0, ky1, iy0) = tap_range(oy, stride_h, pad_h, 1, k_h, in_h);
            for ox in 0..out_w {
                let (kx0, kx1, ix0) = tap_range(ox, stride_w, pad_w, 1, k_w, in_w);
                let taps = (ky1 - ky0) * (kx1 - kx0);
                for c in 0..depth {
                    let mut acc = init;
                    for ky in ky0..ky1 {
                        let iy = (iy0 + ky as isize) as usize;
                        for kx in kx0..kx1 {
                            let ix = (ix0 + kx as isize) as usize;
                            acc = step(acc, load(image, (iy * in_w + ix) * depth + c));
                        }
                    }
                    let Some(o) = out_elems.next() else {
                        return;
                    };
                    store(o, clamp(finish(acc, taps), p.act_min, p.act_max));
                }
            }
        }
    }
}

/// AVERAGE_POOL_2D float32, bit-exact with TFLite: the sum of the real taps (row by row, from
/// 0.0) divided by their count as a float, then clamped. Padded taps are not counted. (A window
/// with no real tap, which TFLite rejects with an error and valid geometry never produces, gives
/// 0.0 here instead of a division by zero.)
pub fn average_pool2d_f32(p: &Pool2dF32Params, input: &[u8], output: &mut [u8]) {
    pool(p, input, output, 0.0, |acc, x| acc + x, |total, taps| if taps == 0 { 0.0 } else { total / taps as f32 });
}

/// MAX_POOL_2D float32, bit-exact with TFLite: `std::max` folded from the lowest finite float
/// over the real taps, then clamped.
pub fn max_pool2d_f32(p: &Pool2dF32Params, input: &[u8], output: &mut [u8]) {
    pool(p, input, output, f32::MIN, |m, x| if m < x { x } else { m }, |m, _| m);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{f32_bytes, floats};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    /// TFLite's reference loop nests: clamped window bounds, running total / max, float count.
    fn reference(p: &Pool2dF32Params, input: &[f32], average: bool) -> Vec<f32> {
        let [n, ih, iw, d] = p.input;
        let [_, oh, ow, _] = p.output;
        let mut out = vec![];
        for b in 0..n {
            for oy in 0..oh {
                for ox in 0..ow {
                    for c in 0..d {
                        let y0 = (oy * p.stride[0]) as i64 - p.pad[0] as i64;
                        let x0 = (ox * p.stride[1]) as i64 - p.pad[1] as i64;
                        let (fy0, fy1) = ((-y0).max(0), (p.kernel[0] as i64).min(ih as i64 - y0));
                        let (fx0, fx1) = ((-x0).max(0), (p.kernel[1] as i64).min(iw as i64 - x0));
                        let (mut total, mut count, mut max) = (0f32, 0f32, f32::MIN);
                        for fy in fy0..fy1 {
                            for fx in fx0..fx1 {
                                let v = input[((b * ih + (y0 + fy) as usize) * iw + (x0 + fx) as usize) * d + c];
                                total += v;
                                count += 1.0;
                                max = max.max(v);
                            }
                        }
                        let v = if average { total / count } else { max };
                        out.push(v.max(p.act_min).min(p.act_max));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn matches_reference_loop_nests() {
        let mut rng = Rng::new(3204);
        for case in 0..800 {
            let (ih, iw, d) = (rng.usize(1, 9), rng.usize(1, 9), rng.usize(1, 5));
            let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
            let stride = [rng.usize(1, 3), rng.usize(1, 3)];
            let pad = [rng.usize(0, kh - 1), rng.usize(0, kw - 1)];
            if ih + 2 * pad[0] < kh || iw + 2 * pad[1] < kw {
                continue;
            }
            let oh = (ih + 2 * pad[0] - kh) / stride[0] + 1;
            let ow = (iw + 2 * pad[1] - kw) / stride[1] + 1;
            let n = rng.usize(1, 2);
            let (act_min, act_max) = match case % 3 {
                0 => (f32::MIN, f32::MAX),
                1 => (0.0, 6.0),
                _ => (-0.25, 0.25),
            };
            let p = Pool2dF32Params {
                input: [n, ih, iw, d],
                output: [n, oh, ow, d],
                kernel: [kh, kw],
                stride,
                pad,
                act_min,
                act_max,
            };
            let input = f32_bytes(&mut rng, n * ih * iw * d);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let mut out = vec![0u8; n * oh * ow * d * 4];
            average_pool2d_f32(&p, &input, &mut out);
            assert_eq!(bits(&floats(&out)), bits(&reference(&p, &floats(&input), true)), "avg case {case}: {p:?}");
            max_pool2d_f32(&p, &input, &mut out);
            assert_eq!(bits(&floats(&out)), bits(&reference(&p, &floats(&input), false)), "max case {case}: {p:?}");
        }
    }
}
