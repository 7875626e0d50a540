//! Every zoo model (`tests/fixtures/zoo/*.tflite`, built by `tests/scripts/make_zoo.py`) is
//! compiled through `include_model!` and must reproduce the TFLM interpreter's outputs
//! element for element on every recorded input.

use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Bit-exact on every golden input, and an arena no larger than TFLM's tensor area.
fn assert_zoo_model<M: kiln::Model + Default>(stem: &str) {
    let dir = fixtures().join("golden").join(stem);
    kiln_tests::assert_bit_exact::<M>(&dir, 200);
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("meta.json")).unwrap()).unwrap();
    // Models TFLM cannot run (float16 weights, dynamic range; oracle LiteRT-ref) have no TFLM
    // arena figure: kiln's arena must then fit all non-constant tensors without reuse.
    let (head, what) = match meta["tflm_arena_head_bytes"].as_u64() {
        Some(head) => (head as usize, "TFLM tensor arena"),
        None => (
            meta["activation_bytes_no_reuse"].as_u64().expect("meta.json has tflm_arena_head_bytes or activation_bytes_no_reuse")
                as usize,
            "all non-constant tensors",
        ),
    };
    eprintln!("{stem}: ARENA_BYTES {} vs {what} {head}", M::ARENA_BYTES);
    assert!(M::ARENA_BYTES <= head, "{stem}: kiln arena {} exceeds {what} ({head})", M::ARENA_BYTES);
}

include!(concat!(env!("OUT_DIR"), "/zoo_tests.rs"));

/// The digits CNN on the held-out split of scikit-learn's digits: outputs equal TFLM's.
#[test]
fn digits_test_split_matches_tflm() {
    use kiln::Model;
    let dir = fixtures().join("digits");
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("missing {f} ({e})"));
    let (inputs, labels, tflm) = (read("test_input0.bin"), read("test_labels.bin"), read("test_output0.bin"));
    let n = labels.len();
    let mut model = digits_int8::Net::new();
    let (in_len, out_len) = (digits_int8::Net::INPUTS[0].byte_len(), digits_int8::Net::OUTPUTS[0].byte_len());
    assert!(n > 300 && inputs.len() == n * in_len && tflm.len() == n * out_len);
    let mut out = vec![0u8; out_len];
    for i in 0..n {
        model.run_bytes(&[&inputs[i * in_len..(i + 1) * in_len]], &mut [&mut out]).unwrap();
        assert_eq!(out, tflm[i * out_len..(i + 1) * out_len], "digit sample {i}");
    }
}
