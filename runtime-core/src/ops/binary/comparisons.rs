//! EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL (TFLM `comparisons.cc`):
//! bool outputs (one byte, 0 or 1). int8 inputs are compared after TFLM's rescaling to a common
//! real scale (`QuantizedComparison`); int32 and float32 inputs are compared as stored.

use super::{broadcast_map, f32_of, i32_of, i8_of, to_common_scale, BroadcastShapes};
use crate::fixed_point::Requant;

/// Which comparison an op makes (`input1 <op> input2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// `input1 == input2`.
    Equal,
    /// `input1 != input2`.
    NotEqual,
    /// `input1 < input2`.
    Less,
    /// `input1 <= input2`.
    LessEqual,
    /// `input1 > input2`.
    Greater,
    /// `input1 >= input2`.
    GreaterEqual,
}

/// A comparison of two int8 tensors with their own scales and zero points.
#[derive(Clone, Copy, Debug)]
pub struct QuantizedComparisonParams {
    /// Which comparison.
    pub op: Comparison,
    /// `-input1_zero_point`.
    pub input1_offset: i32,
    /// `-input2_zero_point`.
    pub input2_offset: i32,
    /// 8 in TFLM: headroom so that values closer than one step of the coarser scale still
    /// compare in the right order after rescaling.
    pub left_shift: i32,
    /// Each input's own scale (`QuantizeMultiplierSmallerThanOneExp(scale)`): both sides end up
    /// in units of `2^-(31 - left_shift)`-ish reals, so they compare as the reals they encode.
    pub input1_requant: Requant,
    /// Rescales the second input the same way.
    pub input2_requant: Requant,
    /// Input and output shapes, extended to four dimensions for broadcasting.
    pub shapes: BroadcastShapes,
}

/// A comparison of stored values (no quantization, or the same representation on both sides).
#[derive(Clone, Copy, Debug)]
pub struct ComparisonParams {
    /// Which comparison.
    pub op: Comparison,
    /// Input and output shapes, extended to four dimensions for broadcasting.
    pub shapes: BroadcastShapes,
}

/// Runs `f` (one of the six comparisons, chosen once outside the loop) over the broadcast
/// operands; `read1` / `read2` decode one element of `N` bytes of each input into the values
/// compared.
#[inline(always)]
fn compare<const N: usize, T: PartialOrd + Copy>(
    op: Comparison,
    shapes: &BroadcastShapes,
    input1: &[u8],
    input2: &[u8],
    output: &mut [u8],
    read1: impl Fn([u8; N]) -> T,
    read2: impl Fn([u8; N]) -> T,
) {
    let run = |output: &mut [u8], f: fn(T, T) -> bool| {
        broadcast_map(shapes, input1, input2, output, |a, b| [f(read1(a), read2(b)) as u8]);
    };
    match op {
        Comparison::Equal => run(output, |a, b| a == b),
        Comparison::NotEqual => run(output, |a, b| a != b),
        Comparison::Less => run(output, |a, b| a < b),
        Comparison::LessEqual => run(output, |a, b| a <= b),
        Comparison::Greater => run(output, |a, b| a > b),
        Comparison::GreaterEqual => run(output, |a, b| a >= b),
    }
}

/// int8 comparison, bit-exact with TFLM: each input is offset, shifted left by `left_shift` and
/// rescaled by its own scale, then the two int32 values are compared.
pub fn compare_s8(p: &QuantizedComparisonParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    compare(
        p.op,
        &p.shapes,
        input1,
        input2,
        output,
        |a: [u8; 1]| to_common_scale(i8_of(a), p.input1_offset, p.left_shift, p.input1_requant),
        |b: [u8; 1]| to_common_scale(i8_of(b), p.input2_offset, p.left_shift, p.input2_requant),
    );
}

/// bool comparison (TFLM has EQUAL and NOT_EQUAL on bool; any non-zero byte is true).
pub fn compare_bool(p: &ComparisonParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    let read = |[b]: [u8; 1]| b != 0;
    compare(p.op, &p.shapes, input1, input2, output, read, read);
}

/// int32 comparison.
pub fn compare_s32(p: &ComparisonParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    compare(p.op, &p.shapes, input1, input2, output, i32_of, i32_of);
}

