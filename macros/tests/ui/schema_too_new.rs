kiln::include_model!("tests/ui/fixtures/schema_too_new.tflite");

fn main() {}
