//! CONV_2D int8 over filters pre-packed at compile time in output-channel
//! blocks: the inner loop is `acc[j] += x · w[j]` across [`OC_BLOCK`] output channels, with the
//! accumulators in a fixed-size array (registers on Cortex-M; one vector load/store per input
//! channel on SIMD targets, see [`lanes`]), and no horizontal sum per output value. Arithmetic is that of [`super::conv2d_s8`]: the
//! same folded bias, padded taps reading the input zero point, wrapping i32 accumulation (so the
//! order of the terms cannot change the result) and TFLM's output stage — bit-exact with TFLM.
//!
//! Packed layout (what the compiler emits, see [`pack_filter`]): the OHWI filter
//! `[out_c][taps][in_c]` (`taps = kh · kw`) as `out_c / OC_BLOCK` full
//! blocks `[taps][in_c][OC_BLOCK]`, then, if `out_c % OC_BLOCK = r > 0`, one tail block
//! `[taps][in_c][r]`. Same bytes, same length. Per tap and input channel, the weights of a
//! block are contiguous: the inner loop broadcasts one input value and multiply-adds it into
//! `OC_BLOCK` accumulators (one vector operation on SIMD targets), reusing each weight row for
//! `PX` pixels.

use super::super::{copy_prefix, window, window_mut};
use super::{interior_range, output_s8, rq_at, tap_range, Conv2dParams};
use crate::fixed_point::PackedRequant;

/// Output channels per packed filter block.
pub const OC_BLOCK: usize = 8;

/// Output pixels computed together on the interior of the image (each weight row loaded once
/// for all of them).
const PX: usize = 4;

/// Keeps the accumulators of the blocked loops below in memory between input channels, on
/// targets with SIMD registers: the loop then holds an (empty) inline-asm barrier, which keeps
/// LLVM's loop vectorizer off it, and the SLP vectorizer vectorizes each iteration across the
/// block's output channels (vector load, multiply-add, store of the accumulators). Without it
/// the loop vectorizer turns the `OC_BLOCK · PX` accumulators into as many reductions over
/// the input channels (strided weight loads, spills, horizontal sums): ~2× the instructions.
/// On targets without SIMD (Cortex-M) it is left out, and the accumulators stay in registers.
#[inline(always)]
pub(crate) fn lanes<T>(acc: &mut T) {
    #[cfg(any(target_feature = "sse2", target_feature = "neon", target_feature = "simd128"))]
    core::hint::black_box(acc);
    #[cfg(not(any(target_feature = "sse2", target_feature = "neon", target_feature = "simd128")))]
    let _ = acc;
}

/// `acc[j] += x · w[j]` for one pixel. An int8 × int8 product fits in i16
/// (|−128 · −128| = 16384), so it is formed in 16 bits and widened for the sum.
#[inline(always)]
fn mac8(acc: &mut [i32; OC_BLOCK], x: u8, w: &[i16; OC_BLOCK]) {
    let x = i16::from(x as i8);
    for (a, &w) in acc.iter_mut().zip(w) {
        *a = a.wrapping_add(i32::from(x * w));
    }
}

/// The weights of one input channel for a full block, widened.
#[inline(always)]
fn widen(w: &[u8]) -> Option<[i16; OC_BLOCK]> {
    let w = <&[u8; OC_BLOCK]>::try_from(w).ok()?;
    Some(core::array::from_fn(|j| i16::from(w[j] as i8)))
}

/// `acc[p][j] += Σ_i x[p][i] · w[i][j]` over the input channels of one tap of a full block
/// (`w`: `[in_c][OC_BLOCK]`), for `PX` pixels at once (each weight row loaded once).
#[inline(always)]
fn tap_block_px(acc: &mut [[i32; OC_BLOCK]; PX], x: [&[u8]; PX], w: &[u8]) {
    let [x0, x1, x2, x3] = x;
    for ((((w, &a), &b), &c), &d) in w.chunks_exact(OC_BLOCK).zip(x0).zip(x1).zip(x2).zip(x3) {
        if let Some(w) = widen(w) {
            let [q0, q1, q2, q3] = &mut *acc;
            mac8(q0, a, &w);
            mac8(q1, b, &w);
            mac8(q2, c, &w);
            mac8(q3, d, &w);
            lanes(acc);
        }
    }
}

