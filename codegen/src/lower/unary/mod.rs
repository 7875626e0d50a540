//! Elementwise unary ops and activations (LOGISTIC, TANH, HARD_SWISH, ...).
//!
//! **int8: one table per op.** An int8 input has only 256 possible values, so every int8 unary
//! op here is lowered to a 256-entry lookup table computed at compile time by running TFLM's
//! own per-element arithmetic (fixed-point for LOGISTIC/TANH/HARD_SWISH/LEAKY_RELU/RELU/ABS,
//! exactly as TFLM computes them per element) on every input byte. The
//! emitted kernel (`ops::lut_s8`) is then a single load per element, and bit-exactness is a
//! property of the table, which the unit tests in [`tables`] and the zoo goldens check.
//!
//! **int16** cannot be tabulated cheaply (65 536 entries), so int16 ops have their own kernels
//! with the prepare-time constants folded into a params struct.

use proc_macro2::TokenStream;
use quote::quote;

use super::*;
use crate::quant;

mod fixed;
pub(crate) mod tables;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "ABS", dtype: DType::F32, lower: abs_f32 },
    Kernel { op: "CAST", dtype: DType::Bool, lower: cast },
    Kernel { op: "CAST", dtype: DType::I8, lower: cast },
    Kernel { op: "CAST", dtype: DType::I16, lower: cast },
    Kernel { op: "CAST", dtype: DType::I32, lower: cast },
    Kernel { op: "CAST", dtype: DType::F32, lower: cast },
    Kernel { op: "CEIL", dtype: DType::F32, lower: ceil_f32 },
    Kernel { op: "COS", dtype: DType::F32, lower: cos_f32 },
    Kernel { op: "ELU", dtype: DType::F32, lower: elu_f32 },
    Kernel { op: "EXP", dtype: DType::F32, lower: exp_f32 },
    Kernel { op: "FLOOR", dtype: DType::F32, lower: floor_f32 },
    Kernel { op: "HARD_SWISH", dtype: DType::F32, lower: hard_swish_f32 },
    Kernel { op: "LEAKY_RELU", dtype: DType::F32, lower: leaky_relu_f32 },
    Kernel { op: "LOGICAL_NOT", dtype: DType::Bool, lower: logical_not },
    Kernel { op: "LOG", dtype: DType::F32, lower: log_f32 },
    Kernel { op: "LOG_SOFTMAX", dtype: DType::I8, lower: log_softmax_s8 },
    Kernel { op: "LOG_SOFTMAX", dtype: DType::F32, lower: log_softmax_f32 },
    Kernel { op: "NEG", dtype: DType::F32, lower: neg_f32 },
    Kernel { op: "RELU", dtype: DType::F32, lower: relu_f32 },
    Kernel { op: "RELU6", dtype: DType::F32, lower: relu6_f32 },
    Kernel { op: "ROUND", dtype: DType::F32, lower: round_f32 },
    Kernel { op: "RSQRT", dtype: DType::I8, lower: rsqrt_s8 },
    Kernel { op: "RSQRT", dtype: DType::F32, lower: rsqrt_f32 },
    Kernel { op: "SIN", dtype: DType::F32, lower: sin_f32 },
    Kernel { op: "SQRT", dtype: DType::F32, lower: sqrt_f32 },
    Kernel { op: "SQUARE", dtype: DType::F32, lower: square_f32 },
    Kernel { op: "ABS", dtype: DType::I8, lower: abs_s8 },
    Kernel { op: "ABS", dtype: DType::I16, lower: abs_s16 },
    Kernel { op: "HARD_SWISH", dtype: DType::I8, lower: hard_swish_s8 },
    Kernel { op: "L2_NORMALIZATION", dtype: DType::I8, lower: l2_normalization_s8 },
    Kernel { op: "L2_NORMALIZATION", dtype: DType::F32, lower: l2_normalization_f32 },
    Kernel { op: "LEAKY_RELU", dtype: DType::I8, lower: leaky_relu_s8 },
    Kernel { op: "LEAKY_RELU", dtype: DType::I16, lower: leaky_relu_s16 },
    Kernel { op: "LOGISTIC", dtype: DType::I8, lower: logistic_s8 },
    Kernel { op: "LOGISTIC", dtype: DType::I16, lower: logistic_s16 },
    Kernel { op: "LOGISTIC", dtype: DType::F32, lower: logistic_f32 },
    Kernel { op: "RELU", dtype: DType::I8, lower: relu_s8 },
    Kernel { op: "RELU", dtype: DType::I16, lower: relu_s16 },
    Kernel { op: "RELU6", dtype: DType::I8, lower: relu6_s8 },
    Kernel { op: "RELU6", dtype: DType::I16, lower: relu6_s16 },
    Kernel { op: "TANH", dtype: DType::I8, lower: tanh_s8 },
    Kernel { op: "TANH", dtype: DType::I16, lower: tanh_s16 },
    Kernel { op: "TANH", dtype: DType::F32, lower: tanh_f32 },
    Kernel { op: "ZEROS_LIKE", dtype: DType::F32, lower: zeros_like_f32 },
    Kernel { op: "ZEROS_LIKE", dtype: DType::I32, lower: zeros_like_i32 },
];

