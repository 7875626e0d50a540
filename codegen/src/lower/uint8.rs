//! uint8 ops of TF1's `quantized_uint8` models (asymmetric per-tensor uint8 activations and
//! weights), lowered as LiteRT's reference kernels prepare them (TFLM no longer has them).
//! Every offset, multiplier and clamp is computed here; `kiln::ops::uint8` only runs the loops.
//! QUANTIZE to uint8 is keyed on its output and lives in `quantize.rs`.

use proc_macro2::TokenStream;
use quote::quote;

use super::conv::{ConvGeometry, ConvOptions};
use super::*;
use crate::quant::{self, Requant};

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "CONV_2D", dtype: DType::U8, lower: conv2d_u8 },
    Kernel { op: "DEPTHWISE_CONV_2D", dtype: DType::U8, lower: depthwise_conv2d_u8 },
    Kernel { op: "FULLY_CONNECTED", dtype: DType::U8, lower: fully_connected_u8 },
    Kernel { op: "AVERAGE_POOL_2D", dtype: DType::U8, lower: pool2d_u8 },
    Kernel { op: "MAX_POOL_2D", dtype: DType::U8, lower: pool2d_u8 },
    Kernel { op: "SOFTMAX", dtype: DType::U8, lower: softmax_u8 },
    Kernel { op: "CONCATENATION", dtype: DType::U8, lower: concatenation_u8 },
    Kernel { op: "ADD", dtype: DType::U8, lower: add_u8 },
    Kernel { op: "RESHAPE", dtype: DType::U8, lower: super::reshape::alias },
    Kernel { op: "SQUEEZE", dtype: DType::U8, lower: super::reshape::alias },
    Kernel { op: "DEQUANTIZE", dtype: DType::U8, lower: dequantize_u8 },
];

/// The fused activation's clamp on a uint8 output (LiteRT's `CalculateActivationRangeQuantized`).
pub(super) fn act_range_u8(act: Activation, out: &Tensor, (scale, zp): (f32, i32)) -> R<(i32, i32)> {
    match quant::activation_range(act, scale, zp, 0, 255) {
        Some((lo, hi)) if lo <= hi => Ok((lo, hi)),
        Some(_) => invalid(format!("fused {} on {} leaves an empty range", act.name(), out.label())),
        None => unsupported(format!("fused activation {} is not supported on uint8", act.name())),
    }
}

/// Per-tensor `(scale, zero point)` of a uint8 tensor, the zero point inside 0..=255.
fn quant_u8(t: &Tensor, role: &str) -> R<(f32, i32)> {
    expect_dtype(t, DType::U8, role)?;
    if t.quant.as_ref().is_some_and(|q| q.is_per_channel()) {
        return unsupported(format!(
            "{role} {} is uint8 quantized per channel; uint8 (TF1 quantized_uint8) is per-tensor only, \
             as in LiteRT's uint8 kernels",
            t.label()
        ));
    }
    let (s, z) = per_tensor(t)?;
    if !(0..=255).contains(&z) {
        return invalid(format!("{role} {} is uint8 with zero point {z}, outside 0..=255", t.label()));
    }
    Ok((s, z))
}

/// LiteRT's output multiplier, then `QuantizeMultiplier`. Its conv and depthwise prepare
/// (`GetQuantizedConvolutionMultipler`) multiply the input and filter scales in f32 and divide
/// in f64; its FULLY_CONNECTED prepare computes all in f64. Measured: either product on the
/// other op family makes a multiplier one unit off (`u8_concat`'s conv, `u8_fc`).
fn conv_multiplier(input_scale: f32, filter_scale: f32, output_scale: f32, f64_product: bool) -> Requant {
    let product = if f64_product { input_scale as f64 * filter_scale as f64 } else { (input_scale * filter_scale) as f64 };
    quant::quantize_multiplier(product / output_scale as f64)
}

