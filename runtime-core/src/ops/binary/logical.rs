//! LOGICAL_AND and LOGICAL_OR on bool tensors (one byte per element, TFLM `logical.cc`).

use super::{broadcast_map, BroadcastShapes};

/// LOGICAL_AND: true where both inputs are true (any non-zero byte reads as true, as a C++
/// `bool` load of a valid bool does; outputs are 0 or 1).
pub fn logical_and(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |[a], [b]| [(a != 0 && b != 0) as u8]);
}

/// LOGICAL_OR: true where either input is true.
pub fn logical_or(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |[a], [b]| [(a != 0 || b != 0) as u8]);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{pairs, shapes};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    #[test]
    fn truth_tables_with_broadcasting() {
        let mut rng = Rng::new(81);
        for case in 0..800 {
            let s = shapes(&mut rng, case);
            let a: Vec<u8> = (0..s.input1.iter().product()).map(|_| rng.bool() as u8).collect();
            let b: Vec<u8> = (0..s.input2.iter().product()).map(|_| rng.bool() as u8).collect();
            let pr = pairs(&s);
            let mut got = vec![0u8; pr.len()];
            logical_and(&s, &a, &b, &mut got);
            let want: Vec<u8> = pr.iter().map(|&(i, j)| a[i] & b[j]).collect();
            assert_eq!(got, want, "and, case {case}");
            logical_or(&s, &a, &b, &mut got);
            let want: Vec<u8> = pr.iter().map(|&(i, j)| a[i] | b[j]).collect();
            assert_eq!(got, want, "or, case {case}");
        }
    }
}
