//! Patch-based stages: the first layers of a network run one row band at a time, so their big
//! activations never exist whole (MCUNetV2's patch-based inference, in row bands).
//!
//! A CNN's peak memory sits in its first layers, where activations are large; later layers
//! are small. A *stage* is a run of int8 CONV_2D / DEPTHWISE_CONV_2D / residual ADD steps that
//! read one tensor from outside (the stage input) and whose results, but the last (`T`), are
//! read only inside the stage. The stage streams: each inner layer writes
//! into a buffer a few rows tall, a layer computes its next rows as soon as the rows they read
//! are in its inputs' buffers, and rows a later call still reads are carried to the top of the
//! buffer instead of being recomputed, so the MACs stay those of the unpatched layers. The
//! first layer reads row windows of the stage input, the last writes `T`'s rows in place, and
//! where the schedule allows `T` lies over input rows no later call reads. Each call is an
//! ordinary kernel call on its rows with its own top padding (bottom padding needs nothing:
//! kernels skip taps below their input), so the arithmetic is the same integer ops as the whole
//! layer's and outputs stay bit-identical.
//!
//! [`fit_arena`] picks the stage and band count: the plan that fits the requested arena in the
//! fewest kernel calls, or an error naming the smallest arena it can reach.

use std::ops::Range;

use crate::error::{Error, ErrorKind};
use crate::ir::{DType, Graph, Options};
use crate::lower::{self, Call, Operand, Step};
use crate::plan::{plan_arena, plan_arena_with_views, ArenaPlan};

/// Where a step runs as one row band of a patched stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Band {
    /// This band's number, from 0 (top of the image).
    pub index: usize,
    /// Bands in the stage.
    pub count: usize,
    /// Rows `start..end` of the op's whole output that this step computes (or, for a carry,
    /// keeps in its band buffer).
    pub rows: [usize; 2],
}

/// A tensor that is a byte window of another: a band's rows of a patched stage's input or output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    /// The window tensor (the band's shape).
    pub tensor: usize,
    /// The whole tensor it lies in.
    pub of: usize,
    /// Byte offset of the window in `of`.
    pub offset: usize,
}

/// The patched stage of a model compiled with `max_arena_bytes`, for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchPlan {
    /// Model op indices of the stage's layers, in order.
    pub ops: Vec<usize>,
    /// Row bands the stage runs in.
    pub bands: usize,
    /// MACs over the unpatched model's: 0, since carried rows are never recomputed (computed,
    /// not assumed, and reported).
    pub extra_macs: u64,
    /// The arena without patches.
    pub unpatched_arena: usize,
    /// Whether the stage writes its output over rows of its input that no later band reads.
    pub reuses_input: bool,
    /// Row windows of the stage's input and output, placed inside those tensors' buffers.
    pub views: Vec<View>,
}

/// Most bands a stage is split into: beyond this the halo recomputation outweighs the memory.
const MAX_BANDS: usize = 32;

/// The row geometry of one banded layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rows {
    pub(crate) stride: usize,
    /// Rows of padding above the whole input (TFLM's offset).
    pub(crate) pad: usize,
    /// Rows one output row reads: `(k_h − 1) · dilation + 1`.
    pub(crate) span: usize,
    /// Input rows of the whole layer.
    input: usize,
}

impl Rows {
    /// The input rows `a..b` that output rows `r0..r1` read, and the padding rows above `a`
    /// that the band's call sees (non-zero only where the band reaches the top padding).
    pub(crate) fn input_of(&self, [r0, r1]: [usize; 2]) -> ([usize; 2], usize) {
        let top = r0 * self.stride;
        let a = top.saturating_sub(self.pad);
        let b = ((r1 - 1) * self.stride + self.span).saturating_sub(self.pad).min(self.input);
        ([a, b.max(a)], self.pad.saturating_sub(top))
    }
}

