//! `.tflite` bytes → [`Graph`]. The flatbuffer is verified before it is touched, and every
//! index, shape and buffer size is checked here so later passes can index without fear.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, ErrorKind};
use crate::ir::{Activation, DType, Graph, Op, Options, Padding, Quant, Tensor};
use crate::schema as fb;

/// Largest tensor kiln accepts (bytes). Flatbuffers cap files at 2 GiB; no microcontroller
/// comes near this, and the cap keeps size arithmetic far from overflow.
pub(crate) const MAX_TENSOR_BYTES: usize = 1 << 31;
/// Newest schema version kiln reads.
const SCHEMA_VERSION: u32 = 3;
/// Longest custom op code shown in names and messages.
const MAX_CUSTOM_CODE_SHOWN: usize = 64;

/// Bounds the memory the reader spends on a file. A flatbuffer may point many tables at one
/// shared vector, string or buffer (no converter does, but a corrupt or hostile file can), so
/// a small file could otherwise decode into gigabytes. Legitimate models decode into a few
/// times their size; the budget allows 16× plus 1 MiB.
struct Budget {
    left: usize,
    limit: usize,
}

impl Budget {
    fn new(file_len: usize) -> Self {
        let limit = file_len.saturating_mul(16).saturating_add(1 << 20);
        Budget { left: limit, limit }
    }

    fn charge(&mut self, bytes: usize) -> Result<(), String> {
        match self.left.checked_sub(bytes) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(format!(
                "decoding the model would take more than {} bytes of memory: its tables share vectors, \
                 strings or buffers far more than any converter writes (the file is corrupt)",
                self.limit
            )),
        }
    }
}

/// Recognizable non-TFLite files, by their leading bytes.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"PK\x03\x04", "a ZIP archive (a Keras `.keras` file or a zipped model?)"),
        (b"\x89HDF\r\n\x1a\n", "an HDF5 file (a Keras `.h5` model? convert it with the TFLite converter)"),
        (b"\x1f\x8b", "a gzip archive (decompress it first)"),
        (b"\x7fELF", "an ELF executable"),
        (b"version https://git-lfs", "a Git LFS pointer, not the model (run `git lfs pull`)"),
    ];
    MAGIC.iter().find(|(m, _)| bytes.starts_with(m)).map(|&(_, what)| what)
}

/// Reads a model; `input_shape` fixes the first input's shape (see [`crate::shapes`]).
/// The three phases ([`verify`], [`build_graph`], [`crate::shapes::resolve`]) in one call.
pub fn read_model(file: &str, bytes: &[u8], input_shape: Option<&[usize]>) -> Result<Graph, Error> {
    let mut repaired = None;
    let model = verify(file, bytes, &mut repaired)?;
    let (mut graph, dynamic) = build_graph(file, bytes.len(), &model)?;
    crate::shapes::resolve(file, &mut graph, &dynamic, input_shape)?;
    Ok(graph)
}

