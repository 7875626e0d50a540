//! The broken models of the compile-fail suite (`macros/tests/ui/fixtures/*.tflite`) are made
//! here, from the trained digits model or the chain builder, one defect each; the committed
//! files must equal what this program writes (regenerate with
//! `KILN_BLESS=1 cargo test -p kiln-codegen --test broken_fixtures`).
//!
//! For each fixture the test also checks the exact message from the library and from the CLI
//! (`kiln generate`, exit status 2), which must equal the macro's (`macros/tests/ui/*.stderr`).

mod common;

use std::path::{Path, PathBuf};

use common::model::{Model, Options};
use common::{build, fb, op, Spec};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The macro crate's directory: fixture paths in messages are relative to it, as in the UI tests.
fn macros_dir() -> PathBuf {
    repo().join("macros")
}

fn digits() -> Model {
    let bytes = std::fs::read(repo().join("tests/fixtures/zoo/digits_int8.tflite")).unwrap();
    Model::decode(&bytes).expect("digits_int8.tflite verifies")
}

/// `digits` with one edit.
fn edit(f: impl FnOnce(&mut Model)) -> Vec<u8> {
    let mut m = digits();
    f(&mut m);
    m.encode()
}

// Tensor indices in digits_int8.tflite (see `kiln inspect`): 0 input, 7 first conv filter,
// 8 first conv output, 9 max-pool output, 10 second conv output, 11 reshape output.