/// float32 comparison (IEEE: every comparison with a NaN is false except NOT_EQUAL).
pub fn compare_f32(p: &ComparisonParams, input1: &[u8], input2: &[u8], output: &mut [u8]) {
    compare(p.op, &p.shapes, input1, input2, output, f32_of, f32_of);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::testing::{check_quantized, pairs, shapes};
    use super::*;
    use crate::fixed_point::testing::{quantize_multiplier, round_half_away, round_half_up, Rng};
    use std::{format, vec, vec::Vec};

    const OPS: [Comparison; 6] = [
        Comparison::Equal,
        Comparison::NotEqual,
        Comparison::Less,
        Comparison::LessEqual,
        Comparison::Greater,
        Comparison::GreaterEqual,
    ];

    fn holds(op: Comparison, a: i64, b: i64) -> bool {
        match op {
            Comparison::Equal => a == b,
            Comparison::NotEqual => a != b,
            Comparison::Less => a < b,
            Comparison::LessEqual => a <= b,
            Comparison::Greater => a > b,
            Comparison::GreaterEqual => a >= b,
        }
    }

    fn ref_scale(x: i64, rq: Requant) -> i64 {
        let high = round_half_up(x as i32 as i128 * rq.multiplier as i128, 31);
        round_half_away(high, (-rq.shift) as u32) as i64
    }

    #[test]
    fn int8_matches_reference_with_broadcasting() {
        let mut rng = Rng::new(75);
        for case in 0..1200 {
            let s = shapes(&mut rng, case);
            let sc = |rng: &mut Rng| 0.001 + (rng.next_u64() % 1000) as f64 / 2000.0;
            // Equal scales and zero points half of the time: the case the converter makes,
            // where ties (EQUAL true) actually occur.
            let (s1, z1) = (sc(&mut rng), rng.range(-128, 127) as i32);
            let (s2, z2) = if case % 2 == 0 { (s1, z1) } else { (sc(&mut rng), rng.range(-128, 127) as i32) };
            let op = OPS[case % 6];
            let p = QuantizedComparisonParams {
                op,
                input1_offset: -z1,
                input2_offset: -z2,
                left_shift: 8,
                input1_requant: quantize_multiplier(s1),
                input2_requant: quantize_multiplier(s2),
                shapes: s,
            };
            let reference = |x: i32, y: i32| {
                let x = ref_scale((x as i64 - z1 as i64) << 8, p.input1_requant);
                let y = ref_scale((y as i64 - z2 as i64) << 8, p.input2_requant);
                holds(op, x, y) as i32
            };
            let kernel = |a: &[u8], b: &[u8], o: &mut [u8]| compare_s8(&p, a, b, o);
            check_quantized::<1>(&mut rng, &s, kernel, reference, &format!("case {case}: {op:?}"));
        }
    }

    #[test]
    fn raw_types_compare_stored_values() {
        let mut rng = Rng::new(76);
        for case in 0..600 {
            let s = shapes(&mut rng, case);
            let op = OPS[case % 6];
            let p = ComparisonParams { op, shapes: s };
            let (n1, n2) = (s.input1.iter().product::<usize>(), s.input2.iter().product::<usize>());
            // Small values so that equal pairs occur.
            let a: Vec<i32> = (0..n1).map(|_| rng.range(-3, 3) as i32).collect();
            let b: Vec<i32> = (0..n2).map(|_| rng.range(-3, 3) as i32).collect();
            let want: Vec<u8> = pairs(&s).into_iter().map(|(i, j)| holds(op, a[i] as i64, b[j] as i64) as u8).collect();
            let mut got = vec![0u8; want.len()];
            let bytes = |v: &[i32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
            compare_s32(&p, &bytes(&a), &bytes(&b), &mut got);
            assert_eq!(got, want, "int32 case {case}");
            let f = |v: &[i32]| -> Vec<u8> { v.iter().flat_map(|&x| (x as f32 * 0.25).to_le_bytes()).collect() };
            compare_f32(&p, &f(&a), &f(&b), &mut got);
            assert_eq!(got, want, "float32 case {case}");
            if matches!(op, Comparison::Equal | Comparison::NotEqual) {
                // As bools: non-negative is true (and 2 is as true as 1).
                let t = |v: &[i32]| -> Vec<u8> { v.iter().map(|&x| if x >= 0 { (x % 2 + 1) as u8 } else { 0 }).collect() };
                let want: Vec<u8> =
                    pairs(&s).into_iter().map(|(i, j)| holds(op, (a[i] >= 0) as i64, (b[j] >= 0) as i64) as u8).collect();
                compare_bool(&p, &t(&a), &t(&b), &mut got);
                assert_eq!(got, want, "bool case {case}");
            }
        }
    }
}
