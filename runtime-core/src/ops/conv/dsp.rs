//! CONV_2D int8 on the Arm DSP extension, over a filter re-laid out at compile time.
//!
//! With dilation 1 along the width, the taps of one filter row `[k_w][in_c]` and the input they
//! meet are both `L = k_w · in_c` contiguous bytes, so each output value is `k_h` dot products of
//! byte rows. Four bytes are one word: SXTB16 widens bytes 0 and 2, SXTB16 ROR #8 bytes 1 and 3,
//! of the input and of the filter alike, so the even and odd pairs line up without any
//! re-packing and SMLAD adds two products per instruction. Two output pixels × two output
//! channels are computed together ([`dot_2x2`]): per four input bytes, one LDRD of the two
//! channels' filter words, two input loads, eight SXTB16 and eight SMLAD give sixteen
//! multiply-accumulates, with the four accumulators in registers.
//!
//! Filter layout ([`pack_filter_dsp`], what the compiler emits): output channels in pairs; for
//! each pair and filter row, the two channels' rows interleaved word by word (`L / 4` pairs of
//! 4-byte words), then the two channels' `L % 4` remaining bytes one after the other; an odd last
//! channel keeps its OHWI rows. Same bytes, same length as OHWI: the inner loop reads one
//! stream.
//!
//! The arithmetic is [`super::conv2d_s8`]'s (folded bias, wrapping i32 sums, padded taps read
//! the input zero point, TFLM's output stage): bit-exact with TFLM. Border pixels (a tap in the
//! padding): with an input depth divisible by four the real taps of a row are whole words, so
//! the pair kernel runs over them and over a constant zero-point word for the padded ones; short
//! rows are copied to the stack with the zero point in the padded taps; other rows go tap by
//! tap. The compiler uses this kernel for dilation 1 along the width and ungrouped filters only
//! (the layout assumes contiguous rows).

use super::super::{window, window_mut};
use super::pointwise::pointwise_depth;
use super::pointwise_short::pointwise_short;
use super::{interior_range, rq_at, tap_range, word, Conv2dParams, OutputStage};
use crate::arch::arm_dsp::{smlad, sxtb16, sxtb16_ror8};

/// The two words of an 8-byte chunk of an interleaved row pair.
#[inline(always)]
pub(super) fn words(b: &[u8]) -> (u32, u32) {
    (word(b.get(..4).unwrap_or(&[])), word(b.get(4..).unwrap_or(&[])))
}

/// `acc += Σ x·w` over int8 bytes (the rows' `L % 4` remainder).
#[inline(always)]
pub(super) fn dot_tail(acc: i32, x: &[u8], w: &[u8]) -> i32 {
    x.iter().zip(w).fold(acc, |a, (&x, &w)| a.wrapping_add(i32::from(x as i8) * i32::from(w as i8)))
}

/// `acc[0] += x0·w0`, `acc[1] += x0·w1`, `acc[2] += x1·w0`, `acc[3] += x1·w1` (wrapping, as
/// TFLM's int32 accumulator) for two input rows `x0`, `x1` of `L` bytes and one interleaved row
/// pair `w` (`2L` bytes) of channels 0 and 1.
#[inline(always)]
pub(crate) fn dot_2x2(acc: &mut [i32; 4], x0: &[u8], x1: &[u8], w: &[u8]) {
    let [mut a0, mut a1, mut a2, mut a3] = *acc;
    let (xa, xb) = (x0.chunks_exact(4), x1.chunks_exact(4));
    let (ta, tb) = (xa.remainder(), xb.remainder());
    let body = 2 * (x0.len() - ta.len());
    for ((w8, xa), xb) in window(w, 0, body).chunks_exact(8).zip(xa).zip(xb) {
        // Even bytes first, then odd: at most six widened values live beside the accumulators.
        let ((wa, wb), xa, xb) = (words(w8), word(xa), word(xb));
        let (xa_e, xb_e, wa_e, wb_e) = (sxtb16(xa), sxtb16(xb), sxtb16(wa), sxtb16(wb));
        a0 = smlad(xa_e, wa_e, a0);
        a1 = smlad(xa_e, wb_e, a1);
        a2 = smlad(xb_e, wa_e, a2);
        a3 = smlad(xb_e, wb_e, a3);
        let (xa_o, xb_o, wa_o, wb_o) = (sxtb16_ror8(xa), sxtb16_ror8(xb), sxtb16_ror8(wa), sxtb16_ror8(wb));
        a0 = smlad(xa_o, wa_o, a0);
        a1 = smlad(xa_o, wb_o, a1);
        a2 = smlad(xb_o, wa_o, a2);
        a3 = smlad(xb_o, wb_o, a3);
    }
    if !ta.is_empty() {
        let r = ta.len();
        let (wa, wb) = (window(w, body, r), window(w, body + r, r));
        (a0, a1, a2, a3) = (dot_tail(a0, ta, wa), dot_tail(a1, ta, wb), dot_tail(a2, tb, wa), dot_tail(a3, tb, wb));
    }
    *acc = [a0, a1, a2, a3];
}

