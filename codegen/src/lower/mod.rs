//! Graph → steps: checks each op against what kiln supports and computes everything TFLM
//! computes at prepare time (output sizes, padding, folded biases, multipliers, clamps), so
//! the emitted code is a list of kernel calls with literal arguments.

use proc_macro2::TokenStream;
use quote::quote;

use crate::error::{Error, ErrorKind, UnsupportedOp};
pub(crate) use crate::ir::{Activation, DType, Graph, Op, Options, Padding, Tensor};
use crate::quant::{self, Requant};

mod add;
mod add_n;
mod binary;
mod circular_buffer;
mod concatenation;
mod conv;
mod cumsum;
mod custom;
pub(crate) mod detection_postprocess;
mod embedding_lookup;
mod float32;
mod int16;
mod mean;
mod movement;
mod pad;
mod pool;
mod quantize;
mod reduce;
mod reshape;
pub(crate) mod signal;
mod softmax;
mod state;
mod uint8;
mod unary;

/// Where a kernel argument comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// An activation tensor in the arena.
    Arena(usize),
    /// A constant tensor, emitted as aligned bytes in flash.
    Const(usize),
}

/// How the emitter spells the call.
#[derive(Clone, Debug)]
pub enum Call {
    /// `ops::<func>(&PARAMS, operands…, output)`; `ty` is the params struct.
    Params {
        /// The kernel, a path under `kiln::ops`.
        func: &'static str,
        /// The params struct's type.
        ty: &'static str,
        /// The struct literal, every field a constant.
        params: TokenStream,
    },
    /// `ops::<func>(operands…, output, scalars…)`.
    Scalars {
        /// The kernel, a path under `kiln::ops`.
        func: &'static str,
        /// The trailing constant arguments.
        scalars: TokenStream,
    },
    /// `ops::concatenation(outer, &[(operand, chunk bytes)…], output)`.
    Concat {
        /// Product of the dimensions before the axis.
        outer: usize,
        /// Per operand, the bytes it contributes to each outer slice.
        chunks: Vec<usize>,
    },
    /// `ops::<func>(&PARAMS, &[operand…], output)` (or without params): a kernel over any
    /// number of same-shaped operands (ADD_N).
    Slices {
        /// The kernel, a path under `kiln::ops`.
        func: &'static str,
        /// The params struct's type and literal, if the kernel takes one.
        params: Option<(&'static str, TokenStream)>,
    },
    /// The output is the input's bytes under another shape: no code, shared arena slot.
    Alias,
    /// `kiln::custom::call(&OP, [operand…], output, function)`: the user's function for a
    /// custom op (`custom_ops`); `op` is the `kiln::custom::Op<I, O>` literal.
    Custom {
        /// The user's function, a Rust path.
        function: TokenStream,
        /// Number of inputs.
        inputs: usize,
        /// Number of outputs.
        outputs: usize,
        /// The `kiln::custom::Op` literal.
        op: TokenStream,
    },
    /// A piece of an inlined IF or WHILE: a block marker (operand 0, the condition or a
    /// loop-carried tensor, is also the step's output, so the planner sees it used there) or a
    /// copy of operand 0 into the output.
    Flow(crate::ir::Flow),
    /// `len` bytes at byte `from` of the output tensor move to its start (`copy_within`): a
    /// patched stage's band buffer keeping the rows the next band shares with this one.
    CarryRows {
        /// Byte offset, in the output tensor, of the rows to keep.
        from: usize,
        /// Bytes to move.
        len: usize,
    },
}

#[derive(Clone, Debug)]
/// One layer as the generated code runs it: which op, on which tensors, through which kernel call.
pub struct Step {
    /// The op's index in the model.
    pub op_index: usize,
    /// The op's name (`CONV_2D`).
    pub op_name: String,
    /// The tensors the kernel reads, in its argument order.
    pub operands: Vec<Operand>,
    /// The tensor it writes.
    pub output: usize,
    /// How the generated code calls the kernel.
    pub call: Call,
    /// Multiply-accumulates per inference.
    pub macs: u64,
    /// Constant tensors the layer consumes as data (filters, biases, constant operands), for
    /// parameter and flash counts; shape and axis operands are not data.
    pub weights: Vec<usize>,
    /// One-line human description of the layer's options (for doc comments and reports).
    pub summary: String,
    /// The filter operand (operand 1) re-laid out at compile time for the kernel's inner loop
    /// (same bytes, another order); `lower_all` turns it into a constant tensor of its own.
    pub packed_filter: Option<std::sync::Arc<[u8]>>,
    /// Kernels for targets where they beat the main one, chosen at compile time in the
    /// generated code (mutually exclusive targets: at most one applies to any build).
    pub variants: Vec<Variant>,
    /// The runtime's kernel that picks between the `GEMM` (AVX-512 VNNI) and `SSE2` variants at
    /// start-up, given both their filters (`conv2d_s8_x86`): what a build of the runtime with
    /// its `std` feature calls instead of the compile-time choice (`kiln::if_x86_dispatch!`).
    pub x86_dispatch: Option<&'static str>,
    /// Set when the step computes one row band of its op's output in a patched stage
    /// (`max_arena_bytes`, see [`crate::patch`]).
    pub band: Option<crate::patch::Band>,
    /// Set when the step writes its output over its arena operand, whose buffer starts where
    /// the output's does (a tie of distance 0): the kernel takes one buffer,
    /// and the generated call passes that operand as no slice of its own (set by the in-place
    /// planner, `in_place.rs`, for `depthwise_conv2d_s8_3x3_in_place`).
    pub in_place: bool,
    /// Non-zero when the step's output is a scratch buffer of this many bytes rather than a
    /// tensor of the model (an op with several outputs or working memory writes there; later
    /// steps of the same op read it as `Operand::Arena(SCRATCH)`): the lowering makes it a
    /// tensor of its own, which the planner then places like any other.
    pub scratch: usize,
    /// The initial bytes of the op's own state, kept between inferences (a persistent buffer in
    /// TFLM, not a tensor of the model: a noise estimate, a framer's ring buffer); empty when it
    /// keeps none. Its steps read it as `Operand::Arena(STATE)`; the lowering makes it a
    /// variable tensor, which starts (and restarts on `reset`) as these bytes, as TFLM's
    /// Prepare and Reset leave the buffer.
    pub state: Vec<u8>,
}

/// Placeholder tensor index, within one op's steps, of the op's scratch buffer (see
/// [`Step::scratch`]).
pub(crate) const SCRATCH: usize = usize::MAX;

/// Placeholder tensor index, within one op's steps, of the op's own state (see [`Step::state`]).
pub(crate) const STATE: usize = usize::MAX - 1;

/// A second kernel for one step: on targets matching `gate` the generated code calls
/// `ops::<func>::<generics>(&PARAMS, operands…, output)` with operand 1 replaced by the filter
/// tensor `filter` (the model's own, or `layout` re-laid out for this kernel); elsewhere the
/// main call. Only the filter layout the target uses is compiled into it.
#[derive(Clone, Debug)]
pub struct Variant {
    pub gate: Gate,
    pub func: &'static str,
    pub generics: TokenStream,
    pub filter: usize,
    /// The filter in this kernel's order (same bytes); [`lower_all`] turns it into a constant
    /// tensor of its own and points `filter` at it.
    pub layout: Option<std::sync::Arc<[u8]>>,
    /// Suffix of the filter static's name (`…_FILTER_OHWI`, `…_FILTER_DSP`).
    pub filter_name: &'static str,
}

/// How the generated code recognises a variant's targets, at compile time.
#[derive(Clone, Debug)]
pub enum Gate {
    /// A `#[cfg(…)]` predicate the user's crate can evaluate (`target_feature = "avx2"`).
    Cfg(TokenStream),
    /// The runtime was built with its Arm DSP kernels (`cfg(kiln_arm_dsp)` in the `kiln` crate,
    /// which the user's crate cannot see: the generated code asks `kiln::if_arm_dsp!`).
    ArmDsp,
}

pub(crate) enum Fail {
    /// kiln cannot compile this (valid) op; collected so the user sees every one at once.
    Unsupported(String),
    /// The model is inconsistent; reported at once.
    Invalid(String),
}

pub(crate) type R<T> = Result<T, Fail>;

pub(crate) fn unsupported<T>(m: impl Into<String>) -> R<T> {
    Err(Fail::Unsupported(m.into()))
}
pub(crate) fn invalid<T>(m: impl Into<String>) -> R<T> {
    Err(Fail::Invalid(m.into()))
}

/// Lowers every op; fails on the first invalid op or if any op is unsupported.
pub fn lower(file: &str, graph: &mut Graph) -> Result<Vec<Step>, Error> {
    let (steps, bad) = lower_all(file, graph)?;
    if !bad.is_empty() {
        return Err(Error::new(file, ErrorKind::Unsupported(bad)));
    }
    check_boundary(file, graph)?;
    Ok(steps)
}

/// Lowers what it can: the steps of supported ops and the list of unsupported ones (for
/// reports on models kiln cannot compile yet). Invalid models still fail.
pub fn lower_all(file: &str, graph: &mut Graph) -> Result<(Vec<Step>, Vec<UnsupportedOp>), Error> {
    let mut steps = Vec::new();
    let mut bad = Vec::new();
    for i in 0..graph.ops.len() {
        let op = graph.ops[i].clone();
        match lower_op(graph, &op) {
            Ok(mut lowered) => {
                if let Some(bytes) = lowered.iter().map(|s| s.scratch).find(|&b| b > 0) {
                    // The op's scratch buffer: a new u8 activation tensor.
                    let index = graph.tensors.len();
                    graph.tensors.push(Tensor {
                        index,
                        name: format!("{} #{} scratch", op.name, op.index),
                        shape: vec![bytes],
                        dtype: DType::U8,
                        quant: None,
                        data: None,
                        is_variable: false,
                    });
                    for step in &mut lowered {
                        if step.output == SCRATCH {
                            step.output = index;
                        }
                        for o in &mut step.operands {
                            if *o == Operand::Arena(SCRATCH) {
                                *o = Operand::Arena(index);
                            }
                        }
                    }
                }
                if let Some(init) = lowered.iter().map(|s| &s.state).find(|s| !s.is_empty()).cloned() {
                    // The op's own state: a new uint8 variable tensor, which the planner
                    // places in the model's state.
                    let index = graph.tensors.len();
                    graph.tensors.push(Tensor {
                        index,
                        name: format!("{} #{} state", op.name, op.index),
                        shape: vec![init.len()],
                        dtype: DType::U8,
                        quant: None,
                        data: if init.iter().all(|&b| b == 0) { None } else { Some(init.into()) },
                        is_variable: true,
                    });
                    for step in &mut lowered {
                        for o in &mut step.operands {
                            if *o == Operand::Arena(STATE) {
                                *o = Operand::Arena(index);
                            }
                        }
                    }
                }
                for mut step in lowered {
                    if let (Some(data), Some(Operand::Const(f))) = (step.packed_filter.take(), step.operands.get(1).copied()) {
                        // A packed copy of the filter: a new constant tensor (same shape and byte count,
                        // the packed order) that this step reads; `weights` (what reports count) keeps
                        // the model's filter tensor.
                        let mut t = graph.tensors[f].clone();
                        t.index = graph.tensors.len();
                        t.data = Some(data);
                        step.operands[1] = Operand::Const(t.index);
                        graph.tensors.push(t);
                    }
                    for v in &mut step.variants {
                        if let Some(data) = v.layout.take() {
                            let mut t = graph.tensors[v.filter].clone();
                            t.index = graph.tensors.len();
                            t.data = Some(data);
                            v.filter = t.index;
                            graph.tensors.push(t);
                        }
                    }
                    // Constant folding of shape-only ops keeps weights flowing into later ops.
                    if let (Call::Alias, Some(&Operand::Const(src))) = (&step.call, step.operands.first()) {
                        graph.tensors[step.output].data = graph.tensors[src].data.clone();
                        continue;
                    }
                    steps.push(step)
                }
            }
            Err(Fail::Unsupported(reason)) => bad.push(UnsupportedOp { index: op.index, name: op.name.clone(), reason }),
            Err(Fail::Invalid(m)) => {
                return Err(Error::new(file, ErrorKind::Invalid(format!("op #{} {}: {m}", op.index, op.name))))
            }
        }
    }
    Ok((steps, bad))
}

/// The step of one [`crate::ir::Flow`] piece (see `crate::control_flow`).
fn control_flow(cx: &Ctx<'_>, flow: crate::ir::Flow) -> R<Vec<Step>> {
    use crate::ir::Flow;
    let input = cx.input(0)?;
    let (output, summary) = match flow {
        Flow::Copy => {
            let Some(&o) = cx.op.outputs.first() else { return invalid("a copy without an output") };
            let out = &cx.g.tensors[o];
            (out, format!("copy {} into {}", input.label(), out.label()))
        }
        Flow::IfBegin => (input, format!("if {}", input.label())),
        Flow::Else => (input, "else".into()),
        Flow::EndIf => (input, "end if".into()),
        Flow::LoopBegin => (input, "loop".into()),
        Flow::BreakUnless => (input, format!("break unless {}", input.label())),
        Flow::LoopEnd => (input, "end loop".into()),
    };
    Ok(vec![cx.step(vec![cx.operand(input)], output, Call::Flow(flow), 0, summary)])
}

/// Model inputs and outputs must be activations of a type the typed API can carry.
fn check_boundary(file: &str, graph: &Graph) -> Result<(), Error> {
    for &t in graph.inputs.iter().chain(&graph.outputs) {
        let tensor = &graph.tensors[t];
        if io_dtype(tensor.dtype).is_none() {
            return Err(Error::new(
                file,
                ErrorKind::Invalid(format!(
                    "model input/output {} has type {}, which kiln cannot pass in or out",
                    tensor.label(),
                    tensor.dtype.name()
                )),
            ));
        }
        if tensor.is_const() {
            return Err(Error::new(
                file,
                ErrorKind::Invalid(format!("model input/output {} is a constant", tensor.label())),
            ));
        }
        // The typed API carries one scale and zero point per boundary tensor (`INPUT_SCALE`, …).
        if let Some(q) = &tensor.quant {
            let z = q.zero_points[0];
            if let Err(Fail::Invalid(m) | Fail::Unsupported(m)) = check_scale(tensor, q.scales[0]) {
                return Err(Error::new(file, ErrorKind::Invalid(format!("model input/output: {m}"))));
            }
            if i32::try_from(z).is_err() {
                return Err(Error::new(
                    file,
                    ErrorKind::Invalid(format!("model input/output {} has zero point {z} out of range", tensor.label())),
                ));
            }
        }
    }
    Ok(())
}

/// The dtypes kiln accepts at the model boundary, as `kiln::DType` variant names.
pub fn io_dtype(d: DType) -> Option<&'static str> {
    Some(match d {
        DType::I8 => "Int8",
        DType::U8 => "UInt8",
        DType::I16 => "Int16",
        DType::I32 => "Int32",
        DType::I64 => "Int64",
        DType::U32 => "UInt32",
        DType::U64 => "UInt64",
        DType::F32 => "Float32",
        DType::Bool => "Bool",
        _ => return None,
    })
}

