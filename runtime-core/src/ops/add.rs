//! ADD, int8 with rank-4 broadcasting (TFLM `reference_integer_ops::Add` /
//! `BroadcastAdd6DSlow`, which share the per-element `AddFunc`).

use super::binary::{broadcast_map, clamp_f32, ArithF32Params, BroadcastShapes};
use super::window;
#[cfg(kiln_arm_dsp)]
use super::conv::OutputStage;
#[cfg(kiln_arm_dsp)]
use crate::arch::arm_dsp::requantize_s8;
use crate::fixed_point::{multiply_by_quantized_multiplier_smaller_than_one_exp, InputScale, OutputScale, Requant, RoundingScale};

/// Static parameters of one ADD (TFLM `ArithmeticParams`); shapes extended to rank 4 by codegen.
#[derive(Clone, Copy, Debug)]
pub struct AddParams {
    /// `-input1_zero_point`.
    pub input1_offset: i32,
    /// `-input2_zero_point`.
    pub input2_offset: i32,
    /// 20 for int8.
    pub left_shift: i32,
    /// Shifts are ≤ 0 (`QuantizeMultiplierSmallerThanOneExp`).
    pub input1_requant: Requant,
    /// Rescales the second input the same way.
    pub input2_requant: Requant,
    /// Rescales the result to the output's scale.
    pub output_requant: Requant,
    /// Output zero point.
    pub output_offset: i32,
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// First input's shape, extended to four dimensions.
    pub input1_shape: [usize; 4],
    /// Second input's shape, extended to four dimensions.
    pub input2_shape: [usize; 4],
    /// Output shape (four dimensions).
    pub output_shape: [usize; 4],
}

/// TFLM `AddFunc`: both inputs are shifted left by `left_shift` and rescaled to a common
/// scale, summed, rescaled to the output scale. Arithmetic wraps where the C++ int32 would.
/// Shared by int8 and int16 (which differ only in `left_shift` and the clamp).
#[inline(always)]
fn add_core(p: &AddParams, x: i32, y: i32) -> i32 {
    let a = p.input1_offset.wrapping_add(x);
    let b = p.input2_offset.wrapping_add(y);
    let a = multiply_by_quantized_multiplier_smaller_than_one_exp(
        shl(a, p.left_shift),
        p.input1_requant,
    );
    let b = multiply_by_quantized_multiplier_smaller_than_one_exp(
        shl(b, p.left_shift),
        p.input2_requant,
    );
    multiply_by_quantized_multiplier_smaller_than_one_exp(a.wrapping_add(b), p.output_requant)
        .wrapping_add(p.output_offset)
        .max(p.act_min)
        .min(p.act_max)
}

#[inline(always)]
fn add_one<const SIGNED: bool>(p: &AddParams, x: u8, y: u8) -> u8 {
    if SIGNED {
        add_core(p, i32::from(x as i8), i32::from(y as i8)) as u8
    } else {
        add_core(p, i32::from(x), i32::from(y)) as u8
    }
}

/// `x · 2^s` wrapping (`x * (1 << s)` in the C++), total for any `s`.
#[inline(always)]
fn shl(x: i32, s: i32) -> i32 {
    match 1i32.checked_shl(s as u32) {
        Some(f) if s >= 0 => x.wrapping_mul(f),
        _ => 0,
    }
}

/// Element strides of an input broadcast to the output shape (0 along broadcast axes).
#[inline]
fn broadcast_strides(shape: [usize; 4], out: [usize; 4]) -> [usize; 4] {
    let mut strides = [0; 4];
    let mut s = 1;
    for d in (0..4).rev() {
        strides[d] = if shape[d] == 1 && out[d] != 1 { 0 } else { s };
        s *= shape[d];
    }
    strides
}

/// ADD int8, bit-exact with TFLM. Equal shapes take a flat elementwise loop; otherwise numpy
/// broadcasting over the rank-4 shapes, with the innermost axis specialised for the common
/// "one side constant along the channel axis" cases.
pub fn add_s8(p: &AddParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    add_8bit::<true>(p, input1, input2, output)
}

