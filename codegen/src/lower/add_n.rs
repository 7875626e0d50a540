//! ADD_N: the sum of N same-shaped tensors (TFLM supports float32 and int8).

use quote::quote;

use super::*;
use crate::quant;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "ADD_N", dtype: DType::I8, lower: add_n },
    Kernel { op: "ADD_N", dtype: DType::F32, lower: add_n },
];

/// ADD_N: every input of the output's type and shape; int8 inputs share one scale and zero
/// point (TFLM's Prepare rejects anything else), rescaled as TFLM's `CalculateOpData` does.
fn add_n(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (first, out) = (cx.input(0)?, cx.output()?);
    let n = cx.op.inputs.len();
    if n < 2 {
        return invalid(format!("has {n} input(s); ADD_N needs at least two"));
    }
    expect_dtype(out, first.dtype, "output")?;
    let mut operands = Vec::with_capacity(n);
    for i in 0..n {
        let t = cx.input(i)?;
        if t.dtype != first.dtype || t.shape != out.shape {
            return invalid(format!(
                "input {} is {} {:?}; ADD_N needs every input of the output's type and shape ({} {:?})",
                t.label(),
                t.dtype.name(),
                t.shape,
                out.dtype.name(),
                out.shape
            ));
        }
        if t.dtype == DType::I8 && per_tensor(t)? != per_tensor(first)? {
            return invalid(format!(
                "input {} is quantized differently from input {} (TFLM's ADD_N requires one scale and zero point)",
                t.label(),
                first.label()
            ));
        }
        operands.push(cx.operand(t));
    }
    let summary = format!("{n} inputs of {:?}", out.shape);
    if first.dtype == DType::F32 {
        return Ok(vec![cx.step(operands, out, Call::Slices { func: "add_n_f32", params: None }, 0, summary)]);
    }
    let (si, zi) = per_tensor(first)?;
    let (so, zo) = per_tensor(out)?;
    let params = sum_rescale(si, zi, so, zo, out)?;
    Ok(vec![cx.step(operands, out, Call::Slices { func: "add_n_s8", params: Some(("SumRescale", params)) }, 0, summary)])
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
