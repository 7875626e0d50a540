//! CONV_2D, int8 (TFLM `reference_integer_ops::ConvPerChannel`): the parameters and the
//! geometry and output-stage helpers every variant shares, and one file per kernel variant:
//!
//! * [`ohwi`]: any convolution over the model's own OHWI filter (grouped, dilated, any padding);
//!   the border pixels of every other variant go through its per-pixel path.
//! * [`packed`]: filters re-laid out at compile time in blocks of output channels (the portable
//!   default, SIMD across channels).
//! * [`rows`]: whole filter rows of a compile-time length as dot products (x86-64 with AVX2).
//! * [`dsp`]: the Arm DSP extension (SMLAD on int8 pairs widened by SXTB16; Cortex-M4/M7/M33,
//!   Cortex-R).
//! * [`dsp_patch`]: the same for small windows (first layers), each pixel's window gathered on
//!   the stack.
//! * [`pointwise_short`]: the 1×1 kernel for input depth 8 on the same extension (one pixel's
//!   widened input against a block of channels whose widened filter sits on the stack).
//! * [`helium`] (with `cfg(kiln_arm_mve)`): the 1×1 kernel's depth loop on Helium (VMLADAVA.S8).
//!
//! All of them are bit-exact with TFLM and with each other.

mod dsp;
mod dsp_patch;
mod helium;
mod ohwi;
mod packed;
mod pointwise;
mod pointwise_short;
mod rows;

pub use dsp::{conv2d_s8_dsp, conv2d_s8_dsp_pointwise, conv2d_s8_dsp_words, pack_filter_dsp, MAX_CONST_ROW};
pub use dsp_patch::{conv2d_s8_dsp_patch, MAX_PATCH};
pub(crate) use dsp::{dot_1x1, dot_1x2};
pub(super) use ohwi::conv_pixel_s8;
pub use ohwi::conv2d_s8;
pub use packed::{conv2d_s8_packed, pack_filter, OC_BLOCK};
pub(super) use packed::{lanes, store_block, BlockRq};
pub use rows::conv2d_s8_rows;


use crate::arch::arm_dsp::requantize_s8;
use crate::fixed_point::{multiply_by_quantized_multiplier, PackedRequant, Requant, RoundingScale};

/// Static parameters of one CONV_2D; filter layout OHWI `[out_c, kh, kw, in_c / groups]`.
#[derive(Clone, Copy, Debug)]
pub struct Conv2dParams {
    /// NHWC.
    pub input: [usize; 4],
    /// NHWC.
    pub output: [usize; 4],
    /// Filter height and width.
    pub kernel: [usize; 2],
    /// Stride along height and width.
    pub stride: [usize; 2],
    /// Dilation along height and width.
    pub dilation: [usize; 2],
    /// Rows above, columns left (TFLM padding offsets).
    pub pad: [usize; 2],
    /// Zero point of the input.
    pub input_zero_point: i32,
    /// Zero point of the output.
    pub output_zero_point: i32,
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// Folded bias `bias[c] - input_zero_point · Σ filter[c]`, one per output channel.
    pub bias: &'static [i32],
    /// Length 1 (per-tensor) or one per output channel.
    pub requant: &'static [PackedRequant],
}

/// Valid filter taps along one axis for output coordinate `out`: the half-open range
/// `t0..t1` of tap indices whose input coordinate `origin + t · dilation` lies in `0..size`,
/// and `origin` itself. Clamping ranges per output row/column replaces a per-tap bounds test.
#[inline]
pub(crate) fn tap_range(
    out: usize,
    stride: usize,
    pad: usize,
    dilation: usize,
    taps: usize,
    size: usize,
) -> (usize, usize, isize) {
    // Tap t reads input coordinate `start + t·d − pad`: inside `0..size` exactly for
    // t ≥ ⌈(pad − start) / d⌉ and t < ⌈(pad + size − start) / d⌉ (unsigned, no trapping division).
    let d = dilation.max(1);
    let start = out * stride;
    let t0 = pad.saturating_sub(start).div_ceil(d).min(taps);
    let t1 = (pad + size).saturating_sub(start).div_ceil(d);
    let origin = start as isize - pad as isize;
    (t0, t1.min(taps).max(t0), origin)
}

