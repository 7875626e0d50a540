//! MobileNetV1-1.0-224 is benchmark-only and not committed (`benches/make_bench_models.py` makes
//! it in `benches/models/`): compile it in only when the file is there, so a clean clone still builds.
//! A freshly made model has a new mtime and triggers a rerun; a file restored with an *older* mtime
//! than the last build does not (cargo compares mtimes): `touch benches/build.rs` then.

fn main() {
    const BIG: &str = "models/mobilenet_v1_100_224.tflite";
    println!("cargo::rustc-check-cfg=cfg(kiln_mobilenet_v1_100_224)");
    println!("cargo::rerun-if-changed={BIG}");
    if std::path::Path::new(BIG).exists() {
        println!("cargo::rustc-cfg=kiln_mobilenet_v1_100_224");
    }
}
