//! ABS on float32 (TFLM `std::abs`). int8 ABS goes through [`super::lut_s8`].

use super::f32_map::map_f32;

/// ABS float32: clears the sign bit (`fabsf`), so `abs(-0.0) = 0.0` and NaNs keep their payload.
pub fn abs_f32(input: &[u8], output: &mut [u8]) {
    map_f32(input, output, f32::abs);
}

#[cfg(test)]
mod tests {
    use super::super::f32_map::testing::{run, specials};
    use super::*;

    #[test]
    fn clears_only_the_sign_bit() {
        let xs = specials();
        for (x, y) in xs.iter().zip(run(abs_f32, &xs)) {
            assert_eq!(y.to_bits(), x.to_bits() & 0x7fff_ffff, "{x}");
        }
    }
}
