//! Generates one bit-exactness test per model in `fixtures/zoo/`, so every zoo model is
//! tested and none can be forgotten; and compiles two zoo models the non-macro ways (the
//! build.rs `Config` API and `kiln generate`-style source) for `tests/ways_in.rs`.

use std::fmt::Write;

fn main() {
    let dir = std::path::Path::new("fixtures/zoo");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut stems: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/fixtures/zoo is missing")
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "tflite").then(|| p.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    stems.sort();
    assert!(!stems.is_empty(), "no models in tests/fixtures/zoo");
    // Models with a dynamic input shape are compiled for the shape the manifest records
    // (make_zoo.py's `input_shape`), the one their goldens were made at.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("tests/fixtures/zoo/manifest.json"))
            .expect("manifest.json is JSON");
    let mut out = String::new();
    for stem in &stems {
        let input_shape = match manifest["models"][stem]["input_shape"].as_array() {
            Some(dims) => format!(
                ", input_shape = [{}]",
                dims.iter().map(|d| d.as_u64().expect("input_shape holds sizes").to_string()).collect::<Vec<_>>().join(", ")
            ),
            None => String::new(),
        };
        writeln!(
            out,
            "mod {stem} {{\n    kiln::include_model!(\"fixtures/zoo/{stem}.tflite\", name = Net{input_shape});\n    \
             #[test]\n    fn matches_tflm() {{\n        crate::assert_zoo_model::<Net>(\"{stem}\");\n    }}\n}}"
        )
        .unwrap();
    }
    // Patched stages (`max_arena_bytes`): every zoo model whose first layers can run in row
    // bands, compiled twice — at the smallest arena kiln reaches (most bands) and just under
    // the plain plan (fewest) — and held to the same goldens. The models listed must be among
    // them, so a regression that stops patching fails here instead of shrinking the suite.
    let mut patched = Vec::new();
    for stem in &stems {
        if manifest["models"][stem]["input_shape"].is_array() {
            continue; // dynamic models have static twins in the zoo
        }
        let path = format!("fixtures/zoo/{stem}.tflite");
        let bytes = std::fs::read(&path).unwrap();
        let Ok((whole, smallest)) = kiln_codegen::arena_range(&path, &bytes, &Default::default()) else {
            continue; // not a compiling model: zoo_tests above reports it
        };
        if smallest >= whole {
            continue;
        }
        for (kind, cap) in [("smallest", smallest), ("fewest", whole - 1)] {
            writeln!(
                out,
                "mod patched_{kind}_{stem} {{\n    kiln::include_model!(\"fixtures/zoo/{stem}.tflite\", name = Net, max_arena_bytes = {cap});\n    \
                 #[test]\n    fn matches_tflm() {{\n        assert!(Net::ARENA_BYTES <= {cap}, \"the cap\");\n        \
                 crate::assert_zoo_model::<Net>(\"{stem}\");\n    }}\n}}"
            )
            .unwrap();
        }
        patched.push(stem.as_str());
    }
    for must in [
        "mobilenet_v1_025_96",
        "mobilenet_v2_035_96",
        "kws_ds_cnn",
        "ic_resnet8",
    ] {
        assert!(
            patched.contains(&must),
            "{must} no longer compiles with patches (patched: {patched:?})"
        );
    }
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out_dir.join("zoo_tests.rs"), out).unwrap();

    // The build.rs path, exactly as a user's build script would call it.
    kiln_codegen::Config::new()
        .model("fixtures/zoo/mobilenet_v2_035_96.tflite")
        .name("MobileNetV2")
        .model("fixtures/zoo/multi_io.tflite")
        .name("MultiIo")
        // A model with two custom ops mapped to the test's functions (tests/custom_ops.rs).
        .model("fixtures/custom/user_ops.tflite")
        .name("UserOps")
        .custom_op("ScaleShift", "crate::scale_shift")
        .custom_op("Clip", "crate::clip")
        .out_dir(out_dir.join("build_rs"))
        .compile()
        .unwrap_or_else(|e| panic!("{e}"));
    // What `kiln generate MODEL --name X` prints (no rebuild tracking: vendored source).
    std::fs::create_dir_all(out_dir.join("cli")).unwrap();
    for (stem, name) in [("mobilenet_v2_035_96", "MobileNetV2"), ("multi_io", "MultiIo")] {
        let path = format!("fixtures/zoo/{stem}.tflite");
        let bytes = std::fs::read(&path).unwrap();
        let opts = kiln_codegen::CompileOptions { name: Some(name.into()), ..Default::default() };
        let source = kiln_codegen::generate_source(&path, &bytes, &opts).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(out_dir.join("cli").join(format!("{stem}.rs")), source).unwrap();
    }
}