/// The row geometry of a step that can run in row bands, on one image: int8 CONV_2D and
/// DEPTHWISE_CONV_2D on an arena input, and int8 ADD of two arena tensors of its output's shape
/// (a residual connection: row for row, no window).
pub(crate) fn band_rows(graph: &Graph, step: &Step) -> Option<Rows> {
    if step.band.is_some() || !matches!(step.call, Call::Params { .. }) {
        return None;
    }
    let op = graph.ops.iter().find(|o| o.index == step.op_index)?;
    let out = &graph.tensors[step.output];
    let image = |t: usize| {
        let t = &graph.tensors[t];
        t.dtype == DType::I8 && t.shape.len() == 4 && t.shape[0] == 1
    };
    if !image(step.output) || !arena_inputs(step).iter().all(|&(_, t)| image(t)) {
        return None;
    }
    let (padding, stride, dilation) = match (&op.name[..], &op.options) {
        ("CONV_2D", &Options::Conv2d { padding, stride, dilation, .. }) => (padding, stride, dilation),
        ("DEPTHWISE_CONV_2D", &Options::DepthwiseConv2d { padding, stride, dilation, .. }) => (padding, stride, dilation),
        ("ADD", Options::Add { .. }) => {
            let both = arena_inputs(step);
            let same = both.len() == 2 && both.iter().all(|&(_, t)| graph.tensors[t].shape == out.shape);
            return same.then_some(Rows { stride: 1, pad: 0, span: 1, input: out.shape[1] });
        }
        _ => return None,
    };
    let [(0, x)] = arena_inputs(step)[..] else { return None };
    let input = &graph.tensors[x];
    let kh = *graph.tensors[op.inputs.get(1).copied().flatten()?].shape.get(1)?;
    let (oh, pad) = lower::window(padding, input.shape[1], kh, stride[0], dilation[0]);
    if oh != out.shape[1] || kh == 0 || stride[0] == 0 {
        return None;
    }
    Some(Rows { stride: stride[0], pad, span: (kh - 1) * dilation[0].max(1) + 1, input: input.shape[1] })
}

/// The arena tensors a step reads, with their operand positions.
pub(crate) fn arena_inputs(step: &Step) -> Vec<(usize, usize)> {
    step.operands
        .iter()
        .enumerate()
        .filter_map(|(k, o)| {
            if let Operand::Arena(t) = o {
                Some((k, *t))
            } else {
                None
            }
        })
        .collect()
}

/// The one tensor from outside that `stage` reads (its input), if the steps form a stage: every
/// step bandable, every output but the last read only inside the stage (and not a model output),
/// and everything else they read produced inside it.
fn stage_input(graph: &Graph, steps: &[Step], stage: Range<usize>) -> Option<usize> {
    let inside = &steps[stage.clone()];
    let mut input = None;
    for (k, s) in inside.iter().enumerate() {
        band_rows(graph, s)?;
        for (_, t) in arena_inputs(s) {
            if !inside[..k].iter().any(|p| p.output == t) {
                match input {
                    None => input = Some(t),
                    Some(x) if x == t => {}
                    Some(_) => return None,
                }
            }
        }
    }
    for (k, s) in inside[..inside.len() - 1].iter().enumerate() {
        let t = s.output;
        let read_inside = inside[k + 1..].iter().any(|r| r.operands.contains(&Operand::Arena(t)));
        let read_outside = steps[..stage.start].iter().chain(&steps[stage.end..]).any(|r| r.operands.contains(&Operand::Arena(t)));
        if !read_inside || read_outside || graph.outputs.contains(&t) {
            return None;
        }
    }
    input
}