/// [`tap_block_px`] for one pixel.
#[inline(always)]
fn tap_block(acc: &mut [i32; OC_BLOCK], x: &[u8], w: &[u8]) {
    for (w, &x) in w.chunks_exact(OC_BLOCK).zip(x) {
        if let Some(w) = widen(w) {
            mac8(acc, x, &w);
            lanes(acc);
        }
    }
}

/// [`tap_block`] for the `width < OC_BLOCK` channels of a tail block (`w`: `[in_c][width]`).
#[inline(always)]
fn tap_tail(acc: &mut [i32; OC_BLOCK], width: usize, x: &[u8], w: &[u8]) {
    for (w, &x) in w.chunks_exact(width.max(1)).zip(x) {
        let x = i32::from(x as i8);
        for (a, &w) in acc.iter_mut().zip(w) {
            *a = a.wrapping_add(x * i32::from(w as i8));
        }
    }
}

/// `acc[j] += zp · Σ_i w[i][j]` for one padded tap (it reads the input zero point).
#[inline(always)]
fn tap_padded(acc: &mut [i32; OC_BLOCK], zp: i32, width: usize, w: &[u8]) {
    for w in w.chunks_exact(width.max(1)) {
        for (a, &w) in acc.iter_mut().zip(w) {
            *a = a.wrapping_add(zp.wrapping_mul(i32::from(w as i8)));
        }
    }
}

/// TFLM's output stage for the `OC_BLOCK` channels of a block, prepared once per block:
/// `multiply_by_quantized_multiplier` split into a wrapping left-shift factor, the multiplier
/// and the rounding right shift's mask and amount, so that [`BlockRq::apply`] is branch-free
/// over the whole block (it vectorizes, and costs the same for every value).
#[derive(Clone, Copy)]
pub(crate) struct BlockRq {
    factor: [i32; OC_BLOCK],
    mult: [i32; OC_BLOCK],
    /// `2^(right − 1)`, 0 for no right shift.
    half: [i32; OC_BLOCK],
    /// −1 (all ones) with a right shift (negative values then round one lower), else 0.
    neg: [i32; OC_BLOCK],
    right: [u32; OC_BLOCK],
    zp: i32,
    lo: i32,
    hi: i32,
}

impl BlockRq {
    /// `None` if a channel shifts right by 32 or more or has the multiplier `i32::MIN` (no real
    /// model does: multipliers are in `[2^30, 2^31)` or 0; the scalar output stage handles it).
    #[inline(always)]
    pub(crate) fn new(rq: &[PackedRequant], c0: usize, zp: i32, lo: i32, hi: i32) -> Option<Self> {
        let mut b = BlockRq {
            factor: [1; OC_BLOCK],
            mult: [0; OC_BLOCK],
            half: [0; OC_BLOCK],
            neg: [0; OC_BLOCK],
            right: [0; OC_BLOCK],
            zp,
            lo,
            hi,
        };
        for j in 0..OC_BLOCK {
            let r = rq_at(rq, c0 + j);
            let (left, right) = if r.shift > 0 { (r.shift, 0) } else { (0, r.shift.saturating_neg()) };
            if right >= 32 || r.multiplier == i32::MIN {
                return None;
            }
            // `x · 2^left` wrapping as in the C++ (0 from 2^32 on).
            b.factor[j] = if left >= 32 { 0 } else { 1i32.wrapping_shl(left as u32) };
            b.mult[j] = r.multiplier;
            b.half[j] = ((1i64 << right) >> 1) as i32;
            b.neg[j] = -i32::from(right > 0);
            b.right[j] = right as u32;
        }
        Some(b)
    }

