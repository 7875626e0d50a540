//! SQRT on float32 (TFLM `std::sqrt`). `core` has no `f32::sqrt` in `no_std`, so this is a
//! correctly rounded square root on the representation (IEEE 754 requires `sqrtf` to be
//! correctly rounded, so this is bit-identical to it), with x86's results for the special
//! cases TFLM's host build produces.

/// The quiet NaN x86 (`sqrtss`) and glibc return for the square root of a negative number.
const NEGATIVE_SQRT_NAN: u32 = 0xffc0_0000;

/// `⌊√n⌋` by the bit-by-bit method (n < 2^52 here).
#[inline(always)]
fn isqrt(n: u64) -> u64 {
    let mut rem = n;
    let mut root = 0u64;
    let mut bit = 1u64 << 62;
    while bit > n {
        bit >>= 2;
    }
    while bit != 0 {
        if rem >= root + bit {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    root
}

/// Correctly rounded `√x` (round to nearest even). `√−0 = −0`, `√+∞ = +∞`, NaN stays NaN, and a
/// negative `x` gives x86's default NaN.
pub(crate) fn sqrt(x: f32) -> f32 {
    if x.is_nan() || x == 0.0 || x == f32::INFINITY {
        return x;
    }
    if x < 0.0 {
        return f32::from_bits(NEGATIVE_SQRT_NAN);
    }
    let bits = x.to_bits();
    let exp_field = (bits >> 23) as i32;
    // x = m · 2^e with m an integer.
    let (mut m, mut e) = if exp_field == 0 {
        (u64::from(bits & 0x7f_ffff), -149)
    } else {
        (u64::from((bits & 0x7f_ffff) | 0x80_0000), exp_field - 150)
    };
    // Normalise subnormals to 24 significant bits, then make the exponent even.
    while m < 0x80_0000 {
        m <<= 1;
        e -= 1;
    }
    if e & 1 != 0 {
        m <<= 1;
        e -= 1;
    }
    // √(m · 2^26) has 25 or 26 bits: 24 to keep plus at least one to round on.
    let n = m << 26;
    let r = isqrt(n);
    let exact = r * r == n;
    let extra: i32 = if r >= 1 << 25 { 2 } else { 1 };
    let mut q = r >> extra;
    let rest = r & ((1 << extra) - 1);
    let half = 1 << (extra - 1);
    if rest > half || (rest == half && (!exact || q & 1 == 1)) {
        q += 1;
    }
    // value = q · 2^p
    let mut p = e / 2 - 13 + extra;
    if q == 1 << 24 {
        q >>= 1;
        p += 1;
    }
    let biased = p + 23 + 127;
    f32::from_bits(((biased as u32) << 23) | (q as u32 & 0x7f_ffff))
}

/// SQRT float32.
pub fn sqrt_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, sqrt);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::f32_map::testing::specials;
    use super::*;

    #[test]
    fn bit_identical_to_the_hardware_square_root() {
        let mut xs = specials();
        for k in 0..20000u32 {
            xs.push(f32::from_bits(k.wrapping_mul(0x9e37_79b9) >> 1)); // positive, all exponents
            xs.push(f32::from_bits(k)); // subnormals
        }
        for x in xs {
            let got = sqrt(x);
            let want = std::primitive::f32::sqrt(x);
            if x < 0.0 {
                assert_eq!(got.to_bits(), NEGATIVE_SQRT_NAN, "{x}");
            } else {
                assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "sqrt({x:e}): {got:e} vs {want:e}");
            }
        }
        assert_eq!(sqrt(-0.0).to_bits(), (-0.0f32).to_bits());
    }
}
