//! Static shapes, before lowering: a dynamic input gets the shape the user fixed
//! (`input_shape`), every op whose output shape follows from a changed or dynamic input has it
//! re-inferred (the file stores placeholders there, 1 for each −1), and shape arithmetic (SHAPE,
//! RANK and integer ops on constants: STRIDED_SLICE, PACK, GATHER, CONCATENATION, …) is folded
//! into constants, so it costs no code. Kernels then see only static shapes, as before.

use std::sync::Arc;

use crate::error::{Error, ErrorKind};
use crate::ir::{Activation, DType, Graph, MovementOptions, Op, Options, Padding};
use crate::read::MAX_TENSOR_BYTES;

/// A tensor whose `shape_signature` has a −1.
#[derive(Clone, Debug)]
pub struct Dynamic {
    pub tensor: usize,
    pub signature: Vec<i32>,
    /// The only −1 is a batch stored as 1: how the converter marks every Keras input. TFLM runs
    /// those at batch 1, and so does kiln unless `input_shape` says otherwise.
    pub batch_only: bool,
}

/// Shape signature check: a −1 matches any size.
fn fits(signature: &[i32], shape: &[usize]) -> bool {
    signature.len() == shape.len() && signature.iter().zip(shape).all(|(&s, &d)| s < 0 || s as usize == d)
}

/// `[1, -1, 4]` → `1,N,4` (the CLI's spelling) and `[1, N, 4]` (the macro's).
fn example(signature: &[i32]) -> (String, String) {
    let names = ["N", "M", "K", "L"];
    let mut next = 0;
    let dims: Vec<String> = signature
        .iter()
        .map(|&d| {
            if d < 0 {
                next += 1;
                names[(next - 1) % names.len()].to_string()
            } else {
                d.to_string()
            }
        })
        .collect();
    (dims.join(","), format!("[{}]", dims.join(", ")))
}