/// Input and output of a one-input elementwise op: same dtype (`dtype`), same shape, one
/// scale and zero point each. Returns `(input, output, input quant, output quant)`.
/// `(input, output, input (scale, zero point), output (scale, zero point))`.
type UnaryIo<'a> = (&'a Tensor, &'a Tensor, (f32, i32), (f32, i32));

fn unary_io<'a>(cx: &Ctx<'a>, dtype: DType) -> R<UnaryIo<'a>> {
    if cx.op.inputs.len() != 1 {
        return invalid(format!("has {} inputs, expected 1", cx.op.inputs.len()));
    }
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(input, dtype, "input")?;
    expect_dtype(out, dtype, "output")?;
    if input.shape != out.shape {
        return invalid(format!(
            "output {} has shape {:?}, the input {} has {:?} (elementwise ops keep the shape)",
            out.label(),
            out.shape,
            input.label(),
            input.shape
        ));
    }
    let qi = per_tensor(input)?;
    let qo = per_tensor(out)?;
    for (t, (_, z), lo, hi) in [(input, qi, -128, 127), (out, qo, -128, 127)] {
        if dtype == DType::I8 && !(lo..=hi).contains(&z) {
            return invalid(format!("{} has zero point {z}, outside int8", t.label()));
        }
    }
    Ok((input, out, qi, qo))
}

/// The step of an int8 op evaluated through `table` (entry `k` is the output for input `k − 128`).
fn lut_step(cx: &Ctx<'_>, input: &Tensor, out: &Tensor, table: [i8; 256], summary: String) -> R<Vec<Step>> {
    let entries = table.iter();
    let params = quote!(::kiln::ops::LutS8Params { table: &[#(#entries),*] });
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "lut_s8", ty: "LutS8Params", params },
        0,
        summary,
    )])
}

fn quant_summary((s, z): (f32, i32)) -> String {
    format!("scale {s:e}, zero point {z}")
}

fn abs_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out, qi, qo) = unary_io(cx, DType::I8)?;
    let table = tables::abs(qi, qo);
    lut_step(cx, input, out, table, format!("|x| via a 256-entry table, input {}", quant_summary(qi)))
}

fn hard_swish_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out, qi, qo) = unary_io(cx, DType::I8)?;
    let table = tables::hard_swish(qi, qo).or_else(|m| invalid(format!("output {}: {m}", out.label())))?;
    lut_step(cx, input, out, table, format!("x·relu6(x+3)/6 via a 256-entry table, input {}", quant_summary(qi)))
}

