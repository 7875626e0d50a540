//! int16x8 kernels of the core ops (int16 activations, int8 weights, int64 bias): TFLM's
//! prepare-time constants for CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, the pools, SOFTMAX
//! (with its lookup tables), QUANTIZE and DEQUANTIZE on int16.
//!
//! The int16x8 scheme is symmetric: TFLM requires activation zero points of 0 for the conv
//! family, FC and SOFTMAX, and its int16 kernels have no offset terms at all, so there is no bias
//! folding here — the bias (int64, or int32 from older converters) is passed as int64.

use proc_macro2::TokenStream;
use quote::quote;

use super::conv::{conv_requant, ConvGeometry, ConvOptions};
use super::*;
use crate::quant::{self, Requant};

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "CONV_2D", dtype: DType::I16, lower: conv2d_s16 },
    Kernel { op: "DEPTHWISE_CONV_2D", dtype: DType::I16, lower: depthwise_conv2d_s16 },
    Kernel { op: "FULLY_CONNECTED", dtype: DType::I16, lower: fully_connected_s16 },
    Kernel { op: "AVERAGE_POOL_2D", dtype: DType::I16, lower: pool2d_s16 },
    Kernel { op: "MAX_POOL_2D", dtype: DType::I16, lower: pool2d_s16 },
    Kernel { op: "SOFTMAX", dtype: DType::I16, lower: softmax_s16 },
    // QUANTIZE is keyed on its output type: float32/int8/int16/int32 → int16 here; int16 → int8
    // is reached through the int8 QUANTIZE kernel (`lower/quantize.rs` delegates to
    // `quantize_s16_to_s8`), int16 → int32 is the int32 key below.
    Kernel { op: "QUANTIZE", dtype: DType::I16, lower: quantize_to_s16 },
    Kernel { op: "QUANTIZE", dtype: DType::I32, lower: quantize_s16_to_s32 },
    Kernel { op: "DEQUANTIZE", dtype: DType::I16, lower: dequantize_s16 },
];

/// The scale of a symmetric int16 activation; TFLM rejects a non-zero zero point for these ops.
fn symmetric(t: &Tensor, role: &str) -> R<f32> {
    let (s, z) = per_tensor(t)?;
    if z != 0 {
        return invalid(format!("int16 {role} {} has zero point {z}; the int16x8 scheme requires 0", t.label()));
    }
    Ok(s)
}

/// The fused-activation clamp on an int16 output (zero point 0).
fn act_range_s16(act: Activation, out: &Tensor, scale: f32) -> R<(i32, i32)> {
    match quant::activation_range(act, scale, 0, -32768, 32767) {
        Some((lo, hi)) if lo <= hi => Ok((lo, hi)),
        Some(_) => invalid(format!("fused {} on {} leaves an empty range", act.name(), out.label())),
        None => unsupported(format!("fused activation {} is not supported on int16", act.name())),
    }
}

/// Bias values widened to int64 (int64 from the int16x8 converter, int32 from older ones), or
/// zeros when the op has none.
fn bias_s64(bias: Option<&Tensor>, channels: usize) -> R<Vec<i64>> {
    let Some(b) = bias else { return Ok(vec![0; channels]) };
    let d = expect_const(b, "bias")?;
    if b.elements() != channels {
        return invalid(format!("bias {} has {} elements, expected {channels}", b.label(), b.elements()));
    }
    match b.dtype {
        DType::I64 => Ok(int_values(b, "bias")?),
        DType::I32 => Ok(d.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect()),
        other => unsupported(format!("bias {} is {}, kiln supports int64 or int32 here", b.label(), other.name())),
    }
}

/// TFLM's 64-bit requantization shifts right by `15 − shift`: for `shift > 14` that shift is
/// undefined behaviour in the C++ (TFLM only debug-asserts `shift < 8`, and computes the
/// 8..=14 cases well-defined, as kiln does), so kiln refuses such absurd scale ratios.
fn check_requant_s64(r: &[Requant], out: &Tensor) -> R<()> {
    match r.iter().find(|r| r.shift > 14) {
        Some(r) => unsupported(format!(
            "output {}: the scale ratio needs a left shift of {}, beyond what TFLM's 64-bit requantization can \
             shift (at most 14)",
            out.label(),
            r.shift
        )),
        None => Ok(()),
    }
}

/// What CONV_2D and DEPTHWISE_CONV_2D share: the int8 path's geometry and per-channel
/// multipliers (`lower/conv.rs`: TFLM's output size and padding, double-precision
/// `input_scale · filter_scale / output_scale`), then the int64 bias and the int16 clamp.
struct Spatial {
    fields: TokenStream,
    out_hw: [usize; 2],
    summary: String,
}

