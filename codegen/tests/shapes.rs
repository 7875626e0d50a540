//! Static shapes at compile time: shape arithmetic folded into constants (no code for SHAPE,
//! STRIDED_SLICE, PACK, GATHER, …), dynamic inputs fixed with `input_shape` through every way in
//! (library, build.rs `Config`, `kiln generate` / `inspect`), and the errors when a shape cannot
//! be fixed. The models are zoo models from `tests/scripts/zoo_wild.py`; the zoo test checks
//! their outputs against TFLM element by element.

use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_codegen::{analyze_options, CompileOptions};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn zoo(stem: &str) -> (String, Vec<u8>) {
    let rel = format!("tests/fixtures/zoo/{stem}.tflite");
    let bytes = std::fs::read(workspace().join(&rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    (rel, bytes)
}

fn with_shape(shape: &[usize]) -> CompileOptions {
    CompileOptions { input_shape: Some(shape.to_vec()), ..Default::default() }
}

fn op_names(a: &kiln_codegen::Analysis) -> Vec<&str> {
    a.graph.ops.iter().map(|o| o.name.as_str()).collect()
}

#[test]
fn shape_arithmetic_folds_and_costs_no_code() {
    let (file, bytes) = zoo("shape_flatten_dynamic_batch");
    let a = kiln_codegen::analyze(&file, &bytes).unwrap_or_else(|e| panic!("{e}"));
    // The file: CONV_2D SHAPE STRIDED_SLICE PACK RESHAPE FULLY_CONNECTED.
    assert_eq!(op_names(&a), ["CONV_2D", "RESHAPE", "FULLY_CONNECTED"]);
    let reshape = &a.graph.ops[1];
    let shape = &a.graph.tensors[reshape.inputs[1].unwrap()];
    assert_eq!(shape.data.as_deref(), Some(&[1u8, 0, 0, 0, 144, 0, 0, 0][..]), "the folded new shape [1, 144]");
    let folded = [(1, "SHAPE".to_string()), (2, "STRIDED_SLICE".into()), (3, "PACK".into())];
    assert_eq!(a.graph.folded_ops, folded);
    assert_eq!(kiln_codegen::report::inspect(&file, &bytes).unwrap().folded, folded, "kiln inspect lists them");
    let source = kiln_codegen::generate_source(&file, &bytes, &CompileOptions::default()).unwrap();
    assert!(source.contains("Folded at compile time (shape arithmetic, no code): #1 SHAPE, #2 STRIDED_SLICE, #3 PACK."));

    let (file, bytes) = zoo("shape_mul_concat");
    let a = kiln_codegen::analyze(&file, &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(op_names(&a), ["CONV_2D", "RESHAPE", "MEAN", "RESHAPE"]);
    // The file stores [1, 6, 8] and [1, 8] (shapes TFLite computes when it runs); kiln infers them.
    let out = |k: usize| a.graph.tensors[a.graph.ops[k].outputs[0]].shape.clone();
    assert_eq!((out(1), out(2), out(3)), (vec![4, 6, 8], vec![4, 8], vec![1, 32]));

    let (file, bytes) = zoo("shape_gather");
    let a = kiln_codegen::analyze(&file, &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(op_names(&a), ["LOGISTIC", "RESHAPE"]);
}

#[test]
fn input_shape_fixes_a_dynamic_length_and_shapes_follow() {
    let (file, bytes) = zoo("dynamic_length_conv1d");
    let a = analyze_options(&file, &bytes, &with_shape(&[1, 40, 4])).unwrap_or_else(|e| panic!("{e}"));
    let shapes: Vec<Vec<usize>> = a.graph.ops.iter().map(|o| a.graph.tensors[o.outputs[0]].shape.clone()).collect();
    assert_eq!(shapes[1], [1, 1, 40, 8], "CONV_2D");
    assert_eq!(shapes[4], [1, 1, 20, 8], "MAX_POOL_2D 2/2");
    assert_eq!(shapes[9], [1, 8], "MEAN");
    // Another length gives other shapes from the same file.
    let b = analyze_options(&file, &bytes, &with_shape(&[1, 7, 4])).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(b.graph.tensors[b.graph.ops[4].outputs[0]].shape, [1, 1, 3, 8]);
}

#[test]
fn input_shape_fixes_a_dynamic_batch() {
    let (file, bytes) = zoo("dynamic_batch_mlp");
    let one = kiln_codegen::analyze(&file, &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(one.graph.tensors[one.graph.outputs[0]].shape, [1, 3], "without input_shape: batch 1, as TFLM");
    let three = analyze_options(&file, &bytes, &with_shape(&[3, 12])).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(three.graph.tensors[three.graph.outputs[0]].shape, [3, 3]);
}

#[test]
fn dynamic_model_without_input_shape_says_what_to_do() {
    let (file, bytes) = zoo("dynamic_length_conv1d");
    let err = kiln_codegen::analyze(&file, &bytes).unwrap_err().to_string();
    assert_eq!(
        err,
        "kiln: `tests/fixtures/zoo/dynamic_length_conv1d.tflite`: tensor #0 `serving_default_input:0` has a dynamic \
         shape (shape_signature [1, -1, 4]); kiln needs static shapes: fix it with `input_shape = [1, N, 4]` \
         (include_model!), `Config::input_shape(&[1, N, 4])` (build.rs) or `--input-shape 1,N,4` (kiln generate / inspect)"
    );
}

#[test]
fn input_shape_that_does_not_fit_is_rejected() {
    let (file, bytes) = zoo("dynamic_length_conv1d");
    for (shape, why) in [
        (&[1, 40, 5][..], "shape_signature is [1, -1, 4]"),
        (&[1, 40][..], "shape_signature is [1, -1, 4]"),
        (&[1, 0, 4][..], "sizes must be at least 1"),
        (&[1, 1 << 40, 4][..], "larger than kiln's limit of 2 GiB"),
    ] {
        let err = analyze_options(&file, &bytes, &with_shape(shape)).unwrap_err().to_string();
        assert!(err.contains(&format!("input_shape {shape:?}")) && err.contains(why), "{shape:?}: {err}");
    }
    let err = analyze_options(&file, &bytes, &with_shape(&[1, 40, 5])).unwrap_err().to_string();
    assert!(err.contains("does not fit input tensor #0 `serving_default_input:0`"), "{err}");
}

fn kiln(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kiln")).args(args).current_dir(workspace()).output().unwrap()
}

#[test]
fn cli_and_build_rs_take_the_input_shape() {
    let (file, bytes) = zoo("dynamic_length_conv1d");
    let opts = CompileOptions { name: Some("Net".into()), ..with_shape(&[1, 40, 4]) };
    let expected = kiln_codegen::generate_source(&file, &bytes, &opts).unwrap_or_else(|e| panic!("{e}"));

    let out = kiln(&["generate", &file, "--name", "Net", "--input-shape", "1,40,4"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);

    let report = kiln(&["inspect", &file, "--input-shape", "1,40,4"]);
    assert!(report.status.success(), "{}", String::from_utf8_lossy(&report.stderr));
    assert!(String::from_utf8(report.stdout).unwrap().contains("int8[1,1,40,8]"));

    let missing = kiln(&["inspect", &file]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("`--input-shape 1,N,4`"));

    // build.rs: the same tokens include_model!(…, input_shape = [1, 40, 4]) expands to.
    let dir = std::env::temp_dir().join(format!("kiln-shapes-test-{}", std::process::id()));
    kiln_codegen::Config::new()
        .model(&file)
        .name("Net")
        .input_shape(&[1, 40, 4])
        .out_dir(&dir)
        .manifest_dir(workspace())
        .compile()
        .unwrap_or_else(|e| panic!("{e}"));
    let written = std::fs::read_to_string(dir.join("dynamic_length_conv1d.rs")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let tracked = CompileOptions { track_path: Some(workspace().join(&file).to_string_lossy().into_owned()), ..opts };
    let from_macro: syn::File = syn::parse2(kiln_codegen::compile(&file, &bytes, &tracked).unwrap()).unwrap();
    let from_file: syn::File = syn::parse_file(&written).unwrap();
    assert_eq!(prettyplease::unparse(&from_file), prettyplease::unparse(&from_macro));
    assert!(written.contains("[i8; 160]"), "the input holds 40 × 4 values");
}