fn leaky_alpha(cx: &Ctx<'_>) -> R<f32> {
    match cx.op.options {
        Options::LeakyRelu { alpha } if alpha.is_finite() => Ok(alpha),
        Options::LeakyRelu { alpha } => invalid(format!("LeakyReluOptions alpha is {alpha}")),
        _ => invalid("missing LeakyReluOptions"),
    }
}

fn leaky_relu_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let alpha = leaky_alpha(cx)?;
    let (input, out, qi, qo) = unary_io(cx, DType::I8)?;
    let table = tables::leaky_relu(qi, qo, alpha);
    lut_step(cx, input, out, table, format!("leaky relu alpha {alpha} via a 256-entry table"))
}

fn logistic_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out, qi, qo) = unary_io(cx, DType::I8)?;
    // TFLM's Prepare requires it; the kernel writes sigmoid in units of 1/256 from -128.
    if qo.1 != -128 {
        return invalid(format!("int8 LOGISTIC output {} must have zero point -128 (has {})", out.label(), qo.1));
    }
    let table = tables::logistic(qi);
    lut_step(cx, input, out, table, format!("sigmoid via a 256-entry table, input {}", quant_summary(qi)))
}

fn tanh_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out, qi, qo) = unary_io(cx, DType::I8)?;
    // The kernel writes tanh in units of 1/128 around 0 whatever the output's parameters.
    if qo.1 != 0 {
        return invalid(format!("int8 TANH output {} must have zero point 0 (has {})", out.label(), qo.1));
    }
    let table = tables::tanh(qi);
    lut_step(cx, input, out, table, format!("tanh via a 256-entry table, input {}", quant_summary(qi)))
}

fn rsqrt_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out, qi, qo) = unary_io(cx, DType::I8)?;
    let table = tables::rsqrt(qi, qo);
    lut_step(cx, input, out, table, format!("1/sqrt(x) via a 256-entry table, input {}", quant_summary(qi)))
}

fn relu_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out, qi, qo) = unary_io(cx, DType::I8)?;
    let table = tables::relu(qi, qo);
    lut_step(cx, input, out, table, format!("relu via a 256-entry table, input {}", quant_summary(qi)))
}

fn relu6_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out, qi, _) = unary_io(cx, DType::I8)?;
    let table = tables::relu6(qi);
    lut_step(cx, input, out, table, "relu6 (clamp to [0, 6] on the input's scale) via a 256-entry table".to_string())
}

/// TFLM's LEAKY_RELU prepare: identity and alpha multipliers from double quotients. (The
/// current TFLM source divides in float before widening; the TFLM build kiln is checked
/// against divides in double, which the shared int16 models distinguish: 14 of 23 differ by
/// one step on some element with float quotients, none with double.)
fn leaky_multipliers((si, _): (f32, i32), (so, _): (f32, i32), alpha: f32) -> (Requant, Requant) {
    let identity = quant::quantize_multiplier(si as f64 / so as f64);
    let alpha = quant::quantize_multiplier(si as f64 * alpha as f64 / so as f64);
    (identity, alpha)
}

fn leaky_relu_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let alpha = leaky_alpha(cx)?;
    let (input, out, qi, qo) = unary_io(cx, DType::I16)?;
    let (identity, alpha_rq) = leaky_multipliers(qi, qo, alpha);
    leaky_s16_step(cx, input, out, qi.1, qo.1, identity, alpha_rq, format!("leaky relu alpha {alpha}"))
}

/// RELU on int16 is TFLM's `ReluQuantized`: rescale, then clamp below at the output zero point
/// (0: TFLM requires symmetric int16). For a negative input the rescaled value is ≤ 0 and the
/// clamp makes it 0; that is the LEAKY_RELU kernel with a zero alpha multiplier, which is how it
/// is emitted.
fn relu_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out, qi, qo) = unary_io(cx, DType::I16)?;
    if qi.1 != 0 || qo.1 != 0 {
        return invalid(format!("int16 RELU needs zero points 0 (input {}, output {})", qi.1, qo.1));
    }
    let identity = quant::quantize_multiplier(qi.0 as f64 / qo.0 as f64);
    let zero = Requant { multiplier: 0, shift: 0 };
    leaky_s16_step(cx, input, out, 0, 0, identity, zero, "relu".to_string())
}

