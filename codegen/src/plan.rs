//! Arena planning: every activation tensor gets a fixed byte offset in one arena, chosen at
//! compile time from liveness over the (already topological) step order.
//!
//! Tensors joined by an [`Call::Alias`] step (RESHAPE, SQUEEZE, …) share one buffer. Buffers
//! are placed greedily at the lowest offset that does not overlap any already-placed buffer
//! alive at the same time, in each of a few orders (largest first, as TFLM's greedy planner;
//! first use; bytes × steps); the smallest arena wins. The liveness lower bound — the most
//! bytes alive at any one step — is reported beside it (every zoo model reaches it).
//!
//! An op that runs in place ([`Tie`], `crate::in_place`) writes its output over its own dying
//! input: the two buffers are placed together, at the distance the op's row bands allow, and
//! may overlap. The lower bound then counts the bytes they hold together once.
//!
//! A model's inputs and outputs start at offsets aligned to their element size, so that the
//! generated code can view them in place as typed arrays (the arena itself is 16-aligned).
//!
//! Variable tensors (SVDF and LSTM state) are not arena buffers: their values must survive
//! from one inference to the next, so they get their own region, the model's *state*, laid
//! out one after another in tensor order and never shared with anything. (TFLM likewise keeps
//! them in its persistent tail, outside the tensor area the arena is compared with.)

use crate::ir::Graph;
use crate::lower::{Call, Operand, Step};
use crate::patch::View;

#[derive(Clone, Debug)]
/// Where every tensor lives: arena offsets from tensor lifetimes, and the state area.
pub struct ArenaPlan {
    /// Byte offset of each tensor in the arena; `None` for constants and unused tensors.
    pub offsets: Vec<Option<usize>>,
    /// Total arena bytes (the generated `ARENA_BYTES`).
    pub size: usize,
    /// Max over steps of the bytes alive at that step: no placement of these buffers can be
    /// smaller (another schedule can: patched stages, `crate::patch`).
    pub lower_bound: usize,
    /// Byte offset of each variable tensor in the state region; `None` for every other tensor.
    pub state_offsets: Vec<Option<usize>>,
    /// Total state bytes (the generated `STATE_BYTES`; 0 for a stateless model).
    pub state_size: usize,
    /// Every arena buffer with its placement and lifetime, in tensor order: what the offsets
    /// above were chosen from, kept so reports can draw the plan instead of re-deriving it.
    pub buffers: Vec<PlacedBuffer>,
    /// The tensors that are windows of others (row bands), as planned.
    pub views: Vec<View>,
    /// The outputs written over their inputs, as planned (`crate::in_place`): the only buffers
    /// that may overlap while both are live.
    pub ties: Vec<Tie>,
}

/// One arena buffer: a tensor and the tensors aliased to it (RESHAPE and friends share its
/// bytes), where the planner put it and the steps during which it holds live data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacedBuffer {
    /// The tensor that owns the buffer first, then its aliases in tensor order.
    pub tensors: Vec<usize>,
    /// Byte offset in the arena.
    pub offset: usize,
    /// Bytes.
    pub size: usize,
    /// First and last step (indices into the step list, inclusive) at which the buffer is
    /// live; `last_step == steps.len()` for model outputs, which are read after the last step.
    pub first_step: usize,
    /// See `first_step`.
    pub last_step: usize,
}

/// An op that writes its output over its own input, which dies there: the output's buffer
/// starts `delta` bytes after the input's (negative: before it), and the two may overlap while
/// both are alive. Sound only for the steps `crate::in_place` makes: row bands whose writes
/// never reach input rows a later band still reads, and (`delta` 0) kernels over one buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tie {
    /// The input tensor (a buffer's root).
    pub input: usize,
    /// The output tensor (a buffer's root).
    pub output: usize,
    /// Offset of the output's buffer minus the input's.
    pub delta: isize,
}

struct Buffer {
    size: usize,
    /// Offset alignment: the element size for model inputs and outputs, else 1.
    align: usize,
    /// First and last step (inclusive) at which the buffer holds live data.
    first: usize,
    last: usize,
    offset: usize,
}

