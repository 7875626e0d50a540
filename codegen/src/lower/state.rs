//! Stateful ops: variable tensors, SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM, resource variables.
//!
//! A variable tensor operand is an `Operand::Arena` like any activation; the planner gives it
//! a slot in the model's state instead of the arena, and the emitter passes it as `&mut [u8]`.

use quote::quote;

use super::*;
use crate::quant;

pub(super) const KERNELS: &[Kernel] = &[Kernel { op: "SVDF", dtype: DType::I8, lower: svdf_s8 }];

/// `[d0, d1]` of a rank-2 tensor.
fn rank2(t: &Tensor, role: &str) -> R<[usize; 2]> {
    match t.shape.as_slice() {
        &[a, b] => Ok([a, b]),
        s => invalid(format!("{role} {} has shape {s:?}, expected rank 2", t.label())),
    }
}

/// SVDF int8 (TFLM `PrepareSvdf` + `EvalIntegerSvdfReference`): int8 input, feature weights
/// and output; int16 state with int16 time weights, or int8 with int8; int32 bias.
fn svdf_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Svdf { rank, activation } = cx.op.options else { return invalid("missing SVDFOptions") };
    if cx.op.inputs.len() != 5 {
        return invalid(format!("has {} inputs, SVDF takes 5", cx.op.inputs.len()));
    }
    let (input, wf, wt, state, out) = (cx.input(0)?, cx.input(1)?, cx.input(2)?, cx.input(4)?, cx.output()?);
    let Some(bias) = cx.opt_input(3) else {
        // TFLM's Prepare reads the bias scale unconditionally (its TODO #1751): a bias-less
        // int8 SVDF does not run there, so there is no behaviour to match.
        return unsupported("int8 SVDF without a bias (TFLM cannot run it either)");
    };
    expect_dtype(input, DType::I8, "input")?;
    expect_dtype(wf, DType::I8, "feature weights")?;
    expect_dtype(out, DType::I8, "output")?;
    expect_dtype(bias, DType::I32, "bias")?;
    let (func, word) = match state.dtype {
        DType::I16 => ("svdf_s8", DType::I16),
        DType::I8 => ("svdf_s8_s8state", DType::I8),
        other => return unsupported(format!("state {} is {}, kiln supports int16 or int8", state.label(), other.name())),
    };
    expect_dtype(wt, word, "time weights")?;
    if !state.is_variable {
        return invalid(format!("state {} is not a variable tensor (TFLM requires one)", state.label()));
    }
    let [batches, input_size] = rank2(input, "input")?;
    let [filters, wf_in] = rank2(wf, "feature weights")?;
    let [wt_filters, memory] = rank2(wt, "time weights")?;
    if filters % rank != 0 {
        return invalid(format!("{filters} filters are not a multiple of rank {rank}"));
    }
    let units = filters / rank;
    if wf_in != input_size {
        return invalid(format!("feature weights {} have {wf_in} columns, the input has {input_size}", wf.label()));
    }
    if wt_filters != filters {
        return invalid(format!("time weights {} have {wt_filters} rows, expected {filters} filters", wt.label()));
    }
    if bias.elements() != units || bias.shape.len() != 1 {
        return invalid(format!("bias {} has shape {:?}, expected [{units}]", bias.label(), bias.shape));
    }
    if state.shape != [batches, memory * filters] {
        return invalid(format!(
            "state {} has shape {:?}, expected [{batches}, {}] (batches, memory · filters)",
            state.label(),
            state.shape,
            memory * filters
        ));
    }
    if out.shape != [batches, units] {
        return invalid(format!("output {} has shape {:?}, expected [{batches}, {units}]", out.label(), out.shape));
    }
    if memory == 0 || input_size == 0 || filters == 0 {
        return invalid("SVDF with an empty dimension");
    }
    expect_const(wf, "feature weights")?;
    expect_const(wt, "time weights")?;
    expect_const(bias, "bias")?;
    let (in_s, in_zp) = per_tensor(input)?;
    let (wf_s, _) = per_tensor(wf)?;
    let (wt_s, _) = per_tensor(wt)?;
    let (bias_s, _) = per_tensor(bias)?;
    let (state_s, state_zp) = per_tensor(state)?;
    let (out_s, out_zp) = per_tensor(out)?;
    // TFLM checks the bias scale against state · time-weight scale (in f32, to 1e-5).
    if ((bias_s as f64) - (state_s * wt_s) as f64).abs() >= 1e-5 {
        return invalid(format!(
            "bias {} has scale {bias_s}, expected state scale · time-weight scale = {}",
            bias.label(),
            state_s * wt_s
        ));
    }
    // Both factors are formed in single precision, as TFLM's Prepare does, then widened.
    let feature = quant::quantize_multiplier((in_s * wf_s / state_s) as f64);
    let output = quant::quantize_multiplier((state_s * wt_s / out_s) as f64);
    let (fq, oq) = (one_requant(feature), one_requant(output));
    let params = quote!(::kiln::ops::SvdfParams {
        batches: #batches, input_size: #input_size, filters: #filters, rank: #rank, memory: #memory,
        input_zero_point: #in_zp, state_zero_point: #state_zp, output_zero_point: #out_zp,
        feature_requant: #fq, output_requant: #oq,
    });
    // TFLM's integer SVDF applies no fused activation: the int8 range is the only clamp.
    let ignored = match activation {
        Activation::None => String::new(),
        a => format!(" (fused {} ignored, as in TFLM)", a.name()),
    };
    let summary = format!("rank {rank}, {units} units × memory {memory}, {} state{ignored}", state.dtype.name());
    let macs = (batches * filters * (input_size + memory)) as u64;
    Ok(vec![cx.step(
        vec![cx.operand(input), Operand::Const(wf.index), Operand::Const(wt.index), Operand::Const(bias.index), Operand::Arena(state.index)],
        out,
        Call::Params { func, ty: "SvdfParams", params },
        macs,
        summary,
    )])
}
