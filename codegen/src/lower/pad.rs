//! PAD and PADV2.

use quote::quote;

use super::*;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "PAD", dtype: DType::I8, lower: pad_s8 },
    Kernel { op: "PADV2", dtype: DType::I8, lower: pad_s8 },
    Kernel { op: "PAD", dtype: DType::I16, lower: pad_nd },
    Kernel { op: "PAD", dtype: DType::F32, lower: pad_nd },
    Kernel { op: "PADV2", dtype: DType::F32, lower: pad_nd },
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
    if rank == 5 {
        // The rank-4 kernel below does not cover TFLM's rank-5 PAD; the generic one does.
        return pad_nd(cx);
    }
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

/// PAD on int16 and float32, PADV2 on float32, and int8 PAD/PADV2 of rank 5 (TFLM `PadImpl`): the fill is
/// PADV2's constant, else the output zero point (quantized) or zero; the input lands in the
/// output as one `pad` walk.
fn pad_nd(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let op = cx.op;
    let (input, pads, out) = (cx.input(0)?, cx.input(1)?, cx.output()?);
    let elem = super::movement::same_type(input, out)?;
    let p = int_values(pads, "paddings")?;
    let rank = input.shape.len();
    if rank > 5 || p.len() != rank * 2 || p.iter().any(|&v| !(0..=1 << 31).contains(&v)) {
        return invalid(format!("paddings {p:?} do not fit rank {rank} (≤ 5, non-negative)"));
    }
    let value: Vec<u8> = match (op.name == "PADV2").then(|| cx.opt_input(2)).flatten() {
        Some(v) => {
            expect_dtype(v, out.dtype, "constant value")?;
            if v.elements() != 1 {
                return invalid(format!("constant value {} has {} elements, expected one", v.label(), v.elements()));
            }
            expect_const(v, "constant value")?.to_vec()
        }
        None => match out.dtype {
            DType::I8 => vec![per_tensor(out)?.1 as i8 as u8],
            DType::I16 => (per_tensor(out)?.1 as i16).to_le_bytes().to_vec(),
            _ => vec![0; elem],
        },
    };
    let shape_out: Vec<usize> = (0..rank).map(|d| input.shape[d] + p[2 * d] as usize + p[2 * d + 1] as usize).collect();
    if out.shape != shape_out {
        return invalid(format!("output {} has shape {:?}, the paddings give {shape_out:?}", out.label(), out.shape));
    }
    // Input rows (all axes but the last) land at output byte strides; the last axis is the run.
    let ostride = super::movement::strides_of(&shape_out);
    let offset: usize = (0..rank).map(|d| p[2 * d] as usize * ostride[d] as usize * elem).sum();
    let (rows, run) = match input.shape.split_last() {
        Some((&last, rows)) => (rows, last * elem),
        None => (&[][..], elem),
    };
    let pad = super::movement::COPY_AXES - rows.len();
    let mut outer = vec![1usize; pad];
    outer.extend_from_slice(rows);
    let mut strides = vec![0isize; pad];
    strides.extend(ostride[..rows.len()].iter().map(|&s| s * elem as isize));
    let outer = usizes(&outer);
    let params = quote!(::kiln::ops::PadNdParams {
        value: &[#(#value),*],
        place: ::kiln::ops::StridedCopyParams { outer: #outer, strides: [#(#strides),*], run: #run, offset: #offset },
    });
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "pad", ty: "PadNdParams", params },
        0,
        format!("paddings {p:?}, value {}", match (out.dtype, value.as_slice()) {
            (DType::F32, &[a, b, c, d]) => f32::from_le_bytes([a, b, c, d]).to_string(),
            (DType::I16, &[a, b]) => i16::from_le_bytes([a, b]).to_string(),
            _ => format!("bytes {value:?}"),
        }),
    )])
}