    /// `output_s8` for `acc[j]` (see `fixed_point::multiply_by_quantized_multiplier`): the
    /// rounding doubling high multiply, the rounding divide by a power of two (ties away from
    /// zero), output zero point and clamp.
    #[inline(always)]
    fn apply(&self, acc: &[i32; OC_BLOCK], out: &mut [u8]) {
        let mut v = [0u8; OC_BLOCK];
        // On SIMD targets the bytes are gathered in one register: written one by one into `v`
        // and read back as one 8-byte store, each block stalled on store forwarding (~15 % of
        // MobileNetV1's depthwise time on x86-64 with SSE2).
        let mut word = 0u64;
        for j in 0..OC_BLOCK {
            let x = acc[j].wrapping_mul(self.factor[j]);
            // gemmlowp's nudge (±2^30 by the sign of the product) followed by a division by 2^31
            // truncating toward zero equals adding 2^30 and shifting (flooring) for either sign:
            // round half up. Exact for every product but i32::MIN · i32::MIN (excluded in `new`).
            let h = (i64::from(x) * i64::from(self.mult[j]) + (1 << 30)) >> 31;
            // gemmlowp's RoundingDivideByPOT (ties away from zero) of `h` (an i32 value), as
            // `(h + 2^(e−1) − [h < 0]) >> e`, in 64 bits so that the sum cannot overflow.
            let r = ((h + i64::from(self.half[j]) + ((h >> 63) & i64::from(self.neg[j]))) >> (self.right[j] & 31)) as i32;
            let byte = r.wrapping_add(self.zp).max(self.lo).min(self.hi) as u8;
            v[j] = byte;
            word |= u64::from(byte) << (8 * j);
        }
        // On SIMD targets a full block is stored directly (`copy_prefix` calls memcpy for the 8
        // bytes); on the others the call is kept: inlined, the store grows each 8-lane depthwise
        // kernel by ~1.2 KB on Cortex-M4.
        #[cfg(any(target_feature = "sse2", target_feature = "neon", target_feature = "simd128"))]
        if let Ok(o) = <&mut [u8; OC_BLOCK]>::try_from(&mut *out) {
            *o = word.to_le_bytes();
            return;
        }
        let _ = word;
        copy_prefix(out, &v);
    }
}

/// Requantizes `acc[..out.len()]` for output channels `c0..` into `out`.
#[inline(always)]
fn store(out: &mut [u8], acc: &[i32; OC_BLOCK], c0: usize, rq: &[PackedRequant], zp: i32, lo: i32, hi: i32) {
    for (j, (o, &a)) in out.iter_mut().zip(acc).enumerate() {
        *o = output_s8(a, rq_at(rq, c0 + j), zp, lo, hi);
    }
}

/// [`store`] through a prepared [`BlockRq`] when there is one.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn store_block(out: &mut [u8], acc: &[i32; OC_BLOCK], brq: &Option<BlockRq>, c0: usize, rq: &[PackedRequant], zp: i32, lo: i32, hi: i32) {
    match brq {
        Some(b) => b.apply(acc, out),
        None => store(out, acc, c0, rq, zp, lo, hi),
    }
}

