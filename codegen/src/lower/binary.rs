//! Elementwise binary ops (MUL, SUB, comparisons, MAXIMUM/MINIMUM, SQUARED_DIFFERENCE, float32
//! ADD): operand checks, NumPy broadcast shapes and TFLM's prepare-time constants.

use proc_macro2::TokenStream;
use quote::quote;

use super::*;
use crate::quant;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "ADD", dtype: DType::F32, lower: add_f32 },
    Kernel { op: "ADD", dtype: DType::I32, lower: add_s32 },
    Kernel { op: "SUB", dtype: DType::I32, lower: int32_step },
    Kernel { op: "MUL", dtype: DType::I32, lower: int32_step },
    Kernel { op: "MAXIMUM", dtype: DType::I32, lower: max_min },
    Kernel { op: "MINIMUM", dtype: DType::I32, lower: max_min },
    Kernel { op: "SUB", dtype: DType::I8, lower: sub_q },
    Kernel { op: "SUB", dtype: DType::I16, lower: sub_q },
    Kernel { op: "SUB", dtype: DType::F32, lower: sub_f32 },
    Kernel { op: "MUL", dtype: DType::I8, lower: mul_q },
    Kernel { op: "MUL", dtype: DType::I16, lower: mul_q },
    Kernel { op: "MUL", dtype: DType::F32, lower: mul_f32 },
    Kernel { op: "MAXIMUM", dtype: DType::I8, lower: max_min },
    Kernel { op: "MAXIMUM", dtype: DType::I16, lower: max_min },
    Kernel { op: "MAXIMUM", dtype: DType::F32, lower: max_min },
    Kernel { op: "MINIMUM", dtype: DType::I8, lower: max_min },
    Kernel { op: "MINIMUM", dtype: DType::I16, lower: max_min },
    Kernel { op: "MINIMUM", dtype: DType::F32, lower: max_min },
    Kernel { op: "SQUARED_DIFFERENCE", dtype: DType::I8, lower: squared_difference_q },
    Kernel { op: "SQUARED_DIFFERENCE", dtype: DType::I16, lower: squared_difference_q },
    Kernel { op: "SQUARED_DIFFERENCE", dtype: DType::F32, lower: squared_difference_unquantized },
    Kernel { op: "SQUARED_DIFFERENCE", dtype: DType::I32, lower: squared_difference_unquantized },
    Kernel { op: "EQUAL", dtype: DType::I8, lower: comparison },
    Kernel { op: "EQUAL", dtype: DType::I32, lower: comparison },
    Kernel { op: "EQUAL", dtype: DType::F32, lower: comparison },
    Kernel { op: "EQUAL", dtype: DType::Bool, lower: comparison },
    Kernel { op: "NOT_EQUAL", dtype: DType::I8, lower: comparison },
    Kernel { op: "NOT_EQUAL", dtype: DType::I32, lower: comparison },
    Kernel { op: "NOT_EQUAL", dtype: DType::F32, lower: comparison },
    Kernel { op: "NOT_EQUAL", dtype: DType::Bool, lower: comparison },
    Kernel { op: "LESS", dtype: DType::I8, lower: comparison },
    Kernel { op: "LESS", dtype: DType::I32, lower: comparison },
    Kernel { op: "LESS", dtype: DType::F32, lower: comparison },
    Kernel { op: "LESS_EQUAL", dtype: DType::I8, lower: comparison },
    Kernel { op: "LESS_EQUAL", dtype: DType::I32, lower: comparison },
    Kernel { op: "LESS_EQUAL", dtype: DType::F32, lower: comparison },
    Kernel { op: "GREATER", dtype: DType::I8, lower: comparison },
    Kernel { op: "GREATER", dtype: DType::I32, lower: comparison },
    Kernel { op: "GREATER", dtype: DType::F32, lower: comparison },
    Kernel { op: "GREATER_EQUAL", dtype: DType::I8, lower: comparison },
    Kernel { op: "GREATER_EQUAL", dtype: DType::I32, lower: comparison },
    Kernel { op: "GREATER_EQUAL", dtype: DType::F32, lower: comparison },
    Kernel { op: "DIV", dtype: DType::I8, lower: div_s8 },
    Kernel { op: "DIV", dtype: DType::F32, lower: div_f32 },
    Kernel { op: "DIV", dtype: DType::I32, lower: int32_step },
    Kernel { op: "FLOOR_DIV", dtype: DType::F32, lower: floor_div_mod },
    Kernel { op: "FLOOR_MOD", dtype: DType::F32, lower: floor_div_mod },
    Kernel { op: "PRELU", dtype: DType::I8, lower: prelu },
    Kernel { op: "PRELU", dtype: DType::F32, lower: prelu },
    Kernel { op: "LOGICAL_AND", dtype: DType::Bool, lower: logical },
    Kernel { op: "LOGICAL_OR", dtype: DType::Bool, lower: logical },
    // Keyed on the condition (the first input); x, y and the output may be int8, int16 or float32.
    Kernel { op: "SELECT_V2", dtype: DType::I8, lower: select_v2 },
    Kernel { op: "SELECT_V2", dtype: DType::F32, lower: select_v2 },
];

