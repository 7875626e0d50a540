//! Control flow (IF, WHILE) as the user sees it: the generated code's shape (`if … else`,
//! `loop { … break … }`), `kiln inspect`'s data-dependent timing, and the `deterministic_timing`
//! option that refuses such models (with `TFLite_Detection_PostProcess`) by name, through
//! `CompileOptions`, `Config` and `kiln generate --deterministic-timing`. The outputs themselves
//! are checked against TFLM by the zoo tests (`tests/tests/zoo.rs`, models `if_*` and `while_*`).

use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_codegen::{CompileOptions, ErrorKind};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn compile(rel: &str, deterministic_timing: bool) -> Result<String, kiln_codegen::Error> {
    let bytes = std::fs::read(workspace().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let opts = CompileOptions { deterministic_timing, ..Default::default() };
    kiln_codegen::generate_source(rel, &bytes, &opts)
}

#[test]
fn generated_control_flow_reads_like_rust() {
    let src = compile("tests/fixtures/zoo/while_if_float32.tflite", false).unwrap();
    let body = &src[src.find("fn layers(").expect("layers function")..];
    // One loop whose first statement after the condition's layer is the break, with the IF
    // nested inside it.
    assert_eq!(body.matches("loop {").count(), 1, "{body}");
    assert!(body.contains("{\n                    break;\n                }"), "{body}");
    let (lp, iff) = (body.find("loop {").unwrap(), body.find("} else {").expect("an else branch"));
    assert!(lp < iff, "the IF is inside the loop: {body}");
    assert!(!src.contains("unsafe"), "generated code has no unsafe");
    let src = compile("tests/fixtures/zoo/if_conv_int8.tflite", false).unwrap();
    let body = &src[src.find("fn layers(").expect("layers function")..];
    assert_eq!(body.matches("if arena[").count(), 1, "{body}");
    assert!(body.contains("\n            } else {\n"), "{body}");
    assert!(!src.contains("loop {"));
}

#[test]
fn deterministic_timing_refuses_data_dependent_models_by_name() {
    for (rel, want) in [
        ("tests/fixtures/zoo/while_data_int8.tflite", "op #6 WHILE: a loop runs until its condition says stop"),
        ("tests/fixtures/zoo/while_counter_float32.tflite", "op #0 WHILE: a loop runs until its condition says stop"),
        ("tests/fixtures/zoo/if_fc_int8.tflite", "op #3 IF: the input chooses which branch runs"),
        (
            "tests/fixtures/zoo/detection_postprocess_int8.tflite",
            "CUSTOM(TFLite_Detection_PostProcess): its sort, score threshold and non-maximum suppression depend on the scores",
        ),
    ] {
        // Without the option the model compiles.
        compile(rel, false).unwrap_or_else(|e| panic!("{e}"));
        let e = compile(rel, true).expect_err(rel);
        assert!(matches!(e.kind, ErrorKind::DataDependentTiming(_)), "{rel}: {e}");
        let msg = e.to_string();
        assert!(msg.contains("deterministic timing was asked for, but the model's run time depends on its input"), "{msg}");
        assert!(msg.contains(want), "{rel}: {msg}");
    }
    // Straight-line models compile with it, unchanged.
    for rel in ["tests/fixtures/zoo/digits_int8.tflite", "tests/fixtures/zoo/conv_s1_same.tflite"] {
        assert_eq!(compile(rel, true).unwrap(), compile(rel, false).unwrap(), "{rel}");
    }
}

#[test]
fn config_and_cli_take_the_option() {
    let out = std::env::temp_dir().join(format!("kiln-control-flow-{}", std::process::id()));
    let e = kiln_codegen::Config::new()
        .model("tests/fixtures/zoo/while_data_float32.tflite")
        .deterministic_timing(true)
        .out_dir(&out)
        .manifest_dir(workspace())
        .compile()
        .expect_err("refused");
    assert!(matches!(e.kind, ErrorKind::DataDependentTiming(_)), "{e}");
    let _ = std::fs::remove_dir_all(&out);

    let kiln = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_kiln")).args(args).current_dir(workspace()).output().unwrap();
    let o = kiln(&["generate", "--deterministic-timing", "tests/fixtures/zoo/while_data_float32.tflite"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("op #4 WHILE: a loop runs until its condition says stop"), "{err}");
    assert!(o.stdout.is_empty());
    let o = kiln(&["inspect", "tests/fixtures/zoo/while_data_float32.tflite"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("run time:          data-dependent"), "{text}");
    let o = kiln(&["inspect", "--json", "tests/fixtures/zoo/if_fc_float32.tflite"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["data_dependent_timing"].as_array().map(Vec::len), Some(1), "{v}");
    let o = kiln(&["inspect", "--json", "tests/fixtures/zoo/digits_int8.tflite"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.get("data_dependent_timing").is_none(), "{v}");
}