/// CONV_2D int8 (groups = 1) over a filter packed by [`pack_filter`]; bit-exact with TFLM like
/// [`super::conv2d_s8`] (same params).
pub fn conv2d_s8_packed(p: &Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let [k_h, k_w] = p.kernel;
    let [stride_h, stride_w] = p.stride;
    let [dil_h, dil_w] = p.dilation;
    let [pad_h, pad_w] = p.pad;
    let (zp, out_zp, lo, hi) = (p.input_zero_point, p.output_zero_point, p.act_min, p.act_max);
    if out_c == 0 || p.requant.is_empty() {
        return;
    }
    let taps = k_h * k_w;
    let in_img = in_h * in_w * in_c;
    let in_row = in_w * in_c;
    let out_row_len = out_w * out_c;
    // Output channel blocks: (first channel, width, packed weights).
    let blocks = || {
        (0..out_c.div_ceil(OC_BLOCK)).map(move |b| {
            let c0 = b * OC_BLOCK;
            let width = (out_c - c0).min(OC_BLOCK);
            (c0, width, window(filter, c0 * taps * in_c, taps * in_c * width))
        })
    };
    // Output columns whose whole filter window lies inside the image columns: `ox_lo..ox_hi`.
    let (ox_lo, ox_hi) = interior_range(in_w, pad_w, k_w, dil_w, stride_w, out_w);

    // Blocks outermost: a block's weights, bias and output stage are set up once and stay in
    // cache while every output pixel is computed.
    for (c0, width, wb) in blocks() {
        let brq = BlockRq::new(p.requant, c0, out_zp, lo, hi);
        let mut bias = [0i32; OC_BLOCK];
        copy_prefix(&mut bias, window(p.bias, c0, width));
        let tap_w = |ky: usize, kx: usize| window(wb, (ky * k_w + kx) * in_c * width, in_c * width);
        let mut out_rows = output.chunks_exact_mut(out_row_len.max(1));
        for b in 0..batches {
            let image = window(input, b * in_img, in_img);
            for oy in 0..out_h {
                let Some(out_row) = out_rows.next() else {
                    return;
                };
                let (ky0, ky1, iy_origin) = tap_range(oy, stride_h, pad_h, dil_h, k_h, in_h);
                let rows_full = ky0 == 0 && ky1 == k_h;
                let mut ox = 0;
                while ox < out_w {
                    if rows_full && ox >= ox_lo && ox + PX <= ox_hi {
                        // PX pixels, every tap inside the image.
                        let group = window_mut(out_row, ox * out_c, PX * out_c);
                        let x_origin = ox * stride_w - pad_w;
                        let mut acc = [bias; PX];
                        for ky in 0..k_h {
                            let iy = (iy_origin + (ky * dil_h) as isize) as usize;
                            let irow = window(image, iy * in_row, in_row);
                            for kx in 0..k_w {
                                let wt = tap_w(ky, kx);
                                let x0 = (x_origin + kx * dil_w) * in_c;
                                let step = stride_w * in_c;
                                let px: [&[u8]; PX] = core::array::from_fn(|i| window(irow, x0 + i * step, in_c));
                                if width == OC_BLOCK {
                                    tap_block_px(&mut acc, px, wt);
                                } else {
                                    for (a, x) in acc.iter_mut().zip(px) {
                                        tap_tail(a, width, x, wt);
                                    }
                                }
                            }
                        }
                        for (o, a) in group.chunks_exact_mut(out_c).zip(&acc) {
                            store_block(window_mut(o, c0, width), a, &brq, c0, p.requant, out_zp, lo, hi);
                        }
                        ox += PX;
                        continue;
                    }
                    // One pixel, any window: padded taps read the input zero point.
                    let (kx0, kx1, ix_origin) = tap_range(ox, stride_w, pad_w, dil_w, k_w, in_w);
                    let out_px = window_mut(out_row, ox * out_c, out_c);
                    let mut acc = bias;
                    for ky in 0..k_h {
                        let row_inside = (ky0..ky1).contains(&ky);
                        let iy = (iy_origin + (ky * dil_h) as isize) as usize;
                        for kx in 0..k_w {
                            let wt = tap_w(ky, kx);
                            if row_inside && (kx0..kx1).contains(&kx) {
                                let ix = (ix_origin + (kx * dil_w) as isize) as usize;
                                let x = window(image, iy * in_row + ix * in_c, in_c);
                                if width == OC_BLOCK {
                                    tap_block(&mut acc, x, wt);
                                } else {
                                    tap_tail(&mut acc, width, x, wt);
                                }
                            } else if zp != 0 {
                                tap_padded(&mut acc, zp, width, wt);
                            }
                        }
                    }
                    store_block(window_mut(out_px, c0, width), &acc, &brq, c0, p.requant, out_zp, lo, hi);
                    ox += 1;
                }
            }
        }
    }
}

