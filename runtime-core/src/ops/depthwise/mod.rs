//! DEPTHWISE_CONV_2D, int8 (TFLM `reference_integer_ops::DepthwiseConvPerChannel`): the params
//! and the portable kernel here, the Arm DSP kernels in [`dsp`] (the model's filter layout) and
//! [`dsp_broadcast`] (one input channel to all outputs, its own layout), chosen at compile time
//! by the generated code.

mod dsp;
mod dsp_3x3;
mod dsp_broadcast;
mod neon;
mod sse2;
mod vnni;
pub use neon::{depthwise_conv2d_s8_neon, depthwise_neon_filter_bytes, pack_filter_depthwise_neon};
pub use sse2::{depthwise_conv2d_s8_sse2, depthwise_sse2_filter_bytes, pack_filter_depthwise_sse2};
pub use vnni::{depthwise_conv2d_s8_gemm, depthwise_gemm_filter_bytes, pack_filter_depthwise_gemm};
pub use dsp::{depthwise_conv2d_s8_3x3_in_place, depthwise_conv2d_s8_dsp, depthwise_conv2d_s8_dsp_3x3, MAX_CONST_CHANNELS};
pub use dsp_3x3::MAX_IN_PLACE_WIDTH;
pub use dsp_broadcast::{depthwise_conv2d_s8_dsp_broadcast, pack_filter_broadcast, MAX_BROADCAST_WIDTH, MAX_BROADCAST_WORDS};

use super::conv::{lanes, output_s8, store_block, tap_coord, tap_range, BlockRq, OC_BLOCK};
use super::{copy_prefix, window, window_mut};
use crate::fixed_point::PackedRequant;

/// Static parameters of one DEPTHWISE_CONV_2D; filter layout `[1, kh, kw, out_c]` with
/// `out_c = in_c · depth_multiplier` and output channel `oc = ic · depth_multiplier + m`.
#[derive(Clone, Copy, Debug)]
pub struct DepthwiseConv2dParams {
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
    /// Zero point of the input.
    pub input_zero_point: i32,
    /// Zero point of the output.
    pub output_zero_point: i32,
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// Folded bias `bias[c] - input_zero_point · Σ filter[.., c]`, one per output channel.
    pub bias: &'static [i32],
    /// Length 1 (per-tensor) or one per output channel.
    pub requant: &'static [PackedRequant],
}

/// Output channels accumulated at once (an i32 array on the stack).
const BLOCK: usize = 64;

