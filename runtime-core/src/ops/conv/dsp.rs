//! CONV_2D int8 on the Arm DSP extension, over the model's own OHWI filter.
//!
//! With dilation 1 along the width, the taps of one filter row `[k_w][in_c]` and the input they
//! meet are both `L = k_w · in_c` contiguous bytes, so each output value is `k_h` dot products of
//! byte rows. Four bytes are one word: SXTB16 widens bytes 0 and 2, SXTB16 ROR #8 bytes 1 and 3,
//! of the input and of the filter alike, so the even and odd pairs line up without any
//! re-packing and SMLAD adds two products per instruction. Two output pixels × two output
//! channels are computed together ([`dot_2x2`]): per four input bytes, four loads, eight
//! SXTB16 and eight SMLAD give sixteen multiply-accumulates, with the four accumulators in
//! registers.
//!
//! The arithmetic is [`super::conv2d_s8`]'s (folded bias, wrapping i32 sums, padded taps read
//! the input zero point, TFLM's output stage): bit-exact with TFLM. Border pixels (a tap in the
//! padding) and the shapes this layout does not cover (dilated width, grouped filters) go through
//! the OHWI kernel's per-pixel path, on the same filter.

use super::super::{window, window_mut};
use super::{conv_pixel_s8, interior_range, output_s8, tap_range, Conv2dParams};
use crate::arch::arm_dsp::{smlad, sxtb16, sxtb16_ror8};
use crate::fixed_point::Requant;

/// The little-endian word of a 4-byte chunk (a single, possibly unaligned, `LDR`).
#[inline(always)]
fn word(b: &[u8]) -> u32 {
    <[u8; 4]>::try_from(b).map(u32::from_le_bytes).unwrap_or(0)
}

/// `acc[0] += Σ x0·w0`, `acc[1] += Σ x0·w1`, `acc[2] += Σ x1·w0`, `acc[3] += Σ x1·w1` over int8
/// rows of one length (wrapping, as TFLM's int32 accumulator).
#[inline(always)]
pub(crate) fn dot_2x2(acc: &mut [i32; 4], x0: &[u8], x1: &[u8], w0: &[u8], w1: &[u8]) {
    let (mut a0, mut a1, mut a2, mut a3) = (acc[0], acc[1], acc[2], acc[3]);
    let (xa, xb, wa, wb) = (x0.chunks_exact(4), x1.chunks_exact(4), w0.chunks_exact(4), w1.chunks_exact(4));
    let tails = (xa.remainder(), xb.remainder(), wa.remainder(), wb.remainder());
    for (((xa, xb), wa), wb) in xa.zip(xb).zip(wa).zip(wb) {
        let (xa, xb, wa, wb) = (word(xa), word(xb), word(wa), word(wb));
        let (xa_e, xa_o) = (sxtb16(xa), sxtb16_ror8(xa));
        let (wa_e, wa_o) = (sxtb16(wa), sxtb16_ror8(wa));
        a0 = smlad(xa_e, wa_e, smlad(xa_o, wa_o, a0));
        let (wb_e, wb_o) = (sxtb16(wb), sxtb16_ror8(wb));
        a1 = smlad(xa_e, wb_e, smlad(xa_o, wb_o, a1));
        let (xb_e, xb_o) = (sxtb16(xb), sxtb16_ror8(xb));
        a2 = smlad(xb_e, wa_e, smlad(xb_o, wa_o, a2));
        a3 = smlad(xb_e, wb_e, smlad(xb_o, wb_o, a3));
    }
    let (xa, xb, wa, wb) = tails;
    for (((&xa, &xb), &wa), &wb) in xa.iter().zip(xb).zip(wa).zip(wb) {
        let (xa, xb, wa, wb) = (i32::from(xa as i8), i32::from(xb as i8), i32::from(wa as i8), i32::from(wb as i8));
        a0 = a0.wrapping_add(xa * wa);
        a1 = a1.wrapping_add(xa * wb);
        a2 = a2.wrapping_add(xb * wa);
        a3 = a3.wrapping_add(xb * wb);
    }
    *acc = [a0, a1, a2, a3];
}

