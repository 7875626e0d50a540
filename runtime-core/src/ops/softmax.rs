//! SOFTMAX, int8 in / int8 or int16 out (TFLM `reference_ops::Softmax<int8_t, int8_t | int16_t>`).

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
    /// The shift that goes with `input_multiplier`.
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
    for (in_row, out_row) in input
        .chunks_exact(p.depth)
        .zip(output.chunks_exact_mut(p.depth))
        .take(p.rows)
    {
        let mut out = out_row.iter_mut();
        softmax_row::<true>(p, in_row, 8, |v| {
            if let Some(o) = out.next() {
                *o = v as u8;
            }
        });
    }
}

/// SOFTMAX uint8 (output zero point 0, scale 1/256), bit-exact with LiteRT's reference
/// `Softmax<uint8_t, uint8_t>`: the int8 arithmetic (it depends on the inputs only through
/// differences from the row's maximum), the output offset by 0 instead of −128. So each output
/// is [`softmax_s8`]'s plus 128, and it never aborts either.
pub fn softmax_u8(p: &SoftmaxParams, input: &[u8], output: &mut [u8]) {
    if p.depth == 0 {
        return;
    }
    for (in_row, out_row) in input
        .chunks_exact(p.depth)
        .zip(output.chunks_exact_mut(p.depth))
        .take(p.rows)
    {
        let mut out = out_row.iter_mut();
        softmax_row::<false>(p, in_row, 8, |v| {
            if let Some(o) = out.next() {
                *o = v.wrapping_add(128) as u8;
            }
        });
    }
}

/// SOFTMAX int8 in / int16 out (TFLM `reference_ops::Softmax<int8_t, int16_t>`, output zero
/// point −32768): [`softmax_s8`]'s arithmetic with the final shift 8 bits shorter, so each
/// output is `RoundingDivideByPOT(reciprocal · exp, num_bits_over_unit + 15) − 32768`.
/// Never aborts, as [`softmax_s8`] (TFLM's check on the exponent fails only for sums of
/// exponentials of 2^16 and more).
pub fn softmax_s8_s16(p: &SoftmaxParams, input: &[u8], output: &mut [u8]) {
    // Both row sizes non-zero (checked, not wrapped), so neither `chunks_exact` can panic.
    let Some(out_bytes) = p.depth.checked_mul(2).filter(|&b| b != 0) else { return };
    for (in_row, out_row) in input
        .chunks_exact(p.depth)
        .zip(output.chunks_exact_mut(out_bytes))
        .take(p.rows)
    {
        let mut out = out_row.chunks_exact_mut(2);
        softmax_row::<true>(p, in_row, 16, |v| {
            if let Some(o) = out.next() {
                o.copy_from_slice(&(v as i16).to_le_bytes());
            }
        });
    }
}

/// One row of TFLM's quantized softmax with `out_bits`-bit signed outputs (8 or 16), handed to
/// `emit` in order, already offset by the type's minimum and clamped to its range. `SIGNED`:
/// int8 input bytes, else uint8.
#[inline(always)]
fn softmax_row<const SIGNED: bool>(p: &SoftmaxParams, in_row: &[u8], out_bits: i32, mut emit: impl FnMut(i32)) {
    let scaled_exp = |x: u8, max: i32| -> Option<i32> {
        let diff = read::<SIGNED>(x) - max;
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
    let (lo, hi) = (-(1i32 << (out_bits - 1)), (1i32 << (out_bits - 1)) - 1);
    let max = in_row
        .iter()
        .map(|&x| read::<SIGNED>(x))
        .fold(i32::MIN, i32::max);

    let mut sum_of_exps = 0i32;
    for &x in in_row {
        if let Some(e) = scaled_exp(x, max) {
            sum_of_exps = sum_of_exps.wrapping_add(rescale(e, 0, ACCUMULATION_INTEGER_BITS));
        }
    }

    let (shifted_scale, num_bits_over_unit) =
        get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS);
    // TFLM: exponent = num_bits_over_unit + 31 - bits, CHECKed to be <= 31; see above.
    let exponent = num_bits_over_unit + 31 - out_bits;

    for &x in in_row {
        emit(match scaled_exp(x, max) {
            Some(e) => {
                let unsat = rounding_divide_by_pot(
                    saturating_rounding_doubling_high_mul(shifted_scale, e),
                    exponent,
                );
                unsat.wrapping_add(lo).clamp(lo, hi)
            }
            None => lo,
        });
    }
}

/// An input byte's value: int8 or uint8.
#[inline(always)]
fn read<const SIGNED: bool>(x: u8) -> i32 {
    if SIGNED {
        i32::from(x as i8)
    } else {
        i32::from(x)
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

    /// int16 output: within TFLM's fixed-point error (exp and reciprocal in Q0.31, a few
    /// 2^-16 steps) of the real softmax, and the int8 result is the int16 one at 8 bits
    /// coarser, up to one step of its own rounding.
    #[test]
    fn int16_output_approximates_real_softmax() {
        let mut rng = Rng::new(51);
        for case in 0..400 {
            let depth = rng.usize(1, 60);
            let scale = [1.0 / 16.0, 0.1, 0.05, 0.2][rng.usize(0, 3)];
            let p = params(1.0, scale, 1, depth);
            let mut input = vec![0u8; depth];
            rng.fill(&mut input);
            let mut o16 = vec![0u8; depth * 2];
            softmax_s8_s16(&p, &input, &mut o16);
            let mut o8 = vec![0u8; depth];
            softmax_s8(&p, &input, &mut o8);
            let want = float_softmax(scale, &input);
            for (c, &w) in want.iter().enumerate() {
                let q = i16::from_le_bytes([o16[2 * c], o16[2 * c + 1]]) as f64 + 32768.0;
                assert!((q / 65536.0 - w).abs() <= 4.0 / 65536.0, "case {case}: {} vs {w}", q / 65536.0);
                let q8 = o8[c] as i8 as f64 + 128.0;
                assert!((q8 - q / 256.0).abs() <= 1.0, "case {case}: int8 {q8} vs int16/256 {}", q / 256.0);
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