/// Candidate stages: from the start of every run of bandable steps (with `every_start`, from
/// every step of it), each end (at least two steps) where the steps form a stage.
fn stages(graph: &Graph, steps: &[Step], every_start: bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < steps.len() {
        if band_rows(graph, &steps[i]).is_none() {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < steps.len() && band_rows(graph, &steps[j]).is_some() {
            j += 1;
        }
        let starts = if every_start { i..j } else { i..i + 1 };
        for start in starts {
            out.extend((start + 2..=j).map(|e| start..e).filter(|r| stage_input(graph, steps, r.clone()).is_some()));
        }
        i = j;
    }
    out
}

/// `rows` split into `n` bands as even as possible (the first ones a row taller).
fn even_bands(rows: usize, n: usize) -> Vec<[usize; 2]> {
    let (q, r) = (rows / n, rows % n);
    let mut at = 0;
    (0..n)
        .map(|b| {
            let len = q + usize::from(b < r);
            at += len;
            [at - len, at]
        })
        .collect()
}

/// A tensor shaped like `t` with `rows` rows (a band's buffer or a window), appended to the graph.
fn band_tensor(graph: &mut Graph, t: usize, rows: usize, what: &str) -> usize {
    let mut x = graph.tensors[t].clone();
    x.index = graph.tensors.len();
    x.shape[1] = rows;
    x.name = format!("{} ({what})", x.name);
    graph.tensors.push(x);
    graph.tensors.len() - 1
}

/// Bytes of one row of NHWC tensor `t`.
pub(crate) fn row_bytes(graph: &Graph, t: usize) -> usize {
    graph.tensors[t].bytes() / graph.tensors[t].shape[1].max(1)
}

/// A window of `rows` rows of `of`, starting at its row `at`: a new tensor and its view.
pub(crate) fn window_of(
    graph: &mut Graph,
    views: &mut Vec<View>,
    of: usize,
    [a, b]: [usize; 2],
    what: &str,
) -> usize {
    let t = band_tensor(graph, of, b - a, what);
    views.push(View { tensor: t, of, offset: a * row_bytes(graph, of) });
    t
}

/// How a stage is split: its steps, bands of T, one-row chunks in the inner layers, and whether T
/// is written over the stage input's dead rows.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Split {
    stage: Range<usize>,
    bands: usize,
    fine: bool,
    reuse_input: bool,
}

/// Where a layer of a stage reads from: the stage's input, or an earlier layer's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Src {
    Input,
    Layer(usize),
}

