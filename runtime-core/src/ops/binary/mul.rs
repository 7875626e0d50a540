//! MUL: int8 and int16 (TFLM `reference_integer_ops::Mul` / `BroadcastMul4DSlow`) and float32
//! (`reference_ops::Mul`).

use super::{
    broadcast_map, clamp_f32, f32_of, i16_of, i32_of, i8_of, ArithF32Params, ArithS32Params, BroadcastShapes,
};
use crate::fixed_point::{multiply_by_quantized_multiplier, Requant};

/// Static parameters of one quantized MUL (TFLM `OpDataMul`).
#[derive(Clone, Copy, Debug)]
pub struct MulParams {
    /// `-input1_zero_point` (0 for int16, which TFLM requires symmetric).
    pub input1_offset: i32,
    /// `-input2_zero_point`.
    pub input2_offset: i32,
    /// `input1_scale · input2_scale / output_scale` (`QuantizeMultiplier`, any shift).
    pub output_requant: Requant,
    /// Output zero point.
    pub output_offset: i32,
    /// Fused activation clamp in the output's quantized domain.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// Input and output shapes, extended to four dimensions for broadcasting.
    pub shapes: BroadcastShapes,
}

/// TFLM `MulElementwise`: the product of the two offset inputs is exact in int32 (at most
/// 255² for int8 and 2^30 for symmetric int16), then rescaled once to the output scale.
#[inline(always)]
fn mul_one(p: &MulParams, x: i32, y: i32) -> i32 {
    let prod = p.input1_offset.wrapping_add(x).wrapping_mul(p.input2_offset.wrapping_add(y));
    multiply_by_quantized_multiplier(prod, p.output_requant)
        .wrapping_add(p.output_offset)
        .max(p.act_min)
        .min(p.act_max)
}

/// MUL int8, bit-exact with TFLM.
pub fn mul_s8(p: &MulParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a, b| [mul_one(p, i8_of(a), i8_of(b)) as i8 as u8]);
}

/// MUL int16 (symmetric), bit-exact with TFLM.
pub fn mul_s16(p: &MulParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a, b| {
        (mul_one(p, i16_of(a), i16_of(b)) as i16).to_le_bytes()
    });
}

/// MUL float32: `clamp(x · y)`, the single IEEE product TFLM computes.
pub fn mul_f32(p: &ArithF32Params, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a, b| {
        clamp_f32(f32_of(a) * f32_of(b), p.act_min, p.act_max).to_le_bytes()
    });
}

/// MUL int32: `clamp(x · y)`, wrapping on overflow.
pub fn mul_s32(p: &ArithS32Params, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a, b| {
        i32_of(a).wrapping_mul(i32_of(b)).max(p.act_min).min(p.act_max).to_le_bytes()
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::check_random_cases;
    use super::*;
    use crate::fixed_point::testing::{quantize_multiplier, ref_mbqm, Rng};
    use std::{vec, vec::Vec};

    fn params(rng: &mut Rng, shapes: BroadcastShapes, int16: bool) -> MulParams {
        let sc = |rng: &mut Rng| 0.0005 + (rng.next_u64() % 1000) as f64 / 5000.0;
        let (s1, s2, so) = (sc(rng), sc(rng), sc(rng) / 4.0);
        let zp = |rng: &mut Rng| if int16 { 0 } else { rng.range(-128, 127) as i32 };
        let (lo, hi) = if int16 { (-32768, 32767) } else { (rng.act_min(), rng.act_max()) };
        MulParams {
            input1_offset: -zp(rng),
            input2_offset: -zp(rng),
            output_requant: quantize_multiplier(s1 * s2 / so),
            output_offset: zp(rng),
            act_min: lo,
            act_max: hi,
            shapes,
        }
    }

    /// TFLM's formula in i64, so an int32 overflow in the kernel would show.
    fn reference(p: &MulParams, x: i32, y: i32) -> i32 {
        let prod = (x as i64 + p.input1_offset as i64) * (y as i64 + p.input2_offset as i64);
        assert!(prod.unsigned_abs() <= 1 << 31);
        let v = ref_mbqm(prod as i32, p.output_requant) as i64 + p.output_offset as i64;
        v.clamp(p.act_min as i64, p.act_max as i64) as i32
    }

    #[test]
    fn int8_matches_reference_with_broadcasting() {
        check_random_cases::<1, _>(70, 2000, |rng, s| params(rng, s, false), mul_s8, reference);
    }

    #[test]
    fn int16_matches_reference_with_broadcasting() {
        check_random_cases::<2, _>(71, 2000, |rng, s| params(rng, s, true), mul_s16, reference);
    }

    #[test]
    fn float_clamps_to_the_activation_range() {
        let s = BroadcastShapes { input1: [1, 1, 1, 3], input2: [1, 1, 1, 1], output: [1, 1, 1, 3] };
        let p = ArithF32Params { act_min: 0.0, act_max: 6.0, shapes: s };
        let a: Vec<u8> = [-1.5f32, 2.5, 4.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let b = 2.0f32.to_le_bytes();
        let mut out = vec![0u8; 12];
        mul_f32(&p, &a, &b, &mut out);
        let got: Vec<f32> = out.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(got, [0.0, 5.0, 6.0]);
    }
}
