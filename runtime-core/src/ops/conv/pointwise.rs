//! CONV_2D 1×1 (pointwise) on the Arm DSP extension for an input depth `C` known at compile
//! time and divisible by four: the hot loop of MobileNet-style models.
//!
//! Same filter layout and arithmetic as [`super::dsp`] (channel pairs interleaved word by word,
//! folded bias, TFLM's output stage). What differs is how the inner loop is written, for the
//! register file: a Cortex-M has 12 allocatable registers beside the frame pointer, and a
//! 2 pixel × 2 channel block needs 4 accumulators, so the loop bookkeeping must fit in what
//! the widened operands leave. Here
//!
//! * the two pixels are one slice of `2C` bytes, so the second pixel's words sit at the constant
//!   offset `C` from the first's (no second pointer);
//! * the depth is walked in blocks of [`block_words`] words, written out, every load at a
//!   constant offset from one input and one filter pointer (no counter or end register inside a
//!   block);
//! * within a step, both input words are widened to their even/odd pairs first and then each
//!   filter word is widened and used at once: six temporaries at most;
//! * channel pairs outside, pixel pairs inside, so a channel pair's bias and requantization
//!   terms are computed once per layer, not once per pixel pair.

use super::super::window;
use super::dsp::{dot_1x1, dot_1x2};
use super::{rq_at, word, Conv2dParams, OutputStage};
use crate::arch::arm_dsp::{smlad, sxtb16, sxtb16_ror8};

/// Words (of four input bytes) per unrolled block of the depth loop: the largest of 16, 8, 4, 2,
/// 1 that divides `c / 4`. A 16-word block is about 1.3 KB of code. When one block is the whole
/// depth (up to 64 bytes), LLVM also widens the channel pair's filter row once for all pixels
/// (hoisted out of the pixel loop, kept on the stack: a 492-byte frame at depth 64). Blocks of
/// 32 words would do the same at depth 128 (1.60 → 1.44 instructions per MAC on the M4 when
/// measured with pixels outside) but the frame then took person_detect over the 1 KiB stack
/// budget in patched stages (1032 B).
pub(crate) const fn block_words(c: usize) -> usize {
    let w = c / 4;
    if w % 16 == 0 {
        16
    } else if w % 8 == 0 {
        8
    } else if w % 4 == 0 {
        4
    } else if w % 2 == 0 {
        2
    } else {
        1
    }
}

/// One word of depth for two pixels × two channels: input words `xa`, `xb` (pixels 0, 1), filter
/// words `wa`, `wb` (channels 0, 1); `acc` as in [`super::dsp::dot_2x2`].
#[inline(always)]
fn step(acc: &mut [i32; 4], xa: u32, xb: u32, wa: u32, wb: u32) {
    let [a0, a1, a2, a3] = acc;
    let (xa_e, xa_o, xb_e, xb_o) = (sxtb16(xa), sxtb16_ror8(xa), sxtb16(xb), sxtb16_ror8(xb));
    let (wa_e, wa_o) = (sxtb16(wa), sxtb16_ror8(wa));
    *a0 = smlad(xa_o, wa_o, smlad(xa_e, wa_e, *a0));
    *a2 = smlad(xb_o, wa_o, smlad(xb_e, wa_e, *a2));
    let (wb_e, wb_o) = (sxtb16(wb), sxtb16_ror8(wb));
    *a1 = smlad(xa_o, wb_o, smlad(xa_e, wb_e, *a1));
    *a3 = smlad(xb_o, wb_o, smlad(xb_e, wb_e, *a3));
}

/// `acc[0] += x0·w0`, `acc[1] += x0·w1`, `acc[2] += x1·w0`, `acc[3] += x1·w1` (wrapping) for two
/// pixels `x = x0 ‖ x1` (`2C` bytes) and one interleaved row pair `w` (`2C` bytes) of a filter
/// with `C % 4 == 0`.
#[inline(always)]
pub(crate) fn dot_2x2_depth<const C: usize>(acc: &mut [i32; 4], x: &[u8], w: &[u8]) {
    // Helium (Cortex-M55): sixteen depth steps per instruction (`super::helium`).
    #[cfg(kiln_arm_mve)]
    if C >= 16 || C == 8 {
        return super::helium::dot_2x2_depth::<C>(acc, x, w);
    }
    let bw = block_words(C);
    let span = 4 * bw;
    if x.len() != 2 * C || w.len() != 2 * C {
        return;
    }
    let mut a = *acc;
    for b in 0..C / span {
        let (x0, x1, wb) = (window(x, b * span, span), window(x, C + b * span, span), window(w, 2 * b * span, 2 * span));
        let at = |s: &[u8], k: usize| word(s.get(k..k + 4).unwrap_or(&[]));
        // Written out (LLVM does not unroll a loop over `asm!` blocks): the words of the block
        // at constant offsets.
        macro_rules! steps {
            ($($j:literal)*) => {$(
                if $j < bw {
                    step(&mut a, at(x0, 4 * $j), at(x1, 4 * $j), at(wb, 8 * $j), at(wb, 8 * $j + 4));
                }
            )*};
        }
        steps!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    }
    *acc = a;
}

