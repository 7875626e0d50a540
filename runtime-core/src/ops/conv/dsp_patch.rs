//! CONV_2D int8 on the Arm DSP extension for small windows: each output pixel's whole window
//! (`k_h · k_w · in_c` bytes, up to [`MAX_PATCH`]) is gathered into a stack array first, with
//! the input zero point in padded taps, and every output channel is then one dot product over
//! it (SMLAD on SXTB16-widened pairs, two pixels × two channels at a time, as [`super::dsp`]).
//!
//! Why: a first layer (3×3 over RGB: 27 bytes; KWS's 10×4 over one channel: 40 bytes) has rows
//! too short for the row kernel to pay for its per-row bookkeeping, and many border pixels; here
//! gathering costs a few copies per pixel pair, shared by all output channels, and border and
//! interior pixels run the same code (the im2col of CMSIS-NN, one pixel pair at a time, with no
//! buffer in the arena).
//!
//! Filter layout: [`super::pack_filter_dsp`] with the whole window as one row (`k_h = 1`,
//! `L = k_h · k_w · in_c`): channel pairs interleaved word by word, then the pair's tails; an
//! odd last channel plain. Arithmetic of [`super::conv2d_s8`]: bit-exact with TFLM.

use super::super::{copy_prefix, window, window_mut};
use super::dsp::{dot_1x1, dot_1x2, dot_2x2, dot_tail, words};
use super::word;
use crate::arch::arm_dsp::{smlad, sxtb16, sxtb16_ror8};
use super::{rq_at, tap_coord, tap_range, Conv2dParams, OutputStage};

/// Longest window the compiler passes to [`conv2d_s8_dsp_patch`] (two of them live on the
/// stack: 384 bytes).
pub const MAX_PATCH: usize = 192;

/// CONV_2D int8 over gathered windows (see the module docs). `PATCH` is the window length
/// `k_h · k_w · in_c` as a constant; the filter is laid out as described there. The compiler
/// calls it for dilation 1 along the width, windows up to [`MAX_PATCH`] bytes and no 1×1
/// layer; for any other shape it leaves the output untouched.
#[inline(never)]
pub fn conv2d_s8_dsp_patch<const PATCH: usize>(p: &Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let [k_h, k_w] = p.kernel;
    if PATCH == 0 || PATCH > MAX_PATCH || PATCH != k_h * k_w * in_c || p.dilation[1] != 1 || out_c == 0 || filter.len() != out_c * PATCH || p.requant.is_empty() {
        return;
    }
    let stage = OutputStage::new(p.requant, p.output_zero_point, p.act_min, p.act_max);
    let bias = |c: usize| p.bias.get(c).copied().unwrap_or(0);
    let pairs = out_c / 2;
    let odd_w = window(filter, 2 * pairs * PATCH, PATCH);
    let pixels = batches * out_h * out_w;
    let in_img = in_h * in_w * in_c;
    let mut x0 = [0u8; PATCH];
    let mut x1 = [0u8; PATCH];
    // The next output pixel to gather as (image, row, column), counted up without a division
    // (which would bring a divide-by-zero panic path into the firmware). Three counters, not
    // nested iterators: their state would take a hundred bytes of stack.
    let mut at = [0usize; 3];
    let mut gather = |x: &mut [u8; PATCH]| {
        let [b, oy, ox] = at;
        gather_window(p, window(input, b * in_img, in_img), [oy, ox], x);
        at = if ox + 1 < out_w {
            [b, oy, ox + 1]
        } else if oy + 1 < out_h {
            [b, oy + 1, 0]
        } else {
            [b + 1, 0, 0]
        };
    };
    let mut q = 0;
    while q < pixels {
        gather(&mut x0);
        if q + 1 < pixels {
            gather(&mut x1);
            let Some((o0, o1)) = window_mut(output, q * out_c, 2 * out_c).split_at_mut_checked(out_c) else {
                return;
            };
            // Short windows: both widened once here, not once per channel pair.
            let mut xw = [0u32; PATCH];
            if PATCH <= MAX_WIDENED {
                widen_pair(&mut xw, &x0, &x1);
            }
            for (c2, (w, (a, b))) in filter.chunks_exact(2 * PATCH).take(pairs).zip(o0.chunks_exact_mut(2).zip(o1.chunks_exact_mut(2))).enumerate() {
                let c = 2 * c2;
                let mut acc = [bias(c), bias(c + 1), bias(c), bias(c + 1)];
                if PATCH <= MAX_WIDENED {
                    dot_2x2_widened(&mut acc, &xw, [&x0, &x1], w);
                } else {
                    dot_2x2(&mut acc, &x0, &x1, w);
                }
                let (r0, r1) = (rq_at(p.requant, c), rq_at(p.requant, c + 1));
                if let ([a0, a1], [b0, b1]) = (a, b) {
                    *a0 = stage.apply(acc[0], r0);
                    *a1 = stage.apply(acc[1], r1);
                    *b0 = stage.apply(acc[2], r0);
                    *b1 = stage.apply(acc[3], r1);
                }
            }
            if let (Some(a), Some(b)) = (o0.get_mut(2 * pairs), o1.get_mut(2 * pairs)) {
                let r = rq_at(p.requant, 2 * pairs);
                *a = stage.apply(dot_1x1(bias(2 * pairs), &x0, odd_w), r);
                *b = stage.apply(dot_1x1(bias(2 * pairs), &x1, odd_w), r);
            }
            q += 2;
        } else {
            // The last pixel of an odd count.
            let o0 = window_mut(output, q * out_c, out_c);
            for (c2, (w, a)) in filter.chunks_exact(2 * PATCH).take(pairs).zip(o0.chunks_exact_mut(2)).enumerate() {
                let c = 2 * c2;
                let mut acc = [bias(c), bias(c + 1)];
                dot_1x2(&mut acc, &x0, w);
                if let [a0, a1] = a {
                    *a0 = stage.apply(acc[0], rq_at(p.requant, c));
                    *a1 = stage.apply(acc[1], rq_at(p.requant, c + 1));
                }
            }
            if let Some(a) = o0.get_mut(2 * pairs) {
                *a = stage.apply(dot_1x1(bias(2 * pairs), &x0, odd_w), rq_at(p.requant, 2 * pairs));
            }
            q += 1;
        }
    }
}