/// What a kernel's lowering function sees: the graph and the op being lowered.
pub(crate) struct Ctx<'a> {
    pub g: &'a Graph,
    pub op: &'a Op,
    /// Set when the op computes one row band of its output (a patch, see `patch.rs`): the
    /// band's own rows of padding above its input. Its input and output tensors are then the
    /// band's rows, and the output height is the band's, not the one the padding rule gives.
    pub band_pad_top: Option<usize>,
}

impl<'a> Ctx<'a> {
    /// Required input `i`.
    pub(crate) fn input(&self, i: usize) -> R<&'a Tensor> {
        match self.op.inputs.get(i) {
            Some(Some(t)) => Ok(&self.g.tensors[*t]),
            Some(None) => invalid(format!("required input {i} is omitted (−1)")),
            None => invalid(format!("has {} inputs, expected at least {}", self.op.inputs.len(), i + 1)),
        }
    }

    /// Optional input `i` (absent or −1).
    pub(crate) fn opt_input(&self, i: usize) -> Option<&'a Tensor> {
        self.op.inputs.get(i).copied().flatten().map(|t| &self.g.tensors[t])
    }

    pub(crate) fn output(&self) -> R<&'a Tensor> {
        match self.op.outputs.as_slice() {
            [t] => Ok(&self.g.tensors[*t]),
            o => unsupported(format!("{} outputs (kiln supports ops with one output)", o.len())),
        }
    }

    /// A step of this op; constant operands count as its weights (and a conv-family bias,
    /// folded into the params, too).
    pub(crate) fn step(&self, operands: Vec<Operand>, output: &Tensor, call: Call, macs: u64, summary: String) -> Step {
        let op = self.op;
        let mut weights: Vec<usize> =
            operands.iter().filter_map(|o| if let Operand::Const(t) = o { Some(*t) } else { None }).collect();
        if matches!(&call, Call::Params { ty, .. } if ty.contains("Conv2d") || ty.contains("FullyConnected")) {
            weights.extend(op.inputs.get(2).copied().flatten());
        }
        Step {
            op_index: op.index,
            op_name: op.name.clone(),
            operands,
            output: output.index,
            call,
            macs,
            weights,
            summary,
            packed_filter: None,
            variants: Vec::new(),
            x86_dispatch: None,
            band: None,
            in_place: false,
            scratch: 0,
            state: Vec::new(),
        }
    }

    pub(crate) fn operand(&self, t: &Tensor) -> Operand {
        if t.is_const() {
            Operand::Const(t.index)
        } else {
            Operand::Arena(t.index)
        }
    }
}

