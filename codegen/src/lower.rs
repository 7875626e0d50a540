//! Graph → steps: checks each op against what kiln supports and computes everything TFLM
//! computes at prepare time (output sizes, padding, folded biases, multipliers, clamps), so
//! the emitted code is a list of kernel calls with literal arguments.

use proc_macro2::TokenStream;
use quote::quote;

use crate::error::{Error, ErrorKind, UnsupportedOp};
use crate::ir::{Activation, DType, Graph, Op, Options, Padding, Tensor};
use crate::quant::{self, Requant};

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
    Params { func: &'static str, ty: &'static str, params: TokenStream },
    /// `ops::<func>(operands…, output, scalars…)`.
    Scalars { func: &'static str, scalars: TokenStream },
    /// `ops::concatenation(outer, &[(operand, chunk bytes)…], output)`.
    Concat { outer: usize, chunks: Vec<usize> },
    /// The output is the input's bytes under another shape: no code, shared arena slot.
    Alias,
}

#[derive(Clone, Debug)]
pub struct Step {
    pub op_index: usize,
    pub op_name: String,
    pub operands: Vec<Operand>,
    pub output: usize,
    pub call: Call,
    pub macs: u64,
    /// Constant tensors the layer consumes as data (filters, biases, constant operands), for
    /// parameter and flash counts; shape and axis operands are not data.
    pub weights: Vec<usize>,
    /// One-line human description of the layer's options (for doc comments and reports).
    pub summary: String,
}

enum Fail {
    /// kiln cannot compile this (valid) op; collected so the user sees every one at once.
    Unsupported(String),
    /// The model is inconsistent; reported at once.
    Invalid(String),
}

type R<T> = Result<T, Fail>;

fn unsupported<T>(m: impl Into<String>) -> R<T> {
    Err(Fail::Unsupported(m.into()))
}
fn invalid<T>(m: impl Into<String>) -> R<T> {
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
            Ok(step) => {
                // Constant folding of shape-only ops keeps weights flowing into later ops.
                if let (Call::Alias, Some(&Operand::Const(src))) = (&step.call, step.operands.first()) {
                    graph.tensors[step.output].data = graph.tensors[src].data.clone();
                    continue;
                }
                steps.push(step)
            }
            Err(Fail::Unsupported(reason)) => bad.push(UnsupportedOp { index: op.index, name: op.name.clone(), reason }),
            Err(Fail::Invalid(m)) => {
                return Err(Error::new(file, ErrorKind::Invalid(format!("op #{} {}: {m}", op.index, op.name))))
            }
        }
    }
    Ok((steps, bad))
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
        DType::F32 => "Float32",
        _ => return None,
    })
}

struct Ctx<'a> {
    g: &'a Graph,
    op: &'a Op,
}

impl<'a> Ctx<'a> {
    /// Required input `i`.
    fn input(&self, i: usize) -> R<&'a Tensor> {
        match self.op.inputs.get(i) {
            Some(Some(t)) => Ok(&self.g.tensors[*t]),
            Some(None) => invalid(format!("required input {i} is omitted (−1)")),
            None => invalid(format!("has {} inputs, expected at least {}", self.op.inputs.len(), i + 1)),
        }
    }

    /// Optional input `i` (absent or −1).
    fn opt_input(&self, i: usize) -> Option<&'a Tensor> {
        self.op.inputs.get(i).copied().flatten().map(|t| &self.g.tensors[t])
    }

    fn output(&self) -> R<&'a Tensor> {
        match self.op.outputs.as_slice() {
            [t] => Ok(&self.g.tensors[*t]),
            o => unsupported(format!("{} outputs (kiln supports ops with one output)", o.len())),
        }
    }

    fn operand(&self, t: &Tensor) -> Operand {
        if t.is_const() {
            Operand::Const(t.index)
        } else {
            Operand::Arena(t.index)
        }
    }
}

fn expect_dtype(t: &Tensor, want: DType, role: &str) -> R<()> {
    if t.dtype == want {
        Ok(())
    } else {
        unsupported(format!("{role} {} is {}, kiln supports {} here", t.label(), t.dtype.name(), want.name()))
    }
}

