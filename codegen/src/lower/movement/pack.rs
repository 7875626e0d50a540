//! PACK and UNPACK (TFLM `pack.cc`, `unpack.cc`). PACK stacks its inputs along a new axis,
//! which is a concatenation of `outer` rows; UNPACK copies one slab per output.

use super::*;

fn pack_axis(cx: &Ctx<'_>, rank: usize) -> R<usize> {
    let MovementOptions::Pack { axis, .. } = movement_options(cx)? else {
        return invalid("missing PackOptions");
    };
    axis_of(axis as i64, rank, "axis")
}

pub(super) fn pack(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let out = cx.output()?;
    let first = cx.input(0)?;
    let axis = pack_axis(cx, first.shape.len() + 1)?;
    let mut shape = first.shape.clone();
    shape.insert(axis, cx.op.inputs.len());
    expect_shape(out, &shape)?;
    let mut operands = Vec::new();
    let mut chunks = Vec::new();
    let outer: usize = first.shape[..axis].iter().product();
    for i in 0..cx.op.inputs.len() {
        let t = cx.input(i)?;
        let elem = same_type(t, out)?;
        if t.shape != first.shape {
            return invalid(format!("input {} has shape {:?}, input 0 has {:?}", t.label(), t.shape, first.shape));
        }
        operands.push(cx.operand(t));
        chunks.push(first.shape[axis..].iter().product::<usize>() * elem);
    }
    let n = chunks.len();
    Ok(vec![cx.step(operands, out, Call::Concat { outer, chunks }, 0, format!("{n} inputs along new axis {axis}"))])
}

pub(super) fn unpack(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let input = cx.input(0)?;
    let axis = pack_axis(cx, input.shape.len())?;
    let outs = outputs(cx);
    if outs.len() != input.shape[axis] {
        return invalid(format!("{} outputs for axis {axis} of size {}", outs.len(), input.shape[axis]));
    }
    let in_strides = strides_of(&input.shape);
    let mut shape = input.shape.clone();
    shape.remove(axis);
    let mut dims = input.shape.clone();
    dims[axis] = 1;
    let mut steps = Vec::new();
    for (i, out) in outs.into_iter().enumerate() {
        expect_shape(out, &shape)?;
        let view = View { dims: dims.clone(), strides: in_strides.clone(), offset: i as isize * in_strides[axis] };
        steps.push(copy_step(cx, input, out, &view, format!("axis {axis}, item {i}"))?);
    }
    Ok(steps)
}
