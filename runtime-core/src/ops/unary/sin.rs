//! SIN on float32 (TFLM `std::sin`, i.e. the host's `sinf`: [`crate::float_math::sinf`]).

/// SIN float32.
pub fn sin_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, crate::float_math::sinf);
}
