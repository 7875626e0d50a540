//! AVERAGE_POOL_2D and MAX_POOL_2D, int8 (TFLM `reference_integer_ops::AveragePool` / `MaxPool`)
//! and uint8 (LiteRT `reference_ops::AveragePool` / `MaxPool`: the same arithmetic on unsigned
//! values, whose window sums are never negative).
//! Input and output share quantization, so there is no requantization.

use super::conv::tap_range;
use super::window;

/// Static parameters of one pooling op.
#[derive(Clone, Copy, Debug)]
pub struct Pool2dParams {
    /// NHWC.
    pub input: [usize; 4],
    /// NHWC.
    pub output: [usize; 4],
    /// Pooling window height and width.
    pub kernel: [usize; 2],
    /// Stride along height and width.
    pub stride: [usize; 2],
    /// Rows above, columns left (TFLM padding offsets).
    pub pad: [usize; 2],
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
}

/// Channels reduced at once (an i32 array on the stack).
const BLOCK: usize = 64;

/// One output pixel's pooling window: its real (non-padded) taps.
pub(super) struct Window {
    rows: (usize, usize, isize),
    cols: (usize, usize, isize),
    /// Bytes per input row and per pixel (the depth times the element size).
    row_bytes: usize,
    pixel_bytes: usize,
}

impl Window {
    /// Number of real taps.
    pub(super) fn count(&self) -> i32 {
        ((self.rows.1 - self.rows.0) * (self.cols.1 - self.cols.0)) as i32
    }

    /// `f` on the byte offset (in the image) of every real tap's pixel, row by row.
    #[inline(always)]
    pub(super) fn for_each_tap(&self, mut f: impl FnMut(usize)) {
        let ((ky0, ky1, iy0), (kx0, kx1, ix0)) = (self.rows, self.cols);
        for ky in ky0..ky1 {
            let row = (iy0 + ky as isize) as usize * self.row_bytes;
            for kx in kx0..kx1 {
                f(row + (ix0 + kx as isize) as usize * self.pixel_bytes);
            }
        }
    }
}

/// Shared driver (of the int8/uint8 and the int16 pools): `f` on every output pixel's window,
/// its batch's input image and its output bytes, for elements of `ELEM` bytes.
#[inline(always)]
pub(super) fn for_each_window<const ELEM: usize>(p: &Pool2dParams, input: &[u8], output: &mut [u8], mut f: impl FnMut(&Window, &[u8], &mut [u8])) {
    let [batches, in_h, in_w, depth] = p.input;
    let [_, out_h, out_w, _] = p.output;
    let [k_h, k_w] = p.kernel;
    let [stride_h, stride_w] = p.stride;
    let [pad_h, pad_w] = p.pad;
    let Some(pixel_bytes) = depth.checked_mul(ELEM).filter(|&n| n > 0) else {
        return;
    };
    let in_img = in_h * in_w * pixel_bytes;
    let mut out_pixels = output.chunks_exact_mut(pixel_bytes);
    for b in 0..batches {
        let image = window(input, b * in_img, in_img);
        for oy in 0..out_h {
            let rows = tap_range(oy, stride_h, pad_h, 1, k_h, in_h);
            for ox in 0..out_w {
                let cols = tap_range(ox, stride_w, pad_w, 1, k_w, in_w);
                let Some(out_px) = out_pixels.next() else {
                    return;
                };
                f(&Window { rows, cols, row_bytes: in_w * pixel_bytes, pixel_bytes }, image, out_px);
            }
        }
    }
}

/// Folds `step` over every window's real taps, a block of channels at a time, from `init`,
/// then maps each accumulator with `finish` (which also receives the number of real taps).
/// `SIGNED`: int8 bytes, else uint8.
#[inline(always)]
fn pool<const SIGNED: bool>(
    p: &Pool2dParams,
    input: &[u8],
    output: &mut [u8],
    init: i32,
    step: impl Fn(i32, i32) -> i32,
    finish: impl Fn(i32, i32) -> i32,
) {
    for_each_window::<1>(p, input, output, |w, image, out_px| {
        let count = w.count();
        let mut c0 = 0;
        for out_block in out_px.chunks_mut(BLOCK) {
            let len = out_block.len().min(BLOCK);
            let mut acc = [init; BLOCK];
            let acc = &mut acc[..len];
            w.for_each_tap(|at| {
                for (a, &x) in acc.iter_mut().zip(window(image, at + c0, len)) {
                    *a = step(*a, if SIGNED { i32::from(x as i8) } else { i32::from(x) });
                }
            });
            for (o, &a) in out_block.iter_mut().zip(acc.iter()) {
                *o = finish(a, count).max(p.act_min).min(p.act_max) as u8;
            }
            c0 += len;
        }
    });
}

