kiln::include_model!("tests/ui/fixtures/png_renamed.tflite");

fn main() {}