fn expect_const<'t>(t: &'t Tensor, role: &str) -> R<&'t [u8]> {
    match &t.data {
        Some(d) => Ok(d),
        None => unsupported(format!("{role} {} is computed at run time; kiln needs it constant", t.label())),
    }
}

/// Per-tensor `(scale, zero_point)`, checked: TFLM requires a positive finite scale.
fn per_tensor(t: &Tensor) -> R<(f32, i32)> {
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

fn check_scale(t: &Tensor, s: f32) -> R<()> {
    if s.is_finite() && s > 0.0 {
        Ok(())
    } else {
        invalid(format!("{} has quantization scale {s}; scales must be positive and finite", t.label()))
    }
}

/// Filter scales (per tensor or per output channel `channels` along `axis`), zero points all 0.
fn filter_scales(t: &Tensor, channels: usize, axis: usize) -> R<Vec<f32>> {
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
fn nhwc(t: &Tensor, role: &str) -> R<[usize; 4]> {
    match t.shape.as_slice() {
        &[n, h, w, c] => Ok([n, h, w, c]),
        s => invalid(format!("{role} {} has shape {s:?}, expected rank 4 (NHWC)", t.label())),
    }
}

fn act_range(act: Activation, out: &Tensor, (scale, zp): (f32, i32)) -> R<(i32, i32)> {
    match quant::activation_range(act, scale, zp, -128, 127) {
        Some(r) => Ok(r),
        None => unsupported(format!("fused activation {} is not supported on int8", act.name())),
    }
    .and_then(|r| if r.0 <= r.1 { Ok(r) } else { invalid(format!("fused {} on {} leaves an empty range", act.name(), out.label())) })
}

/// TFLM's output size and leading padding for one spatial dimension.
fn window(padding: Padding, input: usize, filter: usize, stride: usize, dilation: usize) -> (usize, usize) {
    let effective = (filter - 1) * dilation + 1;
    let out = match padding {
        Padding::Same => input.div_ceil(stride),
        Padding::Valid => (input + stride).saturating_sub(effective) / stride,
    };
    let total = ((out.max(1) - 1) * stride + effective).saturating_sub(input);
    (out, total / 2)
}

fn requant_tokens(r: &[Requant]) -> TokenStream {
    let items = r.iter().map(|r| {
        let (m, s) = (r.multiplier, r.shift);
        quote!(::kiln::fixed_point::Requant { multiplier: #m, shift: #s })
    });
    quote!(&[#(#items),*])
}

fn one_requant(r: Requant) -> TokenStream {
    let (m, s) = (r.multiplier, r.shift);
    quote!(::kiln::fixed_point::Requant { multiplier: #m, shift: #s })
}

fn usizes(v: &[usize]) -> TokenStream {
    quote!([#(#v),*])
}

/// Bias with `-input_zero_point * Σ filter` folded in, per output channel. Exact: i32
/// arithmetic wraps, and wrapping is a ring homomorphism, so the kernel's `bias + Σ x·w`
/// equals TFLM's `bias + Σ (x - zp)·w` bit for bit even in the (theoretical) overflow case.
fn folded_bias(bias: Option<&Tensor>, filter: &[u8], channels: usize, channel_of: impl Fn(usize) -> usize, input_zp: i32) -> R<Vec<i32>> {
    let mut sums = vec![0i32; channels];
    for (i, &w) in filter.iter().enumerate() {
        let c = channel_of(i);
        sums[c] = sums[c].wrapping_add(w as i8 as i32);
    }
    let raw: Vec<i32> = match bias {
        None => vec![0; channels],
        Some(b) => {
            expect_dtype(b, DType::I32, "bias")?;
            let d = expect_const(b, "bias")?;
            if b.elements() != channels {
                return invalid(format!("bias {} has {} elements, expected {channels}", b.label(), b.elements()));
            }
            d.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
        }
    };
    Ok(raw.iter().zip(&sums).map(|(&b, &s)| b.wrapping_sub(input_zp.wrapping_mul(s))).collect())
}

fn lower_op(g: &Graph, op: &Op) -> R<Step> {
    let cx = Ctx { g, op };
    let step = |operands: Vec<Operand>, output: &Tensor, call: Call, macs: u64, summary: String| {
        let mut weights: Vec<usize> =
            operands.iter().filter_map(|o| if let Operand::Const(t) = o { Some(*t) } else { None }).collect();
        // Conv-family biases are folded into the params rather than passed as operands.
        if matches!(&call, Call::Params { ty, .. } if ty.contains("Conv2d") || ty.contains("FullyConnected")) {
            weights.extend(op.inputs.get(2).copied().flatten());
        }
        Step { op_index: op.index, op_name: op.name.clone(), operands, output: output.index, call, macs, weights, summary }
    };
    match op.name.as_str() {
        "CONV_2D" => {
            let Options::Conv2d { padding, stride, dilation, activation } = op.options else {
                return invalid("missing Conv2DOptions");
            };
            let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
            for (t, r) in [(input, "input"), (filter, "filter"), (out, "output")] {
                expect_dtype(t, DType::I8, r)?;
            }
            let [n, _, _, c] = nhwc(input, "input")?;
            let [oc, kh, kw, ic] = nhwc(filter, "filter")?;
            expect_const(filter, "filter")?;
            if ic != c {
                return unsupported(format!("grouped convolution (filter depth {ic}, input depth {c})"));
            }
            let per_ch = kh * kw * ic;
            let opts = ConvOptions { padding, stride, dilation, activation };
            let conv = spatial_conv(&cx, input, filter, out, [kh, kw], oc, 0, |i| i / per_ch, &opts)?;
            let fields = &conv.fields;
            let params = quote!(::kiln::ops::Conv2dParams { #fields });
            let [oh, ow] = conv.out_hw;
            Ok(step(
                vec![cx.operand(input), Operand::Const(filter.index)],
                out,
                Call::Params { func: "conv2d_s8", ty: "Conv2dParams", params },
                (n * oh * ow * oc * kh * kw * ic) as u64,
                format!("{}, {}", conv.geometry, conv.quantization),
            ))
        }
        "DEPTHWISE_CONV_2D" => {
            let Options::DepthwiseConv2d { padding, stride, dilation, activation, .. } = op.options else {
                return invalid("missing DepthwiseConv2DOptions");
            };
            let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
            for (t, r) in [(input, "input"), (filter, "filter"), (out, "output")] {
                expect_dtype(t, DType::I8, r)?;
            }
            let [n, _, _, c] = nhwc(input, "input")?;
            let [one, kh, kw, oc] = nhwc(filter, "filter")?;
            expect_const(filter, "filter")?;
            if one != 1 || c == 0 || oc % c != 0 {
                return invalid(format!("filter shape {:?} does not fit input depth {c}", filter.shape));
            }
            // TFLM derives the multiplier from the shapes too; the option field is advisory.
            let dm = oc / c;
            let opts = ConvOptions { padding, stride, dilation, activation };
            let conv = spatial_conv(&cx, input, filter, out, [kh, kw], oc, 3, |i| i % oc, &opts)?;
            let fields = &conv.fields;
            let params = quote!(::kiln::ops::DepthwiseConv2dParams { depth_multiplier: #dm, #fields });
            let [oh, ow] = conv.out_hw;
            Ok(step(
                vec![cx.operand(input), Operand::Const(filter.index)],
                out,
                Call::Params { func: "depthwise_conv2d_s8", ty: "DepthwiseConv2dParams", params },
                (n * oh * ow * oc * kh * kw) as u64,
                format!("{}, depth multiplier {dm}, {}", conv.geometry, conv.quantization),
            ))
        }
        "FULLY_CONNECTED" => {
            let Options::FullyConnected { activation, shuffled_weights, .. } = op.options else {
                return invalid("missing FullyConnectedOptions");
            };
            if shuffled_weights {
                return unsupported("shuffled weights format");
            }
            let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
            for (t, r) in [(input, "input"), (filter, "filter"), (out, "output")] {
                expect_dtype(t, DType::I8, r)?;
            }
            let fdata = expect_const(filter, "filter")?;
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
            let (in_s, in_zp) = per_tensor(input)?;
            let (out_s, out_zp) = per_tensor(out)?;
            let scales = filter_scales(filter, od, 0)?;
            let requant: Vec<Requant> = if scales.len() > 1 {
                scales.iter().map(|&fs| quant::quantize_multiplier(in_s as f64 * fs as f64 / out_s as f64)).collect()
            } else {
                // TFLM's per-tensor path multiplies the two scales in single precision first.
                vec![quant::quantize_multiplier((in_s * scales[0]) as f64 / out_s as f64)]
            };
            let bias = folded_bias(cx.opt_input(2), fdata, od, |i| i / depth, in_zp)?;
            let (act_min, act_max) = act_range(activation, out, (out_s, out_zp))?;
            let rq = requant_tokens(&requant);
            let params = quote!(::kiln::ops::FullyConnectedParams {
                batches: #batches, input_depth: #depth, output_depth: #od,
                output_zero_point: #out_zp, act_min: #act_min, act_max: #act_max,
                bias: &[#(#bias),*], requant: #rq,
            });
            let summary = format!(
                "{depth} → {od}, {} row(s), {}, {}",
                batches,
                activation.name(),
                if scales.len() > 1 { "per-channel" } else { "per-tensor" }
            );
            Ok(step(
                vec![cx.operand(input), Operand::Const(filter.index)],
                out,
                Call::Params { func: "fully_connected_s8", ty: "FullyConnectedParams", params },
                (batches * depth * od) as u64,
                summary,
            ))
        }
        "AVERAGE_POOL_2D" | "MAX_POOL_2D" => {
            let Options::Pool2d { padding, stride, filter, activation } = op.options else {
                return invalid("missing Pool2DOptions");
            };
            let (input, out) = (cx.input(0)?, cx.output()?);
            expect_dtype(input, DType::I8, "input")?;
            expect_dtype(out, DType::I8, "output")?;
            let [n, h, w, c] = nhwc(input, "input")?;
            let (oh, pad_h) = window(padding, h, filter[0], stride[0], 1);
            let (ow, pad_w) = window(padding, w, filter[1], stride[1], 1);
            let expect = [n, oh, ow, c];
            if out.shape != expect {
                return invalid(format!("output {} has shape {:?}, the options give {expect:?}", out.label(), out.shape));
            }
            let (in_q, out_q) = (per_tensor(input)?, per_tensor(out)?);
            if in_q != out_q {
                return unsupported("input and output quantization differ (TFLM requires them equal)");
            }
            let (act_min, act_max) = act_range(activation, out, out_q)?;
            let (i4, o4, k, s, p) = (usizes(&[n, h, w, c]), usizes(&expect), usizes(&filter), usizes(&stride), usizes(&[pad_h, pad_w]));
            let params = quote!(::kiln::ops::Pool2dParams {
                input: #i4, output: #o4, kernel: #k, stride: #s, pad: #p, act_min: #act_min, act_max: #act_max,
            });
            let func = if op.name == "MAX_POOL_2D" { "max_pool2d_s8" } else { "average_pool2d_s8" };
            let summary = format!(
                "{}x{} stride {}x{} {padding:?} padding {pad_h}/{pad_w}, {}",
                filter[0],
                filter[1],
                stride[0],
                stride[1],
                activation.name()
            );
            Ok(step(vec![cx.operand(input)], out, Call::Params { func, ty: "Pool2dParams", params }, 0, summary))
        }
        "RESHAPE" | "SQUEEZE" | "EXPAND_DIMS" => {
            let (input, out) = (cx.input(0)?, cx.output()?);
            if input.dtype != out.dtype || input.elements() != out.elements() {
                return invalid(format!(
                    "{} ({:?} {}) and {} ({:?} {}) differ in size or type",
                    input.label(),
                    input.shape,
                    input.dtype.name(),
                    out.label(),
                    out.shape,
                    out.dtype.name()
                ));
            }
            if input.quant != out.quant && input.dtype == DType::I8 {
                return unsupported("input and output quantization differ");
            }
            Ok(step(vec![cx.operand(input)], out, Call::Alias, 0, format!("{:?} → {:?}", input.shape, out.shape)))
        }
        "SOFTMAX" => {
            let Options::Softmax { beta } = op.options else { return invalid("missing SoftmaxOptions") };
            let (input, out) = (cx.input(0)?, cx.output()?);
            expect_dtype(input, DType::I8, "input")?;
            expect_dtype(out, DType::I8, "output")?;
            let (in_s, _) = per_tensor(input)?;
            let (out_s, out_zp) = per_tensor(out)?;
            if out_zp != -128 || (out_s - 1.0 / 256.0).abs() > 0.001 * (1.0 / 256.0) {
                return invalid(format!(
                    "int8 softmax output {} must have zero point -128 and scale 1/256 (has {out_zp} and {out_s})",
                    out.label()
                ));
            }
            let depth = *input.shape.last().unwrap_or(&1);
            if depth == 0 || out.shape != input.shape {
                return invalid("output shape differs from the input's");
            }
            let rows = input.elements() / depth;
            const SCALED_DIFF_INTEGER_BITS: i32 = 5;
            // TFLM's QuantizeMultiplierGreaterThanOne aborts at prepare time unless
            // beta × scale × 2^26 exceeds 1; kiln rejects the model instead.
            let real = beta as f64 * in_s as f64 * (1i64 << (31 - SCALED_DIFF_INTEGER_BITS)) as f64;
            if !(real > 1.0) {
                return invalid(format!(
                    "beta {beta} × input scale {in_s} is too small (TFLM requires beta × scale × 2^26 > 1)"
                ));
            }
            let r = quant::softmax_input_scaling(beta, in_s, SCALED_DIFF_INTEGER_BITS);
            let diff_min = -quant::input_radius(SCALED_DIFF_INTEGER_BITS, r.shift);
            let (m, s) = (r.multiplier, r.shift);
            let params = quote!(::kiln::ops::SoftmaxParams {
                rows: #rows, depth: #depth, input_multiplier: #m, input_left_shift: #s, diff_min: #diff_min,
            });
            Ok(step(
                vec![cx.operand(input)],
                out,
                Call::Params { func: "softmax_s8", ty: "SoftmaxParams", params },
                0,
                format!("beta {beta}, {rows} row(s) of {depth}"),
            ))
        }
        "ADD" => {
            let Options::Add { activation } = op.options else { return invalid("missing AddOptions") };
            let (a, b, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
            for (t, r) in [(a, "input 1"), (b, "input 2"), (out, "output")] {
                expect_dtype(t, DType::I8, r)?;
            }
            let shape = broadcast(&a.shape, &b.shape).ok_or_else(|| {
                Fail::Invalid(format!("shapes {:?} and {:?} do not broadcast", a.shape, b.shape))
            })?;
            if shape != out.shape {
                return invalid(format!("output {} has shape {:?}, broadcasting gives {shape:?}", out.label(), out.shape));
            }
            let (s1, z1) = per_tensor(a)?;
            let (s2, z2) = per_tensor(b)?;
            let (so, zo) = per_tensor(out)?;
            const LEFT_SHIFT: i32 = 20;
            let twice_max = 2.0 * s1.max(s2) as f64;
            let r1 = quant::quantize_multiplier(s1 as f64 / twice_max);
            let r2 = quant::quantize_multiplier(s2 as f64 / twice_max);
            let ro = quant::quantize_multiplier(twice_max / ((1i64 << LEFT_SHIFT) as f64 * so as f64));
            let (act_min, act_max) = act_range(activation, out, (so, zo))?;
            let (sa, sb, so4) = (usizes(&rank4(&a.shape)?), usizes(&rank4(&b.shape)?), usizes(&rank4(&shape)?));
            let (q1, q2, qo) = (one_requant(r1), one_requant(r2), one_requant(ro));
            let (o1, o2) = (-z1, -z2);
            let params = quote!(::kiln::ops::AddParams {
                input1_offset: #o1, input2_offset: #o2, left_shift: #LEFT_SHIFT,
                input1_requant: #q1, input2_requant: #q2, output_requant: #qo,
                output_offset: #zo, act_min: #act_min, act_max: #act_max,
                input1_shape: #sa, input2_shape: #sb, output_shape: #so4,
            });
            let summary = format!("{:?} + {:?}, {}", a.shape, b.shape, activation.name());
            Ok(step(
                vec![cx.operand(a), cx.operand(b)],
                out,
                Call::Params { func: "add_s8", ty: "AddParams", params },
                0,
                summary,
            ))
        }
        "MEAN" => {
            let Options::Reducer { .. } = op.options else { return invalid("missing ReducerOptions") };
            let (input, axes_t, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
            expect_dtype(input, DType::I8, "input")?;
            expect_dtype(out, DType::I8, "output")?;
            let rank = input.shape.len();
            let axes = int_values(axes_t, "axes")?;
            let mut reduce = vec![false; rank];
            for &a in &axes {
                let a = if a < 0 { a + rank as i64 } else { a };
                if a < 0 || a as usize >= rank {
                    return invalid(format!("axis {a} out of range for rank {rank}"));
                }
                reduce[a as usize] = true;
            }
            let first = reduce.iter().position(|&r| r);
            let last = reduce.iter().rposition(|&r| r);
            let (Some(first), Some(last)) = (first, last) else {
                return unsupported("MEAN over no axes");
            };
            if reduce[first..=last].iter().any(|&r| !r) {
                return unsupported(format!("MEAN over non-adjacent axes {axes:?}"));
            }
            let outer: usize = input.shape[..first].iter().product();
            let reduced: usize = input.shape[first..=last].iter().product();
            let inner: usize = input.shape[last + 1..].iter().product();
            if out.elements() != outer * inner || reduced == 0 {
                return invalid(format!("output {} has {} elements, expected {}", out.label(), out.elements(), outer * inner));
            }
            let (in_s, in_zp) = per_tensor(input)?;
            let (out_s, out_zp) = per_tensor(out)?;
            let rq = one_requant(quant::quantize_multiplier(in_s as f64 / out_s as f64));
            let params = quote!(::kiln::ops::MeanParams {
                outer: #outer, reduced: #reduced, inner: #inner,
                input_zero_point: #in_zp, output_zero_point: #out_zp, requant: #rq,
            });
            Ok(step(
                vec![cx.operand(input)],
                out,
                Call::Params { func: "mean_s8", ty: "MeanParams", params },
                0,
                format!("axes {axes:?}: {outer} × {reduced} × {inner}"),
            ))
        }
        "PAD" | "PADV2" => {
            let (input, pads, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
            expect_dtype(input, DType::I8, "input")?;
            expect_dtype(out, DType::I8, "output")?;
            if per_tensor(input)? != per_tensor(out)? {
                return unsupported("input and output quantization differ");
            }
            let p = int_values(pads, "paddings")?;
            let rank = input.shape.len();
            // Each padding is at most 2^31 (tensors are below 2 GiB), so the sums below cannot overflow.
            if rank > 4 || p.len() != rank * 2 || p.iter().any(|&v| !(0..=1 << 31).contains(&v)) {
                return invalid(format!("paddings {p:?} do not fit rank {rank} (≤ 4, non-negative)"));
            }
            let value = if op.name == "PADV2" {
                match cx.opt_input(2) {
                    Some(v) => {
                        expect_dtype(v, DType::I8, "constant value")?;
                        let d = expect_const(v, "constant value")?;
                        d[0] as i8
                    }
                    None => per_tensor(out)?.1 as i8,
                }
            } else {
                per_tensor(out)?.1 as i8
            };
            let lead = 4 - rank;
            let mut before = [0usize; 4];
            let mut shape_in = [1usize; 4];
            let mut shape_out = [1usize; 4];
            for d in 0..rank {
                before[lead + d] = p[2 * d] as usize;
                shape_in[lead + d] = input.shape[d];
                shape_out[lead + d] = input.shape[d] + p[2 * d] as usize + p[2 * d + 1] as usize;
            }
            if out.shape[..] != shape_out[lead..] {
                return invalid(format!("output {} has shape {:?}, the paddings give {:?}", out.label(), out.shape, &shape_out[lead..]));
            }
            let (si, so, b) = (usizes(&shape_in), usizes(&shape_out), usizes(&before));
            let params = quote!(::kiln::ops::PadParams { input: #si, output: #so, before: #b, value: #value });
            Ok(step(
                vec![cx.operand(input)],
                out,
                Call::Params { func: "pad_s8", ty: "PadParams", params },
                0,
                format!("paddings {p:?}, value {value}"),
            ))
        }
        "CONCATENATION" => {
            let Options::Concatenation { axis, activation } = op.options else {
                return invalid("missing ConcatenationOptions");
            };
            let out = cx.output()?;
            let rank = out.shape.len() as i32;
            let ax = if axis < 0 { axis + rank } else { axis };
            if ax < 0 || ax >= rank {
                return invalid(format!("axis {axis} out of range for rank {rank}"));
            }
            let ax = ax as usize;
            if activation != Activation::None {
                return unsupported(format!("fused activation {}", activation.name()));
            }
            let size = match out.dtype.size() {
                Some(s) if io_dtype(out.dtype).is_some() => s,
                _ => return unsupported(format!("type {}", out.dtype.name())),
            };
            let outer: usize = out.shape[..ax].iter().product();
            let inner: usize = out.shape[ax + 1..].iter().product();
            let mut operands = Vec::new();
            let mut chunks = Vec::new();
            let mut total = 0;
            for i in 0..op.inputs.len() {
                let t = cx.input(i)?;
                if t.dtype != out.dtype || t.shape.len() != out.shape.len() {
                    return invalid(format!("input {} does not match the output's type and rank", t.label()));
                }
                if t.dtype == DType::I8 && per_tensor(t)? != per_tensor(out)? {
                    return unsupported(format!(
                        "input {} is quantized differently from the output (TFLM does not rescale either)",
                        t.label()
                    ));
                }
                for d in 0..t.shape.len() {
                    if d != ax && t.shape[d] != out.shape[d] {
                        return invalid(format!("input {} shape {:?} does not fit output {:?}", t.label(), t.shape, out.shape));
                    }
                }
                total += t.shape[ax];
                chunks.push(t.shape[ax] * inner * size);
                operands.push(cx.operand(t));
            }
            if total != out.shape[ax] {
                return invalid(format!("inputs add up to {total} along axis {ax}, output has {}", out.shape[ax]));
            }
            Ok(step(operands, out, Call::Concat { outer, chunks }, 0, format!("{} inputs along axis {ax}", op.inputs.len())))
        }
        "QUANTIZE" => {
            let (input, out) = (cx.input(0)?, cx.output()?);
            expect_dtype(out, DType::I8, "output")?;
            if input.elements() != out.elements() {
                return invalid("input and output sizes differ");
            }
            let (os, oz) = per_tensor(out)?;
            match input.dtype {
                DType::F32 => Ok(step(
                    vec![cx.operand(input)],
                    out,
                    Call::Scalars { func: "quantize_f32_s8", scalars: quote!(#os, #oz) },
                    0,
                    format!("float32 → int8 (scale {os}, zero point {oz})"),
                )),
                DType::I8 => {
                    let (is, iz) = per_tensor(input)?;
                    let rq = one_requant(quant::quantize_multiplier(is as f64 / os as f64));
                    Ok(step(
                        vec![cx.operand(input)],
                        out,
                        Call::Scalars { func: "requantize_s8", scalars: quote!(#iz, #oz, #rq) },
                        0,
                        format!("int8 → int8 (scale {is} → {os})"),
                    ))
                }
                other => unsupported(format!("QUANTIZE from {}", other.name())),
            }
        }
        "DEQUANTIZE" => {
            let (input, out) = (cx.input(0)?, cx.output()?);
            expect_dtype(input, DType::I8, "input")?;
            expect_dtype(out, DType::F32, "output")?;
            if input.elements() != out.elements() {
                return invalid("input and output sizes differ");
            }
            let (s, z) = per_tensor(input)?;
            Ok(step(
                vec![cx.operand(input)],
                out,
                Call::Scalars { func: "dequantize_s8_f32", scalars: quote!(#s, #z) },
                0,
                format!("int8 → float32 (scale {s}, zero point {z})"),
            ))
        }
        _ if op.code == crate::schema::BuiltinOperator::CUSTOM.0 => {
            let code = op.name.strip_prefix("CUSTOM(").and_then(|c| c.strip_suffix(')')).unwrap_or(&op.name);
            unsupported(format!("custom op `{code}`: kiln compiles builtin ops only"))
        }
        _ => unsupported("kiln has no kernel for this op yet"),
    }
}

/// The options CONV_2D and DEPTHWISE_CONV_2D share.
struct ConvOptions {
    padding: Padding,
    stride: [usize; 2],
    dilation: [usize; 2],
    activation: Activation,
}

/// What CONV_2D and DEPTHWISE_CONV_2D share once each has read its filter layout.
struct SpatialConv {
    /// The params fields both structs have (shapes, window, zero points, clamp, bias, requant).
    fields: TokenStream,
    out_hw: [usize; 2],
    /// `3x3 stride 2x2 dilation 1x1 Same padding 0/0`
    geometry: String,
    /// `RELU6, per-channel`
    quantization: String,
}

/// Output geometry and padding as TFLM computes them, per-channel multipliers from TFLM's
/// double-precision product `input_scale · filter_scale / output_scale`, the folded bias and the
/// activation clamp. `channel_of` maps a filter byte index to its output channel.
#[allow(clippy::too_many_arguments)]
fn spatial_conv(
    cx: &Ctx<'_>,
    input: &Tensor,
    filter: &Tensor,
    out: &Tensor,
    [kh, kw]: [usize; 2],
    out_channels: usize,
    filter_axis: usize,
    channel_of: impl Fn(usize) -> usize,
    o: &ConvOptions,
) -> R<SpatialConv> {
    let [n, h, w, c] = nhwc(input, "input")?;
    let fdata = expect_const(filter, "filter")?;
    let (oh, pad_h) = window(o.padding, h, kh, o.stride[0], o.dilation[0]);
    let (ow, pad_w) = window(o.padding, w, kw, o.stride[1], o.dilation[1]);
    let expect = [n, oh, ow, out_channels];
    if out.shape != expect {
        return invalid(format!("output {} has shape {:?}, the options give {expect:?}", out.label(), out.shape));
    }
    let (in_s, in_zp) = per_tensor(input)?;
    let (out_s, out_zp) = per_tensor(out)?;
    let scales = filter_scales(filter, out_channels, filter_axis)?;
    let requant: Vec<Requant> =
        scales.iter().map(|&fs| quant::quantize_multiplier(in_s as f64 * fs as f64 / out_s as f64)).collect();
    let bias = folded_bias(cx.opt_input(2), fdata, out_channels, channel_of, in_zp)?;
    let (act_min, act_max) = act_range(o.activation, out, (out_s, out_zp))?;
    let (i4, o4, k, s, d, p) = (
        usizes(&[n, h, w, c]),
        usizes(&expect),
        usizes(&[kh, kw]),
        usizes(&o.stride),
        usizes(&o.dilation),
        usizes(&[pad_h, pad_w]),
    );
    let rq = requant_tokens(&requant);
    let fields = quote!(
        input: #i4, output: #o4, kernel: #k, stride: #s, dilation: #d, pad: #p,
        input_zero_point: #in_zp, output_zero_point: #out_zp, act_min: #act_min, act_max: #act_max,
        bias: &[#(#bias),*], requant: #rq,
    );
    let geometry = format!(
        "{kh}x{kw} stride {}x{} dilation {}x{} {:?} padding {pad_h}/{pad_w}",
        o.stride[0], o.stride[1], o.dilation[0], o.dilation[1], o.padding
    );
    let quantization =
        format!("{}, {}", o.activation.name(), if scales.len() > 1 { "per-channel" } else { "per-tensor" });
    Ok(SpatialConv { fields, out_hw: [oh, ow], geometry, quantization })
}

/// Values of a constant int32/int64 operand (axes, paddings).
fn int_values(t: &Tensor, role: &str) -> R<Vec<i64>> {
    let d = expect_const(t, role)?;
    match t.dtype {
        DType::I32 => Ok(d.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect()),
        DType::I64 => Ok(d.chunks_exact(8).map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect()),
        other => invalid(format!("{role} {} is {}, expected int32 or int64", t.label(), other.name())),
    }
}

/// NumPy broadcasting of two shapes.
fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
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
fn rank4(s: &[usize]) -> R<[usize; 4]> {
    if s.len() > 4 {
        return unsupported(format!("rank {} (kiln broadcasts up to rank 4)", s.len()));
    }
    let mut out = [1; 4];
    out[4 - s.len()..].copy_from_slice(s);
    Ok(out)
}
