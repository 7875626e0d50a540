//! DEPTHWISE_CONV_2D int8 on the Arm DSP extension for one input channel broadcast to all
//! outputs (a depthwise layer used as the first convolution of an audio model: micro_speech's
//! 10×8 over a spectrogram), with SMLAD pairing taps instead of channels.
//!
//! With one input channel, a filter row's taps read consecutive input bytes: one word holds
//! four taps, SXTB16 widens taps 0 and 2, SXTB16 ROR #8 taps 1 and 3. The filter is re-laid out
//! at compile time ([`pack_filter_broadcast`]) so that one word holds the matching pairs of two
//! channels: per four taps and four channels, one input load, four filter loads, ten SXTB16 and
//! eight SMLAD give 16 multiply-accumulates. Each pixel's window is gathered once as words (the
//! input zero point in padded taps) and shared by every channel group.
//!
//! Arithmetic of [`super::depthwise_conv2d_s8`] (folded bias, wrapping i32 sums, TFLM's output
//! stage): bit-exact with TFLM.

use super::super::conv::{rq_at, tap_coord, tap_range, word, OutputStage};
use super::super::{window, window_mut};
use super::DepthwiseConv2dParams;
use crate::arch::arm_dsp::{smlad, sxtb16, sxtb16_ror8};

/// Most window words (`k_h · k_w / 4`) [`depthwise_conv2d_s8_dsp_broadcast`] gathers per pixel
/// (256 bytes of stack).
pub const MAX_BROADCAST_WORDS: usize = 64;

/// Widest filter the broadcast kernel takes (a border row is gathered in a buffer this long).
pub const MAX_BROADCAST_WIDTH: usize = 32;

/// Whether the broadcast kernel computes this shape: one input channel, a multiple of four
/// outputs, a filter width that is a multiple of four up to [`MAX_BROADCAST_WIDTH`], no
/// dilation along the width, a window of at most [`MAX_BROADCAST_WORDS`] words.
fn covers(p: &DepthwiseConv2dParams) -> bool {
    let [k_h, k_w] = p.kernel;
    let c = p.output[3];
    p.input[3] == 1
        && p.depth_multiplier == c
        && c % 4 == 0
        && c > 0
        && k_w % 4 == 0
        && (4..=MAX_BROADCAST_WIDTH).contains(&k_w)
        && p.dilation[1] == 1
        && k_h * k_w / 4 <= MAX_BROADCAST_WORDS
}

/// The model's `[1, k_h, k_w, c]` filter in the order [`depthwise_conv2d_s8_dsp_broadcast`]
/// reads it: per group of four channels, per filter row, per four taps `t..t + 4`, four words —
/// taps `t, t + 2` of channels 0, 1; the same of channels 2, 3; taps `t + 1, t + 3` of channels
/// 0, 1; the same of channels 2, 3 — each word `[w(t, c), w(t, c + 1), w(t + 2, c), w(t + 2, c + 1)]`.
/// Same bytes, same length. (The compiler emits this layout; tests build it with this function.)
pub fn pack_filter_broadcast(filter: &[u8], k_h: usize, k_w: usize, c: usize) -> impl Iterator<Item = u8> + '_ {
    let w = move |tap: usize, ch: usize| filter.get(tap * c + ch).copied().unwrap_or(0);
    (0..c / 4).flat_map(move |g| {
        (0..k_h).flat_map(move |ky| {
            (0..k_w / 4).flat_map(move |q| {
                let t = ky * k_w + 4 * q;
                [(0, 0), (0, 2), (1, 0), (1, 2)].into_iter().flat_map(move |(dt, dc)| {
                    let ch = 4 * g + dc;
                    [w(t + dt, ch), w(t + dt, ch + 1), w(t + dt + 2, ch), w(t + dt + 2, ch + 1)]
                })
            })
        })
    })
}