/// ADD uint8, bit-exact with LiteRT's reference kernel (`reference_ops::Add` on uint8: the int8
/// arithmetic, `left_shift` 20, on unsigned values; the clamp is the uint8 activation range).
pub fn add_u8(p: &AddParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    add_8bit::<false>(p, input1, input2, output)
}

/// Both inputs' rescalings of an 8-bit ADD ([`InputScale`]): every real model's factors are in
/// their domain; `None` otherwise, and [`add_core`] runs.
#[derive(Clone, Copy)]
struct Rescale {
    input1: InputScale,
    input2: InputScale,
}

impl Rescale {
    #[inline(always)]
    fn new(p: &AddParams) -> Option<Self> {
        if !(-255..=255).contains(&p.input1_offset) || !(-255..=255).contains(&p.input2_offset) {
            return None;
        }
        Some(Rescale {
            input1: InputScale::new(p.input1_requant, p.left_shift)?,
            input2: InputScale::new(p.input2_requant, p.left_shift)?,
        })
    }

    /// The raw sum TFLM rescales to the output: both inputs offset, shifted and rescaled.
    #[inline(always)]
    fn sum(self, p: &AddParams, x: i32, y: i32) -> i32 {
        let a = self.input1.apply(p.input1_offset + x);
        let b = self.input2.apply(p.input2_offset + y);
        a.wrapping_add(b)
    }
}

/// `output[i] = f(input1[i], input2[i])` over same-shaped inputs, `f` on the widened values.
#[inline(always)]
fn zip_map<const SIGNED: bool>(input1: &[u8], input2: &[u8], output: &mut [u8], f: impl Fn(i32, i32) -> i32) {
    let widen = |x: u8| if SIGNED { i32::from(x as i8) } else { i32::from(x) };
    for ((o, &x), &y) in output.iter_mut().zip(input1).zip(input2) {
        *o = f(widen(x), widen(y)) as u8;
    }
}

#[inline(always)]
fn add_8bit<const SIGNED: bool>(p: &AddParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    if p.input1_shape == p.input2_shape {
        let (lo, hi) = (p.act_min, p.act_max);
        // On the Arm DSP extension an int8 output over the whole range takes the conv kernels'
        // SMMLAR output stage (`OutputStage::high`: five instructions, where the 64-bit
        // multiply-add below takes about twelve); the factor's domain is theirs, any sum. The
        // stage equals TFLM's for ADD's output factor (a right shift: `MultiplyByQuantizedMultiplier`
        // is then ADD's `…SmallerThanOneExp`), tested with the conv kernels' stage on the host
        // and, with the instruction itself, by the zoo's ADD models on the M4, M7 and M33.
        #[cfg(kiln_arm_dsp)]
        if let (true, -128, 127, Some(r)) = (SIGNED, lo, hi, Rescale::new(p)) {
            let (rq, zp) = (p.output_requant, p.output_offset);
            if OutputStage::in_high_domain(rq) && (-(1 << 20)..=1 << 20).contains(&zp) {
                let (m, s, offset) = (rq.multiplier.wrapping_shl(1), !rq.shift as u32, 2 * zp + 1);
                zip_map::<SIGNED>(input1, input2, output, |x, y| requantize_s8(r.sum(p, x, y), m, s, offset));
                return;
            }
        }
        let out = OutputScale::new(p.output_requant, p.output_offset);
        match (Rescale::new(p), out, RoundingScale::new(p.output_requant)) {
            (Some(r), Some(out), _) => {
                zip_map::<SIGNED>(input1, input2, output, |x, y| out.apply(r.sum(p, x, y)).max(lo).min(hi))
            }
            (Some(r), None, Some(out)) => zip_map::<SIGNED>(input1, input2, output, |x, y| {
                out.apply(r.sum(p, x, y)).wrapping_add(p.output_offset).max(lo).min(hi)
            }),
            _ => zip_map::<SIGNED>(input1, input2, output, |x, y| add_core(p, x, y)),
        }
        return;
    }
    let out = p.output_shape;
    let s1 = broadcast_strides(p.input1_shape, out);
    let s2 = broadcast_strides(p.input2_shape, out);
    let inner = out[3];
    if inner == 0 {
        return;
    }
    let mut rows = output.chunks_exact_mut(inner);
    for i0 in 0..out[0] {
        for i1 in 0..out[1] {
            for i2 in 0..out[2] {
                let Some(row) = rows.next() else { return };
                let o1 = i0 * s1[0] + i1 * s1[1] + i2 * s1[2];
                let o2 = i0 * s2[0] + i1 * s2[1] + i2 * s2[2];
                // A broadcast (stride 0) innermost axis reads one element for the whole row.
                let x_row = window(input1, o1, if s1[3] == 0 { 1 } else { inner });
                let y_row = window(input2, o2, if s2[3] == 0 { 1 } else { inner });
                match (s1[3], s2[3], x_row.first(), y_row.first()) {
                    (0, 0, Some(&x), Some(&y)) => row.fill(add_one::<SIGNED>(p, x, y)),
                    (0, _, Some(&x), _) => {
                        for (o, &y) in row.iter_mut().zip(y_row) {
                            *o = add_one::<SIGNED>(p, x, y);
                        }
                    }
                    (_, 0, _, Some(&y)) => {
                        for (o, &x) in row.iter_mut().zip(x_row) {
                            *o = add_one::<SIGNED>(p, x, y);
                        }
                    }
                    _ => {
                        for ((o, &x), &y) in row.iter_mut().zip(x_row).zip(y_row) {
                            *o = add_one::<SIGNED>(p, x, y);
                        }
                    }
                }
            }
        }
    }
}

