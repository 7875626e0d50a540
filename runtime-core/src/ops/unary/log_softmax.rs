//! LOG_SOFTMAX on int8 (TFLM `reference_ops::LogSoftmaxQuantized<int8_t>`, gemmlowp fixed
//! point) and float32 (`reference_ops::LogSoftmax`), row by row over the innermost axis:
//! `x − max − log Σ exp(x − max)`.

use crate::fixed_point::{
    exp_on_negative_values, multiply_by_quantized_multiplier, one_over_one_plus_x_for_x_in_0_1,
    rescale, rounding_divide_by_pot, rounding_half_sum, saturating_rounding_doubling_high_mul as mul,
    saturating_rounding_multiply_by_pot, Requant,
};

/// Prepare-time constants of one int8 LOG_SOFTMAX (output scale 16/256, zero point 127).
#[derive(Clone, Copy, Debug)]
pub struct LogSoftmaxParams {
    /// Product of the outer dimensions.
    pub rows: usize,
    /// Innermost dimension: the axis the softmax runs over.
    pub depth: usize,
    /// `input_scale · 2^26` (beta 1), a left-shifting multiplier: input differences to Q5.26.
    pub input_multiplier: Requant,
    /// Its inverse, to bring a Q5.26 threshold back to input units.
    pub reverse_scaling: Requant,
    /// Differences below this contribute nothing (`-CalculateInputRadius(5, shift)`).
    pub diff_min: i32,
}

const INPUT_INTEGER_BITS: i32 = 5;
const ACCUMULATION_INTEGER_BITS: i32 = 12;
const OUTPUT_INTEGER_BITS: i32 = 4;

/// `log(x)` of a positive Q12.19 `x` ≥ 1 as Q5.26 (TFLM
/// `log_x_for_x_greater_than_or_equal_to_1_impl<5, 12>`): split `x = 2^k · r` with `r` near 1
/// (two candidate normalisations, one pre-scaled by √½, keeping the better), then
/// `k·log 2 + log r` with `log r` from a rational approximation around ⁴√½.
fn log_x_ge_1_q5(x: i32) -> i32 {
    const LOG_2: i32 = 1_488_522_236;
    const SQRT_SQRT_HALF: i32 = 1_805_811_301;
    const SQRT_HALF: i32 = 1_518_500_250;
    const ONE_QUARTER: i32 = 536_870_912;
    const ALPHA_N: i32 = 117_049_297;
    const ALPHA_D: i32 = 127_690_142;
    const ALPHA_I: i32 = 1_057_819_769;
    const ALPHA_F: i32 = 638_450_708;
    // One more integer bit than the output while accumulating.
    const ACCUM_BITS: i32 = INPUT_INTEGER_BITS + 1;
    let shifted_quarter = rescale(ONE_QUARTER, 0, ACCUM_BITS);

    // x re-read as Q0.31; the exponent is worked out from the leading zeros.
    let z_a = x;
    let z_a_headroom_plus_1 = (z_a as u32).leading_zeros() as i32;
    let r_a_tmp = saturating_rounding_multiply_by_pot(z_a, z_a_headroom_plus_1 - 1);
    let r_a = saturating_rounding_multiply_by_pot(mul(r_a_tmp, SQRT_HALF), 1);
    let z_a_pow_2_adj = saturating_rounding_multiply_by_pot(
        ACCUMULATION_INTEGER_BITS - z_a_headroom_plus_1,
        31 - ACCUM_BITS,
    )
    .saturating_add(shifted_quarter);

    let z_b = mul(z_a, SQRT_HALF);
    let z_b_headroom = (z_b as u32).leading_zeros() as i32 - 1;
    let r_b = saturating_rounding_multiply_by_pot(z_a, z_b_headroom);
    let z_b_pow_2_adj =
        saturating_rounding_multiply_by_pot(ACCUMULATION_INTEGER_BITS - z_b_headroom, 31 - ACCUM_BITS)
            .saturating_sub(shifted_quarter);

    let r = r_a.min(r_b);
    let z_pow_2_adj = z_a_pow_2_adj.max(z_b_pow_2_adj);

    let p = rounding_half_sum(r, SQRT_SQRT_HALF);
    let q = r.wrapping_sub(SQRT_SQRT_HALF);
    let q = q.wrapping_add(q);
    let common_sq = mul(q, q);
    let num = mul(q, r).wrapping_add(mul(mul(q, common_sq), ALPHA_N));
    let denom_minus_one = mul(p, ALPHA_I.wrapping_add(q).wrapping_add(mul(ALPHA_D, common_sq)))
        .wrapping_add(mul(ALPHA_F, q));
    let recip_denom = one_over_one_plus_x_for_x_in_0_1(denom_minus_one);
    let num_scaled = rescale(num, 0, ACCUM_BITS);
    rescale(
        mul(z_pow_2_adj, LOG_2).wrapping_add(mul(num_scaled, recip_denom)),
        ACCUM_BITS,
        INPUT_INTEGER_BITS,
    )
}

