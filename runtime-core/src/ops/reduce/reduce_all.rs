//! REDUCE_ALL over any set of axes, bool (TFLM `ReduceGeneric<bool>` with `init = true` and
//! `acc = acc && x`): a byte is true when it is non-zero; outputs are written as 0 or 1.

use super::{fold_groups, Reduction};

/// REDUCE_ALL over bool: true when every reduced element is true.
pub fn reduce_all(r: &Reduction, input: &[u8], output: &mut [u8]) {
    fold_groups(r, input, output, true, |acc, x: i8| acc && x != 0, |all| all as i8);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::Case;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    #[test]
    fn logical_and_of_each_group() {
        let mut rng = Rng::new(150);
        for case in 0..1000 {
            let c = Case::random(&mut rng);
            let total: usize = c.shape.iter().product();
            // Mostly true, so that some groups are all true; true bytes other than 1 included.
            let input: Vec<u8> = (0..total).map(|_| if rng.usize(0, 9) == 0 { 0 } else { rng.usize(1, 255) as u8 }).collect();
            let want: Vec<u8> = c.groups().iter().map(|g| g.iter().all(|&i| input[i] != 0) as u8).collect();
            let mut got = vec![7u8; want.len()];
            reduce_all(&c.geometry, &input, &mut got);
            assert_eq!(got, want, "case {case}");
        }
    }
}
