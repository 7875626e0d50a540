//! FILL (TFLM `fill.cc`): inputs `(dims, value)`; the kernel is keyed on the value's type.

use super::*;

pub(super) fn lower(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (dims, value, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    let shape = int_values(dims, "dims")?;
    if shape.iter().map(|&v| v as usize).collect::<Vec<_>>() != out.shape || shape.iter().any(|&v| v < 0) {
        return invalid(format!("dims {shape:?} but output {} has shape {:?}", out.label(), out.shape));
    }
    if value.elements() != 1 {
        return invalid(format!("value {} has {} elements, expected one", value.label(), value.elements()));
    }
    same_type(value, out)?;
    Ok(vec![cx.step(
        vec![cx.operand(value)],
        out,
        Call::Scalars { func: "fill", scalars: quote!() },
        0,
        format!("{shape:?}"),
    )])
}