/// Fixes the inputs' shapes, re-infers and folds; see the module doc. `input_shape` applies to
/// the model's first input.
pub fn resolve(file: &str, g: &mut Graph, dynamic: &[Dynamic], input_shape: Option<&[usize]>) -> Result<(), Error> {
    let invalid = |m: String| Error::new(file, ErrorKind::Invalid(m));
    let input_shape_error = |m: String| Error::new(file, ErrorKind::InputShape(m));
    let find = |t: usize| dynamic.iter().find(|d| d.tensor == t);
    let signature_of = |t: usize| find(t).map(|d| d.signature.clone());
    let is_dynamic = |t: usize| find(t).is_some_and(|d| !d.batch_only);
    // `dirty[t]`: the shape differs from the one stored in the file; `folded[t]`: the tensor's
    // value was computed here (a RESHAPE's new shape may be, and then its stored output shape is
    // a placeholder).
    let mut dirty = vec![false; g.tensors.len()];
    let mut folded = vec![false; g.tensors.len()];

    if let Some(shape) = input_shape {
        let Some(&t) = g.inputs.first() else {
            return Err(input_shape_error(format!("input_shape {shape:?} is given, but the model has no inputs")));
        };
        let label = g.tensors[t].label();
        let have = g.tensors[t].shape.clone();
        let sig = signature_of(t).unwrap_or_else(|| have.iter().map(|&d| d as i32).collect());
        if !fits(&sig, shape) || shape.contains(&0) {
            return Err(input_shape_error(format!(
                "input_shape {shape:?} does not fit input {label}: its shape_signature is {sig:?} \
                 (every dimension but the −1s is fixed, and sizes must be at least 1)"
            )));
        }
        let elements = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        let bytes = elements.and_then(|e| e.checked_mul(g.tensors[t].dtype.size().unwrap_or(1)));
        if bytes.is_none_or(|b| b > MAX_TENSOR_BYTES) {
            return Err(input_shape_error(format!("input_shape {shape:?} makes input {label} larger than kiln's limit of 2 GiB")));
        }
        dirty[t] = have != shape;
        g.tensors[t].shape = shape.to_vec();
    }
    for (k, &t) in g.inputs.iter().enumerate() {
        if let Some(sig) = signature_of(t).filter(|_| is_dynamic(t)) {
            if k == 0 && input_shape.is_some() {
                continue;
            }
            let (cli, mac) = example(&sig);
            let why = if k == 0 {
                format!(
                    "fix it with `input_shape = {mac}` (include_model!), `Config::input_shape(&{mac})` (build.rs) \
                     or `--input-shape {cli}` (kiln generate / inspect)"
                )
            } else {
                format!("input_shape fixes the first input only; input {k} must have a static shape")
            };
            return Err(invalid(format!(
                "{} has a dynamic shape (shape_signature {sig:?}); kiln needs static shapes: {why}",
                g.tensors[t].label()
            )));
        }
    }

    let mut keep = Vec::with_capacity(g.ops.len());
    let ops = std::mem::take(&mut g.ops);
    for op in ops {
        let what = || format!("op #{} {}", op.index, op.name);
        let writes_output = op.outputs.iter().any(|t| g.outputs.contains(t));
        if !writes_output {
            if let Some(values) = fold(g, &op) {
                for (&t, v) in op.outputs.iter().zip(values) {
                    let x = &mut g.tensors[t];
                    x.data = Some(v.bytes(x.dtype));
                    dirty[t] = x.shape != v.shape;
                    x.shape = v.shape;
                    folded[t] = true;
                }
                g.folded_ops.push((op.index, op.name.clone()));
                continue;
            }
        }
        let input_dirty = op.inputs.iter().flatten().any(|&t| dirty[t]);
        let output_dynamic = op.outputs.iter().any(|&t| is_dynamic(t));
        let input_folded = op.inputs.iter().flatten().any(|&t| folded[t]);
        // One shape per output, or no rule.
        let inferred = || infer(g, &op).filter(|s| s.len() == op.outputs.len());
        // An op reading a folded value it has no rule for keeps its stored shapes, as before folding.
        let shapes = if input_dirty || output_dynamic {
            Some(inferred().ok_or_else(|| {
                let why = if input_dirty {
                    let by = if input_shape.is_some() { "the input_shape option" } else { "folded shape arithmetic" };
                    format!("its output shape depends on a shape fixed at compile time ({by})")
                } else {
                    let t = op.outputs.iter().copied().find(|&t| is_dynamic(t)).or(op.outputs.first().copied()).unwrap_or_default();
                    format!(
                        "its output {} has a dynamic shape in the file (shape_signature {:?})",
                        g.tensors[t].label(),
                        signature_of(t).unwrap_or_default()
                    )
                };
                invalid(format!("{}: {why}, and kiln cannot infer {} output shapes", what(), op.name))
            })?)
        } else if input_folded {
            inferred()
        } else {
            None
        };
        if let Some(shapes) = shapes {
            for (&t, shape) in op.outputs.iter().zip(shapes) {
                let size = shape.iter().try_fold(g.tensors[t].dtype.size().unwrap_or(1), |a, &d| a.checked_mul(d));
                if size.is_none_or(|b| b > MAX_TENSOR_BYTES) {
                    return Err(invalid(format!(
                        "{}: inferred shape {shape:?} for {} exceeds kiln's limit of 2 GiB per tensor",
                        what(),
                        g.tensors[t].label()
                    )));
                }
                if let Some(sig) = signature_of(t) {
                    if !fits(&sig, &shape) {
                        return Err(invalid(format!(
                            "{}: inferred shape {shape:?} for {} contradicts its shape_signature {sig:?}",
                            what(),
                            g.tensors[t].label()
                        )));
                    }
                }
                if g.tensors[t].shape != shape {
                    dirty[t] = true;
                    g.tensors[t].shape = shape;
                }
            }
        }
        keep.push(op);
    }
    g.ops = keep;
    Ok(())
}

// ---- shape inference ----

/// A constant integer operand (int32 or int64), as i64s.
fn ints(g: &Graph, t: Option<usize>) -> Option<Vec<i64>> {
    let x = &g.tensors[t?];
    if !x.is_const() {
        return None;
    }
    let d = x.data.as_ref()?;
    match x.dtype {
        DType::I32 => Some(d.chunks_exact(4).map(|c| i32::from_le_bytes(c.try_into().unwrap()) as i64).collect()),
        DType::I64 => Some(d.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect()),
        _ => None,
    }
}

fn axis(a: i64, rank: usize) -> Option<usize> {
    let a = if a < 0 { a + rank as i64 } else { a };
    (0..rank as i64).contains(&a).then_some(a as usize)
}

/// TFLite's output size of a window op along one axis.
fn window(size: usize, filter: usize, stride: usize, dilation: usize, padding: Padding) -> Option<usize> {
    let effective = (filter - 1).checked_mul(dilation)? + 1;
    match padding {
        Padding::Same => Some(size.div_ceil(stride)),
        Padding::Valid => size.checked_sub(effective).map(|d| d / stride + 1),
    }
}

fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let at = |s: &[usize], k: usize| if k + s.len() >= rank { s[k + s.len() - rank] } else { 1 };
    (0..rank)
        .map(|k| match (at(a, k), at(b, k)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// `shape` with one −1 resolved so that it holds `elements`.
fn resolve_minus_one(shape: &[i64], elements: usize) -> Option<Vec<usize>> {
    let known = shape.iter().filter(|&&d| d >= 0).try_fold(1usize, |a, &d| a.checked_mul(usize::try_from(d).ok()?))?;
    match shape.iter().filter(|&&d| d < 0).count() {
        0 => (known == elements).then(|| shape.iter().map(|&d| d as usize).collect()),
        1 if known > 0 && elements % known == 0 => {
            let rest = elements / known;
            Some(shape.iter().map(|&d| if d < 0 { rest } else { d as usize }).collect())
        }
        _ => None,
    }
}

/// Ops whose output has the shape of their first input.
const SAME_SHAPE: &[&str] = &[
    "ABS", "CAST", "CEIL", "COS", "DEQUANTIZE", "ELU", "EXP", "FLOOR", "HARD_SWISH", "L2_NORMALIZATION",
    "LEAKY_RELU", "LOG", "LOGICAL_NOT", "LOGISTIC", "LOG_SOFTMAX", "NEG", "PRELU", "QUANTIZE", "RELU",
    "RELU6", "RELU_N1_TO_1", "ROUND", "RSQRT", "SIN", "SOFTMAX", "SQRT", "SQUARE", "TANH", "ZEROS_LIKE",
];

/// Ops whose output is their two inputs broadcast against each other.
const BROADCAST: &[&str] = &[
    "ADD", "SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE", "FLOOR_DIV", "FLOOR_MOD", "EQUAL",
    "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL", "LOGICAL_AND", "LOGICAL_OR",
];

/// Output shapes of `op` from its inputs' shapes, options and constant operands, as TFLite's
/// kernels compute them at prepare time; `None` for ops kiln has no rule for.
fn infer(g: &Graph, op: &Op) -> Option<Vec<Vec<usize>>> {
    let shape = |k: usize| op.inputs.get(k).copied().flatten().map(|t| g.tensors[t].shape.clone());
    let x = shape(0)?;
    let one = |s: Vec<usize>| Some(vec![s]);
    match (op.name.as_str(), &op.options) {
        (n, _) if SAME_SHAPE.contains(&n) => one(x),
        (n, _) if BROADCAST.contains(&n) => one(broadcast(&x, &shape(1)?)?),
        ("CONV_2D", Options::Conv2d { padding, stride, dilation, .. }) => {
            let w = shape(1)?;
            (x.len() == 4 && w.len() == 4).then_some(())?;
            let h = window(x[1], w[1], stride[0], dilation[0], *padding)?;
            let wd = window(x[2], w[2], stride[1], dilation[1], *padding)?;
            one(vec![x[0], h, wd, w[0]])
        }
        ("DEPTHWISE_CONV_2D", Options::DepthwiseConv2d { padding, stride, dilation, .. }) => {
            let w = shape(1)?;
            (x.len() == 4 && w.len() == 4).then_some(())?;
            let h = window(x[1], w[1], stride[0], dilation[0], *padding)?;
            let wd = window(x[2], w[2], stride[1], dilation[1], *padding)?;
            one(vec![x[0], h, wd, w[3]])
        }
        ("AVERAGE_POOL_2D" | "MAX_POOL_2D" | "L2_POOL_2D", Options::Pool2d { padding, stride, filter, .. }) => {
            (x.len() == 4).then_some(())?;
            let h = window(x[1], filter[0], stride[0], 1, *padding)?;
            let wd = window(x[2], filter[1], stride[1], 1, *padding)?;
            one(vec![x[0], h, wd, x[3]])
        }
        ("FULLY_CONNECTED", Options::FullyConnected { keep_num_dims, .. }) => {
            let w = shape(1)?;
            (w.len() == 2 && w[1] > 0).then_some(())?;
            if *keep_num_dims {
                (x.last() == Some(&w[1])).then_some(())?;
                let mut out = x.clone();
                *out.last_mut()? = w[0];
                one(out)
            } else {
                let elements: usize = x.iter().product();
                (elements % w[1] == 0).then_some(())?;
                one(vec![elements / w[1], w[0]])
            }
        }
        ("RESHAPE", _) => {
            let new = ints(g, op.inputs.get(1).copied().flatten())?;
            one(resolve_minus_one(&new, x.iter().product())?)
        }
        ("BROADCAST_TO", _) => {
            // The target shape (folded by now); the input must broadcast to it.
            let target: Vec<usize> = ints(g, op.inputs.get(1).copied().flatten())?.iter().map(|&d| usize::try_from(d).ok()).collect::<Option<_>>()?;
            (broadcast(&x, &target)? == target).then_some(())?;
            one(target)
        }
        ("EXPAND_DIMS", _) => {
            let a = *ints(g, op.inputs.get(1).copied().flatten())?.first()?;
            let a = axis(a, x.len() + 1)?;
            let mut out = x.clone();
            out.insert(a, 1);
            one(out)
        }
        ("MEAN" | "SUM" | "REDUCE_MAX" | "REDUCE_MIN" | "REDUCE_PROD", Options::Reducer { keep_dims }) => {
            let axes: Vec<usize> =
                ints(g, op.inputs.get(1).copied().flatten())?.iter().map(|&a| axis(a, x.len())).collect::<Option<_>>()?;
            let out = x
                .iter()
                .enumerate()
                .filter_map(|(k, &d)| match (axes.contains(&k), keep_dims) {
                    (false, _) => Some(d),
                    (true, true) => Some(1),
                    (true, false) => None,
                })
                .collect();
            one(out)
        }
        ("CONCATENATION", Options::Concatenation { axis: a, .. }) => {
            let a = axis(*a as i64, x.len())?;
            let mut out = x.clone();
            out[a] = 0;
            for t in &op.inputs {
                let s = &g.tensors[(*t)?].shape;
                (s.len() == x.len()).then_some(())?;
                out[a] = out[a].checked_add(s[a])?;
            }
            one(out)
        }
        ("TRANSPOSE", _) => {
            let perm: Vec<usize> =
                ints(g, op.inputs.get(1).copied().flatten())?.iter().map(|&a| axis(a, x.len())).collect::<Option<_>>()?;
            (perm.len() == x.len()).then_some(())?;
            one(perm.iter().map(|&a| x[a]).collect())
        }
        ("SLICE", _) => {
            let begin = ints(g, op.inputs.get(1).copied().flatten())?;
            let size = ints(g, op.inputs.get(2).copied().flatten())?;
            (begin.len() == x.len() && size.len() == x.len()).then_some(())?;
            let dims = x.iter().enumerate().map(|(k, &d)| {
                let b = usize::try_from(begin[k]).ok().filter(|&b| b <= d)?;
                // TFLite: size −1 takes the rest of the axis.
                let n = if size[k] == -1 { d - b } else { usize::try_from(size[k]).ok()? };
                (b + n <= d).then_some(n)
            });
            one(dims.collect::<Option<_>>()?)
        }
        ("GATHER", Options::Movement(MovementOptions::Gather { axis: a, batch_dims: 0 })) => {
            let a = axis(*a as i64, x.len())?;
            let indices = shape(1)?;
            one(x[..a].iter().chain(&indices).chain(&x[a + 1..]).copied().collect())
        }
        ("PAD" | "PADV2" | "MIRROR_PAD", _) => {
            let p = ints(g, op.inputs.get(1).copied().flatten())?;
            (p.len() == 2 * x.len() && p.iter().all(|&v| v >= 0)).then_some(())?;
            let padded = |k: usize, d: usize| {
                d.checked_add(usize::try_from(p[2 * k]).ok()?)?.checked_add(usize::try_from(p[2 * k + 1]).ok()?)
            };
            one(x.iter().enumerate().map(|(k, &d)| padded(k, d)).collect::<Option<_>>()?)
        }
        _ => None,
    }
}

// ---- constant folding ----

/// A folded constant: integer values (int32 or int64 tensors) and their shape.
#[derive(Clone, Debug)]
struct Value {
    values: Vec<i64>,
    shape: Vec<usize>,
}

impl Value {
    fn scalar(v: i64) -> Value {
        Value { values: vec![v], shape: vec![] }
    }

    /// Little-endian bytes in `dtype` (int32 or int64; the fold checked the range).
    fn bytes(&self, dtype: DType) -> Arc<[u8]> {
        let mut out = Vec::new();
        for &v in &self.values {
            match dtype {
                DType::I32 => out.extend_from_slice(&(v as i32).to_le_bytes()),
                _ => out.extend_from_slice(&v.to_le_bytes()),
            }
        }
        Arc::from(out)
    }
}

/// The value of an integer constant operand.
fn value(g: &Graph, t: Option<usize>) -> Option<Value> {
    let values = ints(g, t)?;
    Some(Value { values, shape: g.tensors[t?].shape.clone() })
}

/// Evaluates `op` at compile time when it computes integers from constants (or, for SHAPE and
/// RANK, from a static shape); `None` leaves the op to lowering. Every result fits its dtype.
fn fold(g: &Graph, op: &Op) -> Option<Vec<Value>> {
    let out_types: Vec<DType> = op.outputs.iter().map(|&t| g.tensors[t].dtype).collect();
    if out_types.iter().any(|d| !matches!(d, DType::I32 | DType::I64))
        || op.outputs.iter().any(|&t| g.tensors[t].quant.is_some() || g.tensors[t].is_variable)
    {
        return None;
    }
    let input = |k: usize| op.inputs.get(k).copied().flatten();
    let results = match op.name.as_str() {
        "SHAPE" => {
            let s = &g.tensors[input(0)?].shape;
            vec![Value { values: s.iter().map(|&d| d as i64).collect(), shape: vec![s.len()] }]
        }
        "RANK" => vec![Value::scalar(g.tensors[input(0)?].shape.len() as i64)],
        name => {
            let args: Vec<Value> = op.inputs.iter().map(|&t| value(g, t)).collect::<Option<_>>()?;
            // An op without outputs (a hostile file) is not folded: lowering reports it.
            let out = g.tensors.get(*op.outputs.first()?)?;
            vec![fold_const(name, &op.options, &args, &out.shape)?]
        }
    };
    let fits = |v: &Value, d: DType| d == DType::I64 || v.values.iter().all(|&x| i32::try_from(x).is_ok());
    (results.len() == op.outputs.len() && results.iter().zip(&out_types).all(|(v, &d)| fits(v, d))).then_some(results)
}

/// Integer ops on constant operands. Shape tensors are vectors, so the indexing ops fold rank-1
/// operands only; anything else is left to lowering.
fn fold_const(name: &str, options: &Options, args: &[Value], stored_out: &[usize]) -> Option<Value> {
    let first = args.first()?;
    let vector = |v: &Value| v.shape.len() == 1;
    match (name, options) {
        ("ADD" | "SUB" | "MUL" | "FLOOR_DIV" | "MAXIMUM" | "MINIMUM", _) => {
            if let Options::Add { activation } = options {
                (*activation == Activation::None).then_some(())?;
            }
            let (a, b) = (first, args.get(1)?);
            let shape = broadcast(&a.shape, &b.shape)?;
            // Shape arithmetic: equal shapes or one side a single value.
            let at = |v: &Value, k: usize| if v.values.len() == 1 { v.values[0] } else { v.values[k] };
            let n: usize = shape.iter().product();
            (a.values.len() == n || a.values.len() == 1).then_some(())?;
            (b.values.len() == n || b.values.len() == 1).then_some(())?;
            let values = (0..n)
                .map(|k| {
                    let (x, y) = (at(a, k), at(b, k));
                    match name {
                        "ADD" => x.checked_add(y),
                        "SUB" => x.checked_sub(y),
                        "MUL" => x.checked_mul(y),
                        "FLOOR_DIV" => x.checked_div(y).map(|q| if x % y != 0 && (x < 0) != (y < 0) { q - 1 } else { q }),
                        "MAXIMUM" => Some(x.max(y)),
                        _ => Some(x.min(y)),
                    }
                })
                .collect::<Option<_>>()?;
            Some(Value { values, shape })
        }
        ("BROADCAST_ARGS", _) if vector(first) && vector(args.get(1)?) => {
            // NumPy's rule on two shapes, aligned at the right: equal sizes, or one of them 1.
            let (a, b) = (&first.values, &args.get(1)?.values);
            let n = a.len().max(b.len());
            let at = |v: &[i64], k: usize| if k < n - v.len() { 1 } else { v[k - (n - v.len())] };
            let values = (0..n)
                .map(|k| match (at(a, k), at(b, k)) {
                    (x, y) if x == y || y == 1 => Some(x),
                    (1, y) => Some(y),
                    _ => None,
                })
                .collect::<Option<Vec<i64>>>()?;
            Some(Value { shape: vec![n], values })
        }
        ("REDUCE_PROD", Options::Reducer { keep_dims: false }) if vector(first) && args.get(1)?.values == [0] => {
            let p = first.values.iter().try_fold(1i64, |a, &v| a.checked_mul(v))?;
            Some(Value::scalar(p))
        }
        ("RESHAPE", _) if args.len() > 1 => Some(Value {
            values: first.values.clone(),
            shape: resolve_minus_one(&args[1].values, first.values.len())?,
        }),
        ("CAST" | "RESHAPE" | "SQUEEZE" | "EXPAND_DIMS", _) => {
            // Same values; the (static) stored output shape must hold them.
            (stored_out.iter().product::<usize>() == first.values.len()).then(|| Value {
                values: first.values.clone(),
                shape: stored_out.to_vec(),
            })
        }
        ("GATHER", Options::Movement(MovementOptions::Gather { axis: 0, batch_dims: 0 })) if vector(first) => {
            let idx = args.get(1)?;
            let values = idx
                .values
                .iter()
                .map(|&i| usize::try_from(i).ok().and_then(|i| first.values.get(i).copied()))
                .collect::<Option<_>>()?;
            Some(Value { values, shape: idx.shape.clone() })
        }
        ("PACK", Options::Movement(MovementOptions::Pack { axis: 0, .. })) => {
            (args.iter().all(|a| a.shape.is_empty())).then_some(())?;
            Some(Value { values: args.iter().map(|a| a.values[0]).collect(), shape: vec![args.len()] })
        }
        ("CONCATENATION", Options::Concatenation { axis: 0 | -1, activation: Activation::None }) => {
            args.iter().all(vector).then_some(())?;
            let values: Vec<i64> = args.iter().flat_map(|a| a.values.iter().copied()).collect();
            Some(Value { shape: vec![values.len()], values })
        }
        ("SLICE", _) if vector(first) => {
            let n = first.values.len() as i64;
            let (begin, size) = (*args.get(1)?.values.first()?, *args.get(2)?.values.first()?);
            let end = if size < 0 { n } else { begin.checked_add(size)? };
            (0 <= begin && begin <= end && end <= n).then_some(())?;
            let values = first.values[begin as usize..end as usize].to_vec();
            Some(Value { shape: vec![values.len()], values })
        }
        ("STRIDED_SLICE", Options::Movement(MovementOptions::StridedSlice { begin_mask, end_mask, ellipsis_mask: 0, new_axis_mask: 0, shrink_axis_mask }))
            if vector(first) =>
        {
            let n = first.values.len() as i64;
            let (b, e, s) = (*args.get(1)?.values.first()?, *args.get(2)?.values.first()?, *args.get(3)?.values.first()?);
            (s != 0).then_some(())?;
            // TFLite's StartForAxis / StopForAxis on one axis.
            let clamp = |v: i64, lo: i64, hi: i64| v.max(lo).min(hi);
            let norm = |v: i64| if v < 0 { v + n } else { v };
            let start = if begin_mask & 1 != 0 {
                if s > 0 { 0 } else { n - 1 }
            } else if s > 0 {
                clamp(norm(b), 0, n)
            } else {
                clamp(norm(b), -1, n - 1)
            };
            if shrink_axis_mask & 1 != 0 {
                (0..n).contains(&start).then_some(())?;
                return Some(Value::scalar(first.values[start as usize]));
            }
            let stop = if end_mask & 1 != 0 {
                if s > 0 { n } else { -1 }
            } else if s > 0 {
                clamp(norm(e), 0, n)
            } else {
                clamp(norm(e), -1, n - 1)
            };
            let mut values = Vec::new();
            let mut i = start;
            while (s > 0 && i < stop) || (s < 0 && i > stop) {
                values.push(first.values[i as usize]);
                let Some(next) = i.checked_add(s) else { break };
                i = next;
            }
            Some(Value { shape: vec![values.len()], values })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(values: &[i64]) -> Value {
        Value { values: values.to_vec(), shape: vec![values.len()] }
    }

    fn slice(x: &[i64], b: i64, e: i64, s: i64, begin_mask: i32, end_mask: i32, shrink: i32) -> Option<Vec<i64>> {
        let o = Options::Movement(MovementOptions::StridedSlice {
            begin_mask,
            end_mask,
            ellipsis_mask: 0,
            new_axis_mask: 0,
            shrink_axis_mask: shrink,
        });
        fold_const("STRIDED_SLICE", &o, &[v(x), v(&[b]), v(&[e]), v(&[s])], &[]).map(|r| r.values)
    }

    #[test]
    fn strided_slice_of_a_shape_as_tflite_computes_it() {
        let s = [2, 4, 6, 8];
        assert_eq!(slice(&s, 0, 1, 1, 0, 0, 1), Some(vec![2])); // x[0]
        assert_eq!(slice(&s, -1, 0, 1, 0, 0, 1), Some(vec![8])); // x[-1]
        assert_eq!(slice(&s, 1, 0, 1, 0, 1, 0), Some(vec![4, 6, 8])); // x[1:]
        assert_eq!(slice(&s, 0, -1, 1, 0, 0, 0), Some(vec![2, 4, 6])); // x[:-1]
        assert_eq!(slice(&s, 0, 0, -1, 1, 1, 0), Some(vec![8, 6, 4, 2])); // x[::-1]
        assert_eq!(slice(&s, 1, 100, 2, 0, 0, 0), Some(vec![4, 8])); // x[1:100:2]
        assert_eq!(slice(&s, 9, 0, 1, 0, 0, 1), None); // out of range: left to lowering
    }

    #[test]
    fn arithmetic_broadcasts_a_single_value_and_refuses_overflow() {
        let mul = |a: Value, b: Value| fold_const("MUL", &Options::Add { activation: Activation::None }, &[a, b], &[]);
        assert_eq!(mul(v(&[2, 3]), Value::scalar(4)).unwrap().values, vec![8, 12]);
        assert!(mul(v(&[i64::MAX]), Value::scalar(2)).is_none());
        let fdiv = fold_const("FLOOR_DIV", &Options::Add { activation: Activation::None }, &[v(&[-7, 7]), Value::scalar(2)], &[]);
        assert_eq!(fdiv.unwrap().values, vec![-4, 3]);
    }

    #[test]
    fn broadcast_args_follows_numpy() {
        let ba = |a: &[i64], b: &[i64]| fold_const("BROADCAST_ARGS", &Options::None, &[v(a), v(b)], &[]).map(|r| r.values);
        assert_eq!(ba(&[1, 4, 1], &[1, 4, 5]), Some(vec![1, 4, 5]));
        assert_eq!(ba(&[3, 1], &[2, 1, 7]), Some(vec![2, 3, 7]));
        assert_eq!(ba(&[0, 1], &[1, 6]), Some(vec![0, 6]));
        assert_eq!(ba(&[2, 3], &[4, 3]), None); // incompatible: left to lowering, which reports it
    }

    use crate::ir::Tensor;

    fn tensor(index: usize, shape: &[usize], dtype: DType, data: Option<&[i32]>) -> Tensor {
        let data = data.map(|v| Arc::from(v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>()));
        Tensor { index, name: String::new(), shape: shape.to_vec(), dtype, quant: None, data, is_variable: false }
    }

    fn op(index: usize, name: &str, inputs: &[usize], output: usize, options: Options) -> Op {
        let inputs = inputs.iter().map(|&t| Some(t)).collect();
        Op { index, code: 0, name: name.into(), inputs, outputs: vec![output], options }
    }

    /// x [1, 4, 6] → RESHAPE to PACK(1, RANK(x) + 21) = [1, 24]; the stored output shape is a
    /// placeholder ([1, 1]) that the folded shape replaces.
    fn rank_graph(last: &str) -> Graph {
        let none = Options::Add { activation: Activation::None };
        Graph {
            tensors: vec![
                tensor(0, &[1, 4, 6], DType::F32, None),
                tensor(1, &[], DType::I32, None),
                tensor(2, &[], DType::I32, Some(&[21])),
                tensor(3, &[], DType::I32, None),
                tensor(4, &[], DType::I32, Some(&[1])),
                tensor(5, &[2], DType::I32, None),
                tensor(6, &[1, 1], DType::F32, None),
            ],
            ops: vec![
                op(0, "RANK", &[0], 1, Options::None),
                op(1, "ADD", &[1, 2], 3, none),
                op(2, "PACK", &[4, 3], 5, Options::Movement(MovementOptions::Pack { axis: 0, count: 2 })),
                op(3, last, &[0, 5], 6, Options::None),
            ],
            inputs: vec![0],
            outputs: vec![6],
            folded_ops: vec![],
        }
    }

    #[test]
    fn rank_and_arithmetic_fold_into_a_reshape() {
        let mut g = rank_graph("RESHAPE");
        resolve("m.tflite", &mut g, &[], None).unwrap();
        assert_eq!(g.ops.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["RESHAPE"]);
        assert_eq!(g.folded_ops, [(0, "RANK".to_string()), (1, "ADD".into()), (2, "PACK".into())]);
        assert_eq!(g.tensors[5].data.as_deref(), Some(&[1u8, 0, 0, 0, 24, 0, 0, 0][..]));
        assert_eq!(g.tensors[6].shape, [1, 24]);
    }

    #[test]
    fn an_op_without_a_shape_rule_on_a_changed_shape_is_an_error() {
        let mut g = rank_graph("CUSTOM(Mystery)");
        let dynamic = [Dynamic { tensor: 0, signature: vec![1, -1, 6], batch_only: false }];
        let err = resolve("m.tflite", &mut g, &dynamic, Some(&[1, 8, 6])).unwrap_err().to_string();
        assert_eq!(
            err,
            "kiln: `m.tflite`: op #3 CUSTOM(Mystery): its output shape depends on a shape fixed at compile time \
             (the input_shape option), and kiln cannot infer CUSTOM(Mystery) output shapes"
        );
        // Unchanged shapes: an op without a rule reading folded values keeps its stored shapes.
        let mut g = rank_graph("CUSTOM(Mystery)");
        resolve("m.tflite", &mut g, &[], None).unwrap();
        assert_eq!((g.ops.len(), g.folded_ops.len(), g.tensors[6].shape.clone()), (1, 3, vec![1, 1]));
    }

    #[test]
    fn a_dynamic_output_of_an_op_without_a_shape_rule_is_an_error() {
        // A data-dependent output size (non-max suppression, WHERE): static input, dynamic output.
        let mut g = Graph {
            tensors: vec![tensor(0, &[10, 4], DType::F32, None), tensor(1, &[1], DType::I32, None)],
            ops: vec![op(0, "NON_MAX_SUPPRESSION_V4", &[0], 1, Options::None)],
            inputs: vec![0],
            outputs: vec![1],
            folded_ops: vec![],
        };
        let dynamic = [Dynamic { tensor: 1, signature: vec![-1], batch_only: false }];
        let err = resolve("m.tflite", &mut g, &dynamic, None).unwrap_err().to_string();
        assert_eq!(
            err,
            "kiln: `m.tflite`: op #0 NON_MAX_SUPPRESSION_V4: its output tensor #1 has a dynamic shape in the file \
             (shape_signature [-1]), and kiln cannot infer NON_MAX_SUPPRESSION_V4 output shapes"
        );
    }

    #[test]
    fn minus_one_takes_the_remaining_elements() {
        assert_eq!(resolve_minus_one(&[1, -1, 8], 320), Some(vec![1, 40, 8]));
        assert_eq!(resolve_minus_one(&[3, -1], 10), None);
        assert_eq!(resolve_minus_one(&[-1, -1], 4), None);
        assert_eq!(resolve_minus_one(&[i64::MAX, i64::MAX, -1], 4), None, "overflow is no match, not a panic");
    }

    /// Output shape of a one-op graph: `x` (a graph input of shape `x`) and constant operands.
    fn inferred(name: &str, options: Options, x: &[usize], consts: &[&[i32]]) -> Option<Vec<usize>> {
        let mut tensors = vec![tensor(0, x, DType::F32, None)];
        for (k, c) in consts.iter().enumerate() {
            tensors.push(tensor(k + 1, &[c.len()], DType::I32, Some(c)));
        }
        let out = tensors.len();
        tensors.push(tensor(out, &[1], DType::F32, None));
        let g = Graph { tensors, ops: vec![], inputs: vec![0], outputs: vec![out], folded_ops: vec![] };
        let inputs: Vec<usize> = (0..out).collect();
        infer(&g, &op(0, name, &inputs, out, options)).map(|mut v| v.remove(0))
    }

    #[test]
    fn shape_rules_follow_tflite() {
        let red = |keep_dims| Options::Reducer { keep_dims };
        assert_eq!(inferred("TRANSPOSE", Options::None, &[1, 40, 4], &[&[0, 2, 1]]), Some(vec![1, 4, 40]));
        assert_eq!(inferred("TRANSPOSE", Options::None, &[1, 40, 4], &[&[0, 1]]), None);
        assert_eq!(inferred("SLICE", Options::None, &[1, 40, 4], &[&[0, 10, 1], &[-1, 20, 2]]), Some(vec![1, 20, 2]));
        assert_eq!(inferred("SLICE", Options::None, &[1, 40, 4], &[&[0, 30, 0], &[1, 20, 4]]), None);
        let gather = Options::Movement(MovementOptions::Gather { axis: 1, batch_dims: 0 });
        assert_eq!(inferred("GATHER", gather, &[2, 40, 4], &[&[3, 1, 4]]), Some(vec![2, 3, 4]));
        assert_eq!(inferred("MEAN", red(false), &[1, 20, 8], &[&[1]]), Some(vec![1, 8]));
        assert_eq!(inferred("MEAN", red(true), &[1, 20, 8], &[&[-2]]), Some(vec![1, 1, 8]));
        assert_eq!(inferred("RESHAPE", Options::None, &[1, 20, 8], &[&[1, -1]]), Some(vec![1, 160]));
        assert_eq!(inferred("EXPAND_DIMS", Options::None, &[1, 20, 8], &[&[-1]]), Some(vec![1, 20, 8, 1]));
        assert_eq!(inferred("PAD", Options::None, &[1, 20, 8], &[&[0, 0, 2, 3, 0, 1]]), Some(vec![1, 25, 9]));
        assert_eq!(inferred("ADD", Options::Add { activation: Activation::None }, &[2, 20, 8], &[&[1; 8]]), Some(vec![2, 20, 8]));
    }

    #[test]
    fn window_sizes_match_tflite() {
        assert_eq!(window(10, 3, 2, 1, Padding::Same), Some(5));
        assert_eq!(window(10, 3, 2, 1, Padding::Valid), Some(4));
        assert_eq!(window(40, 2, 2, 1, Padding::Valid), Some(20));
        assert_eq!(window(12, 3, 1, 2, Padding::Valid), Some(8));
        assert_eq!(window(2, 3, 1, 1, Padding::Valid), None);
    }
}
