//! DEPTHWISE_CONV_2D int8 (depth multiplier 1, or one input channel broadcast) on AVX-512
//! VNNI: sixteen channels per vector, one VPDPWSSD per tap.
//!
//! Each tap's 16 input bytes are sign-extended to 16 lanes (VPMOVSXBD); the filter is laid out
//! at compile time ([`pack_filter_depthwise_gemm`]) as one `i32` per channel and tap holding the
//! weight in its low half and zero in its high half, so VPDPWSSD's pair sum
//! `x.lo · w + x.hi · 0` is exactly `x · w`, added without saturation. A tap outside the input
//! contributes `zp · w` (the input zero point in its place), which the folded bias
//! (`bias − zp · Σ w`) cancels, as TFLM skips it. Then [`super::super::gemm`]'s 16-lane output
//! stage.
//!
//! Without `cfg(kiln_x86_vnni)` the same code runs on the twins of [`crate::arch::x86`].

use super::super::conv::output_s8;
use super::super::conv::{interior_range, rq_at};
use super::super::gemm::{store_lanes, BlockStage};
use super::super::{copy_prefix, window, window_mut};
use super::DepthwiseConv2dParams;
use crate::arch::x86::{self as v, I32x16};

/// Channels per block (one vector of `i32` lanes).
const LANES: usize = 16;

/// Most taps of a window whose interior pixels take the path with precomputed tap offsets
/// (1 KB of offsets on the stack, host only): micro_speech's 10×8 layer too, which through the
/// bounds-checked path took 0.053 instead of 0.045 ms in the `std` build (BENCHMARKS.md).
const MAX_FAST_TAPS: usize = 128;

/// Bytes of a filter of `c` channels and `taps = k_h · k_w` taps laid out by
/// [`pack_filter_depthwise_gemm`] (the last block padded with zero channels).
pub const fn depthwise_gemm_filter_bytes(c: usize, taps: usize) -> usize {
    c.div_ceil(LANES) * taps * 4 * LANES
}

/// Lays out the `[1][k_h][k_w][c]` int8 filter `w` for [`depthwise_conv2d_s8_gemm`] into `out`
/// ([`depthwise_gemm_filter_bytes`] long; other lengths leave it untouched): per block of 16
/// channels, per tap, 16 little-endian `i32` words `w as i16` (high half zero). The compiler
/// does the same at compile time (`codegen`'s `conv.rs`).
pub fn pack_filter_depthwise_gemm(w: &[u8], c: usize, taps: usize, out: &mut [u8]) {
    if out.len() != depthwise_gemm_filter_bytes(c, taps) || w.len() != c * taps {
        return;
    }
    for (i, word) in out.chunks_exact_mut(4).enumerate() {
        let (block, t, j) = (i / (LANES * taps), i / LANES % taps, i % LANES);
        let ch = block * LANES + j;
        let x = if ch < c { w.get(t * c + ch).copied().unwrap_or(0) as i8 as i16 as u16 } else { 0 };
        word.copy_from_slice(&u32::from(x).to_le_bytes());
    }
}

