//! REDUCE_MIN over any set of axes, int8 / float32 (TFLM `ReduceGeneric` with
//! `init = max()` and `acc = (x < acc) ? x : acc`).
//!
//! As for REDUCE_MAX, TFLM requires equal input and output quantization for the integer types
//! (codegen checks it); float NaNs never win a comparison and are skipped.

use super::{fold_groups, Reduction};

pub fn reduce_min_s8(r: &Reduction, input: &[u8], output: &mut [u8]) {
    fold_groups(r, input, output, i8::MAX, |acc, x: i8| acc.min(x), |m| m);
}

pub fn reduce_min_f32(r: &Reduction, input: &[u8], output: &mut [u8]) {
    fold_groups(r, input, output, f32::MAX, |acc, x: f32| if x < acc { x } else { acc }, |m| m);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::Case;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    #[test]
    fn s8_and_f32_minima() {
        let mut rng = Rng::new(91);
        for case in 0..1000 {
            let c = Case::random(&mut rng);
            let total: usize = c.shape.iter().product();
            let mut input = vec![0u8; 4 * total];
            rng.fill(&mut input);
            let groups = c.groups();
            let s8: Vec<u8> = groups.iter().map(|g| g.iter().map(|&i| input[i] as i8).min().unwrap() as u8).collect();
            let mut got = vec![0u8; s8.len()];
            reduce_min_s8(&c.geometry, &input[..total], &mut got);
            assert_eq!(got, s8, "s8 case {case}");

            let xs: Vec<f32> = (0..total).map(|i| if i % 5 == 2 { f32::NAN } else { rng.range(-1000, 1000) as f32 / 8.0 }).collect();
            let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
            let f: Vec<u8> = groups
                .iter()
                .flat_map(|g| g.iter().map(|&i| xs[i]).filter(|x| !x.is_nan()).fold(f32::MAX, f32::min).to_le_bytes())
                .collect();
            let mut got = vec![0u8; f.len()];
            reduce_min_f32(&c.geometry, &bytes, &mut got);
            assert_eq!(got, f, "f32 case {case}");
        }
    }
}
