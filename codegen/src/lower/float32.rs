//! float32 kernels of the core ops (conv, pooling, softmax, ...), float16 and dynamic-range weights.
//!
//! Float models carry no quantization: the lowering checks shapes and options, folds the bias
//! into an f32 literal slice and the fused activation into TFLite's float clamp range, and calls
//! the `*_f32` kernels, which follow TFLite's float reference kernels operation for operation.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::*;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "CONV_2D", dtype: DType::F32, lower: conv2d_float_input },
    Kernel { op: "DEPTHWISE_CONV_2D", dtype: DType::F32, lower: depthwise_conv2d_float_input },
    Kernel { op: "FULLY_CONNECTED", dtype: DType::F32, lower: fully_connected_float_input },
    Kernel { op: "AVERAGE_POOL_2D", dtype: DType::F32, lower: pool2d_f32 },
    Kernel { op: "MAX_POOL_2D", dtype: DType::F32, lower: pool2d_f32 },
    Kernel { op: "SOFTMAX", dtype: DType::F32, lower: softmax_f32 },
    Kernel { op: "DEQUANTIZE", dtype: DType::F16, lower: dequantize_f16 },
];

/// An f32 as a Rust expression that reads back to the same bits (`f32::MAX`/`f32::MIN` by name).
pub(crate) fn f32_tokens(v: f32) -> TokenStream {
    if v == f32::MAX {
        quote!(f32::MAX)
    } else if v == f32::MIN {
        quote!(f32::MIN)
    } else if v.is_sign_negative() {
        let lit = Literal::f32_unsuffixed(-v);
        quote!(-#lit)
    } else {
        let lit = Literal::f32_unsuffixed(v);
        quote!(#lit)
    }
}

/// TFLite's float activation range (`CalculateActivationRange<float>`): no activation is the
/// whole finite range, so the clamp is an identity on finite values as in TFLite.
fn f32_act_range(act: Activation) -> R<(f32, f32)> {
    match act {
        Activation::None => Ok((f32::MIN, f32::MAX)),
        Activation::Relu => Ok((0.0, f32::MAX)),
        Activation::Relu6 => Ok((0.0, 6.0)),
        Activation::ReluN1To1 => Ok((-1.0, 1.0)),
        other => unsupported(format!("fused activation {} is not supported on float32", other.name())),
    }
}

/// A constant float32 tensor's values (length checked against the shape).
fn f32_values(t: &Tensor, role: &str) -> R<Vec<f32>> {
    expect_dtype(t, DType::F32, role)?;
    let d = expect_const(t, role)?;
    if d.len() != t.elements() * 4 {
        return invalid(format!("{role} {} has {} data bytes, expected {}", t.label(), d.len(), t.elements() * 4));
    }
    Ok(d.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

/// The optional bias as literal f32s (empty when absent: the kernels then add 0.0, as TFLite).
fn f32_bias(bias: Option<&Tensor>, channels: usize) -> R<TokenStream> {
    let Some(b) = bias else { return Ok(quote!(&[])) };
    let v = f32_values(b, "bias")?;
    if v.len() != channels {
        return invalid(format!("bias {} has {} elements, expected {channels}", b.label(), v.len()));
    }
    if let Some(x) = v.iter().find(|x| !x.is_finite()) {
        return unsupported(format!("bias {} holds the non-finite value {x}", b.label()));
    }
    let items = v.iter().map(|&x| f32_tokens(x));
    Ok(quote!(&[#(#items),*]))
}

/// Input, filter and output of a float conv-family op, all f32, the filter constant; plus the
/// operand the kernel reads the filter from and the kernel name's suffix: the f32 constant
/// (`_f32`), or the float16 constant behind a DEQUANTIZE kept by `f16 = "keep"` (`_f16w`).
fn float_operands<'a>(cx: &Ctx<'a>) -> R<(&'a Tensor, &'a Tensor, &'a Tensor, Operand, &'static str)> {
    let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    for (t, r) in [(input, "input"), (filter, "filter"), (out, "output")] {
        expect_dtype(t, DType::F32, r)?;
    }
    if let Some(src) = kept_f16_source(cx, filter) {
        return Ok((input, filter, out, Operand::Const(src.index), "f16w"));
    }
    expect_const(filter, "filter")?;
    Ok((input, filter, out, Operand::Const(filter.index), "f32"))
}

/// Input, filter, output and the filter's bytes of a dynamic-range ("hybrid") conv-family op:
/// f32 input and output, a constant int8 filter.
fn hybrid_operands<'a>(cx: &Ctx<'a>) -> R<(&'a Tensor, &'a Tensor, &'a Tensor, &'a [u8])> {
    let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    expect_dtype(input, DType::F32, "input")?;
    expect_dtype(out, DType::F32, "output")?;
    expect_dtype(filter, DType::I8, "filter")?;
    let fdata = expect_const(filter, "filter")?;
    Ok((input, filter, out, fdata))
}

/// `conv2d` + `_f32` / `_f16w`, as the `&'static str` a [`Call`] names.
fn kernel_name(base: &str, suffix: &str) -> &'static str {
    match (base, suffix) {
        ("conv2d", "f16w") => "conv2d_f16w",
        ("depthwise_conv2d", "f16w") => "depthwise_conv2d_f16w",
        ("fully_connected", "f16w") => "fully_connected_f16w",
        ("depthwise_conv2d", _) => "depthwise_conv2d_f32",
        ("fully_connected", _) => "fully_connected_f32",
        _ => "conv2d_f32",
    }
}

/// Geometry shared by CONV_2D and DEPTHWISE_CONV_2D: checks the output shape against TFLite's
/// output size and returns `(output shape, padding, params fields, summary)`.
#[allow(clippy::too_many_arguments)]
fn float_spatial(
    input: &Tensor,
    out: &Tensor,
    [kh, kw]: [usize; 2],
    out_c: usize,
    padding: Padding,
    stride: [usize; 2],
    dilation: [usize; 2],
    activation: Activation,
) -> R<([usize; 4], TokenStream, String)> {
    let [n, h, w, c] = nhwc(input, "input")?;
    if stride.contains(&0) || dilation.contains(&0) || kh == 0 || kw == 0 {
        return invalid(format!("stride {stride:?}, dilation {dilation:?} and kernel {kh}x{kw} must be positive"));
    }
    let (oh, pad_h) = window(padding, h, kh, stride[0], dilation[0]);
    let (ow, pad_w) = window(padding, w, kw, stride[1], dilation[1]);
    let expect = [n, oh, ow, out_c];
    if out.shape != expect {
        return invalid(format!("output {} has shape {:?}, the options give {expect:?}", out.label(), out.shape));
    }
    let (lo, hi) = f32_act_range(activation)?;
    let (i4, o4, k, s, d, p) =
        (usizes(&[n, h, w, c]), usizes(&expect), usizes(&[kh, kw]), usizes(&stride), usizes(&dilation), usizes(&[pad_h, pad_w]));
    let (lo, hi) = (f32_tokens(lo), f32_tokens(hi));
    let fields = quote!(
        input: #i4, output: #o4, kernel: #k, stride: #s, dilation: #d, pad: #p, act_min: #lo, act_max: #hi,
    );
    let summary = format!(
        "{kh}x{kw} stride {}x{} dilation {}x{} {padding:?} padding {pad_h}/{pad_w}, {}, float32",
        stride[0],
        stride[1],
        dilation[0],
        dilation[1],
        activation.name()
    );
    Ok((expect, fields, summary))
}

/// CONV_2D with a float32 input: float32 weights, or int8 weights (dynamic range).
fn conv2d_float_input(cx: &Ctx<'_>) -> R<Vec<Step>> {
    match cx.input(1)?.dtype {
        DType::I8 => conv2d_hybrid(cx),
        _ => conv2d_f32(cx),
    }
}

/// Dynamic range CONV_2D (float32 input/output, int8 per-channel weights): LiteRT's reference
/// hybrid kernel.
fn conv2d_hybrid(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Conv2d { padding, stride, dilation, activation } = cx.op.options else {
        return invalid("missing Conv2DOptions");
    };
    let (input, filter, out, fdata) = hybrid_operands(cx)?;
    let [_, _, _, c] = nhwc(input, "input")?;
    let [oc, kh, kw, ic] = nhwc(filter, "filter")?;
    if ic != c {
        return unsupported(format!("grouped convolution (filter depth {ic}, input depth {c})"));
    }
    if fdata.len() != oc * kh * kw * ic {
        return invalid(format!("filter {} has {} bytes, expected {}", filter.label(), fdata.len(), oc * kh * kw * ic));
    }
    let scales = filter_scales(filter, oc, 0)?;
    if oc < 2 || scales.len() != oc {
        // Per-tensor hybrid conv is a different LiteRT kernel (symmetric input, im2col GEMM).
        return unsupported("dynamic-range CONV_2D with per-tensor weights (kiln supports per-channel)");
    }
    let (o4, fields, summary) = float_spatial(input, out, [kh, kw], oc, padding, stride, dilation, activation)?;
    let bias = f32_bias(cx.opt_input(2), oc)?;
    let fs = scales.iter().map(|&s| f32_tokens(s));
    let params = quote!(::kiln::ops::HybridConv2dParams { #fields filter_scales: &[#(#fs),*], bias: #bias, });
    Ok(vec![cx.step(
        vec![cx.operand(input), Operand::Const(filter.index)],
        out,
        Call::Params { func: "conv2d_hybrid", ty: "HybridConv2dParams", params },
        (o4.iter().product::<usize>() * kh * kw * ic) as u64,
        format!("{summary} (dynamic range: int8 per-channel weights)"),
    )])
}

fn conv2d_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Conv2d { padding, stride, dilation, activation } = cx.op.options else {
        return invalid("missing Conv2DOptions");
    };
    let (input, filter, out, weights, kind) = float_operands(cx)?;
    let [_, _, _, c] = nhwc(input, "input")?;
    let [oc, kh, kw, ic] = nhwc(filter, "filter")?;
    if ic != c {
        return unsupported(format!("grouped convolution (filter depth {ic}, input depth {c})"));
    }
    let (o4, fields, summary) = float_spatial(input, out, [kh, kw], oc, padding, stride, dilation, activation)?;
    let bias = f32_bias(cx.opt_input(2), oc)?;
    let params = quote!(::kiln::ops::Conv2dF32Params { #fields bias: #bias, });
    Ok(vec![cx.step(
        vec![cx.operand(input), weights],
        out,
        Call::Params { func: kernel_name("conv2d", kind), ty: "Conv2dF32Params", params },
        (o4.iter().product::<usize>() * kh * kw * ic) as u64,
        summary,
    )])
}

/// DEPTHWISE_CONV_2D with a float32 input: float32 weights, or int8 weights (dynamic range).
fn depthwise_conv2d_float_input(cx: &Ctx<'_>) -> R<Vec<Step>> {
    match cx.input(1)?.dtype {
        DType::I8 => depthwise_conv2d_hybrid(cx),
        _ => depthwise_conv2d_f32(cx),
    }
}

/// Dynamic range DEPTHWISE_CONV_2D (float32 input/output, int8 per-channel weights): LiteRT's
/// reference hybrid kernel.
fn depthwise_conv2d_hybrid(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::DepthwiseConv2d { padding, stride, dilation, activation, .. } = cx.op.options else {
        return invalid("missing DepthwiseConv2DOptions");
    };
    let (input, filter, out, fdata) = hybrid_operands(cx)?;
    let (_, [kh, kw], oc, dm) = depthwise_geometry(input, filter)?;
    if fdata.len() != kh * kw * oc {
        return invalid(format!("filter {} has {} bytes, expected {}", filter.label(), fdata.len(), kh * kw * oc));
    }
    let scales = filter_scales(filter, oc, 3)?;
    if oc < 2 || scales.len() != oc {
        return unsupported("dynamic-range DEPTHWISE_CONV_2D with per-tensor weights (kiln supports per-channel)");
    }
    let (o4, fields, summary) = float_spatial(input, out, [kh, kw], oc, padding, stride, dilation, activation)?;
    let bias = f32_bias(cx.opt_input(2), oc)?;
    let fs = scales.iter().map(|&s| f32_tokens(s));
    let params = quote!(::kiln::ops::HybridDepthwiseConv2dParams {
        depth_multiplier: #dm, #fields filter_scales: &[#(#fs),*], bias: #bias,
    });
    Ok(vec![cx.step(
        vec![cx.operand(input), Operand::Const(filter.index)],
        out,
        Call::Params { func: "depthwise_conv2d_hybrid", ty: "HybridDepthwiseConv2dParams", params },
        (o4.iter().product::<usize>() * kh * kw) as u64,
        format!("{summary}, depth multiplier {dm} (dynamic range: int8 per-channel weights)"),
    )])
}

fn depthwise_conv2d_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::DepthwiseConv2d { padding, stride, dilation, activation, .. } = cx.op.options else {
        return invalid("missing DepthwiseConv2DOptions");
    };
    let (input, filter, out, weights, kind) = float_operands(cx)?;
    let (_, [kh, kw], oc, dm) = depthwise_geometry(input, filter)?;
    let (o4, fields, summary) = float_spatial(input, out, [kh, kw], oc, padding, stride, dilation, activation)?;
    let bias = f32_bias(cx.opt_input(2), oc)?;
    let params = quote!(::kiln::ops::DepthwiseConv2dF32Params { depth_multiplier: #dm, #fields bias: #bias, });
    Ok(vec![cx.step(
        vec![cx.operand(input), weights],
        out,
        Call::Params { func: kernel_name("depthwise_conv2d", kind), ty: "DepthwiseConv2dF32Params", params },
        (o4.iter().product::<usize>() * kh * kw) as u64,
        format!("{summary}, depth multiplier {dm}"),
    )])
}

/// FULLY_CONNECTED with a float32 input: float32 weights, or int8 weights (dynamic range).
fn fully_connected_float_input(cx: &Ctx<'_>) -> R<Vec<Step>> {
    match cx.input(1)?.dtype {
        DType::I8 => fully_connected_hybrid(cx),
        _ => fully_connected_f32(cx),
    }
}

fn fully_connected_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::FullyConnected { activation, shuffled_weights, .. } = cx.op.options else {
        return invalid("missing FullyConnectedOptions");
    };
    if shuffled_weights {
        return unsupported("shuffled weights format");
    }
    let (input, filter, out, weights, kind) = float_operands(cx)?;
    let (batches, depth, od) = fc_geometry(input, filter, out)?;
    let (lo, hi) = f32_act_range(activation)?;
    let (lo, hi) = (f32_tokens(lo), f32_tokens(hi));
    let bias = f32_bias(cx.opt_input(2), od)?;
    let params = quote!(::kiln::ops::FullyConnectedF32Params {
        batches: #batches, input_depth: #depth, output_depth: #od, act_min: #lo, act_max: #hi, bias: #bias,
    });
    Ok(vec![cx.step(
        vec![cx.operand(input), weights],
        out,
        Call::Params { func: kernel_name("fully_connected", kind), ty: "FullyConnectedF32Params", params },
        (batches * depth * od) as u64,
        format!("{depth} → {od}, {batches} row(s), {}, float32", activation.name()),
    )])
}

/// Dynamic range FULLY_CONNECTED (float32 input/output, int8 weights): LiteRT's hybrid kernel.
fn fully_connected_hybrid(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::FullyConnected { activation, shuffled_weights, asymmetric_quantize_inputs, .. } = cx.op.options else {
        return invalid("missing FullyConnectedOptions");
    };
    if shuffled_weights {
        return unsupported("shuffled weights format");
    }
    let (input, filter, out, fdata) = hybrid_operands(cx)?;
    let (batches, depth, od) = fc_geometry(input, filter, out)?;
    if fdata.len() != od * depth {
        return invalid(format!("filter {} has {} bytes, expected {}", filter.label(), fdata.len(), od * depth));
    }
    // The kernel quantizes one input row into a stack buffer of this many bytes.
    const MAX_DEPTH: usize = 4096;
    if depth > MAX_DEPTH {
        return unsupported(format!("dynamic-range FULLY_CONNECTED with input depth {depth} (kiln supports up to {MAX_DEPTH})"));
    }
    let scales = filter_scales(filter, od, 0)?;
    if scales.len() > 1 && !asymmetric_quantize_inputs {
        // LiteRT's portable and x86 kernels disagree here (the portable one drops the
        // per-channel scales when inputs are quantized symmetrically); no converter emits it.
        return unsupported("dynamic-range FULLY_CONNECTED with per-channel weights and symmetric input quantization");
    }
    let row_sums: Vec<i32> =
        fdata.chunks_exact(depth).map(|r| r.iter().fold(0i32, |s, &w| s.wrapping_add(i32::from(w as i8)))).collect();
    let (lo, hi) = f32_act_range(activation)?;
    let (lo, hi) = (f32_tokens(lo), f32_tokens(hi));
    let bias = f32_bias(cx.opt_input(2), od)?;
    let fs = scales.iter().map(|&s| f32_tokens(s));
    let params = quote!(::kiln::ops::HybridFullyConnectedParams {
        batches: #batches, input_depth: #depth, output_depth: #od, asymmetric: #asymmetric_quantize_inputs,
        filter_scales: &[#(#fs),*], row_sums: &[#(#row_sums),*], bias: #bias, act_min: #lo, act_max: #hi,
    });
    Ok(vec![cx.step(
        vec![cx.operand(input), Operand::Const(filter.index)],
        out,
        Call::Params { func: "fully_connected_hybrid", ty: "HybridFullyConnectedParams", params },
        (batches * depth * od) as u64,
        format!(
            "{depth} → {od}, {batches} row(s), {}, dynamic range (int8 weights {}, {} input quantization)",
            activation.name(),
            if scales.len() > 1 { "per-channel" } else { "per-tensor" },
            if asymmetric_quantize_inputs { "asymmetric" } else { "symmetric" }
        ),
    )])
}

fn pool2d_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Pool2d { padding, stride, filter, activation } = cx.op.options else {
        return invalid("missing Pool2DOptions");
    };
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(input, DType::F32, "input")?;
    expect_dtype(out, DType::F32, "output")?;
    if stride.contains(&0) || filter.contains(&0) {
        return invalid(format!("stride {stride:?} and filter {filter:?} must be positive"));
    }
    let ([n, h, w, c], expect, [pad_h, pad_w]) = pool_geometry(input, out, padding, filter, stride)?;
    let (lo, hi) = f32_act_range(activation)?;
    let (lo, hi) = (f32_tokens(lo), f32_tokens(hi));
    let (i4, o4, k, s, p) = (usizes(&[n, h, w, c]), usizes(&expect), usizes(&filter), usizes(&stride), usizes(&[pad_h, pad_w]));
    let params = quote!(::kiln::ops::Pool2dF32Params {
        input: #i4, output: #o4, kernel: #k, stride: #s, pad: #p, act_min: #lo, act_max: #hi,
    });
    let func = if cx.op.name == "MAX_POOL_2D" { "max_pool2d_f32" } else { "average_pool2d_f32" };
    let summary = format!(
        "{}x{} stride {}x{} {padding:?} padding {pad_h}/{pad_w}, {}, float32",
        filter[0],
        filter[1],
        stride[0],
        stride[1],
        activation.name()
    );
    Ok(vec![cx.step(vec![cx.operand(input)], out, Call::Params { func, ty: "Pool2dF32Params", params }, 0, summary)])
}

fn softmax_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Softmax { beta } = cx.op.options else { return invalid("missing SoftmaxOptions") };
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(input, DType::F32, "input")?;
    expect_dtype(out, DType::F32, "output")?;
    if !beta.is_finite() {
        return invalid(format!("softmax beta is {beta}"));
    }
    let depth = input.shape.last().copied().unwrap_or(1);
    if depth == 0 || out.shape != input.shape {
        return invalid("output shape differs from the input's");
    }
    let rows = input.elements() / depth;
    let b = f32_tokens(beta);
    let params = quote!(::kiln::ops::SoftmaxF32Params { rows: #rows, depth: #depth, beta: #b });
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "softmax_f32", ty: "SoftmaxF32Params", params },
        0,
        format!("beta {beta}, {rows} row(s) of {depth}, float32"),
    )])
}

// ---- float16 weights ----
//
// The converter's float16 mode stores weights and biases as float16 constants, each widened by a
// DEQUANTIZE (float16 → float32) op that TFLite runs once at prepare time. Widening is exact
// (every f16 is an f32), so kiln folds it at compile time: [`prepare_f16`] gives the DEQUANTIZE
// output the widened f32 bytes, the DEQUANTIZE op lowers to nothing, and the consumer sees an
// ordinary f32 constant. With `f16 = "keep"` the filters of CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED stay float16 in flash (half the bytes) and the `*_f16w` kernels widen each
// weight as they read it; everything else (biases, other consumers) is still folded.

/// `f16` bits → the f32 with the same value (exact: f16 ⊂ f32).
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0f32 } else { 1.0 };
    let exp = (h >> 10) & 0x1f;
    let man = u32::from(h & 0x3ff);
    match exp {
        // Subnormal: man · 2^-24, exact in f32.
        0 => sign * man as f32 * f32::from_bits(0x3380_0000),
        0x1f if man == 0 => sign * f32::INFINITY,
        0x1f => f32::from_bits(0x7fc0_0000 | (man << 13) | (u32::from(h & 0x8000) << 16)),
        e => f32::from_bits((u32::from(h & 0x8000) << 16) | ((u32::from(e) + 112) << 23) | (man << 13)),
    }
}

/// The f32 little-endian bytes of f16 little-endian bytes.
fn widen_f16(bytes: &[u8]) -> Vec<u8> {
    bytes.chunks_exact(2).flat_map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])).to_le_bytes()).collect()
}