/// Output coordinates whose whole filter window (`taps` taps, `dilation` apart) lies inside the
/// input (`0..size`) along one axis: the half-open range `lo..hi` (empty when `hi <= lo`).
#[inline]
pub(crate) fn interior_range(size: usize, pad: usize, taps: usize, dilation: usize, stride: usize, out: usize) -> (usize, usize) {
    let span = (taps.max(1) - 1) * dilation + 1;
    let lo = pad.div_ceil(stride.max(1));
    let hi = if size + pad >= span { ((size + pad - span) / stride.max(1) + 1).min(out) } else { 0 };
    (lo, hi)
}

/// Input coordinate of tap `t` (only called for taps inside `tap_range`, so it is non-negative).
#[inline(always)]
pub(crate) fn tap_coord(origin: isize, t: usize, dilation: usize) -> usize {
    (origin + (t * dilation) as isize) as usize
}

/// `Σ a[i] · b[i]` over int8 bytes. Each product fits in i32; the sum wraps like TFLM's int32
/// accumulator (mod 2^32 the order of the terms does not matter).
#[inline(always)]
pub(crate) fn dot_s8(a: &[u8], b: &[u8]) -> i32 {
    a.iter().zip(b).fold(0i32, |acc, (&x, &y)| {
        acc.wrapping_add(i32::from(x as i8) * i32::from(y as i8))
    })
}

/// `Σ a[i]` over int8 bytes (weights of padded taps, which see the input zero point).
#[inline(always)]
pub(crate) fn sum_s8(a: &[u8]) -> i32 {
    a.iter()
        .fold(0i32, |acc, &x| acc.wrapping_add(i32::from(x as i8)))
}

/// Requantizes an accumulator, adds the output zero point and clamps (TFLM's output stage).
/// `max` then `min` as in TFLM, so an inverted activation range never panics.
#[inline(always)]
pub(crate) fn output_s8(
    acc: i32,
    rq: Requant,
    output_zero_point: i32,
    act_min: i32,
    act_max: i32,
) -> u8 {
    multiply_by_quantized_multiplier(acc, rq)
        .wrapping_add(output_zero_point)
        .max(act_min)
        .min(act_max) as u8
}

/// The requantization of output channel `c` (per-tensor: the one entry).
#[inline(always)]
pub(crate) fn rq_at(r: &[PackedRequant], c: usize) -> Requant {
    match r {
        [one] => one.get(),
        many => many.get(c).map_or(Requant { multiplier: 0, shift: 0 }, |r| r.get()),
    }
}

/// The little-endian word of a 4-byte chunk of int8 data (one, possibly unaligned, `LDR`);
/// 0 for a slice of another length, which the callers rule out.
#[inline(always)]
pub(crate) fn word(b: &[u8]) -> u32 {
    <[u8; 4]>::try_from(b).map_or(0, u32::from_le_bytes)
}

/// One output channel's part of an [`OutputStage`] ([`OutputStage::channel`]): two words, the
/// channel's operands of [`requantize_s8`] (the doubled multiplier and the shift after the high
/// word) when the layer takes that path, else its [`Requant`] as it is.
#[derive(Clone, Copy)]
pub(crate) struct ChannelStage {
    m: i32,
    s: i32,
}

/// TFLM's output stage for one layer call, its requantization checked once. When every
/// channel's factor is a real one (multiplier in `[2^30, 2^31)` and a right shift of 2 to 31
/// bits, or multiplier and shift 0), the output zero point is within ±2^20 and the output range
/// is all of int8 (every conv and FC layer of the zoo and `../shared`), [`OutputStage::apply`]
/// is [`requantize_s8`], five instructions on the Arm DSP extension (SMMLAR, see
/// [`OutputStage::high`]); else, when every shift is within ±31 and no multiplier is
/// `i32::MIN`, straight-line 32/64-bit arithmetic, out of line; else it calls [`output_s8`].
/// Same bits every way.
#[derive(Clone, Copy)]
pub(crate) struct OutputStage {
    /// Every factor and the zero point in [`OutputStage::high`]'s domain, the output range the
    /// whole int8 range.
    high: bool,
    scale: bool,
    fast: bool,
    zp: i32,
    /// `2·zp + 1`, [`requantize_s8`]'s offset.
    offset: i32,
    lo: i32,
    hi: i32,
}

