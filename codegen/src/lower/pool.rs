//! AVERAGE_POOL_2D and MAX_POOL_2D.

use quote::quote;

use super::*;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "AVERAGE_POOL_2D", dtype: DType::I8, lower: pool2d_s8 },
    Kernel { op: "MAX_POOL_2D", dtype: DType::I8, lower: pool2d_s8 },
];


fn pool2d_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    pool2d_quantized(cx, DType::I8, act_range, ["max_pool2d_s8", "average_pool2d_s8"], "")
}

/// AVERAGE_POOL_2D / MAX_POOL_2D on a quantized type (int8 here, int16 in `int16.rs`): the
/// window geometry, input and output quantization equal (TFLM requires it, so no rescaling),
/// and the fused activation's range from `act_range(activation, output, (scale, zero point))`.
/// `funcs` are the MAX and AVERAGE kernels; `summary_suffix` ends the step's summary.
pub(super) fn pool2d_quantized(
    cx: &Ctx<'_>,
    dtype: DType,
    act_range: impl Fn(Activation, &Tensor, (f32, i32)) -> R<(i32, i32)>,
    [max_func, average_func]: [&'static str; 2],
    summary_suffix: &str,
) -> R<Vec<Step>> {
    let op = cx.op;
    let Options::Pool2d { padding, stride, filter, activation } = op.options else {
        return invalid("missing Pool2DOptions");
    };
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(input, dtype, "input")?;
    expect_dtype(out, dtype, "output")?;
    let ([n, h, w, c], expect, [pad_h, pad_w]) = pool_geometry(input, out, padding, filter, stride)?;
    let (in_q, out_q) = (per_tensor(input)?, per_tensor(out)?);
    if in_q != out_q {
        return unsupported("input and output quantization differ (TFLM requires them equal)");
    }
    let (act_min, act_max) = act_range(activation, out, out_q)?;
    let (i4, o4, k, s, p) = (usizes(&[n, h, w, c]), usizes(&expect), usizes(&filter), usizes(&stride), usizes(&[pad_h, pad_w]));
    let params = quote!(::kiln::ops::Pool2dParams {
        input: #i4, output: #o4, kernel: #k, stride: #s, pad: #p, act_min: #act_min, act_max: #act_max,
    });
    let func = if op.name == "MAX_POOL_2D" { max_func } else { average_func };
    let summary = format!(
        "{}x{} stride {}x{} {padding:?} padding {pad_h}/{pad_w}, {}{summary_suffix}",
        filter[0],
        filter[1],
        stride[0],
        stride[1],
        activation.name()
    );
    Ok(vec![cx.step(vec![cx.operand(input)], out, Call::Params { func, ty: "Pool2dParams", params }, 0, summary)])
}