pub(crate) fn expect_dtype(t: &Tensor, want: DType, role: &str) -> R<()> {
    if t.dtype == want {
        Ok(())
    } else {
        unsupported(format!("{role} {} is {}, kiln supports {} here", t.label(), t.dtype.name(), want.name()))
    }
}

pub(crate) fn expect_const<'t>(t: &'t Tensor, role: &str) -> R<&'t [u8]> {
    match &t.data {
        Some(d) => Ok(d),
        None => unsupported(format!("{role} {} is computed at run time; kiln needs it constant", t.label())),
    }
}

/// Per-tensor `(scale, zero_point)`, checked: TFLM requires a positive finite scale.
pub(crate) fn per_tensor(t: &Tensor) -> R<(f32, i32)> {
    let q = match &t.quant {
        Some(q) => q,
        None => return invalid(format!("{} ({}) has no quantization parameters", t.label(), t.dtype.name())),
    };
    if q.is_per_channel() {
        return unsupported(format!("{} is quantized per channel here; kiln expects one scale", t.label()));
    }
    let (s, z) = (q.scales[0], q.zero_points[0]);
    check_scale(t, s)?;
    let z = i32::try_from(z).ok().filter(|z| (-32768..=65535).contains(z));
    match z {
        Some(z) => Ok((s, z)),
        None => invalid(format!("{} has zero point {} out of range", t.label(), q.zero_points[0])),
    }
}

