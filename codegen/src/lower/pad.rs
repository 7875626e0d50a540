//! PAD and PADV2.

use quote::quote;

use super::*;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "PAD", dtype: DType::I8, lower: pad_s8 },
    Kernel { op: "PADV2", dtype: DType::I8, lower: pad_s8 },
];


fn pad_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let op = cx.op;
    let (input, pads, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    expect_dtype(input, DType::I8, "input")?;
    expect_dtype(out, DType::I8, "output")?;
    if per_tensor(input)? != per_tensor(out)? {
        return unsupported("input and output quantization differ");
    }
    let p = int_values(pads, "paddings")?;
    let rank = input.shape.len();
    // Each padding is at most 2^31 (tensors are below 2 GiB), so the sums below cannot overflow.
    if rank > 4 || p.len() != rank * 2 || p.iter().any(|&v| !(0..=1 << 31).contains(&v)) {
        return invalid(format!("paddings {p:?} do not fit rank {rank} (≤ 4, non-negative)"));
    }
    let value = if op.name == "PADV2" {
        match cx.opt_input(2) {
            Some(v) => {
                expect_dtype(v, DType::I8, "constant value")?;
                let d = expect_const(v, "constant value")?;
                d[0] as i8
            }
            None => per_tensor(out)?.1 as i8,
        }
    } else {
        per_tensor(out)?.1 as i8
    };
    let lead = 4 - rank;
    let mut before = [0usize; 4];
    let mut shape_in = [1usize; 4];
    let mut shape_out = [1usize; 4];
    for d in 0..rank {
        before[lead + d] = p[2 * d] as usize;
        shape_in[lead + d] = input.shape[d];
        shape_out[lead + d] = input.shape[d] + p[2 * d] as usize + p[2 * d + 1] as usize;
    }
    if out.shape[..] != shape_out[lead..] {
        return invalid(format!("output {} has shape {:?}, the paddings give {:?}", out.label(), out.shape, &shape_out[lead..]));
    }
    let (si, so, b) = (usizes(&shape_in), usizes(&shape_out), usizes(&before));
    let params = quote!(::kiln::ops::PadParams { input: #si, output: #so, before: #b, value: #value });
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "pad_s8", ty: "PadParams", params },
        0,
        format!("paddings {p:?}, value {value}"),
    )])
}
