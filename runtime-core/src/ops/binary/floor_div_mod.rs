//! FLOOR_DIV and FLOOR_MOD, float32 (the only type TFLM registers for them):
//! `floor(x / y)` and `x − floor(x / y) · y` computed as TFLite does, from `fmod` with a sign
//! fix-up, with [`crate::float_math`]'s exact `floorf` and `fmodf`.

use super::{broadcast_map, f32_of, BroadcastShapes};
use crate::float_math::{floorf, fmodf};

/// FLOOR_DIV float32: `floor(x / y)` (TFLite `FloorDiv`: one IEEE division, then floor).
///
/// TFLM refuses the whole inference (an error status, no outputs) when any divisor element is
/// exactly 0. Generated code has no error path, so kiln computes the IEEE result there
/// (`floor(±inf) = ±inf`, `floor(NaN) = NaN` for 0/0); every other element is TFLM's.
pub fn floor_div_f32(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| floorf(f32_of(a) / f32_of(b)).to_le_bytes());
}

/// FLOOR_MOD float32 (TFLite `FloorMod`): `r = fmod(x, y)`, then `r + y` when `r` is non-zero
/// and its sign differs from `y`'s, so the result takes the divisor's sign.
pub fn floor_mod_f32(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| {
        let (x, y) = (f32_of(a), f32_of(b));
        let r = fmodf(x, y);
        let r = if r != 0.0 && ((y < 0.0) != (r < 0.0)) { r + y } else { r };
        r.to_le_bytes()
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn floor_mod_takes_the_divisor_sign() {
        let s = BroadcastShapes { input1: [1, 1, 1, 4], input2: [1, 1, 1, 1], output: [1, 1, 1, 4] };
        let x: std::vec::Vec<u8> = [7.0f32, -7.0, 6.0, -0.5].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = [0u8; 16];
        floor_mod_f32(&s, &x, &(-3.0f32).to_le_bytes(), &mut out);
        let got: std::vec::Vec<f32> = out.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(got, [-2.0, -1.0, 0.0, -0.5]);
        floor_div_f32(&s, &x, &(-3.0f32).to_le_bytes(), &mut out);
        let got: std::vec::Vec<f32> = out.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(got, [-3.0, 2.0, -2.0, 0.0]);
    }
}
