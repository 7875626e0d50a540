//! `tanhf` for the float LSTM without libm (`core` has none): evaluated in f64 to about 1e-16
//! relative error and rounded once to f32, so the result is the correctly rounded value except
//! when the exact one lies within ~1e-16 of a rounding boundary. TFLM calls glibc's `tanhf`
//! (fdlibm's, up to 2 ulps off), so results can differ from TFLM's in the last bits: the float
//! LSTM is compared with TFLM to a tolerance. (Its sigmoid uses the float32 family's
//! `exp_f32`, which rounds exactly as glibc's `expf`.)

/// ln 2 split for Cody–Waite reduction: `LN2_HI` has 32 significant bits, so `k · LN2_HI` is
/// exact for the `k` used here.
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
const LOG2E: f64 = core::f64::consts::LOG2_E;

/// `e^x` for `|x| <= 709`, relative error ~1e-16: `x = k·ln2 + r`, `|r| <= ln2/2`, Taylor
/// series of `e^r` to degree 14 (remainder below 2^-60), scaled by `2^k` through the exponent.
pub(crate) fn exp_f64(x: f64) -> f64 {
    let t = x * LOG2E;
    let k = if t >= 0.0 { (t + 0.5) as i64 } else { (t - 0.5) as i64 };
    let kf = k as f64;
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    let mut term = 1.0f64;
    let mut sum = 1.0f64;
    for n in 1..=14 {
        term = term * r / n as f64;
        sum += term;
    }
    // 2^k in two halves so that k down to −1074 (subnormal results) stays exact.
    let half = k / 2;
    let pow = |e: i64| f64::from_bits(((e + 1023).clamp(0, 2046) as u64) << 52);
    sum * pow(half) * pow(k - half)
}

/// `tanhf`: `tanh(x)` rounded to f32; odd, ±1 beyond |x| = 9.5 (where tanh rounds to 1).
pub(crate) fn tanhf(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    let a = f64::from(x).abs();
    let t = if a > 9.5 {
        1.0
    } else if a < 1.0 / 8192.0 {
        // tanh a = a − a³/3 + 2a⁵/15 − …; the next term is below 2^-65 · a.
        a - a * a * a / 3.0 + 2.0 * a * a * a * a * a / 15.0
    } else {
        // (e^{2a} − 1)/(e^{2a} + 1): the subtraction loses at most 2^13 of the 1e-16.
        let e = exp_f64(2.0 * a);
        (e - 1.0) / (e + 1.0)
    };
    let t = t as f32;
    if x.is_sign_negative() {
        -t
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    /// `exp_f64` against std's (libm's) f64 `exp` to 1e-15 relative; `tanhf` against std's
    /// f64 `tanh` rounded once to f32 (the correctly rounded value but for rare boundary
    /// cases): equal almost always, never more than 1 ulp apart, and within 2 ulps of this
    /// machine's libm f32 `tanh` (glibc's fdlibm one, which TFLM calls).
    #[test]
    fn correctly_rounded_almost_always() {
        let ulps = |a: f32, b: f32| (a.to_bits() as i64 - b.to_bits() as i64).abs();
        let (mut n, mut tanh_diff) = (0, 0);
        let mut x = -700.0f64;
        while x < 700.0 {
            let (got, want) = (exp_f64(x), x.exp());
            assert!(((got - want) / want).abs() < 1e-15, "exp_f64({x}) = {got}, libm {want}");
            x += 0.0173;
        }
        let mut x = -12.0f32;
        while x < 12.0 {
            let (got, want) = (tanhf(x), f64::from(x).tanh() as f32);
            assert!(ulps(got, want) <= 1 && ulps(got, x.tanh()) <= 2, "tanhf({x}) = {got}, f64 {want}");
            tanh_diff += (got != want) as i32;
            n += 1;
            x += 0.000_091;
        }
        assert!(tanh_diff * 10000 < n, "{tanh_diff} of {n} differ");
        assert_eq!(tanhf(0.0), 0.0);
        assert_eq!(tanhf(-20.0), -1.0);
        assert!(tanhf(f32::NAN).is_nan());
    }
}
