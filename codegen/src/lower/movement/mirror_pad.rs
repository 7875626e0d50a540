//! MIRROR_PAD (TFLM `mirror_pad.cc`), REFLECT or SYMMETRIC, rank up to 5.

use super::*;

pub(super) fn lower(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    let MovementOptions::MirrorPad { symmetric } = movement_options(cx)? else {
        return invalid("missing MirrorPadOptions");
    };
    let elem = same_type(input, out)?;
    let rank = input.shape.len();
    if rank > 5 {
        return unsupported(format!("input {} has rank {rank}; kiln mirror-pads up to rank 5", input.label()));
    }
    let p = int_values(cx.input(1)?, "paddings")?;
    if p.len() != 2 * rank {
        return invalid(format!("paddings {p:?} for rank {rank}"));
    }
    let offset = if symmetric { 0 } else { 1 };
    let lead = 5 - rank;
    let (mut shape_in, mut shape_out, mut before) = ([1usize; 5], [1usize; 5], [0usize; 5]);
    for d in 0..rank {
        let n = input.shape[d] as i64;
        // TFLM: each pad at most the axis size (SYMMETRIC) or the size − 1 (REFLECT).
        let limit = n - offset as i64;
        if p[2 * d] < 0 || p[2 * d + 1] < 0 || p[2 * d] > limit || p[2 * d + 1] > limit {
            return invalid(format!("paddings {:?} on axis {d} of size {n} exceed the mirror", &p[2 * d..2 * d + 2]));
        }
        shape_in[lead + d] = input.shape[d];
        before[lead + d] = p[2 * d] as usize;
        shape_out[lead + d] = input.shape[d] + p[2 * d] as usize + p[2 * d + 1] as usize;
    }
    expect_shape(out, &shape_out[lead..])?;
    let (si, so, b) = (usizes(&shape_in), usizes(&shape_out), usizes(&before));
    let params = quote!(::kiln::ops::MirrorPadParams { input: #si, output: #so, before: #b, offset: #offset, elem: #elem });
    let mode = if symmetric { "SYMMETRIC" } else { "REFLECT" };
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "mirror_pad", ty: "MirrorPadParams", params },
        0,
        format!("{mode}, paddings {p:?}"),
    )])
}
