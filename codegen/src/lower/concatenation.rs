//! CONCATENATION (any element type: it copies bytes).

use super::*;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "CONCATENATION", dtype: DType::I8, lower: concatenation },
    Kernel { op: "CONCATENATION", dtype: DType::I16, lower: concatenation },
    Kernel { op: "CONCATENATION", dtype: DType::F32, lower: concatenation },
];


fn concatenation(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let op = cx.op;
    let Options::Concatenation { axis, activation } = op.options else {
        return invalid("missing ConcatenationOptions");
    };
    let out = cx.output()?;
    let rank = out.shape.len() as i32;
    let ax = if axis < 0 { axis + rank } else { axis };
    if ax < 0 || ax >= rank {
        return invalid(format!("axis {axis} out of range for rank {rank}"));
    }
    let ax = ax as usize;
    if activation != Activation::None {
        return unsupported(format!("fused activation {}", activation.name()));
    }
    let size = match out.dtype.size() {
        Some(s) if io_dtype(out.dtype).is_some() => s,
        _ => return unsupported(format!("type {}", out.dtype.name())),
    };
    let outer: usize = out.shape[..ax].iter().product();
    let inner: usize = out.shape[ax + 1..].iter().product();
    let mut operands = Vec::new();
    let mut chunks = Vec::new();
    let mut total = 0;
    for i in 0..op.inputs.len() {
        let t = cx.input(i)?;
        if t.dtype != out.dtype || t.shape.len() != out.shape.len() {
            return invalid(format!("input {} does not match the output's type and rank", t.label()));
        }
        if t.dtype == DType::I8 && per_tensor(t)? != per_tensor(out)? {
            return unsupported(format!(
                "input {} is quantized differently from the output (TFLM does not rescale either)",
                t.label()
            ));
        }
        for d in 0..t.shape.len() {
            if d != ax && t.shape[d] != out.shape[d] {
                return invalid(format!("input {} shape {:?} does not fit output {:?}", t.label(), t.shape, out.shape));
            }
        }
        total += t.shape[ax];
        chunks.push(t.shape[ax] * inner * size);
        operands.push(cx.operand(t));
    }
    if total != out.shape[ax] {
        return invalid(format!("inputs add up to {total} along axis {ax}, output has {}", out.shape[ax]));
    }
    Ok(vec![cx.step(operands, out, Call::Concat { outer, chunks }, 0, format!("{} inputs along axis {ax}", op.inputs.len()))])
}
