//! SLICE (TFLM `slice.cc`): `size[d] = -1` takes the rest of axis `d`.

use super::*;

pub(super) fn lower(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    let rank = input.shape.len();
    if rank > 5 {
        return unsupported(format!("input {} has rank {rank}; TFLM slices up to rank 5", input.label()));
    }
    let begin = int_values(cx.input(1)?, "begin")?;
    let size = int_values(cx.input(2)?, "size")?;
    if begin.len() != rank || size.len() != rank {
        return invalid(format!("begin/size have {}/{} values for an input of rank {rank}", begin.len(), size.len()));
    }
    let in_strides = strides_of(&input.shape);
    let mut dims = Vec::new();
    let mut offset = 0isize;
    for d in 0..rank {
        let n = input.shape[d] as i64;
        let len = if size[d] == -1 { n.saturating_sub(begin[d]) } else { size[d] };
        if begin[d] < 0 || len < 0 || begin[d].saturating_add(len) > n {
            return invalid(format!("slice {}..+{} of axis {d} (size {n})", begin[d], size[d]));
        }
        dims.push(len as usize);
        offset += begin[d] as isize * in_strides[d];
    }
    expect_shape(out, &dims)?;
    let view = View { dims, strides: in_strides, offset };
    Ok(vec![copy_step(cx, input, out, &view, format!("begin {begin:?} size {size:?}"))?])
}
