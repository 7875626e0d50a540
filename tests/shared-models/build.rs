//! One bit-exactness test per int16 single-op model in `../shared/models/tflm-int16-ops/<op>/`,
//! so none can be forgotten. `KILN_INT16_OPS=add,sub` restricts the suite to those op
//! directories (for work on one op; an empty value compiles none). CI runs all 127.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models/tflm-int16-ops");
    println!("cargo:rerun-if-changed={}", root.display());
    println!("cargo:rerun-if-env-changed=KILN_INT16_OPS");
    let only: Option<Vec<String>> =
        std::env::var("KILN_INT16_OPS").ok().map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect());
    let mut dirs: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e} — the suite needs ../shared beside the repository", root.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    dirs.sort();
    if let Some(only) = &only {
        for o in only {
            assert!(dirs.contains(o), "KILN_INT16_OPS names `{o}`, which is not a directory of {}", root.display());
        }
        dirs.retain(|d| only.contains(d));
    }
    let mut out = String::new();
    let mut count = 0;
    for dir in &dirs {
        let mut stems: Vec<String> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .filter_map(|e| {
                let p = e.ok()?.path();
                (p.extension()? == "tflite").then(|| p.file_stem()?.to_str().map(str::to_string))?
            })
            .collect();
        stems.sort_by_key(|s| (s.len(), s.clone()));
        for stem in stems {
            count += 1;
            writeln!(
                out,
                "mod {stem} {{\n    kiln::include_model!(\"../../../shared/models/tflm-int16-ops/{dir}/{stem}.tflite\", name = Net);\n    \
                 #[test]\n    fn matches_tflm() {{\n        crate::assert_int16_model::<Net>(\"{stem}\");\n    }}\n}}"
            )
            .unwrap();
        }
    }
    writeln!(out, "/// Models compiled into this suite.\npub const MODELS: usize = {count};").unwrap();
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out_dir.join("int16_tests.rs"), out).unwrap();
}
