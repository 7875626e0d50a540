//! DEPTHWISE_CONV_2D int8 (depth multiplier 1, or one input channel broadcast) on x86-64's
//! baseline SIMD, SSE2: eight channels per block, one PMADDWD per two taps and four channels.
//!
//! SSE2 has no byte or `i32` lane multiply, but PMADDWD multiplies `i16` pairs and adds each
//! pair: so the taps go in pairs. Each tap's eight input bytes are widened to `i16`, two taps'
//! vectors interleaved (PUNPCKLWD/PUNPCKHWD: channel by channel, `[x_t, x_t+1]`), and the filter
//! is laid out at compile time ([`pack_filter_depthwise_sse2`]) as the matching
//! `[w_t, w_t+1]` `i16` pairs, an odd last tap paired with a zero weight. A tap outside the
//! input contributes `zp · w` (the input zero point in its place), which the folded bias
//! (`bias − zp · Σ w`) cancels, as TFLM skips it. Products fit in `i32` and their pair sums too
//! (`2 · 128²`), so the sums are TFLM's. Then the SSE2 matrix product's eight-lane output stage.
//!
//! Without `cfg(kiln_x86_sse2)` the same code runs on the twins of [`crate::arch::sse2`].

use super::super::conv::interior_range;
use super::super::gemm_sse2::Stage8;
use super::super::{copy_prefix, window, window_mut};
use super::DepthwiseConv2dParams;
use crate::arch::sse2::{self as v, I16x8, I32x4};

/// Channels per block (two vectors of four `i32` lanes).
const LANES: usize = 8;

/// Most taps of a window whose interior pixels take the path with precomputed tap offsets.
const MAX_FAST_TAPS: usize = 25;

/// Bytes of a filter of `c` channels and `taps = k_h · k_w` taps laid out by
/// [`pack_filter_depthwise_sse2`] (the last block padded with zero channels, an odd last tap
/// with a zero one).
pub const fn depthwise_sse2_filter_bytes(c: usize, taps: usize) -> usize {
    c.div_ceil(LANES) * taps.div_ceil(2) * 4 * LANES
}

/// Lays out the `[1][k_h][k_w][c]` int8 filter `w` for [`depthwise_conv2d_s8_sse2`] into `out`
/// ([`depthwise_sse2_filter_bytes`] long; other lengths leave it untouched): per block of eight
/// channels, per pair of taps `(2q, 2q + 1)`, per channel the two weights as little-endian
/// `i16`. The compiler does the same at compile time (`codegen`'s `conv.rs`).
pub fn pack_filter_depthwise_sse2(w: &[u8], c: usize, taps: usize, out: &mut [u8]) {
    if out.len() != depthwise_sse2_filter_bytes(c, taps) || w.len() != c * taps {
        return;
    }
    let weight = |t: usize, ch: usize| if t < taps && ch < c { i16::from(w[t * c + ch] as i8) } else { 0 };
    for (i, lane) in out.chunks_exact_mut(4).enumerate() {
        let (block, q, j) = (i / (LANES * taps.div_ceil(2)), i / LANES % taps.div_ceil(2), i % LANES);
        let ch = block * LANES + j;
        lane[..2].copy_from_slice(&weight(2 * q, ch).to_le_bytes());
        lane[2..].copy_from_slice(&weight(2 * q + 1, ch).to_le_bytes());
    }
}

/// Eight input bytes from `at` widened (fewer than eight in the input: the rest zero; their
/// weights are zero).
#[inline(always)]
fn load_lanes(input: &[u8], at: usize) -> I16x8 {
    match <&[u8; LANES]>::try_from(window(input, at, LANES)) {
        Ok(full) => v::widen_i8x8(full),
        Err(_) => {
            let mut part = [0u8; LANES];
            copy_prefix(&mut part, input.get(at..).unwrap_or(&[]));
            v::widen_i8x8(&part)
        }
    }
}

/// `acc += [x_a, x_b] · w` for one pair of taps (`w`: their 32 packed bytes).
#[inline(always)]
fn tap_pair(acc: &mut [I32x4; 2], x_a: I16x8, x_b: I16x8, w: &[u8; 32]) {
    if let (Ok(w0), Ok(w1)) = (<&[u8; 16]>::try_from(&w[..16]), <&[u8; 16]>::try_from(&w[16..])) {
        acc[0] = v::madd(acc[0], v::interleave_lo(x_a, x_b), v::load_i16x8(w0));
        acc[1] = v::madd(acc[1], v::interleave_hi(x_a, x_b), v::load_i16x8(w1));
    }
}

