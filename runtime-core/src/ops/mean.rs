//! MEAN, int8 (TFLM `reference_ops::QuantizedMeanOrSum` with `compute_sum = false`).
//!
//! The TFLM interpreter evaluates every int8 MEAN through `EvalIntegerMean` →
//! `QuantizedMeanOrSum`, whatever the axes or `keep_dims`, and also when input and output share
//! scale and zero point (verified against the PyPI `tflite-micro` interpreter for 4-D axes {1,2}
//! with and without `keep_dims`, a single axis, and equal/unequal quantization).

use super::window;
use crate::fixed_point::{multiply_by_quantized_multiplier, Requant};

/// Static parameters of one MEAN over a contiguous block of axes: the input is viewed as
/// `[outer, reduced, inner]` and the output as `[outer, inner]`.
#[derive(Clone, Copy, Debug)]
pub struct MeanParams {
    pub outer: usize,
    pub reduced: usize,
    pub inner: usize,
    pub input_zero_point: i32,
    pub output_zero_point: i32,
    /// `QuantizeMultiplier(input_scale / output_scale)`; the kernel folds in `1 / reduced`.
    pub requant: Requant,
}

/// Columns summed at once (an i32 array on the stack).
const BLOCK: usize = 64;

/// TFLM's fold of `1/n` into the multiplier: `shift = min(floor(log2 n), 32, 31 + rq.shift)`,
/// `multiplier = (multiplier << shift) / n` (truncating), `shift = rq.shift - shift`.
#[inline]
fn fold_count(rq: Requant, n: usize) -> Requant {
    let n = n as i64;
    let log2 = 63 - n.leading_zeros() as i32;
    let shift = log2.min(32).min(31 + rq.shift).max(0);
    Requant {
        // `n ≥ 1` here (the caller handles an empty reduction); `checked_div` keeps it total.
        multiplier: (i64::from(rq.multiplier) << shift).checked_div(n).unwrap_or(0) as i32,
        shift: rq.shift - shift,
    }
}

/// MEAN int8, bit-exact with TFLM: per output, `Σ x` (int32), minus `input_zero_point · n`
/// (computed in 64 bits, truncated to int32 as in TFLM), times the folded multiplier, plus the
/// output zero point, clamped to int8. An empty reduction (`reduced == 0`) writes 0, as TFLM's
/// early return leaves its zero-initialised output.
pub fn mean_s8(p: &MeanParams, input: &[u8], output: &mut [u8]) {
    let (reduced, inner) = (p.reduced, p.inner);
    if inner == 0 {
        return;
    }
    if reduced == 0 {
        output.iter_mut().take(p.outer * inner).for_each(|o| *o = 0);
        return;
    }
    let rq = fold_count(p.requant, reduced);
    let zp_total = i64::from(p.input_zero_point) * reduced as i64;
    for (o, out_row) in output.chunks_exact_mut(inner).take(p.outer).enumerate() {
        let slab = window(input, o * reduced * inner, reduced * inner);
        let mut c0 = 0;
        for out_block in out_row.chunks_mut(BLOCK) {
            let len = out_block.len().min(BLOCK);
            let mut acc = [0i32; BLOCK];
            let acc = &mut acc[..len];
            for row in slab.chunks_exact(inner) {
                for (a, &x) in acc.iter_mut().zip(window(row, c0, len)) {
                    *a = a.wrapping_add(i32::from(x as i8));
                }
            }
            for (out, &sum) in out_block.iter_mut().zip(acc.iter()) {
                let shifted = (i64::from(sum) - zp_total) as i32;
                *out = multiply_by_quantized_multiplier(shifted, rq)
                    .wrapping_add(p.output_zero_point)
                    .clamp(-128, 127) as u8;
            }
            c0 += len;
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{ref_mbqm, Rng};
    use std::{vec, vec::Vec};

    #[test]
    fn matches_tflm_definition() {
        let mut rng = Rng::new(70);
        for case in 0..2000 {
            let outer = rng.usize(1, 3);
            let reduced = if case % 10 == 0 {
                rng.usize(100, 3000)
            } else {
                rng.usize(1, 60)
            };
            let inner = if case % 7 == 0 {
                rng.usize(60, 200)
            } else {
                rng.usize(1, 10)
            };
            let mut input = vec![0u8; outer * reduced * inner];
            rng.fill(&mut input);
            let p = MeanParams {
                outer,
                reduced,
                inner,
                input_zero_point: rng.range(-128, 127) as i32,
                output_zero_point: rng.range(-128, 127) as i32,
                requant: Requant {
                    multiplier: rng.range(1 << 30, (1i64 << 31) - 1) as i32,
                    shift: rng.range(-3, 3) as i32,
                },
            };
            // TFLM's fold, written independently with i128 and a loop for floor(log2 n).
            let mut log2 = 0;
            while (2u64 << log2) <= reduced as u64 {
                log2 += 1;
            }
            let shift = log2.min(32).min(31 + p.requant.shift);
            let folded = Requant {
                multiplier: (((p.requant.multiplier as i128) << shift) / reduced as i128) as i32,
                shift: p.requant.shift - shift,
            };
            let mut want = Vec::new();
            for o in 0..outer {
                for i in 0..inner {
                    let sum: i64 = (0..reduced)
                        .map(|r| input[(o * reduced + r) * inner + i] as i8 as i64)
                        .sum();
                    let shifted = (sum - p.input_zero_point as i64 * reduced as i64) as i32;
                    let v = ref_mbqm(shifted, folded) + p.output_zero_point;
                    want.push(v.clamp(-128, 127) as i8 as u8);
                }
            }
            let mut got = vec![0u8; want.len()];
            mean_s8(&p, &input, &mut got);
            assert_eq!(got, want, "case {case}");
        }
    }

    /// Same scale and zero point: the result is the mean rounded to nearest, except close to a
    /// tie (the double rounding of the folded multiply can move a value by up to ~1/n).
    #[test]
    fn same_quantization_is_rounded_mean() {
        let mut rng = Rng::new(71);
        for _ in 0..500 {
            let reduced = rng.usize(1, 400);
            let mut input = vec![0u8; reduced];
            rng.fill(&mut input);
            let zp = rng.range(-128, 127) as i32;
            let p = MeanParams {
                outer: 1,
                reduced,
                inner: 1,
                input_zero_point: zp,
                output_zero_point: zp,
                requant: Requant {
                    multiplier: 1 << 30,
                    shift: 1,
                },
            };
            let mut got = [0u8];
            mean_s8(&p, &input, &mut got);
            let s: i64 = input.iter().map(|&x| x as i8 as i64 - zp as i64).sum();
            let mean = s as f64 / reduced as f64;
            let frac = (mean - mean.floor() - 0.5).abs();
            if frac > 2.0 / reduced as f64 + 1e-9 {
                let want = (mean.round() as i64 + zp as i64).clamp(-128, 127);
                assert_eq!(got[0] as i8 as i64, want, "{input:?}");
            }
        }
    }
}
