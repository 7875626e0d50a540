//! The three ways into kiln — `include_model!`, a build script's `Config`, and `kiln generate`
//! source — produce the same model: identical outputs on every golden input.

use kiln::Model;
use kiln_tests::Golden;

mod via_macro {
    kiln::include_model!("fixtures/zoo/mobilenet_v2_035_96.tflite", name = MobileNetV2);
    kiln::include_model!("fixtures/zoo/multi_io.tflite", name = MultiIo);
    // Per-layer profiling markers (`kiln::profile`) change nothing in the results.
    kiln::include_model!("fixtures/zoo/multi_io.tflite", name = MultiIoProfiled, profile = true);
    kiln::include_model!("fixtures/zoo/digits_int8.tflite", name = Digits);
    kiln::include_model!("fixtures/zoo/digits_int8.tflite", name = DigitsProfiled, profile = true);
}
mod via_build_rs {
    include!(concat!(env!("OUT_DIR"), "/build_rs/mobilenet_v2_035_96.rs"));
    include!(concat!(env!("OUT_DIR"), "/build_rs/multi_io.rs"));
}
mod via_cli {
    include!(concat!(env!("OUT_DIR"), "/cli/mobilenet_v2_035_96.rs"));
    include!(concat!(env!("OUT_DIR"), "/cli/multi_io.rs"));
}

/// Runs `A` and `B` on every golden input and demands byte-identical outputs.
fn same_outputs<A: Model + Default, B: Model + Default>(stem: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden").join(stem);
    let golden = Golden::load::<A>(&dir);
    assert!(golden.samples >= 200);
    let (mut a, mut b) = (Box::<A>::default(), Box::<B>::default());
    let alloc = |infos: &[kiln::TensorInfo]| -> Vec<Vec<u8>> { infos.iter().map(|i| vec![0u8; i.byte_len()]).collect() };
    let (mut out_a, mut out_b) = (alloc(A::OUTPUTS), alloc(B::OUTPUTS));
    for s in 0..golden.samples {
        let ins: Vec<&[u8]> =
            A::INPUTS.iter().zip(&golden.inputs).map(|(i, d)| &d[s * i.byte_len()..(s + 1) * i.byte_len()]).collect();
        a.run_bytes(&ins, &mut out_a.iter_mut().map(|v| v.as_mut_slice()).collect::<Vec<_>>()).unwrap();
        b.run_bytes(&ins, &mut out_b.iter_mut().map(|v| v.as_mut_slice()).collect::<Vec<_>>()).unwrap();
        assert_eq!(out_a, out_b, "{stem}: sample {s} differs");
        // And both equal TFLM, so the comparison is not between two wrong answers.
        for (k, info) in A::OUTPUTS.iter().enumerate() {
            assert_eq!(out_a[k], golden.outputs[k][s * info.byte_len()..(s + 1) * info.byte_len()], "{stem}: sample {s}");
        }
    }
}

#[test]
fn build_rs_models_equal_macro_models() {
    same_outputs::<via_macro::MobileNetV2, via_build_rs::MobileNetV2>("mobilenet_v2_035_96");
    same_outputs::<via_macro::MultiIo, via_build_rs::MultiIo>("multi_io");
}

#[test]
fn cli_generated_models_equal_macro_models() {
    same_outputs::<via_macro::MobileNetV2, via_cli::MobileNetV2>("mobilenet_v2_035_96");
    same_outputs::<via_macro::MultiIo, via_cli::MultiIo>("multi_io");
}

#[test]
fn profiled_models_equal_plain_models() {
    same_outputs::<via_macro::MultiIo, via_macro::MultiIoProfiled>("multi_io");
    same_outputs::<via_macro::Digits, via_macro::DigitsProfiled>("digits_int8");
}

#[test]
fn the_typed_api_is_the_same_everywhere() {
    // Multi-input, multi-output: one typed argument per tensor, a tuple of outputs.
    let a: [i8; via_macro::MultiIo::INPUT0_SHAPE[1]] = core::array::from_fn(|i| i as i8);
    let b = [3i8; 8 * 8 * 3];
    let mut m = via_macro::MultiIo::new();
    let (o0, o1) = m.run(&a, &b);
    let (o0, o1) = (*o0, *o1);
    let mut c = via_cli::MultiIo::new();
    assert_eq!(c.run(&a, &b), (&o0, &o1));
    assert_eq!(via_build_rs::MultiIo::ARENA_BYTES, via_macro::MultiIo::ARENA_BYTES);
}
