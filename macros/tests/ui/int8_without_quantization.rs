kiln::include_model!("tests/ui/fixtures/int8_without_quantization.tflite");

fn main() {}
