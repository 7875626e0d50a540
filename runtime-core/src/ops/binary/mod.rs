//! Elementwise binary ops (MUL, SUB, comparisons, MAXIMUM/MINIMUM, ...).
//!
//! Every op here walks its operands with [`broadcast_map`]: NumPy broadcasting over shapes
//! extended to rank 4, which is what TFLM's `Broadcast*4DSlow` reference loops compute (an
//! axis of size 1 is read at index 0 for every output index). Each kernel only supplies the
//! per-element function, so the walking code, and its panic-freedom, exists once.

mod comparisons;
mod div;
mod floor_div_mod;
mod logical;
mod maximum_minimum;
mod mul;
mod prelu;
mod select;
mod squared_difference;
mod sub;

pub use comparisons::*;
pub use div::*;
pub use floor_div_mod::*;
pub use logical::*;
pub use maximum_minimum::*;
pub use mul::*;
pub use prelu::*;
pub use select::*;
pub use squared_difference::*;
pub use sub::*;

use super::window;
use crate::fixed_point::{multiply_by_quantized_multiplier_smaller_than_one_exp, Requant};
// ADD's int8 kernel predates this family and lives in `ops/add.rs`, next to its int16 and
// float32 siblings; they are exported with the rest of the family.
pub use super::add::{add_f32, add_s16, add_s32};

/// Shapes of a broadcasting binary op, each extended to rank 4 with leading 1s by codegen.
/// `output` is the NumPy broadcast of the two inputs (codegen checks it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BroadcastShapes {
    /// First input's shape, extended to four dimensions.
    pub input1: [usize; 4],
    /// Second input's shape, extended to four dimensions.
    pub input2: [usize; 4],
    /// Output shape (four dimensions).
    pub output: [usize; 4],
}

/// Element strides of an input broadcast to `out` (0 along broadcast axes).
#[inline]
pub(crate) fn broadcast_strides(shape: [usize; 4], out: [usize; 4]) -> [usize; 4] {
    let mut strides = [0; 4];
    let mut s = 1;
    for d in (0..4).rev() {
        strides[d] = if shape[d] == 1 && out[d] != 1 { 0 } else { s };
        s *= shape[d];
    }
    strides
}

/// Element `i` of a buffer of `N`-byte elements, or `None` past the end (which the kernel
/// contract rules out; it keeps the walkers free of panic paths).
#[inline(always)]
pub(crate) fn element<const N: usize>(buf: &[u8], i: usize) -> Option<[u8; N]> {
    <[u8; N]>::try_from(window(buf, i * N, N)).ok()
}

/// Stores an `N`-byte element into an output chunk (both `N` long under the contract).
#[inline(always)]
pub(crate) fn put<const N: usize>(dst: &mut [u8], v: [u8; N]) {
    for (d, s) in dst.iter_mut().zip(v) {
        *d = s;
    }
}

