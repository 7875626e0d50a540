//! L2_NORMALIZATION on int8 (TFLM `reference_integer_ops::L2Normalization`) and float32
//! (`reference_ops::L2Normalization`): each row of the innermost axis divided by its L2 norm;
//! int8 output in units of 1/128.

use crate::fixed_point::{
    multiply_by_quantized_multiplier, rescale, rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul as mul, Requant,
};

/// Parameters of one L2_NORMALIZATION (the zero point is 0 for float32).
#[derive(Clone, Copy, Debug)]
pub struct L2NormalizationParams {
    /// Number of vectors normalised (product of all but the innermost dimension).
    pub rows: usize,
    /// Innermost dimension, the axis that is normalised.
    pub depth: usize,
    /// Zero point of the input.
    pub input_zero_point: i32,
}

/// TFLM `GetInvSqrtQuantizedMultiplierExp` with `reverse_shift = -1`: `1/√x` for a sum of
/// squares `x`, as a multiplier and shift for [`multiply_by_quantized_multiplier`]. `x` is
/// normalised into `[2^27, 2^29)` by an even shift, then five Newton–Raphson steps in Q3.28
/// (`x ← 3/2·x − x_half·x³`, starting from 1) and a final `·√2/2`. `x ≤ 1` (including an
/// all-zero row) gives the largest multiplier, as in TFLM.
fn inv_sqrt(x: i32) -> Requant {
    if x <= 1 {
        return Requant { multiplier: i32::MAX, shift: 0 };
    }
    let mut input = x;
    let mut shift: i32 = 11;
    while input >= (1 << 29) {
        input /= 4;
        shift += 1;
    }
    let max_left_shift_bits = (input as u32).leading_zeros() as i32 - 1;
    let left_shift_bit_pairs = max_left_shift_bits / 2 - 1;
    shift -= left_shift_bit_pairs;
    input = input.wrapping_shl(2 * left_shift_bit_pairs as u32);

    const F3_ONE: i32 = 1 << 28;
    const HALF_THREE: i32 = (1 << 28) + (1 << 27);
    const HALF_SQRT_2: i32 = 1_518_500_250; // Q0.31
    let half_input = rounding_divide_by_pot(input >> 1, 1);
    let mut r = F3_ONE;
    for _ in 0..5 {
        // Q3 · Q3 · Q3 = Q9, back to Q3; Q3 · Q3 = Q6, back to Q3.
        let r3 = rescale(mul(mul(r, r), r), 9, 3);
        r = rescale(mul(HALF_THREE, r).wrapping_sub(mul(half_input, r3)), 6, 3);
    }
    let mut multiplier = mul(r, HALF_SQRT_2);
    if shift < 0 {
        multiplier = multiplier.wrapping_shl((-shift) as u32);
        shift = 0;
    }
    // TFLM's "right shift is positive" becomes a left-shift exponent.
    Requant { multiplier, shift: -shift }
}

/// L2_NORMALIZATION int8, bit-exact with TFLM.
pub fn l2_normalization_s8(p: &L2NormalizationParams, input: &[u8], output: &mut [u8]) {
    if p.depth == 0 {
        return;
    }
    for (row, out) in input.chunks_exact(p.depth).zip(output.chunks_exact_mut(p.depth)).take(p.rows) {
        let centred = |b: u8| i32::from(b as i8) - p.input_zero_point;
        let sum_of_squares = row.iter().fold(0i32, |acc, &b| acc.wrapping_add(centred(b) * centred(b)));
        let inv = inv_sqrt(sum_of_squares);
        // 7 more fractional bits: outputs in units of 1/128.
        let rq = Requant { multiplier: inv.multiplier, shift: inv.shift.saturating_add(7) };
        for (o, &b) in out.iter_mut().zip(row) {
            *o = multiply_by_quantized_multiplier(centred(b), rq).clamp(-128, 127) as i8 as u8;
        }
    }
}

