//! Framing and streaming: SignalFftAutoScale, SignalDelay, SignalOverlapAdd, SignalFramer,
//! SignalStacker (the last four keep their ring buffers or sums as op state).

use quote::quote;

use super::*;

/// `SignalFftAutoScale`: the frame shifted to full scale (output 0) and the shift (output 1),
/// each step computing the shift from the input.
pub(super) fn fft_auto_scale(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let input = cx.input(0)?;
    let outs = outputs(cx, 2, "output, scale bits")?;
    let n = vector(input, "input")?;
    expect_dtype(outs[0], DType::I16, "output")?;
    expect_len(outs[0], "output", n, "the input's length")?;
    if outs[1].dtype != DType::I32 || !outs[1].shape.is_empty() {
        return invalid(format!(
            "scale bits {} is {} {:?}, expected an int32 scalar",
            outs[1].label(),
            outs[1].dtype.name(),
            outs[1].shape
        ));
    }
    let scaled = cx.step(
        vec![cx.operand(input)],
        outs[0],
        Call::Scalars { func: "signal_fft_auto_scale", scalars: quote!() },
        n as u64,
        format!("{n} samples to full scale"),
    );
    let bits = cx.step(
        vec![cx.operand(input)],
        outs[1],
        Call::Scalars { func: "signal_fft_auto_scale_bits", scalars: quote!() },
        0,
        "the shift".to_string(),
    );
    Ok(vec![scaled, bits])
}

