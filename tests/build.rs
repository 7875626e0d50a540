//! Generates one bit-exactness test per model in `fixtures/zoo/`, so every zoo model is
//! tested and none can be forgotten.

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
    let mut out = String::new();
    for stem in &stems {
        writeln!(
            out,
            "mod {stem} {{\n    kiln::include_model!(\"fixtures/zoo/{stem}.tflite\", name = Net);\n    \
             #[test]\n    fn matches_tflm() {{\n        crate::assert_zoo_model::<Net>(\"{stem}\");\n    }}\n}}"
        )
        .unwrap();
    }
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("zoo_tests.rs");
    std::fs::write(path, out).unwrap();
}
