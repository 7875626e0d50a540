//! QUANTIZE to and from int16 (TFLM `reference_ops::AffineQuantize` for float32 → int16,
//! `reference_ops::Requantize` for int16 → int16, int8 → int16 and int16 → int8) and DEQUANTIZE
//! int16 → float32 (TFLM `reference_ops::Dequantize`).

use super::{load, store};
use crate::fixed_point::{multiply_by_quantized_multiplier, Requant};
use crate::ops::quantize::round_half_away_f32;

/// One value of [`quantize_f32_s16`]; also what generated `quantize_input` helpers of int16
/// inputs call: `clamp(round(real / scale) + zero_point)`, the division in f32 as in TFLM.
#[inline]
pub fn quantize_s16(real: f32, scale: f32, zero_point: i32) -> i16 {
    round_half_away_f32(real / scale).saturating_add(zero_point).clamp(-32768, 32767) as i16
}

/// QUANTIZE float32 → int16, bit-exact with TFLM. `input` is little-endian f32 bytes.
pub fn quantize_f32_s16(input: &[u8], output: &mut [u8], scale: f32, zero_point: i32) {
    for (o, x) in output.chunks_exact_mut(2).zip(input.chunks_exact(4)) {
        let v = f32::from_le_bytes([x[0], x[1], x[2], x[3]]);
        store(o, i32::from(quantize_s16(v, scale, zero_point)));
    }
}

