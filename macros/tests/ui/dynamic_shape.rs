kiln::include_model!("tests/ui/fixtures/dynamic_shape.tflite");

fn main() {}