/// DEPTHWISE_CONV_2D int8 with depth multiplier 1 (`in_c = out_c`) or one input channel
/// (`depth_multiplier = out_c`), any window, stride, dilation and padding, `filter` laid out by
/// [`pack_filter_depthwise_gemm`]. Same params and result as [`super::depthwise_conv2d_s8`] on
/// the model's filter; other shapes leave the output untouched (the compiler never calls it so).
///
/// Inlined into every call in optimized builds (unoptimized, the inlined copies' stack slots
/// add up to an overflow): the layer's shapes, strides and offsets are then constants (its
/// params are a `const`), the tap loop unrolls and the index arithmetic folds. Out of line it
/// took 1.4–1.5× the time on the MobileNets and person_detect (BENCHMARKS.md).
///
/// # Safety
///
/// Safe to call in every build but one: with the `std` feature's start-up choice
/// (`cfg(kiln_x86_dispatch)`) it is compiled for AVX-512 VNNI, and code without those target
/// features can call it only through `unsafe`, on a CPU that has them. Call `kiln::ops::depthwise_conv2d_s8_x86`
/// instead, which checks.
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(all(not(debug_assertions), not(kiln_x86_dispatch)), inline(always))]
#[cfg_attr(kiln_x86_dispatch, target_feature(enable = "avx512f,avx512vnni"))]
pub fn depthwise_conv2d_s8_gemm(p: &DepthwiseConv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, c] = p.output;
    let [k_h, k_w] = p.kernel;
    let taps = k_h * k_w;
    // One input channel broadcast to every output channel (person_detect's first layer): the
    // filter's layout is the same, each tap's input one byte in all 16 lanes.
    let broadcast = in_c == 1 && p.depth_multiplier == c && c > 1;
    if !(broadcast || (in_c == c && p.depth_multiplier == 1)) || c == 0 || taps == 0 || p.requant.is_empty() || filter.len() != depthwise_gemm_filter_bytes(c, taps) {
        return;
    }
    let [s_h, s_w] = p.stride;
    let [d_h, d_w] = p.dilation;
    let [pad_h, pad_w] = p.pad;
    let (zp, out_zp, lo, hi) = (p.input_zero_point, p.output_zero_point, p.act_min, p.act_max);
    let zp_lanes = v::splat_i32(zp);
    let Ok(weights) = bytemuck::try_cast_slice::<u8, [u8; 64]>(filter) else {
        return;
    };
    for (block, w) in weights.chunks_exact(taps).enumerate() {
        let c0 = block * LANES;
        let len = LANES.min(c - c0);
        let mut bias = [0i32; LANES];
        copy_prefix(&mut bias, window(p.bias, c0, len));
        let bias = v::load_i32x16(&bias);
        let stage = BlockStage::new(p.requant, c0, c, out_zp, lo, hi);
        let load_at = |at: usize| {
            if broadcast {
                v::splat_i32(input.get(at).map_or(0, |&x| i32::from(x as i8)))
            } else {
                load_lanes(input, at, len)
            }
        };
        // A pixel's first input byte of the block.
        let in_c0 = if broadcast { 0 } else { c0 };
        let load = |pixel: usize| load_at(pixel * in_c + in_c0);
        // Interior pixels (every tap inside the input): the taps at fixed offsets from the
        // window's first byte, no bounds per tap.
        let (y_lo, y_hi) = interior_range(in_h, pad_h, k_h, d_h, s_h, out_h);
        let (x_lo, x_hi) = interior_range(in_w, pad_w, k_w, d_w, s_w, out_w);
        let mut offsets = [0usize; MAX_FAST_TAPS];
        for (t, o) in offsets.iter_mut().enumerate().take(taps) {
            *o = ((t / k_w) * d_h * in_w + (t % k_w) * d_w) * in_c;
        }
        let fast = taps <= MAX_FAST_TAPS;
        let mut pixel = 0;
        for b in 0..batches {
            for oy in 0..out_h {
                for ox in 0..out_w {
                    let mut acc = bias;
                    if fast && (y_lo..y_hi).contains(&oy) && (x_lo..x_hi).contains(&ox) {
                        let at = ((b * in_h + oy * s_h - pad_h) * in_w + ox * s_w - pad_w) * in_c + in_c0;
                        for (wt, &o) in w.iter().zip(&offsets) {
                            acc = v::dpwssd(acc, load_at(at + o), v::load_i8x64(wt));
                        }
                    } else {
                        for ky in 0..k_h {
                            let iy = (oy * s_h + ky * d_h).wrapping_sub(pad_h);
                            for kx in 0..k_w {
                                let ix = (ox * s_w + kx * d_w).wrapping_sub(pad_w);
                                let x = if iy < in_h && ix < in_w { load((b * in_h + iy) * in_w + ix) } else { zp_lanes };
                                if let Some(wt) = w.get(ky * k_w + kx) {
                                    acc = v::dpwssd(acc, x, v::load_i8x64(wt));
                                }
                            }
                        }
                    }
                    let bytes = match &stage {
                        Some(st) => st.apply(acc),
                        None => {
                            let lanes = v::store_i32x16(acc);
                            core::array::from_fn(|j| output_s8(lanes[j], rq_at(p.requant, c0 + j), out_zp, lo, hi))
                        }
                    };
                    store_lanes(window_mut(output, pixel * c + c0, len), &bytes);
                    pixel += 1;
                }
            }
        }
    }
}