pub fn plan_arena(graph: &Graph, steps: &[Step]) -> ArenaPlan {
    plan_arena_with_views(graph, steps, &[])
}

/// [`plan_arena`] where some tensors are byte windows of others ([`View`]: a patched stage's
/// row bands of its input and output): a view lives in its tensor's buffer, at its offset.
pub fn plan_arena_with_views(graph: &Graph, steps: &[Step], views: &[View]) -> ArenaPlan {
    plan_arena_tied(graph, steps, views, &[])
}

/// [`plan_arena_with_views`] where some outputs are written over their inputs ([`Tie`]).
pub fn plan_arena_tied(graph: &Graph, steps: &[Step], views: &[View], ties: &[Tie]) -> ArenaPlan {
    let n = graph.tensors.len();
    // Union of aliased tensors: root[t] is the tensor whose buffer t uses, at byte `within[t]`.
    let mut root: Vec<usize> = (0..n).collect();
    let mut within = vec![0usize; n];
    for s in steps {
        if let (Call::Alias, Some(Operand::Arena(src))) = (&s.call, s.operands.first()) {
            root[s.output] = root[*src];
            within[s.output] = within[*src];
        }
    }
    for v in views {
        root[v.tensor] = root[v.of];
        within[v.tensor] = within[v.of] + v.offset;
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
    keep_alive_across_loops(steps, &first, &mut last);

    let mut buffers: Vec<(usize, Buffer)> = (0..n)
        .filter(|&t| {
            let x = &graph.tensors[t];
            root[t] == t && first[t] != usize::MAX && !x.is_const() && !x.is_variable
        })
        .map(|t| (t, Buffer { size: graph.tensors[t].bytes(), align: 1, first: first[t], last: last[t], offset: 0 }))
        .collect();
    // Model inputs and outputs are viewed in place as typed arrays; so are the tensors a user's
    // custom op reads and writes (`kiln::custom::Input::as_slice`), whose scratch window holds
    // outputs at multiples of 8 bytes.
    let mut typed: Vec<(usize, usize)> = Vec::new();
    for &t in graph.inputs.iter().chain(&graph.outputs) {
        typed.push((t, graph.tensors[t].dtype.size().unwrap_or(1)));
    }
    for s in steps.iter().filter(|s| matches!(s.call, Call::Custom { .. })) {
        for op in &s.operands {
            if let Operand::Arena(t) = *op {
                typed.push((t, graph.tensors[t].dtype.size().unwrap_or(1)));
            }
        }
        typed.push((s.output, graph.tensors[s.output].dtype.size().unwrap_or(1).max(8)));
    }
    for (t, elem) in typed {
        if within[t] % elem != 0 {
            continue; // a view at an odd offset of another buffer (never for these tensors)
        }
        if let Some((_, b)) = buffers.iter_mut().find(|(r, _)| *r == root[t]) {
            b.align = b.align.max(elem);
        }
    }

    let groups = tie_groups(&buffers, ties);
    let mut lower_bound = 0;
    for at in 0..=end {
        let live = |(_, b): &&(usize, Buffer)| b.first <= at && at <= b.last;
        let mut bytes: usize = buffers
            .iter()
            .enumerate()
            .filter(|(i, b)| groups[*i].is_none() && live(b))
            .map(|(_, (_, b))| b.size)
            .sum();
        // A group's live members, counted as the union of their byte ranges.
        let mut spans: Vec<(usize, isize, isize)> = Vec::new();
        for (i, b) in buffers.iter().enumerate() {
            if let (Some((g, rel)), true) = (groups[i], live(&b)) {
                spans.push((g, rel, rel + b.1.size as isize));
            }
        }
        spans.sort_unstable();
        let mut k = 0;
        while k < spans.len() {
            let (g, mut lo, mut hi) = spans[k];
            k += 1;
            while k < spans.len() && spans[k].0 == g {
                if spans[k].1 > hi {
                    bytes += (hi - lo) as usize;
                    lo = spans[k].1;
                }
                hi = hi.max(spans[k].2);
                k += 1;
            }
            bytes += (hi - lo) as usize;
        }
        lower_bound = lower_bound.max(bytes);
    }

    // Greedy first-fit is order-dependent and no single order wins on every graph
    // (largest-first leaves a hole at MobileNet's stem that first-use order fills), so a few
    // orders are tried and the smallest arena is kept; stop early at the liveness bound.
    let orders: [fn(&Buffer) -> [usize; 2]; 3] = [
        // Largest first (TFLM's greedy planner's order).
        |b| [usize::MAX - b.size, b.first],
        // First use, then largest: buffers stack up in schedule order.
        |b| [b.first, usize::MAX - b.size],
        // Largest bytes × steps first.
        |b| [usize::MAX - b.size.saturating_mul(b.last - b.first + 1), b.first],
    ];
    let mut best: Option<(usize, Vec<usize>)> = None;
    for key in orders {
        let mut order: Vec<usize> = (0..buffers.len()).collect();
        // Ties by tensor index, so plans are deterministic.
        order.sort_by_key(|&i| (key(&buffers[i].1), buffers[i].0));
        let (offsets, size) = place(&buffers, &order, &groups);
        if best.as_ref().is_none_or(|(s, _)| size < *s) {
            best = Some((size, offsets));
        }
        if size <= lower_bound {
            break;
        }
    }
    let (size, placed) = best.unwrap_or_default();
    for ((_, b), off) in buffers.iter_mut().zip(placed) {
        b.offset = off;
    }

    let mut offsets = vec![None; n];
    let by_root: std::collections::HashMap<usize, usize> = buffers.iter().map(|(t, b)| (*t, b.offset)).collect();
    for t in 0..n {
        if let Some(&off) = by_root.get(&root[t]) {
            offsets[t] = Some(off + within[t]);
        }
    }
    // State: every variable tensor some step reads, packed in tensor order.
    let mut state_offsets = vec![None; n];
    let mut state_size = 0;
    for t in 0..n {
        if graph.tensors[t].is_variable && first[t] != usize::MAX {
            state_offsets[t] = Some(state_size);
            state_size += graph.tensors[t].bytes();
        }
    }
    // A shape-only view of a variable (an aliasing RESHAPE) reads the variable's own bytes.
    for t in 0..n {
        if root[t] != t && state_offsets[t].is_none() {
            state_offsets[t] = state_offsets[root[t]];
        }
    }
    let buffers = buffers
        .iter()
        .map(|(t, b)| PlacedBuffer {
            tensors: std::iter::once(*t).chain((0..n).filter(|&a| a != *t && root[a] == *t)).collect(),
            offset: b.offset,
            size: b.size,
            first_step: b.first,
            last_step: b.last,
        })
        .collect();
    ArenaPlan {
        offsets,
        size,
        lower_bound,
        state_offsets,
        state_size,
        buffers,
        views: views.to_vec(),
        ties: ties.to_vec(),
    }
}

/// A loop (an inlined WHILE, `crate::control_flow`) runs its steps again and again, so a buffer
/// written before the loop and read inside it must survive the whole loop, not just up to its
/// last reader in step order: its lifetime is stretched to the loop's end. Buffers written inside
/// the loop are written before they are read in every iteration (the loop's body and condition
/// are subgraphs in step order), so their own spans stand, and the loop-carried tensors are
/// written before the loop. This is conservative (a tensor read only by the condition stays
/// alive through the body too) and correct for nested loops (applied until nothing changes).
///
/// IF needs nothing extra: then- and else-steps follow each other in step order, so a buffer
/// the else-branch reads is alive through the then-branch, and the two branches' own tensors
/// may share arena space, as only one of them runs.
fn keep_alive_across_loops(steps: &[Step], first: &[usize], last: &mut [usize]) {
    let mut loops = Vec::new();
    let mut open = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        match s.call {
            Call::Flow(crate::ir::Flow::LoopBegin) => open.push(i),
            Call::Flow(crate::ir::Flow::LoopEnd) => loops.extend(open.pop().map(|b| (b, i))),
            _ => {}
        }
    }
    let mut changed = !loops.is_empty();
    while changed {
        changed = false;
        for &(b, e) in &loops {
            for r in 0..first.len() {
                if first[r] < b && last[r] >= b && last[r] < e {
                    last[r] = e;
                    changed = true;
                }
            }
        }
    }
}

