//! CONV_2D 1×1 (pointwise) on the Arm DSP extension for a short input depth `C` (8: the first
//! expansions of MobileNets), one pixel at a time against a block of output channels.
//!
//! At such a depth an output is only `C / 2` SMLAD, so what [`super::pointwise`]'s 2 pixel ×
//! 2 channel block spends around them dominates: per block eight SXTB16 for the input and eight
//! for the filter, four output stages whose channel terms come from memory, the loop's own state
//! (on the M4: 2.87 instructions per MAC at depth 8, against 1.4–1.9 for deeper 1×1 layers).
//! Here
//!
//! * a block of `B` output channels is laid out once per layer call on the stack, each channel
//!   one [`Lane`]: folded bias, its `C` filter bytes already widened by SXTB16, its output-stage
//!   terms (no filter widening per pixel, and no larger filter in flash);
//! * a pixel's `C` input bytes are widened once, into `C / 2` registers, and meet every lane of
//!   the block, written out (lanes at constant offsets, output bytes at constant offsets);
//!
//! so an output costs its SMLADs, its lane's loads (two LDMs), the five-instruction output
//! stage and a store: 1.94–1.96 instructions per MAC at depth 8 on the M4, for about 650 bytes
//! more flash than the kernel it replaces there. The code is generic in the depth; depth 16
//! (eight lanes per block, to keep the frame at 352 bytes) measured 1.92 → 1.85 for 700 bytes more
//! flash, and is left to [`super::pointwise`]. Same filter layout (channel pairs interleaved
//! word by word) and arithmetic as [`super::dsp`]: bit-exact with TFLM.

use core::cell::Cell;

use super::super::window;
use super::{rq_at, word, Conv2dParams, OutputStage};
use crate::arch::arm_dsp::{requantize_s8, smlad, sxtb16, sxtb16_ror8};

/// One output channel of a block: the folded bias, `W2 = C / 2` widened filter words (bytes 0, 2
/// then 1, 3 of each filter word, as [`widen`] gives the input) and the channel's output-stage
/// terms ([`OutputStage::channel`]), in the order the block loads them.
#[derive(Clone, Copy)]
#[repr(C)]
struct Lane<const W2: usize> {
    bias: i32,
    w: [u32; W2],
    m: i32,
    s: i32,
}

/// The even and odd halves (SXTB16, SXTB16 ROR #8) of each of `W2 / 2` words, in order.
#[inline(always)]
fn widen<const W2: usize>(words: impl Iterator<Item = u32>) -> [u32; W2] {
    let mut v = [0u32; W2];
    for (pair, x) in v.chunks_exact_mut(2).zip(words) {
        if let [e, o] = pair {
            (*e, *o) = (sxtb16(x), sxtb16_ror8(x));
        }
    }
    v
}

/// Channel `c`'s lane: its `C` filter bytes out of the interleaved pair layout (word `k` of
/// channel `c` of a pair at `8k + 4·(c % 2)`; an odd last channel's plain row after the pairs).
#[inline(always)]
fn lane<const C: usize, const W2: usize>(p: &Conv2dParams, stage: &OutputStage, filter: &[u8], c: usize) -> Lane<W2> {
    let pairs = p.output[3] / 2;
    let (start, stride) = if c < 2 * pairs { ((c / 2) * 2 * C + (c % 2) * 4, 8) } else { (2 * pairs * C, 4) };
    let words = (0..C / 4).map(|k| word(window(filter, start + k * stride, 4)));
    let ch = stage.channel(rq_at(p.requant, c));
    Lane { bias: p.bias.get(c).copied().unwrap_or(0), w: widen::<W2>(words), m: ch.m, s: ch.s }
}

/// `bias + Σ x · w` over one lane (wrapping, as TFLM's int32 accumulator).
#[inline(always)]
fn dot<const W2: usize>(x: &[u32; W2], l: &Lane<W2>) -> i32 {
    x.iter().zip(&l.w).fold(l.bias, |a, (&x, &w)| smlad(x, w, a))
}

/// A 1×1, stride-1, unpadded CONV_2D with the input depth `C` (`C % 4 == 0`, `W2 = C / 2`) as a
/// constant (see the module docs): per block of `B` channels (at most 16), per pixel, every
/// channel of the block. Full blocks whose output stage is [`OutputStage::high`]'s (every real
/// layer) run written out; a last partial block and other output stages a loop over the lanes.
/// `B` bounds the frame: `B · (C / 2 + 3) · 4` bytes of lanes (448 at depth 8 with 16 lanes).
#[inline(always)]
pub(crate) fn pointwise_short<const C: usize, const W2: usize, const B: usize>(p: &Conv2dParams, stage: &OutputStage, input: &[u8], filter: &[u8], output: &mut [u8]) {
    let out_c = p.output[3];
    if C == 0 || C % 4 != 0 || W2 != C / 2 || B == 0 || B > 16 || out_c == 0 || p.input[3] != C {
        return;
    }
    let mut c0 = 0;
    while c0 < out_c {
        let n = (out_c - c0).min(B);
        let mut lanes = [Lane { bias: 0, w: [0; W2], m: 0, s: 0 }; B];
        for (j, l) in lanes.iter_mut().take(n).enumerate() {
            *l = lane::<C, W2>(p, stage, filter, c0 + j);
        }
        if n == B && stage.high {
            block_high::<C, W2, B>(&lanes, stage.offset, input, Cell::from_mut(&mut *output).as_slice_of_cells(), c0, out_c);
        } else {
            let block = lanes.get(..n).unwrap_or(&[]);
            for (x, o) in input.chunks_exact(C.max(1)).zip(output.chunks_exact_mut(out_c.max(1))) {
                let x = widen::<W2>(x.chunks_exact(4).map(word));
                for (l, o) in block.iter().zip(o.get_mut(c0..).unwrap_or(&mut [])) {
                    *o = stage.apply_channel(dot(&x, l), &super::ChannelStage { m: l.m, s: l.s });
                }
            }
        }
        c0 += n;
    }
}

