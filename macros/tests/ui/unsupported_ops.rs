kiln::include_model!("tests/ui/fixtures/unsupported_ops.tflite");

fn main() {}