/// The steps with the stage run in row bands, and the row windows they read and write.
///
/// The stage streams: each layer but the last (T's) writes into a small buffer of its own, and
/// a layer computes its next rows (a *chunk*) as soon as the rows they read are in its inputs'
/// buffers, pulling them from the layers before on demand. Rows some reader still needs stay in
/// the buffer: before a producer's new rows go in, the rows none of its readers will read again
/// are dropped by moving the rest to the top (`Call::CarryRows`), so no row is computed twice
/// and the stage costs exactly the MACs of the unpatched layers. A residual ADD reads two
/// buffers row for row; the buffer of a block's input then holds the rows between where the
/// block's first layer and its ADD read. T is computed in `bands` bands; each earlier layer's
/// chunk is what one chunk of its readers reads anew, or with `fine` one row (buffers of about
/// one filter's height, more calls). The stage's input is read in row windows, T written in
/// row windows. With `lower`, every call is lowered for its rows (params, kernels); without,
/// band steps carry only what planning needs (operands, output, MACs), to try many splits cheaply.
fn band_stage(graph: &mut Graph, steps: &[Step], split: Split, lower: bool) -> Result<(Vec<Step>, Vec<View>), String> {
    let Split { stage, bands: n, fine, reuse_input } = split;
    let x = stage_input(graph, steps, stage.clone()).ok_or("not a stage")?;
    let layers = &steps[stage.clone()];
    let m = layers.len();
    let geo: Vec<Rows> = layers.iter().map(|s| band_rows(graph, s).expect("stages are bandable")).collect();
    let src_of = |t: usize| if t == x { Src::Input } else { Src::Layer(layers.iter().position(|l| l.output == t).expect("inside")) };
    let reads: Vec<Vec<(usize, Src)>> = layers.iter().map(|l| arena_inputs(l).into_iter().map(|(k, t)| (k, src_of(t))).collect()).collect();
    let readers: Vec<Vec<usize>> =
        (0..m).map(|p| (0..m).filter(|&c| reads[c].iter().any(|&(_, s)| s == Src::Layer(p))).collect()).collect();
    let rows_t = graph.tensors[layers[m - 1].output].shape[1];
    // Rows per call: the last layer's band, and for each earlier layer what one call of its
    // readers reads anew.
    let mut chunk = vec![rows_t.div_ceil(n); m];
    for j in (0..m - 1).rev() {
        chunk[j] = if fine { 1 } else { readers[j].iter().map(|&c| chunk[c] * geo[c].stride).max().unwrap_or(1) };
    }
    let mut s = Streamer { geo, reads, readers, chunk, done: vec![0; m], kept: vec![0; m], rows: vec![0; m], plan: Vec::new(), band: 0 };
    for (b, band) in even_bands(rows_t, n).into_iter().enumerate() {
        s.band = b;
        s.pull(m - 1, band[1]).map_err(|(j, m)| format!("op #{}: {m}", layers[j].op_index))?;
    }
    // The buffers, as tall as they ever get; then every call with its row windows.
    let Streamer { plan, rows, .. } = s;
    let buffers: Vec<usize> = (0..m - 1).map(|j| band_tensor(graph, layers[j].output, rows[j], "band buffer")).collect();
    let t = layers[m - 1].output;
    let mut out: Vec<Step> = steps[..stage.start].to_vec();
    let mut views = Vec::new();
    if reuse_input {
        // T in the stage input's bytes: each band's rows of T land on rows of the input that no
        // later call reads (checked over the schedule), so the two need one buffer, not two.
        let (rb_x, rb_t) = (row_bytes(graph, x), row_bytes(graph, t));
        let read_outside = steps[..stage.start].iter().chain(&steps[stage.end..]).any(|r| r.operands.contains(&Operand::Arena(x)));
        let aliased = steps.iter().any(|r| matches!(r.call, Call::Alias) && r.operands.contains(&Operand::Arena(x)));
        if read_outside || aliased || graph.outputs.contains(&x) || graph.tensors[t].bytes() > graph.tensors[x].bytes() {
            return Err("the stage input is read elsewhere or smaller than its output".into());
        }
        let mut next_read = usize::MAX;
        for call in plan.iter().rev() {
            if let Pulled::Compute { inputs, .. } = &call.kind {
                if call.layer + 1 == m && call.rows[1] * rb_t > next_read {
                    return Err(format!("rows {}..{} of the output would overwrite input still to be read", call.rows[0], call.rows[1]));
                }
                for &(src, w) in inputs {
                    if src == Src::Input {
                        next_read = next_read.min(w[0] * rb_x);
                    }
                }
            }
        }
        views.push(View { tensor: t, of: x, offset: 0 });
    }
    for call in plan {
        let j = call.layer;
        let orig = &layers[j];
        let band = |rows| Some(Band { index: call.band, count: n, rows });
        match call.kind {
            Pulled::Carry { from, to } => {
                let rb = row_bytes(graph, buffers[j]);
                let mut carry = orig.clone();
                carry.operands = vec![Operand::Arena(buffers[j])];
                carry.output = buffers[j];
                carry.call = Call::CarryRows { from: from * rb, len: (to - from) * rb };
                carry.macs = 0;
                carry.weights.clear();
                carry.variants.clear();
                carry.x86_dispatch = None;
                carry.summary = format!("keep rows {}..{} of the band buffer", call.rows[0], call.rows[1]);
                carry.band = band(call.rows);
                out.push(carry);
            }
            Pulled::Compute { inputs, at, pad } => {
                let [a, b] = call.rows;
                let mut operands = orig.operands.clone();
                for (&(k, _), &(src, w)) in arena_inputs(orig).iter().zip(&inputs) {
                    let v = match src {
                        Src::Input => window_of(graph, &mut views, x, w, "band input"),
                        Src::Layer(p) => window_of(graph, &mut views, buffers[p], w, "band input"),
                    };
                    operands[k] = Operand::Arena(v);
                }
                let output = match j + 1 == m {
                    true => window_of(graph, &mut views, t, [a, b], "band rows"),
                    false => window_of(graph, &mut views, buffers[j], [at, at + b - a], "band rows"),
                };
                let mut step = if lower {
                    lower_rows(graph, orig, &operands, output, pad).map_err(|m| format!("op #{} rows {a}..{b}: {m}", orig.op_index))?
                } else {
                    let mut step = orig.clone();
                    step.operands = operands;
                    step.output = output;
                    let whole = graph.tensors[orig.output].shape[1].max(1) as u64;
                    step.macs = orig.macs / whole * (b - a) as u64;
                    step
                };
                // Weights are the layer's, once: reports and flash counts see them on its first call.
                if a > 0 {
                    step.weights.clear();
                }
                step.band = band(call.rows);
                out.push(step);
            }
        }
    }
    out.extend_from_slice(&steps[stage.end..]);
    Ok((out, views))
}