pub(crate) fn check_scale(t: &Tensor, s: f32) -> R<()> {
    if s.is_finite() && s > 0.0 {
        Ok(())
    } else {
        invalid(format!("{} has quantization scale {s}; scales must be positive and finite", t.label()))
    }
}

/// Filter scales (per tensor or per output channel `channels` along `axis`), zero points all 0.
pub(crate) fn filter_scales(t: &Tensor, channels: usize, axis: usize) -> R<Vec<f32>> {
    let q = match &t.quant {
        Some(q) => q,
        None => return invalid(format!("filter {} has no quantization parameters", t.label())),
    };
    if q.is_per_channel() && (q.axis != axis || q.scales.len() != channels) {
        return invalid(format!(
            "filter {} has {} scales on axis {}, expected {channels} on axis {axis}",
            t.label(),
            q.scales.len(),
            q.axis
        ));
    }
    if q.zero_points.iter().any(|&z| z != 0) {
        return unsupported(format!("filter {} has a non-zero zero point (int8 filters are symmetric)", t.label()));
    }
    for &s in &q.scales {
        check_scale(t, s)?;
    }
    Ok(q.scales.clone())
}

/// Shape as NHWC with batch 1 or more; kiln's spatial kernels take rank-4 tensors.
pub(crate) fn nhwc(t: &Tensor, role: &str) -> R<[usize; 4]> {
    match t.shape.as_slice() {
        &[n, h, w, c] => Ok([n, h, w, c]),
        s => invalid(format!("{role} {} has shape {s:?}, expected rank 4 (NHWC)", t.label())),
    }
}

