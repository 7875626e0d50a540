//! The one copy loop behind the pure data-movement ops: STRIDED_SLICE, SLICE, TRANSPOSE,
//! SPLIT, SPLIT_V, UNPACK, BROADCAST_TO, REVERSE_V2, DEPTH_TO_SPACE, SPACE_TO_DEPTH and
//! BATCH_TO_SPACE_ND.
//!
//! Every one of them writes its output in order while reading the input at positions that are
//! an affine function of the output index: `offset + Σ index[d] · stride[d]`. Codegen works out
//! that affine map at compile time (in bytes, so one kernel serves every element type), drops
//! axes of size 1, and merges each axis into the next where the input is contiguous across them.
//! What is left is a handful of outer axes plus one contiguous run of bytes copied with
//! `copy_from_slice` (a `memcpy`). A plain slice along the outer axis of an NHWC tensor becomes
//! one run per kept row; a transpose that keeps the channel axis innermost copies whole channel
//! vectors.

use crate::ops::{copy_prefix, window};

/// Number of outer axes a [`StridedCopyParams`] walks (codegen pads with size-1 axes).
pub const COPY_AXES: usize = 7;

/// Static parameters of one strided copy, all in bytes.
#[derive(Clone, Copy, Debug)]
pub struct StridedCopyParams {
    /// Sizes of the outer axes, outermost first; unused axes are 1.
    pub outer: [usize; COPY_AXES],
    /// Input byte step of each outer axis: negative walks backwards (REVERSE_V2, negative
    /// slice strides), zero repeats (BROADCAST_TO).
    pub strides: [isize; COPY_AXES],
    /// Bytes copied contiguously at each outer position (the output holds
    /// `Π outer · run` bytes).
    pub run: usize,
    /// Input byte offset of the first run.
    pub offset: usize,
}

/// Calls `f` with the byte position `offset + Σ index[d] · strides[d]` of every outer index, in
/// row-major order (an odometer: the position is updated incrementally, never recomputed).
/// Positions that would be negative are skipped (the contract rules them out).
#[inline(always)]
pub(crate) fn walk(outer: &[usize; COPY_AXES], strides: &[isize; COPY_AXES], offset: usize, mut f: impl FnMut(usize)) {
    if outer.contains(&0) {
        return;
    }
    let mut index = [0usize; COPY_AXES];
    let mut pos = offset as isize;
    loop {
        if let Ok(p) = usize::try_from(pos) {
            f(p);
        }
        let mut carried_out = true;
        for ((i, &n), &s) in index.iter_mut().zip(outer).zip(strides).rev() {
            *i += 1;
            pos = pos.wrapping_add(s);
            if *i < n {
                carried_out = false;
                break;
            }
            *i = 0;
            pos = pos.wrapping_sub(s.wrapping_mul(n as isize));
        }
        if carried_out {
            return;
        }
    }
}

/// Strided copy: output run `k` (in order) is the `run` input bytes at the `k`-th position of
/// the walk. Runs of one element of 1, 2 or 4 bytes (an element-wise transpose) are moved as
/// fixed-size arrays, a single load and store, instead of a `memcpy` call per element.
pub fn strided_copy(p: &StridedCopyParams, input: &[u8], output: &mut [u8]) {
    match p.run {
        0 => {}
        1 => copy_fixed::<1>(p, input, output),
        2 => copy_fixed::<2>(p, input, output),
        4 => copy_fixed::<4>(p, input, output),
        run => {
            let mut runs = output.chunks_exact_mut(run);
            walk(&p.outer, &p.strides, p.offset, |src| {
                if let Some(dst) = runs.next() {
                    copy_prefix(dst, window(input, src, run));
                }
            });
        }
    }
}

/// [`strided_copy`] for runs of exactly `N` bytes.
#[inline(always)]
fn copy_fixed<const N: usize>(p: &StridedCopyParams, input: &[u8], output: &mut [u8]) {
    let mut runs = output.chunks_exact_mut(N);
    walk(&p.outer, &p.strides, p.offset, |src| {
        let dst = runs.next().and_then(|d| <&mut [u8; N]>::try_from(d).ok());
        if let (Some(dst), Some(s)) = (dst, input.get(src..).and_then(|t| t.first_chunk::<N>())) {
            *dst = *s;
        }
    });
}

#[cfg(test)]
pub(crate) mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::vec;
    use std::vec::Vec;

    /// The walk, one output byte at a time, with each position recomputed from scratch.
    pub(crate) fn naive(p: &StridedCopyParams, input: &[u8]) -> Vec<u8> {
        let total: usize = p.outer.iter().product();
        let mut out = Vec::new();
        for k in 0..total {
            let mut rest = k;
            let mut pos = p.offset as isize;
            for d in (0..COPY_AXES).rev() {
                pos += (rest % p.outer[d]) as isize * p.strides[d];
                rest /= p.outer[d];
            }
            for b in 0..p.run {
                out.push(input[pos as usize + b]);
            }
        }
        out
    }

    #[test]
    fn matches_naive_walk() {
        let mut rng = Rng::new(41);
        for case in 0..3000 {
            let outer: [usize; COPY_AXES] = core::array::from_fn(|_| if rng.usize(0, 2) == 0 { 1 } else { rng.usize(1, 3) });
            let run = rng.usize(1, 5);
            // Random strides of either sign (or 0); the input is sized so every position fits.
            let strides: [isize; COPY_AXES] = core::array::from_fn(|_| rng.range(-12, 12) as isize);
            let lo: isize = (0..COPY_AXES).map(|d| strides[d].min(0) * (outer[d] as isize - 1)).sum();
            let hi: isize = (0..COPY_AXES).map(|d| strides[d].max(0) * (outer[d] as isize - 1)).sum();
            let offset = (-lo) as usize + rng.usize(0, 3);
            let mut input = vec![0u8; offset + hi as usize + run + rng.usize(0, 3)];
            rng.fill(&mut input);
            let p = StridedCopyParams { outer, strides, run, offset };
            let want = naive(&p, &input);
            let mut got = vec![0u8; want.len()];
            strided_copy(&p, &input, &mut got);
            assert_eq!(got, want, "case {case}: {p:?}");
        }
    }

    #[test]
    fn empty_axis_copies_nothing() {
        let p = StridedCopyParams { outer: [1, 1, 1, 0, 1, 1, 1], strides: [0; COPY_AXES], run: 2, offset: 0 };
        let mut out: [u8; 0] = [];
        strided_copy(&p, &[1, 2, 3], &mut out);
    }
}
