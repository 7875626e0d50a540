//! ABS on float32 (TFLM `std::abs`) and int16 (TFLM `AbsEvalQuantized<int16_t>`). int8 ABS
//! goes through [`super::lut_s8`].

use super::f32_map::map_f32;
use crate::fixed_point::{multiply_by_quantized_multiplier, Requant};

/// Prepare-time constants of an int16 ABS (symmetric: zero points 0).
#[derive(Clone, Copy, Debug)]
pub struct AbsS16Params {
    /// `input_scale / output_scale`, applied only when `rescale` (the scales differ).
    pub requant: Requant,
    /// Whether the scales differ (else `requant` is skipped).
    pub rescale: bool,
}

/// ABS int16: `|x|`, rescaled when the scales differ, saturated to int16 (so `|−32768|` with
/// equal scales is 32767).
pub fn abs_s16(p: &AbsS16Params, input: &[u8], output: &mut [u8]) {
    for (o, x) in output.chunks_exact_mut(2).zip(input.chunks_exact(2)) {
        let v = i32::from(i16::from_le_bytes([x[0], x[1]])).abs();
        let y = if p.rescale { multiply_by_quantized_multiplier(v, p.requant) } else { v };
        o.copy_from_slice(&(y.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16).to_le_bytes());
    }
}

/// ABS float32: clears the sign bit (`fabsf`), so `abs(-0.0) = 0.0` and NaNs keep their payload.
pub fn abs_f32(input: &[u8], output: &mut [u8]) {
    map_f32(input, output, f32::abs);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::f32_map::testing::{run, specials};
    use super::*;
    use crate::fixed_point::testing::{quantize_multiplier, ref_mbqm};

    #[test]
    fn int16_magnitude_rescaled_and_saturated() {
        let xs: [i16; 6] = [i16::MIN, -12345, -1, 0, 1, i16::MAX];
        let input: std::vec::Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
        let mut out = [0u8; 12];
        abs_s16(&AbsS16Params { requant: Requant { multiplier: 0, shift: 0 }, rescale: false }, &input, &mut out);
        let got: std::vec::Vec<i16> = out.chunks(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
        assert_eq!(got, [i16::MAX, 12345, 1, 0, 1, i16::MAX]);
        let rq = quantize_multiplier(0.7);
        abs_s16(&AbsS16Params { requant: rq, rescale: true }, &input, &mut out);
        for (x, c) in xs.iter().zip(out.chunks(2)) {
            let want = ref_mbqm((*x as i32).abs(), rq).clamp(-32768, 32767) as i16;
            assert_eq!(i16::from_le_bytes([c[0], c[1]]), want, "{x}");
        }
    }

    #[test]
    fn clears_only_the_sign_bit() {
        let xs = specials();
        for (x, y) in xs.iter().zip(run(abs_f32, &xs)) {
            assert_eq!(y.to_bits(), x.to_bits() & 0x7fff_ffff, "{x}");
        }
    }
}