/// `acc[0] += Σ x·w0`, `acc[1] += Σ x·w1` over int8 rows of one length (wrapping). Also two
/// pixels of one channel: the dot product is symmetric.
#[inline(always)]
pub(crate) fn dot_1x2(acc: &mut [i32; 2], x: &[u8], w0: &[u8], w1: &[u8]) {
    let (mut a0, mut a1) = (acc[0], acc[1]);
    let (xs, wa, wb) = (x.chunks_exact(4), w0.chunks_exact(4), w1.chunks_exact(4));
    let tails = (xs.remainder(), wa.remainder(), wb.remainder());
    for ((x, wa), wb) in xs.zip(wa).zip(wb) {
        let (x, wa, wb) = (word(x), word(wa), word(wb));
        let (x_e, x_o) = (sxtb16(x), sxtb16_ror8(x));
        a0 = smlad(x_e, sxtb16(wa), smlad(x_o, sxtb16_ror8(wa), a0));
        a1 = smlad(x_e, sxtb16(wb), smlad(x_o, sxtb16_ror8(wb), a1));
    }
    let (x, wa, wb) = tails;
    for ((&x, &wa), &wb) in x.iter().zip(wa).zip(wb) {
        let x = i32::from(x as i8);
        a0 = a0.wrapping_add(x * i32::from(wa as i8));
        a1 = a1.wrapping_add(x * i32::from(wb as i8));
    }
    *acc = [a0, a1];
}

/// `acc + Σ x·w` over int8 rows of one length (wrapping).
#[inline(always)]
pub(crate) fn dot_1x1(acc: i32, x: &[u8], w: &[u8]) -> i32 {
    let mut a = acc;
    let (xs, ws) = (x.chunks_exact(4), w.chunks_exact(4));
    let tails = (xs.remainder(), ws.remainder());
    for (x, w) in xs.zip(ws) {
        let (x, w) = (word(x), word(w));
        a = smlad(sxtb16(x), sxtb16(w), smlad(sxtb16_ror8(x), sxtb16_ror8(w), a));
    }
    for (&x, &w) in tails.0.iter().zip(tails.1) {
        a = a.wrapping_add(i32::from(x as i8) * i32::from(w as i8));
    }
    a
}

/// The requantization of output channel `c` (per-tensor: the one entry).
#[inline(always)]
fn rq_at(r: &[Requant], c: usize) -> Requant {
    match r {
        [one] => *one,
        many => many.get(c).copied().unwrap_or(Requant { multiplier: 0, shift: 0 }),
    }
}

