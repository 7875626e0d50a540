//! RSQRT on float32 (TFLM: `1.f / std::sqrt(f)`), from kiln's correctly rounded square root and
//! one IEEE division, so bit-identical to TFLM's host result. int8 RSQRT goes through
//! [`super::lut_s8`].

use crate::float_math::sqrtf;

/// RSQRT float32: `1 / √x` (`+∞` at `+0`, `−∞` at `−0`, NaN below 0).
pub fn rsqrt_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, |x| 1.0 / sqrtf(x));
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::f32_map::testing::{run, specials};
    use super::*;

    #[test]
    fn reciprocal_of_the_square_root() {
        let xs = specials();
        for (x, y) in xs.iter().zip(run(rsqrt_f32, &xs)) {
            let want = 1.0 / std::primitive::f32::sqrt(*x);
            assert!(y.to_bits() == want.to_bits() || (y.is_nan() && want.is_nan()), "rsqrt({x}) = {y}");
        }
        assert_eq!(run(rsqrt_f32, &[0.0, -0.0, 4.0]), [f32::INFINITY, f32::NEG_INFINITY, 0.5]);
    }
}
