//! `.tflite` bytes → [`Graph`]. The flatbuffer is verified before it is touched, and every
//! index, shape and buffer size is checked here so later passes can index without fear.

use crate::error::{Error, ErrorKind};
use crate::ir::{Activation, DType, Graph, Op, Options, Padding, Quant, Tensor};
use crate::schema as fb;

/// Largest tensor kiln accepts (bytes). Flatbuffers cap files at 2 GiB; no microcontroller
/// comes near this, and the cap keeps size arithmetic far from overflow.
const MAX_TENSOR_BYTES: usize = 1 << 31;
/// Newest schema version kiln reads.
const SCHEMA_VERSION: u32 = 3;

pub fn read_model(file: &str, bytes: &[u8]) -> Result<Graph, Error> {
    let format = |m: String| Error::new(file, ErrorKind::Format(m));
    let invalid = |m: String| Error::new(file, ErrorKind::Invalid(m));

    if bytes.is_empty() {
        return Err(format("the file is empty".into()));
    }
    if bytes.len() < 8 {
        return Err(format(format!("the file is only {} bytes long", bytes.len())));
    }
    if &bytes[4..8] != b"TFL3" {
        let shown: String = bytes[4..8]
            .iter()
            .map(|&b| if b.is_ascii_graphic() { b as char } else { '.' })
            .collect();
        return Err(format(format!(
            "file identifier is `{shown}`, expected `TFL3` (is this a TFLite flatbuffer?)"
        )));
    }
    let opts = flatbuffers::VerifierOptions {
        max_depth: 64,
        max_tables: 10_000_000,
        max_apparent_size: 1 << 31,
        ignore_missing_null_terminator: false,
    };
    let model = fb::root_as_model_with_opts(&opts, bytes)
        .map_err(|e| {
            // The verifier's message spans lines; keep it on one.
            let why = e.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
            format(format!("flatbuffer verification failed ({why}); the file is truncated or corrupt"))
        })?;

    if model.version() > SCHEMA_VERSION {
        return Err(format(format!(
            "schema version {} is newer than version {SCHEMA_VERSION}, the newest kiln reads",
            model.version()
        )));
    }

    let subgraphs = model.subgraphs().ok_or_else(|| invalid("the model has no subgraphs".into()))?;
    match subgraphs.len() {
        0 => return Err(invalid("the model has no subgraphs".into())),
        1 => {}
        n => {
            return Err(invalid(format!(
                "the model has {n} subgraphs; kiln compiles single-subgraph models \
                 (control-flow ops such as WHILE/IF are not supported)"
            )))
        }
    }
    let sg = subgraphs.get(0);
    let buffers = model.buffers();
    let n_buffers = buffers.map_or(0, |b| b.len());

    // Op codes: the builtin code is the larger of the two fields (old files only fill the
    // deprecated int8 field; new ones put 127 there and the real code in `builtin_code`).
    let mut op_names = Vec::new();
    let mut op_codes = Vec::new();
    if let Some(codes) = model.operator_codes() {
        for oc in codes.iter() {
            let code = (oc.deprecated_builtin_code() as i32).max(oc.builtin_code().0);
            let name = if code == fb::BuiltinOperator::CUSTOM.0 {
                format!("CUSTOM({})", oc.custom_code().unwrap_or("<no custom code>"))
            } else {
                fb::BuiltinOperator(code)
                    .variant_name()
                    .map_or_else(|| format!("BUILTIN_{code}"), str::to_string)
            };
            op_codes.push(code);
            op_names.push(name);
        }
    }

    let mut tensors = Vec::new();
    for (i, t) in sg.tensors().iter().flat_map(|v| v.iter()).enumerate() {
        let name = t.name().unwrap_or("").to_string();
        let label = crate::ir::tensor_label(i, &name);
        let dtype = DType::from_tflite(t.type_().0)
            .ok_or_else(|| invalid(format!("{label} has unknown type code {}", t.type_().0)))?;
        let raw_shape: Vec<i32> = t.shape().map(|s| s.iter().collect()).unwrap_or_default();
        let mut shape = Vec::with_capacity(raw_shape.len());
        for &d in &raw_shape {
            if d < 0 {
                return Err(invalid(format!("{label} has a negative dimension in shape {raw_shape:?}")));
            }
            shape.push(d as usize);
        }
        if let Some(sig) = t.shape_signature() {
            // A −1 batch with a stored batch of 1 is how the converter marks every Keras input;
            // TFLM runs those at batch 1, and so does kiln. Any other −1 is a dynamic shape.
            let dynamic = sig.iter().enumerate().any(|(k, d)| d < 0 && !(k == 0 && shape.first() == Some(&1)));
            if dynamic {
                let sig: Vec<i32> = sig.iter().collect();
                return Err(invalid(format!(
                    "{label} has a dynamic shape (shape_signature {sig:?}); kiln needs static shapes — \
                     fix the sizes when converting the model"
                )));
            }
        }
        let mut elements: usize = 1;
        for &d in &shape {
            elements = elements
                .checked_mul(d)
                .filter(|&n| n <= MAX_TENSOR_BYTES)
                .ok_or_else(|| invalid(format!("{label} of shape {shape:?} has too many elements")))?;
        }
        let bytes_needed = dtype.size().map(|s| elements.saturating_mul(s));
        if bytes_needed.is_some_and(|b| b > MAX_TENSOR_BYTES) {
            return Err(invalid(format!("{label} of shape {shape:?} ({}) is larger than 2 GiB", dtype.name())));
        }

        let buffer = t.buffer() as usize;
        if buffer != 0 && buffer >= n_buffers {
            return Err(invalid(format!("{label} refers to buffer #{buffer}, but the model has {n_buffers}")));
        }
        let data = buffers
            .filter(|_| buffer != 0)
            .and_then(|b| b.get(buffer).data())
            .filter(|d| !d.is_empty())
            .map(|d| d.bytes().to_vec());
        if let (Some(d), Some(need)) = (&data, bytes_needed) {
            if d.len() != need {
                return Err(invalid(format!(
                    "{label}: buffer #{buffer} holds {} bytes, but shape {shape:?} of {} needs {need}",
                    d.len(),
                    dtype.name()
                )));
            }
        }

        let quant = match t.quantization() {
            Some(q) if q.scale().is_some_and(|s| !s.is_empty()) => {
                let scales: Vec<f32> = q.scale().map(|s| s.iter().collect()).unwrap_or_default();
                let zero_points: Vec<i64> = q.zero_point().map(|z| z.iter().collect()).unwrap_or_default();
                if zero_points.len() != scales.len() {
                    return Err(invalid(format!(
                        "{label} has {} quantization scales but {} zero points",
                        scales.len(),
                        zero_points.len()
                    )));
                }
                let mut axis = q.quantized_dimension().max(0) as usize;
                if scales.len() > 1 {
                    // Old converters wrote the conv's channel axis (3) on rank-1 biases; TFLM
                    // accepts it, so kiln reads it as axis 0 when the count fits.
                    if axis >= shape.len() && shape.len() == 1 {
                        axis = 0;
                    }
                    let dim = shape.get(axis).copied();
                    if dim != Some(scales.len()) {
                        return Err(invalid(format!(
                            "{label} has {} per-channel scales on dimension {} of shape {shape:?}, \
                             which has {} entries",
                            scales.len(),
                            q.quantized_dimension(),
                            dim.map_or_else(|| "no".to_string(), |d| d.to_string())
                        )));
                    }
                }
                Some(Quant { scales, zero_points, axis })
            }
            _ => None,
        };

        tensors.push(Tensor { index: i, name, shape, dtype, quant, data, is_variable: t.is_variable() });
    }

    let tensor_index = |v: i32, what: &str| -> Result<usize, Error> {
        if v >= 0 && (v as usize) < tensors.len() {
            Ok(v as usize)
        } else {
            Err(invalid(format!("{what} refers to tensor #{v}, but the subgraph has {}", tensors.len())))
        }
    };

    let inputs = sg
        .inputs()
        .map(|v| v.iter().map(|t| tensor_index(t, "a model input")).collect::<Result<Vec<_>, _>>())
        .transpose()?
        .unwrap_or_default();
    let outputs = sg
        .outputs()
        .map(|v| v.iter().map(|t| tensor_index(t, "a model output")).collect::<Result<Vec<_>, _>>())
        .transpose()?
        .unwrap_or_default();
    if inputs.is_empty() || outputs.is_empty() {
        return Err(invalid("the subgraph declares no inputs or no outputs".into()));
    }

    let mut ops = Vec::new();
    for (index, o) in sg.operators().iter().flat_map(|v| v.iter()).enumerate() {
        let oc = o.opcode_index() as usize;
        if oc >= op_codes.len() {
            return Err(invalid(format!(
                "op #{index} uses op code #{oc}, but the model declares {}",
                op_codes.len()
            )));
        }
        let name = op_names[oc].clone();
        let what = format!("op #{index} {name}");
        let mut op_inputs = Vec::new();
        for t in o.inputs().iter().flat_map(|v| v.iter()) {
            op_inputs.push(if t == -1 { None } else { Some(tensor_index(t, &what)?) });
        }
        let op_outputs = o
            .outputs()
            .iter()
            .flat_map(|v| v.iter())
            .map(|t| tensor_index(t, &what))
            .collect::<Result<Vec<_>, _>>()?;
        let options = read_options(&o).map_err(|m| invalid(format!("{what}: {m}")))?;
        ops.push(Op { index, code: op_codes[oc], name, inputs: op_inputs, outputs: op_outputs, options });
    }

    let graph = Graph { tensors, ops, inputs, outputs };
    check_order(file, &graph)?;
    Ok(graph)
}