#[allow(clippy::too_many_arguments)]
fn leaky_s16_step(
    cx: &Ctx<'_>,
    input: &Tensor,
    out: &Tensor,
    input_zp: i32,
    output_zp: i32,
    identity: Requant,
    alpha: Requant,
    summary: String,
) -> R<Vec<Step>> {
    // TFLM multiplies by |alpha multiplier| and negates the product for a negative alpha.
    let alpha_negative = alpha.multiplier < 0;
    let alpha_abs = Requant { multiplier: alpha.multiplier.wrapping_abs(), shift: alpha.shift };
    let (qid, qal) = (one_requant(identity), one_requant(alpha_abs));
    let params = quote!(::kiln::ops::LeakyReluS16Params {
        input_zero_point: #input_zp, output_zero_point: #output_zp,
        identity: #qid, alpha: #qal, alpha_negative: #alpha_negative,
    });
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "leaky_relu_s16", ty: "LeakyReluS16Params", params },
        0,
        summary,
    )])
}

/// TFLM `CheckedLog2`: `log2(x)` rounded (single precision, as TFLM computes it) and whether
/// `x` is a power of two to within 10^-3 in the exponent.
fn checked_log2(x: f32) -> (i32, bool) {
    let log2 = x.ln() * (1.0f32 / 2.0f32.ln());
    let rounded = log2.round();
    (rounded as i32, (log2 - rounded).abs() < 1e-3)
}

/// The int16 LOGISTIC/TANH prepare (TFLM `CalculateArithmeticOpData*`): symmetric int16, output
/// scale 2^-15, and the input rescaled to 1/(3·4096) per unit (the table's ±10.7 range over
/// ±2^17) by an integer multiplier below 2^15 and a right shift. A power-of-two input scale
/// whose shift comes out as one of `pot_shifts` uses TFLM's exact `3 << shift` multiplier.
fn sigmoid16_params(cx: &Ctx<'_>, pot_shifts: &[i32]) -> R<(&'static str, TokenStream, String)> {
    let (_, out, qi, qo) = unary_io(cx, DType::I16)?;
    if qi.1 != 0 || qo.1 != 0 {
        return invalid(format!("int16 {} needs zero points 0 (input {}, output {})", cx.op.name, qi.1, qo.1));
    }
    let (out_log2, out_pot) = checked_log2(qo.0);
    if !out_pot || out_log2 != -15 {
        return invalid(format!("int16 {} output {} must have scale 2^-15 (has {})", cx.op.name, out.label(), qo.0));
    }
    const INPUT_INTEGER_BITS: i32 = 3;
    let (in_log2, in_pot) = checked_log2(qi.0);
    let pot_shift = (15 - INPUT_INTEGER_BITS) + in_log2;
    let (multiplier, shift) = if in_pot && pot_shifts.contains(&pot_shift) {
        (3 << pot_shift, 0)
    } else {
        let mut multiplier = qi.0 as f64 * 4096.0 * 3.0;
        let mut shift = 0;
        while multiplier <= 32767.0 / 2.0 && shift <= 30 {
            shift += 1;
            multiplier *= 2.0;
        }
        if multiplier > 32767.0 {
            return unsupported(format!(
                "int16 {} input scale {} is too coarse for TFLM's table (multiplier {multiplier} > 32767)",
                cx.op.name, qi.0
            ));
        }
        (multiplier as i32, shift)
    };
    let params = quote!(::kiln::ops::Sigmoid16Params { input_multiplier: #multiplier, input_left_shift: #shift });
    Ok(("Sigmoid16Params", params, format!("input scale {:e} → (x·{multiplier}) >> {shift}", qi.0)))
}

fn sigmoid16_step(cx: &Ctx<'_>, func: &'static str, pot_shifts: &[i32]) -> R<Vec<Step>> {
    let (ty, params, summary) = sigmoid16_params(cx, pot_shifts)?;
    let (input, out) = (cx.input(0)?, cx.output()?);
    Ok(vec![cx.step(vec![cx.operand(input)], out, Call::Params { func, ty, params }, 0, summary)])
}

fn logistic_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    sigmoid16_step(cx, "logistic_s16", &[0])
}

/// TANH accepts the power-of-two shortcut for shifts 0 and 1 (LOGISTIC only for 0).
fn tanh_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    sigmoid16_step(cx, "tanh_s16", &[0, 1])
}

