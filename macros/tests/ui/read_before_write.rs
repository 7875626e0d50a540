kiln::include_model!("tests/ui/fixtures/read_before_write.tflite");

fn main() {}