/// Every tensor an op reads must be a constant, a model input, or written by an earlier op;
/// this also rejects cycles and tensors written twice.
fn check_order(file: &str, g: &Graph) -> Result<(), Error> {
    let mut written = vec![false; g.tensors.len()];
    for &i in &g.inputs {
        written[i] = true;
    }
    for op in &g.ops {
        for &t in op.inputs.iter().flatten() {
            let tensor = &g.tensors[t];
            if !written[t] && !tensor.is_const() && !tensor.is_variable {
                return Err(Error::new(
                    file,
                    ErrorKind::Invalid(format!(
                        "op #{} {} reads {} before any op writes it (the graph is cyclic or out of order)",
                        op.index,
                        op.name,
                        tensor.label()
                    )),
                ));
            }
        }
        for &t in &op.outputs {
            if written[t] || g.tensors[t].is_const() {
                return Err(Error::new(
                    file,
                    ErrorKind::Invalid(format!(
                        "op #{} {} writes {}, which is already a model input, a constant or another op's output",
                        op.index,
                        op.name,
                        g.tensors[t].label()
                    )),
                ));
            }
            written[t] = true;
        }
    }
    for &t in &g.outputs {
        if !written[t] && !g.tensors[t].is_const() {
            return Err(Error::new(
                file,
                ErrorKind::Invalid(format!("model output {} is never written", g.tensors[t].label())),
            ));
        }
    }
    Ok(())
}

