//! The 256-entry tables of the int8 unary ops: entry `k` is TFLM's output for the input byte
//! `k − 128`, computed with TFLM's prepare-time constants and per-element arithmetic.

use super::fixed::{
    downscale_multiplier_to_i16, inv_sqrt, logistic_q4, mbqm, rdbpot, saturating_left_shift16, sdhm16, srdhm16, tanh_q4,
};
use crate::quant;

/// `f(x)` for every int8 `x`, in table order.
fn tabulate(f: impl Fn(i32) -> i32) -> [i8; 256] {
    let mut t = [0i8; 256];
    for (k, e) in t.iter_mut().enumerate() {
        *e = f(k as i32 - 128).clamp(-128, 127) as i8;
    }
    t
}

/// ABS (TFLM `AbsEvalQuantized`): `|x − zp_in|`, rescaled only when the scales differ.
pub(crate) fn abs((si, zi): (f32, i32), (so, zo): (f32, i32)) -> [i8; 256] {
    let rescale = si != so;
    let rq = quant::quantize_multiplier((si / so) as f64);
    tabulate(|x| {
        let v = (x - zi).abs();
        if rescale {
            mbqm(v, rq.multiplier, rq.shift) + zo
        } else {
            v + zo
        }
    })
}

/// HARD_SWISH (TFLM `HardSwishPrepare` + `reference_ops::HardSwish`), all in int16 fixed point.
/// Fails (as TFLM's Prepare does) when the output multiplier would need a left shift.
pub(crate) fn hard_swish((si, zi): (f32, i32), (so, zo): (f32, i32)) -> Result<[i8; 256], String> {
    let hires_input_scale = (1.0f32 / 128.0) * si;
    let reluish_scale = 3.0f32 / 32768.0;
    let out_rq = quant::quantize_multiplier((hires_input_scale / so) as f64);
    if out_rq.shift > 0 {
        return Err(format!(
            "HARD_SWISH needs input scale / 128 ≤ output scale (TFLM requires a right-shifting output multiplier); \
             scales are {si} and {so}"
        ));
    }
    let out_m = downscale_multiplier_to_i16(out_rq.multiplier);
    let reluish_rq = quant::quantize_multiplier((hires_input_scale / reluish_scale) as f64);
    let reluish_m = downscale_multiplier_to_i16(reluish_rq.multiplier);
    let reluish_exp = reluish_rq.shift;
    Ok(tabulate(|x| {
        let input_value = (x - zi) as i16;
        let hires = input_value.wrapping_mul(1 << 7);
        let preshift_output = srdhm16(hires, out_m);
        let mut reluish = hires;
        if reluish_exp > 0 {
            reluish = saturating_left_shift16(reluish, reluish_exp - 1);
        }
        reluish = srdhm16(reluish, reluish_m);
        if reluish_exp > 0 {
            reluish = saturating_left_shift16(reluish, 1);
        }
        if reluish_exp < 0 {
            reluish = rdbpot(reluish as i32, -reluish_exp) as i16;
        }
        let reluish = ((reluish as i32 + (1 << 15)) >> 1) as i16;
        let preshift = sdhm16(reluish, preshift_output);
        // int16 arithmetic in the C++: the zero point is added modulo 2^16, then clamped.
        let out = (rdbpot(preshift as i32, -out_rq.shift) as i16).wrapping_add(zo as i16);
        out as i32
    }))
}

/// LEAKY_RELU (TFLM `QuantizeLeakyRelu`): identity multiplier for x ≥ zp, |alpha| multiplier
/// (negated afterwards for a negative alpha) below.
pub(crate) fn leaky_relu(qi: (f32, i32), qo: (f32, i32), alpha: f32) -> [i8; 256] {
    let (identity, alpha_rq) = super::leaky_multipliers(qi, qo, alpha);
    let negative = alpha_rq.multiplier < 0;
    let alpha_m = alpha_rq.multiplier.wrapping_abs();
    tabulate(|x| {
        let v = x - qi.1;
        if v >= 0 {
            qo.1 + mbqm(v, identity.multiplier, identity.shift)
        } else {
            let scaled = mbqm(v, alpha_m, alpha_rq.shift);
            qo.1 + if negative { -scaled } else { scaled }
        }
    })
}