impl OutputStage {
    #[inline(always)]
    pub(crate) fn new(requant: &[PackedRequant], zp: i32, lo: i32, hi: i32) -> Self {
        Self::new_for(requant, zp, lo, hi, false)
    }

    /// [`OutputStage::new`]; with `small_sums`, for a layer whose accumulators stay within
    /// ±2^30 (a dot product of a few taps over biases the caller checked), the SMMLAR domain
    /// also takes a right shift of 1, factors in `[¼, ½)`, which depthwise layers have (with
    /// such sums the step's addition cannot wrap, see [`OutputStage::high`]).
    #[inline(always)]
    fn new_for(requant: &[PackedRequant], zp: i32, lo: i32, hi: i32, small_sums: bool) -> Self {
        let scale = requant.iter().all(|r| RoundingScale::new(r.get()).is_some());
        let fast = requant.iter().all(|r| (-31..=31).contains(&r.shift) && { r.multiplier } != i32::MIN);
        let half = |r: Requant| small_sums && r.multiplier >= 1 << 30 && r.shift == -1;
        let high = lo == -128 && hi == 127 && (-(1 << 20)..=1 << 20).contains(&zp) && requant.iter().all(|r| Self::in_high_domain(r.get()) || half(r.get()));
        OutputStage { high, scale, fast, zp, offset: zp.wrapping_mul(2).wrapping_add(1), lo, hi }
    }

    /// [`OutputStage::new_for`] out of line, for kernels whose own loops LLVM allocated worse
    /// with its loops over the factors inlined (the 3×3 depthwise and the pointwise kernels:
    /// MobileNetV2's 1×1 layers of depth 8 2.58 M → 2.50 M instructions, its depthwise layers
    /// −1.5 %).
    #[inline(never)]
    pub(crate) fn new_out_of_line(requant: &[PackedRequant], zp: i32, lo: i32, hi: i32, small_sums: bool) -> Self {
        Self::new_for(requant, zp, lo, hi, small_sums)
    }

    /// Whether `rq` is a real layer's factor (TFLite's `QuantizeMultiplier` of a scale below ¼,
    /// or of 0): the domain of [`OutputStage::high`].
    #[inline(always)]
    pub(crate) const fn in_high_domain(rq: Requant) -> bool {
        (rq.multiplier >= 1 << 30 && rq.shift <= -2 && rq.shift >= -31) || (rq.multiplier == 0 && rq.shift == 0)
    }

    /// `multiply_by_quantized_multiplier(x, rq) + zp`, clamped to int8, for `rq` in the domain
    /// ([`OutputStage::in_high_domain`]) and `|zp| ≤ 2^20`, as [`requantize_s8`]`(x, m', e − 1,
    /// 2·zp + 1)` with `m' = 2m mod 2^32`, `e = −shift` (for `rq` = (0, 0): `m' = 0` and a
    /// shift of 255, which the instruction takes as 32).
    ///
    /// Why it is the same number. With `m ∈ [2^30, 2^31)`, `m'` as a signed word is `2m − 2^32`,
    /// so SMMLAR's `⌊(c·2^32 + x·m' + 2^31) / 2^32⌋` is `c − x + h` with
    /// `h = ⌊(x·m + 2^30) / 2^31⌋` — TFLM's rounding doubling high multiply (its nudge and
    /// truncating division equal this floor for every `x`, as `m ≠ i32::MIN`); with
    /// `c = x + (x >> 31)` it is `h − [x < 0]` (mod 2^32 along the way; the value fits, as
    /// `−2^31 < h ≤ |x|`). TFLM's rounding shift is `⌊(h − [h < 0] + 2^(e−1)) / 2^e⌋`, where
    /// `[h < 0]` may be `[x < 0]` (`m > 0`: they differ only at `h = 0`, whose quotient is 0
    /// either way), and floors nest: plus `zp`, it is `⌊(⌊(h − [x < 0]) / 2^(e−1)⌋ + 2·zp + 1) / 2⌋`,
    /// the arithmetic shift, the offset and SSAT's `ASR #1`; SSAT's saturation is the clamp. For
    /// `e ≥ 2` the shifted word is within ±2^30, so adding the offset cannot wrap; for `e = 1`
    /// (`small_sums`, [`OutputStage::new_for`]) the word is `h − [x < 0]`, within ±2^30 when `x` is. For `(0, 0)`
    /// TFLM gives `zp`; SMMLAR gives `c = x − [x < 0]`, whose shift by 32 is its sign (0 or −1),
    /// and `⌊(0 + 2·zp + 1) / 2⌋ = ⌊(−1 + 2·zp + 1) / 2⌋ = zp`.
    #[inline(always)]
    fn high(&self, acc: i32, m: i32, s: i32) -> u8 {
        requantize_s8(acc, m, s as u32, self.offset) as u8
    }