/// `SignalDelay`: rows delayed by `delay_length` samples; the last ones are the op's state.
pub(super) fn delay(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let (input, out) = (cx.input(0)?, cx.output()?);
    let o = options(cx, &[(0, "delay_length")])?;
    let d = int(&o[0], "delay_length")?;
    if d < 0 {
        return invalid(format!("custom options: `delay_length` is {d}"));
    }
    let d = d as usize;
    expect_dtype(out, DType::I16, "output")?;
    let frame = match input.shape.last() {
        Some(&f) if f > 0 => f,
        _ => return invalid(format!("input {} has shape {:?}, expected rows of samples", input.label(), input.shape)),
    };
    if out.shape != input.shape {
        return invalid(format!("output {} has shape {:?}, expected the input's {:?}", out.label(), out.shape, input.shape));
    }
    let rows = input.elements() / frame;
    let mut step = cx.step(
        vec![cx.operand(input), Operand::Arena(STATE)],
        out,
        Call::Scalars { func: "signal_delay", scalars: quote!(#frame, #d) },
        0,
        format!("{rows} rows of {frame} samples delayed by {d}"),
    );
    // A zero delay keeps no state; one byte keeps the state tensor (never read) non-empty.
    step.state = vec![0; (rows * d * 2).max(1)];
    Ok(vec![step])
}

/// `SignalOverlapAdd` (int16 or float32): frames overlap-added at `frame_step`.
pub(super) fn overlap_add(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let (input, out) = (cx.input(0)?, cx.output()?);
    let o = options(cx, &[(0, "T"), (1, "frame_step")])?;
    let (t, func, size) = match input.dtype {
        DType::I16 => (7, "signal_overlap_add_s16", 2),
        _ => (0, "signal_overlap_add_f32", 4),
    };
    if int(&o[0], "T")? != t {
        return invalid(format!(
            "custom options: `T` is tensor type {}, but input {} is {}",
            int(&o[0], "T")?,
            input.label(),
            input.dtype.name()
        ));
    }
    expect_dtype(out, input.dtype, "output")?;
    let step = positive(&o[1], "frame_step")?;
    let r = input.shape.len();
    if r < 2 {
        return invalid(format!("input {} has shape {:?}, expected [..., frames, frame size]", input.label(), input.shape));
    }
    let (frames, frame) = (input.shape[r - 2], input.shape[r - 1]);
    if step > frame {
        return invalid(format!("custom options: `frame_step` {step} exceeds the frame size {frame}"));
    }
    let mut want = input.shape[..r - 2].to_vec();
    want.push(frames * step);
    if out.shape != want {
        return invalid(format!("output {} has shape {:?}, expected {want:?}", out.label(), out.shape));
    }
    let rows = input.elements().checked_div(frames * frame).unwrap_or(0);
    let mut s = cx.step(
        vec![cx.operand(input), Operand::Arena(STATE)],
        out,
        Call::Scalars { func, scalars: quote!(#frames, #frame, #step) },
        input.elements() as u64,
        format!("{rows} rows of {frames} frames of {frame}, hop {step}"),
    );
    s.state = vec![0; (rows * frame * size).max(1)];
    Ok(vec![s])
}

/// `SignalFramer`: overlapping frames from a sample stream (outputs: frames, valid flag).
pub(super) fn framer(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let input = cx.input(0)?;
    let outs = outputs(cx, 2, "frames, valid flag")?;
    let o = options(cx, &[(0, "frame_size"), (1, "frame_step"), (2, "prefill")])?;
    let (frame, step, prefill) = (positive(&o[0], "frame_size")?, positive(&o[1], "frame_step")?, flag(&o[2], "prefill")?);
    expect_dtype(outs[0], DType::I16, "frames")?;
    valid_flag(outs[1])?;
    let inner = match input.shape.last() {
        Some(&n) if n >= step && n % step == 0 => n,
        _ => {
            return invalid(format!(
                "input {} has shape {:?}: its last dimension must be a positive multiple of frame_step {step}",
                input.label(),
                input.shape
            ))
        }
    };
    let frames = inner / step;
    let mut want = input.shape[..input.shape.len() - 1].to_vec();
    want.extend([frames, frame]);
    if outs[0].shape != want {
        return invalid(format!("frames {} have shape {:?}, expected {want:?}", outs[0].label(), outs[0].shape));
    }
    let rows = input.elements() / inner;
    let capacity = frame.div_ceil(step) * step;
    // [valid][per row: count u32, capacity × int16]; a prefilled FIFO holds frame − step zeros.
    let fifo = 4 + 2 * capacity;
    let mut init = vec![0u8; 1 + rows * fifo];
    if prefill {
        for r in 0..rows {
            init[1 + r * fifo..1 + r * fifo + 4].copy_from_slice(&((frame - step.min(frame)) as u32).to_le_bytes());
        }
    }
    let mut main = cx.step(
        vec![cx.operand(input), Operand::Arena(STATE)],
        outs[0],
        Call::Scalars { func: "signal_framer", scalars: quote!(#frames, #frame, #step) },
        0,
        format!("{rows} rows, frames of {frame} every {step}{}", if prefill { ", prefilled" } else { "" }),
    );
    main.state = init;
    let valid = cx.step(
        vec![Operand::Arena(STATE)],
        outs[1],
        Call::Scalars { func: "copy_variable", scalars: quote!() },
        0,
        "valid flag from the state".to_string(),
    );
    Ok(vec![main, valid])
}

/// `SignalStacker`: `left + 1 + right` frames stacked, advancing `stacker_step` frames.
pub(super) fn stacker(cx: &Ctx<'_>) -> R<Vec<Step>> {
    expect_inputs(cx, 1, "input")?;
    let input = cx.input(0)?;
    let outs = outputs(cx, 2, "stack, valid flag")?;
    let o = options(cx, &[(0, "num_channels"), (1, "stacker_left_context"), (2, "stacker_right_context"), (3, "stacker_step")])?;
    let channels = positive(&o[0], "num_channels")?;
    let (left, right) = (int(&o[1], "stacker_left_context")?, int(&o[2], "stacker_right_context")?);
    if left < 0 || right < 0 {
        return invalid(format!("custom options: contexts {left} (left) and {right} (right) must not be negative"));
    }
    let (left, right) = (left as usize, right as usize);
    let frames = left + right + 1;
    let step = positive(&o[3], "stacker_step")?;
    if step > frames {
        return invalid(format!(
            "custom options: `stacker_step` {step} exceeds the {frames} stacked frames (TFLM would discard more than it holds)"
        ));
    }
    expect_len(input, "input", channels, "num_channels")?;
    expect_dtype(outs[0], DType::I16, "stack")?;
    expect_len(outs[0], "stack", channels * frames, "num_channels × (left + right + 1)")?;
    valid_flag(outs[1])?;
    let mut main = cx.step(
        vec![cx.operand(input), Operand::Arena(STATE)],
        outs[0],
        Call::Scalars { func: "signal_stacker", scalars: quote!(#channels, #left, #step) },
        0,
        format!("{frames} frames of {channels} ({left} left, {right} right), step {step}"),
    );
    // [valid][has first frame][count u32][capacity × int16], all zero at start.
    main.state = vec![0; 2 + 4 + 2 * channels * frames];
    let valid = cx.step(
        vec![Operand::Arena(STATE)],
        outs[1],
        Call::Scalars { func: "copy_variable", scalars: quote!() },
        0,
        "valid flag from the state".to_string(),
    );
    Ok(vec![main, valid])
}
