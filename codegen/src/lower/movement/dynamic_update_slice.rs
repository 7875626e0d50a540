//! DYNAMIC_UPDATE_SLICE: the operand with an update written at run-time start indices.

use super::*;

/// TFLM's checks: the update of the operand's type and rank and no larger in any dimension,
/// one int32/int64 start index per dimension, at most six dimensions; the output is the
/// operand's shape.
pub(super) fn lower(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (operand, update, indices, out) = (cx.input(0)?, cx.input(1)?, cx.input(2)?, cx.output()?);
    let elem = same_type(operand, out)?;
    same_type(update, out)?;
    expect_shape(out, &operand.shape)?;
    let rank = operand.shape.len();
    if rank == 0 || rank > 6 || update.shape.len() != rank {
        return invalid(format!(
            "operand {:?} and update {:?} must have one rank, 1 to 6 (TFLM's limit)",
            operand.shape, update.shape
        ));
    }
    if update.shape.iter().zip(&operand.shape).any(|(u, o)| u > o) {
        return invalid(format!("update {} {:?} is larger than operand {:?}", update.label(), update.shape, operand.shape));
    }
    let ib = super::gather::index_bytes(indices)?;
    if indices.shape != [rank] {
        return invalid(format!("start indices {} have shape {:?}; TFLM needs [{rank}]", indices.label(), indices.shape));
    }
    let pad = |s: &[usize]| {
        let mut p = [1usize; 6];
        p[6 - s.len()..].copy_from_slice(s);
        p
    };
    let (o, u) = (usizes(&pad(&operand.shape)), usizes(&pad(&update.shape)));
    let params = quote!(::kiln::ops::DynamicUpdateSliceParams {
        rank: #rank, operand: #o, update: #u, elem: #elem, index_bytes: #ib
    });
    Ok(vec![cx.step(
        vec![cx.operand(operand), cx.operand(update), cx.operand(indices)],
        out,
        Call::Params { func: "dynamic_update_slice", ty: "DynamicUpdateSliceParams", params },
        0,
        format!("{:?} into {:?} at run-time indices", update.shape, operand.shape),
    )])
}
