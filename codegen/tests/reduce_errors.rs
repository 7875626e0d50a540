//! The reduce family's lowerings reject inconsistent models with specific errors (never a
//! panic): zoo models of the family, decoded, broken in one field, and encoded again.

mod common;

use std::path::Path;

use common::fb;
use common::model::Model;

fn zoo(name: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/zoo").join(format!("{name}.tflite"));
    Model::decode(&std::fs::read(path).unwrap()).expect("zoo model verifies")
}

fn error(m: &Model) -> String {
    match kiln_codegen::compile("models/broken.tflite", &m.encode(), &Default::default()) {
        Ok(_) => panic!("compiled a broken model"),
        Err(e) => e.to_string(),
    }
}

/// Sets the int32 constant operand `input` of the first `code` op to `values`.
fn set_const_i32(m: &mut Model, code: fb::BuiltinOperator, input: usize, values: &[i32]) {
    let op = m.find_op(code).expect("model has the op");
    let t = m.subgraphs[0].ops[op].inputs[input] as usize;
    let b = m.subgraphs[0].tensors[t].buffer as usize;
    m.buffers[b] = Some(values.iter().flat_map(|v| v.to_le_bytes()).collect());
    m.subgraphs[0].tensors[t].shape = Some(vec![values.len() as i32]);
}

fn output_of(m: &Model, code: fb::BuiltinOperator) -> usize {
    let op = m.find_op(code).expect("model has the op");
    m.subgraphs[0].ops[op].outputs[0] as usize
}

#[test]
fn reduce_max_needs_equal_quantization() {
    let mut m = zoo("reduce_max_int8");
    let out = output_of(&m, fb::BuiltinOperator::REDUCE_MAX);
    m.subgraphs[0].tensors[out].quant.as_mut().unwrap().scale = Some(vec![0.5]);
    let msg = error(&m);
    assert!(msg.contains("op #0 REDUCE_MAX") && msg.contains("must share quantization"), "{msg}");
}

#[test]
fn reducer_axis_out_of_range() {
    let mut m = zoo("mean_axes_1_3");
    set_const_i32(&mut m, fb::BuiltinOperator::MEAN, 1, &[1, 7]);
    let msg = error(&m);
    assert!(msg.contains("op #0 MEAN") && msg.contains("axis 7 out of range for input"), "{msg}");
}

#[test]
fn reducer_output_size_must_match_the_axes() {
    let mut m = zoo("sum_int8");
    // [1,4,5,6] over [1,3] gives 5 outputs; over [3] it would be 20.
    set_const_i32(&mut m, fb::BuiltinOperator::SUM, 1, &[3]);
    let msg = error(&m);
    assert!(msg.contains("op #0 SUM") && msg.contains("has 5 elements; reducing [1, 4, 5, 6] over axes [3] gives 20"), "{msg}");
}

#[test]
fn arg_max_int64_output_is_unsupported() {
    let mut m = zoo("arg_max_int8");
    let out = output_of(&m, fb::BuiltinOperator::ARG_MAX);
    m.subgraphs[0].tensors[out].dtype = fb::TensorType::INT64.0;
    let msg = error(&m);
    assert!(msg.contains("op #0 ARG_MAX") && msg.contains("TFLM supports int32 for both"), "{msg}");
}

#[test]
fn resize_size_must_match_the_output() {
    let mut m = zoo("resize_bilinear_int8");
    set_const_i32(&mut m, fb::BuiltinOperator::RESIZE_BILINEAR, 1, &[9, 7]);
    let msg = error(&m);
    assert!(msg.contains("op #0 RESIZE_BILINEAR") && msg.contains("is [9, 7], output"), "{msg}");
}

#[test]
fn batch_matmul_inner_dimensions_must_agree() {
    let mut m = zoo("batch_matmul_int8");
    // lhs [1,3,4,5] × rhs [1,3,5,6]: make the rhs [1,3,7,6].
    let op = m.find_op(fb::BuiltinOperator::BATCH_MATMUL).unwrap();
    let rhs = m.subgraphs[0].ops[op].inputs[1] as usize;
    m.subgraphs[0].tensors[rhs].shape = Some(vec![1, 3, 7, 6]);
    let msg = error(&m);
    assert!(msg.contains("op #0 BATCH_MATMUL") && msg.contains("inner dimensions differ"), "{msg}");
}

/// The test codec (`common::model`) keeps an unknown options union as an empty table, so a
/// re-encoded TRANSPOSE_CONV has stride 0: rejected when read, before lowering.
#[test]
fn transpose_conv_without_options_is_rejected() {
    let m = zoo("transpose_conv_valid");
    let msg = error(&m);
    assert!(msg.contains("op #0 TRANSPOSE_CONV: stride_h is 0, must be at least 1"), "{msg}");
}
