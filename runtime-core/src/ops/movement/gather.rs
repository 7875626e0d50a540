//! GATHER (TFLM `gather.cc`): picks slices of the input along `axis` by run-time indices.
//!
//! With `batch_dims` leading axes shared by input and indices, the input is viewed as
//! `[batch, outer, axis_size, inner]` and the indices as `[batch, coords]`; the output is
//! `[batch, outer, coords, inner]`, each `inner` slice one contiguous copy.

use crate::ops::{copy_prefix, window};

#[derive(Clone, Copy, Debug)]
/// Static parameters of one GATHER.
pub struct GatherParams {
    /// Product of the batch axes (`batch_dims` leading axes shared by input and indices).
    pub batch: usize,
    /// Product of the input axes between the batch axes and `axis`.
    pub outer: usize,
    /// Extent of the gathered axis (indices outside it give a zeroed slice).
    pub axis_size: usize,
    /// Indices per batch (product of the index axes after the batch axes).
    pub coords: usize,
    /// Bytes of one gathered slice (product of the input axes after `axis` × element size).
    pub inner: usize,
    /// 4 for int32 indices, 8 for int64.
    pub index_bytes: usize,
}

/// Reads index `i` of a little-endian int32/int64 index tensor.
#[inline(always)]
pub(crate) fn index_at(indices: &[u8], i: usize, index_bytes: usize) -> i64 {
    let b = window(indices, i.wrapping_mul(index_bytes), index_bytes);
    match *b {
        [a, b, c, d] => i32::from_le_bytes([a, b, c, d]) as i64,
        [a, b, c, d, e, f, g, h] => i64::from_le_bytes([a, b, c, d, e, f, g, h]),
        _ => -1,
    }
}

/// GATHER. TFLM stops with an error on an index outside `0..axis_size`; a compiled model
/// cannot fail at run time, so such an index yields a zero-filled slice instead.
pub fn gather(p: &GatherParams, input: &[u8], indices: &[u8], output: &mut [u8]) {
    if p.inner == 0 {
        return;
    }
    let mut dst = output.chunks_exact_mut(p.inner);
    for b in 0..p.batch {
        for o in 0..p.outer {
            let base = (b * p.outer + o) * p.axis_size;
            for i in 0..p.coords {
                let Some(d) = dst.next() else { return };
                let at = index_at(indices, b * p.coords + i, p.index_bytes);
                match usize::try_from(at) {
                    Ok(k) if k < p.axis_size => copy_prefix(d, window(input, (base + k) * p.inner, p.inner)),
                    _ => d.fill(0),
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

    #[test]
    fn matches_naive_gather() {
        let mut rng = Rng::new(51);
        for case in 0..1000 {
            let (batch, outer, axis_size, coords) = (rng.usize(1, 3), rng.usize(1, 3), rng.usize(1, 5), rng.usize(1, 4));
            let inner = rng.usize(1, 6);
            let index_bytes = if rng.bool() { 4 } else { 8 };
            let p = GatherParams { batch, outer, axis_size, coords, inner, index_bytes };
            let mut input = vec![0u8; batch * outer * axis_size * inner];
            rng.fill(&mut input);
            // Mostly valid indices, a few out of range on either side.
            let idx: Vec<i64> = (0..batch * coords).map(|_| rng.range(-1, axis_size as i64)).collect();
            let indices: Vec<u8> = idx
                .iter()
                .flat_map(|&v| if index_bytes == 4 { (v as i32).to_le_bytes().to_vec() } else { v.to_le_bytes().to_vec() })
                .collect();
            let mut want = Vec::new();
            for b in 0..batch {
                for o in 0..outer {
                    for i in 0..coords {
                        let k = idx[b * coords + i];
                        for e in 0..inner {
                            want.push(if (0..axis_size as i64).contains(&k) {
                                input[(((b * outer + o) * axis_size) + k as usize) * inner + e]
                            } else {
                                0
                            });
                        }
                    }
                }
            }
            let mut got = vec![0xAAu8; want.len()];
            gather(&p, &input, &indices, &mut got);
            assert_eq!(got, want, "case {case}: {p:?} {idx:?}");
        }
    }
}