/// Input and output of an unquantized elementwise op of type `dtype` (same shape).
fn plain_io<'a>(cx: &Ctx<'a>, dtype: DType) -> R<(&'a Tensor, &'a Tensor)> {
    if cx.op.inputs.len() != 1 {
        return invalid(format!("has {} inputs, expected 1", cx.op.inputs.len()));
    }
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(input, dtype, "input")?;
    expect_dtype(out, dtype, "output")?;
    if input.shape != out.shape {
        return invalid(format!(
            "output {} has shape {:?}, the input {} has {:?} (elementwise ops keep the shape)",
            out.label(),
            out.shape,
            input.label(),
            input.shape
        ));
    }
    Ok((input, out))
}

/// A parameterless elementwise kernel `ops::<func>(input, output)` on `dtype`.
fn plain_step(cx: &Ctx<'_>, dtype: DType, func: &'static str, summary: &str) -> R<Vec<Step>> {
    let (input, out) = plain_io(cx, dtype)?;
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Scalars { func, scalars: TokenStream::new() },
        0,
        summary.to_string(),
    )])
}

fn abs_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "abs_f32", "|x|")
}
fn ceil_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "ceil_f32", "ceil(x)")
}
fn exp_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "exp_elementwise_f32", "exp(x)")
}
fn logistic_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "logistic_f32", "1/(1 + exp(-x))")
}
fn zeros_like_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "zeros_like", "zeros")
}
fn zeros_like_i32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::I32, "zeros_like", "zeros")
}
fn elu_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "elu_f32", "x < 0 ? expm1(x) : x")
}
fn tanh_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "tanh_f32", "tanh(x)")
}
fn sin_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "sin_f32", "sin(x)")
}
fn cos_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "cos_f32", "cos(x)")
}
fn log_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "log_f32", "ln(x)")
}
fn floor_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "floor_elementwise_f32", "floor(x)")
}
fn hard_swish_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "hard_swish_f32", "x·min(6, max(0, x + 3))/6")
}
fn logical_not(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::Bool, "logical_not", "!x")
}
fn neg_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "neg_f32", "-x")
}
fn relu_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "relu_f32", "max(x, 0)")
}
fn relu6_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "relu6_f32", "min(max(x, 0), 6)")
}
fn round_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "round_f32", "round half to even")
}
fn rsqrt_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "rsqrt_f32", "1/sqrt(x)")
}
fn sqrt_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "sqrt_f32", "sqrt(x), correctly rounded")
}
fn square_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    plain_step(cx, DType::F32, "square_f32", "x·x")
}

fn leaky_relu_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let alpha = leaky_alpha(cx)?;
    let (input, out) = plain_io(cx, DType::F32)?;
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Scalars { func: "leaky_relu_f32", scalars: quote!(#alpha) },
        0,
        format!("x > 0 ? x : {alpha}·x"),
    )])
}

