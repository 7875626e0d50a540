//! DIV: int8 (TFLM `reference_ops::DivElementwise`: a fixed-point reciprocal of the divisor
//! times the dividend) and float32.

use super::{broadcast_map, clamp_f32, f32_of, i32_of, i8_of, ArithF32Params, ArithS32Params, BroadcastShapes};
use crate::fixed_point::{
    get_reciprocal, multiply_by_quantized_multiplier_greater_than_one,
    multiply_by_quantized_multiplier_smaller_than_one_exp, Requant,
};

/// Static parameters of one int8 DIV (TFLM `OpDataDiv`).
#[derive(Clone, Copy, Debug)]
pub struct DivParams {
    /// `-input1_zero_point`.
    pub input1_offset: i32,
    /// `-input2_zero_point`.
    pub input2_offset: i32,
    /// `input1_scale / (input2_scale · output_scale)` (`QuantizeMultiplier`).
    pub output_requant: Requant,
    /// Output zero point.
    pub output_offset: i32,
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// Input and output shapes, extended to four dimensions for broadcasting.
    pub shapes: BroadcastShapes,
}

/// Number of redundant sign bits (gcc's `__builtin_clrsb`, 31 for 0 and −1), TFLite's
/// `CountLeadingSignBits`.
#[inline(always)]
fn leading_sign_bits(x: i32) -> i32 {
    let magnitude = if x < 0 { !x } else { x };
    magnitude.leading_zeros() as i32 - 1
}

/// TFLM's quotient: make the divisor positive (negating both sides), take its Q0.31
/// reciprocal, multiply the dividend normalised by its headroom, and shift everything back
/// in one rounding step that also applies the output scale.
///
/// A zero divisor (an input2 element equal to its zero point) is undefined in TFLM (a debug
/// check, then a shift by 32 in `GetReciprocal`); kiln defines it as the clamp bound in the
/// dividend's direction (`act_max` for a positive dividend, `act_min` for a negative one, the
/// output zero point for 0/0) — what the real quotient tends to, and never a trap.
#[inline(always)]
fn div_one(p: &DivParams, x: i32, y: i32) -> i32 {
    let (mut num, mut den) = (p.input1_offset.wrapping_add(x), p.input2_offset.wrapping_add(y));
    if den == 0 {
        let v = match num {
            0 => p.output_offset,
            n if n > 0 => p.act_max,
            _ => p.act_min,
        };
        return v.max(p.act_min).min(p.act_max);
    }
    if den < 0 {
        num = num.wrapping_neg();
        den = den.wrapping_neg();
    }
    let (inv, recip_shift) = get_reciprocal(den, 31);
    let headroom = leading_sign_bits(num);
    let unscaled = multiply_by_quantized_multiplier_greater_than_one(num, inv, headroom);
    let total_shift = p.output_requant.shift - recip_shift - headroom;
    let rq = Requant { multiplier: p.output_requant.multiplier, shift: total_shift };
    multiply_by_quantized_multiplier_smaller_than_one_exp(unscaled, rq)
        .wrapping_add(p.output_offset)
        .max(p.act_min)
        .min(p.act_max)
}

/// DIV int8, bit-exact with TFLM wherever TFLM is defined (see `div_one` for a zero divisor).
pub fn div_s8(p: &DivParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a, b| [div_one(p, i8_of(a), i8_of(b)) as i8 as u8]);
}

/// DIV float32: `clamp(x / y)` (IEEE division: ±inf or NaN for a zero divisor, as in TFLM).
pub fn div_f32(p: &ArithF32Params, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a, b| {
        clamp_f32(f32_of(a) / f32_of(b), p.act_min, p.act_max).to_le_bytes()
    });
}