/// Longest window whose pixel pair [`conv2d_s8_dsp_patch`] widens once for all channels (the
/// widened words take `4 · PATCH` bytes of stack beside the two windows' `2 · PATCH`): per
/// word of a channel pair then two widened pairs loaded and eight SMLAD, 16 instructions per
/// 16 MACs instead of 20. MobileNetV2's 3×3 over RGB on the M4: 4.74 → 3.56 instructions per
/// MAC (with the SSAT output stage); longer windows keep the plain bytes.
const MAX_WIDENED: usize = 64;

/// The whole words of windows `x0`, `x1` widened for SMLAD: per word `j`, `xw[4j..4j + 4]` =
/// SXTB16 and SXTB16 ROR #8 of `x0`'s word, then of `x1`'s.
#[inline(always)]
fn widen_pair<const PATCH: usize>(xw: &mut [u32; PATCH], x0: &[u8; PATCH], x1: &[u8; PATCH]) {
    for ((d, a), b) in xw.chunks_exact_mut(4).zip(x0.chunks_exact(4)).zip(x1.chunks_exact(4)) {
        let (a, b) = (word(a), word(b));
        if let [ae, ao, be, bo] = d {
            (*ae, *ao, *be, *bo) = (sxtb16(a), sxtb16_ror8(a), sxtb16(b), sxtb16_ror8(b));
        }
    }
}

/// [`dot_2x2`] over windows widened by [`widen_pair`] (`xw`; the raw windows `x` for the bytes
/// past the last whole word): per word two widened pairs loaded and eight SMLAD, the filter
/// words widened as they come.
#[inline(always)]
fn dot_2x2_widened<const PATCH: usize>(acc: &mut [i32; 4], xw: &[u32; PATCH], [x0, x1]: [&[u8; PATCH]; 2], w: &[u8]) {
    let [mut a0, mut a1, mut a2, mut a3] = *acc;
    let body = PATCH / 4 * 4;
    for (x, w8) in xw.chunks_exact(4).zip(window(w, 0, 2 * body).chunks_exact(8)) {
        let (Some(&[xa_e, xa_o, xb_e, xb_o]), (wa, wb)) = (x.first_chunk::<4>(), words(w8)) else {
            continue;
        };
        let (wa_e, wa_o) = (sxtb16(wa), sxtb16_ror8(wa));
        a0 = smlad(xa_o, wa_o, smlad(xa_e, wa_e, a0));
        a2 = smlad(xb_o, wa_o, smlad(xb_e, wa_e, a2));
        let (wb_e, wb_o) = (sxtb16(wb), sxtb16_ror8(wb));
        a1 = smlad(xa_o, wb_o, smlad(xa_e, wb_e, a1));
        a3 = smlad(xb_o, wb_o, smlad(xb_e, wb_e, a3));
    }
    let r = PATCH - body;
    if r > 0 {
        let (ta, tb) = (window(x0, body, r), window(x1, body, r));
        let (wa, wb) = (window(w, 2 * body, r), window(w, 2 * body + r, r));
        (a0, a1, a2, a3) = (dot_tail(a0, ta, wa), dot_tail(a1, ta, wb), dot_tail(a2, tb, wa), dot_tail(a3, tb, wb));
    }
    *acc = [a0, a1, a2, a3];
}

