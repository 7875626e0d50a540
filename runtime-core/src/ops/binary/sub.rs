//! SUB: int8 and int16 (TFLM `reference_ops::Sub` / `BroadcastQuantSubSlow`, ADD's general
//! rescaling path with a difference in the middle) and float32.

use super::{
    broadcast_map, clamp_f32, f32_of, i16_of, i32_of, i8_of, to_common_scale, ArithF32Params, ArithS32Params,
    BroadcastShapes,
};
use crate::fixed_point::{multiply_by_quantized_multiplier_smaller_than_one_exp as scale, Requant};

/// Static parameters of one quantized SUB (TFLM `OpDataSub`).
#[derive(Clone, Copy, Debug)]
pub struct SubParams {
    /// `-input1_zero_point`.
    pub input1_offset: i32,
    /// `-input2_zero_point`.
    pub input2_offset: i32,
    /// 20 for int8, 15 for int16: headroom so the rescaled inputs keep their precision.
    pub left_shift: i32,
    /// `input_scale / (2 · max input scale)`; shifts ≤ 0 (`QuantizeMultiplierSmallerThanOneExp`).
    pub input1_requant: Requant,
    /// Rescales the second input the same way.
    pub input2_requant: Requant,
    /// `2 · max input scale / (2^left_shift · output_scale)`.
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

/// TFLM `SubElementwise`: both inputs shifted left and rescaled to a common scale, subtracted,
/// rescaled to the output. Arithmetic wraps where the C++ int32 would.
#[inline(always)]
fn sub_one(p: &SubParams, x: i32, y: i32) -> i32 {
    let a = to_common_scale(x, p.input1_offset, p.left_shift, p.input1_requant);
    let b = to_common_scale(y, p.input2_offset, p.left_shift, p.input2_requant);
    scale(a.wrapping_sub(b), p.output_requant)
        .wrapping_add(p.output_offset)
        .max(p.act_min)
        .min(p.act_max)
}

/// SUB int8, bit-exact with TFLM.
pub fn sub_s8(p: &SubParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a, b| [sub_one(p, i8_of(a), i8_of(b)) as i8 as u8]);
}

/// SUB int16, bit-exact with TFLM.
pub fn sub_s16(p: &SubParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a, b| {
        (sub_one(p, i16_of(a), i16_of(b)) as i16).to_le_bytes()
    });
}

/// SUB float32: `clamp(x − y)`.
pub fn sub_f32(p: &ArithF32Params, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a, b| {
        clamp_f32(f32_of(a) - f32_of(b), p.act_min, p.act_max).to_le_bytes()
    });
}

/// SUB int32: `clamp(x − y)`, wrapping on overflow (undefined in the C++; two's complement
/// hardware wraps).
pub fn sub_s32(p: &ArithS32Params, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a, b| {
        i32_of(a).wrapping_sub(i32_of(b)).max(p.act_min).min(p.act_max).to_le_bytes()
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::check_random_cases;
    use super::*;
    use crate::fixed_point::testing::{quantize_multiplier, round_half_away, round_half_up, Rng};
    use std::{vec, vec::Vec};

    /// Exact `MultiplyByQuantizedMultiplierSmallerThanOneExp`.
    fn ref_scale(x: i64, rq: Requant) -> i64 {
        let x = x as i32 as i128;
        let high = round_half_up(x * rq.multiplier as i128, 31).clamp(i32::MIN as i128, i32::MAX as i128);
        round_half_away(high, (-rq.shift) as u32) as i64
    }

    fn reference(p: &SubParams, x: i32, y: i32) -> i32 {
        let a = ref_scale((x as i64 + p.input1_offset as i64) << p.left_shift, p.input1_requant);
        let b = ref_scale((y as i64 + p.input2_offset as i64) << p.left_shift, p.input2_requant);
        let o = ref_scale(a - b, p.output_requant) + p.output_offset as i64;
        o.clamp(p.act_min as i64, p.act_max as i64) as i32
    }

    fn params(rng: &mut Rng, shapes: BroadcastShapes, int16: bool) -> SubParams {
        let sc = |rng: &mut Rng| 0.001 + (rng.next_u64() % 1000) as f64 / 10000.0;
        let (s1, s2, so) = (sc(rng), sc(rng), sc(rng));
        let twice_max = 2.0 * s1.max(s2);
        let left_shift = if int16 { 15 } else { 20 };
        let zp = |rng: &mut Rng| if int16 { 0 } else { rng.range(-128, 127) as i32 };
        let (lo, hi) = if int16 { (-32768, 32767) } else { (rng.act_min(), rng.act_max()) };
        SubParams {
            input1_offset: -zp(rng),
            input2_offset: -zp(rng),
            left_shift,
            input1_requant: quantize_multiplier(s1 / twice_max),
            input2_requant: quantize_multiplier(s2 / twice_max),
            output_requant: quantize_multiplier(twice_max / ((1i64 << left_shift) as f64 * so)),
            output_offset: zp(rng),
            act_min: lo,
            act_max: hi,
            shapes,
        }
    }

    #[test]
    fn int8_matches_reference_with_broadcasting() {
        check_random_cases::<1, _>(72, 2000, |rng, s| params(rng, s, false), sub_s8, reference);
    }

    #[test]
    fn int16_matches_reference_with_broadcasting() {
        check_random_cases::<2, _>(73, 2000, |rng, s| params(rng, s, true), sub_s16, reference);
    }

    #[test]
    fn float_broadcasts_the_second_operand() {
        let s = BroadcastShapes { input1: [1, 1, 2, 2], input2: [1, 1, 1, 2], output: [1, 1, 2, 2] };
        let p = ArithF32Params { act_min: f32::MIN, act_max: f32::MAX, shapes: s };
        let a: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let b: Vec<u8> = [0.5f32, -1.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = vec![0u8; 16];
        sub_f32(&p, &a, &b, &mut out);
        let got: Vec<f32> = out.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(got, [0.5, 3.0, 2.5, 5.0]);
    }
}
