//! Reductions (SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_ALL, ARG_MAX, ARG_MIN; MEAN lives in
//! `mean.rs` and shares the axis handling here), resizes, TRANSPOSE_CONV, BATCH_MATMUL and
//! L2_POOL_2D.

use proc_macro2::TokenStream;
use quote::quote;

use super::*;
use crate::quant;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "SUM", dtype: DType::I8, lower: sum },
    Kernel { op: "SUM", dtype: DType::I16, lower: sum },
    Kernel { op: "SUM", dtype: DType::F32, lower: sum },
    Kernel { op: "REDUCE_MAX", dtype: DType::I8, lower: reduce_max },
    Kernel { op: "REDUCE_MAX", dtype: DType::F32, lower: reduce_max },
    Kernel { op: "REDUCE_MIN", dtype: DType::I8, lower: reduce_min },
    Kernel { op: "REDUCE_MIN", dtype: DType::F32, lower: reduce_min },
    Kernel { op: "REDUCE_ALL", dtype: DType::Bool, lower: reduce_all },
    Kernel { op: "ARG_MAX", dtype: DType::I8, lower: arg_min_max },
    Kernel { op: "ARG_MAX", dtype: DType::F32, lower: arg_min_max },
    Kernel { op: "ARG_MIN", dtype: DType::I8, lower: arg_min_max },
    Kernel { op: "ARG_MIN", dtype: DType::F32, lower: arg_min_max },
    Kernel { op: "RESIZE_NEAREST_NEIGHBOR", dtype: DType::I8, lower: resize_nearest_neighbor },
    Kernel { op: "RESIZE_NEAREST_NEIGHBOR", dtype: DType::I16, lower: resize_nearest_neighbor },
    Kernel { op: "RESIZE_NEAREST_NEIGHBOR", dtype: DType::F32, lower: resize_nearest_neighbor },
    Kernel { op: "RESIZE_BILINEAR", dtype: DType::I8, lower: resize_bilinear },
    Kernel { op: "RESIZE_BILINEAR", dtype: DType::F32, lower: resize_bilinear },
    Kernel { op: "BATCH_MATMUL", dtype: DType::I8, lower: batch_matmul },
    Kernel { op: "BATCH_MATMUL", dtype: DType::I16, lower: batch_matmul },
    Kernel { op: "BATCH_MATMUL", dtype: DType::F32, lower: batch_matmul },
    Kernel { op: "L2_POOL_2D", dtype: DType::F32, lower: l2_pool_2d },
    Kernel { op: "TRANSPOSE_CONV", dtype: DType::I8, lower: transpose_conv },
    Kernel { op: "TRANSPOSE_CONV", dtype: DType::I16, lower: transpose_conv },
    Kernel { op: "TRANSPOSE_CONV", dtype: DType::F32, lower: transpose_conv },
];

/// A reduction op's operands and geometry, validated.
pub(super) struct Reduced<'a> {
    pub input: &'a Tensor,
    pub out: &'a Tensor,
    /// The distinct reduced axes, ascending.
    pub axes: Vec<usize>,
    /// Elements combined into each output.
    pub count: usize,
    /// `::kiln::ops::Reduction { .. }`.
    pub geometry: TokenStream,
}

impl Reduced<'_> {
    pub fn summary(&self) -> String {
        format!("{:?} over axes {:?} → {:?}", self.input.shape, self.axes, self.out.shape)
    }
}

/// Checks a reducer (input, constant axes, output of the same type) and builds its geometry.
pub(super) fn reduced<'a>(cx: &Ctx<'a>, dtype: DType) -> R<Reduced<'a>> {
    let Options::Reducer { .. } = cx.op.options else { return invalid("missing ReducerOptions") };
    let (input, axes_t, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    expect_dtype(input, dtype, "input")?;
    expect_dtype(out, dtype, "output")?;
    if axes_t.dtype != DType::I32 {
        return invalid(format!("axes {} is {}, TFLM requires int32", axes_t.label(), axes_t.dtype.name()));
    }
    let rank = input.shape.len();
    let mut reduce = vec![false; rank];
    for a in int_values(axes_t, "axes")? {
        let r = if a < 0 { a + rank as i64 } else { a };
        if r < 0 || r >= rank as i64 {
            return invalid(format!("axis {a} out of range for input {} of rank {rank}", input.label()));
        }
        reduce[r as usize] = true;
    }
    let axes: Vec<usize> = (0..rank).filter(|&d| reduce[d]).collect();
    if input.shape.contains(&0) {
        return unsupported(format!("input {} has an empty dimension {:?}", input.label(), input.shape));
    }
    let kept: usize = (0..rank).filter(|&d| !reduce[d]).map(|d| input.shape[d]).product();
    if out.elements() != kept {
        return invalid(format!(
            "output {} has {} elements; reducing {:?} over axes {axes:?} gives {kept}",
            out.label(),
            out.elements(),
            input.shape
        ));
    }
    let (geometry, count) = geometry(input, &reduce)?;
    Ok(Reduced { input, out, axes, count, geometry })
}

