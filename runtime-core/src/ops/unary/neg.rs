//! NEG on float32 (TFLM `reference_ops::Negate`: `-x`).

use super::f32_map::map_f32;

/// NEG float32: flips the sign bit (`-0.0` for `0.0`, NaN payloads kept).
pub fn neg_f32(input: &[u8], output: &mut [u8]) {
    map_f32(input, output, |x| -x);
}

#[cfg(test)]
mod tests {
    use super::super::f32_map::testing::{run, specials};
    use super::*;

    #[test]
    fn flips_only_the_sign_bit() {
        let xs = specials();
        for (x, y) in xs.iter().zip(run(neg_f32, &xs)) {
            assert_eq!(y.to_bits(), x.to_bits() ^ 0x8000_0000, "{x}");
        }
    }
}