/// OHWI `[out_c][taps][in_c]` → the packed block layout the kernels above read
/// (`[block][taps][in_c][width]`). Used by the tests; the compiler packs with the same loops.
pub fn pack_filter(ohwi: &[u8], out_c: usize, taps: usize, in_c: usize) -> impl Iterator<Item = u8> + '_ {
    (0..out_c.div_ceil(OC_BLOCK)).flat_map(move |b| {
        let c0 = b * OC_BLOCK;
        let width = (out_c - c0).min(OC_BLOCK);
        (0..taps).flat_map(move |t| {
            (0..in_c).flat_map(move |i| {
                (c0..c0 + width).map(move |c| ohwi.get((c * taps + t) * in_c + i).copied().unwrap_or(0))
            })
        })
    })
}
#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::conv2d_s8;
    use super::*;
    use super::super::testing::conv_case;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    /// Same bytes as the OHWI kernel (itself checked against a naive TFLM-style convolution and
    /// against TFLM on the zoo) over random shapes, strides, dilations, paddings (including
    /// asymmetric and whole-window padding), zero points, per-tensor/per-channel requantization,
    /// tail blocks and interior pixel groups.
    #[test]
    fn conv_matches_the_ohwi_kernel() {
        let mut rng = Rng::new(77);
        for case in 0..3000 {
            let ic = rng.usize(1, 12);
            let oc = if case % 5 == 0 { rng.usize(9, 40) } else { rng.usize(1, 12) };
            let (kh, kw) = if case % 3 == 0 { (1, 1) } else { (rng.usize(1, 4), rng.usize(1, 4)) };
            let dilation = if rng.usize(0, 3) == 0 { [rng.usize(1, 3), rng.usize(1, 3)] } else { [1, 1] };
            let (p, input, filter) = conv_case(&mut rng, ic, oc, [kh, kw], dilation, case % 4 != 0);
            let mut want = vec![0u8; p.output.iter().product()];
            conv2d_s8(&p, &input, &filter, &mut want);
            let packed: Vec<u8> = pack_filter(&filter, oc, kh * kw, ic).collect();
            assert_eq!(packed.len(), filter.len());
            let mut got = vec![0u8; want.len()];
            conv2d_s8_packed(&p, &input, &packed, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }

    /// The branch-free block output stage equals the scalar one on edge values: accumulators
    /// near the i32 limits and powers of two, every shift kiln accepts (left shifts up to 40,
    /// right shifts up to 31, beyond which the block stage declines), multipliers including 0,
    /// negative and `i32::MIN` (the saturating `i32::MIN · i32::MIN` case).
    #[test]
    fn block_output_stage_matches_the_scalar_one() {
        let mut rng = Rng::new(79);
        for case in 0..20_000 {
            let rq: Vec<PackedRequant> = (0..OC_BLOCK)
                .map(|_| PackedRequant {
                    multiplier: match rng.usize(0, 5) {
                        0 => [0, i32::MIN, i32::MAX, 1 << 30, -(1 << 30)][rng.usize(0, 4)],
                        _ => rng.range(1 << 30, (1i64 << 31) - 1) as i32,
                    },
                    shift: if case % 3 == 0 { rng.range(-40, 40) as i8 } else { rng.range(-31, 31) as i8 },
                })
                .collect();
            let acc: [i32; OC_BLOCK] = core::array::from_fn(|_| rng.edgy_i32());
            let (zp, lo, hi) = (rng.range(-128, 127) as i32, rng.act_min(), rng.act_max());
            let mut want = [0u8; OC_BLOCK];
            store(&mut want, &acc, 0, &rq, zp, lo, hi);
            let brq = BlockRq::new(&rq, 0, zp, lo, hi);
            if rq.iter().all(|r| r.shift >= -31 && r.multiplier != i32::MIN) {
                assert!(brq.is_some(), "case {case}");
            }
            let mut got = [0u8; OC_BLOCK];
            store_block(&mut got, &acc, &brq, 0, &rq, zp, lo, hi);
            assert_eq!(got, want, "case {case}: {rq:?} {acc:?}");
        }
    }
}
