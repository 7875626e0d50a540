//! CUMSUM: running sums along one axis (TFLM `reference_ops::CumSum`, float32 and int8), with
//! TFLM's `exclusive` (each output sums the elements before it) and `reverse` (from the end).

use super::add_n::SumRescale;
use super::binary::{f32_of, put};

/// Static parameters of one CUMSUM: the shape as `[before, depth, after]` around the axis.
#[derive(Clone, Copy, Debug)]
pub struct CumSumParams {
    /// Product of the dimensions before the axis.
    pub before: usize,
    /// Extent of the axis.
    pub depth: usize,
    /// Product of the dimensions after it (the stride of one step along the axis).
    pub after: usize,
    /// Each output is the sum of the elements strictly before it.
    pub exclusive: bool,
    /// Sum from the end of the axis.
    pub reverse: bool,
}

/// Static parameters of one int8 CUMSUM: the shape and flags, and TFLM's rescaling.
#[derive(Clone, Copy, Debug)]
pub struct CumSumS8Params {
    /// Shape and flags.
    pub sum: CumSumParams,
    /// How each term and the running sums are rescaled.
    pub rescale: SumRescale,
}

impl CumSumParams {
    /// Calls `f(index)` for every element index of one line along the axis, in summation order,
    /// for every line.
    #[inline(always)]
    fn lines(&self, mut line: impl FnMut(&mut dyn Iterator<Item = usize>)) {
        for b in 0..self.before {
            for a in 0..self.after {
                let at = move |d: usize| (b * self.depth + d) * self.after + a;
                if self.reverse {
                    line(&mut (0..self.depth).rev().map(at));
                } else {
                    line(&mut (0..self.depth).map(at));
                }
            }
        }
    }
}

/// int8 CUMSUM, bit-exact with TFLM: each line's sum starts at the rescaled input offset, as
/// in [`super::add_n_s8`], and every output is the rescaled running sum.
pub fn cumsum_s8(p: &CumSumS8Params, input: &[u8], output: &mut [u8]) {
    let (r, p) = (&p.rescale, &p.sum);
    p.lines(|line| {
        let mut acc = r.start();
        for i in line {
            let x = r.term(input.get(i).copied().unwrap_or(0));
            let before = acc;
            acc = acc.wrapping_add(x);
            if let Some(o) = output.get_mut(i) {
                *o = r.output(if p.exclusive { before } else { acc });
            }
        }
    });
}

/// float32 CUMSUM: `0 + x₀ + x₁ + …` along each line in summation order, as TFLM adds.
pub fn cumsum_f32(p: &CumSumParams, input: &[u8], output: &mut [u8]) {
    p.lines(|line| {
        let mut acc = 0.0f32;
        for i in line {
            let x = input.get(4 * i..4 * i + 4).and_then(|b| b.try_into().ok()).map_or(0.0, f32_of);
            let before = acc;
            acc += x;
            if let Some(o) = output.get_mut(4 * i..4 * i + 4) {
                put(o, if p.exclusive { before } else { acc }.to_le_bytes());
            }
        }
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{quantize_multiplier, Rng};
    use std::{vec, vec::Vec};

    fn params(before: usize, depth: usize, after: usize, exclusive: bool, reverse: bool) -> CumSumS8Params {
        let rescale = SumRescale {
            input_offset: 3,
            left_shift: 20,
            input_requant: quantize_multiplier(0.5),
            output_requant: quantize_multiplier(2.0 * 0.02 / ((1 << 20) as f64 * 0.07)),
            output_offset: -5,
            act_min: -128,
            act_max: 127,
        };
        CumSumS8Params { sum: CumSumParams { before, depth, after, exclusive, reverse }, rescale }
    }

    /// Float: every flag combination against sums written out by index.
    #[test]
    fn float_lines_flags() {
        let mut rng = Rng::new(0xc5);
        for case in 0..64 {
            let (b, d, a) = (rng.usize(1, 3), rng.usize(1, 5), rng.usize(1, 3));
            let (exclusive, reverse) = (case % 2 == 1, case % 4 >= 2);
            let x: Vec<f32> = (0..b * d * a).map(|_| rng.range(-100, 100) as f32 / 8.0).collect();
            let bytes: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
            let mut out = vec![0u8; bytes.len()];
            cumsum_f32(&params(b, d, a, exclusive, reverse).sum, &bytes, &mut out);
            for bi in 0..b {
                for ai in 0..a {
                    for di in 0..d {
                        let at = |k: usize| x[(bi * d + k) * a + ai];
                        let terms: Vec<usize> = match (reverse, exclusive) {
                            (false, false) => (0..=di).collect(),
                            (false, true) => (0..di).collect(),
                            (true, false) => (di..d).rev().collect(),
                            (true, true) => (di + 1..d).rev().collect(),
                        };
                        let want = terms.iter().fold(0.0f32, |s, &k| s + at(k));
                        let i = (bi * d + di) * a + ai;
                        let got = f32::from_le_bytes(out[4 * i..4 * i + 4].try_into().unwrap());
                        assert_eq!(got, want, "case {case} at {i}");
                    }
                }
            }
        }
    }

    /// int8: an exclusive sum's first element is the start value, and each element adds the
    /// term of its predecessor (checked through the same rescaling).
    #[test]
    fn int8_running_sums() {
        let mut rng = Rng::new(0xc6);
        for case in 0..64 {
            let (b, d, a) = (rng.usize(1, 3), rng.usize(1, 6), rng.usize(1, 3));
            let (exclusive, reverse) = (case % 2 == 1, case % 4 >= 2);
            let p = params(b, d, a, exclusive, reverse);
            let mut x = vec![0u8; b * d * a];
            rng.fill(&mut x);
            let mut out = vec![0u8; x.len()];
            cumsum_s8(&p, &x, &mut out);
            let r = &p.rescale;
            for bi in 0..b {
                for ai in 0..a {
                    let idx = |k: usize| (bi * d + k) * a + ai;
                    let order: Vec<usize> = if reverse { (0..d).rev().collect() } else { (0..d).collect() };
                    let mut acc = r.start();
                    for &k in &order {
                        let before = acc;
                        acc = acc.wrapping_add(r.term(x[idx(k)]));
                        assert_eq!(out[idx(k)], r.output(if exclusive { before } else { acc }), "case {case}");
                    }
                }
            }
        }
    }
}