/// [`dot_2x2`] for one input row: `acc[0] += x·w0`, `acc[1] += x·w1`.
#[inline(always)]
pub(crate) fn dot_1x2(acc: &mut [i32; 2], x: &[u8], w: &[u8]) {
    let mut a = *acc;
    let t = x.chunks_exact(4).remainder();
    let n = x.len() - t.len();
    // Two words per iteration: with two accumulators there are registers to spare, and the
    // loop's own instructions are paid once per 16 products.
    let (x8, w16) = (window(x, 0, n).chunks_exact(8), window(w, 0, 2 * n).chunks_exact(16));
    let (rx, rw) = (x8.remainder(), w16.remainder());
    for (w16, x8) in w16.zip(x8) {
        step_1x2(&mut a, word(x8.get(..4).unwrap_or(&[])), w16.get(..8).map_or((0, 0), words));
        step_1x2(&mut a, word(x8.get(4..).unwrap_or(&[])), w16.get(8..).map_or((0, 0), words));
    }
    if !rx.is_empty() {
        step_1x2(&mut a, word(rx), words(rw));
    }
    if !t.is_empty() {
        let r = t.len();
        let [a0, a1] = a;
        a = [dot_tail(a0, t, window(w, 2 * n, r)), dot_tail(a1, t, window(w, 2 * n + r, r))];
    }
    *acc = a;
}

/// One input word times one word of each of two interleaved filter rows `(wa, wb)`.
#[inline(always)]
fn step_1x2([a0, a1]: &mut [i32; 2], x: u32, (wa, wb): (u32, u32)) {
    let (x_e, x_o) = (sxtb16(x), sxtb16_ror8(x));
    *a0 = smlad(x_e, sxtb16(wa), smlad(x_o, sxtb16_ror8(wa), *a0));
    *a1 = smlad(x_e, sxtb16(wb), smlad(x_o, sxtb16_ror8(wb), *a1));
}

/// `acc + Σ x·w` over two plain int8 rows of one length (wrapping).
#[inline(always)]
pub(crate) fn dot_1x1(acc: i32, x: &[u8], w: &[u8]) -> i32 {
    let mut a = acc;
    let (xs, ws) = (x.chunks_exact(4), w.chunks_exact(4));
    let tails = (xs.remainder(), ws.remainder());
    for (x, w) in xs.zip(ws) {
        let (x, w) = (word(x), word(w));
        a = smlad(sxtb16(x), sxtb16(w), smlad(sxtb16_ror8(x), sxtb16_ror8(w), a));
    }
    dot_tail(a, tails.0, tails.1)
}

/// Byte `j` of the row of channel `ch` (0 or 1) in an interleaved row pair of `len` bytes per
/// channel, as i32.
#[inline(always)]
fn pair_byte(pair: &[u8], len: usize, ch: usize, j: usize) -> i32 {
    let body = len / 4 * 4;
    let at = if j < body { (j / 4) * 8 + ch * 4 + j % 4 } else { 2 * body + ch * (len - body) + (j - body) };
    pair.get(at).map_or(0, |&b| i32::from(b as i8))
}

/// OHWI `[out_c][k_h][L]` (`L = k_w · in_c`) → the layout [`conv2d_s8_dsp`] reads (see the
/// module docs). Used by the tests; the compiler lays filters out with the same loops.
pub fn pack_filter_dsp(ohwi: &[u8], out_c: usize, k_h: usize, row_len: usize) -> impl Iterator<Item = u8> + '_ {
    let f_len = k_h * row_len;
    let body = row_len / 4 * 4;
    let byte = move |c: usize, ky: usize, j: usize| ohwi.get(c * f_len + ky * row_len + j).copied().unwrap_or(0);
    (0..out_c.div_ceil(2)).flat_map(move |pair| {
        let c = 2 * pair;
        let two = c + 1 < out_c;
        (0..k_h).flat_map(move |ky| {
            let interleaved = (0..if two { 2 * body } else { 0 }).map(move |i| byte(c + (i / 4) % 2, ky, (i / 8) * 4 + i % 4));
            let tails = (0..if two { 2 * (row_len - body) } else { 0 }).map(move |i| byte(c + i / (row_len - body), ky, body + i % (row_len - body)));
            let single = (0..if two { 0 } else { row_len }).map(move |j| byte(c, ky, j));
            interleaved.chain(tails).chain(single)
        })
    })
}

