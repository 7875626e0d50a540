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
    let compile = |name: &str| {
        let opts = kiln_codegen::CompileOptions { name: Some(name.into()), ..Default::default() };
        kiln_codegen::compile("m.tflite", &bytes, &opts)
    };
    for (name, why) in [
        ("not valid", "a model name is a Rust identifier"),
        ("3Digits", "a model name is a Rust identifier"),
        ("", "a model name is a Rust identifier"),
        ("Digits!", "a model name is a Rust identifier"),
        ("_", "a model name is a Rust identifier"),
        ("match", "it is a Rust keyword, which cannot name a struct; choose another name or write it raw, `r#match`"),
        ("Self", "it is a Rust keyword, which cannot name a struct; choose another name"),
    ] {
        let err = compile(name).unwrap_err();
        assert!(matches!(err.kind, kiln_codegen::ErrorKind::Usage(_)), "{name:?}: {err}");
        let msg = err.to_string();
        assert!(msg.contains(&format!("`{name}` is not a valid model name: {why}")), "{name:?}: {msg}");
    }
    // Any identifier is a name, UpperCamelCase or not; the module the model expands into
    // never has the struct's name (`digits_model`) or a keyword's (`Type`, `r#type`), and two
    // names never share one.
    let mut seen = std::collections::HashSet::new();
    for name in ["DigitsInt8", "M_Digits", "digits_model", "_Private", "Type", "TypeModel", "r#type", "Ωmega", "A_B", "AB", "a_b"] {
        let tokens = compile(name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        let file: syn::File = syn::parse2(tokens).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        let modules: Vec<String> =
            file.items.iter().filter_map(|i| if let syn::Item::Mod(m) = i { Some(m.ident.to_string()) } else { None }).collect();
        assert_eq!(modules.len(), 1, "{name:?}");
        assert_ne!(modules[0], name.trim_start_matches("r#"), "{name:?}: the module has the struct's name");
        assert!(seen.insert(modules[0].clone()), "{name:?}: module `{}` is another name's too", modules[0]);
    }
    // A well-formed chain of RESHAPEs compiles.
    kiln_codegen::compile("m.tflite", &bytes, &Default::default()).unwrap();
}
