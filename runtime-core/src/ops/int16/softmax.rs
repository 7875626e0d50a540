//! SOFTMAX, int16 in / int16 out (TFLM `reference_ops::SoftmaxInt16`): table-based `exp` and
//! `1 / (1 + x)` with linear interpolation, the tables built at compile time by codegen exactly
//! as TFLM's `gen_lut` builds them at prepare time.

use super::super::window;
use super::{load, s16_byte_len, store};
use crate::fixed_point::{multiply_by_quantized_multiplier, Requant};

/// Entries of each lookup table: 512 segments plus the end point used for the last slope.
pub const SOFTMAX_S16_LUT_LEN: usize = 513;

/// Static parameters of one int16 SOFTMAX over the last axis (output scale 1/32768, zero point 0).
#[derive(Clone, Copy, Debug)]
pub struct SoftmaxS16Params {
    /// Number of independent rows (product of all but the last dimension).
    pub rows: usize,
    /// Length of the last dimension.
    pub depth: usize,
    /// `QuantizeMultiplier(input_scale · beta / (10 / 65535))`: maps `x − max` onto
    /// `[−65535, 0]` ≙ `[−10, 0]`, the domain of the exp table.
    pub input_requant: Requant,
    /// `exp` on `[−10, 0]` in Q0.15, [`SOFTMAX_S16_LUT_LEN`] entries.
    pub exp_lut: &'static [i16],
    /// `1 / (1 + x)` on `[0, 1]` in Q0.15, [`SOFTMAX_S16_LUT_LEN`] entries.
    pub one_over_one_plus_x_lut: &'static [i16],
}

/// TFLM's int16 table lookup with interpolation: entry `256 + (v >> 7)` plus the rounded
/// fraction `(v & 0x7f) / 128` of the slope to the next entry, wrapping to int16 as the C++
/// narrowing does. A table shorter than 513 entries (ruled out by codegen) reads 0.
#[inline(always)]
fn lut_lookup(v: i32, lut: &[i16]) -> i32 {
    let index = (256 + (v >> 7)) as usize;
    let at = |i: usize| i32::from(lut.get(i).copied().unwrap_or(0));
    let base = at(index);
    let slope = i32::from(at(index + 1).wrapping_sub(base) as i16);
    let offset = v & 0x7f;
    i32::from(base.wrapping_add((slope * offset + 64) >> 7) as i16)
}

