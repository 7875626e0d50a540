//! FLOOR, CEIL and ROUND on float32 (TFLM `std::floor`, `std::ceil` and
//! `reference_ops::Round`, which rounds half to even), from [`crate::float_math`].

use super::f32_map::map_f32;
use crate::float_math::{ceilf, floorf, round_half_even};

/// FLOOR float32.
pub fn floor_elementwise_f32(input: &[u8], output: &mut [u8]) {
    map_f32(input, output, floorf);
}

/// CEIL float32.
pub fn ceil_f32(input: &[u8], output: &mut [u8]) {
    map_f32(input, output, ceilf);
}

/// ROUND float32 (half to even, TFLM's `RoundToNearest`).
pub fn round_f32(input: &[u8], output: &mut [u8]) {
    map_f32(input, output, round_half_even);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::f32_map::testing::{run, same, specials};
    use super::*;

    #[test]
    fn match_std() {
        let xs = specials();
        for (x, y) in xs.iter().zip(run(floor_elementwise_f32, &xs)) {
            assert!(same(y, std::primitive::f32::floor(*x)), "floor {x}: {y}");
        }
        for (x, y) in xs.iter().zip(run(ceil_f32, &xs)) {
            assert!(same(y, std::primitive::f32::ceil(*x)), "ceil {x}: {y}");
        }
        for (x, y) in xs.iter().zip(run(round_f32, &xs)) {
            // TFLM's formula on std's floor: the oracle for ROUND's tie rule.
            let f = std::primitive::f32::floor(*x);
            let d = *x - f;
            let want = if d < 0.5 || (d == 0.5 && (f as i32) % 2 == 0) { f } else { f + 1.0 };
            assert!(same(y, want), "round {x}: {y} vs {want}");
        }
        assert_eq!(run(round_f32, &[0.5, 1.5, 2.5, -0.5, -1.5, -2.5]), [0.0, 2.0, 2.0, -0.0, -2.0, -2.0]);
    }
}
