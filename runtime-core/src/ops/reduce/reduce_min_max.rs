//! REDUCE_MAX and REDUCE_MIN over any set of axes, int8 / float32 (TFLM `ReduceGeneric` with
//! `init = lowest()`, `acc = (x > acc) ? x : acc` for MAX and `init = max()`,
//! `acc = (x < acc) ? x : acc` for MIN).
//!
//! TFLM has no int16 REDUCE_MAX / REDUCE_MIN (its interpreter rejects them), so neither has kiln.
//! The int8 kernels need no requantization: TFLM requires input and output to share scale and
//! zero point (codegen checks it). For float32 a comparison with NaN is false, so NaNs are
//! skipped exactly as in TFLM (an all-NaN group gives `init`: `f32::MIN` for MAX, `f32::MAX` for MIN).

use super::{fold_groups, Elem, Reduction};

/// The one reduction both ops are: keep `x` over the accumulator when `wins(x, acc)`, starting
/// from `init` (the value no element loses to).
#[inline(always)]
fn reduce_extremum<T: Elem>(r: &Reduction, input: &[u8], output: &mut [u8], init: T, wins: fn(T, T) -> bool) {
    fold_groups(r, input, output, init, |acc, x: T| if wins(x, acc) { x } else { acc }, |m| m);
}

/// REDUCE_MAX over int8 (scales are equal: no requantization).
pub fn reduce_max_s8(r: &Reduction, input: &[u8], output: &mut [u8]) {
    reduce_extremum(r, input, output, i8::MIN, |x, acc| x > acc);
}

/// REDUCE_MAX over float32.
pub fn reduce_max_f32(r: &Reduction, input: &[u8], output: &mut [u8]) {
    reduce_extremum(r, input, output, f32::MIN, |x, acc| x > acc);
}

/// REDUCE_MIN over int8 (scales are equal: no requantization).
pub fn reduce_min_s8(r: &Reduction, input: &[u8], output: &mut [u8]) {
    reduce_extremum(r, input, output, i8::MAX, |x, acc| x < acc);
}

/// REDUCE_MIN over float32.
pub fn reduce_min_f32(r: &Reduction, input: &[u8], output: &mut [u8]) {
    reduce_extremum(r, input, output, f32::MAX, |x, acc| x < acc);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::Case;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    type Kernel = fn(&Reduction, &[u8], &mut [u8]);

    /// Random int8 and float32 (every `nan_every`-th element NaN) reductions against a naive
    /// per-group `pick_s8` / `pick_f32` fold that skips NaNs, starting from `init_f32`.
    fn check(
        seed: u64,
        nan_every: usize,
        (s8, f32k): (Kernel, Kernel),
        (pick_s8, pick_f32, init_f32): (fn(i8, i8) -> i8, fn(f32, f32) -> f32, f32),
    ) {
        let mut rng = Rng::new(seed);
        for case in 0..1000 {
            let c = Case::random(&mut rng);
            let total: usize = c.shape.iter().product();
            let mut input = vec![0u8; 4 * total];
            rng.fill(&mut input);
            let groups = c.groups();
            let want: Vec<u8> =
                groups.iter().map(|g| g.iter().map(|&i| input[i] as i8).reduce(pick_s8).unwrap() as u8).collect();
            let mut got = vec![0u8; want.len()];
            s8(&c.geometry, &input[..total], &mut got);
            assert_eq!(got, want, "s8 case {case}");

            let xs: Vec<f32> = (0..total)
                .map(|i| if i % nan_every == nan_every / 2 { f32::NAN } else { rng.range(-1000, 1000) as f32 / 8.0 })
                .collect();
            let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
            let want: Vec<u8> = groups
                .iter()
                .flat_map(|g| g.iter().map(|&i| xs[i]).filter(|x| !x.is_nan()).fold(init_f32, pick_f32).to_le_bytes())
                .collect();
            let mut got = vec![0u8; want.len()];
            f32k(&c.geometry, &bytes, &mut got);
            assert_eq!(got, want, "f32 case {case}");
        }
    }

    #[test]
    fn s8_and_f32_maxima() {
        check(90, 7, (reduce_max_s8, reduce_max_f32), (i8::max, f32::max, f32::MIN));
    }

    #[test]
    fn s8_and_f32_minima() {
        check(91, 5, (reduce_min_s8, reduce_min_f32), (i8::min, f32::min, f32::MAX));
    }
}
