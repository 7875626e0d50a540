//! The main job: a small CNN trained on scikit-learn's digits, compiled by kiln at build time,
//! classifies the held-out split. Prints kiln's accuracy beside TFLM's (from the oracle's
//! recorded outputs), how many output elements differ from TFLM, and the time per inference.
//!
//! `cargo run --release --example digits`

use std::time::Instant;

kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", name = Digits);

const TEST_INPUTS: &[u8] = include_bytes!("../tests/fixtures/digits/test_input0.bin");
const TEST_LABELS: &[u8] = include_bytes!("../tests/fixtures/digits/test_labels.bin");
const TFLM_OUTPUTS: &[u8] = include_bytes!("../tests/fixtures/digits/test_output0.bin");

const IN: usize = Digits::INPUT_SHAPE[1] * Digits::INPUT_SHAPE[2] * Digits::INPUT_SHAPE[3];
const OUT: usize = Digits::OUTPUT_SHAPE[1];

fn argmax(v: &[i8]) -> usize {
    // First maximum wins, as numpy's argmax.
    v.iter().enumerate().fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}

fn main() {
    let n = TEST_LABELS.len();
    assert_eq!(TEST_INPUTS.len(), n * IN, "test inputs do not match the labels");
    assert_eq!(TFLM_OUTPUTS.len(), n * OUT, "TFLM outputs do not match the labels");

    let mut model = Digits::new();
    let (mut kiln_correct, mut tflm_correct, mut differing) = (0, 0, 0);
    for i in 0..n {
        // Zero-copy: the image is written straight into the model's arena, and the scores are
        // read where the last layer left them.
        for (x, &b) in model.input_mut().iter_mut().zip(&TEST_INPUTS[i * IN..(i + 1) * IN]) {
            *x = b as i8;
        }
        model.invoke();
        let out = model.output();
        let tflm: Vec<i8> = TFLM_OUTPUTS[i * OUT..(i + 1) * OUT].iter().map(|&b| b as i8).collect();
        differing += out.iter().zip(&tflm).filter(|(a, b)| a != b).count();
        kiln_correct += usize::from(argmax(out) == TEST_LABELS[i] as usize);
        tflm_correct += usize::from(argmax(&tflm) == TEST_LABELS[i] as usize);
    }

    // Time: median over repeated passes of the whole split.
    let mut per_inference = Vec::new();
    let inputs: Vec<[i8; IN]> = (0..n).map(|i| std::array::from_fn(|k| TEST_INPUTS[i * IN + k] as i8)).collect();
    for _ in 0..21 {
        let t = Instant::now();
        for x in &inputs {
            *model.input_mut() = *std::hint::black_box(x);
            model.invoke();
            std::hint::black_box(model.output());
        }
        per_inference.push(t.elapsed().as_secs_f64() / n as f64);
    }
    per_inference.sort_by(f64::total_cmp);
    let median_us = per_inference[per_inference.len() / 2] * 1e6;

    println!("digits CNN (int8), {n} held-out images, {} MACs, {}-byte arena, {} weight bytes", Digits::MACS, Digits::ARENA_BYTES, Digits::WEIGHT_BYTES);
    println!("kiln accuracy: {:.2}% ({kiln_correct}/{n})", 100.0 * kiln_correct as f64 / n as f64);
    println!("TFLM accuracy: {:.2}% ({tflm_correct}/{n})", 100.0 * tflm_correct as f64 / n as f64);
    println!("output elements differing from TFLM: {differing} of {}", n * OUT);
    println!("time per inference: {median_us:.2} µs (median of 21 passes)");
    if differing != 0 || kiln_correct != tflm_correct {
        eprintln!("kiln does not match TFLM");
        std::process::exit(1);
    }
}
