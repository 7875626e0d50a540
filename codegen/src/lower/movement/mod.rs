//! Data movement: slicing, transposes, splits, gathers, space/depth/batch reshuffles.
//!
//! Most of these ops are an affine map from output index to input position. Each lowering
//! describes that map as a [`View`] (output axes, the input element step of each, the input
//! element offset of the first output element); [`copy_step`] turns it into one byte-level
//! `strided_copy` whose contiguous runs are as long as the layout allows. Copy ops never
//! requantize: quantized inputs and outputs must share scale and zero point.

use quote::quote;

use super::*;
use crate::ir::MovementOptions;

mod batch_to_space;
mod broadcast_to;
mod depth_space;
mod dynamic_update_slice;
mod fill;
mod gather;
mod mirror_pad;
mod pack;
mod reverse;
mod slice;
mod split;
mod strided_slice;
mod tile;
mod transpose;

/// `Kernel` entries for one op on several element types.
macro_rules! kernels {
    ($($op:literal => $f:path : [$($d:ident),*];)*) => {
        &[$($(Kernel { op: $op, dtype: DType::$d, lower: $f },)*)*]
    };
}

pub(super) const KERNELS: &[Kernel] = kernels! {
    "STRIDED_SLICE" => strided_slice::lower: [I8, I16, F32, I32, Bool];
    "SLICE" => slice::lower: [I8, I16, F32, I32];
    "TRANSPOSE" => transpose::lower: [I8, I16, F32];
    "SPLIT" => split::split: [I8, I32];
    "SPLIT_V" => split::split_v: [I8, I16, F32, I32];
    "PACK" => pack::pack: [I8, I16, F32, I32];
    "UNPACK" => pack::unpack: [I8, I16, F32, I32];
    "BROADCAST_TO" => broadcast_to::lower: [I8, F32, I32];
    "REVERSE_V2" => reverse::lower: [I8, I16, F32, I32];
    "DEPTH_TO_SPACE" => depth_space::depth_to_space: [I8, F32];
    "SPACE_TO_DEPTH" => depth_space::space_to_depth: [I8, F32];
    "BATCH_TO_SPACE_ND" => batch_to_space::lower: [I8, F32];
    "SPACE_TO_BATCH_ND" => batch_to_space::space_to_batch: [I8, F32];
    "GATHER" => gather::gather: [I8, F32];
    "GATHER_ND" => gather::gather_nd: [I8, F32];
    "MIRROR_PAD" => mirror_pad::lower: [I8, F32];
    "FILL" => fill::lower: [F32, I32];
    "TILE" => tile::lower: [I8, F32, I32];
    "DYNAMIC_UPDATE_SLICE" => dynamic_update_slice::lower: [I8, I16, F32];
};

/// An affine map from the output (row-major over `dims`) to input elements: output index
/// `i` reads input element `offset + Σ i[d] · strides[d]`.
pub(crate) struct View {
    pub dims: Vec<usize>,
    pub strides: Vec<isize>,
    pub offset: isize,
}

/// Row-major element strides of a shape.
pub(crate) fn strides_of(shape: &[usize]) -> Vec<isize> {
    let mut s = vec![1isize; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        s[d] = s[d + 1] * shape[d + 1] as isize;
    }
    s
}

/// The element type and quantization a copy op must keep from input to output.
pub(crate) fn same_type(input: &Tensor, out: &Tensor) -> R<usize> {
    if input.dtype != out.dtype {
        return invalid(format!(
            "input {} is {} but output {} is {}; a copy op keeps the element type",
            input.label(),
            input.dtype.name(),
            out.label(),
            out.dtype.name()
        ));
    }
    if matches!(input.dtype, DType::I8 | DType::U8 | DType::I16) && input.quant != out.quant {
        return unsupported(format!(
            "input {} and output {} are quantized differently; TFLM copies the raw values, so both must share scale and zero point",
            input.label(),
            out.label()
        ));
    }
    match input.dtype.size() {
        Some(n) => Ok(n),
        None => unsupported(format!("{} has element type {}", input.label(), input.dtype.name())),
    }
}

/// Outer axes of `::kiln::ops::StridedCopyParams` (`kiln::ops::COPY_AXES`).
pub(crate) const COPY_AXES: usize = 7;

