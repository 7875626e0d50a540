//! Per-layer facts about a model — the edge-AI sizing metrics (MACs, parameters, flash, arena)
//! — for `kiln inspect` and for the layer table in generated code. Works on models with
//! unsupported ops too: those layers are listed with the reason, and totals that depend on a
//! full compile (the arena) are absent.
//!
//! Renderings: a text table, JSON and DOT here; the memory plan as SVG ([`svg`]) and the whole
//! report as one self-contained page ([`html`]).

pub mod html;
pub mod svg;

use crate::error::{Error, UnsupportedOp};
use crate::ir::{Graph, Tensor};
use crate::lower::{self, Step};
use crate::plan::ArenaPlan;

/// One tensor as a layer sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorSummary {
    /// Position in the subgraph's tensor list.
    pub index: usize,
    /// The name the file gives it.
    pub name: String,
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Element type (`int8`).
    pub dtype: &'static str,
    /// `per-tensor`, `per-channel(axis)` or `none`.
    pub quantization: String,
    /// Whether it is constant data (weights) rather than an activation.
    pub constant: bool,
}

#[derive(Clone, Debug, PartialEq)]
/// One layer of `kiln inspect`'s report.
pub struct LayerReport {
    /// The op's index in the model.
    pub index: usize,
    /// The op's name (`CONV_2D`).
    pub op: String,
    /// Its input tensors (absent optional inputs left out).
    pub inputs: Vec<TensorSummary>,
    /// Its output tensors.
    pub outputs: Vec<TensorSummary>,
    /// Kernel options in words (`3x3 stride 2x2 …`); empty when unsupported.
    pub summary: String,
    /// Multiply-accumulates per inference.
    pub macs: u64,
    /// Elements of constant inputs (weights, biases).
    pub params: u64,
    /// Bytes of constant inputs (flash).
    pub weight_bytes: u64,
    /// Bytes of the layer's outputs.
    pub activation_bytes: u64,
    /// Arena offset and size of the (first) output; `None` when not planned.
    pub arena: Option<(usize, usize)>,
    /// Why kiln cannot compile this layer.
    pub unsupported: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
/// `kiln inspect`'s report on a model: boundary, layers and totals.
pub struct ModelReport {
    /// The model path as given.
    pub file: String,
    /// The model's inputs.
    pub inputs: Vec<TensorSummary>,
    /// The model's outputs.
    pub outputs: Vec<TensorSummary>,
    /// Every layer, in execution order.
    pub layers: Vec<LayerReport>,
    /// Multiply-accumulates per inference, all layers.
    pub macs: u64,
    /// Elements of constant inputs, all layers.
    pub params: u64,
    /// Bytes of constant inputs (flash), all layers.
    pub weight_bytes: u64,
    /// `ARENA_BYTES` and the liveness lower bound; `None` when some op is unsupported.
    pub arena_bytes: Option<usize>,
    /// The liveness lower bound (`ARENA_LOWER_BOUND`); `None` when some op is unsupported.
    pub arena_lower_bound: Option<usize>,
    /// `STATE_BYTES`: variable tensors kept between inferences (0 for stateless models).
    pub state_bytes: Option<usize>,
    /// The arena plan step by step; `None` when some op is unsupported.
    pub memory: Option<MemoryMap>,
    /// Every op kiln cannot compile (empty when the model compiles).
    pub unsupported: Vec<UnsupportedOp>,
    /// Ops evaluated at compile time (index, name): shape arithmetic, no code.
    pub folded: Vec<(usize, String)>,
    /// The stage run in row bands to fit `max_arena_bytes`; `None` without the option or
    /// when the plain plan fits.
    pub patches: Option<crate::patch::PatchPlan>,
    /// The ops whose run time depends on the input (`op #i NAME: why`; WHILE loops, detection
    /// post-processing), which `deterministic_timing` refuses; empty: the run time is fixed.
    pub data_dependent: Vec<String>,
}

/// The arena plan the generated code uses, with each buffer's lifetime: what the memory
/// picture draws. Taken from [`ArenaPlan::buffers`], never planned again here.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryMap {
    /// The steps in execution order. An op writing several outputs has one step per output;
    /// a shape-only op on constants is folded and has none.
    pub steps: Vec<StepReport>,
    /// Every arena buffer, in tensor order.
    pub buffers: Vec<BufferReport>,
}

