//! uint8 legacy models (TF1 `quantized_uint8`: asymmetric per-tensor uint8 activations and
//! weights, `tests/scripts/make_uint8_models.py`) against LiteRT's reference kernels, every
//! output element of 200 samples each (goldens: make_goldens.py; TFLM runs none of these models,
//! see each `meta.json`'s `tflm_cross_check`).

use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/uint8")
}

/// No TFLM arena to compare with (TFLM runs none of these): kiln's arena must fit all
/// non-constant tensors without reuse, as for the zoo's LiteRT-only models.
fn assert_arena_fits<M: kiln::Model>(dir: &std::path::Path) {
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("meta.json")).unwrap()).unwrap();
    let bound = meta["activation_bytes_no_reuse"].as_u64().expect("meta.json has activation_bytes_no_reuse") as usize;
    assert!(M::ARENA_BYTES <= bound, "{}: kiln arena {} exceeds all non-constant tensors ({bound})", dir.display(), M::ARENA_BYTES);
}

macro_rules! uint8_models {
    ($($stem:ident => $path:literal),* $(,)?) => {
        $(
            mod $stem {
                kiln::include_model!($path, name = Net);
            }

            #[test]
            fn $stem() {
                let dir = fixtures().join(stringify!($stem));
                let golden = kiln_tests::Golden::load::<$stem::Net>(&dir);
                assert!(golden.oracle().starts_with("litert-ref"), "{}", golden.oracle());
                kiln_tests::assert_bit_exact::<$stem::Net>(&dir, 200);
                assert_arena_fits::<$stem::Net>(&dir);
            }
        )*

        /// Every model in tests/fixtures/uint8 has a test above (a new model cannot go untested).
        #[test]
        fn every_fixture_is_tested() {
            let tested: Vec<&str> = vec![$(stringify!($stem)),*];
            let mut found: Vec<String> = std::fs::read_dir(fixtures())
                .expect("tests/fixtures/uint8 is missing")
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter_map(|n| n.strip_suffix(".tflite").map(str::to_string))
                .filter(|n| !n.starts_with("error_"))
                .collect();
            found.sort();
            let mut tested: Vec<String> = tested.iter().map(|s| s.to_string()).collect();
            tested.sort();
            assert_eq!(found, tested);
        }
    };
}

uint8_models!(
    u8_add => "fixtures/uint8/u8_add.tflite",
    u8_avgpool => "fixtures/uint8/u8_avgpool.tflite",
    u8_concat => "fixtures/uint8/u8_concat.tflite",
    u8_concat_equal => "fixtures/uint8/u8_concat_equal.tflite",
    u8_conv_dilated => "fixtures/uint8/u8_conv_dilated.tflite",
    u8_conv_s2_same_even => "fixtures/uint8/u8_conv_s2_same_even.tflite",
    u8_conv_s2_valid_relu6 => "fixtures/uint8/u8_conv_s2_valid_relu6.tflite",
    u8_conv_same_relu => "fixtures/uint8/u8_conv_same_relu.tflite",
    u8_dwconv_mult2_s2 => "fixtures/uint8/u8_dwconv_mult2_s2.tflite",
    u8_dwconv_valid_n1 => "fixtures/uint8/u8_dwconv_valid_n1.tflite",
    u8_dwconv_relu6 => "fixtures/uint8/u8_dwconv_relu6.tflite",
    u8_fc => "fixtures/uint8/u8_fc.tflite",
    u8_float_io => "fixtures/uint8/u8_float_io.tflite",
    u8_maxpool => "fixtures/uint8/u8_maxpool.tflite",
    u8_mobilenet => "fixtures/uint8/u8_mobilenet.tflite",
    u8_softmax => "fixtures/uint8/u8_softmax.tflite",
);

/// What LiteRT's prepare rejects on uint8 (both files fail there too, checked when they were
/// made): a named compile error, never a model.
#[test]
fn defective_uint8_models_are_rejected_by_name() {
    for (file, want) in [
        (
            "error_u8_per_channel.tflite",
            "op #0 CONV_2D: filter tensor #2 `Conv2D;FakeQuantWithMinMaxVars` is uint8 quantized per channel; \
             uint8 (TF1 quantized_uint8) is per-tensor only, as in LiteRT's uint8 kernels",
        ),
        (
            "error_u8_bias_scale.tflite",
            "op #0 CONV_2D: bias tensor #1 `Relu;BiasAdd;Conv2D;Const_3` has scale 0.00035858018, but input scale × \
             filter scale is 0.00003585802187444642 (LiteRT requires them within 2 % of the output scale 0.0090736)",
        ),
    ] {
        let bytes = std::fs::read(fixtures().join(file)).unwrap_or_else(|e| panic!("missing {file} ({e})"));
        match kiln_codegen::compile(file, &bytes, &Default::default()) {
            Ok(_) => panic!("{file}: compiled"),
            Err(e) => assert!(e.to_string().contains(want), "`{e}` lacks `{want}`"),
        }
    }
}