/// DIV int32: C++ integer division (truncating toward zero), then the fused-activation clamp.
/// TFLM traps (SIGFPE) on a zero divisor and on `i32::MIN / -1`; kiln defines the first as 0
/// and the second as the wrapped quotient `i32::MIN`, so generated code never traps.
pub fn div_s32(p: &ArithS32Params, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a, b| {
        let (x, y) = (i32_of(a), i32_of(b));
        let q = if y == 0 { 0 } else { x.wrapping_div(y) };
        q.max(p.act_min).min(p.act_max).to_le_bytes()
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{pairs, shapes};
    use super::*;
    use crate::fixed_point::testing::{quantize_multiplier, Rng};
    use std::{vec, vec::Vec};

    #[test]
    fn sign_bits_match_clrsb() {
        for (x, want) in [(0, 31), (-1, 31), (1, 30), (-2, 30), (i32::MAX, 0), (i32::MIN, 0), (255, 23), (-256, 23)] {
            assert_eq!(leading_sign_bits(x), want, "{x}");
        }
    }

    /// The fixed-point quotient is within one output step of the real quotient (TFLM's
    /// algorithm is exact up to its Q0.31 reciprocal and the final rounding), and the zero
    /// divisor follows the documented rule.
    #[test]
    fn int8_tracks_the_real_quotient() {
        let mut rng = Rng::new(79);
        for case in 0..1500 {
            let s = shapes(&mut rng, case);
            let sc = |rng: &mut Rng| 0.002 + (rng.next_u64() % 1000) as f64 / 20000.0;
            let (s1, s2) = (sc(&mut rng), sc(&mut rng));
            let so = s1 / s2 / 64.0 * (1.0 + (rng.next_u64() % 100) as f64 / 100.0);
            let (z1, z2, zo) = (rng.range(-128, 127) as i32, rng.range(-128, 127) as i32, rng.range(-128, 127) as i32);
            let p = DivParams {
                input1_offset: -z1,
                input2_offset: -z2,
                output_requant: quantize_multiplier(s1 / (s2 * so)),
                output_offset: zo,
                act_min: -128,
                act_max: 127,
                shapes: s,
            };
            let mut a = vec![0u8; s.input1.iter().product()];
            let mut b = vec![0u8; s.input2.iter().product()];
            rng.fill(&mut a);
            rng.fill(&mut b);
            let mut got = vec![0u8; s.output.iter().product()];
            div_s8(&p, &a, &b, &mut got);
            for (k, (i, j)) in pairs(&s).into_iter().enumerate() {
                let (num, den) = (a[i] as i8 as i32 - z1, b[j] as i8 as i32 - z2);
                let g = got[k] as i8 as i32;
                if den == 0 {
                    let want = if num > 0 { 127 } else if num < 0 { -128 } else { zo };
                    assert_eq!(g, want, "case {case}: {num}/0");
                    continue;
                }
                let real = (num as f64 * s1) / (den as f64 * s2) / so + zo as f64;
                let want = real.round().clamp(-128.0, 127.0) as i32;
                assert!((g - want).abs() <= 1, "case {case}: {num}/{den} -> {g}, real {real}");
            }
        }
    }

    #[test]
    fn int32_truncates_and_never_traps() {
        let s = BroadcastShapes { input1: [1, 1, 1, 6], input2: [1, 1, 1, 6], output: [1, 1, 1, 6] };
        let p = ArithS32Params { act_min: i32::MIN, act_max: i32::MAX, shapes: s };
        let words = |v: &[i32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
        let mut out = vec![0u8; 24];
        div_s32(&p, &words(&[7, -7, 7, -7, 5, i32::MIN]), &words(&[2, 2, -2, -2, 0, -1]), &mut out);
        let got: Vec<i32> = out.chunks(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(got, [3, -3, -3, 3, 0, i32::MIN]);
        let p = ArithS32Params { act_min: 0, act_max: 6, ..p };
        div_s32(&p, &words(&[70, -7, 7, -7, 5, 1]), &words(&[2, 2, -2, -2, 0, 1]), &mut out);
        let got: Vec<i32> = out.chunks(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(got, [6, 0, 0, 3, 0, 1]);
    }

    #[test]
    fn float_divides_with_broadcast_and_clamp() {
        let s = BroadcastShapes { input1: [1, 1, 1, 3], input2: [1, 1, 1, 1], output: [1, 1, 1, 3] };
        let p = ArithF32Params { act_min: -1.0, act_max: 1.0, shapes: s };
        let a: Vec<u8> = [0.5f32, -8.0, 3.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = vec![0u8; 12];
        div_f32(&p, &a, &4.0f32.to_le_bytes(), &mut out);
        let got: Vec<f32> = out.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(got, [0.125, -1.0, 0.75]);
    }
}
