//! MobileNetV1-1.0-224 is benchmark-only and not committed (`benches/make_bench_models.py` makes
//! it in `benches/models/`): compile it in only when the file is there, so a clean clone still builds.

fn main() {
    const BIG: &str = "models/mobilenet_v1_100_224.tflite";
    println!("cargo::rustc-check-cfg=cfg(kiln_mobilenet_v1_100_224)");
    println!("cargo::rerun-if-changed={BIG}");
    if std::path::Path::new(BIG).exists() {
        println!("cargo::rustc-cfg=kiln_mobilenet_v1_100_224");
    }
}