/// (fixture name, bytes, the whole error message).
fn cases() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let digits_bytes = digits().encode();
    vec![
        ("empty", vec![], "kiln: `tests/ui/fixtures/empty.tflite`: not a valid .tflite model: the file is empty"),
        (
            "truncated",
            digits_bytes[..digits_bytes.len() / 2].to_vec(),
            "kiln: `tests/ui/fixtures/truncated.tflite`: not a valid .tflite model: flatbuffer verification failed at `subgraphs[0].tensors[1].quantization`: signed offset at position 3188 has value -4452 which points out of bounds; the file is truncated or corrupt",
        ),
        (
            "png_renamed",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x08\0\0\0\x08\x08\0\0\0\0".to_vec(),
            "kiln: `tests/ui/fixtures/png_renamed.tflite`: not a valid .tflite model: the file is a PNG image, not a TFLite flatbuffer",
        ),
        (
            "wrong_identifier",
            {
                let mut b = digits_bytes.clone();
                b[4..8].copy_from_slice(b"TFL2");
                b
            },
            "kiln: `tests/ui/fixtures/wrong_identifier.tflite`: not a valid .tflite model: file identifier is `TFL2`, expected `TFL3` (is this a TFLite flatbuffer?)",
        ),
        ("schema_too_new", edit(|m| m.version = 4), "kiln: `tests/ui/fixtures/schema_too_new.tflite`: not a valid .tflite model: schema version 4 is newer than version 3, the newest kiln reads"),
        (
            "unsupported_ops",
            build(&Spec {
                ops: (0..13)
                    .map(|i| match i {
                        3 => op(fb::BuiltinOperator::HASHTABLE_LOOKUP),
                        8 => op(fb::BuiltinOperator::LSH_PROJECTION),
                        12 => op(fb::BuiltinOperator::SKIP_GRAM),
                        _ => op(fb::BuiltinOperator::RESHAPE),
                    })
                    .collect(),
                ..Default::default()
            }),
            "kiln: `tests/ui/fixtures/unsupported_ops.tflite`: 3 unsupported ops:\n  op #3 HASHTABLE_LOOKUP: kiln has no kernel for this op yet\n  op #8 LSH_PROJECTION: kiln has no kernel for this op yet\n  op #12 SKIP_GRAM: kiln has no kernel for this op yet",
        ),
        (
            "custom_op",
            edit(|m| {
                let code = m.code(fb::BuiltinOperator::CUSTOM.0, Some("MyCustomOp"));
                m.sg().ops[1].opcode = code;
                m.sg().ops[1].options = Options::None;
            }),
            "kiln: `tests/ui/fixtures/custom_op.tflite`: 1 unsupported op:\n  op #1 CUSTOM(MyCustomOp): custom op `MyCustomOp`: kiln has no kernel for it; map it to your own function with `custom_ops = { \"MyCustomOp\" => crate::path::to::function }` (include_model!), `Config::custom_op` (build.rs) or `--custom-op MyCustomOp=crate::path::to::function` (kiln generate)",
        ),
        ("string_tensor", edit(|m| m.sg().tensors[9].dtype = fb::TensorType::STRING.0), "kiln: `tests/ui/fixtures/string_tensor.tflite`: tensor #9 `functional_1/max_pooling2d_1/MaxPool2d` has type string, which kiln does not support (it compiles int8 models; tensors are int8, int16, int32, int64, uint8 or float)"),
        ("complex_tensor", edit(|m| m.sg().tensors[11].dtype = fb::TensorType::COMPLEX64.0), "kiln: `tests/ui/fixtures/complex_tensor.tflite`: tensor #11 `functional_1/flatten_1/Reshape` has type complex64, which kiln does not support (it compiles int8 models; tensors are int8, int16, int32, int64, uint8 or float)"),
        ("dynamic_shape", edit(|m| m.sg().tensors[0].signature = Some(vec![-1, -1, 8, 1])), "kiln: `tests/ui/fixtures/dynamic_shape.tflite`: tensor #0 `serving_default_input:0` has a dynamic shape (shape_signature [-1, -1, 8, 1]); kiln needs static shapes: fix it with `input_shape = [N, M, 8, 1]` (include_model!), `Config::input_shape(&[N, M, 8, 1])` (build.rs) or `--input-shape N,M,8,1` (kiln generate / inspect)"),
        (
            "two_subgraphs",
            edit(|m| {
                let sg = m.subgraphs[0].clone();
                m.subgraphs.push(sg);
            }),
            "kiln: `tests/ui/fixtures/two_subgraphs.tflite`: the model has 2 subgraphs; kiln compiles extra subgraphs only as IF/WHILE branches and loops, and as CALL_ONCE init subgraphs that assign constants",
        ),
        ("tensor_index", edit(|m| m.sg().ops[2].inputs[0] = 99), "kiln: `tests/ui/fixtures/tensor_index.tflite`: op #2 CONV_2D refers to tensor #99, but the subgraph has 14"),
        ("buffer_index", edit(|m| m.sg().tensors[7].buffer = 999), "kiln: `tests/ui/fixtures/buffer_index.tflite`: tensor #7 `functional_1/conv2d_1/convolution` refers to buffer #999, but the model has 17"),
        ("read_before_write", edit(|m| m.sg().ops[1].inputs[0] = 10), "kiln: `tests/ui/fixtures/read_before_write.tflite`: op #1 MAX_POOL_2D reads tensor #10 `functional_1/conv2d_1_2/Relu;functional_1/conv2d_1_2/BiasAdd;functional_1/conv2d_1_2/convolution;functional_1/conv2d_1_2/Squeeze1` before any op writes it (the graph is cyclic or out of order)"),
        (
            "weight_size",
            edit(|m| {
                let b = m.sg().tensors[7].buffer as usize;
                m.buffers[b].as_mut().unwrap().truncate(70);
            }),
            "kiln: `tests/ui/fixtures/weight_size.tflite`: tensor #7 `functional_1/conv2d_1/convolution`: buffer #8 holds 70 bytes, but shape [8, 3, 3, 1] of int8 needs 72",
        ),
        ("int8_without_quantization", edit(|m| m.sg().tensors[9].quant = None), "kiln: `tests/ui/fixtures/int8_without_quantization.tflite`: op #1 MAX_POOL_2D: tensor #9 `functional_1/max_pooling2d_1/MaxPool2d` (int8) has no quantization parameters"),
        (
            "per_channel_count",
            edit(|m| {
                let q = m.sg().tensors[7].quant.as_mut().unwrap();
                q.scale.as_mut().unwrap().pop();
                q.zero_point.as_mut().unwrap().pop();
            }),
            "kiln: `tests/ui/fixtures/per_channel_count.tflite`: tensor #7 `functional_1/conv2d_1/convolution` has 7 per-channel scales on dimension 0 of shape [8, 3, 3, 1], which has 8 entries",
        ),
        ("zero_scale", edit(|m| m.sg().tensors[9].quant.as_mut().unwrap().scale = Some(vec![0.0])), "kiln: `tests/ui/fixtures/zero_scale.tflite`: op #1 MAX_POOL_2D: tensor #9 `functional_1/max_pooling2d_1/MaxPool2d` has quantization scale 0; scales must be positive and finite"),
        ("negative_scale", edit(|m| m.sg().tensors[11].quant.as_mut().unwrap().scale = Some(vec![-0.5])), "kiln: `tests/ui/fixtures/negative_scale.tflite`: op #4 FULLY_CONNECTED: tensor #11 `functional_1/flatten_1/Reshape` has quantization scale -0.5; scales must be positive and finite"),
        (
            "dimension_overflow",
            edit(|m| m.sg().tensors[11].shape = Some(vec![i32::MAX, i32::MAX, i32::MAX])),
            "kiln: `tests/ui/fixtures/dimension_overflow.tflite`: tensor #11 `functional_1/flatten_1/Reshape`: the product of the dimensions of shape [2147483647, 2147483647, 2147483647] overflows 64 bits",
        ),
        ("huge_tensor", edit(|m| m.sg().tensors[11].shape = Some(vec![1, 1 << 20, 1 << 20])), "kiln: `tests/ui/fixtures/huge_tensor.tflite`: tensor #11 `functional_1/flatten_1/Reshape` of shape [1, 1048576, 1048576] has 1099511627776 elements (1099511627776 bytes of int8); kiln's limit is 2 GiB per tensor"),
    ]
}