/// DEPTHWISE_CONV_2D int8, bit-exact with TFLM.
///
/// Per output pixel, channels are processed in blocks of up to 64 accumulators; each filter tap
/// adds `w · x` across the block (a contiguous, vectorizable loop), taps outside the image add
/// `w · input_zero_point` (see the folded-bias contract in `ops`). The valid tap window is
/// clamped per output row/column, so the only per-tap branch is "inside or padded".
pub fn depthwise_conv2d_s8(
    p: &DepthwiseConv2dParams,
    input: &[u8],
    filter: &[u8],
    output: &mut [u8],
) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let [k_h, k_w] = p.kernel;
    let [stride_h, stride_w] = p.stride;
    let [dil_h, dil_w] = p.dilation;
    let [pad_h, pad_w] = p.pad;
    let dm = p.depth_multiplier.max(1);
    let zp = p.input_zero_point;
    if out_c == 0 || in_c == 0 || p.requant.is_empty() {
        return;
    }
    // Blocks hold whole input channels (a multiple of `dm` outputs) when dm fits in a block.
    let block = if dm <= BLOCK {
        (BLOCK / dm) * dm
    } else {
        BLOCK
    }
    .max(1);
    let in_img = in_h * in_w * in_c;
    let out_img = out_h * out_w * out_c;
    let (out_zp, lo, hi) = (p.output_zero_point, p.act_min, p.act_max);
    let one_input = in_c == 1;
    if (one_input || (dm == 1 && in_c == out_c)) && out_c % OC_BLOCK == 0 {
        // The MobileNet case (depth multiplier 1) and the one-input-channel case (every output
        // channel reads the same input value): fixed-size channel blocks (16, then 8).
        let mut c0 = 0;
        while c0 < out_c {
            if out_c - c0 >= 2 * OC_BLOCK {
                if one_input {
                    depthwise_block::<{ 2 * OC_BLOCK }, true>(p, input, filter, output, c0);
                } else {
                    depthwise_block::<{ 2 * OC_BLOCK }, false>(p, input, filter, output, c0);
                }
                c0 += 2 * OC_BLOCK;
            } else {
                if one_input {
                    depthwise_block::<OC_BLOCK, true>(p, input, filter, output, c0);
                } else {
                    depthwise_block::<OC_BLOCK, false>(p, input, filter, output, c0);
                }
                c0 += OC_BLOCK;
            }
        }
        return;
    }

    // Channel blocks outermost: each block's output stage is prepared once for every pixel.
    let mut c0 = 0;
    while c0 < out_c {
        let len = (out_c - c0).min(block);
        let mut bias = [0i32; BLOCK];
        copy_prefix(&mut bias, window(p.bias, c0, len));
        for b in 0..batches {
            let image = window(input, b * in_img, in_img);
            let out_image = window_mut(output, b * out_img, out_img);
            let mut out_pixels = out_image.chunks_exact_mut(out_c);
            for oy in 0..out_h {
                let (ky0, ky1, iy_origin) = tap_range(oy, stride_h, pad_h, dil_h, k_h, in_h);
                for ox in 0..out_w {
                    let (kx0, kx1, ix_origin) = tap_range(ox, stride_w, pad_w, dil_w, k_w, in_w);
                    let Some(out_px) = out_pixels.next() else {
                        return;
                    };
                    let mut acc_all = bias;
                    // (`len <= BLOCK`, which the optimizer cannot always see through `block`.)
                    let Some(acc) = acc_all.get_mut(..len) else {
                        return;
                    };
                    for ky in ky0..ky1 {
                        let iy = tap_coord(iy_origin, ky, dil_h);
                        for kx in kx0..kx1 {
                            let ix = tap_coord(ix_origin, kx, dil_w);
                            let taps = window(filter, (ky * k_w + kx) * out_c + c0, len);
                            let px = window(image, (iy * in_w + ix) * in_c, in_c);
                            accumulate(acc, taps, px, c0, dm);
                        }
                    }
                    let border = ky0 > 0 || ky1 < k_h || kx0 > 0 || kx1 < k_w;
                    if border && zp != 0 {
                        // Taps outside the image read the input zero point.
                        for ky in 0..k_h {
                            for kx in 0..k_w {
                                if (ky0..ky1).contains(&ky) && (kx0..kx1).contains(&kx) {
                                    continue;
                                }
                                let taps = window(filter, (ky * k_w + kx) * out_c + c0, len);
                                for (a, &w) in acc.iter_mut().zip(taps) {
                                    *a = a.wrapping_add(i32::from(w as i8) * zp);
                                }
                            }
                        }
                    }
                    // (The uncommon shapes: the scalar output stage, no per-block tables on the stack.)
                    let rqs = if p.requant.len() > 1 { p.requant.get(c0..).unwrap_or(&[]) } else { p.requant };
                    for ((o, &a), rq) in window_mut(out_px, c0, len).iter_mut().zip(acc_all.iter()).zip(rqs.iter().cycle()) {
                        *o = output_s8(a, rq.get(), out_zp, lo, hi);
                    }
                }
            }
        }
        c0 += len;
    }
}

