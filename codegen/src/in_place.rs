//! In-place layers: a layer whose input dies there writes its output over it, so the two need
//! about one buffer instead of two.
//!
//! Safe Rust cannot hand a kernel one buffer as both `&[u8]` and `&mut [u8]`, and the kernels
//! are not written to survive their output overwriting input they have yet to read (the Arm DSP
//! ones walk channel pairs outside, pixels inside). So the layer runs in row bands, each an
//! ordinary kernel call on disjoint windows (band `j`'s input rows and output rows), and the
//! planner places the output's buffer `delta` bytes from the input's ([`Tie`]) so that no band
//! writes over input rows a later band reads: top to bottom with the output below the input,
//! or, where the input itself was written that way, bottom to top with the output above
//! (alternating keeps a chain of in-place layers from drifting down the arena). The output then
//! needs about one band more than the larger of the two tensors, instead of both.
//!
//! Which layers: int8 CONV_2D, DEPTHWISE_CONV_2D and residual ADD on one image. A 1×1 layer or
//! an ADD reads one input row per output row, so its bands (all but a shorter last one) have
//! the same constant params and its kernel stays specialized; a depthwise or k×k layer's first
//! band has its own top padding and every band re-reads its halo rows. [`Goal`] says which the
//! default build takes and what a `max_arena_bytes` cap changes.
//!
//! One kind of layer needs no bands: a 3×3, stride-1, same-padded depthwise layer at most
//! [`WHOLE_WIDTH`] columns wide (the keyword spotters' and the MobileNets' later layers) runs
//! over one buffer, its output on its input's bytes (`kiln::ops::depthwise_conv2d_s8_3x3_in_place`:
//! the Arm DSP ring kernel holds the rows a later output row still needs), one call, no gap.
//!
//! [`plan_in_place`] ties a layer only where that makes the arena smaller, with the fewest ties
//! and bands that keep it so: a model whose peak is elsewhere compiles exactly as without.

use crate::ir::{DType, Graph, Options, Padding};
use crate::lower::{Call, Operand, Step};
use crate::patch::{self, Band, View};
use crate::plan::{plan_arena_tied, ArenaPlan, Tie};

/// Most row bands an in-place layer runs in.
const MAX_BANDS: usize = 16;

/// In the default build, a depthwise or k×k layer runs in place only with bands at least this
/// many rows tall, of at least [`FREE_WIDTH`] columns: each band pays a fixed cost (per channel
/// group: its weights and output scales set up, the halo rows read again, and the kernel is no
/// longer specialized to one shape), which only long bands hide. Measured on the Cortex-M4:
/// person_detect's 48×48 → 24×24 depthwise layer in two bands costs nothing measurable; the
/// keyword spotter's 25×5 layers in five bands cost 13 %.
const FREE_ROWS: usize = 8;

/// See [`FREE_ROWS`].
const FREE_WIDTH: usize = 16;

/// In the default build, a 1×1 layer runs in place only with bands of at least this many
/// pixels: each band sets up every output channel pair again (on the Cortex-M4 about 1.6/n of
/// the layer's instructions for bands of n pixels). Measured on the keyword spotter's 25×5
/// layers: bands of 10 pixels +16 %, of 20 pixels +8 % on those layers.
const FREE_PIXELS: usize = 20;

/// Widest depthwise layer that runs in place whole: the one-buffer kernel's limit.
const WHOLE_WIDTH: usize = crate::limits::MAX_IN_PLACE_WIDTH;

/// How far above the smallest in-place arena the default build may stay to run fewer bands.
const FREE_SLACK_PERCENT: usize = 2;

/// A layer that can run in place: its step, the operand whose tensor it writes over, and the
/// band heights it can run in (output rows per band, smallest first).
#[derive(Clone, Debug)]
struct Candidate {
    step: usize,
    operand: usize,
    bands: Vec<usize>,
    /// Every output row reads one input row and no padding: all bands have the same params.
    local: bool,
    /// Output columns.
    width: usize,
}

/// The root tensor whose buffer `t` lives in (through aliasing RESHAPEs and the like).
fn root(steps: &[Step], mut t: usize) -> usize {
    while let Some(s) = steps
        .iter()
        .find(|s| s.output == t && matches!(s.call, Call::Alias))
    {
        match s.operands.first() {
            Some(&Operand::Arena(src)) => t = src,
            _ => break,
        }
    }
    t
}

