//! QUANTIZE (keyed on its output type) and DEQUANTIZE (keyed on its input type).

use quote::quote;

use super::*;
use crate::quant;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "QUANTIZE", dtype: DType::I8, lower: quantize_s8 },
    Kernel { op: "QUANTIZE", dtype: DType::U8, lower: quantize_u8 },
    Kernel { op: "DEQUANTIZE", dtype: DType::I8, lower: dequantize_s8 },
];


fn quantize_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(out, DType::I8, "output")?;
    if input.elements() != out.elements() {
        return invalid("input and output sizes differ");
    }
    let (os, oz) = per_tensor(out)?;
    match input.dtype {
        DType::F32 => Ok(vec![cx.step(
            vec![cx.operand(input)],
            out,
            Call::Scalars { func: "quantize_f32_s8", scalars: quote!(#os, #oz) },
            0,
            format!("float32 → int8 (scale {os}, zero point {oz})"),
        )]),
        DType::I8 => requantize(cx, input, out, "requantize_s8"),
        DType::U8 => requantize(cx, input, out, "requantize_u8_s8"),
        DType::I16 => super::int16::quantize_s16_to_s8(cx),
        other => unsupported(format!("QUANTIZE from {}", other.name())),
    }
}

/// QUANTIZE to uint8: from int8 (a uint8 model output, as `inference_output_type = tf.uint8`
/// writes it), TFLM's `Requantize` clamped to 0..=255; from uint8 (TF1's converter where two
/// uint8 ranges meet) and float32 (a TF1 uint8 model with float input), LiteRT's reference
/// `Requantize` / `AffineQuantize` on uint8.
fn quantize_u8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(out, DType::U8, "output")?;
    if input.elements() != out.elements() {
        return invalid("input and output sizes differ");
    }
    match input.dtype {
        DType::I8 => requantize(cx, input, out, "requantize_s8_u8"),
        DType::U8 => requantize(cx, input, out, "requantize_u8"),
        DType::F32 => {
            let (os, oz) = per_tensor(out)?;
            Ok(vec![cx.step(
                vec![cx.operand(input)],
                out,
                Call::Scalars { func: "quantize_f32_u8", scalars: quote!(#os, #oz) },
                0,
                format!("float32 → uint8 (scale {os}, zero point {oz})"),
            )])
        }
        other => unsupported(format!("QUANTIZE from {} to uint8", other.name())),
    }
}

/// QUANTIZE between 8-bit types (`func`: which pair), TFLM's `Requantize`: the input rescaled
/// by `input_scale / output_scale` (QuantizeMultiplier), zero points subtracted and added.
fn requantize(cx: &Ctx<'_>, input: &Tensor, out: &Tensor, func: &'static str) -> R<Vec<Step>> {
    let ((is, iz), (os, oz)) = (per_tensor(input)?, per_tensor(out)?);
    let rq = one_requant(quant::quantize_multiplier(is as f64 / os as f64));
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Scalars { func, scalars: quote!(#iz, #oz, #rq) },
        0,
        format!("{} → {} (scale {is} → {os}, zero point {iz} → {oz})", input.dtype.name(), out.dtype.name()),
    )])
}


fn dequantize_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(input, DType::I8, "input")?;
    expect_dtype(out, DType::F32, "output")?;
    if input.elements() != out.elements() {
        return invalid("input and output sizes differ");
    }
    let (s, z) = per_tensor(input)?;
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Scalars { func: "dequantize_s8_f32", scalars: quote!(#s, #z) },
        0,
        format!("int8 → float32 (scale {s}, zero point {z})"),
    )])
}