/// Per buffer, its tie group and its offset relative to the group's lowest member (`None`:
/// not tied). Ties join buffers transitively (an in-place op whose input came in place).
fn tie_groups(buffers: &[(usize, Buffer)], ties: &[Tie]) -> Vec<Option<(usize, isize)>> {
    let mut group: Vec<Option<(usize, isize)>> = vec![None; buffers.len()];
    let index = |t: usize| buffers.iter().position(|(r, _)| *r == t);
    let mut next = 0;
    for tie in ties {
        let (Some(a), Some(b)) = (index(tie.input), index(tie.output)) else {
            continue;
        };
        // Typed views (model inputs, outputs) keep their own aligned buffers.
        if buffers[a].1.align != 1 || buffers[b].1.align != 1 {
            continue;
        }
        match (group[a], group[b]) {
            (None, None) => {
                group[a] = Some((next, 0));
                group[b] = Some((next, tie.delta));
                next += 1;
            }
            (Some((g, r)), None) => group[b] = Some((g, r + tie.delta)),
            (None, Some((g, r))) => group[a] = Some((g, r - tie.delta)),
            (Some((ga, ra)), Some((gb, rb))) if ga != gb => {
                // Merge b's group into a's, shifted so that the tie holds.
                let shift = ra + tie.delta - rb;
                for x in group.iter_mut().flatten() {
                    if x.0 == gb {
                        *x = (ga, x.1 + shift);
                    }
                }
            }
            _ => debug_assert!(false, "a tie closes a cycle"),
        }
    }
    for g in 0..next {
        let low = group
            .iter()
            .flatten()
            .filter(|x| x.0 == g)
            .map(|x| x.1)
            .min()
            .unwrap_or(0);
        for x in group.iter_mut().flatten().filter(|x| x.0 == g) {
            x.1 -= low;
        }
    }
    group
}

