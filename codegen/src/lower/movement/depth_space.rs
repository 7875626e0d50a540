//! DEPTH_TO_SPACE and SPACE_TO_DEPTH (TFLM `depth_to_space.cc`, `space_to_depth.cc`), NHWC:
//! both are transposes of the block-split layout `[n, h, by, w, bx, c]`.

use super::*;

fn block(cx: &Ctx<'_>) -> R<usize> {
    match movement_options(cx)? {
        MovementOptions::Block { block_size } if (1..=1 << 16).contains(&block_size) => Ok(block_size as usize),
        MovementOptions::Block { block_size } => invalid(format!("block_size {block_size}")),
        _ => invalid("missing block size options"),
    }
}

/// Output `[n, h·b, w·b, c/b²]`: output `(n, y·b+by, x·b+bx, k)` is input `(n, y, x, (by·b+bx)·c' + k)`.
pub(super) fn depth_to_space(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    let b = block(cx)?;
    let [n, h, w, c] = nhwc(input, "input")?;
    if c % (b * b) != 0 {
        return invalid(format!("depth {c} is not a multiple of block_size² = {}", b * b));
    }
    let oc = c / (b * b);
    expect_shape(out, &[n, h * b, w * b, oc])?;
    let s = strides_of(&input.shape);
    let view = View {
        dims: vec![n, h, b, w, b, oc],
        strides: vec![s[0], s[1], (b * oc) as isize, s[2], oc as isize, 1],
        offset: 0,
    };
    Ok(vec![copy_step(cx, input, out, &view, format!("block {b}"))?])
}

/// Output `[n, h/b, w/b, c·b²]`: output `(n, y, x, (by·b+bx)·c + k)` is input `(n, y·b+by, x·b+bx, k)`.
pub(super) fn space_to_depth(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    let b = block(cx)?;
    let [n, h, w, c] = nhwc(input, "input")?;
    if h % b != 0 || w % b != 0 {
        return invalid(format!("{h}x{w} is not a multiple of block_size {b}"));
    }
    expect_shape(out, &[n, h / b, w / b, c * b * b])?;
    let s = strides_of(&input.shape);
    let bi = b as isize;
    let view = View { dims: vec![n, h / b, w / b, b, b, c], strides: vec![s[0], bi * s[1], bi * s[2], s[1], s[2], 1], offset: 0 };
    Ok(vec![copy_step(cx, input, out, &view, format!("block {b}"))?])
}
