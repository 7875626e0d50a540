//! Bad input never panics, hangs or eats memory: structure-aware mutations of every zoo model
//! (the same mutator the fuzzer uses, replayed from fixed seeds), files that make a small
//! flatbuffer decode into a huge graph, and every input the fuzzer ever crashed on
//! (`codegen/tests/fuzz/*.tflite`, each with its expected message in `*.expected`).

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::model::{mutate, Model, Options, Rng};
use common::{fb, op, Spec};
use flatbuffers::FlatBufferBuilder;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn zoo() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(repo().join("tests/fixtures/zoo")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "tflite") {
            out.push((p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    assert!(out.len() >= 40, "expected the 40 zoo models, found {}", out.len());
    out
}

/// Runs the whole compiler (and the report in every rendering) on `bytes`; returns the error
/// text, if any.
fn run(bytes: &[u8]) -> Option<String> {
    if let Ok(report) = kiln_codegen::report::inspect("m.tflite", bytes) {
        let _ = (report.to_text(), report.to_svg(), report.to_html());
    }
    kiln_codegen::compile("m.tflite", bytes, &Default::default()).err().map(|e| e.to_string())
}

#[test]
fn mutated_zoo_models_fail_cleanly() {
    // Small models get many mutants, the two MobileNets a few (they take longest to compile).
    let mut rejected = 0;
    let mut total = 0;
    for (name, bytes) in zoo() {
        let model = Model::decode(&bytes).unwrap();
        let mutants = if bytes.len() > 100_000 { 4 } else { 60 };
        for seed in 0..mutants {
            let mut rng = Rng(0x5eed_0000 + seed as u64 * 7919 + name.len() as u64);
            let mut m = model.clone();
            for _ in 0..1 + rng.below(3) {
                mutate(&mut m, &mut rng);
            }
            let start = Instant::now();
            let result = std::panic::catch_unwind(|| run(&m.encode()));
            let err = result.unwrap_or_else(|_| panic!("{name}: mutant #{seed} panicked: {m:?}"));
            assert!(start.elapsed() < Duration::from_secs(10), "{name}: mutant #{seed} took {:?}", start.elapsed());
            if let Some(e) = err {
                assert!(e.starts_with("kiln: `m.tflite`: "), "{e}");
                rejected += 1;
            }
            total += 1;
        }
    }
    // The mutations must actually break things (a test that can fail): most mutants are rejected.
    assert!(rejected * 2 > total, "only {rejected} of {total} mutants were rejected");
}

#[test]
fn truncations_and_bit_flips_fail_cleanly() {
    let (_, bytes) = zoo().into_iter().find(|(n, _)| n == "digits_int8.tflite").unwrap();
    for cut in (0..bytes.len()).step_by(97) {
        assert!(run(&bytes[..cut]).is_some(), "truncated at {cut} compiled");
    }
    let mut rng = Rng(42);
    for _ in 0..1500 {
        let mut b = bytes.clone();
        let i = rng.below(b.len());
        b[i] ^= 1 << rng.below(8);
        let _ = run(&b);
    }
}

/// Many tensors reading one weight buffer: a few hundred kilobytes of file that would expand
/// into megabytes of generated weights.
#[test]
fn shared_buffers_cannot_multiply_the_output() {
    let mut m = Model::decode(&std::fs::read(repo().join("tests/fixtures/zoo/digits_int8.tflite")).unwrap()).unwrap();
    let fc = m.find_op(fb::BuiltinOperator::FULLY_CONNECTED).unwrap();
    let template = m.sg().ops[fc].clone();
    let (input, filter, out) = (template.inputs[0], template.inputs[1] as usize, template.outputs[0] as usize);
    for _ in 0..3000 {
        let sg = m.sg();
        let f = sg.tensors.len() as i32;
        sg.tensors.push(sg.tensors[filter].clone()); // same buffer
        let o = sg.tensors.len() as i32;
        let mut t = sg.tensors[out].clone();
        t.name = None;
        sg.tensors.push(t);
        let mut op = template.clone();
        op.inputs = vec![input, f, template.inputs[2]];
        op.outputs = vec![o];
        sg.ops.insert(fc + 1, op);
    }
    let bytes = m.encode();
    let msg = run(&bytes).expect("must be rejected");
    assert!(msg.contains("tensors share buffers far more than any converter writes"), "{msg}");
}

/// One tensor table listed 200,000 times with a long name: a 1 MB file that would decode
/// into gigabytes if the reader copied it for each entry.
#[test]
fn shared_tables_cannot_multiply_the_decoded_size() {
    let mut b = FlatBufferBuilder::new();
    let name = b.create_string(&"x".repeat(4096));
    let shape = b.create_vector(&[1i32, 4]);
    let t = fb::Tensor::create(
        &mut b,
        &fb::TensorArgs { shape: Some(shape), type_: fb::TensorType::INT8, name: Some(name), ..Default::default() },
    );
    let tensors = b.create_vector(&vec![t; 200_000]);
    let io = b.create_vector(&[0i32]);
    let sg = fb::SubGraph::create(
        &mut b,
        &fb::SubGraphArgs { tensors: Some(tensors), inputs: Some(io), outputs: Some(io), ..Default::default() },
    );
    let subgraphs = b.create_vector(&[sg]);
    let model = fb::Model::create(&mut b, &fb::ModelArgs { version: 3, subgraphs: Some(subgraphs), ..Default::default() });
    fb::finish_model_buffer(&mut b, model);
    let msg = run(b.finished_data()).expect("must be rejected");
    assert!(msg.contains("decoding the model would take more than"), "{msg}");
}

/// A long chain of ops still compiles quickly (the planner must not be quadratic in a way
/// that turns a legitimate-looking 300 KB file into a stalled build).
#[test]
fn long_chains_compile_in_reasonable_time() {
    let bytes = common::build(&Spec { ops: (0..5000).map(|_| op(fb::BuiltinOperator::QUANTIZE)).collect(), ..Default::default() });
    let start = Instant::now();
    kiln_codegen::compile("chain.tflite", &bytes, &Default::default()).unwrap();
    assert!(start.elapsed() < Duration::from_secs(20), "{:?}", start.elapsed());
    let _ = Options::None;
}

/// Every input the fuzzer found a crash, hang or blow-up with, and the message it now gets.
#[test]
fn fuzz_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "tflite") {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        let want = std::fs::read_to_string(p.with_extension("expected"))
            .unwrap_or_else(|e| panic!("{}: no .expected beside it: {e}", p.display()));
        let start = Instant::now();
        let got = run(&bytes).unwrap_or_else(|| "<compiled>".into());
        assert_eq!(got, want.trim_end(), "{}", p.display());
        assert!(start.elapsed() < Duration::from_secs(5), "{}: {:?}", p.display(), start.elapsed());
        n += 1;
    }
    assert!(n > 0, "no regression inputs in {}", dir.display());
}