/// The [`kiln::ops::Reduction`] of `input` reduced over the dimensions marked in `reduce`, and
/// the element count per output: extent-1 dimensions are dropped and runs of adjacent kept or
/// reduced dimensions merged, so every input up to rank 8 fits the kernel's four kept and four
/// reduced loops.
fn geometry(input: &Tensor, reduce: &[bool]) -> R<(TokenStream, usize)> {
    let rank = input.shape.len();
    // Runs of same-kind dimensions: (reduced?, extent, stride of the run's innermost dim).
    let mut runs: Vec<(bool, usize, usize)> = Vec::new();
    let mut stride = 1;
    for d in (0..rank).rev() {
        // Extent-1 dimensions add no iterations: leave them out, whichever kind they are.
        if input.shape[d] == 1 {
            continue;
        }
        match runs.last_mut() {
            Some(run) if run.0 == reduce[d] => run.1 *= input.shape[d],
            _ => runs.push((reduce[d], input.shape[d], stride)),
        }
        stride *= input.shape[d];
    }
    runs.reverse();
    let pick = |want: bool| -> R<([usize; 4], [usize; 4])> {
        let sel: Vec<_> = runs.iter().filter(|r| r.0 == want).collect();
        if sel.len() > 4 {
            return unsupported(format!("reducing {:?} over {reduce:?} alternates kept and reduced axes more than 4 times", input.shape));
        }
        let (mut ext, mut str) = ([1usize; 4], [0usize; 4]);
        for (i, r) in sel.iter().enumerate() {
            ext[4 - sel.len() + i] = r.1;
            str[4 - sel.len() + i] = r.2;
        }
        Ok((ext, str))
    };
    let (k, ks) = pick(false)?;
    let (r, rs) = pick(true)?;
    let count: usize = r.iter().product();
    let (k, ks, r, rs) = (usizes(&k), usizes(&ks), usizes(&r), usizes(&rs));
    let geometry = quote!(::kiln::ops::Reduction { kept: #k, kept_strides: #ks, reduced: #r, reduced_strides: #rs });
    Ok((geometry, count))
}

fn type_suffix(d: DType) -> &'static str {
    match d {
        DType::I8 => "s8",
        DType::I16 => "s16",
        _ => "f32",
    }
}

/// The `MeanParams` of an integer MEAN (`fold = true`) or SUM: TFLM's
/// `QuantizedMeanOrSum` constants.
pub(super) fn mean_or_sum_params(red: &Reduced<'_>, fold: bool) -> R<TokenStream> {
    let (in_s, in_zp) = per_tensor(red.input)?;
    let (out_s, out_zp) = per_tensor(red.out)?;
    let mut rq = quant::quantize_multiplier(in_s as f64 / out_s as f64);
    if fold {
        // TFLM folds 1/n into the multiplier: shift = min(floor(log2 n), 32, 31 + shift).
        let n = red.count as i64;
        let log2 = 63 - n.leading_zeros() as i32;
        let shift = log2.min(32).min(31 + rq.shift).max(0);
        rq = Requant { multiplier: ((i64::from(rq.multiplier) << shift) / n) as i32, shift: rq.shift - shift };
    }
    let zp_sum = i64::from(in_zp) * red.count as i64;
    let (g, rq) = (&red.geometry, one_requant(rq));
    Ok(quote!(::kiln::ops::MeanParams {
        reduction: #g, zero_point_sum: #zp_sum, output_zero_point: #out_zp, requant: #rq,
    }))
}

/// A step calling `func(&PARAMS, input, output)`.
fn reduce_step(cx: &Ctx<'_>, red: &Reduced<'_>, func: &'static str, ty: &'static str, params: TokenStream) -> Vec<Step> {
    vec![cx.step(vec![cx.operand(red.input)], red.out, Call::Params { func, ty, params }, 0, red.summary())]
}

/// Integer MEAN and SUM share the kernel arithmetic; float takes the bare geometry.
pub(super) fn mean_or_sum(cx: &Ctx<'_>, fold: bool, names: [&'static str; 3]) -> R<Vec<Step>> {
    let dtype = cx.input(0)?.dtype;
    let red = reduced(cx, dtype)?;
    let [s8, s16, f32_] = names;
    let func = match dtype {
        DType::I8 => s8,
        DType::I16 => s16,
        _ => f32_,
    };
    if dtype == DType::F32 {
        let g = red.geometry.clone();
        return Ok(reduce_step(cx, &red, func, "Reduction", g));
    }
    let params = mean_or_sum_params(&red, fold)?;
    Ok(reduce_step(cx, &red, func, "MeanParams", params))
}

