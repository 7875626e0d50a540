//! TILE (TFLM `tile.cc`): the output, viewed as `[m0, n0, m1, n1, …]`, reads input axis `d`
//! with step 0 along each repeat axis `m_d`.

use super::*;

pub(super) fn lower(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    let m = int_values(cx.input(1)?, "multiples")?;
    let rank = input.shape.len();
    if m.len() != rank || m.iter().any(|&v| !(0..=1 << 31).contains(&v)) {
        return invalid(format!("multiples {m:?} for an input of rank {rank}"));
    }
    let in_strides = strides_of(&input.shape);
    let shape: Vec<usize> = (0..rank).map(|d| input.shape[d] * m[d] as usize).collect();
    expect_shape(out, &shape)?;
    let mut view = View { dims: Vec::new(), strides: Vec::new(), offset: 0 };
    for d in 0..rank {
        view.dims.extend([m[d] as usize, input.shape[d]]);
        view.strides.extend([0, in_strides[d]]);
    }
    Ok(vec![copy_step(cx, input, out, &view, format!("multiples {m:?}"))?])
}