/// CONV_2D int8 over the OHWI filter with SMLAD (see the module docs); same params and result
/// as [`super::conv2d_s8`].
pub fn conv2d_s8_dsp(p: &Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let [k_h, k_w] = p.kernel;
    let [stride_h, stride_w] = p.stride;
    let [dil_h, dil_w] = p.dilation;
    let [pad_h, pad_w] = p.pad;
    let row_len = k_w * in_c;
    let f_len = k_h * row_len;
    if dil_w != 1 || filter.len() != out_c * f_len {
        // Dilated columns or a grouped filter: the taps of a row are not one run of bytes.
        return super::conv2d_s8(p, input, filter, output);
    }
    if out_c == 0 || p.requant.is_empty() {
        return;
    }
    let (zp, lo, hi) = (p.output_zero_point, p.act_min, p.act_max);
    let in_row = in_w * in_c;
    let in_img = in_h * in_row;
    let out_row_len = out_w * out_c;
    let (ox_lo, ox_hi) = interior_range(in_w, pad_w, k_w, 1, stride_w, out_w);
    let channel = |c: usize| window(filter, c * f_len, f_len);
    let mut out_rows = output.chunks_exact_mut(out_row_len.max(1));
    for b in 0..batches {
        let image = window(input, b * in_img, in_img);
        for oy in 0..out_h {
            let Some(out_row) = out_rows.next() else {
                return;
            };
            let rows = tap_range(oy, stride_h, pad_h, dil_h, k_h, in_h);
            let (ky0, ky1, iy_origin) = rows;
            let rows_full = ky0 == 0 && ky1 == k_h;
            // The input row segment of filter row `ky` for output column `ox` (interior only).
            let segment = |ky: usize, ox: usize| {
                let iy = (iy_origin + (ky * dil_h) as isize) as usize;
                window(image, iy * in_row + (ox * stride_w - pad_w) * in_c, row_len)
            };
            let mut ox = 0;
            while ox < out_w {
                let interior = rows_full && ox >= ox_lo && ox < ox_hi;
                if interior && ox + 2 <= ox_hi {
                    // Two pixels, every tap inside the image.
                    let pair = window_mut(out_row, ox * out_c, 2 * out_c);
                    let (px0, px1) = pair.split_at_mut(out_c);
                    let mut c = 0;
                    while c + 2 <= out_c {
                        let (w0, w1) = (channel(c), channel(c + 1));
                        let (b0, b1) = (p.bias.get(c).copied().unwrap_or(0), p.bias.get(c + 1).copied().unwrap_or(0));
                        let mut acc = [b0, b1, b0, b1];
                        for ky in 0..k_h {
                            let fr = ky * row_len;
                            dot_2x2(&mut acc, segment(ky, ox), segment(ky, ox + 1), window(w0, fr, row_len), window(w1, fr, row_len));
                        }
                        let (r0, r1) = (rq_at(p.requant, c), rq_at(p.requant, c + 1));
                        if let (Some(o0), Some(o1)) = (px0.get_mut(c..c + 2), px1.get_mut(c..c + 2)) {
                            o0[0] = output_s8(acc[0], r0, zp, lo, hi);
                            o0[1] = output_s8(acc[1], r1, zp, lo, hi);
                            o1[0] = output_s8(acc[2], r0, zp, lo, hi);
                            o1[1] = output_s8(acc[3], r1, zp, lo, hi);
                        }
                        c += 2;
                    }
                    if c < out_c {
                        // The odd last channel: two pixels of one filter.
                        let w = channel(c);
                        let b0 = p.bias.get(c).copied().unwrap_or(0);
                        let mut acc = [b0, b0];
                        for ky in 0..k_h {
                            dot_1x2(&mut acc, window(w, ky * row_len, row_len), segment(ky, ox), segment(ky, ox + 1));
                        }
                        let r = rq_at(p.requant, c);
                        if let (Some(o0), Some(o1)) = (px0.get_mut(c), px1.get_mut(c)) {
                            *o0 = output_s8(acc[0], r, zp, lo, hi);
                            *o1 = output_s8(acc[1], r, zp, lo, hi);
                        }
                    }
                    ox += 2;
                } else if interior {
                    // One interior pixel (odd width): channel pairs.
                    let px = window_mut(out_row, ox * out_c, out_c);
                    let mut c = 0;
                    while c + 2 <= out_c {
                        let (w0, w1) = (channel(c), channel(c + 1));
                        let mut acc = [p.bias.get(c).copied().unwrap_or(0), p.bias.get(c + 1).copied().unwrap_or(0)];
                        for ky in 0..k_h {
                            let fr = ky * row_len;
                            dot_1x2(&mut acc, segment(ky, ox), window(w0, fr, row_len), window(w1, fr, row_len));
                        }
                        if let Some(o) = px.get_mut(c..c + 2) {
                            o[0] = output_s8(acc[0], rq_at(p.requant, c), zp, lo, hi);
                            o[1] = output_s8(acc[1], rq_at(p.requant, c + 1), zp, lo, hi);
                        }
                        c += 2;
                    }
                    if c < out_c {
                        let w = channel(c);
                        let mut acc = p.bias.get(c).copied().unwrap_or(0);
                        for ky in 0..k_h {
                            acc = dot_1x1(acc, segment(ky, ox), window(w, ky * row_len, row_len));
                        }
                        if let Some(o) = px.get_mut(c) {
                            *o = output_s8(acc, rq_at(p.requant, c), zp, lo, hi);
                        }
                    }
                    ox += 1;
                } else {
                    // A tap in the padding: the OHWI kernel's per-pixel path.
                    conv_pixel_s8(p, image, filter, rows, ox, window_mut(out_row, ox * out_c, out_c));
                    ox += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::conv2d_s8;
    use super::*;
    use crate::fixed_point::testing::{leak, Rng};
    use std::{vec, vec::Vec};

    /// Same bytes as the OHWI kernel (itself checked against a naive TFLM-style convolution and
    /// against TFLM on the zoo), with the plain-Rust twins of SMLAD/SXTB16 on the host (the
    /// instructions themselves are compared with the twins on the target), over random shapes:
    /// row lengths with and without a remainder of 4 bytes, odd widths and channel counts,
    /// strides, dilations, paddings, grouped filters, zero points, per-tensor/per-channel.
    #[test]
    fn conv_dsp_matches_the_ohwi_kernel() {
        let mut rng = Rng::new(0xd59);
        for case in 0..3000 {
            let groups = if case % 11 == 0 { rng.usize(2, 3) } else { 1 };
            let fd = if case % 4 == 0 { 4 * rng.usize(1, 6) } else { rng.usize(1, 13) };
            let ic = fd * groups;
            let oc = groups * rng.usize(1, 9);
            let (kh, kw) = if case % 3 == 0 { (1, 1) } else { (rng.usize(1, 4), rng.usize(1, 4)) };
            let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
            let (dh, dw) = if rng.usize(0, 4) == 0 { (rng.usize(1, 3), rng.usize(1, 3)) } else { (1, 1) };
            let (ih, iw) = (rng.usize(1, 9), rng.usize(1, 14));
            let (ph, pw) = if case % 3 != 1 { (0, 0) } else { (rng.usize(0, kh * dh + 1), rng.usize(0, kw * dw + 1)) };
            let oh = (ih + ph + rng.usize(0, ph.max(1))).saturating_sub((kh - 1) * dh + 1) / sh + 1;
            let ow = (iw + pw + rng.usize(0, pw.max(1))).saturating_sub((kw - 1) * dw + 1) / sw + 1;
            let n = rng.usize(1, 2);
            let mut input = vec![0u8; n * ih * iw * ic];
            let mut filter = vec![0u8; oc * kh * kw * fd];
            rng.fill(&mut input);
            rng.fill(&mut filter);
            let bias: Vec<i32> = (0..oc).map(|_| rng.range(-50_000, 50_000) as i32).collect();
            let requant: Vec<Requant> = (0..if rng.bool() { oc } else { 1 }).map(|_| rng.requant()).collect();
            let p = Conv2dParams {
                input: [n, ih, iw, ic],
                output: [n, oh, ow, oc],
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
            let mut want = vec![0u8; n * oh * ow * oc];
            conv2d_s8(&p, &input, &filter, &mut want);
            let mut got = vec![0u8; want.len()];
            conv2d_s8_dsp(&p, &input, &filter, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }

    /// The dot helpers on extreme bytes (−128 · −128 pairs, the case where two products sum to
    /// 2^15 · 2^15 · 2) and every remainder length, against a plain sum.
    #[test]
    fn dots_match_a_plain_sum() {
        let mut rng = Rng::new(0xd5a);
        for case in 0..2000 {
            let len = rng.usize(0, 40);
            let mut rows: [Vec<u8>; 4] = core::array::from_fn(|_| vec![0u8; len]);
            for r in rows.iter_mut() {
                if case % 5 == 0 {
                    r.fill(0x80);
                } else {
                    rng.fill(r);
                }
            }
            let plain = |a: &[u8], b: &[u8], acc: i32| {
                a.iter().zip(b).fold(acc, |s, (&x, &y)| s.wrapping_add(i32::from(x as i8) * i32::from(y as i8)))
            };
            let acc0 = rng.edgy_i32();
            let [x0, x1, w0, w1] = &rows;
            let mut a4 = [acc0; 4];
            dot_2x2(&mut a4, x0, x1, w0, w1);
            assert_eq!(a4, [plain(x0, w0, acc0), plain(x0, w1, acc0), plain(x1, w0, acc0), plain(x1, w1, acc0)]);
            let mut a2 = [acc0; 2];
            dot_1x2(&mut a2, x0, w0, w1);
            assert_eq!(a2, [plain(x0, w0, acc0), plain(x0, w1, acc0)]);
            assert_eq!(dot_1x1(acc0, x1, w1), plain(x1, w1, acc0));
        }
    }
}