/// Ops whose filter (input 1) the `*_f16w` kernels read as float16.
const F16W_CONSUMERS: &[&str] = &["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"];

/// Where `t` is read: `(op name, input slot)` for every use.
fn uses(g: &Graph, t: usize) -> Vec<(&str, usize)> {
    g.ops
        .iter()
        .flat_map(|op| op.inputs.iter().enumerate().filter(move |(_, i)| **i == Some(t)).map(move |(k, _)| (op.name.as_str(), k)))
        .collect()
}

/// A float16 constant widened by a DEQUANTIZE: `(f16 tensor, f32 output tensor)` for op `op`.
fn f16_dequantize(g: &Graph, op: &Op) -> Option<(usize, usize)> {
    if op.name != "DEQUANTIZE" {
        return None;
    }
    let (Some(Some(src)), [out]) = (op.inputs.first(), op.outputs.as_slice()) else { return None };
    let (s, o) = (&g.tensors[*src], &g.tensors[*out]);
    let ok = s.dtype == DType::F16
        && o.dtype == DType::F32
        && s.data.as_ref().is_some_and(|d| d.len() == s.elements() * 2)
        && s.elements() == o.elements()
        && o.data.is_none();
    ok.then_some((*src, *out))
}

/// Whether the f16 constant `src` stays float16 in flash: `keep` mode and every use of the
/// DEQUANTIZE output `out` is a filter slot an `*_f16w` kernel reads.
fn kept_f16(g: &Graph, out: usize, keep: bool) -> bool {
    let u = uses(g, out);
    keep && !u.is_empty() && !g.outputs.contains(&out) && u.iter().all(|&(n, k)| k == 1 && F16W_CONSUMERS.contains(&n))
}

