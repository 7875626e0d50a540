//! Stateful ops: variable tensors, SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM, resource variables.
//!
//! A variable tensor operand is an `Operand::Arena` like any activation; the planner gives it
//! a slot in the model's state instead of the arena, and the emitter passes it as `&mut [u8]`.

use proc_macro2::TokenStream;
use quote::quote;

use super::*;
use crate::quant;

pub(super) const KERNELS: &[Kernel] = &[
    Kernel { op: "SVDF", dtype: DType::I8, lower: svdf_s8 },
    Kernel { op: "SVDF", dtype: DType::F32, lower: svdf_f32 },
    Kernel { op: "UNIDIRECTIONAL_SEQUENCE_LSTM", dtype: DType::I8, lower: sequence_lstm_s8 },
    Kernel { op: "UNIDIRECTIONAL_SEQUENCE_LSTM", dtype: DType::I16, lower: sequence_lstm_s16 },
    Kernel { op: "UNIDIRECTIONAL_SEQUENCE_LSTM", dtype: DType::F32, lower: sequence_lstm_f32 },
    // Resource variables hold raw bytes (TFLM copies them without looking): float32, and the
    // int8 / int16 ring buffers of streaming models converted with variable quantization.
    Kernel { op: "READ_VARIABLE", dtype: DType::F32, lower: read_variable },
    Kernel { op: "READ_VARIABLE", dtype: DType::I8, lower: read_variable },
    Kernel { op: "READ_VARIABLE", dtype: DType::I16, lower: read_variable },
    Kernel { op: "ASSIGN_VARIABLE", dtype: DType::F32, lower: assign_variable },
    Kernel { op: "ASSIGN_VARIABLE", dtype: DType::I8, lower: assign_variable },
    Kernel { op: "ASSIGN_VARIABLE", dtype: DType::I16, lower: assign_variable },
];

/// `[d0, d1]` of a rank-2 tensor.
fn rank2(t: &Tensor, role: &str) -> R<[usize; 2]> {
    match t.shape.as_slice() {
        &[a, b] => Ok([a, b]),
        s => invalid(format!("{role} {} has shape {s:?}, expected rank 2", t.label())),
    }
}

struct Geometry {
    batches: usize,
    input_size: usize,
    filters: usize,
    units: usize,
    memory: usize,
}

/// TFLM `PrepareSvdf`'s shape checks (any dtype): input `[batches, input]`, feature weights
/// `[filters, input]`, time weights `[filters, memory]`, bias `[units]`, state
/// `[batches, memory · filters]` (a variable), output `[batches, units]`; constant weights.
fn svdf_geometry(cx: &Ctx<'_>, rank: usize, bias: &Tensor) -> R<Geometry> {
    let (input, wf, wt, state, out) = (cx.input(0)?, cx.input(1)?, cx.input(2)?, cx.input(4)?, cx.output()?);
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
    Ok(Geometry { batches, input_size, filters, units, memory })
}

/// SVDF float32 (TFLM `EvalFloatSvdfReference`): float everything, the fused activation applied.
fn svdf_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Svdf { rank, activation } = cx.op.options else { return invalid("missing SVDFOptions") };
    if cx.op.inputs.len() != 5 {
        return invalid(format!("has {} inputs, SVDF takes 5", cx.op.inputs.len()));
    }
    let (input, wf, wt, state, out) = (cx.input(0)?, cx.input(1)?, cx.input(2)?, cx.input(4)?, cx.output()?);
    let Some(bias) = cx.opt_input(3) else {
        // TFLM's float SVDF reads the bias unconditionally (its TODO #1751).
        return unsupported("float SVDF without a bias (TFLM cannot run it either)");
    };
    for (t, role) in [(input, "input"), (wf, "feature weights"), (wt, "time weights"), (bias, "bias"), (state, "state"), (out, "output")] {
        expect_dtype(t, DType::F32, role)?;
    }
    let Geometry { batches, input_size, filters, units, memory } = svdf_geometry(cx, rank, bias)?;
    // TFLM's ActivationValFloat.
    let inf = quote!(f32::INFINITY);
    let (lo, hi) = match activation {
        Activation::None => (quote!(f32::NEG_INFINITY), inf.clone()),
        Activation::Relu => (quote!(0.0), inf.clone()),
        Activation::ReluN1To1 => (quote!(-1.0), quote!(1.0)),
        Activation::Relu6 => (quote!(0.0), quote!(6.0)),
        a => return unsupported(format!("fused {} on a float SVDF", a.name())),
    };
    let params = quote!(::kiln::ops::SvdfF32Params {
        batches: #batches, input_size: #input_size, filters: #filters, rank: #rank, memory: #memory,
        act_min: #lo, act_max: #hi,
    });
    let summary = format!("rank {rank}, {units} units × memory {memory}, float32, {}", activation.name());
    let macs = (batches * filters * (input_size + memory)) as u64;
    Ok(vec![cx.step(
        vec![cx.operand(input), Operand::Const(wf.index), Operand::Const(wt.index), Operand::Const(bias.index), Operand::Arena(state.index)],
        out,
        Call::Params { func: "svdf_f32", ty: "SvdfF32Params", params },
        macs,
        summary,
    )])
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
    let Geometry { batches, input_size, filters, units, memory } = svdf_geometry(cx, rank, bias)?;
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

