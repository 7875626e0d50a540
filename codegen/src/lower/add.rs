//! ADD.

use quote::quote;

use super::*;
use crate::quant;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "ADD", dtype: DType::I8, lower: add_quantized },
    Kernel { op: "ADD", dtype: DType::I16, lower: add_quantized },
];

/// ADD on int8 or int16 (TFLM's `CalculateOpDataAdd`: one general rescaling path for both, with
/// a left shift of 20 for int8 and 15 for int16; TFLM ignores `pot_scale_int16`).
fn add_quantized(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let op = cx.op;
    let Options::Add { activation } = op.options else { return invalid("missing AddOptions") };
    let (a, b, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    let int16 = a.dtype == DType::I16;
    let dtype = if int16 { DType::I16 } else { DType::I8 };
    for (t, r) in [(a, "input 1"), (b, "input 2"), (out, "output")] {
        expect_dtype(t, dtype, r)?;
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
    let left_shift: i32 = if int16 { 15 } else { 20 };
    let twice_max = 2.0 * s1.max(s2) as f64;
    let r1 = quant::quantize_multiplier(s1 as f64 / twice_max);
    let r2 = quant::quantize_multiplier(s2 as f64 / twice_max);
    let ro = quant::quantize_multiplier(twice_max / ((1i64 << left_shift) as f64 * so as f64));
    if ro.shift > 0 {
        // TFLM's QuantizeMultiplierSmallerThanOneExp aborts here (the output scale is tiny
        // next to the inputs'); report it instead of emitting a different rescale.
        return unsupported(format!(
            "output {} scale {so} is too small for the inputs' scales {s1} and {s2} (TFLM requires an output \
             multiplier below 1)",
            out.label()
        ));
    }
    let (act_min, act_max) = if int16 {
        match quant::activation_range(activation, so, zo, -32768, 32767) {
            Some((lo, hi)) if lo <= hi => (lo, hi),
            Some(_) => return invalid(format!("fused {} on {} leaves an empty range", activation.name(), out.label())),
            None => return unsupported(format!("fused activation {} is not supported on int16", activation.name())),
        }
    } else {
        act_range(activation, out, (so, zo))?
    };
    let (sa, sb, so4) = (usizes(&rank4(&a.shape)?), usizes(&rank4(&b.shape)?), usizes(&rank4(&shape)?));
    let (q1, q2, qo) = (one_requant(r1), one_requant(r2), one_requant(ro));
    let (o1, o2) = (-z1, -z2);
    let params = quote!(::kiln::ops::AddParams {
        input1_offset: #o1, input2_offset: #o2, left_shift: #left_shift,
        input1_requant: #q1, input2_requant: #q2, output_requant: #qo,
        output_offset: #zo, act_min: #act_min, act_max: #act_max,
        input1_shape: #sa, input2_shape: #sb, output_shape: #so4,
    });
    let summary = format!("{:?} + {:?}, {}", a.shape, b.shape, activation.name());
    Ok(vec![cx.step(
        vec![cx.operand(a), cx.operand(b)],
        out,
        Call::Params { func: if int16 { "add_s16" } else { "add_s8" }, ty: "AddParams", params },
        0,
        summary,
    )])
}
