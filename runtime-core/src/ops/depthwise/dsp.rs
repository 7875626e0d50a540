//! DEPTHWISE_CONV_2D int8 on the Arm DSP extension, four channels per word, over the model's
//! own `[1, k_h, k_w, out_c]` filter.
//!
//! Taps outermost, channels innermost: for one output pixel, each real tap adds the input pixel's
//! channels times the tap's weights into a block of up to [`BLOCK`] accumulators. Per four
//! channels: one input load, one filter load, four SXTB16 (SXTB16 widens channels 0 and 2,
//! SXTB16 ROR #8 channels 1 and 3) and four multiply-accumulates (SMLABB / SMLATT on the bottom
//! and top halves) — with the three slices walked by iterators, no bounds check per tap.
//!
//! 3×3 undilated layers (when the compiler says so with `GROUPS`) go group by group instead,
//! through a ring of widened input rows ([`super::dsp_3x3`]).
//!
//! Covers depth multiplier 1 with a channel count divisible by four (MobileNet's depthwise
//! layers); with up to [`MAX_CONST_CHANNELS`] channels known at compile time (the const
//! generic the compiler passes) a pixel's accumulators stay in registers across its taps, and
//! one input channel broadcast to all outputs is covered too. Arithmetic of
//! [`super::depthwise_conv2d_s8`]: folded bias, padded taps read the input zero point, TFLM's
//! output stage; bit-exact with TFLM.

use super::super::conv::{rq_at, tap_range, word, OutputStage};
use super::super::{copy_prefix, window};
use super::dsp_3x3::{covers_3x3, groups_3x3};
use super::DepthwiseConv2dParams;
use crate::arch::arm_dsp::{smlabb, smlatt, sxtb16, sxtb16_ror8};

/// Channels accumulated per pass over a pixel's taps (256 bytes of stack).
const BLOCK: usize = 64;

/// Whether the run-time-depth path computes this shape (depth multiplier 1, a multiple of four
/// channels).
fn covers(p: &DepthwiseConv2dParams) -> bool {
    let (in_c, out_c) = (p.input[3], p.output[3]);
    p.depth_multiplier == 1 && in_c == out_c && out_c % 4 == 0 && out_c > 0
}

/// Longest channel count the compiler passes to [`depthwise_conv2d_s8_dsp`] as a constant.
pub const MAX_CONST_CHANNELS: usize = 16;

/// Whether the constant-depth path computes this shape with `C` output channels: depth
/// multiplier 1 or one input channel broadcast, `C` a multiple of four.
fn covers_const<const C: usize>(p: &DepthwiseConv2dParams) -> bool {
    let (in_c, out_c) = (p.input[3], p.output[3]);
    C > 0 && C % 4 == 0 && C <= MAX_CONST_CHANNELS && out_c == C && (in_c == C || in_c == 1) && in_c * p.depth_multiplier == C
}

/// `acc[j] += x[j] · w[j]` over a tap's channels, four per word.
#[inline(always)]
fn tap(acc: &mut [i32], x: &[u8], w: &[u8]) {
    for ((a, x), w) in acc.chunks_exact_mut(4).zip(x.chunks_exact(4)).zip(w.chunks_exact(4)) {
        let (x, w) = (word(x), word(w));
        let (x_e, x_o, w_e, w_o) = (sxtb16(x), sxtb16_ror8(x), sxtb16(w), sxtb16_ror8(w));
        if let [a0, a1, a2, a3] = a {
            *a0 = smlabb(x_e, w_e, *a0);
            *a2 = smlatt(x_e, w_e, *a2);
            *a1 = smlabb(x_o, w_o, *a1);
            *a3 = smlatt(x_o, w_o, *a3);
        }
    }
}

/// DEPTHWISE_CONV_2D int8 with SMLABB/SMLATT (see the module docs); same params, filter and
/// result as [`super::depthwise_conv2d_s8`]. Shapes: depth multiplier 1 on a multiple of four
/// channels, and (with `C`) one input channel broadcast to all outputs; the compiler calls it
/// for no other (it leaves the output untouched then), so the portable kernel is not linked in.
/// 3×3 undilated layers go to [`depthwise_conv2d_s8_dsp_3x3`] instead.
///
/// `C` is 0 or the layer's output channel count as a constant, which the compiler gives for up
/// to [`MAX_CONST_CHANNELS`] channels: the accumulators of a whole pixel then stay in
/// registers across its taps, and one input channel broadcast to all (a depthwise layer used as
/// the first convolution) is covered too.
pub fn depthwise_conv2d_s8_dsp<const C: usize>(p: &DepthwiseConv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    if p.requant.is_empty() {
        return;
    }
    if covers_const::<C>(p) {
        return fixed::<C>(p, input, filter, output);
    }
    if covers(p) {
        any_depth(p, input, filter, output)
    }
}