/// Folds every DEQUANTIZE of a float16 constant into an f32 constant, except (with `keep`) those
/// whose only uses are conv/FC filters, which the `*_f16w` kernels read as float16.
pub(crate) fn prepare_f16(g: &mut Graph, keep: bool) {
    let folds: Vec<(usize, usize)> = g
        .ops
        .iter()
        .filter_map(|op| f16_dequantize(g, op))
        .filter(|&(_, out)| !kept_f16(g, out, keep) && !g.outputs.contains(&out))
        .collect();
    for (src, out) in folds {
        let wide = widen_f16(g.tensors[src].data.as_deref().unwrap_or(&[]));
        g.tensors[out].data = Some(wide.into());
    }
}

/// The float16 constant behind a filter that [`prepare_f16`] kept as float16, if any.
fn kept_f16_source<'a>(cx: &Ctx<'a>, filter: &Tensor) -> Option<&'a Tensor> {
    cx.g.ops.iter().filter_map(|op| f16_dequantize(cx.g, op)).find(|&(_, out)| out == filter.index).map(|(src, _)| &cx.g.tensors[src])
}

/// DEQUANTIZE float16 → float32: no run-time code. [`prepare_f16`] folded the output into an f32
/// constant, or (keep mode) its consumers read the float16 constant directly.
fn dequantize_f16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(out, DType::F32, "output")?;
    expect_const(input, "float16 input")?;
    if input.elements() != out.elements() {
        return invalid(format!("input {} and output {} differ in size", input.label(), out.label()));
    }
    if out.is_const() || f16_dequantize(cx.g, cx.op).is_some_and(|(_, o)| kept_f16(cx.g, o, true)) {
        Ok(vec![])
    } else if cx.g.outputs.contains(&out.index) {
        unsupported(format!("float16 constant {} is a model output; kiln folds float16 weights only", input.label()))
    } else {
        // Only reachable if the float16 pass did not run before lowering (a kiln bug).
        invalid(format!("float16 constant {} was not folded before lowering", input.label()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every one of the 65536 float16 bit patterns against the definition
    /// `(−1)^s · 2^(e−15) · (1 + m/1024)` (`2^−14 · m/1024` for subnormals), computed in f64.
    #[test]
    fn f16_widening_is_exact_for_every_bit_pattern() {
        for h in 0..=u16::MAX {
            let (s, e, m) = ((h >> 15) as i32, ((h >> 10) & 0x1f) as i32, (h & 0x3ff) as f64);
            let sign = if s == 1 { -1.0 } else { 1.0 };
            let got = f16_to_f32(h);
            match e {
                0x1f if m == 0.0 => assert_eq!(got, sign as f32 * f32::INFINITY, "{h:#06x}"),
                0x1f => assert!(got.is_nan(), "{h:#06x}"),
                _ => {
                    let want = if e == 0 { sign * 2f64.powi(-14) * (m / 1024.0) } else { sign * 2f64.powi(e - 15) * (1.0 + m / 1024.0) };
                    assert_eq!(got as f64, want, "{h:#06x}");
                    assert_eq!(got.is_sign_negative(), s == 1, "{h:#06x} sign");
                }
            }
        }
    }

    #[test]
    fn f32_tokens_read_back_exactly() {
        for v in [0.0f32, -0.0, 1.0, -1.5, 0.1, 6.0, 1e-30, -3.4e38, f32::MIN_POSITIVE, f32::MAX, f32::MIN, 1.0e-45] {
            let text = f32_tokens(v).to_string().replace(' ', "");
            let back: f32 = match text.as_str() {
                "f32::MAX" => f32::MAX,
                "f32::MIN" => f32::MIN,
                t => t.parse().unwrap(),
            };
            assert_eq!(back.to_bits(), v.to_bits(), "{v:e} → {text}");
        }
    }
}