/// CONV_2D int8 with SMLAD over a filter laid out by [`pack_filter_dsp`] (see the module docs);
/// same params and result as [`super::conv2d_s8`] on the OHWI filter.
///
/// `ROW` is 0 or the filter row length `k_w · in_c` as a constant, which the compiler gives for
/// short rows (up to [`MAX_CONST_ROW`] bytes), where the loop bookkeeping of a run-time length
/// would cost as much as the multiply-accumulates; the rows then unroll.
///
/// A dispatcher: the kernels it picks are out of line, so neither one's frame sits under the
/// other's.
#[inline(never)]
pub fn conv2d_s8_dsp<const ROW: usize>(p: &Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let constant = ROW > 0 && ROW == p.kernel[1] * p.input[3];
    if pointwise_shape(p) && constant {
        return pointwise_layer::<ROW>(p, input, filter, output);
    }
    if constant && ROW <= MAX_CONST_ROW {
        return conv2d_s8_dsp_any::<ROW, false>(p, input, filter, output);
    }
    conv2d_s8_dsp_any::<0, false>(p, input, filter, output)
}

/// [`conv2d_s8_dsp`] for an input depth divisible by four that is not a 1×1 stride-1 layer (the
/// compiler sends those to [`conv2d_s8_dsp_pointwise`]): the same kernel, linked without what
/// such a layer never runs, the run-time-depth pointwise kernel and the border code for other
/// depths (`border_pixel_short`, `border_pixel`): about 7 KB of flash on ResNet-8, whose
/// every 3×3 layer past the first has 16, 32 or 64 channels. Same instructions per pixel as
/// [`conv2d_s8_dsp`]. For an input depth not divisible by four it leaves the output untouched
/// (the compiler never calls it so).
#[inline(never)]
pub fn conv2d_s8_dsp_words<const ROW: usize>(p: &Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    if p.input[3] % 4 != 0 {
        return;
    }
    if ROW > 0 && ROW == p.kernel[1] * p.input[3] && ROW <= MAX_CONST_ROW {
        return conv2d_s8_dsp_any::<ROW, true>(p, input, filter, output);
    }
    conv2d_s8_dsp_any::<0, true>(p, input, filter, output)
}

/// A 1×1, stride-1, unpadded layer (output the input's size): what the pointwise kernels take.
#[inline(always)]
fn pointwise_shape(p: &Conv2dParams) -> bool {
    // Height and width compared one by one: a slice comparison (`input[1..3] == output[1..3]`)
    // is a `memcmp` call on the Cortex-M, which linked `memcmp` (116 B) for this check alone.
    let same_size = p.input[1] == p.output[1] && p.input[2] == p.output[2];
    p.kernel == [1, 1] && p.stride == [1, 1] && p.pad == [0, 0] && same_size
}

/// [`conv2d_s8_dsp`] for a 1×1, stride-1, unpadded layer whose depth `C` (a multiple of four)
/// the compiler knows: the pointwise kernel alone. Called through [`conv2d_s8_dsp`], a model
/// whose convolutions are all 1×1 (person_detect, every MobileNet but the stem) still linked
/// the general kernel and its border code for each depth, about 20 KB of flash it never ran.
/// For any other shape it leaves the output untouched (the compiler never calls it so).
/// Inlined: the generated code passes constant params, so the shape check folds away and the
/// call site calls `pointwise_layer` directly (out of line, one per depth); as its own
/// function it was 114 bytes per depth (person_detect −584 B, MobileNetV2 −1.1 KB).
#[inline]
pub fn conv2d_s8_dsp_pointwise<const C: usize>(p: &Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    if C % 4 == 0 && C == p.input[3] && pointwise_shape(p) {
        pointwise_layer::<C>(p, input, filter, output);
    }
}

/// A 1×1 layer of constant depth `ROW` with its output stage, out of line: when this was the
/// body of an out-of-line [`conv2d_s8_dsp`], its frame (a few hundred bytes of spilled loop
/// state) sat under [`conv2d_s8_dsp_any`]'s on every other layer's call. A depth divisible by
/// four goes to [`pointwise_depth`] (channel pairs outside, blocked depth; person_detect on the
/// M4: 4.00 → 3.06 instructions per MAC at depth 8, 2.76 → 1.89 at 32, 1.94 → 1.51 at 128),
/// except depth 8, which goes to [`pointwise_short`] (2.87 → 1.96);
/// other depths (up to [`MAX_CONST_ROW`]) to [`pointwise_always`].
#[inline(never)]
fn pointwise_layer<const ROW: usize>(p: &Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let stage = OutputStage::new_out_of_line(p.requant, p.output_zero_point, p.act_min, p.act_max, false);
    // Depth 8 goes one pixel against blocks of channels widened on the stack (`pointwise_short`);
    // on Helium `pointwise_depth`'s depth loop is one instruction per 16 bytes.
    if ROW == 8 && !cfg!(kiln_arm_mve) {
        return pointwise_short::<8, 4, 16>(p, &stage, input, filter, output);
    }
    if ROW % 4 == 0 {
        return pointwise_depth::<ROW>(p, &stage, input, filter, output);
    }
    pointwise_always::<ROW>(p, &stage, input, filter, output)
}

