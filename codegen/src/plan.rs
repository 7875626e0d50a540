//! Arena planning: every activation tensor gets a fixed byte offset in one arena, chosen at
//! compile time from liveness over the (already topological) step order.
//!
//! Tensors joined by an [`Call::Alias`] step (RESHAPE, SQUEEZE, …) share one buffer. Buffers
//! are placed greedily, largest first, at the lowest offset that does not overlap any
//! already-placed buffer alive at the same time (TFLM's greedy planner does the same), and
//! the liveness lower bound — the most bytes alive at any one step — is reported beside it.

use crate::ir::Graph;
use crate::lower::{Call, Operand, Step};

#[derive(Clone, Debug)]
pub struct ArenaPlan {
    /// Byte offset of each tensor in the arena; `None` for constants and unused tensors.
    pub offsets: Vec<Option<usize>>,
    /// Total arena bytes (the generated `ARENA_BYTES`).
    pub size: usize,
    /// Max over steps of the bytes alive at that step: no plan can be smaller.
    pub lower_bound: usize,
}

struct Buffer {
    size: usize,
    /// First and last step (inclusive) at which the buffer holds live data.
    first: usize,
    last: usize,
    offset: usize,
}

pub fn plan_arena(graph: &Graph, steps: &[Step]) -> ArenaPlan {
    let n = graph.tensors.len();
    // Union of aliased tensors: root[t] is the tensor whose buffer t uses.
    let mut root: Vec<usize> = (0..n).collect();
    for s in steps {
        if let (Call::Alias, Some(Operand::Arena(src))) = (&s.call, s.operands.first()) {
            root[s.output] = root[*src];
        }
    }
    // Liveness in step units; model inputs are alive from the start, outputs to the end.
    let end = steps.len();
    let mut first = vec![usize::MAX; n];
    let mut last = vec![0usize; n];
    let touch = |t: usize, at: usize, first: &mut Vec<usize>, last: &mut Vec<usize>| {
        let r = root[t];
        first[r] = first[r].min(at);
        last[r] = last[r].max(at);
    };
    for &t in &graph.inputs {
        touch(t, 0, &mut first, &mut last);
    }
    for (i, s) in steps.iter().enumerate() {
        for op in &s.operands {
            if let Operand::Arena(t) = op {
                touch(*t, i, &mut first, &mut last);
            }
        }
        touch(s.output, i, &mut first, &mut last);
    }
    for &t in &graph.outputs {
        touch(t, end, &mut first, &mut last);
    }

    let mut buffers: Vec<(usize, Buffer)> = (0..n)
        .filter(|&t| root[t] == t && first[t] != usize::MAX && !graph.tensors[t].is_const())
        .map(|t| (t, Buffer { size: graph.tensors[t].bytes(), first: first[t], last: last[t], offset: 0 }))
        .collect();

    let mut lower_bound = 0;
    for at in 0..=end {
        let live: usize = buffers.iter().filter(|(_, b)| b.first <= at && at <= b.last).map(|(_, b)| b.size).sum();
        lower_bound = lower_bound.max(live);
    }

    // Largest first; ties by first use, then tensor index, so plans are deterministic.
    let mut order: Vec<usize> = (0..buffers.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(buffers[i].1.size), buffers[i].1.first, buffers[i].0));
    let mut placed: Vec<usize> = Vec::new();
    let mut size = 0;
    for &i in &order {
        let (bf, bl, bs) = (buffers[i].1.first, buffers[i].1.last, buffers[i].1.size);
        let mut conflicts: Vec<(usize, usize)> = placed
            .iter()
            .map(|&j| &buffers[j].1)
            .filter(|o| o.first <= bl && bf <= o.last && o.size > 0)
            .map(|o| (o.offset, o.offset + o.size))
            .collect();
        conflicts.sort_unstable();
        let mut offset = 0;
        for (start, stop) in conflicts {
            if offset + bs <= start {
                break;
            }
            offset = offset.max(stop);
        }
        buffers[i].1.offset = offset;
        size = size.max(offset + bs);
        placed.push(i);
    }

    let mut offsets = vec![None; n];
    let by_root: std::collections::HashMap<usize, usize> = buffers.iter().map(|(t, b)| (*t, b.offset)).collect();
    for t in 0..n {
        if let Some(&off) = by_root.get(&root[t]) {
            offsets[t] = Some(off);
        }
    }
    ArenaPlan { offsets, size, lower_bound }
}