fn padding(p: fb::Padding) -> Result<Padding, String> {
    match p {
        fb::Padding::SAME => Ok(Padding::Same),
        fb::Padding::VALID => Ok(Padding::Valid),
        other => Err(format!("unknown padding {}", other.0)),
    }
}

fn activation(a: fb::ActivationFunctionType) -> Result<Activation, String> {
    Ok(match a.0 {
        0 => Activation::None,
        1 => Activation::Relu,
        2 => Activation::ReluN1To1,
        3 => Activation::Relu6,
        4 => Activation::Tanh,
        5 => Activation::SignBit,
        v => return Err(format!("unknown fused activation {v}")),
    })
}

fn positive(v: i32, what: &str) -> Result<usize, String> {
    if v >= 1 {
        Ok(v as usize)
    } else {
        Err(format!("{what} is {v}, must be at least 1"))
    }
}

fn read_options(o: &fb::Operator<'_>) -> Result<Options, String> {
    use fb::BuiltinOptions as B;
    let t = o.builtin_options_type();
    Ok(match t {
        B::NONE => Options::None,
        B::Conv2DOptions => {
            let c = o.builtin_options_as_conv_2_doptions().ok_or("missing Conv2DOptions")?;
            Options::Conv2d {
                padding: padding(c.padding())?,
                stride: [positive(c.stride_h(), "stride_h")?, positive(c.stride_w(), "stride_w")?],
                dilation: [
                    positive(c.dilation_h_factor(), "dilation_h_factor")?,
                    positive(c.dilation_w_factor(), "dilation_w_factor")?,
                ],
                activation: activation(c.fused_activation_function())?,
            }
        }
        B::DepthwiseConv2DOptions => {
            let c = o.builtin_options_as_depthwise_conv_2_doptions().ok_or("missing DepthwiseConv2DOptions")?;
            Options::DepthwiseConv2d {
                padding: padding(c.padding())?,
                stride: [positive(c.stride_h(), "stride_h")?, positive(c.stride_w(), "stride_w")?],
                dilation: [
                    positive(c.dilation_h_factor(), "dilation_h_factor")?,
                    positive(c.dilation_w_factor(), "dilation_w_factor")?,
                ],
                depth_multiplier: c.depth_multiplier(),
                activation: activation(c.fused_activation_function())?,
            }
        }
        B::Pool2DOptions => {
            let c = o.builtin_options_as_pool_2_doptions().ok_or("missing Pool2DOptions")?;
            Options::Pool2d {
                padding: padding(c.padding())?,
                stride: [positive(c.stride_h(), "stride_h")?, positive(c.stride_w(), "stride_w")?],
                filter: [positive(c.filter_height(), "filter_height")?, positive(c.filter_width(), "filter_width")?],
                activation: activation(c.fused_activation_function())?,
            }
        }
        B::FullyConnectedOptions => {
            let c = o.builtin_options_as_fully_connected_options().ok_or("missing FullyConnectedOptions")?;
            Options::FullyConnected {
                activation: activation(c.fused_activation_function())?,
                keep_num_dims: c.keep_num_dims(),
                shuffled_weights: c.weights_format() != fb::FullyConnectedOptionsWeightsFormat::DEFAULT,
            }
        }
        B::SoftmaxOptions => {
            let c = o.builtin_options_as_softmax_options().ok_or("missing SoftmaxOptions")?;
            Options::Softmax { beta: c.beta() }
        }
        B::AddOptions => {
            let c = o.builtin_options_as_add_options().ok_or("missing AddOptions")?;
            Options::Add { activation: activation(c.fused_activation_function())? }
        }
        B::ConcatenationOptions => {
            let c = o.builtin_options_as_concatenation_options().ok_or("missing ConcatenationOptions")?;
            Options::Concatenation { axis: c.axis(), activation: activation(c.fused_activation_function())? }
        }
        B::ReducerOptions => {
            let c = o.builtin_options_as_reducer_options().ok_or("missing ReducerOptions")?;
            Options::Reducer { keep_dims: c.keep_dims() }
        }
        other => Options::Other(other.variant_name().unwrap_or("unknown options")),
    })
}
