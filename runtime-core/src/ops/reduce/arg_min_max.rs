//! ARG_MAX and ARG_MIN over one axis, int8 / float32 input, int32 output — the combinations
//! TFLM's interpreter accepts (int32 axis, int32 output).
//!
//! TFLM's `reference_ops::ArgMinMax` starts from the axis' first element (index 0) and moves to a
//! later one only when it compares strictly better (`GreaterFn` / `LessFn`), so ties keep the
//! first index, and a float NaN is never chosen after the first position (every comparison with
//! NaN is false) — nor left once it is the first element.
//!
//! The geometry is a [`Reduction`] whose reduced loops walk the one axis in order.

use super::{fold_groups, Elem, Reduction};

/// Index of the first element of each group for which no later element is `better`.
#[inline]
fn arg_best<T: Elem>(r: &Reduction, input: &[u8], output: &mut [u8], better: impl Fn(T, T) -> bool) {
    fold_groups(
        r,
        input,
        output,
        None::<(i32, i32, T)>,
        |acc, x: T| match acc {
            // (next index, best index, best value)
            None => Some((1, 0, x)),
            Some((i, best_i, best)) => Some(if better(x, best) { (i + 1, i, x) } else { (i + 1, best_i, best) }),
        },
        |acc| acc.map_or(0, |(_, best_i, _)| best_i),
    );
}

/// ARG_MAX over int8: the index of the first largest element, as int32.
pub fn arg_max_s8(r: &Reduction, input: &[u8], output: &mut [u8]) {
    arg_best(r, input, output, |x: i8, best| x > best);
}

/// ARG_MAX over float32: the index of the first largest element, as int32.
pub fn arg_max_f32(r: &Reduction, input: &[u8], output: &mut [u8]) {
    arg_best(r, input, output, |x: f32, best| x > best);
}

/// ARG_MIN over int8: the index of the first smallest element, as int32.
pub fn arg_min_s8(r: &Reduction, input: &[u8], output: &mut [u8]) {
    arg_best(r, input, output, |x: i8, best| x < best);
}

/// ARG_MIN over float32: the index of the first smallest element, as int32.
pub fn arg_min_f32(r: &Reduction, input: &[u8], output: &mut [u8]) {
    arg_best(r, input, output, |x: f32, best| x < best);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{geometry, Case};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    /// TFLM's loop, literally, over the index lists of the test model.
    fn reference<T: Copy>(groups: &[Vec<usize>], xs: &[T], better: impl Fn(T, T) -> bool) -> Vec<u8> {
        groups
            .iter()
            .flat_map(|g| {
                let (mut best, mut best_i) = (xs[g[0]], 0i32);
                for (i, &k) in g.iter().enumerate().skip(1) {
                    if better(xs[k], best) {
                        best = xs[k];
                        best_i = i as i32;
                    }
                }
                best_i.to_le_bytes()
            })
            .collect()
    }

    #[test]
    fn first_best_index_along_one_axis() {
        let mut rng = Rng::new(110);
        for case in 0..1000 {
            // One axis: reuse the random shapes, reduce a single dimension.
            let shape = Case::random(&mut rng).shape;
            let axis = rng.usize(0, shape.len() - 1);
            let axes: Vec<bool> = (0..shape.len()).map(|d| d == axis).collect();
            let c = Case { geometry: geometry(&shape, &axes), shape, axes };
            let groups = c.groups();
            let total: usize = c.shape.iter().product();
            // Few distinct values: many ties.
            let s8: Vec<i8> = (0..total).map(|_| rng.range(-3, 3) as i8).collect();
            let bytes: Vec<u8> = s8.iter().map(|&x| x as u8).collect();
            let mut got = vec![0u8; 4 * groups.len()];
            arg_max_s8(&c.geometry, &bytes, &mut got);
            assert_eq!(got, reference(&groups, &s8, |a, b| a > b), "max s8 case {case}");
            arg_min_s8(&c.geometry, &bytes, &mut got);
            assert_eq!(got, reference(&groups, &s8, |a, b| a < b), "min s8 case {case}");

            let f: Vec<f32> = (0..total).map(|i| if i % 5 == 1 { f32::NAN } else { rng.range(-3, 3) as f32 * 0.5 }).collect();
            let bytes: Vec<u8> = f.iter().flat_map(|x| x.to_le_bytes()).collect();
            arg_max_f32(&c.geometry, &bytes, &mut got);
            assert_eq!(got, reference(&groups, &f, |a, b| a > b), "max f32 case {case}");
            arg_min_f32(&c.geometry, &bytes, &mut got);
            assert_eq!(got, reference(&groups, &f, |a, b| a < b), "min f32 case {case}");
        }
    }
}