/// Output channels `c0..c0 + N` of a depthwise convolution with depth multiplier 1, or (`ONE`)
/// with one input channel (`N` a multiple of [`OC_BLOCK`], `c0 + N <= out_c`): per tap, `N`
/// lanes of `acc[j] += w[j] · x[j]` (`ONE`: `x[0]` for every lane)
/// over fixed-size arrays (one or two vector operations, no remainder loop), then the block
/// output stage. Out of line, so that the general kernel stays small enough to be inlined
/// where its parameters are constant.
#[inline(never)]
fn depthwise_block<const N: usize, const ONE: bool>(
    p: &DepthwiseConv2dParams,
    input: &[u8],
    filter: &[u8],
    output: &mut [u8],
    c0: usize,
) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, c] = p.output;
    let [k_h, k_w] = p.kernel;
    let [stride_h, stride_w] = p.stride;
    let [dil_h, dil_w] = p.dilation;
    let [pad_h, pad_w] = p.pad;
    let zp = p.input_zero_point;
    let (out_zp, lo, hi) = (p.output_zero_point, p.act_min, p.act_max);
    let brq: [Option<BlockRq>; 2] = core::array::from_fn(|k| BlockRq::new(p.requant, c0 + k * OC_BLOCK, out_zp, lo, hi));
    let mut bias = [0i32; N];
    copy_prefix(&mut bias, window(p.bias, c0, N));
    let in_img = in_h * in_w * in_c;
    let tap_w = |ky: usize, kx: usize| <&[u8; N]>::try_from(window(filter, (ky * k_w + kx) * c + c0, N)).ok();
    let mut out_pixels = output.chunks_exact_mut(c.max(1));
    for b in 0..batches {
        let image = window(input, b * in_img, in_img);
        for oy in 0..out_h {
            let (ky0, ky1, iy_origin) = tap_range(oy, stride_h, pad_h, dil_h, k_h, in_h);
            for ox in 0..out_w {
                let (kx0, kx1, ix_origin) = tap_range(ox, stride_w, pad_w, dil_w, k_w, in_w);
                let Some(out_px) = out_pixels.next() else {
                    return;
                };
                let mut acc = bias;
                for ky in ky0..ky1 {
                    let iy = tap_coord(iy_origin, ky, dil_h);
                    for kx in kx0..kx1 {
                        let ix = tap_coord(ix_origin, kx, dil_w);
                        let Some(w) = tap_w(ky, kx) else {
                            continue;
                        };
                        if ONE {
                            if let Some(&x) = image.get(iy * in_w + ix) {
                                let x = i16::from(x as i8);
                                for (a, &w) in acc.iter_mut().zip(w) {
                                    *a = a.wrapping_add(i32::from(i16::from(w as i8) * x));
                                }
                            }
                        } else if let Ok(x) = <&[u8; N]>::try_from(window(image, (iy * in_w + ix) * in_c + c0, N)) {
                            for ((a, &w), &x) in acc.iter_mut().zip(w).zip(x) {
                                *a = a.wrapping_add(i32::from(i16::from(w as i8) * i16::from(x as i8)));
                            }
                        }
                        // The accumulators in memory between taps (see `lanes`) only for 16
                        // channels of 16 inputs: measured, the 8-lane and one-input loops are
                        // shorter in registers (micro_speech −26% Ir, person_detect −0.7%), and the
                        // 16-lane one without the barrier shorter on the MobileNets but longer
                        // on person_detect. With AVX2 the barrier made LLVM's 16-lane loop scalar
                        // (MobileNetV1-0.25 −14% Ir without it).
                        if !ONE && N != OC_BLOCK && !cfg!(target_feature = "avx2") {
                            lanes(&mut acc);
                        }
                    }
                }
                if zp != 0 && (ky0 > 0 || ky1 < k_h || kx0 > 0 || kx1 < k_w) {
                    // Taps outside the image read the input zero point.
                    for ky in 0..k_h {
                        for kx in 0..k_w {
                            if (ky0..ky1).contains(&ky) && (kx0..kx1).contains(&kx) {
                                continue;
                            }
                            if let Some(w) = tap_w(ky, kx) {
                                for (a, &w) in acc.iter_mut().zip(w) {
                                    *a = a.wrapping_add(i32::from(w as i8) * zp);
                                }
                            }
                        }
                    }
                }
                let out = window_mut(out_px, c0, N);
                for (k, (out, a)) in out.chunks_mut(OC_BLOCK).zip(acc.chunks_exact(OC_BLOCK)).enumerate() {
                    let rq = brq.get(k).unwrap_or(&None);
                    if let Ok(a) = <&[i32; OC_BLOCK]>::try_from(a) {
                        store_block(out, a, rq, c0 + k * OC_BLOCK, p.requant, out_zp, lo, hi);
                    }
                }
            }
        }
    }
}

