//! GATHER_ND (TFLM `gather_nd.cc`): each index row of length `nd` addresses one slice of the
//! input (the axes after the first `nd`); the output is those slices in order.

use super::gather::index_at;
use crate::ops::{copy_prefix, window};

/// Most leading axes one index row can address (TFLM's limit on the input rank).
pub const GATHER_ND_AXES: usize = 5;

#[derive(Clone, Copy, Debug)]
/// Static parameters of one GATHER_ND.
pub struct GatherNdParams {
    /// Index rows (product of all index axes but the last).
    pub rows: usize,
    /// Length of each index row.
    pub nd: usize,
    /// Sizes of the first `nd` input axes (the rest unused).
    pub dims: [usize; GATHER_ND_AXES],
    /// Byte stride of each of those axes.
    pub strides: [usize; GATHER_ND_AXES],
    /// Bytes of one gathered slice.
    pub slice: usize,
    /// 4 for int32 indices, 8 for int64.
    pub index_bytes: usize,
}

/// GATHER_ND. TFLM stops with an error on an index outside its axis; a compiled model cannot
/// fail at run time, so such a row yields a zero-filled slice instead.
pub fn gather_nd(p: &GatherNdParams, input: &[u8], indices: &[u8], output: &mut [u8]) {
    if p.slice == 0 {
        return;
    }
    for (r, dst) in output.chunks_exact_mut(p.slice).take(p.rows).enumerate() {
        let mut from = Some(0usize);
        for (j, (&dim, &stride)) in p.dims.iter().zip(&p.strides).take(p.nd).enumerate() {
            let at = index_at(indices, r * p.nd + j, p.index_bytes);
            from = match (from, usize::try_from(at)) {
                (Some(f), Ok(k)) if k < dim => Some(f + k * stride),
                _ => None,
            };
        }
        match from {
            Some(f) => copy_prefix(dst, window(input, f, p.slice)),
            None => dst.fill(0),
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
    fn matches_naive_gather_nd() {
        let mut rng = Rng::new(52);
        for case in 0..1000 {
            let rank = rng.usize(1, 4);
            let nd = rng.usize(1, rank);
            let dims: Vec<usize> = (0..rank).map(|_| rng.usize(1, 4)).collect();
            let elem = [1usize, 2, 4][rng.usize(0, 2)];
            let slice = dims[nd..].iter().product::<usize>() * elem;
            let mut strides = [0usize; GATHER_ND_AXES];
            let mut d5 = [0usize; GATHER_ND_AXES];
            for j in 0..nd {
                d5[j] = dims[j];
                strides[j] = dims[j + 1..].iter().product::<usize>() * elem;
            }
            let rows = rng.usize(1, 5);
            let index_bytes = if rng.bool() { 4 } else { 8 };
            let p = GatherNdParams { rows, nd, dims: d5, strides, slice, index_bytes };
            let mut input = vec![0u8; dims.iter().product::<usize>() * elem];
            rng.fill(&mut input);
            let idx: Vec<i64> = (0..rows * nd).map(|i| rng.range(if case % 7 == 0 { -1 } else { 0 }, dims[i % nd] as i64 - if case % 7 == 0 { 0 } else { 1 })).collect();
            let indices: Vec<u8> = idx
                .iter()
                .flat_map(|&v| if index_bytes == 4 { (v as i32).to_le_bytes().to_vec() } else { v.to_le_bytes().to_vec() })
                .collect();
            let mut want = Vec::new();
            for r in 0..rows {
                let row = &idx[r * nd..(r + 1) * nd];
                let ok = row.iter().zip(&dims).all(|(&k, &n)| (0..n as i64).contains(&k));
                let from: usize = if ok { (0..nd).map(|j| row[j] as usize * strides[j]).sum() } else { 0 };
                for e in 0..slice {
                    want.push(if ok { input[from + e] } else { 0 });
                }
            }
            let mut got = vec![0xAAu8; want.len()];
            gather_nd(&p, &input, &indices, &mut got);
            assert_eq!(got, want, "case {case}: {p:?} {idx:?}");
        }
    }
}
