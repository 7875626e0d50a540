//! `expm1f` for ELU and TANH on float32: the fdlibm single-precision algorithm (Sun, via
//! glibc/newlib), which is what TFLM's `std::expm1` and `std::tanh` run on the host: reduce by
//! `k·ln 2` (ln 2 split in two floats), a rational approximation on the primary range, then put
//! `k` back into the exponent with the care fdlibm takes near 1. All in single precision, in
//! fdlibm's order, so the result is bit-identical to it (checked against the host in tests).

const LN2_HI: f32 = f32::from_bits(0x3f31_7180);
const LN2_LO: f32 = f32::from_bits(0x3717_f7d1);
const INV_LN2: f32 = f32::from_bits(0x3fb8_aa3b);
/// Scaled coefficients of the rational approximation.
const Q1: f32 = f32::from_bits(0xbd08_8889);
const Q2: f32 = f32::from_bits(0x3ad0_0d01);
const Q3: f32 = f32::from_bits(0xb8a6_70cd);
const Q4: f32 = f32::from_bits(0x3686_7e54);
const Q5: f32 = f32::from_bits(0xb457_edbb);

/// `e^x − 1`.
pub(crate) fn expm1f(x: f32) -> f32 {
    let bits = x.to_bits();
    let negative = bits & 0x8000_0000 != 0;
    let hx = bits & 0x7fff_ffff;

    // Huge or non-finite arguments.
    if hx >= 0x4195_b844 {
        // |x| ≥ 27·ln 2
        if hx > 0x7f80_0000 {
            return x + x; // NaN
        }
        if hx == 0x7f80_0000 {
            return if negative { -1.0 } else { x };
        }
        if !negative && hx > 0x42b1_7217 {
            return f32::INFINITY; // overflow
        }
        if negative {
            return -1.0; // below −27·ln 2 the result rounds to −1
        }
    }

    // Argument reduction: x = k·ln 2 + (hi − lo), with c the rounding error of hi − lo.
    let mut x = x;
    let (k, c) = if hx > 0x3eb1_7218 {
        // |x| > ½·ln 2
        let (hi, lo, k) = if hx < 0x3f85_1592 {
            // and |x| < 1.5·ln 2
            if negative {
                (x + LN2_HI, -LN2_LO, -1)
            } else {
                (x - LN2_HI, LN2_LO, 1)
            }
        } else {
            let k = (INV_LN2 * x + if negative { -0.5 } else { 0.5 }) as i32;
            let t = k as f32;
            (x - t * LN2_HI, t * LN2_LO, k)
        };
        x = hi - lo;
        (k, (hi - x) - lo)
    } else if hx < 0x3300_0000 {
        return x; // |x| < 2^-25
    } else {
        (0, 0.0)
    };

    // x is now in the primary range.
    let hfx = 0.5 * x;
    let hxs = x * hfx;
    let r1 = 1.0 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
    let t = 3.0 - r1 * hfx;
    let mut e = hxs * ((r1 - t) / (6.0 - x * t));
    if k == 0 {
        return x - (x * e - hxs);
    }
    e = x * (e - c) - c;
    e -= hxs;
    if k == -1 {
        return 0.5 * (x - e) - 0.5;
    }
    if k == 1 {
        return if x < -0.25 { -2.0 * (e - (x + 0.5)) } else { 1.0 + 2.0 * (x - e) };
    }
    let add_k = |y: f32| f32::from_bits(y.to_bits().wrapping_add((k as u32) << 23));
    if k <= -2 || k > 56 {
        return add_k(1.0 - (e - x)) - 1.0;
    }
    if k < 23 {
        let t = f32::from_bits(0x3f80_0000 - (0x0100_0000 >> k)); // 1 − 2^-k
        add_k(t - (e - x))
    } else {
        let t = f32::from_bits(((0x7f - k) as u32) << 23); // 2^-k
        add_k(x - (e + t) + 1.0)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::f32_map::testing::specials;
    use super::*;

    #[test]
    fn bit_identical_to_the_host_expm1f() {
        let mut xs = specials();
        let mut s = 0x7777_1111_2222_3333u64;
        for i in 0..300_000u32 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
            xs.push((u * [1.0, 3.0, 20.0, 100.0][i as usize % 4]) as f32);
            xs.push(f32::from_bits(s as u32));
        }
        for x in xs {
            let (got, want) = (expm1f(x), std::primitive::f32::exp_m1(x));
            assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "expm1({x:e}): {got:e} vs {want:e}");
        }
    }
}
