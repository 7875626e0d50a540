kiln::include_model!("tests/ui/fixtures/custom_op.tflite");

fn main() {}
