kiln::include_model!("tests/ui/fixtures/wrong_identifier.tflite");

fn main() {}