/// An integer element of 1, 2 or 4 bytes (int8, int16, int32), sign-extended.
#[inline(always)]
fn read(b: &[u8]) -> i32 {
    match *b {
        [x] => i32::from(x as i8),
        [lo, hi] => i32::from(i16::from_le_bytes([lo, hi])),
        [a, b, c, d] => i32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// Stores `v` saturated to the element type that `o`'s length (1, 2 or 4 bytes) names.
#[inline(always)]
fn write(o: &mut [u8], v: i32) {
    match o {
        [x] => *x = v.clamp(-128, 127) as i8 as u8,
        [_, _] => store(o, v.clamp(-32768, 32767)),
        _ => super::super::copy_prefix(o, &v.to_le_bytes()),
    }
}

/// TFLM's `Requantize`: `MultiplyByQuantizedMultiplier(x − input_zp)` (the 32-bit,
/// double-rounding one) `+ output_zp`, saturated to the output type (`+` wraps as the C++ int32
/// addition does, which only matters for int32 outputs).
#[inline(always)]
fn requantize(input: &[u8], in_bytes: usize, output: &mut [u8], out_bytes: usize, input_zero_point: i32, output_zero_point: i32, rq: Requant) {
    for (o, x) in output.chunks_exact_mut(out_bytes).zip(input.chunks_exact(in_bytes)) {
        write(o, multiply_by_quantized_multiplier(read(x).wrapping_sub(input_zero_point), rq).wrapping_add(output_zero_point));
    }
}

/// QUANTIZE int16 → int16 (rescaling), bit-exact with TFLM.
pub fn requantize_s16_s16(input: &[u8], output: &mut [u8], input_zero_point: i32, output_zero_point: i32, requant: Requant) {
    requantize(input, 2, output, 2, input_zero_point, output_zero_point, requant);
}

/// QUANTIZE int8 → int16, bit-exact with TFLM.
pub fn requantize_s8_s16(input: &[u8], output: &mut [u8], input_zero_point: i32, output_zero_point: i32, requant: Requant) {
    requantize(input, 1, output, 2, input_zero_point, output_zero_point, requant);
}

/// QUANTIZE int16 → int8, bit-exact with TFLM.
pub fn requantize_s16_s8(input: &[u8], output: &mut [u8], input_zero_point: i32, output_zero_point: i32, requant: Requant) {
    requantize(input, 2, output, 1, input_zero_point, output_zero_point, requant);
}

/// QUANTIZE int32 → int16, bit-exact with TFLM.
pub fn requantize_s32_s16(input: &[u8], output: &mut [u8], input_zero_point: i32, output_zero_point: i32, requant: Requant) {
    requantize(input, 4, output, 2, input_zero_point, output_zero_point, requant);
}

/// QUANTIZE int16 → int32, bit-exact with TFLM.
pub fn requantize_s16_s32(input: &[u8], output: &mut [u8], input_zero_point: i32, output_zero_point: i32, requant: Requant) {
    requantize(input, 2, output, 4, input_zero_point, output_zero_point, requant);
}

/// One value of [`dequantize_s16_f32`]; also what generated `dequantize_output` helpers of int16
/// outputs call. TFLM computes `(double scale · (q − zp))` and narrows to f32; `q − zp` has at
/// most 18 significant bits and the scale 24, so the f64 product is exact and both forms are
/// the correctly rounded product: one f32 multiply gives the same bits.
#[inline]
pub fn dequantize_s16(q: i16, scale: f32, zero_point: i32) -> f32 {
    scale * i32::from(q).wrapping_sub(zero_point) as f32
}

/// DEQUANTIZE int16 → float32, bit-exact with TFLM. Output is little-endian f32 bytes.
pub fn dequantize_s16_f32(input: &[u8], output: &mut [u8], scale: f32, zero_point: i32) {
    for (o, x) in output.chunks_exact_mut(4).zip(input.chunks_exact(2)) {
        o.copy_from_slice(&dequantize_s16(load(x) as i16, scale, zero_point).to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{ref_mbqm, Rng};
    use std::{vec, vec::Vec};

    #[test]
    fn quantize_matches_f64_rounding() {
        let mut rng = Rng::new(1650);
        for _ in 0..200 {
            let scale = f32::from_bits(rng.range(0x3000_0000, 0x3f80_0000) as u32);
            let zp = if rng.bool() { 0 } else { rng.range(-100, 100) as i32 };
            let vals: Vec<f32> = (0..256)
                .map(|i| match i {
                    0 => f32::NAN,
                    1 => f32::INFINITY,
                    2 => -1e30,
                    // Exact ties: (k + 0.5) · scale.
                    3..=40 => (rng.range(-40000, 40000) as f32 + 0.5) * scale,
                    _ => f32::from_bits(rng.next_u64() as u32 & 0xbfff_ffff),
                })
                .collect();
            let bytes: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
            let mut out = vec![0u8; 512];
            quantize_f32_s16(&bytes, &mut out, scale, zp);
            for (v, o) in vals.iter().zip(out.chunks_exact(2)) {
                let d = (v / scale) as f64;
                let want = if d.is_nan() {
                    zp as i64
                } else {
                    let r = d.abs().floor() + if d.abs().fract() >= 0.5 { 1.0 } else { 0.0 };
                    ((r.min(1e9) * d.signum()) as i64 + zp as i64).clamp(-32768, 32767)
                };
                assert_eq!(i16::from_le_bytes([o[0], o[1]]) as i64, want, "{v} / {scale} + {zp}");
            }
        }
    }

    #[test]
    fn requantize_matches_reference() {
        let mut rng = Rng::new(1651);
        for _ in 0..300 {
            let rq = Requant { multiplier: rng.range(1 << 30, (1i64 << 31) - 1) as i32, shift: rng.range(-12, 9) as i32 };
            let (iz, oz) = (rng.range(-128, 127) as i32, rng.range(-128, 127) as i32);
            let mut input = vec![0u8; 64];
            rng.fill(&mut input);
            let mut o16 = vec![0u8; 64];
            requantize_s16_s16(&input, &mut o16, iz, oz, rq);
            for (x, o) in input.chunks_exact(2).zip(o16.chunks_exact(2)) {
                let x = i16::from_le_bytes([x[0], x[1]]) as i32;
                let want = (ref_mbqm(x - iz, rq) as i64 + oz as i64).clamp(-32768, 32767);
                assert_eq!(i16::from_le_bytes([o[0], o[1]]) as i64, want);
            }
            let mut o8 = vec![0u8; 32];
            requantize_s16_s8(&input, &mut o8, iz, oz, rq);
            for (x, &o) in input.chunks_exact(2).zip(&o8) {
                let x = i16::from_le_bytes([x[0], x[1]]) as i32;
                let want = (ref_mbqm(x - iz, rq) as i64 + oz as i64).clamp(-128, 127);
                assert_eq!(o as i8 as i64, want);
            }
            let mut o32 = vec![0u8; 128];
            requantize_s16_s32(&input, &mut o32, iz, oz, rq);
            for (x, o) in input.chunks_exact(2).zip(o32.chunks_exact(4)) {
                let x = i16::from_le_bytes([x[0], x[1]]) as i32;
                let want = (ref_mbqm(x - iz, rq)).wrapping_add(oz);
                assert_eq!(i32::from_le_bytes([o[0], o[1], o[2], o[3]]), want);
            }
            let mut o16c = vec![0u8; 32];
            requantize_s32_s16(&input, &mut o16c, iz, oz, rq);
            for (x, o) in input.chunks_exact(4).zip(o16c.chunks_exact(2)) {
                let x = i32::from_le_bytes([x[0], x[1], x[2], x[3]]);
                let want = (ref_mbqm(x.wrapping_sub(iz), rq) as i64 + oz as i64).clamp(-32768, 32767);
                assert_eq!(i16::from_le_bytes([o[0], o[1]]) as i64, want);
            }
            let mut o16b = vec![0u8; 128];
            requantize_s8_s16(&input, &mut o16b, iz, oz, rq);
            for (&x, o) in input.iter().zip(o16b.chunks_exact(2)) {
                let want = (ref_mbqm(x as i8 as i32 - iz, rq) as i64 + oz as i64).clamp(-32768, 32767);
                assert_eq!(i16::from_le_bytes([o[0], o[1]]) as i64, want);
            }
        }
    }

    #[test]
    fn dequantize_matches_f64_definition() {
        let mut rng = Rng::new(1652);
        let input: Vec<u8> = (0..4096).flat_map(|_| (rng.range(-32768, 32767) as i16).to_le_bytes()).collect();
        for _ in 0..200 {
            let scale = f32::from_bits(rng.range(0x0000_0001, 0x7f7f_ffff) as u32);
            let zp = rng.range(-1000, 1000) as i32;
            let mut out = vec![0u8; input.len() * 2];
            dequantize_s16_f32(&input, &mut out, scale, zp);
            for (q, o) in input.chunks_exact(2).zip(out.chunks_exact(4)) {
                let q = i16::from_le_bytes([q[0], q[1]]) as i32;
                let want = (scale as f64 * (q - zp) as f64) as f32;
                assert_eq!(f32::from_le_bytes([o[0], o[1], o[2], o[3]]).to_bits(), want.to_bits());
            }
        }
    }
}