/// The `StridedCopyParams` literal of a simplified byte walk (see [`byte_walk`]): the last
/// axis is the contiguous run, the others are padded to [`COPY_AXES`] with size-1 axes.
fn copy_params((dims, strides, offset): &(Vec<usize>, Vec<isize>, usize)) -> R<TokenStream> {
    let (run, outer_dims) = match dims.split_last() {
        Some((&run, rest)) => (run, rest),
        None => (0, &[][..]),
    };
    if outer_dims.len() > COPY_AXES {
        return unsupported(format!("the copy needs {} non-contiguous axes; kiln walks at most {COPY_AXES}", outer_dims.len()));
    }
    let pad = COPY_AXES - outer_dims.len();
    let outer: Vec<usize> = std::iter::repeat_n(1, pad).chain(outer_dims.iter().copied()).collect();
    let st: Vec<isize> = std::iter::repeat_n(0, pad).chain(strides[..outer_dims.len()].iter().copied()).collect();
    let outer = usizes(&outer);
    Ok(quote!(::kiln::ops::StridedCopyParams { outer: #outer, strides: [#(#st),*], run: #run, offset: #offset }))
}

/// A view over an input of `in_bytes` bytes with `elem`-byte elements, in bytes and
/// simplified: axes of size 1 dropped, each axis merged into the next where the input is
/// contiguous across them. Returns `(dims, byte strides, byte offset)`; the last axis is the
/// contiguous run (byte stride 1). Checks that every position lies inside the input.
fn byte_walk(v: &View, elem: usize, in_bytes: usize) -> R<(Vec<usize>, Vec<isize>, usize)> {
    let e = elem as isize;
    let empty = v.dims.contains(&0);
    let mut axes: Vec<(usize, isize)> =
        v.dims.iter().zip(&v.strides).filter(|(&n, _)| n != 1).map(|(&n, &s)| (n, s * e)).collect();
    axes.push((elem, 1));
    // Merge an axis into the next one when stepping it equals walking the whole next axis.
    let mut merged: Vec<(usize, isize)> = Vec::new();
    for (n, s) in axes.into_iter().rev() {
        match merged.last_mut() {
            Some(last) if s == last.1 * last.0 as isize => last.0 *= n,
            _ => merged.push((n, s)),
        }
    }
    merged.reverse();
    let offset = if empty { 0 } else { v.offset * e };
    if !empty {
        let lo: isize = offset + merged.iter().map(|&(n, s)| s.min(0) * (n as isize - 1)).sum::<isize>();
        let hi: isize = offset + merged.iter().map(|&(n, s)| s.max(0) * (n as isize - 1)).sum::<isize>();
        if lo < 0 || hi >= in_bytes as isize {
            return invalid(format!("the copy reads bytes {lo}..={hi} of a {in_bytes}-byte input"));
        }
    }
    let (dims, strides) = merged.into_iter().unzip();
    Ok((dims, strides, offset as usize))
}

/// One `strided_copy` step from `input` into `out` along `view`; no code at all (an alias of
/// the input's bytes) when the view reads the whole input in order (a transpose that only
/// moves size-1 axes, a slice or broadcast that keeps everything).
pub(crate) fn copy_step(cx: &Ctx<'_>, input: &Tensor, out: &Tensor, view: &View, summary: String) -> R<Step> {
    let elem = same_type(input, out)?;
    let out_elems: usize = view.dims.iter().product();
    if out_elems != out.elements() {
        return invalid(format!("output {} has {} elements, the op gives {out_elems}", out.label(), out.elements()));
    }
    let walk = byte_walk(view, elem, input.bytes())?;
    if walk.2 == 0 && walk.0 == [input.bytes()] && out.bytes() == input.bytes() {
        return Ok(cx.step(vec![cx.operand(input)], out, Call::Alias, 0, format!("{summary} (the bytes in order: an alias)")));
    }
    let params = copy_params(&walk)?;
    Ok(cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "strided_copy", ty: "StridedCopyParams", params },
        0,
        summary,
    ))
}

/// The movement options of this op.
pub(crate) fn movement_options(cx: &Ctx<'_>) -> R<MovementOptions> {
    match cx.op.options {
        Options::Movement(m) => Ok(m),
        _ => invalid(format!("{} has no {} options", cx.op.name, cx.op.name)),
    }
}

/// A possibly negative axis of a rank-`rank` tensor, normalized.
pub(crate) fn axis_of(axis: i64, rank: usize, role: &str) -> R<usize> {
    let a = if axis < 0 { axis + rank as i64 } else { axis };
    if (0..rank as i64).contains(&a) {
        Ok(a as usize)
    } else {
        invalid(format!("{role} {axis} is out of range for rank {rank}"))
    }
}

/// The single value of a constant scalar (or one-element) int tensor.
pub(crate) fn scalar_int(t: &Tensor, role: &str) -> R<i64> {
    match int_values(t, role)?.as_slice() {
        [v] => Ok(*v),
        v => invalid(format!("{role} {} has {} values, expected one", t.label(), v.len())),
    }
}

/// The op's outputs (SPLIT, UNPACK and SPLIT_V have several).
pub(crate) fn outputs<'a>(cx: &Ctx<'a>) -> Vec<&'a Tensor> {
    cx.op.outputs.iter().map(|&t| &cx.g.tensors[t]).collect()
}

