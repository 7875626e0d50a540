kiln::include_model!("tests/ui/fixtures/buffer_index.tflite");

fn main() {}
