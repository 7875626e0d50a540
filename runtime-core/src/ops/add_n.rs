//! ADD_N: the element-wise sum of N tensors of one shape (TFLM `reference_ops::AddN`, float32
//! and int8).

use super::binary::{f32_of, put};
use crate::fixed_point::{multiply_by_quantized_multiplier_smaller_than_one_exp, Requant};

/// How TFLM's int8 sums (ADD_N, CUMSUM: their `OpData`) rescale: every term shares one scale
/// and zero point, each is rescaled as ADD rescales its inputs, the sum to the output.
#[derive(Clone, Copy, Debug)]
pub struct SumRescale {
    /// `-input_zero_point`.
    pub input_offset: i32,
    /// 20, as for int8 ADD.
    pub left_shift: i32,
    /// Each input to the common scale (shift ≤ 0).
    pub input_requant: Requant,
    /// The sum to the output's scale (shift ≤ 0).
    pub output_requant: Requant,
    /// Output zero point.
    pub output_offset: i32,
    /// Lower clamp (ADD_N has no fused activation: the int8 range).
    pub act_min: i32,
    /// Upper clamp.
    pub act_max: i32,
}

/// int8 ADD_N, bit-exact with TFLM: each input `x` becomes
/// `MBQMSmallerThanOneExp((x + input_offset) << left_shift, input_requant)`, the sum is
/// rescaled to the output. TFLM's sum does not start at zero but at the rescaled
/// `input_offset` (the real value of the byte 0, an extra `−zero_point · scale` term); kiln
/// starts there too, so the bytes agree.
pub fn add_n_s8(p: &SumRescale, inputs: &[&[u8]], output: &mut [u8]) {
    for (i, o) in output.iter_mut().enumerate() {
        let sum = inputs.iter().map(|x| x.get(i).copied().unwrap_or(0)).fold(p.start(), |acc, x| acc.wrapping_add(p.term(x)));
        *o = p.output(sum);
    }
}

impl SumRescale {
    /// Where TFLM starts the sum: the rescaled `input_offset` (see [`add_n_s8`]).
    #[inline(always)]
    pub(crate) fn start(&self) -> i32 {
        self.scale(self.input_offset)
    }

    /// One int8 term, rescaled.
    #[inline(always)]
    pub(crate) fn term(&self, x: u8) -> i32 {
        self.scale(self.input_offset.wrapping_add(i32::from(x as i8)))
    }

    #[inline(always)]
    fn scale(&self, y: i32) -> i32 {
        multiply_by_quantized_multiplier_smaller_than_one_exp(y.wrapping_mul(1 << self.left_shift), self.input_requant)
    }

    /// A rescaled sum as the output byte.
    #[inline(always)]
    pub(crate) fn output(&self, sum: i32) -> u8 {
        let out = multiply_by_quantized_multiplier_smaller_than_one_exp(sum, self.output_requant).wrapping_add(self.output_offset);
        out.max(self.act_min).min(self.act_max) as u8
    }
}

/// float32 ADD_N: `0 + x₀ + x₁ + …` in input order, element by element, as TFLM sums.
pub fn add_n_f32(inputs: &[&[u8]], output: &mut [u8]) {
    for (i, o) in output.chunks_exact_mut(4).enumerate() {
        let at = |x: &[u8]| x.get(4 * i..4 * i + 4).and_then(|b| b.try_into().ok()).map_or(0.0, f32_of);
        let sum = inputs.iter().fold(0.0f32, |acc, x| acc + at(x));
        put(o, sum.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{quantize_multiplier, ref_mbqm, Rng};
    use std::{vec, vec::Vec};

    /// Against the definition with TFLM's multipliers for random scales, zero points and 2–5
    /// inputs (TFLM computes `MBQMSmallerThanOneExp` as `ref_mbqm` for shifts ≤ 0).
    #[test]
    fn int8_matches_the_definition() {
        let mut rng = Rng::new(0xadd5);
        for case in 0..300 {
            let n = rng.usize(2, 5);
            let len = rng.usize(1, 40);
            let inputs: Vec<Vec<u8>> = (0..n)
                .map(|_| {
                    let mut v = vec![0u8; len];
                    rng.fill(&mut v);
                    v
                })
                .collect();
            let (s_in, s_out) = (0.01 + rng.usize(0, 100) as f64 * 0.001, 0.02 + rng.usize(0, 100) as f64 * 0.003);
            let zp = rng.range(-128, 127) as i32;
            let p = SumRescale {
                input_offset: -zp,
                left_shift: 20,
                input_requant: quantize_multiplier(0.5),
                output_requant: quantize_multiplier(2.0 * s_in / ((1 << 20) as f64 * s_out)),
                output_offset: rng.range(-128, 127) as i32,
                act_min: -128,
                act_max: 127,
            };
            let refs: Vec<&[u8]> = inputs.iter().map(|v| v.as_slice()).collect();
            let mut got = vec![0u8; len];
            add_n_s8(&p, &refs, &mut got);
            for i in 0..len {
                let scaled = |y: i32| ref_mbqm(y << 20, p.input_requant);
                let sum = inputs.iter().fold(scaled(-zp), |a, x| a + scaled(x[i] as i8 as i32 - zp));
                let want = (ref_mbqm(sum, p.output_requant) + p.output_offset).clamp(-128, 127) as i8 as u8;
                assert_eq!(got[i], want, "case {case} element {i}");
            }
        }
    }

    #[test]
    fn float_sums_in_order() {
        let a: Vec<u8> = [1.5f32, -0.0, 1e30].iter().flat_map(|v| v.to_le_bytes()).collect();
        let b: Vec<u8> = [2.25f32, -0.0, 1e30].iter().flat_map(|v| v.to_le_bytes()).collect();
        let c: Vec<u8> = [-1.0f32, -0.0, -1e30].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = vec![0u8; 12];
        add_n_f32(&[&a, &b, &c], &mut out);
        let got: Vec<f32> = out.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        // 0 + (−0) + (−0) + (−0) is +0 (the sum starts at +0), and 1e30 + 1e30 − 1e30 in order.
        assert_eq!(got[0], 2.75);
        assert!(got[1] == 0.0 && got[1].is_sign_positive());
        assert_eq!(got[2], (1e30f32 + 1e30f32) - 1e30f32);
    }
}
