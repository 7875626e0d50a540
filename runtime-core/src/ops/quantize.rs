//! QUANTIZE: float32 → int8 (TFLM `reference_ops::AffineQuantize`) and int8 → int8
//! (TFLM `reference_ops::Requantize`).

use crate::fixed_point::{multiply_by_quantized_multiplier, Requant};

/// `round(v)` with ties away from zero, as a saturating i32 (NaN → 0): C's `round` then
/// `static_cast<int32_t>`. Exact in f32: for |v| < 2^23 the fractional part `a - trunc(a)` is
/// exactly representable, and larger magnitudes are already integers (or clamp anyway). Shared by
/// the int8 and int16 QUANTIZE; beyond ±2^24 the magnitude is capped (both results saturate).
#[inline(always)]
pub(crate) fn round_half_away_f32(v: f32) -> i32 {
    let neg = v < 0.0;
    let a = if neg { -v } else { v };
    // Anything beyond ±2^24 saturates the int8 result; keep the arithmetic in a safe range.
    let a = if a > 16_777_216.0 { 16_777_216.0 } else { a };
    let t = a as i32; // truncation; NaN → 0
    let r = if a - t as f32 >= 0.5 { t + 1 } else { t };
    if neg {
        -r
    } else {
        r
    }
}

/// QUANTIZE float32 → int8, bit-exact with TFLM: `round(x / scale)` computed in f32 (division,
/// not a reciprocal multiply), ties away from zero, plus `zero_point`, clamped to int8.
/// `input` is little-endian f32 bytes; NaN quantizes to `zero_point`.
pub fn quantize_f32_s8(input: &[u8], output: &mut [u8], scale: f32, zero_point: i32) {
    for (o, x) in output.iter_mut().zip(input.chunks_exact(4)) {
        *o = quantize_s8(f32::from_le_bytes([x[0], x[1], x[2], x[3]]), scale, zero_point) as u8;
    }
}

/// One value of [`quantize_f32_s8`]; also what generated `quantize_input` helpers call, so a
/// model's boundary quantizes exactly as an in-graph QUANTIZE op.
#[inline]
pub fn quantize_s8(real: f32, scale: f32, zero_point: i32) -> i8 {
    round_half_away_f32(real / scale).saturating_add(zero_point).clamp(-128, 127) as i8
}

/// QUANTIZE int8 → int8 (rescaling), bit-exact with TFLM:
/// `clamp(MultiplyByQuantizedMultiplier(x - input_zp, requant) + output_zp)`.
/// Large tensors go through a 256-entry table built with the same arithmetic.
pub fn requantize_s8(
    input: &[u8],
    output: &mut [u8],
    input_zero_point: i32,
    output_zero_point: i32,
    requant: Requant,
) {
    requantize_bytes::<true, true>(input, output, input_zero_point, output_zero_point, requant);
}

/// QUANTIZE uint8 → int8 (a uint8 model input, as legacy and streaming wake-word models take
/// it): TFLM's `Requantize` with a uint8 input, clamped to int8. With equal scales and zero
/// points 128 apart it flips the top bit, as TFLM's fast path does.
pub fn requantize_u8_s8(input: &[u8], output: &mut [u8], input_zero_point: i32, output_zero_point: i32, requant: Requant) {
    requantize_bytes::<false, true>(input, output, input_zero_point, output_zero_point, requant);
}

/// QUANTIZE uint8 → uint8 (what TF1's converter puts where two uint8 ranges meet), LiteRT's
/// reference `Requantize` clamped to 0..=255.
pub fn requantize_u8(input: &[u8], output: &mut [u8], input_zero_point: i32, output_zero_point: i32, requant: Requant) {
    requantize_bytes::<false, false>(input, output, input_zero_point, output_zero_point, requant);
}

/// QUANTIZE float32 → uint8, LiteRT's reference `AffineQuantize`: [`quantize_f32_s8`]'s
/// arithmetic clamped to 0..=255.
pub fn quantize_f32_u8(input: &[u8], output: &mut [u8], scale: f32, zero_point: i32) {
    for (o, x) in output.iter_mut().zip(input.chunks_exact(4)) {
        let real = f32::from_le_bytes([x[0], x[1], x[2], x[3]]);
        *o = round_half_away_f32(real / scale).saturating_add(zero_point).clamp(0, 255) as u8;
    }
}

/// QUANTIZE int8 → uint8 (a uint8 model output): TFLM's `Requantize`, clamped to 0..=255.
pub fn requantize_s8_u8(input: &[u8], output: &mut [u8], input_zero_point: i32, output_zero_point: i32, requant: Requant) {
    requantize_bytes::<true, false>(input, output, input_zero_point, output_zero_point, requant);
}

