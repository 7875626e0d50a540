//! COS on float32 (TFLM `std::cos`, i.e. the host's `cosf`: [`crate::float_math::cosf`]).

/// COS float32.
pub fn cos_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, crate::float_math::cosf);
}
