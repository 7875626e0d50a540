//! SOFTMAX.

use quote::quote;

use super::*;
use crate::quant;

pub(super) const KERNELS: &[Kernel] = &[Kernel { op: "SOFTMAX", dtype: DType::I8, lower: softmax_s8 }];


fn softmax_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let op = cx.op;
    let Options::Softmax { beta } = op.options else { return invalid("missing SoftmaxOptions") };
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(input, DType::I8, "input")?;
    let (in_s, _) = per_tensor(input)?;
    let (out_s, out_zp) = per_tensor(out)?;
    // int8 → int16 (keyword models): TFLM checks only the zero point; the kernel's output is
    // the probability on a 2^-16 grid whatever the scale says.
    let func = match out.dtype {
        DType::I16 if out_zp == -32768 => "softmax_s8_s16",
        DType::I16 => {
            return invalid(format!("int16 softmax output {} must have zero point -32768 (has {out_zp})", out.label()))
        }
        _ => {
            expect_dtype(out, DType::I8, "output")?;
            "softmax_s8"
        }
    };
    if func == "softmax_s8" && (out_zp != -128 || (out_s - 1.0 / 256.0).abs() > 0.001 * (1.0 / 256.0)) {
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
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func, ty: "SoftmaxParams", params },
        0,
        format!("beta {beta}, {rows} row(s) of {depth}"),
    )])
}