/// One step of the generated `invoke`: the op it runs and the tensor it writes.
#[derive(Clone, Debug, PartialEq)]
pub struct StepReport {
    /// The op's index in the model.
    pub op: usize,
    /// The op's name (`CONV_2D`).
    pub name: String,
    /// The tensor the step writes.
    pub output: usize,
    /// For a step of a patched stage: the rows of the op's output it computes (or, for a
    /// carry, keeps in its band buffer); `None` elsewhere.
    pub rows: Option<[usize; 2]>,
}

/// One arena buffer: its tensors (the owner, then aliases sharing its bytes), placement and
/// the steps (inclusive) during which it holds live data.
#[derive(Clone, Debug, PartialEq)]
pub struct BufferReport {
    /// The owner first, then its aliases.
    pub tensors: Vec<TensorSummary>,
    /// Row-band windows of it (an in-place layer's or a patched stage's bands read and write
    /// these), counted rather than listed: a patched stage has hundreds.
    pub windows: usize,
    /// Byte offset in the arena.
    pub offset: usize,
    /// Bytes.
    pub size: usize,
    /// The first step at which the buffer holds live data.
    pub first_step: usize,
    /// `steps.len()` for model outputs, which stay live after the last step.
    pub last_step: usize,
}

impl BufferReport {
    /// Whether the buffer holds live data during `step`.
    pub fn live_at(&self, step: usize) -> bool {
        self.first_step <= step && step <= self.last_step
    }
}

fn summarize(t: &Tensor) -> TensorSummary {
    let quantization = match &t.quant {
        None => "none".to_string(),
        Some(q) if q.is_per_channel() => format!("per-channel({})", q.axis),
        Some(_) => "per-tensor".to_string(),
    };
    TensorSummary {
        index: t.index,
        name: t.name.clone(),
        shape: t.shape.clone(),
        dtype: t.dtype.name(),
        quantization,
        constant: t.is_const(),
    }
}

/// Builds the report from a compiled (or partially compiled) graph.
pub fn build(file: &str, graph: &Graph, steps: &[Step], plan: Option<&ArenaPlan>, unsupported: Vec<UnsupportedOp>) -> ModelReport {
    // An inlined IF or WHILE (`crate::control_flow`) is one row, at its opening marker; its
    // other pieces (copies, else, end) are not layers of their own.
    let shown = |op: &&crate::ir::Op| match op.options {
        crate::ir::Options::Flow(f) => matches!(f, crate::ir::Flow::IfBegin | crate::ir::Flow::LoopBegin),
        _ => true,
    };
    let layers: Vec<LayerReport> = graph
        .ops
        .iter()
        .filter(shown)
        .map(|op| {
            let step = match op.options {
                crate::ir::Options::Flow(f) => steps.iter().find(|s| s.op_index == op.index && matches!(s.call, crate::lower::Call::Flow(g) if g == f)),
                _ => steps.iter().find(|s| s.op_index == op.index),
            };
            let inputs: Vec<TensorSummary> = op.inputs.iter().flatten().map(|&t| summarize(&graph.tensors[t])).collect();
            // Supported layers count what they consume as data; for the others every constant
            // input is the best available estimate.
            let consts: Vec<&Tensor> = match step {
                Some(s) => s.weights.iter().map(|&t| &graph.tensors[t]).collect(),
                None => op.inputs.iter().flatten().map(|&t| &graph.tensors[t]).filter(|t| t.is_const()).collect(),
            };
            let (params, weight_bytes) = consts.iter().fold((0u64, 0u64), |(p, b), t| (p + t.elements() as u64, b + t.bytes() as u64));
            let arena = plan.and_then(|p| {
                let out = *op.outputs.first()?;
                Some((p.offsets[out]?, graph.tensors[out].bytes()))
            });
            LayerReport {
                index: op.index,
                op: op.name.clone(),
                inputs,
                outputs: op.outputs.iter().map(|&t| summarize(&graph.tensors[t])).collect(),
                summary: step.map_or_else(String::new, |s| s.summary.clone()),
                // A patched layer runs as several band steps: its MACs are theirs together.
                macs: steps.iter().filter(|s| s.op_index == op.index).map(|s| s.macs).sum(),
                params,
                weight_bytes,
                activation_bytes: op.outputs.iter().map(|&t| graph.tensors[t].bytes() as u64).sum(),
                arena,
                unsupported: unsupported.iter().find(|u| u.index == op.index).map(|u| u.reason.clone()),
            }
        })
        .collect();
    ModelReport {
        file: file.to_string(),
        inputs: graph.inputs.iter().map(|&t| summarize(&graph.tensors[t])).collect(),
        outputs: graph.outputs.iter().map(|&t| summarize(&graph.tensors[t])).collect(),
        macs: layers.iter().map(|l| l.macs).sum(),
        params: layers.iter().map(|l| l.params).sum(),
        weight_bytes: layers.iter().map(|l| l.weight_bytes).sum(),
        arena_bytes: plan.map(|p| p.size),
        arena_lower_bound: plan.map(|p| p.lower_bound),
        state_bytes: plan.map(|p| p.state_size),
        memory: plan.map(|p| MemoryMap {
            steps: steps
                .iter()
                .map(|s| StepReport { op: s.op_index, name: s.op_name.clone(), output: s.output, rows: s.band.as_ref().map(|b| b.rows) })
                .collect(),
            buffers: p
                .buffers
                .iter()
                .map(|b| BufferReport {
                    tensors: b.tensors.iter().filter(|&&t| !p.views.iter().any(|v| v.tensor == t)).map(|&t| summarize(&graph.tensors[t])).collect(),
                    windows: b.tensors.iter().filter(|&&t| p.views.iter().any(|v| v.tensor == t)).count(),
                    offset: b.offset,
                    size: b.size,
                    first_step: b.first_step,
                    last_step: b.last_step,
                })
                .collect(),
        }),
        layers,
        unsupported,
        folded: graph.folded_ops.clone(),
        patches: None,
        data_dependent: crate::data_dependent_ops(steps),
    }
}