fn sum(cx: &Ctx<'_>) -> R<Vec<Step>> {
    mean_or_sum(cx, false, ["sum_s8", "sum_s16", "sum_f32"])
}

/// REDUCE_MAX / REDUCE_MIN: TFLM requires equal input and output quantization (no rescale).
/// TFLM's interpreter has no int16 REDUCE_MAX/REDUCE_MIN ("Only float32 and int8 types are
/// supported"), so kiln has none either: there is no oracle to be bit-exact with.
fn extremum(cx: &Ctx<'_>, what: &str) -> R<Vec<Step>> {
    let dtype = cx.input(0)?.dtype;
    let red = reduced(cx, dtype)?;
    if dtype != DType::F32 {
        let (a, b) = (per_tensor(red.input)?, per_tensor(red.out)?);
        if a != b {
            return invalid(format!(
                "input {} (scale {}, zero point {}) and output {} (scale {}, zero point {}) must share quantization (TFLM requires it)",
                red.input.label(), a.0, a.1, red.out.label(), b.0, b.1
            ));
        }
    }
    let func: &'static str = match (what, type_suffix(dtype)) {
        ("max", "s8") => "reduce_max_s8",
        ("max", _) => "reduce_max_f32",
        (_, "s8") => "reduce_min_s8",
        _ => "reduce_min_f32",
    };
    let g = red.geometry.clone();
    Ok(reduce_step(cx, &red, func, "Reduction", g))
}

/// REDUCE_ALL: bool in, bool out, no quantization.
fn reduce_all(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let red = reduced(cx, DType::Bool)?;
    let g = red.geometry.clone();
    Ok(reduce_step(cx, &red, "reduce_all", "Reduction", g))
}

fn reduce_max(cx: &Ctx<'_>) -> R<Vec<Step>> {
    extremum(cx, "max")
}

fn reduce_min(cx: &Ctx<'_>) -> R<Vec<Step>> {
    extremum(cx, "min")
}

/// Values of a constant tensor of little-endian 4- or 8-byte elements.
fn le_values<const N: usize, T>(t: &Tensor, role: &str, from: fn([u8; N]) -> T) -> R<Vec<T>> {
    let d = expect_const(t, role)?;
    Ok(d.chunks_exact(N).map(|c| from(c.try_into().unwrap_or([0; N]))).collect())
}

