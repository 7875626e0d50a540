//! DYNAMIC_UPDATE_SLICE (TFLM `dynamic_update_slice.cc`): the operand with `update` written at
//! run-time start indices, each clamped so that the update fits (as XLA defines it).

use super::gather::index_at;
use crate::ops::{copy_prefix, window, window_mut};

/// Most dimensions (TFLM's `RuntimeShape` small size).
pub const DUS_MAX_DIMS: usize = 6;

/// Static parameters of one DYNAMIC_UPDATE_SLICE: shapes left-padded with 1s to
/// [`DUS_MAX_DIMS`] dimensions.
#[derive(Clone, Copy, Debug)]
pub struct DynamicUpdateSliceParams {
    /// The model's rank (the number of start indices).
    pub rank: usize,
    /// Operand (and output) shape.
    pub operand: [usize; DUS_MAX_DIMS],
    /// Update shape, no larger than the operand in any dimension.
    pub update: [usize; DUS_MAX_DIMS],
    /// Bytes per element.
    pub elem: usize,
    /// 4 for int32 start indices, 8 for int64.
    pub index_bytes: usize,
}

/// DYNAMIC_UPDATE_SLICE, bit-exact with TFLM: an update as large as the operand replaces it
/// whatever the indices say (TFLM's shortcut); otherwise the operand is copied and each start
/// index clamped to `0..=operand − update` before the update's rows are written.
pub fn dynamic_update_slice(p: &DynamicUpdateSliceParams, operand: &[u8], update: &[u8], indices: &[u8], output: &mut [u8]) {
    let elements = |s: &[usize; DUS_MAX_DIMS]| s.iter().product::<usize>();
    let (n_out, n_up) = (elements(&p.operand), elements(&p.update));
    if n_out == n_up {
        copy_prefix(output, window(update, 0, n_up * p.elem));
        return;
    }
    copy_prefix(output, window(operand, 0, n_out * p.elem));
    if n_up == 0 {
        return;
    }
    let lead = DUS_MAX_DIMS - p.rank.min(DUS_MAX_DIMS);
    let mut start = [0usize; DUS_MAX_DIMS];
    for (d, s) in start.iter_mut().enumerate().skip(lead) {
        let room = p.operand[d].saturating_sub(p.update[d]) as i64;
        *s = index_at(indices, d - lead, p.index_bytes).clamp(0, room) as usize;
    }
    // Element strides of the operand; rows are the update's last dimension.
    let mut stride = [1usize; DUS_MAX_DIMS];
    for d in (0..DUS_MAX_DIMS - 1).rev() {
        stride[d] = stride[d + 1] * p.operand[d + 1];
    }
    let row = p.update[DUS_MAX_DIMS - 1] * p.elem;
    let mut at = [0usize; DUS_MAX_DIMS - 1];
    for src in update.chunks_exact(row.max(1)).take(n_up / p.update[DUS_MAX_DIMS - 1].max(1)) {
        let offset: usize = (0..DUS_MAX_DIMS).map(|d| (start[d] + at.get(d).copied().unwrap_or(0)) * stride[d]).sum();
        copy_prefix(window_mut(output, offset * p.elem, row), src);
        // The next row of the update: an odometer over its leading dimensions.
        for d in (0..DUS_MAX_DIMS - 1).rev() {
            at[d] += 1;
            if at[d] < p.update[d] {
                break;
            }
            at[d] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::{vec, vec::Vec};

    fn pad(s: &[usize]) -> [usize; DUS_MAX_DIMS] {
        let mut out = [1; DUS_MAX_DIMS];
        out[DUS_MAX_DIMS - s.len()..].copy_from_slice(s);
        out
    }

    /// Against a plain per-element definition, ranks 1–4, random (often out-of-range) starts.
    #[test]
    fn matches_the_definition() {
        let mut rng = Rng::new(0xd05);
        for case in 0..500 {
            let rank = rng.usize(1, 4);
            let op: Vec<usize> = (0..rank).map(|_| rng.usize(1, 5)).collect();
            let up: Vec<usize> = op.iter().map(|&d| rng.usize(if case % 7 == 0 { 0 } else { 1 }, d)).collect();
            let starts: Vec<i32> = (0..rank).map(|_| rng.range(-3, 7) as i32).collect();
            let elem = [1, 2, 4][case % 3];
            let (n_op, n_up) = (op.iter().product::<usize>(), up.iter().product::<usize>());
            let mut operand = vec![0u8; n_op * elem];
            let mut update = vec![0u8; n_up * elem];
            rng.fill(&mut operand);
            rng.fill(&mut update);
            let wide = case % 2 == 0;
            let indices: Vec<u8> = if wide { starts.iter().flat_map(|&s| (s as i64).to_le_bytes()).collect() } else { starts.iter().flat_map(|s| s.to_le_bytes()).collect() };
            let p = DynamicUpdateSliceParams { rank, operand: pad(&op), update: pad(&up), elem, index_bytes: if wide { 8 } else { 4 } };
            let mut got = vec![0u8; operand.len()];
            dynamic_update_slice(&p, &operand, &update, &indices, &mut got);
            let mut want = operand.clone();
            if n_op == n_up {
                want = update.clone();
            } else if n_up > 0 {
                let start: Vec<usize> = (0..rank).map(|d| (starts[d] as i64).clamp(0, (op[d] - up[d]) as i64) as usize).collect();
                for u in 0..n_up {
                    // Update coordinates of element u, then the operand's flat index.
                    let (mut rest, mut flat, mut scale) = (u, 0, 1);
                    let mut coord = vec![0; rank];
                    for d in (0..rank).rev() {
                        coord[d] = rest % up[d];
                        rest /= up[d];
                    }
                    for d in (0..rank).rev() {
                        flat += (start[d] + coord[d]) * scale;
                        scale *= op[d];
                    }
                    want[flat * elem..(flat + 1) * elem].copy_from_slice(&update[u * elem..(u + 1) * elem]);
                }
            }
            assert_eq!(got, want, "case {case}: {op:?} {up:?} {starts:?}");
        }
    }
}