/// One layer's step of a streamed stage, in the order they run.
struct PulledCall {
    layer: usize,
    /// The band of T being produced (for names and reports).
    band: usize,
    /// Output rows computed, or (for a carry) the rows kept.
    rows: [usize; 2],
    kind: Pulled,
}

enum Pulled {
    /// Rows `from..to` of the layer's buffer (buffer rows, not image rows) move to its top.
    Carry { from: usize, to: usize },
    /// Compute the rows from `inputs` (per arena operand, in order: rows of the stage input, or
    /// of a layer's buffer) with `pad` rows of padding above, into the layer's buffer at row `at`.
    Compute { inputs: Vec<(Src, [usize; 2])>, at: usize, pad: usize },
}

/// The streaming schedule of [`band_stage`], built by pulling rows through the layers.
struct Streamer {
    geo: Vec<Rows>,
    /// Per layer, its arena operands (position, source).
    reads: Vec<Vec<(usize, Src)>>,
    /// Per layer, the layers that read its output.
    readers: Vec<Vec<usize>>,
    chunk: Vec<usize>,
    /// Rows of each layer's output computed so far (`0..done`).
    done: Vec<usize>,
    /// First row still in each layer's buffer (the buffer holds `kept..done`).
    kept: Vec<usize>,
    /// Most rows each buffer holds at once: its height.
    rows: Vec<usize>,
    plan: Vec<PulledCall>,
    band: usize,
}

impl Streamer {
    /// The first input row layer `c`'s next call reads.
    fn next_read(&self, c: usize) -> usize {
        (self.done[c] * self.geo[c].stride).saturating_sub(self.geo[c].pad)
    }

