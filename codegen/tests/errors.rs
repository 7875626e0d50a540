//! Bad models get specific errors naming the file and the offending op or tensor — never a
//! panic. Models are built here with the flatbuffers builder, one defect each.

mod common;
use common::{build, fb, op, OpSpec, Spec};

fn error(bytes: &[u8]) -> String {
    match kiln_codegen::compile("models/broken.tflite", bytes, &Default::default()) {
        Ok(_) => panic!("compiled a broken model"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn lists_every_unsupported_op_with_index_and_name() {
    let bytes = build(&Spec {
        ops: vec![
            op(fb::BuiltinOperator::SKIP_GRAM),
            OpSpec { code: fb::BuiltinOperator::CUSTOM.0, custom: Some("MyFancyOp") },
            op(fb::BuiltinOperator::HASHTABLE_LOOKUP),
        ],
        ..Default::default()
    });
    let msg = error(&bytes);
    assert!(msg.starts_with("kiln: `models/broken.tflite`: 3 unsupported ops:"), "{msg}");
    for want in ["op #0 SKIP_GRAM", "op #1 CUSTOM(MyFancyOp)", "op #2 HASHTABLE_LOOKUP"] {
        assert!(msg.contains(want), "missing `{want}` in:\n{msg}");
    }
}

#[test]
fn builtin_codes_above_127_use_the_new_field() {
    // Codes ≥ 127 live only in `builtin_code`; the deprecated field holds 127.
    let bytes = build(&Spec { ops: vec![OpSpec { code: 150, custom: None }], ..Default::default() });
    let msg = error(&bytes);
    assert!(msg.contains("op #0 ") && !msg.contains("PLACEHOLDER_FOR_GREATER_OP_CODES"), "{msg}");
}

#[test]
fn corrupt_files_are_format_errors() {
    let good = build(&Spec { ops: vec![op(fb::BuiltinOperator::SVDF)], ..Default::default() });
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "the file is empty"),
        ("tiny", vec![1, 2, 3], "only 3 bytes"),
        ("png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), "the file is a PNG image, not a TFLite flatbuffer"),
        ("other", b"\0\0\0\0ABCD\0\0\0\0".to_vec(), "file identifier is `ABCD`, expected `TFL3`"),
        ("truncated", good[..good.len() / 2].to_vec(), "flatbuffer verification failed"),
    ];
    for (what, bytes, want) in cases {
        let msg = error(&bytes);
        assert!(msg.starts_with("kiln: `models/broken.tflite`: not a valid .tflite model"), "{what}: {msg}");
        assert!(msg.contains(&want), "{what}: expected `{want}` in {msg}");
    }
}

#[test]
fn newer_schema_versions_are_rejected() {
    let msg = error(&build(&Spec { ops: vec![op(fb::BuiltinOperator::SVDF)], version: Some(4), ..Default::default() }));
    assert!(msg.contains("schema version 4 is newer"), "{msg}");
}

#[test]
fn tensor_index_out_of_range() {
    let msg = error(&build(&Spec {
        ops: vec![op(fb::BuiltinOperator::RESHAPE)],
        first_input: Some(57),
        ..Default::default()
    }));
    assert!(msg.contains("op #0 RESHAPE refers to tensor #57, but the subgraph has 2"), "{msg}");
}

#[test]
fn reading_a_tensor_before_it_is_written() {
    // op 0 reads t1, which only op 0 itself writes: a cycle.
    let msg = error(&build(&Spec { ops: vec![op(fb::BuiltinOperator::RESHAPE)], first_input: Some(1), ..Default::default() }));
    assert!(msg.contains("op #0 RESHAPE reads tensor #1 `t1` before any op writes it"), "{msg}");
}

#[test]
fn buffer_size_must_match_shape() {
    let msg = error(&build(&Spec { ops: vec![op(fb::BuiltinOperator::RESHAPE)], const_bytes: Some(3), ..Default::default() }));
    assert!(msg.contains("tensor #0 `t0`: buffer #1 holds 3 bytes, but shape [1, 4] of int8 needs 4"), "{msg}");
}

#[test]
fn scales_must_be_positive() {
    let bytes = build(&Spec { ops: vec![op(fb::BuiltinOperator::QUANTIZE)], scale: Some(-1.0), ..Default::default() });
    let msg = error(&bytes);
    assert!(msg.contains("has quantization scale -1; scales must be positive and finite"), "{msg}");
}

#[test]
fn bad_struct_names_are_usage_errors() {
    let bytes = build(&Spec { ops: vec![op(fb::BuiltinOperator::RESHAPE)], ..Default::default() });
    let opts = kiln_codegen::CompileOptions { name: Some("not valid".into()), ..Default::default() };
    let msg = kiln_codegen::compile("m.tflite", &bytes, &opts).unwrap_err().to_string();
    assert!(msg.contains("`not valid` is not a valid model name"), "{msg}");
    // A well-formed chain of RESHAPEs compiles.
    kiln_codegen::compile("m.tflite", &bytes, &Default::default()).unwrap();
}
