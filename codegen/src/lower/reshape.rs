//! RESHAPE, SQUEEZE and EXPAND_DIMS: the output aliases the input's arena bytes.

use super::*;

/// The types the zoo checks: RESHAPE in int8, int16 and float32 models, and of run-time int32
/// indices (dynamic_update_slice_float). SQUEEZE and EXPAND_DIMS
/// share its code (the converter mostly turns them into RESHAPE; int8 EXPAND_DIMS is in
/// dynamic_length_conv1d).
pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "RESHAPE", dtype: DType::I8, lower: alias },
    Kernel { op: "RESHAPE", dtype: DType::I16, lower: alias },
    Kernel { op: "RESHAPE", dtype: DType::F32, lower: alias },
    Kernel { op: "RESHAPE", dtype: DType::I32, lower: alias },
    Kernel { op: "SQUEEZE", dtype: DType::I8, lower: alias },
    Kernel { op: "SQUEEZE", dtype: DType::I16, lower: alias },
    Kernel { op: "SQUEEZE", dtype: DType::F32, lower: alias },
    Kernel { op: "EXPAND_DIMS", dtype: DType::I8, lower: alias },
    Kernel { op: "EXPAND_DIMS", dtype: DType::I16, lower: alias },
    Kernel { op: "EXPAND_DIMS", dtype: DType::F32, lower: alias },
];


pub(super) fn alias(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    if input.dtype != out.dtype || input.elements() != out.elements() {
        return invalid(format!(
            "{} ({:?} {}) and {} ({:?} {}) differ in size or type",
            input.label(),
            input.shape,
            input.dtype.name(),
            out.label(),
            out.shape,
            out.dtype.name()
        ));
    }
    if input.quant != out.quant && matches!(input.dtype, DType::I8 | DType::U8) {
        return unsupported("input and output quantization differ");
    }
    Ok(vec![cx.step(vec![cx.operand(input)], out, Call::Alias, 0, format!("{:?} → {:?}", input.shape, out.shape))])
}
