//! TILE (LiteRT `tile.cc`; TFLM has no TILE kernel): output shape = input shape × multiples,
//! output index `i[d]` along axis `d` reads input index `i[d] mod in_dim[d]`. Each tiled axis
//! splits into (multiple, in_dim) with input steps (0, the axis' stride): one `strided_copy`.

use super::*;

pub(super) fn lower(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (input, out) = (cx.input(0)?, cx.output()?);
    let multiples = int_values(cx.input(1)?, "multiples")?;
    let rank = input.shape.len();
    if multiples.len() != rank {
        return invalid(format!("multiples {multiples:?} has {} values for input {} of rank {rank}", multiples.len(), input.label()));
    }
    let in_strides = strides_of(&input.shape);
    let (mut shape, mut dims, mut strides) = (Vec::new(), Vec::new(), Vec::new());
    for d in 0..rank {
        let m = usize::try_from(multiples[d])
            .map_err(|_| Fail::Invalid(format!("multiples[{d}] = {} is negative", multiples[d])))?;
        let n = input.shape[d];
        let len = n.checked_mul(m).ok_or_else(|| Fail::Invalid(format!("axis {d}: {n} × {m} overflows")))?;
        shape.push(len);
        if m != 1 {
            dims.push(m);
            strides.push(0);
        }
        dims.push(n);
        strides.push(in_strides[d]);
    }
    if shape.iter().try_fold(1usize, |a, &n| a.checked_mul(n)).is_none_or(|e| e > isize::MAX as usize) {
        return invalid(format!("output shape {shape:?} has too many elements"));
    }
    expect_shape(out, &shape)?;
    let view = View { dims, strides, offset: 0 };
    let summary = format!("{:?} × {multiples:?} → {shape:?}", input.shape);
    let step = copy_step(cx, input, out, &view, summary).map_err(|e| match e {
        Fail::Unsupported(m) => Fail::Unsupported(format!("TILE of {:?} by {multiples:?}: {m}", input.shape)),
        other => other,
    })?;
    Ok(vec![step])
}
