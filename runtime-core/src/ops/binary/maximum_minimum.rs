//! MAXIMUM and MINIMUM (TFLM `reference_ops::MaximumMinimumBroadcastSlow`).
//!
//! TFLM compares the stored values directly, with no rescaling: on quantized tensors the op is
//! only meaningful when both inputs and the output share one scale and zero point (which the
//! converter produces), and kiln computes exactly what TFLM computes either way.

use super::{broadcast_map, f32_of, i16_of, i32_of, i8_of, BroadcastShapes};

/// TFLM's `MaximumOp`: `a > b ? a : b` (for floats, a NaN in `b` wins, one in `a` loses).
#[inline(always)]
fn max<T: PartialOrd>(a: T, b: T) -> T {
    if a > b {
        a
    } else {
        b
    }
}

/// TFLM's `MinimumOp`: `a < b ? a : b`.
#[inline(always)]
fn min<T: PartialOrd>(a: T, b: T) -> T {
    if a < b {
        a
    } else {
        b
    }
}

/// MAXIMUM int8.
pub fn maximum_s8(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| [max(i8_of(a), i8_of(b)) as u8]);
}

/// MINIMUM int8.
pub fn minimum_s8(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| [min(i8_of(a), i8_of(b)) as u8]);
}

/// MAXIMUM int16.
pub fn maximum_s16(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| (max(i16_of(a), i16_of(b)) as i16).to_le_bytes());
}

/// MINIMUM int16.
pub fn minimum_s16(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| (min(i16_of(a), i16_of(b)) as i16).to_le_bytes());
}

/// MAXIMUM int32.
pub fn maximum_s32(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| max(i32_of(a), i32_of(b)).to_le_bytes());
}

/// MINIMUM int32.
pub fn minimum_s32(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| min(i32_of(a), i32_of(b)).to_le_bytes());
}

/// MAXIMUM float32.
pub fn maximum_f32(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| max(f32_of(a), f32_of(b)).to_le_bytes());
}

/// MINIMUM float32.
pub fn minimum_f32(p: &BroadcastShapes, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    broadcast_map(p, input1, input2, output, |a, b| min(f32_of(a), f32_of(b)).to_le_bytes());
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{pairs, shapes};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    #[test]
    fn int8_and_int16_match_naive_broadcast() {
        let mut rng = Rng::new(74);
        for case in 0..1000 {
            let s = shapes(&mut rng, case);
            let (n1, n2) = (s.input1.iter().product::<usize>(), s.input2.iter().product::<usize>());
            let mut a = vec![0u8; 2 * n1];
            let mut b = vec![0u8; 2 * n2];
            rng.fill(&mut a);
            rng.fill(&mut b);
            let pr = pairs(&s);
            let want_max: Vec<u8> = pr.iter().map(|&(i, j)| (a[i] as i8).max(b[j] as i8) as u8).collect();
            let want_min: Vec<u8> = pr.iter().map(|&(i, j)| (a[i] as i8).min(b[j] as i8) as u8).collect();
            let mut got = vec![0u8; pr.len()];
            maximum_s8(&s, &a[..n1], &b[..n2], &mut got);
            assert_eq!(got, want_max, "case {case}");
            minimum_s8(&s, &a[..n1], &b[..n2], &mut got);
            assert_eq!(got, want_min, "case {case}");

            let rd = |v: &[u8], i: usize| i16::from_le_bytes([v[2 * i], v[2 * i + 1]]);
            let want: Vec<u8> = pr.iter().flat_map(|&(i, j)| rd(&a, i).max(rd(&b, j)).to_le_bytes()).collect();
            let mut got = vec![0u8; 2 * pr.len()];
            maximum_s16(&s, &a, &b, &mut got);
            assert_eq!(got, want, "case {case}");
            let want: Vec<u8> = pr.iter().flat_map(|&(i, j)| rd(&a, i).min(rd(&b, j)).to_le_bytes()).collect();
            minimum_s16(&s, &a, &b, &mut got);
            assert_eq!(got, want, "case {case}");
        }
    }

    #[test]
    fn float_nan_follows_the_cpp_ternary() {
        let s = BroadcastShapes { input1: [1, 1, 1, 2], input2: [1, 1, 1, 2], output: [1, 1, 1, 2] };
        let a: Vec<u8> = [f32::NAN, 1.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let b: Vec<u8> = [2.0f32, f32::NAN].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = vec![0u8; 8];
        maximum_f32(&s, &a, &b, &mut out);
        assert_eq!(f32::from_le_bytes([out[0], out[1], out[2], out[3]]), 2.0);
        assert!(f32::from_le_bytes([out[4], out[5], out[6], out[7]]).is_nan());
        minimum_f32(&s, &a, &b, &mut out);
        assert_eq!(f32::from_le_bytes([out[0], out[1], out[2], out[3]]), 2.0);
        assert!(f32::from_le_bytes([out[4], out[5], out[6], out[7]]).is_nan());
    }
}
