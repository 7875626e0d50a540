//! BROADCAST_TO (TFLM `broadcast_to.cc`): input axes of size 1 are read with step 0.

use super::*;

pub(super) fn lower(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    let shape: Vec<usize> = int_values(cx.input(1)?, "shape")?
        .into_iter()
        .map(|v| usize::try_from(v).map_err(|_| Fail::Invalid(format!("shape entry {v}"))))
        .collect::<R<_>>()?;
    if shape.len() < input.shape.len() {
        return invalid(format!("shape {shape:?} has lower rank than input {:?}", input.shape));
    }
    let lead = shape.len() - input.shape.len();
    let in_strides = strides_of(&input.shape);
    let mut strides = vec![0isize; shape.len()];
    for d in 0..input.shape.len() {
        let (n, want) = (input.shape[d], shape[lead + d]);
        if n == want {
            strides[lead + d] = in_strides[d];
        } else if n != 1 {
            return invalid(format!("input {:?} does not broadcast to {shape:?}", input.shape));
        }
    }
    expect_shape(out, &shape)?;
    let view = View { dims: shape.clone(), strides, offset: 0 };
    Ok(vec![copy_step(cx, input, out, &view, format!("{:?} → {shape:?}", input.shape))?])
}