pub(crate) fn act_range(act: Activation, out: &Tensor, (scale, zp): (f32, i32)) -> R<(i32, i32)> {
    match quant::activation_range(act, scale, zp, -128, 127) {
        Some(r) => Ok(r),
        None => unsupported(format!("fused activation {} is not supported on int8", act.name())),
    }
    .and_then(|r| if r.0 <= r.1 { Ok(r) } else { invalid(format!("fused {} on {} leaves an empty range", act.name(), out.label())) })
}

/// TFLM's output size and leading padding for one spatial dimension.
pub(crate) fn window(padding: Padding, input: usize, filter: usize, stride: usize, dilation: usize) -> (usize, usize) {
    let effective = (filter - 1) * dilation + 1;
    let out = match padding {
        Padding::Same => input.div_ceil(stride),
        Padding::Valid => (input + stride).saturating_sub(effective) / stride,
    };
    let total = ((out.max(1) - 1) * stride + effective).saturating_sub(input);
    (out, total / 2)
}

/// The geometry every 2-D pool lowering checks (AVERAGE/MAX_POOL_2D on every type, L2_POOL_2D):
/// the NHWC input, the output TFLM's padding rule gives (checked against the model's), and the
/// leading padding `[rows, columns]`.
pub(crate) fn pool_geometry(
    input: &Tensor,
    out: &Tensor,
    padding: Padding,
    filter: [usize; 2],
    stride: [usize; 2],
) -> R<([usize; 4], [usize; 4], [usize; 2])> {
    let [n, h, w, c] = nhwc(input, "input")?;
    let (oh, pad_h) = window(padding, h, filter[0], stride[0], 1);
    let (ow, pad_w) = window(padding, w, filter[1], stride[1], 1);
    let expect = [n, oh, ow, c];
    if out.shape != expect {
        return invalid(format!("output {} has shape {:?}, the options give {expect:?}", out.label(), out.shape));
    }
    Ok(([n, h, w, c], expect, [pad_h, pad_w]))
}