/// The first phase of reading: checks that `bytes` are a TFLite flatbuffer of a schema version
/// kiln reads and verifies the whole buffer. The model may live in `repaired`, a copy with
/// non-UTF-8 names made readable (see `repair_strings`).
pub fn verify<'a>(file: &str, bytes: &'a [u8], repaired: &'a mut Option<Vec<u8>>) -> Result<fb::Model<'a>, Error> {
    let format = |m: String| Error::new(file, ErrorKind::Format(m));

    if bytes.is_empty() {
        return Err(format("the file is empty".into()));
    }
    if let Some(what) = sniff(bytes) {
        return Err(format(format!("the file is {what}, not a TFLite flatbuffer")));
    }
    if bytes.len() < 8 {
        return Err(format(format!("the file is only {} bytes long (truncated?)", bytes.len())));
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
    *repaired = repair_strings(&opts, bytes).map_err(|e| format(verifier_message(&e.to_string())))?;
    let repaired: &'a Option<Vec<u8>> = repaired;
    let model = fb::root_as_model_with_opts(&opts, repaired.as_deref().unwrap_or(bytes))
        .map_err(|e| format(verifier_message(&e.to_string())))?;

    if model.version() > SCHEMA_VERSION {
        return Err(format(format!(
            "schema version {} is newer than version {SCHEMA_VERSION}, the newest kiln reads",
            model.version()
        )));
    }
    Ok(model)
}

/// The second phase of reading: the IR graph of a verified model (`file_len`: the file's
/// size, which bounds the memory the reader may allocate), with the inputs whose shapes are
/// dynamic (for [`crate::shapes::resolve`], the third phase).
pub fn build_graph(file: &str, file_len: usize, model: &fb::Model<'_>) -> Result<(Graph, Vec<crate::shapes::Dynamic>), Error> {
    let model = *model;
    let invalid = |m: String| Error::new(file, ErrorKind::Invalid(m));

    let subgraphs = model.subgraphs().ok_or_else(|| invalid("the model has no subgraphs".into()))?;
    if subgraphs.is_empty() {
        return Err(invalid("the model has no subgraphs".into()));
    }
    let buffers = model.buffers();
    let n_buffers = buffers.map_or(0, |b| b.len());
    let mut budget = Budget::new(file_len);
    let mut charge = |n: usize| budget.charge(n).map_err(|m| invalid(m));
    // Constant data, decoded once per buffer and shared by every tensor that uses it.
    let mut buffer_data: HashMap<usize, Option<Arc<[u8]>>> = HashMap::new();

    // Op codes: the builtin code is the larger of the two fields (old files only fill the
    // deprecated int8 field; new ones put 127 there and the real code in `builtin_code`).
    let mut op_names = Vec::new();
    let mut op_codes = Vec::new();
    let mut custom_codes = Vec::new();
    if let Some(codes) = model.operator_codes() {
        for oc in codes.iter() {
            let code = (oc.deprecated_builtin_code() as i32).max(oc.builtin_code().0);
            custom_codes.push((code == fb::BuiltinOperator::CUSTOM.0).then(|| oc.custom_code().unwrap_or("").to_string()));
            let name = if code == fb::BuiltinOperator::CUSTOM.0 {
                let custom = oc.custom_code().unwrap_or("<no custom code>");
                match custom.char_indices().nth(MAX_CUSTOM_CODE_SHOWN) {
                    Some((cut, _)) => format!("CUSTOM({}…)", &custom[..cut]),
                    None => format!("CUSTOM({custom})"),
                }
            } else {
                fb::BuiltinOperator(code)
                    .variant_name()
                    .map_or_else(|| format!("BUILTIN_{code}"), str::to_string)
            };
            charge(std::mem::size_of::<String>() + name.len() + 4)?;
            op_codes.push(code);
            op_names.push(name);
        }
    }

    // Subgraph 0 is the model; the others are read only when it has control flow (IF, WHILE),
    // which `crate::control_flow` then inlines. (CALL_ONCE init subgraphs are read from the
    // flatbuffer by `resolve_resources`.)
    let mut parts: Vec<crate::control_flow::Subgraph> = Vec::new();
    let mut dynamic = Vec::new();
    for (k, sg) in subgraphs.iter().enumerate() {
        if k > 0 && !crate::control_flow::has_control_flow(&parts[0].ops) {
            break;
        }
        // Where a message about subgraph k > 0 points.
        let at = if k == 0 { String::new() } else { format!("subgraph {k}: ") };
        let mut tensors = Vec::new();
        for (i, t) in sg.tensors().iter().flat_map(|v| v.iter()).enumerate() {
            let name = t.name().unwrap_or("").to_string();
            charge(std::mem::size_of::<Tensor>() + name.len() + t.shape().map_or(0, |s| s.len() * 8))?;
            let label = format!("{at}{}", crate::ir::tensor_label(i, &name));
            let dtype = DType::from_tflite(t.type_().0)
                .ok_or_else(|| invalid(format!("{label} has unknown type code {}", t.type_().0)))?;
            // Resource tensors are the handles of resource variables: `resolve_resources` turns
            // each into the variable it names, or the model is rejected there.
            if matches!(dtype, DType::String | DType::Complex64 | DType::Complex128 | DType::Variant | DType::I4) {
                return Err(invalid(format!(
                    "{label} has type {}, which kiln does not support (it compiles int8 models; \
                     tensors are int8, int16, int32, int64, uint8 or float)",
                    dtype.name()
                )));
            }
            let raw_shape: Vec<i32> = t.shape().map(|s| s.iter().collect()).unwrap_or_default();
            let mut shape = Vec::with_capacity(raw_shape.len());
            for &d in &raw_shape {
                if d < 0 {
                    return Err(invalid(format!("{label} has a negative dimension in shape {raw_shape:?}")));
                }
                shape.push(d as usize);
            }
            // A called subgraph's stored shapes are the ones its caller's static shapes give
            // (`control_flow` checks that they agree); its signatures are not read.
            if let Some(sig) = t.shape_signature().filter(|s| k == 0 && s.iter().any(|d| d < 0)) {
                // The stored shape has 1 for each −1 (a placeholder); `shapes::resolve` fixes or
                // re-infers it, or rejects the model.
                let signature: Vec<i32> = sig.iter().collect();
                charge(signature.len() * 4)?;
                let batch_only =
                    signature.iter().enumerate().all(|(k, &d)| d >= 0 || (k == 0 && shape.first() == Some(&1)));
                dynamic.push(crate::shapes::Dynamic { tensor: i, signature, batch_only });
            }
            // The product of the non-zero dimensions bounds every partial product later passes
            // compute (a zero only makes the total zero), so it is the one that must fit. It
            // saturates in u128 (dimensions are below 2^31): overflow is detected, never wrapped,
            // and nothing is allocated from these sizes.
            let mut product: u128 = 1;
            for &d in shape.iter().filter(|&&d| d != 0) {
                product = product.saturating_mul(d as u128);
            }
            if product > u64::MAX as u128 {
                return Err(invalid(format!(
                    "{label}: the product of the dimensions of shape {shape:?} overflows 64 bits"
                )));
            }
            let size = dtype.size().unwrap_or(1) as u128;
            if product * size > MAX_TENSOR_BYTES as u128 {
                let what = if shape.contains(&0) { "non-zero dimensions multiply to" } else { "has" };
                return Err(invalid(format!(
                    "{label} of shape {shape:?} {what} {product} elements ({} bytes of {}); \
                     kiln's limit is 2 GiB per tensor",
                    product * size,
                    dtype.name()
                )));
            }
            let elements = if shape.contains(&0) { 0 } else { product as usize };
            let bytes_needed = dtype.size().map(|s| elements * s);

            let buffer = t.buffer() as usize;
            if buffer != 0 && buffer >= n_buffers {
                return Err(invalid(format!("{label} refers to buffer #{buffer}, but the model has {n_buffers}")));
            }
            let data = match buffer_data.get(&buffer) {
                Some(d) => d.clone(),
                None => {
                    let d = buffers
                        .filter(|_| buffer != 0)
                        .and_then(|b| b.get(buffer).data())
                        .filter(|d| !d.is_empty())
                        .map(|d| d.bytes());
                    charge(d.map_or(0, |d| d.len()))?;
                    let d: Option<Arc<[u8]>> = d.map(Arc::from);
                    buffer_data.insert(buffer, d.clone());
                    d
                }
            };
            // Sparse weights (EXPERIMENTAL_SPARSITY): expanded to the dense tensor here.
            let data = match (t.sparsity(), data, bytes_needed, dtype.size()) {
                (Some(sp), Some(d), Some(need), Some(elem)) => {
                    charge(need)?;
                    let dense = crate::sparse::densify(&shape, elem, &sp, &d).map_err(|m| invalid(format!("{label}: {m}")))?;
                    Some(Arc::from(dense))
                }
                (_, d, _, _) => d,
            };
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
                    charge(q.scale().map_or(0, |s| s.len() * 4) + q.zero_point().map_or(0, |z| z.len() * 8))?;
                    let scales: Vec<f32> = q.scale().map(|s| s.iter().collect()).unwrap_or_default();
                    let zero_points: Vec<i64> = q.zero_point().map(|z| z.iter().collect()).unwrap_or_default();
                    if let Some(s) = scales.iter().find(|s| !s.is_finite()) {
                        return Err(invalid(format!(
                            "{label} has quantization scale {s}; scales must be positive and finite"
                        )));
                    }
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

            // TFLM never reads a variable tensor's buffer: it resets variables to zero (int8: the
            // zero point). A variable's `data` is kiln's initial value, so it is dropped here.
            let data = if t.is_variable() { None } else { data };
            tensors.push(Tensor { index: i, name, shape, dtype, quant, data, is_variable: t.is_variable() });
        }

        let tensor_index = |v: i32, what: &str| -> Result<usize, Error> {
            if v >= 0 && (v as usize) < tensors.len() {
                Ok(v as usize)
            } else {
                Err(invalid(format!("{at}{what} refers to tensor #{v}, but the subgraph has {}", tensors.len())))
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
        if k == 0 && (inputs.is_empty() || outputs.is_empty()) {
            return Err(invalid("the subgraph declares no inputs or no outputs".into()));
        }

        let mut ops = Vec::new();
        for (index, o) in sg.operators().iter().flat_map(|v| v.iter()).enumerate() {
            let oc = o.opcode_index() as usize;
            if oc >= op_codes.len() {
                return Err(invalid(format!(
                    "{at}op #{index} uses op code #{oc}, but the model declares {}",
                    op_codes.len()
                )));
            }
            let name = op_names[oc].clone();
            charge(
                std::mem::size_of::<Op>()
                    + name.len()
                    + o.inputs().map_or(0, |v| v.len() * 16)
                    + o.outputs().map_or(0, |v| v.len() * 8),
            )?;
            let what = format!("{at}op #{index} {name}");
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
            let options = match &custom_codes[oc] {
                Some(code) => {
                    let bytes: Arc<[u8]> = o.custom_options().map_or_else(|| Arc::from(&[][..]), |v| Arc::from(v.bytes()));
                    charge(bytes.len() + code.len())?;
                    Options::Custom { code: code.clone(), options: bytes, function: None }
                }
                None => read_options(&o).map_err(|m| invalid(format!("{what}: {m}")))?,
            };
            ops.push(Op { index, code: op_codes[oc], name, inputs: op_inputs, outputs: op_outputs, options });
        }
        parts.push(crate::control_flow::Subgraph { tensors, inputs, outputs, ops });
    }

    let called = crate::control_flow::called_subgraphs(&parts);
    let mut graph = crate::control_flow::inline(parts).map_err(invalid)?;
    resolve_resources(&model, &op_names, &op_codes, &called, &mut graph, &mut charge).map_err(invalid)?;
    fold_densify(&mut graph);
    check_order(file, &graph)?;
    Ok((graph, dynamic))
}

/// DENSIFY (the converter puts it after sparse float and int8 weights) reads a constant the
/// reader has already expanded (`crate::sparse`): its output becomes that constant and the op
/// is folded. A DENSIFY of anything else stays, and lowering names it.
fn fold_densify(g: &mut Graph) {
    let ops = std::mem::take(&mut g.ops);
    for op in ops {
        if let ("DENSIFY", Some(Some(i)), Some(&o)) = (op.name.as_str(), op.inputs.first(), op.outputs.first()) {
            let src = &g.tensors[*i];
            let fits = src.dtype == g.tensors[o].dtype && src.shape == g.tensors[o].shape;
            if src.data.is_some() && fits && !g.outputs.contains(&o) && op.outputs.len() == 1 {
                g.tensors[o].data = src.data.clone();
                g.folded_ops.push((op.index, op.name.clone()));
                continue;
            }
        }
        g.ops.push(op);
    }
}

/// Resource variables (TFLM `VAR_HANDLE` / `READ_VARIABLE` / `ASSIGN_VARIABLE`, initialised
/// by a `CALL_ONCE` subgraph) become variable tensors of the main graph, like SVDF/LSTM state:
/// each `VAR_HANDLE`'s resource tensor takes the dtype, shape and quantization of the constant
/// its init subgraph assigns, and that constant as its initial value. The `VAR_HANDLE` and
/// `CALL_ONCE` ops then have no run-time effect and are dropped; reads and assignments are
/// lowered as copies from and into the model's state.
///
/// IF and WHILE subgraphs (`called`) are already inlined; any other use of extra subgraphs
/// (init subgraphs that compute, subgraphs nothing calls) is rejected.
fn resolve_resources(
    model: &fb::Model<'_>,
    op_names: &[String],
    op_codes: &[i32],
    called: &[usize],
    g: &mut Graph,
    charge: &mut dyn FnMut(usize) -> Result<(), Error>,
) -> Result<(), String> {
    let subgraphs = model.subgraphs().ok_or("the model has no subgraphs")?;
    let n = subgraphs.len();
    let multi = || {
        format!(
            "the model has {n} subgraphs; kiln compiles extra subgraphs only as IF/WHILE branches \
             and loops, and as CALL_ONCE init subgraphs that assign constants"
        )
    };
    let mut init_subgraphs = Vec::new();
    for op in &g.ops {
        if op.name == "CALL_ONCE" {
            match op.options {
                Options::CallOnce { init_subgraph } if init_subgraph >= 1 && init_subgraph < n => {
                    init_subgraphs.push(init_subgraph)
                }
                _ => return Err(format!("op #{} CALL_ONCE names no valid init subgraph", op.index)),
            }
        }
    }
    if (1..n).any(|k| !init_subgraphs.contains(&k) && !called.contains(&k)) {
        return Err(multi());
    }
    let handles: Vec<usize> = g.ops.iter().filter(|o| o.name == "VAR_HANDLE").map(|o| o.index).collect();
    if handles.is_empty() && init_subgraphs.is_empty() {
        if let Some(t) = g.tensors.iter().find(|t| t.dtype == DType::Resource) {
            return Err(format!("{} has type resource, but no VAR_HANDLE makes it", t.label()));
        }
        return Ok(());
    }
    // Initial values: what each init subgraph assigns, by (container, shared name).
    let buffers = model.buffers();
    let mut initial: HashMap<(String, String), Tensor> = HashMap::new();
    for &k in &init_subgraphs {
        let sg = subgraphs.get(k);
        let ts = sg.tensors().ok_or_else(|| format!("subgraph {k} has no tensors"))?;
        let mut keys: HashMap<i32, (String, String)> = HashMap::new();
        for (i, o) in sg.operators().iter().flat_map(|v| v.iter()).enumerate() {
            let code = op_codes.get(o.opcode_index() as usize).copied().unwrap_or(-1);
            let name = op_names.get(o.opcode_index() as usize).map_or("?", String::as_str);
            let ins: Vec<i32> = o.inputs().map(|v| v.iter().collect()).unwrap_or_default();
            let outs: Vec<i32> = o.outputs().map(|v| v.iter().collect()).unwrap_or_default();
            if code == fb::BuiltinOperator::VAR_HANDLE.0 {
                let h = o.builtin_options_as_var_handle_options();
                let key = (
                    h.and_then(|h| h.container()).unwrap_or("").to_string(),
                    h.and_then(|h| h.shared_name()).unwrap_or("").to_string(),
                );
                let &[t] = outs.as_slice() else { return Err(format!("subgraph {k} op #{i} VAR_HANDLE has no output")) };
                keys.insert(t, key);
            } else if code == fb::BuiltinOperator::ASSIGN_VARIABLE.0 {
                let (Some(key), Some(&v)) = (ins.first().and_then(|r| keys.get(r)), ins.get(1)) else {
                    return Err(format!("subgraph {k} op #{i} ASSIGN_VARIABLE does not assign a VAR_HANDLE"));
                };
                let t = (v >= 0 && (v as usize) < ts.len()).then(|| ts.get(v as usize));
                let t = t.ok_or_else(|| format!("subgraph {k} op #{i} refers to tensor #{v}"))?;
                let label = format!("subgraph {k} tensor #{v}");
                let dtype = DType::from_tflite(t.type_().0).filter(|d| d.size().is_some());
                let dtype = dtype.ok_or_else(|| format!("{label}: initial value of an unsupported type"))?;
                let shape: Vec<usize> = t.shape().map(|s| s.iter().map(|d| d.max(0) as usize).collect()).unwrap_or_default();
                let need = shape.iter().try_fold(dtype.size().unwrap_or(1), |a, &d| a.checked_mul(d));
                let need = need.filter(|&b| b <= MAX_TENSOR_BYTES).ok_or_else(|| format!("{label}: too large"))?;
                let data = buffers
                    .filter(|_| t.buffer() != 0)
                    .filter(|b| (t.buffer() as usize) < b.len())
                    .and_then(|b| b.get(t.buffer() as usize).data())
                    .map(|d| d.bytes())
                    .filter(|d| d.len() == need)
                    .ok_or_else(|| format!("{label}: a variable's initial value must be a constant of {need} bytes"))?;
                charge(data.len()).map_err(|e| e.to_string())?;
                let quant = t.quantization().and_then(|q| {
                    let scales: Vec<f32> = q.scale()?.iter().collect();
                    let zero_points: Vec<i64> = q.zero_point().map(|z| z.iter().collect()).unwrap_or_default();
                    (scales.len() == 1 && zero_points.len() == 1).then_some(Quant { scales, zero_points, axis: 0 })
                });
                let name = t.name().unwrap_or("").to_string();
                let init = Tensor { index: 0, name, shape, dtype, quant, data: Some(Arc::from(data)), is_variable: true };
                initial.insert(key.clone(), init);
            } else {
                return Err(format!(
                    "subgraph {k} op #{i} {name}: kiln runs CALL_ONCE init subgraphs that only assign constants \
                     to resource variables (VAR_HANDLE, ASSIGN_VARIABLE)"
                ));
            }
        }
    }
    // The main graph's handles become the variables.
    let mut seen: Vec<(String, String)> = Vec::new();
    for op in g.ops.iter().filter(|o| o.name == "VAR_HANDLE") {
        let Options::VarHandle { container, shared_name } = &op.options else {
            return Err(format!("op #{} VAR_HANDLE: missing VarHandleOptions", op.index));
        };
        let key = (container.clone(), shared_name.clone());
        let &[t] = op.outputs.as_slice() else { return Err(format!("op #{} VAR_HANDLE has no output", op.index)) };
        if g.tensors[t].dtype != DType::Resource {
            return Err(format!("op #{} VAR_HANDLE writes {}, which is not a resource", op.index, g.tensors[t].label()));
        }
        if seen.contains(&key) {
            return Err(format!("op #{} VAR_HANDLE: a second handle to variable `{shared_name}`", op.index));
        }
        let init = initial
            .get(&key)
            .ok_or_else(|| format!("op #{} VAR_HANDLE: variable `{shared_name}` is never initialised by CALL_ONCE", op.index))?;
        seen.push(key);
        let x = &mut g.tensors[t];
        x.dtype = init.dtype;
        x.shape = init.shape.clone();
        x.quant = init.quant.clone();
        x.data = init.data.clone();
        x.is_variable = true;
    }
    if let Some(t) = g.tensors.iter().find(|t| t.dtype == DType::Resource) {
        return Err(format!("{} has type resource, but no VAR_HANDLE makes it", t.label()));
    }
    g.ops.retain(|o| o.name != "VAR_HANDLE" && o.name != "CALL_ONCE");
    Ok(())
}

/// Most strings a file may hold that are not UTF-8 (see [`repair_strings`]); each costs one more
/// verification pass.
const MAX_REPAIRED_STRINGS: usize = 64;

/// Strings in a model are names (tensors, signatures, metadata): labels, never data. FlatBuffers'
/// C++ verifier, which TFLM and LiteRT use, does not check that they are UTF-8, and exporters
/// that write Latin-1 names exist; Rust's verifier rejects them. So a file whose only defect is
/// a string that is not UTF-8 is read from a copy in which each such string's non-ASCII bytes
/// are `?` (same length, so nothing else moves). `None`: the file verifies as it is.
fn repair_strings(
    opts: &flatbuffers::VerifierOptions,
    bytes: &[u8],
) -> Result<Option<Vec<u8>>, flatbuffers::InvalidFlatbuffer> {
    let mut copy: Option<Vec<u8>> = None;
    for _ in 0..=MAX_REPAIRED_STRINGS {
        match fb::root_as_model_with_opts(opts, copy.as_deref().unwrap_or(bytes)) {
            Ok(_) => return Ok(copy),
            Err(flatbuffers::InvalidFlatbuffer::Utf8Error { range, .. }) => {
                let c = copy.get_or_insert_with(|| bytes.to_vec());
                // The verifier checked that the range is inside the buffer.
                for b in c.get_mut(range).into_iter().flatten().filter(|b| !b.is_ascii()) {
                    *b = b'?';
                }
            }
            Err(e) => return Err(e),
        }
    }
    let last = fb::root_as_model_with_opts(opts, copy.as_deref().unwrap_or(bytes)).map(|_| ());
    last.map(|()| copy)
}

/// The verifier says ``Range [x, y) is out of bounds. while verifying table field `shape` at
/// position 700 while verifying vector element 3 at position 236 while verifying table field
/// `tensors` …``; kiln says where, as a path into the model: `subgraphs[0].tensors[3].shape`.
fn verifier_message(raw: &str) -> String {
    let raw = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut parts = raw.split(" while verifying ");
    let cause = parts.next().unwrap_or("").trim_end_matches('.').to_string();
    let mut path = String::new();
    for item in parts.collect::<Vec<_>>().iter().rev() {
        if let Some(rest) = item.strip_prefix("table field `") {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(rest.split('`').next().unwrap_or("?"));
        } else if let Some(rest) = item.strip_prefix("vector element ") {
            path.push_str(&format!("[{}]", rest.split(' ').next().unwrap_or("?")));
        } else if let Some(rest) = item.strip_prefix("union variant at ") {
            path.push_str(&format!("<{}>", rest.split(' ').next().unwrap_or("?")));
        }
    }
    let cause = match cause.char_indices().next() {
        Some((_, c)) => c.to_lowercase().chain(cause.chars().skip(1)).collect(),
        None => cause,
    };
    if path.is_empty() {
        format!("flatbuffer verification failed: {cause}; the file is truncated or corrupt")
    } else {
        format!("flatbuffer verification failed at `{path}`: {cause}; the file is truncated or corrupt")
    }
}

/// Every tensor an op reads must be a constant, a model input, or written by an earlier op;
/// this also rejects cycles and tensors written twice.
fn check_order(file: &str, g: &Graph) -> Result<(), Error> {
    let mut written = vec![false; g.tensors.len()];
    // Variable tensors are state that ops read and update in place; the graph never names
    // them as an op's output or at the model boundary (TFLM's converters do not either).
    let boundary = g.inputs.iter().chain(&g.outputs).map(|&t| (t, "a model input or output"));
    let outputs = g.ops.iter().flat_map(|op| op.outputs.iter().map(|&t| (t, "an op output")));
    if let Some((t, role)) = boundary.chain(outputs).find(|&(t, _)| g.tensors[t].is_variable) {
        return Err(Error::new(
            file,
            ErrorKind::Invalid(format!(
                "variable {} is {role}; kiln supports variable tensors only as state that ops read and update",
                g.tensors[t].label()
            )),
        ));
    }
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
        // An IF's branches and a WHILE's iterations each write the construct's outputs.
        let copy = op.options == Options::Flow(crate::ir::Flow::Copy);
        for &t in &op.outputs {
            if (written[t] && !copy) || g.tensors[t].is_const() {
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
                asymmetric_quantize_inputs: c.asymmetric_quantize_inputs(),
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
        B::LeakyReluOptions => {
            let c = o.builtin_options_as_leaky_relu_options().ok_or("missing LeakyReluOptions")?;
            Options::LeakyRelu { alpha: c.alpha() }
        }
        B::L2NormOptions => {
            let c = o.builtin_options_as_l2_norm_options().ok_or("missing L2NormOptions")?;
            Options::L2Norm { activation: activation(c.fused_activation_function())? }
        }
        B::SVDFOptions => {
            let c = o.builtin_options_as_svdfoptions().ok_or("missing SVDFOptions")?;
            Options::Svdf { rank: positive(c.rank(), "rank")?, activation: activation(c.fused_activation_function())? }
        }
        B::UnidirectionalSequenceLSTMOptions => {
            let c = o
                .builtin_options_as_unidirectional_sequence_lstmoptions()
                .ok_or("missing UnidirectionalSequenceLSTMOptions")?;
            Options::SequenceLstm {
                activation: activation(c.fused_activation_function())?,
                cell_clip: c.cell_clip(),
                proj_clip: c.proj_clip(),
                time_major: c.time_major(),
            }
        }
        B::CallOnceOptions => {
            let c = o.builtin_options_as_call_once_options().ok_or("missing CallOnceOptions")?;
            Options::CallOnce { init_subgraph: c.init_subgraph_index().max(-1) as isize as usize }
        }
        B::IfOptions => {
            let c = o.builtin_options_as_if_options().ok_or("missing IfOptions")?;
            let index = |v: i32| if v < 0 { usize::MAX } else { v as usize };
            Options::If { then_subgraph: index(c.then_subgraph_index()), else_subgraph: index(c.else_subgraph_index()) }
        }
        B::WhileOptions => {
            let c = o.builtin_options_as_while_options().ok_or("missing WhileOptions")?;
            let index = |v: i32| if v < 0 { usize::MAX } else { v as usize };
            Options::While { cond_subgraph: index(c.cond_subgraph_index()), body_subgraph: index(c.body_subgraph_index()) }
        }
        B::VarHandleOptions => {
            let c = o.builtin_options_as_var_handle_options().ok_or("missing VarHandleOptions")?;
            Options::VarHandle {
                container: c.container().unwrap_or("").to_string(),
                shared_name: c.shared_name().unwrap_or("").to_string(),
            }
        }
        // MUL, SUB and DIV carry only a fused activation here (SUB's `pot_scale_int16` is a
        // TFLite-only path; TFLM always takes the general rescaling), so they reuse `Add`.
        B::MulOptions => {
            let c = o.builtin_options_as_mul_options().ok_or("missing MulOptions")?;
            Options::Add { activation: activation(c.fused_activation_function())? }
        }
        B::SubOptions => {
            let c = o.builtin_options_as_sub_options().ok_or("missing SubOptions")?;
            Options::Add { activation: activation(c.fused_activation_function())? }
        }
        B::DivOptions => {
            let c = o.builtin_options_as_div_options().ok_or("missing DivOptions")?;
            Options::Add { activation: activation(c.fused_activation_function())? }
        }
        // ---- reduce family ----
        B::TransposeConvOptions => {
            let c = o.builtin_options_as_transpose_conv_options().ok_or("missing TransposeConvOptions")?;
            Options::TransposeConv {
                padding: padding(c.padding())?,
                stride: [positive(c.stride_h(), "stride_h")?, positive(c.stride_w(), "stride_w")?],
                activation: activation(c.fused_activation_function())?,
            }
        }
        B::ResizeBilinearOptions => {
            let c = o.builtin_options_as_resize_bilinear_options().ok_or("missing ResizeBilinearOptions")?;
            Options::Resize { align_corners: c.align_corners(), half_pixel_centers: c.half_pixel_centers() }
        }
        B::ResizeNearestNeighborOptions => {
            let c = o.builtin_options_as_resize_nearest_neighbor_options().ok_or("missing ResizeNearestNeighborOptions")?;
            Options::Resize { align_corners: c.align_corners(), half_pixel_centers: c.half_pixel_centers() }
        }
        B::BatchMatMulOptions => {
            let c = o.builtin_options_as_batch_mat_mul_options().ok_or("missing BatchMatMulOptions")?;
            Options::BatchMatMul { adj_x: c.adj_x(), adj_y: c.adj_y() }
        }
        other => match movement_options(o, other)? {
            Some(m) => Options::Movement(m),
            None => Options::Other(other.variant_name().unwrap_or("unknown options")),
        },
    })
}

// ---- movement ----

/// Options of the data-movement ops, or `None` for any other options type.
fn movement_options(o: &fb::Operator<'_>, t: fb::BuiltinOptions) -> Result<Option<crate::ir::MovementOptions>, String> {
    use crate::ir::MovementOptions as M;
    use fb::BuiltinOptions as B;
    Ok(Some(match t {
        B::StridedSliceOptions => {
            let c = o.builtin_options_as_strided_slice_options().ok_or("missing StridedSliceOptions")?;
            M::StridedSlice {
                begin_mask: c.begin_mask(),
                end_mask: c.end_mask(),
                ellipsis_mask: c.ellipsis_mask(),
                new_axis_mask: c.new_axis_mask(),
                shrink_axis_mask: c.shrink_axis_mask(),
            }
        }
        B::CumsumOptions => {
            let c = o.builtin_options_as_cumsum_options().ok_or("missing CumsumOptions")?;
            M::CumSum { exclusive: c.exclusive(), reverse: c.reverse() }
        }
        B::PackOptions => {
            let c = o.builtin_options_as_pack_options().ok_or("missing PackOptions")?;
            M::Pack { axis: c.axis(), count: c.values_count() }
        }
        B::UnpackOptions => {
            let c = o.builtin_options_as_unpack_options().ok_or("missing UnpackOptions")?;
            M::Pack { axis: c.axis(), count: c.num() }
        }
        B::GatherOptions => {
            let c = o.builtin_options_as_gather_options().ok_or("missing GatherOptions")?;
            M::Gather { axis: c.axis(), batch_dims: c.batch_dims() }
        }
        B::DepthToSpaceOptions => {
            let c = o.builtin_options_as_depth_to_space_options().ok_or("missing DepthToSpaceOptions")?;
            M::Block { block_size: c.block_size() }
        }
        B::SpaceToDepthOptions => {
            let c = o.builtin_options_as_space_to_depth_options().ok_or("missing SpaceToDepthOptions")?;
            M::Block { block_size: c.block_size() }
        }
        B::MirrorPadOptions => {
            let c = o.builtin_options_as_mirror_pad_options().ok_or("missing MirrorPadOptions")?;
            M::MirrorPad { symmetric: c.mode() == fb::MirrorPadMode::SYMMETRIC }
        }
        _ => return Ok(None),
    }))
}