/// L2_NORMALIZATION float32, bit-exact with TFLM: the squares summed in order in single
/// precision, kiln's correctly rounded square root (as `sqrtf`), floored at TFLM's epsilon
/// 1e-6 with `std::max`'s comparison, then one division per element.
pub fn l2_normalization_f32(p: &L2NormalizationParams, input: &[u8], output: &mut [u8]) {
    const EPSILON: f32 = 1e-6;
    let width = p.depth * 4;
    if width == 0 {
        return;
    }
    let value = |c: &[u8]| f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    for (row, out) in input.chunks_exact(width).zip(output.chunks_exact_mut(width)).take(p.rows) {
        let squared = row.chunks_exact(4).map(value).fold(0.0f32, |acc, v| acc + v * v);
        let norm = crate::float_math::sqrtf(squared);
        let norm = if norm < EPSILON { EPSILON } else { norm };
        for (o, x) in out.chunks_exact_mut(4).zip(row.chunks_exact(4)) {
            o.copy_from_slice(&(value(x) / norm).to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::vec;

    #[test]
    fn inverse_square_root_is_accurate() {
        for x in [2, 3, 10, 100, 12345, 1 << 20, 1 << 29, (1 << 30) + 12345, i32::MAX] {
            let r = inv_sqrt(x);
            let got = r.multiplier as f64 * 2f64.powi(r.shift - 31);
            let want = 1.0 / (x as f64).sqrt();
            assert!((got / want - 1.0).abs() < 1e-5, "1/sqrt({x}): {got} vs {want}");
        }
    }

    #[test]
    fn float_rows_match_the_formula() {
        let xs: std::vec::Vec<f32> = (0..24).map(|i| ((i * 37 % 23) as f32 - 11.0) * 0.173).collect();
        let input: std::vec::Vec<u8> = xs.iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = vec![0u8; input.len()];
        l2_normalization_f32(&L2NormalizationParams { rows: 3, depth: 8, input_zero_point: 0 }, &input, &mut out);
        for (r, row) in xs.chunks(8).enumerate() {
            let mut acc = 0.0f32;
            for v in row {
                acc += v * v;
            }
            let norm = std::primitive::f32::sqrt(acc).max(1e-6);
            for (c, v) in row.iter().enumerate() {
                let k = (r * 8 + c) * 4;
                let got = f32::from_le_bytes([out[k], out[k + 1], out[k + 2], out[k + 3]]);
                assert_eq!(got.to_bits(), (v / norm).to_bits());
            }
        }
        // An all-zero row divides by epsilon: zeros stay zeros.
        let mut out = [1u8; 8];
        l2_normalization_f32(&L2NormalizationParams { rows: 1, depth: 2, input_zero_point: 0 }, &[0; 8], &mut out);
        assert_eq!(out, [0; 8]);
    }

    #[test]
    fn rows_come_out_unit_length() {
        let mut rng = Rng::new(0x12);
        for &(depth, zp) in &[(16usize, 0i32), (7, -5), (64, 20), (1, 3)] {
            let p = L2NormalizationParams { rows: 4, depth, input_zero_point: zp };
            let mut input = vec![0u8; 4 * depth];
            rng.fill(&mut input);
            let mut out = vec![0u8; 4 * depth];
            l2_normalization_s8(&p, &input, &mut out);
            for (row, o) in input.chunks(depth).zip(out.chunks(depth)) {
                let xs: std::vec::Vec<f64> = row.iter().map(|&b| ((b as i8) as i32 - zp) as f64).collect();
                let norm = xs.iter().map(|x| x * x).sum::<f64>().sqrt();
                for (x, &q) in xs.iter().zip(o) {
                    let want = if norm > 0.0 { (x / norm * 128.0).clamp(-128.0, 127.0) } else { 0.0 };
                    assert!(((q as i8) as f64 - want).abs() <= 1.0, "depth {depth}: {} vs {want}", q as i8);
                }
            }
        }
    }
}
