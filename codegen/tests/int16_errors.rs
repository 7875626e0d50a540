//! int16x8 models that TFLM would reject (or that kiln cannot compile exactly) get specific
//! compile-time errors naming the op and the tensor — never a panic. Each case edits one
//! field of an int16 zoo model.

mod common;

use std::path::Path;

use common::fb;
use common::model::Model;

fn zoo_model(name: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/zoo").join(name);
    Model::decode(&std::fs::read(path).unwrap()).unwrap()
}

fn error_of(m: &Model) -> String {
    match kiln_codegen::compile("m.tflite", &m.encode(), &Default::default()) {
        Ok(_) => panic!("compiled a model kiln must reject"),
        Err(e) => e.to_string(),
    }
}

/// Index of the `k`-th input tensor of the first `code` op.
fn op_input(m: &mut Model, code: fb::BuiltinOperator, k: usize) -> usize {
    let i = m.find_op(code).unwrap();
    m.sg().ops[i].inputs[k] as usize
}

#[test]
fn the_base_models_compile() {
    for name in ["conv_s1_same_i16.tflite", "softmax_i16.tflite", "fc_per_channel_i16.tflite"] {
        let m = zoo_model(name);
        assert!(kiln_codegen::compile("m.tflite", &m.encode(), &Default::default()).is_ok(), "{name}");
    }
}

#[test]
fn int16_conv_with_a_nonzero_zero_point() {
    let mut m = zoo_model("conv_s1_same_i16.tflite");
    let t = op_input(&mut m, fb::BuiltinOperator::CONV_2D, 0);
    m.sg().tensors[t].quant.as_mut().unwrap().zero_point = Some(vec![5]);
    let msg = error_of(&m);
    assert!(msg.contains("CONV_2D") && msg.contains("has zero point 5; the int16x8 scheme requires 0"), "{msg}");
}

#[test]
fn int16_conv_with_a_float_bias() {
    let mut m = zoo_model("conv_s1_same_i16.tflite");
    let t = op_input(&mut m, fb::BuiltinOperator::CONV_2D, 2);
    m.sg().tensors[t].dtype = fb::TensorType::FLOAT64.0;
    let msg = error_of(&m);
    assert!(msg.contains("CONV_2D") && msg.contains("is float64, kiln supports int64 or int32 here"), "{msg}");
}

#[test]
fn int16_softmax_with_the_wrong_output_scale() {
    let mut m = zoo_model("softmax_i16.tflite");
    let i = m.find_op(fb::BuiltinOperator::SOFTMAX).unwrap();
    let out = m.sg().ops[i].outputs[0] as usize;
    m.sg().tensors[out].quant.as_mut().unwrap().scale = Some(vec![1.0 / 256.0]);
    let msg = error_of(&m);
    assert!(msg.contains("int16 softmax output") && msg.contains("must have zero point 0 and scale 1/32768"), "{msg}");
}

#[test]
fn int16_fc_with_an_absurd_scale_ratio() {
    // input scale × filter scale / output scale grows by 10^12: TFLM's 64-bit requantization cannot
    // shift that far left.
    let mut m = zoo_model("fc_per_channel_i16.tflite");
    let i = m.find_op(fb::BuiltinOperator::FULLY_CONNECTED).unwrap();
    let out = m.sg().ops[i].outputs[0] as usize;
    let q = m.sg().tensors[out].quant.as_mut().unwrap();
    q.scale = Some(vec![q.scale.as_ref().unwrap()[0] * 1e-12]);
    let msg = error_of(&m);
    assert!(msg.contains("FULLY_CONNECTED") && msg.contains("beyond what TFLM's 64-bit requantization can shift (at most 14)"), "{msg}");
}
