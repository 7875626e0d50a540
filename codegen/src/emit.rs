//! Steps + arena plan → Rust tokens: one module per model holding the model struct, its
//! typed API, one `const` params item per layer and the weights as aligned byte strings.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{DType, Flow, Graph, Tensor};
use crate::lower::{io_dtype, Call, Gate, Operand, Step, Variant};
use crate::plan::ArenaPlan;

/// What the emitter needs besides the compiled graph.
pub struct EmitOptions<'a> {
    /// Struct name (`PersonDetect`; any identifier, `r#type` included).
    pub name: &'a str,
    /// Span of the struct's name (the user's `name = …` token), so lints point there.
    pub name_span: Option<Span>,
    /// The model path as the user wrote it, for docs.
    pub source: &'a str,
    /// Absolute path whose bytes are `include_bytes!`-ed so cargo rebuilds when the model changes.
    pub track_path: Option<&'a str>,
    /// Wrap every layer with code in `::kiln::profile::layer_begin(op index)` / `layer_end`.
    pub profile_layers: bool,
}

fn rust_type(d: DType) -> Ident {
    let s = match d {
        DType::I8 => "i8",
        DType::U8 => "u8",
        DType::I16 => "i16",
        DType::I32 => "i32",
        DType::I64 => "i64",
        DType::U32 => "u32",
        DType::U64 => "u64",
        DType::F32 => "f32",
        DType::Bool => "bool",
        other => unreachable!("lower() rejects {} at the model boundary", other.name()),
    };
    Ident::new(s, Span::call_site())
}

/// `PersonDetect` → `person_detect`: an underscore before every upper-case letter but the first, then lower case.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// The private module a model expands into. For an ASCII UpperCamelCase name it is the name in
/// snake_case (`PersonDetect` → `person_detect`), as it always was; any other name
/// (`digits_model`, `M_Digits`, `r#type`, or `Type`, whose snake_case is a keyword) gets
/// `__kiln_model_` and the name. Distinct names give distinct modules, and a module never has
/// its struct's name.
fn module_name(struct_name: &str) -> String {
    let bare = struct_name.strip_prefix("r#").unwrap_or(struct_name);
    let camel = bare.starts_with(|c: char| c.is_ascii_uppercase()) && bare.chars().all(|c| c.is_ascii_alphanumeric());
    let snake = snake_case(bare);
    if camel && syn::parse_str::<Ident>(&snake).is_ok() {
        snake
    } else {
        format!("__kiln_model_{bare}")
    }
}

/// Per-boundary-tensor names: `input` for a single input, `input0`, `input1`… otherwise.
fn io_names(prefix: &str, n: usize) -> Vec<String> {
    if n == 1 {
        vec![prefix.to_string()]
    } else {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }
}

struct Io<'a> {
    tensor: &'a Tensor,
    /// `input`/`input0`: argument and field name.
    name: Ident,
    /// `INPUT`/`INPUT0`: prefix of the associated consts.
    upper: String,
    ty: Ident,
    len: usize,
    offset: usize,
}

fn boundary<'a>(graph: &'a Graph, plan: &ArenaPlan, list: &[usize], prefix: &str) -> Vec<Io<'a>> {
    io_names(prefix, list.len())
        .into_iter()
        .zip(list)
        .map(|(name, &t)| {
            let tensor = &graph.tensors[t];
            Io {
                tensor,
                upper: name.to_uppercase(),
                name: Ident::new(&name, Span::call_site()),
                ty: rust_type(tensor.dtype),
                len: tensor.elements(),
                offset: plan.offsets[t].expect("model inputs and outputs are planned"),
            }
        })
        .collect()
}