/// ADD int16, bit-exact with TFLM (its general path, `left_shift` 15; TFLM ignores the
/// `pot_scale_int16` option).
pub fn add_s16(p: &AddParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    let shapes = BroadcastShapes { input1: p.input1_shape, input2: p.input2_shape, output: p.output_shape };
    broadcast_map(&shapes, input1, input2, output, |a: [u8; 2], b: [u8; 2]| {
        (add_core(p, i32::from(i16::from_le_bytes(a)), i32::from(i16::from_le_bytes(b))) as i16).to_le_bytes()
    });
}

/// ADD float32: `clamp(x + y)`, the single IEEE sum TFLM computes.
pub fn add_f32(p: &ArithF32Params, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a: [u8; 4], b: [u8; 4]| {
        clamp_f32(f32::from_le_bytes(a) + f32::from_le_bytes(b), p.act_min, p.act_max).to_le_bytes()
    });
}

/// ADD int32: `x + y`, wrapping on overflow. TFLM applies no fused activation to int32 ADD
/// (its clamp is the whole int32 range), so neither does kiln.
pub fn add_s32(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a: [u8; 4], b: [u8; 4]| {
        i32::from_le_bytes(a).wrapping_add(i32::from_le_bytes(b)).to_le_bytes()
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{quantize_multiplier, round_half_away, round_half_up, Rng};
    use std::{vec, vec::Vec};

    /// Exact `MultiplyByQuantizedMultiplierSmallerThanOneExp`.
    fn ref_mul(x: i64, rq: Requant) -> i64 {
        let x = x as i32 as i128;
        let high =
            round_half_up(x * rq.multiplier as i128, 31).clamp(i32::MIN as i128, i32::MAX as i128);
        round_half_away(high, (-rq.shift) as u32) as i64
    }

    fn ref_add(p: &AddParams, x: i8, y: i8) -> u8 {
        let a = ref_mul(
            (x as i64 + p.input1_offset as i64) << p.left_shift,
            p.input1_requant,
        );
        let b = ref_mul(
            (y as i64 + p.input2_offset as i64) << p.left_shift,
            p.input2_requant,
        );
        let o = ref_mul(a + b, p.output_requant) + p.output_offset as i64;
        o.max(p.act_min as i64).min(p.act_max as i64) as i8 as u8
    }

    /// Realistic ADD parameters from two input scales and an output scale (TFLM's Prepare).
    fn params(rng: &mut Rng, s1: [usize; 4], s2: [usize; 4], out: [usize; 4]) -> AddParams {
        let quant = quantize_multiplier;
        let sc = |rng: &mut Rng| 0.001 + (rng.next_u64() % 1000) as f64 / 10000.0;
        let (in1, in2, o) = (sc(rng), sc(rng), sc(rng));
        let twice_max = 2.0 * in1.max(in2);
        AddParams {
            input1_offset: -(rng.range(-128, 127) as i32),
            input2_offset: -(rng.range(-128, 127) as i32),
            left_shift: 20,
            input1_requant: quant(in1 / twice_max),
            input2_requant: quant(in2 / twice_max),
            output_requant: quant(twice_max / ((1 << 20) as f64 * o)),
            output_offset: rng.range(-128, 127) as i32,
            act_min: rng.act_min(),
            act_max: rng.act_max(),
            input1_shape: s1,
            input2_shape: s2,
            output_shape: out,
        }
    }

    #[test]
    fn matches_naive_broadcast_add() {
        let mut rng = Rng::new(60);
        for case in 0..3000 {
            let out: [usize; 4] = core::array::from_fn(|_| rng.usize(1, 5));
            let mut s1 = out;
            let mut s2 = out;
            if case % 4 != 0 {
                for d in 0..4 {
                    match rng.usize(0, 3) {
                        0 => s1[d] = 1,
                        1 => s2[d] = 1,
                        _ => {}
                    }
                }
            }
            let p = params(&mut rng, s1, s2, out);
            let mut a = vec![0u8; s1.iter().product()];
            let mut b = vec![0u8; s2.iter().product()];
            rng.fill(&mut a);
            rng.fill(&mut b);
            let idx = |s: [usize; 4], i: [usize; 4]| -> usize {
                (0..4).fold(0, |acc, d| acc * s[d] + if s[d] == 1 { 0 } else { i[d] })
            };
            let mut want = Vec::new();
            for i0 in 0..out[0] {
                for i1 in 0..out[1] {
                    for i2 in 0..out[2] {
                        for i3 in 0..out[3] {
                            let i = [i0, i1, i2, i3];
                            want.push(ref_add(&p, a[idx(s1, i)] as i8, b[idx(s2, i)] as i8));
                        }
                    }
                }
            }
            let mut got = vec![0u8; want.len()];
            add_s8(&p, &a, &b, &mut got);
            assert_eq!(got, want, "case {case}: {s1:?} + {s2:?}");
        }
    }

    #[test]
    fn exhaustive_elementwise() {
        let mut rng = Rng::new(61);
        for _ in 0..20 {
            let p = params(
                &mut rng,
                [1, 1, 256, 256],
                [1, 1, 256, 256],
                [1, 1, 256, 256],
            );
            let a: Vec<u8> = (0..65536u32).map(|i| (i >> 8) as u8).collect();
            let b: Vec<u8> = (0..65536u32).map(|i| i as u8).collect();
            let mut got = vec![0u8; 65536];
            add_s8(&p, &a, &b, &mut got);
            for i in 0..65536 {
                assert_eq!(got[i], ref_add(&p, a[i] as i8, b[i] as i8));
            }
        }
    }

    /// Each of the equal-shape paths (output factor with the zero point folded, output factor
    /// beyond that domain, factors outside [`Rescale`]'s domain) over every pair of int8 inputs,
    /// against the exact reference. Each path must be taken at least once.
    #[test]
    fn every_rescale_path_is_exact() {
        let mut rng = Rng::new(63);
        let mut taken = [0usize; 3];
        for case in 0..60 {
            let mut p = params(&mut rng, [1, 1, 256, 256], [1, 1, 256, 256], [1, 1, 256, 256]);
            match case % 3 {
                // A right shift past OutputScale's domain (≤ 31 bits).
                1 => p.output_requant.shift = -(rng.range(23, 31) as i32),
                // Parameters no int8 model has (a left shift past 20; a zero multiplier beside
                // it): the 32-bit steps.
                2 => {
                    p.left_shift = rng.range(21, 22) as i32;
                    if rng.bool() {
                        p.input2_requant = Requant { multiplier: 0, shift: 0 };
                    }
                }
                _ => {}
            }
            let path = match (Rescale::new(&p), OutputScale::new(p.output_requant, p.output_offset), RoundingScale::new(p.output_requant)) {
                (Some(_), Some(_), _) => 0,
                (Some(_), None, Some(_)) => 1,
                _ => 2,
            };
            taken[path] += 1;
            let a: Vec<u8> = (0..65536u32).map(|i| (i >> 8) as u8).collect();
            let b: Vec<u8> = (0..65536u32).map(|i| i as u8).collect();
            let mut got = vec![0u8; 65536];
            add_s8(&p, &a, &b, &mut got);
            for i in 0..65536 {
                assert_eq!(got[i], ref_add(&p, a[i] as i8, b[i] as i8), "case {case} (path {path}): {p:?}, {} + {}", a[i] as i8, b[i] as i8);
            }
        }
        assert!(taken.iter().all(|&n| n > 0), "paths taken: {taken:?}");
    }

    #[test]
    fn int16_matches_reference_with_broadcasting() {
        let mut rng = Rng::new(62);
        for case in 0..2000 {
            let out: [usize; 4] = core::array::from_fn(|_| rng.usize(1, 4));
            let (mut s1, mut s2) = (out, out);
            if case % 4 != 0 {
                for d in 0..4 {
                    match rng.usize(0, 3) {
                        0 => s1[d] = 1,
                        1 => s2[d] = 1,
                        _ => {}
                    }
                }
            }
            let mut p = params(&mut rng, s1, s2, out);
            // int16: symmetric, left shift 15, the int16 range as the clamp when no activation.
            let sc = |rng: &mut Rng| 0.00001 + (rng.next_u64() % 1000) as f64 / 1e6;
            let (in1, in2, o) = (sc(&mut rng), sc(&mut rng), sc(&mut rng));
            let twice_max = 2.0 * in1.max(in2);
            p.left_shift = 15;
            p.input1_offset = 0;
            p.input2_offset = 0;
            p.output_offset = 0;
            p.input1_requant = quantize_multiplier(in1 / twice_max);
            p.input2_requant = quantize_multiplier(in2 / twice_max);
            p.output_requant = quantize_multiplier(twice_max / ((1 << 15) as f64 * o));
            p.act_min = if rng.bool() { -32768 } else { rng.range(-32768, 0) as i32 };
            p.act_max = if rng.bool() { 32767 } else { rng.range(0, 32767) as i32 };
            let (n1, n2) = (s1.iter().product::<usize>(), s2.iter().product::<usize>());
            let mut a = vec![0u8; 2 * n1];
            let mut b = vec![0u8; 2 * n2];
            rng.fill(&mut a);
            rng.fill(&mut b);
            let rd = |v: &[u8], i: usize| i16::from_le_bytes([v[2 * i], v[2 * i + 1]]) as i64;
            let idx = |s: [usize; 4], i: [usize; 4]| -> usize {
                (0..4).fold(0, |acc, d| acc * s[d] + if s[d] == 1 { 0 } else { i[d] })
            };
            let mut want = Vec::new();
            for i0 in 0..out[0] {
                for i1 in 0..out[1] {
                    for i2 in 0..out[2] {
                        for i3 in 0..out[3] {
                            let i = [i0, i1, i2, i3];
                            let x = ref_mul(rd(&a, idx(s1, i)) << 15, p.input1_requant);
                            let y = ref_mul(rd(&b, idx(s2, i)) << 15, p.input2_requant);
                            let v = ref_mul(x + y, p.output_requant).clamp(p.act_min as i64, p.act_max as i64);
                            want.extend((v as i16).to_le_bytes());
                        }
                    }
                }
            }
            let mut got = vec![0u8; want.len()];
            add_s16(&p, &a, &b, &mut got);
            assert_eq!(got, want, "case {case}: {s1:?} + {s2:?}");
        }
    }
}
