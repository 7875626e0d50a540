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
mod fill;
mod gather;
mod mirror_pad;
mod pack;
mod reverse;
mod slice;
mod split;
mod strided_slice;
mod transpose;

/// `Kernel` entries for one op on several element types.
macro_rules! kernels {
    ($($op:literal => $f:path : [$($d:ident),*];)*) => {
        &[$($(Kernel { op: $op, dtype: DType::$d, lower: $f },)*)*]
    };
}

pub(super) const KERNELS: &[Kernel] = kernels! {
    "STRIDED_SLICE" => strided_slice::lower: [I8, I16, F32, I32];
    "SLICE" => slice::lower: [I8, I16, F32, I32];
    "TRANSPOSE" => transpose::lower: [I8, I16, F32, I32];
    // SPLIT's first input is the axis: the kernel is keyed on its type (int32).
    "SPLIT" => split::split: [I32];
    "SPLIT_V" => split::split_v: [I8, I16, F32, I32];
    "PACK" => pack::pack: [I8, I16, F32, I32];
    "UNPACK" => pack::unpack: [I8, I16, F32, I32];
    "BROADCAST_TO" => broadcast_to::lower: [I8, F32, I32];
    "REVERSE_V2" => reverse::lower: [I8, I16, F32, I32];
    "DEPTH_TO_SPACE" => depth_space::depth_to_space: [I8, F32];
    "SPACE_TO_DEPTH" => depth_space::space_to_depth: [I8, F32];
    "BATCH_TO_SPACE_ND" => batch_to_space::lower: [I8, F32];
    "SPACE_TO_BATCH_ND" => batch_to_space::space_to_batch: [I8, F32];
    "GATHER" => gather::gather: [I8, F32, I32];
    "GATHER_ND" => gather::gather_nd: [I8, F32, I32];
    "MIRROR_PAD" => mirror_pad::lower: [I8, F32];
    // FILL's first input is the output shape (int32 or int64); the value may be any type.
    "FILL" => fill::lower: [I32, I64];
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

/// The `StridedCopyParams` literal of a view over an input of `in_bytes` bytes with `elem`-byte
/// elements: axes of size 1 dropped, axes merged where the input is contiguous across them,
/// the innermost contiguous run copied at once. Checks every position lies inside the input.
pub(crate) fn copy_params(v: &View, elem: usize, in_bytes: usize) -> R<TokenStream> {
    let (dims, strides, offset) = byte_walk(v, elem, in_bytes)?;
    let n = 7;
    let (run, outer_dims) = match dims.split_last() {
        Some((&run, rest)) => (run, rest),
        None => (elem, &[][..]),
    };
    let outer_strides = &strides[..outer_dims.len()];
    if outer_dims.len() > n {
        return unsupported(format!("the copy needs {} non-contiguous axes; kiln walks at most {n}", outer_dims.len()));
    }
    let mut outer = vec![1usize; n - outer_dims.len()];
    outer.extend_from_slice(outer_dims);
    let mut st = vec![0isize; n - outer_dims.len()];
    st.extend_from_slice(outer_strides);
    let outer = usizes(&outer);
    Ok(quote!(::kiln::ops::StridedCopyParams { outer: #outer, strides: [#(#st),*], run: #run, offset: #offset }))
}

/// A view in bytes, simplified: `(dims, byte strides, byte offset)`; the last axis is the
/// contiguous run (byte stride 1).
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

/// One `strided_copy` step from `input` into `out` along `view`.
pub(crate) fn copy_step(cx: &Ctx<'_>, input: &Tensor, out: &Tensor, view: &View, summary: String) -> R<Step> {
    let elem = same_type(input, out)?;
    let out_elems: usize = view.dims.iter().product();
    if out_elems != out.elements() {
        return invalid(format!("output {} has {} elements, the op gives {out_elems}", out.label(), out.elements()));
    }
    let params = copy_params(view, elem, input.bytes())?;
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
