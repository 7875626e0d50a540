//! SQRT on float32 (TFLM `std::sqrt`: [`crate::float_math::sqrtf`], correctly rounded as IEEE
//! 754 requires, so bit-identical to it).

/// SQRT float32.
pub fn sqrt_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, crate::float_math::sqrtf);
}