/// A 1×1, stride-1, unpadded CONV_2D with the input depth `C` (`C % 4 == 0`) as a constant: per
/// pair of output channels, per pair of pixels, [`dot_2x2_depth`]; an odd last channel and an
/// odd last pixel go through the general helpers.
///
/// Channels outside, pixels inside: a channel pair's bias, requantization (its scale's shift and
/// rounding terms) and filter row stay put while the pixels stream past, so the per-block work
/// besides the dot products is the four output stages.
#[inline(always)]
pub(crate) fn pointwise_depth<const C: usize>(p: &Conv2dParams, stage: &OutputStage, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let out_c = p.output[3];
    if C == 0 || C % 4 != 0 || out_c == 0 || p.input[3] != C {
        return;
    }
    let pairs = out_c / 2;
    let (pair_w, odd_w) = (window(filter, 0, 2 * pairs * C), filter.get(2 * pairs * C..).unwrap_or(&[]));
    let bias = |c: usize| p.bias.get(c).copied().unwrap_or(0);
    // A pixel pair's output bytes; never 0 (`chunks_exact` would panic), whatever the wrap.
    let out2 = (2 * out_c).max(1);
    for (c2, w) in pair_w.chunks_exact(2 * C).enumerate() {
        let c = 2 * c2;
        let (b0, b1) = (bias(c), bias(c + 1));
        let (r0, r1) = (stage.channel(rq_at(p.requant, c)), stage.channel(rq_at(p.requant, c + 1)));
        for (x, o) in input.chunks_exact(2 * C).zip(output.chunks_exact_mut(out2)) {
            let mut acc = [b0, b1, b0, b1];
            dot_2x2_depth::<C>(&mut acc, x, w);
            let Some((o0, o1)) = o.split_at_mut_checked(out_c) else {
                return;
            };
            if let (Some([a, b]), Some([d, e])) = (o0.get_mut(c..c + 2), o1.get_mut(c..c + 2)) {
                *a = stage.apply_channel(acc[0], &r0);
                *b = stage.apply_channel(acc[1], &r1);
                *d = stage.apply_channel(acc[2], &r0);
                *e = stage.apply_channel(acc[3], &r1);
            }
        }
    }
    if out_c % 2 == 1 {
        odd_channel(p, stage, input, odd_w, output);
    }
    // The last pixel of an odd count.
    let (x_rest, o_rest) = (input.chunks_exact(2 * C).remainder(), output.chunks_exact_mut(out2).into_remainder());
    last_pixel(p, stage, x_rest, pair_w, o_rest);
}

/// The odd last output channel (plain OHWI row `w`) of every pixel, the last of an odd count
/// too. Out of line and not generic: one copy serves every depth (no MobileNet layer has an odd
/// channel count, so it is flash, not time: one pixel per dot, not two).
#[inline(never)]
fn odd_channel(p: &Conv2dParams, stage: &OutputStage, input: &[u8], w: &[u8], output: &mut [u8]) {
    let (in_c, out_c) = (p.input[3], p.output[3]);
    let c = out_c.saturating_sub(1);
    if in_c == 0 || out_c == 0 {
        return;
    }
    let (bias, r) = (p.bias.get(c).copied().unwrap_or(0), rq_at(p.requant, c));
    for (x, o) in input.chunks_exact(in_c).zip(output.chunks_exact_mut(out_c)) {
        if let Some(a) = o.get_mut(c) {
            *a = stage.apply(dot_1x1(bias, x, w), r);
        }
    }
}