/// The Q4.27 input rescaling of int8 LOGISTIC and TANH (TFLM's prepare: `frexp` of
/// `scale · 2^27`, the mantissa rounded to Q31 without carry) and the input radius beyond
/// which the output saturates.
fn q4_input_scaling(si: f32) -> (i32, i32, i32) {
    const INPUT_INTEGER_BITS: i32 = 4;
    let real = si as f64 * (1i64 << (31 - INPUT_INTEGER_BITS)) as f64;
    let (mantissa, exponent) = frexp(real);
    let multiplier = (mantissa * (1i64 << 31) as f64).round() as i64;
    let multiplier = multiplier.min(i32::MAX as i64) as i32;
    // TFLM's CalculateInputRadius, in f64 powers so that absurd scales (a shift far outside
    // 0..31) give radius 0 (everything saturates) or a huge one instead of a shift overflow.
    let max_rescaled = ((1i64 << INPUT_INTEGER_BITS) - 1) as f64 * 2f64.powi(31 - INPUT_INTEGER_BITS);
    let radius = (max_rescaled / 2f64.powi(exponent)).floor().min(i32::MAX as f64) as i32;
    (multiplier, exponent, radius)
}

fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let mut e = x.abs().log2().floor() as i32 + 1;
    let mut m = x / 2f64.powi(e);
    // Correct the rare off-by-one of log2 near powers of two.
    while m.abs() >= 1.0 {
        m /= 2.0;
        e += 1;
    }
    while m.abs() < 0.5 {
        m *= 2.0;
        e -= 1;
    }
    (m, e)
}

/// LOGISTIC int8 (TFLM `reference_integer_ops::Logistic`): saturate beyond the radius, else
/// gemmlowp's fixed-point sigmoid on a Q4.27 input, output in units of 2^-8 from −128.
pub(crate) fn logistic((si, zi): (f32, i32)) -> [i8; 256] {
    let (multiplier, left_shift, radius) = q4_input_scaling(si);
    tabulate(|x| {
        let v = x - zi;
        if v <= -radius {
            -128
        } else if v >= radius {
            127
        } else {
            let q4 = mbqm(v, multiplier, left_shift);
            rdbpot(logistic_q4(q4), 23) - 128
        }
    })
}

/// TANH int8 (TFLM `reference_integer_ops::Tanh`): as LOGISTIC, output in units of 2^-7.
pub(crate) fn tanh((si, zi): (f32, i32)) -> [i8; 256] {
    let (multiplier, left_shift, radius) = q4_input_scaling(si);
    tabulate(|x| {
        let v = x - zi;
        if v <= -radius {
            -128
        } else if v >= radius {
            127
        } else {
            let q4 = mbqm(v, multiplier, left_shift);
            rdbpot(tanh_q4(q4), 24)
        }
    })
}

/// RSQRT int8 (TFLM `RsqrtEvalQuantized`): `1/√(x − zp)` through TFLM's inverse-square-root
/// multiplier, with 20 extra bits carried between the two multiplications; an input equal to the
/// zero point gives 127. Inputs below the zero point make TFLM fail at run time ("Rsqrt is only
/// defined for positive values"); kiln has no error path there and tabulates what TFLM's
/// arithmetic gives without the check (its inverse square root treats them like 1).
pub(crate) fn rsqrt((si, zi): (f32, i32), (so, zo): (f32, i32)) -> [i8; 256] {
    const SHIFT: i32 = 20;
    let rq = quant::quantize_multiplier(1.0 / (si.sqrt() * so) as f64);
    tabulate(|x| {
        let v = x - zi;
        if v == 0 {
            return 127;
        }
        let (m, s) = inv_sqrt(v);
        let data = mbqm(1, m, s + SHIFT);
        mbqm(data, rq.multiplier, rq.shift - SHIFT) + zo
    })
}

/// RELU int8 (TFLM `ReluQuantized`): rescale by the double quotient of the scales, clamp below
/// at the output zero point.
pub(crate) fn relu((si, zi): (f32, i32), (so, zo): (f32, i32)) -> [i8; 256] {
    let rq = quant::quantize_multiplier(si as f64 / so as f64);
    let act_min = zo.max(-128);
    tabulate(|x| (zo + mbqm(x - zi, rq.multiplier, rq.shift)).max(act_min))
}