/// Whether tensor root `r` may be written over at step `i`: no later step reads it, it is no
/// model input or output and no variable, and it is int8.
fn dies_at(graph: &Graph, steps: &[Step], i: usize, r: usize) -> bool {
    let io = graph.inputs.iter().chain(&graph.outputs).any(|&t| root(steps, t) == r);
    let later = steps[i + 1..].iter().any(|l| {
        l.operands
            .iter()
            .any(|o| matches!(o, Operand::Arena(t) if root(steps, *t) == r))
    });
    !later && !io && !graph.tensors[r].is_variable && graph.tensors[r].dtype == DType::I8
}

/// Whether step `i` is a depthwise layer `kiln::ops::depthwise_conv2d_s8_3x3_in_place` takes
/// (3×3, stride 1, undilated, same padding, depth multiplier 1, the input's shape, int8,
/// channels divisible by four, at most [`WHOLE_WIDTH`] columns) on an input that dies there,
/// neither being a window of another tensor (`views`) nor a model input or output.
fn runs_whole(graph: &Graph, steps: &[Step], views: &[View], i: usize) -> Option<usize> {
    let s = &steps[i];
    if s.band.is_some() || s.in_place || !matches!(s.call, Call::Params { func: "depthwise_conv2d_s8", .. }) {
        return None;
    }
    let op = graph.ops.iter().find(|o| o.index == s.op_index)?;
    let Options::DepthwiseConv2d { padding: Padding::Same, stride: [1, 1], dilation: [1, 1], depth_multiplier: 1, .. } = op.options else {
        return None;
    };
    let [(0, x)] = patch::arena_inputs(s)[..] else { return None };
    let y = s.output;
    let (tx, ty) = (&graph.tensors[x], &graph.tensors[y]);
    let filter = &graph.tensors[op.inputs.get(1).copied().flatten()?];
    let c = *ty.shape.get(3)?;
    let shape_ok = ty.shape.len() == 4 && tx.shape == ty.shape && ty.dtype == DType::I8 && filter.shape.get(1..3) == Some(&[3, 3][..]);
    let viewed = views.iter().any(|v| [x, y].contains(&v.tensor) || [x, y].contains(&v.of));
    let io = graph.inputs.iter().chain(&graph.outputs).any(|&t| root(steps, t) == root(steps, y));
    let ok = shape_ok && c % 4 == 0 && c > 0 && ty.shape[2] <= WHOLE_WIDTH && !viewed && !io && root(steps, y) == y;
    (ok && dies_at(graph, steps, i, root(steps, x))).then_some(x)
}

/// Every depthwise layer that can run in place whole ([`runs_whole`]), tied at `delta` 0, its
/// step switched to the one-buffer kernel; `only` narrows them to those steps. Returns the
/// steps, the ties and the tied steps.
fn tie_whole(graph: &Graph, mut steps: Vec<Step>, views: &[View], only: Option<&[usize]>) -> (Vec<Step>, Vec<Tie>, Vec<usize>) {
    let (mut ties, mut tied) = (Vec::new(), Vec::new());
    for i in 0..steps.len() {
        if only.is_some_and(|o| !o.contains(&i)) {
            continue;
        }
        let Some(x) = runs_whole(graph, &steps, views, i) else { continue };
        ties.push(Tie {
            input: root(&steps, x),
            output: steps[i].output,
            delta: 0,
        });
        tied.push(i);
        let step = &mut steps[i];
        if let Call::Params { func, .. } = &mut step.call {
            *func = "depthwise_conv2d_s8_3x3_in_place";
        }
        step.variants.clear();
        step.x86_dispatch = None;
        step.in_place = true;
        step.summary = format!("{}; in place, one buffer", step.summary);
    }
    (steps, ties, tied)
}

