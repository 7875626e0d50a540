//! CUMSUM (TFLM supports float32 and int8).

use quote::quote;

use super::*;
use crate::ir::MovementOptions;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "CUMSUM", dtype: DType::I8, lower: cumsum },
    Kernel { op: "CUMSUM", dtype: DType::F32, lower: cumsum },
];

/// CUMSUM along a constant axis (input 1, one int32; negative counts from the end), the
/// output of the input's type and shape; int8 rescaled as TFLM's `CalculateOpData` does.
fn cumsum(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Movement(MovementOptions::CumSum { exclusive, reverse }) = cx.op.options else {
        return invalid("missing CumsumOptions");
    };
    let (input, axis_t, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    expect_dtype(out, input.dtype, "output")?;
    if out.shape != input.shape {
        return invalid(format!("output {} has shape {:?}, the input {:?}", out.label(), out.shape, input.shape));
    }
    let axes = int_values(axis_t, "axis")?;
    let rank = input.shape.len() as i64;
    let axis = match axes.as_slice() {
        &[a] if (-rank..rank).contains(&a) => a.rem_euclid(rank) as usize,
        _ => return invalid(format!("axis {} must be one value in -{rank}..{rank}", axis_t.label())),
    };
    let before: usize = input.shape[..axis].iter().product();
    let after: usize = input.shape[axis + 1..].iter().product();
    let depth = input.shape[axis];
    let sum = quote!(::kiln::ops::CumSumParams {
        before: #before, depth: #depth, after: #after, exclusive: #exclusive, reverse: #reverse,
    });
    let summary = format!(
        "axis {axis} of {:?}{}{}",
        input.shape,
        if exclusive { ", exclusive" } else { "" },
        if reverse { ", reverse" } else { "" }
    );
    let operands = vec![cx.operand(input)];
    if input.dtype == DType::F32 {
        return Ok(vec![cx.step(operands, out, Call::Params { func: "cumsum_f32", ty: "CumSumParams", params: sum }, 0, summary)]);
    }
    let (si, zi) = per_tensor(input)?;
    let (so, zo) = per_tensor(out)?;
    let rescale = super::add_n::sum_rescale(si, zi, so, zo, out)?;
    let params = quote!(::kiln::ops::CumSumS8Params { sum: #sum, rescale: #rescale });
    Ok(vec![cx.step(operands, out, Call::Params { func: "cumsum_s8", ty: "CumSumS8Params", params }, 0, summary)])
}
