//! SHAPE: the input's shape is static, so the output is compile-time bytes (int32 or int64).

use super::*;

pub(super) fn lower(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_shape(out, &[input.shape.len()])?;
    let bytes: Vec<u8> = match out.dtype {
        DType::I32 => input.shape.iter().flat_map(|&d| (d as i32).to_le_bytes()).collect(),
        DType::I64 => input.shape.iter().flat_map(|&d| (d as i64).to_le_bytes()).collect(),
        d => return unsupported(format!("output {} is {}; SHAPE gives int32 or int64", out.label(), d.name())),
    };
    let params = quote!(::kiln::ops::ConstBytesParams { bytes: &[#(#bytes),*] });
    Ok(vec![cx.step(
        vec![],
        out,
        Call::Params { func: "const_bytes", ty: "ConstBytesParams", params },
        0,
        format!("{:?}", input.shape),
    )])
}
