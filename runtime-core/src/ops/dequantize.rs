//! DEQUANTIZE: int8 → float32 (TFLM `reference_ops::Dequantize`).

/// DEQUANTIZE int8 → float32, bit-exact with TFLM's `(scale as f64 · (q − zp) as f64) as f32`.
/// Computed as one f32 multiply: `q − zp` (at most 9 bits) times the 24-bit `scale` is exact in
/// f64, so both forms are the correctly rounded product and agree bit for bit, while the f32 form
/// needs no soft-float on an FPU-only-single core. Output is little-endian f32 bytes.
pub fn dequantize_s8_f32(input: &[u8], output: &mut [u8], scale: f32, zero_point: i32) {
    for (o, &q) in output.chunks_exact_mut(4).zip(input) {
        o.copy_from_slice(&dequantize_s8(q as i8, scale, zero_point).to_le_bytes());
    }
}

/// One value of [`dequantize_s8_f32`]; also what generated `dequantize_output` helpers call.
#[inline]
pub fn dequantize_s8(q: i8, scale: f32, zero_point: i32) -> f32 {
    scale * i32::from(q).wrapping_sub(zero_point) as f32
}

/// DEQUANTIZE uint8 → float32, LiteRT's reference `Dequantize`: [`dequantize_s8_f32`]'s
/// arithmetic (one exact f32 product) on unsigned values.
pub fn dequantize_u8_f32(input: &[u8], output: &mut [u8], scale: f32, zero_point: i32) {
    for (o, &q) in output.chunks_exact_mut(4).zip(input) {
        o.copy_from_slice(&(scale * i32::from(q).wrapping_sub(zero_point) as f32).to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::vec;

    #[test]
    fn matches_f64_definition() {
        let mut rng = Rng::new(110);
        for _ in 0..2000 {
            let scale = match rng.usize(0, 2) {
                0 => f32::from_bits(rng.range(0x0000_0001, 0x7f7f_ffff) as u32), // any finite positive, incl. subnormal
                _ => f32::from_bits(rng.range(0x3000_0000, 0x3f80_0000) as u32),
            };
            let zp = rng.range(-128, 127) as i32;
            let input: vec::Vec<u8> = (0..=255u8).collect();
            let mut out = vec![0u8; 256 * 4];
            dequantize_s8_f32(&input, &mut out, scale, zp);
            for (q, o) in input.iter().zip(out.chunks_exact(4)) {
                let want = (scale as f64 * (*q as i8 as i32 - zp) as f64) as f32;
                let got = f32::from_le_bytes([o[0], o[1], o[2], o[3]]);
                assert_eq!(got.to_bits(), want.to_bits(), "{scale} * ({q} - {zp})");
            }
        }
    }
}
