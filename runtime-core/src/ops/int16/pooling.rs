//! AVERAGE_POOL_2D and MAX_POOL_2D, int16 (TFLM `reference_integer_ops::AveragePool16` /
//! `MaxPool16`). Input and output share quantization, so there is no requantization; the
//! parameters are the int8 kernels' [`Pool2dParams`].

use super::super::pooling::{for_each_window, rounded_average, Pool2dParams};
use super::super::window;
use super::{load, store};

/// Channels reduced at once (an i32 array on the stack).
const BLOCK: usize = 64;

/// For every output pixel and block of channels, folds `step` over the window's real taps from
/// `init`, then maps each accumulator with `finish` (which also gets the number of real taps);
/// the windows are the int8 pools' ([`for_each_window`]), on 2-byte elements.
#[inline(always)]
fn pool(
    p: &Pool2dParams,
    input: &[u8],
    output: &mut [u8],
    init: i32,
    step: impl Fn(i32, i32) -> i32,
    finish: impl Fn(i32, i32) -> i32,
) {
    for_each_window::<2>(p, input, output, |w, image, out_px| {
        let count = w.count();
        let mut c0 = 0;
        for out_block in out_px.chunks_mut(BLOCK * 2) {
            let len = (out_block.len() / 2).min(BLOCK);
            let mut acc = [init; BLOCK];
            let acc = &mut acc[..len];
            w.for_each_tap(|at| {
                for (a, x) in acc.iter_mut().zip(window(image, at + c0 * 2, len * 2).chunks_exact(2)) {
                    *a = step(*a, load(x));
                }
            });
            for (o, &a) in out_block.chunks_exact_mut(2).zip(acc.iter()) {
                store(o, finish(a, count).max(p.act_min).min(p.act_max));
            }
            c0 += len;
        }
    });
}

/// AVERAGE_POOL_2D int16, bit-exact with TFLM: the int32 sum of the window's real taps divided
/// by their count, rounded half away from zero (`(sum ± count/2) / count`, truncating). A window
/// with no real taps (which TFLM rejects) yields 0 before clamping.
pub fn average_pool2d_s16(p: &Pool2dParams, input: &[u8], output: &mut [u8]) {
    pool(p, input, output, 0, |acc, x| acc.wrapping_add(x), rounded_average);
}

/// MAX_POOL_2D int16, bit-exact with TFLM: the maximum over the window's real taps (−32768 for a
/// window with none), clamped to the activation range.
pub fn max_pool2d_s16(p: &Pool2dParams, input: &[u8], output: &mut [u8]) {
    pool(p, input, output, i32::from(i16::MIN), |acc, x| acc.max(x), |m, _| m);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{act, s16_bytes, s16_values};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    #[test]
    fn matches_naive_pooling() {
        let mut rng = Rng::new(1640);
        for case in 0..1500 {
            let c = if case % 9 == 0 { rng.usize(60, 140) } else { rng.usize(1, 5) };
            let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
            let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
            let (ih, iw) = (rng.usize(1, 9), rng.usize(1, 9));
            let (ph, pw) = (rng.usize(0, kh - 1), rng.usize(0, kw - 1));
            let oh = (ih + 2 * ph).saturating_sub(kh) / sh + 1;
            let ow = (iw + 2 * pw).saturating_sub(kw) / sw + 1;
            let n = rng.usize(1, 2);
            let input = s16_bytes(&mut rng, n * ih * iw * c);
            let (lo, hi) = act(&mut rng);
            let p = Pool2dParams {
                input: [n, ih, iw, c],
                output: [n, oh, ow, c],
                kernel: [kh, kw],
                stride: [sh, sw],
                pad: [ph, pw],
                act_min: lo,
                act_max: hi,
            };
            let x = s16_values(&input);
            let (mut want_avg, mut want_max) = (Vec::new(), Vec::new());
            for b in 0..n {
                for oy in 0..oh {
                    for ox in 0..ow {
                        for ch in 0..c {
                            let (mut sum, mut count, mut max) = (0i64, 0i64, -32768i64);
                            for ky in 0..kh {
                                for kx in 0..kw {
                                    let iy = (oy * sh + ky) as i64 - ph as i64;
                                    let ix = (ox * sw + kx) as i64 - pw as i64;
                                    if iy < 0 || ix < 0 || iy >= ih as i64 || ix >= iw as i64 {
                                        continue;
                                    }
                                    let v = x[((b * ih + iy as usize) * iw + ix as usize) * c + ch];
                                    sum += v;
                                    count += 1;
                                    max = max.max(v);
                                }
                            }
                            // Round half away from zero.
                            let avg = if count == 0 { 0 } else { (sum.abs() * 2 + count) / (2 * count) * sum.signum() };
                            let clamp = |v: i64| (v.max(lo as i64).min(hi as i64) as i16).to_le_bytes();
                            want_avg.extend_from_slice(&clamp(avg));
                            want_max.extend_from_slice(&clamp(max));
                        }
                    }
                }
            }
            let mut got = vec![0u8; want_avg.len()];
            average_pool2d_s16(&p, &input, &mut got);
            assert_eq!(got, want_avg, "average, case {case}: {p:?}");
            max_pool2d_s16(&p, &input, &mut got);
            assert_eq!(got, want_max, "max, case {case}: {p:?}");
        }
    }
}
