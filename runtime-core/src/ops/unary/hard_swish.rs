//! HARD_SWISH on float32 (TFLM `reference_ops::HardSwish<float>`). int8 goes through
//! [`super::lut_s8`].

use super::f32_map::map_f32;

/// `x · min(6, max(0, x + 3)) / 6`, in TFLM's order of operations (product first, then the
/// division, each rounded) and with `std::max`/`std::min`'s comparisons.
#[inline(always)]
fn hard_swish(x: f32) -> f32 {
    let shifted = x + 3.0;
    let lo = if 0.0 < shifted { shifted } else { 0.0 };
    let clamped = if lo < 6.0 { lo } else { 6.0 };
    x * clamped / 6.0
}

/// HARD_SWISH float32.
pub fn hard_swish_f32(input: &[u8], output: &mut [u8]) {
    map_f32(input, output, hard_swish);
}

#[cfg(test)]
mod tests {
    use super::super::f32_map::testing::{run, specials};
    use super::*;

    #[test]
    fn pieces() {
        assert_eq!(run(hard_swish_f32, &[-4.0, -3.0, 0.0, 3.0, 4.0, 1.0]), [-0.0, -0.0, 0.0, 3.0, 4.0, 1.0 * 4.0 / 6.0]);
        for (x, y) in specials().iter().zip(run(hard_swish_f32, &specials())) {
            if x.is_finite() && x.abs() < 1e30 {
                let real = *x as f64 * (*x as f64 + 3.0).clamp(0.0, 6.0) / 6.0;
                assert!((y as f64 - real).abs() <= real.abs() * 3e-7 + 1e-40, "{x}: {y} vs {real}");
            }
        }
    }
}