/// Element types of one LSTM flavour (TFLM's `LstmStep<Activation, Weight, Cell, Bias>`).
struct LstmTypes {
    activations: DType,
    weights: DType,
    bias: DType,
    cell: DType,
}

/// The validated operands and sizes of a standard LSTM.
struct Lstm<'a> {
    input: &'a Tensor,
    hidden: &'a Tensor,
    cell: &'a Tensor,
    w_in: Vec<&'a Tensor>,
    w_rec: Vec<&'a Tensor>,
    biases: Vec<&'a Tensor>,
    batches: usize,
    time_steps: usize,
    input_size: usize,
    cells: usize,
    time_major: bool,
    cell_clip: f32,
}

/// TFLM `UnidirectionalSequenceLstmPrepare`'s checks: 24 inputs, the standard LSTM only (no
/// CIFG, peephole, projection or layer norm), TANH cell gate, variable states, shapes.
fn lstm_geometry<'a>(cx: &Ctx<'a>, types: LstmTypes) -> R<Lstm<'a>> {
    const GATES: [&str; 4] = ["input", "forget", "cell", "output"];
    let Options::SequenceLstm { activation, cell_clip, time_major, .. } = cx.op.options else {
        return invalid("missing UnidirectionalSequenceLSTMOptions");
    };
    if cx.op.inputs.len() != 24 {
        return invalid(format!("has {} inputs, UNIDIRECTIONAL_SEQUENCE_LSTM takes 24", cx.op.inputs.len()));
    }
    for (range, what) in [(9..12, "peephole weights"), (16..18, "a projection"), (20..24, "layer normalization")] {
        if let Some(i) = range.clone().find(|&i| cx.opt_input(i).is_some()) {
            return unsupported(format!("LSTM with {what} (input {i}); TFLM's kernel runs only the standard LSTM"));
        }
    }
    if cx.opt_input(1).is_none() || cx.opt_input(5).is_none() {
        return unsupported("LSTM without an input gate (CIFG); TFLM's kernel runs only the standard LSTM");
    }
    if activation != Activation::Tanh {
        return unsupported(format!("cell gate activation {} (TFLM's LSTM kernel supports TANH)", activation.name()));
    }
    let (input, hidden, cell, out) = (cx.input(0)?, cx.input(18)?, cx.input(19)?, cx.output()?);
    expect_dtype(input, types.activations, "input")?;
    expect_dtype(hidden, types.activations, "hidden state")?;
    expect_dtype(cell, types.cell, "cell state")?;
    expect_dtype(out, types.activations, "output")?;
    for (t, role) in [(hidden, "hidden state"), (cell, "cell state")] {
        if !t.is_variable {
            return invalid(format!("{role} {} is not a variable tensor (TFLM requires one)", t.label()));
        }
    }
    let &[d0, d1, input_size] = input.shape.as_slice() else {
        return invalid(format!("input {} has shape {:?}, expected rank 3", input.label(), input.shape));
    };
    let (batches, time_steps) = if time_major { (d1, d0) } else { (d0, d1) };
    let w_in: Vec<&Tensor> = (1..5).map(|i| cx.input(i)).collect::<R<_>>()?;
    let w_rec: Vec<&Tensor> = (5..9).map(|i| cx.input(i)).collect::<R<_>>()?;
    let biases: Vec<&Tensor> = (12..16).map(|i| cx.input(i)).collect::<R<_>>()?;
    let cells = match w_in[0].shape.as_slice() {
        &[n, _] => n,
        s => return invalid(format!("input weights {} have shape {s:?}, expected [cells, input]", w_in[0].label())),
    };
    if cells == 0 || input_size == 0 || batches == 0 || time_steps == 0 {
        return invalid("LSTM with an empty dimension");
    }
    for (g, name) in GATES.iter().enumerate() {
        for (w, cols, role) in [(w_in[g], input_size, "input"), (w_rec[g], cells, "recurrent")] {
            expect_dtype(w, types.weights, &format!("{role}-to-{name} weights"))?;
            if w.shape != [cells, cols] {
                return invalid(format!("{role}-to-{name} weights {} have shape {:?}, expected [{cells}, {cols}]", w.label(), w.shape));
            }
            expect_const(w, "weights")?;
        }
        let b = biases[g];
        expect_dtype(b, types.bias, &format!("{name} gate bias"))?;
        if b.shape != [cells] {
            return invalid(format!("{name} gate bias {} has shape {:?}, expected [{cells}]", b.label(), b.shape));
        }
        expect_const(b, "bias")?;
    }
    if hidden.elements() != batches * cells || cell.elements() != batches * cells {
        return invalid(format!("the states must have {batches} × {cells} elements (hidden {:?}, cell {:?})", hidden.shape, cell.shape));
    }
    if out.shape != [d0, d1, cells] {
        return invalid(format!("output {} has shape {:?}, expected [{d0}, {d1}, {cells}]", out.label(), out.shape));
    }
    Ok(Lstm { input, hidden, cell, w_in, w_rec, biases, batches, time_steps, input_size, cells, time_major, cell_clip })
}

