//! Files TFLM and LiteRT load although Rust's FlatBuffers verifier calls them corrupt, which kiln
//! must therefore read (still bounds-checked): int64 vectors that are not 8-aligned (some
//! exporters write quantization zero points at offsets ≡ 4 mod 8) and names that are not UTF-8.
//! The models are zoo models written by `tests/scripts/zoo_wild.py` (`unaligned_zero_points`,
//! `latin1_tensor_names`); the zoo test checks their outputs against TFLM.

use std::path::Path;

fn zoo(stem: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../tests/fixtures/zoo/{stem}.tflite"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn model() -> Vec<u8> {
    zoo("unaligned_zero_points")
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

#[test]
fn names_that_are_not_utf8_are_read_with_question_marks() {
    let bytes = zoo("latin1_tensor_names");
    assert!(bytes.windows(2).any(|w| w == [b's', 0xE9]), "the fixture's names must be Latin-1 to test anything");
    let a = kiln_codegen::analyze("latin1_tensor_names.tflite", &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.graph.tensors[a.graph.inputs[0]].name, "s?rving_d?fault_input:0");
    // The repair touches strings only: a name running past the end is still corrupt.
    let at = bytes.windows(2).position(|w| w == [b's', 0xE9]).unwrap();
    let mut cut = bytes.clone();
    cut.truncate(at + 1);
    assert!(kiln_codegen::analyze("m.tflite", &cut).unwrap_err().to_string().contains("the file is truncated or corrupt"));
}

/// Sparse weights (`EXPERIMENTAL_SPARSITY`) are densified when read; a description that does not
/// add up is a specific error, never a panic or an out-of-range read. The fixtures are the zoo's
/// `sparse_fc_float` with one defect each (`tests/scripts/make_state_models.py`).
#[test]
fn inconsistent_sparse_tensors_are_named_errors() {
    for (stem, want) in [
        ("sparse_index_out_of_range", "sparsity: level 1 (dimension 1) has index 255, past its extent 24"),
        ("sparse_order_not_permutation", "sparsity: traversal_order [0, 0] is not a permutation of 0..2"),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../tests/fixtures/state_errors/{stem}.tflite"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = format!("{stem}.tflite");
        match kiln_codegen::analyze(&file, &bytes) {
            Ok(_) => panic!("{stem}: compiled"),
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains(want) && msg.contains("tensor #2"), "{stem}: `{msg}` lacks `{want}`");
            }
        }
    }
    // The intact file reads, with the weights dense (the zoo test checks the outputs).
    let a = kiln_codegen::analyze("sparse_fc_float.tflite", &zoo("sparse_fc_float")).unwrap_or_else(|e| panic!("{e}"));
    let w = a.graph.tensors.iter().find(|t| t.shape == [32, 24] && t.data.is_some()).expect("dense [32, 24] weights");
    assert_eq!(w.data.as_ref().unwrap().len(), 32 * 24 * 4);
}
