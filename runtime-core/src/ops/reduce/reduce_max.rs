//! REDUCE_MAX over any set of axes, int8 / float32 (TFLM `ReduceGeneric` with
//! `init = lowest()` and `acc = (x > acc) ? x : acc`).
//!
//! TFLM has no int16 REDUCE_MAX (its interpreter rejects it), so neither has kiln. The int8 kernel
//! needs no requantization: TFLM requires input and output to share scale
//! and zero point (codegen checks it). For float32, `x > acc` is false for NaN, so NaNs are
//! skipped exactly as in TFLM (an all-NaN group gives `f32::MIN`).

use super::{fold_groups, Reduction};

pub fn reduce_max_s8(r: &Reduction, input: &[u8], output: &mut [u8]) {
    fold_groups(r, input, output, i8::MIN, |acc, x: i8| acc.max(x), |m| m);
}

pub fn reduce_max_f32(r: &Reduction, input: &[u8], output: &mut [u8]) {
    fold_groups(r, input, output, f32::MIN, |acc, x: f32| if x > acc { x } else { acc }, |m| m);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::Case;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    #[test]
    fn s8_and_f32_maxima() {
        let mut rng = Rng::new(90);
        for case in 0..1000 {
            let c = Case::random(&mut rng);
            let total: usize = c.shape.iter().product();
            let mut input = vec![0u8; 4 * total];
            rng.fill(&mut input);
            let groups = c.groups();
            let s8: Vec<u8> = groups.iter().map(|g| g.iter().map(|&i| input[i] as i8).max().unwrap() as u8).collect();
            let mut got = vec![0u8; s8.len()];
            reduce_max_s8(&c.geometry, &input[..total], &mut got);
            assert_eq!(got, s8, "s8 case {case}");

            let xs: Vec<f32> = (0..total).map(|i| if i % 7 == 3 { f32::NAN } else { rng.range(-1000, 1000) as f32 / 8.0 }).collect();
            let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
            let f: Vec<u8> = groups
                .iter()
                .flat_map(|g| g.iter().map(|&i| xs[i]).filter(|x| !x.is_nan()).fold(f32::MIN, f32::max).to_le_bytes())
                .collect();
            let mut got = vec![0u8; f.len()];
            reduce_max_f32(&c.geometry, &bytes, &mut got);
            assert_eq!(got, f, "f32 case {case}");
        }
    }
}
