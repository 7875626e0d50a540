//! BATCH_TO_SPACE_ND and SPACE_TO_BATCH_ND.
//!
//! BATCH_TO_SPACE_ND (TFLM `batch_to_space_nd.cc`), rank 3 or 4: input batch
//! `(oy·bw + ox)·N + n` fills the output pixels `(y·bh + oy, x·bw + ox)` of batch `n`, then
//! `crops` are cut off. With crops that are whole blocks (the usual 0) the output is an affine
//! view of the input (one `strided_copy`); other crops use the per-pixel kernel.

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
    if block.len() != spatial
        || crops.len() != 2 * spatial
        || block.iter().any(|&b| !(1..=1 << 16).contains(&b))
        || crops.iter().any(|&c| !(0..=1 << 31).contains(&c))
    {
        return invalid(format!("block_shape {block:?} / crops {crops:?} for rank {}", input.shape.len()));
    }
    let (bh, bw) = if spatial == 2 { (block[0] as usize, block[1] as usize) } else { (1, block[0] as usize) };
    let cr: Vec<usize> = crops.iter().map(|&c| c as usize).collect();
    let (ct, cb, cl, crr) = if spatial == 2 { (cr[0], cr[1], cr[2], cr[3]) } else { (0, 0, cr[0], cr[1]) };
    if bsz % (bh * bw) != 0 {
        return invalid(format!("batch {bsz} is not a multiple of the block {bh}x{bw}"));
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
    if ct % bh != 0 || cb % bh != 0 || cl % bw != 0 || crr % bw != 0 {
        // Crops through a block: one pixel at a time.
        let elem = same_type(input, out)?;
        let (si, so) = (usizes(&[bsz, h, w, c]), usizes(&[n, oh, ow, c]));
        let params = quote!(::kiln::ops::BatchToSpaceNdParams {
            input: #si, output: #so, block: [#bh, #bw], crop_before: [#ct, #cl], elem: #elem
        });
        return Ok(vec![cx.step(
            vec![cx.operand(input)],
            out,
            Call::Params { func: "batch_to_space_nd", ty: "BatchToSpaceNdParams", params },
            0,
            format!("block {block:?} crops {crops:?}"),
        )]);
    }
    // Input element strides as rank 4; output viewed as [n, y, oy, x, ox, c].
    let s = strides_of(&[bsz, h, w, c]);
    let view = View {
        dims: vec![n, oh / bh, bh, ow / bw, bw, c],
        strides: vec![s[0], s[1], (bw * n) as isize * s[0], s[2], n as isize * s[0], 1],
        offset: (ct / bh) as isize * s[1] + (cl / bw) as isize * s[2],
    };
    Ok(vec![copy_step(cx, input, out, &view, format!("block {block:?} crops {crops:?}"))?])
}

/// SPACE_TO_BATCH_ND (TFLM `space_to_batch_nd.h`), rank 3 or 4: a dedicated kernel, since the
/// padding makes the output a non-affine view of the input.
pub(super) fn space_to_batch(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    let elem = same_type(input, out)?;
    let (n, h, w, c) = match *input.shape.as_slice() {
        [n, h, w, c] => (n, h, w, c),
        [n, h, c] => (n, h, 1, c),
        _ => return unsupported(format!("input {} has shape {:?}; TFLM supports rank 3 or 4", input.label(), input.shape)),
    };
    let spatial = input.shape.len() - 2;
    let block = int_values(cx.input(1)?, "block_shape")?;
    let pads = int_values(cx.input(2)?, "paddings")?;
    if block.len() != spatial || pads.len() != 2 * spatial || block.iter().any(|&b| !(1..=1 << 16).contains(&b)) || pads.iter().any(|&p| !(0..=1 << 24).contains(&p)) {
        return invalid(format!("block_shape {block:?} / paddings {pads:?} for rank {}", input.shape.len()));
    }
    let (bh, bw) = if spatial == 2 { (block[0] as usize, block[1] as usize) } else { (block[0] as usize, 1) };
    let p: Vec<usize> = pads.iter().map(|&v| v as usize).collect();
    let (pt, pb, pl, pr) = if spatial == 2 { (p[0], p[1], p[2], p[3]) } else { (p[0], p[1], 0, 0) };
    if (h + pt + pb) % bh != 0 || (w + pl + pr) % bw != 0 {
        return invalid(format!("padded size {}x{} is not a multiple of the block {bh}x{bw}", h + pt + pb, w + pl + pr));
    }
    let (oh, ow) = ((h + pt + pb) / bh, (w + pl + pr) / bw);
    let mut shape = vec![n * bh * bw, oh];
    if spatial == 2 {
        shape.push(ow);
    }
    shape.push(c);
    expect_shape(out, &shape)?;
    // Padded pixels hold the real value 0: the output zero point (int8) or 0.0 (float), as in
    // TFLite's kernel, which sets the pad value to the zero point. TFLM's SPACE_TO_BATCH_ND never
    // sets that parameter and memsets padded pixels with whatever its persistent buffer held
    // (measured: 0 on one model, −48 on another with zero point 0), so TFLM's padded pixels are
    // not reproducible; the zoo's TFLM-checked models therefore have no padding, and the kernel's
    // unit test checks the padding.
    let pad_byte = match out.dtype {
        DType::I8 => per_tensor(out)?.1 as i8 as u8,
        _ => 0u8,
    };
    let (si, so) = (usizes(&[n, h, w, c]), usizes(&[n * bh * bw, oh, ow, c]));
    let params = quote!(::kiln::ops::SpaceToBatchNdParams {
        input: #si, output: #so, block: [#bh, #bw], pad_before: [#pt, #pl], pad_byte: #pad_byte, elem: #elem
    });
    Ok(vec![cx.step(
        vec![cx.operand(input)],
        out,
        Call::Params { func: "space_to_batch_nd", ty: "SpaceToBatchNdParams", params },
        0,
        format!("block {block:?} paddings {pads:?}"),
    )])
}