/// `ops::CastType` variant of a dtype CAST can read (`Some`) — all of them but bool can also be
/// written.
fn cast_type(d: DType) -> Option<TokenStream> {
    Some(match d {
        DType::Bool => quote!(Bool),
        DType::I8 => quote!(I8),
        DType::I16 => quote!(I16),
        DType::I32 => quote!(I32),
        DType::U32 => quote!(U32),
        DType::F32 => quote!(F32),
        _ => return None,
    })
}

/// CAST: TFLM's `static_cast` per element, between the types TFLM's kernel handles.
fn cast(cx: &Ctx<'_>) -> R<Vec<Step>> {
    if cx.op.inputs.len() != 1 {
        return invalid(format!("has {} inputs, expected 1", cx.op.inputs.len()));
    }
    let (input, out) = (cx.input(0)?, cx.output()?);
    if input.shape != out.shape {
        return invalid(format!("output {} has shape {:?}, the input has {:?}", out.label(), out.shape, input.shape));
    }
    let Some(from) = cast_type(input.dtype) else {
        return unsupported(format!("CAST from {} (TFLM casts from bool, int8, int16, int32, uint32, float32)", input.dtype.name()));
    };
    let to = match cast_type(out.dtype) {
        Some(t) if out.dtype != DType::Bool => t,
        _ => {
            return unsupported(format!(
                "CAST to {} (TFLM casts to int8, int16, int32, uint32, float32)",
                out.dtype.name()
            ))
        }
    };
    let params = quote!(::kiln::ops::CastParams { from: ::kiln::ops::CastType::#from, to: ::kiln::ops::CastType::#to });
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "cast", ty: "CastParams", params },
        0,
        format!("{} → {}", input.dtype.name(), out.dtype.name()),
    )])
}

/// LOG_SOFTMAX int8 (TFLM `log_softmax.cc`): output fixed at scale 16/256 and zero point 127
/// (log-probabilities in [−16, 0]); beta 1; input differences scaled to Q5.26.
fn log_softmax_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out, (in_s, _), (out_s, out_zp)) = unary_io(cx, DType::I8)?;
    if out_s != 16.0 / 256.0 || out_zp != 127 {
        return invalid(format!(
            "int8 LOG_SOFTMAX output {} must have scale 16/256 and zero point 127 (has {out_s} and {out_zp})",
            out.label()
        ));
    }
    let depth = match input.shape.last() {
        Some(&d) if d > 0 => d,
        _ => return invalid(format!("input {} has shape {:?}: LOG_SOFTMAX needs a non-empty last axis", input.label(), input.shape)),
    };
    let rows = input.elements() / depth;
    const SCALED_DIFF_INTEGER_BITS: i32 = 5;
    // TFLM's QuantizeMultiplierGreaterThanOne needs scale · 2^26 > 1 (a left shift).
    let real = in_s as f64 * (1i64 << (31 - SCALED_DIFF_INTEGER_BITS)) as f64;
    if real <= 1.0 {
        return invalid(format!("input scale {in_s} is too small (TFLM requires scale × 2^26 > 1)"));
    }
    let input_multiplier = quant::softmax_input_scaling(1.0, in_s, SCALED_DIFF_INTEGER_BITS);
    let reverse = quant::quantize_multiplier(
        (1i64 << (31 - input_multiplier.shift)) as f64 / input_multiplier.multiplier as f64,
    );
    let diff_min = -quant::input_radius(SCALED_DIFF_INTEGER_BITS, input_multiplier.shift);
    let (qi, qr) = (one_requant(input_multiplier), one_requant(reverse));
    let params = quote!(::kiln::ops::LogSoftmaxParams {
        rows: #rows, depth: #depth, input_multiplier: #qi, reverse_scaling: #qr, diff_min: #diff_min,
    });
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "log_softmax_s8", ty: "LogSoftmaxParams", params },
        0,
        format!("{rows} row(s) of {depth}, input scale {in_s:e}"),
    )])
}