/// The int32 bias (zeros when the op has none), `channels` long.
fn raw_bias(bias: Option<&Tensor>, channels: usize) -> R<Vec<i32>> {
    let Some(b) = bias else { return Ok(vec![0; channels]) };
    expect_dtype(b, DType::I32, "bias")?;
    let d = expect_const(b, "bias")?;
    if b.elements() != channels {
        return invalid(format!("bias {} has {} elements, expected {channels}", b.label(), b.elements()));
    }
    Ok(d.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

/// The quantization every uint8 conv-family op shares: offsets, multiplier, clamp.
struct ConvQuant {
    input_offset: i32,
    filter_offset: i32,
    output_offset: i32,
    requant: Requant,
    act: (i32, i32),
    summary: String,
}

fn conv_quant(input: &Tensor, filter: &Tensor, bias: Option<&Tensor>, out: &Tensor, activation: Activation, fc: bool) -> R<ConvQuant> {
    let (is, iz) = quant_u8(input, "input")?;
    let (fs, fz) = quant_u8(filter, "filter")?;
    let (os, oz) = quant_u8(out, "output")?;
    // LiteRT's `GetQuantizedConvolutionMultipler` rejects a bias whose scale is not about
    // input × filter scale (the multiplier assumes it is): |difference| / output scale ≤ 0.02.
    if let Some(&bs) = bias.and_then(|b| b.quant.as_ref()).and_then(|q| q.scales.first()) {
        let product = (is * fs) as f64;
        if (product - bs as f64).abs() / os as f64 > 0.02 {
            let b = bias.map(Tensor::label).unwrap_or_default();
            return invalid(format!(
                "bias {b} has scale {bs}, but input scale × filter scale is {product} (LiteRT requires them within \
                 2 % of the output scale {os})"
            ));
        }
    }
    let requant = conv_multiplier(is, fs, os, fc);
    let act = act_range_u8(activation, out, (os, oz))?;
    Ok(ConvQuant {
        input_offset: -iz,
        filter_offset: -fz,
        output_offset: oz,
        requant,
        act,
        summary: format!("uint8 per-tensor, zero points input {iz} filter {fz} output {oz}, {}", activation.name()),
    })
}

#[allow(clippy::too_many_arguments)]
fn conv_params(geo: &ConvGeometry, kernel: [usize; 2], o: &ConvOptions, dm: usize, q: &ConvQuant, bias: &[i32]) -> TokenStream {
    let (i4, o4, k, s, d, p) =
        (usizes(&geo.input), usizes(&geo.output), usizes(&kernel), usizes(&o.stride), usizes(&o.dilation), usizes(&geo.pad));
    let (io, fo, oo, rq, (lo, hi)) = (q.input_offset, q.filter_offset, q.output_offset, one_requant(q.requant), q.act);
    quote!(::kiln::ops::ConvU8Params {
        input: #i4, output: #o4, kernel: #k, stride: #s, dilation: #d, pad: #p, depth_multiplier: #dm,
        input_offset: #io, filter_offset: #fo, output_offset: #oo, requant: #rq, act_min: #lo, act_max: #hi,
        bias: &[#(#bias),*],
    })
}

fn conv2d_u8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Conv2d { padding, stride, dilation, activation } = cx.op.options else {
        return invalid("missing Conv2DOptions");
    };
    let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    let q = conv_quant(input, filter, cx.opt_input(2), out, activation, false)?;
    let [n, _, _, c] = nhwc(input, "input")?;
    let [oc, kh, kw, ic] = nhwc(filter, "filter")?;
    expect_const(filter, "filter")?;
    if ic != c {
        return unsupported(format!("grouped convolution (filter depth {ic}, input depth {c})"));
    }
    let o = ConvOptions { padding, stride, dilation, activation };
    let geo = ConvGeometry::new(input, out, [kh, kw], oc, &o)?;
    let bias = raw_bias(cx.opt_input(2), oc)?;
    let params = conv_params(&geo, [kh, kw], &o, 1, &q, &bias);
    let [_, oh, ow, _] = geo.output;
    Ok(vec![cx.step(
        vec![cx.operand(input), Operand::Const(filter.index)],
        out,
        Call::Params { func: "conv2d_u8", ty: "ConvU8Params", params },
        (n * oh * ow * oc * kh * kw * ic) as u64,
        format!("{}, {}", geo.describe([kh, kw], &o), q.summary),
    )])
}

fn depthwise_conv2d_u8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::DepthwiseConv2d { padding, stride, dilation, activation, .. } = cx.op.options else {
        return invalid("missing DepthwiseConv2DOptions");
    };
    let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    let q = conv_quant(input, filter, cx.opt_input(2), out, activation, false)?;
    let (n, [kh, kw], oc, dm) = depthwise_geometry(input, filter)?;
    expect_const(filter, "filter")?;
    let o = ConvOptions { padding, stride, dilation, activation };
    let geo = ConvGeometry::new(input, out, [kh, kw], oc, &o)?;
    let bias = raw_bias(cx.opt_input(2), oc)?;
    let params = conv_params(&geo, [kh, kw], &o, dm, &q, &bias);
    let [_, oh, ow, _] = geo.output;
    Ok(vec![cx.step(
        vec![cx.operand(input), Operand::Const(filter.index)],
        out,
        Call::Params { func: "depthwise_conv2d_u8", ty: "ConvU8Params", params },
        (n * oh * ow * oc * kh * kw) as u64,
        format!("{}, depth multiplier {dm}, {}", geo.describe([kh, kw], &o), q.summary),
    )])
}

fn fully_connected_u8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::FullyConnected { activation, shuffled_weights, .. } = cx.op.options else {
        return invalid("missing FullyConnectedOptions");
    };
    if shuffled_weights {
        return unsupported("shuffled weights format (LiteRT's optimized-only uint8 layout)");
    }
    let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    let q = conv_quant(input, filter, cx.opt_input(2), out, activation, true)?;
    let fdata = expect_const(filter, "filter")?;
    let (batches, depth, od) = fc_geometry(input, filter, out)?;
    // Every FC tap is real, so the input offset's share, `input_offset · Σ (w + filter_offset)`,
    // is a per-unit constant: folded into the bias (wrapping, as the i32 sum it replaces).
    let bias: Vec<i32> = raw_bias(cx.opt_input(2), od)?
        .iter()
        .zip(fdata.chunks_exact(depth.max(1)))
        .map(|(&b, row)| {
            let sum = row.iter().fold(0i32, |s, &w| s.wrapping_add(i32::from(w) + q.filter_offset));
            b.wrapping_add(q.input_offset.wrapping_mul(sum))
        })
        .collect();
    let (fo, oo, rq, (lo, hi)) = (q.filter_offset, q.output_offset, one_requant(q.requant), q.act);
    let params = quote!(::kiln::ops::FullyConnectedU8Params {
        batches: #batches, input_depth: #depth, output_depth: #od, filter_offset: #fo, output_offset: #oo,
        requant: #rq, act_min: #lo, act_max: #hi, bias: &[#(#bias),*],
    });
    Ok(vec![cx.step(
        vec![cx.operand(input), Operand::Const(filter.index)],
        out,
        Call::Params { func: "fully_connected_u8", ty: "FullyConnectedU8Params", params },
        (batches * depth * od) as u64,
        format!("{depth} → {od}, {batches} row(s), {}", q.summary),
    )])
}

