//! RELU, RELU6 and LEAKY_RELU on float32 (TFLM `ReluFloat`, `Relu6Float`,
//! `reference_ops::LeakyRelu`). The comparisons are written exactly as TFLM's, because they
//! decide what happens to `-0.0` and NaN: a NaN is never "below 0", so it passes through.
//! int8 variants go through [`super::lut_s8`].

use super::f32_map::map_f32;

/// RELU float32: `x < 0 ? 0 : x` (so `-0.0` and NaN pass unchanged).
pub fn relu_f32(input: &[u8], output: &mut [u8]) {
    map_f32(input, output, |x| if x < 0.0 { 0.0 } else { x });
}

/// RELU6 float32: `x > 6 ? 6 : x < 0 ? 0 : x`.
#[allow(clippy::manual_clamp)] // TFLM's comparison order, spelled out (NaN and -0.0 pass through)
pub fn relu6_f32(input: &[u8], output: &mut [u8]) {
    map_f32(input, output, |x| {
        if x > 6.0 {
            6.0
        } else if x < 0.0 {
            0.0
        } else {
            x
        }
    });
}

/// LEAKY_RELU float32: `x > 0 ? x : x · alpha` (alpha may be negative or above 1).
pub fn leaky_relu_f32(input: &[u8], output: &mut [u8], alpha: f32) {
    map_f32(input, output, |x| if x > 0.0 { x } else { x * alpha });
}

/// RELU6 int16 (TFLM `Relu6Quantized<int16_t>`): a clamp to `[zero, six]`, the input's zero
/// point and the input's quantization of 6.0 (TFLM does not rescale to the output's scale).
pub fn relu6_s16(input: &[u8], output: &mut [u8], zero: i16, six: i16) {
    for (o, x) in output.chunks_exact_mut(2).zip(input.chunks_exact(2)) {
        let v = i16::from_le_bytes([x[0], x[1]]);
        let y = if v > six {
            six
        } else if v < zero {
            zero
        } else {
            v
        };
        o.copy_from_slice(&y.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::f32_map::testing::{run, specials};
    use super::*;

    #[test]
    fn clamps_like_tflm() {
        let xs = specials();
        for (x, y) in xs.iter().zip(run(relu_f32, &xs)) {
            let want = if *x < 0.0 { 0.0 } else { *x };
            assert_eq!(y.to_bits(), want.to_bits(), "relu {x}");
            assert!(y >= 0.0 || y.is_nan());
        }
        for (x, y) in xs.iter().zip(run(relu6_f32, &xs)) {
            if x.is_nan() {
                assert!(y.is_nan());
            } else {
                assert!((0.0..=6.0).contains(&y) || (y == 0.0), "relu6 {x} -> {y}");
                if (0.0..=6.0).contains(x) {
                    assert_eq!(y.to_bits(), x.to_bits());
                }
            }
        }
        assert_eq!(run(relu_f32, &[-0.0])[0].to_bits(), (-0.0f32).to_bits());
        let xs16: [i16; 5] = [i16::MIN, -1, 0, 500, i16::MAX];
        let input: std::vec::Vec<u8> = xs16.iter().flat_map(|x| x.to_le_bytes()).collect();
        let mut out = [0u8; 10];
        relu6_s16(&input, &mut out, 0, 400);
        let got: std::vec::Vec<i16> = out.chunks(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
        assert_eq!(got, [0, 0, 0, 400, 400]);
        for alpha in [0.2f32, -0.5, 1.5] {
            for (x, y) in xs.iter().zip(run(|i: &[u8], o: &mut [u8]| leaky_relu_f32(i, o, alpha), &xs)) {
                let want = if *x > 0.0 { *x } else { *x * alpha };
                assert!(y.to_bits() == want.to_bits() || (y.is_nan() && want.is_nan()), "leaky {x}");
            }
        }
    }
}
