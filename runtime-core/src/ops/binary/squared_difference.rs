//! SQUARED_DIFFERENCE: `(x − y)²`, int8 and int16 (TFLM `squared_difference.cc`, which rescales
//! both inputs like ADD, squares the int32 difference and rescales the square) and float32.

use super::{broadcast_map, f32_of, i16_of, i32_of, i8_of, to_common_scale, BroadcastShapes};
use crate::fixed_point::{multiply_by_quantized_multiplier, Requant};

/// Static parameters of one quantized SQUARED_DIFFERENCE.
#[derive(Clone, Copy, Debug)]
pub struct SquaredDifferenceParams {
    /// `-input1_zero_point`.
    pub input1_offset: i32,
    /// `-input2_zero_point`.
    pub input2_offset: i32,
    /// 7 for int8 (so `255² · 2^14` fits in int32), 0 for int16.
    pub left_shift: i32,
    /// `input_scale / (2 · max input scale)`, shifts ≤ 0.
    pub input1_requant: Requant,
    /// Rescales the second input the same way.
    pub input2_requant: Requant,
    /// `(2 · max input scale)² / (2^(2 · left_shift) · output_scale)` (`QuantizeMultiplier`).
    pub output_requant: Requant,
    /// Output zero point.
    pub output_offset: i32,
    /// The output type's range (TFLM applies no fused activation to this op).
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// Input and output shapes, extended to four dimensions for broadcasting.
    pub shapes: BroadcastShapes,
}

#[inline(always)]
fn squared_difference_one(p: &SquaredDifferenceParams, x: i32, y: i32) -> i32 {
    let a = to_common_scale(x, p.input1_offset, p.left_shift, p.input1_requant);
    let b = to_common_scale(y, p.input2_offset, p.left_shift, p.input2_requant);
    let d = a.wrapping_sub(b);
    multiply_by_quantized_multiplier(d.wrapping_mul(d), p.output_requant)
        .wrapping_add(p.output_offset)
        .max(p.act_min)
        .min(p.act_max)
}

/// SQUARED_DIFFERENCE int8, bit-exact with TFLM.
pub fn squared_difference_s8(p: &SquaredDifferenceParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a, b| {
        [squared_difference_one(p, i8_of(a), i8_of(b)) as i8 as u8]
    });
}

/// SQUARED_DIFFERENCE int16 (symmetric), bit-exact with TFLM.
pub fn squared_difference_s16(p: &SquaredDifferenceParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input1, input2, output, |a, b| {
        (squared_difference_one(p, i16_of(a), i16_of(b)) as i16).to_le_bytes()
    });
}

/// SQUARED_DIFFERENCE float32: `d · d` with `d = x − y`, as TFLM computes it.
pub fn squared_difference_f32(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| {
        let d = f32_of(a) - f32_of(b);
        (d * d).to_le_bytes()
    });
}

/// SQUARED_DIFFERENCE int32: `d · d` with `d = x − y`, wrapping where the C++ int32 overflows.
pub fn squared_difference_s32(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| {
        let d = i32_of(a).wrapping_sub(i32_of(b));
        d.wrapping_mul(d).to_le_bytes()
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{check_random_cases, pairs, shapes};
    use super::*;
    use crate::fixed_point::testing::{quantize_multiplier, ref_mbqm, round_half_away, round_half_up, Rng};
    use std::{vec, vec::Vec};

    fn ref_scale(x: i64, rq: Requant) -> i64 {
        let high = round_half_up(x as i32 as i128 * rq.multiplier as i128, 31);
        round_half_away(high, (-rq.shift) as u32) as i64
    }

    fn reference(p: &SquaredDifferenceParams, x: i32, y: i32) -> i32 {
        let a = ref_scale((x as i64 + p.input1_offset as i64) << p.left_shift, p.input1_requant);
        let b = ref_scale((y as i64 + p.input2_offset as i64) << p.left_shift, p.input2_requant);
        let sq = (a - b) * (a - b);
        assert!(sq <= i32::MAX as i64, "TFLM's int32 square overflows: {sq}");
        let o = ref_mbqm(sq as i32, p.output_requant) as i64 + p.output_offset as i64;
        o.clamp(p.act_min as i64, p.act_max as i64) as i32
    }

    fn params(rng: &mut Rng, shapes: BroadcastShapes, int16: bool) -> SquaredDifferenceParams {
        let sc = |rng: &mut Rng| 0.001 + (rng.next_u64() % 1000) as f64 / 10000.0;
        let (s1, s2) = (sc(rng), sc(rng));
        let so = sc(rng) * 2.0 * s1.max(s2);
        let twice_max = 2.0 * s1.max(s2);
        let left_shift = if int16 { 0 } else { 7 };
        let zp = |rng: &mut Rng| if int16 { 0 } else { rng.range(-128, 127) as i32 };
        let (lo, hi) = if int16 { (-32768, 32767) } else { (-128, 127) };
        SquaredDifferenceParams {
            input1_offset: -zp(rng),
            input2_offset: -zp(rng),
            left_shift,
            input1_requant: quantize_multiplier(s1 / twice_max),
            input2_requant: quantize_multiplier(s2 / twice_max),
            output_requant: quantize_multiplier(twice_max * twice_max / ((1i64 << (2 * left_shift)) as f64 * so)),
            output_offset: zp(rng),
            act_min: lo,
            act_max: hi,
            shapes,
        }
    }

    #[test]
    fn int8_matches_reference_with_broadcasting() {
        check_random_cases::<1, _>(77, 2000, |rng, s| params(rng, s, false), squared_difference_s8, reference);
    }

    #[test]
    fn int32_wraps_like_the_cpp() {
        let s = BroadcastShapes { input1: [1, 1, 1, 3], input2: [1, 1, 1, 1], output: [1, 1, 1, 3] };
        let a: Vec<u8> = [5i32, -5, 70000].iter().flat_map(|x| x.to_le_bytes()).collect();
        let mut out = vec![0u8; 12];
        squared_difference_s32(&s, &a, &2i32.to_le_bytes(), &mut out);
        let got: Vec<i32> = out.chunks(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(got, [9, 49, (69998i64 * 69998) as i32]);
    }

    #[test]
    fn int16_matches_reference() {
        let mut rng = Rng::new(78);
        for case in 0..500 {
            let s = shapes(&mut rng, case);
            let p = params(&mut rng, s, true);
            let (n1, n2) = (s.input1.iter().product::<usize>(), s.input2.iter().product::<usize>());
            // |x|, |y| < 2^14 keeps TFLM's int32 square of the rescaled difference in range.
            let a: Vec<i16> = (0..n1).map(|_| rng.range(-16383, 16383) as i16).collect();
            let b: Vec<i16> = (0..n2).map(|_| rng.range(-16383, 16383) as i16).collect();
            let want: Vec<u8> = pairs(&s)
                .into_iter()
                .flat_map(|(i, j)| (reference(&p, a[i] as i32, b[j] as i32) as i16).to_le_bytes())
                .collect();
            let bytes = |v: &[i16]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
            let mut got = vec![0u8; want.len()];
            squared_difference_s16(&p, &bytes(&a), &bytes(&b), &mut got);
            assert_eq!(got, want, "case {case}: {s:?}");
        }
    }
}