/// The two inputs and the output of a binary op, checked: both inputs of the kernel's element
/// type, the output of `out_dtype`, and the output shape the NumPy broadcast of the inputs.
struct Operands<'a> {
    a: &'a Tensor,
    b: &'a Tensor,
    out: &'a Tensor,
    /// `::kiln::ops::BroadcastShapes { .. }` (rank ≤ 4, left-padded with 1s).
    shapes: TokenStream,
}

fn operands<'a>(cx: &Ctx<'a>, out_dtype: Option<DType>) -> R<Operands<'a>> {
    if cx.op.inputs.len() != 2 {
        return invalid(format!("has {} inputs, expected 2", cx.op.inputs.len()));
    }
    let (a, b, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    expect_dtype(b, a.dtype, "input 2")?;
    expect_dtype(out, out_dtype.unwrap_or(a.dtype), "output")?;
    let shape = broadcast(&a.shape, &b.shape).ok_or_else(|| {
        Fail::Invalid(format!("input shapes {:?} and {:?} do not broadcast", a.shape, b.shape))
    })?;
    if shape != out.shape {
        return invalid(format!("output {} has shape {:?}, broadcasting gives {shape:?}", out.label(), out.shape));
    }
    let (s1, s2, so) = (usizes(&rank4(&a.shape)?), usizes(&rank4(&b.shape)?), usizes(&rank4(&shape)?));
    let shapes = quote!(::kiln::ops::BroadcastShapes { input1: #s1, input2: #s2, output: #so });
    Ok(Operands { a, b, out, shapes })
}

impl Operands<'_> {
    fn step(&self, cx: &Ctx<'_>, func: &'static str, ty: &'static str, params: TokenStream, summary: String) -> Step {
        cx.step(
            vec![cx.operand(self.a), cx.operand(self.b)],
            self.out,
            Call::Params { func, ty, params },
            0,
            summary,
        )
    }

    fn describe(&self, sign: &str) -> String {
        format!("{:?} {sign} {:?}", self.a.shape, self.b.shape)
    }
}

/// The fused activation of ADD/SUB/MUL/DIV (decoded into `Options::Add`).
fn fused_activation(cx: &Ctx<'_>) -> R<Activation> {
    match cx.op.options {
        Options::Add { activation } => Ok(activation),
        _ => invalid(format!("missing {} options", cx.op.name)),
    }
}

/// `(kernel suffix, qmin, qmax)` of a quantized element type.
fn quantized(d: DType) -> R<(&'static str, i32, i32)> {
    match d {
        DType::I8 => Ok(("s8", -128, 127)),
        DType::I16 => Ok(("s16", -32768, 32767)),
        other => unsupported(format!("{} has no quantized kernel", other.name())),
    }
}

/// TFLM's `CalculateActivationRangeQuantized` on int8 or int16.
fn quantized_act_range(act: Activation, out: &Tensor, (scale, zp): (f32, i32), (lo, hi): (i32, i32)) -> R<(i32, i32)> {
    let Some(r) = quant::activation_range(act, scale, zp, lo, hi) else {
        return unsupported(format!("fused activation {} is not supported by TFLM on quantized {}", act.name(), out.dtype.name()));
    };
    if r.0 > r.1 {
        return invalid(format!("fused {} on {} leaves an empty range", act.name(), out.label()));
    }
    Ok(r)
}

/// TFLM's `CalculateActivationRange` for float32, as `(min, max)` tokens.
fn float_act_range(act: Activation) -> R<(TokenStream, TokenStream)> {
    Ok(match act {
        Activation::None => (quote!(f32::MIN), quote!(f32::MAX)),
        Activation::Relu => (quote!(0.0), quote!(f32::MAX)),
        Activation::Relu6 => (quote!(0.0), quote!(6.0)),
        Activation::ReluN1To1 => (quote!(-1.0), quote!(1.0)),
        Activation::Tanh | Activation::SignBit => {
            return unsupported(format!("fused activation {} is not supported by TFLM on float32", act.name()))
        }
    })
}

/// Scale and zero point of a quantized operand; int16 must be symmetric where TFLM requires it.
fn quant_of(t: &Tensor, symmetric_int16: bool) -> R<(f32, i32)> {
    let (s, z) = per_tensor(t)?;
    if symmetric_int16 && t.dtype == DType::I16 && z != 0 {
        return invalid(format!("int16 tensor {} has zero point {z}; TFLM requires 0", t.label()));
    }
    Ok((s, z))
}

/// TFLM's `QuantizeMultiplierSmallerThanOneExp`, which checks the real value is in `(0, 1)`.
fn smaller_than_one(real: f64, what: &str) -> R<quant::Requant> {
    let r = quant::quantize_multiplier(real);
    if !(real > 0.0 && real < 1.0) || r.shift > 0 {
        return unsupported(format!("{what} is {real}; TFLM requires a multiplier in (0, 1) here"));
    }
    Ok(r)
}

fn float_step(cx: &Ctx<'_>, func: &'static str, sign: &str) -> R<Vec<Step>> {
    let act = fused_activation(cx)?;
    let o = operands(cx, None)?;
    expect_dtype(o.a, DType::F32, "input 1")?;
    let (lo, hi) = float_act_range(act)?;
    let shapes = &o.shapes;
    let params = quote!(::kiln::ops::ArithF32Params { act_min: #lo, act_max: #hi, shapes: #shapes });
    let summary = format!("{}, {}", o.describe(sign), act.name());
    Ok(vec![o.step(cx, func, "ArithF32Params", params, summary)])
}

fn add_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    float_step(cx, "add_f32", "+")
}

fn sub_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    float_step(cx, "sub_f32", "−")
}

fn mul_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    float_step(cx, "mul_f32", "×")
}