/// AVERAGE_POOL_2D int8, bit-exact with TFLM: the sum of the window's real taps divided by
/// their count, rounded half away from zero (`(sum ± count/2) / count`, truncating).
/// A window with no real taps (where TFLM reports an error) yields 0 before clamping.
///
/// Out of line (as [`max_pool2d_s8`]): inlined into the generated `layers` function, the
/// accumulator block would sit in that function's frame under every other kernel's.
#[inline(never)]
pub fn average_pool2d_s8(p: &Pool2dParams, input: &[u8], output: &mut [u8]) {
    average_pool2d::<true>(p, input, output)
}

/// AVERAGE_POOL_2D uint8, bit-exact with LiteRT's reference kernel: `(sum + count/2) / count`,
/// [`average_pool2d_s8`]'s rounding on a sum that is never negative.
#[inline(never)]
pub fn average_pool2d_u8(p: &Pool2dParams, input: &[u8], output: &mut [u8]) {
    average_pool2d::<false>(p, input, output)
}

/// TFLM's rounding of an average: `(sum ± count/2) / count`, truncating; 0 for an empty window
/// (count 0), as TFLM's guard.
#[inline(always)]
pub(super) fn rounded_average(sum: i32, count: i32) -> i32 {
    let half = count / 2;
    let nudged = if sum > 0 { sum.wrapping_add(half) } else { sum.wrapping_sub(half) };
    nudged.checked_div(count).unwrap_or(0)
}

/// Windows of at most this many taps sum in 16-bit lanes without overflow: `256 · (−128)` is
/// `i16::MIN`, `256 · 127` below `i16::MAX`.
const PAIR_SUM_TAPS: usize = 256;

/// AVERAGE_POOL_2D int8 four channels at a time on the Arm DSP extension (or its twins): per
/// word of four channels, the window's words widened by SXTB16 (channels 0, 2 and 1, 3) and
/// summed by SADD16 in two registers, exactly (at most [`PAIR_SUM_TAPS`] taps), then
/// [`average_pool2d_s8`]'s rounding per channel. About a third of the instructions of the
/// byte-by-byte loop on a Cortex-M4. Shapes it does not take (depth not a multiple of four,
/// larger windows) leave the output untouched; the caller checks.
#[cfg_attr(not(kiln_arm_dsp), allow(dead_code))]
fn average_pool2d_s8_words(p: &Pool2dParams, input: &[u8], output: &mut [u8]) {
    use crate::arch::arm_dsp::{sadd16, sxtb16, sxtb16_ror8};
    let depth = p.input[3];
    if depth == 0 || depth % 4 != 0 || p.kernel[0] * p.kernel[1] > PAIR_SUM_TAPS {
        return;
    }
    let half = |x: u32, top: bool| i32::from((if top { x >> 16 } else { x }) as u16 as i16);
    for_each_window::<1>(p, input, output, |w, image, out_px| {
        let count = w.count();
        for (j, out4) in out_px.chunks_exact_mut(4).enumerate() {
            let (mut even, mut odd) = (0u32, 0u32);
            w.for_each_tap(|at| {
                let x = super::conv::word(window(image, at + 4 * j, 4));
                even = sadd16(even, sxtb16(x));
                odd = sadd16(odd, sxtb16_ror8(x));
            });
            let sums = [half(even, false), half(odd, false), half(even, true), half(odd, true)];
            for (o, sum) in out4.iter_mut().zip(sums) {
                *o = rounded_average(sum, count).max(p.act_min).min(p.act_max) as u8;
            }
        }
    });
}

#[inline(always)]
fn average_pool2d<const SIGNED: bool>(p: &Pool2dParams, input: &[u8], output: &mut [u8]) {
    #[cfg(kiln_arm_dsp)]
    if SIGNED && p.input[3] % 4 == 0 && p.input[3] > 0 && p.kernel[0] * p.kernel[1] <= PAIR_SUM_TAPS {
        return average_pool2d_s8_words(p, input, output);
    }
    pool::<SIGNED>(
        p,
        input,
        output,
        0,
        |acc, x| acc.wrapping_add(x),
        rounded_average,
    );
}

/// MAX_POOL_2D int8, bit-exact with TFLM: the maximum over the window's real taps (−128 for a
/// window with none), clamped to the activation range.
#[inline(never)]
pub fn max_pool2d_s8(p: &Pool2dParams, input: &[u8], output: &mut [u8]) {
    pool::<true>(
        p,
        input,
        output,
        i32::from(i8::MIN),
        |acc, x| acc.max(x),
        |m, _| m,
    );
}