fn tensor_info(io: &Io<'_>) -> TokenStream {
    let t = io.tensor;
    let name = &t.name;
    let shape = &t.shape;
    let dtype = Ident::new(io_dtype(t.dtype).expect("checked by lower()"), Span::call_site());
    let (scale, zp) = match &t.quant {
        Some(q) if !q.is_per_channel() => (q.scales[0], q.zero_points[0] as i32),
        _ => (0.0f32, 0i32),
    };
    quote!(::kiln::TensorInfo { name: #name, shape: &[#(#shape),*], dtype: ::kiln::DType::#dtype, scale: #scale, zero_point: #zp })
}

/// The static holding constant tensor `t`'s bytes (aligned), documented with its label, shape
/// and type (plus `note`), under the attributes `attrs` (a `#[cfg]` or nothing).
fn weight_static(graph: &Graph, t: usize, ident: &Ident, note: &str, attrs: TokenStream) -> TokenStream {
    let tensor = &graph.tensors[t];
    let data = tensor.data.as_deref().expect("Const operands have data");
    let (n, lit) = (data.len(), Literal::byte_string(data));
    let doc = format!(" {} {:?} {}{note}", tensor.label(), tensor.shape, tensor.dtype.name());
    quote! {
        #[doc = #doc]
        #attrs
        static #ident: ::kiln::Aligned<[u8; #n]> = ::kiln::Aligned(*#lit);
    }
}

/// Compile-time choice between a step's variant kernels and its main one: `each(v)` on the
/// targets of variant `v`, `main` where none applies. `#[cfg]` where the user's crate can
/// evaluate the predicate; `kiln::if_arm_dsp!` (the runtime's own `cfg`) for the Arm DSP build.
fn select(variants: &[Variant], main: TokenStream, each: impl Fn(&Variant) -> TokenStream) -> TokenStream {
    let cfgs: Vec<&TokenStream> = variants.iter().filter_map(|v| match &v.gate { Gate::Cfg(c) => Some(c), Gate::ArmDsp => None }).collect();
    let mut other: Vec<TokenStream> = Vec::new();
    for v in variants {
        if let Gate::Cfg(cfg) = &v.gate {
            let body = each(v);
            other.push(quote!(#[cfg(#cfg)] #body));
        }
    }
    other.push(match cfgs.as_slice() {
        [] => main,
        [one] => quote!(#[cfg(not(#one))] #main),
        many => quote!(#[cfg(not(any(#(#many),*)))] #main),
    });
    match variants.iter().find(|v| matches!(v.gate, Gate::ArmDsp)) {
        Some(v) => {
            let dsp = each(v);
            quote!(::kiln::if_arm_dsp! { { #dsp } else { #(#other)* } })
        }
        None => quote!(#(#other)*),
    }
}

/// An IF or loop block being emitted: the statements before it, an IF's condition, and its
/// then-part once `Else` is reached.
struct Frame {
    outer: Vec<TokenStream>,
    cond: Option<TokenStream>,
    then: Option<Vec<TokenStream>>,
}

pub fn emit(graph: &Graph, steps: &[Step], plan: &ArenaPlan, opts: &EmitOptions<'_>) -> TokenStream {
    let span = opts.name_span.unwrap_or_else(Span::call_site);
    let name = match opts.name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, span),
        None => Ident::new(opts.name, span),
    };
    let module = Ident::new(&module_name(opts.name), Span::call_site());
    let inputs = boundary(graph, plan, &graph.inputs, "input");
    let outputs = boundary(graph, plan, &graph.outputs, "output");
    let arena_bytes = plan.size;
    let stateful = plan.state_size > 0;
    let lower_bound = plan.lower_bound;
    let macs: u64 = steps.iter().map(|s| s.macs).sum();

    // Layer constants and weights.
    let mut items = Vec::new();
    let mut const_names: std::collections::HashMap<usize, Ident> = std::collections::HashMap::new();
    // Constant data the layers consume (filters, biases, constant operands), as in `kiln inspect`.
    let weight_bytes: usize = steps.iter().flat_map(|s| &s.weights).map(|&t| graph.tensors[t].bytes()).sum();
    let mut body = Vec::new();
    // Open IF/WHILE blocks, innermost last.
    let mut frames: Vec<Frame> = Vec::new();
    let mut same_params: std::collections::HashMap<String, Ident> = std::collections::HashMap::new();
    let mut variant_filters: std::collections::HashMap<usize, String> = std::collections::HashMap::new();
    // Consecutive row bands of one layer that differ only in where their output is (the
    // in-place bands between a layer's first and last): one loop, not one inlined kernel per
    // band (ResNet-8's ADD ran in ten such bands).
    let mut run: Option<BandRun> = None;
    for step in steps {
        let band_call = step.band.is_some() && matches!(step.call, Call::Params { .. });
        if !band_call && !matches!(step.call, Call::Alias) {
            finish_bands(&mut run, &mut body);
        }
        // An op with several outputs (SPLIT, UNPACK) has one step per output: name each after its output.
        let multi = steps.iter().filter(|s| s.op_index == step.op_index).count() > 1;
        // A custom op's name (`CUSTOM(TFLite_Detection_PostProcess)`) as an identifier part.
        let op_name: String = step
            .op_name
            .trim_end_matches(')')
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
            .collect();
        let base = if let Some(band) = &step.band {
            format!("{}_{}_ROWS{}", op_name, step.op_index, band.rows[0])
        } else if multi {
            format!("{}_{}_OUT{}", op_name, step.op_index, step.output)
        } else {
            format!("{}_{}", op_name, step.op_index)
        };
        let mut main_filter = None;
        for (k, op) in step.operands.iter().enumerate() {
            if let Operand::Const(t) = *op {
                if const_names.contains_key(&t) {
                    continue;
                }
                let role = if k == 1 && matches!(&step.call, Call::Params { ty, .. } if ty.ends_with("ConvParams") || ty.contains("Conv2d") || ty.contains("FullyConnected")) {
                    "FILTER".to_string()
                } else {
                    format!("INPUT{k}")
                };
                let ident = format_ident!("{}_{}", base, role);
                let stat = weight_static(graph, t, &ident, "", quote!());
                if k == 1 && !step.variants.is_empty() {
                    // The packed filter of a step with variant kernels exists only where the
                    // main call is compiled: emitted with the variants' filters below.
                    main_filter = Some(stat);
                } else {
                    items.push(stat);
                }
                const_names.insert(t, ident);
            }
        }
        if let Call::Alias = step.call {
            continue;
        }
        if let Call::Flow(flow) = step.call {
            // A copy onto its own bytes (a body result that is a RESHAPE of the carried tensor
            // it goes back into) has nothing to do.
            if let (Flow::Copy, Some(Operand::Arena(src))) = (flow, step.operands.first()) {
                if plan.offsets[*src].is_some() && plan.offsets[*src] == plan.offsets[step.output] {
                    continue;
                }
            }
            if flow != Flow::Copy {
                // The condition (a bool is one byte, true when non-zero) and its negation.
                let (cond, not) = match step.operands.first() {
                    Some(Operand::Const(t)) => {
                        let id = &const_names[t];
                        (quote!(#id.0[0] != 0), quote!(#id.0[0] == 0))
                    }
                    Some(Operand::Arena(t)) => {
                        let off = plan.offsets[*t].expect("conditions are planned");
                        (quote!(arena[#off] != 0), quote!(arena[#off] == 0))
                    }
                    None => (quote!(false), quote!(true)),
                };
                // IF and WHILE become nested blocks: each opening marker saves the statements so
                // far and the closing one wraps what came after it.
                match flow {
                    Flow::IfBegin => frames.push(Frame { outer: std::mem::take(&mut body), cond: Some(cond), then: None }),
                    Flow::Else => {
                        if let Some(f) = frames.last_mut() {
                            f.then = Some(std::mem::take(&mut body));
                        }
                    }
                    Flow::EndIf => {
                        let f = frames.pop().expect("an IF opens before it closes");
                        let otherwise = std::mem::replace(&mut body, f.outer);
                        let (c, then) = (f.cond.unwrap_or_default(), f.then.unwrap_or_default());
                        let otherwise = if otherwise.is_empty() { quote!() } else { quote!(else { #(#otherwise)* }) };
                        body.push(quote!(if #c { #(#then)* } #otherwise));
                    }
                    Flow::LoopBegin => frames.push(Frame { outer: std::mem::take(&mut body), cond: None, then: None }),
                    Flow::BreakUnless => body.push(quote!(if #not { break; })),
                    Flow::LoopEnd => {
                        let f = frames.pop().expect("a loop opens before it closes");
                        let inner = std::mem::replace(&mut body, f.outer);
                        body.push(quote!(loop { #(#inner)* }));
                    }
                    Flow::Copy => {}
                }
                continue;
            }
        }
        if let Call::CarryRows { from, len } = step.call {
            // A band buffer keeps the rows the next band shares: they move to its top. The
            // profile counts the move as its layer's (the layer that owns the buffer).
            let off = plan.offsets[step.output].expect("band buffers are planned");
            let (start, end) = (off + from, off + from + len);
            let carry = quote!(arena.copy_within(#start..#end, #off););
            body.push(profiled(opts.profile_layers.then_some(step.op_index), carry));
            continue;
        }
        let out_t = &graph.tensors[step.output];
        let out_len = out_t.bytes();
        // ASSIGN_VARIABLE writes a variable: its output is a window of the state, and every
        // arena operand is then read straight from the arena.
        let out_state = plan.state_offsets[step.output];
        let out_off = match out_state {
            Some(_) => 0,
            None => plan.offsets[step.output].expect("op outputs are planned"),
        };
        let out_end = out_off + out_len;
        let (mut uses_before, mut uses_after) = (false, false);
        // Variable tensors the step reads and updates: one `&mut` window of the model's state
        // each, split off in offset order so the borrows are disjoint.
        let mut windows: Vec<(usize, usize, Ident)> = Vec::new();
        for op in &step.operands {
            if let Operand::Arena(t) = *op {
                if let Some(off) = plan.state_offsets[t] {
                    let id = format_ident!("state{}", windows.len());
                    windows.push((off, graph.tensors[t].bytes(), id));
                }
            }
        }
        if let Some(off) = out_state {
            windows.push((off, out_len, format_ident!("output")));
        }
        let mut state_split = Vec::new();
        {
            let mut sorted: Vec<&(usize, usize, Ident)> = windows.iter().collect();
            sorted.sort_by_key(|w| w.0);
            let mut at = 0;
            let last = sorted.len().saturating_sub(1);
            for (k, (off, len, id)) in sorted.into_iter().enumerate() {
                let gap = off - at;
                if gap > 0 {
                    state_split.push(quote!(let (_, state) = state.split_at_mut(#gap);));
                }
                let rest = if k == last { quote!(_) } else { quote!(state) };
                state_split.push(quote!(let (#id, #rest) = state.split_at_mut(#len);));
                at = off + len;
            }
        }
        let mut next_window = windows.iter();
        // An in-place step's input is its output's own bytes: the kernel takes the one buffer.
        let own_bytes = |op: &&Operand| step.in_place && matches!(**op, Operand::Arena(t) if plan.offsets[t] == Some(out_off));
        let args: Vec<TokenStream> = step
            .operands
            .iter()
            .filter(|op| !own_bytes(op))
            .map(|op| match *op {
                Operand::Const(t) => {
                    let id = &const_names[&t];
                    quote!(&#id.0)
                }
                Operand::Arena(t) if plan.state_offsets[t].is_some() => {
                    let id = next_window.next().map(|w| w.2.clone()).expect("one window per state operand");
                    quote!(#id)
                }
                Operand::Arena(t) => {
                    let off = plan.offsets[t].expect("arena operands are planned");
                    let len = graph.tensors[t].bytes();
                    let end = off + len;
                    if out_state.is_some() {
                        quote!(&arena[#off..#end])
                    } else if off + len <= out_off {
                        uses_before = true;
                        let end = off + len;
                        quote!(&before[#off..#end])
                    } else {
                        debug_assert!(off >= out_end, "planner never overlaps an op's input and output");
                        uses_after = true;
                        let (s, e) = (off - out_end, off - out_end + len);
                        quote!(&after[#s..#e])
                    }
                }
            })
            .collect();
        let call = match &step.call {
            Call::Params { func, ty, params } => {
                let ty = format_ident!("{}", ty);
                let func = format_ident!("{}", func);
                // Row bands of a patched stage share their params where the rows agree (every
                // band between the first and the last): one constant for all of them.
                let key = format!("{ty} {params}");
                let pname = match same_params.get(&key).filter(|_| step.band.is_some()) {
                    Some(p) => p.clone(),
                    None => {
                        let pname = format_ident!("{}", base);
                        let doc = layer_doc(graph, step, plan);
                        items.push(quote! {
                            #[doc = #doc]
                            const #pname: ::kiln::ops::#ty = #params;
                        });
                        if step.band.is_some() {
                            same_params.insert(key, pname.clone());
                        }
                        pname
                    }
                };
                let main = quote!(::kiln::ops::#func(&#pname, #(#args,)* output););
                if step.variants.is_empty() {
                    main
                } else {
                    // The model's own filter for a variant kernel, compiled in only on its
                    // targets (at most one variant matches a build).
                    // A patched stage's bands read the whole layer's filters, emitted with its first band.
                    let filter_base = match &step.band {
                        Some(_) => variant_filters.entry(step.variants[0].filter).or_insert_with(|| base.clone()).clone(),
                        None => base.clone(),
                    };
                    let ident = |v: &Variant| format_ident!("{}_FILTER_{}", filter_base, v.filter_name);
                    // With the runtime's `std` feature on x86-64 (no VNNI in the build): the VNNI
                    // and SSE2 filters both, and the kernel that picks one at start-up.
                    let by_name = |name: &str| step.variants.iter().find(|v| v.filter_name == name);
                    let dispatch = match (step.x86_dispatch, by_name("GEMM"), by_name("SSE2")) {
                        (Some(func), Some(gemm), Some(sse2)) => Some((format_ident!("{}", func), gemm, sse2)),
                        _ => None,
                    };
                    if filter_base == base {
                        let mut filters = select(&step.variants, main_filter.take().unwrap_or_default(), |v| {
                            weight_static(graph, v.filter, &ident(v), &format!(", for `{}`", v.func), quote!())
                        });
                        if let Some((func, gemm, sse2)) = &dispatch {
                            let both = [gemm, sse2].map(|v| {
                                weight_static(graph, v.filter, &ident(v), &format!(", for `{}` or `{func}`", v.func), quote!())
                            });
                            filters = quote!(::kiln::if_x86_dispatch! { { #(#both)* } else { #filters } });
                        }
                        items.push(filters);
                    }
                    let chosen = select(&step.variants, main, |v| {
                        let mut vargs = args.clone();
                        if let Some(a) = vargs.get_mut(1) {
                            let id = ident(v);
                            *a = quote!(&#id.0);
                        }
                        let vfunc = format_ident!("{}", v.func);
                        let generics = if v.generics.is_empty() { quote!() } else { let g = &v.generics; quote!(::<#g>) };
                        quote!(::kiln::ops::#vfunc #generics(&#pname, #(#vargs,)* output);)
                    });
                    match dispatch {
                        Some((func, gemm, sse2)) => {
                            let (g, s) = (ident(gemm), ident(sse2));
                            let mut dargs = args.clone();
                            if dargs.len() > 1 {
                                dargs[1] = quote!(&#g.0);
                                dargs.insert(2, quote!(&#s.0));
                            }
                            quote!(::kiln::if_x86_dispatch! { { ::kiln::ops::#func(&#pname, #(#dargs,)* output); } else { #chosen } })
                        }
                        None => chosen,
                    }
                }
            }
            Call::Scalars { func, scalars } => {
                let func = format_ident!("{}", func);
                quote!(::kiln::ops::#func(#(#args,)* output, #scalars);)
            }
            Call::Slices { func, params } => {
                let func = format_ident!("{}", func);
                match params {
                    Some((ty, params)) => {
                        let (ty, pname) = (format_ident!("{}", ty), format_ident!("{}", base));
                        let doc = layer_doc(graph, step, plan);
                        items.push(quote! {
                            #[doc = #doc]
                            const #pname: ::kiln::ops::#ty = #params;
                        });
                        quote!(::kiln::ops::#func(&#pname, &[#(#args),*], output);)
                    }
                    None => quote!(::kiln::ops::#func(&[#(#args),*], output);),
                }
            }
            Call::Concat { outer, chunks } => {
                quote!(::kiln::ops::concatenation(#outer, &[#((#args, #chunks)),*], output);)
            }
            Call::Custom { function, inputs, outputs, op } => {
                let pname = format_ident!("{}", base);
                let doc = layer_doc(graph, step, plan);
                items.push(quote! {
                    #[doc = #doc]
                    const #pname: ::kiln::custom::Op<#inputs, #outputs> = #op;
                });
                quote!(::kiln::custom::call(&#pname, [#(&(#args)[..]),*], output, #function);)
            }
            Call::Flow(_) => {
                let src = args.first().cloned().unwrap_or_default();
                quote!(::kiln::ops::copy_tensor(#src, output);)
            }
            Call::Alias | Call::CarryRows { .. } => unreachable!(),
        };
        let b = if uses_before { quote!(before) } else { quote!(_) };
        let a = if uses_after { quote!(after) } else { quote!(_) };
        // The block with its output at `at` instead of a literal offset, for a loop over bands.
        let template = (band_call && out_state.is_none()).then(|| {
            quote! {
                {
                    let (#b, output, #a) = ::kiln::split_arena(arena, at, #out_len);
                    #call
                }
            }
        });
        let layer = if out_state.is_some() {
            quote! {
                {
                    #(#state_split)*
                    #call
                }
            }
        } else {
            quote! {
                {
                    let (#b, output, #a) = ::kiln::split_arena(arena, #out_off, #out_len);
                    #(#state_split)*
                    #call
                }
            }
        };
        let index = step.op_index;
        let profile = opts.profile_layers.then_some(index);
        let marked = |layer: TokenStream| profiled(profile, layer);
        match template {
            Some(template) => {
                let key = format!("{index} {template}");
                match &mut run {
                    Some(r) if r.key == key && r.end == body.len() => r.offsets.push(out_off),
                    _ => {
                        finish_bands(&mut run, &mut body);
                        run = Some(BandRun { key, template, profile, offsets: vec![out_off], end: 0 });
                    }
                }
                body.push(marked(layer));
                if let Some(r) = &mut run {
                    r.end = body.len();
                }
            }
            None => body.push(marked(layer)),
        }
    }
    finish_bands(&mut run, &mut body);

    // Typed API: every input and output is a view into the arena (`input_mut`, `output`), or,
    // for bool (not every byte is a bool), a copy in or out (`set_input`, `output` by value).
    // Each has an `_in` twin over a caller-owned arena. Multi-byte views exist on
    // little-endian targets only: the arena holds little-endian elements.
    // Per tensor: the method on the model (`[0]`) and its `_in` twin (`[1]`); inputs and
    // outputs apart, so the impl reads new, inputs, invoke, outputs, run.
    let (mut in_fns, mut out_fns): ([Vec<TokenStream>; 2], [Vec<TokenStream>; 2]) = Default::default();
    let mut run_ins = Vec::new();
    let mut run_little_endian = false;
    for (io, is_input) in inputs.iter().map(|i| (i, true)).chain(outputs.iter().map(|o| (o, false))) {
        let (ty, len, start) = (&io.ty, io.len, io.offset);
        let end = start + io.tensor.bytes();
        let multi_byte = io.tensor.dtype.size().unwrap_or(1) > 1;
        run_little_endian |= multi_byte;
        let cfg = if multi_byte { quote!(#[cfg(target_endian = "little")]) } else { quote!() };
        let what = format!("`{}` {:?} {}", io.tensor.name, io.tensor.shape, io.tensor.dtype.name());
        let n = &io.name;
        let copy = io.tensor.dtype == DType::Bool;
        if is_input && !copy {
            let (f, f_in) = (format_ident!("{}_mut", n), format_ident!("{}_in", n));
            let doc = format!(
                " Input {what}, in place in the arena: write it, then `invoke`. Write it before every \
                 inference: once no layer needs it, the arena reuses its bytes."
            );
            let doc_in = format!(" `{f}` in a caller-owned arena.");
            in_fns[0].push(quote! {
                #[doc = #doc]
                #cfg
                pub fn #f(&mut self) -> &mut [#ty; #len] {
                    Self::#f_in(&mut self.arena)
                }
            });
            in_fns[1].push(quote! {
                #[doc = #doc_in]
                #cfg
                pub fn #f_in<const N: usize>(arena: &mut ::kiln::Aligned<[u8; N]>) -> &mut [#ty; #len] {
                    ::kiln::view_mut(arena.prefix_mut::<{ Self::ARENA_BYTES }>(), #start)
                }
            });
            run_ins.push(quote!(*self.#f() = *#n;));
        } else if is_input {
            let (f, f_in) = (format_ident!("set_{}", n), format_ident!("set_{}_in", n));
            let doc = format!(
                " Writes input {what} into the arena (a copy: a bool view could see bytes that are \
                 not bools). Write it before every inference: the arena reuses its bytes."
            );
            let doc_in = format!(" `{f}` in a caller-owned arena.");
            in_fns[0].push(quote! {
                #[doc = #doc]
                pub fn #f(&mut self, #n: &[bool; #len]) {
                    Self::#f_in(&mut self.arena, #n);
                }
            });
            in_fns[1].push(quote! {
                #[doc = #doc_in]
                pub fn #f_in<const N: usize>(arena: &mut ::kiln::Aligned<[u8; N]>, #n: &[bool; #len]) {
                    ::kiln::Element::store(#n, &mut arena.prefix_mut::<{ Self::ARENA_BYTES }>()[#start..#end]);
                }
            });
            run_ins.push(quote!(self.#f(#n);));
        } else if !copy {
            let f_in = format_ident!("{}_in", n);
            let doc = format!(" Output {what}, in place in the arena: valid after `invoke` until an input is written.");
            let doc_in = format!(" `{n}` in a caller-owned arena.");
            out_fns[0].push(quote! {
                #[doc = #doc]
                #cfg
                pub fn #n(&self) -> &[#ty; #len] {
                    Self::#f_in(&self.arena)
                }
            });
            out_fns[1].push(quote! {
                #[doc = #doc_in]
                #cfg
                pub fn #f_in<const N: usize>(arena: &::kiln::Aligned<[u8; N]>) -> &[#ty; #len] {
                    ::kiln::view(arena.prefix::<{ Self::ARENA_BYTES }>(), #start)
                }
            });
        } else {
            let f_in = format_ident!("{}_in", n);
            let doc = format!(" Output {what}, copied out of the arena (bytes other than 0 read as `true`); valid after `invoke`.");
            let doc_in = format!(" `{n}` in a caller-owned arena.");
            out_fns[0].push(quote! {
                #[doc = #doc]
                pub fn #n(&self) -> [bool; #len] {
                    Self::#f_in(&self.arena)
                }
            });
            out_fns[1].push(quote! {
                #[doc = #doc_in]
                pub fn #f_in<const N: usize>(arena: &::kiln::Aligned<[u8; N]>) -> [bool; #len] {
                    let mut #n = [false; #len];
                    ::kiln::Element::load(&arena.prefix::<{ Self::ARENA_BYTES }>()[#start..#end], &mut #n);
                    #n
                }
            });
        }
    }
    let ([in_methods, in_arena_fns], [out_methods, out_arena_fns]) = (in_fns, out_fns);
    let in_params: Vec<TokenStream> = inputs.iter().map(|io| {
        let (n, ty, len) = (&io.name, &io.ty, io.len);
        quote!(#n: &[#ty; #len])
    }).collect();
    let out_ty = |io: &Io<'_>| {
        let (ty, len) = (&io.ty, io.len);
        if io.tensor.dtype == DType::Bool { quote!([bool; #len]) } else { quote!(&[#ty; #len]) }
    };
    let out_names: Vec<&Ident> = outputs.iter().map(|io| &io.name).collect();
    let (run_ret, run_val) = if outputs.len() == 1 {
        let n = &outputs[0].name;
        (out_ty(&outputs[0]), quote!(self.#n()))
    } else {
        let tys = outputs.iter().map(out_ty);
        (quote!((#(#tys),*)), quote!((#(self.#out_names()),*)))
    };
    let run_cfg = if run_little_endian { quote!(#[cfg(target_endian = "little")]) } else { quote!() };
    let bytes_in: Vec<TokenStream> = inputs.iter().enumerate().map(|(i, io)| {
        let (start, end) = (io.offset, io.offset + io.tensor.bytes());
        quote!(#i => Some(&mut self.arena.0[#start..#end]),)
    }).collect();
    let bytes_out: Vec<TokenStream> = outputs.iter().enumerate().map(|(i, io)| {
        let (start, end) = (io.offset, io.offset + io.tensor.bytes());
        quote!(#i => Some(&self.arena.0[#start..#end]),)
    }).collect();
    let mut consts = Vec::new();
    let mut helpers = Vec::new();
    for (io, is_input) in inputs.iter().map(|i| (i, true)).chain(outputs.iter().map(|o| (o, false))) {
        let shape_id = format_ident!("{}_SHAPE", io.upper);
        let rank = io.tensor.shape.len();
        let shape = &io.tensor.shape;
        let what = if is_input { "input" } else { "output" };
        let doc = format!(" Shape of {what} `{}` ({}).", io.tensor.name, io.tensor.dtype.name());
        consts.push(quote!(#[doc = #doc] pub const #shape_id: [usize; #rank] = [#(#shape),*];));
        // Quantized boundary tensors get real-value helpers: int8 and int16 (int16x8 models).
        let helper_fns = match io.tensor.dtype {
            DType::I8 => Some((quote!(i8), quote!(::kiln::quantize_s8), quote!(::kiln::dequantize_s8))),
            DType::I16 => Some((quote!(i16), quote!(::kiln::ops::quantize_s16), quote!(::kiln::ops::dequantize_s16))),
            _ => None,
        };
        let (Some(q), Some((elem, quantize_fn, dequantize_fn))) =
            (io.tensor.quant.as_ref().filter(|q| !q.is_per_channel()), helper_fns)
        else {
            continue;
        };
        let (scale, zp) = (q.scales[0], q.zero_points[0] as i32);
        let scale_id = format_ident!("{}_SCALE", io.upper);
        let zp_id = format_ident!("{}_ZERO_POINT", io.upper);
        consts.push(quote! {
            pub const #scale_id: f32 = #scale;
            pub const #zp_id: i32 = #zp;
        });
        let len = io.len;
        if is_input {
            let f = format_ident!("quantize_{}", io.name);
            let doc = format!(" Quantizes real values for `{}` the way TFLM's QUANTIZE does.", io.tensor.name);
            helpers.push(quote! {
                #[doc = #doc]
                pub fn #f(real: &[f32; #len]) -> [#elem; #len] {
                    let mut q = [0; #len];
                    for (q, &x) in q.iter_mut().zip(real) {
                        *q = #quantize_fn(x, Self::#scale_id, Self::#zp_id);
                    }
                    q
                }
            });
        } else {
            let f = format_ident!("dequantize_{}", io.name);
            let doc = format!(" Real values of `{}` (TFLM's DEQUANTIZE).", io.tensor.name);
            helpers.push(quote! {
                #[doc = #doc]
                pub fn #f(q: &[#elem; #len]) -> [f32; #len] {
                    let mut real = [0f32; #len];
                    for (r, &x) in real.iter_mut().zip(q) {
                        *r = #dequantize_fn(x, Self::#scale_id, Self::#zp_id);
                    }
                    real
                }
            });
        }
    }

    let input_infos: Vec<TokenStream> = inputs.iter().map(tensor_info).collect();
    let output_infos: Vec<TokenStream> = outputs.iter().map(tensor_info).collect();

    let mut invoke_docs = vec![" Runs every layer in order over the arena:".to_string(), String::new()];
    invoke_docs.extend(steps.iter().map(|s| format!(" - {}", layer_doc(graph, s, plan).trim_start())));
    if !graph.folded_ops.is_empty() {
        let ops: Vec<String> = graph.folded_ops.iter().map(|(i, n)| format!("#{i} {n}")).collect();
        invoke_docs.push(String::new());
        invoke_docs.push(format!(" Folded at compile time (shape arithmetic, no code): {}.", ops.join(", ")));
    }
    let n_ops = graph.ops.len();
    let module_doc = format!(
        " kiln model compiled from `{}`: {n_ops} ops, {macs} MACs, {weight_bytes} weight bytes, \
         a {arena_bytes}-byte arena (liveness lower bound {lower_bound}).",
        opts.source
    );
    let struct_doc = format!(
        " Compiled from `{}`: one arena that holds the inputs and outputs in place (write the \
         input, `invoke`, read the output: no copies), and `invoke` is straight-line code over \
         it: no interpreter, no allocation.",
        opts.source
    );
    let track = opts.track_path.map(|p| quote!(const _: &[u8] = include_bytes!(#p);));

    // State (variable tensors): a second buffer owned by the model, which `run` carries from
    // one inference to the next. Stateless models get none of this.
    let (state_field, state_consts, state_init, reset, state_arg, state_param, state_pass, model_state);
    let (new_doc, run_doc, invoke_doc, invoke_in_doc);
    if stateful {
        let state_bytes = plan.state_size;
        let mut initial = vec![0u8; state_bytes];
        let mut state_list = Vec::new();
        for (t, off) in plan.state_offsets.iter().enumerate() {
            let (Some(off), x) = (*off, &graph.tensors[t]) else { continue };
            if !x.is_variable {
                continue; // an alias of a variable: its bytes are the variable's
            }
            // A resource variable starts as the constant its CALL_ONCE subgraph assigns. Other
            // variables as TFLM's ResetVariableTensors leaves them: every byte the zero point
            // for int8, 0 otherwise (the reader drops any buffer the file gives them).
            let fill = match (&x.dtype, &x.quant) {
                (DType::I8, Some(q)) => q.zero_points.first().map_or(0, |&z| z as u8),
                _ => 0,
            };
            let starts = match (x.data.as_deref(), initial.get_mut(off..off + x.bytes())) {
                (Some(d), Some(dst)) if d.len() == dst.len() => {
                    dst.copy_from_slice(d);
                    "its initial value (what a CALL_ONCE subgraph assigns, or a signal op's Prepare)".to_string()
                }
                (_, Some(dst)) => {
                    dst.fill(fill);
                    if fill == 0 { "zeros".to_string() } else { format!("the zero point {}", fill as i8) }
                }
                (_, None) => String::new(),
            };
            state_list.push(format!(" - `{}..{}`: {} {:?} {}, starts as {starts}", off, off + x.bytes(), x.label(), x.shape, x.dtype.name()));
        }
        let init_value = if let Some(&v) = initial.first().filter(|&&v| initial.iter().all(|&b| b == v)) {
            quote!([#v; #state_bytes])
        } else {
            let lit = Literal::byte_string(&initial);
            quote!(*#lit)
        };
        let mut docs = vec![
            " Bytes of state: the variable tensors, which persist from one inference to the next.".to_string(),
            String::new(),
        ];
        docs.extend(state_list);
        state_consts = quote! {
            #(#[doc = #docs])*
            pub const STATE_BYTES: usize = #state_bytes;
            /// The state of a fresh model, as TFLM starts it (see `STATE_BYTES`).
            pub const INITIAL_STATE: [u8; #state_bytes] = #init_value;
        };
        state_field = quote!(state: [u8; #name::STATE_BYTES],);
        state_init = quote!(state: Self::INITIAL_STATE,);
        reset = quote! {
            /// Restores the initial state, as if the model had just been created: the next
            /// inference starts a new sequence.
            pub fn reset(&mut self) {
                self.state = Self::INITIAL_STATE;
            }
        };
        state_arg = quote!(&mut self.state,);
        model_state = quote! {
            const STATE_BYTES: usize = #state_bytes;

            fn reset(&mut self) {
                self.state = Self::INITIAL_STATE;
            }
        };
        state_param = quote!(state: &mut [u8; Self::STATE_BYTES]);
        state_pass = quote!(state);
        new_doc = quote!(#[doc = " A model with a zeroed arena and the initial state; `const`, so it can live in a `static`."]);
        run_doc = quote!(#[doc = " One inference: copies the inputs into the arena, `invoke`s, returns the outputs in place."]);
        invoke_doc = quote!(#[doc = " Runs one inference over the inputs in the arena, advancing the state: outputs depend on every input since `new` or `reset`."]);
        invoke_in_doc = quote!(#[doc = " `invoke` in a caller-owned arena (`N >= ARENA_BYTES`; models may take turns in one) with a caller-kept state (start it from `INITIAL_STATE`)."]);
    } else {
        model_state = quote!();
        state_field = quote!();
        state_consts = quote!();
        state_init = quote!();
        reset = quote!();
        state_arg = quote!();
        state_param = quote!();
        state_pass = quote!();
        new_doc = quote!(#[doc = " A model with a zeroed arena; `const`, so it can live in a `static`."]);
        run_doc = quote!(#[doc = " One inference: copies the inputs into the arena, `invoke`s, returns the outputs in place."]);
        invoke_doc = quote!(#[doc = " Runs one inference over the inputs in the arena."]);
        invoke_in_doc = quote!(#[doc = " `invoke` in a caller-owned arena (`N >= ARENA_BYTES`; models may take turns in one)."]);
    }

    unsuffix(quote! {
        #[doc = #module_doc]
        #[allow(clippy::all, clippy::pedantic, non_upper_case_globals, dead_code)]
        mod #module {
            #track

            #[doc = #struct_doc]
            pub struct #name {
                arena: ::kiln::Aligned<[u8; #name::ARENA_BYTES]>,
                #state_field
            }

            impl #name {
                /// Bytes of the one arena the model runs in (inputs and outputs included).
                pub const ARENA_BYTES: usize = #arena_bytes;
                /// The most bytes alive at any one step of this schedule: no placement of its tensors is
                /// smaller (a different schedule can be: `max_arena_bytes` streams the first layers).
                pub const ARENA_LOWER_BOUND: usize = #lower_bound;
                /// Multiply-accumulates of one inference.
                pub const MACS: u64 = #macs;
                /// Bytes of constant weight data (flash).
                pub const WEIGHT_BYTES: usize = #weight_bytes;
                #state_consts
                #(#consts)*

                #new_doc
                pub const fn new() -> Self {
                    Self { arena: ::kiln::Aligned([0; Self::ARENA_BYTES]), #state_init }
                }

                #reset

                #(#in_methods)*

                #invoke_doc
                pub fn invoke(&mut self) {
                    Self::invoke_in(&mut self.arena, #state_arg);
                }

                #(#out_methods)*

                #run_doc
                #run_cfg
                pub fn run(&mut self, #(#in_params),*) -> #run_ret {
                    #(#run_ins)*
                    self.invoke();
                    #run_val
                }

                #(#helpers)*

                #(#in_arena_fns)*

                #invoke_in_doc
                ///
                #(#[doc = #invoke_docs])*
                pub fn invoke_in<const N: usize>(arena: &mut ::kiln::Aligned<[u8; N]>, #state_param) {
                    Self::layers(arena.prefix_mut(), #state_pass);
                }

                /// The layers, compiled once whatever arena sizes `invoke_in` is called with.
                fn layers(arena: &mut [u8; Self::ARENA_BYTES], #state_param) {
                    #(#body)*
                }

                #(#out_arena_fns)*
            }

            impl Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }

            impl ::kiln::Model for #name {
                const INPUTS: &'static [::kiln::TensorInfo] = &[#(#input_infos),*];
                const OUTPUTS: &'static [::kiln::TensorInfo] = &[#(#output_infos),*];
                const ARENA_BYTES: usize = #arena_bytes;
                const MACS: u64 = #macs;
                #model_state

                fn input_bytes_mut(&mut self, index: usize) -> Option<&mut [u8]> {
                    match index {
                        #(#bytes_in)*
                        _ => None,
                    }
                }

                fn invoke(&mut self) {
                    Self::invoke(self);
                }

                fn output_bytes(&self, index: usize) -> Option<&[u8]> {
                    match index {
                        #(#bytes_out)*
                        _ => None,
                    }
                }
            }

            #(#items)*
        }
        pub use #module::#name;
    })
}

fn layer_doc(graph: &Graph, step: &Step, plan: &ArenaPlan) -> String {
    // IF/WHILE block markers have no data flow to show: the summary says what they are.
    if matches!(step.call, Call::Flow(f) if f != Flow::Copy) {
        return format!(" op #{} {}: {}", step.op_index, step.op_name, step.summary);
    }
    let shapes = |ts: &mut dyn Iterator<Item = usize>| {
        ts.map(|t| {
            let x = &graph.tensors[t];
            match (plan.offsets[t], plan.state_offsets[t]) {
                (Some(off), _) => format!("{:?} {} @{off}", x.shape, x.dtype.name()),
                (None, Some(off)) => format!("{:?} {} state @{off}", x.shape, x.dtype.name()),
                (None, None) => format!("{:?} {}", x.shape, x.dtype.name()),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
    };
    let ins = shapes(&mut step.operands.iter().filter_map(|o| match o {
        Operand::Arena(t) => Some(*t),
        Operand::Const(_) => None,
    }));
    let out = shapes(&mut std::iter::once(step.output));
    let note = if matches!(step.call, Call::Alias) { " (no code: the output shares the input's arena bytes)".to_string() } else { String::new() };
    let note = match &step.band {
        Some(b) => format!("{note}; band {} of {}: output rows {}..{}", b.index + 1, b.count, b.rows[0], b.rows[1]),
        None => note,
    };
    format!(" op #{} {}: {ins} → {out}; {}; {} MACs{note}", step.op_index, step.op_name, step.summary, step.macs)
}

/// Drops type suffixes from numeric literals (`16usize` → `16`): every literal kiln emits sits
/// where its type is already fixed, and the output should read like hand-written Rust.
pub fn unsuffix(tokens: TokenStream) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    const SUFFIXES: [&str; 12] = ["usize", "isize", "u64", "i64", "u32", "i32", "u16", "i16", "u8", "i8", "f32", "f64"];
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => {
                let mut n = Group::new(g.delimiter(), unsuffix(g.stream()));
                n.set_span(g.span());
                TokenTree::Group(n)
            }
            TokenTree::Literal(lit) => {
                let s = lit.to_string();
                let numeric = s.trim_start_matches('-').starts_with(|c: char| c.is_ascii_digit());
                match SUFFIXES.iter().find(|suf| numeric && s.ends_with(*suf)) {
                    Some(suf) => {
                        let mut body = s[..s.len() - suf.len()].to_string();
                        if suf.starts_with('f') && !body.contains(['.', 'e', 'E']) {
                            body.push_str(".0");
                        }
                        match body.parse::<TokenStream>() {
                            Ok(ts) => ts.into_iter().next().unwrap_or(TokenTree::Literal(lit)),
                            Err(_) => TokenTree::Literal(lit),
                        }
                    }
                    None => TokenTree::Literal(lit),
                }
            }
            other => other,
        })
        .collect()
}

/// Consecutive row bands of one layer whose blocks differ only in their output offset
/// (`template` has `at` in its place), the last of them `body[end - 1]`; `profile`: the op
/// index of the markers around them (one region for the loop, as the per-layer report counts
/// one per `layer_begin` in the source).
struct BandRun {
    key: String,
    template: TokenStream,
    profile: Option<usize>,
    offsets: Vec<usize>,
    end: usize,
}

/// Replaces a run's blocks at the end of `body` by one loop over its offsets when there are
/// several, evenly spaced (bands of one height, top to bottom or bottom to top); otherwise
/// leaves them.
fn finish_bands(run: &mut Option<BandRun>, body: &mut Vec<TokenStream>) {
    let Some(r) = run.take() else { return };
    let n = r.offsets.len();
    let first = r.offsets[0];
    let second = r.offsets.get(1).copied().unwrap_or(first);
    let (down, stride) = (second < first, second.abs_diff(first));
    let at_band = |i: usize| i.checked_mul(stride).and_then(|d| if down { first.checked_sub(d) } else { first.checked_add(d) });
    let even = r.offsets.iter().enumerate().all(|(i, &o)| at_band(i) == Some(o));
    if n < 2 || stride == 0 || !even || r.end != body.len() {
        return;
    }
    body.truncate(body.len() - n);
    let stride = Literal::usize_unsuffixed(stride);
    let at = match (first, down) {
        (0, _) => quote!(band * #stride),
        (_, false) => {
            let first = Literal::usize_unsuffixed(first);
            quote!(#first + band * #stride)
        }
        (_, true) => {
            let first = Literal::usize_unsuffixed(first);
            quote!(#first - band * #stride)
        }
    };
    let (n, template) = (Literal::usize_unsuffixed(n), r.template);
    let bands = quote! {
        for band in 0..#n {
            let at = #at;
            #template
        }
    };
    body.push(profiled(r.profile, bands));
}

/// `layer` between the profile markers of op `index` (none without one): the markers stand
/// outside the layer's block, so the arena split and the kernel call are the layer.
fn profiled(index: Option<usize>, layer: TokenStream) -> TokenStream {
    match index {
        Some(index) => quote! {
            ::kiln::profile::layer_begin(#index);
            #layer
            ::kiln::profile::layer_end(#index);
        },
        None => layer,
    }
}

#[cfg(test)]
mod band_tests {
    use super::*;

    fn run(offsets: &[usize], body: &mut Vec<TokenStream>) -> Option<BandRun> {
        for &o in offsets {
            body.push(quote!({ let (_, output, _) = ::kiln::split_arena(arena, #o, 8); f(output); }));
        }
        let template = quote!({ let (_, output, _) = ::kiln::split_arena(arena, at, 8); f(output); });
        Some(BandRun { key: template.to_string(), template, profile: None, offsets: offsets.to_vec(), end: body.len() })
    }

    /// Evenly spaced bands (up or down) become one loop whose `at` walks their offsets; a lone
    /// band, uneven offsets, or a run followed by other code stay as they are.
    #[test]
    fn evenly_spaced_bands_become_one_loop() {
        let mut body = vec![quote!(before();)];
        let mut r = run(&[16, 24, 32], &mut body);
        finish_bands(&mut r, &mut body);
        assert!(r.is_none());
        assert_eq!(body.len(), 2);
        let text = body[1].to_string();
        assert!(text.starts_with("for band in 0 .. 3 { let at = 16 + band * 8 ;"), "{text}");
        assert!(text.contains("split_arena (arena , at , 8)"), "{text}");

        let mut body = Vec::new();
        let mut r = run(&[0, 8], &mut body);
        finish_bands(&mut r, &mut body);
        assert!(body[0].to_string().contains("let at = band * 8 ;"), "{}", body[0]);

        // Bottom to top (in-place bands whose output sits above their input).
        let mut body = Vec::new();
        let mut r = run(&[40, 32, 24], &mut body);
        finish_bands(&mut r, &mut body);
        assert_eq!(body.len(), 1);
        assert!(body[0].to_string().contains("let at = 40 - band * 8 ;"), "{}", body[0]);

        for offsets in [&[16][..], &[0, 8, 24], &[24, 16, 0], &[8, 16, 8]] {
            let mut body = Vec::new();
            let mut r = run(offsets, &mut body);
            finish_bands(&mut r, &mut body);
            assert_eq!(body.len(), offsets.len(), "{offsets:?}");
        }
        let mut body = Vec::new();
        let mut r = run(&[0, 8, 16], &mut body);
        body.push(quote!(after();));
        finish_bands(&mut r, &mut body);
        assert_eq!(body.len(), 4);

        // Profiled: one marker pair around the loop, so the layer is one counted region.
        let mut body = Vec::new();
        let mut r = run(&[0, 8, 16], &mut body);
        if let Some(r) = &mut r {
            r.profile = Some(3);
        }
        finish_bands(&mut r, &mut body);
        let text = body[0].to_string();
        assert!(text.starts_with(":: kiln :: profile :: layer_begin (3usize) ; for band in 0 .. 3"), "{text}");
        assert!(text.ends_with(":: kiln :: profile :: layer_end (3usize) ;"), "{text}");
    }
}