/// SOFTMAX int16, bit-exact with TFLM.
///
/// Per row: each `x − max` is rescaled to `[−65535, 0]`, recentred by +32767, saturated to int16
/// and looked up in the exp table (Q0.15); the exps are summed (Q16.15, wrapping like TFLM's
/// int32), the sum is normalised to `[1, 2)` by its leading zeros and `1 / sum` read from the
/// `1 / (1 + x)` table; each output is `exp · reciprocal` shifted back with rounding, clamped to
/// `[0, 32767]`. The row's maximum always contributes ≈ 32767, so the sum is at least 2^14 and
/// every shift is in range; only a wrapped sum (≥ 65536 classes) leaves it, and then kiln
/// saturates the shift amounts instead of performing TFLM's undefined shift.
pub fn softmax_s16(p: &SoftmaxS16Params, input: &[u8], output: &mut [u8]) {
    let depth = p.depth;
    let Some(row_bytes) = s16_byte_len(depth) else {
        return;
    };
    for (in_row, out_row) in input.chunks_exact(row_bytes).zip(output.chunks_exact_mut(row_bytes)).take(p.rows) {
        let max = in_row.chunks_exact(2).map(load).fold(i32::from(i16::MIN), i32::max);
        // The exps go to the output first (TFLM uses it as scratch the same way).
        let mut sum_of_exps = 0i32;
        for (o, x) in out_row.chunks_exact_mut(2).zip(in_row.chunks_exact(2)) {
            let scaled = multiply_by_quantized_multiplier(load(x) - max, p.input_requant);
            let e = lut_lookup(scaled.saturating_add(32767).clamp(-32768, 32767), p.exp_lut);
            store(o, e);
            sum_of_exps = sum_of_exps.wrapping_add(e);
        }
        let headroom_plus_one = (sum_of_exps as u32).leading_zeros() as i32;
        let left = (headroom_plus_one - 1).clamp(0, 31);
        let shifted_sum = (((i64::from(sum_of_exps) << left) + (1 << 13)) >> 14) as i32;
        // x = sum − 1, recentred from [0, 65535] to [−32768, 32767].
        let sym_shifted_sum = shifted_sum.wrapping_sub((1 << 15) + (1 << 16)).clamp(-32768, 32767);
        let reciprocal = i64::from(lut_lookup(sym_shifted_sum, p.one_over_one_plus_x_lut));
        let right_shift = (31 - headroom_plus_one).clamp(1, 62);
        let round = 1i64 << (right_shift - 1);
        for o in out_row.chunks_exact_mut(2) {
            let e = i64::from(load(window(o, 0, 2)));
            let result = ((e * reciprocal + round) >> right_shift) as i32;
            store(o, result.clamp(0, 32767));
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::s16_bytes;
    use super::*;
    use crate::fixed_point::testing::{leak, quantize_multiplier, ref_mbqm, Rng};
    use std::{vec, vec::Vec};

    /// TFLM's `gen_lut` for int16 tables, in f32 (what codegen does too; here std's libm).
    fn gen_lut(f: impl Fn(f32) -> f32, min: f32, max: f32) -> Vec<i16> {
        let step = (max - min) / 512.0;
        let half = step / 2.0;
        let inv = 65536.0f32 / 2.0;
        let mut lut: Vec<i16> = (0..512)
            .map(|i| {
                let val = f(min + i as f32 * step);
                let mid = f(min + i as f32 * step + half);
                let next = f(min + (i + 1) as f32 * step);
                let sample = (val * inv).round();
                let interp = ((next * inv + (val * inv).round()) / 2.0).round();
                let err = interp - (mid * inv).round();
                let bias = (err / 2.0).round();
                (sample - bias).clamp(-32768.0, 32767.0) as i16
            })
            .collect();
        lut.push((f(max) * inv).round().clamp(-32768.0, 32767.0) as i16);
        lut
    }

    /// A straightforward transcription of TFLM's `SoftmaxInt16` in i64.
    fn reference(p: &SoftmaxS16Params, row: &[i64]) -> Vec<i64> {
        let look = |v: i64, lut: &[i16]| -> i64 {
            let idx = (256 + (v >> 7)) as usize;
            let base = lut[idx] as i64;
            let slope = (lut[idx + 1] as i64 - base) as i16 as i64;
            (base + ((slope * (v & 0x7f) + 64) >> 7)) as i16 as i64
        };
        let max = *row.iter().max().unwrap();
        let exps: Vec<i64> = row
            .iter()
            .map(|&x| look((ref_mbqm((x - max) as i32, p.input_requant) as i64 + 32767).clamp(-32768, 32767), p.exp_lut))
            .collect();
        let sum: i64 = exps.iter().sum();
        let h = (sum as u32).leading_zeros() as i64;
        let shifted = ((sum << (h - 1)) + (1 << 13)) >> 14;
        let recip = look((shifted - (1 << 15) - (1 << 16)).clamp(-32768, 32767), p.one_over_one_plus_x_lut);
        let rs = 31 - h;
        exps.iter().map(|&e| ((e * recip + (1 << (rs - 1))) >> rs).clamp(0, 32767)).collect()
    }

    #[test]
    fn matches_reference_softmax() {
        let exp_lut = leak(gen_lut(|x| x.exp(), -10.0, 0.0));
        let recip_lut = leak(gen_lut(|x| 1.0 / (1.0 + x), 0.0, 1.0));
        let mut rng = Rng::new(1660);
        for case in 0..400 {
            let depth = if case % 10 == 0 { rng.usize(100, 2000) } else { rng.usize(1, 20) };
            let rows = rng.usize(1, 3);
            let scale = f32::from_bits(rng.range(0x3600_0000, 0x3c00_0000) as u32);
            let beta = [1.0f64, 0.5, 2.0][rng.usize(0, 2)];
            let p = SoftmaxS16Params {
                rows,
                depth,
                input_requant: quantize_multiplier(scale as f64 * beta / (10.0 / 65535.0)),
                exp_lut,
                one_over_one_plus_x_lut: recip_lut,
            };
            let input = if case % 3 == 0 {
                // Near-uniform rows: many exps close to 1, large sums.
                let base = rng.range(-30000, 30000);
                (0..rows * depth).flat_map(|_| ((base + rng.range(-50, 50)) as i16).to_le_bytes()).collect()
            } else {
                s16_bytes(&mut rng, rows * depth)
            };
            let mut got = vec![0u8; input.len()];
            softmax_s16(&p, &input, &mut got);
            for (r, (irow, orow)) in input.chunks_exact(depth * 2).zip(got.chunks_exact(depth * 2)).enumerate() {
                let x: Vec<i64> = irow.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as i64).collect();
                let want = reference(&p, &x);
                let have: Vec<i64> = orow.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as i64).collect();
                assert_eq!(have, want, "case {case} row {r}");
            }
        }
    }
}