#[allow(clippy::too_many_arguments)]
fn spatial_s16(
    cx: &Ctx<'_>,
    input: &Tensor,
    filter: &Tensor,
    out: &Tensor,
    [kh, kw]: [usize; 2],
    out_channels: usize,
    filter_axis: usize,
    o: &ConvOptions,
) -> R<Spatial> {
    if kh == 0 || kw == 0 {
        return invalid(format!("filter {} has an empty {kh}x{kw} window", filter.label()));
    }
    let geo = ConvGeometry::new(input, out, [kh, kw], out_channels, o)?;
    let in_s = symmetric(input, "input")?;
    let out_s = symmetric(out, "output")?;
    let scales = filter_scales(filter, out_channels, filter_axis)?;
    let requant = conv_requant(in_s, &scales, out_s);
    check_requant_s64(&requant, out)?;
    let bias = bias_s64(cx.opt_input(2), out_channels)?;
    let (act_min, act_max) = act_range_s16(o.activation, out, out_s)?;
    let (i4, o4, k, s, d, p) =
        (usizes(&geo.input), usizes(&geo.output), usizes(&[kh, kw]), usizes(&o.stride), usizes(&o.dilation), usizes(&geo.pad));
    let rq = requant_tokens(&requant)?;
    let fields = quote!(
        input: #i4, output: #o4, kernel: #k, stride: #s, dilation: #d, pad: #p,
        act_min: #act_min, act_max: #act_max, bias: &[#(#bias),*], requant: #rq,
    );
    let summary = format!(
        "{}, {}, {}, int16x8",
        geo.describe([kh, kw], o),
        o.activation.name(),
        if scales.len() > 1 { "per-channel" } else { "per-tensor" }
    );
    Ok(Spatial { fields, out_hw: [geo.output[1], geo.output[2]], summary })
}

