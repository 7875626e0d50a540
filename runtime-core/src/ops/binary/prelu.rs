//! PRELU: `x >= 0 ? x : alpha · x` with a broadcast alpha tensor; int8 (TFLM
//! `reference_ops::BroadcastPrelu4DSlow`, two output multipliers, one per branch) and float32.

use super::{broadcast_map, f32_of, i8_of, BroadcastShapes};
use crate::fixed_point::{multiply_by_quantized_multiplier, Requant};

/// Static parameters of one int8 PRELU (TFLM `PreluParams`).
#[derive(Clone, Copy, Debug)]
pub struct PreluParams {
    /// `-input_zero_point`.
    pub input_offset: i32,
    /// `-alpha_zero_point`.
    pub alpha_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// `input_scale / output_scale`, for non-negative inputs.
    pub positive_requant: Requant,
    /// `input_scale · alpha_scale / output_scale`, for negative inputs (times alpha).
    pub negative_requant: Requant,
    /// Input (1) and alpha (2) shapes, broadcast to the output.
    pub shapes: BroadcastShapes,
}

#[inline(always)]
fn prelu_one(p: &PreluParams, x: i32, alpha: i32) -> i32 {
    let v = p.input_offset.wrapping_add(x);
    let scaled = if v >= 0 {
        multiply_by_quantized_multiplier(v, p.positive_requant)
    } else {
        multiply_by_quantized_multiplier(v.wrapping_mul(p.alpha_offset.wrapping_add(alpha)), p.negative_requant)
    };
    scaled.wrapping_add(p.output_offset).clamp(-128, 127)
}

/// PRELU int8, bit-exact with TFLM (clamped to the int8 range; PRELU has no fused activation).
pub fn prelu_s8(p: &PreluParams, input: &[u8], alpha: &[u8], output: &mut [u8]) {
    broadcast_map(&p.shapes, input, alpha, output, |x, a| [prelu_one(p, i8_of(x), i8_of(a)) as i8 as u8]);
}

/// PRELU float32: `x >= 0 ? x : x · alpha`.
pub fn prelu_f32(p: &BroadcastShapes, input: &[u8], alpha: &[u8], output: &mut [u8]) {
    broadcast_map(p, input, alpha, output, |x, a| {
        let (x, a) = (f32_of(x), f32_of(a));
        (if x >= 0.0 { x } else { x * a }).to_le_bytes()
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{check_quantized, shapes};
    use super::*;
    use crate::fixed_point::testing::{quantize_multiplier, ref_mbqm, Rng};
    use std::{format, vec, vec::Vec};

    #[test]
    fn int8_matches_reference_with_broadcasting() {
        let mut rng = Rng::new(82);
        for case in 0..2000 {
            let s = shapes(&mut rng, case);
            let sc = |rng: &mut Rng| 0.001 + (rng.next_u64() % 1000) as f64 / 10000.0;
            let (si, sa, so) = (sc(&mut rng), sc(&mut rng), sc(&mut rng));
            let p = PreluParams {
                input_offset: -(rng.range(-128, 127) as i32),
                alpha_offset: -(rng.range(-128, 127) as i32),
                output_offset: rng.range(-128, 127) as i32,
                positive_requant: quantize_multiplier(si / so),
                negative_requant: quantize_multiplier(si * sa / so),
                shapes: s,
            };
            let reference = |x: i32, alpha: i32| {
                let v = x as i64 + p.input_offset as i64;
                let r = if v >= 0 {
                    ref_mbqm(v as i32, p.positive_requant)
                } else {
                    ref_mbqm((v * (alpha as i64 + p.alpha_offset as i64)) as i32, p.negative_requant)
                };
                (r as i64 + p.output_offset as i64).clamp(-128, 127) as i32
            };
            check_quantized::<1>(&mut rng, &s, |a, b, o| prelu_s8(&p, a, b, o), reference, &format!("case {case}"));
        }
    }

    #[test]
    fn float_scales_only_negative_inputs() {
        let s = BroadcastShapes { input1: [1, 1, 2, 2], input2: [1, 1, 1, 2], output: [1, 1, 2, 2] };
        let x: Vec<u8> = [-2.0f32, 3.0, 0.0, -1.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let a: Vec<u8> = [0.5f32, 0.25].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = vec![0u8; 16];
        prelu_f32(&s, &x, &a, &mut out);
        let got: Vec<f32> = out.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(got, [-1.0, 3.0, 0.0, -0.25]);
    }
}