/// TRANSPOSE_CONV (inputs: output shape, filter `[out_c, kh, kw, in_c]`, input, optional bias).
/// TFLM ignores the output-shape tensor (it may even be a model input) and takes the output
/// size from the output tensor; the padding is that of the forward convolution whose input has
/// the output's size (`ComputePaddingHeightWidth` on the output).
fn transpose_conv(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::TransposeConv { padding, stride, activation } = cx.op.options else {
        return invalid("missing TransposeConvOptions");
    };
    let (shape_t, filter, input, out) = (cx.input(0)?, cx.input(1)?, cx.input(2)?, cx.output()?);
    let bias = cx.opt_input(3);
    let dtype = input.dtype;
    expect_dtype(out, dtype, "output")?;
    expect_dtype(filter, if dtype == DType::F32 { DType::F32 } else { DType::I8 }, "filter")?;
    expect_const(filter, "filter")?;
    let [n, in_h, in_w, in_c] = nhwc(input, "input")?;
    let [out_c, k_h, k_w, f_c] = nhwc(filter, "filter")?;
    let [o_n, out_h, out_w, o_c] = nhwc(out, "output")?;
    if f_c != in_c || o_c != out_c || o_n != n {
        return invalid(format!(
            "shapes do not match: input {:?}, filter {:?} ([out, kh, kw, in]), output {:?}",
            input.shape, filter.shape, out.shape
        ));
    }
    if [n, in_h, in_w, in_c, out_c, k_h, k_w, out_h, out_w].contains(&0) {
        return unsupported("TRANSPOSE_CONV with an empty dimension");
    }
    if shape_t.is_const() {
        let want = int_values(shape_t, "output shape")?;
        if want.iter().map(|&v| v as usize).ne(out.shape.iter().copied()) || want.iter().any(|&v| v < 0) {
            return invalid(format!("output shape tensor {} says {want:?}, output {} is {:?}", shape_t.label(), out.label(), out.shape));
        }
    }
    let (_, pad_h) = window(padding, out_h, k_h, stride[0], 1);
    let (_, pad_w) = window(padding, out_w, k_w, stride[1], 1);
    let (s_h, s_w) = (stride[0], stride[1]);
    let shape = quote!(::kiln::ops::TransposeConvShape {
        input: [#n, #in_h, #in_w, #in_c], output: [#n, #out_h, #out_w, #out_c],
        kernel: [#k_h, #k_w], stride: [#s_h, #s_w], pad: [#pad_h, #pad_w],
    });
    let bias_len = |b: &Tensor| -> R<()> {
        if b.elements() == out_c {
            Ok(())
        } else {
            invalid(format!("bias {} has {} elements, expected {out_c}", b.label(), b.elements()))
        }
    };
    let (func, ty, params) = if dtype == DType::F32 {
        let bias: Vec<f32> = match bias {
            Some(b) => {
                expect_dtype(b, DType::F32, "bias")?;
                bias_len(b)?;
                le_values(b, "bias", f32::from_le_bytes)?
            }
            None => vec![],
        };
        if bias.iter().any(|b| !b.is_finite()) {
            return unsupported("TRANSPOSE_CONV float32 bias with a non-finite value");
        }
        let (lo, hi) = float_act_range(activation)?;
        let params = quote!(::kiln::ops::TransposeConvF32Params {
            shape: #shape, act_min: #lo, act_max: #hi, bias: &[#(#bias),*],
        });
        ("transpose_conv_f32", "TransposeConvF32Params", params)
    } else {
        let (in_s, in_zp) = per_tensor(input)?;
        let (out_s, out_zp) = per_tensor(out)?;
        let scales = filter_scales(filter, out_c, 0)?;
        // PopulateConvolutionQuantizationParams: per channel, in double precision.
        let requant: Vec<Requant> =
            scales.iter().map(|&fs| quant::quantize_multiplier(in_s as f64 * fs as f64 / out_s as f64)).collect();
        let rq = requant_tokens(&requant)?;
        if dtype == DType::I8 {
            let bias: Vec<i32> = match bias {
                Some(b) => {
                    expect_dtype(b, DType::I32, "bias")?;
                    bias_len(b)?;
                    le_values(b, "bias", i32::from_le_bytes)?
                }
                None => vec![],
            };
            let (act_min, act_max) = act_range(activation, out, (out_s, out_zp))?;
            let in_off = -in_zp;
            let params = quote!(::kiln::ops::TransposeConvParams {
                shape: #shape, input_offset: #in_off, output_zero_point: #out_zp,
                act_min: #act_min, act_max: #act_max, bias: &[#(#bias),*], requant: #rq,
            });
            ("transpose_conv_s8", "TransposeConvParams", params)
        } else if dtype == DType::I16 {
            if in_zp != 0 || out_zp != 0 {
                return unsupported(format!(
                    "int16 TRANSPOSE_CONV with zero points {in_zp} (input) / {out_zp} (output); TFLM's 16x8 kernel assumes 0"
                ));
            }
            let bias: Vec<i64> = match bias {
                Some(b) => {
                    expect_dtype(b, DType::I64, "bias")?;
                    bias_len(b)?;
                    le_values(b, "bias", i64::from_le_bytes)?
                }
                None => vec![],
            };
            let (act_min, act_max) = match quant::activation_range(activation, out_s, 0, -32768, 32767) {
                Some(r) if r.0 <= r.1 => r,
                _ => return unsupported(format!("fused activation {} on int16 TRANSPOSE_CONV", activation.name())),
            };
            let params = quote!(::kiln::ops::TransposeConvS16Params {
                shape: #shape, act_min: #act_min, act_max: #act_max, bias: &[#(#bias),*], requant: #rq,
            });
            ("transpose_conv_s16", "TransposeConvS16Params", params)
        } else {
            return unsupported(format!("TRANSPOSE_CONV on {}", dtype.name()));
        }
    };
    let macs = (n * in_h * in_w * in_c * k_h * k_w * out_c) as u64;
    let summary = format!(
        "{k_h}×{k_w} stride {s_h}×{s_w} {padding:?}, {:?} → {:?}, {}{}",
        input.shape,
        out.shape,
        activation.name(),
        if bias.is_some() { "" } else { ", no bias" }
    );
    let mut step = cx.step(vec![cx.operand(input), Operand::Const(filter.index)], out, Call::Params { func, ty, params }, macs, summary);
    step.weights.extend(bias.map(|b| b.index));
    Ok(vec![step])
}

/// ARG_MAX / ARG_MIN: one constant int32 axis, int32 output (TFLM's interpreter accepts only
/// int32 axis and output types, with int8 or float32 input). Quantization is irrelevant: the
/// order of int8 values is the order of the reals they stand for.
fn arg_min_max(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, axis_t, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    let max = cx.op.name == "ARG_MAX";
    if axis_t.dtype != DType::I32 || out.dtype != DType::I32 {
        return unsupported(format!(
            "axis {} is {} and output {} is {}; TFLM supports int32 for both",
            axis_t.label(),
            axis_t.dtype.name(),
            out.label(),
            out.dtype.name()
        ));
    }
    let axes = int_values(axis_t, "axis")?;
    let rank = input.shape.len() as i64;
    let &[a] = axes.as_slice() else {
        return invalid(format!("axis {} has {} values, expected one", axis_t.label(), axes.len()));
    };
    let axis = if a < 0 { a + rank } else { a };
    if axis < 0 || axis >= rank {
        return invalid(format!("axis {a} out of range for input {} of rank {rank}", input.label()));
    }
    if input.shape.contains(&0) {
        return unsupported(format!("input {} has an empty dimension {:?}", input.label(), input.shape));
    }
    let reduce: Vec<bool> = (0..rank).map(|d| d == axis).collect();
    let kept = input.elements() / input.shape[axis as usize];
    if out.elements() != kept {
        return invalid(format!("output {} has {} elements, expected {kept}", out.label(), out.elements()));
    }
    let (g, _) = geometry(input, &reduce)?;
    let func = match (max, input.dtype) {
        (true, DType::I8) => "arg_max_s8",
        (true, _) => "arg_max_f32",
        (false, DType::I8) => "arg_min_s8",
        (false, _) => "arg_min_f32",
    };
    let summary = format!("{:?} along axis {axis} → {:?} (int32)", input.shape, out.shape);
    Ok(vec![cx.step(vec![cx.operand(input)], out, Call::Params { func, ty: "Reduction", params: g }, 0, summary)])
}

/// A resize op's operands, checked: NHWC input and output of one type (sharing quantization:
/// TFLM copies or interpolates the stored integers without rescaling), a constant int32 size
/// `[rows, cols]` equal to the output's, and the options.
struct Resize<'a> {
    input: &'a Tensor,
    out: &'a Tensor,
    in_shape: [usize; 4],
    out_hw: [usize; 2],
    align_corners: bool,
    half_pixel_centers: bool,
}

fn resize_operands<'a>(cx: &Ctx<'a>) -> R<Resize<'a>> {
    let Options::Resize { align_corners, half_pixel_centers } = cx.op.options else {
        return invalid("missing resize options");
    };
    let (input, size, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    expect_dtype(out, input.dtype, "output")?;
    let in_shape = nhwc(input, "input")?;
    let [o_n, o_h, o_w, o_c] = nhwc(out, "output")?;
    if size.dtype != DType::I32 {
        return invalid(format!("size {} is {}, TFLM requires int32", size.label(), size.dtype.name()));
    }
    let want = int_values(size, "size")?;
    if want != [o_h as i64, o_w as i64] {
        return invalid(format!("size {} is {want:?}, output {} is {:?}", size.label(), out.label(), out.shape));
    }
    if o_n != in_shape[0] || o_c != in_shape[3] {
        return invalid(format!("input {:?} and output {:?} differ in batch or channels", input.shape, out.shape));
    }
    if in_shape.contains(&0) || o_h == 0 || o_w == 0 {
        return unsupported("resize with an empty dimension");
    }
    if input.dtype != DType::F32 && per_tensor(input)? != per_tensor(out)? {
        return unsupported(format!(
            "input {} and output {} have different quantization (TFLM does not rescale; kiln requires them equal)",
            input.label(),
            out.label()
        ));
    }
    Ok(Resize { input, out, in_shape, out_hw: [o_h, o_w], align_corners, half_pixel_centers })
}