/// Checks a computed output shape against the model's.
pub(crate) fn expect_shape(out: &Tensor, want: &[usize]) -> R<()> {
    if out.shape == want {
        Ok(())
    } else {
        invalid(format!("output {} has shape {:?}, the op gives {want:?}", out.label(), out.shape))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Quant;

    fn act(index: usize, shape: &[usize], dtype: DType, scale: f32) -> Tensor {
        let quant = matches!(dtype, DType::I8 | DType::I16).then(|| Quant { scales: vec![scale], zero_points: vec![0], axis: 0 });
        Tensor { index, name: format!("t{index}"), shape: shape.to_vec(), dtype, quant, data: None, is_variable: false }
    }

    fn ints(index: usize, v: &[i32]) -> Tensor {
        let data: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        Tensor { index, name: format!("c{index}"), shape: vec![v.len()], dtype: DType::I32, quant: None, data: Some(data.into()), is_variable: false }
    }

    /// Lowers a one-op graph whose tensors are numbered in order.
    fn lower_one(name: &str, tensors: Vec<Tensor>, inputs: &[usize], outputs: &[usize], options: Options) -> R<Vec<Step>> {
        let g = Graph { tensors, ops: vec![], inputs: vec![0], outputs: outputs.to_vec(), folded_ops: vec![] };
        let op = Op {
            index: 0,
            code: 0,
            name: name.into(),
            inputs: inputs.iter().map(|&i| Some(i)).collect(),
            outputs: outputs.to_vec(),
            options,
        };
        super::super::lower_op(&g, &op)
    }

    fn message(r: R<Vec<Step>>) -> (bool, String) {
        match r {
            Ok(_) => panic!("expected an error"),
            Err(Fail::Unsupported(m)) => (false, m),
            Err(Fail::Invalid(m)) => (true, m),
        }
    }

    fn params(steps: &[Step]) -> String {
        match &steps[0].call {
            Call::Params { params, .. } => params.to_string().replace(' ', ""),
            other => panic!("unexpected call {other:?}"),
        }
    }

    fn ss(begin_mask: i32, ellipsis_mask: i32, shrink_axis_mask: i32) -> Options {
        Options::Movement(MovementOptions::StridedSlice {
            begin_mask,
            end_mask: 0,
            ellipsis_mask,
            new_axis_mask: 0,
            shrink_axis_mask,
        })
    }

    #[test]
    fn row_slice_is_one_contiguous_run_per_row() {
        // [1,6,4,3] int16, rows 1..5 step 2: two runs of a whole row (4·3·2 = 24 bytes).
        let t = vec![
            act(0, &[1, 6, 4, 3], DType::I16, 0.5),
            ints(1, &[0, 1, 0, 0]),
            ints(2, &[1, 5, 4, 3]),
            ints(3, &[1, 2, 1, 1]),
            act(4, &[1, 2, 4, 3], DType::I16, 0.5),
        ];
        let steps = lower_one("STRIDED_SLICE", t, &[0, 1, 2, 3], &[4], ss(0, 0, 0)).ok().unwrap();
        let p = params(&steps);
        assert!(p.contains("outer:[1usize,1usize,1usize,1usize,1usize,1usize,2usize]"), "{p}");
        assert!(p.contains("strides:[0isize,0isize,0isize,0isize,0isize,0isize,48isize]"), "{p}");
        assert!(p.contains("run:24usize") && p.contains("offset:24usize"), "{p}");
    }

    #[test]
    fn strided_slice_rejects_ellipsis_and_wrong_output_shape() {
        let base = |out: &[usize]| {
            vec![act(0, &[1, 4], DType::I8, 1.0), ints(1, &[0, 1]), ints(2, &[1, 3]), ints(3, &[1, 1]), act(4, out, DType::I8, 1.0)]
        };
        let (invalid, m) = message(lower_one("STRIDED_SLICE", base(&[1, 2]), &[0, 1, 2, 3], &[4], ss(0, 1, 0)));
        assert!(!invalid && m.contains("ellipsis_mask"), "{m}");
        let (invalid, m) = message(lower_one("STRIDED_SLICE", base(&[1, 3]), &[0, 1, 2, 3], &[4], ss(0, 0, 0)));
        assert!(invalid && m.contains("has shape [1, 3], the op gives [1, 2]"), "{m}");
        // Shrinking axis 0 gives [2].
        assert!(lower_one("STRIDED_SLICE", base(&[2]), &[0, 1, 2, 3], &[4], ss(0, 0, 1)).is_ok());
    }

    #[test]
    fn copies_never_requantize() {
        let t = vec![act(0, &[2, 3], DType::I8, 1.0), ints(1, &[1, 0]), act(2, &[3, 2], DType::I8, 0.5)];
        let (invalid, m) = message(lower_one("TRANSPOSE", t, &[0, 1], &[2], Options::None));
        assert!(!invalid && m.contains("quantized differently"), "{m}");
    }

    #[test]
    fn transpose_checks_the_permutation() {
        let t = vec![act(0, &[2, 3], DType::F32, 1.0), ints(1, &[1, 1]), act(2, &[3, 2], DType::F32, 1.0)];
        let (invalid, m) = message(lower_one("TRANSPOSE", t, &[0, 1], &[2], Options::None));
        assert!(invalid && m.contains("repeats axis 1"), "{m}");
        // A channel-last move keeps the channel vector as one run: [1,2,3,4] perm [0,2,1,3].
        let t = vec![act(0, &[1, 2, 3, 4], DType::F32, 1.0), ints(1, &[0, 2, 1, 3]), act(2, &[1, 3, 2, 4], DType::F32, 1.0)];
        let p = params(&lower_one("TRANSPOSE", t, &[0, 1], &[2], Options::None).ok().unwrap());
        assert!(p.contains("run:16usize") && p.contains("3usize,2usize]"), "{p}");
    }

    #[test]
    fn split_v_sizes_must_cover_the_axis() {
        let t = vec![
            act(0, &[1, 6], DType::F32, 1.0),
            ints(1, &[2, 2]),
            ints(2, &[1]),
            act(3, &[1, 2], DType::F32, 1.0),
            act(4, &[1, 2], DType::F32, 1.0),
        ];
        let (invalid, m) = message(lower_one("SPLIT_V", t, &[0, 1, 2], &[3, 4], Options::None));
        assert!(invalid && m.contains("do not add up"), "{m}");
    }

    #[test]
    fn split_gives_one_step_per_output() {
        let t = vec![
            ints(0, &[1]),
            act(1, &[1, 6], DType::I8, 1.0),
            act(2, &[1, 3], DType::I8, 1.0),
            act(3, &[1, 3], DType::I8, 1.0),
        ];
        let steps = lower_one("SPLIT", t, &[0, 1], &[2, 3], Options::None).ok().unwrap();
        assert_eq!(steps.iter().map(|s| s.output).collect::<Vec<_>>(), [2, 3]);
        assert!(params(&steps[1..]).contains("offset:3usize"));
    }

    #[test]
    fn gather_needs_integer_indices_and_matching_shape() {
        let opts = Options::Movement(MovementOptions::Gather { axis: 1, batch_dims: 0 });
        let mut idx = act(1, &[2], DType::F32, 1.0);
        idx.data = Some(vec![0u8; 8].into());
        let t = vec![act(0, &[1, 4, 2], DType::I8, 1.0), idx, act(2, &[1, 2, 2], DType::I8, 1.0)];
        let (invalid, m) = message(lower_one("GATHER", t, &[0, 1], &[2], opts.clone()));
        assert!(!invalid && m.contains("expected int32 or int64"), "{m}");
        let t = vec![act(0, &[1, 4, 2], DType::I8, 1.0), ints(1, &[3, 0]), act(2, &[1, 3, 2], DType::I8, 1.0)];
        let (invalid, m) = message(lower_one("GATHER", t, &[0, 1], &[2], opts));
        assert!(invalid && m.contains("the op gives [1, 2, 2]"), "{m}");
    }

    #[test]
    fn mirror_pad_limits_the_padding() {
        let opts = Options::Movement(MovementOptions::MirrorPad { symmetric: false });
        // REFLECT on an axis of 3 allows at most 2.
        let t = vec![act(0, &[1, 3], DType::F32, 1.0), ints(1, &[0, 0, 3, 0]), act(2, &[1, 6], DType::F32, 1.0)];
        let (invalid, m) = message(lower_one("MIRROR_PAD", t, &[0, 1], &[2], opts));
        assert!(invalid && m.contains("exceed the mirror"), "{m}");
    }

    #[test]
    fn batch_to_space_partial_block_crops_take_the_pixel_kernel() {
        let t = vec![
            act(0, &[4, 2, 2, 1], DType::F32, 1.0),
            ints(1, &[2, 2]),
            ints(2, &[1, 0, 0, 0]),
            act(3, &[1, 3, 4, 1], DType::F32, 1.0),
        ];
        let steps = lower_one("BATCH_TO_SPACE_ND", t, &[0, 1, 2], &[3], Options::None).ok().unwrap();
        assert!(matches!(steps[0].call, Call::Params { func: "batch_to_space_nd", .. }));
        assert!(params(&steps).contains("crop_before:[1usize,0usize]"));
    }

    #[test]
    fn order_keeping_copies_are_aliases() {
        // [1,4,1,5] perm [0,2,1,3] only moves size-1 axes.
        let t = vec![act(0, &[1, 4, 1, 5], DType::I8, 1.0), ints(1, &[0, 2, 1, 3]), act(2, &[1, 1, 4, 5], DType::I8, 1.0)];
        let steps = lower_one("TRANSPOSE", t, &[0, 1], &[2], Options::None).ok().unwrap();
        assert!(matches!(steps[0].call, Call::Alias));
        // A slice of everything but the last row is a copy, not an alias.
        let t = vec![act(0, &[1, 4, 5], DType::I8, 1.0), ints(1, &[0, 0, 0]), ints(2, &[1, 3, 5]), act(3, &[1, 3, 5], DType::I8, 1.0)];
        let steps = lower_one("SLICE", t, &[0, 1, 2], &[3], Options::None).ok().unwrap();
        assert!(matches!(steps[0].call, Call::Params { func: "strided_copy", .. }));
    }

    #[test]
    fn tile_splits_each_tiled_axis_into_a_step_0_axis() {
        // [2,3] int8 × [2,2] → [4,6]: view [2,2,2,3] with steps [0,3,0,1]; rows of 3 bytes.
        let t = vec![act(0, &[2, 3], DType::I8, 1.0), ints(1, &[2, 2]), act(2, &[4, 6], DType::I8, 1.0)];
        let p = params(&lower_one("TILE", t, &[0, 1], &[2], Options::None).ok().unwrap());
        assert!(p.contains("outer:[1usize,1usize,1usize,1usize,2usize,2usize,2usize]"), "{p}");
        assert!(p.contains("strides:[0isize,0isize,0isize,0isize,0isize,3isize,0isize]"), "{p}");
        assert!(p.contains("run:3usize") && p.contains("offset:0usize"), "{p}");
        // Multiples of 1 everywhere: the bytes in order, an alias.
        let t = vec![act(0, &[2, 3], DType::F32, 1.0), ints(1, &[1, 1]), act(2, &[2, 3], DType::F32, 1.0)];
        assert!(matches!(lower_one("TILE", t, &[0, 1], &[2], Options::None).ok().unwrap()[0].call, Call::Alias));
    }

    #[test]
    fn tile_rejects_bad_multiples_shapes_and_types() {
        let base = |m: &[i32], out: &[usize], dtype: DType, scale: f32| {
            vec![act(0, &[1, 2, 3], DType::I8, 1.0), ints(1, m), act(2, out, dtype, scale)]
        };
        let run = |t| message(lower_one("TILE", t, &[0, 1], &[2], Options::None));
        let (invalid, m) = run(base(&[1, -2, 1], &[1, 4, 3], DType::I8, 1.0));
        assert!(invalid && m.contains("multiples[1] = -2 is negative"), "{m}");
        let (invalid, m) = run(base(&[1, 2], &[1, 4, 3], DType::I8, 1.0));
        assert!(invalid && m.contains("has 2 values") && m.contains("of rank 3"), "{m}");
        let (invalid, m) = run(base(&[1, 2, 1], &[1, 2, 6], DType::I8, 1.0));
        assert!(invalid && m.contains("the op gives [1, 4, 3]"), "{m}");
        let (invalid, m) = run(base(&[1, 2, 1], &[1, 4, 3], DType::I16, 1.0));
        assert!(invalid && m.contains("keeps the element type"), "{m}");
        let (invalid, m) = run(base(&[1, 2, 1], &[1, 4, 3], DType::I8, 0.5));
        assert!(!invalid && m.contains("quantized differently"), "{m}");
        // Run-time multiples.
        let mut t = base(&[1, 2, 1], &[1, 4, 3], DType::I8, 1.0);
        t[1].data = None;
        let (invalid, m) = run(t);
        assert!(!invalid && m.contains("multiples") && m.contains("constant"), "{m}");
        // Rank 5, every axis tiled: 9 walked axes, more than strided_copy's 7.
        let t = vec![act(0, &[2, 2, 2, 2, 2], DType::F32, 1.0), ints(1, &[2, 2, 2, 2, 2]), act(2, &[4; 5], DType::F32, 1.0)];
        let (invalid, m) = run(t);
        assert!(!invalid && m.contains("TILE of [2, 2, 2, 2, 2]") && m.contains("at most 7"), "{m}");
    }

    #[test]
    fn extreme_index_values_are_errors_not_overflows() {
        let i64s = |index: usize, v: &[i64]| {
            let data: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
            Tensor { index, name: format!("c{index}"), shape: vec![v.len()], dtype: DType::I64, quant: None, data: Some(data.into()), is_variable: false }
        };
        let t = vec![act(0, &[1, 4], DType::F32, 1.0), i64s(1, &[0, i64::MAX]), i64s(2, &[1, i64::MAX]), act(3, &[1, 1], DType::F32, 1.0)];
        let (invalid, m) = message(lower_one("SLICE", t, &[0, 1, 2], &[3], Options::None));
        assert!(invalid && m.contains("axis 1"), "{m}");
        let t = vec![
            act(0, &[1, 4], DType::F32, 1.0),
            i64s(1, &[i64::MAX, i64::MAX]),
            ints(2, &[1]),
            act(3, &[1, 2], DType::F32, 1.0),
            act(4, &[1, 2], DType::F32, 1.0),
        ];
        let (invalid, m) = message(lower_one("SPLIT_V", t, &[0, 1, 2], &[3, 4], Options::None));
        assert!(invalid && m.contains("size_splits"), "{m}");
        // STRIDED_SLICE takes int32 indices only (TFLM reads them as int32).
        let t = vec![act(0, &[1, 4], DType::F32, 1.0), i64s(1, &[0, 0]), i64s(2, &[1, 2]), i64s(3, &[1, 1]), act(4, &[1, 2], DType::F32, 1.0)];
        let (invalid, m) = message(lower_one("STRIDED_SLICE", t, &[0, 1, 2, 3], &[4], ss(0, 0, 0)));
        assert!(!invalid && m.contains("begin"), "{m}");
    }
}