/// UNIDIRECTIONAL_SEQUENCE_LSTM int8 (TFLM `UnidirectionalSequenceLstmPrepare` +
/// `LstmStep` for int8 activations/weights, int16 cell state, int32 biases): the standard
/// Keras LSTM only, as TFLM requires (no CIFG, peephole, projection or layer norm).
fn sequence_lstm_s8(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let types = LstmTypes { activations: DType::I8, weights: DType::I8, bias: DType::I32, cell: DType::I16 };
    let Lstm { input, hidden, cell, w_in, w_rec, biases, batches, time_steps, input_size, cells, time_major, cell_clip } =
        lstm_geometry(cx, types)?;
    let (in_s, in_zp) = per_tensor(input)?;
    let (h_s, h_zp) = per_tensor(hidden)?;
    let (c_s, _) = per_tensor(cell)?;
    for w in w_in.iter().chain(&w_rec) {
        if per_tensor(w)?.1 != 0 {
            return unsupported(format!("weights {} have a non-zero zero point", w.label()));
        }
    }
    let out = cx.output()?;

    // Gate FCs: int8 × int8 → int16 in Q3.12 (scale 2^-12), multiplier from the f32 product of
    // the scales as in TFLM's GetQuantizedConvolutionMultipler; zero points folded into biases.
    const GATE_SCALE: f64 = 1.0 / 4096.0;
    let row_sums = |w: &Tensor, cols: usize| -> Vec<i32> {
        let d = w.data.as_deref().unwrap_or(&[]);
        d.chunks_exact(cols).map(|r| r.iter().fold(0i32, |a, &x| a.wrapping_add(x as i8 as i32))).collect()
    };
    let mut gates = Vec::new();
    for g in 0..4 {
        let (w_s, _) = per_tensor(w_in[g])?;
        let (r_s, _) = per_tensor(w_rec[g])?;
        let rq_in = one_requant(quant::quantize_multiplier((in_s * w_s) as f64 / GATE_SCALE));
        let rq_rec = one_requant(quant::quantize_multiplier((h_s * r_s) as f64 / GATE_SCALE));
        let bias = int_values(biases[g], "bias")?;
        let in_bias: Vec<i32> = bias
            .iter()
            .zip(row_sums(w_in[g], input_size))
            .map(|(&b, s)| (b as i32).wrapping_sub(in_zp.wrapping_mul(s)))
            .collect();
        let rec_bias: Vec<i32> = row_sums(w_rec[g], cells).iter().map(|&s| h_zp.wrapping_neg().wrapping_mul(s)).collect();
        gates.push(quote!(::kiln::ops::LstmGate {
            input_requant: #rq_in, recurrent_requant: #rq_rec,
            input_bias: &[#(#in_bias),*], recurrent_bias: &[#(#rec_bias),*],
        }));
    }
    let CellConstants { forget, input_mul, hidden_mul, clip, tanh_mul, tanh_shift } = cell_constants(c_s, h_s, cell_clip)?;
    let [gi, gf, gc, go] = [&gates[0], &gates[1], &gates[2], &gates[3]];
    let params = quote!(::kiln::ops::LstmParams {
        batches: #batches, time_steps: #time_steps, input_size: #input_size, cells: #cells, time_major: #time_major,
        input_gate: #gi, forget_gate: #gf, cell_gate: #gc, output_gate: #go,
        forget_requant: #forget, input_requant: #input_mul, hidden_requant: #hidden_mul,
        hidden_zero_point: #h_zp, cell_clip: #clip,
        cell_tanh_multiplier: #tanh_mul, cell_tanh_left_shift: #tanh_shift,
    });
    let mut operands = vec![cx.operand(input)];
    operands.extend(w_in.iter().chain(&w_rec).map(|w| Operand::Const(w.index)));
    operands.push(Operand::Arena(hidden.index));
    operands.push(Operand::Arena(cell.index));
    let summary = format!(
        "{time_steps} steps × {batches} batch(es), {input_size} → {cells} cells, {}, cell clip {}",
        if time_major { "time-major" } else { "batch-major" },
        if clip > 0 { format!("±{clip}") } else { "none".into() }
    );
    let macs = (batches * time_steps * 4 * cells * (input_size + cells)) as u64;
    let mut step = cx.step(operands, out, Call::Params { func: "unidirectional_sequence_lstm_s8", ty: "LstmParams", params }, macs, summary);
    // The biases are folded into the params: constant data the layer consumes all the same.
    step.weights.extend(biases.iter().map(|b| b.index));
    Ok(vec![step])
}

/// The integer LSTM's cell-side constants (TFLM `CreateInterGateMulParams`,
/// `CreateLstmCellStateInfo`, and the tanh input scaling of `UpdateLstmHidden`).
struct CellConstants {
    forget: TokenStream,
    input_mul: TokenStream,
    hidden_mul: TokenStream,
    clip: i32,
    tanh_mul: i32,
    tanh_shift: i32,
}

fn cell_constants(c_s: f32, h_s: f32, cell_clip: f32) -> R<CellConstants> {
    // Inter-gate products (products in double): gate outputs are Q0.15 (scale 2^-15).
    let q15 = 1.0 / 32768.0f64;
    let forget = one_requant(quant::quantize_multiplier(q15 * c_s as f64 / c_s as f64));
    let input_mul = one_requant(quant::quantize_multiplier(q15 * q15 / c_s as f64));
    let hidden_mul = one_requant(quant::quantize_multiplier(q15 * q15 / h_s as f64));
    // The cell scale's power of two (f32 log, rounded) and the quantized clip (truncated).
    let power = (c_s.ln() * (1.0f32 / 2.0f32.ln())).round() as i32;
    let clip: i32 = if cell_clip > 0.0 { ((cell_clip as f64 / c_s as f64).clamp(-32768.0, 32767.0)) as i16 as i32 } else { 0 };
    // TFLM's Tanh(cell_state_scale_power, …): left shift 15 + power − 3 into the table's domain.
    let (tanh_mul, tanh_shift) = match 15 + power - 3 {
        s if s < 0 && s > -31 => (3i32, -s),
        s if (0..=28).contains(&s) => (3i32 << s, 0),
        _ => return unsupported(format!("cell state scale {c_s} (2^{power}) is outside what TFLM's tanh handles")),
    };
    Ok(CellConstants { forget, input_mul, hidden_mul, clip, tanh_mul, tanh_shift })
}

/// UNIDIRECTIONAL_SEQUENCE_LSTM int16x8 (TFLM `LstmStep<int16, int8, int16, int64>`): int16
/// input, hidden state and output (symmetric), int8 weights, int64 biases, int16 cell state.
fn sequence_lstm_s16(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let types = LstmTypes { activations: DType::I16, weights: DType::I8, bias: DType::I64, cell: DType::I16 };
    let Lstm { input, hidden, cell, w_in, w_rec, biases, batches, time_steps, input_size, cells, time_major, cell_clip } =
        lstm_geometry(cx, types)?;
    let out = cx.output()?;
    let (in_s, _) = per_tensor(input)?;
    let (h_s, h_zp) = per_tensor(hidden)?;
    let (c_s, _) = per_tensor(cell)?;
    const GATE_SCALE: f64 = 1.0 / 4096.0;
    let mut gates = Vec::new();
    for g in 0..4 {
        let (w_s, w_zp) = per_tensor(w_in[g])?;
        let (r_s, r_zp) = per_tensor(w_rec[g])?;
        if w_zp != 0 || r_zp != 0 {
            return unsupported(format!("weights {} have a non-zero zero point", w_in[g].label()));
        }
        let rq_in = one_requant(quant::quantize_multiplier((in_s * w_s) as f64 / GATE_SCALE));
        let rq_rec = one_requant(quant::quantize_multiplier((h_s * r_s) as f64 / GATE_SCALE));
        let bias = int_values(biases[g], "bias")?;
        gates.push(quote!(::kiln::ops::LstmS16Gate { input_requant: #rq_in, recurrent_requant: #rq_rec, bias: &[#(#bias),*] }));
    }
    let CellConstants { forget, input_mul, hidden_mul, clip, tanh_mul, tanh_shift } = cell_constants(c_s, h_s, cell_clip)?;
    let [gi, gf, gc, go] = [&gates[0], &gates[1], &gates[2], &gates[3]];
    let params = quote!(::kiln::ops::LstmS16Params {
        batches: #batches, time_steps: #time_steps, input_size: #input_size, cells: #cells, time_major: #time_major,
        input_gate: #gi, forget_gate: #gf, cell_gate: #gc, output_gate: #go,
        forget_requant: #forget, input_requant: #input_mul, hidden_requant: #hidden_mul,
        hidden_zero_point: #h_zp, cell_clip: #clip,
        cell_tanh_multiplier: #tanh_mul, cell_tanh_left_shift: #tanh_shift,
    });
    let mut operands = vec![cx.operand(input)];
    operands.extend(w_in.iter().chain(&w_rec).map(|w| Operand::Const(w.index)));
    operands.push(Operand::Arena(hidden.index));
    operands.push(Operand::Arena(cell.index));
    let summary = format!(
        "{time_steps} steps × {batches} batch(es), {input_size} → {cells} cells, {}, int16x8, cell clip {}",
        if time_major { "time-major" } else { "batch-major" },
        if clip > 0 { format!("±{clip}") } else { "none".into() }
    );
    let macs = (batches * time_steps * 4 * cells * (input_size + cells)) as u64;
    let mut step = cx.step(operands, out, Call::Params { func: "unidirectional_sequence_lstm_s16", ty: "LstmS16Params", params }, macs, summary);
    step.weights.extend(biases.iter().map(|b| b.index));
    Ok(vec![step])
}

/// UNIDIRECTIONAL_SEQUENCE_LSTM float32 (TFLM's float `LstmStep`): everything float32.
fn sequence_lstm_f32(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let types = LstmTypes { activations: DType::F32, weights: DType::F32, bias: DType::F32, cell: DType::F32 };
    let Lstm { input, hidden, cell, w_in, w_rec, biases, batches, time_steps, input_size, cells, time_major, cell_clip } =
        lstm_geometry(cx, types)?;
    let out = cx.output()?;
    let mut gates = Vec::new();
    for b in &biases {
        let d = b.data.as_deref().unwrap_or(&[]);
        let v: Vec<f32> = d.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        if let Some(x) = v.iter().find(|x| !x.is_finite()) {
            return unsupported(format!("bias {} holds {x}", b.label()));
        }
        gates.push(quote!(::kiln::ops::LstmF32Gate { bias: &[#(#v),*] }));
    }
    if !cell_clip.is_finite() {
        return invalid(format!("cell clip {cell_clip}"));
    }
    let clip = cell_clip.max(0.0);
    let [gi, gf, gc, go] = [&gates[0], &gates[1], &gates[2], &gates[3]];
    let params = quote!(::kiln::ops::LstmF32Params {
        batches: #batches, time_steps: #time_steps, input_size: #input_size, cells: #cells, time_major: #time_major,
        input_gate: #gi, forget_gate: #gf, cell_gate: #gc, output_gate: #go, cell_clip: #clip,
    });
    let mut operands = vec![cx.operand(input)];
    operands.extend(w_in.iter().chain(&w_rec).map(|w| Operand::Const(w.index)));
    operands.push(Operand::Arena(hidden.index));
    operands.push(Operand::Arena(cell.index));
    let summary = format!(
        "{time_steps} steps × {batches} batch(es), {input_size} → {cells} cells, {}, float32, cell clip {}",
        if time_major { "time-major" } else { "batch-major" },
        if clip > 0.0 { format!("±{clip}") } else { "none".into() }
    );
    let macs = (batches * time_steps * 4 * cells * (input_size + cells)) as u64;
    let mut step = cx.step(operands, out, Call::Params { func: "unidirectional_sequence_lstm_f32", ty: "LstmF32Params", params }, macs, summary);
    step.weights.extend(biases.iter().map(|b| b.index));
    Ok(vec![step])
}

/// The resource variable an op names: the reader has turned each VAR_HANDLE's resource tensor
/// into a variable tensor with the type and shape of its CALL_ONCE initial value.
fn resource_variable<'a>(cx: &Ctx<'a>) -> R<&'a Tensor> {
    let v = cx.input(0)?;
    if !v.is_variable {
        return invalid(format!("{} is not a resource variable made by VAR_HANDLE", v.label()));
    }
    Ok(v)
}

/// The same type and shape: TFLM's resource variables copy raw bytes and check their size.
fn same_layout(v: &Tensor, t: &Tensor, role: &str) -> R<()> {
    if v.dtype != t.dtype || v.bytes() != t.bytes() {
        return invalid(format!(
            "{role} {} is {} {:?}, but variable {} is {} {:?}",
            t.label(),
            t.dtype.name(),
            t.shape,
            v.label(),
            v.dtype.name(),
            v.shape
        ));
    }
    Ok(())
}

/// READ_VARIABLE: the variable's current value, copied into the arena.
fn read_variable(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (v, out) = (resource_variable(cx)?, cx.output()?);
    same_layout(v, out, "output")?;
    let summary = format!("{} bytes from the state", v.bytes());
    Ok(vec![cx.step(vec![Operand::Arena(v.index)], out, Call::Scalars { func: "copy_variable", scalars: quote!() }, 0, summary)])
}

/// ASSIGN_VARIABLE: the value, copied into the variable (the step's output is the variable's
/// window of the state; the op itself has no outputs).
fn assign_variable(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let (v, value) = (resource_variable(cx)?, cx.input(1)?);
    if !cx.op.outputs.is_empty() {
        return invalid("ASSIGN_VARIABLE has outputs");
    }
    same_layout(v, value, "value")?;
    if value.is_variable {
        return unsupported(format!("assigning variable {} from another variable", value.label()));
    }
    let summary = format!("{} bytes into the state", v.bytes());
    Ok(vec![cx.step(vec![cx.operand(value)], v, Call::Scalars { func: "copy_variable", scalars: quote!() }, 0, summary)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Quant;

    fn t(index: usize, shape: &[usize], dtype: DType, scale: f32, zp: i64) -> Tensor {
        Tensor {
            index,
            name: format!("t{index}"),
            shape: shape.to_vec(),
            dtype,
            quant: Some(Quant { scales: vec![scale], zero_points: vec![zp], axis: 0 }),
            data: None,
            is_variable: false,
        }
    }

    fn constant(mut x: Tensor) -> Tensor {
        x.data = Some(vec![1u8; x.bytes()].into());
        x
    }

    fn variable(mut x: Tensor) -> Tensor {
        x.is_variable = true;
        x
    }

    /// Lowers op 0 of `g`: `Ok(summary)`, or the error as `unsupported: …` / `invalid: …`.
    fn lower(g: &Graph) -> Result<String, String> {
        let cx = Ctx { g, op: &g.ops[0], band_pad_top: None };
        let k = KERNELS.iter().find(|k| k.op == g.ops[0].name).unwrap();
        match (k.lower)(&cx) {
            Ok(steps) => Ok(steps[0].summary.clone()),
            Err(Fail::Unsupported(m)) => Err(format!("unsupported: {m}")),
            Err(Fail::Invalid(m)) => Err(format!("invalid: {m}")),
        }
    }

    fn expect_err(g: &Graph, want: &str) {
        match lower(g) {
            Ok(s) => panic!("lowered ({s}); expected an error containing `{want}`"),
            Err(e) => assert!(e.contains(want), "`{e}` lacks `{want}`"),
        }
    }

    /// A valid int8 SVDF: batch 1, input 4, rank 2, 3 units, memory 5, int16 state.
    fn svdf() -> Graph {
        let (s_in, s_wf, s_st, s_wt) = (0.5f32, 0.25f32, 0.125f32, 0.0625f32);
        let tensors = vec![
            t(0, &[1, 4], DType::I8, s_in, 0),
            constant(t(1, &[6, 4], DType::I8, s_wf, 0)),
            constant(t(2, &[6, 5], DType::I16, s_wt, 0)),
            constant(t(3, &[3], DType::I32, s_st * s_wt, 0)),
            variable(t(4, &[1, 30], DType::I16, s_st, 0)),
            t(5, &[1, 3], DType::I8, 0.1, 0),
        ];
        let op = Op {
            index: 0,
            code: 27,
            name: "SVDF".into(),
            inputs: (0..5).map(Some).collect(),
            outputs: vec![5],
            options: Options::Svdf { rank: 2, activation: Activation::Relu },
        };
        Graph { tensors, ops: vec![op], inputs: vec![0], outputs: vec![5], folded_ops: vec![] }
    }

    #[test]
    fn svdf_checks_what_tflm_checks() {
        assert!(lower(&svdf()).unwrap().contains("fused RELU ignored"));
        let mut g = svdf();
        g.tensors[4].is_variable = false;
        expect_err(&g, "invalid: state tensor #4 `t4` is not a variable tensor");
        let mut g = svdf();
        g.ops[0].inputs[3] = None;
        expect_err(&g, "unsupported: int8 SVDF without a bias");
        let mut g = svdf();
        g.ops[0].options = Options::Svdf { rank: 4, activation: Activation::None };
        expect_err(&g, "invalid: 6 filters are not a multiple of rank 4");
        let mut g = svdf();
        g.tensors[4].shape = vec![1, 29];
        expect_err(&g, "expected [1, 30] (batches, memory · filters)");
        let mut g = svdf();
        g.tensors[4].dtype = DType::F32;
        expect_err(&g, "unsupported: state tensor #4 `t4` is float32");
        let mut g = svdf();
        g.tensors[3].quant.as_mut().unwrap().scales[0] = 0.5;
        expect_err(&g, "expected state scale · time-weight scale");
        let mut g = svdf();
        g.tensors[2].dtype = DType::I8;
        expect_err(&g, "time weights tensor #2 `t2` is int8, kiln supports int16 here");
        let mut g = svdf();
        g.tensors[1].data = None;
        expect_err(&g, "feature weights tensor #1 `t1` is computed at run time");
    }

    /// A valid int8 LSTM: batch 1, 3 steps, input 2, 4 cells.
    fn lstm() -> Graph {
        let mut tensors = vec![t(0, &[1, 3, 2], DType::I8, 0.02, 3)];
        let mut inputs: Vec<Option<usize>> = vec![Some(0)];
        for i in 1..9 {
            let cols = if i < 5 { 2 } else { 4 };
            tensors.push(constant(t(tensors.len(), &[4, cols], DType::I8, 0.01, 0)));
            inputs.push(Some(i));
        }
        inputs.extend([None, None, None]);
        for _ in 0..4 {
            inputs.push(Some(tensors.len()));
            tensors.push(constant(t(tensors.len(), &[4], DType::I32, 0.0002, 0)));
        }
        inputs.extend([None, None]);
        inputs.push(Some(tensors.len()));
        tensors.push(variable(t(tensors.len(), &[1, 4], DType::I8, 1.0 / 128.0, -2)));
        inputs.push(Some(tensors.len()));
        tensors.push(variable(t(tensors.len(), &[1, 4], DType::I16, 1.0 / 4096.0, 0)));
        inputs.extend([None, None, None, None]);
        let out = tensors.len();
        tensors.push(t(out, &[1, 3, 4], DType::I8, 1.0 / 128.0, -2));
        let op = Op {
            index: 0,
            code: 44,
            name: "UNIDIRECTIONAL_SEQUENCE_LSTM".into(),
            inputs,
            outputs: vec![out],
            options: Options::SequenceLstm { activation: Activation::Tanh, cell_clip: 0.5, proj_clip: 0.0, time_major: false },
        };
        Graph { tensors, ops: vec![op], inputs: vec![0], outputs: vec![out], folded_ops: vec![] }
    }

    #[test]
    fn lstm_checks_what_tflm_checks() {
        // Clip 0.5 at cell scale 2^-12: 2048.
        assert!(lower(&lstm()).unwrap().contains("cell clip ±2048"));
        let mut g = lstm();
        g.ops[0].inputs[10] = Some(1);
        expect_err(&g, "unsupported: LSTM with peephole weights (input 10)");
        let mut g = lstm();
        g.ops[0].inputs[1] = None;
        expect_err(&g, "unsupported: LSTM without an input gate (CIFG)");
        let mut g = lstm();
        g.ops[0].options = Options::SequenceLstm { activation: Activation::Relu, cell_clip: 0.0, proj_clip: 0.0, time_major: false };
        expect_err(&g, "unsupported: cell gate activation RELU");
        // Tensors: input 0, weights 1–8, biases 9–12, hidden 13, cell 14, output 15.
        let mut g = lstm();
        g.tensors[13].is_variable = false;
        expect_err(&g, "invalid: hidden state tensor #13 `t13` is not a variable tensor");
        let mut g = lstm();
        g.tensors[14].dtype = DType::I8;
        expect_err(&g, "unsupported: cell state tensor #14 `t14` is int8, kiln supports int16 here");
        let mut g = lstm();
        g.tensors[5].shape = vec![4, 3];
        expect_err(&g, "recurrent-to-input weights tensor #5 `t5` have shape [4, 3], expected [4, 4]");
        let mut g = lstm();
        g.tensors[10].shape = vec![5];
        expect_err(&g, "forget gate bias tensor #10 `t10` has shape [5], expected [4]");
        let mut g = lstm();
        g.tensors[15].shape = vec![1, 3, 5];
        expect_err(&g, "output tensor #15 `t15` has shape [1, 3, 5], expected [1, 3, 4]");
        let mut g = lstm();
        g.ops[0].inputs.pop();
        expect_err(&g, "has 23 inputs, UNIDIRECTIONAL_SEQUENCE_LSTM takes 24");
    }

    #[test]
    fn variable_reads_and_writes_keep_the_layout() {
        let tensors = vec![
            variable(t(0, &[1, 6], DType::F32, 1.0, 0)),
            t(1, &[1, 6], DType::F32, 1.0, 0),
            t(2, &[1, 5], DType::F32, 1.0, 0),
        ];
        let read = |v: usize, out: usize| Op {
            index: 0,
            code: 143,
            name: "READ_VARIABLE".into(),
            inputs: vec![Some(v)],
            outputs: vec![out],
            options: Options::None,
        };
        let assign = |v: usize, value: usize| Op {
            index: 0,
            code: 144,
            name: "ASSIGN_VARIABLE".into(),
            inputs: vec![Some(v), Some(value)],
            outputs: vec![],
            options: Options::None,
        };
        let g = |op| Graph { tensors: tensors.clone(), ops: vec![op], inputs: vec![1], outputs: vec![1], folded_ops: vec![] };
        assert!(lower(&g(read(0, 1))).is_ok());
        assert!(lower(&g(assign(0, 1))).is_ok());
        expect_err(&g(read(0, 2)), "invalid: output tensor #2 `t2` is float32 [1, 5], but variable tensor #0 `t0` is float32 [1, 6]");
        expect_err(&g(assign(1, 1)), "invalid: tensor #1 `t1` is not a resource variable");
        expect_err(&g(assign(0, 2)), "invalid: value tensor #2");
    }
}