    /// Computes layer `j`'s output up to row `want` (exclusive), chunk by chunk.
    fn pull(&mut self, j: usize, want: usize) -> Result<(), (usize, String)> {
        while self.done[j] < want {
            let rows = [self.done[j], want.min(self.done[j] + self.chunk[j])];
            let (input, pad) = self.geo[j].input_of(rows);
            if input[1] == input[0] {
                return Err((j, format!("rows {}..{} read no input rows", rows[0], rows[1])));
            }
            let producers: Vec<usize> = self.reads[j].iter().filter_map(|&(_, s)| if let Src::Layer(p) = s { Some(p) } else { None }).collect();
            for &p in &producers {
                // Drop what no reader of p reads again (rows a reader skips are never computed).
                let need = self.readers[p].iter().map(|&c| self.next_read(c)).min().unwrap_or(input[0]);
                if need >= self.done[p] {
                    self.done[p] = self.done[p].max(need.min(input[0]));
                    self.kept[p] = self.done[p];
                } else if need > self.kept[p] {
                    let (from, to) = (need - self.kept[p], self.done[p] - self.kept[p]);
                    self.plan.push(PulledCall { layer: p, band: self.band, rows: [need, self.done[p]], kind: Pulled::Carry { from, to } });
                    self.kept[p] = need;
                }
                self.pull(p, input[1])?;
            }
            // Windows once every producer is pulled: pulling one may move another's buffer.
            let inputs = self.reads[j]
                .iter()
                .map(|&(_, s)| match s {
                    Src::Input => (s, input),
                    Src::Layer(p) => (s, [input[0] - self.kept[p], input[1] - self.kept[p]]),
                })
                .collect();
            let at = rows[0] - self.kept[j];
            self.plan.push(PulledCall { layer: j, band: self.band, rows, kind: Pulled::Compute { inputs, at, pad } });
            self.done[j] = rows[1];
            self.rows[j] = self.rows[j].max(self.done[j] - self.kept[j]);
        }
        Ok(())
    }
}

/// Lowers `orig`'s op for one band: input and output rewired to the band's windows, `pad`
/// rows of padding above. The band reads the whole layer's filters (the ones already laid out
/// for it), so its kernels must be the layer's.
pub(crate) fn lower_rows(
    graph: &Graph,
    orig: &Step,
    operands: &[Operand],
    output: usize,
    pad: usize,
) -> Result<Step, String> {
    let mut op = graph
        .ops
        .iter()
        .find(|o| o.index == orig.op_index)
        .expect("step of an op")
        .clone();
    for (k, o) in operands.iter().enumerate() {
        if let (Operand::Arena(t), Some(slot)) = (o, op.inputs.get_mut(k)) {
            *slot = Some(*t);
        }
    }
    op.outputs[0] = output;
    let mut lowered = match lower::lower_band(graph, &op, pad) {
        Ok(s) => s,
        Err(lower::Fail::Unsupported(m) | lower::Fail::Invalid(m)) => return Err(m),
    };
    let mut step = lowered.pop().filter(|_| lowered.is_empty()).ok_or("a band lowers to one step")?;
    step.packed_filter = None;
    if let (Some(o), Some(Operand::Const(_))) = (orig.operands.get(1), step.operands.get(1)) {
        step.operands[1] = *o;
    }
    let same = step.variants.len() == orig.variants.len()
        && step.variants.iter().zip(&orig.variants).all(|(a, b)| a.func == b.func && a.generics.to_string() == b.generics.to_string());
    if !same {
        return Err("its kernels for a band differ from the whole layer's".into());
    }
    for (v, o) in step.variants.iter_mut().zip(&orig.variants) {
        v.layout = None;
        v.filter = o.filter;
    }
    Ok(step)
}

/// One way to run a stage in row bands, planned (not lowered).
struct Candidate {
    split: Split,
    /// Steps of the banded model: kernel calls and carries.
    steps: usize,
    /// Its arena.
    size: usize,
    /// MACs over the unpatched model's.
    extra_macs: u64,
}

/// Every stage split with at most `max_bands` bands, planned. `coarse`: no one-row chunks, and
/// stages from every step of a run of bandable layers, not only its first (a stage around the
/// one big activation, leaving the layers before it whole and specialized). A model with
/// IF/WHILE has none: row bands assume straight-line code.
fn candidates(graph: &Graph, steps: &[Step], max_bands: usize, coarse: bool) -> Vec<Candidate> {
    if steps.iter().any(|s| matches!(s.call, Call::Flow(_))) {
        return Vec::new();
    }
    let macs: u64 = steps.iter().map(|s| s.macs).sum();
    let mut found = Vec::new();
    for stage in stages(graph, steps, coarse) {
        let rows_t = graph.tensors[steps[stage.end - 1].output].shape[1];
        for bands in 2..=rows_t.min(max_bands) {
            for (fine, reuse_input) in [(false, false), (true, false), (false, true), (true, true)] {
                if coarse && fine {
                    continue;
                }
                let split = Split { stage: stage.clone(), bands, fine, reuse_input };
                let mut g = graph.clone();
                // A split that cannot run (a band reading no rows, an overlap that would
                // clobber input still to be read) is simply not a candidate.
                let Ok((banded, views)) = band_stage(&mut g, steps, split.clone(), false) else { continue };
                let size = plan_arena_with_views(&g, &banded, &views).size;
                let extra_macs = banded.iter().map(|s| s.macs).sum::<u64>() - macs;
                found.push(Candidate { split, steps: banded.len(), size, extra_macs });
            }
        }
    }
    found
}

