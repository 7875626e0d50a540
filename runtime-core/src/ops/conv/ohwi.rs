//! CONV_2D int8 over the model's OHWI filter: every shape TFLM accepts.

use super::super::window;
use super::{dot_s8, output_s8, sum_s8, tap_coord, tap_range, Conv2dParams};
#[cfg(test)]
use crate::fixed_point::PackedRequant;

/// CONV_2D int8, bit-exact with TFLM.
///
/// TFLM skips padded taps and adds `input_offset` to every real tap; with the folded bias this
/// equals accumulating `Σ x · w` over every tap with padded taps reading `input_zero_point`.
/// Valid taps are found by clamping the filter window per output row/column; with unit width
/// dilation and no groups a whole filter row is one contiguous dot product. Grouped convolution
/// (filter depth `in_c / groups`, inferred from `filter.len()`) is supported as in TFLM.
pub fn conv2d_s8(p: &Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let [k_h, _] = p.kernel;
    let [stride_h, _] = p.stride;
    let [dil_h, _] = p.dilation;
    let [pad_h, _] = p.pad;
    if out_c == 0 || p.requant.is_empty() {
        return;
    }
    let in_img = in_h * in_w * in_c;
    let mut out_pixels = output.chunks_exact_mut(out_c);
    for b in 0..batches {
        let image = window(input, b * in_img, in_img);
        for oy in 0..out_h {
            let rows = tap_range(oy, stride_h, pad_h, dil_h, k_h, in_h);
            for ox in 0..out_w {
                let Some(out_px) = out_pixels.next() else {
                    return;
                };
                conv_pixel_s8(p, image, filter, rows, ox, out_px);
            }
        }
    }
}

