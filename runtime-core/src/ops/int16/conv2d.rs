//! CONV_2D, int16x8 (TFLM `reference_integer_ops::ConvPerChannel` on int16 input, int8 filter,
//! int64 bias).

use super::super::conv::{tap_coord, tap_range};
use super::super::{copy_prefix, window};
use super::{dot_s16_s8, dot_s16_s8_long, s16_byte_len, store};
use crate::fixed_point::{multiply_by_quantized_multiplier_i64, PackedRequant};

/// Static parameters of one int16x8 CONV_2D; filter layout OHWI `[out_c, kh, kw, in_c / groups]`.
#[derive(Clone, Copy, Debug)]
pub struct Conv2dS16Params {
    /// NHWC.
    pub input: [usize; 4],
    /// NHWC.
    pub output: [usize; 4],
    /// Filter height and width.
    pub kernel: [usize; 2],
    /// Stride along height and width.
    pub stride: [usize; 2],
    /// Dilation along height and width.
    pub dilation: [usize; 2],
    /// Rows above, columns left (TFLM padding offsets).
    pub pad: [usize; 2],
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// One per output channel (int32 model biases are widened; absent bias is all zeros).
    pub bias: &'static [i64],
    /// Length 1 (per-tensor) or one per output channel.
    pub requant: &'static [PackedRequant],
}

/// One output pixel's window: the real (non-padded) taps' rows and columns as [`tap_range`]
/// gives them, `(first tap, end tap, input coordinate of tap 0)`.
struct Taps {
    rows: (usize, usize, isize),
    cols: (usize, usize, isize),
}

/// Shared driver of both int16x8 convolutions: `f` on every output pixel's taps, its batch's
/// input image and its output bytes (`out_c` int16 values).
#[inline(always)]
fn for_each_pixel(p: &Conv2dS16Params, input: &[u8], output: &mut [u8], mut f: impl FnMut(&Taps, &[u8], &mut [u8])) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let Some(px_bytes) = s16_byte_len(out_c) else {
        return;
    };
    let in_img = in_h * in_w * in_c * 2;
    let mut out_pixels = output.chunks_exact_mut(px_bytes);
    for b in 0..batches {
        let image = window(input, b * in_img, in_img);
        for oy in 0..out_h {
            let rows = tap_range(oy, p.stride[0], p.pad[0], p.dilation[0], p.kernel[0], in_h);
            for ox in 0..out_w {
                let cols = tap_range(ox, p.stride[1], p.pad[1], p.dilation[1], p.kernel[1], in_w);
                let Some(out_px) = out_pixels.next() else {
                    return;
                };
                f(&Taps { rows, cols }, image, out_px);
            }
        }
    }
}

/// CONV_2D int16x8, bit-exact with TFLM.
///
/// TFLM accumulates `Σ w · x` over the real (non-padded) taps in int64 — the symmetric int16
/// scheme has no input offset, so padded taps simply contribute nothing — adds the bias, and
/// requantizes with the 64-bit, 15-bit-multiplier `MultiplyByQuantizedMultiplier`. Valid taps
/// come from clamping the filter window per output row/column. Grouped convolution (filter depth
/// `in_c / groups`, inferred from `filter.len()`) is supported as in TFLM.
pub fn conv2d_s16(p: &Conv2dS16Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [_, _, in_w, in_c] = p.input;
    let out_c = p.output[3];
    let [k_h, k_w] = p.kernel;
    let [dil_h, dil_w] = p.dilation;
    if p.requant.is_empty() {
        return;
    }
    let taps = k_h * k_w;
    let f_depth = filter.len().checked_div(out_c * taps).unwrap_or(0);
    if f_depth == in_c && in_c > 0 && taps * in_c <= WINDOW_VALUES {
        return conv2d_s16_gathered(p, input, filter, output);
    }
    let groups = in_c.checked_div(f_depth).unwrap_or(1).max(1);
    let per_group = (out_c / groups).max(1);
    let f_len = (taps * f_depth).max(1);
    let f_row = k_w * f_depth;
    // Bytes per int16 input row.
    let in_row = in_w * in_c * 2;
    // With unit width dilation and no groups, a filter row's valid taps are one contiguous run.
    let contiguous_rows = dil_w == 1 && f_depth == in_c;
    for_each_pixel(p, input, output, |t, image, out_px| {
        let ((ky0, ky1, iy_origin), (kx0, kx1, ix_origin)) = (t.rows, t.cols);
        let requant = p.requant.iter().map(|r| r.get()).cycle();
        for (c, (((o, f), &bias), rq)) in out_px.chunks_exact_mut(2).zip(filter.chunks_exact(f_len)).zip(p.bias).zip(requant).enumerate() {
            let mut acc = bias;
            let channel0 = (c / per_group) * f_depth;
            for ky in ky0..ky1 {
                let frow = window(f, ky * f_row, f_row);
                let irow = window(image, tap_coord(iy_origin, ky, dil_h) * in_row, in_row);
                if kx0 == kx1 {
                    // No real column in this window.
                } else if contiguous_rows {
                    let ix0 = tap_coord(ix_origin, kx0, 1);
                    let n = (kx1 - kx0) * in_c;
                    acc = acc.wrapping_add(dot_s16_s8(window(irow, ix0 * in_c * 2, n * 2), window(frow, kx0 * f_depth, n)));
                } else {
                    for kx in kx0..kx1 {
                        let ix = tap_coord(ix_origin, kx, dil_w);
                        acc = acc.wrapping_add(dot_s16_s8(
                            window(irow, (ix * in_c + channel0) * 2, f_depth * 2),
                            window(frow, kx * f_depth, f_depth),
                        ));
                    }
                }
            }
            store(o, multiply_by_quantized_multiplier_i64(acc, rq).max(p.act_min).min(p.act_max));
        }
    });
}