fn conv2d_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Conv2d { padding, stride, dilation, activation } = cx.op.options else {
        return invalid("missing Conv2DOptions");
    };
    let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    expect_dtype(input, DType::I16, "input")?;
    expect_dtype(filter, DType::I8, "filter")?;
    expect_dtype(out, DType::I16, "output")?;
    let [n, _, _, c] = nhwc(input, "input")?;
    let [oc, kh, kw, ic] = nhwc(filter, "filter")?;
    expect_const(filter, "filter")?;
    // Grouped convolution as in TFLM: filter depth in_c / groups, out_c a multiple of groups.
    if ic == 0 || c == 0 || c % ic != 0 || oc % (c / ic) != 0 {
        return invalid(format!("filter {} depth {ic} does not divide input depth {c} into groups of {oc} outputs", filter.label()));
    }
    let opts = ConvOptions { padding, stride, dilation, activation };
    let conv = spatial_s16(cx, input, filter, out, [kh, kw], oc, 0, &opts)?;
    let fields = &conv.fields;
    let [oh, ow] = conv.out_hw;
    Ok(vec![cx.step(
        vec![cx.operand(input), Operand::Const(filter.index)],
        out,
        Call::Params { func: "conv2d_s16", ty: "Conv2dS16Params", params: quote!(::kiln::ops::Conv2dS16Params { #fields }) },
        (n * oh * ow * oc * kh * kw * ic) as u64,
        conv.summary,
    )])
}

fn depthwise_conv2d_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::DepthwiseConv2d { padding, stride, dilation, activation, .. } = cx.op.options else {
        return invalid("missing DepthwiseConv2DOptions");
    };
    let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    expect_dtype(input, DType::I16, "input")?;
    expect_dtype(filter, DType::I8, "filter")?;
    expect_dtype(out, DType::I16, "output")?;
    let (n, [kh, kw], oc, dm) = depthwise_geometry(input, filter)?;
    expect_const(filter, "filter")?;
    let opts = ConvOptions { padding, stride, dilation, activation };
    let conv = spatial_s16(cx, input, filter, out, [kh, kw], oc, 3, &opts)?;
    let fields = &conv.fields;
    let [oh, ow] = conv.out_hw;
    Ok(vec![cx.step(
        vec![cx.operand(input), Operand::Const(filter.index)],
        out,
        Call::Params {
            func: "depthwise_conv2d_s16",
            ty: "DepthwiseConv2dS16Params",
            params: quote!(::kiln::ops::DepthwiseConv2dS16Params { depth_multiplier: #dm, #fields }),
        },
        (n * oh * ow * oc * kh * kw) as u64,
        format!("{}, depth multiplier {dm}", conv.summary),
    )])
}

fn fully_connected_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::FullyConnected { activation, shuffled_weights, .. } = cx.op.options else {
        return invalid("missing FullyConnectedOptions");
    };
    if shuffled_weights {
        return unsupported("shuffled weights format");
    }
    let (input, filter, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    expect_dtype(input, DType::I16, "input")?;
    expect_dtype(filter, DType::I8, "filter")?;
    expect_dtype(out, DType::I16, "output")?;
    expect_const(filter, "filter")?;
    let (batches, depth, od) = fc_geometry(input, filter, out)?;
    let in_s = symmetric(input, "input")?;
    let out_s = symmetric(out, "output")?;
    let scales = filter_scales(filter, od, 0)?;
    let requant: Vec<Requant> = if scales.len() > 1 {
        scales.iter().map(|&fs| quant::quantize_multiplier(in_s as f64 * fs as f64 / out_s as f64)).collect()
    } else {
        // TFLM's per-tensor path multiplies the two scales in single precision first.
        vec![quant::quantize_multiplier((in_s * scales[0]) as f64 / out_s as f64)]
    };
    check_requant_s64(&requant, out)?;
    let bias = bias_s64(cx.opt_input(2), od)?;
    let (act_min, act_max) = act_range_s16(activation, out, out_s)?;
    let rq = requant_tokens(&requant)?;
    let params = quote!(::kiln::ops::FullyConnectedS16Params {
        batches: #batches, input_depth: #depth, output_depth: #od,
        act_min: #act_min, act_max: #act_max, bias: &[#(#bias),*], requant: #rq,
    });
    let summary = format!(
        "{depth} → {od}, {batches} row(s), {}, {}, int16x8",
        activation.name(),
        if scales.len() > 1 { "per-channel" } else { "per-tensor" }
    );
    Ok(vec![cx.step(
        vec![cx.operand(input), Operand::Const(filter.index)],
        out,
        Call::Params { func: "fully_connected_s16", ty: "FullyConnectedS16Params", params },
        (batches * depth * od) as u64,
        summary,
    )])
}

fn pool2d_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let act_range = |activation: Activation, out: &Tensor, (scale, zp): (f32, i32)| {
        match quant::activation_range(activation, scale, zp, -32768, 32767) {
            Some((lo, hi)) if lo <= hi => Ok((lo, hi)),
            Some(_) => invalid(format!("fused {} on {} leaves an empty range", activation.name(), out.label())),
            None => unsupported(format!("fused activation {} is not supported on int16", activation.name())),
        }
    };
    super::pool::pool2d_quantized(cx, DType::I16, act_range, ["max_pool2d_s16", "average_pool2d_s16"], ", int16")
}

/// TFLM's `gen_lut<float, int16_t, int16_t>`: 512 samples of `f` on `[min, max)`, each corrected
/// by half the error of linear interpolation at the segment's midpoint, plus `f(max)`, scaled to
/// Q0.15 (output range `[−1, 1]`) — in f32 with the same operations in the same order, and the
/// same libm `expf` the TFLM interpreter calls, so the tables come out identical.
fn gen_lut_s16(f: impl Fn(f32) -> f32, min: f32, max: f32) -> Vec<i16> {
    let steps = 512;
    let step = (max - min) / steps as f32;
    let half_step = step / 2.0;
    // (int16 max − int16 min + 1) / (output_max − output_min)
    let scale = 65536.0f32 / 2.0;
    let clamp = |v: f32| v.clamp(-32768.0, 32767.0) as i16;
    let mut lut: Vec<i16> = (0..steps)
        .map(|i| {
            let val = f(min + i as f32 * step);
            let midpoint = f(min + i as f32 * step + half_step);
            let next = f(min + (i + 1) as f32 * step);
            let sample = (val * scale).round();
            let interpolated = ((next * scale + (val * scale).round()) / 2.0).round();
            let err = interpolated - (midpoint * scale).round();
            let bias = (err / 2.0).round();
            clamp(sample - bias)
        })
        .collect();
    lut.push(clamp((f(max) * scale).round()));
    lut
}

fn softmax_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Softmax { beta } = cx.op.options else { return invalid("missing SoftmaxOptions") };
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(input, DType::I16, "input")?;
    expect_dtype(out, DType::I16, "output")?;
    let (in_s, _) = per_tensor(input)?;
    let (out_s, out_zp) = per_tensor(out)?;
    // TFLM: TF_LITE_ENSURE_EQ(zero_point, 0) and TF_LITE_ENSURE_NEAR(scale, 1/32768, 0.001/32768).
    if out_zp != 0 || (out_s - 1.0 / 32768.0).abs() > 0.001 * (1.0 / 32768.0) {
        return invalid(format!(
            "int16 softmax output {} must have zero point 0 and scale 1/32768 (has {out_zp} and {out_s})",
            out.label()
        ));
    }
    let depth = *input.shape.last().unwrap_or(&1);
    if depth == 0 || out.shape != input.shape {
        return invalid("output shape differs from the input's");
    }
    let rows = input.elements() / depth;
    // Maps x − max from the input scale onto [−65535, 0] ≙ [−10, 0], the exp table's domain.
    let r = quant::quantize_multiplier(in_s as f64 * beta as f64 / (10.0 / 65535.0));
    let exp_lut = gen_lut_s16(|x| x.exp(), -10.0, 0.0);
    let recip_lut = gen_lut_s16(|x| 1.0 / (1.0 + x), 0.0, 1.0);
    let rq = one_requant(r);
    let params = quote!(::kiln::ops::SoftmaxS16Params {
        rows: #rows, depth: #depth, input_requant: #rq,
        exp_lut: &[#(#exp_lut),*], one_over_one_plus_x_lut: &[#(#recip_lut),*],
    });
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "softmax_s16", ty: "SoftmaxS16Params", params },
        0,
        format!("beta {beta}, {rows} row(s) of {depth}, int16 (lookup tables)"),
    )])
}

