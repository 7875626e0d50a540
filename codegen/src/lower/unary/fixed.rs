//! Host-side copies of the gemmlowp / TFLM fixed-point primitives the unary tables need.
//!
//! kiln evaluates int8 unary ops through a 256-entry table built here, at compile time, by
//! running TFLM's per-element integer arithmetic on every possible input byte. These functions
//! must therefore round exactly like gemmlowp's `fixedpoint.h` and TFLM's `common.h` (the
//! runtime crate has the same primitives for its kernels; the compiler cannot depend on the
//! runtime crate, whose proc-macro depends on the compiler). Arithmetic is done in `i64` and
//! narrowed where the C++ narrows, wrapping where the compiled C++ wraps.

/// gemmlowp `SaturatingRoundingDoublingHighMul` on int32: `round(a·b / 2^31)`, ties toward +∞
/// (gemmlowp nudges by ±2^30 and truncates), saturating `MIN·MIN`.
pub(crate) fn srdhm(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    let nudge = if ab >= 0 { 1i64 << 30 } else { 1 - (1i64 << 30) };
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// gemmlowp `RoundingDivideByPOT`: `x / 2^e`, rounded to nearest, ties away from zero.
pub(crate) fn rdbpot(x: i32, e: i32) -> i32 {
    if e <= 0 {
        return x;
    }
    let e = e.min(31);
    let mask = ((1i64 << e) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + (x < 0) as i32;
    (x >> e) + (remainder > threshold) as i32
}

/// TFLM `MultiplyByQuantizedMultiplier` (double rounding): `x · m · 2^(shift − 31)`; the left
/// part of the shift is applied first (wrapping like the C++), the right part as a rounding shift.
pub(crate) fn mbqm(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left = shift.max(0);
    let right = (-shift).max(0);
    let shifted = if left >= 32 { 0 } else { x.wrapping_mul(1i32.wrapping_shl(left as u32)) };
    rdbpot(srdhm(shifted, multiplier), right)
}

/// gemmlowp `SaturatingRoundingMultiplyByPOT`.
fn srmbpot(x: i32, e: i32) -> i32 {
    if e < 0 {
        return rdbpot(x, -e);
    }
    if e == 0 {
        return x;
    }
    let threshold = ((1i64 << (31 - e)) - 1) as i32;
    if x > threshold {
        i32::MAX
    } else if x < -threshold {
        i32::MIN
    } else {
        x << e
    }
}

/// gemmlowp `Rescale` between formats with `src` and `dst` integer bits.
fn rescale(x: i32, src: i32, dst: i32) -> i32 {
    srmbpot(x, src - dst)
}

/// gemmlowp `RoundingHalfSum`.
fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = a as i64 + b as i64;
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

/// gemmlowp `exp_on_interval_between_negative_one_quarter_and_0_excl` (Q0.31 in and out).
fn exp_on_interval_between_negative_one_quarter_and_0_excl(a: i32) -> i32 {
    const CONSTANT_TERM: i32 = 1_895_147_668; // exp(-1/8)
    const CONSTANT_1_OVER_3: i32 = 715_827_883;
    let x = a.wrapping_add(1 << 28);
    let x2 = srdhm(x, x);
    let x3 = srdhm(x2, x);
    let x4 = srdhm(x2, x2);
    let x4_over_4 = rdbpot(x4, 2);
    let poly = rdbpot(srdhm(x4_over_4.wrapping_add(x3), CONSTANT_1_OVER_3).wrapping_add(x2), 1);
    CONSTANT_TERM.wrapping_add(srdhm(CONSTANT_TERM, x.wrapping_add(poly)))
}

/// gemmlowp `exp_on_negative_values` for an input with `integer_bits` integer bits; Q0.31 out.
pub(crate) fn exp_on_negative_values(a: i32, integer_bits: i32) -> i32 {
    let fractional_bits = 31 - integer_bits;
    let one_quarter = 1i32 << (fractional_bits - 2);
    let mask = one_quarter - 1;
    let a_mod_quarter_minus_one_quarter = (a & mask).wrapping_sub(one_quarter);
    let mut result =
        exp_on_interval_between_negative_one_quarter_and_0_excl(rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    for (exponent, multiplier) in BARREL {
        let shift = fractional_bits + exponent;
        if integer_bits > exponent && (0..32).contains(&shift) && remainder & (1i32 << shift) != 0 {
            result = srdhm(result, multiplier);
        }
    }
    if integer_bits > 5 {
        let clamp = -(1i32 << (36 - integer_bits));
        if a < clamp {
            result = 0;
        }
    }
    if a == 0 {
        result = i32::MAX;
    }
    result
}

/// Three Newton–Raphson steps for `2 / (1 + a)` in Q2.29 (`a` in Q0.31, `[0, 1)`), shared by
/// gemmlowp's `one_over_one_plus_x_for_x_in_0_1` and `one_minus_x_over_one_plus_x_for_x_in_0_1`.
fn two_over_one_plus_x(a: i32) -> i32 {
    const CONSTANT_48_OVER_17: i32 = 1_515_870_810;
    const CONSTANT_NEG_32_OVER_17: i32 = -1_010_580_540;
    const F2_ONE: i32 = 1 << 29;
    let half_denominator = rounding_half_sum(a, i32::MAX);
    let mut x = CONSTANT_48_OVER_17.wrapping_add(srdhm(half_denominator, CONSTANT_NEG_32_OVER_17));
    for _ in 0..3 {
        let one_minus = F2_ONE.wrapping_sub(srdhm(half_denominator, x));
        x = x.wrapping_add(rescale(srdhm(x, one_minus), 4, 2));
    }
    x
}

/// gemmlowp `logistic` on a Q4.27 input; Q0.31 out.
pub(crate) fn logistic_q4(a: i32) -> i32 {
    if a == 0 {
        return 1 << 30;
    }
    let abs = if a > 0 { a } else { a.wrapping_neg() };
    // one_over_one_plus_x_for_x_in_0_1(exp(-|a|)): 2/(1+x) read as Q1.30, rescaled to Q0.31.
    let positive = rescale(two_over_one_plus_x(exp_on_negative_values(abs.wrapping_neg(), 4)), 1, 0);
    if a > 0 {
        positive
    } else {
        i32::MAX.wrapping_sub(positive)
    }
}

/// gemmlowp `tanh` on a Q4.27 input; Q0.31 out.
pub(crate) fn tanh_q4(a: i32) -> i32 {
    if a == 0 {
        return 0;
    }
    let negative_abs = if a < 0 { a } else { a.wrapping_neg() };
    // neg_tanh_on_negative_values: exp(2n) (the raw value re-read with 5 integer bits), then
    // one_minus_x_over_one_plus_x: 2/(1+x) − 1 rescaled from Q2.29 to Q0.31.
    let e = exp_on_negative_values(negative_abs, 5);
    let t = rescale(two_over_one_plus_x(e).wrapping_sub(1 << 29), 2, 0);
    if a < 0 {
        t.wrapping_neg()
    } else {
        t
    }
}

/// TFLM `GetInvSqrtQuantizedMultiplierExp(x, reverse_shift = -1)`: `1/√x` as a Q31 multiplier
/// and a left-shift exponent (`x` normalised to `[2^27, 2^29)` by an even shift, five
/// Newton–Raphson steps in Q3.28 from 1, times √2/2). `x ≤ 1` gives `(i32::MAX, 0)`.
pub(crate) fn inv_sqrt(x: i32) -> (i32, i32) {
    if x <= 1 {
        return (i32::MAX, 0);
    }
    let mut input = x;
    let mut shift: i32 = 11;
    while input >= (1 << 29) {
        input /= 4;
        shift += 1;
    }
    let max_left_shift_bits = (input as u32).leading_zeros() as i32 - 1;
    let left_shift_bit_pairs = max_left_shift_bits / 2 - 1;
    shift -= left_shift_bit_pairs;
    input <<= 2 * left_shift_bit_pairs;
    let half_input = rdbpot(input >> 1, 1);
    const HALF_THREE: i32 = (1 << 28) + (1 << 27);
    let mut r = 1i32 << 28;
    for _ in 0..5 {
        let r3 = rescale(srdhm(srdhm(r, r), r), 9, 3);
        r = rescale(srdhm(HALF_THREE, r).wrapping_sub(srdhm(half_input, r3)), 6, 3);
    }
    let mut multiplier = srdhm(r, 1_518_500_250);
    if shift < 0 {
        multiplier <<= -shift;
        shift = 0;
    }
    (multiplier, -shift)
}

/// gemmlowp `SaturatingRoundingDoublingHighMul` on int16.
pub(crate) fn srdhm16(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    let ab = a as i32 * b as i32;
    let nudge = if ab >= 0 { 1 << 14 } else { 1 - (1 << 14) };
    ((ab + nudge) / (1 << 15)) as i16
}

/// TFLM `SaturatingDoublingHighMul` on int16 (truncating toward zero, no rounding).
pub(crate) fn sdhm16(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        return i16::MAX;
    }
    ((a as i32 * b as i32) / (1 << 15)) as i16
}

/// TFLM `SaturatingLeftShift` on int16.
pub(crate) fn saturating_left_shift16(v: i16, amount: i32) -> i16 {
    let r = (v as i64) << amount.clamp(0, 32);
    r.clamp(i16::MIN as i64, i16::MAX as i64) as i16
}

/// TFLM `DownScaleInt32ToInt16Multiplier`.
pub(crate) fn downscale_multiplier_to_i16(m: i32) -> i16 {
    const ROUNDING_OFFSET: i32 = 1 << 15;
    if m >= i32::MAX - ROUNDING_OFFSET {
        return i16::MAX;
    }
    ((m + ROUNDING_OFFSET) >> 16) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q4(x: f64) -> i32 {
        (x * (1u64 << 27) as f64).round() as i32
    }

    #[test]
    fn logistic_is_within_a_few_ulp_of_the_real_sigmoid() {
        for i in -1600..=1600 {
            let x = i as f64 / 100.0;
            let got = logistic_q4(q4(x)) as f64 / 2f64.powi(31);
            let want = 1.0 / (1.0 + (-x).exp());
            assert!((got - want).abs() < 2e-6, "logistic({x}) = {got}, want {want}");
        }
    }

    #[test]
    fn tanh_is_within_a_few_ulp_of_the_real_tanh() {
        for i in -1600..=1600 {
            let x = i as f64 / 100.0;
            let got = tanh_q4(q4(x)) as f64 / 2f64.powi(31);
            assert!((got - x.tanh()).abs() < 4e-6, "tanh({x}) = {got}, want {}", x.tanh());
        }
        assert_eq!(tanh_q4(0), 0);
    }

    #[test]
    fn inverse_square_root() {
        for x in [2, 3, 10, 255, 12345, 1 << 29, i32::MAX] {
            let (m, s) = inv_sqrt(x);
            let got = m as f64 * 2f64.powi(s - 31);
            assert!((got * (x as f64).sqrt() - 1.0).abs() < 1e-5, "1/sqrt({x}) = {got}");
        }
        assert_eq!(inv_sqrt(0), (i32::MAX, 0));
    }

    #[test]
    fn rounding_conventions() {
        assert_eq!(rdbpot(5, 1), 3);
        assert_eq!(rdbpot(-5, 1), -3);
        assert_eq!(rdbpot(-6, 2), -2);
        assert_eq!(srdhm(1 << 30, 1 << 30), 1 << 29);
        assert_eq!(srdhm(i32::MIN, i32::MIN), i32::MAX);
        // Ties go toward +∞: -0.5 → 0.
        assert_eq!(srdhm(-1, 1 << 30), 0);
        assert_eq!(srdhm16(i16::MIN, i16::MIN), i16::MAX);
        assert_eq!(sdhm16(-1, 1 << 14), 0);
        assert_eq!(downscale_multiplier_to_i16(i32::MAX), i16::MAX);
        assert_eq!(downscale_multiplier_to_i16(1 << 30), 1 << 14);
        assert_eq!(mbqm(100, 1 << 30, 1), 100);
        assert_eq!(mbqm(3, 1 << 30, -1), 1);
    }
}