/// SUB int8/int16: TFLM's `CalculateOpDataSub` (ADD's general rescaling).
fn sub_q(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let act = fused_activation(cx)?;
    let o = operands(cx, None)?;
    let (suffix, qmin, qmax) = quantized(o.a.dtype)?;
    let (s1, z1) = quant_of(o.a, false)?;
    let (s2, z2) = quant_of(o.b, false)?;
    let (so, zo) = quant_of(o.out, false)?;
    let left_shift: i32 = if o.a.dtype == DType::I16 { 15 } else { 20 };
    let twice_max = 2.0 * s1.max(s2) as f64;
    let r1 = smaller_than_one(s1 as f64 / twice_max, "input 1's rescale")?;
    let r2 = smaller_than_one(s2 as f64 / twice_max, "input 2's rescale")?;
    let ro = smaller_than_one(twice_max / ((1i64 << left_shift) as f64 * so as f64), "the output rescale")?;
    let (act_min, act_max) = quantized_act_range(act, o.out, (so, zo), (qmin, qmax))?;
    let (q1, q2, qo, shapes) = (one_requant(r1), one_requant(r2), one_requant(ro), &o.shapes);
    let (o1, o2) = (-z1, -z2);
    let params = quote!(::kiln::ops::SubParams {
        input1_offset: #o1, input2_offset: #o2, left_shift: #left_shift,
        input1_requant: #q1, input2_requant: #q2, output_requant: #qo,
        output_offset: #zo, act_min: #act_min, act_max: #act_max, shapes: #shapes,
    });
    let func = if suffix == "s8" { "sub_s8" } else { "sub_s16" };
    let summary = format!("{}, {}", o.describe("−"), act.name());
    Ok(vec![o.step(cx, func, "SubParams", params, summary)])
}