/// L2_NORMALIZATION int8 (TFLM `l2norm.cc`): rows of the innermost axis scaled to unit L2 norm,
/// written in units of 1/128 around 0 (TFLM does not rescale to the output's parameters; the
/// converter gives the output scale 1/128 and zero point 0). No fused activation (TFLM's
/// Prepare rejects one), rank at most 4.
fn l2_normalization_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    l2_normalization(cx, DType::I8, "l2_normalization_s8")
}

fn l2_normalization_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    l2_normalization(cx, DType::F32, "l2_normalization_f32")
}

fn l2_normalization(cx: &Ctx<'_>, dtype: DType, func: &'static str) -> R<Vec<Step>> {
    match cx.op.options {
        Options::L2Norm { activation: Activation::None } => {}
        Options::L2Norm { activation } => {
            return unsupported(format!("fused {} on L2_NORMALIZATION (TFLM supports none)", activation.name()))
        }
        _ => return invalid("missing L2NormOptions"),
    }
    let (input, out, in_zp) = if dtype == DType::I8 {
        let (input, out, (_, zp), _) = unary_io(cx, dtype)?;
        (input, out, zp)
    } else {
        let (input, out) = plain_io(cx, dtype)?;
        (input, out, 0)
    };
    if input.shape.len() > 4 {
        return unsupported(format!("input {} has rank {} (TFLM allows at most 4)", input.label(), input.shape.len()));
    }
    let depth = match input.shape.last() {
        Some(&d) if d > 0 => d,
        _ => return invalid(format!("input {} has shape {:?}: needs a non-empty last axis", input.label(), input.shape)),
    };
    let rows = input.elements() / depth;
    let params = quote!(::kiln::ops::L2NormalizationParams { rows: #rows, depth: #depth, input_zero_point: #in_zp });
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func, ty: "L2NormalizationParams", params },
        0,
        format!("{rows} row(s) of {depth}"),
    )])
}

/// ABS int16 (TFLM `AbsEvalQuantized<int16_t>`): symmetric int16, rescaled by the float quotient
/// of the scales when they differ.
fn abs_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out, (si, zi), (so, zo)) = unary_io(cx, DType::I16)?;
    if zi != 0 || zo != 0 {
        return invalid(format!("int16 ABS needs zero points 0 (input {zi}, output {zo})"));
    }
    let rescale = si != so;
    let rq = one_requant(quant::quantize_multiplier((si / so) as f64));
    let params = quote!(::kiln::ops::AbsS16Params { requant: #rq, rescale: #rescale });
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "abs_s16", ty: "AbsS16Params", params },
        0,
        format!("|x|, scales {si:e} → {so:e}"),
    )])
}

/// RELU6 int16 (TFLM `Relu6Quantized<int16_t>`): clamp to the input's zero point and its
/// quantization of 6.0, `round(6 / scale) + zero point` saturated to int16.
fn relu6_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out, (si, zi), _) = unary_io(cx, DType::I16)?;
    let six = ((6.0f32 / si) as f64).round() as i64 + zi as i64;
    let six = six.clamp(i16::MIN as i64, i16::MAX as i64) as i16;
    let zero = zi.clamp(i16::MIN as i32, i16::MAX as i32) as i16;
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Scalars { func: "relu6_s16", scalars: quote!(#zero, #six) },
        0,
        format!("clamp to [{zero}, {six}]"),
    )])
}

/// LOG_SOFTMAX float32 (TFLM `reference_ops::LogSoftmax`), rows of the innermost axis.
fn log_softmax_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = plain_io(cx, DType::F32)?;
    let depth = match input.shape.last() {
        Some(&d) if d > 0 => d,
        _ => return invalid(format!("input {} has shape {:?}: LOG_SOFTMAX needs a non-empty last axis", input.label(), input.shape)),
    };
    let rows = input.elements() / depth;
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Scalars { func: "log_softmax_f32", scalars: quote!(#rows, #depth) },
        0,
        format!("{rows} row(s) of {depth}"),
    )])
}