/// `acc[j] += w[j] · x[(c0 + j) / dm]` for one input pixel `px`.
#[inline(always)]
fn accumulate(acc: &mut [i32], taps: &[u8], px: &[u8], c0: usize, dm: usize) {
    let mac =
        |a: &mut i32, w: u8, x: u8| *a = a.wrapping_add(i32::from(w as i8) * i32::from(x as i8));
    if let [x] = *px {
        // One input channel: every output channel reads it (`c / dm = 0`).
        let x = i16::from(x as i8);
        if let (Ok(a), Ok(w)) = (<&mut [i32; OC_BLOCK]>::try_from(&mut *acc), <&[u8; OC_BLOCK]>::try_from(taps)) {
            for (a, &w) in a.iter_mut().zip(w) {
                *a = a.wrapping_add(i32::from(x * i16::from(w as i8)));
            }
        } else {
            for (a, &w) in acc.iter_mut().zip(taps) {
                *a = a.wrapping_add(i32::from(x * i16::from(w as i8)));
            }
        }
    } else if dm == 1 {
        for ((a, &w), &x) in acc.iter_mut().zip(taps).zip(px.get(c0..).unwrap_or(&[])) {
            mac(a, w, x);
        }
    } else if c0.checked_rem(dm) == Some(0) && (1..=BLOCK).contains(&dm) {
        // Blocks start on an input channel: each input value feeds `dm` consecutive outputs.
        let px = px.get(c0 / dm..).unwrap_or(&[]);
        for ((a, w), &x) in acc.chunks_mut(dm).zip(taps.chunks(dm)).zip(px) {
            for (a, &w) in a.iter_mut().zip(w) {
                mac(a, w, x);
            }
        }
    } else {
        for (j, (a, &w)) in acc.iter_mut().zip(taps).enumerate() {
            if let Some(&x) = (c0 + j).checked_div(dm).and_then(|i| px.get(i)) {
                mac(a, w, x);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{leak, ref_output, Rng};
    use std::{vec, vec::Vec};

    /// Naive TFLM-style depthwise convolution: unfolded bias, padded taps skipped.
    fn reference(p: &DepthwiseConv2dParams, input: &[u8], filter: &[u8], bias: &[i32]) -> Vec<u8> {
        let [n, ih, iw, ic] = p.input;
        let [_, oh, ow, oc] = p.output;
        let [kh, kw] = p.kernel;
        let dm = p.depth_multiplier;
        let mut out = vec![0u8; n * oh * ow * oc];
        for b in 0..n {
            for oy in 0..oh {
                for ox in 0..ow {
                    for ci in 0..ic {
                        for m in 0..dm {
                            let c = ci * dm + m;
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
                                    let x = input
                                        [((b * ih + iy as usize) * iw + ix as usize) * ic + ci]
                                        as i8 as i64;
                                    let w = filter[(ky * kw + kx) * oc + c] as i8 as i64;
                                    acc += w * (x - p.input_zero_point as i64);
                                }
                            }
                            let rq = p.requant[if p.requant.len() > 1 { c } else { 0 }].get();
                            out[((b * oh + oy) * ow + ox) * oc + c] =
                                ref_output(acc, rq, p.output_zero_point, p.act_min, p.act_max);
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn matches_naive_depthwise_convolution() {
        let mut rng = Rng::new(20);
        for case in 0..1500 {
            let dm = match case % 7 {
                0 => rng.usize(2, 9),
                1 => [63, 64, 65, 100][rng.usize(0, 3)],
                _ => 1,
            };
            let ic = if dm > 10 {
                rng.usize(1, 2)
            } else {
                rng.usize(1, 70)
            };
            let oc = ic * dm;
            let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
            let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
            let (dh, dw) = if rng.usize(0, 3) == 0 {
                (rng.usize(1, 3), rng.usize(1, 3))
            } else {
                (1, 1)
            };
            let (ih, iw) = (rng.usize(1, 8), rng.usize(1, 8));
            let (ph, pw) = (rng.usize(0, kh * dh + 1), rng.usize(0, kw * dw + 1));
            let oh = (ih + ph + rng.usize(0, ph.max(1))).saturating_sub((kh - 1) * dh + 1) / sh + 1;
            let ow = (iw + pw + rng.usize(0, pw.max(1))).saturating_sub((kw - 1) * dw + 1) / sw + 1;
            let n = rng.usize(1, 2);
            let mut input = vec![0u8; n * ih * iw * ic];
            let mut filter = vec![0u8; kh * kw * oc];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            let bias: Vec<i32> = (0..oc).map(|_| rng.range(-50_000, 50_000) as i32).collect();
            let zp = rng.range(-128, 127) as i32;
            let folded: Vec<i32> = (0..oc)
                .map(|c| {
                    let s: i32 = (0..kh * kw).map(|t| filter[t * oc + c] as i8 as i32).sum();
                    bias[c].wrapping_sub(zp.wrapping_mul(s))
                })
                .collect();
            let requant: Vec<PackedRequant> = (0..if rng.bool() { oc } else { 1 })
                .map(|_| rng.packed_requant())
                .collect();
            let p = DepthwiseConv2dParams {
                input: [n, ih, iw, ic],
                output: [n, oh, ow, oc],
                kernel: [kh, kw],
                stride: [sh, sw],
                dilation: [dh, dw],
                pad: [ph, pw],
                depth_multiplier: dm,
                input_zero_point: zp,
                output_zero_point: rng.range(-128, 127) as i32,
                act_min: rng.act_min(),
                act_max: rng.act_max(),
                bias: leak(folded),
                requant: leak(requant),
            };
            let want = reference(&p, &input, &filter, &bias);
            let mut got = vec![0u8; want.len()];
            depthwise_conv2d_s8(&p, &input, &filter, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }
}
