//! `exp` for f32 without libm: `core` has no `f32::exp` in `no_std`.
//!
//! TFLite's float SOFTMAX calls `std::exp(float)`, i.e. the C library's `expf`. On the Linux
//! builds of the TFLM/LiteRT interpreters that is glibc's `expf` (from Arm's optimized-routines),
//! and for float softmax outputs to be bit-identical kiln must round exactly where it does. So
//! this is the same *algorithm* (not a copy of its code), evaluated in f64:
//!
//! 1. `z = x · 32/ln 2`, split as `z = k + r` with `k` the nearest integer (ties to even) and
//!    `|r| ≤ 1/2`; then `exp(x) = 2^(k/32) · 2^(r/32)`.
//! 2. `2^(k/32) = 2^⌊k/32⌋ · 2^((k mod 32)/32)`: a 32-entry table of correctly rounded doubles
//!    whose exponent field gets `⌊k/32⌋` added (exact, no multiplication).
//! 3. `2^(r/32) ≈ 1 + c2·r + c1·r² + c0·r³`: a cubic minimax polynomial (coefficients below,
//!    the published values of that implementation), evaluated as `(c0·r + c1)·r² + (c2·r + 1)`.
//! 4. The f64 product is rounded once to f32.
//!
//! The f64 result is within ~2^-33 relative of `e^x`, so the single rounding to f32 gives the
//! correctly rounded value except within a hair of a rounding midpoint, and there this
//! evaluation order reproduces glibc's own rounding. The unit test below compares it with the
//! host's `f32::exp` (glibc `expf` on Linux) over millions of inputs: zero differences. On a
//! microcontroller f64 arithmetic is soft-float but IEEE-exact, so the firmware computes the
//! same bits. Cost: ~10 f64 operations per call.

/// `2^(i/32)` for `i = 0..32`, correctly rounded to f64 (bit patterns).
const TABLE: [u64; 32] = [
    0x3ff0000000000000,
    0x3ff059b0d3158574,
    0x3ff0b5586cf9890f,
    0x3ff11301d0125b51,
    0x3ff172b83c7d517b,
    0x3ff1d4873168b9aa,
    0x3ff2387a6e756238,
    0x3ff29e9df51fdee1,
    0x3ff306fe0a31b715,
    0x3ff371a7373aa9cb,
    0x3ff3dea64c123422,
    0x3ff44e086061892d,
    0x3ff4bfdad5362a27,
    0x3ff5342b569d4f82,
    0x3ff5ab07dd485429,
    0x3ff6247eb03a5585,
    0x3ff6a09e667f3bcd,
    0x3ff71f75e8ec5f74,
    0x3ff7a11473eb0187,
    0x3ff82589994cce13,
    0x3ff8ace5422aa0db,
    0x3ff93737b0cdc5e5,
    0x3ff9c49182a3f090,
    0x3ffa5503b23e255d,
    0x3ffae89f995ad3ad,
    0x3ffb7f76f2fb5e47,
    0x3ffc199bdd85529c,
    0x3ffcb720dcef9069,
    0x3ffd5818dcfba487,
    0x3ffdfc97337b9b5f,
    0x3ffea4afa2a490da,
    0x3fff50765b6e4540,
];

/// 32 / ln 2 (0x1.71547652b82fep+5).
const INV_LN2_32: u64 = 0x40471547652b82fe;
/// 1.5 · 2^52: adding it rounds a double of magnitude < 2^51 to an integer, ties to even.
const SHIFT: u64 = 0x4338000000000000;
/// Cubic coefficients of `2^(r/32)` (0x1.c6af84b912394p-20, 0x1.ebfce50fac4f3p-13,
/// 0x1.62e42ff0c52d6p-6: ln2³/6, ln2²/2 and ln2 refined by minimax, over 32³, 32², 32).
const C0: u64 = 0x3ebc6af84b912394;
const C1: u64 = 0x3f2ebfce50fac4f3;
const C2: u64 = 0x3f962e42ff0c52d6;
/// Above ln(2^128) (0x1.62e42ep6) the result overflows to +∞.
const OVERFLOW: u32 = 0x42b17217;
/// Below ln(2^-150) (-0x1.9fe368p6) the result rounds to +0.
const UNDERFLOW: u32 = 0xc2cff1b4;

/// `e^x` rounded to f32 as glibc's `expf` rounds it: +∞ above ~88.72, +0 below ~-103.97,
/// NaN for NaN, subnormal results in between rounded by the final f64 → f32 conversion.
pub fn exp_f32(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    if x > f32::from_bits(OVERFLOW) {
        return f32::INFINITY;
    }
    if x < f32::from_bits(UNDERFLOW) {
        return 0.0;
    }
    let z = f64::from_bits(INV_LN2_32) * x as f64;
    let shifted = z + f64::from_bits(SHIFT);
    let kd = shifted - f64::from_bits(SHIFT);
    let r = z - kd;
    // |k| ≤ 150·32, exact in the low bits of `shifted`'s mantissa.
    let k = kd as i64;
    let (scale_exp, i) = (k >> 5, (k & 31) as usize);
    let t = TABLE.get(i).copied().unwrap_or(TABLE[0]);
    let s = f64::from_bits(t.wrapping_add((scale_exp << 52) as u64));
    let (c0, c1, c2) = (f64::from_bits(C0), f64::from_bits(C1), f64::from_bits(C2));
    let p = c0 * r + c1;
    let r2 = r * r;
    let q = c2 * r + 1.0;
    let y = (p * r2 + q) * s;
    y as f32
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    /// Compares with the host C library's `expf` (what TFLite's reference softmax calls) on
    /// every 7th float in [-110, 0] (the softmax range), every 7th in [0, 89], and the edges.
    #[test]
    fn matches_host_expf_bit_for_bit() {
        let mut checked = 0u64;
        let mut differ = 0u64;
        let mut check = |x: f32| {
            checked += 1;
            let (got, want) = (exp_f32(x), x.exp());
            if got.to_bits() != want.to_bits() {
                differ += 1;
                if differ < 10 {
                    std::eprintln!("exp({x:e}) = {got:e}, host {want:e}");
                }
            }
        };
        // Negative floats: bit patterns from -0.0 up to -110.0 grow monotonically.
        let (neg0, neg110) = ((-0.0f32).to_bits(), (-110.0f32).to_bits());
        for b in (neg0..=neg110).step_by(7) {
            check(f32::from_bits(b));
        }
        for b in (0..=89.0f32.to_bits()).step_by(7) {
            check(f32::from_bits(b));
        }
        for x in [f32::MIN, f32::MAX, f32::NEG_INFINITY, f32::INFINITY, -103.97208, -103.9721, -87.33655, 88.72283, 88.72284] {
            check(x);
        }
        assert!(exp_f32(f32::NAN).is_nan());
        std::eprintln!("exp_f32: {checked} inputs, {differ} differ from the host expf");
        assert_eq!(differ, 0, "{differ} of {checked} differ");
    }
}