/// DEPTHWISE_CONV_2D int8 with depth multiplier 1 (`in_c = out_c`) or one input channel
/// (`depth_multiplier = out_c`), any window, stride, dilation and padding, `filter` laid out by
/// [`pack_filter_depthwise_sse2`]. Same params and result as [`super::depthwise_conv2d_s8`] on
/// the model's filter; other shapes leave the output untouched (the compiler never calls it so).
pub fn depthwise_conv2d_s8_sse2(p: &DepthwiseConv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, c] = p.output;
    let [k_h, k_w] = p.kernel;
    let taps = k_h * k_w;
    // One input channel broadcast to every output channel (person_detect's and micro_speech's
    // first layers): each tap's input one value in all eight lanes.
    let broadcast = in_c == 1 && p.depth_multiplier == c && c > 1;
    if !(broadcast || (in_c == c && p.depth_multiplier == 1)) || c == 0 || taps == 0 || p.requant.is_empty() || filter.len() != depthwise_sse2_filter_bytes(c, taps) {
        return;
    }
    let [s_h, s_w] = p.stride;
    let [d_h, d_w] = p.dilation;
    let [pad_h, pad_w] = p.pad;
    let (out_zp, lo, hi) = (p.output_zero_point, p.act_min, p.act_max);
    let zp_lanes = v::splat_i16(p.input_zero_point as i16);
    let pairs = taps.div_ceil(2);
    let Ok(weights) = bytemuck::try_cast_slice::<u8, [u8; 32]>(filter) else {
        return;
    };
    let (y_lo, y_hi) = interior_range(in_h, pad_h, k_h, d_h, s_h, out_h);
    let (x_lo, x_hi) = interior_range(in_w, pad_w, k_w, d_w, s_w, out_w);
    // (One more: an odd last tap's partner, whose weights are zero, reads the window's first
    // byte again.)
    let mut offsets = [0usize; MAX_FAST_TAPS + 1];
    for (t, o) in offsets.iter_mut().enumerate().take(taps) {
        *o = ((t / k_w) * d_h * in_w + (t % k_w) * d_w) * in_c;
    }
    let fast = taps <= MAX_FAST_TAPS;
    for (block, w) in weights.chunks_exact(pairs).enumerate() {
        let c0 = block * LANES;
        let len = LANES.min(c - c0);
        let mut bias = [0i32; LANES];
        copy_prefix(&mut bias, window(p.bias, c0, len));
        let bias = [v::load_i32x4(&[bias[0], bias[1], bias[2], bias[3]]), v::load_i32x4(&[bias[4], bias[5], bias[6], bias[7]])];
        let stage = Stage8::new(p.requant, c0, c, out_zp, lo, hi);
        let load_at = |at: usize| {
            if broadcast {
                v::splat_i16(input.get(at).map_or(0, |&x| i16::from(x as i8)))
            } else {
                load_lanes(input, at)
            }
        };
        // A pixel's first input byte of the block.
        let in_c0 = if broadcast { 0 } else { c0 };
        let mut pixel = 0;
        for b in 0..batches {
            for oy in 0..out_h {
                for ox in 0..out_w {
                    let mut acc = bias;
                    if fast && (y_lo..y_hi).contains(&oy) && (x_lo..x_hi).contains(&ox) {
                        // Every tap inside the input: at fixed offsets from the window's first byte.
                        let at = ((b * in_h + oy * s_h - pad_h) * in_w + ox * s_w - pad_w) * in_c + in_c0;
                        for (q, wt) in w.iter().enumerate() {
                            let (t, u) = (offsets.get(2 * q).copied().unwrap_or(0), offsets.get(2 * q + 1).copied().unwrap_or(0));
                            tap_pair(&mut acc, load_at(at + t), load_at(at + u), wt);
                        }
                    } else {
                        let tap = |t: usize| {
                            let (ky, kx) = (t / k_w.max(1), t % k_w.max(1));
                            let iy = (oy * s_h + ky * d_h).wrapping_sub(pad_h);
                            let ix = (ox * s_w + kx * d_w).wrapping_sub(pad_w);
                            if t < taps && iy < in_h && ix < in_w {
                                load_at(((b * in_h + iy) * in_w + ix) * in_c + in_c0)
                            } else {
                                zp_lanes
                            }
                        };
                        for (q, wt) in w.iter().enumerate() {
                            tap_pair(&mut acc, tap(2 * q), tap(2 * q + 1), wt);
                        }
                    }
                    stage.store(window_mut(output, pixel * c + c0, len), &acc, c0, p.requant, out_zp, lo, hi);
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
    /// channel counts around the 8-lane blocks, odd and even tap counts, windows, strides,
    /// dilations, paddings, zero points, per-tensor/per-channel, narrow ranges; every fourth
    /// layer broadcasts one input channel. Without `cfg(kiln_x86_sse2)`, the twins.
    #[test]
    fn depthwise_matches_the_general_kernel() {
        let mut rng = Rng::new(0xd5e2);
        for case in 0..if cfg!(miri) { 20 } else { 800 } {
            let c = if case % 3 == 0 { 8 * rng.usize(1, 4) } else { rng.usize(if case % 4 == 3 { 2 } else { 1 }, 30) };
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
            if case % 7 == 0 {
                input.fill(0x80);
                filter.fill(0x80);
            }
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
            let mut packed = vec![0u8; depthwise_sse2_filter_bytes(c, kh * kw)];
            pack_filter_depthwise_sse2(&filter, c, kh * kw, &mut packed);
            let mut got = vec![0u8; want.len()];
            depthwise_conv2d_s8_sse2(&p, &input, &packed, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }
}
