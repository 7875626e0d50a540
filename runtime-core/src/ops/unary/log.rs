//! LOG on float32 (TFLM `std::log`, i.e. the host's `logf`: [`crate::float_math::logf`]).

/// LOG float32.
pub fn log_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, crate::float_math::logf);
}
