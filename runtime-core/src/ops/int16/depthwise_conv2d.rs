//! DEPTHWISE_CONV_2D, int16x8 (TFLM `reference_integer_ops::DepthwiseConvPerChannel` on int16
//! input, int8 filter, int64 bias).

use super::super::conv::{tap_coord, tap_range};
use super::super::window;
use super::{load, s16_byte_len, store};
use crate::fixed_point::{multiply_by_quantized_multiplier_i64, PackedRequant};

/// Static parameters of one int16x8 DEPTHWISE_CONV_2D; filter layout `[1, kh, kw, out_c]` with
/// `out_c = in_c · depth_multiplier` and output channel `oc = ic · depth_multiplier + m`.
#[derive(Clone, Copy, Debug)]
pub struct DepthwiseConv2dS16Params {
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
    /// Output channels per input channel.
    pub depth_multiplier: usize,
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// One per output channel.
    pub bias: &'static [i64],
    /// Length 1 (per-tensor) or one per output channel.
    pub requant: &'static [PackedRequant],
}

/// Output channels accumulated at once (an i64 array on the stack).
const BLOCK: usize = 32;

/// DEPTHWISE_CONV_2D int16x8, bit-exact with TFLM: per output channel, the int64 sum of
/// `w · x` over the real taps (no input offset in the symmetric scheme), plus the bias, then the
/// 64-bit requantization and the clamp. Channels are processed in blocks so that each tap is
/// one contiguous multiply-add over the block.
pub fn depthwise_conv2d_s16(p: &DepthwiseConv2dS16Params, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let [k_h, k_w] = p.kernel;
    let [stride_h, stride_w] = p.stride;
    let [dil_h, dil_w] = p.dilation;
    let [pad_h, pad_w] = p.pad;
    let dm = p.depth_multiplier.max(1);
    let Some(px_bytes) = s16_byte_len(out_c) else {
        return;
    };
    if p.requant.is_empty() {
        return;
    }
    let in_img = in_h * in_w * in_c * 2;
    let mut out_pixels = output.chunks_exact_mut(px_bytes);
    for b in 0..batches {
        let image = window(input, b * in_img, in_img);
        for oy in 0..out_h {
            let (ky0, ky1, iy_origin) = tap_range(oy, stride_h, pad_h, dil_h, k_h, in_h);
            for ox in 0..out_w {
                let (kx0, kx1, ix_origin) = tap_range(ox, stride_w, pad_w, dil_w, k_w, in_w);
                let Some(out_px) = out_pixels.next() else {
                    return;
                };
                let mut c0 = 0;
                for out_block in out_px.chunks_mut(BLOCK * 2) {
                    let len = (out_block.len() / 2).min(BLOCK);
                    let mut acc = [0i64; BLOCK];
                    let acc = &mut acc[..len];
                    for (a, &bias) in acc.iter_mut().zip(window(p.bias, c0, len)) {
                        *a = bias;
                    }
                    for ky in ky0..ky1 {
                        let iy = tap_coord(iy_origin, ky, dil_h);
                        for kx in kx0..kx1 {
                            let ix = tap_coord(ix_origin, kx, dil_w);
                            let px = window(image, (iy * in_w + ix) * in_c * 2, in_c * 2);
                            let taps = window(filter, (ky * k_w + kx) * out_c + c0, len);
                            for (i, (a, &w)) in acc.iter_mut().zip(taps).enumerate() {
                                // Output channel c0 + i reads input channel (c0 + i) / dm.
                                let x = load(window(px, (c0 + i) / dm * 2, 2));
                                *a = a.wrapping_add(i64::from(x * i32::from(w as i8)));
                            }
                        }
                    }
                    let requant = p.requant.iter().map(|r| r.get()).cycle().skip(if p.requant.len() > 1 { c0 } else { 0 });
                    for ((o, &a), rq) in out_block.chunks_exact_mut(2).zip(acc.iter()).zip(requant) {
                        store(o, multiply_by_quantized_multiplier_i64(a, rq).max(p.act_min).min(p.act_max));
                    }
                    c0 += len;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{act, ref_out, s16_bytes, s16_values};
    use super::*;
    use crate::fixed_point::testing::{leak, Rng};
    use std::{vec, vec::Vec};

    #[test]
    fn matches_naive_depthwise_convolution() {
        let mut rng = Rng::new(1620);
        for case in 0..1000 {
            let ic = if case % 7 == 0 { rng.usize(30, 70) } else { rng.usize(1, 6) };
            let dm = rng.usize(1, 3);
            let oc = ic * dm;
            let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
            let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
            let (dh, dw) = if rng.usize(0, 3) == 0 { (rng.usize(1, 3), rng.usize(1, 3)) } else { (1, 1) };
            let (ih, iw) = (rng.usize(1, 8), rng.usize(1, 8));
            let (ph, pw) = (rng.usize(0, kh * dh), rng.usize(0, kw * dw));
            let oh = (ih + ph + rng.usize(0, ph.max(1))).saturating_sub((kh - 1) * dh + 1) / sh + 1;
            let ow = (iw + pw + rng.usize(0, pw.max(1))).saturating_sub((kw - 1) * dw + 1) / sw + 1;
            let n = rng.usize(1, 2);
            let input = s16_bytes(&mut rng, n * ih * iw * ic);
            let mut filter = vec![0u8; kh * kw * oc];
            rng.fill(&mut filter);
            let bias: Vec<i64> = (0..oc).map(|_| rng.range(-(1 << 30), 1 << 30)).collect();
            let requant: Vec<PackedRequant> = (0..if rng.bool() { oc } else { 1 })
                .map(|_| PackedRequant { multiplier: rng.range(1 << 30, (1i64 << 31) - 1) as i32, shift: rng.range(-25, 0) as i8 })
                .collect();
            let (lo, hi) = act(&mut rng);
            let p = DepthwiseConv2dS16Params {
                input: [n, ih, iw, ic],
                output: [n, oh, ow, oc],
                kernel: [kh, kw],
                stride: [sh, sw],
                dilation: [dh, dw],
                pad: [ph, pw],
                depth_multiplier: dm,
                act_min: lo,
                act_max: hi,
                bias: leak(bias),
                requant: leak(requant),
            };
            let x = s16_values(&input);
            let mut want = Vec::new();
            for b in 0..n {
                for oy in 0..oh {
                    for ox in 0..ow {
                        for c in 0..oc {
                            let mut acc = p.bias[c];
                            for ky in 0..kh {
                                for kx in 0..kw {
                                    let iy = (oy * sh + ky * dh) as i64 - ph as i64;
                                    let ix = (ox * sw + kx * dw) as i64 - pw as i64;
                                    if iy < 0 || ix < 0 || iy >= ih as i64 || ix >= iw as i64 {
                                        continue;
                                    }
                                    let xv = x[((b * ih + iy as usize) * iw + ix as usize) * ic + c / dm];
                                    acc += filter[(ky * kw + kx) * oc + c] as i8 as i64 * xv;
                                }
                            }
                            let rq = p.requant[if p.requant.len() > 1 { c } else { 0 }].get();
                            want.extend_from_slice(&ref_out(acc, rq, lo, hi).to_le_bytes());
                        }
                    }
                }
            }
            let mut got = vec![0u8; want.len()];
            depthwise_conv2d_s16(&p, &input, &filter, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }
}
