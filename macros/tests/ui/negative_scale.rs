kiln::include_model!("tests/ui/fixtures/negative_scale.tflite");

fn main() {}