/// DEPTHWISE_CONV_2D int8 for a layer the compiler knows the 3×3 ring kernel takes (3×3
/// undilated, four-channel groups, depth multiplier 1 or one channel broadcast): that kernel
/// alone. Through [`depthwise_conv2d_s8_dsp`] (as a `GROUPS` flag) a model whose depthwise
/// layers are all 3×3 (every MobileNet) also linked the general kernel, 3 KB it never ran. For any other shape it
/// leaves the output untouched (the compiler never calls it so).
pub fn depthwise_conv2d_s8_dsp_3x3(p: &DepthwiseConv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    if !p.requant.is_empty() && covers_3x3(p) {
        groups_3x3(p, input, filter, output);
    }
}

/// DEPTHWISE_CONV_2D int8 over one buffer: the input, which dies here, is overwritten by the
/// output (same shape), so the layer needs one activation buffer instead of two. For the shapes
/// the compiler sends here (3×3, stride 1, one row and column of padding, depth multiplier 1,
/// channels divisible by four, at most `MAX_IN_PLACE_WIDTH` columns), on every target: the
/// ring kernel of the Arm DSP build, through the instructions' portable twins elsewhere (the
/// same bytes; slower than the host's vector kernels, which need the input intact). For any
/// other shape it leaves the buffer untouched (the compiler never calls it so).
pub fn depthwise_conv2d_s8_3x3_in_place(p: &DepthwiseConv2dParams, filter: &[u8], buffer: &mut [u8]) {
    if !p.requant.is_empty() {
        super::dsp_3x3::groups_3x3_in_place(p, filter, buffer);
    }
}

/// [`depthwise_conv2d_s8_dsp`] for `C` channels known at compile time. Out of line: inlined
/// into the dispatcher, its frame sat under the 3×3 kernel's wherever the dispatcher itself is
/// not inlined (a patched stage's layers).
#[inline(never)]
fn fixed<const C: usize>(p: &DepthwiseConv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, _] = p.output;
    let [k_h, k_w] = p.kernel;
    let [stride_h, stride_w] = p.stride;
    let [dil_h, dil_w] = p.dilation;
    let [pad_h, pad_w] = p.pad;
    let broadcast = in_c == 1 && C > 1;
    let zp = p.input_zero_point;
    let stage = OutputStage::new(p.requant, p.output_zero_point, p.act_min, p.act_max);
    let bias = <[i32; C]>::try_from(window(p.bias, 0, C)).unwrap_or([0; C]);
    let in_img = in_h * in_w * in_c;
    let mut out_pixels = output.chunks_exact_mut(C);
    for b in 0..batches {
        let image = window(input, b * in_img, in_img);
        for oy in 0..out_h {
            let (ky0, ky1, iy_origin) = tap_range(oy, stride_h, pad_h, dil_h, k_h, in_h);
            for ox in 0..out_w {
                let Some(out_px) = out_pixels.next() else {
                    return;
                };
                let (kx0, kx1, ix_origin) = tap_range(ox, stride_w, pad_w, dil_w, k_w, in_w);
                let mut acc = bias;
                for ky in ky0..ky1 {
                    let iy = (iy_origin + (ky * dil_h) as isize) as usize;
                    for kx in kx0..kx1 {
                        let ix = (ix_origin + (kx * dil_w) as isize) as usize;
                        let w = window(filter, (ky * k_w + kx) * C, C);
                        if broadcast {
                            // One input value for every channel, in both halves of a word.
                            let v = image.get(iy * in_w + ix).map_or(0, |&v| u32::from(v as i8 as i16 as u16));
                            let v = v | (v << 16);
                            for (a, w) in acc.chunks_exact_mut(4).zip(w.chunks_exact(4)) {
                                let w = word(w);
                                let (w_e, w_o) = (sxtb16(w), sxtb16_ror8(w));
                                if let [a0, a1, a2, a3] = a {
                                    *a0 = smlabb(v, w_e, *a0);
                                    *a2 = smlatt(v, w_e, *a2);
                                    *a1 = smlabb(v, w_o, *a1);
                                    *a3 = smlatt(v, w_o, *a3);
                                }
                            }
                        } else {
                            tap(&mut acc, window(image, (iy * in_w + ix) * C, C), w);
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
                            for (a, &w) in acc.iter_mut().zip(window(filter, (ky * k_w + kx) * C, C)) {
                                *a = a.wrapping_add(i32::from(w as i8).wrapping_mul(zp));
                            }
                        }
                    }
                }
                for (j, (o, &a)) in out_px.iter_mut().zip(&acc).enumerate() {
                    *o = stage.apply(a, rq_at(p.requant, j));
                }
            }
        }
    }
}

