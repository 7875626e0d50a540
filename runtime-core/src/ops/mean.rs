//! MEAN over any set of axes, int8 / int16 / float32 (TFLM `reference_ops::QuantizedMeanOrSum`
//! with `compute_sum = false` for the integer types, `reference_ops::Mean` for float32).
//!
//! The TFLM interpreter evaluates every integer MEAN through `QuantizedMeanOrSum`, whatever the
//! axes or `keep_dims`, and also when input and output share scale and zero point (verified
//! against the PyPI `tflite-micro` interpreter for 4-D axes {1,2} with and without `keep_dims`,
//! a single axis, non-adjacent axes, and equal/unequal quantization). SUM runs the same routine
//! without folding in `1/n`, so its kernels ([`super::reduce`]) share [`rescale_sums`].

use super::reduce::{fold_groups, for_each_offset, Elem, Reduction};
use crate::fixed_point::{multiply_by_quantized_multiplier, Requant};

/// Static parameters of one integer MEAN (or SUM).
#[derive(Clone, Copy, Debug)]
pub struct MeanParams {
    /// The kept and reduced dimensions.
    pub reduction: Reduction,
    /// `input_zero_point · n` (n = elements per output), which TFLM subtracts from each int32
    /// sum in 64 bits before truncating the difference to int32.
    pub zero_point_sum: i64,
    /// Zero point of the output.
    pub output_zero_point: i32,
    /// `QuantizeMultiplier(input_scale / output_scale)`, for MEAN with TFLM's `1/n` fold
    /// applied by codegen (`shift = min(floor(log2 n), 32, 31 + shift)`, `multiplier =
    /// (multiplier << shift) / n` truncating, `shift -= shift`).
    pub requant: Requant,
}

/// Per output: `Σ x` in wrapping int32 (TFLM's `temp_sum`), minus the zero-point sum (in 64
/// bits, truncated to int32 as in TFLM), rescaled, plus the output zero point, clamped to
/// `[lo, hi]`.
#[inline]
pub(crate) fn rescale_sums<T: Elem + Into<i32>, U: Elem>(
    p: &MeanParams,
    input: &[u8],
    output: &mut [u8],
    (lo, hi): (i32, i32),
    narrow: impl Fn(i32) -> U,
) {
    let finish = |sum: i32| {
        let shifted = (i64::from(sum) - p.zero_point_sum) as i32;
        let v = multiply_by_quantized_multiplier(shifted, p.requant).wrapping_add(p.output_zero_point);
        narrow(v.clamp(lo, hi))
    };
    let r = &p.reduction;
    let [k0, k1, k2, channels] = r.kept;
    // On application cores (x86-64, AArch64), where the innermost kept axis is contiguous (a
    // global average pool: axes {1, 2} of NHWC): the sums of a block of adjacent outputs grow
    // together, one input row at a time, instead of each output walking the input at a stride
    // (MobileNetV2-0.35's MEAN was 4.5 % of its time on x86-64). The int32 sums wrap, so the
    // order of the additions does not change them. Not on microcontrollers: on the M4 it saved
    // 0.04 % of MobileNetV2's instructions for +656 B of flash and +48 B of peak stack (in
    // blocks of 8; in blocks of 32 its peak stack went over the 1 KiB budget).
    if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) && channels > 1 && r.kept_strides[3] == 1 {
        let outer = [k0, k1, k2, 1];
        let mut o = 0;
        for_each_offset(outer, r.kept_strides, |base| {
            for c0 in (0..channels).step_by(SUM_BLOCK) {
                let n = SUM_BLOCK.min(channels - c0);
                let mut acc = [0i32; SUM_BLOCK];
                for_each_offset(r.reduced, r.reduced_strides, |i| {
                    for (j, a) in acc.iter_mut().enumerate().take(n) {
                        if let Some(x) = T::load(input, base + i + c0 + j) {
                            *a = a.wrapping_add(x.into());
                        }
                    }
                });
                for (j, &a) in acc.iter().enumerate().take(n) {
                    finish(a).store(output, o + c0 + j);
                }
            }
            o += channels;
        });
        return;
    }
    fold_groups(r, input, output, 0i32, |acc, x: T| acc.wrapping_add(x.into()), finish);
}

/// Outputs whose sums [`rescale_sums`] accumulates together over a contiguous axis.
const SUM_BLOCK: usize = 32;

/// MEAN int8, bit-exact with TFLM.
pub fn mean_s8(p: &MeanParams, input: &[u8], output: &mut [u8]) {
    rescale_sums::<i8, i8>(p, input, output, (-128, 127), |v| v as i8);
}

/// MEAN int16, bit-exact with TFLM (same arithmetic as int8: int32 sums, 32-bit multiplier).
pub fn mean_s16(p: &MeanParams, input: &[u8], output: &mut [u8]) {
    rescale_sums::<i16, i16>(p, input, output, (-32768, 32767), |v| v as i16);
}

