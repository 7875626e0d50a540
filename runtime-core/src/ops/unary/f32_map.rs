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

    /// Awkward floats: signed zeros, halves, integers near 2^23 and 2^24, the extremes, NaN, ∞.
    pub fn specials() -> Vec<f32> {
        let mut v = std::vec![
            0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999997, -0.49999997, 1.0, -1.0, 3.0, -3.0, 6.0,
            -6.0, 8388607.5, -8388607.5, 8388608.0, 16777215.0, -16777216.0, 1e30, -1e30, f32::MAX, f32::MIN,
            f32::MIN_POSITIVE, -f32::MIN_POSITIVE, 1e-45, -1e-45, f32::INFINITY, f32::NEG_INFINITY, f32::NAN,
        ];
        let mut s = 0x9e37_79b9u32;
        for _ in 0..2000 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            v.push(f32::from_bits(s));
            v.push((s as i32 as f32) / 65536.0 / 1024.0);
        }
        v
    }
}
