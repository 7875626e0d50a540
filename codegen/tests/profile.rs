//! The per-layer profiling switch (`CompileOptions::profile_layers`, `Config::profile_layers`,
//! `kiln generate --profile`, `include_model!(…, profile = true)`): one
//! `kiln::profile::layer_begin(i)` / `layer_end(i)` pair around every layer that has code, with the
//! layer's op index, in execution order; nothing else changes, and without the switch nothing
//! changes at all.

use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_codegen::{Call, CompileOptions};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Zoo models that cover every way a layer is emitted: plain (digits), aliases (RESHAPE in
/// `reshape`), one op with several steps (SPLIT), several inputs and outputs, state windows
/// (SVDF, ASSIGN_VARIABLE), a variant kernel under `#[cfg]` (CONV_2D row-dot) and a long chain
/// with ADD, MEAN and RESHAPE (MobileNetV2).
const MODELS: [&str; 7] = [
    "digits_int8",
    "reshape",
    "split_channels",
    "multi_io",
    "svdf_int8_state",
    "var_handle_read_assign",
    "mobilenet_v2_035_96",
];

fn source(stem: &str, profile: bool) -> String {
    let rel = format!("tests/fixtures/zoo/{stem}.tflite");
    let bytes = std::fs::read(workspace().join(&rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let opts = CompileOptions { profile_layers: profile, ..Default::default() };
    kiln_codegen::generate_source(&rel, &bytes, &opts).unwrap_or_else(|e| panic!("{e}"))
}

/// The marker calls in source order: (is_begin, index).
fn markers(src: &str) -> Vec<(bool, usize)> {
    let mut out = Vec::new();
    for line in src.lines() {
        let l = line.trim();
        for (begin, prefix) in [(true, "::kiln::profile::layer_begin("), (false, "::kiln::profile::layer_end(")] {
            if let Some(rest) = l.strip_prefix(prefix) {
                let n = rest.strip_suffix(");").unwrap_or_else(|| panic!("odd marker line `{l}`"));
                out.push((begin, n.parse().unwrap_or_else(|_| panic!("odd marker index `{l}`"))));
            }
        }
    }
    out
}

/// Op indices of the layers that have code, in execution order.
fn layers_with_code(stem: &str) -> Vec<usize> {
    let rel = format!("tests/fixtures/zoo/{stem}.tflite");
    let bytes = std::fs::read(workspace().join(&rel)).unwrap();
    let a = kiln_codegen::analyze(&rel, &bytes).unwrap_or_else(|e| panic!("{e}"));
    a.steps.iter().filter(|s| !matches!(s.call, Call::Alias)).map(|s| s.op_index).collect()
}

#[test]
fn one_begin_end_pair_per_layer_with_code_with_its_op_index() {
    let mut saw_alias = false;
    for stem in MODELS {
        let src = source(stem, true);
        let expected = layers_with_code(stem);
        assert!(!expected.is_empty(), "{stem}: no layers");
        let rel = format!("tests/fixtures/zoo/{stem}.tflite");
        let all = kiln_codegen::analyze(&rel, &std::fs::read(workspace().join(&rel)).unwrap()).unwrap().steps.len();
        saw_alias |= all > expected.len();
        // A layer's consecutive row bands may run as one loop between one pair of markers, so
        // both sides are compared as runs of one op index (each run still begin(i) end(i) pairs).
        let mut got = markers(&src);
        assert!(got.chunks(2).all(|p| p.len() == 2 && p[0] == (true, p[1].1) && !p[1].0), "{stem}: unpaired markers {got:?}");
        got.dedup_by_key(|m| m.1);
        let mut want: Vec<usize> = expected.clone();
        want.dedup();
        let got: Vec<usize> = got.iter().map(|m| m.1).collect();
        assert_eq!(got, want, "{stem}: markers are not begin(i) end(i) per layer with code, in order");
    }
    assert!(saw_alias, "none of the models has an alias layer: the test does not cover aliases");
}

#[test]
fn profile_adds_only_the_marker_lines_and_is_off_by_default() {
    for stem in MODELS {
        let plain = source(stem, false);
        assert!(!plain.contains("kiln::profile"), "{stem}: markers without the switch");
        let default = {
            let rel = format!("tests/fixtures/zoo/{stem}.tflite");
            let bytes = std::fs::read(workspace().join(&rel)).unwrap();
            kiln_codegen::generate_source(&rel, &bytes, &CompileOptions::default()).unwrap()
        };
        assert_eq!(plain, default, "{stem}: profile_layers: false is not the default output");
        let profiled = source(stem, true);
        let stripped: String = profiled
            .lines()
            .filter(|l| !l.trim_start().starts_with("::kiln::profile::layer_"))
            .flat_map(|l| [l, "\n"])
            .collect();
        assert_eq!(stripped, plain, "{stem}: the profiled source differs in more than the marker lines");
    }
}

#[test]
fn config_and_cli_switches_emit_the_markers() {
    let dir = std::env::temp_dir().join(format!("kiln-profile-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rel = "tests/fixtures/zoo/reshape.tflite";
    kiln_codegen::Config::new()
        .model(rel)
        .profile_layers(true)
        .out_dir(&dir)
        .manifest_dir(workspace())
        .compile()
        .unwrap();
    let written = std::fs::read_to_string(dir.join("reshape.rs")).unwrap();
    let want: Vec<(bool, usize)> = layers_with_code("reshape").iter().flat_map(|&i| [(true, i), (false, i)]).collect();
    assert_eq!(markers(&written), want);
    // Off again for a second model: the switch belongs to the model added last.
    kiln_codegen::Config::new()
        .model(rel)
        .profile_layers(true)
        .profile_layers(false)
        .out_dir(&dir)
        .manifest_dir(workspace())
        .compile()
        .unwrap();
    assert!(!std::fs::read_to_string(dir.join("reshape.rs")).unwrap().contains("kiln::profile"));
    let _ = std::fs::remove_dir_all(&dir);

    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kiln")).args(args).current_dir(workspace()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(run(&["generate", rel, "--profile"]), source("reshape", true));
    assert_eq!(run(&["generate", rel]), source("reshape", false));
}
