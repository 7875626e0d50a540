//! An editable copy of the parts of a `.tflite` model kiln reads: decode a real model, change
//! one thing, encode it again. Used to make the broken fixtures (`broken_fixtures.rs`) and, via
//! `#[path]`, by the fuzzer's structure-aware mutator (`codegen/fuzz/`), so both break models
//! the way a faulty converter or a corrupted download would, field by field.
//!
//! Everything kiln does not read (metadata, signature defs, sparsity, custom options) is dropped.
#![allow(dead_code)]

use flatbuffers::FlatBufferBuilder;
use kiln_codegen::schema as fb;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    pub version: u32,
    pub codes: Vec<Code>,
    /// `None`: no `data` vector (the usual empty buffer #0).
    pub buffers: Vec<Option<Vec<u8>>>,
    pub subgraphs: Vec<Subgraph>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Code {
    pub deprecated: i8,
    pub builtin: i32,
    pub custom: Option<String>,
    pub version: i32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Subgraph {
    pub tensors: Vec<Tensor>,
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
    pub ops: Vec<Op>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tensor {
    pub shape: Option<Vec<i32>>,
    pub signature: Option<Vec<i32>>,
    pub dtype: i8,
    pub buffer: u32,
    pub name: Option<String>,
    pub quant: Option<Quant>,
    pub is_variable: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Quant {
    pub scale: Option<Vec<f32>>,
    pub zero_point: Option<Vec<i64>>,
    pub axis: i32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Op {
    pub opcode: u32,
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
    pub options: Options,
}

/// The builtin options kiln decodes; `Tag` is any other union type (its fields are dropped).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Options {
    #[default]
    None,
    Conv { padding: i8, stride: [i32; 2], dilation: [i32; 2], act: i8 },
    Depthwise { padding: i8, stride: [i32; 2], dilation: [i32; 2], multiplier: i32, act: i8 },
    Pool { padding: i8, stride: [i32; 2], filter: [i32; 2], act: i8 },
    FullyConnected { act: i8, keep_num_dims: bool, weights_format: i8 },
    Softmax { beta: f32 },
    Add { act: i8 },
    Concat { axis: i32, act: i8 },
    Reducer { keep_dims: bool },
    Tag(u8),
}

impl Model {
    /// Decodes a verified model; `None` if the bytes do not verify.
    pub fn decode(bytes: &[u8]) -> Option<Model> {
        // Names that are not UTF-8 (the zoo's latin1_tensor_names) decode with `?` for each
        // non-ASCII byte, as kiln's reader reads them.
        let mut repaired = bytes.to_vec();
        while let Err(flatbuffers::InvalidFlatbuffer::Utf8Error { range, .. }) = fb::root_as_model(&repaired) {
            repaired[range].iter_mut().filter(|b| !b.is_ascii()).for_each(|b| *b = b'?');
        }
        let m = fb::root_as_model(&repaired).ok()?;
        let codes = m
            .operator_codes()
            .map(|v| {
                v.iter()
                    .map(|c| Code {
                        deprecated: c.deprecated_builtin_code(),
                        builtin: c.builtin_code().0,
                        custom: c.custom_code().map(str::to_string),
                        version: c.version(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let buffers = m
            .buffers()
            .map(|v| v.iter().map(|b| b.data().map(|d| d.bytes().to_vec())).collect())
            .unwrap_or_default();
        let subgraphs = m
            .subgraphs()
            .map(|v| {
                v.iter()
                    .map(|sg| Subgraph {
                        tensors: sg
                            .tensors()
                            .map(|ts| {
                                ts.iter()
                                    .map(|t| Tensor {
                                        shape: t.shape().map(|s| s.iter().collect()),
                                        signature: t.shape_signature().map(|s| s.iter().collect()),
                                        dtype: t.type_().0,
                                        buffer: t.buffer(),
                                        name: t.name().map(str::to_string),
                                        quant: t.quantization().map(|q| Quant {
                                            scale: q.scale().map(|s| s.iter().collect()),
                                            zero_point: q.zero_point().map(|s| s.iter().collect()),
                                            axis: q.quantized_dimension(),
                                        }),
                                        is_variable: t.is_variable(),
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                        inputs: sg.inputs().map(|v| v.iter().collect()).unwrap_or_default(),
                        outputs: sg.outputs().map(|v| v.iter().collect()).unwrap_or_default(),
                        ops: sg
                            .operators()
                            .map(|os| os.iter().map(|o| decode_op(&o)).collect())
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Model { version: m.version(), codes, buffers, subgraphs })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut b = FlatBufferBuilder::new();
        let buffers: Vec<_> = self
            .buffers
            .iter()
            .map(|d| {
                let data = d.as_ref().map(|d| b.create_vector(d));
                fb::Buffer::create(&mut b, &fb::BufferArgs { data })
            })
            .collect();
        let codes: Vec<_> = self
            .codes
            .iter()
            .map(|c| {
                let custom_code = c.custom.as_ref().map(|s| b.create_string(s));
                fb::OperatorCode::create(
                    &mut b,
                    &fb::OperatorCodeArgs {
                        deprecated_builtin_code: c.deprecated,
                        custom_code,
                        version: c.version,
                        builtin_code: fb::BuiltinOperator(c.builtin),
                    },
                )
            })
            .collect();
        let mut subgraphs = Vec::new();
        for sg in &self.subgraphs {
            let mut tensors = Vec::new();
            for t in &sg.tensors {
                let shape = t.shape.as_ref().map(|s| b.create_vector(s));
                let shape_signature = t.signature.as_ref().map(|s| b.create_vector(s));
                let name = t.name.as_ref().map(|s| b.create_string(s));
                let quantization = t.quant.as_ref().map(|q| {
                    let scale = q.scale.as_ref().map(|s| b.create_vector(s));
                    let zero_point = q.zero_point.as_ref().map(|s| b.create_vector(s));
                    fb::QuantizationParameters::create(
                        &mut b,
                        &fb::QuantizationParametersArgs {
                            scale,
                            zero_point,
                            quantized_dimension: q.axis,
                            ..Default::default()
                        },
                    )
                });
                tensors.push(fb::Tensor::create(
                    &mut b,
                    &fb::TensorArgs {
                        shape,
                        shape_signature,
                        type_: fb::TensorType(t.dtype),
                        buffer: t.buffer,
                        name,
                        quantization,
                        is_variable: t.is_variable,
                        ..Default::default()
                    },
                ));
            }
            let mut ops = Vec::new();
            for o in &sg.ops {
                let inputs = b.create_vector(&o.inputs);
                let outputs = b.create_vector(&o.outputs);
                let (builtin_options_type, builtin_options) = encode_options(&mut b, &o.options);
                ops.push(fb::Operator::create(
                    &mut b,
                    &fb::OperatorArgs {
                        opcode_index: o.opcode,
                        inputs: Some(inputs),
                        outputs: Some(outputs),
                        builtin_options_type,
                        builtin_options,
                        ..Default::default()
                    },
                ));
            }
            let tensors = b.create_vector(&tensors);
            let operators = b.create_vector(&ops);
            let inputs = b.create_vector(&sg.inputs);
            let outputs = b.create_vector(&sg.outputs);
            subgraphs.push(fb::SubGraph::create(
                &mut b,
                &fb::SubGraphArgs {
                    tensors: Some(tensors),
                    inputs: Some(inputs),
                    outputs: Some(outputs),
                    operators: Some(operators),
                    name: None,
                },
            ));
        }
        let subgraphs = b.create_vector(&subgraphs);
        let codes = b.create_vector(&codes);
        let buffers = b.create_vector(&buffers);
        let model = fb::Model::create(
            &mut b,
            &fb::ModelArgs {
                version: self.version,
                operator_codes: Some(codes),
                subgraphs: Some(subgraphs),
                buffers: Some(buffers),
                ..Default::default()
            },
        );
        fb::finish_model_buffer(&mut b, model);
        b.finished_data().to_vec()
    }

    /// The first subgraph (every zoo model has exactly one).
    pub fn sg(&mut self) -> &mut Subgraph {
        &mut self.subgraphs[0]
    }

    /// Index of the first op whose builtin code is `code`.
    pub fn find_op(&self, code: fb::BuiltinOperator) -> Option<usize> {
        self.subgraphs[0].ops.iter().position(|o| {
            self.codes.get(o.opcode as usize).is_some_and(|c| c.builtin.max(c.deprecated as i32) == code.0)
        })
    }

    /// Adds (or reuses) an operator code and returns its index.
    pub fn code(&mut self, builtin: i32, custom: Option<&str>) -> u32 {
        let c = Code {
            deprecated: builtin.min(127) as i8,
            builtin,
            custom: custom.map(str::to_string),
            version: 1,
        };
        if let Some(i) = self.codes.iter().position(|x| *x == c) {
            return i as u32;
        }
        self.codes.push(c);
        self.codes.len() as u32 - 1
    }
}

fn decode_op(o: &fb::Operator<'_>) -> Op {
    use fb::BuiltinOptions as B;
    let t = o.builtin_options_type();
    let options = match t {
        B::NONE => Options::None,
        B::Conv2DOptions => match o.builtin_options_as_conv_2_doptions() {
            Some(c) => Options::Conv {
                padding: c.padding().0,
                stride: [c.stride_h(), c.stride_w()],
                dilation: [c.dilation_h_factor(), c.dilation_w_factor()],
                act: c.fused_activation_function().0,
            },
            None => Options::Tag(t.0),
        },
        B::DepthwiseConv2DOptions => match o.builtin_options_as_depthwise_conv_2_doptions() {
            Some(c) => Options::Depthwise {
                padding: c.padding().0,
                stride: [c.stride_h(), c.stride_w()],
                dilation: [c.dilation_h_factor(), c.dilation_w_factor()],
                multiplier: c.depth_multiplier(),
                act: c.fused_activation_function().0,
            },
            None => Options::Tag(t.0),
        },
        B::Pool2DOptions => match o.builtin_options_as_pool_2_doptions() {
            Some(c) => Options::Pool {
                padding: c.padding().0,
                stride: [c.stride_h(), c.stride_w()],
                filter: [c.filter_height(), c.filter_width()],
                act: c.fused_activation_function().0,
            },
            None => Options::Tag(t.0),
        },
        B::FullyConnectedOptions => match o.builtin_options_as_fully_connected_options() {
            Some(c) => Options::FullyConnected {
                act: c.fused_activation_function().0,
                keep_num_dims: c.keep_num_dims(),
                weights_format: c.weights_format().0,
            },
            None => Options::Tag(t.0),
        },
        B::SoftmaxOptions => match o.builtin_options_as_softmax_options() {
            Some(c) => Options::Softmax { beta: c.beta() },
            None => Options::Tag(t.0),
        },
        B::AddOptions => match o.builtin_options_as_add_options() {
            Some(c) => Options::Add { act: c.fused_activation_function().0 },
            None => Options::Tag(t.0),
        },
        B::ConcatenationOptions => match o.builtin_options_as_concatenation_options() {
            Some(c) => Options::Concat { axis: c.axis(), act: c.fused_activation_function().0 },
            None => Options::Tag(t.0),
        },
        B::ReducerOptions => match o.builtin_options_as_reducer_options() {
            Some(c) => Options::Reducer { keep_dims: c.keep_dims() },
            None => Options::Tag(t.0),
        },
        other => Options::Tag(other.0),
    };
    Op {
        opcode: o.opcode_index(),
        inputs: o.inputs().map(|v| v.iter().collect()).unwrap_or_default(),
        outputs: o.outputs().map(|v| v.iter().collect()).unwrap_or_default(),
        options,
    }
}

fn encode_options(
    b: &mut FlatBufferBuilder<'_>,
    o: &Options,
) -> (fb::BuiltinOptions, Option<flatbuffers::WIPOffset<flatbuffers::UnionWIPOffset>>) {
    use fb::ActivationFunctionType as A;
    use fb::BuiltinOptions as B;
    match *o {
        Options::None => (B::NONE, None),
        // An options table kiln does not decode: an empty table (every field at its default)
        // is valid for any of them; `NONE` gets none.
        Options::Tag(0) => (B::NONE, None),
        Options::Tag(t) => {
            let start = b.start_table();
            let table = b.end_table(start);
            (B(t), Some(flatbuffers::WIPOffset::new(table.value())))
        }
        Options::Conv { padding, stride, dilation, act } => {
            let args = fb::Conv2DOptionsArgs {
                padding: fb::Padding(padding),
                stride_h: stride[0],
                stride_w: stride[1],
                dilation_h_factor: dilation[0],
                dilation_w_factor: dilation[1],
                fused_activation_function: A(act),
            };
            (B::Conv2DOptions, Some(fb::Conv2DOptions::create(b, &args).as_union_value()))
        }
        Options::Depthwise { padding, stride, dilation, multiplier, act } => {
            let args = fb::DepthwiseConv2DOptionsArgs {
                padding: fb::Padding(padding),
                stride_h: stride[0],
                stride_w: stride[1],
                dilation_h_factor: dilation[0],
                dilation_w_factor: dilation[1],
                depth_multiplier: multiplier,
                fused_activation_function: A(act),
            };
            (B::DepthwiseConv2DOptions, Some(fb::DepthwiseConv2DOptions::create(b, &args).as_union_value()))
        }
        Options::Pool { padding, stride, filter, act } => {
            let args = fb::Pool2DOptionsArgs {
                padding: fb::Padding(padding),
                stride_h: stride[0],
                stride_w: stride[1],
                filter_height: filter[0],
                filter_width: filter[1],
                fused_activation_function: A(act),
            };
            (B::Pool2DOptions, Some(fb::Pool2DOptions::create(b, &args).as_union_value()))
        }
        Options::FullyConnected { act, keep_num_dims, weights_format } => {
            let args = fb::FullyConnectedOptionsArgs {
                fused_activation_function: A(act),
                keep_num_dims,
                weights_format: fb::FullyConnectedOptionsWeightsFormat(weights_format),
                ..Default::default()
            };
            (B::FullyConnectedOptions, Some(fb::FullyConnectedOptions::create(b, &args).as_union_value()))
        }
        Options::Softmax { beta } => {
            (B::SoftmaxOptions, Some(fb::SoftmaxOptions::create(b, &fb::SoftmaxOptionsArgs { beta }).as_union_value()))
        }
        Options::Add { act } => {
            let args = fb::AddOptionsArgs { fused_activation_function: A(act), ..Default::default() };
            (B::AddOptions, Some(fb::AddOptions::create(b, &args).as_union_value()))
        }
        Options::Concat { axis, act } => {
            let args = fb::ConcatenationOptionsArgs { axis, fused_activation_function: A(act) };
            (B::ConcatenationOptions, Some(fb::ConcatenationOptions::create(b, &args).as_union_value()))
        }
        Options::Reducer { keep_dims } => {
            let args = fb::ReducerOptionsArgs { keep_dims };
            (B::ReducerOptions, Some(fb::ReducerOptions::create(b, &args).as_union_value()))
        }
    }
}

/// A tiny deterministic generator (xorshift64*), so mutations replay from a seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

const INTERESTING_I32: &[i32] =
    &[-2, -1, 0, 1, 2, 3, 4, 7, 8, 16, 127, 128, 255, 256, 1 << 16, 1 << 20, 1 << 24, i32::MAX - 1, i32::MAX, i32::MIN];
const INTERESTING_F32: &[f32] = &[
    0.0, -0.0, -1.0, 1.0, 1e-45, 1e-38, 1e-10, 1.0 / 256.0, 0.5, 1e10, 3.4e38, f32::INFINITY, f32::NEG_INFINITY,
    f32::NAN,
];

fn mutate_index(r: &mut Rng, v: i32, n: usize) -> i32 {
    match r.below(4) {
        0 => r.below(n.max(1)) as i32,
        1 => n as i32 + r.below(3) as i32,
        2 => v.wrapping_add(if r.chance(2) { 1 } else { -1 }),
        _ => r.pick(INTERESTING_I32),
    }
}

fn mutate_i32_vec(r: &mut Rng, v: &mut Vec<i32>, n: usize) {
    match r.below(6) {
        0 if !v.is_empty() => {
            v.remove(r.below(v.len()));
        }
        1 => {
            let at = r.below(v.len() + 1);
            v.insert(at, mutate_index(r, 0, n));
        }
        _ if !v.is_empty() => {
            let i = r.below(v.len());
            v[i] = mutate_index(r, v[i], n);
        }
        _ => v.push(mutate_index(r, 0, n)),
    }
}

fn mutate_act(r: &mut Rng, act: &mut i8) {
    *act = r.below(8) as i8;
}

/// One structural defect: an index, shape, type, quantization parameter, buffer, op or option
/// changed to a value a broken converter or a flipped bit could produce.
pub fn mutate(m: &mut Model, r: &mut Rng) {
    if m.subgraphs.is_empty() {
        m.subgraphs.push(Subgraph::default());
    }
    let n_buffers = m.buffers.len();
    let n_codes = m.codes.len();
    let sgi = r.below(m.subgraphs.len());
    let sg = &mut m.subgraphs[sgi];
    let n_tensors = sg.tensors.len();
    let n_ops = sg.ops.len();
    match r.below(20) {
        // Tensor indices: graph inputs/outputs and op operands.
        0 => mutate_i32_vec(r, &mut sg.inputs, n_tensors),
        1 => mutate_i32_vec(r, &mut sg.outputs, n_tensors),
        2 | 3 if n_ops > 0 => {
            let o = &mut sg.ops[r.below(n_ops)];
            if r.chance(2) {
                mutate_i32_vec(r, &mut o.inputs, n_tensors)
            } else {
                mutate_i32_vec(r, &mut o.outputs, n_tensors)
            }
        }
        // Shapes and signatures.
        4 | 5 if n_tensors > 0 => {
            let t = &mut sg.tensors[r.below(n_tensors)];
            let s = t.shape.get_or_insert_with(Vec::new);
            match r.below(5) {
                0 if !s.is_empty() => {
                    s.remove(r.below(s.len()));
                }
                1 => s.push(r.pick(INTERESTING_I32)),
                _ if !s.is_empty() => {
                    let i = r.below(s.len());
                    s[i] = if r.chance(2) { r.pick(INTERESTING_I32) } else { s[i].wrapping_add(r.pick(&[-1, 1, 2])) };
                }
                _ => t.shape = None,
            }
        }
        6 if n_tensors > 0 => {
            let t = &mut sg.tensors[r.below(n_tensors)];
            let mut sig = t.signature.clone().or_else(|| t.shape.clone()).unwrap_or_default();
            if sig.is_empty() {
                sig.push(-1);
            } else {
                let i = r.below(sig.len());
                sig[i] = -1;
            }
            t.signature = Some(sig);
        }
        // Types and buffers.
        7 if n_tensors > 0 => sg.tensors[r.below(n_tensors)].dtype = r.below(20) as i8,
        8 if n_tensors > 0 => {
            let t = &mut sg.tensors[r.below(n_tensors)];
            t.buffer = if r.chance(2) { r.below(n_buffers + 2) as u32 } else { r.pick(INTERESTING_I32) as u32 };
        }
        9 if n_buffers > 0 => {
            let b = &mut m.buffers[r.below(n_buffers)];
            match (b, r.below(4)) {
                (Some(d), 0) => d.truncate(r.below(d.len() + 1)),
                (Some(d), 1) => d.extend(std::iter::repeat(0xa5).take(1 + r.below(8))),
                (Some(d), 2) if !d.is_empty() => {
                    let i = r.below(d.len());
                    d[i] = r.next() as u8;
                }
                (b, _) => *b = if b.is_some() { None } else { Some(vec![1, 2, 3, 4]) },
            }
        }
        // Quantization.
        10 | 11 if n_tensors > 0 => {
            let t = &mut sg.tensors[r.below(n_tensors)];
            let q = t.quant.get_or_insert_with(Quant::default);
            match r.below(6) {
                0 => t.quant = None,
                1 => q.axis = r.pick(INTERESTING_I32),
                2 => {
                    let s = q.scale.get_or_insert_with(Vec::new);
                    if s.is_empty() || r.chance(2) {
                        s.push(r.pick(INTERESTING_F32));
                    } else {
                        s.pop();
                    }
                }
                3 => {
                    let z = q.zero_point.get_or_insert_with(Vec::new);
                    if z.is_empty() || r.chance(2) {
                        z.push(r.pick(&[0, -128, 127, 128, -129, 65536, i64::MAX, i64::MIN]));
                    } else {
                        z.pop();
                    }
                }
                _ => {
                    if let Some(s) = q.scale.as_mut().filter(|s| !s.is_empty()) {
                        let i = r.below(s.len());
                        s[i] = r.pick(INTERESTING_F32);
                    }
                }
            }
        }
        // Ops: code, order, duplication.
        12 if n_ops > 0 => sg.ops[r.below(n_ops)].opcode = r.below(n_codes + 2) as u32,
        13 if n_codes > 0 => {
            let c = &mut m.codes[r.below(n_codes)];
            c.builtin = r.below(210) as i32;
            c.deprecated = c.builtin.min(127) as i8;
            if c.builtin == 32 {
                c.custom = Some("Fuzz".into());
            }
        }
        14 if n_ops > 1 => {
            let (a, b) = (r.below(n_ops), r.below(n_ops));
            sg.ops.swap(a, b);
        }
        15 if n_ops > 0 => {
            let i = r.below(n_ops);
            if r.chance(2) {
                sg.ops.remove(i);
            } else {
                let o = sg.ops[i].clone();
                sg.ops.insert(r.below(n_ops + 1), o);
            }
        }
        // Options.
        16 | 17 if n_ops > 0 => {
            let o = &mut sg.ops[r.below(n_ops)];
            let v = r.pick(INTERESTING_I32);
            match &mut o.options {
                Options::Conv { padding, stride, dilation, act }
                | Options::Depthwise { padding, stride, dilation, act, .. } => match r.below(4) {
                    0 => *padding = r.below(4) as i8,
                    1 => stride[r.below(2)] = v,
                    2 => dilation[r.below(2)] = v,
                    _ => mutate_act(r, act),
                },
                Options::Pool { padding, stride, filter, act } => match r.below(4) {
                    0 => *padding = r.below(4) as i8,
                    1 => stride[r.below(2)] = v,
                    2 => filter[r.below(2)] = v,
                    _ => mutate_act(r, act),
                },
                Options::FullyConnected { act, keep_num_dims, weights_format } => match r.below(3) {
                    0 => mutate_act(r, act),
                    1 => *keep_num_dims = !*keep_num_dims,
                    _ => *weights_format = r.below(3) as i8,
                },
                Options::Softmax { beta } => *beta = r.pick(INTERESTING_F32),
                Options::Add { act } => mutate_act(r, act),
                Options::Concat { axis, act } => {
                    if r.chance(2) {
                        *axis = v
                    } else {
                        mutate_act(r, act)
                    }
                }
                Options::Reducer { keep_dims } => *keep_dims = !*keep_dims,
                Options::None | Options::Tag(_) => o.options = Options::Tag(r.below(130) as u8),
            }
        }
        18 => m.version = r.pick(&[0, 1, 2, 3, 4, u32::MAX]),
        _ => {
            // Whole-structure changes: a second subgraph, or a tensor fewer or more.
            match r.below(3) {
                0 => {
                    let copy = m.subgraphs[0].clone();
                    m.subgraphs.push(copy);
                }
                1 if n_tensors > 0 => {
                    sg.tensors.pop();
                }
                _ => {
                    let mut t = sg.tensors.first().cloned().unwrap_or_default();
                    t.buffer = 0;
                    sg.tensors.push(t);
                }
            }
        }
    }
}
