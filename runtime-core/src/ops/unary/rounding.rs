//! FLOOR, CEIL and ROUND on float32 (TFLM `std::floor`, `std::ceil` and
//! `reference_ops::Round`, which rounds half to even). `core` has no `f32::floor` in `no_std`,
//! so these work on the representation: a float of magnitude ≥ 2^23 (or NaN/∞) is already an
//! integer; below that, truncation through `i32` is exact and only needs a ±1 correction.

use super::f32_map::map_f32;

/// `x` is integral (or not finite) and must be returned unchanged.
#[inline(always)]
#[allow(clippy::neg_cmp_op_on_partial_ord)] // deliberately true for NaN
fn is_integral_or_special(x: f32) -> bool {
    !(x.abs() < 8_388_608.0) // 2^23; also true for NaN
}

/// `trunc(x)` for `|x| < 2^23`, keeping the sign of zero (`trunc(-0.3) = -0.0`, as `floor`/`ceil`
/// results in C keep the sign of their argument when they are zero).
#[inline(always)]
fn trunc_small(x: f32) -> f32 {
    let t = x as i32 as f32;
    if t == 0.0 {
        if x.is_sign_negative() {
            -0.0
        } else {
            0.0
        }
    } else {
        t
    }
}

#[inline(always)]
fn floor(x: f32) -> f32 {
    if is_integral_or_special(x) {
        return x;
    }
    let t = trunc_small(x);
    if t > x {
        t - 1.0
    } else {
        t
    }
}

#[inline(always)]
fn ceil(x: f32) -> f32 {
    if is_integral_or_special(x) {
        return x;
    }
    let t = trunc_small(x);
    if t < x {
        // ceil(-0.5) is -0.0 in C; t is already -0.0 there, so only positive steps add 1.
        t + 1.0
    } else {
        t
    }
}

/// TFLM `RoundToNearest`: `floor(x)`, plus one when the fraction is above ½ or exactly ½ with
/// an odd floor (half to even).
#[inline(always)]
fn round_half_even(x: f32) -> f32 {
    let f = floor(x);
    let diff = x - f;
    if diff < 0.5 || (diff == 0.5 && (f as i32) % 2 == 0) {
        f
    } else {
        f + 1.0
    }
}

/// FLOOR float32. (Not `floor_f32`: the binary family's FLOOR_DIV helper has that name.)
pub fn floor_elementwise_f32(input: &[u8], output: &mut [u8]) {
    map_f32(input, output, floor);
}

/// CEIL float32.
pub fn ceil_f32(input: &[u8], output: &mut [u8]) {
    map_f32(input, output, ceil);
}

/// ROUND float32 (half to even, TFLM's `RoundToNearest`).
pub fn round_f32(input: &[u8], output: &mut [u8]) {
    map_f32(input, output, round_half_even);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::f32_map::testing::{run, specials};
    use super::*;

    fn same(a: f32, b: f32) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

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
