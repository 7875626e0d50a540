//! EMBEDDING_LOOKUP (keyed on its table, input 1): rows of a table picked by int32 ids.

use quote::quote;

use super::*;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "EMBEDDING_LOOKUP", dtype: DType::I8, lower: embedding_lookup },
    Kernel { op: "EMBEDDING_LOOKUP", dtype: DType::F32, lower: embedding_lookup },
];

/// TFLM's checks (1-D int32 ids, a table of rank ≥ 2, the output `[ids, table dims 1…]`):
/// float32 → float32 and int8 → int8 copy rows (GATHER along axis 0); int8 → float32
/// dequantizes them with the table's scale (its zero point must be 0, as TFLM requires).
fn embedding_lookup(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (ids, table, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    expect_dtype(ids, DType::I32, "lookup ids")?;
    let &[n] = ids.shape.as_slice() else {
        return invalid(format!("lookup ids {} have shape {:?}; TFLM needs one dimension", ids.label(), ids.shape));
    };
    let Some((&rows, row_shape)) = table.shape.split_first().filter(|(_, r)| !r.is_empty()) else {
        return invalid(format!("table {} has shape {:?}; TFLM needs at least two dimensions", table.label(), table.shape));
    };
    let want: Vec<usize> = std::iter::once(n).chain(row_shape.iter().copied()).collect();
    if out.shape != want {
        return invalid(format!("output {} has shape {:?}; {n} ids of rows {row_shape:?} give {want:?}", out.label(), out.shape));
    }
    let columns: usize = row_shape.iter().product();
    let operands = vec![cx.operand(table), cx.operand(ids)];
    let summary = format!("{n} ids into {rows} rows of {columns}, {} → {}", table.dtype.name(), out.dtype.name());
    if table.dtype == DType::I8 && out.dtype == DType::F32 {
        let (scale, zp) = per_tensor(table)?;
        if zp != 0 {
            return invalid(format!("table {} has zero point {zp}; TFLM's int8 → float32 lookup needs 0", table.label()));
        }
        let params = quote!(::kiln::ops::EmbeddingLookupParams { rows: #rows, columns: #columns, scale: #scale });
        return Ok(vec![cx.step(operands, out, Call::Params { func: "embedding_lookup_s8_f32", ty: "EmbeddingLookupParams", params }, 0, summary)]);
    }
    expect_dtype(out, table.dtype, "output")?;
    let inner = columns * table.dtype.size().unwrap_or(1);
    let params = quote!(::kiln::ops::GatherParams {
        batch: 1usize, outer: 1usize, axis_size: #rows, coords: #n, inner: #inner, index_bytes: 4usize
    });
    Ok(vec![cx.step(operands, out, Call::Params { func: "gather", ty: "GatherParams", params }, 0, summary)])
}
