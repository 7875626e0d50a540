//! DEPTHWISE_CONV_2D int8 (depth multiplier 1, or one input channel broadcast to every output)
//! on AArch64 NEON: sixteen channels per vector of bytes, SMULL/SMULL2 and four SADDW per tap.
//!
//! Each tap's 16 input bytes and its 16 weights (laid out at compile time by
//! [`pack_filter_depthwise_neon`]: per block of 16 channels, per tap, 16 bytes) are multiplied
//! as `i16` (SMULL, SMULL2: every int8 product fits) and widened into four `i32` accumulators
//! (SADDW, SADDW2), added without saturation. A tap outside the input contributes `zp · w` (the
//! input zero point in its place), which the folded bias (`bias − zp · Σ w`, as in the params)
//! cancels, as TFLM skips it. Then [`super::super::gemm_neon`]'s output stage.
//!
//! Without `cfg(kiln_aarch64_neon)` the same code runs on the twins of
//! [`crate::arch::aarch64`].

use super::super::conv::interior_range;
use super::super::gemm::store_lanes;
use super::super::gemm_neon::{block_output, NeonStage};
use super::super::{copy_prefix, window, window_mut};
use super::DepthwiseConv2dParams;
use crate::arch::aarch64::{self as v, I32x4, I8x16};

/// Channels per block (one vector of bytes).
const LANES: usize = 16;

/// Most taps of a window whose interior pixels take the path with precomputed tap offsets.
const MAX_FAST_TAPS: usize = 25;

/// Bytes of a filter of `c` channels and `taps = k_h · k_w` taps laid out by
/// [`pack_filter_depthwise_neon`] (the last block padded with zero channels).
pub const fn depthwise_neon_filter_bytes(c: usize, taps: usize) -> usize {
    c.div_ceil(LANES) * taps * LANES
}

/// Lays out the `[1][k_h][k_w][c]` int8 filter `w` for [`depthwise_conv2d_s8_neon`] into `out`
/// ([`depthwise_neon_filter_bytes`] long; other lengths leave it untouched): per block of 16
/// channels, per tap, the 16 channels' weights (zero past the last channel). The compiler does
/// the same at compile time (`codegen`'s `conv.rs`).
pub fn pack_filter_depthwise_neon(w: &[u8], c: usize, taps: usize, out: &mut [u8]) {
    if out.len() != depthwise_neon_filter_bytes(c, taps) || w.len() != c * taps {
        return;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        let (block, t, j) = (i / (LANES * taps), i / LANES % taps, i % LANES);
        let ch = block * LANES + j;
        *byte = if ch < c { w.get(t * c + ch).copied().unwrap_or(0) } else { 0 };
    }
}

/// One tap: the products of `x` and `w` added to the four accumulators (channels `4i..4i + 4`
/// in `acc[i]`).
#[inline(always)]
fn mac(acc: &mut [I32x4; 4], x: I8x16, w: I8x16) {
    let (lo, hi) = (v::smull_low(x, w), v::smull_high(x, w));
    acc[0] = v::saddw_low(acc[0], lo);
    acc[1] = v::saddw_high(acc[1], lo);
    acc[2] = v::saddw_low(acc[2], hi);
    acc[3] = v::saddw_high(acc[3], hi);
}

