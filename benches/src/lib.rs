//! The benchmarked models, compiled once for the timing runner and the criterion benches.
//! Zoo models come from `tests/fixtures/zoo`; `person_detect` and `micro_speech` from
//! `../shared/models/tflm` (beside the repository).

use std::path::{Path, PathBuf};

pub mod models {
    kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", name = Digits);
    kiln::include_model!("../tests/fixtures/zoo/mobilenet_v1_025_96.tflite", name = MobileNetV1);
    kiln::include_model!("../tests/fixtures/zoo/mobilenet_v2_035_96.tflite", name = MobileNetV2);
    kiln::include_model!("../../shared/models/tflm/person_detect.tflite", name = PersonDetect);
    kiln::include_model!("../../shared/models/tflm/micro_speech_quantized.tflite", name = MicroSpeech);
    kiln::include_model!("../../shared/models/tflm/hello_world_int8.tflite", name = HelloWorld);
    // Float models: the peer for these is tract (criterion, `--features peers`).
    kiln::include_model!("../tests/fixtures/zoo/digits_f32.tflite", name = DigitsF32);
    kiln::include_model!("../../shared/models/tflm/hello_world_float.tflite", name = HelloWorldFloat);
    #[cfg(kiln_mobilenet_v1_100_224)]
    kiln::include_model!("models/mobilenet_v1_100_224.tflite", name = MobileNetV1Full);
}

/// MicroFlow 0.1.3 on the two models it computes (nearly) correctly; everything else it cannot
/// run (6 ops, linear graphs) or gets wrong (symmetric SAME padding at stride 2).
#[cfg(feature = "peers")]
pub mod microflow_models {
    #[microflow::model("../../shared/models/tflm/hello_world_int8.tflite")]
    pub struct HelloWorld;
    #[microflow::model("../../shared/models/tflm/micro_speech_quantized.tflite")]
    pub struct MicroSpeech;
}

/// Benchmark names (as `compare.py` uses them) → model file, relative to the repository root.
pub const MODELS: &[(&str, &str)] = &[
    ("digits_int8", "tests/fixtures/zoo/digits_int8.tflite"),
    ("mobilenet_v1_025_96", "tests/fixtures/zoo/mobilenet_v1_025_96.tflite"),
    ("mobilenet_v2_035_96", "tests/fixtures/zoo/mobilenet_v2_035_96.tflite"),
    ("person_detect", "../shared/models/tflm/person_detect.tflite"),
    ("micro_speech_quantized", "../shared/models/tflm/micro_speech_quantized.tflite"),
    ("hello_world_int8", "../shared/models/tflm/hello_world_int8.tflite"),
    ("digits_f32", "tests/fixtures/zoo/digits_f32.tflite"),
    ("hello_world_float", "../shared/models/tflm/hello_world_float.tflite"),
    // Only when benches/models/ has it (see build.rs).
    #[cfg(kiln_mobilenet_v1_100_224)]
    ("mobilenet_v1_100_224", "benches/models/mobilenet_v1_100_224.tflite"),
];

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A fixed input for `model`: the first recorded golden input (zoo) or a seeded random one
/// (for float models, `*_float`/`*_f32`, random f32 values in [-1, 1) rather than random bytes).
pub fn input_bytes(model: &str, len: usize) -> Vec<u8> {
    let golden = repo_root().join("tests/fixtures/golden").join(model).join("input0.bin");
    if let Ok(b) = std::fs::read(&golden) {
        assert!(b.len() >= len, "{}: shorter than one input", golden.display());
        return b[..len].to_vec();
    }
    // xorshift: the same bytes on every run and machine.
    let mut s = 0x2545_f491_4f6c_dd1du64 ^ len as u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    if model.ends_with("_float") || model.ends_with("_f32") {
        return (0..len / 4)
            .flat_map(|_| ((next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0).to_le_bytes())
            .collect();
    }
    (0..len).map(|_| next() as u8).collect()
}

/// Runs one benchmark model `iters` times on a fixed input; returns seconds per inference.
pub fn time_model(model: &str, iters: u32) -> Option<f64> {
    run_model(model, iters).map(|r| r.0)
}

/// [`time_model`], also returning the bytes of the first output.
pub fn run_model(model: &str, iters: u32) -> Option<(f64, Vec<u8>)> {
    use kiln::Model;
    fn go<M: Model + Default>(model: &str, iters: u32) -> (f64, Vec<u8>) {
        let mut m = Box::<M>::default();
        let inputs: Vec<Vec<u8>> = M::INPUTS.iter().map(|i| input_bytes(model, i.byte_len())).collect();
        let mut outputs: Vec<Vec<u8>> = M::OUTPUTS.iter().map(|i| vec![0u8; i.byte_len()]).collect();
        let ins: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
        let mut run = |m: &mut M| {
            let mut outs: Vec<&mut [u8]> = outputs.iter_mut().map(Vec::as_mut_slice).collect();
            m.run_bytes(std::hint::black_box(&ins), &mut outs).unwrap();
        };
        run(&mut m);
        let t = std::time::Instant::now();
        for _ in 0..iters {
            run(&mut m);
        }
        let secs = t.elapsed().as_secs_f64() / iters as f64;
        (secs, outputs.swap_remove(0))
    }
    use models::*;
    Some(match model {
        "digits_int8" => go::<Digits>(model, iters),
        "mobilenet_v1_025_96" => go::<MobileNetV1>(model, iters),
        "mobilenet_v2_035_96" => go::<MobileNetV2>(model, iters),
        "person_detect" => go::<PersonDetect>(model, iters),
        "micro_speech_quantized" => go::<MicroSpeech>(model, iters),
        "hello_world_int8" => go::<HelloWorld>(model, iters),
        "digits_f32" => go::<DigitsF32>(model, iters),
        "hello_world_float" => go::<HelloWorldFloat>(model, iters),
        #[cfg(kiln_mobilenet_v1_100_224)]
        "mobilenet_v1_100_224" => go::<MobileNetV1Full>(model, iters),
        _ => return None,
    })
}