/// DEPTHWISE_CONV_2D int8, one input channel to `c` outputs (see the module docs), over the
/// filter laid out by [`pack_filter_broadcast`]. The compiler calls it only for the shapes it
/// covers (one input channel, `c` and `k_w` multiples of four, no width dilation, a window of at
/// most [`MAX_BROADCAST_WORDS`] words); for any other it leaves the output untouched.
pub fn depthwise_conv2d_s8_dsp_broadcast(p: &DepthwiseConv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, _] = p.input;
    let [_, out_h, out_w, c] = p.output;
    let [k_h, k_w] = p.kernel;
    let words = k_h * k_w / 4;
    if !covers(p) || p.requant.is_empty() || filter.len() != k_h * k_w * c {
        return;
    }
    let stage = OutputStage::new(p.requant, p.output_zero_point, p.act_min, p.act_max);
    let zp = p.input_zero_point as u8;
    let mut xs = [0u32; MAX_BROADCAST_WORDS];
    let mut out_pixels = output.chunks_exact_mut(c);
    for b in 0..batches {
        let image = window(input, b * in_h * in_w, in_h * in_w);
        for oy in 0..out_h {
            let (ky0, ky1, iy_origin) = tap_range(oy, p.stride[0], p.pad[0], p.dilation[0], k_h, in_h);
            for ox in 0..out_w {
                let Some(out_px) = out_pixels.next() else {
                    return;
                };
                // The window as words, row by row: four taps each.
                let (kx0, kx1, ix_origin) = tap_range(ox, p.stride[1], p.pad[1], 1, k_w, in_w);
                let full_row = kx0 == 0 && kx1 == k_w;
                for (ky, row) in window_mut(&mut xs, 0, words).chunks_exact_mut(k_w / 4).enumerate() {
                    if !(ky0..ky1).contains(&ky) {
                        row.fill(u32::from(zp) * 0x0101_0101);
                        continue;
                    }
                    let start = tap_coord(iy_origin, ky, p.dilation[0]) * in_w;
                    if full_row {
                        let src = window(image, start + tap_coord(ix_origin, 0, 1), k_w);
                        for (x, s) in row.iter_mut().zip(src.chunks_exact(4)) {
                            *x = word(s);
                        }
                    } else {
                        let mut bytes = [zp; MAX_BROADCAST_WIDTH];
                        for kx in kx0..kx1 {
                            if let (Some(d), Some(&s)) = (bytes.get_mut(kx), image.get(start + tap_coord(ix_origin, kx, 1))) {
                                *d = s;
                            }
                        }
                        for (x, s) in row.iter_mut().zip(bytes.chunks_exact(4)) {
                            *x = word(s);
                        }
                    }
                }
                let xs = window(&xs, 0, words);
                for (g, (w, out)) in filter.chunks_exact(16 * words).zip(out_px.chunks_exact_mut(4)).enumerate() {
                    let mut acc = <[i32; 4]>::try_from(window(p.bias, 4 * g, 4)).unwrap_or([0; 4]);
                    for (&x, w) in xs.iter().zip(w.chunks_exact(16)) {
                        mac_quad(&mut acc, x, w);
                    }
                    for (j, (o, &a)) in out.iter_mut().zip(&acc).enumerate() {
                        *o = stage.apply(a, rq_at(p.requant, 4 * g + j));
                    }
                }
            }
        }
    }
}

/// Four taps (the bytes of `x`) times their weights in four channels (`w`: the four words of
/// [`pack_filter_broadcast`]) into the group's accumulators.
#[inline(always)]
fn mac_quad(acc: &mut [i32; 4], x: u32, w: &[u8]) {
    let (x02, x13) = (sxtb16(x), sxtb16_ror8(x));
    let at = |i: usize| word(w.get(4 * i..4 * i + 4).unwrap_or(&[]));
    let [a0, a1, a2, a3] = acc;
    let (w01, w23) = (at(0), at(1));
    *a0 = smlad(x02, sxtb16(w01), *a0);
    *a1 = smlad(x02, sxtb16_ror8(w01), *a1);
    *a2 = smlad(x02, sxtb16(w23), *a2);
    *a3 = smlad(x02, sxtb16_ror8(w23), *a3);
    let (w01, w23) = (at(2), at(3));
    *a0 = smlad(x13, sxtb16(w01), *a0);
    *a1 = smlad(x13, sxtb16_ror8(w01), *a1);
    *a2 = smlad(x13, sxtb16(w23), *a2);
    *a3 = smlad(x13, sxtb16_ror8(w23), *a3);
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
    /// convolution and against TFLM on the zoo), with the twins of SMLAD/SXTB16 on the host,
    /// over random shapes: micro_speech's 10×8 stride 2 and others, kernel widths 4 to 12,
    /// strides, row dilations, paddings beyond the window, 4 to 16 channels, zero points,
    /// per-tensor/per-channel, several batches.
    #[test]
    fn broadcast_matches_the_portable_kernel() {
        let mut rng = Rng::new(0xb0ad);
        for case in 0..2000 {
            let c = 4 * rng.usize(1, 4);
            let (kh, kw) = if case % 4 == 0 { (10, 8) } else { (rng.usize(1, 5), 4 * rng.usize(1, 3)) };
            let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
            let dh = if rng.usize(0, 4) == 0 { 2 } else { 1 };
            let (ih, iw) = (rng.usize(1, 14), rng.usize(1, 14));
            let (ph, pw) = (rng.usize(0, kh * dh), rng.usize(0, kw));
            let oh = (ih + 2 * ph).saturating_sub((kh - 1) * dh + 1) / sh + 1;
            let ow = (iw + 2 * pw).saturating_sub(kw) / sw + 1;
            let n = rng.usize(1, 2);
            let mut input = vec![0u8; n * ih * iw];
            let mut filter = vec![0u8; kh * kw * c];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            let bias: Vec<i32> = (0..c).map(|_| rng.range(-50_000, 50_000) as i32).collect();
            let requant: Vec<PackedRequant> = (0..if rng.bool() { c } else { 1 }).map(|_| rng.packed_requant()).collect();
            let p = DepthwiseConv2dParams {
                input: [n, ih, iw, 1],
                output: [n, oh, ow, c],
                kernel: [kh, kw],
                stride: [sh, sw],
                dilation: [dh, 1],
                pad: [ph, pw],
                depth_multiplier: c,
                input_zero_point: rng.range(-128, 127) as i32,
                output_zero_point: rng.range(-128, 127) as i32,
                act_min: rng.act_min(),
                act_max: rng.act_max(),
                bias: leak(bias),
                requant: leak(requant),
            };
            assert!(covers(&p));
            let mut want = vec![0u8; n * oh * ow * c];
            depthwise_conv2d_s8(&p, &input, &filter, &mut want);
            let packed: Vec<u8> = pack_filter_broadcast(&filter, kh, kw, c).collect();
            assert_eq!(packed.len(), filter.len());
            let mut got = vec![0u8; want.len()];
            depthwise_conv2d_s8_dsp_broadcast(&p, &input, &packed, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }
}
