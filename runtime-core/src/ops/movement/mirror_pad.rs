//! MIRROR_PAD (TFLM `mirror_pad.cc`): pads each axis with a mirror image of the input,
//! REFLECT (`a b c` → `c b | a b c | b a`, the edge not repeated) or SYMMETRIC (`b a | a b c |
//! c b`, the edge repeated).

use crate::ops::{copy_prefix, window, window_mut};

/// Rank the kernel handles (codegen extends shapes with leading 1s).
pub const MIRROR_PAD_AXES: usize = 5;

#[derive(Clone, Copy, Debug)]
/// Static parameters of one MIRROR_PAD, shapes extended to five dimensions.
pub struct MirrorPadParams {
    /// Input shape.
    pub input: [usize; MIRROR_PAD_AXES],
    /// Output shape.
    pub output: [usize; MIRROR_PAD_AXES],
    /// Elements added in front of each axis.
    pub before: [usize; MIRROR_PAD_AXES],
    /// 1 for REFLECT, 0 for SYMMETRIC (TFLM's `offset`).
    pub offset: usize,
    /// Bytes per element.
    pub elem: usize,
}

/// The input position an output position `o` of one axis reads (TFLM `GetInputDimension`):
/// inside the input it is `o - before`; in the leading pad it counts back from
/// `before - 1 + offset`, in the trailing pad from `size - 1 - offset`.
#[inline(always)]
fn source(o: usize, before: usize, size: usize, offset: usize) -> usize {
    if o < before {
        let edge = before + offset - 1;
        edge - o.min(edge.saturating_sub(offset))
    } else if o - before >= size {
        let past = o - before - size;
        let edge = size.saturating_sub(1 + offset);
        edge - past.min(edge)
    } else {
        o - before
    }
}

/// MIRROR_PAD: each output row (innermost axis) is one contiguous copy of its source row's
/// interior plus the mirrored elements at either end.
pub fn mirror_pad(p: &MirrorPadParams, input: &[u8], output: &mut [u8]) {
    let [i0, i1, i2, i3, i4] = p.input;
    let [o0, o1, o2, o3, o4] = p.output;
    let [b0, b1, b2, b3, b4] = p.before;
    let e = p.elem;
    let row_in = i4 * e;
    let row_out = o4 * e;
    if row_out == 0 {
        return;
    }
    let mut rows = output.chunks_exact_mut(row_out);
    for a in 0..o0 {
        let sa = source(a, b0, i0, p.offset);
        for b in 0..o1 {
            let sb = sa * i1 + source(b, b1, i1, p.offset);
            for c in 0..o2 {
                let sc = sb * i2 + source(c, b2, i2, p.offset);
                for d in 0..o3 {
                    let sd = sc * i3 + source(d, b3, i3, p.offset);
                    let Some(dst) = rows.next() else { return };
                    let src = window(input, sd * row_in, row_in);
                    copy_prefix(window_mut(dst, b4 * e, row_in), src);
                    for x in (0..b4).chain(b4 + i4..o4) {
                        let s = source(x, b4, i4, p.offset);
                        copy_prefix(window_mut(dst, x * e, e), window(src, s * e, e));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::vec;
    use std::vec::Vec;

    /// Mirror index by explicit reflection of the padded sequence (independent of `source`).
    fn mirror(o: isize, before: isize, size: isize, symmetric: bool) -> usize {
        let mut i = o - before;
        loop {
            if i < 0 {
                i = if symmetric { -i - 1 } else { -i };
            } else if i >= size {
                i = if symmetric { 2 * size - 1 - i } else { 2 * size - 2 - i };
            } else {
                return i as usize;
            }
        }
    }

    #[test]
    fn matches_naive_mirror_pad() {
        let mut rng = Rng::new(61);
        for case in 0..1500 {
            let symmetric = rng.bool();
            let input: [usize; 5] = core::array::from_fn(|_| rng.usize(1, 4));
            // TFLM: pads ≤ size (SYMMETRIC) or ≤ size - 1 (REFLECT).
            let limit = |n: usize| if symmetric { n } else { n - 1 };
            let before: [usize; 5] = core::array::from_fn(|d| rng.usize(0, limit(input[d])));
            let after: [usize; 5] = core::array::from_fn(|d| rng.usize(0, limit(input[d])));
            let output: [usize; 5] = core::array::from_fn(|d| input[d] + before[d] + after[d]);
            let elem = [1usize, 2, 4][rng.usize(0, 2)];
            let p = MirrorPadParams { input, output, before, offset: if symmetric { 0 } else { 1 }, elem };
            let mut x = vec![0u8; input.iter().product::<usize>() * elem];
            rng.fill(&mut x);
            let n_out: usize = output.iter().product();
            let mut want = Vec::new();
            for k in 0..n_out {
                let mut rest = k;
                let mut idx = [0usize; 5];
                for d in (0..5).rev() {
                    idx[d] = rest % output[d];
                    rest /= output[d];
                }
                let src = (0..5).fold(0, |acc, d| {
                    acc * input[d] + mirror(idx[d] as isize, before[d] as isize, input[d] as isize, symmetric)
                });
                want.extend_from_slice(&x[src * elem..(src + 1) * elem]);
            }
            let mut got = vec![0u8; want.len()];
            mirror_pad(&p, &x, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }
}
