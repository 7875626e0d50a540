//! SIN on float32 (TFLM `std::sin`), see [`super::sincos`].

/// SIN float32.
pub fn sin_f32(input: &[u8], output: &mut [u8]) {
    super::f32_map::map_f32(input, output, |x| super::sincos::sin_or_cos(x, false));
}