/// RELU6 int8 (TFLM `Relu6Quantized`): a clamp to `[zp, quantize(6)]` on the *input's* scale;
/// TFLM does not rescale to the output's parameters.
pub(crate) fn relu6((si, zi): (f32, i32)) -> [i8; 256] {
    let six = ((6.0f32 / si) as f64).round() as i64 + zi as i64;
    let six = six.clamp(-128, 127) as i32;
    tabulate(|x| if x > six { six } else if x < zi { zi } else { x })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deq(q: i32, (s, z): (f32, i32)) -> f64 {
        s as f64 * (q - z) as f64
    }

    /// Each table, dequantized, is within about one output step of the real function.
    fn close(table: [i8; 256], qi: (f32, i32), qo: (f32, i32), f: impl Fn(f64) -> f64, tol_steps: f64) {
        for (k, &q) in table.iter().enumerate() {
            let x = deq(k as i32 - 128, qi);
            let want = f(x).clamp(deq(-128, qo), deq(127, qo));
            let got = deq(q as i32, qo);
            assert!(
                (got - want).abs() <= tol_steps * qo.0 as f64,
                "x = {x}: got {got}, want {want} (table entry {k})"
            );
        }
    }

    #[test]
    fn logistic_table_tracks_sigmoid() {
        for qi in [(0.05f32, 3), (0.1, -20), (0.02, 0), (0.2, 100)] {
            close(logistic(qi), qi, (1.0 / 256.0, -128), |x| 1.0 / (1.0 + (-x).exp()), 1.0);
        }
    }

    #[test]
    fn tanh_table_tracks_tanh() {
        for qi in [(0.05f32, 3), (0.1, -20), (0.02, 0), (0.2, 100)] {
            close(tanh(qi), qi, (1.0 / 128.0, 0), f64::tanh, 1.0);
        }
    }

    #[test]
    fn hard_swish_table_tracks_hard_swish() {
        for (qi, qo) in [((0.03f32, -5), (0.02f32, -100)), ((0.1, 20), (0.05, -90)), ((0.01, 0), (0.008, -60))] {
            let t = hard_swish(qi, qo).unwrap();
            close(t, qi, qo, |x| x * (x + 3.0).clamp(0.0, 6.0) / 6.0, 1.5);
        }
        assert!(hard_swish((1.0, 0), (0.001, 0)).is_err());
    }

    #[test]
    fn leaky_relu_abs_relu_tables() {
        let (qi, qo) = ((0.04f32, 10), (0.03f32, -7));
        // TFLM's requantization rounds twice (high multiply, then shift): up to one step off.
        close(leaky_relu(qi, qo, 0.2), qi, qo, |x| if x > 0.0 { x } else { 0.2 * x }, 1.0);
        close(leaky_relu(qi, qo, -0.5), qi, qo, |x| if x > 0.0 { x } else { -0.5 * x }, 1.0);
        close(abs(qi, qo), qi, qo, f64::abs, 1.0);
        close(relu(qi, qo), qi, qo, |x| x.max(0.0), 1.0);
        let (qi, qo) = ((0.01f32, -128), (0.05f32, -128));
        let t = rsqrt(qi, qo);
        for (k, &q) in t.iter().enumerate().skip(1) {
            let x = deq(k as i32 - 128, qi);
            let want = (1.0 / x.sqrt() / 0.05).round() - 128.0;
            assert!((q as f64 - want.clamp(-128.0, 127.0)).abs() <= 1.0, "rsqrt({x}): {q} vs {want}");
        }
        assert_eq!(t[0], 127);
        // Same scales: ABS is exact integer arithmetic.
        let t = abs((0.1, 5), (0.1, -3));
        assert_eq!(t[0], 127); // |−128 − 5| − 3 = 130 saturates
        assert_eq!(t[(5 + 128) as usize], -3);
    }

    #[test]
    fn relu6_clamps_on_the_input_scale() {
        let t = relu6((0.05, -10));
        assert_eq!(t[0], -10);
        assert_eq!(t[255], 110); // 6 / 0.05 − 10
        assert_eq!(t[(50 + 128) as usize], 50);
    }

    #[test]
    fn absurd_scales_saturate_instead_of_overflowing() {
        let t = logistic((3.4e38, -1));
        assert!(t[..128].iter().all(|&v| v == -128) && t[129..].iter().all(|&v| v == 127));
        let t = tanh((1e-30, 0));
        assert!(t.iter().all(|&v| v == 0));
    }

    #[test]
    fn frexp_matches_definition() {
        for x in [1.0, 0.5, 0.75, 3.0, 6710886.4, 1e-9, 2f64.powi(40)] {
            let (m, e) = frexp(x);
            assert!((0.5..1.0).contains(&m), "{x}");
            assert_eq!(m * 2f64.powi(e), x);
        }
    }
}
