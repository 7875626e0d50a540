//! Hand-built `.tflite` flatbuffers with one defect each, shared by the integration tests.
#![allow(dead_code)]

use flatbuffers::FlatBufferBuilder;
pub use kiln_codegen::schema as fb;

pub mod model;

/// One op of a hand-built chain model: builtin code, or `CUSTOM` with a custom code.
pub struct OpSpec {
    pub code: i32,
    pub custom: Option<&'static str>,
}

/// A chain `t0 → op0 → t1 → op1 → …` of int8 [1, 4] tensors, with knobs to break it.
#[derive(Default)]
pub struct Spec {
    pub ops: Vec<OpSpec>,
    /// Override op 0's first input tensor index.
    pub first_input: Option<i32>,
    /// Give tensor 0 a constant buffer of this many bytes.
    pub const_bytes: Option<usize>,
    pub scale: Option<f32>,
    pub version: Option<u32>,
}

pub fn build(spec: &Spec) -> Vec<u8> {
    let mut b = FlatBufferBuilder::new();
    let n_t = spec.ops.len() + 1;
    let mut buffers = vec![fb::Buffer::create(&mut b, &fb::BufferArgs { data: None })];
    if let Some(n) = spec.const_bytes {
        let data = b.create_vector(&vec![1u8; n]);
        buffers.push(fb::Buffer::create(&mut b, &fb::BufferArgs { data: Some(data) }));
    }
    let mut tensors = Vec::new();
    for i in 0..n_t {
        let shape = b.create_vector(&[1i32, 4]);
        let name = b.create_string(&format!("t{i}"));
        let scale = b.create_vector(&[spec.scale.unwrap_or(0.5)]);
        let zp = b.create_vector(&[0i64]);
        let quantization = fb::QuantizationParameters::create(
            &mut b,
            &fb::QuantizationParametersArgs { scale: Some(scale), zero_point: Some(zp), ..Default::default() },
        );
        let buffer = if i == 0 && spec.const_bytes.is_some() { 1 } else { 0 };
        tensors.push(fb::Tensor::create(
            &mut b,
            &fb::TensorArgs {
                shape: Some(shape),
                type_: fb::TensorType::INT8,
                buffer,
                name: Some(name),
                quantization: Some(quantization),
                ..Default::default()
            },
        ));
    }
    let mut codes = Vec::new();
    let mut ops = Vec::new();
    for (i, op) in spec.ops.iter().enumerate() {
        let custom_code = op.custom.map(|c| b.create_string(c));
        codes.push(fb::OperatorCode::create(
            &mut b,
            &fb::OperatorCodeArgs {
                deprecated_builtin_code: op.code.min(127) as i8,
                custom_code,
                version: 1,
                builtin_code: fb::BuiltinOperator(op.code),
            },
        ));
        let input = if i == 0 { spec.first_input.unwrap_or(0) } else { i as i32 };
        let inputs = b.create_vector(&[input]);
        let outputs = b.create_vector(&[i as i32 + 1]);
        ops.push(fb::Operator::create(
            &mut b,
            &fb::OperatorArgs { opcode_index: i as u32, inputs: Some(inputs), outputs: Some(outputs), ..Default::default() },
        ));
    }
    let tensors = b.create_vector(&tensors);
    let operators = b.create_vector(&ops);
    let inputs = b.create_vector(&[0i32]);
    let outputs = b.create_vector(&[n_t as i32 - 1]);
    let sg = fb::SubGraph::create(
        &mut b,
        &fb::SubGraphArgs { tensors: Some(tensors), inputs: Some(inputs), outputs: Some(outputs), operators: Some(operators), name: None },
    );
    let subgraphs = b.create_vector(&[sg]);
    let codes = b.create_vector(&codes);
    let buffers = b.create_vector(&buffers);
    let model = fb::Model::create(
        &mut b,
        &fb::ModelArgs {
            version: spec.version.unwrap_or(3),
            operator_codes: Some(codes),
            subgraphs: Some(subgraphs),
            buffers: Some(buffers),
            ..Default::default()
        },
    );
    fb::finish_model_buffer(&mut b, model);
    b.finished_data().to_vec()
}

pub fn op(code: fb::BuiltinOperator) -> OpSpec {
    OpSpec { code: code.0, custom: None }
}