/// The byte-to-byte requantization of the three functions above; `IN_SIGNED` / `OUT_SIGNED`
/// say whether each side's bytes are int8 or uint8.
fn requantize_bytes<const IN_SIGNED: bool, const OUT_SIGNED: bool>(
    input: &[u8],
    output: &mut [u8],
    input_zero_point: i32,
    output_zero_point: i32,
    requant: Requant,
) {
    let (lo, hi) = if OUT_SIGNED { (-128, 127) } else { (0, 255) };
    let one = |x: u8| -> u8 {
        let x = if IN_SIGNED { i32::from(x as i8) } else { i32::from(x) };
        multiply_by_quantized_multiplier(x.wrapping_sub(input_zero_point), requant)
            .wrapping_add(output_zero_point)
            .clamp(lo, hi) as u8
    };
    if input.len() > 512 {
        let mut table = [0u8; 256];
        for (i, t) in table.iter_mut().enumerate() {
            *t = one(i as u8);
        }
        for (o, &x) in output.iter_mut().zip(input) {
            *o = table[usize::from(x)];
        }
    } else {
        for (o, &x) in output.iter_mut().zip(input) {
            *o = one(x);
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{ref_mbqm, Rng};
    use std::{vec, vec::Vec};

    /// Reference rounding: exact in f64 (every f32 is an f64), ties away from zero.
    fn ref_quantize(v: f32, scale: f32, zp: i32) -> u8 {
        let d = (v / scale) as f64;
        if d.is_nan() {
            return zp.clamp(-128, 127) as i8 as u8;
        }
        let r = if d < 0.0 {
            -(-d + 0.5).floor()
        } else {
            (d + 0.5).floor()
        };
        (r + zp as f64).clamp(-128.0, 127.0) as i8 as u8
    }

    #[test]
    fn quantize_matches_round_half_away() {
        let mut rng = Rng::new(100);
        for _ in 0..200 {
            let scale = f32::from_bits(rng.range(0x3a00_0000, 0x3f80_0000) as u32); // ~5e-4 .. 1
            let zp = rng.range(-128, 127) as i32;
            let mut vals: Vec<f32> = (0..300)
                .map(|_| match rng.usize(0, 3) {
                    0 => (rng.range(-600, 600) as f32 / 2.0) * scale, // ties
                    1 => f32::from_bits(rng.next_u64() as u32),       // anything, incl. NaN/inf
                    _ => (rng.range(-1_000_000, 1_000_000) as f32 / 1000.0) * scale,
                })
                .collect();
            vals.extend([
                0.0,
                -0.0,
                0.49999997 * scale,
                -0.49999997 * scale,
                1e30,
                -1e30,
                f32::INFINITY,
                f32::NEG_INFINITY,
            ]);
            let bytes: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
            let mut got = vec![0u8; vals.len()];
            quantize_f32_s8(&bytes, &mut got, scale, zp);
            for (v, g) in vals.iter().zip(&got) {
                assert_eq!(*g, ref_quantize(*v, scale, zp), "{v} / {scale} + {zp}");
            }
        }
        for v in [
            0.5f32,
            1.5,
            2.5,
            -0.5,
            -1.5,
            -2.5,
            0.49999997,
            -0.49999997,
            8388607.5,
            -8388607.5,
        ] {
            assert_eq!(
                round_half_away_f32(v) as f64,
                if v < 0.0 {
                    -(-(v as f64) + 0.5).floor()
                } else {
                    (v as f64 + 0.5).floor()
                }
            );
        }
    }

    #[test]
    fn requantize_matches_definition() {
        let mut rng = Rng::new(101);
        for case in 0..400 {
            let n = if case % 2 == 0 { 300 } else { 1000 };
            let mut input = vec![0u8; n];
            rng.fill(&mut input);
            let (izp, ozp) = (rng.range(-128, 127) as i32, rng.range(-128, 127) as i32);
            let rq = Requant {
                multiplier: rng.range(1 << 30, (1i64 << 31) - 1) as i32,
                shift: rng.range(-8, 3) as i32,
            };
            let mut got = vec![0u8; n];
            requantize_s8(&input, &mut got, izp, ozp, rq);
            for (x, g) in input.iter().zip(&got) {
                let want = (ref_mbqm(*x as i8 as i32 - izp, rq) + ozp).clamp(-128, 127) as i8 as u8;
                assert_eq!(*g, want);
            }
            // The uint8 sides: zero points in 0..=255 there.
            let (uzp_in, uzp_out) = (izp + 128, ozp + 128);
            requantize_u8_s8(&input, &mut got, uzp_in, ozp, rq);
            for (x, g) in input.iter().zip(&got) {
                let want = (ref_mbqm(*x as i32 - uzp_in, rq) + ozp).clamp(-128, 127) as i8 as u8;
                assert_eq!(*g, want, "u8 → s8 {x}");
            }
            requantize_s8_u8(&input, &mut got, izp, uzp_out, rq);
            for (x, g) in input.iter().zip(&got) {
                let want = (ref_mbqm(*x as i8 as i32 - izp, rq) + uzp_out).clamp(0, 255) as u8;
                assert_eq!(*g, want, "s8 → u8 {x}");
            }
        }
    }

    /// Equal scales, zero points 128 apart: TFLM's fast path flips the top bit; the general
    /// arithmetic must give the same bytes.
    #[test]
    fn int8_uint8_shift_is_a_bit_flip() {
        let one = Requant { multiplier: 1 << 30, shift: 1 };
        let input: Vec<u8> = (0..=255).collect();
        let mut got = vec![0u8; 256];
        for zp in [-128, -3, 0, 127] {
            requantize_s8_u8(&input, &mut got, zp, zp + 128, one);
            assert!(input.iter().zip(&got).all(|(x, g)| *g == x ^ 0x80), "s8 → u8, zero point {zp}");
            requantize_u8_s8(&input, &mut got, zp + 128, zp, one);
            assert!(input.iter().zip(&got).all(|(x, g)| *g == x ^ 0x80), "u8 → s8, zero point {zp}");
        }
    }
}
