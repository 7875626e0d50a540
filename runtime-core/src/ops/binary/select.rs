//! SELECT_V2: `condition ? x : y` elementwise, the three operands broadcast NumPy-style to
//! the output (TFLM `reference_ops::Select` / `BroadcastSelect5DSlow`; kiln handles rank ≤ 4).
//! Values are copied as stored: TFLM does not requantize, so x, y and the output share one
//! quantization (the converter makes them so).

use super::broadcast_strides;
use crate::ops::{copy_prefix, window};

/// Shapes of condition, x, y and the output, each extended to rank 4 with leading 1s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelectParams {
    /// Condition shape, extended to four dimensions.
    pub condition: [usize; 4],
    /// Shape of `x` (taken where the condition holds), extended to four dimensions.
    pub x: [usize; 4],
    /// Shape of `y` (taken elsewhere), extended to four dimensions.
    pub y: [usize; 4],
    /// Output shape (four dimensions).
    pub output: [usize; 4],
}

/// Copies the chosen `N`-byte element for every output element.
#[inline(always)]
fn select<const N: usize>(p: &SelectParams, condition: &[u8], x: &[u8], y: &[u8], output: &mut [u8]) {
    let mut outs = output.chunks_exact_mut(N);
    if p.condition == p.x && p.x == p.y {
        for (((o, &c), a), b) in outs.by_ref().zip(condition).zip(x.chunks_exact(N)).zip(y.chunks_exact(N)) {
            copy_prefix(o, if c != 0 { a } else { b });
        }
        return;
    }
    let shape = p.output;
    let (sc, sx, sy) =
        (broadcast_strides(p.condition, shape), broadcast_strides(p.x, shape), broadcast_strides(p.y, shape));
    for i0 in 0..shape[0] {
        for i1 in 0..shape[1] {
            for i2 in 0..shape[2] {
                let bc = i0 * sc[0] + i1 * sc[1] + i2 * sc[2];
                let bx = i0 * sx[0] + i1 * sx[1] + i2 * sx[2];
                let by = i0 * sy[0] + i1 * sy[1] + i2 * sy[2];
                for i3 in 0..shape[3] {
                    let (Some(o), Some(&c)) = (outs.next(), condition.get(bc + i3 * sc[3])) else { return };
                    let chosen = if c != 0 { window(x, (bx + i3 * sx[3]) * N, N) } else { window(y, (by + i3 * sy[3]) * N, N) };
                    copy_prefix(o, chosen);
                }
            }
        }
    }
}

/// SELECT_V2 on int8 (or any 1-byte type).
pub fn select_s8(p: &SelectParams, condition: &[u8], x: &[u8], y: &[u8], output: &mut [u8]) {
    select::<1>(p, condition, x, y, output);
}

/// SELECT_V2 on int16.
pub fn select_s16(p: &SelectParams, condition: &[u8], x: &[u8], y: &[u8], output: &mut [u8]) {
    select::<2>(p, condition, x, y, output);
}

/// SELECT_V2 on float32.
pub fn select_f32(p: &SelectParams, condition: &[u8], x: &[u8], y: &[u8], output: &mut [u8]) {
    select::<4>(p, condition, x, y, output);
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    #[test]
    fn matches_naive_three_way_broadcast() {
        let mut rng = Rng::new(80);
        for case in 0..1500 {
            let out: [usize; 4] = core::array::from_fn(|_| rng.usize(1, 4));
            let (mut c, mut x, mut y) = (out, out, out);
            if case % 4 != 0 {
                for d in 0..4 {
                    match rng.usize(0, 4) {
                        0 => c[d] = 1,
                        1 => x[d] = 1,
                        2 => y[d] = 1,
                        _ => {}
                    }
                }
            }
            // Shrinking each operand independently can drop an axis from all three; the output
            // is then 1 there too.
            let out: [usize; 4] = core::array::from_fn(|d| c[d].max(x[d]).max(y[d]));
            let p = SelectParams { condition: c, x, y, output: out };
            let n = |s: [usize; 4]| s.iter().product::<usize>();
            let cond: Vec<u8> = (0..n(c)).map(|_| rng.bool() as u8).collect();
            let mut xv = vec![0u8; 2 * n(x)];
            let mut yv = vec![0u8; 2 * n(y)];
            rng.fill(&mut xv);
            rng.fill(&mut yv);
            let idx = |s: [usize; 4], i: [usize; 4]| -> usize {
                (0..4).fold(0, |acc, d| acc * s[d] + if s[d] == 1 { 0 } else { i[d] })
            };
            let mut want = Vec::new();
            for i0 in 0..out[0] {
                for i1 in 0..out[1] {
                    for i2 in 0..out[2] {
                        for i3 in 0..out[3] {
                            let i = [i0, i1, i2, i3];
                            let (src, k) = if cond[idx(c, i)] != 0 { (&xv, idx(x, i)) } else { (&yv, idx(y, i)) };
                            want.extend_from_slice(&src[2 * k..2 * k + 2]);
                        }
                    }
                }
            }
            let mut got = vec![0u8; want.len()];
            select_s16(&p, &cond, &xv, &yv, &mut got);
            assert_eq!(got, want, "case {case}: {c:?} {x:?} {y:?}");
        }
    }
}
