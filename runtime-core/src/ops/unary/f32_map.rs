//! The elementwise walk shared by the float32 unary kernels.

/// Applies `f` to each little-endian f32 of `input`, writing `output` (same length).
#[inline(always)]
pub(crate) fn map_f32(input: &[u8], output: &mut [u8], f: impl Fn(f32) -> f32) {
    for (o, x) in output.chunks_exact_mut(4).zip(input.chunks_exact(4)) {
        let y = f(f32::from_le_bytes([x[0], x[1], x[2], x[3]]));
        o.copy_from_slice(&y.to_le_bytes());
    }
}

#[cfg(test)]
pub(crate) mod testing {
    extern crate std;
    use std::vec::Vec;

    /// Runs a float kernel on `xs` and returns its outputs.
    pub fn run(kernel: impl Fn(&[u8], &mut [u8]), xs: &[f32]) -> Vec<f32> {
        let input: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
        let mut output = std::vec![0u8; input.len()];
        kernel(&input, &mut output);
        output.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
    }

    pub use crate::float_math::testing::{same, specials};
}