/// The channel pairs of the last pixel `x0` of an odd pixel count (nothing for an empty one;
/// an odd last channel is [`odd_channel`]'s). Out of line and not generic: it runs once per
/// layer call.
#[inline(never)]
fn last_pixel(p: &Conv2dParams, stage: &OutputStage, x0: &[u8], pair_w: &[u8], o0: &mut [u8]) {
    let (in_c, out_c) = (p.input[3], p.output[3]);
    if in_c == 0 || x0.len() != in_c || o0.len() != out_c {
        return;
    }
    let bias = |c: usize| p.bias.get(c).copied().unwrap_or(0);
    for (c2, (w, oa)) in pair_w.chunks_exact(2 * in_c).zip(o0.chunks_exact_mut(2)).enumerate() {
        let c = 2 * c2;
        let mut acc = [bias(c), bias(c + 1)];
        dot_1x2(&mut acc, x0, w);
        if let [a, b] = oa {
            *a = stage.apply(acc[0], rq_at(p.requant, c));
            *b = stage.apply(acc[1], rq_at(p.requant, c + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{conv_case, pointwise_case, pointwise_oracle};
    use super::super::{conv2d_s8, conv2d_s8_dsp, pack_filter_dsp};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    /// The constant-depth pointwise kernel (through `conv2d_s8_dsp::<C>`, as the compiler calls
    /// it) against the OHWI kernel: every block size (depths of 1, 2, 4, 8 and 16-word
    /// multiples, one block and several), odd and even channel and pixel counts, batches, −128 everywhere
    /// (the largest products), per-tensor and per-channel requantization.
    #[test]
    fn pointwise_depth_matches_the_ohwi_kernel() {
        let mut rng = Rng::new(0x9d1);
        for case in 0..1900 {
            let depths = [4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 56, 64, 96, 128, 160, 192, 256];
            let ic = depths[case % depths.len()];
            let oc = rng.usize(1, 9);
            let (p, mut input, mut filter) = pointwise_case(&mut rng, ic, oc);
            let (want, packed) = pointwise_oracle(&p, &mut input, &mut filter, case % 7 == 0);
            let mut got = vec![0u8; want.len()];
            match ic {
                4 => conv2d_s8_dsp::<4>(&p, &input, &packed, &mut got),
                8 => conv2d_s8_dsp::<8>(&p, &input, &packed, &mut got),
                12 => conv2d_s8_dsp::<12>(&p, &input, &packed, &mut got),
                16 => conv2d_s8_dsp::<16>(&p, &input, &packed, &mut got),
                20 => conv2d_s8_dsp::<20>(&p, &input, &packed, &mut got),
                24 => conv2d_s8_dsp::<24>(&p, &input, &packed, &mut got),
                28 => conv2d_s8_dsp::<28>(&p, &input, &packed, &mut got),
                32 => conv2d_s8_dsp::<32>(&p, &input, &packed, &mut got),
                36 => conv2d_s8_dsp::<36>(&p, &input, &packed, &mut got),
                40 => conv2d_s8_dsp::<40>(&p, &input, &packed, &mut got),
                44 => conv2d_s8_dsp::<44>(&p, &input, &packed, &mut got),
                48 => conv2d_s8_dsp::<48>(&p, &input, &packed, &mut got),
                56 => conv2d_s8_dsp::<56>(&p, &input, &packed, &mut got),
                64 => conv2d_s8_dsp::<64>(&p, &input, &packed, &mut got),
                96 => conv2d_s8_dsp::<96>(&p, &input, &packed, &mut got),
                128 => conv2d_s8_dsp::<128>(&p, &input, &packed, &mut got),
                160 => conv2d_s8_dsp::<160>(&p, &input, &packed, &mut got),
                192 => conv2d_s8_dsp::<192>(&p, &input, &packed, &mut got),
                _ => conv2d_s8_dsp::<256>(&p, &input, &packed, &mut got),
            }
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }

    /// A constant depth on a layer that is not pointwise-shaped (stride 2, as a compiler passing
    /// the depth for a 1×1 layer might meet in a band): the general kernel runs, same bytes.
    #[test]
    fn a_constant_depth_off_the_pointwise_shape_falls_back() {
        let mut rng = Rng::new(0x9d2);
        for case in 0..200 {
            let oc = rng.usize(1, 6);
            let (mut p, input, filter) = conv_case(&mut rng, 64, oc, [1, 1], [1, 1], false);
            p.stride = [2, 2];
            p.output = [p.input[0], p.input[1].div_ceil(2), p.input[2].div_ceil(2), oc];
            let mut want = vec![0u8; p.output.iter().product()];
            conv2d_s8(&p, &input, &filter, &mut want);
            let packed: Vec<u8> = pack_filter_dsp(&filter, oc, 1, 64).collect();
            let mut got = vec![0u8; want.len()];
            conv2d_s8_dsp::<64>(&p, &input, &packed, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }

    /// The pointwise-only entry point the compiler calls for 1×1 layers equals the OHWI kernel,
    /// and leaves the output alone for a shape it does not take.
    #[test]
    fn the_pointwise_entry_point_matches_and_declines_other_shapes() {
        use super::super::conv2d_s8_dsp_pointwise;
        let mut rng = Rng::new(0x9d3);
        for case in 0..300 {
            let oc = rng.usize(1, 9);
            let (mut p, input, filter) = conv_case(&mut rng, 32, oc, [1, 1], [1, 1], false);
            let pointwise = case % 3 != 0;
            p.stride = if pointwise { [1, 1] } else { [2, 2] };
            p.output = [p.input[0], p.input[1].div_ceil(p.stride[0]), p.input[2].div_ceil(p.stride[1]), oc];
            let mut want = vec![0u8; p.output.iter().product()];
            conv2d_s8(&p, &input, &filter, &mut want);
            let packed: Vec<u8> = pack_filter_dsp(&filter, oc, 1, 32).collect();
            let mut got = vec![0x5au8; want.len()];
            conv2d_s8_dsp_pointwise::<32>(&p, &input, &packed, &mut got);
            if pointwise {
                assert_eq!(got, want, "case {case}: {p:?}");
            } else {
                assert!(got.iter().all(|&b| b == 0x5a), "case {case}: wrote a shape it does not take");
            }
        }
    }

    #[test]
    fn block_words_divide_the_depth() {
        for c in (4..=1024).step_by(4) {
            let b = block_words(c);
            assert!((1..=16).contains(&b) && (c / 4) % b == 0, "{c}");
        }
    }
}
