//! GATHER and GATHER_ND (TFLM `gather.cc`, `gather_nd.cc`): indices are read at run time
//! (they may be activations), so these have their own kernels.

use super::*;

pub(super) fn index_bytes(t: &Tensor) -> R<usize> {
    match t.dtype {
        DType::I32 => Ok(4),
        DType::I64 => Ok(8),
        d => unsupported(format!("indices {} are {}, expected int32 or int64", t.label(), d.name())),
    }
}

pub(super) fn gather(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, indices, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    let MovementOptions::Gather { axis, batch_dims } = movement_options(cx)? else {
        return invalid("missing GatherOptions");
    };
    let elem = same_type(input, out)?;
    let ib = index_bytes(indices)?;
    let rank = input.shape.len();
    let axis = axis_of(axis as i64, rank, "axis")?;
    let bd = if batch_dims < 0 { batch_dims as i64 + indices.shape.len() as i64 } else { batch_dims as i64 };
    if bd < 0 || bd as usize > axis || bd as usize > indices.shape.len() {
        return invalid(format!("batch_dims {batch_dims} for axis {axis} and indices of rank {}", indices.shape.len()));
    }
    let bd = bd as usize;
    if input.shape[..bd] != indices.shape[..bd] {
        return invalid(format!("batch axes differ: input {:?}, indices {:?}", input.shape, indices.shape));
    }
    let mut shape = input.shape[..axis].to_vec();
    shape.extend_from_slice(&indices.shape[bd..]);
    shape.extend_from_slice(&input.shape[axis + 1..]);
    expect_shape(out, &shape)?;
    let batch: usize = input.shape[..bd].iter().product();
    let outer: usize = input.shape[bd..axis].iter().product();
    let axis_size = input.shape[axis];
    let coords: usize = indices.shape[bd..].iter().product();
    let inner = input.shape[axis + 1..].iter().product::<usize>() * elem;
    let params = quote!(::kiln::ops::GatherParams {
        batch: #batch, outer: #outer, axis_size: #axis_size, coords: #coords, inner: #inner, index_bytes: #ib
    });
    Ok(vec![cx.step(
        vec![cx.operand(input), cx.operand(indices)],
        out,
        Call::Params { func: "gather", ty: "GatherParams", params },
        0,
        format!("axis {axis}, batch_dims {bd}"),
    )])
}

pub(super) fn gather_nd(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, indices, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    let elem = same_type(input, out)?;
    let ib = index_bytes(indices)?;
    let Some((&nd, rows_shape)) = indices.shape.split_last() else {
        return invalid(format!("indices {} are a scalar", indices.label()));
    };
    if nd == 0 || nd > input.shape.len() || nd > 5 {
        return unsupported(format!("index rows of length {nd} into an input of rank {}", input.shape.len()));
    }
    let mut shape = rows_shape.to_vec();
    shape.extend_from_slice(&input.shape[nd..]);
    expect_shape(out, &shape)?;
    let rows: usize = rows_shape.iter().product();
    let s = strides_of(&input.shape);
    let mut dims = [0usize; 5];
    let mut strides = [0usize; 5];
    for j in 0..nd {
        dims[j] = input.shape[j];
        strides[j] = s[j] as usize * elem;
    }
    let slice = input.shape[nd..].iter().product::<usize>() * elem;
    let (dims, strides) = (usizes(&dims), usizes(&strides));
    let params = quote!(::kiln::ops::GatherNdParams {
        rows: #rows, nd: #nd, dims: #dims, strides: #strides, slice: #slice, index_bytes: #ib
    });
    Ok(vec![cx.step(
        vec![cx.operand(input), cx.operand(indices)],
        out,
        Call::Params { func: "gather_nd", ty: "GatherNdParams", params },
        0,
        format!("{rows} index rows of length {nd}"),
    )])
}
