//! `CIRCULAR_BUFFER` (TFLM's custom op for streaming strided convolutions, `circular_buffer.cc`):
//! int8, the history of the last `slots` inputs kept as op state. Only `cycles_max` 1 (the op
//! runs on every call): with more TFLM aborts the invocation (`kTfLiteAbort`) on all but every
//! `cycles_max`-th call, skipping the ops after it, and without the option it picks 1 or 2 from
//! the output's shape and a process-wide counter; kiln compiles neither.

use quote::quote;

use super::*;
use crate::flexbuffers;

pub(super) const KERNELS: &[Kernel] = &[Kernel { op: "CUSTOM(CIRCULAR_BUFFER)", dtype: DType::I8, lower: circular_buffer }];

fn circular_buffer(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Custom { options: bytes, .. } = &cx.op.options else {
        return invalid("missing custom options");
    };
    let cycles = if bytes.is_empty() {
        None
    } else {
        let map = match flexbuffers::read_map(bytes) {
            Ok(m) => m,
            Err(e) => return invalid(format!("custom options: {e}")),
        };
        // TFLM reads it as entry 0 of the map.
        match map.first() {
            Some((k, v)) if k == "cycles_max" => Some(v.as_i64().map_or(0, |i| i as i32 as i64)),
            _ => None,
        }
    };
    match cycles {
        Some(1) => {}
        Some(c) if c > 1 => {
            return unsupported(format!(
                "custom options: `cycles_max` is {c}: TFLM then aborts the invocation (kTfLiteAbort) on all but every \
                 {c}th call, skipping the ops after it; kiln has no partial invocation"
            ))
        }
        _ => {
            return unsupported(
                "no positive `cycles_max` option: TFLM then picks 1 or 2 from the output's shape and a process-wide \
                 counter; kiln needs `cycles_max` 1",
            )
        }
    }
    if cx.op.inputs.len() != 1 {
        return invalid(format!("has {} inputs, expected 1", cx.op.inputs.len()));
    }
    let (input, out) = (cx.input(0)?, cx.output()?);
    expect_dtype(out, DType::I8, "output")?;
    let [n, one, w, d] = nhwc(input, "input")?;
    let [on, slots, ow, od] = nhwc(out, "output")?;
    if one != 1 || on != n || ow != w || od != d {
        return invalid(format!(
            "input {} {:?} and output {} {:?}: expected [batch, 1, width, depth] in and [batch, slots, width, depth] out",
            input.label(),
            input.shape,
            out.label(),
            out.shape
        ));
    }
    if n != 1 {
        return unsupported(format!("batch {n}: TFLM's kernel shifts only the first batch's history"));
    }
    let depth = w * d;
    let mut step = cx.step(
        vec![cx.operand(input), Operand::Arena(STATE)],
        out,
        Call::Scalars { func: "circular_buffer_s8", scalars: quote!(#depth) },
        0,
        format!("history of {slots} slots of {depth}"),
    );
    step.state = vec![0; slots * depth];
    Ok(vec![step])
}
