//! EXP on float32 (TFLM `std::exp`, i.e. the host's `expf`: [`crate::float_math::expf`]).

/// EXP float32.
pub fn exp_elementwise_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, crate::float_math::expf);
}