/// [`depthwise_conv2d_s8_dsp`] for a run-time channel count (depth multiplier 1, a multiple of
/// four channels).
#[inline(never)]
fn any_depth(p: &DepthwiseConv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, c] = p.input;
    let [_, out_h, out_w, _] = p.output;
    let [k_h, k_w] = p.kernel;
    let [stride_h, stride_w] = p.stride;
    let [dil_h, dil_w] = p.dilation;
    let [pad_h, pad_w] = p.pad;
    let zp = p.input_zero_point;
    let stage = OutputStage::new(p.requant, p.output_zero_point, p.act_min, p.act_max);
    if c == 0 {
        return;
    }
    let in_img = in_h * in_w * c;
    let mut out_pixels = output.chunks_exact_mut(c);
    let mut acc_all = [0i32; BLOCK];
    for b in 0..batches {
        let image = window(input, b * in_img, in_img);
        for oy in 0..out_h {
            let (ky0, ky1, iy_origin) = tap_range(oy, stride_h, pad_h, dil_h, k_h, in_h);
            for ox in 0..out_w {
                let Some(out_px) = out_pixels.next() else {
                    return;
                };
                let (kx0, kx1, ix_origin) = tap_range(ox, stride_w, pad_w, dil_w, k_w, in_w);
                let border = zp != 0 && (ky0 > 0 || ky1 < k_h || kx0 > 0 || kx1 < k_w);
                let mut c0 = 0;
                for out in out_px.chunks_mut(BLOCK) {
                    let len = out.len();
                    let Some(acc) = acc_all.get_mut(..len) else {
                        return;
                    };
                    copy_prefix(acc, window(p.bias, c0, len));
                    for ky in ky0..ky1 {
                        let iy = (iy_origin + (ky * dil_h) as isize) as usize;
                        for kx in kx0..kx1 {
                            let ix = (ix_origin + (kx * dil_w) as isize) as usize;
                            tap(acc, window(image, (iy * in_w + ix) * c + c0, len), window(filter, (ky * k_w + kx) * c + c0, len));
                        }
                    }
                    if border {
                        // Taps outside the image read the input zero point.
                        for ky in 0..k_h {
                            for kx in 0..k_w {
                                if (ky0..ky1).contains(&ky) && (kx0..kx1).contains(&kx) {
                                    continue;
                                }
                                for (a, &w) in acc.iter_mut().zip(window(filter, (ky * k_w + kx) * c + c0, len)) {
                                    *a = a.wrapping_add(i32::from(w as i8).wrapping_mul(zp));
                                }
                            }
                        }
                    }
                    for (j, (o, &a)) in out.iter_mut().zip(acc.iter()).enumerate() {
                        *o = stage.apply(a, rq_at(p.requant, c0 + j));
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
    use super::super::depthwise_conv2d_s8;
    use super::*;
    use crate::fixed_point::testing::{leak, Rng};
    use crate::fixed_point::PackedRequant;
    use std::{vec, vec::Vec};

    /// Same bytes as the portable kernel (checked against a naive TFLM-style depthwise
    /// convolution and against TFLM on the zoo), with the twins of SMLABB/SMLATT/SXTB16 on the
    /// host, over random shapes: channel counts across the block size, strides, dilations,
    /// paddings (whole-window too), zero points, per-tensor/per-channel, several batches.
    #[test]
    fn depthwise_dsp_matches_the_portable_kernel() {
        let mut rng = Rng::new(0xd5d);
        for case in 0..3000 {
            let oc = 4 * if case % 7 == 0 { rng.usize(15, 40) } else { rng.usize(1, 6) };
            // Every third case the 3×3 undilated shape of the group kernel.
            let (kh, kw) = if case % 3 == 0 { (3, 3) } else { (rng.usize(1, 4), rng.usize(1, 4)) };
            let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
            let (dh, dw) = if case % 3 != 0 && rng.usize(0, 4) == 0 { (rng.usize(1, 3), rng.usize(1, 3)) } else { (1, 1) };
            let (ih, iw) = (rng.usize(1, 9), rng.usize(1, 9));
            let (ph, pw) = (rng.usize(0, kh * dh + 1), rng.usize(0, kw * dw + 1));
            let oh = (ih + ph + rng.usize(0, ph.max(1))).saturating_sub((kh - 1) * dh + 1) / sh + 1;
            let ow = (iw + pw + rng.usize(0, pw.max(1))).saturating_sub((kw - 1) * dw + 1) / sw + 1;
            let n = rng.usize(1, 2);
            let mut input = vec![0u8; n * ih * iw * oc];
            let mut filter = vec![0u8; kh * kw * oc];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            let bias: Vec<i32> = (0..oc).map(|_| rng.range(-50_000, 50_000) as i32).collect();
            let requant: Vec<PackedRequant> = (0..if rng.bool() { oc } else { 1 }).map(|_| rng.packed_requant()).collect();
            let p = DepthwiseConv2dParams {
                input: [n, ih, iw, oc],
                output: [n, oh, ow, oc],
                kernel: [kh, kw],
                stride: [sh, sw],
                dilation: [dh, dw],
                pad: [ph, pw],
                depth_multiplier: 1,
                input_zero_point: rng.range(-128, 127) as i32,
                output_zero_point: rng.range(-128, 127) as i32,
                act_min: rng.act_min(),
                act_max: rng.act_max(),
                bias: leak(bias),
                requant: leak(requant),
            };
            assert!(covers(&p));
            let mut want = vec![0u8; n * oh * ow * oc];
            depthwise_conv2d_s8(&p, &input, &filter, &mut want);
            let mut got = vec![0u8; want.len()];
            depthwise_conv2d_s8_dsp::<0>(&p, &input, &filter, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
            if (kh, kw, dh, dw) == (3, 3, 1, 1) {
                got.fill(0);
                depthwise_conv2d_s8_dsp_3x3(&p, &input, &filter, &mut got);
            }
            assert_eq!(got, want, "case {case}: {p:?}");
            // The constant-depth instantiations, and one input channel broadcast to all.
            for broadcast in [false, true] {
                let mut q = p;
                let mut x = input.clone();
                if broadcast {
                    q.input[3] = 1;
                    q.depth_multiplier = oc;
                    x.truncate(n * ih * iw);
                }
                let mut want = vec![0u8; n * oh * ow * oc];
                depthwise_conv2d_s8(&q, &x, &filter, &mut want);
                got.fill(0);
                match oc {
                    4 => depthwise_conv2d_s8_dsp::<4>(&q, &x, &filter, &mut got),
                    8 => depthwise_conv2d_s8_dsp::<8>(&q, &x, &filter, &mut got),
                    12 => depthwise_conv2d_s8_dsp::<12>(&q, &x, &filter, &mut got),
                    16 => depthwise_conv2d_s8_dsp::<16>(&q, &x, &filter, &mut got),
                    // Broadcast beyond the constant depths is not covered (the compiler keeps
                    // the portable kernel for it).
                    _ if broadcast => continue,
                    _ => depthwise_conv2d_s8_dsp::<0>(&q, &x, &filter, &mut got),
                }
                assert_eq!(got, want, "case {case} broadcast {broadcast}: {q:?}");
                if (kh, kw, dh, dw) == (3, 3, 1, 1) {
                    got.fill(0);
                    depthwise_conv2d_s8_dsp_3x3(&q, &x, &filter, &mut got);
                    assert_eq!(got, want, "case {case} broadcast {broadcast}, 3×3 groups: {q:?}");
                }
            }
        }
    }
}