/// Reads and lowers as far as possible and reports; fails only on unreadable or invalid files.
pub fn inspect(file: &str, bytes: &[u8]) -> Result<ModelReport, Error> {
    inspect_with_input_shape(file, bytes, None)
}

/// [`inspect`] with the first input's shape fixed (models with dynamic shapes).
pub fn inspect_with_input_shape(file: &str, bytes: &[u8], input_shape: Option<&[usize]>) -> Result<ModelReport, Error> {
    let opts = crate::CompileOptions { input_shape: input_shape.map(<[usize]>::to_vec), ..Default::default() };
    inspect_timed(file, bytes, &opts, &mut crate::Timings::default())
}

/// [`inspect`] of the model as [`crate::compile`] compiles it with `opts` (the input shape, an
/// arena cap and its patches).
pub fn inspect_options(file: &str, bytes: &[u8], opts: &crate::CompileOptions) -> Result<ModelReport, Error> {
    inspect_timed(file, bytes, opts, &mut crate::Timings::default())
}

/// [`inspect_options`], adding the wall time of each phase to `timings` (`kiln inspect -v`):
/// verify, build-ir, shapes, lower, plan, report. Without an arena cap a model with
/// unsupported ops is reported as far as it lowers; with one (`max_arena_bytes`) the model must
/// compile, since the report then shows the patched plan.
pub fn inspect_timed(file: &str, bytes: &[u8], opts: &crate::CompileOptions, timings: &mut crate::Timings) -> Result<ModelReport, Error> {
    if opts.max_arena_bytes.is_some() {
        let a = crate::analyze_timed(file, bytes, opts, timings)?;
        return Ok(timings.time("report", || {
            let mut report = build(file, &a.graph, &a.steps, Some(&a.plan), Vec::new());
            report.patches = a.patches.clone();
            report
        }));
    }
    let mut repaired = None;
    let model = timings.time("verify", || crate::read::verify(file, bytes, &mut repaired))?;
    let (mut graph, dynamic) = timings.time("build-ir", || crate::read::build_graph(file, bytes.len(), &model))?;
    timings.time("shapes", || crate::shapes::resolve(file, &mut graph, &dynamic, opts.input_shape.as_deref()))?;
    let (steps, unsupported) = timings.time("lower", || {
        lower::prepare_f16_weights(&mut graph, false);
        lower::map_custom_ops(file, &mut graph, &opts.custom_ops)?;
        lower::lower_all(file, &mut graph)
    })?;
    let (steps, plan, patches) = timings.time("plan", || match unsupported.is_empty() {
        true => crate::plan_model(file, &mut graph, steps, None).map(|(s, p, patches)| (s, Some(p), patches)),
        false => Ok((steps, None, None)),
    })?;
    Ok(timings.time("report", || {
        let mut report = build(file, &graph, &steps, plan.as_ref(), unsupported);
        report.patches = patches;
        report
    }))
}