fn fixture_path(name: &str) -> String {
    format!("tests/ui/fixtures/{name}.tflite")
}

#[test]
fn committed_fixtures_match_this_generator() {
    let bless = std::env::var_os("KILN_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, bytes, _) in cases() {
        let path = macros_dir().join(fixture_path(name));
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
            stale.push(path.display().to_string());
        }
    }
    assert!(stale.is_empty(), "fixtures differ from the generator (KILN_BLESS=1 regenerates): {stale:#?}");
}

#[test]
fn library_gives_the_expected_message() {
    let mut wrong = Vec::new();
    for (name, bytes, want) in cases() {
        let file = fixture_path(name);
        let got = match kiln_codegen::compile(&file, &bytes, &Default::default()) {
            Ok(_) => "<compiled>".to_string(),
            Err(e) => e.to_string(),
        };
        if got != want {
            wrong.push(format!("{name}:\n  got:  {got}\n  want: {want}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn cli_gives_the_same_message_with_status_2() {
    for (name, _, want) in cases() {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kiln"))
            .current_dir(macros_dir())
            .args(["generate", &fixture_path(name)])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(out.stdout.is_empty(), "{name}: wrote to stdout");
        assert_eq!(String::from_utf8_lossy(&out.stderr), format!("{want}\n"), "{name}");
    }
}

#[test]
fn cli_missing_file_and_directory() {
    for (arg, want) in [
        ("tests/ui/fixtures/missing.tflite", "kiln: `tests/ui/fixtures/missing.tflite`: cannot read the model file: no such file\n"),
        (
            "tests/ui/fixtures",
            "kiln: `tests/ui/fixtures`: cannot read the model file: it is a directory, not a .tflite file\n",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kiln"))
            .current_dir(macros_dir())
            .args(["generate", arg])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{arg}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), want, "{arg}");
    }
}