/// DEPTHWISE_CONV_2D int8 with depth multiplier 1 (`in_c = out_c`) or one input channel
/// broadcast (`in_c = 1`, depth multiplier `out_c`), any window, stride,
/// dilation and padding, `filter` laid out by [`pack_filter_depthwise_neon`]. Same params and
/// result as [`super::depthwise_conv2d_s8`] on the model's filter; other shapes leave the output
/// untouched (the compiler never calls it so). Inlined into every call in optimized builds,
/// as the x86-64 kernels (`super::vnni`).
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn depthwise_conv2d_s8_neon(p: &DepthwiseConv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, c_in] = p.input;
    let [_, out_h, out_w, c] = p.output;
    let [k_h, k_w] = p.kernel;
    let taps = k_h * k_w;
    // One input channel broadcast to every output (depth multiplier = output depth, as
    // micro_speech's first layer): each tap's byte in all lanes.
    let broadcast = c_in == 1 && p.depth_multiplier == c && c > 1;
    if (c_in != c && !broadcast) || c == 0 || taps == 0 || p.requant.is_empty() || filter.len() != depthwise_neon_filter_bytes(c, taps) {
        return;
    }
    let [s_h, s_w] = p.stride;
    let [d_h, d_w] = p.dilation;
    let [pad_h, pad_w] = p.pad;
    let (out_zp, lo, hi) = (p.output_zero_point, p.act_min, p.act_max);
    let zp_bytes = v::splat_i8(p.input_zero_point as i8);
    let Ok(weights) = bytemuck::try_cast_slice::<u8, [u8; LANES]>(filter) else {
        return;
    };
    for (block, w) in weights.chunks_exact(taps).enumerate() {
        let c0 = block * LANES;
        let len = LANES.min(c - c0);
        let mut bias = [0i32; LANES];
        copy_prefix(&mut bias, window(p.bias, c0, len));
        let bias: [I32x4; 4] = core::array::from_fn(|i| v::load_i32x4(&[bias[4 * i], bias[4 * i + 1], bias[4 * i + 2], bias[4 * i + 3]]));
        let stage = NeonStage::new(p.requant, c0, c, out_zp, lo, hi);
        // The 16 input bytes from offset `at` on: a partial last block reads on into the next
        // pixel's channels, whose lanes have zero weights and are not stored; only at the very
        // end of the input are they copied (a short copy is a `memmove` call).
        let load_at = |at: usize| -> I8x16 {
            if broadcast {
                return v::splat_i8(input.get(at).copied().unwrap_or(0) as i8);
            }
            match <&[u8; LANES]>::try_from(window(input, at, LANES)) {
                Ok(full) => v::load_i8x16(full),
                Err(_) => {
                    let mut part = [0u8; LANES];
                    copy_prefix(&mut part, window(input, at, len));
                    v::load_i8x16(&part)
                }
            }
        };
        // The block's first input byte of a pixel (a broadcast input has one per pixel).
        let ci0 = if broadcast { 0 } else { c0 };
        let load = |pixel: usize| load_at(pixel * c_in + ci0);
        // Interior pixels (every tap inside the input): the taps at fixed offsets from the
        // window's first byte, no bounds per tap.
        let (y_lo, y_hi) = interior_range(in_h, pad_h, k_h, d_h, s_h, out_h);
        let (x_lo, x_hi) = interior_range(in_w, pad_w, k_w, d_w, s_w, out_w);
        let mut offsets = [0usize; MAX_FAST_TAPS];
        for (t, o) in offsets.iter_mut().enumerate().take(taps) {
            *o = ((t / k_w) * d_h * in_w + (t % k_w) * d_w) * c_in;
        }
        let fast = taps <= MAX_FAST_TAPS;
        // A 3×3 window (MobileNets) keeps its nine weight vectors in registers and its nine
        // offsets in an array of constant length: the tap loop unrolls.
        let w9: Option<[I8x16; 9]> = match <&[[u8; LANES]; 9]>::try_from(w) {
            Ok(w9) if !broadcast => Some(w9.map(|t| v::load_i8x16(&t))),
            _ => None,
        };
        let offsets9: [usize; 9] = core::array::from_fn(|t| offsets[t]);
        let tap_dy: [usize; 9] = core::array::from_fn(|t| t / k_w * d_h);
        let tap_dx: [usize; 9] = core::array::from_fn(|t| t % k_w * d_w);
        let mut pixel = 0;
        for b in 0..batches {
            for oy in 0..out_h {
                for ox in 0..out_w {
                    let mut acc = bias;
                    if fast && (y_lo..y_hi).contains(&oy) && (x_lo..x_hi).contains(&ox) {
                        let at = ((b * in_h + oy * s_h - pad_h) * in_w + ox * s_w - pad_w) * c_in + ci0;
                        match (&w9, input.get(at..at + offsets9[8] + LANES)) {
                            (Some(w9), Some(win)) => {
                                for (wt, &o) in w9.iter().zip(&offsets9) {
                                    if let Ok(x) = <&[u8; LANES]>::try_from(window(win, o, LANES)) {
                                        mac(&mut acc, v::load_i8x16(x), *wt);
                                    }
                                }
                            }
                            _ => {
                                for (wt, &o) in w.iter().zip(&offsets) {
                                    mac(&mut acc, load_at(at + o), v::load_i8x16(wt));
                                }
                            }
                        }
                    } else if let Some(w9) = &w9 {
                        // A border pixel of a 9-tap window: each tap inside or the zero point,
                        // the weights in registers, the tap loop unrolled.
                        let (y0, x0) = ((oy * s_h).wrapping_sub(pad_h), (ox * s_w).wrapping_sub(pad_w));
                        for t in 0..9 {
                            let (iy, ix) = (y0.wrapping_add(tap_dy[t]), x0.wrapping_add(tap_dx[t]));
                            let x = if iy < in_h && ix < in_w { load((b * in_h + iy) * in_w + ix) } else { zp_bytes };
                            mac(&mut acc, x, w9[t]);
                        }
                    } else {
                        for ky in 0..k_h {
                            let iy = (oy * s_h + ky * d_h).wrapping_sub(pad_h);
                            for kx in 0..k_w {
                                let ix = (ox * s_w + kx * d_w).wrapping_sub(pad_w);
                                let x = if iy < in_h && ix < in_w { load((b * in_h + iy) * in_w + ix) } else { zp_bytes };
                                if let Some(wt) = w.get(ky * k_w + kx) {
                                    mac(&mut acc, x, v::load_i8x16(wt));
                                }
                            }
                        }
                    }
                    let bytes = block_output(&stage, acc, (p.requant, c0, out_zp, lo, hi));
                    store_lanes(window_mut(output, pixel * c + c0, len), &bytes);
                    pixel += 1;
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

    /// Same bytes as the general kernel (checked against TFLM on the zoo) over random layers:
    /// channel counts around the 16-lane blocks, windows, strides, dilations, paddings, zero
    /// points, per-tensor/per-channel, narrow ranges, extreme bytes. Without
    /// `cfg(kiln_aarch64_neon)`, the twins.
    #[test]
    fn depthwise_matches_the_general_kernel() {
        let mut rng = Rng::new(0xd3f);
        let mut broadcasts = 0;
        for case in 0..if cfg!(miri) { 20 } else { 800 } {
            let c = if case % 3 == 0 { 16 * rng.usize(1, 4) } else { rng.usize(2, 40) };
            // One input channel broadcast to all `c` outputs in a fifth of the cases (some with
            // micro_speech's 10×8 window).
            let broadcast = case % 5 == 2;
            let c_in = if broadcast { 1 } else { c };
            broadcasts += usize::from(broadcast);
            // (3×3 in a third of the cases: the unrolled nine-tap paths.)
            let (kh, kw) = if case % 3 == 1 {
                (3, 3)
            } else if broadcast && case % 2 == 0 {
                (10, 8)
            } else {
                (rng.usize(1, 4), rng.usize(1, 4))
            };
            let (dh, dw) = (rng.usize(1, 2), rng.usize(1, 2));
            let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
            let (ih, iw) = (rng.usize(1, 13), rng.usize(1, 12));
            let (ph, pw) = if case % 2 == 0 { (rng.usize(0, kh), rng.usize(0, kw)) } else { (0, 0) };
            let oh = (ih + 2 * ph).saturating_sub((kh - 1) * dh + 1) / sh + 1;
            let ow = (iw + 2 * pw).saturating_sub((kw - 1) * dw + 1) / sw + 1;
            let n = rng.usize(1, 2);
            let mut input = vec![0u8; n * ih * iw * c_in];
            let mut filter = vec![0u8; kh * kw * c];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            if case % 7 == 0 {
                input.fill(0x80);
                filter.fill(0x80);
            }
            let bias: Vec<i32> = (0..c).map(|_| rng.range(-50_000, 50_000) as i32).collect();
            let requant: Vec<PackedRequant> = (0..if rng.bool() { c } else { 1 }).map(|_| rng.packed_requant()).collect();
            let p = DepthwiseConv2dParams {
                depth_multiplier: c / c_in,
                input: [n, ih, iw, c_in],
                output: [n, oh, ow, c],
                kernel: [kh, kw],
                stride: [sh, sw],
                dilation: [dh, dw],
                pad: [ph, pw],
                input_zero_point: rng.range(-128, 127) as i32,
                output_zero_point: rng.range(-128, 127) as i32,
                act_min: rng.act_min(),
                act_max: rng.act_max(),
                bias: leak(bias),
                requant: leak(requant),
            };
            let mut want = vec![0u8; n * oh * ow * c];
            depthwise_conv2d_s8(&p, &input, &filter, &mut want);
            let mut packed = vec![0u8; depthwise_neon_filter_bytes(c, kh * kw)];
            pack_filter_depthwise_neon(&filter, c, kh * kw, &mut packed);
            let mut got = vec![0u8; want.len()];
            depthwise_conv2d_s8_neon(&p, &input, &packed, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
        assert!(broadcasts > 0);
    }
}
