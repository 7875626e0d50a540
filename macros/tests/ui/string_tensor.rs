kiln::include_model!("tests/ui/fixtures/string_tensor.tflite");

fn main() {}
