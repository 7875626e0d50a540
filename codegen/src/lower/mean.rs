//! MEAN.

use quote::quote;

use super::*;
use crate::quant;

pub(super) const KERNELS: &[Kernel] = &[Kernel { op: "MEAN", dtype: DType::I8, lower: mean_s8 }];


fn mean_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let op = cx.op;
    let Options::Reducer { .. } = op.options else { return invalid("missing ReducerOptions") };
    let (input, axes_t, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    expect_dtype(input, DType::I8, "input")?;
    expect_dtype(out, DType::I8, "output")?;
    let rank = input.shape.len();
    let axes = int_values(axes_t, "axes")?;
    let mut reduce = vec![false; rank];
    for &a in &axes {
        let a = if a < 0 { a + rank as i64 } else { a };
        if a < 0 || a as usize >= rank {
            return invalid(format!("axis {a} out of range for rank {rank}"));
        }
        reduce[a as usize] = true;
    }
    let first = reduce.iter().position(|&r| r);
    let last = reduce.iter().rposition(|&r| r);
    let (Some(first), Some(last)) = (first, last) else {
        return unsupported("MEAN over no axes");
    };
    if reduce[first..=last].iter().any(|&r| !r) {
        return unsupported(format!("MEAN over non-adjacent axes {axes:?}"));
    }
    let outer: usize = input.shape[..first].iter().product();
    let reduced: usize = input.shape[first..=last].iter().product();
    let inner: usize = input.shape[last + 1..].iter().product();
    if out.elements() != outer * inner || reduced == 0 {
        return invalid(format!("output {} has {} elements, expected {}", out.label(), out.elements(), outer * inner));
    }
    let (in_s, in_zp) = per_tensor(input)?;
    let (out_s, out_zp) = per_tensor(out)?;
    let rq = one_requant(quant::quantize_multiplier(in_s as f64 / out_s as f64));
    let params = quote!(::kiln::ops::MeanParams {
        outer: #outer, reduced: #reduced, inner: #inner,
        input_zero_point: #in_zp, output_zero_point: #out_zp, requant: #rq,
    });
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "mean_s8", ty: "MeanParams", params },
        0,
        format!("axes {axes:?}: {outer} × {reduced} × {inner}"),
    )])
}