/// Greedy first-fit in `order`: each buffer at the lowest offset (aligned) where it overlaps
/// no already-placed buffer alive at one of its steps; a tied group at the lowest offset where
/// none of its members does (members of one group never conflict with each other). Returns
/// every buffer's offset and the arena size.
fn place(
    buffers: &[(usize, Buffer)],
    order: &[usize],
    groups: &[Option<(usize, isize)>],
) -> (Vec<usize>, usize) {
    let mut offsets = vec![0usize; buffers.len()];
    let mut placed: Vec<usize> = Vec::with_capacity(order.len());
    let mut done = vec![false; buffers.len()];
    let mut size = 0;
    // The placed buffers alive with `b`, as byte ranges, sorted.
    let conflicts = |b: &Buffer, placed: &[usize], offsets: &[usize]| {
        let mut c: Vec<(usize, usize)> = placed
            .iter()
            .map(|&j| (&buffers[j].1, offsets[j]))
            .filter(|(o, _)| o.first <= b.last && b.first <= o.last && o.size > 0)
            .map(|(o, off)| (off, off + o.size))
            .collect();
        c.sort_unstable();
        c
    };
    for &i in order {
        if done[i] {
            continue;
        }
        let Some((g, _)) = groups[i] else {
            let b = &buffers[i].1;
            let mut offset = 0;
            for (start, stop) in conflicts(b, &placed, &offsets) {
                if offset + b.size <= start {
                    break;
                }
                offset = offset.max(stop.next_multiple_of(b.align));
            }
            offsets[i] = offset;
            size = size.max(offset + b.size);
            placed.push(i);
            done[i] = true;
            continue;
        };
        let members: Vec<(usize, usize)> = (0..buffers.len())
            .filter_map(|m| groups[m].filter(|x| x.0 == g).map(|x| (m, x.1 as usize)))
            .collect();
        let busy: Vec<Vec<(usize, usize)>> = members
            .iter()
            .map(|&(m, _)| conflicts(&buffers[m].1, &placed, &offsets))
            .collect();
        // The lowest base where every member fits: 0, or a member just above a conflict.
        let mut bases: Vec<usize> = vec![0];
        for (&(_, rel), busy) in members.iter().zip(&busy) {
            bases.extend(busy.iter().filter(|c| c.1 >= rel).map(|c| c.1 - rel));
        }
        bases.sort_unstable();
        bases.dedup();
        let fits = |base: usize| {
            members.iter().zip(&busy).all(|(&(m, rel), busy)| {
                let (a, b) = (base + rel, base + rel + buffers[m].1.size);
                (base + rel) % buffers[m].1.align == 0
                    && busy.iter().all(|&(s, e)| b <= s || e <= a)
            })
        };
        let base = bases
            .into_iter()
            .find(|&b| fits(b))
            .expect("above every conflict, a group fits");
        for &(m, rel) in &members {
            offsets[m] = base + rel;
            size = size.max(base + rel + buffers[m].1.size);
            placed.push(m);
            done[m] = true;
        }
    }
    (offsets, size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{DType, Tensor};

    fn tensor(index: usize, bytes: usize) -> Tensor {
        Tensor { index, name: format!("t{index}"), shape: vec![bytes], dtype: DType::I8, quant: None, data: None, is_variable: false }
    }

    /// A step of op `index` reading `operands` into `output` (what the planner looks at).
    fn step(index: usize, operands: Vec<Operand>, output: usize, call: Call) -> Step {
        Step {
            op_index: index,
            op_name: "X".into(),
            operands,
            output,
            call,
            macs: 0,
            weights: vec![],
            summary: String::new(),
            packed_filter: None,
            variants: Vec::new(),
            x86_dispatch: None,
            band: None,
            in_place: false,
            scratch: 0,
            state: Vec::new(),
        }
    }

    /// A chain of steps, each reading the previous tensor (tensor 0 is the model input).
    fn chain(sizes: &[usize]) -> (Graph, Vec<Step>) {
        let tensors = sizes.iter().enumerate().map(|(i, &b)| tensor(i, b)).collect();
        let steps = (1..sizes.len()).map(|i| step(i - 1, vec![Operand::Arena(i - 1)], i, Call::Concat { outer: 1, chunks: vec![] })).collect();
        (Graph { tensors, ops: vec![], inputs: vec![0], outputs: vec![sizes.len() - 1], folded_ops: vec![] }, steps)
    }

    /// MobileNetV1-0.25's stem (96×96×3 → 48×48×8 → 48×48×8 → 48×48×16 → 24×24×16): largest
    /// first alone places the two 18,432-byte tensors side by side above the input and ends
    /// 9,216 bytes over the liveness bound; another order reaches it.
    #[test]
    fn the_mobilenet_stem_reaches_the_liveness_bound() {
        let (g, steps) = chain(&[27_648, 18_432, 18_432, 36_864, 9_216]);
        let plan = plan_arena(&g, &steps);
        assert_eq!(plan.lower_bound, 55_296);
        assert_eq!(plan.size, 55_296, "{plan:?}");
        let buffers: Vec<usize> = (0..plan.buffers.len()).collect();
        for &i in &buffers {
            for &j in &buffers[i + 1..] {
                let (a, b) = (&plan.buffers[i], &plan.buffers[j]);
                let together = a.first_step <= b.last_step && b.first_step <= a.last_step;
                assert!(!together || a.offset + a.size <= b.offset || b.offset + b.size <= a.offset, "{plan:?}");
            }
        }
    }

    /// A tie puts the output at its distance from the input, overlapping it, and a tied chain
    /// alternating direction stays compact; the lower bound counts the pair's shared bytes once.
    #[test]
    fn tied_buffers_sit_at_their_distance_and_share_bytes() {
        let (g, steps) = chain(&[100, 1000, 1000, 1000, 10]);
        let ties = [
            Tie {
                input: 1,
                output: 2,
                delta: -100,
            },
            Tie {
                input: 2,
                output: 3,
                delta: 100,
            },
        ];
        let plan = plan_arena_tied(&g, &steps, &[], &ties);
        let off = |t: usize| plan.offsets[t].unwrap() as isize;
        assert_eq!(off(2) - off(1), -100, "{plan:?}");
        assert_eq!(off(3) - off(2), 100, "{plan:?}");
        // 1, 2, 3 span 1,100 bytes; the input (100 B, dead after step 0) fits where tensor 2
        // starts later.
        assert_eq!(plan.size, 1100, "{plan:?}");
        assert_eq!(plan.lower_bound, 1100, "{plan:?}");
        let untied = plan_arena(&g, &steps);
        assert_eq!(untied.size, 2000);
    }

    /// A tensor written before a loop and read early in its body is read again in the next
    /// iteration: it stays alive to the loop's end, so a tensor written later in the body never
    /// takes its place.
    #[test]
    fn what_a_loop_reads_stays_alive_to_its_end() {
        use crate::ir::Flow;
        let (mut g, _) = chain(&[8, 8, 8, 8, 8]);
        g.outputs = vec![4];
        let any = || Call::Concat { outer: 1, chunks: vec![] };
        let steps = vec![
            step(0, vec![Operand::Arena(0)], 1, any()),
            step(1, vec![Operand::Arena(0)], 4, Call::Flow(Flow::Copy)),
            step(1, vec![Operand::Arena(4)], 4, Call::Flow(Flow::LoopBegin)),
            step(2, vec![Operand::Arena(1)], 2, any()),
            step(3, vec![Operand::Arena(2), Operand::Arena(4)], 3, any()),
            step(1, vec![Operand::Arena(3)], 4, Call::Flow(Flow::Copy)),
            step(1, vec![Operand::Arena(4)], 4, Call::Flow(Flow::LoopEnd)),
        ];
        let plan = plan_arena(&g, &steps);
        let span = |t: usize| plan.buffers.iter().find(|b| b.tensors[0] == t).map(|b| (b.first_step, b.last_step)).unwrap();
        assert_eq!(span(1), (0, 6), "{plan:?}");
        assert_eq!(span(2), (3, 4), "{plan:?}");
        let (a, b) = (plan.offsets[1].unwrap(), plan.offsets[3].unwrap());
        assert!(a + 8 <= b || b + 8 <= a, "tensor 3 overwrites tensor 1, which the next iteration reads: {plan:?}");
    }

    /// Random DAGs: each step reads one or two earlier tensors; some steps are aliases, and
    /// some also read (and update) a variable tensor.
    #[test]
    fn live_buffers_never_overlap() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _case in 0..300 {
            let n_steps = 1 + rand(12);
            // The input is int8, int16, float32 or int64: its offset must be aligned to that.
            let mut input = tensor(0, 1 + rand(64));
            input.dtype = [DType::I8, DType::I16, DType::F32, DType::I64][rand(4)];
            let mut tensors = vec![input];
            // Variable tensors come first in the file's order after the input, as converters
            // write them; some are never read (they get no state).
            let n_vars = rand(4);
            for _ in 0..n_vars {
                let mut v = tensor(tensors.len(), 1 + rand(32));
                v.is_variable = true;
                if rand(2) == 0 {
                    v.data = Some(vec![7u8; v.bytes()].into());
                }
                tensors.push(v);
            }
            let is_var = |t: usize| (1..=n_vars).contains(&t);
            let mut steps = Vec::new();
            for i in 0..n_steps {
                let a = loop {
                    let a = rand(tensors.len());
                    if !is_var(a) {
                        break a;
                    }
                };
                let alias = rand(4) == 0;
                let out = tensors.len();
                let size = if alias { tensors[a].bytes() } else { 1 + rand(64) };
                tensors.push(tensor(out, size));
                let mut operands = vec![Operand::Arena(a)];
                if !alias && rand(2) == 0 {
                    operands.push(Operand::Arena(rand(out)));
                }
                if !alias && n_vars > 0 && rand(2) == 0 {
                    let v = 1 + rand(n_vars);
                    if !operands.contains(&Operand::Arena(v)) {
                        operands.push(Operand::Arena(v));
                    }
                }
                let call = if alias { Call::Alias } else { Call::Concat { outer: 1, chunks: vec![] } };
                steps.push(step(i, operands, out, call));
            }
            let outputs = vec![tensors.len() - 1];
            let g = Graph { tensors, ops: vec![], inputs: vec![0], outputs, folded_ops: vec![] };
            let plan = plan_arena(&g, &steps);
            assert!(plan.size >= plan.lower_bound);
            for &t in g.inputs.iter().chain(&g.outputs) {
                let elem = g.tensors[t].dtype.size().unwrap();
                assert_eq!(plan.offsets[t].unwrap() % elem, 0, "model tensor {t} is misaligned: {plan:?}");
            }
            // State: exactly the variables some step reads, disjoint, inside STATE_BYTES, and
            // never in the arena.
            let read: Vec<usize> = (1..=n_vars)
                .filter(|&v| steps.iter().any(|s| s.operands.contains(&Operand::Arena(v))))
                .collect();
            assert_eq!(plan.state_size, read.iter().map(|&v| g.tensors[v].bytes()).sum::<usize>());
            for v in 1..=n_vars {
                assert_eq!(plan.offsets[v], None, "variable {v} is in the arena: {plan:?}");
                assert_eq!(plan.state_offsets[v].is_some(), read.contains(&v));
            }
            for (i, &a) in read.iter().enumerate() {
                let oa = plan.state_offsets[a].unwrap();
                assert!(oa + g.tensors[a].bytes() <= plan.state_size);
                for &b in &read[i + 1..] {
                    let ob = plan.state_offsets[b].unwrap();
                    assert!(oa + g.tensors[a].bytes() <= ob || ob + g.tensors[b].bytes() <= oa, "{plan:?}");
                }
            }
            for t in n_vars + 1..g.tensors.len() {
                assert_eq!(plan.state_offsets[t], None);
            }
            // Independent liveness: a tensor is live from its writing step to its last reader.
            let n = g.tensors.len();
            let root = |mut t: usize| {
                while let Some(s) = steps.iter().find(|s| s.output == t && matches!(s.call, Call::Alias)) {
                    let Operand::Arena(src) = s.operands[0] else { unreachable!() };
                    t = src;
                }
                t
            };
            let mut span = vec![(usize::MAX, 0usize); n];
            let mut mark = |t: usize, at: usize| {
                let r = root(t);
                span[r] = (span[r].0.min(at), span[r].1.max(at));
            };
            mark(0, 0);
            for (i, s) in steps.iter().enumerate() {
                s.operands.iter().for_each(|o| if let Operand::Arena(t) = o { mark(*t, i) });
                mark(s.output, i);
            }
            mark(g.outputs[0], steps.len());
            // The exported buffers are the plan itself: one per live arena root, with the
            // offsets above and the independent liveness.
            let roots: Vec<usize> = (0..n).filter(|&t| root(t) == t && span[t].0 != usize::MAX && !is_var(t)).collect();
            assert_eq!(plan.buffers.iter().map(|b| b.tensors[0]).collect::<Vec<_>>(), roots);
            for b in &plan.buffers {
                let r = b.tensors[0];
                assert_eq!((b.first_step, b.last_step), span[r], "buffer of tensor {r}");
                assert_eq!(b.size, g.tensors[r].bytes());
                for &t in &b.tensors {
                    assert_eq!((root(t), plan.offsets[t]), (r, Some(b.offset)), "tensor {t}");
                }
            }
            assert_eq!(plan.buffers.iter().map(|b| b.tensors.len()).sum::<usize>(), plan.offsets.iter().flatten().count());
            for a in 0..n {
                for b in a + 1..n {
                    let (ra, rb) = (root(a), root(b));
                    if ra == rb || span[ra].0 == usize::MAX || span[rb].0 == usize::MAX || is_var(ra) || is_var(rb) {
                        continue;
                    }
                    let overlap_time = span[ra].0 <= span[rb].1 && span[rb].0 <= span[ra].1;
                    let (oa, ob) = (plan.offsets[a].unwrap(), plan.offsets[b].unwrap());
                    let (sa, sb) = (g.tensors[a].bytes(), g.tensors[b].bytes());
                    let overlap_space = oa < ob + sb && ob < oa + sa;
                    assert!(!(overlap_time && overlap_space), "tensors {a} and {b} collide: {plan:?}");
                    assert!(oa + sa <= plan.size && ob + sb <= plan.size);
                }
            }
        }
    }
}
