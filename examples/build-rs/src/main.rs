//! MobileNetV1-0.25 (96×96×3, 10 classes) compiled by `build.rs`, run on the first recorded
//! golden input and checked against TFLM's output for it.
//!
//! `cargo run --release -p kiln-example-build-rs`

include!(concat!(env!("OUT_DIR"), "/mobilenet_v1_025_96.rs"));

const INPUTS: &[u8] = include_bytes!("../../../tests/fixtures/golden/mobilenet_v1_025_96/input0.bin");
const TFLM_OUTPUTS: &[u8] = include_bytes!("../../../tests/fixtures/golden/mobilenet_v1_025_96/output0.bin");
const IN: usize = 96 * 96 * 3;
const OUT: usize = 10;

fn main() {
    // A static model: the 63 KB arena lives in .bss, not on the stack.
    static MODEL: std::sync::Mutex<MobileNet> = std::sync::Mutex::new(MobileNet::new());
    let mut model = MODEL.lock().unwrap();

    // Zero-copy: the image goes straight into the model's arena, no 27 KB input buffer beside it.
    for (x, &b) in model.input_mut().iter_mut().zip(&INPUTS[..IN]) {
        *x = b as i8;
    }
    let start = std::time::Instant::now();
    model.invoke();
    let elapsed = start.elapsed();
    let scores = *model.output();

    let tflm: [i8; OUT] = std::array::from_fn(|i| TFLM_OUTPUTS[i] as i8);
    let real = MobileNet::dequantize_output(&scores);
    let best = (0..OUT).max_by_key(|&i| scores[i]).unwrap();
    println!("MobileNetV1-0.25-96 via build.rs: {} MACs, {}-byte arena, {} weight bytes", MobileNet::MACS, MobileNet::ARENA_BYTES, MobileNet::WEIGHT_BYTES);
    println!("class scores (int8): {scores:?}");
    println!("TFLM scores  (int8): {tflm:?}");
    println!("top class {best} with probability {:.3}; one inference took {elapsed:?}", real[best]);
    if scores != tflm {
        eprintln!("kiln and TFLM disagree");
        std::process::exit(1);
    }
}
