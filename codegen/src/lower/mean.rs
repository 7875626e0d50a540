//! MEAN over any set of axes: int8, int16 (TFLM's integer `QuantizedMeanOrSum`, with its `1/n`
//! fold of the multiplier) and float32. The axis handling is shared with SUM and the other
//! reducers in `reduce.rs`.

use super::*;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "MEAN", dtype: DType::I8, lower: mean },
    Kernel { op: "MEAN", dtype: DType::I16, lower: mean },
    Kernel { op: "MEAN", dtype: DType::F32, lower: mean },
];

fn mean(cx: &Ctx<'_>) -> R<Vec<Step>> {
    reduce::mean_or_sum(cx, true, ["mean_s8", "mean_s16", "mean_f32"])
}
