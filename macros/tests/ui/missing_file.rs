kiln::include_model!("tests/ui/fixtures/missing.tflite");

fn main() {}
