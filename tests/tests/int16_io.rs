//! The typed API of an int16x8 model: `[i16; N]` in and out, `INPUT_SCALE`/`OUTPUT_SCALE`
//! constants and the `quantize_input`/`dequantize_output` helpers, checked against TFLM's
//! recorded outputs for the trained digits CNN (`digits_i16`).

kiln::include_model!("fixtures/zoo/digits_i16.tflite", name = Digits);

fn golden(file: &str) -> Vec<i16> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden/digits_i16").join(file);
    std::fs::read(path).unwrap().chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect()
}

#[test]
fn typed_int16_api_matches_tflm() {
    let (inputs, outputs) = (golden("input0.bin"), golden("output0.bin"));
    assert_eq!((inputs.len() % 64, outputs.len() % 10), (0, 0));
    assert_eq!(Digits::INPUT_ZERO_POINT, 0);
    assert_eq!(Digits::OUTPUT_ZERO_POINT, 0);
    // Softmax output: scale 1/32768.
    assert!((Digits::OUTPUT_SCALE - 1.0 / 32768.0).abs() < 1e-9);
    let mut model = Digits::new();
    for (x, want) in inputs.chunks_exact(64).zip(outputs.chunks_exact(10)) {
        let q: [i16; 64] = x.try_into().unwrap();
        // Real values → quantize_input reproduces the int16 input exactly (|q| < 2^15, so
        // q·s/s rounds back to q in f32).
        let real: [f32; 64] = std::array::from_fn(|i| q[i] as f32 * Digits::INPUT_SCALE);
        assert_eq!(Digits::quantize_input(&real), q);
        let out: [i16; 10] = *model.run(&q);
        assert_eq!(&out[..], want, "typed run differs from TFLM");
        let probs = Digits::dequantize_output(&out);
        for (p, &o) in probs.iter().zip(&out) {
            assert_eq!(p.to_bits(), ((o as f64 * Digits::OUTPUT_SCALE as f64) as f32).to_bits());
        }
        let total: f32 = probs.iter().sum();
        assert!((total - 1.0).abs() < 0.01, "softmax probabilities sum to {total}");
    }
}
