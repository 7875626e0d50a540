//! SPLIT and SPLIT_V (TFLM `split.cc`, `split_v.cc`): one copy step per output, each a slab
//! of the input along the split axis.

use super::*;

/// The steps for consecutive slabs of `sizes` along `axis`.
fn slabs(cx: &Ctx<'_>, input: &Tensor, axis: usize, sizes: &[usize]) -> R<Vec<Step>> {
    let outs = outputs(cx);
    if outs.len() != sizes.len() {
        return invalid(format!("{} outputs for {} splits", outs.len(), sizes.len()));
    }
    if sizes.iter().sum::<usize>() != input.shape[axis] {
        return invalid(format!("splits {sizes:?} do not add up to axis {axis} of size {}", input.shape[axis]));
    }
    let in_strides = strides_of(&input.shape);
    let mut start = 0;
    let mut steps = Vec::new();
    for (out, &n) in outs.into_iter().zip(sizes) {
        let mut dims = input.shape.clone();
        dims[axis] = n;
        expect_shape(out, &dims)?;
        let view = View { dims, strides: in_strides.clone(), offset: start as isize * in_strides[axis] };
        steps.push(copy_step(cx, input, out, &view, format!("axis {axis}, {start}..{}", start + n))?);
        start += n;
    }
    Ok(steps)
}

/// SPLIT: inputs `(axis, input)`; equal parts, one per output.
pub(super) fn split(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let input = cx.input(1)?;
    let axis = axis_of(scalar_int(cx.input(0)?, "axis")?, input.shape.len(), "axis")?;
    let parts = cx.op.outputs.len();
    if parts == 0 || input.shape[axis] % parts != 0 {
        return invalid(format!("axis {axis} of size {} does not split into {parts}", input.shape[axis]));
    }
    slabs(cx, input, axis, &vec![input.shape[axis] / parts; parts])
}

/// SPLIT_V: inputs `(input, size_splits, axis)`; one size may be −1 (the rest).
pub(super) fn split_v(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let input = cx.input(0)?;
    let axis = axis_of(scalar_int(cx.input(2)?, "axis")?, input.shape.len(), "axis")?;
    let sizes = int_values(cx.input(1)?, "size_splits")?;
    let n = input.shape[axis] as i64;
    let known = sizes.iter().filter(|&&s| s != -1).try_fold(0i64, |a, &s| a.checked_add(s)).unwrap_or(i64::MAX);
    let unknown = sizes.iter().filter(|&&s| s == -1).count();
    if unknown > 1 || sizes.iter().any(|&s| s < -1) || known > n {
        return invalid(format!("size_splits {sizes:?} for axis {axis} of size {n}"));
    }
    let sizes: Vec<usize> = sizes.iter().map(|&s| if s == -1 { (n - known) as usize } else { s as usize }).collect();
    slabs(cx, input, axis, &sizes)
}