/// One row: TFLM's two passes (sum of exps of the in-range differences, then outputs).
fn log_softmax_row(p: &LogSoftmaxParams, input: &[u8], output: &mut [u8]) {
    let max = input.iter().map(|&x| x as i8).max().unwrap_or(i8::MIN);
    let diff = |x: u8| i32::from(x as i8) - i32::from(max);
    let mut sum_of_exps: i32 = 0; // Q12.19
    for &x in input {
        let d = diff(x);
        if d >= p.diff_min {
            let scaled = multiply_by_quantized_multiplier(d, p.input_multiplier);
            let e = exp_on_negative_values::<INPUT_INTEGER_BITS>(scaled);
            sum_of_exps = sum_of_exps.wrapping_add(rescale(e, 0, ACCUMULATION_INTEGER_BITS));
        }
    }
    let log_sum = log_x_ge_1_q5(sum_of_exps);
    // The smallest Q5.26 value plus the log-sum, back in input units: differences at or below
    // it would underflow the output and are written as −128 directly.
    let shifted_log_sum = log_sum.wrapping_add(i32::MIN);
    let adjusted_diff_min =
        (p.diff_min - 1).max(multiply_by_quantized_multiplier(shifted_log_sum, p.reverse_scaling));
    for (o, &x) in output.iter_mut().zip(input) {
        let d = diff(x);
        *o = if d > adjusted_diff_min {
            let scaled = multiply_by_quantized_multiplier(d, p.input_multiplier);
            let q = rounding_divide_by_pot(
                scaled.wrapping_sub(log_sum),
                31 - INPUT_INTEGER_BITS - OUTPUT_INTEGER_BITS,
            )
            .wrapping_add(127);
            q.clamp(-128, 127) as i8 as u8
        } else {
            i8::MIN as u8
        };
    }
}

/// LOG_SOFTMAX int8, bit-exact with TFLM.
pub fn log_softmax_s8(p: &LogSoftmaxParams, input: &[u8], output: &mut [u8]) {
    if p.depth == 0 {
        return;
    }
    for (i, o) in input.chunks_exact(p.depth).zip(output.chunks_exact_mut(p.depth)).take(p.rows) {
        log_softmax_row(p, i, o);
    }
}

