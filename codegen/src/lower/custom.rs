//! The user's custom ops (`custom_ops = { "MyOp" => crate::my_op }`): a call of their function
//! through `kiln::custom::call`, with the op's tensors described at compile time and its
//! flexbuffer options decoded into a `'static` table (see the runtime's `kiln::custom`).

use proc_macro2::TokenStream;
use quote::quote;

use super::*;
use crate::flexbuffers::{self, Value};

/// Byte alignment of each output in a multi-output op's scratch window (the largest element).
const ALIGN: usize = 8;

/// The `kiln::TensorInfo` literal of a tensor a custom op reads or writes.
fn info(t: &Tensor) -> R<TokenStream> {
    let Some(dtype) = io_dtype(t.dtype) else {
        return unsupported(format!("{} is {}, which custom ops cannot take (kiln passes int8, uint8, int16, int32, int64, float32 and bool)", t.label(), t.dtype.name()));
    };
    let dtype = quote::format_ident!("{}", dtype);
    let (scale, zero_point) = match &t.quant {
        Some(q) if !q.is_per_channel() => (q.scales[0], i32::try_from(q.zero_points[0]).unwrap_or(0)),
        _ => (0.0f32, 0i32),
    };
    let (name, shape) = (&t.name, &t.shape);
    Ok(quote!(::kiln::TensorInfo {
        name: #name,
        shape: &[#(#shape),*],
        dtype: ::kiln::DType::#dtype,
        scale: #scale,
        zero_point: #zero_point,
    }))
}

/// The options as a `kiln::custom::Options` literal: a flexbuffer map decoded, else only raw bytes.
fn options(raw: &[u8]) -> TokenStream {
    let bytes = proc_macro2::Literal::byte_string(raw);
    let map = match flexbuffers::read_map(raw) {
        Ok(m) if !raw.is_empty() => m,
        _ => Vec::new(),
    };
    let entries = map.iter().map(|(k, v)| {
        let v = match v {
            Value::Null => quote!(Null),
            Value::Int(i) => quote!(Int(#i)),
            Value::UInt(u) => quote!(UInt(#u)),
            Value::Float(f) if f.is_finite() => quote!(Float(#f)),
            Value::Float(f) if f.is_nan() => quote!(Float(f64::NAN)),
            Value::Float(f) if *f > 0.0 => quote!(Float(f64::INFINITY)),
            Value::Float(_) => quote!(Float(f64::NEG_INFINITY)),
            Value::Bool(b) => quote!(Bool(#b)),
            Value::String(s) => quote!(Str(#s)),
            Value::Other(_) => quote!(Other),
        };
        quote!((#k, ::kiln::custom::Value::#v))
    });
    quote!(::kiln::custom::Options { raw: #bytes, map: &[#(#entries),*] })
}

pub(super) fn lower_user(cx: &Ctx<'_>, function: &str) -> R<Vec<Step>> {
    let Options::Custom { code, options: raw, .. } = &cx.op.options else {
        return invalid("missing custom options");
    };
    let Ok(path) = syn::parse_str::<syn::Path>(function) else {
        return invalid(format!("`{function}` is not a Rust path"));
    };
    let mut inputs = Vec::new();
    for (i, t) in cx.op.inputs.iter().enumerate() {
        match t {
            Some(t) => inputs.push(&cx.g.tensors[*t]),
            None => return unsupported(format!("input {i} is omitted (−1); custom ops get every input they list")),
        }
    }
    let outputs: Vec<&Tensor> = cx.op.outputs.iter().map(|&t| &cx.g.tensors[t]).collect();
    if outputs.is_empty() {
        return unsupported("a custom op without outputs");
    }
    let in_infos = inputs.iter().map(|t| info(t)).collect::<R<Vec<_>>>()?;
    let out_infos = outputs.iter().map(|t| info(t)).collect::<R<Vec<_>>>()?;
    let mut offsets = Vec::new();
    let mut window = 0;
    for t in &outputs {
        offsets.push(window);
        window = (window + t.bytes()).next_multiple_of(ALIGN);
    }
    let (ni, no) = (inputs.len(), outputs.len());
    let opts = options(raw);
    let op = quote!(::kiln::custom::Op::<#ni, #no> {
        inputs: [#(#in_infos),*],
        outputs: [#(#out_infos),*],
        offsets: [#(#offsets),*],
        options: #opts,
    });
    let summary = format!("custom op `{code}` → `{function}`");
    let operands: Vec<Operand> = inputs.iter().map(|t| cx.operand(t)).collect();
    let call = Call::Custom { function: quote!(#path), inputs: ni, outputs: no, op };
    if no == 1 {
        return Ok(vec![cx.step(operands, outputs[0], call, 0, summary)]);
    }
    // Several outputs: the function writes them into one scratch window, then one copy each.
    let mut main = cx.step(operands, outputs[0], call, 0, summary);
    main.output = SCRATCH;
    main.scratch = window.max(1);
    let mut steps = vec![main];
    for (k, t) in outputs.iter().enumerate() {
        let off = offsets[k];
        steps.push(cx.step(
            vec![Operand::Arena(SCRATCH)],
            t,
            Call::Scalars { func: "custom_op_output", scalars: quote!(#off) },
            0,
            format!("output {k} of custom op `{code}` from its scratch window"),
        ));
    }
    Ok(steps)
}
