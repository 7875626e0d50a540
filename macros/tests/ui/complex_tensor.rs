kiln::include_model!("tests/ui/fixtures/complex_tensor.tflite");

fn main() {}