impl Resize<'_> {
    fn summary(&self) -> String {
        let mut opts = vec![];
        if self.align_corners {
            opts.push("align_corners");
        }
        if self.half_pixel_centers {
            opts.push("half_pixel_centers");
        }
        format!("{:?} → {:?}{}{}", self.input.shape, self.out.shape, if opts.is_empty() { "" } else { ", " }, opts.join(", "))
    }
}

/// TFLM's `GetNearestNeighbor`, in single precision like the C++.
fn nearest(v: usize, in_size: usize, out_size: usize, align_corners: bool, half_pixel_centers: bool) -> usize {
    let scale = if align_corners && out_size > 1 {
        (in_size - 1) as f32 / (out_size - 1) as f32
    } else {
        in_size as f32 / out_size as f32
    };
    let offset = if half_pixel_centers { 0.5f32 } else { 0.0 };
    let x = (v as f32 + offset) * scale;
    let mut i = (if align_corners { x.round() } else { x.floor() }) as i64;
    i = i.min(in_size as i64 - 1);
    if half_pixel_centers {
        i = i.max(0);
    }
    i.max(0) as usize
}

fn resize_nearest_neighbor(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let r = resize_operands(cx)?;
    let [n, in_h, in_w, c] = r.in_shape;
    let [out_h, out_w] = r.out_hw;
    let elem = match r.input.dtype {
        DType::I8 => 1,
        DType::I16 => 2,
        _ => 4,
    };
    let rows: Vec<usize> = (0..out_h).map(|y| nearest(y, in_h, out_h, r.align_corners, r.half_pixel_centers)).collect();
    let cols: Vec<usize> = (0..out_w).map(|x| nearest(x, in_w, out_w, r.align_corners, r.half_pixel_centers)).collect();
    let px = c * elem;
    let params = quote!(::kiln::ops::ResizeNearestNeighborParams {
        batches: #n, input: [#in_h, #in_w], pixel_bytes: #px, rows: &[#(#rows),*], cols: &[#(#cols),*],
    });
    let call = Call::Params { func: "resize_nearest_neighbor", ty: "ResizeNearestNeighborParams", params };
    Ok(vec![cx.step(vec![cx.operand(r.input)], r.out, call, 0, r.summary())])
}