/// Every pixel against a full block of lanes whose output stage is [`OutputStage::high`]'s
/// (`offset` its offset), channels `c0..c0 + B` of each output pixel, written out.
///
/// Out of line so that the lanes stay one array in the caller's frame, read at constant offsets
/// (inlined, LLVM split them into scalars and spilled each to a slot of its own). The output is
/// cells, not `&mut`: LLVM then cannot tell a lane's loads from the previous channel's output
/// byte, so each byte is stored as soon as it is computed (with `&mut`, LLVM gathered the eight
/// bytes into one vector store at the end of the pixel, holding seven of them on the stack).
#[inline(never)]
fn block_high<const C: usize, const W2: usize, const B: usize>(lanes: &[Lane<W2>; B], offset: i32, input: &[u8], output: &[Cell<u8>], c0: usize, out_c: usize) {
    for (x, o) in input.chunks_exact(C.max(1)).zip(output.chunks_exact(out_c.max(1))) {
        let x = widen::<W2>(x.chunks_exact(4).map(word));
        // An opaque reference each pixel (three instructions; only speed depends on it): else LLVM
        // hoists all the lanes' loads out of the pixel loop and spills each value to a stack
        // slot of its own, a second copy of the lanes.
        let lanes = core::hint::black_box(lanes);
        let Some(o) = o.get(c0..c0 + B).and_then(|o| <&[Cell<u8>; B]>::try_from(o).ok()) else {
            return;
        };
        let out = |l: &Lane<W2>| requantize_s8(dot(&x, l), l.m, l.s as u32, offset) as u8;
        // Written out: LLVM keeps a loop over sixteen lanes rolled (2.60 instead of 1.96
        // instructions per MAC at depth 8).
        macro_rules! lanes {
            ($($j:literal)*) => {$(
                if let (Some(o), Some(l)) = (o.get($j), lanes.get($j)) {
                    o.set(out(l));
                }
            )*};
        }
        lanes!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{pointwise_case, pointwise_oracle};
    use super::super::conv2d_s8_dsp_pointwise;
    use super::*;
    use crate::fixed_point::testing::{leak, Rng};
    use crate::fixed_point::PackedRequant;
    use std::{vec, vec::Vec};

    /// The short-depth kernel against the OHWI kernel, at depth 8 in blocks of 16 lanes (through
    /// the entry point the compiler calls) and at depth 16 in blocks of 8 (the kernel itself):
    /// whole blocks only (16, 32, 48 channels), whole blocks plus a partial one, a partial one
    /// alone, odd counts (the plain last row); the written-out path (factors and range in
    /// `OutputStage::high`'s domain, forced on half the cases) and the loop path; −128
    /// everywhere; per-tensor and per-channel requantization; batches.
    #[test]
    fn short_depths_match_the_ohwi_kernel() {
        let mut rng = Rng::new(0x9d8);
        for case in 0..3000 {
            let ic = if case % 3 == 0 { 16 } else { 8 };
            let oc = match case % 4 {
                0 => [16, 32, 48][rng.usize(0, 2)],
                1 => 8 * rng.usize(1, 6) + rng.usize(1, 7),
                _ => rng.usize(1, 50),
            };
            let (mut p, mut input, mut filter) = pointwise_case(&mut rng, ic, oc);
            if case % 2 == 0 {
                // Every factor a real layer's (a right shift of 2 to 31 bits), the whole int8 range.
                let rq: Vec<PackedRequant> = p.requant.iter().map(|r| PackedRequant { multiplier: r.multiplier, shift: rng.range(-31, -2) as i8 }).collect();
                p.requant = leak(rq);
                (p.act_min, p.act_max) = (-128, 127);
            }
            let (want, packed) = pointwise_oracle(&p, &mut input, &mut filter, case % 7 == 0);
            let mut got = vec![0x5au8; want.len()];
            if ic == 16 {
                // Not dispatched to by the compiler (see the module docs): the kernel itself.
                let stage = OutputStage::new(p.requant, p.output_zero_point, p.act_min, p.act_max);
                pointwise_short::<16, 8, 8>(&p, &stage, &input, &packed, &mut got);
            } else {
                conv2d_s8_dsp_pointwise::<8>(&p, &input, &packed, &mut got);
            }
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }
}