/// Longest filter row (`k_w · in_c` bytes) the compiler passes to [`conv2d_s8_dsp`] as a
/// constant.
pub const MAX_CONST_ROW: usize = 32;

/// [`conv2d_s8_dsp`] for any shape; `ROW`: the row length as a constant, or 0 (from `p`);
/// `WORDS`: the input depth is divisible by four (checked by the caller, [`conv2d_s8_dsp_words`]),
/// so a border pixel always takes [`border_pixel_words`] and a 1×1 stride-1 layer (which the
/// compiler never sends here then) the general loop.
#[inline(never)]
fn conv2d_s8_dsp_any<const ROW: usize, const WORDS: bool>(p: &Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let [batches, in_h, in_w, in_c] = p.input;
    let [_, out_h, out_w, out_c] = p.output;
    let [k_h, k_w] = p.kernel;
    let [stride_h, stride_w] = p.stride;
    let [dil_h, dil_w] = p.dilation;
    let [pad_h, pad_w] = p.pad;
    let row_len = if ROW > 0 { ROW } else { k_w * in_c };
    let f_len = k_h * row_len;
    if dil_w != 1 || out_c == 0 || p.requant.is_empty() || filter.len() != out_c * f_len {
        // Not a layout this kernel reads (the compiler never calls it so).
        return;
    }
    let stage = OutputStage::new(p.requant, p.output_zero_point, p.act_min, p.act_max);
    // (With a constant row, `conv2d_s8_dsp` has sent 1×1 layers to `pointwise::<ROW>` already.)
    if ROW == 0 && !WORDS && pointwise_shape(p) {
        return pointwise::<0>(p, &stage, input, filter, output);
    }
    let in_row = in_w * in_c;
    let in_img = in_h * in_row;
    let out_row_len = out_w * out_c;
    let (ox_lo, ox_hi) = interior_range(in_w, pad_w, k_w, 1, stride_w, out_w);
    // The interleaved rows of channels `c`, `c + 1` for filter row `ky` (`c` even, `c + 1 < out_c`).
    let pair_row = |c: usize, ky: usize| window(filter, c * f_len + ky * 2 * row_len, 2 * row_len);
    // The OHWI row of an odd last channel `c`.
    let single_row = |c: usize, ky: usize| window(filter, c * f_len + ky * row_len, row_len);
    let bias = |c: usize| p.bias.get(c).copied().unwrap_or(0);
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
                    let Some((px0, px1)) = window_mut(out_row, ox * out_c, 2 * out_c).split_at_mut_checked(out_c) else {
                        return;
                    };
                    let mut c = 0;
                    while c + 2 <= out_c {
                        let mut acc = [bias(c), bias(c + 1), bias(c), bias(c + 1)];
                        for ky in 0..k_h {
                            dot_2x2(&mut acc, segment(ky, ox), segment(ky, ox + 1), pair_row(c, ky));
                        }
                        let (r0, r1) = (rq_at(p.requant, c), rq_at(p.requant, c + 1));
                        if let (Some([o0, o1]), Some([o2, o3])) = (px0.get_mut(c..c + 2), px1.get_mut(c..c + 2)) {
                            *o0 = stage.apply(acc[0], r0);
                            *o1 = stage.apply(acc[1], r1);
                            *o2 = stage.apply(acc[2], r0);
                            *o3 = stage.apply(acc[3], r1);
                        }
                        c += 2;
                    }
                    if c < out_c {
                        // The odd last channel (plain rows): two pixels of one filter row.
                        let (mut a0, mut a1) = (bias(c), bias(c));
                        for ky in 0..k_h {
                            a0 = dot_1x1(a0, segment(ky, ox), single_row(c, ky));
                            a1 = dot_1x1(a1, segment(ky, ox + 1), single_row(c, ky));
                        }
                        let r = rq_at(p.requant, c);
                        if let (Some(o0), Some(o1)) = (px0.get_mut(c), px1.get_mut(c)) {
                            *o0 = stage.apply(a0, r);
                            *o1 = stage.apply(a1, r);
                        }
                    }
                    ox += 2;
                } else if interior {
                    // One interior pixel (odd width): channel pairs.
                    let px = window_mut(out_row, ox * out_c, out_c);
                    let mut c = 0;
                    while c + 2 <= out_c {
                        let mut acc = [bias(c), bias(c + 1)];
                        for ky in 0..k_h {
                            dot_1x2(&mut acc, segment(ky, ox), pair_row(c, ky));
                        }
                        if let Some([o0, o1]) = px.get_mut(c..c + 2) {
                            *o0 = stage.apply(acc[0], rq_at(p.requant, c));
                            *o1 = stage.apply(acc[1], rq_at(p.requant, c + 1));
                        }
                        c += 2;
                    }
                    if c < out_c {
                        let mut a = bias(c);
                        for ky in 0..k_h {
                            a = dot_1x1(a, segment(ky, ox), single_row(c, ky));
                        }
                        if let Some(o) = px.get_mut(c) {
                            *o = stage.apply(a, rq_at(p.requant, c));
                        }
                    }
                    ox += 1;
                } else {
                    let out_px = window_mut(out_row, ox * out_c, out_c);
                    if WORDS || in_c % 4 == 0 {
                        border_pixel_words(p, &stage, image, filter, rows, ox, out_px);
                    } else if row_len <= SHORT_ROW {
                        border_pixel_short(p, &stage, image, filter, rows, ox, out_px);
                    } else {
                        border_pixel(p, &stage, image, filter, oy, ox, out_px);
                    }
                    ox += 1;
                }
            }
        }
    }
}