/// FULLY_CONNECTED's shapes, checked: weights `[units, depth]`, the input read as rows of `depth`
/// (any shape with a multiple of `depth` elements, as TFLM), the output `rows × units`.
/// Returns `(batches, depth, units)`.
pub(crate) fn fc_geometry(input: &Tensor, filter: &Tensor, out: &Tensor) -> R<(usize, usize, usize)> {
    let &[od, depth] = filter.shape.as_slice() else {
        return invalid(format!("filter {} has shape {:?}, expected [units, depth]", filter.label(), filter.shape));
    };
    if depth == 0 || input.elements() % depth != 0 {
        return invalid(format!("input {} has {} elements, not a multiple of depth {depth}", input.label(), input.elements()));
    }
    let batches = input.elements() / depth;
    if out.elements() != batches * od {
        return invalid(format!("output {} has {} elements, expected {}", out.label(), out.elements(), batches * od));
    }
    Ok((batches, depth, od))
}

/// DEPTHWISE_CONV_2D's shapes, checked: NHWC input, filter `[1, kh, kw, out_c]` with `out_c` a
/// multiple of the input depth. The depth multiplier follows from the shapes, as in TFLM (the
/// option field is advisory). Returns `(batches, [kh, kw], out_c, multiplier)`.
pub(crate) fn depthwise_geometry(input: &Tensor, filter: &Tensor) -> R<(usize, [usize; 2], usize, usize)> {
    let [n, _, _, c] = nhwc(input, "input")?;
    let [one, kh, kw, oc] = nhwc(filter, "filter")?;
    if one != 1 || c == 0 || oc % c != 0 {
        return invalid(format!("filter shape {:?} does not fit input depth {c}", filter.shape));
    }
    Ok((n, [kh, kw], oc, oc / c))
}