/// The window of output pixel `[oy, ox]` in `x` (`[k_h][k_w][in_c]`), taps outside `image` set
/// to the input zero point. Each filter row's valid taps are one contiguous copy.
#[inline(always)]
fn gather_window<const PATCH: usize>(p: &Conv2dParams, image: &[u8], [oy, ox]: [usize; 2], x: &mut [u8; PATCH]) {
    let [_, in_h, in_w, in_c] = p.input;
    let [k_h, k_w] = p.kernel;
    let (ky0, ky1, iy_origin) = tap_range(oy, p.stride[0], p.pad[0], p.dilation[0], k_h, in_h);
    let (kx0, kx1, ix_origin) = tap_range(ox, p.stride[1], p.pad[1], 1, k_w, in_w);
    if ky0 > 0 || ky1 < k_h || kx0 > 0 || kx1 < k_w {
        x.fill(p.input_zero_point as u8);
    }
    let (row, len) = (k_w * in_c, (kx1 - kx0) * in_c);
    if len == 0 {
        return;
    }
    for ky in ky0..ky1 {
        let iy = tap_coord(iy_origin, ky, p.dilation[0]);
        let ix = tap_coord(ix_origin, kx0, 1);
        let (d, s) = (window_mut(x, ky * row + kx0 * in_c, len), window(image, (iy * in_w + ix) * in_c, len));
        // (Longer windows keep the plain copy: with the short one's branches beside it, a 3×3×16
        // window took 1.7 % more instructions on ResNet-8, measured when the patch kernel ran it.)
        if PATCH <= MAX_WIDENED {
            copy_short(d, s);
        } else {
            copy_prefix(d, s);
        }
    }
}

/// [`copy_prefix`] for the short rows of a first layer's window (3×3 over RGB: 9 bytes; KWS's
/// 10×4 over one channel: 4): from 4 to 16 bytes as two fixed-size copies that overlap (the
/// first and the last 4 or 8 bytes), a few loads and stores where a call to `memcpy` copied
/// byte by byte (MobileNetV2's first layer: three calls per pixel).
#[inline(always)]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = dst.len().min(src.len());
    if (8..=16).contains(&n) {
        copy_ends::<8>(dst, src, n);
    } else if (4..8).contains(&n) {
        copy_ends::<4>(dst, src, n);
    } else {
        copy_prefix(dst, src);
    }
}

/// The first and the last `K` of the first `n` bytes (`K <= n <= 2K`) of `src` into `dst`.
#[inline(always)]
fn copy_ends<const K: usize>(dst: &mut [u8], src: &[u8], n: usize) {
    let (Some(head), Some(tail)) = (src.first_chunk::<K>().copied(), src.get(n.saturating_sub(K)..n).and_then(|t| t.first_chunk::<K>()).copied()) else {
        return;
    };
    if let Some(d) = dst.first_chunk_mut::<K>() {
        *d = head;
    }
    if let Some(d) = dst.get_mut(n.saturating_sub(K)..n).and_then(|t| t.first_chunk_mut::<K>()) {
        *d = tail;
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::conv_case;
    use super::super::{conv2d_s8, pack_filter_dsp};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    /// Same bytes as the OHWI kernel (itself checked against a naive TFLM-style convolution and
    /// against TFLM on the zoo), with the twins of SMLAD/SXTB16 on the host, over random shapes
    /// at the window lengths the instances below cover: first layers (3×3×3, KWS-like 10×4×1),
    /// windows with and without a remainder of four bytes, odd pixel and channel counts,
    /// strides, row dilations, paddings beyond the window, zero points, per-tensor/per-channel.
    #[test]
    fn conv_patch_matches_the_ohwi_kernel() {
        let mut rng = Rng::new(0x9a7c);
        let shapes: [([usize; 2], usize); 8] = [([3, 3], 3), ([10, 4], 1), ([3, 3], 1), ([2, 2], 5), ([1, 3], 4), ([3, 1], 2), ([5, 5], 3), ([3, 3], 16)];
        for case in 0..3000 {
            let ([kh, kw], ic) = shapes[case % shapes.len()];
            let oc = rng.usize(1, 9);
            let dilation = if rng.usize(0, 4) == 0 { [rng.usize(1, 3), 1] } else { [1, 1] };
            let (p, input, filter) = conv_case(&mut rng, ic, oc, [kh, kw], dilation, case % 3 != 0);
            let mut want = vec![0u8; p.output.iter().product()];
            conv2d_s8(&p, &input, &filter, &mut want);
            let packed: Vec<u8> = pack_filter_dsp(&filter, oc, 1, kh * kw * ic).collect();
            let mut got = vec![0u8; want.len()];
            match kh * kw * ic {
                27 => conv2d_s8_dsp_patch::<27>(&p, &input, &packed, &mut got),
                40 => conv2d_s8_dsp_patch::<40>(&p, &input, &packed, &mut got),
                9 => conv2d_s8_dsp_patch::<9>(&p, &input, &packed, &mut got),
                20 => conv2d_s8_dsp_patch::<20>(&p, &input, &packed, &mut got),
                12 => conv2d_s8_dsp_patch::<12>(&p, &input, &packed, &mut got),
                6 => conv2d_s8_dsp_patch::<6>(&p, &input, &packed, &mut got),
                75 => conv2d_s8_dsp_patch::<75>(&p, &input, &packed, &mut got),
                144 => conv2d_s8_dsp_patch::<144>(&p, &input, &packed, &mut got),
                n => panic!("no instance for a {n}-byte window"),
            }
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }
}
