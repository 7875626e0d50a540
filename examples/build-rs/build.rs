// The build-script way into kiln: for builds that keep proc-macros out, or that want the
// generated source on disk ($OUT_DIR/mobilenet_v1_025_96.rs) to read and review.
fn main() -> Result<(), kiln_codegen::Error> {
    kiln_codegen::Config::new()
        .model("../../tests/fixtures/zoo/mobilenet_v1_025_96.tflite")
        .name("MobileNet")
        .compile()
}
