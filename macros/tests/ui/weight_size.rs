kiln::include_model!("tests/ui/fixtures/weight_size.tflite");

fn main() {}