/// The `(input_zp, output_zp, multiplier)` scalars of TFLM's `Requantize`, whose effective scale
/// is the double-precision ratio `input_scale / output_scale`.
fn requantize_scalars(input: &Tensor, out: &Tensor) -> R<(TokenStream, String)> {
    let (is, iz) = per_tensor(input)?;
    let (os, oz) = per_tensor(out)?;
    let rq = one_requant(quant::quantize_multiplier(is as f64 / os as f64));
    Ok((quote!(#iz, #oz, #rq), format!("{} → {} (scale {is} → {os})", input.dtype.name(), out.dtype.name())))
}

fn same_size(input: &Tensor, out: &Tensor) -> R<()> {
    if input.elements() == out.elements() {
        Ok(())
    } else {
        invalid(format!("input {} and output {} sizes differ", input.label(), out.label()))
    }
}

fn quantize_to_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(out, DType::I16, "output")?;
    same_size(input, out)?;
    let (os, oz) = per_tensor(out)?;
    let (call, summary) = match input.dtype {
        DType::F32 => (
            Call::Scalars { func: "quantize_f32_s16", scalars: quote!(#os, #oz) },
            format!("float32 → int16 (scale {os}, zero point {oz})"),
        ),
        DType::I8 | DType::I16 | DType::I32 => {
            let func = match input.dtype {
                DType::I8 => "requantize_s8_s16",
                DType::I16 => "requantize_s16_s16",
                _ => "requantize_s32_s16",
            };
            let (scalars, summary) = requantize_scalars(input, out)?;
            (Call::Scalars { func, scalars }, summary)
        }
        other => return unsupported(format!("QUANTIZE from {} to int16", other.name())),
    };
    Ok(vec![cx.step(vec![cx.operand(input)], out, call, 0, summary)])
}

/// QUANTIZE int16 → int8 (called by the int8 QUANTIZE kernel, which is keyed on the output).
pub(super) fn quantize_s16_to_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(input, DType::I16, "input")?;
    expect_dtype(out, DType::I8, "output")?;
    same_size(input, out)?;
    let (scalars, summary) = requantize_scalars(input, out)?;
    Ok(vec![cx.step(vec![cx.operand(input)], out, Call::Scalars { func: "requantize_s16_s8", scalars }, 0, summary)])
}

fn quantize_s16_to_s32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(input, DType::I16, "input")?;
    expect_dtype(out, DType::I32, "output")?;
    same_size(input, out)?;
    let (scalars, summary) = requantize_scalars(input, out)?;
    Ok(vec![cx.step(vec![cx.operand(input)], out, Call::Scalars { func: "requantize_s16_s32", scalars }, 0, summary)])
}

fn dequantize_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(input, DType::I16, "input")?;
    expect_dtype(out, DType::F32, "output")?;
    same_size(input, out)?;
    let (s, z) = per_tensor(input)?;
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Scalars { func: "dequantize_s16_f32", scalars: quote!(#s, #z) },
        0,
        format!("int16 → float32 (scale {s}, zero point {z})"),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spot values of the tables fixed by their definition: exp(0) and 1/(1+0) saturate at
    /// 32767, 1/(1+1) = 0.5 is 16384, and the exp table decreases toward exp(−10)·32768 ≈ 1.5.
    #[test]
    fn softmax_tables_have_the_expected_shape() {
        let exp = gen_lut_s16(|x| x.exp(), -10.0, 0.0);
        let recip = gen_lut_s16(|x| 1.0 / (1.0 + x), 0.0, 1.0);
        assert_eq!((exp.len(), recip.len()), (513, 513));
        assert_eq!((exp[512], recip[0], recip[512]), (32767, 32767, 16384));
        assert!(exp.windows(2).all(|w| w[0] <= w[1]), "exp table must increase");
        assert!(recip.windows(2).all(|w| w[0] >= w[1]), "1/(1+x) table must decrease");
        assert!((0..=3).contains(&exp[0]));
    }
}