/// Largest window (`k_h · k_w · in_c` values) [`conv2d_s16_gathered`] takes: 256 bytes of stack
/// (3×3 windows up to 14 input channels), within the 1 KiB stack budget beside the rest.
const WINDOW_VALUES: usize = 128;

/// [`conv2d_s16`] without groups, for windows of at most [`WINDOW_VALUES`] values: each output
/// pixel's window is gathered once into one run in the filter's `[kh][kw][in_c]` order (padded
/// taps as zeros, which add nothing, as TFLM skips them: the int16 scheme's zero point is 0),
/// then every channel is one dot product over the run ([`dot_s16_s8_long`]: four products per
/// step with the Arm DSP extension) instead of one short dot per tap row and channel.
fn conv2d_s16_gathered(p: &Conv2dS16Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [_, _, in_w, in_c] = p.input;
    let [k_h, k_w] = p.kernel;
    let [dil_h, dil_w] = p.dilation;
    let f_len = k_h * k_w * in_c;
    let mut buf = [0u8; 2 * WINDOW_VALUES];
    let Some(run) = buf.get_mut(..2 * f_len).filter(|r| !r.is_empty()) else {
        return;
    };
    let (in_row, tap_bytes) = (in_w * in_c * 2, in_c * 2);
    for_each_pixel(p, input, output, |t, image, out_px| {
        let ((ky0, ky1, iy_origin), (kx0, kx1, ix_origin)) = (t.rows, t.cols);
        for (ky, row) in run.chunks_exact_mut((k_w * tap_bytes).max(1)).enumerate() {
            // (Checked splits: the firmware's link-time proof admits no panic path.)
            let split = row.split_at_mut_checked(kx0 * tap_bytes).and_then(|(head, rest)| {
                let (mid, tail) = rest.split_at_mut_checked(kx1.saturating_sub(kx0) * tap_bytes)?;
                Some((head, mid, tail))
            });
            let Some((head, mid, tail)) = split.filter(|_| (ky0..ky1).contains(&ky) && kx0 < kx1) else {
                row.fill(0);
                continue;
            };
            let irow = window(image, tap_coord(iy_origin, ky, dil_h) * in_row, in_row);
            head.fill(0);
            tail.fill(0);
            if dil_w == 1 {
                let ix0 = tap_coord(ix_origin, kx0, 1);
                copy_prefix(mid, window(irow, ix0 * tap_bytes, mid.len()));
            } else {
                for (kx, tap) in (kx0..kx1).zip(mid.chunks_exact_mut(tap_bytes)) {
                    copy_prefix(tap, window(irow, tap_coord(ix_origin, kx, dil_w) * tap_bytes, tap_bytes));
                }
            }
        }
        let requant = p.requant.iter().map(|r| r.get()).cycle();
        for (((o, f), &bias), rq) in out_px.chunks_exact_mut(2).zip(filter.chunks_exact(f_len.max(1))).zip(p.bias).zip(requant) {
            let acc = bias.wrapping_add(dot_s16_s8_long(run, f));
            store(o, multiply_by_quantized_multiplier_i64(acc, rq).max(p.act_min).min(p.act_max));
        }
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{act, ref_out, s16_bytes, s16_values};
    use super::*;
    use crate::fixed_point::testing::{leak, Rng};
    use std::{vec, vec::Vec};

    /// Naive TFLM-style int16x8 convolution in i64: padded taps skipped.
    fn reference(p: &Conv2dS16Params, groups: usize, input: &[u8], filter: &[u8]) -> Vec<u8> {
        let x = s16_values(input);
        let [n, ih, iw, ic] = p.input;
        let [_, oh, ow, oc] = p.output;
        let [kh, kw] = p.kernel;
        let fd = ic / groups;
        let mut out = Vec::new();
        for b in 0..n {
            for oy in 0..oh {
                for ox in 0..ow {
                    for c in 0..oc {
                        let g = c / (oc / groups);
                        let mut acc = p.bias[c];
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let iy = (oy * p.stride[0] + ky * p.dilation[0]) as i64 - p.pad[0] as i64;
                                let ix = (ox * p.stride[1] + kx * p.dilation[1]) as i64 - p.pad[1] as i64;
                                if iy < 0 || ix < 0 || iy >= ih as i64 || ix >= iw as i64 {
                                    continue;
                                }
                                for ci in 0..fd {
                                    let xv = x[((b * ih + iy as usize) * iw + ix as usize) * ic + g * fd + ci];
                                    let w = filter[((c * kh + ky) * kw + kx) * fd + ci] as i8 as i64;
                                    acc += w * xv;
                                }
                            }
                        }
                        let rq = p.requant[if p.requant.len() > 1 { c } else { 0 }].get();
                        out.extend_from_slice(&ref_out(acc, rq, p.act_min, p.act_max).to_le_bytes());
                    }
                }
            }
        }
        out
    }

    #[test]
    fn matches_naive_convolution() {
        let mut rng = Rng::new(1610);
        // Cases per path: gathered windows, tap rows without groups, grouped.
        let mut paths = [0usize; 3];
        for case in 0..1200 {
            let groups = if case % 5 == 0 { rng.usize(1, 3) } else { 1 };
            // Some windows past WINDOW_VALUES (k_h · k_w · in_c), which take the tap-row path.
            let fd = if case % 7 == 3 { rng.usize(10, 16) } else { rng.usize(1, 6) };
            let ic = fd * groups;
            let oc = groups * rng.usize(1, 4);
            let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
            let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
            let (dh, dw) = if rng.usize(0, 3) == 0 { (rng.usize(1, 3), rng.usize(1, 3)) } else { (1, 1) };
            let (ih, iw) = (rng.usize(1, 9), rng.usize(1, 9));
            let (ph, pw) = (rng.usize(0, kh * dh + 1), rng.usize(0, kw * dw + 1));
            let oh = (ih + ph + rng.usize(0, ph.max(1))).saturating_sub((kh - 1) * dh + 1) / sh + 1;
            let ow = (iw + pw + rng.usize(0, pw.max(1))).saturating_sub((kw - 1) * dw + 1) / sw + 1;
            let n = rng.usize(1, 2);
            let input = s16_bytes(&mut rng, n * ih * iw * ic);
            let mut filter = vec![0u8; oc * kh * kw * fd];
            rng.fill(&mut filter);
            let bias: Vec<i64> = (0..oc).map(|_| rng.range(-(1 << 34), 1 << 34)).collect();
            let requant: Vec<PackedRequant> = (0..if rng.bool() { oc } else { 1 })
                .map(|_| PackedRequant { multiplier: rng.range(1 << 30, (1i64 << 31) - 1) as i32, shift: rng.range(-30, 0) as i8 })
                .collect();
            let (lo, hi) = act(&mut rng);
            let p = Conv2dS16Params {
                input: [n, ih, iw, ic],
                output: [n, oh, ow, oc],
                kernel: [kh, kw],
                stride: [sh, sw],
                dilation: [dh, dw],
                pad: [ph, pw],
                act_min: lo,
                act_max: hi,
                bias: leak(bias),
                requant: leak(requant),
            };
            paths[if groups > 1 { 2 } else if kh * kw * ic <= WINDOW_VALUES { 0 } else { 1 }] += 1;
            let want = reference(&p, groups, &input, &filter);
            let mut got = vec![0u8; want.len()];
            conv2d_s16(&p, &input, &filter, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
        assert!(paths.iter().all(|&n| n > 10), "cases per path: {paths:?}");
    }
}
