kiln::include_model!("tests/ui/fixtures/empty.tflite");

fn main() {}
