//! STRIDED_SLICE (TFLM `strided_slice.cc`): begin/end/strides are constant; TFLM honours
//! begin_mask, end_mask and shrink_axis_mask and zeroes ellipsis_mask and new_axis_mask.

use super::*;

pub(super) fn lower(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    let MovementOptions::StridedSlice { begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask } =
        movement_options(cx)?
    else {
        return invalid("missing StridedSliceOptions");
    };
    if ellipsis_mask != 0 || new_axis_mask != 0 {
        return unsupported(format!(
            "ellipsis_mask {ellipsis_mask} / new_axis_mask {new_axis_mask}: TFLM's STRIDED_SLICE ignores these masks"
        ));
    }
    let rank = input.shape.len();
    if rank > 5 {
        return unsupported(format!("input {} has rank {rank}; TFLM slices up to rank 5", input.label()));
    }
    // TFLM reads begin, end and strides as int32.
    let (b, e, s) = (cx.input(1)?, cx.input(2)?, cx.input(3)?);
    expect_dtype(b, DType::I32, "begin")?;
    expect_dtype(e, DType::I32, "end")?;
    expect_dtype(s, DType::I32, "strides")?;
    let (begin, end, strides) = (int_values(b, "begin")?, int_values(e, "end")?, int_values(s, "strides")?);
    if begin.len() != rank || end.len() != rank || strides.len() != rank {
        return invalid(format!(
            "begin/end/strides have {}/{}/{} values for an input of rank {rank}",
            begin.len(),
            end.len(),
            strides.len()
        ));
    }
    let bit = |mask: i32, d: usize| mask & (1 << d) != 0;
    let in_strides = strides_of(&input.shape);
    let (mut dims, mut steps, mut offset, mut out_shape) = (Vec::new(), Vec::new(), 0isize, Vec::new());
    for d in 0..rank {
        let size = input.shape[d] as i64;
        let stride = strides[d];
        if stride == 0 || stride.unsigned_abs() > 1 << 31 {
            return invalid(format!("stride {stride} on axis {d}"));
        }
        // TFLM's StridedSliceStartForAxis / StridedSliceEndForAxis.
        let clamp = |v: i64| if stride > 0 { v.clamp(0, size) } else { v.clamp(-1, size - 1) };
        let mut start = clamp(if begin[d] < 0 { begin[d] + size } else { begin[d] });
        if bit(begin_mask, d) {
            start = if stride > 0 { 0 } else { size - 1 };
        }
        let shrink = bit(shrink_axis_mask, d);
        let stop = if shrink {
            if stride < 0 {
                return unsupported(format!("shrinking axis {d} with negative stride {stride} (TFLM writes nothing)"));
            }
            if start >= size { start } else { start + 1 }
        } else {
            let mut stop = clamp(if end[d] < 0 { end[d] + size } else { end[d] });
            if bit(end_mask, d) {
                stop = if stride > 0 { size } else { -1 };
            }
            stop
        };
        let count = if stride > 0 {
            if stop > start { (stop - start + stride - 1) / stride } else { 0 }
        } else if start > stop {
            (start - stop + (-stride) - 1) / (-stride)
        } else {
            0
        };
        dims.push(count as usize);
        steps.push(stride as isize * in_strides[d]);
        if count > 0 {
            offset += start as isize * in_strides[d];
        }
        if !shrink {
            out_shape.push(count as usize);
        }
    }
    expect_shape(out, &out_shape)?;
    let view = View { dims, strides: steps, offset };
    let summary = format!("begin {begin:?} end {end:?} strides {strides:?} masks b{begin_mask} e{end_mask} s{shrink_axis_mask}");
    Ok(vec![copy_step(cx, input, out, &view, summary)?])
}