/// Every output channel of one output pixel of [`conv2d_s8`] (any window: border pixels of the
/// specialized kernels come here too). `rows` is the row's [`tap_range`].
pub(crate) fn conv_pixel_s8(
    p: &Conv2dParams,
    image: &[u8],
    filter: &[u8],
    rows: (usize, usize, isize),
    ox: usize,
    out_px: &mut [u8],
) {
    let [_, _, in_w, in_c] = p.input;
    let out_c = p.output[3];
    let [k_h, k_w] = p.kernel;
    let [dil_h, dil_w] = p.dilation;
    let (zp, out_zp, lo, hi) = (p.input_zero_point, p.output_zero_point, p.act_min, p.act_max);
    let taps = k_h * k_w;
    // Filter input depth: in_c for a plain convolution, in_c / groups for a grouped one.
    let f_depth = filter.len().checked_div(out_c * taps).unwrap_or(0);
    let groups = in_c.checked_div(f_depth).unwrap_or(1).max(1);
    let per_group = (out_c / groups).max(1);
    let contiguous_rows = dil_w == 1 && f_depth == in_c;
    let f_len = (taps * f_depth).max(1);
    let f_row = k_w * f_depth;
    let in_row = in_w * in_c;
    let (ky0, ky1, iy_origin) = rows;
    let (kx0, kx1, ix_origin) = tap_range(ox, p.stride[1], p.pad[1], dil_w, k_w, in_w);
    let border = ky0 > 0 || ky1 < k_h || kx0 > 0 || kx1 < k_w;
    // Per-tensor: the one entry for every channel; per-channel: one each.
    let requant = p.requant.iter().map(|r| r.get()).cycle();
    for (c, (((o, f), &bias), rq)) in out_px
        .iter_mut()
        .zip(filter.chunks_exact(f_len))
        .zip(p.bias)
        .zip(requant)
        .enumerate()
    {
        let mut acc = bias;
        for ky in ky0..ky1 {
            let frow = window(f, ky * f_row, f_row);
            let irow = window(image, tap_coord(iy_origin, ky, dil_h) * in_row, in_row);
            if kx0 == kx1 {
                // No real column in this window.
            } else if contiguous_rows {
                let ix0 = tap_coord(ix_origin, kx0, 1);
                let n = (kx1 - kx0) * in_c;
                acc = acc.wrapping_add(dot_s8(
                    window(frow, kx0 * f_depth, (kx1 - kx0) * f_depth),
                    window(irow, ix0 * in_c, n),
                ));
            } else {
                let channel0 = (c / per_group) * f_depth;
                for kx in kx0..kx1 {
                    let ix = tap_coord(ix_origin, kx, dil_w);
                    acc = acc.wrapping_add(dot_s8(
                        window(frow, kx * f_depth, f_depth),
                        window(irow, ix * in_c + channel0, f_depth),
                    ));
                }
            }
        }
        if border && zp != 0 {
            // Padded taps read the input zero point.
            let mut w_sum = 0i32;
            for (ky, frow) in f.chunks_exact(f_row.max(1)).enumerate().take(k_h) {
                w_sum = w_sum.wrapping_add(if (ky0..ky1).contains(&ky) {
                    sum_s8(window(frow, 0, kx0 * f_depth))
                        .wrapping_add(sum_s8(frow.get(kx1 * f_depth..).unwrap_or(&[])))
                } else {
                    sum_s8(frow)
                });
            }
            acc = acc.wrapping_add(zp.wrapping_mul(w_sum));
        }
        *o = output_s8(acc, rq, out_zp, lo, hi);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{fold_bias, leak, ref_output, Rng};
    use std::{vec, vec::Vec};

    /// Naive TFLM-style convolution: unfolded bias, padded taps skipped, `x - zp` per real tap.
    #[allow(clippy::too_many_arguments)]
    fn reference(
        p: &Conv2dParams,
        groups: usize,
        input: &[u8],
        filter: &[u8],
        bias: &[i32],
    ) -> Vec<u8> {
        let [n, ih, iw, ic] = p.input;
        let [_, oh, ow, oc] = p.output;
        let [kh, kw] = p.kernel;
        let fd = ic / groups;
        let mut out = vec![0u8; n * oh * ow * oc];
        for b in 0..n {
            for oy in 0..oh {
                for ox in 0..ow {
                    for c in 0..oc {
                        let g = c / (oc / groups);
                        let mut acc = bias[c] as i64;
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let iy = (oy * p.stride[0] + ky * p.dilation[0]) as i64
                                    - p.pad[0] as i64;
                                let ix = (ox * p.stride[1] + kx * p.dilation[1]) as i64
                                    - p.pad[1] as i64;
                                if iy < 0 || ix < 0 || iy >= ih as i64 || ix >= iw as i64 {
                                    continue;
                                }
                                for ci in 0..fd {
                                    let x = input[((b * ih + iy as usize) * iw + ix as usize) * ic
                                        + g * fd
                                        + ci] as i8
                                        as i64;
                                    let w =
                                        filter[((c * kh + ky) * kw + kx) * fd + ci] as i8 as i64;
                                    acc += w * (x - p.input_zero_point as i64);
                                }
                            }
                        }
                        let rq = p.requant[if p.requant.len() > 1 { c } else { 0 }].get();
                        out[((b * oh + oy) * ow + ox) * oc + c] =
                            ref_output(acc, rq, p.output_zero_point, p.act_min, p.act_max);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn matches_naive_convolution() {
        let mut rng = Rng::new(10);
        for case in 0..1500 {
            let groups = if case % 5 == 0 { rng.usize(1, 3) } else { 1 };
            let fd = rng.usize(1, 6);
            let ic = fd * groups;
            let oc = groups * rng.usize(1, 4);
            let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
            let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
            let (dh, dw) = if rng.usize(0, 3) == 0 {
                (rng.usize(1, 3), rng.usize(1, 3))
            } else {
                (1, 1)
            };
            let (ih, iw) = (rng.usize(1, 9), rng.usize(1, 9));
            // Padding up to beyond the whole window, so some windows see no real tap at all.
            let (ph, pw) = (rng.usize(0, kh * dh + 1), rng.usize(0, kw * dw + 1));
            let eff_h = (kh - 1) * dh + 1;
            let eff_w = (kw - 1) * dw + 1;
            // Any output size the padding allows, including asymmetric (SAME, stride 2) cases.
            let oh = (ih + ph + rng.usize(0, ph.max(1))).saturating_sub(eff_h) / sh + 1;
            let ow = (iw + pw + rng.usize(0, pw.max(1))).saturating_sub(eff_w) / sw + 1;
            let n = rng.usize(1, 2);
            let mut input = vec![0u8; n * ih * iw * ic];
            let mut filter = vec![0u8; oc * kh * kw * fd];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            let bias: Vec<i32> = (0..oc).map(|_| rng.range(-50_000, 50_000) as i32).collect();
            let zp = rng.range(-128, 127) as i32;
            let requant: Vec<PackedRequant> = (0..if rng.bool() { oc } else { 1 })
                .map(|_| rng.packed_requant())
                .collect();
            let (lo, hi) = if rng.bool() {
                (-128, 127)
            } else {
                (rng.range(-128, 0) as i32, rng.range(0, 127) as i32)
            };
            let p = Conv2dParams {
                input: [n, ih, iw, ic],
                output: [n, oh, ow, oc],
                kernel: [kh, kw],
                stride: [sh, sw],
                dilation: [dh, dw],
                pad: [ph, pw],
                input_zero_point: zp,
                output_zero_point: rng.range(-128, 127) as i32,
                act_min: lo,
                act_max: hi,
                bias: leak(fold_bias(&bias, &filter, zp)),
                requant: leak(requant),
            };
            let want = reference(&p, groups, &input, &filter, &bias);
            let mut got = vec![0u8; want.len()];
            conv2d_s8(&p, &input, &filter, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }

    #[test]
    fn tap_range_is_exact() {
        for out in 0..6 {
            for stride in 1..4 {
                for pad in 0..5 {
                    for dil in 1..4 {
                        for k in 0..5 {
                            for size in 0..8 {
                                let (t0, t1, origin) = tap_range(out, stride, pad, dil, k, size);
                                for t in 0..k {
                                    let c = origin + (t * dil) as isize;
                                    let inside = c >= 0 && c < size as isize;
                                    assert_eq!((t0..t1).contains(&t), inside);
                                }
                                assert!(t0 <= t1 && t1 <= k);
                            }
                        }
                    }
                }
            }
        }
    }
}