    /// The output byte of accumulator `acc` requantized by `rq` (one of the layer's entries).
    #[inline(always)]
    pub(crate) fn apply(&self, acc: i32, rq: Requant) -> u8 {
        if self.high {
            return self.high(acc, rq.multiplier.wrapping_shl(1), !rq.shift);
        }
        self.narrow(acc, rq)
    }

    /// Channel `rq`'s output stage, for a kernel that sets it up once and applies it to many
    /// pixels (channels outside): the multiplier doubled and the shift negated once.
    #[inline(always)]
    pub(crate) fn channel(&self, rq: Requant) -> ChannelStage {
        if self.high {
            ChannelStage { m: rq.multiplier.wrapping_shl(1), s: !rq.shift }
        } else {
            ChannelStage { m: rq.multiplier, s: rq.shift }
        }
    }

    /// [`OutputStage::apply`] with the channel's stage set up by [`OutputStage::channel`].
    #[inline(always)]
    pub(crate) fn apply_channel(&self, acc: i32, ch: &ChannelStage) -> u8 {
        if self.high {
            return self.high(acc, ch.m, ch.s);
        }
        self.narrow(acc, Requant { multiplier: ch.m, shift: ch.s })
    }

    /// [`OutputStage::apply_channel`] for `N` channels at once: the domain checked once, not
    /// per byte. Byte by byte: `N` STRB, where a returned `[u8; N]` was packed into one word
    /// first (nine instructions more per pixel in the 3×3 depthwise kernel).
    #[inline(always)]
    pub(crate) fn apply_channels<const N: usize>(&self, acc: [i32; N], chs: &[ChannelStage; N], out: &mut [u8; N]) {
        if self.high {
            for ((o, &a), ch) in out.iter_mut().zip(&acc).zip(chs) {
                *o = self.high(a, ch.m, ch.s);
            }
        } else {
            for ((o, &a), ch) in out.iter_mut().zip(&acc).zip(chs) {
                *o = self.narrow(a, Requant { multiplier: ch.m, shift: ch.s });
            }
        }
    }

    /// [`OutputStage::apply`] for a layer outside [`OutputStage::high`]'s domain (a narrower
    /// output range, a factor of ¼ or more). Out of line (one copy per kernel, not one per call
    /// site: the kernels' code size).
    #[inline(never)]
    fn narrow(&self, acc: i32, rq: Requant) -> u8 {
        if self.scale {
            return RoundingScale::new_in_domain(rq).apply(acc).wrapping_add(self.zp).max(self.lo).min(self.hi) as u8;
        }
        if !self.fast {
            return Self::general(acc, rq, self.zp, self.lo, self.hi);
        }
        let left = rq.shift.max(0) as u32;
        let right = (rq.shift.max(-31).min(0)).unsigned_abs();
        let x = acc.wrapping_shl(left);
        // gemmlowp's rounding doubling high multiply: adding 2^30 and flooring equals its
        // nudge and truncating division for every product but i32::MIN · i32::MIN (excluded),
        // and the result fits in i32.
        let h = ((i64::from(x) * i64::from(rq.multiplier) + (1 << 30)) >> 31) as i32;
        // RoundingDivideByPOT (ties away from zero), in 32 bits as gemmlowp writes it.
        let mask = ((1u32 << right) - 1) as i32;
        let threshold = (mask >> 1) + i32::from(h < 0);
        let r = (h >> right) + i32::from((h & mask) > threshold);
        r.wrapping_add(self.zp).max(self.lo).min(self.hi) as u8
    }

