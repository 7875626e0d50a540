kiln::include_model!("tests/ui/fixtures/tensor_index.tflite");

fn main() {}
