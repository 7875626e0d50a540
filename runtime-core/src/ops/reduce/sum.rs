//! SUM over any set of axes, int8 / int16 / float32.
//!
//! TFLM evaluates integer SUM with the routine it uses for MEAN (`QuantizedMeanOrSum`, with
//! `compute_sum = true`): int32 sums, minus `input_zero_point · n`, rescaled by
//! `QuantizeMultiplier(input_scale / output_scale)` — the multiplier without MEAN's `1/n`
//! fold. Float SUM is `ReduceGeneric` with `init = 0.0` and `acc = x + acc`.

use super::super::mean::{rescale_sums, MeanParams};
use super::{fold_groups, Reduction};

/// SUM int8, bit-exact with TFLM (`p.requant` is the plain input/output scale ratio).
pub fn sum_s8(p: &MeanParams, input: &[u8], output: &mut [u8]) {
    rescale_sums::<i8, i8>(p, input, output, (-128, 127), |v| v as i8);
}

/// SUM int16, bit-exact with TFLM.
pub fn sum_s16(p: &MeanParams, input: &[u8], output: &mut [u8]) {
    rescale_sums::<i16, i16>(p, input, output, (-32768, 32767), |v| v as i16);
}

/// SUM float32, bit-exact with TFLM: row-major order, starting from `0.0`.
pub fn sum_f32(r: &Reduction, input: &[u8], output: &mut [u8]) {
    fold_groups(r, input, output, 0.0f32, |acc, x: f32| x + acc, |s| s);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::Case;
    use super::*;
    use crate::fixed_point::testing::{ref_mbqm, Rng};
    use crate::fixed_point::Requant;
    use std::{vec, vec::Vec};

    #[test]
    fn s8_is_rescaled_sum_without_fold() {
        let mut rng = Rng::new(80);
        for case in 0..1500 {
            let c = Case::random(&mut rng);
            let total: usize = c.shape.iter().product();
            let mut input = vec![0u8; total];
            rng.fill(&mut input);
            let groups = c.groups();
            let n = groups[0].len() as i64;
            let in_zp = rng.range(-128, 127);
            let p = MeanParams {
                reduction: c.geometry,
                zero_point_sum: in_zp * n,
                output_zero_point: rng.range(-128, 127) as i32,
                requant: Requant { multiplier: rng.range(1 << 30, (1i64 << 31) - 1) as i32, shift: rng.range(-8, 2) as i32 },
            };
            let want: Vec<u8> = groups
                .iter()
                .map(|g| {
                    let s: i64 = g.iter().map(|&i| input[i] as i8 as i64 - in_zp).sum();
                    (ref_mbqm(s as i32, p.requant) as i64 + p.output_zero_point as i64).clamp(-128, 127) as i8 as u8
                })
                .collect();
            let mut got = vec![0u8; want.len()];
            sum_s8(&p, &input, &mut got);
            assert_eq!(got, want, "case {case}: shape {:?} axes {:?}", c.shape, c.axes);
        }
    }

    #[test]
    fn s16_is_rescaled_sum_without_fold() {
        let mut rng = Rng::new(81);
        for case in 0..1000 {
            let c = Case::random(&mut rng);
            let total: usize = c.shape.iter().product();
            let mut input = vec![0u8; 2 * total];
            rng.fill(&mut input);
            let x = |i: usize| i16::from_le_bytes([input[2 * i], input[2 * i + 1]]) as i64;
            let groups = c.groups();
            let p = MeanParams {
                reduction: c.geometry,
                zero_point_sum: 0,
                output_zero_point: 0,
                requant: Requant { multiplier: rng.range(1 << 30, (1i64 << 31) - 1) as i32, shift: rng.range(-8, 0) as i32 },
            };
            let mut want = Vec::new();
            for g in &groups {
                let s: i64 = g.iter().map(|&i| x(i)).sum();
                let v = (ref_mbqm(s as i32, p.requant) as i64).clamp(-32768, 32767) as i16;
                want.extend_from_slice(&v.to_le_bytes());
            }
            let mut got = vec![0u8; want.len()];
            sum_s16(&p, &input, &mut got);
            assert_eq!(got, want, "case {case}");
        }
    }

    #[test]
    fn f32_sums_in_row_major_order() {
        let mut rng = Rng::new(82);
        for case in 0..1000 {
            let c = Case::random(&mut rng);
            let total: usize = c.shape.iter().product();
            let xs: Vec<f32> = (0..total).map(|_| rng.range(-1000, 1000) as f32 * 10f32.powi(rng.range(-6, 6) as i32)).collect();
            let input: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
            let mut want = Vec::new();
            for g in c.groups() {
                let s = g.iter().fold(0.0f32, |a, &i| a + xs[i]);
                want.extend_from_slice(&s.to_le_bytes());
            }
            let mut got = vec![0u8; want.len()];
            sum_f32(&c.geometry, &input, &mut got);
            assert_eq!(got, want, "case {case}");
        }
    }
}
