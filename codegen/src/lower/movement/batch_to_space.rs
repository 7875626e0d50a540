//! BATCH_TO_SPACE_ND (TFLM `batch_to_space_nd.cc`), rank 3 or 4: input batch
//! `(oy·bw + ox)·N + n` fills the output pixels `(y·bh + oy, x·bw + ox)` of batch `n`, then
//! `crops` are cut off. kiln supports crops that are whole multiples of the block (the usual 0),
//! where the cut output is still an affine view of the input.

use super::*;

pub(super) fn lower(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    // Rank 3 `[b, w, c]` is rank 4 with h = 1 (TFLM extends it the same way).
    let (bsz, h, w, c) = match *input.shape.as_slice() {
        [b, h, w, c] => (b, h, w, c),
        [b, w, c] => (b, 1, w, c),
        _ => return unsupported(format!("input {} has shape {:?}; TFLM supports rank 3 or 4", input.label(), input.shape)),
    };
    let block = int_values(cx.input(1)?, "block_shape")?;
    let crops = int_values(cx.input(2)?, "crops")?;
    let spatial = input.shape.len() - 2;
    if block.len() != spatial || crops.len() != 2 * spatial || block.iter().any(|&b| b < 1) || crops.iter().any(|&c| c < 0) {
        return invalid(format!("block_shape {block:?} / crops {crops:?} for rank {}", input.shape.len()));
    }
    let (bh, bw) = if spatial == 2 { (block[0] as usize, block[1] as usize) } else { (1, block[0] as usize) };
    let cr: Vec<usize> = crops.iter().map(|&c| c as usize).collect();
    let (ct, cb, cl, crr) = if spatial == 2 { (cr[0], cr[1], cr[2], cr[3]) } else { (0, 0, cr[0], cr[1]) };
    if bsz % (bh * bw) != 0 {
        return invalid(format!("batch {bsz} is not a multiple of the block {bh}x{bw}"));
    }
    if ct % bh != 0 || cb % bh != 0 || cl % bw != 0 || crr % bw != 0 {
        return unsupported(format!("crops {crops:?} that are not multiples of the block {block:?}"));
    }
    let n = bsz / (bh * bw);
    let (oh, ow) = ((h * bh).checked_sub(ct + cb), (w * bw).checked_sub(cl + crr));
    let (Some(oh), Some(ow)) = (oh, ow) else {
        return invalid(format!("crops {crops:?} exceed the output"));
    };
    let mut shape = vec![n];
    if spatial == 2 {
        shape.push(oh);
    }
    shape.extend([ow, c]);
    expect_shape(out, &shape)?;
    // Input element strides as rank 4; output viewed as [n, y, oy, x, ox, c].
    let s = strides_of(&[bsz, h, w, c]);
    let view = View {
        dims: vec![n, oh / bh, bh, ow / bw, bw, c],
        strides: vec![s[0], s[1], (bw * n) as isize * s[0], s[2], n as isize * s[0], 1],
        offset: (ct / bh) as isize * s[1] + (cl / bw) as isize * s[2],
    };
    Ok(vec![copy_step(cx, input, out, &view, format!("block {block:?} crops {crops:?}"))?])
}