    /// Out of line: no real model takes it.
    #[cold]
    #[inline(never)]
    fn general(acc: i32, rq: Requant, zp: i32, lo: i32, hi: i32) -> u8 {
        output_s8(acc, rq, zp, lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixed_point::testing::Rng;

    /// The SMMLAR path ([`OutputStage::high`]): the full int8 range, factors at and around the
    /// edges of its domain (multipliers 0, 2^30, 2^31 − 1 and below 2^30, shifts −31, −2, −1, 0,
    /// positive), zero points up to ±2^20 and beyond, edge accumulators; `apply` and
    /// `apply_channel` both against the reference, and the domain is what the path takes.
    #[test]
    fn the_high_word_output_stage_matches_the_reference() {
        let mut rng = Rng::new(0x5a1);
        let mut taken = 0;
        for case in 0..400_000 {
            let multiplier = match rng.usize(0, 6) {
                0 => [0, 1 << 30, i32::MAX, (1 << 30) - 1, 1, i32::MIN, -1][rng.usize(0, 6)],
                _ => rng.range(1 << 30, (1i64 << 31) - 1) as i32,
            };
            let shift = match rng.usize(0, 5) {
                0 => [-31, -2, -1, 0, 1, -32][rng.usize(0, 5)],
                _ => rng.range(-31, -2) as i32,
            };
            let rq = if case % 50 == 0 { Requant { multiplier: 0, shift: 0 } } else { Requant { multiplier, shift } };
            let zp = match rng.usize(0, 9) {
                0 => [1 << 20, -(1 << 20), (1 << 20) + 1, i32::MIN, i32::MAX][rng.usize(0, 4)],
                _ => rng.range(-128, 127) as i32,
            };
            let acc = rng.edgy_i32();
            let stage = OutputStage::new(&[PackedRequant::try_from(rq).unwrap()], zp, -128, 127);
            let want = output_s8(acc, rq, zp, -128, 127);
            assert_eq!(stage.apply(acc, rq), want, "{acc} {rq:?} zp {zp}");
            assert_eq!(stage.apply_channel(acc, &stage.channel(rq)), want, "{acc} {rq:?} zp {zp}");
            let domain = OutputStage::in_high_domain(rq) && zp.unsigned_abs() <= 1 << 20;
            assert_eq!(stage.high, domain, "{rq:?} zp {zp}");
            taken += usize::from(stage.high);
        }
        assert!(taken > 200_000, "{taken}");
    }

    /// [`OutputStage::new_for`] with `small_sums`: with accumulators within ±2^30 (the 3×3 depthwise
    /// kernel's bound) the SMMLAR path also takes a right shift of 1 (factors in [¼, ½)), and
    /// gives the reference's bytes there and on the rest of its domain; shifts of 0 and
    /// positive ones stay outside.
    #[test]
    fn small_sums_take_factors_up_to_one_half() {
        let mut rng = Rng::new(0x5a2);
        let mut shift_one = 0;
        for case in 0..300_000 {
            let multiplier = match rng.usize(0, 6) {
                0 => [1 << 30, i32::MAX, (1 << 30) + 1, i32::MAX - 1][rng.usize(0, 3)],
                _ => rng.range(1 << 30, (1i64 << 31) - 1) as i32,
            };
            let shift = match rng.usize(0, 3) {
                0 => [-31, -2, 0, 1][rng.usize(0, 3)],
                _ => -1,
            };
            let rq = Requant { multiplier, shift };
            let zp = match rng.usize(0, 9) {
                0 => [1 << 20, -(1 << 20)][rng.usize(0, 1)],
                _ => rng.range(-128, 127) as i32,
            };
            let bound = 1i64 << 30;
            let acc = match case % 4 {
                0 => [bound, -bound, bound - 1, 1 - bound, 0, -1, 1][rng.usize(0, 6)] as i32,
                1 => rng.range(-200_000, 200_000) as i32,
                _ => rng.range(-bound, bound) as i32,
            };
            let stage = OutputStage::new_for(&[PackedRequant::try_from(rq).unwrap()], zp, -128, 127, true);
            assert_eq!(stage.high, shift < 0, "{rq:?} zp {zp}");
            assert_eq!(stage.apply_channel(acc, &stage.channel(rq)), output_s8(acc, rq, zp, -128, 127), "{acc} {rq:?} zp {zp}");
            shift_one += usize::from(stage.high && shift == -1);
        }
        assert!(shift_one > 150_000, "{shift_one}");
    }

    /// The layer output stage equals the reference one on edge accumulators and every shift
    /// (beyond ±31 it defers to the reference), multipliers including 0, negative and `i32::MIN`.
    #[test]
    fn output_stage_matches_the_reference() {
        let mut rng = Rng::new(0x1ea);
        for case in 0..200_000 {
            let rq = Requant {
                multiplier: match rng.usize(0, 5) {
                    0 => [0, i32::MIN, i32::MAX, 1 << 30, -(1 << 30)][rng.usize(0, 4)],
                    _ => rng.range(1 << 30, (1i64 << 31) - 1) as i32,
                },
                shift: if case % 3 == 0 { rng.range(-40, 40) as i32 } else { rng.range(-31, 31) as i32 },
            };
            let acc = rng.edgy_i32();
            let (zp, lo, hi) = (rng.range(-128, 127) as i32, rng.act_min(), rng.act_max());
            let stage = OutputStage::new(&[PackedRequant::try_from(rq).unwrap()], zp, lo, hi);
            assert_eq!(stage.apply(acc, rq), output_s8(acc, rq, zp, lo, hi), "{acc} {rq:?}");
        }
    }
}

/// Random CONV_2D cases for the kernels' property tests.
#[cfg(test)]
pub(crate) mod testing {
    extern crate std;
    use super::Conv2dParams;
    use crate::fixed_point::testing::{leak, Rng};
    use crate::fixed_point::PackedRequant;
    use std::{vec, vec::Vec};

    /// `(params, input, OHWI filter)` with `ic` input and `oc` output channels, the given kernel
    /// and dilation, strides 1–3, a random image size and batch, zero points, clamp, bias and
    /// per-tensor or per-channel requantization; with `padded`, any padding up to beyond the
    /// whole window and any output size it allows (asymmetric too, as SAME at stride 2), else
    /// none.
    pub(crate) fn conv_case(rng: &mut Rng, ic: usize, oc: usize, [kh, kw]: [usize; 2], [dh, dw]: [usize; 2], padded: bool) -> (Conv2dParams, Vec<u8>, Vec<u8>) {
        let (sh, sw) = (rng.usize(1, 3), rng.usize(1, 3));
        let (ih, iw) = (rng.usize(1, 9), rng.usize(1, 14));
        let (ph, pw) = if padded { (rng.usize(0, kh * dh + 1), rng.usize(0, kw * dw + 1)) } else { (0, 0) };
        let oh = (ih + ph + rng.usize(0, ph.max(1))).saturating_sub((kh - 1) * dh + 1) / sh + 1;
        let ow = (iw + pw + rng.usize(0, pw.max(1))).saturating_sub((kw - 1) * dw + 1) / sw + 1;
        let n = rng.usize(1, 2);
        let mut input = vec![0u8; n * ih * iw * ic];
        let mut filter = vec![0u8; oc * kh * kw * ic];
        rng.fill(&mut input);
        rng.fill(&mut filter);
        let bias: Vec<i32> = (0..oc).map(|_| rng.range(-50_000, 50_000) as i32).collect();
        let requant: Vec<PackedRequant> = (0..if rng.bool() { oc } else { 1 }).map(|_| rng.packed_requant()).collect();
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
        (p, input, filter)
    }

    /// A 1×1 case of [`conv_case`] with stride 1, so the output is the input's size (the
    /// pointwise shape).
    pub(crate) fn pointwise_case(rng: &mut Rng, ic: usize, oc: usize) -> (Conv2dParams, Vec<u8>, Vec<u8>) {
        let (mut p, input, filter) = conv_case(rng, ic, oc, [1, 1], [1, 1], false);
        p.stride = [1, 1];
        p.output = [p.input[0], p.input[1], p.input[2], oc];
        (p, input, filter)
    }

    /// What a DSP 1×1 kernel must give for `p`: the OHWI kernel's output, and the filter laid
    /// out for the DSP kernels; with `extreme`, every input and filter byte −128 first (the
    /// largest products).
    pub(crate) fn pointwise_oracle(p: &Conv2dParams, input: &mut [u8], filter: &mut [u8], extreme: bool) -> (Vec<u8>, Vec<u8>) {
        if extreme {
            input.fill(0x80);
            filter.fill(0x80);
        }
        let mut want = vec![0u8; p.output.iter().product()];
        super::conv2d_s8(p, input, filter, &mut want);
        let packed = super::pack_filter_dsp(filter, p.output[3], 1, p.input[3]).collect();
        (want, packed)
    }
}