/// The layers that could run in place: an int8 CONV_2D or ADD whose output rows each read one
/// input row (no padding), whose input (one that dies at this step, for ADD) is no model input
/// or output and is read by no later step, and whose output is no model output.
fn candidates(graph: &Graph, steps: &[Step]) -> Vec<Candidate> {
    let mut out = Vec::new();
    let io = |r: usize| {
        graph
            .inputs
            .iter()
            .chain(&graph.outputs)
            .any(|&t| root(steps, t) == r)
    };
    for (i, s) in steps.iter().enumerate() {
        if s.in_place {
            continue;
        }
        let Some(rows) = patch::band_rows(graph, s) else {
            continue;
        };
        if io(root(steps, s.output)) || root(steps, s.output) != s.output {
            continue;
        }
        let name = graph
            .ops
            .iter()
            .find(|o| o.index == s.op_index)
            .map(|o| (&o.name[..], &o.options));
        if !matches!(
            name,
            Some(
                ("CONV_2D", Options::Conv2d { .. })
                    | ("DEPTHWISE_CONV_2D", Options::DepthwiseConv2d { .. })
                    | ("ADD", Options::Add { .. })
            )
        ) {
            continue;
        }
        let arena = patch::arena_inputs(s);
        let roots: Vec<usize> = arena.iter().map(|&(_, t)| root(steps, t)).collect();
        if roots.len() == 2 && roots[0] == roots[1] {
            continue;
        }
        let dies_here = |r: usize| dies_at(graph, steps, i, r);
        let Some(k) = arena
            .iter()
            .zip(&roots)
            .find(|(_, &r)| dies_here(r))
            .map(|(&(k, _), _)| k)
        else {
            continue;
        };
        // Band heights for 2..=MAX_BANDS bands (the last band takes what is left), smallest
        // first. A 1×1 layer pairs pixels (the Arm DSP kernel computes two at a time), so where
        // the width is odd its bands are an even number of rows: one odd pixel in the layer,
        // as without bands, not one per band.
        let [h, w] = [
            graph.tensors[s.output].shape[1],
            graph.tensors[s.output].shape[2],
        ];
        let local = rows.span == 1 && rows.pad == 0;
        let mut bands: Vec<usize> = (2..=h.min(MAX_BANDS))
            .map(|n| h.div_ceil(n))
            .filter(|&r| r < h)
            .collect();
        bands.sort_unstable();
        bands.dedup();
        if local && w % 2 == 1 && bands.iter().any(|r| r % 2 == 0) {
            bands.retain(|r| r % 2 == 0);
        }
        if !bands.is_empty() {
            out.push(Candidate {
                step: i,
                operand: k,
                bands,
                local,
                width: w,
            });
        }
    }
    out
}

/// Steps with in-place layers split into bands, the windows they use, and the ties.
type Banded = (Vec<Step>, Vec<View>, Vec<Tie>);

/// `steps` with each chosen layer split into its bands (`choice[c]`: the band height of
/// candidate `c`, if tied; the last band takes the rows left), the windows they read and write, and the ties. With `lower`, each
/// band is lowered for its rows (its own params and kernels), else it carries only what planning
/// needs. Fails when a band's kernels would differ from the layer's.
fn split(
    graph: &mut Graph,
    steps: &[Step],
    (views, whole): (&[View], &[Tie]),
    cands: &[Candidate],
    choice: &[Option<usize>],
    lower: bool,
) -> Result<Banded, String> {
    let mut out = Vec::with_capacity(steps.len());
    let mut views = views.to_vec();
    let mut ties = whole.to_vec();
    for (i, s) in steps.iter().enumerate() {
        let Some((c, r)) = cands
            .iter()
            .zip(choice)
            .find_map(|(c, r)| r.filter(|_| c.step == i).map(|r| (c, r)))
        else {
            out.push(s.clone());
            continue;
        };
        let geo = patch::band_rows(graph, s).ok_or("not bandable")?;
        let Operand::Arena(x) = s.operands[c.operand] else {
            return Err("in-place operand is constant".into());
        };
        let y = s.output;
        let rows = graph.tensors[y].shape[1];
        let n = rows.div_ceil(r);
        let band = |j: usize| [j * r, ((j + 1) * r).min(rows)];
        let (rb_x, rb_y) = (patch::row_bytes(graph, x), patch::row_bytes(graph, y));
        // Bands run top to bottom, the output below the input (`delta` < 0): band j's rows must
        // end before the first input byte that band j (and so every later band) reads. Where
        // the input itself was written in place that way, bottom to top instead, the output
        // above: band j's rows must start after the last input byte band j (and every earlier
        // one) reads. Alternating keeps a chain of in-place layers from drifting down the arena.
        let xr = root(steps, x);
        // Through layers run in place whole (`delta` 0) to the band layer that wrote the bytes.
        let mut writer = xr;
        while let Some(t) = ties.iter().find(|t: &&Tie| t.output == writer && t.delta == 0) {
            writer = t.input;
        }
        let backward = ties.iter().any(|t: &Tie| t.output == writer && t.delta < 0);
        let mut delta = if backward { isize::MIN } else { isize::MAX };
        for j in 0..n {
            let [o0, o1] = band(j);
            let ([a, b], _) = geo.input_of([o0, o1]);
            delta = match backward {
                false => delta.min((a * rb_x) as isize - (o1 * rb_y) as isize),
                true => delta.max((b * rb_x) as isize - (o0 * rb_y) as isize),
            };
        }
        // An aliased input (a RESHAPE's output) shares its root's bytes from byte 0.
        ties.push(Tie {
            input: xr,
            output: y,
            delta,
        });
        let order: Vec<usize> = if backward {
            (0..n).rev().collect()
        } else {
            (0..n).collect()
        };
        for &j in &order {
            let band_rows = band(j);
            let mut operands = s.operands.clone();
            let (w, pad) = geo.input_of(band_rows);
            for (k, t) in patch::arena_inputs(s) {
                operands[k] = Operand::Arena(patch::window_of(
                    graph,
                    &mut views,
                    t,
                    w,
                    "in-place band input",
                ));
            }
            let output = patch::window_of(graph, &mut views, y, band_rows, "in-place band rows");
            let mut step = if lower {
                patch::lower_rows(graph, s, &operands, output, pad).map_err(|m| {
                    format!(
                        "op #{} rows {}..{}: {m}",
                        s.op_index, band_rows[0], band_rows[1]
                    )
                })?
            } else {
                let mut step = s.clone();
                step.operands = operands;
                step.output = output;
                step.macs = s.macs / rows as u64 * (band_rows[1] - band_rows[0]) as u64;
                step
            };
            // The layer's weights, once: on the band that runs first.
            if Some(j) != order.first().copied() {
                step.weights.clear();
            }
            step.band = Some(Band {
                index: j,
                count: n,
                rows: band_rows,
            });
            step.summary = format!("{}; in place", s.summary);
            out.push(step);
        }
    }
    Ok((out, views, ties))
}

