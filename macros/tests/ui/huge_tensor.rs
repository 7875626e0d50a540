kiln::include_model!("tests/ui/fixtures/huge_tensor.tflite");

fn main() {}