/// A per-channel table of factors, as `kiln::fixed_point::PackedRequant`s (one byte of shift).
/// A factor whose exponent does not fit a byte (a scale ratio beyond 2^127, which no trained
/// layer has) is refused rather than truncated.
pub(crate) fn requant_tokens(r: &[Requant]) -> R<TokenStream> {
    let mut items = Vec::with_capacity(r.len());
    for (c, r) in r.iter().enumerate() {
        let Ok(s) = i8::try_from(r.shift) else {
            return unsupported(format!(
                "output channel {c}: requantization shift {} (input scale × filter scale / output scale ≈ 2^{}) does not fit kiln's one-byte exponent (−128..=127)",
                r.shift,
                r.shift - 1
            ));
        };
        let m = r.multiplier;
        items.push(quote!(::kiln::fixed_point::PackedRequant { multiplier: #m, shift: #s }));
    }
    Ok(quote!(&[#(#items),*]))
}

pub(crate) fn one_requant(r: Requant) -> TokenStream {
    let (m, s) = (r.multiplier, r.shift);
    quote!(::kiln::fixed_point::Requant { multiplier: #m, shift: #s })
}

pub(crate) fn usizes(v: &[usize]) -> TokenStream {
    quote!([#(#v),*])
}

/// One kernel kiln can emit: `op` on element type `dtype` (see [`kernel_dtype`]). The registry
/// of all of them drives lowering, `kiln inspect` and the op table in the README, so what the
/// docs claim and what the compiler does cannot drift apart.
pub(crate) struct Kernel {
    pub op: &'static str,
    pub dtype: DType,
    pub lower: fn(&Ctx<'_>) -> R<Vec<Step>>,
}

/// Every family's kernels. One file per op family; a new op is a `Kernel` line in its file.
const FAMILIES: &[&[Kernel]] = &[
    conv::KERNELS,
    pool::KERNELS,
    reshape::KERNELS,
    softmax::KERNELS,
    add::KERNELS,
    add_n::KERNELS,
    cumsum::KERNELS,
    detection_postprocess::KERNELS,
    embedding_lookup::KERNELS,
    mean::KERNELS,
    pad::KERNELS,
    concatenation::KERNELS,
    quantize::KERNELS,
    binary::KERNELS,
    unary::KERNELS,
    movement::KERNELS,
    reduce::KERNELS,
    float32::KERNELS,
    int16::KERNELS,
    state::KERNELS,
    uint8::KERNELS,
    signal::KERNELS,
    circular_buffer::KERNELS,
];

fn kernels() -> impl Iterator<Item = &'static Kernel> {
    FAMILIES.iter().flat_map(|f| f.iter())
}

/// `(op, dtype)` for every kernel in the registry, in registry order.
pub fn supported_kernels() -> Vec<(&'static str, DType)> {
    kernels().map(|k| (k.op, k.dtype)).collect()
}

/// The element type that selects an op's kernel: the type of the data the op computes on.
/// That is its first input's, except where the first input is a condition or a shape:
/// QUANTIZE is keyed on what it produces (float32 → int8 and int8 → int8 are both "QUANTIZE
/// int8"), SELECT/SELECT_V2 on the values (input 1, after the bool condition), SPLIT on the
/// tensor it splits (input 1, after the axis), FILL on the fill value (input 1, after dims),
/// EMBEDDING_LOOKUP on its table (input 1, after the ids) and
/// TRANSPOSE_CONV on its data (input 2, after the output shape and the filter).
pub(crate) fn kernel_dtype(g: &Graph, op: &Op) -> Option<DType> {
    let t = match op.name.as_str() {
        "QUANTIZE" => op.outputs.first().copied(),
        "SELECT" | "SELECT_V2" | "SPLIT" | "FILL" | "EMBEDDING_LOOKUP" => op.inputs.get(1).copied().flatten(),
        "TRANSPOSE_CONV" => op.inputs.get(2).copied().flatten(),
        _ => op.inputs.first().copied().flatten(),
    };
    t.map(|t| g.tensors[t].dtype)
}

fn lower_op(g: &Graph, op: &Op) -> R<Vec<Step>> {
    if let Options::Flow(flow) = op.options {
        return control_flow(&Ctx { g, op, band_pad_top: None }, flow);
    }
    if op.code == crate::schema::BuiltinOperator::CUSTOM.0 {
        let code = match &op.options {
            Options::Custom { code, .. } => code.as_str(),
            _ => op.name.strip_prefix("CUSTOM(").and_then(|c| c.strip_suffix(')')).unwrap_or(&op.name),
        };
        if let Options::Custom { function: Some(f), .. } = &op.options {
            return custom::lower_user(&Ctx { g, op, band_pad_top: None }, f);
        }
        if !kernels().any(|k| k.op == op.name) {
            return unsupported(format!(
                "custom op `{code}`: kiln has no kernel for it; map it to your own function with \
                 `custom_ops = {{ \"{code}\" => crate::path::to::function }}` (include_model!), \
                 `Config::custom_op` (build.rs) or `--custom-op {code}=crate::path::to::function` (kiln generate)"
            ));
        }
    }
    let candidates: Vec<&Kernel> = kernels().filter(|k| k.op == op.name).collect();
    if candidates.is_empty() {
        return unsupported("kiln has no kernel for this op yet");
    }
    let Some(dtype) = kernel_dtype(g, op) else {
        return invalid("has no inputs");
    };
    match candidates.iter().find(|k| k.dtype == dtype) {
        Some(k) => (k.lower)(&Ctx { g, op, band_pad_top: None }),
        None => {
            let have: Vec<&str> = candidates.iter().map(|k| k.dtype.name()).collect();
            unsupported(format!("{} on {} is not supported (kiln has: {})", op.name, dtype.name(), have.join(", ")))
        }
    }
}

/// Attaches the user's functions (`custom_ops`: custom code → Rust path) to the model's custom
/// ops. A code the model does not use, a code given twice or a path that is not a Rust path is
/// an error (a typo would otherwise silently leave the op unmapped).
pub fn map_custom_ops(file: &str, graph: &mut Graph, custom_ops: &[(String, String)]) -> Result<(), Error> {
    let err = |m: String| Err(Error::new(file, ErrorKind::Invalid(m)));
    for (k, (code, path)) in custom_ops.iter().enumerate() {
        if custom_ops[..k].iter().any(|(c, _)| c == code) {
            return err(format!("custom_ops: `{code}` is mapped twice"));
        }
        if syn::parse_str::<syn::Path>(path).is_err() {
            return err(format!("custom_ops: `{path}` (for `{code}`) is not a Rust path such as `crate::ops::my_op`"));
        }
        let mut used = false;
        for op in &mut graph.ops {
            if let Options::Custom { code: c, function, .. } = &mut op.options {
                if c == code {
                    *function = Some(path.clone());
                    used = true;
                }
            }
        }
        if !used {
            let mut have: Vec<&str> = graph
                .ops
                .iter()
                .filter_map(|o| if let Options::Custom { code, .. } = &o.options { Some(code.as_str()) } else { None })
                .collect();
            have.sort_unstable();
            have.dedup();
            let have = if have.is_empty() { "none".to_string() } else { have.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ") };
            return err(format!("custom_ops maps `{code}`, but the model has no custom op `{code}` (its custom ops: {have})"));
        }
    }
    Ok(())
}

/// Lowers one row band of an int8 CONV_2D, DEPTHWISE_CONV_2D or ADD (`op` rewired to the band's
/// input and output tensors) with `pad_top` rows of padding above the band's input.
pub(crate) fn lower_band(g: &Graph, op: &Op, pad_top: usize) -> R<Vec<Step>> {
    match (op.name.as_str(), kernel_dtype(g, op)) {
        ("CONV_2D" | "DEPTHWISE_CONV_2D" | "ADD", Some(DType::I8)) => {}
        _ => return unsupported(format!("{} cannot run in row bands", op.name)),
    }
    let k = kernels().find(|k| k.op == op.name && k.dtype == DType::I8).expect("registered");
    (k.lower)(&Ctx { g, op, band_pad_top: Some(pad_top) })
}

/// Values of a constant int32/int64 operand (axes, paddings).
pub(crate) fn int_values(t: &Tensor, role: &str) -> R<Vec<i64>> {
    let d = expect_const(t, role)?;
    match t.dtype {
        DType::I32 => Ok(d.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect()),
        DType::I64 => Ok(d.chunks_exact(8).map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect()),
        other => invalid(format!("{role} {} is {}, expected int32 or int64", t.label(), other.name())),
    }
}

/// NumPy broadcasting of two shapes.
pub(crate) fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i < n - a.len() { 1 } else { a[i - (n - a.len())] };
        let db = if i < n - b.len() { 1 } else { b[i - (n - b.len())] };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// Left-pads a shape with 1s to rank 4.
pub(crate) fn rank4(s: &[usize]) -> R<[usize; 4]> {
    if s.len() > 4 {
        return unsupported(format!("rank {} (kiln broadcasts up to rank 4)", s.len()));
    }
    let mut out = [1; 4];
    out[4 - s.len()..].copy_from_slice(s);
    Ok(out)
}

/// Compile-time preparation of float16 weights (the converter's float16 constants + DEQUANTIZE):
/// folded to f32 constants, or with `keep` left float16 for conv/FC filters. Runs before [`lower`].
pub(crate) fn prepare_f16_weights(graph: &mut Graph, keep: bool) {
    float32::prepare_f16(graph, keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A factor whose exponent needs more than a byte is refused by channel, not truncated into
    /// the one-byte `PackedRequant` (which would silently rescale that channel).
    #[test]
    fn a_shift_beyond_a_byte_is_refused_by_channel() {
        let fine = Requant { multiplier: 1 << 30, shift: -7 };
        assert!(requant_tokens(&[fine, Requant { multiplier: 1 << 30, shift: 127 }]).is_ok());
        let Err(Fail::Unsupported(text)) = requant_tokens(&[fine, Requant { multiplier: 1 << 30, shift: 128 }]) else {
            panic!("shift 128 not refused as unsupported");
        };
        assert!(text.contains("output channel 1") && text.contains("shift 128"), "{text}");
    }
}
