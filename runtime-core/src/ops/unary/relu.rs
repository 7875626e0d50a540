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

#[cfg(test)]
mod tests {
    use super::super::f32_map::testing::{run, specials};
    use super::*;

    #[test]
    fn clamps_like_tflm() {
        let xs = specials();
        for (x, y) in xs.iter().zip(run(relu_f32, &xs)) {
            let want = if *x < 0.0 { 0.0 } else { *x };
            assert_eq!(y.to_bits(), want.to_bits(), "relu {x}");
            assert!(!(y < 0.0));
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
        for alpha in [0.2f32, -0.5, 1.5] {
            for (x, y) in xs.iter().zip(run(|i: &[u8], o: &mut [u8]| leaky_relu_f32(i, o, alpha), &xs)) {
                let want = if *x > 0.0 { *x } else { *x * alpha };
                assert!(y.to_bits() == want.to_bits() || (y.is_nan() && want.is_nan()), "leaky {x}");
            }
        }
    }
}
