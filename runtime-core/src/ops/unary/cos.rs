//! COS on float32 (TFLM `std::cos`), see [`super::sincos`].

/// COS float32.
pub fn cos_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, |x| super::sincos::sin_or_cos(x, true));
}
