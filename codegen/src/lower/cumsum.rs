//! CUMSUM (TFLM supports float32 and int8).

use quote::quote;

use super::*;
use crate::ir::MovementOptions;
use crate::quant;

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
    let rescale = sum_rescale(si, zi, so, zo, out)?;
    let params = quote!(::kiln::ops::CumSumS8Params { sum: #sum, rescale: #rescale });
    Ok(vec![cx.step(operands, out, Call::Params { func: "cumsum_s8", ty: "CumSumS8Params", params }, 0, summary)])
}

/// `kiln::ops::SumRescale` for int8 terms of scale `si` / zero point `zi` summed into an output
/// of `so` / `zo` (TFLM's ADD_N and CUMSUM `OpData`: left shift 20, each term at half its own
/// scale, no fused activation).
pub(super) fn sum_rescale(si: f32, zi: i32, so: f32, zo: i32, out: &Tensor) -> R<TokenStream> {
    let left_shift = 20i32;
    let twice = 2.0 * si as f64;
    let ri = quant::quantize_multiplier(si as f64 / twice);
    let ro = quant::quantize_multiplier(twice / ((1i64 << left_shift) as f64 * so as f64));
    if ro.shift > 0 {
        return unsupported(format!(
            "output {} scale {so} is too small for the input scale {si} (TFLM requires an output multiplier below 1)",
            out.label()
        ));
    }
    let (qi, qo, offset) = (one_requant(ri), one_requant(ro), -zi);
    Ok(quote!(::kiln::ops::SumRescale {
        input_offset: #offset, left_shift: #left_shift, input_requant: #qi, output_requant: #qo,
        output_offset: #zo, act_min: -128i32, act_max: 127i32,
    }))
}
