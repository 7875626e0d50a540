kiln::include_model!("tests/ui/fixtures/dimension_overflow.tflite");

fn main() {}
