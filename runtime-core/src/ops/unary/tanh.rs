//! TANH on int16 (TFLM `reference_integer_ops::Tanh`, int16 overload: `2·sigmoid(2x) − 1` by
//! linear interpolation in the sigmoid table) and float32 (`std::tanh`, fdlibm's `tanhf`,
//! [`crate::float_math::tanhf`]). int8 TANH goes through [`super::lut_s8`].

use super::sigmoid16::{tanh_one, Sigmoid16Params};

/// TANH int16, bit-exact with TFLM. Little-endian 2-byte elements, output scale 2^-15.
pub fn tanh_s16(p: &Sigmoid16Params, input: &[u8], output: &mut [u8]) {
    for (o, x) in output.chunks_exact_mut(2).zip(input.chunks_exact(2)) {
        let y = tanh_one(p, i32::from(i16::from_le_bytes([x[0], x[1]])));
        o.copy_from_slice(&y.to_le_bytes());
    }
}

/// TANH float32, bit-exact with the host's `tanhf`.
pub fn tanh_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, crate::float_math::tanhf);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn tracks_the_real_tanh_and_is_odd() {
        // Input scale 1/4096: TFLM's power-of-two case (shift 0 → multiplier 3).
        let p = Sigmoid16Params { input_multiplier: 3, input_left_shift: 0 };
        for x in (-32767i16..=i16::MAX).step_by(89) {
            let real = std::primitive::f64::tanh(x as f64 / 4096.0);
            let (mut a, mut b) = ([0u8; 2], [0u8; 2]);
            tanh_s16(&p, &x.to_le_bytes(), &mut a);
            tanh_s16(&p, &(-x).to_le_bytes(), &mut b);
            let (ya, yb) = (i16::from_le_bytes(a), i16::from_le_bytes(b));
            assert!((ya as f64 / 32768.0 - real).abs() < 6e-4, "x {x}: {ya} vs {real}");
            assert!((ya as i32 + yb as i32).abs() <= 1, "x {x}: {ya} {yb}");
        }
    }
}
