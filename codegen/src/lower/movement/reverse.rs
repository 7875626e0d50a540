//! REVERSE_V2 (TFLM `reverse.cc`): the reversed axes are walked from their last element with a
//! negative step.

use super::*;

pub(super) fn lower(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    let rank = input.shape.len();
    let axes = int_values(cx.input(1)?, "axis")?;
    let mut strides = strides_of(&input.shape);
    let mut offset = 0isize;
    let mut flipped = vec![false; rank];
    for &a in &axes {
        let a = axis_of(a, rank, "axis")?;
        if std::mem::replace(&mut flipped[a], true) {
            return invalid(format!("axes {axes:?} repeat axis {a}"));
        }
        offset += (input.shape[a] as isize - 1).max(0) * strides[a];
        strides[a] = -strides[a];
    }
    expect_shape(out, &input.shape)?;
    let view = View { dims: input.shape.clone(), strides, offset };
    Ok(vec![copy_step(cx, input, out, &view, format!("axes {axes:?}"))?])
}
