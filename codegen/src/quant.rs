//! Quantization constants TFLM computes at prepare time, computed here at compile time with
//! the same floating-point operations in the same order (a float product where TFLM multiplies
//! floats, a double product where it widens first), so the integers come out identical.

/// A Q31 multiplier and a power-of-two exponent: `x * multiplier / 2^31 * 2^shift`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requant {
    /// The Q31 mantissa, in `[2^30, 2^31)` or 0.
    pub multiplier: i32,
    /// The power of two (`> 0` shifts left).
    pub shift: i32,
}

/// `frexp`: `x = m * 2^e` with `0.5 <= |m| < 1`, for finite non-zero `x`.
fn frexp(x: f64) -> (f64, i32) {
    let bits = x.to_bits();
    let exp_field = ((bits >> 52) & 0x7ff) as i32;
    if exp_field == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(x * f64::from_bits(0x4350_0000_0000_0000)); // 2^54
        return (m, e - 54);
    }
    let e = exp_field - 1022;
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, e)
}

/// TFLM's `QuantizeMultiplier`: round the mantissa to Q31, carry on overflow, flush
/// multipliers below 2^-31 to zero.
pub fn quantize_multiplier(real: f64) -> Requant {
    if real == 0.0 || !real.is_finite() {
        return Requant { multiplier: 0, shift: 0 };
    }
    let (q, mut shift) = frexp(real);
    // f64::round rounds half away from zero, like TfLiteRound.
    let mut q_fixed = (q * (1i64 << 31) as f64).round() as i64;
    if q_fixed == 1i64 << 31 {
        q_fixed /= 2;
        shift += 1;
    }
    if shift < -31 {
        shift = 0;
        q_fixed = 0;
    }
    Requant { multiplier: q_fixed as i32, shift }
}

/// TFLM's `PreprocessSoftmaxScaling` with `QuantizeMultiplierGreaterThanOne`.
pub fn softmax_input_scaling(beta: f32, input_scale: f32, input_integer_bits: i32) -> Requant {
    let max_real_multiplier = ((1i64 << 31) - 1) as f64;
    let real = (beta as f64 * input_scale as f64 * (1i64 << (31 - input_integer_bits)) as f64).min(max_real_multiplier);
    quantize_multiplier(real)
}

/// TFLM's `CalculateInputRadius` (31 total signed bits).
pub fn input_radius(input_integer_bits: i32, input_left_shift: i32) -> i32 {
    let max_input_rescaled = ((1i64 << input_integer_bits) - 1) as f64 * (1i64 << (31 - input_integer_bits)) as f64
        / (1i64 << input_left_shift) as f64;
    max_input_rescaled.floor() as i32
}

/// TFLM's `CalculateActivationRangeQuantized` for a fused activation on an output with the
/// given scale and zero point, clamped to `[qmin, qmax]`. `None` for activations TFLM rejects.
pub fn activation_range(act: crate::ir::Activation, scale: f32, zero_point: i32, qmin: i32, qmax: i32) -> Option<(i32, i32)> {
    use crate::ir::Activation as A;
    // f / scale in single precision, rounded half away from zero, as TFLM's Quantize().
    let q = |f: f32| zero_point.saturating_add((f / scale).round() as i32);
    Some(match act {
        A::None => (qmin, qmax),
        A::Relu => (qmin.max(q(0.0)), qmax),
        A::Relu6 => (qmin.max(q(0.0)), qmax.min(q(6.0))),
        A::ReluN1To1 => (qmin.max(q(-1.0)), qmax.min(q(1.0))),
        A::Tanh | A::SignBit => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_matches_definition() {
        for &x in &[1.0, 0.5, 0.75, 3.0, 1e-300, 5e-324, 1.7e308, 0.1, 123456.789] {
            let (m, e) = frexp(x);
            assert!((0.5..1.0).contains(&m), "{x}: mantissa {m}");
            // Scale both sides so subnormal inputs do not underflow in the check itself.
            let k = if e < -900 { 600 } else if e > 900 { -600 } else { 0 };
            assert_eq!(m * 2f64.powi(e + k), x * 2f64.powi(k), "{x}");
        }
    }

    #[test]
    fn quantize_multiplier_reconstructs_the_real_value() {
        let mut x = 1.3e-9;
        while x < 1e6 {
            let r = quantize_multiplier(x);
            let back = r.multiplier as f64 / (1u64 << 31) as f64 * 2f64.powi(r.shift);
            assert!((back - x).abs() <= x * 2f64.powi(-30), "{x}: {r:?}");
            assert!(r.multiplier >= 1 << 30, "{x}: mantissa must be normalized: {r:?}");
            x *= 1.37;
        }
    }

    #[test]
    fn quantize_multiplier_carries_and_flushes() {
        // A mantissa that rounds up to 2^31 must carry into the exponent.
        let almost_one = 1.0 - 2f64.powi(-40);
        assert_eq!(quantize_multiplier(almost_one), Requant { multiplier: 1 << 30, shift: 1 });
        assert_eq!(quantize_multiplier(2f64.powi(-40)), Requant { multiplier: 0, shift: 0 });
        assert_eq!(quantize_multiplier(0.0), Requant { multiplier: 0, shift: 0 });
    }
}