/// MEAN float32, bit-exact with TFLM: each output sums its elements in the input's row-major
/// order starting from `0.0`, then divides by the element count converted to float (as both
/// of TFLM's float paths, the generic one and the 4-D axes {1,2} one, do).
pub fn mean_f32(r: &Reduction, input: &[u8], output: &mut [u8]) {
    let n: usize = r.reduced.iter().product();
    let n = n as f32;
    fold_groups(r, input, output, 0.0f32, |acc, x: f32| acc + x, |sum| sum / n);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::reduce::testing::Case;
    use super::*;
    use crate::fixed_point::testing::{ref_mbqm, Rng};
    use std::{vec, vec::Vec};

    /// TFLM's fold of `1/n`, written independently with i128 and a loop for floor(log2 n).
    fn fold(rq: Requant, n: usize) -> Requant {
        let mut log2 = 0;
        while (2u64 << log2) <= n as u64 {
            log2 += 1;
        }
        let shift = log2.min(32).min(31 + rq.shift);
        Requant { multiplier: (((rq.multiplier as i128) << shift) / n as i128) as i32, shift: rq.shift - shift }
    }

    fn check_integer(bytes: usize, lo: i64, hi: i64, kernel: fn(&MeanParams, &[u8], &mut [u8]), seed: u64) {
        let mut rng = Rng::new(seed);
        for case in 0..1500 {
            let c = Case::random(&mut rng);
            let total: usize = c.shape.iter().product();
            let mut input = vec![0u8; total * bytes];
            rng.fill(&mut input);
            if case % 5 == 0 {
                // Long reductions of extreme values exercise the int32 sum and the fold.
                input.iter_mut().for_each(|b| *b = if case % 2 == 0 { 0x7f } else { 0x80 });
            }
            let groups = c.groups();
            let n = groups[0].len();
            let in_zp = rng.range(lo, hi) as i32;
            let rq = Requant { multiplier: rng.range(1 << 30, (1i64 << 31) - 1) as i32, shift: rng.range(-3, 3) as i32 };
            let p = MeanParams {
                reduction: c.geometry,
                zero_point_sum: i64::from(in_zp) * n as i64,
                output_zero_point: rng.range(lo, hi) as i32,
                requant: fold(rq, n),
            };
            let read = |i: usize| -> i64 {
                if bytes == 1 {
                    input[i] as i8 as i64
                } else {
                    i16::from_le_bytes([input[2 * i], input[2 * i + 1]]) as i64
                }
            };
            let mut want = Vec::new();
            for g in &groups {
                let sum: i64 = g.iter().map(|&i| read(i)).sum();
                let shifted = (sum - in_zp as i64 * n as i64) as i32;
                let v = (ref_mbqm(shifted, p.requant) as i64 + p.output_zero_point as i64).clamp(lo, hi);
                want.extend_from_slice(&v.to_le_bytes()[..bytes]);
            }
            let mut got = vec![0u8; want.len()];
            kernel(&p, &input, &mut got);
            assert_eq!(got, want, "case {case}: shape {:?} axes {:?}", c.shape, c.axes);
        }
    }

    #[test]
    fn s8_matches_tflm_definition() {
        check_integer(1, -128, 127, mean_s8, 70);
    }

    #[test]
    fn s16_matches_tflm_definition() {
        check_integer(2, -32768, 32767, mean_s16, 71);
    }

    /// Same scale and zero point: the result is the mean rounded to nearest, except close to a
    /// tie (the double rounding of the folded multiply can move a value by up to ~1/n).
    #[test]
    fn same_quantization_is_rounded_mean() {
        let mut rng = Rng::new(72);
        for _ in 0..500 {
            let reduced = rng.usize(1, 400);
            let mut input = vec![0u8; reduced];
            rng.fill(&mut input);
            let zp = rng.range(-128, 127) as i32;
            let p = MeanParams {
                reduction: Reduction { kept: [1; 4], kept_strides: [0; 4], reduced: [1, 1, 1, reduced], reduced_strides: [0, 0, 0, 1] },
                zero_point_sum: zp as i64 * reduced as i64,
                output_zero_point: zp,
                requant: fold(Requant { multiplier: 1 << 30, shift: 1 }, reduced),
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

    #[test]
    fn f32_sums_in_row_major_order() {
        let mut rng = Rng::new(73);
        for case in 0..1000 {
            let c = Case::random(&mut rng);
            let total: usize = c.shape.iter().product();
            // Values of very different magnitudes make the summation order visible.
            let xs: Vec<f32> = (0..total).map(|_| (rng.range(-1000, 1000) as f32) * 10f32.powi(rng.range(-6, 6) as i32)).collect();
            let input: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
            let groups = c.groups();
            let mut want = Vec::new();
            for g in &groups {
                let mut s = 0.0f32;
                for &i in g {
                    s += xs[i];
                }
                want.extend_from_slice(&(s / g.len() as f32).to_le_bytes());
            }
            let mut got = vec![0u8; want.len()];
            mean_f32(&c.geometry, &input, &mut got);
            assert_eq!(got, want, "case {case}: shape {:?} axes {:?}", c.shape, c.axes);
        }
    }
}