/// Lowers the chosen split: the banded steps, their arena and the report's account of them.
fn apply(
    file: &str,
    graph: &mut Graph,
    steps: &[Step],
    c: &Candidate,
    unpatched: usize,
) -> Result<(Vec<Step>, ArenaPlan, PatchPlan), Error> {
    let (banded, views) = band_stage(graph, steps, c.split.clone(), true)
        .map_err(|m| Error::new(file, ErrorKind::Invalid(format!("patching the first layers: {m}"))))?;
    let plan = plan_arena_with_views(graph, &banded, &views);
    let patches = PatchPlan {
        ops: steps[c.split.stage.clone()].iter().map(|s| s.op_index).collect(),
        bands: c.split.bands,
        extra_macs: c.extra_macs,
        unpatched_arena: unpatched,
        reuses_input: c.split.reuse_input,
        views,
    };
    Ok((banded, plan, patches))
}

/// Most bands a stage of the default build (no `max_arena_bytes`) is split into. A band costs
/// a kernel call per layer, and a layer called with several row counts gets one kernel generic
/// in them. MobileNetV2-0.35 on a Cortex-M4: its 8 → 48 → 8 block around the stride-2 layer in
/// three bands costs +0.2 % instructions; the first five layers in four bands +2.2 % (the
/// first layer's kernel loses its constant shape).
pub const DEFAULT_MAX_BANDS: usize = 4;

/// The default build takes a patched stage only if it cuts the arena by at least this
/// fraction (1/4) of the whole-layer plan: RAM is what a microcontroller runs out of first, but a
/// few percent of speed is only worth a large saving.
pub const DEFAULT_MIN_SAVING: (usize, usize) = (1, 4);

/// The default build's patched stage, if one pays: among coarse splits (at most
/// [`DEFAULT_MAX_BANDS`] bands, chunks as tall as their readers need, a stage starting at any
/// layer) with no extra MACs, the one with the smallest arena (ties: fewer steps), taken when
/// that arena is at most ¾ of `default` (the whole-layer plan, with its in-place layers).
/// MobileNetV2's 48×48×48 expansion is the case: alone it is more than half of TFLM's arena,
/// and only streaming it into the stride-2 layer that reads it shrinks it.
pub fn default_stage(
    file: &str,
    graph: &mut Graph,
    steps: &[Step],
    default: &ArenaPlan,
) -> Result<Option<(Vec<Step>, ArenaPlan, PatchPlan)>, Error> {
    let (num, den) = DEFAULT_MIN_SAVING;
    let best = candidates(graph, steps, DEFAULT_MAX_BANDS, true)
        .into_iter()
        .filter(|c| c.extra_macs == 0 && c.size * den <= default.size * (den - num))
        .min_by_key(|c| (c.size, c.steps));
    best.map(|c| apply(file, graph, steps, &c, default.size)).transpose()
}