/// A string safe inside a DOT double-quoted label.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Text safe in XML character data and attribute values (SVG, XHTML).
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 does not allow at all, even escaped: most controls, U+FFFE/F.
            c if ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}') => {
                out.push('\u{fffd}')
            }
            c => out.push(c),
        }
    }
    out
}

fn shape(s: &[usize]) -> String {
    format!("[{}]", s.iter().map(usize::to_string).collect::<Vec<_>>().join(","))
}

fn tensors(ts: &[TensorSummary], constant: bool) -> String {
    ts.iter()
        .filter(|t| t.constant == constant)
        .map(|t| format!("{}{}", t.dtype, shape(&t.shape)))
        .collect::<Vec<_>>()
        .join(" ")
}

impl ModelReport {
    /// The human-readable table `kiln inspect` prints.
    pub fn to_text(&self) -> String {
        let mut rows = vec![[
            "#".to_string(),
            "op".into(),
            "input".into(),
            "output".into(),
            "constants".into(),
            "quant".into(),
            "MACs".into(),
            "params".into(),
            "weight B".into(),
            "act B".into(),
            "arena".into(),
        ]];
        for l in &self.layers {
            let quant = l
                .inputs
                .iter()
                .find(|t| t.constant && t.quantization != "none")
                .map_or("-", |t| if t.quantization.starts_with("per-channel") { "per-channel" } else { "per-tensor" });
            rows.push([
                l.index.to_string(),
                if l.unsupported.is_some() { format!("{} (unsupported)", l.op) } else { l.op.clone() },
                tensors(&l.inputs, false),
                tensors(&l.outputs, false),
                tensors(&l.inputs, true),
                quant.to_string(),
                l.macs.to_string(),
                l.params.to_string(),
                l.weight_bytes.to_string(),
                l.activation_bytes.to_string(),
                l.arena.map_or_else(|| "-".to_string(), |(o, n)| format!("{o}+{n}")),
            ]);
        }
        let widths: Vec<usize> = (0..11).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
        let mut out = format!("{}\n", self.file);
        for (i, r) in rows.iter().enumerate() {
            let line: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    // Text columns left-aligned, numbers right-aligned.
                    if (6..=9).contains(&c) || c == 0 {
                        format!("{cell:>w$}", w = widths[c])
                    } else {
                        format!("{cell:<w$}", w = widths[c])
                    }
                })
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
            if i == 0 {
                out.push_str(&widths.iter().map(|&w| "-".repeat(w)).collect::<Vec<_>>().join("  "));
                out.push('\n');
            }
        }
        out.push_str(&format!("\nMACs:              {}\n", self.macs));
        out.push_str(&format!("parameters:        {}\n", self.params));
        out.push_str(&format!("weight bytes:      {} (flash)\n", self.weight_bytes));
        match (self.arena_bytes, self.arena_lower_bound) {
            (Some(a), Some(lb)) => {
                out.push_str(&format!("ARENA_BYTES:       {a}\n"));
                out.push_str(&format!("lower bound:       {lb} (most bytes alive at one op)\n"));
            }
            _ => out.push_str("ARENA_BYTES:       - (not planned: the model has unsupported ops)\n"),
        }
        if let Some(st) = self.state_bytes.filter(|&b| b > 0) {
            out.push_str(&format!("STATE_BYTES:       {st} (variable tensors, kept between inferences)\n"));
        }
        if let Some(p) = &self.patches {
            let base = self.macs - p.extra_macs;
            out.push_str(&format!(
                "patches:           ops #{}..#{} in {} row bands: +{} MACs recomputed ({:.1} %), arena {} without patches\n",
                p.ops[0],
                p.ops[p.ops.len() - 1],
                p.bands,
                p.extra_macs,
                100.0 * p.extra_macs as f64 / base.max(1) as f64,
                p.unpatched_arena
            ));
        }
        if !self.folded.is_empty() {
            let ops: Vec<String> = self.folded.iter().map(|(i, n)| format!("#{i} {n}")).collect();
            out.push_str(&format!("folded:            {} (computed at compile time, no code)\n", ops.join(", ")));
        }
        // Only models whose run time depends on the input have the line.
        if !self.data_dependent.is_empty() {
            out.push_str("run time:          data-dependent (`deterministic_timing` refuses the model):\n");
            for d in &self.data_dependent {
                out.push_str(&format!("                     {d}\n"));
            }
        }
        if !self.unsupported.is_empty() {
            out.push_str(&format!("\n{} unsupported op(s):\n", self.unsupported.len()));
            for u in &self.unsupported {
                out.push_str(&format!("  op #{} {}: {}\n", u.index, u.name, u.reason));
            }
        }
        out
    }

    /// Machine-readable form (`kiln inspect --json`).
    #[cfg(feature = "cli")]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let tensor = |t: &TensorSummary| {
            json!({
                "index": t.index, "name": t.name, "shape": t.shape, "dtype": t.dtype,
                "quantization": t.quantization, "constant": t.constant,
            })
        };
        let mut v = json!({
            "file": self.file,
            "inputs": self.inputs.iter().map(tensor).collect::<Vec<_>>(),
            "outputs": self.outputs.iter().map(tensor).collect::<Vec<_>>(),
            "layers": self.layers.iter().map(|l| json!({
                "index": l.index,
                "op": l.op,
                "inputs": l.inputs.iter().map(tensor).collect::<Vec<_>>(),
                "outputs": l.outputs.iter().map(tensor).collect::<Vec<_>>(),
                "options": l.summary,
                "macs": l.macs,
                "params": l.params,
                "weight_bytes": l.weight_bytes,
                "activation_bytes": l.activation_bytes,
                "arena_offset": l.arena.map(|a| a.0),
                "arena_size": l.arena.map(|a| a.1),
                "unsupported": l.unsupported,
            })).collect::<Vec<_>>(),
            "totals": {
                "macs": self.macs,
                "params": self.params,
                "weight_bytes": self.weight_bytes,
                "arena_bytes": self.arena_bytes,
                "arena_lower_bound": self.arena_lower_bound,
                "state_bytes": self.state_bytes,
            },
            "unsupported": self.unsupported.iter().map(|u| json!({"index": u.index, "op": u.name, "reason": u.reason})).collect::<Vec<_>>(),
        });
        // Only models with shape arithmetic have the key (older reports stay as they were).
        if let Some(p) = &self.patches {
            v["patches"] = json!({
                "ops": p.ops, "bands": p.bands, "extra_macs": p.extra_macs, "unpatched_arena_bytes": p.unpatched_arena,
            });
        }
        if !self.folded.is_empty() {
            v["folded"] = self.folded.iter().map(|(i, n)| json!({"index": i, "op": n})).collect();
        }
        // Only models whose run time depends on the input have the key.
        if !self.data_dependent.is_empty() {
            v["data_dependent_timing"] = json!(self.data_dependent);
        }
        v
    }

    /// Graphviz DOT: ops as boxes, activation tensors as edges labelled with their shape.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph model {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n");
        let mut producer = std::collections::HashMap::new();
        for t in &self.inputs {
            out.push_str(&format!("  t{} [shape=ellipse, label=\"input {}\\n{}{}\"];\n", t.index, esc(&t.name), t.dtype, shape(&t.shape)));
            producer.insert(t.index, format!("t{}", t.index));
        }
        for l in &self.layers {
            let color = if l.unsupported.is_some() { ", style=filled, fillcolor=\"#f4cccc\"" } else { "" };
            let macs = if l.macs > 0 { format!("\\n{} MACs", l.macs) } else { String::new() };
            out.push_str(&format!("  op{} [shape=box{color}, label=\"#{} {}{macs}\"];\n", l.index, l.index, l.op));
            for t in l.inputs.iter().filter(|t| !t.constant) {
                if let Some(p) = producer.get(&t.index) {
                    out.push_str(&format!("  {p} -> op{} [label=\"{}{}\"];\n", l.index, t.dtype, shape(&t.shape)));
                }
            }
            for t in &l.outputs {
                producer.insert(t.index, format!("op{}", l.index));
            }
        }
        for t in &self.outputs {
            out.push_str(&format!("  out{} [shape=ellipse, label=\"output {}\\n{}{}\"];\n", t.index, esc(&t.name), t.dtype, shape(&t.shape)));
            if let Some(p) = producer.get(&t.index) {
                out.push_str(&format!("  {p} -> out{};\n", t.index));
            }
        }
        out.push_str("}\n");
        out
    }
}
