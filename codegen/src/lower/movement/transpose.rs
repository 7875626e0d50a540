//! TRANSPOSE (TFLM `transpose.cc`; kiln up to rank 6, the TFLM interpreter up to rank 5): output axis `d` walks input axis `perm[d]`.

use super::*;

pub(super) fn lower(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    let rank = input.shape.len();
    if rank > 6 {
        return unsupported(format!("input {} has rank {rank}; kiln transposes up to rank 6", input.label()));
    }
    let perm = int_values(cx.input(1)?, "perm")?;
    let mut seen = vec![false; rank];
    let mut p = Vec::new();
    for &a in &perm {
        let a = axis_of(a, rank, "perm entry")?;
        if std::mem::replace(&mut seen[a], true) {
            return invalid(format!("perm {perm:?} repeats axis {a}"));
        }
        p.push(a);
    }
    if p.len() != rank {
        return invalid(format!("perm {perm:?} has {} entries for rank {rank}", p.len()));
    }
    let in_strides = strides_of(&input.shape);
    let dims: Vec<usize> = p.iter().map(|&a| input.shape[a]).collect();
    expect_shape(out, &dims)?;
    let view = View { dims, strides: p.iter().map(|&a| in_strides[a]).collect(), offset: 0 };
    Ok(vec![copy_step(cx, input, out, &view, format!("perm {p:?}"))?])
}
