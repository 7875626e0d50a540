//! SOFTMAX, int8 in / int8 out (TFLM `reference_ops::Softmax<int8_t, int8_t>`).

use crate::fixed_point::{
    exp_on_negative_values, get_reciprocal, multiply_by_quantized_multiplier_greater_than_one,
    rescale, rounding_divide_by_pot, saturating_rounding_doubling_high_mul,
};

/// Static parameters of one SOFTMAX over the last axis.
#[derive(Clone, Copy, Debug)]
pub struct SoftmaxParams {
    /// Number of independent rows (product of all but the last dimension).
    pub rows: usize,
    /// Length of the last dimension.
    pub depth: usize,
    /// `PreprocessSoftmaxScaling(beta, input_scale, 5)`.
    pub input_multiplier: i32,
    pub input_left_shift: i32,
    /// `-CalculateInputRadius(5, input_left_shift)`: differences below it contribute exp ≈ 0.
    pub diff_min: i32,
}

/// Integer bits of the scaled input differences (Q5.26).
const SCALED_DIFF_INTEGER_BITS: i32 = 5;
/// Integer bits of the sum of exponentials (Q12.19).
const ACCUMULATION_INTEGER_BITS: i32 = 12;

/// SOFTMAX int8 (output zero point −128, scale 1/256), bit-exact with TFLM wherever TFLM
/// returns a result.
///
/// Per row: `exp(β·s·(x − max))` in Q0.31 via gemmlowp's `exp_on_negative_values`, summed in
/// Q12.19, inverted with `GetReciprocal`, and each output is
/// `RoundingDivideByPOT(reciprocal · exp, num_bits_over_unit + 23) − 128`, clamped to int8.
///
/// **Never aborts.** TFLM checks that the final shift exponent is at most 31 and aborts the
/// process otherwise; that happens when the sum of exponentials reaches 512 (e.g. near-uniform
/// logits over ≳ 512 classes). kiln instead completes that one rounding shift exactly for
/// exponents up to 35 ([`rounding_divide_by_pot`] is defined for every exponent): the product
/// `reciprocal · exp` is below 2^31, so the correctly rounded quotient is 0 and such outputs
/// are −128, i.e. the probability (at most 1/512, and the fixed-point product strictly below
/// one half of an output step) rounded to the output's 1/256 grid. Where TFLM
/// does not abort, every output is identical. The Q12.19 sum wraps on overflow exactly like
/// TFLM's int32 addition (only reachable with ≥ 4096 classes).
pub fn softmax_s8(p: &SoftmaxParams, input: &[u8], output: &mut [u8]) {
    if p.depth == 0 {
        return;
    }
    let scaled_exp = |x: u8, max: i32| -> Option<i32> {
        let diff = i32::from(x as i8) - max;
        if diff >= p.diff_min {
            let scaled = multiply_by_quantized_multiplier_greater_than_one(
                diff,
                p.input_multiplier,
                p.input_left_shift,
            );
            Some(exp_on_negative_values::<SCALED_DIFF_INTEGER_BITS>(scaled))
        } else {
            None
        }
    };
    for (in_row, out_row) in input
        .chunks_exact(p.depth)
        .zip(output.chunks_exact_mut(p.depth))
        .take(p.rows)
    {
        let max = in_row
            .iter()
            .map(|&x| i32::from(x as i8))
            .fold(i32::from(i8::MIN), i32::max);

        let mut sum_of_exps = 0i32;
        for &x in in_row {
            if let Some(e) = scaled_exp(x, max) {
                sum_of_exps = sum_of_exps.wrapping_add(rescale(e, 0, ACCUMULATION_INTEGER_BITS));
            }
        }

        let (shifted_scale, num_bits_over_unit) =
            get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS);
        // TFLM: exponent = num_bits_over_unit + 31 - 8, CHECKed to be <= 31; see above.
        let exponent = num_bits_over_unit + 31 - 8;

        for (o, &x) in out_row.iter_mut().zip(in_row) {
            *o = match scaled_exp(x, max) {
                Some(e) => {
                    let unsat = rounding_divide_by_pot(
                        saturating_rounding_doubling_high_mul(shifted_scale, e),
                        exponent,
                    );
                    unsat.wrapping_add(i32::from(i8::MIN)).clamp(-128, 127) as u8
                }
                None => i8::MIN as u8,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{quantize_multiplier, Rng};
    use crate::fixed_point::Requant;
    use std::{vec, vec::Vec};

    /// TFLite `PreprocessSoftmaxScaling` + `CalculateInputRadius` (what codegen computes).
    fn params(beta: f64, input_scale: f64, rows: usize, depth: usize) -> SoftmaxParams {
        let real = (beta * input_scale * (1u64 << (31 - 5)) as f64).min((1u64 << 31) as f64 - 1.0);
        // QuantizeMultiplierGreaterThanOne.
        let Requant { multiplier: m, shift } = quantize_multiplier(real);
        let max_input_rescaled =
            ((1i64 << 5) - 1) as f64 * (1i64 << (31 - 5)) as f64 / (1i64 << shift) as f64;
        SoftmaxParams {
            rows,
            depth,
            input_multiplier: m,
            input_left_shift: shift,
            diff_min: -(max_input_rescaled.floor() as i32),
        }
    }

    /// Real softmax of the dequantized logits (`beta · scale · x`), on the output grid.
    fn float_softmax(p_scale: f64, row: &[u8]) -> Vec<f64> {
        let xs: Vec<f64> = row.iter().map(|&x| x as i8 as f64 * p_scale).collect();
        let m = xs.iter().cloned().fold(f64::MIN, f64::max);
        let e: Vec<f64> = xs.iter().map(|x| (x - m).exp()).collect();
        let s: f64 = e.iter().sum();
        e.iter().map(|v| v / s).collect()
    }

    #[test]
    fn approximates_real_softmax() {
        let mut rng = Rng::new(50);
        for case in 0..600 {
            let depth = if case % 10 == 0 {
                rng.usize(100, 2000)
            } else {
                rng.usize(1, 50)
            };
            let rows = rng.usize(1, 3);
            let scale = [1.0 / 16.0, 0.1, 0.05, 0.2, 0.0039][rng.usize(0, 4)];
            let p = params(1.0, scale, rows, depth);
            let mut input = vec![0u8; rows * depth];
            rng.fill(&mut input);
            if case % 3 == 0 {
                // near-uniform logits
                let base = rng.range(-128, 120) as i8;
                for x in input.iter_mut() {
                    *x = base.wrapping_add(rng.range(0, 3) as i8) as u8;
                }
            }
            let mut out = vec![0u8; rows * depth];
            softmax_s8(&p, &input, &mut out);
            for r in 0..rows {
                let want = float_softmax(scale, &input[r * depth..(r + 1) * depth]);
                for (c, &w) in want.iter().enumerate() {
                    let got = (out[r * depth + c] as i8 as f64 + 128.0) / 256.0;
                    assert!(
                        (got - w).abs() <= 1.0 / 256.0 + 1e-9,
                        "case {case}: {got} vs {w}"
                    );
                }
            }
        }
    }

    /// The rows TFLM aborts on (sum of exps ≥ 512) produce −128 everywhere, which is the
    /// correctly rounded result since every probability is below 1/512.
    #[test]
    fn large_uniform_rows_do_not_abort() {
        for depth in [512, 513, 1000, 1001, 4095, 4096, 5000, 9000] {
            let p = params(1.0, 0.1, 1, depth);
            let input = vec![7u8; depth];
            let mut out = vec![0u8; depth];
            softmax_s8(&p, &input, &mut out);
            if depth < 8192 {
                assert!(out.iter().all(|&o| o as i8 == -128), "depth {depth}");
            }
        }
        // Just below the abort threshold TFLM returns results; check the shift stays ≤ 31 there.
        let p = params(1.0, 0.1, 1, 511);
        let mut out = vec![0u8; 511];
        softmax_s8(&p, &[3u8; 511], &mut out);
        assert!(out.iter().all(|&o| o as i8 == -127)); // 256/511 = 0.501 rounds to 1
        let mut out = vec![0u8; 200];
        softmax_s8(&params(1.0, 0.1, 1, 200), &[3u8; 200], &mut out);
        assert!(out.iter().all(|&o| o as i8 == -127));
    }

    #[test]
    fn exponent_matches_tflm_definition() {
        // For every row where TFLM does not abort, the exponent is in 23..=31 and the kernel uses
        // gemmlowp's RoundingDivideByPOT unchanged; for larger ones the i64 quotient is 0.
        for sum in [1 << 19, (1 << 28) - 1, 1 << 28, i32::MAX] {
            let (_, bits) = get_reciprocal(sum, ACCUMULATION_INTEGER_BITS);
            let e = bits + 23;
            assert!((23..=35).contains(&e));
            for v in [0, 1, 1 << 30, i32::MAX] {
                let exact = (v as i64 + (1i64 << (e - 1))) >> e;
                assert_eq!(rounding_divide_by_pot(v, e) as i64, exact);
            }
        }
    }
}