/// LOG_SOFTMAX float32, bit-exact with TFLM on a host whose libm is Arm's `expf`/`logf`
/// (glibc, newlib): the row maximum with `std::max`'s comparison, the exps summed in order in
/// single precision, then `(x − max) − log(sum)`.
pub fn log_softmax_f32(input: &[u8], output: &mut [u8], rows: usize, depth: usize) {
    let width = depth * 4;
    if width == 0 {
        return;
    }
    let value = |c: &[u8]| f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    for (row, out) in input.chunks_exact(width).zip(output.chunks_exact_mut(width)).take(rows) {
        let max = row.chunks_exact(4).map(value).fold(f32::MIN, |m, v| if m < v { v } else { m });
        let sum = row.chunks_exact(4).map(value).fold(0.0f32, |acc, v| acc + crate::float_math::expf(v - max));
        let log_sum = crate::float_math::logf(sum);
        for (o, x) in out.chunks_exact_mut(4).zip(row.chunks_exact(4)) {
            o.copy_from_slice(&(value(x) - max - log_sum).to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{quantize_multiplier, Rng};
    use std::vec;

    /// TFLM's prepare for beta 1 and the given input scale.
    fn params(scale: f64, rows: usize, depth: usize) -> LogSoftmaxParams {
        let input_multiplier = quantize_multiplier((scale * (1u64 << 26) as f64).min((1u64 << 31) as f64 - 1.0));
        let reverse = (1i64 << (31 - input_multiplier.shift)) as f64 / input_multiplier.multiplier as f64;
        let max_input_rescaled = 31.0 * (1u64 << 26) as f64 / (1u64 << input_multiplier.shift) as f64;
        LogSoftmaxParams {
            rows,
            depth,
            input_multiplier,
            reverse_scaling: quantize_multiplier(reverse),
            diff_min: -(max_input_rescaled.floor() as i32),
        }
    }

    #[test]
    fn float_matches_the_formula_on_host_libm() {
        let xs: std::vec::Vec<f32> = (0..30).map(|i| ((i * 7919 % 61) as f32 - 30.0) * 0.37).collect();
        let input: std::vec::Vec<u8> = xs.iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = vec![0u8; input.len()];
        log_softmax_f32(&input, &mut out, 3, 10);
        for (r, row) in xs.chunks(10).enumerate() {
            let max = row.iter().cloned().fold(f32::MIN, f32::max);
            let mut sum = 0.0f32;
            for v in row {
                sum += std::primitive::f32::exp(v - max);
            }
            let log_sum = std::primitive::f32::ln(sum);
            for (c, v) in row.iter().enumerate() {
                let k = (r * 10 + c) * 4;
                let got = f32::from_le_bytes([out[k], out[k + 1], out[k + 2], out[k + 3]]);
                assert_eq!(got.to_bits(), (v - max - log_sum).to_bits(), "row {r} col {c}");
            }
        }
    }

    #[test]
    fn log_of_powers_of_two_and_e() {
        // log(2^k) for x = 2^k in Q12.19.
        for k in 0..12 {
            let got = log_x_ge_1_q5(1 << (19 + k)) as f64 / (1u64 << 26) as f64;
            assert!((got - k as f64 * std::f64::consts::LN_2).abs() < 1e-6, "log 2^{k} = {got}");
        }
        let e = (std::f64::consts::E * (1u64 << 19) as f64) as i32;
        assert!((log_x_ge_1_q5(e) as f64 / (1u64 << 26) as f64 - 1.0).abs() < 1e-5);
    }

    #[test]
    fn tracks_float_log_softmax() {
        let mut rng = Rng::new(0x105f);
        for &(scale, depth) in &[(0.05f64, 10usize), (0.1, 37), (0.02, 200), (0.5, 5), (0.0123, 1)] {
            let p = params(scale, 3, depth);
            let mut input = vec![0u8; 3 * depth];
            rng.fill(&mut input);
            let mut out = vec![0u8; 3 * depth];
            log_softmax_s8(&p, &input, &mut out);
            for (row_in, row_out) in input.chunks(depth).zip(out.chunks(depth)) {
                let xs: std::vec::Vec<f64> = row_in.iter().map(|&b| (b as i8) as f64 * scale).collect();
                let m = xs.iter().cloned().fold(f64::MIN, f64::max);
                let lse = xs.iter().map(|x| (x - m).exp()).sum::<f64>().ln();
                for (x, &o) in xs.iter().zip(row_out) {
                    let want = ((x - m - lse) * 16.0).round() + 127.0;
                    let want = want.clamp(-128.0, 127.0);
                    assert!((o as i8 as f64 - want).abs() <= 1.0, "scale {scale} depth {depth}: {} vs {want}", o as i8);
                }
            }
        }
    }
}