fn pool2d_u8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    super::pool::pool2d_quantized(cx, DType::U8, act_range_u8, ["max_pool2d_u8", "average_pool2d_u8"], ", uint8")
}

/// SOFTMAX uint8 → uint8: LiteRT's `SoftmaxPrepare` for uint8 (output zero point 0, scale
/// 1/256) with the int8 input scaling.
fn softmax_u8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Softmax { beta } = cx.op.options else { return invalid("missing SoftmaxOptions") };
    let (input, out) = (cx.input(0)?, cx.output()?);
    let (in_s, _) = quant_u8(input, "input")?;
    let (out_s, out_zp) = quant_u8(out, "output")?;
    if out_zp != 0 || (out_s - 1.0 / 256.0).abs() > 0.001 * (1.0 / 256.0) {
        return invalid(format!(
            "uint8 softmax output {} must have zero point 0 and scale 1/256 (has {out_zp} and {out_s})",
            out.label()
        ));
    }
    let depth = *input.shape.last().unwrap_or(&1);
    if depth == 0 || out.shape != input.shape {
        return invalid("output shape differs from the input's");
    }
    let rows = input.elements() / depth;
    const SCALED_DIFF_INTEGER_BITS: i32 = 5;
    let real = beta as f64 * in_s as f64 * (1i64 << (31 - SCALED_DIFF_INTEGER_BITS)) as f64;
    if !(real > 1.0) {
        return invalid(format!("beta {beta} × input scale {in_s} is too small (LiteRT requires beta × scale × 2^26 > 1)"));
    }
    let r = quant::softmax_input_scaling(beta, in_s, SCALED_DIFF_INTEGER_BITS);
    let diff_min = -quant::input_radius(SCALED_DIFF_INTEGER_BITS, r.shift);
    let (m, s) = (r.multiplier, r.shift);
    let params = quote!(::kiln::ops::SoftmaxParams {
        rows: #rows, depth: #depth, input_multiplier: #m, input_left_shift: #s, diff_min: #diff_min,
    });
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "softmax_u8", ty: "SoftmaxParams", params },
        0,
        format!("beta {beta}, {rows} row(s) of {depth}, uint8"),
    )])
}