/// What [`plan_in_place`] aims for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// The default build: layers whose bands all have the layer's constant shape (1×1
    /// CONV_2D, residual ADD), and depthwise and k×k layers in tall, wide bands ([`FREE_ROWS`]),
    /// as small as they make the arena. They cost a few kernel calls and no instructions worth
    /// measuring.
    Free,
    /// `max_arena_bytes`: any in-place layer (depthwise and k×k ones too, whose first band has
    /// its own padding and whose bands re-read halo rows), the smallest arena if it cannot meet
    /// the cap, else the fewest bands that meet it.
    Fit(usize),
}

/// Plans the arena with the layers that shrink it run in place ([`Goal`]): every candidate tied
/// first (most bands), then each untied again where the arena stays as small, then each left
/// with the fewest bands that keep it so (or that keep it within the cap). Returns the steps
/// (tied layers split into bands) and the plan; without a gain, the steps and plan as
/// [`crate::plan::plan_arena`] makes them.
pub fn plan_in_place(graph: &mut Graph, steps: Vec<Step>, goal: Goal) -> (Vec<Step>, ArenaPlan) {
    let (steps, plan, _) = plan_in_place_with_views(graph, steps, Vec::new(), goal);
    (steps, plan)
}

/// [`plan_in_place`] for steps that already read and write windows of other tensors (a patched
/// stage's, [`View`]): the layers after the stage may still run in place. Returns the views
/// with the in-place bands' windows added.
pub fn plan_in_place_with_views(
    graph: &mut Graph,
    steps: Vec<Step>,
    base: Vec<View>,
    goal: Goal,
) -> (Vec<Step>, ArenaPlan, Vec<View>) {
    let control_flow = steps.iter().any(|s| matches!(s.call, Call::Flow(_)));
    if control_flow {
        let plan = plan_arena_tied(graph, &steps, &base, &[]);
        return (steps, plan, base);
    }
    // Depthwise layers over one buffer: all that can, with the bands they make worth it;
    // then each left out again where the arena stays as small (on the host their kernel is
    // the Arm one's portable twin, slower than the vector kernels that need two buffers).
    // Each search lowers bands into its own copy of the graph; the winner's is kept.
    let run = |steps: Vec<Step>, ties: &[Tie]| {
        let mut g = graph.clone();
        let out = search(&mut g, steps, base.clone(), ties, goal);
        (g, out)
    };
    let plain = run(steps.clone(), &[]);
    let (tied_steps, ties, mut tied) = tie_whole(graph, steps.clone(), &base, None);
    let mut best = plain;
    if !tied.is_empty() {
        let all = run(tied_steps, &ties);
        if all.1 .1.size < best.1 .1.size {
            best = all;
            for k in tied.clone() {
                let fewer: Vec<usize> = tied.iter().copied().filter(|&i| i != k).collect();
                let (s, t, _) = tie_whole(graph, steps.clone(), &base, Some(&fewer));
                let without = run(s, &t);
                if without.1 .1.size <= best.1 .1.size {
                    (best, tied) = (without, fewer);
                }
            }
        }
    }
    *graph = best.0;
    best.1
}