fn zoo_model(name: &str) -> Model {
    Model::decode(&std::fs::read(repo().join("tests/fixtures/zoo").join(name)).unwrap()).unwrap()
}

fn error_of(m: &Model) -> String {
    run(&m.encode()).expect("must be rejected")
}

// Crashes found by reading the code while writing the fuzzer (each panicked or produced
// unusable code before the fix that added the message checked here).

/// Panicked in debug builds: `1 << input_left_shift` with a negative shift.
#[test]
fn softmax_with_a_tiny_beta() {
    let mut m = zoo_model("softmax.tflite");
    let i = m.find_op(fb::BuiltinOperator::SOFTMAX).unwrap();
    m.sg().ops[i].options = Options::Softmax { beta: 1e-12 };
    let msg = error_of(&m);
    assert!(msg.contains("SOFTMAX: beta 0.000000000001 × input scale") && msg.contains("is too small"), "{msg}");
}

/// Panicked in debug builds (and wrapped in release): input size + paddings overflowed usize.
#[test]
fn pad_with_huge_paddings() {
    let mut m = zoo_model("pad.tflite");
    let i = m.find_op(fb::BuiltinOperator::PAD).unwrap();
    let pads = m.sg().ops[i].inputs[1] as usize;
    // int64 paddings (TFLite allows them) near 2^62: their sum with a dimension overflowed.
    m.sg().tensors[pads].dtype = fb::TensorType::INT64.0;
    let buffer = m.sg().tensors[pads].buffer as usize;
    m.buffers[buffer] = Some((0..8).flat_map(|_| (i64::MAX / 2).to_le_bytes()).collect());
    let msg = error_of(&m);
    assert!(msg.contains("do not fit rank 4"), "{msg}");
}

/// Reached later passes before: a model input's scale becomes a float literal in the generated
/// code (`INPUT_SCALE`), which must be finite; now the reader rejects non-finite scales.
#[test]
fn non_finite_scales() {
    // RESHAPE alone never reads the scale, so only the reader stands between it and the emitter.
    for s in [f32::NAN, f32::INFINITY] {
        let bytes = common::build(&Spec { ops: vec![op(fb::BuiltinOperator::RESHAPE)], scale: Some(s), ..Default::default() });
        let msg = run(&bytes).expect("must be rejected");
        assert_eq!(msg, format!("kiln: `m.tflite`: tensor #0 `t0` has quantization scale {s}; scales must be positive and finite"));
    }
}

/// Compiled before: a zero scale on a model input became `INPUT_SCALE = 0.0`.
#[test]
fn zero_scale_on_a_model_input() {
    let bytes = common::build(&Spec { ops: vec![op(fb::BuiltinOperator::RESHAPE)], scale: Some(0.0), ..Default::default() });
    let msg = run(&bytes).expect("must be rejected");
    assert_eq!(
        msg,
        "kiln: `m.tflite`: model input/output: tensor #0 `t0` has quantization scale 0; scales must be positive and finite"
    );
}