/// CONCATENATION uint8: operands quantized like the output are copied, others requantized in
/// f32 as LiteRT's `ConcatenationWithScaling` does (scale and bias computed here in f32, the
/// same operations in the same order). With no operand to rescale it is the plain byte copy.
fn concatenation_u8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let op = cx.op;
    let Options::Concatenation { axis, activation } = op.options else {
        return invalid("missing ConcatenationOptions");
    };
    if activation != Activation::None {
        return unsupported(format!("fused activation {} on uint8 CONCATENATION", activation.name()));
    }
    let out = cx.output()?;
    let (os, oz) = quant_u8(out, "output")?;
    let rank = out.shape.len() as i32;
    let ax = if axis < 0 { axis + rank } else { axis };
    if ax < 0 || ax >= rank {
        return invalid(format!("axis {axis} out of range for rank {rank}"));
    }
    let ax = ax as usize;
    let outer: usize = out.shape[..ax].iter().product();
    let inner: usize = out.shape[ax + 1..].iter().product();
    let inverse = 1.0f32 / os;
    let (mut operands, mut specs, mut total, mut rescaled) = (Vec::new(), Vec::new(), 0, 0);
    for i in 0..op.inputs.len() {
        let t = cx.input(i)?;
        let (s, z) = quant_u8(t, "input")?;
        if t.shape.len() != out.shape.len() || (0..t.shape.len()).any(|d| d != ax && t.shape[d] != out.shape[d]) {
            return invalid(format!("input {} shape {:?} does not fit output {:?}", t.label(), t.shape, out.shape));
        }
        total += t.shape[ax];
        let chunk = t.shape[ax] * inner;
        let rescale = !(z == oz && s == os);
        rescaled += usize::from(rescale);
        let scale = s * inverse;
        let bias = -(z as f32) * scale;
        specs.push(quote!(::kiln::ops::ConcatU8Input { chunk: #chunk, rescale: #rescale, scale: #scale, bias: #bias }));
        operands.push(cx.operand(t));
    }
    if total != out.shape[ax] {
        return invalid(format!("inputs add up to {total} along axis {ax}, output has {}", out.shape[ax]));
    }
    let summary = format!("{} inputs along axis {ax}, {rescaled} rescaled", op.inputs.len());
    if rescaled == 0 {
        // One quantization throughout: the byte copy every other type uses.
        let chunks = op.inputs.iter().map(|t| t.map_or(0, |t| cx.g.tensors[t].shape[ax] * inner)).collect();
        return Ok(vec![cx.step(operands, out, Call::Concat { outer, chunks }, 0, summary)]);
    }
    let params = quote!(::kiln::ops::ConcatU8Params { outer: #outer, output_zero_point: #oz, inputs: &[#(#specs),*] });
    Ok(vec![cx.step(
        operands,
        out,
        Call::Slices { func: "concatenation_u8", params: Some(("ConcatU8Params", params)) },
        0,
        summary,
    )])
}

/// ADD uint8: LiteRT's uint8 `Prepare` is the int8 one (left shift 20, `twice_max_input_scale`),
/// offsets from uint8 zero points, the clamp from the uint8 activation range.
fn add_u8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Add { activation } = cx.op.options else { return invalid("missing AddOptions") };
    let (a, b, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    let ((s1, z1), (s2, z2), (so, zo)) = (quant_u8(a, "input 1")?, quant_u8(b, "input 2")?, quant_u8(out, "output")?);
    let shape = broadcast(&a.shape, &b.shape)
        .ok_or_else(|| Fail::Invalid(format!("shapes {:?} and {:?} do not broadcast", a.shape, b.shape)))?;
    if shape != out.shape {
        return invalid(format!("output {} has shape {:?}, broadcasting gives {shape:?}", out.label(), out.shape));
    }
    let left_shift: i32 = 20;
    let twice_max = 2.0 * s1.max(s2) as f64;
    let r1 = quant::quantize_multiplier(s1 as f64 / twice_max);
    let r2 = quant::quantize_multiplier(s2 as f64 / twice_max);
    let ro = quant::quantize_multiplier(twice_max / ((1i64 << left_shift) as f64 * so as f64));
    if ro.shift > 0 {
        return unsupported(format!(
            "output {} scale {so} is too small for the inputs' scales {s1} and {s2} (LiteRT requires an output \
             multiplier below 1)",
            out.label()
        ));
    }
    let (act_min, act_max) = act_range_u8(activation, out, (so, zo))?;
    let (sa, sb, so4) = (usizes(&rank4(&a.shape)?), usizes(&rank4(&b.shape)?), usizes(&rank4(&shape)?));
    let (q1, q2, qo) = (one_requant(r1), one_requant(r2), one_requant(ro));
    let (o1, o2) = (-z1, -z2);
    let params = quote!(::kiln::ops::AddParams {
        input1_offset: #o1, input2_offset: #o2, left_shift: #left_shift,
        input1_requant: #q1, input2_requant: #q2, output_requant: #qo,
        output_offset: #zo, act_min: #act_min, act_max: #act_max,
        input1_shape: #sa, input2_shape: #sb, output_shape: #so4,
    });
    Ok(vec![cx.step(
        vec![cx.operand(a), cx.operand(b)],
        out,
        Call::Params { func: "add_u8", ty: "AddParams", params },
        0,
        format!("{:?} + {:?}, {}, uint8", a.shape, b.shape, activation.name()),
    )])
}

fn dequantize_u8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    let (s, z) = quant_u8(input, "input")?;
    expect_dtype(out, DType::F32, "output")?;
    if input.elements() != out.elements() {
        return invalid("input and output sizes differ");
    }
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Scalars { func: "dequantize_u8_f32", scalars: quote!(#s, #z) },
        0,
        format!("uint8 → float32 (scale {s}, zero point {z})"),
    )])
}