/// [`plan_in_place_with_views`] for steps with the layers `one_buffer` ties already running in
/// place whole: the band search.
fn search(graph: &mut Graph, steps: Vec<Step>, base: Vec<View>, one_buffer: &[Tie], goal: Goal) -> (Vec<Step>, ArenaPlan, Vec<View>) {
    let whole = plan_arena_tied(graph, &steps, &base, one_buffer);
    // A candidate whose bands lower to other kernels than the layer's (or not at all) is out.
    let cands: Vec<Candidate> = candidates(graph, &steps)
        .into_iter()
        .filter_map(|mut c| {
            if goal == Goal::Free && !c.local {
                if c.width < FREE_WIDTH {
                    return None;
                }
                c.bands.retain(|&r| r >= FREE_ROWS);
            }
            if goal == Goal::Free && c.local {
                c.bands.retain(|&r| r * c.width >= FREE_PIXELS);
            }
            let one = Candidate {
                bands: Vec::new(),
                ..c.clone()
            };
            c.bands.retain(|&r| {
                let mut g = graph.clone();
                split(
                    &mut g,
                    &steps,
                    (&base, one_buffer),
                    std::slice::from_ref(&one),
                    &[Some(r)],
                    true,
                )
                .is_ok()
            });
            (!c.bands.is_empty()).then_some(c)
        })
        .collect();
    if cands.is_empty() {
        return (steps, whole, base);
    }
    let size = |choice: &[Option<usize>]| {
        let mut g = graph.clone();
        split(&mut g, &steps, (&base, one_buffer), &cands, choice, false)
            .map(|(s, v, t)| plan_arena_tied(&g, &s, &v, &t).size)
            .unwrap_or(usize::MAX)
    };
    // What a plan must reach: the smallest arena, or the cap where it can be met.
    let enough = |cap: usize, best: usize| if best <= cap { cap } else { best };
    // Layers whose bands differ (padding, a window) go first when untying: their kernel loses
    // its constant shape. Start from every layer tied, and from the local ones alone.
    let mut order: Vec<usize> = (0..cands.len()).collect();
    order.sort_by_key(|&k| cands[k].local);
    let refine = |cap: usize, mut choice: Vec<Option<usize>>| {
        let mut best = size(&choice);
        for &k in &order {
            let keep = choice[k].take();
            match size(&choice) {
                s if s <= enough(cap, best) => best = best.min(s),
                _ => choice[k] = keep,
            }
        }
        // Tie again what now helps on its own.
        for &k in order.iter().rev() {
            if choice[k].is_none() && best > cap {
                choice[k] = cands[k].bands.first().copied();
                match size(&choice) {
                    s if s < best => best = s,
                    _ => choice[k] = None,
                }
            }
        }
        (size(&choice), choice)
    };
    let all: Vec<Option<usize>> = cands.iter().map(|c| c.bands.first().copied()).collect();
    let local: Vec<Option<usize>> = cands
        .iter()
        .map(|c| c.bands.first().copied().filter(|_| c.local))
        .collect();
    // The smallest arena first; then, among plans that reach what is enough, the fewest ties.
    let search = |cap: usize| {
        [refine(cap, all.clone()), refine(cap, local.clone())]
            .into_iter()
            .min_by_key(|(s, c)| (enough(cap, *s), c.iter().flatten().count()))
            .expect("two")
    };
    let cap = match goal {
        Goal::Fit(cap) => cap,
        // The default build: within `FREE_SLACK_PERCENT` of the smallest arena, where fewer
        // ties and bands (kernel calls) get there.
        Goal::Free => {
            let smallest = search(0).0;
            smallest + smallest * FREE_SLACK_PERCENT / 100
        }
    };
    let (best, mut choice) = search(cap);
    if best >= whole.size {
        return (steps, whole, base);
    }
    // Each tied layer with the fewest bands (the tallest) that keep the arena as small (within
    // the cap): every band is a kernel call with its own per-call work (a 1×1 kernel's
    // per-channel setup, a depthwise kernel's halo rows).
    let limit = enough(cap, best);
    for k in 0..cands.len() {
        let Some(most) = choice[k] else { continue };
        for &r in cands[k].bands.iter().rev().filter(|&&r| r > most) {
            choice[k] = Some(r);
            if size(&choice) <= limit {
                break;
            }
            choice[k] = Some(most);
        }
    }
    let mut g = graph.clone();
    match split(&mut g, &steps, (&base, one_buffer), &cands, &choice, true) {
        Ok((banded, views, ties)) => {
            let plan = plan_arena_tied(&g, &banded, &views, &ties);
            *graph = g;
            (banded, plan, views)
        }
        Err(_) => (steps, whole, base),
    }
}
