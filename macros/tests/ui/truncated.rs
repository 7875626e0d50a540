kiln::include_model!("tests/ui/fixtures/truncated.tflite");

fn main() {}
