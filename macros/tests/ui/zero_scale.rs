kiln::include_model!("tests/ui/fixtures/zero_scale.tflite");

fn main() {}