/// MUL int8/int16: TFLM's `CalculateOpDataMul` (one multiplier `s1·s2/so` in double).
fn mul_q(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let act = fused_activation(cx)?;
    let o = operands(cx, None)?;
    let (suffix, qmin, qmax) = quantized(o.a.dtype)?;
    let (s1, z1) = quant_of(o.a, true)?;
    let (s2, z2) = quant_of(o.b, true)?;
    let (so, zo) = quant_of(o.out, true)?;
    let r = quant::quantize_multiplier(s1 as f64 * s2 as f64 / so as f64);
    let (act_min, act_max) = quantized_act_range(act, o.out, (so, zo), (qmin, qmax))?;
    let (q, shapes) = (one_requant(r), &o.shapes);
    let (o1, o2) = (-z1, -z2);
    let params = quote!(::kiln::ops::MulParams {
        input1_offset: #o1, input2_offset: #o2, output_requant: #q,
        output_offset: #zo, act_min: #act_min, act_max: #act_max, shapes: #shapes,
    });
    let func = if suffix == "s8" { "mul_s8" } else { "mul_s16" };
    let summary = format!("{}, {}", o.describe("×"), act.name());
    Ok(vec![o.step(cx, func, "MulParams", params, summary)])
}

/// MAXIMUM/MINIMUM: TFLM compares stored values (no rescaling), so the params are the shapes.
fn max_min(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let o = operands(cx, None)?;
    let max = cx.op.name == "MAXIMUM";
    let func = match o.a.dtype {
        DType::I8 => if max { "maximum_s8" } else { "minimum_s8" },
        DType::I16 => if max { "maximum_s16" } else { "minimum_s16" },
        DType::I32 => if max { "maximum_s32" } else { "minimum_s32" },
        DType::F32 => if max { "maximum_f32" } else { "minimum_f32" },
        other => return unsupported(format!("{} on {}", cx.op.name, other.name())),
    };
    let summary = format!("{}({:?}, {:?})", cx.op.name.to_lowercase(), o.a.shape, o.b.shape);
    Ok(vec![o.step(cx, func, "BroadcastShapes", o.shapes.clone(), summary)])
}

/// SQUARED_DIFFERENCE int8/int16: TFLM's `PrepareQuantized` (left shift 7 for int8, 0 for int16).
fn squared_difference_q(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let o = operands(cx, None)?;
    let (suffix, qmin, qmax) = quantized(o.a.dtype)?;
    let (s1, z1) = quant_of(o.a, true)?;
    let (s2, z2) = quant_of(o.b, true)?;
    let (so, zo) = quant_of(o.out, true)?;
    for (t, z) in [(o.a, z1), (o.b, z2), (o.out, zo)] {
        if !(qmin..=qmax).contains(&z) {
            return invalid(format!("{} has zero point {z} outside the {} range", t.label(), t.dtype.name()));
        }
    }
    let left_shift: i32 = if suffix == "s8" { 7 } else { 0 };
    let twice_max = 2.0 * s1.max(s2) as f64;
    let r1 = smaller_than_one(s1 as f64 / twice_max, "input 1's rescale")?;
    let r2 = smaller_than_one(s2 as f64 / twice_max, "input 2's rescale")?;
    // TFLM multiplies the int power of two by the float scale in single precision.
    let denominator = ((1i32 << (2 * left_shift)) as f32 * so) as f64;
    let ro = quant::quantize_multiplier(twice_max * twice_max / denominator);
    let (q1, q2, qo, shapes) = (one_requant(r1), one_requant(r2), one_requant(ro), &o.shapes);
    let (o1, o2) = (-z1, -z2);
    let params = quote!(::kiln::ops::SquaredDifferenceParams {
        input1_offset: #o1, input2_offset: #o2, left_shift: #left_shift,
        input1_requant: #q1, input2_requant: #q2, output_requant: #qo,
        output_offset: #zo, act_min: #qmin, act_max: #qmax, shapes: #shapes,
    });
    let func = if suffix == "s8" { "squared_difference_s8" } else { "squared_difference_s16" };
    let summary = format!("({:?} − {:?})²", o.a.shape, o.b.shape);
    Ok(vec![o.step(cx, func, "SquaredDifferenceParams", params, summary)])
}