/// A 1×1, stride-1, unpadded CONV_2D: a matrix product over every pixel of the batch (pixels
/// paired across rows), with the least work per output group.
/// `ROW`: the input depth (a 1×1 filter's row) as a constant, or 0 (read from `p`).
///
/// Defined twice from one body ([`pointwise_kernel!`]): `pointwise` (inlined by the optimizer's
/// judgement into [`conv2d_s8_dsp_any`], for a run-time depth) and `pointwise_always`
/// (`#[inline(always)]`, into [`pointwise_layer`], for a constant depth): the two attributes
/// give the fewest instructions on their paths (measured on the M4), and the out-of-line
/// [`pointwise_layer`] keeps the latter's frame off the stack of every other layer.
macro_rules! pointwise_kernel {
    ($(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        fn $name<const ROW: usize>(p: &Conv2dParams, stage: &OutputStage, input: &[u8], filter: &[u8], output: &mut [u8]) {
            let in_c = if ROW > 0 { ROW } else { p.input[3] };
            let out_c = p.output[3];
            if in_c == 0 || out_c == 0 {
                return;
            }
            let pairs = out_c / 2;
            let (pair_w, odd_w) = (window(filter, 0, 2 * pairs * in_c), filter.get(2 * pairs * in_c..).unwrap_or(&[]));
            let bias = |c: usize| p.bias.get(c).copied().unwrap_or(0);
            let mut out_px = output.chunks_exact_mut(out_c);
            let mut in_px = input.chunks_exact(in_c);
            loop {
                let (Some(x0), Some(o0)) = (in_px.next(), out_px.next()) else {
                    return;
                };
                match (in_px.next(), out_px.next()) {
                    (Some(x1), Some(o1)) => {
                        let groups = pair_w.chunks_exact(2 * in_c).zip(o0.chunks_exact_mut(2).zip(o1.chunks_exact_mut(2)));
                        for (c2, (w, (oa, ob))) in groups.enumerate() {
                            let c = 2 * c2;
                            let mut acc = [bias(c), bias(c + 1), bias(c), bias(c + 1)];
                            dot_2x2(&mut acc, x0, x1, w);
                            let (r0, r1) = (rq_at(p.requant, c), rq_at(p.requant, c + 1));
                            if let ([a, b], [d, e]) = (oa, ob) {
                                *a = stage.apply(acc[0], r0);
                                *b = stage.apply(acc[1], r1);
                                *d = stage.apply(acc[2], r0);
                                *e = stage.apply(acc[3], r1);
                            }
                        }
                        if let (Some(a), Some(b)) = (o0.get_mut(2 * pairs), o1.get_mut(2 * pairs)) {
                            let r = rq_at(p.requant, 2 * pairs);
                            *a = stage.apply(dot_1x1(bias(2 * pairs), x0, odd_w), r);
                            *b = stage.apply(dot_1x1(bias(2 * pairs), x1, odd_w), r);
                        }
                    }
                    _ => {
                        // The last pixel of an odd count.
                        for (c2, (w, oa)) in pair_w.chunks_exact(2 * in_c).zip(o0.chunks_exact_mut(2)).enumerate() {
                            let c = 2 * c2;
                            let mut acc = [bias(c), bias(c + 1)];
                            dot_1x2(&mut acc, x0, w);
                            if let [a, b] = oa {
                                *a = stage.apply(acc[0], rq_at(p.requant, c));
                                *b = stage.apply(acc[1], rq_at(p.requant, c + 1));
                            }
                        }
                        if let Some(a) = o0.get_mut(2 * pairs) {
                            *a = stage.apply(dot_1x1(bias(2 * pairs), x0, odd_w), rq_at(p.requant, 2 * pairs));
                        }
                        return;
                    }
                }
            }
        }
    };
}
pointwise_kernel!(pointwise);
pointwise_kernel!(#[inline(always)] pointwise_always);

/// `acc[j] += Σ v · w_j` for a constant input word `v` (four copies of the input zero point)
/// over an interleaved row pair `w` (whole words only): the padded taps of a border pixel.
#[inline(always)]
fn dot_1x2_const(acc: &mut [i32; 2], v: u32, w: &[u8]) {
    let (v_e, v_o) = (sxtb16(v), sxtb16_ror8(v));
    let [mut a0, mut a1] = *acc;
    for w8 in w.chunks_exact(8) {
        let (wa, wb) = words(w8);
        a0 = smlad(v_e, sxtb16(wa), smlad(v_o, sxtb16_ror8(wa), a0));
        a1 = smlad(v_e, sxtb16(wb), smlad(v_o, sxtb16_ror8(wb), a1));
    }
    *acc = [a0, a1];
}

/// One output pixel with a tap in the padding, for an input depth divisible by four: a filter
/// row's real taps are then one run of whole words in the packed layout, so the pair kernel runs
/// over them and a constant zero-point word over the padded ones.
#[inline(never)]
fn border_pixel_words(p: &Conv2dParams, stage: &OutputStage, image: &[u8], filter: &[u8], rows: (usize, usize, isize), ox: usize, out_px: &mut [u8]) {
    let [_, _, in_w, in_c] = p.input;
    let [k_h, k_w] = p.kernel;
    let row_len = k_w * in_c;
    let f_len = k_h * row_len;
    let (ky0, ky1, iy_origin) = rows;
    let (kx0, kx1, ix_origin) = tap_range(ox, p.stride[1], p.pad[1], 1, k_w, in_w);
    let zp = p.input_zero_point;
    let zp_word = u32::from(zp as u8) * 0x0101_0101;
    // Bytes `lo..hi` of each filter row meet real input.
    let (lo, hi) = (kx0 * in_c, kx1 * in_c);
    let x_row = |ky: usize| {
        if lo < hi && (ky0..ky1).contains(&ky) {
            let iy = (iy_origin + (ky * p.dilation[0]) as isize) as usize;
            let ix = (ix_origin + kx0 as isize) as usize;
            window(image, (iy * in_w + ix) * in_c, hi - lo)
        } else {
            &[]
        }
    };
    let bias = |c: usize| p.bias.get(c).copied().unwrap_or(0);
    for (g, out) in out_px.chunks_mut(2).enumerate() {
        let c = 2 * g;
        if let [o0, o1] = out {
            let mut acc = [bias(c), bias(c + 1)];
            for ky in 0..k_h {
                let w = window(filter, c * f_len + ky * 2 * row_len, 2 * row_len);
                let x = x_row(ky);
                if x.is_empty() {
                    if zp != 0 {
                        dot_1x2_const(&mut acc, zp_word, w);
                    }
                    continue;
                }
                dot_1x2(&mut acc, x, window(w, 2 * lo, 2 * (hi - lo)));
                if zp != 0 {
                    dot_1x2_const(&mut acc, zp_word, window(w, 0, 2 * lo));
                    dot_1x2_const(&mut acc, zp_word, w.get(2 * hi..).unwrap_or(&[]));
                }
            }
            *o0 = stage.apply(acc[0], rq_at(p.requant, c));
            *o1 = stage.apply(acc[1], rq_at(p.requant, c + 1));
        } else if let [o] = out {
            // The odd last channel keeps its plain rows: tap by tap (one channel of a border
            // pixel; the word kernels' code for it took 1 KB of flash).
            let mut a = bias(c);
            for ky in 0..k_h {
                let (w, x) = (window(filter, c * f_len + ky * row_len, row_len), x_row(ky));
                for (j, &v) in w.iter().enumerate() {
                    let xv = j.checked_sub(lo).and_then(|i| x.get(i)).map_or(zp, |&b| i32::from(b as i8));
                    a = a.wrapping_add(i32::from(v as i8).wrapping_mul(xv));
                }
            }
            *o = stage.apply(a, rq_at(p.requant, c));
        }
    }
}

/// Longest filter row (`k_w · in_c` bytes) [`border_pixel_short`] copies to the stack.
const SHORT_ROW: usize = 64;

/// One output pixel with a tap in the padding, for a short filter row whose depth is not a
/// multiple of four (first layers: one or three input channels): each input row is copied
/// into a small buffer with the zero point in the padded taps, then runs through the pair
/// kernel like an interior pixel.
#[inline(never)]
fn border_pixel_short(p: &Conv2dParams, stage: &OutputStage, image: &[u8], filter: &[u8], rows: (usize, usize, isize), ox: usize, out_px: &mut [u8]) {
    let [_, _, in_w, in_c] = p.input;
    let [k_h, k_w] = p.kernel;
    let row_len = k_w * in_c;
    let f_len = k_h * row_len;
    let (ky0, ky1, iy_origin) = rows;
    let (kx0, kx1, ix_origin) = tap_range(ox, p.stride[1], p.pad[1], 1, k_w, in_w);
    let zp = p.input_zero_point as u8;
    let mut buf = [0u8; SHORT_ROW];
    let Some(x) = buf.get_mut(..row_len) else {
        return;
    };
    let bias = |c: usize| p.bias.get(c).copied().unwrap_or(0);
    for (g, out) in out_px.chunks_mut(2).enumerate() {
        let c = 2 * g;
        let mut acc = [bias(c), bias(c + 1)];
        for ky in 0..k_h {
            // This row's input with the zero point in its padded taps.
            x.fill(zp);
            if (ky0..ky1).contains(&ky) && kx0 < kx1 {
                let iy = (iy_origin + (ky * p.dilation[0]) as isize) as usize;
                let ix = (ix_origin + kx0 as isize) as usize;
                let real = window(image, (iy * in_w + ix) * in_c, (kx1 - kx0) * in_c);
                if let Some(dst) = x.get_mut(kx0 * in_c..kx1 * in_c) {
                    if dst.len() == real.len() {
                        dst.copy_from_slice(real);
                    }
                }
            }
            if out.len() == 2 {
                dot_1x2(&mut acc, x, window(filter, c * f_len + ky * 2 * row_len, 2 * row_len));
            } else {
                acc[0] = dot_1x1(acc[0], x, window(filter, c * f_len + ky * row_len, row_len));
            }
        }
        for (j, (o, &a)) in out.iter_mut().zip(&acc).enumerate() {
            *o = stage.apply(a, rq_at(p.requant, c + j));
        }
    }
}

/// One output pixel with a tap in the padding, tap by tap over the packed layout (padded taps
/// read the input zero point). Out of line: few pixels take it.
#[inline(never)]
fn border_pixel(p: &Conv2dParams, stage: &OutputStage, image: &[u8], filter: &[u8], oy: usize, ox: usize, out_px: &mut [u8]) {
    let [_, in_h, in_w, in_c] = p.input;
    let out_c = p.output[3];
    let [k_h, k_w] = p.kernel;
    let row_len = k_w * in_c;
    let f_len = k_h * row_len;
    let iy0 = (oy * p.stride[0]) as isize - p.pad[0] as isize;
    let ix0 = (ox * p.stride[1]) as isize - p.pad[1] as isize;
    for (c, o) in out_px.iter_mut().enumerate() {
        let (base, ch, paired) = if c % 2 == 0 && c + 1 < out_c { (c * f_len, 0, true) } else if c % 2 == 1 { ((c - 1) * f_len, 1, true) } else { (c * f_len, 0, false) };
        let mut acc = p.bias.get(c).copied().unwrap_or(0);
        for ky in 0..k_h {
            let iy = iy0 + (ky * p.dilation[0]) as isize;
            let row = if paired { window(filter, base + ky * 2 * row_len, 2 * row_len) } else { window(filter, base + ky * row_len, row_len) };
            for j in 0..row_len {
                let w = if paired { pair_byte(row, row_len, ch, j) } else { row.get(j).map_or(0, |&b| i32::from(b as i8)) };
                let (col, ch) = (j.checked_div(in_c).unwrap_or(0), j.checked_rem(in_c).unwrap_or(0));
                let ix = ix0 + col as isize;
                let inside = iy >= 0 && (iy as usize) < in_h && ix >= 0 && (ix as usize) < in_w;
                let x = if inside { image.get((iy as usize * in_w + ix as usize) * in_c + ch).map_or(0, |&b| i32::from(b as i8)) } else { p.input_zero_point };
                acc = acc.wrapping_add(x.wrapping_mul(w));
            }
        }
        *o = stage.apply(acc, rq_at(p.requant, c));
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::conv2d_s8;
    use super::super::testing::conv_case;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    /// Same bytes as the OHWI kernel (itself checked against a naive TFLM-style convolution and
    /// against TFLM on the zoo), with the plain-Rust twins of SMLAD/SXTB16 on the host (the
    /// instructions themselves are compared with the twins on the target), over random shapes:
    /// row lengths with and without a remainder of 4 bytes, odd widths and channel counts,
    /// strides, row dilations, paddings, zero points, per-tensor/per-channel.
    #[test]
    fn conv_dsp_matches_the_ohwi_kernel() {
        let mut rng = Rng::new(0xd59);
        for case in 0..3000 {
            let ic = if case % 4 == 0 { 4 * rng.usize(1, 6) } else { rng.usize(1, 13) };
            let oc = rng.usize(1, 9);
            let (kh, kw) = if case % 3 == 0 { (1, 1) } else { (rng.usize(1, 4), rng.usize(1, 4)) };
            // Contiguous rows only (the compiler's condition for this kernel).
            let dilation = if rng.usize(0, 4) == 0 { [rng.usize(1, 3), 1] } else { [1, 1] };
            let (p, input, filter) = conv_case(&mut rng, ic, oc, [kh, kw], dilation, case % 3 == 1);
            let mut want = vec![0u8; p.output.iter().product()];
            conv2d_s8(&p, &input, &filter, &mut want);
            let mut got = vec![0u8; want.len()];
            let packed: Vec<u8> = pack_filter_dsp(&filter, oc, kh, kw * ic).collect();
            assert_eq!(packed.len(), filter.len());
            conv2d_s8_dsp::<0>(&p, &input, &packed, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
            if kw * ic <= MAX_CONST_ROW {
                // The constant-row instantiations the compiler emits for short rows.
                got.fill(0);
                match kw * ic {
                    1 => conv2d_s8_dsp::<1>(&p, &input, &packed, &mut got),
                    3 => conv2d_s8_dsp::<3>(&p, &input, &packed, &mut got),
                    4 => conv2d_s8_dsp::<4>(&p, &input, &packed, &mut got),
                    6 => conv2d_s8_dsp::<6>(&p, &input, &packed, &mut got),
                    8 => conv2d_s8_dsp::<8>(&p, &input, &packed, &mut got),
                    9 => conv2d_s8_dsp::<9>(&p, &input, &packed, &mut got),
                    12 => conv2d_s8_dsp::<12>(&p, &input, &packed, &mut got),
                    _ => conv2d_s8_dsp::<0>(&p, &input, &packed, &mut got),
                }
            }
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }

    /// The entry point for input depths divisible by four (no pointwise fallback, word borders
    /// only) equals the OHWI kernel on such layers, constant rows included, and leaves the output
    /// alone for another depth.
    #[test]
    fn the_word_depth_entry_point_matches_and_declines_other_depths() {
        let mut rng = Rng::new(0xd5b);
        for case in 0..1500 {
            let words = case % 5 != 0;
            let ic = if words { 4 * rng.usize(1, 9) } else { 4 * rng.usize(0, 4) + rng.usize(1, 3) };
            let oc = rng.usize(1, 9);
            let (kh, kw) = (rng.usize(1, 4), rng.usize(1, 4));
            let dilation = if rng.usize(0, 4) == 0 { [rng.usize(1, 3), 1] } else { [1, 1] };
            let (p, input, filter) = conv_case(&mut rng, ic, oc, [kh, kw], dilation, case % 3 == 1);
            let mut want = vec![0u8; p.output.iter().product()];
            conv2d_s8(&p, &input, &filter, &mut want);
            let packed: Vec<u8> = pack_filter_dsp(&filter, oc, kh, kw * ic).collect();
            let mut got = vec![0x5au8; want.len()];
            match kw * ic {
                4 => conv2d_s8_dsp_words::<4>(&p, &input, &packed, &mut got),
                8 => conv2d_s8_dsp_words::<8>(&p, &input, &packed, &mut got),
                12 => conv2d_s8_dsp_words::<12>(&p, &input, &packed, &mut got),
                16 => conv2d_s8_dsp_words::<16>(&p, &input, &packed, &mut got),
                24 => conv2d_s8_dsp_words::<24>(&p, &input, &packed, &mut got),
                32 => conv2d_s8_dsp_words::<32>(&p, &input, &packed, &mut got),
                _ => conv2d_s8_dsp_words::<0>(&p, &input, &packed, &mut got),
            }
            if words {
                assert_eq!(got, want, "case {case}: {p:?}");
            } else {
                assert!(got.iter().all(|&b| b == 0x5a), "case {case}: wrote a depth it does not take");
            }
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
            let pair: Vec<u8> = pack_filter_dsp(&[w0.as_slice(), w1.as_slice()].concat(), 2, 1, len).collect();
            let mut a4 = [acc0; 4];
            dot_2x2(&mut a4, x0, x1, &pair);
            assert_eq!(a4, [plain(x0, w0, acc0), plain(x0, w1, acc0), plain(x1, w0, acc0), plain(x1, w1, acc0)]);
            let mut a2 = [acc0; 2];
            dot_1x2(&mut a2, x0, &pair);
            assert_eq!(a2, [plain(x0, w0, acc0), plain(x0, w1, acc0)]);
            assert_eq!(dot_1x1(acc0, x1, w1), plain(x1, w1, acc0));
        }
    }
}