/// MAX_POOL_2D uint8, bit-exact with LiteRT's reference kernel: the maximum over the window's
/// real taps (0 for a window with none), clamped to the activation range.
#[inline(never)]
pub fn max_pool2d_u8(p: &Pool2dParams, input: &[u8], output: &mut [u8]) {
    pool::<false>(p, input, output, 0, |acc, x| acc.max(x), |m, _| m);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    fn reference(p: &Pool2dParams, input: &[u8], average: bool) -> Vec<u8> {
        let [n, ih, iw, d] = p.input;
        let [_, oh, ow, _] = p.output;
        let mut out = vec![0u8; n * oh * ow * d];
        for b in 0..n {
            for oy in 0..oh {
                for ox in 0..ow {
                    for c in 0..d {
                        let mut vals = Vec::new();
                        for ky in 0..p.kernel[0] {
                            for kx in 0..p.kernel[1] {
                                let iy = (oy * p.stride[0] + ky) as i64 - p.pad[0] as i64;
                                let ix = (ox * p.stride[1] + kx) as i64 - p.pad[1] as i64;
                                if iy >= 0 && ix >= 0 && iy < ih as i64 && ix < iw as i64 {
                                    vals.push(
                                        input[((b * ih + iy as usize) * iw + ix as usize) * d + c]
                                            as i8 as i64,
                                    );
                                }
                            }
                        }
                        let v = if average {
                            if vals.is_empty() {
                                0
                            } else {
                                // Exact rational mean, rounded half away from zero.
                                let (s, k) = (vals.iter().sum::<i64>(), vals.len() as i64);
                                let q = (2 * s.abs() + k) / (2 * k);
                                if s < 0 {
                                    -q
                                } else {
                                    q
                                }
                            }
                        } else {
                            vals.iter().copied().max().unwrap_or(-128)
                        };
                        out[((b * oh + oy) * ow + ox) * d + c] =
                            v.max(p.act_min as i64).min(p.act_max as i64) as i8 as u8;
                    }
                }
            }
        }
        out
    }

    #[test]
    fn matches_naive_pools() {
        let mut rng = Rng::new(40);
        for case in 0..2000 {
            let (kh, kw) = (rng.usize(1, 5), rng.usize(1, 5));
            let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
            let (ih, iw) = (rng.usize(1, 9), rng.usize(1, 9));
            let (ph, pw) = (rng.usize(0, kh), rng.usize(0, kw));
            let oh = (ih + ph + rng.usize(0, ph)).saturating_sub(kh) / sh + 1;
            let ow = (iw + pw + rng.usize(0, pw)).saturating_sub(kw) / sw + 1;
            let d = if case % 4 == 0 {
                rng.usize(60, 140)
            } else {
                rng.usize(1, 8)
            };
            let n = rng.usize(1, 2);
            let mut input = vec![0u8; n * ih * iw * d];
            rng.fill(&mut input);
            let p = Pool2dParams {
                input: [n, ih, iw, d],
                output: [n, oh, ow, d],
                kernel: [kh, kw],
                stride: [sh, sw],
                pad: [ph, pw],
                act_min: rng.act_min(),
                act_max: rng.act_max(),
            };
            for average in [false, true] {
                let want = reference(&p, &input, average);
                let mut got = vec![0u8; want.len()];
                if average {
                    average_pool2d_s8(&p, &input, &mut got);
                } else {
                    max_pool2d_s8(&p, &input, &mut got);
                }
                assert_eq!(got, want, "case {case} average={average}: {p:?}");
                if average && d % 4 == 0 {
                    // The DSP build's word path, here on the instructions' twins.
                    let mut words = vec![0u8; want.len()];
                    average_pool2d_s8_words(&p, &input, &mut words);
                    assert_eq!(words, want, "case {case} (words): {p:?}");
                }
            }
        }
    }

    /// The 16-bit lane sums at their limits: 256 taps (a 16×16 global pool) of −128 and of 127,
    /// and of random bytes, on four and eight channels.
    #[test]
    fn word_sums_are_exact_at_the_extremes() {
        let mut rng = Rng::new(41);
        for d in [4, 8] {
            for fill in [Some(0x80u8), Some(0x7f), None] {
                let mut input = vec![0u8; 16 * 16 * d];
                match fill {
                    Some(x) => input.fill(x),
                    None => rng.fill(&mut input),
                }
                let p = Pool2dParams {
                    input: [1, 16, 16, d],
                    output: [1, 1, 1, d],
                    kernel: [16, 16],
                    stride: [1, 1],
                    pad: [0, 0],
                    act_min: -128,
                    act_max: 127,
                };
                let want = reference(&p, &input, true);
                let (mut got, mut words) = (vec![0u8; d], vec![0u8; d]);
                average_pool2d_s8(&p, &input, &mut got);
                average_pool2d_s8_words(&p, &input, &mut words);
                assert_eq!(got, want, "{d} channels, {fill:?}");
                assert_eq!(words, want, "{d} channels, {fill:?} (words)");
            }
        }
    }
}