/// SQUARED_DIFFERENCE on float32 or int32: no quantization, no options.
fn squared_difference_unquantized(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let o = operands(cx, None)?;
    let func = if o.a.dtype == DType::I32 { "squared_difference_s32" } else { "squared_difference_f32" };
    let summary = format!("({:?} − {:?})²", o.a.shape, o.b.shape);
    Ok(vec![o.step(cx, func, "BroadcastShapes", o.shapes.clone(), summary)])
}

/// EQUAL … GREATER_EQUAL: bool output. int8 takes TFLM's rescaled comparison (left shift 8,
/// each input's scale as a multiplier smaller than one); int32 and float32 compare stored
/// values. int16 is left out on purpose: TFLM has no int16 EQUAL/NOT_EQUAL, and its int16
/// LESS/GREATER paths use scaling parameters that its Prepare never fills in.
fn comparison(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let o = operands(cx, Some(DType::Bool))?;
    let (variant, sign) = match cx.op.name.as_str() {
        "EQUAL" => (quote!(Equal), "=="),
        "NOT_EQUAL" => (quote!(NotEqual), "!="),
        "LESS" => (quote!(Less), "<"),
        "LESS_EQUAL" => (quote!(LessEqual), "<="),
        "GREATER" => (quote!(Greater), ">"),
        "GREATER_EQUAL" => (quote!(GreaterEqual), ">="),
        other => return unsupported(format!("{other} is not a comparison")),
    };
    let op = quote!(::kiln::ops::Comparison::#variant);
    let shapes = &o.shapes;
    let summary = o.describe(sign);
    match o.a.dtype {
        DType::I8 => {
            let (s1, z1) = per_tensor(o.a)?;
            let (s2, z2) = per_tensor(o.b)?;
            let r1 = smaller_than_one(s1 as f64, &format!("input 1's scale ({})", o.a.label()))?;
            let r2 = smaller_than_one(s2 as f64, &format!("input 2's scale ({})", o.b.label()))?;
            const LEFT_SHIFT: i32 = 8;
            let (q1, q2) = (one_requant(r1), one_requant(r2));
            let (o1, o2) = (-z1, -z2);
            let params = quote!(::kiln::ops::QuantizedComparisonParams {
                op: #op, input1_offset: #o1, input2_offset: #o2, left_shift: #LEFT_SHIFT,
                input1_requant: #q1, input2_requant: #q2, shapes: #shapes,
            });
            Ok(vec![o.step(cx, "compare_s8", "QuantizedComparisonParams", params, summary)])
        }
        DType::Bool if !matches!(cx.op.name.as_str(), "EQUAL" | "NOT_EQUAL") => {
            unsupported(format!("{} on bool (TFLM has EQUAL and NOT_EQUAL only)", cx.op.name))
        }
        d @ (DType::I32 | DType::F32 | DType::Bool) => {
            let func = match d {
                DType::I32 => "compare_s32",
                DType::F32 => "compare_f32",
                _ => "compare_bool",
            };
            let params = quote!(::kiln::ops::ComparisonParams { op: #op, shapes: #shapes });
            Ok(vec![o.step(cx, func, "ComparisonParams", params, summary)])
        }
        other => unsupported(format!("{} on {}", cx.op.name, other.name())),
    }
}

fn div_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    float_step(cx, "div_f32", "/")
}

/// DIV int8: TFLM's `CalculateOpDataDiv` (the multiplier `s1 / (s2 · so)` is formed in single
/// precision, then widened).
fn div_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let act = fused_activation(cx)?;
    let o = operands(cx, None)?;
    let (s1, z1) = per_tensor(o.a)?;
    let (s2, z2) = per_tensor(o.b)?;
    let (so, zo) = per_tensor(o.out)?;
    let r = quant::quantize_multiplier((s1 / (s2 * so)) as f64);
    let (act_min, act_max) = quantized_act_range(act, o.out, (so, zo), (-128, 127))?;
    let (q, shapes) = (one_requant(r), &o.shapes);
    let (o1, o2) = (-z1, -z2);
    let params = quote!(::kiln::ops::DivParams {
        input1_offset: #o1, input2_offset: #o2, output_requant: #q,
        output_offset: #zo, act_min: #act_min, act_max: #act_max, shapes: #shapes,
    });
    let summary = format!("{}, {}", o.describe("/"), act.name());
    Ok(vec![o.step(cx, "div_s8", "DivParams", params, summary)])
}

/// PRELU: input 0 is the data, input 1 alpha (usually a constant per channel), broadcast to it.
fn prelu(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let o = operands(cx, None)?;
    let summary = format!("prelu({:?}, alpha {:?})", o.a.shape, o.b.shape);
    if o.a.dtype == DType::F32 {
        return Ok(vec![o.step(cx, "prelu_f32", "BroadcastShapes", o.shapes.clone(), summary)]);
    }
    let (si, zi) = per_tensor(o.a)?;
    let (sa, za) = per_tensor(o.b)?;
    let (so, zo) = per_tensor(o.out)?;
    let pos = quant::quantize_multiplier(si as f64 / so as f64);
    let neg = quant::quantize_multiplier(si as f64 * sa as f64 / so as f64);
    let (qp, qn, shapes) = (one_requant(pos), one_requant(neg), &o.shapes);
    let (oi, oa) = (-zi, -za);
    let params = quote!(::kiln::ops::PreluParams {
        input_offset: #oi, alpha_offset: #oa, output_offset: #zo,
        positive_requant: #qp, negative_requant: #qn, shapes: #shapes,
    });
    Ok(vec![o.step(cx, "prelu_s8", "PreluParams", params, summary)])
}

fn logical(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let o = operands(cx, None)?;
    let (func, sign) = if cx.op.name == "LOGICAL_AND" { ("logical_and", "&&") } else { ("logical_or", "||") };
    let summary = o.describe(sign);
    Ok(vec![o.step(cx, func, "BroadcastShapes", o.shapes.clone(), summary)])
}

/// SELECT_V2: a bool condition and two value tensors, all three broadcast to the output.
/// Values are copied as stored, as TFLM does.
fn select_v2(cx: &Ctx<'_>) -> R<Vec<Step>> {
    if cx.op.inputs.len() != 3 {
        return invalid(format!("has {} inputs, expected 3 (condition, x, y)", cx.op.inputs.len()));
    }
    let (c, x, y, out) = (cx.input(0)?, cx.input(1)?, cx.input(2)?, cx.output()?);
    expect_dtype(c, DType::Bool, "condition")?;
    expect_dtype(y, x.dtype, "input y")?;
    expect_dtype(out, x.dtype, "output")?;
    let func = match x.dtype {
        DType::I8 => "select_s8",
        DType::I16 => "select_s16",
        DType::F32 => "select_f32",
        other => return unsupported(format!("SELECT_V2 on {} values (TFLM has int8, int16, float32)", other.name())),
    };
    let shape = broadcast(&c.shape, &x.shape).and_then(|s| broadcast(&s, &y.shape)).ok_or_else(|| {
        Fail::Invalid(format!("shapes {:?}, {:?} and {:?} do not broadcast", c.shape, x.shape, y.shape))
    })?;
    if shape != out.shape {
        return invalid(format!("output {} has shape {:?}, broadcasting gives {shape:?}", out.label(), out.shape));
    }
    let (sc, sx, sy, so) =
        (usizes(&rank4(&c.shape)?), usizes(&rank4(&x.shape)?), usizes(&rank4(&y.shape)?), usizes(&rank4(&shape)?));
    let params = quote!(::kiln::ops::SelectParams { condition: #sc, x: #sx, y: #sy, output: #so });
    let summary = format!("{:?} ? {:?} : {:?}", c.shape, x.shape, y.shape);
    Ok(vec![cx.step(
        vec![cx.operand(c), cx.operand(x), cx.operand(y)],
        out,
        Call::Params { func, ty: "SelectParams", params },
        0,
        summary,
    )])
}

/// FLOOR_DIV / FLOOR_MOD float32 (TFLM registers no other type): no options, shapes only.
fn floor_div_mod(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let o = operands(cx, None)?;
    let (func, sign) = if cx.op.name == "FLOOR_DIV" { ("floor_div_f32", "//") } else { ("floor_mod_f32", "mod") };
    let summary = o.describe(sign);
    Ok(vec![o.step(cx, func, "BroadcastShapes", o.shapes.clone(), summary)])
}

/// ADD int32: TFLM clamps int32 ADD to the whole int32 range whatever the fused activation says,
/// so the params are the shapes only.
fn add_s32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let act = fused_activation(cx)?;
    let o = operands(cx, None)?;
    let summary = format!("{}, {} (not applied on int32, as in TFLM)", o.describe("+"), act.name());
    Ok(vec![o.step(cx, "add_s32", "BroadcastShapes", o.shapes.clone(), summary)])
}

/// SUB/MUL/DIV int32 with TFLM's `CalculateActivationRange` on int32.
fn int32_step(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let act = fused_activation(cx)?;
    let o = operands(cx, None)?;
    let (lo, hi) = match act {
        Activation::None => (i32::MIN, i32::MAX),
        Activation::Relu => (0, i32::MAX),
        Activation::Relu6 => (0, 6),
        Activation::ReluN1To1 => (-1, 1),
        Activation::Tanh | Activation::SignBit => {
            return unsupported(format!("fused activation {} is not supported by TFLM on int32", act.name()))
        }
    };
    let (func, sign) = match cx.op.name.as_str() {
        "SUB" => ("sub_s32", "−"),
        "DIV" => ("div_s32", "/"),
        _ => ("mul_s32", "×"),
    };
    let shapes = &o.shapes;
    let params = quote!(::kiln::ops::ArithS32Params { act_min: #lo, act_max: #hi, shapes: #shapes });
    let summary = format!("{}, {}", o.describe(sign), act.name());
    Ok(vec![o.step(cx, func, "ArithS32Params", params, summary)])
}

#[cfg(test)]
mod tests {
    use super::super::lower;
    use crate::ir::{Activation, DType, Graph, Op, Options, Quant, Tensor};

    fn tensor(index: usize, shape: &[usize], dtype: DType, quant: Option<(f32, i64)>) -> Tensor {
        Tensor {
            index,
            name: format!("t{index}"),
            shape: shape.to_vec(),
            dtype,
            quant: quant.map(|(s, z)| Quant { scales: vec![s], zero_points: vec![z], axis: 0 }),
            data: None,
            is_variable: false,
        }
    }

    /// One op over graph inputs `0..n-1` writing tensor `n` (the last of `tensors`).
    fn error_of(name: &str, options: Options, tensors: Vec<Tensor>) -> String {
        let n = tensors.len() - 1;
        let mut g = Graph {
            tensors,
            ops: vec![Op {
                index: 0,
                code: 0,
                name: name.into(),
                inputs: (0..n).map(Some).collect(),
                outputs: vec![n],
                options,
            }],
            inputs: (0..n).collect(),
            outputs: vec![n],
            folded_ops: vec![],
        };
        match lower("m.tflite", &mut g) {
            Ok(_) => panic!("{name} compiled"),
            Err(e) => e.to_string(),
        }
    }

    const Q: Option<(f32, i64)> = Some((0.05, 3));
    fn act() -> Options {
        Options::Add { activation: Activation::None }
    }

    #[test]
    fn mismatched_operand_types_name_the_operand() {
        let e = error_of(
            "MUL",
            act(),
            vec![tensor(0, &[1, 4], DType::I8, Q), tensor(1, &[1, 4], DType::I16, Q), tensor(2, &[1, 4], DType::I8, Q)],
        );
        assert!(e.contains("op #0 MUL: input 2 tensor #1 `t1` is int16"), "{e}");
        assert!(e.contains("int16"), "{e}");
    }

    #[test]
    fn an_output_shape_that_is_not_the_broadcast_is_invalid() {
        let e = error_of(
            "SUB",
            act(),
            vec![tensor(0, &[2, 4], DType::I8, Q), tensor(1, &[1, 4], DType::I8, Q), tensor(2, &[4, 4], DType::I8, Q)],
        );
        assert!(e.contains("broadcasting gives [2, 4]"), "{e}");
        let e = error_of(
            "MAXIMUM",
            Options::None,
            vec![tensor(0, &[2, 4], DType::F32, None), tensor(1, &[3, 4], DType::F32, None), tensor(2, &[3, 4], DType::F32, None)],
        );
        assert!(e.contains("do not broadcast"), "{e}");
    }

    #[test]
    fn rank_above_four_is_unsupported_not_a_panic() {
        let s = [1, 2, 1, 2, 2];
        let e = error_of(
            "MUL",
            act(),
            vec![tensor(0, &s, DType::F32, None), tensor(1, &s, DType::F32, None), tensor(2, &s, DType::F32, None)],
        );
        assert!(e.contains("rank 5"), "{e}");
    }

    #[test]
    fn int8_comparison_needs_scales_below_one() {
        let e = error_of(
            "LESS",
            Options::None,
            vec![
                tensor(0, &[4], DType::I8, Some((1.5, 0))),
                tensor(1, &[4], DType::I8, Q),
                tensor(2, &[4], DType::Bool, None),
            ],
        );
        assert!(e.contains("input 1's scale") && e.contains("(0, 1)"), "{e}");
    }

    #[test]
    fn symmetric_int16_is_enforced_where_tflm_checks_it() {
        let e = error_of(
            "MUL",
            act(),
            vec![
                tensor(0, &[4], DType::I16, Some((0.001, 5))),
                tensor(1, &[4], DType::I16, Some((0.001, 0))),
                tensor(2, &[4], DType::I16, Some((0.001, 0))),
            ],
        );
        assert!(e.contains("zero point 5; TFLM requires 0"), "{e}");
    }

    #[test]
    fn select_needs_a_bool_condition_and_matching_values() {
        let f = |i| tensor(i, &[4], DType::F32, None);
        let e = error_of("SELECT_V2", Options::None, vec![tensor(0, &[4], DType::Bool, None), f(1), tensor(2, &[4], DType::I8, Q), f(3)]);
        assert!(e.contains("input y"), "{e}");
        let e = error_of("SELECT_V2", Options::None, vec![tensor(0, &[4], DType::I8, Q), f(1), f(2), f(3)]);
        assert!(e.contains("condition"), "{e}");
    }

    #[test]
    fn quantized_add_and_sub_reject_an_output_multiplier_above_one() {
        for (op, d) in [("ADD", DType::I8), ("ADD", DType::I16), ("SUB", DType::I8), ("SUB", DType::I16)] {
            let e = error_of(
                op,
                act(),
                vec![
                    tensor(0, &[4], d, Some((0.5, 0))),
                    tensor(1, &[4], d, Some((0.5, 0))),
                    tensor(2, &[4], d, Some((1e-9, 0))),
                ],
            );
            assert!(e.contains("too small") || e.contains("the output rescale"), "{op} {d:?}: {e}");
        }
    }

    #[test]
    fn unsupported_fused_activations_are_reported() {
        let e = error_of(
            "ADD",
            Options::Add { activation: Activation::Tanh },
            vec![tensor(0, &[4], DType::F32, None), tensor(1, &[4], DType::F32, None), tensor(2, &[4], DType::F32, None)],
        );
        assert!(e.contains("fused activation TANH"), "{e}");
    }
}
