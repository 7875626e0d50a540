//! LOG on float32 (TFLM `std::log`, i.e. the host's `logf`). `core` has no `ln` in `no_std`;
//! this is the algorithm of Arm's optimized-routines `logf` (shipped by glibc and newlib):
//! `x = 2^k · z` with `z` in [0.7, 1.4), `log x = k·ln 2 + log c + log1p(z/c − 1)` for the
//! centre `c` of one of 16 subintervals (table of `1/c` and `log c`) and a cubic for `log1p`,
//! in double precision, rounded once to float.

/// `(1/c, log c)` per subinterval: Arm's constants (`c` chosen near each subinterval's centre so
/// that `log c` and `k·ln 2 + log c` round well), as f64 bit patterns.
const LOGF_TABLE: [(u64, u64); 16] = [
    (0x3ff661ec79f8f3be, 0xbfd57bf7808caade),
    (0x3ff571ed4aaf883d, 0xbfd2bef0a7c06ddb),
    (0x3ff49539f0f010b0, 0xbfd01eae7f513a67),
    (0x3ff3c995b0b80385, 0xbfcb31d8a68224e9),
    (0x3ff30d190c8864a5, 0xbfc6574f0ac07758),
    (0x3ff25e227b0b8ea0, 0xbfc1aa2bc79c8100),
    (0x3ff1bb4a4a1a343f, 0xbfba4e76ce8c0e5e),
    (0x3ff12358f08ae5ba, 0xbfb1973c5a611ccc),
    (0x3ff0953f419900a7, 0xbfa252f438e10c1e),
    (0x3ff0000000000000, 0x0000000000000000),
    (0x3fee608cfd9a47ac, 0x3faaa5aa5df25984),
    (0x3feca4b31f026aa0, 0x3fbc5e53aa362eb4),
    (0x3feb2036576afce6, 0x3fc526e57720db08),
    (0x3fe9c2d163a1aa2d, 0x3fcbc2860d224770),
    (0x3fe886e6037841ed, 0x3fd1058bc8a07ee1),
    (0x3fe767dcf5534862, 0x3fd4043057b6ee09),
];
const LN2: f64 = core::f64::consts::LN_2; // 0x1.62e42fefa39efp-1
/// `log1p(r) ≈ r + A0·r² + A1·r³ + A2·r⁴` (Arm's minimax coefficients).
const A0: f64 = f64::from_bits(0xbfd0_0ea3_48b8_8334);
const A1: f64 = f64::from_bits(0x3fd5_575b_0be0_0b6a);
const A2: f64 = f64::from_bits(0xbfdf_fffe_f20a_4123);
/// The start of the reduced range, 0x3f330000 ≈ 0.6992 as float bits.
const OFF: u32 = 0x3f33_0000;
/// The quiet NaN x86 returns for invalid operations (here: log of a negative number).
const DEFAULT_NAN: u32 = 0xffc0_0000;

/// `logf(x)`: `−∞` at ±0, `+∞` at `+∞`, x86's default NaN below 0, NaN → NaN.
pub(crate) fn logf(x: f32) -> f32 {
    let mut ix = x.to_bits();
    if ix == 0x3f80_0000 {
        return 0.0; // log 1 = +0 in every rounding mode
    }
    if ix.wrapping_sub(0x0080_0000) >= 0x7f80_0000 - 0x0080_0000 {
        // Subnormal, zero, negative, infinite or NaN.
        if ix.wrapping_mul(2) == 0 {
            return f32::NEG_INFINITY;
        }
        if ix == 0x7f80_0000 {
            return x;
        }
        if x.is_nan() {
            return x + x;
        }
        if ix & 0x8000_0000 != 0 {
            return f32::from_bits(DEFAULT_NAN);
        }
        // Positive subnormal: scale into the normal range, keep the exponent bookkeeping.
        ix = (x * 8_388_608.0).to_bits().wrapping_sub(23 << 23);
    }
    let tmp = ix.wrapping_sub(OFF);
    let i = ((tmp >> 19) % 16) as usize;
    let k = (tmp as i32) >> 23;
    let iz = ix.wrapping_sub(tmp & 0xff80_0000);
    let (invc, logc) = match LOGF_TABLE.get(i) {
        Some(&(a, b)) => (f64::from_bits(a), f64::from_bits(b)),
        None => (1.0, 0.0),
    };
    let z = f64::from(f32::from_bits(iz));
    let r = z * invc - 1.0;
    let y0 = logc + f64::from(k) * LN2;
    let r2 = r * r;
    let y = A1 * r + A2;
    let y = A0 * r2 + y;
    let y = y * r2 + (y0 + r);
    y as f32
}

/// LOG float32.
pub fn log_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, logf);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::f32_map::testing::specials;
    use super::*;

    #[test]
    fn bit_identical_to_the_host_logf() {
        let mut xs = specials();
        let mut s = 0x0fed_cba9_8765_4321u64;
        for i in 0..400_000u32 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            xs.push(u as f32);
            xs.push(f32::from_bits((s as u32) & 0x7fff_ffff)); // every positive exponent
            xs.push(f32::from_bits(i)); // subnormals
        }
        for x in xs {
            let (got, want) = (logf(x), std::primitive::f32::ln(x));
            if x < 0.0 || x == f32::NEG_INFINITY {
                assert_eq!(got.to_bits(), DEFAULT_NAN, "{x}");
            } else {
                assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "log({x:e}): {got:e} vs {want:e}");
            }
        }
        assert_eq!(LN2.to_bits(), 0x3fe6_2e42_fefa_39ef);
    }
}