/// The 16 input bytes from `at` on, widened: a partial last block of channels reads on into the
/// next pixel's channels, whose lanes have zero weights and are not stored; only at the very
/// end of the input are just `len` of them copied, the rest zero (a short copy is a `memmove`
/// call).
#[cfg_attr(not(kiln_x86_dispatch), inline(always))]
#[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
fn load_lanes(input: &[u8], at: usize, len: usize) -> I32x16 {
    match <&[u8; LANES]>::try_from(window(input, at, LANES)) {
        Ok(full) => v::load_i8x16_widened(full),
        Err(_) => {
            let mut part = [0u8; LANES];
            copy_prefix(&mut part, window(input, at, len));
            v::load_i8x16_widened(&part)
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

    // In a `std` build (`cfg(kiln_x86_dispatch)`) the kernel is reached through the start-up
    // check, which must find the instructions (a CPU without them fails here, loudly).
    #[cfg(kiln_x86_dispatch)]
    fn depthwise_conv2d_s8_gemm(p: &DepthwiseConv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
        assert!(crate::arch::dispatch::try_depthwise_conv2d_s8_gemm(p, input, filter, output), "no AVX-512 VNNI on this CPU");
    }

    /// Same bytes as the general kernel (checked against TFLM on the zoo) over random layers:
    /// channel counts around the 16-lane blocks, windows, strides, dilations, paddings, zero
    /// points, per-tensor/per-channel, narrow ranges; every fourth layer broadcasts one input
    /// channel (depth multiplier = channels). Without `cfg(kiln_x86_vnni)`, the twins.
    #[test]
    fn depthwise_matches_the_general_kernel() {
        let mut rng = Rng::new(0xd3e);
        for case in 0..if cfg!(miri) { 20 } else { 800 } {
            let c = if case % 3 == 0 { 16 * rng.usize(1, 4) } else { rng.usize(if case % 4 == 3 { 2 } else { 1 }, 40) };
            let in_c = if case % 4 == 3 { 1 } else { c };
            let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
            let (dh, dw) = (rng.usize(1, 2), rng.usize(1, 2));
            let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
            let (ih, iw) = (rng.usize(1, 9), rng.usize(1, 12));
            let (ph, pw) = if case % 2 == 0 { (rng.usize(0, kh), rng.usize(0, kw)) } else { (0, 0) };
            let oh = (ih + 2 * ph).saturating_sub((kh - 1) * dh + 1) / sh + 1;
            let ow = (iw + 2 * pw).saturating_sub((kw - 1) * dw + 1) / sw + 1;
            let n = rng.usize(1, 2);
            let mut input = vec![0u8; n * ih * iw * in_c];
            let mut filter = vec![0u8; kh * kw * c];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            let bias: Vec<i32> = (0..c).map(|_| rng.range(-50_000, 50_000) as i32).collect();
            let requant: Vec<PackedRequant> = (0..if rng.bool() { c } else { 1 }).map(|_| rng.packed_requant()).collect();
            let p = DepthwiseConv2dParams {
                depth_multiplier: c / in_c,
                input: [n, ih, iw, in_c],
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
            let mut packed = vec![0u8; depthwise_gemm_filter_bytes(c, kh * kw)];
            pack_filter_depthwise_gemm(&filter, c, kh * kw, &mut packed);
            let mut got = vec![0u8; want.len()];
            depthwise_conv2d_s8_gemm(&p, &input, &packed, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }
}