/// Writes `f(input1[i], input2[j])` to every output element, where `i`, `j` are the input
/// elements NumPy broadcasting pairs with it. Elements are little-endian byte groups of `A`,
/// `B` and `O` bytes (1 for int8/bool, 2 for int16, 4 for int32/float32), so one walker
/// serves every element type. Equal shapes take a flat zip.
#[inline(always)]
pub(crate) fn broadcast_map<const A: usize, const B: usize, const O: usize>(
    s: &BroadcastShapes,
    input1: &[u8],
    input2: &[u8],
    output: &mut [u8],
    mut f: impl FnMut([u8; A], [u8; B]) -> [u8; O],
) {
    let mut outs = output.chunks_exact_mut(O);
    if s.input1 == s.input2 {
        for ((o, a), b) in outs.by_ref().zip(input1.chunks_exact(A)).zip(input2.chunks_exact(B)) {
            if let (Ok(a), Ok(b)) = (<[u8; A]>::try_from(a), <[u8; B]>::try_from(b)) {
                put(o, f(a, b));
            }
        }
        return;
    }
    let shape = s.output;
    let sx = broadcast_strides(s.input1, shape);
    let sy = broadcast_strides(s.input2, shape);
    let inner = shape[3];
    // Row by row along the innermost axis: each input row is either contiguous (`inner`
    // elements) or one element repeated (stride 0), so the inner loop is a plain zip.
    for i0 in 0..shape[0] {
        for i1 in 0..shape[1] {
            for i2 in 0..shape[2] {
                let bx = i0 * sx[0] + i1 * sx[1] + i2 * sx[2];
                let by = i0 * sy[0] + i1 * sy[1] + i2 * sy[2];
                let row = outs.by_ref().take(inner);
                match (sx[3], sy[3]) {
                    (0, 0) => {
                        let (Some(a), Some(b)) = (element::<A>(input1, bx), element::<B>(input2, by)) else { return };
                        let v = f(a, b);
                        row.for_each(|o| put(o, v));
                    }
                    (0, _) => {
                        let Some(a) = element::<A>(input1, bx) else { return };
                        for (o, b) in row.zip(window(input2, by * B, inner * B).chunks_exact(B)) {
                            if let Ok(b) = <[u8; B]>::try_from(b) {
                                put(o, f(a, b));
                            }
                        }
                    }
                    (_, 0) => {
                        let Some(b) = element::<B>(input2, by) else { return };
                        for (o, a) in row.zip(window(input1, bx * A, inner * A).chunks_exact(A)) {
                            if let Ok(a) = <[u8; A]>::try_from(a) {
                                put(o, f(a, b));
                            }
                        }
                    }
                    _ => {
                        let xs = window(input1, bx * A, inner * A).chunks_exact(A);
                        let ys = window(input2, by * B, inner * B).chunks_exact(B);
                        for ((o, a), b) in row.zip(xs).zip(ys) {
                            if let (Ok(a), Ok(b)) = (<[u8; A]>::try_from(a), <[u8; B]>::try_from(b)) {
                                put(o, f(a, b));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `x · 2^s` wrapping (`x * (1 << s)` in the C++), total for any `s` (0 outside `0..=30`,
/// which the lowering rules out).
#[inline(always)]
pub(crate) fn shl(x: i32, s: i32) -> i32 {
    match 1i32.checked_shl(s as u32) {
        Some(f) if (0..31).contains(&s) => x.wrapping_mul(f),
        _ => 0,
    }
}

/// TFLM's first step for ops that bring two quantized inputs to a common scale (SUB,
/// SQUARED_DIFFERENCE, comparisons): offset the input, shift it left for headroom, then rescale
/// with `MultiplyByQuantizedMultiplierSmallerThanOneExp`, wrapping where the C++ int32 would.
#[inline(always)]
pub(crate) fn to_common_scale(x: i32, offset: i32, left_shift: i32, requant: Requant) -> i32 {
    multiply_by_quantized_multiplier_smaller_than_one_exp(shl(offset.wrapping_add(x), left_shift), requant)
}

#[inline(always)]
pub(crate) fn i8_of(b: [u8; 1]) -> i32 {
    i32::from(b[0] as i8)
}

#[inline(always)]
pub(crate) fn i16_of(b: [u8; 2]) -> i32 {
    i32::from(i16::from_le_bytes(b))
}

#[inline(always)]
pub(crate) fn i32_of(b: [u8; 4]) -> i32 {
    i32::from_le_bytes(b)
}

#[inline(always)]
pub(crate) fn f32_of(b: [u8; 4]) -> f32 {
    f32::from_le_bytes(b)
}

/// Clamp of a float result to a fused activation's range, as TFLM's
/// `ActivationFunctionWithMinMax`: `std::min(std::max(x, lo), hi)`, spelled as the two
/// comparisons the C++ makes so that a NaN result stays NaN exactly as it does in TFLM.
#[inline(always)]
pub(crate) fn clamp_f32(x: f32, lo: f32, hi: f32) -> f32 {
    let x = if x < lo { lo } else { x };
    if hi < x {
        hi
    } else {
        x
    }
}

/// Fused-activation range of a float32 arithmetic op (TFLM `CalculateActivationRange`:
/// ±`f32::MAX` for no activation, `[0, +MAX]` for RELU, ...), plus the broadcast shapes.
#[derive(Clone, Copy, Debug)]
pub struct ArithF32Params {
    /// Lower clamp of the fused activation, in output units.
    pub act_min: f32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: f32,
    /// Input and output shapes, extended to four dimensions for broadcasting.
    pub shapes: BroadcastShapes,
}

/// Fused-activation range of an int32 arithmetic op (TFLM `CalculateActivationRange` on
/// int32: `i32::MIN..=i32::MAX` for none, `[0, MAX]` for RELU, ...), plus the broadcast shapes.
#[derive(Clone, Copy, Debug)]
pub struct ArithS32Params {
    /// Lower clamp of the fused activation, in output units.
    pub act_min: i32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: i32,
    /// Input and output shapes, extended to four dimensions for broadcasting.
    pub shapes: BroadcastShapes,
}

#[cfg(test)]
pub(crate) mod testing {
    //! Naive broadcasting reference shared by the kernel tests of this family.
    extern crate std;
    use super::BroadcastShapes;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    /// Runs `kernel` on random operands of shapes `s` whose elements are `N`-byte little-endian
    /// integers (1: int8, 2: int16), and checks every output element against
    /// `reference(x, y)` on the input pair broadcasting gives it, truncated to `N` bytes.
    pub fn check_quantized<const N: usize>(
        rng: &mut Rng,
        s: &BroadcastShapes,
        kernel: impl Fn(&[u8], &[u8], &mut [u8]),
        reference: impl Fn(i32, i32) -> i32,
        what: &str,
    ) {
        let mut a = vec![0u8; N * s.input1.iter().product::<usize>()];
        let mut b = vec![0u8; N * s.input2.iter().product::<usize>()];
        rng.fill(&mut a);
        rng.fill(&mut b);
        let rd = |v: &[u8], i: usize| -> i32 {
            let mut le = [0u8; 4];
            le[..N].copy_from_slice(&v[N * i..N * (i + 1)]);
            // Sign-extend from N bytes.
            i32::from_le_bytes(le) << (32 - 8 * N) >> (32 - 8 * N)
        };
        let want: Vec<u8> = pairs(s)
            .into_iter()
            .flat_map(|(i, j)| reference(rd(&a, i), rd(&b, j)).to_le_bytes().into_iter().take(N))
            .collect();
        let mut got = vec![0u8; want.len()];
        kernel(&a, &b, &mut got);
        assert_eq!(got, want, "{what}: {s:?}");
    }

    /// Random broadcast-compatible shapes (a quarter of them equal).
    pub fn shapes(rng: &mut Rng, case: usize) -> BroadcastShapes {
        let out: [usize; 4] = core::array::from_fn(|_| rng.usize(1, 5));
        let (mut a, mut b) = (out, out);
        if case % 4 != 0 {
            for d in 0..4 {
                match rng.usize(0, 3) {
                    0 => a[d] = 1,
                    1 => b[d] = 1,
                    _ => {}
                }
            }
        }
        BroadcastShapes { input1: a, input2: b, output: out }
    }

    /// [`check_quantized`] over `cases` random shapes (seeded with `seed`), with params from
    /// `params(rng, shapes)` for each: a quantized kernel's whole randomized test.
    pub fn check_random_cases<const N: usize, P>(
        seed: u64,
        cases: usize,
        params: impl Fn(&mut Rng, BroadcastShapes) -> P,
        kernel: fn(&P, &[u8], &[u8], &mut [u8]),
        reference: impl Fn(&P, i32, i32) -> i32,
    ) {
        let mut rng = Rng::new(seed);
        for case in 0..cases {
            let s = shapes(&mut rng, case);
            let p = params(&mut rng, s);
            let what = std::format!("case {case}");
            check_quantized::<N>(&mut rng, &s, |a, b, o| kernel(&p, a, b, o), |x, y| reference(&p, x, y), &what);
        }
    }

    /// `(i, j)` input element indices for every output element, in output order.
    pub fn pairs(s: &BroadcastShapes) -> Vec<(usize, usize)> {
        let idx = |sh: [usize; 4], i: [usize; 4]| -> usize {
            (0..4).fold(0, |acc, d| acc * sh[d] + if sh[d] == 1 { 0 } else { i[d] })
        };
        let o = s.output;
        let mut v = Vec::new();
        for i0 in 0..o[0] {
            for i1 in 0..o[1] {
                for i2 in 0..o[2] {
                    for i3 in 0..o[3] {
                        let i = [i0, i1, i2, i3];
                        v.push((idx(s.input1, i), idx(s.input2, i)));
                    }
                }
            }
        }
        v
    }
}

#[cfg(test)]
mod int32_tests {
    extern crate std;
    use super::testing::{pairs, shapes};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    fn words(v: &[i32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn ints(b: &[u8]) -> Vec<i32> {
        b.chunks(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
    }

    /// ADD/SUB/MUL/MAXIMUM/MINIMUM on int32 against i64 arithmetic wrapped to 32 bits, with
    /// broadcasting, random clamps and values near the overflow edges.
    #[test]
    fn int32_arithmetic_matches_wrapped_i64() {
        let mut rng = Rng::new(85);
        for case in 0..800 {
            let s = shapes(&mut rng, case);
            let a: Vec<i32> = (0..s.input1.iter().product()).map(|_| rng.edgy_i32()).collect();
            let b: Vec<i32> = (0..s.input2.iter().product()).map(|_| rng.edgy_i32()).collect();
            let (lo, hi) = if case % 2 == 0 { (i32::MIN, i32::MAX) } else { (0, rng.range(0, 1 << 20) as i32) };
            let p = ArithS32Params { act_min: lo, act_max: hi, shapes: s };
            let pr = pairs(&s);
            let mut out = vec![0u8; 4 * pr.len()];
            let check = |name: &str, out: &[u8], f: &dyn Fn(i64, i64) -> i64, clamp: bool| {
                let want: Vec<i32> = pr
                    .iter()
                    .map(|&(i, j)| {
                        let v = f(a[i] as i64, b[j] as i64) as i32;
                        if clamp { v.clamp(lo, hi) } else { v }
                    })
                    .collect();
                assert_eq!(ints(out), want, "{name} case {case}");
            };
            add_s32(&s, &words(&a), &words(&b), &mut out);
            check("add", &out, &|x, y| x + y, false);
            sub_s32(&p, &words(&a), &words(&b), &mut out);
            check("sub", &out, &|x, y| x - y, true);
            mul_s32(&p, &words(&a), &words(&b), &mut out);
            check("mul", &out, &|x, y| x.wrapping_mul(y), true);
            maximum_s32(&s, &words(&a), &words(&b), &mut out);
            check("max", &out, &|x, y| x.max(y), false);
            minimum_s32(&s, &words(&a), &words(&b), &mut out);
            check("min", &out, &|x, y| x.min(y), false);
        }
    }
}