/// Plans the arena within `max_bytes`: as is if it fits, else with the one patched stage that
/// fits in the fewest kernel calls (ties: the smaller arena). Fails naming the smallest arena
/// any stage reaches. `default` is the plan the model gets without the cap and without patches
/// (with its in-place layers, `crate::in_place`): what the error and the report compare with,
/// and the smallest arena when no stage beats it.
pub fn fit_arena(
    file: &str,
    graph: &mut Graph,
    steps: Vec<Step>,
    max_bytes: usize,
    default: &ArenaPlan,
) -> Result<(Vec<Step>, ArenaPlan, Option<PatchPlan>), Error> {
    let whole = plan_arena(graph, &steps);
    if whole.size <= max_bytes {
        return Ok((steps, whole, None));
    }
    let mut found = candidates(graph, &steps, MAX_BANDS, false);
    found.extend(candidates(graph, &steps, DEFAULT_MAX_BANDS, true));
    let best = found
        .iter()
        .filter(|c| c.size <= max_bytes)
        .min_by_key(|c| (c.extra_macs, c.steps, c.size));
    let Some(best) = best else {
        let smallest = found.iter().filter(|c| c.size < default.size).min_by_key(|c| c.size);
        let (size, how) = match smallest {
            Some(c) => {
                let ops = &steps[c.split.stage.clone()];
                let how = format!(
                    "ops #{}..#{} in {} row bands; without patches {} bytes",
                    ops[0].op_index,
                    ops[ops.len() - 1].op_index,
                    c.split.bands,
                    default.size
                );
                (c.size, how)
            }
            None => (default.size, String::from("without patches")),
        };
        return Err(Error::new(
            file,
            ErrorKind::ArenaLimit {
                requested: max_bytes,
                smallest: size,
                why: format!(
                    "max_arena_bytes = {max_bytes} is below the smallest arena kiln reaches for this model: {size} bytes ({how}, \
                     liveness bound {})",
                    default.lower_bound
                ),
            },
        ));
    };
    let (banded, plan, patches) = apply(file, graph, &steps, best, default.size)?;
    Ok((banded, plan, Some(patches)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_cover_the_rows_evenly() {
        for rows in 1..40 {
            for n in 1..=rows {
                let b = even_bands(rows, n);
                assert_eq!(b.len(), n);
                assert_eq!(b[0][0], 0);
                assert_eq!(b[n - 1][1], rows);
                for w in b.windows(2) {
                    assert_eq!(w[0][1], w[1][0]);
                }
                let lens: Vec<usize> = b.iter().map(|r| r[1] - r[0]).collect();
                assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1, "{lens:?}");
            }
        }
    }

    /// The input window of a band is exactly the rows its outputs' taps touch inside the image,
    /// and the band's padding puts each output's first tap where the whole layer puts it.
    #[test]
    fn input_window_is_the_receptive_field() {
        for stride in 1..4 {
            for kh in 1..6 {
                for dil in 1..3 {
                    for pad in 0..kh {
                        for input in 1..20usize {
                            let span = (kh - 1) * dil + 1;
                            let g = Rows { stride, pad, span, input };
                            let out = (input + 2 * pad).saturating_sub(span) / stride + 1;
                            for r0 in 0..out {
                                for r1 in r0 + 1..=out {
                                    let touched: Vec<usize> = (r0..r1)
                                        .flat_map(|r| (0..kh).map(move |t| (r * stride + t * dil) as isize - pad as isize))
                                        .filter(|&y| y >= 0 && (y as usize) < input)
                                        .map(|y| y as usize)
                                        .collect();
                                    let ([a, b], p) = g.input_of([r0, r1]);
                                    if touched.is_empty() {
                                        continue;
                                    }
                                    // Every touched row inside the window, the window inside the image.
                                    assert!(a <= *touched.iter().min().unwrap() && b > *touched.iter().max().unwrap(), "{g:?} rows {r0}..{r1}");
                                    assert!(b <= input);
                                    // Local coordinate of output r0's first tap: r0' = 0 → −p; global: r0·s − pad.
                                    assert_eq!(a as isize - p as isize, (r0 * stride) as isize - pad as isize, "{g:?}");
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
