//! Files whose int64 vectors are not 8-aligned (some exporters write quantization zero points at
//! offsets ≡ 4 mod 8): TFLM and LiteRT load them, so kiln must too, and must still bounds-check
//! them. The model is `tests/fixtures/zoo/unaligned_zero_points.tflite`, written by
//! `tests/scripts/zoo_wild.py` (its outputs against TFLM are checked by the zoo test).

use std::path::Path;

fn model() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/zoo/unaligned_zero_points.tflite");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The position of the length prefix of the zero-point vector `zoo_wild.py` appended last: the
/// file ends with it (`[n: u32][n × i64]`).
fn last_vector(bytes: &[u8]) -> usize {
    (1..=64usize)
        .map(|n| (n, bytes.len() - 4 - 8 * n))
        .find(|&(n, at)| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize == n)
        .map(|(_, at)| at)
        .expect("the file ends with an appended zero-point vector")
}

#[test]
fn zero_points_at_4_mod_8_are_read() {
    let bytes = model();
    let at = last_vector(&bytes);
    assert_eq!((at + 4) % 8, 4, "the fixture's zero points must be unaligned to test anything");
    let a = kiln_codegen::analyze("unaligned_zero_points.tflite", &bytes).unwrap_or_else(|e| panic!("{e}"));
    // The golden meta.json records the input's zero point as the oracle read it.
    let meta: serde_json::Value = serde_json::from_slice(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/golden/unaligned_zero_points/meta.json"))
            .unwrap(),
    )
    .unwrap();
    let input = &a.graph.tensors[a.graph.inputs[0]];
    let want = meta["inputs"][0]["zero_point"].as_i64().expect("an int8 input has a zero point");
    assert_eq!(input.quant.as_ref().unwrap().zero_points, vec![want]);
}

#[test]
fn unaligned_vector_past_the_end_is_still_rejected() {
    let mut bytes = model();
    let at = last_vector(&bytes);
    bytes[at..at + 4].copy_from_slice(&0x0fff_ffffu32.to_le_bytes());
    let err = kiln_codegen::analyze("m.tflite", &bytes).expect_err("a vector past the end of the file").to_string();
    assert!(
        err.contains("flatbuffer verification failed at `subgraphs[0].tensors[")
            && err.contains("].quantization.zero_point`: range [")
            && err.contains("out of bounds; the file is truncated or corrupt"),
        "{err}"
    );
}