fn resize_bilinear(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let r = resize_operands(cx)?;
    if r.align_corners && r.half_pixel_centers {
        return invalid("RESIZE_BILINEAR with both align_corners and half_pixel_centers (TFLM rejects it)");
    }
    let [_, in_h, in_w, _] = r.in_shape;
    let [out_h, out_w] = r.out_hw;
    let (shape, half) = (usizes(&r.in_shape), r.half_pixel_centers);
    let out_of_range = |lo: usize, size: usize| -> R<()> {
        if lo < size {
            Ok(())
        } else {
            unsupported(format!("resize samples input index {lo} of {size} (TFLM would read out of bounds)"))
        }
    };
    if r.input.dtype == DType::I8 {
        // TFLM's ComputeInterpolationValuesInteger: positions in 1/1024 units.
        let scale_10 = |i: usize, o: usize| -> i64 {
            let (i, o) = (i as i64, o as i64);
            if r.align_corners && o > 1 {
                ((1 << 10) * (i - 1) + (o - 1) / 2) / (o - 1)
            } else {
                ((1 << 10) * i + o / 2) / o
            }
        };
        let taps = |in_size: usize, out_size: usize| -> R<Vec<TokenStream>> {
            let s = scale_10(in_size, out_size);
            (0..out_size as i64)
                .map(|v| {
                    let scaled = if half { v * s + s / 2 - (1 << 9) } else { v * s };
                    let lo = (scaled / (1 << 10)).max(0);
                    let hi = ((scaled + (1 << 10) - 1) / (1 << 10)).min(in_size as i64 - 1);
                    let frac = (scaled - (1 << 10) * lo) as i32;
                    let (lo, hi) = (lo as usize, hi.max(0) as usize);
                    out_of_range(lo, in_size)?;
                    Ok(quote!(::kiln::ops::BilinearTap { lo: #lo, hi: #hi, frac: #frac }))
                })
                .collect()
        };
        let (rows, cols) = (taps(in_h, out_h)?, taps(in_w, out_w)?);
        let params = quote!(::kiln::ops::ResizeBilinearParams { input: #shape, rows: &[#(#rows),*], cols: &[#(#cols),*] });
        let call = Call::Params { func: "resize_bilinear_s8", ty: "ResizeBilinearParams", params };
        return Ok(vec![cx.step(vec![cx.operand(r.input)], r.out, call, 0, r.summary())]);
    }
    // TFLM's ComputeInterpolationValues, in single precision.
    let taps = |in_size: usize, out_size: usize| -> R<Vec<TokenStream>> {
        let scale = if r.align_corners && out_size > 1 {
            (in_size - 1) as f32 / (out_size - 1) as f32
        } else {
            in_size as f32 / out_size as f32
        };
        (0..out_size)
            .map(|v| {
                let pos = if half { (v as f32 + 0.5) * scale - 0.5 } else { v as f32 * scale };
                let lo = (pos.floor() as i64).max(0);
                let hi = (pos.ceil() as i64).min(in_size as i64 - 1);
                let frac = pos - lo as f32;
                let (lo, hi) = (lo as usize, hi.max(0) as usize);
                out_of_range(lo, in_size)?;
                Ok(quote!(::kiln::ops::BilinearTap { lo: #lo, hi: #hi, frac: #frac }))
            })
            .collect()
    };
    let (rows, cols) = (taps(in_h, out_h)?, taps(in_w, out_w)?);
    let params = quote!(::kiln::ops::ResizeBilinearF32Params { input: #shape, rows: &[#(#rows),*], cols: &[#(#cols),*] });
    let call = Call::Params { func: "resize_bilinear_f32", ty: "ResizeBilinearF32Params", params };
    Ok(vec![cx.step(vec![cx.operand(r.input)], r.out, call, 0, r.summary())])
}

/// BATCH_MATMUL: rank 2 to 5 operands of one type, batch dimensions broadcast NumPy-style,
/// `adj_x`/`adj_y` read as strides (TFLM transposes copies instead; the products and their order
/// are the same).
fn batch_matmul(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::BatchMatMul { adj_x, adj_y } = cx.op.options else { return invalid("missing BatchMatMulOptions") };
    let (lhs, rhs, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    let dtype = lhs.dtype;
    expect_dtype(rhs, dtype, "right operand")?;
    expect_dtype(out, dtype, "output")?;
    for (t, role) in [(lhs, "left operand"), (rhs, "right operand")] {
        if !(2..=5).contains(&t.shape.len()) {
            return invalid(format!("{role} {} has rank {}, TFLM supports 2 to 5", t.label(), t.shape.len()));
        }
    }
    let (lr, rr) = (lhs.shape.len(), rhs.shape.len());
    let (l_rows, l_cols) = (lhs.shape[lr - 2], lhs.shape[lr - 1]);
    let (r_rows, r_cols) = (rhs.shape[rr - 2], rhs.shape[rr - 1]);
    let (a, b) = if adj_x { (l_cols, l_rows) } else { (l_rows, l_cols) };
    let (b2, c) = if adj_y { (r_cols, r_rows) } else { (r_rows, r_cols) };
    if b != b2 {
        return invalid(format!(
            "inner dimensions differ: {:?} (adj_x {adj_x}) × {:?} (adj_y {adj_y})",
            lhs.shape, rhs.shape
        ));
    }
    // Batch dimensions, left-padded to 3.
    let pad3 = |s: &[usize]| -> [usize; 3] {
        let mut d = [1; 3];
        d[3 - s.len()..].copy_from_slice(s);
        d
    };
    let (lb, rb) = (pad3(&lhs.shape[..lr - 2]), pad3(&rhs.shape[..rr - 2]));
    let mut batches = [1; 3];
    for i in 0..3 {
        batches[i] = match (lb[i], rb[i]) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return invalid(format!("batch dimensions of {:?} and {:?} do not broadcast", lhs.shape, rhs.shape)),
        };
    }
    let out_rank = lr.max(rr);
    let mut want: Vec<usize> = batches[3 - (out_rank - 2)..].to_vec();
    want.extend([a, c]);
    if out.shape != want {
        return invalid(format!("output {} has shape {:?}, expected {want:?}", out.label(), out.shape));
    }
    if [a, b, c].contains(&0) || batches.contains(&0) {
        return unsupported("BATCH_MATMUL with an empty dimension");
    }
    // Element strides of each operand's batch dimensions (0 where it broadcasts).
    let batch_strides = |d: [usize; 3], matrix: usize| -> [usize; 3] {
        let mut s = [0; 3];
        let mut step = matrix;
        for i in (0..3).rev() {
            s[i] = if d[i] == 1 { 0 } else { step };
            step *= d[i];
        }
        s
    };
    let (lbs, rbs) = (batch_strides(lb, a * b), batch_strides(rb, b * c));
    let lhs_strides = if adj_x { [1, a] } else { [b, 1] };
    let rhs_strides = if adj_y { [1, b] } else { [c, 1] };
    let (bt, lbs, rbs, ls, rs) = (usizes(&batches), usizes(&lbs), usizes(&rbs), usizes(&lhs_strides), usizes(&rhs_strides));
    let shape = quote!(::kiln::ops::BatchMatMulShape {
        batches: #bt, lhs_batch_strides: #lbs, rhs_batch_strides: #rbs,
        rows: #a, depth: #b, cols: #c, lhs_strides: #ls, rhs_strides: #rs,
    });
    let (func, ty, params) = match dtype {
        DType::F32 => ("batch_matmul_f32", "BatchMatMulShape", shape),
        DType::I8 | DType::I16 => {
            let (ls_, lz) = per_tensor(lhs)?;
            let (rs_, rz) = per_tensor(rhs)?;
            let (os, oz) = per_tensor(out)?;
            // GetQuantizedConvolutionMultipler: the scale product in single precision.
            let rq = one_requant(quant::quantize_multiplier((ls_ * rs_) as f64 / os as f64));
            if dtype == DType::I16 {
                if (lz, rz, oz) != (0, 0, 0) {
                    return invalid(format!("int16 BATCH_MATMUL needs zero points 0 (TFLM checks it), got {lz}, {rz}, {oz}"));
                }
                ("batch_matmul_s16", "BatchMatMulS16Params", quote!(::kiln::ops::BatchMatMulS16Params { shape: #shape, requant: #rq }))
            } else {
                let (lo, ro) = (-lz, -rz);
                let params = quote!(::kiln::ops::BatchMatMulParams {
                    shape: #shape, lhs_offset: #lo, rhs_offset: #ro, output_zero_point: #oz, requant: #rq,
                });
                ("batch_matmul_s8", "BatchMatMulParams", params)
            }
        }
        other => return unsupported(format!("BATCH_MATMUL on {}", other.name())),
    };
    let macs = (batches.iter().product::<usize>() * a * b * c) as u64;
    let summary = format!("{:?}{} × {:?}{} → {:?}", lhs.shape, if adj_x { "ᵀ" } else { "" }, rhs.shape, if adj_y { "ᵀ" } else { "" }, out.shape);
    Ok(vec![cx.step(vec![cx.operand(lhs), cx.operand(rhs)], out, Call::Params { func, ty, params }, macs, summary)])
}

/// TFLM's float `CalculateActivationRange`: `lowest()`/`max()` when there is no clamp.
fn float_act_range(activation: Activation) -> R<(f32, f32)> {
    Ok(match activation {
        Activation::None => (f32::MIN, f32::MAX),
        Activation::Relu => (0.0, f32::MAX),
        Activation::Relu6 => (0.0, 6.0),
        Activation::ReluN1To1 => (-1.0, 1.0),
        a => return unsupported(format!("fused activation {} on float32", a.name())),
    })
}

/// L2_POOL_2D (TFLM: float32 only): window geometry as for the other pools.
fn l2_pool_2d(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Pool2d { padding, stride, filter, activation } = cx.op.options else {
        return invalid("missing Pool2DOptions");
    };
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(out, DType::F32, "output")?;
    let ([n, h, w, c], expect, [pad_h, pad_w]) = pool_geometry(input, out, padding, filter, stride)?;
    if expect.contains(&0) || h == 0 || w == 0 {
        return unsupported("L2_POOL_2D with an empty dimension");
    }
    let (lo, hi) = float_act_range(activation)?;
    let (i4, o4, k, s, p) = (usizes(&[n, h, w, c]), usizes(&expect), usizes(&filter), usizes(&stride), usizes(&[pad_h, pad_w]));
    let params = quote!(::kiln::ops::L2Pool2dParams {
        input: #i4, output: #o4, filter: #k, stride: #s, pad: #p, act_min: #lo, act_max: #hi,
    });
    let summary = format!(
        "{}x{} stride {}x{} {padding:?} padding {pad_h}/{pad_w}, {}",
        filter[0],
        filter[1],
        stride[0],
        stride[1],
        activation.name()
    );
    Ok(vec![cx.step(vec![cx.operand(input)], out, Call::Params { func: "l2_pool2d_f32", ty: "L2Pool2dParams", params }, 0, summary)])
}
